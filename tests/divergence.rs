//! Divergence, as the spec defines it: iteration k fails on a non-finite gradient, point or
//! loss, on ‖θ_{k+1}‖ > 1e12, or on a singular Newton system; the run keeps θ₀ … θ_k. Nothing
//! panics, whatever the surface.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

mod common;

use common::*;
use optimizer_playground::optim::{Fail, LineSearch, OptKind, OptimizerConfig};
use optimizer_playground::run::Session;
use optimizer_playground::scenario::RunSpec;
use optimizer_playground::Vec2;

fn spec(kind: OptKind, lr: Option<f64>) -> RunSpec {
    let mut c = OptimizerConfig::new(kind);
    if let Some(lr) = lr {
        c = c.with_lr(lr);
    }
    RunSpec::new(c)
}

fn quasi(kind: OptKind, lr: f64, ls: LineSearch) -> RunSpec {
    let mut c = OptimizerConfig::new(kind).with_lr(lr);
    c.line_search = Some(ls);
    RunSpec::new(c)
}

/// The failure reason of run 0 after stepping a session to the end.
fn failure(
    sc: &optimizer_playground::scenario::Scenario,
) -> (Option<Fail>, Vec<Vec2>, Option<u64>) {
    let mut s = Session::new(sc).unwrap();
    s.step(sc.steps);
    let r = &s.runs[0];
    (r.failure, r.trace.path.clone(), r.trace.diverged_at)
}

#[test]
fn gd_on_a_steep_quadratic_diverges_at_82() {
    // y ← (1 − 2·10·0.12) y = −1.4 y, x ← 0.76 x: ‖θ_k‖ first exceeds 1e12 at k = 83
    // (1.4^82 ≈ 9.6e11, 1.4^83 ≈ 1.3e12), so iteration 82 fails and the path is θ₀ … θ₈₂.
    let sc = scenario_expr(
        "x^2 + 10*y^2",
        [1.0, 1.0],
        150,
        vec![spec(OptKind::Gd, Some(0.12))],
    );
    let (fail, path, div) = failure(&sc);
    assert_eq!(div, Some(82));
    assert_eq!(path.len(), 83);
    assert_eq!(fail, Some(Fail::Point));
    let last = path[82];
    assert!(last.norm() < 1e12 && last.norm() > 1e11, "{last:?}");
    assert!((last.y.abs() / 1.4_f64.powi(82) - 1.0).abs() < 1e-12);
    let t = traces(&sc).remove(0);
    check_shape(&t, 150);
}

#[test]
fn a_norm_beyond_1e12_is_divergence_even_with_finite_loss() {
    // L = 1e11·x, gd with η = 1: θ_k = (−k·1e11, 0) exactly; ‖θ₁₀‖ = 1e12 is allowed,
    // ‖θ₁₁‖ = 1.1e12 is not, so iteration 10 fails.
    let sc = scenario_expr("1e11*x", [0.0, 0.0], 50, vec![spec(OptKind::Gd, Some(1.0))]);
    let (fail, path, div) = failure(&sc);
    assert_eq!(div, Some(10));
    assert_eq!(fail, Some(Fail::Point));
    assert_eq!(path.len(), 11);
    assert_eq!(path[10], Vec2::new(-1e12, 0.0));
}

#[test]
fn failing_on_the_first_iteration_keeps_only_the_start() {
    // ∇ of sqrt(x) at x = 0 is infinite; ∇ of ln(x) at 0 too (and L(θ₀) = −∞).
    for (expr, start) in [("sqrt(x) + y^2", [0.0, 1.0]), ("ln(x) + y", [0.0, 2.0])] {
        for cfg in every_optimizer() {
            let name = cfg.name;
            let sc = scenario_expr(expr, start, 20, vec![RunSpec::new(cfg)]);
            let (fail, path, div) = failure(&sc);
            assert_eq!(div, Some(0), "{name:?} on {expr}");
            assert_eq!(path, vec![Vec2::from(start)], "{name:?} on {expr}");
            assert_eq!(fail, Some(Fail::Gradient), "{name:?} on {expr}");
            let t = traces(&sc).remove(0);
            assert_eq!(t.loss.len(), 1);
            assert!(t.lr.is_empty() && t.grad_norm.is_empty());
        }
    }
}

#[test]
fn newton_stops_on_a_singular_system() {
    // x + y: H = 0. x^2: H = diag(2, 0). Both have det(H) = 0 with no damping.
    for expr in ["x + y", "x^2"] {
        let sc = scenario_expr(expr, [1.0, 1.0], 10, vec![spec(OptKind::Newton, None)]);
        let (fail, path, div) = failure(&sc);
        assert_eq!((fail, div), (Some(Fail::Singular), Some(0)), "{expr}");
        assert_eq!(path, vec![Vec2::new(1.0, 1.0)]);
    }
    // Damping makes x^2 solvable: (H + I) z = g gives z = (2/3, 0), so x ← 1 − 2/3.
    let mut c = OptimizerConfig::new(OptKind::Newton);
    assert!(c.set("damping", 1.0));
    let t = run_one("x^2", [1.0, 1.0], 3, RunSpec::new(c));
    assert_eq!(t.diverged_at, None);
    assert!((t.path[1].x - 1.0 / 3.0).abs() < 1e-15);
    assert_eq!(t.path[1].y, 1.0);
    // A singular system later in the run: on x³ + y², H = diag(6x, 2); from (1, 1) with η = 2
    // the step is z = (0.5, 1), so θ₁ = (0, −1), where H = diag(0, 2) is singular.
    let sc = scenario_expr(
        "x^3 + y^2",
        [1.0, 1.0],
        10,
        vec![spec(OptKind::Newton, Some(2.0))],
    );
    let (fail, path, div) = failure(&sc);
    assert_eq!((fail, div), (Some(Fail::Singular), Some(1)));
    assert_eq!(path, vec![Vec2::new(1.0, 1.0), Vec2::new(0.0, -1.0)]);
}

#[test]
fn quasi_newton_fails_on_a_non_finite_gradient_at_the_next_point() {
    // sqrt(x) + y² from (1, 0): g = (0.5, 0), p = −g; with η = 2 and no line search θ₁ = (0, 0),
    // where L = 0 is finite but ∂L/∂x is infinite: iteration 0 fails.
    for kind in [OptKind::Bfgs, OptKind::Lbfgs] {
        // Armijo reads only L: the full step to (0, 0) passes, and the gradient there fails.
        for ls in [LineSearch::None, LineSearch::Armijo] {
            let sc = scenario_expr("sqrt(x) + y^2", [1.0, 0.0], 10, vec![quasi(kind, 2.0, ls)]);
            let (fail, path, div) = failure(&sc);
            assert_eq!(
                (fail, div),
                (Some(Fail::Gradient), Some(0)),
                "{kind:?} {ls:?}"
            );
            assert_eq!(path, vec![Vec2::new(1.0, 0.0)]);
        }
        // Wolfe reads ∇L at every trial: a non-finite φ'(α) fails the sufficient-decrease test,
        // so the search backs off to a point with x > 0.
        let t = run_one(
            "sqrt(x) + y^2",
            [1.0, 0.0],
            1,
            quasi(kind, 2.0, LineSearch::Wolfe),
        );
        assert_eq!(t.diverged_at, None, "{kind:?}");
        assert!(
            t.path[1].x > 0.0 && t.loss[1] < t.loss[0],
            "{kind:?}: {:?}",
            t.path
        );
    }
}

#[test]
fn a_non_finite_loss_at_the_next_point_is_divergence() {
    // exp(x²+y²) from (3, 3): ∇L ≈ 4e8, so gd with η = 0.1 jumps to ~4e7 where L overflows.
    let sc = scenario_expr(
        "exp(x^2 + y^2)",
        [3.0, 3.0],
        10,
        vec![spec(OptKind::Gd, Some(0.1))],
    );
    let (fail, path, div) = failure(&sc);
    assert_eq!((fail, div), (Some(Fail::Point), Some(0)));
    assert_eq!(path.len(), 1);
}

#[test]
fn hostile_surfaces_never_panic_and_report_only_finite_points() {
    let hostile: [(&str, [f64; 2]); 10] = [
        ("exp(x^2 + y^2)", [3.0, 3.0]),
        ("1/(x^2 + y^2)", [0.5, 0.5]),
        ("x^3", [1e6, 1e6]),
        ("x^3 + y^3", [2.0, -2.0]),
        ("ln(x) + y^2", [1.0, 1.0]),
        ("sqrt(abs(x)) + abs(y)", [1.0, -1.0]),
        ("1e300*(x^2 + y^2)", [1.0, 1.0]),
        ("tan(x) + y^2", [1.5, 0.5]),
        ("-(x^2 + y^2)", [0.1, 0.1]),
        ("x^y + y^x", [0.5, 0.5]),
    ];
    let mut configs = every_optimizer();
    for kind in [OptKind::Bfgs, OptKind::Lbfgs] {
        for ls in [LineSearch::None, LineSearch::Armijo] {
            let mut c = OptimizerConfig::new(kind);
            c.line_search = Some(ls);
            configs.push(c);
        }
    }
    let (mut diverged, mut total) = (0, 0);
    for (expr, start) in hostile {
        let runs = configs.iter().cloned().map(RunSpec::new).collect();
        let sc = scenario_expr(expr, start, 150, runs);
        for t in traces(&sc) {
            check_shape(&t, 150);
            diverged += usize::from(t.diverged_at.is_some());
            total += 1;
        }
    }
    // Both outcomes occur, so both the stopping and the surviving paths were checked.
    assert!(
        0 < diverged && diverged < total,
        "{diverged} of {total} runs diverged"
    );
}

#[test]
fn a_diverged_run_stays_stopped() {
    let sc = scenario_expr(
        "x^2 + 10*y^2",
        [1.0, 1.0],
        150,
        vec![spec(OptKind::Gd, Some(0.12))],
    );
    let mut s = Session::new(&sc).unwrap();
    s.step(200);
    assert!(s.done());
    let before = s.runs[0].trace.clone();
    assert!(!s.runs[0].step(&s.surface));
    s.step(10);
    assert_eq!(s.runs[0].trace, before);
}

/// A run about to take n steps makes room for them at once, and a run that diverges gives the
/// room it will not use back: its records hold what it kept, not the 100,000 points asked for.
#[test]
fn a_diverged_run_gives_back_the_room_it_made() {
    let sc = scenario_expr(
        "x^2 + 10*y^2",
        [1.0, 1.0],
        100_000,
        vec![spec(OptKind::Gd, Some(0.12)), spec(OptKind::Gd, Some(0.01))],
    );
    let mut s = Session::new(&sc).unwrap();
    s.step(sc.steps);
    let (blown, calm) = (&s.runs[0].trace, &s.runs[1].trace);
    assert!(blown.diverged_at.is_some());
    for (len, cap) in [
        (blown.path.len(), blown.path.capacity()),
        (blown.loss.len(), blown.loss.capacity()),
        (blown.lr.len(), blown.lr.capacity()),
        (blown.grad_norm.len(), blown.grad_norm.capacity()),
    ] {
        assert!(len < 100 && cap < 1000, "{len} kept in room for {cap}");
    }
    assert_eq!(calm.path.len(), 100_001);
    // Doubling its way there would have ended at 131,072.
    let cap = calm.path.capacity();
    assert!((100_001..110_000).contains(&cap), "one reservation: {cap}");
}
