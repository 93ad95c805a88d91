//! Stand-in for `crate::bulk` until that branch is merged (same signature, the single-run path).

use crate::optim::Evals;
use crate::run::RunState;
use crate::scenario::{RunSpec, Scenario};
use crate::surface::Surface;
use crate::vec2::Vec2;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    pub end: Vec2,
    pub loss: f64,
    pub iterations: u64,
    pub evals: Evals,
    pub diverged_at: Option<u64>,
    pub stopped_at: Option<u64>,
    pub reached: Option<(u64, u64)>,
}

pub fn run_jobs(sc: &Scenario, surface: &Surface, jobs: &[RunSpec], tol: Option<f64>) -> Vec<Outcome> {
    jobs.iter()
        .map(|job| {
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
        })
        .collect()
}
