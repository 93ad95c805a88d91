//! The viewport of the map: which box of the plane is shown, where on the canvas, and the
//! arithmetic between the two (data ↔ pixel, pan, zoom about a point, equal aspect).
//!
//! Pixels are device pixels with y growing downwards; the plane's y grows upwards.
//!
//! ```
//! use optimizer_playground::render::view::{Rect, Viewport};
//! use optimizer_playground::Vec2;
//! let mut vp = Viewport::new([-2.0, 2.0, -1.0, 3.0], Rect { x: 50.0, y: 20.0, w: 400.0, h: 400.0 });
//! let p = Vec2::new(0.5, 1.25);
//! let back = vp.to_data(vp.to_px(p)).unwrap();
//! assert!((back - p).norm() < 1e-12);
//! // Zooming about a pixel keeps the point under it where it was.
//! let at = vp.to_px(p);
//! vp.zoom_at(at, 2.0);
//! assert!((vp.to_data(at).unwrap() - p).norm() < 1e-12);
//! ```

use crate::vec2::Vec2;

/// A rectangle in pixels: top-left corner, width and height.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    /// Whether `(px, py)` lies inside (edges included).
    pub fn contains(&self, (px, py): (f64, f64)) -> bool {
        px >= self.x && px <= self.x + self.w && py >= self.y && py <= self.y + self.h
    }
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
}

/// The box `[x_min, x_max, y_min, y_max]` of the plane shown in the pixel rectangle `plot`,
/// always with one data unit as long across as up (so gradients look perpendicular to contour
/// lines).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    view: [f64; 4],
    /// The view last asked for, before it was widened: a new plot rectangle widens this one, so
    /// that a canvas resized back and forth (or a colour bar whose labels take more room, then
    /// less) comes back to the same view.
    asked: [f64; 4],
    plot: Rect,
}

/// The largest coordinate and the smallest and largest extent a view may have.
const VIEW_LIMIT: f64 = 1e9;
const MIN_EXTENT: f64 = 1e-9;

impl Viewport {
    /// Shows (at least) `view` in `plot`, widened along one axis for equal aspect. An invalid
    /// view (not finite, empty, beyond ±1e9) shows `[-1, 1, -1, 1]` instead.
    pub fn new(view: [f64; 4], plot: Rect) -> Viewport {
        let unit = [-1.0, 1.0, -1.0, 1.0];
        let mut vp = Viewport {
            view: unit,
            asked: unit,
            plot,
        };
        vp.view = fit_aspect(vp.view, plot.w, plot.h);
        vp.set_view(view);
        vp
    }

    /// `[x_min, x_max, y_min, y_max]`.
    pub fn view(&self) -> [f64; 4] {
        self.view
    }

    /// Where the plane is drawn, in pixels.
    pub fn plot(&self) -> Rect {
        self.plot
    }

    /// Shows `v` (widened for equal aspect). Returns false, changing nothing, for a view that is
    /// not finite, beyond ±1e9, larger than 1e9 across, or narrower than 1e-9 or than a
    /// billionth of its distance from the origin (the axes could not be subdivided).
    pub fn set_view(&mut self, v: [f64; 4]) -> bool {
        let (w, h) = (v[1] - v[0], v[3] - v[2]);
        let far = v.iter().fold(0.0_f64, |m, a| m.max(a.abs()));
        let min = MIN_EXTENT.max(far * 1e-9);
        let ok = v.iter().all(|a| a.is_finite() && a.abs() < VIEW_LIMIT)
            && w > min
            && h > min
            && w < VIEW_LIMIT
            && h < VIEW_LIMIT;
        if ok {
            self.asked = v;
            self.view = fit_aspect(v, self.plot.w, self.plot.h);
        }
        ok
    }

    /// Moves the plot rectangle (the canvas was resized); the view last asked for is widened
    /// to keep equal aspect.
    pub fn set_plot(&mut self, plot: Rect) {
        self.plot = plot;
        self.view = fit_aspect(self.asked, plot.w, plot.h);
    }

    /// The pixel of plane point `p`.
    pub fn to_px(&self, p: Vec2) -> (f64, f64) {
        let r = self.plot;
        let [x0, x1, y0, y1] = self.view;
        (
            r.x + (p.x - x0) / (x1 - x0) * r.w,
            r.y + (y1 - p.y) / (y1 - y0) * r.h,
        )
    }

    /// The plane point under pixel `(px, py)`, or `None` outside the plot rectangle.
    pub fn to_data(&self, (px, py): (f64, f64)) -> Option<Vec2> {
        let r = self.plot;
        if !(r.w > 0.0 && r.h > 0.0 && r.contains((px, py))) {
            return None;
        }
        let [x0, x1, y0, y1] = self.view;
        Some(Vec2::new(
            x0 + (px - r.x) / r.w * (x1 - x0),
            y1 - (py - r.y) / r.h * (y1 - y0),
        ))
    }

    /// Moves the view with a drag of `(dx, dy)` pixels (the plane follows the pointer).
    pub fn pan(&mut self, dx: f64, dy: f64) -> bool {
        let r = self.plot;
        if !(r.w > 0.0 && r.h > 0.0 && dx.is_finite() && dy.is_finite()) {
            return false;
        }
        let [x0, x1, y0, y1] = self.view;
        let sx = -dx / r.w * (x1 - x0);
        let sy = dy / r.h * (y1 - y0);
        self.set_view([x0 + sx, x1 + sx, y0 + sy, y1 + sy])
    }

    /// Zooms by `factor` (> 1 zooms in) about pixel `at`, which keeps showing the same point.
    /// False (nothing changes) outside the plot or for a factor that is not a positive number.
    pub fn zoom_at(&mut self, at: (f64, f64), factor: f64) -> bool {
        if !(factor.is_finite() && factor > 0.0) {
            return false;
        }
        let Some(c) = self.to_data(at) else {
            return false;
        };
        let [x0, x1, y0, y1] = self.view;
        let f = 1.0 / factor;
        self.set_view([
            c.x + (x0 - c.x) * f,
            c.x + (x1 - c.x) * f,
            c.y + (y0 - c.y) * f,
            c.y + (y1 - c.y) * f,
        ])
    }
}

/// The view widened along one axis so that a `w` × `h` pixel rectangle holds equal data lengths
/// across and up.
pub fn fit_aspect(v: [f64; 4], w: f64, h: f64) -> [f64; 4] {
    let (dx, dy) = (v[1] - v[0], v[3] - v[2]);
    if !(w > 0.0 && h > 0.0 && dx > 0.0 && dy > 0.0) {
        return v;
    }
    let want = w / h;
    let have = dx / dy;
    if (have / want - 1.0).abs() < 1e-9 {
        v
    } else if have < want {
        let cx = 0.5 * (v[0] + v[1]);
        let half = 0.5 * dy * want;
        [cx - half, cx + half, v[2], v[3]]
    } else {
        let cy = 0.5 * (v[2] + v[3]);
        let half = 0.5 * dx / want;
        [v[0], v[1], cy - half, cy + half]
    }
}

/// Cuts the polyline `pts` to the rectangle `r`: the pieces inside, each with at least two
/// points (Liang–Barsky per segment; consecutive inside segments join into one piece).
pub fn clip_polyline(pts: &[(f64, f64)], r: Rect) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for w in pts.windows(2) {
        match clip_segment(w[0], w[1], r) {
            Some((a, b)) => {
                if cur.last() != Some(&a) {
                    if cur.len() >= 2 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(a);
                }
                cur.push(b);
                // The segment left the rectangle: the piece ends here.
                if b != w[1] {
                    if cur.len() >= 2 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                }
            }
            None => {
                if cur.len() >= 2 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() >= 2 {
        out.push(cur);
    }
    out
}

/// The part of segment `a`–`b` inside `r`, if any.
pub fn clip_segment(a: (f64, f64), b: (f64, f64), r: Rect) -> Option<((f64, f64), (f64, f64))> {
    if !(a.0.is_finite() && a.1.is_finite() && b.0.is_finite() && b.1.is_finite()) {
        return None;
    }
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-dx, a.0 - r.x),
        (dx, r.right() - a.0),
        (-dy, a.1 - r.y),
        (dy, r.bottom() - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            (a.0 + t * dx, a.1 + t * dy)
        }
    };
    Some((at(t0), at(t1)))
}

/// Clips the line through `p` with direction `d` to the box `[x0, x1] × [y0, y1]`; `None` if it
/// misses.
pub fn clip_line(p: (f64, f64), d: (f64, f64), b: [f64; 4]) -> Option<[(f64, f64); 2]> {
    let [x0, x1, y0, y1] = b;
    let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
    for (pc, dc, a, b) in [(p.0, d.0, x0, x1), (p.1, d.1, y0, y1)] {
        if dc.abs() < 1e-300 {
            if pc < a || pc > b {
                return None;
            }
        } else {
            let (t0, t1) = ((a - pc) / dc, (b - pc) / dc);
            lo = lo.max(t0.min(t1));
            hi = hi.min(t0.max(t1));
        }
    }
    let ok = lo.is_finite() && hi.is_finite() && lo < hi;
    ok.then_some([
        (p.0 + lo * d.0, p.1 + lo * d.1),
        (p.0 + hi * d.0, p.1 + hi * d.1),
    ])
}
