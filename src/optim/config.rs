//! Optimizer configurations, every hyper-parameter and every optimizer declared once.
//!
//! - A hyper-parameter ([`Param`]) is declared in [`Param::spec`]: its JSON name, symbol,
//!   meaning, valid range, default and slider.
//! - An optimizer ([`OptKind`]) is declared in [`OPTIMIZERS`]: its name, title, description,
//!   one-sentence summary, update rule and the hyper-parameters it takes (with any default,
//!   slider or label of its own).
//!
//! Parsing and writing the scenario form ([`OptimizerConfig`]), validation and its messages,
//! defaults ([`OptimizerConfig::resolve`]), the page's sliders (the table's JSON) and the
//! command line's `optimizers` all follow from these two declarations.

use crate::text::doc;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::Index;

/// A field-less enum with `COUNT` and `ALL` (every variant, in declaration order, so that
/// `v as usize` is the position of `v` in `ALL`).
macro_rules! listed_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }
        impl $name {
            /// How many variants there are.
            pub const COUNT: usize = [$(stringify!($variant)),+].len();
            /// Every variant, in declaration order.
            pub const ALL: [$name; $name::COUNT] = [$($name::$variant),+];
        }
    };
}

// ---------------------------------------------------------------- hyper-parameters

listed_enum! {
    /// Every hyper-parameter an optimizer may take (besides `line_search` and `inner`),
    /// declared in [`Param::spec`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Param {
        Lr,
        Momentum,
        Beta1,
        Beta2,
        Eps,
        Rho,
        WeightDecay,
        FinalLr,
        Gamma,
        HyperLr,
        Damping,
        Memory,
        K,
        Alpha,
    }
}

/// The values a hyper-parameter accepts; it both checks a value and words the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Valid {
    /// `> 0`
    Positive,
    /// `≥ 0`
    NonNegative,
    /// `in [0, 1)`
    ZeroToBelowOne,
    /// `in (0, 1]`
    AboveZeroToOne,
    /// An integer from 1 to `max`.
    Integer { max: u32 },
}

impl Valid {
    /// Whether `v` (a finite number) is allowed.
    pub fn contains(self, v: f64) -> bool {
        match self {
            Valid::Positive => v > 0.0,
            Valid::NonNegative => v >= 0.0,
            Valid::ZeroToBelowOne => (0.0..1.0).contains(&v),
            Valid::AboveZeroToOne => v > 0.0 && v <= 1.0,
            Valid::Integer { max } => v.fract() == 0.0 && (1.0..=f64::from(max)).contains(&v),
        }
    }
}

/// The rule in words, as messages say it after "must be".
impl fmt::Display for Valid {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Valid::Positive => f.write_str("> 0"),
            Valid::NonNegative => f.write_str("≥ 0"),
            Valid::ZeroToBelowOne => f.write_str("in [0, 1)"),
            Valid::AboveZeroToOne => f.write_str("in (0, 1]"),
            Valid::Integer { max } => write!(f, "an integer from 1 to {max}"),
        }
    }
}

impl Serialize for Valid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A hyper-parameter as one optimizer takes it: [`Param::spec`], with the optimizer's own
/// default, slider or label where it has one. Serialized for the page.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HyperSpec {
    #[serde(skip)]
    pub param: Param,
    /// The JSON name.
    pub name: &'static str,
    /// The default; `None` where the value must be given (`lr` of most optimizers).
    pub default: Option<f64>,
    /// Slider range and scale.
    pub min: f64,
    pub max: f64,
    pub log: bool,
    /// Whether only integers are valid (from [`HyperSpec::valid`]).
    pub integer: bool,
    /// The slider's label (also its accessible name on the page).
    pub label: &'static str,
    /// The symbol of the spec's formulas (`η`, `β₁`, …).
    pub symbol: &'static str,
    /// What it does, in one line.
    pub meaning: &'static str,
    /// The values accepted (serialized in words, e.g. `in [0, 1)`).
    pub valid: Valid,
    /// What the value is multiplied by where the page tames a run by dividing its learning
    /// rate by ten (`Playground::tame`): 1 for most; a rate that acts on a product of two
    /// gradients (hypergradient descent's) by a hundred.
    #[serde(skip)]
    pub tame: f64,
}

impl HyperSpec {
    /// A declaration with no default, a linear slider over [0, 1] and the symbol as label.
    const fn new(
        param: Param,
        name: &'static str,
        symbol: &'static str,
        meaning: &'static str,
        valid: Valid,
    ) -> Self {
        HyperSpec {
            param,
            name,
            default: None,
            min: 0.0,
            max: 1.0,
            log: false,
            integer: matches!(valid, Valid::Integer { .. }),
            label: symbol,
            symbol,
            meaning: doc(meaning),
            valid,
            tame: 1.0,
        }
    }
    const fn with_default(self, default: f64) -> Self {
        HyperSpec {
            default: Some(default),
            ..self
        }
    }
    const fn with_slider(self, min: f64, max: f64, log: bool) -> Self {
        HyperSpec {
            min,
            max,
            log,
            ..self
        }
    }
    const fn with_label(self, label: &'static str) -> Self {
        HyperSpec { label, ..self }
    }
    const fn with_tame(self, tame: f64) -> Self {
        HyperSpec { tame, ..self }
    }
    const fn with_meaning(self, meaning: &'static str) -> Self {
        HyperSpec {
            meaning: doc(meaning),
            ..self
        }
    }
}

const LOG: bool = true;
const LINEAR: bool = false;

impl Param {
    /// The declaration of every hyper-parameter: name, symbol, meaning, valid values, default
    /// and slider. An optimizer may override the default, the slider and the label
    /// ([`OPTIMIZERS`]).
    pub const fn spec(self) -> HyperSpec {
        use Valid::*;
        match self {
            Param::Lr => HyperSpec::new(
                self,
                "lr",
                "η",
                "the learning rate, which schedules scale",
                Positive,
            )
            .with_slider(1e-5, 10.0, LOG)
            .with_label("learning rate η"),
            Param::Momentum => HyperSpec::new(
                self,
                "momentum",
                "β",
                "decay of the velocity",
                ZeroToBelowOne,
            )
            .with_default(0.9)
            .with_slider(0.0, 0.999, LINEAR)
            .with_label("momentum β"),
            Param::Beta1 => HyperSpec::new(
                self,
                "beta1",
                "β₁",
                "decay of the first-moment average",
                ZeroToBelowOne,
            )
            .with_default(0.9)
            .with_slider(0.0, 0.999, LINEAR),
            Param::Beta2 => HyperSpec::new(
                self,
                "beta2",
                "β₂",
                "decay of the second-moment average",
                ZeroToBelowOne,
            )
            .with_default(0.999)
            .with_slider(0.5, 0.99999, LINEAR),
            Param::Eps => HyperSpec::new(self, "eps", "ε", "added to the denominator", Positive)
                .with_default(1e-8)
                .with_slider(1e-12, 1.0, LOG),
            Param::Rho => HyperSpec::new(
                self,
                "rho",
                "ρ",
                "decay of the squared-gradient average",
                ZeroToBelowOne,
            )
            .with_default(0.9)
            .with_slider(0.0, 0.999, LINEAR)
            .with_label("decay ρ"),
            Param::WeightDecay => HyperSpec::new(
                self,
                "weight_decay",
                "λ",
                "decoupled weight decay, λθ added to the update",
                NonNegative,
            )
            .with_default(0.01)
            .with_slider(0.0, 1.0, LINEAR)
            .with_label("weight decay λ"),
            Param::FinalLr => HyperSpec::new(
                self,
                "final_lr",
                "η*",
                "the SGD rate the bounds close on",
                Positive,
            )
            .with_default(0.1)
            .with_slider(1e-4, 1.0, LOG)
            .with_label("final rate"),
            Param::Gamma => {
                HyperSpec::new(self, "gamma", "γ", "how fast the bounds close", Positive)
                    .with_default(1e-3)
                    .with_slider(1e-5, 0.1, LOG)
                    .with_label("bound speed γ")
            }
            Param::HyperLr => HyperSpec::new(
                self,
                "hyper_lr",
                "βₕ",
                "rate at which the learning rate is learned",
                NonNegative,
            )
            .with_default(1e-4)
            .with_slider(1e-8, 1e-2, LOG)
            .with_label("hyper rate βₕ")
            // It acts on ∇L·∇L, so it shrinks with the square of the rate.
            .with_tame(0.01),
            Param::Damping => HyperSpec::new(
                self,
                "damping",
                "λ",
                "added to the Hessian's diagonal",
                NonNegative,
            )
            .with_default(0.0)
            .with_slider(0.0, 10.0, LINEAR)
            .with_label("damping λ"),
            Param::Memory => HyperSpec::new(
                self,
                "memory",
                "m",
                "curvature pairs kept",
                Integer { max: 1000 },
            )
            .with_default(10.0)
            .with_slider(1.0, 20.0, LINEAR)
            .with_label("memory"),
            Param::K => HyperSpec::new(
                self,
                "k",
                "k",
                "fast steps between syncs",
                Integer { max: 100_000 },
            )
            .with_default(5.0)
            .with_slider(1.0, 20.0, LINEAR)
            .with_label("sync every k"),
            Param::Alpha => HyperSpec::new(
                self,
                "alpha",
                "α",
                "fraction of the way the slow weights move to the fast ones",
                AboveZeroToOne,
            )
            .with_default(0.5)
            .with_slider(0.05, 1.0, LINEAR)
            .with_label("slow step α"),
        }
    }

    /// The JSON name.
    pub const fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn from_name(name: &str) -> Option<Param> {
        Param::ALL.into_iter().find(|p| p.name() == name)
    }
}

// ---------------------------------------------------------------- optimizers

listed_enum! {
    /// Every optimizer the engine knows, declared in [`OPTIMIZERS`] (in this order).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
        Learned,
    }
}

listed_enum! {
    /// The line searches of `bfgs` and `lbfgs`, in the order the page offers them.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub enum LineSearch {
        #[default]
        Wolfe,
        Armijo,
        None,
    }
}

impl LineSearch {
    /// The JSON name.
    pub const fn name(self) -> &'static str {
        match self {
            LineSearch::Wolfe => "wolfe",
            LineSearch::Armijo => "armijo",
            LineSearch::None => "none",
        }
    }
    /// What the page's menu says.
    pub const fn title(self) -> &'static str {
        match self {
            LineSearch::Wolfe => "strong Wolfe",
            LineSearch::Armijo => "Armijo backtracking",
            LineSearch::None => "none (fixed step)",
        }
    }
    pub fn from_name(name: &str) -> Option<LineSearch> {
        LineSearch::ALL.into_iter().find(|l| l.name() == name)
    }
}

/// The line searches' names (for serde's messages).
const LINE_SEARCH_NAMES: [&str; LineSearch::COUNT] = {
    let mut names = [""; LineSearch::COUNT];
    let mut i = 0;
    while i < LineSearch::COUNT {
        names[i] = LineSearch::ALL[i].name();
        i += 1;
    }
    names
};

/// What one optimizer takes, and what it is. Serialized for the page.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct OptInfo {
    pub kind: OptKind,
    pub name: &'static str,
    pub title: &'static str,
    /// A short description (the page's tooltip).
    pub description: &'static str,
    /// What it does and when it helps, in one plain sentence.
    pub summary: &'static str,
    /// The update rule of one iteration in plain Unicode mathematics, one assignment a line
    /// (lines separated by `\n`), with the symbols of its sliders ([`HyperSpec::symbol`]): the
    /// form of `docs/optimizers.md`. `g` is the gradient, `t` the step number (from 1),
    /// vector operations act per coordinate.
    pub rule: &'static str,
    /// The hyper-parameters it takes, in the order the page shows them.
    pub params: &'static [HyperSpec],
    /// Second-order and quasi-Newton methods take no clipping or L2.
    pub first_order: bool,
    /// Whether it takes `line_search` (default [`LineSearch::default`]).
    pub line_search: bool,
    /// Whether it wraps an `inner` first-order optimizer (required).
    pub wraps: bool,
}

impl OptInfo {
    /// How this optimizer takes `p`, if it does.
    pub fn param(&self, p: Param) -> Option<&HyperSpec> {
        self.params.iter().find(|s| s.param == p)
    }
}

/// An entry of [`OPTIMIZERS`]: first-order, no line search, wrapping nothing unless said.
const fn entry(
    kind: OptKind,
    name: &'static str,
    title: &'static str,
    description: &'static str,
    [summary, rule]: [&'static str; 2],
    params: &'static [HyperSpec],
) -> OptInfo {
    OptInfo {
        kind,
        name,
        title,
        description: doc(description),
        summary: doc(summary),
        rule: doc(rule),
        params,
        first_order: true,
        line_search: false,
        wraps: false,
    }
}

/// `lr` of Newton, BFGS and L-BFGS: a factor of the step (or the line search's first trial).
const STEP_FACTOR: HyperSpec = Param::Lr
    .spec()
    .with_default(1.0)
    .with_slider(1e-3, 10.0, LOG)
    .with_label("step factor η")
    .with_meaning("factor of the step, or the line search's first trial step");

/// The optimizers, in the order of [`OptKind`] (checked when compiling), which is the order the
/// page offers them.
pub static OPTIMIZERS: &[OptInfo] = {
    use Param::*;
    &[
        entry(
            OptKind::Gd,
            "gd",
            "Gradient descent",
            "θ ← θ − η∇L",
            [
                "Steps straight downhill by a fixed fraction η of the gradient: the baseline, \
                 fine on round bowls but slow in narrow valleys and on plateaus.",
                "g = ∇L(θ)\n\
                 θ ← θ − η·g",
            ],
            &[Lr.spec()],
        ),
        entry(
            OptKind::Momentum,
            "momentum",
            "Momentum",
            "Heavy ball: velocity accumulates past gradients (Polyak 1964).",
            [
                "Accumulates past gradients into a velocity, so steps build up along a \
                 consistent direction and zig-zags across a narrow valley cancel out.",
                "g = ∇L(θ)\n\
                 v ← β·v + η·g\n\
                 θ ← θ − v",
            ],
            &[Lr.spec(), Momentum.spec()],
        ),
        entry(
            OptKind::Nesterov,
            "nesterov",
            "Nesterov",
            "Momentum with the gradient taken at the look-ahead point (Nesterov 1983).",
            [
                "Momentum that takes the gradient where the velocity is about to carry the \
                 point, so it brakes before overshooting and oscillates less than plain momentum.",
                "g = ∇L(θ − β·v)      (v from before this step)\n\
                 v ← β·v + η·g\n\
                 θ ← θ − v",
            ],
            &[Lr.spec(), Momentum.spec()],
        ),
        entry(
            OptKind::Adagrad,
            "adagrad",
            "AdaGrad",
            "Per-coordinate rates that shrink with the sum of squared gradients (Duchi et al. 2011).",
            [
                "Divides each coordinate's step by the root of its accumulated squared \
                 gradients, which evens out badly scaled coordinates but lets every step shrink \
                 for good, so it suits short runs and sparse gradients.",
                "g = ∇L(θ)\n\
                 G ← G + g²\n\
                 θ ← θ − η·g/(√G + ε)",
            ],
            &[Lr.spec(), Eps.spec()],
        ),
        entry(
            OptKind::Rmsprop,
            "rmsprop",
            "RMSprop",
            "Per-coordinate rates from a moving average of squared gradients (Hinton 2012).",
            [
                "Scales each coordinate's step by a moving average of its squared gradients, \
                 so steep and shallow coordinates move at similar speeds without AdaGrad's \
                 steps dying out.",
                "g = ∇L(θ)\n\
                 s ← ρ·s + (1 − ρ)·g²\n\
                 θ ← θ − η·g/(√s + ε)",
            ],
            &[Lr.spec(), Rho.spec(), Eps.spec()],
        ),
        entry(
            OptKind::Adam,
            "adam",
            "Adam",
            "Bias-corrected moving averages of the gradient and its square (Kingma & Ba 2015).",
            [
                "Combines momentum with RMSprop's per-coordinate scaling, both corrected for \
                 their start at zero, so every coordinate moves by about η: a robust default \
                 on badly scaled problems.",
                "g = ∇L(θ)\n\
                 m ← β₁·m + (1 − β₁)·g\n\
                 v ← β₂·v + (1 − β₂)·g²\n\
                 m̂ = m/(1 − β₁ᵗ)\n\
                 v̂ = v/(1 − β₂ᵗ)\n\
                 θ ← θ − η·m̂/(√v̂ + ε)",
            ],
            &[Lr.spec(), Beta1.spec(), Beta2.spec(), Eps.spec()],
        ),
        entry(
            OptKind::Adamw,
            "adamw",
            "AdamW",
            "Adam with decoupled weight decay (Loshchilov & Hutter 2019).",
            [
                "Adam that shrinks the point itself towards zero by λ instead of adding the \
                 decay to the gradient, so the regularization is not weakened by Adam's scaling.",
                "g = ∇L(θ)\n\
                 m ← β₁·m + (1 − β₁)·g\n\
                 v ← β₂·v + (1 − β₂)·g²\n\
                 m̂ = m/(1 − β₁ᵗ)\n\
                 v̂ = v/(1 − β₂ᵗ)\n\
                 θ ← θ − η·(m̂/(√v̂ + ε) + λ·θ)",
            ],
            &[Lr.spec(), Beta1.spec(), Beta2.spec(), Eps.spec(), WeightDecay.spec()],
        ),
        entry(
            OptKind::Amsgrad,
            "amsgrad",
            "AMSGrad",
            "Adam with a never-decreasing second moment (Reddi et al. 2018).",
            [
                "Adam whose denominator uses the largest second moment seen so far, so a \
                 coordinate's step never grows back after a steep stretch, which avoids some of \
                 Adam's failures to converge.",
                "g = ∇L(θ)\n\
                 m ← β₁·m + (1 − β₁)·g\n\
                 v ← β₂·v + (1 − β₂)·g²\n\
                 vₘₐₓ ← max(vₘₐₓ, v)\n\
                 m̂ = m/(1 − β₁ᵗ)\n\
                 θ ← θ − η·m̂/(√(vₘₐₓ/(1 − β₂ᵗ)) + ε)",
            ],
            &[Lr.spec(), Beta1.spec(), Beta2.spec(), Eps.spec()],
        ),
        entry(
            OptKind::Nadam,
            "nadam",
            "NAdam",
            "Adam with Nesterov momentum (Dozat 2016).",
            [
                "Adam with a Nesterov-style first moment that mixes the fresh gradient into the \
                 step, so it reacts a little faster than Adam when the slope changes.",
                "g = ∇L(θ)\n\
                 m ← β₁·m + (1 − β₁)·g\n\
                 v ← β₂·v + (1 − β₂)·g²\n\
                 v̂ = v/(1 − β₂ᵗ)\n\
                 n = β₁·m/(1 − β₁ᵗ⁺¹) + (1 − β₁)·g/(1 − β₁ᵗ)\n\
                 θ ← θ − η·n/(√v̂ + ε)",
            ],
            &[Lr.spec(), Beta1.spec(), Beta2.spec(), Eps.spec()],
        ),
        entry(
            OptKind::Radam,
            "radam",
            "RAdam",
            "Adam with a rectified, variance-aware warm-up (Liu et al. 2020).",
            [
                "Adam that takes plain momentum steps while its second moment rests on too few \
                 gradients to trust, then phases the adaptive scaling in, which replaces a \
                 hand-tuned warm-up.",
                "g = ∇L(θ)\n\
                 m ← β₁·m + (1 − β₁)·g\n\
                 v ← β₂·v + (1 − β₂)·g²\n\
                 m̂ = m/(1 − β₁ᵗ)\n\
                 v̂ = v/(1 − β₂ᵗ)\n\
                 ρ∞ = 2/(1 − β₂) − 1\n\
                 ρₜ = ρ∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)\n\
                 r = √((ρₜ − 4)(ρₜ − 2)·ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)·ρₜ))\n\
                 θ ← θ − η·r·m̂/(√v̂ + ε)   if ρₜ > 5, else θ ← θ − η·m̂",
            ],
            &[Lr.spec(), Beta1.spec(), Beta2.spec(), Eps.spec()],
        ),
        entry(
            OptKind::Adabound,
            "adabound",
            "AdaBound",
            "Adam whose per-coordinate rates are clamped into bounds that close on final_lr (Luo et al. 2019).",
            [
                "Adam whose per-coordinate rates are clamped between bounds that close in on \
                 the final rate η*, so it starts out adaptive like Adam and ends like SGD \
                 with momentum.",
                "g = ∇L(θ)\n\
                 m ← β₁·m + (1 − β₁)·g\n\
                 v ← β₂·v + (1 − β₂)·g²\n\
                 a = ηₖ·√(1 − β₂ᵗ)/(1 − β₁ᵗ)      (ηₖ: the scheduled rate, η without a schedule)\n\
                 f = η*·ηₖ/η\n\
                 lo = f·(1 − 1/(γ·t + 1))\n\
                 hi = f·(1 + 1/(γ·t))\n\
                 θ ← θ − clamp(a/(√v + ε), lo, hi) ⊙ m",
            ],
            &[Lr.spec(), FinalLr.spec(), Gamma.spec(), Beta1.spec(), Beta2.spec(), Eps.spec()],
        ),
        entry(
            OptKind::Adadelta,
            "adadelta",
            "AdaDelta",
            "Units-matched steps from moving averages of squared gradients and updates (Zeiler 2012).",
            [
                "Steps by the ratio of the RMS of past updates to the RMS of past gradients, so \
                 the step has the units of θ and the rate needs little tuning (η = 1 by default).",
                "g = ∇L(θ)\n\
                 s ← ρ·s + (1 − ρ)·g²\n\
                 Δ = (√(u + ε)/√(s + ε)) ⊙ g      (u from before this step)\n\
                 u ← ρ·u + (1 − ρ)·Δ²\n\
                 θ ← θ − η·Δ",
            ],
            &[
                Lr.spec().with_default(1.0).with_slider(1e-3, 10.0, LOG),
                Rho.spec(),
                Eps.spec().with_default(1e-6),
            ],
        ),
        entry(
            OptKind::Lion,
            "lion",
            "Lion",
            "Sign of an interpolated momentum: every step has the same size (Chen et al. 2023).",
            [
                "Moves every coordinate by exactly η in the direction of the sign of an \
                 interpolated momentum, so the step ignores the gradient's scale and usually \
                 wants a smaller η than Adam.",
                "g = ∇L(θ)\n\
                 c = β₁·m + (1 − β₁)·g\n\
                 θ ← θ − η·(sign(c) + λ·θ)\n\
                 m ← β₂·m + (1 − β₂)·g",
            ],
            &[Lr.spec(), Beta1.spec(), Beta2.spec().with_default(0.99), WeightDecay.spec().with_default(0.0)],
        ),
        entry(
            OptKind::SgdHd,
            "sgd_hd",
            "SGD-HD",
            "Gradient descent that learns its own rate by hypergradient descent (Baydin et al. 2018).",
            [
                "Gradient descent that learns its own rate α, raising it while consecutive \
                 gradients agree and lowering it when they oppose, so a badly chosen η corrects \
                 itself (schedules are ignored).",
                "g = ∇L(θ)\n\
                 α ← α + βₕ·gᵀg′      (g′: the previous step's g; α = η at the first step)\n\
                 θ ← θ − α·g",
            ],
            &[Lr.spec(), HyperLr.spec()],
        ),
        OptInfo {
            wraps: true,
            ..entry(
                OptKind::Lookahead,
                "lookahead",
                "Lookahead",
                "Wraps an optimizer: every k steps the slow weights move part-way to the fast ones (Zhang et al. 2019).",
                [
                    "Lets an inner optimizer run ahead and, every k steps, moves a slow copy of \
                     the point the fraction α of the way to it and restarts from there, which \
                     damps the inner optimizer's oscillations.",
                    "θ ← step(θ)      (one iteration of the inner optimizer, with its own state)\n\
                     φ ← φ + α·(θ − φ)      (after every k-th step; φ starts at θ₀)\n\
                     θ ← φ                  (after every k-th step)",
                ],
                &[K.spec(), Alpha.spec()],
            )
        },
        OptInfo {
            first_order: false,
            ..entry(
                OptKind::Newton,
                "newton",
                "Newton",
                "θ ← θ − η(H + λI)⁻¹∇L with the exact Hessian.",
                [
                    "Jumps to the stationary point of the local quadratic model built from the \
                     exact Hessian, converging in a few steps near a minimum but heading as \
                     readily to a maximum or saddle, which the damping λ tempers.",
                    "g = ∇L(θ)\n\
                     H = ∇²L(θ)\n\
                     θ ← θ − η·(H + λ·I)⁻¹·g",
                ],
                &[STEP_FACTOR, Damping.spec()],
            )
        },
        OptInfo {
            first_order: false,
            line_search: true,
            ..entry(
                OptKind::Bfgs,
                "bfgs",
                "BFGS",
                "Quasi-Newton: an inverse-Hessian estimate built from gradient differences.",
                [
                    "Builds an estimate of the inverse Hessian from its steps and the changes \
                     of the gradient and searches along the direction it gives, reaching \
                     Newton-like speed without second derivatives.",
                    "g = ∇L(θ)\n\
                     p = −B·g      (B = I at first; if gᵀp ≥ 0: B ← I, p = −g)\n\
                     α = line search along p, first trial η      (α = η with \"none\")\n\
                     s = α·p\n\
                     θ ← θ + s\n\
                     y = ∇L(θ) − g\n\
                     ρ = 1/(yᵀs)\n\
                     B ← (I − ρ·s·yᵀ)·B·(I − ρ·y·sᵀ) + ρ·s·sᵀ      (only if sᵀy > 10⁻¹⁰)",
                ],
                &[STEP_FACTOR],
            )
        },
        OptInfo {
            first_order: false,
            line_search: true,
            ..entry(
                OptKind::Lbfgs,
                "lbfgs",
                "L-BFGS",
                "BFGS from the last few (s, y) pairs only, by the two-loop recursion.",
                [
                    "BFGS that keeps only the newest m pairs of steps and gradient changes \
                     instead of a matrix, the standard quasi-Newton method when a Hessian is \
                     too large to store.",
                    "g = ∇L(θ)\n\
                     H̃₀ = (sᵀy/yᵀy)·I      (of the newest stored pair; I with none)\n\
                     p = −H̃·g      (by the two-loop recursion over the pairs from H̃₀; \
                     if gᵀp ≥ 0: pairs ← none, p = −g)\n\
                     α = line search along p, first trial η      (α = η with \"none\")\n\
                     s = α·p\n\
                     θ ← θ + s\n\
                     y = ∇L(θ) − g\n\
                     pairs ← pairs + (s, y), keeping the newest m      (only if sᵀy > 10⁻¹⁰)",
                ],
                &[STEP_FACTOR, Memory.spec()],
            )
        },
        entry(
            OptKind::Learned,
            "learned",
            "Learned",
            "A small network, meta-trained on random 2-D functions, proposes each coordinate's step (after Andrychowicz et al. 2016).",
            [
                "Lets a small neural network, meta-trained by this project on a family of \
                 random 2-D functions, turn each coordinate's gradient history into its step, \
                 so it behaves like an Adam whose step size and direction were tuned on those \
                 functions and may do worse on very different ones.",
                "g = ∇L(θ)\n\
                 m₁ ← 0.5·m₁ + 0.5·g\n\
                 m₂ ← 0.9·m₂ + 0.1·g\n\
                 m₃ ← 0.99·m₃ + 0.01·g\n\
                 v ← 0.99·v + 0.01·g²\n\
                 f = (g, m̂₁, m̂₂, m̂₃)/(√v̂ + ε)      (m̂ᵢ, v̂ corrected like Adam's; ε = 10⁻¹²)\n\
                 τ = tanh(t/100)\n\
                 h± = tanh(W·(±f) + u·τ + b)      (W, u, b, a, c, bₛ: the meta-trained weights)\n\
                 d = m̂₂/(√v̂ + ε) + a·(h₊ − h₋)/2\n\
                 s = clamp(c·(h₊ + h₋)/2 + bₛ, −20, 2)\n\
                 θ ← θ − η·exp(s)·d",
            ],
            &[Lr.spec()
                .with_default(1.0)
                .with_slider(1e-3, 10.0, LOG)
                .with_label("step factor η")
                .with_meaning("factor of the learned step (1: as meta-trained), which schedules scale")],
        ),
    ]
};

// The table lists every kind once, in the enum's order, so that `info` can index it.
const _: () = {
    assert!(
        OPTIMIZERS.len() == OptKind::COUNT,
        "OPTIMIZERS must list every OptKind"
    );
    let mut i = 0;
    while i < OptKind::COUNT {
        assert!(
            OPTIMIZERS[i].kind as usize == i,
            "OPTIMIZERS must follow the order of OptKind"
        );
        i += 1;
    }
};

/// The optimizers' names, in [`OPTIMIZERS`]' order (for serde's messages).
const NAMES: [&str; OptKind::COUNT] = {
    let mut names = [""; OptKind::COUNT];
    let mut i = 0;
    while i < OptKind::COUNT {
        names[i] = OPTIMIZERS[i].name;
        i += 1;
    }
    names
};

impl OptKind {
    pub fn info(self) -> &'static OptInfo {
        // Checked when compiling: OPTIMIZERS[i].kind as usize == i.
        &OPTIMIZERS[self as usize]
    }
    pub fn name(self) -> &'static str {
        self.info().name
    }
    pub fn from_name(name: &str) -> Option<OptKind> {
        OPTIMIZERS.iter().find(|o| o.name == name).map(|o| o.kind)
    }
}

/// Reads one of `names` with `from_name` (an unknown one is serde's "unknown variant").
fn deserialize_name<'de, D: Deserializer<'de>, T>(
    d: D,
    names: &'static [&'static str],
    from_name: fn(&str) -> Option<T>,
) -> Result<T, D::Error> {
    struct Name<T> {
        names: &'static [&'static str],
        from_name: fn(&str) -> Option<T>,
    }
    impl<T> Visitor<'_> for Name<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "one of {}", self.names.join(", "))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            (self.from_name)(v).ok_or_else(|| E::unknown_variant(v, self.names))
        }
    }
    d.deserialize_str(Name { names, from_name })
}

impl Serialize for OptKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for OptKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_name(d, &NAMES, OptKind::from_name)
    }
}

impl Serialize for LineSearch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for LineSearch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_name(d, &LINE_SEARCH_NAMES, LineSearch::from_name)
    }
}

// ---------------------------------------------------------------- the scenario form

/// How deep a lookahead may sit inside other lookaheads: `lookahead(lookahead(adam))` nests one
/// deep, and a chain of at most five lookaheads is accepted. [`OptimizerConfig::validate`]
/// checks it, so it holds on every way in (JSON text, a configuration built in Rust, the
/// page's edits). Lookahead is used one level deep in practice and two or three are enough to
/// explore nesting; the limit keeps every accepted configuration's scenario text, whose JSON
/// gains a level with every `inner`, far inside serde_json's recursion limit of 128 levels, so
/// that a scenario's share link always reopens it (and bounds the recursion of building,
/// stepping and writing it).
pub const MAX_LOOKAHEAD_DEPTH: usize = 4;

/// An optimizer as a scenario gives it: the name and any hyper-parameters; a missing one takes
/// the optimizer's default.
///
/// JSON: `{"name": "adam", "lr": 0.01, "beta1": 0.9, …}` with the hyper-parameters of
/// [`Param`] by name, `"line_search"` (bfgs, lbfgs) and `"inner"` (lookahead).
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizerConfig {
    pub name: OptKind,
    /// The hyper-parameters as given, indexed by [`Param`].
    values: [Option<f64>; Param::COUNT],
    pub line_search: Option<LineSearch>,
    pub inner: Option<Box<OptimizerConfig>>,
}

/// Every hyper-parameter resolved to a number, defaults filled in: what the rules read, as
/// `h[Param::Beta1]`. A parameter the optimizer does not take reads NaN.
#[derive(Clone, Copy, Debug)]
pub struct Hyper {
    values: [f64; Param::COUNT],
    pub line_search: LineSearch,
}

impl Index<Param> for Hyper {
    type Output = f64;
    #[inline]
    fn index(&self, p: Param) -> &f64 {
        &self.values[p as usize]
    }
}

/// Equal when every value is the same to the bit (NaN included).
impl PartialEq for Hyper {
    fn eq(&self, other: &Hyper) -> bool {
        self.line_search == other.line_search
            && self
                .values
                .iter()
                .zip(&other.values)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

impl OptimizerConfig {
    /// A configuration with nothing but a name (lookahead wraps adam with lr 0.01).
    pub fn new(kind: OptKind) -> Self {
        OptimizerConfig {
            name: kind,
            values: [None; Param::COUNT],
            line_search: None,
            inner: kind
                .info()
                .wraps
                .then(|| Box::new(OptimizerConfig::new(OptKind::Adam).with_lr(0.01))),
        }
    }

    /// With `lr` set.
    pub fn with_lr(mut self, lr: f64) -> Self {
        self.values[Param::Lr as usize] = Some(lr);
        self
    }

    /// A hyper-parameter as given (not defaulted).
    pub fn given(&self, p: Param) -> Option<f64> {
        self.values[p as usize]
    }

    /// Sets a hyper-parameter (rounded for integer ones); false if this optimizer does not
    /// take it.
    pub fn set_param(&mut self, p: Param, v: f64) -> bool {
        match self.name.info().param(p) {
            Some(spec) => {
                self.values[p as usize] = Some(if spec.integer { v.round() } else { v });
                true
            }
            None => false,
        }
    }

    /// The value in force for `p`: as given, else this optimizer's default.
    pub fn value_of(&self, p: Param) -> Option<f64> {
        self.given(p)
            .or_else(|| self.name.info().param(p).and_then(|s| s.default))
    }

    /// Reads a hyper-parameter by name (as given, not defaulted).
    pub fn get(&self, name: &str) -> Option<f64> {
        Param::from_name(name).and_then(|p| self.given(p))
    }

    /// Sets a hyper-parameter by name; false for a name this optimizer does not take.
    pub fn set(&mut self, name: &str, v: f64) -> bool {
        Param::from_name(name).is_some_and(|p| self.set_param(p, v))
    }

    /// The value in force for `name`: as given, else the optimizer's default.
    pub fn value(&self, name: &str) -> Option<f64> {
        Param::from_name(name).and_then(|p| self.value_of(p))
    }

    /// The base learning rate `η` that schedules scale: `lr`, or the inner optimizer's for
    /// `lookahead`.
    pub fn base_lr(&self) -> f64 {
        match (self.name.info().wraps, &self.inner) {
            (true, Some(inner)) => inner.base_lr(),
            _ => self.value_of(Param::Lr).unwrap_or(1.0),
        }
    }

    /// Checks names, required values and ranges. The message names the field under `path`.
    pub fn validate(&self, path: &str) -> Result<(), String> {
        let info = self.name.info();
        let takes_no = |field: &str| {
            let mut takes: Vec<&str> = info.params.iter().map(|p| p.name).collect();
            if info.line_search {
                takes.push("line_search");
            }
            if info.wraps {
                takes.push("inner");
            }
            Err(format!(
                "{path}.{field}: '{}' takes no '{field}' (it takes: {})",
                info.name,
                takes.join(", ")
            ))
        };
        for p in Param::ALL {
            if self.given(p).is_some() && info.param(p).is_none() {
                return takes_no(p.name());
            }
        }
        if self.line_search.is_some() && !info.line_search {
            return takes_no("line_search");
        }
        if self.inner.is_some() && !info.wraps {
            return takes_no("inner");
        }
        for spec in info.params {
            let name = spec.name;
            let v = match self.given(spec.param) {
                Some(v) => v,
                None if spec.default.is_some() => continue,
                None => {
                    return Err(format!(
                        "{path}.{name}: '{}' needs a value for '{name}'",
                        info.name
                    ))
                }
            };
            let bad =
                |what: &dyn fmt::Display| Err(format!("{path}.{name}: must be {what} (got {v})"));
            if !v.is_finite() {
                return bad(&"a finite number");
            }
            if !spec.valid.contains(v) {
                return bad(&spec.valid);
            }
        }
        if info.wraps {
            // The chain of wrappers below this one, checked before any of it is visited.
            let mut at = path.to_string();
            let mut outer = self;
            let mut depth = 0;
            while let Some(inner) = outer.inner.as_deref().filter(|i| i.name.info().wraps) {
                depth += 1;
                at.push_str(".inner");
                if depth > MAX_LOOKAHEAD_DEPTH {
                    return Err(format!(
                        "{at}: {} nested more than {MAX_LOOKAHEAD_DEPTH} deep",
                        inner.name.name()
                    ));
                }
                outer = inner;
            }
            match &self.inner {
                None => {
                    return Err(format!(
                        "{path}.inner: '{}' needs an inner optimizer",
                        info.name
                    ))
                }
                Some(inner) => {
                    if !inner.name.info().first_order {
                        return Err(format!(
                            "{path}.inner.name: {} wraps a first-order optimizer, not '{}'",
                            info.name,
                            inner.name.name()
                        ));
                    }
                    inner.validate(&format!("{path}.inner"))?;
                }
            }
        }
        Ok(())
    }

    /// The hyper-parameters with defaults filled in. Call on a validated configuration (a
    /// missing required value, like a parameter the optimizer does not take, reads NaN).
    pub fn resolve(&self) -> Hyper {
        let mut values = [f64::NAN; Param::COUNT];
        for spec in self.name.info().params {
            values[spec.param as usize] = self.value_of(spec.param).unwrap_or(f64::NAN);
        }
        Hyper {
            values,
            line_search: self.line_search.unwrap_or_default(),
        }
    }
}

/// The fields of the JSON form, in the order they are written.
const FIELDS: [&str; Param::COUNT + 3] = {
    let mut f = [""; Param::COUNT + 3];
    f[0] = "name";
    let mut i = 0;
    while i < Param::COUNT {
        f[i + 1] = Param::ALL[i].name();
        i += 1;
    }
    f[Param::COUNT + 1] = "line_search";
    f[Param::COUNT + 2] = "inner";
    f
};

/// Integers up to this size are written without a fraction (2⁵³ − 1, JavaScript's
/// `Number.MAX_SAFE_INTEGER`).
const EXACT_INT: f64 = 9_007_199_254_740_991.0;

impl Serialize for OptimizerConfig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let given = self.values.iter().filter(|v| v.is_some()).count();
        let len =
            1 + given + usize::from(self.line_search.is_some()) + usize::from(self.inner.is_some());
        let mut st = s.serialize_struct("OptimizerConfig", len)?;
        st.serialize_field("name", &self.name)?;
        for p in Param::ALL {
            if let Some(v) = self.given(p) {
                let spec = p.spec();
                if spec.integer && v.fract() == 0.0 && v.abs() <= EXACT_INT {
                    st.serialize_field(spec.name, &(v as i64))?;
                } else {
                    st.serialize_field(spec.name, &v)?;
                }
            }
        }
        if let Some(ls) = &self.line_search {
            st.serialize_field("line_search", ls)?;
        }
        if let Some(inner) = &self.inner {
            st.serialize_field("inner", inner)?;
        }
        st.end()
    }
}

/// A key of the JSON form.
enum Field {
    Name,
    Param(Param),
    LineSearch,
    Inner,
}

impl Field {
    /// Its position in [`FIELDS`].
    fn index(&self) -> usize {
        match self {
            Field::Name => 0,
            Field::Param(p) => 1 + *p as usize,
            Field::LineSearch => Param::COUNT + 1,
            Field::Inner => Param::COUNT + 2,
        }
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Key;
        impl Visitor<'_> for Key {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field of an optimizer")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                match v {
                    "name" => Ok(Field::Name),
                    "line_search" => Ok(Field::LineSearch),
                    "inner" => Ok(Field::Inner),
                    _ => Param::from_name(v)
                        .map(Field::Param)
                        .ok_or_else(|| E::unknown_field(v, &FIELDS)),
                }
            }
        }
        d.deserialize_identifier(Key)
    }
}

impl<'de> Deserialize<'de> for OptimizerConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Config;
        impl<'de> Visitor<'de> for Config {
            type Value = OptimizerConfig;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an optimizer like {\"name\": \"adam\", \"lr\": 0.01}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OptimizerConfig, A::Error> {
                let mut seen = [false; FIELDS.len()];
                let mut name = None;
                let mut values = [None; Param::COUNT];
                let mut line_search = None;
                let mut inner = None;
                while let Some(key) = map.next_key::<Field>()? {
                    let i = key.index();
                    if std::mem::replace(&mut seen[i], true) {
                        return Err(de::Error::duplicate_field(FIELDS[i]));
                    }
                    match key {
                        Field::Name => name = Some(map.next_value::<OptKind>()?),
                        // Any number; integer parameters are checked by `validate`.
                        Field::Param(p) => values[p as usize] = map.next_value::<Option<f64>>()?,
                        Field::LineSearch => line_search = map.next_value()?,
                        Field::Inner => inner = map.next_value()?,
                    }
                }
                Ok(OptimizerConfig {
                    name: name.ok_or_else(|| de::Error::missing_field("name"))?,
                    values,
                    line_search,
                    inner,
                })
            }
        }
        // A map, not a struct: serde-wasm-bindgen reads a struct's known fields only, a map's
        // every key (so that unknown ones are rejected there too).
        d.deserialize_map(Config)
    }
}
