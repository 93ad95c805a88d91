//! No scenario makes the engine panic: every reference scenario with each number replaced by
//! extreme values, each field removed, and each value given the wrong type, either is rejected
//! with a message or runs to the end (or diverges) with finite points.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

use optimizer_playground::run::Session;
use optimizer_playground::scenario::Scenario;
use serde_json::Value;
use std::path::PathBuf;

const EXTREMES: [f64; 9] = [0.0, -1.0, 1e300, -1e300, 1e-300, 0.5, 7.0, 1e6, 1.0];

/// Every path to a leaf or a field of `v`, as a list of object keys / array indices.
fn paths(v: &Value, at: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                at.push(Value::String(k.clone()));
                out.push(at.clone());
                paths(x, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.push(Value::from(i));
                out.push(at.clone());
                paths(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn get_mut<'a>(v: &'a mut Value, path: &[Value]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |cur, key| match key {
        Value::String(k) => cur.get_mut(k.as_str()),
        Value::Number(i) => cur.get_mut(i.as_u64()? as usize),
        _ => None,
    })
}

fn check(v: &Value) {
    let mut sc = v.clone();
    // Keep the runs short: the point is the inputs, not the length.
    if let Some(s) = sc.get_mut("steps") {
        if s.as_u64().is_some_and(|n| n > 60) {
            *s = Value::from(60);
        }
    }
    let text = sc.to_string();
    match Scenario::from_json(&text) {
        Err(e) => assert!(
            !e.is_empty() && !e.contains('\n'),
            "a one-line message: {e:?}"
        ),
        Ok(s) => {
            for t in Session::new(&s).unwrap().finish() {
                assert!(
                    t.path.iter().all(|p| p.x.is_finite() && p.y.is_finite()),
                    "{text}"
                );
                assert_eq!(t.loss.len(), t.path.len());
            }
        }
    }
}

#[test]
fn mutated_reference_scenarios_never_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut tried = 0;
    for f in files.iter().step_by(3) {
        let g: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let base = g["scenario"].clone();
        let mut all = Vec::new();
        paths(&base, &mut Vec::new(), &mut all);
        for p in &all {
            if get_mut(&mut base.clone(), p).is_some_and(|l| l.is_number()) {
                for x in EXTREMES {
                    let mut v = base.clone();
                    if let Some(leaf) = get_mut(&mut v, p) {
                        *leaf = Value::from(x);
                    }
                    check(&v);
                    tried += 1;
                }
            }
            // Wrong types.
            for w in [
                Value::Null,
                Value::from("x"),
                Value::from(vec![1.0]),
                serde_json::json!({}),
            ] {
                let mut v = base.clone();
                *get_mut(&mut v, p).unwrap() = w;
                check(&v);
                tried += 1;
            }
            // Removed.
            let mut v = base.clone();
            let (last, parent) = p.split_last().unwrap();
            if let (Some(obj), Value::String(k)) =
                (get_mut(&mut v, parent).and_then(Value::as_object_mut), last)
            {
                obj.remove(k);
                check(&v);
                tried += 1;
            }
        }
    }
    assert!(tried > 1000, "tried {tried} variants");
}

#[test]
fn hostile_expressions_never_panic() {
    for e in [
        "1/0",
        "ln(0)",
        "sqrt(-1)",
        "x^1e308",
        "exp(exp(exp(x)))",
        "(-x)^0.5",
        "0^-1",
        "x/0*y",
        "max(ln(x), 0/0)",
        "tan(pi/2)",
        "1e308*1e308*x",
    ] {
        let text = format!(
            r#"{{"surface": {{"expr": "{e}"}}, "start": [0.5, -0.5], "steps": 30, "runs": [
            {{"optimizer": {{"name": "adam", "lr": 0.1}}}}, {{"optimizer": {{"name": "newton"}}}},
            {{"optimizer": {{"name": "bfgs"}}}}, {{"optimizer": {{"name": "lbfgs", "line_search": "armijo"}}}},
            {{"optimizer": {{"name": "nesterov", "lr": 1e6}}, "clip": {{"value": 1e300}}}}]}}"#
        );
        check(&serde_json::from_str(&text).unwrap());
    }
}
