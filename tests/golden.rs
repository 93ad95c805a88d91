//! Every reference case in `tests/golden/` (copies of the shared cases, kept in the repository so
//! a fresh clone is self-contained) is reproduced to 1e-9 relative or 1e-12 absolute, with the
//! same number of points and the same `diverged_at`; see `docs/optimizers.md`, "Reference cases".
//! Where the shared cases also lie beside the checkout (`../shared/golden/`, as CI lays it out),
//! the copies are checked to be identical to them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

use optimizer_playground::run::Session;
use optimizer_playground::scenario::Scenario;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The shared cases beside the checkout, if any; `PLAYGROUND_SHARED_GOLDEN` names another folder
/// (a missing one exercises the fresh-clone case).
fn shared_golden_dir() -> PathBuf {
    std::env::var_os("PLAYGROUND_SHARED_GOLDEN").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/golden"),
        PathBuf::from,
    )
}

/// The `*.json` files of `dir`, sorted.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
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
    let files = json_files(&dir);
    assert!(
        files.len() >= 40,
        "expected at least 40 reference cases in {}, found {}",
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

#[test]
fn the_repository_has_every_shared_case() {
    let dir = golden_dir();
    let ours = json_files(&dir);
    assert!(
        ours.len() >= 40,
        "expected at least 40 reference cases in {}, found {}",
        dir.display(),
        ours.len()
    );
    let shared = shared_golden_dir();
    if !shared.is_dir() {
        eprintln!(
            "no {} beside the checkout (no ../shared): comparison with the shared cases skipped; \
             {} cases in {}",
            shared.display(),
            ours.len(),
            dir.display()
        );
        return;
    }
    let theirs = json_files(&shared);
    assert!(!theirs.is_empty(), "no cases in {}", shared.display());
    let mut problems = Vec::new();
    for f in &theirs {
        let name = f.file_name().unwrap_or_default();
        let want = std::fs::read(f).unwrap_or_else(|e| panic!("cannot read {}: {e}", f.display()));
        match std::fs::read(dir.join(name)) {
            Ok(got) if got == want => {}
            Ok(_) => problems.push(format!("{}: differs", name.to_string_lossy())),
            Err(e) => problems.push(format!("{}: {e}", name.to_string_lossy())),
        }
    }
    assert!(
        problems.is_empty(),
        "{} of the {} cases in {} are not copied unchanged into {}:\n{}",
        problems.len(),
        theirs.len(),
        shared.display(),
        dir.display(),
        problems.join("\n")
    );
    eprintln!(
        "all {} cases of {} are in {}",
        theirs.len(),
        shared.display(),
        dir.display()
    );
}
