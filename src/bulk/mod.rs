//! Many independent runs of one scenario at once: the engine of hyperparameter maps, basin
//! maps, learning-rate fans and tuning.
//!
//! A *job* is a complete [`RunSpec`] (one of the scenario's runs with its overrides applied,
//! its own `start` included if it has one). Each job runs as if it were the scenario's only
//! run, independently of the others, and yields an [`Outcome`]: what [`Session`]'s `trace`
//! gives for that one-run scenario at the run's end, bit for bit.
//!
//! [`run_jobs`] is the fast path; [`run_reference`] steps each job through [`RunState`], the
//! code `trace` uses, and is the reference the fast path is tested against. Neither spawns
//! threads: a caller splits `jobs` into slices and runs them where it likes.
//!
//! ```
//! use optimizer_playground::{bulk, scenario::Scenario};
//! let sc = Scenario::from_json(r#"{"surface": {"name": "rosenbrock"}, "start": [-1.5, 2],
//!   "steps": 200, "runs": [{"optimizer": {"name": "adam", "lr": 0.05}}]}"#).unwrap();
//! let surface = sc.build_surface().unwrap();
//! let jobs: Vec<_> = [0.01, 0.1].iter().map(|&lr| {
//!     let mut j = sc.runs[0].clone();
//!     j.optimizer.set("lr", lr);
//!     j
//! }).collect();
//! let out = bulk::run_jobs(&sc, &surface, &jobs, Some(1e-3));
//! assert_eq!(out, bulk::run_reference(&sc, &surface, &jobs, Some(1e-3)));
//! assert_eq!(out[0].iterations, 200);
//! ```
//!
//! [`Session`]: crate::run::Session

mod lanes;

pub use lanes::{Grad, Lanes};

use crate::optim::{
    clip_lanes, in_lanes, l2_lanes, lane_grad_point, lane_step, Clip, Evals, LaneHyper, OptKind,
    Param, Power,
};
use crate::run::{RunState, MAX_NORM};
use crate::scalar::{Lane, Num, Pair};
use crate::scenario::{RunSpec, Scenario, Stop};
use crate::schedule::Schedule;
use crate::surface::{Expr, Named, Surface};
use crate::vec2::Vec2;
use std::collections::HashMap;

/// What `trace` of the scenario with this one run gives at the run's end.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Outcome {
    /// The last point of the path.
    pub end: Vec2,
    /// Its loss (the trace's last `loss`).
    pub loss: f64,
    /// Completed iterations (`path.len() − 1`).
    pub iterations: u64,
    /// The trace's `evals`.
    pub evals: Evals,
    /// The trace's `diverged_at`.
    pub diverged_at: Option<u64>,
    /// The trace's `stopped_at`.
    pub stopped_at: Option<u64>,
    /// The first point index `i` with `loss[i] <= tol`, and the gradient evaluations spent up
    /// to it (the evaluation counts after point `i`), when `tol` is given and it is reached.
    pub reached: Option<(u64, u64)>,
}

/// Runs every job as if it were the scenario's only run, independently: `out[i]` is job
/// `i`'s [`Outcome`], bit for bit what [`run_reference`] gives.
///
/// The fast path steps [`WIDTH`] jobs together in [`Lanes`] (structure of arrays; SIMD where
/// the target has it; [`AVX_WIDTH`] with AVX, see [`Simd`]): jobs of the same first-order rule that [`in_lanes`] lists, on a named
/// surface or an expression, full batch without noise. Every other job goes through
/// [`run_reference`]'s path, one by one.
///
/// `sc` gives the start (unless a job has its own), the step budget, the mini-batch default
/// and the stopping rules; `surface` is `sc.build_surface()` (built once by the caller).
/// The jobs are expected to be valid (as [`Scenario::validate`] checks runs).
pub fn run_jobs(
    sc: &Scenario,
    surface: &Surface,
    jobs: &[RunSpec],
    tol: Option<f64>,
) -> Vec<Outcome> {
    run_jobs_with(Simd::best(), sc, surface, jobs, tol)
}

/// The instructions [`run_jobs`] steps lane groups with. Every choice gives the same bits
/// (lanes only ever use `+ − × ÷ √` and comparisons, which IEEE 754 defines exactly, and no
/// fused multiply-add); they differ in speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Simd {
    /// [`WIDTH`] lanes in the target's baseline instructions (SSE2 natively, `simd128` in the
    /// browser build).
    Portable,
    /// On x86-64 processors with AVX: [`AVX_WIDTH`] lanes in 256-bit registers, four chains
    /// of four, which keeps the dividers busy (Adam's step is three divisions and a square
    /// root a coordinate). Elsewhere the same as `Portable`.
    Avx,
}

impl Simd {
    /// The fastest choice this processor runs.
    pub fn best() -> Simd {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx") {
            return Simd::Avx;
        }
        Simd::Portable
    }
}

/// [`run_jobs`] with lane groups stepped by `simd`'s instructions (tests run every choice).
pub fn run_jobs_with(
    simd: Simd,
    sc: &Scenario,
    surface: &Surface,
    jobs: &[RunSpec],
    tol: Option<f64>,
) -> Vec<Outcome> {
    let mut out: Vec<Option<Outcome>> = vec![None; jobs.len()];
    let lane_surface = match surface {
        Surface::Named(n) => Some(LaneSurface::Named(n)),
        Surface::Expr(e) => Some(LaneSurface::Expr(e)),
        Surface::Data(_) => None,
    };
    if let Some(ls) = lane_surface {
        // Jobs that run in lanes, grouped by rule and clipping mode.
        let mut keyed: Vec<((usize, u8), usize)> = jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| runs_in_lanes(sc, j))
            .map(|(i, j)| ((j.optimizer.name as usize, clip_mode(j.clip)), i))
            .collect();
        keyed.sort_by_key(|&(k, _)| k);
        let powers = Powers::new(keyed.iter().map(|&(_, i)| &jobs[i]), sc.steps);
        let g = Groups {
            sc,
            surface: ls,
            jobs,
            keyed: &keyed,
            powers: &powers,
            tol,
        };
        g.run_with(simd, &mut out);
    }
    out.into_iter()
        .zip(jobs)
        .map(|(o, job)| o.unwrap_or_else(|| reference_one(sc, surface, job, tol)))
        .collect()
}

impl Outcome {
    /// The names of [`Outcome::to_array`]'s numbers, in order.
    pub const FIELDS: [&'static str; 9] = [
        "x",
        "y",
        "loss",
        "iterations",
        "grad_evals",
        "diverged_at",
        "stopped_at",
        "reached_at",
        "reached_evals",
    ];

    /// The outcome as numbers ([`Outcome::FIELDS`]): the end point, its loss, the iterations,
    /// the gradient evaluations, and `diverged_at`, `stopped_at`, `reached` with −1 for none.
    pub fn to_array(&self) -> [f64; 9] {
        let or = |v: Option<u64>| v.map_or(-1.0, |v| v as f64);
        [
            self.end.x,
            self.end.y,
            self.loss,
            self.iterations as f64,
            self.evals.grad as f64,
            or(self.diverged_at),
            or(self.stopped_at),
            or(self.reached.map(|r| r.0)),
            or(self.reached.map(|r| r.1)),
        ]
    }
}

/// An axis of a map: `n` values from `lo` to `hi` (both included), evenly or, with `log`,
/// geometrically spaced, of a hyper-parameter of the run's optimizer (its scenario name:
/// `"lr"`, `"beta2"`, …; a lookahead's inner optimizer's when the lookahead does not take
/// it) or of the start (`"x"`, `"y"`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Axis {
    pub name: String,
    pub lo: f64,
    pub hi: f64,
    pub n: usize,
    #[serde(default)]
    pub log: bool,
}

impl Axis {
    /// Value `i` (`lo` when `n < 2`): `lo + (hi − lo)·i/(n−1)`, or `lo·(hi/lo)^(i/(n−1))`.
    pub fn value(&self, i: usize) -> f64 {
        if self.n < 2 {
            return self.lo;
        }
        let f = i as f64 / (self.n - 1) as f64;
        if self.log {
            self.lo * libm::pow(self.hi / self.lo, f)
        } else {
            self.lo + (self.hi - self.lo) * f
        }
    }

    /// Sets this axis's quantity to `v` in `job` (whose start without one of its own is
    /// `start`); false if the optimizer takes no such hyper-parameter.
    fn set(&self, job: &mut RunSpec, start: Vec2, v: f64) -> bool {
        match self.name.as_str() {
            "x" => job.start = Some(Vec2::new(v, job.start.unwrap_or(start).y)),
            "y" => job.start = Some(Vec2::new(job.start.unwrap_or(start).x, v)),
            name => {
                if !job.optimizer.set(name, v) {
                    return job
                        .optimizer
                        .inner
                        .as_mut()
                        .is_some_and(|inner| inner.set(name, v));
                }
            }
        }
        true
    }
}

/// The most pixels [`grid_jobs`] builds at once (1024×1024; a caller computes a larger map in
/// parts of rows).
pub const MAX_PIXELS: usize = 1 << 20;

/// The jobs of a map's rows `rows` (row `j` has `y.value(j)`, column `i` has `x.value(i)`),
/// row after row: scenario run `run` with both quantities set. Checks the axes (sizes, finite
/// ends, positive ends on a log axis, a hyper-parameter the optimizer takes) and that the
/// corner runs are valid (every other value lies between); the message names the field.
pub fn grid_jobs(
    sc: &Scenario,
    run: usize,
    x: &Axis,
    y: &Axis,
    rows: core::ops::Range<usize>,
) -> Result<Vec<RunSpec>, String> {
    let base = sc
        .runs
        .get(run)
        .ok_or_else(|| format!("run: no run {run} (the scenario has {})", sc.runs.len()))?;
    for (which, a) in [("x", x), ("y", y)] {
        if a.n == 0 || a.n > 4096 {
            return Err(format!("{which}.n: must be 1 to 4096 (got {})", a.n));
        }
        if !(a.lo.is_finite() && a.hi.is_finite()) {
            return Err(format!("{which}: lo and hi must be finite"));
        }
        if a.log && !(a.lo > 0.0 && a.hi > 0.0) {
            return Err(format!("{which}: a log axis needs lo and hi above 0"));
        }
        let mut probe = base.clone();
        if !a.set(&mut probe, sc.start, a.lo) {
            return Err(format!(
                "{which}.name: '{}' takes no '{}' (nor is it \"x\" or \"y\")",
                base.optimizer.name.name(),
                a.name
            ));
        }
    }
    if rows.end > y.n || rows.start > rows.end {
        return Err(format!(
            "rows: {}..{} is not within 0..{}",
            rows.start, rows.end, y.n
        ));
    }
    let job = |i: usize, j: usize| {
        let mut r = base.clone();
        x.set(&mut r, sc.start, x.value(i));
        y.set(&mut r, sc.start, y.value(j));
        r
    };
    for (i, j) in [(0, 0), (x.n - 1, 0), (0, y.n - 1), (x.n - 1, y.n - 1)] {
        job(i, j).validate(&format!("runs[{run}]"))?;
    }
    Ok(rows
        .flat_map(|j| (0..x.n).map(move |i| (i, j)))
        .map(|(i, j)| job(i, j))
        .collect())
}

/// [`run_jobs`] through the single-run path ([`RunState`], the code `trace` uses), one job
/// after the other: the reference.
pub fn run_reference(
    sc: &Scenario,
    surface: &Surface,
    jobs: &[RunSpec],
    tol: Option<f64>,
) -> Vec<Outcome> {
    jobs.iter()
        .map(|job| reference_one(sc, surface, job, tol))
        .collect()
}

/// One job through [`RunState`].
fn reference_one(sc: &Scenario, surface: &Surface, job: &RunSpec, tol: Option<f64>) -> Outcome {
    let mut r = RunState::with_stop(job.clone(), surface, sc.start, sc.batch_size, sc.stop);
    while r.iterations() < sc.steps && r.step(surface) {}
    let t = &r.trace;
    let reached = tol.and_then(|tol| {
        let i = t.loss.iter().position(|&l| l <= tol)?;
        Some((i as u64, r.evals_at[i].grad))
    });
    Outcome {
        end: t.path.last().copied().unwrap_or(Vec2::ZERO),
        loss: t.loss.last().copied().unwrap_or(f64::NAN),
        iterations: r.iterations(),
        evals: t.evals,
        diverged_at: t.diverged_at,
        stopped_at: t.stopped_at,
        reached,
    }
}

// ---------------------------------------------------------------- the fast path

/// Jobs stepped together: lanes per group (natively 4, two SSE2 registers a number; in the
/// browser build 2, one wasm `v128`, which keeps a lane group in the engine's locals).
#[cfg(not(target_arch = "wasm32"))]
pub const WIDTH: usize = 4;
/// Jobs stepped together: lanes per group (natively 4, two SSE2 registers a number; in the
/// browser build 2, one wasm `v128`, which keeps a lane group in the engine's locals).
#[cfg(target_arch = "wasm32")]
pub const WIDTH: usize = 2;
/// Jobs stepped together with [`Simd::Avx`].
pub const AVX_WIDTH: usize = 16;

/// The lane jobs of one [`run_jobs`] call, sorted by rule and clipping mode, and what their
/// groups share.
struct Groups<'a> {
    sc: &'a Scenario,
    surface: LaneSurface<'a>,
    jobs: &'a [RunSpec],
    keyed: &'a [((usize, u8), usize)],
    powers: &'a Powers,
    tol: Option<f64>,
}

impl Groups<'_> {
    /// Every group of `W` jobs of one key through [`run_group`], outcomes into `out`.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<const W: usize>(&self, out: &mut [Option<Outcome>]) {
        let mut cache = PowCache::default();
        let mut at = 0;
        while at < self.keyed.len() {
            let key = self.keyed[at].0;
            let same = self.keyed[at..]
                .iter()
                .take_while(|(k, _)| *k == key)
                .count();
            for chunk in self.keyed[at..at + same].chunks(W) {
                // A short last group repeats its first job in the spare lanes (results unused).
                let idx: [usize; W] = core::array::from_fn(|l| chunk.get(l).unwrap_or(&chunk[0]).1);
                let res = run_group(self, idx, &mut cache);
                for (l, &(_, i)) in chunk.iter().enumerate() {
                    out[i] = Some(res[l]);
                }
            }
            at += same;
        }
    }

    /// [`Groups::run`] with [`AVX_WIDTH`] lanes, compiled for AVX.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    fn run_avx_inner(&self, out: &mut [Option<Outcome>]) {
        self.run::<AVX_WIDTH>(out)
    }

    /// [`Groups::run`] with `simd`'s lane groups (the portable ones where the processor
    /// lacks AVX).
    #[allow(unsafe_code)]
    fn run_with(&self, simd: Simd, out: &mut [Option<Outcome>]) {
        #[cfg(target_arch = "x86_64")]
        if simd == Simd::Avx && std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: `run_avx_inner` needs AVX, and this processor has it (checked above).
            unsafe { self.run_avx_inner(out) };
            return;
        }
        let _ = simd;
        self.run::<WIDTH>(out)
    }
}

/// The powers of β₁ and β₂ in lanes that the last group used, kept for the next group when
/// its β's are the same (the groups of a map's row over the learning rate share them).
struct PowCache<const W: usize> {
    /// The β₁'s and β₂'s bits and the first `t` the table holds.
    key: Option<([u64; W], [u64; W], u64)>,
    /// `[β₁ᵗ, β₂ᵗ]` for `t = base …` up to [`POW_CHUNK`] steps on (and not past the last
    /// step's `t + 1`).
    table: Vec<[Lanes<W>; 2]>,
}

impl<const W: usize> Default for PowCache<W> {
    fn default() -> Self {
        PowCache {
            key: None,
            table: Vec::new(),
        }
    }
}

/// Whether `job` runs in lanes (on a named surface or an expression): a rule of [`in_lanes`],
/// no gradient noise, no early stopping (which needs held-out data anyway).
pub fn runs_in_lanes(sc: &Scenario, job: &RunSpec) -> bool {
    let noisy = job.noise.is_some_and(|s| s > 0.0);
    let patience = sc.stop.is_some_and(|s| s.patience.is_some());
    in_lanes(job.optimizer.name) && !noisy && !patience
}

fn clip_mode(c: Option<Clip>) -> u8 {
    match c {
        None => 0,
        Some(Clip::Norm(_)) => 1,
        Some(Clip::Value(_)) => 2,
    }
}

/// The surfaces lanes can evaluate.
#[derive(Clone, Copy)]
enum LaneSurface<'a> {
    Named(&'a Named),
    Expr(&'a Expr),
}

impl LaneSurface<'_> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn eval<D: Num>(self, x: D, y: D) -> D {
        match self {
            // Inlined: 1.3–1.8× faster in the browser build, and the AVX groups natively
            // (a surface compiled apart would not use AVX).
            LaneSurface::Named(n) => n.eval_inlined(x, y),
            LaneSurface::Expr(e) => e.eval(x, y),
        }
    }
    /// `∇L` in every lane, as `Surface::grad` computes it.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn grad<Ln: Lane>(self, p: Pair<Ln>) -> Pair<Ln> {
        let (x, y) = Grad::vars(p.x, p.y);
        let r = self.eval(x, y);
        Pair::new(r.eps1, r.eps2)
    }
}

/// `libm::pow(β, t)` for every β of the Adam family's jobs and `t = 0 … steps + 1`, computed
/// once per distinct β (a map over β₂ has a few hundred β's, not one per job).
struct Powers {
    at: HashMap<u64, usize>,
    table: Vec<f64>,
    len: usize,
}

/// The most entries [`Powers`] holds (8 MB); beyond, powers are computed at every step.
const MAX_POWERS: usize = 1 << 20;

impl Powers {
    fn new<'a>(jobs: impl Iterator<Item = &'a RunSpec>, steps: u64) -> Powers {
        let len = usize::try_from(steps.saturating_add(2)).unwrap_or(usize::MAX);
        let mut p = Powers {
            at: HashMap::new(),
            table: Vec::new(),
            len,
        };
        for job in jobs {
            if !matches!(
                job.optimizer.name,
                OptKind::Adam | OptKind::Adamw | OptKind::Amsgrad | OptKind::Nadam
            ) {
                continue;
            }
            let h = job.optimizer.resolve();
            for b in [h[Param::Beta1], h[Param::Beta2]] {
                if p.at.contains_key(&b.to_bits()) || p.table.len().saturating_add(len) > MAX_POWERS
                {
                    continue;
                }
                p.at.insert(b.to_bits(), p.table.len());
                p.table.extend((0..len).map(|t| libm::pow(b, t as f64)));
            }
        }
        p
    }

    /// `β⁰ … β^(steps+1)`, if the table holds `β`'s powers.
    fn slice(&self, b: f64) -> Option<&[f64]> {
        let o = *self.at.get(&b.to_bits())?;
        self.table.get(o..o + self.len)
    }
}

/// A step whose new point lies within this distance of the origin (and whose numbers are
/// finite) is within [`MAX_NORM`] without taking the square root: `QUIET_NORM2 = 0.99² ·
/// MAX_NORM²` leaves room for every rounding.
const QUIET_NORM2: f64 = 0.98e24;

/// How many steps' powers [`run_group`] keeps in lanes at once.
const POW_CHUNK: u64 = 256;

/// `f(l)` in lane `l`.
#[inline(always)]
fn lanes<const W: usize>(f: impl Fn(usize) -> f64) -> Lanes<W> {
    Lanes(core::array::from_fn(f))
}

// `run`, `run_group` and the surface are inlined into `Groups::run_avx_inner` in optimized
// builds only (there they must be, to be compiled for AVX); inlined without optimization the
// AVX groups' frame (1.5 MB) would overflow a test thread's stack.

/// One group of `W` jobs (`idx`, all of one rule and clipping mode), stepped together
/// through the formulas `RunState::step` uses: the same gradient, clipping, L2, schedule,
/// rule, divergence test, stopping rules and counts, lane by lane.
#[cfg_attr(not(debug_assertions), inline(always))]
fn run_group<const W: usize>(g: &Groups, idx: [usize; W], cache: &mut PowCache<W>) -> [Outcome; W] {
    let Groups {
        sc,
        surface,
        jobs,
        powers,
        tol,
        ..
    } = *g;
    let spec = |l: usize| &jobs[idx[l]];
    let kind = spec(0).optimizer.name;
    let hyper: [_; W] = core::array::from_fn(|l| spec(l).optimizer.resolve());
    let h = LaneHyper {
        momentum: lanes(|l| hyper[l][Param::Momentum]),
        beta1: lanes(|l| hyper[l][Param::Beta1]),
        beta2: lanes(|l| hyper[l][Param::Beta2]),
        eps: lanes(|l| hyper[l][Param::Eps]),
        rho: lanes(|l| hyper[l][Param::Rho]),
        weight_decay: lanes(|l| hyper[l][Param::WeightDecay]),
    };
    let base_lr: [f64; W] = core::array::from_fn(|l| spec(l).optimizer.base_lr());
    let schedules: [Schedule; W] =
        core::array::from_fn(|l| spec(l).schedule.clone().unwrap_or_default());
    let constant = schedules.iter().all(|s| *s == Schedule::default());
    let by_norm = matches!(spec(0).clip, Some(Clip::Norm(_)));
    let clip = spec(0).clip.map(|_| {
        lanes(|l| match spec(l).clip {
            Some(Clip::Norm(c) | Clip::Value(c)) => c,
            None => f64::NAN,
        })
    });
    let l2 = lanes(|l| spec(l).l2.unwrap_or(0.0));
    let with_l2: [bool; W] = core::array::from_fn(|l| l2.0[l] != 0.0);
    let any_l2 = with_l2.iter().any(|&b| b);
    let stop: Stop = sc.stop.unwrap_or_default();

    // θ₀, L(θ₀) and the stopping rules at θ₀, as `RunState::with_stop`. A lane's counts
    // follow from its iterations: one gradient per iteration attempted, one value at θ₀ and
    // one per iteration that got as far as its new point's loss.
    let start: [Vec2; W] = core::array::from_fn(|l| spec(l).start.unwrap_or(sc.start));
    let mut theta = Pair::new(lanes(|l| start[l].x), lanes(|l| start[l].y));
    let mut loss: Lanes<W> = surface.eval(theta.x, theta.y);
    let mut out: [Outcome; W] = core::array::from_fn(|l| Outcome {
        end: start[l],
        loss: loss.0[l],
        iterations: 0,
        evals: Evals::default(),
        diverged_at: None,
        stopped_at: None,
        reached: tol.filter(|&t| loss.0[l] <= t).map(|_| (0, 0)),
    });
    let mut active = [true; W];
    // Ends lane `l` after `iterations`, at `theta` with `loss`; `values` extra evaluations.
    let finish = |o: &mut Outcome, iterations: u64, p: Vec2, loss: f64, grads: u64, values: u64| {
        o.end = p;
        o.loss = loss;
        o.iterations = iterations;
        o.evals = Evals {
            value: 1 + values,
            grad: grads,
            hessian: 0,
        };
    };
    let at = |p: Pair<Lanes<W>>, l: usize| Vec2::new(p.x.0[l], p.y.0[l]);
    if let Some(gt) = stop.grad_tol {
        let n = surface.grad(theta).norm();
        for l in 0..W {
            if n.0[l] < gt {
                out[l].stopped_at = Some(0);
                finish(&mut out[l], 0, start[l], loss.0[l], 0, 0);
                active[l] = false;
            }
        }
    }
    let mut reached: [bool; W] = core::array::from_fn(|l| out[l].reached.is_some());
    // Per lane the loss at or below which the step is not usual: the tolerance while the lane
    // is active and has not reached it, else −∞ (NaN losses are told by `fine`).
    let watch_of = |active: &[bool; W], reached: &[bool; W]| {
        lanes(|l| match tol {
            Some(t) if active[l] && !reached[l] => t,
            _ => f64::NEG_INFINITY,
        })
    };
    let mut watch = watch_of(&active, &reached);
    // `β₁ᵗ` and `β₂ᵗ` in lanes (`cache`), refilled as `t` moves on: a step reads its powers
    // as vectors.
    let adam_family = matches!(
        kind,
        OptKind::Adam | OptKind::Adamw | OptKind::Amsgrad | OptKind::Nadam
    );
    let betas = (h.beta1.0.map(f64::to_bits), h.beta2.0.map(f64::to_bits));
    let fill = |cache: &mut PowCache<W>, base: u64| {
        if cache.key == Some((betas.0, betas.1, base)) {
            return;
        }
        let tables: [[Option<&[f64]>; 2]; W] =
            core::array::from_fn(|l| [powers.slice(h.beta1.0[l]), powers.slice(h.beta2.0[l])]);
        let last = (base + POW_CHUNK).min(sc.steps.saturating_add(1));
        cache.table.clear();
        cache.table.extend((base..=last).map(|t| {
            let one = |which: usize, b: &Lanes<W>| {
                lanes(
                    |l| match tables[l][which].and_then(|tab| tab.get(t as usize)) {
                        Some(&p) => p,
                        None => libm::pow(b.0[l], t as f64),
                    },
                )
            };
            [one(0, &h.beta1), one(1, &h.beta2)]
        }));
        cache.key = Some((betas.0, betas.1, base));
    };
    let mut base = 1;
    if adam_family {
        fill(cache, base);
    }
    let pw = &mut *cache;
    let zero = Pair::new(Lanes::<W>::splat(0.0), Lanes::<W>::splat(0.0));
    let (mut m, mut v, mut aux) = (zero, zero, zero);
    let mut k = 0;
    while k < sc.steps && active.iter().any(|&a| a) {
        let gp = lane_grad_point(kind, h.momentum, m, theta);
        let raw = surface.grad(gp);
        let mut g = match clip {
            Some(c) => clip_lanes(by_norm, c, raw),
            None => raw,
        };
        if any_l2 {
            let with = l2_lanes(g, l2, gp);
            g = Pair::new(
                Lanes::<W>::select(with_l2, with.x, g.x),
                Lanes::<W>::select(with_l2, with.y, g.y),
            );
        }
        let eta = if constant {
            Lanes(base_lr)
        } else {
            lanes(|l| schedules[l].rate(base_lr[l], k))
        };
        let t = k + 1;
        if adam_family && t + 1 > base + POW_CHUNK {
            base = t;
            fill(pw, base);
        }
        let i = (t - base) as usize;
        let step = lane_step(
            kind,
            &h,
            [&mut m, &mut v, &mut aux],
            |p| match p {
                Power::Beta1 => pw.table[i][0],
                Power::Beta2 => pw.table[i][1],
                Power::Beta1Next => pw.table[i + 1][0],
            },
            theta,
            g,
            eta,
        );
        let next = step.next;
        let new_loss: Lanes<W> = surface.eval(next.x, next.y);
        // The usual step: every active lane moves on, none reaches the tolerance, no rule;
        // told by a few lane operations. `x · 0` is 0 for a finite `x` and NaN otherwise, so
        // `fine` is below `QUIET_NORM²` exactly when the gradient, the new point and its loss
        // are finite and the point lies well within `MAX_NORM` (`√fine < MAX_NORM`); a lane
        // past `watch` reaches the tolerance.
        let zero_l = Lanes::<W>::splat(0.0);
        let squares = next.x * next.x + next.y * next.y;
        let fine = (raw.x * zero_l + raw.y * zero_l) + (new_loss * zero_l + squares);
        let fine = Lanes::<W>::select(active, fine, zero_l);
        let above = Lanes::<W>::select(active, new_loss, Lanes::<W>::splat(f64::INFINITY));
        let quiet = stop.is_empty()
            && fine.lt(Lanes::<W>::splat(QUIET_NORM2)).iter().all(|&b| b)
            && above.gt(watch).iter().all(|&b| b);
        if !quiet {
            let norm = squares.sqrt();
            let grad_ok: [bool; W] =
                core::array::from_fn(|l| raw.x.0[l].is_finite() && raw.y.0[l].is_finite());
            let point_ok: [bool; W] = core::array::from_fn(|l| {
                next.x.0[l].is_finite() && next.y.0[l].is_finite() && norm.0[l] <= MAX_NORM
            });
            let ok: [bool; W] =
                core::array::from_fn(|l| grad_ok[l] && point_ok[l] && new_loss.0[l].is_finite());
            let grad_norm = stop.grad_tol.map(|_| surface.grad(next).norm());
            for l in 0..W {
                if !active[l] {
                    continue;
                }
                let o = &mut out[l];
                if !ok[l] {
                    let values = k + u64::from(grad_ok[l] && point_ok[l]);
                    finish(o, k, at(theta, l), loss.0[l], t, values);
                    o.diverged_at = Some(k);
                    active[l] = false;
                    continue;
                }
                if !reached[l] && tol.is_some_and(|tol| new_loss.0[l] <= tol) {
                    o.reached = Some((t, t));
                    reached[l] = true;
                }
                let by_grad =
                    matches!((stop.grad_tol, grad_norm), (Some(gt), Some(n)) if n.0[l] < gt);
                let by_budget = stop.max_evals.is_some_and(|b| t >= b);
                if by_grad || by_budget {
                    finish(o, t, at(next, l), new_loss.0[l], t, t);
                    o.stopped_at = Some(t);
                    active[l] = false;
                }
            }
            watch = watch_of(&active, &reached);
        }
        theta = next;
        loss = new_loss;
        k = t;
    }
    for l in 0..W {
        if active[l] {
            finish(&mut out[l], k, at(theta, l), loss.0[l], k, k);
        }
    }
    out
}
