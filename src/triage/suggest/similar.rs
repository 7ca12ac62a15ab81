//! The operators' confirmed decisions, one per group (the latest), and the search for the ones
//! nearest to a group, so a suggestion can say which decisions it follows.
//!
//! Nearness is the Jaccard index of the two groups' word sets, with groups of the same
//! `source:code` ranked before all others. The search runs for thousands of groups on the UI
//! task, so it never compares a group with every decision: it scores a shortlist of at most
//! [`SHORTLIST`] decisions, the latest of the same code and those reached through an inverted
//! index by the group's rare words.
//!
//! Patterns come from servers: the text kept for display is sanitised and cut here, once.

use std::collections::HashMap;

use crate::domain::ErrorSource;
use crate::triage::ErrorGroup;
use crate::ui::text::{sanitize, truncate};

/// Decisions scored per search.
const SHORTLIST: usize = 16;
/// Decisions of the group's own code always on the shortlist, the latest first.
const SAME_CODE_RECENT: usize = 8;
/// A word that at most this many decisions have leads to them; commoner words ("failed",
/// "<path>") say little about which decisions are near.
const RARE_WORD_DECISIONS: usize = 8;
/// Cells of pattern shown for a similar group.
const SHOWN_PATTERN_CELLS: usize = 40;

/// A confirmed decision.
#[derive(Debug, Clone)]
pub(super) struct Confirmed {
    pub source: ErrorSource,
    pub code: i64,
    pub pattern: String,
    /// Label index.
    pub label: usize,
    /// Word ids of the group, as often as they occur: what the model learns from.
    pub words: Vec<u32>,
    /// The same ids, sorted, once each: what nearness is measured on.
    word_set: Vec<u32>,
    /// The rule of the table that covers this group, if any.
    pub rule: Option<usize>,
    /// `pilot:1099 "Failed to stage-in file:<PATH>…"`, sanitised and cut.
    shown: String,
    /// What `because` says of it: `similar: <shown> (confirmed: <label>)`.
    line: String,
    /// False once the decision was withdrawn; it stays in the indexes, unused, until decided again.
    standing: bool,
}

/// A decision near a group.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Near {
    pub index: usize,
    pub same_code: bool,
    pub jaccard: f64,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Decisions {
    list: Vec<Confirmed>,
    /// How many of `list` are standing.
    standing: usize,
    /// Decisions by group id, for a group's own decision (ids derive from source, code and
    /// pattern, which are checked too).
    by_id: HashMap<String, Vec<usize>>,
    /// Decisions by source and code, oldest first, for same-code neighbours.
    by_code: HashMap<(ErrorSource, i64), Vec<usize>>,
    /// For each word id, the decisions whose group has it, oldest first.
    postings: Vec<Vec<u32>>,
}

impl Decisions {
    /// Standing decisions.
    pub fn len(&self) -> usize {
        self.standing
    }

    pub fn is_empty(&self) -> bool {
        self.standing == 0
    }

    /// Standing decisions.
    pub fn iter(&self) -> impl Iterator<Item = &Confirmed> {
        self.list.iter().filter(|d| d.standing)
    }

    /// A standing decision by index.
    pub fn get(&self, index: usize) -> Option<&Confirmed> {
        self.list.get(index).filter(|d| d.standing)
    }

    /// Withdraws the decision on a group (an undo); false if there was none.
    pub fn withdraw(&mut self, group: &ErrorGroup) -> bool {
        let Some(index) = self.find(group) else {
            return false;
        };
        match self.list.get_mut(index) {
            Some(decision) => {
                decision.standing = false;
                self.standing -= 1;
                true
            }
            None => false,
        }
    }

    /// Records the decision on a group, with its label as `because` shows it; a later decision on
    /// the same group replaces the earlier.
    pub fn record(
        &mut self,
        group: &ErrorGroup,
        label: usize,
        label_text: &str,
        words: Vec<u32>,
        rule: Option<usize>,
    ) {
        if let Some(index) = self.find_any(group)
            && let Some(existing) = self.list.get_mut(index)
        {
            existing.label = label;
            existing.rule = rule;
            existing.line = line(&existing.shown, label_text);
            if !existing.standing {
                existing.standing = true;
                self.standing += 1;
            }
            return;
        }

        let index = self.list.len();
        let Ok(posting) = u32::try_from(index) else {
            return;
        };
        let mut word_set = words.clone();
        word_set.sort_unstable();
        word_set.dedup();
        for &word in &word_set {
            let word = word as usize;
            if self.postings.len() <= word {
                self.postings.resize_with(word + 1, Vec::new);
            }
            if let Some(list) = self.postings.get_mut(word) {
                list.push(posting);
            }
        }
        self.by_id.entry(group.id.clone()).or_default().push(index);
        self.by_code
            .entry((group.source, group.code))
            .or_default()
            .push(index);
        let shown = shown(group);
        self.list.push(Confirmed {
            source: group.source,
            code: group.code,
            pattern: group.pattern.clone(),
            label,
            words,
            word_set,
            rule,
            line: line(&shown, label_text),
            shown,
            standing: true,
        });
        self.standing += 1;
    }

    /// The standing decision on exactly this group, if there is one.
    pub fn find(&self, group: &ErrorGroup) -> Option<usize> {
        self.find_any(group)
            .filter(|&i| self.list.get(i).is_some_and(|d| d.standing))
    }

    /// The decision on exactly this group, standing or withdrawn.
    fn find_any(&self, group: &ErrorGroup) -> Option<usize> {
        self.by_id.get(&group.id)?.iter().copied().find(|&i| {
            self.list.get(i).is_some_and(|d| {
                d.source == group.source && d.code == group.code && d.pattern == group.pattern
            })
        })
    }

    /// Up to `limit` decisions nearest to a group with the word ids `word_set` (sorted, once each)
    /// and `unknown_words` further words no decision has; same code first, then by Jaccard index,
    /// then the most recent. `exclude` is the group's own decision.
    ///
    /// Only a shortlist is scored: the [`SAME_CODE_RECENT`] latest decisions of the same code, and
    /// decisions that share a word at most [`RARE_WORD_DECISIONS`] decisions have. An older
    /// same-code decision that shares only common words with the group is not looked at.
    pub fn nearest(
        &self,
        source: ErrorSource,
        code: i64,
        word_set: &[u32],
        unknown_words: usize,
        exclude: Option<usize>,
        limit: usize,
    ) -> Vec<Near> {
        if self.list.is_empty() || limit == 0 {
            return Vec::new();
        }

        // Scored as they are found, since the shortlist is short.
        let mut near: Vec<Near> = Vec::with_capacity(SHORTLIST);
        let consider = |index: usize, near: &mut Vec<Near>| {
            if near.len() >= SHORTLIST
                || Some(index) == exclude
                || near.iter().any(|n| n.index == index)
            {
                return;
            }
            let Some(decision) = self.get(index) else {
                return;
            };
            let common = intersection(word_set, &decision.word_set);
            let union = word_set.len() + unknown_words + decision.word_set.len() - common;
            if common > 0 && union > 0 {
                near.push(Near {
                    index,
                    same_code: decision.source == source && decision.code == code,
                    jaccard: common as f64 / union as f64,
                });
            }
        };
        if let Some(same_code) = self.by_code.get(&(source, code)) {
            for &index in same_code.iter().rev().take(SAME_CODE_RECENT) {
                consider(index, &mut near);
            }
        }
        for &word in word_set {
            if near.len() >= SHORTLIST {
                break;
            }
            if let Some(list) = self.postings.get(word as usize)
                && list.len() <= RARE_WORD_DECISIONS
            {
                for &index in list.iter().rev() {
                    consider(index as usize, &mut near);
                }
            }
        }

        near.sort_by(|a, b| {
            b.same_code
                .cmp(&a.same_code)
                .then(b.jaccard.total_cmp(&a.jaccard))
                .then(b.index.cmp(&a.index))
        });
        near.truncate(limit);
        near
    }

    /// `similar: pilot:1099 "Failed to stage-in file:<PATH>…" (confirmed: system/transient/none)`.
    pub fn line(&self, index: usize) -> Option<&str> {
        self.get(index).map(|d| d.line.as_str())
    }
}

fn line(shown: &str, label_text: &str) -> String {
    format!("similar: {shown} (confirmed: {label_text})")
}

/// The number of ids two sorted, deduplicated lists share.
fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common
}

fn shown(group: &ErrorGroup) -> String {
    let pattern = if group.pattern.is_empty() {
        "(no diagnostic)".into()
    } else {
        sanitize(&group.pattern)
    };
    format!(
        "{} \"{}\"",
        group.key(),
        truncate(&pattern, SHOWN_PATTERN_CELLS)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersection_of_sorted_sets() {
        assert_eq!(intersection(&[1, 3, 5, 7], &[2, 3, 7, 9]), 2);
        assert_eq!(intersection(&[], &[1]), 0);
        assert_eq!(intersection(&[4], &[4]), 1);
    }
}
