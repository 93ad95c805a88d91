//! The ready-made lessons of `www/lessons/`: the index is well formed, every scene's scenario
//! parses and runs through the engine, and every claim a scene's text makes holds.
//!
//! `LESSONS_VERBOSE=1 cargo test --test lessons -- --nocapture` prints every claim with the
//! numbers it was decided on (to see the margins when tuning a scene).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

use optimizer_playground::playground::scene::epochs;
use optimizer_playground::run::{end_label, RunState, Session};
use optimizer_playground::scenario::Scenario;
use optimizer_playground::surface::Surface;
use optimizer_playground::Vec2;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The directory of the lessons.
fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("www/lessons")
}

/// `index.json`, parsed.
fn index() -> Value {
    let path = dir().join("index.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The lessons of the index: `(lesson id, scenes)`.
fn lessons(index: &Value) -> Vec<(String, Vec<Map<String, Value>>)> {
    index["lessons"]
        .as_array()
        .expect("index.json: 'lessons' must be an array")
        .iter()
        .map(|l| {
            let id = l["id"].as_str().unwrap_or("?").to_string();
            let scenes = l["scenes"]
                .as_array()
                .unwrap_or_else(|| panic!("lesson {id}: 'scenes' must be an array"))
                .iter()
                .map(|s| {
                    s.as_object()
                        .unwrap_or_else(|| panic!("lesson {id}: a scene must be an object"))
                        .clone()
                })
                .collect();
            (id, scenes)
        })
        .collect()
}

/// A scene's scenario, read and parsed.
fn scenario(file: &str) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(dir().join(file)).map_err(|e| format!("{file}: {e}"))?;
    Scenario::from_json(&text).map_err(|e| format!("{file}: {e}"))
}

/// Whether a string is present and not blank.
fn non_empty(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.trim().is_empty())
}

const AXES: [&str; 3] = ["steps", "evals", "epochs"];

#[test]
fn lessons_index_is_well_formed() {
    let index = index();
    let top: Vec<&String> = index
        .as_object()
        .expect("index.json: an object")
        .keys()
        .collect();
    assert_eq!(top, ["lessons"], "index.json: only 'lessons'");
    let mut problems = Vec::new();
    let mut ids = BTreeSet::new();
    let mut used = BTreeSet::new();
    let all = index["lessons"].as_array().expect("'lessons': an array");
    assert!(!all.is_empty(), "no lessons");
    for (li, l) in all.iter().enumerate() {
        let Some(l) = l.as_object() else {
            problems.push(format!("lessons[{li}]: not an object"));
            continue;
        };
        let id = l.get("id").and_then(Value::as_str).unwrap_or("");
        let here = format!("lesson {li} ({id})");
        for k in l.keys() {
            if !["id", "title", "scenes"].contains(&k.as_str()) {
                problems.push(format!("{here}: unknown field '{k}'"));
            }
        }
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            problems.push(format!(
                "{here}: 'id' must be lower-case letters, digits and '-'"
            ));
        }
        if !ids.insert(id.to_string()) {
            problems.push(format!("{here}: id used twice"));
        }
        if !l.get("title").is_some_and(non_empty) {
            problems.push(format!("{here}: empty title"));
        }
        let scenes = l.get("scenes").and_then(Value::as_array);
        if scenes.is_none_or(|s| s.is_empty()) {
            problems.push(format!("{here}: needs at least one scene"));
        }
        for (si, s) in scenes.into_iter().flatten().enumerate() {
            let here = format!("{here} scene {si}");
            let Some(s) = s.as_object() else {
                problems.push(format!("{here}: not an object"));
                continue;
            };
            for k in s.keys() {
                if !["scenario", "text", "watch", "axis", "claims"].contains(&k.as_str()) {
                    problems.push(format!("{here}: unknown field '{k}'"));
                }
            }
            for k in ["text", "watch"] {
                if !s.get(k).is_some_and(non_empty) {
                    problems.push(format!("{here}: empty '{k}'"));
                }
            }
            if let Some(a) = s.get("axis") {
                if !a.as_str().is_some_and(|a| AXES.contains(&a)) {
                    problems.push(format!("{here}: 'axis' must be steps, evals or epochs"));
                }
            }
            if s.get("claims")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
            {
                problems.push(format!("{here}: needs at least one claim"));
            }
            let Some(file) = s.get("scenario").and_then(Value::as_str) else {
                problems.push(format!("{here}: no 'scenario' file"));
                continue;
            };
            if file.contains('/') || !file.ends_with(".json") || file == "index.json" {
                problems.push(format!(
                    "{here}: '{file}' must be a .json file of www/lessons/"
                ));
                continue;
            }
            used.insert(file.to_string());
            let sc = match scenario(file) {
                Ok(sc) => sc,
                Err(e) => {
                    problems.push(format!("{here}: {e}"));
                    continue;
                }
            };
            if sc.steps == 0 || sc.steps > 2000 {
                problems.push(format!("{here}: {file}: steps must be 1 to 2000"));
            }
            if sc.runs.is_empty() {
                problems.push(format!("{here}: {file}: no runs"));
            }
            let mut colors = BTreeSet::new();
            for (ri, r) in sc.runs.iter().enumerate() {
                if r.label.as_ref().is_none_or(|l| l.trim().is_empty()) {
                    problems.push(format!("{here}: {file}: runs[{ri}] has no label"));
                }
                match &r.color {
                    Some(c) if c.len() == 7 => {
                        if !colors.insert(c.to_ascii_lowercase()) {
                            problems.push(format!("{here}: {file}: runs[{ri}] repeats colour {c}"));
                        }
                    }
                    _ => {
                        problems.push(format!("{here}: {file}: runs[{ri}] needs a #rrggbb colour"))
                    }
                }
            }
            if s.get("axis").and_then(Value::as_str) == Some("epochs") && sc.data.is_none() {
                problems.push(format!("{here}: the epochs axis needs a data set"));
            }
        }
    }
    let mut files = BTreeSet::new();
    for e in std::fs::read_dir(dir()).expect("www/lessons/") {
        let name = e.expect("a directory entry").file_name();
        let name = name.to_string_lossy().to_string();
        if name != "index.json" {
            files.insert(name);
        }
    }
    for f in files.difference(&used) {
        problems.push(format!("www/lessons/{f} is not used by any scene"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------- running a scene

/// A scene's scenario after all its steps, with what the claims need.
struct Ran {
    session: Session,
    /// The mini-batch size of every run (None: full batch) and the training points (data).
    batch: Vec<Option<usize>>,
    points: Option<usize>,
}

fn run(sc: &Scenario) -> Result<Ran, String> {
    let mut session = Session::new(sc)?;
    session.step(sc.steps);
    let points = match &session.surface {
        Surface::Data(d) => Some(d.train_len()),
        _ => None,
    };
    let batch = sc
        .runs
        .iter()
        .map(|r| {
            let b = r.batch_size.or(sc.batch_size).map(|b| b as usize);
            match (b, points) {
                (Some(b), Some(n)) if b < n => Some(b),
                _ => None,
            }
        })
        .collect();
    Ok(Ran {
        session,
        batch,
        points,
    })
}

// ---------------------------------------------------------------- claims

/// Every kind of claim: its key, the other keys it needs, and the optional ones ("says" is
/// needed by all).
const KINDS: [(&str, &[&str], &[&str]); 13] = [
    ("diverges", &["run"], &["at"]),
    ("loss_below", &["run"], &["at"]),
    ("loss_above", &["run"], &["at"]),
    ("near", &["run", "within"], &["at"]),
    ("far_from", &["run", "beyond"], &["at"]),
    ("loss_below_run", &["run"], &["at"]),
    ("first", &["before", "to_loss", "axis"], &[]),
    ("zigzag", &["run", "over"], &[]),
    ("step_ratio", &["run"], &["below", "above"]),
    ("lr_ratio", &["run"], &["below", "above"]),
    ("end", &["run"], &["at"]),
    ("stopped", &["run"], &["at"]),
    ("val_loss_below_run", &["run"], &["at"]),
];

type Claim = Map<String, Value>;

fn num(c: &Claim, k: &str) -> Result<f64, String> {
    c.get(k)
        .and_then(Value::as_f64)
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("'{k}' must be a number"))
}

fn int(c: &Claim, k: &str) -> Result<usize, String> {
    c.get(k)
        .and_then(Value::as_u64)
        .map(|x| x as usize)
        .ok_or_else(|| format!("'{k}' must be a non-negative integer"))
}

fn pair<T>(c: &Claim, k: &str, f: impl Fn(&Value) -> Option<T>) -> Result<[T; 2], String> {
    match c.get(k).and_then(Value::as_array).map(Vec::as_slice) {
        Some([a, b]) => match (f(a), f(b)) {
            (Some(a), Some(b)) => Ok([a, b]),
            _ => Err(format!("'{k}' must be a pair")),
        },
        _ => Err(format!("'{k}' must be a pair")),
    }
}

/// The claim's kind, after checking its keys: exactly one kind, its keys, nothing unknown.
fn kind(c: &Claim) -> Result<&'static str, String> {
    let found: Vec<_> = KINDS.iter().filter(|(k, ..)| c.contains_key(*k)).collect();
    let &&(kind, needs, may) = match found.as_slice() {
        [one] => one,
        [] => return Err("unknown kind of claim".into()),
        _ => return Err("more than one kind of claim in one".into()),
    };
    for k in needs.iter().chain(&["says"]) {
        if !c.contains_key(*k) {
            return Err(format!("'{kind}' needs '{k}'"));
        }
    }
    for k in c.keys() {
        if k != kind && k != "says" && !needs.contains(&k.as_str()) && !may.contains(&k.as_str()) {
            return Err(format!("unknown field '{k}' for a '{kind}' claim"));
        }
    }
    if matches!(kind, "step_ratio" | "lr_ratio")
        && !c.contains_key("below")
        && !c.contains_key("above")
    {
        return Err(format!("'{kind}' needs 'below' or 'above'"));
    }
    if !non_empty(&c["says"]) {
        return Err("'says' must be a sentence".into());
    }
    Ok(kind)
}

/// Where a run stands for a claim: the index of its point at `at` (or at its end), or the
/// iteration at which it diverged before getting there. A run that a rule stopped stays at its
/// last point.
enum At {
    Point(usize),
    Diverged(u64),
}

fn at(r: &RunState, c: &Claim) -> Result<At, String> {
    let t = &r.trace;
    let last = t.path.len() - 1;
    let k = match c.get("at") {
        None => None,
        Some(_) => Some(int(c, "at")?),
    };
    Ok(match (t.diverged_at, k) {
        (Some(d), None) => At::Diverged(d),
        (Some(d), Some(k)) if k > last => At::Diverged(d),
        (_, Some(k)) if k > last && t.stopped_at.is_none() => {
            return Err(format!("'at' {k} is past the run's {last} iterations"))
        }
        (_, Some(k)) => At::Point(k.min(last)),
        (None, None) => At::Point(last),
    })
}

/// Decides a claim: `Ok((holds, what was measured))`, or `Err` for a malformed claim.
fn decide(c: &Claim, ran: &Ran) -> Result<(bool, String), String> {
    let kind = kind(c)?;
    let runs = &ran.session.runs;
    let get = |k: &str| -> Result<&RunState, String> {
        let i = int(c, k)?;
        runs.get(i)
            .ok_or_else(|| format!("'{k}': no run {i} (the scenario has {})", runs.len()))
    };
    let surface = &ran.session.surface;
    let dist = |p: Vec2, q: [f64; 2]| (p.x - q[0]).hypot(p.y - q[1]);
    Ok(match kind {
        "diverges" => {
            let want = c["diverges"]
                .as_bool()
                .ok_or("'diverges' must be true or false")?;
            let r = get("run")?;
            let d = r.trace.diverged_at;
            let by = match c.get("at") {
                Some(_) => {
                    let k = int(c, "at")? as u64;
                    d.is_some_and(|d| d <= k)
                }
                None => d.is_some(),
            };
            (by == want, format!("diverged_at = {d:?}"))
        }
        "loss_below" | "loss_above" => {
            let x = num(c, kind)?;
            let r = get("run")?;
            match at(r, c)? {
                At::Diverged(d) => (kind == "loss_above", format!("diverged at {d}")),
                At::Point(k) => {
                    let l = r.trace.loss[k];
                    let holds = if kind == "loss_below" { l < x } else { l > x };
                    (holds, format!("loss at {k} = {l:.6e}"))
                }
            }
        }
        "near" | "far_from" => {
            let q = pair(c, kind, Value::as_f64)?;
            let r = get("run")?;
            let radius = num(c, if kind == "near" { "within" } else { "beyond" })?;
            match at(r, c)? {
                At::Diverged(d) => (false, format!("diverged at {d}")),
                At::Point(k) => {
                    let p = r.trace.path[k];
                    let d = dist(p, q);
                    let holds = if kind == "near" {
                        d < radius
                    } else {
                        d > radius
                    };
                    (
                        holds,
                        format!("point {k} = ({:.6}, {:.6}), distance {d:.4e}", p.x, p.y),
                    )
                }
            }
        }
        "loss_below_run" => {
            let (a, b) = (get("run")?, get("loss_below_run")?);
            match (at(a, c)?, at(b, c)?) {
                (At::Diverged(d), _) => (false, format!("the run diverged at {d}")),
                (At::Point(k), At::Diverged(d)) => (
                    true,
                    format!(
                        "loss at {k} = {:.6e}; the other diverged at {d}",
                        a.trace.loss[k]
                    ),
                ),
                (At::Point(k), At::Point(m)) => {
                    let (x, y) = (a.trace.loss[k], b.trace.loss[m]);
                    (
                        x < y,
                        format!("loss {x:.6e} vs {y:.6e} (ratio {:.3e})", x / y),
                    )
                }
            }
        }
        "first" => {
            let (a, b) = (get("first")?, get("before")?);
            let x = num(c, "to_loss")?;
            let axis = c["axis"].as_str().unwrap_or("");
            if !AXES.contains(&axis) {
                return Err("'axis' must be steps, evals or epochs".into());
            }
            let ia = int(c, "first")?;
            let ib = int(c, "before")?;
            let reach = |r: &RunState, i: usize| -> Result<Option<f64>, String> {
                let Some(p) = r.trace.loss.iter().position(|&l| l <= x) else {
                    return Ok(None);
                };
                let g = r.evals_at[p].grad;
                Ok(Some(match axis {
                    "steps" => p as f64,
                    "evals" => g as f64,
                    _ => {
                        let n = ran.points.ok_or("the epochs axis needs a data set")?;
                        let b = ran.batch[i].unwrap_or(n).min(n);
                        epochs(g, b as u64, n as u64)
                    }
                }))
            };
            let (ra, rb) = (reach(a, ia)?, reach(b, ib)?);
            let holds = match (ra, rb) {
                (Some(p), Some(q)) => p < q,
                (Some(_), None) => true,
                _ => false,
            };
            (holds, format!("{axis} to loss ≤ {x:e}: {ra:?} vs {rb:?}"))
        }
        "zigzag" => {
            let r = get("run")?;
            let n = int(c, "over")?;
            let coord = match c["zigzag"].as_str() {
                Some("x") => |v: Vec2| v.x,
                Some("y") => |v: Vec2| v.y,
                _ => return Err("'zigzag' must be \"x\" or \"y\"".into()),
            };
            let p = &r.trace.path;
            if n < 2 || p.len() < n + 1 {
                return Ok((
                    false,
                    format!("needs {n} ≥ 2 steps, the run has {}", p.len() - 1),
                ));
            }
            let steps: Vec<f64> = (0..n).map(|k| coord(p[k + 1] - p[k])).collect();
            let flips = steps.windows(2).filter(|w| w[0] * w[1] < 0.0).count();
            let share = flips as f64 / (n - 1) as f64;
            (
                share >= 0.8,
                format!("sign flips in {flips} of {} pairs of steps", n - 1),
            )
        }
        "step_ratio" | "lr_ratio" => {
            let r = get("run")?;
            let [a, b] = pair(c, kind, |v| v.as_u64().map(|x| x as usize))?;
            let t = &r.trace;
            let ratio = if kind == "step_ratio" {
                if a + 1 >= t.path.len() || b + 1 >= t.path.len() {
                    return Ok((false, format!("the run has {} steps", t.path.len() - 1)));
                }
                (t.path[b + 1] - t.path[b]).norm() / (t.path[a + 1] - t.path[a]).norm()
            } else {
                if a >= t.lr.len() || b >= t.lr.len() {
                    return Ok((false, format!("the run has {} rates", t.lr.len())));
                }
                t.lr[b] / t.lr[a]
            };
            let mut holds = ratio.is_finite();
            if c.contains_key("below") {
                holds &= ratio < num(c, "below")?;
            }
            if c.contains_key("above") {
                holds &= ratio > num(c, "above")?;
            }
            (holds, format!("ratio {ratio:.6e}"))
        }
        "end" => {
            let want = c["end"].as_str().ok_or("'end' must be a label")?;
            let labels = ["minimum", "saddle", "maximum", "flat", "moving", "diverged"];
            if !labels.contains(&want) {
                return Err(format!("'end' must be one of {}", labels.join(", ")));
            }
            let r = get("run")?;
            let mut t = r.trace.clone();
            if let At::Point(k) = at(r, c)? {
                t.path.truncate(k + 1);
                t.loss.truncate(k + 1);
                t.lr.truncate(k);
                t.grad_norm.truncate(k);
                t.diverged_at = None;
            }
            let got = end_label(surface, &t).name();
            (got == want, format!("end label {got}"))
        }
        "stopped" => {
            let want = c["stopped"]
                .as_bool()
                .ok_or("'stopped' must be true or false")?;
            let t = &get("run")?.trace;
            let by = match c.get("at") {
                Some(_) => {
                    let k = int(c, "at")? as u64;
                    t.stopped_at.is_some_and(|s| s <= k)
                }
                None => t.stopped_at.is_some(),
            };
            (
                by == want,
                format!("stopped_at = {:?} ({:?})", t.stopped_at, t.stop_reason),
            )
        }
        "val_loss_below_run" => {
            let (a, b) = (get("run")?, get("val_loss_below_run")?);
            if a.trace.val_loss.is_empty() || b.trace.val_loss.is_empty() {
                return Err("no validation loss (the data set needs 'validation')".into());
            }
            match (at(a, c)?, at(b, c)?) {
                (At::Diverged(d), _) => (false, format!("the run diverged at {d}")),
                (At::Point(k), At::Diverged(d)) => (
                    true,
                    format!(
                        "validation loss at {k} = {:.6e}; the other diverged at {d}",
                        a.trace.val_loss[k]
                    ),
                ),
                (At::Point(k), At::Point(m)) => {
                    let (x, y) = (a.trace.val_loss[k], b.trace.val_loss[m]);
                    (
                        x < y,
                        format!("validation loss {x:.6e} vs {y:.6e} (ratio {:.3e})", x / y),
                    )
                }
            }
        }
        _ => unreachable!("every kind is decided"),
    })
}

#[test]
fn every_lesson_claim_holds() {
    let verbose = std::env::var_os("LESSONS_VERBOSE").is_some();
    let mut failures = Vec::new();
    let mut count = 0;
    for (id, scenes) in lessons(&index()) {
        for (si, s) in scenes.iter().enumerate() {
            let file = s.get("scenario").and_then(Value::as_str).unwrap_or("?");
            let here = format!("lesson '{id}' scene {si} ({file})");
            let ran = match scenario(file).and_then(|sc| run(&sc)) {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{here}: {e}"));
                    continue;
                }
            };
            let text = s.get("text").and_then(Value::as_str).unwrap_or("");
            let claims = s.get("claims").and_then(Value::as_array);
            for (ci, c) in claims.into_iter().flatten().enumerate() {
                count += 1;
                let says = c.get("says").and_then(Value::as_str).unwrap_or("");
                let here = format!("{here} claim {ci} (\"{says}\")");
                let Some(c) = c.as_object() else {
                    failures.push(format!("{here}: not an object"));
                    continue;
                };
                if !says.is_empty() && !text.contains(says) {
                    failures.push(format!("{here}: 'says' is not a sentence of the text"));
                }
                match decide(c, &ran) {
                    Ok((holds, what)) => {
                        if verbose {
                            let mark = if holds { "ok  " } else { "FAIL" };
                            println!("{mark} {id}/{si}/{ci} {}: {what}", Value::from(c.clone()));
                        }
                        if !holds {
                            failures.push(format!("{here}: does not hold: {what}"));
                        }
                    }
                    Err(e) => failures.push(format!("{here}: malformed: {e}")),
                }
            }
        }
    }
    assert!(count > 0, "no claims");
    assert!(
        failures.is_empty(),
        "{} of {count} claims fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
