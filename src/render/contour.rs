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
    if levels.len() >= usize::from(SKIP) || levels.iter().any(|l| l.is_nan()) {
        return by_search(values, nx, ny, levels);
    }
    // Each value's rank, the number of levels at or below it (`SKIP` if it is not finite): the
    // levels a cell is searched for, above its least corner and at most its greatest, are the
    // ranks from its corners' least to their greatest. Most cells have four equal ranks and
    // cost four byte comparisons.
    let rank = ranks(&values[..nx * ny], levels);
    for j in 0..ny - 1 {
        let (r0, r1) = (
            &values[j * nx..(j + 1) * nx],
            &values[(j + 1) * nx..(j + 2) * nx],
        );
        let (k0, k1) = (
            &rank[j * nx..(j + 1) * nx],
            &rank[(j + 1) * nx..(j + 2) * nx],
        );
        for i in 0..nx - 1 {
            let (ka, kb, kc, kd) = (k0[i], k0[i + 1], k1[i + 1], k1[i]);
            let lo = ka.min(kb).min(kc).min(kd);
            let hi = ka.max(kb).max(kc).max(kd);
            if lo == hi || hi == SKIP {
                continue;
            }
            let v = [r0[i], r0[i + 1], r1[i + 1], r1[i]];
            for li in usize::from(lo)..usize::from(hi) {
                cell(&mut out[li], i as f32, j as f32, v, levels[li]);
            }
        }
    }
    out
}

/// The rank of a value that is not finite (no cell with such a corner is drawn).
const SKIP: u8 = u8::MAX;

/// For each value the number of levels at or below it, or [`SKIP`]: walked from the
/// neighbour's rank, since neighbouring values are close.
fn ranks(values: &[f64], levels: &[f64]) -> Vec<u8> {
    let n = levels.len();
    let mut r = 0usize;
    values
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                return SKIP;
            }
            while r > 0 && levels[r - 1] > v {
                r -= 1;
            }
            while r < n && levels[r] <= v {
                r += 1;
            }
            // Fewer than `SKIP` levels (checked by the caller).
            r as u8
        })
        .collect()
}

/// [`marching_squares`] by searching the levels for every cell: for many levels or levels
/// that are not numbers.
fn by_search(values: &[f64], nx: usize, ny: usize, levels: &[f64]) -> Vec<Vec<Segment>> {
    let mut out: Vec<Vec<Segment>> = vec![Vec::new(); levels.len()];
    for j in 0..ny - 1 {
        let r0 = &values[j * nx..(j + 1) * nx];
        let r1 = &values[(j + 1) * nx..(j + 2) * nx];
        for i in 0..nx - 1 {
            let (a, b, c, d) = (r0[i], r0[i + 1], r1[i + 1], r1[i]);
            if !(a.is_finite() && b.is_finite() && c.is_finite() && d.is_finite()) {
                continue;
            }
            let lo = a.min(b).min(c).min(d);
            let hi = a.max(b).max(c).max(d);
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

/// Joins segments that share end points into polylines (so a contour is drawn as a few long
/// strokes rather than thousands of short ones). Every end point lies on an edge of the
/// `nx` × `ny` grid, and marching squares computes a point on an edge shared by two cells
/// identically in both, so ends are matched by their edge (in a small open-addressing table,
/// which stays in cache where a table of every edge would not).
pub fn stitch(segs: &[Segment], nx: usize, ny: usize) -> Vec<Vec<(f32, f32)>> {
    const NONE: u32 = u32::MAX;
    // The grid edge a point lies on: a horizontal edge where its row is whole (a grid point
    // counts as the horizontal edge to its right), else the vertical edge of its column.
    let edge = |p: (f32, f32)| -> u32 {
        let (x, y) = (p.0.max(0.0) as usize, p.1.max(0.0) as usize);
        let cell = y.min(ny.saturating_sub(1)) * nx + x.min(nx.saturating_sub(1));
        (2 * cell + usize::from(p.1.fract() != 0.0)) as u32
    };
    let cap = (4 * segs.len()).next_power_of_two().max(8);
    let mut keys = vec![NONE; cap];
    // For each edge the last end point on it, and for each end point the previous one there.
    let mut head = vec![NONE; cap];
    let slot = |keys: &[u32], k: u32| -> usize {
        let mut h = (k.wrapping_mul(0x9E37_79B1) >> 7) as usize & (cap - 1);
        while keys[h] != k && keys[h] != NONE {
            h = (h + 1) & (cap - 1);
        }
        h
    };
    let mut prev = vec![NONE; 2 * segs.len()];
    for (e, pe) in prev.iter_mut().enumerate() {
        let k = edge(segs[e / 2][e % 2]);
        let h = slot(&keys, k);
        keys[h] = k;
        *pe = head[h];
        head[h] = e as u32;
    }
    let mut used = vec![false; segs.len()];
    // The unused segment continuing from point `p`, oriented to start there.
    let next = |p: (f32, f32), used: &mut Vec<bool>| -> Option<(f32, f32)> {
        let mut e = head[slot(&keys, edge(p))];
        while e != NONE {
            let (i, end) = (e as usize / 2, e as usize % 2);
            if !used[i] && segs[i][end] == p {
                used[i] = true;
                return Some(segs[i][1 - end]);
            }
            e = prev[e as usize];
        }
        None
    };
    let mut out = Vec::new();
    for i in 0..segs.len() {
        if used[i] {
            continue;
        }
        used[i] = true;
        let mut line = vec![segs[i][0], segs[i][1]];
        while let Some(p) = next(*line.last().unwrap_or(&segs[i][1]), &mut used) {
            line.push(p);
        }
        let mut back = Vec::new();
        while let Some(p) = next(*back.last().unwrap_or(&segs[i][0]), &mut used) {
            back.push(p);
        }
        if !back.is_empty() {
            back.reverse();
            back.extend_from_slice(&line);
            line = back;
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Skipping cells by the ranks of their corners draws exactly the segments of searching
    /// the levels in every cell: on ripples with values exactly at levels, plateaus, and
    /// corners that are NaN or infinite.
    #[test]
    fn ranks_draw_the_segments_of_the_search() {
        let (nx, ny) = (83, 61);
        let levels = [-0.9, -0.4, -0.4, 0.0, 0.25, 0.3, 0.8];
        let v: Vec<f64> = (0..nx * ny)
            .map(|k| {
                let (x, y) = ((k % nx) as f64 * 0.23, (k / nx) as f64 * 0.19);
                match k % 97 {
                    0 => f64::NAN,
                    13 => f64::INFINITY,
                    29 => f64::NEG_INFINITY,
                    41..=43 => levels[k % levels.len()],
                    _ if (k / nx) % 17 == 3 => 0.25,
                    _ => (x.sin() * y.cos() + 0.3 * (2.0 * x + y).sin()).clamp(-1.0, 1.0),
                }
            })
            .collect();
        let fast = marching_squares(&v, nx, ny, &levels);
        let slow = by_search(&v, nx, ny, &levels);
        assert_eq!(fast, slow);
        assert!(fast.iter().all(|l| l.len() > 50), "every level is drawn");
    }

    #[test]
    fn stitched_contours_cover_every_segment_once() {
        // A bowl: each level is one closed ring.
        let (nx, ny) = (40, 30);
        let mut v = Vec::new();
        for j in 0..ny {
            for i in 0..nx {
                let (x, y) = (i as f64 - 19.5, j as f64 - 14.5);
                v.push(x * x + 2.0 * y * y);
            }
        }
        let levels = [10.0, 50.0, 120.0];
        let segs = marching_squares(&v, nx, ny, &levels);
        for s in &segs {
            let lines = stitch(s, nx, ny);
            assert_eq!(lines.len(), 1, "one closed ring per level");
            let l = &lines[0];
            assert_eq!(l.len(), s.len() + 1);
            assert_eq!(l.first(), l.last(), "closed");
            // Every segment appears as a consecutive pair.
            for seg in s {
                assert!(l
                    .windows(2)
                    .any(|w| (w[0] == seg[0] && w[1] == seg[1])
                        || (w[0] == seg[1] && w[1] == seg[0])));
            }
        }
    }

    #[test]
    fn stitching_a_rippled_field_keeps_every_segment_once() {
        let (nx, ny) = (57, 43);
        let v: Vec<f64> = (0..nx * ny)
            .map(|k| {
                let (x, y) = ((k % nx) as f64 * 0.31, (k / nx) as f64 * 0.27);
                x.sin() * y.cos() + 0.3 * (2.0 * x + y).sin()
            })
            .collect();
        let levels = [-0.9, -0.4, 0.0, 0.3, 0.8];
        for segs in marching_squares(&v, nx, ny, &levels) {
            let lines = stitch(&segs, nx, ny);
            let pairs: usize = lines.iter().map(|l| l.len() - 1).sum();
            assert_eq!(pairs, segs.len(), "every segment exactly once");
            for seg in &segs {
                assert!(lines
                    .iter()
                    .any(|l| l.windows(2).any(|w| (w[0] == seg[0] && w[1] == seg[1])
                        || (w[0] == seg[1] && w[1] == seg[0]))));
            }
            assert!(lines.len() < segs.len() / 4, "joined into long lines");
        }
    }
}
