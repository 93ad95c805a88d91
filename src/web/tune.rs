//! The page's learning-rate fan and fair tuning: thin doors to [`crate::tune`]. The page gives
//! the scenario as JSON text and gets JSON text back; a tuning runs a few candidates per call
//! ([`TuneJob::step`]) in a worker (`www/tune-worker.js`), and its table is applied to the
//! page's scenario with [`with_tuned_table_json`].

use super::{js_err, json};
use crate::scenario::{RunSpec, Scenario};
use crate::tune::{self, TuneOptions, Tuner};
use crate::vec2::Vec2;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// What the page needs of a fan.
#[derive(Serialize)]
struct FanOut<'a> {
    /// The scenario with the fan (any earlier fan replaced), as JSON text.
    scenario: String,
    /// The index of the fan's first run in it.
    first: usize,
    rates: &'a [f64],
    /// The rates as the page shows them.
    labels: Vec<String>,
    best: Option<usize>,
    diverged: Vec<bool>,
    /// Where each fan run ends.
    ends: Vec<Vec2>,
}

/// Adds a fan of `n` copies of run `run` over log-spaced learning rates to the scenario (JSON
/// text); `color` is the run's colour as drawn. Returns the new scenario and the fan's rates,
/// best pick and ends, as JSON text.
#[wasm_bindgen]
pub fn fan_json(scenario: &str, run: usize, n: usize, color: &str) -> Result<String, JsValue> {
    let sc = Scenario::from_json(scenario).map_err(js_err)?;
    let f = tune::fan(&sc, run, n, color).map_err(js_err)?;
    let with = tune::with_fan(&sc, &f);
    Ok(json(&FanOut {
        scenario: with.to_json(),
        first: with.runs.len() - f.runs.len(),
        rates: &f.rates,
        labels: f.rates.iter().map(|&r| crate::render::fmt_num(r)).collect(),
        best: f.best,
        diverged: f.outcomes.iter().map(|o| o.diverged_at.is_some()).collect(),
        ends: f.outcomes.iter().map(|o| o.end).collect(),
    }))
}

/// The scenario (JSON text) without its fan runs, as JSON text.
#[wasm_bindgen]
pub fn unfan_json(scenario: &str) -> Result<String, JsValue> {
    let sc = Scenario::from_json(scenario).map_err(js_err)?;
    Ok(tune::without_fan(&sc).to_json())
}

/// The scenario (JSON text) with its fan's marks set afresh ([`tune::mark_fan`]): JSON text
/// `{scenario, best, end}` (`best`: the best fan run's index, or null; `end`: where it ends).
#[wasm_bindgen]
pub fn mark_fan_json(scenario: &str) -> Result<String, JsValue> {
    #[derive(Serialize)]
    struct Out {
        scenario: String,
        best: Option<usize>,
        end: Option<Vec2>,
    }
    let sc = Scenario::from_json(scenario).map_err(js_err)?;
    let (marked, best) = tune::mark_fan(&sc).map_err(js_err)?;
    Ok(json(&Out {
        scenario: marked.to_json(),
        best: best.map(|b| b.0),
        end: best.map(|b| b.1),
    }))
}

/// A fair tuning in progress.
/// The scenario (JSON text) with the tuned runs of a finished tuning added (earlier tuned
/// runs replaced): `table_json` is [`TuneJob::table_json`]'s text, made in a worker, and the
/// scenario the page's current one.
#[wasm_bindgen]
pub fn with_tuned_table_json(scenario: &str, table_json: &str) -> Result<String, JsValue> {
    let sc = Scenario::from_json(scenario).map_err(js_err)?;
    let v: serde_json::Value = serde_json::from_str(table_json).map_err(js_err)?;
    let rows = v["table"]["rows"]
        .as_array()
        .ok_or_else(|| js_err("table: no rows"))?;
    let tuned = rows
        .iter()
        .filter(|r| !r["tuned"].is_null())
        // From `&Value`, as a scenario's runs are read (no second reader in the wasm).
        .map(|r| RunSpec::deserialize(&r["tuned"]))
        .collect::<Result<Vec<_>, _>>()
        .map_err(js_err)?;
    // Checked as any scenario's runs are where the page reads the result (`App::edit_json`).
    Ok(tune::with_tuned_runs(&sc, tuned).map_err(js_err)?.to_json())
}

#[wasm_bindgen]
pub struct TuneJob {
    t: Tuner,
}

#[wasm_bindgen]
impl TuneJob {
    /// Plans a tuning of the scenario (JSON text): the runs to tune (empty: all), runs per
    /// optimizer, gradient evaluations per run (none: the scenario's), one more hyper-parameter
    /// (none: the rate alone). Messages name the option.
    #[wasm_bindgen(constructor)]
    pub fn new(
        scenario: &str,
        runs: Vec<u32>,
        budget: f64,
        evals: Option<f64>,
        also: Option<String>,
    ) -> Result<TuneJob, JsValue> {
        let sc = Scenario::from_json(scenario).map_err(js_err)?;
        let whole = |name: &str, v: f64, max: f64| {
            if v.is_finite() && v.fract() == 0.0 && (0.0..=max).contains(&v) {
                Ok(v)
            } else {
                Err(js_err(format!("{name}: must be a whole number (got {v})")))
            }
        };
        let budget = whole("budget", budget, 1e6)? as usize;
        let evals = match evals {
            Some(e) => Some(whole("evals", e, 1e9)? as u64),
            None => None,
        };
        let o = TuneOptions {
            runs: runs.into_iter().map(|i| i as usize).collect(),
            budget,
            evals,
            also: also.filter(|a| !a.is_empty()),
        };
        Ok(TuneJob {
            t: Tuner::new(&sc, &o).map_err(js_err)?,
        })
    }

    /// Runs up to `n` more candidates; whether all have run.
    pub fn step(&mut self, n: usize) -> bool {
        self.t.step(n)
    }

    pub fn done(&self) -> bool {
        self.t.done()
    }

    /// Candidates run so far.
    pub fn done_count(&self) -> usize {
        self.t.done_count()
    }

    /// Candidates in all.
    pub fn total(&self) -> usize {
        self.t.total()
    }

    /// The table as JSON text: `{table, cells}` (`cells`: the header and one row per optimizer,
    /// as text).
    pub fn table_json(&self) -> String {
        #[derive(Serialize)]
        struct Out {
            table: tune::Table,
            cells: Vec<Vec<String>>,
        }
        let table = self.t.table();
        json(&Out {
            cells: tune::table_cells(&table),
            table,
        })
    }
}
