//! Automatic differentiation checked against central finite differences on every named surface,
//! the library's formulas against the named surfaces, and the consistency of value, gradient and
//! Hessian.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

use optimizer_playground::surface::{Expr, Named, Surface, LIBRARY};
use optimizer_playground::Vec2;
use proptest::prelude::*;

/// A point inside `view` at fractions `(u, v)`; on Ackley, kept off the cone at the origin
/// (where `sqrt(x² + y²)` has no derivative) by at least 0.1.
fn point_in(name: &str, view: [f64; 4], u: f64, v: f64) -> Vec2 {
    let [x0, x1, y0, y1] = view;
    let mut p = Vec2::new(x0 + u * (x1 - x0), y0 + v * (y1 - y0));
    if name == "ackley" && p.norm() < 0.1 {
        p = Vec2::new(p.x + 0.25, p.y);
    }
    p
}

/// Central-difference step for a coordinate of size `x`.
fn step(x: f64) -> f64 {
    1e-4 * x.abs().max(1.0)
}

/// Central differences of `f` at `p`, per coordinate, Richardson-extrapolated:
/// `(4 D(h/2) − D(h)) / 3` cancels the `h²` term of `D(h) = (f(x+h) − f(x−h)) / 2h`, leaving
/// `O(h⁴)`. Plain central differences are not enough here: Lévi's `sin²(3πy)` has a fourth
/// derivative near 1e6 times its `(x − 1)²` factor, i.e. an `h² f⁗/6` error of 1e-4 even at
/// h = 5e-5, on Hessian entries of order 1.
fn central(f: impl Fn(Vec2) -> f64, p: Vec2) -> Vec2 {
    let d = |h: f64, along_x: bool| {
        let (a, b) = if along_x {
            (Vec2::new(p.x + h, p.y), Vec2::new(p.x - h, p.y))
        } else {
            (Vec2::new(p.x, p.y + h), Vec2::new(p.x, p.y - h))
        };
        (f(a) - f(b)) / (2.0 * h)
    };
    let rich = |h: f64, along_x: bool| (4.0 * d(h / 2.0, along_x) - d(h, along_x)) / 3.0;
    Vec2::new(rich(step(p.x), true), rich(step(p.y), false))
}

/// `|ad − fd| ≤ 1e-6 · max(|ad|, |fd|) + abs`: the truncation error of the extrapolated
/// differences is `O(h⁴)` (h = 1e-4), far below that; the rounding error is about
/// `ε · |f| / h`, covered by `abs`, which the callers scale with the size of what is
/// differenced.
fn agrees(ad: f64, fd: f64, abs: f64) -> bool {
    (ad - fd).abs() <= 1e-6 * ad.abs().max(fd.abs()) + abs
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// ∇L by AD against central differences of `Surface::value`, at one random point of each
    /// named surface's view per case.
    #[test]
    fn gradient_matches_central_differences(u in 0.0..=1.0f64, v in 0.0..=1.0f64) {
        for info in LIBRARY {
            let s = Surface::named(info.name).unwrap();
            let p = point_in(info.name, info.view, u, v);
            let (l, g) = s.grad(p);
            let fd = central(|q| s.value(q), p);
            // Rounding in L(p ± h) is about 1e-16·|L|/h = 1e-12·|L|.
            let abs = 1e-9 * (1.0 + l.abs());
            prop_assert!(agrees(g.x, fd.x, abs) && agrees(g.y, fd.y, abs),
                "{} at {:?}: AD {:?}, FD {:?}", info.name, p, g, fd);
        }
    }

    /// ∇²L by AD against central differences of the AD gradient: each column independently, so
    /// the two mixed entries are checked separately.
    #[test]
    fn hessian_matches_central_differences_of_the_gradient(u in 0.0..=1.0f64, v in 0.0..=1.0f64) {
        for info in LIBRARY {
            let s = Surface::named(info.name).unwrap();
            let p = point_in(info.name, info.view, u, v);
            let (l, g, h) = s.hessian(p);
            let col_x = central(|q| s.grad(q).1.x, p); // (∂xx, ∂xy)
            let col_y = central(|q| s.grad(q).1.y, p); // (∂yx, ∂yy)
            let abs = 1e-9 * (1.0 + l.abs() + g.x.abs() + g.y.abs());
            prop_assert!(agrees(h.a, col_x.x, abs), "{} xx at {:?}: {} vs {}", info.name, p, h.a, col_x.x);
            prop_assert!(agrees(h.b, col_x.y, abs), "{} xy at {:?}: {} vs {}", info.name, p, h.b, col_x.y);
            prop_assert!(agrees(h.c, col_y.x, abs), "{} yx at {:?}: {} vs {}", info.name, p, h.c, col_y.x);
            prop_assert!(agrees(h.d, col_y.y, abs), "{} yy at {:?}: {} vs {}", info.name, p, h.d, col_y.y);
            prop_assert_eq!(h.b.to_bits(), h.c.to_bits(), "{} Hessian not symmetric", info.name);
        }
    }

    /// `grad` and `hessian` return `value`'s L bit for bit, and `hessian` returns `grad`'s ∇L.
    #[test]
    fn value_gradient_and_hessian_agree_bit_for_bit(u in 0.0..=1.0f64, v in 0.0..=1.0f64) {
        for info in LIBRARY {
            let s = Surface::named(info.name).unwrap();
            let p = point_in(info.name, info.view, u, v);
            let l = s.value(p);
            let (l1, g1) = s.grad(p);
            let (l2, g2, _) = s.hessian(p);
            prop_assert_eq!(l.to_bits(), l1.to_bits(), "{}: grad's L differs from value", info.name);
            prop_assert_eq!(l.to_bits(), l2.to_bits(), "{}: hessian's L differs from value", info.name);
            prop_assert_eq!((g1.x.to_bits(), g1.y.to_bits()), (g2.x.to_bits(), g2.y.to_bits()));
        }
    }

    /// The library's `formula` (an expression in the spec's grammar) is the named surface at its
    /// default parameters: value and gradient to 1e-10 relative.
    #[test]
    fn formulas_match_the_named_surfaces(u in 0.0..=1.0f64, v in 0.0..=1.0f64) {
        for info in LIBRARY {
            let named = Surface::named(info.name).unwrap();
            let expr = Surface::expr(info.formula)
                .unwrap_or_else(|e| panic!("{}'s formula does not parse: {e}", info.name));
            let p = point_in(info.name, info.view, u, v);
            let (la, ga) = named.grad(p);
            let (lb, gb) = expr.grad(p);
            for (a, b, what) in [(la, lb, "L"), (ga.x, gb.x, "∂x"), (ga.y, gb.y, "∂y")] {
                prop_assert!((a - b).abs() <= 1e-10 * a.abs().max(b.abs()).max(1.0),
                    "{} {} at {:?}: named {} vs formula {}", info.name, what, p, a, b);
            }
        }
    }

    /// Division, powers and every function of the grammar differentiate correctly too.
    #[test]
    fn expression_functions_match_central_differences(x in 0.2..2.0f64, y in -1.5..1.5f64) {
        for src in [
            "x/(1 + y^2)", "sin(x*y) + cos(x - y)", "tan(0.5*x) * atan(y)", "exp(0.3*x*y)",
            "ln(x) + log(1 + x*y^2)", "sqrt(x + y^2)", "tanh(x - y) + sinh(y) + cosh(0.5*x)",
            "x^y", "x^2.5 + y^3", "x^-2 + y^4", "abs(y - 2)*x", "min(x, 3) * max(y, -2)",
            "(1 - x)^2 + 100*(y - x^2)^2", "2^x * pi / e",
        ] {
            let s = Surface::expr(src).unwrap();
            let p = Vec2::new(x, y);
            let (l, g, h) = s.hessian(p);
            let fd = central(|q| s.value(q), p);
            let abs = 1e-9 * (1.0 + l.abs());
            prop_assert!(agrees(g.x, fd.x, abs) && agrees(g.y, fd.y, abs),
                "{src} at {p:?}: AD {g:?}, FD {fd:?}");
            let col_x = central(|q| s.grad(q).1.x, p);
            let col_y = central(|q| s.grad(q).1.y, p);
            let abs = 1e-9 * (1.0 + l.abs() + g.x.abs() + g.y.abs());
            prop_assert!(agrees(h.a, col_x.x, abs) && agrees(h.b, col_x.y, abs)
                && agrees(h.c, col_y.x, abs) && agrees(h.d, col_y.y, abs),
                "{src} at {p:?}: AD {h:?}, FD {col_x:?} {col_y:?}");
            prop_assert_eq!(s.value(p).to_bits(), l.to_bits());
        }
    }

    /// Parametric surfaces against their formulas with the parameters written in: Rosenbrock
    /// `(a − x)² + b(y − x²)²`, Rastrigin `2A + x² − A cos 2πx + y² − A cos 2πy`, and the
    /// quadratic `u² + κv²` with `(u, v)` the point rotated by the angle in degrees.
    #[test]
    fn parametric_surfaces_match_their_formulas(
        a in -2.0..2.0f64, b in 1.0..1000.0f64, ra in 0.0..20.0f64,
        kappa in 1.0..1000.0f64, angle in -90.0..90.0f64,
        x in -3.0..3.0f64, y in -3.0..3.0f64,
    ) {
        let mut rosen = Named::new("rosenbrock").unwrap();
        assert!(rosen.set_param("a", a) && rosen.set_param("b", b));
        let mut rast = Named::new("rastrigin").unwrap();
        assert!(rast.set_param("a", ra));
        let mut quad = Named::new("quadratic").unwrap();
        assert!(quad.set_param("condition", kappa) && quad.set_param("angle", angle));
        let t = angle.to_radians();
        let cases = [
            (rosen, format!("({a:?} - x)^2 + {b:?}*(y - x^2)^2")),
            (rast, format!("2*{ra:?} + x^2 - {ra:?}*cos(2*pi*x) + y^2 - {ra:?}*cos(2*pi*y)")),
            (quad, format!(
                "({c:?}*x + {s:?}*y)^2 + {kappa:?}*({c:?}*y - {s:?}*x)^2",
                c = t.cos(), s = t.sin()
            )),
        ];
        let p = Vec2::new(x, y);
        for (named, src) in cases {
            let (la, ga) = Surface::Named(named).grad(p);
            let (lb, gb) = Surface::expr(&src).unwrap().grad(p);
            let scale = la.abs().max(lb.abs()).max(1.0);
            // The gradient's scale: components can cancel, so compare against the largest term.
            let gscale = ga.x.abs().max(ga.y.abs()).max(scale);
            prop_assert!((la - lb).abs() <= 1e-10 * scale, "{src}: {la} vs {lb}");
            prop_assert!((ga.x - gb.x).abs() <= 1e-10 * gscale, "{src}: {ga:?} vs {gb:?}");
            prop_assert!((ga.y - gb.y).abs() <= 1e-10 * gscale, "{src}: {ga:?} vs {gb:?}");
        }
    }
}

#[test]
fn quadratic_with_condition_10_and_angle_0_is_x2_plus_10y2() {
    let mut named = Named::new("quadratic").unwrap();
    assert!(named.set_param("condition", 10.0));
    assert!(named.set_param("angle", 0.0));
    let named = Surface::Named(named);
    let expr = Surface::expr("x^2 + 10*y^2").unwrap();
    for p in [
        (0.0, 0.0),
        (1.0, 1.0),
        (-2.0, 1.5),
        (0.3, -0.7),
        (1e3, -2e-3),
    ] {
        let p = Vec2::from([p.0, p.1]);
        let (la, ga, ha) = named.hessian(p);
        let (lb, gb, hb) = expr.hessian(p);
        assert_eq!(la, lb, "L at {p:?}");
        assert_eq!(ga, gb, "∇L at {p:?}");
        assert_eq!(ha, hb, "∇²L at {p:?}");
        assert_eq!((hb.a, hb.b, hb.c, hb.d), (2.0, 0.0, 0.0, 20.0));
        assert_eq!(gb, Vec2::new(2.0 * p.x, 20.0 * p.y));
    }
}

#[test]
fn known_minima_are_stationary_and_lowest_nearby() {
    for info in LIBRARY {
        let s = Surface::named(info.name).unwrap();
        for m in s.minima() {
            let (l, g) = s.grad(m);
            // The minima are given to ~16 digits; the gradient there is at rounding level
            // (Ackley's minimum is the tip of a cone, where the gradient is undefined).
            if info.name != "ackley" {
                assert!(
                    g.norm() <= 1e-6 * (1.0 + l.abs()),
                    "{} at {m:?}: ∇L = {g:?}",
                    info.name
                );
            }
            for (dx, dy) in [(1e-3, 0.0), (-1e-3, 0.0), (0.0, 1e-3), (0.0, -1e-3)] {
                let q = Vec2::new(m.x + dx, m.y + dy);
                assert!(s.value(q) > l, "{} is not a minimum at {m:?}", info.name);
            }
        }
    }
}

#[test]
fn library_is_consistent() {
    assert_eq!(LIBRARY.len(), 16);
    for (i, info) in LIBRARY.iter().enumerate() {
        assert!(
            LIBRARY[..i].iter().all(|o| o.name != info.name),
            "{} twice",
            info.name
        );
        let s = Surface::named(info.name).unwrap();
        assert_eq!(s.view(), info.view);
        let [x0, x1, y0, y1] = info.view;
        assert!(x0 < x1 && y0 < y1);
        let [sx, sy] = info.start;
        assert!(
            (x0..=x1).contains(&sx) && (y0..=y1).contains(&sy),
            "{}'s start outside its view",
            info.name
        );
        assert!(s.value(Vec2::new(sx, sy)).is_finite());
        assert!(Expr::parse(info.formula).is_ok());
    }
    assert!(Surface::named("nope").is_none());
    assert!(Surface::expr("x").unwrap().info().is_none());
    assert!(Surface::expr("x").unwrap().minima().is_empty());
}

#[test]
fn rosenbrock_minimum_follows_its_parameter() {
    let mut n = Named::new("rosenbrock").unwrap();
    assert!(n.set_param("a", -1.5));
    assert!(!n.set_param("c", 1.0));
    assert_eq!(n.minima(), vec![Vec2::new(-1.5, 2.25)]);
    let s = Surface::Named(n);
    assert_eq!(s.grad(Vec2::new(-1.5, 2.25)), (0.0, Vec2::ZERO));
}

#[test]
fn grid_is_row_major_from_the_top_at_cell_centres() {
    let s = Surface::expr("x + 10*y").unwrap();
    let mut out = vec![123.0; 3];
    s.grid([0.0, 4.0, 0.0, 2.0], 4, 2, &mut out);
    // Cell centres: x = 0.5, 1.5, 2.5, 3.5; row 0 at y = 1.5, row 1 at y = 0.5.
    assert_eq!(out, vec![15.5, 16.5, 17.5, 18.5, 5.5, 6.5, 7.5, 8.5]);
    let named = Surface::named("himmelblau").unwrap();
    named.grid(named.view(), 7, 5, &mut out);
    assert_eq!(out.len(), 35);
    let [x0, x1, y0, y1] = named.view();
    let (dx, dy) = ((x1 - x0) / 7.0, (y1 - y0) / 5.0);
    for j in 0..5 {
        for i in 0..7 {
            let p = Vec2::new(x0 + (i as f64 + 0.5) * dx, y1 - (j as f64 + 0.5) * dy);
            assert_eq!(out[j * 7 + i], named.value(p));
        }
    }
}
