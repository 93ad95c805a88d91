//! "Learn to optimize": a meta-training ([`crate::meta`]) for the page's Web Worker
//! (`www/learn-worker.js`), stepped an iteration at a time, with what the view draws: the
//! meta-loss curve, the held-out surfaces as colour maps and contours (the engine's [`Field`]),
//! and the current network's trajectories on them. Touches no `window` (a worker has none).

use super::js_err;
use crate::meta::{self, MetaConfig, MetaTrainer, Task, TaskKind};
use crate::optim::learned::N_WEIGHTS;
use crate::render::Field;
use crate::vec2::Vec2;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The seed of the surfaces the view shows (not a training seed of the page).
const SHOW_SEED: u64 = 424_242;

/// A surface as the view's menu and map need it.
#[derive(Serialize)]
struct Shown<'a> {
    kind: TaskKind,
    expr: &'a str,
    view: [f64; 4],
    start: [f64; 2],
}

/// A meta-training the page watches.
#[wasm_bindgen]
pub struct MetaTrain {
    tr: MetaTrainer,
    initial: [f64; N_WEIGHTS],
    /// Held-out functions to draw on, one of each kind.
    shown: Vec<Task>,
}

/// `[x_min, x_max, y_min, y_max]` around a task's start, centre and everything between.
fn view_of(t: &Task) -> [f64; 4] {
    let mid = 0.5 * (t.start + t.centre);
    let half = (t.start - t.centre)
        .x
        .abs()
        .max((t.start - t.centre).y.abs())
        * 0.5
        + 1.5;
    [mid.x - half, mid.x + half, mid.y - half, mid.y + half]
}

fn flat(path: &[Vec2]) -> Vec<f64> {
    path.iter().flat_map(|p| [p.x, p.y]).collect()
}

#[wasm_bindgen]
impl MetaTrain {
    /// A fresh network and meta-training with the default settings but `seed` and
    /// `iterations`; a message naming the field for bad values.
    #[wasm_bindgen(constructor)]
    pub fn new(seed: f64, iterations: f64) -> Result<MetaTrain, JsValue> {
        if !(seed.is_finite() && seed >= 0.0 && seed.fract() == 0.0 && seed <= 9.007e15) {
            return Err(js_err(format!(
                "seed: must be a whole number ≥ 0 (got {seed})"
            )));
        }
        if !(iterations.is_finite() && iterations.fract() == 0.0 && iterations >= 1.0) {
            return Err(js_err(format!(
                "iterations: must be an integer from 1 to 100000 (got {iterations})"
            )));
        }
        let cfg = MetaConfig {
            seed: seed as u64,
            iterations: iterations.min(f64::from(u32::MAX)) as u32,
            ..MetaConfig::default()
        };
        let tr = MetaTrainer::new(cfg).map_err(js_err)?;
        let mut shown = Vec::new();
        for t in Task::family(SHOW_SEED, meta::STREAM_HELD_OUT, 32) {
            if !shown.iter().any(|s: &Task| s.kind == t.kind) {
                shown.push(t);
            }
        }
        Ok(MetaTrain {
            initial: tr.weights,
            tr,
            shown,
        })
    }

    /// Runs up to `n` iterations; the iterations done so far.
    pub fn step(&mut self, n: u32) -> u32 {
        for _ in 0..n {
            if self.tr.done() {
                break;
            }
            self.tr.step();
        }
        self.tr.iteration
    }

    pub fn iteration(&self) -> u32 {
        self.tr.iteration
    }

    pub fn iterations(&self) -> u32 {
        self.tr.cfg.iterations
    }

    pub fn done(&self) -> bool {
        self.tr.done()
    }

    /// The unroll length T of training, and of the trajectories shown.
    pub fn horizon(&self) -> u32 {
        self.tr.cfg.horizon
    }

    /// The meta-loss on the held-out functions: before training, then after each iteration.
    pub fn curve(&self) -> Vec<f64> {
        self.tr.curve.clone()
    }

    /// The current weights.
    pub fn weights(&self) -> Vec<f64> {
        self.tr.weights.to_vec()
    }

    /// The surfaces to draw on: `[{kind, expr, view, start}]` as JSON.
    pub fn surfaces_json(&self) -> String {
        let shown: Vec<Shown> = self
            .shown
            .iter()
            .map(|t| Shown {
                kind: t.kind,
                expr: &t.expr,
                view: view_of(t),
                start: [t.start.x, t.start.y],
            })
            .collect();
        serde_json::to_string(&shown).unwrap_or_default()
    }

    fn task(&self, i: usize) -> Result<&Task, JsValue> {
        self.shown
            .get(i)
            .ok_or_else(|| js_err(format!("surface: no surface {i}")))
    }

    /// Surface `i` as RGBA pixels, `nx` × `ny`, row 0 at the top (the page's colour map).
    pub fn field_rgba(&self, i: usize, nx: usize, ny: usize) -> Result<Vec<u8>, JsValue> {
        let t = self.task(i)?;
        Ok(Field::sample(&t.surface, view_of(t), nx.clamp(2, 512), ny.clamp(2, 512)).rgba())
    }

    /// Contour lines of surface `i` in data coordinates, about `levels` of them: every
    /// line's points as `x, y, x, y, …`, the lines separated by a NaN.
    pub fn contours(
        &self,
        i: usize,
        nx: usize,
        ny: usize,
        levels: usize,
    ) -> Result<Vec<f64>, JsValue> {
        let t = self.task(i)?;
        let f = Field::sample(&t.surface, view_of(t), nx.clamp(2, 512), ny.clamp(2, 512));
        let mut out = Vec::new();
        for line in f.contours(&f.levels(levels.min(40))).into_iter().flatten() {
            out.extend(line.into_iter().flat_map(|(x, y)| [x, y]));
            out.push(f64::NAN);
        }
        Ok(out)
    }

    /// The current network's path on surface `i` over the horizon, `[x0, y0, x1, y1, …]`.
    pub fn path(&self, i: usize) -> Result<Vec<f64>, JsValue> {
        let t = self.task(i)?;
        let u = meta::unroll_learned(t, self.tr.cfg.horizon as usize, &self.tr.weights, 1.0);
        Ok(flat(&u.path))
    }

    /// The untrained network's path on surface `i`, for comparison.
    pub fn initial_path(&self, i: usize) -> Result<Vec<f64>, JsValue> {
        let t = self.task(i)?;
        let u = meta::unroll_learned(t, self.tr.cfg.horizon as usize, &self.initial, 1.0);
        Ok(flat(&u.path))
    }
}
