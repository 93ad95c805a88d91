//! Loss surfaces `L(x, y)` with exact derivatives.
//!
//! A [`Surface`] is a named one from [`LIBRARY`], a user [`Expr`], or a model's loss on a
//! generated data set ([`Dataset`]). All are written once
//! over [`Scalar`](crate::scalar::Scalar); value, gradient and Hessian come from evaluating them
//! in `f64`, in num-dual's hyper-dual numbers and in its second-order dual numbers: automatic
//! differentiation, never finite differences.
//!
//! ```
//! use optimizer_playground::{surface::Surface, Vec2};
//! let s = Surface::named("himmelblau").unwrap();
//! let (l, g) = s.grad(Vec2::new(3.0, 2.0));
//! assert_eq!((l, g.x, g.y), (0.0, 0.0, 0.0));
//! ```

pub mod data;
mod expr;
mod library;

pub use data::{DataKind, DataSpec, Dataset, Features};
pub use expr::{Expr, ExprError, Func, MAX_DEPTH, MAX_LEN};
pub use library::{Kind, Named, ParamSpec, SurfaceInfo, LIBRARY};

use crate::scalar::Scalar;
use crate::vec2::{Mat2, Vec2};
use num_dual::{Dual2_64, HyperDual64};

/// A loss surface.
#[derive(Clone, Debug, PartialEq)]
pub enum Surface {
    Named(Named),
    Expr(Expr),
    /// A model's loss on a data set; gradients may be taken on mini-batches.
    Data(Box<Dataset>),
}

impl Surface {
    /// A named surface with default parameters.
    pub fn named(name: &str) -> Option<Surface> {
        Named::new(name).map(Surface::Named)
    }

    /// A user expression.
    pub fn expr(src: &str) -> Result<Surface, ExprError> {
        Expr::parse(src).map(Surface::Expr)
    }

    /// `L(x, y)` in any scalar type.
    #[inline]
    pub fn eval<D: Scalar>(&self, x: D, y: D) -> D {
        self.eval_on(None, x, y)
    }

    /// `L(x, y)` on the points `batch` of a data surface (the whole set when `None`); other
    /// surfaces ignore `batch`.
    #[inline]
    pub fn eval_on<D: Scalar>(&self, batch: Option<&[u32]>, x: D, y: D) -> D {
        match self {
            Surface::Named(n) => n.eval(x, y),
            Surface::Expr(e) => e.eval(x, y),
            Surface::Data(d) => d.eval(batch, x, y),
        }
    }

    /// A data surface.
    pub fn data(spec: &DataSpec) -> Surface {
        Surface::Data(Box::new(Dataset::generate(spec)))
    }

    /// `L(p)` on a mini-batch (see [`Surface::eval_on`]).
    #[inline]
    pub fn value_on(&self, batch: Option<&[u32]>, p: Vec2) -> f64 {
        self.eval_on(batch, p.x, p.y)
    }

    /// `(L(p), ∇L(p))` on a mini-batch.
    #[inline]
    pub fn grad_on(&self, batch: Option<&[u32]>, p: Vec2) -> (f64, Vec2) {
        let x = HyperDual64::new(p.x, 1.0, 0.0, 0.0);
        let y = HyperDual64::new(p.y, 0.0, 1.0, 0.0);
        let r = self.eval_on(batch, x, y);
        (self.value_on(batch, p), Vec2::new(r.eps1, r.eps2))
    }

    /// `(L(p), ∇L(p), ∇²L(p))` on a mini-batch.
    pub fn hessian_on(&self, batch: Option<&[u32]>, p: Vec2) -> (f64, Vec2, Mat2) {
        let x = HyperDual64::new(p.x, 1.0, 0.0, 0.0);
        let y = HyperDual64::new(p.y, 0.0, 1.0, 0.0);
        let r = self.eval_on(batch, x, y);
        let xx = self
            .eval_on(batch, Dual2_64::new(p.x, 1.0, 0.0), Dual2_64::from(p.y))
            .v2;
        let yy = self
            .eval_on(batch, Dual2_64::from(p.x), Dual2_64::new(p.y, 1.0, 0.0))
            .v2;
        let xy = r.eps1eps2;
        (
            self.value_on(batch, p),
            Vec2::new(r.eps1, r.eps2),
            Mat2 {
                a: xx,
                b: xy,
                c: xy,
                d: yy,
            },
        )
    }

    /// `L(p)`.
    #[inline]
    pub fn value(&self, p: Vec2) -> f64 {
        self.eval(p.x, p.y)
    }

    /// `(L(p), ∇L(p))`. `L(p)` is [`Surface::value`]'s, bit for bit: num-dual divides real
    /// parts as `a · (1/b)`, which can differ from `a / b` in the last place.
    #[inline]
    pub fn grad(&self, p: Vec2) -> (f64, Vec2) {
        self.grad_on(None, p)
    }

    /// `(L(p), ∇L(p), ∇²L(p))`.
    pub fn hessian(&self, p: Vec2) -> (f64, Vec2, Mat2) {
        self.hessian_on(None, p)
    }

    /// What the page shows about a named surface; `None` for expressions.
    pub fn info(&self) -> Option<&'static SurfaceInfo> {
        match self {
            Surface::Named(n) => Some(n.info()),
            Surface::Expr(_) | Surface::Data(_) => None,
        }
    }

    /// The view box `[x_min, x_max, y_min, y_max]` to show first.
    pub fn view(&self) -> [f64; 4] {
        match self {
            Surface::Data(d) => d.view_and_start().0,
            _ => self.info().map_or([-3.0, 3.0, -3.0, 3.0], |i| i.view),
        }
    }

    /// The names of the two parameters, for axes and read-outs: (x, y), or the model's.
    pub fn axis_names(&self) -> (&'static str, &'static str) {
        match self {
            Surface::Data(d) => match (d.spec.kind, d.spec.features) {
                (DataKind::Logistic, _) => ("w₁", "w₂"),
                (DataKind::Linear, Features::Batchnorm) => ("γ", "β"),
                (DataKind::Linear, _) => ("w", "b"),
            },
            _ => ("x", "y"),
        }
    }

    /// A sensible start: the library's, the data set's, or (−2, 2) for expressions.
    pub fn default_start(&self) -> Vec2 {
        match self {
            Surface::Data(d) => d.view_and_start().1.into(),
            _ => self.info().map_or(Vec2::new(-2.0, 2.0), |i| i.start.into()),
        }
    }

    /// The known minima, for markers (none for expressions; a data set's training-loss
    /// minimum).
    pub fn minima(&self) -> Vec<Vec2> {
        match self {
            Surface::Named(n) => n.minima(),
            Surface::Expr(_) => Vec::new(),
            Surface::Data(d) => d
                .optimum()
                .or_else(|| d.logistic_optimum())
                .into_iter()
                .collect(),
        }
    }

    /// The minimizer of a data surface's validation loss (the held-out points'), for a
    /// marker; `None` without a validation split or when it has none.
    pub fn validation_minimum(&self) -> Option<Vec2> {
        match self {
            Surface::Data(d) => d.validation_optimum(),
            _ => None,
        }
    }

    /// The validation loss at `p` (the mean loss over a data set's held-out points); `None`
    /// without a validation split.
    pub fn validation_loss(&self, p: Vec2) -> Option<f64> {
        match self {
            Surface::Data(d) => d.validation_loss(p.x, p.y),
            _ => None,
        }
    }

    /// Fills `out` (row-major, `ny` rows of `nx`, row 0 at `y_max`) with `L` at cell centres
    /// of the box `[x0, x1] × [y0, y1]`.
    pub fn grid(&self, view: [f64; 4], nx: usize, ny: usize, out: &mut Vec<f64>) {
        out.clear();
        out.reserve(nx * ny);
        let [x0, x1, y0, y1] = view;
        let dx = (x1 - x0) / nx as f64;
        let dy = (y1 - y0) / ny as f64;
        let xs: Vec<f64> = (0..nx).map(|i| x0 + (i as f64 + 0.5) * dx).collect();
        let ys: Vec<f64> = (0..ny).map(|j| y1 - (j as f64 + 0.5) * dy).collect();
        match self {
            Surface::Expr(e) => e.grid(&xs, &ys, out),
            Surface::Named(n) => match n.grid_expr() {
                Some(e) => e.grid(&xs, &ys, out),
                None => {
                    for &y in &ys {
                        out.extend(xs.iter().map(|&x| n.eval(x, y)));
                    }
                }
            },
            Surface::Data(d) => {
                for &y in &ys {
                    out.extend(xs.iter().map(|&x| d.full_loss(x, y)));
                }
            }
        }
    }
}
