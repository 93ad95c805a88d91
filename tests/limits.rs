//! The largest work the scenario format accepts: about a minute of stepping natively.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

use optimizer_playground::scenario::{Scenario, MAX_WORK};
use serde_json::json;

fn logistic(runs: serde_json::Value, steps: u64, n: u32) -> String {
    json!({"data": {"kind": "logistic", "n": n, "noise": 0.5, "seed": 1}, "start": [-1, 1],
           "steps": steps, "runs": runs})
    .to_string()
}

#[test]
fn the_heavy_scenarios_of_the_issue_are_refused_naming_the_limit() {
    // 32 L-BFGS runs with gradient noise on 2,000 points for 100,000 iterations: hours.
    let runs: Vec<_> = (0..32)
        .map(|_| json!({"optimizer": {"name": "lbfgs"}, "noise": 0.5}))
        .collect();
    let e = Scenario::from_json(&logistic(json!(runs), 100_000, 2000)).unwrap_err();
    assert!(e.starts_with("scenario: too much work"), "{e}");
    assert!(
        e.contains("at most 1e9") && e.contains("point evaluations"),
        "{e}"
    );
    // 32 Newton runs on 2,000 points at the step limit.
    let runs: Vec<_> = (0..32)
        .map(|_| json!({"optimizer": {"name": "newton"}}))
        .collect();
    assert!(Scenario::from_json(&logistic(json!(runs.clone()), 100_000, 2000)).is_err());
    // The same for 3,000 iterations is accepted (the page steps it within its frame budget).
    let sc = Scenario::from_json(&logistic(json!(runs), 3000, 2000)).unwrap();
    assert!(sc.work() <= MAX_WORK, "{}", sc.work());
}

#[test]
fn work_counts_runs_steps_evaluations_and_points() {
    let one = |opt: serde_json::Value, extra: serde_json::Value| {
        let mut r = json!({"optimizer": opt});
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        Scenario::from_json(&logistic(json!([r]), 1000, 100))
            .unwrap()
            .work()
    };
    // Per step: 2 for a first-order rule, 4 for Newton, 8 for a line search, 30 when noisy.
    assert_eq!(
        one(json!({"name": "adam", "lr": 0.1}), json!({})),
        1000.0 * 2.0 * 100.0
    );
    assert_eq!(
        one(json!({"name": "newton"}), json!({})),
        1000.0 * 4.0 * 100.0
    );
    assert_eq!(
        one(json!({"name": "bfgs"}), json!({})),
        1000.0 * 8.0 * 100.0
    );
    assert_eq!(
        one(json!({"name": "bfgs", "line_search": "none"}), json!({})),
        1000.0 * 2.0 * 100.0
    );
    assert_eq!(
        one(json!({"name": "lbfgs"}), json!({"noise": 0.1})),
        1000.0 * 30.0 * 100.0
    );
    assert_eq!(
        one(json!({"name": "lbfgs"}), json!({"batch_size": 10})),
        1000.0 * 30.0 * 100.0
    );
    assert_eq!(
        one(
            json!({"name": "lookahead", "inner": {"name": "gd", "lr": 0.1}}),
            json!({})
        ),
        1000.0 * 2.0 * 100.0
    );
    // Surfaces count one point; the largest named-surface scenario is far below the limit.
    let runs: Vec<_> = (0..32)
        .map(|_| json!({"optimizer": {"name": "lbfgs"}}))
        .collect();
    let sc =
        json!({"surface": {"name": "rosenbrock"}, "start": [0, 0], "steps": 100_000, "runs": runs});
    let sc = Scenario::from_json(&sc.to_string()).unwrap();
    assert_eq!(sc.work(), 32.0 * 100_000.0 * 8.0);
}

#[test]
fn labels_hold_no_control_characters() {
    for bad in ["a\u{7}b", "line\nbreak", "\u{1b}[31mred", "\u{202e}evil"] {
        let sc = json!({"surface": {"name": "booth"}, "start": [0, 0], "steps": 1,
                        "runs": [{"optimizer": {"name": "gd", "lr": 0.1}, "label": bad}]});
        let e = Scenario::from_json(&sc.to_string()).unwrap_err();
        assert!(e.starts_with("runs[0].label: no control characters"), "{e}");
    }
    let sc = json!({"surface": {"name": "booth"}, "start": [0, 0], "steps": 1,
                    "runs": [{"optimizer": {"name": "gd", "lr": 0.1}, "label": "Lévi <&> η"}]});
    assert!(Scenario::from_json(&sc.to_string()).is_ok());
}
