//! The command line: `trace FILE`, `trace -`, `surfaces`, `--help`, and exit code 2 with one line
//! on stderr for bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

use optimizer_playground::run::{Session, Trace};
use optimizer_playground::scenario::Scenario;
use optimizer_playground::surface::LIBRARY;
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_optimizer-playground");

fn cli(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A scratch file, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, text: &str) -> TempFile {
        let p = std::env::temp_dir().join(format!(
            "optimizer-playground-cli-{}-{name}",
            std::process::id()
        ));
        std::fs::write(&p, text).unwrap();
        TempFile(p)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const SCENARIO: &str = r#"{
  "surface": {"name": "rosenbrock"}, "start": [-1.5, 2.0], "steps": 60,
  "runs": [
    {"optimizer": {"name": "adam", "lr": 0.05}, "schedule": {"name": "cosine", "t_max": 60}},
    {"optimizer": {"name": "bfgs"}},
    {"optimizer": {"name": "newton", "damping": 0.1}, "label": "damped"},
    {"optimizer": {"name": "gd", "lr": 0.01}}
  ]
}"#;

/// Checks the output of `trace` against the library's own traces, bit for bit.
fn check_trace_output(out: &str, want: &[Trace], steps: u64) {
    let v: Value = serde_json::from_str(out).expect("trace prints JSON");
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), want.len());
    let mut from = 0;
    for (r, t) in runs.iter().zip(want) {
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        for k in [
            "label",
            "path",
            "loss",
            "lr",
            "grad_norm",
            "evals",
            "diverged_at",
        ] {
            assert!(keys.contains(&k), "runs[i] lacks {k}: {keys:?}");
        }
        assert_eq!(r["label"], t.label.as_str());
        let n = r["path"].as_array().unwrap().len();
        match r["diverged_at"].as_u64() {
            None => {
                assert!(r["diverged_at"].is_null());
                assert_eq!(n as u64, steps + 1);
            }
            Some(k) => assert_eq!(n as u64, k + 1),
        }
        assert_eq!(r["loss"].as_array().unwrap().len(), n);
        assert_eq!(r["lr"].as_array().unwrap().len(), n - 1);
        assert_eq!(r["grad_norm"].as_array().unwrap().len(), n - 1);
        for p in r["path"].as_array().unwrap() {
            assert_eq!(p.as_array().unwrap().len(), 2);
        }
        for k in ["value", "grad", "hessian"] {
            assert_eq!(
                r["evals"][k].as_u64(),
                Some(match k {
                    "value" => t.evals.value,
                    "grad" => t.evals.grad,
                    _ => t.evals.hessian,
                })
            );
        }
        // Bit for bit: the shortest round-trip text of every coordinate, in order.
        let path_text = format!("\"path\":{}", serde_json::to_string(&t.path).unwrap());
        let at = out[from..]
            .find(&path_text)
            .unwrap_or_else(|| panic!("{}'s path differs from the library's", t.label));
        from += at + path_text.len();
    }
}

#[test]
fn trace_a_file_matches_the_library() {
    let f = TempFile::new("scenario.json", SCENARIO);
    let o = cli(&["trace", f.path()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).is_empty());
    let want = Session::new(&Scenario::from_json(SCENARIO).unwrap())
        .unwrap()
        .finish();
    check_trace_output(&stdout(&o), &want, 60);
}

#[test]
fn trace_stdin_matches_the_library() {
    let o = cli(&["trace", "-"], Some(SCENARIO));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let want = Session::new(&Scenario::from_json(SCENARIO).unwrap())
        .unwrap()
        .finish();
    check_trace_output(&stdout(&o), &want, 60);
    // --pretty prints the same JSON value.
    let p = cli(&["trace", "--pretty", "-"], Some(SCENARIO));
    assert_eq!(p.status.code(), Some(0));
    assert!(stdout(&p).lines().count() > 10);
    let a: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let b: Value = serde_json::from_str(&stdout(&p)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn trace_reports_divergence() {
    let sc = r#"{"surface": {"expr": "x^2 + 10*y^2"}, "start": [1, 1], "steps": 150,
                 "runs": [{"optimizer": {"name": "gd", "lr": 0.12}}]}"#;
    let o = cli(&["trace", "-"], Some(sc));
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["runs"][0]["diverged_at"], 82);
    assert_eq!(v["runs"][0]["path"].as_array().unwrap().len(), 83);
    let want = Session::new(&Scenario::from_json(sc).unwrap())
        .unwrap()
        .finish();
    check_trace_output(&stdout(&o), &want, 150);
}

#[track_caller]
fn fails_with_one_line(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(o));
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "not one line: {err:?}");
    assert!(err.ends_with('\n'));
    assert!(err.contains(needle), "{err:?} should mention {needle:?}");
}

#[test]
fn bad_input_exits_2_with_one_line_on_stderr() {
    fails_with_one_line(&cli(&["trace", "-"], Some("{\"surface\": ")), "scenario");
    fails_with_one_line(&cli(&["trace", "-"], Some("")), "scenario");
    fails_with_one_line(
        &cli(
            &["trace", "-"],
            Some(&SCENARIO.replace("\"lr\": 0.05", "\"lr\": -1")),
        ),
        "runs[0].optimizer.lr",
    );
    fails_with_one_line(
        &cli(
            &["trace", "-"],
            Some(&SCENARIO.replace("\"steps\": 60", "\"steps\": \"sixty\"")),
        ),
        "steps",
    );
    fails_with_one_line(
        &cli(
            &["trace", "-"],
            Some(
                r#"{"surface": {"expr": "1 + sinn(x)"}, "start": [0, 0], "steps": 1, "runs": []}"#,
            ),
        ),
        "unknown function 'sinn' at column 5",
    );
    let missing = std::env::temp_dir().join("optimizer-playground-no-such-file.json");
    fails_with_one_line(
        &cli(&["trace", missing.to_str().unwrap()], None),
        "cannot read",
    );
    let f = TempFile::new("bad.json", "{\n  \"surface\": {\"name\": \"nope\"},\n  \"start\": [0, 0],\n  \"steps\": 1,\n  \"runs\": []\n}\n");
    fails_with_one_line(&cli(&["trace", f.path()], None), "surface.name");
}

#[test]
fn surfaces_lists_the_library() {
    let o = cli(&["surfaces"], None);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert_eq!(LIBRARY.len(), 16);
    for s in LIBRARY {
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().next() == Some(s.name)),
            "{} missing from:\n{out}",
            s.name
        );
        assert!(out.contains(s.formula), "{}'s formula missing", s.name);
    }
}

#[test]
fn surfaces_json_parses() {
    let o = cli(&["surfaces", "--json"], None);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), LIBRARY.len());
    for (item, s) in list.iter().zip(LIBRARY) {
        assert_eq!(item["name"], s.name);
        assert_eq!(item["formula"], s.formula);
        assert_eq!(item["view"].as_array().unwrap().len(), 4);
    }
}

#[test]
fn optimizers_lists_every_optimizer() {
    let o = cli(&["optimizers", "--json"], None);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = optimizer_playground::optim::OPTIMIZERS
        .iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, want);
}

#[test]
fn help_mentions_the_subcommands() {
    let o = cli(&["--help"], None);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("trace"), "{out}");
    assert!(out.contains("surfaces"), "{out}");
    let o = cli(&["trace", "--help"], None);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("diverged_at"));
}
