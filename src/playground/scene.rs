//! What the page shows, drawn on any plotters backend: the map, the loss and learning-rate
//! charts and the scatter plot of a data surface, built from the playground's state. The page
//! draws these panels through plotters-canvas, the command line's `render` through plotters'
//! SVG and bitmap backends: one drawing code, so a figure and the page cannot disagree.

use super::{Layers, Playground, XAxis};
use crate::render::chart::{self, ChartStyle, Look, Series};
use crate::render::map::{self, parse_hex, MapStyle, RunMark};
use crate::render::scatter::{self, Model};
use crate::render::view::Rect;
use crate::surface::Surface;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The panels of the page (and of a figure).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Map,
    Loss,
    Lr,
    Scatter,
}

impl Panel {
    pub const ALL: [Panel; 4] = [Panel::Map, Panel::Loss, Panel::Lr, Panel::Scatter];

    /// Its name on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Panel::Map => "map",
            Panel::Loss => "loss",
            Panel::Lr => "lr",
            Panel::Scatter => "scatter",
        }
    }

    /// Panels named in `spec`, comma-separated (`map`, `loss`, `lr`, `scatter`), or `all`
    /// (the scatter plot only with `data`): the command line's `--panels` and the page's SVG.
    pub fn list(spec: &str, data: bool) -> Result<Vec<Panel>, String> {
        if spec == "all" {
            return Ok(Panel::ALL
                .into_iter()
                .filter(|&p| p != Panel::Scatter || data)
                .collect());
        }
        spec.split(',')
            .map(|name| {
                let p = Panel::ALL
                    .into_iter()
                    .find(|p| p.name() == name.trim())
                    .ok_or_else(|| {
                        format!("unknown panel '{name}' (map, loss, lr, scatter or all)")
                    })?;
                if p == Panel::Scatter && !data {
                    return Err(
                        "'scatter' needs a data surface (the scenario has no 'data')".to_string(),
                    );
                }
                Ok(p)
            })
            .collect()
    }
}

type DrawResult = Result<(), String>;

impl Playground {
    /// The shown runs as the map draws them: each path up to the step shown.
    pub fn run_marks(&self) -> Vec<(usize, RunMark<'_>)> {
        let cur = self.cursor() as usize;
        self.session()
            .runs
            .iter()
            .enumerate()
            .filter(|&(i, _)| self.run_visible(i))
            .map(|(i, r)| {
                let t = &r.trace;
                let n = cur.min(t.path.len() - 1);
                (
                    i,
                    RunMark {
                        path: &t.path[..=n],
                        color: parse_hex(&self.run_color(i)),
                        label: &t.label,
                        diverged: t.diverged_at.is_some() && n + 1 == t.path.len(),
                    },
                )
            })
            .collect()
    }

    /// Gives the colour bar's labels the room they need as `root` measures them (the map is
    /// sampled on the way). On a new canvas and back at the surface's own view the room is the
    /// labels' own, so it may shrink; otherwise it only grows, so that a pan, a zoom or a new
    /// surface never makes the plot jump back and forth (nor samples a costly data surface
    /// twice to make it narrower). A new room moves the plot's right edge (the view asked for
    /// is fitted to it, the trajectories are drawn again) and the map is sampled again: at
    /// most a few times, as the room only grows after the first.
    fn fit_labels<DB: DrawingBackend>(&mut self, root: &DrawingArea<DB, Shift>, style: &MapStyle) {
        for _ in 0..4 {
            let fresh = std::mem::replace(&mut self.labels_fresh, false);
            let need = map::label_room(root, &self.map_base().field, style);
            let mut room = if fresh { need } else { need.max(self.labels) };
            if let Some(exact) = self.room_for_asked_aspect(need) {
                if self.labels == exact && need > exact {
                    // Sampled at that room the labels need more: the view cannot be exact here.
                    self.asked_aspect = None;
                } else {
                    room = exact;
                }
            }
            if room == self.labels {
                break;
            }
            self.labels = room;
            let (w, h) = self.canvas;
            self.viewport
                .set_plot(map::plot_rect_for(w, h, self.ink(), room));
            self.redraw = self.redraw.union(Layers::TRAILS.union(Layers::MARKS));
        }
    }

    /// The colour bar's room whose plot has the aspect of the view last asked for (see
    /// `asked_aspect`), if one from 16 CSS pixels below `need` to 64 above has. (The labels
    /// are measured on the colour map as sampled for the plot, whose size the room sets: a
    /// view from a page whose room was 4 px narrower can ask for less than is measured at
    /// first; sampled at that room the labels then fit, or the wish is dropped.)
    fn room_for_asked_aspect(&self, need: f64) -> Option<f64> {
        let aspect = self.asked_aspect?;
        let (w, h) = self.canvas;
        (-4..=16)
            .map(|j| need + f64::from(j) * map::LABEL_STEP)
            .filter(|&room| room >= 0.0)
            .find(|&room| {
                let r = map::plot_rect_for(w, h, self.ink(), room);
                // A link rounds the view to 7 digits; rooms 4 px apart differ by ≳ 0.2 %.
                ((r.w / r.h) / aspect - 1.0).abs() < 1e-5
            })
    }

    /// The map's base layer (colour map through `paint`, contours, minima, axes, colour bar).
    pub fn draw_map_base<DB: DrawingBackend>(
        &mut self,
        root: &DrawingArea<DB, Shift>,
        style: &MapStyle,
        paint: &mut dyn FnMut(&map::MapBase, Rect) -> DrawResult,
    ) -> DrawResult {
        self.fit_labels(root, style);
        let Some(base) = self.base.as_ref() else {
            return Ok(());
        };
        let s = &self.session().surface;
        let minima = s.minima();
        map::draw_base(
            root,
            self.viewport(),
            base,
            &minima,
            s.axis_names(),
            style,
            &mut |r| paint(base, r),
        )?;
        match s.validation_minimum() {
            Some(v) => map::draw_validation_min(root, self.viewport(), v, style),
            None => Ok(()),
        }
    }

    /// The whole map: base, every trajectory (points closer than `min_px` pixels merged; 0
    /// keeps every point), current points, the start and, if asked, a legend.
    pub fn draw_map<DB: DrawingBackend>(
        &mut self,
        root: &DrawingArea<DB, Shift>,
        style: &MapStyle,
        min_px: f64,
        legend: bool,
        paint: &mut dyn FnMut(&map::MapBase, Rect) -> DrawResult,
    ) -> DrawResult {
        self.draw_map_base(root, style, paint)?;
        let marks: Vec<RunMark> = self.run_marks().into_iter().map(|(_, m)| m).collect();
        let vp = self.viewport();
        map::draw_trails(root, vp, &marks, min_px, style)?;
        map::draw_marks(root, vp, &marks, self.session().start, style)?;
        if legend {
            map::draw_legend(root, vp, &marks, style)?;
        }
        Ok(())
    }

    /// The loss or learning-rate chart's curves and labels, decimated to about `2 × buckets`
    /// points per run.
    pub fn chart_series(&self, panel: Panel, buckets: usize) -> (Vec<Series>, &'static str) {
        let cur = self.cursor() as usize;
        let axis = self.chart_axis();
        let n_points = match &self.session().surface {
            Surface::Data(d) => d.train_len() as u64,
            _ => 1,
        };
        let mut faint = Vec::new();
        let mut main = Vec::new();
        for (i, r) in self.session().runs.iter().enumerate() {
            if !self.run_visible(i) {
                continue;
            }
            let t = &r.trace;
            let n = cur.min(t.path.len() - 1);
            let batch = r
                .spec
                .batch_size
                .or(self.session().batch_size)
                .map_or(n_points, u64::from)
                .clamp(1, n_points);
            let x = |j: usize| match axis {
                XAxis::Steps => j as f64,
                XAxis::GradEvals => r.evals_at[j].grad as f64,
                XAxis::Epochs => epochs(r.evals_at[j].grad, batch, n_points),
            };
            let color = parse_hex(&self.run_color(i));
            // Divergence is marked once it is reached on the timeline.
            let diverged = t.diverged_at.filter(|_| n + 1 == t.path.len());
            match panel {
                Panel::Lr => {
                    let m = n.min(t.lr.len());
                    main.push(Series {
                        color,
                        marker: m.checked_sub(1).map(|j| (x(j), t.lr[j])),
                        points: chart::minmax_decimate_by(m, buckets, |j| (x(j), t.lr[j])),
                        look: Look::Line,
                        label: t.label.clone(),
                        diverged,
                    });
                }
                _ => {
                    let mb = n.min(t.batch_loss.len());
                    if mb > 0 {
                        // The noisy mini-batch loss, faint, behind every full-batch curve.
                        faint.push(Series {
                            color,
                            marker: None,
                            points: chart::minmax_decimate_by(mb, buckets, |j| {
                                (x(j), t.batch_loss[j])
                            }),
                            look: Look::Faint,
                            label: String::new(),
                            diverged,
                        });
                    }
                    if !t.val_loss.is_empty() {
                        // The held-out loss, dashed, beside the training loss.
                        main.push(Series {
                            color,
                            marker: None,
                            points: chart::minmax_decimate_by(n + 1, buckets, |j| {
                                (x(j), t.val_loss[j])
                            }),
                            look: Look::Dashed,
                            label: String::new(),
                            diverged,
                        });
                    }
                    main.push(Series {
                        color,
                        marker: Some((x(n), t.loss[n])),
                        points: chart::minmax_decimate_by(n + 1, buckets, |j| (x(j), t.loss[j])),
                        look: Look::Line,
                        label: t.label.clone(),
                        diverged,
                    });
                }
            }
        }
        faint.append(&mut main);
        let title = match panel {
            Panel::Lr => "Learning rate",
            _ if self
                .session()
                .runs
                .iter()
                .any(|r| !r.trace.val_loss.is_empty()) =>
            {
                "Loss (training; dashed: held-out)"
            }
            _ if self.scenario().data.is_some() => "Loss (full batch; faint: mini-batch)",
            _ => "Loss L(θ)",
        };
        (faint, title)
    }

    /// The charts' x axis as drawn: epochs only on data surfaces (steps elsewhere).
    pub fn chart_axis(&self) -> XAxis {
        match self.x_axis() {
            XAxis::Epochs if !matches!(self.session().surface, Surface::Data(_)) => XAxis::Steps,
            a => a,
        }
    }

    /// The loss or learning-rate chart at `scale` device pixels per CSS pixel.
    pub fn draw_chart<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        panel: Panel,
        scale: f64,
        background: Option<RGBColor>,
    ) -> DrawResult {
        let width = f64::from(root.dim_in_pixel().0);
        let buckets = (width / scale).round().max(50.0) as usize;
        let (series, title) = self.chart_series(panel, buckets);
        let axis = self.chart_axis();
        let cursor = (self.scrubbed() && axis == XAxis::Steps).then(|| self.cursor() as f64);
        let style = ChartStyle {
            title,
            x_label: match axis {
                XAxis::Steps => "step",
                XAxis::GradEvals => "gradient evaluations",
                XAxis::Epochs => "epochs (points processed ÷ n)",
            },
            y_label: None,
            range: None,
            log_y: true,
            scale,
            cursor,
            background,
            legend: true,
            trim_x: axis != XAxis::Steps,
        };
        chart::draw(root, &series, &style)
    }

    /// The run whose model the scatter plot shows, at the step shown.
    pub fn scatter_model(&self) -> Option<Model<'_>> {
        let sel = self
            .selected()
            .min(self.session().runs.len().saturating_sub(1));
        let r = self.session().runs.get(sel)?;
        let k = (self.cursor() as usize).min(r.trace.path.len() - 1);
        Some(Model {
            label: &r.trace.label,
            color: parse_hex(&self.run_color(sel)),
            step: k as u64,
            theta: r.trace.path[k],
        })
    }

    /// The data set and the selected run's model; nothing on surfaces that are not data sets.
    pub fn draw_scatter<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        scale: f64,
        background: Option<RGBColor>,
    ) -> DrawResult {
        let Surface::Data(d) = &self.session().surface else {
            return Ok(());
        };
        scatter::draw(root, d, self.scatter_model().as_ref(), scale, background)
    }
}

/// Epochs after `grads` gradient evaluations on mini-batches of `batch` out of `n` points:
/// the points processed ÷ `n`. An epoch is `⌈n / batch⌉` batches, its last one what is left
/// (as the engine's sampler draws them), so `grads` batches process
/// `⌊grads / per⌋·n + min((grads mod per)·batch, n)` points.
pub fn epochs(grads: u64, batch: u64, n: u64) -> f64 {
    let (batch, n) = (batch.max(1), n.max(1));
    let per = n.div_ceil(batch);
    let points = (grads / per) as f64 * n as f64 + ((grads % per) * batch).min(n) as f64;
    points / n as f64
}
