//! Data surfaces: a model with two parameters trained on a small data set that the engine
//! generates from a seed, so that mini-batch noise and feature scaling can be seen.
//!
//! - `linear`: y ≈ w·x + b on `n` noisy points with x spread over [0, 100]; parameters (w, b).
//! - `logistic`: two Gaussian blobs labelled ±1, classified by σ(w₁x₁ + w₂x₂); parameters
//!   (w₁, w₂); the second feature is measured in units 20 times smaller than the first.
//!
//! `features` chooses the inputs the model sees: `raw` (badly scaled: elongated contours),
//! `standardized` (each feature shifted and scaled to mean 0 and variance 1 over the whole data
//! set: round contours), or, for `linear`, `batchnorm`: the input normalized with the
//! statistics of each mini-batch, x̂ = (x − μ_B)/√(σ²_B + ε), and the model y = γx̂ + β with
//! parameters (γ, β).
//!
//! The loss is the mean over the (mini-)batch: ½(ŷ − y)² for `linear`, log(1 + e^(−t·w·x)) for
//! `logistic`. The map shows the full-batch loss.
//!
//! `validation: f` holds out a fraction of the points: the training loss (the surface, full
//! batch and mini-batches alike) is then over the other points only, the feature statistics are
//! the training points', and the held-out points give a validation loss
//! ([`Dataset::validation_loss`]) and its minimizer ([`Dataset::validation_optimum`]).

use crate::scalar::{f, Scalar};
use crate::vec2::Vec2;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// The most data points a scenario may ask for.
pub const MAX_POINTS: u32 = 2_000;
/// The ε of batch normalization.
pub const BN_EPS: f64 = 1e-5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    Linear,
    Logistic,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Features {
    #[default]
    Raw,
    Standardized,
    Batchnorm,
}

/// How to make the data set: the scenario's `data` field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    pub kind: DataKind,
    /// Number of points (2 to [`MAX_POINTS`]).
    pub n: u32,
    /// Noise: the standard deviation of y around the line (`linear`) or of each blob (`logistic`).
    pub noise: f64,
    /// The seed of the generator (ChaCha8: the same data natively and in WebAssembly).
    pub seed: u64,
    #[serde(default, skip_serializing_if = "is_raw")]
    pub features: Features,
    /// The fraction of the points held out for validation, 0 to [`MAX_VALIDATION`] (absent or
    /// 0: none). When positive, round(f·n) points are held out, at least 1 and at most n − 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<f64>,
}

/// The largest fraction of the points a data set may hold out.
pub const MAX_VALIDATION: f64 = 0.9;

fn is_raw(f: &Features) -> bool {
    *f == Features::Raw
}

/// The data options the page offers: each kind and each feature scaling, with its title.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DataOption {
    pub name: &'static str,
    pub title: &'static str,
    /// A sentence for the page.
    pub description: &'static str,
    /// The loss in words (a data kind's; empty for features).
    pub formula: &'static str,
}

impl DataKind {
    pub const ALL: [DataKind; 2] = [DataKind::Linear, DataKind::Logistic];

    /// Its name in a scenario, title and description.
    pub const fn option(self) -> DataOption {
        match self {
            DataKind::Linear => DataOption {
                name: "linear",
                title: "Linear regression",
                description: "The map is the full-batch loss over (w, b); each step sees a mini-batch. Raw x spans [0, 100]: compare standardized features.",
                formula: "mean of ½(w·x + b − y)² over the (mini-)batch",
            },
            DataKind::Logistic => DataOption {
                name: "logistic",
                title: "Logistic regression",
                description: "Two Gaussian blobs; the map is the full-batch loss over (w₁, w₂). The second feature is in units 20× smaller.",
                formula: "mean of log(1 + exp(−t·(w₁x₁ + w₂x₂))) over the (mini-)batch",
            },
        }
    }

    /// The kind called `name`.
    pub fn named(name: &str) -> Result<DataKind, String> {
        DataKind::ALL
            .into_iter()
            .find(|k| k.option().name == name)
            .ok_or_else(|| format!("unknown data kind '{name}' (linear or logistic)"))
    }
}

impl Features {
    pub const ALL: [Features; 3] = [Features::Raw, Features::Standardized, Features::Batchnorm];

    pub const fn option(self) -> DataOption {
        match self {
            Features::Raw => DataOption {
                name: "raw",
                title: "raw",
                description: "The inputs as generated.",
                formula: "",
            },
            Features::Standardized => DataOption {
                name: "standardized",
                title: "standardized",
                description:
                    "Each feature shifted and scaled to mean 0 and variance 1 over the whole set.",
                formula: "",
            },
            Features::Batchnorm => DataOption {
                name: "batchnorm",
                title: "batch norm",
                description:
                    "x normalized with each mini-batch's own mean and variance (linear data only).",
                formula: "",
            },
        }
    }

    /// Whether data of `kind` can use these features.
    pub const fn applies_to(self, kind: DataKind) -> bool {
        !matches!((self, kind), (Features::Batchnorm, DataKind::Logistic))
    }

    /// The features called `name`.
    pub fn named(name: &str) -> Result<Features, String> {
        Features::ALL
            .into_iter()
            .find(|f| f.option().name == name)
            .ok_or_else(|| format!("unknown features '{name}' (raw, standardized or batchnorm)"))
    }
}

impl DataSpec {
    /// A new data set of `kind` as the page first shows it.
    pub fn default_for(kind: DataKind) -> DataSpec {
        DataSpec {
            kind,
            n: 60,
            noise: match kind {
                DataKind::Linear => 0.4,
                DataKind::Logistic => 0.5,
            },
            seed: 1,
            features: Features::Raw,
            validation: None,
        }
    }

    /// How many of the `n` points are held out: 0 without a split, else round(f·n) clamped to
    /// 1 … n − 1.
    pub fn held_out_count(&self) -> usize {
        let n = self.n as usize;
        match self.validation {
            Some(f) if f > 0.0 && n >= 2 => ((f * n as f64).round() as usize).clamp(1, n - 1),
            _ => 0,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(2..=MAX_POINTS).contains(&self.n) {
            return Err(format!(
                "data.n: must be from 2 to {MAX_POINTS} (got {})",
                self.n
            ));
        }
        if !(self.noise.is_finite() && (0.0..=1e3).contains(&self.noise)) {
            return Err(format!(
                "data.noise: must be a number from 0 to 1000 (got {})",
                self.noise
            ));
        }
        if !self.features.applies_to(self.kind) {
            return Err("data.features: 'batchnorm' applies to 'linear' data only".into());
        }
        if let Some(f) = self.validation {
            if !(f.is_finite() && (0.0..=MAX_VALIDATION).contains(&f)) {
                return Err(format!(
                    "data.validation: must be a number from 0 to {MAX_VALIDATION} (got {f})"
                ));
            }
        }
        Ok(())
    }
}

/// A generated data set with the inputs the model sees.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub spec: DataSpec,
    /// The points as generated (for the scatter plot): (x, y) for `linear`, (x₁, x₂) for
    /// `logistic`.
    pub raw: Vec<[f64; 2]>,
    /// Targets: y for `linear`, the label ±1 for `logistic`.
    pub target: Vec<f64>,
    /// The model's inputs after the chosen scaling (for `batchnorm`, the raw x: the batch
    /// statistics are applied per batch).
    pub input: Vec<[f64; 2]>,
    /// Per-feature mean and standard deviation over the training points (of the raw inputs).
    pub mean: [f64; 2],
    pub std: [f64; 2],
    /// The indices of the training points, ascending: every point without a validation split.
    pub train: Vec<u32>,
    /// The indices of the held-out (validation) points, ascending: none without a split.
    pub held_out: Vec<u32>,
    /// `[n, Σx, Σx², Σy, Σxy, Σy²]` of the model's full-batch inputs (`linear`).
    sums: [f64; 6],
}

/// Which points a loss is over: the training points or the held-out ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Train,
    HeldOut,
}

impl Dataset {
    /// Generates the set; call on a validated spec.
    pub fn generate(spec: &DataSpec) -> Dataset {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let n = spec.n as usize;
        let mut raw = Vec::with_capacity(n);
        let mut target = Vec::with_capacity(n);
        match spec.kind {
            DataKind::Linear => {
                for _ in 0..n {
                    let x = 100.0 * rng.random::<f64>();
                    let y = 0.03 * x + 1.0 + spec.noise * gauss(&mut rng);
                    raw.push([x, y]);
                    target.push(y);
                }
            }
            DataKind::Logistic => {
                for i in 0..n {
                    let t = if i % 2 == 0 { 1.0 } else { -1.0 };
                    let x1 = t + spec.noise * gauss(&mut rng);
                    let x2 = 20.0 * (0.5 * t + spec.noise * gauss(&mut rng));
                    raw.push([x1, x2]);
                    target.push(t);
                }
            }
        }
        let (train, held_out) = split(spec);
        let feats: Vec<[f64; 2]> = match spec.kind {
            DataKind::Linear => raw.iter().map(|p| [p[0], 0.0]).collect(),
            DataKind::Logistic => raw.clone(),
        };
        let mut mean = [0.0; 2];
        let mut std = [0.0; 2];
        let nt = train.len() as f64;
        for c in 0..2 {
            let m = train.iter().map(|&i| feats[i as usize][c]).sum::<f64>() / nt;
            let v = train
                .iter()
                .map(|&i| (feats[i as usize][c] - m) * (feats[i as usize][c] - m))
                .sum::<f64>()
                / nt;
            mean[c] = m;
            std[c] = v.sqrt();
        }
        let input = match spec.features {
            Features::Standardized => feats
                .iter()
                .map(|p| {
                    let s = |c: usize| {
                        if std[c] > 0.0 {
                            (p[c] - mean[c]) / std[c]
                        } else {
                            0.0
                        }
                    };
                    [s(0), s(1)]
                })
                .collect(),
            Features::Raw | Features::Batchnorm => feats,
        };
        let mut ds = Dataset {
            spec: spec.clone(),
            raw,
            target,
            input,
            mean,
            std,
            train,
            held_out,
            sums: [0.0; 6],
        };
        ds.sums = ds.linear_sums(&ds.train);
        ds
    }

    /// `[n, Σx, Σx², Σy, Σxy, Σy²]` over the points `idx` (in that order), with the model's
    /// full-batch inputs.
    fn linear_sums(&self, idx: &[u32]) -> [f64; 6] {
        let all = self.model_inputs();
        let xs: Vec<f64> = idx.iter().map(|&i| all[i as usize]).collect();
        let ys: Vec<f64> = idx.iter().map(|&i| self.target[i as usize]).collect();
        let n = idx.len() as f64;
        let sx: f64 = xs.iter().sum();
        let sxx: f64 = xs.iter().map(|x| x * x).sum();
        let sy: f64 = ys.iter().sum();
        let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| x * y).sum();
        let syy: f64 = ys.iter().map(|y| y * y).sum();
        [n, sx, sxx, sy, sxy, syy]
    }

    /// The first input as the model sees it with full-batch statistics (`linear`).
    fn model_inputs(&self) -> Vec<f64> {
        match self.spec.features {
            Features::Batchnorm => {
                let inv = 1.0 / (self.std[0] * self.std[0] + BN_EPS).sqrt();
                self.input
                    .iter()
                    .map(|p| (p[0] - self.mean[0]) * inv)
                    .collect()
            }
            _ => self.input.iter().map(|p| p[0]).collect(),
        }
    }

    /// The full-batch loss for the colour map: for `linear`, from sums precomputed once
    /// (equal to [`Dataset::eval`] up to rounding); for `logistic`, the mean over every point.
    pub fn full_loss(&self, p: f64, q: f64) -> f64 {
        match self.spec.kind {
            DataKind::Linear => {
                let [n, sx, sxx, sy, sxy, syy] = self.sums;
                0.5 * (p * p * sxx + 2.0 * p * q * sx + n * q * q - 2.0 * p * sxy - 2.0 * q * sy
                    + syy)
                    / n
            }
            DataKind::Logistic => self.eval(None, p, q),
        }
    }

    /// The number of points generated (training and held out).
    pub fn len(&self) -> usize {
        self.target.len()
    }

    pub fn is_empty(&self) -> bool {
        self.target.is_empty()
    }

    /// The number of training points (all of them without a validation split): the set that
    /// the full batch and the mini-batches are drawn from.
    pub fn train_len(&self) -> usize {
        self.train.len()
    }

    /// The mean loss over the points `batch` (in that order), or over the training points in
    /// order when `batch` is `None` (every point without a validation split).
    pub fn eval<D: Scalar>(&self, batch: Option<&[u32]>, p: D, q: D) -> D {
        self.mean_loss(batch.unwrap_or(&self.train), None, p, q)
    }

    /// The validation loss: the mean loss over the held-out points, the inputs scaled as the
    /// training points are (batch normalization uses the training points' mean and variance,
    /// as at inference); `None` without a validation split.
    pub fn validation_loss<D: Scalar>(&self, p: D, q: D) -> Option<D> {
        if self.held_out.is_empty() {
            return None;
        }
        let bn = (self.spec.features == Features::Batchnorm).then(|| {
            (
                self.mean[0],
                1.0 / (self.std[0] * self.std[0] + BN_EPS).sqrt(),
            )
        });
        Some(self.mean_loss(&self.held_out, bn, p, q))
    }

    fn part_loss<D: Scalar>(&self, part: Part, p: D, q: D) -> Option<D> {
        match part {
            Part::Train => Some(self.eval(None, p, q)),
            Part::HeldOut => self.validation_loss(p, q),
        }
    }

    /// The mean loss over the points `idx`; batch normalization uses `bn` (mean, 1/√(σ² + ε))
    /// when given, else the statistics of `idx`.
    fn mean_loss<D: Scalar>(&self, idx: &[u32], bn: Option<(f64, f64)>, p: D, q: D) -> D {
        if idx.is_empty() {
            return D::cst(0.0);
        }
        let m = idx.len() as f64;
        let (bn_mean, bn_inv) = if self.spec.features == Features::Batchnorm {
            bn.unwrap_or_else(|| {
                let mu = idx.iter().map(|&i| self.input[i as usize][0]).sum::<f64>() / m;
                let var = idx
                    .iter()
                    .map(|&i| (self.input[i as usize][0] - mu).powi(2))
                    .sum::<f64>()
                    / m;
                (mu, 1.0 / (var + BN_EPS).sqrt())
            })
        } else {
            (0.0, 1.0)
        };
        let mut sum = D::cst(0.0);
        for &i in idx {
            let x = self.input[i as usize];
            let t = self.target[i as usize];
            let term = match self.spec.kind {
                DataKind::Linear => {
                    let xi = (x[0] - bn_mean) * bn_inv;
                    let r = p * D::cst(xi) + q - D::cst(t);
                    r * r * D::cst(0.5)
                }
                DataKind::Logistic => {
                    let z = (p * D::cst(x[0]) + q * D::cst(x[1])) * D::cst(-t);
                    softplus(z)
                }
            };
            sum += term;
        }
        sum / D::cst(m)
    }

    /// The least-squares solution for `linear` (the training loss's minimum), if it exists.
    pub fn optimum(&self) -> Option<Vec2> {
        if self.spec.kind != DataKind::Linear {
            return None;
        }
        least_squares(self.sums)
    }

    /// The minimizer of the validation loss, found as the training loss's is (least squares
    /// for `linear`, Newton's method from 0 for `logistic`), if there is a validation split and
    /// the minimum exists (one held-out point, or separable held-out points, have none).
    pub fn validation_optimum(&self) -> Option<Vec2> {
        if self.held_out.is_empty() {
            return None;
        }
        match self.spec.kind {
            DataKind::Linear => least_squares(self.linear_sums(&self.held_out)),
            DataKind::Logistic => self.newton_optimum(Part::HeldOut),
        }
    }

    /// A view box around the interesting region, and a default start.
    pub fn view_and_start(&self) -> ([f64; 4], [f64; 2]) {
        match self.optimum().or_else(|| self.logistic_optimum()) {
            Some(o) => {
                // Wide enough around the minimum to see the shape of the level sets.
                let half = 3.0_f64.max(2.0 * o.x.abs()).max(2.0 * o.y.abs()) * 0.75;
                (
                    [o.x - half, o.x + half, o.y - half, o.y + half],
                    [o.x - 0.8 * half, o.y - 0.8 * half],
                )
            }
            None => ([-4.0, 4.0, -4.0, 4.0], [-3.0, 3.0]),
        }
    }

    /// The minimum of the full-batch logistic loss by Newton's method from 0, when it exists
    /// (separable data has none: the weights grow without bound).
    pub fn logistic_optimum(&self) -> Option<Vec2> {
        if self.spec.kind != DataKind::Logistic {
            return None;
        }
        self.newton_optimum(Part::Train)
    }

    /// Newton's method from 0 on the loss over `part` (`logistic`).
    fn newton_optimum(&self, part: Part) -> Option<Vec2> {
        use num_dual::{Dual2_64, HyperDual64};
        let mut w = Vec2::ZERO;
        for _ in 0..60 {
            let r = self.part_loss(
                part,
                HyperDual64::new(w.x, 1.0, 0.0, 0.0),
                HyperDual64::new(w.y, 0.0, 1.0, 0.0),
            )?;
            let g = Vec2::new(r.eps1, r.eps2);
            if g.norm() < 1e-12 {
                return Some(w);
            }
            let xx = self
                .part_loss(part, Dual2_64::new(w.x, 1.0, 0.0), Dual2_64::from(w.y))?
                .v2;
            let yy = self
                .part_loss(part, Dual2_64::from(w.x), Dual2_64::new(w.y, 1.0, 0.0))?
                .v2;
            let h = crate::vec2::Mat2 {
                a: xx,
                b: r.eps1eps2,
                c: r.eps1eps2,
                d: yy,
            };
            w -= h.solve(g)?;
            if !w.is_finite() || w.norm() > 1e3 {
                return None;
            }
        }
        (self.part_loss(part, w.x, w.y)?.is_finite()).then_some(w)
    }
}

/// The least-squares line from `[n, Σx, Σx², Σy, Σxy, Σy²]`, if the inputs are not all equal.
fn least_squares(sums: [f64; 6]) -> Option<Vec2> {
    let [n, sx, sxx, sy, sxy, _] = sums;
    let det = n * sxx - sx * sx;
    if det.abs() < 1e-300 {
        return None;
    }
    let w = (n * sxy - sx * sy) / det;
    let b = (sy - w * sx) / n;
    Some(Vec2::new(w, b))
}

/// The training and held-out indices (each ascending): a permutation of the points drawn from
/// the data seed's generator on its own stream (so it depends on the seed and `n` alone, not
/// on the points), whose first [`DataSpec::held_out_count`] entries are held out.
fn split(spec: &DataSpec) -> (Vec<u32>, Vec<u32>) {
    let n = spec.n as usize;
    let h = spec.held_out_count();
    let all: Vec<u32> = (0..n as u32).collect();
    if h == 0 {
        return (all, Vec::new());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    rng.set_stream(1);
    let mut order = all;
    order.shuffle(&mut rng);
    let mut held_out = order[..h].to_vec();
    let mut train = order[h..].to_vec();
    held_out.sort_unstable();
    train.sort_unstable();
    (train, held_out)
}

/// log(1 + eᶻ), stable for large |z|.
fn softplus<D: Scalar>(z: D) -> D {
    if z.real() > 30.0 {
        z
    } else {
        f::ln(D::cst(1.0) + f::exp(z))
    }
}

/// A generator for a run's mini-batches and gradient noise.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// A standard normal draw.
pub fn gauss(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// Shuffles `v` in place (Fisher–Yates, the same order on every platform).
pub fn shuffle(rng: &mut ChaCha8Rng, v: &mut [u32]) {
    v.shuffle(rng);
}
