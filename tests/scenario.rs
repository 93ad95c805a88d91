//! The scenario format: every validation error names its field; valid scenarios round-trip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

use optimizer_playground::optim::{OptKind, OptimizerConfig};
use optimizer_playground::run::Session;
use optimizer_playground::scenario::{RunSpec, Scenario, SurfaceSpec, MAX_RUNS, MAX_STEPS};
use optimizer_playground::Vec2;
use serde_json::{json, Value};
use std::path::PathBuf;

/// A valid scenario as a JSON value, to be broken one field at a time.
fn base() -> Value {
    json!({
        "surface": {"name": "rosenbrock"},
        "start": [-1.5, 2.0],
        "steps": 10,
        "runs": [{"optimizer": {"name": "adam", "lr": 0.01}}]
    })
}

fn with(edit: impl FnOnce(&mut Value)) -> String {
    let mut v = base();
    edit(&mut v);
    v.to_string()
}

#[track_caller]
fn rejected(text: &str, needles: &[&str]) -> String {
    let e = match Scenario::from_json(text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e,
    };
    assert!(!e.contains('\n'), "not one line: {e}");
    for n in needles {
        assert!(e.contains(n), "error {e:?} should mention {n:?}");
    }
    e
}

fn opt(o: Value) -> String {
    with(|v| v["runs"][0]["optimizer"] = o)
}

fn run(r: Value) -> String {
    with(|v| v["runs"][0] = r)
}

#[test]
fn the_base_scenario_is_valid() {
    assert!(Scenario::from_json(&base().to_string()).is_ok());
}

#[test]
fn unknown_fields_are_rejected() {
    rejected(&with(|v| v["colour"] = json!("red")), &["colour"]);
    rejected(
        &opt(json!({"name": "adam", "lr": 0.01, "lrr": 0.1})),
        &["runs[0].optimizer", "lrr"],
    );
    rejected(
        &run(json!({"optimizer": {"name": "gd", "lr": 0.1}, "clipping": {"norm": 1}})),
        &["runs[0]", "clipping"],
    );
    rejected(
        &with(|v| v["surface"] = json!({"name": "rosenbrock", "param": {"a": 1}})),
        &["surface", "param"],
    );
    rejected(
        &run(
            json!({"optimizer": {"name": "gd", "lr": 0.1}, "schedule": {"name": "cosine", "t_max": 5, "lr_mn": 0.1}}),
        ),
        &["runs[0].schedule", "lr_mn"],
    );
    rejected(
        &run(json!({"optimizer": {"name": "gd", "lr": 0.1}, "clip": {"norm": 1, "value": 2}})),
        &["runs[0].clip"],
    );
}

#[test]
fn hyper_parameters_the_optimizer_does_not_take_are_rejected() {
    rejected(
        &opt(json!({"name": "adam", "lr": 0.01, "momentum": 0.9})),
        &["runs[0].optimizer.momentum", "'adam' takes no 'momentum'"],
    );
    rejected(
        &opt(json!({"name": "gd", "lr": 0.01, "line_search": "wolfe"})),
        &["runs[0].optimizer.line_search"],
    );
    rejected(
        &opt(json!({"name": "adam", "lr": 0.01, "inner": {"name": "gd", "lr": 0.1}})),
        &["runs[0].optimizer.inner"],
    );
    rejected(
        &opt(json!({"name": "lookahead", "lr": 0.01, "inner": {"name": "gd", "lr": 0.1}})),
        &["runs[0].optimizer.lr", "'lookahead' takes no 'lr'"],
    );
    rejected(
        &opt(json!({"name": "newton", "momentum": 0.5})),
        &["runs[0].optimizer.momentum"],
    );
}

#[test]
fn unknown_optimizer_name() {
    rejected(
        &opt(json!({"name": "adamm", "lr": 0.01})),
        &["runs[0].optimizer.name", "adamm"],
    );
    rejected(
        &opt(json!({"lr": 0.01})),
        &["runs[0].optimizer", "missing field `name`"],
    );
}

#[test]
fn lr_is_required_except_where_the_spec_gives_a_default() {
    for name in [
        "gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "amsgrad", "nadam",
        "radam", "adabound", "lion", "sgd_hd",
    ] {
        rejected(
            &opt(json!({"name": name})),
            &["runs[0].optimizer.lr", "needs a value for 'lr'"],
        );
    }
    for name in ["adadelta", "newton", "bfgs", "lbfgs"] {
        let sc = Scenario::from_json(&opt(json!({"name": name}))).unwrap();
        assert_eq!(sc.runs[0].optimizer.base_lr(), 1.0, "{name}");
    }
    // Lookahead's inner optimizer needs its own lr.
    rejected(
        &opt(json!({"name": "lookahead", "inner": {"name": "adam"}})),
        &["runs[0].optimizer.inner.lr"],
    );
    rejected(
        &opt(json!({"name": "lookahead"})),
        &["runs[0].optimizer.inner", "needs an inner optimizer"],
    );
    rejected(
        &opt(json!({"name": "lookahead", "inner": {"name": "bfgs"}})),
        &["runs[0].optimizer.inner.name", "first-order"],
    );
}

#[test]
fn out_of_range_hyper_parameters() {
    let cases = [
        (
            json!({"name": "adam", "lr": 0}),
            "runs[0].optimizer.lr",
            "> 0",
        ),
        (
            json!({"name": "adam", "lr": -0.1}),
            "runs[0].optimizer.lr",
            "> 0",
        ),
        (
            json!({"name": "adam", "lr": 0.1, "beta1": 1}),
            "runs[0].optimizer.beta1",
            "[0, 1)",
        ),
        (
            json!({"name": "adam", "lr": 0.1, "beta2": -0.1}),
            "runs[0].optimizer.beta2",
            "[0, 1)",
        ),
        (
            json!({"name": "adam", "lr": 0.1, "eps": 0}),
            "runs[0].optimizer.eps",
            "> 0",
        ),
        (
            json!({"name": "rmsprop", "lr": 0.1, "rho": 1.5}),
            "runs[0].optimizer.rho",
            "[0, 1)",
        ),
        (
            json!({"name": "momentum", "lr": 0.1, "momentum": 1}),
            "runs[0].optimizer.momentum",
            "[0, 1)",
        ),
        (
            json!({"name": "adamw", "lr": 0.1, "weight_decay": -1}),
            "runs[0].optimizer.weight_decay",
            "≥ 0",
        ),
        (
            json!({"name": "newton", "damping": -1}),
            "runs[0].optimizer.damping",
            "≥ 0",
        ),
        (
            json!({"name": "lbfgs", "memory": 0}),
            "runs[0].optimizer.memory",
            "1 to 1000",
        ),
        (
            json!({"name": "adabound", "lr": 0.1, "final_lr": 0}),
            "runs[0].optimizer.final_lr",
            "> 0",
        ),
        (
            json!({"name": "adabound", "lr": 0.1, "gamma": -1}),
            "runs[0].optimizer.gamma",
            "> 0",
        ),
        (
            json!({"name": "lookahead", "alpha": 0, "inner": {"name": "gd", "lr": 0.1}}),
            "runs[0].optimizer.alpha",
            "(0, 1]",
        ),
        (
            json!({"name": "lookahead", "alpha": 1.5, "inner": {"name": "gd", "lr": 0.1}}),
            "runs[0].optimizer.alpha",
            "(0, 1]",
        ),
        (
            json!({"name": "lookahead", "k": 0, "inner": {"name": "gd", "lr": 0.1}}),
            "runs[0].optimizer.k",
            "1 to 100000",
        ),
        (
            json!({"name": "lookahead", "inner": {"name": "gd", "lr": 0}}),
            "runs[0].optimizer.inner.lr",
            "> 0",
        ),
    ];
    for (o, field, what) in cases {
        rejected(&opt(o), &[field, what]);
    }
    // The boundaries that are allowed.
    for o in [
        json!({"name": "adam", "lr": 1e-12, "beta1": 0, "beta2": 0.99999}),
        json!({"name": "lookahead", "alpha": 1, "k": 1, "inner": {"name": "gd", "lr": 0.1}}),
        json!({"name": "sgd_hd", "lr": 0.1, "hyper_lr": 0}),
    ] {
        Scenario::from_json(&opt(o.clone())).unwrap_or_else(|e| panic!("{o}: {e}"));
    }
}

#[test]
fn steps_start_and_runs_are_bounded() {
    rejected(
        &with(|v| v["steps"] = json!(MAX_STEPS + 1)),
        &["steps", "at most"],
    );
    assert!(Scenario::from_json(&with(|v| v["steps"] = json!(MAX_STEPS))).is_ok());
    rejected(&with(|v| v["start"] = json!([1e13, 0])), &["start"]);
    rejected(&with(|v| v["start"] = json!([1e308, 1e308])), &["start"]);
    // Non-finite numbers cannot be written in JSON; a scenario built in Rust is checked too.
    let mut sc = Scenario::from_json(&base().to_string()).unwrap();
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        sc.start = Vec2::new(0.0, bad);
        let e = sc.validate().unwrap_err();
        assert!(e.starts_with("start:"), "{e}");
        assert!(Session::new(&sc).is_err());
    }
    let many: Vec<Value> = (0..=MAX_RUNS)
        .map(|_| json!({"optimizer": {"name": "gd", "lr": 0.1}}))
        .collect();
    rejected(&with(|v| v["runs"] = json!(many)), &["runs", "at most"]);
}

#[test]
fn surface_errors() {
    rejected(
        &with(|v| v["surface"] = json!({"name": "rosenbruck"})),
        &["surface.name", "rosenbruck", "himmelblau"],
    );
    rejected(
        &with(|v| v["surface"] = json!({"name": "rosenbrock", "params": {"c": 1}})),
        &["surface.params.c", "it has: a, b"],
    );
    rejected(
        &with(|v| v["surface"] = json!({"name": "beale", "params": {"a": 1}})),
        &["surface.params.a", "takes no parameters"],
    );
    rejected(
        &with(|v| v["surface"] = json!({"name": "quadratic", "params": {"condition": 0.5}})),
        &["surface.params.condition"],
    );
    rejected(
        &with(|v| v["surface"] = json!({"name": "rosenbrock", "params": {"b": 1e7}})),
        &["surface.params.b"],
    );
    rejected(
        &with(|v| v["surface"] = json!({"name": "rosenbrock", "expr": "x"})),
        &["surface", "not both"],
    );
    rejected(&with(|v| v["surface"] = json!({})), &["surface", "needs"]);
    rejected(
        &with(|v| v["surface"] = json!({"expr": "x", "params": {"a": 1}})),
        &["surface.params"],
    );
    rejected(
        &with(|v| v["surface"] = json!({"expr": "1 + sinn(x)"})),
        &["surface.expr", "unknown function 'sinn' at column 5"],
    );
    rejected(
        &with(|v| v["surface"] = json!({"expr": "2x + y"})),
        &["surface.expr", "at column 2"],
    );
}

#[test]
fn run_errors() {
    rejected(
        &run(json!({"optimizer": {"name": "newton"}, "clip": {"norm": 1}})),
        &["runs[0].clip", "'newton' takes no clipping"],
    );
    rejected(
        &run(json!({"optimizer": {"name": "bfgs"}, "l2": 0.1})),
        &["runs[0].l2", "'bfgs' takes no L2"],
    );
    // l2 = 0 on a second-order method is harmless and allowed.
    assert!(Scenario::from_json(&run(json!({"optimizer": {"name": "bfgs"}, "l2": 0}))).is_ok());
    rejected(
        &run(json!({"optimizer": {"name": "gd", "lr": 0.1}, "clip": {"norm": 0}})),
        &["runs[0].clip.norm", "> 0"],
    );
    rejected(
        &run(json!({"optimizer": {"name": "gd", "lr": 0.1}, "clip": {"value": -1}})),
        &["runs[0].clip.value", "> 0"],
    );
    rejected(
        &run(json!({"optimizer": {"name": "gd", "lr": 0.1}, "l2": -0.5})),
        &["runs[0].l2"],
    );
    for color in ["red", "#12345", "#ggg", "1f77b4", "#1f77b4ff"] {
        rejected(
            &run(json!({"optimizer": {"name": "gd", "lr": 0.1}, "color": color})),
            &["runs[0].color", "hex"],
        );
    }
    for color in ["#abc", "#1F77b4"] {
        assert!(Scenario::from_json(&run(
            json!({"optimizer": {"name": "gd", "lr": 0.1}, "color": color})
        ))
        .is_ok());
    }
    rejected(
        &run(json!({"optimizer": {"name": "gd", "lr": 0.1}, "label": "x".repeat(81)})),
        &["runs[0].label"],
    );
    rejected(
        &run(
            json!({"optimizer": {"name": "gd", "lr": 0.1}, "schedule": {"name": "step", "step_size": 0}}),
        ),
        &["runs[0].schedule.step_size"],
    );
    rejected(
        &run(json!({"optimizer": {"name": "gd", "lr": 0.1}, "schedule": {"name": "cosine"}})),
        &["runs[0].schedule", "t_max"],
    );
    rejected(
        &run(json!({"optimizer": {"name": "gd", "lr": 0.1}, "schedule": {"name": "linear"}})),
        &["runs[0].schedule", "linear"],
    );
    // The path names the run.
    let two = with(|v| {
        v["runs"] = json!([
            {"optimizer": {"name": "gd", "lr": 0.1}},
            {"optimizer": {"name": "adam", "lr": 0.1, "beta1": 2}}
        ])
    });
    rejected(&two, &["runs[1].optimizer.beta1"]);
}

#[test]
fn malformed_json_and_wrong_types() {
    let e = rejected("{\"surface\": ", &["scenario"]);
    assert!(e.contains("line 1"), "{e}");
    rejected("", &["scenario"]);
    rejected("[1, 2]", &["scenario"]);
    rejected(&base().to_string().replace('}', ""), &["scenario"]);
    rejected(
        &with(|v| v["steps"] = json!("ten")),
        &["steps", "invalid type"],
    );
    rejected(&with(|v| v["steps"] = json!(-1)), &["steps"]);
    rejected(&with(|v| v["steps"] = json!(2.5)), &["steps"]);
    rejected(&with(|v| v["start"] = json!([1])), &["start", "length"]);
    rejected(&with(|v| v["start"] = json!([1, 2, 3])), &["start"]);
    rejected(&with(|v| v["start"] = json!("origin")), &["start"]);
    rejected(&with(|v| v["runs"] = json!({})), &["runs"]);
    rejected(&with(|v| v["surface"] = json!("rosenbrock")), &["surface"]);
    rejected(
        &with(|v| v["surface"] = json!({"name": 3})),
        &["surface.name"],
    );
    rejected(
        &with(|v| v["surface"] = json!({"name": "rosenbrock", "params": {"a": "one"}})),
        &["surface.params.a"],
    );
    rejected(
        &opt(json!({"name": "adam", "lr": "0.1"})),
        &["runs[0].optimizer.lr", "invalid type"],
    );
    rejected(
        &opt(json!({"name": "lbfgs", "memory": 2.5})),
        &["runs[0].optimizer.memory"],
    );
    rejected(
        &opt(json!({"name": "bfgs", "line_search": "wolf"})),
        &["runs[0].optimizer.line_search", "wolf"],
    );
    rejected(
        &opt(json!({"name": "lookahead", "inner": {"name": "gd", "lr": [0.1]}})),
        &["runs[0].optimizer.inner.lr"],
    );
    rejected(
        &run(json!({"optimizer": {"name": "gd", "lr": 0.1}, "enabled": "yes"})),
        &["runs[0].enabled"],
    );
    rejected(
        &run(
            json!({"optimizer": {"name": "gd", "lr": 0.1}, "schedule": {"name": "step", "step_size": 2, "warmup": -1}}),
        ),
        &["runs[0].schedule.warmup"],
    );
    rejected(
        &run(json!({"optimizer": {"name": "gd", "lr": 0.1}, "clip": {"norm": "big"}})),
        &["runs[0].clip.norm"],
    );
}

fn golden_scenarios() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            out.push((
                p.file_name().unwrap().to_string_lossy().into_owned(),
                v["scenario"].to_string(),
            ));
        }
    }
    assert!(
        out.len() >= 40,
        "expected the reference cases in {}",
        dir.display()
    );
    out
}

#[test]
fn golden_scenarios_round_trip() {
    for (name, text) in golden_scenarios() {
        let s = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = Scenario::from_json(&s.to_json()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again, s, "{name}");
        // And the JSON is stable after one round.
        assert_eq!(again.to_json(), s.to_json(), "{name}");
    }
}

#[test]
fn a_scenario_built_in_rust_round_trips() {
    let mut la = OptimizerConfig::new(OptKind::Lookahead);
    assert!(la.set("k", 3.0));
    let mut r = RunSpec::new(la);
    r.label = Some("slow and steady".into());
    r.color = Some("#1f77b4".into());
    r.enabled = Some(false);
    r.l2 = Some(0.01);
    r.clip = Some(optimizer_playground::optim::Clip::Value(0.5));
    r.schedule = Some(optimizer_playground::schedule::Schedule {
        shape: optimizer_playground::schedule::Shape::WarmRestarts {
            t_0: 10,
            t_mult: 2,
            lr_min: 1e-4,
        },
        warmup: 5,
    });
    let mut params = std::collections::BTreeMap::new();
    params.insert("condition".to_string(), 50.0);
    params.insert("angle".to_string(), -30.0);
    let sc = Scenario {
        data: None,
        batch_size: None,
        stop: None,
        surface: SurfaceSpec {
            name: Some("quadratic".into()),
            params: Some(params),
            expr: None,
        },
        start: Vec2::new(-2.0, 1.5),
        steps: 300,
        runs: vec![
            r,
            RunSpec::new(OptimizerConfig::new(OptKind::Bfgs)),
            RunSpec::new(OptimizerConfig::new(OptKind::Gd).with_lr(0.1)),
        ],
    };
    sc.validate().unwrap();
    let back = Scenario::from_json(&sc.to_json()).unwrap();
    assert_eq!(back, sc);
    // Defaults are not written out: a missing hyper-parameter stays missing.
    let v: Value = serde_json::from_str(&sc.to_json()).unwrap();
    assert_eq!(v["runs"][1]["optimizer"], json!({"name": "bfgs"}));
}

#[test]
fn labels_default_to_the_optimizer_and_are_made_unique() {
    let sc = Scenario::from_json(
        r#"{"surface": {"name": "himmelblau"}, "start": [0, 0], "steps": 1, "runs": [
        {"optimizer": {"name": "adam", "lr": 0.1}},
        {"optimizer": {"name": "adam", "lr": 0.2}},
        {"optimizer": {"name": "adam", "lr": 0.3}, "label": "mine"},
        {"optimizer": {"name": "lookahead", "inner": {"name": "adam", "lr": 0.1}}},
        {"optimizer": {"name": "adam", "lr": 0.4}}
    ]}"#,
    )
    .unwrap();
    let labels: Vec<String> = Session::new(&sc)
        .unwrap()
        .finish()
        .into_iter()
        .map(|t| t.label)
        .collect();
    assert_eq!(
        labels,
        ["adam", "adam #2", "mine", "lookahead(adam)", "adam #3"]
    );
}

// ---------------------------------------------------------------- hardening (issue 8)

/// The one shape of `start`, two finite numbers `[x, y]`: anything else is rejected by
/// `from_json` (the only way a start arrives as text, the page's included) naming `start`.
#[test]
fn start_is_two_numbers_and_nothing_else() {
    for bad in [
        json!([1, 1, 1]),
        json!([1]),
        json!([]),
        json!({"x": 1}),
        json!({"x": 1, "y": 2}),
        json!({"0": 1, "1": 2}),
        json!([1, "2"]),
        json!([1, null]),
        json!([[1], [2]]),
        json!([1, [2]]),
        json!([true, false]),
        json!("1, 2"),
        json!(1),
        json!(null),
    ] {
        let e = rejected(&with(|v| v["start"] = bad.clone()), &[]);
        assert!(e.starts_with("start: "), "{bad}: {e}");
    }
    // A missing start is named too.
    let e = rejected(
        &with(|v| {
            v.as_object_mut().unwrap().remove("start");
        }),
        &["start"],
    );
    assert!(e.contains("missing field `start`"), "{e}");
    // Two numbers, written any way JSON writes numbers, are a start.
    for (good, want) in [
        (json!([1, 2]), Vec2::new(1.0, 2.0)),
        (json!([-0.0, 1e-300]), Vec2::new(-0.0, 1e-300)),
        (json!([-3, 2.5e2]), Vec2::new(-3.0, 250.0)),
    ] {
        let sc = Scenario::from_json(&with(|v| v["start"] = good.clone())).unwrap();
        assert_eq!(sc.start, want);
        assert_eq!(sc.start.x.to_bits(), want.x.to_bits());
    }
    // The same text shapes through a whole text.
    for text in [
        r#"{"surface": {"name": "booth"}, "start": [1, 1, 1], "steps": 1, "runs": []}"#,
        r#"{"surface": {"name": "booth"}, "start": [1], "steps": 1, "runs": []}"#,
        r#"{"surface": {"name": "booth"}, "start": {"x": 1}, "steps": 1, "runs": []}"#,
        r#"{"surface": {"name": "booth"}, "start": [1, 2,], "steps": 1, "runs": []}"#,
    ] {
        let e = Scenario::from_json(text).unwrap_err();
        assert!(e.contains("start") || e.contains("line 1"), "{text}: {e}");
    }
}

/// `lookahead` of `lookahead` of … : chain of lookaheads `depth + 1` long (the innermost one
/// nested `depth` deep) around momentum.
fn nested_lookahead(depth: usize) -> OptimizerConfig {
    lookahead_around(depth, OptimizerConfig::new(OptKind::Momentum).with_lr(0.01))
}

/// A chain of lookaheads `depth + 1` long around `o`.
fn lookahead_around(depth: usize, mut o: OptimizerConfig) -> OptimizerConfig {
    for i in 0..=depth {
        let mut l = OptimizerConfig::new(OptKind::Lookahead);
        l.set("k", (2 + i) as f64);
        l.inner = Some(Box::new(o));
        o = l;
    }
    o
}

fn scenario_of(o: OptimizerConfig) -> Scenario {
    Scenario {
        data: None,
        batch_size: None,
        stop: None,
        surface: SurfaceSpec::named("himmelblau"),
        start: Vec2::new(0.5, -0.5),
        steps: 20,
        runs: vec![RunSpec::new(o)],
    }
}

#[test]
fn lookahead_nests_at_most_four_deep_on_every_way_in() {
    use optimizer_playground::optim::config::MAX_LOOKAHEAD_DEPTH;
    assert_eq!(MAX_LOOKAHEAD_DEPTH, 4);
    // Up to four deep: valid, written and read back the same, and it runs.
    for depth in 0..=MAX_LOOKAHEAD_DEPTH {
        let sc = scenario_of(nested_lookahead(depth));
        sc.validate().unwrap();
        let text = sc.to_json();
        assert_eq!(text.matches("\"inner\"").count(), depth + 1);
        let back = Scenario::from_json(&text).unwrap();
        assert_eq!(back, sc);
        assert_eq!(back.to_json(), text);
        let t = Session::new(&back).unwrap().finish();
        assert_eq!(t[0].path.len(), 21);
        assert_eq!(t, Session::new(&sc).unwrap().finish());
    }
    // Five deep and more: rejected, built in Rust or read from text, naming the field.
    let field = format!("runs[0].optimizer{}", ".inner".repeat(5));
    let msg = format!("{field}: lookahead nested more than 4 deep");
    for depth in [5, 6, 20, 200] {
        let sc = scenario_of(nested_lookahead(depth));
        assert_eq!(sc.validate().unwrap_err(), msg, "{depth}");
        assert_eq!(Session::new(&sc).unwrap_err(), msg);
        let e = Scenario::from_json(&sc.to_json()).unwrap_err();
        if depth < 100 {
            assert_eq!(e, msg);
        } else {
            // Deeper than serde_json reads: rejected all the same.
            assert!(e.starts_with("scenario: recursion limit exceeded"), "{e}");
        }
    }
    // Whatever the innermost lookahead wraps.
    let adam = OptimizerConfig::new(OptKind::Adam).with_lr(0.1);
    let sc = scenario_of(lookahead_around(5, adam.clone()));
    assert_eq!(sc.validate().unwrap_err(), msg);
    scenario_of(lookahead_around(4, adam)).validate().unwrap();
}
