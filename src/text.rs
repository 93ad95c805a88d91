//! Text shown to people: messages made safe for a terminal (or any other display) to print.
//!
//! Error messages quote what the user gave (a field name, a surface name, an expression, a
//! label), and what the user gave may hold an escape sequence that clears the screen or
//! recolours it, a carriage return that overwrites the start of the line, a bell, or a Unicode
//! bidi control that reorders the line as displayed. [`escape_controls`] turns every such
//! character into a visible `\u{…}` before a message is printed.
//!
//! ```
//! use optimizer_playground::text::escape_controls;
//! assert_eq!(escape_controls("runs[0].\u{1b}[2Jx\r\u{7}"), r"runs[0].\u{1b}[2Jx\u{d}\u{7}");
//! assert_eq!(escape_controls("unknown surface 'Lévi'"), "unknown surface 'Lévi'");
//! ```

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a display as it is: the control characters (C0 U+0000–U+001F,
/// newline, carriage return and tab included; DEL U+007F; C1 U+0080–U+009F), the Unicode bidi
/// controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069: every character of the
/// `Bidi_Control` property, which can reorder a line as displayed) and the line and paragraph
/// separators U+2028 and U+2029 (which some displays break lines at).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `s` with every character of [`is_unsafe`] written as a Rust-style escape, `\u{1b}` (lower-case
/// hexadecimal, no leading zeros); everything else, backslashes included, unchanged. Borrows
/// when there is nothing to escape. The result is one line.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text only the command line and the catalog show (descriptions, meanings, update rules): the
/// page reads it from the catalog the build writes beside the wasm, so the wasm leaves it out
/// (it is `""` there) and stays small.
pub const fn doc(s: &'static str) -> &'static str {
    if cfg!(target_arch = "wasm32") {
        ""
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_is_escaped_and_nothing_else() {
        let cases = [
            (
                "\u{1b}[2J\u{1b}[31mred\rover\u{7}",
                r"\u{1b}[2J\u{1b}[31mred\u{d}over\u{7}",
            ),
            ("a\nb\tc\0d", r"a\u{a}b\u{9}c\u{0}d"),
            (
                "del\u{7f} c1\u{80}\u{9b}\u{9f}",
                r"del\u{7f} c1\u{80}\u{9b}\u{9f}",
            ),
            (
                "\u{202e}evil\u{202c} \u{2066}x\u{2069} \u{200e}\u{200f}\u{61c}",
                r"\u{202e}evil\u{202c} \u{2066}x\u{2069} \u{200e}\u{200f}\u{61c}",
            ),
            ("line\u{2028}para\u{2029}", r"line\u{2028}para\u{2029}"),
        ];
        for (raw, want) in cases {
            assert_eq!(escape_controls(raw), want);
        }
        // Printable text, non-ASCII letters, symbols and backslashes pass unchanged, borrowed.
        for ok in [
            "",
            "runs[0].optimizer.beta1: must be in [0, 1) (got 1.2)",
            "Lévi, Styblinski–Tang, θ₀ ≥ 0, ∇L, 日本語, emoji 🙂, \\u{1b} as text",
            "\u{a0}non-breaking\u{a1}\u{200d}",
        ] {
            assert!(matches!(escape_controls(ok), Cow::Borrowed(_)), "{ok:?}");
        }
        // No character the escaping leaves is unsafe, for every character of the planes that
        // hold controls.
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            let s = c.to_string();
            let e = escape_controls(&s);
            assert!(!e.chars().any(is_unsafe), "{c:?} -> {e:?}");
            assert_eq!(is_unsafe(c), e != s, "{c:?}");
        }
    }
}
