//! User expressions: whatever parses evaluates without panicking (value, gradient, Hessian),
//! and the block evaluator (`Surface::grid`, `Expr::eval_many`: the colour map's path) gives
//! the per-point evaluator's bits (a NaN equal to any NaN).
//!
//! Input: the expression's text, optionally followed by a NUL byte and bytes from which the
//! evaluation points, the grid's view and its size are taken (without them, fixed ones).
#![no_main]

use libfuzzer_sys::fuzz_target;
use optimizer_playground::surface::{Expr, Surface};
use optimizer_playground::Vec2;

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// The f64s of `bytes`, eight bytes each (any bits: NaN, ±∞, subnormals, extremes).
fn floats(bytes: &[u8]) -> Vec<f64> {
    bytes
        .as_chunks::<8>()
        .0
        .iter()
        .map(|c| f64::from_le_bytes(*c))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let (text, extra) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(src) = std::str::from_utf8(text) else {
        return;
    };
    let Ok(surface) = Surface::expr(src) else {
        return;
    };
    let Surface::Expr(expr) = &surface else {
        unreachable!("Surface::expr gives an expression");
    };
    // Parsing is deterministic (compared as text: a folded `0/0` is a NaN constant, and an
    // expression holding one is not `==` to itself).
    let again = Expr::parse(src).map(|e| format!("{e:?}"));
    assert_eq!(again, Ok(format!("{expr:?}")), "parsing is deterministic");

    // Points: a few fixed ones and those of the input's extra bytes.
    let (sizes, rest) = extra.split_at(extra.len().min(2));
    let fs = floats(rest);
    let mut pts = vec![
        Vec2::new(0.0, 0.0),
        Vec2::new(1.0, -1.0),
        Vec2::new(-1.5, 2.0),
        Vec2::new(0.5, 0.25),
    ];
    pts.extend(
        fs.as_chunks::<2>()
            .0
            .iter()
            .take(8)
            .map(|&[x, y]| Vec2::new(x, y)),
    );
    for &p in &pts {
        let v = surface.value(p);
        let (l, _g) = surface.grad(p);
        let (l2, _g2, _h) = surface.hessian(p);
        assert!(
            same(v, l),
            "{src:?} at {p:?}: value {v} but grad's value {l}"
        );
        assert!(
            same(v, l2),
            "{src:?} at {p:?}: value {v} but hessian's value {l2}"
        );
    }

    // The block evaluator at those points (x and y columns of any values).
    let xs: Vec<f64> = pts.iter().map(|p| p.x).collect();
    let ys: Vec<f64> = pts.iter().map(|p| p.y).collect();
    let mut out = vec![0.0; pts.len()];
    expr.eval_many(&xs, &ys, &mut out);
    for (p, &o) in pts.iter().zip(&out) {
        let want = surface.value(*p);
        assert!(
            same(want, o),
            "{src:?}: eval_many at {p:?} gives {o}, value {want}"
        );
    }

    // A small grid: rows sometimes longer than the block evaluator's 256 points.
    let b0 = sizes.first().copied().unwrap_or(7);
    let b1 = sizes.get(1).copied().unwrap_or(5);
    let nx = if b0 & 0x80 != 0 {
        250 + usize::from(b0 & 0x3f)
    } else {
        1 + usize::from(b0 % 24)
    };
    let ny = 1 + usize::from(b1 % if nx > 64 { 3 } else { 16 });
    let view = match fs.get(16..20) {
        Some(v) => [v[0], v[1], v[2], v[3]],
        None => [-3.0, 3.0, -2.0, 2.5],
    };
    let mut grid = Vec::new();
    surface.grid(view, nx, ny, &mut grid);
    assert_eq!(grid.len(), nx * ny);
    let [x0, x1, y0, y1] = view;
    let dx = (x1 - x0) / nx as f64;
    let dy = (y1 - y0) / ny as f64;
    for j in 0..ny {
        let y = y1 - (j as f64 + 0.5) * dy;
        for i in 0..nx {
            let x = x0 + (i as f64 + 0.5) * dx;
            let want = surface.value(Vec2::new(x, y));
            let got = grid[j * nx + i];
            assert!(
                same(want, got),
                "{src:?}: grid cell ({i}, {j}) at ({x}, {y}) is {got}, value {want}"
            );
        }
    }
});
