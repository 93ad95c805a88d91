//! Configurations that must not change a trajectory, bit for bit; and retuning mid-run, which
//! keeps the optimizer's state.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

mod common;

use common::*;
use optimizer_playground::optim::{Clip, OptKind, OptimizerConfig, Rule};
use optimizer_playground::run::Session;
use optimizer_playground::scenario::RunSpec;
use optimizer_playground::schedule::{Schedule, Shape};
use optimizer_playground::surface::Surface;

fn first_order() -> Vec<OptimizerConfig> {
    every_optimizer()
        .into_iter()
        .filter(|c| c.name.info().first_order)
        .collect()
}

/// Paths of the given runs on Himmelblau from (0.5, −0.5) and Rosenbrock from (−1.5, 2).
fn paths(runs: Vec<RunSpec>, steps: u64) -> Vec<Vec<(u64, u64)>> {
    let mut out = Vec::new();
    for (name, start) in [("himmelblau", [0.5, -0.5]), ("rosenbrock", [-1.5, 2.0])] {
        let sc = scenario_named(name, start, steps, runs.clone());
        for t in traces(&sc) {
            out.push(bits(&t.path));
        }
    }
    out
}

#[test]
fn lookahead_with_k_1_and_alpha_1_is_its_inner_optimizer() {
    // φ ← φ + 1·(θ − φ) after every step: φ + (θ − φ) rounds back to θ whenever θ − φ is exact,
    // which holds for these paths (neighbouring points within a factor of two per coordinate).
    for (inner, lr) in [
        (OptKind::Gd, 1e-3),
        (OptKind::Momentum, 1e-3),
        (OptKind::Nesterov, 1e-3),
        (OptKind::Rmsprop, 0.01),
        (OptKind::Adam, 0.05),
        (OptKind::Lion, 0.01),
        (OptKind::Adadelta, 1.0),
    ] {
        let inner = OptimizerConfig::new(inner).with_lr(lr);
        let mut la = OptimizerConfig::new(OptKind::Lookahead);
        la.k = Some(1);
        la.alpha = Some(1.0);
        la.inner = Some(Box::new(inner.clone()));
        let p = paths(vec![RunSpec::new(inner.clone()), RunSpec::new(la)], 300);
        assert_eq!(p[0], p[1], "{:?} on himmelblau", inner.name);
        assert_eq!(p[2], p[3], "{:?} on rosenbrock", inner.name);
        assert_eq!(p[0].len(), 301);
    }
}

#[test]
fn clipping_that_never_binds_changes_nothing() {
    for cfg in first_order() {
        let plain = RunSpec::new(cfg.clone());
        let mut runs = vec![plain];
        for clip in [
            Clip::Norm(1e300),
            Clip::Value(1e300),
            Clip::Norm(f64::INFINITY),
            Clip::Value(f64::INFINITY),
        ] {
            let mut r = RunSpec::new(cfg.clone());
            r.clip = Some(clip);
            runs.push(r);
        }
        let p = paths(runs, 150);
        for i in 1..5 {
            assert_eq!(p[0], p[i], "{:?} clip #{i} on himmelblau", cfg.name);
            assert_eq!(p[5], p[5 + i], "{:?} clip #{i} on rosenbrock", cfg.name);
        }
    }
}

#[test]
fn clipping_that_binds_changes_the_path() {
    // The counterpart of the test above: a binding clip must be applied. gd with η = 1e-3 on
    // Rosenbrock from (−1.5, 2): ‖g‖ ≈ 5e2, so {"norm": 1} makes the first step 1e-3 long.
    let cfg = OptimizerConfig::new(OptKind::Gd).with_lr(1e-3);
    let mut clipped = RunSpec::new(cfg.clone());
    clipped.clip = Some(Clip::Norm(1.0));
    let sc = scenario_named(
        "rosenbrock",
        [-1.5, 2.0],
        5,
        vec![RunSpec::new(cfg), clipped],
    );
    let t = traces(&sc);
    let step = |i: usize| (t[i].path[1] - t[i].path[0]).norm();
    assert!((step(1) - 1e-3).abs() < 1e-15);
    assert!(step(0) > 0.1);
    // And grad_norm reports the gradient before clipping.
    assert_eq!(t[0].grad_norm[0], t[1].grad_norm[0]);
}

#[test]
fn zero_l2_changes_nothing() {
    for cfg in first_order() {
        let mut l2 = RunSpec::new(cfg.clone());
        l2.l2 = Some(0.0);
        let p = paths(vec![RunSpec::new(cfg.clone()), l2], 150);
        assert_eq!(p[0], p[1], "{:?}", cfg.name);
        assert_eq!(p[2], p[3], "{:?}", cfg.name);
    }
}

#[test]
fn a_constant_schedule_is_no_schedule() {
    for cfg in every_optimizer() {
        let mut c = RunSpec::new(cfg.clone());
        c.schedule = Some(Schedule::default());
        let p = paths(vec![RunSpec::new(cfg.clone()), c], 150);
        assert_eq!(p[0], p[1], "{:?}", cfg.name);
        assert_eq!(p[2], p[3], "{:?}", cfg.name);
    }
}

#[test]
fn warm_restarts_before_the_first_restart_is_cosine() {
    let t0 = 1_000_000;
    for cfg in every_optimizer() {
        let mut w = RunSpec::new(cfg.clone());
        w.schedule = Some(Schedule {
            shape: Shape::WarmRestarts {
                t_0: t0,
                t_mult: 1,
                lr_min: 1e-4,
            },
            warmup: 0,
        });
        let mut c = RunSpec::new(cfg.clone());
        c.schedule = Some(Schedule {
            shape: Shape::Cosine {
                t_max: t0 as f64,
                lr_min: 1e-4,
            },
            warmup: 0,
        });
        let p = paths(vec![w, c], 150);
        assert_eq!(p[0], p[1], "{:?}", cfg.name);
        assert_eq!(p[2], p[3], "{:?}", cfg.name);
    }
    // Including the rates themselves, at every k < t_0 we try.
    let w = Shape::WarmRestarts {
        t_0: 100,
        t_mult: 3,
        lr_min: 0.0,
    };
    let c = Shape::Cosine {
        t_max: 100.0,
        lr_min: 0.0,
    };
    for k in 0..100 {
        let r = |shape: &Shape| {
            Schedule {
                shape: shape.clone(),
                warmup: 0,
            }
            .rate(0.3, k)
        };
        assert_eq!(r(&w).to_bits(), r(&c).to_bits(), "k = {k}");
    }
}

fn adam(lr: f64) -> RunSpec {
    RunSpec::new(OptimizerConfig::new(OptKind::Adam).with_lr(lr))
}

#[test]
fn retuning_to_the_same_configuration_is_seamless() {
    let mut lbfgs = OptimizerConfig::new(OptKind::Lbfgs);
    lbfgs.memory = Some(4);
    let mut la = OptimizerConfig::new(OptKind::Lookahead);
    la.k = Some(3);
    la.inner = Some(Box::new(
        OptimizerConfig::new(OptKind::Nesterov).with_lr(1e-3),
    ));
    let mut sgd = RunSpec::new(OptimizerConfig::new(OptKind::SgdHd).with_lr(1e-4));
    sgd.clip = Some(Clip::Norm(10.0));
    let specs = vec![
        adam(0.05),
        RunSpec::new(OptimizerConfig::new(OptKind::Bfgs)),
        RunSpec::new(lbfgs),
        RunSpec::new(la),
        sgd,
        RunSpec::new(OptimizerConfig::new(OptKind::Newton).with_lr(0.5)),
    ];
    let sc = scenario_named("rosenbrock", [-1.5, 2.0], 100, specs.clone());
    let whole = traces(&sc);
    let mut s = Session::new(&sc).unwrap();
    s.step(50);
    for (i, spec) in specs.into_iter().enumerate() {
        s.retune_run(i, spec);
    }
    let split = s.finish();
    for (a, b) in whole.iter().zip(&split) {
        assert_eq!(a.path.len(), 101, "{}", a.label);
        assert_eq!(bits(&a.path), bits(&b.path), "{}", a.label);
        assert_eq!(a.evals, b.evals, "{}", a.label);
        assert_eq!(a.label, b.label);
    }
}

#[test]
fn retuning_the_rate_keeps_the_moments() {
    let surface = Surface::named("rosenbrock").unwrap();
    let sc = scenario_named("rosenbrock", [-1.5, 2.0], 100, vec![adam(0.05)]);
    let mut s = Session::new(&sc).unwrap();
    s.step(50);
    s.retune_run(0, adam(0.01));
    let retuned = s.finish().remove(0);

    // Independently: Adam's rule stepped by hand, its state carried over, the rate changed.
    let cfg = OptimizerConfig::new(OptKind::Adam).with_lr(0.05);
    let mut rule = Rule::new(OptKind::Adam, cfg.resolve());
    let mut theta = sc.start;
    let mut path = vec![theta];
    for k in 0..100 {
        if k == 50 {
            rule.hp = OptimizerConfig::new(OptKind::Adam).with_lr(0.01).resolve();
        }
        let eta = if k < 50 { 0.05 } else { 0.01 };
        theta = rule.step(theta, surface.grad(theta).1, eta).0;
        path.push(theta);
    }
    assert_eq!(bits(&retuned.path), bits(&path));
    assert_eq!(&retuned.lr[..50], &[0.05; 50][..]);
    assert_eq!(&retuned.lr[50..], &[0.01; 50][..]);

    // A fresh Adam from θ₅₀ with the new rate (zero moments) goes elsewhere.
    let fresh = traces(&scenario_named(
        "rosenbrock",
        [path[50].x, path[50].y],
        50,
        vec![adam(0.01)],
    ))
    .remove(0);
    assert_eq!(fresh.path[0], retuned.path[50]);
    assert_ne!(bits(&fresh.path[1..]), bits(&retuned.path[51..]));
}

#[test]
fn retuning_lookahead_keeps_the_slow_weights() {
    let la = |alpha: f64| {
        let mut c = OptimizerConfig::new(OptKind::Lookahead);
        c.k = Some(4);
        c.alpha = Some(alpha);
        c.inner = Some(Box::new(OptimizerConfig::new(OptKind::Gd).with_lr(0.1)));
        RunSpec::new(c)
    };
    // gd on x² + y² contracts θ by 0.8 per step, so everything is a multiple of θ₀ = (1, 1).
    // Sync at iteration 4: φ = 1 + 0.5(0.8⁴ − 1) = 0.7048. Two more steps: 0.7048·0.64.
    // Retuned to α = 0.25 at iteration 6, the sync at iteration 8 moves the kept φ:
    // φ = 0.7048 + 0.25(0.7048·0.8⁴ − 0.7048).
    let sc = scenario_expr("x^2 + y^2", [1.0, 1.0], 8, vec![la(0.5)]);
    let mut s = Session::new(&sc).unwrap();
    s.step(6);
    s.retune_run(0, la(0.25));
    let t = s.finish().remove(0);
    let phi = 1.0 + 0.5 * (0.8_f64.powi(4) - 1.0);
    let want = phi + 0.25 * (phi * 0.8_f64.powi(4) - phi);
    assert!((t.path[4].x - phi).abs() < 1e-15);
    assert!(
        (t.path[8].x - want).abs() < 1e-15,
        "{} vs {want}",
        t.path[8].x
    );
}

#[test]
fn retuning_to_another_optimizer_restarts_the_run() {
    let sc = scenario_named("himmelblau", [0.5, -0.5], 100, vec![adam(0.05)]);
    let mut s = Session::new(&sc).unwrap();
    s.step(40);
    assert_eq!(s.runs[0].trace.path.len(), 41);
    let gd = RunSpec::new(OptimizerConfig::new(OptKind::Gd).with_lr(0.01));
    s.retune_run(0, gd.clone());
    assert_eq!(s.runs[0].trace.path, vec![sc.start]);
    assert_eq!(s.runs[0].trace.label, "gd");
    assert_eq!(s.runs[0].trace.evals.value, 1);
    let restarted = s.finish().remove(0);
    let fresh = traces(&scenario_named("himmelblau", [0.5, -0.5], 100, vec![gd])).remove(0);
    assert_eq!(bits(&restarted.path), bits(&fresh.path));
    assert_eq!(restarted.evals, fresh.evals);
}
