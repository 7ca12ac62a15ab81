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
        let table: [(&str, &str); 17] = [
            (r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\x22,;()\[\]]+", "<URL>"),
            (r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", "<GUID>"),
            (r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", "<TIME>"),
            (r"\b\d{1,2}:\d{2}:\d{2}(\.\d+)?\b", "<TIME>"),
            (r"(^|[\s=:'\x22(\[])(/[^\s'\x22,;:()\[\]]+)+", "${1}<PATH>"),
            (r"\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b", "<IP>"),
            // Rucio storage elements and PanDA queues: `RAL-LCG2-ECHO_DATADISK`, `FZK-LCG2_UCORE`.
            (r"\b[A-Za-z0-9]+([-_][A-Za-z0-9]+)*_([A-Z]*DISK|[A-Z]*TAPE)\b", "<RSE>"),
            (r"\b[A-Za-z0-9]+([-_][A-Za-z0-9]+)*_(UCORE|MCORE|SCORE|HIMEM|GPU|ANALY[A-Z0-9_]*)\b", "<QUEUE>"),
            // Dataset and file names: dotted tokens with at least three parts, such as
            // `EVNT.12345678._001234.pool.root.1` or `mc23_13p6TeV.601229.PhPy8EG.deriv`; host
            // names are told apart by shape below.
            (r"\b[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){2,}\b", "<NAME>"),
            // A Rucio scope in front of a name (`mc23_13p6TeV:<NAME>`) is part of the name.
            (r"\b[A-Za-z0-9_.-]+:<NAME>", "<NAME>"),
            // Who killed a job varies; that someone did is the pattern.
            (r"\b(killed|aborted|cancelled|reassigned) by (\w+)$", "$1 by <USER>"),
            (r"\b[0-9a-fA-F]{12,}\b", "<HEX>"),
            // Checksums (adler32 is 8 hex digits) are hex when they mix digits and letters.
            (r"\b[0-9a-fA-F]{8,11}\b", "<HEX8>"),
            (r"\b0x[0-9a-fA-F]+\b", "<HEX>"),
            // A number glued to its unit (`9123456kB`, `30s`) keeps the unit.
            (r"\b(\d+(\.\d+)?)(kB|KB|MB|GB|TB|ms|s|min|h)\b", "<N>$3"),
            (r"[-+]?\b\d+(\.\d+)?([eE][-+]?\d+)?\b", "<N>"),
            (r"\s+", " "),
        ];
        table
            .into_iter()
            .filter_map(|(pattern, mask)| Regex::new(pattern).ok().map(|pattern| Rule { pattern, mask }))
            .collect()
    })
}

const NOT_USERS: [&str; 9] = [
    "signal",
    "pilot",
    "server",
    "batch",
    "system",
    "the",
    "jedi",
    "panda",
    "harvester",
];

/// Characters of a diagnostic that [`normalize`] reads; the rest is left out of the pattern.
pub const MAX_NORMALISED_CHARS: usize = 2048;

/// The pattern of a diagnostic: its variable parts masked, its spacing collapsed.
///
/// A `<NAME>` mask keeps host-like names apart from file names only by shape: a dotted token with
/// a known domain suffix becomes `<HOST>`.
pub fn normalize(diag: &str) -> String {
    // Only the head of a very long message is normalised: pilot diagnostics stop at 256
    // characters, and the cost of the masks grows faster than the length on pasted log lines.
    let head = match diag.char_indices().nth(MAX_NORMALISED_CHARS) {
        Some((end, _)) => &diag[..end],
        None => diag,
    };
    let mut text = head.trim().to_string();
    for rule in rules() {
        if rule.mask == "$1 by <USER>" {
            text = rule
                .pattern
                .replace_all(&text, |caps: &regex::Captures<'_>| {
                    let verb = caps.get(1).map_or("", |m| m.as_str());
                    let who = caps.get(2).map_or("", |m| m.as_str());
                    // Words that say how, not who, stay.
                    if NOT_USERS.contains(&who.to_ascii_lowercase().as_str()) {
                        format!("{verb} by {who}")
                    } else {
                        format!("{verb} by <USER>")
                    }
                })
                .into_owned();
        } else if rule.mask == "<NAME>" {
            text = rule
                .pattern
                .replace_all(&text, |caps: &regex::Captures<'_>| {
                    let token = caps.get(0).map_or("", |m| m.as_str());
                    if looks_like_host(token) {
                        "<HOST>"
                    } else {
                        "<NAME>"
                    }
                })
                .into_owned();
        } else if rule.mask == "<HEX8>" {
            text = rule
                .pattern
                .replace_all(&text, |caps: &regex::Captures<'_>| {
                    let token = caps.get(0).map_or("", |m| m.as_str());
                    let digit = token.bytes().any(|b| b.is_ascii_digit());
                    let letter = token.bytes().any(|b| b.is_ascii_alphabetic());
                    if digit && letter {
                        "<HEX>".to_string()
                    } else {
                        token.to_string()
                    }
                })
                .into_owned();
        } else {
            text = rule.pattern.replace_all(&text, rule.mask).into_owned();
        }
    }
    text
}

/// Host names are lower-case labels of letters, digits and hyphens, ending in a word:
/// `aipanda012.cern.ch`, `wn2016.ijs.si`. File and dataset names have capitals, underscores or a
/// trailing number.
fn looks_like_host(token: &str) -> bool {
    let labels: Vec<&str> = token.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let ends_in_word = labels
        .last()
        .is_some_and(|last| last.len() >= 2 && last.bytes().all(|b| b.is_ascii_lowercase()));
    labels.iter().all(label_ok) && ends_in_word
}

#[cfg(test)]
mod long_tests {
    use super::*;

    #[test]
    fn checksums_that_mix_digits_and_letters_are_hex() {
        assert_eq!(
            normalize("adler32 mismatch on output local ba07eef1 remote 4d91f722"),
            "adler32 mismatch on output local <HEX> remote <HEX>"
        );
        // Words made of hex letters, and plain numbers, are not.
        assert_eq!(
            normalize("deadbeef cafebabe 12345678"),
            "deadbeef cafebabe <N>"
        );
    }

    #[test]
    fn only_the_head_of_a_very_long_message_is_read() {
        let long = format!("Payload crashed {}", "7 ".repeat(20_000));
        let pattern = normalize(&long);
        assert!(pattern.starts_with("Payload crashed <N> <N>"));
        assert!(
            pattern.chars().count() < MAX_NORMALISED_CHARS * 3,
            "{}",
            pattern.len()
        );
        // Two messages that differ only after the head fall in one group.
        assert_eq!(normalize(&format!("{long}x")), pattern);
    }
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
        assert_eq!(
            a,
            "Failed to stage-in file:copy command timed out: <URL> after <N> s"
        );
    }

    #[test]
    fn paths_hosts_guids_names_and_numbers_are_masked() {
        let pattern = normalize(
            "Transform error:file /srv/workDir/PanDA_Pilot-6512/EVNT.12345678._001234.pool.root.1 \
             (guid 1b4e28ba-2fa1-11d2-883f-0016d3cca427) on aipanda012.cern.ch at 2026-12-03 12:00:01 exit 65",
        );
        assert_eq!(
            pattern,
            "Transform error:file <PATH> (guid <GUID>) on <HOST> at <TIME> exit <N>"
        );
    }

    #[test]
    fn dataset_names_are_masked_as_names() {
        assert_eq!(
            normalize("Input dataset mc23_13p6TeV.601229.PhPy8EG.deriv.DAOD_PHYS.e8514 is empty"),
            "Input dataset <NAME> is empty"
        );
    }

    #[test]
    fn storage_elements_queues_scopes_and_killers_are_masked() {
        assert_eq!(
            normalize(
                "Failed to stage-out file:RAL-LCG2-ECHO_DATADISK is blacklisted for writing (file AOD.40341013._002668.pool.root.1)"
            ),
            "Failed to stage-out file:<RSE> is blacklisted for writing (file <NAME>)"
        );
        assert_eq!(
            normalize(
                "Job was preempted:worker 675161082 at FZK-LCG2_UCORE reclaimed after 144 min"
            ),
            "Job was preempted:worker <N> at <QUEUE> reclaimed after <N> min"
        );
        assert_eq!(
            normalize("rucio download of mc23_13p6TeV:EVNT.40171372._000156.pool.root.2 failed"),
            "rucio download of <NAME> failed"
        );
        assert_eq!(normalize("killed by akorolev"), "killed by <USER>");
        assert_eq!(normalize("Job killed by signal"), "Job killed by signal");
        assert_eq!(normalize("received on wn2016.ijs.si"), "received on <HOST>");
        assert_eq!(
            normalize("add files to user.hkim.40340554_sub2617370760"),
            "add files to <NAME>"
        );
    }

    #[test]
    fn numbers_glued_to_units_are_masked_and_keep_the_unit() {
        assert_eq!(
            normalize(
                "Out of memory: Killed process 4242 (athena.py) total-vm:9123456kB, anon-rss:812345kB"
            ),
            "Out of memory: Killed process <N> (athena.py) total-vm:<N>kB, anon-rss:<N>kB"
        );
        assert_eq!(normalize("timed out after 30s"), "timed out after <N>s");
    }

    #[test]
    fn words_are_kept() {
        assert_eq!(normalize("  lost   heartbeat "), "lost heartbeat");
    }
}
