//! Optimizer configurations: the serde form that scenarios carry, with the spec's defaults and
//! the ranges sliders offer.

use serde::{Deserialize, Serialize};

/// Every optimizer the engine knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptKind {
    Gd,
    Momentum,
    Nesterov,
    Adagrad,
    Rmsprop,
    Adam,
    Adamw,
    Amsgrad,
    Nadam,
    Radam,
    Adabound,
    Adadelta,
    Lion,
    SgdHd,
    Lookahead,
    Newton,
    Bfgs,
    Lbfgs,
}

/// The line searches of `bfgs` and `lbfgs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineSearch {
    None,
    Armijo,
    Wolfe,
}

/// How a hyper-parameter is described to the page.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HyperSpec {
    pub name: &'static str,
    /// The spec's default; `None` where the value must be given (`lr` of most optimizers).
    pub default: Option<f64>,
    /// Slider range and scale.
    pub min: f64,
    pub max: f64,
    pub log: bool,
    pub integer: bool,
    /// A short label for the page.
    pub label: &'static str,
}

const fn hs(
    name: &'static str,
    default: Option<f64>,
    min: f64,
    max: f64,
    log: bool,
    label: &'static str,
) -> HyperSpec {
    HyperSpec {
        name,
        default,
        min,
        max,
        log,
        integer: false,
        label,
    }
}

const LR: HyperSpec = hs("lr", None, 1e-5, 10.0, true, "learning rate η");
const LR1: HyperSpec = hs("lr", Some(1.0), 1e-3, 10.0, true, "step factor η");
const MOMENTUM: HyperSpec = hs("momentum", Some(0.9), 0.0, 0.999, false, "momentum β");
const BETA1: HyperSpec = hs("beta1", Some(0.9), 0.0, 0.999, false, "β₁");
const BETA2: HyperSpec = hs("beta2", Some(0.999), 0.5, 0.99999, false, "β₂");
const EPS: HyperSpec = hs("eps", Some(1e-8), 1e-12, 1.0, true, "ε");
const RHO: HyperSpec = hs("rho", Some(0.9), 0.0, 0.999, false, "decay ρ");
const WD: HyperSpec = hs(
    "weight_decay",
    Some(0.01),
    0.0,
    1.0,
    false,
    "weight decay λ",
);

/// What one optimizer takes, and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct OptInfo {
    pub kind: OptKind,
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub params: &'static [HyperSpec],
    /// Second-order and quasi-Newton methods take no clipping or L2.
    pub first_order: bool,
}

/// The optimizers, in the order the page offers them.
pub const OPTIMIZERS: &[OptInfo] = &[
    OptInfo { kind: OptKind::Gd, name: "gd", title: "Gradient descent", description: "θ ← θ − η∇L", params: &[LR], first_order: true },
    OptInfo { kind: OptKind::Momentum, name: "momentum", title: "Momentum", description: "Heavy ball: velocity accumulates past gradients (Polyak 1964).", params: &[LR, MOMENTUM], first_order: true },
    OptInfo { kind: OptKind::Nesterov, name: "nesterov", title: "Nesterov", description: "Momentum with the gradient taken at the look-ahead point (Nesterov 1983).", params: &[LR, MOMENTUM], first_order: true },
    OptInfo { kind: OptKind::Adagrad, name: "adagrad", title: "AdaGrad", description: "Per-coordinate rates that shrink with the sum of squared gradients (Duchi et al. 2011).", params: &[LR, EPS], first_order: true },
    OptInfo { kind: OptKind::Rmsprop, name: "rmsprop", title: "RMSprop", description: "Per-coordinate rates from a moving average of squared gradients (Hinton 2012).", params: &[LR, RHO, EPS], first_order: true },
    OptInfo { kind: OptKind::Adam, name: "adam", title: "Adam", description: "Bias-corrected moving averages of the gradient and its square (Kingma & Ba 2015).", params: &[LR, BETA1, BETA2, EPS], first_order: true },
    OptInfo { kind: OptKind::Adamw, name: "adamw", title: "AdamW", description: "Adam with decoupled weight decay (Loshchilov & Hutter 2019).", params: &[LR, BETA1, BETA2, EPS, WD], first_order: true },
    OptInfo { kind: OptKind::Amsgrad, name: "amsgrad", title: "AMSGrad", description: "Adam with a never-decreasing second moment (Reddi et al. 2018).", params: &[LR, BETA1, BETA2, EPS], first_order: true },
    OptInfo { kind: OptKind::Nadam, name: "nadam", title: "NAdam", description: "Adam with Nesterov momentum (Dozat 2016).", params: &[LR, BETA1, BETA2, EPS], first_order: true },
    OptInfo { kind: OptKind::Radam, name: "radam", title: "RAdam", description: "Adam with a rectified, variance-aware warm-up (Liu et al. 2020).", params: &[LR, BETA1, BETA2, EPS], first_order: true },
    OptInfo {
        kind: OptKind::Adabound,
        name: "adabound",
        title: "AdaBound",
        description: "Adam whose per-coordinate rates are clamped into bounds that close on final_lr (Luo et al. 2019).",
        params: &[LR, hs("final_lr", Some(0.1), 1e-4, 1.0, true, "final rate"), hs("gamma", Some(1e-3), 1e-5, 0.1, true, "bound speed γ"), BETA1, BETA2, EPS],
        first_order: true,
    },
    OptInfo {
        kind: OptKind::Adadelta,
        name: "adadelta",
        title: "AdaDelta",
        description: "Units-matched steps from moving averages of squared gradients and updates (Zeiler 2012).",
        params: &[hs("lr", Some(1.0), 1e-3, 10.0, true, "learning rate η"), RHO, hs("eps", Some(1e-6), 1e-12, 1.0, true, "ε")],
        first_order: true,
    },
    OptInfo {
        kind: OptKind::Lion,
        name: "lion",
        title: "Lion",
        description: "Sign of an interpolated momentum: every step has the same size (Chen et al. 2023).",
        params: &[LR, BETA1, hs("beta2", Some(0.99), 0.5, 0.99999, false, "β₂"), hs("weight_decay", Some(0.0), 0.0, 1.0, false, "weight decay λ")],
        first_order: true,
    },
    OptInfo {
        kind: OptKind::SgdHd,
        name: "sgd_hd",
        title: "SGD-HD",
        description: "Gradient descent that learns its own rate by hypergradient descent (Baydin et al. 2018).",
        params: &[LR, hs("hyper_lr", Some(1e-4), 1e-8, 1e-2, true, "hyper rate β")],
        first_order: true,
    },
    OptInfo {
        kind: OptKind::Lookahead,
        name: "lookahead",
        title: "Lookahead",
        description: "Wraps an optimizer: every k steps the slow weights move part-way to the fast ones (Zhang et al. 2019).",
        params: &[
            HyperSpec { name: "k", default: Some(5.0), min: 1.0, max: 20.0, log: false, integer: true, label: "sync every k" },
            hs("alpha", Some(0.5), 0.05, 1.0, false, "slow step α"),
        ],
        first_order: true,
    },
    OptInfo {
        kind: OptKind::Newton,
        name: "newton",
        title: "Newton",
        description: "θ ← θ − η(H + λI)⁻¹∇L with the exact Hessian.",
        params: &[LR1, hs("damping", Some(0.0), 0.0, 10.0, false, "damping λ")],
        first_order: false,
    },
    OptInfo {
        kind: OptKind::Bfgs,
        name: "bfgs",
        title: "BFGS",
        description: "Quasi-Newton: an inverse-Hessian estimate built from gradient differences.",
        params: &[LR1],
        first_order: false,
    },
    OptInfo {
        kind: OptKind::Lbfgs,
        name: "lbfgs",
        title: "L-BFGS",
        description: "BFGS from the last few (s, y) pairs only, by the two-loop recursion.",
        params: &[LR1, HyperSpec { name: "memory", default: Some(10.0), min: 1.0, max: 20.0, log: false, integer: true, label: "memory" }],
        first_order: false,
    },
];

impl OptKind {
    pub fn info(self) -> &'static OptInfo {
        // OPTIMIZERS lists every kind once, in declaration order.
        &OPTIMIZERS[self as usize]
    }
    pub fn name(self) -> &'static str {
        self.info().name
    }
    pub fn from_name(name: &str) -> Option<OptKind> {
        OPTIMIZERS.iter().find(|o| o.name == name).map(|o| o.kind)
    }
}

/// An optimizer as a scenario gives it: the name and any hyper-parameters; a missing one takes
/// the spec's default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizerConfig {
    pub name: OptKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub momentum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta1: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta2: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rho: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_lr: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gamma: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hyper_lr: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub damping: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_search: Option<LineSearch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner: Option<Box<OptimizerConfig>>,
}

/// Every hyper-parameter resolved to a number (defaults filled in).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hyper {
    pub lr: f64,
    pub momentum: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub rho: f64,
    pub weight_decay: f64,
    pub final_lr: f64,
    pub gamma: f64,
    pub hyper_lr: f64,
    pub damping: f64,
    pub memory: usize,
    pub line_search: LineSearch,
    pub k: u32,
    pub alpha: f64,
}

impl OptimizerConfig {
    /// A configuration with nothing but a name (and a learning rate where one is required).
    pub fn new(kind: OptKind) -> Self {
        let mut c = OptimizerConfig {
            name: kind,
            lr: None,
            momentum: None,
            beta1: None,
            beta2: None,
            eps: None,
            rho: None,
            weight_decay: None,
            final_lr: None,
            gamma: None,
            hyper_lr: None,
            damping: None,
            memory: None,
            line_search: None,
            k: None,
            alpha: None,
            inner: None,
        };
        if kind == OptKind::Lookahead {
            let mut inner = OptimizerConfig::new(OptKind::Adam);
            inner.lr = Some(0.01);
            c.inner = Some(Box::new(inner));
        }
        c
    }

    /// With `lr` set.
    pub fn with_lr(mut self, lr: f64) -> Self {
        self.lr = Some(lr);
        self
    }

    /// Reads a numeric hyper-parameter by name (as given, not defaulted).
    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "lr" => self.lr,
            "momentum" => self.momentum,
            "beta1" => self.beta1,
            "beta2" => self.beta2,
            "eps" => self.eps,
            "rho" => self.rho,
            "weight_decay" => self.weight_decay,
            "final_lr" => self.final_lr,
            "gamma" => self.gamma,
            "hyper_lr" => self.hyper_lr,
            "damping" => self.damping,
            "memory" => self.memory.map(f64::from),
            "k" => self.k.map(f64::from),
            "alpha" => self.alpha,
            _ => None,
        }
    }

    /// Sets a numeric hyper-parameter by name; false for a name this optimizer does not take.
    pub fn set(&mut self, name: &str, v: f64) -> bool {
        if !self.name.info().params.iter().any(|p| p.name == name) {
            return false;
        }
        let int = || Some(v.round().clamp(0.0, u32::MAX as f64) as u32);
        match name {
            "lr" => self.lr = Some(v),
            "momentum" => self.momentum = Some(v),
            "beta1" => self.beta1 = Some(v),
            "beta2" => self.beta2 = Some(v),
            "eps" => self.eps = Some(v),
            "rho" => self.rho = Some(v),
            "weight_decay" => self.weight_decay = Some(v),
            "final_lr" => self.final_lr = Some(v),
            "gamma" => self.gamma = Some(v),
            "hyper_lr" => self.hyper_lr = Some(v),
            "damping" => self.damping = Some(v),
            "memory" => self.memory = int(),
            "k" => self.k = int(),
            "alpha" => self.alpha = Some(v),
            _ => return false,
        }
        true
    }

    /// The value in force for `name`: as given, else the spec's default.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.get(name).or_else(|| {
            self.name
                .info()
                .params
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.default)
        })
    }

    /// The base learning rate `η` that schedules scale: `lr`, or the inner optimizer's for
    /// `lookahead`.
    pub fn base_lr(&self) -> f64 {
        match (&self.name, &self.inner) {
            (OptKind::Lookahead, Some(inner)) => inner.base_lr(),
            _ => self.value("lr").unwrap_or(1.0),
        }
    }

    /// Checks names, required values and ranges. The message names the field under `path`.
    pub fn validate(&self, path: &str) -> Result<(), String> {
        let info = self.name.info();
        let takes = |n: &str| info.params.iter().any(|p| p.name == n);
        let list = || {
            let mut v: Vec<&str> = info.params.iter().map(|p| p.name).collect();
            if matches!(self.name, OptKind::Bfgs | OptKind::Lbfgs) {
                v.push("line_search");
            }
            if self.name == OptKind::Lookahead {
                v.push("inner");
            }
            v.join(", ")
        };
        let given: [(&str, bool); 16] = [
            ("lr", self.lr.is_some()),
            ("momentum", self.momentum.is_some()),
            ("beta1", self.beta1.is_some()),
            ("beta2", self.beta2.is_some()),
            ("eps", self.eps.is_some()),
            ("rho", self.rho.is_some()),
            ("weight_decay", self.weight_decay.is_some()),
            ("final_lr", self.final_lr.is_some()),
            ("gamma", self.gamma.is_some()),
            ("hyper_lr", self.hyper_lr.is_some()),
            ("damping", self.damping.is_some()),
            ("memory", self.memory.is_some()),
            ("k", self.k.is_some()),
            ("alpha", self.alpha.is_some()),
            ("line_search", self.line_search.is_some()),
            ("inner", self.inner.is_some()),
        ];
        for (n, g) in given {
            let ok = match n {
                "line_search" => matches!(self.name, OptKind::Bfgs | OptKind::Lbfgs),
                "inner" => self.name == OptKind::Lookahead,
                _ => takes(n),
            };
            if g && !ok {
                return Err(format!(
                    "{path}.{n}: '{}' takes no '{n}' (it takes: {})",
                    info.name,
                    list()
                ));
            }
        }
        for p in info.params {
            let v = match self.get(p.name) {
                Some(v) => v,
                None if p.default.is_some() => continue,
                None => {
                    return Err(format!(
                        "{path}.{}: '{}' needs a value for '{}'",
                        p.name, info.name, p.name
                    ))
                }
            };
            let bad = |what: &str| Err(format!("{path}.{}: must be {what} (got {v})", p.name));
            if !v.is_finite() {
                return bad("a finite number");
            }
            match p.name {
                "lr" | "eps" | "final_lr" | "gamma" if v <= 0.0 => return bad("> 0"),
                "momentum" | "beta1" | "beta2" | "rho" if !(0.0..1.0).contains(&v) => {
                    return bad("in [0, 1)")
                }
                "weight_decay" | "hyper_lr" | "damping" if v < 0.0 => return bad("≥ 0"),
                "memory" if !(1.0..=1000.0).contains(&v) => {
                    return bad("an integer from 1 to 1000")
                }
                "k" if !(1.0..=100_000.0).contains(&v) => {
                    return bad("an integer from 1 to 100000")
                }
                "alpha" if !(v > 0.0 && v <= 1.0) => return bad("in (0, 1]"),
                _ => {}
            }
        }
        if self.name == OptKind::Lookahead {
            match &self.inner {
                None => {
                    return Err(format!(
                        "{path}.inner: 'lookahead' needs an inner optimizer"
                    ))
                }
                Some(inner) => {
                    if !inner.name.info().first_order {
                        return Err(format!(
                            "{path}.inner.name: lookahead wraps a first-order optimizer, not '{}'",
                            inner.name.name()
                        ));
                    }
                    inner.validate(&format!("{path}.inner"))?;
                }
            }
        }
        Ok(())
    }

    /// The hyper-parameters with defaults filled in. Call on a validated configuration.
    pub fn resolve(&self) -> Hyper {
        let d = |n: &str, fallback: f64| self.value(n).unwrap_or(fallback);
        Hyper {
            lr: d("lr", 0.01),
            momentum: d("momentum", 0.9),
            beta1: d("beta1", 0.9),
            beta2: d("beta2", 0.999),
            eps: d("eps", 1e-8),
            rho: d("rho", 0.9),
            weight_decay: d("weight_decay", 0.0),
            final_lr: d("final_lr", 0.1),
            gamma: d("gamma", 1e-3),
            hyper_lr: d("hyper_lr", 1e-4),
            damping: d("damping", 0.0),
            memory: d("memory", 10.0).max(1.0) as usize,
            line_search: self.line_search.unwrap_or(LineSearch::Wolfe),
            k: d("k", 5.0).max(1.0) as u32,
            alpha: d("alpha", 0.5),
        }
    }
}
