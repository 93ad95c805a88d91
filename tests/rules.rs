//! Every optimizer explains itself: a one-sentence summary and its update rule in plain Unicode
//! mathematics, written with the symbols of its own sliders, in the table (`OPTIMIZERS`), the
//! catalog the page reads and the command line's `optimizers`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may stop on failure

use optimizer_playground::optim::{OptInfo, Param, OPTIMIZERS};
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_optimizer-playground");

/// Runs the binary and returns its standard output (exit 0 required).
fn run(args: &[&str]) -> String {
    let o = Command::new(BIN)
        .args(args)
        .output()
        .expect("run the binary");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

// ---------------------------------------------------------------- symbols in a formula

/// A subscript (`₁`, `ₕ`, `ₜ`, `ᵢ`, …): part of the symbol it follows.
fn is_sub(c: char) -> bool {
    ('\u{2080}'..='\u{209C}').contains(&c) || ('\u{1D62}'..='\u{1D6A}').contains(&c)
}

/// A superscript (`ᵗ`, `ᵀ`, `⁻¹`, `²`, …): an exponent, not part of the symbol before it.
fn is_sup(c: char) -> bool {
    ('\u{2070}'..='\u{207F}').contains(&c)
        || matches!(c, '¹' | '²' | '³')
        || ('\u{1D2C}'..='\u{1D61}').contains(&c)
}

/// A letter that starts or continues a symbol or word.
fn is_letter(c: char) -> bool {
    c.is_alphabetic() && !is_sub(c) && !is_sup(c)
}

/// What decorates a symbol into another one: subscripts, combining marks (`m̂`, `H̃`), `∞`,
/// primes and `*` (`ρ∞`, `g′` and `η*` are not `ρ`, `g` and `η`).
fn is_decoration(c: char) -> bool {
    is_sub(c) || ('\u{0300}'..='\u{036F}').contains(&c) || matches!(c, '∞' | '′' | '*')
}

/// The symbols and words of a formula, each with the text that follows it: a run of letters
/// with its decorations. `β₁ᵗ` is `β₁` (to the power t), `ρₜ` is not `ρ`, `βₕ` is not `β`.
fn tokens(text: &str) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    let mut it = text.char_indices().peekable();
    while let Some((start, c)) = it.next() {
        if !is_letter(c) {
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, c)) = it.peek() {
            if !is_letter(c) {
                break;
            }
            end = i + c.len_utf8();
            it.next();
        }
        while let Some(&(i, c)) = it.peek() {
            if !is_decoration(c) {
                break;
            }
            end = i + c.len_utf8();
            it.next();
        }
        out.push((text[start..end].to_string(), &text[end..]));
    }
    out
}

fn has_symbol(rule: &str, symbol: &str) -> bool {
    tokens(rule).iter().any(|(t, _)| t == symbol)
}

/// Whether the rule itself defines `symbol` (`symbol = …` or `symbol ← …`).
fn defines(rule: &str, symbol: &str) -> bool {
    tokens(rule)
        .iter()
        .any(|(t, rest)| t == symbol && (rest.starts_with(" =") || rest.starts_with(" ←")))
}

/// The symbols a slider's label names: its words that are one character or not plain ASCII
/// (`η` of "learning rate η", `k` of "sync every k"; none in "memory").
fn label_symbols(label: &str) -> Vec<&str> {
    label
        .split_whitespace()
        .filter(|w| w.chars().count() == 1 || !w.is_ascii())
        .collect()
}

#[test]
fn the_symbol_reader_tells_decorated_symbols_apart() {
    let names = |s: &str| -> Vec<String> { tokens(s).into_iter().map(|(t, _)| t).collect() };
    assert_eq!(names("m̂ = m/(1 − β₁ᵗ)"), ["m̂", "m", "β₁"]);
    assert_eq!(
        names("ρₜ = ρ∞ − 2t·βₕ + η*·ηₖ/η"),
        ["ρₜ", "ρ∞", "t", "βₕ", "η*", "ηₖ", "η"]
    );
    assert_eq!(
        names("α ← α + gᵀg′ sign(c)"),
        ["α", "α", "g", "g′", "sign", "c"]
    );
    assert!(has_symbol("v ← β·v + η·g", "β"));
    assert!(!has_symbol("m ← β₁·m", "β"));
    assert!(!has_symbol("α ← α + βₕ·g", "β"));
    assert!(!has_symbol("ρ∞ = 2/(1 − β₂) − 1", "ρ"));
    assert!(defines("x\nρ = 1/(yᵀs)", "ρ"));
    assert!(!defines("B ← (I − ρ·s·yᵀ)", "ρ"));
    assert_eq!(label_symbols("learning rate η"), ["η"]);
    assert_eq!(label_symbols("sync every k"), ["k"]);
    assert!(label_symbols("memory").is_empty());
}

// ---------------------------------------------------------------- the table

#[test]
fn every_optimizer_has_a_rule_and_one_sentence() {
    for o in OPTIMIZERS {
        let s = o.summary;
        assert!(s.len() > 20, "{}: summary {s:?}", o.name);
        assert_eq!(s.trim(), s, "{}: summary has outer spaces", o.name);
        assert!(!s.contains('\n'), "{}: summary on several lines", o.name);
        assert!(
            s.starts_with(|c: char| c.is_uppercase()),
            "{}: {s:?}",
            o.name
        );
        // One sentence: it ends with a full stop and no sentence ends before.
        assert!(s.ends_with('.'), "{}: {s:?}", o.name);
        assert!(
            !s.contains(". ") && !s.contains("? ") && !s.contains("! "),
            "{}: more than one sentence: {s:?}",
            o.name
        );

        let r = o.rule;
        assert!(!r.trim().is_empty(), "{}: no rule", o.name);
        for line in r.split('\n') {
            assert!(!line.trim().is_empty(), "{}: empty line in {r:?}", o.name);
            assert_eq!(line.trim(), line, "{}: spaces around {line:?}", o.name);
            assert!(
                line.contains('←') || line.contains(" = "),
                "{}: a line that assigns nothing: {line:?}",
                o.name
            );
        }
        // Every rule says where the point goes.
        assert!(
            r.contains("θ ← "),
            "{}: the rule never moves θ: {r:?}",
            o.name
        );
    }
    let distinct: BTreeSet<&str> = OPTIMIZERS.iter().map(|o| o.rule).collect();
    assert_eq!(distinct.len(), OPTIMIZERS.len(), "two rules are the same");
    let distinct: BTreeSet<&str> = OPTIMIZERS.iter().map(|o| o.summary).collect();
    assert_eq!(
        distinct.len(),
        OPTIMIZERS.len(),
        "two summaries are the same"
    );
}

#[test]
fn rules_are_plain_unicode_not_latex() {
    for o in OPTIMIZERS {
        for bad in ['\\', '$', '^', '_', '{', '}', '\t', '\r'] {
            assert!(
                !o.rule.contains(bad),
                "{}: {bad:?} in the rule {:?}",
                o.name,
                o.rule
            );
        }
        for bad in ["sqrt", "beta", "eta", "theta", "nabla", "frac", "cdot"] {
            assert!(
                !tokens(o.rule).iter().any(|(t, _)| t == bad),
                "{}: {bad} spelled out in {:?}",
                o.name,
                o.rule
            );
        }
    }
}

#[test]
fn rules_use_the_symbols_of_their_sliders() {
    for o in OPTIMIZERS {
        assert!(!o.params.is_empty(), "{}", o.name);
        for p in o.params {
            assert!(
                has_symbol(o.rule, p.symbol),
                "{}: the rule lacks {} ({}): {:?}",
                o.name,
                p.symbol,
                p.name,
                o.rule
            );
            for s in label_symbols(p.label) {
                assert_eq!(
                    s, p.symbol,
                    "{}: the slider '{}' names another symbol than {}",
                    o.name, p.label, p.symbol
                );
            }
        }
    }
}

/// The symbols of every slider of every optimizer.
fn all_symbols() -> BTreeSet<&'static str> {
    OPTIMIZERS
        .iter()
        .flat_map(|o| o.params.iter().map(|p| p.symbol))
        .chain(Param::ALL.iter().map(|p| p.spec().symbol))
        .collect()
}

fn own_symbols(o: &OptInfo) -> BTreeSet<&'static str> {
    o.params.iter().map(|p| p.symbol).collect()
}

#[test]
fn rules_name_no_slider_they_do_not_have() {
    // A slider symbol of a parameter the optimizer does not take may appear only as a quantity
    // the rule itself defines (Adam's moment m, BFGS's ρ = 1/(yᵀs), the step α of a line
    // search, SGD-HD's learned rate α), never as a free symbol a reader would look for among
    // the sliders.
    let all = all_symbols();
    for o in OPTIMIZERS {
        let own = own_symbols(o);
        for s in all.difference(&own) {
            if has_symbol(o.rule, s) {
                assert!(
                    defines(o.rule, s),
                    "{}: the rule uses {s}, the symbol of a slider it does not have: {:?}",
                    o.name,
                    o.rule
                );
            }
        }
    }
    // And the check bites: the symbols that do clash are defined where they appear.
    let rule = |name: &str| OPTIMIZERS.iter().find(|o| o.name == name).unwrap().rule;
    for (name, s) in [("adam", "m"), ("bfgs", "ρ"), ("bfgs", "α"), ("sgd_hd", "α")] {
        assert!(
            has_symbol(rule(name), s) && defines(rule(name), s),
            "{name}: {s}"
        );
    }
    assert!(
        !has_symbol(rule("radam"), "ρ"),
        "RAdam's ρ∞ and ρₜ are not ρ"
    );
}

#[test]
fn rules_follow_the_implementation_where_it_differs_from_the_papers() {
    let rule = |name: &str| OPTIMIZERS.iter().find(|o| o.name == name).unwrap().rule;
    // The rate sits inside the velocity (docs/optimizers.md), not θ ← θ − η·v.
    assert!(rule("momentum").contains("v ← β·v + η·g\nθ ← θ − v"));
    assert!(rule("nesterov").starts_with("g = ∇L(θ − β·v)"));
    // Lion updates its momentum after the step, with β₂.
    assert!(rule("lion").ends_with("m ← β₂·m + (1 − β₂)·g"));
    // AdaDelta uses u from before this step, and updates it afterwards.
    let ad = rule("adadelta");
    assert!(ad.find("Δ = ").unwrap() < ad.find("u ← ").unwrap());
    // NAdam looks one step ahead in its correction of m.
    assert!(rule("nadam").contains("β₁ᵗ⁺¹"));
    // The learned rule: Adam's direction corrected by the network, scaled by η·exp(s).
    assert!(rule("learned").ends_with("d = m̂₂/(√v̂ + ε) + a·(h₊ − h₋)/2\ns = clamp(c·(h₊ + h₋)/2 + bₛ, −20, 2)\nθ ← θ − η·exp(s)·d"));
    // AdaBound's moments are not bias-corrected.
    assert!(!rule("adabound").contains("m̂") && !rule("adabound").contains("v̂"));
}

// ---------------------------------------------------------------- where they are shown

#[test]
fn optimizers_command_prints_title_sentence_and_rule() {
    let out = run(&["optimizers"]);
    for o in OPTIMIZERS {
        let mut block = format!(
            "{} — {}: {}\n  {}\n",
            o.name, o.title, o.description, o.summary
        );
        for line in o.rule.split('\n') {
            block += &format!("    {line}\n");
        }
        let at = out
            .find(&block)
            .unwrap_or_else(|| panic!("{}: no block\n{block}\nin\n{out}", o.name));
        // Today's table of hyper-parameters follows, as before.
        let rest = &out[at + block.len()..];
        let first = o.params[0];
        assert!(
            rest.starts_with(&format!("  {} ({})", first.name, first.symbol))
                || rest.starts_with(&format!("  {} ", first.name)),
            "{}: no hyper-parameters after the rule: {:?}",
            o.name,
            &rest[..rest.len().min(80)]
        );
    }
    assert!(out.contains("t the step number"), "no legend");
}

#[test]
fn json_and_catalog_carry_rule_and_summary() {
    let listed: Value = serde_json::from_str(&run(&["optimizers", "--json"])).unwrap();
    let catalog: Value = serde_json::from_str(&run(&["catalog"])).unwrap();
    for list in [&listed, &catalog["optimizers"]] {
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), OPTIMIZERS.len());
        for (v, o) in list.iter().zip(OPTIMIZERS) {
            assert_eq!(v["name"], o.name);
            assert_eq!(v["rule"], o.rule, "{}", o.name);
            assert_eq!(v["summary"], o.summary, "{}", o.name);
            assert_eq!(v["description"], o.description, "{}", o.name);
        }
    }
}
