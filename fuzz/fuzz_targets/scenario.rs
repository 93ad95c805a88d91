//! Scenarios: any text is rejected with a message (one line as printed) or accepted; an
//! accepted scenario (of small work, to keep each execution fast) runs without panicking, its
//! traces print as valid JSON, and the scenario written back as JSON reads as the same scenario
//! and runs to the same bits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use optimizer_playground::run::{Session, Trace};
use optimizer_playground::scenario::Scenario;
use optimizer_playground::text::escape_controls;

/// The most iterations × runs, and data points, executed per input.
const MAX_WORK: u64 = 2_000;
const MAX_POINTS: u32 = 200;

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn same_traces(a: &[Trace], b: &[Trace]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(s, t)| {
            s.label == t.label
                && s.path.len() == t.path.len()
                && s.path
                    .iter()
                    .zip(&t.path)
                    .all(|(p, q)| p.x.to_bits() == q.x.to_bits() && p.y.to_bits() == q.y.to_bits())
                && bits(&s.loss) == bits(&t.loss)
                && bits(&s.lr) == bits(&t.lr)
                && bits(&s.grad_norm) == bits(&t.grad_norm)
                && bits(&s.batch_loss) == bits(&t.batch_loss)
                && s.evals == t.evals
                && s.diverged_at == t.diverged_at
        })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let sc = match Scenario::from_json(&text) {
        Ok(sc) => sc,
        Err(e) => {
            // Messages quote what was given (a key or a name may hold a newline); the command
            // line and the page print them through `escape_controls`, which makes them one line.
            let shown = escape_controls(&e);
            assert!(
                !e.is_empty() && !shown.contains(['\n', '\r']),
                "a one-line message: {shown:?}"
            );
            return;
        }
    };
    let work = sc.steps.saturating_mul(sc.runs.len() as u64);
    if work > MAX_WORK || sc.data.as_ref().is_some_and(|d| d.n > MAX_POINTS) {
        return;
    }
    let traces = match Session::new(&sc) {
        Ok(s) => s.finish(),
        Err(e) => panic!("accepted but not built: {e}"),
    };
    for t in &traces {
        assert_eq!(t.loss.len(), t.path.len());
        assert!(t.path.iter().all(|p| p.x.is_finite() && p.y.is_finite()));
    }
    let printed = match serde_json::to_string(&serde_json::json!({ "runs": traces })) {
        Ok(s) => s,
        Err(e) => panic!("traces do not print: {e}"),
    };
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&printed) {
        panic!("traces print as invalid JSON ({e}): {printed}");
    }

    let json = sc.to_json();
    let again = match Scenario::from_json(&json) {
        Ok(s) => s,
        Err(e) => panic!("written back as {json} it is rejected: {e}"),
    };
    assert_eq!(again, sc, "written back as {json}");
    let traces2 = match Session::new(&again) {
        Ok(s) => s.finish(),
        Err(e) => panic!("reloaded but not built: {e}"),
    };
    assert!(
        same_traces(&traces, &traces2),
        "reloaded from {json}, it runs to other bits"
    );
});
