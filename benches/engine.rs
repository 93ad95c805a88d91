//! Engine benchmarks: surface evaluation over a grid (the page's contour map), one gradient,
//! one Adam step, and a 10,000-step trace of every optimizer on Rosenbrock.
//!
//! `cargo bench --bench engine` (add `-- --warm-up-time 1 --measurement-time 1` for a quick run).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use optimizer_playground::optim::{
    Counted, Evals, Method, OptKind, OptimizerConfig, Rule, OPTIMIZERS,
};
use optimizer_playground::run::{RunState, Session};
use optimizer_playground::scenario::{RunSpec, Scenario, SurfaceSpec};
use optimizer_playground::surface::Surface;
use optimizer_playground::Vec2;
use std::hint::black_box;
use std::time::Duration;

const ROSENBROCK: &str = "(1-x)^2 + 100*(y-x^2)^2";

fn surfaces() -> [(&'static str, Surface); 2] {
    [
        ("builtin", Surface::named("rosenbrock").unwrap()),
        ("expr", Surface::expr(ROSENBROCK).unwrap()),
    ]
}

/// (a) `L` over a 512×512 grid of the view, as the page's contour map needs it.
fn grid(c: &mut Criterion) {
    let mut g = c.benchmark_group("grid_512x512");
    g.sample_size(20);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(512 * 512));
    // Rosenbrock's view for both (an expression has no view of its own).
    let view = Surface::named("rosenbrock").unwrap().view();
    for (name, s) in surfaces() {
        let mut out = Vec::with_capacity(512 * 512);
        g.bench_function(name, |b| {
            b.iter(|| {
                s.grid(black_box(view), 512, 512, &mut out);
                black_box(&out);
            })
        });
    }
    g.finish();
}

/// (b) One value-and-gradient evaluation by automatic differentiation.
fn gradient(c: &mut Criterion) {
    let mut g = c.benchmark_group("gradient");
    let p = Vec2::new(-1.2, 1.0);
    for (name, s) in surfaces() {
        g.bench_function(name, |b| b.iter(|| black_box(&s).grad(black_box(p))));
    }
    g.finish();
}

/// (c) One Adam step: the rule alone (given the gradient), one iteration of the method (the
/// gradient at θ and the rule), and one iteration of a run (also the schedule, L(θ_{k+1}) and
/// the trace's bookkeeping). Each starts from the same state, cloned outside the timing.
fn adam_step(c: &mut Criterion) {
    let mut g = c.benchmark_group("adam_step");
    let s = Surface::named("rosenbrock").unwrap();
    let cfg = OptimizerConfig::new(OptKind::Adam).with_lr(0.01);
    let theta = Vec2::new(-1.5, 2.0);

    // Warm the state up, so that the moments are not zero.
    let mut method = Method::build(&cfg, None, 0.0, theta);
    let mut evals = Evals::default();
    let mut at = theta;
    for _ in 0..100 {
        let mut obj = Counted::new(&s, &mut evals);
        at = method.step(&mut obj, at, 0.01).unwrap().next;
    }
    let mut rule = Rule::new(OptKind::Adam, cfg.resolve());
    for _ in 0..100 {
        rule.step(at, s.grad(at).1, 0.01);
    }
    let grad = s.grad(at).1;

    g.bench_function("rule", |b| {
        b.iter_batched_ref(
            || rule.clone(),
            |r| r.step(black_box(at), black_box(grad), black_box(0.01)),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("method_step", |b| {
        b.iter_batched_ref(
            || (method.clone(), Evals::default()),
            |(m, ev)| {
                let mut obj = Counted::new(&s, ev);
                m.step(&mut obj, black_box(at), black_box(0.01))
            },
            BatchSize::SmallInput,
        )
    });
    let run = RunState::new(RunSpec::new(cfg.clone()), &s, at);
    g.bench_function("run_iteration", |b| {
        b.iter_batched_ref(
            || run.clone(),
            |r| r.step(black_box(&s)),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// A configuration that runs all 10,000 steps on Rosenbrock from (−1.5, 2) without diverging.
fn bench_config(kind: OptKind) -> OptimizerConfig {
    let mut c = OptimizerConfig::new(kind);
    match kind {
        OptKind::Gd | OptKind::Momentum | OptKind::Nesterov | OptKind::Rmsprop | OptKind::Lion => {
            c.set("lr", 1e-3);
        }
        OptKind::Adagrad => {
            c.set("lr", 0.1);
        }
        OptKind::Adam | OptKind::Adamw | OptKind::Amsgrad | OptKind::Nadam | OptKind::Radam => {
            c.set("lr", 1e-2);
        }
        // AdaBound's bounds close on final_lr, where plain gd must not diverge.
        OptKind::Adabound => {
            c.set("lr", 1e-2);
            c.set("final_lr", 1e-3);
        }
        // Rosenbrock's gradients (~1e3 at the start) make larger hyper-rates explode.
        OptKind::SgdHd => {
            c.set("lr", 1e-3);
            c.set("hyper_lr", 1e-8);
        }
        OptKind::Lookahead => {
            c.inner = Some(Box::new(OptimizerConfig::new(OptKind::Adam).with_lr(1e-2)));
        }
        OptKind::Adadelta | OptKind::Newton | OptKind::Bfgs | OptKind::Lbfgs | OptKind::Learned => {
        }
    }
    c
}

/// (d) A 10,000-step trace of each optimizer, through the scenario and the session as the
/// command line runs it. A run that converges early still steps to 10,000.
fn traces(c: &mut Criterion) {
    let mut g = c.benchmark_group("trace_10000_rosenbrock");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(2));
    g.throughput(Throughput::Elements(10_000));
    for o in OPTIMIZERS {
        let sc = Scenario {
            data: None,
            batch_size: None,
            stop: None,
            surface: SurfaceSpec::named("rosenbrock"),
            start: Vec2::new(-1.5, 2.0),
            steps: 10_000,
            runs: vec![RunSpec::new(bench_config(o.kind))],
        };
        // Outside the timing: the run must really take every step.
        let check = Session::new(&sc).unwrap().finish();
        assert_eq!(
            (check[0].diverged_at, check[0].path.len()),
            (None, 10_001),
            "{} does not run 10,000 steps",
            o.name
        );
        g.bench_function(o.name, |b| {
            b.iter(|| Session::new(black_box(&sc)).unwrap().finish())
        });
    }
    g.finish();
}

/// (e) The page benchmark's race (`www/bench/eight-runs.json`: 8 optimizers on Rosenbrock),
/// 100,000 iterations each through the session, every point recorded: the native side of the
/// page/native ratio that `node www/bench/frames.mjs` prints.
fn eight_runs(c: &mut Criterion) {
    let sc = Scenario::from_json(include_str!("../www/bench/eight-runs.json")).unwrap();
    let mut g = c.benchmark_group("session_8_runs");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("100000", |b| {
        b.iter(|| Session::new(black_box(&sc)).unwrap().finish())
    });
    g.finish();
}

criterion_group!(benches, grid, gradient, adam_step, traces, eight_runs);
criterion_main!(benches);
