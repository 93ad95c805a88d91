//! The page's downloads of the trajectories (`playground::export`): the CSV and the JSON hold,
//! for every run and point, the numbers of the session's traces bit for bit (read back by an
//! independent CSV reader and by serde_json), in the shortest form that reads back, with the
//! optional columns exactly when some run has them, labels quoted and defused (labels hold no line breaks: the scenario refuses them), and values that
//! are not finite as empty cells and nulls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

use optimizer_playground::playground::{export, Playground};
use optimizer_playground::run::Session;
use optimizer_playground::scenario::Scenario;
use serde_json::Value;

const BASE: [&str; 11] = [
    "run",
    "label",
    "step",
    "x",
    "y",
    "loss",
    "lr",
    "grad_norm",
    "evals_value",
    "evals_grad",
    "evals_hessian",
];

fn playground(json: &str, steps: u64) -> Playground {
    let mut pg = Playground::new(Scenario::from_json(json).unwrap()).unwrap();
    pg.step(steps);
    pg
}

/// Rosenbrock with a first-order, a quasi-Newton (line-search evaluations) and a Newton run
/// (Hessians), one of them hidden, two with the same label, one that diverges.
const NAMED: &str = r#"{"surface": {"name": "rosenbrock"}, "start": [-1.5, 2], "steps": 60,
  "runs": [{"optimizer": {"name": "adam", "lr": 0.05}},
           {"optimizer": {"name": "adam", "lr": 0.01}, "enabled": false},
           {"optimizer": {"name": "bfgs", "line_search": "wolfe"}},
           {"optimizer": {"name": "newton"}, "label": "Newton, \"damped\""},
           {"optimizer": {"name": "gd", "lr": 1}, "label": "diverges"}]}"#;

/// Logistic regression with held-out points and a mini-batch run beside a full-batch one.
const DATA: &str = r#"{"data": {"kind": "logistic", "n": 80, "noise": 0.5, "seed": 3, "validation": 0.25},
  "start": [0.5, -0.5], "steps": 40,
  "runs": [{"optimizer": {"name": "gd", "lr": 0.5}},
           {"optimizer": {"name": "momentum", "lr": 0.1}, "batch_size": 8}]}"#;

/// The loss at the start is not finite: the run diverges at iteration 0.
const NOT_FINITE: &str = r#"{"surface": {"expr": "1/x"}, "start": [0, 1], "steps": 5,
  "runs": [{"optimizer": {"name": "gd", "lr": 0.1}}]}"#;

fn header(session: &Session) -> Vec<String> {
    export::columns(session)
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn csv_records(bytes: &[u8]) -> (Vec<String>, Vec<csv::StringRecord>) {
    let text = std::str::from_utf8(bytes).expect("the CSV is UTF-8");
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let head = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r.records().map(Result::unwrap).collect();
    (head, rows)
}

/// A cell's number, or `None` for an empty cell.
fn cell(rec: &csv::StringRecord, head: &[String], col: &str) -> Option<f64> {
    let at = head.iter().position(|h| h == col).unwrap();
    let s = &rec[at];
    (!s.is_empty()).then(|| {
        s.parse::<f64>()
            .unwrap_or_else(|e| panic!("{col} = {s:?}: {e}"))
    })
}

fn same(got: Option<f64>, want: Option<f64>, what: &str) {
    match (got, want) {
        (Some(g), Some(w)) if w.is_finite() => {
            assert_eq!(g.to_bits(), w.to_bits(), "{what}: {g} against {w}")
        }
        (None, None) => {}
        (None, Some(w)) if !w.is_finite() => {}
        _ => panic!("{what}: {got:?} against {want:?}"),
    }
}

/// Checks `value(run, step, column)` against the session for every run, point and column.
fn check_against_session(
    session: &Session,
    n_rows: usize,
    value: &dyn Fn(usize, &str) -> Option<f64>,
    label: &dyn Fn(usize) -> String,
) {
    let mut at = 0;
    for (i, r) in session.runs.iter().enumerate() {
        let t = &r.trace;
        for k in 0..t.path.len() {
            let what = |c: &str| format!("run {i} step {k} {c}");
            assert_eq!(value(at, "run"), Some(i as f64), "{}", what("run"));
            assert_eq!(value(at, "step"), Some(k as f64), "{}", what("step"));
            assert_eq!(label(at), t.label, "{}", what("label"));
            same(value(at, "x"), Some(t.path[k].x), &what("x"));
            same(value(at, "y"), Some(t.path[k].y), &what("y"));
            same(value(at, "loss"), Some(t.loss[k]), &what("loss"));
            same(value(at, "lr"), t.lr.get(k).copied(), &what("lr"));
            same(
                value(at, "grad_norm"),
                t.grad_norm.get(k).copied(),
                &what("grad_norm"),
            );
            let e = r.evals_at[k];
            for (c, n) in [
                ("evals_value", e.value),
                ("evals_grad", e.grad),
                ("evals_hessian", e.hessian),
            ] {
                assert_eq!(value(at, c), Some(n as f64), "{}", what(c));
            }
            if !t.val_loss.is_empty() {
                same(
                    value(at, "val_loss"),
                    t.val_loss.get(k).copied(),
                    &what("val_loss"),
                );
            }
            if !t.batch_loss.is_empty() {
                same(
                    value(at, "batch_loss"),
                    t.batch_loss.get(k).copied(),
                    &what("batch_loss"),
                );
            }
            at += 1;
        }
        // The last row's counts are the run's (a diverged run's total adds the failed
        // iteration's evaluations, which left no point).
        let last = r.evals_at.last().unwrap();
        if t.diverged_at.is_none() {
            assert_eq!(last, &t.evals, "run {i}: counts at the end");
        } else {
            assert!(last.grad <= t.evals.grad && last.value <= t.evals.value);
        }
    }
    assert_eq!(at, n_rows, "one row per run and point");
}

#[test]
fn json_rows_hold_the_traces_bit_for_bit() {
    for (json, steps) in [(NAMED, 60), (DATA, 40), (NAMED, 0)] {
        let pg = playground(json, steps);
        let s = pg.session();
        if json == NAMED && steps > 0 {
            assert!(s.runs.iter().any(|r| r.trace.diverged_at.is_some()));
        }
        let text = export::json(s).unwrap();
        let rows: Vec<Value> = serde_json::from_str::<Value>(&text)
            .unwrap()
            .as_array()
            .unwrap()
            .clone();
        // Every row has exactly the columns (written in the CSV's order).
        let mut cols = header(s);
        assert!(
            text.starts_with(&format!(r#"[{{"{}":0,"#, cols[0])),
            "{}",
            &text[..40]
        );
        cols.sort();
        for r in &rows {
            let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
            assert_eq!(keys, cols.iter().collect::<Vec<_>>());
        }
        let value = |at: usize, c: &str| -> Option<f64> {
            let v = &rows[at][c];
            // Read as JavaScript's JSON.parse reads it: the nearest f64 of the printed digits.
            (!v.is_null()).then(|| v.to_string().parse::<f64>().unwrap())
        };
        let label = |at: usize| rows[at]["label"].as_str().unwrap().to_string();
        check_against_session(s, rows.len(), &value, &label);
    }
}

#[test]
fn csv_rows_hold_the_traces_bit_for_bit() {
    for (json, steps) in [(NAMED, 60), (DATA, 40)] {
        let pg = playground(json, steps);
        let s = pg.session();
        let (head, rows) = csv_records(&export::csv(s));
        assert_eq!(head, header(s));
        for r in &rows {
            assert_eq!(r.len(), head.len(), "every row has every column");
        }
        let value = |at: usize, c: &str| cell(&rows[at], &head, c);
        let label = |at: usize| rows[at][1].to_string();
        check_against_session(s, rows.len(), &value, &label);
    }
}

#[test]
fn optional_columns_appear_exactly_when_some_run_has_them() {
    let named = playground(NAMED, 10);
    assert_eq!(export::columns(named.session()), BASE.to_vec());
    let data = playground(DATA, 10);
    let mut with = BASE.to_vec();
    with.extend(["val_loss", "batch_loss"]);
    assert_eq!(export::columns(data.session()), with);
    // The full-batch run has no batch loss: its cells are empty, its JSON values null.
    let (head, rows) = csv_records(&export::csv(data.session()));
    let gd: Vec<_> = rows.iter().filter(|r| &r[0] == "0").collect();
    assert!(gd.iter().all(|r| cell(r, &head, "batch_loss").is_none()));
    assert!(gd.iter().all(|r| cell(r, &head, "val_loss").is_some()));
    let json: Value = serde_json::from_str(&export::json(data.session()).unwrap()).unwrap();
    assert!(json[0]["batch_loss"].is_null() && json[0]["val_loss"].is_number());
    // Only a held-out split: the validation loss without the batch loss.
    let held = playground(
        r#"{"data": {"kind": "linear", "n": 30, "noise": 0.5, "seed": 1, "validation": 0.3}, "start": [0, 0],
            "steps": 5, "runs": [{"optimizer": {"name": "gd", "lr": 1e-4}}]}"#,
        5,
    );
    let mut val = BASE.to_vec();
    val.push("val_loss");
    assert_eq!(export::columns(held.session()), val);
}

/// The significant digits of a printed number (without sign, point, leading zeros, exponent).
fn digits(s: &str) -> usize {
    let mantissa = s.split(['e', 'E']).next().unwrap();
    let d: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let d = d.trim_start_matches('0').trim_end_matches('0');
    d.len().max(1)
}

#[test]
fn numbers_are_printed_in_their_shortest_round_trip_form() {
    let pg = playground(NAMED, 60);
    let (head, rows) = csv_records(&export::csv(pg.session()));
    let mut seen = 0;
    for r in &rows {
        for c in ["x", "y", "loss", "lr", "grad_norm"] {
            let s = &r[head.iter().position(|h| h == c).unwrap()];
            if s.is_empty() {
                continue;
            }
            let v: f64 = s.parse().unwrap();
            // Rust's `{:e}` prints the fewest digits that read back to the same f64.
            let shortest = digits(&format!("{v:e}"));
            assert_eq!(digits(s), shortest, "{c} = {s} ({v:e})");
            assert!(!s.contains(' ') && !s.starts_with('+'), "{s}");
            seen += 1;
        }
    }
    assert!(seen > 1000, "{seen} numbers checked");
}

#[test]
fn labels_are_quoted_where_needed_and_never_read_as_formulas() {
    let pg = playground(
        r#"{"surface": {"name": "booth"}, "start": [1, 1], "steps": 3,
            "runs": [{"optimizer": {"name": "gd", "lr": 0.01}, "label": "a, \"b\" c"},
                     {"optimizer": {"name": "gd", "lr": 0.02}, "label": "=1+2"},
                     {"optimizer": {"name": "gd", "lr": 0.03}, "label": "@sum"},
                     {"optimizer": {"name": "gd", "lr": 0.04}, "label": "Plain ünïcode λ"}]}"#,
        3,
    );
    let bytes = export::csv(pg.session());
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.contains(r#","a, ""b"" c","#),
        "RFC 4180 quoting: {text}"
    );
    let (_, rows) = csv_records(&bytes);
    let labels: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    assert_eq!(labels[0], "a, \"b\" c");
    assert!(labels.contains(&"'=1+2") && labels.contains(&"'@sum"));
    assert!(labels.contains(&"Plain ünïcode λ"));
    // JSON keeps the label as it is.
    let json: Value = serde_json::from_str(&export::json(pg.session()).unwrap()).unwrap();
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"=1+2") && names.contains(&"a, \"b\" c"));
}

#[test]
fn values_that_are_not_finite_are_empty_cells_and_nulls() {
    let pg = playground(NOT_FINITE, 5);
    let t = &pg.session().runs[0].trace;
    assert!(!t.loss[0].is_finite(), "the start's loss is not finite");
    let (head, rows) = csv_records(&export::csv(pg.session()));
    assert_eq!(rows.len(), t.path.len());
    assert_eq!(cell(&rows[0], &head, "loss"), None);
    assert_eq!(cell(&rows[0], &head, "x"), Some(0.0));
    let json: Value = serde_json::from_str(&export::json(pg.session()).unwrap()).unwrap();
    assert!(json[0]["loss"].is_null());
    assert_eq!(json[0]["x"], serde_json::json!(0.0));
}

#[test]
fn the_last_point_of_a_run_has_no_rate_and_rows_follow_the_runs_order() {
    let pg = playground(NAMED, 25);
    let json: Value = serde_json::from_str(&export::json(pg.session()).unwrap()).unwrap();
    let rows = json.as_array().unwrap();
    let mut last = (0u64, 0u64);
    for (n, r) in rows.iter().enumerate() {
        let key = (r["run"].as_u64().unwrap(), r["step"].as_u64().unwrap());
        assert!(n == 0 || key > last, "ordered by run, then step");
        last = key;
        let next_is_other = rows.get(n + 1).is_none_or(|s| s["run"] != r["run"]);
        assert_eq!(r["lr"].is_null(), next_is_other, "row {n}");
        assert_eq!(r["grad_norm"].is_null(), next_is_other, "row {n}");
    }
    // Hidden runs are exported too (everything computed).
    assert!(rows.iter().any(|r| r["run"] == 1));
}
