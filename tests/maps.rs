//! Hyperparameter and basin maps: every pixel is the run `trace` gives for its one-run scenario,
//! to the bit; basin labels name the minimum each run ends nearest; the command line's `map`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches may stop on failure

use optimizer_playground::maps::{
    default_params, draw, MapKind, MapSpec, Metric, DIVERGED, UNSETTLED,
};
use optimizer_playground::optim::{OptKind, Param};
use optimizer_playground::run::{Session, Trace};
use optimizer_playground::scenario::Scenario;
use optimizer_playground::Vec2;
use serde_json::Value;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_optimizer-playground");

fn scenario(surface: &str, optimizer: &str, steps: u64) -> Scenario {
    Scenario::from_json(&format!(
        r#"{{"surface": {surface}, "start": [0.3, -0.4], "steps": {steps},
            "runs": [{{"optimizer": {optimizer}}}]}}"#
    ))
    .unwrap()
}

/// The trace of pixel (`col`, `row`): its one-run scenario through `Session`, as `trace` runs it.
fn trace_of(spec: &MapSpec, col: usize, row: usize) -> Trace {
    let sc = spec.pixel_scenario(col, row);
    Session::new(&sc).unwrap().finish().remove(0)
}

/// Every pixel of `spec`'s map against the trace of its scenario, bit for bit.
fn check_every_pixel(spec: &MapSpec) -> usize {
    let map = spec.compute().unwrap();
    assert_eq!(map.loss.len(), spec.width * spec.height);
    let mut diverged = 0;
    for row in 0..spec.height {
        for col in 0..spec.width {
            let i = row * spec.width + col;
            let t = trace_of(spec, col, row);
            let end = *t.path.last().unwrap();
            let at = format!("pixel ({col}, {row}) at {:?}", spec.coords(col, row));
            assert_eq!(map.diverged[i], t.diverged_at.is_some(), "{at}");
            if t.diverged_at.is_some() {
                diverged += 1;
                assert!(map.loss[i].is_nan(), "{at}");
            } else {
                assert_eq!(
                    map.loss[i].to_bits(),
                    t.loss.last().unwrap().to_bits(),
                    "{at}"
                );
            }
            assert_eq!(map.end[i][0].to_bits(), end.x.to_bits(), "{at}");
            assert_eq!(map.end[i][1].to_bits(), end.y.to_bits(), "{at}");
            assert_eq!(map.iterations[i], t.path.len() as u64 - 1, "{at}");
            assert_eq!(map.grad_evals[i], t.evals.grad, "{at}");
            let reached = spec
                .tol
                .and_then(|tol| t.loss.iter().position(|&l| l <= tol))
                .map(|k| k as u64);
            assert_eq!(map.steps_to_tol[i], reached, "{at}");
            if let Some(k) = reached {
                // Gradient evaluations up to point k: a first-order run takes one per iteration.
                assert_eq!(map.evals_to_tol[i], Some(k), "{at}");
            }
        }
    }
    diverged
}

#[test]
fn hyper_map_pixels_are_traces_on_a_named_surface() {
    let sc = scenario(
        r#"{"name": "himmelblau"}"#,
        r#"{"name": "momentum", "lr": 0.01}"#,
        60,
    );
    let spec = MapSpec::hyper(sc, 0, None, 8, 6, Some(1e-3)).unwrap();
    assert_eq!(
        (spec.x.name.as_str(), spec.y.name.as_str()),
        ("lr", "momentum")
    );
    let diverged = check_every_pixel(&spec);
    // The map spans the slider's range: large rates diverge, small ones do not.
    assert!(diverged > 0 && diverged < 48, "{diverged} of 48 diverged");
}

#[test]
fn hyper_map_pixels_are_traces_on_an_expression() {
    let sc = scenario(
        r#"{"expr": "(1 - x)^2 + 5*(y - x^2)^2 + 0.1*sin(3*x)"}"#,
        r#"{"name": "adam", "lr": 0.05}"#,
        50,
    );
    let spec = MapSpec::hyper(sc, 0, Some(("lr", "beta1")), 8, 6, Some(0.05)).unwrap();
    check_every_pixel(&spec);
}

#[test]
fn basin_map_pixels_are_traces_on_a_named_surface_and_an_expression() {
    let sc = scenario(
        r#"{"name": "himmelblau"}"#,
        r#"{"name": "gd", "lr": 0.01}"#,
        80,
    );
    check_every_pixel(&MapSpec::basin(sc, 0, None, 8, 6, Some(1e-2)).unwrap());
    let sc = scenario(
        r#"{"expr": "(x^2 - 1)^2 + y^2 + 0.3*x*y"}"#,
        r#"{"name": "nesterov", "lr": 0.02}"#,
        60,
    );
    check_every_pixel(&MapSpec::basin(sc, 0, Some([-2.0, 2.0, -1.5, 1.5]), 8, 6, None).unwrap());
}

#[test]
fn himmelblau_basins_name_the_minimum_each_trace_ends_nearest() {
    let sc = scenario(
        r#"{"name": "himmelblau"}"#,
        r#"{"name": "adam", "lr": 0.1}"#,
        200,
    );
    let spec = MapSpec::basin(sc, 0, None, 12, 10, None).unwrap();
    let map = spec.compute().unwrap();
    let b = map.basins.as_ref().unwrap();
    let minima: Vec<Vec2> = spec.surface.minima();
    assert_eq!(minima.len(), 4);
    assert!(b.minima.iter().take(4).all(|m| m.known));
    let mut seen = [0usize; 4];
    for row in 0..spec.height {
        for col in 0..spec.width {
            let i = row * spec.width + col;
            let t = trace_of(&spec, col, row);
            let end = *t.path.last().unwrap();
            let label = b.labels[i];
            if t.diverged_at.is_some() {
                assert_eq!(label, DIVERGED);
                continue;
            }
            let g = spec.surface.grad(end).1.norm();
            if g > b.settle {
                assert_eq!(label, UNSETTLED, "pixel ({col}, {row}) ends at {end:?}");
                continue;
            }
            let nearest = (0..4)
                .min_by(|&a, &c| {
                    (minima[a] - end)
                        .norm()
                        .total_cmp(&(minima[c] - end).norm())
                })
                .unwrap();
            assert_eq!(
                label, nearest as i32,
                "pixel ({col}, {row}) ends at {end:?}"
            );
            seen[nearest] += 1;
        }
    }
    // Adam at this rate settles almost everywhere, in each of the four basins.
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
    assert!(seen.iter().sum::<usize>() >= 100, "{seen:?}");
    for (k, m) in b.minima.iter().enumerate().take(4) {
        assert_eq!(m.count, seen[k]);
    }
}

#[test]
fn camel_basins_find_all_six_minima_though_two_are_listed() {
    let sc = scenario(
        r#"{"name": "six_hump_camel"}"#,
        r#"{"name": "adam", "lr": 0.02}"#,
        300,
    );
    let map = MapSpec::basin(sc, 0, None, 24, 24, None)
        .unwrap()
        .compute()
        .unwrap();
    let b = map.basins.unwrap();
    let found: Vec<_> = b.minima.iter().filter(|m| m.count > 0).collect();
    assert_eq!(found.len(), 6, "{:?}", b.minima);
    assert_eq!(found.iter().filter(|m| m.known).count(), 2);
    // Each is a stationary point of the surface: the gathering places are minima.
    let s = optimizer_playground::surface::Surface::named("six_hump_camel").unwrap();
    for m in found {
        assert!(s.grad(m.point.into()).1.norm() <= b.settle, "{:?}", m.point);
    }
}

#[test]
fn default_axes_follow_the_parameter_table() {
    let pair = default_params;
    assert_eq!(pair(OptKind::Momentum), Some((Param::Lr, Param::Momentum)));
    assert_eq!(pair(OptKind::Nesterov), Some((Param::Lr, Param::Momentum)));
    for k in [
        OptKind::Adam,
        OptKind::Adamw,
        OptKind::Amsgrad,
        OptKind::Nadam,
        OptKind::Radam,
    ] {
        assert_eq!(pair(k), Some((Param::Lr, Param::Beta2)), "{k:?}");
    }
    assert_eq!(pair(OptKind::Rmsprop), Some((Param::Lr, Param::Rho)));
    assert_eq!(pair(OptKind::Newton), Some((Param::Lr, Param::Damping)));
    assert_eq!(pair(OptKind::Gd), None);
    // Ranges and scales are the sliders'.
    let sc = scenario(r#"{"name": "rosenbrock"}"#, r#"{"name": "newton"}"#, 10);
    let spec = MapSpec::hyper(sc, 0, None, 4, 4, None).unwrap();
    let info = OptKind::Newton.info();
    for (axis, p) in [(&spec.x, Param::Lr), (&spec.y, Param::Damping)] {
        let s = info.param(p).unwrap();
        assert_eq!((axis.min, axis.max, axis.log), (s.min, s.max, s.log));
    }
    // A log axis puts pixel centres at equal ratios.
    let (a, _) = spec.coords(0, 0);
    let (b, _) = spec.coords(1, 0);
    let (c, _) = spec.coords(2, 0);
    assert!(((b / a) / (c / b) - 1.0).abs() < 1e-12);
    // The run's own values are marked; the pixel under them is found.
    assert_eq!(spec.current(), (1.0, 0.0));
    let map = spec.compute().unwrap();
    assert_eq!(map.current, [1.0, 0.0]);
    for row in 0..4 {
        for col in 0..4 {
            let (a, b) = map.coords(col, row);
            assert_eq!(map.pixel_at(a, b), Some((col, row)));
        }
    }
    assert_eq!(map.pixel_at(100.0, 0.0), None);
}

#[test]
fn bad_maps_are_named() {
    let sc = || {
        scenario(
            r#"{"name": "himmelblau"}"#,
            r#"{"name": "adam", "lr": 0.1}"#,
            10,
        )
    };
    let err = |r: Result<MapSpec, String>| r.unwrap_err();
    assert!(
        err(MapSpec::hyper(sc(), 0, Some(("lr", "rho")), 4, 4, None))
            .contains("'adam' takes no 'rho' (it takes: lr, beta1, beta2, eps)")
    );
    assert!(err(MapSpec::hyper(sc(), 0, Some(("lr", "lr")), 4, 4, None)).contains("twice"));
    assert!(err(MapSpec::hyper(sc(), 1, None, 4, 4, None)).contains("run: the scenario has 1 run"));
    assert!(err(MapSpec::hyper(sc(), 0, None, 0, 4, None)).contains("size"));
    assert!(err(MapSpec::hyper(sc(), 0, None, 4, 5000, None)).contains("size"));
    assert!(err(MapSpec::hyper(sc(), 0, None, 4, 4, Some(f64::NAN))).contains("tol"));
    assert!(err(MapSpec::basin(
        sc(),
        0,
        Some([1.0, 0.0, 0.0, 1.0]),
        4,
        4,
        None
    ))
    .contains("view"));
    let gd = scenario(
        r#"{"name": "himmelblau"}"#,
        r#"{"name": "gd", "lr": 0.1}"#,
        10,
    );
    assert!(err(MapSpec::hyper(gd, 0, None, 4, 4, None)).contains("single hyperparameter"));
}

#[test]
fn diverged_and_unreached_pixels_have_their_own_colours() {
    let sc = scenario(
        r#"{"name": "himmelblau"}"#,
        r#"{"name": "momentum", "lr": 0.01}"#,
        40,
    );
    let map = MapSpec::hyper(sc, 0, None, 8, 6, Some(1e-6))
        .unwrap()
        .compute()
        .unwrap();
    let px = draw::rgba(&map, Metric::Steps);
    assert_eq!(px.len(), 8 * 6 * 4);
    let rgb = |i: usize| [px[4 * i], px[4 * i + 1], px[4 * i + 2]];
    let mut kinds = [0; 3];
    for i in 0..48 {
        if map.diverged[i] {
            assert_eq!(rgb(i), draw::DIVERGED_RGB);
            kinds[0] += 1;
        } else if map.steps_to_tol[i].is_none() {
            assert_eq!(rgb(i), draw::UNREACHED_RGB);
            kinds[1] += 1;
        } else {
            assert_ne!(rgb(i), draw::DIVERGED_RGB);
            assert_ne!(rgb(i), draw::UNREACHED_RGB);
            kinds[2] += 1;
        }
    }
    assert!(kinds.iter().all(|&n| n > 0), "{kinds:?}");
}

#[test]
fn a_coarse_map_and_rows_of_a_fine_one_are_the_same_runs() {
    // The page computes by row ranges and at several sizes: a row range is those pixels.
    let sc = scenario(
        r#"{"name": "rosenbrock"}"#,
        r#"{"name": "rmsprop", "lr": 0.01}"#,
        30,
    );
    let spec = MapSpec::hyper(sc, 0, None, 6, 5, None).unwrap();
    let whole = spec.compute_rows(0..5);
    let parts: Vec<_> = [0..2, 2..3, 3..5]
        .into_iter()
        .flat_map(|r| spec.compute_rows(r))
        .collect();
    assert_eq!(whole, parts);
    let coarse = spec.resized(3, 2).unwrap();
    assert_eq!(coarse.compute_rows(0..2).len(), 6);
}

// ---------------------------------------------------------------- the command line

fn cli(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// Runs the binary and checks it succeeded.
fn cli_ok(args: &[&str]) -> Output {
    let out = cli(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn scenario_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("op-maps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const HIMMELBLAU: &str = r#"{"surface": {"name": "himmelblau"}, "start": [0, 0], "steps": 80,
  "runs": [{"optimizer": {"name": "adam", "lr": 0.1}}]}"#;

#[test]
fn cli_map_prints_the_grid_as_json() {
    let f = scenario_file("h.json", HIMMELBLAU);
    let out = cli_ok(&["map", f.to_str().unwrap(), "--size", "8x6", "--tol", "0.01"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "hyper");
    assert_eq!(v["x"]["name"], "lr");
    assert_eq!(v["y"]["name"], "beta2");
    assert_eq!(v["width"], 8);
    assert_eq!(v["loss"].as_array().unwrap().len(), 48);
    // The same numbers as the library's map (the CLI splits rows over two threads).
    let sc = Scenario::from_json(HIMMELBLAU).unwrap();
    let map = MapSpec::hyper(sc, 0, None, 8, 6, Some(0.01))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(v, serde_json::to_value(&map).unwrap());
    let out = cli_ok(&[
        "map",
        f.to_str().unwrap(),
        "--kind",
        "basin",
        "--size",
        "5x4",
        "--view=-4,4,-4,4",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["basins"]["labels"].as_array().unwrap().len(), 20);
    assert_eq!(v["x"]["min"], -4.0);
}

#[test]
fn cli_map_draws_svg_and_png() {
    let f = scenario_file("h2.json", HIMMELBLAU);
    let dir = f.parent().unwrap();
    let svg = dir.join("m.svg");
    let png = dir.join("m.png");
    cli_ok(&[
        "map",
        f.to_str().unwrap(),
        "--size",
        "16x12",
        "--out",
        svg.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(doc.root_element().attribute("width"), Some("720"));
    assert!(doc.descendants().any(|n| n.has_tag_name("image")));
    assert!(text.contains("learning rate η"));
    cli_ok(&[
        "map",
        f.to_str().unwrap(),
        "--kind",
        "basin",
        "--size",
        "16x12",
        "--image-size",
        "400x300",
        "--out",
        png.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((w, h), (400, 300));
}

#[test]
fn cli_map_names_bad_input() {
    let f = scenario_file("h3.json", HIMMELBLAU);
    let f = f.to_str().unwrap();
    for (args, says) in [
        (
            vec!["--params", "lr,rho"],
            "--params: 'adam' takes no 'rho'",
        ),
        (vec!["--params", "lr"], "--params: two names"),
        (vec!["--size", "12"], "--size: WIDTHxHEIGHT"),
        (
            vec!["--size", "0x5"],
            "--size: width and height must be from 1 to 1024",
        ),
        (vec!["--kind", "fan"], "--kind: hyper or basin"),
        (vec!["--metric", "speed"], "--metric: loss, steps or evals"),
        (vec!["--metric", "steps"], "needs --tol"),
        (
            vec!["--tol", "-1", "--metric", "evals"],
            "--tol: must be a finite number > 0",
        ),
        (vec!["--run", "2"], "--run: the scenario has 1 run"),
        (
            vec!["--out", "m.txt"],
            "--out: the file name must end in .json, .svg or .png",
        ),
        (
            vec!["--kind", "basin", "--view", "1,2"],
            "--view: four numbers",
        ),
        (vec!["--kind", "basin", "--view=2,1,0,1"], "view: the range"),
        (vec!["--view=0,1,0,1"], "--view: only for --kind basin"),
        (
            vec!["--out", "m.png", "--image-size", "50x50"],
            "--image-size",
        ),
    ] {
        let mut a = vec!["map", f];
        a.extend(args.iter().copied());
        let out = cli(&a);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    let _ = MapKind::Hyper;
}

#[test]
fn a_map_packed_for_the_page_unpacks_to_itself() {
    let sc = scenario(
        r#"{"name": "himmelblau"}"#,
        r#"{"name": "momentum", "lr": 0.01}"#,
        40,
    );
    for spec in [
        MapSpec::hyper(sc.clone(), 0, None, 5, 4, Some(1e-3)).unwrap(),
        MapSpec::basin(sc, 0, None, 5, 4, None).unwrap(),
    ] {
        let map = spec.compute().unwrap();
        let meta: optimizer_playground::maps::Map =
            serde_json::from_str(&serde_json::to_string(&map.meta()).unwrap()).unwrap();
        let back = optimizer_playground::maps::Map::unpack(meta, &map.pack()).unwrap();
        // Equal as JSON (NaN losses of diverged runs are null on both sides).
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&map).unwrap()
        );
        assert!(optimizer_playground::maps::Map::unpack(map.meta(), &[1.0]).is_err());
        let mut empty = map.meta();
        empty.width = 0;
        assert!(optimizer_playground::maps::Map::unpack(empty, &[]).is_err());
    }
}
