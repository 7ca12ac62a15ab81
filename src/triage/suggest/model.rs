//! The learned part: smartcore's multinomial naive Bayes over the words of a group.
//!
//! Multinomial naive Bayes needs only two things from its training documents: the word counts
//! summed per label, and how much each label weighs (its prior). So the matrix smartcore fits on
//! has one row per label, the weighted sum of that label's documents, and the priors are passed
//! in from the weighted document counts; the fit is the same as on one row per document, and
//! costs the same with 1,000 decisions as with 10. smartcore predicts labels only, so the
//! probabilities are read from its fitted per-label word log-probabilities, over the words a group
//! has (a group has a dozen words; the vocabulary has thousands).
//!
//! Nothing here panics: a fit smartcore refuses is an `Err` with its reason.

use std::collections::BTreeMap;

use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::naive_bayes::multinomial::{MultinomialNB, MultinomialNBParameters};

/// Laplace smoothing: every word counts once more in every label than it was seen.
const SMOOTHING: f64 = 1.0;

/// A training document: word ids (repeated as often as the word occurs), the label index and
/// how many times it counts.
#[derive(Debug, Clone, Copy)]
pub(super) struct Document<'a> {
    pub words: &'a [u32],
    pub label: usize,
    pub weight: u32,
}

/// A fitted model.
#[derive(Debug)]
pub(super) struct Model {
    nb: MultinomialNB<u32, u32, DenseMatrix<u32>, Vec<u32>>,
    /// The label index of each of the model's classes, in its order.
    classes: Vec<usize>,
    log_priors: Vec<f64>,
    /// Whether any training document has the word; those none has (a withdrawn decision's) are
    /// unknown words, not evidence.
    seen: Vec<bool>,
}

/// What the model makes of a group.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Posterior {
    /// Label index.
    pub label: usize,
    /// Probability of that label, finite, 0 to 1.
    pub probability: f64,
    /// How many labels the model knows.
    pub classes: usize,
    /// Word ids that weigh most for the label, strongest first, at most three.
    pub evidence: Vec<u32>,
}

impl Model {
    /// Fits on the documents over a vocabulary of `n_words` ids. `Ok(None)` when there is nothing
    /// to learn from (no documents, or no words in any of them).
    pub fn fit<'a>(
        n_words: usize,
        documents: impl IntoIterator<Item = Document<'a>>,
    ) -> Result<Option<Model>, String> {
        // Per label: the total weight of its documents and its weighted word counts.
        let mut per_label: BTreeMap<usize, (u64, Vec<u32>)> = BTreeMap::new();
        for document in documents {
            let (weight, counts) = per_label
                .entry(document.label)
                .or_insert_with(|| (0, vec![0; n_words]));
            *weight += u64::from(document.weight);
            for &word in document.words {
                if let Some(count) = counts.get_mut(word as usize) {
                    *count = count.saturating_add(document.weight);
                }
            }
        }
        per_label.retain(|_, (weight, _)| *weight > 0);
        if per_label.is_empty() || n_words == 0 {
            return Ok(None);
        }

        let mut seen = vec![false; n_words];
        for (_, counts) in per_label.values() {
            for (seen, &count) in seen.iter_mut().zip(counts) {
                *seen |= count > 0;
            }
        }
        let total: u64 = per_label.values().map(|(weight, _)| weight).sum();
        let classes: Vec<usize> = per_label.keys().copied().collect();
        let priors: Vec<f64> = per_label
            .values()
            .map(|(weight, _)| *weight as f64 / total as f64)
            .collect();
        let y = classes
            .iter()
            .map(|&label| u32::try_from(label).map_err(|_| format!("label index {label}")))
            .collect::<Result<Vec<u32>, String>>()?;
        let values: Vec<u32> = per_label
            .into_values()
            .flat_map(|(_, counts)| counts)
            .collect();
        let x = DenseMatrix::new(classes.len(), n_words, values, false)
            .map_err(|failed| failed.to_string())?;

        let parameters = MultinomialNBParameters::default()
            .with_alpha(SMOOTHING)
            .with_priors(priors.clone());
        let nb = MultinomialNB::fit(&x, &y, parameters).map_err(|failed| failed.to_string())?;
        // smartcore orders classes by value; ours are already ascending, so they must agree.
        if nb.classes() != &y || nb.n_features() != n_words {
            return Err("smartcore returned classes or features in an unexpected order".into());
        }
        Ok(Some(Model {
            nb,
            classes,
            log_priors: priors.iter().map(|p| p.ln()).collect(),
            seen,
        }))
    }

    /// The most likely label for a bag of word ids; `None` if the group has no word the model knows
    /// or the arithmetic went wrong (a non-finite score).
    pub fn posterior(&self, words: &[u32]) -> Option<Posterior> {
        let seen = &self.seen;
        let known = |w: &&u32| seen.get(**w as usize).copied().unwrap_or(false);
        if !words.iter().any(|w| known(&w)) {
            return None;
        }

        let log_probabilities = self.nb.feature_log_prob();
        let mut scores: Vec<f64> = Vec::with_capacity(self.classes.len());
        for (row, prior) in log_probabilities.iter().zip(&self.log_priors) {
            let mut score = *prior;
            for &w in words.iter().filter(known) {
                score += row.get(w as usize).copied().unwrap_or(0.0);
            }
            scores.push(score);
        }
        let (best, best_score) = scores
            .iter()
            .copied()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))?;
        let normaliser: f64 = scores.iter().map(|score| (score - best_score).exp()).sum();
        let probability = 1.0 / normaliser;
        if !best_score.is_finite() || !probability.is_finite() {
            return None;
        }

        Some(Posterior {
            label: *self.classes.get(best)?,
            probability: probability.clamp(0.0, 1.0),
            classes: self.classes.len(),
            evidence: self.evidence(best, words),
        })
    }

    /// The words of a group that favour class `best` most over its strongest rival.
    fn evidence(&self, best: usize, words: &[u32]) -> Vec<u32> {
        let log_probabilities = self.nb.feature_log_prob();
        let Some(best_row) = log_probabilities.get(best) else {
            return Vec::new();
        };
        // The three strongest (margin, word), strongest first, ties to the smaller id; kept in
        // place as words go by, since this runs for thousands of groups.
        const SHOWN: usize = 3;
        let mut top: [(f64, u32); SHOWN] = [(f64::NEG_INFINITY, 0); SHOWN];
        let mut found = 0;
        for (at, &w) in words.iter().enumerate() {
            let (Some(&own), Some(true)) = (best_row.get(w as usize), self.seen.get(w as usize))
            else {
                continue;
            };
            if words[..at].contains(&w) {
                continue;
            }
            // The strongest rival class for this word; with one class there is none, and the
            // label's most frequent words speak for it.
            let mut rival = f64::NEG_INFINITY;
            for (class, row) in log_probabilities.iter().enumerate() {
                if class != best
                    && let Some(&other) = row.get(w as usize)
                    && other > rival
                {
                    rival = other;
                }
            }
            let alone = rival == f64::NEG_INFINITY;
            let margin = if alone { own } else { own - rival };
            if !margin.is_finite() || (!alone && margin <= 0.0) {
                continue;
            }
            let stronger = |(m, id): (f64, u32)| margin > m || (margin == m && w < id);
            let Some(slot) = (0..SHOWN).find(|&i| i >= found || stronger(top[i])) else {
                continue;
            };
            top.copy_within(slot..SHOWN - 1, slot + 1);
            top[slot] = (margin, w);
            found = (found + 1).min(SHOWN);
        }
        top[..found].iter().map(|(_, w)| *w).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(words: &[u32], label: usize, weight: u32) -> Document<'_> {
        Document {
            words,
            label,
            weight,
        }
    }

    #[test]
    fn nothing_to_learn_is_no_model() {
        assert!(matches!(Model::fit(0, []), Ok(None)));
        assert!(matches!(Model::fit(3, []), Ok(None)));
        assert!(matches!(Model::fit(3, [doc(&[0], 0, 0)]), Ok(None)));
    }

    #[test]
    fn matches_naive_bayes_worked_by_hand() {
        // Words 0 and 1; label 0 saw word 0 twice, label 1 saw word 1 once, equal priors.
        let model = Model::fit(2, [doc(&[0, 0], 0, 1), doc(&[1], 1, 1)])
            .unwrap()
            .unwrap();
        // P(w0|l0) = (2+1)/(2+2) = 3/4, P(w0|l1) = (0+1)/(1+2) = 1/3.
        let posterior = model.posterior(&[0]).unwrap();
        assert_eq!(posterior.label, 0);
        let expected = 0.75 / (0.75 + 1.0 / 3.0);
        assert!(
            (posterior.probability - expected).abs() < 1e-12,
            "{posterior:?}"
        );
        assert_eq!(posterior.evidence, vec![0]);
        assert_eq!(posterior.classes, 2);
    }

    #[test]
    fn one_row_per_label_fits_like_one_row_per_document() {
        // Weights multiply counts and priors: one document of weight 3 is three copies.
        let weighted = Model::fit(3, [doc(&[0, 2], 0, 3), doc(&[1, 2], 1, 1)])
            .unwrap()
            .unwrap();
        let copies = Model::fit(
            3,
            [
                doc(&[0, 2], 0, 1),
                doc(&[0, 2], 0, 1),
                doc(&[0, 2], 0, 1),
                doc(&[1, 2], 1, 1),
            ],
        )
        .unwrap()
        .unwrap();
        for words in [&[0][..], &[1], &[2], &[0, 1, 2]] {
            assert_eq!(weighted.posterior(words), copies.posterior(words));
        }
        // With a prior of 3/4 against 1/4 and equal evidence, the shared word leans to label 0.
        let shared = weighted.posterior(&[2]).unwrap();
        assert_eq!(shared.label, 0);
    }

    #[test]
    fn unknown_words_are_ignored_and_none_known_is_none() {
        let model = Model::fit(2, [doc(&[0], 0, 1), doc(&[1], 1, 1)])
            .unwrap()
            .unwrap();
        assert_eq!(model.posterior(&[]), None);
        assert_eq!(model.posterior(&[7, 9]), None);
        assert_eq!(model.posterior(&[0, 7]), model.posterior(&[0]));
    }

    #[test]
    fn words_no_document_has_are_unknown() {
        // Word 2 is in the vocabulary, but its only document was withdrawn.
        let model = Model::fit(3, [doc(&[0], 0, 1), doc(&[1], 1, 1)])
            .unwrap()
            .unwrap();
        assert_eq!(model.posterior(&[2]), None);
        assert_eq!(model.posterior(&[2, 0]), model.posterior(&[0]));
    }

    #[test]
    fn a_tie_is_an_even_split_not_a_nan() {
        let model = Model::fit(1, [doc(&[0], 0, 1), doc(&[0], 1, 1)])
            .unwrap()
            .unwrap();
        let posterior = model.posterior(&[0]).unwrap();
        assert_eq!(posterior.label, 0);
        assert!((posterior.probability - 0.5).abs() < 1e-12);
        assert!(posterior.evidence.is_empty());
    }

    #[test]
    fn one_label_only_is_certain_by_construction() {
        let model = Model::fit(2, [doc(&[0, 1], 4, 1)]).unwrap().unwrap();
        let posterior = model.posterior(&[1]).unwrap();
        assert_eq!((posterior.label, posterior.classes), (4, 1));
        assert_eq!(posterior.probability, 1.0);
        assert_eq!(posterior.evidence, vec![1]);
    }

    #[test]
    fn very_long_groups_stay_finite() {
        let mut words = vec![0_u32; 50_000];
        words.push(1);
        let model = Model::fit(2, [doc(&[0], 0, 1), doc(&[1], 1, 1)])
            .unwrap()
            .unwrap();
        let posterior = model.posterior(&words).unwrap();
        assert_eq!(posterior.label, 0);
        assert!(posterior.probability.is_finite());
        assert!(posterior.probability > 0.99);
    }
}
