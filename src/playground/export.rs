//! The trajectories as a table, for the page's CSV and JSON downloads: one row per run and
//! point, with the run's index and label, the step, θ = (x, y), the loss there, the rate and
//! the gradient norm of the iteration that leaves it, the evaluation counts so far, and the
//! held-out and mini-batch losses when the runs have them. Numbers are printed in the shortest
//! form that reads back to the same `f64` (JSON's and the CSV's alike); one that is not finite
//! (or a rate at the last point, which no iteration leaves) is `null` in JSON and an empty cell
//! in the CSV.
//!
//! ```
//! use optimizer_playground::playground::{export, Playground};
//! let mut pg = Playground::new(Playground::default_scenario()).unwrap();
//! pg.step(10);
//! let csv = String::from_utf8(export::csv(pg.session())).unwrap();
//! assert!(csv.starts_with("run,label,step,x,y,loss,lr,grad_norm,"));
//! ```

use crate::run::{RunState, Session};
use serde::Serialize;

/// One point of one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row<'a> {
    /// The run's index in the scenario (labels may repeat).
    pub run: usize,
    pub label: &'a str,
    pub step: usize,
    pub x: f64,
    pub y: f64,
    pub loss: f64,
    /// The rate and `‖∇L‖` of iteration `step` (none at the last point).
    pub lr: Option<f64>,
    pub grad_norm: Option<f64>,
    /// Evaluations counted up to and including this point.
    pub evals_value: u64,
    pub evals_grad: u64,
    pub evals_hessian: u64,
    /// Present in every row when some run has it (`Some(None)`: this row has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub val_loss: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_loss: Option<Option<f64>>,
}

/// The column names, in order (`val_loss` and `batch_loss` only when some run has them).
pub fn columns(session: &Session) -> Vec<&'static str> {
    let (val, batch) = optional(session);
    let mut cols = vec![
        "run",
        "label",
        "step",
        "x",
        "y",
        "loss",
        "lr",
        "grad_norm",
        "evals_value",
        "evals_grad",
        "evals_hessian",
    ];
    cols.extend(val.then_some("val_loss"));
    cols.extend(batch.then_some("batch_loss"));
    cols
}

/// Whether some run records the held-out loss, the mini-batch loss.
fn optional(session: &Session) -> (bool, bool) {
    let any = |f: fn(&RunState) -> bool| session.runs.iter().any(f);
    (
        any(|r| !r.trace.val_loss.is_empty()),
        any(|r| !r.trace.batch_loss.is_empty()),
    )
}

/// Every run's rows, run by run, point by point (everything computed, whatever the timeline
/// shows).
pub fn rows(session: &Session) -> Vec<Row<'_>> {
    let (val, batch) = optional(session);
    let mut out = Vec::new();
    for (i, r) in session.runs.iter().enumerate() {
        let t = &r.trace;
        for (k, p) in t.path.iter().enumerate() {
            let e = r
                .evals_at
                .get(k)
                .or(r.evals_at.last())
                .copied()
                .unwrap_or_default();
            out.push(Row {
                run: i,
                label: &t.label,
                step: k,
                x: p.x,
                y: p.y,
                loss: t.loss.get(k).copied().unwrap_or(f64::NAN),
                lr: t.lr.get(k).copied(),
                grad_norm: t.grad_norm.get(k).copied(),
                evals_value: e.value,
                evals_grad: e.grad,
                evals_hessian: e.hessian,
                val_loss: val.then(|| t.val_loss.get(k).copied()),
                batch_loss: batch.then(|| t.batch_loss.get(k).copied()),
            });
        }
    }
    out
}

/// The rows as a JSON array of objects (what `JSON.parse` reads back to the same numbers).
pub fn json(session: &Session) -> Result<String, String> {
    serde_json::to_string(&rows(session)).map_err(|e| e.to_string())
}

/// A CSV record being written by csv-core, which quotes a field where RFC 4180 asks.
struct Csv {
    core: csv_core::Writer,
    out: Vec<u8>,
    buf: Vec<u8>,
    first: bool,
}

impl Csv {
    fn field(&mut self, s: &str) {
        let mut sep = [0u8; 2];
        if !self.first {
            // A closing quote and the comma: at most 2 bytes.
            let (_, n) = self.core.delimiter(&mut sep);
            self.out.extend_from_slice(&sep[..n]);
        }
        self.first = false;
        // At most 2 + 2·len bytes (every byte a doubled quote), so one call writes it all.
        self.buf.resize(2 + 2 * s.len(), 0);
        let (_, _, n) = self.core.field(s.as_bytes(), &mut self.buf);
        self.out.extend_from_slice(&self.buf[..n]);
    }

    /// A finite number as JSON prints it (the shortest form that reads back to the same
    /// `f64`), else an empty cell.
    fn num(&mut self, v: Option<f64>) {
        match v {
            Some(v) if v.is_finite() => self.field(zmij::Buffer::new().format_finite(v)),
            _ => self.field(""),
        }
    }

    fn int(&mut self, n: u64) {
        self.field(itoa::Buffer::new().format(n));
    }

    fn end(&mut self) {
        let mut term = [0u8; 3];
        let (_, n) = self.core.terminator(&mut term);
        self.out.extend_from_slice(&term[..n]);
        self.first = true;
    }
}

/// A label as a cell: one a spreadsheet would take for a formula (starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return) is prefixed with `'`, so that opening the file runs nothing.
fn text_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The rows as CSV, UTF-8 (a header row first, lines ending in `\n`, fields quoted where
/// RFC 4180 asks).
pub fn csv(session: &Session) -> Vec<u8> {
    let mut w = Csv {
        core: csv_core::Writer::new(),
        out: Vec::new(),
        buf: Vec::new(),
        first: true,
    };
    for c in columns(session) {
        w.field(c);
    }
    w.end();
    for r in rows(session) {
        w.int(r.run as u64);
        w.field(&text_cell(r.label));
        w.int(r.step as u64);
        for v in [Some(r.x), Some(r.y), Some(r.loss), r.lr, r.grad_norm] {
            w.num(v);
        }
        for n in [r.evals_value, r.evals_grad, r.evals_hessian] {
            w.int(n);
        }
        for v in [r.val_loss, r.batch_loss].into_iter().flatten() {
            w.num(v);
        }
        w.end();
    }
    w.out
}
