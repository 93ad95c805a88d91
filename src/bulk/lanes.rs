//! The bulk engine's numbers: [`Lanes`], `W` runs' `f64`s side by side (each operation a loop
//! over the lanes, which the compiler turns into SIMD instructions: SSE2 natively, `simd128`
//! in the browser build), and [`Grad`], a number with its two first derivatives over lanes.

use crate::scalar::{Lane, Num};
use core::ops::{Add, Div, Mul, Neg, Sub};

/// `W` `f64`s, one per run; every operation is done lane by lane, with `f64`'s own operation,
/// so each lane gets the bits the scalar code gives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lanes<const W: usize>(pub [f64; W]);

macro_rules! lanewise {
    ($tr:ident, $f:ident, $op:tt) => {
        impl<const W: usize> $tr for Lanes<W> {
            type Output = Self;
            #[inline(always)]
            fn $f(self, o: Self) -> Self {
                Lanes(core::array::from_fn(|i| self.0[i] $op o.0[i]))
            }
        }
    };
}
lanewise!(Add, add, +);
lanewise!(Sub, sub, -);
lanewise!(Mul, mul, *);
lanewise!(Div, div, /);

impl<const W: usize> Neg for Lanes<W> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Lanes(self.0.map(|v| -v))
    }
}

impl<const W: usize> Lane for Lanes<W> {
    type Mask = [bool; W];
    #[inline(always)]
    fn splat(v: f64) -> Self {
        Lanes([v; W])
    }
    #[inline(always)]
    fn map(self, f: impl Fn(f64) -> f64) -> Self {
        Lanes(self.0.map(f))
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        Lanes(self.0.map(f64::sqrt))
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        Lanes(core::array::from_fn(|i| f64::max(self.0[i], o.0[i])))
    }
    #[inline(always)]
    fn gt(self, o: Self) -> [bool; W] {
        core::array::from_fn(|i| self.0[i] > o.0[i])
    }
    #[inline(always)]
    fn lt(self, o: Self) -> [bool; W] {
        core::array::from_fn(|i| self.0[i] < o.0[i])
    }
    #[inline(always)]
    fn select(m: [bool; W], a: Self, b: Self) -> Self {
        Lanes(core::array::from_fn(|i| if m[i] { a.0[i] } else { b.0[i] }))
    }
}

/// Lanes are numbers without derivatives: a surface evaluated over them gives `W` values, as
/// over `f64`.
impl<const W: usize> Num for Lanes<W> {
    type Re = Self;
    #[inline(always)]
    fn re(&self) -> Self {
        *self
    }
    #[inline(always)]
    fn lift(self, f0: Self, _f1: Self, _f2: Self) -> Self {
        f0
    }
    #[inline(always)]
    fn of(re: Self) -> Self {
        re
    }
    #[inline(always)]
    fn pick(m: [bool; W], a: Self, b: Self) -> Self {
        Lane::select(m, a, b)
    }
}

/// A value and its derivatives along two directions, over lanes: the `re`, `eps1`, `eps2`
/// parts of num-dual's `HyperDual64` computed with its formulas (the `eps1eps2` part, which
/// never feeds the others, is left out), so `(eps1, eps2)` is `Surface::grad`'s gradient, bit
/// for bit (tests/bulk.rs checks it on every surface and every function of expressions).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grad<L> {
    pub re: L,
    pub eps1: L,
    pub eps2: L,
}

impl<L: Lane> Grad<L> {
    /// The variables `x` and `y` at `(x, y)`: `x` with `eps1 = 1`, `y` with `eps2 = 1`.
    #[inline(always)]
    pub fn vars(x: L, y: L) -> (Self, Self) {
        let (zero, one) = (L::splat(0.0), L::splat(1.0));
        (
            Grad {
                re: x,
                eps1: one,
                eps2: zero,
            },
            Grad {
                re: y,
                eps1: zero,
                eps2: one,
            },
        )
    }
}

impl<L: Lane> Add for Grad<L> {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Grad {
            re: self.re + o.re,
            eps1: self.eps1 + o.eps1,
            eps2: self.eps2 + o.eps2,
        }
    }
}
impl<L: Lane> Sub for Grad<L> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Grad {
            re: self.re - o.re,
            eps1: self.eps1 - o.eps1,
            eps2: self.eps2 - o.eps2,
        }
    }
}
impl<L: Lane> Neg for Grad<L> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Grad {
            re: -self.re,
            eps1: -self.eps1,
            eps2: -self.eps2,
        }
    }
}
/// num-dual's product rule: `eps = b.eps · a.re + a.eps · b.re`.
impl<L: Lane> Mul for Grad<L> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Grad {
            re: self.re * o.re,
            eps1: o.eps1 * self.re + self.eps1 * o.re,
            eps2: o.eps2 * self.re + self.eps2 * o.re,
        }
    }
}
/// num-dual's quotient rule: `re = a.re · (1/b.re)`, `eps = (a.eps · b.re − b.eps · a.re) · (1/b.re)²`.
impl<L: Lane> Div for Grad<L> {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        let inv = L::splat(1.0) / o.re;
        let inv2 = inv * inv;
        Grad {
            re: self.re * inv,
            eps1: (self.eps1 * o.re - o.eps1 * self.re) * inv2,
            eps2: (self.eps2 * o.re - o.eps2 * self.re) * inv2,
        }
    }
}

impl<L: Lane> Num for Grad<L> {
    type Re = L;
    #[inline(always)]
    fn re(&self) -> L {
        self.re
    }
    /// As `Scalar::chain` for `HyperDual64`: `eps = f1 · eps`.
    #[inline(always)]
    fn lift(self, f0: L, f1: L, _f2: L) -> Self {
        Grad {
            re: f0,
            eps1: f1 * self.eps1,
            eps2: f1 * self.eps2,
        }
    }
    #[inline(always)]
    fn of(re: L) -> Self {
        let zero = L::splat(0.0);
        Grad {
            re,
            eps1: zero,
            eps2: zero,
        }
    }
    #[inline(always)]
    fn pick(m: L::Mask, a: Self, b: Self) -> Self {
        Grad {
            re: L::select(m, a.re, b.re),
            eps1: L::select(m, a.eps1, b.eps1),
            eps2: L::select(m, a.eps2, b.eps2),
        }
    }
}
