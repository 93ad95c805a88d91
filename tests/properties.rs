//! The fuzz targets' invariants (`fuzz/`) as properties of the ordinary test suite:
//!
//! - expressions built from the grammar parse, evaluate per point (value, gradient, Hessian)
//!   with the same value bits, and the block evaluator (`Expr::eval_many`, `Surface::grid`)
//!   gives the per-point evaluator's bits, NaN for NaN;
//! - scenarios over a small space of surfaces, data sets, optimizers with hyper-parameters in and
//!   slightly out of range, schedules and clipping are accepted exactly when every value is in
//!   range (a rejection is one line); an accepted one runs, its traces print as valid JSON, and
//!   written back as JSON it reads as the same scenario and runs to the same bits;
//! - any finite field and series (extremes included) draws, the charts and the whole map, into
//!   a backend that discards it, and returns (a hang times the test out).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

use optimizer_playground::optim::{Valid, OPTIMIZERS};
use optimizer_playground::render::chart::{self, ChartStyle, Look, Series};
use optimizer_playground::render::colormap::Lut;
use optimizer_playground::render::map::{self, MapBase, MapStyle, RunMark};
use optimizer_playground::render::null::NullBackend;
use optimizer_playground::render::view::Viewport;
use optimizer_playground::render::Field;
use optimizer_playground::run::{Session, Trace};
use optimizer_playground::scenario::Scenario;
use optimizer_playground::surface::{Expr, Surface, LIBRARY, MAX_LEN};
use optimizer_playground::Vec2;
use plotters::prelude::{IntoDrawingArea, RGBColor};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Map, Value};

/// `cases` cases, and no regression files beside the tests (a failure prints its minimal
/// input).
fn props(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

// ================================================================ expressions

/// A number as the grammar writes it.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "0", "1", "2", "3", "10", "0.5", ".5", "7.", "2.25", "1e-3", "1E3", "2.5e+2", "1e308",
            "1e-320", "100", "0.1",
        ])
        .prop_map(String::from),
        (0.0..50.0f64).prop_map(|v| format!("{v:?}")),
    ]
}

/// Expressions from the grammar: numbers, x, y, pi, e, + - * / ^ **, unary minus, the functions
/// and min/max, parentheses, with or without spaces.
fn expr_src() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        3 => number(),
        3 => Just("x".to_string()),
        3 => Just("y".to_string()),
        1 => Just("pi".to_string()),
        1 => Just("e".to_string()),
    ];
    leaf.prop_recursive(5, 40, 2, |inner| {
        prop_oneof![
            4 => (
                inner.clone(),
                select(vec!["+", "-", "*", "/", "^", "**"]),
                inner.clone(),
                any::<bool>(),
            )
                .prop_map(|(a, op, b, sp)| if sp {
                    format!("{a} {op} {b}")
                } else {
                    format!("{a}{op}{b}")
                }),
            1 => inner.clone().prop_map(|a| format!("-{a}")),
            2 => inner.clone().prop_map(|a| format!("({a})")),
            2 => (
                select(vec![
                    "sin", "cos", "tan", "exp", "ln", "log", "sqrt", "abs", "tanh", "sinh", "cosh",
                    "atan",
                ]),
                inner.clone(),
            )
                .prop_map(|(f, a)| format!("{f}({a})")),
            1 => (select(vec!["min", "max"]), inner.clone(), inner)
                .prop_map(|(f, a, b)| format!("{f}({a}, {b})")),
        ]
    })
}

/// Any coordinate: ordinary ones mostly, and NaN, ±∞, ±0, extremes and subnormals.
fn coord() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => -5.0..5.0f64,
        1 => select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            1.7e308,
            -1.7e308,
            5e-324,
            -1e-310,
            1e15,
        ]),
        1 => any::<f64>(),
    ]
}

/// A view box: mostly ordered and ordinary, sometimes inverted, degenerate or extreme.
fn view() -> impl Strategy<Value = [f64; 4]> {
    prop_oneof![
        4 => (-4.0..0.0f64, 0.01..4.0f64, -4.0..0.0f64, 0.01..4.0f64)
            .prop_map(|(a, w, b, h)| [a, a + w, b, b + h]),
        1 => (coord(), coord(), coord(), coord()).prop_map(|(a, b, c, d)| [a, b, c, d]),
    ]
}

proptest! {
    #![proptest_config(props(128))]

    /// Grammar expressions parse; value, gradient and Hessian agree on the value's bits; the
    /// block evaluator gives the per-point bits at any points and at a grid's cell centres
    /// (rows sometimes longer than its 256-point blocks).
    #[test]
    fn expressions_evaluate_alike_per_point_and_in_blocks(
        src in expr_src(),
        pts in prop::collection::vec((coord(), coord()), 1..12),
        view in view(),
        nx in prop_oneof![1usize..24, 250usize..300],
        ny in 1usize..4,
    ) {
        let parsed = Expr::parse(&src);
        if src.len() > MAX_LEN {
            prop_assert!(parsed.is_err());
            return Ok(());
        }
        let expr = match parsed {
            Ok(e) => e,
            Err(e) => return Err(TestCaseError::fail(format!("{src:?} from the grammar: {e}"))),
        };
        let s = Surface::Expr(expr.clone());
        for &(x, y) in &pts {
            let p = Vec2::new(x, y);
            let v = s.value(p);
            let (l, _) = s.grad(p);
            let (l2, _, _) = s.hessian(p);
            prop_assert!(same(v, l) && same(v, l2), "{src:?} at {p:?}: {v}, {l}, {l2}");
        }
        let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
        let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
        let mut out = vec![0.0; pts.len()];
        expr.eval_many(&xs, &ys, &mut out);
        for (&(x, y), &o) in pts.iter().zip(&out) {
            let want: f64 = expr.eval(x, y);
            prop_assert!(same(want, o), "{src:?} at ({x}, {y}): eval {want}, eval_many {o}");
        }
        let mut grid = Vec::new();
        s.grid(view, nx, ny, &mut grid);
        prop_assert_eq!(grid.len(), nx * ny);
        let [x0, x1, y0, y1] = view;
        let (dx, dy) = ((x1 - x0) / nx as f64, (y1 - y0) / ny as f64);
        for j in 0..ny {
            let y = y1 - (j as f64 + 0.5) * dy;
            for i in 0..nx {
                let x = x0 + (i as f64 + 0.5) * dx;
                let (want, got) = (s.value(Vec2::new(x, y)), grid[j * nx + i]);
                prop_assert!(same(want, got), "{src:?}: cell ({i}, {j}) at ({x}, {y}) is {got}, value {want}");
            }
        }
    }
}

// ================================================================ scenarios

/// A JSON value and whether it is valid where it stands.
type Part = (Value, bool);

/// A number for a field that accepts `valid`: in range (mostly) or just out of it.
fn number_in(valid: Valid) -> impl Strategy<Value = Part> {
    let (inside, outside): (BoxedStrategy<f64>, Vec<f64>) = match valid {
        Valid::Positive => (
            (-6.0..1.0f64).prop_map(|e| 10f64.powf(e)).boxed(),
            vec![0.0, -0.1],
        ),
        Valid::NonNegative => (
            prop_oneof![Just(0.0), (-6.0..0.0f64).prop_map(|e| 10f64.powf(e))].boxed(),
            vec![-1e-9, -1.0],
        ),
        Valid::ZeroToBelowOne => (
            prop_oneof![Just(0.0), 0.0..0.9999f64].boxed(),
            vec![1.0, 1.2, -0.1],
        ),
        Valid::AboveZeroToOne => (
            prop_oneof![Just(1.0), 0.01..1.0f64].boxed(),
            vec![0.0, 1.5, -0.5],
        ),
        Valid::Integer { max } => (
            (1..=max.min(20)).prop_map(f64::from).boxed(),
            vec![0.0, 2.5, f64::from(max) + 1.0],
        ),
    };
    prop_oneof![
        19 => inside.prop_map(|v| (json!(v), true)),
        1 => select(outside).prop_map(|v| (json!(v), false)),
    ]
}

/// An optimizer's configuration (`wrapped`: inside lookahead), and whether it is first-order.
fn optimizer(wrapped: bool) -> BoxedStrategy<(Value, bool, bool)> {
    let kinds: Vec<usize> = (0..OPTIMIZERS.len())
        .filter(|&i| !(wrapped && (OPTIMIZERS[i].wraps || !OPTIMIZERS[i].first_order)))
        .collect();
    select(kinds)
        .prop_flat_map(move |i| {
            let info = &OPTIMIZERS[i];
            let params: Vec<_> = info
                .params
                .iter()
                .map(|spec| {
                    // A required value is nearly always given, an optional one half the time.
                    let give = if spec.default.is_none() { 0.95 } else { 0.5 };
                    (prop::bool::weighted(give), number_in(spec.valid))
                        .prop_map(move |(g, v)| (spec.name, g, v))
                })
                .collect();
            let line_search = select(vec![None, Some("wolfe"), Some("armijo"), Some("none")]);
            let inner = if info.wraps {
                prop::option::weighted(0.95, optimizer(true)).boxed()
            } else {
                Just(None).boxed()
            };
            // Sometimes a hyper-parameter this optimizer does not take.
            let stray = prop::option::weighted(
                0.05,
                select(vec!["momentum", "memory", "k", "damping", "beta2"]),
            );
            (Just(i), params, line_search, inner, stray)
        })
        .prop_map(|(i, params, line_search, inner, stray)| {
            let info = &OPTIMIZERS[i];
            let mut m = Map::new();
            m.insert("name".into(), json!(info.name));
            let mut ok = true;
            for (name, give, (v, valid)) in params {
                if give {
                    m.insert(name.into(), v);
                    ok &= valid;
                } else {
                    ok &= info
                        .params
                        .iter()
                        .any(|s| s.name == name && s.default.is_some());
                }
            }
            if info.line_search {
                if let Some(ls) = line_search {
                    m.insert("line_search".into(), json!(ls));
                }
            }
            if info.wraps {
                match inner {
                    Some((v, valid, _)) => {
                        m.insert("inner".into(), v);
                        ok &= valid;
                    }
                    None => ok = false,
                }
            }
            if let Some(p) = stray {
                if !info.params.iter().any(|s| s.name == p) {
                    m.insert(p.into(), json!(1.0));
                    ok = false;
                }
            }
            (Value::Object(m), ok, info.first_order)
        })
        .boxed()
}

fn schedule() -> impl Strategy<Value = Part> {
    // Integers ≥ 1 (0 is out of range for step_size, t_0, t_mult), positive and non-negative
    // numbers, each in range nine times in ten.
    let int = || prop_oneof![9 => (1u64..60).prop_map(|v| (json!(v), true)), 1 => Just((json!(0), false))];
    let pos = || number_in(Valid::Positive);
    let nonneg = || number_in(Valid::NonNegative);
    let opt = |s: BoxedStrategy<Part>| prop::option::of(s);
    let warmup = prop::option::of(0u64..20);
    prop_oneof![
        Just(vec![("name", (json!("constant"), true))]),
        (int(), opt(pos().boxed())).prop_map(|(s, g)| {
            let mut f = vec![("name", (json!("step"), true)), ("step_size", s)];
            f.extend(g.map(|g| ("gamma", g)));
            f
        }),
        nonneg().prop_map(|d| vec![("name", (json!("exponential"), true)), ("decay", d)]),
        (pos(), opt(nonneg().boxed())).prop_map(|(t, l)| {
            let mut f = vec![("name", (json!("cosine"), true)), ("t_max", t)];
            f.extend(l.map(|l| ("lr_min", l)));
            f
        }),
        (int(), opt(int().boxed()), opt(nonneg().boxed())).prop_map(|(t, m, l)| {
            let mut f = vec![("name", (json!("warm_restarts"), true)), ("t_0", t)];
            f.extend(m.map(|m| ("t_mult", m)));
            f.extend(l.map(|l| ("lr_min", l)));
            f
        }),
    ]
    .prop_flat_map(move |fields| (Just(fields), warmup.clone()))
    .prop_map(|(fields, warmup): (Vec<(&str, Part)>, Option<u64>)| {
        let mut m = Map::new();
        let mut ok = true;
        for (k, (v, valid)) in fields {
            m.insert(k.into(), v);
            ok &= valid;
        }
        if let Some(w) = warmup {
            m.insert("warmup".into(), json!(w));
        }
        (Value::Object(m), ok)
    })
}

fn run() -> impl Strategy<Value = Part> {
    let positive = || number_in(Valid::Positive);
    (
        optimizer(false),
        prop::option::weighted(0.3, schedule()),
        prop::option::weighted(0.2, (any::<bool>(), positive())),
        prop::option::weighted(0.15, number_in(Valid::NonNegative)),
        prop::option::weighted(
            0.2,
            select(vec![
                ("#1f77b4", true),
                ("#abc", true),
                ("#0A0b0C", true),
                ("red", false),
            ]),
        ),
        prop::option::weighted(
            0.1,
            prop_oneof![9 => (1u32..40).prop_map(|b| (b, true)), 1 => Just((0, false))],
        ),
        prop::option::weighted(0.15, number_in(Valid::NonNegative)),
        (
            prop::option::of(any::<u64>()),
            prop::option::weighted(0.2, any::<bool>()),
        ),
        prop::option::weighted(
            0.1,
            prop_oneof![9 => Just(("Run", true)), 1 => Just(("", false))],
        ),
    )
        .prop_map(
            |(
                (opt, mut ok, first),
                sched,
                clip,
                l2,
                color,
                batch,
                noise,
                (seed, enabled),
                label,
            )| {
                let mut m = Map::new();
                m.insert("optimizer".into(), opt);
                if let Some((v, valid)) = sched {
                    m.insert("schedule".into(), v);
                    ok &= valid;
                }
                if let Some((norm, (v, valid))) = clip {
                    m.insert(
                        "clip".into(),
                        json!({ if norm { "norm" } else { "value" }: v }),
                    );
                    ok &= valid && first;
                }
                if let Some((v, valid)) = l2 {
                    ok &= valid && (first || v.as_f64() == Some(0.0));
                    m.insert("l2".into(), v);
                }
                if let Some((c, valid)) = color {
                    m.insert("color".into(), json!(c));
                    ok &= valid;
                }
                if let Some((b, valid)) = batch {
                    m.insert("batch_size".into(), json!(b));
                    ok &= valid;
                }
                if let Some((v, valid)) = noise {
                    m.insert("noise".into(), v);
                    ok &= valid;
                }
                if let Some(s) = seed {
                    m.insert("seed".into(), json!(s));
                }
                if let Some(e) = enabled {
                    m.insert("enabled".into(), json!(e));
                }
                if let Some((l, valid)) = label {
                    // 81 characters are too many.
                    let text = if valid { l.to_string() } else { "z".repeat(81) };
                    m.insert("label".into(), json!(text));
                    ok &= valid;
                }
                (Value::Object(m), ok)
            },
        )
}

/// `"surface"` or `"data"`, as a key and a value.
fn world() -> impl Strategy<Value = (&'static str, Part)> {
    let named = (0..LIBRARY.len())
        .prop_flat_map(|i| {
            let ps = LIBRARY[i].params;
            let param = if ps.is_empty() {
                Just(None).boxed()
            } else {
                prop::option::of((0..ps.len(), 0.0..=1.0f64, prop::bool::weighted(0.1))).boxed()
            };
            (Just(i), param)
        })
        .prop_map(|(i, param)| {
            let info = &LIBRARY[i];
            let mut s = json!({"name": info.name});
            let mut ok = true;
            if let Some((j, t, out)) = param {
                let p = &info.params[j];
                let v = if out {
                    2e6
                } else {
                    p.min + t * (p.max - p.min)
                };
                s["params"] = json!({ p.name: v });
                ok = !out;
            }
            ("surface", (s, ok))
        });
    let expr = prop_oneof![
        9 => expr_src().prop_map(|e| {
            let ok = e.len() <= MAX_LEN;
            ("surface", (json!({"expr": e}), ok))
        }),
        1 => Just(("surface", (json!({"expr": "1 + "}), false))),
    ];
    let data = (
        any::<bool>(),
        prop_oneof![9 => (2u32..60).prop_map(|n| (n, true)), 1 => Just((1, false))],
        0.0..3.0f64,
        any::<u64>(),
        prop_oneof![4 => Just("raw"), 4 => Just("standardized"), 1 => Just("batchnorm")],
    )
        .prop_map(|(linear, (n, n_ok), noise, seed, features)| {
            let kind = if linear { "linear" } else { "logistic" };
            let ok = n_ok && (linear || features != "batchnorm");
            let d =
                json!({"kind": kind, "n": n, "noise": noise, "seed": seed, "features": features});
            ("data", (d, ok))
        });
    prop_oneof![3 => named, 3 => expr, 2 => data]
}

fn scenario() -> impl Strategy<Value = Part> {
    (
        world(),
        prop_oneof![19 => (-3.0..3.0f64, -3.0..3.0f64).prop_map(|(x, y)| (json!([x, y]), true)),
                    1 => Just((json!([1e13, 0.0]), false))],
        prop_oneof![19 => (0u64..=60).prop_map(|s| (s, true)), 1 => Just((100_001, false))],
        prop::collection::vec(run(), 1..4),
        prop::option::weighted(
            0.2,
            prop_oneof![9 => (1u32..30).prop_map(|b| (b, true)), 1 => Just((0, false))],
        ),
    )
        .prop_map(
            |((key, (w, w_ok)), (start, start_ok), (steps, steps_ok), runs, batch)| {
                let mut ok = w_ok && start_ok && steps_ok;
                let mut m = Map::new();
                m.insert(key.into(), w);
                m.insert("start".into(), start);
                m.insert("steps".into(), json!(steps));
                let runs: Vec<Value> = runs
                    .into_iter()
                    .map(|(r, r_ok)| {
                        ok &= r_ok;
                        r
                    })
                    .collect();
                m.insert("runs".into(), Value::Array(runs));
                if let Some((b, b_ok)) = batch {
                    m.insert("batch_size".into(), json!(b));
                    ok &= b_ok;
                }
                (Value::Object(m), ok)
            },
        )
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn same_traces(a: &[Trace], b: &[Trace]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(s, t)| {
            let path = |t: &Trace| -> Vec<u64> {
                t.path
                    .iter()
                    .flat_map(|p| [p.x.to_bits(), p.y.to_bits()])
                    .collect()
            };
            s.label == t.label
                && path(s) == path(t)
                && bits(&s.loss) == bits(&t.loss)
                && bits(&s.lr) == bits(&t.lr)
                && bits(&s.grad_norm) == bits(&t.grad_norm)
                && bits(&s.batch_loss) == bits(&t.batch_loss)
                && s.evals == t.evals
                && s.diverged_at == t.diverged_at
        })
}

proptest! {
    #![proptest_config(props(256))]

    /// A scenario is accepted exactly when every value is in range; a rejection is one line; an
    /// accepted scenario runs, prints valid JSON, and reloads from its own JSON to the same
    /// scenario and the same bits.
    #[test]
    fn scenarios_are_accepted_in_range_and_reload_to_the_same_bits((v, valid) in scenario()) {
        let text = v.to_string();
        let sc = match Scenario::from_json(&text) {
            Err(e) => {
                prop_assert!(!valid, "rejected ({e}): {text}");
                prop_assert!(!e.is_empty() && !e.contains('\n'), "one line: {e:?}");
                return Ok(());
            }
            Ok(sc) => sc,
        };
        prop_assert!(valid, "accepted, though a value is out of range: {text}");
        let traces = Session::new(&sc).unwrap().finish();
        prop_assert_eq!(traces.len(), sc.runs.len());
        for t in &traces {
            prop_assert_eq!(t.loss.len(), t.path.len());
            prop_assert!(t.path.iter().all(|p| p.x.is_finite() && p.y.is_finite()));
        }
        let printed = serde_json::to_string(&json!({ "runs": traces })).unwrap();
        prop_assert!(serde_json::from_str::<Value>(&printed).is_ok(), "invalid JSON: {printed}");
        let json = sc.to_json();
        let again = Scenario::from_json(&json);
        prop_assert_eq!(again.as_ref(), Ok(&sc), "written back as {}", json);
        let traces2 = Session::new(&again.unwrap()).unwrap().finish();
        prop_assert!(same_traces(&traces, &traces2), "reloaded from {json}, other bits");
    }
}

// ================================================================ drawing

/// Finite numbers, extremes among them.
fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -10.0..10.0f64,
        2 => select(vec![
            0.0, -0.0, 1.0, 1.7e308, -1.7e308, f64::MAX, f64::MIN, f64::MIN_POSITIVE, 5e-324,
            -5e-324, 1e300, -1e300, 1e-300, 1.0000000000000002, 1e15, -1e9,
        ]),
        2 => any::<f64>().prop_map(|v| if v.is_finite() { v } else { f64::MAX.copysign(v) }),
    ]
}

/// A field's value: finite, or NaN and ±∞ where a surface is undefined.
fn field_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        12 => finite(),
        1 => select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
    ]
}

/// A field of any values (NaN and ±∞ among them) with the page's scale for them, logarithmic
/// or not.
fn field() -> impl Strategy<Value = Field> {
    (2usize..12, 2usize..12)
        .prop_flat_map(|(nx, ny)| {
            (
                Just((nx, ny)),
                prop::collection::vec(field_value(), nx * ny),
                prop_oneof![3 => view(), 1 => (finite(), finite(), finite(), finite()).prop_map(|(a, b, c, d)| [a, b, c, d])],
                any::<bool>(),
            )
        })
        .prop_map(|((nx, ny), values, view, log)| {
            // The page's scale for these values, then either kind of scale.
            let mut f = Field::from_values(view, nx, ny, values);
            f.log = log;
            f
        })
}

/// A series' points, its marker (`Some(i)`: the point i mod n, as the page marks its current
/// step), look and colour (`Series` itself has no `Debug`).
type SeriesParts = (Vec<(f64, f64)>, Option<usize>, Look, (u8, u8, u8));

fn one_series() -> impl Strategy<Value = SeriesParts> {
    (
        prop::collection::vec((finite(), finite()), 0..40),
        any::<bool>(),
        prop::option::of(any::<usize>()),
        select(vec![
            Look::Line,
            Look::Faint,
            Look::Bold,
            Look::Dots,
            Look::Dashed,
            Look::Rings,
        ]),
        any::<(u8, u8, u8)>(),
    )
        .prop_map(|(mut points, sorted, marker, look, (r, g, b))| {
            if sorted {
                points.sort_by(|p, q| p.0.total_cmp(&q.0));
            }
            (points, marker, look, (r, g, b))
        })
}

fn build_series(parts: Vec<SeriesParts>) -> Vec<Series> {
    parts
        .into_iter()
        .map(|(points, marker, look, (r, g, b))| Series {
            color: RGBColor(r, g, b),
            marker: marker.and_then(|i| points.get(i % points.len().max(1)).copied()),
            points,
            look,
            label: format!("run {r}"),
            diverged: (g % 3 == 0).then_some(u64::from(b)),
        })
        .collect()
}

/// The extent `[x0, x1, y0, y1]` of the points, if it has width and height.
fn extent(series: &[Series]) -> Option<[f64; 4]> {
    let pts = || series.iter().flat_map(|s| &s.points);
    let lo = |f: fn(&(f64, f64)) -> f64| pts().map(f).fold(f64::INFINITY, f64::min);
    let hi = |f: fn(&(f64, f64)) -> f64| pts().map(f).fold(f64::NEG_INFINITY, f64::max);
    let b = [lo(|p| p.0), hi(|p| p.0), lo(|p| p.1), hi(|p| p.1)];
    (b[0] < b[1] && b[2] < b[3]).then_some(b)
}

fn chart_style(
    range: Option<[f64; 4]>,
    log_y: bool,
    scale: f64,
    cursor: Option<f64>,
) -> ChartStyle<'static> {
    ChartStyle {
        title: "Loss L(θ)",
        x_label: "step",
        y_label: None,
        range,
        log_y,
        scale,
        cursor,
        background: Some(RGBColor(255, 255, 255)),
        legend: true,
        trim_x: true,
    }
}

proptest! {
    #![proptest_config(props(96))]

    /// The colour map's pixels are each value's colour on the field's scale (on a log scale
    /// they are found by comparing with the values where the colour steps, not by taking
    /// logarithms: the same colours, also for values at and next to those steps).
    #[test]
    fn colour_map_pixels_are_the_values_colours(
        field in field(),
        at_cuts in prop::collection::vec((1u32..256, -3i64..4), 0..40),
    ) {
        let mut f = field;
        // Values on and a few units in the last place around the colour steps.
        let n = f.values.len();
        for (i, &(k, ulps)) in at_cuts.iter().enumerate() {
            let c = f.denormalize((f64::from(k) - 0.5) / 255.0);
            if c.is_finite() {
                f.values[i % n] = f64::from_bits((c.to_bits() as i64 + ulps) as u64);
            }
        }
        let lut = Lut::viridis();
        let want: Vec<u8> = f
            .values
            .iter()
            .flat_map(|&v| {
                let t = f.normalize(v);
                let [r, g, b] = lut.at(t);
                [r, g, b, if t.is_nan() { 0 } else { 255 }]
            })
            .collect();
        prop_assert_eq!(f.rgba(), want);
    }

    /// Any finite series and any field draw and return: the charts as the page and the command
    /// line draw them (markers on points of their series, the cursor at one of their x, an
    /// explicit range only on a linear axis, covering the points), and the whole map (base
    /// with colour map and contours, trajectories, marks, legend).
    #[test]
    fn extreme_fields_and_series_draw_and_return(
        parts in prop::collection::vec(one_series(), 0..4),
        field in field(),
        (width, height) in (100u32..1400, 80u32..900),
        scale in select(vec![1.0, 1.5, 2.0, 0.75, 3.0]),
        explicit_range in prop::bool::weighted(0.2),
        cursor in prop::option::weighted(0.3, any::<usize>()),
        log_y in any::<bool>(),
        minima in prop::collection::vec((finite(), finite()), 0..3),
        start in (finite(), finite()),
        min_px in select(vec![0.0, 0.5, 1.5]),
    ) {
        let series = build_series(parts);
        let range = if explicit_range && !log_y { extent(&series) } else { None };
        // The page's cursor is a step number; one beyond the limit: `a_cursor_beyond_the_limit_draws`.
        let xs: Vec<f64> = series
            .iter()
            .flat_map(|s| &s.points)
            .map(|p| p.0)
            .filter(|x| x.abs() <= chart::LIMIT)
            .collect();
        let cursor = cursor.and_then(|i| xs.get(i % xs.len().max(1)).copied());
        let root = NullBackend::new(width, height).into_drawing_area();
        let _ = chart::draw(&root, &series, &chart_style(range, log_y, scale, cursor));

        let contours = field.contours(&field.levels(map::LEVELS));
        let base = MapBase { field, contours };
        let vp = Viewport::new(base.field.view, map::plot_rect(width, height, scale));
        let minima: Vec<Vec2> = minima.into_iter().map(|(x, y)| Vec2::new(x, y)).collect();
        let mstyle = MapStyle::new(scale);
        let paths: Vec<Vec<Vec2>> = series
            .iter()
            .map(|s| s.points.iter().map(|&(x, y)| Vec2::new(x, y)).collect())
            .collect();
        let marks: Vec<RunMark> = paths
            .iter()
            .zip(&series)
            .filter(|(p, _)| !p.is_empty())
            .map(|(p, s)| RunMark { path: p, color: s.color, label: "run", diverged: s.look == Look::Dots })
            .collect();
        let root = NullBackend::new(width, height).into_drawing_area();
        let _ = map::draw_base(&root, &vp, &base, &minima, ("x", "y"), &mstyle, &mut |_| {
            assert_eq!(base.field.rgba().len(), 4 * base.field.nx * base.field.ny);
            Ok(())
        });
        let _ = map::draw_trails(&root, &vp, &marks, min_px, &mstyle);
        let _ = map::draw_marks(&root, &vp, &marks, Vec2::new(start.0, start.1), &mstyle);
        let _ = map::draw_legend(&root, &vp, &marks, &mstyle);
    }

    /// `chart::draw` with whatever its caller gives: markers and a cursor anywhere, any explicit
    /// range (in log10 units on a log axis), so points far outside the range.
    #[test]
    fn charts_with_marks_outside_their_range_draw_and_return(
        parts in prop::collection::vec(one_series(), 0..4),
        markers in prop::collection::vec(prop::option::of((finite(), finite())), 4),
        (width, height) in (100u32..1400, 80u32..900),
        scale in select(vec![1.0, 1.5, 2.0, 0.75, 3.0]),
        range in prop::option::weighted(0.5, (finite(), finite(), finite(), finite())),
        cursor in prop::option::weighted(0.3, finite()),
        log_y in any::<bool>(),
    ) {
        let mut series = build_series(parts);
        for (s, m) in series.iter_mut().zip(markers) {
            s.marker = m;
        }
        let range = range.map(|(a, b, c, d)| [a.min(b), a.max(b), c.min(d), c.max(d)]);
        let root = NullBackend::new(width, height).into_drawing_area();
        let _ = chart::draw(&root, &series, &chart_style(range, log_y, scale, cursor));
    }
}

/// Found by the `draw` fuzz target: points beyond ±`chart::LIMIT` are drawn at it, but a cursor
/// at the same x was not, and plotters' pixel arithmetic overflowed (`attempt to add with
/// overflow` in `RangedCoordf64::map` in debug builds; a wrapped pixel in release ones).
#[test]
fn a_cursor_beyond_the_limit_draws() {
    for log_y in [false, true] {
        let series = [Series {
            color: RGBColor(1, 2, 3),
            points: vec![(0.0, 1.0), (1.7e308, 2.0)],
            marker: Some((1.7e308, 2.0)),
            look: Look::Line,
            label: String::new(),
            diverged: None,
        }];
        let root = NullBackend::new(560, 660).into_drawing_area();
        let _ = chart::draw(
            &root,
            &series,
            &chart_style(None, log_y, 1.5, Some(1.7e308)),
        );
    }
}
