//! The number type surfaces are written over, and its elementary functions.
//!
//! Every surface is written once, generic over [`Scalar`]: evaluated with `f64` it gives the
//! value, with num-dual's [`HyperDual64`] the gradient (and the mixed second derivative), with
//! [`Dual2_64`] the pure second derivatives. num-dual carries the arithmetic; the elementary
//! functions below take their values from the `libm` crate so that the same input gives the
//! same bits natively and in WebAssembly (the platform's own `sin`, `exp`, … differ in the last
//! place between glibc and wasm), and apply the chain rule through [`Scalar::chain`].
//!
//! The library surfaces and expressions are written over [`Num`], which every [`Scalar`] is:
//! the bulk engine also evaluates them over several runs side by side, in [`Lane`]s (one `f64`
//! per run, each operation done per lane, so every lane gets the bits the scalar code gives).

use core::ops::{Add, Div, Mul, Neg, Sub};
use num_dual::{Dual2_64, Dual64, DualNum, HyperDual64};

/// A real number or one of num-dual's dual numbers over `f64`.
pub trait Scalar: DualNum<Primitive = f64> + Copy {
    /// The real part.
    fn real(&self) -> f64;
    /// `f(self)` given `f0 = f(re)`, `f1 = f'(re)` and `f2 = f''(re)`.
    fn chain(self, f0: f64, f1: f64, f2: f64) -> Self;
    /// A constant (all derivative parts zero).
    fn cst(v: f64) -> Self {
        Self::from(v)
    }
}

impl Scalar for f64 {
    #[inline]
    fn real(&self) -> f64 {
        *self
    }
    #[inline]
    fn chain(self, f0: f64, _f1: f64, _f2: f64) -> Self {
        f0
    }
}

impl Scalar for Dual64 {
    #[inline]
    fn real(&self) -> f64 {
        self.re
    }
    #[inline]
    fn chain(self, f0: f64, f1: f64, _f2: f64) -> Self {
        Dual64::new(f0, f1 * self.eps)
    }
}

impl Scalar for HyperDual64 {
    #[inline]
    fn real(&self) -> f64 {
        self.re
    }
    #[inline]
    fn chain(self, f0: f64, f1: f64, f2: f64) -> Self {
        HyperDual64::new(
            f0,
            f1 * self.eps1,
            f1 * self.eps2,
            f1 * self.eps1eps2 + f2 * self.eps1 * self.eps2,
        )
    }
}

impl Scalar for Dual2_64 {
    #[inline]
    fn real(&self) -> f64 {
        self.re
    }
    #[inline]
    fn chain(self, f0: f64, f1: f64, f2: f64) -> Self {
        Dual2_64::new(f0, f1 * self.v1, f1 * self.v2 + f2 * self.v1 * self.v1)
    }
}

/// `+ − × ÷` and negation on copies: what [`Lane`]s and [`Num`]bers have.
pub trait Arith:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
}

impl<T> Arith for T where
    T: Copy
        + Add<Output = T>
        + Sub<Output = T>
        + Mul<Output = T>
        + Div<Output = T>
        + Neg<Output = T>
{
}

/// A number or several side by side ("lanes", one per run of the bulk engine): the arithmetic
/// the update rules and the surfaces use, done lane by lane. `+ − × ÷ √` are IEEE-exact, so a
/// lane gets the bits `f64` gives; functions of a lane go through [`Lane::map`].
pub trait Lane: Arith {
    /// One truth value per lane.
    type Mask: Copy;
    /// Every lane `v`.
    fn splat(v: f64) -> Self;
    /// `f` of every lane.
    fn map(self, f: impl Fn(f64) -> f64) -> Self;
    /// `√` of every lane.
    fn sqrt(self) -> Self;
    /// `f64::max` of every lane.
    fn max(self, o: Self) -> Self;
    /// `self > o`, lane by lane.
    fn gt(self, o: Self) -> Self::Mask;
    /// `self < o`, lane by lane.
    fn lt(self, o: Self) -> Self::Mask;
    /// `a` where `m` holds, else `b`.
    fn select(m: Self::Mask, a: Self, b: Self) -> Self;
}

impl Lane for f64 {
    type Mask = bool;
    #[inline]
    fn splat(v: f64) -> Self {
        v
    }
    #[inline]
    fn map(self, f: impl Fn(f64) -> f64) -> Self {
        f(self)
    }
    #[inline]
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    #[inline]
    fn max(self, o: Self) -> Self {
        f64::max(self, o)
    }
    #[inline]
    fn gt(self, o: Self) -> bool {
        self > o
    }
    #[inline]
    fn lt(self, o: Self) -> bool {
        self < o
    }
    #[inline]
    fn select(m: bool, a: Self, b: Self) -> Self {
        if m {
            a
        } else {
            b
        }
    }
}

/// A 2-vector of lanes: `x` and `y` of every lane (with `f64`, a [`Vec2`](crate::Vec2)).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair<L> {
    pub x: L,
    pub y: L,
}

impl<L: Lane> Pair<L> {
    #[inline(always)]
    pub fn new(x: L, y: L) -> Self {
        Pair { x, y }
    }
    /// `s · self`.
    #[inline(always)]
    pub fn scale(self, s: L) -> Self {
        Pair::new(s * self.x, s * self.y)
    }
    /// `f` of each coordinate.
    #[inline(always)]
    pub fn map(self, f: impl Fn(L) -> L) -> Self {
        Pair::new(f(self.x), f(self.y))
    }
    /// `f` of each coordinate pair.
    #[inline(always)]
    pub fn zip(self, o: Self, f: impl Fn(L, L) -> L) -> Self {
        Pair::new(f(self.x, o.x), f(self.y, o.y))
    }
    /// `√(x² + y²)`, as [`Vec2::norm`](crate::Vec2::norm).
    #[inline(always)]
    pub fn norm(self) -> L {
        (self.x * self.x + self.y * self.y).sqrt()
    }
}

impl<L: Lane> Add for Pair<L> {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Pair::new(self.x + o.x, self.y + o.y)
    }
}
impl<L: Lane> Sub for Pair<L> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Pair::new(self.x - o.x, self.y - o.y)
    }
}

impl From<crate::Vec2> for Pair<f64> {
    #[inline(always)]
    fn from(v: crate::Vec2) -> Self {
        Pair::new(v.x, v.y)
    }
}
impl From<Pair<f64>> for crate::Vec2 {
    #[inline(always)]
    fn from(p: Pair<f64>) -> Self {
        crate::Vec2::new(p.x, p.y)
    }
}

/// What the library surfaces and expressions are written over: any [`Scalar`] (`Re = f64`),
/// or the bulk engine's numbers over lanes. Elementary functions apply the chain rule through
/// [`Num::lift`], with values, first and second derivatives computed lane by lane.
pub trait Num: Arith {
    /// The real parts.
    type Re: Lane;
    /// The real parts.
    fn re(&self) -> Self::Re;
    /// `f(self)` given `f0 = f(re)`, `f1 = f'(re)`, `f2 = f''(re)` (as [`Scalar::chain`]).
    fn lift(self, f0: Self::Re, f1: Self::Re, f2: Self::Re) -> Self;
    /// A constant with real parts `re` (every derivative part zero).
    fn of(re: Self::Re) -> Self;
    /// `a` in the lanes where `m` holds, else `b`.
    fn pick(m: <Self::Re as Lane>::Mask, a: Self, b: Self) -> Self;
    /// A constant.
    #[inline]
    fn k(v: f64) -> Self {
        Self::of(Self::Re::splat(v))
    }
}

impl<T: Scalar> Num for T {
    type Re = f64;
    #[inline]
    fn re(&self) -> f64 {
        self.real()
    }
    #[inline]
    fn lift(self, f0: f64, f1: f64, f2: f64) -> Self {
        self.chain(f0, f1, f2)
    }
    #[inline]
    fn of(re: f64) -> Self {
        T::cst(re)
    }
    #[inline]
    fn pick(m: bool, a: Self, b: Self) -> Self {
        if m {
            a
        } else {
            b
        }
    }
}

/// Elementary functions over any [`Num`], bit-identical on every platform.
pub mod f {
    use super::{Lane, Num};

    #[inline]
    pub fn sin<D: Num>(x: D) -> D {
        let r = x.re();
        let (s, c) = (r.map(libm::sin), r.map(libm::cos));
        x.lift(s, c, -s)
    }
    #[inline]
    pub fn cos<D: Num>(x: D) -> D {
        let r = x.re();
        let (s, c) = (r.map(libm::sin), r.map(libm::cos));
        x.lift(c, -s, -c)
    }
    #[inline]
    pub fn tan<D: Num>(x: D) -> D {
        let t = x.re().map(libm::tan);
        let d = D::Re::splat(1.0) + t * t;
        x.lift(t, d, D::Re::splat(2.0) * t * d)
    }
    #[inline]
    pub fn exp<D: Num>(x: D) -> D {
        let e = x.re().map(libm::exp);
        x.lift(e, e, e)
    }
    #[inline]
    pub fn ln<D: Num>(x: D) -> D {
        let r = x.re();
        let inv = D::Re::splat(1.0) / r;
        x.lift(r.map(libm::log), inv, -inv * inv)
    }
    #[inline]
    pub fn sqrt<D: Num>(x: D) -> D {
        let r = x.re();
        let s = r.sqrt(); // IEEE-exact everywhere
        x.lift(s, D::Re::splat(0.5) / s, D::Re::splat(-0.25) / (s * r))
    }
    #[inline]
    pub fn tanh<D: Num>(x: D) -> D {
        let t = x.re().map(libm::tanh);
        let d = D::Re::splat(1.0) - t * t;
        x.lift(t, d, D::Re::splat(-2.0) * t * d)
    }
    #[inline]
    pub fn sinh<D: Num>(x: D) -> D {
        let r = x.re();
        let (s, c) = (r.map(libm::sinh), r.map(libm::cosh));
        x.lift(s, c, s)
    }
    #[inline]
    pub fn cosh<D: Num>(x: D) -> D {
        let r = x.re();
        let (s, c) = (r.map(libm::sinh), r.map(libm::cosh));
        x.lift(c, s, c)
    }
    #[inline]
    pub fn atan<D: Num>(x: D) -> D {
        let r = x.re();
        let d = D::Re::splat(1.0) / (D::Re::splat(1.0) + r * r);
        x.lift(r.map(libm::atan), d, D::Re::splat(-2.0) * r * d * d)
    }
    /// `|x|`, with derivative 0 at 0.
    #[inline]
    pub fn abs<D: Num>(x: D) -> D {
        let r = x.re();
        let zero = D::Re::splat(0.0);
        D::pick(
            r.gt(zero),
            x,
            D::pick(r.lt(zero), -x, D::of(r.map(f64::abs))),
        )
    }
    /// `min(a, b)`, taking `a`'s derivative on a tie.
    #[inline]
    pub fn min<D: Num>(a: D, b: D) -> D {
        D::pick(b.re().lt(a.re()), b, a)
    }
    /// `max(a, b)`, taking `a`'s derivative on a tie.
    #[inline]
    pub fn max<D: Num>(a: D, b: D) -> D {
        D::pick(b.re().gt(a.re()), b, a)
    }
    /// `x^n` for an integer `n` (works on negative bases).
    #[inline]
    pub fn powi<D: Num>(x: D, n: i32) -> D {
        match n {
            0 => D::k(1.0),
            1 => x,
            2 => x * x,
            _ => {
                let r = x.re();
                let nf = f64::from(n);
                x.lift(
                    r.map(|r| r.powi(n)),
                    r.map(|r| nf * r.powi(n - 1)),
                    r.map(|r| nf * (nf - 1.0) * r.powi(n - 2)),
                )
            }
        }
    }
    /// `x^c` for a constant real `c`.
    #[inline]
    pub fn powf<D: Num>(x: D, c: f64) -> D {
        let r = x.re();
        x.lift(
            r.map(|r| libm::pow(r, c)),
            r.map(|r| c * libm::pow(r, c - 1.0)),
            r.map(|r| c * (c - 1.0) * libm::pow(r, c - 2.0)),
        )
    }
    /// `a^b` with a variable exponent: `exp(b ln a)`.
    #[inline]
    pub fn powd<D: Num>(a: D, b: D) -> D {
        exp(b * ln(a))
    }
}
