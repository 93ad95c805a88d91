//! The loss and learning-rate charts teach divergence instead of hiding behind it: a diverged
//! run leaves the y-range to the others and is marked where it left; every axis shows at least
//! two labelled ticks; a legend names the runs; one run's line-search evaluations do not
//! squeeze the evaluation axis; data surfaces offer an epochs axis.
//!
//! Charts are drawn as SVG by the same code as the page and read back from the SVG's own text.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

use optimizer_playground::playground::figure::{self, Figure};
use optimizer_playground::playground::scene::{epochs, Panel};
use optimizer_playground::playground::{Playground, XAxis};
use optimizer_playground::render::chart::{trimmed_end, Look, Series};
use optimizer_playground::scenario::Scenario;
use plotters::style::RGBColor;
use roxmltree::Document;

mod common;
use common::svg::{number, text_of};

/// Rosenbrock's default scene with gradient descent at η = 0.01, which diverges within a few
/// steps, beside three healthy runs.
const DIVERGING: &str = r##"{"surface": {"name": "rosenbrock"}, "start": [-1.5, 2.0], "steps": 300,
  "runs": [{"optimizer": {"name": "gd", "lr": 0.01}, "color": "#e63946"},
           {"optimizer": {"name": "momentum", "lr": 0.001, "momentum": 0.9}, "color": "#f77f00"},
           {"optimizer": {"name": "adam", "lr": 0.05}, "color": "#00a6fb"},
           {"optimizer": {"name": "bfgs"}, "color": "#d63384"}]}"##;

fn playground(json: &str, k: u64) -> Playground {
    let mut pg = Playground::new(Scenario::from_json(json).unwrap()).unwrap();
    pg.step(k);
    pg
}

fn chart_svg(pg: &mut Playground, panel: Panel, width: u32, height: u32) -> String {
    let fig = Figure {
        width,
        height,
        panels: vec![panel],
        white: true,
        scale: 1.0,
        legend: true,
    };
    figure::svg(pg, &fig).unwrap()
}

/// Every `<text>`: (its text, its anchor, its fill).
fn texts(svg: &str) -> Vec<(String, String, String)> {
    let doc = Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            (
                text_of(n),
                n.attribute("text-anchor").unwrap_or("").to_string(),
                n.attribute("fill").unwrap_or("").to_uppercase(),
            )
        })
        .collect()
}

/// The y axis's labels (right-aligned numbers) and the x axis's (centred numbers).
fn tick_values(svg: &str) -> (Vec<f64>, Vec<f64>) {
    let t = texts(svg);
    let pick = |anchor: &str| {
        t.iter()
            .filter(|(_, a, _)| a == anchor)
            .filter_map(|(s, _, _)| number(s))
            .collect()
    };
    (pick("end"), pick("middle"))
}

#[test]
fn a_diverged_run_leaves_the_y_range_to_the_others_and_is_marked() {
    let mut pg = playground(DIVERGING, 300);
    let gd = &pg.session().runs[0].trace;
    let k = gd
        .diverged_at
        .expect("gradient descent at η = 0.01 diverges here");
    let worst = gd.loss.iter().copied().fold(0.0, f64::max);
    assert!(worst > 1e20, "the diverging run's loss reaches {worst}");
    let healthy_top = pg.session().runs[1..]
        .iter()
        .flat_map(|r| r.trace.loss.iter().copied())
        .fold(0.0, f64::max);
    for panel in [Panel::Loss, Panel::Lr] {
        let svg = chart_svg(&mut pg, panel, 600, 300);
        let (ys, _) = tick_values(&svg);
        assert!(ys.len() >= 2, "{panel:?}: y ticks {ys:?}");
        let marked = texts(&svg)
            .iter()
            .any(|(s, _, fill)| *s == format!("diverged at {k}") && fill == "#E63946");
        assert!(
            marked,
            "{panel:?}: no 'diverged at {k}' in the run's colour"
        );
        if panel == Panel::Loss {
            let top = ys.iter().copied().fold(0.0, f64::max);
            assert!(
                top <= 10.0 * healthy_top,
                "the y axis goes to {top}; the healthy runs reach {healthy_top}"
            );
        }
    }
    // The same run alone (every run diverged): the range is its own, up to its huge losses.
    let alone = DIVERGING.replace(
        r##",
           {"optimizer": {"name": "momentum", "lr": 0.001, "momentum": 0.9}, "color": "#f77f00"},
           {"optimizer": {"name": "adam", "lr": 0.05}, "color": "#00a6fb"},
           {"optimizer": {"name": "bfgs"}, "color": "#d63384"}"##,
        "",
    );
    let mut pg = playground(&alone, 300);
    assert_eq!(pg.session().runs.len(), 1);
    let (ys, _) = tick_values(&chart_svg(&mut pg, Panel::Loss, 600, 300));
    assert!(ys.iter().any(|&y| y > 1e15), "alone, its ticks are {ys:?}");
}

#[test]
fn the_divergence_mark_waits_for_the_timeline() {
    let mut pg = playground(DIVERGING, 300);
    let k = pg.session().runs[0].trace.diverged_at.unwrap();
    pg.set_cursor((k - 1) as f64);
    let svg = chart_svg(&mut pg, Panel::Loss, 600, 300);
    assert!(!texts(&svg)
        .iter()
        .any(|(s, _, _)| s.starts_with("diverged")));
    pg.set_cursor(300.0);
    let svg = chart_svg(&mut pg, Panel::Loss, 600, 300);
    assert!(texts(&svg)
        .iter()
        .any(|(s, _, _)| s.starts_with("diverged")));
}

#[test]
fn every_chart_shows_at_least_two_labelled_ticks_on_each_axis() {
    let surfaces = [
        "rastrigin",
        "ackley",
        "rosenbrock",
        "himmelblau",
        "beale",
        "booth",
    ];
    for name in surfaces {
        let json = format!(
            r#"{{"surface": {{"name": "{name}"}}, "start": [2.2, 1.7], "steps": 200,
              "runs": [{{"optimizer": {{"name": "adam", "lr": 0.05}}}},
                       {{"optimizer": {{"name": "gd", "lr": 0.002}}}},
                       {{"optimizer": {{"name": "bfgs"}}}},
                       {{"optimizer": {{"name": "sgd_hd", "lr": 0.001}}}}]}}"#
        );
        for k in [0, 1, 3, 40, 200] {
            for (w, h) in [(340, 170), (600, 300)] {
                for axis in [XAxis::Steps, XAxis::GradEvals] {
                    let mut pg = playground(&json, k);
                    pg.set_x_axis(axis);
                    for panel in [Panel::Loss, Panel::Lr] {
                        let (ys, xs) = tick_values(&chart_svg(&mut pg, panel, w, h));
                        let what = format!("{name} step {k} {w}×{h} {axis:?} {panel:?}");
                        assert!(ys.len() >= 2, "{what}: y ticks {ys:?}");
                        assert!(xs.len() >= 2, "{what}: x ticks {xs:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn the_legend_names_every_shown_run_in_its_colour() {
    let mut pg = playground(DIVERGING, 50);
    let svg = chart_svg(&mut pg, Panel::Loss, 600, 300);
    let doc = Document::parse(&svg).unwrap();
    let t = texts(&svg);
    for (i, r) in pg.session().runs.iter().enumerate() {
        assert!(
            t.iter().any(|(s, _, _)| *s == r.trace.label),
            "no legend entry {}",
            r.trace.label
        );
        // A short swatch line in the run's colour.
        let color = pg.run_color(i).to_uppercase();
        let swatch = doc.descendants().any(|n| {
            (n.has_tag_name("polyline") || n.has_tag_name("path") || n.has_tag_name("line"))
                && n.attribute("stroke")
                    .is_some_and(|s| s.to_uppercase() == color)
                && n.attribute("points")
                    .is_some_and(|p| p.split_whitespace().count() == 2)
        });
        assert!(swatch, "no swatch in {color}");
    }
}

fn line(points: Vec<(f64, f64)>) -> Series {
    Series::line(RGBColor(0, 0, 0), points)
}

#[test]
fn one_long_run_does_not_squeeze_the_evaluation_axis() {
    let all = |_: &Series| true;
    let ramp = |n: usize| line((0..=n).map(|i| (i as f64, 1.0)).collect());
    // Two runs of 100 evaluations and a line search of 3000: the axis ends at 300.
    let series = [ramp(100), ramp(100), ramp(3000)];
    assert_eq!(trimmed_end(&series, &all, 0.0, 3000.0), 300.0);
    // Comparable runs keep the whole range.
    let series = [ramp(100), ramp(150), ramp(250)];
    assert_eq!(trimmed_end(&series, &all, 0.0, 250.0), 250.0);
    // Faint series (mini-batch losses) do not count.
    let mut faint = ramp(5);
    faint.look = Look::Faint;
    let series = [faint, ramp(100)];
    assert_eq!(trimmed_end(&series, &all, 0.0, 100.0), 100.0);

    // In a chart: BFGS with a strong-Wolfe line search on Ackley takes many evaluations a step.
    let json = r#"{"surface": {"name": "ackley"}, "start": [2.2, 1.7], "steps": 200,
      "runs": [{"optimizer": {"name": "gd", "lr": 0.002}},
               {"optimizer": {"name": "adam", "lr": 0.05}},
               {"optimizer": {"name": "bfgs", "line_search": "wolfe"}}]}"#;
    let mut pg = playground(json, 200);
    let ends: Vec<u64> = pg
        .session()
        .runs
        .iter()
        .map(|r| r.trace.evals.grad)
        .collect();
    assert!(ends[2] > 5 * ends[0], "evaluations {ends:?}");
    pg.set_x_axis(XAxis::GradEvals);
    let svg = chart_svg(&mut pg, Panel::Loss, 600, 300);
    let (_, xs) = tick_values(&svg);
    let right = xs.iter().copied().fold(0.0, f64::max);
    assert!(
        right <= 3.0 * ends[0] as f64,
        "x ticks {xs:?} (runs end at {ends:?})"
    );
    let arrow = format!("→ {}", ends[2]);
    assert!(
        texts(&svg)
            .iter()
            .any(|(s, _, _)| s.replace(',', "") == arrow),
        "no '{arrow}' at the right edge"
    );
}

#[test]
fn epochs_count_the_points_processed() {
    // Batches of 10 out of 25: an epoch is 3 batches (10, 10, 5).
    assert_eq!(epochs(1, 10, 25), 0.4);
    assert_eq!(epochs(2, 10, 25), 0.8);
    assert_eq!(epochs(3, 10, 25), 1.0);
    assert_eq!(epochs(4, 10, 25), 1.4);
    assert_eq!(epochs(6, 10, 25), 2.0);
    // Full batch: one epoch per gradient; stochastic: one per n gradients.
    assert_eq!(epochs(7, 25, 25), 7.0);
    assert_eq!(epochs(50, 1, 25), 2.0);

    let json = r#"{"data": {"kind": "linear", "n": 40, "seed": 3, "noise": 0.5, "features": "standardized"},
      "start": [0, 0], "steps": 80,
      "runs": [{"optimizer": {"name": "gd", "lr": 0.01}},
               {"optimizer": {"name": "gd", "lr": 0.01}, "batch_size": 10},
               {"optimizer": {"name": "gd", "lr": 0.01}, "batch_size": 1}]}"#;
    let mut pg = playground(json, 80);
    assert!(pg
        .session()
        .runs
        .iter()
        .all(|r| r.trace.diverged_at.is_none()));
    pg.set_x_axis(XAxis::Epochs);
    assert_eq!(pg.chart_axis(), XAxis::Epochs);
    let (series, _) = pg.chart_series(Panel::Loss, 1000);
    let main: Vec<&Series> = series.iter().filter(|s| s.look == Look::Line).collect();
    let end = |s: &Series| s.points.last().unwrap().0;
    assert_eq!(end(main[0]), 80.0);
    assert_eq!(end(main[1]), 20.0);
    assert_eq!(end(main[2]), 2.0);
    let svg = chart_svg(&mut pg, Panel::Loss, 600, 300);
    assert!(texts(&svg).iter().any(|(s, _, _)| s.starts_with("epochs")));
    // Off data surfaces the epochs axis is the steps axis.
    let mut pg = playground(DIVERGING, 10);
    pg.set_x_axis(XAxis::Epochs);
    assert_eq!(pg.chart_axis(), XAxis::Steps);
}

/// Presentation mode draws with a larger scale: the runs' lines and the labels grow with it.
#[test]
fn emphasis_thickens_lines_and_enlarges_type() {
    let widths = |emphasis: f64| {
        let mut pg = playground(DIVERGING, 50);
        pg.set_emphasis(emphasis);
        let fig = Figure {
            width: 600,
            height: 300,
            panels: vec![Panel::Loss],
            white: true,
            scale: pg.ink(),
            legend: true,
        };
        let svg = figure::svg(&mut pg, &fig).unwrap();
        let doc = Document::parse(&svg).unwrap();
        let stroke = doc
            .descendants()
            .filter(|n| {
                n.attribute("stroke")
                    .is_some_and(|s| s.eq_ignore_ascii_case("#00A6FB"))
            })
            .filter_map(|n| n.attribute("stroke-width")?.parse::<f64>().ok())
            .fold(0.0, f64::max);
        let font = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.attribute("font-size")?.parse::<f64>().ok())
            .fold(0.0, f64::max);
        (stroke, font)
    };
    let (s1, f1) = widths(1.0);
    let (s2, f2) = widths(1.75);
    assert!(s1 > 0.0 && f1 > 0.0);
    // (Stroke widths are whole pixels.)
    assert!(s2 / s1 >= 1.3, "lines {s1} → {s2}");
    assert!((f2 / f1 - 1.75).abs() < 0.1, "type {f1} → {f2}");
}

/// Hypergradient SGD's learned rate can go negative: the rate chart is then linear, its ticks
/// span the negative values, and the curve is not clamped to a floor.
#[test]
fn a_negative_learning_rate_is_drawn_on_a_linear_axis() {
    let json = r#"{"surface": {"name": "rastrigin"}, "start": [2.2, 1.7], "steps": 100,
      "runs": [{"optimizer": {"name": "sgd_hd", "lr": 0.001, "hyper_lr": 3e-5}}]}"#;
    let mut pg = playground(json, 100);
    let t = &pg.session().runs[0].trace;
    let low = t.lr.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(low < -0.1 && t.diverged_at.is_none(), "lowest rate {low}");
    let (ys, _) = tick_values(&chart_svg(&mut pg, Panel::Lr, 600, 300));
    assert!(ys.len() >= 2, "{ys:?}");
    assert!(ys.iter().any(|&y| y < 0.0), "no negative tick: {ys:?}");
    assert!(ys.iter().any(|&y| y > 0.0), "no positive tick: {ys:?}");
    let lowest_tick = ys.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(
        lowest_tick >= low - 0.1,
        "ticks {ys:?} reach far below {low}"
    );
}
