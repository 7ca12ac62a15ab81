//! The rule table: error codes whose meaning PanDA's own catalogues make plain, each with the
//! class, permanence and retry action an operator would give it.
//!
//! A rule names a source, one or more codes (with the constant name the catalogue gives each, so
//! the reason shown reads like PanDA's own tables), and optionally words that the group's pattern
//! must contain, for catch-all codes such as pilot 1305 whose diagnostic says what really happened.
//! The first rule that matches wins, so narrow rules stand before broad ones. A test checks every
//! code and name against `crate::catalogue`.
//!
//! Codes that mean different things in different diagnostics (transform 65 and 68, executor 75,
//! the Adder's 200, a bare SIGKILL) have no rule: the model and the operators' decisions judge
//! those by their words.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::domain::ErrorSource;

use super::{
    CPU_TIME, LIMITED_RETRY, Label, MEMORY, OPERATOR_ACTION, REDUCE_INPUT, SYSTEM_TRANSIENT,
    USER_PERMANENT,
};

/// One line of the table.
#[derive(Debug)]
pub(super) struct Rule {
    pub sources: &'static [ErrorSource],
    /// Codes with their catalogue constant names.
    pub codes: &'static [(i64, &'static str)],
    /// Words (as [`super::words`] cuts them) that must all be in the pattern; empty for none.
    pub words: &'static [&'static str],
    pub label: Label,
    /// What the rule says of the error, completing "pilot 1099 STAGEINFAILED …".
    pub meaning: &'static str,
}

const PILOT: &[ErrorSource] = &[ErrorSource::Pilot];
/// Transform exit codes arrive both as `exeErrorCode` and as `transExitCode`.
const TRANSFORM: &[ErrorSource] = &[ErrorSource::Executor, ErrorSource::Transform];

/// The rules, first match wins.
pub(super) const RULES: &[Rule] = &[
    // A full disk shows up inside catch-all codes; it is the node's fault, not the payload's.
    Rule {
        sources: PILOT,
        codes: &[(1305, "PAYLOADEXECUTIONFAILURE")],
        words: &["space", "left", "device"],
        label: SYSTEM_TRANSIENT,
        meaning: "is a full disk on the worker node",
    },
    Rule {
        sources: TRANSFORM,
        codes: &[(250, "TRF_UNEXPECTED_TRF_EXCEPTION")],
        words: &["space", "left", "device"],
        label: SYSTEM_TRANSIENT,
        meaning: "is a full disk on the worker node",
    },
    Rule {
        sources: PILOT,
        codes: &[
            (1099, "STAGEINFAILED"),
            (1137, "STAGEOUTFAILED"),
            (1151, "STAGEINTIMEOUT"),
            (1152, "STAGEOUTTIMEOUT"),
            (1180, "GETGLOBUSSYSERR"),
            (1181, "PUTGLOBUSSYSERR"),
            (1327, "UNREACHABLENETWORK"),
            (1361, "REMOTEFILECOULDNOTBEOPENED"),
            (1362, "XRDCPERROR"),
            (1368, "REMOTEFILEOPENTIMEDOUT"),
        ],
        words: &[],
        label: SYSTEM_TRANSIENT,
        meaning: "is a storage fault",
    },
    Rule {
        sources: PILOT,
        codes: &[
            (1141, "PUTMD5MISMATCH"),
            (1145, "GETMD5MISMATCH"),
            (1171, "GETADMISMATCH"),
            (1172, "PUTADMISMATCH"),
        ],
        words: &[],
        label: SYSTEM_TRANSIENT,
        meaning: "is a file damaged in transfer",
    },
    Rule {
        sources: PILOT,
        codes: &[
            (1098, "NOLOCALSPACE"),
            (1309, "SINGULARITYIMAGEMOUNTFAILURE"),
            (1316, "RUCIOSERVICEUNAVAILABLE"),
            (1318, "COMMUNICATIONFAILURE"),
            (1324, "SERVICENOTAVAILABLE"),
            (1333, "NOREMOTESPACE"),
            (1344, "RESOURCEUNAVAILABLE"),
            (1377, "CVMFSISNOTALIVE"),
        ],
        words: &[],
        label: SYSTEM_TRANSIENT,
        meaning: "is a site or service fault",
    },
    Rule {
        sources: PILOT,
        codes: &[
            (1163, "NOPROXY"),
            (1177, "NOVOMSPROXY"),
            (1338, "STAGEINAUTHENTICATIONFAILURE"),
            (1373, "CERTIFICATEHASEXPIRED"),
            (1383, "STAGEOUTAUTHENTICATIONFAILURE"),
        ],
        words: &[],
        label: SYSTEM_TRANSIENT,
        meaning: "is a credentials fault",
    },
    Rule {
        sources: PILOT,
        codes: &[(1201, "SIGTERM"), (1379, "PREEMPTION")],
        words: &[],
        label: SYSTEM_TRANSIENT,
        meaning: "is the batch system ending the job",
    },
    Rule {
        sources: TRANSFORM,
        codes: &[(143, "TRF_SIG_SIGTERM")],
        words: &[],
        label: SYSTEM_TRANSIENT,
        meaning: "is the batch system ending the job",
    },
    Rule {
        sources: PILOT,
        codes: &[
            (1212, "PAYLOADOUTOFMEMORY"),
            (1223, "BADALLOC"),
            (1235, "PAYLOADEXCEEDMAXMEM"),
        ],
        words: &[],
        label: MEMORY,
        meaning: "is a memory limit",
    },
    Rule {
        sources: PILOT,
        codes: &[
            (1150, "LOOPINGJOB"),
            (1204, "SIGXCPU"),
            (1213, "REACHEDMAXTIME"),
        ],
        words: &[],
        label: CPU_TIME,
        meaning: "is a time limit",
    },
    Rule {
        sources: TRANSFORM,
        codes: &[(67, "TRF_EXEC_TIMEOUT"), (152, "TRF_SIG_SIGXCPU")],
        words: &[],
        label: CPU_TIME,
        meaning: "is a time limit",
    },
    Rule {
        sources: PILOT,
        codes: &[
            (1104, "USERDIRTOOLARGE"),
            (1124, "OUTPUTFILETOOLARGE"),
            (1168, "SIZETOOLARGE"),
        ],
        words: &[],
        label: REDUCE_INPUT,
        meaning: "is a size limit that less input per job avoids",
    },
    Rule {
        sources: PILOT,
        codes: &[
            (1100, "REPLICANOTFOUND"),
            (1326, "NOREPLICAS"),
            (1331, "MISSINGINPUTFILE"),
        ],
        words: &[],
        label: LIMITED_RETRY,
        meaning: "is input missing from storage, which retries cannot bring back",
    },
    Rule {
        sources: PILOT,
        codes: &[(1305, "PAYLOADEXECUTIONFAILURE")],
        words: &["sigsegv"],
        label: USER_PERMANENT,
        meaning: "is a crash in the payload",
    },
    Rule {
        sources: PILOT,
        codes: &[(1328, "PAYLOADSIGSEGV"), (1355, "COREDUMP")],
        words: &[],
        label: USER_PERMANENT,
        meaning: "is a crash in the payload",
    },
    Rule {
        sources: TRANSFORM,
        codes: &[
            (134, "TRF_SIG_SIGABRT"),
            (136, "TRF_SIG_SIGFPE"),
            (139, "TRF_SIG_SIGSEGV"),
        ],
        words: &[],
        label: USER_PERMANENT,
        meaning: "is a crash in the payload",
    },
    Rule {
        sources: PILOT,
        codes: &[(1305, "PAYLOADEXECUTIONFAILURE")],
        words: &["exception"],
        label: USER_PERMANENT,
        meaning: "is an exception in the payload",
    },
    Rule {
        sources: PILOT,
        codes: &[(1310, "PAYLOADEXECUTIONEXCEPTION")],
        words: &[],
        label: USER_PERMANENT,
        meaning: "is an exception in the payload",
    },
    Rule {
        sources: TRANSFORM,
        codes: &[(250, "TRF_UNEXPECTED_TRF_EXCEPTION")],
        words: &[],
        label: USER_PERMANENT,
        meaning: "is an exception in the payload",
    },
    Rule {
        sources: TRANSFORM,
        codes: &[(7, "TRF_ARG_ERROR"), (17, "TRF_ARG_MISSING")],
        words: &[],
        label: USER_PERMANENT,
        meaning: "is a bad task definition",
    },
    Rule {
        sources: PILOT,
        codes: &[
            (1335, "MISSINGUSERCODE"),
            (1349, "UNRECOGNIZEDTRFARGUMENTS"),
        ],
        words: &[],
        label: USER_PERMANENT,
        meaning: "is a bad task definition",
    },
    Rule {
        sources: &[ErrorSource::TaskBuffer],
        codes: &[(100, "EC_Kill"), (103, "EC_Aborted")],
        words: &[],
        label: OPERATOR_ACTION,
        meaning: "is a kill someone asked for",
    },
    Rule {
        sources: PILOT,
        codes: &[(1144, "PANDAKILL"), (1205, "USERKILL")],
        words: &[],
        label: OPERATOR_ACTION,
        meaning: "is a kill someone asked for",
    },
    Rule {
        sources: &[ErrorSource::TaskBuffer],
        codes: &[(102, "EC_Expire")],
        words: &[],
        label: SYSTEM_TRANSIENT,
        meaning: "is a job no site picked up in time",
    },
    Rule {
        sources: &[ErrorSource::TaskBuffer],
        codes: &[
            (105, "EC_Reassigned"),
            (106, "EC_Retried"),
            (107, "EC_PilotRetried"),
        ],
        words: &[],
        label: SYSTEM_TRANSIENT,
        meaning: "is a retry PanDA already made",
    },
    Rule {
        sources: &[ErrorSource::JobDispatcher],
        codes: &[
            (100, "EC_Watcher"),
            (101, "EC_Recovery"),
            (102, "EC_SendError"),
            (103, "EC_Holding"),
            (104, "EC_Transferring"),
            (105, "EC_Timeout"),
        ],
        words: &[],
        label: SYSTEM_TRANSIENT,
        meaning: "is a job the server gave up waiting for",
    },
    Rule {
        sources: &[ErrorSource::Supervisor],
        codes: &[(2, "WORKER_ALREADY_DONE")],
        words: &[],
        label: SYSTEM_TRANSIENT,
        meaning: "is a worker that ended before its job",
    },
];

/// For each (source, code), its rules in table order, as (index in [`RULES`], catalogue name).
type RulesByCode = HashMap<(ErrorSource, i64), Vec<(usize, &'static str)>>;

/// The first rule for this code whose words are all among `words`, with its index in [`RULES`]
/// and the catalogue name of the code.
pub(super) fn find(
    source: ErrorSource,
    code: i64,
    words: &[&str],
) -> Option<(usize, &'static Rule, &'static str)> {
    // The rules of each code, in table order, made once: `suggest` runs for thousands of groups.
    static BY_CODE: OnceLock<RulesByCode> = OnceLock::new();
    let by_code = BY_CODE.get_or_init(|| {
        let mut by_code = RulesByCode::new();
        for (index, rule) in RULES.iter().enumerate() {
            for source in rule.sources {
                for (code, name) in rule.codes {
                    by_code
                        .entry((*source, *code))
                        .or_default()
                        .push((index, name));
                }
            }
        }
        by_code
    });
    by_code
        .get(&(source, code))?
        .iter()
        .find_map(|&(index, name)| {
            let rule = RULES.get(index)?;
            rule.words
                .iter()
                .all(|needed| words.contains(needed))
                .then_some((index, rule, name))
        })
}

/// What the rule says, as `because` shows it: `rule: pilot 1099 STAGEINFAILED is a storage fault`.
pub(super) fn reason(index: usize, source: ErrorSource, code: i64, name: &str) -> String {
    let Some(rule) = RULES.get(index) else {
        return format!("rule: {} {code} {name}", source.component());
    };
    let condition = if rule.words.is_empty() {
        String::new()
    } else {
        let quoted: Vec<String> = rule.words.iter().map(|w| format!("\"{w}\"")).collect();
        format!(" with {}", quoted.join(" "))
    };
    format!(
        "rule: {} {code} {name}{condition} {}",
        source.component(),
        rule.meaning
    )
}

/// The reasons of every (rule, source, code), made once: `suggest` runs for thousands of groups.
pub(super) fn cached_reason(index: usize, source: ErrorSource, code: i64) -> Option<&'static str> {
    static REASONS: OnceLock<HashMap<(usize, ErrorSource, i64), String>> = OnceLock::new();
    let reasons = REASONS.get_or_init(|| {
        let mut all = HashMap::new();
        for (index, rule) in RULES.iter().enumerate() {
            for source in rule.sources {
                for (code, name) in rule.codes {
                    all.insert((index, *source, *code), reason(index, *source, *code, name));
                }
            }
        }
        all
    });
    reasons.get(&(index, source, code)).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;

    #[test]
    fn every_rule_names_a_code_the_catalogue_has_by_that_name() {
        for rule in RULES {
            for source in rule.sources {
                for (code, name) in rule.codes {
                    let info = catalogue::lookup(*source, *code);
                    assert_eq!(
                        info.map(|i| i.short_name.as_str()),
                        Some(*name),
                        "{} {code}",
                        source.component()
                    );
                }
            }
        }
    }

    #[test]
    fn no_code_is_claimed_twice_without_words_to_tell_them_apart() {
        let mut plain = std::collections::BTreeSet::new();
        for rule in RULES.iter().filter(|rule| rule.words.is_empty()) {
            for source in rule.sources {
                for (code, _) in rule.codes {
                    assert!(
                        plain.insert((*source, *code)),
                        "{} {code} has two rules",
                        source.component()
                    );
                }
            }
        }
    }

    #[test]
    fn narrow_rules_come_first() {
        assert_eq!(
            find(
                ErrorSource::Pilot,
                1305,
                &["exception", "space", "left", "device"]
            )
            .map(|(_, rule, _)| rule.label),
            Some(SYSTEM_TRANSIENT)
        );
        assert_eq!(
            find(ErrorSource::Pilot, 1305, &["exception", "keyerror"]).map(|(_, r, _)| r.label),
            Some(USER_PERMANENT)
        );
        assert!(find(ErrorSource::Pilot, 1305, &["non-zero", "return"]).is_none());
        assert!(find(ErrorSource::Executor, 65, &[]).is_none());
    }

    #[test]
    fn reasons_read_like_the_catalogue() {
        let (index, _, name) = find(ErrorSource::Pilot, 1099, &[]).unwrap();
        assert_eq!(
            cached_reason(index, ErrorSource::Pilot, 1099),
            Some("rule: pilot 1099 STAGEINFAILED is a storage fault")
        );
        assert_eq!(
            reason(index, ErrorSource::Pilot, 1099, name),
            "rule: pilot 1099 STAGEINFAILED is a storage fault"
        );
        let (index, _, _) = find(ErrorSource::Pilot, 1305, &["sigsegv"]).unwrap();
        assert_eq!(
            cached_reason(index, ErrorSource::Pilot, 1305),
            Some(
                "rule: pilot 1305 PAYLOADEXECUTIONFAILURE with \"sigsegv\" is a crash in the payload"
            )
        );
    }
}
