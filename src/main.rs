//! The command line: `trace` a scenario, `render` its figure, `tune` its optimizers, list the
//! `surfaces` and `optimizers`.

use clap::{Args, Parser, Subcommand};
use optimizer_playground::meta::{self, MetaConfig, MetaTrainer, Task};
use optimizer_playground::optim::OptKind;
use optimizer_playground::optim::{LineSearch, OPTIMIZERS};
use optimizer_playground::playground::figure::{self, Figure, MAX_SIDE};
use optimizer_playground::playground::scene::Panel;
use optimizer_playground::playground::{catalog, Playground};
use optimizer_playground::run::{end_label_within, Session, Trace};
use optimizer_playground::scenario::{Scenario, MAX_JSON};
use optimizer_playground::surface::LIBRARY;
use optimizer_playground::text::escape_controls;
use optimizer_playground::tune;
use serde::Serialize;
use std::io::{Read, Write};
use std::process::ExitCode;

/// Step deep-learning optimizers over 2-D loss surfaces, exactly as the page does.
///
/// A scenario is JSON: {"surface": {"name": "rosenbrock"} or {"expr": "(1-x)^2 + 100*(y-x^2)^2"},
/// "start": [x, y], "steps": N, "runs": [{"optimizer": {"name": "adam", "lr": 0.01, …},
/// "schedule": {"name": "cosine", "t_max": 200}, "clip": {"norm": 1.0}, "l2": 0.01,
/// "label": "…", "color": "#1f77b4"}]}. A missing hyper-parameter takes the spec's default.
#[derive(Parser)]
#[command(name = "optimizer-playground", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario and print every run's trajectory as JSON.
    ///
    /// Prints {"runs":[{"label", "path": [[x,y],…] (θ₀…θ_N), "loss": […] (one per point),
    /// "lr": […] and "grad_norm": […] (one per iteration), "evals": {"value","grad","hessian"},
    /// "diverged_at": null or k}]}. A run whose iteration k fails (non-finite gradient, point or
    /// loss, ‖θ‖ > 1e12, singular Newton system) stops with path θ₀…θ_k. A value that is not
    /// finite (L(θ₀) where the loss is undefined) prints as null. Exit 0 on success, 2 with a
    /// one-line message on stderr for bad input. On a terminal, stderr shows the progress of
    /// long runs.
    ///
    /// Only when they apply: "batch_loss" (mini-batches), "val_loss" (a data set with
    /// "validation"), "stopped_at" and "stop_reason" (a run that a rule of the scenario's
    /// "stop" ended), and "end" (with --end, or when the scenario has "stop"): how the last
    /// point looks, "minimum", "saddle", "maximum", "flat", "moving" or "diverged".
    Trace {
        /// The scenario file, or - for standard input.
        scenario: String,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
        /// Add every run's "end" label (implied by a scenario with "stop").
        #[arg(long)]
        end: bool,
    },
    /// Draw the picture the page shows for a scenario, as SVG or PNG.
    ///
    /// The colour map with contours, axes and colour bar, every run's trajectory in its colour
    /// with a legend, and the loss and learning-rate charts (and the data with the selected
    /// run's model on a data surface), side by side, after the scenario's steps or `--step K`.
    /// Drawn by the same code as the page. Exit 2 with a one-line message for bad input.
    Render(RenderArgs),
    /// Tune each chosen run's learning rate (and optionally one more hyper-parameter) fairly.
    ///
    /// Every optimizer gets the same budget of runs and the same metric: the full-batch loss
    /// where a run stops after --evals gradient evaluations (the scenario's stop.max_evals; a
    /// Hessian counts as one gradient evaluation, a line search's every trial counts). The
    /// search: half the budget on learning rates log-spaced over the slider range, the other
    /// half between the best and its neighbours; with --also, a grid of that hyper-parameter ×
    /// learning rates. No randomness: the same input prints the same table. Prints a table, or
    /// with --json {"metric", "search", "evals", "budget", "also", "rows": [{"run", "label",
    /// "optimizer", "lr", "other", "loss", "evals", "runs_used", "diverged", "candidates",
    /// "tuned"}]} (lr, loss and evals null when every candidate diverged). Exit 2 with a
    /// one-line message for bad input.
    Tune(TuneArgs),
    /// Compute a hyperparameter map or a basin map of one run of a scenario.
    ///
    /// Every pixel is one whole run: the scenario's run --run with the pixel's two
    /// hyperparameters set (--kind hyper, over the sliders' ranges and scales) or started at the
    /// pixel's point (--kind basin, over the surface's view or --view), exactly the run `trace`
    /// gives for that one-run scenario. Prints JSON by default: the axes, then per pixel
    /// (row-major, row 0 at the top) "loss" (null where diverged), "end", "iterations",
    /// "grad_evals", "diverged", "steps_to_tol" and "evals_to_tol" (with --tol: the first point
    /// whose loss is at most the tolerance), and on a basin map "basins": the minima and each
    /// pixel's label (the index of its minimum, -1 diverged, -2 did not settle). With --out
    /// FILE.svg or .png, a picture drawn by the page's code. Exit 2 with a one-line message for
    /// bad input.
    Map(MapArgs),
    /// Print, as JSON, everything the page offers: the surfaces, the optimizers with their
    /// hyper-parameters (defaults, ranges, sliders, symbols), schedules, line searches,
    /// clipping modes and data options. The page's build writes it to www/pkg/catalog.json.
    Catalog,
    /// List the named surfaces with their parameters, view and known minima.
    Surfaces {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List the optimizers: what each does, its update rule, its hyper-parameters and defaults.
    Optimizers {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Meta-train the learned optimizer from a seed, by antithetic evolution strategies on a
    /// seeded family of random 2-D functions (see README, "The learned optimizer").
    ///
    /// Prints JSON: {"config": {…}, "curve": [meta-loss on the held-out functions before
    /// training and after every iteration], "weights": […], "held_out": {"learned", "gd",
    /// "adam"}: each optimizer's mean final relative loss on those functions (gd and adam at
    /// the best rate of a fixed grid)}. With --out FILE, also writes the weights as the Rust
    /// source the engine ships (src/optim/learned_weights.rs). The same arguments give the same
    /// weights bit for bit.
    MetaTrain(MetaArgs),
}

#[derive(Args)]
struct MetaArgs {
    /// The seed of the functions, the perturbations and the initial weights.
    #[arg(long)]
    seed: u64,
    /// Iterations of evolution strategies.
    #[arg(long, default_value_t = MetaConfig::default().iterations)]
    iterations: u32,
    /// Antithetic pairs of perturbations an iteration.
    #[arg(long, default_value_t = MetaConfig::default().pairs)]
    pairs: u32,
    /// Random functions an iteration.
    #[arg(long, default_value_t = MetaConfig::default().tasks)]
    tasks: u32,
    /// Steps of every unrolled run.
    #[arg(long, default_value_t = MetaConfig::default().horizon)]
    horizon: u32,
    /// Spread σ of the perturbations.
    #[arg(long, default_value_t = MetaConfig::default().sigma)]
    sigma: f64,
    /// Adam's rate on the weights.
    #[arg(long, default_value_t = MetaConfig::default().rate)]
    rate: f64,
    /// Write the weights as Rust source to this file.
    #[arg(long)]
    out: Option<String>,
}

#[derive(Serialize)]
struct Output {
    runs: Vec<Trace>,
}

/// A run of `trace --end`: the trace and how it ends.
#[derive(Serialize)]
struct Ended {
    #[serde(flatten)]
    trace: Trace,
    end: &'static str,
}

#[derive(Serialize)]
struct EndedOutput {
    runs: Vec<Ended>,
}

/// Reads the scenario text: at most [`MAX_JSON`] bytes (more is "too large", decided before
/// anything else), then UTF-8.
fn read_input(path: &str) -> Result<String, String> {
    let stdin = path == "-";
    let what = || {
        if stdin {
            "standard input".to_string()
        } else {
            format!("'{path}'")
        }
    };
    let limit = MAX_JSON as u64 + 1;
    let mut bytes = Vec::new();
    // The file's size as the file system tells it (none for standard input).
    let mut size = None;
    let r = if stdin {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| {
            size = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
            f.take(limit).read_to_end(&mut bytes)
        })
    };
    r.map_err(|e| format!("cannot read {}: {e}", what()))?;
    if bytes.len() > MAX_JSON {
        return Err(match size.filter(|&n| n > MAX_JSON as u64) {
            Some(n) => format!("scenario too large ({n} bytes, at most {MAX_JSON})"),
            // Standard input is not read to its end (it may not have one).
            None => format!("scenario too large ({limit} bytes or more, at most {MAX_JSON})"),
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "cannot read {}: not valid UTF-8 text (at byte {})",
            what(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// Iterations stepped between two looks at the clock.
const CHUNK: u64 = 1000;

/// Steps `x` to `total` iterations, [`CHUNK`] at a time, with `step(x, n)` (which advances by up
/// to `n`, as [`Session::step`] does) until `done(x)`. When standard error is a terminal and
/// the stepping takes a while, one line there says how far it has come, updated a few times a
/// second and cleared at the end. Stepping in chunks gives the same bits as stepping at once:
/// runs are independent and each iteration depends only on its run's state.
#[allow(clippy::disallowed_methods)] // the command line may read the clock; the engine never does
fn stepping<T>(x: &mut T, total: u64, step: fn(&mut T, u64), done: fn(&T) -> bool) {
    use std::io::IsTerminal;
    use std::time::{Duration, Instant};
    /// No line for what takes less; then at most one update per this much time.
    const EVERY: Duration = Duration::from_millis(250);
    let terminal = std::io::stderr().is_terminal();
    let start = Instant::now();
    let mut last = start;
    let mut width = 0;
    let mut k = 0;
    while k < total && !done(x) {
        let n = CHUNK.min(total - k);
        step(x, n);
        k += n;
        if terminal && k < total && last.elapsed() >= EVERY {
            last = Instant::now();
            let line = format!("stepping: {}% ({k} of {total} iterations)", k * 100 / total);
            width = width.max(line.chars().count());
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r{line:<width$}");
            let _ = e.flush();
        }
    }
    if width > 0 {
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r{:width$}\r", "");
        let _ = e.flush();
    }
}

fn trace(path: &str, pretty: bool, end: bool) -> Result<String, String> {
    fn to_json<T: Serialize>(out: &T, pretty: bool) -> Result<String, String> {
        let s = if pretty {
            serde_json::to_string_pretty(out)
        } else {
            serde_json::to_string(out)
        };
        s.map_err(|e| format!("cannot write the output: {e}"))
    }
    let text = read_input(path)?;
    let sc = Scenario::from_json(&text)?;
    let mut session = Session::new(&sc)?;
    stepping(&mut session, sc.steps, Session::step, Session::done);
    if end || sc.stop.is_some() {
        let surface = session.surface.clone();
        let tol = sc.stop.and_then(|s| s.grad_tol);
        let runs = session
            .finish()
            .into_iter()
            .map(|trace| Ended {
                end: end_label_within(&surface, &trace, tol).name(),
                trace,
            })
            .collect();
        return to_json(&EndedOutput { runs }, pretty);
    }
    to_json(
        &Output {
            runs: session.finish(),
        },
        pretty,
    )
}

/// The arguments of `tune`.
#[derive(Args)]
struct TuneArgs {
    /// The scenario file, or - for standard input.
    scenario: String,
    /// The runs to tune, by index from 0, comma-separated (default: all but fan runs and earlier tuned runs).
    #[arg(long)]
    runs: Option<String>,
    /// Runs per optimizer.
    #[arg(long, default_value_t = tune::BUDGET_DEFAULT)]
    budget: usize,
    /// Gradient evaluations per run (default: the scenario's stop.max_evals, else its steps).
    #[arg(long)]
    evals: Option<u64>,
    /// One more hyper-parameter to search besides the learning rate (e.g. beta2, momentum).
    #[arg(long)]
    also: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn tune_cmd(a: TuneArgs) -> Result<String, String> {
    let runs = match &a.runs {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|w| {
                w.trim().parse::<usize>().map_err(|_| {
                    format!("--runs: run indices from 0, comma-separated like 0,2 (got '{list}')")
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let text = read_input(&a.scenario)?;
    let sc = Scenario::from_json(&text)?;
    let opts = tune::TuneOptions {
        runs,
        budget: a.budget,
        evals: a.evals,
        also: a.also,
    };
    let table = tune::tune(&sc, &opts).map_err(|e| {
        // The options' own messages name the option as it is typed.
        match ["runs:", "budget:", "evals:", "also:"]
            .iter()
            .find(|p| e.starts_with(*p))
        {
            Some(_) if !(e.starts_with("runs:") && a.runs.is_none()) => format!("--{e}"),
            _ => e,
        }
    })?;
    if a.json {
        serde_json::to_string(&table).map_err(|e| format!("cannot write the output: {e}"))
    } else {
        Ok(tune::table_text(&sc, &table))
    }
}

/// The arguments of `render`.
#[derive(Args)]
struct RenderArgs {
    /// The scenario file, or - for standard input.
    scenario: String,
    /// Where to write: a file name ending in .svg or .png.
    #[arg(long)]
    out: String,
    /// Width in pixels (default: 360 per chart, 720 for the map).
    #[arg(long)]
    width: Option<u32>,
    /// Height in pixels.
    #[arg(long, default_value_t = 480)]
    height: u32,
    /// Draw the state after K iterations (default: all the scenario's steps).
    #[arg(long)]
    step: Option<u64>,
    /// The panels, left to right: comma-separated from map, loss, lr, scatter; or all.
    #[arg(long, default_value = "all")]
    panels: String,
    /// white or transparent.
    #[arg(long, default_value = "white")]
    background: String,
    /// Size of text and lines (1 = as on the page at 100%).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Leave out the map's legend of the runs.
    #[arg(long)]
    no_legend: bool,
    /// Show inside the optimizer on the map: for run --run at iteration K = --step (from θ_K to
    /// θ_{K+1}; default the last iteration), the gradient, the step and what the optimizer
    /// computes on its way (velocity, per-coordinate steps, clipping, bounds, lookahead,
    /// Newton's model, line-search trials), with the numbers in a box.
    #[arg(long)]
    inner: bool,
    /// The run --inner looks into (from 0; default the first).
    #[arg(long, requires = "inner")]
    run: Option<usize>,
}

/// The arguments of `map`.
#[derive(Args)]
struct MapArgs {
    /// The scenario file, or - for standard input.
    scenario: String,
    /// Which run of the scenario (from 0).
    #[arg(long, default_value_t = 0)]
    run: usize,
    /// hyper (two hyperparameters) or basin (start points).
    #[arg(long, default_value = "hyper")]
    kind: String,
    /// The two hyperparameters, across and up, e.g. lr,beta2 (default: the learning rate and
    /// the optimizer's main other one).
    #[arg(long)]
    params: Option<String>,
    /// The basin map's start rectangle: x_min,x_max,y_min,y_max (default: the surface's view).
    #[arg(long, allow_hyphen_values = true)]
    view: Option<String>,
    /// Pixels across and up, WxH.
    #[arg(long, default_value = "128x128")]
    size: String,
    /// What the colours show: loss (final loss), steps or evals (iterations or gradient
    /// evaluations until the loss is at most --tol).
    #[arg(long, default_value = "loss")]
    metric: String,
    /// The loss tolerance for steps and evals.
    #[arg(long, allow_hyphen_values = true)]
    tol: Option<f64>,
    /// Where to write: .json, .svg or .png (default: JSON on standard output).
    #[arg(long)]
    out: Option<String>,
    /// The picture's size in pixels, WxH (.svg and .png).
    #[arg(long, default_value = "720x540")]
    image_size: String,
    /// Indent the JSON.
    #[arg(long)]
    pretty: bool,
}

/// `W`x`H` as two numbers; the message names `field`.
fn parse_size(field: &str, s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("{field}: WIDTHxHEIGHT, two whole numbers like 256x256 (got '{s}')");
    let (w, h) = s.split_once(['x', 'X', '×']).ok_or_else(bad)?;
    Ok((
        w.trim().parse().map_err(|_| bad())?,
        h.trim().parse().map_err(|_| bad())?,
    ))
}

fn map_cmd(a: MapArgs) -> Result<String, String> {
    use optimizer_playground::maps::{draw, MapKind, MapSpec, Metric};
    let kind = MapKind::from_name(&a.kind)
        .ok_or_else(|| format!("--kind: hyper or basin (got '{}')", a.kind))?;
    let metric = Metric::from_name(&a.metric)
        .ok_or_else(|| format!("--metric: loss, steps or evals (got '{}')", a.metric))?;
    if metric != Metric::Loss && a.tol.is_none() {
        return Err(format!(
            "--metric {}: needs --tol (the loss to reach)",
            a.metric
        ));
    }
    let (w, h) = parse_size("--size", &a.size)?;
    let out = a.out.as_deref().map(|o| (o, o.to_ascii_lowercase()));
    let format = match &out {
        None => "json",
        Some((_, l)) if l.ends_with(".json") => "json",
        Some((_, l)) if l.ends_with(".svg") => "svg",
        Some((_, l)) if l.ends_with(".png") => "png",
        Some((o, _)) => {
            return Err(format!(
                "--out: the file name must end in .json, .svg or .png (got '{o}')"
            ))
        }
    };
    let (iw, ih) = parse_size("--image-size", &a.image_size)?;
    let side = 200..=MAX_SIDE as usize;
    if format != "json" && !(side.contains(&iw) && side.contains(&ih)) {
        return Err(format!(
            "--image-size: from 200 to {MAX_SIDE} pixels each way (got {iw}x{ih})"
        ));
    }
    if kind == MapKind::Basin && a.params.is_some() {
        return Err("--params: only for --kind hyper".into());
    }
    if kind == MapKind::Hyper && a.view.is_some() {
        return Err("--view: only for --kind basin".into());
    }
    let text = read_input(&a.scenario)?;
    let sc = Scenario::from_json(&text)?;
    // The engine names its fields; here they are the options.
    let flag = |e: String| match e.split_once(':') {
        Some((f, rest)) if ["size", "run", "tol", "view", "params"].contains(&f) => {
            format!("--{f}:{rest}")
        }
        _ => e,
    };
    let spec = match kind {
        MapKind::Hyper => {
            let params = match &a.params {
                None => None,
                Some(p) => Some(p.split_once(',').map(|(x, y)| (x.trim(), y.trim())).ok_or_else(
                    || format!("--params: two names separated by a comma, like lr,beta2 (got '{p}')"),
                )?),
            };
            MapSpec::hyper(sc, a.run, params, w, h, a.tol)
        }
        MapKind::Basin => {
            let view = match &a.view {
                None => None,
                Some(v) => {
                    let nums: Result<Vec<f64>, _> = v.split(',').map(|t| t.trim().parse::<f64>()).collect();
                    match nums.ok().filter(|n| n.len() == 4) {
                        Some(n) => Some([n[0], n[1], n[2], n[3]]),
                        None => {
                            return Err(format!(
                                "--view: four numbers x_min,x_max,y_min,y_max (got '{v}')"
                            ))
                        }
                    }
                }
            };
            MapSpec::basin(sc, a.run, view, w, h, a.tol)
        }
    }
    .map_err(flag)?;
    // Two threads, each a half of the rows.
    let half = spec.height.div_ceil(2);
    let outcomes = std::thread::scope(|s| {
        let top = s.spawn(|| spec.compute_rows(0..half));
        let mut bottom = spec.compute_rows(half..spec.height);
        let mut all = top
            .join()
            .map_err(|_| "a thread of the map failed".to_string())?;
        all.append(&mut bottom);
        Ok::<_, String>(all)
    })?;
    let map = spec.finish(outcomes);
    let look = draw::Look::new(1.0, metric);
    let bytes = match format {
        "svg" => draw::svg(&map, &look, iw as u32, ih as u32)?.into_bytes(),
        "png" => draw::png(&map, &look, iw as u32, ih as u32)?,
        _ => {
            let s = if a.pretty {
                serde_json::to_string_pretty(&map)
            } else {
                serde_json::to_string(&map)
            };
            let s = s.map_err(|e| format!("cannot write the output: {e}"))?;
            match &out {
                None => return Ok(s),
                Some(_) => s.into_bytes(),
            }
        }
    };
    if let Some((o, _)) = out {
        std::fs::write(o, bytes).map_err(|e| format!("cannot write '{o}': {e}"))?;
    }
    Ok(String::new())
}

fn render(a: RenderArgs) -> Result<String, String> {
    enum Format {
        Svg,
        Png,
    }
    let ext = a.out.to_ascii_lowercase();
    let format = if ext.ends_with(".svg") {
        Format::Svg
    } else if ext.ends_with(".png") {
        Format::Png
    } else {
        return Err(format!(
            "--out: the file name must end in .svg or .png (got '{}')",
            a.out
        ));
    };
    let white = match a.background.as_str() {
        "white" => true,
        "transparent" => false,
        b => return Err(format!("--background: white or transparent (got '{b}')")),
    };
    if !(a.scale.is_finite() && (0.25..=8.0).contains(&a.scale)) {
        return Err(format!("--scale: must be from 0.25 to 8 (got {})", a.scale));
    }
    let text = read_input(&a.scenario)?;
    let sc = Scenario::from_json(&text)?;
    let panels = Panel::list(&a.panels, sc.data.is_some()).map_err(|e| format!("--panels: {e}"))?;
    let width = a.width.unwrap_or_else(|| {
        panels
            .iter()
            .map(|&p| if p == Panel::Map { 720 } else { 360 })
            .sum()
    });
    for (name, v) in [("--width", width), ("--height", a.height)] {
        if !(100..=MAX_SIDE).contains(&v) {
            return Err(format!(
                "{name}: must be from 100 to {MAX_SIDE} pixels (got {v})"
            ));
        }
    }
    // With --inner, K is an iteration: the figure shows θ_K and the step to θ_{K+1}.
    let k = a.step.unwrap_or(if a.inner {
        sc.steps.saturating_sub(1)
    } else {
        sc.steps
    });
    if k > sc.steps || (a.inner && k >= sc.steps) {
        return Err(if a.inner {
            format!(
                "--step: with --inner, an iteration below the scenario's steps, {} (got {k})",
                sc.steps
            )
        } else {
            format!(
                "--step: at most the scenario's steps, {} (got {k})",
                sc.steps
            )
        });
    }
    let run = a.run.unwrap_or(0);
    if a.inner && run >= sc.runs.len() {
        return Err(format!(
            "--run: the scenario has {} run{} (got {run})",
            sc.runs.len(),
            if sc.runs.len() == 1 { "" } else { "s" }
        ));
    }
    let mut pg = Playground::new(sc)?;
    let reach = if a.inner { k + 1 } else { k };
    stepping(&mut pg, reach, Playground::step, |pg| pg.session().done());
    if a.inner {
        pg.select_run(run);
        pg.set_cursor(k as f64);
        pg.set_show_inner(true);
    }
    let fig = Figure {
        width,
        height: a.height,
        panels,
        white,
        scale: a.scale,
        legend: !a.no_legend,
    };
    let bytes = match format {
        Format::Svg => figure::svg(&mut pg, &fig)?.into_bytes(),
        Format::Png => figure::png(&mut pg, &fig)?,
    };
    std::fs::write(&a.out, bytes).map_err(|e| format!("cannot write '{}': {e}", a.out))?;
    Ok(String::new())
}

fn main() -> ExitCode {
    // Help and version print as usual; any other mistake in the arguments is one line on
    // standard error and exit code 2, like every other bad input.
    let out = match Cli::try_parse() {
        Ok(cli) => run(cli),
        Err(e)
            if !e.use_stderr()
                || e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
        {
            e.exit()
        }
        Err(e) => {
            // clap's message without its usage lines, on one line.
            let text = e.to_string();
            let words: Vec<&str> = text
                .lines()
                .take_while(|l| !l.is_empty() && !l.starts_with("Usage:"))
                .map(str::trim)
                .collect();
            let line = words.join(" ");
            Err(line
                .strip_prefix("error:")
                .unwrap_or(&line)
                .trim()
                .to_string())
        }
    };
    match out {
        Ok(s) if s.is_empty() => ExitCode::SUCCESS,
        Ok(s) => {
            let mut so = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = writeln!(so, "{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            // The one place a message reaches standard error. Messages quote what was given
            // (field and surface names, expressions, file names, arguments): every control
            // character is shown escaped, so none reaches the terminal, and the message stays
            // one line.
            eprintln!("error: {}", escape_controls(&e));
            ExitCode::from(2)
        }
    }
}

/// Runs a command: what to print on standard output, or the message of what went wrong.
fn run(cli: Cli) -> Result<String, String> {
    match cli.cmd {
        Cmd::Trace {
            scenario,
            pretty,
            end,
        } => trace(&scenario, pretty, end),
        Cmd::Render(args) => render(args),
        Cmd::MetaTrain(args) => meta_train(args),
        Cmd::Tune(args) => tune_cmd(args),
        Cmd::Map(args) => map_cmd(args),
        Cmd::Catalog => serde_json::to_string(&catalog()).map_err(|e| e.to_string()),
        Cmd::Surfaces { json: true } => {
            serde_json::to_string_pretty(LIBRARY).map_err(|e| e.to_string())
        }
        Cmd::Surfaces { json: false } => {
            let mut s = String::new();
            for i in LIBRARY {
                let params: Vec<String> = i
                    .params
                    .iter()
                    .map(|p| format!("{}={}", p.name, p.default))
                    .collect();
                s += &format!(
                    "{:<17} {}\n{:<17} L = {}\n",
                    i.name, i.description, "", i.formula
                );
                if !params.is_empty() {
                    s += &format!("{:<17} params: {}\n", "", params.join(", "));
                }
            }
            Ok(s.trim_end().to_string())
        }
        Cmd::Optimizers { json: true } => {
            serde_json::to_string_pretty(OPTIMIZERS).map_err(|e| e.to_string())
        }
        Cmd::Optimizers { json: false } => {
            // Per optimizer: its name, title and description, its summary, its update rule
            // (indented), then one row per hyper-parameter: name (symbol), default or
            // "required", valid values, meaning.
            let blocks: Vec<(String, Vec<[String; 4]>)> = OPTIMIZERS
                .iter()
                .map(|o| {
                    let mut rows: Vec<[String; 4]> = o
                        .params
                        .iter()
                        .map(|p| {
                            let default = match p.default {
                                Some(d) if p.integer => format!("= {d}"),
                                Some(d) => format!("= {d:?}"),
                                None => "required".into(),
                            };
                            let name = if p.symbol == p.name {
                                p.name.to_string()
                            } else {
                                format!("{} ({})", p.name, p.symbol)
                            };
                            [name, default, p.valid.to_string(), p.meaning.into()]
                        })
                        .collect();
                    if o.line_search {
                        let all: Vec<&str> = LineSearch::ALL.iter().map(|l| l.name()).collect();
                        rows.push([
                            "line_search".into(),
                            format!("= {}", LineSearch::default().name()),
                            format!("one of {}", all.join(", ")),
                            "how the step along the search direction is chosen".into(),
                        ]);
                    }
                    if o.wraps {
                        rows.push([
                            "inner".into(),
                            "required".into(),
                            "a first-order optimizer".into(),
                            "the optimizer whose steps it wraps".into(),
                        ]);
                    }
                    let mut head = format!(
                        "{} — {}: {}\n  {}",
                        o.name, o.title, o.description, o.summary
                    );
                    for line in o.rule.lines() {
                        head += &format!("\n    {line}");
                    }
                    (head, rows)
                })
                .collect();
            let width = |i: usize| {
                blocks
                    .iter()
                    .flat_map(|(_, rows)| rows.iter().map(move |r| r[i].chars().count()))
                    .max()
                    .unwrap_or(0)
            };
            let (w0, w1, w2) = (width(0), width(1), width(2));
            let mut s = String::new();
            for (head, rows) in &blocks {
                s += &format!("{head}\n");
                for [a, b, c, d] in rows {
                    s += &format!("  {a:<w0$}  {b:<w1$}  {c:<w2$}  {d}\n");
                }
                s += "\n";
            }
            s += "In the rules: g is the gradient, t the step number (from 1), η the learning \
                  rate as any schedule sets it for the step (AdaBound writes ηₖ for that and η \
                  for the slider's value); ← updates a state; vector operations (g², √, /, ⊙, \
                  max, sign) act per coordinate.";
            Ok(s)
        }
    }
}

/// `meta-train`: the JSON summary, and the weights file with `--out`.
fn meta_train(a: MetaArgs) -> Result<String, String> {
    let cfg = MetaConfig {
        seed: a.seed,
        iterations: a.iterations,
        pairs: a.pairs,
        tasks: a.tasks,
        horizon: a.horizon,
        sigma: a.sigma,
        rate: a.rate,
        ..MetaConfig::default()
    };
    let mut tr = MetaTrainer::new(cfg)?;
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    while !tr.done() {
        let l = tr.step();
        if tty {
            eprint!(
                "\riteration {}/{}: meta-loss {l:.4}  ",
                tr.iteration, cfg.iterations
            );
        }
    }
    if tty {
        eprintln!();
    }
    if let Some(path) = &a.out {
        let mut command = format!("optimizer-playground meta-train --seed {}", cfg.seed);
        let d = MetaConfig::default();
        for (name, v, dv) in [
            ("iterations", cfg.iterations, d.iterations),
            ("pairs", cfg.pairs, d.pairs),
            ("tasks", cfg.tasks, d.tasks),
            ("horizon", cfg.horizon, d.horizon),
        ] {
            if v != dv {
                command += &format!(" --{name} {v}");
            }
        }
        for (name, v, dv) in [("sigma", cfg.sigma, d.sigma), ("rate", cfg.rate, d.rate)] {
            if v.to_bits() != dv.to_bits() {
                command += &format!(" --{name} {v:?}");
            }
        }
        command += &format!(" --out {path}");
        std::fs::write(path, meta::weights_source(&cfg, &tr.weights, &command))
            .map_err(|e| format!("cannot write '{path}': {e}"))?;
    }
    let held: Vec<Task> = tr.held_out.clone();
    let steps = cfg.horizon as usize;
    let best = |k: OptKind| meta::score_grid(&held, steps, k).into_iter().next();
    let out = serde_json::json!({
        "config": cfg,
        "curve": tr.curve,
        "weights": tr.weights.to_vec(),
        "held_out": {
            "functions": held.len(),
            "steps": steps,
            "learned": meta::score_learned(&held, steps, &tr.weights),
            "gd": best(OptKind::Gd),
            "adam": best(OptKind::Adam),
        },
    });
    serde_json::to_string(&out).map_err(|e| e.to_string())
}
