//! What the page offers a choice of, from the engine's own declarations.

use crate::surface::{DataKind, Features, LIBRARY};

/// A choice the page offers, by its name in a scenario.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Choice {
    pub name: &'static str,
    pub title: &'static str,
}

/// A feature scaling and the data kinds it applies to.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FeatureChoice {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub kinds: Vec<&'static str>,
}

/// Everything the page offers a choice of besides surfaces and optimizers, from the engine's
/// own declarations.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Options {
    pub schedules: &'static [crate::schedule::ScheduleInfo],
    pub warmup: crate::schedule::FieldInfo,
    pub line_searches: Vec<Choice>,
    pub clips: Vec<Choice>,
    pub data_kinds: Vec<crate::surface::data::DataOption>,
    pub features: Vec<FeatureChoice>,
}

/// Everything the page offers a choice of, from the engine's declarations: the named surfaces,
/// the optimizers with their hyper-parameters, and the other [`Options`]. The command line
/// prints it (`optimizer-playground catalog`) and the page's build writes it beside the wasm,
/// so the page repeats no name, default or range (and the wasm carries no code to write it).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Catalog {
    pub surfaces: &'static [crate::surface::SurfaceInfo],
    pub optimizers: &'static [crate::optim::OptInfo],
    pub options: Options,
}

/// The catalog (see [`Catalog`]).
pub fn catalog() -> Catalog {
    Catalog {
        surfaces: LIBRARY,
        optimizers: crate::optim::OPTIMIZERS,
        options: options(),
    }
}

/// The page's choices (see [`Options`]).
pub fn options() -> Options {
    use crate::optim::{Clip, LineSearch};
    Options {
        schedules: crate::schedule::SCHEDULES,
        warmup: crate::schedule::WARMUP,
        line_searches: LineSearch::ALL
            .iter()
            .map(|l| Choice {
                name: l.name(),
                title: l.title(),
            })
            .collect(),
        clips: Clip::MODES
            .iter()
            .map(|&(name, title)| Choice { name, title })
            .collect(),
        data_kinds: DataKind::ALL.iter().map(|k| k.option()).collect(),
        features: Features::ALL
            .iter()
            .map(|f| {
                let o = f.option();
                FeatureChoice {
                    name: o.name,
                    title: o.title,
                    description: o.description,
                    kinds: DataKind::ALL
                        .iter()
                        .filter(|&&k| f.applies_to(k))
                        .map(|k| k.option().name)
                        .collect(),
                }
            })
            .collect(),
    }
}
