//! Suggested classifications for error groups, learned from the operators' own decisions.
//!
//! A multinomial naive Bayes over the words of a group (its `source:code`, the words of its
//! pattern and its masks) picks a [`Label`]: error class, permanence and retry action. It starts
//! from a small seed of phrases every PanDA operator knows (stage-in timeouts are transient system
//! errors, segmentation faults are permanent user errors) and learns from every confirmed or edited
//! decision, which counts several times a seed. It never fails: with nothing to go on it says
//! "unknown" with a low confidence, and the operator's decision never depends on it.

use std::collections::{BTreeMap, BTreeSet};

use super::ErrorGroup;

/// What a suggestion proposes, in the words PanDA's tables use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label {
    /// `system`, `user` or `unknown` (`ERROR_CLASSIFICATION.ERROR_CLASS`).
    pub error_class: &'static str,
    /// `transient` or `permanent`.
    pub permanence: &'static str,
    /// A retry module action (`RETRYACTIONS`), or `none` to leave retries alone.
    pub retry_action: &'static str,
}

pub const SYSTEM_TRANSIENT: Label = Label {
    error_class: "system",
    permanence: "transient",
    retry_action: "none",
};
pub const USER_PERMANENT: Label = Label {
    error_class: "user",
    permanence: "permanent",
    retry_action: "no_retry",
};
pub const MEMORY: Label = Label {
    error_class: "user",
    permanence: "transient",
    retry_action: "increase_memory",
};
pub const CPU_TIME: Label = Label {
    error_class: "user",
    permanence: "transient",
    retry_action: "increase_cputime",
};
pub const OPERATOR_ACTION: Label = Label {
    error_class: "unknown",
    permanence: "permanent",
    retry_action: "no_retry",
};
pub const UNKNOWN: Label = Label {
    error_class: "unknown",
    permanence: "transient",
    retry_action: "none",
};

/// Phrases that say what kind of error a diagnostic is, as a starting point.
const SEEDS: [(&str, Label); 24] = [
    ("failed to stage-in file timed out", SYSTEM_TRANSIENT),
    (
        "failed to stage-out file connection timed out",
        SYSTEM_TRANSIENT,
    ),
    ("file transfer timed out during stage-in", SYSTEM_TRANSIENT),
    ("service not available at the moment http", SYSTEM_TRANSIENT),
    ("is blacklisted for writing", SYSTEM_TRANSIENT),
    ("lost heartbeat", SYSTEM_TRANSIENT),
    ("cvmfs is not responding probe timed out", SYSTEM_TRANSIENT),
    ("certificate has expired proxy", SYSTEM_TRANSIENT),
    (
        "job was preempted reclaimed by the resource provider",
        SYSTEM_TRANSIENT,
    ),
    (
        "job killed by signal sigterm batch system",
        SYSTEM_TRANSIENT,
    ),
    ("expired in assigned no update since", SYSTEM_TRANSIENT),
    ("rucio service unavailable cannot connect", SYSTEM_TRANSIENT),
    ("no space left on device", SYSTEM_TRANSIENT),
    ("payload ran out of memory maxpss exceeds the limit", MEMORY),
    ("payload exceeded maximum allowed memory rss", MEMORY),
    ("transform failed due to bad_alloc", MEMORY),
    (
        "looping job killed by pilot no output file updates",
        CPU_TIME,
    ),
    ("payload crashed with signal sigsegv", USER_PERMANENT),
    ("python exception keyerror runtimeerror", USER_PERMANENT),
    ("non-zero return code logfile error fatal", USER_PERMANENT),
    ("output file failed validation", USER_PERMANENT),
    ("transform exception", USER_PERMANENT),
    ("killed by <user>", OPERATOR_ACTION),
    ("killed since task was aborted", OPERATOR_ACTION),
];

/// How much one operator decision weighs against one seed phrase.
const DECISION_WEIGHT: f64 = 4.0;
/// Below this posterior, the suggestion says it is unsure.
const CONFIDENT: f64 = 0.6;

/// A suggestion with how sure it is and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub label: Label,
    /// The posterior probability of the label, 0 to 1.
    pub confidence: f64,
    /// The words that weighed most for the label.
    pub because: Vec<String>,
}

impl Suggestion {
    pub fn is_confident(&self) -> bool {
        self.confidence >= CONFIDENT
    }
}

/// The words of a group: its `source:code`, and the lower-cased words and masks of its pattern.
pub fn words(source_code: &str, pattern: &str) -> Vec<String> {
    let mut words = vec![source_code.to_ascii_lowercase()];
    let mut current = String::new();
    let mut in_mask = false;
    for ch in pattern.chars() {
        match ch {
            '<' => {
                flush(&mut current, &mut words);
                in_mask = true;
                current.push('<');
            }
            '>' if in_mask => {
                current.push('>');
                in_mask = false;
                flush(&mut current, &mut words);
            }
            c if c.is_alphanumeric() || c == '_' || c == '-' || in_mask => {
                current.extend(c.to_lowercase())
            }
            _ => flush(&mut current, &mut words),
        }
    }
    flush(&mut current, &mut words);
    words
}

fn flush(current: &mut String, words: &mut Vec<String>) {
    let word = std::mem::take(current);
    // Short words ("to", "of") say nothing about the kind of error.
    if word.chars().count() >= 3 && !word.chars().all(|c| c.is_ascii_digit()) {
        words.push(word);
    }
}

/// The learned model: word counts per label.
#[derive(Debug, Clone, Default)]
pub struct Suggester {
    /// Total weight of the documents of each label.
    label_weight: BTreeMap<Label, f64>,
    /// Weight of each word within each label.
    word_weight: BTreeMap<Label, BTreeMap<String, f64>>,
    /// Total word weight per label.
    label_words: BTreeMap<Label, f64>,
    vocabulary: BTreeSet<String>,
}

impl Suggester {
    /// A model that knows only the seed phrases.
    pub fn seeded() -> Suggester {
        let mut model = Suggester::default();
        for (phrase, label) in SEEDS {
            model.learn_words(&words("", phrase), label, 1.0);
        }
        model
    }

    /// Learns from an operator's decision on a group: confirmed or edited, its final label.
    pub fn learn(&mut self, group: &ErrorGroup, label: Label) {
        self.learn_words(&words(&group.key(), &group.pattern), label, DECISION_WEIGHT);
    }

    fn learn_words(&mut self, words: &[String], label: Label, weight: f64) {
        *self.label_weight.entry(label).or_insert(0.0) += weight;
        let counts = self.word_weight.entry(label).or_default();
        for word in words.iter().filter(|w| !w.is_empty()) {
            *counts.entry(word.clone()).or_insert(0.0) += weight;
            *self.label_words.entry(label).or_insert(0.0) += weight;
            self.vocabulary.insert(word.clone());
        }
    }

    /// The most likely label for a group.
    pub fn suggest(&self, group: &ErrorGroup) -> Suggestion {
        self.suggest_words(&words(&group.key(), &group.pattern))
    }

    pub fn suggest_words(&self, words: &[String]) -> Suggestion {
        let known: Vec<&String> = words
            .iter()
            .filter(|w| self.vocabulary.contains(*w))
            .collect();
        let total: f64 = self.label_weight.values().sum();
        if known.is_empty() || total <= 0.0 {
            return Suggestion {
                label: UNKNOWN,
                confidence: 0.0,
                because: Vec::new(),
            };
        }

        // Log-posteriors with Laplace smoothing over the vocabulary.
        let vocabulary = self.vocabulary.len() as f64;
        let scores: Vec<(Label, f64)> = self
            .label_weight
            .iter()
            .map(|(label, weight)| {
                let counts = self.word_weight.get(label);
                let words_in_label = self.label_words.get(label).copied().unwrap_or(0.0);
                let likelihood: f64 = known
                    .iter()
                    .map(|word| {
                        let count = counts.and_then(|c| c.get(*word)).copied().unwrap_or(0.0);
                        ((count + 1.0) / (words_in_label + vocabulary)).ln()
                    })
                    .sum();
                (*label, (weight / total).ln() + likelihood)
            })
            .collect();

        let Some(&(best, best_score)) = scores.iter().max_by(|a, b| a.1.total_cmp(&b.1)) else {
            return Suggestion {
                label: UNKNOWN,
                confidence: 0.0,
                because: Vec::new(),
            };
        };
        let normaliser: f64 = scores
            .iter()
            .map(|(_, score)| (score - best_score).exp())
            .sum();
        let confidence = if normaliser.is_finite() && normaliser > 0.0 {
            1.0 / normaliser
        } else {
            0.0
        };

        let mut because: Vec<(f64, &String)> = known
            .iter()
            .map(|word| {
                let weight = self
                    .word_weight
                    .get(&best)
                    .and_then(|c| c.get(*word))
                    .copied()
                    .unwrap_or(0.0);
                (weight, *word)
            })
            .filter(|(weight, _)| *weight > 0.0)
            .collect();
        because.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        because.dedup_by(|a, b| a.1 == b.1);
        Suggestion {
            label: best,
            confidence,
            because: because
                .into_iter()
                .take(4)
                .map(|(_, w)| w.clone())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ErrorSource;
    use jiff::Timestamp;

    fn group(source: ErrorSource, code: i64, pattern: &str) -> ErrorGroup {
        ErrorGroup {
            id: format!("{code}{pattern}"),
            source,
            code,
            pattern: pattern.to_string(),
            jobs: 1,
            tasks: BTreeSet::new(),
            sites: BTreeMap::new(),
            users: BTreeSet::new(),
            first_seen: Timestamp::UNIX_EPOCH,
            last_seen: Timestamp::UNIX_EPOCH,
            example_diag: String::new(),
            example_pandaid: 0,
            samples: Vec::new(),
        }
    }

    #[test]
    fn words_keep_masks_and_skip_short_words() {
        assert_eq!(
            words("pilot:1099", "Failed to stage-in file:<PATH> after <N> s"),
            vec![
                "pilot:1099",
                "failed",
                "stage-in",
                "file",
                "<path>",
                "after",
                "<n>"
            ]
        );
    }

    #[test]
    fn the_seeds_alone_classify_familiar_errors() {
        let model = Suggester::seeded();
        let stage_in = model.suggest(&group(
            ErrorSource::Pilot,
            1099,
            "Failed to stage-in file:rucio download of <NAME> failed after <N> attempts: Connection timed out",
        ));
        assert_eq!(stage_in.label, SYSTEM_TRANSIENT);
        assert!(stage_in.is_confident(), "{stage_in:?}");
        assert!(
            stage_in
                .because
                .iter()
                .any(|w| w == "timed" || w == "stage-in"),
            "{stage_in:?}"
        );

        let crash = model.suggest(&group(
            ErrorSource::Pilot,
            1305,
            "Failed to execute payload:payload crashed with signal <N> (SIGSEGV) in TauRecAlg::execute()",
        ));
        assert_eq!(crash.label, USER_PERMANENT);

        let memory = model.suggest(&group(
            ErrorSource::Pilot,
            1212,
            "Payload ran out of memory:maxPSS <N> kB",
        ));
        assert_eq!(memory.label, MEMORY);
    }

    #[test]
    fn nothing_to_go_on_gives_an_unsure_unknown() {
        let model = Suggester::seeded();
        let odd = model.suggest(&group(ErrorSource::Supervisor, 2, "zzz qqq"));
        assert_eq!(odd.label, UNKNOWN);
        assert_eq!(odd.confidence, 0.0);
        let empty = Suggester::default().suggest(&group(ErrorSource::Pilot, 1, "anything at all"));
        assert_eq!(empty.label, UNKNOWN);
    }

    #[test]
    fn a_single_class_and_identical_rows_do_not_break_it() {
        let mut model = Suggester::default();
        let same = group(
            ErrorSource::Executor,
            65,
            "Non-zero return code from <NAME>",
        );
        for _ in 0..50 {
            model.learn(&same, USER_PERMANENT);
        }
        let suggestion = model.suggest(&same);
        assert_eq!(suggestion.label, USER_PERMANENT);
        assert!((suggestion.confidence - 1.0).abs() < 1e-9);
        assert!(suggestion.confidence.is_finite());
    }

    /// Decisions teach it what the seeds get wrong: here a site's Frontier timeouts that the
    /// operators class as a permanent user error (a bad conditions tag), against the seed's
    /// "timed out means transient system".
    #[test]
    fn suggestions_improve_as_decisions_are_added() {
        let frontier = |n: usize| {
            group(
                ErrorSource::Executor,
                68,
                &format!(
                    "Fatal error in athena logfile: IOVDbSvc FATAL Could not retrieve folder <PATH>: Frontier server timed out tag{n}"
                ),
            )
        };
        let stage_in = |n: usize| {
            group(
                ErrorSource::Pilot,
                1099,
                &format!("Failed to stage-in file:copy timed out after <N> s variant{n}"),
            )
        };
        let held_out: Vec<(ErrorGroup, Label)> = (100..120)
            .map(|n| (frontier(n), USER_PERMANENT))
            .chain((100..120).map(|n| (stage_in(n), SYSTEM_TRANSIENT)))
            .collect();
        let accuracy = |model: &Suggester| {
            held_out
                .iter()
                .filter(|(g, truth)| model.suggest(g).label == *truth)
                .count() as f64
                / held_out.len() as f64
        };

        let mut model = Suggester::seeded();
        let before = accuracy(&model);
        for n in 0..5 {
            model.learn(&frontier(n), USER_PERMANENT);
        }
        let after_five = accuracy(&model);
        for n in 5..20 {
            model.learn(&frontier(n), USER_PERMANENT);
            model.learn(&stage_in(n), SYSTEM_TRANSIENT);
        }
        let after_twenty = accuracy(&model);

        assert!(
            before <= 0.5,
            "the seeds alone misclass the Frontier errors: {before}"
        );
        assert!(after_five > before, "{before} -> {after_five}");
        assert!(
            after_twenty >= 0.95,
            "{before} -> {after_five} -> {after_twenty}"
        );
    }
}
