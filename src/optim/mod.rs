//! Optimizers, built from orthogonal pieces.
//!
//! One iteration of a first-order run is a pipeline: the gradient at the rule's gradient point
//! ([`Rule::grad_point`]), then [`Clip`], then coupled L2, then the rule with the schedule's
//! rate, optionally wrapped by [`Lookahead`]. Second-order and quasi-Newton methods
//! ([`Newton`], [`Bfgs`], [`Lbfgs`]) ask the surface for what they need through [`Counted`],
//! which counts evaluations. Hyper-parameters are declared in [`config`] and resolved once,
//! when a method is built ([`OptimizerConfig::resolve`]).
//! The exact rules are in `docs/optimizers.md`.

pub mod config;
mod first;
pub mod linesearch;
mod second;

pub use config::{
    Hyper, HyperSpec, LineSearch, OptInfo, OptKind, OptimizerConfig, Param, Valid, OPTIMIZERS,
};
pub use first::{
    in_lanes, lane_grad_point, lane_step, LaneHyper, LaneStep, Moments, Power, Rule, RuleNote,
};
pub use second::{two_loop, Bfgs, Lbfgs, Newton, CURVATURE_MIN};

use crate::scalar::{Lane, Pair};
use crate::surface::Surface;
use crate::vec2::{Mat2, Vec2};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Evaluation counts, as the spec defines them (see [`Counted`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evals {
    pub value: u64,
    pub grad: u64,
    pub hessian: u64,
}

/// A surface that counts the calls made to it: `value` counts `L` alone, `grad` counts calls
/// that yield `∇L` (and `L` with it, counted only as a gradient), `hessian` counts `∇²L`
/// (whose gradient is counted as a gradient too, since the rule reads it).
///
/// For one iteration of a stochastic run it also holds the mini-batch every evaluation uses
/// and the Gaussian noise added to every gradient read.
pub struct Counted<'a> {
    pub surface: &'a Surface,
    pub evals: &'a mut Evals,
    /// The points of a data surface this iteration sees (`None`: all of them).
    pub batch: Option<&'a [u32]>,
    /// σ and the generator of the noise added to every gradient.
    pub noise: Option<(f64, &'a mut ChaCha8Rng)>,
}

impl<'a> Counted<'a> {
    /// Counts calls to `surface` into `evals`: full batch, no noise.
    pub fn new(surface: &'a Surface, evals: &'a mut Evals) -> Self {
        Counted {
            surface,
            evals,
            batch: None,
            noise: None,
        }
    }

    /// Whether this iteration sees a mini-batch (so nothing computed on another can be reused).
    pub fn stochastic(&self) -> bool {
        self.batch.is_some()
    }

    #[inline]
    fn perturb(&mut self, g: Vec2) -> Vec2 {
        match &mut self.noise {
            Some((sigma, rng)) if *sigma > 0.0 => {
                let (a, b) = (
                    crate::surface::data::gauss(rng),
                    crate::surface::data::gauss(rng),
                );
                g + *sigma * Vec2::new(a, b)
            }
            _ => g,
        }
    }

    #[inline]
    pub fn value(&mut self, p: Vec2) -> f64 {
        self.evals.value += 1;
        self.surface.value_on(self.batch, p)
    }
    #[inline]
    pub fn grad(&mut self, p: Vec2) -> (f64, Vec2) {
        self.evals.grad += 1;
        let (f, g) = self.surface.grad_on(self.batch, p);
        (f, self.perturb(g))
    }
    #[inline]
    pub fn hessian(&mut self, p: Vec2) -> (f64, Vec2, Mat2) {
        self.evals.grad += 1;
        self.evals.hessian += 1;
        let (f, g, h) = self.surface.hessian_on(self.batch, p);
        (f, self.perturb(g), h)
    }
}

/// What is known at a point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: Vec2,
    pub f: f64,
    pub g: Option<Vec2>,
}

/// The outcome of one successful iteration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// `θ_{k+1}`.
    pub next: Vec2,
    /// `L(θ_{k+1})` when the method already computed it.
    pub known: Option<f64>,
    /// The rate used.
    pub lr: f64,
    /// `‖∇L‖` of the gradient this iteration took (before clipping).
    pub grad_norm: f64,
}

/// Why an iteration failed (the run then stops as diverged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fail {
    /// A gradient was not finite.
    Gradient,
    /// Newton's system was singular.
    Singular,
    /// `θ_{k+1}` or `L(θ_{k+1})` not finite, or `‖θ_{k+1}‖ > 1e12`.
    Point,
}

/// What an iteration computes on its way, told to an observer: the page's view "inside the
/// optimizer" replays one iteration with a recording probe ([`Method::step_probed`]). Every
/// report has an empty default; the engine's own stepping passes [`NoProbe`], whose `ON` is
/// false, so every report compiles away and the hot path is unchanged.
pub trait Probe {
    /// Whether reports are made at all (a constant: `false` removes them at compile time).
    const ON: bool = true;
    /// First-order: the gradient point `θ̃`, the gradient read there (with noise, before
    /// clipping) and the gradient the rule gets (after clipping and L2).
    fn gradient(&mut self, _at: Vec2, _raw: Vec2, _processed: Vec2) {}
    /// First-order: what the rule computed on its way (see [`RuleNote`]).
    fn rule(&mut self, _note: &RuleNote) {}
    /// Lookahead: the fast point the inner optimizer reached, before any synchronisation
    /// (nested lookaheads report innermost first).
    fn fast(&mut self, _fast: Vec2) {}
    /// Newton: `L(θ_k)`, `∇L(θ_k)`, `∇²L(θ_k)`, and the solution `δ` of `(H + λI) δ = g`.
    fn newton(&mut self, _f: f64, _g: Vec2, _h: Mat2, _delta: Vec2) {}
    /// Quasi-Newton: `L(θ_k)`, `g_k`, the direction `p` and whether it was reset to `−g_k`.
    fn direction(&mut self, _f: f64, _g: Vec2, _p: Vec2, _reset: bool) {}
    /// A line-search trial, in order: the step length, the point `θ_k + α p` and `L` there.
    fn trial(&mut self, _alpha: f64, _x: Vec2, _f: f64) {}
}

/// The probe that listens to nothing: what every ordinary step uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProbe;

impl Probe for NoProbe {
    const ON: bool = false;
}

/// Gradient clipping, `{"norm": c}` or `{"value": c}`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Clip {
    /// Rescale to norm `c` when `‖g‖₂ > c`.
    Norm(f64),
    /// Clamp each component to `[−c, c]`.
    Value(f64),
}

impl Clip {
    /// The modes, `(JSON name, what the page's menu says)`.
    pub const MODES: [(&'static str, &'static str); 2] =
        [("norm", "by norm"), ("value", "by value")];

    #[inline]
    pub fn apply(self, g: Vec2) -> Vec2 {
        match self {
            Clip::Norm(c) => clip_lanes(true, c, g.into()).into(),
            Clip::Value(c) => clip_lanes(false, c, g.into()).into(),
        }
    }
}

/// Clipping in every lane: rescale to norm `c` when `‖g‖₂ > c` (`by_norm`), else clamp each
/// component to `[−c, c]` ([`Clip`]'s formulas, written once).
#[inline]
pub fn clip_lanes<L: Lane>(by_norm: bool, c: L, g: Pair<L>) -> Pair<L> {
    if by_norm {
        let n = g.norm();
        let s = c / n;
        let over = n.gt(c);
        Pair::new(L::select(over, g.x * s, g.x), L::select(over, g.y * s, g.y))
    } else {
        g.map(|v| L::select(v.gt(c), c, L::select(v.lt(-c), -c, v)))
    }
}

/// Coupled L2 in every lane: `g + λ θ̃` (θ̃ the gradient point); the run adds it where `λ ≠ 0`.
#[inline]
pub fn l2_lanes<L: Lane>(g: Pair<L>, l2: L, gp: Pair<L>) -> Pair<L> {
    g + gp.scale(l2)
}

/// Lookahead around any first-order stepper: every `k` iterations the slow point moves
/// `φ ← φ + α(θ − φ)` and the fast point restarts from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lookahead {
    pub inner: FirstOrder,
    pub k: u32,
    pub alpha: f64,
    pub slow: Vec2,
    pub iter: u64,
}

/// A first-order stepper: a rule, or lookahead around one.
// The plain rule is the common case and stays inline; only the recursive wrapper is boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum FirstOrder {
    Rule(Rule),
    Lookahead(Box<Lookahead>),
}

impl FirstOrder {
    pub fn build(cfg: &OptimizerConfig, start: Vec2) -> FirstOrder {
        match (&cfg.name, &cfg.inner) {
            (OptKind::Lookahead, Some(inner)) => {
                let hp = cfg.resolve();
                FirstOrder::Lookahead(Box::new(Lookahead {
                    inner: FirstOrder::build(inner, start),
                    k: hp[Param::K].max(1.0) as u32,
                    alpha: hp[Param::Alpha],
                    slow: start,
                    iter: 0,
                }))
            }
            _ => FirstOrder::Rule(Rule::new(cfg.name, cfg.resolve())),
        }
    }

    /// The rule at the heart (inside every lookahead).
    pub fn rule(&self) -> &Rule {
        match self {
            FirstOrder::Rule(r) => r,
            FirstOrder::Lookahead(l) => l.inner.rule(),
        }
    }

    /// The outermost lookahead, if any.
    pub fn lookahead(&self) -> Option<&Lookahead> {
        match self {
            FirstOrder::Rule(_) => None,
            FirstOrder::Lookahead(l) => Some(l),
        }
    }

    #[inline]
    pub fn grad_point(&self, theta: Vec2) -> Vec2 {
        match self {
            FirstOrder::Rule(r) => r.grad_point(theta),
            FirstOrder::Lookahead(l) => l.inner.grad_point(theta),
        }
    }

    #[inline]
    pub fn step(&mut self, theta: Vec2, g: Vec2, eta: f64) -> (Vec2, f64) {
        self.step_probed(theta, g, eta, &mut NoProbe)
    }

    /// [`FirstOrder::step`], telling `probe` what it computes.
    #[inline]
    pub fn step_probed<P: Probe>(
        &mut self,
        theta: Vec2,
        g: Vec2,
        eta: f64,
        probe: &mut P,
    ) -> (Vec2, f64) {
        match self {
            FirstOrder::Rule(r) => r.step_probed(theta, g, eta, probe),
            FirstOrder::Lookahead(l) => {
                let (mut next, lr) = l.inner.step_probed(theta, g, eta, probe);
                if P::ON {
                    probe.fast(next);
                }
                l.iter += 1;
                if l.iter % u64::from(l.k.max(1)) == 0 {
                    l.slow = l.slow + l.alpha * (next - l.slow);
                    next = l.slow;
                }
                (next, lr)
            }
        }
    }
}

/// A runnable optimizer: every kind of the spec.
#[derive(Clone, Debug, PartialEq)]
pub enum Method {
    First {
        stepper: FirstOrder,
        clip: Option<Clip>,
        l2: f64,
    },
    Newton(Newton),
    Bfgs(Bfgs),
    Lbfgs(Lbfgs),
}

impl Method {
    /// Builds from a validated configuration; clipping and L2 apply to first-order methods only.
    pub fn build(cfg: &OptimizerConfig, clip: Option<Clip>, l2: f64, start: Vec2) -> Method {
        match cfg.name {
            OptKind::Newton => Method::Newton(Newton { hp: cfg.resolve() }),
            OptKind::Bfgs => Method::Bfgs(Bfgs::new(cfg.resolve())),
            OptKind::Lbfgs => Method::Lbfgs(Lbfgs::new(cfg.resolve())),
            _ => Method::First {
                stepper: FirstOrder::build(cfg, start),
                clip,
                l2,
            },
        }
    }

    /// Whether the schedule is ignored (SGD-HD learns its own rate).
    pub fn ignores_schedule(&self) -> bool {
        fn inner(f: &FirstOrder) -> bool {
            match f {
                FirstOrder::Rule(r) => r.kind == OptKind::SgdHd,
                FirstOrder::Lookahead(l) => inner(&l.inner),
            }
        }
        matches!(self, Method::First { stepper, .. } if inner(stepper))
    }

    /// One iteration from `theta` with rate `eta`.
    #[inline]
    pub fn step(&mut self, obj: &mut Counted, theta: Vec2, eta: f64) -> Result<Step, Fail> {
        self.step_probed(obj, theta, eta, &mut NoProbe)
    }

    /// [`Method::step`], telling `probe` what the iteration computes on its way (the same
    /// operations, so the same bits).
    #[inline]
    pub fn step_probed<P: Probe>(
        &mut self,
        obj: &mut Counted,
        theta: Vec2,
        eta: f64,
        probe: &mut P,
    ) -> Result<Step, Fail> {
        match self {
            Method::First { stepper, clip, l2 } => {
                let gp = stepper.grad_point(theta);
                let (_, raw) = obj.grad(gp);
                if !raw.is_finite() {
                    return Err(Fail::Gradient);
                }
                let mut g = match clip {
                    Some(c) => c.apply(raw),
                    None => raw,
                };
                if *l2 != 0.0 {
                    g = l2_lanes(g.into(), *l2, gp.into()).into();
                }
                if P::ON {
                    probe.gradient(gp, raw, g);
                }
                let (next, lr) = stepper.step_probed(theta, g, eta, probe);
                Ok(Step {
                    next,
                    known: None,
                    lr,
                    grad_norm: raw.norm(),
                })
            }
            Method::Newton(n) => n.step_probed(obj, theta, eta, probe),
            Method::Bfgs(b) => b.step_probed(obj, theta, eta, probe),
            Method::Lbfgs(l) => l.step_probed(obj, theta, eta, probe),
        }
    }
}
