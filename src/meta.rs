//! Meta-training the learned optimizer ([`crate::optim::learned`]) on a seeded family of random
//! 2-D functions, by antithetic evolution strategies.
//!
//! **The family** ([`Task`]): rotated ill-conditioned quadratics, Rosenbrock valleys, Rastrigin
//! bowls and sums of Gaussian wells in a shallow bowl, each with a random centre, scale and
//! shape, and a start 1 to 2.5 away from the centre. Each is a user expression of the engine
//! (its text is [`Task::expr`]), so its gradients are the engine's exact ones and `trace` can
//! run it. Its constants are rounded to hundredths, so the text is the function to the bit.
//!
//! **The meta-loss** of weights on a set of functions: for each function the mean over the
//! steps t = 1…T of `ln r_t`, where `r_t = (L(θ_t) − L_lo)/(L(θ_0) − L_lo)` is the loss above a
//! known lower bound `L_lo` (the minimum, or for the wells minus the sum of their depths),
//! relative to the start, clamped to `[10⁻⁸, 10²]` (a run that diverges counts 10² for the rest
//! of its steps); then the mean over the functions. It rewards fast progress at every step,
//! weighs every function alike whatever its scale, and does not chase digits below 10⁻⁸.
//!
//! **Evolution strategies, not gradients through the unroll.** Each iteration samples
//! [`MetaConfig::tasks`] fresh functions and [`MetaConfig::pairs`] Gaussian directions `ε`, and
//! evaluates the meta-loss at `w ± σε` on the same functions; `Σ (L⁺ − L⁻)ε / (2σP)` estimates
//! the gradient of the meta-loss smoothed by the Gaussian, and Adam (rate
//! [`MetaConfig::rate`]) follows it. Why not gradients through the unrolled trajectories: they
//! need the surfaces' second derivatives at every step and are known to explode or vanish over
//! long unrolls and on rugged functions like Rastrigin (Metz et al. 2019), while ES needs only
//! loss values, is unbiased for the smoothed objective, and is trivially deterministic.
//!
//! **Determinism.** Functions, directions and the centre's held-out set come from ChaCha8
//! streams of the seed (stream 1: training functions, 2: directions, 3: the held-out set);
//! Gaussians by Box–Muller with `libm`; every sum in a fixed order. The same seed and
//! configuration give the same weights bit for bit, natively and in WebAssembly.

use crate::optim::learned::{self, N_WEIGHTS};
use crate::optim::{Moments, OptKind, OptimizerConfig, Rule};
use crate::surface::Surface;
use crate::vec2::Vec2;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The ChaCha streams of the seed.
const STREAM_TASKS: u64 = 1;
const STREAM_NOISE: u64 = 2;
/// The held-out functions whose meta-loss the curve shows ([`MetaTrainer::held_out`]).
pub const STREAM_HELD_OUT: u64 = 3;
/// Relative losses are clamped into `[R_MIN, R_MAX]` before their logarithm.
pub const R_MIN: f64 = 1e-8;
pub const R_MAX: f64 = 1e2;

/// The kinds of functions in the family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Quadratic,
    Rosenbrock,
    Rastrigin,
    Wells,
}

/// One function of the family with its start.
#[derive(Clone, Debug)]
pub struct Task {
    pub kind: TaskKind,
    /// The function as an expression of the engine.
    pub expr: String,
    pub surface: Surface,
    pub start: Vec2,
    /// `L_lo`: the minimum, or a lower bound (the wells).
    pub floor: f64,
    /// The centre (the minimum, except for the wells).
    pub centre: Vec2,
}

/// Rounded to hundredths (so the expression's text, written with `{}`, which prints the
/// shortest decimal that reads back as the same number, is the function exactly).
fn q(v: f64) -> f64 {
    libm::round(v * 100.0) / 100.0
}

/// `(v - c)` written with the sign of `c`.
fn shifted(v: &str, c: f64) -> String {
    if c.is_sign_negative() {
        format!("({v} + {})", -c)
    } else {
        format!("({v} - {c})")
    }
}

fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

fn log_uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    libm::exp(uniform(rng, libm::log(lo), libm::log(hi)))
}

/// A standard Gaussian by Box–Muller, with `libm` (the same bits on every platform).
pub fn gauss(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>(); // in (0, 1]
    let u2 = rng.random::<f64>();
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * core::f64::consts::PI * u2)
}

impl Task {
    /// A random function of the family (each kind equally likely).
    pub fn sample(rng: &mut ChaCha8Rng) -> Task {
        let kind = match rng.random_range(0..4u32) {
            0 => TaskKind::Quadratic,
            1 => TaskKind::Rosenbrock,
            2 => TaskKind::Rastrigin,
            _ => TaskKind::Wells,
        };
        let c = Vec2::new(q(uniform(rng, -1.0, 1.0)), q(uniform(rng, -1.0, 1.0)));
        let (dx, dy) = (shifted("x", c.x), shifted("y", c.y));
        let (expr, min, floor) = match kind {
            TaskKind::Quadratic => {
                let s = q(log_uniform(rng, 0.1, 10.0));
                let k = q(log_uniform(rng, 1.0, 100.0));
                let a = uniform(rng, 0.0, core::f64::consts::PI);
                let (co, si) = (q(libm::cos(a)), q(libm::sin(a)));
                (
                    format!("{s}*(({co}*{dx} + {si}*{dy})^2 + {k}*({co}*{dy} - {si}*{dx})^2)"),
                    c,
                    0.0,
                )
            }
            TaskKind::Rosenbrock => {
                let s = q(log_uniform(rng, 0.1, 3.0));
                let a = q(uniform(rng, 0.5, 1.5));
                let b = q(log_uniform(rng, 2.0, 50.0));
                (
                    format!("{s}*(({a} - {dx})^2 + {b}*({dy} - {dx}^2)^2)"),
                    Vec2::new(c.x + a, c.y + a * a),
                    0.0,
                )
            }
            TaskKind::Rastrigin => {
                let s = q(log_uniform(rng, 0.1, 3.0));
                let a = q(uniform(rng, 0.05, 0.5));
                (
                    format!("{s}*({dx}^2 + {dy}^2 + {a}*(2 - cos(2*pi*{dx}) - cos(2*pi*{dy})))"),
                    c,
                    0.0,
                )
            }
            TaskKind::Wells => {
                let s = q(log_uniform(rng, 0.1, 3.0));
                let mut text = format!("0.1*({dx}^2 + {dy}^2)");
                let mut depth = 0.0;
                for _ in 0..3 {
                    let w = Vec2::new(
                        q(c.x + uniform(rng, -1.5, 1.5)),
                        q(c.y + uniform(rng, -1.5, 1.5)),
                    );
                    let d = q(uniform(rng, 0.5, 2.0));
                    let width = q(uniform(rng, 0.3, 1.5));
                    depth += d;
                    text += &format!(
                        " - {d}*exp(-({}^2 + {}^2)/{width})",
                        shifted("x", w.x),
                        shifted("y", w.y)
                    );
                }
                (format!("{s}*({text})"), c, -s * depth)
            }
        };
        let r = uniform(rng, 1.0, 2.5);
        let phi = uniform(rng, 0.0, 2.0 * core::f64::consts::PI);
        let start = Vec2::new(q(min.x + r * libm::cos(phi)), q(min.y + r * libm::sin(phi)));
        // Well-formed by construction, whatever the numbers (every kind is parsed in the tests).
        #[allow(clippy::expect_used)]
        let surface = Surface::expr(&expr).expect("the family's expressions parse");
        Task {
            kind,
            expr,
            surface,
            start,
            floor,
            centre: min,
        }
    }

    /// `n` functions from stream `stream` of `seed`.
    pub fn family(seed: u64, stream: u64, n: usize) -> Vec<Task> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        (0..n).map(|_| Task::sample(&mut rng)).collect()
    }

    /// The relative loss `(L − L_lo)/(L(θ₀) − L_lo)` of a loss `l`.
    pub fn relative(&self, l0: f64, l: f64) -> f64 {
        (l - self.floor) / (l0 - self.floor)
    }
}

/// Where a run went: the relative loss after every step (`r_0 = 1`), and the points.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unroll {
    pub rel: Vec<f64>,
    pub path: Vec<Vec2>,
    /// The step at which it diverged (non-finite gradient, point or loss, `‖θ‖ > 10¹²`).
    pub diverged_at: Option<usize>,
}

/// Runs `steps` iterations of `step(θ, g) → θ_next` on a task. The losses are the engine's.
pub fn unroll(task: &Task, steps: usize, mut step: impl FnMut(Vec2, Vec2) -> Vec2) -> Unroll {
    let mut theta = task.start;
    let (l0, mut g) = task.surface.grad(theta);
    let mut out = Unroll {
        rel: vec![1.0],
        path: vec![theta],
        diverged_at: None,
    };
    for k in 0..steps {
        if !g.is_finite() {
            out.diverged_at = Some(k);
            break;
        }
        let next = step(theta, g);
        if !next.is_finite() || next.norm() > 1e12 {
            out.diverged_at = Some(k);
            break;
        }
        let (l, g1) = task.surface.grad(next);
        if !l.is_finite() {
            out.diverged_at = Some(k);
            break;
        }
        theta = next;
        g = g1;
        out.rel.push(task.relative(l0, l));
        out.path.push(theta);
    }
    out
}

/// The learned rule with `weights` and step factor `eta` on a task.
pub fn unroll_learned(task: &Task, steps: usize, weights: &[f64; N_WEIGHTS], eta: f64) -> Unroll {
    let mut st = Moments::default();
    unroll(task, steps, |theta, g| {
        st.t += 1;
        theta - learned::step(weights, &mut st, g, eta)
    })
}

/// An engine optimizer (first-order, its defaults but `lr`) on a task.
pub fn unroll_rule(task: &Task, steps: usize, kind: OptKind, lr: f64) -> Unroll {
    let cfg = OptimizerConfig::new(kind).with_lr(lr);
    let mut rule = Rule::new(kind, cfg.resolve());
    unroll(task, steps, |theta, g| rule.step(theta, g, lr).0)
}

/// A task's meta-loss from its run: the mean of `ln r_t` over t = 1…steps, clamped.
pub fn task_loss(u: &Unroll, steps: usize) -> f64 {
    let mut sum = 0.0;
    for t in 1..=steps {
        let r = u.rel.get(t).copied().unwrap_or(R_MAX);
        let r = if r.is_nan() {
            R_MAX
        } else {
            r.clamp(R_MIN, R_MAX)
        };
        sum += libm::log(r);
    }
    sum / steps as f64
}

/// The meta-loss of `weights` on `tasks`.
pub fn meta_loss(tasks: &[Task], steps: usize, weights: &[f64; N_WEIGHTS]) -> f64 {
    let mut sum = 0.0;
    for t in tasks {
        sum += task_loss(&unroll_learned(t, steps, weights, 1.0), steps);
    }
    sum / tasks.len() as f64
}

/// The settings of a meta-training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MetaConfig {
    pub seed: u64,
    pub iterations: u32,
    /// Antithetic pairs per iteration.
    pub pairs: u32,
    /// Functions per iteration (shared by every member of the population).
    pub tasks: u32,
    /// Steps of every unroll (T).
    pub horizon: u32,
    /// The spread σ of the perturbations.
    pub sigma: f64,
    /// Adam's rate on the weights.
    pub rate: f64,
    /// Functions of the held-out set the curve is measured on.
    pub held_out: u32,
}

impl Default for MetaConfig {
    fn default() -> Self {
        MetaConfig {
            seed: 0,
            iterations: 150,
            pairs: 8,
            tasks: 8,
            horizon: 50,
            sigma: 0.05,
            rate: 0.02,
            held_out: 16,
        }
    }
}

impl MetaConfig {
    /// Checks every field; the message names it.
    pub fn validate(&self) -> Result<(), String> {
        let int = |name: &str, v: u32, max: u32| {
            if v == 0 || v > max {
                Err(format!(
                    "{name}: must be an integer from 1 to {max} (got {v})"
                ))
            } else {
                Ok(())
            }
        };
        int("iterations", self.iterations, 100_000)?;
        int("pairs", self.pairs, 1000)?;
        int("tasks", self.tasks, 1000)?;
        int("horizon", self.horizon, 10_000)?;
        int("held_out", self.held_out, 1000)?;
        for (name, v) in [("sigma", self.sigma), ("rate", self.rate)] {
            if !(v.is_finite() && v > 0.0 && v <= 10.0) {
                return Err(format!("{name}: must be in (0, 10] (got {v})"));
            }
        }
        Ok(())
    }
}

/// A meta-training in progress: step it an iteration at a time.
#[derive(Clone, Debug)]
pub struct MetaTrainer {
    pub cfg: MetaConfig,
    pub weights: [f64; N_WEIGHTS],
    adam_m: [f64; N_WEIGHTS],
    adam_v: [f64; N_WEIGHTS],
    /// Iterations done.
    pub iteration: u32,
    tasks_rng: ChaCha8Rng,
    noise_rng: ChaCha8Rng,
    /// The held-out functions of the curve.
    pub held_out: Vec<Task>,
    /// The meta-loss on the held-out functions: before training, then after every iteration.
    pub curve: Vec<f64>,
}

impl MetaTrainer {
    /// A fresh network (its initial weights drawn from the seed's noise stream).
    pub fn new(cfg: MetaConfig) -> Result<MetaTrainer, String> {
        cfg.validate()?;
        let stream = |s| {
            let mut r = ChaCha8Rng::seed_from_u64(cfg.seed);
            r.set_stream(s);
            r
        };
        let mut noise_rng = stream(STREAM_NOISE);
        let weights = learned::initial_weights(|| gauss(&mut noise_rng));
        let held_out = Task::family(cfg.seed, STREAM_HELD_OUT, cfg.held_out as usize);
        let first = meta_loss(&held_out, cfg.horizon as usize, &weights);
        Ok(MetaTrainer {
            cfg,
            weights,
            adam_m: [0.0; N_WEIGHTS],
            adam_v: [0.0; N_WEIGHTS],
            iteration: 0,
            tasks_rng: stream(STREAM_TASKS),
            noise_rng,
            held_out,
            curve: vec![first],
        })
    }

    /// Whether every iteration is done.
    pub fn done(&self) -> bool {
        self.iteration >= self.cfg.iterations
    }

    /// One iteration (nothing once done); returns the held-out meta-loss after it.
    // The weights, the direction, the estimate and Adam's moments are indexed together.
    #[allow(clippy::needless_range_loop)]
    pub fn step(&mut self) -> f64 {
        if self.done() {
            return self.curve.last().copied().unwrap_or(f64::NAN);
        }
        let cfg = self.cfg;
        let steps = cfg.horizon as usize;
        let tasks: Vec<Task> = (0..cfg.tasks)
            .map(|_| Task::sample(&mut self.tasks_rng))
            .collect();
        let mut grad = [0.0; N_WEIGHTS];
        for _ in 0..cfg.pairs {
            let mut eps = [0.0; N_WEIGHTS];
            for e in eps.iter_mut() {
                *e = gauss(&mut self.noise_rng);
            }
            let mut plus = self.weights;
            let mut minus = self.weights;
            for i in 0..N_WEIGHTS {
                plus[i] += cfg.sigma * eps[i];
                minus[i] -= cfg.sigma * eps[i];
            }
            let diff = meta_loss(&tasks, steps, &plus) - meta_loss(&tasks, steps, &minus);
            let scale = diff / (2.0 * cfg.sigma * f64::from(cfg.pairs));
            for i in 0..N_WEIGHTS {
                grad[i] += scale * eps[i];
            }
        }
        // Adam on the weights (β₁ = 0.9, β₂ = 0.999).
        self.iteration += 1;
        let t = f64::from(self.iteration);
        let (c1, c2) = (1.0 - libm::pow(0.9, t), 1.0 - libm::pow(0.999, t));
        for i in 0..N_WEIGHTS {
            self.adam_m[i] = 0.9 * self.adam_m[i] + 0.1 * grad[i];
            self.adam_v[i] = 0.999 * self.adam_v[i] + 0.001 * grad[i] * grad[i];
            let step = (self.adam_m[i] / c1) / ((self.adam_v[i] / c2).sqrt() + 1e-8);
            self.weights[i] -= cfg.rate * step;
        }
        let l = meta_loss(&self.held_out, steps, &self.weights);
        self.curve.push(l);
        l
    }

    /// Runs every remaining iteration.
    pub fn finish(&mut self) {
        while !self.done() {
            self.step();
        }
    }
}

/// The Rust source of a weights file: the constant and the command that reproduces it.
pub fn weights_source(cfg: &MetaConfig, weights: &[f64; N_WEIGHTS], command: &str) -> String {
    let mut s = String::from(
        "//! The learned optimizer's weights, written by `meta-train` (do not edit by hand).\n//!\n",
    );
    s += &format!("//! Reproduce with: `{command}`\n//!\n");
    s += &format!(
        "//! seed {}, {} iterations, {} antithetic pairs, {} functions an iteration, horizon {}, \
         σ = {:?}, rate {:?}.\n\n",
        cfg.seed, cfg.iterations, cfg.pairs, cfg.tasks, cfg.horizon, cfg.sigma, cfg.rate
    );
    s += &format!(
        "/// The meta-trained weights, in the layout of `learned::N_WEIGHTS`.\n\
         #[rustfmt::skip]\npub const WEIGHTS: [f64; {N_WEIGHTS}] = [\n"
    );
    for w in weights {
        s += &format!("    {w:?},\n");
    }
    s += "];\n";
    s
}

/// How an optimizer did on a set of functions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    pub name: String,
    /// The learning rate (the step factor for `learned`).
    pub lr: f64,
    /// The mean over the functions of the final relative loss `r_T` (∞ if any diverged).
    pub mean_final: f64,
    /// The mean over the functions of `log₁₀ r_T` (clamped to `[10⁻⁸, 10²]`).
    pub mean_log10_final: f64,
    /// Functions whose run diverged.
    pub diverged: usize,
}

fn score(name: &str, lr: f64, runs: &[Unroll], steps: usize) -> Score {
    let n = runs.len() as f64;
    let mut mean = 0.0;
    let mut logs = 0.0;
    let mut diverged = 0;
    for u in runs {
        let r = if u.diverged_at.is_some() {
            diverged += 1;
            f64::INFINITY
        } else {
            u.rel.get(steps).copied().unwrap_or(f64::INFINITY)
        };
        mean += r / n;
        let c = if r.is_nan() {
            R_MAX
        } else {
            r.clamp(R_MIN, R_MAX)
        };
        logs += libm::log10(c) / n;
    }
    Score {
        name: name.into(),
        lr,
        mean_final: mean,
        mean_log10_final: logs,
        diverged,
    }
}

/// The learning rates of the fixed grid: 10 log-spaced from 10⁻⁴ to 1.
pub fn lr_grid() -> [f64; 10] {
    let mut g = [0.0; 10];
    for (k, x) in g.iter_mut().enumerate() {
        *x = libm::pow(10.0, -4.0 + 4.0 * k as f64 / 9.0);
    }
    g
}

/// The learned optimizer (shipped weights, step factor 1) on `tasks`.
pub fn score_learned(tasks: &[Task], steps: usize, weights: &[f64; N_WEIGHTS]) -> Score {
    let runs: Vec<Unroll> = tasks
        .iter()
        .map(|t| unroll_learned(t, steps, weights, 1.0))
        .collect();
    score("learned", 1.0, &runs, steps)
}

/// `kind` at every rate of [`lr_grid`] on `tasks`; the best (lowest mean final relative loss,
/// then lowest mean log) first.
pub fn score_grid(tasks: &[Task], steps: usize, kind: OptKind) -> Vec<Score> {
    let mut all: Vec<Score> = lr_grid()
        .iter()
        .map(|&lr| {
            let runs: Vec<Unroll> = tasks
                .iter()
                .map(|t| unroll_rule(t, steps, kind, lr))
                .collect();
            score(kind.name(), lr, &runs, steps)
        })
        .collect();
    all.sort_by(|a, b| {
        a.mean_final
            .total_cmp(&b.mean_final)
            .then(a.mean_log10_final.total_cmp(&b.mean_log10_final))
    });
    all
}
