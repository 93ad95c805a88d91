//! The map: colour map, contour lines, known minima, axes and colour bar (the base), the runs'
//! trajectories, their current points and the start (the overlay), and a legend. Drawn with
//! plotters on any `DrawingBackend`: the page's canvases, the command line's SVG and PNG.
//!
//! The colour map itself is a dense image: [`draw_base`] leaves it to a `paint` callback that
//! gets the plot rectangle, so the page can put it with one `putImageData` and a figure can
//! embed or blit it.

use super::colormap::Lut;
use super::view::{clip_polyline, Rect, Viewport};
use super::{fmt_num, Field};
use crate::surface::{DataKind, Surface};
use crate::vec2::Vec2;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Margins of the map around its plot rectangle, in CSS pixels (scaled by the device pixel
/// ratio): room for the axes on the left and bottom and the colour bar on the right.
const MARGIN: f64 = 10.0;
const MARGIN_TOP: f64 = 24.0;
const X_AREA: f64 = 34.0;
const Y_AREA: f64 = 52.0;
/// The colour bar's parts right of the plot, in CSS pixels: the gap before the bar, the bar,
/// the gap from the bar to its labels (the ticks lie in it), and the gap after the labels.
const BAR_GAP: f64 = 16.0;
const BAR_WIDTH: f64 = 12.0;
const BAR_LABEL_GAP: f64 = 5.0;
const BAR_END: f64 = 4.0;
/// The room for the colour bar's labels until they are measured (CSS pixels): the right margin
/// is then 86 pixels.
pub const LABEL_ROOM: f64 = 49.0;
/// Label room is measured in steps of this many CSS pixels, so that a label a pixel wider or
/// narrower (or measured by another font engine) moves nothing.
pub const LABEL_STEP: f64 = 4.0;
/// The colour bar's type size (CSS pixels).
const BAR_FONT: f64 = 10.5;

/// Colours of the map.
pub const BACKGROUND: RGBColor = RGBColor(250, 250, 252);
pub const AXIS_GREY: RGBColor = RGBColor(90, 96, 110);
pub const INK: RGBColor = RGBColor(15, 18, 30);

/// The map's margins in whole pixels at scale `k` (device pixels per CSS pixel) with `labels`
/// CSS pixels for the colour bar's labels, as plotters lays them out: `(margin, top, right,
/// x label area, y label area, bottom)`.
fn margins(k: f64, labels: f64) -> (u32, u32, u32, u32, u32, u32) {
    let px = |v: f64| (v * k) as u32;
    (
        px(MARGIN),
        px(MARGIN_TOP),
        px(BAR_GAP + BAR_WIDTH + BAR_LABEL_GAP + labels.max(0.0) + BAR_END),
        px(X_AREA),
        px(Y_AREA),
        px(MARGIN),
    )
}

/// Where the plane is drawn on a `width` × `height` map at scale `k`, with the colour bar's
/// labels given their default room ([`LABEL_ROOM`]); see [`plot_rect_for`].
pub fn plot_rect(width: u32, height: u32, k: f64) -> Rect {
    plot_rect_for(width, height, k, LABEL_ROOM)
}

/// Where the plane is drawn on a `width` × `height` map at scale `k` with `labels` CSS pixels
/// right of the colour bar for its labels (see [`label_room`]): from the first pixel of
/// plotters' plotting area to its last, which is where plotters puts the axes' ends, so that
/// ticks and everything drawn through the viewport agree to the pixel.
pub fn plot_rect_for(width: u32, height: u32, k: f64, labels: f64) -> Rect {
    let (m, top, right, xa, ya, bottom) = margins(k, labels);
    let x = f64::from(m + ya);
    let y = f64::from(top);
    Rect {
        x,
        y,
        w: (f64::from(width) - f64::from(right) - x - 1.0).max(1.0),
        h: (f64::from(height) - f64::from(bottom + xa) - y - 1.0).max(1.0),
    }
}

/// The colour bar's labels, from the bottom of the scale to the top.
fn colorbar_labels(f: &Field) -> [String; 6] {
    core::array::from_fn(|i| fmt_num(f.denormalize(i as f64 / 5.0)))
}

/// The colour bar's title.
fn colorbar_title(f: &Field) -> &'static str {
    match (f.log, f.clamped) {
        (false, false) => "L",
        (true, false) => "L (log scale)",
        (false, true) => "L (clamped at ±1e300)",
        (true, true) => "L (log, clamped at ±1e300)",
    }
}

/// How much wider the page draws text than plotters measures it natively: plotters scales the
/// embedded DejaVu Sans so that its height (ascent − descent, 2384 units) is the font size, a
/// canvas so that its em (2048 units) is. Figures measure their labels as the page draws them,
/// so that the command line's figures and the page lay the map out alike (and the figures'
/// own, smaller text has room to spare). In the page a backend measures as it draws.
#[cfg(not(target_arch = "wasm32"))]
const PAGE_EM: f64 = 2384.0 / 2048.0;
#[cfg(target_arch = "wasm32")]
const PAGE_EM: f64 = 1.0;

/// The width of `text` in `font` as the page draws it, in `root`'s pixels: by `style`'s
/// measure (the page's canvas), else by `root`'s backend (natively the embedded DejaVu Sans,
/// widened to the page's em), else at 0.62 em a character.
fn text_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    font: &FontDesc,
    style: &MapStyle,
) -> f64 {
    let size = font.get_size();
    style
        .measure
        .and_then(|m| m(text, size))
        .filter(|w| w.is_finite())
        .unwrap_or_else(|| {
            root.estimate_text_size(text, &font.clone().into_text_style(root))
                .map_or(0.62 * size * text.chars().count() as f64, |(w, _)| {
                    f64::from(w) * PAGE_EM
                })
        })
}

/// The room, in CSS pixels, that the colour bar of `f` needs for its labels: the widest label
/// as `root` measures it at the bar's type size, a pixel more for rounding, rounded up to
/// whole steps of 4 pixels.
pub fn label_room<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    f: &Field,
    style: &MapStyle,
) -> f64 {
    let font = style.font(BAR_FONT);
    let widest = colorbar_labels(f)
        .iter()
        .map(|l| text_width(root, l, &font, style))
        .fold(0.0, f64::max);
    let k = style.scale.max(1e-3);
    ((widest / k + 1.0) / LABEL_STEP).ceil() * LABEL_STEP
}

/// How densely to sample the colour map: `detail` cells per CSS pixel, lowered so that a
/// logistic data surface (one pass over the data per cell) costs about 1.5·10⁶ point
/// evaluations; at least 16 cells each way.
pub fn grid_size(surface: &Surface, plot: Rect, k: f64, detail: f64) -> (usize, usize) {
    let per_cell = match surface {
        Surface::Data(d) if d.spec.kind == DataKind::Logistic => d.len() as f64,
        _ => 1.0,
    };
    let cells = (plot.w / k) * (plot.h / k) * detail * detail;
    let detail = detail * (1.5e6 / (cells * per_cell)).sqrt().min(1.0);
    let nx = ((plot.w / k) * detail).round().max(16.0) as usize;
    let ny = ((plot.h / k) * detail).round().max(16.0) as usize;
    (nx, ny)
}

/// The sampled surface and its contour lines over one view.
#[derive(Clone, Debug)]
pub struct MapBase {
    pub field: Field,
    /// Per level, polylines in plane coordinates.
    pub contours: Vec<Vec<Vec<(f64, f64)>>>,
}

/// The number of contour levels drawn.
pub const LEVELS: usize = 24;

impl MapBase {
    /// Samples `surface` on an `nx` × `ny` grid over `view` and traces its contours.
    pub fn compute(surface: &Surface, view: [f64; 4], nx: usize, ny: usize) -> MapBase {
        let field = Field::sample(surface, view, nx, ny);
        let contours = field.contours(&field.levels(LEVELS));
        MapBase { field, contours }
    }
}

/// One run as the map shows it.
#[derive(Clone, Debug)]
pub struct RunMark<'a> {
    /// θ₀ … θ_n, up to the step shown.
    pub path: &'a [Vec2],
    pub color: RGBColor,
    pub label: &'a str,
    /// Whether the run diverged at the step shown (its end is drawn as a cross).
    pub diverged: bool,
}

/// The width in pixels of a text in the labels' font at a size in pixels, as the surface drawn
/// on lays it out (the page's canvas: `measureText`), or `None` where it cannot say.
pub type Measure = fn(&str, f64) -> Option<f64>;

/// Strokes many polylines (in pixels of the whole surface drawn on) in one colour and width
/// at once, where that surface can do it faster than path by path (the page's canvas: one
/// path, one stroke, instead of a path, a colour and a stroke each); `false` when it cannot,
/// and they are drawn one by one.
/// Their points are relative to the drawing area, whose top left corner is at `offset`.
pub type Polylines =
    fn(&[Vec<(i32, i32)>], (i32, i32), plotters_backend::BackendColor, u32) -> bool;

/// Sizes that scale with the device pixel ratio.
#[derive(Clone, Copy, Debug)]
pub struct MapStyle {
    /// Device pixels per CSS pixel.
    pub scale: f64,
    /// Fill behind everything (`None`: transparent).
    pub background: Option<RGBColor>,
    /// How text is measured; `None`: by the drawing backend (natively the embedded font).
    pub measure: Option<Measure>,
    /// How the contour lines are stroked together; `None`: path by path through the backend.
    pub polylines: Option<Polylines>,
}

impl MapStyle {
    pub fn new(scale: f64) -> MapStyle {
        MapStyle {
            scale,
            background: Some(BACKGROUND),
            measure: None,
            polylines: None,
        }
    }
    fn px(&self, v: f64) -> u32 {
        (v * self.scale).round().max(1.0) as u32
    }
    fn font(&self, size: f64) -> FontDesc<'static> {
        super::font(size * self.scale)
    }
}

type DrawResult = Result<(), String>;

fn err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> String {
    e.to_string()
}

/// A pixel position rounded as plotters rounds its own coordinates (towards the axes' origin
/// at the bottom left, after a 1e-3 nudge), so that a point drawn here and a tick of the same
/// value land on the same pixel.
fn ipt(p: (f64, f64)) -> (i32, i32) {
    ((p.0 + 1e-3).floor() as i32, (p.1 - 1e-3).ceil() as i32)
}

/// Draws the polyline `px` (pixels) clipped to `clip`.
fn stroke<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    px: &[(f64, f64)],
    clip: Rect,
    style: ShapeStyle,
) -> DrawResult {
    for piece in clip_polyline(px, clip) {
        let pts: Vec<(i32, i32)> = piece.into_iter().map(ipt).collect();
        root.draw(&PathElement::new(pts, style)).map_err(err)?;
    }
    Ok(())
}

/// The base layer: background, colour map (through `paint`, given the plot rectangle), contour
/// lines, minima, axes and colour bar.
pub fn draw_base<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    vp: &Viewport,
    base: &MapBase,
    minima: &[Vec2],
    axes: (&str, &str),
    style: &MapStyle,
    paint: &mut dyn FnMut(Rect) -> DrawResult,
) -> DrawResult {
    if let Some(bg) = style.background {
        root.fill(&bg).map_err(err)?;
    }
    let plot = vp.plot();
    paint(plot)?;
    // Contour lines: every piece within the plot, then all of them at once where the surface
    // can (see `Polylines`), else one by one.
    let line = WHITE.mix(0.38).stroke_width(style.px(0.8));
    let mut pieces: Vec<Vec<(i32, i32)>> = Vec::new();
    for poly in base.contours.iter().flatten() {
        let px: Vec<(f64, f64)> = poly
            .iter()
            .map(|&(x, y)| vp.to_px(Vec2::new(x, y)))
            .collect();
        pieces.extend(
            clip_polyline(&px, plot)
                .into_iter()
                .map(|piece| piece.into_iter().map(ipt).collect()),
        );
    }
    let together = style.polylines.is_some_and(|f| {
        f(
            &pieces,
            root.get_base_pixel(),
            line.color.to_backend_color(),
            line.stroke_width,
        )
    });
    if !together {
        for p in pieces {
            root.draw(&PathElement::new(p, line)).map_err(err)?;
        }
    }
    // Known minima.
    for &m in minima {
        let c = vp.to_px(m);
        if plot.contains(c) {
            star(root, c, 6.5 * style.scale)?;
        }
    }
    draw_axes(root, vp, axes, style)?;
    draw_colorbar(root, plot, &base.field, style)
}

/// The axes around the plot rectangle, with tick labels at round values.
fn draw_axes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    vp: &Viewport,
    (xn, yn): (&str, &str),
    style: &MapStyle,
) -> DrawResult {
    let (m, top, _, xa, ya, _) = margins(style.scale, LABEL_ROOM);
    // The right margin is what the plot rectangle leaves (it has room for the labels measured).
    let width = f64::from(root.dim_in_pixel().0);
    let right = (width - vp.plot().right() - 1.0).round().max(0.0) as u32;
    let [x0, x1, y0, y1] = vp.view();
    let mut chart = ChartBuilder::on(root)
        .margin(m)
        .margin_top(top)
        .margin_right(right)
        .x_label_area_size(xa)
        .y_label_area_size(ya)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(8)
        .y_labels(8)
        .axis_style(AXIS_GREY)
        .label_style(style.font(11.0).color(&AXIS_GREY))
        .x_desc(xn)
        .y_desc(yn)
        .axis_desc_style(style.font(12.0).color(&AXIS_GREY))
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .draw()
        .map_err(err)
}

/// The colour bar right of the plot: the colour scale with six labelled values (the plot
/// rectangle leaves room for them, see [`label_room`]) and its title above, moved left where
/// it would run past the canvas's edge.
fn draw_colorbar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: Rect,
    f: &Field,
    style: &MapStyle,
) -> DrawResult {
    let k = style.scale;
    let x = p.right() + BAR_GAP * k;
    let w = BAR_WIDTH * k;
    let lut = Lut::viridis();
    let n = 128;
    for i in 0..n {
        let t = 1.0 - (f64::from(i) + 0.5) / f64::from(n);
        let [r, g, b] = lut.at(t);
        let ya = p.y + p.h * f64::from(i) / f64::from(n);
        let yb = p.y + p.h * f64::from(i + 1) / f64::from(n);
        root.draw(&Rectangle::new(
            [ipt((x, ya)), ipt((x + w, yb))],
            RGBColor(r, g, b).filled(),
        ))
        .map_err(err)?;
    }
    root.draw(&Rectangle::new(
        [ipt((x, p.y)), ipt((x + w, p.bottom()))],
        AXIS_GREY.mix(0.6).stroke_width(style.px(1.0)),
    ))
    .map_err(err)?;
    let font = style.font(BAR_FONT);
    let label = font
        .clone()
        .color(&AXIS_GREY)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, text) in colorbar_labels(f).into_iter().enumerate() {
        let t = i as f64 / 5.0;
        let y = p.y + p.h * (1.0 - t);
        root.draw(&Rectangle::new(
            [
                ipt((x + w, y - 0.5 * k)),
                ipt((x + w + 3.0 * k, y + 0.5 * k)),
            ],
            AXIS_GREY.filled(),
        ))
        .map_err(err)?;
        root.draw(&Text::new(
            text,
            ipt((x + w + BAR_LABEL_GAP * k, y)),
            label.clone(),
        ))
        .map_err(err)?;
    }
    let title = colorbar_title(f);
    let end = f64::from(root.dim_in_pixel().0) - BAR_END * k;
    let tx = x.min(end - text_width(root, title, &font, style)).max(0.0);
    let title_style = font
        .color(&AXIS_GREY)
        .pos(Pos::new(HPos::Left, VPos::Bottom));
    root.draw(&Text::new(title, ipt((tx, p.y - 9.0 * k)), title_style))
        .map_err(err)
}

/// The minimum of the held-out (validation) loss: a hollow diamond labelled "held-out min".
pub fn draw_validation_min<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    vp: &Viewport,
    p: Vec2,
    style: &MapStyle,
) -> DrawResult {
    let c = vp.to_px(p);
    if !vp.plot().contains(c) {
        return Ok(());
    }
    let r = 7.0 * style.scale;
    let ring: Vec<(i32, i32)> = [(0.0, -r), (r, 0.0), (0.0, r), (-r, 0.0), (0.0, -r)]
        .iter()
        .map(|d| ipt((c.0 + d.0, c.1 + d.1)))
        .collect();
    root.draw(&PathElement::new(
        ring.clone(),
        INK.mix(0.85).stroke_width(style.px(4.0)),
    ))
    .map_err(err)?;
    root.draw(&PathElement::new(ring, WHITE.stroke_width(style.px(2.0))))
        .map_err(err)?;
    let text = super::font(11.0 * style.scale)
        .color(&WHITE)
        .pos(Pos::new(HPos::Left, VPos::Center));
    root.draw(&Text::new(
        "held-out min",
        ipt((c.0 + r + 4.0 * style.scale, c.1)),
        text,
    ))
    .map_err(err)
}

/// A five-pointed star of outer radius `r` at pixel `c`.
fn star<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: (f64, f64), r: f64) -> DrawResult {
    let pts: Vec<(i32, i32)> = (0..10)
        .map(|i| {
            let a = core::f64::consts::PI * f64::from(i) / 5.0 - core::f64::consts::FRAC_PI_2;
            let rr = if i % 2 == 0 { r } else { r * 0.45 };
            ipt((c.0 + rr * libm::cos(a), c.1 + rr * libm::sin(a)))
        })
        .collect();
    root.draw(&Polygon::new(pts.clone(), WHITE.filled()))
        .map_err(err)?;
    let mut ring = pts;
    ring.push(ring[0]);
    root.draw(&PathElement::new(
        ring,
        INK.mix(0.8)
            .stroke_width(((r * 0.22).round() as u32).max(1)),
    ))
    .map_err(err)
}

/// Which of a trajectory's two strokes: the dark halo under it, or its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrailLayer {
    Halo,
    Line,
}

/// The pixels of `path[from..]` to stroke after pixel `last` (where the drawn part of the
/// trajectory ends, or `None` to start at `path[0]`), leaving out points closer than `min_px`
/// to the previous one kept (the last point is always kept). Returns the pixels, starting with
/// the join point, and the new end.
pub fn trail_pixels(
    vp: &Viewport,
    path: &[Vec2],
    from: usize,
    last: Option<(f64, f64)>,
    min_px: f64,
) -> (Vec<(f64, f64)>, (f64, f64)) {
    let px = |q: Vec2| {
        let (a, b) = vp.to_px(q);
        (a.clamp(-1e7, 1e7), b.clamp(-1e7, 1e7))
    };
    let start = match last {
        Some(l) if from > 0 => l,
        _ => path.first().map_or((0.0, 0.0), |&p| px(p)),
    };
    let mut out = vec![start];
    let mut end = start;
    let n = path.len();
    for (j, &p) in path.iter().enumerate().skip(from.max(1)) {
        let q = px(p);
        if libm::hypot(q.0 - end.0, q.1 - end.1) >= min_px || j + 1 == n {
            out.push(q);
            end = q;
        }
    }
    (out, end)
}

/// Strokes one trajectory's pixels (from [`trail_pixels`]) as the given layer, clipped to the
/// plot rectangle.
pub fn stroke_trail<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    vp: &Viewport,
    px: &[(f64, f64)],
    color: RGBColor,
    layer: TrailLayer,
    style: &MapStyle,
) -> DrawResult {
    let s = match layer {
        TrailLayer::Halo => INK.mix(0.55).stroke_width(style.px(4.2)),
        TrailLayer::Line => color.stroke_width(style.px(2.0)),
    };
    if px.len() == 1 {
        // A single point: a dot, so a run that has not moved still shows.
        return stroke(root, &[px[0], px[0]], vp.plot(), s);
    }
    stroke(root, px, vp.plot(), s)
}

/// Every run's whole trajectory: all halos, then all lines (every point kept when `min_px` is
/// 0).
pub fn draw_trails<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    vp: &Viewport,
    runs: &[RunMark],
    min_px: f64,
    style: &MapStyle,
) -> DrawResult {
    let pixels: Vec<Vec<(f64, f64)>> = runs
        .iter()
        .map(|r| trail_pixels(vp, r.path, 0, None, min_px).0)
        .collect();
    for layer in [TrailLayer::Halo, TrailLayer::Line] {
        for (r, px) in runs.iter().zip(&pixels) {
            stroke_trail(root, vp, px, r.color, layer, style)?;
        }
    }
    Ok(())
}

/// Each run's current point (a cross where it diverged) and the start.
pub fn draw_marks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    vp: &Viewport,
    runs: &[RunMark],
    start: Vec2,
    style: &MapStyle,
) -> DrawResult {
    let k = style.scale;
    let plot = vp.plot();
    for r in runs {
        let Some(&p) = r.path.last() else { continue };
        let c = vp.to_px(p);
        if !plot.contains(c) {
            continue;
        }
        if r.diverged {
            let s = 6.0 * k;
            let st = r.color.stroke_width(style.px(3.0));
            for (a, b) in [((-s, -s), (s, s)), ((s, -s), (-s, s))] {
                root.draw(&PathElement::new(
                    vec![ipt((c.0 + a.0, c.1 + a.1)), ipt((c.0 + b.0, c.1 + b.1))],
                    st,
                ))
                .map_err(err)?;
            }
        } else {
            let rad = style.px(5.0);
            root.draw(&Circle::new(ipt(c), rad, r.color.filled()))
                .map_err(err)?;
            root.draw(&Circle::new(
                ipt(c),
                rad,
                INK.mix(0.9).stroke_width(style.px(1.5)),
            ))
            .map_err(err)?;
        }
    }
    // Runs with a start of their own: a ring in their colour there.
    for r in runs
        .iter()
        .filter(|r| r.path.first().is_some_and(|&p| p != start))
    {
        let c = vp.to_px(r.path[0]);
        if plot.contains(c) {
            root.draw(&Circle::new(ipt(c), style.px(5.0), WHITE.filled()))
                .map_err(err)?;
            root.draw(&Circle::new(
                ipt(c),
                style.px(5.0),
                r.color.stroke_width(style.px(2.5)),
            ))
            .map_err(err)?;
        }
    }
    let c = vp.to_px(start);
    let used = runs.is_empty() || runs.iter().any(|r| r.path.first() == Some(&start));
    if used && plot.contains(c) {
        root.draw(&Circle::new(ipt(c), style.px(6.0), WHITE.filled()))
            .map_err(err)?;
        root.draw(&Circle::new(
            ipt(c),
            style.px(6.0),
            INK.mix(0.85).stroke_width(style.px(2.0)),
        ))
        .map_err(err)?;
        root.draw(&Circle::new(ipt(c), style.px(2.2), INK.mix(0.85).filled()))
            .map_err(err)?;
    }
    Ok(())
}

/// A legend in the plot's top-left corner: each run's colour and label.
pub fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    vp: &Viewport,
    runs: &[RunMark],
    style: &MapStyle,
) -> DrawResult {
    if runs.is_empty() {
        return Ok(());
    }
    let k = style.scale;
    let plot = vp.plot();
    let font = style.font(11.5);
    let row = 17.0 * k;
    let widest = runs
        .iter()
        .map(|r| {
            root.estimate_text_size(r.label, &font.clone().into_text_style(root))
                .map_or(8.0 * r.label.chars().count() as f64 * k, |(w, _)| {
                    f64::from(w)
                })
        })
        .fold(0.0, f64::max);
    let (x, y) = (plot.x + 8.0 * k, plot.y + 8.0 * k);
    let w = 30.0 * k + widest + 8.0 * k;
    let h = row * runs.len() as f64 + 8.0 * k;
    root.draw(&Rectangle::new(
        [ipt((x, y)), ipt((x + w, y + h))],
        WHITE.mix(0.85).filled(),
    ))
    .map_err(err)?;
    root.draw(&Rectangle::new(
        [ipt((x, y)), ipt((x + w, y + h))],
        AXIS_GREY.mix(0.5).stroke_width(style.px(1.0)),
    ))
    .map_err(err)?;
    let text = font
        .color(&RGBColor(40, 44, 52))
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, r) in runs.iter().enumerate() {
        let cy = y + 4.0 * k + row * (i as f64 + 0.5);
        root.draw(&PathElement::new(
            vec![ipt((x + 6.0 * k, cy)), ipt((x + 24.0 * k, cy))],
            r.color.stroke_width(style.px(3.0)),
        ))
        .map_err(err)?;
        root.draw(&Text::new(r.label, ipt((x + 30.0 * k, cy)), text.clone()))
            .map_err(err)?;
    }
    Ok(())
}

/// A `#rrggbb` or `#rgb` colour (grey when malformed).
pub fn parse_hex(c: &str) -> RGBColor {
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let d: Option<Vec<u8>> = c.trim_start_matches('#').bytes().map(digit).collect();
    match d.as_deref() {
        Some(&[r1, r0, g1, g0, b1, b0]) => RGBColor(r1 * 16 + r0, g1 * 16 + g0, b1 * 16 + b0),
        Some(&[r, g, b]) => RGBColor(r * 17, g * 17, b * 17),
        _ => RGBColor(128, 128, 128),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[allow(clippy::panic)] // tests may stop on failure
mod tests {
    use super::*;
    use crate::render::null::NullBackend;

    /// The narrowest view the viewport accepts, far from the origin, still lays out its axes
    /// (a view a few units in the last place wide made plotters' tick search loop forever).
    #[test]
    fn the_narrowest_accepted_view_draws() {
        let plot = plot_rect(600, 400, 1.0);
        let mut vp = Viewport::new([-1.0, 1.0, -1.0, 1.0], plot);
        let c = 9.0e8;
        assert!(
            !vp.set_view([c, c + 1e-6, c, c + 1e-6]),
            "narrower than a billionth of 9e8"
        );
        assert!(vp.set_view([c, c + 1.0, c, c + 1.0]));
        let s = Surface::expr("x^2 + y^2").unwrap_or_else(|e| panic!("{e}"));
        let base = MapBase::compute(&s, vp.view(), 32, 24);
        assert!(draws(&vp, &base, 600, 400));
    }

    /// A surface whose values span the whole f64 range gets a finite colour scale, said to be
    /// clamped.
    #[test]
    fn a_field_spanning_all_of_f64_is_clamped() {
        let s = Surface::expr("1.7e308*x").unwrap_or_else(|e| panic!("{e}"));
        let base = MapBase::compute(&s, [-1.0, 1.0, -1.0, 1.0], 16, 16);
        assert!(base.field.clamped);
        assert!((base.field.max - base.field.min).is_finite());
        let vp = Viewport::new([-1.0, 1.0, -1.0, 1.0], plot_rect(300, 300, 1.0));
        assert!(draws(&vp, &base, 300, 300));
    }

    /// Whether the map of `base` in `vp` draws without error on a `w`×`h` canvas.
    fn draws(vp: &Viewport, base: &MapBase, w: u32, h: u32) -> bool {
        let root = NullBackend::new(w, h).into_drawing_area();
        draw_base(
            &root,
            vp,
            base,
            &[],
            ("x", "y"),
            &MapStyle::new(1.0),
            &mut |_| Ok(()),
        )
        .is_ok()
    }
}
