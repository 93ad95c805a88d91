//! Pictures of surfaces and runs, independent of where they are drawn: the sampled field and
//! its colour scale (linear, or logarithmic for surfaces that span decades), contour levels and
//! lines, nice axis ticks, number formatting, the viewport, and the drawing of the map, the
//! scatter plot and the charts with plotters on any `DrawingBackend`. The page draws through
//! plotters-canvas, the command line's `render` through plotters' SVG and bitmap backends.

pub mod chart;
pub mod colormap;
pub mod contour;
pub mod map;
#[cfg(not(target_arch = "wasm32"))]
pub mod null;
pub mod overlay;
pub mod scatter;
pub mod view;

/// The font family of every label.
pub const FONT: &str = "system-ui, sans-serif";

/// The labels' font at `size` pixels. (Built from the family directly: plotters' conversion
/// from a string lower-cases it, which brings Unicode case tables into the page's wasm.)
pub fn font(size: f64) -> plotters::style::FontDesc<'static> {
    use plotters::style::{FontDesc, FontFamily, FontStyle};
    FontDesc::new(FontFamily::Name(FONT), size, FontStyle::Normal)
}

use crate::surface::Surface;
use colormap::Lut;
pub use contour::{marching_squares, Segment};

/// A surface sampled over a view box, with the colour scale chosen for it.
#[derive(Clone, Debug)]
pub struct Field {
    /// `[x_min, x_max, y_min, y_max]`.
    pub view: [f64; 4],
    pub nx: usize,
    pub ny: usize,
    /// Row-major, row 0 at `y_max` (top), at cell centres.
    pub values: Vec<f64>,
    pub min: f64,
    pub max: f64,
    /// Whether the colour scale and contour levels are logarithmic in `L − min`.
    pub log: bool,
    /// Whether some values lay beyond ±[`chart::LIMIT`] and are shown at it.
    pub clamped: bool,
}

impl Field {
    /// Samples `s` on an `nx` × `ny` grid and chooses the scale: logarithmic when the values
    /// span decades (the full range is more than 100 times the lowest tenth's).
    pub fn sample(s: &Surface, view: [f64; 4], nx: usize, ny: usize) -> Field {
        let (nx, ny) = (nx.max(2), ny.max(2));
        let mut values = Vec::new();
        s.grid(view, nx, ny, &mut values);
        Field::from_values(view, nx, ny, values)
    }

    /// A field of given values (row-major, `nx` × `ny`, row 0 at the top) and its scale.
    pub fn from_values(view: [f64; 4], nx: usize, ny: usize, mut values: Vec<f64>) -> Field {
        // The least and greatest value, in one read-only pass over four lanes that the
        // compiler makes vector operations (`<` and `>`, not `f64::min` and `max`, which on
        // wasm are library calls: they were a seventh of the map pipeline's time). For finite
        // values the result is the same, up to which of 0 and −0 is kept (no level or colour
        // changes). Values that are not finite or beyond ±LIMIT take the careful pass below.
        let lesser = |a: f64, b: f64| if a < b { a } else { b };
        let greater = |a: f64, b: f64| if a > b { a } else { b };
        // Beyond ±LIMIT, ±∞ or NaN.
        let beyond = |v: f64| (v.abs() > chart::LIMIT) | v.is_nan();
        let (mut lo, mut hi) = ([f64::INFINITY; 4], [f64::NEG_INFINITY; 4]);
        let mut unusual = false;
        let quads = values.chunks_exact(4);
        // The tail (fewer than four) goes through lane 0.
        let tail = quads.remainder().iter().map(|&v| [v, v, v, v]);
        for q in quads.clone().map(|q| [q[0], q[1], q[2], q[3]]).chain(tail) {
            for k in 0..4 {
                lo[k] = lesser(q[k], lo[k]);
                hi[k] = greater(q[k], hi[k]);
                unusual |= beyond(q[k]);
            }
        }
        let mut min = lo.into_iter().fold(f64::INFINITY, lesser);
        let mut max = hi.into_iter().fold(f64::NEG_INFINITY, greater);
        let mut n = values.len();
        let mut clamped = false;
        if unusual {
            // The scale is computed in f64: keep its range finite (1.7e308 − (−1.7e308) is
            // not); then the finite values' least and greatest.
            (min, max, n) = (f64::INFINITY, f64::NEG_INFINITY, 0);
            for v in values.iter_mut().filter(|v| v.is_finite()) {
                if v.abs() > chart::LIMIT {
                    *v = v.clamp(-chart::LIMIT, chart::LIMIT);
                    clamped = true;
                }
                min = lesser(*v, min);
                max = greater(*v, max);
                n += 1;
            }
        }
        if n == 0 {
            min = 0.0;
            max = 1.0;
        }
        // Log when the lowest tenth ends within 1% of the range above the minimum: the value of
        // rank n/10 is below that cut exactly when more than n/10 values are.
        let log = n > 10 && max > min && {
            let cut = min + (max - min) / 100.0;
            values.iter().filter(|&&v| v < cut).count() > n / 10
        };
        Field {
            view,
            nx,
            ny,
            values,
            min,
            max,
            log,
            clamped,
        }
    }

    /// The smallest offset used by the log scale.
    fn delta(&self) -> f64 {
        ((self.max - self.min) * 1e-5).max(f64::MIN_POSITIVE)
    }

    /// Maps a value to [0, 1] along the colour scale.
    #[inline]
    pub fn normalize(&self, v: f64) -> f64 {
        if !v.is_finite() {
            return f64::NAN;
        }
        let range = self.max - self.min;
        if range <= 0.0 {
            return 0.5;
        }
        if self.log {
            let d = self.delta();
            let lo = libm::log(d);
            let hi = libm::log(range + d);
            (libm::log((v - self.min).max(0.0) + d) - lo) / (hi - lo)
        } else {
            (v - self.min) / range
        }
    }

    /// The value at position `t` ∈ [0, 1] of the colour scale (inverse of [`Field::normalize`]).
    pub fn denormalize(&self, t: f64) -> f64 {
        let range = self.max - self.min;
        if self.log {
            let d = self.delta();
            let lo = libm::log(d);
            let hi = libm::log(range + d);
            self.min + libm::exp(lo + t * (hi - lo)) - d
        } else {
            self.min + t * range
        }
    }

    /// RGBA pixels (row-major, `nx` × `ny`) through the viridis table.
    pub fn rgba(&self) -> Vec<u8> {
        let lut = Lut::viridis();
        let mut out = Vec::with_capacity(self.values.len() * 4);
        let cuts = self.log.then(|| self.lut_cuts());
        for &v in &self.values {
            let i = match &cuts {
                Some(c) if v.is_finite() => c.index(v, |v| Lut::index(self.normalize(v))),
                _ => Lut::index(self.normalize(v)),
            };
            let (rgb, a) = match i {
                Some(i) => (lut.0[i], 255),
                None => (lut.at(f64::NAN), 0),
            };
            out.extend_from_slice(&[rgb[0], rgb[1], rgb[2], a]);
        }
        out
    }

    /// The values where the colour table's index steps up, for a log scale: there a value's
    /// colour is found by comparisons instead of a logarithm (5 ms a frame at 422 × 315 in the
    /// page), with the same result.
    fn lut_cuts(&self) -> LutCuts {
        // Index k begins where t·255 + 0.5 reaches k, t = (k − 0.5)/255.
        let cut: Vec<f64> = (1..256)
            .map(|k| self.denormalize((k as f64 - 0.5) / 255.0))
            .collect();
        // How far a cut may be off: a few units in the last place of the value, or of
        // `value − min + δ` (what the logarithm is taken of).
        let d = self.delta();
        let near = cut
            .iter()
            .map(|&c| 1e-9 * ((c - self.min).abs() + d) + 64.0 * f64::EPSILON * c.abs())
            .collect();
        LutCuts { cut, near }
    }

    /// About `n` contour levels: evenly spaced along the colour scale, so log-spaced in
    /// `L − min` on a log scale and at nice round values on a linear one.
    pub fn levels(&self, n: usize) -> Vec<f64> {
        if self.max <= self.min || n == 0 {
            return Vec::new();
        }
        if self.log {
            (1..n)
                .map(|i| self.denormalize(i as f64 / n as f64))
                .collect()
        } else {
            nice_ticks(self.min, self.max, n)
                .into_iter()
                .filter(|&l| l > self.min && l < self.max)
                .collect()
        }
    }

    /// Contour lines at `levels`, in data coordinates: per level, polylines.
    pub fn contours(&self, levels: &[f64]) -> Vec<Vec<Vec<(f64, f64)>>> {
        let [x0, x1, y0, y1] = self.view;
        let dx = (x1 - x0) / self.nx as f64;
        let dy = (y1 - y0) / self.ny as f64;
        let at = |(gx, gy): (f32, f32)| {
            (
                x0 + (f64::from(gx) + 0.5) * dx,
                y1 - (f64::from(gy) + 0.5) * dy,
            )
        };
        marching_squares(&self.values, self.nx, self.ny, levels)
            .iter()
            .map(|segs| {
                contour::stitch(segs, self.nx, self.ny)
                    .into_iter()
                    .map(|line| line.into_iter().map(at).collect())
                    .collect()
            })
            .collect()
    }
}

/// Where a log scale's colour index steps up ([`Field::lut_cuts`]).
struct LutCuts {
    /// `cut[k − 1]`: about the least value of index `k` (`k` = 1 … 255).
    cut: Vec<f64>,
    /// How close to `cut[k − 1]` a value is computed exactly instead.
    near: Vec<f64>,
}

impl LutCuts {
    /// The index of finite `v`: the number of cuts at or below it, or `exact(v)` where `v` is
    /// so close to a cut that the cut's own rounding could decide.
    #[inline]
    fn index(&self, v: f64, exact: impl Fn(f64) -> Option<usize>) -> Option<usize> {
        let i = self.cut.partition_point(|&c| c <= v);
        let close = |k: usize| {
            self.cut
                .get(k)
                .is_some_and(|&c| (v - c).abs() <= self.near[k])
        };
        if close(i) || (i > 0 && close(i - 1)) {
            exact(v)
        } else {
            Some(i)
        }
    }
}

/// Round tick values covering `[lo, hi]` with about `n` intervals (steps of 1, 2 or 5 × 10ᵏ).
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || n == 0 {
        return Vec::new();
    }
    let raw = (hi - lo) / n as f64;
    let mag = libm::pow(10.0, libm::log10(raw).floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).ceil() as i64;
    let end = (hi / step).floor() as i64;
    (start..=end)
        .take(1000)
        .map(|i| i as f64 * step)
        .map(|v| if v.abs() < step * 1e-9 { 0.0 } else { v })
        .collect()
}

/// A short human form of a number: 4 significant digits, scientific outside [1e-3, 1e5).
pub fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    let s = if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.3e}");
        // 1.230e-4 → 1.23e-4
        match s.split_once('e') {
            Some((m, e)) => {
                let m = if m.contains('.') {
                    m.trim_end_matches('0').trim_end_matches('.')
                } else {
                    m
                };
                format!("{m}e{e}")
            }
            None => s,
        }
    } else {
        let digits = (3 - libm::log10(a).floor() as i32).max(0) as usize;
        let s = format!("{v:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    s.replace('-', "−")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scale as it is defined: values beyond ±LIMIT clamped to it, the least and greatest
    /// finite value, and log when more than a tenth of the finite values lie in the lowest
    /// hundredth of the range.
    fn scale_by_definition(values: &[f64]) -> (Vec<f64>, f64, f64, bool, bool) {
        let mut clamped = false;
        let v: Vec<f64> = values
            .iter()
            .map(|&v| {
                if v.is_finite() && v.abs() > chart::LIMIT {
                    clamped = true;
                    v.clamp(-chart::LIMIT, chart::LIMIT)
                } else {
                    v
                }
            })
            .collect();
        let finite: Vec<f64> = v.iter().copied().filter(|v| v.is_finite()).collect();
        let (min, max) = if finite.is_empty() {
            (0.0, 1.0)
        } else {
            (
                finite.iter().copied().fold(f64::INFINITY, f64::min),
                finite.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            )
        };
        let n = finite.len();
        let cut = min + (max - min) / 100.0;
        let log = n > 10 && max > min && finite.iter().filter(|&&v| v < cut).count() > n / 10;
        (v, min, max, clamped, log)
    }

    /// The one-pass scan over four lanes finds the scale of its definition: in every lane and
    /// in the tail, with NaN, ±∞ and values beyond ±LIMIT anywhere, or none at all.
    #[test]
    fn the_scale_is_the_finite_values_range() {
        let odd = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            3e300,
            -2e307,
            f64::MAX,
        ];
        for len in [1usize, 3, 4, 5, 11, 64, 67] {
            for at in 0..len.min(9) {
                for (o, &u) in odd.iter().enumerate() {
                    for with_odd in [false, true] {
                        let mut values: Vec<f64> = (0..len)
                            .map(|k| ((k * 7 + o) as f64 * 0.731).sin() * 10.0 - 2.0)
                            .collect();
                        // The extreme ones where the scan must find them.
                        values[(at * 5) % len] = -50.0 - at as f64;
                        values[(at * 3 + 1) % len] = 70.0 + at as f64;
                        if with_odd {
                            values[at] = u;
                        }
                        let (want, min, max, clamped, log) = scale_by_definition(&values);
                        let f = Field::from_values([0.0, 1.0, 0.0, 1.0], len, 1, values);
                        let same = |a: &[f64], b: &[f64]| {
                            a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
                        };
                        assert!(same(&f.values, &want), "{len} {at} {u}");
                        assert_eq!((f.min, f.max, f.clamped, f.log), (min, max, clamped, log));
                    }
                }
            }
        }
        let none = Field::from_values([0.0, 1.0, 0.0, 1.0], 2, 2, vec![f64::NAN; 4]);
        assert_eq!((none.min, none.max, none.log), (0.0, 1.0, false));
    }
}
