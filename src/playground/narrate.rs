//! Milestones of the runs, in words, for the page's live narration ("Adam reached loss 1e-3 at
//! step 84"; "gradient descent diverged at step 5").

use super::Playground;
use crate::render::fmt_num;

/// The loss gaps narrated: a run's loss first coming within each of them of the surface's
/// lowest known value.
pub const LEVELS: [f64; 3] = [1e-3, 1e-6, 1e-9];

impl Playground {
    /// What happened to the shown runs at iterations `from + 1 ..= to`, in order of iteration
    /// (then of run): divergence, a stopping rule ending a run, and the loss first coming within each of [`LEVELS`] of the
    /// lowest known minimum (of 0 where none is known, or where the minima are above it).
    pub fn milestones(&self, from: u64, to: u64) -> Vec<(u64, String)> {
        let s = &self.session().surface;
        let floor = s
            .minima()
            .into_iter()
            .map(|m| s.value(m))
            .filter(|v| v.is_finite())
            .fold(f64::INFINITY, f64::min);
        let (floor, word) = if floor.is_finite() && floor.abs() > 1e-12 {
            (floor, "came within")
        } else {
            (0.0, "reached loss")
        };
        let mut out = Vec::new();
        for (i, r) in self.session().runs.iter().enumerate() {
            if !self.run_visible(i) {
                continue;
            }
            let t = &r.trace;
            let last = (t.loss.len() as u64).saturating_sub(1).min(to);
            if let Some(k) = t
                .diverged_at
                .filter(|&k| k > from && k <= to && k <= last + 1)
            {
                out.push((k, format!("{} diverged at step {k}", t.label)));
            }
            if let (Some(k), Some(why)) = (t.stopped_at, &t.stop_reason) {
                if k > from && k <= to {
                    out.push((k, format!("{} stopped at step {k} ({why})", t.label)));
                }
            }
            if from >= last {
                continue;
            }
            for level in LEVELS {
                // Above the floor: where no minimum is known a loss below 0 says nothing.
                let hit = |j: &usize| (0.0..=level).contains(&(t.loss[*j] - floor));
                let Some(j) = (from as usize + 1..=last as usize).find(hit) else {
                    continue;
                };
                // Only the first time. (Scanned backwards: a run that got there before is
                // usually still there, so this ends at once.)
                if (0..=from as usize).rev().any(|i| hit(&i)) {
                    continue;
                }
                let what = if floor == 0.0 {
                    format!("{word} {}", fmt_num(level))
                } else {
                    format!("{word} {} of the minimum", fmt_num(level))
                };
                out.push((j as u64, format!("{} {what} at step {j}", t.label)));
            }
        }
        out.sort_by_key(|e| e.0);
        out
    }
}
