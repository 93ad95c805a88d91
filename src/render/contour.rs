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
    // Per row of cells, a byte per cell that is 0 where its four ranks are equal (a simple
    // loop the compiler turns into vector operations); the cells are then visited eight at a
    // time, and a word of eight zero bytes is passed over with one comparison.
    let mut mixed = vec![0u8; (nx - 1).next_multiple_of(8)];
    for j in 0..ny - 1 {
        let (r0, r1) = (
            &values[j * nx..(j + 1) * nx],
            &values[(j + 1) * nx..(j + 2) * nx],
        );
        let (k0, k1) = (
            &rank[j * nx..(j + 1) * nx],
            &rank[(j + 1) * nx..(j + 2) * nx],
        );
        for (((m, a), b), (c, d)) in mixed
            .iter_mut()
            .zip(&k0[..nx - 1])
            .zip(&k0[1..])
            .zip(k1[..nx - 1].iter().zip(&k1[1..]))
        {
            *m = (a ^ b) | (a ^ c) | (c ^ d);
        }
        for (w, word) in mixed.chunks_exact(8).enumerate() {
            let mut bits = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
            while bits != 0 {
                let i = 8 * w + (bits.trailing_zeros() / 8) as usize;
                bits &= !(0xff << (8 * (i - 8 * w)));
                let (ka, kb, kc, kd) = (k0[i], k0[i + 1], k1[i + 1], k1[i]);
                let lo = ka.min(kb).min(kc).min(kd);
                let hi = ka.max(kb).max(kc).max(kd);
                if hi == SKIP {
                    continue;
                }
                let v = [r0[i], r0[i + 1], r1[i + 1], r1[i]];
                for li in usize::from(lo)..usize::from(hi) {
                    cell(&mut out[li], i as f32, j as f32, v, levels[li]);
                }
            }
        }
    }
    out
}

/// The rank of a value that is not finite (no cell with such a corner is drawn).
const SKIP: u8 = u8::MAX;

/// For each value the number of levels at or below it, or [`SKIP`]: walked from the
/// neighbour's rank, since neighbouring values are close. Eight values at a time are first
/// tested against the band of the last rank (`levels[r − 1] ≤ v < levels[r]`, a few vector
/// comparisons); only where one leaves it is each walked.
fn ranks(values: &[f64], levels: &[f64]) -> Vec<u8> {
    const CHUNK: usize = 8;
    let n = levels.len();
    let mut r = 0usize;
    let mut out = vec![0u8; values.len()];
    let walk = |v: f64, r: &mut usize| -> u8 {
        if !v.is_finite() {
            return SKIP;
        }
        while *r > 0 && levels[*r - 1] > v {
            *r -= 1;
        }
        while *r < n && levels[*r] <= v {
            *r += 1;
        }
        // Fewer than `SKIP` levels (checked by the caller).
        *r as u8
    };
    let (whole, rest) = values.split_at(values.len() - values.len() % CHUNK);
    for (vs, os) in whole.chunks_exact(CHUNK).zip(out.chunks_exact_mut(CHUNK)) {
        // The band of rank r; `f64::MIN` and `∞` as its open ends keep ±∞ and NaN out of it.
        let lo = if r > 0 { levels[r - 1] } else { f64::MIN };
        let hi = if r < n { levels[r] } else { f64::INFINITY };
        if vs.iter().fold(true, |all, &v| all & (v >= lo) & (v < hi)) {
            os.fill(r as u8);
        } else {
            for (o, &v) in os.iter_mut().zip(vs) {
                *o = walk(v, &mut r);
            }
        }
    }
    let tail = whole.len();
    for (o, &v) in out[tail..].iter_mut().zip(rest) {
        *o = walk(v, &mut r);
    }
    out
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
        // (`as` saturates: a negative coordinate is 0.)
        let (x, y) = (p.0 as usize, p.1 as usize);
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
    // Each end point is paired once with the end of another segment at the same point (the
    // latest unpaired one on its edge); the lines are then walked through the pairs.
    let mut prev = vec![NONE; 2 * segs.len()];
    let mut pair = vec![NONE; 2 * segs.len()];
    let at = |e: u32| segs[e as usize / 2][e as usize % 2];
    for e in 0..2 * segs.len() as u32 {
        let p = at(e);
        let k = edge(p);
        let h = slot(&keys, k);
        keys[h] = k;
        let mut o = head[h];
        while o != NONE {
            if pair[o as usize] == NONE && o / 2 != e / 2 && at(o) == p {
                pair[o as usize] = e;
                pair[e as usize] = o;
                break;
            }
            o = prev[o as usize];
        }
        prev[e as usize] = head[h];
        head[h] = e;
    }
    let mut used = vec![false; segs.len()];
    // The points reached from end `e` (of a used segment) onward, through unused segments.
    let walk = |mut e: u32, used: &mut Vec<bool>, line: &mut Vec<(f32, f32)>| loop {
        let o = pair[e as usize];
        if o == NONE || used[o as usize / 2] {
            break;
        }
        used[o as usize / 2] = true;
        e = o ^ 1;
        line.push(at(e));
    };
    let mut out = Vec::new();
    for i in 0..segs.len() {
        if used[i] {
            continue;
        }
        used[i] = true;
        let mut line = vec![segs[i][0], segs[i][1]];
        walk(2 * i as u32 + 1, &mut used, &mut line);
        let mut back = Vec::new();
        walk(2 * i as u32, &mut used, &mut back);
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
    /// Each rank is the number of levels at or below the value (SKIP where it is not finite),
    /// also in runs of eight inside one band, at the open ends of the levels (where ±∞ must not
    /// pass as the band's members), with repeated levels, and in a tail shorter than eight.
    #[test]
    fn ranks_count_the_levels_at_or_below() {
        let levels = [-1.0, 0.0, 0.0, 2.5, 7.0];
        let (inf, nan) = (f64::INFINITY, f64::NAN);
        // Runs of eight (the chunks), each run after one that leaves the walk in its band.
        let runs: [[f64; 8]; 9] = [
            [-5.0; 8],
            [-3.0, -4.0, -2.0, -inf, -3.0, -3.0, -3.0, -3.0],
            [-3.0, f64::MIN, -2.0, -2.0, nan, -2.0, -2.0, -2.0],
            [100.0; 8],
            [9.0, 9.0, inf, 9.0, f64::MAX, 9.0, 9.0, 9.0],
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            [0.0, -0.0, 2.5, -1.0, 7.0, 0.0, 2.5, 1.0],
            [1.0, 2.0, 1.5, 2.4, 1.0, 2.0, 2.5, 1.0],
            [-1.0, -0.5, -0.9, -1.0, -0.1, -0.2, -0.3, -0.4],
        ];
        let mut v: Vec<f64> = runs.iter().flatten().copied().collect();
        v.extend((0..1003).map(|k| (k as f64 * 0.37).sin() * 8.0));
        v.extend([-inf, 3.0, nan]);
        let want: Vec<u8> = v
            .iter()
            .map(|&x| {
                if x.is_finite() {
                    levels.iter().filter(|&&l| l <= x).count() as u8
                } else {
                    SKIP
                }
            })
            .collect();
        assert_eq!(ranks(&v, &levels), want);
    }

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

    /// The lines hold as many steps as there are segments, and each segment is a step.
    fn each_segment_once(segs: &[Segment], lines: &[Vec<(f32, f32)>]) {
        let steps: usize = lines.iter().map(|l| l.len() - 1).sum();
        assert_eq!(steps, segs.len(), "every segment exactly once");
        for seg in segs {
            assert!(lines.iter().any(|l| {
                l.windows(2).any(|w| {
                    (w[0] == seg[0] && w[1] == seg[1]) || (w[0] == seg[1] && w[1] == seg[0])
                })
            }));
        }
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
            assert_eq!(lines[0].first(), lines[0].last(), "closed");
            each_segment_once(s, &lines);
        }
    }

    /// Levels through grid points: lines pass through corners, where segments of no length
    /// and several ends at one point meet; still every segment is drawn once.
    #[test]
    fn stitching_through_grid_points_keeps_every_segment_once() {
        let (nx, ny) = (41, 31);
        let v: Vec<f64> = (0..nx * ny)
            .map(|k| ((k % nx) as f64 - 20.0).abs() + ((k / nx) as f64 - 15.0).abs())
            .collect();
        let levels = [1.0, 4.0, 9.0, 12.0];
        for segs in marching_squares(&v, nx, ny, &levels) {
            let lines = stitch(&segs, nx, ny);
            each_segment_once(&segs, &lines);
            assert_eq!(lines.len(), 1, "one closed line per level");
            assert_eq!(lines[0].first(), lines[0].last());
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
            each_segment_once(&segs, &lines);
            assert!(lines.len() < segs.len() / 4, "joined into long lines");
        }
    }
}
