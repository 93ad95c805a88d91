//! The number type surfaces are written over, and its elementary functions.
//!
//! Every surface is written once, generic over [`Scalar`]: evaluated with `f64` it gives the
//! value, with num-dual's [`HyperDual64`] the gradient (and the mixed second derivative), with
//! [`Dual2_64`] the pure second derivatives. num-dual carries the arithmetic; the elementary
//! functions below take their values from the `libm` crate so that the same input gives the
//! same bits natively and in WebAssembly (the platform's own `sin`, `exp`, … differ in the last
//! place between glibc and wasm), and apply the chain rule through [`Scalar::chain`].

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

/// Elementary functions over any [`Scalar`], bit-identical on every platform.
pub mod f {
    use super::Scalar;

    #[inline]
    pub fn sin<D: Scalar>(x: D) -> D {
        let (s, c) = (libm::sin(x.real()), libm::cos(x.real()));
        x.chain(s, c, -s)
    }
    #[inline]
    pub fn cos<D: Scalar>(x: D) -> D {
        let (s, c) = (libm::sin(x.real()), libm::cos(x.real()));
        x.chain(c, -s, -c)
    }
    #[inline]
    pub fn tan<D: Scalar>(x: D) -> D {
        let t = libm::tan(x.real());
        let d = 1.0 + t * t;
        x.chain(t, d, 2.0 * t * d)
    }
    #[inline]
    pub fn exp<D: Scalar>(x: D) -> D {
        let e = libm::exp(x.real());
        x.chain(e, e, e)
    }
    #[inline]
    pub fn ln<D: Scalar>(x: D) -> D {
        let r = x.real();
        let inv = 1.0 / r;
        x.chain(libm::log(r), inv, -inv * inv)
    }
    #[inline]
    pub fn sqrt<D: Scalar>(x: D) -> D {
        let s = x.real().sqrt(); // IEEE-exact everywhere
        x.chain(s, 0.5 / s, -0.25 / (s * x.real()))
    }
    #[inline]
    pub fn tanh<D: Scalar>(x: D) -> D {
        let t = libm::tanh(x.real());
        let d = 1.0 - t * t;
        x.chain(t, d, -2.0 * t * d)
    }
    #[inline]
    pub fn sinh<D: Scalar>(x: D) -> D {
        let (s, c) = (libm::sinh(x.real()), libm::cosh(x.real()));
        x.chain(s, c, s)
    }
    #[inline]
    pub fn cosh<D: Scalar>(x: D) -> D {
        let (s, c) = (libm::sinh(x.real()), libm::cosh(x.real()));
        x.chain(c, s, c)
    }
    #[inline]
    pub fn atan<D: Scalar>(x: D) -> D {
        let r = x.real();
        let d = 1.0 / (1.0 + r * r);
        x.chain(libm::atan(r), d, -2.0 * r * d * d)
    }
    /// `|x|`, with derivative 0 at 0.
    #[inline]
    pub fn abs<D: Scalar>(x: D) -> D {
        let r = x.real();
        if r > 0.0 {
            x
        } else if r < 0.0 {
            -x
        } else {
            D::cst(r.abs())
        }
    }
    /// `min(a, b)`, taking `a`'s derivative on a tie.
    #[inline]
    pub fn min<D: Scalar>(a: D, b: D) -> D {
        if b.real() < a.real() {
            b
        } else {
            a
        }
    }
    /// `max(a, b)`, taking `a`'s derivative on a tie.
    #[inline]
    pub fn max<D: Scalar>(a: D, b: D) -> D {
        if b.real() > a.real() {
            b
        } else {
            a
        }
    }
    /// `x^n` for an integer `n` (works on negative bases).
    #[inline]
    pub fn powi<D: Scalar>(x: D, n: i32) -> D {
        match n {
            0 => D::cst(1.0),
            1 => x,
            2 => x * x,
            _ => {
                let r = x.real();
                let nf = f64::from(n);
                x.chain(
                    r.powi(n),
                    nf * r.powi(n - 1),
                    nf * (nf - 1.0) * r.powi(n - 2),
                )
            }
        }
    }
    /// `x^c` for a constant real `c`.
    #[inline]
    pub fn powf<D: Scalar>(x: D, c: f64) -> D {
        let r = x.real();
        x.chain(
            libm::pow(r, c),
            c * libm::pow(r, c - 1.0),
            c * (c - 1.0) * libm::pow(r, c - 2.0),
        )
    }
    /// `a^b` with a variable exponent: `exp(b ln a)`.
    #[inline]
    pub fn powd<D: Scalar>(a: D, b: D) -> D {
        exp(b * ln(a))
    }
}
