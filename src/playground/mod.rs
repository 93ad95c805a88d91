//! The page's behaviour without a browser: the scenario as the one source of truth (the
//! engine's session follows it), playback and the timeline cursor, the viewport, readouts and
//! hover text, and what must be redrawn after a change. The web shell (`web`) only forwards
//! events and draws; the command line's `render` draws through the same [`scene`] code.
//!
//! Every edit builds the changed scenario and hands it to one place that validates it and lets
//! the session follow: a run whose specification changed restarts from θ₀ and catches up to the
//! step the others have reached, so what is shown is always what the scenario's share link
//! reproduces, bit for bit.
//!
//! ```
//! use optimizer_playground::playground::Playground;
//! let mut pg = Playground::new(Playground::default_scenario()).unwrap();
//! pg.step(30);
//! pg.set_hyper(2, "lr", 0.02).unwrap();           // restarts run 2 and catches it up
//! assert_eq!(pg.session().runs[2].iterations(), 30);
//! assert_eq!(pg.scenario().runs[2].optimizer.get("lr"), Some(0.02));
//! ```

mod catalog;
pub mod export;
pub mod figure;
pub mod gif;
pub mod inner;
pub mod narrate;
pub mod readout;
pub mod scene;

pub use catalog::{catalog, options, Catalog, Choice, FeatureChoice, Options};
pub use readout::Readout;

use crate::optim::{OptKind, OptimizerConfig};
use crate::render::map::{self, MapBase};
use crate::render::view::{Rect, Viewport};
use crate::run::{RunState, Session};
use crate::scenario::{RunSpec, Scenario, SurfaceSpec, MAX_RUNS, MAX_STEPS};
use crate::surface::{DataKind, DataSpec, Features, Surface, LIBRARY};
use crate::vec2::Vec2;

/// The colours runs take when the scenario gives none.
pub const PALETTE: [&str; 8] = [
    "#e63946", "#f77f00", "#00a6fb", "#d63384", "#9d4edd", "#2ec4b6", "#ffb703", "#3a86ff",
];

/// The scenario a first visit shows: Rosenbrock's valley with gradient descent, momentum,
/// Adam and BFGS.
pub const DEFAULT_SCENARIO: &str = r##"{"surface": {"name": "rosenbrock"}, "start": [-1.5, 2.0], "steps": 500,
  "runs": [{"optimizer": {"name": "gd", "lr": 0.001}, "color": "#e63946"},
           {"optimizer": {"name": "momentum", "lr": 0.001, "momentum": 0.9}, "color": "#f77f00"},
           {"optimizer": {"name": "adam", "lr": 0.05}, "color": "#00a6fb"},
           {"optimizer": {"name": "bfgs"}, "color": "#d63384"}]}"##;

/// Iterations per animation frame: the range of the speed slider.
pub const SPEED_MIN: u64 = 1;
pub const SPEED_MAX: u64 = 1000;

/// What the charts' x axis counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XAxis {
    Steps,
    GradEvals,
    /// Data points processed ÷ the data set's size (data surfaces; steps elsewhere).
    Epochs,
}

impl XAxis {
    pub const ALL: [XAxis; 3] = [XAxis::Steps, XAxis::GradEvals, XAxis::Epochs];

    /// Its name in the page's API (`steps`, `evals`, `epochs`).
    pub const fn name(self) -> &'static str {
        match self {
            XAxis::Steps => "steps",
            XAxis::GradEvals => "evals",
            XAxis::Epochs => "epochs",
        }
    }

    pub fn from_name(name: &str) -> Option<XAxis> {
        XAxis::ALL.into_iter().find(|x| x.name() == name)
    }
}

/// The layers of the page, as a set: what must be drawn again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layers(u8);

impl Layers {
    /// Colour map, contours, minima, axes, colour bar.
    pub const MAP: Layers = Layers(1);
    /// Trajectories drawn so far are stale: draw them again from θ₀.
    pub const TRAILS: Layers = Layers(2);
    /// New trajectory segments, current points and the start.
    pub const MARKS: Layers = Layers(4);
    pub const CHARTS: Layers = Layers(8);
    pub const SCATTER: Layers = Layers(16);
    pub const NONE: Layers = Layers(0);
    pub const ALL: Layers = Layers(31);

    pub const fn union(self, o: Layers) -> Layers {
        Layers(self.0 | o.0)
    }
    /// These layers but `o`.
    pub const fn without(self, o: Layers) -> Layers {
        Layers(self.0 & !o.0)
    }
    pub const fn contains(self, o: Layers) -> bool {
        self.0 & o.0 == o.0
    }
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// What changed. [`Change::redraws`] is the one table from a change to the layers it makes
/// stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A new surface (or data set): everything.
    Surface,
    /// The canvas size or the device pixel ratio: everything.
    Canvas,
    /// The box of the plane shown.
    View,
    /// Runs restarted, added, removed or relabelled, or a new start.
    Runs,
    /// Runs took new iterations.
    Progress,
    /// The timeline cursor moved.
    Cursor,
    /// A run was shown or hidden, or recoloured.
    Visibility,
    /// Another run's model in the scatter plot.
    Selection,
    /// The charts' x axis.
    Axis,
}

impl Change {
    pub const fn redraws(self) -> Layers {
        use Layers as L;
        match self {
            Change::Surface | Change::Canvas => L::ALL,
            Change::View => L::MAP.union(L::TRAILS).union(L::MARKS),
            Change::Runs | Change::Cursor => {
                L::TRAILS.union(L::MARKS).union(L::CHARTS).union(L::SCATTER)
            }
            Change::Progress => L::MARKS.union(L::CHARTS).union(L::SCATTER),
            Change::Visibility => L::TRAILS.union(L::MARKS).union(L::CHARTS),
            Change::Selection => L::SCATTER,
            Change::Axis => L::CHARTS,
        }
    }
}

/// The page's state: the scenario, the session that follows it, playback, the view.
#[derive(Clone, Debug)]
pub struct Playground {
    scenario: Scenario,
    session: Session,
    playing: bool,
    speed: u64,
    /// The iteration shown when scrubbed back (`None`: the latest).
    cursor: Option<u64>,
    x_axis: XAxis,
    /// The run whose model the scatter plot shows.
    selected: usize,
    viewport: Viewport,
    /// The map canvas in device pixels, and device pixels per CSS pixel.
    canvas: (u32, u32),
    scale: f64,
    /// How much larger type, lines and markers are drawn (1; about 1.75 for a projector).
    emphasis: f64,
    /// Colour-map cells per CSS pixel.
    detail: f64,
    /// CSS pixels right of the colour bar for its labels, as last measured, and whether the
    /// next measurement sets it afresh (on a new canvas, or back at the surface's own view)
    /// rather than only widening it.
    labels: f64,
    labels_fresh: bool,
    /// The width / height of the view last asked for with [`Playground::set_view`]: a view
    /// copied from another page (a link) was fitted to that page's plot, whose colour-bar room
    /// may have grown wider than this page's labels need; giving them that room shows the view
    /// exactly instead of widening its y-range.
    asked_aspect: Option<f64>,
    base: Option<MapBase>,
    redraw: Layers,
    /// Counts the changes of the scenario and of the view ([`Playground::version`]).
    version: u64,
    /// The iteration every run is to reach: runs behind it (restarted by an edit, or a frame
    /// that ran out of time) catch up in the next frames.
    target: u64,
    /// Milliseconds since some origin, where work per call is bounded (the page); without one
    /// every call does all its work at once.
    clock: Option<Clock>,
    /// How far the slowest run got in the last frame.
    last_frame: u64,
    /// The view inside the optimizer: shown or not, and its replay.
    inner: inner::InnerState,
}

/// A clock in milliseconds (the page's `performance.now`).
pub type Clock = fn() -> f64;

/// Time for stepping in one animation frame, in milliseconds (the rest of a 60 Hz frame draws).
pub const FRAME_BUDGET_MS: f64 = 8.0;
/// Time an edit may take to replay its run synchronously; the rest continues in frames.
pub const EDIT_BUDGET_MS: f64 = 40.0;

impl Playground {
    /// A playground showing `scenario` on an 800 × 560 map until told its canvas.
    pub fn new(scenario: Scenario) -> Result<Playground, String> {
        let session = Session::new(&scenario)?;
        let (canvas, scale) = ((800, 560), 1.0);
        let viewport = Viewport::new(
            session.surface.view(),
            map::plot_rect(canvas.0, canvas.1, scale),
        );
        Ok(Playground {
            scenario,
            session,
            playing: false,
            speed: 10,
            cursor: None,
            x_axis: XAxis::Steps,
            selected: 0,
            viewport,
            canvas,
            scale,
            emphasis: 1.0,
            detail: 0.5,
            labels: map::LABEL_ROOM,
            labels_fresh: true,
            asked_aspect: None,
            base: None,
            redraw: Layers::ALL,
            version: 0,
            target: 0,
            clock: None,
            last_frame: 0,
            inner: inner::InnerState::default(),
        })
    }

    /// The scenario a first visit shows.
    pub fn default_scenario() -> Scenario {
        // Written in the scenario format itself; a test checks that it parses.
        Scenario::from_json(DEFAULT_SCENARIO).unwrap_or_else(|_| Scenario {
            surface: SurfaceSpec::named("rosenbrock"),
            data: None,
            start: Vec2::new(-1.5, 2.0),
            steps: 500,
            runs: Vec::new(),
            batch_size: None,
            stop: None,
        })
    }

    // ------------------------------------------------------------ reading

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    pub fn session(&self) -> &Session {
        &self.session
    }
    pub fn viewport(&self) -> &Viewport {
        &self.viewport
    }
    /// Device pixels per CSS pixel.
    pub fn scale(&self) -> f64 {
        self.scale
    }
    pub fn x_axis(&self) -> XAxis {
        self.x_axis
    }
    pub fn playing(&self) -> bool {
        self.playing
    }
    pub fn speed(&self) -> u64 {
        self.speed
    }
    pub fn selected(&self) -> usize {
        self.selected
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

    /// The iteration shown (the timeline's position).
    pub fn cursor(&self) -> u64 {
        self.cursor.unwrap_or_else(|| self.iterations())
    }

    /// Whether the timeline is scrubbed back from the latest iteration.
    pub fn scrubbed(&self) -> bool {
        self.cursor.is_some()
    }

    /// Whether every run has reached the step limit or diverged.
    pub fn done(&self) -> bool {
        self.session.done()
    }

    /// Run `i`'s colour: its own, else the `i`-th of [`palette`].
    pub fn run_color(&self, i: usize) -> String {
        self.scenario
            .runs
            .get(i)
            .and_then(|r| r.color.clone())
            .unwrap_or_else(|| palette(i))
    }

    /// Whether run `i` is shown.
    pub fn run_visible(&self, i: usize) -> bool {
        self.scenario
            .runs
            .get(i)
            .is_some_and(|r| r.enabled != Some(false))
    }

    /// The layers to draw again, cleared.
    pub fn take_redraw(&mut self) -> Layers {
        std::mem::take(&mut self.redraw)
    }

    /// Puts layers taken with [`Playground::take_redraw`] but not drawn back in the set.
    pub fn redraw_later(&mut self, layers: Layers) {
        self.redraw = self.redraw.union(layers);
    }

    fn touch(&mut self, c: Change) {
        if c == Change::View {
            self.version += 1;
        }
        self.redraw = self.redraw.union(c.redraws());
        if c == Change::Canvas {
            self.labels_fresh = true;
        }
    }

    /// A number that grows whenever the scenario or the view changes (and only then: not as
    /// runs take iterations), so that a watcher compares a number instead of the scenario.
    pub fn version(&self) -> u64 {
        self.version
    }

    // ------------------------------------------------------------ the one way a scenario changes

    /// Makes `new` the scenario: validates it (on error nothing changes), then lets the session
    /// follow. A new surface, start or default batch size restarts every run; otherwise only
    /// runs whose specification changed (beyond being shown or their colour) restart, and catch
    /// up to the iteration reached; runs added catch up too.
    fn apply(&mut self, new: Scenario) -> Result<(), String> {
        new.validate()?;
        if new != self.scenario {
            self.version += 1;
        }
        let reached = self.iterations();
        let old = &self.scenario;
        let same_world = new.surface == old.surface
            && new.data == old.data
            && new.start == old.start
            && new.batch_size == old.batch_size
            && new.stop == old.stop;
        if !same_world {
            return self.restart(new);
        }
        let numbers = |r: &RunSpec| RunSpec {
            enabled: None,
            color: None,
            ..r.clone()
        };
        let (n_old, n_new) = (old.runs.len(), new.runs.len());
        // One run removed: find which, so the others keep their iterations.
        let removed = (n_new + 1 == n_old)
            .then(|| {
                (0..n_old)
                    .find(|&j| old.runs[..j] == new.runs[..j] && old.runs[j + 1..] == new.runs[j..])
            })
            .flatten();
        let mut restarted = false;
        if let Some(j) = removed {
            self.session.remove_run(j);
            // The selection stays on the same run (the first if it was this one).
            self.selected = match self.selected {
                s if s == j => 0,
                s if s > j => s - 1,
                s => s,
            };
            restarted = true;
        } else {
            for i in 0..n_new.min(n_old) {
                if numbers(&old.runs[i]) != numbers(&new.runs[i]) {
                    self.session.replace_run(i, new.runs[i].clone());
                    restarted = true;
                }
            }
            if n_new < n_old {
                self.session.truncate_runs(n_new);
                restarted = true;
            }
            for r in &new.runs[n_old.min(n_new)..] {
                self.session.push_run(r.clone());
                restarted = true;
            }
        }
        let visibility = old
            .runs
            .iter()
            .zip(&new.runs)
            .any(|(a, b)| a.enabled != b.enabled || a.color != b.color);
        if new.steps < reached {
            // Cut back: replay from θ₀ to the new limit (the same bits as a fresh session).
            self.session = Session::new(&new)?;
            restarted = true;
        } else {
            self.session.steps = new.steps;
        }
        // Runs restarted or added replay to the step the others had reached.
        self.target = reached.min(new.steps);
        self.scenario = new;
        self.selected = self
            .selected
            .min(self.scenario.runs.len().saturating_sub(1));
        self.advance(Some(EDIT_BUDGET_MS));
        // The cursor stays within what is computed (a cut limit or a removed run may end it).
        self.cursor = self.cursor.filter(|&c| c < self.iterations());
        if restarted {
            self.touch(Change::Runs);
        } else if visibility {
            self.touch(Change::Visibility);
        }
        // A changed limit moves the timeline's end.
        self.touch(Change::Axis);
        Ok(())
    }

    /// Makes `sc` the scenario, keeping what did not change (see `apply`): only runs whose
    /// specification changed restart. On error nothing changes.
    pub fn edit(&mut self, sc: Scenario) -> Result<(), String> {
        self.apply(sc)
    }

    /// Applies a change to a copy of the scenario.
    fn change(
        &mut self,
        f: impl FnOnce(&mut Scenario) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut sc = self.scenario.clone();
        f(&mut sc)?;
        self.apply(sc)
    }

    // ------------------------------------------------------------ scenario edits

    /// Loads a whole scenario; playback stops at its start. On error nothing changes.
    pub fn load(&mut self, sc: Scenario) -> Result<(), String> {
        self.restart(sc)?;
        self.playing = false;
        self.selected = 0;
        Ok(())
    }

    /// Every run from θ₀ in a (validated) new scenario; a new surface gets its own view.
    fn restart(&mut self, new: Scenario) -> Result<(), String> {
        let session = Session::new(&new)?;
        let new_surface = new.surface != self.scenario.surface || new.data != self.scenario.data;
        if new != self.scenario {
            self.version += 1;
        }
        self.session = session;
        self.scenario = new;
        self.cursor = None;
        self.target = 0;
        if new_surface {
            self.base = None;
            self.viewport.set_view(self.session.surface.view());
            self.touch(Change::Surface);
        }
        self.touch(Change::Runs);
        Ok(())
    }

    /// Picks a named surface with its default parameters, view and start.
    pub fn set_surface(&mut self, name: &str) -> Result<(), String> {
        let info = LIBRARY
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("unknown surface '{name}'"))?;
        self.change(|sc| {
            sc.surface = SurfaceSpec::named(name);
            sc.data = None;
            sc.start = info.start.into();
            Ok(())
        })?;
        self.reset_view();
        Ok(())
    }

    /// Sets a parameter of the current named surface.
    pub fn set_surface_param(&mut self, name: &str, v: f64) -> Result<(), String> {
        self.change(|sc| {
            sc.surface
                .params
                .get_or_insert_with(Default::default)
                .insert(name.to_string(), v);
            Ok(())
        })
    }

    /// Uses an expression as the surface (keeping the view when the surface already was one).
    /// On error the last good surface stays and the message names the column.
    pub fn set_expr(&mut self, src: &str) -> Result<(), String> {
        Surface::expr(src).map_err(|e| e.to_string())?;
        let was_expr = matches!(self.session.surface, Surface::Expr(_));
        let view = self.viewport.view();
        self.change(|sc| {
            sc.surface = SurfaceSpec::expr(src);
            sc.data = None;
            Ok(())
        })?;
        if was_expr {
            self.set_view(view);
        }
        Ok(())
    }

    /// Uses a generated data set of `kind` ("linear" or "logistic") with default settings.
    pub fn set_data(&mut self, kind: &str) -> Result<(), String> {
        let spec = DataSpec::default_for(DataKind::named(kind)?);
        self.set_data_spec(spec, true)
    }

    /// Changes a field of the data set: "n", "noise" or "seed" (a number), or "features"
    /// ("raw", "standardized", "batchnorm").
    pub fn set_data_field(&mut self, field: &str, value: &str) -> Result<(), String> {
        let mut d = self
            .scenario
            .data
            .clone()
            .ok_or("the surface is not a data set")?;
        let num = || parse_number(value);
        match field {
            "n" => d.n = num()?.round().clamp(0.0, 1e9) as u32,
            "noise" => d.noise = num()?,
            "seed" => {
                let v = num()?;
                if v < 0.0 || v.fract() != 0.0 || v > 9.0e15 {
                    return Err("the seed must be a whole number ≥ 0".into());
                }
                d.seed = v as u64;
            }
            "features" => d.features = Features::named(value)?,
            // The held-out fraction (0: none).
            "validation" => d.validation = Some(num()?).filter(|v| *v != 0.0),
            _ => return Err(format!("the data set has no field '{field}'")),
        }
        let refit = field == "features" || field == "n";
        self.set_data_spec(d, refit)
    }

    fn set_data_spec(&mut self, d: DataSpec, new_view: bool) -> Result<(), String> {
        d.validate()?;
        let view = self.viewport.view();
        self.change(|sc| {
            sc.surface = SurfaceSpec::default();
            if new_view {
                sc.start = Surface::data(&d).default_start();
            }
            sc.data = Some(d);
            Ok(())
        })?;
        if new_view {
            self.reset_view();
        } else {
            self.set_view(view);
        }
        Ok(())
    }

    /// Replaces run `i`; it restarts and catches up to the others. On error nothing changes.
    pub fn set_run(&mut self, i: usize, spec: RunSpec) -> Result<(), String> {
        self.change(|sc| {
            let r = sc.runs.get_mut(i).ok_or_else(|| format!("no run {i}"))?;
            *r = spec;
            Ok(())
        })
    }

    /// Sets hyper-parameter `name` of run `i` (of its inner optimizer for lookahead when the
    /// wrapper does not take it).
    pub fn set_hyper(&mut self, i: usize, name: &str, v: f64) -> Result<(), String> {
        self.change(|sc| {
            let o = &mut sc
                .runs
                .get_mut(i)
                .ok_or_else(|| format!("no run {i}"))?
                .optimizer;
            let ok = o.set(name, v) || o.inner.as_mut().is_some_and(|inner| inner.set(name, v));
            if ok {
                Ok(())
            } else {
                Err(format!("'{}' takes no '{name}'", o.name.name()))
            }
        })
    }

    /// Adds a run of optimizer `name` with its default settings and a colour no other run
    /// has; returns its index.
    pub fn add_run(&mut self, name: &str) -> Result<usize, String> {
        let kind = OptKind::from_name(name).ok_or_else(|| format!("unknown optimizer '{name}'"))?;
        if self.scenario.runs.len() >= MAX_RUNS {
            return Err(format!("at most {MAX_RUNS} runs"));
        }
        let mut o = OptimizerConfig::new(kind);
        if o.value("lr").is_none() {
            o.set("lr", default_lr(kind));
        }
        let mut spec = self.tame(RunSpec::new(o));
        let n = self.scenario.runs.len();
        let used: Vec<String> = (0..n).map(|i| self.run_color(i)).collect();
        spec.color = (0..=MAX_RUNS)
            .map(palette)
            .find(|c| !used.contains(c))
            .or_else(|| Some(palette(n)));
        self.change(|sc| {
            sc.runs.push(spec);
            Ok(())
        })?;
        Ok(n)
    }

    /// Iterations [`Playground::tame`] tries a new run for.
    pub const PROBE_STEPS: u64 = 100;

    /// `spec` with a learning rate that does not blow up on this surface from this start: the
    /// run is tried for up to [`Playground::PROBE_STEPS`] iterations, and while it diverges or
    /// its loss grows a thousandfold, its rate (or, for lookahead, its inner optimizer's) is
    /// divided by ten (and values declared to shrink with it by their factor,
    /// [`crate::optim::config::HyperSpec::tame`]: a hypergradient rate by a hundred), at most
    /// ten times. Optimizers without a rate are left as they are.
    pub fn tame(&self, mut spec: RunSpec) -> RunSpec {
        fn lr_of(o: &mut OptimizerConfig) -> Option<&mut OptimizerConfig> {
            if o.name == OptKind::Lookahead {
                return o.inner.as_deref_mut().and_then(lr_of);
            }
            (o.name.info().first_order && o.value("lr").is_some()).then_some(o)
        }
        let surface = &self.session.surface;
        let steps = Self::PROBE_STEPS.min(self.scenario.steps);
        for _ in 0..10 {
            let mut probe = RunState::with_batch(
                spec.clone(),
                surface,
                self.scenario.start,
                self.scenario.batch_size,
            );
            let l0 = probe.trace.loss[0].abs().max(1e-12);
            let mut blown = false;
            for _ in 0..steps {
                if !probe.step(surface) || probe.trace.loss.last().is_some_and(|l| *l > 1e3 * l0) {
                    blown = true;
                    break;
                }
            }
            let Some(o) = lr_of(&mut spec.optimizer).filter(|_| blown) else {
                break;
            };
            let lr = o.value("lr").unwrap_or(1.0) / 10.0;
            o.set("lr", lr);
            // Values declared to shrink with the rate (`HyperSpec::tame`).
            for h in o.name.info().params.iter().filter(|h| h.tame != 1.0) {
                if let Some(v) = o.value(h.name) {
                    o.set(h.name, v * h.tame);
                }
            }
        }
        spec
    }

    pub fn remove_run(&mut self, i: usize) -> Result<(), String> {
        self.change(|sc| {
            if i >= sc.runs.len() {
                return Err(format!("no run {i}"));
            }
            sc.runs.remove(i);
            Ok(())
        })
    }

    /// Shows or hides run `i` (it keeps stepping).
    pub fn set_enabled(&mut self, i: usize, on: bool) -> Result<(), String> {
        self.change(|sc| {
            let r = sc.runs.get_mut(i).ok_or_else(|| format!("no run {i}"))?;
            r.enabled = if on { None } else { Some(false) };
            Ok(())
        })
    }

    /// Sets the start; every run restarts there (playback goes on if it was playing).
    pub fn set_start(&mut self, p: Vec2) -> Result<(), String> {
        self.change(|sc| {
            sc.start = p;
            Ok(())
        })
    }

    /// Sets the step limit (1 to 100 000); runs past it are cut back.
    pub fn set_steps(&mut self, n: f64) -> Result<(), String> {
        if !n.is_finite() || n < 1.0 || n > MAX_STEPS as f64 {
            return Err(format!("the step limit must be from 1 to {MAX_STEPS}"));
        }
        self.change(|sc| {
            sc.steps = n as u64;
            Ok(())
        })
    }

    // ------------------------------------------------------------ stepping and playback

    /// Restarts every run from the start.
    pub fn reset(&mut self) {
        if let Ok(s) = Session::new(&self.scenario) {
            self.session = s;
        }
        self.cursor = None;
        self.target = 0;
        self.touch(Change::Runs);
    }

    /// Advances every run by `n` iterations past the furthest one (up to the step limit), all
    /// of them, now, and shows the latest: the script API's `step(n)` and the Step button.
    pub fn step(&mut self, n: u64) {
        self.target = self.iterations().saturating_add(n).min(self.session.steps);
        self.advance(None);
        self.cursor = None;
        self.touch(Change::Progress);
    }

    /// Asks every run for `n` more iterations past the furthest one and steps them within a
    /// frame's budget; the frames that follow finish (the page's Step button: one iteration of
    /// 32 heavy runs can take longer than a frame).
    pub fn step_soon(&mut self, n: u64) {
        self.target = self.iterations().saturating_add(n).min(self.session.steps);
        self.advance(Some(FRAME_BUDGET_MS));
        self.cursor = None;
        self.touch(Change::Progress);
    }

    /// Plays or pauses. Play at the end replays the timeline from the first step.
    pub fn set_playing(&mut self, on: bool) {
        if on && self.session.done() && self.cursor.is_none() && self.iterations() > 0 {
            self.cursor = Some(0);
            self.touch(Change::Cursor);
        }
        self.playing = on && !(self.session.done() && self.cursor.is_none());
        if !self.playing {
            // Runs behind the furthest one still catch up to it; none goes further.
            self.target = self.target.min(self.iterations());
        }
    }

    /// Gives the playground a clock: from then on a frame steps for at most
    /// [`FRAME_BUDGET_MS`] and an edit replays its run for at most [`EDIT_BUDGET_MS`], the
    /// rest in the following frames, so a heavy scenario slows down instead of blocking.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = Some(clock);
    }

    /// How many iterations the last frame really advanced every run (the slowest one).
    pub fn last_frame_iterations(&self) -> u64 {
        self.last_frame
    }

    /// The iteration of the run furthest behind (of those that have not diverged).
    fn slowest(&self) -> u64 {
        self.session
            .runs
            .iter()
            .filter(|r| !r.finished())
            .map(RunState::iterations)
            .min()
            .unwrap_or_else(|| self.iterations())
    }

    /// Steps the runs behind [`Playground::target`], one iteration of each in turn, until they
    /// reach it or `budget_ms` has passed on the clock (no limit without a budget or a clock).
    /// Returns whether every run reached the target.
    fn advance(&mut self, budget_ms: Option<f64>) -> bool {
        let goal = self.target.min(self.session.steps);
        let clock = self.clock.zip(budget_ms);
        if clock.is_none() {
            // No budget: each run straight to the goal (runs are independent, so the order
            // changes nothing but the speed: one run's state stays in cache).
            let sum = |s: &Session| s.runs.iter().map(RunState::iterations).sum::<u64>();
            let before = sum(&self.session);
            for i in 0..self.session.runs.len() {
                self.session.step_run(i, goal);
            }
            if sum(&self.session) != before {
                self.touch(Change::Progress);
            }
            return true;
        }
        let t0 = clock.map_or(0.0, |(c, _)| c());
        // The clock is read every `stride` steps, doubling while steps are cheap.
        let (mut stride, mut since, mut last) = (1u32, 0u32, t0);
        let mut moved = false;
        let done = loop {
            let mut stepped = false;
            for i in 0..self.session.runs.len() {
                let r = &self.session.runs[i];
                if r.finished() || r.iterations() >= goal {
                    continue;
                }
                let next = r.iterations() + 1;
                self.session.step_run(i, next);
                stepped = true;
                moved = true;
                if let Some((now, budget)) = clock {
                    since += 1;
                    if since >= stride {
                        since = 0;
                        let t = now();
                        if t - t0 >= budget {
                            break;
                        }
                        if t - last < 0.25 {
                            stride = (stride * 2).min(4096);
                        }
                        last = t;
                    }
                }
            }
            if !stepped {
                break true;
            }
            if let Some((now, budget)) = clock {
                if now() - t0 >= budget {
                    break false;
                }
            }
        };
        if moved {
            self.touch(Change::Progress);
        }
        done
    }

    /// Iterations per frame, clamped to 1–1000 (10 for NaN).
    pub fn set_speed(&mut self, n: f64) {
        self.speed = if n.is_nan() {
            10
        } else {
            n.clamp(SPEED_MIN as f64, SPEED_MAX as f64) as u64
        };
    }

    /// Shows iteration `k` of those computed (the timeline scrubs); past the end shows the
    /// latest.
    pub fn set_cursor(&mut self, k: f64) {
        let max = self.iterations();
        let k = if k.is_finite() {
            k.max(0.0) as u64
        } else {
            max
        };
        let c = (k < max).then_some(k);
        if c != self.cursor {
            self.cursor = c;
            self.touch(Change::Cursor);
        }
    }

    /// One animation frame: when playing, the cursor moves on through what is computed, else
    /// every run takes `speed` more iterations (within [`FRAME_BUDGET_MS`] when the playground
    /// has a clock); runs behind the others catch up, playing or not. Returns whether it is
    /// still playing.
    pub fn frame(&mut self) -> bool {
        let before = self.slowest();
        let stepping = self.playing && self.cursor.is_none();
        if self.playing {
            match self.cursor {
                Some(k) => {
                    let k = k + self.speed;
                    self.cursor = (k < self.iterations()).then_some(k);
                    self.touch(Change::Cursor);
                }
                None => {
                    let next = (before + self.speed).min(self.session.steps);
                    self.target = self.target.max(next);
                }
            }
        }
        // Within the frame's budget: a heavy scenario slows down instead of freezing.
        self.advance(Some(FRAME_BUDGET_MS));
        self.last_frame = self.slowest().saturating_sub(before);
        if stepping && self.session.done() {
            self.playing = false;
        }
        self.playing
    }

    /// Plots the charts against gradient evaluations (or steps).
    pub fn set_x_axis(&mut self, x: XAxis) {
        if x != self.x_axis {
            self.x_axis = x;
            self.touch(Change::Axis);
        }
    }

    /// Shows run `i`'s model in the scatter plot.
    pub fn select_run(&mut self, i: usize) {
        if i != self.selected && i < self.scenario.runs.len() {
            self.selected = i;
            self.touch(Change::Selection);
            if self.show_inner() {
                // The view inside the optimizer follows the selected run.
                self.touch(Change::Cursor);
            }
        }
    }

    // ------------------------------------------------------------ view and pointer

    /// The map canvas is `width` × `height` device pixels at `scale` device pixels per CSS
    /// pixel.
    pub fn set_canvas(&mut self, width: u32, height: u32, scale: f64) {
        let scale = if scale.is_finite() {
            scale.clamp(0.25, 8.0)
        } else {
            1.0
        };
        if (width, height) != self.canvas || scale != self.scale {
            self.canvas = (width, height);
            self.scale = scale;
            self.viewport
                .set_plot(map::plot_rect_for(width, height, self.ink(), self.labels));
            self.touch(Change::Canvas);
        }
    }

    /// Draws type, lines and markers `f` times larger (presentation mode: about 1.75).
    pub fn set_emphasis(&mut self, f: f64) {
        let f = if f.is_finite() {
            f.clamp(0.5, 3.0)
        } else {
            1.0
        };
        if f != self.emphasis {
            self.emphasis = f;
            let (w, h) = self.canvas;
            self.viewport
                .set_plot(map::plot_rect_for(w, h, self.ink(), self.labels));
            self.touch(Change::Canvas);
        }
    }

    pub fn emphasis(&self) -> f64 {
        self.emphasis
    }

    /// The scale drawings use: device pixels per CSS pixel times the emphasis.
    pub fn ink(&self) -> f64 {
        self.scale * self.emphasis
    }

    /// The map canvas size in device pixels.
    pub fn canvas(&self) -> (u32, u32) {
        self.canvas
    }

    /// Shows `v` = `[x_min, x_max, y_min, y_max]` (widened for equal aspect); false for an
    /// unusable view.
    pub fn set_view(&mut self, v: [f64; 4]) -> bool {
        let ok = self.viewport.set_view(v);
        if ok {
            self.asked_aspect = Some((v[1] - v[0]) / (v[3] - v[2]));
            self.touch(Change::View);
        }
        ok
    }

    /// Back to the surface's own view (and the colour bar's labels to their own room).
    pub fn reset_view(&mut self) {
        if self.set_view(self.session.surface.view()) {
            self.labels_fresh = true;
            self.asked_aspect = None;
        }
    }

    fn device(&self, (px, py): (f64, f64)) -> (f64, f64) {
        (px * self.scale, py * self.scale)
    }

    /// The plane point under CSS pixel `(px, py)` of the map, if inside the plot.
    pub fn point_at(&self, css: (f64, f64)) -> Option<Vec2> {
        self.viewport.to_data(self.device(css))
    }

    /// A click at CSS pixel `(px, py)`: sets the start there. False outside the plot.
    pub fn click(&mut self, css: (f64, f64)) -> Result<bool, String> {
        match self.point_at(css) {
            Some(p) => self.set_start(p).map(|()| true),
            None => Ok(false),
        }
    }

    /// Pans by a drag of `(dx, dy)` CSS pixels.
    pub fn pan(&mut self, dx: f64, dy: f64) {
        if self.viewport.pan(dx * self.scale, dy * self.scale) {
            self.touch(Change::View);
        }
    }

    /// Zooms by `factor` (> 1 zooms in) about CSS pixel `(px, py)`.
    pub fn zoom(&mut self, css: (f64, f64), factor: f64) {
        if self.viewport.zoom_at(self.device(css), factor) {
            self.touch(Change::View);
        }
    }

    /// The colour map and contours for the current view, computed when the view, the canvas
    /// or the surface changed.
    pub fn map_base(&mut self) -> &MapBase {
        let (nx, ny) = map::grid_size(
            &self.session.surface,
            self.viewport.plot(),
            self.scale,
            self.detail,
        );
        let view = self.viewport.view();
        let fresh = matches!(&self.base, Some(b) if b.field.nx == nx && b.field.ny == ny && b.field.view == view);
        if !fresh {
            self.base = None;
        }
        self.base
            .get_or_insert_with(|| MapBase::compute(&self.session.surface, view, nx, ny))
    }

    /// The plot rectangle of the map, in device pixels.
    pub fn plot(&self) -> Rect {
        self.viewport.plot()
    }
}

/// The `i`-th run colour: [`PALETTE`], then [`MORE_COLOURS`] (so no two of a scenario's 32
/// runs look alike), then again from the start.
pub fn palette(i: usize) -> String {
    let k = i % (PALETTE.len() + MORE_COLOURS.len());
    PALETTE
        .get(k)
        .or_else(|| MORE_COLOURS.get(k - PALETTE.len()))
        .map_or_else(String::new, |c| (*c).to_string())
}

/// Colours of runs after the eighth: hues a golden angle (137.5°) apart at saturation 0.7 and
/// lightness 0.45.
pub const MORE_COLOURS: [&str; 24] = [
    "#c35822", "#22c387", "#b622c3", "#a1c322", "#2273c3", "#c32244", "#22c330", "#5f22c3",
    "#c38e22", "#22c3bd", "#c3229b", "#6cc322", "#223dc3", "#c33722", "#22c366", "#9522c3",
    "#c3c322", "#2294c3", "#c32265", "#36c322", "#3e22c3", "#c36d22", "#22c39c", "#c322bc",
];

/// A learning rate that suits a new run of `kind` on most library surfaces.
pub fn default_lr(kind: OptKind) -> f64 {
    match kind {
        OptKind::Gd | OptKind::Momentum | OptKind::Nesterov | OptKind::SgdHd => 1e-3,
        OptKind::Lion => 0.01,
        _ => 0.05,
    }
}

/// Parses a number the user typed (also `1e-3` and `−0.5` with a Unicode minus); the error
/// says what was wrong.
pub fn parse_number(s: &str) -> Result<f64, String> {
    let t = s.trim().replace('−', "-");
    let v: f64 = t
        .parse()
        .map_err(|_| format!("'{}' is not a number", s.trim()))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err("the number must be finite".into())
    }
}

/// A slider position in [0, 1] to a value in [min, max]: geometric when `log` (rounded to three
/// significant digits, so slider values read cleanly), else linear.
pub fn slider_value(min: f64, max: f64, log: bool, pos: f64) -> f64 {
    let t = if pos.is_finite() {
        pos.clamp(0.0, 1.0)
    } else {
        0.0
    };
    if log && min > 0.0 {
        let v = libm::exp(libm::log(min) + t * (libm::log(max) - libm::log(min)));
        let mag = libm::pow(10.0, libm::log10(v).floor() - 2.0);
        (v / mag).round() * mag
    } else {
        min + t * (max - min)
    }
}

/// The slider position in [0, 1] of value `v` (the inverse of [`slider_value`]).
pub fn slider_pos(min: f64, max: f64, log: bool, v: f64) -> f64 {
    let t = if log && min > 0.0 && v > 0.0 {
        (libm::log(v) - libm::log(min)) / (libm::log(max) - libm::log(min))
    } else {
        (v - min) / (max - min)
    };
    if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    }
}
