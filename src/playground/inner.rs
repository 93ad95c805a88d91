//! Inside the optimizer, on the map: what the selected run computes in the iteration at the
//! timeline's cursor, taken from the engine itself.
//!
//! For iteration `k` (from `θ_k` to `θ_{k+1}`) the run is replayed from its start with the
//! engine's own [`RunState`] to `θ_k`, and iteration `k` is performed once more through
//! [`Method::step_probed`] with a recording [`Probe`]: the gradient point and the gradient as
//! read (before clipping) and as processed, what the rule computed on its way ([`RuleNote`]),
//! the state before and after (velocity, Lookahead's slow point), Newton's gradient, Hessian
//! and solution, and every line-search trial. The replay is the same code on the same state, so
//! its `θ_{k+1}` is the recorded one bit for bit ([`Inner::exact`] says so).
//!
//! [`shapes`] turns an [`Inner`] into plane geometry ([`Shape`]), which
//! [`overlay::draw_shapes`] draws on the map; [`text`] says the numbers in words.
//!
//! ```
//! use optimizer_playground::playground::Playground;
//! use optimizer_playground::scenario::Scenario;
//! let sc = Scenario::from_json(r#"{"surface": {"expr": "x^2 + 4*y^2"}, "start": [1, 1],
//!   "steps": 10, "runs": [{"optimizer": {"name": "gd", "lr": 0.1}}]}"#).unwrap();
//! let mut pg = Playground::new(sc).unwrap();
//! pg.step(10);
//! pg.set_cursor(3.0);
//! let inner = pg.inner().unwrap();
//! assert!(inner.exact);
//! assert_eq!(inner.next, inner.theta - inner.rate * inner.grad);
//! ```

use super::{Change, Playground};
use crate::optim::{Clip, Counted, Evals, LineSearch, Method, OptKind, Param, Probe, RuleNote};
use crate::render::fmt_num;
use crate::render::map::MapStyle;
use crate::render::overlay::{self, Role, Shape};
use crate::run::RunState;
use crate::scenario::{RunSpec, SurfaceSpec};
use crate::surface::{DataSpec, Surface};
use crate::vec2::{Mat2, Vec2};
use core::cell::RefCell;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Iteration `k` of one run, as the engine computed it.
#[derive(Clone, Debug, PartialEq)]
pub struct Inner {
    /// The run's index and label.
    pub run: usize,
    pub label: String,
    /// The iteration: from `theta` (`θ_k`) to `next` (`θ_{k+1}`).
    pub k: u64,
    /// The run's optimizer (`lookahead` for a lookahead run; [`Inner::rule`] is inside it).
    pub method: OptKind,
    /// The first-order rule at the heart of a first-order run.
    pub rule: Option<OptKind>,
    pub theta: Vec2,
    pub next: Vec2,
    /// `L(θ_k)` as the run recorded it.
    pub loss: f64,
    /// The iteration's rate: `η_k` (SGD-HD's learned `α_k`).
    pub rate: f64,
    /// Where the gradient was taken: `θ_k`, or Nesterov's look-ahead point `θ_k − μ v`.
    pub grad_at: Vec2,
    /// The gradient read there (with the run's noise, if any), before clipping and L2.
    pub grad: Vec2,
    /// First-order runs: the gradient the rule got, after clipping and L2.
    pub processed: Option<Vec2>,
    pub clip: Option<Clipping>,
    pub momentum: Option<Velocity>,
    /// The per-coordinate step of a rule that scales each coordinate on its own:
    /// `θ_{k+1} = θ_k − coords` (`− decay`); for Adam `η m̂ / (√v̂ + ε)`.
    pub coords: Option<Vec2>,
    /// Decoupled weight decay's part of the step (AdamW, Lion).
    pub decay: Option<Vec2>,
    pub rectifier: Option<Rectifier>,
    pub bounds: Option<Bounds>,
    pub lookahead: Option<LookaheadStep>,
    pub newton: Option<NewtonStep>,
    pub search: Option<Search>,
    /// Whether the replayed `θ_{k+1}` is the run's recorded one, bit for bit.
    pub exact: bool,
}

/// Gradient clipping in this iteration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clipping {
    pub clip: Clip,
    /// The gradient after clipping (before L2).
    pub clipped: Vec2,
}

impl Clipping {
    /// Whether clipping changed the gradient.
    pub fn active(&self, raw: Vec2) -> bool {
        self.clipped != raw
    }
    /// The threshold `c`.
    pub fn threshold(&self) -> f64 {
        match self.clip {
            Clip::Norm(c) | Clip::Value(c) => c,
        }
    }
}

/// Momentum's and Nesterov's velocity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Velocity {
    pub mu: f64,
    /// `v` before the update (Nesterov's look-ahead point is `θ_k − μ v`).
    pub before: Vec2,
    /// `v` after it: `μ v + η g`, and `θ_{k+1} = θ_k − v`.
    pub after: Vec2,
    pub nesterov: bool,
}

/// RAdam's rectification in this iteration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rectifier {
    pub rho: f64,
    /// `r_t`; `None` in the SGD-with-momentum phase (`ρ_t ≤ 5`).
    pub r: Option<f64>,
}

/// AdaBound's bounds on the per-coordinate rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    pub lo: f64,
    pub hi: f64,
    /// The rate before clamping, `a_t / (√v + ε)`, per coordinate.
    pub raw: Vec2,
    /// The first moment `m` the rate multiplies (`step = rate · m`).
    pub m: Vec2,
}

impl Bounds {
    /// The rate used, per coordinate (the raw rate clamped into the bounds).
    pub fn rate(&self) -> Vec2 {
        self.raw.map(|r| r.max(self.lo).min(self.hi))
    }
}

/// Lookahead in this iteration (the outermost one).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LookaheadStep {
    pub k: u32,
    pub alpha: f64,
    /// `φ` before and after the iteration.
    pub slow_before: Vec2,
    pub slow_after: Vec2,
    /// The fast point the inner optimizer reached, before any synchronisation.
    pub fast: Vec2,
    /// Whether this iteration synchronised (`φ` moved and the fast point jumped to it).
    pub synced: bool,
    /// Iterations until the next synchronisation (0 when this one synchronised).
    pub until_sync: u64,
}

/// Newton's local model in this iteration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NewtonStep {
    /// `L(θ_k)`, `∇L(θ_k)`, `∇²L(θ_k)`.
    pub f: f64,
    pub g: Vec2,
    pub h: Mat2,
    pub damping: f64,
    /// The solution of `(H + λI) δ = g`: the model's stationary point is `θ_k − δ`.
    pub delta: Vec2,
}

/// How a symmetric 2×2 matrix curves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curvature {
    PositiveDefinite,
    NegativeDefinite,
    Indefinite,
    /// An eigenvalue is zero (or not a number).
    Singular,
}

/// Eigenvalues `λ₁ ≤ λ₂` of the symmetric part of `m` with unit eigenvectors `q₁`, `q₂`.
pub fn eigen(m: Mat2) -> (f64, f64, Vec2, Vec2) {
    let b = 0.5 * (m.b + m.c);
    let mean = 0.5 * (m.a + m.d);
    let half = 0.5 * (m.a - m.d);
    let r = libm::hypot(half, b);
    let det = m.a * m.d - b * b;
    // The eigenvalue of larger magnitude directly, the other from the determinant (no
    // cancellation).
    let big = if mean >= 0.0 { mean + r } else { mean - r };
    let small = if big != 0.0 { det / big } else { 0.0 };
    let (l1, l2) = if big >= small {
        (small, big)
    } else {
        (big, small)
    };
    let phi = 0.5 * libm::atan2(2.0 * b, m.a - m.d);
    let q2 = Vec2::new(libm::cos(phi), libm::sin(phi));
    let q1 = Vec2::new(-q2.y, q2.x);
    (l1, l2, q1, q2)
}

/// How `m` (its symmetric part) curves.
pub fn curvature(m: Mat2) -> Curvature {
    let (l1, l2, _, _) = eigen(m);
    if l1 > 0.0 {
        Curvature::PositiveDefinite
    } else if l2 < 0.0 {
        Curvature::NegativeDefinite
    } else if l1 < 0.0 && l2 > 0.0 {
        Curvature::Indefinite
    } else {
        Curvature::Singular
    }
}

/// One level set of Newton's model: its curves in the plane and the model's change from
/// `L(θ_k)` on them.
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    pub change: f64,
    pub curves: Vec<Vec<Vec2>>,
    /// Ellipses are closed; a hyperbola's branches are not.
    pub closed: bool,
}

/// Points per ellipse and per hyperbola branch.
const CURVE_POINTS: usize = 128;

impl NewtonStep {
    /// The model's matrix `M = H + λI`.
    pub fn model(&self) -> Mat2 {
        Mat2 {
            a: self.h.a + self.damping,
            b: self.h.b,
            c: self.h.c,
            d: self.h.d + self.damping,
        }
    }

    /// The model's change from `L(θ_k)` at `θ_k + d`: `gᵀd + ½ dᵀ M d`.
    pub fn change(&self, d: Vec2) -> f64 {
        self.g.dot(d) + 0.5 * d.dot(self.model().mul_vec(d))
    }

    /// The model's level curves around `theta` (= `θ_k`) over the view `[x0, x1, y0, y1]`:
    /// for a definite model four ellipses, the third through `θ_k`; for an indefinite one the
    /// hyperbolas of six levels (three each side of the stationary value, one through `θ_k`),
    /// and their asymptotes (returned second, as segments through the stationary point).
    pub fn levels(&self, theta: Vec2, view: [f64; 4]) -> (Vec<Level>, Vec<[Vec2; 2]>) {
        let m = self.model();
        let (l1, l2, q1, q2) = eigen(m);
        let center = -self.delta;
        // The stationary value's offset from L(θ_k): m* − f = −½ gᵀδ.
        let at_center = -0.5 * self.g.dot(self.delta);
        if !(l1.is_finite() && l2.is_finite() && center.is_finite() && at_center.is_finite()) {
            return (Vec::new(), Vec::new());
        }
        let extent = (view[1] - view[0]).min(view[3] - view[2]).abs();
        // The level through θ_k: Δ₀ = f − m* above the stationary value; if θ_k is the
        // stationary point, a level a tenth of the view away.
        let through = -at_center;
        let fallback = 0.5 * l1.abs().max(l2.abs()) * (0.1 * extent) * (0.1 * extent);
        let world = |d: Vec2| theta + d;
        let mut levels = Vec::new();
        let mut asymptotes = Vec::new();
        let kind = curvature(m);
        match kind {
            Curvature::PositiveDefinite | Curvature::NegativeDefinite => {
                let base = if through != 0.0 && through.is_finite() {
                    through
                } else if kind == Curvature::PositiveDefinite {
                    fallback
                } else {
                    -fallback
                };
                for f in [0.0625, 0.25, 1.0, 2.25] {
                    let delta = base * f;
                    let (r1, r2) = ((2.0 * delta / l1).sqrt(), (2.0 * delta / l2).sqrt());
                    if !(r1.is_finite() && r2.is_finite()) {
                        continue;
                    }
                    let pts: Vec<Vec2> = (0..CURVE_POINTS)
                        .map(|i| {
                            let t = core::f64::consts::TAU * i as f64 / CURVE_POINTS as f64;
                            world(center + (r1 * libm::cos(t)) * q1 + (r2 * libm::sin(t)) * q2)
                        })
                        .collect();
                    levels.push(Level {
                        change: at_center + delta,
                        curves: vec![pts],
                        closed: true,
                    });
                }
            }
            Curvature::Indefinite => {
                // λ₁ < 0 < λ₂: λ₁u² + λ₂w² = 2Δ in the eigenbasis (u along q₁, w along q₂).
                let base = if through != 0.0 && through.is_finite() {
                    through.abs()
                } else {
                    fallback
                };
                // Far enough to leave the view: the largest distance from the stationary point
                // to a corner of the view.
                let c = world(center);
                let reach = [
                    Vec2::new(view[0], view[2]),
                    Vec2::new(view[1], view[2]),
                    Vec2::new(view[0], view[3]),
                    Vec2::new(view[1], view[3]),
                ]
                .iter()
                .map(|&p| (p - c).norm())
                .fold(0.0, f64::max);
                for f in [-2.25, -1.0, -0.25, 0.25, 1.0, 2.25] {
                    let delta = base * f;
                    let a = (2.0 * delta.abs() / -l1).sqrt();
                    let b = (2.0 * delta.abs() / l2).sqrt();
                    if !(a.is_finite() && b.is_finite() && a > 0.0 && b > 0.0) {
                        continue;
                    }
                    let s_max = libm::asinh(reach / a.min(b)).clamp(1.0, 40.0) + 0.1;
                    let mut curves = Vec::new();
                    for side in [-1.0, 1.0] {
                        let pts: Vec<Vec2> = (0..=CURVE_POINTS)
                            .map(|i| {
                                let s = -s_max + 2.0 * s_max * i as f64 / CURVE_POINTS as f64;
                                let (ch, sh) = (libm::cosh(s), libm::sinh(s));
                                let (u, w) = if delta > 0.0 {
                                    (a * sh, side * b * ch)
                                } else {
                                    (side * a * ch, b * sh)
                                };
                                world(center + u * q1 + w * q2)
                            })
                            .filter(|p| p.is_finite())
                            .collect();
                        curves.push(pts);
                    }
                    levels.push(Level {
                        change: at_center + delta,
                        curves,
                        closed: false,
                    });
                }
                let slope = (-l1 / l2).sqrt();
                for side in [-1.0, 1.0] {
                    let dir = q1 + (side * slope) * q2;
                    let n = dir.norm();
                    if n > 0.0 && reach.is_finite() {
                        let e = (reach / n) * dir;
                        asymptotes.push([world(center - e), world(center + e)]);
                    }
                }
            }
            Curvature::Singular => {}
        }
        (levels, asymptotes)
    }
}

/// The line search of a quasi-Newton iteration.
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    pub line_search: LineSearch,
    /// `L(θ_k)`.
    pub f: f64,
    /// The search direction `p` (`θ_{k+1} = θ_k + α p`).
    pub direction: Vec2,
    /// Whether `p` was reset to `−∇L` (not a descent direction).
    pub reset: bool,
    /// Every point evaluated along `p`, in order.
    pub trials: Vec<Trial>,
    /// The trial that is `θ_{k+1}`.
    pub accepted: Option<usize>,
}

/// A point a line search evaluated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trial {
    pub alpha: f64,
    pub x: Vec2,
    pub f: f64,
}

/// What the probe hears during one iteration.
#[derive(Default)]
struct Recorder {
    gradient: Option<(Vec2, Vec2, Vec2)>,
    note: Option<RuleNote>,
    fast: Option<Vec2>,
    newton: Option<(f64, Vec2, Mat2, Vec2)>,
    direction: Option<(f64, Vec2, Vec2, bool)>,
    trials: Vec<Trial>,
}

impl Probe for Recorder {
    fn gradient(&mut self, at: Vec2, raw: Vec2, processed: Vec2) {
        self.gradient = Some((at, raw, processed));
    }
    fn rule(&mut self, note: &RuleNote) {
        self.note = Some(*note);
    }
    fn fast(&mut self, fast: Vec2) {
        self.fast = Some(fast);
    }
    fn newton(&mut self, f: f64, g: Vec2, h: Mat2, delta: Vec2) {
        self.newton = Some((f, g, h, delta));
    }
    fn direction(&mut self, f: f64, g: Vec2, p: Vec2, reset: bool) {
        self.direction = Some((f, g, p, reset));
    }
    fn trial(&mut self, alpha: f64, x: Vec2, f: f64) {
        // A line search evaluates at most 61 points; keep a bound all the same.
        if self.trials.len() < 1000 {
            self.trials.push(Trial { alpha, x, f });
        }
    }
}

/// Iteration `k` of the run `st` has reached (`st.iterations() == k`), performed on copies of
/// its state with a recorder, exactly as `RunState::step` performs it.
fn probe_step(st: &RunState, surface: &Surface) -> Option<(Method, Method, Recorder, Vec2, f64)> {
    let k = st.iterations();
    let theta = *st.trace.path.last()?;
    let eta = st.schedule.rate(st.spec.optimizer.base_lr(), k);
    let mut sampler = st.sampler.clone();
    let mut rng = st.rng.clone();
    let batch = sampler.as_mut().map(|s| s.next_batch(&mut rng));
    let sigma = st.spec.noise.unwrap_or(0.0);
    let mut evals = Evals::default();
    let before = st.method.clone();
    let mut after = st.method.clone();
    let mut rec = Recorder::default();
    let step = {
        let mut obj = Counted {
            surface,
            evals: &mut evals,
            batch: batch.as_deref(),
            noise: (sigma > 0.0).then_some((sigma, &mut rng)),
        };
        after.step_probed(&mut obj, theta, eta, &mut rec).ok()?
    };
    Some((before, after, rec, step.next, step.lr))
}

/// The run being looked into, replayed up to some iteration: moving the cursor forward steps
/// on from here instead of from the start.
#[derive(Clone, Debug)]
struct Replay {
    run: usize,
    spec: RunSpec,
    world: World,
    state: RunState,
}

/// What else a run's trajectory depends on: the surface or data, the default batch size.
type World = (SurfaceSpec, Option<DataSpec>, Option<u32>);

/// The playground's view inside the optimizer: whether it is shown, and the replay it keeps.
#[derive(Clone, Debug, Default)]
pub struct InnerState {
    shown: bool,
    replay: RefCell<Option<Replay>>,
}

impl Playground {
    /// Whether the map shows the view inside the optimizer.
    pub fn show_inner(&self) -> bool {
        self.inner.shown
    }

    /// Shows or hides the view inside the optimizer (the map's marks are drawn again).
    pub fn set_show_inner(&mut self, on: bool) {
        if on != self.inner.shown {
            self.inner.shown = on;
            self.touch(Change::Cursor);
        }
    }

    /// The step the selected run takes from the point the timeline shows (`cursor()`): the
    /// next one, worked out on a copy of the run when it has not been taken yet; at the run's
    /// end (its last step, divergence or a stopping rule) the last one it took. `None` for a
    /// run without steps.
    pub fn inner(&self) -> Option<Inner> {
        let n = self.session.runs.len();
        if n == 0 {
            return None;
        }
        let run = self.selected.min(n - 1);
        let r = &self.session.runs[run];
        let shown = self.cursor().min(r.iterations());
        let at_end = shown == r.iterations() && (r.finished() || shown >= self.session.steps);
        let k = if at_end { shown.checked_sub(1)? } else { shown };
        self.inner_at(run, k)
    }

    /// Iteration `k` of run `run`, from the engine (see the module's documentation).
    pub fn inner_at(&self, run: usize, k: u64) -> Option<Inner> {
        let r = self.session.runs.get(run)?;
        let t = &r.trace;
        let ku = usize::try_from(k).ok()?;
        t.path.get(ku)?;
        // θ_{k+1} as the trace has it; a step not taken yet is worked out on a copy, if the run
        // would take it.
        let recorded = t.path.get(ku.checked_add(1)?).copied();
        if recorded.is_none() && (r.finished() || k >= self.session.steps) {
            return None;
        }
        let start = *t.path.first()?;
        let surface = &self.session.surface;
        let world: World = (
            self.scenario.surface.clone(),
            self.scenario.data.clone(),
            self.session.batch_size,
        );
        let fresh = || Replay {
            run,
            spec: r.spec.clone(),
            world: world.clone(),
            state: RunState::with_batch(r.spec.clone(), surface, start, self.session.batch_size),
        };
        let mut slot = self.inner.replay.try_borrow_mut().ok();
        let mut local = None;
        let replay: &mut Replay = match slot.as_deref_mut() {
            Some(cached) => {
                let usable = cached.as_ref().is_some_and(|c| {
                    let j = c.state.iterations();
                    c.run == run
                        && c.spec == r.spec
                        && c.world == world
                        && j <= k
                        && usize::try_from(j)
                            .ok()
                            .and_then(|j| t.path.get(j))
                            .is_some_and(|p| c.state.trace.path.last() == Some(p))
                });
                if !usable {
                    *cached = Some(fresh());
                }
                cached.as_mut()?
            }
            None => local.insert(fresh()),
        };
        while replay.state.iterations() < k {
            if !replay.state.step(surface) {
                return None;
            }
        }
        let st = &replay.state;
        let theta = *st.trace.path.last()?;
        let (before, after, rec, next, rate) = probe_step(st, surface)?;
        Some(describe(
            run,
            r.trace.label.clone(),
            k,
            &r.spec,
            theta,
            t.loss.get(ku).copied().unwrap_or(f64::NAN),
            (before, after, rec),
            next,
            rate,
            recorded.is_none_or(|p| next == p),
        ))
    }

    /// The arrow scale of the view inside the optimizer at the cursor (see [`arrow_scale`]).
    pub fn inner_scale(&self) -> Option<f64> {
        self.inner()
            .map(|i| arrow_scale(i.grad.norm(), self.viewport.view()))
    }

    /// The view inside the optimizer in plane geometry, for the current view.
    pub fn inner_shapes(&self) -> Vec<Shape> {
        let view = self.viewport.view();
        self.inner().map_or_else(Vec::new, |i| {
            shapes(&i, arrow_scale(i.grad.norm(), view), view)
        })
    }

    /// Draws the view inside the optimizer on the map (nothing when the selected run has no
    /// iteration at the cursor). The caller decides whether it is shown ([`Self::show_inner`]).
    pub fn draw_inner<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        style: &MapStyle,
    ) -> Result<(), String> {
        overlay::draw_shapes(root, &self.viewport, &self.inner_shapes(), style)
    }

    /// The numbers of the view inside the optimizer in words, one line each; for a run without
    /// an iteration at the cursor, one line that says why; nothing without runs.
    pub fn inner_text(&self) -> Vec<String> {
        let n = self.session.runs.len();
        if n == 0 {
            return Vec::new();
        }
        let sel = self.selected.min(n - 1);
        match self.inner() {
            Some(i) => text(&i, arrow_scale(i.grad.norm(), self.viewport.view())),
            None => {
                let t = &self.session.runs[sel].trace;
                let why = match t.diverged_at {
                    Some(0) => "it diverged at its first step".to_string(),
                    _ => "it has taken no step".to_string(),
                };
                vec![format!("{}: no step to look into ({why})", t.label)]
            }
        }
    }
}

/// An [`Inner`] from what the replay of iteration `k` recorded.
#[allow(clippy::too_many_arguments)] // one record, put together once
fn describe(
    run: usize,
    label: String,
    k: u64,
    spec: &RunSpec,
    theta: Vec2,
    loss: f64,
    (before, after, rec): (Method, Method, Recorder),
    next: Vec2,
    rate: f64,
    exact: bool,
) -> Inner {
    let mut inner = Inner {
        run,
        label,
        k,
        method: spec.optimizer.name,
        rule: None,
        theta,
        next,
        loss,
        rate,
        grad_at: theta,
        grad: Vec2::ZERO,
        processed: None,
        clip: None,
        momentum: None,
        coords: None,
        decay: None,
        rectifier: None,
        bounds: None,
        lookahead: None,
        newton: None,
        search: None,
        exact,
    };
    if let Some((at, raw, processed)) = rec.gradient {
        inner.grad_at = at;
        inner.grad = raw;
        inner.processed = Some(processed);
    }
    match (&before, &after) {
        (
            Method::First {
                stepper: s0, clip, ..
            },
            Method::First { stepper: s1, .. },
        ) => {
            let (r0, r1) = (s0.rule(), s1.rule());
            inner.rule = Some(r0.kind);
            if let Some(c) = clip {
                inner.clip = Some(Clipping {
                    clip: *c,
                    clipped: c.apply(inner.grad),
                });
            }
            if matches!(r0.kind, OptKind::Momentum | OptKind::Nesterov) {
                inner.momentum = Some(Velocity {
                    mu: r0.hp[Param::Momentum],
                    before: r0.st.m,
                    after: r1.st.m,
                    nesterov: r0.kind == OptKind::Nesterov,
                });
            }
            if let Some(n) = rec.note {
                inner.coords = n.coords;
                inner.decay = n.decay;
                inner.rectifier = n.rectifier.map(|(rho, r)| Rectifier { rho, r });
                inner.bounds = n.bounds.map(|(lo, hi, raw)| Bounds {
                    lo,
                    hi,
                    raw,
                    m: r1.st.m,
                });
            }
            if let (Some(l0), Some(l1)) = (s0.lookahead(), s1.lookahead()) {
                let kk = u64::from(l0.k.max(1));
                let synced = l1.iter % kk == 0;
                inner.lookahead = Some(LookaheadStep {
                    k: l0.k,
                    alpha: l0.alpha,
                    slow_before: l0.slow,
                    slow_after: l1.slow,
                    fast: rec.fast.unwrap_or(next),
                    synced,
                    until_sync: if synced { 0 } else { kk - l1.iter % kk },
                });
            }
        }
        (Method::Newton(n), _) => {
            if let Some((f, g, h, delta)) = rec.newton {
                inner.grad = g;
                inner.newton = Some(NewtonStep {
                    f,
                    g,
                    h,
                    damping: n.hp[Param::Damping],
                    delta,
                });
            }
        }
        (Method::Bfgs(_), _) | (Method::Lbfgs(_), _) => {
            let ls = match &before {
                Method::Bfgs(b) => b.hp.line_search,
                Method::Lbfgs(l) => l.hp.line_search,
                _ => LineSearch::default(),
            };
            if let Some((f, g, p, reset)) = rec.direction {
                inner.grad = g;
                let accepted = rec.trials.iter().rposition(|t| t.x == next);
                inner.search = Some(Search {
                    line_search: ls,
                    f,
                    direction: p,
                    reset,
                    trials: rec.trials,
                    accepted,
                });
            }
        }
        _ => {}
    }
    inner
}

/// The scale of the gradient arrows: the largest 1, 2 or 5 × 10ⁿ that draws `‖∇L‖` at most a
/// fifth of the view's smaller side (1 for a zero or non-finite gradient).
pub fn arrow_scale(grad_norm: f64, view: [f64; 4]) -> f64 {
    let extent = (view[1] - view[0]).min(view[3] - view[2]);
    let raw = 0.2 * extent / grad_norm;
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let e = libm::floor(libm::log10(raw));
    // m × 10ᵉ as m / 10⁻ᵉ for negative e: powers of ten up to 10²² are exact, so 2 × 10⁻⁵
    // comes out as the double nearest 2e-5.
    let at = |m: f64| {
        if e < 0.0 {
            m / libm::pow(10.0, -e)
        } else {
            m * libm::pow(10.0, e)
        }
    };
    let s = [5.0, 2.0, 1.0]
        .into_iter()
        .map(at)
        .find(|&s| s <= raw * (1.0 + 1e-12))
        .unwrap_or_else(|| at(1.0));
    if s.is_finite() && s > 0.0 {
        s
    } else {
        raw
    }
}

/// The label of the gradient arrow at scale `s`.
pub fn gradient_label(s: f64) -> String {
    format!("−∇L ×{}", fmt_num(s))
}

/// The view inside the optimizer as plane geometry: gradient arrows drawn `s` times the
/// gradient (the clipping threshold on the same scale), the rest in the plane's own units;
/// `view` bounds the unbounded (hyperbolas, asymptotes).
pub fn shapes(inner: &Inner, s: f64, view: [f64; 4]) -> Vec<Shape> {
    let mut out = Vec::new();
    let th = inner.theta;
    let arrow = |from: Vec2, to: Vec2, label: Option<String>, role: Role| Shape::Arrow {
        from,
        to,
        label,
        role,
    };
    // Newton's model first: the other shapes go over its curves.
    if let Some(n) = &inner.newton {
        let (levels, asymptotes) = n.levels(th, view);
        for a in asymptotes {
            out.push(Shape::Polyline {
                points: a.to_vec(),
                closed: false,
                role: Role::Asymptote,
            });
        }
        for l in levels {
            for c in l.curves {
                out.push(Shape::Polyline {
                    points: c,
                    closed: l.closed,
                    role: Role::Model { change: l.change },
                });
            }
        }
        let what = match curvature(n.model()) {
            Curvature::PositiveDefinite => "model's minimum",
            Curvature::NegativeDefinite => "model's maximum",
            Curvature::Indefinite => "model's saddle",
            Curvature::Singular => "model's stationary point",
        };
        out.push(Shape::Point {
            at: th - n.delta,
            label: Some(what.into()),
            role: Role::ModelCenter,
        });
        let note = match curvature(n.h) {
            Curvature::PositiveDefinite => None,
            Curvature::NegativeDefinite => Some("Hessian negative definite"),
            Curvature::Indefinite => Some("Hessian indefinite"),
            Curvature::Singular => Some("Hessian singular"),
        };
        if let Some(t) = note {
            out.push(Shape::Text {
                at: th,
                text: t.into(),
                role: Role::Note,
            });
        }
    }
    // The line search: the direction through the furthest trial, then every trial.
    if let Some(sr) = &inner.search {
        let far = sr
            .trials
            .iter()
            .map(|t| t.x)
            .filter(|x| x.is_finite())
            .max_by(|a, b| (*a - th).norm().total_cmp(&(*b - th).norm()));
        if let Some(far) = far {
            out.push(Shape::Polyline {
                points: vec![th, far],
                closed: false,
                role: Role::Direction,
            });
        }
        for (i, t) in sr.trials.iter().enumerate() {
            let accepted = sr.accepted == Some(i);
            out.push(Shape::Point {
                at: t.x,
                label: Some(format!("{}", i + 1)),
                role: Role::Trial { index: i, accepted },
            });
        }
    }
    // Clipping: the threshold around the gradient point on the arrows' scale.
    let ga = inner.grad_at;
    if let Some(c) = &inner.clip {
        let r = c.threshold() * s;
        out.push(match c.clip {
            Clip::Norm(_) => Shape::Circle {
                center: ga,
                radius: r,
                role: Role::Threshold,
            },
            Clip::Value(_) => Shape::Rect {
                a: ga - Vec2::new(r, r),
                b: ga + Vec2::new(r, r),
                role: Role::Threshold,
            },
        });
    }
    // Adaptive rules: the two components of the per-coordinate step and their box.
    if let Some(c) = inner.coords {
        let end = th - c;
        out.push(Shape::Rect {
            a: th,
            b: end,
            role: Role::Coordinates,
        });
        out.push(arrow(
            th,
            th - Vec2::new(c.x, 0.0),
            Some("Δx".into()),
            Role::Coordinates,
        ));
        out.push(arrow(
            th,
            th - Vec2::new(0.0, c.y),
            Some("Δy".into()),
            Role::Coordinates,
        ));
    }
    if let Some(b) = &inner.bounds {
        // Where the step could land with every rate in [lo, hi].
        let (a, z) = (th - b.lo * b.m, th - b.hi * b.m);
        out.push(Shape::Rect {
            a,
            b: z,
            role: Role::Bounds,
        });
        out.push(Shape::Text {
            at: z,
            text: format!("rate ∈ [{}, {}]", fmt_num(b.lo), fmt_num(b.hi)),
            role: Role::Note,
        });
    }
    if let Some(r) = &inner.rectifier {
        out.push(Shape::Text {
            at: th,
            text: match r.r {
                Some(r) => format!("r_t = {}", fmt_num(r)),
                None => format!("ρ_t = {} ≤ 5: SGD with momentum", fmt_num(r.rho)),
            },
            role: Role::Note,
        });
    }
    if let Some(m) = &inner.momentum {
        if m.before != Vec2::ZERO {
            out.push(arrow(
                th,
                th - m.mu * m.before,
                Some("μv".into()),
                Role::Momentum,
            ));
        }
        if m.nesterov {
            out.push(Shape::Point {
                at: ga,
                label: Some("look-ahead".into()),
                role: Role::LookAhead,
            });
        }
    }
    if let Some(l) = &inner.lookahead {
        if l.synced {
            out.push(Shape::Polyline {
                points: vec![l.slow_before, l.fast],
                closed: false,
                role: Role::Tether,
            });
            out.push(Shape::Point {
                at: l.fast,
                label: Some("fast".into()),
                role: Role::Fast,
            });
            out.push(arrow(
                l.fast,
                l.slow_after,
                Some(format!("pull back ×{}", fmt_num(1.0 - l.alpha))),
                Role::Pullback,
            ));
        } else {
            out.push(Shape::Polyline {
                points: vec![inner.next, l.slow_before],
                closed: false,
                role: Role::Tether,
            });
        }
        out.push(Shape::Point {
            at: l.slow_before,
            label: Some("φ".into()),
            role: Role::Slow,
        });
    }
    // The gradient (clipped on top of raw), the step, and θ_k.
    out.push(arrow(
        ga,
        ga - s * inner.grad,
        Some(gradient_label(s)),
        Role::Gradient,
    ));
    if let Some(c) = &inner.clip {
        if c.active(inner.grad) {
            out.push(arrow(
                ga,
                ga - s * c.clipped,
                Some("clipped".into()),
                Role::ClippedGradient,
            ));
        }
    }
    out.push(arrow(th, inner.next, Some("step".into()), Role::Step));
    out.push(Shape::Point {
        at: th,
        label: Some(format!("θ{}", subscript(inner.k))),
        role: Role::Theta,
    });
    out
}

/// `n` in subscript digits (`12` → `₁₂`).
pub fn subscript(n: u64) -> String {
    n.to_string()
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x2080 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

fn pt(p: Vec2) -> String {
    format!("({}, {})", fmt_num(p.x), fmt_num(p.y))
}

/// The numbers of an iteration in words, one line each; `s` is the arrows' scale.
pub fn text(inner: &Inner, s: f64) -> Vec<String> {
    let mut out = Vec::new();
    let name = match (inner.method, inner.rule) {
        (OptKind::Lookahead, Some(r)) => format!("lookahead({})", r.name()),
        (m, _) => m.name().to_string(),
    };
    let who = if inner.label == name {
        name
    } else {
        format!("{} ({name})", inner.label)
    };
    out.push(format!(
        "{who}, step {}: θ = {} → {}",
        inner.k,
        pt(inner.theta),
        pt(inner.next)
    ));
    out.push(format!(
        "L(θ) = {}   ‖∇L‖ = {}   η = {}",
        fmt_num(inner.loss),
        fmt_num(inner.grad.norm()),
        fmt_num(inner.rate)
    ));
    out.push(format!(
        "‖step‖ = {}   arrows: {}",
        fmt_num((inner.next - inner.theta).norm()),
        gradient_label(s)
    ));
    if let Some(m) = &inner.momentum {
        if m.nesterov {
            out.push(format!(
                "gradient at the look-ahead point θ − μv = {}",
                pt(inner.grad_at)
            ));
        }
        out.push(format!(
            "velocity v = {} → {} (‖v‖ = {})",
            pt(m.before),
            pt(m.after),
            fmt_num(m.after.norm())
        ));
    }
    if let Some(c) = &inner.clip {
        let raw = inner.grad;
        out.push(match (c.clip, c.active(raw)) {
            (Clip::Norm(t), true) => format!(
                "clipped by norm: ‖∇L‖ = {} > c = {} (×{})",
                fmt_num(raw.norm()),
                fmt_num(t),
                fmt_num(c.clipped.norm() / raw.norm())
            ),
            (Clip::Norm(t), false) => format!(
                "not clipped: ‖∇L‖ = {} ≤ c = {}",
                fmt_num(raw.norm()),
                fmt_num(t)
            ),
            (Clip::Value(t), true) => format!(
                "clipped by value to ±{}: {}",
                fmt_num(t),
                match (c.clipped.x != raw.x, c.clipped.y != raw.y) {
                    (true, true) => "x and y",
                    (true, false) => "x",
                    _ => "y",
                }
            ),
            (Clip::Value(t), false) => format!("not clipped: |∇L| ≤ {} each", fmt_num(t)),
        });
    }
    if let Some(c) = inner.coords {
        out.push(format!(
            "per-coordinate step: Δx = {}, Δy = {}",
            fmt_num(-c.x),
            fmt_num(-c.y)
        ));
    }
    if let Some(d) = inner.decay {
        if d != Vec2::ZERO {
            out.push(format!("weight decay: {}", pt(-d)));
        }
    }
    if let Some(r) = &inner.rectifier {
        out.push(match r.r {
            Some(v) => format!("ρ_t = {}, r_t = {}", fmt_num(r.rho), fmt_num(v)),
            None => format!(
                "ρ_t = {} ≤ 5: SGD with momentum (no rectifier yet)",
                fmt_num(r.rho)
            ),
        });
    }
    if let Some(b) = &inner.bounds {
        let rate = b.rate();
        let side = |raw: f64, used: f64| {
            if used != raw {
                if used == b.lo {
                    " (raised to the lower bound)"
                } else {
                    " (cut to the upper bound)"
                }
            } else {
                ""
            }
        };
        out.push(format!(
            "rate bounds [{}, {}]: x {}{}, y {}{}",
            fmt_num(b.lo),
            fmt_num(b.hi),
            fmt_num(rate.x),
            side(b.raw.x, rate.x),
            fmt_num(rate.y),
            side(b.raw.y, rate.y)
        ));
    }
    if let Some(l) = &inner.lookahead {
        out.push(if l.synced {
            format!(
                "lookahead: synchronised, φ {} → {}",
                pt(l.slow_before),
                pt(l.slow_after)
            )
        } else {
            format!(
                "lookahead: φ = {}, next synchronisation in {} step{}",
                pt(l.slow_before),
                l.until_sync,
                if l.until_sync == 1 { "" } else { "s" }
            )
        });
    }
    if let Some(n) = &inner.newton {
        let (l1, l2, _, _) = eigen(n.h);
        let what = match curvature(n.h) {
            Curvature::PositiveDefinite => "Hessian positive definite",
            Curvature::NegativeDefinite => "Hessian negative definite: the model has a maximum",
            Curvature::Indefinite => "Hessian indefinite: the model has a saddle",
            Curvature::Singular => "Hessian singular",
        };
        out.push(format!(
            "{what} (eigenvalues {}, {})",
            fmt_num(l1),
            fmt_num(l2)
        ));
        if n.damping != 0.0 {
            out.push(format!(
                "damped: solves (H + λI) δ = ∇L with λ = {}",
                fmt_num(n.damping)
            ));
        }
    }
    if let Some(sr) = &inner.search {
        let n = sr.trials.len();
        let mut line = format!(
            "{n} line-search trial{} ({})",
            if n == 1 { "" } else { "s" },
            sr.line_search.name()
        );
        if let Some(a) = sr.accepted.and_then(|i| sr.trials.get(i)) {
            line += &format!(", accepted α = {}", fmt_num(a.alpha));
        }
        out.push(line);
        if sr.reset {
            out.push("direction reset to −∇L (not a descent direction)".into());
        }
    }
    if !inner.exact {
        out.push("the replay differs from the recorded run".into());
    }
    out
}
