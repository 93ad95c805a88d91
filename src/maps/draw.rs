//! Drawing a [`Map`] with plotters on any `DrawingBackend` (the page's canvas, the command
//! line's SVG and PNG): the pixels as a dense image through a `paint` callback (the page puts
//! it with `putImageData`, a figure embeds or blits it), axes labelled in the hyperparameters'
//! units (log axes at decades), the run's own values marked, and a colour bar of the metric
//! with the colours of diverged and unreached pixels, or on a basin map one colour per minimum
//! with the minima marked and a legend.

use super::{Axis, Map, MapKind, Metric, DIVERGED};
use crate::render::chart::log_ticks;
use crate::render::colormap::Lut;
use crate::render::view::Rect;
use crate::render::{fmt_num, nice_ticks, Field};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

/// A diverged run on a hyperparameter map.
pub const DIVERGED_RGB: [u8; 3] = [214, 39, 40];
/// A run that never reached the tolerance (steps and evaluations metrics).
pub const UNREACHED_RGB: [u8; 3] = [196, 198, 206];
/// A diverged run on a basin map.
pub const BASIN_DIVERGED_RGB: [u8; 3] = [34, 36, 44];
/// A run that did not settle at a minimum on a basin map.
pub const UNSETTLED_RGB: [u8; 3] = [214, 216, 222];
/// The minima's colours on a basin map, in order (then again, darker).
pub const PALETTE: [[u8; 3]; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [148, 103, 189],
    [23, 190, 207],
    [227, 119, 194],
    [188, 189, 34],
    [140, 86, 75],
    [86, 180, 233],
    [240, 196, 25],
];

const INK: RGBColor = RGBColor(15, 18, 30);
const GREY: RGBColor = RGBColor(90, 96, 110);
const BACKGROUND: RGBColor = RGBColor(250, 250, 252);

/// The margins around the plot, in CSS pixels: left (y labels), top (title), right (colour bar
/// or legend), bottom (x labels).
const LEFT: f64 = 62.0;
const TOP: f64 = 28.0;
const RIGHT_HYPER: f64 = 96.0;
const RIGHT_BASIN: f64 = 150.0;
const BOTTOM: f64 = 44.0;

/// How a map is drawn.
#[derive(Clone, Copy, Debug)]
pub struct Look {
    /// Device pixels per CSS pixel.
    pub scale: f64,
    pub metric: Metric,
    /// Fill behind everything (`None`: transparent).
    pub background: Option<RGBColor>,
}

impl Look {
    pub fn new(scale: f64, metric: Metric) -> Look {
        Look {
            scale,
            metric,
            background: Some(BACKGROUND),
        }
    }
}

/// Where the map's pixels go on a `width` × `height` picture at scale `k`.
pub fn plot_rect(width: u32, height: u32, kind: MapKind, k: f64) -> Rect {
    let right = match kind {
        MapKind::Hyper => RIGHT_HYPER,
        MapKind::Basin => RIGHT_BASIN,
    };
    let x = (LEFT * k).round();
    let y = (TOP * k).round();
    Rect {
        x,
        y,
        w: (f64::from(width) - x - (right * k).round()).max(1.0),
        h: (f64::from(height) - y - (BOTTOM * k).round()).max(1.0),
    }
}

/// The colour scale of `metric` over the map's pixels (NaN pixels take no part).
pub fn field(map: &Map, metric: Metric) -> Field {
    Field::from_values(
        [map.x.min, map.x.max, map.y.min, map.y.max],
        map.width,
        map.height,
        map.values(metric),
    )
}

/// The colour of basin `i`.
pub fn basin_rgb(i: usize) -> [u8; 3] {
    let c = PALETTE[i % PALETTE.len()];
    // Later rounds of the palette darker, so neighbours rarely match.
    let f = 1.0 - 0.22 * ((i / PALETTE.len()) % 3) as f64;
    c.map(|v| (f64::from(v) * f) as u8)
}

/// The map's pixels as RGBA (row-major, `width` × `height`, row 0 at the top).
pub fn rgba(map: &Map, metric: Metric) -> Vec<u8> {
    let mut out = Vec::with_capacity(map.width * map.height * 4);
    let mut put = |c: [u8; 3]| out.extend_from_slice(&[c[0], c[1], c[2], 255]);
    match (&map.basins, map.kind) {
        (Some(b), MapKind::Basin) => {
            for &l in &b.labels {
                put(match l {
                    DIVERGED => BASIN_DIVERGED_RGB,
                    l if l >= 0 => basin_rgb(l as usize),
                    _ => UNSETTLED_RGB,
                });
            }
        }
        _ => {
            // The field's own colours (`Field::rgba`: on a log scale by comparisons, not a
            // logarithm a pixel), over which diverged and unreached pixels take theirs.
            let f = field(map, metric);
            for (i, (v, c)) in f.values.iter().zip(f.rgba().chunks_exact(4)).enumerate() {
                put(if map.diverged.get(i).copied().unwrap_or(false) {
                    DIVERGED_RGB
                } else if v.is_nan() {
                    UNREACHED_RGB
                } else {
                    [c[0], c[1], c[2]]
                });
            }
        }
    }
    out
}

type DrawResult = Result<(), String>;

fn err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> String {
    e.to_string()
}

fn ip(p: (f64, f64)) -> (i32, i32) {
    (p.0.round() as i32, p.1.round() as i32)
}

/// The ticks of an axis as positions in [0, 1] with their labels.
fn ticks(a: &Axis) -> Vec<(f64, String)> {
    if a.log {
        let (lo, hi) = (libm::log10(a.min), libm::log10(a.max));
        log_ticks(lo, hi)
            .into_iter()
            .map(|t| ((t - lo) / (hi - lo), fmt_num(libm::pow(10.0, t))))
            .collect()
    } else {
        nice_ticks(a.min, a.max, 5)
            .into_iter()
            .map(|v| (a.position(v), fmt_num(v)))
            .collect()
    }
}

/// Draws `map` on `root`: background, pixels (through `paint`, given the plot rectangle),
/// axes, marks and the colour bar or legend.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    map: &Map,
    look: &Look,
    paint: &mut dyn FnMut(Rect) -> DrawResult,
) -> DrawResult {
    let k = look.scale;
    let font = |size: f64| crate::render::font(size * k);
    let px = |v: f64| (v * k).round().max(1.0) as u32;
    if let Some(bg) = look.background {
        root.fill(&bg).map_err(err)?;
    }
    let (w, h) = root.dim_in_pixel();
    let p = plot_rect(w, h, map.kind, k);
    paint(p)?;
    let at = |tx: f64, ty: f64| (p.x + tx * p.w, p.y + (1.0 - ty) * p.h);
    root.draw(&Rectangle::new(
        [ip((p.x, p.y)), ip((p.right(), p.bottom()))],
        GREY.stroke_width(px(1.0)),
    ))
    .map_err(err)?;
    // Axes: ticks and labels.
    let label = font(11.0).color(&GREY);
    for (t, text) in ticks(&map.x) {
        let (x, y) = at(t, 0.0);
        root.draw(&PathElement::new(
            vec![ip((x, y)), ip((x, y + 4.0 * k))],
            GREY.stroke_width(px(1.0)),
        ))
        .map_err(err)?;
        let s = label.clone().pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(text, ip((x, y + 6.0 * k)), s))
            .map_err(err)?;
    }
    for (t, text) in ticks(&map.y) {
        let (x, y) = at(0.0, t);
        root.draw(&PathElement::new(
            vec![ip((x - 4.0 * k, y)), ip((x, y))],
            GREY.stroke_width(px(1.0)),
        ))
        .map_err(err)?;
        let s = label.clone().pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(text, ip((x - 6.0 * k, y)), s))
            .map_err(err)?;
    }
    let desc = font(12.0).color(&GREY);
    let log_note = |a: &Axis| {
        if a.log {
            format!("{} (log)", a.label)
        } else {
            a.label.clone()
        }
    };
    root.draw(&Text::new(
        log_note(&map.x),
        ip((p.x + p.w / 2.0, p.bottom() + 24.0 * k)),
        desc.clone().pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        log_note(&map.y),
        ip((p.x - 48.0 * k, p.y + p.h / 2.0)),
        desc.clone()
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(err)?;
    let title = match map.kind {
        MapKind::Hyper => format!(
            "{} over {} × {}",
            look.metric.title(),
            map.x.label,
            map.y.label
        ),
        MapKind::Basin => "where each start ends (basins)".to_string(),
    };
    root.draw(&Text::new(
        title,
        ip((p.x, p.y - 8.0 * k)),
        font(12.5)
            .color(&RGBColor(40, 44, 52))
            .pos(Pos::new(HPos::Left, VPos::Bottom)),
    ))
    .map_err(err)?;
    // The minima of a basin map.
    if let Some(b) = &map.basins {
        for (i, m) in b.minima.iter().enumerate() {
            let (tx, ty) = (map.x.position(m.point[0]), map.y.position(m.point[1]));
            if !((0.0..=1.0).contains(&tx) && (0.0..=1.0).contains(&ty)) || m.count == 0 && !m.known
            {
                continue;
            }
            let c = at(tx, ty);
            let [r, g, bl] = basin_rgb(i);
            let size = if m.known { 6.0 } else { 4.0 } * k;
            root.draw(&Circle::new(ip(c), size as i32, WHITE.filled()))
                .map_err(err)?;
            root.draw(&Circle::new(
                ip(c),
                (size * 0.62) as i32,
                RGBColor(r, g, bl).filled(),
            ))
            .map_err(err)?;
            root.draw(&Circle::new(ip(c), size as i32, INK.stroke_width(px(1.0))))
                .map_err(err)?;
        }
    }
    // The run's own values: a ring with a cross.
    let (tx, ty) = (
        map.x.position(map.current[0]),
        map.y.position(map.current[1]),
    );
    if (0.0..=1.0).contains(&tx) && (0.0..=1.0).contains(&ty) {
        let c = at(tx, ty);
        let r = 7.0 * k;
        for (color, width) in [(INK, 3.5), (WHITE, 1.6)] {
            root.draw(&Circle::new(ip(c), r as i32, color.stroke_width(px(width))))
                .map_err(err)?;
            for (dx, dy) in [(1.0, 0.0), (0.0, 1.0)] {
                root.draw(&PathElement::new(
                    vec![
                        ip((c.0 - dx * r * 1.6, c.1 - dy * r * 1.6)),
                        ip((c.0 - dx * r, c.1 - dy * r)),
                    ],
                    color.stroke_width(px(width)),
                ))
                .map_err(err)?;
                root.draw(&PathElement::new(
                    vec![
                        ip((c.0 + dx * r, c.1 + dy * r)),
                        ip((c.0 + dx * r * 1.6, c.1 + dy * r * 1.6)),
                    ],
                    color.stroke_width(px(width)),
                ))
                .map_err(err)?;
            }
        }
    }
    match map.kind {
        MapKind::Hyper => colorbar(root, map, look, p),
        MapKind::Basin => legend(root, map, look, p),
    }
}

/// A swatch and its text at `(x, y)` (the swatch's top left).
fn swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, y): (f64, f64),
    rgb: [u8; 3],
    text: &str,
    k: f64,
) -> DrawResult {
    let s = 10.0 * k;
    root.draw(&Rectangle::new(
        [ip((x, y)), ip((x + s, y + s))],
        RGBColor(rgb[0], rgb[1], rgb[2]).filled(),
    ))
    .map_err(err)?;
    root.draw(&Rectangle::new(
        [ip((x, y)), ip((x + s, y + s))],
        GREY.stroke_width(1),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        text.to_string(),
        ip((x + s + 5.0 * k, y + s / 2.0)),
        crate::render::font(10.5 * k)
            .color(&GREY)
            .pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(err)
}

/// The colour bar of the metric right of the plot, with swatches for diverged and unreached.
fn colorbar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    map: &Map,
    look: &Look,
    p: Rect,
) -> DrawResult {
    let k = look.scale;
    let f = field(map, look.metric);
    let x = p.right() + 14.0 * k;
    let bw = 12.0 * k;
    // Room at the bottom for the swatches.
    let sw = match look.metric {
        Metric::Loss => 1.0,
        _ => 2.0,
    };
    let bh = (p.h - sw * 16.0 * k - 8.0 * k).max(20.0 * k);
    let lut = Lut::viridis();
    let n = 96;
    let finite = f.values.iter().any(|v| v.is_finite());
    if finite {
        for i in 0..n {
            let t = 1.0 - (f64::from(i) + 0.5) / f64::from(n);
            let [r, g, b] = lut.at(t);
            let ya = p.y + bh * f64::from(i) / f64::from(n);
            let yb = p.y + bh * f64::from(i + 1) / f64::from(n);
            root.draw(&Rectangle::new(
                [ip((x, ya)), ip((x + bw, yb))],
                RGBColor(r, g, b).filled(),
            ))
            .map_err(err)?;
        }
        root.draw(&Rectangle::new(
            [ip((x, p.y)), ip((x + bw, p.y + bh))],
            GREY.stroke_width(1),
        ))
        .map_err(err)?;
        let text = crate::render::font(10.5 * k)
            .color(&GREY)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for i in 0..5 {
            let t = f64::from(i) / 4.0;
            let y = p.y + bh * (1.0 - t);
            let v = f.denormalize(t);
            root.draw(&Text::new(
                fmt_num(v),
                ip((x + bw + 5.0 * k, y)),
                text.clone(),
            ))
            .map_err(err)?;
        }
    }
    let mut y = p.bottom() - sw * 16.0 * k + 4.0 * k;
    swatch(root, (x, y), DIVERGED_RGB, "diverged", k)?;
    if look.metric != Metric::Loss {
        y += 16.0 * k;
        swatch(root, (x, y), UNREACHED_RGB, "not reached", k)?;
    }
    Ok(())
}

/// The basins' legend right of the plot: the largest basins with their minima, then diverged
/// and did not settle, each with its share of the starts.
fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    map: &Map,
    look: &Look,
    p: Rect,
) -> DrawResult {
    let k = look.scale;
    let Some(b) = &map.basins else {
        return Ok(());
    };
    let total = b.labels.len().max(1) as f64;
    let share = |n: usize| format!("{:.0}%", 100.0 * n as f64 / total);
    let x = p.right() + 12.0 * k;
    let mut y = p.y;
    let rows = (((p.h / k) - 40.0) / 16.0).floor().max(1.0) as usize;
    let mut order: Vec<usize> = (0..b.minima.len())
        .filter(|&i| b.minima[i].count > 0)
        .collect();
    order.sort_by_key(|&i| std::cmp::Reverse(b.minima[i].count));
    let shown = order.len().min(rows.saturating_sub(1));
    for &i in &order[..shown] {
        let m = &b.minima[i];
        let text = format!(
            "({}, {}) {}",
            fmt_num(m.point[0]),
            fmt_num(m.point[1]),
            share(m.count)
        );
        swatch(root, (x, y), basin_rgb(i), &text, k)?;
        y += 16.0 * k;
    }
    if order.len() > shown {
        let rest: usize = order[shown..].iter().map(|&i| b.minima[i].count).sum();
        root.draw(&Text::new(
            format!("{} more {}", order.len() - shown, share(rest)),
            ip((x, y + 5.0 * k)),
            crate::render::font(10.5 * k)
                .color(&GREY)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
        y += 16.0 * k;
    }
    let count = |l: i32| b.labels.iter().filter(|&&v| v == l).count();
    y += 4.0 * k;
    let d = count(DIVERGED);
    swatch(
        root,
        (x, y),
        BASIN_DIVERGED_RGB,
        &format!("diverged {}", share(d)),
        k,
    )?;
    y += 16.0 * k;
    let u = count(super::UNSETTLED);
    swatch(
        root,
        (x, y),
        UNSETTLED_RGB,
        &format!("did not settle {}", share(u)),
        k,
    )
}

/// The map's pixels scaled to `w` × `h` (nearest pixel: a map pixel is one run) as RGB.
pub fn upscale(map: &Map, rgba: &[u8], w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for j in 0..h {
        let row = ((f64::from(j) + 0.5) / f64::from(h) * map.height as f64) as usize;
        let row = row.min(map.height - 1);
        for i in 0..w {
            let col = ((f64::from(i) + 0.5) / f64::from(w) * map.width as f64) as usize;
            let at = 4 * (row * map.width + col.min(map.width - 1));
            out.extend_from_slice(&rgba[at..at + 3]);
        }
    }
    out
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::*;
    use crate::playground::figure::{encode_png, fonts, png_data_uri, svg_with};
    use crate::render::map::MapBase;

    /// The map as SVG text of `width` × `height`, its pixels an embedded PNG.
    pub fn svg(map: &Map, look: &Look, width: u32, height: u32) -> Result<String, String> {
        fonts();
        let uri = png_data_uri(&rgba(map, look.metric), map.width, map.height)?;
        // The figure's SVG writer wants a colour map; it is given the map's image instead.
        let base = MapBase {
            field: Field::from_values([0.0, 1.0, 0.0, 1.0], 2, 2, vec![0.0; 4]),
            contours: Vec::new(),
        };
        svg_with::<SVGBackend>((width, height), &mut |_| Ok(uri.clone()), |root, paint| {
            draw(root, map, look, &mut |r| paint(&base, r))
        })
    }

    /// The map as PNG bytes of `width` × `height`.
    pub fn png(map: &Map, look: &Look, width: u32, height: u32) -> Result<Vec<u8>, String> {
        fonts();
        let pixels = rgba(map, look.metric);
        let mut buf = vec![255u8; (width * height * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
            draw(&root, map, look, &mut |r| {
                let (x, y) = (r.x.round() as i32, r.y.round() as i32);
                let (w, h) = (r.w.round().max(1.0) as u32, r.h.round().max(1.0) as u32);
                let el =
                    BitMapElement::with_owned_buffer((x, y), (w, h), upscale(map, &pixels, w, h))
                        .ok_or("the map's image does not fit")?;
                root.draw(&el).map_err(|e| e.to_string())
            })?;
            root.present().map_err(|e| e.to_string())?;
        }
        let rgba: Vec<u8> = buf
            .chunks(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect();
        encode_png(&rgba, width, height)
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::{png, svg};
