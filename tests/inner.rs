//! Inside the optimizer: iteration k of a run, replayed from the engine with a recording probe,
//! checked against hand computations and the recorded trajectory, its geometry checked exactly,
//! and the command line's `render --inner` read back from the SVG.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

mod common;
use common::svg::{attr, number, text_of};

use optimizer_playground::optim::{linesearch, Clip, OptKind, OPTIMIZERS};
use optimizer_playground::playground::figure::{self, Figure};
use optimizer_playground::playground::inner::{arrow_scale, curvature, shapes, Curvature, Inner};
use optimizer_playground::playground::scene::Panel;
use optimizer_playground::playground::Playground;
use optimizer_playground::render::map::MapStyle;
use optimizer_playground::render::null::NullBackend;
use optimizer_playground::render::overlay::{self, Role, Shape};
use optimizer_playground::scenario::{RunSpec, Scenario};
use optimizer_playground::surface::Surface;
use optimizer_playground::Vec2;
use plotters::prelude::IntoDrawingArea;
use roxmltree::Document;
use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_optimizer-playground");

// ------------------------------------------------------------------ helpers

/// A playground of `json` stepped `n` iterations, the cursor at `k`, run `run` selected.
fn at(json: &str, n: u64, run: usize, k: u64) -> Playground {
    let mut pg = Playground::new(Scenario::from_json(json).unwrap()).unwrap();
    pg.step(n);
    pg.select_run(run);
    pg.set_cursor(k as f64);
    pg
}

fn inner(json: &str, run: usize, k: u64) -> Inner {
    let pg = at(json, k + 1, run, k);
    let i = pg
        .inner()
        .unwrap_or_else(|| panic!("no iteration {k} of run {run}"));
    assert_eq!(i.k, k);
    assert!(
        i.exact,
        "replay of run {run} at {k} is not the recorded step"
    );
    let t = &pg.session().runs[run].trace;
    assert_eq!(i.theta, t.path[k as usize]);
    assert_eq!(i.next, t.path[k as usize + 1]);
    i
}

fn one_run(expr: &str, start: [f64; 2], steps: u64, run: &str) -> String {
    format!(
        r#"{{"surface": {{"expr": "{expr}"}}, "start": [{}, {}], "steps": {steps}, "runs": [{run}]}}"#,
        start[0], start[1]
    )
}

fn grad(expr: &str, p: Vec2) -> Vec2 {
    Surface::expr(expr).unwrap().grad(p).1
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

/// The shapes of `role` (compared without its data).
fn with_role(shapes: &[Shape], want: fn(Role) -> bool) -> Vec<&Shape> {
    shapes.iter().filter(|s| want(s.role())).collect()
}

const BOWL: &str = "x^2 + 4*y^2";

// ------------------------------------------------------------------ first-order rules

/// Gradient descent: the gradient is ∇L(θ_k) (by hand: (2x, 8y)), unprocessed, and the step is
/// exactly θ − η∇L; the drawn gradient arrow ends at θ − s∇L.
#[test]
fn gradient_descent_steps_by_minus_eta_grad() {
    let json = one_run(
        BOWL,
        [1.0, 1.0],
        10,
        r#"{"optimizer": {"name": "gd", "lr": 0.1}}"#,
    );
    for k in [0, 3, 7] {
        let i = inner(&json, 0, k);
        let th = i.theta;
        assert_eq!(i.grad, Vec2::new(2.0 * th.x, 8.0 * th.y));
        assert_eq!(i.grad_at, th);
        assert_eq!(i.processed, Some(i.grad));
        assert_eq!(i.rate, 0.1);
        assert_eq!(i.next, th - 0.1 * i.grad);
        assert_eq!(i.rule, Some(OptKind::Gd));
        assert!(i.momentum.is_none() && i.coords.is_none() && i.clip.is_none());
        for s in [0.05, 1.0, 2.0] {
            let sh = shapes(&i, s, [-2.0, 2.0, -2.0, 2.0]);
            let g: Vec<&Shape> = with_role(&sh, |r| r == Role::Gradient);
            assert_eq!(g.len(), 1);
            match g[0] {
                Shape::Arrow {
                    from, to, label, ..
                } => {
                    assert_eq!(*from, th);
                    assert_eq!(*to, th - s * i.grad);
                    let l = label.as_deref().unwrap();
                    assert_eq!(
                        l,
                        format!(
                            "−∇L ×{}",
                            if s == 0.05 {
                                "0.05"
                            } else if s == 1.0 {
                                "1"
                            } else {
                                "2"
                            }
                        )
                    );
                }
                other => panic!("gradient drawn as {other:?}"),
            }
            assert!(sh.iter().any(|s| matches!(s,
                Shape::Point { at, label: Some(l), role: Role::Theta } if *at == th && *l == format!("θ{}", ["₀", "", "", "₃", "", "", "", "₇"][k as usize]))));
            let st: Vec<&Shape> = with_role(&sh, |r| r == Role::Step);
            assert!(matches!(st[0], Shape::Arrow { from, to, .. } if *from == th && *to == i.next));
        }
    }
}

/// Momentum's velocity after iterations 0 and 1, by hand: v₁ = ηg₀, v₂ = μv₁ + ηg₁ (the same
/// operations, so the same bits); Nesterov takes g₁ at θ₁ − μv₁.
#[test]
fn momentum_and_nesterov_velocity_by_hand() {
    let (lr, mu) = (0.05, 0.9);
    for name in ["momentum", "nesterov"] {
        let json = one_run(
            BOWL,
            [1.0, -0.5],
            5,
            &format!(r#"{{"optimizer": {{"name": "{name}", "lr": {lr}, "momentum": {mu}}}}}"#),
        );
        let i0 = inner(&json, 0, 0);
        let th0 = Vec2::new(1.0, -0.5);
        let g0 = grad(BOWL, th0);
        let v = i0.momentum.unwrap();
        assert_eq!(v.before, Vec2::ZERO);
        assert_eq!(v.after, mu * Vec2::ZERO + lr * g0);
        assert_eq!(i0.next, th0 - v.after);
        assert_eq!(v.nesterov, name == "nesterov");

        let i1 = inner(&json, 0, 1);
        let th1 = i0.next;
        let v1 = v.after;
        let gp = if name == "nesterov" {
            th1 - mu * v1
        } else {
            th1
        };
        let g1 = grad(BOWL, gp);
        let w = i1.momentum.unwrap();
        assert_eq!(i1.grad_at, gp);
        assert_eq!(i1.grad, g1);
        assert_eq!(w.before, v1);
        assert_eq!(w.after, mu * v1 + lr * g1);
        assert_eq!(i1.next, th1 - w.after);
        let sh = shapes(&i1, 0.1, [-2.0, 2.0, -2.0, 2.0]);
        // The momentum part of the step, −μv, from θ₁.
        assert!(sh.iter().any(|s| matches!(s,
            Shape::Arrow { from, to, role: Role::Momentum, .. } if *from == th1 && *to == th1 - mu * v1)));
        // Nesterov: the look-ahead point is where the gradient arrow starts.
        let look = with_role(&sh, |r| r == Role::LookAhead);
        assert_eq!(look.len(), usize::from(name == "nesterov"));
        let g = with_role(&sh, |r| r == Role::Gradient);
        assert!(
            matches!(g[0], Shape::Arrow { from, to, .. } if *from == gp && *to == gp - 0.1 * g1)
        );
    }
}

/// Adam's first update is η·m̂/(√v̂+ε) with m̂ = g, v̂ = g²: η·sign(g) per coordinate, up to ε.
#[test]
fn adam_first_effective_step_is_eta_sign_g() {
    for (start, lr) in [([1.0, -0.5], 0.1), ([-3.0, 2.0], 0.01)] {
        let json = one_run(
            BOWL,
            start,
            3,
            &format!(r#"{{"optimizer": {{"name": "adam", "lr": {lr}}}}}"#),
        );
        let i = inner(&json, 0, 0);
        let c = i.coords.unwrap();
        let g = i.grad;
        assert!(close(c.x, lr * g.x.signum(), 1e-8), "{c:?} vs {g:?}");
        assert!(close(c.y, lr * g.y.signum(), 1e-8), "{c:?} vs {g:?}");
        assert_eq!(i.next, i.theta - c);
        // Drawn as its two components from θ and their box.
        let sh = shapes(&i, 1.0, [-4.0, 4.0, -4.0, 4.0]);
        let th = i.theta;
        assert!(sh.iter().any(|s| matches!(s,
            Shape::Arrow { to, role: Role::Coordinates, .. } if *to == th - Vec2::new(c.x, 0.0))));
        assert!(sh.iter().any(|s| matches!(s,
            Shape::Arrow { to, role: Role::Coordinates, .. } if *to == th - Vec2::new(0.0, c.y))));
        assert!(sh.iter().any(|s| matches!(s,
            Shape::Rect { a, b, role: Role::Coordinates } if *a == th && *b == th - c)));
    }
    // AdamW: the decay is its own part, η λ θ.
    let json = one_run(
        BOWL,
        [1.0, -0.5],
        3,
        r#"{"optimizer": {"name": "adamw", "lr": 0.1, "weight_decay": 0.5}}"#,
    );
    let i = inner(&json, 0, 0);
    assert_eq!(i.decay, Some(0.1 * (0.5 * i.theta)));
}

/// Norm clipping: a circle of radius c·s about θ, the clipped arrow ends on it, and the raw
/// arrow is the unclipped gradient. Value clipping: a square of half side c·s.
#[test]
fn clipping_threshold_is_drawn_on_the_gradient_scale() {
    let c = 1.5;
    let json = one_run(
        BOWL,
        [2.0, 1.0],
        4,
        &format!(r#"{{"optimizer": {{"name": "gd", "lr": 0.01}}, "clip": {{"norm": {c}}}}}"#),
    );
    let i = inner(&json, 0, 0);
    let th = i.theta;
    assert_eq!(i.grad, Vec2::new(4.0, 8.0));
    let cl = i.clip.unwrap();
    assert_eq!(cl.clip, Clip::Norm(c));
    assert!(cl.active(i.grad));
    assert_eq!(cl.clipped, Clip::Norm(c).apply(i.grad));
    assert_eq!(i.processed, Some(cl.clipped));
    assert_eq!(i.next, th - 0.01 * cl.clipped);
    for s in [0.1, 0.5] {
        let sh = shapes(&i, s, [-3.0, 3.0, -3.0, 3.0]);
        let t = with_role(&sh, |r| r == Role::Threshold);
        assert_eq!(t.len(), 1);
        match t[0] {
            Shape::Circle { center, radius, .. } => {
                assert_eq!(*center, th);
                assert_eq!(*radius, c * s);
            }
            other => panic!("threshold drawn as {other:?}"),
        }
        let clipped = with_role(&sh, |r| r == Role::ClippedGradient);
        match clipped[0] {
            Shape::Arrow { from, to, .. } => {
                assert_eq!(*from, th);
                assert!(close((*to - th).norm(), c * s, 1e-12));
            }
            other => panic!("clipped gradient drawn as {other:?}"),
        }
        let raw = with_role(&sh, |r| r == Role::Gradient);
        assert!(matches!(raw[0], Shape::Arrow { to, .. } if *to == th - s * i.grad));
    }
    // Below the threshold nothing is clipped: the circle stays, no clipped arrow.
    let json = one_run(
        BOWL,
        [0.1, 0.1],
        4,
        r#"{"optimizer": {"name": "gd", "lr": 0.01}, "clip": {"norm": 10}}"#,
    );
    let i = inner(&json, 0, 0);
    assert!(!i.clip.unwrap().active(i.grad));
    let sh = shapes(&i, 1.0, [-3.0, 3.0, -3.0, 3.0]);
    assert!(with_role(&sh, |r| r == Role::ClippedGradient).is_empty());
    assert_eq!(with_role(&sh, |r| r == Role::Threshold).len(), 1);
    // By value: a square.
    let json = one_run(
        BOWL,
        [2.0, 1.0],
        4,
        r#"{"optimizer": {"name": "gd", "lr": 0.01}, "clip": {"value": 5}}"#,
    );
    let i = inner(&json, 0, 0);
    assert_eq!(i.clip.unwrap().clipped, Vec2::new(4.0, 5.0));
    let sh = shapes(&i, 0.2, [-3.0, 3.0, -3.0, 3.0]);
    let th = i.theta;
    let t = with_role(&sh, |r| r == Role::Threshold);
    assert!(matches!(t[0], Shape::Rect { a, b, .. }
        if *a == th - Vec2::new(1.0, 1.0) && *b == th + Vec2::new(1.0, 1.0)));
}

/// Lookahead (k = 3): the slow point moves after iterations 2, 5, 8, … and nowhere else; then
/// the fast point jumps to it; the fast point before is where the inner rule stepped to.
#[test]
fn lookahead_slow_point_moves_every_k_steps() {
    let json = one_run(
        BOWL,
        [1.5, 1.0],
        12,
        r#"{"optimizer": {"name": "lookahead", "k": 3, "alpha": 0.5,
            "inner": {"name": "gd", "lr": 0.05}}}"#,
    );
    let mut pg = at(&json, 12, 0, 0);
    let path = pg.session().runs[0].trace.path.clone();
    let mut slow = path[0];
    for k in 0..12u64 {
        pg.set_cursor(k as f64);
        let i = pg.inner().unwrap();
        assert!(i.exact);
        assert_eq!(i.rule, Some(OptKind::Gd));
        let l = i.lookahead.unwrap();
        let sync = (k + 1) % 3 == 0;
        assert_eq!(l.synced, sync, "k = {k}");
        assert_eq!(l.slow_before, slow, "k = {k}");
        // The inner GD step from θ_k.
        assert_eq!(l.fast, i.theta - 0.05 * i.grad);
        if sync {
            assert_eq!(l.slow_after, slow + 0.5 * (l.fast - slow));
            assert_ne!(l.slow_after, l.slow_before);
            assert_eq!(i.next, l.slow_after);
            assert_eq!(l.until_sync, 0);
            let sh = shapes(&i, 0.1, [-2.0, 2.0, -2.0, 2.0]);
            assert!(sh.iter().any(|s| matches!(s,
                Shape::Arrow { from, to, role: Role::Pullback, .. } if *from == l.fast && *to == l.slow_after)));
        } else {
            assert_eq!(l.slow_after, l.slow_before);
            assert_eq!(i.next, l.fast);
            assert_eq!(l.until_sync, 3 - (k + 1) % 3);
        }
        slow = l.slow_after;
    }
}

/// RAdam: with β₂ = 0.999, ρ_t ≤ 5 for the first iterations (SGD with momentum, step η·m̂),
/// then the rectifier r_t of the spec's formula.
#[test]
fn radam_reports_its_rectifier() {
    let json = one_run(
        BOWL,
        [1.0, 1.0],
        12,
        r#"{"optimizer": {"name": "radam", "lr": 0.01}}"#,
    );
    let mut seen = (false, false);
    for k in 0..12u64 {
        let i = inner(&json, 0, k);
        let r = i.rectifier.unwrap();
        let t = (k + 1) as f64;
        let b2: f64 = 0.999;
        let rho_inf = 2.0 / (1.0 - b2) - 1.0;
        let b2t = libm::pow(b2, t);
        let rho = rho_inf - 2.0 * t * b2t / (1.0 - b2t);
        assert_eq!(r.rho, rho);
        if rho > 5.0 {
            let want = ((rho - 4.0) * (rho - 2.0) * rho_inf
                / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho))
                .sqrt();
            assert_eq!(r.r, Some(want));
            seen.1 = true;
        } else {
            assert_eq!(r.r, None);
            seen.0 = true;
        }
    }
    assert_eq!(seen, (true, true));
    let pg = at(&json, 12, 0, 0);
    assert!(pg
        .inner_text()
        .iter()
        .any(|l| l.contains("SGD with momentum")));
    let pg = at(&json, 12, 0, 10);
    assert!(pg.inner_text().iter().any(|l| l.contains("r_t = ")));
}

/// AdaBound: the rate each coordinate used lies within its bounds, and the step is rate · m.
#[test]
fn adabound_bounds_the_rate() {
    let json = one_run(
        BOWL,
        [1.0, 1.0],
        6,
        r#"{"optimizer": {"name": "adabound", "lr": 0.1, "final_lr": 0.1, "gamma": 0.001}}"#,
    );
    for k in 0..5 {
        let i = inner(&json, 0, k);
        let b = i.bounds.unwrap();
        assert!(b.lo < b.hi && b.lo >= 0.0);
        let rate = b.rate();
        for r in [rate.x, rate.y] {
            assert!(r >= b.lo && r <= b.hi);
        }
        let c = i.coords.unwrap();
        assert!(close(c.x, rate.x * b.m.x, 1e-15) && close(c.y, rate.y * b.m.y, 1e-15));
        let sh = shapes(&i, 1.0, [-2.0, 2.0, -2.0, 2.0]);
        assert_eq!(with_role(&sh, |r| r == Role::Bounds).len(), 1);
    }
}

// ------------------------------------------------------------------ Newton

/// Every vertex of every drawn level curve lies on its level: with d = vertex − θ,
/// gᵀd + ½dᵀHd equals the level's change to 1e-9 (relative to the terms).
fn check_levels(i: &Inner, view: [f64; 4], closed: bool) -> usize {
    let n = i.newton.unwrap();
    let h = n.h;
    let sh = shapes(i, 0.01, view);
    let mut curves = 0;
    for s in &sh {
        if let Shape::Polyline {
            points,
            closed: c,
            role: Role::Model { change },
        } = s
        {
            assert_eq!(*c, closed);
            curves += 1;
            assert!(points.len() >= 64);
            for &v in points {
                let d = v - i.theta;
                let quad = 0.5 * (d.x * (h.a * d.x + h.b * d.y) + d.y * (h.c * d.x + h.d * d.y));
                let lin = n.g.dot(d);
                let scale = quad.abs().max(lin.abs()).max(change.abs());
                assert!(
                    (quad + lin - change).abs() <= 1e-9 * scale,
                    "vertex {v:?}: {} ≠ {change}",
                    quad + lin
                );
            }
        }
    }
    curves
}

#[test]
fn newton_ellipses_are_level_sets_of_the_model() {
    let expr = "x^4 + x*y + 2*y^2 + x";
    let json = one_run(expr, [1.0, 1.0], 3, r#"{"optimizer": {"name": "newton"}}"#);
    let i = inner(&json, 0, 0);
    let n = i.newton.unwrap();
    // By hand: ∇L = (4x³ + y + 1, x + 4y), ∇²L = [[12x², 1], [1, 4]] at (1, 1).
    assert_eq!(n.g, Vec2::new(6.0, 5.0));
    assert_eq!((n.h.a, n.h.b, n.h.c, n.h.d), (12.0, 1.0, 1.0, 4.0));
    assert_eq!(i.grad, n.g);
    assert_eq!(curvature(n.h), Curvature::PositiveDefinite);
    assert_eq!(i.next, i.theta - n.delta);
    let view = [-2.0, 2.0, -2.0, 2.0];
    assert_eq!(check_levels(&i, view, true), 4);
    // One ellipse passes through θ_k (the model's change 0 there).
    let (levels, asymptotes) = n.levels(i.theta, view);
    assert!(asymptotes.is_empty());
    assert!(levels.iter().any(|l| l.change.abs() < 1e-12));
    // The model's minimum is θ_{k+1}.
    let sh = shapes(&i, 0.01, view);
    assert!(sh.iter().any(|s| matches!(s,
        Shape::Point { at, role: Role::ModelCenter, .. } if *at == i.next)));
    assert!(!sh.iter().any(|s| matches!(s, Shape::Text { .. })));
}

/// At a saddle of x² − y² the Hessian is indefinite: said in words, drawn as hyperbolas (each
/// on its level) with their asymptotes.
#[test]
fn newton_at_a_saddle_reports_indefinite() {
    let json = one_run(
        "x^2 - y^2",
        [1.0, 0.5],
        3,
        r#"{"optimizer": {"name": "newton"}}"#,
    );
    let i = inner(&json, 0, 0);
    let n = i.newton.unwrap();
    assert_eq!((n.h.a, n.h.b, n.h.c, n.h.d), (2.0, 0.0, 0.0, -2.0));
    assert_eq!(curvature(n.h), Curvature::Indefinite);
    // Newton jumps to the saddle.
    assert_eq!(i.next, Vec2::new(0.0, 0.0));
    let view = [-2.0, 2.0, -2.0, 2.0];
    // Six levels, two branches each.
    assert_eq!(check_levels(&i, view, false), 12);
    let sh = shapes(&i, 0.1, view);
    assert_eq!(with_role(&sh, |r| r == Role::Asymptote).len(), 2);
    assert!(sh.iter().any(|s| matches!(s,
        Shape::Text { text, .. } if text == "Hessian indefinite")));
    let pg = at(&json, 1, 0, 0);
    assert!(pg
        .inner_text()
        .iter()
        .any(|l| l.starts_with("Hessian indefinite")));
}

// ------------------------------------------------------------------ line searches

/// BFGS and L-BFGS with each line search: every trial lies on θ_k + α p, there is at least one,
/// and the accepted one is θ_{k+1} (the last evaluated); Armijo's trials halve.
#[test]
fn quasi_newton_line_search_trials() {
    for name in ["bfgs", "lbfgs"] {
        for ls in ["wolfe", "armijo", "none"] {
            let json = format!(
                r#"{{"surface": {{"name": "rosenbrock"}}, "start": [-1.5, 2.0], "steps": 12,
                "runs": [{{"optimizer": {{"name": "{name}", "line_search": "{ls}"}}}}]}}"#
            );
            let mut total = 0;
            let pg = at(&json, 12, 0, 0);
            for k in 0..12u64 {
                let Some(i) = pg.inner_at(0, k) else {
                    break;
                };
                assert!(i.exact);
                let s = i.search.as_ref().unwrap();
                assert!(!s.trials.is_empty(), "{name}/{ls} at {k}");
                let acc = s.accepted.unwrap();
                assert_eq!(acc, s.trials.len() - 1);
                assert_eq!(s.trials[acc].x, i.next);
                assert_eq!(i.next, pg.session().runs[0].trace.path[k as usize + 1]);
                for t in &s.trials {
                    assert_eq!(t.x, linesearch::along(i.theta, s.direction, t.alpha));
                }
                if ls == "armijo" {
                    for w in s.trials.windows(2) {
                        assert_eq!(w[1].alpha, w[0].alpha / 2.0);
                    }
                }
                if ls == "none" {
                    assert_eq!(s.trials.len(), 1);
                }
                // Drawn as numbered points, the accepted one distinct.
                let sh = shapes(&i, 0.01, [-2.0, 2.0, -1.0, 3.0]);
                let pts: Vec<(usize, bool, Vec2)> = sh
                    .iter()
                    .filter_map(|s| match s {
                        Shape::Point {
                            at,
                            role: Role::Trial { index, accepted },
                            ..
                        } => Some((*index, *accepted, *at)),
                        _ => None,
                    })
                    .collect();
                assert_eq!(pts.len(), s.trials.len());
                assert_eq!(pts.iter().filter(|p| p.1).count(), 1);
                assert!(pts.iter().any(|p| p.1 && p.2 == i.next && p.0 == acc));
                total += s.trials.len();
            }
            assert!(total >= 12, "{name}/{ls}: {total} trials");
            let text = pg.inner_text();
            assert!(
                text.iter().any(|l| l.contains("line-search trial")),
                "{text:?}"
            );
        }
    }
    // Wolfe on Rosenbrock's first step needs more than one trial somewhere.
    let json = r#"{"surface": {"name": "rosenbrock"}, "start": [-1.5, 2.0], "steps": 20,
        "runs": [{"optimizer": {"name": "bfgs"}}]}"#;
    let pg = at(json, 20, 0, 0);
    assert!((0..20).any(|k| pg
        .inner_at(0, k)
        .is_some_and(|i| i.search.unwrap().trials.len() > 1)));
}

// ------------------------------------------------------------------ the replay

/// Every optimizer of the table, on one scenario (with a schedule, clipping and noise on some
/// runs): the replayed θ_{k+1} is the recorded one, bit for bit, at every iteration, scrubbing
/// forward (the replay steps on) and backward (it starts again).
#[test]
fn replay_is_exact_for_every_optimizer() {
    let mut runs: Vec<RunSpec> = OPTIMIZERS
        .iter()
        .map(|o| RunSpec::new(common::config(o.kind)))
        .collect();
    let n_plain = runs.len();
    // A few first-order runs with everything that processes the gradient.
    for (j, kind) in [OptKind::Adam, OptKind::Nesterov, OptKind::Lookahead]
        .into_iter()
        .enumerate()
    {
        let mut r = RunSpec::new(common::config(kind));
        r.clip = Some(if j == 1 {
            Clip::Value(0.5)
        } else {
            Clip::Norm(1.0)
        });
        r.l2 = Some(0.01);
        r.noise = Some(0.3);
        r.seed = Some(7 + j as u64);
        r.schedule =
            Some(serde_json::from_str(r#"{"name": "cosine", "t_max": 20, "warmup": 3}"#).unwrap());
        runs.push(r);
    }
    let sc = Scenario {
        runs,
        ..Scenario::from_json(
            r#"{"surface": {"expr": "x^2 + 2*y^2 + 0.3*x*y + 0.1*x^4"}, "start": [1.5, -1.0],
                "steps": 25, "runs": []}"#,
        )
        .unwrap()
    };
    let mut pg = Playground::new(sc).unwrap();
    pg.step(25);
    let n = pg.session().runs.len();
    assert_eq!(n, OPTIMIZERS.len() + 3);
    for run in 0..n {
        pg.select_run(run);
        let t = pg.session().runs[run].trace.clone();
        let last = t.path.len() as u64 - 1;
        assert!(last >= 10, "run {run} ({}) took {last} steps", t.label);
        let mut order: Vec<u64> = (0..last).collect();
        order.extend([last - 1, 3, 0, last / 2]);
        for k in order {
            pg.set_cursor(k as f64);
            let i = pg.inner().unwrap_or_else(|| panic!("run {run} at {k}"));
            assert!(i.exact, "run {run} ({}) at {k}", t.label);
            assert_eq!(i.next.x.to_bits(), t.path[k as usize + 1].x.to_bits());
            assert_eq!(i.next.y.to_bits(), t.path[k as usize + 1].y.to_bits());
            assert_eq!(i.theta, t.path[k as usize]);
            assert_eq!(i.loss.to_bits(), t.loss[k as usize].to_bits());
            assert_eq!(i.rate.to_bits(), t.lr[k as usize].to_bits());
            // The gradient read is the recorded gradient norm's.
            assert_eq!(i.grad.norm().to_bits(), t.grad_norm[k as usize].to_bits());
        }
        // At its end (the latest step shown, the scenario's last) the view shows the last step
        // it took.
        pg.set_cursor(f64::INFINITY);
        assert_eq!(pg.cursor(), last);
        let end = pg
            .inner()
            .unwrap_or_else(|| panic!("run {run}: nothing at its end"));
        assert_eq!(end.k, last - 1);
        assert_eq!(end.next, t.path[last as usize]);
        if run < n_plain {
            assert_eq!(pg.session().runs[run].spec.noise, None);
        }
    }
}

/// On a data surface with mini-batches and noise, the replay draws the same batches and noise.
#[test]
fn replay_is_exact_on_mini_batches() {
    let json = r#"{"data": {"kind": "linear", "n": 40, "noise": 0.5, "seed": 3}, "start": [0, 0],
        "steps": 30, "batch_size": 7,
        "runs": [{"optimizer": {"name": "adam", "lr": 0.1}, "noise": 0.2},
                 {"optimizer": {"name": "lbfgs"}},
                 {"optimizer": {"name": "newton"}, "batch_size": 5, "seed": 9}]}"#;
    let mut pg = at(json, 30, 0, 0);
    for run in 0..3 {
        pg.select_run(run);
        let t = pg.session().runs[run].trace.clone();
        for k in 0..t.path.len() as u64 - 1 {
            pg.set_cursor(k as f64);
            let i = pg.inner().unwrap();
            assert!(i.exact, "run {run} at {k}");
            assert_eq!(i.next, t.path[k as usize + 1]);
        }
    }
}

/// Showing the view inside the optimizer is a setting of the playground that redraws the marks;
/// the words start with the run, the step and where it goes.
#[test]
fn showing_the_view_redraws_the_marks() {
    let json = one_run(
        BOWL,
        [1.0, 1.0],
        10,
        r#"{"optimizer": {"name": "gd", "lr": 0.1}, "label": "Plain"}"#,
    );
    let mut pg = at(&json, 10, 0, 4);
    assert!(!pg.show_inner());
    pg.take_redraw();
    pg.set_show_inner(true);
    assert!(pg.show_inner());
    assert!(pg
        .take_redraw()
        .contains(optimizer_playground::playground::Layers::MARKS));
    pg.set_show_inner(true);
    assert!(pg.take_redraw().is_empty());
    let words = pg.inner_text();
    assert!(
        words[0].starts_with("Plain (gd), step 4: θ = ("),
        "{words:?}"
    );
    assert!(words.iter().any(|w| w.contains("‖∇L‖ = ")));
    assert!(words.iter().any(|w| w.contains("arrows: −∇L ×")));
}

/// A run that diverged at iteration d has no iteration d to look into, nor any later one;
/// at its end the view shows its last step.
#[test]
fn no_iteration_after_divergence() {
    let json = one_run(
        "sqrt(x) + y^2",
        [1.0, 0.5],
        20,
        r#"{"optimizer": {"name": "gd", "lr": 0.5}}"#,
    );
    let pg = at(&json, 20, 0, 0);
    let d = pg.session().runs[0].trace.diverged_at.unwrap();
    assert!(pg.inner_at(0, d - 1).is_some());
    assert!(pg.inner_at(0, d).is_none());
    assert!(pg.inner_at(0, u64::MAX).is_none());
    assert!(pg.inner_at(5, 0).is_none());
    // With the timeline at its end, the view shows the last step it took.
    let pg = at(&json, 20, 0, d);
    assert_eq!(pg.inner().map(|i| i.k), Some(d - 1));
    assert!(pg.inner_text()[0].contains(&format!("step {}", d - 1)));
}

/// The arrow scale is a round number drawing ‖∇L‖ at most a fifth of the view, never 0.
#[test]
fn arrow_scale_is_round() {
    assert_eq!(arrow_scale(2.0, [-1.0, 1.0, -1.0, 1.0]), 0.2);
    assert_eq!(arrow_scale(1.0, [-5.0, 5.0, -1.0, 1.0]), 0.2);
    assert_eq!(arrow_scale(0.3, [0.0, 1.0, 0.0, 1.0]), 0.5);
    assert_eq!(arrow_scale(1e4, [0.0, 1.0, 0.0, 1.0]), 2e-5);
    for g in [0.0, f64::NAN, f64::INFINITY, -1.0] {
        assert_eq!(arrow_scale(g, [0.0, 1.0, 0.0, 1.0]), 1.0);
    }
    assert!(arrow_scale(1e-300, [0.0, 1.0, 0.0, 1.0]) > 0.0);
}

/// Drawing never fails, whatever the iteration: huge steps, zero gradients, every optimizer.
#[test]
fn drawing_the_overlay_never_fails() {
    let cases = [
        one_run(
            "x^2 - y^2",
            [0.0, 0.0],
            3,
            r#"{"optimizer": {"name": "newton"}}"#,
        ),
        one_run(
            "1e200*x^2 + y^2",
            [1.0, 1.0],
            3,
            r#"{"optimizer": {"name": "gd", "lr": 1e-210}}"#,
        ),
        one_run(
            "x^2 + y^2",
            [0.0, 0.0],
            3,
            r#"{"optimizer": {"name": "adam", "lr": 0.1}}"#,
        ),
        one_run(
            "-x^2 - 3*y^2 + x*y",
            [0.3, 0.2],
            3,
            r#"{"optimizer": {"name": "newton", "damping": 0.5}}"#,
        ),
        one_run(
            "x^4 + y^4",
            [1.0, 1.0],
            3,
            r#"{"optimizer": {"name": "lbfgs", "line_search": "armijo"}}"#,
        ),
    ];
    for json in &cases {
        let mut pg = at(json, 3, 0, 0);
        pg.set_show_inner(true);
        let root = NullBackend::new(800, 560).into_drawing_area();
        pg.draw_inner(&root, &MapStyle::new(1.0)).unwrap();
        overlay::draw_notes(&root, pg.viewport(), &pg.inner_text(), &MapStyle::new(2.0)).unwrap();
        for sh in pg.inner_shapes() {
            if let Shape::Polyline { points, .. } = sh {
                assert!(points.iter().all(|p| p.is_finite()));
            }
        }
        let mut fig = Figure::new(900, 400);
        fig.panels = vec![Panel::Map];
        let svg = figure::svg(&mut pg, &fig).unwrap();
        assert!(svg.contains("−∇L ×") || pg.inner().is_none());
    }
}

// ------------------------------------------------------------------ the command line

fn cli(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run the binary")
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        Scratch(std::env::temp_dir().join(format!("inner-{}-{name}", std::process::id())))
    }
    fn s(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Least squares `v ≈ a·u + b`.
fn fit(pts: &[(f64, f64)]) -> (f64, f64) {
    let n = pts.len() as f64;
    let (mu, mv) = pts
        .iter()
        .fold((0.0, 0.0), |(a, b), &(u, v)| (a + u / n, b + v / n));
    let suu: f64 = pts.iter().map(|&(u, _)| (u - mu) * (u - mu)).sum();
    let suv: f64 = pts.iter().map(|&(u, v)| (u - mu) * (v - mv)).sum();
    let a = suv / suu;
    (a, mv - a * mu)
}

/// The map's data → pixel map, fitted to the SVG's tick labels alone (x labels are centred,
/// y labels right-aligned).
fn axes(doc: &Document) -> impl Fn(Vec2) -> (f64, f64) {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for n in doc.descendants().filter(|n| n.has_tag_name("text")) {
        let Some(v) = number(&text_of(n)) else {
            continue;
        };
        if n.attribute("transform").is_some() {
            continue;
        }
        let (x, y): (f64, f64) = (attr(n, "x").parse().unwrap(), attr(n, "y").parse().unwrap());
        match attr(n, "text-anchor") {
            "middle" => xs.push((v, x)),
            "end" => ys.push((v, y)),
            _ => {}
        }
    }
    assert!(xs.len() >= 3 && ys.len() >= 3, "ticks: {xs:?} {ys:?}");
    let (a, b) = fit(&xs);
    let (c, d) = fit(&ys);
    move |p: Vec2| (a * p.x + b, c * p.y + d)
}

fn polylines(doc: &Document, color: &str) -> Vec<Vec<(f64, f64)>> {
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter(|n| attr(*n, "stroke").eq_ignore_ascii_case(color))
        .map(|n| {
            attr(n, "points")
                .split_whitespace()
                .map(|xy| {
                    let (x, y) = xy.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect()
}

fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

const SCENARIO: &str = r##"{
  "surface": {"name": "himmelblau"},
  "start": [0.0, -1.0],
  "steps": 40,
  "runs": [
    {"optimizer": {"name": "gd", "lr": 0.01}, "color": "#e63946"},
    {"optimizer": {"name": "momentum", "lr": 0.003, "momentum": 0.8}, "clip": {"norm": 5},
     "color": "#9d4edd"},
    {"optimizer": {"name": "newton"}, "color": "#3a86ff"}
  ]
}"##;

/// `render --inner --run I --step K`: the gradient arrow of run I at iteration K starts at θ_K
/// and ends at θ_K − s∇L, where s is the scale its label states, read back through the axes.
#[test]
fn cli_inner_draws_the_gradient_arrow_where_the_axes_put_it() {
    let input = Scratch::new("scenario.json");
    std::fs::write(&input.0, SCENARIO).unwrap();
    for (run, k) in [(0usize, 0u64), (1, 7), (2, 0), (1, 39)] {
        let out = Scratch::new(&format!("inner-{run}-{k}.svg"));
        let (rs, ks) = (run.to_string(), k.to_string());
        let o = cli(&[
            "render",
            input.s(),
            "--out",
            out.s(),
            "--panels",
            "map",
            "--inner",
            "--run",
            &rs,
            "--step",
            &ks,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(&out.0).unwrap();
        let doc = Document::parse(&text).unwrap();
        let px = axes(&doc);
        // The same iteration from the library.
        let pg = at(SCENARIO, k + 1, run, k);
        let i = pg.inner().unwrap();
        // The scale as the label states it.
        let label = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(text_of)
            .find(|t| t.starts_with("−∇L ×"))
            .unwrap_or_else(|| panic!("no gradient label in run {run} at {k}"));
        let s = number(label.trim_start_matches("−∇L ×")).unwrap();
        assert!(s > 0.0);
        let (from, to) = (px(i.grad_at), px(i.grad_at - s * i.grad));
        let near = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1) <= 1.5;
        let arrows = polylines(&doc, &hex(overlay::GRADIENT));
        assert!(
            arrows
                .iter()
                .any(|p| p.len() == 2 && near(p[0], from) && near(p[1], to)),
            "run {run} at {k}: no gradient arrow from {from:?} to {to:?} in {arrows:?}"
        );
        // The step arrow: from θ_K to θ_{K+1}.
        let step = polylines(&doc, &hex(overlay::STEP));
        assert!(
            step.iter()
                .any(|p| p.len() == 2 && near(p[0], px(i.theta)) && near(p[1], px(i.next))),
            "run {run} at {k}: no step arrow"
        );
        // The numbers in words.
        let words: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(text_of)
            .collect();
        assert!(
            words.iter().any(|w| w.contains(&format!("step {k}:"))),
            "{words:?}"
        );
        if run == 2 {
            assert!(words.iter().any(|w| w.starts_with("Hessian")));
        }
    }
}

#[test]
fn cli_inner_rejects_what_it_cannot_show() {
    let input = Scratch::new("bad.json");
    std::fs::write(&input.0, SCENARIO).unwrap();
    let out = Scratch::new("bad.svg");
    for (args, says) in [
        (vec!["--inner", "--step", "40"], "--step"),
        (vec!["--inner", "--run", "3"], "--run"),
        (vec!["--run", "1"], "--inner"),
    ] {
        let mut all = vec!["render", input.s(), "--out", out.s()];
        all.extend(args.iter().copied());
        let o = cli(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // Without --step, --inner looks into the last iteration.
    let o = cli(&[
        "render",
        input.s(),
        "--out",
        out.s(),
        "--panels",
        "map",
        "--inner",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out.0).unwrap();
    assert!(text.contains("step 39:"));
}

/// Before a run's end the view at the latest step shows the step the engine takes next, worked
/// out on a copy: the session is untouched, and stepping it then gives that very point.
#[test]
fn the_latest_step_shows_the_step_about_to_be_taken() {
    let json = r#"{"surface": {"name": "rosenbrock"}, "start": [-1.5, 2], "steps": 100,
        "runs": [{"optimizer": {"name": "adam", "lr": 0.05}},
                 {"optimizer": {"name": "bfgs"}},
                 {"optimizer": {"name": "gd", "lr": 0.01}}]}"#;
    let mut pg = Playground::new(Scenario::from_json(json).unwrap()).unwrap();
    pg.step(10);
    for run in 0..2 {
        pg.select_run(run);
        let ahead = pg.inner().unwrap();
        assert_eq!(ahead.k, 10);
        assert_eq!(
            pg.session().runs[run].trace.path.len(),
            11,
            "the session did not move"
        );
        let mut next = pg.clone();
        next.step(1);
        let p = next.session().runs[run].trace.path[11];
        assert_eq!(
            (ahead.next.x.to_bits(), ahead.next.y.to_bits()),
            (p.x.to_bits(), p.y.to_bits())
        );
        assert!(ahead.exact);
    }
    // A diverged run shows its last step, not one beyond.
    pg.step(90);
    pg.select_run(2);
    let t = pg.session().runs[2].trace.clone();
    let k = t.diverged_at.unwrap();
    let last = pg.inner().unwrap();
    assert_eq!(last.k + 1, t.path.len() as u64 - 1);
    assert!(last.k < k);
    // The words beside the map describe the same step.
    let words = pg.inner_text();
    assert!(words[0].contains(&format!("step {}", last.k)), "{words:?}");
    // A run that failed at its first step has none to show, and says so.
    let json = r#"{"surface": {"expr": "x^2"}, "start": [1, 0], "steps": 10,
        "runs": [{"optimizer": {"name": "gd", "lr": 1e300}}]}"#;
    let mut pg = Playground::new(Scenario::from_json(json).unwrap()).unwrap();
    pg.step(10);
    assert_eq!(pg.session().runs[0].trace.diverged_at, Some(0));
    assert!(pg.inner().is_none());
    assert!(
        pg.inner_text()[0].contains("no step"),
        "{:?}",
        pg.inner_text()
    );
}
