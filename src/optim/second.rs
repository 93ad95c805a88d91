//! Newton's method, BFGS and L-BFGS (after argmin's `solver/quasinewton`): one struct each,
//! the line search shared.

use super::config::{Hyper, LineSearch, Param};
use super::linesearch::{along, armijo_probed, wolfe_probed, Found};
use super::{Counted, Fail, NoProbe, Point, Probe, Step};
use crate::vec2::{Mat2, Vec2};
use std::collections::VecDeque;

/// Pairs with `sᵀy` at or below this are not used to update an estimate.
pub const CURVATURE_MIN: f64 = 1e-10;

/// `θ ← θ − η (H + λI)⁻¹ ∇L(θ)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Newton {
    pub hp: Hyper,
}

impl Newton {
    #[inline]
    pub fn step(&mut self, obj: &mut Counted, theta: Vec2, eta: f64) -> Result<Step, Fail> {
        self.step_probed(obj, theta, eta, &mut NoProbe)
    }

    /// [`Newton::step`], telling `probe` the gradient, the Hessian and the solution.
    pub fn step_probed<P: Probe>(
        &mut self,
        obj: &mut Counted,
        theta: Vec2,
        eta: f64,
        probe: &mut P,
    ) -> Result<Step, Fail> {
        let (f, g, h) = obj.hessian(theta);
        if !g.is_finite() {
            return Err(Fail::Gradient);
        }
        let lam = self.hp[Param::Damping];
        let m = Mat2 {
            a: h.a + lam,
            b: h.b,
            c: h.c,
            d: h.d + lam,
        };
        let d = m.solve(g).ok_or(Fail::Singular)?;
        if P::ON {
            probe.newton(f, g, h, d);
        }
        Ok(Step {
            next: theta - eta * d,
            known: None,
            lr: eta,
            grad_norm: g.norm(),
        })
    }
}

/// The search direction and step shared by BFGS and L-BFGS; `dir` maps the gradient to `p`.
fn quasi_step<P: Probe>(
    obj: &mut Counted,
    cache: &mut Option<Point>,
    ls: LineSearch,
    theta: Vec2,
    eta: f64,
    dir: &mut dyn FnMut(Vec2, bool) -> Vec2,
    probe: &mut P,
) -> Result<(Step, Vec2, Vec2, Vec2), Fail> {
    let here = match cache.take() {
        Some(p) if p.x == theta && p.g.is_some() && !obj.stochastic() => p,
        _ => {
            let (f, g) = obj.grad(theta);
            Point {
                x: theta,
                f,
                g: Some(g),
            }
        }
    };
    let g = here.g.unwrap_or(Vec2::ZERO);
    if !g.is_finite() {
        return Err(Fail::Gradient);
    }
    let mut p = dir(g, false);
    let d = g.dot(p);
    let reset = d.is_nan() || d >= 0.0 || !d.is_finite();
    if reset {
        p = dir(g, true);
    }
    if P::ON {
        probe.direction(here.f, g, p, reset);
    }
    let d0 = g.dot(p);
    let found = match ls {
        LineSearch::None => {
            let x = along(theta, p, eta);
            let (f, g1) = obj.grad(x);
            if P::ON {
                probe.trial(eta, x, f);
            }
            Found {
                alpha: eta,
                at: Point { x, f, g: Some(g1) },
            }
        }
        LineSearch::Armijo => armijo_probed(obj, theta, here.f, d0, p, eta, probe),
        LineSearch::Wolfe => wolfe_probed(obj, theta, here.f, d0, p, eta, probe),
    };
    let s = found.alpha * p;
    let next = found.at.x;
    let mut at = found.at;
    if at.g.is_none() {
        // Armijo's accepted trial gave L(θ_{k+1}); its gradient is one more call.
        at.g = Some(obj.grad(next).1);
    }
    let g1 = at.g.unwrap_or(Vec2::ZERO);
    if !g1.is_finite() {
        return Err(Fail::Gradient);
    }
    let step = Step {
        next,
        known: Some(at.f),
        lr: eta,
        grad_norm: g.norm(),
    };
    *cache = Some(at);
    Ok((step, s, g1 - g, g))
}

/// BFGS with a dense 2×2 inverse-Hessian estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct Bfgs {
    pub hp: Hyper,
    /// The inverse-Hessian estimate `B` (starts at `I`).
    pub inv: Mat2,
    cache: Option<Point>,
}

impl Bfgs {
    pub fn new(hp: Hyper) -> Self {
        Bfgs {
            hp,
            inv: Mat2::IDENTITY,
            cache: None,
        }
    }

    #[inline]
    pub fn step(&mut self, obj: &mut Counted, theta: Vec2, eta: f64) -> Result<Step, Fail> {
        self.step_probed(obj, theta, eta, &mut NoProbe)
    }

    /// [`Bfgs::step`], telling `probe` the direction and every line-search trial.
    pub fn step_probed<P: Probe>(
        &mut self,
        obj: &mut Counted,
        theta: Vec2,
        eta: f64,
        probe: &mut P,
    ) -> Result<Step, Fail> {
        let inv = &mut self.inv;
        let mut dir = |g: Vec2, reset: bool| {
            if reset {
                *inv = Mat2::IDENTITY;
            }
            -inv.mul_vec(g)
        };
        let (step, s, y, _) = quasi_step(
            obj,
            &mut self.cache,
            self.hp.line_search,
            theta,
            eta,
            &mut dir,
            probe,
        )?;
        let sy = s.dot(y);
        if sy > CURVATURE_MIN {
            let rho = 1.0 / y.dot(s);
            let l = Mat2::IDENTITY.plus(Mat2::outer(s, y).scale(-rho));
            let r = Mat2::IDENTITY.plus(Mat2::outer(y, s).scale(-rho));
            self.inv = l
                .matmul(self.inv)
                .matmul(r)
                .plus(Mat2::outer(s, s).scale(rho));
        }
        Ok(step)
    }
}

/// L-BFGS: the two-loop recursion over the newest `memory` curvature pairs.
#[derive(Clone, Debug, PartialEq)]
pub struct Lbfgs {
    pub hp: Hyper,
    /// Stored `(s, y)` pairs, oldest first.
    pub pairs: VecDeque<(Vec2, Vec2)>,
    cache: Option<Point>,
}

/// `−H g` by the two-loop recursion over `pairs` (oldest first), with the initial scaling
/// `γ = sᵀy / yᵀy` of the newest pair (1 with none).
pub fn two_loop(pairs: &VecDeque<(Vec2, Vec2)>, g: Vec2) -> Vec2 {
    let mut q = g;
    let mut alphas = vec![0.0; pairs.len()];
    for (i, &(s, y)) in pairs.iter().enumerate().rev() {
        let a = s.dot(q) / y.dot(s);
        alphas[i] = a;
        q -= a * y;
    }
    let gamma = match pairs.back() {
        Some(&(s, y)) => s.dot(y) / y.dot(y),
        None => 1.0,
    };
    let mut r = gamma * q;
    for (&(s, y), a) in pairs.iter().zip(alphas) {
        let b = y.dot(r) / y.dot(s);
        r += (a - b) * s;
    }
    -r
}

impl Lbfgs {
    pub fn new(hp: Hyper) -> Self {
        Lbfgs {
            hp,
            pairs: VecDeque::new(),
            cache: None,
        }
    }

    #[inline]
    pub fn step(&mut self, obj: &mut Counted, theta: Vec2, eta: f64) -> Result<Step, Fail> {
        self.step_probed(obj, theta, eta, &mut NoProbe)
    }

    /// [`Lbfgs::step`], telling `probe` the direction and every line-search trial.
    pub fn step_probed<P: Probe>(
        &mut self,
        obj: &mut Counted,
        theta: Vec2,
        eta: f64,
        probe: &mut P,
    ) -> Result<Step, Fail> {
        let pairs = &mut self.pairs;
        let mut dir = |g: Vec2, reset: bool| {
            if reset {
                pairs.clear();
            }
            two_loop(pairs, g)
        };
        let (step, s, y, _) = quasi_step(
            obj,
            &mut self.cache,
            self.hp.line_search,
            theta,
            eta,
            &mut dir,
            probe,
        )?;
        if s.dot(y) > CURVATURE_MIN {
            self.pairs.push_back((s, y));
        }
        while self.pairs.len() > self.hp[Param::Memory].max(1.0) as usize {
            self.pairs.pop_front();
        }
        Ok(step)
    }
}
