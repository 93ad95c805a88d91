//! User expressions `L(x, y)`: the grammar of `docs/optimizers.md`, parsed once into a
//! compact postfix program that evaluates in `f64` and in any dual number.
//!
//! ```
//! use optimizer_playground::surface::Expr;
//! let e = Expr::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
//! assert_eq!(e.eval(1.0_f64, 1.0), 0.0);
//! let err = Expr::parse("1 + sinn(x)").unwrap_err();
//! assert_eq!(err.to_string(), "unknown function 'sinn' at column 5");
//! ```

use crate::scalar::{f, Num};
use core::fmt;

/// The longest expression accepted, in bytes.
pub const MAX_LEN: usize = 1000;
/// The deepest nesting accepted (parentheses, function calls, unary minus, powers).
pub const MAX_DEPTH: usize = 48;
const STACK: usize = 64;

/// Why an expression was rejected: a message and the 1-based column it points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// 1-based column (in characters) of the offending token.
    pub column: usize,
    /// What was wrong, without the position.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, fm: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(fm, "{} at column {}", self.message, self.column)
    }
}
impl std::error::Error for ExprError {}

/// One-argument functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Sin,
    Cos,
    Tan,
    Exp,
    Ln,
    Sqrt,
    Abs,
    Tanh,
    Sinh,
    Cosh,
    Atan,
}

impl Func {
    fn apply<D: Num>(self, a: D) -> D {
        match self {
            Func::Sin => f::sin(a),
            Func::Cos => f::cos(a),
            Func::Tan => f::tan(a),
            Func::Exp => f::exp(a),
            Func::Ln => f::ln(a),
            Func::Sqrt => f::sqrt(a),
            Func::Abs => f::abs(a),
            Func::Tanh => f::tanh(a),
            Func::Sinh => f::sinh(a),
            Func::Cosh => f::cosh(a),
            Func::Atan => f::atan(a),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Const(f64),
    X,
    Y,
    Add,
    Sub,
    Mul,
    Div,
    Neg,
    PowI(i32),
    PowF(f64),
    PowD,
    F1(Func),
    Min,
    Max,
    /// `a + c`, `a − c`, `c − a`, `a · c`, `a / c`, `c / a` with a constant `c`: the same
    /// operations as pushing `c`, one instruction fewer.
    AddC(f64),
    SubC(f64),
    RSubC(f64),
    MulC(f64),
    DivC(f64),
    RDivC(f64),
    /// In a grid's row program only: a part of the expression that depends on x alone,
    /// evaluated once per column ([`GridPlan`]), or on y alone, once per row.
    Col(usize),
    Row(usize),
    /// In a grid's row program only: the top of the stack combined with `Col(k)` or `Row(k)`
    /// in one pass (`top ∘ leaf`, or `leaf ∘ top` for `RSub` and `RDiv`), the same
    /// operations as pushing the leaf and applying the binary operation.
    WithCol(With, usize),
    WithRow(With, usize),
}

/// How [`Op::WithCol`] and [`Op::WithRow`] combine the top `a` with the leaf `b`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum With {
    Add,
    Sub,
    Mul,
    Div,
    /// `b − a`
    RSub,
    /// `b / a`
    RDiv,
}

/// `a ∘ b` for every point of `a`, with `b` one number per point (`at(i)`).
#[inline]
fn combine(w: With, a: &mut [f64], at: impl Fn(usize) -> f64) {
    match w {
        With::Add => a.iter_mut().enumerate().for_each(|(i, a)| *a += at(i)),
        With::Sub => a.iter_mut().enumerate().for_each(|(i, a)| *a -= at(i)),
        With::Mul => a.iter_mut().enumerate().for_each(|(i, a)| *a *= at(i)),
        With::Div => a.iter_mut().enumerate().for_each(|(i, a)| *a /= at(i)),
        With::RSub => a.iter_mut().enumerate().for_each(|(i, a)| *a = at(i) - *a),
        With::RDiv => a.iter_mut().enumerate().for_each(|(i, a)| *a = at(i) / *a),
    }
}

/// A parsed expression: a postfix program over a small fixed stack.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    source: String,
    ops: Vec<Op>,
    uses_xy: bool,
    /// The stack depth the program needs.
    depth: usize,
}

impl Expr {
    /// Parses `src` with the spec's grammar. Errors name the column and what was expected.
    pub fn parse(src: &str) -> Result<Expr, ExprError> {
        if src.len() > MAX_LEN {
            return Err(ExprError {
                column: MAX_LEN + 1,
                message: format!(
                    "expression too long ({} bytes, at most {MAX_LEN})",
                    src.len()
                ),
            });
        }
        let toks = lex(src)?;
        let mut p = Parser {
            toks,
            i: 0,
            depth: 0,
        };
        let ast = p.expr()?;
        let t = p.peek();
        if t.kind != Tok::End {
            return Err(p.err_at(
                t.col,
                format!(
                    "expected an operator or the end, found {}",
                    t.kind.describe()
                ),
            ));
        }
        let ast = fold(ast);
        let mut ops = Vec::new();
        let mut uses_xy = false;
        let need = emit(&ast, &mut ops, &mut uses_xy);
        if need > STACK {
            return Err(ExprError {
                column: 1,
                message: "expression nested too deeply".into(),
            });
        }
        Ok(Expr {
            source: src.to_string(),
            ops,
            uses_xy,
            depth: need,
        })
    }

    /// The text it was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the expression depends on x or y at all.
    pub fn is_constant(&self) -> bool {
        !self.uses_xy
    }

    /// Evaluates at `(x, y)` in any [`Num`] (every [`Scalar`](crate::scalar::Scalar) is one).
    #[inline]
    pub fn eval<D: Num>(&self, x: D, y: D) -> D {
        match self.depth {
            0..=4 => self.run::<D, 4>(x, y),
            5..=8 => self.run::<D, 8>(x, y),
            9..=16 => self.run::<D, 16>(x, y),
            _ => self.run::<D, STACK>(x, y),
        }
    }

    #[inline]
    fn run<D: Num, const N: usize>(&self, x: D, y: D) -> D {
        let mut st = [D::k(0.0); N];
        let mut sp = 0usize;
        for op in &self.ops {
            match *op {
                Op::Const(c) => {
                    st[sp] = D::k(c);
                    sp += 1;
                }
                Op::X => {
                    st[sp] = x;
                    sp += 1;
                }
                Op::Y => {
                    st[sp] = y;
                    sp += 1;
                }
                Op::Add | Op::Sub | Op::Mul | Op::Div | Op::PowD | Op::Min | Op::Max => {
                    sp -= 1;
                    let (a, b) = (st[sp - 1], st[sp]);
                    st[sp - 1] = binary(*op, a, b);
                }
                unary => st[sp - 1] = apply_unary(unary, st[sp - 1]),
            }
        }
        st[0]
    }

    /// Evaluates at many points: `out[i] = L(xs[i], ys[i])`, bit for bit as [`Expr::eval`]
    /// gives it, one instruction at a time over blocks of points.
    pub fn eval_many(&self, xs: &[f64], ys: &[f64], out: &mut [f64]) {
        let leaves = Leaves {
            xs,
            ys,
            cols: &[],
            rows: &[],
        };
        eval_block(&self.ops, self.depth, &leaves, out);
    }

    /// The expression over a grid (the colour map's path): `out` gets, row after row, the
    /// value at `(xs[i], ys[j])` for every `i`, bit for bit as [`Expr::eval`] gives it. A part
    /// that depends on x alone is evaluated once per column and one on y alone once per row
    /// (the same operations on the same numbers, done fewer times): Rastrigin's cosines cost
    /// `nx + ny` calls instead of `2 · nx · ny`.
    pub fn grid(&self, xs: &[f64], ys: &[f64], out: &mut Vec<f64>) {
        let plan = GridPlan::new(&self.ops);
        let (nx, ny) = (xs.len(), ys.len());
        let part = |ops: &[Op], at: &[f64]| {
            let mut v = vec![0.0; at.len()];
            let leaves = Leaves {
                xs: at,
                ys: at,
                cols: &[],
                rows: &[],
            };
            eval_block(ops, depth_of(ops), &leaves, &mut v);
            v
        };
        let cols: Vec<Vec<f64>> = plan.cols.iter().map(|p| part(p, xs)).collect();
        let rows: Vec<Vec<f64>> = plan.rows.iter().map(|p| part(p, ys)).collect();
        let depth = depth_of(&plan.main);
        let mut here = vec![0.0; rows.len()];
        for j in 0..ny {
            for (h, r) in here.iter_mut().zip(&rows) {
                *h = r[j];
            }
            let at = out.len();
            out.resize(at + nx, 0.0);
            let leaves = Leaves {
                xs,
                ys: &[],
                cols: &cols,
                rows: &here,
            };
            eval_block(&plan.main, depth, &leaves, &mut out[at..]);
        }
    }
}

/// What a block of points reads its leaves from: `X` and `Y` from `xs` and `ys`, `Col(k)` from
/// `cols[k]` (indexed like `xs`), `Row(k)` is the number `rows[k]`.
struct Leaves<'a> {
    xs: &'a [f64],
    ys: &'a [f64],
    cols: &'a [Vec<f64>],
    rows: &'a [f64],
}

/// The stack depth a postfix program needs.
fn depth_of(ops: &[Op]) -> usize {
    let (mut sp, mut most) = (0usize, 0usize);
    for op in ops {
        match op {
            Op::Const(_) | Op::X | Op::Y | Op::Col(_) | Op::Row(_) => sp += 1,
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::PowD | Op::Min | Op::Max => {
                sp = sp.saturating_sub(1)
            }
            _ => {}
        }
        most = most.max(sp);
    }
    most
}

/// Runs `ops` over `out.len()` points, one instruction at a time over blocks of points.
fn eval_block(ops: &[Op], depth: usize, leaves: &Leaves, out: &mut [f64]) {
    const B: usize = 256;
    let n = out.len();
    let mut st = vec![[0.0f64; B]; depth.max(1)];
    let mut start = 0;
    while start < n {
        let m = (n - start).min(B);
        let span = start..start + m;
        let mut sp = 0usize;
        for op in ops {
            match *op {
                Op::Const(c) => {
                    st[sp][..m].fill(c);
                    sp += 1;
                }
                Op::Row(k) => {
                    st[sp][..m].fill(leaves.rows[k]);
                    sp += 1;
                }
                Op::X => {
                    st[sp][..m].copy_from_slice(&leaves.xs[span.clone()]);
                    sp += 1;
                }
                Op::Y => {
                    st[sp][..m].copy_from_slice(&leaves.ys[span.clone()]);
                    sp += 1;
                }
                Op::Col(k) => {
                    st[sp][..m].copy_from_slice(&leaves.cols[k][span.clone()]);
                    sp += 1;
                }
                Op::Add | Op::Sub | Op::Mul | Op::Div | Op::PowD | Op::Min | Op::Max => {
                    sp -= 1;
                    let (lo, hi) = st.split_at_mut(sp);
                    let (a, b) = (&mut lo[sp - 1][..m], &hi[0][..m]);
                    match *op {
                        Op::Add => a.iter_mut().zip(b).for_each(|(a, b)| *a += *b),
                        Op::Sub => a.iter_mut().zip(b).for_each(|(a, b)| *a -= *b),
                        Op::Mul => a.iter_mut().zip(b).for_each(|(a, b)| *a *= *b),
                        Op::Div => a.iter_mut().zip(b).for_each(|(a, b)| *a /= *b),
                        _ => a
                            .iter_mut()
                            .zip(b)
                            .for_each(|(a, b)| *a = binary(*op, *a, *b)),
                    }
                }
                Op::WithCol(w, k) => {
                    let col = &leaves.cols[k][span.clone()];
                    combine(w, &mut st[sp - 1][..m], |i| col[i]);
                }
                Op::WithRow(w, k) => {
                    let r = leaves.rows[k];
                    combine(w, &mut st[sp - 1][..m], |_| r);
                }
                Op::AddC(c) => st[sp - 1][..m].iter_mut().for_each(|a| *a += c),
                Op::SubC(c) => st[sp - 1][..m].iter_mut().for_each(|a| *a -= c),
                Op::RSubC(c) => st[sp - 1][..m].iter_mut().for_each(|a| *a = c - *a),
                Op::MulC(c) => st[sp - 1][..m].iter_mut().for_each(|a| *a *= c),
                Op::DivC(c) => st[sp - 1][..m].iter_mut().for_each(|a| *a /= c),
                Op::RDivC(c) => st[sp - 1][..m].iter_mut().for_each(|a| *a = c / *a),
                Op::PowI(2) => st[sp - 1][..m].iter_mut().for_each(|a| *a *= *a),
                Op::Neg => st[sp - 1][..m].iter_mut().for_each(|a| *a = -*a),
                unary => st[sp - 1][..m]
                    .iter_mut()
                    .for_each(|a| *a = apply_unary(unary, *a)),
            }
        }
        out[span].copy_from_slice(&st[0][..m]);
        start += m;
    }
}

/// An expression split for a grid: the parts that depend on x alone (`cols`) or on y alone
/// (`rows`), each a postfix program of its own, and the program over a row (`main`) that reads
/// them as `Col(k)` and `Row(k)`.
struct GridPlan {
    main: Vec<Op>,
    cols: Vec<Vec<Op>>,
    rows: Vec<Vec<Op>>,
}

impl GridPlan {
    fn new(ops: &[Op]) -> GridPlan {
        // For each instruction: where the subtree it completes starts, and what that subtree
        // depends on (1: x, 2: y).
        let mut start = vec![0usize; ops.len()];
        let mut uses = vec![0u8; ops.len()];
        let mut st: Vec<(usize, u8)> = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let top = match op {
                Op::X => (i, 1),
                Op::Y => (i, 2),
                Op::Const(_) | Op::Col(_) | Op::Row(_) => (i, 0),
                Op::Add | Op::Sub | Op::Mul | Op::Div | Op::PowD | Op::Min | Op::Max => {
                    let (_, b) = st.pop().unwrap_or((i, 0));
                    let (s, a) = st.pop().unwrap_or((i, 0));
                    (s, a | b)
                }
                _ => st.pop().unwrap_or((i, 0)),
            };
            (start[i], uses[i]) = top;
            st.push(top);
        }
        let mut plan = GridPlan {
            main: Vec::new(),
            cols: Vec::new(),
            rows: Vec::new(),
        };
        if let Some(last) = ops.len().checked_sub(1) {
            plan.split(ops, &start, &uses, last);
        }
        plan
    }

    /// Emits the subtree ending at instruction `end`.
    fn split(&mut self, ops: &[Op], start: &[usize], uses: &[u8], end: usize) {
        let whole = &ops[start[end]..=end];
        match uses[end] {
            1 | 2 => {
                let leaf = self.hoist(ops, start, uses, end);
                self.main.push(leaf);
            }
            0 => self.main.extend_from_slice(whole),
            _ => {
                match ops[end] {
                    Op::Add | Op::Sub | Op::Mul | Op::Div | Op::PowD | Op::Min | Op::Max => {
                        let right = end - 1;
                        let left = start[right] - 1;
                        // A part of x or y alone as either operand is read in the same pass as
                        // the operation (a commutative one takes it on either side).
                        let (as_right, as_left) = match ops[end] {
                            Op::Add => (Some(With::Add), Some(With::Add)),
                            Op::Mul => (Some(With::Mul), Some(With::Mul)),
                            Op::Sub => (Some(With::Sub), Some(With::RSub)),
                            Op::Div => (Some(With::Div), Some(With::RDiv)),
                            _ => (None, None),
                        };
                        if let Some(w) = as_right.filter(|_| uses[right] < 3 && uses[right] > 0) {
                            self.split(ops, start, uses, left);
                            let leaf = self.hoist(ops, start, uses, right);
                            self.main.push(with(w, leaf));
                            return;
                        }
                        if let Some(w) = as_left.filter(|_| uses[left] < 3 && uses[left] > 0) {
                            self.split(ops, start, uses, right);
                            let leaf = self.hoist(ops, start, uses, left);
                            self.main.push(with(w, leaf));
                            return;
                        }
                        self.split(ops, start, uses, left);
                        self.split(ops, start, uses, right);
                    }
                    _ => self.split(ops, start, uses, end - 1),
                }
                self.main.push(ops[end]);
            }
        }
    }

    /// Registers the subtree ending at `end`, which depends on x alone or y alone, as a column
    /// or row part, and returns the leaf that reads it.
    fn hoist(&mut self, ops: &[Op], start: &[usize], uses: &[u8], end: usize) -> Op {
        let whole = ops[start[end]..=end].to_vec();
        if uses[end] == 1 {
            self.cols.push(whole);
            Op::Col(self.cols.len() - 1)
        } else {
            self.rows.push(whole);
            Op::Row(self.rows.len() - 1)
        }
    }
}

/// The fused operation of `w` with the leaf `leaf` (`Col(k)` or `Row(k)`).
fn with(w: With, leaf: Op) -> Op {
    match leaf {
        Op::Col(k) => Op::WithCol(w, k),
        Op::Row(k) => Op::WithRow(w, k),
        other => other,
    }
}

#[inline]
fn binary<D: Num>(op: Op, a: D, b: D) -> D {
    match op {
        Op::Add => a + b,
        Op::Sub => a - b,
        Op::Mul => a * b,
        Op::Div => a / b,
        Op::PowD => f::powd(a, b),
        Op::Min => f::min(a, b),
        _ => f::max(a, b),
    }
}

#[inline]
fn apply_unary<D: Num>(op: Op, a: D) -> D {
    match op {
        Op::Neg => -a,
        Op::PowI(n) => f::powi(a, n),
        Op::PowF(c) => f::powf(a, c),
        Op::F1(fu) => fu.apply(a),
        Op::AddC(c) => a + D::k(c),
        Op::SubC(c) => a - D::k(c),
        Op::RSubC(c) => D::k(c) - a,
        Op::MulC(c) => a * D::k(c),
        Op::DivC(c) => a / D::k(c),
        Op::RDivC(c) => D::k(c) / a,
        _ => a,
    }
}

// ---------------------------------------------------------------- lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    Plus,
    Minus,
    Star,
    Slash,
    Pow,
    LParen,
    RParen,
    Comma,
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Num(v) => format!("the number {v}"),
            Tok::Name(n) => format!("'{n}'"),
            Tok::Plus => "'+'".into(),
            Tok::Minus => "'-'".into(),
            Tok::Star => "'*'".into(),
            Tok::Slash => "'/'".into(),
            Tok::Pow => "'^'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Comma => "','".into(),
            Tok::End => "the end of the expression".into(),
        }
    }
}

#[derive(Clone, Debug)]
struct Token {
    kind: Tok,
    col: usize,
}

fn lex(src: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |col: usize, m: String| ExprError {
        column: col,
        message: m,
    };
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        match c {
            ' ' | '\t' => {
                i += 1;
                continue;
            }
            '+' | '-' | '/' | '^' | '(' | ')' | ',' => {
                let kind = match c {
                    '+' => Tok::Plus,
                    '-' => Tok::Minus,
                    '/' => Tok::Slash,
                    '^' => Tok::Pow,
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    _ => Tok::Comma,
                };
                out.push(Token { kind, col });
            }
            '*' => {
                if chars.get(i + 1) == Some(&'*') {
                    out.push(Token {
                        kind: Tok::Pow,
                        col,
                    });
                    i += 1;
                } else {
                    out.push(Token {
                        kind: Tok::Star,
                        col,
                    });
                }
            }
            '0'..='9' | '.' => {
                let start = i;
                let digits = |i: &mut usize| {
                    let s = *i;
                    while *i < chars.len() && chars[*i].is_ascii_digit() {
                        *i += 1;
                    }
                    *i > s
                };
                let int = digits(&mut i);
                if i < chars.len() && chars[i] == '.' {
                    i += 1;
                    let frac = digits(&mut i);
                    if !int && !frac {
                        return Err(err(col, "expected a digit after '.'".into()));
                    }
                }
                if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                    let mut j = i + 1;
                    if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                        j += 1;
                    }
                    if j < chars.len() && chars[j].is_ascii_digit() {
                        i = j;
                        digits(&mut i);
                    }
                }
                let text: String = chars[start..i].iter().collect();
                if i < chars.len() && (chars[i].is_alphabetic() || chars[i] == '_') {
                    return Err(err(
                        i + 1,
                        format!(
                            "unexpected '{}' right after the number {text} (no implicit multiplication: write {text}*{})",
                            chars[i], chars[i]
                        ),
                    ));
                }
                let v: f64 = text
                    .parse()
                    .map_err(|_| err(col, format!("malformed number '{text}'")))?;
                out.push(Token {
                    kind: Tok::Num(v),
                    col,
                });
                continue;
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                out.push(Token {
                    kind: Tok::Name(name),
                    col,
                });
                continue;
            }
            other => {
                return Err(err(col, format!("unexpected character '{other}'")));
            }
        }
        i += 1;
    }
    out.push(Token {
        kind: Tok::End,
        col: chars.len() + 1,
    });
    Ok(out)
}

// ---------------------------------------------------------------- parser

#[derive(Clone, Debug)]
enum Ast {
    Num(f64),
    X,
    Y,
    Neg(Box<Ast>),
    Bin(Op, Box<Ast>, Box<Ast>),
    Pow(Box<Ast>, Box<Ast>),
    F1(Func, Box<Ast>),
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    depth: usize,
}

fn func1(name: &str) -> Option<Func> {
    Some(match name {
        "sin" => Func::Sin,
        "cos" => Func::Cos,
        "tan" => Func::Tan,
        "exp" => Func::Exp,
        "ln" | "log" => Func::Ln,
        "sqrt" => Func::Sqrt,
        "abs" => Func::Abs,
        "tanh" => Func::Tanh,
        "sinh" => Func::Sinh,
        "cosh" => Func::Cosh,
        "atan" => Func::Atan,
        _ => return None,
    })
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.toks[self.i]
    }
    fn next(&mut self) -> Token {
        let t = self.toks[self.i].clone();
        if t.kind != Tok::End {
            self.i += 1;
        }
        t
    }
    fn err_at(&self, col: usize, message: String) -> ExprError {
        ExprError {
            column: col,
            message,
        }
    }
    fn enter(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let col = self.peek().col;
            return Err(self.err_at(
                col,
                format!("expression nested too deeply (at most {MAX_DEPTH} levels)"),
            ));
        }
        Ok(())
    }
    fn expect(&mut self, want: Tok, what: &str) -> Result<(), ExprError> {
        let t = self.next();
        if t.kind == want {
            Ok(())
        } else {
            Err(self.err_at(
                t.col,
                format!("expected {what}, found {}", t.kind.describe()),
            ))
        }
    }

    fn expr(&mut self) -> Result<Ast, ExprError> {
        let mut lhs = self.term()?;
        loop {
            let op = match self.peek().kind {
                Tok::Plus => Op::Add,
                Tok::Minus => Op::Sub,
                _ => return Ok(lhs),
            };
            self.next();
            let rhs = self.term()?;
            lhs = Ast::Bin(op, Box::new(lhs), Box::new(rhs));
        }
    }

    fn term(&mut self) -> Result<Ast, ExprError> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek().kind {
                Tok::Star => Op::Mul,
                Tok::Slash => Op::Div,
                _ => return Ok(lhs),
            };
            self.next();
            let rhs = self.unary()?;
            lhs = Ast::Bin(op, Box::new(lhs), Box::new(rhs));
        }
    }

    fn unary(&mut self) -> Result<Ast, ExprError> {
        self.enter()?;
        let r = if self.peek().kind == Tok::Minus {
            self.next();
            self.unary().map(|a| Ast::Neg(Box::new(a)))
        } else {
            self.power()
        };
        self.depth -= 1;
        r
    }

    fn power(&mut self) -> Result<Ast, ExprError> {
        let base = self.primary()?;
        if self.peek().kind == Tok::Pow {
            self.next();
            let exp = self.unary()?;
            return Ok(Ast::Pow(Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Ast, ExprError> {
        let t = self.next();
        match t.kind {
            Tok::Num(v) => Ok(Ast::Num(v)),
            Tok::LParen => {
                self.enter()?;
                let e = self.expr()?;
                self.expect(Tok::RParen, "')'")?;
                self.depth -= 1;
                Ok(e)
            }
            Tok::Name(name) => {
                let call = self.peek().kind == Tok::LParen;
                match name.as_str() {
                    "x" | "y" | "pi" | "e" if call => Err(self.err_at(
                        t.col,
                        format!("'{name}' is not a function (no implicit multiplication: write {name}*(…))"),
                    )),
                    "x" => Ok(Ast::X),
                    "y" => Ok(Ast::Y),
                    "pi" => Ok(Ast::Num(core::f64::consts::PI)),
                    "e" => Ok(Ast::Num(core::f64::consts::E)),
                    _ => {
                        enum Kind {
                            One(Func),
                            Two(Op),
                        }
                        let kind = match (func1(&name), name.as_str()) {
                            (Some(fu), _) => Kind::One(fu),
                            (None, "min") => Kind::Two(Op::Min),
                            (None, "max") => Kind::Two(Op::Max),
                            _ if call => {
                                return Err(self.err_at(t.col, format!("unknown function '{name}'")))
                            }
                            _ => {
                                return Err(self.err_at(
                                    t.col,
                                    format!("unknown variable '{name}' (the variables are x and y)"),
                                ))
                            }
                        };
                        if !call {
                            let c = self.peek().col;
                            return Err(self.err_at(c, format!("expected '(' after '{name}'")));
                        }
                        self.next();
                        self.enter()?;
                        let a = self.expr()?;
                        let r = match kind {
                            Kind::Two(op) => {
                                self.expect(Tok::Comma, &format!("',' ('{name}' takes two arguments)"))?;
                                let b = self.expr()?;
                                self.expect(Tok::RParen, "')'")?;
                                Ast::Bin(op, Box::new(a), Box::new(b))
                            }
                            Kind::One(fu) => {
                                let nt = self.peek().clone();
                                if nt.kind == Tok::Comma {
                                    return Err(self.err_at(nt.col, format!("'{name}' takes one argument")));
                                }
                                self.expect(Tok::RParen, "')'")?;
                                Ast::F1(fu, Box::new(a))
                            }
                        };
                        self.depth -= 1;
                        Ok(r)
                    }
                }
            }
            Tok::End => Err(self.err_at(
                t.col,
                "unexpected end: expected a number, x, y, a function or '('".into(),
            )),
            other => Err(self.err_at(
                t.col,
                format!(
                    "expected a number, x, y, a function or '(', found {}",
                    other.describe()
                ),
            )),
        }
    }
}

// ---------------------------------------------------------------- folding and code

fn fold(a: Ast) -> Ast {
    let c = |a: &Ast| if let Ast::Num(v) = a { Some(*v) } else { None };
    match a {
        Ast::Neg(b) => {
            let b = fold(*b);
            match c(&b) {
                Some(v) => Ast::Num(-v),
                None => Ast::Neg(Box::new(b)),
            }
        }
        Ast::Bin(op, l, r) => {
            let (l, r) = (fold(*l), fold(*r));
            match (c(&l), c(&r)) {
                (Some(a), Some(b)) => Ast::Num(eval_const(op, a, b)),
                _ => Ast::Bin(op, Box::new(l), Box::new(r)),
            }
        }
        Ast::Pow(l, r) => {
            let (l, r) = (fold(*l), fold(*r));
            match (c(&l), c(&r)) {
                (Some(a), Some(b)) => Ast::Num(pow_const(a, b)),
                _ => Ast::Pow(Box::new(l), Box::new(r)),
            }
        }
        Ast::F1(fu, b) => {
            let b = fold(*b);
            match c(&b) {
                Some(v) => Ast::Num(fu.apply(v)),
                None => Ast::F1(fu, Box::new(b)),
            }
        }
        other => other,
    }
}

fn eval_const(op: Op, a: f64, b: f64) -> f64 {
    match op {
        Op::Add => a + b,
        Op::Sub => a - b,
        Op::Mul => a * b,
        Op::Div => a / b,
        Op::Min => f::min(a, b),
        _ => f::max(a, b),
    }
}

fn as_int(b: f64) -> Option<i32> {
    if b.fract() == 0.0 && b.abs() <= 1_000_000.0 {
        Some(b as i32)
    } else {
        None
    }
}

fn pow_const(a: f64, b: f64) -> f64 {
    match as_int(b) {
        Some(n) => f::powi(a, n),
        None => f::powf(a, b),
    }
}

/// Emits postfix code; returns the stack depth the subtree needs.
fn emit(a: &Ast, ops: &mut Vec<Op>, xy: &mut bool) -> usize {
    match a {
        Ast::Num(v) => {
            ops.push(Op::Const(*v));
            1
        }
        Ast::X => {
            *xy = true;
            ops.push(Op::X);
            1
        }
        Ast::Y => {
            *xy = true;
            ops.push(Op::Y);
            1
        }
        Ast::Neg(b) => {
            let d = emit(b, ops, xy);
            ops.push(Op::Neg);
            d
        }
        Ast::F1(fu, b) => {
            let d = emit(b, ops, xy);
            ops.push(Op::F1(*fu));
            d
        }
        Ast::Pow(l, r) => {
            if let Ast::Num(b) = **r {
                let d = emit(l, ops, xy);
                ops.push(match as_int(b) {
                    Some(n) => Op::PowI(n),
                    None => Op::PowF(b),
                });
                d
            } else {
                let dl = emit(l, ops, xy);
                let dr = emit(r, ops, xy);
                ops.push(Op::PowD);
                dl.max(dr + 1)
            }
        }
        Ast::Bin(op, l, r) => {
            // A constant operand becomes an immediate (the same arithmetic, no push).
            let imm = match (&**l, &**r) {
                (_, Ast::Num(c)) => match op {
                    Op::Add => Some(Op::AddC(*c)),
                    Op::Sub => Some(Op::SubC(*c)),
                    Op::Mul => Some(Op::MulC(*c)),
                    Op::Div => Some(Op::DivC(*c)),
                    _ => None,
                }
                .map(|o| (l, o)),
                (Ast::Num(c), _) => match op {
                    Op::Add => Some(Op::AddC(*c)),
                    Op::Sub => Some(Op::RSubC(*c)),
                    Op::Mul => Some(Op::MulC(*c)),
                    Op::Div => Some(Op::RDivC(*c)),
                    _ => None,
                }
                .map(|o| (r, o)),
                _ => None,
            };
            if let Some((other, o)) = imm {
                let d = emit(other, ops, xy);
                ops.push(o);
                return d;
            }
            let dl = emit(l, ops, xy);
            let dr = emit(r, ops, xy);
            ops.push(*op);
            dl.max(dr + 1)
        }
    }
}
