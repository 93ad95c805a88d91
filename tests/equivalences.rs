//! Configurations that must not change a trajectory, bit for bit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

mod common;

use common::*;
use optimizer_playground::optim::{Clip, OptKind, OptimizerConfig};
use optimizer_playground::scenario::RunSpec;
use optimizer_playground::schedule::{Schedule, Shape};

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
        assert!(la.set("k", 1.0));
        assert!(la.set("alpha", 1.0));
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
