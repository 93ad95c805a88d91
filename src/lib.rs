//! # Optimizer Playground
//!
//! An exact engine that steps deep-learning optimizers over 2-D loss surfaces, the WebAssembly
//! page built on it, and the command line. The engine follows the rules in `docs/optimizers.md`
//! to the bit in `f64`: surfaces with derivatives by automatic differentiation (num-dual), every
//! optimizer, schedule, clipping mode and line search of the spec, and the scenario format that
//! the page's share links, the command line and the tests share.
//!
//! ```
//! use optimizer_playground::{run::Session, scenario::Scenario};
//! let sc = Scenario::from_json(r#"{
//!   "surface": {"name": "himmelblau"}, "start": [0.5, -0.5], "steps": 200,
//!   "runs": [{"optimizer": {"name": "adam", "lr": 0.1}},
//!            {"optimizer": {"name": "bfgs"}}]
//! }"#).unwrap();
//! for t in Session::new(&sc).unwrap().finish() {
//!     assert!(t.loss.last().unwrap() < &1e-3, "{} ends at {:?}", t.label, t.path.last());
//! }
//! ```
//!
//! Modules: [`surface`] (the library and user expressions), [`optim`] (the update rules,
//! second-order methods, line searches, lookahead, clipping), [`schedule`], [`scenario`] (the
//! format), [`run`] (stepping). The `web` module (wasm32 only) is the page's only door to
//! JavaScript.

pub mod bulk;
pub mod maps;
pub mod meta;
pub mod optim;
pub mod playground;
pub mod render;
pub mod run;
pub mod scalar;
pub mod scenario;
pub mod schedule;
pub mod surface;
pub mod text;
pub mod tune;
mod vec2;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use vec2::{Mat2, Vec2};
