//! Learning-rate schedules against the spec's formulas, evaluated by hand at chosen iterations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

use optimizer_playground::run::Session;
use optimizer_playground::scenario::Scenario;
use optimizer_playground::schedule::{Schedule, Shape};
use std::f64::consts::PI;

fn sched(shape: Shape, warmup: u64) -> Schedule {
    Schedule { shape, warmup }
}

#[track_caller]
fn near(got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-14 * want.abs().max(1e-300),
        "got {got:e}, want {want:e}"
    );
}

#[test]
fn constant() {
    let s = sched(Shape::Constant {}, 0);
    for k in [0, 1, 7, 99_999] {
        assert_eq!(s.rate(0.03, k), 0.03);
    }
    assert_eq!(Schedule::default(), s);
}

#[test]
fn step() {
    let s = sched(
        Shape::Step {
            step_size: 10,
            gamma: 0.5,
        },
        0,
    );
    // η · γ^⌊k/10⌋ with η = 0.8.
    assert_eq!(s.rate(0.8, 0), 0.8);
    assert_eq!(s.rate(0.8, 9), 0.8);
    assert_eq!(s.rate(0.8, 10), 0.4);
    assert_eq!(s.rate(0.8, 19), 0.4);
    assert_eq!(s.rate(0.8, 20), 0.2);
    assert_eq!(s.rate(0.8, 35), 0.1);
    assert_eq!(s.rate(0.8, 109), 0.8 / 1024.0);
    // gamma defaults to 0.1 (through the scenario format).
    let d: Schedule = serde_json::from_str(r#"{"name": "step", "step_size": 3}"#).unwrap();
    near(d.rate(2.0, 2), 2.0);
    near(d.rate(2.0, 3), 0.2);
    near(d.rate(2.0, 6), 0.02);
    near(d.rate(2.0, 9), 0.002);
}

#[test]
fn exponential() {
    let s = sched(Shape::Exponential { decay: 0.05 }, 0);
    near(s.rate(0.1, 0), 0.1);
    near(s.rate(0.1, 1), 0.1 * 0.951_229_424_500_714);
    near(s.rate(0.1, 20), 0.1 * 0.367_879_441_171_442_3); // e^-1
    near(s.rate(0.1, 40), 0.1 * 0.135_335_283_236_612_7); // e^-2
    let flat = sched(Shape::Exponential { decay: 0.0 }, 0);
    assert_eq!(flat.rate(0.1, 1000), 0.1);
}

#[test]
fn cosine() {
    let s = sched(
        Shape::Cosine {
            t_max: 100.0,
            lr_min: 0.0,
        },
        0,
    );
    near(s.rate(0.2, 0), 0.2);
    near(s.rate(0.2, 25), 0.1 * (1.0 + 0.5_f64.sqrt())); // cos(π/4)
    near(s.rate(0.2, 50), 0.1); // cos(π/2) = 0, up to rounding
    near(s.rate(0.2, 75), 0.1 * (1.0 - 0.5_f64.sqrt()));
    assert!(s.rate(0.2, 100).abs() < 1e-17);
    // Past t_max the rate stays at lr_min.
    assert_eq!(s.rate(0.2, 101), s.rate(0.2, 100));
    assert_eq!(s.rate(0.2, 5000), s.rate(0.2, 100));

    let m = sched(
        Shape::Cosine {
            t_max: 10.0,
            lr_min: 0.01,
        },
        0,
    );
    near(m.rate(0.11, 0), 0.11);
    near(m.rate(0.11, 5), 0.01 + 0.05);
    near(m.rate(0.11, 10), 0.01);
    near(m.rate(0.11, 11), 0.01);
    near(m.rate(0.11, 1000), 0.01);
    // A fractional t_max: π·min(k, 2.5)/2.5.
    let f = sched(
        Shape::Cosine {
            t_max: 2.5,
            lr_min: 0.0,
        },
        0,
    );
    near(f.rate(1.0, 1), 0.5 * (1.0 + (0.4 * PI).cos()));
    assert!(f.rate(1.0, 3).abs() < 1e-16);
}

#[test]
fn warm_restarts_with_constant_cycles() {
    let s = sched(
        Shape::WarmRestarts {
            t_0: 10,
            t_mult: 1,
            lr_min: 0.0,
        },
        0,
    );
    let within = |kc: f64| 0.5 * (1.0 + (PI * kc / 10.0).cos());
    near(s.rate(1.0, 0), 1.0);
    near(s.rate(1.0, 5), 0.5);
    near(s.rate(1.0, 9), within(9.0));
    // Restarts at k = t_0, 2 t_0, …
    near(s.rate(1.0, 10), 1.0);
    near(s.rate(1.0, 15), 0.5);
    near(s.rate(1.0, 19), within(9.0));
    near(s.rate(1.0, 20), 1.0);
    near(s.rate(1.0, 1003), within(3.0));
}

#[test]
fn warm_restarts_with_doubling_cycles() {
    let s = sched(
        Shape::WarmRestarts {
            t_0: 4,
            t_mult: 2,
            lr_min: 0.1,
        },
        0,
    );
    // Cycles: [0, 4) of length 4, [4, 12) of length 8, [12, 28) of length 16, [28, 60) …
    let r = |kc: f64, ti: f64| 0.1 + 0.5 * (1.1 - 0.1) * (1.0 + (PI * kc / ti).cos());
    near(s.rate(1.1, 0), 1.1);
    near(s.rate(1.1, 2), r(2.0, 4.0));
    near(s.rate(1.1, 3), r(3.0, 4.0));
    near(s.rate(1.1, 4), 1.1); // restart at t_0
    near(s.rate(1.1, 8), r(4.0, 8.0));
    near(s.rate(1.1, 11), r(7.0, 8.0));
    near(s.rate(1.1, 12), 1.1); // restart at t_0 + 2 t_0
    near(s.rate(1.1, 20), r(8.0, 16.0));
    near(s.rate(1.1, 27), r(15.0, 16.0));
    near(s.rate(1.1, 28), 1.1); // restart at t_0 + 2 t_0 + 4 t_0
    near(s.rate(1.1, 59), r(31.0, 32.0));
    near(s.rate(1.1, 60), 1.1);
    // t_mult defaults to 1 and lr_min to 0 (through the scenario format).
    let d: Schedule = serde_json::from_str(r#"{"name": "warm_restarts", "t_0": 3}"#).unwrap();
    near(d.rate(1.0, 3), 1.0);
    near(d.rate(1.0, 4), 0.5 * (1.0 + (PI / 3.0).cos()));
}

#[test]
fn warmup_then_the_schedule_on_k_minus_w() {
    let s = sched(
        Shape::Step {
            step_size: 3,
            gamma: 0.5,
        },
        4,
    );
    // k < 4: η (k+1)/4.
    near(s.rate(0.2, 0), 0.05);
    near(s.rate(0.2, 1), 0.1);
    near(s.rate(0.2, 2), 0.15);
    near(s.rate(0.2, 3), 0.2);
    // Then the step schedule on k − 4.
    near(s.rate(0.2, 4), 0.2);
    near(s.rate(0.2, 6), 0.2);
    near(s.rate(0.2, 7), 0.1);
    near(s.rate(0.2, 10), 0.05);

    let c = sched(
        Shape::Cosine {
            t_max: 8.0,
            lr_min: 0.0,
        },
        2,
    );
    near(c.rate(1.0, 0), 0.5);
    near(c.rate(1.0, 1), 1.0);
    near(c.rate(1.0, 2), 1.0);
    near(c.rate(1.0, 6), 0.5);
    assert!(c.rate(1.0, 10).abs() < 1e-16);

    let w = sched(Shape::Constant {}, 5);
    for (k, want) in [(0, 0.2), (1, 0.4), (4, 1.0), (5, 1.0), (500, 1.0)] {
        near(w.rate(1.0, k), want);
    }
}

#[test]
fn validation_names_the_field() {
    let bad = [
        (
            Shape::Step {
                step_size: 0,
                gamma: 0.1,
            },
            "step_size",
        ),
        (
            Shape::Step {
                step_size: 1,
                gamma: 0.0,
            },
            "gamma",
        ),
        (
            Shape::Step {
                step_size: 1,
                gamma: f64::NAN,
            },
            "gamma",
        ),
        (Shape::Exponential { decay: -0.1 }, "decay"),
        (
            Shape::Cosine {
                t_max: 0.0,
                lr_min: 0.0,
            },
            "t_max",
        ),
        (
            Shape::Cosine {
                t_max: 10.0,
                lr_min: -1.0,
            },
            "lr_min",
        ),
        (
            Shape::WarmRestarts {
                t_0: 0,
                t_mult: 1,
                lr_min: 0.0,
            },
            "t_0",
        ),
        (
            Shape::WarmRestarts {
                t_0: 1,
                t_mult: 0,
                lr_min: 0.0,
            },
            "t_mult",
        ),
    ];
    for (shape, field) in bad {
        let e = sched(shape.clone(), 0).validate().unwrap_err();
        assert!(e.starts_with(field), "{shape:?}: {e}");
    }
    assert!(sched(Shape::Constant {}, 3).validate().is_ok());
}

/// The rates a run reports are the schedule's η_k, k = 0, 1, …; SGD-HD ignores the schedule.
#[test]
fn runs_report_the_schedule_rates() {
    let sc = Scenario::from_json(
        r#"{"surface": {"name": "himmelblau"}, "start": [0.5, 0.5], "steps": 30, "runs": [
            {"optimizer": {"name": "adam", "lr": 0.1}, "schedule": {"name": "step", "step_size": 7, "gamma": 0.5, "warmup": 3}},
            {"optimizer": {"name": "bfgs", "line_search": "none", "lr": 0.05}, "schedule": {"name": "exponential", "decay": 0.1}},
            {"optimizer": {"name": "lookahead", "inner": {"name": "gd", "lr": 0.01}}, "schedule": {"name": "cosine", "t_max": 20}},
            {"optimizer": {"name": "sgd_hd", "lr": 0.01, "hyper_lr": 0}, "schedule": {"name": "cosine", "t_max": 5}}
        ]}"#,
    )
    .unwrap();
    let traces = Session::new(&sc).unwrap().finish();
    for (i, t) in traces.iter().enumerate() {
        assert_eq!(t.diverged_at, None, "{}", t.label);
        assert_eq!(t.lr.len(), 30);
        let s = sc.runs[i].schedule.clone().unwrap();
        let base = sc.runs[i].optimizer.base_lr();
        for (k, &lr) in t.lr.iter().enumerate() {
            let want = if i == 3 { 0.01 } else { s.rate(base, k as u64) };
            assert_eq!(lr, want, "{} at k = {k}", t.label);
        }
    }
    // Spot values from the formulas.
    near(traces[0].lr[0], 0.1 / 3.0);
    near(traces[0].lr[2], 0.1);
    near(traces[0].lr[3 + 7], 0.05);
    near(traces[1].lr[10], 0.05 * (-1.0_f64).exp());
    near(traces[2].lr[10], 0.005);
}

#[test]
fn a_constant_schedule_rejects_unknown_fields() {
    let sc = |sched: &str| {
        optimizer_playground::scenario::Scenario::from_json(&format!(
            r#"{{"surface": {{"name": "booth"}}, "start": [0, 0], "steps": 3,
               "runs": [{{"optimizer": {{"name": "gd", "lr": 0.1}}, "schedule": {sched}}}]}}"#
        ))
    };
    let e = sc(r#"{"name": "constant", "warmpu": 5}"#).unwrap_err();
    assert!(
        e.contains("runs[0].schedule") && e.contains("warmpu"),
        "{e}"
    );
    assert!(sc(r#"{"name": "constant", "warmup": 5}"#).is_ok());
}
