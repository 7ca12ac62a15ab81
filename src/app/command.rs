//! The `:` command line: parsing and completion.
//!
//! Commands mirror the keys, so anything a key does can be typed, and a few things only the
//! command line does (`:sort ramcount`, `:filter status=failed`, `:theme light`).

use crate::domain::PaneId;

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Focus(PaneId),
    Filter(String),
    Sort {
        column: String,
        descending: Option<bool>,
    },
    Theme(String),
    /// `:queue unreviewed`: the part of the Triage review queue to show.
    Queue(String),
    /// `:undo`: take back the last decision (asks first).
    Undo,
    /// `:silences`: the Alerts pane lists silences (`:alerts` lists alerts again).
    Silences,
    /// `:sources`: every source's whole health, in an overlay.
    Sources,
    Zoom,
    Help,
    Refresh,
    Quit,
}

/// Command words, for completion and for the error message of an unknown command.
pub const COMMANDS: [&str; 15] = [
    "alerts", "silences", "tasks", "triage", "metrics", "filter", "sort", "theme", "queue", "undo",
    "sources", "zoom", "help", "refresh", "quit",
];

pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim().trim_start_matches(':').trim();
    let (word, rest) = match line.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (line, ""),
    };
    let word = word.to_lowercase();

    if let Some(pane) = PaneId::from_name(&word) {
        return Ok(Command::Focus(pane));
    }
    match word.as_str() {
        "" => Err("empty command; try :help".to_string()),
        "filter" | "f" => Ok(Command::Filter(rest.to_string())),
        "sort" | "s" => {
            let mut words = rest.split_whitespace();
            let Some(column) = words.next() else {
                return Err("sort needs a column, e.g. :sort ramcount desc".to_string());
            };
            let descending = match words.next().map(str::to_lowercase).as_deref() {
                None => None,
                Some("desc" | "descending" | "down") => Some(true),
                Some("asc" | "ascending" | "up") => Some(false),
                Some(other) => {
                    return Err(format!("sort order must be asc or desc, not {other:?}"));
                }
            };
            Ok(Command::Sort {
                column: column.to_lowercase(),
                descending,
            })
        }
        "theme" => {
            if rest.is_empty() {
                Err("theme needs a name, e.g. :theme light".to_string())
            } else {
                Ok(Command::Theme(rest.to_string()))
            }
        }
        "queue" => {
            if rest.is_empty() {
                Err(
                    "queue needs a name: all, unreviewed, suggested, drafts, confirmed, rejected, \
                     unsaved or known"
                        .to_string(),
                )
            } else {
                Ok(Command::Queue(rest.to_lowercase()))
            }
        }
        "undo" => Ok(Command::Undo),
        "silences" => Ok(Command::Silences),
        "sources" => Ok(Command::Sources),
        "zoom" | "z" => Ok(Command::Zoom),
        "help" | "h" | "?" => Ok(Command::Help),
        "refresh" | "r" => Ok(Command::Refresh),
        "quit" | "q" | "q!" | "exit" => Ok(Command::Quit),
        other => Err(format!(
            "unknown command {other:?}; commands: {}",
            COMMANDS.join(", ")
        )),
    }
}

/// Completes the last word of `line`. `arguments` gives the candidates for a command's argument
/// (sort columns, theme names). Returns the completed line, or `None` when nothing fits or the
/// choice is ambiguous with no longer common prefix.
pub fn complete(line: &str, arguments: &dyn Fn(&str) -> Vec<String>) -> Option<String> {
    // Any whitespace (a no-break or ideographic space from an input method) counts as a plain
    // space, so words split and slice at the same places.
    let normalized: String = line
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let line = normalized.as_str();
    let ends_with_space = line.ends_with(' ');
    let words: Vec<&str> = line.split_whitespace().collect();

    let (prefix, candidates): (String, Vec<String>) = match (words.as_slice(), ends_with_space) {
        ([], _) => (
            String::new(),
            COMMANDS.iter().map(|c| c.to_string()).collect(),
        ),
        ([word], false) => (
            word.to_string(),
            COMMANDS.iter().map(|c| c.to_string()).collect(),
        ),
        ([command], true) => (String::new(), arguments(command)),
        ([command, argument], false) => (argument.to_string(), arguments(command)),
        _ => return None,
    };

    let matching: Vec<&String> = candidates
        .iter()
        .filter(|c| c.starts_with(&prefix))
        .collect();
    let completed = match matching.as_slice() {
        [] => return None,
        [only] => format!("{only} "),
        many => common_prefix(many),
    };
    if completed.trim_end() == prefix && matching.len() > 1 {
        return None;
    }

    let head = if ends_with_space {
        line.to_string()
    } else {
        line[..line.len() - prefix.len()].to_string()
    };
    Some(format!("{head}{completed}"))
}

/// The candidates matching the last word, to show when completion is ambiguous.
pub fn candidates(line: &str, arguments: &dyn Fn(&str) -> Vec<String>) -> Vec<String> {
    let normalized: String = line
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let line = normalized.as_str();
    let words: Vec<&str> = line.split_whitespace().collect();
    let ends_with_space = line.ends_with(' ');
    let (prefix, all) = match (words.as_slice(), ends_with_space) {
        ([], _) => ("", COMMANDS.iter().map(|c| c.to_string()).collect()),
        ([word], false) => (*word, COMMANDS.iter().map(|c| c.to_string()).collect()),
        ([command], true) => ("", arguments(command)),
        ([command, argument], false) => (*argument, arguments(command)),
        _ => ("", Vec::new()),
    };
    all.into_iter().filter(|c| c.starts_with(prefix)).collect()
}

fn common_prefix(words: &[&String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut prefix: &str = first;
    for word in &words[1..] {
        while !word.starts_with(prefix) {
            let mut end = prefix.len().saturating_sub(1);
            while !prefix.is_char_boundary(end) {
                end -= 1;
            }
            prefix = &prefix[..end];
        }
    }
    prefix.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(command: &str) -> Vec<String> {
        match command {
            "sort" => vec![
                "ramcount".into(),
                "ctime".into(),
                "cpueff".into(),
                "cores".into(),
            ],
            "theme" => vec!["default".into(), "light".into()],
            _ => Vec::new(),
        }
    }

    #[test]
    fn commands_parse() {
        assert_eq!(parse(":tasks"), Ok(Command::Focus(PaneId::Tasks)));
        assert_eq!(
            parse("filter status=failed"),
            Ok(Command::Filter("status=failed".into()))
        );
        assert_eq!(
            parse("sort ramcount desc"),
            Ok(Command::Sort {
                column: "ramcount".into(),
                descending: Some(true)
            })
        );
        assert_eq!(
            parse("sort ramcount"),
            Ok(Command::Sort {
                column: "ramcount".into(),
                descending: None
            })
        );
        assert_eq!(parse("theme light"), Ok(Command::Theme("light".into())));
        assert_eq!(parse("quit"), Ok(Command::Quit));
        assert!(parse("sort").is_err());
        assert!(parse("sort x sideways").is_err());
        assert!(parse("frobnicate").is_err_and(|e| e.contains("frobnicate")));
    }

    #[test]
    fn completion_finishes_words() {
        assert_eq!(complete("ta", &args), Some("tasks ".into()));
        assert_eq!(complete("t", &args), None); // tasks, triage, theme: no longer prefix than "t"
        assert_eq!(complete("tr", &args), Some("triage ".into()));
        assert_eq!(complete("sort ra", &args), Some("sort ramcount ".into()));
        assert_eq!(complete("sort c", &args), None);
        assert_eq!(complete("sort cp", &args), Some("sort cpueff ".into()));
        assert_eq!(complete("theme ", &args), None);
        assert_eq!(complete("theme l", &args), Some("theme light ".into()));
        assert_eq!(complete("sort co", &args), Some("sort cores ".into()));
        assert_eq!(candidates("t", &args), vec!["tasks", "triage", "theme"]);
    }

    #[test]
    fn unicode_spaces_do_not_break_completion() {
        assert_eq!(complete("a\u{a0}", &args), None);
        assert_eq!(complete("q\u{3000}", &args), None);
        assert_eq!(
            complete("sort\u{a0}ra", &args),
            Some("sort ramcount ".into())
        );
        assert_eq!(complete("用", &args), None);
        assert!(candidates("t\u{3000}", &args).is_empty());
    }

    #[test]
    fn completion_never_panics_on_any_short_mix_of_odd_characters() {
        let pieces = [
            "s", "ort", " ", "\u{a0}", "\u{3000}", "用", "e\u{301}", "\t", "r",
        ];
        let mut lines = vec![String::new()];
        for _ in 0..4 {
            lines = lines
                .iter()
                .flat_map(|line| pieces.iter().map(move |piece| format!("{line}{piece}")))
                .collect();
            for line in &lines {
                let _ = complete(line, &args);
                let _ = candidates(line, &args);
            }
        }
        assert_eq!(lines.len(), 9usize.pow(4));
    }

    #[test]
    fn a_longer_common_prefix_is_completed() {
        let names = |_: &str| vec!["queuing_time".to_string(), "queuing_rate".to_string()];
        assert_eq!(complete("sort q", &names), Some("sort queuing_".into()));
    }
}
