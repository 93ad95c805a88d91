//! Overlays on the map: arrows, circles, boxes, curves, points and notes given in plane
//! coordinates ([`Shape`]), drawn on any plotters backend through the map's [`Viewport`].
//!
//! The geometry is computed elsewhere (the view "inside the optimizer",
//! [`crate::playground::inner`]) as plain data, so tests can check it exactly and every
//! picture (the page, SVG, PNG) shows the same. Each shape carries a [`Role`], which says what
//! it shows and decides how it looks.

use super::map::{MapStyle, INK as INK_ON_MAP};
use super::view::{clip_polyline, Rect, Viewport};
use crate::vec2::Vec2;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// What a shape shows (and so its colour and line).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Role {
    /// The point `θ_k`.
    Theta,
    /// The negative gradient, raw (before clipping), scaled by the overlay's arrow scale.
    Gradient,
    /// The negative gradient after clipping, on the same scale.
    ClippedGradient,
    /// The clipping threshold: a circle (norm) or a square (value), on the gradient's scale.
    Threshold,
    /// The step taken, `θ_{k+1} − θ_k`.
    Step,
    /// The momentum part of the step, `−μ v` (the velocity before the update).
    Momentum,
    /// Nesterov's look-ahead point `θ − μ v`, where its gradient is taken.
    LookAhead,
    /// The per-coordinate effective step of an adaptive rule: its two components and box.
    Coordinates,
    /// AdaBound's box of steps its rate bounds allow.
    Bounds,
    /// Lookahead's slow point `φ`.
    Slow,
    /// Lookahead's fast point before a synchronisation.
    Fast,
    /// The line from the fast point to the slow one.
    Tether,
    /// Lookahead's pull back towards the slow point.
    Pullback,
    /// A level curve of Newton's local quadratic model where the model's change from `L(θ_k)`,
    /// `gᵀd + ½ dᵀ M d`, equals `change`.
    Model { change: f64 },
    /// An asymptote of the model's level curves (an indefinite Hessian's hyperbolas).
    Asymptote,
    /// The stationary point of Newton's model.
    ModelCenter,
    /// The search direction of a line search.
    Direction,
    /// Line-search trial `index` (from 0, in the order evaluated); `accepted` for `θ_{k+1}`.
    Trial { index: usize, accepted: bool },
    /// A note in words.
    Note,
}

/// An overlay shape in plane coordinates.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// A straight arrow, its head at `to`.
    Arrow {
        from: Vec2,
        to: Vec2,
        label: Option<String>,
        role: Role,
    },
    /// A circle (round on the map: the map keeps equal aspect).
    Circle {
        center: Vec2,
        radius: f64,
        role: Role,
    },
    /// An axis-aligned box between two corners.
    Rect { a: Vec2, b: Vec2, role: Role },
    /// A polyline, closed back to its first point when `closed`.
    Polyline {
        points: Vec<Vec2>,
        closed: bool,
        role: Role,
    },
    /// A marked point.
    Point {
        at: Vec2,
        label: Option<String>,
        role: Role,
    },
    /// Words next to a point.
    Text { at: Vec2, text: String, role: Role },
}

impl Shape {
    pub fn role(&self) -> Role {
        match self {
            Shape::Arrow { role, .. }
            | Shape::Circle { role, .. }
            | Shape::Rect { role, .. }
            | Shape::Polyline { role, .. }
            | Shape::Point { role, .. }
            | Shape::Text { role, .. } => *role,
        }
    }
}

/// The colour of every role's strokes, as `#rrggbb` (what an SVG's `stroke` says).
pub const GRADIENT: RGBColor = RGBColor(0xff, 0x2d, 0x55);
pub const CLIPPED: RGBColor = RGBColor(0xff, 0x9f, 0x1c);
pub const STEP: RGBColor = RGBColor(0xff, 0xff, 0xff);
pub const MOMENTUM: RGBColor = RGBColor(0xff, 0xd6, 0x0a);
pub const COORDS: RGBColor = RGBColor(0x7d, 0xf9, 0xff);
pub const BOUNDS: RGBColor = RGBColor(0xc7, 0x7d, 0xff);
pub const LOOKAHEAD: RGBColor = RGBColor(0x06, 0xd6, 0xa0);
pub const MODEL: RGBColor = RGBColor(0xf1, 0xfa, 0xee);
pub const TRIAL: RGBColor = RGBColor(0xff, 0xff, 0xff);
pub const ACCEPTED: RGBColor = RGBColor(0xff, 0xd6, 0x0a);

/// How a role is drawn: colour, line width (CSS px), dashed, and whether a dark halo goes
/// under it.
struct Look {
    color: RGBColor,
    width: f64,
    dashed: bool,
    halo: bool,
}

fn look(role: Role) -> Look {
    let l = |color, width, dashed, halo| Look {
        color,
        width,
        dashed,
        halo,
    };
    match role {
        Role::Theta => l(STEP, 2.0, false, true),
        Role::Gradient => l(GRADIENT, 2.0, false, true),
        Role::ClippedGradient => l(CLIPPED, 2.0, false, true),
        Role::Threshold => l(STEP, 1.2, true, false),
        Role::Step => l(STEP, 2.2, false, true),
        Role::Momentum | Role::LookAhead => l(MOMENTUM, 1.8, false, true),
        Role::Coordinates => l(COORDS, 1.5, false, true),
        Role::Bounds => l(BOUNDS, 1.5, true, false),
        Role::Slow | Role::Fast | Role::Pullback => l(LOOKAHEAD, 1.8, false, true),
        Role::Tether => l(LOOKAHEAD, 1.2, true, false),
        Role::Model { .. } => l(MODEL, 1.0, false, false),
        Role::Asymptote => l(MODEL, 0.8, true, false),
        Role::ModelCenter => l(MODEL, 1.5, false, true),
        Role::Direction => l(TRIAL, 1.0, true, false),
        Role::Trial {
            accepted: false, ..
        } => l(TRIAL, 1.2, false, true),
        Role::Trial { accepted: true, .. } => l(ACCEPTED, 2.0, false, true),
        Role::Note => l(STEP, 1.0, false, false),
    }
}

type DrawResult = Result<(), String>;

fn err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> String {
    e.to_string()
}

/// Device pixels of `v` CSS pixels (at least 1).
fn px(style: &MapStyle, v: f64) -> u32 {
    (v * style.scale).round().max(1.0) as u32
}

/// A pixel position rounded as the map rounds its own (see `render::map`).
fn ipt(p: (f64, f64)) -> (i32, i32) {
    ((p.0 + 1e-3).floor() as i32, (p.1 - 1e-3).ceil() as i32)
}

/// The pixel of `p`, kept within ±1e7 (clipping does the rest); `None` if not finite.
fn to_px(vp: &Viewport, p: Vec2) -> Option<(f64, f64)> {
    if !p.is_finite() {
        return None;
    }
    let (a, b) = vp.to_px(p);
    (a.is_finite() && b.is_finite()).then(|| (a.clamp(-1e7, 1e7), b.clamp(-1e7, 1e7)))
}

/// Strokes the pixel polyline `pts`, clipped to `clip`, dashed if asked.
fn stroke<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    pts: &[(f64, f64)],
    clip: Rect,
    style: ShapeStyle,
    dash: Option<(f64, f64)>,
) -> DrawResult {
    for piece in clip_polyline(pts, clip) {
        let pieces = match dash {
            Some((on, off)) => dashes(&piece, on, off),
            None => vec![piece],
        };
        for p in pieces {
            let v: Vec<(i32, i32)> = p.into_iter().map(ipt).collect();
            root.draw(&PathElement::new(v, style)).map_err(err)?;
        }
    }
    Ok(())
}

/// Cuts a pixel polyline into dashes `on` long with gaps `off` long.
pub fn dashes(pts: &[(f64, f64)], on: f64, off: f64) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    if !(on > 0.0 && off >= 0.0) || pts.len() < 2 {
        return out;
    }
    let period = on + off;
    // Distance along the dash pattern, and the dash being built.
    let mut phase = 0.0_f64;
    let mut cur: Vec<(f64, f64)> = vec![pts[0]];
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = (b.0 - a.0).hypot(b.1 - a.1);
        let mut done = 0.0;
        // At most a few thousand dashes per segment (the segment is clipped to the plot).
        let mut guard = 0;
        while done < len && guard < 10_000 {
            guard += 1;
            let inside = phase < on;
            let left = if inside { on - phase } else { period - phase };
            let take = left.min(len - done);
            done += take;
            phase += take;
            let p = if done >= len {
                b
            } else {
                (
                    a.0 + (b.0 - a.0) * done / len,
                    a.1 + (b.1 - a.1) * done / len,
                )
            };
            if inside {
                cur.push(p);
            }
            if phase >= on && inside {
                if cur.len() >= 2 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
            if phase >= period {
                phase = 0.0;
                cur = vec![p];
            }
        }
    }
    if cur.len() >= 2 {
        out.push(cur);
    }
    out
}

/// Draws `shapes` through `vp`, clipped to its plot rectangle, in the given order (halos
/// first, so every line stays on top of every halo).
pub fn draw_shapes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    vp: &Viewport,
    shapes: &[Shape],
    style: &MapStyle,
) -> DrawResult {
    for halo in [true, false] {
        for s in shapes {
            draw_one(root, vp, s, style, halo)?;
        }
    }
    Ok(())
}

/// Pixels along the circle of plane radius `r` about `c`.
fn circle_px(vp: &Viewport, c: Vec2, r: f64) -> Vec<(f64, f64)> {
    (0..=96)
        .filter_map(|i| {
            let a = core::f64::consts::TAU * f64::from(i) / 96.0;
            to_px(vp, c + Vec2::new(r * libm::cos(a), r * libm::sin(a)))
        })
        .collect()
}

fn draw_one<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    vp: &Viewport,
    shape: &Shape,
    style: &MapStyle,
    halo: bool,
) -> DrawResult {
    let lk = look(shape.role());
    if halo && !lk.halo {
        return Ok(());
    }
    let k = style.scale;
    let plot = vp.plot();
    let width = if halo { lk.width + 2.4 } else { lk.width };
    let line = if halo {
        INK_ON_MAP.mix(0.55).stroke_width(px(style, width))
    } else {
        lk.color.stroke_width(px(style, width))
    };
    let dash = lk.dashed.then_some((5.0 * k, 4.0 * k));
    match shape {
        Shape::Arrow {
            from, to, label, ..
        } => {
            let (Some(a), Some(b)) = (to_px(vp, *from), to_px(vp, *to)) else {
                return Ok(());
            };
            let len = (b.0 - a.0).hypot(b.1 - a.1);
            if len < 0.5 {
                return Ok(());
            }
            stroke(root, &[a, b], plot, line, dash)?;
            if plot.contains(b) {
                // The head: a filled triangle back from the tip.
                let (ux, uy) = ((b.0 - a.0) / len, (b.1 - a.1) / len);
                let h = (9.0 * k).min(0.6 * len);
                let w = 0.45 * h;
                let base = (b.0 - ux * h, b.1 - uy * h);
                let pts = vec![
                    ipt(b),
                    ipt((base.0 - uy * w, base.1 + ux * w)),
                    ipt((base.0 + uy * w, base.1 - ux * w)),
                ];
                if halo {
                    let mut ring = pts.clone();
                    ring.push(pts[0]);
                    root.draw(&PathElement::new(ring, line)).map_err(err)?;
                } else {
                    root.draw(&Polygon::new(pts, lk.color.filled()))
                        .map_err(err)?;
                }
                if let (Some(t), false) = (label, halo) {
                    // Beside the tip, on the side away from the shaft's start.
                    let at = (b.0 + ux * 6.0 * k, b.1 + uy * 6.0 * k);
                    label_at(root, t, at, lk.color, style)?;
                }
            }
        }
        Shape::Circle { center, radius, .. } => {
            let pts = circle_px(vp, *center, *radius);
            stroke(root, &pts, plot, line, dash)?;
        }
        Shape::Rect { a, b, .. } => {
            let corners = [
                Vec2::new(a.x, a.y),
                Vec2::new(b.x, a.y),
                Vec2::new(b.x, b.y),
                Vec2::new(a.x, b.y),
                Vec2::new(a.x, a.y),
            ];
            let pts: Vec<(f64, f64)> = corners.iter().filter_map(|&p| to_px(vp, p)).collect();
            if pts.len() == 5 {
                stroke(root, &pts, plot, line, dash)?;
            }
        }
        Shape::Polyline { points, closed, .. } => {
            let mut pts: Vec<(f64, f64)> = points.iter().filter_map(|&p| to_px(vp, p)).collect();
            if *closed {
                if let Some(&first) = pts.first() {
                    pts.push(first);
                }
            }
            stroke(root, &pts, plot, line, dash)?;
        }
        Shape::Point { at, label, role } => {
            let Some(c) = to_px(vp, *at) else {
                return Ok(());
            };
            if !plot.contains(c) {
                return Ok(());
            }
            let r = match role {
                Role::Trial {
                    accepted: false, ..
                } => 3.0,
                Role::Theta | Role::Trial { .. } => 5.0,
                _ => 4.0,
            };
            if halo {
                root.draw(&Circle::new(
                    ipt(c),
                    px(style, r + 1.2),
                    INK_ON_MAP.mix(0.55).filled(),
                ))
                .map_err(err)?;
                return Ok(());
            }
            // Hollow for points the iteration passes through, filled for the rest.
            let hollow = matches!(
                role,
                Role::Theta | Role::Fast | Role::LookAhead | Role::Trial { accepted: true, .. }
            );
            if hollow {
                root.draw(&Circle::new(
                    ipt(c),
                    px(style, r),
                    lk.color.stroke_width(px(style, 2.0)),
                ))
                .map_err(err)?;
            } else {
                root.draw(&Circle::new(ipt(c), px(style, r), lk.color.filled()))
                    .map_err(err)?;
            }
            if let Some(t) = label {
                // Above right; the model's centre below right (a step arrow often ends there,
                // its label above).
                let dy = if *role == Role::ModelCenter {
                    r + 8.0
                } else {
                    -(r + 2.0)
                };
                label_at(
                    root,
                    t,
                    (c.0 + (r + 3.0) * k, c.1 + dy * k),
                    lk.color,
                    style,
                )?;
            }
        }
        Shape::Text { at, text, .. } => {
            if halo {
                return Ok(());
            }
            let Some(c) = to_px(vp, *at) else {
                return Ok(());
            };
            if plot.contains(c) {
                label_at(root, text, (c.0 + 8.0 * k, c.1 + 12.0 * k), lk.color, style)?;
            }
        }
    }
    Ok(())
}

/// A short label at pixel `at` (its left middle) on a dark translucent backing, so it reads on
/// every colour of the map.
fn label_at<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at: (f64, f64),
    color: RGBColor,
    style: &MapStyle,
) -> DrawResult {
    if text.is_empty() {
        return Ok(());
    }
    let k = style.scale;
    let font = super::font(11.0 * k);
    let ts = font
        .clone()
        .color(&color)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let (w, h) = root
        .estimate_text_size(text, &font.into_text_style(root))
        .map_or(
            (7.0 * k * text.chars().count() as f64, 12.0 * k),
            |(w, h)| (f64::from(w), f64::from(h)),
        );
    let pad = 2.0 * k;
    root.draw(&Rectangle::new(
        [
            ipt((at.0 - pad, at.1 - 0.5 * h - pad)),
            ipt((at.0 + w + pad, at.1 + 0.5 * h + pad)),
        ],
        INK_ON_MAP.mix(0.6).filled(),
    ))
    .map_err(err)?;
    root.draw(&Text::new(text.to_string(), ipt(at), ts))
        .map_err(err)
}

/// Lines of text in a box at the bottom left of the plot (a figure's account of the numbers).
pub fn draw_notes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    vp: &Viewport,
    lines: &[String],
    style: &MapStyle,
) -> DrawResult {
    if lines.is_empty() {
        return Ok(());
    }
    let k = style.scale;
    let plot = vp.plot();
    let font = super::font(11.0 * k);
    let row = 15.0 * k;
    let widest = lines
        .iter()
        .map(|l| {
            root.estimate_text_size(l, &font.clone().into_text_style(root))
                .map_or(7.0 * k * l.chars().count() as f64, |(w, _)| f64::from(w))
        })
        .fold(0.0, f64::max);
    let (w, h) = (widest + 12.0 * k, row * lines.len() as f64 + 8.0 * k);
    let (x, y) = (plot.x + 8.0 * k, plot.bottom() - 8.0 * k - h);
    root.draw(&Rectangle::new(
        [ipt((x, y)), ipt((x + w, y + h))],
        WHITE.mix(0.88).filled(),
    ))
    .map_err(err)?;
    let text = font
        .color(&INK_ON_MAP)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, l) in lines.iter().enumerate() {
        let cy = y + 4.0 * k + row * (i as f64 + 0.5);
        root.draw(&Text::new(l.clone(), ipt((x + 6.0 * k, cy)), text.clone()))
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// Dashes cover `on` of every `on + off` along the line, in order.
    #[test]
    fn dashes_alternate() {
        let d = dashes(&[(0.0, 0.0), (20.0, 0.0)], 5.0, 3.0);
        let spans: Vec<(f64, f64)> = d.iter().map(|p| (p[0].0, p[p.len() - 1].0)).collect();
        assert_eq!(spans, vec![(0.0, 5.0), (8.0, 13.0), (16.0, 20.0)]);
        // Around a corner a dash bends with the line.
        let d = dashes(&[(0.0, 0.0), (3.0, 0.0), (3.0, 4.0)], 5.0, 1.0);
        assert_eq!(d[0], vec![(0.0, 0.0), (3.0, 0.0), (3.0, 2.0)]);
        assert!(dashes(&[(0.0, 0.0)], 5.0, 1.0).is_empty());
        assert!(dashes(&[(0.0, 0.0), (1.0, 1.0)], f64::NAN, 1.0).is_empty());
    }
}
