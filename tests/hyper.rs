//! Every hyper-parameter of every optimizer, driven by the declaration (`Param::spec` and
//! `OPTIMIZERS`): out-of-range values are rejected with a message naming the field, parameters
//! an optimizer does not take are rejected, a given value is the one the rules use (in the
//! resolved `Hyper` and in the trajectory), and configurations round-trip through JSON. A
//! parameter added to the declaration is covered here without a new row.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

mod common;

use common::*;
use optimizer_playground::optim::{
    Clip, HyperSpec, LineSearch, OptInfo, OptKind, OptimizerConfig, Param, Valid, OPTIMIZERS,
};
use optimizer_playground::scenario::{RunSpec, Scenario};
use serde_json::{json, Value};

/// The surface, start and length of the runs that must tell a given value from the default.
/// Not a quadratic, so that L-BFGS's memory and Newton's damping matter at every step.
const SURFACE: &str = "x^2 + 3*y^2 + x*y + 0.5*x^4";
const START: [f64; 2] = [1.5, -1.0];
const STEPS: u64 = 40;

/// A valid optimizer for `info` as JSON: required values given (`common::config`), lookahead
/// around adam.
fn base(info: &OptInfo) -> Value {
    serde_json::to_value(config(info.kind)).unwrap()
}

fn scenario(optimizer: &Value) -> String {
    json!({
        "surface": {"expr": SURFACE},
        "start": START,
        "steps": STEPS,
        "runs": [{"optimizer": optimizer}]
    })
    .to_string()
}

/// The base optimizer of `info` with `name` set to `v`.
fn with(info: &OptInfo, name: &str, v: Value) -> Value {
    let mut o = base(info);
    o[name] = v;
    o
}

#[track_caller]
fn rejected(optimizer: &Value) -> String {
    match Scenario::from_json(&scenario(optimizer)) {
        Ok(_) => panic!("accepted: {optimizer}"),
        Err(e) => e,
    }
}

/// Values just outside what `valid` accepts (JSON can write them).
fn outside(valid: Valid) -> Vec<f64> {
    match valid {
        Valid::Positive => vec![0.0, -1e-9, -1.0],
        Valid::NonNegative => vec![-1e-9, -1.0],
        Valid::ZeroToBelowOne => vec![-1e-9, 1.0, 1.5],
        Valid::AboveZeroToOne => vec![0.0, -0.5, 1.0 + f64::EPSILON],
        Valid::Integer { max } => vec![0.0, -1.0, f64::from(max) + 1.0, 2.5, 1.5],
    }
}

/// Values on the edges of what `valid` accepts.
fn inside(valid: Valid) -> Vec<f64> {
    match valid {
        Valid::Positive => vec![1e-9, 1e6],
        Valid::NonNegative => vec![0.0, 1e6],
        Valid::ZeroToBelowOne => vec![0.0, 1.0 - 1e-9],
        Valid::AboveZeroToOne => vec![1e-9, 1.0],
        Valid::Integer { max } => vec![1.0, f64::from(max)],
    }
}

/// An in-range value other than the default: the end of the slider farther from the default
/// (in ratio on a log scale), for integers the low end (fewer pairs, more frequent syncs); for
/// a parameter without a default, half the base configuration's value.
fn other_value(info: &OptInfo, spec: &HyperSpec) -> f64 {
    let far = |d: f64| {
        let dist = |x: f64| {
            if spec.log {
                (x / d).ln().abs()
            } else {
                (x - d).abs()
            }
        };
        if dist(spec.min) >= dist(spec.max) {
            spec.min
        } else {
            spec.max
        }
    };
    match spec.default {
        None => config(info.kind).given(spec.param).unwrap() / 2.0,
        Some(d) if spec.integer && d != spec.min => spec.min,
        Some(d) => far(d),
    }
}

/// Everything `info` takes, as messages list it.
fn takes(info: &OptInfo) -> String {
    let mut t: Vec<&str> = info.params.iter().map(|p| p.name).collect();
    if info.line_search {
        t.push("line_search");
    }
    if info.wraps {
        t.push("inner");
    }
    t.join(", ")
}

#[test]
fn out_of_range_values_are_rejected_naming_the_field() {
    let mut checked = 0;
    for info in OPTIMIZERS {
        for spec in info.params {
            let field = format!("runs[0].optimizer.{}", spec.name);
            for v in outside(spec.valid) {
                let e = rejected(&with(info, spec.name, json!(v)));
                assert_eq!(
                    e,
                    format!("{field}: must be {} (got {v})", spec.valid),
                    "{} {}",
                    info.name,
                    spec.name
                );
                checked += 1;
            }
            for v in inside(spec.valid) {
                let o = with(info, spec.name, json!(v));
                if let Err(e) = Scenario::from_json(&scenario(&o)) {
                    panic!("{o} rejected: {e}");
                }
            }
            // Not finite: only a scenario built in Rust can say so.
            for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                let mut c = config(info.kind);
                assert!(c.set_param(spec.param, v));
                let sc = scenario_expr(SURFACE, START, STEPS, vec![RunSpec::new(c)]);
                let e = sc.validate().unwrap_err();
                assert!(
                    e.starts_with(&format!("{field}: must be a finite number (got ")),
                    "{e}"
                );
            }
        }
    }
    assert!(checked > 100, "{checked}");
}

#[test]
fn integer_values_are_checked_as_numbers() {
    // Any JSON number reads; a fraction is a range error, not a type error.
    let lbfgs = OptKind::Lbfgs.info();
    assert_eq!(
        rejected(&with(lbfgs, "memory", json!(2.5))),
        "runs[0].optimizer.memory: must be an integer from 1 to 1000 (got 2.5)"
    );
    let la = OptKind::Lookahead.info();
    assert_eq!(
        rejected(&with(la, "k", json!(2.5))),
        "runs[0].optimizer.k: must be an integer from 1 to 100000 (got 2.5)"
    );
    // 3.0 is the integer 3.
    let sc = Scenario::from_json(&scenario(&with(lbfgs, "memory", json!(3.0)))).unwrap();
    assert_eq!(sc.runs[0].optimizer.get("memory"), Some(3.0));
}

#[test]
fn required_values_are_required() {
    for info in OPTIMIZERS {
        for spec in info.params.iter().filter(|s| s.default.is_none()) {
            let mut o = base(info);
            o.as_object_mut().unwrap().remove(spec.name);
            assert_eq!(
                rejected(&o),
                format!(
                    "runs[0].optimizer.{0}: '{1}' needs a value for '{0}'",
                    spec.name, info.name
                )
            );
        }
    }
}

#[test]
fn what_an_optimizer_does_not_take_is_rejected() {
    for info in OPTIMIZERS {
        let mut others: Vec<(&str, Value)> = Param::ALL
            .into_iter()
            .filter(|&p| info.param(p).is_none())
            .map(|p| (p.name(), json!(p.spec().default.unwrap_or(0.5))))
            .collect();
        if !info.line_search {
            others.push(("line_search", json!("armijo")));
        }
        if !info.wraps {
            others.push(("inner", json!({"name": "gd", "lr": 0.1})));
        }
        assert_eq!(
            others.len()
                + info.params.len()
                + usize::from(info.line_search)
                + usize::from(info.wraps),
            Param::COUNT + 2
        );
        for (name, v) in others {
            assert_eq!(
                rejected(&with(info, name, v)),
                format!(
                    "runs[0].optimizer.{name}: '{}' takes no '{name}' (it takes: {})",
                    info.name,
                    takes(info)
                )
            );
            // And `set` refuses it.
            if let Some(p) = Param::from_name(name) {
                let mut c = OptimizerConfig::new(info.kind);
                assert!(!c.set(name, 0.5) && !c.set_param(p, 0.5), "{}", info.name);
                assert_eq!(c, OptimizerConfig::new(info.kind));
            }
        }
    }
    assert_eq!(
        rejected(&json!({"name": "lookahead", "lr": 0.01, "inner": {"name": "gd", "lr": 0.1}})),
        "runs[0].optimizer.lr: 'lookahead' takes no 'lr' (it takes: k, alpha, inner)"
    );
}

#[test]
fn a_given_value_is_the_one_used() {
    for info in OPTIMIZERS {
        let default_run = {
            let sc = Scenario::from_json(&scenario(&base(info))).unwrap();
            let h = sc.runs[0].optimizer.resolve();
            // The defaults are the declaration's, and what the optimizer does not take reads NaN.
            for p in Param::ALL {
                match info.param(p) {
                    Some(spec) => {
                        let want = spec.default.or(config(info.kind).given(p)).unwrap();
                        assert_eq!(h[p].to_bits(), want.to_bits(), "{} {p:?}", info.name);
                    }
                    None => assert!(h[p].is_nan(), "{} {p:?}", info.name),
                }
            }
            traces(&sc).remove(0)
        };
        for spec in info.params {
            let v = other_value(info, spec);
            assert!(spec.valid.contains(v), "{} {}: {v}", info.name, spec.name);
            let sc = Scenario::from_json(&scenario(&with(info, spec.name, json!(v)))).unwrap();
            let cfg = &sc.runs[0].optimizer;
            assert_eq!(cfg.get(spec.name), Some(v));
            assert_eq!(cfg.value(spec.name), Some(v));
            let h = cfg.resolve();
            assert_eq!(h[spec.param], v, "{} {}", info.name, spec.name);
            // Every other parameter keeps its value.
            let h0 = Scenario::from_json(&scenario(&base(info))).unwrap().runs[0]
                .optimizer
                .resolve();
            for p in Param::ALL.into_iter().filter(|&p| p != spec.param) {
                assert_eq!(h[p].to_bits(), h0[p].to_bits(), "{} {p:?}", info.name);
            }
            // And the rules read it: the trajectory changes.
            let t = traces(&sc).remove(0);
            assert_ne!(
                bits(&t.path),
                bits(&default_run.path),
                "{} with {} = {v} runs as with {:?}",
                info.name,
                spec.name,
                spec.default
            );
        }
    }
}

#[test]
fn the_line_search_given_is_the_one_used() {
    for info in OPTIMIZERS.iter().filter(|o| o.line_search) {
        let default = traces(&Scenario::from_json(&scenario(&base(info))).unwrap()).remove(0);
        for ls in LineSearch::ALL {
            let sc = Scenario::from_json(&scenario(&with(
                info,
                "line_search",
                serde_json::to_value(ls).unwrap(),
            )))
            .unwrap();
            assert_eq!(sc.runs[0].optimizer.resolve().line_search, ls);
            // The path, or at least the evaluations it took.
            let t = traces(&sc).remove(0);
            let same = bits(&t.path) == bits(&default.path) && t.evals == default.evals;
            assert_eq!(same, ls == LineSearch::default(), "{} {ls:?}", info.name);
        }
    }
}

/// Every hyper-parameter `kind` takes, set to [`other_value`].
fn everything_set(kind: OptKind) -> OptimizerConfig {
    let info = kind.info();
    let mut c = config(kind);
    for spec in info.params {
        assert!(c.set_param(spec.param, other_value(info, spec)));
    }
    if info.line_search {
        c.line_search = Some(LineSearch::Armijo);
    }
    if info.wraps {
        c.inner = Some(Box::new(everything_set(OptKind::Adabound)));
    }
    c
}

#[test]
fn configurations_with_every_value_round_trip() {
    let runs: Vec<RunSpec> = OPTIMIZERS
        .iter()
        .map(|o| RunSpec::new(everything_set(o.kind)))
        .collect();
    let sc = scenario_expr(SURFACE, START, STEPS, runs);
    sc.validate().unwrap();
    let text = sc.to_json();
    let back = Scenario::from_json(&text).unwrap();
    assert_eq!(back, sc);
    assert_eq!(back.to_json(), text);
    let v: Value = serde_json::from_str(&text).unwrap();
    for (info, run) in OPTIMIZERS.iter().zip(v["runs"].as_array().unwrap()) {
        let o = run["optimizer"].as_object().unwrap();
        let keys: Vec<&str> = o.keys().map(String::as_str).collect();
        let mut want = vec!["name"];
        // Written in the order of Param, then line_search and inner.
        want.extend(
            Param::ALL
                .into_iter()
                .filter(|&p| info.param(p).is_some())
                .map(Param::name),
        );
        if info.line_search {
            want.push("line_search");
        }
        if info.wraps {
            want.push("inner");
        }
        let mut sorted = want.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted, "{}", info.name); // serde_json's map is sorted
        for spec in info.params {
            let x = &o[spec.name];
            assert_eq!(x.as_f64(), Some(other_value(info, spec)));
            // Integers are written without a fraction.
            assert_eq!(x.is_i64(), spec.integer, "{}: {x}", spec.name);
        }
    }
    // The text itself, in order, for one of each kind.
    let la = serde_json::to_string(&everything_set(OptKind::Lookahead)).unwrap();
    assert!(la.starts_with(r#"{"name":"lookahead","k":1,"alpha":1.0,"inner":{"name":"adabound","lr":0.05,"beta1":0.0,"#), "{la}");
    let lbfgs = serde_json::to_string(&everything_set(OptKind::Lbfgs)).unwrap();
    assert_eq!(
        lbfgs,
        r#"{"name":"lbfgs","lr":0.001,"memory":1,"line_search":"armijo"}"#
    );
}

#[test]
fn the_table_and_the_enum_agree() {
    assert_eq!(OPTIMIZERS.len(), OptKind::COUNT);
    for (i, kind) in OptKind::ALL.into_iter().enumerate() {
        let info = kind.info();
        assert_eq!(info.kind, kind);
        assert_eq!(info, &OPTIMIZERS[i]);
        assert_eq!(OptKind::from_name(info.name), Some(kind));
        assert_eq!(serde_json::to_value(kind).unwrap(), json!(info.name));
        assert_eq!(
            serde_json::from_value::<OptKind>(json!(info.name)).unwrap(),
            kind
        );
        assert_eq!(
            info.first_order,
            !matches!(kind, OptKind::Newton | OptKind::Bfgs | OptKind::Lbfgs)
        );
        let mut names: Vec<&str> = info.params.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            info.params.len(),
            "{}: a parameter twice",
            info.name
        );
    }
    // Every declared parameter is taken by some optimizer.
    for p in Param::ALL {
        assert!(
            OPTIMIZERS.iter().any(|o| o.param(p).is_some()),
            "{p:?} is taken by no optimizer"
        );
        assert_eq!(Param::from_name(p.name()), Some(p));
    }
}

#[test]
fn every_declaration_is_consistent() {
    for info in OPTIMIZERS {
        for s in info.params {
            let what = format!("{} {}", info.name, s.name);
            assert_eq!(s.name, s.param.name(), "{what}");
            assert!(s.min < s.max, "{what}: slider");
            assert!(!s.log || s.min > 0.0, "{what}: log slider from {}", s.min);
            assert!(
                s.valid.contains(s.min) && s.valid.contains(s.max),
                "{what}: slider ends"
            );
            if let Some(d) = s.default {
                assert!(s.valid.contains(d), "{what}: default {d}");
                assert!(
                    s.min <= d && d <= s.max,
                    "{what}: default {d} off the slider"
                );
            }
            assert_eq!(
                s.integer,
                matches!(s.valid, Valid::Integer { .. }),
                "{what}"
            );
            assert!(!s.label.is_empty() && !s.symbol.is_empty() && !s.meaning.is_empty());
        }
    }
}

#[test]
fn the_table_json_has_what_the_page_reads() {
    let v: Value = serde_json::to_value(OPTIMIZERS).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), OPTIMIZERS.len());
    for (o, info) in list.iter().zip(OPTIMIZERS) {
        for key in [
            "kind",
            "name",
            "title",
            "description",
            "params",
            "first_order",
            "line_search",
            "wraps",
        ] {
            assert!(o.get(key).is_some(), "{}: {key}", info.name);
        }
        assert_eq!(o["kind"], json!(info.name));
        for (p, s) in o["params"].as_array().unwrap().iter().zip(info.params) {
            for key in [
                "name", "default", "min", "max", "log", "integer", "label", "symbol", "meaning",
                "valid",
            ] {
                assert!(p.get(key).is_some(), "{} {}: {key}", info.name, s.name);
            }
            assert_eq!(p["valid"], json!(s.valid.to_string()));
            assert_eq!(p["default"], json!(s.default));
        }
    }
    // What the page's sliders show today.
    let lr = |k: OptKind| *k.info().param(Param::Lr).unwrap();
    assert_eq!(
        (
            lr(OptKind::Adam).label,
            lr(OptKind::Adam).min,
            lr(OptKind::Adam).max
        ),
        ("learning rate η", 1e-5, 10.0)
    );
    for k in [OptKind::Newton, OptKind::Bfgs, OptKind::Lbfgs] {
        assert_eq!(
            (lr(k).label, lr(k).default, lr(k).min),
            ("step factor η", Some(1.0), 1e-3)
        );
    }
    assert_eq!(
        (lr(OptKind::Adadelta).label, lr(OptKind::Adadelta).default),
        ("learning rate η", Some(1.0))
    );
}

#[test]
fn set_get_and_value() {
    let mut c = OptimizerConfig::new(OptKind::Adamw);
    assert_eq!(c.get("beta1"), None);
    assert_eq!(c.value("beta1"), Some(0.9));
    assert_eq!(c.value("weight_decay"), Some(0.01));
    assert_eq!(c.value("lr"), None);
    assert!(c.set("beta1", 0.8));
    assert_eq!((c.get("beta1"), c.value("beta1")), (Some(0.8), Some(0.8)));
    assert!(!c.set("momentum", 0.5));
    assert!(!c.set("nonsense", 0.5));
    assert_eq!(c.get("nonsense"), None);
    assert_eq!(
        OptimizerConfig::new(OptKind::Lion).value("weight_decay"),
        Some(0.0)
    );
    assert_eq!(
        OptimizerConfig::new(OptKind::Adadelta).value("eps"),
        Some(1e-6)
    );
    // Integer parameters are rounded when set.
    let mut l = OptimizerConfig::new(OptKind::Lbfgs);
    assert!(l.set("memory", 4.4));
    assert_eq!(l.get("memory"), Some(4.0));
    // Lookahead starts around adam with lr 0.01; its base rate is the inner one's.
    let la = OptimizerConfig::new(OptKind::Lookahead);
    assert_eq!(
        la.inner.as_ref().map(|i| (i.name, i.get("lr"))),
        Some((OptKind::Adam, Some(0.01)))
    );
    assert_eq!(la.base_lr(), 0.01);
}

#[test]
fn unknown_and_duplicate_fields() {
    let e = rejected(&json!({"name": "adam", "lr": 0.01, "foo": 1}));
    assert!(
        e.starts_with("runs[0].optimizer: unknown field `foo`"),
        "{e}"
    );
    let text = scenario(&json!({"name": "adam", "lr": 0.01}))
        .replace(r#""lr":0.01"#, r#""lr":0.01,"lr":0.02"#);
    // A key given twice: the last one counts, as with JavaScript's JSON.parse (so a file and
    // the page read it alike).
    let sc = Scenario::from_json(&text).unwrap();
    assert_eq!(sc.runs[0].optimizer.get("lr"), Some(0.02));
    let e = rejected(&json!({"name": "adam", "lr": "fast"}));
    assert!(e.starts_with("runs[0].optimizer.lr: invalid type"), "{e}");
    let e = rejected(&json!({"name": "lbfgs", "memory": "many"}));
    assert!(
        e.starts_with("runs[0].optimizer.memory: invalid type"),
        "{e}"
    );
    // null is "not given", as before.
    let sc = Scenario::from_json(&scenario(
        &json!({"name": "adam", "lr": 0.01, "beta1": null}),
    ))
    .unwrap();
    assert_eq!(sc.runs[0].optimizer.get("beta1"), None);
}

#[test]
fn the_page_menus_name_what_the_format_reads() {
    // Line searches: the default first, every name reads back, an unknown one is named.
    assert_eq!(LineSearch::ALL[0], LineSearch::default());
    for ls in LineSearch::ALL {
        assert_eq!(serde_json::to_value(ls).unwrap(), json!(ls.name()));
        assert_eq!(
            serde_json::from_value::<LineSearch>(json!(ls.name())).unwrap(),
            ls
        );
        assert!(!ls.title().is_empty());
    }
    let e = rejected(&json!({"name": "bfgs", "line_search": "wolf"}));
    assert!(
        e.starts_with("runs[0].optimizer.line_search: unknown variant `wolf`"),
        "{e}"
    );
    for (name, title) in Clip::MODES {
        let c: Clip = serde_json::from_value(json!({ name: 1.0 })).unwrap();
        assert_eq!(serde_json::to_value(c).unwrap(), json!({ name: 1.0 }));
        assert!(!title.is_empty());
    }
}
