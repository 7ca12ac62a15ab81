//! `ERROR_DIAG` regexes checked on the demo world's diagnostics (and on Python's `re` when
//! `python3` is there), and `triage group` on hand-made inputs.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{Cursor, Write as _};
use std::process::{Command, Stdio};

use jiff::Timestamp;
use pandaops::domain::{ErrorSource, FailedJob};
use pandaops::sources::demo::DemoWorld;
use pandaops::triage::cli::{GroupSummary, InputFormat, STDIN_NAME, run_group};
use pandaops::triage::diag_regex::{
    DiagRegex, MAX_REGEX_BYTES, check_group, diag_regex, diag_regex_for, matcher,
};
use pandaops::triage::{group_errors, normalize};

const DEMO_START_SECS: i64 = 1_767_000_000;

fn demo_jobs(seed: u64) -> Vec<FailedJob> {
    let start = Timestamp::from_second(DEMO_START_SECS).unwrap_or(Timestamp::UNIX_EPOCH);
    DemoWorld::new(seed, start).failed_jobs()
}

type Key = (ErrorSource, i64, String);

/// The raw diagnostics of each group, the way `group_errors` groups them.
fn members_by_group(jobs: &[FailedJob]) -> BTreeMap<Key, Vec<String>> {
    let mut groups: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    for error in jobs
        .iter()
        .flat_map(|job| &job.errors)
        .filter(|e| e.code > 0)
    {
        let key = (error.source, error.code, normalize(&error.diag));
        groups.entry(key).or_default().push(error.diag.clone());
    }
    groups
}

fn siblings_of<'a>(groups: &'a BTreeMap<Key, Vec<String>>, key: &Key) -> Vec<&'a str> {
    groups
        .iter()
        .filter(|(other, _)| other.0 == key.0 && other.1 == key.1 && other.2 != key.2)
        .flat_map(|(_, diags)| diags.iter().map(String::as_str))
        .collect()
}

fn strs(diags: &[String]) -> Vec<&str> {
    diags.iter().map(String::as_str).collect()
}

struct PythonCase {
    regex: String,
    diags: Vec<String>,
    rust: Vec<bool>,
}

/// `re.match(regex, diag, re.DOTALL)` for every case, in one `python3`; `None` without Python.
fn python_matches(cases: &[PythonCase]) -> Option<Vec<Vec<bool>>> {
    let script = "import json, re, sys\n\
        cases = json.load(sys.stdin)\n\
        json.dump([[re.match(c['regex'], d, re.DOTALL) is not None for d in c['diags']] \
        for c in cases], sys.stdout)\n";
    let mut child = match Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => {
            eprintln!(
                "!!!!! python3 not available ({error}): regexes NOT cross-checked with Python's re !!!!!"
            );
            return None;
        }
    };
    let input: Vec<serde_json::Value> = cases
        .iter()
        .map(|case| serde_json::json!({ "regex": case.regex, "diags": case.diags }))
        .collect();
    let json = serde_json::to_vec(&input).unwrap();
    child.stdin.take().unwrap().write_all(&json).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "python3 failed: {output:?}");
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

/// How the regexes of a set of groups came out.
#[derive(Default)]
struct Tally {
    exact: usize,
    loosened: usize,
    elided: usize,
    matching_a_sibling: usize,
}

impl Tally {
    fn add(&mut self, regex: &DiagRegex, matches_a_sibling: bool) {
        if regex.exact {
            self.exact += 1;
        } else if regex.regex.contains(".*") {
            self.elided += 1;
        } else {
            self.loosened += 1;
        }
        self.matching_a_sibling += usize::from(matches_a_sibling);
    }
}

#[test]
fn demo_group_regexes_match_their_members_and_no_sibling() {
    let mut groups_seen = 0;
    let mut alone = Tally::default();
    let mut checked_tally = Tally::default();
    let mut differing = 0;
    let mut python_cases = Vec::new();

    for seed in 1..=3 {
        let groups = members_by_group(&demo_jobs(seed));
        for (key, members) in &groups {
            groups_seen += 1;
            let members = strs(members);
            let siblings = siblings_of(&groups, key);

            // With nothing but the pattern: always every member; no sibling when exact.
            let plain = diag_regex(&key.2);
            assert!(plain.regex.len() <= MAX_REGEX_BYTES, "{}", plain.regex);
            let coverage = check_group(&plain.regex, &members, &siblings).unwrap();
            assert_eq!(
                coverage.matched_members, coverage.total_members,
                "{} misses members of {key:?}",
                plain.regex
            );
            assert!(
                !plain.exact || coverage.matched_siblings == 0,
                "exact {} matches a sibling of {key:?}",
                plain.regex
            );
            alone.add(&plain, coverage.matched_siblings > 0);

            // Checked on the group: every member and no sibling.
            let checked = diag_regex_for(&key.2, &members, &siblings);
            assert!(checked.regex.len() <= MAX_REGEX_BYTES, "{}", checked.regex);
            let coverage = check_group(&checked.regex, &members, &siblings).unwrap();
            assert!(
                coverage.is_clean(),
                "{} on {key:?}: {coverage:?}",
                checked.regex
            );
            checked_tally.add(&checked, false);
            differing += usize::from(checked != plain);

            // Every regex that is not exact, and one exact in ten, also go to Python.
            if !checked.exact || groups_seen % 10 == 0 {
                let diags: Vec<String> = members
                    .iter()
                    .take(40)
                    .chain(siblings.iter().take(160))
                    .map(|diag| diag.to_string())
                    .collect();
                let matcher = matcher(&checked.regex).unwrap();
                let rust = diags.iter().map(|diag| matcher.is_match(diag)).collect();
                python_cases.push(PythonCase {
                    regex: checked.regex.clone(),
                    diags,
                    rust,
                });
            }
        }
    }

    eprintln!(
        "demo seeds 1..=3: {groups_seen} groups. diag_regex: {} exact, {} with loosened classes, \
         {} shortened with .*, {} matching a sibling. diag_regex_for: {} exact, {} loosened, {} \
         shortened, none matching a sibling; {differing} differ from diag_regex",
        alone.exact,
        alone.loosened,
        alone.elided,
        alone.matching_a_sibling,
        checked_tally.exact,
        checked_tally.loosened,
        checked_tally.elided,
    );
    assert!(groups_seen > 500);
    assert!(checked_tally.elided > 0 && checked_tally.loosened > 0);

    let Some(python) = python_matches(&python_cases) else {
        return;
    };
    let compared: usize = python_cases.iter().map(|case| case.diags.len()).sum();
    for (case, python) in python_cases.iter().zip(&python) {
        assert_eq!(
            &case.rust, python,
            "Python and Rust differ on {}",
            case.regex
        );
    }
    eprintln!(
        "Python re agrees with Rust regex on {} regexes and {compared} diagnostics",
        python_cases.len()
    );
}

#[test]
fn escaped_literals_mean_the_same_to_python_and_rust() {
    let literals = [
        r"a.b (c) [d] e? f* g+ h|i {j} {2} \k ^l $m #n -o /p 'q' ",
        "\"quoted\" and `ticks` ~tilde& &&and --dash ::colons <lt> >gt",
        "unicode: é → ✓ 😀 中文 \u{200b}zero-width \u{202e}bidi \u{1b}[31m \u{e0001}tag",
        "backslashes \\d \\w \\s \\b \\A \\Z \\z \\< \\>",
        "x{1,2} a{ } ]] [[ (?i) (?P<name>x) (?#comment)",
    ];
    let mut cases = Vec::new();
    for literal in literals {
        let regex = diag_regex(literal);
        let matcher = matcher(&regex.regex).unwrap();
        let diags = vec![
            literal.to_string(),
            format!("\n {literal}\t\n"),
            literal.replacen('.', "x", 1),
            format!("{literal} tail"),
            literal.to_uppercase(),
        ];
        let rust: Vec<bool> = diags.iter().map(|diag| matcher.is_match(diag)).collect();
        assert!(rust[0] && rust[1], "{} on {literal}", regex.regex);
        assert!(!rust[3], "{}", regex.regex);
        cases.push(PythonCase {
            regex: regex.regex,
            diags,
            rust,
        });
    }
    if let Some(python) = python_matches(&cases) {
        for (case, python) in cases.iter().zip(&python) {
            assert_eq!(&case.rust, python, "{}", case.regex);
        }
    }
}

// ---- triage group -------------------------------------------------------------------------------

fn run(input: &[u8], name: &str) -> (GroupSummary, String) {
    let mut out = Vec::new();
    let summary = run_group(&mut Cursor::new(input), name, &mut out).unwrap();
    (summary, String::from_utf8(out).unwrap())
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/triage/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The per-diagnostic lines and the summary lines of an output.
fn split_output(out: &str) -> (Vec<&str>, Vec<&str>) {
    let (per_line, summary) = out
        .split_once("\n\n")
        .unwrap_or((out.trim_end_matches('\n'), ""));
    let per_line = per_line.lines().filter(|line| !line.is_empty()).collect();
    (per_line, summary.lines().collect())
}

/// Output lines carry no control character but the tab separators, exactly `tabs` of them.
fn assert_clean_lines(lines: &[&str], tabs: usize) {
    for line in lines {
        assert_eq!(line.matches('\t').count(), tabs, "{line:?}");
        assert!(
            !line.chars().any(|c| (c.is_control() && c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
            "{line:?}"
        );
    }
}

#[test]
fn plain_lines_are_grouped_by_pattern_alone() {
    let input = fixture("plain.txt");
    let (summary, out) = run(&input, "plain.txt");
    assert_eq!(summary.format, InputFormat::Lines);
    assert_eq!(summary.diagnostics, 13);
    assert!(summary.skipped.is_empty());
    assert_eq!(summary.groups.len(), 9);

    let (per_line, summary_lines) = split_output(&out);
    assert_eq!(per_line.len(), 13);
    // Two kernel OOM lines differ only in numbers glued to units: one group.
    assert_eq!(per_line[5], per_line[6]);
    assert!(
        per_line[5].contains("total-vm:<N>kB, anon-rss:<N>kB"),
        "{}",
        per_line[5]
    );
    assert_clean_lines(&per_line, 1);
    assert_clean_lines(&summary_lines, 4);
    assert_eq!(
        per_line[0],
        "5dd5410746c7\tFailed to stage-in file:gfal-copy <URL> failed: [Errno <N>] No such file or directory"
    );
    assert_eq!(per_line[0], per_line[1]);
    assert_eq!(per_line[2], "c3f3129859bf\tlost heartbeat : <TIME>");
    // A Kubernetes log line, a Java stack trace and a Python log line.
    assert_eq!(
        per_line[8],
        "db4ced1ef5c5\tE0314 <TIME> <N> reflector.go:<N>] k8s.io/client-go/tools/cache/reflector.go:<N>: \
         Failed to watch *v1.Pod: the server has asked for the client to provide credentials"
    );
    assert_eq!(per_line[10], "0d43bd6a3a49\tat <NAME>(Broker.java:<N>)");
    assert_eq!(per_line[10], per_line[11]);
    assert_eq!(
        per_line[12],
        "0291db95f0da\t<TIME>,<N> <NAME>: ERROR PandaID=<N> lost heartbeat (last update <TIME>)"
    );

    // Largest groups first, ties by id; plain lines have no source and code.
    let counts: Vec<&str> = summary_lines
        .iter()
        .map(|l| l.split('\t').next().unwrap_or(""))
        .collect();
    assert_eq!(counts, ["2", "2", "2", "2", "1", "1", "1", "1", "1"]);
    assert!(summary_lines[0].starts_with("2\t0d43bd6a3a49\t-\tat <NAME>(Broker.java:<N>)\t"));
    assert!(
        summary_lines
            .iter()
            .all(|line| line.split('\t').nth(2) == Some("-"))
    );

    // Each regex matches its own lines and no other line of the input.
    let text = String::from_utf8_lossy(&input);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    for group in &summary.groups {
        let regex = matcher(&group.regex.regex).unwrap();
        assert!(group.regex.regex.len() <= MAX_REGEX_BYTES);
        for (line, output) in lines.iter().zip(&per_line) {
            let member = output.starts_with(&group.id);
            assert_eq!(
                regex.is_match(line),
                member,
                "{} on {line}",
                group.regex.regex
            );
        }
    }
}

#[test]
fn csv_rows_are_grouped_by_source_code_and_pattern() {
    let (summary, out) = run(&fixture("errors.csv"), "errors.csv");
    assert_eq!(summary.format, InputFormat::Csv { delimiter: b',' });
    assert_eq!(summary.diagnostics, 13);
    assert_eq!(
        summary.skipped,
        [
            "errors.csv:5: skipped: unknown source \"exe\"; expected a BigPanDA component (pilot, \
             executor, dataservice, brokerage, jobdispatcher, taskbuffer, supervisor, transform) or \
             a job field such as pilotErrorCode",
            "errors.csv:11: skipped: code \"1O0\" is not a whole number",
            "errors.csv:14: skipped: code 0 is not an error (codes of zero and below mean no error)",
            "errors.csv:18: skipped: no code (the row has 3 fields, the code is field 4)",
        ]
    );

    let (per_line, summary_lines) = split_output(&out);
    assert_eq!(per_line.len(), 13);
    assert_clean_lines(&per_line, 1);
    assert_clean_lines(&summary_lines, 4);
    // `pilot`, `pilotErrorCode` and `PILOT` are one source.
    assert_eq!(
        per_line[0],
        "b3dd0dd8837e\tFailed to stage-in file:gfal-copy <URL> failed: [Errno <N>] No such file or directory"
    );
    assert_eq!(per_line[0], per_line[1]);
    assert_eq!(
        per_line[2],
        "052f04cd9069\tFailed to stage-in file:rucio download of <NAME> failed after <N> attempts: \
         Connection timed out"
    );
    assert_eq!(per_line[5], "8fc308838c87\tlost heartbeat : <TIME>");
    assert_eq!(per_line[5], per_line[6]);
    assert_eq!(per_line[7], "58039814e359\tkilled by <USER>");
    // Transform errors have no diagnostic.
    assert_eq!(per_line[8], "f404e9d1b6dc\t");
    // A quoted diagnostic over three lines is one diagnostic on one line.
    assert_eq!(
        per_line[10],
        "acb8e087a32a\tFailed to execute payload:python exception in trfExe.py line <N>: Traceback \
         (most recent call last): File \"<PATH>\", line <N>, in execute KeyError: 'inputAODFile'"
    );
    // Spaces around the source and the code do not matter.
    assert_eq!(per_line[11], per_line[12]);

    assert_eq!(
        summary_lines[1],
        "2\t8fc308838c87\tjobdispatcher:100\tlost heartbeat : <TIME>\t\
         \\s*lost\\s+heartbeat\\s+:\\s+(?:\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:\\d\\d(?::\\d\\d(?:\\.\\d+)?)?\
         (?:Z|[+-]\\d\\d:?\\d\\d)?|\\d\\d?:\\d\\d:\\d\\d(?:\\.\\d+)?)\\s*$"
    );
    assert_eq!(summary_lines[3], "2\tf404e9d1b6dc\ttransform:68\t\t\\s*$");
    assert_eq!(
        summary_lines[5],
        "1\t58039814e359\ttaskbuffer:100\tkilled by <USER>\t\\s*killed by \\w+\\s*$"
    );
    let total: usize = summary.groups.iter().map(|group| group.count).sum();
    assert_eq!(total, 13);
}

#[test]
fn csv_group_ids_are_those_of_the_console() {
    let jobs = demo_jobs(2);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["PandaID", "ERROR_SOURCE", "ERROR_CODE", "ERROR_DIAG"])
        .unwrap();
    for job in &jobs {
        for error in &job.errors {
            let code = error.code.to_string();
            let pandaid = job.pandaid.to_string();
            let record = [
                pandaid.as_str(),
                error.source.server_field(),
                &code,
                &error.diag,
            ];
            writer.write_record(record).unwrap();
        }
    }
    let input = writer.into_inner().unwrap();

    let (summary, out) = run(&input, "demo.csv");
    let ours: BTreeMap<String, usize> = summary
        .groups
        .iter()
        .map(|group| (group.id.clone(), group.count))
        .collect();
    let console: BTreeMap<String, usize> = group_errors(&jobs)
        .iter()
        .map(|group| (group.id.clone(), group.jobs))
        .collect();
    assert_eq!(ours, console);
    // Codes of zero are reported, not grouped.
    let zero_codes = jobs
        .iter()
        .flat_map(|job| &job.errors)
        .filter(|e| e.code <= 0)
        .count();
    assert_eq!(summary.skipped.len(), zero_codes);
    let (per_line, summary_lines) = split_output(&out);
    assert_eq!(per_line.len(), summary.diagnostics);
    assert_eq!(summary_lines.len(), console.len());
    assert!(
        summary
            .groups
            .iter()
            .all(|group| group.regex.regex.len() <= MAX_REGEX_BYTES)
    );
}

#[test]
fn standard_input_with_other_separators_bom_and_crlf() {
    let input = "\u{feff}\r\n\r\nsource;code;diag\r\npilot;1099;Failed to stage-in file:/eos/a.root timed \
                 out after 30 s\r\n\r\nrucio;1;whatever\r\nPILOTERRORCODE;1099;Failed to stage-in \
                 file:/eos/b.root timed out after 60 s\r\n";
    let (summary, out) = run(input.as_bytes(), STDIN_NAME);
    assert_eq!(summary.format, InputFormat::Csv { delimiter: b';' });
    assert_eq!(summary.diagnostics, 2);
    assert_eq!(summary.groups.len(), 1);
    assert_eq!(
        summary.groups[0].template,
        "Failed to stage-in file:<PATH> timed out after <N> s"
    );
    assert_eq!(summary.skipped.len(), 1);
    assert!(
        summary.skipped[0].starts_with("<stdin>:6: skipped: unknown source \"rucio\""),
        "{:?}",
        summary.skipped
    );
    assert!(!out.contains('\r'));

    let tabs =
        "Source\tCode\tDiagnostic\nexecutor\t65\tNon-zero return code from Derivation (65)\n";
    let (summary, _) = run(tabs.as_bytes(), STDIN_NAME);
    assert_eq!(summary.format, InputFormat::Csv { delimiter: b'\t' });
    assert_eq!(summary.groups[0].key(), "executor:65");

    // A comma-separated first line without the three columns is a diagnostic like any other.
    let (summary, out) = run(
        b"Failed to connect, retrying, giving up\n\n\nNo route to host\n",
        STDIN_NAME,
    );
    assert_eq!(summary.format, InputFormat::Lines);
    assert_eq!(summary.diagnostics, 2);
    assert_eq!(split_output(&out).0.len(), 2);

    let (summary, out) = run(b"", STDIN_NAME);
    assert_eq!((summary.diagnostics, summary.groups.len()), (0, 0));
    assert_eq!(out, "\n");
}

#[test]
fn hostile_input_never_reaches_the_output() {
    let mut input: Vec<u8> = Vec::new();
    input.extend_from_slice(b"\x1b[2J\x1b]0;owned\x07 cleared\tthe\tscreen at 12:00:01\r\n");
    input.extend_from_slice(b"invalid \xff\xfe utf-8 and \xc2\x9b31m C1 CSI\n");
    input.extend_from_slice("bidi \u{202e}gnp.exe\u{202c} and zero\u{200b}width\n".as_bytes());
    input.extend_from_slice(b"nul \x00 and bell \x07 and tab\tin the middle\n");
    let (summary, out) = run(&input, "evil\x1b[31m.txt");
    assert_eq!(summary.diagnostics, 4);
    let (per_line, summary_lines) = split_output(&out);
    assert_eq!(per_line.len(), 4);
    assert_clean_lines(&per_line, 1);
    assert_clean_lines(&summary_lines, 4);
    assert!(!out.contains('\u{1b}') && !out.contains('\r') && !out.contains('\u{9b}'));

    // The regexes still match the raw lines they were made from, in both engines.
    let text = String::from_utf8_lossy(&input).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    let mut cases = Vec::new();
    for (line, output) in lines.iter().zip(&per_line) {
        let group = summary
            .groups
            .iter()
            .find(|g| output.starts_with(&g.id))
            .unwrap();
        let regex = &group.regex.regex;
        assert!(
            matcher(regex).unwrap().is_match(line),
            "{regex} on {line:?}"
        );
        assert!(!regex.chars().any(char::is_control), "{regex:?}");
        cases.push(PythonCase {
            regex: regex.clone(),
            diags: vec![line.to_string()],
            rust: vec![true],
        });
    }
    if let Some(python) = python_matches(&cases) {
        for (case, python) in cases.iter().zip(&python) {
            assert_eq!(&case.rust, python, "{}", case.regex);
        }
    }

    let csv = b"source,code,diag\n\x1b[31mpilot\x1b[0m,1099,x\npilot,\t12\x1b,y\n";
    let (summary, _) = run(csv, "evil\x1b.csv");
    assert_eq!(summary.skipped.len(), 2);
    for message in &summary.skipped {
        assert!(!message.chars().any(char::is_control), "{message:?}");
    }
    assert!(
        summary.skipped[0].starts_with("evil␛.csv:2: skipped: unknown source \"␛[31mpilot␛[0m\"")
    );
}

/// The command as operators run it: `pandaops triage group -` with a paste on standard input.
#[test]
fn the_binary_groups_standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pandaops"))
        .args(["triage", "group", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let paste = "Failed to stage-in file:/eos/a.root timed out after 30 s\n\
                 Failed to stage-in file:/pnfs/b.root timed out after 90 s\n\
                 lost heartbeat : 2026-12-02 09:46:43\n";
    child
        .stdin
        .take()
        .unwrap()
        .write_all(paste.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let first: Vec<&str> = lines[0].split('\t').collect();
    let second: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(first, second, "the two stage-in lines share a group");
    assert_eq!(
        first[1],
        "Failed to stage-in file:<PATH> timed out after <N> s"
    );
    assert_eq!(lines[2].split('\t').nth(1), Some("lost heartbeat : <TIME>"));
    assert_eq!(lines[3], "", "a blank line before the summary");
    assert!(
        lines[4].starts_with(&format!("2\t{}\t", first[0])),
        "{text}"
    );
}
