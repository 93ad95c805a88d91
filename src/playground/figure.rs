//! Figures for papers, slides and documentation: the page's panels side by side, drawn by the
//! same code as the page ([`super::scene`]), written as SVG (text stays text, the colour map
//! an embedded PNG) or PNG (text rasterized with an embedded DejaVu Sans).
//!
//! ```
//! use optimizer_playground::playground::{Playground, figure::{Figure, svg}};
//! let mut pg = Playground::new(Playground::default_scenario()).unwrap();
//! pg.step(100);
//! let text = svg(&mut pg, &Figure::new(900, 400)).unwrap();
//! assert!(text.starts_with("<svg") && text.contains(r#"width="900""#));
//! ```

use super::scene::Panel;
use super::Playground;
use crate::render::map::{MapBase, MapStyle};
use crate::render::overlay;
use crate::render::view::Rect;
use crate::render::Field;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// The largest side of a figure in pixels.
pub const MAX_SIDE: u32 = 8192;

/// What a figure shows and how large it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Size in pixels (SVG user units).
    pub width: u32,
    pub height: u32,
    /// The panels, left to right.
    pub panels: Vec<Panel>,
    /// White, or transparent (`false`).
    pub white: bool,
    /// Size of text and lines: pixels per CSS pixel of the page.
    pub scale: f64,
    /// A legend of the runs on the map.
    pub legend: bool,
}

impl Figure {
    /// The map, the loss and the learning-rate charts side by side on white, at the page's
    /// sizes of text and lines.
    pub fn new(width: u32, height: u32) -> Figure {
        Figure {
            width,
            height,
            panels: vec![Panel::Map, Panel::Loss, Panel::Lr],
            white: true,
            scale: 1.0,
            legend: true,
        }
    }

    /// Where each panel goes: side by side, the map twice as wide as a chart.
    pub fn layout(&self) -> Vec<(Panel, Rect)> {
        let weight = |p: &Panel| if *p == Panel::Map { 2.0 } else { 1.0 };
        let total: f64 = self.panels.iter().map(weight).sum();
        let mut x = 0.0_f64;
        self.panels
            .iter()
            .map(|p| {
                let w = f64::from(self.width) * weight(p) / total;
                let r = Rect {
                    x: x.round(),
                    y: 0.0,
                    w: (x + w).round() - x.round(),
                    h: f64::from(self.height),
                };
                x += w;
                (*p, r)
            })
            .collect()
    }
}

type DrawResult = Result<(), String>;

/// Draws the figure's panels into `root`. `paint` puts the colour map (an RGBA image of
/// `field.nx` × `field.ny`) into the plot rectangle it is given (in `root`'s pixels).
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    pg: &mut Playground,
    fig: &Figure,
    paint: &mut dyn FnMut(&MapBase, Rect) -> DrawResult,
) -> DrawResult {
    let bg = fig.white.then_some(WHITE);
    if let Some(c) = bg {
        root.fill(&c).map_err(|e| e.to_string())?;
    }
    for (panel, r) in fig.layout() {
        let area = root
            .clone()
            .shrink((r.x as i32, r.y as i32), (r.w as u32, r.h as u32));
        match panel {
            Panel::Map => {
                pg.set_canvas(r.w as u32, r.h as u32, fig.scale);
                let style = MapStyle {
                    background: bg,
                    ..MapStyle::new(fig.scale)
                };
                // Every point of every trajectory.
                pg.draw_map(&area, &style, 0.0, fig.legend, &mut |b, plot| {
                    paint(
                        b,
                        Rect {
                            x: plot.x + r.x,
                            y: plot.y + r.y,
                            ..plot
                        },
                    )
                })?;
                // The view inside the optimizer, and its numbers in a box.
                if pg.show_inner() {
                    pg.draw_inner(&area, &style)?;
                    overlay::draw_notes(&area, pg.viewport(), &pg.inner_text(), &style)?;
                }
            }
            Panel::Loss | Panel::Lr => pg.draw_chart(&area, panel, fig.scale, bg)?,
            Panel::Scatter => pg.draw_scatter(&area, fig.scale, bg)?,
        }
    }
    root.present().map_err(|e| e.to_string())
}

/// SVG text or another backend `B`. The page draws on its canvases through
/// `Backend<CanvasBackend>` and its SVG export through the same type, so the drawing code (the
/// map, the charts, the scatter plot, the view inside an optimizer) is compiled once for both:
/// a second copy for the SVG backend alone would cost the wasm about 33 KB gzipped.
pub enum Backend<'a, B> {
    Svg(SVGBackend<'a>),
    Other(B),
}

/// A drawing error of either backend, as text.
#[derive(Debug)]
pub struct BackendError(String);

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BackendError {}

type Dek = DrawingErrorKind<BackendError>;

fn cast<E: std::error::Error + Send + Sync>(e: DrawingErrorKind<E>) -> Dek {
    match e {
        DrawingErrorKind::DrawingError(e) => {
            DrawingErrorKind::DrawingError(BackendError(e.to_string()))
        }
        DrawingErrorKind::FontError(e) => DrawingErrorKind::FontError(e),
    }
}

/// The same call on whichever backend it is.
macro_rules! either {
    ($self:expr, $b:ident => $call:expr) => {
        match $self {
            Backend::Svg($b) => $call.map_err(cast),
            Backend::Other($b) => $call.map_err(cast),
        }
    };
}

/// A style reduced to what a backend reads of it: the backends below are compiled for this one
/// style (and for paths in a vector) rather than once per style type of every caller.
#[derive(Clone, Copy)]
struct Stroke(BackendColor, u32);

impl BackendStyle for Stroke {
    fn color(&self) -> BackendColor {
        self.0
    }
    fn stroke_width(&self) -> u32 {
        self.1
    }
}

fn stroke<S: BackendStyle>(s: &S) -> Stroke {
    Stroke(s.color(), s.stroke_width())
}

impl<B: DrawingBackend> Backend<'_, B> {
    #[inline(never)]
    fn line(&mut self, from: BackendCoord, to: BackendCoord, s: Stroke) -> Result<(), Dek> {
        either!(self, b => b.draw_line(from, to, &s))
    }
    #[inline(never)]
    fn rect(&mut self, a: BackendCoord, c: BackendCoord, s: Stroke, fill: bool) -> Result<(), Dek> {
        either!(self, b => b.draw_rect(a, c, &s, fill))
    }
    #[inline(never)]
    fn path(&mut self, pts: Vec<BackendCoord>, s: Stroke, fill: bool) -> Result<(), Dek> {
        if fill {
            either!(self, b => b.fill_polygon(pts, &s))
        } else {
            either!(self, b => b.draw_path(pts, &s))
        }
    }
    #[inline(never)]
    fn circle(&mut self, c: BackendCoord, r: u32, s: Stroke, fill: bool) -> Result<(), Dek> {
        either!(self, b => b.draw_circle(c, r, &s, fill))
    }
}

impl<B: DrawingBackend> DrawingBackend for Backend<'_, B> {
    type ErrorType = BackendError;
    fn get_size(&self) -> (u32, u32) {
        match self {
            Backend::Svg(b) => b.get_size(),
            Backend::Other(b) => b.get_size(),
        }
    }
    fn ensure_prepared(&mut self) -> Result<(), Dek> {
        either!(self, b => b.ensure_prepared())
    }
    fn present(&mut self) -> Result<(), Dek> {
        either!(self, b => b.present())
    }
    fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> Result<(), Dek> {
        either!(self, b => b.draw_pixel(p, c))
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Dek> {
        self.line(from, to, stroke(style))
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        c: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Dek> {
        self.rect(a, c, stroke(style), fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Dek> {
        self.path(path.into_iter().collect(), stroke(style), false)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        c: BackendCoord,
        r: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Dek> {
        self.circle(c, r, stroke(style), fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Dek> {
        self.path(vert.into_iter().collect(), stroke(style), true)
    }
    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), Dek> {
        either!(self, b => b.draw_text(text, style, pos))
    }
    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), Dek> {
        either!(self, b => b.estimate_text_size(text, style))
    }
    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), Dek> {
        either!(self, b => b.blit_bitmap(pos, size, src))
    }
}

/// A colour of the map that nothing else uses: its rectangle is replaced by the image.
const SENTINEL: RGBColor = RGBColor(1, 2, 3);

/// SVG text of `size` drawn by `draw` through [`Backend<B>`] (`B`: the backend the caller
/// draws on otherwise). `draw` is given the drawing area and the painter of the colour map,
/// which `image` gives as the URI of an image of its RGBA cells (the command line encodes a
/// PNG, the page lets the browser do it).
pub fn svg_with<B: DrawingBackend>(
    size: (u32, u32),
    image: &mut dyn FnMut(&Field) -> Result<String, String>,
    draw: impl FnOnce(
        &DrawingArea<Backend<'_, B>, Shift>,
        &mut dyn FnMut(&MapBase, Rect) -> DrawResult,
    ) -> DrawResult,
) -> Result<String, String> {
    let mut text = String::new();
    let mut found: Option<(Rect, String)> = None;
    {
        let root = Backend::<B>::Svg(SVGBackend::with_string(&mut text, size)).into_drawing_area();
        draw(&root, &mut |b, r| {
            found = Some((r, image(&b.field)?));
            // A placeholder the image replaces below (plotters writes no images itself).
            root.draw(&Rectangle::new(
                [
                    (r.x as i32, r.y as i32),
                    ((r.x + r.w) as i32, (r.y + r.h) as i32),
                ],
                SENTINEL.filled(),
            ))
            .map_err(|e| e.to_string())
        })?;
    }
    if let Some((r, uri)) = found {
        let mark = r##"fill="#010203""##;
        if let Some(at) = text.find(mark) {
            let start = text[..at].rfind("<rect").unwrap_or(at);
            let end = text[at..].find("/>").map_or(text.len(), |e| at + e + 2);
            let img = format!(
                r#"<image x="{}" y="{}" width="{}" height="{}" preserveAspectRatio="none" xlink:href="{uri}"/>"#,
                r.x as i32,
                r.y as i32,
                (r.x + r.w) as i32 - r.x as i32,
                (r.y + r.h) as i32 - r.y as i32,
            );
            text.replace_range(start..end, &img);
        }
    }
    // The image's link needs the xlink namespace (understood by SVG 1.1 tools too).
    let text = text.replacen(
        r#"xmlns="http://www.w3.org/2000/svg""#,
        r#"xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink""#,
        1,
    );
    // Round joins and caps, as on the page's canvas.
    Ok(text.replace(
        "<polyline fill=\"none\"",
        "<polyline fill=\"none\" stroke-linejoin=\"round\" stroke-linecap=\"round\"",
    ))
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::*;
    use std::sync::Once;

    /// Registers the embedded font for text in bitmaps (once).
    pub fn fonts() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            // A font that does not parse leaves text undrawable; DejaVu Sans always parses.
            let _ = plotters::style::register_font(
                crate::render::FONT,
                FontStyle::Normal,
                dejavu::sans::regular(),
            );
        });
    }

    /// The figure as SVG text, the colour map an embedded PNG.
    pub fn svg(pg: &mut Playground, fig: &Figure) -> Result<String, String> {
        fonts();
        // (No other backend here: the SVG backend stands in for it.)
        svg_with::<SVGBackend>(
            (fig.width, fig.height),
            &mut |f| png_data_uri(&f.rgba(), f.nx, f.ny),
            |root, paint| draw(root, pg, fig, paint),
        )
    }

    /// The figure as PNG bytes.
    pub fn png(pg: &mut Playground, fig: &Figure) -> Result<Vec<u8>, String> {
        fonts();
        let (w, h) = (fig.width as usize, fig.height as usize);
        let render = |pg: &mut Playground, fill: u8| -> Result<Vec<u8>, String> {
            let mut buf = vec![fill; w * h * 3];
            {
                let root = RoundStrokes(BitMapBackend::with_buffer(
                    &mut buf,
                    (fig.width, fig.height),
                ))
                .into_drawing_area();
                draw(&root, pg, fig, &mut |b, r| {
                    let (pw, ph) = (r.w.round() as u32, r.h.round() as u32);
                    let img = resample(b, pw, ph, fill);
                    let el = BitMapElement::with_owned_buffer(
                        (r.x.round() as i32, r.y.round() as i32),
                        (pw, ph),
                        img,
                    )
                    .ok_or("the colour map does not fit")?;
                    root.draw(&el).map_err(|e| e.to_string())
                })?;
            }
            Ok(buf)
        };
        let rgba = if fig.white {
            render(pg, 255)?
                .chunks(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect()
        } else {
            // Drawn once on white and once on black: where they differ, the ink was translucent.
            let on_white = render(pg, 255)?;
            let on_black = render(pg, 0)?;
            let mut out = Vec::with_capacity(w * h * 4);
            for (a, b) in on_white.chunks(3).zip(on_black.chunks(3)) {
                let diff = (0..3)
                    .map(|c| i32::from(a[c]) - i32::from(b[c]))
                    .max()
                    .unwrap_or(0)
                    .clamp(0, 255);
                let alpha = 255 - diff;
                let un = |v: u8| {
                    if alpha == 0 {
                        0
                    } else {
                        ((i32::from(v) * 255 + alpha / 2) / alpha).clamp(0, 255) as u8
                    }
                };
                out.extend_from_slice(&[un(b[0]), un(b[1]), un(b[2]), alpha as u8]);
            }
            out
        };
        encode_png(&rgba, fig.width, fig.height)
    }

    use plotters_backend::DrawingErrorKind as Dek;

    /// A bitmap backend whose lines are anti-aliased, with round joins and caps, as on the
    /// page's canvas and in SVG (plotters' own bitmap lines are aliased, and its thick joins are
    /// mitred without a limit: a trajectory that turns back draws a long spike). Each path's
    /// coverage is computed by distance to its segments and blended once, so translucent halos
    /// stay even where segments overlap.
    struct RoundStrokes<'a>(BitMapBackend<'a>);

    impl RoundStrokes<'_> {
        fn stroke(
            &mut self,
            pts: &[BackendCoord],
            color: BackendColor,
            width: u32,
        ) -> Result<(), Dek<<BitMapBackend<'static> as DrawingBackend>::ErrorType>> {
            let (w, h) = self.0.get_size();
            let (w, h) = (w as i32, h as i32);
            let r = f64::from(width.max(1)) / 2.0;
            let pad = r.ceil() as i32 + 1;
            // (pixel index, coverage) of every pixel near a segment.
            let mut cov: Vec<(u32, f32)> = Vec::new();
            let segs: Vec<(BackendCoord, BackendCoord)> = if pts.len() == 1 {
                vec![(pts[0], pts[0])]
            } else {
                pts.windows(2).map(|s| (s[0], s[1])).collect()
            };
            for (a, b) in segs {
                let (ax, ay) = (f64::from(a.0), f64::from(a.1));
                let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
                let len2 = dx * dx + dy * dy;
                for y in (a.1.min(b.1) - pad).max(0)..=(a.1.max(b.1) + pad).min(h - 1) {
                    for x in (a.0.min(b.0) - pad).max(0)..=(a.0.max(b.0) + pad).min(w - 1) {
                        // Pixel (x, y) covers [x, x + 1] × [y, y + 1], as on a canvas.
                        let (px, py) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
                        let t = if len2 > 0.0 {
                            (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
                        } else {
                            0.0
                        };
                        let d = (px - ax - t * dx).hypot(py - ay - t * dy);
                        let c = (r + 0.5 - d).clamp(0.0, 1.0) as f32;
                        if c > 0.0 {
                            cov.push(((y * w + x) as u32, c));
                        }
                    }
                }
            }
            cov.sort_unstable_by_key(|e| e.0);
            let mut k = 0;
            while k < cov.len() {
                let (at, mut c) = cov[k];
                while k + 1 < cov.len() && cov[k + 1].0 == at {
                    k += 1;
                    c = c.max(cov[k].1);
                }
                k += 1;
                let (x, y) = ((at as i32) % w, (at as i32) / w);
                self.0.draw_pixel(
                    (x, y),
                    BackendColor {
                        alpha: color.alpha * f64::from(c),
                        rgb: color.rgb,
                    },
                )?;
            }
            Ok(())
        }
    }

    impl<'a> DrawingBackend for RoundStrokes<'a> {
        type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;
        fn get_size(&self) -> (u32, u32) {
            self.0.get_size()
        }
        fn ensure_prepared(&mut self) -> Result<(), Dek<Self::ErrorType>> {
            self.0.ensure_prepared()
        }
        fn present(&mut self) -> Result<(), Dek<Self::ErrorType>> {
            self.0.present()
        }
        fn draw_pixel(
            &mut self,
            p: BackendCoord,
            c: BackendColor,
        ) -> Result<(), Dek<Self::ErrorType>> {
            self.0.draw_pixel(p, c)
        }
        fn draw_line<S: BackendStyle>(
            &mut self,
            from: BackendCoord,
            to: BackendCoord,
            style: &S,
        ) -> Result<(), Dek<Self::ErrorType>> {
            self.stroke(&[from, to], style.color(), style.stroke_width())
        }
        fn draw_rect<S: BackendStyle>(
            &mut self,
            a: BackendCoord,
            b: BackendCoord,
            style: &S,
            fill: bool,
        ) -> Result<(), Dek<Self::ErrorType>> {
            self.0.draw_rect(a, b, style, fill)
        }
        fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            path: I,
            style: &S,
        ) -> Result<(), Dek<Self::ErrorType>> {
            if style.color().alpha == 0.0 {
                return Ok(());
            }
            let pts: Vec<BackendCoord> = path.into_iter().collect();
            if pts.is_empty() {
                return Ok(());
            }
            self.stroke(&pts, style.color(), style.stroke_width())
        }
        fn draw_circle<S: BackendStyle>(
            &mut self,
            c: BackendCoord,
            r: u32,
            style: &S,
            fill: bool,
        ) -> Result<(), Dek<Self::ErrorType>> {
            self.0.draw_circle(c, r, style, fill)
        }
        fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            vert: I,
            style: &S,
        ) -> Result<(), Dek<Self::ErrorType>> {
            self.0.fill_polygon(vert, style)
        }
        fn draw_text<T: BackendTextStyle>(
            &mut self,
            text: &str,
            style: &T,
            pos: BackendCoord,
        ) -> Result<(), Dek<Self::ErrorType>> {
            self.0.draw_text(text, style, pos)
        }
        fn estimate_text_size<T: BackendTextStyle>(
            &self,
            text: &str,
            style: &T,
        ) -> Result<(u32, u32), Dek<Self::ErrorType>> {
            self.0.estimate_text_size(text, style)
        }
        fn blit_bitmap(
            &mut self,
            pos: BackendCoord,
            size: (u32, u32),
            src: &[u8],
        ) -> Result<(), Dek<Self::ErrorType>> {
            self.0.blit_bitmap(pos, size, src)
        }
    }

    /// The colour map scaled to `w` × `h` RGB pixels, interpolated bilinearly between cell
    /// centres as the page's canvas scales it (cells without a value blend towards the
    /// background `fill`).
    fn resample(b: &MapBase, w: u32, h: u32, fill: u8) -> Vec<u8> {
        let f = &b.field;
        let rgba = f.rgba();
        let cell = |i: usize, j: usize, c: usize| -> f64 {
            let at = 4 * (j * f.nx + i);
            if rgba[at + 3] == 0 {
                f64::from(fill)
            } else {
                f64::from(rgba[at + c])
            }
        };
        // Source coordinate of output pixel centre `o` out of `n` over `m` cells: the two cells
        // around it and the weight of the second.
        let around = |o: u32, n: u32, m: usize| {
            let u =
                ((f64::from(o) + 0.5) / f64::from(n) * m as f64 - 0.5).clamp(0.0, (m - 1) as f64);
            let i = (u.floor() as usize).min(m.saturating_sub(2));
            (i, (i + 1).min(m - 1), u - i as f64)
        };
        let mut out = Vec::with_capacity((w * h * 3) as usize);
        for j in 0..h {
            let (j0, j1, ty) = around(j, h, f.ny);
            for i in 0..w {
                let (i0, i1, tx) = around(i, w, f.nx);
                for c in 0..3 {
                    let top = cell(i0, j0, c) * (1.0 - tx) + cell(i1, j0, c) * tx;
                    let bottom = cell(i0, j1, c) * (1.0 - tx) + cell(i1, j1, c) * tx;
                    out.push((top * (1.0 - ty) + bottom * ty).round() as u8);
                }
            }
        }
        out
    }

    /// RGBA pixels as a PNG file.
    pub fn encode_png(rgba: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            let mut wr = enc.write_header().map_err(|e| e.to_string())?;
            wr.write_image_data(rgba).map_err(|e| e.to_string())?;
        }
        Ok(out)
    }

    pub fn png_data_uri(rgba: &[u8], w: usize, h: usize) -> Result<String, String> {
        use base64::Engine;
        let bytes = encode_png(rgba, w as u32, h as u32)?;
        Ok(format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ))
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::{encode_png, fonts, png, png_data_uri, svg};
