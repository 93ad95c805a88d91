//! Numbers are read exactly: every number of a scenario's text becomes the `f64` nearest to the
//! decimal written (what `str::parse::<f64>` and JavaScript's `JSON.parse` give), however it is
//! spelled; writing a scenario and reading it back gives the same bits; and so does the page's
//! reading of a typed value (`playground::parse_number`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

use optimizer_playground::optim::{OptimizerConfig, Valid, OPTIMIZERS};
use optimizer_playground::playground::parse_number;
use optimizer_playground::run::{Session, Trace};
use optimizer_playground::scenario::Scenario;
use optimizer_playground::schedule::Shape;
use proptest::prelude::*;

/// The correctly rounded value of a decimal text.
fn exact(text: &str) -> f64 {
    text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

#[track_caller]
fn same_bits(got: f64, want: f64, what: &str) {
    assert_eq!(
        got.to_bits(),
        want.to_bits(),
        "{what}: got {got:e}, want {want:e}"
    );
}

/// A scenario with the start, the first run's optimizer (its JSON, numbers as written) and the
/// rest of the first run (JSON fields after the optimizer, or nothing).
fn text(x: &str, y: &str, optimizer: &str, run_rest: &str) -> String {
    format!(
        r#"{{"surface": {{"name": "rosenbrock"}}, "start": [{x}, {y}], "steps": 4,
            "runs": [{{"optimizer": {optimizer}{run_rest}}}]}}"#
    )
}

fn gd(lr: &str) -> String {
    format!(r#"{{"name": "gd", "lr": {lr}}}"#)
}

fn read(text: &str) -> Scenario {
    Scenario::from_json(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Every number of the scenario's runs' optimizers, in order: (what, value).
fn optimizer_numbers(o: &OptimizerConfig, at: &str, out: &mut Vec<(String, f64)>) {
    for p in optimizer_playground::optim::Param::ALL {
        if let Some(v) = o.given(p) {
            out.push((format!("{at}.{}", p.name()), v));
        }
    }
    if let Some(i) = &o.inner {
        optimizer_numbers(i, &format!("{at}.inner"), out);
    }
}

/// Every number a scenario holds.
fn numbers(sc: &Scenario) -> Vec<(String, f64)> {
    let mut out = vec![
        ("start.x".into(), sc.start.x),
        ("start.y".into(), sc.start.y),
    ];
    for (i, r) in sc.runs.iter().enumerate() {
        let at = format!("runs[{i}]");
        optimizer_numbers(&r.optimizer, &format!("{at}.optimizer"), &mut out);
        let mut push = |k: &str, v: Option<f64>| {
            if let Some(v) = v {
                out.push((format!("{at}.{k}"), v));
            }
        };
        push("l2", r.l2);
        push("noise", r.noise);
        push(
            "clip",
            r.clip.map(|c| match c {
                optimizer_playground::optim::Clip::Norm(v)
                | optimizer_playground::optim::Clip::Value(v) => v,
            }),
        );
        match r.schedule.as_ref().map(|s| &s.shape) {
            Some(&Shape::Cosine { t_max, lr_min }) => {
                push("schedule.t_max", Some(t_max));
                push("schedule.lr_min", Some(lr_min));
            }
            Some(&Shape::Exponential { decay }) => push("schedule.decay", Some(decay)),
            Some(&Shape::Step { gamma, .. }) => push("schedule.gamma", Some(gamma)),
            Some(&Shape::WarmRestarts { lr_min, .. }) => push("schedule.lr_min", Some(lr_min)),
            _ => {}
        }
    }
    out
}

/// Writing the scenario and reading it back gives every number to the bit, and the same
/// scenario written again.
#[track_caller]
fn round_trips(sc: &Scenario) -> Scenario {
    let written = sc.to_json();
    let back = read(&written);
    let (a, b) = (numbers(sc), numbers(&back));
    assert_eq!(a.len(), b.len(), "{written}");
    for ((what, x), (_, y)) in a.iter().zip(&b) {
        same_bits(*y, *x, what);
    }
    assert_eq!(back.to_json(), written);
    back
}

/// Two traces equal to the bit (NaN and the sign of zero included).
#[track_caller]
fn same_traces(a: &[Trace], b: &[Trace]) {
    assert_eq!(a.len(), b.len());
    let bits = |t: &Trace| -> Vec<u64> {
        let p = t.path.iter().flat_map(|v| [v.x, v.y]);
        p.chain(t.loss.iter().copied())
            .chain(t.lr.iter().copied())
            .chain(t.grad_norm.iter().copied())
            .map(f64::to_bits)
            .collect()
    };
    for (x, y) in a.iter().zip(b) {
        assert_eq!(bits(x), bits(y), "{}", x.label);
        assert_eq!((x.evals, x.diverged_at), (y.evals, y.diverged_at));
    }
}

// ---------------------------------------------------------------- spellings of a decimal

/// A decimal of 17 significant digits, `d.dddddddddddddddd × 10^exp`.
#[derive(Clone, Debug)]
struct Decimal {
    digits: String,
    exp: i32,
}

impl Decimal {
    /// `d.ddd…e-5` (the way shortest printers write it).
    fn sci(&self) -> String {
        format!("{}.{}e{}", &self.digits[..1], &self.digits[1..], self.exp)
    }

    /// Ways JSON can write the same decimal, all of which must read the same.
    fn spellings(&self) -> Vec<String> {
        let d = &self.digits;
        let e = self.exp;
        let mut out = vec![
            self.sci(),
            format!("{}.{}E{:+}", &d[..1], &d[1..], e),
            format!("{}.{}000e{e}", &d[..1], &d[1..]),
            format!("{d}e{}", e - 16),
            format!("0.{d}e{}", e + 1),
            format!("{}0e{}", d, e - 17),
        ];
        // Without an exponent, when that is not too long.
        if (-40..40).contains(&e) {
            let point = e + 1; // digits before the point
            out.push(if point <= 0 {
                format!("0.{}{d}", "0".repeat((-point) as usize))
            } else if point < 17 {
                format!("{}.{}", &d[..point as usize], &d[point as usize..])
            } else {
                format!("{d}{}", "0".repeat((point - 17) as usize))
            });
        }
        out
    }
}

/// 17 significant digits with the exponent in `exp`.
fn decimal(exp: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = Decimal> {
    (10_000_000_000_000_000u64..100_000_000_000_000_000, exp).prop_map(|(m, exp)| Decimal {
        digits: m.to_string(),
        exp,
    })
}

/// A number as a hyper-parameter of rule `valid` may be, as text.
fn valid_number(valid: Valid) -> BoxedStrategy<String> {
    let fraction = "0\\.[0-9]{17}";
    match valid {
        Valid::Positive => decimal(-300..=300).prop_map(|d| d.sci()).boxed(),
        Valid::NonNegative => prop_oneof![
            4 => decimal(-300..=300).prop_map(|d| d.sci()),
            1 => prop::sample::select(vec!["0", "0.0", "0e10", "-0", "-0.0"]).prop_map(String::from),
        ]
        .boxed(),
        Valid::ZeroToBelowOne => fraction.prop_map(String::from).boxed(),
        Valid::AboveZeroToOne => prop_oneof![
            8 => "0\\.[0-9]{16}[1-9]".prop_map(String::from),
            1 => prop::sample::select(vec!["1", "1.0", "1e0", "10E-1"]).prop_map(String::from),
        ]
        .boxed(),
        Valid::Integer { max } => (1..=max.min(1000), 0..4usize)
            .prop_map(|(n, how)| match how {
                0 => n.to_string(),
                1 => format!("{n}.0"),
                2 => format!("{n}0e-1"),
                _ => format!("{n}E0"),
            })
            .boxed(),
    }
}

/// An optimizer of the table with every hyper-parameter given, as JSON text with the numbers
/// as written (a lookahead wraps gd).
fn any_optimizer() -> impl Strategy<Value = String> {
    (0..OPTIMIZERS.len()).prop_flat_map(|i| {
        let o = &OPTIMIZERS[i];
        let params: Vec<BoxedStrategy<String>> =
            o.params.iter().map(|p| valid_number(p.valid)).collect();
        (params, decimal(-6..=0)).prop_map(move |(values, inner_lr)| {
            let mut fields = vec![format!(r#""name": "{}""#, o.name)];
            for (p, v) in o.params.iter().zip(values) {
                fields.push(format!(r#""{}": {v}"#, p.name));
            }
            if o.wraps {
                fields.push(format!(r#""inner": {}"#, gd(&inner_lr.sci())));
            }
            format!("{{{}}}", fields.join(", "))
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// 17 significant digits, however spelled, read as the correctly rounded value: for the
    /// start (anything up to 1e11, down to below the smallest subnormal) and for the rate.
    #[test]
    fn seventeen_digits_read_exactly_however_spelled(
        x in decimal(-330..=10),
        y in decimal(-330..=10),
        negative in any::<(bool, bool)>(),
        lr in decimal(-323..=307),
    ) {
        let sign = |neg: bool| if neg { "-" } else { "" };
        let (xs, ys, ls) = (x.spellings(), y.spellings(), lr.spellings());
        let want_x = exact(&format!("{}{}", sign(negative.0), xs[0]));
        let want_y = exact(&format!("{}{}", sign(negative.1), ys[0]));
        let want_lr = exact(&ls[0]);
        let n = xs.len().max(ls.len()).max(ys.len());
        for i in 0..n {
            let (xt, yt, lt) = (&xs[i % xs.len()], &ys[i % ys.len()], &ls[i % ls.len()]);
            prop_assert_eq!(exact(xt), exact(&xs[0]));
            let xt = format!("{}{xt}", sign(negative.0));
            let yt = format!("{}{yt}", sign(negative.1));
            let sc = read(&text(&xt, &yt, &gd(lt), ""));
            same_bits(sc.start.x, want_x, &xt);
            same_bits(sc.start.y, want_y, &yt);
            same_bits(sc.runs[0].optimizer.get("lr").unwrap(), want_lr, lt);
            round_trips(&sc);
        }
    }

    /// Every hyper-parameter of every optimizer, and the numbers of a run around it (L2,
    /// noise, clipping, a schedule), read exactly and written back to the bit; the runs of
    /// the scenario read and read again are the same to the bit.
    #[test]
    fn every_number_of_a_run_reads_exactly_and_round_trips(
        optimizer in any_optimizer(),
        l2 in decimal(-12..=-1),
        noise in decimal(-12..=-1),
        clip in decimal(-3..=3),
        lr_min in decimal(-9..=-4),
        t_max in decimal(1..=3),
        start in (decimal(-3..=0), decimal(-3..=0)),
    ) {
        let rest = format!(
            r#", "l2": {}, "noise": {}, "seed": 7, "clip": {{"norm": {}}},
               "schedule": {{"name": "cosine", "t_max": {}, "lr_min": {}}}"#,
            l2.sci(), noise.sci(), clip.sci(), t_max.sci(), lr_min.sci()
        );
        let first = OPTIMIZERS.iter().find(|o| optimizer.contains(&format!("\"{}\"", o.name)));
        let rest = if first.is_some_and(|o| !o.first_order) { String::new() } else { rest };
        let sc_text = text(&start.0.sci(), &start.1.sci(), &optimizer, &rest);
        let sc = read(&sc_text);
        // Every number as the text's correctly rounded value, in the order written.
        let raw: serde_json::Value = serde_json::from_str(&sc_text).unwrap();
        let mut written = Vec::new();
        collect_numbers(&raw, &mut written);
        let mut got: Vec<f64> = numbers(&sc).into_iter().map(|(_, v)| v).collect();
        let mut want: Vec<f64> = written.iter().map(|t| exact(t)).collect();
        got.sort_by(f64::total_cmp);
        want.sort_by(f64::total_cmp);
        prop_assert_eq!(
            got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "{}", sc_text
        );
        let back = round_trips(&sc);
        same_traces(
            &Session::new(&sc).unwrap().finish(),
            &Session::new(&back).unwrap().finish(),
        );
    }

    /// A named surface's parameters and a data set's noise read exactly and round-trip.
    #[test]
    fn surface_and_data_numbers_read_exactly(
        condition in decimal(0..=5),
        angle in decimal(-330..=1),
        negative: bool,
        noise in decimal(-320..=1),
    ) {
        let angle = format!("{}{}", if negative { "-" } else { "" }, angle.sci());
        let (condition, noise) = (condition.sci(), noise.sci());
        let sc = read(&format!(
            r#"{{"surface": {{"name": "quadratic", "params": {{"condition": {condition}, "angle": {angle}}}}},
                "start": [1, 1], "steps": 3, "runs": [{{"optimizer": {}}}]}}"#,
            gd("0.01")
        ));
        let params = sc.surface.params.as_ref().unwrap();
        same_bits(params["condition"], exact(&condition), &condition);
        same_bits(params["angle"], exact(&angle), &angle);
        let back = read(&sc.to_json());
        let again = back.surface.params.as_ref().unwrap();
        same_bits(again["condition"], params["condition"], &condition);
        same_bits(again["angle"], params["angle"], &angle);
        same_traces(&Session::new(&sc).unwrap().finish(), &Session::new(&back).unwrap().finish());
        let sc = read(&format!(
            r#"{{"data": {{"kind": "linear", "n": 20, "noise": {noise}, "seed": 1}},
                "start": [1, 1], "steps": 3, "runs": [{{"optimizer": {}}}]}}"#,
            gd("0.0001")
        ));
        let d = sc.data.as_ref().unwrap();
        same_bits(d.noise, exact(&noise), &noise);
        let back = read(&sc.to_json());
        same_bits(back.data.as_ref().unwrap().noise, d.noise, &noise);
        same_traces(&Session::new(&sc).unwrap().finish(), &Session::new(&back).unwrap().finish());
    }

    /// What the page's typed values go through reads exactly too, with spaces around and a
    /// Unicode minus.
    #[test]
    fn typed_values_read_exactly(d in decimal(-320..=300), negative: bool, pad in "[ \t]{0,2}") {
        for s in d.spellings() {
            let want = exact(&s);
            same_bits(parse_number(&s).unwrap(), want, &s);
            same_bits(parse_number(&format!("{pad}{s}{pad}")).unwrap(), want, &s);
            let minus = if negative { "−" } else { "-" };
            same_bits(parse_number(&format!("{pad}{minus}{s} ")).unwrap(), -want, &s);
        }
    }
}

/// The numeric leaves of a JSON value as written (serde_json keeps the text), but for the
/// integers `steps` and `seed`.
fn collect_numbers(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Number(n) => out.push(n.to_string()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_numbers(x, out)),
        serde_json::Value::Object(m) => m
            .iter()
            .filter(|(k, _)| !["steps", "seed"].contains(&k.as_str()))
            .for_each(|(_, x)| collect_numbers(x, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------- fixed cases

/// The ends of `f64`'s range and the hard cases of rounding, as a rate (any positive number)
/// and as ε, and the smallest ones as a start.
#[test]
fn extremes_and_hard_cases_read_exactly() {
    let rates = [
        "1.7976931348623157e308",  // the largest finite f64
        "1.7976931348623158e308",  // rounds down to it
        "2.2250738585072014e-308", // the smallest normal
        "2.2250738585072011e-308", // just below: subnormal
        "4.9e-324",                // the smallest subnormal, as shortest printers write it
        "5e-324",                  // the same
        "4.9406564584124654e-324", // the same, to 17 digits
        "2.4703282292062328e-324", // just above half of it: rounds up to it
        "1e-300",
        "1e-310",
        "1e-315",
        "1e-320",
        "1.2345678901234567e-317",
        "9007199254740993", // 2⁵³ + 1: a tie, to even (2⁵³)
        "9007199254740995", // 2⁵³ + 3: a tie, to even (2⁵³ + 4)
        "9007199254740993.0",
        "18446744073709551617", // 2⁶⁴ + 1: more than a u64
        "123456789012345678901234567890",
        "1.00000000000000011102230246251565404236316680908203125", // a tie: to 1
        "1.00000000000000011102230246251565404236316680908203126", // just above: up
        "0.1000000000000000055511151231257827021181583404541015625", // 0.1 exactly
        "7.2057594037927933e16",
        "2.225073858507201136057409796709131975934819546351645648e-308",
    ];
    for lr in rates {
        let want = exact(lr);
        assert!(want > 0.0 && want.is_finite(), "{lr}");
        let sc = read(&text("0", "0", &gd(lr), ""));
        same_bits(sc.runs[0].optimizer.get("lr").unwrap(), want, lr);
        let adam = format!(r#"{{"name": "adam", "lr": 0.01, "eps": {lr}}}"#);
        let sc = read(&text("0", "0", &adam, ""));
        same_bits(sc.runs[0].optimizer.get("eps").unwrap(), want, lr);
        round_trips(&sc);
    }
    for x in [
        "1e-320",
        "-1e-320",
        "4.9e-324",
        "-4.9e-324",
        "2.2250738585072009e-308",
        "1e-400",  // underflows to 0
        "-1e-400", // to −0
        "-0",
        "-0.0",
        "-0e5",
        "0",
        "999999999999.99999", // just under 1e12
        "-707106781186.5475",
    ] {
        let sc = read(&text(x, "0", &gd("0.1"), ""));
        same_bits(sc.start.x, exact(x), x);
        same_bits(sc.start.y, 0.0, x);
        let back = round_trips(&sc);
        same_traces(
            &Session::new(&sc).unwrap().finish(),
            &Session::new(&back).unwrap().finish(),
        );
    }
    // Too large to be finite: rejected, naming the field.
    for (t, field) in [
        (
            text("0", "0", &gd("1.7976931348623159e308"), ""),
            "runs[0].optimizer.lr",
        ),
        (text("0", "0", &gd("1e400"), ""), "runs[0].optimizer.lr"),
        (text("1e400", "0", &gd("0.1"), ""), "start"),
    ] {
        let e = Scenario::from_json(&t).unwrap_err();
        assert!(e.starts_with(field), "{e}");
    }
}

#[test]
fn spellings_of_one_number_read_the_same() {
    let groups: [&[&str]; 3] = [
        &[
            "1",
            "1.0",
            "1.00",
            "10e-1",
            "0.1e1",
            "1E0",
            "1e+0",
            "1E+00",
            "100e-2",
            "0.001e3",
            "1.000000000000000000000000000001e0",
        ],
        &[
            "0.012546558280276739",
            "0.0125465582802767390",
            "1.2546558280276739e-2",
            "12546558280276739e-18",
            "12546558280276739.0E-18",
            "0.00000000012546558280276739e8",
        ],
        &["2.5", "25e-1", "0.25e1", "2.50000", "250E-2"],
    ];
    for group in groups {
        let want = exact(group[0]);
        let mut runs = Vec::new();
        for s in group {
            same_bits(exact(s), want, s);
            same_bits(parse_number(s).unwrap(), want, s);
            let sc = read(&text(s, s, &gd(s), &format!(r#", "l2": {s}"#)));
            same_bits(sc.start.x, want, s);
            same_bits(sc.start.y, want, s);
            same_bits(sc.runs[0].optimizer.get("lr").unwrap(), want, s);
            same_bits(sc.runs[0].l2.unwrap(), want, s);
            round_trips(&sc);
            runs.push(Session::new(&sc).unwrap().finish());
        }
        for r in &runs[1..] {
            same_traces(&runs[0], r);
        }
    }
}
