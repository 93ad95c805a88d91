//! The scenario format: the one contract of the page's share links, the command line and the
//! tests.
//!
//! ```
//! use optimizer_playground::scenario::Scenario;
//! let s = Scenario::from_json(r#"{
//!   "surface": {"name": "rosenbrock"}, "start": [-1.5, 2], "steps": 100,
//!   "runs": [{"optimizer": {"name": "adam", "lr": 0.02}, "schedule": {"name": "cosine", "t_max": 100}}]
//! }"#).unwrap();
//! assert_eq!(s.runs.len(), 1);
//! let e = Scenario::from_json(r#"{"surface": {"name": "rosenbrock"}, "start": [0, 0], "steps": 10,
//!   "runs": [{"optimizer": {"name": "adam", "lr": -1}}]}"#).unwrap_err();
//! assert!(e.contains("runs[0].optimizer.lr"));
//! ```

use crate::optim::{Clip, OptimizerConfig};
use crate::schedule::Schedule;
use crate::surface::{DataSpec, Named, Surface, LIBRARY};
use crate::vec2::Vec2;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The most iterations a scenario may ask for.
pub const MAX_STEPS: u64 = 100_000;
/// The most runs in one scenario.
pub const MAX_RUNS: usize = 32;
/// The longest scenario text accepted, in bytes.
pub const MAX_JSON: usize = 256 * 1024;
/// The most work a scenario may ask for, in evaluations of a data point ([`Scenario::work`]):
/// about a minute of stepping natively (a point's loss and gradient cost 25–70 ns here).
pub const MAX_WORK: f64 = 1e9;

/// Which surface: `{"name": …, "params": {…}}` or `{"expr": "…"}` (absent when the scenario
/// has `data`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurfaceSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<BTreeMap<String, f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expr: Option<String>,
}

impl SurfaceSpec {
    pub fn named(name: &str) -> Self {
        SurfaceSpec {
            name: Some(name.into()),
            params: None,
            expr: None,
        }
    }
    /// Whether nothing is given (a data scenario).
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.expr.is_none() && self.params.is_none()
    }

    pub fn expr(src: &str) -> Self {
        SurfaceSpec {
            name: None,
            params: None,
            expr: Some(src.into()),
        }
    }

    /// Builds the surface; the message names the field.
    pub fn build(&self) -> Result<Surface, String> {
        match (&self.name, &self.expr) {
            (Some(_), Some(_)) => Err("surface: give either 'name' or 'expr', not both".into()),
            (None, None) => Err("surface: needs 'name' (a surface of the library) or 'expr' (an expression in x and y)".into()),
            (None, Some(e)) => {
                if self.params.is_some() {
                    return Err("surface.params: only named surfaces take parameters".into());
                }
                Surface::expr(e).map_err(|err| format!("surface.expr: {err}"))
            }
            (Some(n), None) => {
                let mut named = Named::new(n).ok_or_else(|| {
                    let names: Vec<&str> = LIBRARY.iter().map(|s| s.name).collect();
                    format!("surface.name: unknown surface '{n}' (known: {})", names.join(", "))
                })?;
                for (k, &v) in self.params.iter().flatten() {
                    let spec = named.info().params.iter().find(|p| p.name == k).ok_or_else(|| {
                        let ps: Vec<&str> = named.info().params.iter().map(|p| p.name).collect();
                        if ps.is_empty() {
                            format!("surface.params.{k}: '{n}' takes no parameters")
                        } else {
                            format!("surface.params.{k}: '{n}' has no parameter '{k}' (it has: {})", ps.join(", "))
                        }
                    })?;
                    if !v.is_finite() || v.abs() > 1e6 {
                        return Err(format!("surface.params.{k}: must be a finite number of at most 1e6 in size (got {v})"));
                    }
                    if spec.name == "condition" && v < 1.0 {
                        return Err(format!("surface.params.condition: must be ≥ 1 (got {v})"));
                    }
                    named.set_param(k, v);
                }
                Ok(Surface::Named(named))
            }
        }
    }
}

/// One optimizer run in a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    pub optimizer: OptimizerConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip: Option<Clip>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l2: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// A CSS hex colour, `#rgb` or `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Whether the page shows the run (default true); the engine steps it either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Mini-batch size on a data surface (overrides the scenario's; at least the number of
    /// points means full batch). Ignored on other surfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u32>,
    /// σ of the Gaussian noise added to every gradient the run reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise: Option<f64>,
    /// Seed of the run's mini-batch order and gradient noise (default: the data's seed, or 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The run's own start `[x, y]` (overrides the scenario's `start`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Vec2>,
}

impl RunSpec {
    pub fn new(optimizer: OptimizerConfig) -> Self {
        RunSpec {
            optimizer,
            schedule: None,
            clip: None,
            l2: None,
            label: None,
            color: None,
            enabled: None,
            batch_size: None,
            noise: None,
            seed: None,
            start: None,
        }
    }

    /// Checks every field; the message names it under `path` (for example `runs[2]`).
    pub fn validate(&self, path: &str) -> Result<(), String> {
        self.optimizer.validate(&format!("{path}.optimizer"))?;
        if let Some(s) = &self.schedule {
            s.validate().map_err(|e| format!("{path}.schedule.{e}"))?;
        }
        let first = self.optimizer.name.info().first_order;
        if let Some(c) = self.clip {
            let (k, v) = match c {
                Clip::Norm(v) => ("norm", v),
                Clip::Value(v) => ("value", v),
            };
            if v.is_nan() || v <= 0.0 {
                return Err(format!("{path}.clip.{k}: must be > 0 (got {v})"));
            }
            if !first {
                return Err(format!(
                    "{path}.clip: '{}' takes no clipping (first-order optimizers only)",
                    self.optimizer.name.name()
                ));
            }
        }
        if let Some(l2) = self.l2 {
            if !(l2.is_finite() && l2 >= 0.0) {
                return Err(format!("{path}.l2: must be a finite number ≥ 0 (got {l2})"));
            }
            if !first && l2 != 0.0 {
                return Err(format!(
                    "{path}.l2: '{}' takes no L2 (first-order optimizers only)",
                    self.optimizer.name.name()
                ));
            }
        }
        if self.batch_size == Some(0) {
            return Err(format!("{path}.batch_size: must be at least 1"));
        }
        if let Some(p) = self.start {
            check_start(p, &format!("{path}.start"))?;
        }
        if let Some(n) = self.noise {
            if !(n.is_finite() && (0.0..=1e6).contains(&n)) {
                return Err(format!(
                    "{path}.noise: must be a number from 0 to 1e6 (got {n})"
                ));
            }
        }
        if let Some(l) = &self.label {
            if l.chars().count() > 80 {
                return Err(format!("{path}.label: at most 80 characters"));
            }
            if l.chars().any(crate::text::is_unsafe) {
                return Err(format!(
                    "{path}.label: no control characters (line breaks, escapes, bidi controls)"
                ));
            }
        }
        if let Some(c) = &self.color {
            let hex = c.strip_prefix('#').unwrap_or("");
            if !((hex.len() == 3 || hex.len() == 6) && hex.chars().all(|ch| ch.is_ascii_hexdigit()))
            {
                return Err(format!(
                    "{path}.color: must be a hex colour like \"#1f77b4\" (got {c:?})"
                ));
            }
        }
        Ok(())
    }

    /// The label to show: the given one, else the optimizer's name.
    pub fn default_label(&self) -> String {
        match &self.label {
            Some(l) => l.clone(),
            None => match (&self.optimizer.name, &self.optimizer.inner) {
                (crate::optim::OptKind::Lookahead, Some(i)) => {
                    format!("lookahead({})", i.name.name())
                }
                (k, _) => k.name().to_string(),
            },
        }
    }
}

/// When a run stops before the scenario's `steps`: the scenario's `stop` (every rule optional;
/// the first that holds after an iteration stops the run, see `docs/optimizers.md`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stop {
    /// Stop at the first point θ_k where the exact full-batch ‖∇L(θ_k)‖ is below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grad_tol: Option<f64>,
    /// Stop once the run's gradient evaluations (`evals.grad`) reach this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_evals: Option<u64>,
    /// With a validation split: stop once the validation loss has not improved on its best for
    /// this many iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience: Option<u64>,
}

impl Stop {
    /// Checks every field; `validation` says whether the data set holds points out.
    pub fn validate(&self, validation: bool) -> Result<(), String> {
        if let Some(t) = self.grad_tol {
            if t.is_nan() || t <= 0.0 {
                return Err(format!("stop.grad_tol: must be > 0 (got {t})"));
            }
            if !t.is_finite() {
                return Err(format!("stop.grad_tol: must be finite (got {t})"));
            }
        }
        if self.max_evals == Some(0) {
            return Err("stop.max_evals: must be at least 1 (got 0)".into());
        }
        match self.patience {
            Some(0) => return Err("stop.patience: must be at least 1 (got 0)".into()),
            Some(_) if !validation => {
                return Err("stop.patience: early stopping needs held-out points \
                            (a data set with \"validation\" above 0)"
                    .into())
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether no rule is given.
    pub fn is_empty(&self) -> bool {
        self.grad_tol.is_none() && self.max_evals.is_none() && self.patience.is_none()
    }
}

/// Checks a start: two finite numbers of size at most 1e12; the message names `field`.
fn check_start(p: Vec2, field: &str) -> Result<(), String> {
    if !p.is_finite() || p.norm() > 1e12 {
        return Err(format!(
            "{field}: must be two finite numbers of size at most 1e12 (got [{}, {}])",
            p.x, p.y
        ));
    }
    Ok(())
}

/// A whole scenario: a surface, a start, a number of iterations and the runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default, skip_serializing_if = "SurfaceSpec::is_empty")]
    pub surface: SurfaceSpec,
    /// A generated data set whose model's loss is the surface (instead of `surface`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataSpec>,
    pub start: Vec2,
    pub steps: u64,
    pub runs: Vec<RunSpec>,
    /// The mini-batch size of every run on a data surface (a run's own `batch_size` wins;
    /// default: the whole set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u32>,
    /// When runs stop before `steps` (absent: they take every step unless they diverge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
}

impl Scenario {
    /// Parses and validates JSON text. Errors are one line and name the field.
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        if text.len() > MAX_JSON {
            return Err(format!(
                "scenario too large ({} bytes, at most {MAX_JSON})",
                text.len()
            ));
        }
        // Text to a JSON value, then the value to a scenario: one way of reading (the same in
        // the page as here) that lets a type error name its field.
        let v: Value = serde_json::from_str(text).map_err(|e| format!("scenario: {e}"))?;
        let s =
            Scenario::deserialize(&v).map_err(|e| match first_bad(&v, "", &scenario_field) {
                Some(path) => format!("{path}: {e}"),
                None => format!("scenario: {e}"),
            })?;
        s.validate()?;
        Ok(s)
    }

    /// Checks every field; builds nothing.
    pub fn validate(&self) -> Result<(), String> {
        // A data set is checked, not generated (that is for whoever builds the surface).
        match &self.data {
            Some(_) => self.check_data()?,
            None => {
                self.surface.build()?;
            }
        }
        if self.batch_size == Some(0) {
            return Err("batch_size: must be at least 1".into());
        }
        check_start(self.start, "start")?;
        if let Some(stop) = &self.stop {
            stop.validate(self.held_out() > 0)?;
        }
        if self.steps > MAX_STEPS {
            return Err(format!("steps: at most {MAX_STEPS} (got {})", self.steps));
        }
        if self.runs.len() > MAX_RUNS {
            return Err(format!(
                "runs: at most {MAX_RUNS} (got {})",
                self.runs.len()
            ));
        }
        for (i, r) in self.runs.iter().enumerate() {
            r.validate(&format!("runs[{i}]"))?;
        }
        let work = self.work();
        if work > MAX_WORK {
            return Err(format!(
                "scenario: too much work, about {work:.1e} point evaluations (runs × steps × \
                 evaluations per step × data points), at most {MAX_WORK:.0e} (about a minute): \
                 ask for fewer steps, runs or data points"
            ));
        }
        Ok(())
    }

    /// The work the scenario asks for, in point evaluations: for every run, `steps` × the
    /// evaluations a step typically takes × the points each evaluation sees. A first-order step
    /// takes two (its gradient and the recorded loss), Newton's four (Hessian, gradient, loss),
    /// a quasi-Newton step two without a line search, eight with one, and thirty when its
    /// gradients are noisy or on mini-batches (its line search then rarely ends early). Every
    /// evaluation counts the whole data set (the recorded loss is the full batch's); a named
    /// surface counts as one point, an expression as one per 50 characters. A `stop.grad_tol`
    /// adds one full-batch gradient per step (its check), and a validation split one
    /// evaluation of the held-out points per step (the validation loss).
    pub fn work(&self) -> f64 {
        fn per_step(o: &OptimizerConfig, stochastic: bool) -> f64 {
            use crate::optim::{LineSearch, OptKind};
            match (o.name, &o.inner) {
                (OptKind::Lookahead, Some(inner)) => per_step(inner, stochastic),
                (OptKind::Newton, _) => 4.0,
                (OptKind::Bfgs | OptKind::Lbfgs, _) => match o.line_search.unwrap_or_default() {
                    LineSearch::None => 2.0,
                    _ if stochastic => 30.0,
                    LineSearch::Armijo | LineSearch::Wolfe => 8.0,
                },
                _ => 2.0,
            }
        }
        let points = match (&self.data, &self.surface.expr) {
            (Some(d), _) => f64::from(d.n),
            (None, Some(e)) => (e.len() as f64 / 50.0).max(1.0),
            (None, None) => 1.0,
        };
        let check = if self.stop.is_some_and(|s| s.grad_tol.is_some()) {
            points
        } else {
            0.0
        };
        let check = check + self.held_out() as f64;
        self.runs
            .iter()
            .map(|r| {
                let batch = r.batch_size.or(self.batch_size).map_or(u32::MAX, |b| b);
                let mini = self.data.as_ref().is_some_and(|d| batch < d.n);
                let stochastic = mini || r.noise.is_some_and(|n| n > 0.0);
                self.steps as f64 * (per_step(&r.optimizer, stochastic) * points + check)
            })
            .sum()
    }

    /// How many data points are held out for validation (0 without data or a split).
    pub fn held_out(&self) -> usize {
        self.data.as_ref().map_or(0, DataSpec::held_out_count)
    }

    /// The surface: the data set's loss when `data` is given, else `surface`.
    pub fn build_surface(&self) -> Result<Surface, String> {
        match &self.data {
            Some(d) => {
                self.check_data()?;
                Ok(Surface::data(d))
            }
            None => self.surface.build(),
        }
    }

    fn check_data(&self) -> Result<(), String> {
        if !self.surface.is_empty() {
            return Err("surface: a scenario with 'data' takes no 'surface' (the data set's loss is the surface)".into());
        }
        self.data.as_ref().map_or(Ok(()), DataSpec::validate)
    }

    /// The scenario as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

// ---------------------------------------------------------------- naming the field of a type error

/// Decides whether field `key` (at `path`) of an object is malformed; returns the innermost
/// malformed path.
type FieldCheck = dyn Fn(&str, &Value, &str) -> Option<String>;

/// The first field of the object `v` (at `path`) that `check` finds malformed.
fn first_bad(v: &Value, path: &str, check: &FieldCheck) -> Option<String> {
    v.as_object()?.iter().find_map(|(k, sub)| {
        let p = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        check(k, sub, &p)
    })
}

/// `None` if `v` reads as a `T`; else the innermost malformed field that `inner` finds in it, or
/// `path` itself (a missing or unknown field, a bad name).
fn typed<T: DeserializeOwned>(v: &Value, path: &str, inner: Option<&FieldCheck>) -> Option<String> {
    if T::deserialize(v).is_ok() {
        return None;
    }
    Some(
        inner
            .and_then(|check| first_bad(v, path, check))
            .unwrap_or_else(|| path.to_string()),
    )
}

fn scenario_field(k: &str, v: &Value, p: &str) -> Option<String> {
    match k {
        "surface" => typed::<SurfaceSpec>(v, p, Some(&surface_field)),
        "start" => typed::<Vec2>(v, p, None),
        "steps" => typed::<u64>(v, p, None),
        "batch_size" => typed::<u32>(v, p, None),
        "stop" => typed::<Stop>(
            v,
            p,
            Some(&|k, x, q| match k {
                "grad_tol" => typed::<f64>(x, q, None),
                "max_evals" | "patience" => typed::<u64>(x, q, None),
                _ => None,
            }),
        ),
        "data" => typed::<DataSpec>(
            v,
            p,
            Some(&|k, x, q| match k {
                "n" => typed::<u32>(x, q, None),
                "seed" => typed::<u64>(x, q, None),
                "noise" | "validation" => typed::<f64>(x, q, None),
                "kind" => typed::<crate::surface::DataKind>(x, q, None),
                "features" => typed::<crate::surface::Features>(x, q, None),
                _ => None,
            }),
        ),
        "runs" => match v.as_array() {
            Some(runs) => runs
                .iter()
                .enumerate()
                .find_map(|(i, r)| typed::<RunSpec>(r, &format!("{p}[{i}]"), Some(&run_field))),
            None => typed::<Vec<RunSpec>>(v, p, None),
        },
        _ => None,
    }
}

fn surface_field(k: &str, v: &Value, p: &str) -> Option<String> {
    match k {
        "name" | "expr" => typed::<String>(v, p, None),
        "params" => typed::<BTreeMap<String, f64>>(v, p, Some(&|_, x, q| typed::<f64>(x, q, None))),
        _ => None,
    }
}

fn run_field(k: &str, v: &Value, p: &str) -> Option<String> {
    match k {
        "optimizer" => typed::<OptimizerConfig>(v, p, Some(&optimizer_field)),
        "schedule" => typed::<Schedule>(v, p, Some(&schedule_field)),
        "clip" => typed::<Clip>(v, p, Some(&|_, x, q| typed::<f64>(x, q, None))),
        "l2" => typed::<f64>(v, p, None),
        "label" | "color" => typed::<String>(v, p, None),
        "enabled" => typed::<bool>(v, p, None),
        "batch_size" => typed::<u32>(v, p, None),
        "noise" => typed::<f64>(v, p, None),
        "seed" => typed::<u64>(v, p, None),
        "start" => typed::<Vec2>(v, p, None),
        _ => None,
    }
}

fn optimizer_field(k: &str, v: &Value, p: &str) -> Option<String> {
    match k {
        "name" => typed::<crate::optim::OptKind>(v, p, None),
        "line_search" => typed::<Option<crate::optim::LineSearch>>(v, p, None),
        "inner" => typed::<Option<OptimizerConfig>>(v, p, Some(&optimizer_field)),
        // Every hyper-parameter reads as any number (or null); `validate` checks the rest.
        _ if crate::optim::Param::from_name(k).is_some() => typed::<Option<f64>>(v, p, None),
        _ => None,
    }
}

fn schedule_field(k: &str, v: &Value, p: &str) -> Option<String> {
    match k {
        "name" => typed::<String>(v, p, None),
        "step_size" | "t_0" | "t_mult" | "warmup" => typed::<u64>(v, p, None),
        _ => typed::<f64>(v, p, None),
    }
}
