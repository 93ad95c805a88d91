//! The page's only door to JavaScript: one [`App`] handle that owns the session and draws the
//! map, its overlay and the charts on canvases. JavaScript passes events and timestamps in and
//! puts the strings it gets back into the DOM (as text, never as HTML).

use crate::optim::{OptKind, OptimizerConfig, OPTIMIZERS};
use crate::render::chart::{self, ChartStyle, Series};
use crate::render::{fmt_num, Field};
use crate::run::{RunState, Session, Trace};
use crate::scenario::{RunSpec, Scenario, SurfaceSpec, MAX_STEPS};
use crate::surface::{DataKind, DataSpec, Features, Surface, LIBRARY};
use crate::vec2::Vec2;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// The colours runs take when the scenario gives none.
pub const PALETTE: [&str; 8] = [
    "#e63946", "#f77f00", "#00a6fb", "#d63384", "#9d4edd", "#2ec4b6", "#ffb703", "#3a86ff",
];

fn js_err(e: impl core::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

fn ctx2d(c: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, JsValue> {
    c.get_context("2d")?
        .ok_or_else(|| js_err("no 2d context"))?
        .dyn_into::<CanvasRenderingContext2d>()
        .map_err(|_| js_err("not a 2d context"))
}

fn parse_hex(c: &str) -> RGBColor {
    let h = c.trim_start_matches('#');
    let v = |s: &str| u8::from_str_radix(s, 16).unwrap_or(128);
    match h.len() {
        6 => RGBColor(v(&h[0..2]), v(&h[2..4]), v(&h[4..6])),
        3 => {
            let d = |i: usize| v(&h[i..i + 1]) * 17;
            RGBColor(d(0), d(1), d(2))
        }
        _ => RGBColor(128, 128, 128),
    }
}

/// The scenario a first visit shows.
pub fn default_scenario() -> Scenario {
    let run = |kind: OptKind, lr: Option<f64>, color: &str| {
        let mut o = OptimizerConfig::new(kind);
        o.lr = lr;
        if kind == OptKind::Momentum {
            o.momentum = Some(0.9);
        }
        let mut r = RunSpec::new(o);
        r.color = Some(color.into());
        r
    };
    Scenario {
        data: None,
        batch_size: None,
        surface: SurfaceSpec::named("rosenbrock"),
        start: Vec2::new(-1.5, 2.0),
        steps: 500,
        runs: vec![
            run(OptKind::Gd, Some(1e-3), PALETTE[0]),
            run(OptKind::Momentum, Some(1e-3), PALETTE[1]),
            run(OptKind::Adam, Some(0.05), PALETTE[2]),
            run(OptKind::Bfgs, None, PALETTE[3]),
        ],
    }
}

/// Where the plot area sits on the map canvas, in device pixels.
#[derive(Clone, Copy, Debug, Default)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

#[derive(Serialize)]
struct Readout {
    label: String,
    color: String,
    enabled: bool,
    step: u64,
    iterations: u64,
    loss: String,
    point: String,
    grad_norm: String,
    lr: String,
    evals: String,
    status: String,
    diverged: bool,
    /// "epoch 2.4 (batch 8 of 60)" for mini-batch runs, else "".
    epoch: String,
}

/// The page's state: the scenario, the engine's session, the view and the canvases.
#[wasm_bindgen]
pub struct App {
    scenario: Scenario,
    session: Session,
    map: HtmlCanvasElement,
    overlay: HtmlCanvasElement,
    loss: HtmlCanvasElement,
    lr: HtmlCanvasElement,
    dpr: f64,
    view: [f64; 4],
    field: Option<Field>,
    contours: Vec<Vec<[(f64, f64); 2]>>,
    plot: Rect,
    base_dirty: bool,
    dirty: bool,
    playing: bool,
    speed: u64,
    cursor: Option<u64>,
    x_evals: bool,
    /// Grid cells per CSS pixel of the map's sampling.
    detail: f64,
    /// Trajectories already drawn (halo and line layers, drawn incrementally).
    trails: Option<Trails>,
    /// Bumped whenever drawn trajectories may no longer match (new runs, view, reset, …).
    trail_gen: u64,
    /// The data set's scatter plot, when the page has one.
    scatter: Option<HtmlCanvasElement>,
    /// The run whose model the scatter plot shows.
    selected: usize,
}

/// Off-screen layers holding the trajectories drawn so far, so a frame draws only new segments.
struct Trails {
    halo: HtmlCanvasElement,
    line: HtmlCanvasElement,
    gen: u64,
    /// Per run: how many points are drawn and the last drawn point (in pixels).
    drawn: Vec<(usize, (f64, f64))>,
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
        let scenario = default_scenario();
        let session = Session::new(&scenario).map_err(js_err)?;
        let view = session.surface.view();
        let mut app = App {
            scenario,
            session,
            map,
            overlay,
            loss,
            lr,
            dpr: 1.0,
            view,
            field: None,
            contours: Vec::new(),
            plot: Rect::default(),
            base_dirty: true,
            dirty: true,
            playing: false,
            speed: 10,
            cursor: None,
            x_evals: false,
            detail: 0.5,
            trails: None,
            trail_gen: 0,
            scatter: None,
            selected: 0,
        };
        app.resize();
        Ok(app)
    }

    // ------------------------------------------------------------ scenario

    /// Loads a scenario given as JSON text (a share link's payload). On error nothing changes
    /// and the message says what was wrong.
    pub fn load_json(&mut self, text: &str) -> Result<(), JsValue> {
        let sc = Scenario::from_json(text).map_err(js_err)?;
        self.install(sc)
    }

    /// Loads a scenario given as a JavaScript object.
    pub fn load(&mut self, obj: JsValue) -> Result<(), JsValue> {
        let sc: Scenario =
            serde_wasm_bindgen::from_value(obj).map_err(|e| js_err(format!("scenario: {e}")))?;
        sc.validate().map_err(js_err)?;
        self.install(sc)
    }

    fn invalidate_trails(&mut self) {
        self.trail_gen += 1;
        self.dirty = true;
    }

    fn install(&mut self, sc: Scenario) -> Result<(), JsValue> {
        let session = Session::new(&sc).map_err(js_err)?;
        let new_surface = session.surface != self.session.surface;
        self.scenario = sc;
        self.session = session;
        if new_surface {
            self.view = self.session.surface.view();
            self.base_dirty = true;
        }
        self.cursor = None;
        self.playing = false;
        self.invalidate_trails();
        Ok(())
    }

    /// The current scenario as JSON text.
    pub fn scenario_json(&self) -> String {
        self.scenario.to_json()
    }

    /// The current scenario as an object.
    pub fn scenario(&self) -> Result<JsValue, JsValue> {
        self.scenario
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(js_err)
    }

    /// Every run's trace as the command line prints it (`runs`), as JSON text.
    pub fn paths_json(&self) -> String {
        let t: Vec<&Trace> = self.session.traces();
        serde_json::to_string(&t).unwrap_or_else(|_| "[]".into())
    }

    /// Every run's trace, as objects.
    pub fn paths(&self) -> Result<JsValue, JsValue> {
        let t: Vec<&Trace> = self.session.traces();
        t.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(js_err)
    }

    /// Restarts every run from the start.
    pub fn reset(&mut self) -> Result<(), JsValue> {
        self.session = Session::new(&self.scenario).map_err(js_err)?;
        self.cursor = None;
        self.invalidate_trails();
        Ok(())
    }

    /// Advances every run by `n` iterations (up to the step limit), synchronously.
    pub fn step(&mut self, n: u32) {
        self.session.step(u64::from(n));
        self.cursor = None;
        self.dirty = true;
    }

    /// The most iterations any run has taken.
    pub fn iterations(&self) -> u64 {
        self.session
            .runs
            .iter()
            .map(RunState::iterations)
            .max()
            .unwrap_or(0)
    }

    /// Whether every run has reached the step limit or diverged.
    pub fn done(&self) -> bool {
        self.session.done()
    }

    pub fn steps(&self) -> u64 {
        self.scenario.steps
    }

    /// Sets the step limit (1 to 100 000); runs past it are cut back.
    pub fn set_steps(&mut self, n: f64) -> Result<(), JsValue> {
        if !n.is_finite() || n < 1.0 || n > MAX_STEPS as f64 {
            return Err(js_err(format!(
                "the step limit must be from 1 to {MAX_STEPS}"
            )));
        }
        let n = n as u64;
        let shrink = n < self.iterations();
        self.scenario.steps = n;
        self.session.steps = n;
        if shrink {
            self.reset()?;
            self.session.step(n);
        }
        self.dirty = true;
        Ok(())
    }

    // ------------------------------------------------------------ playback

    pub fn set_playing(&mut self, on: bool) {
        self.playing = on && !(self.session.done() && self.cursor.is_none());
    }
    pub fn playing(&self) -> bool {
        self.playing
    }
    /// Iterations per frame, 1 to 1000.
    pub fn set_speed(&mut self, n: f64) {
        self.speed = if n.is_finite() {
            n.clamp(1.0, 1000.0) as u64
        } else {
            10
        };
    }
    pub fn speed(&self) -> u64 {
        self.speed
    }

    /// The iteration shown (the timeline's position).
    pub fn cursor(&self) -> u64 {
        self.cursor.unwrap_or_else(|| self.iterations())
    }

    /// Shows iteration `k` of those computed (the timeline scrubs).
    pub fn set_cursor(&mut self, k: f64) {
        let max = self.iterations();
        let k = if k.is_finite() {
            k.max(0.0) as u64
        } else {
            max
        };
        self.cursor = if k >= max { None } else { Some(k) };
        self.dirty = true;
    }

    /// Plots the charts against gradient evaluations instead of iterations.
    pub fn set_x_evals(&mut self, on: bool) {
        self.x_evals = on;
        self.dirty = true;
    }

    /// One animation frame: advances if playing, then redraws what changed. Returns whether it
    /// is still playing.
    pub fn frame(&mut self, _timestamp: f64) -> Result<bool, JsValue> {
        if self.playing {
            match self.cursor {
                Some(k) => {
                    let k = k + self.speed;
                    self.cursor = if k >= self.iterations() {
                        None
                    } else {
                        Some(k)
                    };
                }
                None => {
                    self.session.step(self.speed);
                    if self.session.done() {
                        self.playing = false;
                    }
                }
            }
            self.dirty = true;
        }
        self.draw()?;
        Ok(self.playing)
    }

    /// Redraws whatever is out of date.
    pub fn draw(&mut self) -> Result<(), JsValue> {
        if self.base_dirty {
            self.draw_base()?;
            self.base_dirty = false;
            self.dirty = true;
        }
        if self.dirty {
            self.draw_overlay()?;
            self.draw_charts()?;
            self.draw_scatter()?;
            self.dirty = false;
        }
        Ok(())
    }

    // ------------------------------------------------------------ surface

    /// Picks a named surface (default parameters, its view and default start).
    pub fn set_surface(&mut self, name: &str) -> Result<(), JsValue> {
        let info = LIBRARY
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| js_err(format!("unknown surface '{name}'")))?;
        let mut sc = self.scenario.clone();
        sc.surface = SurfaceSpec::named(name);
        sc.data = None;
        sc.start = info.start.into();
        self.install(sc)?;
        self.view = self.session.surface.view();
        self.field = None;
        self.base_dirty = true;
        Ok(())
    }

    /// Sets a parameter of the current named surface.
    pub fn set_surface_param(&mut self, name: &str, v: f64) -> Result<(), JsValue> {
        let mut sc = self.scenario.clone();
        let mut params = sc.surface.params.clone().unwrap_or_default();
        params.insert(name.to_string(), v);
        sc.surface.params = Some(params);
        sc.validate().map_err(js_err)?;
        self.install(sc)?;
        self.field = None;
        self.base_dirty = true;
        Ok(())
    }

    /// Uses an expression as the surface. On error the last good surface stays and the message
    /// names the column.
    pub fn set_expr(&mut self, src: &str) -> Result<(), JsValue> {
        let surface = Surface::expr(src).map_err(js_err)?;
        let same_kind = matches!(self.session.surface, Surface::Expr(_));
        let mut sc = self.scenario.clone();
        sc.surface = SurfaceSpec::expr(src);
        sc.data = None;
        self.install(sc)?;
        if !same_kind {
            self.view = surface.view();
        }
        self.field = None;
        self.base_dirty = true;
        Ok(())
    }

    /// The current surface as shown in the picker: `{name, expr, params, description}`.
    pub fn surface_json(&self) -> String {
        let s = &self.scenario.surface;
        let info = self.session.surface.info();
        serde_json::json!({
            "name": s.name,
            "expr": s.expr,
            "params": info.map(|i| i.params.iter().map(|p| serde_json::json!({
                "name": p.name, "min": p.min, "max": p.max, "log": p.log,
                "value": s.params.as_ref().and_then(|m| m.get(p.name)).copied().unwrap_or(p.default),
            })).collect::<Vec<_>>()),
            "description": info.map(|i| i.description),
            "formula": info.map(|i| i.formula),
            "data": self.scenario.data,
        })
        .to_string()
    }

    /// Uses a generated data set as the surface: `kind` is "linear" or "logistic".
    pub fn set_data(&mut self, kind: &str) -> Result<(), JsValue> {
        let kind = match kind {
            "linear" => DataKind::Linear,
            "logistic" => DataKind::Logistic,
            _ => {
                return Err(js_err(format!(
                    "unknown data kind '{kind}' (linear or logistic)"
                )))
            }
        };
        let noise = if kind == DataKind::Linear { 0.4 } else { 0.5 };
        self.install_data(
            DataSpec {
                kind,
                n: 60,
                noise,
                seed: 1,
                features: Features::Raw,
            },
            true,
        )
    }

    /// Changes a field of the data set: "n", "noise" or "seed" (a number), or "features"
    /// ("raw", "standardized", "batchnorm").
    pub fn set_data_field(&mut self, field: &str, value: &str) -> Result<(), JsValue> {
        let mut d = self
            .scenario
            .data
            .clone()
            .ok_or_else(|| js_err("the surface is not a data set"))?;
        let num = || crate::web::parse_number(value);
        match field {
            "n" => d.n = num()?.round().clamp(0.0, 1e9) as u32,
            "noise" => d.noise = num()?,
            "seed" => {
                let v = num()?;
                if v < 0.0 || v.fract() != 0.0 || v > 9.0e15 {
                    return Err(js_err("the seed must be a whole number ≥ 0"));
                }
                d.seed = v as u64;
            }
            "features" => {
                d.features = serde_json::from_value(serde_json::Value::String(value.into()))
                    .map_err(|_| {
                        js_err(format!(
                            "unknown features '{value}' (raw, standardized or batchnorm)"
                        ))
                    })?
            }
            _ => return Err(js_err(format!("the data set has no field '{field}'"))),
        }
        let refit = field == "features" || field == "n";
        self.install_data(d, refit)
    }

    fn install_data(&mut self, d: DataSpec, new_view: bool) -> Result<(), JsValue> {
        d.validate().map_err(js_err)?;
        let mut sc = self.scenario.clone();
        sc.surface = SurfaceSpec::default();
        let surface = Surface::data(&d);
        if new_view {
            sc.start = surface.default_start();
        }
        sc.data = Some(d);
        self.install(sc)?;
        if new_view {
            self.view = self.session.surface.view();
        }
        self.field = None;
        self.base_dirty = true;
        Ok(())
    }

    // ------------------------------------------------------------ runs

    /// The run's specification as JSON text.
    pub fn run_json(&self, i: usize) -> String {
        self.scenario
            .runs
            .get(i)
            .map(|r| serde_json::to_string(r).unwrap_or_default())
            .unwrap_or_default()
    }

    /// Replaces run `i` (from JSON text) and re-runs it from the start up to where the others
    /// are. On error nothing changes.
    pub fn set_run_json(&mut self, i: usize, text: &str) -> Result<(), JsValue> {
        let spec: RunSpec = serde_json::from_str(text).map_err(|e| js_err(format!("run: {e}")))?;
        spec.validate(&format!("runs[{i}]")).map_err(js_err)?;
        if i >= self.scenario.runs.len() {
            return Err(js_err(format!("no run {i}")));
        }
        let upto = self.iterations();
        self.scenario.runs[i] = spec.clone();
        self.session.replace_run(i, spec);
        self.invalidate_trails();
        if let Some(r) = self.session.runs.get_mut(i) {
            for _ in 0..upto {
                if !r.step(&self.session.surface) {
                    break;
                }
            }
        }
        self.dirty = true;
        Ok(())
    }

    /// Sets hyper-parameter `name` of run `i` (of its inner optimizer for lookahead when the
    /// wrapper does not take it) and re-runs it.
    pub fn set_hyper(&mut self, i: usize, name: &str, v: f64) -> Result<(), JsValue> {
        let mut spec = self
            .scenario
            .runs
            .get(i)
            .cloned()
            .ok_or_else(|| js_err(format!("no run {i}")))?;
        let ok = spec.optimizer.set(name, v)
            || spec
                .optimizer
                .inner
                .as_mut()
                .is_some_and(|inner| inner.set(name, v));
        if !ok {
            return Err(js_err(format!(
                "'{}' takes no '{name}'",
                spec.optimizer.name.name()
            )));
        }
        self.set_run_json(i, &serde_json::to_string(&spec).map_err(js_err)?)
    }

    /// Adds a run of optimizer `name` with its default settings; returns its index.
    pub fn add_run(&mut self, name: &str) -> Result<usize, JsValue> {
        let kind = OptKind::from_name(name)
            .ok_or_else(|| js_err(format!("unknown optimizer '{name}'")))?;
        if self.scenario.runs.len() >= crate::scenario::MAX_RUNS {
            return Err(js_err("too many runs"));
        }
        let mut o = OptimizerConfig::new(kind);
        if o.value("lr").is_none() {
            o.lr = Some(default_lr(kind));
        }
        let mut spec = RunSpec::new(o);
        let used: Vec<&str> = self
            .scenario
            .runs
            .iter()
            .filter_map(|r| r.color.as_deref())
            .collect();
        let color = PALETTE
            .iter()
            .find(|c| !used.contains(c))
            .unwrap_or(&PALETTE[self.scenario.runs.len() % PALETTE.len()]);
        spec.color = Some((*color).to_string());
        self.scenario.runs.push(spec.clone());
        let i = self.scenario.runs.len() - 1;
        self.session.runs.push(RunState::new(
            spec.clone(),
            &self.session.surface,
            self.session.start,
        ));
        self.set_run_json(i, &serde_json::to_string(&spec).map_err(js_err)?)?;
        Ok(i)
    }

    pub fn remove_run(&mut self, i: usize) {
        if i < self.scenario.runs.len() {
            self.scenario.runs.remove(i);
            self.session.runs.remove(i);
            self.invalidate_trails();
            self.dirty = true;
        }
    }

    /// Shows or hides run `i` (it keeps stepping).
    pub fn set_enabled(&mut self, i: usize, on: bool) {
        if let Some(r) = self.scenario.runs.get_mut(i) {
            r.enabled = if on { None } else { Some(false) };
            if let Some(s) = self.session.runs.get_mut(i) {
                s.spec.enabled = r.enabled;
            }
            self.trail_gen += 1;
            self.dirty = true;
        }
    }

    /// Per-run readouts at the shown iteration, as JSON text (formatted numbers).
    pub fn readouts_json(&self) -> String {
        let cur = self.cursor();
        let out: Vec<Readout> = self
            .session
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let t = &r.trace;
                let n = t.path.len() - 1;
                let k = (cur as usize).min(n);
                let p = t.path[k];
                let (g, lr) = if k < t.lr.len() {
                    (t.grad_norm[k], t.lr[k])
                } else if k > 0 {
                    (t.grad_norm[k - 1], t.lr[k - 1])
                } else {
                    (f64::NAN, f64::NAN)
                };
                let e = r.evals_at[k];
                let status = match t.diverged_at {
                    Some(d) if k >= n => format!("diverged at step {d}"),
                    _ if n as u64 >= self.scenario.steps => "done".into(),
                    _ => String::new(),
                };
                Readout {
                    label: t.label.clone(),
                    color: self.run_color(i),
                    enabled: r.spec.enabled != Some(false),
                    step: k as u64,
                    iterations: n as u64,
                    loss: fmt_num(t.loss[k]),
                    point: format!("({}, {})", fmt_num(p.x), fmt_num(p.y)),
                    grad_norm: if g.is_nan() { "–".into() } else { fmt_num(g) },
                    lr: if lr.is_nan() {
                        "–".into()
                    } else {
                        fmt_num(lr)
                    },
                    evals: format!("{} L, {} ∇L, {} ∇²L", e.value, e.grad, e.hessian),
                    status,
                    diverged: t.diverged_at.is_some() && k >= n,
                    epoch: match (&self.session.surface, &r.sampler) {
                        (Surface::Data(d), Some(_)) => {
                            let b = r
                                .spec
                                .batch_size
                                .or(self.scenario.batch_size)
                                .unwrap_or(1)
                                .max(1) as usize;
                            let per = d.len().div_ceil(b);
                            format!(
                                "epoch {} · batch {b} of {}",
                                fmt_num((k as f64 / per as f64 * 10.0).floor() / 10.0),
                                d.len()
                            )
                        }
                        _ => String::new(),
                    },
                }
            })
            .collect();
        serde_json::to_string(&out).unwrap_or_default()
    }

    fn run_color(&self, i: usize) -> String {
        self.scenario
            .runs
            .get(i)
            .and_then(|r| r.color.clone())
            .unwrap_or_else(|| PALETTE[i % PALETTE.len()].into())
    }

    // ------------------------------------------------------------ view and pointer

    /// Gives the page's scatter-plot canvas (drawn for data surfaces).
    pub fn set_scatter(&mut self, canvas: HtmlCanvasElement) {
        self.scatter = Some(canvas);
        self.resize();
    }

    /// Shows run `i`'s model in the scatter plot.
    pub fn select_run(&mut self, i: usize) {
        self.selected = i;
        self.dirty = true;
    }

    /// The run whose model the scatter plot shows.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// Re-reads the canvases' CSS sizes and the device pixel ratio.
    pub fn resize(&mut self) {
        self.dpr = web_sys::window()
            .map_or(1.0, |w| w.device_pixel_ratio())
            .clamp(1.0, 4.0);
        for c in [&self.map, &self.overlay, &self.loss, &self.lr]
            .into_iter()
            .chain(self.scatter.as_ref())
        {
            let w = (f64::from(c.client_width().max(50)) * self.dpr).round() as u32;
            let h = (f64::from(c.client_height().max(50)) * self.dpr).round() as u32;
            if c.width() != w || c.height() != h {
                c.set_width(w);
                c.set_height(h);
            }
        }
        self.field = None;
        self.base_dirty = true;
    }

    fn to_data(&self, px: f64, py: f64) -> Option<Vec2> {
        let (x, y) = (px * self.dpr, py * self.dpr);
        let r = self.plot;
        if r.w <= 0.0 || x < r.x || x > r.x + r.w || y < r.y || y > r.y + r.h {
            return None;
        }
        let [x0, x1, y0, y1] = self.view;
        Some(Vec2::new(
            x0 + (x - r.x) / r.w * (x1 - x0),
            y1 - (y - r.y) / r.h * (y1 - y0),
        ))
    }

    fn to_px(&self, p: Vec2) -> (f64, f64) {
        let r = self.plot;
        let [x0, x1, y0, y1] = self.view;
        (
            r.x + (p.x - x0) / (x1 - x0) * r.w,
            r.y + (y1 - p.y) / (y1 - y0) * r.h,
        )
    }

    /// A click at CSS pixel (px, py) of the map: sets the start there (every run restarts).
    /// Returns false outside the plot.
    pub fn click(&mut self, px: f64, py: f64) -> Result<bool, JsValue> {
        match self.to_data(px, py) {
            Some(p) => {
                self.set_start(p.x, p.y)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Sets the start point; every run restarts there.
    pub fn set_start(&mut self, x: f64, y: f64) -> Result<(), JsValue> {
        let mut sc = self.scenario.clone();
        sc.start = Vec2::new(x, y);
        sc.validate().map_err(js_err)?;
        let playing = self.playing;
        self.install(sc)?;
        self.playing = playing;
        Ok(())
    }

    /// The hover readout at CSS pixel (px, py): "x = …, y = …, L = …", or "" outside.
    pub fn hover(&self, px: f64, py: f64) -> String {
        let (a, b) = self.session.surface.axis_names();
        match self.to_data(px, py) {
            Some(p) => format!(
                "{a} = {}   {b} = {}   L = {}",
                fmt_num(p.x),
                fmt_num(p.y),
                fmt_num(self.session.surface.value(p))
            ),
            None => String::new(),
        }
    }

    /// Pans by a drag of (dx, dy) CSS pixels.
    pub fn pan(&mut self, dx: f64, dy: f64) {
        let r = self.plot;
        if r.w <= 0.0 || !(dx.is_finite() && dy.is_finite()) {
            return;
        }
        let [x0, x1, y0, y1] = self.view;
        let sx = -dx * self.dpr / r.w * (x1 - x0);
        let sy = dy * self.dpr / r.h * (y1 - y0);
        self.set_view([x0 + sx, x1 + sx, y0 + sy, y1 + sy]);
    }

    /// Zooms by `factor` (> 1 zooms in) about CSS pixel (px, py).
    pub fn zoom(&mut self, px: f64, py: f64, factor: f64) {
        if !(factor.is_finite() && factor > 0.0) {
            return;
        }
        let Some(c) = self.to_data(px, py) else {
            return;
        };
        let [x0, x1, y0, y1] = self.view;
        let f = 1.0 / factor;
        self.set_view([
            c.x + (x0 - c.x) * f,
            c.x + (x1 - c.x) * f,
            c.y + (y0 - c.y) * f,
            c.y + (y1 - c.y) * f,
        ]);
    }

    pub fn reset_view(&mut self) {
        self.set_view(self.session.surface.view());
    }

    /// `[x_min, x_max, y_min, y_max]`.
    pub fn view(&self) -> Vec<f64> {
        self.view.to_vec()
    }

    fn set_view(&mut self, v: [f64; 4]) {
        let w = v[1] - v[0];
        let h = v[3] - v[2];
        let ok = v.iter().all(|a| a.is_finite() && a.abs() < 1e9)
            && w > 1e-9
            && h > 1e-9
            && w < 1e9
            && h < 1e9;
        if ok {
            self.view = fit_aspect(v, self.plot.w, self.plot.h);
            self.trail_gen += 1;
            self.field = None;
            self.base_dirty = true;
        }
    }

    // ------------------------------------------------------------ drawing

    fn draw_base(&mut self) -> Result<(), JsValue> {
        let k = self.dpr;
        let backend = CanvasBackend::with_canvas_object(self.map.clone())
            .ok_or_else(|| js_err("no canvas"))?;
        let root = backend.into_drawing_area();
        let err = |e: DrawingAreaErrorKind<_>| js_err(e);
        root.fill(&RGBColor(250, 250, 252)).map_err(err)?;
        let names = self.session.surface.axis_names();
        let grey = RGBColor(90, 96, 110);
        let font = |s: f64| ("system-ui, sans-serif", s * k).into_font();
        let builder = || {
            let mut b = ChartBuilder::on(&root);
            b.margin((10.0 * k) as u32)
                .margin_top((24.0 * k) as u32)
                .margin_right((86.0 * k) as u32)
                .x_label_area_size((34.0 * k) as u32)
                .y_label_area_size((52.0 * k) as u32);
            b
        };
        // One data unit is as long across as up (gradients then look perpendicular to the
        // contour lines): widen the view along the axis that has room to spare.
        let (xr, yr) = builder()
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)
            .map_err(err)?
            .plotting_area()
            .get_pixel_range();
        self.view = fit_aspect(
            self.view,
            f64::from(xr.end - xr.start),
            f64::from(yr.end - yr.start),
        );
        let [x0, x1, y0, y1] = self.view;
        let mut chart = builder().build_cartesian_2d(x0..x1, y0..y1).map_err(err)?;
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let plot = Rect {
            x: f64::from(xr.start),
            y: f64::from(yr.start),
            w: f64::from(xr.end - xr.start),
            h: f64::from(yr.end - yr.start),
        };
        self.plot = plot;
        // Sample at `detail` cells per CSS pixel, then scale the image up with smoothing.
        // A logistic data surface costs one pass over the data per cell: keep the map's work
        // near 1.5·10⁶ point evaluations (it is smooth, and the image is scaled up smoothly).
        let per_cell = match &self.session.surface {
            Surface::Data(d) if d.spec.kind == DataKind::Logistic => d.len() as f64,
            _ => 1.0,
        };
        let cells = (plot.w / k) * (plot.h / k) * self.detail * self.detail;
        let detail = self.detail * (1.5e6 / (cells * per_cell)).sqrt().min(1.0);
        let nx = ((plot.w / k) * detail).round().max(16.0) as usize;
        let ny = ((plot.h / k) * detail).round().max(16.0) as usize;
        let field = match self.field.take() {
            Some(f) if f.nx == nx && f.ny == ny && f.view == self.view => f,
            _ => {
                let f = Field::sample(&self.session.surface, self.view, nx, ny);
                self.contours = f.contours(&f.levels(24));
                f
            }
        };
        let ctx = ctx2d(&self.map)?;
        let img = ImageData::new_with_u8_clamped_array_and_sh(
            Clamped(&field.rgba()),
            nx as u32,
            ny as u32,
        )?;
        let doc = web_sys::window()
            .and_then(|w| w.document())
            .ok_or_else(|| js_err("no document"))?;
        let off: HtmlCanvasElement = doc
            .create_element("canvas")?
            .dyn_into()
            .map_err(|_| js_err("canvas"))?;
        off.set_width(nx as u32);
        off.set_height(ny as u32);
        ctx2d(&off)?.put_image_data(&img, 0.0, 0.0)?;
        ctx.set_image_smoothing_enabled(true);
        ctx.draw_image_with_html_canvas_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
            &off, 0.0, 0.0, nx as f64, ny as f64, plot.x, plot.y, plot.w, plot.h,
        )?;
        // Contour lines.
        ctx.save();
        ctx.begin_path();
        ctx.rect(plot.x, plot.y, plot.w, plot.h);
        ctx.clip();
        ctx.set_line_width(0.8 * k);
        ctx.set_stroke_style_str("rgba(255,255,255,0.38)");
        ctx.begin_path();
        for level in &self.contours {
            for seg in level {
                let (ax, ay) = self.to_px(Vec2::new(seg[0].0, seg[0].1));
                let (bx, by) = self.to_px(Vec2::new(seg[1].0, seg[1].1));
                ctx.move_to(ax, ay);
                ctx.line_to(bx, by);
            }
        }
        ctx.stroke();
        // Known minima.
        for m in self.session.surface.minima() {
            let (mx, my) = self.to_px(m);
            star(&ctx, mx, my, 6.5 * k)?;
        }
        ctx.restore();
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(8)
            .y_labels(8)
            .axis_style(grey)
            .label_style(font(11.0).color(&grey))
            .x_desc(names.0)
            .y_desc(names.1)
            .axis_desc_style(font(12.0).color(&grey))
            .x_label_formatter(&|v| fmt_num(*v))
            .y_label_formatter(&|v| fmt_num(*v))
            .draw()
            .map_err(err)?;
        self.draw_colorbar(&ctx, &field)?;
        self.field = Some(field);
        self.trail_gen += 1;
        Ok(())
    }

    fn draw_colorbar(&self, ctx: &CanvasRenderingContext2d, f: &Field) -> Result<(), JsValue> {
        let k = self.dpr;
        let p = self.plot;
        let x = p.x + p.w + 16.0 * k;
        let w = 12.0 * k;
        let lut = crate::render::colormap::Lut::viridis();
        let n = 128;
        for i in 0..n {
            let t = 1.0 - (i as f64 + 0.5) / n as f64;
            let [r, g, b] = lut.at(t);
            ctx.set_fill_style_str(&format!("rgb({r},{g},{b})"));
            ctx.fill_rect(x, p.y + p.h * i as f64 / n as f64, w, p.h / n as f64 + 1.0);
        }
        ctx.set_stroke_style_str("rgba(90,96,110,0.6)");
        ctx.set_line_width(k);
        ctx.stroke_rect(x, p.y, w, p.h);
        ctx.set_fill_style_str("rgb(90,96,110)");
        ctx.set_font(&format!("{}px system-ui, sans-serif", 10.5 * k));
        ctx.set_text_align("left");
        ctx.set_text_baseline("middle");
        for i in 0..=5 {
            let t = i as f64 / 5.0;
            let v = f.denormalize(t);
            let y = p.y + p.h * (1.0 - t);
            ctx.fill_rect(x + w, y - 0.5 * k, 3.0 * k, k);
            ctx.fill_text(&fmt_num(v), x + w + 5.0 * k, y)?;
        }
        ctx.save();
        ctx.translate(x, p.y - 9.0 * k)?;
        ctx.set_text_baseline("bottom");
        ctx.fill_text(if f.log { "L (log scale)" } else { "L" }, 0.0, 0.0)?;
        ctx.restore();
        Ok(())
    }

    fn draw_overlay(&mut self) -> Result<(), JsValue> {
        let ctx = ctx2d(&self.overlay)?;
        let k = self.dpr;
        let (w, h) = (self.overlay.width(), self.overlay.height());
        ctx.clear_rect(0.0, 0.0, f64::from(w), f64::from(h));
        let p = self.plot;
        let cur = self.cursor() as usize;
        // Bring the trail layers up to date: new segments only, unless something changed.
        let mut trails = match self.trails.take() {
            Some(t) if t.halo.width() == w && t.halo.height() == h => t,
            _ => {
                let doc = web_sys::window()
                    .and_then(|w| w.document())
                    .ok_or_else(|| js_err("no document"))?;
                let mk = || -> Result<HtmlCanvasElement, JsValue> {
                    let c: HtmlCanvasElement = doc
                        .create_element("canvas")?
                        .dyn_into()
                        .map_err(|_| js_err("canvas"))?;
                    c.set_width(w);
                    c.set_height(h);
                    Ok(c)
                };
                Trails {
                    halo: mk()?,
                    line: mk()?,
                    gen: u64::MAX,
                    drawn: Vec::new(),
                }
            }
        };
        let stale = trails.gen != self.trail_gen
            || trails.drawn.len() != self.session.runs.len()
            || self
                .session
                .runs
                .iter()
                .zip(&trails.drawn)
                .any(|(r, d)| d.0 > (cur + 1).min(r.trace.path.len()));
        let (hc, lc) = (ctx2d(&trails.halo)?, ctx2d(&trails.line)?);
        if stale {
            for c in [&hc, &lc] {
                c.clear_rect(0.0, 0.0, f64::from(w), f64::from(h));
            }
            trails.drawn = vec![(0, (0.0, 0.0)); self.session.runs.len()];
            trails.gen = self.trail_gen;
        }
        for (c, width) in [(&hc, 4.2 * k), (&lc, 2.0 * k)] {
            c.save();
            c.begin_path();
            c.rect(p.x, p.y, p.w, p.h);
            c.clip();
            c.set_line_join("round");
            c.set_line_cap("round");
            c.set_line_width(width);
        }
        hc.set_stroke_style_str("rgba(15,18,30,0.55)");
        let min_px = 0.75 * k;
        for (i, r) in self.session.runs.iter().enumerate() {
            if r.spec.enabled == Some(false) {
                continue;
            }
            let n = cur.min(r.trace.path.len() - 1);
            let (done, mut last) = trails.drawn[i];
            if done > n {
                continue;
            }
            lc.set_stroke_style_str(&self.run_color(i));
            let px = |q: Vec2| {
                let (a, b) = self.to_px(q);
                (a.clamp(-1e6, 1e6), b.clamp(-1e6, 1e6))
            };
            for c in [&hc, &lc] {
                c.begin_path();
                if done == 0 {
                    last = px(r.trace.path[0]);
                }
                c.move_to(last.0, last.1);
            }
            let mut end = last;
            for j in done.max(1)..=n {
                let q = px(r.trace.path[j]);
                if (q.0 - end.0).hypot(q.1 - end.1) >= min_px || j == n {
                    for c in [&hc, &lc] {
                        c.line_to(q.0, q.1);
                    }
                    end = q;
                }
            }
            if done == 0 && n == 0 {
                for c in [&hc, &lc] {
                    c.line_to(last.0, last.1);
                }
            }
            hc.stroke();
            lc.stroke();
            trails.drawn[i] = (n + 1, end);
        }
        hc.restore();
        lc.restore();
        ctx.draw_image_with_html_canvas_element(&trails.halo, 0.0, 0.0)?;
        ctx.draw_image_with_html_canvas_element(&trails.line, 0.0, 0.0)?;
        self.trails = Some(trails);
        ctx.save();
        ctx.begin_path();
        ctx.rect(p.x, p.y, p.w, p.h);
        ctx.clip();
        for (i, r) in self.session.runs.iter().enumerate() {
            if r.spec.enabled == Some(false) {
                continue;
            }
            let n = cur.min(r.trace.path.len() - 1);
            let (a, b) = self.to_px(r.trace.path[n]);
            let color = self.run_color(i);
            let diverged = r.trace.diverged_at.is_some() && n + 1 == r.trace.path.len();
            ctx.set_fill_style_str(&color);
            ctx.set_stroke_style_str("rgba(15,18,30,0.9)");
            ctx.set_line_width(1.5 * k);
            ctx.begin_path();
            if diverged {
                let s = 6.0 * k;
                ctx.set_stroke_style_str(&color);
                ctx.set_line_width(3.0 * k);
                ctx.move_to(a - s, b - s);
                ctx.line_to(a + s, b + s);
                ctx.move_to(a + s, b - s);
                ctx.line_to(a - s, b + s);
                ctx.stroke();
            } else {
                ctx.arc(a, b, 5.0 * k, 0.0, core::f64::consts::TAU)?;
                ctx.fill();
                ctx.stroke();
            }
        }
        // The start.
        let (sx, sy) = self.to_px(self.session.start);
        ctx.set_line_width(2.0 * k);
        ctx.set_stroke_style_str("rgba(15,18,30,0.85)");
        ctx.set_fill_style_str("#ffffff");
        ctx.begin_path();
        ctx.arc(sx, sy, 6.0 * k, 0.0, core::f64::consts::TAU)?;
        ctx.fill();
        ctx.stroke();
        ctx.set_fill_style_str("rgba(15,18,30,0.85)");
        ctx.begin_path();
        ctx.arc(sx, sy, 2.2 * k, 0.0, core::f64::consts::TAU)?;
        ctx.fill();
        ctx.restore();
        Ok(())
    }

    fn draw_scatter(&self) -> Result<(), JsValue> {
        let (Some(canvas), Surface::Data(d)) = (&self.scatter, &self.session.surface) else {
            return Ok(());
        };
        let k = self.dpr;
        let px = |v: f64| (v * k).round() as u32;
        let font = |size: f64| ("system-ui, sans-serif", size * k).into_font();
        let backend =
            CanvasBackend::with_canvas_object(canvas.clone()).ok_or_else(|| js_err("no canvas"))?;
        let root = backend.into_drawing_area();
        let err = |e: DrawingAreaErrorKind<_>| js_err(e);
        root.fill(&WHITE).map_err(err)?;
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for p in &d.raw {
            x0 = x0.min(p[0]);
            x1 = x1.max(p[0]);
            y0 = y0.min(p[1]);
            y1 = y1.max(p[1]);
        }
        let (px_, py_) = (0.08 * (x1 - x0).max(1e-9), 0.08 * (y1 - y0).max(1e-9));
        let (x0, x1, y0, y1) = (x0 - px_, x1 + px_, y0 - py_, y1 + py_);
        let sel = self.selected.min(self.session.runs.len().saturating_sub(1));
        let run = self.session.runs.get(sel);
        let title = match run {
            Some(r) => format!(
                "Model of {} · step {}",
                r.trace.label,
                self.cursor().min(r.iterations())
            ),
            None => "Data".to_string(),
        };
        let grey = RGBColor(90, 96, 110);
        let mut chart = ChartBuilder::on(&root)
            .margin(px(8.0))
            .margin_right(px(14.0))
            .caption(title, font(13.0).color(&RGBColor(40, 44, 52)))
            .x_label_area_size(px(30.0))
            .y_label_area_size(px(46.0))
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        let (xd, yd) = match d.spec.kind {
            DataKind::Linear => ("x", "y"),
            DataKind::Logistic => ("x₁", "x₂"),
        };
        chart
            .configure_mesh()
            .x_labels(5)
            .y_labels(5)
            .light_line_style(RGBColor(238, 240, 244))
            .bold_line_style(RGBColor(225, 228, 234))
            .axis_style(grey)
            .label_style(font(11.0).color(&grey))
            .x_desc(xd)
            .y_desc(yd)
            .axis_desc_style(font(11.0).color(&grey))
            .x_label_formatter(&|v| fmt_num(*v))
            .y_label_formatter(&|v| fmt_num(*v))
            .draw()
            .map_err(err)?;
        let (blue, orange) = (RGBColor(58, 134, 255), RGBColor(247, 127, 0));
        chart
            .draw_series(d.raw.iter().zip(&d.target).map(|(p, &t)| {
                let c = if d.spec.kind == DataKind::Logistic && t < 0.0 {
                    orange
                } else {
                    blue
                };
                Circle::new((p[0], p[1]), px(2.6), c.mix(0.75).filled())
            }))
            .map_err(err)?;
        let Some(r) = run else { return Ok(()) };
        let theta = r.trace.path[(self.cursor() as usize).min(r.trace.path.len() - 1)];
        // The model in the data's own units.
        let scale = |c: usize| match d.spec.features {
            Features::Raw => (0.0, 1.0),
            Features::Standardized => (d.mean[c], if d.std[c] > 0.0 { d.std[c] } else { 1.0 }),
            Features::Batchnorm => (
                d.mean[c],
                (d.std[c] * d.std[c] + crate::surface::data::BN_EPS).sqrt(),
            ),
        };
        let line = match d.spec.kind {
            DataKind::Linear => {
                // ŷ = w (x − μ)/s + b: through (μ, b) with slope w/s.
                let (mu, sd) = scale(0);
                clip_line((mu, theta.y), (1.0, theta.x / sd), x0, x1, y0, y1)
            }
            DataKind::Logistic => {
                // w₁ (x₁ − μ₁)/s₁ + w₂ (x₂ − μ₂)/s₂ = 0: through (μ₁, μ₂), normal (w₁/s₁, w₂/s₂).
                let ((m1, s1), (m2, s2)) = (scale(0), scale(1));
                let (a, b) = (theta.x / s1, theta.y / s2);
                clip_line((m1, m2), (-b, a), x0, x1, y0, y1)
            }
        };
        if let Some(seg) = line {
            let color = parse_hex(&self.run_color(sel));
            chart
                .draw_series(LineSeries::new(seg.to_vec(), color.stroke_width(px(2.5))))
                .map_err(err)?;
        }
        Ok(())
    }

    fn draw_charts(&self) -> Result<(), JsValue> {
        let cur = self.cursor();
        let x_label = if self.x_evals {
            "gradient evaluations"
        } else {
            "step"
        };
        let buckets = (f64::from(self.loss.width()) / self.dpr).round().max(50.0) as usize;
        let mut loss_series = Vec::new();
        let mut faint = Vec::new();
        let mut lr_series = Vec::new();
        let mut cursor_x = None;
        for (i, r) in self.session.runs.iter().enumerate() {
            if r.spec.enabled == Some(false) {
                continue;
            }
            let t = &r.trace;
            let n = (cur as usize).min(t.path.len() - 1);
            let x = |j: usize| {
                if self.x_evals {
                    r.evals_at[j].grad as f64
                } else {
                    j as f64
                }
            };
            let color = parse_hex(&self.run_color(i));
            let m = n.min(t.lr.len());
            if !self.x_evals {
                cursor_x = Some(n as f64);
            }
            let mb = n.min(t.batch_loss.len());
            if mb > 0 {
                // The noisy mini-batch loss, faint, behind every full-batch curve.
                faint.push(Series {
                    color,
                    marker: None,
                    points: chart::minmax_decimate_by(mb, buckets, |j| (x(j), t.batch_loss[j])),
                    faint: true,
                });
            }
            loss_series.push(Series {
                color,
                marker: Some((x(n), t.loss[n])),
                points: chart::minmax_decimate_by(n + 1, buckets, |j| (x(j), t.loss[j])),
                faint: false,
            });
            lr_series.push(Series {
                color,
                marker: m.checked_sub(1).map(|j| (x(j), t.lr[j])),
                points: chart::minmax_decimate_by(m, buckets, |j| (x(j), t.lr[j])),
                faint: false,
            });
        }
        faint.append(&mut loss_series);
        let loss_series = faint;
        let cursor_x = if self.cursor.is_some() {
            cursor_x
        } else {
            None
        };
        for (canvas, series, title, log) in [
            (
                &self.loss,
                &loss_series,
                if self.scenario.data.is_some() {
                    "Loss (full batch; faint: mini-batch)"
                } else {
                    "Loss L(θ)"
                },
                true,
            ),
            (&self.lr, &lr_series, "Learning rate", true),
        ] {
            let backend = CanvasBackend::with_canvas_object(canvas.clone())
                .ok_or_else(|| js_err("no canvas"))?;
            let root = backend.into_drawing_area();
            let style = ChartStyle {
                title,
                x_label,
                log_y: log,
                scale: self.dpr,
                cursor: cursor_x,
            };
            chart::draw(&root, series, &style).map_err(js_err)?;
        }
        Ok(())
    }
}

/// The view widened along one axis so that `w / h` pixels hold equal data lengths.
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

/// Clips the line through `p` with direction `d` to the box; `None` if it misses.
fn clip_line(
    p: (f64, f64),
    d: (f64, f64),
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
) -> Option<[(f64, f64); 2]> {
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

fn star(ctx: &CanvasRenderingContext2d, x: f64, y: f64, r: f64) -> Result<(), JsValue> {
    ctx.begin_path();
    for i in 0..10 {
        let a = core::f64::consts::PI * (i as f64) / 5.0 - core::f64::consts::FRAC_PI_2;
        let rr = if i % 2 == 0 { r } else { r * 0.45 };
        let (px, py) = (x + rr * a.cos(), y + rr * a.sin());
        if i == 0 {
            ctx.move_to(px, py);
        } else {
            ctx.line_to(px, py);
        }
    }
    ctx.close_path();
    ctx.set_fill_style_str("#ffffff");
    ctx.set_stroke_style_str("rgba(15,18,30,0.8)");
    ctx.set_line_width(r * 0.22);
    ctx.fill();
    ctx.stroke();
    Ok(())
}

/// A learning rate that suits a new run of `kind` on most library surfaces.
fn default_lr(kind: OptKind) -> f64 {
    match kind {
        OptKind::Gd | OptKind::Momentum | OptKind::Nesterov | OptKind::SgdHd => 1e-3,
        OptKind::Lion => 0.01,
        _ => 0.05,
    }
}

// ---------------------------------------------------------------- static helpers

/// The named surfaces (name, title, description, params, view, start, minima) as JSON text.
#[wasm_bindgen]
pub fn surfaces_json() -> String {
    serde_json::to_string(LIBRARY).unwrap_or_default()
}

/// The optimizers and their hyper-parameters (defaults, slider ranges) as JSON text.
#[wasm_bindgen]
pub fn optimizers_json() -> String {
    serde_json::to_string(OPTIMIZERS).unwrap_or_default()
}

/// The default scenario as JSON text.
#[wasm_bindgen]
pub fn default_scenario_json() -> String {
    default_scenario().to_json()
}

/// A slider position in [0, 1] to a value in [min, max] (geometric when `log`).
#[wasm_bindgen]
pub fn slider_value(min: f64, max: f64, log: bool, pos: f64) -> f64 {
    let t = if pos.is_finite() {
        pos.clamp(0.0, 1.0)
    } else {
        0.0
    };
    if log && min > 0.0 {
        let v = (min.ln() + t * (max.ln() - min.ln())).exp();
        // Three significant digits, so slider values read cleanly.
        let mag = 10f64.powf(v.log10().floor() - 2.0);
        (v / mag).round() * mag
    } else {
        min + t * (max - min)
    }
}

/// The slider position in [0, 1] of value `v` (the inverse of [`slider_value`]).
#[wasm_bindgen]
pub fn slider_pos(min: f64, max: f64, log: bool, v: f64) -> f64 {
    let t = if log && min > 0.0 && v > 0.0 {
        (v.ln() - min.ln()) / (max.ln() - min.ln())
    } else {
        (v - min) / (max - min)
    };
    if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// A number as the page shows it.
#[wasm_bindgen]
pub fn format_number(v: f64) -> String {
    fmt_num(v)
}

/// Parses a number the user typed (also `1e-3`, `−0.5`); errors say what was wrong.
#[wasm_bindgen]
pub fn parse_number(s: &str) -> Result<f64, JsValue> {
    let t = s.trim().replace('−', "-");
    let v: f64 = t
        .parse()
        .map_err(|_| js_err(format!("'{}' is not a number", s.trim())))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(js_err("the number must be finite"))
    }
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

/// The map pipeline without a canvas, for benchmarks in Node: samples `expr` over the view on
/// an `nx` × `ny` grid over `view` = `[x_min, x_max, y_min, y_max]` and traces `levels` contour levels. Returns the number of segments.
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
    Ok(c.iter().map(|l| l.len() as u32).sum())
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
