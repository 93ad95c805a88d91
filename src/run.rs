//! Stepping a scenario: trajectories, losses, rates, gradient norms, evaluation counts.
//!
//! ```
//! use optimizer_playground::{run::Session, scenario::Scenario};
//! let sc = Scenario::from_json(r#"{"surface": {"expr": "x^2 + 10*y^2"}, "start": [1, 1], "steps": 150,
//!   "runs": [{"optimizer": {"name": "gd", "lr": 0.12}}]}"#).unwrap();
//! let traces = Session::new(&sc).unwrap().finish();
//! assert_eq!(traces[0].diverged_at, Some(82));
//! assert_eq!(traces[0].path.len(), 83);
//! ```

use crate::optim::{Counted, Evals, Fail, Method};
use crate::scenario::{RunSpec, Scenario};
use crate::schedule::Schedule;
use crate::surface::{data, Surface};
use crate::vec2::Vec2;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Beyond this norm a point counts as diverged.
pub const MAX_NORM: f64 = 1e12;

/// What a run has produced: the command line's `runs[i]` and the page's `paths()[i]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub label: String,
    /// `θ₀ … θ_N` (`θ₀ … θ_k` if iteration `k` diverged).
    pub path: Vec<Vec2>,
    /// `L(θ_i)` for every point of `path`.
    pub loss: Vec<f64>,
    /// The rate of every completed iteration (`η_k`, or SGD-HD's learned rate).
    pub lr: Vec<f64>,
    /// `‖∇L‖` of the gradient every completed iteration took, before clipping.
    pub grad_norm: Vec<f64>,
    pub evals: Evals,
    /// The iteration that failed, if any.
    pub diverged_at: Option<u64>,
    /// On mini-batches: the loss on iteration k's batch at θ_k, one per completed iteration
    /// (absent for full-batch runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub batch_loss: Vec<f64>,
}

/// Mini-batches drawn without replacement within an epoch, in an order shuffled anew at the
/// start of each epoch by the run's seeded generator.
#[derive(Clone, Debug, PartialEq)]
pub struct Sampler {
    order: Vec<u32>,
    pos: usize,
    batch: usize,
    /// The epoch of the last batch drawn (0 for the first).
    pub epoch: u64,
}

impl Sampler {
    /// Batches of `batch` out of `n` points (the last of an epoch takes what is left).
    pub fn new(n: usize, batch: usize, rng: &mut ChaCha8Rng) -> Sampler {
        let mut order: Vec<u32> = (0..n as u32).collect();
        data::shuffle(rng, &mut order);
        Sampler {
            order,
            pos: 0,
            batch: batch.max(1),
            epoch: 0,
        }
    }

    /// The next batch.
    pub fn next_batch(&mut self, rng: &mut ChaCha8Rng) -> Vec<u32> {
        if self.pos >= self.order.len() {
            data::shuffle(rng, &mut self.order);
            self.pos = 0;
            self.epoch += 1;
        }
        let end = (self.pos + self.batch).min(self.order.len());
        let b = self.order[self.pos..end].to_vec();
        self.pos = end;
        b
    }
}

/// One run being stepped.
#[derive(Clone, Debug)]
pub struct RunState {
    pub spec: RunSpec,
    pub method: Method,
    pub schedule: Schedule,
    pub trace: Trace,
    /// Why it stopped, if it diverged.
    pub failure: Option<Fail>,
    /// Evaluation counts after each point (index i: after θ_i), for the evaluation axis.
    pub evals_at: Vec<Evals>,
    /// Mini-batches, when the run sees fewer points than the data set has.
    pub sampler: Option<Sampler>,
    /// The generator of the run's batch order and gradient noise.
    pub rng: ChaCha8Rng,
}

impl RunState {
    /// A fresh run at `start` (θ₀ and L(θ₀) recorded), full batch unless the run says.
    pub fn new(spec: RunSpec, surface: &Surface, start: Vec2) -> RunState {
        RunState::with_batch(spec, surface, start, None)
    }

    /// A fresh run; `batch_default` is the scenario's `batch_size`.
    pub fn with_batch(
        spec: RunSpec,
        surface: &Surface,
        start: Vec2,
        batch_default: Option<u32>,
    ) -> RunState {
        let method = Method::build(&spec.optimizer, spec.clip, spec.l2.unwrap_or(0.0), start);
        let mut evals = Evals::default();
        let l0 = Counted::new(surface, &mut evals).value(start);
        let data_seed = match surface {
            Surface::Data(d) => d.spec.seed,
            _ => 0,
        };
        let mut rng = data::rng(spec.seed.unwrap_or(data_seed));
        let sampler = match surface {
            Surface::Data(d) => {
                let b = spec
                    .batch_size
                    .or(batch_default)
                    .map_or(d.len(), |b| b as usize);
                (b < d.len()).then(|| Sampler::new(d.len(), b, &mut rng))
            }
            _ => None,
        };
        RunState {
            schedule: spec.schedule.clone().unwrap_or_default(),
            trace: Trace {
                label: spec.default_label(),
                path: vec![start],
                loss: vec![l0],
                lr: Vec::new(),
                grad_norm: Vec::new(),
                evals,
                diverged_at: None,
                batch_loss: Vec::new(),
            },
            spec,
            method,
            failure: None,
            evals_at: vec![evals],
            sampler,
            rng,
        }
    }

    /// The epoch of the latest iteration (mini-batch runs; 0 otherwise).
    pub fn epoch(&self) -> u64 {
        self.sampler.as_ref().map_or(0, |s| s.epoch)
    }

    /// Iterations done so far.
    pub fn iterations(&self) -> u64 {
        self.trace.path.len() as u64 - 1
    }

    pub fn finished(&self) -> bool {
        self.trace.diverged_at.is_some()
    }

    /// One iteration; false if the run has diverged (now or before).
    pub fn step(&mut self, surface: &Surface) -> bool {
        if self.finished() {
            return false;
        }
        let k = self.iterations();
        let theta = *self.trace.path.last().unwrap_or(&Vec2::ZERO);
        let eta = self.schedule.rate(self.spec.optimizer.base_lr(), k);
        let batch = match &mut self.sampler {
            Some(sm) => Some(sm.next_batch(&mut self.rng)),
            None => None,
        };
        let sigma = self.spec.noise.unwrap_or(0.0);
        let mut obj = Counted {
            surface,
            evals: &mut self.trace.evals,
            batch: batch.as_deref(),
            noise: (sigma > 0.0).then_some((sigma, &mut self.rng)),
        };
        let outcome = self.method.step(&mut obj, theta, eta).and_then(|s| {
            if !s.next.is_finite() || s.next.norm() > MAX_NORM {
                return Err(Fail::Point);
            }
            // The recorded loss is always the full-batch one.
            let l = match (s.known, obj.stochastic()) {
                (Some(l), false) => l,
                _ => {
                    obj.batch = None;
                    obj.value(s.next)
                }
            };
            if l.is_finite() {
                Ok((s, l))
            } else {
                Err(Fail::Point)
            }
        });
        if outcome.is_ok() {
            if let Some(b) = &batch {
                self.trace.batch_loss.push(surface.value_on(Some(b), theta));
            }
        }
        match outcome {
            Ok((s, l)) => {
                self.trace.path.push(s.next);
                self.trace.loss.push(l);
                self.trace.lr.push(s.lr);
                self.trace.grad_norm.push(s.grad_norm);
                self.evals_at.push(self.trace.evals);
                true
            }
            Err(f) => {
                self.trace.diverged_at = Some(k);
                self.failure = Some(f);
                false
            }
        }
    }
}

/// A scenario being stepped: the surface and every run.
#[derive(Clone, Debug)]
pub struct Session {
    pub surface: Surface,
    pub start: Vec2,
    pub steps: u64,
    pub runs: Vec<RunState>,
    /// The scenario's default mini-batch size.
    pub batch_size: Option<u32>,
}

impl Session {
    /// Validates and builds; no iteration is taken yet.
    pub fn new(sc: &Scenario) -> Result<Session, String> {
        sc.validate()?;
        let surface = sc.build_surface()?;
        let runs = sc
            .runs
            .iter()
            .map(|r| RunState::with_batch(r.clone(), &surface, sc.start, sc.batch_size))
            .collect();
        let mut s = Session {
            surface,
            start: sc.start,
            steps: sc.steps,
            runs,
            batch_size: sc.batch_size,
        };
        s.dedupe_labels();
        Ok(s)
    }

    fn dedupe_labels(&mut self) {
        for i in 0..self.runs.len() {
            if self.runs[i].spec.label.is_some() {
                continue;
            }
            let base = self.runs[i].spec.default_label();
            let n = self.runs[..i]
                .iter()
                .filter(|r| r.spec.label.is_none() && r.spec.default_label() == base)
                .count();
            self.runs[i].trace.label = if n == 0 {
                base
            } else {
                format!("{base} #{}", n + 1)
            };
        }
    }

    /// Advances every run by up to `n` iterations, never past `steps`.
    pub fn step(&mut self, n: u64) {
        for r in &mut self.runs {
            let todo = n.min(self.steps.saturating_sub(r.iterations()));
            for _ in 0..todo {
                if !r.step(&self.surface) {
                    break;
                }
            }
        }
    }

    /// Whether every run has reached `steps` or diverged.
    pub fn done(&self) -> bool {
        self.runs
            .iter()
            .all(|r| r.finished() || r.iterations() >= self.steps)
    }

    /// Runs every run to the end and returns the traces.
    pub fn finish(mut self) -> Vec<Trace> {
        self.step(self.steps);
        self.runs.into_iter().map(|r| r.trace).collect()
    }

    pub fn traces(&self) -> Vec<&Trace> {
        self.runs.iter().map(|r| &r.trace).collect()
    }

    /// Advances run `i` alone until it has taken `n` iterations (never past `steps`).
    pub fn step_run(&mut self, i: usize, n: u64) {
        if let Some(r) = self.runs.get_mut(i) {
            let todo = n.min(self.steps).saturating_sub(r.iterations());
            for _ in 0..todo {
                if !r.step(&self.surface) {
                    break;
                }
            }
        }
    }

    /// Adds a run at the start.
    pub fn push_run(&mut self, spec: RunSpec) {
        self.runs.push(RunState::with_batch(
            spec,
            &self.surface,
            self.start,
            self.batch_size,
        ));
        self.dedupe_labels();
    }

    /// Removes run `i`; the others keep their progress.
    pub fn remove_run(&mut self, i: usize) {
        if i < self.runs.len() {
            self.runs.remove(i);
            self.dedupe_labels();
        }
    }

    /// Keeps the first `n` runs.
    pub fn truncate_runs(&mut self, n: usize) {
        self.runs.truncate(n);
        self.dedupe_labels();
    }

    /// Replaces run `i` and restarts it from the start.
    pub fn replace_run(&mut self, i: usize, spec: RunSpec) {
        if i < self.runs.len() {
            self.runs[i] = RunState::with_batch(spec, &self.surface, self.start, self.batch_size);
            self.dedupe_labels();
        }
    }
}
