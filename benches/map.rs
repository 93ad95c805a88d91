//! The colour map's pipeline natively: sampling a surface over the grid, the contour levels,
//! marching squares and stitching the segments into lines, for named surfaces and the same
//! formulas as expressions, on the 1000×700 grid of the Node comparison (`www/bench/map-node.mjs`)
//! and the 500×350 grid the page samples for a 1000×700 map.
//!
//! `cargo bench --bench map` (add `-- --warm-up-time 1 --measurement-time 2` for a quick run).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benches may stop on failure

use criterion::{criterion_group, criterion_main, Criterion};
use optimizer_playground::render::{marching_squares, Field};
use optimizer_playground::surface::Surface;
use std::hint::black_box;
use std::time::Duration;

const CASES: [(&str, &str, [f64; 4]); 3] = [
    (
        "rosenbrock",
        "(1-x)^2 + 100*(y-x^2)^2",
        [-2.0, 2.0, -1.0, 3.0],
    ),
    (
        "himmelblau",
        "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        [-5.0, 5.0, -5.0, 5.0],
    ),
    (
        "rastrigin",
        "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
        [-5.12, 5.12, -5.12, 5.12],
    ),
];

fn pipeline(c: &mut Criterion) {
    for (nx, ny) in [(1000, 700), (500, 350)] {
        let mut g = c.benchmark_group(format!("map_{nx}x{ny}"));
        g.sample_size(10);
        g.warm_up_time(Duration::from_secs(1));
        g.measurement_time(Duration::from_secs(2));
        for (name, expr, view) in CASES {
            for (kind, s) in [
                ("named", Surface::named(name).unwrap()),
                ("expr", Surface::expr(expr).unwrap()),
            ] {
                g.bench_function(format!("{name}/{kind}/grid"), |b| {
                    b.iter(|| black_box(Field::sample(&s, view, nx, ny)))
                });
            }
            let f = Field::sample(&Surface::expr(expr).unwrap(), view, nx, ny);
            let levels = f.levels(24);
            g.bench_function(format!("{name}/marching_squares"), |b| {
                b.iter(|| black_box(marching_squares(&f.values, nx, ny, &levels)))
            });
            g.bench_function(format!("{name}/contours"), |b| {
                b.iter(|| black_box(f.contours(&levels)))
            });
            let s = Surface::expr(expr).unwrap();
            g.bench_function(format!("{name}/expr/pipeline"), |b| {
                b.iter(|| {
                    let f = Field::sample(&s, view, nx, ny);
                    black_box(f.contours(&f.levels(24)))
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
