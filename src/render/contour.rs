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

/// Joins segments that share end points into polylines (so a contour is drawn as a few long
/// strokes rather than thousands of short ones). Marching squares computes a point on an edge
/// shared by two cells identically in both, so shared ends compare equal bit for bit.
pub fn stitch(segs: &[Segment]) -> Vec<Vec<(f32, f32)>> {
    let key = |p: (f32, f32)| (p.0.to_bits(), p.1.to_bits());
    // Every end point with its segment and which end it is, sorted by point.
    let mut ends: Vec<((u32, u32), u32)> = segs
        .iter()
        .enumerate()
        .flat_map(|(i, s)| [(key(s[0]), 2 * i as u32), (key(s[1]), 2 * i as u32 + 1)])
        .collect();
    ends.sort_unstable();
    let mut used = vec![false; segs.len()];
    // The unused segment continuing from point `p`, oriented to start there.
    let next = |p: (f32, f32), used: &mut Vec<bool>| -> Option<(f32, f32)> {
        let k = key(p);
        let from = ends.partition_point(|e| e.0 < k);
        let &(_, e) = ends[from..]
            .iter()
            .take_while(|e| e.0 == k)
            .find(|e| !used[(e.1 / 2) as usize])?;
        let i = (e / 2) as usize;
        used[i] = true;
        Some(segs[i][1 - (e % 2) as usize])
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
            let lines = stitch(s);
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
}
