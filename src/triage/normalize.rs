//! Turns a diagnostic into a pattern by masking its variable parts.
//!
//! Two failures of the same kind differ in paths, hosts, numbers, ids and file names; masking those
//! leaves the shape the operator recognises ("Failed to stage-in file:<PATH> not found on <HOST>").
//! The order of the rules matters: wider shapes (URLs, paths) are masked before the numbers inside
//! them would be.

use std::sync::OnceLock;

use regex::Regex;

struct Rule {
    pattern: Regex,
    mask: &'static str,
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let table: [(&str, &str); 11] = [
            (r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\x22,;()\[\]]+", "<URL>"),
            (r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", "<GUID>"),
            (r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", "<TIME>"),
            (r"\b\d{1,2}:\d{2}:\d{2}(\.\d+)?\b", "<TIME>"),
            (r"(^|[\s=:'\x22(\[])(/[^\s'\x22,;:()\[\]]+)+", "${1}<PATH>"),
            (r"\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b", "<IP>"),
            // Dataset and file names: dotted tokens with at least three parts, one of them a number,
            // such as `EVNT.12345678._001234.pool.root.1` or `mc23_13p6TeV.601229.PhPy8EG.deriv`.
            (r"\b[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){2,}\b", "<NAME>"),
            (r"\b[0-9a-fA-F]{12,}\b", "<HEX>"),
            (r"\b0x[0-9a-fA-F]+\b", "<HEX>"),
            (r"[-+]?\b\d+(\.\d+)?([eE][-+]?\d+)?\b", "<N>"),
            (r"\s+", " "),
        ];
        table
            .into_iter()
            .filter_map(|(pattern, mask)| Regex::new(pattern).ok().map(|pattern| Rule { pattern, mask }))
            .collect()
    })
}

/// The pattern of a diagnostic: its variable parts masked, its spacing collapsed.
///
/// A `<NAME>` mask keeps host-like names apart from file names only by shape: a dotted token with
/// a known domain suffix becomes `<HOST>`.
pub fn normalize(diag: &str) -> String {
    let mut text = diag.trim().to_string();
    for rule in rules() {
        if rule.mask == "<NAME>" {
            text = rule
                .pattern
                .replace_all(&text, |caps: &regex::Captures<'_>| {
                    let token = caps.get(0).map_or("", |m| m.as_str());
                    if looks_like_host(token) { "<HOST>" } else { "<NAME>" }
                })
                .into_owned();
        } else {
            text = rule.pattern.replace_all(&text, rule.mask).into_owned();
        }
    }
    text
}

fn looks_like_host(token: &str) -> bool {
    const DOMAINS: [&str; 12] =
        [".ch", ".org", ".gov", ".edu", ".net", ".com", ".de", ".fr", ".uk", ".it", ".jp", ".local"];
    let lower = token.to_ascii_lowercase();
    DOMAINS.iter().any(|suffix| lower.ends_with(suffix))
        && lower.split('.').all(|label| !label.is_empty() && !label.starts_with('_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_in_failures_on_different_files_share_a_pattern() {
        let a = normalize(
            "Failed to stage-in file:copy command timed out: root://eosatlas.cern.ch//eos/atlas/a.root after 3600 s",
        );
        let b = normalize(
            "Failed to stage-in file:copy command timed out: root://dcache.bnl.gov:1094//pnfs/b.root after 1800 s",
        );
        assert_eq!(a, b);
        assert_eq!(a, "Failed to stage-in file:copy command timed out: <URL> after <N> s");
    }

    #[test]
    fn paths_hosts_guids_names_and_numbers_are_masked() {
        let pattern = normalize(
            "Transform error:file /srv/workDir/PanDA_Pilot-6512/EVNT.12345678._001234.pool.root.1 \
             (guid 1b4e28ba-2fa1-11d2-883f-0016d3cca427) on aipanda012.cern.ch at 2026-12-03 12:00:01 exit 65",
        );
        assert_eq!(pattern, "Transform error:file <PATH> (guid <GUID>) on <HOST> at <TIME> exit <N>");
    }

    #[test]
    fn dataset_names_are_masked_as_names() {
        assert_eq!(
            normalize("Input dataset mc23_13p6TeV.601229.PhPy8EG.deriv.DAOD_PHYS.e8514 is empty"),
            "Input dataset <NAME> is empty"
        );
    }

    #[test]
    fn words_are_kept() {
        assert_eq!(normalize("  lost   heartbeat "), "lost heartbeat");
    }
}
