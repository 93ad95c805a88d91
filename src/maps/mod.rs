//! Maps of many whole runs at once: a **hyperparameter map** (one run of a scenario repeated
//! over a grid of two of its optimizer's hyperparameters) and a **basin map** (the run repeated
//! from every start point of a view rectangle, each start coloured by the minimum it ends in).
//!
//! A pixel is exactly one job of the bulk engine ([`crate::bulk::run_jobs`]): the scenario's
//! run `run` with the pixel's hyperparameters (or start) set, run as the scenario's only run,
//! so every pixel is the run `trace` gives for that one-run scenario, to the bit.
//!
//! ```
//! use optimizer_playground::{maps::{MapSpec, Metric}, scenario::Scenario};
//! let sc = Scenario::from_json(r#"{"surface": {"name": "himmelblau"}, "start": [0, 0],
//!   "steps": 50, "runs": [{"optimizer": {"name": "momentum", "lr": 0.01}}]}"#).unwrap();
//! let spec = MapSpec::hyper(sc, 0, None, 8, 6, None).unwrap();
//! assert_eq!((spec.x.name.as_str(), spec.y.name.as_str()), ("lr", "momentum"));
//! let map = spec.compute().unwrap();
//! assert_eq!(map.loss.len(), 48);
//! assert!(map.values(Metric::Loss).iter().any(|v| v.is_finite()));
//! ```

pub mod draw;

use crate::bulk::{run_jobs, Outcome};
use crate::optim::{OptKind, Param};
use crate::scenario::{RunSpec, Scenario};
use crate::surface::Surface;
use crate::vec2::Vec2;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// The largest side of a map, in pixels.
pub const MAX_SIDE: usize = 1024;

/// The most basins a basin map tells apart (settled ends beyond them read "did not settle").
pub const MAX_BASINS: usize = 512;

/// A pixel's basin label when its run diverged.
pub const DIVERGED: i32 = -1;
/// A pixel's basin label when its run ended away from every minimum (its gradient not small).
pub const UNSETTLED: i32 = -2;

/// What a map is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapKind {
    /// Two hyperparameters of the run's optimizer.
    Hyper,
    /// Start points in a view rectangle.
    Basin,
}

impl MapKind {
    pub fn from_name(s: &str) -> Option<MapKind> {
        match s {
            "hyper" => Some(MapKind::Hyper),
            "basin" | "basins" => Some(MapKind::Basin),
            _ => None,
        }
    }
}

/// What a pixel's colour shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// The loss at the run's last point.
    Loss,
    /// Iterations until the run first reached the tolerance.
    Steps,
    /// Gradient evaluations until the run first reached the tolerance.
    Evals,
}

impl Metric {
    pub fn from_name(s: &str) -> Option<Metric> {
        match s {
            "loss" => Some(Metric::Loss),
            "steps" | "iterations" => Some(Metric::Steps),
            "evals" => Some(Metric::Evals),
            _ => None,
        }
    }
    /// The colour bar's title.
    pub fn title(self) -> &'static str {
        match self {
            Metric::Loss => "final loss",
            Metric::Steps => "iterations to tol",
            Metric::Evals => "grad evals to tol",
        }
    }
}

/// One axis of a map: a hyperparameter (by its JSON name) or a coordinate of the plane (`x`,
/// `y`), its range and scale. Pixel `i` of `n` sits at the centre of its cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// The hyperparameter's JSON name, or `x` / `y` on a basin map.
    pub name: String,
    /// What the axis says (the slider's label).
    pub label: String,
    pub min: f64,
    pub max: f64,
    pub log: bool,
}

impl Axis {
    /// The value at position `t` ∈ [0, 1] along the axis.
    pub fn at(&self, t: f64) -> f64 {
        if self.log {
            let (a, b) = (libm::log10(self.min), libm::log10(self.max));
            libm::pow(10.0, a + t * (b - a))
        } else {
            self.min + t * (self.max - self.min)
        }
    }

    /// The position ∈ [0, 1] of value `v` (outside for values beyond the range).
    pub fn position(&self, v: f64) -> f64 {
        if self.log {
            let (a, b) = (libm::log10(self.min), libm::log10(self.max));
            (libm::log10(v) - a) / (b - a)
        } else {
            (v - self.min) / (self.max - self.min)
        }
    }

    /// The value at the centre of cell `i` of `n`.
    pub fn cell(&self, i: usize, n: usize) -> f64 {
        self.at((i as f64 + 0.5) / n as f64)
    }

    fn check(&self, what: &str) -> Result<(), String> {
        let ok = self.min.is_finite()
            && self.max.is_finite()
            && self.min < self.max
            && (!self.log || self.min > 0.0);
        if ok {
            Ok(())
        } else {
            Err(format!(
                "{what}: the range must be two finite numbers, the first below the second{} \
                 (got {} to {})",
                if self.log {
                    ", both > 0 on a log axis"
                } else {
                    ""
                },
                self.min,
                self.max
            ))
        }
    }
}

/// The values of axes `x` and `y` at the centre of pixel (`col`, `row`) of a map `height`
/// pixels high (row 0 at the top).
fn coords(
    x: &Axis,
    y: &Axis,
    (width, height): (usize, usize),
    col: usize,
    row: usize,
) -> (f64, f64) {
    (x.cell(col, width), y.cell(height - 1 - row, height))
}

/// A map to compute: the scenario, which of its runs, the axes, the size and the tolerance.
#[derive(Clone, Debug)]
pub struct MapSpec {
    pub scenario: Scenario,
    pub run: usize,
    pub kind: MapKind,
    /// Across (columns, left to right).
    pub x: Axis,
    /// Up (rows: row 0 is the top, at `y.max`).
    pub y: Axis,
    pub width: usize,
    pub height: usize,
    /// The bulk engine's tolerance for "reached" (iterations and evaluations to it).
    pub tol: Option<f64>,
    /// The surface, built once.
    pub surface: Surface,
}

/// The hyperparameters a map of `kind` offers by default: the learning rate across and the
/// one that most shapes the run up (momentum's β, the Adam family's β₂, RMSprop's ρ, Newton's
/// damping, …); `None` for optimizers with a single hyperparameter.
pub fn default_params(kind: OptKind) -> Option<(Param, Param)> {
    let info = kind.info();
    let takes = |p: Param| info.param(p).is_some();
    let across = info.params.first()?.param;
    let up = [
        Param::Momentum,
        Param::Beta2,
        Param::Rho,
        Param::Damping,
        Param::Memory,
        Param::HyperLr,
        Param::Alpha,
    ]
    .into_iter()
    .find(|&p| takes(p) && p != across)
    .or_else(|| info.params.iter().map(|s| s.param).find(|&p| p != across))?;
    Some((across, up))
}

/// The axis of hyperparameter `name` of `kind`: its slider's range and scale (from the
/// parameter table).
fn param_axis(kind: OptKind, name: &str) -> Result<(Param, Axis), String> {
    let info = kind.info();
    let takes: Vec<&str> = info.params.iter().map(|p| p.name).collect();
    let spec = info.params.iter().find(|p| p.name == name).ok_or_else(|| {
        format!(
            "params: '{}' takes no '{name}' (it takes: {})",
            info.name,
            takes.join(", ")
        )
    })?;
    Ok((
        spec.param,
        Axis {
            name: spec.name.into(),
            label: spec.label.into(),
            min: spec.min,
            max: spec.max,
            log: spec.log,
        },
    ))
}

fn check_size(w: usize, h: usize) -> Result<(), String> {
    if !(1..=MAX_SIDE).contains(&w) || !(1..=MAX_SIDE).contains(&h) {
        return Err(format!(
            "size: width and height must be from 1 to {MAX_SIDE} (got {w}×{h})"
        ));
    }
    Ok(())
}

fn check_run(sc: &Scenario, run: usize) -> Result<(), String> {
    if run >= sc.runs.len() {
        return Err(format!(
            "run: the scenario has {} run{} (got {run})",
            sc.runs.len(),
            if sc.runs.len() == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}

fn check_tol(tol: Option<f64>) -> Result<(), String> {
    match tol {
        Some(t) if !(t.is_finite() && t > 0.0) => {
            Err(format!("tol: must be a finite number > 0 (got {t})"))
        }
        _ => Ok(()),
    }
}

impl MapSpec {
    /// A hyperparameter map of run `run` over `params` (JSON names; default
    /// [`default_params`]), `width` × `height` pixels.
    pub fn hyper(
        scenario: Scenario,
        run: usize,
        params: Option<(&str, &str)>,
        width: usize,
        height: usize,
        tol: Option<f64>,
    ) -> Result<MapSpec, String> {
        scenario.validate()?;
        check_run(&scenario, run)?;
        check_size(width, height)?;
        check_tol(tol)?;
        let kind = scenario.runs[run].optimizer.name;
        let (a, b) = match params {
            Some(p) => p,
            None => {
                let (a, b) = default_params(kind).ok_or_else(|| {
                    format!(
                        "params: '{}' has a single hyperparameter; a map needs two",
                        kind.name()
                    )
                })?;
                (a.name(), b.name())
            }
        };
        if a == b {
            return Err(format!(
                "params: two different hyperparameters (got '{a}' twice)"
            ));
        }
        let (_, x) = param_axis(kind, a)?;
        let (_, y) = param_axis(kind, b)?;
        let surface = scenario.build_surface()?;
        Ok(MapSpec {
            scenario,
            run,
            kind: MapKind::Hyper,
            x,
            y,
            width,
            height,
            tol,
            surface,
        })
    }

    /// A basin map of run `run` over the start points of `view` (`[x_min, x_max, y_min,
    /// y_max]`; default the surface's view).
    pub fn basin(
        scenario: Scenario,
        run: usize,
        view: Option<[f64; 4]>,
        width: usize,
        height: usize,
        tol: Option<f64>,
    ) -> Result<MapSpec, String> {
        scenario.validate()?;
        check_run(&scenario, run)?;
        check_size(width, height)?;
        check_tol(tol)?;
        let surface = scenario.build_surface()?;
        let [x0, x1, y0, y1] = view.unwrap_or_else(|| surface.view());
        let (xn, yn) = surface.axis_names();
        let axis = |name: &str, min, max| Axis {
            name: name.into(),
            label: name.into(),
            min,
            max,
            log: false,
        };
        let (x, y) = (axis(xn, x0, x1), axis(yn, y0, y1));
        x.check("view")?;
        y.check("view")?;
        for v in [x0, x1, y0, y1] {
            if v.abs() > 1e12 {
                return Err(format!("view: at most 1e12 in size (got {v})"));
            }
        }
        Ok(MapSpec {
            scenario,
            run,
            kind: MapKind::Basin,
            x,
            y,
            width,
            height,
            tol,
            surface,
        })
    }

    /// The same map at another size.
    pub fn resized(&self, width: usize, height: usize) -> Result<MapSpec, String> {
        check_size(width, height)?;
        Ok(MapSpec {
            width,
            height,
            ..self.clone()
        })
    }

    /// The values of the two axes at pixel (`col`, `row`) (row 0 at the top).
    pub fn coords(&self, col: usize, row: usize) -> (f64, f64) {
        coords(&self.x, &self.y, (self.width, self.height), col, row)
    }

    /// The run of pixel (`col`, `row`): the scenario's run with the pixel's hyperparameters
    /// (or start) set.
    pub fn job(&self, col: usize, row: usize) -> RunSpec {
        let (a, b) = self.coords(col, row);
        let mut spec = self.scenario.runs[self.run].clone();
        match self.kind {
            MapKind::Hyper => {
                spec.optimizer.set(&self.x.name, a);
                spec.optimizer.set(&self.y.name, b);
            }
            MapKind::Basin => spec.start = Some(Vec2::new(a, b)),
        }
        spec
    }

    /// The one-run scenario of pixel (`col`, `row`): what `trace` runs for it.
    pub fn pixel_scenario(&self, col: usize, row: usize) -> Scenario {
        Scenario {
            runs: vec![self.job(col, row)],
            ..self.scenario.clone()
        }
    }

    /// The values of the scenario's run at the axes' hyperparameters (hyper maps) or its
    /// start (basin maps): where the map marks the current run.
    pub fn current(&self) -> (f64, f64) {
        let r = &self.scenario.runs[self.run];
        match self.kind {
            MapKind::Hyper => (
                r.optimizer.value(&self.x.name).unwrap_or(f64::NAN),
                r.optimizer.value(&self.y.name).unwrap_or(f64::NAN),
            ),
            MapKind::Basin => {
                let s = r.start.unwrap_or(self.scenario.start);
                (s.x, s.y)
            }
        }
    }

    /// The outcomes of rows `rows` (row-major, `width` per row), through the bulk engine.
    pub fn compute_rows(&self, rows: Range<usize>) -> Vec<Outcome> {
        let rows = rows.start.min(self.height)..rows.end.min(self.height);
        let jobs: Vec<RunSpec> = rows
            .flat_map(|r| (0..self.width).map(move |c| (c, r)))
            .map(|(c, r)| self.job(c, r))
            .collect();
        run_jobs(&self.scenario, &self.surface, &jobs, self.tol)
    }

    /// The whole map (one thread).
    pub fn compute(&self) -> Result<Map, String> {
        Ok(self.finish(self.compute_rows(0..self.height)))
    }

    /// The map from every pixel's outcome (row-major), with basin labels on a basin map.
    pub fn finish(&self, outcomes: Vec<Outcome>) -> Map {
        let diverged: Vec<bool> = outcomes.iter().map(|o| o.diverged_at.is_some()).collect();
        let end: Vec<[f64; 2]> = outcomes.iter().map(|o| o.end.into()).collect();
        let basins = (self.kind == MapKind::Basin).then(|| self.basins(&end, &diverged));
        Map {
            kind: self.kind,
            x: self.x.clone(),
            y: self.y.clone(),
            width: self.width,
            height: self.height,
            tol: self.tol,
            current: self.current().into(),
            loss: outcomes
                .iter()
                .map(|o| {
                    if o.diverged_at.is_some() {
                        f64::NAN
                    } else {
                        o.loss
                    }
                })
                .collect(),
            end,
            iterations: outcomes.iter().map(|o| o.iterations).collect(),
            grad_evals: outcomes.iter().map(|o| o.evals.grad).collect(),
            diverged,
            steps_to_tol: outcomes.iter().map(|o| o.reached.map(|r| r.0)).collect(),
            evals_to_tol: outcomes.iter().map(|o| o.reached.map(|r| r.1)).collect(),
            basins,
        }
    }

    /// Labels every pixel of a basin map by the minimum its run ends at (see [`Basins`]).
    fn basins(&self, ends: &[[f64; 2]], diverged: &[bool]) -> Basins {
        let s = &self.surface;
        // The gradient scale of the view: the median finite ‖∇L‖ over the map's starts.
        let mut norms: Vec<f64> = (0..self.height)
            .flat_map(|row| (0..self.width).map(move |col| (col, row)))
            .map(|(col, row)| {
                let (a, b) = self.coords(col, row);
                s.grad(Vec2::new(a, b)).1.norm()
            })
            .filter(|g| g.is_finite())
            .collect();
        norms.sort_by(f64::total_cmp);
        let g_scale = norms.get(norms.len() / 2).copied().unwrap_or(1.0);
        let settle = SETTLE * g_scale.max(f64::MIN_POSITIVE);
        let diag = (self.x.max - self.x.min).hypot(self.y.max - self.y.min);
        let radius = RADIUS * diag;
        let mut points: Vec<Basin> = s
            .minima()
            .into_iter()
            .map(|m| Basin {
                point: m.into(),
                known: true,
                count: 0,
            })
            .collect();
        let known = points.len();
        let labels = ends
            .iter()
            .zip(diverged)
            .map(|(&end, &diverged)| {
                if diverged {
                    return DIVERGED;
                }
                let end = Vec2::from(end);
                let g = s.grad(end).1.norm();
                if !(g.is_finite() && g <= settle) {
                    return UNSETTLED;
                }
                let d = |b: &Basin| (Vec2::from(b.point) - end).norm();
                // The nearest known minimum, if the run ended near it.
                let nearest_known = points[..known]
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (i, d(b)))
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .filter(|&(_, dist)| dist <= radius);
                let found = nearest_known.map(|(i, _)| i).or_else(|| {
                    points[known..]
                        .iter()
                        .position(|b| d(b) <= radius)
                        .map(|i| i + known)
                });
                let i = match found {
                    Some(i) => i,
                    None if points.len() < MAX_BASINS => {
                        points.push(Basin {
                            point: end.into(),
                            known: false,
                            count: 0,
                        });
                        points.len() - 1
                    }
                    None => return UNSETTLED,
                };
                points[i].count += 1;
                i as i32
            })
            .collect();
        Basins {
            minima: points,
            labels,
            settle,
            radius,
        }
    }
}

/// A settled end has `‖∇L‖` at most this fraction of the median gradient norm over the
/// map's starts.
pub const SETTLE: f64 = 1e-3;
/// Ends within this fraction of the view's diagonal count as the same minimum.
pub const RADIUS: f64 = 1e-2;

/// One minimum of a basin map: a known one of the surface, or where settled runs gathered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Basin {
    pub point: [f64; 2],
    /// Whether the surface lists it.
    pub known: bool,
    /// How many pixels end at it.
    pub count: usize,
}

/// The labels of a basin map: per pixel the index of the minimum in `minima` its run ends at
/// (the surface's known minima first, in the surface's order, then the places where settled
/// runs gathered), or [`DIVERGED`] (−1), or [`UNSETTLED`] (−2): a run whose last point's
/// `‖∇L‖` is above `settle` ([`SETTLE`] × the median over the map's starts). A settled end
/// takes the nearest known minimum within `radius` ([`RADIUS`] × the view's diagonal), else
/// the first gathering place within `radius`, else starts a new one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Basins {
    pub minima: Vec<Basin>,
    pub labels: Vec<i32>,
    pub settle: f64,
    pub radius: f64,
}

/// A computed map: the axes and, per pixel (row-major, `width` per row, row 0 at the top),
/// what its run gave; on a basin map the labels too.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Map {
    pub kind: MapKind,
    pub x: Axis,
    pub y: Axis,
    pub width: usize,
    pub height: usize,
    pub tol: Option<f64>,
    /// The scenario's run's own values on the two axes.
    pub current: [f64; 2],
    /// The loss at the run's last point (`null` where it diverged).
    #[serde(default, deserialize_with = "nullable")]
    pub loss: Vec<f64>,
    /// The run's last point.
    #[serde(default)]
    pub end: Vec<[f64; 2]>,
    /// Iterations taken.
    #[serde(default)]
    pub iterations: Vec<u64>,
    /// Gradient evaluations in all.
    #[serde(default)]
    pub grad_evals: Vec<u64>,
    #[serde(default)]
    pub diverged: Vec<bool>,
    /// Iterations until the loss first reached `tol` (`null`: not reached, or no `tol`).
    #[serde(default)]
    pub steps_to_tol: Vec<Option<u64>>,
    /// Gradient evaluations until then.
    #[serde(default)]
    pub evals_to_tol: Vec<Option<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basins: Option<Basins>,
}

/// Numbers where `null` stands for NaN (as serde_json writes NaN).
fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    let v: Vec<Option<f64>> = Deserialize::deserialize(d)?;
    Ok(v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
}

impl Map {
    /// Every pixel's value of `metric` (NaN where it has none: diverged, tolerance not
    /// reached).
    pub fn values(&self, metric: Metric) -> Vec<f64> {
        let reached = |v: &Option<u64>| v.map_or(f64::NAN, |v| v as f64);
        match metric {
            Metric::Loss => self.loss.clone(),
            Metric::Steps => self.steps_to_tol.iter().map(reached).collect(),
            Metric::Evals => self.evals_to_tol.iter().map(reached).collect(),
        }
    }

    /// The pixel at axis values `(a, b)`, if inside the map.
    pub fn pixel_at(&self, a: f64, b: f64) -> Option<(usize, usize)> {
        let (tx, ty) = (self.x.position(a), self.y.position(b));
        if !((0.0..=1.0).contains(&tx) && (0.0..=1.0).contains(&ty)) {
            return None;
        }
        let col = ((tx * self.width as f64) as usize).min(self.width - 1);
        let up = ((ty * self.height as f64) as usize).min(self.height - 1);
        Some((col, self.height - 1 - up))
    }

    /// The values of the two axes at the centre of pixel (`col`, `row`).
    pub fn coords(&self, col: usize, row: usize) -> (f64, f64) {
        coords(&self.x, &self.y, (self.width, self.height), col, row)
    }
}

/// Numbers per pixel in [`Map::pack`].
pub const PACKED: usize = 9;

impl Map {
    /// The map without its per-pixel columns (and labels): what [`Map::unpack`] needs beside
    /// [`Map::pack`]'s numbers.
    pub fn meta(&self) -> Map {
        Map {
            loss: Vec::new(),
            end: Vec::new(),
            iterations: Vec::new(),
            grad_evals: Vec::new(),
            diverged: Vec::new(),
            steps_to_tol: Vec::new(),
            evals_to_tol: Vec::new(),
            basins: self.basins.as_ref().map(|b| Basins {
                labels: Vec::new(),
                ..b.clone()
            }),
            ..self.clone()
        }
    }

    /// Every pixel's numbers, [`PACKED`] a pixel: loss, end x, end y, iterations, gradient
    /// evaluations, diverged (0 or 1), iterations and evaluations to the tolerance (NaN: not
    /// reached), basin label (NaN on a hyperparameter map). One array a worker can hand over.
    pub fn pack(&self) -> Vec<f64> {
        let n = self.loss.len();
        let opt = |v: Option<u64>| v.map_or(f64::NAN, |v| v as f64);
        let mut out = Vec::with_capacity(n * PACKED);
        for i in 0..n {
            out.extend_from_slice(&[
                self.loss[i],
                self.end[i][0],
                self.end[i][1],
                self.iterations[i] as f64,
                self.grad_evals[i] as f64,
                f64::from(u8::from(self.diverged[i])),
                opt(self.steps_to_tol[i]),
                opt(self.evals_to_tol[i]),
                self.basins
                    .as_ref()
                    .map_or(f64::NAN, |b| f64::from(b.labels[i])),
            ]);
        }
        out
    }

    /// The map from [`Map::meta`] and [`Map::pack`]'s numbers.
    pub fn unpack(meta: Map, packed: &[f64]) -> Result<Map, String> {
        check_size(meta.width, meta.height)?;
        let n = meta.width * meta.height;
        if packed.len() != n * PACKED {
            return Err(format!(
                "map: {} numbers for {}×{} pixels (expected {})",
                packed.len(),
                meta.width,
                meta.height,
                n * PACKED
            ));
        }
        let opt = |v: f64| (!v.is_nan()).then_some(v as u64);
        let px = || packed.chunks_exact(PACKED);
        let mut map = meta;
        map.loss = px().map(|p| p[0]).collect();
        map.end = px().map(|p| [p[1], p[2]]).collect();
        map.iterations = px().map(|p| p[3] as u64).collect();
        map.grad_evals = px().map(|p| p[4] as u64).collect();
        map.diverged = px().map(|p| p[5] != 0.0).collect();
        map.steps_to_tol = px().map(|p| opt(p[6])).collect();
        map.evals_to_tol = px().map(|p| opt(p[7])).collect();
        if let Some(b) = &mut map.basins {
            b.labels = px().map(|p| p[8] as i32).collect();
        }
        Ok(map)
    }
}
