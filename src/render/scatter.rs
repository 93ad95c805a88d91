//! The data set of a data surface as a scatter plot, with one run's model at the step shown:
//! the fitted line (linear regression) or the decision boundary (logistic regression), in the
//! data's own units.

use super::chart::{ChartStyle, Look, Series};
use super::view::clip_line;
use crate::surface::data::BN_EPS;
use crate::surface::{DataKind, Dataset, Features};
use crate::vec2::Vec2;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The run whose model is drawn.
#[derive(Clone, Debug)]
pub struct Model<'a> {
    pub label: &'a str,
    pub color: RGBColor,
    /// The step shown and the parameters there.
    pub step: u64,
    pub theta: Vec2,
}

/// The model's line in the plot's data units, clipped to `bounds` (`[x0, x1, y0, y1]`).
pub fn model_line(d: &Dataset, theta: Vec2, bounds: [f64; 4]) -> Option<[(f64, f64); 2]> {
    let scale = |c: usize| match d.spec.features {
        Features::Raw => (0.0, 1.0),
        Features::Standardized => (d.mean[c], if d.std[c] > 0.0 { d.std[c] } else { 1.0 }),
        Features::Batchnorm => (d.mean[c], (d.std[c] * d.std[c] + BN_EPS).sqrt()),
    };
    match d.spec.kind {
        DataKind::Linear => {
            // ŷ = w (x − μ)/s + b: through (μ, b) with slope w/s.
            let (mu, sd) = scale(0);
            clip_line((mu, theta.y), (1.0, theta.x / sd), bounds)
        }
        DataKind::Logistic => {
            // w₁ (x₁ − μ₁)/s₁ + w₂ (x₂ − μ₂)/s₂ = 0: through (μ₁, μ₂), normal (w₁/s₁, w₂/s₂).
            let ((m1, s1), (m2, s2)) = (scale(0), scale(1));
            let (a, b) = (theta.x / s1, theta.y / s2);
            clip_line((m1, m2), (-b, a), bounds)
        }
    }
}

/// The box the scatter plot shows: the data's extent with 8% to spare on each side.
pub fn bounds(d: &Dataset) -> [f64; 4] {
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for p in &d.raw {
        x0 = x0.min(p[0]);
        x1 = x1.max(p[0]);
        y0 = y0.min(p[1]);
        y1 = y1.max(p[1]);
    }
    if !(x0.is_finite() && y0.is_finite()) {
        return [0.0, 1.0, 0.0, 1.0];
    }
    let (px, py) = (0.08 * (x1 - x0).max(1e-9), 0.08 * (y1 - y0).max(1e-9));
    [x0 - px, x1 + px, y0 - py, y1 + py]
}

/// Draws the data (blue points; orange for the negative class; held-out points as rings) and the
/// model's line, as a chart
/// (the same drawing as the loss and learning-rate charts).
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Dataset,
    model: Option<&Model>,
    scale: f64,
    background: Option<RGBColor>,
) -> Result<(), String> {
    let b = bounds(d);
    let title = match model {
        Some(m) => format!("Model of {} · step {}", m.label, m.step),
        None => "Data".to_string(),
    };
    let (xd, yd) = match d.spec.kind {
        DataKind::Linear => ("x", "y"),
        DataKind::Logistic => ("x₁", "x₂"),
    };
    // The points of one class, training or held out.
    let class = |neg: bool, held: bool| {
        let held_out = |i: usize| d.held_out.binary_search(&(i as u32)).is_ok();
        d.raw
            .iter()
            .zip(&d.target)
            .enumerate()
            .filter(|&(i, (_, &t))| {
                (d.spec.kind == DataKind::Logistic && t < 0.0) == neg && held_out(i) == held
            })
            .map(|(_, (p, _))| (p[0], p[1]))
            .collect()
    };
    let dots = |points, color, look| Series {
        color,
        points,
        marker: None,
        look,
        label: String::new(),
        diverged: None,
    };
    let (blue, orange) = (RGBColor(58, 134, 255), RGBColor(247, 127, 0));
    // Held-out points are rings: the model never sees them.
    let mut series = vec![
        dots(class(false, false), blue, Look::Dots),
        dots(class(true, false), orange, Look::Dots),
        dots(class(false, true), blue, Look::Rings),
        dots(class(true, true), orange, Look::Rings),
    ];
    if let Some((m, seg)) = model.and_then(|m| Some((m, model_line(d, m.theta, b)?))) {
        series.push(Series {
            color: m.color,
            points: seg.to_vec(),
            marker: None,
            look: Look::Bold,
            label: String::new(),
            diverged: None,
        });
    }
    let style = ChartStyle {
        title: &title,
        x_label: xd,
        y_label: Some(yd),
        range: Some(b),
        log_y: false,
        scale,
        cursor: None,
        background,
        legend: false,
        trim_x: false,
    };
    super::chart::draw(root, &series, &style)
}
