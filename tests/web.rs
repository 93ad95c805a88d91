//! The page's wasm module in a real browser (wasm-bindgen-test in headless Chromium):
//! `cargo test --target wasm32-unknown-unknown --no-default-features --test web`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

use optimizer_playground::run::Session;
use optimizer_playground::scenario::Scenario;
use optimizer_playground::web::{
    check_expr, default_scenario_json, parse_number, slider_pos, slider_value, App,
};
use serde_json::Value;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlCanvasElement;

wasm_bindgen_test_configure!(run_in_browser);

const GOLDEN: [&str; 4] = [
    include_str!("golden/adam-rosenbrock-cosine-clipnorm.json"),
    include_str!("golden/newton-beale-damped-exponential.json"),
    include_str!("golden/lbfgs-rosenbrock-wolfe.json"),
    include_str!("golden/rmsprop-rosenbrock-warm-restarts.json"),
];

fn canvas(w: u32, h: u32) -> HtmlCanvasElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let c: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
    c.set_attribute("style", &format!("width:{w}px;height:{h}px;display:block"))
        .unwrap();
    doc.body().unwrap().append_child(&c).unwrap();
    c
}

fn app() -> App {
    App::new(
        canvas(800, 560),
        canvas(800, 560),
        canvas(400, 200),
        canvas(400, 200),
    )
    .unwrap()
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= f64::max(1e-9 * want.abs(), 1e-12)
}

#[wasm_bindgen_test]
fn reference_cases_match_in_wasm() {
    for text in GOLDEN {
        let v: Value = serde_json::from_str(text).unwrap();
        let mut a = app();
        a.load_json(&v["scenario"].to_string()).unwrap();
        a.step(v["scenario"]["steps"].as_u64().unwrap() as u32);
        let runs: Value = serde_json::from_str(&a.paths_json()).unwrap();
        let want = v["expected"]["paths"].as_array().unwrap();
        for (r, w) in runs.as_array().unwrap().iter().zip(want) {
            let (p, w) = (r["path"].as_array().unwrap(), w.as_array().unwrap());
            assert_eq!(p.len(), w.len(), "{}", v["name"]);
            for (a, b) in p.iter().zip(w) {
                for c in 0..2 {
                    let (g, e) = (a[c].as_f64().unwrap(), b[c].as_f64().unwrap());
                    assert!(close(g, e), "{}: {g} vs {e}", v["name"]);
                }
            }
        }
    }
}

#[wasm_bindgen_test]
fn paths_equal_the_engine_and_step_is_bounded() {
    let sc = r#"{"surface": {"name": "rastrigin"}, "start": [-4.3, 3.7], "steps": 120,
      "runs": [{"optimizer": {"name": "nesterov", "lr": 0.002}, "schedule": {"name": "cosine", "t_max": 100}},
               {"optimizer": {"name": "lookahead", "inner": {"name": "radam", "lr": 0.05}}},
               {"optimizer": {"name": "newton", "damping": 1.0}}]}"#;
    let mut a = app();
    a.load_json(sc).unwrap();
    a.step(50);
    let half: Value = serde_json::from_str(&a.paths_json()).unwrap();
    assert_eq!(half[0]["path"].as_array().unwrap().len(), 51);
    a.step(1000);
    assert_eq!(a.iterations(), 120);
    assert!(a.done());
    let engine = Session::new(&Scenario::from_json(sc).unwrap())
        .unwrap()
        .finish();
    assert_eq!(a.paths_json(), serde_json::to_string(&engine).unwrap());
}

#[wasm_bindgen_test]
fn bad_input_keeps_the_state() {
    let mut a = app();
    let before = a.scenario_json();
    assert!(a.load_json("{not json").is_err());
    assert!(a
        .load_json(r#"{"surface": {"name": "nope"}, "start": [0, 0], "steps": 1, "runs": []}"#)
        .is_err());
    let e = a.set_expr("1 + sinn(x)").unwrap_err().as_string().unwrap();
    assert_eq!(e, "unknown function 'sinn' at column 5");
    assert_eq!(a.scenario_json(), before);
    assert!(a.set_steps(0.0).is_err());
    assert!(a.set_steps(f64::NAN).is_err());
    assert!(a.set_hyper(0, "lr", -1.0).is_err());
    assert!(a.set_hyper(0, "nonsense", 1.0).is_err());
    assert!(a.set_start(f64::INFINITY, 0.0).is_err());
    assert_eq!(a.scenario_json(), before);
    a.set_speed(1e12);
    assert_eq!(a.speed(), 1000);
    a.set_speed(f64::NAN);
    assert_eq!(a.speed(), 10);
    assert_eq!(check_expr("x^2 + y"), "");
    assert!(check_expr("2x").contains("column 2"));
    assert!(parse_number("abc").is_err());
    assert_eq!(parse_number("−0.5").unwrap(), -0.5);
}

#[wasm_bindgen_test]
fn drawing_and_interaction() {
    let mut a = app();
    a.draw().unwrap();
    a.step(40);
    a.draw().unwrap();
    // The plot spans most of the canvas: its centre is inside it.
    let h = a.hover(400.0, 280.0);
    assert!(h.starts_with("x = ") && h.contains("L = "), "{h}");
    assert_eq!(a.hover(-10.0, -10.0), "");
    let v0 = a.view();
    a.zoom(400.0, 280.0, 2.0);
    let v1 = a.view();
    assert!((v1[1] - v1[0]) < 0.51 * (v0[1] - v0[0]));
    a.pan(100.0, 0.0);
    assert!(a.view()[0] < v1[0]);
    a.reset_view();
    assert_eq!(a.view(), v0);
    a.draw().unwrap();
    assert!(a.click(400.0, 280.0).unwrap());
    let sc: Value = serde_json::from_str(&a.scenario_json()).unwrap();
    let start = [
        sc["start"][0].as_f64().unwrap(),
        sc["start"][1].as_f64().unwrap(),
    ];
    assert!(start[0] > v0[0] && start[0] < v0[1] && start[1] > v0[2] && start[1] < v0[3]);
    assert_eq!(a.iterations(), 0, "a new start restarts every run");
    assert!(!a.click(-5.0, -5.0).unwrap());
    a.step(30);
    a.set_cursor(10.0);
    let r: Value = serde_json::from_str(&a.readouts_json()).unwrap();
    assert_eq!(r[0]["step"], 10);
    a.set_cursor(1e9);
    assert_eq!(a.cursor(), 30);
    let i = a.add_run("lbfgs").unwrap();
    let r: Value = serde_json::from_str(&a.readouts_json()).unwrap();
    assert_eq!(
        r[i]["iterations"], 30,
        "a new run catches up with the others"
    );
    a.set_hyper(i, "memory", 3.0).unwrap();
    a.set_expr("x^2 + 3*y^2").unwrap();
    a.draw().unwrap();
    a.set_surface("himmelblau").unwrap();
    a.set_surface_param("nonexistent", 1.0).unwrap_err();
    a.set_surface("rosenbrock").unwrap();
    a.set_surface_param("b", 10.0).unwrap();
    a.set_x_axis("evals").unwrap();
    a.step(20);
    a.frame(0.0).unwrap();
    a.remove_run(0).unwrap();
    a.draw().unwrap();
    let d: Value = serde_json::from_str(&default_scenario_json()).unwrap();
    assert_eq!(d["runs"].as_array().unwrap().len(), 4);
}

/// The page's first picture drawn a part per task (`prepare_map`, then `draw_part` until it says
/// that nothing is left) is the picture `draw` draws at once, pixel for pixel.
#[wasm_bindgen_test]
fn drawing_in_parts_draws_the_same_picture() {
    let canvases = || {
        [
            canvas(800, 560),
            canvas(800, 560),
            canvas(400, 200),
            canvas(400, 200),
        ]
    };
    let new = |c: &[HtmlCanvasElement; 4]| {
        let mut a = App::new(c[0].clone(), c[1].clone(), c[2].clone(), c[3].clone()).unwrap();
        a.step(60);
        a
    };
    let pixels = |c: &HtmlCanvasElement| {
        let ctx: web_sys::CanvasRenderingContext2d =
            c.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
        let img = ctx
            .get_image_data(0.0, 0.0, f64::from(c.width()), f64::from(c.height()))
            .unwrap();
        img.data().0
    };
    let (whole, parts) = (canvases(), canvases());
    new(&whole).draw().unwrap();
    let mut a = new(&parts);
    a.prepare_map();
    let mut n = 1;
    while a.draw_part().unwrap() {
        n += 1;
    }
    assert_eq!(n, 3, "the map, the trajectories, the charts");
    assert!(!a.draw_part().unwrap(), "nothing is left");
    for (i, (w, p)) in whole.iter().zip(&parts).enumerate() {
        let (w, p) = (pixels(w), pixels(p));
        assert!(
            w.chunks(4).filter(|px| px[3] > 0).count() > 1000,
            "something is drawn"
        );
        // The overlay and the charts to the pixel; the map to all but a handful of its
        // 1.8 million bytes: since the colour bar's labels are measured, a few anti-aliased
        // text pixels (117 bytes) come out a shade apart between the two drawings, whose cause
        // is not found yet (the same order of calls with `prepare_map` in both still differs).
        let differ = w.iter().zip(&p).filter(|(a, b)| a != b).count();
        let allowed = if i == 0 { w.len() / 10_000 } else { 0 };
        assert!(
            differ <= allowed,
            "the same pixels on canvas {i} ({differ} bytes differ)"
        );
    }
}

#[wasm_bindgen_test]
fn sliders_map_both_ways() {
    for &(min, max, log) in &[(1e-5, 10.0, true), (0.0, 0.999, false)] {
        for i in 0..=10 {
            let p = f64::from(i) / 10.0;
            let v = slider_value(min, max, log, p);
            assert!(v >= min * 0.999 && v <= max * 1.001);
            assert!((slider_pos(min, max, log, v) - p).abs() < 0.01);
        }
    }
}

#[wasm_bindgen_test]
fn views_a_link_records_and_divergence() {
    let mut a = app();
    let own = a.view();
    assert!(!a.view_custom(), "the surface's own view is not recorded");
    a.set_view(&[-1.0, 1.0, -0.5, 0.5]).unwrap();
    let v = a.view();
    assert!(a.view_custom());
    // Widened along one axis only, for equal aspect: the asked box stays inside.
    assert!(
        v[0] <= -1.0 && v[1] >= 1.0 && v[2] <= -0.5 && v[3] >= 0.5,
        "{v:?}"
    );
    assert!(close(v[1] - v[0], 2.0) || close(v[3] - v[2], 1.0), "{v:?}");
    // Bad views change nothing and say why.
    for bad in [
        &[1.0, -1.0, 0.0, 1.0][..],
        &[0.0, 1.0, 0.0],
        &[0.0, f64::NAN, 0.0, 1.0],
        &[0.0, 2e9, 0.0, 1.0],
    ] {
        assert!(a.set_view(bad).is_err(), "{bad:?}");
        assert_eq!(a.view(), v);
    }
    a.reset_view();
    assert_eq!(a.view(), own);
    assert!(!a.view_custom());
    a.zoom(400.0, 280.0, 1.5);
    assert!(a.view_custom(), "a zoom is the user's view");
    a.set_surface("himmelblau").unwrap();
    assert!(!a.view_custom(), "a new surface shows its own view");
    a.pan(30.0, 0.0);
    assert!(a.view_custom(), "a pan is the user's view");
    a.set_surface_param("nonexistent", 1.0).unwrap_err();
    a.set_data("logistic").unwrap();
    assert!(!a.view_custom(), "a data surface shows its own view");
    a.zoom(400.0, 280.0, 1.5);
    assert!(a.view_custom());
    a.set_data_field("noise", "0.7").unwrap();
    assert_eq!(
        a.view_custom(),
        a.view() != {
            let mut b = app();
            b.load_json(&a.scenario_json()).unwrap();
            b.view()
        },
        "new data keeps a chosen view when the page keeps it"
    );

    a.load_json(r#"{"surface":{"name":"quadratic"},"start":[1,1],"steps":150,"runs":[{"optimizer":{"name":"gd","lr":0.12},"label":"fast"},{"optimizer":{"name":"gd","lr":0.05}}]}"#)
        .unwrap();
    assert_eq!(a.diverged_json(), "[]");
    a.step(150);
    let d: Value = serde_json::from_str(&a.diverged_json()).unwrap();
    assert_eq!(
        d,
        serde_json::json!([{"run": 0, "label": "fast", "at": 82}])
    );
}

/// The bulk engine in the browser build (lanes as wasm SIMD): every pixel of small maps (a
/// named surface with transcendental functions, a user expression; Adam over lr × β₂, Nesterov
/// over starts with clipping) equals the single-run path bit for bit, through the exported
/// `bulk_map` as through the engine; the job counts are not multiples of the lane width.
#[wasm_bindgen_test]
fn bulk_maps_equal_the_single_run_path() {
    use optimizer_playground::bulk::{grid_jobs, run_jobs, run_reference, Axis};
    use optimizer_playground::web::{bulk_fields, bulk_map};
    for (surface, run, x, y) in [
        (
            r#"{"name": "rastrigin"}"#,
            r#"{"optimizer": {"name": "adam", "lr": 0.01}}"#,
            r#"{"name": "lr", "lo": 1e-3, "hi": 3, "n": 7, "log": true}"#,
            r#"{"name": "beta2", "lo": 0.5, "hi": 0.999, "n": 5}"#,
        ),
        (
            r#"{"expr": "sin(3*x)*cos(y) + exp(x/4) + (1-x)^2 + 10*(y-x^2)^2"}"#,
            r#"{"optimizer": {"name": "nesterov", "lr": 0.01}, "clip": {"norm": 2}, "l2": 0.01}"#,
            r#"{"name": "x", "lo": -2, "hi": 2, "n": 9}"#,
            r#"{"name": "y", "lo": -1, "hi": 3, "n": 3}"#,
        ),
    ] {
        let text = format!(
            r#"{{"surface": {surface}, "start": [-1.5, 2], "steps": 120, "runs": [{run}]}}"#
        );
        let sc = Scenario::from_json(&text).unwrap();
        let (ax, ay): (Axis, Axis) = (
            serde_json::from_str(x).unwrap(),
            serde_json::from_str(y).unwrap(),
        );
        let jobs = grid_jobs(&sc, 0, &ax, &ay, 0..ay.n).unwrap();
        let s = sc.build_surface().unwrap();
        let fast = run_jobs(&sc, &s, &jobs, Some(1.0));
        let slow = run_reference(&sc, &s, &jobs, Some(1.0));
        let bits = |o: &[optimizer_playground::bulk::Outcome]| {
            o.iter()
                .flat_map(|o| o.to_array().map(f64::to_bits))
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&fast), bits(&slow), "{text}");
        let page = bulk_map(&text, 0, x, y, 1, ay.n, 1.0, false)
            .unwrap()
            .to_vec();
        let page_ref = bulk_map(&text, 0, x, y, 1, ay.n, 1.0, true)
            .unwrap()
            .to_vec();
        let b = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(b(&page), b(&page_ref));
        assert_eq!(b(&page), bits(&fast)[ax.n * 9..].to_vec());
    }
    let fields: Vec<String> = serde_json::from_str(&bulk_fields()).unwrap();
    assert_eq!(fields.len(), 9);
    let err = bulk_map("{}", 0, "{}", "{}", 0, 1, f64::NAN, false).unwrap_err();
    assert!(err.as_string().is_some());
}
