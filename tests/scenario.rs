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
