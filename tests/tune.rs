//! The learning-rate fan and fair tuning (src/tune.rs), checked against `trace` (the single-run
//! path of `Session`), and the command line's `tune`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

use optimizer_playground::optim::{OptKind, Param};
use optimizer_playground::run::{Session, Trace};
use optimizer_playground::scenario::{Scenario, Stop, MAX_STEPS};
use optimizer_playground::tune::{
    self, fan, fan_rates, lr_range, with_fan, without_fan, TuneOptions, Tuner, FAN_PREFIX,
};
use serde_json::Value;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_optimizer-playground");

fn scenario(text: &str) -> Scenario {
    Scenario::from_json(text).unwrap()
}

/// Rosenbrock with gradient descent, Adam, Newton, BFGS (Wolfe) and lookahead(adam).
const MIXED: &str = r#"{"surface": {"name": "rosenbrock"}, "start": [-1.5, 2], "steps": 200,
  "runs": [{"optimizer": {"name": "gd", "lr": 0.001}},
           {"optimizer": {"name": "adam", "lr": 0.05}},
           {"optimizer": {"name": "newton"}},
           {"optimizer": {"name": "bfgs"}},
           {"optimizer": {"name": "lookahead", "inner": {"name": "adam", "lr": 0.01}}}]}"#;

fn traces(sc: &Scenario) -> Vec<Trace> {
    Session::new(sc).unwrap().finish()
}

fn last_loss(t: &Trace) -> f64 {
    *t.loss.last().unwrap()
}

// ---------------------------------------------------------------- the fan

#[test]
fn fan_rates_are_log_spaced_within_the_slider_range() {
    let cases = [
        (0.01, 1e-5, 10.0, 7),
        (0.001, 1e-5, 10.0, 5),
        (3e-5, 1e-5, 10.0, 9), // near the bottom: shifted up
        (5.0, 1e-5, 10.0, 11), // near the top: shifted down
        (1.0, 1e-3, 10.0, 3),  // Newton's step factor
        (0.5, 0.1, 2.0, 6),    // a range narrower than the window
    ];
    for (lr, min, max, n) in cases {
        let r = fan_rates(lr, min, max, n);
        assert_eq!(r.len(), n, "{lr}");
        assert!(r.iter().all(|&x| (min..=max).contains(&x)), "{lr}: {r:?}");
        let ratio = r[1] / r[0];
        assert!(ratio > 1.0);
        for w in r.windows(2) {
            assert!(((w[1] / w[0]) / ratio - 1.0).abs() < 1e-12, "{lr}: {r:?}");
        }
        // The window spans two decades where the range allows, around the rate when it fits.
        let span = (max / min).min(100.0);
        assert!((r[n - 1] / r[0] / span - 1.0).abs() < 1e-12, "{lr}: {r:?}");
        if lr / 10.0 >= min && lr * 10.0 <= max {
            assert!((r[n - 1] * r[0] / (lr * lr) - 1.0).abs() < 1e-12);
            if n % 2 == 1 {
                assert_eq!(
                    r[n / 2].to_bits(),
                    lr.to_bits(),
                    "the middle is the run's own rate"
                );
            }
        }
    }
}

#[test]
fn the_fan_is_the_run_at_each_rate_and_its_best_is_the_lowest_final_loss_of_trace() {
    let sc = scenario(
        r##"{"surface": {"name": "rosenbrock"}, "start": [-1.5, 2], "steps": 300,
        "runs": [{"optimizer": {"name": "momentum", "lr": 0.001}, "color": "#f77f00"},
                 {"optimizer": {"name": "adam", "lr": 0.05}}]}"##,
    );
    let f = fan(&sc, 0, 7, "#000000").unwrap();
    let (min, max) = lr_range(&sc.runs[0].optimizer);
    assert_eq!(f.rates, fan_rates(0.001, min, max, 7));
    let with = with_fan(&sc, &f);
    assert_eq!(with.runs.len(), 2 + 7);
    let ts = traces(&with);
    let fan_traces = &ts[2..];
    // Each fan run is the run with another rate, and ends as trace says, to the bit.
    for (i, (r, t)) in with.runs[2..].iter().zip(fan_traces).enumerate() {
        assert_eq!(r.optimizer.get("lr"), Some(f.rates[i]));
        assert_eq!(
            r.optimizer.get("momentum"),
            None,
            "other settings as the run had them"
        );
        assert!(r.label.as_deref().unwrap().starts_with(FAN_PREFIX));
        let o = &f.outcomes[i];
        assert_eq!(o.loss.to_bits(), last_loss(t).to_bits());
        assert_eq!(o.diverged_at, t.diverged_at);
        assert_eq!(o.evals, t.evals);
    }
    // At least one diverges (momentum 0.01 on Rosenbrock), so the marks are tested.
    assert!(fan_traces.iter().any(|t| t.diverged_at.is_some()));
    let best = (0..7)
        .filter(|&i| fan_traces[i].diverged_at.is_none())
        .min_by(|&a, &b| last_loss(&fan_traces[a]).total_cmp(&last_loss(&fan_traces[b])))
        .unwrap();
    assert_eq!(f.best, Some(best));
    for (i, r) in with.runs[2..].iter().enumerate() {
        let l = r.label.as_deref().unwrap();
        assert_eq!(l.ends_with("★ best"), i == best, "{l}");
        assert_eq!(
            l.ends_with("diverged"),
            fan_traces[i].diverged_at.is_some(),
            "{l}"
        );
    }
    // One hue, lighter as the rate grows, all different; the scenario reads back as it is.
    let colors: Vec<&str> = with.runs[2..]
        .iter()
        .map(|r| r.color.as_deref().unwrap())
        .collect();
    let light = |c: &str| {
        let v: Vec<u32> = (0..3)
            .map(|k| u32::from_str_radix(&c[1 + 2 * k..3 + 2 * k], 16).unwrap())
            .collect();
        v.iter().max().unwrap() + v.iter().min().unwrap()
    };
    for w in colors.windows(2) {
        assert!(light(w[0]) < light(w[1]), "{colors:?}");
    }
    assert_eq!(Scenario::from_json(&with.to_json()).unwrap(), with);
    // A new fan replaces the old; removing it leaves the scenario as it was.
    let again = with_fan(&with, &fan(&with, 1, 5, "#00a6fb").unwrap());
    assert_eq!(again.runs.len(), 2 + 5);
    assert_eq!(without_fan(&again), sc);
    assert_eq!(without_fan(&with), sc);
}

#[test]
fn a_fan_of_a_wrapper_fans_the_inner_rate() {
    let sc = scenario(MIXED);
    let f = fan(&sc, 4, 5, "#123456").unwrap();
    for (r, &lr) in f.runs.iter().zip(&f.rates) {
        assert_eq!(r.optimizer.name, OptKind::Lookahead);
        assert_eq!(r.optimizer.inner.as_ref().unwrap().get("lr"), Some(lr));
    }
    assert_eq!(f.rates[2], 0.01);
}

#[test]
fn fan_mistakes_are_named() {
    let sc = scenario(MIXED);
    let e = fan(&sc, 9, 7, "#000").unwrap_err();
    assert_eq!(e, "run: the scenario has 5 runs (got 9)");
    assert!(fan(&sc, 0, 2, "#000")
        .unwrap_err()
        .starts_with("n: a fan has from 3 to 11 runs"));
    assert!(fan(&sc, 0, 12, "#000").unwrap_err().starts_with("n: "));
    let mut many = sc.clone();
    while many.runs.len() < 25 {
        many.runs.push(sc.runs[1].clone());
    }
    assert!(fan(&many, 0, 11, "#000")
        .unwrap_err()
        .contains("at most 32 runs"));
}

// ---------------------------------------------------------------- tuning

fn opts(runs: &[usize], budget: usize, evals: Option<u64>, also: Option<&str>) -> TuneOptions {
    TuneOptions {
        runs: runs.to_vec(),
        budget,
        evals,
        also: also.map(str::to_string),
    }
}

#[test]
fn tuning_reproduces_its_table_to_the_bit_however_the_work_is_cut() {
    let sc = scenario(MIXED);
    for o in [
        opts(&[], 16, Some(150), None),
        opts(&[1, 4, 0], 12, None, Some("beta2")),
    ] {
        let a = tune::tune(&sc, &o).unwrap();
        let b = tune::tune(&sc.clone(), &o.clone()).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        for chunk in [1, 3, 7] {
            let mut t = Tuner::new(&sc, &o).unwrap();
            let mut calls = 0;
            while !t.step(chunk) {
                calls += 1;
                assert!(t.done_count() <= t.total());
            }
            assert!(calls > 0);
            assert_eq!(t.done_count(), t.total());
            assert_eq!(t.table(), a, "in chunks of {chunk}");
        }
    }
}

/// The candidate's run alone, with the budget as its only stop, through `trace`'s path.
fn candidate_trace(
    sc: &Scenario,
    spec: optimizer_playground::scenario::RunSpec,
    n: u64,
) -> (Trace, Vec<u64>) {
    let mut s = sc.clone();
    s.steps = (2 * n).min(MAX_STEPS);
    s.stop = Some(Stop {
        max_evals: Some(n),
        ..Stop::default()
    });
    s.runs = vec![spec];
    let mut session = Session::new(&s).unwrap();
    session.step(s.steps);
    let at = session.runs[0].evals_at.iter().map(|e| e.grad).collect();
    (session.runs.remove(0).trace, at)
}

#[test]
fn the_tuned_rate_is_the_best_of_its_grid_by_trace_and_the_budget_is_respected() {
    let sc = scenario(MIXED);
    let n = 120;
    let table = tune::tune(&sc, &opts(&[], 16, Some(n), None)).unwrap();
    assert_eq!(table.rows.len(), 5);
    assert_eq!(table.evals, n);
    for row in &table.rows {
        assert_eq!(row.runs_used, 16, "{}", row.label);
        let base = &sc.runs[row.run];
        let (min, max) = lr_range(&base.optimizer);
        let mut losses = Vec::new();
        for c in &row.candidates {
            assert!((min..=max).contains(&c.lr));
            let spec = tune::with_lr(&base.optimizer, c.lr);
            let mut run = base.clone();
            run.optimizer = spec;
            let (t, grads) = candidate_trace(&sc, run, n);
            assert_eq!(
                c.outcome.loss.to_bits(),
                last_loss(&t).to_bits(),
                "{} at {}",
                row.label,
                c.lr
            );
            assert_eq!(c.outcome.evals, t.evals);
            assert_eq!(c.outcome.diverged_at, t.diverged_at);
            if t.diverged_at.is_none() {
                // Stopped at the first iteration whose gradient evaluations reach the budget.
                assert_eq!(
                    t.stop_reason.as_deref(),
                    Some("evaluation budget"),
                    "{}",
                    row.label
                );
                assert!(*grads.last().unwrap() >= n);
                assert!(grads[grads.len() - 2] < n);
                losses.push(last_loss(&t));
            } else {
                losses.push(f64::INFINITY);
            }
        }
        // Distinct rates: the budget is spent on different candidates.
        let mut lrs: Vec<f64> = row.candidates.iter().map(|c| c.lr).collect();
        lrs.sort_by(f64::total_cmp);
        lrs.dedup();
        assert_eq!(lrs.len(), 16);
        let best = (0..losses.len())
            .filter(|&i| losses[i].is_finite())
            .min_by(|&a, &b| losses[a].total_cmp(&losses[b]))
            .unwrap();
        assert_eq!(row.lr, Some(row.candidates[best].lr), "{}", row.label);
        assert_eq!(row.loss.unwrap().to_bits(), losses[best].to_bits());
        assert_eq!(
            row.diverged,
            losses.iter().filter(|l| l.is_infinite()).count()
        );
        let tuned = row.tuned.as_ref().unwrap();
        assert!(tuned.label.as_deref().unwrap().starts_with("tuned "));
    }
    // Second-order methods are charged what the engine counts: Newton one gradient and one
    // Hessian an iteration; BFGS's line search every gradient it tries.
    let newton = &table.rows[2];
    let e = newton.evals.unwrap();
    assert_eq!((e.grad, e.hessian), (n, n));
    let bfgs = &table.rows[3];
    let best = bfgs
        .candidates
        .iter()
        .find(|c| Some(c.lr) == bfgs.lr)
        .unwrap();
    assert!(best.outcome.evals.grad >= n);
    assert!(
        best.outcome.iterations < n,
        "a line search spends more than one gradient an iteration"
    );
}

#[test]
fn a_second_hyper_parameter_is_searched_where_the_optimizer_takes_it() {
    let sc = scenario(MIXED);
    let t = tune::tune(&sc, &opts(&[0, 1, 4], 24, Some(100), Some("beta2"))).unwrap();
    assert_eq!(t.also.as_deref(), Some("beta2"));
    let gd = &t.rows[0];
    assert!(gd.other.is_none() && gd.candidates.iter().all(|c| c.other.is_none()));
    assert_eq!(gd.runs_used, 24);
    for row in &t.rows[1..] {
        let (name, v) = row.other.clone().unwrap();
        assert_eq!(name, "beta2");
        let values: std::collections::BTreeSet<u64> = row
            .candidates
            .iter()
            .map(|c| c.other.unwrap().to_bits())
            .collect();
        assert_eq!(values.len(), 3, "⌊24/8⌋ values of β₂");
        assert!(row.runs_used <= 24);
        let tuned = row.tuned.as_ref().unwrap();
        let cfg = match tuned.optimizer.inner.as_deref() {
            Some(inner) => inner.clone(),
            None => tuned.optimizer.clone(),
        };
        assert_eq!(cfg.get("beta2"), Some(v));
        let spec = Param::Beta2.spec();
        assert!(row
            .candidates
            .iter()
            .all(|c| (spec.min..=spec.max).contains(&c.other.unwrap())));
    }
    let sc2 = tune::with_tuned(&sc, &t).unwrap();
    assert_eq!(sc2.runs.len(), 5 + 3);
    assert_eq!(
        tune::with_tuned(&sc2, &t).unwrap(),
        sc2,
        "tuning again replaces the tuned runs"
    );
}

#[test]
fn tuning_mistakes_are_named() {
    let sc = scenario(MIXED);
    let err = |o: TuneOptions| tune::tune(&sc, &o).unwrap_err();
    assert_eq!(
        err(opts(&[7], 16, None, None)),
        "runs: the scenario has 5 runs (0 to 4), not 7"
    );
    assert_eq!(err(opts(&[1, 1], 16, None, None)), "runs: 1 is given twice");
    assert_eq!(
        err(opts(&[], 2, None, None)),
        "budget: from 3 to 1024 runs per optimizer (got 2)"
    );
    assert_eq!(
        err(opts(&[], 16, Some(0), None)),
        "evals: from 1 to 100000 gradient evaluations (got 0)"
    );
    assert!(err(opts(&[], 16, None, Some("beta9")))
        .starts_with("also: unknown hyper-parameter 'beta9' (known: lr, momentum"));
    assert!(err(opts(&[], 16, None, Some("lr")))
        .starts_with("also: the learning rate is always searched"));
    assert_eq!(
        err(opts(&[0], 16, None, Some("beta2"))),
        "also: no chosen run's optimizer takes 'beta2'"
    );
    assert!(err(opts(&[1], 5, None, Some("beta2")))
        .starts_with("budget: searching a second hyper-parameter takes at least 6"));
    let mut empty = sc.clone();
    empty.runs.clear();
    assert_eq!(
        tune::tune(&empty, &TuneOptions::default()).unwrap_err(),
        "runs: the scenario has no runs to tune"
    );
}

// ---------------------------------------------------------------- the command line

fn cli(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn scenario_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("tune-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn cli_prints_the_table_and_the_same_json_as_the_engine() {
    let path = scenario_file("mixed.json", MIXED);
    let o = cli(&[
        "tune", &path, "--runs", "0,2", "--budget", "8", "--evals", "100",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("metric: final loss after 100 gradient evaluations"),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().collect();
    let head = lines
        .iter()
        .position(|l| l.starts_with("run  optimizer"))
        .unwrap();
    assert!(lines[head + 1].starts_with("0    gd "), "{text}");
    assert!(lines[head + 2].starts_with("2    newton "), "{text}");
    assert!(lines[head + 2].contains("100 (100 Hessian)"), "{text}");
    let sc = scenario(MIXED);
    let table = tune::tune(&sc, &opts(&[0, 2], 8, Some(100), None)).unwrap();
    let j = cli(&[
        "tune", &path, "--runs", "0,2", "--budget", "8", "--evals", "100", "--json",
    ]);
    let out = String::from_utf8(j.stdout).unwrap();
    assert_eq!(out.trim_end(), serde_json::to_string(&table).unwrap());
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rows"][1]["optimizer"], "newton");
    assert_eq!(v["rows"][1]["runs_used"], 8);
    // Twice the same bytes.
    let again = cli(&[
        "tune", &path, "--runs", "0,2", "--budget", "8", "--evals", "100", "--json",
    ]);
    assert_eq!(again.stdout, out.as_bytes());
}

#[test]
fn cli_names_bad_input() {
    let path = scenario_file("mixed2.json", MIXED);
    let cases: [(&[&str], &str); 7] = [
        (
            &["--runs", "0,x"],
            "error: --runs: run indices from 0, comma-separated like 0,2 (got '0,x')",
        ),
        (
            &["--runs", "9"],
            "error: --runs: the scenario has 5 runs (0 to 4), not 9",
        ),
        (
            &["--budget", "1"],
            "error: --budget: from 3 to 1024 runs per optimizer (got 1)",
        ),
        (
            &["--evals", "0"],
            "error: --evals: from 1 to 100000 gradient evaluations (got 0)",
        ),
        (
            &["--also", "nope"],
            "error: --also: unknown hyper-parameter 'nope'",
        ),
        (
            &["--runs", "0", "--also", "beta2"],
            "error: --also: no chosen run's optimizer takes 'beta2'",
        ),
        (
            &["--budget", "many"],
            "error: invalid value 'many' for '--budget <BUDGET>'",
        ),
    ];
    for (args, want) in cases {
        let mut a = vec!["tune", path.as_str()];
        a.extend_from_slice(args);
        let o = cli(&a);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let e = String::from_utf8(o.stderr).unwrap();
        assert!(e.starts_with(want), "{args:?}: {e}");
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(o.stdout.is_empty());
    }
    let o = cli(&["tune", "/nonexistent/scenario.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stderr)
        .unwrap()
        .starts_with("error: cannot read '/nonexistent/scenario.json'"));
    let bad = scenario_file(
        "bad.json",
        r#"{"surface": {"name": "rosenbrock"}, "start": [0, 0], "steps": 10, "runs": [{"optimizer": {"name": "adam", "lr": -1}}]}"#,
    );
    let o = cli(&["tune", &bad]);
    assert!(String::from_utf8(o.stderr)
        .unwrap()
        .starts_with("error: runs[0].optimizer.lr: must be > 0"));
}

#[test]
fn the_fan_is_marked_afresh_when_the_scenario_changes_and_tuning_leaves_it_out() {
    let sc = scenario(MIXED);
    let with = with_fan(&sc, &fan(&sc, 1, 5, "#00a6fb").unwrap());
    // Unchanged: the same marks.
    let (same, best) = tune::mark_fan(&with).unwrap();
    assert_eq!(same, with);
    let (k, end) = best.unwrap();
    assert!(with.runs[k].label.as_deref().unwrap().ends_with("★ best"));
    assert_eq!(*traces(&with)[k].path.last().unwrap(), end);
    // Another surface: the marks follow trace there.
    let mut moved = with.clone();
    moved.surface = optimizer_playground::scenario::SurfaceSpec::named("himmelblau");
    moved.start = optimizer_playground::Vec2::new(0.5, -0.5);
    let (marked, best) = tune::mark_fan(&moved).unwrap();
    let ts = traces(&marked);
    let want = (5..10)
        .filter(|&i| ts[i].diverged_at.is_none())
        .min_by(|&a, &b| last_loss(&ts[a]).total_cmp(&last_loss(&ts[b])))
        .unwrap();
    assert_eq!(best.unwrap().0, want);
    for i in 5..10 {
        let l = marked.runs[i].label.as_deref().unwrap();
        assert_eq!(l.ends_with("★ best"), i == want, "{l}");
        assert_eq!(
            l.matches(" · ").count(),
            usize::from(l.contains("best") || l.contains("diverged"))
        );
    }
    // Tuning by default leaves the fan's runs (and earlier tuned runs) out.
    let t = tune::tune(&marked, &opts(&[], 4, Some(50), None)).unwrap();
    assert_eq!(
        t.rows.iter().map(|r| r.run).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
    let tuned = tune::with_tuned(&marked, &t).unwrap();
    let again = tune::tune(&tuned, &opts(&[], 4, Some(50), None)).unwrap();
    assert_eq!(again, t);
}
