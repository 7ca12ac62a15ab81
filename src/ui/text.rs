//! Fitting untrusted text into terminal cells.
//!
//! Every string that came from a server passes through [`sanitize`] before it reaches a cell, a
//! log line or any output: control characters become visible marks and bidirectional overrides are
//! dropped, so data can never move the cursor, change the title or reorder what is shown. Widths
//! are measured in terminal cells after sanitising, and text is cut only between grapheme
//! clusters, never inside one.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// How many spaces a tab becomes.
const TAB_WIDTH: usize = 4;

/// Makes a server string safe to show in one line of a cell.
///
/// ESC becomes `␛`, newline `⏎`, carriage return `␍`, tab spaces, other C0 and C1 controls and DEL
/// become `�`; bidi embedding, override and isolate controls are removed; zero-width joiners are
/// kept because emoji sequences need them.
pub fn sanitize(raw: &str) -> Cow<'_, str> {
    if !raw.chars().any(needs_replacing) {
        return Cow::Borrowed(raw);
    }

    let mut clean = String::with_capacity(raw.len() + 8);
    for ch in raw.chars() {
        match ch {
            '\u{1b}' => clean.push('␛'),
            '\n' => clean.push('⏎'),
            '\r' => clean.push('␍'),
            '\t' => clean.push_str(&" ".repeat(TAB_WIDTH)),
            '\u{2028}' | '\u{2029}' => clean.push('⏎'),
            c if is_invisible(c) => {}
            c if is_bidi_control(c) => {}
            c if c.is_control() => clean.push('\u{fffd}'),
            c => clean.push(c),
        }
    }
    Cow::Owned(clean)
}

fn needs_replacing(ch: char) -> bool {
    ch.is_control()
        || is_bidi_control(ch)
        || is_invisible(ch)
        || matches!(ch, '\u{2028}' | '\u{2029}')
}

/// Characters that take no cell and show nothing, which could hide text or split words unseen.
/// The zero-width joiner stays: emoji sequences need it.
fn is_invisible(ch: char) -> bool {
    matches!(
        ch,
        '\u{200b}' | '\u{200c}' | '\u{2060}' | '\u{feff}' | '\u{00ad}'
    )
}

fn is_bidi_control(ch: char) -> bool {
    matches!(ch, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// The number of terminal cells a sanitised string occupies.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// Cuts `text` to at most `max_cells` cells, ending with `…` when something was cut.
///
/// Cuts fall between grapheme clusters; a wide glyph that would straddle the limit is left out.
pub fn truncate(text: &str, max_cells: usize) -> Cow<'_, str> {
    if width(text) <= max_cells {
        return Cow::Borrowed(text);
    }
    if max_cells == 0 {
        return Cow::Borrowed("");
    }

    let budget = max_cells - 1;
    let mut used = 0;
    let mut cut = String::with_capacity(text.len().min(max_cells * 4));
    for grapheme in text.graphemes(true) {
        let cells = width(grapheme);
        if used + cells > budget {
            break;
        }
        used += cells;
        cut.push_str(grapheme);
    }
    cut.push('…');
    Cow::Owned(cut)
}

/// `text` without its first `cells` cells, marked with `…` when something was skipped. Whole
/// grapheme clusters are skipped.
pub fn skip_cells(text: &str, cells: usize) -> String {
    if cells == 0 {
        return text.to_string();
    }
    let mut skipped = 0;
    let mut rest = String::from("…");
    for grapheme in text.graphemes(true) {
        if skipped < cells {
            skipped += width(grapheme);
        } else {
            rest.push_str(grapheme);
        }
    }
    rest
}

/// Sanitises, truncates and pads `raw` to exactly `cells` cells, left-aligned.
pub fn fit(raw: &str, cells: usize) -> String {
    let clean = sanitize(raw);
    let cut = truncate(&clean, cells);
    let mut fitted = cut.into_owned();
    let pad = cells.saturating_sub(width(&fitted));
    fitted.extend(std::iter::repeat_n(' ', pad));
    fitted
}

/// Like [`fit`], but right-aligned (for numbers).
pub fn fit_right(raw: &str, cells: usize) -> String {
    let clean = sanitize(raw);
    let cut = truncate(&clean, cells);
    let pad = cells.saturating_sub(width(&cut));
    let mut fitted = String::with_capacity(pad + cut.len());
    fitted.extend(std::iter::repeat_n(' ', pad));
    fitted.push_str(&cut);
    fitted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_from_data_become_visible_marks() {
        let raw = "disk full\tcode=1\r\x1b[2J\x1b]0;owned\x07\x1b]52;c;ZWNobyBoaQ==\x07 see \u{202e}gnp.exe";
        let clean = sanitize(raw);
        assert!(!clean.contains('\x1b'));
        assert!(!clean.contains('\x07'));
        assert!(!clean.contains('\r'));
        assert!(!clean.contains('\u{202e}'));
        assert_eq!(
            clean,
            "disk full    code=1␍␛[2J␛]0;owned\u{fffd}␛]52;c;ZWNobyBoaQ==\u{fffd} see gnp.exe"
        );
    }

    #[test]
    fn newlines_are_shown_not_obeyed() {
        assert_eq!(
            sanitize("\x1b[31mFAKE RESOLVED\x1b[0m\nline2"),
            "␛[31mFAKE RESOLVED␛[0m⏎line2"
        );
    }

    #[test]
    fn invisible_characters_and_line_separators_are_dealt_with() {
        assert_eq!(sanitize("ab\u{200b}c\u{feff}d\u{ad}e"), "abcde");
        assert_eq!(sanitize("one\u{2028}two\u{2029}"), "one⏎two⏎");
        assert_eq!(sanitize("👩\u{200d}🔬"), "👩\u{200d}🔬");
    }

    #[test]
    fn clean_text_is_not_copied() {
        assert!(matches!(sanitize("plain text"), Cow::Borrowed(_)));
    }

    #[test]
    fn every_fitted_cell_has_the_exact_width_for_hostile_names() {
        let names = [
            "用户分析_mc23_EXAMPLE.deriv",
            "🦀 test_task_τ",
            "👩\u{200d}🔬👨\u{200d}👩\u{200d}👧 ZWJ test",
            "e\u{301}te\u{301}",
            &"x".repeat(300),
        ];
        for name in names {
            for cells in [0, 1, 2, 7, 8, 40, 41] {
                let fitted = fit(name, cells);
                assert_eq!(
                    width(&fitted),
                    cells,
                    "{name:?} in {cells} cells gave {fitted:?}"
                );
                let right = fit_right(name, cells);
                assert_eq!(
                    width(&right),
                    cells,
                    "{name:?} right in {cells} cells gave {right:?}"
                );
            }
        }
    }

    #[test]
    fn skipping_cells_keeps_graphemes_whole() {
        assert_eq!(skip_cells("abcdef", 0), "abcdef");
        assert_eq!(skip_cells("abcdef", 2), "…cdef");
        assert_eq!(skip_cells("用户分析", 1), "…户分析");
        assert_eq!(skip_cells("ab", 5), "…");
    }

    #[test]
    fn truncation_keeps_grapheme_clusters_whole() {
        assert_eq!(truncate("e\u{301}te\u{301}xyz", 3), "e\u{301}t…");
        assert_eq!(truncate("用户分析", 4), "用…");
        assert_eq!(truncate("用户分析", 5), "用户…");
        let zwj = "👩\u{200d}🔬abc";
        assert_eq!(truncate(zwj, 4), "👩\u{200d}🔬a…");
    }
}
