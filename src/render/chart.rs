//! Line charts (loss and learning rate against step or evaluations), drawn with plotters on any
//! `DrawingBackend`: the page's canvases, later the command line's SVG and PNG.

use plotters::coord::Shift;
use plotters::prelude::*;

/// One run's curve.
pub struct Series {
    pub color: RGBColor,
    /// `(x, y)` points, x ascending.
    pub points: Vec<(f64, f64)>,
    /// The point to mark (the current step), if any.
    pub marker: Option<(f64, f64)>,
    /// Drawn thin and translucent behind the others (noisy mini-batch losses).
    pub faint: bool,
}

/// How a chart looks.
pub struct ChartStyle<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    /// Logarithmic y axis (used only when every y is positive).
    pub log_y: bool,
    /// Device pixels per CSS pixel.
    pub scale: f64,
    /// Vertical line at this x (the current step).
    pub cursor: Option<f64>,
    /// Fill behind the chart (`None`: transparent).
    pub background: Option<RGBColor>,
}

/// Keeps at most about `2 × buckets` points: the first and last point and, per bucket of x,
/// the lowest and highest point in order, so spikes and noise stay visible.
pub fn minmax_decimate(points: &[(f64, f64)], buckets: usize) -> Vec<(f64, f64)> {
    minmax_decimate_by(points.len(), buckets, |i| points[i])
}

/// [`minmax_decimate`] over `n` points given by `at(i)`, without collecting them first.
pub fn minmax_decimate_by(
    n: usize,
    buckets: usize,
    at: impl Fn(usize) -> (f64, f64),
) -> Vec<(f64, f64)> {
    let buckets = buckets.max(1);
    if n <= 2 * buckets {
        return (0..n).map(&at).collect();
    }
    let per = n as f64 / buckets as f64;
    let mut out = Vec::with_capacity(2 * buckets + 2);
    let mut start = 0usize;
    for b in 0..buckets {
        let end = (((b + 1) as f64 * per) as usize).min(n);
        if end <= start {
            continue;
        }
        let (mut lo, mut hi) = (start, start);
        let (mut ylo, mut yhi) = (at(start).1, at(start).1);
        for i in start + 1..end {
            let y = at(i).1;
            if y < ylo {
                (lo, ylo) = (i, y);
            }
            if y > yhi {
                (hi, yhi) = (i, y);
            }
        }
        let (a, c) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        out.push(at(a));
        if c != a {
            out.push(at(c));
        }
        start = end;
    }
    if out.last() != Some(&at(n - 1)) {
        out.push(at(n - 1));
    }
    out
}

/// The x and y extent of the finite points (y of a log chart already in log10), padded when
/// empty or flat.
fn finite_range(series: &[Series]) -> (f64, f64, f64, f64) {
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for s in series {
        for &(x, y) in &s.points {
            if !(x.is_finite() && y.is_finite()) {
                continue;
            }
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    if !x0.is_finite() {
        return (0.0, 1.0, 0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        let pad = if y0 == 0.0 { 1.0 } else { y0.abs() * 0.1 };
        y0 -= pad;
        y1 += pad;
    }
    (x0, x1, y0, y1)
}

/// Draws the chart into `root`. A log y axis plots log10(y) on a linear axis whose labels
/// read 10^v (one coordinate system for every chart keeps the page's wasm small).
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    series: &[Series],
    style: &ChartStyle,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let k = style.scale;
    let px = |v: f64| (v * k).round() as u32;
    let font = |size: f64| super::font(size * k);
    if let Some(bg) = style.background {
        root.fill(&bg).map_err(err)?;
    }
    // A log axis when no value is negative and some are positive.
    let ys = || {
        series
            .iter()
            .flat_map(|s| &s.points)
            .map(|p| p.1)
            .filter(|y| y.is_finite())
    };
    let min_pos = ys().filter(|&y| y > 0.0).fold(f64::INFINITY, f64::min);
    let log = style.log_y && min_pos.is_finite() && ys().all(|y| y >= 0.0);
    // Exact zeros (a converged run) and values far below the top are drawn at a floor a decade
    // below the smallest positive value, at most 14 decades under the top.
    let max_y = ys().fold(f64::NEG_INFINITY, f64::max);
    let floor = (min_pos / 10.0).max(max_y * 1e-14);
    let tf = |p: (f64, f64)| {
        if log {
            (p.0, libm::log10(p.1.max(floor)))
        } else {
            p
        }
    };
    let transformed: Vec<Series>;
    let series = if log {
        transformed = series
            .iter()
            .map(|s| Series {
                faint: s.faint,
                color: s.color,
                points: s.points.iter().copied().map(tf).collect(),
                marker: s.marker.map(tf),
            })
            .collect();
        &transformed[..]
    } else {
        series
    };
    let (x0, x1, y0, y1) = finite_range(series);
    let pad = (y1 - y0) * 0.04;
    let (y0, y1) = (y0 - pad, y1 + pad);
    let grey = RGBColor(90, 96, 110);
    let label = |v: &f64| {
        if log {
            crate::render::fmt_num(libm::pow(10.0, *v))
        } else {
            crate::render::fmt_num(*v)
        }
    };
    let mut chart = ChartBuilder::on(root)
        .margin(px(8.0))
        .margin_right(px(14.0))
        .caption(style.title, font(13.0).color(&RGBColor(40, 44, 52)))
        .x_label_area_size(px(30.0))
        .y_label_area_size(px(58.0))
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_labels(6)
        .y_labels(5)
        .light_line_style(RGBColor(238, 240, 244))
        .bold_line_style(RGBColor(225, 228, 234))
        .axis_style(grey)
        .label_style(font(11.0).color(&grey))
        .x_desc(style.x_label)
        .axis_desc_style(font(11.0).color(&grey))
        .y_label_formatter(&label)
        .x_label_formatter(&|v| crate::render::fmt_num(*v))
        .draw()
        .map_err(err)?;
    if let Some(c) = style.cursor {
        chart
            .draw_series(LineSeries::new(
                vec![(c, y0), (c, y1)],
                RGBColor(180, 186, 198).stroke_width(px(1.0)),
            ))
            .map_err(err)?;
    }
    for s in series {
        let pts = s
            .points
            .iter()
            .copied()
            .filter(|p| p.0.is_finite() && p.1.is_finite());
        let line = if s.faint {
            s.color.mix(0.35).stroke_width(px(1.0))
        } else {
            s.color.stroke_width(px(1.6))
        };
        chart.draw_series(LineSeries::new(pts, line)).map_err(err)?;
        if let Some(m) = s.marker.filter(|m| m.0.is_finite() && m.1.is_finite()) {
            chart
                .draw_series(std::iter::once(Circle::new(m, px(3.5), s.color.filled())))
                .map_err(err)?;
        }
    }
    Ok(())
}
