//! The learned optimizer: a small network, shared by every coordinate, proposes each
//! coordinate's step (coordinatewise, in the spirit of Andrychowicz et al. 2016, "Learning to
//! learn by gradient descent by gradient descent"; an MLP rather than their LSTM).
//!
//! Per coordinate it keeps three averages of the gradient, `m_f` (β = 0.5), `m` (β = 0.9) and
//! `m_s` (β = 0.99), and one of its square, `v` (β = 0.99), all corrected for their start at
//! zero like Adam's. Its features are scale-free: `g/(√v̂ + ε)`, `m̂_f/(√v̂ + ε)`,
//! `m̂/(√v̂ + ε)`, `m̂_s/(√v̂ + ε)` (multiplying the loss by a constant changes none of them) and
//! the step count as `τ = tanh(t/100)`. One hidden layer of [`HIDDEN`] tanh units reads them; the
//! step is
//!
//! ```text
//! h± = tanh(W·(±f) + u·τ + b)
//! d  = m̂/(√v̂ + ε) + a·(h₊ − h₋)/2        (odd in the gradient: −g gives −d)
//! s  = clamp(c·(h₊ + h₋)/2 + b_s, −20, 2)   (even: the step's log-size)
//! θ ← θ − η·eˢ·d
//! ```
//!
//! so that an untrained network (`a = c = 0`) is Adam with β₁ = 0.9, β₂ = 0.99 and rate
//! `η·e^{b_s}`. The weights are meta-trained by [`crate::meta`] and shipped in
//! `learned_weights.rs`. Every elementary function comes from `libm`, so that native and wasm
//! give the same bits.

use super::first::Moments;
use crate::vec2::Vec2;

/// Inputs of the network per coordinate.
pub const FEATURES: usize = 5;
/// Hidden tanh units.
pub const HIDDEN: usize = 16;
/// The number of weights: `W` (HIDDEN × 4), `u`, `b`, `a`, `c` (HIDDEN each), `b_s`.
pub const N_WEIGHTS: usize = HIDDEN * (FEATURES - 1) + 4 * HIDDEN + 1;

/// The decay of the fast, middle and slow averages of the gradient, and of its square.
pub const BETA_FAST: f64 = 0.5;
pub const BETA_MID: f64 = 0.9;
pub const BETA_SLOW: f64 = 0.99;
pub const BETA_SQ: f64 = 0.99;
/// Added to `√v̂` (a zero gradient from the start gives zero features, not NaN).
pub const EPS: f64 = 1e-12;
/// The step count's feature is `tanh(t / T_SCALE)`.
pub const T_SCALE: f64 = 100.0;
/// Bounds of the log step size `s`.
pub const S_MIN: f64 = -20.0;
pub const S_MAX: f64 = 2.0;

/// The shipped, meta-trained weights (see `learned_weights.rs` for the command that made them).
pub use super::learned_weights::WEIGHTS;

/// The weights an untrained network starts from: `W` and `u` small and seeded by the caller,
/// `a = c = 0`, `b_s = ln(0.1)` (Adam with rate 0.1·η).
pub fn initial_weights(mut noise: impl FnMut() -> f64) -> [f64; N_WEIGHTS] {
    let mut w = [0.0; N_WEIGHTS];
    let inputs = HIDDEN * (FEATURES - 1);
    for x in w.iter_mut().take(inputs + HIDDEN) {
        *x = 0.5 * noise();
    }
    w[N_WEIGHTS - 1] = libm::log(0.1);
    w
}

/// Views of the weights by role.
struct Net<'a> {
    w: &'a [f64],
    u: &'a [f64],
    b: &'a [f64],
    a: &'a [f64],
    c: &'a [f64],
    bs: f64,
}

impl<'a> Net<'a> {
    #[inline]
    fn new(weights: &'a [f64; N_WEIGHTS]) -> Self {
        let k = HIDDEN * (FEATURES - 1);
        let (w, rest) = weights.split_at(k);
        let (u, rest) = rest.split_at(HIDDEN);
        let (b, rest) = rest.split_at(HIDDEN);
        let (a, rest) = rest.split_at(HIDDEN);
        let (c, rest) = rest.split_at(HIDDEN);
        Net {
            w,
            u,
            b,
            a,
            c,
            bs: rest[0],
        }
    }

    /// The step of one coordinate (before the rate η) from its odd features and `τ`.
    #[inline]
    fn step(&self, f: [f64; FEATURES - 1], tau: f64) -> f64 {
        let (mut odd, mut even) = (0.0, 0.0);
        for j in 0..HIDDEN {
            let row = &self.w[j * (FEATURES - 1)..(j + 1) * (FEATURES - 1)];
            let mut z = 0.0;
            for i in 0..FEATURES - 1 {
                z += row[i] * f[i];
            }
            let common = self.u[j] * tau + self.b[j];
            let hp = libm::tanh(z + common);
            let hm = libm::tanh(common - z);
            odd += self.a[j] * (hp - hm);
            even += self.c[j] * (hp + hm);
        }
        let d = f[2] + 0.5 * odd;
        let s = (0.5 * even + self.bs).clamp(S_MIN, S_MAX);
        libm::exp(s) * d
    }
}

/// One update of the learned rule with weights `weights`: updates the averages in `st`
/// (`st.aux` is `m_f`, `st.m` is `m`, `st.slow` is `m_s`, `st.v` is `v`) and returns the
/// per-coordinate step, so that `θ_{k+1} = θ − step`. `st.t` must already count this step
/// (from 1), as [`Rule::step`](super::Rule::step) counts it.
#[inline]
pub fn step(weights: &[f64; N_WEIGHTS], st: &mut Moments, g: Vec2, eta: f64) -> Vec2 {
    let t = st.t as f64;
    st.aux = BETA_FAST * st.aux + (1.0 - BETA_FAST) * g;
    st.m = BETA_MID * st.m + (1.0 - BETA_MID) * g;
    st.slow = BETA_SLOW * st.slow + (1.0 - BETA_SLOW) * g;
    st.v = BETA_SQ * st.v + (1.0 - BETA_SQ) * g.zip(g, |a, b| a * b);
    let c_fast = 1.0 - libm::pow(BETA_FAST, t);
    let c_mid = 1.0 - libm::pow(BETA_MID, t);
    let c_slow = 1.0 - libm::pow(BETA_SLOW, t);
    let c_sq = 1.0 - libm::pow(BETA_SQ, t);
    let tau = libm::tanh(t / T_SCALE);
    let net = Net::new(weights);
    let coord = |g: f64, mf: f64, m: f64, ms: f64, v: f64| {
        let den = libm::sqrt(v / c_sq) + EPS;
        let f = [
            g / den,
            mf / c_fast / den,
            m / c_mid / den,
            ms / c_slow / den,
        ];
        eta * net.step(f, tau)
    };
    Vec2::new(
        coord(g.x, st.aux.x, st.m.x, st.slow.x, st.v.x),
        coord(g.y, st.aux.y, st.m.y, st.slow.y, st.v.y),
    )
}
