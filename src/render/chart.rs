//! Charts (loss and learning rate against step or evaluations, and the scatter plot of a data
//! set), drawn with plotters on any `DrawingBackend`: the page's canvases, the command line's
//! SVG and PNG.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One run's curve, or a set of points.
pub struct Series {
    pub color: RGBColor,
    /// `(x, y)` points (x ascending for a curve).
    pub points: Vec<(f64, f64)>,
    /// The point to mark (the current step), if any.
    pub marker: Option<(f64, f64)>,
    /// How the points are drawn.
    pub look: Look,
    /// The run's name for the legend (empty: not in the legend).
    pub label: String,
    /// The iteration at which the run diverged: the series is left out of the y-range, drawn
    /// up to the edge it leaves by, and marked "diverged at k".
    pub diverged: Option<u64>,
}

impl Series {
    /// A line of `points` in `color`, unlabelled, without a marker.
    pub fn line(color: RGBColor, points: Vec<(f64, f64)>) -> Series {
        Series {
            color,
            points,
            marker: None,
            look: Look::Line,
            label: String::new(),
            diverged: None,
        }
    }
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Look {
    /// A line.
    Line,
    /// A thin translucent line behind the others (noisy mini-batch losses).
    Faint,
    /// A bolder line (a model drawn over data).
    Bold,
    /// A dot at every point.
    Dots,
    /// A dashed line (a held-out loss beside its training loss).
    Dashed,
    /// A ring at every point (held-out data).
    Rings,
}

/// How a chart looks.
pub struct ChartStyle<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    /// The y axis's name, if it has one.
    pub y_label: Option<&'a str>,
    /// `[x0, x1, y0, y1]` to show, instead of the series' extent.
    pub range: Option<[f64; 4]>,
    /// Logarithmic y axis (used only when every y is positive).
    pub log_y: bool,
    /// Device pixels per CSS pixel.
    pub scale: f64,
    /// Vertical line at this x (the current step).
    pub cursor: Option<f64>,
    /// Fill behind the chart (`None`: transparent).
    pub background: Option<RGBColor>,
    /// Draw a legend of the labelled series.
    pub legend: bool,
    /// Keep one series that runs far beyond the others in x (a line search's evaluations on
    /// the evaluation axis) from squeezing them: the x-range ends at three times the lower
    /// median of the series' ends, and what runs on past it is marked at the right edge.
    pub trim_x: bool,
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

/// The largest magnitude a chart draws; beyond it values are drawn at the edge.
pub const LIMIT: f64 = 1e300;

/// A range plotters can lay out: finite, within ±[`LIMIT`], and at least a billionth of its
/// magnitude wide (narrower ranges, or infinite ones, make plotters' tick search loop forever).
pub fn drawable(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return (0.0, 1.0);
    }
    let (lo, hi) = (lo.clamp(-LIMIT, LIMIT), hi.clamp(-LIMIT, LIMIT));
    let min_width = (lo.abs().max(hi.abs()) * 1e-9).max(1e-290);
    if hi - lo >= min_width {
        return (lo, hi);
    }
    let mid = lo / 2.0 + hi / 2.0;
    (mid - min_width, mid + min_width)
}

/// The x extent of every series' finite points and the y extent of those of the series
/// `ranged` keeps (y of a log chart already in log10), padded when empty or flat.
fn finite_range(series: &[Series], ranged: &dyn Fn(&Series) -> bool) -> (f64, f64, f64, f64) {
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for s in series {
        let r = ranged(s);
        for &(x, y) in &s.points {
            if !(x.is_finite() && y.is_finite()) {
                continue;
            }
            x0 = x0.min(x);
            x1 = x1.max(x);
            if r {
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
        }
    }
    if !x0.is_finite() {
        return (0.0, 1.0, 0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if !y0.is_finite() {
        (y0, y1) = (0.0, 1.0);
    }
    if y1 <= y0 {
        let pad = if y0 == 0.0 { 1.0 } else { y0.abs() * 0.1 };
        y0 -= pad;
        y1 += pad;
    }
    (x0, x1, y0, y1)
}

fn finite(p: &(f64, f64)) -> bool {
    p.0.is_finite() && p.1.is_finite()
}

/// Where the x-range ends when one series runs far beyond the others (see
/// [`ChartStyle::trim_x`]): three times the lower median of the ends of the series `ranged`
/// keeps, if `x1` lies beyond that.
pub fn trimmed_end(series: &[Series], ranged: &dyn Fn(&Series) -> bool, x0: f64, x1: f64) -> f64 {
    let mut ends: Vec<f64> = series
        .iter()
        .filter(|s| s.look != Look::Faint && ranged(s))
        .filter_map(|s| {
            s.points
                .iter()
                .filter(|p| finite(p))
                .map(|p| p.0)
                .reduce(f64::max)
        })
        .collect();
    if ends.len() < 2 {
        return x1;
    }
    ends.sort_by(f64::total_cmp);
    let cut = 3.0 * ends[(ends.len() - 1) / 2];
    if cut > x0 && cut < x1 {
        cut
    } else {
        x1
    }
}

/// The labels of a linear axis over `[lo, hi]`: round values, at least two (where the range
/// is wide enough to tell two numbers apart) and at most about eight.
pub fn linear_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut n = 5;
    loop {
        let t = super::nice_ticks(lo, hi, n);
        if t.len() >= 2 || n >= 80 {
            return t;
        }
        n *= 2;
    }
}

/// Draws the chart into `root`. A log y axis plots log10(y) on a linear axis whose labels
/// read 10^v (one coordinate system for every chart keeps the page's wasm small).
///
/// The y-range comes from the series that have not diverged (from all when every one has);
/// a diverged series runs up to the edge and is marked "diverged at k".
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
    let healthy = series
        .iter()
        .any(|s| s.diverged.is_none() && s.points.iter().any(finite));
    let ranged = move |s: &Series| !healthy || s.diverged.is_none();
    // A log axis when no value is negative and some are positive.
    let ys = || {
        series
            .iter()
            .filter(|s| ranged(s))
            .flat_map(|s| &s.points)
            .map(|p| p.1)
            .filter(|y| y.is_finite())
    };
    let min_pos = ys().filter(|&y| y > 0.0).fold(f64::INFINITY, f64::min);
    let log = style.log_y && min_pos.is_finite() && ys().all(|y| y >= 0.0);
    // Exact zeros (a converged run) and values far below the top are drawn at a floor a decade
    // below the smallest positive value, at most 14 decades under the top (and never below
    // 1e-300, so its logarithm stays finite).
    let max_y = ys().fold(f64::NEG_INFINITY, f64::max);
    let floor = (min_pos / 10.0).max(max_y * 1e-14).max(1e-300);
    // Values beyond ±LIMIT are drawn at ±LIMIT, and the title says so: plotters lays out axes
    // in f64 and must be able to pad and subdivide the range.
    let clamped = series.iter().filter(|s| ranged(s)).any(|s| {
        s.points
            .iter()
            .chain(&s.marker)
            .any(|p| p.0.abs() > LIMIT && p.0.is_finite() || p.1.abs() > LIMIT && p.1.is_finite())
    });
    let tf = |p: (f64, f64)| {
        let x = p.0.clamp(-LIMIT, LIMIT);
        if !(x.is_finite() && p.1.is_finite()) {
            (f64::NAN, f64::NAN)
        } else if log {
            (x, libm::log10(p.1.max(floor).min(LIMIT)))
        } else {
            (x, p.1.clamp(-LIMIT, LIMIT))
        }
    };
    let transformed: Vec<Series> = series
        .iter()
        .map(|s| Series {
            look: s.look,
            color: s.color,
            points: s.points.iter().copied().map(tf).collect(),
            marker: s.marker.map(tf),
            label: String::new(),
            diverged: s.diverged,
        })
        .collect();
    let labels: Vec<&str> = series.iter().map(|s| s.label.as_str()).collect();
    let series = &transformed[..];
    let (x0, x1, y0, y1) = match style.range {
        // On a log axis the given y-range is in the data's units too.
        Some([x0, x1, y0, y1]) if log => (x0, x1, tf((x0, y0)).1, tf((x1, y1)).1),
        Some([x0, x1, y0, y1]) => (x0, x1, y0, y1),
        None => {
            let (x0, mut x1, y0, y1) = finite_range(series, &ranged);
            if style.trim_x {
                x1 = trimmed_end(series, &ranged, x0, x1);
            }
            let pad = (y1 - y0) * 0.04;
            (x0, x1, y0 - pad, y1 + pad)
        }
    };
    let ((x0, x1), (y0, y1)) = (drawable(x0, x1), drawable(y0, y1));
    // Whatever lies far outside the range is drawn at a thousand widths from it: plotters adds
    // pixel offsets in i32, which overflow for points billions of pixels away.
    let (wx, wy) = (1e3 * (x1 - x0), 1e3 * (y1 - y0));
    let near = |p: (f64, f64)| (p.0.clamp(x0 - wx, x1 + wx), p.1.clamp(y0 - wy, y1 + wy));
    let title_clamped;
    let title = if clamped {
        title_clamped = format!("{} (clamped at ±1e300)", style.title);
        &title_clamped
    } else {
        style.title
    };
    let grey = RGBColor(90, 96, 110);
    let mut chart = ChartBuilder::on(root)
        .margin(px(8.0))
        .margin_right(px(14.0))
        .caption(title, font(13.0).color(&RGBColor(40, 44, 52)))
        .x_label_area_size(px(30.0))
        .y_label_area_size(px(58.0))
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_labels(6)
        // The y axis gets its own ticks (below): at least two, and on a log axis round values
        // of the data, not of log10.
        .y_labels(0)
        .light_line_style(RGBColor(238, 240, 244))
        .bold_line_style(RGBColor(225, 228, 234))
        .axis_style(grey)
        .label_style(font(11.0).color(&grey))
        .x_desc(style.x_label)
        .y_desc(style.y_label.unwrap_or(""))
        .axis_desc_style(font(11.0).color(&grey))
        .x_label_formatter(&|v| crate::render::fmt_num(*v))
        .draw()
        .map_err(err)?;
    let (bx, by) = root.get_base_pixel();
    // A pixel of the chart, relative to `root` (which may be a panel of a figure).
    let coord = chart.as_coord_spec().clone();
    let at = |p: (f64, f64)| {
        let (x, y) = coord.translate(&p);
        (x - bx, y - by)
    };
    let text = font(11.0)
        .color(&grey)
        .pos(Pos::new(HPos::Right, VPos::Center));
    let ticks = if log {
        log_ticks(y0, y1)
    } else {
        linear_ticks(y0, y1)
    };
    for t in ticks {
        let line = [at((x0, t)), at((x1, t))];
        root.draw(&PathElement::new(
            line.to_vec(),
            RGBColor(225, 228, 234).stroke_width(1),
        ))
        .map_err(err)?;
        let v = if log { libm::pow(10.0, t) } else { t };
        let (tx, ty) = at((x0, t));
        root.draw(&Text::new(
            crate::render::fmt_num(v),
            (tx - px(6.0) as i32, ty),
            text.clone(),
        ))
        .map_err(err)?;
    }
    if let Some(c) = style.cursor.filter(|c| (x0..=x1).contains(c)) {
        chart
            .draw_series(LineSeries::new(
                vec![(c, y0), (c, y1)],
                RGBColor(180, 186, 198).stroke_width(px(1.0)),
            ))
            .map_err(err)?;
    }
    for s in series {
        let pts = s.points.iter().copied().filter(finite).map(near);
        let line = match s.look {
            Look::Faint => s.color.mix(0.35).stroke_width(px(1.0)),
            Look::Bold => s.color.stroke_width(px(2.5)),
            Look::Line | Look::Dots | Look::Dashed | Look::Rings => s.color.stroke_width(px(1.6)),
        };
        if s.look == Look::Dashed {
            chart
                .draw_series(DashedLineSeries::new(pts, px(6.0), px(4.0), line))
                .map_err(err)?;
        } else if s.look == Look::Rings {
            chart
                .draw_series(pts.map(|p| Circle::new(p, px(2.8), line)))
                .map_err(err)?;
        } else if s.look == Look::Dots {
            let dot = s.color.mix(0.75).filled();
            chart
                .draw_series(pts.map(|p| Circle::new(p, px(2.6), dot)))
                .map_err(err)?;
        } else {
            chart.draw_series(LineSeries::new(pts, line)).map_err(err)?;
        }
        if let Some(m) = s
            .marker
            .filter(|m| finite(m) && (x0..=x1).contains(&m.0) && (y0..=y1).contains(&m.1))
        {
            chart
                .draw_series(std::iter::once(Circle::new(m, px(3.5), s.color.filled())))
                .map_err(err)?;
        }
    }
    // Where a run left the chart: diverged at the top (or bottom) edge, or on past the
    // trimmed x-range at the right edge.
    let (mid_x, _) = at(((x0 + x1) / 2.0, y0));
    for s in series.iter().filter(|s| s.look != Look::Faint) {
        let Some(&last) = s.points.iter().rev().find(|p| finite(p)) else {
            continue;
        };
        let note = |p: (f64, f64), msg: String, right: bool| -> Result<(), String> {
            let (x, y) = at(p);
            let off = (5.0 * k).round() as i32;
            // Near the top the note goes below the point, near the bottom above it.
            let below = p.1 >= (y0 + y1) / 2.0;
            let vpos = if below { VPos::Top } else { VPos::Bottom };
            let hpos = if right { HPos::Right } else { HPos::Left };
            let (tx, ty) = (
                if right { x - off - 2 } else { x + off + 2 },
                if below { y + off } else { y - off },
            );
            let style = font(11.0).color(&s.color).pos(Pos::new(hpos, vpos));
            root.draw(&Text::new(msg, (tx, ty), style)).map_err(err)
        };
        if let Some(k) = s.diverged {
            let p = (last.0.clamp(x0, x1), last.1.clamp(y0, y1));
            chart
                .draw_series(std::iter::once(Cross::new(
                    p,
                    px(5.0),
                    s.color.stroke_width(px(2.0)),
                )))
                .map_err(err)?;
            note(p, format!("diverged at {k}"), at(p).0 > mid_x)?;
        } else if last.0 > x1 {
            let inside = s.points.iter().rev().find(|p| finite(p) && p.0 <= x1);
            let y = inside.map_or(last.1, |p| p.1).clamp(y0, y1);
            note(
                (x1, y),
                format!("→ {}", crate::render::fmt_num(last.0)),
                true,
            )?;
        }
    }
    if style.legend {
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let rows: Vec<(RGBColor, &str)> = series
            .iter()
            .zip(&labels)
            .filter(|(s, l)| s.look != Look::Faint && !l.is_empty())
            .map(|(s, l)| (s.color, *l))
            .collect();
        let area = (xr.start - bx, yr.start - by, xr.end - bx, yr.end - by);
        // The corner whose legend box covers the fewest drawn points.
        // (Lines sampled every few pixels, so steep segments count too.)
        let mut pixels: Vec<(i32, i32)> = Vec::new();
        for s in series {
            let pts: Vec<(i32, i32)> = s
                .points
                .iter()
                .copied()
                .filter(finite)
                .map(near)
                .map(at)
                .collect();
            for w in pts.windows(2) {
                let (a, b) = (w[0], w[1]);
                let n = ((a.0 - b.0).abs().max((a.1 - b.1).abs()) / 4).clamp(1, 64);
                pixels.extend((0..n).map(|i| {
                    let t = f64::from(i) / f64::from(n);
                    let lerp = |u: i32, v: i32| u + (f64::from(v - u) * t).round() as i32;
                    (lerp(a.0, b.0), lerp(a.1, b.1))
                }));
            }
            pixels.extend(pts.last());
        }
        legend(root, &rows, area, k, &pixels).map_err(err)?;
    }
    Ok(())
}

/// The legend in the corner of the plotting `area` (left, top, right, bottom pixels relative to
/// `root`) that covers the fewest of `pixels` (top right on a tie): one row per `(colour,
/// label)`, as many as fit and at most eight (then "+N more").
fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[(RGBColor, &str)],
    area: (i32, i32, i32, i32),
    k: f64,
    pixels: &[(i32, i32)],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    if rows.is_empty() {
        return Ok(());
    }
    let px = |v: f64| (v * k).round() as i32;
    let row = 15.0 * k;
    let height = f64::from(area.3 - area.1);
    let fit = (((height - 8.0 * k) / row).floor() as usize).clamp(1, 8);
    let (shown, more) = if rows.len() > fit {
        (&rows[..fit - 1], rows.len() - (fit - 1))
    } else {
        (rows, 0)
    };
    let chars = |s: &str| s.chars().count() as f64;
    let widest = shown
        .iter()
        .map(|r| chars(r.1))
        .chain((more > 0).then_some(7.0))
        .fold(0.0, f64::max);
    // Text width estimated at 0.6 em a character (no font metrics needed, on any backend).
    let w = px(26.0) + (widest * 0.6 * 11.0 * k).ceil() as i32;
    let n = shown.len() + usize::from(more > 0);
    let h = px(6.0) + (n as f64 * row).round() as i32;
    let gap = px(4.0);
    let boxes = [
        (area.2 - gap - w, area.1 + gap),
        (area.0 + gap, area.1 + gap),
        (area.2 - gap - w, area.3 - gap - h),
        (area.0 + gap, area.3 - gap - h),
    ];
    let covered = |&(x, y): &(i32, i32)| {
        pixels
            .iter()
            .filter(|p| p.0 >= x && p.0 <= x + w && p.1 >= y && p.1 <= y + h)
            .count()
    };
    let (x0, y0) = boxes
        .iter()
        .copied()
        .min_by_key(|b| covered(b))
        .unwrap_or(boxes[0]);
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + w, y0 + h)],
        WHITE.mix(0.85).filled(),
    ))?;
    let text = super::font(11.0 * k)
        .color(&RGBColor(40, 44, 52))
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (color, label)) in shown.iter().enumerate() {
        let y = y0 + px(3.0) + ((i as f64 + 0.5) * row).round() as i32;
        root.draw(&PathElement::new(
            vec![(x0 + px(5.0), y), (x0 + px(19.0), y)],
            color.stroke_width(px(2.5) as u32),
        ))?;
        root.draw(&Text::new(
            label.to_string(),
            (x0 + px(23.0), y),
            text.clone(),
        ))?;
    }
    if more > 0 {
        let y = y0 + px(3.0) + ((shown.len() as f64 + 0.5) * row).round() as i32;
        root.draw(&Text::new(
            format!("+{more} more"),
            (x0 + px(23.0), y),
            text,
        ))?;
    }
    Ok(())
}

/// Ticks of a log axis spanning `[lo, hi]` in log10: whole decades when it spans three or more
/// (every second or fifth when many), 1, 2 and 5 times the decades over one to three, and round
/// values of the data itself over less than a decade (three or more where they fit, at least
/// two).
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return Vec::new();
    }
    let inside = |v: &f64| *v >= lo && *v <= hi;
    let span = hi - lo;
    if span >= 3.0 {
        // Whole decades, at most about seven of them.
        let step = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
            .into_iter()
            .find(|s| span / s <= 7.0)
            .unwrap_or(100.0);
        let mut out = Vec::new();
        let mut t = (lo / step).ceil() * step;
        while t <= hi && out.len() < 16 {
            out.push(t);
            if t + step == t {
                break;
            }
            t += step;
        }
        return out;
    }
    if span >= 1.0 {
        let mut out = Vec::new();
        for k in (lo.floor() as i32)..=(hi.ceil() as i32) {
            for m in [1.0, 2.0, 5.0] {
                let t = f64::from(k) + libm::log10(m);
                if inside(&t) {
                    out.push(t);
                }
            }
        }
        return out;
    }
    let (a, b) = (libm::pow(10.0, lo), libm::pow(10.0, hi));
    let mut n = 5;
    loop {
        let ticks: Vec<f64> = super::nice_ticks(a, b, n)
            .into_iter()
            .filter(|v| *v > 0.0)
            .map(libm::log10)
            .filter(inside)
            .collect();
        if ticks.len() >= 3 || (ticks.len() == 2 && n >= 20) || n >= 80 {
            return ticks;
        }
        n *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::log_ticks;

    fn values(lo: f64, hi: f64) -> Vec<f64> {
        log_ticks(lo, hi)
            .into_iter()
            .map(|t| (libm::pow(10.0, t) * 1e6).round() / 1e6)
            .collect()
    }

    #[test]
    fn log_ticks_are_round_values_and_at_least_two() {
        assert_eq!(
            log_ticks(-13.2, 0.4),
            vec![-12.0, -10.0, -8.0, -6.0, -4.0, -2.0, 0.0]
        );
        assert_eq!(log_ticks(-4.5, 0.4), vec![-4.0, -3.0, -2.0, -1.0, 0.0]);
        assert_eq!(
            values(-2.3, 0.2),
            vec![0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
        );
        assert_eq!(values(0.05, 0.6), vec![1.5, 2.0, 2.5, 3.0, 3.5]);
        for (lo, hi) in [
            (1.0, 1.001),
            (-0.3, -0.25),
            (5.0, 5.7),
            (-7.9, -6.8),
            (2.0, 30.0),
        ] {
            let t = log_ticks(lo, hi);
            assert!(t.len() >= 2, "{lo}..{hi}: {t:?}");
            assert!(t.len() <= 12, "{lo}..{hi}: {t:?}");
            assert!(t.iter().all(|v| *v >= lo && *v <= hi));
        }
    }

    /// Ranges plotters cannot subdivide (infinite, or narrower than a few units in the last
    /// place) made it loop forever; every finite input now draws.
    #[test]
    fn extreme_values_draw_and_return() {
        use super::{draw, ChartStyle, Look, Series};
        use crate::render::null::NullBackend;
        use plotters::prelude::*;
        let one_ulp = f64::from_bits(1.0f64.to_bits() + 1);
        let cases: Vec<Vec<(f64, f64)>> = vec![
            vec![(0.0, -1.7e308), (1.0, -1.7e308)],
            vec![(0.0, 1.7e308), (1.0, -1.7e308)],
            vec![(0.0, f64::MAX), (1.0, f64::MAX)],
            vec![(0.0, 1.0), (1.0, one_ulp)],
            vec![(1e300, 1.0), (1e300, 2.0)],
            vec![(-1.7e308, 5e-324), (1.7e308, 1e-320)],
            vec![(0.0, 5e-324), (1.0, 5e-324)],
            vec![(0.0, 1e308), (1.0, 5e-324), (2.0, 0.0)],
            vec![(0.0, f64::NAN), (1.0, f64::INFINITY)],
            vec![],
        ];
        for points in cases {
            for log_y in [true, false] {
                let root = NullBackend::new(400, 200).into_drawing_area();
                let series = [Series {
                    color: RGBColor(1, 2, 3),
                    marker: points.last().copied(),
                    points: points.clone(),
                    look: Look::Line,
                    label: String::new(),
                    diverged: None,
                }];
                let style = ChartStyle {
                    title: "t",
                    x_label: "x",
                    y_label: None,
                    range: None,
                    log_y,
                    scale: 1.0,
                    cursor: Some(0.5),
                    background: Some(WHITE),
                    legend: true,
                    trim_x: false,
                };
                assert!(
                    draw(&root, &series, &style).is_ok(),
                    "{points:?} log {log_y}"
                );
            }
        }
    }

    /// Found by fuzzing: a log chart given a range in the data's units (here far from the
    /// points' logarithms) drew its decade lines beyond i32 pixels.
    #[test]
    fn a_log_chart_with_a_range_in_data_units_draws() {
        use super::{draw, ChartStyle, Look, Series};
        use crate::render::null::NullBackend;
        use plotters::prelude::*;
        let pts = vec![
            (-1e300, 1.303453055054219e190),
            (1.3034546188519292e190, 1.3e190),
        ];
        let root = NullBackend::new(1712, 1044).into_drawing_area();
        let series = [Series {
            color: RGBColor(1, 2, 3),
            marker: Some(pts[1]),
            points: pts,
            look: Look::Line,
            label: String::new(),
            diverged: None,
        }];
        let style = ChartStyle {
            title: "t",
            x_label: "x",
            y_label: None,
            range: Some([
                -1e300,
                1.3034546188519292e190,
                1.3034546188519292e190,
                1.3034546204157269e190,
            ]),
            log_y: true,
            scale: 3.0,
            cursor: Some(2.2250738585072014e-308),
            background: None,
            legend: true,
            trim_x: false,
        };
        assert!(draw(&root, &series, &style).is_ok());
    }
}
