//! What the page prints about the runs at the step shown, and under the pointer.

use super::Playground;
use crate::render::fmt_num;
use crate::surface::Surface;
use serde::Serialize;

/// One run's read-out at the step shown (numbers already formatted).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Readout {
    pub label: String,
    pub color: String,
    pub enabled: bool,
    /// The step shown and the iterations computed.
    pub step: u64,
    pub iterations: u64,
    pub loss: String,
    pub point: String,
    pub grad_norm: String,
    pub lr: String,
    pub evals: String,
    /// At the run's end: "diverged at step k", "done", or (with the scenario's `stop`)
    /// "stopped at step k (reason) · end" and "done · end"; "" before the end.
    pub status: String,
    /// At the run's end, how its last point looks ("minimum", "saddle", "maximum", "flat",
    /// "moving", "diverged"; see [`crate::run::end_label`]); "" before the end.
    pub end: String,
    pub diverged: bool,
    /// "epoch 2.4 · batch 8 of 60" for mini-batch runs, else "".
    pub epoch: String,
}

impl Playground {
    /// Every run's read-out at the step shown.
    pub fn readouts(&self) -> Vec<Readout> {
        let cur = self.cursor() as usize;
        let sc = self.scenario();
        let session = self.session();
        session
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let t = &r.trace;
                let n = t.path.len() - 1;
                let k = cur.min(n);
                let p = t.path[k];
                // The rate and gradient norm of the iteration that led here (none at θ₀), so
                // what a step shows does not depend on how far the runs have gone.
                let (g, lr) = match k.checked_sub(1) {
                    Some(j) => (t.grad_norm[j], t.lr[j]),
                    None => (f64::NAN, f64::NAN),
                };
                let or_dash = |v: f64| if v.is_nan() { "–".into() } else { fmt_num(v) };
                let e = r.evals_at[k];
                let diverged = t.diverged_at.is_some() && k >= n;
                // A run's end, shown when the step shown is its last.
                let at_end = k >= n && (r.finished() || n as u64 >= sc.steps);
                let end = if at_end {
                    r.end_label(&session.surface).name()
                } else {
                    ""
                };
                let status = match (t.diverged_at, t.stopped_at) {
                    _ if !at_end => String::new(),
                    (Some(d), _) => format!("diverged at step {d}"),
                    (None, Some(s)) => format!(
                        "stopped at step {s} ({}) · {end}",
                        t.stop_reason.as_deref().unwrap_or("stopping rule")
                    ),
                    (None, None) if sc.stop.is_some() => format!("done · {end}"),
                    (None, None) => "done".into(),
                };
                let epoch = match (&session.surface, &r.sampler) {
                    (Surface::Data(d), Some(_)) => {
                        let b = r.spec.batch_size.or(sc.batch_size).unwrap_or(1).max(1) as usize;
                        let per = d.train_len().div_ceil(b);
                        format!(
                            "epoch {} · batch {b} of {}",
                            fmt_num((k as f64 / per as f64 * 10.0).floor() / 10.0),
                            d.train_len()
                        )
                    }
                    _ => String::new(),
                };
                Readout {
                    label: t.label.clone(),
                    color: self.run_color(i),
                    enabled: self.run_visible(i),
                    step: k as u64,
                    iterations: n as u64,
                    loss: fmt_num(t.loss[k]),
                    point: format!("({}, {})", fmt_num(p.x), fmt_num(p.y)),
                    grad_norm: or_dash(g),
                    lr: or_dash(lr),
                    evals: format!("{} L, {} ∇L, {} ∇²L", e.value, e.grad, e.hessian),
                    status,
                    end: end.into(),
                    diverged,
                    epoch,
                }
            })
            .collect()
    }

    /// "x = …   y = …   L = …" under CSS pixel `(px, py)` of the map, or "" outside the plot.
    pub fn hover(&self, css: (f64, f64)) -> String {
        let s = &self.session().surface;
        let (a, b) = s.axis_names();
        match self.point_at(css) {
            Some(p) => format!(
                "{a} = {}   {b} = {}   L = {}",
                fmt_num(p.x),
                fmt_num(p.y),
                fmt_num(s.value(p))
            ),
            None => String::new(),
        }
    }
}
