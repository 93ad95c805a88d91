//! Reading SVG figures back: attributes, texts and tick labels.

use roxmltree::Node;

/// An attribute's value, or "".
pub fn attr<'a>(n: Node<'a, '_>, name: &str) -> &'a str {
    n.attribute(name).unwrap_or("")
}

/// The text of a `<text>` element, trimmed.
pub fn text_of(n: Node) -> String {
    n.descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect::<String>()
        .trim()
        .to_string()
}

/// A label as a number (the figures print a Unicode minus and may group digits with commas).
pub fn number(s: &str) -> Option<f64> {
    s.trim().replace('−', "-").replace(',', "").parse().ok()
}
