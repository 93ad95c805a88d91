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
use crate::scenario::{RunSpec, Scenario, Stop};
use crate::schedule::Schedule;
use crate::surface::{data, Surface};
use crate::vec2::{Mat2, Vec2};
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
    /// With a validation split: the validation loss at every point of `path` (absent
    /// otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub val_loss: Vec<f64>,
    /// The iteration count at which a stopping rule ended the run (its last point is
    /// `path[stopped_at]`); absent if none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<u64>,
    /// Which rule stopped the run: "gradient norm below 1e-8", "evaluation budget" or "early
    /// stopping".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
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
        Sampler::over((0..n as u32).collect(), batch, rng)
    }

    /// Batches of `batch` out of the points `indices` (a data set's training points); with
    /// `0..n` the same batches as [`Sampler::new`].
    pub fn over(indices: Vec<u32>, batch: usize, rng: &mut ChaCha8Rng) -> Sampler {
        let mut order = indices;
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
    /// The scenario's stopping rules (none by default).
    pub stop: Stop,
    /// The lowest validation loss so far and the point where it was reached (early stopping).
    best_val: Option<(f64, u64)>,
    /// [`end_label`] for a path of this many points, once asked.
    end: std::cell::Cell<Option<((usize, bool), EndLabel)>>,
}

impl RunState {
    /// A fresh run at `start` (θ₀ and L(θ₀) recorded), full batch unless the run says; the
    /// run's own `start`, if it has one, wins over `start`.
    pub fn new(spec: RunSpec, surface: &Surface, start: Vec2) -> RunState {
        RunState::with_batch(spec, surface, start, None)
    }

    /// A fresh run; `batch_default` is the scenario's `batch_size`, `start` the scenario's
    /// (the run's own `start` wins).
    pub fn with_batch(
        spec: RunSpec,
        surface: &Surface,
        start: Vec2,
        batch_default: Option<u32>,
    ) -> RunState {
        RunState::with_stop(spec, surface, start, batch_default, None)
    }

    /// A fresh run that obeys the stopping rules `stop` (the scenario's): it may stop at θ₀
    /// already, if its gradient there is below `grad_tol`.
    pub fn with_stop(
        spec: RunSpec,
        surface: &Surface,
        start: Vec2,
        batch_default: Option<u32>,
        stop: Option<Stop>,
    ) -> RunState {
        let start = spec.start.unwrap_or(start);
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
                let n = d.train_len();
                let b = spec.batch_size.or(batch_default).map_or(n, |b| b as usize);
                (b < n).then(|| Sampler::over(d.train.clone(), b, &mut rng))
            }
            _ => None,
        };
        let val0 = surface.validation_loss(start);
        let mut run = RunState {
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
                val_loss: val0.into_iter().collect(),
                stopped_at: None,
                stop_reason: None,
            },
            spec,
            method,
            failure: None,
            evals_at: vec![evals],
            sampler,
            rng,
            stop: stop.unwrap_or_default(),
            best_val: None,
            end: std::cell::Cell::new(None),
        };
        run.check_stop(surface);
        run
    }

    /// The epoch of the latest iteration (mini-batch runs; 0 otherwise).
    pub fn epoch(&self) -> u64 {
        self.sampler.as_ref().map_or(0, |s| s.epoch)
    }

    /// Iterations done so far.
    pub fn iterations(&self) -> u64 {
        self.trace.path.len() as u64 - 1
    }

    /// Whether the run has ended early: diverged or stopped by a rule.
    pub fn finished(&self) -> bool {
        self.trace.diverged_at.is_some() || self.trace.stopped_at.is_some()
    }

    /// How the run ends so far ([`end_label`] of its trace; remembered until it steps again).
    pub fn end_label(&self, surface: &Surface) -> EndLabel {
        let n = (self.trace.path.len(), self.trace.diverged_at.is_some());
        match self.end.get() {
            Some((m, e)) if m == n => e,
            _ => {
                let e = end_label_within(surface, &self.trace, self.stop.grad_tol);
                self.end.set(Some((n, e)));
                e
            }
        }
    }

    /// Whether a stopping rule ended the run.
    pub fn stopped(&self) -> bool {
        self.trace.stopped_at.is_some()
    }

    /// After recording point θ_k: stops the run if a rule holds there (in this order: the
    /// gradient norm, early stopping, the evaluation budget). Evaluates nothing that counts.
    fn check_stop(&mut self, surface: &Surface) {
        let k = self.iterations();
        let Some(&theta) = self.trace.path.last() else {
            return;
        };
        let mut reason = None;
        if let Some(tol) = self.stop.grad_tol {
            if surface.grad(theta).1.norm() < tol {
                reason = Some(format!("gradient norm below {}", fmt_tol(tol)));
            }
        }
        if let Some(&v) = self.trace.val_loss.last() {
            // An improvement is a strictly lower validation loss (any number beats NaN).
            let better = match self.best_val {
                None => true,
                Some((best, _)) => v < best || (best.is_nan() && !v.is_nan()),
            };
            if better {
                self.best_val = Some((v, k));
            }
            if let (None, Some(p), Some((_, at))) = (&reason, self.stop.patience, self.best_val) {
                if k - at >= p {
                    reason = Some("early stopping".into());
                }
            }
        }
        if let (None, Some(budget)) = (&reason, self.stop.max_evals) {
            if self.trace.evals.grad >= budget {
                reason = Some("evaluation budget".into());
            }
        }
        if let Some(r) = reason {
            self.trace.stopped_at = Some(k);
            self.trace.stop_reason = Some(r);
        }
    }

    /// Makes room for `n` more iterations' records (a caller about to step `n` times: the
    /// records then grow once instead of doubling their way there, each time copied in the
    /// browser build's memory). [`RunState::step`] gives back what a run that ends early
    /// does not use.
    pub fn reserve(&mut self, n: u64) {
        let n = usize::try_from(n).unwrap_or(0).min(1 << 20);
        for r in self.records() {
            r.make_room(n);
        }
    }

    /// The records kept for every point, one entry an iteration.
    fn records(&mut self) -> [&mut dyn Records; 5] {
        let t = &mut self.trace;
        [
            &mut t.path,
            &mut t.loss,
            &mut t.lr,
            &mut t.grad_norm,
            &mut self.evals_at,
        ]
    }

    /// One iteration; false if the run has diverged or stopped (now or before).
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
                if let Some(v) = surface.validation_loss(s.next) {
                    self.trace.val_loss.push(v);
                }
                if self.stop.is_empty() {
                    return true;
                }
                self.check_stop(surface);
                if self.stopped() {
                    self.trim();
                }
                !self.stopped()
            }
            Err(f) => {
                self.trace.diverged_at = Some(k);
                self.failure = Some(f);
                self.trim();
                false
            }
        }
    }

    /// Gives back the room [`RunState::reserve`] made that a run which has ended will not use.
    fn trim(&mut self) {
        for r in self.records() {
            r.give_back();
        }
    }
}

/// A run's record of its points ([`RunState::records`]), whatever its element type.
trait Records {
    fn make_room(&mut self, n: usize);
    fn give_back(&mut self);
}

impl<T> Records for Vec<T> {
    fn make_room(&mut self, n: usize) {
        self.reserve(n);
    }
    fn give_back(&mut self) {
        self.shrink_to_fit();
    }
}

/// A tolerance as a stop reason shows it: plain from 0.001 to 10⁴, else `1e-8`, `2.5e-7`.
fn fmt_tol(t: f64) -> String {
    if (1e-3..1e4).contains(&t) {
        format!("{t}")
    } else {
        format!("{t:e}")
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
    /// The scenario's stopping rules.
    pub stop: Option<Stop>,
}

impl Session {
    /// Validates and builds; no iteration is taken yet.
    pub fn new(sc: &Scenario) -> Result<Session, String> {
        sc.validate()?;
        let surface = sc.build_surface()?;
        let runs = sc
            .runs
            .iter()
            .map(|r| RunState::with_stop(r.clone(), &surface, sc.start, sc.batch_size, sc.stop))
            .collect();
        let mut s = Session {
            surface,
            start: sc.start,
            steps: sc.steps,
            runs,
            batch_size: sc.batch_size,
            stop: sc.stop,
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
            if !r.finished() {
                r.reserve(todo);
            }
            for _ in 0..todo {
                if !r.step(&self.surface) {
                    break;
                }
            }
        }
    }

    /// Whether every run has reached `steps`, diverged or stopped.
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
            if todo > 1 && !r.finished() {
                r.reserve(todo);
            }
            for _ in 0..todo {
                if !r.step(&self.surface) {
                    break;
                }
            }
        }
    }

    /// Adds a run at the start (its own, or the scenario's).
    pub fn push_run(&mut self, spec: RunSpec) {
        self.runs.push(RunState::with_stop(
            spec,
            &self.surface,
            self.start,
            self.batch_size,
            self.stop,
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

    /// Replaces run `i` and restarts it from the start (its own, or the scenario's).
    pub fn replace_run(&mut self, i: usize, spec: RunSpec) {
        if i < self.runs.len() {
            self.runs[i] =
                RunState::with_stop(spec, &self.surface, self.start, self.batch_size, self.stop);
            self.dedupe_labels();
        }
    }
}

// ---------------------------------------------------------------- how a run ends

/// What the last point of a run is, from the exact gradient and Hessian there (see
/// [`end_label`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndLabel {
    /// Small gradient, Hessian positive definite.
    Minimum,
    /// Small gradient, Hessian indefinite (one eigenvalue of each sign).
    Saddle,
    /// Small gradient, Hessian negative definite.
    Maximum,
    /// Small gradient, Hessian near-singular (a plateau, a valley floor, a degenerate point).
    Flat,
    /// The gradient is not small (or not finite): the run was still on a slope.
    Moving,
    /// The run diverged.
    Diverged,
}

impl EndLabel {
    /// Its name: "minimum", "saddle", "maximum", "flat", "moving" or "diverged".
    pub fn name(self) -> &'static str {
        match self {
            EndLabel::Minimum => "minimum",
            EndLabel::Saddle => "saddle",
            EndLabel::Maximum => "maximum",
            EndLabel::Flat => "flat",
            EndLabel::Moving => "moving",
            EndLabel::Diverged => "diverged",
        }
    }
}

impl std::fmt::Display for EndLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The relative tolerance of [`classify`]: how small a gradient counts as zero, and an
/// eigenvalue as singular.
pub const END_RTOL: f64 = 1e-6;

/// The eigenvalues `λ₁ ≤ λ₂` of a symmetric 2×2 matrix (its `b` is used as the off-diagonal).
pub fn eigenvalues(h: Mat2) -> (f64, f64) {
    let m = 0.5 * (h.a + h.d);
    let r = (0.5 * (h.a - h.d)).hypot(h.b);
    (m - r, m + r)
}

/// How the run `trace` ends on `surface`: [`EndLabel::Diverged`] if it diverged, else its last
/// point classified by [`classify`] with the run's gradient scale: the largest of
/// ‖∇L(θ₀)‖ and the gradient norms the run recorded. Evaluates the full-batch gradient at θ₀
/// and the Hessian at the last point (never counted in the run's `evals`).
pub fn end_label(surface: &Surface, trace: &Trace) -> EndLabel {
    end_label_within(surface, trace, None)
}

/// [`end_label`], where a gradient norm below `grad_tol` (the scenario's `stop.grad_tol`) also
/// counts as small: a run that the gradient rule stopped has a small gradient by definition.
pub fn end_label_within(surface: &Surface, trace: &Trace, grad_tol: Option<f64>) -> EndLabel {
    if trace.diverged_at.is_some() {
        return EndLabel::Diverged;
    }
    let (Some(&first), Some(&last)) = (trace.path.first(), trace.path.last()) else {
        return EndLabel::Moving;
    };
    let g0 = surface.grad(first).1.norm();
    let scale = trace
        .grad_norm
        .iter()
        .copied()
        .chain([g0])
        .filter(|g| g.is_finite())
        .fold(0.0, f64::max);
    classify_within(surface, last, scale, grad_tol)
}

/// Classifies point `p` of `surface` (full batch, exact derivatives). With `s = max(1, ‖p‖)`,
/// `G = grad_scale` (a typical gradient norm of the region, e.g. the run's largest) and the
/// Hessian's eigenvalues `λ₁ ≤ λ₂`, `‖H‖ = max(|λ₁|, |λ₂|)`, `τ = `[`END_RTOL`]:
///
/// - the gradient is **small** when `‖∇L(p)‖ ≤ τ · (‖H‖ · s + G)`; otherwise the point is
///   `moving` (also when the gradient or the Hessian is not finite);
/// - the Hessian is **near-singular** when `min(|λ₁|, |λ₂|) ≤ τ · (‖H‖ + G / s)`: `flat`;
/// - else `minimum` (`λ₁ > 0`), `maximum` (`λ₂ < 0`) or `saddle`.
///
/// Both tests compare quantities of the same units, so multiplying `L` by a constant or adding
/// one to it changes nothing.
pub fn classify(surface: &Surface, p: Vec2, grad_scale: f64) -> EndLabel {
    classify_within(surface, p, grad_scale, None)
}

/// [`classify`], where a gradient norm below `grad_tol` also counts as small.
pub fn classify_within(
    surface: &Surface,
    p: Vec2,
    grad_scale: f64,
    grad_tol: Option<f64>,
) -> EndLabel {
    let (_, g, h) = surface.hessian(p);
    let gn = g.norm();
    let (l1, l2) = eigenvalues(h);
    if !(gn.is_finite() && l1.is_finite() && l2.is_finite()) {
        return EndLabel::Moving;
    }
    let s = p.norm().max(1.0);
    let scale = if grad_scale.is_finite() {
        grad_scale.max(0.0)
    } else {
        0.0
    };
    let hn = l1.abs().max(l2.abs());
    let below_tol = grad_tol.is_some_and(|t| gn < t);
    if gn > END_RTOL * (hn * s + scale) && !below_tol {
        return EndLabel::Moving;
    }
    if l1.abs().min(l2.abs()) <= END_RTOL * (hn + scale / s) {
        EndLabel::Flat
    } else if l1 > 0.0 {
        EndLabel::Minimum
    } else if l2 < 0.0 {
        EndLabel::Maximum
    } else {
        EndLabel::Saddle
    }
}
