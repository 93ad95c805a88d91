//! Every reference case in `../shared/golden/` (beside the checkout, as CI lays it out) is
//! reproduced to 1e-9 relative or 1e-12 absolute, with the same number of points and the same
//! `diverged_at`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

use optimizer_playground::run::Session;
use optimizer_playground::scenario::Scenario;
use serde_json::Value;
use std::path::PathBuf;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/golden")
}

fn check_case(path: &PathBuf) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let sc = Scenario::from_json(&v["scenario"].to_string())?;
    let traces = Session::new(&sc)?.finish();
    let paths = v["expected"]["paths"]
        .as_array()
        .ok_or("no expected.paths")?;
    let div = v["expected"]["diverged_at"]
        .as_array()
        .ok_or("no expected.diverged_at")?;
    if paths.len() != traces.len() {
        return Err(format!("{} runs, expected {}", traces.len(), paths.len()));
    }
    for (i, (t, want)) in traces.iter().zip(paths).enumerate() {
        let want = want.as_array().ok_or("path not an array")?;
        let want_div = div[i].as_u64();
        if t.diverged_at != want_div {
            return Err(format!(
                "run {i}: diverged_at {:?}, expected {want_div:?}",
                t.diverged_at
            ));
        }
        if t.path.len() != want.len() {
            return Err(format!(
                "run {i}: {} points, expected {}",
                t.path.len(),
                want.len()
            ));
        }
        for (j, (p, w)) in t.path.iter().zip(want).enumerate() {
            for (c, got) in [p.x, p.y].into_iter().enumerate() {
                let w = w[c].as_f64().ok_or("coordinate not a number")?;
                if (got - w).abs() > f64::max(1e-9 * w.abs(), 1e-12) {
                    return Err(format!(
                        "run {i} point {j} coordinate {c}: got {got:e}, expected {w:e}"
                    ));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn every_reference_case_matches() {
    let dir = golden_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 40,
        "expected the shared reference cases in {}, found {}",
        dir.display(),
        files.len()
    );
    let mut failures = Vec::new();
    for f in &files {
        if let Err(e) = check_case(f) {
            failures.push(format!(
                "{}: {e}",
                f.file_name().unwrap_or_default().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    eprintln!("{} reference cases match", files.len());
}
