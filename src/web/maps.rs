//! The page's hyperparameter and basin maps: [`MapJob`] computes a map by rows in a Web Worker
//! (it touches no `window`), and [`MapView`] draws it on a canvas in the page and answers the
//! pointer (hover read-out, the values under a click).

use super::{ctx2d, js_err, new_canvas};
use crate::maps::{draw, Map, MapKind, MapSpec, Metric};
use crate::render::fmt_num;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::prelude::*;
use wasm_bindgen::Clamped;
use web_sys::{HtmlCanvasElement, ImageData};

/// The two hyperparameters a map of optimizer `name` is over by default, `"a,b"`
/// ([`crate::maps::default_params`]), or empty (an unknown optimizer, or one with a single
/// hyperparameter).
#[wasm_bindgen]
pub fn map_default_params(name: &str) -> String {
    crate::optim::OptKind::from_name(name)
        .and_then(crate::maps::default_params)
        .map_or_else(String::new, |(a, b)| format!("{},{}", a.name(), b.name()))
}

/// What map [`MapJob::new`] computes.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    kind: String,
    #[serde(default)]
    run: usize,
    #[serde(default)]
    params: Option<String>,
    #[serde(default)]
    view: Option<[f64; 4]>,
    width: usize,
    height: usize,
    #[serde(default)]
    tol: Option<f64>,
}

/// A map being computed, a few rows at a time (so a worker can take new work between them).
#[wasm_bindgen]
pub struct MapJob {
    spec: MapSpec,
    outcomes: Vec<crate::bulk::Outcome>,
    row: usize,
    map: Option<Map>,
}

#[wasm_bindgen]
impl MapJob {
    /// A map of the scenario from `request_json`: `{"kind": "hyper" | "basin", "run": i,
    /// "params": "a,b" (hyper; absent: the optimizer's default pair), "view": [x_min, x_max,
    /// y_min, y_max] (basin; absent: the surface's), "width": w, "height": h, "tol": t
    /// (absent: none)}`.
    #[wasm_bindgen(constructor)]
    pub fn new(scenario_json: &str, request_json: &str) -> Result<MapJob, JsValue> {
        let sc = crate::scenario::Scenario::from_json(scenario_json).map_err(js_err)?;
        let r: Request =
            serde_json::from_str(request_json).map_err(|e| js_err(format!("map request: {e}")))?;
        let spec = match MapKind::from_name(&r.kind) {
            Some(MapKind::Hyper) => {
                let params = r.params.as_deref().and_then(|p| p.split_once(','));
                MapSpec::hyper(sc, r.run, params, r.width, r.height, r.tol)
            }
            Some(MapKind::Basin) => MapSpec::basin(sc, r.run, r.view, r.width, r.height, r.tol),
            None => Err(format!("kind: hyper or basin (got '{}')", r.kind)),
        }
        .map_err(js_err)?;
        Ok(MapJob {
            spec,
            outcomes: Vec::new(),
            row: 0,
            map: None,
        })
    }

    /// Computes up to `n` more rows; true when the map is complete.
    pub fn step_rows(&mut self, n: usize) -> bool {
        if self.map.is_some() {
            return true;
        }
        let end = (self.row + n.max(1)).min(self.spec.height);
        let mut more = self.spec.compute_rows(self.row..end);
        self.outcomes.append(&mut more);
        self.row = end;
        if self.row >= self.spec.height {
            let all = std::mem::take(&mut self.outcomes);
            self.map = Some(self.spec.finish(all));
            return true;
        }
        false
    }

    /// Rows done so far.
    pub fn rows_done(&self) -> usize {
        self.row
    }

    /// The finished map without its pixels, as JSON ([`Map::meta`]).
    pub fn meta_json(&self) -> Result<String, JsValue> {
        let map = self
            .map
            .as_ref()
            .ok_or_else(|| js_err("the map is not finished"))?;
        serde_json::to_string(&map.meta()).map_err(js_err)
    }

    /// The finished map's pixels ([`Map::pack`]).
    pub fn packed(&self) -> Vec<f64> {
        self.map.as_ref().map_or_else(Vec::new, Map::pack)
    }
}

/// A finished map on a canvas of the page.
#[wasm_bindgen]
pub struct MapView {
    map: Map,
    /// The plot rectangle of the last drawing, in canvas pixels.
    plot: crate::render::view::Rect,
}

#[wasm_bindgen]
impl MapView {
    /// The map from [`MapJob::meta_json`] and [`MapJob::packed`].
    #[wasm_bindgen(constructor)]
    pub fn new(meta_json: &str, packed: &[f64]) -> Result<MapView, JsValue> {
        let meta: Map = serde_json::from_str(meta_json).map_err(js_err)?;
        let map = Map::unpack(meta, packed).map_err(js_err)?;
        Ok(MapView {
            map,
            plot: crate::render::view::Rect {
                x: 0.0,
                y: 0.0,
                w: 1.0,
                h: 1.0,
            },
        })
    }

    pub fn width(&self) -> usize {
        self.map.width
    }

    pub fn height(&self) -> usize {
        self.map.height
    }

    /// The map's pixels as RGBA (row-major, row 0 at the top) coloured by `metric`: for a
    /// layer of its own (the basins over the contour map).
    pub fn rgba(&self, metric: &str) -> Result<Vec<u8>, JsValue> {
        let metric = Metric::from_name(metric)
            .ok_or_else(|| js_err(format!("metric: loss, steps or evals (got '{metric}')")))?;
        Ok(draw::rgba(&self.map, metric))
    }

    /// The axes' ranges: `[x_min, x_max, y_min, y_max]`.
    pub fn axes(&self) -> Vec<f64> {
        vec![
            self.map.x.min,
            self.map.x.max,
            self.map.y.min,
            self.map.y.max,
        ]
    }

    /// Moves the mark of the run's own values (or start) to `(a, b)`.
    pub fn set_current(&mut self, a: f64, b: f64) {
        self.map.current = [a, b];
    }

    /// The whole map as JSON (the command line's `map` output).
    pub fn json(&self) -> Result<String, JsValue> {
        serde_json::to_string(&self.map).map_err(js_err)
    }

    /// Draws the map on `canvas` (its size in device pixels, `scale` device pixels per CSS
    /// pixel) coloured by `metric` ("loss", "steps", "evals"); the pixels go in with one
    /// `putImageData` and are scaled into the plot without smoothing.
    pub fn draw(
        &mut self,
        canvas: HtmlCanvasElement,
        metric: &str,
        scale: f64,
    ) -> Result<(), JsValue> {
        let metric = Metric::from_name(metric)
            .ok_or_else(|| js_err(format!("metric: loss, steps or evals (got '{metric}')")))?;
        let look = draw::Look::new(scale, metric);
        let ctx = ctx2d(&canvas)?;
        let (w, h) = (self.map.width as u32, self.map.height as u32);
        let img = ImageData::new_with_u8_clamped_array_and_sh(
            Clamped(&draw::rgba(&self.map, metric)),
            w,
            h,
        )?;
        let off = new_canvas(w, h)?;
        ctx2d(&off)?.put_image_data(&img, 0.0, 0.0)?;
        let root = CanvasBackend::with_canvas_object(canvas)
            .ok_or_else(|| js_err("no canvas"))?
            .into_drawing_area();
        let mut plot = self.plot;
        draw::draw(&root, &self.map, &look, &mut |r| {
            plot = r;
            ctx.set_image_smoothing_enabled(false);
            ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&off, r.x, r.y, r.w, r.h)
                .map_err(|_| "cannot draw the map's pixels".to_string())
        })
        .map_err(js_err)?;
        root.present().map_err(js_err)?;
        self.plot = plot;
        Ok(())
    }

    /// The pixel under canvas point (`px`, `py`) as `[col, row]`, or nothing outside.
    fn pixel(&self, px: f64, py: f64) -> Option<(usize, usize)> {
        let p = self.plot;
        let (tx, ty) = ((px - p.x) / p.w, (py - p.y) / p.h);
        if !((0.0..1.0).contains(&tx) && (0.0..1.0).contains(&ty)) {
            return None;
        }
        let col = ((tx * self.map.width as f64) as usize).min(self.map.width - 1);
        let row = ((ty * self.map.height as f64) as usize).min(self.map.height - 1);
        Some((col, row))
    }

    /// The two axes' values at the centre of the pixel under canvas point (`px`, `py`):
    /// `[a, b]`, or empty outside the map.
    pub fn value_at(&self, px: f64, py: f64) -> Vec<f64> {
        self.pixel(px, py)
            .map(|(c, r)| {
                let (a, b) = self.map.coords(c, r);
                vec![a, b]
            })
            .unwrap_or_default()
    }

    /// What the pixel under canvas point (`px`, `py`) shows, in words (empty outside).
    pub fn readout(&self, px: f64, py: f64) -> String {
        let Some((c, r)) = self.pixel(px, py) else {
            return String::new();
        };
        let m = &self.map;
        let i = r * m.width + c;
        let (a, b) = m.coords(c, r);
        let mut s = format!(
            "{} = {} · {} = {}",
            m.x.label,
            fmt_num(a),
            m.y.label,
            fmt_num(b)
        );
        if m.diverged[i] {
            s += &format!(" · diverged at step {}", m.iterations[i]);
        } else {
            s += &format!(" · L = {}", fmt_num(m.loss[i]));
            if m.kind == MapKind::Basin {
                s += &format!(
                    " · ends at ({}, {})",
                    fmt_num(m.end[i][0]),
                    fmt_num(m.end[i][1])
                );
            }
        }
        if let (Some(t), false) = (m.tol, m.diverged[i]) {
            s += &match (m.steps_to_tol[i], m.evals_to_tol[i]) {
                (Some(k), Some(e)) => format!(" · L ≤ {} at step {k} ({e} grad evals)", fmt_num(t)),
                _ => format!(" · never L ≤ {}", fmt_num(t)),
            };
        }
        if let Some(b) = &m.basins {
            s += &match b.labels[i] {
                crate::maps::DIVERGED => String::new(),
                crate::maps::UNSETTLED => " · did not settle".to_string(),
                l => match b.minima.get(l as usize) {
                    Some(m) => format!(
                        " · basin of ({}, {})",
                        fmt_num(m.point[0]),
                        fmt_num(m.point[1])
                    ),
                    None => String::new(),
                },
            };
        }
        s
    }
}
