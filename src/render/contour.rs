//! Contour lines by marching squares over a grid of values.

/// A contour segment in grid coordinates (column, row as floats, 0 at the first sample).
pub type Segment = [(f32, f32); 2];

/// Segments of `values` (row-major, `nx` × `ny`) at every level in `levels` (sorted
/// ascending): `out[l]` holds level `l`'s segments. Cells with a non-finite corner are skipped.
/// Saddle cells are split by the mean of their corners.
pub fn marching_squares(values: &[f64], nx: usize, ny: usize, levels: &[f64]) -> Vec<Vec<Segment>> {
    let mut out: Vec<Vec<Segment>> = vec![Vec::new(); levels.len()];
    if nx < 2 || ny < 2 || values.len() < nx * ny || levels.is_empty() {
        return out;
    }
    for j in 0..ny - 1 {
        let r0 = &values[j * nx..(j + 1) * nx];
        let r1 = &values[(j + 1) * nx..(j + 2) * nx];
        for i in 0..nx - 1 {
            // Corners: a = (i, j), b = (i+1, j), c = (i+1, j+1), d = (i, j+1).
            let (a, b, c, d) = (r0[i], r0[i + 1], r1[i + 1], r1[i]);
            let lo = a.min(b).min(c).min(d);
            let hi = a.max(b).max(c).max(d);
            if !(lo.is_finite() && hi.is_finite()) {
                continue;
            }
            // Levels strictly inside (lo, hi]: binary search for the first level > lo.
            let first = levels.partition_point(|&l| l <= lo);
            for (li, &lv) in levels.iter().enumerate().skip(first) {
                if lv > hi {
                    break;
                }
                cell(&mut out[li], i as f32, j as f32, [a, b, c, d], lv);
            }
        }
    }
    out
}

#[inline]
fn lerp(p: f64, q: f64, lv: f64) -> f32 {
    let den = q - p;
    if den == 0.0 {
        0.5
    } else {
        ((lv - p) / den) as f32
    }
}

#[inline]
fn cell(out: &mut Vec<Segment>, x: f32, y: f32, v: [f64; 4], lv: f64) {
    let [a, b, c, d] = v;
    let idx =
        (a > lv) as u8 | ((b > lv) as u8) << 1 | ((c > lv) as u8) << 2 | ((d > lv) as u8) << 3;
    // Edge points: top (a-b), right (b-c), bottom (d-c), left (a-d).
    let top = || (x + lerp(a, b, lv), y);
    let right = || (x + 1.0, y + lerp(b, c, lv));
    let bottom = || (x + lerp(d, c, lv), y + 1.0);
    let left = || (x, y + lerp(a, d, lv));
    match idx {
        0 | 15 => {}
        1 | 14 => out.push([left(), top()]),
        2 | 13 => out.push([top(), right()]),
        3 | 12 => out.push([left(), right()]),
        4 | 11 => out.push([right(), bottom()]),
        6 | 9 => out.push([top(), bottom()]),
        7 | 8 => out.push([left(), bottom()]),
        5 | 10 => {
            let centre = (a + b + c + d) / 4.0 > lv;
            // 5: a and c above; 10: b and d above.
            if (idx == 5) == centre {
                out.push([left(), bottom()]);
                out.push([top(), right()]);
            } else {
                out.push([left(), top()]);
                out.push([right(), bottom()]);
            }
        }
        _ => {}
    }
}
