//! The learning-rate fan and fair tuning: many ordinary runs of a scenario, each run alone as
//! its scenario's only run, exactly as `trace` steps it.
//!
//! **The fan** ([`fan`]): copies of one run over [`fan_rates`], a log-spaced range of learning
//! rates around its own (a decade each way, shifted to stay inside the rate's slider range in
//! the parameter table), coloured as a family (the run's hue, darker for smaller rates) and
//! labelled with their rates; the best is the one with the lowest final loss after the
//! scenario's steps (and stopping rules), a diverged one never is ([`best_of`]).
//!
//! **Fair tuning** ([`tune`]): for each chosen run, a search of its optimizer's learning rate
//! (and optionally one more hyper-parameter) under a budget of `budget` runs, every candidate
//! judged by one metric: **the full-batch loss where the run stops after `evals` gradient
//! evaluations** (the scenario's `stop.max_evals`: a run stops at the first iteration after which
//! its `evals.grad` reaches the budget; the engine counts every gradient a rule or line search
//! reads, and a Hessian as a gradient too, so Newton's iteration costs one and a line-search
//! iteration as many as it tried). A diverged candidate never wins. The search:
//!
//! - learning rate alone: ⌈budget/2⌉ rates log-spaced over the rate's slider range (both ends
//!   included), then the other ⌊budget/2⌋ log-spaced strictly between the best of them and its
//!   two neighbours on that grid (half on each side; all on one side at an end of the range);
//! - with one more hyper-parameter `p`: `m = clamp(⌊budget/8⌋, 2, 5)` values of `p` over its
//!   slider range (`1 − p` log-spaced for decays in [0, 1), log-spaced for logarithmic sliders,
//!   evenly spaced otherwise; [`param_grid`]), and for each the search above with
//!   `⌊budget/m⌋` runs. An optimizer that does not take `p` gets the search above alone.
//!
//! The runs tuned are the chosen ones (by default all but fan runs and earlier tuned runs); each
//! keeps its other settings (schedule, clipping, noise, …). The tuned runs are added to the
//! scenario as ordinary runs labelled `tuned …` ([`with_tuned`]).
//!
//! No randomness and no clock: the same scenario and options give the same table to the bit,
//! natively and in the page. Ties go to the candidate evaluated first.

use crate::optim::{Evals, OptimizerConfig, Param, Valid};
use crate::render::fmt_num;
use crate::scenario::{RunSpec, Scenario, Stop, MAX_RUNS, MAX_STEPS};
use crate::surface::Surface;
use crate::vec2::Vec2;
use serde::Serialize;

// ---------------------------------------------------------------- running jobs

pub use crate::bulk::Outcome;

/// Steps every job as the only run of `sc` (its start, steps, batch size and stopping rules) to
/// its end; one outcome per job, the same bits as `trace` of that scenario. The one place that
/// chooses how jobs are run: the bulk engine ([`crate::bulk::run_jobs`]).
pub fn run_jobs(sc: &Scenario, surface: &Surface, jobs: &[RunSpec]) -> Vec<Outcome> {
    crate::bulk::run_jobs(sc, surface, jobs, None)
}

/// The index of the best outcome: the lowest final loss among those that did not diverge (and
/// whose loss is a number); the first of equals. `None` when every one diverged.
pub fn best_of(outcomes: &[Outcome]) -> Option<usize> {
    outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.diverged_at.is_none() && !o.loss.is_nan())
        .min_by(|(i, a), (j, b)| a.loss.total_cmp(&b.loss).then(i.cmp(j)))
        .map(|(i, _)| i)
}

// ---------------------------------------------------------------- the learning rate of a run

/// The configuration that holds the learning rate: the optimizer itself, or for a wrapper
/// (lookahead) the optimizer it wraps, innermost.
fn lr_holder(cfg: &mut OptimizerConfig) -> &mut OptimizerConfig {
    if cfg.name.info().wraps && cfg.inner.is_some() {
        match cfg.inner.as_deref_mut() {
            Some(inner) => lr_holder(inner),
            None => unreachable!("checked above"),
        }
    } else {
        cfg
    }
}

/// The learning rate's slider range `(min, max)` for `cfg` (its holder's, from the parameter
/// table).
pub fn lr_range(cfg: &OptimizerConfig) -> (f64, f64) {
    let mut c = cfg.clone();
    let h = lr_holder(&mut c);
    h.name
        .info()
        .param(Param::Lr)
        .map_or((1e-5, 10.0), |s| (s.min, s.max))
}

/// `cfg` with learning rate `lr` (set on its holder).
pub fn with_lr(cfg: &OptimizerConfig, lr: f64) -> OptimizerConfig {
    let mut c = cfg.clone();
    lr_holder(&mut c).set_param(Param::Lr, lr);
    c
}

/// `n` numbers from `lo` to `hi` (both included), evenly spaced in log scale (libm, so the page
/// computes the same bits).
fn log_space(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![lo];
    }
    let (a, b) = (libm::log(lo), libm::log(hi));
    (0..n)
        .map(|i| match i {
            0 => lo,
            _ if i == n - 1 => hi,
            _ => libm::exp(a + (b - a) * i as f64 / (n - 1) as f64),
        })
        .collect()
}

// ---------------------------------------------------------------- the fan

/// The number of fan runs the page starts with, and the range it allows.
pub const FAN_DEFAULT: usize = 7;
pub const FAN_MIN: usize = 3;
pub const FAN_MAX: usize = 11;
/// The fan reaches this factor below and above the run's rate (when the range allows).
pub const FAN_SPAN: f64 = 10.0;
/// Every fan run's label starts with this (so the fan can be removed, also after a share link).
pub const FAN_PREFIX: &str = "fan η=";

/// `n` learning rates log-spaced over `[lr/FAN_SPAN, lr·FAN_SPAN]`, the window shifted (not
/// shrunk) to lie inside `[min, max]` (shrunk only where the range is narrower). With an odd `n`
/// and an unshifted window, the middle rate is `lr` itself.
pub fn fan_rates(lr: f64, min: f64, max: f64, n: usize) -> Vec<f64> {
    let lr = lr.clamp(min, max);
    let (mut lo, mut hi) = (lr / FAN_SPAN, lr * FAN_SPAN);
    if lo < min {
        lo = min;
        hi = (min * FAN_SPAN * FAN_SPAN).min(max);
    } else if hi > max {
        hi = max;
        lo = (max / (FAN_SPAN * FAN_SPAN)).max(min);
    }
    let mut rates = log_space(lo, hi, n);
    if n % 2 == 1 && lo == lr / FAN_SPAN && hi == lr * FAN_SPAN {
        rates[n / 2] = lr;
    }
    rates
}

/// A run's colour as `#rrggbb` from its given colour `#rgb`/`#rrggbb` (black if unreadable).
fn rgb(hex: &str) -> (f64, f64, f64) {
    let h = hex.trim_start_matches('#');
    let digits: Vec<u8> = h
        .chars()
        .filter_map(|c| c.to_digit(16).map(|d| d as u8))
        .collect();
    let (r, g, b) = match digits.as_slice() {
        [r, g, b] => (r * 17, g * 17, b * 17),
        [r1, r0, g1, g0, b1, b0] => (r1 * 16 + r0, g1 * 16 + g0, b1 * 16 + b0),
        _ => (0, 0, 0),
    };
    (
        f64::from(r) / 255.0,
        f64::from(g) / 255.0,
        f64::from(b) / 255.0,
    )
}

/// The hue of a colour, in turns `[0, 1)`.
fn hue(hex: &str) -> f64 {
    let (r, g, b) = rgb(hex);
    let max = r.max(g).max(b);
    let d = max - r.min(g).min(b);
    if d == 0.0 {
        return 0.6;
    }
    let h = if max == r {
        ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        (b - r) / d + 2.0
    } else {
        (r - g) / d + 4.0
    };
    h / 6.0
}

/// `n` colours of one hue (that of `base`), from dark (the smallest rate) to light.
pub fn fan_colors(base: &str, n: usize) -> Vec<String> {
    use plotters::style::{Color, HSLColor};
    let h = hue(base);
    (0..n)
        .map(|i| {
            let t = if n > 1 {
                i as f64 / (n - 1) as f64
            } else {
                0.5
            };
            let c = HSLColor(h, 0.75, 0.28 + 0.44 * t).to_rgba();
            format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
        })
        .collect()
}

/// A fan: its rates, its runs (as added to the scenario), how each ends and the best.
#[derive(Clone, Debug, Serialize)]
pub struct Fan {
    /// The run it fans out.
    pub run: usize,
    pub rates: Vec<f64>,
    pub runs: Vec<RunSpec>,
    pub outcomes: Vec<Outcome>,
    /// The index (within the fan) of the lowest final loss; `None` if all diverged.
    pub best: Option<usize>,
}

/// Whether a run is a fan run (by its label).
pub fn is_fan_run(r: &RunSpec) -> bool {
    r.label
        .as_deref()
        .is_some_and(|l| l.starts_with(FAN_PREFIX))
}

/// The fan of `n` rates of run `run` of `sc` (whose colour, if not given, is `color`). Each fan
/// run is the run with another rate, its own colour and a label `fan η=<rate>`, with ` · ★ best`
/// or ` · diverged` where that applies ([`mark_fan`]).
pub fn fan(sc: &Scenario, run: usize, n: usize, color: &str) -> Result<Fan, String> {
    let base = sc.runs.get(run).ok_or_else(|| {
        format!(
            "run: the scenario has {} run{} (got {run})",
            sc.runs.len(),
            if sc.runs.len() == 1 { "" } else { "s" }
        )
    })?;
    if !(FAN_MIN..=FAN_MAX).contains(&n) {
        return Err(format!(
            "n: a fan has from {FAN_MIN} to {FAN_MAX} runs (got {n})"
        ));
    }
    let others = sc.runs.iter().filter(|r| !is_fan_run(r)).count();
    if others + n > MAX_RUNS {
        return Err(format!(
            "n: a scenario has at most {MAX_RUNS} runs; {others} and a fan of {n} are too many"
        ));
    }
    sc.validate()?;
    let surface = sc.build_surface()?;
    let (min, max) = lr_range(&base.optimizer);
    let rates = fan_rates(base.optimizer.base_lr(), min, max, n);
    let colors = fan_colors(base.color.as_deref().unwrap_or(color), n);
    let mut runs: Vec<RunSpec> = rates
        .iter()
        .zip(colors)
        .map(|(&lr, c)| RunSpec {
            optimizer: with_lr(&base.optimizer, lr),
            label: Some(format!("{FAN_PREFIX}{}", fmt_num(lr))),
            color: Some(c),
            enabled: None,
            ..base.clone()
        })
        .collect();
    let outcomes = run_jobs(sc, &surface, &runs);
    let best = best_of(&outcomes);
    mark(&mut runs, &outcomes, best);
    Ok(Fan {
        run,
        rates,
        runs,
        outcomes,
        best,
    })
}

/// The marks a fan run's label ends with.
const BEST_MARK: &str = " · ★ best";
const DIVERGED_MARK: &str = " · diverged";

/// Sets the marks of fan runs `runs` from how they end.
fn mark(runs: &mut [RunSpec], outcomes: &[Outcome], best: Option<usize>) {
    for (i, (r, o)) in runs.iter_mut().zip(outcomes).enumerate() {
        let m = if Some(i) == best {
            BEST_MARK
        } else if o.diverged_at.is_some() {
            DIVERGED_MARK
        } else {
            ""
        };
        if let Some(l) = &mut r.label {
            let plain = l.split(" · ").next().unwrap_or_default().to_string();
            *l = plain + m;
        }
    }
}

/// The fan in a scenario, marked afresh: the fan runs of `sc` stepped (each alone, as `trace`
/// would) and their labels' marks set from how they end now (after a change of surface, start,
/// steps or a fan run's settings). Returns the scenario and, if some fan run did not diverge,
/// the index (in the scenario) of the best and where it ends.
pub fn mark_fan(sc: &Scenario) -> Result<(Scenario, Option<(usize, Vec2)>), String> {
    sc.validate()?;
    let idx: Vec<usize> = (0..sc.runs.len())
        .filter(|&i| is_fan_run(&sc.runs[i]))
        .collect();
    if idx.is_empty() {
        return Ok((sc.clone(), None));
    }
    let surface = sc.build_surface()?;
    let mut runs: Vec<RunSpec> = idx.iter().map(|&i| sc.runs[i].clone()).collect();
    let outcomes = run_jobs(sc, &surface, &runs);
    let best = best_of(&outcomes);
    mark(&mut runs, &outcomes, best);
    let mut out = sc.clone();
    for (&i, r) in idx.iter().zip(runs) {
        out.runs[i] = r;
    }
    Ok((out, best.map(|b| (idx[b], outcomes[b].end))))
}

/// `sc` with its fan runs removed and `fan`'s runs added at the end (one fan at a time).
pub fn with_fan(sc: &Scenario, fan: &Fan) -> Scenario {
    let mut out = without_fan(sc);
    out.runs.extend(fan.runs.iter().cloned());
    out
}

/// `sc` without its fan runs.
pub fn without_fan(sc: &Scenario) -> Scenario {
    let mut out = sc.clone();
    out.runs.retain(|r| !is_fan_run(r));
    out
}

// ---------------------------------------------------------------- fair tuning

/// The fewest and most runs a tuning may spend per optimizer.
pub const BUDGET_MIN: usize = 3;
pub const BUDGET_MAX: usize = 1024;
/// The default budget of runs per optimizer.
pub const BUDGET_DEFAULT: usize = 16;
/// Every tuned run's label starts with this.
pub const TUNED_PREFIX: &str = "tuned ";

/// Whether a run was added by a tuning (by its label).
pub fn is_tuned_run(r: &RunSpec) -> bool {
    r.label
        .as_deref()
        .is_some_and(|l| l.starts_with(TUNED_PREFIX))
}

/// What to tune, and how much to spend.
#[derive(Clone, Debug, PartialEq)]
pub struct TuneOptions {
    /// The runs whose optimizers are tuned (indices into the scenario's runs; empty: all but
    /// fan runs and earlier tuned runs).
    pub runs: Vec<usize>,
    /// Runs per optimizer.
    pub budget: usize,
    /// Gradient evaluations per run (default: the scenario's `stop.max_evals`, else its steps).
    pub evals: Option<u64>,
    /// One more hyper-parameter to search, by its JSON name.
    pub also: Option<String>,
}

impl Default for TuneOptions {
    fn default() -> Self {
        TuneOptions {
            runs: Vec::new(),
            budget: BUDGET_DEFAULT,
            evals: None,
            also: None,
        }
    }
}

/// One candidate a tuning evaluated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    pub lr: f64,
    /// The other hyper-parameter's value, with `also`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<f64>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The result for one optimizer (one chosen run).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The run tuned (index in the scenario).
    pub run: usize,
    /// Its label as the page shows it.
    pub label: String,
    pub optimizer: String,
    /// The best learning rate (`None`: every candidate diverged).
    pub lr: Option<f64>,
    /// The other hyper-parameter searched: its name and best value, if this optimizer takes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<(String, f64)>,
    /// The metric of the best candidate: its final loss.
    pub loss: Option<f64>,
    /// The evaluations the best candidate used.
    pub evals: Option<Evals>,
    pub runs_used: usize,
    pub diverged: usize,
    /// Every candidate, in the order evaluated.
    pub candidates: Vec<Candidate>,
    /// The tuned run (the chosen run with the best values), as it is added to the scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tuned: Option<RunSpec>,
}

/// A tuning's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table {
    /// The metric in words.
    pub metric: String,
    /// The search in words.
    pub search: String,
    pub evals: u64,
    pub budget: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub also: Option<String>,
    pub rows: Vec<Row>,
}

/// The scenario every candidate runs in: `sc` with `evals` gradient evaluations as its only
/// stopping rule and steps enough to spend them (`2·evals`, at most [`MAX_STEPS`]); no runs.
pub fn budget_scenario(sc: &Scenario, evals: u64) -> Scenario {
    Scenario {
        steps: evals.saturating_mul(2).min(MAX_STEPS),
        runs: Vec::new(),
        stop: Some(Stop {
            max_evals: Some(evals),
            ..Stop::default()
        }),
        ..sc.clone()
    }
}

/// `m` values of hyper-parameter `p` (as `spec` of the parameter table gives its slider):
/// `1 − v` log-spaced for a decay in [0, 1), log-spaced for a log slider, evenly spaced
/// otherwise; integers rounded and repeated ones dropped. Smallest first.
pub fn param_grid(spec: &crate::optim::HyperSpec, m: usize) -> Vec<f64> {
    let (min, max, m) = (spec.min, spec.max, m.max(2));
    let mut v: Vec<f64> = if spec.valid == Valid::ZeroToBelowOne {
        // Descending 1 − v, so ascending v; the ends exactly as the slider has them.
        let mut g: Vec<f64> = log_space(1.0 - max, 1.0 - min, m)
            .into_iter()
            .rev()
            .map(|d| 1.0 - d)
            .collect();
        g[0] = min;
        g[m - 1] = max;
        g
    } else if spec.log {
        log_space(min, max, m)
    } else {
        (0..m)
            .map(|i| match i {
                0 => min,
                _ if i == m - 1 => max,
                _ => min + (max - min) * i as f64 / (m - 1) as f64,
            })
            .collect()
    };
    if spec.integer {
        v = v.into_iter().map(f64::round).collect();
        v.dedup();
    }
    v
}

/// Where in `cfg` (outer first, then what it wraps) hyper-parameter `p` is taken.
fn set_param_somewhere(cfg: &mut OptimizerConfig, p: Param, v: f64) -> bool {
    if cfg.set_param(p, v) {
        return true;
    }
    match cfg.inner.as_deref_mut() {
        Some(inner) => set_param_somewhere(inner, p, v),
        None => false,
    }
}

/// Whether `cfg` (or what it wraps) takes `p`; its slider if so.
fn param_spec(cfg: &OptimizerConfig, p: Param) -> Option<crate::optim::HyperSpec> {
    cfg.name
        .info()
        .param(p)
        .copied()
        .or_else(|| cfg.inner.as_deref().and_then(|i| param_spec(i, p)))
}

/// Checks the options against `sc`; the runs to tune and the other parameter.
fn check(sc: &Scenario, o: &TuneOptions) -> Result<(Vec<usize>, u64, Option<Param>), String> {
    if sc.runs.is_empty() {
        return Err("runs: the scenario has no runs to tune".into());
    }
    let n = sc.runs.len();
    let mut runs = Vec::new();
    for &i in &o.runs {
        if i >= n {
            return Err(format!(
                "runs: the scenario has {n} run{} (0 to {}), not {i}",
                if n == 1 { "" } else { "s" },
                n - 1
            ));
        }
        if runs.contains(&i) {
            return Err(format!("runs: {i} is given twice"));
        }
        runs.push(i);
    }
    if runs.is_empty() {
        // All but the fan's and earlier tuned runs (all, if that leaves none).
        runs = (0..n)
            .filter(|&i| !is_fan_run(&sc.runs[i]) && !is_tuned_run(&sc.runs[i]))
            .collect();
        if runs.is_empty() {
            runs = (0..n).collect();
        }
    }
    if !(BUDGET_MIN..=BUDGET_MAX).contains(&o.budget) {
        return Err(format!(
            "budget: from {BUDGET_MIN} to {BUDGET_MAX} runs per optimizer (got {})",
            o.budget
        ));
    }
    let evals = o
        .evals
        .or(sc.stop.and_then(|s| s.max_evals))
        .unwrap_or(sc.steps);
    if !(1..=MAX_STEPS).contains(&evals) {
        return Err(format!(
            "evals: from 1 to {MAX_STEPS} gradient evaluations (got {evals})"
        ));
    }
    let also = match &o.also {
        None => None,
        Some(name) => {
            let p = Param::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = Param::ALL.iter().map(|p| p.name()).collect();
                format!(
                    "also: unknown hyper-parameter '{name}' (known: {})",
                    known.join(", ")
                )
            })?;
            if p == Param::Lr {
                return Err(
                    "also: the learning rate is always searched; name another hyper-parameter"
                        .into(),
                );
            }
            if !runs
                .iter()
                .any(|&i| param_spec(&sc.runs[i].optimizer, p).is_some())
            {
                return Err(format!("also: no chosen run's optimizer takes '{name}'"));
            }
            Some(p)
        }
    };
    if o.budget < 6 && also.is_some() {
        return Err(format!(
            "budget: searching a second hyper-parameter takes at least 6 runs per optimizer (got {})",
            o.budget
        ));
    }
    Ok((runs, evals, also))
}

/// One search of the learning rate: for one run and, with `also`, one value of the other
/// hyper-parameter.
#[derive(Clone, Debug)]
struct Group {
    /// Which chosen run (index into [`Tuner::rows`]).
    row: usize,
    other: Option<f64>,
    /// Runs this search may spend.
    budget: usize,
    /// The first stage's grid (empty until set).
    grid: Vec<f64>,
    /// Whether the second stage's rates are planned.
    refined: bool,
    /// Rates planned, not yet run.
    pending: Vec<f64>,
}

/// A row being filled.
#[derive(Clone, Debug)]
struct RowState {
    run: usize,
    label: String,
    /// The other hyper-parameter, if this optimizer takes it.
    other: Option<Param>,
    cands: Vec<(f64, Option<f64>)>,
    outs: Vec<Outcome>,
}

/// A tuning in progress: [`Tuner::step`] runs a few candidates at a time (the page runs it
/// between frames), [`Tuner::table`] gives the result. The order of the candidates, and so the
/// result, does not depend on how the work is cut.
#[derive(Clone, Debug)]
pub struct Tuner {
    sc: Scenario,
    /// The scenario every candidate runs in ([`budget_scenario`]).
    bsc: Scenario,
    surface: Surface,
    evals: u64,
    budget: usize,
    also: Option<Param>,
    rows: Vec<RowState>,
    groups: Vec<Group>,
    /// The group being worked on.
    at: usize,
    total: usize,
}

impl Tuner {
    /// Checks the options against `sc` and plans the search; nothing is run yet.
    pub fn new(sc: &Scenario, o: &TuneOptions) -> Result<Tuner, String> {
        sc.validate()?;
        let (chosen, evals, also) = check(sc, o)?;
        let labels: Vec<String> = crate::run::Session::new(sc)?
            .traces()
            .iter()
            .map(|t| t.label.clone())
            .collect();
        let mut rows = Vec::new();
        let mut groups = Vec::new();
        for (row, &i) in chosen.iter().enumerate() {
            let spec = also.and_then(|p| param_spec(&sc.runs[i].optimizer, p).map(|s| (p, s)));
            match spec {
                Some((_, s)) => {
                    let values = param_grid(&s, (o.budget / 8).clamp(2, 5));
                    let per = o.budget / values.len();
                    groups.extend(values.into_iter().map(|v| Group::new(row, Some(v), per)));
                }
                None => groups.push(Group::new(row, None, o.budget)),
            }
            rows.push(RowState {
                run: i,
                label: labels[i].clone(),
                other: spec.map(|(p, _)| p),
                cands: Vec::new(),
                outs: Vec::new(),
            });
        }
        let total = groups.iter().map(|g| g.budget).sum();
        Ok(Tuner {
            bsc: budget_scenario(sc, evals),
            surface: sc.build_surface()?,
            sc: sc.clone(),
            evals,
            budget: o.budget,
            also,
            rows,
            groups,
            at: 0,
            total,
        })
    }

    /// The candidates planned in all (at most the budget times the number of runs).
    pub fn total(&self) -> usize {
        self.total
    }

    /// The candidates run so far.
    pub fn done_count(&self) -> usize {
        self.rows.iter().map(|r| r.outs.len()).sum()
    }

    /// Whether every candidate has run.
    pub fn done(&self) -> bool {
        self.at >= self.groups.len()
    }

    /// The job of a candidate: run `row` with rate `lr` and the other value.
    fn job(&self, row: usize, lr: f64, other: Option<f64>) -> RunSpec {
        let r = &self.rows[row];
        let base = &self.sc.runs[r.run];
        let mut cfg = with_lr(&base.optimizer, lr);
        if let (Some(p), Some(v)) = (r.other, other) {
            set_param_somewhere(&mut cfg, p, v);
        }
        RunSpec {
            optimizer: cfg,
            label: None,
            color: None,
            enabled: None,
            ..base.clone()
        }
    }

    /// Runs up to `n` candidates (at least one while any is left); whether all have run.
    pub fn step(&mut self, n: usize) -> bool {
        let mut left = n.max(1);
        while left > 0 && !self.done() {
            let g = &mut self.groups[self.at];
            let (lo, hi) = lr_range(&self.sc.runs[self.rows[g.row].run].optimizer);
            if g.grid.is_empty() {
                g.grid = log_space(lo, hi, g.budget.div_ceil(2));
                g.pending = g.grid.clone();
            } else if g.pending.is_empty() && !g.refined {
                g.refined = true;
                // The outcomes of this group's first stage: the last `grid.len()` candidates of
                // its row before the second stage began.
                let row = &self.rows[g.row];
                let first = &row.outs[row.outs.len() - g.grid.len()..];
                g.pending = refine(
                    &g.grid,
                    best_of(first).unwrap_or(0),
                    g.budget - g.grid.len(),
                );
            } else if g.pending.is_empty() {
                self.at += 1;
                continue;
            }
            let k = left.min(g.pending.len());
            let (row, other) = (g.row, g.other);
            let lrs: Vec<f64> = g.pending.drain(..k).collect();
            let jobs: Vec<RunSpec> = lrs.iter().map(|&l| self.job(row, l, other)).collect();
            let outs = run_jobs(&self.bsc, &self.surface, &jobs);
            let r = &mut self.rows[row];
            r.cands.extend(lrs.iter().map(|&l| (l, other)));
            r.outs.extend(outs);
            left -= k;
        }
        self.done()
    }

    /// The table of what has run (call when [`Tuner::done`]).
    pub fn table(&self) -> Table {
        let rows = self.rows.iter().map(|r| self.row(r)).collect();
        let search = match self.also {
            Some(p) => format!(
                "for each of {} values of {} over its slider range, the learning-rate search with \
                 the budget shared out",
                (self.budget / 8).clamp(2, 5),
                p.name()
            ),
            None => "learning rates log-spaced over the slider range (half the budget), then \
                     refined between the best and its neighbours (the other half)"
                .into(),
        };
        Table {
            metric: format!(
                "final loss after {} gradient evaluations (a Hessian counts as one; a run \
                 stops at the first iteration that reaches the budget)",
                self.evals
            ),
            search,
            evals: self.evals,
            budget: self.budget,
            also: self.also.map(|p| p.name().to_string()),
            rows,
        }
    }

    fn row(&self, r: &RowState) -> Row {
        let best = best_of(&r.outs);
        let candidates: Vec<Candidate> = r
            .cands
            .iter()
            .zip(&r.outs)
            .map(|(&(lr, other), &outcome)| Candidate { lr, other, outcome })
            .collect();
        let row = self.rows.iter().position(|x| x.run == r.run).unwrap_or(0);
        let tuned = best.map(|k| {
            let c = &candidates[k];
            let mut spec = self.job(row, c.lr, c.other);
            let mut label = format!("{TUNED_PREFIX}{} η={}", r.label, fmt_num(c.lr));
            if let (Some(p), Some(v)) = (r.other, c.other) {
                label += &format!(" {}={}", p.spec().symbol, fmt_num(v));
            }
            spec.label = Some(label.chars().take(80).collect());
            spec
        });
        Row {
            run: r.run,
            label: r.label.clone(),
            optimizer: self.sc.runs[r.run].optimizer.name.name().to_string(),
            lr: best.map(|k| candidates[k].lr),
            other: best.and_then(|k| Some((r.other?.name().to_string(), candidates[k].other?))),
            loss: best.map(|k| candidates[k].outcome.loss),
            evals: best.map(|k| candidates[k].outcome.evals),
            runs_used: candidates.len(),
            diverged: candidates
                .iter()
                .filter(|c| c.outcome.diverged_at.is_some())
                .count(),
            candidates,
            tuned,
        }
    }
}

impl Group {
    fn new(row: usize, other: Option<f64>, budget: usize) -> Group {
        Group {
            row,
            other,
            budget,
            grid: Vec::new(),
            refined: false,
            pending: Vec::new(),
        }
    }
}

/// `n` rates strictly between `grid[j]` and its neighbours on `grid`, log-spaced: half on each
/// side (the left one more when odd), all on the side there is at an end.
pub fn refine(grid: &[f64], j: usize, n: usize) -> Vec<f64> {
    let last = grid.len().saturating_sub(1);
    if grid.len() < 2 || j > last {
        return Vec::new();
    }
    let (a, c, b) = (grid[j.saturating_sub(1)], grid[j], grid[(j + 1).min(last)]);
    let left = match (j == 0, j == last) {
        (true, _) => 0,
        (_, true) => n,
        _ => n.div_ceil(2),
    };
    let inside = |lo: f64, hi: f64, k: usize| -> Vec<f64> {
        let v = log_space(lo, hi, k + 2);
        v[1..=k].to_vec()
    };
    let mut pts = inside(a, c, left);
    pts.extend(inside(c, b, n - left));
    pts
}

/// Tunes the chosen runs of `sc` (see the module's documentation) at once.
pub fn tune(sc: &Scenario, o: &TuneOptions) -> Result<Table, String> {
    let mut t = Tuner::new(sc, o)?;
    t.step(usize::MAX);
    Ok(t.table())
}

/// `sc` with the tuned runs of `table` added (earlier tuned runs replaced).
pub fn with_tuned(sc: &Scenario, table: &Table) -> Result<Scenario, String> {
    with_tuned_runs(
        sc,
        table.rows.iter().filter_map(|r| r.tuned.clone()).collect(),
    )
}

/// [`with_tuned`] from the tuned runs alone (a table's `rows[].tuned`, as a page worker sends
/// them back).
pub fn with_tuned_runs(sc: &Scenario, tuned: Vec<RunSpec>) -> Result<Scenario, String> {
    let mut out = sc.clone();
    out.runs.retain(|r| !is_tuned_run(r));
    let added = tuned.len();
    out.runs.extend(tuned);
    if out.runs.len() > MAX_RUNS {
        return Err(format!(
            "runs: adding {added} tuned runs would make {} (at most {MAX_RUNS})",
            out.runs.len()
        ));
    }
    Ok(out)
}

/// The table's cells as text, header first: run, optimizer (its label), best lr, the other
/// hyper-parameter (only with `also`), final loss, gradient evaluations (with the Hessians among
/// them, if any), runs used (how many diverged).
pub fn table_cells(t: &Table) -> Vec<Vec<String>> {
    let dash = || "—".to_string();
    let mut head = vec!["run".to_string(), "optimizer".into(), "best lr".into()];
    if let Some(a) = &t.also {
        head.push(a.clone());
    }
    head.extend([
        "final loss".into(),
        "grad evals".into(),
        "runs (diverged)".into(),
    ]);
    let mut lines = vec![head];
    for r in &t.rows {
        let mut l = vec![
            r.run.to_string(),
            r.label.clone(),
            r.lr.map_or_else(dash, fmt_num),
        ];
        if t.also.is_some() {
            l.push(r.other.as_ref().map_or_else(dash, |(_, v)| fmt_num(*v)));
        }
        l.extend([
            r.loss.map_or_else(|| "all diverged".into(), fmt_num),
            r.evals.map_or_else(dash, |e| match e.hessian {
                0 => e.grad.to_string(),
                h => format!("{} ({h} Hessian)", e.grad),
            }),
            format!("{} ({})", r.runs_used, r.diverged),
        ]);
        lines.push(l);
    }
    lines
}

/// The table as text: a header saying the metric and the search, then one line per optimizer.
pub fn table_text(sc: &Scenario, t: &Table) -> String {
    let what = match (&sc.surface.name, &sc.surface.expr, &sc.data) {
        (_, _, Some(_)) => "the data set's loss".to_string(),
        (Some(n), _, _) => n.clone(),
        (_, Some(e), _) => format!("L = {e}"),
        _ => String::new(),
    };
    let mut s = format!(
        "Tuning on {what} from [{}, {}]\nmetric: {}\nsearch: {} runs per optimizer: {}\n\n",
        sc.start.x, sc.start.y, t.metric, t.budget, t.search
    );
    let lines = table_cells(t);
    let cols = lines[0].len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for l in &lines {
        let cells: Vec<String> = l
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("{c:<w$}"))
            .collect();
        s += cells.join("  ").trim_end();
        s.push('\n');
    }
    s.trim_end().to_string()
}
