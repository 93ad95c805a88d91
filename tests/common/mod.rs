//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod svg;

use optimizer_playground::optim::{OptKind, OptimizerConfig, OPTIMIZERS};
use optimizer_playground::run::{Session, Trace};
use optimizer_playground::scenario::{RunSpec, Scenario, SurfaceSpec};
use optimizer_playground::surface::{DataKind, DataSpec, Features};
use optimizer_playground::Vec2;

/// A learning rate that suits each first-order rule on a bowl of curvature up to ~10 (`None`:
/// the optimizer's own default). Second-order methods use their defaults.
pub fn sensible_lr(kind: OptKind) -> Option<f64> {
    Some(match kind {
        OptKind::Gd => 0.1,
        OptKind::Momentum | OptKind::Nesterov => 0.05,
        OptKind::Adagrad => 0.5,
        OptKind::Rmsprop => 0.03,
        OptKind::Adam
        | OptKind::Adamw
        | OptKind::Amsgrad
        | OptKind::Nadam
        | OptKind::Radam
        | OptKind::Adabound => 0.1,
        OptKind::Lion => 0.03,
        OptKind::SgdHd => 0.05,
        OptKind::Adadelta
        | OptKind::Lookahead
        | OptKind::Newton
        | OptKind::Bfgs
        | OptKind::Lbfgs
        | OptKind::Learned => return None,
    })
}

/// A configuration for `kind` with [`sensible_lr`]; lookahead wraps adam (lr 0.1).
pub fn config(kind: OptKind) -> OptimizerConfig {
    let mut c = OptimizerConfig::new(kind);
    if let Some(lr) = sensible_lr(kind) {
        c = c.with_lr(lr);
    }
    if kind == OptKind::Lookahead {
        c.inner = Some(Box::new(OptimizerConfig::new(OptKind::Adam).with_lr(0.1)));
    }
    c
}

/// Every optimizer of the engine, configured with [`config`].
pub fn every_optimizer() -> Vec<OptimizerConfig> {
    OPTIMIZERS.iter().map(|o| config(o.kind)).collect()
}

/// A scenario on an expression with the given runs.
pub fn scenario_expr(expr: &str, start: [f64; 2], steps: u64, runs: Vec<RunSpec>) -> Scenario {
    Scenario {
        data: None,
        batch_size: None,
        surface: SurfaceSpec::expr(expr),
        start: Vec2::from(start),
        steps,
        runs,
        stop: None,
    }
}

/// A scenario on a named surface with the given runs.
pub fn scenario_named(name: &str, start: [f64; 2], steps: u64, runs: Vec<RunSpec>) -> Scenario {
    Scenario {
        data: None,
        batch_size: None,
        surface: SurfaceSpec::named(name),
        start: Vec2::from(start),
        steps,
        runs,
        stop: None,
    }
}

/// Runs a scenario to the end.
pub fn traces(sc: &Scenario) -> Vec<Trace> {
    Session::new(sc)
        .unwrap_or_else(|e| panic!("invalid scenario: {e}"))
        .finish()
}

/// Runs a JSON scenario to the end.
pub fn traces_json(json: &str) -> Vec<Trace> {
    let sc = Scenario::from_json(json).unwrap_or_else(|e| panic!("invalid scenario: {e}"));
    traces(&sc)
}

/// One run of one optimizer.
pub fn run_one(expr: &str, start: [f64; 2], steps: u64, spec: RunSpec) -> Trace {
    traces(&scenario_expr(expr, start, steps, vec![spec])).remove(0)
}

/// The path's coordinates as bits, for bit-for-bit comparisons with readable failures.
pub fn bits(path: &[Vec2]) -> Vec<(u64, u64)> {
    path.iter()
        .map(|p| (p.x.to_bits(), p.y.to_bits()))
        .collect()
}

/// The shape every trace has: one loss per point, one rate and gradient norm per iteration,
/// finite points, and `diverged_at` consistent with the length.
#[track_caller]
pub fn check_shape(t: &Trace, steps: u64) {
    let n = t.path.len();
    assert!(n >= 1, "{}: empty path", t.label);
    assert_eq!(t.loss.len(), n, "{}: loss per point", t.label);
    assert_eq!(t.lr.len(), n - 1, "{}: lr per iteration", t.label);
    assert_eq!(
        t.grad_norm.len(),
        n - 1,
        "{}: grad_norm per iteration",
        t.label
    );
    match t.diverged_at {
        Some(k) => assert_eq!(n as u64, k + 1, "{}: diverged at {k}", t.label),
        None => assert_eq!(n as u64, steps + 1, "{}: ran every step", t.label),
    }
    for (i, p) in t.path.iter().enumerate() {
        assert!(p.is_finite(), "{}: point {i} = {p:?}", t.label);
        assert!(p.norm() <= 1e12, "{}: point {i} = {p:?}", t.label);
        if i > 0 {
            assert!(
                t.loss[i].is_finite(),
                "{}: loss {i} = {}",
                t.label,
                t.loss[i]
            );
        }
    }
}

/// A data specification.
pub fn data_spec(kind: DataKind, n: u32, noise: f64, seed: u64, features: Features) -> DataSpec {
    DataSpec {
        kind,
        n,
        noise,
        seed,
        features,
        validation: None,
    }
}

/// A scenario on a generated data set with the given runs and default mini-batch size.
pub fn scenario_data(
    data: DataSpec,
    start: [f64; 2],
    steps: u64,
    batch_size: Option<u32>,
    runs: Vec<RunSpec>,
) -> Scenario {
    Scenario {
        data: Some(data),
        batch_size,
        surface: SurfaceSpec::default(),
        start: Vec2::from(start),
        steps,
        runs,
        stop: None,
    }
}

/// Bits of a sequence of numbers, for bit-for-bit comparisons with readable failures.
pub fn bits_f(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Two traces agree to the bit: path, loss, rate, gradient norm, batch loss, counts, divergence.
#[track_caller]
pub fn assert_same_trace(a: &Trace, b: &Trace) {
    assert_eq!(
        bits(&a.path),
        bits(&b.path),
        "{} vs {}: path",
        a.label,
        b.label
    );
    assert_eq!(bits_f(&a.loss), bits_f(&b.loss), "{}: loss", a.label);
    assert_eq!(bits_f(&a.lr), bits_f(&b.lr), "{}: lr", a.label);
    assert_eq!(
        bits_f(&a.grad_norm),
        bits_f(&b.grad_norm),
        "{}: grad_norm",
        a.label
    );
    assert_eq!(
        bits_f(&a.batch_loss),
        bits_f(&b.batch_loss),
        "{}: batch_loss",
        a.label
    );
    assert_eq!(a.evals, b.evals, "{}: evals", a.label);
    assert_eq!(a.diverged_at, b.diverged_at, "{}: diverged_at", a.label);
}

/// Runs the command line with `args`, `input` on its standard input; its output.
pub fn cli_with_input(args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_optimizer-playground"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes()).expect("write the input");
    }
    child.wait_with_output().expect("wait for the binary")
}
