//! Every optimizer descends a convex quadratic; single steps of the rules by hand from the spec;
//! the BFGS and L-BFGS descent reset.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

mod common;

use common::*;
use optimizer_playground::optim::{
    two_loop, Bfgs, Counted, Evals, LineSearch, Method, OptKind, OptimizerConfig, Rule, OPTIMIZERS,
};
use optimizer_playground::scenario::RunSpec;
use optimizer_playground::surface::Surface;
use optimizer_playground::{Mat2, Vec2};
use std::collections::VecDeque;

/// The fraction of the initial loss each optimizer must reach on `x² + 4y²` from (2, −1.5)
/// in 200 steps, with the rates of `common::sensible_lr`.
fn required_ratio(kind: OptKind) -> f64 {
    match kind {
        // AdaDelta's first steps are √ε/√(1−ρ)·sign(g) ≈ 3e-3 long (ε = 1e-6, ρ = 0.9) and grow
        // only as its average of squared updates builds up: over 200 steps it covers a fraction
        // of the 2.5 to the minimum, so it is only required to halve the loss.
        OptKind::Adadelta => 0.5,
        // Everything else gets to 1e-2 of the initial loss: the gradient-scale rules geometrically
        // (gd contracts by at most |1 − 2·4·0.1| = 0.2… per step in y, 0.8 in x), the
        // sign-like rules (Adam family, Lion, RMSprop) to oscillations of about η around the
        // minimum, i.e. L ~ 5η² ≪ 0.13 = 1e-2 · L(θ₀).
        _ => 1e-2,
    }
}

#[test]
fn every_optimizer_descends_a_convex_quadratic() {
    let start = [2.0, -1.5];
    let l0 = 2.0 * 2.0 + 4.0 * 1.5 * 1.5;
    for info in OPTIMIZERS {
        let cfg = config(info.kind);
        let t = run_one("x^2 + 4*y^2", start, 200, RunSpec::new(cfg));
        check_shape(&t, 200);
        assert_eq!(t.loss[0], l0);
        assert_eq!(t.diverged_at, None, "{}", info.name);
        let ratio = t.loss[200] / l0;
        assert!(
            ratio < required_ratio(info.kind),
            "{} ends at {:?} with L = {} ({ratio:e} of the start)",
            info.name,
            t.path[200],
            t.loss[200]
        );
    }
}

#[test]
fn newton_solves_a_quadratic_in_one_step() {
    // H = diag(2, 8), g(2, −1.5) = (4, −12): z = H⁻¹g = (2, −1.5) exactly.
    let t = run_one(
        "x^2 + 4*y^2",
        [2.0, -1.5],
        3,
        RunSpec::new(OptimizerConfig::new(OptKind::Newton)),
    );
    assert_eq!(t.path[1], Vec2::ZERO);
    assert_eq!(t.loss[1], 0.0);
    assert_eq!(t.grad_norm[0], (16.0_f64 + 144.0).sqrt());
}

#[test]
fn quasi_newton_methods_reach_the_minimum_of_a_quadratic_with_every_line_search() {
    for kind in [OptKind::Bfgs, OptKind::Lbfgs] {
        for (ls, lr) in [
            (LineSearch::Wolfe, 1.0),
            (LineSearch::Armijo, 1.0),
            (LineSearch::None, 1.0),
        ] {
            let mut c = OptimizerConfig::new(kind).with_lr(lr);
            c.line_search = Some(ls);
            let t = run_one("x^2 + 4*y^2 + x*y", [2.0, -1.5], 60, RunSpec::new(c));
            assert_eq!(t.diverged_at, None);
            assert!(
                t.loss[60] < 1e-12,
                "{kind:?} {ls:?} ends at {:?}",
                t.path[60]
            );
        }
    }
}

/// One step of a rule from its zero state, `θ = (1, −2)`, on `L = x² + y²` (g = (2, −4)).
fn first_step(kind: OptKind, set: &[(&str, f64)]) -> Vec2 {
    let mut c = OptimizerConfig::new(kind);
    for &(k, v) in set {
        assert!(c.set(k, v), "{kind:?} takes no {k}");
    }
    let mut r = Rule::new(kind, c.resolve());
    let theta = Vec2::new(1.0, -2.0);
    let g = Vec2::new(2.0, -4.0);
    let eta = c.value("lr").unwrap();
    r.step(theta, g, eta).0
}

#[track_caller]
fn near(got: Vec2, want: (f64, f64)) {
    let ok = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
    assert!(
        ok(got.x, want.0) && ok(got.y, want.1),
        "got {got:?}, want {want:?}"
    );
}

#[test]
fn first_steps_by_hand() {
    // gd: θ − ηg.
    near(first_step(OptKind::Gd, &[("lr", 0.1)]), (0.8, -1.6));
    // momentum / nesterov (given the gradient): v = ηg, θ − v.
    near(first_step(OptKind::Momentum, &[("lr", 0.1)]), (0.8, -1.6));
    // adagrad: G = g², θ − ηg/(|g| + ε) ≈ θ − η sign(g).
    near(
        first_step(OptKind::Adagrad, &[("lr", 0.1), ("eps", 0.0001)]),
        (1.0 - 0.1 * 2.0 / 2.0001, -2.0 + 0.1 * 4.0 / 4.0001),
    );
    // rmsprop: s = (1 − ρ)g², θ − ηg/(√s + ε).
    let d = 0.1_f64.sqrt();
    near(
        first_step(OptKind::Rmsprop, &[("lr", 0.01), ("eps", 0.0)]),
        (1.0 - 0.01 / d, -2.0 + 0.01 / d),
    );
    // adam: m̂ = g, v̂ = g²: θ − η g/(|g| + ε).
    near(
        first_step(OptKind::Adam, &[("lr", 0.1), ("eps", 0.5)]),
        (1.0 - 0.1 * 2.0 / 2.5, -2.0 + 0.1 * 4.0 / 4.5),
    );
    // adamw: and − ηλθ.
    near(
        first_step(
            OptKind::Adamw,
            &[("lr", 0.1), ("eps", 0.0), ("weight_decay", 0.5)],
        ),
        (1.0 - 0.1 * (1.0 + 0.5), -2.0 - 0.1 * (-1.0 - 1.0)),
    );
    // amsgrad: v_max = v on the first step, same as adam.
    near(
        first_step(OptKind::Amsgrad, &[("lr", 0.1), ("eps", 0.5)]),
        (1.0 - 0.1 * 2.0 / 2.5, -2.0 + 0.1 * 4.0 / 4.5),
    );
    // nadam: n = β₁ m/(1−β₁²) + (1−β₁) g/(1−β₁) = (0.09/0.19 + 1) g with β₁ = 0.9.
    let n = 0.09 / 0.19 + 1.0;
    near(
        first_step(OptKind::Nadam, &[("lr", 0.1), ("eps", 0.0)]),
        (1.0 - 0.1 * n, -2.0 + 0.1 * n),
    );
    // radam: ρ₁ = ρ∞ − 2β₂/(1−β₂) = 1999 − 1998 = 1 ≤ 5, so θ − η m̂ = θ − ηg.
    near(first_step(OptKind::Radam, &[("lr", 0.1)]), (0.8, -1.6));
    // adabound: a/(√v + ε) = η/((1−β₁)|g|) = 0.5 and 0.25, clamped into
    // [f(1 − 1/(γ+1)), f(1 + 1/γ)] = [0.0005, 0.002] with f = final_lr = 0.001, γ = 1;
    // the step is 0.002 · m = 0.002 · 0.1 g.
    near(
        first_step(
            OptKind::Adabound,
            &[
                ("lr", 0.1),
                ("final_lr", 0.001),
                ("gamma", 1.0),
                ("eps", 0.0),
            ],
        ),
        (1.0 - 0.0004, -2.0 + 0.0008),
    );
    // adadelta: s = (1−ρ)g², Δ = √ε/√(s + ε) · g.
    let delta = |g: f64| (1e-6_f64).sqrt() / (0.1 * g * g + 1e-6).sqrt() * g;
    near(
        first_step(OptKind::Adadelta, &[]),
        (1.0 - delta(2.0), -2.0 - delta(-4.0)),
    );
    // lion: sign(c) with c = (1−β₁)g, plus decoupled decay: θ − η(sign(g) + λθ).
    near(
        first_step(OptKind::Lion, &[("lr", 0.1), ("weight_decay", 0.5)]),
        (1.0 - 0.1 * (1.0 + 0.5), -2.0 - 0.1 * (-1.0 - 1.0)),
    );
    // sgd_hd: α₀ = lr.
    near(first_step(OptKind::SgdHd, &[("lr", 0.1)]), (0.8, -1.6));
    // learned: every average equals g after one step, so the features are ±(1, 1, 1, 1): the
    // first step has the same length in both coordinates, against the gradient's signs, and is
    // the same for any scale of the gradient (the network sees only g/√v̂ and its relatives).
    let learned = |g: Vec2| {
        let mut c = OptimizerConfig::new(OptKind::Learned);
        assert!(c.set("lr", 0.5));
        let mut r = Rule::new(OptKind::Learned, c.resolve());
        Vec2::new(1.0, -2.0) - r.step(Vec2::new(1.0, -2.0), g, 0.5).0
    };
    let s = learned(Vec2::new(2.0, -4.0));
    assert!(s.x > 0.0 && (s.x + s.y).abs() <= 1e-12 * s.x, "{s:?}");
    near(learned(Vec2::new(2e6, -4e3)), (s.x, s.y));
    near(learned(Vec2::new(-3.0, 1.0)), (-s.x, s.x));
}

#[test]
fn second_steps_by_hand() {
    let s = Surface::expr("x^2 + y^2").unwrap();
    let theta0 = Vec2::new(1.0, -2.0);
    let run = |cfg: OptimizerConfig| {
        let mut m = Method::build(&cfg, None, 0.0, theta0);
        let mut ev = Evals::default();
        let mut obj = Counted::new(&s, &mut ev);
        let eta = cfg.value("lr").unwrap();
        let t1 = m.step(&mut obj, theta0, eta).unwrap();
        let t2 = m.step(&mut obj, t1.next, eta).unwrap();
        (t1, t2)
    };
    // momentum, β = 0.9, η = 0.1: v₁ = 0.1·(2, −4), θ₁ = (0.8, −1.6);
    // v₂ = 0.9 v₁ + 0.1·(1.6, −3.2) = (0.34, −0.68), θ₂ = (0.46, −0.92).
    let (_, t2) = run(OptimizerConfig::new(OptKind::Momentum).with_lr(0.1));
    near(t2.next, (0.46, -0.92));
    // nesterov: the second gradient is taken at θ₁ − βv₁ = (0.62, −1.24):
    // v₂ = 0.9·(0.2, −0.4) + 0.1·(1.24, −2.48) = (0.304, −0.608), θ₂ = (0.496, −0.992).
    let (_, t2) = run(OptimizerConfig::new(OptKind::Nesterov).with_lr(0.1));
    near(t2.next, (0.496, -0.992));
    // sgd_hd, β_h = 0.01: α₁ = 0.1 + 0.01·(g₁·g₀) = 0.1 + 0.01·(1.6·2 + 3.2·4) = 0.26,
    // θ₂ = θ₁ − 0.26·(1.6, −3.2) = (0.384, −0.768); the rate it reports is α₁.
    let mut c = OptimizerConfig::new(OptKind::SgdHd).with_lr(0.1);
    assert!(c.set("hyper_lr", 0.01));
    let (t1, t2) = run(c);
    assert_eq!(t1.lr, 0.1);
    assert!((t2.lr - 0.26).abs() < 1e-15);
    near(t2.next, (0.384, -0.768));
    // lion, β₁ = 0.9, β₂ = 0.99: after step 1, m = 0.01·(2, −4); at θ₁ = (0.9, −1.9),
    // g = (1.8, −3.8) and c = 0.9 m + 0.1 g keeps the signs: θ₂ = θ₁ − 0.1·(1, −1).
    let (t1, t2) = run(OptimizerConfig::new(OptKind::Lion).with_lr(0.1));
    near(t1.next, (0.9, -1.9));
    near(t2.next, (0.8, -1.8));
}

#[test]
fn clipping_then_l2_then_the_rule() {
    let s = Surface::expr("x^2 + y^2").unwrap();
    let theta0 = Vec2::new(1.0, -2.0);
    let mut ev = Evals::default();
    // gd, η = 0.1, {"value": 1}, λ = 0.5: g = (2, −4) → clipped (1, −1) → + λθ = (1.5, −2).
    // (L2 before clipping would give (1, −1) and θ₁ = (0.9, −1.9).)
    let gd = OptimizerConfig::new(OptKind::Gd).with_lr(0.1);
    let mut m = Method::build(
        &gd,
        Some(optimizer_playground::optim::Clip::Value(1.0)),
        0.5,
        theta0,
    );
    let mut obj = Counted::new(&s, &mut ev);
    let st = m.step(&mut obj, theta0, 0.1).unwrap();
    near(st.next, (0.85, -1.8));
    assert_eq!(st.grad_norm, 20.0_f64.sqrt()); // before clipping
                                               // Clipping by norm: ‖g‖ = √20 > 1, so g ← g/√20.
    let mut m = Method::build(
        &gd,
        Some(optimizer_playground::optim::Clip::Norm(1.0)),
        0.0,
        theta0,
    );
    let st = m.step(&mut obj, theta0, 0.1).unwrap();
    let n = 20.0_f64.sqrt();
    near(st.next, (1.0 - 0.2 / n, -2.0 + 0.4 / n));
    // Nesterov with L2: both the gradient and the decay are taken at θ − βv.
    // Step 1: g = 2θ₀ + 0.5θ₀ = (2.5, −5), v₁ = (0.25, −0.5), θ₁ = (0.75, −1.5).
    // Step 2: θ₁ − 0.9v₁ = (0.525, −1.05), g = 2.5·that = (1.3125, −2.625),
    // v₂ = 0.9v₁ + 0.1g = (0.35625, −0.7125), θ₂ = (0.39375, −0.7875).
    let nes = OptimizerConfig::new(OptKind::Nesterov).with_lr(0.1);
    let mut m = Method::build(&nes, None, 0.5, theta0);
    let t1 = m.step(&mut obj, theta0, 0.1).unwrap().next;
    near(t1, (0.75, -1.5));
    let t2 = m.step(&mut obj, t1, 0.1).unwrap().next;
    near(t2, (0.39375, -0.7875));
}

#[test]
fn lookahead_syncs_every_k_iterations() {
    // gd (η = 0.1) on x² + y² from (1, −2) contracts θ by 0.8 per step. With k = 2, α = 0.5:
    // θ₁ = 0.8 θ₀; θ₂ fast = 0.64 θ₀, slow φ = θ₀ + 0.5(0.64 − 1)θ₀ = 0.82 θ₀ and θ₂ = φ;
    // θ₃ = 0.8 · 0.82 θ₀ = 0.656 θ₀; θ₄ = φ + 0.5(0.64·0.82 − 0.82)θ₀ = 0.6724 θ₀.
    let mut c = OptimizerConfig::new(OptKind::Lookahead);
    assert!(c.set("k", 2.0));
    assert!(c.set("alpha", 0.5));
    c.inner = Some(Box::new(OptimizerConfig::new(OptKind::Gd).with_lr(0.1)));
    let t = run_one("x^2 + y^2", [1.0, -2.0], 4, RunSpec::new(c));
    for (i, f) in [1.0, 0.8, 0.82, 0.656, 0.6724].into_iter().enumerate() {
        near(t.path[i], (f, -2.0 * f));
    }
    assert_eq!(t.label, "lookahead(gd)");
}

fn quasi_hp(kind: OptKind) -> optimizer_playground::optim::config::Hyper {
    let mut c = OptimizerConfig::new(kind);
    c.line_search = Some(LineSearch::None);
    c.resolve()
}

#[test]
fn bfgs_resets_an_indefinite_estimate_to_steepest_descent() {
    let theta = Vec2::new(2.0, -1.5);
    let eta = 0.1;
    // On a linear surface y = g₁ − g₀ = 0, so no update follows the reset: B must end at I.
    let lin = Surface::expr("x + 2*y").unwrap();
    let mut b = Bfgs::new(quasi_hp(OptKind::Bfgs));
    b.inv = Mat2::IDENTITY.scale(-1.0); // p = −Bg = g: gᵀp > 0, not a descent direction
    let mut ev = Evals::default();
    let step = b
        .step(&mut Counted::new(&lin, &mut ev), theta, eta)
        .unwrap();
    assert_eq!(step.next, Vec2::new(2.0 - 0.1, -1.5 - 0.2)); // θ − η g
    assert_eq!(b.inv, Mat2::IDENTITY);
    assert_eq!(
        ev,
        Evals {
            value: 0,
            grad: 2,
            hessian: 0
        }
    );

    // On a quadratic the step is still −ηg, and the estimate is the BFGS update of I.
    let q = Surface::expr("x^2 + 4*y^2").unwrap();
    let mut b = Bfgs::new(quasi_hp(OptKind::Bfgs));
    // Indefinite: with g = (4, −12), gᵀp = −gᵀBg = −(16 − 144) > 0, not a descent direction.
    b.inv = Mat2 {
        a: 1.0,
        b: 0.0,
        c: 0.0,
        d: -1.0,
    };
    let g0 = q.grad(theta).1; // (4, −12)
    let mut ev = Evals::default();
    let step = b.step(&mut Counted::new(&q, &mut ev), theta, eta).unwrap();
    assert_eq!(step.next, theta - eta * g0);
    let s = eta * -g0; // s = αp (spec), p = −g after the reset
    let y = q.grad(step.next).1 - g0;
    let rho = 1.0 / s.dot(y);
    let l = Mat2::IDENTITY.plus(Mat2::outer(s, y).scale(-rho));
    let r = Mat2::IDENTITY.plus(Mat2::outer(y, s).scale(-rho));
    let want = l.matmul(r).plus(Mat2::outer(s, s).scale(rho));
    for (got, want) in [
        (b.inv.a, want.a),
        (b.inv.b, want.b),
        (b.inv.c, want.c),
        (b.inv.d, want.d),
    ] {
        assert!((got - want).abs() < 1e-12, "{:?} vs {want:?}", b.inv);
    }
    // The updated estimate satisfies the secant equation B y = s.
    let by = b.inv.mul_vec(y);
    assert!((by - s).norm() < 1e-12);
}

#[test]
fn bfgs_uses_a_positive_definite_estimate_as_given() {
    let q = Surface::expr("x^2 + 4*y^2").unwrap();
    let theta = Vec2::new(2.0, -1.5);
    let mut b = Bfgs::new(quasi_hp(OptKind::Bfgs));
    b.inv = Mat2 {
        a: 0.5,
        b: 0.0,
        c: 0.0,
        d: 0.125,
    }; // the exact inverse Hessian
    let mut ev = Evals::default();
    let step = b.step(&mut Counted::new(&q, &mut ev), theta, 1.0).unwrap();
    assert_eq!(step.next, Vec2::ZERO); // p = −B g = −(2, −1.5): the Newton step
}

#[test]
fn lbfgs_drops_its_pairs_when_the_direction_is_not_a_descent() {
    let theta = Vec2::new(2.0, -1.5);
    let eta = 0.1;
    // A pair with sᵀy = −1 < 0 makes the two-loop operator indefinite: here it maps g to −(−g).
    let bad = (Vec2::new(1.0, 0.0), Vec2::new(-1.0, 0.0));
    let mut pairs = VecDeque::from([bad]);
    let g = Vec2::new(4.0, -12.0);
    assert!(g.dot(two_loop(&pairs, g)) > 0.0);

    let lin = Surface::expr("x + 2*y").unwrap();
    let mut l = optimizer_playground::optim::Lbfgs::new(quasi_hp(OptKind::Lbfgs));
    l.pairs.push_back(bad);
    let mut ev = Evals::default();
    let step = l
        .step(&mut Counted::new(&lin, &mut ev), theta, eta)
        .unwrap();
    assert_eq!(step.next, Vec2::new(2.0 - 0.1, -1.5 - 0.2));
    assert!(l.pairs.is_empty(), "{:?}", l.pairs); // dropped; y = 0 adds none

    let q = Surface::expr("x^2 + 4*y^2").unwrap();
    let mut l = optimizer_playground::optim::Lbfgs::new(quasi_hp(OptKind::Lbfgs));
    l.pairs.push_back(bad);
    let step = l.step(&mut Counted::new(&q, &mut ev), theta, eta).unwrap();
    assert_eq!(step.next, theta - eta * g);
    // Only the new pair remains: s = αp = η(−g), y = g₁ − g₀.
    let s = eta * -g;
    assert_eq!(l.pairs.len(), 1);
    assert_eq!(l.pairs[0].0, s);
    assert_eq!(l.pairs[0].1, q.grad(step.next).1 - g);
    pairs.clear();
    assert_eq!(two_loop(&pairs, g), -g);
}

#[test]
fn two_loop_satisfies_the_secant_equation_for_its_newest_pair() {
    let q = Surface::expr("x^2 + 4*y^2 + x*y").unwrap();
    let pts = [
        Vec2::new(2.0, -1.5),
        Vec2::new(1.0, 0.3),
        Vec2::new(-0.4, 0.9),
    ];
    let mut pairs = VecDeque::new();
    for w in pts.windows(2) {
        let s = w[1] - w[0];
        let y = q.grad(w[1]).1 - q.grad(w[0]).1;
        pairs.push_back((s, y));
    }
    let (s, y) = *pairs.back().unwrap();
    let hy = -two_loop(&pairs, y);
    assert!((hy - s).norm() < 1e-12 * s.norm(), "{hy:?} vs {s:?}");
    // The two-loop recursion is the BFGS recursion from H₀ = γI over the pairs, oldest first:
    // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, with γ = sᵀy/yᵀy of the newest pair.
    let gamma = s.dot(y) / y.dot(y);
    let mut h = Mat2::IDENTITY.scale(gamma);
    for &(s, y) in &pairs {
        let rho = 1.0 / y.dot(s);
        let l = Mat2::IDENTITY.plus(Mat2::outer(s, y).scale(-rho));
        let r = Mat2::IDENTITY.plus(Mat2::outer(y, s).scale(-rho));
        h = l.matmul(h).matmul(r).plus(Mat2::outer(s, s).scale(rho));
    }
    for g in [
        Vec2::new(1.0, 2.0),
        Vec2::new(-3.0, 0.5),
        Vec2::new(0.0, 1.0),
    ] {
        let want = -h.mul_vec(g);
        let got = two_loop(&pairs, g);
        assert!(
            (got - want).norm() < 1e-12 * want.norm(),
            "{got:?} vs {want:?}"
        );
    }
}

#[test]
fn memory_bounds_the_stored_pairs() {
    let q = Surface::named("rosenbrock").unwrap();
    let mut c = OptimizerConfig::new(OptKind::Lbfgs);
    assert!(c.set("memory", 3.0));
    let mut m = Method::build(&c, None, 0.0, Vec2::new(-1.2, 1.0));
    let mut ev = Evals::default();
    let mut theta = Vec2::new(-1.2, 1.0);
    let mut max_len = 0;
    for _ in 0..20 {
        let st = m.step(&mut Counted::new(&q, &mut ev), theta, 1.0).unwrap();
        theta = st.next;
        if let Method::Lbfgs(l) = &m {
            max_len = max_len.max(l.pairs.len());
            assert!(l.pairs.iter().all(|(s, y)| s.dot(*y) > 1e-10));
        }
    }
    assert_eq!(max_len, 3);
}
