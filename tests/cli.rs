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
    cli_bytes(args, stdin.map(str::as_bytes))
}

/// Runs the binary with `stdin` (bytes, not necessarily UTF-8) on its standard input.
fn cli_bytes(args: &[&str], stdin: Option<&[u8]>) -> Output {
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
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        // The binary may stop reading early (too much input): a broken pipe is its business.
        let _ = pipe.write_all(bytes);
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
    fn new(name: &str, text: impl AsRef<[u8]>) -> TempFile {
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

// ---------------------------------------------------------------- hardening (issue 8)

/// Control characters of every kind: escape sequences that clear and recolour the screen, a
/// carriage return, a bell.
const HOSTILE: &str = "\u{1b}[2J\u{1b}[31mevil\rgood\u{7}";

/// Exit 2, and standard error is one line that carries no control character to the terminal
/// (no byte below 0x20 but the final newline, no DEL, no C1 or bidi control) and shows
/// `needle`.
#[track_caller]
fn fails_safely(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "stderr: {:?}", stderr(o));
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
    let (last, bytes) = o.stderr.split_last().expect("a message");
    assert_eq!(*last, b'\n');
    assert!(
        bytes.iter().all(|&b| b >= 0x20 && b != 0x7f),
        "a control byte reaches the terminal: {:?}",
        stderr(o)
    );
    let err = stderr(o);
    assert!(
        !err.trim_end_matches('\n')
            .chars()
            .any(optimizer_playground::text::is_unsafe),
        "{err:?}"
    );
    assert!(err.starts_with("error: "), "{err:?}");
    assert!(err.contains(needle), "{err:?} should show {needle:?}");
}

/// The valid base scenario with `edit` applied, as JSON text (serde_json writes control
/// characters in strings as `\u001b` and the like, as a hostile link would).
fn scenario_with(edit: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(SCENARIO).unwrap();
    edit(&mut v);
    v.to_string()
}

#[test]
fn no_control_character_reaches_the_terminal() {
    let esc = r"\u{1b}[2J\u{1b}[31mevil\u{d}good\u{7}";
    // A field named with escapes, at the top and inside an optimizer.
    let top = scenario_with(|v| v[HOSTILE] = 1.into());
    assert!(top.contains(r"\u001b[2J"), "{top}");
    fails_safely(&cli(&["trace", "-"], Some(&top)), esc);
    fails_safely(
        &cli(
            &["trace", "-"],
            Some(&scenario_with(|v| {
                v["runs"][0]["optimizer"][HOSTILE] = 1.into()
            })),
        ),
        esc,
    );
    let f = TempFile::new("hostile.json", &top);
    fails_safely(&cli(&["trace", f.path()], None), esc);
    // An unknown surface name: escapes, a C1 control sequence introducer, a bidi override.
    fails_safely(
        &cli(
            &["trace", "-"],
            Some(&scenario_with(|v| v["surface"]["name"] = HOSTILE.into())),
        ),
        esc,
    );
    fails_safely(
        &cli(
            &["trace", "-"],
            Some(&scenario_with(|v| {
                v["surface"]["name"] = "\u{9b}31mred\u{202e}desrever\u{2066}\n".into()
            })),
        ),
        r"\u{9b}31mred\u{202e}desrever\u{2066}\u{a}",
    );
    // An expression with a bell and an escape.
    fails_safely(
        &cli(
            &["trace", "-"],
            Some(&scenario_with(|v| {
                v["surface"] = serde_json::json!({"expr": "x + \u{7}\u{1b}[31my"})
            })),
        ),
        r"\u{7}",
    );
    // A run's label and colour.
    fails_safely(
        &cli(
            &["trace", "-"],
            Some(&scenario_with(|v| {
                v["runs"][0]["label"] = HOSTILE.into();
                v["runs"][0]["color"] = HOSTILE.into();
            })),
        ),
        "runs[0].label: no control characters",
    );
    fails_safely(
        &cli(
            &["trace", "-"],
            Some(&scenario_with(|v| v["runs"][0]["color"] = HOSTILE.into())),
        ),
        r"\u{1b}",
    );
    fails_safely(
        &cli(
            &["trace", "-"],
            Some(&scenario_with(|v| v["runs"][0]["label"] = 1.into())),
        ),
        "runs[0].label",
    );
    // What the command line is given: a file name, the arguments of `render`, and one that
    // clap does not know.
    fails_safely(
        &cli(&["trace", &format!("/nonexistent/{HOSTILE}.json")], None),
        esc,
    );
    let sc = TempFile::new("render.json", SCENARIO);
    for args in [
        ["--out", &format!("{HOSTILE}.txt")],
        ["--panels", &format!("map,{HOSTILE}")],
        ["--background", HOSTILE],
    ] {
        let mut all = vec!["render", sc.path()];
        all.extend(args);
        if args[0] != "--out" {
            all.extend(["--out", "/nonexistent/fig.svg"]);
        }
        fails_safely(&cli(&all, None), esc);
    }
    // (clap itself drops escape sequences from its messages, not the carriage return.)
    fails_safely(
        &cli(&["trace", &format!("--{HOSTILE}")], None),
        r"unexpected argument '--evil\u{d}good'",
    );
}

#[test]
fn oversize_input_is_too_large_even_cut_inside_a_character() {
    // 300 KiB of a two-byte character: the first 262145 bytes end inside one.
    let text = "é".repeat(150 * 1024);
    assert_eq!(text.len(), 300 * 1024);
    let f = TempFile::new("large.json", &text);
    fails_with_one_line(
        &cli(&["trace", f.path()], None),
        "scenario too large (307200 bytes, at most 262144)",
    );
    fails_with_one_line(
        &cli(&["render", f.path(), "--out", "/nonexistent/fig.svg"], None),
        "scenario too large (307200 bytes, at most 262144)",
    );
    fails_with_one_line(
        &cli(&["trace", "-"], Some(&text)),
        "scenario too large (262145 bytes or more, at most 262144)",
    );
    // At most 262144 bytes are read: exactly that many is a scenario, one more is too large.
    let max = optimizer_playground::scenario::MAX_JSON;
    let padded = SCENARIO.to_string() + &" ".repeat(max - SCENARIO.len());
    assert_eq!(padded.len(), max);
    assert_eq!(cli(&["trace", "-"], Some(&padded)).status.code(), Some(0));
    let f = TempFile::new("max.json", &padded);
    assert_eq!(cli(&["trace", f.path()], None).status.code(), Some(0));
    fails_with_one_line(
        &cli(&["trace", "-"], Some(&format!("{padded} "))),
        "too large",
    );
    // Short input that is not UTF-8 says so, where.
    for o in [
        cli_bytes(&["trace", "-"], Some(b"{\"surface\": \"\xff\"}")),
        cli(
            &[
                "trace",
                TempFile::new("latin1.json", b"{\"x\": \"\xe9\"}").path(),
            ],
            None,
        ),
    ] {
        fails_with_one_line(&o, "not valid UTF-8 text (at byte ");
    }
}

#[test]
fn trace_in_chunks_matches_the_library() {
    // More iterations than one chunk of progress (1000), not a multiple of it; a run that
    // diverges within the first chunk, mini-batches and gradient noise (generators that
    // carry over from one chunk to the next), lookahead, a line search, a learned rate.
    let sc = r#"{"data": {"kind": "linear", "n": 40, "noise": 0.5, "seed": 3}, "batch_size": 7,
      "start": [0.5, -1], "steps": 3500, "runs": [
        {"optimizer": {"name": "adam", "lr": 0.01}, "noise": 0.1, "seed": 5},
        {"optimizer": {"name": "lookahead", "k": 3, "inner": {"name": "momentum", "lr": 0.00001}}},
        {"optimizer": {"name": "lbfgs", "line_search": "wolfe"}, "batch_size": 40},
        {"optimizer": {"name": "sgd_hd", "lr": 0.00001}, "schedule": {"name": "cosine", "t_max": 1700}},
        {"optimizer": {"name": "gd", "lr": 10}}
      ]}"#;
    let want = Session::new(&Scenario::from_json(sc).unwrap())
        .unwrap()
        .finish();
    assert!(want.iter().any(|t| t.diverged_at.is_some_and(|k| k < 1000)));
    assert!(want.iter().any(|t| t.diverged_at.is_none()));
    let o = cli(&["trace", "-"], Some(sc));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty());
    check_trace_output(&stdout(&o), &want, 3500);
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&o)).unwrap(),
        serde_json::to_value(serde_json::json!({ "runs": want })).unwrap()
    );
}

/// A scenario of 100 000 iterations for each of `runs` runs.
fn long_scenario(runs: usize) -> String {
    let run = r#"{"optimizer": {"name": "adam", "lr": 0.001}}"#;
    format!(
        r#"{{"surface": {{"name": "rosenbrock"}}, "start": [-1.5, 2], "steps": 100000,
            "runs": [{}]}}"#,
        vec![run; runs].join(", ")
    )
}

#[test]
fn long_runs_print_nothing_but_their_result_on_a_pipe() {
    let sc = long_scenario(1);
    let o = cli(&["trace", "-"], Some(&sc));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{:?}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["runs"][0]["path"].as_array().unwrap().len(), 100_001);
    let out = std::env::temp_dir().join(format!(
        "optimizer-playground-cli-{}-long.png",
        std::process::id()
    ));
    let f = TempFile::new("long.json", &sc);
    let o = cli(
        &[
            "render",
            f.path(),
            "--out",
            out.to_str().unwrap(),
            "--step",
            "30000",
            "--width",
            "200",
            "--height",
            "150",
        ],
        None,
    );
    let _ = std::fs::remove_file(&out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{:?}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn long_runs_show_progress_on_a_terminal() {
    // util-linux's `script` gives the binary a terminal; without it there is nothing to test.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` (util-linux) to run the binary on a terminal");
        return;
    }
    // An expression of 40 terms: over a second of stepping (four times the quarter second
    // before the first update) in either profile, with little output to write.
    let steps = if cfg!(debug_assertions) {
        20_000
    } else {
        100_000
    };
    let terms: Vec<String> = (0..40)
        .map(|i| format!("sin(x*{}+y)*cos(y*{}-x)", i % 7 + 1, i % 5 + 1))
        .collect();
    let sc = serde_json::json!({
        "surface": {"expr": format!("0.01*(x^2+y^2)+{}", terms.join("+"))},
        "start": [-1.5, 2], "steps": steps,
        "runs": [{"optimizer": {"name": "gd", "lr": 0.001}}]
    })
    .to_string();
    let f = TempFile::new("progress.json", &sc);
    let out = TempFile::new("progress-out.json", "");
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let o = Command::new("script")
        .args(["-q", "-e", "-c"])
        .arg(format!(
            "{} trace {} > {}",
            quote(BIN),
            quote(f.path()),
            quote(out.path())
        ))
        .arg("/dev/null")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    // What reached the terminal: updates of one line, then the line cleared.
    let term = String::from_utf8(o.stdout).unwrap();
    let updates: Vec<&str> = term
        .split('\r')
        .filter(|l| l.starts_with("stepping: "))
        .collect();
    assert!(!updates.is_empty(), "no progress on the terminal: {term:?}");
    for u in &updates {
        let u = u.trim_end();
        assert!(
            u.ends_with(&format!(" of {steps} iterations)")) && u.contains("% ("),
            "{u:?}"
        );
    }
    assert!(updates.len() < 100, "too many updates: {}", updates.len());
    let tail = term.rsplit_once("iterations)").unwrap().1;
    assert!(
        tail.trim_start_matches(' ')
            .trim_matches('\r')
            .trim()
            .is_empty(),
        "the line is not cleared at the end: {tail:?}"
    );
    // And the output is the same.
    let want = Session::new(&Scenario::from_json(&sc).unwrap())
        .unwrap()
        .finish();
    check_trace_output(&std::fs::read_to_string(out.path()).unwrap(), &want, steps);
}

#[test]
fn a_loss_that_is_not_finite_is_printed_as_null() {
    // L(θ₀) = 1/0: the first iteration's gradient is not finite, the run stops there.
    let o = cli(
        &["trace", "-"],
        Some(
            r#"{"surface": {"expr": "1/x"}, "start": [0, 1], "steps": 5,
                "runs": [{"optimizer": {"name": "gd", "lr": 0.1}}, {"optimizer": {"name": "newton"}}]}"#,
        ),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    for r in v["runs"].as_array().unwrap() {
        assert_eq!(r["loss"], serde_json::json!([null]));
        assert_eq!(r["path"], serde_json::json!([[0.0, 1.0]]));
        assert_eq!(r["diverged_at"], 0);
    }
    // A gradient whose norm is beyond f64 (each component is finite) while the loss and the
    // steps stay finite: Adam's v overflows and the point does not move.
    let o = cli(
        &["trace", "-"],
        Some(
            r#"{"surface": {"expr": "1.5e308*x + 1.5e308*y"}, "start": [0.5, -0.5], "steps": 3,
                "runs": [{"optimizer": {"name": "adam", "lr": 0.1}}]}"#,
        ),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["runs"][0]["grad_norm"],
        serde_json::json!([null, null, null])
    );
    assert_eq!(
        v["runs"][0]["loss"],
        serde_json::json!([0.0, 0.0, 0.0, 0.0])
    );
    assert_eq!(v["runs"][0]["diverged_at"], Value::Null);
}
