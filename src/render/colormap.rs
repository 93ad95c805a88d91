//! Viridis: perceptually uniform and readable with every common colour-vision deficiency.

/// Viridis sampled at 16 evenly spaced stops (matplotlib's table), interpolated linearly.
const STOPS: [[u8; 3]; 17] = [
    [68, 1, 84],
    [72, 26, 108],
    [71, 47, 125],
    [65, 68, 135],
    [57, 86, 140],
    [49, 104, 142],
    [42, 120, 142],
    [35, 137, 142],
    [31, 153, 138],
    [34, 168, 132],
    [53, 183, 121],
    [84, 197, 104],
    [122, 209, 81],
    [165, 219, 54],
    [210, 226, 27],
    [236, 229, 27],
    [253, 231, 37],
];

/// A 256-entry RGB table, built once per use.
pub struct Lut(pub [[u8; 3]; 256]);

impl Lut {
    pub fn viridis() -> Lut {
        let mut t = [[0u8; 3]; 256];
        let n = (STOPS.len() - 1) as f64;
        for (i, e) in t.iter_mut().enumerate() {
            let u = i as f64 / 255.0 * n;
            let k = (u.floor() as usize).min(STOPS.len() - 2);
            let f = u - k as f64;
            for c in 0..3 {
                let a = f64::from(STOPS[k][c]);
                let b = f64::from(STOPS[k + 1][c]);
                e[c] = (a + (b - a) * f).round() as u8;
            }
        }
        Lut(t)
    }

    /// The colour for `t` in [0, 1] (clamped; NaN gives grey).
    #[inline]
    pub fn at(&self, t: f64) -> [u8; 3] {
        match Lut::index(t) {
            Some(i) => self.0[i],
            None => [128, 128, 128],
        }
    }

    /// The table's entry for `t` in [0, 1] (clamped), `None` for NaN.
    #[inline]
    pub fn index(t: f64) -> Option<usize> {
        if t.is_nan() {
            return None;
        }
        let i = (t.clamp(0.0, 1.0) * 255.0 + 0.5) as usize;
        Some(i.min(255))
    }
}
