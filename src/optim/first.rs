//! The first-order update rules of the spec, one function of (state, θ, g, η) each.
//!
//! Clipping, L2 and schedules are not here: the run applies them to the gradient and the rate
//! before a rule sees them, so every rule composes with every one of them.

use super::config::{Hyper, OptKind, Param};
use super::Probe;
use crate::scalar::{Lane, Pair};
use crate::vec2::Vec2;

/// The state every first-order rule may keep (zero at the start).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Moments {
    /// First moment / velocity / Lion's momentum.
    pub m: Vec2,
    /// Second moment / AdaGrad's sum / RMSprop's and AdaDelta's average of g².
    pub v: Vec2,
    /// AMSGrad's running maximum of v; AdaDelta's average of squared updates; the learned
    /// optimizer's fast average of g.
    pub aux: Vec2,
    /// The learned optimizer's slow average of g.
    pub slow: Vec2,
    /// The previous gradient (SGD-HD).
    pub prev_g: Option<Vec2>,
    /// SGD-HD's learned rate.
    pub alpha: f64,
    /// Steps taken so far (the next step is `t + 1`).
    pub t: u64,
}

/// What a rule computed on its way to `θ_{k+1}`, for a [`Probe`]: the parts of the update that
/// the state alone does not show.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RuleNote {
    /// The per-coordinate step of a rule that scales each coordinate on its own (AdaGrad,
    /// RMSprop, the Adam family, AdaBound, AdaDelta, Lion): `θ_{k+1} = θ − coords` (`− decay`),
    /// e.g. `η m̂ / (√v̂ + ε)` for Adam.
    pub coords: Option<Vec2>,
    /// The decoupled weight decay's part of the step (AdamW, Lion): `η λ θ`.
    pub decay: Option<Vec2>,
    /// RAdam: `ρ_t`, and the rectifier `r_t` (`None` in the SGD-with-momentum phase, `ρ_t ≤ 5`).
    pub rectifier: Option<(f64, Option<f64>)>,
    /// AdaBound: the bounds `lo_t`, `hi_t` of the per-coordinate rate and the rate before
    /// clamping, `a_t / (√v + ε)` (the rate used is it clamped into `[lo_t, hi_t]`).
    pub bounds: Option<(f64, f64, Vec2)>,
}

/// A first-order rule with its hyper-parameters and state.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub kind: OptKind,
    pub hp: Hyper,
    pub st: Moments,
}

#[inline]
fn sqrt(v: Vec2) -> Vec2 {
    v.map(f64::sqrt)
}
#[inline]
fn sq(v: Vec2) -> Vec2 {
    v.zip(v, |a, b| a * b)
}
#[inline]
fn div(a: Vec2, b: Vec2) -> Vec2 {
    a.zip(b, |a, b| a / b)
}
#[inline]
fn add_s(a: Vec2, s: f64) -> Vec2 {
    a.map(|x| x + s)
}
#[inline]
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}
/// `min(max(x, lo), hi)` without panicking on NaN or `lo > hi`.
#[inline]
fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    let y = if x < lo { lo } else { x };
    if y > hi {
        hi
    } else {
        y
    }
}
#[inline]
fn pow(b: f64, t: f64) -> f64 {
    libm::pow(b, t)
}
/// Tells `probe` the per-coordinate step `coords` (nothing when it does not listen).
#[inline]
fn note<P: Probe>(probe: &mut P, coords: Vec2) {
    if P::ON {
        probe.rule(&RuleNote {
            coords: Some(coords),
            ..RuleNote::default()
        });
    }
}

impl Rule {
    pub fn new(kind: OptKind, hp: Hyper) -> Self {
        Rule {
            kind,
            hp,
            st: Moments {
                alpha: hp[Param::Lr],
                ..Moments::default()
            },
        }
    }

    /// Where the gradient of this step is taken: θ, or θ − βv for Nesterov.
    #[inline]
    pub fn grad_point(&self, theta: Vec2) -> Vec2 {
        lane_grad_point(
            self.kind,
            self.hp[Param::Momentum],
            self.st.m.into(),
            theta.into(),
        )
        .into()
    }

    /// One update with the (clipped, L2-augmented) gradient `g` and rate `eta`. Returns the new
    /// point and the rate actually used (SGD-HD's learned one; `eta` otherwise).
    #[inline]
    pub fn step(&mut self, theta: Vec2, g: Vec2, eta: f64) -> (Vec2, f64) {
        self.step_probed(theta, g, eta, &mut super::NoProbe)
    }

    /// [`Rule::step`], telling `probe` what it computes on its way ([`RuleNote`]).
    #[inline]
    pub fn step_probed<P: Probe>(
        &mut self,
        theta: Vec2,
        g: Vec2,
        eta: f64,
        probe: &mut P,
    ) -> (Vec2, f64) {
        use Param::*;
        let h = self.hp;
        let st = &mut self.st;
        st.t += 1;
        let t = st.t as f64;
        if in_lanes(self.kind) {
            let hl = LaneHyper::of(&h);
            let (mut m, mut v, mut aux) = (st.m.into(), st.v.into(), st.aux.into());
            let out = lane_step(
                self.kind,
                &hl,
                [&mut m, &mut v, &mut aux],
                |p| match p {
                    Power::Beta1 => pow(h[Beta1], t),
                    Power::Beta2 => pow(h[Beta2], t),
                    Power::Beta1Next => pow(h[Beta1], t + 1.0),
                },
                theta.into(),
                g.into(),
                eta,
            );
            (st.m, st.v, st.aux) = (m.into(), v.into(), aux.into());
            if P::ON {
                if let Some(u) = out.adamw_u {
                    let u = Vec2::from(u);
                    probe.rule(&RuleNote {
                        coords: Some(eta * u),
                        decay: Some(eta * (h[WeightDecay] * theta)),
                        ..RuleNote::default()
                    });
                } else if let Some(c) = out.coords {
                    note(probe, c.into());
                }
            }
            return (out.next.into(), eta);
        }
        let adam_moments = |st: &mut Moments| {
            st.m = h[Beta1] * st.m + (1.0 - h[Beta1]) * g;
            st.v = h[Beta2] * st.v + (1.0 - h[Beta2]) * sq(g);
        };
        let next = match self.kind {
            OptKind::Radam => {
                adam_moments(st);
                let b2t = pow(h[Beta2], t);
                let mh = st.m.map(|m| m / (1.0 - pow(h[Beta1], t)));
                let vh = st.v.map(|v| v / (1.0 - b2t));
                let rho_inf = 2.0 / (1.0 - h[Beta2]) - 1.0;
                let rho_t = rho_inf - 2.0 * t * b2t / (1.0 - b2t);
                if rho_t > 5.0 {
                    let r = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                        / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                        .sqrt();
                    let c = eta * r * div(mh, add_s(sqrt(vh), h[Eps]));
                    if P::ON {
                        probe.rule(&RuleNote {
                            coords: Some(c),
                            rectifier: Some((rho_t, Some(r))),
                            ..RuleNote::default()
                        });
                    }
                    theta - c
                } else {
                    let c = eta * mh;
                    if P::ON {
                        probe.rule(&RuleNote {
                            coords: Some(c),
                            rectifier: Some((rho_t, None)),
                            ..RuleNote::default()
                        });
                    }
                    theta - c
                }
            }
            OptKind::Adabound => {
                adam_moments(st);
                let a = eta * (1.0 - pow(h[Beta2], t)).sqrt() / (1.0 - pow(h[Beta1], t));
                let f = h[FinalLr] * eta / h[Lr];
                let lo = f * (1.0 - 1.0 / (h[Gamma] * t + 1.0));
                let hi = f * (1.0 + 1.0 / (h[Gamma] * t));
                let step =
                    st.v.zip(st.m, |v, m| clamp(a / (v.sqrt() + h[Eps]), lo, hi) * m);
                if P::ON {
                    probe.rule(&RuleNote {
                        coords: Some(step),
                        bounds: Some((lo, hi, st.v.map(|v| a / (v.sqrt() + h[Eps])))),
                        ..RuleNote::default()
                    });
                }
                theta - step
            }
            OptKind::Adadelta => {
                st.v = h[Rho] * st.v + (1.0 - h[Rho]) * sq(g);
                let u = st.aux;
                let delta = Vec2::new(
                    (u.x + h[Eps]).sqrt() / (st.v.x + h[Eps]).sqrt() * g.x,
                    (u.y + h[Eps]).sqrt() / (st.v.y + h[Eps]).sqrt() * g.y,
                );
                st.aux = h[Rho] * st.aux + (1.0 - h[Rho]) * sq(delta);
                let c = eta * delta;
                note(probe, c);
                theta - c
            }
            OptKind::Lion => {
                let c = h[Beta1] * st.m + (1.0 - h[Beta1]) * g;
                if P::ON {
                    probe.rule(&RuleNote {
                        coords: Some(eta * c.map(sign)),
                        decay: Some(eta * (h[WeightDecay] * theta)),
                        ..RuleNote::default()
                    });
                }
                let next = theta - eta * (c.map(sign) + h[WeightDecay] * theta);
                st.m = h[Beta2] * st.m + (1.0 - h[Beta2]) * g;
                next
            }
            OptKind::SgdHd => {
                if let Some(prev) = st.prev_g {
                    st.alpha += h[HyperLr] * g.dot(prev);
                }
                st.prev_g = Some(g);
                return (theta - st.alpha * g, st.alpha);
            }
            OptKind::Learned => {
                let c = super::learned::step(&super::learned::WEIGHTS, st, g, eta);
                note(probe, c);
                theta - c
            }
            // The rules of `in_lanes` (stepped above), and what is not a first-order rule (the
            // run never builds a Rule for lookahead, Newton, BFGS or L-BFGS).
            _ => theta,
        };
        (next, eta)
    }
}

// ---------------------------------------------------------------- rules over lanes

/// Whether `kind`'s rule is written over [`Lane`]s ([`lane_step`]): the single-run path and the
/// bulk engine then run the same formulas, one run or several side by side.
#[inline]
pub fn in_lanes(kind: OptKind) -> bool {
    matches!(
        kind,
        OptKind::Gd
            | OptKind::Momentum
            | OptKind::Nesterov
            | OptKind::Adagrad
            | OptKind::Rmsprop
            | OptKind::Adam
            | OptKind::Adamw
            | OptKind::Amsgrad
            | OptKind::Nadam
    )
}

/// The hyper-parameters the rules of [`lane_step`] read, one value per lane.
#[derive(Clone, Copy, Debug)]
pub struct LaneHyper<L> {
    pub momentum: L,
    pub beta1: L,
    pub beta2: L,
    pub eps: L,
    pub rho: L,
    pub weight_decay: L,
}

impl LaneHyper<f64> {
    /// The values of `h` (NaN for a parameter the optimizer does not take).
    #[inline]
    pub fn of(h: &Hyper) -> Self {
        LaneHyper {
            momentum: h[Param::Momentum],
            beta1: h[Param::Beta1],
            beta2: h[Param::Beta2],
            eps: h[Param::Eps],
            rho: h[Param::Rho],
            weight_decay: h[Param::WeightDecay],
        }
    }
}

/// A power the Adam family reads at step `t` (computed by `libm::pow`): `β₁ᵗ`, `β₂ᵗ`, `β₁ᵗ⁺¹`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Power {
    Beta1,
    Beta2,
    Beta1Next,
}

/// What [`lane_step`] computed: the new point and, for the probe, the per-coordinate step
/// (AdaGrad, RMSprop, the Adam family) or AdamW's `u = m̂ / (√v̂ + ε)`.
#[derive(Clone, Copy, Debug)]
pub struct LaneStep<L> {
    pub next: Pair<L>,
    pub coords: Option<Pair<L>>,
    pub adamw_u: Option<Pair<L>>,
}

/// Where the gradient is taken: θ, or θ − βv for Nesterov.
#[inline]
pub fn lane_grad_point<L: Lane>(kind: OptKind, momentum: L, m: Pair<L>, theta: Pair<L>) -> Pair<L> {
    match kind {
        OptKind::Nesterov => theta - m.scale(momentum),
        _ => theta,
    }
}

/// One update of a rule of [`in_lanes`] in every lane: state `[m, v, aux]` (as [`Moments`]),
/// the (clipped, L2-augmented) gradient `g`, the rate `eta`; `pow` gives the powers of the
/// step `t` (the step count after this update). The formulas of the spec, written once.
#[inline(always)]
pub fn lane_step<L: Lane>(
    kind: OptKind,
    h: &LaneHyper<L>,
    [m, v, aux]: [&mut Pair<L>; 3],
    pow: impl Fn(Power) -> L,
    theta: Pair<L>,
    g: Pair<L>,
    eta: L,
) -> LaneStep<L> {
    // The helpers are functions, not closures, so that they are always inlined: an outlined
    // closure is compiled for the baseline instructions, not for the AVX lane groups.
    #[inline(always)]
    fn sq<L: Lane>(p: Pair<L>) -> Pair<L> {
        p.zip(p, |a, b| a * b)
    }
    #[inline(always)]
    fn adam_moments<L: Lane>(h: &LaneHyper<L>, g: Pair<L>, m: &mut Pair<L>, v: &mut Pair<L>) {
        let one = L::splat(1.0);
        *m = m.scale(h.beta1) + g.scale(one - h.beta1);
        *v = v.scale(h.beta2) + sq(g).scale(one - h.beta2);
    }
    let one = L::splat(1.0);
    // η · a / (√b + ε), coordinate by coordinate.
    let scaled = |a: Pair<L>, b: Pair<L>| a.zip(b, |a, b| eta * (a / (b.sqrt() + h.eps)));
    let plain = |next| LaneStep {
        next,
        coords: None,
        adamw_u: None,
    };
    let by = |c: Pair<L>| LaneStep {
        next: theta - c,
        coords: Some(c),
        adamw_u: None,
    };
    match kind {
        OptKind::Momentum | OptKind::Nesterov => {
            *m = m.scale(h.momentum) + g.scale(eta);
            plain(theta - *m)
        }
        OptKind::Adagrad => {
            *v = *v + sq(g);
            by(scaled(g, *v))
        }
        OptKind::Rmsprop => {
            *v = v.scale(h.rho) + sq(g).scale(one - h.rho);
            by(scaled(g, *v))
        }
        OptKind::Adam | OptKind::Adamw => {
            adam_moments(h, g, m, v);
            let (c1, c2) = (one - pow(Power::Beta1), one - pow(Power::Beta2));
            let mh = m.map(|m| m / c1);
            let vh = v.map(|v| v / c2);
            let u = mh.zip(vh, |a, b| a / (b.sqrt() + h.eps));
            if kind == OptKind::Adamw {
                LaneStep {
                    next: theta - (u + theta.scale(h.weight_decay)).scale(eta),
                    coords: None,
                    adamw_u: Some(u),
                }
            } else {
                by(u.scale(eta))
            }
        }
        OptKind::Amsgrad => {
            adam_moments(h, g, m, v);
            *aux = aux.zip(*v, L::max);
            let (c1, c2) = (one - pow(Power::Beta1), one - pow(Power::Beta2));
            let mh = m.map(|m| m / c1);
            let den = aux.map(|v| (v / c2).sqrt() + h.eps);
            by(mh.zip(den, |a, b| a / b).scale(eta))
        }
        OptKind::Nadam => {
            adam_moments(h, g, m, v);
            let c2 = one - pow(Power::Beta2);
            let vh = v.map(|v| v / c2);
            let a = one - pow(Power::Beta1Next);
            let b = one - pow(Power::Beta1);
            let n = m.zip(g, |m, g| h.beta1 * m / a + (one - h.beta1) * g / b);
            by(scaled(n, vh))
        }
        _ => plain(theta - g.scale(eta)),
    }
}
