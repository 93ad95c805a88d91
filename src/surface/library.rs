//! The named surfaces. Each is written once, generic over [`Num`](crate::scalar::Num) (every [`Scalar`](crate::scalar::Scalar) is one), so its gradient and
//! Hessian come from automatic differentiation.

use crate::scalar::{f, Num};
use crate::vec2::Vec2;
use core::f64::consts::{E, PI};

/// A parameter of a parametric surface, with its default and slider range.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct ParamSpec {
    pub name: &'static str,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    /// Whether a slider should move on a log scale.
    pub log: bool,
}

/// What the page and the command line show about a surface.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SurfaceInfo {
    pub name: &'static str,
    pub title: &'static str,
    /// A one-line description for the page.
    pub description: &'static str,
    /// The formula, as an expression in the spec's grammar (with the default parameters).
    pub formula: &'static str,
    pub params: &'static [ParamSpec],
    /// `[x_min, x_max, y_min, y_max]`.
    pub view: [f64; 4],
    pub start: [f64; 2],
    /// The known global minima (for markers), with the default parameters.
    pub minima: &'static [[f64; 2]],
}

const NO_PARAMS: &[ParamSpec] = &[];

/// Every named surface, in the order the page lists them.
pub const LIBRARY: &[SurfaceInfo] = &[
    SurfaceInfo {
        name: "rosenbrock",
        title: "Rosenbrock",
        description: crate::text::doc("A long, curved, flat-bottomed valley: easy to find, hard to follow to the minimum at (a, a²)."),
        formula: "(1-x)^2 + 100*(y-x^2)^2",
        params: &[
            ParamSpec { name: "a", default: 1.0, min: -2.0, max: 2.0, log: false },
            ParamSpec { name: "b", default: 100.0, min: 1.0, max: 1000.0, log: true },
        ],
        view: [-2.0, 2.0, -1.0, 3.0],
        start: [-1.5, 2.0],
        minima: &[[1.0, 1.0]],
    },
    SurfaceInfo {
        name: "beale",
        title: "Beale",
        description: crate::text::doc("Flat plateaus and sharp ridges around a minimum at (3, 0.5); gradients span many decades."),
        formula: "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
        params: NO_PARAMS,
        view: [-4.5, 4.5, -4.5, 4.5],
        start: [1.0, 1.5],
        minima: &[[3.0, 0.5]],
    },
    SurfaceInfo {
        name: "himmelblau",
        title: "Himmelblau",
        description: crate::text::doc("Four equal minima: where an optimizer ends depends on where it starts."),
        formula: "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        params: NO_PARAMS,
        view: [-5.0, 5.0, -5.0, 5.0],
        start: [0.0, 0.0],
        minima: &[
            [3.0, 2.0],
            [-2.805118086952745, 3.131312518250573],
            [-3.779310253377747, -3.28318599128617],
            [3.584428340330492, -1.848126526964404],
        ],
    },
    SurfaceInfo {
        name: "booth",
        title: "Booth",
        description: crate::text::doc("A tilted convex bowl with its minimum at (1, 3)."),
        formula: "(x + 2*y - 7)^2 + (2*x + y - 5)^2",
        params: NO_PARAMS,
        view: [-10.0, 10.0, -10.0, 10.0],
        start: [-6.0, -8.0],
        minima: &[[1.0, 3.0]],
    },
    SurfaceInfo {
        name: "matyas",
        title: "Matyas",
        description: crate::text::doc("A shallow, slightly tilted bowl: small gradients far from the minimum at (0, 0)."),
        formula: "0.26*(x^2 + y^2) - 0.48*x*y",
        params: NO_PARAMS,
        view: [-10.0, 10.0, -10.0, 10.0],
        start: [-8.0, 7.0],
        minima: &[[0.0, 0.0]],
    },
    SurfaceInfo {
        name: "three_hump_camel",
        title: "Three-hump camel",
        description: crate::text::doc("One global minimum at (0, 0) between two local ones that trap plain gradient descent."),
        formula: "2*x^2 - 1.05*x^4 + x^6/6 + x*y + y^2",
        params: NO_PARAMS,
        view: [-2.5, 2.5, -2.5, 2.5],
        start: [-2.2, 2.0],
        minima: &[[0.0, 0.0]],
    },
    SurfaceInfo {
        name: "six_hump_camel",
        title: "Six-hump camel",
        description: crate::text::doc("Six local minima, two of them global, near (±0.0898, ∓0.7126)."),
        formula: "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
        params: NO_PARAMS,
        view: [-2.2, 2.2, -1.3, 1.3],
        start: [-1.9, 1.1],
        minima: &[[0.08984201368301331, -0.7126564032704135], [-0.08984201368301331, 0.7126564032704135]],
    },
    SurfaceInfo {
        name: "rastrigin",
        title: "Rastrigin",
        description: crate::text::doc("A bowl covered in a regular grid of local minima: a test of escaping bumps."),
        formula: "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
        params: &[ParamSpec { name: "a", default: 10.0, min: 0.0, max: 20.0, log: false }],
        view: [-5.12, 5.12, -5.12, 5.12],
        start: [-4.3, 3.7],
        minima: &[[0.0, 0.0]],
    },
    SurfaceInfo {
        name: "ackley",
        title: "Ackley",
        description: crate::text::doc("A nearly flat, rippled plain with one deep funnel at (0, 0)."),
        formula: "-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20",
        params: NO_PARAMS,
        view: [-5.0, 5.0, -5.0, 5.0],
        start: [3.2, -4.1],
        minima: &[[0.0, 0.0]],
    },
    SurfaceInfo {
        name: "styblinski_tang",
        title: "Styblinski–Tang",
        description: crate::text::doc("Four basins of different depth; the deepest is at (−2.9035, −2.9035)."),
        formula: "0.5*(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y)",
        params: NO_PARAMS,
        view: [-5.0, 5.0, -5.0, 5.0],
        start: [0.2, 4.8],
        minima: &[[-2.903534027771177, -2.903534027771177]],
    },
    SurfaceInfo {
        name: "goldstein_price",
        title: "Goldstein–Price",
        description: crate::text::doc("Values from 3 to a million within a small square: only a log scale shows its valleys."),
        formula: "(1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))*(30 + (2*x - 3*y)^2*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))",
        params: NO_PARAMS,
        view: [-2.0, 2.0, -2.0, 2.0],
        start: [-1.5, 1.5],
        minima: &[[0.0, -1.0]],
    },
    SurfaceInfo {
        name: "levi",
        title: "Lévi N.13",
        description: crate::text::doc("Ripples in both directions over a valley; the minimum is at (1, 1)."),
        formula: "sin(3*pi*x)^2 + (x-1)^2*(1 + sin(3*pi*y)^2) + (y-1)^2*(1 + sin(2*pi*y)^2)",
        params: NO_PARAMS,
        view: [-4.0, 6.0, -4.0, 6.0],
        start: [-2.5, 4.0],
        minima: &[[1.0, 1.0]],
    },
    SurfaceInfo {
        name: "quadratic",
        title: "Ill-conditioned quadratic",
        description: crate::text::doc("A straight ravine u² + κv², rotated by an angle: the condition number κ sets how narrow."),
        formula: "x^2 + 10*y^2",
        params: &[
            ParamSpec { name: "condition", default: 10.0, min: 1.0, max: 1000.0, log: true },
            ParamSpec { name: "angle", default: 0.0, min: -90.0, max: 90.0, log: false },
        ],
        view: [-3.0, 3.0, -3.0, 3.0],
        start: [-2.0, 1.5],
        minima: &[[0.0, 0.0]],
    },
    SurfaceInfo {
        name: "saddle",
        title: "Saddle",
        description: crate::text::doc("x² − y²: a saddle point at the origin and no minimum; watch who escapes it."),
        formula: "x^2 - y^2",
        params: NO_PARAMS,
        view: [-2.0, 2.0, -2.0, 2.0],
        start: [-1.8, 0.05],
        minima: &[],
    },
    SurfaceInfo {
        name: "monkey_saddle",
        title: "Monkey saddle",
        description: crate::text::doc("x³ − 3xy²: a flat saddle with three valleys, where even the Hessian vanishes."),
        formula: "x^3 - 3*x*y^2",
        params: NO_PARAMS,
        view: [-2.0, 2.0, -2.0, 2.0],
        start: [1.2, 0.4],
        minima: &[],
    },
    SurfaceInfo {
        name: "plateau_cliff",
        title: "Plateau and cliff",
        description: crate::text::doc("A nearly flat plateau that ends in a steep cliff: tiny gradients, then huge ones."),
        formula: "0.05*y^2 + 0.01*(x-3)^2 + 2*(1 + tanh(8*(1.5 - x)))",
        params: NO_PARAMS,
        view: [-4.0, 5.0, -3.0, 3.0],
        start: [-3.0, 2.0],
        minima: &[[3.0, 0.0]],
    },
];

/// Which named surface (in [`LIBRARY`]'s order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Rosenbrock,
    Beale,
    Himmelblau,
    Booth,
    Matyas,
    ThreeHumpCamel,
    SixHumpCamel,
    Rastrigin,
    Ackley,
    StyblinskiTang,
    GoldsteinPrice,
    Levi,
    Quadratic,
    Saddle,
    MonkeySaddle,
    PlateauCliff,
}

const KINDS: [Kind; 16] = [
    Kind::Rosenbrock,
    Kind::Beale,
    Kind::Himmelblau,
    Kind::Booth,
    Kind::Matyas,
    Kind::ThreeHumpCamel,
    Kind::SixHumpCamel,
    Kind::Rastrigin,
    Kind::Ackley,
    Kind::StyblinskiTang,
    Kind::GoldsteinPrice,
    Kind::Levi,
    Kind::Quadratic,
    Kind::Saddle,
    Kind::MonkeySaddle,
    Kind::PlateauCliff,
];

/// A named surface with its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Named {
    index: usize,
    kind: Kind,
    params: Vec<f64>,
}

impl Named {
    /// Looks a surface up by name, with the default parameters.
    pub fn new(name: &str) -> Option<Named> {
        let index = LIBRARY.iter().position(|s| s.name == name)?;
        let params = LIBRARY[index].params.iter().map(|p| p.default).collect();
        Some(Named {
            index,
            kind: KINDS[index],
            params,
        })
    }
    pub fn kind(&self) -> Kind {
        self.kind
    }
    pub fn info(&self) -> &'static SurfaceInfo {
        &LIBRARY[self.index]
    }
    pub fn params(&self) -> &[f64] {
        &self.params
    }
    /// Sets parameter `name`; false when the surface has no such parameter.
    pub fn set_param(&mut self, name: &str, v: f64) -> bool {
        match self.info().params.iter().position(|p| p.name == name) {
            Some(i) => {
                self.params[i] = v;
                true
            }
            None => false,
        }
    }

    /// The known minima with the current parameters.
    pub fn minima(&self) -> Vec<Vec2> {
        match self.kind {
            Kind::Rosenbrock => vec![Vec2::new(self.params[0], self.params[0] * self.params[0])],
            _ => self.info().minima.iter().map(|&m| m.into()).collect(),
        }
    }

    /// `L(x, y)` in any scalar type.
    #[inline]
    pub fn eval<D: Num>(&self, x: D, y: D) -> D {
        let c = D::k;
        let p = &self.params;
        match self.kind {
            // (a − x)² + b (y − x²)²
            Kind::Rosenbrock => {
                let u = c(p[0]) - x;
                let v = y - x * x;
                u * u + c(p[1]) * v * v
            }
            // (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²
            Kind::Beale => {
                let a = c(1.5) - x + x * y;
                let b = c(2.25) - x + x * y * y;
                let d = c(2.625) - x + x * y * y * y;
                a * a + b * b + d * d
            }
            // (x² + y − 11)² + (x + y² − 7)²
            Kind::Himmelblau => {
                let a = x * x + y - c(11.0);
                let b = x + y * y - c(7.0);
                a * a + b * b
            }
            // (x + 2y − 7)² + (2x + y − 5)²
            Kind::Booth => {
                let a = x + c(2.0) * y - c(7.0);
                let b = c(2.0) * x + y - c(5.0);
                a * a + b * b
            }
            // 0.26 (x² + y²) − 0.48 x y
            Kind::Matyas => c(0.26) * (x * x + y * y) - c(0.48) * x * y,
            // 2x² − 1.05x⁴ + x⁶/6 + xy + y²
            Kind::ThreeHumpCamel => {
                let x2 = x * x;
                c(2.0) * x2 - c(1.05) * x2 * x2 + x2 * x2 * x2 / c(6.0) + x * y + y * y
            }
            // (4 − 2.1x² + x⁴/3) x² + xy + (−4 + 4y²) y²
            Kind::SixHumpCamel => {
                let x2 = x * x;
                let y2 = y * y;
                (c(4.0) - c(2.1) * x2 + x2 * x2 / c(3.0)) * x2
                    + x * y
                    + (c(-4.0) + c(4.0) * y2) * y2
            }
            // 2A + x² − A cos(2πx) + y² − A cos(2πy)
            Kind::Rastrigin => {
                let a = c(p[0]);
                c(2.0 * p[0]) + x * x - a * f::cos(c(2.0 * PI) * x) + y * y
                    - a * f::cos(c(2.0 * PI) * y)
            }
            // −20 exp(−0.2 √(½(x² + y²))) − exp(½(cos 2πx + cos 2πy)) + e + 20
            Kind::Ackley => {
                let r = f::sqrt(c(0.5) * (x * x + y * y));
                c(-20.0) * f::exp(c(-0.2) * r)
                    - f::exp(c(0.5) * (f::cos(c(2.0 * PI) * x) + f::cos(c(2.0 * PI) * y)))
                    + c(E)
                    + c(20.0)
            }
            // ½ Σ (xᵢ⁴ − 16xᵢ² + 5xᵢ)
            Kind::StyblinskiTang => {
                let t = |v: D| {
                    let v2 = v * v;
                    v2 * v2 - c(16.0) * v2 + c(5.0) * v
                };
                c(0.5) * (t(x) + t(y))
            }
            Kind::GoldsteinPrice => {
                let s = x + y + c(1.0);
                let a = c(1.0)
                    + s * s
                        * (c(19.0) - c(14.0) * x + c(3.0) * x * x - c(14.0) * y
                            + c(6.0) * x * y
                            + c(3.0) * y * y);
                let d = c(2.0) * x - c(3.0) * y;
                let b = c(30.0)
                    + d * d
                        * (c(18.0) - c(32.0) * x + c(12.0) * x * x + c(48.0) * y - c(36.0) * x * y
                            + c(27.0) * y * y);
                a * b
            }
            // sin²(3πx) + (x−1)²(1 + sin²(3πy)) + (y−1)²(1 + sin²(2πy))
            Kind::Levi => {
                let s1 = f::sin(c(3.0 * PI) * x);
                let s2 = f::sin(c(3.0 * PI) * y);
                let s3 = f::sin(c(2.0 * PI) * y);
                let xm = x - c(1.0);
                let ym = y - c(1.0);
                s1 * s1 + xm * xm * (c(1.0) + s2 * s2) + ym * ym * (c(1.0) + s3 * s3)
            }
            // u² + κ v², u = x cos θ + y sin θ, v = −x sin θ + y cos θ (θ in degrees)
            Kind::Quadratic => {
                let th = p[1].to_radians();
                let (s, co) = (libm::sin(th), libm::cos(th));
                let u = c(co) * x + c(s) * y;
                let v = c(co) * y - c(s) * x;
                u * u + c(p[0]) * v * v
            }
            // x² − y²
            Kind::Saddle => x * x - y * y,
            // x³ − 3xy²
            Kind::MonkeySaddle => x * x * x - c(3.0) * x * y * y,
            // 0.05y² + 0.01(x − 3)² + 2(1 + tanh(8(1.5 − x)))
            Kind::PlateauCliff => {
                let xm = x - c(3.0);
                c(0.05) * y * y
                    + c(0.01) * xm * xm
                    + c(2.0) * (c(1.0) + f::tanh(c(8.0) * (c(1.5) - x)))
            }
        }
    }
}
