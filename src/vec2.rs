//! A point or vector in the plane.

use core::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};
use serde::{Deserialize, Serialize};

/// A 2-vector of `f64`, serialised as `[x, y]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "[f64; 2]", into = "[f64; 2]")]
pub struct Vec2 {
    pub x: f64,
    pub y: f64,
}

impl Vec2 {
    pub const ZERO: Vec2 = Vec2 { x: 0.0, y: 0.0 };

    #[inline]
    pub const fn new(x: f64, y: f64) -> Self {
        Vec2 { x, y }
    }
    #[inline]
    pub fn dot(self, o: Vec2) -> f64 {
        self.x * o.x + self.y * o.y
    }
    /// Euclidean norm, `sqrt(x² + y²)`.
    #[inline]
    pub fn norm(self) -> f64 {
        (self.x * self.x + self.y * self.y).sqrt()
    }
    #[inline]
    pub fn map(self, f: impl Fn(f64) -> f64) -> Self {
        Vec2::new(f(self.x), f(self.y))
    }
    #[inline]
    pub fn zip(self, o: Vec2, f: impl Fn(f64, f64) -> f64) -> Self {
        Vec2::new(f(self.x, o.x), f(self.y, o.y))
    }
    #[inline]
    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite()
    }
}

impl From<[f64; 2]> for Vec2 {
    fn from(a: [f64; 2]) -> Self {
        Vec2::new(a[0], a[1])
    }
}
impl From<Vec2> for [f64; 2] {
    fn from(v: Vec2) -> Self {
        [v.x, v.y]
    }
}
impl Add for Vec2 {
    type Output = Vec2;
    #[inline]
    fn add(self, o: Vec2) -> Vec2 {
        Vec2::new(self.x + o.x, self.y + o.y)
    }
}
impl AddAssign for Vec2 {
    #[inline]
    fn add_assign(&mut self, o: Vec2) {
        *self = *self + o;
    }
}
impl Sub for Vec2 {
    type Output = Vec2;
    #[inline]
    fn sub(self, o: Vec2) -> Vec2 {
        Vec2::new(self.x - o.x, self.y - o.y)
    }
}
impl SubAssign for Vec2 {
    #[inline]
    fn sub_assign(&mut self, o: Vec2) {
        *self = *self - o;
    }
}
impl Mul<f64> for Vec2 {
    type Output = Vec2;
    #[inline]
    fn mul(self, s: f64) -> Vec2 {
        Vec2::new(self.x * s, self.y * s)
    }
}
impl Mul<Vec2> for f64 {
    type Output = Vec2;
    #[inline]
    fn mul(self, v: Vec2) -> Vec2 {
        Vec2::new(self * v.x, self * v.y)
    }
}
impl Neg for Vec2 {
    type Output = Vec2;
    #[inline]
    fn neg(self) -> Vec2 {
        Vec2::new(-self.x, -self.y)
    }
}

/// A symmetric or general 2×2 matrix, row-major.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mat2 {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub d: f64,
}

impl Mat2 {
    pub const IDENTITY: Mat2 = Mat2 {
        a: 1.0,
        b: 0.0,
        c: 0.0,
        d: 1.0,
    };

    #[inline]
    pub fn mul_vec(self, v: Vec2) -> Vec2 {
        Vec2::new(self.a * v.x + self.b * v.y, self.c * v.x + self.d * v.y)
    }
    #[inline]
    pub fn matmul(self, o: Mat2) -> Mat2 {
        Mat2 {
            a: self.a * o.a + self.b * o.c,
            b: self.a * o.b + self.b * o.d,
            c: self.c * o.a + self.d * o.c,
            d: self.c * o.b + self.d * o.d,
        }
    }
    /// The outer product `u vᵀ`.
    #[inline]
    pub fn outer(u: Vec2, v: Vec2) -> Mat2 {
        Mat2 {
            a: u.x * v.x,
            b: u.x * v.y,
            c: u.y * v.x,
            d: u.y * v.y,
        }
    }
    #[inline]
    pub fn plus(self, o: Mat2) -> Mat2 {
        Mat2 {
            a: self.a + o.a,
            b: self.b + o.b,
            c: self.c + o.c,
            d: self.d + o.d,
        }
    }
    #[inline]
    pub fn scale(self, s: f64) -> Mat2 {
        Mat2 {
            a: self.a * s,
            b: self.b * s,
            c: self.c * s,
            d: self.d * s,
        }
    }
    #[inline]
    pub fn det(self) -> f64 {
        self.a * self.d - self.b * self.c
    }
    /// Solves `M z = v` by Cramer's rule; `None` when `|det| < 1e-300` or not finite.
    #[inline]
    pub fn solve(self, v: Vec2) -> Option<Vec2> {
        let det = self.det();
        if det.is_nan() || det.abs() < 1e-300 {
            return None;
        }
        Some(Vec2::new(
            (self.d * v.x - self.b * v.y) / det,
            (self.a * v.y - self.c * v.x) / det,
        ))
    }
}
