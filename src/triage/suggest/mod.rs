//! Suggested classifications for error groups: an error class, a transient or permanent call and
//! a retry action, with how sure the suggestion is and the reasons an operator can check.
//!
//! A suggestion comes from the first of these that has an answer:
//! 1. **the operators' own decision** on this very group (confirmed, or edited to another label),
//!    which is certain;
//! 2. **the rule table** ([`code_rules`]): codes whose meaning PanDA's catalogues make plain (a
//!    stage-in failure is a storage fault, an out-of-memory code wants more memory), unless the
//!    confirmed decisions on the groups a rule covers mostly say otherwise;
//! 3. **the model** ([`model`]): smartcore's multinomial naive Bayes over the group's [`words`],
//!    fitted on a seed of phrases every PanDA operator knows and on every decision learned, each
//!    of which weighs [`DECISION_WEIGHT`] seed phrases, so where the operators have decided, their
//!    view beats the seeds. Its probability for the label is the confidence.
//!
//! Whichever answers, `because` names it and then lists up to three confirmed groups nearest to
//! this one ([`similar`]), so an operator sees which decisions a suggestion follows.
//!
//! It never fails and never panics: with nothing to go on, or when smartcore refuses a fit, the
//! suggestion is an unsure [`UNKNOWN`] with confidence 0 and the reason. The operator's decision
//! never depends on it.
//!
//! Cost: [`Suggester::suggest`] runs on the UI task for thousands of groups after each grouping.
//! It reads prepared tables only (no fit, nothing proportional to the vocabulary or to the number
//! of decisions), and remembers its answer for each group until the next fit, so a grouping
//! between two decisions costs a look-up per group. [`Suggester::learn`] refits at once, which
//! stays cheap because the fit is on one row per label. `cargo bench --bench suggest` measures
//! both.

mod cache;
mod code_rules;
mod model;
mod similar;

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::sync::Arc;

use crate::domain::ErrorSource;

use super::ErrorGroup;
use cache::Cache;
use model::{Document, Model};
use similar::Decisions;

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

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.error_class, self.permanence, self.retry_action
        )
    }
}

/// Infrastructure that will work again: storage, services, the batch system.
pub const SYSTEM_TRANSIENT: Label = Label {
    error_class: "system",
    permanence: "transient",
    retry_action: "none",
};
/// Data gone from storage: a few retries at most, until someone recovers it.
pub const LIMITED_RETRY: Label = Label {
    error_class: "system",
    permanence: "permanent",
    retry_action: "limit_retry",
};
/// The payload's own fault, which retrying repeats: crashes, exceptions, bad arguments.
pub const USER_PERMANENT: Label = Label {
    error_class: "user",
    permanence: "permanent",
    retry_action: "no_retry",
};
/// The payload needs more memory than the job asked for.
pub const MEMORY: Label = Label {
    error_class: "user",
    permanence: "transient",
    retry_action: "increase_memory",
};
/// The payload needs much more memory: the limit grows with each attempt.
pub const MEMORY_XTIMES: Label = Label {
    error_class: "user",
    permanence: "transient",
    retry_action: "increase_memory_xtimes",
};
/// The payload needs more CPU time than the job asked for.
pub const CPU_TIME: Label = Label {
    error_class: "user",
    permanence: "transient",
    retry_action: "increase_cputime",
};
/// A job too big for a limit of the site: fewer input files per job fit.
pub const REDUCE_INPUT: Label = Label {
    error_class: "user",
    permanence: "transient",
    retry_action: "reduce_input_per_job",
};
/// Someone killed or aborted it on purpose.
pub const OPERATOR_ACTION: Label = Label {
    error_class: "unknown",
    permanence: "permanent",
    retry_action: "no_retry",
};
/// No opinion.
pub const UNKNOWN: Label = Label {
    error_class: "unknown",
    permanence: "transient",
    retry_action: "none",
};

/// Phrases that say what kind of error a diagnostic is, as a starting point for the model.
const SEEDS: [(&str, Label); 28] = [
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
    ("has no replica on storage", LIMITED_RETRY),
    ("payload ran out of memory maxpss exceeds the limit", MEMORY),
    ("payload exceeded maximum allowed memory rss", MEMORY),
    ("transform failed due to bad_alloc", MEMORY),
    (
        "looping job killed by pilot no output file updates",
        CPU_TIME,
    ),
    ("reached wall-time limit of the batch system", CPU_TIME),
    ("output file too large total size exceeds", REDUCE_INPUT),
    ("payload crashed with signal sigsegv", USER_PERMANENT),
    ("python exception keyerror runtimeerror", USER_PERMANENT),
    ("non-zero return code logfile error fatal", USER_PERMANENT),
    ("output file failed validation", USER_PERMANENT),
    ("transform exception", USER_PERMANENT),
    ("unrecognized transform arguments", USER_PERMANENT),
    ("killed by <user>", OPERATOR_ACTION),
    ("killed since task was aborted", OPERATOR_ACTION),
];

/// How many seed phrases one operator decision weighs.
pub const DECISION_WEIGHT: u32 = 4;
/// Below this confidence a suggestion says it is unsure.
const CONFIDENT: f64 = 0.6;
/// The confidence of a rule's suggestion: the catalogues say what a code means, not every
/// diagnostic that comes with it.
const RULE_CONFIDENCE: f64 = 0.9;
/// The confidence of a model that knows one label only: it has never had to tell two apart.
const ONE_LABEL_CONFIDENCE: f64 = 0.5;
/// Confirmed groups listed in `because`.
const SIMILAR_SHOWN: usize = 3;

/// Where a suggestion came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// An operator decided this very group (confirmed or edited the suggestion).
    Decided,
    /// A line of the rule table.
    Rule,
    /// The learned model.
    Model,
    /// Nothing: the label is [`UNKNOWN`] with confidence 0.
    Nothing,
}

/// A suggestion with how sure it is and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub label: Label,
    /// How sure, 0 to 1, never NaN: 1 for a decision, 0.9 for a rule, the model's probability for
    /// the label otherwise (at most 0.5 while it knows one label only), 0 for no suggestion.
    pub confidence: f64,
    /// Why, in order: the decision, the rule or the model's words (or why there is no
    /// suggestion), then up to three similar confirmed groups.
    pub because: Vec<String>,
    pub basis: Basis,
}

impl Suggestion {
    pub fn is_confident(&self) -> bool {
        self.confidence >= CONFIDENT
    }

    fn nothing(reason: String) -> Suggestion {
        Suggestion {
            label: UNKNOWN,
            confidence: 0.0,
            because: because(format!("no suggestion ({reason})")),
            basis: Basis::Nothing,
        }
    }
}

/// A `because` list that starts with `first`, with room for the similar groups.
fn because(first: String) -> Vec<String> {
    let mut because = Vec::with_capacity(2 + SIMILAR_SHOWN);
    because.push(first);
    because
}

/// The words of a group: its `source:code`, and the lower-cased words and masks of its pattern.
/// Words under three characters and bare numbers are left out: they say nothing of the error.
pub fn words(source_code: &str, pattern: &str) -> Vec<String> {
    let lowered = pattern.to_lowercase();
    let mut words: Vec<String> = Vec::new();
    if !source_code.is_empty() {
        words.push(source_code.to_ascii_lowercase());
    }
    words.extend(pattern_words(&lowered).into_iter().map(str::to_string));
    words
}

/// The words of a lower-cased pattern: runs of letters, digits, `_` and `-`, and whole masks such
/// as `<path>`.
fn pattern_words(lowered: &str) -> Vec<&str> {
    fn keep<'a>(lowered: &'a str, start: usize, end: usize, words: &mut Vec<&'a str>) {
        if end - start >= 3
            && let Some(word) = lowered.get(start..end)
            && (word.is_ascii() || word.chars().count() >= 3)
            && !word.bytes().all(|b| b.is_ascii_digit())
        {
            words.push(word);
        }
    }

    // Walks bytes, decoding a character only where one is not ASCII: this runs for every group
    // of every grouping.
    let bytes = lowered.as_bytes();
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut in_mask = false;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        let (is_word_char, width) = if byte.is_ascii() {
            (
                byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-',
                1,
            )
        } else {
            match lowered.get(at..).and_then(|rest| rest.chars().next()) {
                Some(ch) => (ch.is_alphanumeric(), ch.len_utf8()),
                None => (false, 1),
            }
        };
        if in_mask {
            if byte == b'>' {
                if let Some(from) = start.take() {
                    keep(lowered, from, at + 1, &mut words);
                }
                in_mask = false;
            }
        } else if byte == b'<' {
            if let Some(from) = start.take() {
                keep(lowered, from, at, &mut words);
            }
            start = Some(at);
            in_mask = true;
        } else if is_word_char {
            start.get_or_insert(at);
        } else if let Some(from) = start.take() {
            keep(lowered, from, at, &mut words);
        }
        at += width;
    }
    if let Some(from) = start {
        keep(lowered, from, lowered.len(), &mut words);
    }
    words
}

/// Word ids, given as words are first seen.
#[derive(Debug, Clone, Default)]
struct Vocabulary {
    ids: HashMap<String, u32>,
    words: Vec<String>,
}

impl Vocabulary {
    fn id(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }

    fn intern(&mut self, word: &str) -> Option<u32> {
        if let Some(id) = self.id(word) {
            return Some(id);
        }
        let id = u32::try_from(self.words.len()).ok()?;
        self.ids.insert(word.to_string(), id);
        self.words.push(word.to_string());
        Some(id)
    }

    fn word(&self, id: u32) -> &str {
        self.words.get(id as usize).map_or("?", String::as_str)
    }

    fn len(&self) -> usize {
        self.words.len()
    }
}

/// The model's state after the last fit.
#[derive(Debug, Clone, Default)]
enum Fitted {
    /// Nothing learned yet.
    #[default]
    Empty,
    Model(Arc<Model>),
    /// smartcore refused the fit; why.
    Failed(String),
}

/// A rule the operators' decisions disagree with: the label they confirmed most on its groups.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Overruled {
    label: usize,
    votes: usize,
    decisions: usize,
}

/// Suggests labels for error groups and learns from the operators' confirmed decisions.
#[derive(Debug, Clone, Default)]
pub struct Suggester {
    vocabulary: Vocabulary,
    /// Every label seen, by index.
    labels: Vec<Label>,
    /// Seed phrases as word ids, with their label index.
    seeds: Vec<(Vec<u32>, usize)>,
    decisions: Decisions,
    /// Rules (by index) whose groups the operators decided otherwise.
    overruled: BTreeMap<usize, Overruled>,
    /// The word id of each `source:code` a decision was made on.
    key_ids: HashMap<(ErrorSource, i64), u32>,
    fitted: Fitted,
    /// Counts fits; a cached suggestion of an older generation is stale.
    generation: u64,
    cache: Cache,
}

impl Suggester {
    /// A suggester that knows the rules and the seed phrases, and no decisions yet.
    pub fn seeded() -> Suggester {
        let mut suggester = Suggester::default();
        for (phrase, label) in SEEDS {
            let lowered = phrase.to_lowercase();
            let ids: Vec<u32> = pattern_words(&lowered)
                .into_iter()
                .filter_map(|word| suggester.vocabulary.intern(word))
                .collect();
            let label = suggester.label_index(label);
            suggester.seeds.push((ids, label));
        }
        suggester.refit();
        suggester
    }

    /// Learns from an operator's decision on a group (confirmed, or edited to its final label),
    /// and refits the model. A later decision on the same group replaces the earlier one.
    pub fn learn(&mut self, group: &ErrorGroup, label: Label) {
        self.record(group, label);
        self.refit();
    }

    /// Learns many decisions and refits once: for the decisions a journal holds at start, where
    /// [`Suggester::learn`] would refit once per decision.
    pub fn learn_all<'a>(&mut self, decisions: impl IntoIterator<Item = (&'a ErrorGroup, Label)>) {
        for (group, label) in decisions {
            self.record(group, label);
        }
        self.refit();
    }

    /// Forgets the decision on a group (the operator undid it) and refits; false, and nothing
    /// refitted, if none was learned.
    pub fn forget(&mut self, group: &ErrorGroup) -> bool {
        let withdrawn = self.decisions.withdraw(group);
        if withdrawn {
            self.refit();
        }
        withdrawn
    }

    fn record(&mut self, group: &ErrorGroup, label: Label) {
        let lowered = group.pattern.to_lowercase();
        let pattern_words = pattern_words(&lowered);
        let rule = code_rules::find(group.source, group.code, &pattern_words).map(|(i, _, _)| i);
        let mut ids: Vec<u32> = Vec::with_capacity(pattern_words.len() + 1);
        if let Some(key) = self.vocabulary.intern(&group.key().to_ascii_lowercase()) {
            self.key_ids.insert((group.source, group.code), key);
            ids.push(key);
        }
        ids.extend(
            pattern_words
                .iter()
                .filter_map(|word| self.vocabulary.intern(word)),
        );
        let label_index = self.label_index(label);
        self.decisions
            .record(group, label_index, &label.to_string(), ids, rule);
    }

    /// Refits the model on the seeds and every decision, recounts which rules the decisions
    /// overrule, and forgets the suggestions made so far. [`Suggester::learn`] and
    /// [`Suggester::learn_all`] call it; the fit is on one row per label, so with a thousand
    /// decisions it takes about a millisecond even in a debug build.
    pub fn refit(&mut self) {
        let seeds = self.seeds.iter().map(|(words, label)| Document {
            words,
            label: *label,
            weight: 1,
        });
        let decisions = self.decisions.iter().map(|decision| Document {
            words: &decision.words,
            label: decision.label,
            weight: DECISION_WEIGHT,
        });
        self.generation += 1;
        self.fitted = match Model::fit(self.vocabulary.len(), seeds.chain(decisions)) {
            Ok(Some(model)) => Fitted::Model(Arc::new(model)),
            Ok(None) => Fitted::Empty,
            Err(reason) => {
                tracing::warn!(%reason, "triage suggestions: the model could not be fitted");
                Fitted::Failed(reason)
            }
        };

        let mut votes: BTreeMap<usize, BTreeMap<usize, usize>> = BTreeMap::new();
        for decision in self.decisions.iter() {
            if let Some(rule) = decision.rule {
                *votes
                    .entry(rule)
                    .or_default()
                    .entry(decision.label)
                    .or_insert(0) += 1;
            }
        }
        self.overruled = votes
            .into_iter()
            .filter_map(|(rule, by_label)| {
                let decisions = by_label.values().sum();
                let rule_label = code_rules::RULES.get(rule)?.label;
                let rule_votes = self
                    .labels
                    .iter()
                    .position(|l| *l == rule_label)
                    .and_then(|i| by_label.get(&i).copied())
                    .unwrap_or(0);
                let (&label, &top) = by_label.iter().max_by_key(|(_, votes)| **votes)?;
                (top > rule_votes).then_some((
                    rule,
                    Overruled {
                        label,
                        votes: top,
                        decisions,
                    },
                ))
            })
            .collect();
    }

    /// The suggestion for a group.
    pub fn suggest(&self, group: &ErrorGroup) -> Suggestion {
        if let Some(cached) = self.cache.get(group, self.generation) {
            return cached;
        }
        let suggestion = self.make_suggestion(group);
        self.cache.put(group, self.generation, &suggestion);
        suggestion
    }

    fn make_suggestion(&self, group: &ErrorGroup) -> Suggestion {
        let lowered = group.pattern.to_lowercase();
        let pattern_words = pattern_words(&lowered);
        // The group's words as ids, as often as they occur. Words never learned are left out but
        // counted once each, since they make a group less like any decision.
        let mut ids: Vec<u32> = Vec::with_capacity(pattern_words.len() + 1);
        let mut unknown_words = 0;
        match self.key_ids.get(&(group.source, group.code)) {
            Some(&key) => ids.push(key),
            None => unknown_words += 1,
        }
        for (at, word) in pattern_words.iter().enumerate() {
            match self.vocabulary.id(word) {
                Some(id) => ids.push(id),
                None if !pattern_words[..at].contains(word) => unknown_words += 1,
                None => {}
            }
        }

        let own_decision = self.decisions.find(group);
        let mut suggestion = match own_decision.and_then(|i| self.decisions.get(i)) {
            Some(decision) => Suggestion {
                label: self.label(decision.label),
                confidence: 1.0,
                because: because(format!(
                    "decided: an operator classed this group as {}",
                    self.label(decision.label)
                )),
                basis: Basis::Decided,
            },
            None => self.by_rule_or_model(group.source, group.code, &pattern_words, &ids),
        };
        if self.decisions.is_empty() {
            return suggestion;
        }

        let mut word_set = ids;
        word_set.sort_unstable();
        word_set.dedup();
        let near = self.decisions.nearest(
            group.source,
            group.code,
            &word_set,
            unknown_words,
            own_decision,
            SIMILAR_SHOWN,
        );
        for near in near {
            if let Some(line) = self.decisions.line(near.index) {
                suggestion.because.push(line.to_string());
            }
        }
        suggestion
    }

    fn by_rule_or_model(
        &self,
        source: ErrorSource,
        code: i64,
        pattern_words: &[&str],
        ids: &[u32],
    ) -> Suggestion {
        let Some((index, rule, name)) = code_rules::find(source, code, pattern_words) else {
            return self.by_model(ids);
        };
        let reason = code_rules::cached_reason(index, source, code).map_or_else(
            || code_rules::reason(index, source, code, name),
            str::to_string,
        );
        let Some(overruled) = self.overruled.get(&index) else {
            return Suggestion {
                label: rule.label,
                confidence: RULE_CONFIDENCE,
                because: because(reason),
                basis: Basis::Rule,
            };
        };

        // The operators decided this rule's groups otherwise: the model, which learned those
        // decisions, judges; if it has nothing to say, their most frequent label stands.
        let majority = self.label(overruled.label);
        let mut suggestion = self.by_model(ids);
        if suggestion.basis == Basis::Nothing {
            suggestion = Suggestion {
                label: majority,
                confidence: overruled.votes as f64 / overruled.decisions.max(1) as f64,
                because: Vec::with_capacity(2 + SIMILAR_SHOWN),
                basis: Basis::Model,
            };
        }
        suggestion.because.insert(
            0,
            format!(
                "{reason}, but {} of {} confirmed decisions on its groups say {majority}",
                overruled.votes, overruled.decisions
            ),
        );
        suggestion
    }

    fn by_model(&self, ids: &[u32]) -> Suggestion {
        let model = match &self.fitted {
            Fitted::Model(model) => model,
            Fitted::Empty => return Suggestion::nothing("nothing learned yet".into()),
            Fitted::Failed(reason) => {
                return Suggestion::nothing(format!("the model could not be fitted: {reason}"));
            }
        };
        let Some(posterior) = model.posterior(ids) else {
            return Suggestion::nothing(
                "none of its words is in a seed phrase or a confirmed decision".into(),
            );
        };

        let confidence = if posterior.classes < 2 {
            posterior.probability.min(ONE_LABEL_CONFIDENCE)
        } else {
            posterior.probability
        };
        let mut reason = String::with_capacity(128);
        // Writing into a String cannot fail.
        let _ = write!(
            reason,
            "model: {:.0}% from {} seed phrases and {} decisions",
            confidence * 100.0,
            self.seeds.len(),
            self.decisions.len()
        );
        for (n, &id) in posterior.evidence.iter().enumerate() {
            reason.push_str(if n == 0 { ", words \"" } else { " \"" });
            reason.push_str(self.vocabulary.word(id));
            reason.push('"');
        }
        if posterior.classes < 2 {
            reason.push_str(", but it knows one label only");
        }
        Suggestion {
            label: self.label(posterior.label),
            confidence,
            because: because(reason),
            basis: Basis::Model,
        }
    }

    fn label_index(&mut self, label: Label) -> usize {
        match self.labels.iter().position(|l| *l == label) {
            Some(index) => index,
            None => {
                self.labels.push(label);
                self.labels.len() - 1
            }
        }
    }

    fn label(&self, index: usize) -> Label {
        self.labels.get(index).copied().unwrap_or(UNKNOWN)
    }
}

#[cfg(test)]
mod tests;
