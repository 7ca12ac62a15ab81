//! Where a value sits in a TOML file, the nearest valid name for a misspelt one, and how
//! messages name a value's type.
//!
//! Shared by keymap and theme loading (`crate::ui::theme`), so that both report problems the
//! same way: `file:line:column`, the value found, and a "did you mean" when one is close.

use std::ops::Range;

/// Names closer than this (Jaro-Winkler, 0..1) are offered as "did you mean".
const SUGGESTION_THRESHOLD: f64 = 0.8;

/// A file's name for messages and its text, to turn byte offsets into positions.
pub(crate) struct SourceFile<'text> {
    pub(crate) label: String,
    pub(crate) text: &'text str,
}

impl SourceFile<'_> {
    /// `label:line:column` of the start of a span, 1-based, columns counted in characters.
    pub(crate) fn position(&self, span: &Range<usize>) -> String {
        let (line, column) = line_column(self.text, span.start);
        format!("{}:{line}:{column}", self.label)
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before
        .get(line_start..)
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

/// The candidate closest to `found`, if it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'candidate>(
    found: &str,
    candidates: impl IntoIterator<Item = &'candidate str>,
) -> Option<&'candidate str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(found, candidate), candidate))
        .filter(|(similarity, _)| *similarity >= SUGGESTION_THRESHOLD)
        .max_by(|left, right| left.0.total_cmp(&right.0))
        .map(|(_, candidate)| candidate)
}

/// "a string", "an integer", "an array", ... for messages about a value of the wrong type.
pub(crate) fn type_with_article(value: &toml::de::DeValue<'_>) -> String {
    let name = value.type_str();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let quote = text.find('"').unwrap_or_default();
        assert_eq!(line_column(text, quote), (2, 6));
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        let names = ["sort_next", "sort_prev", "quit"];
        assert_eq!(did_you_mean("sort_nxt", names), Some("sort_next"));
        assert_eq!(did_you_mean("mark_unknwn", names), None);
    }
}
