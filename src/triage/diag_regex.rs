//! `ERROR_DIAG` regular expressions for error groups, and a check of what they match.
//!
//! PanDA's `ERROR_CLASSIFICATION` and `RETRYERRORS` rules carry a diagnostic regex, at most 256
//! bytes (`VARCHAR2(256)`), applied with Python's `re.match(regex, diag, re.DOTALL)`: anchored at
//! the start, free to stop before the end. This module turns a pattern of [`super::normalize`]
//! into such a regex: literal text is escaped, a space accepts any run of whitespace, leading and
//! trailing whitespace is allowed (the normaliser trims it), and each mask becomes a class that
//! accepts what the normaliser's rule for that mask accepts. A regex that keeps the end of the
//! pattern ends in `\s*$`, so a diagnostic that goes on after the pattern does not match; Python's
//! `$` also matching before a final newline makes no difference after `\s*`.
//!
//! The regexes use only syntax that Python `re` and the Rust `regex` crate read alike: no
//! lookaround, no backreferences, no possessive quantifiers, no inline flags (`.*` relies on the
//! `DOTALL` PanDA applies), and escapes of ASCII punctuation only where the character is special.
//! `<` and `>` are never escaped (`\<` is a word boundary in Rust), nor `#`, `-`, `/` or quotes.
//! Characters that cannot be seen or would break a line are written `\uXXXX` or `\UXXXXXXXX`,
//! which both engines read, so a regex is always safe to print.
//!
//! When the exact regex is longer than 256 bytes it is shortened deterministically: first the mask
//! classes are loosened one kind at a time, numbers and times first, storage elements and queues
//! last (`<N>` becomes `[-+]?\d[\d.eE+-]*`, `<NAME>` becomes `[\w.:-]+`); if that is not enough,
//! the middle of the pattern is dropped for `.*`, keeping the longest prefix that fits and usually
//! a suffix of up to 64 bytes, so that a diagnostic cut short (the pilot cuts at 256 characters)
//! is still told apart. Given the diagnostics of the group and of its siblings (same source and
//! code, another pattern), [`diag_regex_for`] picks the first of these candidates that matches
//! every member and no sibling.
//!
//! Limitation: a few corners of the normaliser cannot be written without lookaround, so even an
//! exact regex accepts slightly more than its group: `<NAME>` also accepts host-shaped names,
//! `<USER>` also accepts the words the normaliser keeps (`killed by pilot`), a `<N>` next to
//! literal digits or dots may split a number the normaliser would have kept whole, and Python's
//! `\s` also accepts the separators U+001C to U+001F. Python and Rust may disagree on `\w` for
//! combining marks of non-Latin scripts, which only the loose classes and `<USER>` use. A path
//! holding a time or a URL is not accepted by the exact `<PATH>` class, and text that itself reads
//! `<N>` is taken for the mask; [`diag_regex_for`] falls back to a looser candidate when its
//! members show it. [`check_group`] measures what a regex really does on real diagnostics.

use regex::Regex;

/// The size of `ERROR_CLASSIFICATION.ERROR_DIAG`; Oracle counts bytes, so this module does too.
pub const MAX_REGEX_BYTES: usize = 256;

/// Bytes of a shortened regex given to its tail when nothing says how to split.
const DEFAULT_SUFFIX_BYTES: usize = 64;

/// How many diagnostics of each sibling group [`diag_regex_for`] callers are advised to pass; more
/// only costs time.
pub const SIBLING_EXAMPLES: usize = 4;

/// A regex for one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagRegex {
    pub regex: String,
    /// The whole pattern with the exact mask classes: nothing was loosened or dropped to fit.
    pub exact: bool,
}

/// What a regex matched among a group's diagnostics and its siblings'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coverage {
    pub matched_members: usize,
    pub total_members: usize,
    pub matched_siblings: usize,
}

impl Coverage {
    /// Every member matched and no sibling.
    pub fn is_clean(&self) -> bool {
        self.matched_members == self.total_members && self.matched_siblings == 0
    }
}

/// A regex that the Rust `regex` crate refuses.
#[derive(Debug, thiserror::Error)]
#[error("ERROR_DIAG regex \"{regex}\" does not compile: {source}")]
pub struct BadRegex {
    pub regex: String,
    #[source]
    pub source: regex::Error,
}

/// The masks of the normaliser, in the words they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mask {
    Url,
    Guid,
    Time,
    Path,
    Ip,
    Rse,
    Queue,
    Name,
    Host,
    User,
    Hex,
    Number,
}

const MASKS: [(&str, Mask); 12] = [
    ("<URL>", Mask::Url),
    ("<GUID>", Mask::Guid),
    ("<TIME>", Mask::Time),
    ("<PATH>", Mask::Path),
    ("<IP>", Mask::Ip),
    ("<RSE>", Mask::Rse),
    ("<QUEUE>", Mask::Queue),
    ("<NAME>", Mask::Name),
    ("<HOST>", Mask::Host),
    ("<USER>", Mask::User),
    ("<HEX>", Mask::Hex),
    ("<N>", Mask::Number),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Literal(char),
    Space,
    Mask(Mask),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Classes {
    /// Each mask accepts what its normaliser rule accepts.
    Exact,
    /// Shorter classes that accept at least as much.
    Loose,
}

/// The order in which mask classes are loosened when a regex is too long: numbers and times tell
/// least about what went wrong, storage elements and queues most (they are what a diagnostic with
/// a literal site name differs by).
const LOOSENING_ORDER: [Mask; 12] = [
    Mask::Number,
    Mask::Time,
    Mask::Guid,
    Mask::Ip,
    Mask::Hex,
    Mask::User,
    Mask::Url,
    Mask::Path,
    Mask::Host,
    Mask::Name,
    Mask::Rse,
    Mask::Queue,
];

/// The regex for a pattern, with nothing known about its group: the first candidate (see
/// [`diag_regex_for`]) that fits in 256 bytes.
pub fn diag_regex(pattern: &str) -> DiagRegex {
    let fragments = Fragments::new(pattern);
    fragments
        .candidates()
        .into_iter()
        .find(|(regex, _)| regex.len() <= MAX_REGEX_BYTES)
        .map_or_else(
            || DiagRegex {
                regex: r"\s*.*".to_string(),
                exact: false,
            },
            |(regex, exact)| DiagRegex { regex, exact },
        )
}

/// The regex for a group, checked on its diagnostics: the first candidate that fits in 256 bytes,
/// matches every member and no sibling; when none does, the answer of [`diag_regex`].
///
/// The candidates, in order: the whole pattern with exact classes, then with ever more classes
/// loosened (in [`LOOSENING_ORDER`]); then the middle dropped for `.*` with exact classes, the
/// default split (a suffix of at most 64 bytes) first, then the longest prefix alone, then ever
/// longer suffixes; then the same with loose classes. `siblings` are diagnostics of the groups with
/// the same source and code; a few of each group (see [`SIBLING_EXAMPLES`]) are enough.
pub fn diag_regex_for(pattern: &str, members: &[&str], siblings: &[&str]) -> DiagRegex {
    let fragments = Fragments::new(pattern);
    let is_clean = |regex: &str| {
        check_group(regex, members, siblings).is_ok_and(|coverage| coverage.is_clean())
    };
    fragments
        .candidates()
        .into_iter()
        .filter(|(regex, _)| regex.len() <= MAX_REGEX_BYTES)
        .find(|(regex, _)| is_clean(regex))
        .map_or_else(
            || diag_regex(pattern),
            |(regex, exact)| DiagRegex { regex, exact },
        )
}

/// How a group is shown: the pattern itself, masks written `<N>`, `<PATH>` and so on as everywhere
/// in the console, made safe for one line (no tab, newline or escape character).
pub fn template(pattern: &str) -> String {
    crate::ui::text::sanitize(pattern).into_owned()
}

/// A matcher with `re.match(regex, diag, re.DOTALL)` semantics: anchored at the start only.
pub fn matcher(regex: &str) -> Result<Regex, BadRegex> {
    Regex::new(&format!("(?s)^(?:{regex})")).map_err(|source| BadRegex {
        regex: regex.to_string(),
        source,
    })
}

/// Syntax the Rust `regex` crate reads but Python's `re` refuses or reads otherwise: PanDA applies
/// `ERROR_DIAG` with Python, and a rule Python cannot compile never fires (the retry module
/// catches the error and moves on, without a word). `None` when nothing such was found.
///
/// Refused: `\p{..}`/`\P{..}` classes, `\z`, `\x{..}` and `\u{..}` escapes, `(?<name>..)` (Python
/// wants `(?P<name>..)`), inline flags anywhere but at the very start, flags Python lacks (`U`,
/// `R`) or turned off (`(?-i)`), and inside a class: nested classes, POSIX classes and the set
/// operators `&&`, `--`, `~~`.
pub fn python_incompatibility(regex: &str) -> Option<String> {
    let chars: Vec<char> = regex.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let next = chars.get(i + 1).copied();
                match next {
                    Some('p' | 'P') => {
                        return Some(format!(
                            "\\{} classes are Rust-only; Python's re refuses them",
                            next.unwrap_or('p')
                        ));
                    }
                    Some('z') => {
                        return Some(
                            "\\z is Rust-only (Python writes \\Z, which Rust lacks); end with $, \
                             which both read"
                                .to_string(),
                        );
                    }
                    Some('<' | '>') => {
                        return Some(format!(
                            "\\{} is a word boundary in Rust but a plain character in Python",
                            next.unwrap_or('<')
                        ));
                    }
                    Some('b' | 'B') if chars.get(i + 2) == Some(&'{') => {
                        return Some(
                            "\\b{..} boundaries are Rust-only; Python reads the braces as text"
                                .to_string(),
                        );
                    }
                    Some('x' | 'u') if chars.get(i + 2) == Some(&'{') => {
                        return Some(format!(
                            "\\{}{{..}} is Rust-only; Python writes \\xHH, \\uHHHH or \\UHHHHHHHH",
                            next.unwrap_or('x')
                        ));
                    }
                    _ => {}
                }
                i += 2;
                continue;
            }
            '[' if in_class => {
                if chars.get(i + 1) == Some(&':') {
                    return Some(
                        "POSIX classes like [[:alpha:]] are Rust-only; Python reads them as a set \
                         of characters"
                            .to_string(),
                    );
                }
                return Some(
                    "a [ inside a class is a nested class in Rust but a plain character in Python; \
                     write \\["
                        .to_string(),
                );
            }
            '[' => {
                in_class = true;
                class_start = i;
                // A ] or ^] right after the opening bracket is a literal in both.
                if chars.get(i + 1) == Some(&'^') {
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    i += 1;
                }
            }
            ']' if in_class => in_class = false,
            // A repeat of a repeat: Python refuses `a**`, `a+*`, `a{1}{1}` ("multiple repeat");
            // `*?` (lazy) and `*+` (possessive) are fine in both.
            '*' | '+' | '?' | '}' if !in_class && repeats_again(&chars, i) => {
                return Some(
                    "a repeat of a repeat (such as a** or a{1}{2}) is refused by Python"
                        .to_string(),
                );
            }
            // `{1, 2}` with a space is a repeat in Rust but text in Python.
            '{' if !in_class && spaced_repeat(&chars, i) => {
                return Some(
                    "a repeat with spaces, such as {1, 2}, is text in Python; write {1,2}"
                        .to_string(),
                );
            }
            '&' | '-' | '~' if in_class && chars.get(i + 1) == Some(&c) && i > class_start + 1 => {
                return Some(format!(
                    "{c}{c} inside a class is a set operation in Rust but plain characters in \
                     Python"
                ));
            }
            '(' if !in_class && chars.get(i + 1) == Some(&'?') => {
                let rest: String = chars[i + 2..].iter().take(2).collect();
                if rest.starts_with('<') && !rest.starts_with("<=") && !rest.starts_with("<!") {
                    return Some(
                        "(?<name>...) needs Python 3.12; PanDA's Python reads (?P<name>...)"
                            .to_string(),
                    );
                }
                // Flags: `(?flags)` or `(?flags:...)`.
                let flags: String = chars[i + 2..]
                    .iter()
                    .take_while(|ch| ch.is_ascii_alphabetic() || **ch == '-')
                    .collect();
                let after = chars.get(i + 2 + flags.chars().count()).copied();
                if !flags.is_empty() && matches!(after, Some(')' | ':')) {
                    if let Some(bad) = flags.chars().find(|f| !"aiLmsux-".contains(*f)) {
                        return Some(format!("the flag {bad} is Rust-only"));
                    }
                    if let Some((_, off)) = flags.split_once('-')
                        && let Some(bad) = off.chars().find(|f| "auL".contains(*f))
                    {
                        return Some(format!("Python cannot turn the flag {bad} off"));
                    }
                    if after == Some(')') && flags.contains('-') {
                        return Some("turning flags off, as in (?-i), is Rust-only".to_string());
                    }
                    if after == Some(')') && i != 0 {
                        return Some(
                            "inline flags such as (?i) must open the regex in Python; put them \
                             first or scope them as (?i:...)"
                                .to_string(),
                        );
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether the quantifier ending at `i` (`*`, `+`, `?` or the `}` of `{m,n}`) is followed by
/// another quantifier that Python calls a multiple repeat.
fn repeats_again(chars: &[char], i: usize) -> bool {
    let c = chars[i];
    if c == '}' {
        // Only the end of a counted repeat `{m}`, `{m,}`, `{m,n}`.
        let open = chars[..i].iter().rposition(|ch| *ch == '{');
        let counted = open.is_some_and(|open| {
            open + 1 < i
                && chars[open + 1..i]
                    .iter()
                    .all(|ch| ch.is_ascii_digit() || *ch == ',')
        });
        if !counted {
            return false;
        }
    } else if i == 0 || chars[i - 1] == '\\' || (c == '?' && chars[i - 1] == '(') {
        return false;
    }
    // `*?`, `*+` are lazy and possessive; what follows them is checked on its own.
    match chars.get(i + 1) {
        Some('*') => true,
        Some('{') => counted_at(chars, i + 1),
        _ => false,
    }
}

/// Whether a counted repeat `{m}`, `{m,}` or `{m,n}` starts at `i`.
fn counted_at(chars: &[char], i: usize) -> bool {
    let Some(close) = chars[i..].iter().position(|ch| *ch == '}') else {
        return false;
    };
    let inside = &chars[i + 1..i + close];
    !inside.is_empty()
        && inside[0].is_ascii_digit()
        && inside.iter().all(|ch| ch.is_ascii_digit() || *ch == ',')
}

/// Whether `{` at `i` opens digits, commas and spaces with at least one space: `{1, 2}`.
fn spaced_repeat(chars: &[char], i: usize) -> bool {
    let Some(close) = chars[i..].iter().position(|ch| *ch == '}') else {
        return false;
    };
    let inside = &chars[i + 1..i + close];
    inside.contains(&' ')
        && inside.iter().any(char::is_ascii_digit)
        && inside
            .iter()
            .all(|ch| ch.is_ascii_digit() || *ch == ',' || *ch == ' ')
}

/// What `regex` matches, with `re.match` semantics, among a group's diagnostics and its siblings'.
pub fn check_group(regex: &str, members: &[&str], siblings: &[&str]) -> Result<Coverage, BadRegex> {
    let matcher = matcher(regex)?;
    Ok(Coverage {
        matched_members: members.iter().filter(|diag| matcher.is_match(diag)).count(),
        total_members: members.len(),
        matched_siblings: siblings
            .iter()
            .filter(|diag| matcher.is_match(diag))
            .count(),
    })
}

/// A pattern as regex fragments, one per token, exact and loose.
struct Fragments {
    exact: Vec<String>,
    loose: Vec<String>,
    /// For each token, its mask's place in [`LOOSENING_ORDER`].
    ranks: Vec<Option<usize>>,
    /// Indexes where a shortened regex may resume: after a space, or at a mask.
    resume_points: Vec<usize>,
}

impl Fragments {
    fn new(pattern: &str) -> Fragments {
        let tokens = tokenize(pattern);
        let resume_points = (1..tokens.len())
            .filter(|&index| {
                tokens[index - 1] == Token::Space || matches!(tokens[index], Token::Mask(_))
            })
            .collect();
        let rank = |token: &Token| match token {
            Token::Mask(mask) => LOOSENING_ORDER.iter().position(|m| m == mask),
            Token::Literal(_) | Token::Space => None,
        };
        Fragments {
            exact: (0..tokens.len())
                .map(|i| fragment(&tokens, i, Classes::Exact))
                .collect(),
            loose: (0..tokens.len())
                .map(|i| fragment(&tokens, i, Classes::Loose))
                .collect(),
            ranks: tokens.iter().map(rank).collect(),
            resume_points,
        }
    }

    /// The fragments with the first `looseness` masks of [`LOOSENING_ORDER`] loosened.
    fn at(&self, looseness: usize) -> Vec<&str> {
        (0..self.exact.len())
            .map(|i| match self.ranks[i] {
                Some(rank) if rank < looseness => self.loose[i].as_str(),
                _ => self.exact[i].as_str(),
            })
            .collect()
    }

    /// Every regex worth trying, best first, each once, with whether it is exact.
    fn candidates(&self) -> Vec<(String, bool)> {
        let exact = self.at(0);
        let loosest = self.at(LOOSENING_ORDER.len());
        let mut ordered = Vec::new();
        for looseness in 0..=LOOSENING_ORDER.len() {
            ordered.push(whole(&self.at(looseness)));
        }
        for fragments in [&exact, &loosest] {
            ordered.push(self.default_elision(fragments));
            ordered.extend(self.elisions(fragments));
        }

        let exact_regex = whole(&exact);
        let mut seen = std::collections::BTreeSet::new();
        ordered
            .into_iter()
            .filter(|regex| seen.insert(regex.clone()))
            .map(|regex| {
                let is_exact = regex == exact_regex;
                (regex, is_exact)
            })
            .collect()
    }

    /// A suffix of at most [`DEFAULT_SUFFIX_BYTES`] from a resume point, the rest for the prefix.
    fn default_elision(&self, fragments: &[&str]) -> String {
        let suffix_bytes = |from: usize| fragments[from..].iter().map(|f| f.len()).sum::<usize>();
        let resume_at = self
            .resume_points
            .iter()
            .copied()
            .find(|&from| suffix_bytes(from) <= DEFAULT_SUFFIX_BYTES)
            .unwrap_or(fragments.len());
        elided(fragments, longest_prefix(fragments, resume_at), resume_at)
    }

    /// Every shortening worth trying: the longest prefix alone first, then ever longer suffixes.
    fn elisions(&self, fragments: &[&str]) -> Vec<String> {
        let mut starts = vec![fragments.len()];
        starts.extend(self.resume_points.iter().rev().copied());
        starts
            .into_iter()
            .map(|resume_at| elided(fragments, longest_prefix(fragments, resume_at), resume_at))
            .collect()
    }
}

fn whole(fragments: &[&str]) -> String {
    if fragments.is_empty() {
        return r"\s*$".to_string();
    }
    format!(r"\s*{}\s*$", fragments.concat())
}

/// `prefix.*suffix`: the fragments before `keep_until`, any text, the fragments from `resume_at`.
fn elided(fragments: &[&str], keep_until: usize, resume_at: usize) -> String {
    let prefix = fragments[..keep_until.min(resume_at)].concat();
    if resume_at >= fragments.len() {
        format!(r"\s*{prefix}.*")
    } else {
        let suffix = fragments[resume_at..].concat();
        format!(r"\s*{prefix}.*{suffix}\s*$")
    }
}

/// How many fragments fit in front of the suffix starting at `resume_at` (perhaps none, and the
/// suffix alone may be too long: callers check the length).
fn longest_prefix(fragments: &[&str], resume_at: usize) -> usize {
    let mut used = elided(fragments, 0, resume_at).len();
    let mut keep_until = 0;
    for fragment in &fragments[..resume_at] {
        if used + fragment.len() > MAX_REGEX_BYTES {
            break;
        }
        used += fragment.len();
        keep_until += 1;
    }
    keep_until
}

fn tokenize(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = pattern.trim();
    while let Some(ch) = rest.chars().next() {
        if let Some((text, mask)) = MASKS.iter().find(|(text, _)| rest.starts_with(text)) {
            tokens.push(Token::Mask(*mask));
            rest = &rest[text.len()..];
            continue;
        }
        if ch.is_whitespace() {
            if tokens.last() != Some(&Token::Space) {
                tokens.push(Token::Space);
            }
        } else {
            tokens.push(Token::Literal(ch));
        }
        rest = &rest[ch.len_utf8()..];
    }
    tokens
}

/// The regex for one token, which for a few tokens depends on its neighbours.
fn fragment(tokens: &[Token], index: usize, classes: Classes) -> String {
    match tokens[index] {
        Token::Literal(ch) => escape(ch),
        Token::Space if in_killed_by_user(tokens, index) => " ".to_string(),
        Token::Space => r"\s+".to_string(),
        Token::Mask(Mask::Number) => {
            let sign = if index > 0 && sign_required(tokens[index - 1]) {
                "[-+]"
            } else {
                "[-+]?"
            };
            format!("{sign}{}", mask_class(Mask::Number, classes))
        }
        Token::Mask(mask) => mask_class(mask, classes).to_string(),
    }
}

/// A number right after a word character is only masked when it has a sign (`x-1`): the
/// normaliser's `\b` keeps `x1` as it is.
fn sign_required(before: Token) -> bool {
    match before {
        Token::Literal(ch) => ch.is_alphanumeric() || ch == '_',
        Token::Mask(mask) => !matches!(mask, Mask::Url | Mask::Path | Mask::Name),
        Token::Space => false,
    }
}

/// The normaliser masks `<USER>` only in `killed by alice` with single spaces, at the very end.
fn in_killed_by_user(tokens: &[Token], index: usize) -> bool {
    let by = [Token::Literal('b'), Token::Literal('y')];
    let ends_with_user = tokens.last() == Some(&Token::Mask(Mask::User));
    let before_user = index >= 2 && index + 2 == tokens.len() && tokens[index - 2..index] == by;
    let before_by = index + 5 == tokens.len() && tokens[index + 1..index + 3] == by;
    ends_with_user && (before_user || before_by)
}

fn mask_class(mask: Mask, classes: Classes) -> &'static str {
    match (mask, classes) {
        (Mask::Url, Classes::Exact) => r#"[A-Za-z][A-Za-z0-9+.-]*://[^\s'",;()\[\]]+"#,
        (Mask::Url, Classes::Loose) => r"\S+://\S+",
        (Mask::Guid, Classes::Exact) => r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}",
        (Mask::Guid, Classes::Loose) => r"[\w-]{36}",
        (Mask::Time, Classes::Exact) => {
            r"(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?|\d\d?:\d\d:\d\d(?:\.\d+)?)"
        }
        (Mask::Time, Classes::Loose) => r"\d[\d:.TZ+ -]*",
        (Mask::Path, Classes::Exact) => r#"/[^\s'",;:()\[\]]+"#,
        (Mask::Path, Classes::Loose) => r"/\S+",
        (Mask::Ip, Classes::Exact) => r"\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?",
        (Mask::Ip, Classes::Loose) => r"[\d.:]+",
        (Mask::Rse, Classes::Exact) => r"[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*_[A-Z]*(?:DISK|TAPE)",
        (Mask::Queue, Classes::Exact) => {
            r"[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*_(?:UCORE|MCORE|SCORE|HIMEM|GPU|ANALY[A-Z0-9_]*)"
        }
        (Mask::Rse | Mask::Queue, Classes::Loose) => r"[\w-]+",
        (Mask::Name, Classes::Exact) => {
            r"(?:[A-Za-z0-9_.-]+:)?[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+){2,}"
        }
        (Mask::Name, Classes::Loose) => r"[\w.:-]+",
        (Mask::Host, Classes::Exact) => r"[a-z0-9-]+(?:\.[a-z0-9-]+)+\.[a-z]{2,}",
        (Mask::Host, Classes::Loose) => r"[\w.-]+",
        (Mask::User, _) => r"\w+",
        // Twelve or more hex digits, or fewer with a letter among them (a checksum), as the
        // normaliser masks them; a run of digits alone is a number there. (Hex words without a
        // digit, which the normaliser keeps, are accepted too: the exact class stays short.)
        (Mask::Hex, Classes::Exact) => {
            r"(?:[0-9a-fA-F]{12,}|0x[0-9a-fA-F]+|\d*[a-fA-F][0-9a-fA-F]*)"
        }
        (Mask::Hex, Classes::Loose) => r"\w+",
        // The sign is added by `fragment`, which knows what comes before.
        (Mask::Number, Classes::Exact) => r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?",
        (Mask::Number, Classes::Loose) => r"\d[\d.eE+-]*",
    }
}

/// One literal character as both engines read it.
fn escape(ch: char) -> String {
    const SPECIAL: &str = r"\.+*?()|[]{}^$";
    if SPECIAL.contains(ch) {
        format!("\\{ch}")
    } else if is_unseen(ch) {
        let code = u32::from(ch);
        if code <= 0xffff {
            format!("\\u{code:04x}")
        } else {
            format!("\\U{code:08x}")
        }
    } else {
        ch.to_string()
    }
}

/// Characters that must not appear raw in a regex stored, shown and pasted as text: controls,
/// whitespace other than the space, and format characters that show nothing.
fn is_unseen(ch: char) -> bool {
    ch.is_control() || (ch.is_whitespace() && ch != ' ') || shows_nothing(ch)
}

/// Format characters that take no cell: soft hyphen, zero-width and bidi marks and controls,
/// invisible operators, the byte-order mark, annotation characters and tags.
pub fn shows_nothing(ch: char) -> bool {
    matches!(
        ch,
        '\u{00ad}'
            | '\u{061c}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
    )
}

#[cfg(test)]
mod python_tests {
    use super::python_incompatibility;

    #[test]
    fn syntax_python_refuses_or_reads_otherwise_is_named() {
        for (regex, says) in [
            (r"\pL+ job killed", "Rust-only"),
            (r"job killed(?i) BY.*", "must open the regex"),
            (r"a\z", "\\Z"),
            (r"(?<n>abc)", "(?P<name>"),
            (r"[[:alpha:]]+", "POSIX"),
            (r"[a[bc]]", "nested"),
            (r"[a-z&&[^x]]", "set operation"),
            (r"[a&&b]", "set operation"),
            (r"\x{41}", "Rust-only"),
            (r"(?U)a+", "flag U"),
            (r"(?-i)a", "turning flags off"),
            (r"(?-u:F)ailed", "cannot turn the flag u off"),
            (r"Failed.**", "repeat of a repeat"),
            (r"Failed+* to", "repeat of a repeat"),
            (r"F{1}{1}ailed", "repeat of a repeat"),
            (r"Failed{1, 2}", "with spaces"),
            (r"\<Failed\>", "word boundary"),
            (r"\b{start}Failed", "boundaries"),
        ] {
            let found = python_incompatibility(regex);
            assert!(
                found.as_deref().is_some_and(|text| text.contains(says)),
                "{regex}: {found:?}"
            );
        }
    }

    #[test]
    fn syntax_both_read_alike_passes() {
        for regex in [
            r"(?i)job killed BY.*",
            r"(?i:killed) by \S+",
            r"(?P<site>\w+) is down",
            r"[]a-]+ and [^]x]",
            r"[\[\]]+",
            r"a-b--c && d",
            r"\s*Failed\s+to\s+stage-in\s+file:/[^\s'\x22,;:()\[\]]+\s+timed\s+out",
            r"(?=x)",
            r"\u00e9\x41\Z",
            r"(?s).*",
            r"a*?b+?c??",
            r"(?i:a)(?-i:b)",
            r"x{2,3}y{2}z{1,}",
            r"(?:ab)*c",
            r"\*\+",
            r"\bword\b",
        ] {
            assert_eq!(python_incompatibility(regex), None, "{regex}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::normalize;

    fn matches(regex: &str, diag: &str) -> bool {
        matcher(regex).map(|m| m.is_match(diag)).unwrap_or(false)
    }

    #[test]
    fn special_characters_are_escaped_and_others_are_not() {
        assert_eq!(escape('.'), r"\.");
        for ch in [
            '(', ')', '[', ']', '?', '*', '+', '|', '{', '}', '\\', '^', '$',
        ] {
            assert_eq!(escape(ch), format!("\\{ch}"));
        }
        for ch in [
            '#', '-', '/', '\'', '"', '<', '>', ':', '=', '_', 'a', '7', 'é', '→', '😀',
        ] {
            assert_eq!(escape(ch), ch.to_string());
        }
        assert_eq!(escape('\u{1b}'), r"\u001b");
        assert_eq!(escape('\u{200b}'), r"\u200b");
        assert_eq!(escape('\u{e0001}'), r"\U000e0001");
    }

    #[test]
    fn literal_text_matches_itself_only() {
        let pattern = r#"a.b (c) [d] e? f* g+ h|i {j} \k ^l $m #n -o /p 'q' "r" é→ 😀"#;
        let regex = diag_regex(pattern).regex;
        assert!(matches(&regex, pattern));
        assert!(matches(
            &regex,
            &format!("  {}\n", pattern.replace(' ', "\t "))
        ));
        assert!(!matches(&regex, &pattern.replace("a.b", "axb")));
        assert!(!matches(&regex, &format!("{pattern} and more")));
    }

    #[test]
    fn masks_accept_what_the_normaliser_masked() {
        let diags = [
            "copy of root://eosatlas.cern.ch//eos/atlas/a.root failed after 3600 s",
            "file /srv/workDir/PanDA_Pilot-6512/EVNT.12345678._001234.pool.root.1 (guid 1b4e28ba-2fa1-11d2-883f-0016d3cca427)",
            "on aipanda012.cern.ch at 2026-12-03 12:00:01 exit -65",
            "at 2026-12-03T12:00:01.25+01:00 and 9:00:02.5",
            "RAL-LCG2-ECHO_DATADISK and FZK-LCG2_UCORE from 188.184.9.34:443",
            "rucio download of mc23_13p6TeV:EVNT.40171372._000156.pool.root.2 failed",
            "pointer 0x7ffd1234 and hash deadbeefcafe1234 and 1.5e-3",
            "killed by akorolev",
        ];
        for diag in diags {
            let pattern = normalize(diag);
            let regex = diag_regex(&pattern);
            assert!(regex.exact, "{pattern}");
            assert!(matches(&regex.regex, diag), "{} on {diag}", regex.regex);
        }
    }

    #[test]
    fn masks_refuse_the_shapes_of_other_masks() {
        let regex = diag_regex("file <NAME> not found").regex;
        assert!(!matches(&regex, "file AOD.12 not found"));
        let regex = diag_regex("x<N>").regex;
        assert!(matches(&regex, "x-5"));
        assert!(!matches(&regex, "x5"));
        let regex = diag_regex("at <QUEUE> after").regex;
        assert!(!matches(&regex, "at CERN-PROD after"));
        let regex = diag_regex("killed by <USER>").regex;
        assert!(!matches(&regex, "killed  by alice"));
    }

    #[test]
    fn long_patterns_are_shortened_to_fit() {
        let long = format!("Fatal error: {} at event <N>", "word ".repeat(80));
        let regex = diag_regex(&long);
        assert!(!regex.exact);
        assert!(regex.regex.len() <= MAX_REGEX_BYTES);
        assert!(regex.regex.contains(".*"));
        let diag = long.replace("<N>", "17");
        assert!(matches(&regex.regex, &diag));
        assert!(!matches(&regex.regex, "Fatal error: word word"));
    }

    #[test]
    fn shortening_keeps_what_tells_siblings_apart() {
        let head = "Non-zero return code from Derivation (<N>); Logfile error: ";
        let body =
            "vector::_M_range_check: __n (which is <N>) >= this->size() (which is <N>) ".repeat(3);
        let full = format!("{head}{body}done");
        let cut = format!("{head}{}", &body[..body.len() - 10]);
        let member = full.replace("<N>", "3");
        let sibling = cut.replace("<N>", "3");
        let regex = diag_regex_for(&full, &[&member], &[&sibling]);
        assert!(!regex.exact);
        assert!(regex.regex.len() <= MAX_REGEX_BYTES);
        let coverage = check_group(&regex.regex, &[&member], &[&sibling]).ok();
        assert_eq!(
            coverage,
            Some(Coverage {
                matched_members: 1,
                total_members: 1,
                matched_siblings: 0
            })
        );
    }

    #[test]
    fn empty_patterns_match_empty_diagnostics() {
        let regex = diag_regex("").regex;
        assert_eq!(regex, r"\s*$");
        assert!(matches(&regex, ""));
        assert!(matches(&regex, " \n"));
        assert!(!matches(&regex, "x"));
    }

    #[test]
    fn templates_are_one_line() {
        assert_eq!(template("a\tb\nc\u{1b}[31m"), "a    b⏎c␛[31m");
    }
}
