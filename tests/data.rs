//! Data surfaces, mini-batches and gradient noise: full batch is exactly gradient descent,
//! mini-batch gradients have the mean and variance of sampling without replacement, seeds
//! reproduce, standardization fixes the conditioning, batch normalization matches
//! standardization up to its ε, scenarios validate, and every optimizer survives mini-batches.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

mod common;

use common::*;
use optimizer_playground::optim::{
    Counted, Evals, LineSearch, OptKind, OptimizerConfig, OPTIMIZERS,
};
use optimizer_playground::run::{Sampler, Session, Trace};
use optimizer_playground::scenario::{RunSpec, Scenario};
use optimizer_playground::surface::{data, DataKind, DataSpec, Dataset, Features, Surface};
use optimizer_playground::{Mat2, Vec2};
use serde_json::Value;

// ---------------------------------------------------------------- helpers

/// A run with its own batch size, gradient noise and seed.
fn run_with(
    cfg: OptimizerConfig,
    batch_size: Option<u32>,
    noise: Option<f64>,
    seed: Option<u64>,
) -> RunSpec {
    let mut r = RunSpec::new(cfg);
    r.batch_size = batch_size;
    r.noise = noise;
    r.seed = seed;
    r
}

fn gd(lr: f64) -> OptimizerConfig {
    OptimizerConfig::new(OptKind::Gd).with_lr(lr)
}

fn dataset(s: &Surface) -> &Dataset {
    match s {
        Surface::Data(d) => d,
        _ => panic!("not a data surface"),
    }
}

/// The eigenvalues `(λmin, λmax)` of a symmetric 2×2 matrix, in closed form:
/// `λ = (a+d)/2 ∓ √(((a−d)/2)² + b²)`.
fn eigen(h: Mat2) -> (f64, f64) {
    assert_eq!(h.b.to_bits(), h.c.to_bits(), "Hessian not symmetric: {h:?}");
    let m = 0.5 * (h.a + h.d);
    let r = (0.25 * (h.a - h.d) * (h.a - h.d) + h.b * h.b).sqrt();
    (m - r, m + r)
}

/// `λmax / λmin` of a symmetric positive-definite 2×2 matrix.
fn cond(h: Mat2) -> f64 {
    let (lo, hi) = eigen(h);
    assert!(lo > 0.0, "not positive definite: {h:?} (λ = {lo}, {hi})");
    hi / lo
}

/// Sample mean, unbiased sample variance and fourth central moment (1/M Σ (x − x̄)⁴).
struct Moments {
    mean: f64,
    var: f64,
    m4: f64,
}

fn moments(xs: &[f64]) -> Moments {
    let m = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / m;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (m - 1.0);
    let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / m;
    Moments { mean, var, m4 }
}

impl Moments {
    /// The estimated standard error of the sample variance: √((m₄ − s⁴)/M).
    fn var_se(&self, m: usize) -> f64 {
        ((self.m4 - self.var * self.var) / m as f64).sqrt()
    }
}

fn max_abs_diff(a: &[Vec2], b: &[Vec2]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(p, q)| (p.x - q.x).abs().max((p.y - q.y).abs()))
        .fold(0.0, f64::max)
}

/// The example of the brief: 40 noisy points, a default batch of 8, a run with its own batch,
/// noise and seed.
const EXAMPLE: &str = r#"{"data": {"kind": "linear", "n": 40, "noise": 0.5, "seed": 3, "features": "standardized"},
  "start": [0, 0], "steps": 50, "batch_size": 8,
  "runs": [{"optimizer": {"name": "gd", "lr": 0.1}, "batch_size": 4, "noise": 0.2, "seed": 7},
           {"optimizer": {"name": "adam", "lr": 0.1}},
           {"optimizer": {"name": "bfgs"}, "noise": 0.1}]}"#;

// ---------------------------------------------------------------- 1. full batch is full batch

/// A batch size of n (scenario- or run-level) or more, even when the scenario's default is a
/// mini-batch, gives exactly the full-batch run: same bits, same counts, no batch losses.
#[test]
fn batch_size_n_or_more_is_full_batch_gradient_descent_bit_for_bit() {
    let n = 40;
    let cases: [(DataKind, Features, f64, Vec<OptimizerConfig>); 4] = [
        // Raw linear features span [0, 100]: the Hessian's top eigenvalue is ~3300, so the
        // rates must be below 2/3300.
        (
            DataKind::Linear,
            Features::Raw,
            0.5,
            vec![
                gd(1e-4),
                OptimizerConfig::new(OptKind::Momentum).with_lr(1e-4),
                OptimizerConfig::new(OptKind::Adam).with_lr(0.05),
                OptimizerConfig::new(OptKind::Nesterov).with_lr(1e-4),
                OptimizerConfig::new(OptKind::Bfgs),
                OptimizerConfig::new(OptKind::Newton),
            ],
        ),
        (
            DataKind::Linear,
            Features::Standardized,
            0.5,
            vec![
                gd(0.1),
                OptimizerConfig::new(OptKind::Momentum).with_lr(0.05),
                OptimizerConfig::new(OptKind::Adam).with_lr(0.1),
                OptimizerConfig::new(OptKind::Lbfgs),
            ],
        ),
        (
            DataKind::Logistic,
            Features::Raw,
            0.6,
            vec![
                gd(0.01),
                OptimizerConfig::new(OptKind::Momentum).with_lr(0.005),
                OptimizerConfig::new(OptKind::Adam).with_lr(0.05),
                OptimizerConfig::new(OptKind::Bfgs),
            ],
        ),
        (
            DataKind::Logistic,
            Features::Standardized,
            0.6,
            vec![
                gd(0.5),
                OptimizerConfig::new(OptKind::Momentum).with_lr(0.2),
                OptimizerConfig::new(OptKind::Adam).with_lr(0.1),
                OptimizerConfig::new(OptKind::Newton),
            ],
        ),
    ];
    let steps = 60;
    for (kind, features, noise, cfgs) in cases {
        let spec = data_spec(kind, n, noise, 21, features);
        let plain: Vec<RunSpec> = cfgs.iter().cloned().map(RunSpec::new).collect();
        let base = traces(&scenario_data(
            spec.clone(),
            [0.0, 0.0],
            steps,
            None,
            plain.clone(),
        ));
        for t in &base {
            check_shape(t, steps);
            assert_eq!(t.diverged_at, None, "{kind:?}/{features:?} {}", t.label);
            assert!(
                t.loss[steps as usize] < t.loss[0],
                "{kind:?}/{features:?} {}: the run makes progress ({} → {})",
                t.label,
                t.loss[0],
                t.loss[steps as usize]
            );
            assert!(t.batch_loss.is_empty());
        }
        let variants: Vec<(&str, Option<u32>, Option<u32>)> = vec![
            ("scenario batch_size = n", Some(n), None),
            ("scenario batch_size > n", Some(n + 25), None),
            (
                "run batch_size = n over a scenario mini-batch",
                Some(4),
                Some(n),
            ),
            ("run batch_size > n", None, Some(10 * n)),
        ];
        for (what, scenario_b, run_b) in variants {
            let runs = plain
                .iter()
                .cloned()
                .map(|mut r| {
                    r.batch_size = run_b;
                    r
                })
                .collect();
            let got = traces(&scenario_data(
                spec.clone(),
                [0.0, 0.0],
                steps,
                scenario_b,
                runs,
            ));
            for (g, b) in got.iter().zip(&base) {
                assert!(
                    g.batch_loss.is_empty(),
                    "{kind:?}/{features:?} {what}: {} records batch losses",
                    g.label
                );
                assert_same_trace(g, b);
            }
        }
    }
}

// ---------------------------------------------------------------- 2. sampling without replacement

/// At a fixed θ, the mini-batch gradients drawn by the sampler average to the full gradient,
/// and their variance is the variance of a mean of B draws without replacement from the n
/// per-point gradients, (σ²/B)·(n−B)/(n−1): smaller than with replacement (σ²/B) by a factor
/// the samples resolve at B = 10.
#[test]
fn minibatch_gradient_mean_and_variance_match_sampling_without_replacement() {
    let n = 40u32;
    let m = 8_000; // whole epochs for every B (40, 8 and 4 batches an epoch)
    let cases = [
        (
            data_spec(DataKind::Linear, n, 0.5, 5, Features::Standardized),
            Vec2::new(-1.0, 2.0),
        ),
        (
            data_spec(DataKind::Linear, n, 0.5, 6, Features::Raw),
            Vec2::new(0.01, 0.5),
        ),
        (
            data_spec(DataKind::Logistic, n, 0.8, 7, Features::Raw),
            Vec2::new(0.3, -0.02),
        ),
    ];
    for (spec, theta) in cases {
        let s = Surface::data(&spec);
        let (_, full) = s.grad(theta);
        let per_point: Vec<Vec2> = (0..n).map(|i| s.grad_on(Some(&[i]), theta).1).collect();
        // The full gradient is the mean of the per-point ones.
        let mean_pp = per_point.iter().fold(Vec2::ZERO, |a, &g| a + g) * (1.0 / n as f64);
        for c in 0..2 {
            let (a, b) = (comp(mean_pp, c), comp(full, c));
            assert!(
                (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
                "{spec:?}: mean of per-point gradients {a} vs full {b}"
            );
        }
        let pop_var: [f64; 2] = [0, 1].map(|c| {
            let mu = comp(mean_pp, c);
            per_point
                .iter()
                .map(|g| (comp(*g, c) - mu).powi(2))
                .sum::<f64>()
                / n as f64
        });
        assert!(pop_var[0] > 0.0 && pop_var[1] > 0.0);
        let mut var_by_b = Vec::new();
        for b in [1u32, 5, 10] {
            let mut rng = data::rng(1000 + u64::from(b));
            let mut sampler = Sampler::new(n as usize, b as usize, &mut rng);
            let mut xs = [Vec::with_capacity(m), Vec::with_capacity(m)];
            for _ in 0..m {
                let batch = sampler.next_batch(&mut rng);
                assert_eq!(batch.len(), b as usize);
                let (_, g) = s.grad_on(Some(&batch), theta);
                xs[0].push(g.x);
                xs[1].push(g.y);
            }
            assert_eq!(sampler.epoch, (m as u64 * u64::from(b)) / u64::from(n) - 1);
            let mut vars = [0.0; 2];
            for c in 0..2 {
                let mo = moments(&xs[c]);
                let (bf, nf) = (f64::from(b), f64::from(n));
                let predicted = pop_var[c] / bf * (nf - bf) / (nf - 1.0);
                let mean_tol = 5.0 * (predicted / m as f64).sqrt();
                let var_tol = 5.0 * mo.var_se(m);
                println!(
                    "{:?}/{:?} B={b} component {c}: mean {:.6e} (full {:.6e}, tol {:.2e}), \
                     variance {:.6e} (predicted {:.6e}, tol {:.2e}; with replacement {:.6e})",
                    spec.kind,
                    spec.features,
                    mo.mean,
                    comp(full, c),
                    mean_tol,
                    mo.var,
                    predicted,
                    var_tol,
                    pop_var[c] / bf
                );
                assert!(
                    (mo.mean - comp(full, c)).abs() <= mean_tol,
                    "{spec:?} B={b} c={c}: mean {} vs full {} (tol {mean_tol})",
                    mo.mean,
                    comp(full, c)
                );
                assert!(
                    (mo.var - predicted).abs() <= var_tol,
                    "{spec:?} B={b} c={c}: variance {} vs predicted {predicted} (tol {var_tol})",
                    mo.var
                );
                if b == 10 {
                    // (n−B)/(n−1) = 30/39: sampling with replacement is ruled out.
                    assert!(
                        (mo.var - pop_var[c] / bf).abs() > var_tol,
                        "{spec:?} B={b} c={c}: variance {} indistinguishable from σ²/B = {}",
                        mo.var,
                        pop_var[c] / bf
                    );
                }
                vars[c] = mo.var;
            }
            var_by_b.push(vars);
        }
        for c in 0..2 {
            assert!(
                var_by_b[0][c] > var_by_b[1][c] && var_by_b[1][c] > var_by_b[2][c],
                "{spec:?} c={c}: variance does not shrink with B: {var_by_b:?}"
            );
        }
    }
}

fn comp(v: Vec2, c: usize) -> f64 {
    if c == 0 {
        v.x
    } else {
        v.y
    }
}

/// Each epoch is a permutation of the points cut into batches (the last one takes what is
/// left), the order is reshuffled every epoch, and `epoch` counts the epoch of the last batch.
#[test]
fn sampler_epochs_visit_every_index_exactly_once() {
    for (n, b) in [(40usize, 5usize), (42, 5), (40, 1), (40, 39), (7, 3)] {
        let per_epoch = n.div_ceil(b);
        let mut rng = data::rng(99);
        let mut sampler = Sampler::new(n, b, &mut rng);
        assert_eq!(sampler.epoch, 0);
        let mut orders = Vec::new();
        for e in 0..6u64 {
            let mut order = Vec::new();
            for k in 0..per_epoch {
                let batch = sampler.next_batch(&mut rng);
                assert_eq!(sampler.epoch, e, "n={n} B={b}: batch {k} of epoch {e}");
                let want = if k + 1 < per_epoch {
                    b
                } else {
                    n - b * (per_epoch - 1)
                };
                assert_eq!(batch.len(), want, "n={n} B={b}: size of batch {k}");
                order.extend(batch);
            }
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(
                sorted,
                (0..n as u32).collect::<Vec<_>>(),
                "n={n} B={b}: epoch {e} is not a permutation"
            );
            orders.push(order);
        }
        // Reshuffled each epoch (with 7! or more orders, six equal draws in a row would be a
        // broken shuffle, not luck).
        assert!(
            orders.windows(2).any(|w| w[0] != w[1]),
            "n={n} B={b}: the order never changes"
        );
        assert!(orders[0] != orders[1] || n < 10, "n={n} B={b}");
    }
}

/// A run's batches are the sampler's, seeded by the run's seed (default: the data's): the
/// trace's batch losses and gradient-descent steps are reproduced bit for bit from a Sampler,
/// and the run's epoch counter follows it.
#[test]
fn run_batches_are_the_seeded_sampler_batches() {
    let spec = data_spec(DataKind::Linear, 40, 0.5, 3, Features::Standardized);
    let steps = 23;
    let lr = 0.1;
    let sc = scenario_data(
        spec.clone(),
        [-1.0, 2.0],
        steps,
        Some(8),
        vec![
            run_with(gd(lr), None, None, Some(7)),
            run_with(gd(lr), None, None, None),
            run_with(gd(lr), None, None, Some(3)),
        ],
    );
    let mut session = Session::new(&sc).unwrap();
    session.step(steps);
    let surface = session.surface.clone();
    for (i, seed) in [(0usize, 7u64), (1, 3)] {
        let t = &session.runs[i].trace;
        check_shape(t, steps);
        assert_eq!(t.batch_loss.len(), steps as usize);
        let mut rng = data::rng(seed);
        let mut sampler = Sampler::new(40, 8, &mut rng);
        for k in 0..steps as usize {
            let batch = sampler.next_batch(&mut rng);
            let theta = t.path[k];
            assert_eq!(
                t.batch_loss[k].to_bits(),
                surface.value_on(Some(&batch), theta).to_bits(),
                "run {i} iteration {k}: batch loss"
            );
            let (_, g) = surface.grad_on(Some(&batch), theta);
            let next = theta - lr * g;
            assert_eq!(
                bits(&[t.path[k + 1]]),
                bits(&[next]),
                "run {i} iteration {k}"
            );
            assert_eq!(t.grad_norm[k].to_bits(), g.norm().to_bits());
            // The recorded loss is the full-batch one.
            assert_eq!(t.loss[k + 1].to_bits(), surface.value(next).to_bits());
        }
        // 23 batches of 5 an epoch: the last one, batch 22, is in epoch 4.
        assert_eq!(sampler.epoch, 4);
        assert_eq!(session.runs[i].epoch(), 4);
    }
    // No seed means the data's seed.
    assert_same_trace(&session.runs[1].trace, &session.runs[2].trace);
}

// ---------------------------------------------------------------- 3. seeds reproduce

/// Two sessions from one scenario (mini-batches and noise) agree to the bit, also when one is
/// stepped an iteration at a time; another run seed or another data seed changes every path.
#[test]
fn same_seed_same_path_other_seed_other_path() {
    let sc = Scenario::from_json(EXAMPLE).unwrap();
    let a = traces(&sc);
    let b = traces(&sc);
    assert_eq!(a.len(), 3);
    for (x, y) in a.iter().zip(&b) {
        check_shape(x, 50);
        assert_eq!(x.batch_loss.len(), 50, "{}", x.label);
        assert_same_trace(x, y);
    }
    // Stepped one iteration at a time, as the page does.
    let mut s = Session::new(&sc).unwrap();
    while !s.done() {
        s.step(1);
    }
    for (x, y) in s.traces().into_iter().zip(&a) {
        assert_same_trace(x, y);
    }

    // Another run seed: every run's path differs.
    let mut other = sc.clone();
    for r in &mut other.runs {
        r.seed = Some(r.seed.unwrap_or(3) + 1);
    }
    for (x, y) in traces(&other).iter().zip(&a) {
        assert_ne!(
            bits(&x.path),
            bits(&y.path),
            "{}: run seed ignored",
            x.label
        );
        assert_eq!(x.path[0], y.path[0]);
        assert_ne!(x.path[1], y.path[1], "{}: first step unchanged", x.label);
    }
    // Another data seed: another data set, so other losses from the start.
    let mut other = sc.clone();
    other.data.as_mut().unwrap().seed = 4;
    for (x, y) in traces(&other).iter().zip(&a) {
        assert_ne!(
            bits(&x.path),
            bits(&y.path),
            "{}: data seed ignored",
            x.label
        );
        assert_ne!(x.loss[0], y.loss[0], "{}", x.label);
    }
}

/// `trace -` prints exactly the library's traces (batch losses included) for a data scenario.
#[test]
fn cli_prints_the_library_paths_for_a_data_scenario() {
    let out = common::cli_with_input(&["trace", "-"], EXAMPLE);
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    let lib = traces_json(EXAMPLE);
    let want = format!("{{\"runs\":{}}}", serde_json::to_string(&lib).unwrap());
    assert_eq!(printed.trim_end(), want);
    // The text above is the bit-for-bit check (ryu prints the shortest round-tripping
    // decimal). Parsing it back is not: serde_json's default float parser (without its
    // `float_roundtrip` feature) may be off by one ulp, so the parsed numbers are compared
    // to within a few ulps.
    let v: Value = serde_json::from_str(&printed).unwrap();
    let back: Vec<Trace> = serde_json::from_value(v["runs"].clone()).unwrap();
    assert_eq!(back.len(), lib.len());
    let close = |a: &[f64], b: &[f64]| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x - y).abs() <= 4.0 * f64::EPSILON * y.abs())
    };
    for (x, y) in back.iter().zip(&lib) {
        assert_eq!(x.label, y.label);
        assert_eq!(x.evals, y.evals);
        assert_eq!(x.batch_loss.len(), 50, "{}", x.label);
        let flat = |p: &[Vec2]| p.iter().flat_map(|q| [q.x, q.y]).collect::<Vec<_>>();
        assert!(close(&flat(&x.path), &flat(&y.path)), "{}: path", x.label);
        assert!(close(&x.loss, &y.loss), "{}: loss", x.label);
        assert!(
            close(&x.batch_loss, &y.batch_loss),
            "{}: batch_loss",
            x.label
        );
        assert!(close(&x.grad_norm, &y.grad_norm), "{}: grad_norm", x.label);
    }
}

// ---------------------------------------------------------------- 4. conditioning

/// The linear-regression loss ½·mean(w·x + b − y)² has the constant Hessian
/// [[mean x², mean x], [mean x, 1]]. Standardized inputs x̂ = (x − μ)/σ, with μ the mean and
/// σ² = mean (x − μ)² over the whole set, have mean x̂ = 0 and mean x̂² = σ²/σ² = 1, so the
/// Hessian is the identity and its condition number 1 (up to rounding). Raw x over [0, 100]
/// has mean x² ≈ 3333 and mean x ≈ 50: an ellipse thousands of times longer than wide.
#[test]
fn standardizing_the_features_fixes_the_linear_hessian() {
    let raw = Surface::data(&data_spec(DataKind::Linear, 200, 0.5, 11, Features::Raw));
    let std = Surface::data(&data_spec(
        DataKind::Linear,
        200,
        0.5,
        11,
        Features::Standardized,
    ));
    let p = Vec2::new(0.3, -0.2);
    let (_, _, h_raw) = raw.hessian(p);
    let (_, _, h_std) = std.hessian(p);
    // Quadratic: the same Hessian elsewhere.
    let (_, _, h_raw2) = raw.hessian(Vec2::new(-4.0, 7.0));
    for (u, v) in [
        (h_raw.a, h_raw2.a),
        (h_raw.b, h_raw2.b),
        (h_raw.d, h_raw2.d),
    ] {
        assert!(
            (u - v).abs() <= 1e-12 * u.abs().max(1.0),
            "{h_raw:?} vs {h_raw2:?}"
        );
    }
    // The raw Hessian is [[mean x², mean x], [mean x, 1]].
    let d = dataset(&raw);
    let nf = d.raw.len() as f64;
    let mx = d.raw.iter().map(|q| q[0]).sum::<f64>() / nf;
    let mxx = d.raw.iter().map(|q| q[0] * q[0]).sum::<f64>() / nf;
    assert!((h_raw.a - mxx).abs() <= 1e-9 * mxx, "{} vs {mxx}", h_raw.a);
    assert!((h_raw.b - mx).abs() <= 1e-9 * mx, "{} vs {mx}", h_raw.b);
    assert!((h_raw.d - 1.0).abs() <= 1e-12, "{}", h_raw.d);
    // The standardized Hessian is I.
    for (u, v) in [
        (h_std.a, 1.0),
        (h_std.b, 0.0),
        (h_std.c, 0.0),
        (h_std.d, 1.0),
    ] {
        assert!((u - v).abs() <= 1e-12, "{h_std:?}");
    }
    let (cr, cs) = (cond(h_raw), cond(h_std));
    println!("linear: cond raw {cr:.6e} ({h_raw:?}), standardized {cs:.15} ({h_std:?})");
    assert!(cr > 100.0, "raw condition number {cr}");
    assert!(
        (cs - 1.0).abs() <= 1e-6,
        "standardized condition number {cs}"
    );
    assert!(cs < cr);
}

/// Logistic regression: at θ = 0 every σ'(0) = ¼, so the Hessian is ¼·mean(x xᵀ); the raw second
/// feature is 20 times larger than the first, the standardized ones have unit variance (they
/// stay correlated through the label, so the condition number is above 1 but far lower).
#[test]
fn standardizing_the_features_lowers_the_logistic_condition_number() {
    let raw_spec = data_spec(DataKind::Logistic, 200, 0.5, 12, Features::Raw);
    let std_spec = DataSpec {
        features: Features::Standardized,
        ..raw_spec.clone()
    };
    let raw = Surface::data(&raw_spec);
    let std = Surface::data(&std_spec);
    let (_, _, h0) = raw.hessian(Vec2::ZERO);
    let d = dataset(&raw);
    let nf = d.input.len() as f64;
    let m = |i: usize, j: usize| 0.25 * d.input.iter().map(|x| x[i] * x[j]).sum::<f64>() / nf;
    for (u, v) in [(h0.a, m(0, 0)), (h0.b, m(0, 1)), (h0.d, m(1, 1))] {
        assert!((u - v).abs() <= 1e-12 * v.abs().max(1.0), "{h0:?}");
    }
    for p in [Vec2::ZERO, Vec2::new(0.2, 0.01), Vec2::new(0.5, 0.5)] {
        let (_, _, hr) = raw.hessian(p);
        let (_, _, hs) = std.hessian(p);
        let (cr, cs) = (cond(hr), cond(hs));
        println!("logistic at {p:?}: cond raw {cr:.4}, standardized {cs:.4}");
        assert!(cs < cr, "at {p:?}: standardized {cs} ≥ raw {cr}");
    }
    let (cr, cs) = (cond(h0), cond(std.hessian(Vec2::ZERO).2));
    assert!(cr > 100.0 && cs < 10.0, "at 0: raw {cr}, standardized {cs}");
}

// ---------------------------------------------------------------- 5. gradient noise

const NOISY: &str = r#"{"surface": {"name": "quadratic"}, "start": [2, 1], "steps": 80,
  "runs": [{"optimizer": {"name": "gd", "lr": 0.05}, "noise": 0.5, "seed": 7}]}"#;

/// Noise changes the path, the seed reproduces it, and noise 0 is no noise at all.
#[test]
fn gradient_noise_on_an_analytic_surface() {
    let noisy = traces_json(NOISY).remove(0);
    check_shape(&noisy, 80);
    let clean = traces_json(&NOISY.replace(r#", "noise": 0.5, "seed": 7"#, "")).remove(0);
    let zero = traces_json(&NOISY.replace("0.5", "0")).remove(0);
    let reseeded = traces_json(&NOISY.replace("\"seed\": 7", "\"seed\": 8")).remove(0);
    assert_same_trace(&traces_json(NOISY).remove(0), &noisy);
    assert_same_trace(&zero, &clean);
    assert!(
        noisy.batch_loss.is_empty(),
        "no batches on an analytic surface"
    );
    for (what, t) in [("noiseless", &clean), ("another seed", &reseeded)] {
        for k in 1..=80 {
            assert_ne!(
                noisy.path[k], t.path[k],
                "{what}: same point at iteration {k}"
            );
        }
    }
    // The first step is θ₀ − η(∇L(θ₀) + σ·(a, b)) with a, b the first two normal draws of the
    // run's generator.
    let s = Surface::named("quadratic").unwrap();
    let theta = Vec2::new(2.0, 1.0);
    let mut rng = data::rng(7);
    let (a, b) = (data::gauss(&mut rng), data::gauss(&mut rng));
    let g = s.grad(theta).1 + 0.5 * Vec2::new(a, b);
    assert_eq!(bits(&[noisy.path[1]]), bits(&[theta - 0.05 * g]));
    assert_eq!(noisy.grad_norm[0].to_bits(), g.norm().to_bits());
    // The noisy run still descends on average: the noise floor of GD at rate η on a bowl is
    // far below the start.
    assert!(noisy.loss[80] < 0.1 * noisy.loss[0], "{:?}", noisy.loss[80]);
}

/// M noisy gradients at a point: the mean is within 5σ/√M of the exact gradient, each
/// component's sample variance within 5 standard errors of σ² (for Gaussian draws the sample
/// variance has variance 2σ⁴/(M−1)), and the components are uncorrelated (the product of two
/// independent N(0, σ²) has variance σ⁴, so the sample covariance is within 5σ²/√M of 0).
#[test]
fn gradient_noise_has_mean_zero_and_variance_sigma_squared() {
    let s = Surface::named("quadratic").unwrap();
    let p = Vec2::new(1.0, -0.5);
    let (_, exact) = s.grad(p);
    let m = 20_000;
    for sigma in [0.5, 3.0] {
        let mut evals = Evals::default();
        let mut rng = data::rng(2024);
        let mut obj = Counted {
            surface: &s,
            evals: &mut evals,
            batch: None,
            noise: Some((sigma, &mut rng)),
        };
        let gs: Vec<Vec2> = (0..m).map(|_| obj.grad(p).1).collect();
        assert_eq!(evals.grad, m as u64);
        let xs = [
            gs.iter().map(|g| g.x).collect::<Vec<_>>(),
            gs.iter().map(|g| g.y).collect::<Vec<_>>(),
        ];
        let mo = [moments(&xs[0]), moments(&xs[1])];
        let mean_tol = 5.0 * sigma / (m as f64).sqrt();
        let var_tol = 5.0 * sigma * sigma * (2.0 / (m as f64 - 1.0)).sqrt();
        for (c, mc) in mo.iter().enumerate() {
            println!(
                "σ={sigma} component {c}: mean − exact {:.3e} (tol {mean_tol:.2e}), variance {:.5} \
                 (σ² {}, tol {var_tol:.3e}, estimated se {:.3e})",
                mc.mean - comp(exact, c),
                mc.var,
                sigma * sigma,
                mc.var_se(m)
            );
            assert!((mc.mean - comp(exact, c)).abs() <= mean_tol);
            assert!((mc.var - sigma * sigma).abs() <= var_tol);
        }
        let cov = xs[0]
            .iter()
            .zip(&xs[1])
            .map(|(x, y)| (x - mo[0].mean) * (y - mo[1].mean))
            .sum::<f64>()
            / (m as f64 - 1.0);
        assert!(
            cov.abs() <= 5.0 * sigma * sigma / (m as f64).sqrt(),
            "cov {cov}"
        );
    }
    // Without noise the read is exact.
    let mut evals = Evals::default();
    let mut rng = data::rng(2024);
    let mut obj = Counted {
        surface: &s,
        evals: &mut evals,
        batch: None,
        noise: Some((0.0, &mut rng)),
    };
    assert_eq!(obj.grad(p).1, exact);
}

// ---------------------------------------------------------------- 6. batch normalization

/// With the whole set as the batch, batch normalization computes x̂ = (x − μ)/√(σ² + ε) where
/// standardization computes (x − μ)/σ: the batch-norm input is c·x̂ with
/// c = σ/√(σ² + ε) = 1 − δ, δ ≈ ε/(2σ²) (about 6e-9 for x over [0, 100]). With (γ, β) ↔ (w, b),
/// L_bn(γ, β) = L_std(cγ, β): each gradient differs from the standardized one by a relative
/// O(δ), and on the identity Hessian gradient descent contracts, so after k steps the paths
/// differ by at most ~2δ·k·(|θ| + 1) (each step adds an O(δ·|θ|) error that is not amplified).
/// The test allows 10δ·k·(max|θ| + 1), and requires a difference: ε is really there.
#[test]
fn batchnorm_with_the_whole_set_is_standardization_up_to_epsilon() {
    let n = 40;
    let bn = data_spec(DataKind::Linear, n, 0.5, 9, Features::Batchnorm);
    let st = DataSpec {
        features: Features::Standardized,
        ..bn.clone()
    };
    let steps = 60u64;
    let runs = vec![
        RunSpec::new(gd(0.1)),
        RunSpec::new(OptimizerConfig::new(OptKind::Momentum).with_lr(0.05)),
        RunSpec::new(OptimizerConfig::new(OptKind::Adam).with_lr(0.05)),
    ];
    let a = traces(&scenario_data(
        bn.clone(),
        [0.0, 0.0],
        steps,
        Some(n),
        runs.clone(),
    ));
    let b = traces(&scenario_data(st, [0.0, 0.0], steps, None, runs));
    let sd = dataset(&Surface::data(&bn)).std[0];
    let delta = 1.0 - sd / (sd * sd + data::BN_EPS).sqrt();
    assert!(delta > 0.0 && delta < 1e-7, "δ = {delta}");
    for (x, y) in a.iter().zip(&b) {
        check_shape(x, steps);
        assert!(x.batch_loss.is_empty());
        let scale = x
            .path
            .iter()
            .chain(&y.path)
            .map(|p| p.x.abs().max(p.y.abs()))
            .fold(0.0, f64::max);
        let tol = 10.0 * delta * steps as f64 * (scale + 1.0);
        let diff = max_abs_diff(&x.path, &y.path);
        println!(
            "{}: σ = {sd:.4}, δ = {delta:.3e}, max |Δθ| = {diff:.3e} (tol {tol:.3e}), \
             final loss bn {:.12} vs std {:.12}",
            x.label, x.loss[steps as usize], y.loss[steps as usize]
        );
        assert!(diff > 0.0, "{}: ε has no effect", x.label);
        assert!(diff <= tol, "{}: {diff} > {tol}", x.label);
        for (l, m) in x.loss.iter().zip(&y.loss) {
            assert!(
                (l - m).abs() <= tol * (1.0 + m.abs()),
                "{}: {l} vs {m}",
                x.label
            );
        }
    }
}

/// On mini-batches the batch statistics are the batch's: the batch loss is computed with
/// μ_B and σ²_B (checked by hand for the first batch) and differs from the full loss.
#[test]
fn batchnorm_minibatches_use_batch_statistics() {
    let spec = data_spec(DataKind::Linear, 40, 0.5, 9, Features::Batchnorm);
    let steps = 40;
    let t = traces(&scenario_data(
        spec.clone(),
        [0.5, 0.5],
        steps,
        Some(8),
        vec![run_with(gd(0.1), None, None, Some(5))],
    ))
    .remove(0);
    check_shape(&t, steps);
    assert_eq!(t.batch_loss.len(), steps as usize);
    let mut max_gap: f64 = 0.0;
    for k in 0..steps as usize {
        assert_ne!(
            t.batch_loss[k], t.loss[k],
            "iteration {k}: batch loss equals the full loss"
        );
        max_gap = max_gap.max((t.batch_loss[k] - t.loss[k]).abs());
    }
    println!("batchnorm B=8: max |batch loss − full loss| = {max_gap:.4}");
    // The first batch by hand.
    let s = Surface::data(&spec);
    let d = dataset(&s);
    let mut rng = data::rng(5);
    let batch = Sampler::new(40, 8, &mut rng).next_batch(&mut rng);
    let xs: Vec<f64> = batch.iter().map(|&i| d.raw[i as usize][0]).collect();
    let ys: Vec<f64> = batch.iter().map(|&i| d.target[i as usize]).collect();
    let mu = xs.iter().sum::<f64>() / 8.0;
    let var = xs.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / 8.0;
    let want = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| {
            let r = 0.5 * (x - mu) / (var + data::BN_EPS).sqrt() + 0.5 - y;
            0.5 * r * r
        })
        .sum::<f64>()
        / 8.0;
    assert!(
        (t.batch_loss[0] - want).abs() <= 1e-12 * want.max(1.0),
        "{} vs {want}",
        t.batch_loss[0]
    );
}

/// A batch of one point has σ²_B = 0: x̂ = 0/√ε = 0, so the loss is ½(β − y)² and ∂/∂γ = 0.
/// Nothing panics, γ never moves under gradient descent, β chases the single targets, and
/// Newton (whose Hessian [[0, 0], [0, 1]] is singular) stops as diverged unless damped.
#[test]
fn batchnorm_with_batch_size_one_does_not_panic() {
    let spec = data_spec(DataKind::Linear, 20, 0.5, 9, Features::Batchnorm);
    let steps = 50;
    let ts = traces(&scenario_data(
        spec,
        [0.7, -0.3],
        steps,
        Some(1),
        vec![
            RunSpec::new(gd(0.1)),
            RunSpec::new(OptimizerConfig::new(OptKind::Adam).with_lr(0.1)),
            RunSpec::new(OptimizerConfig::new(OptKind::Bfgs)),
            RunSpec::new({
                let mut c = OptimizerConfig::new(OptKind::Newton);
                assert!(c.set("damping", 0.1));
                c
            }),
            RunSpec::new(OptimizerConfig::new(OptKind::Newton)),
        ],
    ));
    for t in &ts[..4] {
        check_shape(t, steps);
        assert_eq!(t.diverged_at, None, "{}", t.label);
        assert_eq!(t.batch_loss.len(), steps as usize, "{}", t.label);
        assert!(t.batch_loss.iter().all(|l| l.is_finite()), "{}", t.label);
        for (k, p) in t.path.iter().enumerate() {
            assert_eq!(p.x, 0.7, "{}: γ moved at iteration {k}", t.label);
        }
        assert!(t.grad_norm.iter().all(|g| g.is_finite()));
    }
    // Undamped Newton: singular system at the first iteration.
    check_shape(&ts[4], steps);
    assert_eq!(ts[4].diverged_at, Some(0));
}

// ---------------------------------------------------------------- 7. validation

/// Each bad field is rejected with a message naming it; a data scenario round-trips.
#[test]
fn data_scenarios_validate_and_round_trip() {
    let base: Value = serde_json::from_str(EXAMPLE).unwrap();
    Scenario::from_json(EXAMPLE).expect("the example is valid");
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit, &[&str])> = vec![
        ("n = 1", |v| v["data"]["n"] = 1.into(), &["data.n"]),
        (
            "n above MAX_POINTS",
            |v| v["data"]["n"] = (data::MAX_POINTS + 1).into(),
            &["data.n", "2000"],
        ),
        (
            "n not a number",
            |v| v["data"]["n"] = "forty".into(),
            &["data.n"],
        ),
        (
            "negative data noise",
            |v| v["data"]["noise"] = (-0.5).into(),
            &["data.noise"],
        ),
        (
            "batchnorm on logistic",
            |v| {
                v["data"]["kind"] = "logistic".into();
                v["data"]["features"] = "batchnorm".into();
            },
            &["data.features", "batchnorm"],
        ),
        (
            "unknown kind",
            |v| v["data"]["kind"] = "quadratic".into(),
            &["data.kind"],
        ),
        (
            "surface and data",
            |v| v["surface"] = serde_json::json!({"name": "rosenbrock"}),
            &["surface", "data"],
        ),
        (
            "batch_size 0",
            |v| v["batch_size"] = 0.into(),
            &["batch_size"],
        ),
        (
            "run batch_size 0",
            |v| v["runs"][0]["batch_size"] = 0.into(),
            &["runs[0].batch_size"],
        ),
        (
            "negative run noise",
            |v| v["runs"][1]["noise"] = (-1.0).into(),
            &["runs[1].noise"],
        ),
        (
            "unknown field in data",
            |v| v["data"]["shuffle"] = true.into(),
            &["data", "shuffle"],
        ),
        (
            "negative run seed",
            |v| v["runs"][0]["seed"] = (-3).into(),
            &["runs[0].seed"],
        ),
    ];
    for (what, edit, needles) in cases {
        let mut v = base.clone();
        edit(&mut v);
        let e = Scenario::from_json(&v.to_string())
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert!(!e.contains('\n'), "{what}: one line: {e}");
        for n in needles {
            assert!(e.contains(n), "{what}: {e:?} does not name {n:?}");
        }
        println!("{what}: {e}");
    }
    // The bounds themselves are accepted.
    for n in [2, data::MAX_POINTS] {
        let mut v = base.clone();
        v["data"]["n"] = n.into();
        v["steps"] = 2.into();
        Scenario::from_json(&v.to_string()).unwrap_or_else(|e| panic!("n = {n}: {e}"));
    }
    // A scenario built in code is validated by Session::new too.
    let mut sc = Scenario::from_json(EXAMPLE).unwrap();
    sc.data.as_mut().unwrap().n = 1;
    assert!(Session::new(&sc).unwrap_err().contains("data.n"));

    // Round trip.
    let sc = Scenario::from_json(EXAMPLE).unwrap();
    let text = sc.to_json();
    let back = Scenario::from_json(&text).unwrap();
    assert_eq!(back, sc);
    assert_eq!(back.to_json(), text);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(v.get("surface").is_none(), "{text}");
    assert_eq!(v["data"]["features"], "standardized");
    assert_eq!(v["runs"][0]["seed"], 7);
    for (x, y) in traces(&back).iter().zip(&traces(&sc)) {
        assert_same_trace(x, y);
    }
    // Raw features are the default and are not written.
    let mut raw = sc.clone();
    raw.data.as_mut().unwrap().features = Features::Raw;
    let v: Value = serde_json::from_str(&raw.to_json()).unwrap();
    assert!(v["data"].get("features").is_none());
    assert_eq!(Scenario::from_json(&raw.to_json()).unwrap(), raw);
}

// ---------------------------------------------------------------- 8. every optimizer

/// Every optimizer survives 100 mini-batch iterations of 8 on standardized linear data, with
/// finite points, full-batch losses and batch losses.
#[test]
fn every_optimizer_runs_on_minibatches() {
    let spec = data_spec(DataKind::Linear, 40, 0.5, 3, Features::Standardized);
    let steps = 100;
    let runs: Vec<RunSpec> = every_optimizer().into_iter().map(RunSpec::new).collect();
    assert_eq!(runs.len(), OPTIMIZERS.len());
    let ts = traces(&scenario_data(spec, [-2.0, 3.0], steps, Some(8), runs));
    for t in &ts {
        check_shape(t, steps);
        assert_eq!(t.diverged_at, None, "{}", t.label);
        assert_eq!(t.batch_loss.len(), steps as usize, "{}", t.label);
        assert!(t.batch_loss.iter().all(|l| l.is_finite()), "{}", t.label);
        println!(
            "{}: loss {:.4} → {:.4}",
            t.label, t.loss[0], t.loss[steps as usize]
        );
    }
}

/// Second-order and quasi-Newton methods evaluate everything of an iteration on its batch:
/// undamped Newton at rate 1 lands on the batch's own least-squares solution, and BFGS never
/// reuses a gradient from another batch (two gradients an iteration instead of one).
#[test]
fn second_order_methods_use_the_batch_for_every_evaluation() {
    let spec = data_spec(DataKind::Linear, 40, 0.5, 3, Features::Standardized);
    let start = Vec2::new(-2.0, 3.0);
    let steps = 10u64;
    let mut bfgs_none = OptimizerConfig::new(OptKind::Bfgs).with_lr(0.5);
    bfgs_none.line_search = Some(LineSearch::None);
    let sc = scenario_data(
        spec.clone(),
        start.into(),
        steps,
        Some(8),
        vec![
            run_with(OptimizerConfig::new(OptKind::Newton), None, None, Some(11)),
            run_with(bfgs_none.clone(), None, None, Some(11)),
        ],
    );
    let ts = traces(&sc);
    let s = Surface::data(&spec);
    let mut rng = data::rng(11);
    let mut sampler = Sampler::new(40, 8, &mut rng);
    let newton = &ts[0];
    for k in 0..steps as usize {
        let batch = sampler.next_batch(&mut rng);
        let theta = newton.path[k];
        let (_, g, h) = s.hessian_on(Some(&batch), theta);
        let d = h.solve(g).unwrap();
        assert_eq!(bits(&[newton.path[k + 1]]), bits(&[theta - 1.0 * d]), "{k}");
        // A quadratic: the Newton step zeroes the batch gradient.
        let gb = s.grad_on(Some(&batch), newton.path[k + 1]).1;
        assert!(gb.norm() < 1e-12, "iteration {k}: batch gradient {gb:?}");
        assert!(s.grad(newton.path[k + 1]).1.norm() > 1e-6);
    }
    // BFGS without line search: one gradient at θ_k and one at θ_{k+1} on the batch each
    // iteration, and one full-batch value for the recorded loss; at full batch the gradient
    // at θ_{k+1} is reused and the loss known.
    let bfgs = &ts[1];
    check_shape(bfgs, steps);
    assert_eq!(
        bfgs.evals,
        Evals {
            value: 1 + steps,
            grad: 2 * steps,
            hessian: 0
        }
    );
    let full = traces(&scenario_data(
        spec,
        start.into(),
        steps,
        None,
        vec![RunSpec::new(bfgs_none)],
    ))
    .remove(0);
    assert_eq!(
        full.evals,
        Evals {
            value: 1,
            grad: steps + 1,
            hessian: 0
        }
    );
    let mut rng = data::rng(11);
    let batch = Sampler::new(40, 8, &mut rng).next_batch(&mut rng);
    let g = s.grad_on(Some(&batch), start).1;
    assert_eq!(bits(&[bfgs.path[1]]), bits(&[start + 0.5 * (-g)]));
}

/// The colour map (`Surface::grid`, from precomputed sums for linear data) is the full-batch
/// loss the runs record, for every kind of features.
#[test]
fn the_map_is_the_full_batch_loss() {
    for (kind, features) in [
        (DataKind::Linear, Features::Raw),
        (DataKind::Linear, Features::Standardized),
        (DataKind::Linear, Features::Batchnorm),
        (DataKind::Logistic, Features::Raw),
        (DataKind::Logistic, Features::Standardized),
    ] {
        let s = Surface::data(&data_spec(kind, 60, 0.5, 17, features));
        let view = s.view();
        let (nx, ny) = (7, 5);
        let mut out = Vec::new();
        s.grid(view, nx, ny, &mut out);
        assert_eq!(out.len(), nx * ny);
        let [x0, x1, y0, y1] = view;
        for j in 0..ny {
            for i in 0..nx {
                let p = Vec2::new(
                    x0 + (i as f64 + 0.5) * (x1 - x0) / nx as f64,
                    y1 - (j as f64 + 0.5) * (y1 - y0) / ny as f64,
                );
                let (want, got) = (s.value(p), out[j * nx + i]);
                // The sums formula cancels terms of size up to ~‖p‖²·mean x²; 1e-9 relative
                // to the loss plus that scale is far above its rounding.
                let scale = 1.0 + want.abs() + p.x * p.x * 1e4;
                assert!(
                    (want - got).abs() <= 1e-9 * scale,
                    "{kind:?}/{features:?} at {p:?}: map {got} vs loss {want}"
                );
            }
        }
        // The known minimum (linear) is where the full gradient vanishes.
        if let Some(o) = s.minima().first() {
            let g = s.grad(*o).1;
            assert!(
                g.norm() < 1e-8,
                "{kind:?}/{features:?}: ∇L(optimum) = {g:?}"
            );
        }
    }
}

#[test]
fn the_logistic_view_is_centred_on_its_minimum() {
    use optimizer_playground::surface::{DataKind, DataSpec, Features, Surface};
    let spec = DataSpec {
        kind: DataKind::Logistic,
        n: 60,
        noise: 0.8,
        seed: 4,
        features: Features::Standardized,
        validation: None,
    };
    let s = Surface::data(&spec);
    let m = s.minima();
    assert_eq!(m.len(), 1, "overlapping blobs have a finite minimum");
    let (_, g) = s.grad(m[0]);
    assert!(g.norm() < 1e-10, "the marked minimum is stationary: {g:?}");
    let v = s.view();
    assert!(v[0] < m[0].x && m[0].x < v[1] && v[2] < m[0].y && m[0].y < v[3]);
    // Separable blobs (no noise) have no minimum: none is marked.
    let sep = Surface::data(&DataSpec { noise: 0.0, ..spec });
    assert!(sep.minima().is_empty());
}
