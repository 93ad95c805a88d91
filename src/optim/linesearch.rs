//! The line searches of the spec along `θ + α p`: none, Armijo backtracking, strong Wolfe
//! (bracketing then bisection; Nocedal & Wright, Algorithms 3.5 and 3.6).

use super::{Counted, NoProbe, Point, Probe};
use crate::vec2::Vec2;

pub const C1: f64 = 1e-4;
pub const C2: f64 = 0.9;
const MAX_ITERS: usize = 30;

/// What a line search found: the step length and what is known at `θ + α p`.
pub struct Found {
    pub alpha: f64,
    pub at: Point,
}

/// The point `θ + (α p)`, computed the one way every caller uses.
#[inline]
pub fn along(theta: Vec2, p: Vec2, alpha: f64) -> Vec2 {
    theta + alpha * p
}

/// Backtracking from `eta`: halve while the sufficient-decrease test fails, at most 30 times.
pub fn armijo(obj: &mut Counted, theta: Vec2, f0: f64, d0: f64, p: Vec2, eta: f64) -> Found {
    armijo_probed(obj, theta, f0, d0, p, eta, &mut NoProbe)
}

/// [`armijo`], telling `probe` every trial.
pub fn armijo_probed<P: Probe>(
    obj: &mut Counted,
    theta: Vec2,
    f0: f64,
    d0: f64,
    p: Vec2,
    eta: f64,
    probe: &mut P,
) -> Found {
    let mut alpha = eta;
    let mut halvings = 0;
    loop {
        let x = along(theta, p, alpha);
        let f = obj.value(x);
        if P::ON {
            probe.trial(alpha, x, f);
        }
        let ok = f.is_finite() && f <= f0 + C1 * alpha * d0;
        if ok || halvings >= MAX_ITERS {
            return Found {
                alpha,
                at: Point { x, f, g: None },
            };
        }
        alpha /= 2.0;
        halvings += 1;
    }
}

struct Trial {
    alpha: f64,
    at: Point,
    d: f64,
}

impl Trial {
    #[inline]
    fn eval<P: Probe>(obj: &mut Counted, theta: Vec2, p: Vec2, alpha: f64, probe: &mut P) -> Trial {
        let x = along(theta, p, alpha);
        let (f, g) = obj.grad(x);
        if P::ON {
            probe.trial(alpha, x, f);
        }
        Trial {
            alpha,
            at: Point { x, f, g: Some(g) },
            d: g.dot(p),
        }
    }
    fn finite(&self) -> bool {
        self.at.f.is_finite() && self.d.is_finite()
    }
    fn found(self) -> Found {
        Found {
            alpha: self.alpha,
            at: self.at,
        }
    }
}

/// Strong Wolfe conditions with `c₁ = 1e-4`, `c₂ = 0.9`, exactly as the spec's pseudo-code.
pub fn wolfe(obj: &mut Counted, theta: Vec2, f0: f64, d0: f64, p: Vec2, eta: f64) -> Found {
    wolfe_probed(obj, theta, f0, d0, p, eta, &mut NoProbe)
}

/// [`wolfe`], telling `probe` every trial.
pub fn wolfe_probed<P: Probe>(
    obj: &mut Counted,
    theta: Vec2,
    f0: f64,
    d0: f64,
    p: Vec2,
    eta: f64,
    probe: &mut P,
) -> Found {
    let mut a_prev = 0.0;
    let mut f_prev = f0;
    let mut alpha = eta;
    for i in 1..=MAX_ITERS {
        let t = Trial::eval(obj, theta, p, alpha, probe);
        let armijo_fails = !t.finite() || t.at.f > f0 + C1 * alpha * d0;
        if armijo_fails || (i > 1 && t.at.f >= f_prev) {
            return zoom(obj, theta, f0, d0, p, (a_prev, f_prev), alpha, probe);
        }
        if t.d.abs() <= -C2 * d0 {
            return t.found();
        }
        if t.d >= 0.0 {
            let lo = (alpha, t.at.f);
            return zoom(obj, theta, f0, d0, p, lo, a_prev, probe);
        }
        if i == MAX_ITERS {
            return t.found();
        }
        a_prev = alpha;
        f_prev = t.at.f;
        alpha *= 2.0;
    }
    // Unreachable: the loop returns on its last pass.
    Trial::eval(obj, theta, p, alpha, probe).found()
}

#[allow(clippy::too_many_arguments)] // the spec's zoom(lo, hi) and what it searches along
fn zoom<P: Probe>(
    obj: &mut Counted,
    theta: Vec2,
    f0: f64,
    d0: f64,
    p: Vec2,
    (mut lo, mut f_lo): (f64, f64),
    mut hi: f64,
    probe: &mut P,
) -> Found {
    let mut last = None;
    for _ in 0..MAX_ITERS {
        let alpha = (lo + hi) / 2.0;
        let t = Trial::eval(obj, theta, p, alpha, probe);
        if !t.finite() || t.at.f > f0 + C1 * alpha * d0 || t.at.f >= f_lo {
            hi = alpha;
        } else {
            if t.d.abs() <= -C2 * d0 {
                return t.found();
            }
            if t.d * (hi - lo) >= 0.0 {
                hi = lo;
            }
            lo = alpha;
            f_lo = t.at.f;
        }
        last = Some(t);
    }
    match last {
        Some(t) => t.found(),
        None => Trial::eval(obj, theta, p, (lo + hi) / 2.0, probe).found(),
    }
}
