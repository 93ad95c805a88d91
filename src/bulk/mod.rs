//! Many independent runs of one scenario at once: the engine of hyperparameter maps, basin
//! maps, learning-rate fans and tuning.
//!
//! A *job* is a complete [`RunSpec`] (one of the scenario's runs with its overrides applied,
//! its own `start` included if it has one). Each job runs as if it were the scenario's only
//! run, independently of the others, and yields an [`Outcome`]: what [`Session`]'s `trace`
//! gives for that one-run scenario at the run's end, bit for bit.
//!
//! [`run_jobs`] is the fast path; [`run_reference`] steps each job through [`RunState`], the
//! code `trace` uses, and is the reference the fast path is tested against. Neither spawns
//! threads: a caller splits `jobs` into slices and runs them where it likes.
//!
//! ```
//! use optimizer_playground::{bulk, scenario::Scenario};
//! let sc = Scenario::from_json(r#"{"surface": {"name": "rosenbrock"}, "start": [-1.5, 2],
//!   "steps": 200, "runs": [{"optimizer": {"name": "adam", "lr": 0.05}}]}"#).unwrap();
//! let surface = sc.build_surface().unwrap();
//! let jobs: Vec<_> = [0.01, 0.1].iter().map(|&lr| {
//!     let mut j = sc.runs[0].clone();
//!     j.optimizer.set("lr", lr);
//!     j
//! }).collect();
//! let out = bulk::run_jobs(&sc, &surface, &jobs, Some(1e-3));
//! assert_eq!(out, bulk::run_reference(&sc, &surface, &jobs, Some(1e-3)));
//! assert_eq!(out[0].iterations, 200);
//! ```
//!
//! [`Session`]: crate::run::Session

use crate::optim::Evals;
use crate::run::RunState;
use crate::scenario::{RunSpec, Scenario};
use crate::surface::Surface;
use crate::vec2::Vec2;

/// What `trace` of the scenario with this one run gives at the run's end.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// The last point of the path.
    pub end: Vec2,
    /// Its loss (the trace's last `loss`).
    pub loss: f64,
    /// Completed iterations (`path.len() − 1`).
    pub iterations: u64,
    /// The trace's `evals`.
    pub evals: Evals,
    /// The trace's `diverged_at`.
    pub diverged_at: Option<u64>,
    /// The trace's `stopped_at`.
    pub stopped_at: Option<u64>,
    /// The first point index `i` with `loss[i] <= tol`, and the gradient evaluations spent up
    /// to it (the evaluation counts after point `i`), when `tol` is given and it is reached.
    pub reached: Option<(u64, u64)>,
}

/// Runs every job as if it were the scenario's only run, independently: `out[i]` is job
/// `i`'s [`Outcome`], bit for bit what [`run_reference`] gives.
///
/// `sc` gives the start (unless a job has its own), the step budget, the mini-batch default
/// and the stopping rules; `surface` is `sc.build_surface()` (built once by the caller).
/// The jobs are expected to be valid (as [`Scenario::validate`] checks runs).
pub fn run_jobs(
    sc: &Scenario,
    surface: &Surface,
    jobs: &[RunSpec],
    tol: Option<f64>,
) -> Vec<Outcome> {
    run_reference(sc, surface, jobs, tol)
}

/// [`run_jobs`] through the single-run path ([`RunState`], the code `trace` uses), one job
/// after the other: the reference.
pub fn run_reference(
    sc: &Scenario,
    surface: &Surface,
    jobs: &[RunSpec],
    tol: Option<f64>,
) -> Vec<Outcome> {
    jobs.iter()
        .map(|job| reference_one(sc, surface, job, tol))
        .collect()
}

/// One job through [`RunState`].
fn reference_one(sc: &Scenario, surface: &Surface, job: &RunSpec, tol: Option<f64>) -> Outcome {
    let mut r = RunState::with_stop(job.clone(), surface, sc.start, sc.batch_size, sc.stop);
    while r.iterations() < sc.steps && r.step(surface) {}
    let t = &r.trace;
    let reached = tol.and_then(|tol| {
        let i = t.loss.iter().position(|&l| l <= tol)?;
        Some((i as u64, r.evals_at[i].grad))
    });
    Outcome {
        end: t.path.last().copied().unwrap_or(Vec2::ZERO),
        loss: t.loss.last().copied().unwrap_or(f64::NAN),
        iterations: r.iterations(),
        evals: t.evals,
        diverged_at: t.diverged_at,
        stopped_at: t.stopped_at,
        reached,
    }
}
