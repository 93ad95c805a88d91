//! The bulk engine: a 256×256 hyperparameter map of 200-step Adam runs on Rosenbrock
//! (13.1 million steps): pixels are the learning rate (1e-4 to 1, log-spaced, columns) ×
//! β₂ (0.9 to 0.9999, rows), from Rosenbrock's start (−1.5, 2), with a tolerance of 1e-3
//! tracked. Timed through `run_jobs` on one thread, on 2 threads (`std::thread::scope` over
//! two halves of the jobs), and through `run_reference` (the single-run path) on 2 threads.
//!
//! `cargo bench --bench bulk`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use optimizer_playground::bulk::{grid_jobs, run_jobs, run_reference, Axis, Outcome};
use optimizer_playground::scenario::{RunSpec, Scenario};
use optimizer_playground::surface::Surface;
use std::hint::black_box;
use std::time::Duration;

const N: usize = 256;
const STEPS: u64 = 200;

fn map() -> (Scenario, Surface, Vec<RunSpec>) {
    let sc = Scenario::from_json(&format!(
        r#"{{"surface": {{"name": "rosenbrock"}}, "start": [-1.5, 2], "steps": {STEPS},
            "runs": [{{"optimizer": {{"name": "adam", "lr": 0.01}}}}]}}"#
    ))
    .unwrap();
    let surface = sc.build_surface().unwrap();
    let lr = Axis {
        name: "lr".into(),
        lo: 1e-4,
        hi: 1.0,
        n: N,
        log: true,
    };
    let beta2 = Axis {
        name: "beta2".into(),
        lo: 0.9,
        hi: 0.9999,
        n: N,
        log: false,
    };
    let jobs = grid_jobs(&sc, 0, &lr, &beta2, 0..N).unwrap();
    (sc, surface, jobs)
}

type Engine = fn(&Scenario, &Surface, &[RunSpec], Option<f64>) -> Vec<Outcome>;

/// `engine` over `jobs` split into `threads` slices, one thread each.
fn split(
    engine: Engine,
    threads: usize,
    sc: &Scenario,
    s: &Surface,
    jobs: &[RunSpec],
) -> Vec<Outcome> {
    let per = jobs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = jobs
            .chunks(per)
            .map(|part| scope.spawn(move || engine(sc, s, part, Some(1e-3))))
            .collect();
        parts.into_iter().flat_map(|p| p.join().unwrap()).collect()
    })
}

fn adam_map(c: &mut Criterion) {
    let (sc, surface, jobs) = map();
    let mut g = c.benchmark_group("bulk_adam_rosenbrock_256x256x200");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(N as u64 * N as u64 * STEPS));
    g.bench_function("run_jobs_1_thread", |b| {
        b.iter(|| black_box(run_jobs(&sc, &surface, black_box(&jobs), Some(1e-3))))
    });
    g.bench_function("run_jobs_2_threads", |b| {
        b.iter(|| black_box(split(run_jobs, 2, &sc, &surface, black_box(&jobs))))
    });
    g.bench_function("run_reference_2_threads", |b| {
        b.iter(|| black_box(split(run_reference, 2, &sc, &surface, black_box(&jobs))))
    });
    g.finish();
}

criterion_group!(benches, adam_map);
criterion_main!(benches);
