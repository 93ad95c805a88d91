//! Drawing: any field and any finite series draw (the charts, the map's base with its colour
//! map and contours, trajectories, marks and legend) into a backend that discards everything,
//! returning `Ok` or `Err` without panicking or hanging (libFuzzer's `-timeout` catches a hang).
//!
//! Input: bytes read in order (zeros once they run out) into sizes, flags and finite numbers,
//! among them extremes (±1.7e308, ±f64::MAX, subnormals, ±1e300, tiny and huge ranges).
#![no_main]

use libfuzzer_sys::fuzz_target;
use optimizer_playground::render::chart::{self, ChartStyle, Look, Series};
use optimizer_playground::render::map::{self, MapBase, MapStyle, RunMark};
use optimizer_playground::render::null::NullBackend;
use optimizer_playground::render::view::Viewport;
use optimizer_playground::render::Field;
use optimizer_playground::Vec2;
use plotters::prelude::{IntoDrawingArea, RGBColor};

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn flag(&mut self) -> bool {
        self.u8() & 1 == 1
    }
    /// 0 ..= n−1.
    fn below(&mut self, n: usize) -> usize {
        usize::from(self.u8()) % n.max(1)
    }
    /// A finite number: an extreme or a plain one from a short list, or any finite bits.
    fn finite(&mut self) -> f64 {
        const SPECIAL: [f64; 24] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            3.0,
            -7.25,
            100.0,
            1.7e308,
            -1.7e308,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            1e300,
            -1e300,
            1e-300,
            1e15,
            1e-15,
            1.0000000000000002,
            123_456_789.0,
            -1e9,
        ];
        let tag = self.u8();
        if usize::from(tag) < SPECIAL.len() * 4 {
            return SPECIAL[usize::from(tag) % SPECIAL.len()];
        }
        let mut b = [0u8; 8];
        b.iter_mut().for_each(|x| *x = self.u8());
        let v = f64::from_le_bytes(b);
        if v.is_finite() {
            v
        } else {
            f64::MAX.copysign(v)
        }
    }
    /// A value of a field: finite, or (when `holes`) sometimes NaN or ±∞ as where a surface is
    /// undefined.
    fn value(&mut self, holes: bool) -> f64 {
        if holes {
            match self.u8() {
                0..=9 => return f64::NAN,
                10..=13 => return f64::INFINITY,
                14..=15 => return f64::NEG_INFINITY,
                _ => {}
            }
        }
        self.finite()
    }
    fn box4(&mut self) -> [f64; 4] {
        let mut v = [self.finite(), self.finite(), self.finite(), self.finite()];
        if self.flag() {
            if v[0] > v[1] {
                v.swap(0, 1);
            }
            if v[2] > v[3] {
                v.swap(2, 3);
            }
        }
        v
    }
    fn color(&mut self) -> RGBColor {
        RGBColor(self.u8(), self.u8(), self.u8())
    }
}

/// A field of any values (NaN and ±∞ where a surface is undefined, when `holes`).
fn field(b: &mut Bytes) -> Field {
    let nx = 2 + b.below(11);
    let ny = 2 + b.below(11);
    let holes = b.flag();
    let view = if b.flag() {
        b.box4()
    } else {
        [-3.0, 3.0, -2.0, 2.0]
    };
    let values: Vec<f64> = (0..nx * ny).map(|_| b.value(holes)).collect();
    // The page's scale for these values, then either kind of scale.
    let mut f = Field::from_values(view, nx, ny, values);
    f.log = b.flag();
    f
}

/// Series of any finite points, with a marker on one of them (the current step, as the page
/// gives it) or anywhere.
fn series(b: &mut Bytes) -> Vec<Series> {
    (0..b.below(5))
        .map(|_| {
            let n = b.below(48);
            let mut points: Vec<(f64, f64)> = (0..n).map(|_| (b.finite(), b.finite())).collect();
            if b.flag() {
                points.sort_by(|p, q| p.0.total_cmp(&q.0));
            }
            let marker = match b.below(3) {
                0 if n > 0 => Some(points[b.below(n)]),
                1 => Some((b.finite(), b.finite())),
                _ => None,
            };
            Series {
                color: b.color(),
                marker,
                look: [Look::Line, Look::Faint, Look::Bold, Look::Dots, Look::Dashed, Look::Rings][b.below(6)],
                points,
                label: ["", "gd", "a long label of a run"][b.below(3)].to_string(),
                diverged: b.flag().then(|| b.below(1000) as u64),
            }
        })
        .collect()
}

/// The extent `[x0, x1, y0, y1]` of the points, if it has width and height.
fn extent(series: &[Series]) -> Option<[f64; 4]> {
    let pts = || series.iter().flat_map(|s| &s.points);
    let lo = |f: fn(&(f64, f64)) -> f64| pts().map(f).fold(f64::INFINITY, f64::min);
    let hi = |f: fn(&(f64, f64)) -> f64| pts().map(f).fold(f64::NEG_INFINITY, f64::max);
    let v = [lo(|p| p.0), hi(|p| p.0), lo(|p| p.1), hi(|p| p.1)];
    (v[0] < v[1] && v[2] < v[3]).then_some(v)
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let width = 120 + 8 * b.below(200) as u32;
    let height = 90 + 6 * b.below(160) as u32;
    let scale = [1.0, 1.5, 2.0, 0.75, 3.0][b.below(5)];

    // The charts: any series, a cursor anywhere, and an explicit range (the scatter plot's)
    // covering the points or any box at all.
    let ss = series(&mut b);
    let log_y = b.flag();
    let range = match b.below(3) {
        0 => extent(&ss),
        1 => Some(b.box4()),
        _ => None,
    };
    let cursor = b.flag().then(|| b.finite());
    let style = ChartStyle {
        title: "Loss L(θ)",
        x_label: "step",
        y_label: b.flag().then_some("y"),
        range,
        log_y,
        scale,
        cursor,
        background: b.flag().then_some(RGBColor(255, 255, 255)),
        legend: b.flag(),
        trim_x: b.flag(),
    };
    let root = NullBackend::new(width, height).into_drawing_area();
    let _ = chart::draw(&root, &ss, &style);

    // The map.
    let f = field(&mut b);
    let contours = f.contours(&f.levels(map::LEVELS));
    let base = MapBase { field: f, contours };
    let plot = map::plot_rect(width, height, scale);
    let vp = Viewport::new(base.field.view, plot);
    let minima: Vec<Vec2> = (0..b.below(3))
        .map(|_| Vec2::new(b.finite(), b.finite()))
        .collect();
    let mstyle = MapStyle {
        background: b.flag().then_some(map::BACKGROUND),
        ..MapStyle::new(scale)
    };
    let paths: Vec<Vec<Vec2>> = ss
        .iter()
        .map(|s| s.points.iter().map(|&(x, y)| Vec2::new(x, y)).collect())
        .collect();
    let marks: Vec<RunMark> = paths
        .iter()
        .zip(&ss)
        .filter(|(p, _)| !p.is_empty())
        .map(|(p, s)| RunMark {
            path: p,
            color: s.color,
            label: "run",
            diverged: s.look == Look::Dots,
        })
        .collect();
    let min_px = [0.0, 0.5, 1.5][b.below(3)];
    let start = Vec2::new(b.finite(), b.finite());
    let root = NullBackend::new(width, height).into_drawing_area();
    let _ = map::draw_base(&root, &vp, &base, &minima, ("x", "y"), &mstyle, &mut |_| {
        let px = base.field.rgba();
        assert_eq!(px.len(), 4 * base.field.nx * base.field.ny);
        Ok(())
    });
    let _ = map::draw_trails(&root, &vp, &marks, min_px, &mstyle);
    let _ = map::draw_marks(&root, &vp, &marks, start, &mstyle);
    let _ = map::draw_legend(&root, &vp, &marks, &mstyle);
});
