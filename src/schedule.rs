//! Learning-rate schedules: pure functions of the iteration `k`. The exact formulas are in
//! `docs/optimizers.md`.
//!
//! ```
//! use optimizer_playground::schedule::{Schedule, Shape};
//! let s = Schedule { shape: Shape::Step { step_size: 10, gamma: 0.5 }, warmup: 0 };
//! assert_eq!(s.rate(0.1, 25), 0.1 * 0.25);
//! ```

use core::f64::consts::PI;
use serde::{Deserialize, Serialize};

/// The shape of a schedule after any warm-up. In a scenario it is written
/// `{"name": "step", "step_size": 100, "gamma": 0.5}` (fields and defaults in [`SCHEDULES`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// `η`.
    Constant {},
    /// `η · γ^⌊k / step_size⌋`.
    Step { step_size: u64, gamma: f64 },
    /// `η · e^(−decay · k)`.
    Exponential { decay: f64 },
    /// `lr_min + ½(η − lr_min)(1 + cos(π · min(k, t_max) / t_max))`.
    Cosine { t_max: f64, lr_min: f64 },
    /// Cosine annealing with restarts (SGDR) over cycles `t_0, t_0·t_mult, …`.
    WarmRestarts { t_0: u64, t_mult: u64, lr_min: f64 },
}

/// A field of a schedule, as the page offers it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FieldInfo {
    pub name: &'static str,
    /// The value a new schedule starts with (for an optional field: its default when absent).
    pub default: f64,
    /// Whether a scenario must give it.
    pub required: bool,
    pub integer: bool,
    pub meaning: &'static str,
}

/// A schedule as the page offers it: its name in a scenario, title, formula and fields.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ScheduleInfo {
    pub name: &'static str,
    pub title: &'static str,
    pub formula: &'static str,
    pub fields: &'static [FieldInfo],
}

const fn field(
    name: &'static str,
    default: f64,
    required: bool,
    integer: bool,
    meaning: &'static str,
) -> FieldInfo {
    FieldInfo {
        name,
        default,
        required,
        integer,
        meaning: crate::text::doc(meaning),
    }
}

const LR_MIN: FieldInfo = field("lr_min", 0.0, false, false, "the lowest rate");

/// Every schedule, in the order the page offers them (`warmup`, which any schedule takes, is
/// [`WARMUP`]).
pub const SCHEDULES: &[ScheduleInfo] = &[
    ScheduleInfo {
        name: "constant",
        title: "constant",
        formula: "η",
        fields: &[],
    },
    ScheduleInfo {
        name: "step",
        title: "step decay",
        formula: "η · γ^⌊k/step_size⌋",
        fields: &[
            field("step_size", 100.0, true, true, "iterations between decays"),
            field("gamma", 0.1, false, false, "factor at each decay"),
        ],
    },
    ScheduleInfo {
        name: "exponential",
        title: "exponential",
        formula: "η · e^(−decay·k)",
        fields: &[field("decay", 0.01, true, false, "decay per iteration")],
    },
    ScheduleInfo {
        name: "cosine",
        title: "cosine",
        formula: "lr_min + ½(η − lr_min)(1 + cos(π·min(k, t_max)/t_max))",
        fields: &[
            field("t_max", 500.0, true, false, "iterations to the lowest rate"),
            LR_MIN,
        ],
    },
    ScheduleInfo {
        name: "warm_restarts",
        title: "warm restarts",
        formula: "cosine over cycles t_0, t_0·t_mult, …",
        fields: &[
            field("t_0", 100.0, true, true, "length of the first cycle"),
            field("t_mult", 1.0, false, true, "growth of each cycle"),
            LR_MIN,
        ],
    },
];

/// The linear warm-up any schedule can take.
pub const WARMUP: FieldInfo = field(
    "warmup",
    0.0,
    false,
    true,
    "iterations of linear warm-up from η/w to η",
);

/// A schedule: a shape and an optional linear warm-up of `warmup` iterations.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub shape: Shape,
    pub warmup: u64,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            shape: Shape::Constant {},
            warmup: 0,
        }
    }
}

impl Schedule {
    /// `η_k` for base rate `lr` at iteration `k`.
    pub fn rate(&self, lr: f64, k: u64) -> f64 {
        if k < self.warmup {
            return lr * (k + 1) as f64 / self.warmup as f64;
        }
        let k = k - self.warmup;
        match self.shape {
            Shape::Constant {} => lr,
            Shape::Step { step_size, gamma } => {
                let n = k / step_size.max(1);
                lr * powu(gamma, n)
            }
            Shape::Exponential { decay } => lr * libm::exp(-decay * k as f64),
            Shape::Cosine { t_max, lr_min } => {
                let kk = (k as f64).min(t_max);
                lr_min + 0.5 * (lr - lr_min) * (1.0 + libm::cos(PI * kk / t_max))
            }
            Shape::WarmRestarts {
                t_0,
                t_mult,
                lr_min,
            } => {
                let (kc, ti) = cycle(k, t_0.max(1), t_mult.max(1));
                lr_min + 0.5 * (lr - lr_min) * (1.0 + libm::cos(PI * kc as f64 / ti as f64))
            }
        }
    }

    /// Checks the fields; the message names the bad one.
    pub fn validate(&self) -> Result<(), String> {
        let pos = |n: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("{n} must be a positive number (got {v})"))
            }
        };
        let nonneg = |n: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(format!("{n} must be a number ≥ 0 (got {v})"))
            }
        };
        let int_pos = |n: &str, v: u64| {
            if v >= 1 {
                Ok(())
            } else {
                Err(format!("{n} must be an integer ≥ 1 (got {v})"))
            }
        };
        match self.shape {
            Shape::Constant {} => Ok(()),
            Shape::Step { step_size, gamma } => {
                int_pos("step_size", step_size)?;
                pos("gamma", gamma)
            }
            Shape::Exponential { decay } => nonneg("decay", decay),
            Shape::Cosine { t_max, lr_min } => {
                pos("t_max", t_max)?;
                nonneg("lr_min", lr_min)
            }
            Shape::WarmRestarts {
                t_0,
                t_mult,
                lr_min,
            } => {
                int_pos("t_0", t_0)?;
                int_pos("t_mult", t_mult)?;
                nonneg("lr_min", lr_min)
            }
        }
    }
}

/// `g^n` by repeated squaring with a 64-bit exponent (same bits on every platform).
fn powu(g: f64, mut n: u64) -> f64 {
    let mut base = g;
    let mut r = 1.0;
    while n > 0 {
        if n & 1 == 1 {
            r *= base;
        }
        n >>= 1;
        if n > 0 {
            base *= base;
        }
    }
    r
}

/// The iteration within the current cycle and that cycle's length.
fn cycle(k: u64, t0: u64, mult: u64) -> (u64, u64) {
    if mult == 1 {
        return (k % t0, t0);
    }
    let (mut kc, mut ti) = (k, t0);
    while kc >= ti {
        kc -= ti;
        ti = ti.saturating_mul(mult);
    }
    (kc, ti)
}

// ---------------------------------------------------------------- the scenario form

impl Shape {
    /// Its name in a scenario.
    pub const fn name(&self) -> &'static str {
        match self {
            Shape::Constant {} => "constant",
            Shape::Step { .. } => "step",
            Shape::Exponential { .. } => "exponential",
            Shape::Cosine { .. } => "cosine",
            Shape::WarmRestarts { .. } => "warm_restarts",
        }
    }

    /// Its fields as `(name, value)`, in [`SCHEDULES`]' order.
    fn fields(&self) -> Vec<(&'static str, Num)> {
        match *self {
            Shape::Constant {} => vec![],
            Shape::Step { step_size, gamma } => {
                vec![
                    ("step_size", Num::Int(step_size)),
                    ("gamma", Num::Float(gamma)),
                ]
            }
            Shape::Exponential { decay } => vec![("decay", Num::Float(decay))],
            Shape::Cosine { t_max, lr_min } => {
                vec![("t_max", Num::Float(t_max)), ("lr_min", Num::Float(lr_min))]
            }
            Shape::WarmRestarts {
                t_0,
                t_mult,
                lr_min,
            } => vec![
                ("t_0", Num::Int(t_0)),
                ("t_mult", Num::Int(t_mult)),
                ("lr_min", Num::Float(lr_min)),
            ],
        }
    }

    /// The shape called `info.name` from the fields given (`get`), defaults from `info`.
    fn from_fields(info: &ScheduleInfo, get: impl Fn(&str) -> Option<Num>) -> Option<Shape> {
        let num = |n: &str| {
            get(n).or_else(|| {
                info.fields
                    .iter()
                    .find(|f| f.name == n && !f.required)
                    .map(|f| Num::Float(f.default))
            })
        };
        let f = |n: &str| num(n).map(Num::float);
        let u = |n: &str| num(n).map(Num::int);
        Some(match info.name {
            "constant" => Shape::Constant {},
            "step" => Shape::Step {
                step_size: u("step_size")?,
                gamma: f("gamma")?,
            },
            "exponential" => Shape::Exponential { decay: f("decay")? },
            "cosine" => Shape::Cosine {
                t_max: f("t_max")?,
                lr_min: f("lr_min")?,
            },
            _ => Shape::WarmRestarts {
                t_0: u("t_0")?,
                t_mult: u("t_mult")?,
                lr_min: f("lr_min")?,
            },
        })
    }
}

/// A number of the scenario form: integer fields stay integers when written.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Num {
    Int(u64),
    Float(f64),
}

impl Num {
    fn float(self) -> f64 {
        match self {
            Num::Int(v) => v as f64,
            Num::Float(v) => v,
        }
    }
    fn int(self) -> u64 {
        match self {
            Num::Int(v) => v,
            Num::Float(v) => v as u64,
        }
    }
}

impl Serialize for Num {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Num::Int(v) => s.serialize_u64(v),
            Num::Float(v) => s.serialize_f64(v),
        }
    }
}

impl Serialize for Schedule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", self.shape.name())?;
        for (k, v) in self.shape.fields() {
            m.serialize_entry(k, &v)?;
        }
        if self.warmup != 0 {
            m.serialize_entry("warmup", &self.warmup)?;
        }
        m.end()
    }
}

/// The schedules' names (for serde's messages), in [`SCHEDULES`]' order.
const NAMES: [&str; SCHEDULES.len()] = {
    let mut names = [""; SCHEDULES.len()];
    let mut i = 0;
    while i < SCHEDULES.len() {
        names[i] = SCHEDULES[i].name;
        i += 1;
    }
    names
};

/// Every field any schedule takes (for serde's messages).
const ALL_FIELDS: &[&str] = &[
    "name",
    "step_size",
    "gamma",
    "decay",
    "t_max",
    "lr_min",
    "t_0",
    "t_mult",
    "warmup",
];

impl<'de> Deserialize<'de> for Schedule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, Unexpected, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Schedule;
            fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                f.write_str("a schedule like {\"name\": \"cosine\", \"t_max\": 500}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Schedule, A::Error> {
                let mut name: Option<String> = None;
                let mut given: Vec<(&'static str, f64)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "name" {
                        if name.is_some() {
                            return Err(A::Error::duplicate_field("name"));
                        }
                        name = Some(map.next_value()?);
                        continue;
                    }
                    let Some(&k) = ALL_FIELDS.iter().find(|&&f| f == key) else {
                        return Err(A::Error::unknown_field(&key, ALL_FIELDS));
                    };
                    if given.iter().any(|g| g.0 == k) {
                        return Err(A::Error::duplicate_field(k));
                    }
                    given.push((k, map.next_value()?));
                }
                let name = name.ok_or_else(|| A::Error::missing_field("name"))?;
                let info = SCHEDULES
                    .iter()
                    .find(|s| s.name == name)
                    .ok_or_else(|| A::Error::unknown_variant(&name, &NAMES))?;
                let int = |v: f64| {
                    if v.fract() == 0.0 && (0.0..1.8e19).contains(&v) {
                        Ok(Num::Int(v as u64))
                    } else {
                        Err(A::Error::invalid_value(
                            Unexpected::Float(v),
                            &"a whole number ≥ 0",
                        ))
                    }
                };
                let mut nums: Vec<(&'static str, Num)> = Vec::new();
                let mut warmup = 0;
                for (k, v) in given {
                    if k == "warmup" {
                        warmup = int(v)?.int();
                        continue;
                    }
                    let Some(f) = info.fields.iter().find(|f| f.name == k) else {
                        let mut takes: Vec<&str> = info.fields.iter().map(|f| f.name).collect();
                        takes.push("warmup");
                        return Err(A::Error::custom(format!(
                            "unknown field `{k}` of schedule `{name}`, expected one of {}",
                            takes.join(", ")
                        )));
                    };
                    nums.push((k, if f.integer { int(v)? } else { Num::Float(v) }));
                }
                if let Some(f) = info
                    .fields
                    .iter()
                    .find(|f| f.required && !nums.iter().any(|n| n.0 == f.name))
                {
                    return Err(A::Error::missing_field(f.name));
                }
                let get = |k: &str| nums.iter().find(|n| n.0 == k).map(|n| n.1);
                let shape = Shape::from_fields(info, get)
                    .ok_or_else(|| A::Error::custom("a field is missing"))?;
                Ok(Schedule { shape, warmup })
            }
        }
        d.deserialize_map(V)
    }
}
