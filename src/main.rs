//! The command line: `trace` a scenario, list the `surfaces` and `optimizers`.

use clap::{Parser, Subcommand};
use optimizer_playground::optim::OPTIMIZERS;
use optimizer_playground::run::{Session, Trace};
use optimizer_playground::scenario::{Scenario, MAX_JSON};
use optimizer_playground::surface::LIBRARY;
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
    /// loss, ‖θ‖ > 1e12, singular Newton system) stops with path θ₀…θ_k. Exit 0 on success,
    /// 2 with a one-line message on stderr for bad input.
    Trace {
        /// The scenario file, or - for standard input.
        scenario: String,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
    },
    /// List the named surfaces with their parameters, view and known minima.
    Surfaces {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List the optimizers with their hyper-parameters and defaults.
    Optimizers {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct Output {
    runs: Vec<Trace>,
}

fn read_input(path: &str) -> Result<String, String> {
    let mut text = String::new();
    let r = if path == "-" {
        std::io::stdin()
            .take(MAX_JSON as u64 + 1)
            .read_to_string(&mut text)
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_JSON as u64 + 1).read_to_string(&mut text))
    };
    r.map_err(|e| {
        format!(
            "cannot read {}: {e}",
            if path == "-" {
                "standard input".into()
            } else {
                format!("'{path}'")
            }
        )
    })?;
    Ok(text)
}

fn trace(path: &str, pretty: bool) -> Result<String, String> {
    let text = read_input(path)?;
    let sc = Scenario::from_json(&text)?;
    let runs = Session::new(&sc)?.finish();
    let out = Output { runs };
    let s = if pretty {
        serde_json::to_string_pretty(&out)
    } else {
        serde_json::to_string(&out)
    };
    s.map_err(|e| format!("cannot write the output: {e}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = match cli.cmd {
        Cmd::Trace { scenario, pretty } => trace(&scenario, pretty),
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
            let mut s = String::new();
            for o in OPTIMIZERS {
                let params: Vec<String> = o
                    .params
                    .iter()
                    .map(|p| match p.default {
                        Some(d) => format!("{}={d:?}", p.name),
                        None => format!("{} (required)", p.name),
                    })
                    .collect();
                s += &format!("{:<10} {}: {}\n", o.name, params.join(", "), o.description);
            }
            Ok(s.trim_end().to_string())
        }
    };
    match out {
        Ok(s) => {
            let mut so = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = writeln!(so, "{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", e.replace('\n', " "));
            ExitCode::from(2)
        }
    }
}
