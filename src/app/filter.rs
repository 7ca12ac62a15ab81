//! The filter language shared by `/` and `:filter`.
//!
//! A filter is a list of terms, all of which must match: `field=value` (the field contains the
//! value), `field!=value` (it does not), `field>number` and `field<number` for numeric columns, and
//! bare words that must appear somewhere in the row. Matching ignores case.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Contains {
        field: String,
        value: String,
    },
    NotContains {
        field: String,
        value: String,
    },
    /// `field>n`, or `field>=n` when inclusive.
    Greater {
        field: String,
        value: f64,
        inclusive: bool,
    },
    /// `field<n`, or `field<=n` when inclusive.
    Less {
        field: String,
        value: f64,
        inclusive: bool,
    },
    Word(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    text: String,
    terms: Vec<Term>,
}

/// What a row offers to the filter.
pub trait Filterable {
    /// The text of a named field, if the row has such a field.
    fn field_text(&self, field: &str) -> Option<String>;
    /// The number of a named field, for `>` and `<`.
    fn field_number(&self, field: &str) -> Option<f64>;
    /// All the row's text, lower-cased, for bare words.
    fn haystack(&self) -> String;
}

impl Filter {
    /// Parses a filter. Unknown fields are not an error here: they simply match nothing, and
    /// [`Filter::unknown_fields`] lets the caller say so.
    pub fn parse(text: &str) -> Filter {
        let terms = text.split_whitespace().map(parse_term).collect();
        Filter {
            text: text.trim().to_string(),
            terms,
        }
    }

    /// The filter with one more `field=value` term that its text does not show: a view such as
    /// the Triage queue, kept apart from what the operator typed.
    pub fn scoped(mut self, field: &str, value: &str) -> Filter {
        self.terms.push(Term::Contains {
            field: field.to_string(),
            value: value.to_lowercase(),
        });
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn matches(&self, row: &impl Filterable) -> bool {
        if self.terms.is_empty() {
            return true;
        }
        let mut haystack: Option<String> = None;
        self.terms.iter().all(|term| match term {
            Term::Contains { field, value } => row
                .field_text(field)
                .is_some_and(|text| text.to_lowercase().contains(value)),
            Term::NotContains { field, value } => row
                .field_text(field)
                .is_none_or(|text| !text.to_lowercase().contains(value)),
            Term::Greater {
                field,
                value,
                inclusive,
            } => row
                .field_number(field)
                .is_some_and(|n| n > *value || (*inclusive && n == *value)),
            Term::Less {
                field,
                value,
                inclusive,
            } => row
                .field_number(field)
                .is_some_and(|n| n < *value || (*inclusive && n == *value)),
            Term::Word(word) => haystack
                .get_or_insert_with(|| row.haystack())
                .contains(word),
        })
    }

    /// Words that look like comparisons of a field with something that is not a number
    /// (`jobs>abc`): they are searched for as text, which is rarely what was meant.
    pub fn text_comparisons(&self) -> Vec<&str> {
        self.terms
            .iter()
            .filter_map(|term| match term {
                Term::Word(word) if word.contains(['>', '<']) => Some(word.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The field names used by the filter that are not in `known`.
    pub fn unknown_fields<'a>(&'a self, known: &[&str]) -> Vec<&'a str> {
        self.terms
            .iter()
            .filter_map(|term| match term {
                Term::Contains { field, .. }
                | Term::NotContains { field, .. }
                | Term::Greater { field, .. }
                | Term::Less { field, .. } => Some(field.as_str()),
                Term::Word(_) => None,
            })
            .filter(|field| !known.contains(field))
            .collect()
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn parse_term(word: &str) -> Term {
    let lower = word.to_lowercase();
    // Field names are words; anything else (`!=`, `=x`, `a>b`) is searched for as text.
    let is_field =
        |field: &str| !field.is_empty() && field.chars().all(|c| c.is_alphanumeric() || c == '_');
    if let Some((field, value)) = lower.split_once("!=")
        && is_field(field)
    {
        return Term::NotContains {
            field: field.to_string(),
            value: value.to_string(),
        };
    }
    for (op, greater) in [(">=", true), ("<=", false), (">", true), ("<", false)] {
        if let Some((field, value)) = lower.split_once(op)
            && let (true, Ok(number)) = (is_field(field), value.parse::<f64>())
        {
            let (field, inclusive) = (field.to_string(), op.len() == 2);
            return if greater {
                Term::Greater {
                    field,
                    value: number,
                    inclusive,
                }
            } else {
                Term::Less {
                    field,
                    value: number,
                    inclusive,
                }
            };
        }
    }
    if let Some((field, value)) = lower.split_once('=')
        && is_field(field)
    {
        return Term::Contains {
            field: field.to_string(),
            value: value.to_string(),
        };
    }
    Term::Word(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_with_text_are_named() {
        assert_eq!(
            Filter::parse("jobs>abc site=CERN").text_comparisons(),
            ["jobs>abc"]
        );
        assert!(
            Filter::parse("jobs>10 tasks<=2")
                .text_comparisons()
                .is_empty()
        );
    }

    struct Row {
        status: &'static str,
        ram: Option<f64>,
        name: &'static str,
    }

    impl Filterable for Row {
        fn field_text(&self, field: &str) -> Option<String> {
            match field {
                "status" => Some(self.status.to_string()),
                "name" => Some(self.name.to_string()),
                _ => None,
            }
        }
        fn field_number(&self, field: &str) -> Option<f64> {
            (field == "ram").then_some(self.ram).flatten()
        }
        fn haystack(&self) -> String {
            format!("{} {}", self.status, self.name).to_lowercase()
        }
    }

    const FAILED: Row = Row {
        status: "failed",
        ram: Some(3000.0),
        name: "mc23 ttbar deriv",
    };
    const DONE: Row = Row {
        status: "done",
        ram: None,
        name: "data24 Zmumu",
    };

    #[test]
    fn field_terms_match_by_containment_ignoring_case() {
        let filter = Filter::parse("status=FAIL");
        assert!(filter.matches(&FAILED));
        assert!(!filter.matches(&DONE));
        assert!(Filter::parse("status!=done").matches(&FAILED));
        assert!(!Filter::parse("status!=done").matches(&DONE));
    }

    #[test]
    fn numeric_terms_need_a_known_number() {
        assert!(Filter::parse("ram>2000").matches(&FAILED));
        assert!(!Filter::parse("ram<2000").matches(&FAILED));
        assert!(!Filter::parse("ram>0").matches(&DONE));
    }

    #[test]
    fn words_and_terms_combine() {
        let filter = Filter::parse("ttbar status=failed");
        assert!(filter.matches(&FAILED));
        assert!(!Filter::parse("zmumu status=failed").matches(&FAILED));
        assert!(Filter::parse("").matches(&DONE));
    }

    #[test]
    fn inclusive_bounds_and_odd_input() {
        assert!(Filter::parse("ram>=3000").matches(&FAILED));
        assert!(!Filter::parse("ram>3000").matches(&FAILED));
        assert!(Filter::parse("ram<=3000").matches(&FAILED));
        assert!(!Filter::parse("ram<3000").matches(&FAILED));
        // Not field terms: searched as words, so no "no field" complaint.
        assert!(
            Filter::parse("!= =x a>b")
                .unknown_fields(&["ram"])
                .is_empty()
        );
    }

    #[test]
    fn unknown_fields_are_reported() {
        assert_eq!(
            Filter::parse("stat=x name=y word").unknown_fields(&["name"]),
            vec!["stat"]
        );
    }
}
