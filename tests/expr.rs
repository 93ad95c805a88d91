//! The expression grammar of the spec ("Surfaces as expressions"): precedence, associativity,
//! numbers, names, derivatives at kinks, and errors that never panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

use optimizer_playground::surface::{Expr, Surface, MAX_DEPTH, MAX_LEN};
use optimizer_playground::Vec2;
use proptest::prelude::*;

fn val(src: &str, x: f64, y: f64) -> f64 {
    Expr::parse(src)
        .unwrap_or_else(|e| panic!("{src:?} should parse: {e}"))
        .eval(x, y)
}

fn c(src: &str) -> f64 {
    val(src, 0.0, 0.0)
}

fn grad(src: &str, x: f64, y: f64) -> (f64, Vec2) {
    Surface::expr(src)
        .unwrap_or_else(|e| panic!("{src:?} should parse: {e}"))
        .grad(Vec2::new(x, y))
}

fn err(src: &str) -> String {
    match Expr::parse(src) {
        Ok(_) => panic!("{src:?} should be rejected"),
        Err(e) => e.to_string(),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-15 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn power_is_right_associative_and_binds_tighter_than_unary_minus() {
    assert_eq!(c("2^3^2"), 512.0);
    assert_eq!(c("(2^3)^2"), 64.0);
    assert_eq!(c("2^-1"), 0.5);
    assert_eq!(c("2^-1^2"), 0.5); // 2^(-(1^2))
    assert_eq!(c("-2^2"), -4.0);
    assert_eq!(val("-x^2", 3.0, 0.0), -9.0);
    assert_eq!(val("-x^2", -3.0, 0.0), -9.0);
    assert_eq!(c("(-2)^2"), 4.0);
    assert_eq!(c("--2"), 2.0);
    assert_eq!(c("2**3**2"), 512.0);
    assert_eq!(val("x**y", 2.0, 3.0), val("x^y", 2.0, 3.0));
    assert_eq!(val("x ** 2", 1.5, 0.0), 2.25);
}

#[test]
fn products_bind_tighter_than_sums_and_both_are_left_associative() {
    assert_eq!(c("1 + 2 * 3"), 7.0);
    assert_eq!(c("(1 + 2) * 3"), 9.0);
    assert_eq!(c("10 - 4 - 3"), 3.0);
    assert_eq!(c("10 - (4 - 3)"), 9.0);
    assert_eq!(c("64 / 4 / 2"), 8.0);
    assert_eq!(c("64 / (4 / 2)"), 32.0);
    assert_eq!(c("2 * 3 ^ 2"), 18.0);
    assert_eq!(c("8 / 2 * 4"), 16.0);
    assert_eq!(val("x - y - 1", 5.0, 2.0), 2.0);
    assert_eq!(val("x / y / 2", 12.0, 3.0), 2.0);
}

#[test]
fn unary_minus_after_an_operator() {
    assert_eq!(val("x*-y", 2.0, 3.0), -6.0);
    assert_eq!(val("x/-y", 6.0, 3.0), -2.0);
    assert_eq!(val("x - -y", 2.0, 3.0), 5.0);
    assert_eq!(val("x + -y", 2.0, 3.0), -1.0);
    assert_eq!(val("-x*y", 2.0, 3.0), -6.0);
}

#[test]
fn numbers() {
    assert_eq!(c(".5"), 0.5);
    assert_eq!(c("1."), 1.0);
    assert_eq!(c("1e-3"), 1e-3);
    assert_eq!(c("2E+2"), 200.0);
    assert_eq!(c("2e2"), 200.0);
    assert_eq!(c(".5e1"), 5.0);
    assert_eq!(c("1.e1"), 10.0);
    assert_eq!(c("007"), 7.0);
    assert_eq!(c("1.25"), 1.25);
    assert_eq!(c(" \t1 +\t2 "), 3.0);
}

#[test]
fn constants_and_functions() {
    assert_eq!(c("pi"), std::f64::consts::PI);
    assert_eq!(c("e"), std::f64::consts::E);
    assert!(close(c("2*pi"), 2.0 * std::f64::consts::PI));
    for x in [0.3, 1.0, 2.5, 17.0] {
        assert_eq!(val("log(x)", x, 0.0), val("ln(x)", x, 0.0));
        assert!(close(val("ln(x)", x, 0.0), x.ln()));
        assert!(close(val("exp(x)", x, 0.0), x.exp()));
        assert!(close(val("sqrt(x)", x, 0.0), x.sqrt()));
        assert!(close(val("sin(x)", x, 0.0), x.sin()));
        assert!(close(val("cos(x)", x, 0.0), x.cos()));
        assert!(close(val("tan(x)", x, 0.0), x.tan()));
        assert!(close(val("tanh(x)", x, 0.0), x.tanh()));
        assert!(close(val("sinh(x)", x, 0.0), x.sinh()));
        assert!(close(val("cosh(x)", x, 0.0), x.cosh()));
        assert!(close(val("atan(x)", x, 0.0), x.atan()));
    }
    assert!(close(c("ln(e)"), 1.0));
    assert_eq!(val("abs(x)", -2.5, 0.0), 2.5);
    assert_eq!(val("abs(x)", 2.5, 0.0), 2.5);
    assert_eq!(val("min(x, y)", 1.0, 2.0), 1.0);
    assert_eq!(val("min(x, y)", 3.0, 2.0), 2.0);
    assert_eq!(val("max(x, y)", 1.0, 2.0), 2.0);
    assert_eq!(val("max(x, y)", 3.0, 2.0), 3.0);
    assert_eq!(val("max(x - 1, 2*y)", 5.0, 1.0), 4.0);
}

#[test]
fn integer_powers_work_on_negative_bases() {
    assert_eq!(val("x^2", -1.5, 0.0), 2.25);
    assert_eq!(val("x^3", -2.0, 0.0), -8.0);
    assert_eq!(val("x^-1", -4.0, 0.0), -0.25);
    assert_eq!(val("x^(4/2)", -3.0, 0.0), 9.0);
    // The derivative too: d/dx x^3 = 3x² = 12 at -2; d/dx x^-1 = -1/x² at -4.
    assert_eq!(grad("x^3", -2.0, 0.0).1, Vec2::new(12.0, 0.0));
    assert_eq!(grad("x^-1", -4.0, 0.0).1, Vec2::new(-0.0625, 0.0));
    // A non-integer constant exponent of a negative base is not a real number.
    assert!(val("x^0.5", -1.0, 0.0).is_nan());
}

#[test]
fn variable_exponent_is_exp_of_b_ln_a() {
    for (x, y) in [(2.0, 3.0), (0.7, -1.3), (5.0, 0.25)] {
        let (l, g) = grad("x^y", x, y);
        let want = (y * f64::ln(x)).exp();
        assert!(close(l, want), "{l} vs {want}");
        // ∂/∂x = y x^(y-1), ∂/∂y = x^y ln x
        assert!((g.x - y * x.powf(y - 1.0)).abs() <= 1e-13 * g.x.abs().max(1.0));
        assert!((g.y - want * x.ln()).abs() <= 1e-13 * g.y.abs().max(1.0));
    }
    // exp(y ln x) is undefined for x < 0 even with an integer y.
    assert!(val("x^y", -2.0, 2.0).is_nan());
}

#[test]
fn derivatives_at_kinks() {
    // abs'(0) = 0.
    assert_eq!(grad("abs(x)", 0.0, 1.0).1, Vec2::new(0.0, 0.0));
    assert_eq!(grad("abs(x) + abs(y)", 0.0, 0.0).1, Vec2::new(0.0, 0.0));
    assert_eq!(grad("abs(x)", -2.0, 0.0).1, Vec2::new(-1.0, 0.0));
    assert_eq!(grad("abs(x)", 2.0, 0.0).1, Vec2::new(1.0, 0.0));
    // min and max take the first argument's derivative on a tie.
    assert_eq!(grad("max(x, y)", 1.0, 1.0).1, Vec2::new(1.0, 0.0));
    assert_eq!(grad("max(y, x)", 1.0, 1.0).1, Vec2::new(0.0, 1.0));
    assert_eq!(grad("min(x, y)", 1.0, 1.0).1, Vec2::new(1.0, 0.0));
    assert_eq!(grad("min(y, x)", 1.0, 1.0).1, Vec2::new(0.0, 1.0));
    assert_eq!(grad("max(2*x, 3*y)", 3.0, 2.0).1, Vec2::new(2.0, 0.0));
    assert_eq!(grad("min(2*x, 3*y)", 3.0, 2.0).1, Vec2::new(2.0, 0.0));
    // Off the tie, the larger (smaller) argument's derivative.
    assert_eq!(grad("max(x, y)", 1.0, 2.0).1, Vec2::new(0.0, 1.0));
    assert_eq!(grad("min(x, y)", 1.0, 2.0).1, Vec2::new(1.0, 0.0));
    // And second derivatives through abs: abs(x)^3 has Hessian 6|x| in xx.
    let s = Surface::expr("abs(x)^3").unwrap();
    let (_, _, h) = s.hessian(Vec2::new(-2.0, 0.0));
    assert_eq!((h.a, h.b, h.c, h.d), (12.0, 0.0, 0.0, 0.0));
}

#[test]
fn is_constant_and_source() {
    let e = Expr::parse("2*pi + sin(1)").unwrap();
    assert!(e.is_constant());
    assert_eq!(e.source(), "2*pi + sin(1)");
    assert!(!Expr::parse("x").unwrap().is_constant());
    assert!(!Expr::parse("0*y").unwrap().is_constant());
}

#[test]
fn error_messages_name_the_column() {
    assert_eq!(err("1 + sinn(x)"), "unknown function 'sinn' at column 5");
    assert_eq!(
        err("2x"),
        "unexpected 'x' right after the number 2 (no implicit multiplication: write 2*x) at column 2"
    );
    assert_eq!(
        err("2e"),
        "unexpected 'e' right after the number 2 (no implicit multiplication: write 2*e) at column 2"
    );
    assert_eq!(
        err("x + z"),
        "unknown variable 'z' (the variables are x and y) at column 5"
    );
    assert_eq!(
        err("X^2"),
        "unknown variable 'X' (the variables are x and y) at column 1"
    );
    assert_eq!(
        err("(x + 1"),
        "expected ')', found the end of the expression at column 7"
    );
    assert_eq!(
        err("x + 1)"),
        "expected an operator or the end, found ')' at column 6"
    );
    assert_eq!(
        err(""),
        "unexpected end: expected a number, x, y, a function or '(' at column 1"
    );
    assert_eq!(
        err("x +"),
        "unexpected end: expected a number, x, y, a function or '(' at column 4"
    );
    assert_eq!(
        err("x * / y"),
        "expected a number, x, y, a function or '(', found '/' at column 5"
    );
    assert_eq!(err("sin(x, y)"), "'sin' takes one argument at column 6");
    assert_eq!(
        err("max(x)"),
        "expected ',' ('max' takes two arguments), found ')' at column 6"
    );
    assert_eq!(err("x $ y"), "unexpected character '$' at column 3");
    assert_eq!(err("sin x"), "expected '(' after 'sin' at column 5");
    assert_eq!(err("."), "expected a digit after '.' at column 1");
    assert_eq!(
        err("x(y)"),
        "'x' is not a function (no implicit multiplication: write x*(…)) at column 1"
    );
    // Columns count characters, not bytes.
    assert_eq!(
        err("é + x"),
        "unknown variable 'é' (the variables are x and y) at column 1"
    );
    assert_eq!(err("x + é$"), "unexpected character '$' at column 6");
    assert_eq!(
        err("1 2"),
        "expected an operator or the end, found the number 2 at column 3"
    );
}

#[test]
fn error_struct_has_column_and_message() {
    let e = Expr::parse("1 + sinn(x)").unwrap_err();
    assert_eq!(e.column, 5);
    assert_eq!(e.message, "unknown function 'sinn'");
}

#[test]
fn too_long_input_is_rejected() {
    let ok = format!("x{}", "+1".repeat((MAX_LEN - 1) / 2));
    assert!(ok.len() <= MAX_LEN);
    assert!(Expr::parse(&ok).is_ok());
    let long = format!("x{}", "+1".repeat(MAX_LEN / 2));
    assert!(long.len() > MAX_LEN);
    let e = Expr::parse(&long).unwrap_err();
    assert!(e.message.contains("too long"), "{e}");
    assert!(Expr::parse(&"(".repeat(10_000)).is_err());
    assert!(Expr::parse(&"-".repeat(10_000)).is_err());
}

#[test]
fn deep_nesting_is_rejected_without_panicking() {
    let nested = |n: usize| format!("{}x{}", "(".repeat(n), ")".repeat(n));
    // Within the limit the expression works ...
    assert_eq!(val(&nested(MAX_DEPTH / 2 - 1), 3.0, 0.0), 3.0);
    // ... beyond it, an error (and never a stack overflow).
    for src in [
        nested(MAX_DEPTH + 1),
        nested(400),
        "(".repeat(999),
        format!("{}x", "-".repeat(999)),
        format!("x{}", "^x".repeat(499)),
        format!("x{}", "^-x".repeat(332)),
        format!("{}x{}", "sin(".repeat(199), ")".repeat(199)),
        format!("{}x{}", "max(x,".repeat(140), ")".repeat(140)),
    ] {
        assert!(src.len() <= MAX_LEN, "keep the input under MAX_LEN");
        let e = Expr::parse(&src).unwrap_err();
        assert!(e.message.contains("nested too deeply"), "{e}");
    }
    // The deepest chains within the limit evaluate (a chain of variable powers needs one stack
    // slot per level).
    let tower = format!("x{}", "^y".repeat(40));
    let s = Surface::expr(&tower).unwrap();
    assert_eq!(s.value(Vec2::new(1.0, 0.5)), 1.0);
    assert_eq!(s.grad(Vec2::new(1.0, 0.5)).0, 1.0);
    assert_eq!(val(&format!("{}x", "-".repeat(40)), 3.0, 0.0), 3.0);
    assert_eq!(val(&format!("{}x", "-".repeat(41)), 3.0, 0.0), -3.0);
    // Long but flat expressions are fine.
    let flat = format!("x{}", "+x*y-1".repeat(160));
    assert!(flat.len() <= MAX_LEN);
    let e = Expr::parse(&flat).unwrap();
    assert_eq!(e.eval(2.0, 3.0), 2.0 + 160.0 * 5.0);
}

fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "0", "1", "2", "7", "9", "x", "y", "+", "-", "*", "/", "^", "**", "(", ")", ",", ".", "e",
        "E", "sin", "cos", "max", "min", "ln", " ",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Random token soup never panics the parser, and whatever parses evaluates (in f64, in
    /// the gradient's and the Hessian's dual numbers) without panicking.
    #[test]
    fn random_strings_never_panic(toks in prop::collection::vec(token(), 0..40),
                                  x in -3.0..3.0f64, y in -3.0..3.0f64) {
        let src: String = toks.concat();
        match Expr::parse(&src) {
            Ok(e) => {
                let v = e.eval(x, y);
                let s = Surface::Expr(e);
                let (l, _) = s.grad(Vec2::new(x, y));
                let (l2, _, _) = s.hessian(Vec2::new(x, y));
                prop_assert!(v.to_bits() == l.to_bits() || (v.is_nan() && l.is_nan()));
                prop_assert!(l.to_bits() == l2.to_bits() || (l.is_nan() && l2.is_nan()));
            }
            Err(e) => {
                prop_assert!(e.column >= 1 && e.column <= src.chars().count() + 1,
                    "column {} out of range for {:?}", e.column, src);
                prop_assert!(!e.message.is_empty());
            }
        }
    }

    /// Well-formed sums and products of random constants evaluate as written.
    #[test]
    fn arithmetic_of_random_constants(a in 0.0..100.0f64, b in 0.5..100.0f64, c in 0.5..100.0f64) {
        let v = |s: String| Expr::parse(&s).unwrap().eval(0.0, 0.0);
        prop_assert_eq!(v(format!("{a:?} - {b:?} - {c:?}")), a - b - c);
        prop_assert_eq!(v(format!("{a:?} / {b:?} / {c:?}")), a / b / c);
        prop_assert_eq!(v(format!("{a:?} + {b:?} * {c:?}")), a + b * c);
        prop_assert_eq!(v(format!("{a:?} * -{b:?}")), -(a * b));
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// The block evaluator (the colour map's path) gives the per-point evaluator's bits.
    #[test]
    fn eval_many_matches_eval(xs in proptest::collection::vec(-3.0f64..3.0, 1..600), y in -3.0f64..3.0) {
        for src in [
            "(1-x)^2 + 100*(y-x^2)^2",
            "2/x - 3/(y+0.5) + 1.5*x*y - 7 + max(x, y)^3 - min(2, x)",
            "sin(3*x)*exp(-y^2) + sqrt(abs(x)) + atan(y)/tanh(x+0.1) + x^y + (-x)^-3 + x^2.5",
        ] {
            let e = optimizer_playground::surface::Expr::parse(src).unwrap();
            let ys = vec![y; xs.len()];
            let mut out = vec![0.0; xs.len()];
            e.eval_many(&xs, &ys, &mut out);
            for (i, &x) in xs.iter().enumerate() {
                let want: f64 = e.eval(x, y);
                proptest::prop_assert!(want.to_bits() == out[i].to_bits() || (want.is_nan() && out[i].is_nan()), "{src} at ({x}, {y}): {want} vs {}", out[i]);
            }
        }
    }
}

/// The colour map's grid (`Surface::grid`, which evaluates a part that depends on x alone once
/// per column and one on y alone once per row) gives every cell the bits of a point-by-point
/// evaluation, on expressions that split every way: wholly separable, mixed, constant, x or y
/// alone, a y-only part inside a mixed one, parts under functions, min/max and powers.
#[test]
fn the_grid_gives_each_cell_the_bits_of_its_point() {
    let sources = [
        "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
        "(1-x)^2 + 100*(y-x^2)^2",
        "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        "sin(x)*cos(y) + x*y",
        "max(x, y)^2 + exp(-y) / (1 + x^2)",
        "exp(-(x^2 + y^2)) * (2 + sin(3*y)) ^ (x / 4)",
        "3.5",
        "x",
        "-y",
        "y^3 - 2*y",
        "ln(1 + x^2) * tanh(y - 1) - sqrt(abs(x*y)) + min(cos(x), sin(y))^2",
        // A part of x or y alone on the left of a mixed part, for each operation.
        "x^2 - x*y",
        "cos(y) / (1 + x*y)",
        "exp(x) + x*y",
        "(y - 1) * (x + y)",
        "x*y - y^2 + x / (x + y)",
    ];
    let view = [-2.3, 1.9, -1.7, 2.6];
    let (nx, ny) = (301, 7);
    for src in sources {
        grid_matches_points(&Surface::expr(src).unwrap(), view, nx, ny, src);
    }
}

/// `Surface::grid` over `view` gives each cell's centre the bits of `value` there.
fn grid_matches_points(s: &Surface, view: [f64; 4], nx: usize, ny: usize, what: &str) {
    let mut grid = Vec::new();
    s.grid(view, nx, ny, &mut grid);
    assert_eq!(grid.len(), nx * ny);
    let (dx, dy) = (
        (view[1] - view[0]) / nx as f64,
        (view[3] - view[2]) / ny as f64,
    );
    for j in 0..ny {
        let y = view[3] - (j as f64 + 0.5) * dy;
        for i in 0..nx {
            let x = view[0] + (i as f64 + 0.5) * dx;
            let (want, got) = (s.value(Vec2::new(x, y)), grid[j * nx + i]);
            assert!(
                want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()),
                "{what}: cell ({i}, {j}) is {got}, the point gives {want}"
            );
        }
    }
}

/// Every named surface's colour-map grid gives each cell the bits of `value` at its centre,
/// including those whose grid goes through their formula in the expression grammar
/// (`Named::grid_expr`: Rastrigin, here also with another `a`, Ackley, Levi), over their own
/// views and a view off to one side.
#[test]
fn named_surfaces_grids_give_each_cell_the_bits_of_its_point() {
    use optimizer_playground::surface::LIBRARY;
    let mut surfaces: Vec<Surface> = LIBRARY
        .iter()
        .map(|i| Surface::named(i.name).unwrap())
        .collect();
    let mut other = Surface::named("rastrigin").unwrap();
    if let Surface::Named(n) = &mut other {
        assert!(n.set_param("a", 7.3));
    }
    surfaces.push(other);
    let mut with_form = 0;
    for s in &surfaces {
        if let Surface::Named(n) = s {
            with_form += usize::from(n.grid_expr().is_some());
        }
        let own = s.view();
        let name = s.info().map_or("?", |i| i.name);
        for view in [
            own,
            [
                own[0] + 0.37,
                own[1] * 0.5 + 0.1,
                own[2] - 1.3,
                own[3] - 0.2,
            ],
        ] {
            grid_matches_points(s, view, 263, 9, name);
        }
    }
    assert_eq!(
        with_form, 4,
        "Rastrigin (twice), Ackley and Levi go through expressions"
    );
}
