//! The page's behaviour without a browser (`playground`): the viewport's arithmetic and
//! clipping, edits that equal a fresh share link bit for bit at every step, playback and the
//! timeline cursor, what must be redrawn, read-outs and hover text, edits that validate and lose
//! nothing, and what the surface picker and the option menus show.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

mod common;

use common::*;
use optimizer_playground::optim::{Clip, LineSearch, OptKind, OptimizerConfig};
use optimizer_playground::playground::{self, Layers, Playground, XAxis, PALETTE};
use optimizer_playground::render::fmt_num;
use optimizer_playground::render::map::{self, MapStyle};
use optimizer_playground::render::null::NullBackend;
use optimizer_playground::render::view::{clip_polyline, clip_segment, fit_aspect, Rect, Viewport};
use optimizer_playground::run::{Session, Trace};
use optimizer_playground::scenario::{RunSpec, Scenario, MAX_RUNS};
use optimizer_playground::schedule::{self, Schedule, Shape};
use optimizer_playground::surface::{DataKind, DataSpec, Features, Surface};
use optimizer_playground::Vec2;
use plotters::prelude::IntoDrawingArea;
use proptest::prelude::*;

// ================================================================ helpers

fn opt(kind: OptKind, lr: f64) -> OptimizerConfig {
    OptimizerConfig::new(kind).with_lr(lr)
}

fn run(o: OptimizerConfig) -> RunSpec {
    RunSpec::new(o)
}

/// Lookahead (k 5, α 0.5) around RMSprop.
fn lookahead_rmsprop() -> OptimizerConfig {
    let mut o = OptimizerConfig::new(OptKind::Lookahead);
    o.inner = Some(Box::new(opt(OptKind::Rmsprop, 0.01)));
    o
}

/// Rosenbrock with adam (cosine schedule), momentum, lookahead(rmsprop) and bfgs.
fn named_scenario() -> Scenario {
    let mut adam = run(opt(OptKind::Adam, 0.05));
    adam.schedule = Some(Schedule {
        shape: Shape::Cosine {
            t_max: 80.0,
            lr_min: 0.001,
        },
        warmup: 5,
    });
    let mut momentum = opt(OptKind::Momentum, 1e-3);
    momentum.set("momentum", 0.9);
    scenario_named(
        "rosenbrock",
        [-1.5, 2.0],
        120,
        vec![
            adam,
            run(momentum),
            run(lookahead_rmsprop()),
            run(OptimizerConfig::new(OptKind::Bfgs)),
        ],
    )
}

/// An expression with gradient descent, clipped Nesterov and AdaGrad.
fn expr_scenario() -> Scenario {
    let mut nesterov = run(opt(OptKind::Nesterov, 0.02));
    nesterov.clip = Some(Clip::Norm(2.0));
    scenario_expr(
        "x^2 + 5*y^2 + 0.5*sin(3*x)*cos(2*y)",
        [-2.0, 1.5],
        120,
        vec![
            run(opt(OptKind::Gd, 0.05)),
            nesterov,
            run(opt(OptKind::Adagrad, 0.5)),
        ],
    )
}

/// Linear data (standardized), mini-batches of 8 by default, one run with gradient noise, one
/// with its own batch size and one full batch.
fn data_scenario() -> Scenario {
    let mut sgd = run(opt(OptKind::Gd, 0.05));
    sgd.noise = Some(0.1);
    let mut momentum = run(opt(OptKind::Momentum, 0.02));
    momentum.batch_size = Some(16);
    let mut adam = run(opt(OptKind::Adam, 0.05));
    adam.batch_size = Some(60);
    scenario_data(
        data_spec(DataKind::Linear, 60, 0.4, 1, Features::Standardized),
        [-1.0, 2.0],
        120,
        Some(8),
        vec![sgd, momentum, adam],
    )
}

/// `x^2 + 10*y^2` from (1, 1): gd at 0.12 diverges at iteration 82, gd at 0.05 does not.
fn diverging_scenario() -> Scenario {
    scenario_expr(
        "x^2 + 10*y^2",
        [1.0, 1.0],
        150,
        vec![run(opt(OptKind::Gd, 0.12)), run(opt(OptKind::Gd, 0.05))],
    )
}

fn pg_of(sc: Scenario) -> Playground {
    Playground::new(sc).unwrap()
}

/// A fresh session of `sc` (what its share link reproduces) stepped `k`.
fn fresh(sc: &Scenario, k: u64) -> Session {
    let mut s = Session::new(sc).unwrap();
    s.step(k);
    s
}

fn traces_of(pg: &Playground) -> Vec<Trace> {
    pg.session().runs.iter().map(|r| r.trace.clone()).collect()
}

/// Run `i` of the playground equals run `i` of a fresh session, to the bit, with the same label
/// and per-point evaluation counts.
#[track_caller]
fn assert_run_fresh(pg: &Playground, f: &Session, i: usize) {
    let (a, b) = (&pg.session().runs[i], &f.runs[i]);
    assert_same_trace(&a.trace, &b.trace);
    assert_eq!(a.trace.label, b.trace.label, "run {i}: label");
    assert_eq!(a.evals_at, b.evals_at, "run {i}: evals_at");
    assert_eq!(a.epoch(), b.epoch(), "run {i}: epoch");
}

/// Every run of the playground equals a fresh session of its scenario stepped `k`.
#[track_caller]
fn assert_all_fresh(pg: &Playground, k: u64) {
    let f = fresh(pg.scenario(), k);
    assert_eq!(pg.session().runs.len(), f.runs.len(), "number of runs");
    for i in 0..f.runs.len() {
        assert_run_fresh(pg, &f, i);
    }
}

/// The scenario, the traces and the pending redraw are what they were.
#[track_caller]
fn assert_unchanged(pg: &mut Playground, sc: &Scenario, before: &[Trace]) {
    assert_eq!(pg.scenario(), sc, "the scenario changed");
    let now = traces_of(pg);
    assert_eq!(now.len(), before.len());
    for (a, b) in now.iter().zip(before) {
        assert_same_trace(a, b);
    }
    assert!(
        pg.take_redraw().is_empty(),
        "a refused edit asks for a redraw"
    );
}

fn names(v: impl IntoIterator<Item = &'static str>) -> Vec<&'static str> {
    v.into_iter().collect()
}

// ================================================================ 1. the viewport

/// A view `[x0, x1, y0, y1]`: centre within ±100, sides from 1e-2 to 1e4.
fn view_strategy() -> impl Strategy<Value = [f64; 4]> {
    (
        -100.0..100.0f64,
        -100.0..100.0f64,
        -2.0..4.0f64,
        -2.0..4.0f64,
    )
        .prop_map(|(cx, cy, lw, lh)| {
            let (w, h) = (10f64.powf(lw), 10f64.powf(lh));
            [cx - 0.5 * w, cx + 0.5 * w, cy - 0.5 * h, cy + 0.5 * h]
        })
}

fn rect_strategy() -> impl Strategy<Value = Rect> {
    (
        0.0..300.0f64,
        0.0..300.0f64,
        10.0..3000.0f64,
        10.0..3000.0f64,
    )
        .prop_map(|(x, y, w, h)| Rect { x, y, w, h })
}

fn extent(v: [f64; 4]) -> (f64, f64) {
    (v[1] - v[0], v[3] - v[2])
}

/// Pixels per data unit across and up agree (relative 1e-9).
fn equal_aspect(vp: &Viewport) -> Result<(), TestCaseError> {
    let (dx, dy) = extent(vp.view());
    let r = vp.plot();
    let (across, up) = (r.w / dx, r.h / dy);
    prop_assert!(
        ((across / up) - 1.0).abs() <= 1e-9 + 1e-15,
        "pixels per unit: {across} across, {up} up (view {:?}, plot {r:?})",
        vp.view()
    );
    Ok(())
}

/// `outer` contains `inner` (up to rounding, 1e-12 of the size).
fn contains_view(outer: [f64; 4], inner: [f64; 4]) -> Result<(), TestCaseError> {
    let (dx, dy) = extent(inner);
    let (tx, ty) = (1e-12 * dx, 1e-12 * dy);
    prop_assert!(
        outer[0] <= inner[0] + tx
            && outer[1] >= inner[1] - tx
            && outer[2] <= inner[2] + ty
            && outer[3] >= inner[3] - ty,
        "{outer:?} does not contain {inner:?}"
    );
    Ok(())
}

/// A plane point at fractions (u, v) of the shown view.
fn at(view: [f64; 4], u: f64, v: f64) -> Vec2 {
    Vec2::new(
        view[0] + u * (view[1] - view[0]),
        view[2] + v * (view[3] - view[2]),
    )
}

fn near_pt(a: Vec2, b: Vec2, view: [f64; 4]) -> bool {
    let (dx, dy) = extent(view);
    (a.x - b.x).abs() <= 1e-9 * dx && (a.y - b.y).abs() <= 1e-9 * dy
}

fn near_px(a: (f64, f64), b: (f64, f64), r: Rect) -> bool {
    let tol = 1e-9 * r.w.max(r.h);
    (a.0 - b.0).abs() <= tol && (a.1 - b.1).abs() <= tol
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn new_shows_at_least_the_view_with_equal_aspect(v in view_strategy(), r in rect_strategy()) {
        let vp = Viewport::new(v, r);
        prop_assert_eq!(vp.plot(), r);
        equal_aspect(&vp)?;
        contains_view(vp.view(), v)?;
        // Widened along one axis only: the other is kept exactly.
        let s = vp.view();
        prop_assert!((s[0] == v[0] && s[1] == v[1]) || (s[2] == v[2] && s[3] == v[3]), "{:?} from {:?}", s, v);
    }

    #[test]
    fn set_view_and_set_plot_keep_equal_aspect(
        v in view_strategy(), w in view_strategy(), r in rect_strategy(), r2 in rect_strategy()
    ) {
        let mut vp = Viewport::new(v, r);
        prop_assert!(vp.set_view(w));
        equal_aspect(&vp)?;
        contains_view(vp.view(), w)?;
        let shown = vp.view();
        vp.set_plot(r2);
        prop_assert_eq!(vp.plot(), r2);
        equal_aspect(&vp)?;
        // The view asked for stays shown; back on the first rectangle, the first view.
        contains_view(vp.view(), w)?;
        vp.set_plot(r);
        prop_assert_eq!(vp.view(), shown);
    }

    #[test]
    fn data_to_pixel_to_data_round_trips(
        v in view_strategy(), r in rect_strategy(),
        u in 0.001..0.999f64, t in 0.001..0.999f64,
        fx in 0.0..1.0f64, fy in 0.0..1.0f64,
    ) {
        let vp = Viewport::new(v, r);
        let view = vp.view();
        let p = at(view, u, t);
        let px = vp.to_px(p);
        prop_assert!(r.contains(px), "{:?} of {:?} outside {:?}", px, p, r);
        let back = vp.to_data(px).unwrap();
        prop_assert!(near_pt(back, p, view), "{:?} -> {:?} -> {:?}", p, px, back);
        // And pixel -> data -> pixel, anywhere in the plot (edges included).
        let q = (r.x + fx * r.w, r.y + fy * r.h);
        let d = vp.to_data(q).unwrap();
        prop_assert!(near_px(vp.to_px(d), q, r), "{:?} -> {:?} -> {:?}", q, d, vp.to_px(d));
        // The corners of the plot show the corners of the view; y grows upwards.
        prop_assert!(near_pt(vp.to_data((r.x, r.y)).unwrap(), Vec2::new(view[0], view[3]), view));
        prop_assert!(near_pt(vp.to_data((r.right(), r.bottom())).unwrap(), Vec2::new(view[1], view[2]), view));
    }

    #[test]
    fn to_data_is_none_outside_the_plot(
        v in view_strategy(), r in rect_strategy(), f in 0.0..1.0f64, off in 1e-6..500.0f64
    ) {
        let vp = Viewport::new(v, r);
        let (mx, my) = (r.x + f * r.w, r.y + f * r.h);
        for px in [(r.x - off, my), (r.right() + off, my), (mx, r.y - off), (mx, r.bottom() + off),
                   (f64::NAN, my), (mx, f64::NAN), (f64::INFINITY, my)] {
            prop_assert!(vp.to_data(px).is_none(), "{:?} is outside {:?}", px, r);
        }
    }

    #[test]
    fn zoom_keeps_the_point_under_the_pixel(
        v in view_strategy(), r in rect_strategy(),
        fx in 0.0..1.0f64, fy in 0.0..1.0f64, lf in -0.7..0.7f64,
    ) {
        let mut vp = Viewport::new(v, r);
        let before = vp.view();
        let px = (r.x + fx * r.w, r.y + fy * r.h);
        let p = vp.to_data(px).unwrap();
        let f = 10f64.powf(lf);
        prop_assert!(vp.zoom_at(px, f));
        let after = vp.view();
        let q = vp.to_data(px).unwrap();
        prop_assert!(near_pt(q, p, before), "{:?} moved to {:?} (zoom {})", p, q, f);
        let ((w0, h0), (w1, h1)) = (extent(before), extent(after));
        prop_assert!((w1 * f / w0 - 1.0).abs() < 1e-9, "width {} -> {} at zoom {}", w0, w1, f);
        prop_assert!((h1 * f / h0 - 1.0).abs() < 1e-9, "height {} -> {} at zoom {}", h0, h1, f);
        equal_aspect(&vp)?;
    }

    #[test]
    fn zoom_outside_the_plot_or_by_a_bad_factor_changes_nothing(
        v in view_strategy(), r in rect_strategy(), off in 1e-6..100.0f64
    ) {
        let mut vp = Viewport::new(v, r);
        let before = vp;
        let inside = (r.x + 0.5 * r.w, r.y + 0.5 * r.h);
        prop_assert!(!vp.zoom_at((r.x - off, inside.1), 2.0));
        prop_assert!(!vp.zoom_at((inside.0, r.bottom() + off), 0.5));
        for f in [0.0, -2.0, f64::NAN, f64::INFINITY] {
            prop_assert!(!vp.zoom_at(inside, f), "zoom by {}", f);
        }
        prop_assert_eq!(vp, before);
    }

    #[test]
    fn pan_moves_every_point_by_the_drag(
        v in view_strategy(), r in rect_strategy(),
        dx in -500.0..500.0f64, dy in -500.0..500.0f64,
        u in -1.0..2.0f64, t in -1.0..2.0f64,
    ) {
        let mut vp = Viewport::new(v, r);
        let p = at(vp.view(), u, t); // any plane point, also off the plot
        let (x0, y0) = vp.to_px(p);
        let size = extent(vp.view());
        prop_assert!(vp.pan(dx, dy));
        prop_assert!(near_px(vp.to_px(p), (x0 + dx, y0 + dy), r),
            "{:?} at {:?} moved to {:?} by a drag of ({}, {})", p, (x0, y0), vp.to_px(p), dx, dy);
        let now = extent(vp.view());
        prop_assert!((now.0 / size.0 - 1.0).abs() < 1e-9 && (now.1 / size.1 - 1.0).abs() < 1e-9);
        equal_aspect(&vp)?;
    }

    #[test]
    fn invalid_views_are_refused(v in view_strategy(), r in rect_strategy()) {
        let mut vp = Viewport::new(v, r);
        let before = vp;
        let [x0, x1, y0, y1] = vp.view();
        let bad = [
            [f64::NAN, x1, y0, y1],
            [x0, x1, y0, f64::NAN],
            [x0, f64::INFINITY, y0, y1],
            [x1, x0, y0, y1],             // inverted
            [x0, x1, y1, y0],             // inverted
            [x0, x0, y0, y1],             // empty
            [0.0, 1e10, 0.0, 1.0],        // 1e10 wide
            [-9e8, 9e8, 0.0, 1.0],        // 1.8e9 wide
            [0.0, 1.0, -9e8, 9e8],        // 1.8e9 high
            [0.0, 1.0, -5e9, 5e9],        // 1e10 high
            [2e9, 2e9 + 1.0, 0.0, 1.0],   // beyond ±1e9
            [0.0, 1e-10, 0.0, 1e-10],     // tinier than 1e-9
        ];
        for b in bad {
            prop_assert!(!vp.set_view(b), "{:?} accepted", b);
            prop_assert_eq!(vp, before);
        }
        prop_assert!(!vp.pan(f64::NAN, 0.0));
        prop_assert!(!vp.pan(0.0, f64::INFINITY));
        prop_assert!(!vp.pan(1e12 * r.w, 0.0), "panned beyond ±1e9");
        prop_assert_eq!(vp, before);
    }

    #[test]
    fn clip_polyline_keeps_inside(
        r in rect_strategy(),
        pts in prop::collection::vec((-1.0..2.0f64, -1.0..2.0f64), 0..40),
    ) {
        let pts: Vec<(f64, f64)> = pts.iter().map(|&(u, v)| (r.x + u * r.w, r.y + v * r.h)).collect();
        let tol = 1e-9 * r.w.max(r.h);
        for piece in clip_polyline(&pts, r) {
            prop_assert!(piece.len() >= 2, "a piece of {} point(s)", piece.len());
            for &(x, y) in &piece {
                prop_assert!(x >= r.x - tol && x <= r.right() + tol && y >= r.y - tol && y <= r.bottom() + tol,
                    "({}, {}) outside {:?}", x, y, r);
            }
        }
    }

    #[test]
    fn clip_polyline_inside_is_the_input(
        r in rect_strategy(),
        pts in prop::collection::vec((0.0..=1.0f64, 0.0..=1.0f64), 2..40),
    ) {
        let pts: Vec<(f64, f64)> = pts.iter().map(|&(u, v)| {
            ((r.x + u * r.w).min(r.right()), (r.y + v * r.h).min(r.bottom()))
        }).collect();
        prop_assert!(pts.iter().all(|&p| r.contains(p)));
        prop_assert_eq!(clip_polyline(&pts, r), vec![pts.clone()]);
        for w in pts.windows(2) {
            prop_assert_eq!(clip_segment(w[0], w[1], r), Some((w[0], w[1])));
        }
    }

    #[test]
    fn fit_aspect_widens_one_axis(v in view_strategy(), r in rect_strategy()) {
        let f = fit_aspect(v, r.w, r.h);
        contains_view(f, v)?;
        let (dx, dy) = extent(f);
        prop_assert!(((r.w / dx) / (r.h / dy) - 1.0).abs() <= 1e-9 + 1e-15);
        // Centred on the asked view.
        prop_assert!(((f[0] + f[1]) - (v[0] + v[1])).abs() <= 1e-9 * dx);
        prop_assert!(((f[2] + f[3]) - (v[2] + v[3])).abs() <= 1e-9 * dy);
    }
}

#[test]
fn viewport_edge_cases() {
    let r = Rect {
        x: 10.0,
        y: 20.0,
        w: 400.0,
        h: 200.0,
    };
    // An invalid view at construction shows [-1, 1, -1, 1] fitted to the plot.
    let vp = Viewport::new([f64::NAN, 1.0, 0.0, 1.0], r);
    assert_eq!(vp.view(), fit_aspect([-1.0, 1.0, -1.0, 1.0], r.w, r.h));
    assert_eq!(vp.view(), [-2.0, 2.0, -1.0, 1.0]);
    // A plot of no size shows nothing.
    let empty = Viewport::new([0.0, 1.0, 0.0, 1.0], Rect::default());
    assert_eq!(empty.to_data((0.0, 0.0)), None);
    // Segments: through the rectangle, beside it, and with a NaN.
    let s = clip_segment((0.0, 120.0), (500.0, 120.0), r).unwrap();
    assert_eq!(s, ((10.0, 120.0), (410.0, 120.0)));
    assert_eq!(clip_segment((0.0, 0.0), (500.0, 0.0), r), None);
    assert_eq!(clip_segment((f64::NAN, 50.0), (100.0, 50.0), r), None);
    // A polyline that leaves and comes back makes two pieces.
    let pieces = clip_polyline(
        &[(100.0, 100.0), (200.0, 100.0), (200.0, 0.0), (300.0, 100.0)],
        r,
    );
    assert_eq!(pieces.len(), 2, "{pieces:?}");
    assert_eq!(
        pieces[0],
        vec![(100.0, 100.0), (200.0, 100.0), (200.0, 20.0)]
    );
    assert_eq!(pieces[1].last(), Some(&(300.0, 100.0)));
    // Out and back through the same boundary point: the polyline left, so two pieces.
    let pieces = clip_polyline(&[(100.0, 100.0), (100.0, 0.0), (100.0, 100.0)], r);
    assert_eq!(
        pieces,
        vec![
            vec![(100.0, 100.0), (100.0, 20.0)],
            vec![(100.0, 20.0), (100.0, 100.0)]
        ]
    );
}

/// Draws the map's base layer on a backend that measures text at 0.6 em a character.
fn draw_base(pg: &mut Playground) {
    let (w, h) = pg.canvas();
    let root = NullBackend::new(w, h).into_drawing_area();
    pg.draw_map_base(&root, &MapStyle::new(pg.ink()), &mut |_, _| Ok(()))
        .unwrap();
}

/// The colour bar's labels get the room they measure: more for long labels (the plot's right
/// edge moves left, the trajectories are drawn again), and while panning and zooming it only
/// grows, so the plot never jumps back and forth; back at the surface's own view, or on a
/// canvas resized back and forth, the first view and plot come back exactly.
#[test]
fn the_colour_bars_labels_get_the_room_they_need() {
    let plane = scenario_expr("x + y", [1.0, 1.0], 10, vec![run(opt(OptKind::Gd, 0.1))]);
    let mut pg = pg_of(plane);
    pg.set_canvas(800, 560, 1.0);
    draw_base(&mut pg);
    let (plot0, view0) = (pg.plot(), pg.viewport().view());
    // Labels of a few digits leave the plot wider than the default room would.
    assert!(plot0.w > map::plot_rect(800, 560, 1.0).w, "{plot0:?}");
    draw_base(&mut pg);
    assert_eq!(
        (pg.plot(), pg.viewport().view()),
        (plot0, view0),
        "a second drawing moves nothing"
    );

    // Zoomed deep in about the origin, the losses are tiny and their labels scientific, which
    // needs more room.
    let at = pg.viewport().to_px(Vec2::new(0.0, 0.0));
    pg.zoom((at.0, at.1), 1e4);
    pg.take_redraw();
    draw_base(&mut pg);
    let plot1 = pg.plot();
    assert!(
        plot1.right() < plot0.right() - 5.0,
        "{plot1:?} vs {plot0:?}"
    );
    assert!(pg
        .take_redraw()
        .contains(Layers::TRAILS.union(Layers::MARKS)));
    // Back out where the labels are short, the room stays: the plot does not jump.
    pg.zoom((at.0, at.1), 1e-4);
    draw_base(&mut pg);
    assert_eq!(pg.plot(), plot1);

    pg.reset_view();
    draw_base(&mut pg);
    assert_eq!((pg.plot(), pg.viewport().view()), (plot0, view0));
    pg.set_canvas(500, 700, 1.0);
    draw_base(&mut pg);
    pg.set_canvas(800, 560, 1.0);
    draw_base(&mut pg);
    assert_eq!((pg.plot(), pg.viewport().view()), (plot0, view0));
}

// ================================================================ 2. edits equal a fresh share link

/// An edit of run `i` through the playground's own methods.
type Edit = (
    &'static str,
    usize,
    fn(&mut Playground) -> Result<(), String>,
);

fn with_run(pg: &mut Playground, i: usize, f: impl FnOnce(&mut RunSpec)) -> Result<(), String> {
    let mut spec = pg.scenario().runs[i].clone();
    f(&mut spec);
    pg.set_run(i, spec)
}

fn named_edits() -> Vec<Edit> {
    vec![
        ("adam lr", 0, |pg| pg.set_hyper(0, "lr", 0.02)),
        ("adam beta2", 0, |pg| pg.set_hyper(0, "beta2", 0.99)),
        ("momentum momentum", 1, |pg| {
            pg.set_hyper(1, "momentum", 0.5)
        }),
        ("lookahead inner lr", 2, |pg| pg.set_hyper(2, "lr", 0.003)),
        ("lookahead inner rho", 2, |pg| pg.set_hyper(2, "rho", 0.8)),
        ("lookahead alpha", 2, |pg| pg.set_hyper(2, "alpha", 0.8)),
        ("bfgs lr", 3, |pg| pg.set_hyper(3, "lr", 0.5)),
        ("bfgs line search", 3, |pg| {
            with_run(pg, 3, |r| {
                r.optimizer.line_search = Some(LineSearch::Armijo)
            })
        }),
        ("adam schedule", 0, |pg| {
            with_run(pg, 0, |r| {
                r.schedule = Some(Schedule {
                    shape: Shape::Step {
                        step_size: 10,
                        gamma: 0.5,
                    },
                    warmup: 0,
                })
            })
        }),
        ("momentum clip", 1, |pg| {
            with_run(pg, 1, |r| r.clip = Some(Clip::Value(0.5)))
        }),
        ("momentum noise", 1, |pg| {
            with_run(pg, 1, |r| {
                r.noise = Some(0.5);
                r.seed = Some(7);
            })
        }),
        ("adam l2", 0, |pg| with_run(pg, 0, |r| r.l2 = Some(0.1))),
    ]
}

fn expr_edits() -> Vec<Edit> {
    vec![
        ("gd lr", 0, |pg| pg.set_hyper(0, "lr", 0.02)),
        ("nesterov momentum", 1, |pg| {
            pg.set_hyper(1, "momentum", 0.7)
        }),
        ("nesterov clip", 1, |pg| {
            with_run(pg, 1, |r| r.clip = Some(Clip::Norm(0.3)))
        }),
        ("adagrad schedule", 2, |pg| {
            with_run(pg, 2, |r| {
                r.schedule = Some(Schedule {
                    shape: Shape::Exponential { decay: 0.02 },
                    warmup: 10,
                })
            })
        }),
        ("gd noise", 0, |pg| with_run(pg, 0, |r| r.noise = Some(0.3))),
    ]
}

fn data_edits() -> Vec<Edit> {
    vec![
        ("sgd lr", 0, |pg| pg.set_hyper(0, "lr", 0.01)),
        ("sgd seed", 0, |pg| with_run(pg, 0, |r| r.seed = Some(42))),
        ("sgd noise", 0, |pg| {
            with_run(pg, 0, |r| r.noise = Some(0.5))
        }),
        ("momentum batch size", 1, |pg| {
            with_run(pg, 1, |r| r.batch_size = Some(5))
        }),
        ("adam to mini-batches", 2, |pg| {
            with_run(pg, 2, |r| r.batch_size = None)
        }),
        ("momentum schedule", 1, |pg| {
            with_run(pg, 1, |r| {
                r.schedule = Some(Schedule {
                    shape: Shape::WarmRestarts {
                        t_0: 20,
                        t_mult: 2,
                        lr_min: 0.0,
                    },
                    warmup: 3,
                })
            })
        }),
    ]
}

/// For every edit and k in {0, 1, 37}: the edited run equals a fresh session stepped k, the
/// others keep their bits, and after 25 more steps every run equals a fresh session again.
fn check_edits(sc: &Scenario, edits: &[Edit]) {
    const M: u64 = 25;
    for &(what, i, edit) in edits {
        for k in [0, 1, 37] {
            let mut pg = pg_of(sc.clone());
            pg.step(k);
            let before = traces_of(&pg);
            let old_spec = pg.scenario().runs[i].clone();
            edit(&mut pg).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_ne!(pg.scenario().runs[i], old_spec, "{what}: nothing changed");
            assert_eq!(pg.session().runs[i].iterations(), k, "{what} at {k}");
            let f = fresh(pg.scenario(), k);
            assert_run_fresh(&pg, &f, i);
            for (j, b) in before.iter().enumerate() {
                if j != i {
                    assert_same_trace(&pg.session().runs[j].trace, b);
                }
            }
            pg.step(M);
            assert_all_fresh(&pg, k + M);
        }
    }
}

#[test]
fn edits_on_a_named_surface_equal_a_fresh_share_link() {
    check_edits(&named_scenario(), &named_edits());
}

#[test]
fn edits_on_an_expression_equal_a_fresh_share_link() {
    check_edits(&expr_scenario(), &expr_edits());
}

#[test]
fn edits_on_data_with_mini_batches_equal_a_fresh_share_link() {
    check_edits(&data_scenario(), &data_edits());
}

#[test]
fn an_edit_shows_up_in_the_share_link() {
    let mut pg = pg_of(named_scenario());
    pg.step(10);
    pg.set_hyper(2, "rho", 0.8).unwrap();
    pg.set_hyper(0, "lr", 0.02).unwrap();
    let sc = pg.scenario();
    assert_eq!(sc.runs[0].optimizer.get("lr"), Some(0.02));
    let inner = sc.runs[2].optimizer.inner.as_ref().unwrap();
    assert_eq!(inner.get("rho"), Some(0.8));
    assert_eq!(sc.runs[2].optimizer.get("rho"), None);
    // Through the JSON text and back: the same scenario and the same bits.
    let back = Scenario::from_json(&sc.to_json()).unwrap();
    assert_eq!(&back, sc);
    pg.step(20);
    let f = fresh(&back, 30);
    for i in 0..f.runs.len() {
        assert_run_fresh(&pg, &f, i);
    }
}

#[test]
fn add_run_catches_up() {
    for sc in [named_scenario(), data_scenario()] {
        for name in ["nadam", "lookahead", "lbfgs", "gd"] {
            let mut pg = pg_of(sc.clone());
            pg.step(37);
            let before = traces_of(&pg);
            let i = pg.add_run(name).unwrap();
            assert_eq!(i, before.len());
            assert_eq!(pg.scenario().runs.len(), before.len() + 1);
            assert_eq!(pg.session().runs[i].iterations(), 37, "{name}");
            let f = fresh(pg.scenario(), 37);
            assert_run_fresh(&pg, &f, i);
            for (j, b) in before.iter().enumerate() {
                assert_same_trace(&pg.session().runs[j].trace, b);
            }
            // A colour no other run has.
            let c = pg.run_color(i);
            assert!(PALETTE.contains(&c.as_str()));
            assert!((0..i).all(|j| pg.run_color(j) != c), "{c} is taken");
            pg.step(25);
            assert_all_fresh(&pg, 62);
        }
    }
    let mut pg = pg_of(named_scenario());
    assert!(pg.add_run("nope").unwrap_err().contains("nope"));
    while pg.scenario().runs.len() < MAX_RUNS {
        pg.add_run("gd").unwrap();
    }
    let sc = pg.scenario().clone();
    let before = traces_of(&pg);
    pg.take_redraw();
    let e = pg.add_run("gd").unwrap_err();
    assert!(e.contains(&MAX_RUNS.to_string()), "{e}");
    assert_unchanged(&mut pg, &sc, &before);
}

#[test]
fn remove_run_keeps_the_others() {
    for j in 0..4 {
        let mut pg = pg_of(named_scenario());
        pg.step(37);
        let before = traces_of(&pg);
        pg.remove_run(j).unwrap();
        let rest: Vec<&Trace> = before
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != j)
            .map(|(_, t)| t)
            .collect();
        assert_eq!(pg.session().runs.len(), 3);
        for (r, b) in pg.session().runs.iter().zip(&rest) {
            assert_eq!(r.iterations(), 37);
            assert_same_trace(&r.trace, b);
        }
        assert_all_fresh(&pg, 37);
        pg.step(25);
        assert_all_fresh(&pg, 62);
    }
    // Two runs with the same specification: removing either keeps the other's bits.
    let mut sc = expr_scenario();
    sc.runs.push(sc.runs[0].clone());
    let mut pg = pg_of(sc);
    pg.step(37);
    let before = traces_of(&pg);
    pg.remove_run(3).unwrap();
    for (r, b) in pg.session().runs.iter().zip(&before) {
        assert_same_trace(&r.trace, b);
    }
    assert_all_fresh(&pg, 37);
}

#[test]
fn set_enabled_restarts_nothing() {
    let mut pg = pg_of(named_scenario());
    pg.step(37);
    let before = traces_of(&pg);
    pg.take_redraw();
    pg.set_enabled(1, false).unwrap();
    // A restarted run would ask for the scatter plot (its model) to be drawn again.
    let l = pg.take_redraw();
    assert!(
        l.contains(Layers::TRAILS) && !l.contains(Layers::SCATTER),
        "{l:?}"
    );
    assert_eq!(pg.scenario().runs[1].enabled, Some(false));
    assert!(!pg.run_visible(1) && pg.run_visible(0));
    for (r, b) in pg.session().runs.iter().zip(&before) {
        assert_eq!(r.iterations(), 37);
        assert_same_trace(&r.trace, b);
    }
    // A hidden run keeps stepping.
    pg.step(25);
    assert_all_fresh(&pg, 62);
    pg.set_enabled(1, true).unwrap();
    assert_eq!(pg.scenario().runs[1].enabled, None);
    assert!(pg.run_visible(1));
    assert_all_fresh(&pg, 62);
    // A colour change restarts nothing either.
    let before = traces_of(&pg);
    with_run(&mut pg, 0, |r| r.color = Some("#123456".into())).unwrap();
    assert_eq!(pg.run_color(0), "#123456");
    for (r, b) in pg.session().runs.iter().zip(&before) {
        assert_same_trace(&r.trace, b);
    }
}

#[test]
fn set_steps_cuts_back_to_a_fresh_session() {
    for sc in [named_scenario(), data_scenario()] {
        let mut pg = pg_of(sc);
        pg.step(60);
        pg.set_steps(25.0).unwrap();
        assert_eq!(pg.scenario().steps, 25);
        assert_eq!(pg.iterations(), 25);
        assert!(pg.session().runs.iter().all(|r| r.iterations() == 25));
        assert_all_fresh(&pg, 25);
        assert!(pg.done());
        // Raising the limit restarts nothing.
        let before = traces_of(&pg);
        pg.set_steps(100.0).unwrap();
        for (r, b) in pg.session().runs.iter().zip(&before) {
            assert_same_trace(&r.trace, b);
        }
        pg.step(30);
        assert_all_fresh(&pg, 55);
        // Stepping stops at the limit.
        pg.step(1000);
        assert_eq!(pg.iterations(), 100);
        assert_all_fresh(&pg, 100);
    }
}

#[test]
fn set_start_restarts_every_run() {
    for (sc, p) in [
        (named_scenario(), Vec2::new(0.5, -0.5)),
        (data_scenario(), Vec2::new(1.0, -1.0)),
    ] {
        let mut pg = pg_of(sc);
        pg.step(37);
        pg.set_start(p).unwrap();
        assert_eq!(pg.scenario().start, p);
        assert_eq!(pg.iterations(), 0);
        for r in &pg.session().runs {
            assert_eq!(bits(&r.trace.path), bits(&[p]));
        }
        pg.step(25);
        assert_all_fresh(&pg, 25);
    }
}

#[test]
fn click_sets_the_start_under_the_pointer() {
    let mut pg = pg_of(named_scenario());
    pg.set_canvas(1000, 700, 2.0);
    pg.step(5);
    let r = pg.plot();
    let css = ((r.x + 0.25 * r.w) / 2.0, (r.y + 0.75 * r.h) / 2.0);
    let p = pg.point_at(css).unwrap();
    assert_eq!(pg.click(css), Ok(true));
    assert_eq!(pg.scenario().start, p);
    assert_eq!(pg.iterations(), 0);
    let sc = pg.scenario().clone();
    assert_eq!(pg.click((0.0, 0.0)), Ok(false));
    assert_eq!(pg.scenario(), &sc);
}

#[test]
fn load_reset_and_surface_parameters_start_over() {
    let mut pg = pg_of(named_scenario());
    pg.step(30);
    pg.set_cursor(10.0);
    pg.set_playing(true);
    pg.select_run(2);
    pg.take_redraw();
    pg.load(data_scenario()).unwrap();
    assert_eq!(pg.scenario(), &data_scenario());
    assert!(!pg.playing() && !pg.scrubbed());
    assert_eq!((pg.selected(), pg.iterations()), (0, 0));
    assert_eq!(pg.take_redraw(), Layers::ALL);
    pg.step(20);
    assert_all_fresh(&pg, 20);
    let mut bad = named_scenario();
    bad.steps = 200_000;
    refused(&mut pg, "load", &["steps"], move |pg| pg.load(bad));
    assert_all_fresh(&pg, 20);
    pg.reset();
    assert_eq!(pg.iterations(), 0);
    pg.step(7);
    assert_all_fresh(&pg, 7);

    let mut pg = pg_of(named_scenario());
    pg.step(15);
    pg.set_surface_param("b", 20.0).unwrap();
    assert_eq!(pg.scenario().surface.params.as_ref().unwrap()["b"], 20.0);
    assert_eq!(pg.iterations(), 0);
    pg.step(15);
    assert_all_fresh(&pg, 15);
}

// ================================================================ 3. playback and the cursor

#[test]
fn playing_advances_speed_iterations_per_frame_and_stops_at_the_end() {
    let mut sc = named_scenario();
    sc.steps = 25;
    let mut pg = pg_of(sc);
    assert!(!pg.playing());
    assert!(!pg.frame(), "a frame while paused");
    assert_eq!(pg.iterations(), 0);
    assert_eq!(pg.speed(), 10);
    pg.set_playing(true);
    assert!(pg.playing());
    assert!(pg.frame());
    assert_eq!(pg.iterations(), 10);
    pg.set_speed(3.0);
    assert!(pg.frame());
    assert_eq!(pg.iterations(), 13);
    assert_all_fresh(&pg, 13);
    pg.set_speed(10.0);
    assert!(pg.frame());
    assert_eq!(pg.iterations(), 23);
    assert!(!pg.frame(), "still playing at the end");
    assert_eq!(pg.iterations(), 25);
    assert!(pg.done() && !pg.playing());
    assert_all_fresh(&pg, 25);
    // At the end (not scrubbed), play replays the timeline from the first step.
    pg.set_playing(true);
    assert!(pg.playing());
    assert_eq!((pg.cursor(), pg.scrubbed()), (0, true));
    assert!(pg.frame());
    assert_eq!(pg.cursor(), 10);
    assert_eq!(pg.iterations(), 25, "replaying computes nothing new");
    // Pause.
    let mut pg = pg_of(named_scenario());
    pg.set_playing(true);
    pg.frame();
    pg.set_playing(false);
    assert!(!pg.frame());
    assert_eq!(pg.iterations(), 10);
}

#[test]
fn all_runs_diverging_stops_playback() {
    let mut sc = diverging_scenario();
    sc.runs.truncate(1);
    let mut pg = pg_of(sc);
    pg.set_speed(50.0);
    pg.set_playing(true);
    assert!(pg.frame());
    assert!(!pg.frame(), "the only run diverged at 82");
    assert_eq!(pg.iterations(), 82);
    assert!(pg.done());
}

#[test]
fn the_cursor_scrubs_through_what_is_computed() {
    let mut sc = named_scenario();
    sc.steps = 200;
    let mut pg = pg_of(sc);
    pg.step(100);
    assert_eq!(pg.cursor(), 100);
    assert!(!pg.scrubbed());
    pg.set_cursor(40.0);
    assert_eq!(pg.cursor(), 40);
    assert!(pg.scrubbed());
    pg.set_cursor(40.7);
    assert_eq!(pg.cursor(), 40);
    pg.set_cursor(-5.0);
    assert_eq!(pg.cursor(), 0);
    assert!(pg.scrubbed());
    pg.set_cursor(1e9);
    assert_eq!(pg.cursor(), 100);
    assert!(!pg.scrubbed());
    pg.set_cursor(100.0);
    assert!(!pg.scrubbed());
    pg.set_cursor(f64::NAN);
    assert_eq!(pg.cursor(), 100);
    assert!(!pg.scrubbed());

    // Frames while scrubbed move the cursor by `speed` without stepping the runs.
    pg.set_cursor(40.0);
    pg.set_speed(25.0);
    let before = traces_of(&pg);
    pg.set_playing(true);
    for want in [65, 90] {
        assert!(pg.frame());
        assert_eq!(pg.cursor(), want);
        assert!(pg.scrubbed());
        assert_eq!(pg.iterations(), 100);
    }
    for (r, b) in pg.session().runs.iter().zip(&before) {
        assert_same_trace(&r.trace, b);
    }
    // Past the end: back at the latest, still playing; the next frame steps.
    assert!(pg.frame());
    assert!(!pg.scrubbed());
    assert_eq!(pg.cursor(), 100);
    assert_eq!(pg.iterations(), 100);
    assert!(pg.frame());
    assert_eq!(pg.iterations(), 125);
    assert_eq!(pg.cursor(), 125);
    assert_all_fresh(&pg, 125);

    // step(n) shows the latest again.
    pg.set_playing(false);
    pg.set_cursor(10.0);
    pg.step(1);
    assert!(!pg.scrubbed());
    assert_eq!(pg.cursor(), 126);

    // When done, a scrubbed timeline plays through to the end, then stops.
    pg.step(1000);
    assert!(pg.done());
    pg.set_cursor(180.0);
    pg.set_playing(true);
    assert!(pg.playing(), "scrubbed back: play runs the timeline");
    assert!(pg.frame());
    assert_eq!(pg.cursor(), 200);
    assert!(!pg.scrubbed());
    assert!(!pg.frame());
    assert!(!pg.playing());
}

#[test]
fn speed_is_clamped() {
    let mut pg = pg_of(named_scenario());
    for (v, want) in [
        (0.0, 1),
        (-5.0, 1),
        (1.0, 1),
        (7.9, 7),
        (250.0, 250),
        (1000.0, 1000),
        (5000.0, 1000),
        (f64::NAN, 10),
    ] {
        pg.set_speed(v);
        assert_eq!(pg.speed(), want, "set_speed({v})");
    }
    pg.set_speed(4.0);
    pg.set_playing(true);
    pg.frame();
    assert_eq!(pg.iterations(), 4);
}

// ================================================================ 4. redraw

/// A change of the view, given the CSS pixel at the plot's centre.
type ViewChange = fn(&mut Playground, (f64, f64));

#[test]
fn redraw_after_each_change() {
    let mut pg = pg_of(named_scenario());
    assert_eq!(pg.take_redraw(), Layers::ALL);
    assert!(pg.take_redraw().is_empty());

    pg.step(5);
    let l = pg.take_redraw();
    assert!(l.contains(Layers::MARKS) && l.contains(Layers::CHARTS) && l.contains(Layers::SCATTER));
    assert!(
        !l.contains(Layers::MAP) && !l.contains(Layers::TRAILS),
        "{l:?}"
    );

    let r = pg.plot();
    let mid = (
        (r.x + 0.5 * r.w) / pg.scale(),
        (r.y + 0.5 * r.h) / pg.scale(),
    );
    let changes: [(&str, ViewChange); 4] = [
        ("pan", |pg, _| pg.pan(10.0, -5.0)),
        ("zoom", |pg, mid| pg.zoom(mid, 1.5)),
        ("set_view", |pg, _| {
            assert!(pg.set_view([-1.0, 1.0, -1.0, 1.0]))
        }),
        ("reset_view", |pg, _| pg.reset_view()),
    ];
    for (what, f) in changes {
        f(&mut pg, mid);
        let l = pg.take_redraw();
        assert!(
            l.contains(Layers::MAP) && l.contains(Layers::TRAILS),
            "{what}: {l:?}"
        );
        assert!(!l.contains(Layers::CHARTS), "{what}: {l:?}");
    }
    // Refused view changes redraw nothing.
    assert!(!pg.set_view([1.0, 0.0, 0.0, 1.0]));
    pg.zoom((0.0, 0.0), 2.0);
    pg.pan(f64::NAN, 0.0);
    assert!(pg.take_redraw().is_empty());

    pg.set_cursor(2.0);
    let l = pg.take_redraw();
    assert!(
        l.contains(Layers::TRAILS) && !l.contains(Layers::MAP),
        "{l:?}"
    );
    pg.set_cursor(2.0);
    assert!(pg.take_redraw().is_empty(), "the cursor did not move");

    pg.set_enabled(1, false).unwrap();
    let l = pg.take_redraw();
    assert!(
        l.contains(Layers::TRAILS) && !l.contains(Layers::MAP),
        "{l:?}"
    );

    pg.set_hyper(0, "lr", 0.01).unwrap();
    let l = pg.take_redraw();
    assert!(l.contains(Layers::TRAILS) && l.contains(Layers::CHARTS) && !l.contains(Layers::MAP));

    pg.set_start(Vec2::new(0.0, 0.0)).unwrap();
    let l = pg.take_redraw();
    assert!(
        l.contains(Layers::TRAILS) && !l.contains(Layers::MAP),
        "{l:?}"
    );

    pg.set_surface("himmelblau").unwrap();
    assert_eq!(pg.take_redraw(), Layers::ALL);
    pg.set_expr("x^2 + y^2").unwrap();
    assert_eq!(pg.take_redraw(), Layers::ALL);
    pg.set_data("linear").unwrap();
    assert_eq!(pg.take_redraw(), Layers::ALL);
    pg.set_canvas(900, 600, 1.5);
    assert_eq!(pg.take_redraw(), Layers::ALL);
    pg.set_canvas(900, 600, 1.5);
    assert!(pg.take_redraw().is_empty(), "the same canvas");

    pg.set_x_axis(XAxis::GradEvals);
    assert_eq!(pg.take_redraw(), Layers::CHARTS);
    pg.set_x_axis(XAxis::GradEvals);
    assert!(pg.take_redraw().is_empty());
    pg.select_run(1);
    assert_eq!(pg.take_redraw(), Layers::SCATTER);
    pg.select_run(99);
    assert_eq!(pg.selected(), 1);
    assert!(pg.take_redraw().is_empty());

    // A refused edit: nothing to draw, nothing changed.
    let sc = pg.scenario().clone();
    assert!(pg.set_hyper(0, "lr", f64::NAN).is_err());
    assert!(pg.take_redraw().is_empty());
    assert_eq!(pg.scenario(), &sc);
}

// ================================================================ 5. read-outs and hover

#[test]
fn hover_reads_the_surface_under_the_pointer() {
    let mut pg = pg_of(named_scenario());
    pg.set_canvas(1600, 1120, 2.0);
    assert_eq!(pg.scale(), 2.0);
    let p = Vec2::new(-0.5, 0.5);
    let (px, py) = pg.viewport().to_px(p);
    let css = (px / pg.scale(), py / pg.scale());
    let q = pg.point_at(css).unwrap();
    assert!((q - p).norm() < 1e-12, "{q:?}");
    let l = pg.session().surface.value(p);
    assert_eq!(l, 8.5); // (1 - x)² + 100(y - x²)²
    let want = format!(
        "x = {}   y = {}   L = {}",
        fmt_num(p.x),
        fmt_num(p.y),
        fmt_num(l)
    );
    assert_eq!(pg.hover(css), want);
    assert_eq!(pg.hover(css), "x = −0.5   y = 0.5   L = 8.5");
    // Outside the plot: nothing.
    let r = pg.plot();
    for out in [
        (1.0, 1.0),
        (-10.0, 300.0),
        ((r.x - 2.0) / 2.0, (r.y + 10.0) / 2.0),
        ((r.right() + 2.0) / 2.0, (r.y + 10.0) / 2.0),
        ((r.x + 10.0) / 2.0, (r.bottom() + 2.0) / 2.0),
        (f64::NAN, 100.0),
    ] {
        assert_eq!(pg.hover(out), "", "{out:?}");
    }
    // On a data surface, the model's parameters name the axes.
    pg.set_data("linear").unwrap();
    let v = pg.viewport().view();
    let p = Vec2::new(0.5 * (v[0] + v[1]), 0.25 * v[2] + 0.75 * v[3]);
    let (px, py) = pg.viewport().to_px(p);
    let css = (px / pg.scale(), py / pg.scale());
    let q = pg.point_at(css).unwrap();
    let l = pg.session().surface.value(q);
    assert_eq!(
        pg.hover(css),
        format!(
            "w = {}   b = {}   L = {}",
            fmt_num(q.x),
            fmt_num(q.y),
            fmt_num(l)
        )
    );
    assert!((q - p).norm() <= 1e-12 * (v[1] - v[0]), "{q:?} vs {p:?}");
}

#[test]
fn readouts_at_a_scrubbed_cursor() {
    let mut pg = pg_of(diverging_scenario());
    pg.step(150);
    let t = traces_of(&pg);
    assert_eq!(t[0].diverged_at, Some(82));
    let ro = pg.readouts();
    assert_eq!(ro.len(), 2);
    assert_eq!(ro[0].status, "diverged at step 82");
    assert!(ro[0].diverged);
    assert_eq!(ro[0].step, 82);
    assert_eq!(ro[0].iterations, 82);
    assert_eq!(ro[0].loss, fmt_num(t[0].loss[82]));
    assert_eq!(ro[1].status, "done");
    assert!(!ro[1].diverged);
    assert_eq!(ro[1].step, 150);
    assert_eq!(ro[1].loss, fmt_num(t[1].loss[150]));
    assert_eq!(ro[1].epoch, "");
    for k in [0usize, 1, 40, 81] {
        pg.set_cursor(k as f64);
        let ro = pg.readouts();
        for (i, r) in ro.iter().enumerate() {
            assert_eq!(r.step, k as u64, "run {i}");
            assert_eq!(r.loss, fmt_num(t[i].loss[k]), "run {i} at {k}");
            let p = t[i].path[k];
            assert_eq!(r.point, format!("({}, {})", fmt_num(p.x), fmt_num(p.y)));
            let e = pg.session().runs[i].evals_at[k];
            assert_eq!(
                r.evals,
                format!("{} L, {} ∇L, {} ∇²L", e.value, e.grad, e.hessian)
            );
        }
        assert_eq!(ro[0].status, "", "not yet diverged at {k}");
        assert!(!ro[0].diverged);
    }
    // Mid-way, nothing is done or diverged.
    let mut pg = pg_of(diverging_scenario());
    pg.step(30);
    let ro = pg.readouts();
    assert!(ro.iter().all(|r| r.status.is_empty() && r.step == 30));
    // At θ₀ before any iteration, the rate and gradient norm are unknown.
    let pg = pg_of(diverging_scenario());
    let ro = pg.readouts();
    assert_eq!(ro[0].lr, "–");
    assert_eq!(ro[0].grad_norm, "–");
    assert_eq!(ro[0].loss, fmt_num(11.0));
    assert_eq!(ro[0].point, "(1, 1)");
    assert_eq!(ro[0].label, "gd");
    assert_eq!(ro[1].label, "gd #2");
    assert_eq!(ro[0].color, PALETTE[0]);
    assert!(ro[0].enabled);
}

#[test]
fn readouts_count_epochs_of_mini_batches() {
    let mut pg = pg_of(data_scenario());
    pg.step(37);
    let ro = pg.readouts();
    // 60 points in batches of 8: 8 batches an epoch; of 16: 4.
    assert_eq!(ro[0].epoch, "epoch 4.6 · batch 8 of 60");
    assert_eq!(ro[1].epoch, "epoch 9.2 · batch 16 of 60");
    assert_eq!(ro[2].epoch, "", "full batch");
    pg.set_cursor(16.0);
    let ro = pg.readouts();
    assert_eq!(ro[0].epoch, "epoch 2 · batch 8 of 60");
    assert_eq!(ro[1].epoch, "epoch 4 · batch 16 of 60");
    // Not on an expression.
    let mut pg = pg_of(expr_scenario());
    pg.step(5);
    assert!(pg.readouts().iter().all(|r| r.epoch.is_empty()));
}

// ================================================================ 6. edits validate and lose nothing

/// Runs `edit` on a playground stepped 20; it must fail with a message containing every one of
/// `want`, and change nothing.
#[track_caller]
fn refused(
    pg: &mut Playground,
    what: &str,
    want: &[&str],
    edit: impl FnOnce(&mut Playground) -> Result<(), String>,
) {
    let sc = pg.scenario().clone();
    let before = traces_of(pg);
    let (view, cursor) = (pg.viewport().view(), pg.cursor());
    pg.take_redraw();
    let e = match edit(pg) {
        Err(e) => e,
        Ok(()) => panic!("{what}: accepted"),
    };
    for w in want {
        assert!(e.contains(w), "{what}: {e:?} does not name {w:?}");
    }
    assert_unchanged(pg, &sc, &before);
    assert_eq!(pg.viewport().view(), view, "{what}: the view moved");
    assert_eq!(pg.cursor(), cursor, "{what}: the cursor moved");
}

#[test]
fn invalid_edits_are_refused_and_change_nothing() {
    let mut pg = pg_of(named_scenario());
    pg.step(20);
    let pg = &mut pg;
    refused(pg, "lr < 0", &["runs[0].optimizer.lr"], |pg| {
        pg.set_hyper(0, "lr", -1.0)
    });
    refused(pg, "lr NaN", &["lr", "finite"], |pg| {
        pg.set_hyper(0, "lr", f64::NAN)
    });
    refused(pg, "beta1 1.2", &["runs[0].optimizer.beta1", "1.2"], |pg| {
        pg.set_hyper(0, "beta1", 1.2)
    });
    refused(pg, "inner lr", &["runs[2].optimizer.inner.lr"], |pg| {
        pg.set_hyper(2, "lr", 0.0)
    });
    refused(pg, "inner rho", &["runs[2].optimizer.inner.rho"], |pg| {
        pg.set_hyper(2, "rho", 1.5)
    });
    refused(pg, "unknown name", &["adam", "foo"], |pg| {
        pg.set_hyper(0, "foo", 1.0)
    });
    refused(pg, "not taken", &["momentum", "beta1"], |pg| {
        pg.set_hyper(1, "beta1", 0.9)
    });
    refused(
        pg,
        "not taken by lookahead",
        &["lookahead", "beta1"],
        |pg| pg.set_hyper(2, "beta1", 0.9),
    );
    refused(pg, "no run", &["no run 9"], |pg| pg.set_hyper(9, "lr", 0.1));
    refused(pg, "clip on bfgs", &["runs[3].clip"], |pg| {
        with_run(pg, 3, |r| r.clip = Some(Clip::Norm(1.0)))
    });
    refused(pg, "clip 0", &["runs[0].clip.norm"], |pg| {
        with_run(pg, 0, |r| r.clip = Some(Clip::Norm(0.0)))
    });
    refused(pg, "noise", &["runs[1].noise"], |pg| {
        with_run(pg, 1, |r| r.noise = Some(-1.0))
    });
    refused(pg, "batch 0", &["runs[1].batch_size"], |pg| {
        with_run(pg, 1, |r| r.batch_size = Some(0))
    });
    refused(pg, "colour", &["runs[0].color"], |pg| {
        with_run(pg, 0, |r| r.color = Some("red".into()))
    });
    refused(pg, "schedule", &["runs[0].schedule", "t_max"], |pg| {
        with_run(pg, 0, |r| {
            r.schedule = Some(Schedule {
                shape: Shape::Cosine {
                    t_max: 0.0,
                    lr_min: 0.0,
                },
                warmup: 0,
            })
        })
    });
    refused(pg, "set_run of no run", &["no run 4"], |pg| {
        pg.set_run(4, run(opt(OptKind::Gd, 0.1)))
    });
    refused(pg, "remove no run", &["no run 4"], |pg| pg.remove_run(4));
    refused(pg, "enable no run", &["no run 4"], |pg| {
        pg.set_enabled(4, false)
    });
    refused(pg, "start NaN", &["start"], |pg| {
        pg.set_start(Vec2::new(f64::NAN, 0.0))
    });
    refused(pg, "start far", &["start"], |pg| {
        pg.set_start(Vec2::new(1e13, 0.0))
    });
    for n in [0.0, -1.0, 0.5, 100_001.0, f64::NAN, f64::INFINITY] {
        refused(pg, "steps", &["step limit", "100000"], |pg| pg.set_steps(n));
    }
    refused(pg, "surface", &["unknown surface", "nope"], |pg| {
        pg.set_surface("nope")
    });
    refused(pg, "surface param", &["surface.params.zzz"], |pg| {
        pg.set_surface_param("zzz", 1.0)
    });
    refused(pg, "surface param NaN", &["surface.params.b"], |pg| {
        pg.set_surface_param("b", f64::NAN)
    });
    refused(pg, "expression", &["column 5"], |pg| {
        pg.set_expr("1 + sinn(x)")
    });
    refused(pg, "expression", &["column"], |pg| pg.set_expr("x^2 + (y"));
    refused(pg, "data field", &["not a data set"], |pg| {
        pg.set_data_field("n", "10")
    });
    refused(pg, "data kind", &["unknown data kind", "cubic"], |pg| {
        pg.set_data("cubic")
    });
    assert_eq!(pg.scenario(), &named_scenario());

    // Expressions: the last good one stays.
    let mut pg = pg_of(expr_scenario());
    pg.step(20);
    let pg = &mut pg;
    refused(pg, "params of an expression", &["surface.params"], |pg| {
        pg.set_surface_param("a", 1.0)
    });
    refused(pg, "bad expression", &["column 1"], |pg| pg.set_expr(")"));

    // Data fields.
    let mut pg = pg_of(scenario_data(
        DataSpec::default_for(DataKind::Logistic),
        [0.0, 0.0],
        50,
        Some(10),
        vec![run(opt(OptKind::Adam, 0.05))],
    ));
    pg.step(20);
    let pg = &mut pg;
    refused(pg, "n not a number", &["'abc' is not a number"], |pg| {
        pg.set_data_field("n", "abc")
    });
    refused(pg, "n too small", &["data.n"], |pg| {
        pg.set_data_field("n", "1")
    });
    refused(pg, "n too large", &["data.n"], |pg| {
        pg.set_data_field("n", "5000")
    });
    refused(pg, "noise", &["data.noise"], |pg| {
        pg.set_data_field("noise", "-1")
    });
    refused(pg, "noise inf", &["finite"], |pg| {
        pg.set_data_field("noise", "inf")
    });
    refused(pg, "seed", &["seed"], |pg| pg.set_data_field("seed", "1.5"));
    refused(pg, "seed", &["seed"], |pg| pg.set_data_field("seed", "-3"));
    refused(pg, "features", &["unknown features", "fancy"], |pg| {
        pg.set_data_field("features", "fancy")
    });
    refused(
        pg,
        "batchnorm on logistic",
        &["batchnorm", "linear"],
        |pg| pg.set_data_field("features", "batchnorm"),
    );
    refused(pg, "field", &["no field 'colour'"], |pg| {
        pg.set_data_field("colour", "1")
    });
}

#[test]
fn valid_data_edits_restart_on_the_new_data() {
    let mut pg = pg_of(data_scenario());
    pg.step(20);
    let start = pg.scenario().start;
    let view = pg.viewport().view();
    pg.set_data_field("noise", "0.8").unwrap();
    pg.set_data_field("seed", "3").unwrap();
    let d = pg.scenario().data.clone().unwrap();
    assert_eq!((d.noise, d.seed, d.n), (0.8, 3, 60));
    // Noise and seed keep the start and the view.
    assert_eq!(pg.scenario().start, start);
    assert_eq!(pg.viewport().view(), view);
    assert_eq!(pg.iterations(), 0);
    pg.step(10);
    assert_all_fresh(&pg, 10);
    pg.set_data_field("features", "batchnorm").unwrap();
    pg.set_data_field("n", "−40").unwrap_err();
    pg.set_data_field("n", "40").unwrap();
    assert_eq!(pg.scenario().data.as_ref().unwrap().n, 40);
    assert_eq!(
        pg.scenario().data.as_ref().unwrap().features,
        Features::Batchnorm
    );
    pg.step(10);
    assert_all_fresh(&pg, 10);
}

// ================================================================ 7. what the page offers

#[test]
fn picking_each_kind_of_surface() {
    let mut pg = pg_of(named_scenario());
    pg.set_surface_param("b", 50.0).unwrap();
    assert_eq!(pg.scenario().surface.params.as_ref().unwrap()["b"], 50.0);

    pg.set_surface("himmelblau").unwrap();
    assert_eq!(pg.scenario().surface.name.as_deref(), Some("himmelblau"));
    assert_eq!(
        pg.scenario().surface.params,
        None,
        "a new surface starts with its defaults"
    );
    let info = Surface::named("himmelblau").unwrap().info().unwrap();
    assert_eq!(pg.scenario().start, Vec2::from(info.start));

    let src = "x^2 + 3*y^2";
    pg.set_expr(src).unwrap();
    assert_eq!(pg.scenario().surface.expr.as_deref(), Some(src));
    assert_eq!(pg.scenario().surface.name, None);
    // A second expression keeps the view.
    pg.set_view([-1.0, 1.0, -1.0, 1.0]);
    let view = pg.viewport().view();
    pg.set_expr("x^2 + y^2").unwrap();
    assert_eq!(pg.viewport().view(), view);

    for kind in DataKind::ALL {
        pg.set_data(kind.option().name).unwrap();
        assert_eq!(pg.scenario().data, Some(DataSpec::default_for(kind)));
        assert_eq!(pg.scenario().surface, Default::default());
        assert!(!kind.option().formula.is_empty());
        // The data set's own view and start.
        let s = Surface::data(&DataSpec::default_for(kind));
        assert_eq!(pg.scenario().start, s.default_start());
        assert_eq!(pg.viewport().view(), {
            let mut vp = *pg.viewport();
            vp.set_view(s.view());
            vp.view()
        });
    }
}

#[test]
fn options_list_every_choice() {
    let o = playground::options();
    assert_eq!(
        names(o.schedules.iter().map(|s| s.name)),
        names(schedule::SCHEDULES.iter().map(|s| s.name))
    );
    assert_eq!(
        names(o.schedules.iter().map(|s| s.name)),
        ["constant", "step", "exponential", "cosine", "warm_restarts"]
    );
    assert_eq!(o.warmup.name, "warmup");
    assert_eq!(
        names(o.line_searches.iter().map(|c| c.name)),
        ["wolfe", "armijo", "none"]
    );
    assert!(o.line_searches.iter().all(|c| !c.title.is_empty()));
    assert_eq!(names(o.clips.iter().map(|c| c.name)), ["norm", "value"]);
    assert_eq!(
        names(o.data_kinds.iter().map(|k| k.name)),
        ["linear", "logistic"]
    );
    let f: Vec<(&str, Vec<&str>)> = o
        .features
        .iter()
        .map(|f| (f.name, f.kinds.clone()))
        .collect();
    assert_eq!(
        f,
        vec![
            ("raw", vec!["linear", "logistic"]),
            ("standardized", vec!["linear", "logistic"]),
            ("batchnorm", vec!["linear"]),
        ]
    );
    // The page reads them as JSON.
    let v: serde_json::Value = serde_json::to_value(&o).unwrap();
    assert_eq!(
        v["schedules"].as_array().unwrap().len(),
        schedule::SCHEDULES.len()
    );
    assert_eq!(v["features"][2]["kinds"], serde_json::json!(["linear"]));
}

// ================================================================ bugs found by these tests
//
// Each failed before its fix.

/// The read-out's rate and gradient norm at step k are those of the iteration that led to θ_k,
/// whether or not later iterations have been computed.
#[test]
fn readout_at_a_step_does_not_depend_on_later_steps() {
    let mut gd = run(opt(OptKind::Gd, 0.05));
    gd.schedule = Some(Schedule {
        shape: Shape::Exponential { decay: 0.1 },
        warmup: 0,
    });
    let mut pg = pg_of(scenario_expr("x^2 + 10*y^2", [1.0, 1.0], 100, vec![gd]));
    pg.step(10);
    let live = pg.readouts().remove(0);
    pg.step(10);
    pg.set_cursor(10.0);
    let scrubbed = pg.readouts().remove(0);
    assert_eq!(scrubbed.step, live.step);
    assert_eq!(scrubbed.loss, live.loss);
    assert_eq!(scrubbed.lr, live.lr, "the rate shown at step 10");
    assert_eq!(scrubbed.grad_norm, live.grad_norm, "‖∇L‖ shown at step 10");
}

/// Cutting the step limit below a scrubbed cursor keeps the cursor within what is computed.
#[test]
fn cursor_stays_within_what_is_computed_after_set_steps() {
    let mut pg = pg_of(named_scenario());
    pg.step(100);
    pg.set_cursor(80.0);
    pg.set_steps(30.0).unwrap();
    assert_eq!(pg.iterations(), 30);
    assert!(
        pg.cursor() <= pg.iterations(),
        "cursor {} of {} iterations",
        pg.cursor(),
        pg.iterations()
    );
}

/// Scrubbed back, a finished run says "done" only at its end, as a diverged run says so only at
/// its end.
#[test]
fn done_is_shown_only_at_the_end() {
    let mut pg = pg_of(diverging_scenario());
    pg.step(150);
    pg.set_cursor(40.0);
    let ro = pg.readouts();
    assert_eq!(ro[0].status, "");
    assert_eq!(ro[1].status, "", "run 1 at step 40 of 150");
}

/// Removing a run keeps the selection (the scatter plot's model) on the same run.
#[test]
fn removing_a_run_keeps_the_selection_on_the_same_run() {
    let mut pg = pg_of(named_scenario());
    let n = pg.scenario().runs.len();
    assert!(n >= 3);
    pg.select_run(2);
    let label = pg.session().runs[2].trace.label.clone();
    pg.remove_run(0).unwrap();
    assert_eq!(pg.selected(), 1);
    assert_eq!(pg.session().runs[1].trace.label, label);
    pg.remove_run(1).unwrap();
    assert_eq!(
        pg.selected(),
        0,
        "the selected run itself removed: the first"
    );
}

/// Every optimizer of the table can be added on every named surface, and the scenario it makes
/// reopens (as a share link does) to the same scenario.
#[test]
fn every_optimizer_can_be_added_and_its_link_reopens() {
    use optimizer_playground::optim::OPTIMIZERS;
    use optimizer_playground::surface::LIBRARY;
    for s in LIBRARY {
        let mut pg = pg_of(Playground::default_scenario());
        pg.set_surface(s.name).unwrap();
        for o in OPTIMIZERS {
            pg.add_run(o.name)
                .unwrap_or_else(|e| panic!("{} on {}: {e}", o.name, s.name));
        }
        let again = Scenario::from_json(&pg.scenario().to_json()).unwrap();
        assert_eq!(&again, pg.scenario(), "{}", s.name);
    }
}

// ================================================================ bounded work per frame

thread_local! {
    /// A fake clock: every read is one millisecond later.
    static TICKS: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

fn ticking_clock() -> f64 {
    TICKS.with(|t| {
        let v = t.get() + 1.0;
        t.set(v);
        v
    })
}

/// With a clock, a frame stops stepping when its budget is spent: a heavy scenario slows down
/// (the frame says how far it got) and later frames finish the work, with the same bits.
#[test]
fn frames_keep_to_their_budget_and_lose_nothing() {
    let mut pg = pg_of(named_scenario());
    pg.set_clock(ticking_clock);
    pg.set_speed(1000.0);
    pg.set_playing(true);
    assert!(pg.frame());
    let first = pg.last_frame_iterations();
    assert!(
        first < 100,
        "about 10 clock reads of 1 ms in a 10 ms budget: {first} iterations"
    );
    let mut frames = 1;
    while pg.playing() && frames < 100_000 {
        pg.frame();
        frames += 1;
    }
    assert!(pg.done(), "every run reaches the limit in the end");
    assert!(frames > 200 / 100, "{frames} frames");
    assert_all_fresh(&pg, pg.scenario().steps);
}

/// With a clock, an edit replays its run for a bounded time and the frames that follow finish
/// it; meanwhile the other runs wait, and the result is the fresh scenario's, bit for bit.
#[test]
fn an_edit_on_a_heavy_scenario_catches_up_over_frames() {
    let mut pg = pg_of(named_scenario());
    pg.step(100);
    pg.set_clock(ticking_clock);
    pg.set_hyper(0, "lr", 0.02).unwrap();
    let behind = pg.session().runs[0].iterations();
    assert!(
        behind < 100,
        "the edit returned before replaying 100 steps ({behind})"
    );
    let others: Vec<u64> = pg.session().runs[1..]
        .iter()
        .map(|r| r.iterations())
        .collect();
    let mut frames = 0;
    while pg.session().runs[0].iterations() < 100 && frames < 10_000 {
        pg.frame();
        frames += 1;
    }
    assert_eq!(pg.session().runs[0].iterations(), 100);
    let now: Vec<u64> = pg.session().runs[1..]
        .iter()
        .map(|r| r.iterations())
        .collect();
    assert_eq!(now, others, "paused: the other runs did not move");
    assert_all_fresh(&pg, 100);
}

/// The Step button's step: within a frame's budget, the rest in the next frames.
#[test]
fn a_step_soon_finishes_over_frames_with_the_same_bits() {
    let mut pg = pg_of(named_scenario());
    pg.set_clock(ticking_clock);
    pg.step_soon(40);
    let now: Vec<u64> = pg.session().runs.iter().map(|r| r.iterations()).collect();
    assert!(now.iter().any(|&k| k < 40), "not all at once: {now:?}");
    for _ in 0..1000 {
        pg.frame();
    }
    assert_all_fresh(&pg, 40);
}

/// Every run of a full scenario has a colour of its own, given or not.
#[test]
fn thirty_two_runs_have_thirty_two_colours() {
    let mut pg = pg_of(named_scenario());
    while pg.scenario().runs.len() < 32 {
        pg.add_run("gd").unwrap();
    }
    let colours: std::collections::BTreeSet<String> = (0..32).map(|i| pg.run_color(i)).collect();
    assert_eq!(colours.len(), 32, "{colours:?}");
    assert!(colours.iter().all(|c| c.len() == 7 && c.starts_with('#')));
    // Runs without a colour of their own take the palette's, as the map draws them.
    let mut sc = pg.scenario().clone();
    for r in &mut sc.runs {
        r.color = None;
    }
    pg.load(sc).unwrap();
    let again: std::collections::BTreeSet<String> = (0..32).map(|i| pg.run_color(i)).collect();
    assert_eq!(again.len(), 32);
    assert_eq!(pg.readouts()[20].color, pg.run_color(20));
}

/// A run added from the Add menu starts with a rate that does not blow up on the surface shown:
/// RAdam and SGD-HD on the default Rosenbrock scene diverged by step 3 at their catalog
/// defaults, gradient descent and momentum at step 1 on Goldstein–Price.
#[test]
fn added_runs_get_a_rate_that_does_not_blow_up_there() {
    let cases: [(&str, &[&str]); 3] = [
        (
            "rosenbrock",
            &["radam", "sgd_hd", "gd", "momentum", "nesterov", "adam"],
        ),
        (
            "goldstein_price",
            &["gd", "momentum", "nesterov", "sgd_hd", "adam"],
        ),
        ("beale", &["gd", "momentum", "adagrad", "rmsprop"]),
    ];
    for (surface, kinds) in cases {
        let mut pg = Playground::new(Playground::default_scenario()).unwrap();
        pg.set_surface(surface).unwrap();
        for &k in kinds {
            let i = pg.add_run(k).unwrap();
            pg.step(Playground::PROBE_STEPS);
            let t = &pg.session().runs[i].trace;
            assert_eq!(t.diverged_at, None, "{k} on {surface}");
            let lr = pg.scenario().runs[i].optimizer.value("lr").unwrap();
            // A catalog default that diverges was lowered; a rate ten times higher blows up.
            let mut spec = pg.scenario().runs[i].clone();
            if lr < playground::default_lr(OptKind::from_name(k).unwrap()) {
                spec.optimizer.set("lr", lr * 10.0);
                if let Some(h) = spec.optimizer.value("hyper_lr") {
                    spec.optimizer.set("hyper_lr", h * 100.0);
                }
                let sc = Scenario {
                    runs: vec![spec],
                    steps: Playground::PROBE_STEPS,
                    ..pg.scenario().clone()
                };
                let t = &Session::new(&sc).unwrap().finish()[0];
                let blown = t.diverged_at.is_some() || t.loss.iter().any(|l| *l > 1e3 * t.loss[0]);
                assert!(
                    blown,
                    "{k} on {surface}: lowered from {} needlessly",
                    lr * 10.0
                );
            }
        }
    }
    // The default scene's RAdam and SGD-HD were lowered.
    let mut pg = Playground::new(Playground::default_scenario()).unwrap();
    let mut last = 0;
    for k in ["radam", "sgd_hd"] {
        last = pg.add_run(k).unwrap();
        let lr = pg.scenario().runs[last].optimizer.value("lr").unwrap();
        assert!(
            lr < playground::default_lr(OptKind::from_name(k).unwrap()),
            "{k}: {lr}"
        );
    }
    // SGD-HD's hyper rate went down with the square of its rate: by a hundred for each ten.
    let o = &pg.scenario().runs[last].optimizer;
    let tens = (playground::default_lr(OptKind::SgdHd) / o.value("lr").unwrap())
        .log10()
        .round();
    let hyper = OptimizerConfig::new(OptKind::SgdHd)
        .value("hyper_lr")
        .unwrap();
    assert!(tens >= 1.0);
    let want = hyper * 0.01f64.powi(tens as i32);
    assert!(
        (o.value("hyper_lr").unwrap() / want - 1.0).abs() < 1e-9,
        "{o:?}"
    );
}

/// The narration says when a run diverges and when it first reaches each loss level, once,
/// at the iteration the trace shows it.
#[test]
fn milestones_name_divergence_and_loss_levels_once() {
    let json = r##"{"surface": {"name": "rosenbrock"}, "start": [-1.5, 2.0], "steps": 300,
      "runs": [{"optimizer": {"name": "gd", "lr": 0.01}},
               {"optimizer": {"name": "bfgs"}, "label": "BFGS"}]}"##;
    let mut pg = pg_of(Scenario::from_json(json).unwrap());
    pg.step(300);
    let t = traces_of(&pg);
    let k = t[0].diverged_at.unwrap();
    let first = |level: f64| t[1].loss.iter().position(|l| *l <= level).unwrap() as u64;
    let all = pg.milestones(0, 300);
    let said: Vec<&str> = all.iter().map(|e| e.1.as_str()).collect();
    assert!(
        said.contains(&format!("gd diverged at step {k}").as_str()),
        "{said:?}"
    );
    for level in [1e-3, 1e-6, 1e-9] {
        let j = first(level);
        let want = format!("BFGS reached loss {} at step {j}", fmt_num(level));
        assert!(said.contains(&want.as_str()), "{want} not in {said:?}");
    }
    assert_eq!(all.len(), 4, "{said:?}");
    // In order of iteration; split into windows, the same events, each once.
    assert!(all.windows(2).all(|w| w[0].0 <= w[1].0));
    let mut pieces = Vec::new();
    for a in (0..300).step_by(7) {
        pieces.extend(pg.milestones(a, (a + 7).min(300)));
    }
    pieces.sort();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(pieces, sorted);
    // Nothing after the last event; a hidden run says nothing.
    let last = all.last().unwrap().0;
    assert!(pg.milestones(last, 300).is_empty());
    pg.set_enabled(0, false).unwrap();
    assert!(pg.milestones(0, 300).iter().all(|e| !e.1.starts_with("gd")));
}

/// `version` grows with every change of the scenario or the view and with nothing else (the
/// page's watchers compare it instead of the scenario's text).
#[test]
fn the_version_counts_changes_of_the_scenario_and_the_view() {
    let mut pg = Playground::new(named_scenario()).unwrap();
    pg.set_canvas(800, 600, 1.0);
    let v0 = pg.version();
    pg.step(50);
    pg.set_playing(true);
    assert_eq!(pg.version(), v0, "stepping and playing change neither");
    pg.set_hyper(0, "lr", 0.02).unwrap();
    let v1 = pg.version();
    assert!(v1 > v0, "a hyper-parameter edit");
    assert!(pg.set_hyper(0, "lr", -1.0).is_err());
    pg.edit(pg.scenario().clone()).unwrap();
    assert_eq!(
        pg.version(),
        v1,
        "a refused value and an edit to the same scenario"
    );
    pg.zoom((400.0, 300.0), 1.25);
    let v2 = pg.version();
    assert!(v2 > v1, "a zoom");
    pg.pan(10.0, 0.0);
    let v3 = pg.version();
    assert!(v3 > v2, "a pan");
    // Loading a scenario (the script API's `load`, a link) restarts without an edit.
    let mut other = pg.scenario().clone();
    other.start = Vec2::new(0.5, 0.5);
    pg.load(other.clone()).unwrap();
    let v4 = pg.version();
    assert!(v4 > v3, "a loaded scenario");
    other.surface = optimizer_playground::scenario::SurfaceSpec::named("himmelblau");
    pg.load(other).unwrap();
    assert!(pg.version() > v4, "a loaded scenario on another surface");
    pg.set_surface("booth").unwrap();
    assert!(pg.version() > v4 + 1, "another surface");
}
