//! The page's only door to JavaScript: one [`App`] handle around the [`Playground`] (all the
//! page's state and behaviour, tested natively) and the canvases it draws on. What is here is
//! what must touch the browser: canvas sizes and the device pixel ratio, the colour map put
//! with one `putImageData`, and the off-screen layers that let a frame draw only the new parts
//! of the trajectories. JavaScript passes events in and puts the strings it gets back into the
//! DOM as text, never as HTML.

mod bulk;
mod gif;
pub mod learn;
mod tune;
pub use bulk::{bulk_fields, bulk_map};
mod maps;

use crate::playground::figure;
use crate::playground::scene::Panel;
use crate::playground::{self, Layers, Playground, XAxis};
use crate::render::map::{self, MapStyle, TrailLayer};
use crate::render::view::Viewport;
use crate::render::{fmt_num, Field};
use crate::run::Trace;
use crate::scenario::{Scenario, SurfaceSpec};
use crate::surface::{DataSpec, Surface};
use crate::vec2::Vec2;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// An error for JavaScript: its message, with control characters made visible (the page shows
/// it as text; a link or a file must not smuggle terminal or bidi controls into it).
fn js_err(e: impl core::fmt::Display) -> JsValue {
    JsValue::from_str(&crate::text::escape_controls(&e.to_string()))
}

fn ctx2d(c: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, JsValue> {
    c.get_context("2d")?
        .ok_or_else(|| js_err("no 2d context"))?
        .dyn_into::<CanvasRenderingContext2d>()
        .map_err(|_| js_err("not a 2d context"))
}

thread_local! {
    static PERFORMANCE: Option<web_sys::Performance> =
        web_sys::window().and_then(|w| w.performance());
}

/// `performance.now()` in milliseconds (0 where there is none).
fn now() -> f64 {
    PERFORMANCE.with(|p| p.as_ref().map_or(0.0, |p| p.now()))
}

thread_local! {
    /// A canvas of its own for measuring labels (no layout of the page, unlike a measuring span).
    static MEASURE: Option<CanvasRenderingContext2d> =
        new_canvas(1, 1).ok().and_then(|c| ctx2d(&c).ok());
    /// The canvas the map's base layer is being drawn on, for [`stroke_polylines`].
    static LINES: std::cell::RefCell<Option<CanvasRenderingContext2d>> =
        const { std::cell::RefCell::new(None) };
}

/// The contour lines in one path and one stroke on the canvas the base layer is drawn on
/// (as plotters' canvas backend strokes one path: integer points, its colour and width).
fn stroke_polylines(
    pieces: &[Vec<(i32, i32)>],
    (bx, by): (i32, i32),
    color: plotters_backend::BackendColor,
    width: u32,
) -> bool {
    LINES.with(|l| {
        let l = l.borrow();
        let Some(ctx) = l.as_ref() else {
            return false;
        };
        if color.alpha == 0.0 {
            return true;
        }
        ctx.begin_path();
        for p in pieces {
            let Some((&first, rest)) = p.split_first() else {
                continue;
            };
            let at = |(x, y): (i32, i32)| (f64::from(x + bx), f64::from(y + by));
            let (x, y) = at(first);
            ctx.move_to(x, y);
            // A point on the pixel of the one before adds nothing to the line.
            let mut last = first;
            for &q in rest {
                if q != last {
                    let (x, y) = at(q);
                    ctx.line_to(x, y);
                    last = q;
                }
            }
        }
        let (r, g, b) = color.rgb;
        ctx.set_stroke_style_str(&format!("rgba({r},{g},{b},{})", color.alpha));
        ctx.set_line_width(f64::from(width));
        ctx.stroke();
        true
    })
}

/// The width of `text` at `size` pixels in the labels' font, as the canvases draw it.
fn measure_text(text: &str, size: f64) -> Option<f64> {
    MEASURE.with(|m| {
        let ctx = m.as_ref()?;
        ctx.set_font(&format!("{size}px {}", crate::render::FONT));
        ctx.measure_text(text).ok().map(|t| t.width())
    })
}

/// The map's sizes at `scale`, its labels measured by a canvas.
fn map_style(scale: f64) -> MapStyle {
    MapStyle {
        measure: Some(measure_text),
        ..MapStyle::new(scale)
    }
}

fn new_canvas(w: u32, h: u32) -> Result<HtmlCanvasElement, JsValue> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| js_err("no document"))?;
    let c: HtmlCanvasElement = doc
        .create_element("canvas")?
        .dyn_into()
        .map_err(|_| js_err("canvas"))?;
    c.set_width(w);
    c.set_height(h);
    Ok(c)
}

/// The page draws on its canvases through [`figure::Backend`], the type its SVG export draws
/// through too: one copy of the drawing code in the wasm.
type Page = figure::Backend<'static, CanvasBackend>;

fn area(c: &HtmlCanvasElement) -> Result<DrawingArea<Page, plotters::coord::Shift>, JsValue> {
    Ok(Page::Other(
        CanvasBackend::with_canvas_object(c.clone()).ok_or_else(|| js_err("no canvas"))?,
    )
    .into_drawing_area())
}

/// JSON text of `v` (JavaScript reads it with `JSON.parse`, which gives every number back
/// exactly). One serialization path, the command line's, keeps the wasm small.
fn json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Off-screen layers holding the trajectories drawn so far (dark halos and coloured lines), so
/// a frame strokes only new segments.
struct Trails {
    halo: HtmlCanvasElement,
    line: HtmlCanvasElement,
    /// Per run: how many points are drawn and the pixel where the drawn part ends.
    drawn: Vec<(usize, (f64, f64))>,
    /// Whether the drawn trails no longer fit the view (a pan, a zoom, another scenario):
    /// the layers are cleared and drawn again. (Kept, not made anew: two new canvases the
    /// map's size cost 4–5 ms a zoom in the page, where clearing them costs little.)
    stale: bool,
}

/// The page's handle: the playground and its canvases.
#[wasm_bindgen]
pub struct App {
    pg: Playground,
    map: HtmlCanvasElement,
    overlay: HtmlCanvasElement,
    loss: HtmlCanvasElement,
    lr: HtmlCanvasElement,
    scatter: Option<HtmlCanvasElement>,
    dpr: f64,
    trails: Option<Trails>,
    /// When the scatter plot was last drawn (ms).
    scatter_at: f64,
    /// Whether the user chose a view (zoom, pan, `set_view`) since it was last reset.
    chose_view: bool,
    /// The surface's own view, for the surface (and data) it was computed for: a data
    /// surface's takes a Newton solve over its points, so it is computed once per surface.
    own_view: Option<(SurfaceSpec, Option<DataSpec>, [f64; 4])>,
}

#[wasm_bindgen]
impl App {
    /// An app drawing on the four canvases, showing the default scenario.
    #[wasm_bindgen(constructor)]
    pub fn new(
        map: HtmlCanvasElement,
        overlay: HtmlCanvasElement,
        loss: HtmlCanvasElement,
        lr: HtmlCanvasElement,
    ) -> Result<App, JsValue> {
        let mut pg = Playground::new(Playground::default_scenario()).map_err(js_err)?;
        // Work per frame and per edit is bounded by the page's clock.
        pg.set_clock(now);
        let mut app = App {
            pg,
            map,
            overlay,
            loss,
            lr,
            scatter: None,
            dpr: 1.0,
            trails: None,
            scatter_at: f64::NEG_INFINITY,
            chose_view: false,
            own_view: None,
        };
        app.resize();
        Ok(app)
    }

    // ------------------------------------------------------------ scenario

    /// Loads a scenario given as JSON text (a share link's payload). On error nothing changes
    /// and the message says what was wrong.
    pub fn load_json(&mut self, text: &str) -> Result<(), JsValue> {
        let sc = Scenario::from_json(text).map_err(js_err)?;
        self.pg.load(sc).map_err(js_err)
    }

    /// The current scenario as JSON text.
    pub fn scenario_json(&self) -> String {
        self.pg.scenario().to_json()
    }

    /// A number that grows whenever the scenario or the view changes, and only then: the
    /// page's watchers compare it before reading the scenario.
    pub fn state_version(&self) -> f64 {
        self.pg.version() as f64
    }

    /// Every run's trace as the command line prints it (`runs`), as JSON text.
    pub fn paths_json(&self) -> String {
        let t: Vec<&Trace> = self.pg.session().traces();
        json(&t)
    }

    /// Restarts every run from the start.
    pub fn reset(&mut self) {
        self.pg.reset();
    }

    /// Advances every run by `n` iterations (up to the step limit), synchronously.
    pub fn step(&mut self, n: u32) {
        self.pg.step(u64::from(n));
    }

    /// The page's Step button: `n` more iterations, stepped within a frame's time budget and
    /// finished by the following frames.
    pub fn step_soon(&mut self, n: u32) {
        self.pg.step_soon(u64::from(n));
    }

    /// The most iterations any run has taken.
    pub fn iterations(&self) -> u64 {
        self.pg.iterations()
    }

    /// Whether every run has reached the step limit or diverged.
    pub fn done(&self) -> bool {
        self.pg.done()
    }

    pub fn steps(&self) -> u64 {
        self.pg.scenario().steps
    }

    /// Sets the step limit (1 to 100 000); runs past it are cut back.
    pub fn set_steps(&mut self, n: f64) -> Result<(), JsValue> {
        self.pg.set_steps(n).map_err(js_err)
    }

    // ------------------------------------------------------------ playback

    pub fn set_playing(&mut self, on: bool) {
        self.pg.set_playing(on);
    }
    pub fn playing(&self) -> bool {
        self.pg.playing()
    }
    /// Iterations per frame, 1 to 1000.
    pub fn set_speed(&mut self, n: f64) {
        self.pg.set_speed(n);
    }
    pub fn speed(&self) -> u64 {
        self.pg.speed()
    }
    /// The iteration shown (the timeline's position).
    pub fn cursor(&self) -> u64 {
        self.pg.cursor()
    }
    /// Shows iteration `k` of those computed (the timeline scrubs).
    pub fn set_cursor(&mut self, k: f64) {
        self.pg.set_cursor(k);
    }
    /// The charts' x axis by name: `steps`, `evals` or `epochs` (data surfaces).
    pub fn set_x_axis(&mut self, name: &str) -> Result<(), JsValue> {
        let x =
            XAxis::from_name(name).ok_or_else(|| js_err("x axis: one of steps, evals, epochs"))?;
        self.pg.set_x_axis(x);
        Ok(())
    }
    /// What happened at iterations `from + 1 ..= to` (divergence, loss levels reached), as a
    /// JSON array of sentences, for the page's live narration.
    pub fn milestones_json(&self, from: f64, to: f64) -> String {
        let k = |v: f64| {
            if v.is_finite() {
                v.clamp(0.0, 1e9) as u64
            } else {
                0
            }
        };
        let said: Vec<String> = self
            .pg
            .milestones(k(from), k(to))
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        serde_json::to_string(&said).unwrap_or_else(|_| "[]".into())
    }
    /// Shows or hides the view inside the selected run's optimizer at the timeline's step.
    pub fn set_show_inner(&mut self, on: bool) {
        self.pg.set_show_inner(on);
    }
    pub fn show_inner(&self) -> bool {
        self.pg.show_inner()
    }
    /// The numbers of that view, one sentence a line, as a JSON array.
    pub fn inner_text_json(&self) -> String {
        serde_json::to_string(&self.pg.inner_text()).unwrap_or_else(|_| "[]".into())
    }
    /// The charts' x axis as drawn (`epochs` falls back to `steps` off data surfaces).
    pub fn x_axis(&self) -> String {
        self.pg.chart_axis().name().into()
    }

    /// How many iterations the last frame really advanced (fewer than the speed when a heavy
    /// scenario fills the frame's time budget).
    pub fn last_frame_iterations(&self) -> u64 {
        self.pg.last_frame_iterations()
    }

    /// One animation frame: advances if playing (within a time budget), then redraws what
    /// changed. Returns whether it is still playing.
    pub fn frame(&mut self, _timestamp: f64) -> Result<bool, JsValue> {
        let playing = self.pg.frame();
        self.draw()?;
        Ok(playing)
    }

    // ------------------------------------------------------------ surface

    /// Picks a named surface (default parameters, its view and default start).
    pub fn set_surface(&mut self, name: &str) -> Result<(), JsValue> {
        self.pg.set_surface(name).map_err(js_err)
    }

    /// Sets a parameter of the current named surface.
    pub fn set_surface_param(&mut self, name: &str, v: f64) -> Result<(), JsValue> {
        self.pg.set_surface_param(name, v).map_err(js_err)
    }

    /// Uses an expression as the surface. On error the last good surface stays and the message
    /// names the column.
    pub fn set_expr(&mut self, src: &str) -> Result<(), JsValue> {
        self.pg.set_expr(src).map_err(js_err)
    }

    /// Uses a generated data set as the surface: `kind` is "linear" or "logistic".
    pub fn set_data(&mut self, kind: &str) -> Result<(), JsValue> {
        self.pg.set_data(kind).map_err(js_err)
    }

    /// Changes a field of the data set: "n", "noise" or "seed" (a number), or "features".
    pub fn set_data_field(&mut self, field: &str, value: &str) -> Result<(), JsValue> {
        self.pg.set_data_field(field, value).map_err(js_err)
    }

    // ------------------------------------------------------------ runs

    /// Makes the scenario given as JSON text the current one, keeping what did not change: only
    /// runs whose specification changed restart (and replay to the step the others reached);
    /// a new surface, start or batch size restarts all. The page's edits of a run's options.
    /// On error nothing changes.
    pub fn edit_json(&mut self, text: &str) -> Result<(), JsValue> {
        let sc = Scenario::from_json(text).map_err(js_err)?;
        self.pg.edit(sc).map_err(js_err)
    }

    /// Sets hyper-parameter `name` of run `i` and re-runs it.
    pub fn set_hyper(&mut self, i: usize, name: &str, v: f64) -> Result<(), JsValue> {
        self.pg.set_hyper(i, name, v).map_err(js_err)
    }

    /// Adds a run of optimizer `name` with its default settings; returns its index.
    pub fn add_run(&mut self, name: &str) -> Result<usize, JsValue> {
        self.pg.add_run(name).map_err(js_err)
    }

    pub fn remove_run(&mut self, i: usize) -> Result<(), JsValue> {
        self.pg.remove_run(i).map_err(js_err)
    }

    /// Shows or hides run `i` (it keeps stepping).
    pub fn set_enabled(&mut self, i: usize, on: bool) -> Result<(), JsValue> {
        self.pg.set_enabled(i, on).map_err(js_err)
    }

    /// Per-run read-outs at the shown iteration (formatted numbers).
    pub fn readouts_json(&self) -> String {
        json(&self.pg.readouts())
    }

    /// Shows run `i`'s model in the scatter plot.
    pub fn select_run(&mut self, i: usize) {
        self.pg.select_run(i);
    }

    /// The run whose model the scatter plot shows.
    pub fn selected(&self) -> usize {
        self.pg.selected()
    }

    // ------------------------------------------------------------ view and pointer

    /// Gives the page's scatter-plot canvas (drawn for data surfaces).
    pub fn set_scatter(&mut self, canvas: HtmlCanvasElement) {
        self.scatter = Some(canvas);
        self.resize();
    }

    /// Draws type, lines and markers `f` times larger (presentation mode: about 1.75).
    pub fn set_emphasis(&mut self, f: f64) {
        self.pg.set_emphasis(f);
    }
    pub fn emphasis(&self) -> f64 {
        self.pg.emphasis()
    }

    /// Re-reads the canvases' CSS sizes and the device pixel ratio.
    pub fn resize(&mut self) {
        self.resize_at(web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()));
    }

    /// Re-reads the canvases' CSS sizes and draws at `ratio` device pixels per CSS pixel (1 to
    /// 4): the PNG export at 2× for print draws at 2, takes its pictures and calls `resize`.
    pub fn resize_at(&mut self, ratio: f64) {
        self.dpr = if ratio.is_finite() {
            ratio.clamp(1.0, 4.0)
        } else {
            1.0
        };
        for c in [&self.map, &self.overlay, &self.loss, &self.lr]
            .into_iter()
            .chain(self.scatter.as_ref())
        {
            let w = (f64::from(c.client_width().max(50)) * self.dpr).round() as u32;
            let h = (f64::from(c.client_height().max(50)) * self.dpr).round() as u32;
            if c.width() != w || c.height() != h {
                c.set_width(w);
                c.set_height(h);
                // A resized canvas is blank: the scatter plot is drawn at once, not later.
                self.scatter_at = f64::NEG_INFINITY;
            }
        }
        self.pg
            .set_canvas(self.map.width(), self.map.height(), self.dpr);
    }

    /// A click at CSS pixel (px, py) of the map: sets the start there (every run restarts).
    /// Returns false outside the plot.
    pub fn click(&mut self, px: f64, py: f64) -> Result<bool, JsValue> {
        self.pg.click((px, py)).map_err(js_err)
    }

    /// Sets the start point; every run restarts there.
    pub fn set_start(&mut self, x: f64, y: f64) -> Result<(), JsValue> {
        self.pg.set_start(Vec2::new(x, y)).map_err(js_err)
    }

    /// The hover read-out at CSS pixel (px, py): "x = …, y = …, L = …", or "" outside.
    pub fn hover(&self, px: f64, py: f64) -> String {
        self.pg.hover((px, py))
    }

    /// Pans by a drag of (dx, dy) CSS pixels.
    pub fn pan(&mut self, dx: f64, dy: f64) {
        let before = self.pg.viewport().view();
        self.pg.pan(dx, dy);
        self.note_view_change(before);
    }

    /// Zooms by `factor` (> 1 zooms in) about CSS pixel (px, py).
    pub fn zoom(&mut self, px: f64, py: f64, factor: f64) {
        let before = self.pg.viewport().view();
        self.pg.zoom((px, py), factor);
        self.note_view_change(before);
    }

    pub fn reset_view(&mut self) {
        self.pg.reset_view();
        self.chose_view = false;
    }

    /// `[x_min, x_max, y_min, y_max]`.
    pub fn view(&self) -> Vec<f64> {
        self.pg.viewport().view().to_vec()
    }

    /// Where the plane is drawn on the map, `[x, y, width, height]` in CSS pixels.
    pub fn plot(&self) -> Vec<f64> {
        let r = self.pg.plot();
        let k = self.pg.scale();
        vec![r.x / k, r.y / k, r.w / k, r.h / k]
    }

    // ------------------------------------------------------------ exports

    /// The page's picture as SVG text: `panels` (comma-separated: map, loss, lr, scatter)
    /// side by side, each the size of its canvas and drawn by the same code as on the canvas
    /// (through plotters' SVG backend), at the step shown. The map is drawn whole: the colour
    /// map (embedded as a PNG the browser encodes: no encoder in the wasm), contours, axes, every
    /// shown trajectory, the current points and the view inside the optimizer when it is on.
    pub fn svg(&mut self, panels: &str) -> Result<String, JsValue> {
        let data = self.pg.scenario().data.is_some() && self.scatter.is_some();
        let panels = Panel::list(panels, data).map_err(js_err)?;
        let sizes: Vec<(Panel, (u32, u32))> = panels
            .into_iter()
            .map(|p| {
                let c = match p {
                    Panel::Map => Some(&self.map),
                    Panel::Loss => Some(&self.loss),
                    Panel::Lr => Some(&self.lr),
                    Panel::Scatter => self.scatter.as_ref(),
                };
                (p, c.map_or((0, 0), |c| (c.width(), c.height())))
            })
            .collect();
        let width = sizes.iter().map(|(_, s)| s.0).sum();
        let height = sizes.iter().map(|(_, s)| s.1).max().unwrap_or(0);
        let mut image = |f: &Field| {
            field_canvas(f).and_then(|c| c.to_data_url()).map_err(|e| {
                e.as_string()
                    .unwrap_or_else(|| "the colour map could not be encoded".into())
            })
        };
        let (ink, dpr, bg) = (self.pg.ink(), self.dpr, Some(WHITE));
        let pg = &mut self.pg;
        figure::svg_with::<CanvasBackend>((width, height), &mut image, |root, paint| {
            let mut x = 0;
            for (p, (w, h)) in sizes {
                let area = root.clone().shrink((x, 0), (w, h));
                match p {
                    Panel::Map => {
                        let style = MapStyle::new(ink);
                        let at = f64::from(x);
                        pg.draw_map_base(&area, &style, &mut |b, r| {
                            paint(b, crate::render::view::Rect { x: r.x + at, ..r })
                        })?;
                        // As the overlay shows them: all halos, then all lines, then the marks.
                        let vp = *pg.viewport();
                        let marks: Vec<map::RunMark> =
                            pg.run_marks().into_iter().map(|(_, m)| m).collect();
                        map::draw_trails(&area, &vp, &marks, 0.75 * dpr, &style)?;
                        map::draw_marks(&area, &vp, &marks, pg.session().start, &style)?;
                        if pg.show_inner() {
                            pg.draw_inner(&area, &style)?;
                        }
                    }
                    Panel::Loss | Panel::Lr => pg.draw_chart(&area, p, ink, bg)?,
                    Panel::Scatter => pg.draw_scatter(&area, ink, bg)?,
                }
                x += w as i32;
            }
            Ok(())
        })
        .map_err(js_err)
    }

    /// Every run's trajectory as CSV (UTF-8 bytes): a row per run and point (everything
    /// computed), the columns of [`playground::export`].
    pub fn trajectories_csv(&self) -> Vec<u8> {
        playground::export::csv(self.pg.session())
    }

    /// The same rows as a JSON array of objects.
    pub fn trajectories_json(&self) -> Result<String, JsValue> {
        playground::export::json(self.pg.session()).map_err(js_err)
    }

    /// Shows `[x_min, x_max, y_min, y_max]`, widened along one axis to keep equal aspect (a
    /// link's `view=` or a host page's command). On error nothing changes and the message says
    /// what was wrong.
    pub fn set_view(&mut self, v: &[f64]) -> Result<(), JsValue> {
        if !self.pg.set_view(view_of(v)?) {
            return Err(js_err(
                "view: beyond ±1e9 from the origin, or too narrow to draw",
            ));
        }
        self.chose_view = true;
        Ok(())
    }

    /// Whether the view shown is one the user chose (zoomed, panned or set) rather than the
    /// surface's own (as fitted to the canvas): what a live link records.
    pub fn view_custom(&mut self) -> bool {
        if !self.chose_view {
            return false;
        }
        let sc = self.pg.scenario();
        let own = match &self.own_view {
            Some((s, d, v)) if *s == sc.surface && *d == sc.data => *v,
            _ => {
                let v = self.pg.session().surface.view();
                self.own_view = Some((sc.surface.clone(), sc.data.clone(), v));
                v
            }
        };
        let vp = self.pg.viewport();
        Viewport::new(own, vp.plot()).view() != vp.view()
    }

    fn note_view_change(&mut self, before: [f64; 4]) {
        if self.pg.viewport().view() != before {
            self.chose_view = true;
        }
    }

    /// The runs that diverged, as a JSON array of `{"run", "label", "at"}` (the failing
    /// iteration), for a host page's `diverged` events.
    pub fn diverged_json(&self) -> String {
        #[derive(Serialize)]
        struct Diverged<'a> {
            run: usize,
            label: &'a str,
            at: u64,
        }
        let traces = self.pg.session().traces();
        let out: Vec<Diverged> = traces
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                t.diverged_at.map(|at| Diverged {
                    run: i,
                    label: &t.label,
                    at,
                })
            })
            .collect();
        json(&out)
    }

    // ------------------------------------------------------------ drawing

    /// Redraws whatever is out of date.
    pub fn draw(&mut self) -> Result<(), JsValue> {
        let todo = self.pg.take_redraw();
        self.draw_layers(todo, true)
    }

    /// Computes the map's colour field and contours if they are out of date, without drawing
    /// (the costliest part of a redraw, done by `draw` otherwise).
    pub fn prepare_map(&mut self) {
        self.pg.map_base();
    }

    /// Redraws the first part of the picture that is out of date — the map, then the
    /// trajectories and points, then the charts and the scatter plot — and returns whether any
    /// part is still out of date. The page draws its
    /// first picture a part per task (after `prepare_map`), so that no task blocks it long;
    /// what is drawn in the end is what `draw` draws.
    pub fn draw_part(&mut self) -> Result<bool, JsValue> {
        const PARTS: [&[Layers]; 3] = [
            &[Layers::MAP],
            &[Layers::TRAILS, Layers::MARKS],
            &[Layers::CHARTS, Layers::SCATTER],
        ];
        let todo = self.pg.take_redraw();
        let (mut now, mut later) = (Layers::NONE, Layers::NONE);
        for part in PARTS {
            for &layer in part.iter().filter(|&&l| todo.contains(l)) {
                if now.is_empty() || part.iter().any(|&l| now.contains(l)) {
                    now = now.union(layer);
                } else {
                    later = later.union(layer);
                }
            }
        }
        self.pg.redraw_later(later);
        self.draw_layers(now, false)?;
        // What drawing the map made stale (its labels moved the plot) waits for its part too;
        // the map itself has just been drawn, as `draw` does it.
        let mut left = self.pg.take_redraw();
        if now.contains(Layers::MAP) {
            left = left.without(Layers::MAP);
        }
        self.pg.redraw_later(left);
        Ok(!left.is_empty())
    }

    /// Draws the layers `todo`; with `follow`, also those that drawing the map made stale.
    fn draw_layers(&mut self, mut todo: Layers, follow: bool) -> Result<(), JsValue> {
        if todo.contains(Layers::MAP) {
            self.draw_map()?;
            // Fitting the colour bar's labels may have moved the plot: the trajectories follow.
            if follow {
                todo = todo.union(self.pg.take_redraw());
            }
        }
        if let Some(t) = self
            .trails
            .as_mut()
            .filter(|_| todo.contains(Layers::TRAILS))
        {
            t.stale = true;
        }
        if todo.contains(Layers::MARKS) || todo.contains(Layers::TRAILS) {
            self.draw_overlay()?;
        }
        let bg = Some(WHITE);
        if todo.contains(Layers::CHARTS) {
            self.pg
                .draw_chart(&area(&self.loss)?, Panel::Loss, self.pg.ink(), bg)
                .map_err(js_err)?;
            self.pg
                .draw_chart(&area(&self.lr)?, Panel::Lr, self.pg.ink(), bg)
                .map_err(js_err)?;
        }
        if let Some(c) = self
            .scatter
            .as_ref()
            .filter(|_| todo.contains(Layers::SCATTER))
        {
            // Up to 2,000 points: ten times a second is enough while the model moves.
            if now() - self.scatter_at < 100.0 {
                self.pg.redraw_later(Layers::SCATTER);
            } else {
                self.pg
                    .draw_scatter(&area(c)?, self.pg.ink(), bg)
                    .map_err(js_err)?;
                self.scatter_at = now();
            }
        }
        Ok(())
    }

    fn draw_map(&mut self) -> Result<(), JsValue> {
        let ctx = ctx2d(&self.map)?;
        let root = area(&self.map)?;
        let style = map_style(self.pg.ink());
        // The colour map: one putImageData of the field, scaled up smoothly into the plot.
        let mut paint = |b: &map::MapBase, r: crate::render::view::Rect| -> Result<(), String> {
            put_field(&ctx, &b.field, r).map_err(|e| {
                e.as_string()
                    .unwrap_or_else(|| "the colour map could not be drawn".into())
            })
        };
        let style = MapStyle {
            polylines: Some(stroke_polylines),
            ..style
        };
        LINES.with(|l| *l.borrow_mut() = Some(ctx.clone()));
        let drawn = self.pg.draw_map_base(&root, &style, &mut paint);
        LINES.with(|l| *l.borrow_mut() = None);
        drawn.map_err(js_err)
    }

    fn draw_overlay(&mut self) -> Result<(), JsValue> {
        let (w, h) = (self.overlay.width(), self.overlay.height());
        let style = map_style(self.pg.ink());
        let mut trails = match self.trails.take() {
            Some(t) if t.halo.width() == w && t.halo.height() == h => t,
            _ => {
                let t = Trails {
                    halo: new_canvas(w, h)?,
                    line: new_canvas(w, h)?,
                    drawn: Vec::new(),
                    stale: false,
                };
                for c in [&t.halo, &t.line] {
                    let ctx = ctx2d(c)?;
                    ctx.set_line_join("round");
                    ctx.set_line_cap("round");
                }
                t
            }
        };
        let n_runs = self.pg.scenario().runs.len();
        if trails.stale || trails.drawn.len() != n_runs {
            for c in [&trails.halo, &trails.line] {
                ctx2d(c)?.clear_rect(0.0, 0.0, f64::from(w), f64::from(h));
            }
            trails.drawn = vec![(0, (0.0, 0.0)); n_runs];
            trails.stale = false;
        }
        let (halo, line) = (area(&trails.halo)?, area(&trails.line)?);
        let vp = *self.pg.viewport();
        let marks = self.pg.run_marks();
        // New segments only, onto the cached layers.
        for (i, m) in &marks {
            let (done, last) = trails.drawn[*i];
            if done > m.path.len() - 1 && done != 0 {
                continue;
            }
            let (px, end) = map::trail_pixels(
                &vp,
                m.path,
                done,
                (done > 0).then_some(last),
                0.75 * self.dpr,
            );
            for (layer, on) in [(TrailLayer::Halo, &halo), (TrailLayer::Line, &line)] {
                map::stroke_trail(on, &vp, &px, m.color, layer, &style).map_err(js_err)?;
            }
            trails.drawn[*i] = (m.path.len(), end);
        }
        let ctx = ctx2d(&self.overlay)?;
        ctx.clear_rect(0.0, 0.0, f64::from(w), f64::from(h));
        ctx.draw_image_with_html_canvas_element(&trails.halo, 0.0, 0.0)?;
        ctx.draw_image_with_html_canvas_element(&trails.line, 0.0, 0.0)?;
        let only: Vec<map::RunMark> = marks.into_iter().map(|(_, m)| m).collect();
        map::draw_marks(
            &area(&self.overlay)?,
            &vp,
            &only,
            self.pg.session().start,
            &style,
        )
        .map_err(js_err)?;
        if self.pg.show_inner() {
            self.pg
                .draw_inner(&area(&self.overlay)?, &style)
                .map_err(js_err)?;
        }
        self.trails = Some(trails);
        Ok(())
    }
}

/// The field's cells on a canvas of their own, one pixel a cell.
fn field_canvas(f: &Field) -> Result<HtmlCanvasElement, JsValue> {
    let img =
        ImageData::new_with_u8_clamped_array_and_sh(Clamped(&f.rgba()), f.nx as u32, f.ny as u32)?;
    let off = new_canvas(f.nx as u32, f.ny as u32)?;
    ctx2d(&off)?.put_image_data(&img, 0.0, 0.0)?;
    Ok(off)
}

/// Puts the field's pixels on the map canvas, scaled into `r` with smoothing.
fn put_field(
    ctx: &CanvasRenderingContext2d,
    f: &Field,
    r: crate::render::view::Rect,
) -> Result<(), JsValue> {
    let off = field_canvas(f)?;
    ctx.set_image_smoothing_enabled(true);
    ctx.draw_image_with_html_canvas_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
        &off,
        0.0,
        0.0,
        f.nx as f64,
        f.ny as f64,
        r.x,
        r.y,
        r.w,
        r.h,
    )
}

// ---------------------------------------------------------------- static helpers

/// The default scenario as JSON text.
#[wasm_bindgen]
pub fn default_scenario_json() -> String {
    Playground::default_scenario().to_json()
}

/// A slider position in [0, 1] to a value in [min, max] (geometric when `log`).
#[wasm_bindgen]
pub fn slider_value(min: f64, max: f64, log: bool, pos: f64) -> f64 {
    playground::slider_value(min, max, log, pos)
}

/// The slider position in [0, 1] of value `v` (the inverse of [`slider_value`]).
#[wasm_bindgen]
pub fn slider_pos(min: f64, max: f64, log: bool, v: f64) -> f64 {
    playground::slider_pos(min, max, log, v)
}

/// A number as the page shows it.
#[wasm_bindgen]
pub fn format_number(v: f64) -> String {
    fmt_num(v)
}

/// Parses a number the user typed (also `1e-3`, `−0.5`); errors say what was wrong.
#[wasm_bindgen]
pub fn parse_number(s: &str) -> Result<f64, JsValue> {
    playground::parse_number(s).map_err(js_err)
}

/// Checks an expression without using it: "" if it parses, else the message with its column.
#[wasm_bindgen]
pub fn check_expr(src: &str) -> String {
    match Surface::expr(src) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

fn view_of(v: &[f64]) -> Result<[f64; 4], JsValue> {
    match v {
        [a, b, c, d] if v.iter().all(|x| x.is_finite()) && b > a && d > c => Ok([*a, *b, *c, *d]),
        _ => Err(js_err(
            "a view is [x_min, x_max, y_min, y_max] with min < max",
        )),
    }
}

/// The map pipeline without a canvas, for benchmarks in Node: samples `expr` on an `nx` × `ny`
/// grid over `view` = `[x_min, x_max, y_min, y_max]` and traces `levels` contour levels.
/// Returns the number of contour points.
#[wasm_bindgen]
pub fn map_pipeline(
    expr: &str,
    view: &[f64],
    nx: usize,
    ny: usize,
    levels: usize,
) -> Result<u32, JsValue> {
    let s = Surface::expr(expr).map_err(js_err)?;
    let f = Field::sample(&s, view_of(view)?, nx, ny);
    let c = f.contours(&f.levels(levels));
    Ok(c.iter().flatten().map(|l| l.len() as u32).sum())
}

/// The grid values and the contour levels `map_pipeline` uses, for a side-by-side comparison:
/// `[levels…]` followed by the `nx·ny` values (row 0 at the top).
#[wasm_bindgen]
pub fn map_inputs(
    expr: &str,
    view: &[f64],
    nx: usize,
    ny: usize,
    levels: usize,
) -> Result<Vec<f64>, JsValue> {
    let s = Surface::expr(expr).map_err(js_err)?;
    let f = Field::sample(&s, view_of(view)?, nx, ny);
    let mut out = f.levels(levels);
    out.extend_from_slice(&f.values);
    Ok(out)
}
