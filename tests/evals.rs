//! Evaluation counts, by the spec's rule: `L(θ₀)`, every line-search trial's `φ(α)`, and
//! `L(θ_{k+1})` unless it is the accepted trial; every `∇L` the rules read, `∇L(θ_{k+1})` shared
//! with the next iteration; one `∇²L` per Newton iteration; a call that also yields `L` counts
//! only as itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

mod common;

use common::*;
use optimizer_playground::optim::{Evals, LineSearch, OptKind, OptimizerConfig};
use optimizer_playground::run::Session;
use optimizer_playground::scenario::RunSpec;

fn ev(value: u64, grad: u64, hessian: u64) -> Evals {
    Evals {
        value,
        grad,
        hessian,
    }
}

fn quasi(kind: OptKind, lr: f64, ls: LineSearch) -> RunSpec {
    let mut c = OptimizerConfig::new(kind).with_lr(lr);
    c.line_search = Some(ls);
    RunSpec::new(c)
}

#[test]
fn first_order_methods_read_one_gradient_and_one_value_per_step() {
    // L(θ₀), then per iteration ∇L at the gradient point and L(θ_{k+1}).
    for cfg in every_optimizer()
        .into_iter()
        .filter(|c| c.name.info().first_order)
    {
        let name = cfg.name;
        let mut spec = RunSpec::new(cfg);
        spec.clip = Some(optimizer_playground::optim::Clip::Norm(1.0));
        let t = run_one("x^2 + 4*y^2", [2.0, -1.5], 37, spec);
        assert_eq!(t.evals, ev(38, 37, 0), "{name:?}");
    }
}

#[test]
fn newton_reads_one_hessian_per_step() {
    // ∇²L comes with ∇L (counted as a gradient too, since the rule reads it); L(θ_{k+1}) apart.
    let t = run_one(
        "x^4 + y^2 + x*y",
        [2.0, -1.5],
        25,
        RunSpec::new(OptimizerConfig::new(OptKind::Newton)),
    );
    assert_eq!(t.diverged_at, None);
    assert_eq!(t.evals, ev(26, 25, 25));
}

#[test]
fn quasi_newton_without_line_search() {
    // ∇L(θ₀), then ∇L(θ_{k+1}) per iteration, which yields L(θ_{k+1}) and is shared with the
    // next iteration: N + 1 gradients and the one value L(θ₀).
    for kind in [OptKind::Bfgs, OptKind::Lbfgs] {
        let t = run_one(
            "x^2 + 4*y^2",
            [2.0, -1.5],
            30,
            quasi(kind, 0.1, LineSearch::None),
        );
        assert_eq!(t.diverged_at, None);
        assert_eq!(t.evals, ev(1, 31, 0), "{kind:?}");
    }
}

#[test]
fn armijo_counts_its_trials() {
    // x² + y² from (1, 1): g = (2, 2), p = −g, φ(0) = 2, φ'(0) = −8.
    for kind in [OptKind::Bfgs, OptKind::Lbfgs] {
        // η = 0.5: θ + 0.5p = (0, 0), φ = 0 ≤ 2 − 4e-4: accepted at once. One trial value,
        // then ∇L(θ₁): L(θ₀) + 1 values, ∇L(θ₀) + ∇L(θ₁).
        let t = run_one(
            "x^2 + y^2",
            [1.0, 1.0],
            1,
            quasi(kind, 0.5, LineSearch::Armijo),
        );
        assert_eq!(t.path[1], optimizer_playground::Vec2::ZERO);
        assert_eq!(t.evals, ev(2, 2, 0), "{kind:?}");
        // η = 2: φ(2) = 18 fails, φ(1) = 2 > 2 − 8e-4 fails, φ(0.5) = 0 passes: three trials.
        let t = run_one(
            "x^2 + y^2",
            [1.0, 1.0],
            1,
            quasi(kind, 2.0, LineSearch::Armijo),
        );
        assert_eq!(t.path[1], optimizer_playground::Vec2::ZERO);
        assert_eq!(t.evals, ev(4, 2, 0), "{kind:?}");
    }
}

#[test]
fn wolfe_counts_its_trials() {
    // Every Wolfe trial reads L and ∇L in one call (a gradient); the accepted trial is θ₁, so
    // neither L(θ₁) nor ∇L(θ₁) costs more. x² + y² from (1, 1): φ'(0) = −8, and the curvature
    // test is |φ'(α)| ≤ 7.2 with φ'(α) = −8(1 − 2α).
    for kind in [OptKind::Bfgs, OptKind::Lbfgs] {
        // η = 0.5: φ'(0.5) = 0, accepted: ∇L(θ₀) + 1 trial.
        let t = run_one(
            "x^2 + y^2",
            [1.0, 1.0],
            1,
            quasi(kind, 0.5, LineSearch::Wolfe),
        );
        assert_eq!(t.evals, ev(1, 2, 0), "{kind:?}");
        // η = 0.01: φ'(α) = −7.84, −7.68, −7.36 for α = 0.01, 0.02, 0.04 (too steep, doubled),
        // −6.72 at α = 0.08 (accepted): four trials.
        let t = run_one(
            "x^2 + y^2",
            [1.0, 1.0],
            1,
            quasi(kind, 0.01, LineSearch::Wolfe),
        );
        assert!((t.path[1].x - 0.84).abs() < 1e-15, "{:?}", t.path);
        assert_eq!(t.evals, ev(1, 5, 0), "{kind:?}");
        // η = 2: φ(2) = 18 breaks sufficient decrease → zoom(0, 2): α = 1 gives φ = 2 > 1.9992
        // (hi = 1), α = 0.5 gives φ = 0 and φ' = 0 (accepted): three trials.
        let t = run_one(
            "x^2 + y^2",
            [1.0, 1.0],
            1,
            quasi(kind, 2.0, LineSearch::Wolfe),
        );
        assert_eq!(t.path[1], optimizer_playground::Vec2::ZERO);
        assert_eq!(t.evals, ev(1, 4, 0), "{kind:?}");
    }
}

#[test]
fn counts_add_up_over_iterations() {
    // Wolfe with η = 0.5 on x² + y² lands on the minimum at once; from there g = 0, p = −g = 0
    // and the first trial is accepted (φ(α) = 0 ≤ 0, |φ'| = 0 ≤ 0): one gradient per iteration.
    let t = run_one(
        "x^2 + y^2",
        [1.0, 1.0],
        10,
        quasi(OptKind::Bfgs, 0.5, LineSearch::Wolfe),
    );
    assert_eq!(t.evals, ev(1, 11, 0));
    // Armijo likewise: one trial value and one gradient per iteration.
    let t = run_one(
        "x^2 + y^2",
        [1.0, 1.0],
        10,
        quasi(OptKind::Lbfgs, 0.5, LineSearch::Armijo),
    );
    assert_eq!(t.evals, ev(11, 11, 0));
}

#[test]
fn evals_at_is_monotone_with_one_entry_per_point() {
    let runs: Vec<RunSpec> = every_optimizer().into_iter().map(RunSpec::new).collect();
    for (name, start) in [("rosenbrock", [-1.5, 2.0]), ("beale", [1.0, 1.5])] {
        let sc = scenario_named(name, start, 120, runs.clone());
        let mut s = Session::new(&sc).unwrap();
        s.step(120);
        for r in &s.runs {
            let t = &r.trace;
            assert_eq!(r.evals_at.len(), t.path.len(), "{}", t.label);
            assert_eq!(r.evals_at[0], ev(1, 0, 0), "{}: L(θ₀) only", t.label);
            for w in r.evals_at.windows(2) {
                let (a, b) = (w[0], w[1]);
                assert!(
                    a.value <= b.value && a.grad <= b.grad && a.hessian <= b.hessian,
                    "{}: {a:?} then {b:?}",
                    t.label
                );
                assert!(b.grad > a.grad, "{}: every iteration reads ∇L", t.label);
            }
            let last = *r.evals_at.last().unwrap();
            if t.diverged_at.is_none() {
                assert_eq!(last, t.evals, "{}", t.label);
            } else {
                // The failed iteration's calls count in the total, not in evals_at.
                assert!(last.grad <= t.evals.grad && last.value <= t.evals.value);
            }
        }
    }
}
