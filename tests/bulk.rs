//! The bulk engine: `run_jobs` (the fast path) equals `run_reference` (every job through the
//! single-run path) bit for bit, and `run_reference` equals what `Session` (the code `trace`
//! uses) gives for the scenario with that one run, on named surfaces and a user expression,
//! for every optimizer, with schedules, clipping, L2, stopping rules, diverging jobs, jobs that
//! reach the tolerance, and job counts that are not a multiple of any lane width.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

use optimizer_playground::bulk::{
    grid_jobs, run_jobs, run_jobs_with, run_reference, runs_in_lanes, Axis, Grad, Lanes, Outcome,
    Simd,
};
use optimizer_playground::run::Session;
use optimizer_playground::scalar::Num;
use optimizer_playground::scenario::{RunSpec, Scenario};
use optimizer_playground::surface::{Surface, LIBRARY};
use optimizer_playground::Vec2;
use serde_json::{json, Value};

/// The bits of `v`, every NaN as one: a NaN's sign and payload carry no meaning, and which
/// operand's NaN an operation passes on depends on the order the compiler picks (IEEE 754
/// leaves it open), so they may differ between the paths; −0 still differs from +0.
fn b64(v: f64) -> u64 {
    if v.is_nan() {
        f64::NAN.to_bits()
    } else {
        v.to_bits()
    }
}

/// An outcome as bits, so that NaN equals NaN and −0 differs from +0.
fn bits(o: &Outcome) -> Value {
    json!([
        b64(o.end.x),
        b64(o.end.y),
        b64(o.loss),
        o.iterations,
        [o.evals.value, o.evals.grad, o.evals.hessian],
        o.diverged_at,
        o.stopped_at,
        o.reached.map(|(i, g)| [i, g]),
    ])
}

/// A scenario from its JSON (its `runs` are the jobs' bases).
fn scenario(v: Value) -> Scenario {
    Scenario::from_json(&v.to_string()).unwrap()
}

/// The jobs: every run of `sc` with each of `lrs` (log-spaced, small to divergent) and, every
/// third job, the start moved by a little (a run's own start).
fn jobs(sc: &Scenario, lrs: &[f64]) -> Vec<RunSpec> {
    let mut out = Vec::new();
    for run in &sc.runs {
        for (i, &lr) in lrs.iter().enumerate() {
            let mut j = run.clone();
            let key = if j.optimizer.name.info().wraps {
                j.optimizer.inner.as_mut().unwrap().set("lr", lr)
            } else {
                j.optimizer.set("lr", lr)
            };
            assert!(key || j.optimizer.value("lr").is_none());
            if i % 3 == 2 {
                j.start = Some(optimizer_playground::Vec2::new(
                    sc.start.x + 0.1 * i as f64,
                    sc.start.y - 0.05 * i as f64,
                ));
            }
            out.push(j);
        }
    }
    out
}

fn log_space(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo * (hi / lo).powf(i as f64 / (n - 1) as f64))
        .collect()
}

/// What `Session` gives for `sc` with `job` as its only run.
fn via_session(sc: &Scenario, job: &RunSpec, tol: Option<f64>) -> Value {
    let mut one = sc.clone();
    one.runs = vec![job.clone()];
    let mut s = Session::new(&one).unwrap();
    s.step(one.steps);
    let r = &s.runs[0];
    let t = &r.trace;
    let reached = tol.and_then(|tol| {
        let i = t.loss.iter().position(|&l| l <= tol)?;
        Some([i as u64, r.evals_at[i].grad])
    });
    let end = t.path.last().unwrap();
    json!([
        end.x.to_bits(),
        end.y.to_bits(),
        t.loss.last().unwrap().to_bits(),
        t.path.len() as u64 - 1,
        [t.evals.value, t.evals.grad, t.evals.hessian],
        t.diverged_at,
        t.stopped_at,
        reached,
    ])
}

/// Every check on one scenario: fast = reference = session, job by job; and the slices of a
/// split give the same outcomes as the whole. Returns the outcomes.
#[track_caller]
fn check(sc: &Scenario, jobs: &[RunSpec], tol: Option<f64>) -> Vec<Outcome> {
    let surface = sc.build_surface().unwrap();
    let reference = run_reference(sc, &surface, jobs, tol);
    let fast = run_jobs(sc, &surface, jobs, tol);
    assert_eq!(fast.len(), jobs.len());
    let lanes = jobs.iter().filter(|j| runs_in_lanes(sc, j)).count();
    let first = jobs
        .iter()
        .filter(|j| FIRST_ORDER.contains(&j.optimizer.name.name()))
        .count();
    assert!(
        sc.data.is_some()
            || lanes
                == jobs
                    .iter()
                    .filter(|j| j.noise.is_none() && FIRST_ORDER.contains(&j.optimizer.name.name()))
                    .count(),
        "every first-order job without noise runs in lanes ({lanes} of {first})"
    );
    // Every lane-group instruction set this processor has (on x86-64 with AVX both 4 lanes
    // in SSE2 and 16 in AVX; `run_jobs` takes the fastest).
    let portable = run_jobs_with(Simd::Portable, sc, &surface, jobs, tol);
    let avx = run_jobs_with(Simd::Avx, sc, &surface, jobs, tol);
    for (i, job) in jobs.iter().enumerate() {
        let want = via_session(sc, job, tol);
        assert_eq!(bits(&reference[i]), want, "reference, job {i}: {job:?}");
        assert_eq!(bits(&fast[i]), want, "run_jobs, job {i}: {job:?}");
        assert_eq!(bits(&portable[i]), want, "Simd::Portable, job {i}: {job:?}");
        assert_eq!(bits(&avx[i]), want, "Simd::Avx, job {i}: {job:?}");
    }
    let cut = jobs.len() / 3;
    let mut split = run_jobs(sc, &surface, &jobs[..cut], tol);
    split.extend(run_jobs(sc, &surface, &jobs[cut..], tol));
    let b = |v: &[Outcome]| v.iter().map(bits).collect::<Vec<_>>();
    assert_eq!(b(&split), b(&fast), "split into slices");
    fast
}

const FIRST_ORDER: [&str; 9] = [
    "gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "amsgrad", "nadam",
];

fn runs_of(names: &[&str], extra: Value) -> Value {
    Value::Array(
        names
            .iter()
            .map(|n| {
                let mut r = json!({"optimizer": {"name": n, "lr": 0.01}});
                for (k, v) in extra.as_object().unwrap() {
                    r[k] = v.clone();
                }
                r
            })
            .collect(),
    )
}

/// The number of outcomes that diverged, stopped and reached the tolerance.
fn tally(out: &[Outcome]) -> (usize, usize, usize) {
    (
        out.iter().filter(|o| o.diverged_at.is_some()).count(),
        out.iter().filter(|o| o.stopped_at.is_some()).count(),
        out.iter().filter(|o| o.reached.is_some()).count(),
    )
}

#[test]
fn first_order_on_named_surfaces() {
    for (surface, start) in [
        (json!({"name": "rosenbrock"}), json!([-1.5, 2])),
        (json!({"name": "himmelblau"}), json!([0.3, -0.2])),
        (json!({"name": "rastrigin"}), json!([-2.3, 1.7])),
        (json!({"name": "ackley"}), json!([1.2, -0.9])),
        (json!({"name": "levi"}), json!([-0.5, 2.0])),
    ] {
        let sc = scenario(json!({
            "surface": surface, "start": start, "steps": 60,
            "runs": runs_of(&FIRST_ORDER, json!({})),
        }));
        let out = check(&sc, &jobs(&sc, &log_space(1e-4, 30.0, 13)), Some(0.5));
        let (diverged, _, reached) = tally(&out);
        // Ackley's gradient is bounded: no rate makes it diverge within 60 steps.
        let bounded = surface["name"] == "ackley";
        assert!(
            (diverged > 0 || bounded) && reached > 0,
            "{surface}: {diverged} diverged, {reached} reached"
        );
    }
}

#[test]
fn user_expression() {
    let sc = scenario(json!({
        "surface": {"expr": "0.1*(x^2 + 3*y^2) + sin(x)*cos(2*y) + exp(0.2*x) - sqrt(1 + y^2) + abs(x - y)/4 + tanh(x*y)"},
        "start": [2.1, -1.3], "steps": 50,
        "runs": runs_of(&FIRST_ORDER, json!({})),
    }));
    let out = check(&sc, &jobs(&sc, &log_space(1e-3, 1e3, 11)), Some(-0.5));
    let (diverged, _, reached) = tally(&out);
    assert!(
        diverged > 0 && reached > 0,
        "{diverged} diverged, {reached} reached"
    );
}

#[test]
fn schedules_clipping_and_l2() {
    for extra in [
        json!({"schedule": {"name": "step", "step_size": 7, "gamma": 0.5, "warmup": 3}}),
        json!({"schedule": {"name": "cosine", "t_max": 30, "lr_min": 1e-4}, "clip": {"norm": 2.5}}),
        json!({"schedule": {"name": "exponential", "decay": 0.05}, "clip": {"value": 0.7}, "l2": 0.01}),
        json!({"schedule": {"name": "warm_restarts", "t_0": 5, "t_mult": 2}, "l2": 0.3}),
    ] {
        for surface in [
            json!({"name": "rosenbrock"}),
            json!({"expr": "(1-x)^2 + 100*(y-x^2)^2"}),
        ] {
            let sc = scenario(json!({
                "surface": surface, "start": [-1.2, 1.4], "steps": 45,
                "runs": runs_of(&FIRST_ORDER, extra.clone()),
            }));
            check(&sc, &jobs(&sc, &log_space(1e-4, 10.0, 7)), Some(1.0));
        }
    }
}

#[test]
fn hyperparameters_other_than_the_rate() {
    let sc = scenario(json!({
        "surface": {"name": "himmelblau"}, "start": [-0.4, 0.6], "steps": 40,
        "runs": [
            {"optimizer": {"name": "momentum", "lr": 0.01, "momentum": 0.5}},
            {"optimizer": {"name": "nesterov", "lr": 0.01, "momentum": 0.95}},
            {"optimizer": {"name": "rmsprop", "lr": 0.01, "rho": 0.5, "eps": 1e-3}},
            {"optimizer": {"name": "adam", "lr": 0.1, "beta1": 0.0, "beta2": 0.5}},
            {"optimizer": {"name": "adamw", "lr": 0.1, "weight_decay": 0.2}},
            {"optimizer": {"name": "amsgrad", "lr": 0.1, "beta1": 0.5, "beta2": 0.9, "eps": 0.1}},
            {"optimizer": {"name": "nadam", "lr": 0.1, "beta1": 0.99}},
            {"optimizer": {"name": "adagrad", "lr": 0.5, "eps": 1.0}},
        ],
    }));
    check(&sc, &jobs(&sc, &log_space(1e-3, 3.0, 5)), None);
}

#[test]
fn stopping_rules() {
    for stop in [
        json!({"grad_tol": 0.05}),
        json!({"max_evals": 17}),
        json!({"grad_tol": 1e-3, "max_evals": 30}),
    ] {
        let sc = scenario(json!({
            "surface": {"name": "himmelblau"}, "start": [2.6, 1.6], "steps": 80, "stop": stop,
            "runs": runs_of(&FIRST_ORDER, json!({})),
        }));
        let out = check(&sc, &jobs(&sc, &log_space(1e-3, 1.0, 6)), Some(1e-2));
        let (_, stopped, _) = tally(&out);
        assert!(stopped > 0, "{stop}: none stopped");
    }
    // A run may stop at its start already.
    let sc = scenario(json!({
        "surface": {"name": "himmelblau"}, "start": [3, 2], "steps": 10, "stop": {"grad_tol": 1e-6},
        "runs": runs_of(&["adam", "gd"], json!({})),
    }));
    let out = check(&sc, &jobs(&sc, &[0.1, 0.2, 0.3]), Some(0.0));
    assert!(out
        .iter()
        .any(|o| o.stopped_at == Some(0) && o.reached == Some((0, 0))));
}

#[test]
fn everything_else_falls_back_to_the_reference() {
    let sc = scenario(json!({
        "surface": {"name": "rosenbrock"}, "start": [-1.5, 2], "steps": 30,
        "runs": [
            {"optimizer": {"name": "radam", "lr": 0.01}},
            {"optimizer": {"name": "adabound", "lr": 0.01}},
            {"optimizer": {"name": "adadelta", "lr": 1}},
            {"optimizer": {"name": "lion", "lr": 0.01}},
            {"optimizer": {"name": "sgd_hd", "lr": 0.01}},
            {"optimizer": {"name": "lookahead", "inner": {"name": "adam", "lr": 0.01}}},
            {"optimizer": {"name": "newton"}},
            {"optimizer": {"name": "bfgs"}},
            {"optimizer": {"name": "lbfgs", "line_search": "wolfe"}},
            {"optimizer": {"name": "adam", "lr": 0.01}, "noise": 0.5, "seed": 3},
        ],
    }));
    check(&sc, &jobs(&sc, &log_space(1e-3, 1.0, 4)), Some(1.0));
    let data = scenario(json!({
        "data": {"kind": "linear", "n": 40, "noise": 0.5, "seed": 5}, "start": [0, 0], "steps": 20,
        "batch_size": 8,
        "runs": runs_of(&["adam", "gd"], json!({})),
    }));
    check(&data, &jobs(&data, &log_space(1e-3, 1.0, 5)), Some(0.5));
}

#[test]
fn no_jobs_and_one_job() {
    let sc = scenario(json!({
        "surface": {"name": "rosenbrock"}, "start": [-1.5, 2], "steps": 5,
        "runs": [{"optimizer": {"name": "adam", "lr": 0.01}}],
    }));
    let surface = sc.build_surface().unwrap();
    assert!(run_jobs(&sc, &surface, &[], None).is_empty());
    let out = check(&sc, &sc.runs, None);
    assert_eq!(out[0].iterations, 5);
    let mut none = sc.clone();
    none.steps = 0;
    let out = check(&none, &jobs(&none, &[0.1, 0.2, 0.3, 0.4, 0.5]), Some(1e9));
    assert!(out
        .iter()
        .all(|o| o.iterations == 0 && o.reached == Some((0, 0))));
}

/// Points spread over a surface's view (and a few special ones: the origin, a NaN).
fn points(view: [f64; 4]) -> Vec<Vec2> {
    let mut p = vec![
        Vec2::new(0.0, 0.0),
        Vec2::new(f64::NAN, 1.0),
        Vec2::new(1e200, -3.0),
    ];
    for i in 0..37 {
        let f = i as f64 / 36.0;
        let g = (i as f64 * 0.618_033_988_75).fract();
        p.push(Vec2::new(
            view[0] + (view[1] - view[0]) * f,
            view[2] + (view[3] - view[2]) * g,
        ));
    }
    p
}

/// `Grad` over lanes gives `Surface::grad`'s gradient, and `Lanes` its value, bit for bit, on
/// every named surface and on expressions using every function and operator.
#[test]
fn lane_gradients_equal_surface_grad() {
    let mut surfaces: Vec<Surface> = LIBRARY
        .iter()
        .map(|s| Surface::named(s.name).unwrap())
        .collect();
    for e in [
        "sin(x)*cos(y) + tan(x/3) - exp(y/4) + ln(2 + x^2) + sqrt(1 + y^2)",
        "abs(x) - abs(y - 1) + tanh(x*y) + sinh(x/2) - cosh(y/3) + atan(x - y)",
        "min(x, y)^3 + max(x^2, y) + x^-2 + y^1.5 + 2^x + x^y + 1/(x - y) - 3/x + (x - 4)/5",
        "-x + 2*y - (x*y)^2 / (1 + x^2 + y^2) + x^4 - y^0",
    ] {
        surfaces.push(Surface::expr(e).unwrap());
    }
    for s in &surfaces {
        let pts = points(s.view());
        for quad in pts.chunks(4) {
            let at = |f: fn(&Vec2) -> f64| {
                Lanes::<4>(core::array::from_fn(|l| f(&quad[l % quad.len()])))
            };
            let (x, y) = Grad::vars(at(|p| p.x), at(|p| p.y));
            let eval = |x, y| match s {
                Surface::Named(n) => n.eval(x, y),
                Surface::Expr(e) => e.eval(x, y),
                Surface::Data(_) => unreachable!(),
            };
            let g: Grad<Lanes<4>> = eval(x, y);
            let v: Lanes<4> = match s {
                Surface::Named(n) => n.eval(x.re(), y.re()),
                Surface::Expr(e) => e.eval(x.re(), y.re()),
                Surface::Data(_) => unreachable!(),
            };
            for l in 0..4 {
                let p = quad[l % quad.len()];
                let (f, d) = s.grad(p);
                let want = [b64(f), b64(d.x), b64(d.y)];
                let got = [b64(v.0[l]), b64(g.eps1.0[l]), b64(g.eps2.0[l])];
                assert_eq!(got, want, "{s:?} at {p:?}");
            }
        }
    }
}

/// A map's jobs: columns over x, rows over y, with the scenario's run as the base; bad axes
/// are refused with the field named.
#[test]
fn grid_jobs_and_a_map() {
    let sc = scenario(json!({
        "surface": {"name": "rosenbrock"}, "start": [-1.5, 2], "steps": 80,
        "runs": [{"optimizer": {"name": "adam", "lr": 0.01}}, {"optimizer": {"name": "momentum", "lr": 0.001}}],
    }));
    let lr = Axis {
        name: "lr".into(),
        lo: 1e-4,
        hi: 1.0,
        n: 7,
        log: true,
    };
    let b2 = Axis {
        name: "beta2".into(),
        lo: 0.9,
        hi: 0.999,
        n: 5,
        log: false,
    };
    let jobs = grid_jobs(&sc, 0, &lr, &b2, 1..4).unwrap();
    assert_eq!(jobs.len(), 21);
    assert_eq!(jobs[0].optimizer.get("lr"), Some(1e-4));
    assert_eq!(jobs[6].optimizer.get("lr"), Some(1.0));
    assert_eq!(jobs[7].optimizer.get("beta2"), Some(b2.value(2)));
    check(&sc, &jobs, Some(1e-2));
    let x = Axis {
        name: "x".into(),
        lo: -2.0,
        hi: 2.0,
        n: 6,
        log: false,
    };
    let y = Axis {
        name: "y".into(),
        lo: -1.0,
        hi: 3.0,
        n: 3,
        log: false,
    };
    let starts = grid_jobs(&sc, 1, &x, &y, 0..3).unwrap();
    assert_eq!(starts[7].start, Some(Vec2::new(x.value(1), 1.0)));
    check(&sc, &starts, Some(1e-2));
    let bad = |a: &Axis, run: usize| grid_jobs(&sc, run, a, &y, 0..1).unwrap_err();
    assert!(bad(
        &Axis {
            name: "rho".into(),
            ..lr.clone()
        },
        0
    )
    .contains("takes no 'rho'"));
    assert!(bad(
        &Axis {
            lo: -1.0,
            ..lr.clone()
        },
        0
    )
    .contains("log axis"));
    assert!(bad(
        &Axis {
            lo: 0.0,
            log: false,
            ..lr.clone()
        },
        0
    )
    .contains("runs[0].optimizer.lr"));
    assert!(bad(&lr, 5).contains("no run 5"));
    assert!(grid_jobs(&sc, 0, &lr, &y, 2..4)
        .unwrap_err()
        .contains("rows"));
}
