//! Stopping rules (`stop`: `grad_tol`, `max_evals`), per-run starts and end labels, with answers
//! known in advance: gradient descent on quadratics whose iterates are powers of a constant,
//! evaluation budgets counted per iteration, critical points whose Hessians are known.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

mod common;

use common::*;
use optimizer_playground::optim::{LineSearch, OptKind, OptimizerConfig};
use optimizer_playground::playground::Playground;
use optimizer_playground::run::{
    classify, eigenvalues, end_label, end_label_within, EndLabel, Session, Trace,
};
use optimizer_playground::scenario::{RunSpec, Scenario, Stop};
use optimizer_playground::surface::Surface;
use optimizer_playground::{Mat2, Vec2};
use serde_json::Value;

fn gd(lr: f64) -> RunSpec {
    RunSpec::new(OptimizerConfig::new(OptKind::Gd).with_lr(lr))
}

fn bfgs_wolfe() -> RunSpec {
    let mut o = OptimizerConfig::new(OptKind::Bfgs);
    o.line_search = Some(LineSearch::Wolfe);
    RunSpec::new(o)
}

fn with_stop(mut sc: Scenario, stop: Stop) -> Scenario {
    sc.stop = Some(stop);
    sc
}

fn grad_tol(t: f64) -> Stop {
    Stop {
        grad_tol: Some(t),
        ..Stop::default()
    }
}

fn budget(n: u64) -> Stop {
    Stop {
        max_evals: Some(n),
        ..Stop::default()
    }
}

/// A stopped trace is the unstopped one cut short: every recorded number, bit for bit, and the
/// counts of the stopped point.
#[track_caller]
fn is_prefix(stopped: &Trace, full: &Trace) {
    let n = stopped.path.len();
    assert!(n <= full.path.len());
    assert_eq!(bits(&stopped.path), bits(&full.path[..n]));
    let b = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(b(&stopped.loss), b(&full.loss[..n]));
    assert_eq!(b(&stopped.lr), b(&full.lr[..n - 1]));
    assert_eq!(b(&stopped.grad_norm), b(&full.grad_norm[..n - 1]));
    assert_eq!(stopped.stopped_at, Some(n as u64 - 1));
    assert_eq!(stopped.diverged_at, None);
}

// ================================================================ grad_tol

/// `L = x² + y²`, gd at 0.25 from (1, 0): θ_k = (½ᵏ, 0) exactly and ‖∇L(θ_k)‖ = 2·½ᵏ; the first k
/// with 2·½ᵏ < 10⁻³ is 11 (2·½¹⁰ ≈ 1.95e-3, 2·½¹¹ ≈ 9.8e-4).
#[test]
fn gradient_descent_on_a_round_bowl_stops_at_iteration_11() {
    let sc = scenario_expr("x^2 + y^2", [1.0, 0.0], 100, vec![gd(0.25)]);
    let full = traces(&sc).remove(0);
    let t = traces(&with_stop(sc, grad_tol(1e-3))).remove(0);
    assert_eq!(t.stopped_at, Some(11));
    assert_eq!(t.stop_reason.as_deref(), Some("gradient norm below 0.001"));
    assert_eq!(t.path.len(), 12);
    assert_eq!(t.path[11], Vec2::new(0.5f64.powi(11), 0.0));
    is_prefix(&t, &full);
    // The check's gradient is not counted: 11 iterations read 11 gradients and record 12 losses.
    assert_eq!((t.evals.value, t.evals.grad, t.evals.hessian), (12, 11, 0));
    assert_eq!(full.stopped_at, None);
    assert_eq!(full.path.len(), 101);
    // At ‖∇L‖ ≈ 1e-3 the point is not a critical point to 6 digits, but the scenario's own
    // tolerance counts as small: the end is a minimum under that rule.
    let s = Surface::expr("x^2 + y^2").unwrap();
    assert_eq!(end_label(&s, &t), EndLabel::Moving);
    assert_eq!(end_label_within(&s, &t, Some(1e-3)), EndLabel::Minimum);
    assert_eq!(end_label(&s, &full), EndLabel::Minimum);
}

/// `L = x² + 10y²`, gd at 0.05 from (1, 1): y is 0 after one step (1 − 20·0.05 = 0) and
/// x_k = 0.9ᵏ, so ‖∇L(θ_k)‖ = 2·0.9ᵏ for k ≥ 1; 2·0.9¹⁸¹ ≈ 1.04e-8 and 2·0.9¹⁸² ≈ 9.4e-9.
#[test]
fn gradient_descent_on_an_elongated_bowl_stops_at_iteration_182() {
    let sc = scenario_expr("x^2 + 10*y^2", [1.0, 1.0], 1000, vec![gd(0.05)]);
    let full = traces(&sc).remove(0);
    let t = traces(&with_stop(sc, grad_tol(1e-8))).remove(0);
    assert_eq!(t.stopped_at, Some(182));
    assert_eq!(t.stop_reason.as_deref(), Some("gradient norm below 1e-8"));
    is_prefix(&t, &full);
    let x = t.path[182].x;
    assert!((x - 0.9f64.powi(182)).abs() < 1e-12 * x, "{x}");
}

/// A start where the gradient is already below the tolerance stops before any iteration.
#[test]
fn a_run_starting_at_a_critical_point_stops_at_once() {
    let sc = with_stop(
        scenario_expr("x^2 - y^2", [0.0, 0.0], 50, vec![gd(0.1)]),
        grad_tol(1e-8),
    );
    let t = traces(&sc).remove(0);
    assert_eq!(t.stopped_at, Some(0));
    assert_eq!(t.path, vec![Vec2::ZERO]);
    assert!(t.lr.is_empty() && t.grad_norm.is_empty());
    assert_eq!((t.evals.value, t.evals.grad), (1, 0));
    let s = Session::new(&sc).unwrap();
    assert!(s.done(), "a stopped run is done");
}

/// BFGS with a Wolfe search on Ackley reaches a local minimum near (0, −2.96) in a dozen
/// iterations and then spends about 30 gradients per iteration on line searches that cannot
/// improve; with `grad_tol` it stops at the first point whose gradient is below it.
#[test]
fn bfgs_on_ackley_stops_instead_of_spending_thirty_gradients_a_step() {
    let sc = scenario_named("ackley", [2.2, -1.7], 500, vec![bfgs_wolfe()]);
    let s = Surface::named("ackley").unwrap();
    let full = traces(&sc).remove(0);
    assert_eq!(full.path.len(), 501);
    assert!(full.evals.grad > 25 * 500, "{:?}", full.evals);
    let t = traces(&with_stop(sc, grad_tol(1e-8))).remove(0);
    is_prefix(&t, &full);
    let k = t.stopped_at.unwrap() as usize;
    assert!(k < 20, "stopped at {k}");
    assert!(s.grad(t.path[k]).1.norm() < 1e-8);
    assert!(t.path[..k].iter().all(|&p| s.grad(p).1.norm() >= 1e-8));
    assert!(t.evals.grad < 3 * k as u64 + 10, "{:?}", t.evals);
    assert!(
        (t.path[k] - Vec2::new(0.0, -2.9646)).norm() < 1e-3,
        "{:?}",
        t.path[k]
    );
    assert_eq!(end_label(&s, &t), EndLabel::Minimum);
}

// ================================================================ max_evals

/// A first-order iteration reads one gradient: a budget of 25 stops gd after iteration 25.
/// Newton counts one gradient per iteration too (with its Hessian).
#[test]
fn max_evals_stops_first_order_and_newton_runs_at_the_budget() {
    let newton = RunSpec::new(OptimizerConfig::new(OptKind::Newton));
    let sc = with_stop(
        scenario_named("rosenbrock", [-1.5, 2.0], 300, vec![gd(1e-4), newton]),
        budget(25),
    );
    let full = traces(&Scenario {
        stop: None,
        ..sc.clone()
    });
    let t = traces(&sc);
    assert_eq!(t[0].stopped_at, Some(25));
    assert_eq!(t[0].evals.grad, 25);
    assert_eq!(t[0].stop_reason.as_deref(), Some("evaluation budget"));
    is_prefix(&t[0], &full[0]);
    // Newton on Rosenbrock converges in a few iterations and goes on; the budget still binds.
    assert_eq!(t[1].stopped_at, Some(25));
    assert_eq!((t[1].evals.grad, t[1].evals.hessian), (25, 25));
    is_prefix(&t[1], &full[1]);
}

/// A quasi-Newton iteration reads a variable number of gradients: the run stops after the
/// first iteration at whose end the count has reached the budget (it may overshoot by what one
/// iteration reads, never more).
#[test]
fn max_evals_stops_bfgs_after_the_iteration_that_reaches_the_budget() {
    let sc = with_stop(
        scenario_named("ackley", [1.3, 0.7], 200, vec![bfgs_wolfe()]),
        budget(100),
    );
    let mut full = Session::new(&Scenario {
        stop: None,
        ..sc.clone()
    })
    .unwrap();
    full.step(200);
    let at = &full.runs[0].evals_at;
    let want = at.iter().position(|e| e.grad >= 100).unwrap();
    assert!(at[want - 1].grad < 100 && at[want].grad > at[want - 1].grad);
    let t = traces(&sc).remove(0);
    assert_eq!(t.stopped_at, Some(want as u64));
    assert_eq!(t.evals, at[want]);
    assert_eq!(t.stop_reason.as_deref(), Some("evaluation budget"));
    is_prefix(&t, &full.runs[0].trace);
}

/// When two rules hold at the same point, the gradient rule is the reason given.
#[test]
fn the_gradient_rule_comes_first() {
    let stop = Stop {
        grad_tol: Some(1e-3),
        max_evals: Some(11),
        patience: None,
    };
    let sc = with_stop(
        scenario_expr("x^2 + y^2", [1.0, 0.0], 100, vec![gd(0.25)]),
        stop,
    );
    let t = traces(&sc).remove(0);
    assert_eq!(t.stopped_at, Some(11));
    assert_eq!(t.stop_reason.as_deref(), Some("gradient norm below 0.001"));
}

// ================================================================ sessions and the page

/// A stopped run takes no more steps: the session is done once every run has stopped or
/// reached `steps`, and the page shows why and how the run ended.
#[test]
fn stopped_runs_are_done_in_the_session_and_the_page() {
    let sc = with_stop(
        scenario_expr("x^2 + y^2", [1.0, 0.0], 100, vec![gd(0.25), gd(0.01)]),
        grad_tol(1e-3),
    );
    let mut s = Session::new(&sc).unwrap();
    s.step(50);
    assert_eq!(s.runs[0].iterations(), 11);
    assert!(s.runs[0].finished() && s.runs[0].stopped());
    assert!(
        !s.runs[0].clone().step(&s.surface),
        "a stopped run does not step"
    );
    assert!(!s.done(), "run 1 goes on");
    s.step(100);
    assert!(s.done());
    assert_eq!(s.runs[1].iterations(), 100);

    let mut pg = Playground::new(sc).unwrap();
    pg.step(100);
    assert!(pg.done());
    let ro = pg.readouts();
    assert_eq!(
        ro[0].status,
        "stopped at step 11 (gradient norm below 0.001) · minimum"
    );
    assert_eq!(ro[0].end, "minimum");
    assert!(!ro[0].diverged);
    // Run 1 (0.98ᵏ) is still far from 0 after 100 steps: done, but moving.
    assert_eq!(ro[1].status, "done · moving");
    assert_eq!(ro[1].end, "moving");
    // Scrubbed back, nothing has ended yet.
    pg.set_cursor(5.0);
    let ro = pg.readouts();
    assert!(ro.iter().all(|r| r.status.is_empty() && r.end.is_empty()));
}

/// Without `stop` the page's statuses are as before, and the end label is still there.
#[test]
fn without_stop_the_status_is_unchanged() {
    let mut pg = Playground::new(scenario_expr(
        "x^2 + 10*y^2",
        [1.0, 1.0],
        150,
        vec![gd(0.12), gd(0.05)],
    ))
    .unwrap();
    pg.step(150);
    let ro = pg.readouts();
    assert_eq!(ro[0].status, "diverged at step 82");
    assert_eq!(ro[0].end, "diverged");
    assert_eq!(ro[1].status, "done");
    assert_eq!(ro[1].end, "minimum");
}

/// Changing `stop` in the page restarts the runs under the new rules.
#[test]
fn editing_stop_in_the_page_applies_it() {
    let sc = scenario_expr("x^2 + y^2", [1.0, 0.0], 100, vec![gd(0.25)]);
    let mut pg = Playground::new(sc.clone()).unwrap();
    pg.step(100);
    assert_eq!(pg.session().runs[0].iterations(), 100);
    pg.edit(with_stop(sc, grad_tol(1e-3))).unwrap();
    pg.step(100);
    assert_eq!(pg.session().runs[0].trace.stopped_at, Some(11));
}

// ================================================================ per-run start

/// Himmelblau has four minima; gradient descent from a start near each ends at that one, and a
/// run's own `start` wins over the scenario's.
#[test]
fn one_optimizer_from_several_starts_on_himmelblau() {
    let minima = [
        Vec2::new(3.0, 2.0),
        Vec2::new(-2.805118, 3.131312),
        Vec2::new(-3.779310, -3.283186),
        Vec2::new(3.584428, -1.848126),
    ];
    let starts = [[2.0, 1.0], [-2.0, 2.0], [-3.0, -2.0], [2.0, -2.0]];
    let runs = starts
        .iter()
        .map(|&s| {
            let mut r = gd(0.01);
            r.start = Some(s.into());
            r
        })
        .collect();
    let sc = with_stop(
        scenario_named("himmelblau", [0.0, 0.0], 1000, runs),
        grad_tol(1e-8),
    );
    let s = Session::new(&sc).unwrap();
    for (r, st) in s.runs.iter().zip(starts) {
        assert_eq!(r.trace.path[0], Vec2::from(st));
    }
    let surface = s.surface.clone();
    for (t, m) in s.finish().iter().zip(minima) {
        let end = *t.path.last().unwrap();
        assert!(
            (end - m).norm() < 1e-5,
            "{} ends at {end:?}, not {m:?}",
            t.label
        );
        assert!(t.stopped_at.is_some_and(|k| k < 1000), "{}", t.label);
        assert_eq!(end_label(&surface, t), EndLabel::Minimum);
    }
}

/// A run's `start` equal to the scenario's changes nothing; push_run and replace_run honour a
/// run's own start; the scenario's start is the default.
#[test]
fn a_run_start_is_used_everywhere_a_run_starts() {
    let sc = scenario_named("rosenbrock", [-1.5, 2.0], 40, vec![gd(1e-3)]);
    let mut same = sc.clone();
    same.runs[0].start = Some(Vec2::new(-1.5, 2.0));
    assert_eq!(bits(&traces(&sc)[0].path), bits(&traces(&same)[0].path));

    let mut s = Session::new(&sc).unwrap();
    let mut own = gd(1e-3);
    own.start = Some(Vec2::new(0.5, 0.5));
    s.push_run(own.clone());
    s.replace_run(0, own);
    s.push_run(gd(1e-3));
    let starts: Vec<Vec2> = s.runs.iter().map(|r| r.trace.path[0]).collect();
    assert_eq!(
        starts,
        vec![
            Vec2::new(0.5, 0.5),
            Vec2::new(0.5, 0.5),
            Vec2::new(-1.5, 2.0)
        ]
    );
    s.step(40);
    let t = s.traces();
    assert_eq!(bits(&t[0].path), bits(&t[1].path));
}

// ================================================================ end labels

/// The eigenvalues of symmetric 2×2 matrices with known spectra.
#[test]
fn eigenvalues_of_known_matrices() {
    let m = |a, b, d| Mat2 { a, b, c: b, d };
    assert_eq!(eigenvalues(m(2.0, 0.0, -2.0)), (-2.0, 2.0));
    assert_eq!(eigenvalues(m(2.0, -2.0, 2.0)), (0.0, 4.0));
    assert_eq!(eigenvalues(m(3.0, 4.0, 3.0)), (-1.0, 7.0));
}

/// Points whose derivatives are known: a bowl's bottom, a saddle, a cap, a valley floor, the
/// monkey saddle (zero Hessian) and a slope.
#[test]
fn known_critical_points_are_classified() {
    let expr = |e: &str| Surface::expr(e).unwrap();
    let o = Vec2::ZERO;
    assert_eq!(classify(&expr("x^2 + 10*y^2"), o, 0.0), EndLabel::Minimum);
    assert_eq!(classify(&expr("x^2 - y^2"), o, 0.0), EndLabel::Saddle);
    assert_eq!(classify(&expr("-(x^2) - 3*y^2"), o, 0.0), EndLabel::Maximum);
    assert_eq!(
        classify(&expr("(x - y)^2"), Vec2::new(2.0, 2.0), 0.0),
        EndLabel::Flat
    );
    assert_eq!(
        classify(&Surface::named("monkey_saddle").unwrap(), o, 0.0),
        EndLabel::Flat
    );
    assert_eq!(
        classify(&Surface::named("saddle").unwrap(), o, 0.0),
        EndLabel::Saddle
    );
    assert_eq!(
        classify(&expr("x^2 + y^2"), Vec2::new(1.0, 0.0), 0.0),
        EndLabel::Moving
    );
    // Scale-aware: multiplying or shifting L changes nothing.
    for (e, p) in [
        ("1e6*(x^2 + 10*y^2) + 1e9", Vec2::new(1e-9, 0.0)),
        ("1e-6*(x^2 + 10*y^2) - 5", Vec2::new(1e-9, 0.0)),
    ] {
        assert_eq!(classify(&expr(e), p, 0.0), EndLabel::Minimum, "{e}");
    }
    assert_eq!(
        classify(&expr("1e-9*(x^2 + y^2)"), Vec2::new(0.5, 0.0), 0.0),
        EndLabel::Moving
    );
}

/// Runs ending at a known minimum, started exactly at a saddle, at a maximum, on a valley floor,
/// still on a slope after a few steps, and diverged.
#[test]
fn end_labels_of_runs() {
    let label = |expr: &str, start: [f64; 2], steps: u64, run: RunSpec| {
        let sc = scenario_expr(expr, start, steps, vec![run]);
        let s = Surface::expr(expr).unwrap();
        end_label(&s, &traces(&sc)[0])
    };
    assert_eq!(
        label("x^2 + 10*y^2", [1.0, 1.0], 500, gd(0.05)),
        EndLabel::Minimum
    );
    assert_eq!(
        label("x^2 - y^2", [0.0, 0.0], 100, gd(0.1)),
        EndLabel::Saddle
    );
    assert_eq!(
        label("-(x^2 + y^2)", [0.0, 0.0], 100, gd(0.1)),
        EndLabel::Maximum
    );
    // gd on (x − y)² from (1, −1) reaches the floor x = y (the line of minima) exactly at 0.
    assert_eq!(
        label("(x - y)^2", [1.0, -1.0], 100, gd(0.125)),
        EndLabel::Flat
    );
    // x⁴ + y⁴ at 0: gradient and Hessian vanish.
    assert_eq!(label("x^4 + y^4", [0.0, 0.0], 10, gd(0.1)), EndLabel::Flat);
    let named = |name: &str, start: [f64; 2], steps: u64, run: RunSpec| {
        let sc = scenario_named(name, start, steps, vec![run]);
        end_label(&Surface::named(name).unwrap(), &traces(&sc)[0])
    };
    assert_eq!(
        named("rosenbrock", [-1.5, 2.0], 3, gd(1e-4)),
        EndLabel::Moving
    );
    assert_eq!(named("saddle", [0.0, 0.0], 50, gd(0.1)), EndLabel::Saddle);
    assert_eq!(
        named("monkey_saddle", [0.0, 0.0], 50, gd(0.1)),
        EndLabel::Flat
    );
    assert_eq!(
        label("x^2 + 10*y^2", [1.0, 1.0], 150, gd(0.12)),
        EndLabel::Diverged
    );
    assert_eq!(EndLabel::Minimum.name(), "minimum");
    assert_eq!(
        serde_json::to_string(&EndLabel::Saddle).unwrap(),
        "\"saddle\""
    );
}

// ================================================================ the scenario format

#[test]
fn stop_and_run_start_round_trip_and_are_absent_when_not_given() {
    let text = r#"{"surface": {"name": "himmelblau"}, "start": [0, 0], "steps": 50,
        "stop": {"grad_tol": 1e-8, "max_evals": 1000},
        "runs": [{"optimizer": {"name": "gd", "lr": 0.01}, "start": [-2, 2]}]}"#;
    let sc = Scenario::from_json(text).unwrap();
    assert_eq!(
        sc.stop,
        Some(Stop {
            grad_tol: Some(1e-8),
            max_evals: Some(1000),
            patience: None
        })
    );
    assert_eq!(sc.runs[0].start, Some(Vec2::new(-2.0, 2.0)));
    let json = sc.to_json();
    assert!(
        json.contains(r#""stop":{"grad_tol":1e-8,"max_evals":1000}"#),
        "{json}"
    );
    assert_eq!(Scenario::from_json(&json).unwrap(), sc);
    let plain = scenario_named("himmelblau", [0.0, 0.0], 5, vec![gd(0.01)]).to_json();
    assert!(!plain.contains("stop") && !plain.contains("\"start\":[0.0,0.0]}"));
    assert_eq!(plain.matches("start").count(), 1, "{plain}");
    // An empty stop object is kept (it asks for the end labels) and stops nothing.
    let sc = Scenario::from_json(
        r#"{"surface": {"name": "himmelblau"}, "start": [0, 0], "steps": 5, "stop": {},
            "runs": [{"optimizer": {"name": "gd", "lr": 0.01}}]}"#,
    )
    .unwrap();
    assert_eq!(sc.stop, Some(Stop::default()));
    assert_eq!(traces(&sc)[0].path.len(), 6);
}

#[test]
fn bad_stop_rules_and_run_starts_are_rejected_with_the_field() {
    let with = |stop: &str, run: &str| {
        Scenario::from_json(&format!(
            r#"{{"surface": {{"name": "himmelblau"}}, "start": [0, 0], "steps": 5 {stop},
                "runs": [{{"optimizer": {{"name": "gd", "lr": 0.01}} {run}}}]}}"#
        ))
        .unwrap_err()
    };
    assert_eq!(
        with(r#", "stop": {"grad_tol": 0}"#, ""),
        "stop.grad_tol: must be > 0 (got 0)"
    );
    assert_eq!(
        with(r#", "stop": {"grad_tol": -1e-3}"#, ""),
        "stop.grad_tol: must be > 0 (got -0.001)"
    );
    assert_eq!(
        with(r#", "stop": {"max_evals": 0}"#, ""),
        "stop.max_evals: must be at least 1 (got 0)"
    );
    assert_eq!(
        with(r#", "stop": {"patience": 0}"#, ""),
        "stop.patience: must be at least 1 (got 0)"
    );
    assert!(with(r#", "stop": {"patience": 5}"#, "")
        .starts_with("stop.patience: early stopping needs held-out points"));
    assert!(with(r#", "stop": {"grad_tol": "small"}"#, "").starts_with("stop.grad_tol: "));
    assert!(with(r#", "stop": {"max_evals": -3}"#, "").starts_with("stop.max_evals: "));
    assert!(with(r#", "stop": {"tol": 1}"#, "").starts_with("stop: unknown field `tol`"));
    assert_eq!(
        with("", r#", "start": [1e13, 0]"#),
        "runs[0].start: must be two finite numbers of size at most 1e12 (got [10000000000000, 0])"
    );
    assert!(with("", r#", "start": [1]"#).starts_with("runs[0].start: "));
    assert!(with("", r#", "start": "here""#).starts_with("runs[0].start: "));
}

// ================================================================ the command line

fn cli(args: &[&str], stdin: &str) -> (i32, String) {
    let out = common::cli_with_input(args, stdin);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// `trace` prints `stopped_at`, `stop_reason` and `end` for a scenario with `stop`; `end` with
/// `--end`; none of them otherwise.
#[test]
fn trace_prints_the_stop_and_the_end_label() {
    let base = r#"{"surface": {"expr": "x^2 + y^2"}, "start": [1, 0], "steps": 100,
        "runs": [{"optimizer": {"name": "gd", "lr": 0.25}}, {"optimizer": {"name": "gd", "lr": 1.5}}]"#;
    let (code, out) = cli(&["trace", "-"], &format!("{base}}}"));
    assert_eq!(code, 0);
    let plain: Value = serde_json::from_str(&out).unwrap();
    for r in plain["runs"].as_array().unwrap() {
        for k in ["end", "stopped_at", "stop_reason", "val_loss"] {
            assert!(r.get(k).is_none(), "{k} printed without being asked");
        }
    }
    let (code, out) = cli(&["trace", "--end", "-"], &format!("{base}}}"));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["runs"][0]["end"], "minimum");
    assert_eq!(v["runs"][1]["end"], "diverged");
    // Apart from "end", the same output.
    let mut w = v.clone();
    for r in w["runs"].as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("end");
    }
    assert_eq!(w, plain);
    let (code, out) = cli(
        &["trace", "-"],
        &format!(r#"{base}, "stop": {{"grad_tol": 1e-3}}}}"#),
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let r = &v["runs"][0];
    assert_eq!(r["stopped_at"], 11);
    assert_eq!(r["stop_reason"], "gradient norm below 0.001");
    assert_eq!(r["end"], "minimum");
    assert_eq!(r["path"].as_array().unwrap().len(), 12);
    assert!(r["diverged_at"].is_null());
    assert_eq!(v["runs"][1]["end"], "diverged");
    assert!(v["runs"][1].get("stopped_at").is_none());
}

/// The page's narration says when a stopping rule ends a run.
#[test]
fn the_narration_says_when_a_run_stops() {
    let sc = with_stop(
        scenario_expr("x^2 + y^2", [1.0, 0.0], 100, vec![gd(0.25)]),
        grad_tol(1e-3),
    );
    let mut pg = optimizer_playground::playground::Playground::new(sc).unwrap();
    pg.step(100);
    let said: Vec<String> = pg.milestones(0, 100).into_iter().map(|e| e.1).collect();
    assert!(
        said.contains(&"gd stopped at step 11 (gradient norm below 0.001)".to_string()),
        "{said:?}"
    );
    assert!(pg
        .milestones(11, 100)
        .iter()
        .all(|e| !e.1.contains("stopped")));
}
