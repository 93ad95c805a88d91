//! Maps for a Web Worker: a rectangle of rows of a hyperparameter or basin map, computed by the
//! bulk engine ([`crate::bulk::run_jobs`]) and handed back as one `Float64Array`.
//!
//! ```js
//! // In a worker: initSync / init the module, then for rows 0..16 of a 256×256 map:
//! const out = bulk_map(scenarioJson, 0,
//!   JSON.stringify({name: 'lr', lo: 1e-4, hi: 1, n: 256, log: true}),
//!   JSON.stringify({name: 'beta2', lo: 0.9, hi: 0.9999, n: 256}), 0, 16, 1e-3);
//! // out.length === 16 * 256 * 9; pixel (row j, column i) starts at ((j - 0) * 256 + i) * 9,
//! // its numbers named by JSON.parse(bulk_fields()).
//! ```

use super::js_err;
use crate::bulk::{grid_jobs, run_jobs, run_reference, Axis, Outcome};
use crate::scenario::Scenario;
use wasm_bindgen::prelude::*;

/// The names of the numbers of each pixel, in order, as a JSON array:
/// `["x","y","loss","iterations","grad_evals","diverged_at","stopped_at","reached_at","reached_evals"]`
/// (the end point, its loss, iterations, gradient evaluations; −1 for "none" in the last four).
#[wasm_bindgen]
pub fn bulk_fields() -> String {
    serde_json::to_string(&Outcome::FIELDS).unwrap_or_default()
}

/// Rows `row0 .. row1` of a map of scenario run `run` over two axes `x` and `y`, each JSON
/// `{"name": "lr" | "beta2" | … | "x" | "y", "lo": …, "hi": …, "n": …, "log": false}` (see
/// [`Axis`]): every pixel is the whole run with those two values, as `trace` of the scenario
/// with that one run gives it, bit for bit. `tol` is the loss the `reached_*` numbers refer to
/// (NaN: none). With `reference`, the same numbers through the single-run path (slower; for
/// checks and benchmarks). Returns `(row1 − row0) · x.n · 9` numbers, row after row,
/// `bulk_fields()` for each pixel. Errors name the field (`x.n: …`, `runs[0].optimizer.lr: …`).
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)] // one plain call from a worker, no options object to parse
pub fn bulk_map(
    scenario: &str,
    run: usize,
    x: &str,
    y: &str,
    row0: usize,
    row1: usize,
    tol: f64,
    reference: bool,
) -> Result<js_sys::Float64Array, JsValue> {
    map_with(scenario, run, x, y, row0..row1, tol, reference)
}

fn map_with(
    scenario: &str,
    run: usize,
    x: &str,
    y: &str,
    rows: core::ops::Range<usize>,
    tol: f64,
    reference: bool,
) -> Result<js_sys::Float64Array, JsValue> {
    let sc = Scenario::from_json(scenario).map_err(js_err)?;
    let axis = |which: &str, text: &str| {
        serde_json::from_str::<Axis>(text).map_err(|e| js_err(format!("{which}: {e}")))
    };
    let (x, y) = (axis("x", x)?, axis("y", y)?);
    let jobs = grid_jobs(&sc, run, &x, &y, rows).map_err(js_err)?;
    let surface = sc.build_surface().map_err(js_err)?;
    let tol = (!tol.is_nan()).then_some(tol);
    let out = if reference {
        run_reference(&sc, &surface, &jobs, tol)
    } else {
        run_jobs(&sc, &surface, &jobs, tol)
    };
    let flat: Vec<f64> = out.iter().flat_map(|o| o.to_array()).collect();
    Ok(js_sys::Float64Array::from(flat.as_slice()))
}
