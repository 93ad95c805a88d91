//! Learning-rate schedules: pure functions of the iteration `k`.
//!
//! ```
//! use optimizer_playground::schedule::{Schedule, Shape};
//! let s = Schedule { shape: Shape::Step { step_size: 10, gamma: 0.5 }, warmup: 0 };
//! assert_eq!(s.rate(0.1, 25), 0.1 * 0.25);
//! ```

use core::f64::consts::PI;
use serde::{Deserialize, Serialize};

/// The shape of a schedule after any warm-up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case", deny_unknown_fields)]
pub enum Shape {
    /// `η`.
    Constant {},
    /// `η · γ^⌊k / step_size⌋`.
    Step {
        step_size: u64,
        #[serde(default = "default_gamma")]
        gamma: f64,
    },
    /// `η · e^(−decay · k)`.
    Exponential { decay: f64 },
    /// `lr_min + ½(η − lr_min)(1 + cos(π · min(k, t_max) / t_max))`.
    Cosine {
        t_max: f64,
        #[serde(default)]
        lr_min: f64,
    },
    /// Cosine annealing with restarts (SGDR) over cycles `t_0, t_0·t_mult, …`.
    WarmRestarts {
        t_0: u64,
        #[serde(default = "one")]
        t_mult: u64,
        #[serde(default)]
        lr_min: f64,
    },
}

fn default_gamma() -> f64 {
    0.1
}
fn one() -> u64 {
    1
}

/// A schedule: a shape and an optional linear warm-up of `warmup` iterations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    #[serde(flatten)]
    pub shape: Shape,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub warmup: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            shape: Shape::Constant {},
            warmup: 0,
        }
    }
}

impl Schedule {
    /// `η_k` for base rate `lr` at iteration `k`.
    pub fn rate(&self, lr: f64, k: u64) -> f64 {
        if k < self.warmup {
            return lr * (k + 1) as f64 / self.warmup as f64;
        }
        let k = k - self.warmup;
        match self.shape {
            Shape::Constant {} => lr,
            Shape::Step { step_size, gamma } => {
                let n = k / step_size.max(1);
                lr * powu(gamma, n)
            }
            Shape::Exponential { decay } => lr * libm::exp(-decay * k as f64),
            Shape::Cosine { t_max, lr_min } => {
                let kk = (k as f64).min(t_max);
                lr_min + 0.5 * (lr - lr_min) * (1.0 + libm::cos(PI * kk / t_max))
            }
            Shape::WarmRestarts {
                t_0,
                t_mult,
                lr_min,
            } => {
                let (kc, ti) = cycle(k, t_0.max(1), t_mult.max(1));
                lr_min + 0.5 * (lr - lr_min) * (1.0 + libm::cos(PI * kc as f64 / ti as f64))
            }
        }
    }

    /// Checks the fields; the message names the bad one.
    pub fn validate(&self) -> Result<(), String> {
        let pos = |n: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("{n} must be a positive number (got {v})"))
            }
        };
        let nonneg = |n: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(format!("{n} must be a number ≥ 0 (got {v})"))
            }
        };
        let int_pos = |n: &str, v: u64| {
            if v >= 1 {
                Ok(())
            } else {
                Err(format!("{n} must be an integer ≥ 1 (got {v})"))
            }
        };
        match self.shape {
            Shape::Constant {} => Ok(()),
            Shape::Step { step_size, gamma } => {
                int_pos("step_size", step_size)?;
                pos("gamma", gamma)
            }
            Shape::Exponential { decay } => nonneg("decay", decay),
            Shape::Cosine { t_max, lr_min } => {
                pos("t_max", t_max)?;
                nonneg("lr_min", lr_min)
            }
            Shape::WarmRestarts {
                t_0,
                t_mult,
                lr_min,
            } => {
                int_pos("t_0", t_0)?;
                int_pos("t_mult", t_mult)?;
                nonneg("lr_min", lr_min)
            }
        }
    }
}

/// `g^n` by repeated squaring with a 64-bit exponent (same bits on every platform).
fn powu(g: f64, mut n: u64) -> f64 {
    let mut base = g;
    let mut r = 1.0;
    while n > 0 {
        if n & 1 == 1 {
            r *= base;
        }
        n >>= 1;
        if n > 0 {
            base *= base;
        }
    }
    r
}

/// The iteration within the current cycle and that cycle's length.
fn cycle(k: u64, t0: u64, mult: u64) -> (u64, u64) {
    if mult == 1 {
        return (k % t0, t0);
    }
    let (mut kc, mut ti) = (k, t0);
    while kc >= ti {
        kc -= ti;
        ti = ti.saturating_mul(mult);
    }
    (kc, ti)
}
