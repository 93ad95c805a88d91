//! Validation splits (`data.validation`): the held-out points and the training points partition
//! the generated set, reproducibly; the training loss (the surface) is over the training points
//! and the validation loss over the held-out ones, both recomputed here from the points; each
//! has its own minimum; L2 pulls a run towards the validation minimum on a small noisy set; and
//! early stopping (`stop.patience`) stops where the validation loss stopped improving.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

mod common;

use common::*;
use optimizer_playground::optim::{OptKind, OptimizerConfig};
use optimizer_playground::run::{Sampler, Session, Trace};
use optimizer_playground::scenario::{RunSpec, Scenario, Stop};
use optimizer_playground::surface::{data, DataKind, DataSpec, Dataset, Features, Surface};
use optimizer_playground::Vec2;

fn spec(kind: DataKind, n: u32, noise: f64, seed: u64, features: Features, f: f64) -> DataSpec {
    DataSpec {
        validation: Some(f),
        ..data_spec(kind, n, noise, seed, features)
    }
}

fn dataset(s: &Surface) -> &Dataset {
    match s {
        Surface::Data(d) => d,
        _ => panic!("not a data surface"),
    }
}

fn gd(lr: f64) -> RunSpec {
    RunSpec::new(OptimizerConfig::new(OptKind::Gd).with_lr(lr))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

/// Mean and population standard deviation of `v`.
fn stats(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (
        m,
        (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt(),
    )
}

/// The small noisy set of the lessons: 8 linear points with noise 2, half of them held out.
fn small_noisy() -> DataSpec {
    spec(DataKind::Linear, 8, 2.0, 10, Features::Standardized, 0.5)
}

// ================================================================ the split

#[test]
fn training_and_held_out_points_partition_the_generated_set() {
    for (kind, n, f) in [
        (DataKind::Linear, 60, 0.25),
        (DataKind::Logistic, 41, 0.5),
        (DataKind::Linear, 10, 0.9),
        (DataKind::Linear, 2, 0.01),
        (DataKind::Linear, 2, 0.9),
    ] {
        let with = Surface::data(&spec(kind, n, 0.7, 5, Features::Raw, f));
        let without = Surface::data(&data_spec(kind, n, 0.7, 5, Features::Raw));
        let (d, all) = (dataset(&with), dataset(&without));
        // The same points are generated; the split only divides them.
        assert_eq!(d.raw, all.raw);
        assert_eq!(d.target, all.target);
        let mut union: Vec<u32> = d.train.iter().chain(&d.held_out).copied().collect();
        union.sort_unstable();
        assert_eq!(union, (0..n).collect::<Vec<_>>(), "disjoint and complete");
        assert!(d.train.windows(2).all(|w| w[0] < w[1]));
        assert!(d.held_out.windows(2).all(|w| w[0] < w[1]));
        let want = ((f * f64::from(n)).round() as usize).clamp(1, n as usize - 1);
        assert_eq!(d.held_out.len(), want, "{kind:?} n {n} f {f}");
        assert!(!d.train.is_empty() && !d.held_out.is_empty());
        assert_eq!(d.train_len(), n as usize - want);
        assert_eq!(d.len(), n as usize);
        assert_eq!(all.train, (0..n).collect::<Vec<_>>());
        assert!(all.held_out.is_empty());
    }
}

#[test]
fn the_split_depends_on_the_seed_and_n_only() {
    let held = |seed, noise, f| {
        dataset(&Surface::data(&spec(
            DataKind::Linear,
            50,
            noise,
            seed,
            Features::Raw,
            f,
        )))
        .held_out
        .clone()
    };
    assert_eq!(
        held(3, 0.4, 0.2),
        held(3, 0.4, 0.2),
        "same seed, same split"
    );
    assert_eq!(
        held(3, 0.4, 0.2),
        held(3, 5.0, 0.2),
        "the noise moves no point out"
    );
    assert_ne!(held(3, 0.4, 0.2), held(4, 0.4, 0.2));
    // A larger fraction holds out more of the same permutation.
    let (small, large) = (held(3, 0.4, 0.2), held(3, 0.4, 0.6));
    assert!(
        small.iter().all(|i| large.contains(i)),
        "{small:?} ⊄ {large:?}"
    );
}

/// `validation: 0` is no split: the same surface and the same traces, bit for bit, as none.
#[test]
fn a_zero_fraction_holds_nothing_out() {
    let none = data_spec(DataKind::Linear, 30, 0.4, 2, Features::Standardized);
    let zero = DataSpec {
        validation: Some(0.0),
        ..none.clone()
    };
    assert!(dataset(&Surface::data(&zero)).held_out.is_empty());
    let runs = || {
        let mut r = gd(0.1);
        r.batch_size = Some(7);
        vec![r, gd(0.05)]
    };
    let a = traces(&scenario_data(none, [0.0, 0.0], 40, None, runs()));
    let b = traces(&scenario_data(zero, [0.0, 0.0], 40, None, runs()));
    assert_eq!(a, b);
    assert!(b.iter().all(|t| t.val_loss.is_empty()));
}

// ================================================================ the two losses

/// Linear, raw inputs: the training loss is ½(w·x + b − y)² averaged over exactly the training
/// points, the validation loss over exactly the held-out ones, from the generated (x, y).
#[test]
fn the_losses_are_the_means_over_their_points() {
    let s = Surface::data(&spec(DataKind::Linear, 30, 0.5, 4, Features::Raw, 0.3));
    let d = dataset(&s);
    assert_eq!(d.held_out.len(), 9);
    let mean_over = |idx: &[u32], p: Vec2| {
        idx.iter()
            .map(|&i| {
                let [x, y] = d.raw[i as usize];
                0.5 * (p.x * x + p.y - y).powi(2)
            })
            .sum::<f64>()
            / idx.len() as f64
    };
    for p in [
        Vec2::new(0.0, 0.0),
        Vec2::new(0.03, 1.0),
        Vec2::new(-0.2, 4.0),
    ] {
        let (train, val) = (mean_over(&d.train, p), mean_over(&d.held_out, p));
        assert!(close(s.value(p), train), "{} vs {train}", s.value(p));
        assert!(close(d.full_loss(p.x, p.y), train));
        let v = s.validation_loss(p).unwrap();
        assert!(close(v, val), "{v} vs {val}");
        assert!(!close(v, train), "the two losses differ");
    }
}

/// Standardized logistic data: the features are scaled with the training points' mean and
/// standard deviation, for the validation loss as for the training loss.
#[test]
fn standardization_uses_the_training_points_for_both_losses() {
    let s = Surface::data(&spec(
        DataKind::Logistic,
        40,
        0.8,
        7,
        Features::Standardized,
        0.25,
    ));
    let d = dataset(&s);
    let col = |c: usize| -> Vec<f64> { d.train.iter().map(|&i| d.raw[i as usize][c]).collect() };
    let (s0, s1) = (stats(&col(0)), stats(&col(1)));
    let loss = |idx: &[u32], p: Vec2| {
        idx.iter()
            .map(|&i| {
                let [a, b] = d.raw[i as usize];
                let z = p.x * (a - s0.0) / s0.1 + p.y * (b - s1.0) / s1.1;
                (1.0 + (-d.target[i as usize] * z).exp()).ln()
            })
            .sum::<f64>()
            / idx.len() as f64
    };
    for p in [Vec2::new(0.5, -0.3), Vec2::new(2.0, 1.0)] {
        assert!((s.value(p) - loss(&d.train, p)).abs() < 1e-12);
        assert!((s.validation_loss(p).unwrap() - loss(&d.held_out, p)).abs() < 1e-12);
    }
}

/// Batch normalization: the training loss normalizes with the training points' statistics
/// (the full batch), the validation loss with the same statistics (as at inference), not the
/// held-out points' own.
#[test]
fn batchnorm_validates_with_the_training_statistics() {
    let s = Surface::data(&spec(
        DataKind::Linear,
        24,
        0.5,
        3,
        Features::Batchnorm,
        0.5,
    ));
    let d = dataset(&s);
    let xs: Vec<f64> = d.train.iter().map(|&i| d.raw[i as usize][0]).collect();
    let (m, sd) = stats(&xs);
    let p = Vec2::new(0.7, 2.0);
    let val = d
        .held_out
        .iter()
        .map(|&i| {
            let [x, y] = d.raw[i as usize];
            0.5 * (p.x * (x - m) / (sd * sd + 1e-5).sqrt() + p.y - y).powi(2)
        })
        .sum::<f64>()
        / d.held_out.len() as f64;
    assert!(close(s.validation_loss(p).unwrap(), val));
    assert!(close(s.value(p), {
        d.train
            .iter()
            .map(|&i| {
                let [x, y] = d.raw[i as usize];
                0.5 * (p.x * (x - m) / (sd * sd + 1e-5).sqrt() + p.y - y).powi(2)
            })
            .sum::<f64>()
            / d.train.len() as f64
    }));
}

/// A run records the validation loss at every point, and mini-batches are drawn from the
/// training points only (the run's generator replayed here gives the same batches, and each
/// recorded batch loss is the loss on that batch).
#[test]
fn runs_record_the_validation_loss_and_batch_from_training_points() {
    let ds = spec(DataKind::Linear, 40, 0.5, 6, Features::Standardized, 0.3);
    let mut r = gd(0.1);
    r.batch_size = Some(5);
    let sc = scenario_data(ds.clone(), [0.0, 0.0], 30, None, vec![r, gd(0.1)]);
    let s = Session::new(&sc).unwrap();
    let surface = s.surface.clone();
    let d = dataset(&surface);
    let t = s.finish();
    for tr in &t {
        assert_eq!(tr.val_loss.len(), tr.path.len());
        for (p, v) in tr.path.iter().zip(&tr.val_loss) {
            assert_eq!(v.to_bits(), surface.validation_loss(*p).unwrap().to_bits());
        }
        // Every recorded loss is the training loss.
        for (p, l) in tr.path.iter().zip(&tr.loss) {
            assert_eq!(l.to_bits(), surface.value(*p).to_bits());
        }
    }
    let mut rng = data::rng(ds.seed);
    let mut sm = Sampler::over(d.train.clone(), 5, &mut rng);
    for k in 0..30 {
        let b = sm.next_batch(&mut rng);
        assert!(b.iter().all(|i| d.train.contains(i)), "batch {k}: {b:?}");
        let want = surface.value_on(Some(&b), t[0].path[k]);
        assert_eq!(t[0].batch_loss[k].to_bits(), want.to_bits(), "batch {k}");
    }
    // 28 training points in batches of 5: six batches an epoch (the sixth has the 3 left), so
    // 30 batches are epochs 0 to 4 and the next one starts epoch 5.
    assert_eq!(sm.epoch, 4);
    let before = sm.next_batch(&mut rng);
    assert_eq!((sm.epoch, before.len()), (5, 5));
}

// ================================================================ the two minima

/// On the small noisy set the validation minimum is the least-squares line of the held-out
/// points (computed here from them) and lies far from the training minimum.
#[test]
fn a_small_noisy_set_has_its_two_minima_apart() {
    let s = Surface::data(&small_noisy());
    let d = dataset(&s);
    let xs: Vec<f64> = d.train.iter().map(|&i| d.raw[i as usize][0]).collect();
    let (m, sd) = stats(&xs);
    let fit = |idx: &[u32]| {
        let pts: Vec<(f64, f64)> = idx
            .iter()
            .map(|&i| ((d.raw[i as usize][0] - m) / sd, d.raw[i as usize][1]))
            .collect();
        let n = pts.len() as f64;
        let (mx, my) = (
            pts.iter().map(|p| p.0).sum::<f64>() / n,
            pts.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let w = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
            / pts.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
        Vec2::new(w, my - w * mx)
    };
    let (train, val) = (s.minima()[0], s.validation_minimum().unwrap());
    assert!((train - fit(&d.train)).norm() < 1e-9, "{train:?}");
    assert!((val - fit(&d.held_out)).norm() < 1e-9, "{val:?}");
    assert!((train - val).norm() > 1.0, "{train:?} and {val:?}");
    // Each is where its own loss is lowest.
    for e in [Vec2::new(0.01, 0.0), Vec2::new(0.0, -0.01)] {
        assert!(s.value(train) < s.value(train + e));
        assert!(s.validation_loss(val).unwrap() < s.validation_loss(val + e).unwrap());
    }
    assert!(s.validation_loss(val).unwrap() < s.validation_loss(train).unwrap());
}

/// Logistic data: the validation minimum is stationary for the validation loss; a single
/// held-out point has no least-squares line; data without a split has no validation minimum.
#[test]
fn validation_minima_of_other_sets() {
    let s = Surface::data(&spec(
        DataKind::Logistic,
        80,
        1.0,
        2,
        Features::Standardized,
        0.5,
    ));
    let v = s.validation_minimum().unwrap();
    let h = 1e-6;
    let vl = |p: Vec2| s.validation_loss(p).unwrap();
    let g = Vec2::new(
        (vl(v + Vec2::new(h, 0.0)) - vl(v - Vec2::new(h, 0.0))) / (2.0 * h),
        (vl(v + Vec2::new(0.0, h)) - vl(v - Vec2::new(0.0, h))) / (2.0 * h),
    );
    assert!(g.norm() < 1e-7, "{g:?}");
    assert!((v - s.minima()[0]).norm() > 1e-3);
    let one = Surface::data(&spec(DataKind::Linear, 10, 0.5, 1, Features::Raw, 0.1));
    assert_eq!(dataset(&one).held_out.len(), 1);
    assert_eq!(one.validation_minimum(), None);
    let none = Surface::data(&data_spec(DataKind::Linear, 10, 0.5, 1, Features::Raw));
    assert_eq!(none.validation_minimum(), None);
    assert_eq!(none.validation_loss(Vec2::ZERO), None);
    assert_eq!(
        Surface::named("rosenbrock").unwrap().validation_minimum(),
        None
    );
}

/// The claim of the lesson: on the small noisy set, gradient descent without L2 ends at the
/// training minimum; with L2 it ends closer to the validation minimum, and closer the stronger
/// the L2 (here from 0.05 to 0.5), with a lower validation loss.
#[test]
fn l2_moves_the_end_towards_the_validation_minimum() {
    let s = Surface::data(&small_noisy());
    let (train, val) = (s.minima()[0], s.validation_minimum().unwrap());
    let end = |l2: f64| -> Trace {
        let mut r = gd(0.1);
        r.l2 = Some(l2);
        traces(&scenario_data(
            small_noisy(),
            [0.0, 0.0],
            3000,
            None,
            vec![r],
        ))
        .remove(0)
    };
    let plain = end(0.0);
    assert!((*plain.path.last().unwrap() - train).norm() < 1e-9);
    let mut last = (
        (*plain.path.last().unwrap() - val).norm(),
        *plain.val_loss.last().unwrap(),
    );
    for l2 in [0.05, 0.1, 0.2, 0.5] {
        let t = end(l2);
        let e = *t.path.last().unwrap();
        let now = ((e - val).norm(), *t.val_loss.last().unwrap());
        assert!(now.0 < last.0, "l2 {l2}: {now:?} vs {last:?}");
        assert!(now.1 < last.1, "l2 {l2}: {now:?} vs {last:?}");
        // It converged: to the minimum of L + ½λ‖θ‖² (the gradient plus λθ vanishes).
        assert!((s.grad(e).1 + l2 * e).norm() < 1e-9);
        last = now;
    }
}

// ================================================================ early stopping

/// Gradient descent on the small noisy set from (−2, −2): the validation loss falls (from 12.3
/// to 2.0 at iteration 24), then rises (to 3.9) while the training loss keeps falling. With patience 5 the run stops 5
/// iterations after the lowest validation loss so far, and nowhere before.
#[test]
fn early_stopping_stops_when_the_validation_loss_stops_improving() {
    let sc = |stop: Option<Stop>| Scenario {
        stop,
        ..scenario_data(small_noisy(), [-2.0, -2.0], 500, None, vec![gd(0.05)])
    };
    let full = traces(&sc(None)).remove(0);
    let stop = Stop {
        patience: Some(5),
        ..Stop::default()
    };
    let t = traces(&sc(Some(stop))).remove(0);
    let k = t.stopped_at.expect("stopped") as usize;
    assert_eq!(t.stop_reason.as_deref(), Some("early stopping"));
    assert_eq!(k, 29);
    // The lowest validation loss up to k is at k − 5, and every point before k had a new best
    // within its last 5 iterations.
    let v = &full.val_loss;
    let best = (0..=k).min_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
    assert_eq!(best, k - 5);
    for j in 0..k {
        let b = (0..=j).min_by(|&a, &c| v[a].total_cmp(&v[c])).unwrap();
        assert!(j - b < 5, "should have stopped at {j}");
    }
    // The training loss went on falling after the best validation point.
    assert!(full.loss[k] < full.loss[best]);
    assert!(full.val_loss[500] > full.val_loss[best]);
    assert_eq!(bits(&t.path), bits(&full.path[..=k]));
    assert_eq!(t.val_loss, full.val_loss[..=k].to_vec());
}

// ================================================================ the scenario format

#[test]
fn validation_is_checked_and_round_trips() {
    let with = |v: &str| {
        Scenario::from_json(&format!(
            r#"{{"data": {{"kind": "linear", "n": 20, "noise": 0.4, "seed": 1, "validation": {v}}},
                "start": [0, 0], "steps": 5, "runs": [{{"optimizer": {{"name": "gd", "lr": 0.1}}}}]}}"#
        ))
    };
    assert_eq!(
        with("0.95").unwrap_err(),
        "data.validation: must be a number from 0 to 0.9 (got 0.95)"
    );
    assert_eq!(
        with("-0.1").unwrap_err(),
        "data.validation: must be a number from 0 to 0.9 (got -0.1)"
    );
    assert!(with("\"half\"")
        .unwrap_err()
        .starts_with("data.validation: "));
    let sc = with("0.25").unwrap();
    assert_eq!(sc.data.as_ref().unwrap().validation, Some(0.25));
    assert!(sc.to_json().contains(r#""validation":0.25"#));
    assert_eq!(Scenario::from_json(&sc.to_json()).unwrap(), sc);
    let plain = scenario_data(
        data_spec(DataKind::Linear, 20, 0.4, 1, Features::Raw),
        [0.0, 0.0],
        5,
        None,
        vec![gd(0.1)],
    );
    assert!(!plain.to_json().contains("validation"));
}

/// The scatter plot draws the held-out points as rings and the training points filled: as many
/// of each as the split has.
#[test]
fn the_scatter_plot_rings_the_held_out_points() {
    use optimizer_playground::playground::figure::{self, Figure};
    use optimizer_playground::playground::scene::Panel;
    use optimizer_playground::playground::Playground;
    let json = r#"{"data": {"kind": "linear", "n": 20, "noise": 1, "seed": 4, "validation": 0.25},
        "start": [0, 0], "steps": 5, "runs": [{"optimizer": {"name": "gd", "lr": 1e-4}}]}"#;
    let mut pg = Playground::new(Scenario::from_json(json).unwrap()).unwrap();
    let fig = Figure {
        width: 500,
        height: 400,
        panels: vec![Panel::Scatter],
        white: true,
        scale: 1.0,
        legend: false,
    };
    let svg = figure::svg(&mut pg, &fig).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let circles: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .collect();
    let rings = circles
        .iter()
        .filter(|n| n.attribute("fill") == Some("none"))
        .count();
    assert_eq!(rings, 5, "20 points, a quarter held out");
    assert_eq!(circles.len() - rings, 15);
}
