//! `render`: figures from the command line are the page's panels, drawn by the same code.
//!
//! The pictures are read back independently of the library's viewport: the data → pixel map
//! of the map panel is fitted to the SVG's own tick labels, and every vertex of every run's
//! trajectory must sit on the run's path; PNGs are decoded and probed for the runs' colours.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

use optimizer_playground::playground::figure::{self, Figure};
use optimizer_playground::playground::scene::Panel;
use optimizer_playground::playground::Playground;
use optimizer_playground::render::map::MapStyle;
use optimizer_playground::render::null::NullBackend;
use optimizer_playground::scenario::Scenario;
use optimizer_playground::Vec2;
use plotters::prelude::IntoDrawingArea;
use roxmltree::{Document, Node};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashSet;
use std::ops::Range;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;
use common::svg::{attr, number, text_of};

const BIN: &str = env!("CARGO_BIN_EXE_optimizer-playground");

// ------------------------------------------------------------------ fixtures

/// Himmelblau from (0, −1): momentum and GD head right (momentum overshooting in a loop), Adam
/// up to another minimum; every path stays inside the view. A fourth run is hidden.
const HIMMELBLAU: &str = r##"{
  "surface": {"name": "himmelblau"},
  "start": [0.0, -1.0],
  "steps": 60,
  "runs": [
    {"optimizer": {"name": "momentum", "lr": 0.003, "momentum": 0.8}, "label": "Momentum",
     "color": "#9d4edd"},
    {"optimizer": {"name": "gd", "lr": 0.01}, "label": "GD", "color": "#e63946"},
    {"optimizer": {"name": "adam", "lr": 0.15}, "label": "Adam", "color": "#00a6fb"},
    {"optimizer": {"name": "nesterov", "lr": 0.005}, "label": "Hidden Nesterov",
     "color": "#2ec4b6", "enabled": false}
  ]
}"##;

/// The colours of `HIMMELBLAU`'s shown runs.
const HIMMELBLAU_SHOWN: [&str; 3] = ["#9d4edd", "#e63946", "#00a6fb"];

/// An elongated bowl with modest rates (the colours are the palette's defaults).
const QUADRATIC: &str = r##"{
  "surface": {"expr": "0.5*x^2 + 2*y^2"},
  "start": [-2.5, 1.5],
  "steps": 40,
  "runs": [
    {"optimizer": {"name": "gd", "lr": 0.1}},
    {"optimizer": {"name": "momentum", "lr": 0.05, "momentum": 0.7}, "label": "Momentum"},
    {"optimizer": {"name": "rmsprop", "lr": 0.05}, "label": "RMSprop"}
  ]
}"##;

const ROSENBROCK: &str = r##"{
  "surface": {"name": "rosenbrock", "params": {"a": 1, "b": 100}},
  "start": [-1.5, 2.0],
  "steps": 100,
  "runs": [
    {"optimizer": {"name": "adam", "lr": 0.05}, "label": "Adam at 0.05", "color": "#00a6fb"},
    {"optimizer": {"name": "gd", "lr": 0.001}, "label": "Plain GD", "color": "#e63946"}
  ]
}"##;

const LINEAR: &str = r##"{
  "data": {"kind": "linear", "n": 30, "noise": 0.4, "seed": 1},
  "start": [0.0, 0.0],
  "steps": 40,
  "runs": [
    {"optimizer": {"name": "adam", "lr": 0.1}, "label": "Adam on data", "color": "#00a6fb"},
    {"optimizer": {"name": "gd", "lr": 0.0001}, "label": "GD on data", "color": "#e63946"}
  ]
}"##;

/// `sqrt(x)` has no value left of 0: the first run steps there at iteration 3 and stops with
/// θ₀…θ₃ (all inside the view); the second creeps along for all its steps.
const DIVERGING: &str = r##"{
  "surface": {"expr": "sqrt(x) + y^2"},
  "start": [1.0, 0.5],
  "steps": 20,
  "runs": [
    {"optimizer": {"name": "gd", "lr": 0.5}, "label": "Too fast", "color": "#e63946"},
    {"optimizer": {"name": "gd", "lr": 0.01}, "label": "Slow", "color": "#3a86ff"}
  ]
}"##;

// ------------------------------------------------------------------ helpers: library

fn playground(json: &str, k: u64) -> Playground {
    let mut pg = Playground::new(Scenario::from_json(json).unwrap()).unwrap();
    pg.step(k);
    pg
}

fn map_figure(width: u32, height: u32, scale: f64, white: bool) -> Figure {
    Figure {
        width,
        height,
        panels: vec![Panel::Map],
        white,
        scale,
        legend: true,
    }
}

/// Each run as the map should show it: its colour (`#RRGGBB`) and, if shown, its path.
fn shown_runs(pg: &Playground) -> Vec<(String, Option<Vec<Vec2>>)> {
    let cur = pg.cursor() as usize;
    pg.session()
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let p = &r.trace.path;
            let path = pg
                .run_visible(i)
                .then(|| p[..=cur.min(p.len() - 1)].to_vec());
            (pg.run_color(i), path)
        })
        .collect()
}

/// How far (px) a drawn vertex may be from where the axes put its point: vertices are whole
/// pixels and the fit of the tick labels is good to about half a pixel. Anything really wrong
/// (a wrong point, scale, offset or order) is further off than this.
const TOL: f64 = 1.5;

// ------------------------------------------------------------------ helpers: SVG

fn texts(doc: &Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(text_of)
        .collect()
}

/// Parses the SVG and checks its root's size.
fn parse_sized(text: &str, width: u32, height: u32) -> Document<'_> {
    let doc = Document::parse(text).unwrap_or_else(|e| panic!("not well-formed: {e}"));
    let root = doc.root_element();
    assert!(
        root.has_tag_name("svg"),
        "root is <{}>",
        root.tag_name().name()
    );
    assert_eq!(attr(root, "width"), width.to_string());
    assert_eq!(attr(root, "height"), height.to_string());
    assert_eq!(
        doc.descendants().filter(|n| n.has_tag_name("svg")).count(),
        1
    );
    doc
}

/// Least squares `v ≈ a·u + b` over `(u, v)`; returns `(a, b, largest residual)`.
fn fit(pts: &[(f64, f64)]) -> (f64, f64, f64) {
    let n = pts.len() as f64;
    let (su, sv) = pts
        .iter()
        .fold((0.0, 0.0), |(a, b), &(u, v)| (a + u, b + v));
    let (mu, mv) = (su / n, sv / n);
    let suu: f64 = pts.iter().map(|&(u, _)| (u - mu) * (u - mu)).sum();
    let suv: f64 = pts.iter().map(|&(u, v)| (u - mu) * (v - mv)).sum();
    let a = suv / suu;
    let b = mv - a * mu;
    let worst = pts
        .iter()
        .map(|&(u, v)| (a * u + b - v).abs())
        .fold(0.0, f64::max);
    (a, b, worst)
}

/// The map's data → pixel map, read from the SVG's tick labels only: x_px = a·x + b and
/// y_px = c·y + d.
#[derive(Clone, Copy, Debug)]
struct Axes {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
}

impl Axes {
    /// Fits the ticks of the map panel, the labels in the pixel columns `cols`.
    fn read(doc: &Document, cols: Range<f64>) -> Axes {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for n in doc.descendants().filter(|n| n.has_tag_name("text")) {
            let Some(v) = number(&text_of(n)) else {
                continue;
            };
            let (x, y): (f64, f64) = (attr(n, "x").parse().unwrap(), attr(n, "y").parse().unwrap());
            if !cols.contains(&x) || n.attribute("transform").is_some() {
                continue;
            }
            match attr(n, "text-anchor") {
                "middle" => xs.push((v, x)),
                "end" => ys.push((v, y)),
                _ => {}
            }
        }
        assert!(xs.len() >= 3, "x tick labels: {xs:?}");
        assert!(ys.len() >= 3, "y tick labels: {ys:?}");
        let (a, b, rx) = fit(&xs);
        let (c, d, ry) = fit(&ys);
        assert!(rx < 1.0, "x ticks are not on a line: {xs:?}");
        assert!(ry < 1.0, "y ticks are not on a line: {ys:?}");
        assert!(a > 0.0 && c < 0.0, "axes run the wrong way: {a} {c}");
        // Equal aspect: a data unit is as long across as up.
        assert!(
            (a + c).abs() / a < 0.01,
            "unequal aspect: {a} px/unit across, {} up",
            -c
        );
        Axes { a, b, c, d }
    }

    fn px(&self, p: Vec2) -> (f64, f64) {
        (self.a * p.x + self.b, self.c * p.y + self.d)
    }
}

fn points(n: Node) -> Vec<(f64, f64)> {
    attr(n, "points")
        .split_whitespace()
        .map(|xy| {
            let (x, y) = xy.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

/// The polylines stroked in `color` (any case) with width `width`, every vertex left of
/// in the pixel columns `cols` (the map panel's).
fn lines(doc: &Document, color: &str, width: &str, cols: &Range<f64>) -> Vec<Vec<(f64, f64)>> {
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter(|n| attr(*n, "stroke").eq_ignore_ascii_case(color))
        .filter(|n| attr(*n, "stroke-width") == width)
        .map(points)
        .filter(|p| p.iter().all(|(x, _)| cols.contains(x)))
        .collect()
}

/// Every shown run has exactly one line-layer polyline in its colour whose vertices are its
/// path's points (mapped through `axes`, within `tol` px, in order); a hidden run has no stroke
/// of its colour at all.
#[track_caller]
fn check_trails(
    doc: &Document,
    axes: &Axes,
    runs: &[(String, Option<Vec<Vec2>>)],
    line_width: &str,
    cols: Range<f64>,
    tol: f64,
) {
    for (i, (color, path)) in runs.iter().enumerate() {
        match path {
            Some(path) => {
                let ls = lines(doc, color, line_width, &cols);
                assert_eq!(
                    ls.len(),
                    1,
                    "run {i} ({color}): {} line polylines",
                    ls.len()
                );
                let l = &ls[0];
                assert_eq!(l.len(), path.len(), "run {i}: vertices vs path points");
                for (j, (&v, &p)) in l.iter().zip(path).enumerate() {
                    let q = axes.px(p);
                    let e = (v.0 - q.0).hypot(v.1 - q.1);
                    assert!(
                        e <= tol,
                        "run {i} point {j} {p:?}: drawn at {v:?}, the axes put it at {q:?}"
                    );
                }
            }
            None => {
                let any = doc
                    .descendants()
                    .filter(|n| attr(*n, "stroke").eq_ignore_ascii_case(color))
                    .count();
                assert_eq!(any, 0, "hidden run {i} ({color}) is drawn");
            }
        }
    }
}

/// The number of vertices of each shown run's line.
fn vertex_counts(doc: &Document, colors: &[&str], width: &str, cols: Range<f64>) -> Vec<usize> {
    colors
        .iter()
        .map(|c| {
            let ls = lines(doc, c, width, &cols);
            assert_eq!(ls.len(), 1, "{c}: {} lines", ls.len());
            ls[0].len()
        })
        .collect()
}

// ------------------------------------------------------------------ helpers: PNG

struct Image {
    w: u32,
    h: u32,
    rgba: Vec<u8>,
}

impl Image {
    fn decode(bytes: &[u8]) -> Image {
        let mut reader = png::Decoder::new(bytes).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgba);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        buf.truncate(info.buffer_size());
        Image {
            w: info.width,
            h: info.height,
            rgba: buf,
        }
    }

    fn at(&self, x: i64, y: i64) -> Option<[u8; 4]> {
        if x < 0 || y < 0 || x >= i64::from(self.w) || y >= i64::from(self.h) {
            return None;
        }
        let i = 4 * (y as usize * self.w as usize + x as usize);
        Some([
            self.rgba[i],
            self.rgba[i + 1],
            self.rgba[i + 2],
            self.rgba[i + 3],
        ])
    }

    fn corners(&self) -> [[u8; 4]; 4] {
        let (w, h) = (i64::from(self.w) - 1, i64::from(self.h) - 1);
        [(0, 0), (w, 0), (0, h), (w, h)].map(|(x, y)| self.at(x, y).unwrap())
    }

    /// Whether some opaque pixel within `r` pixels of `(x, y)` has colour `rgb` (each channel
    /// within 40).
    fn has_near(&self, (x, y): (f64, f64), rgb: [u8; 3], r: i64) -> bool {
        let (cx, cy) = (x.round() as i64, y.round() as i64);
        (-r..=r).any(|dy| {
            (-r..=r).any(|dx| {
                dx * dx + dy * dy <= r * r
                    && self
                        .at(cx + dx, cy + dy)
                        .is_some_and(|p| p[3] == 255 && (0..3).all(|c| p[c].abs_diff(rgb[c]) <= 40))
            })
        })
    }
}

fn rgb(hex: &str) -> [u8; 3] {
    let h = hex.trim_start_matches('#');
    let v = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap();
    [v(0), v(2), v(4)]
}

fn dist_to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p.0 - a.0 - t * dx).hypot(p.1 - a.1 - t * dy)
}

/// At points along each shown run's trajectory, away from what is drawn over it (later runs'
/// lines, other runs' current points, the start, the legend) and at least 4 px apart, the PNG
/// shows the run's colour within 3 pixels. The map panel starts at column `left` of the image.
/// Returns the number of points checked.
#[track_caller]
fn check_png_colors(img: &Image, pg: &Playground, left: f64) -> usize {
    let vp = pg.viewport();
    let to_px = |q: Vec2| {
        let (x, y) = vp.to_px(q);
        (x + left, y)
    };
    let mut plot = pg.plot();
    plot.x += left;
    let runs = shown_runs(pg);
    let px: Vec<Option<Vec<(f64, f64)>>> = runs
        .iter()
        .map(|(_, p)| p.as_ref().map(|p| p.iter().map(|&q| to_px(q)).collect()))
        .collect();
    let start = to_px(pg.session().start);
    let shown = px.iter().flatten().count() as f64;
    let k = pg.scale();
    let legend = (plot.x + 200.0 * k, plot.y + (8.0 + 17.0 * shown + 16.0) * k);
    let mut checked = 0;
    for (i, (color, _)) in runs.iter().enumerate() {
        let Some(mine) = &px[i] else { continue };
        let mut here = 0;
        let mut last: Option<(f64, f64)> = None;
        for &q in mine {
            let covered = px.iter().enumerate().any(|(j, o)| {
                let Some(o) = o else { return false };
                let end = o[o.len() - 1];
                let over_line = j > i
                    && o.windows(2)
                        .any(|s| dist_to_segment(q, s[0], s[1]) < 5.0 * k);
                over_line || (j != i && (q.0 - end.0).hypot(q.1 - end.1) < 9.0 * k)
            });
            let near_start = (q.0 - start.0).hypot(q.1 - start.1) < 10.0 * k;
            let in_legend = q.0 < legend.0 && q.1 < legend.1;
            let near_last = last.is_some_and(|l| (q.0 - l.0).hypot(q.1 - l.1) < 4.0);
            if covered || near_start || in_legend || near_last || !plot.contains(q) {
                continue;
            }
            assert!(
                img.has_near(q, rgb(color), 3),
                "run {i} ({color}): no pixel of its colour near {q:?}"
            );
            last = Some(q);
            here += 1;
        }
        assert!(here >= 3, "run {i}: only {here} points could be checked");
        checked += here;
    }
    checked
}

/// The colour map is not blank: many distinct colours inside the plot rectangle.
fn distinct_colors_in_plot(img: &Image, pg: &Playground) -> usize {
    let p = pg.plot();
    let mut set = HashSet::new();
    for y in (p.y as i64)..(p.bottom() as i64) {
        for x in (p.x as i64)..(p.right() as i64) {
            set.insert(img.at(x, y).unwrap());
        }
    }
    set.len()
}

// ------------------------------------------------------------------ helpers: CLI

fn cli(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run the binary")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch path in the temp dir, unique to this process and call, removed on drop.
struct Scratch(PathBuf);

static SCRATCH: AtomicUsize = AtomicUsize::new(0);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let n = SCRATCH.fetch_add(1, Ordering::Relaxed);
        Scratch(std::env::temp_dir().join(format!(
            "optimizer-playground-render-{}-{n}-{name}",
            std::process::id()
        )))
    }
    fn with(name: &str, text: &str) -> Scratch {
        let s = Scratch::new(name);
        std::fs::write(&s.0, text).unwrap();
        s
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
    fn exists(&self) -> bool {
        self.0.exists()
    }
    fn read(&self) -> Vec<u8> {
        std::fs::read(&self.0).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Renders `scenario` with `args` into a fresh file `out_name`; checks success and returns the
/// bytes.
#[track_caller]
fn render_ok(scenario: &Scratch, out_name: &str, args: &[&str]) -> Vec<u8> {
    let out = Scratch::new(out_name);
    let mut all = vec!["render", scenario.path(), "--out", out.path()];
    all.extend_from_slice(args);
    let o = cli(&all);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    assert!(o.stderr.is_empty(), "stderr: {}", stderr(&o));
    out.read()
}

/// The paths `trace` prints for a scenario file.
fn traced_paths(scenario: &Scratch) -> Vec<Vec<Vec2>> {
    let o = cli(&["trace", scenario.path()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| Vec2::new(p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                .collect()
        })
        .collect()
}

/// The colour and whether shown of each run, from the scenario JSON.
fn scenario_runs(json: &str) -> Vec<(String, bool)> {
    let v: Value = serde_json::from_str(json).unwrap();
    v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["color"].as_str().unwrap().to_string(),
                r["enabled"].as_bool() != Some(false),
            )
        })
        .collect()
}

// ------------------------------------------------------------------ 1. well-formed and sized

#[test]
fn svg_is_well_formed_and_has_the_asked_size() {
    let mut pg = playground(HIMMELBLAU, 60);
    for (w, h, scale, panels) in [
        (720, 480, 1.0, vec![Panel::Map]),
        (900, 500, 2.0, vec![Panel::Map]),
        (900, 500, 2.0, vec![Panel::Map, Panel::Loss, Panel::Lr]),
        (1440, 480, 1.0, vec![Panel::Map, Panel::Loss, Panel::Lr]),
        (333, 211, 0.5, vec![Panel::Lr, Panel::Map]),
    ] {
        let fig = Figure {
            width: w,
            height: h,
            panels,
            white: true,
            scale,
            legend: true,
        };
        let text = figure::svg(&mut pg, &fig).unwrap();
        let doc = parse_sized(&text, w, h);
        assert_eq!(
            attr(doc.root_element(), "viewBox"),
            format!("0 0 {w} {h}"),
            "{w}×{h}"
        );
    }
    // On a transparent background nothing fills the figure.
    let text = figure::svg(&mut pg, &map_figure(720, 480, 1.0, false)).unwrap();
    let doc = parse_sized(&text, 720, 480);
    let fills = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && attr(*n, "width") == "720")
        .count();
    assert_eq!(fills, 0, "a background on a transparent figure");
}

// ------------------------------------------------------------------ 2. polylines to the pixel

#[test]
fn each_shown_run_is_one_polyline_on_its_trajectory() {
    for json in [HIMMELBLAU, QUADRATIC] {
        for (w, h, scale) in [(720, 480, 1.0), (900, 500, 2.0)] {
            let mut pg = playground(json, 1000);
            let text = figure::svg(&mut pg, &map_figure(w, h, scale, true)).unwrap();
            let doc = parse_sized(&text, w, h);
            let axes = Axes::read(&doc, 0.0..f64::from(w));
            let runs = shown_runs(&pg);
            assert!(runs.iter().filter(|r| r.1.is_some()).count() >= 3);
            let width = ((2.0 * scale).round() as u32).to_string();
            check_trails(&doc, &axes, &runs, &width, 0.0..f64::from(w), TOL);
        }
    }
}

#[test]
fn the_line_layer_is_above_a_dark_halo_and_the_legend_has_swatches() {
    let mut pg = playground(HIMMELBLAU, 60);
    let text = figure::svg(&mut pg, &map_figure(720, 480, 1.0, true)).unwrap();
    let doc = parse_sized(&text, 720, 480);
    let polys: Vec<Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .collect();
    for (color, path) in shown_runs(&pg) {
        let Some(path) = path else { continue };
        let line_at = polys
            .iter()
            .position(|n| {
                attr(*n, "stroke").eq_ignore_ascii_case(&color) && attr(*n, "stroke-width") == "2"
            })
            .unwrap();
        let line = points(polys[line_at]);
        // A halo of another colour, wider, along the same pixels, drawn before the line.
        let halo = polys[..line_at]
            .iter()
            .find(|n| points(**n) == line)
            .unwrap_or_else(|| panic!("{color}: no halo under the line"));
        assert!(!attr(*halo, "stroke").eq_ignore_ascii_case(&color));
        assert!(attr(*halo, "stroke-width").parse::<u32>().unwrap() > 2);
        // One legend swatch: a 2-point stroke of width 3, after the line.
        let swatches: Vec<usize> = polys
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                attr(**n, "stroke").eq_ignore_ascii_case(&color)
                    && attr(**n, "stroke-width") == "3"
                    && points(**n).len() == 2
            })
            .map(|(i, _)| i)
            .collect();
        assert_eq!(swatches.len(), 1, "{color}: swatches");
        assert!(swatches[0] > line_at);
        assert_eq!(line.len(), path.len());
    }
}

#[test]
fn the_map_can_be_any_panel_of_the_figure() {
    // A chart first, then the map twice as wide: everything of the map moves right by 360.
    let mut pg = playground(HIMMELBLAU, 60);
    let fig = Figure {
        width: 1080,
        height: 480,
        panels: vec![Panel::Loss, Panel::Map],
        white: true,
        scale: 1.0,
        legend: true,
    };
    let text = figure::svg(&mut pg, &fig).unwrap();
    let doc = parse_sized(&text, 1080, 480);
    let axes = Axes::read(&doc, 360.0..1080.0);
    check_trails(&doc, &axes, &shown_runs(&pg), "2", 360.0..1080.0, TOL);
    // The colour map is under the map's axes, not the chart's.
    let img = doc.descendants().find(|n| n.has_tag_name("image")).unwrap();
    let num = |a: &str| attr(img, a).parse::<f64>().unwrap();
    let [x0, x1, y0, y1] = pg.viewport().view();
    let (l, t) = axes.px(Vec2::new(x0, y1));
    let (r, b) = axes.px(Vec2::new(x1, y0));
    let edges = [
        (l, num("x")),
        (t, num("y")),
        (r, num("x") + num("width")),
        (b, num("y") + num("height")),
    ];
    for (got, want) in edges {
        assert!((got - want).abs() <= TOL, "image edge {want} vs axes {got}");
    }
    // The same figure as PNG: the runs in their colours where the map panel draws them.
    let img = Image::decode(&figure::png(&mut pg, &fig).unwrap());
    assert_eq!((img.w, img.h), (1080, 480));
    assert!(check_png_colors(&img, &pg, 360.0) >= 9);
}

#[test]
fn cli_map_matches_the_traced_trajectories() {
    let sc = Scratch::with("himmelblau.json", HIMMELBLAU);
    let paths = traced_paths(&sc);
    let meta = scenario_runs(HIMMELBLAU);
    assert_eq!(paths.len(), meta.len());
    let runs: Vec<(String, Option<Vec<Vec2>>)> = meta
        .into_iter()
        .zip(paths)
        .map(|((c, on), p)| (c, on.then_some(p)))
        .collect();

    // The map alone: 720 × 480 by default.
    let bytes = render_ok(&sc, "map.svg", &["--panels", "map"]);
    let text = String::from_utf8(bytes).unwrap();
    let doc = parse_sized(&text, 720, 480);
    let axes = Axes::read(&doc, 0.0..720.0);
    check_trails(&doc, &axes, &runs, "2", 0.0..720.0, TOL);

    // Every panel (the map first, twice as wide as a chart), larger text.
    let bytes = render_ok(
        &sc,
        "all.svg",
        &["--width", "1200", "--height", "600", "--scale", "2"],
    );
    let text = String::from_utf8(bytes).unwrap();
    let doc = parse_sized(&text, 1200, 600);
    let axes = Axes::read(&doc, 0.0..600.0);
    check_trails(&doc, &axes, &runs, "4", 0.0..600.0, TOL);
}

// ------------------------------------------------------------------ 3. --step K

#[test]
fn step_k_draws_k_plus_one_points_per_run() {
    let colors = HIMMELBLAU_SHOWN;
    for k in [5, 33] {
        let mut pg = playground(HIMMELBLAU, k);
        let text = figure::svg(&mut pg, &map_figure(720, 480, 1.0, true)).unwrap();
        let doc = parse_sized(&text, 720, 480);
        assert_eq!(
            vertex_counts(&doc, &colors, "2", 0.0..720.0),
            vec![k as usize + 1; 3],
            "k = {k}"
        );
        let axes = Axes::read(&doc, 0.0..720.0);
        check_trails(&doc, &axes, &shown_runs(&pg), "2", 0.0..720.0, TOL);
    }
    // A run that diverged before K shows its whole path, no more.
    let mut pg = playground(DIVERGING, 10);
    let t = &pg.session().runs[0].trace;
    assert_eq!((t.diverged_at, t.path.len()), (Some(3), 4));
    let text = figure::svg(&mut pg, &map_figure(720, 480, 1.0, true)).unwrap();
    let doc = parse_sized(&text, 720, 480);
    assert_eq!(
        vertex_counts(&doc, &["#e63946", "#3a86ff"], "2", 0.0..720.0),
        vec![4, 11]
    );
    let axes = Axes::read(&doc, 0.0..720.0);
    check_trails(&doc, &axes, &shown_runs(&pg), "2", 0.0..720.0, TOL);
}

#[test]
fn cli_step_k_draws_k_plus_one_points_per_run() {
    let sc = Scratch::with("himmelblau.json", HIMMELBLAU);
    for k in [7, 41] {
        let ks = k.to_string();
        let bytes = render_ok(&sc, "step.svg", &["--panels", "map", "--step", &ks]);
        let text = String::from_utf8(bytes).unwrap();
        let doc = parse_sized(&text, 720, 480);
        assert_eq!(
            vertex_counts(&doc, &HIMMELBLAU_SHOWN, "2", 0.0..720.0),
            vec![k + 1; 3]
        );
    }
    let sc = Scratch::with("diverging.json", DIVERGING);
    let bytes = render_ok(&sc, "div.svg", &["--panels", "map", "--step", "10"]);
    let text = String::from_utf8(bytes).unwrap();
    let doc = parse_sized(&text, 720, 480);
    assert_eq!(
        vertex_counts(&doc, &["#e63946", "#3a86ff"], "2", 0.0..720.0),
        vec![4, 11]
    );
}

// ------------------------------------------------------------------ 4. PNG

#[test]
fn png_shows_every_run_in_its_colour_on_a_colour_map() {
    for json in [HIMMELBLAU, QUADRATIC] {
        let mut pg = playground(json, 1000);
        let fig = Figure {
            width: 900,
            height: 500,
            panels: vec![Panel::Map, Panel::Loss],
            white: true,
            scale: 1.0,
            legend: true,
        };
        let img = Image::decode(&figure::png(&mut pg, &fig).unwrap());
        assert_eq!((img.w, img.h), (900, 500));
        assert_eq!(img.corners(), [[255; 4]; 4]);
        assert!(check_png_colors(&img, &pg, 0.0) >= 9);
        let n = distinct_colors_in_plot(&img, &pg);
        assert!(n > 200, "the map shows only {n} colours");
        // The same viewport as the SVG of the same size: its axes agree with `to_px`.
        let text = figure::svg(&mut pg, &fig).unwrap();
        let doc = parse_sized(&text, 900, 500);
        let axes = Axes::read(&doc, 0.0..600.0);
        let vp = pg.viewport();
        for (_, p) in shown_runs(&pg) {
            for q in p.unwrap_or_default() {
                let (a, b) = (axes.px(q), vp.to_px(q));
                assert!((a.0 - b.0).hypot(a.1 - b.1) <= TOL, "{q:?}: {a:?} vs {b:?}");
            }
        }
    }
}

#[test]
fn png_on_a_transparent_background() {
    let mut pg = playground(HIMMELBLAU, 60);
    let fig = Figure {
        width: 800,
        height: 450,
        panels: vec![Panel::Map, Panel::Lr],
        white: false,
        scale: 1.0,
        legend: true,
    };
    let img = Image::decode(&figure::png(&mut pg, &fig).unwrap());
    assert_eq!((img.w, img.h), (800, 450));
    for c in img.corners() {
        assert_eq!(c[3], 0, "corner {c:?}");
    }
    // The plot itself is opaque, the runs in their colours.
    let p = pg.plot();
    for y in (p.y as i64)..(p.bottom() as i64) {
        for x in (p.x as i64)..(p.right() as i64) {
            let a = img.at(x, y).unwrap()[3];
            assert_eq!(a, 255, "pixel ({x}, {y}) of the plot has alpha {a}");
        }
    }
    check_png_colors(&img, &pg, 0.0);
    assert!(distinct_colors_in_plot(&img, &pg) > 200);
}

#[test]
fn cli_png_decodes_at_the_asked_size() {
    let sc = Scratch::with("himmelblau.json", HIMMELBLAU);
    let img = Image::decode(&render_ok(&sc, "fig.png", &[]));
    assert_eq!((img.w, img.h), (1440, 480));
    assert_eq!(img.corners(), [[255; 4]; 4]);

    let img = Image::decode(&render_ok(
        &sc,
        "map.png",
        &[
            "--panels",
            "map",
            "--width",
            "900",
            "--height",
            "500",
            "--background",
            "transparent",
        ],
    ));
    assert_eq!((img.w, img.h), (900, 500));
    for c in img.corners() {
        assert_eq!(c[3], 0, "corner {c:?}");
    }
    // The same picture as the library's.
    let mut pg = playground(HIMMELBLAU, 60);
    let lib = Image::decode(&figure::png(&mut pg, &map_figure(900, 500, 1.0, false)).unwrap());
    assert!(
        lib.rgba == img.rgba,
        "the command line's PNG differs from the library's"
    );
    check_png_colors(&img, &pg, 0.0);
}

// ------------------------------------------------------------------ 5. the command line

#[test]
fn cli_default_panels() {
    // Map, loss and learning rate: 720 + 360 + 360 wide, no scatter plot.
    let sc = Scratch::with("himmelblau.json", HIMMELBLAU);
    let text = String::from_utf8(render_ok(&sc, "fig.svg", &[])).unwrap();
    let doc = parse_sized(&text, 1440, 480);
    let t = texts(&doc);
    assert!(t.iter().any(|s| s == "Loss L(θ)"), "{t:?}");
    assert!(t.iter().any(|s| s == "Learning rate"), "{t:?}");
    assert!(!t.iter().any(|s| s.starts_with("Model of")), "{t:?}");

    // A data surface adds the scatter plot with the first run's model.
    let sc = Scratch::with("linear.json", LINEAR);
    let text = String::from_utf8(render_ok(&sc, "fig.svg", &[])).unwrap();
    let doc = parse_sized(&text, 1800, 480);
    let t = texts(&doc);
    assert!(
        t.iter().any(|s| s.starts_with("Model of Adam on data")),
        "{t:?}"
    );
    let text = String::from_utf8(render_ok(&sc, "s.svg", &["--panels", "scatter"])).unwrap();
    let doc = parse_sized(&text, 360, 480);
    assert!(texts(&doc).iter().any(|s| s.starts_with("Model of")));
    assert!(!doc.descendants().any(|n| n.has_tag_name("image")));

    let text = String::from_utf8(render_ok(
        &sc,
        "s.svg",
        &["--panels", "lr, map", "--width", "900", "--height", "500"],
    ))
    .unwrap();
    parse_sized(&text, 900, 500);
}

#[test]
fn cli_reads_the_scenario_from_standard_input() {
    let out = Scratch::new("stdin.svg");
    let o = common::cli_with_input(
        &["render", "-", "--out", out.path(), "--panels", "map"],
        QUADRATIC,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8(out.read()).unwrap();
    let doc = parse_sized(&text, 720, 480);
    let pg = playground(QUADRATIC, 40);
    let axes = Axes::read(&doc, 0.0..720.0);
    check_trails(&doc, &axes, &shown_runs(&pg), "2", 0.0..720.0, TOL);
}

#[track_caller]
fn fails_with_one_line(args: &[&str], needles: &[&str], out: &Scratch) {
    let o = cli(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(o.stdout.is_empty(), "{args:?}: stdout");
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {err:?} should name {n:?}");
    }
    assert!(!out.exists(), "{args:?}: a file was written");
}

#[test]
fn cli_bad_arguments_exit_2_with_one_line() {
    let sc = Scratch::with("himmelblau.json", HIMMELBLAU);
    let out = Scratch::new("never.svg");
    let base = |extra: &[&'static str]| -> Vec<String> {
        let mut v: Vec<String> = ["render", sc.path(), "--out", out.path()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let cases: [(&[&str], &[&str]); 8] = [
        (&["--panels", "map,contour"], &["--panels", "contour"]),
        (&["--panels", "scatter"], &["--panels", "scatter", "data"]),
        (&["--step", "61"], &["--step", "60", "61"]),
        (&["--width", "10"], &["--width", "10"]),
        (&["--height", "100000"], &["--height", "100000"]),
        (&["--background", "pink"], &["--background", "pink"]),
        (&["--scale", "100"], &["--scale", "100"]),
        (&["--panels", ""], &["--panels"]),
    ];
    for (extra, needles) in cases {
        let args = base(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fails_with_one_line(&args, needles, &out);
    }
    // The output's format comes from its name.
    let jpg = Scratch::new("figure.jpg");
    fails_with_one_line(
        &["render", sc.path(), "--out", jpg.path()],
        &["--out", ".svg", ".png", "figure.jpg"],
        &jpg,
    );
    // A malformed scenario names the field; a missing file says it cannot be read.
    let bad = Scratch::with(
        "bad.json",
        &HIMMELBLAU.replace(r#""lr": 0.003"#, r#""lr": -1"#),
    );
    fails_with_one_line(
        &["render", bad.path(), "--out", out.path()],
        &["runs[0].optimizer.lr"],
        &out,
    );
    let missing = Scratch::new("missing.json");
    fails_with_one_line(
        &["render", missing.path(), "--out", out.path()],
        &["cannot read", "missing.json"],
        &out,
    );
    // A file that cannot be written.
    let nowhere = Scratch::new("no-such-dir");
    let inside = format!("{}/figure.svg", nowhere.path());
    fails_with_one_line(
        &["render", sc.path(), "--out", &inside],
        &["cannot write", "figure.svg"],
        &nowhere,
    );
}

/// Arguments the command-line parser itself rejects (a width that is not a number, an unknown
/// option, a missing `--out`) exit 2 with one line, as `render --help` promises.
#[test]
fn cli_argument_syntax_errors_are_one_line_too() {
    let sc = Scratch::with("himmelblau.json", HIMMELBLAU);
    let out = Scratch::new("never.svg");
    for (extra, needle) in [
        (&["--out", out.path(), "--width", "abc"][..], "--width"),
        (&["--out", out.path(), "--bogus", "1"][..], "--bogus"),
        (&[][..], "--out"),
    ] {
        let mut args = vec!["render", sc.path()];
        args.extend_from_slice(extra);
        fails_with_one_line(&args, &[needle], &out);
    }
}

// ------------------------------------------------------------------ 6. the page's drawing

/// The map panel alone as SVG, its texts and its one `<image>`.
fn map_svg(json: &str) -> (Playground, String) {
    let mut pg = playground(json, 1000);
    let text = figure::svg(&mut pg, &map_figure(720, 480, 1.0, true)).unwrap();
    (pg, text)
}

#[test]
fn the_map_is_the_pages_drawing() {
    let (mut pg, text) = map_svg(ROSENBROCK);
    let doc = parse_sized(&text, 720, 480);
    let t = texts(&doc);
    for want in ["L (log scale)", "x", "y", "Adam at 0.05", "Plain GD"] {
        assert!(t.iter().any(|s| s == want), "no text {want:?} in {t:?}");
    }
    // The colour map: one embedded PNG over the plot rectangle, where the axes put the view.
    let images: Vec<Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("image"))
        .collect();
    assert_eq!(images.len(), 1);
    let img = images[0];
    let href = attr(img, "href");
    assert!(
        href.starts_with("data:image/png;base64,"),
        "{}",
        &href[..40]
    );
    let num = |a: &str| attr(img, a).parse::<f64>().unwrap();
    let (x, y, w, h) = (num("x"), num("y"), num("width"), num("height"));
    let p = pg.plot();
    assert_eq!((x, y, w, h), (p.x, p.y, p.w, p.h));
    assert_eq!(attr(img, "preserveAspectRatio"), "none");
    let axes = Axes::read(&doc, 0.0..720.0);
    let [x0, x1, y0, y1] = pg.viewport().view();
    let (l, t_) = axes.px(Vec2::new(x0, y1));
    let (r, b) = axes.px(Vec2::new(x1, y0));
    for (got, want) in [(l, x), (t_, y), (r, x + w), (b, y + h)] {
        assert!((got - want).abs() <= TOL, "image edge {want} vs axes {got}");
    }
    // No placeholder left behind.
    assert!(!text.contains("#010203"));
    // The embedded PNG is the sampled field.
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&href["data:image/png;base64,".len()..])
        .unwrap();
    let field = Image::decode(&bytes);
    let f = &pg.map_base().field;
    assert_eq!((field.w as usize, field.h as usize), (f.nx, f.ny));
    let colours: HashSet<&[u8]> = field.rgba.chunks(4).collect();
    assert!(colours.len() > 100, "{} colours", colours.len());

    // A linear-regression surface names its axes w and b.
    let (_, text) = map_svg(LINEAR);
    let doc = parse_sized(&text, 720, 480);
    let t = texts(&doc);
    for want in ["w", "b", "Adam on data", "GD on data"] {
        assert!(t.iter().any(|s| s == want), "no text {want:?} in {t:?}");
    }
    assert!(!t.iter().any(|s| s == "x" || s == "y"), "{t:?}");
}

#[test]
fn the_legend_lists_the_shown_runs_only_and_escapes_their_labels() {
    let (_, text) = map_svg(HIMMELBLAU);
    let doc = parse_sized(&text, 720, 480);
    let t = texts(&doc);
    for want in ["GD", "Adam", "Momentum"] {
        assert!(t.iter().any(|s| s == want), "no {want:?} in {t:?}");
    }
    assert!(!t.iter().any(|s| s.contains("Hidden")), "{t:?}");

    let label = r#"GD <η = 0.01> & "co" 'x'"#;
    let json = HIMMELBLAU.replacen(
        r#""label": "GD""#,
        &format!("\"label\": {}", serde_json::to_string(label).unwrap()),
        1,
    );
    let (_, text) = map_svg(&json);
    let doc = parse_sized(&text, 720, 480);
    assert!(texts(&doc).iter().any(|s| s == label), "{:?}", texts(&doc));
}

/// The axes (laid out by plotters) and everything drawn through the viewport map the plane onto
/// the same pixels: every tick label sits exactly on the pixel where a point of its value is
/// drawn, and every trajectory vertex within 1.5 px of where the fitted axes put it.
#[test]
fn ticks_sit_where_the_map_draws_their_values() {
    for json in [HIMMELBLAU, QUADRATIC, ROSENBROCK] {
        for (w, h, scale) in [(720, 480, 1.0), (900, 500, 2.0), (1000, 700, 1.0)] {
            let mut pg = playground(json, 1000);
            let text = figure::svg(&mut pg, &map_figure(w, h, scale, true)).unwrap();
            let doc = parse_sized(&text, w, h);
            let vp = *pg.viewport();
            let mut worst_tick = 0.0_f64;
            for n in doc.descendants().filter(|n| n.has_tag_name("text")) {
                let Some(v) = number(&text_of(n)) else {
                    continue;
                };
                if n.attribute("transform").is_some() {
                    continue;
                }
                let (x, y): (f64, f64) =
                    (attr(n, "x").parse().unwrap(), attr(n, "y").parse().unwrap());
                // The pixel a point of that value is drawn on: the viewport's position, rounded
                // towards the axes' origin (bottom left) as the drawing code and plotters do.
                let off = match attr(n, "text-anchor") {
                    "middle" => x - (vp.to_px(Vec2::new(v, 0.0)).0 + 1e-3).floor(),
                    "end" => y - (vp.to_px(Vec2::new(0.0, v)).1 - 1e-3).ceil(),
                    _ => continue,
                };
                worst_tick = worst_tick.max(off.abs());
            }
            assert!(
                worst_tick == 0.0,
                "{w}×{h} at scale {scale}: a tick label is {worst_tick:.2} px from where the map \
                 draws its value"
            );
            let axes = Axes::read(&doc, 0.0..f64::from(w));
            let width = ((2.0 * scale).round() as u32).to_string();
            check_trails(
                &doc,
                &axes,
                &shown_runs(&pg),
                &width,
                0.0..f64::from(w),
                1.5,
            );
        }
    }
}

/// `--no-legend` leaves the map's legend out (the runs are still drawn).
#[test]
fn cli_no_legend_leaves_the_legend_out() {
    let sc = Scratch::with("himmelblau.json", HIMMELBLAU);
    let with = String::from_utf8(render_ok(&sc, "a.svg", &["--panels", "map"])).unwrap();
    let without =
        String::from_utf8(render_ok(&sc, "b.svg", &["--panels", "map", "--no-legend"])).unwrap();
    let (a, b) = (
        parse_sized(&with, 720, 480),
        parse_sized(&without, 720, 480),
    );
    let label = |doc: &Document| texts(doc).iter().any(|s| s == "Adam");
    assert!(label(&a), "{:?}", texts(&a));
    assert!(!label(&b), "{:?}", texts(&b));
    let polylines = |doc: &Document| {
        doc.descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .count()
    };
    assert!(polylines(&b) > 3, "the runs are still drawn");
}

// ------------------------------------------------------------------ the colour bar's labels

/// Text measured with the font the command line embeds (as the page measures its own).
fn embedded_font() {
    let _ = plotters::style::register_font(
        optimizer_playground::render::FONT,
        plotters::style::FontStyle::Normal,
        dejavu::sans::regular(),
    );
}

/// Every label of the map (the colour bar's six values and its title, the axes' ticks) lies
/// inside the canvas, measured with the embedded font, on maps 320 to 1920 CSS pixels wide at
/// 1, 2 and 3 device pixels per CSS pixel and in presentation mode: for labels as short as
/// "0" and as long as "−1.017e−148" or "L (log, clamped at ±1e300)". The room is measured once
/// (a second drawing moves nothing) and goes to the map where the labels are short.
#[test]
fn the_map_labels_fit_inside_the_canvas_at_any_width() {
    embedded_font();
    let tiny = r#"{"surface": {"expr": "-1e-150*(x^2 + y^2) - 3.3e-150"}, "start": [0.5, 0.5], "steps": 10, "runs": []}"#;
    let huge =
        r#"{"surface": {"expr": "1.7e308*x"}, "start": [0.5, 0.5], "steps": 10, "runs": []}"#;
    let short = r#"{"surface": {"expr": "0*x"}, "start": [0.5, 0.5], "steps": 10, "runs": []}"#;
    let mut widest = (String::new(), 0.0_f64);
    let mut plots = Vec::new();
    for json in [ROSENBROCK, tiny, huge, short] {
        for css in (320..=1920).step_by(80).chain([360, 390, 430]) {
            for (k, emphasis) in [(1.0, 1.0), (3.0, 1.0), (2.0, 1.75)] {
                let mut pg = playground(json, 0);
                let (w, h) = ((f64::from(css) * k) as u32, (420.0 * k) as u32);
                pg.set_canvas(w, h, k);
                pg.set_emphasis(emphasis);
                let style = MapStyle::new(pg.ink());
                let draw = |pg: &mut Playground| {
                    let boxes = Rc::new(RefCell::new(Vec::new()));
                    let root = NullBackend::recording(w, h, Rc::clone(&boxes)).into_drawing_area();
                    pg.draw_map_base(&root, &style, &mut |_, _| Ok(())).unwrap();
                    boxes.take()
                };
                let boxes = draw(&mut pg);
                let plot = pg.plot();
                assert!(boxes.len() >= 7, "{boxes:?}");
                for (text, left, right) in &boxes {
                    assert!(
                        *left >= 0.0 && *right <= f64::from(w),
                        "{text:?} spans {left}..{right} on a canvas {w} wide ({css} CSS px at {k}×{emphasis}), plot {plot:?}"
                    );
                    if *left > plot.right() && (right - left) / k > widest.1 {
                        widest = (text.clone(), (right - left) / k);
                    }
                }
                if emphasis == 1.0 {
                    assert!(
                        plot.w > 0.4 * f64::from(w),
                        "the plot keeps most of the width: {plot:?} of {w}"
                    );
                }
                draw(&mut pg);
                assert_eq!(pg.plot(), plot, "a second drawing moves nothing");
                if (k, emphasis) == (1.0, 1.0) && css == 390 {
                    plots.push(plot);
                }
            }
        }
    }
    assert!(
        widest.0.starts_with('−') && widest.0.contains("e−14"),
        "the widest label was drawn: {widest:?}"
    );
    // Short labels ("0") leave the plot wider than long ones ("−1.017e−148").
    assert!(plots[3].w > plots[1].w + 20.0, "{plots:?}");
}

/// A view copied from a page whose colour-bar labels had grown wider (a pan through wide labels
/// and back: the room only grows within a page) reopens exactly on a fresh page of the same
/// size: its x- and y-ranges, not the y-range widened for a narrower colour bar.
#[test]
fn a_view_from_another_page_reopens_exactly_although_its_label_room_grew() {
    embedded_font();
    const BOWL: &str = r#"{"surface": {"expr": "x^2 + y^2 - 1.2345e-5"}, "start": [1, 1], "steps": 10, "runs": []}"#;
    let style = MapStyle::new(1.0);
    let draw = |pg: &mut Playground| {
        let root = NullBackend::new(900, 520).into_drawing_area();
        pg.draw_map_base(&root, &style, &mut |_, _| Ok(())).unwrap();
    };
    let mut first = playground(BOWL, 0);
    first.set_canvas(900, 520, 1.0);
    draw(&mut first);
    let own = first.plot();
    // Close to the minimum (labels like "−1.234e−5"), then away from it (labels like "8").
    first.set_view([-0.001, 0.001, -0.001, 0.001]);
    draw(&mut first);
    assert!(
        first.plot().w < own.w,
        "the labels needed more room: {:?}",
        first.plot()
    );
    first.set_view([2.0, 4.0, 2.0, 4.0]);
    draw(&mut first);
    let grown = first.plot();
    let view = first.viewport().view();

    let mut fresh = playground(BOWL, 0);
    fresh.set_canvas(900, 520, 1.0);
    fresh.set_view([2.0, 4.0, 2.0, 4.0]);
    draw(&mut fresh);
    assert!(
        fresh.plot().w > grown.w,
        "a fresh page gives these labels less room ({:?} against {grown:?}), so the test means something",
        fresh.plot()
    );

    let mut again = playground(BOWL, 0);
    again.set_canvas(900, 520, 1.0);
    again.set_view(view);
    draw(&mut again);
    assert_eq!(again.plot(), grown);
    let shown = again.viewport().view();
    for (a, b) in shown.iter().zip(view) {
        assert!(
            (a - b).abs() <= 1e-12 * (view[1] - view[0]),
            "{shown:?} against {view:?}"
        );
    }
}
