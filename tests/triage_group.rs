//! `ERROR_DIAG` regexes checked on the demo world's diagnostics (and on Python's `re` when
//! `python3` is there), `triage group` on hand-made inputs, and the extraction of job errors on
//! hand-made and real job records.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{Cursor, Write as _};
use std::process::{Command, Stdio};

use jiff::Timestamp;
use pandaops::domain::{ErrorSource, FailedJob};
use pandaops::sources::demo::DemoWorld;
use pandaops::triage::cli::{
    GroupSummary, InputFormat, InputKind, JobRecordsRead, STDIN_NAME, run_group, run_group_as,
};
use pandaops::triage::diag_regex::{
    DiagRegex, MAX_REGEX_BYTES, check_group, diag_regex, diag_regex_for, matcher,
};
use pandaops::triage::extract::{JobErrors, failed_job_with_problems, job_errors, jobs_from_json};
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

// ---- triage group on JSON job records -----------------------------------------------------------

fn run_as(input: &[u8], name: &str, kind: InputKind) -> (GroupSummary, String) {
    let mut out = Vec::new();
    let summary = run_group_as(&mut Cursor::new(input), name, kind, &mut out).unwrap();
    (summary, String::from_utf8(out).unwrap())
}

#[test]
fn every_error_of_the_failed_and_holding_jobs_of_a_fixture_with_odd_records() {
    let input = fixture("jobs.json");
    let (summary, out) = run(&input, "jobs.json");
    assert_eq!(summary.format, InputFormat::JobRecords);
    assert_eq!(summary.diagnostics, 12);
    assert_eq!(
        summary.skipped,
        [
            "jobs.json: skipped record 6: no pandaid",
            "jobs.json: skipped record 7: pandaid \"65123401O8\" is not a whole number",
            "jobs.json: skipped record 8: a number, not a job record",
            "jobs.json: skipped record 12: no jobstatus, so whether the job failed cannot be told",
        ]
    );
    assert_eq!(
        summary.job_records,
        Some(JobRecordsRead {
            jobs: 8,
            jobs_without_errors: 1,
            ignored: 2,
            problems: vec![
                "jobs.json: record 9 (pandaid 6512340109): piloterrorcode \"abc\" is not a whole \
                 number; the job's pilot error is left out"
                    .to_string(),
                "jobs.json: record 9 (pandaid 6512340109): modificationtime \"14/03/2026 12:30\" \
                 is not a date and time such as 2024-11-20T10:11:12; dated by statechangetime \
                 instead"
                    .to_string(),
            ],
            broken: None,
        })
    );

    let (per_error, summary_lines) = split_output(&out);
    assert_clean_lines(&per_error, 3);
    assert_clean_lines(&summary_lines, 4);
    // Pilot, executor and transform errors of one job are three errors; a code given as text, as
    // a number or as a float is the same code.
    assert_eq!(
        per_error[..6],
        [
            "6512340101\tpilot:1305\tf9df15254cd2\tFailed to execute payload:Non-zero return code \
             from Derivation (<N>)",
            "6512340101\texecutor:65\tdf2b2e28fde1\tNon-zero return code from Derivation (<N>); \
             Logfile error in log.Derivation: \"IOVDbSvc FATAL Could not retrieve folder <PATH>\"",
            "6512340101\ttransform:65\tf415e9d1b6eb\t",
            "6512340102\tpilot:1305\tf9df15254cd2\tFailed to execute payload:Non-zero return code \
             from Derivation (<N>)",
            "6512340102\texecutor:65\tdf2b2e28fde1\tNon-zero return code from Derivation (<N>); \
             Logfile error in log.Derivation: \"IOVDbSvc FATAL Could not retrieve folder <PATH>\"",
            "6512340102\ttransform:65\tf415e9d1b6eb\t",
        ]
    );
    // The server's camelCase record; the ids are those the CSV of the same errors gets.
    assert_eq!(
        per_error[6..9],
        [
            "6512340103\tjobdispatcher:100\t8fc308838c87\tlost heartbeat : <TIME>",
            "6512340104\tpilot:1099\tb3dd0dd8837e\tFailed to stage-in file:gfal-copy <URL> failed: \
             [Errno <N>] No such file or directory",
            "6512340104\ttaskbuffer:100\t58039814e359\tkilled by <USER>",
        ]
    );
    // An unusable pilot code costs the job its pilot error only.
    assert_eq!(
        per_error[9],
        "6512340109\texecutor:68\tfe38e10428eb\tFatal error in athena logfile: \"PoolSvc ERROR \
         Failed to open file <NAME>\""
    );
    assert!(
        per_error[10]
            .starts_with("6512340111\tpilot:1099\t00b99cb6bb58\tFailed to stage-in file:␛[2J␛]")
    );
    assert_eq!(per_error[11], "6512340113\ttransform:137\t6129767199bc\t");

    let counts: Vec<(&str, &str)> = summary_lines
        .iter()
        .map(|line| {
            let mut fields = line.split('\t');
            (fields.next().unwrap(), fields.nth(1).unwrap())
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("2", "executor:65"),
            ("2", "transform:65"),
            ("2", "pilot:1305"),
            ("1", "pilot:1099"),
            ("1", "taskbuffer:100"),
            ("1", "transform:137"),
            ("1", "jobdispatcher:100"),
            ("1", "pilot:1099"),
            ("1", "executor:68"),
        ]
    );

    // The groups are the console's: same ids and counts as group_errors on the extracted jobs.
    let extracted = jobs_from_json(&input);
    let console: BTreeMap<String, usize> = group_errors(&extracted.jobs)
        .iter()
        .map(|group| (group.id.clone(), group.jobs))
        .collect();
    let ours: BTreeMap<String, usize> = summary
        .groups
        .iter()
        .map(|group| (group.id.clone(), group.count))
        .collect();
    assert_eq!(ours, console);
    let job = extracted
        .jobs
        .iter()
        .find(|job| job.pandaid == 6_512_340_109)
        .unwrap();
    assert_eq!(
        job.modification_time,
        "2026-03-14T12:30:00Z".parse::<Timestamp>().unwrap()
    );
    let task_less = extracted.jobs.last().unwrap();
    assert_eq!(
        (task_less.jeditaskid, task_less.status.as_str()),
        (0, "failed")
    );
}

#[test]
fn job_records_are_told_from_diagnostics_by_how_they_start() {
    let lines: [(&[u8], InputFormat); 7] = [
        (br#"{"jobs": []}"#, InputFormat::JobRecords),
        (b"\n  [ {\"pandaid\": 1} ]", InputFormat::JobRecords),
        (b"[]", InputFormat::JobRecords),
        (b"<!DOCTYPE html>\n<html></html>", InputFormat::JobRecords),
        (b"[Errno 2] No such file or directory\n", InputFormat::Lines),
        (b"{main} exited with 1\n", InputFormat::Lines),
        (b"<urlopen error timed out>\n", InputFormat::Lines),
    ];
    for (input, format) in lines {
        let (summary, _) = run(input, STDIN_NAME);
        assert_eq!(summary.format, format, "{}", String::from_utf8_lossy(input));
    }

    // --jobs reads anything as JSON and says when it is not.
    let (summary, out) = run_as(b"lost heartbeat\n", STDIN_NAME, InputKind::JobRecords);
    assert_eq!(summary.format, InputFormat::JobRecords);
    assert_eq!(out, "\n");
    assert_eq!(
        summary.job_records.unwrap().broken.as_deref(),
        Some(
            "<stdin>: not valid JSON: expected value at line 1 column 1; the 0 records before that \
             point were read"
        )
    );

    // JSON lines of BigPanDA records.
    let jsonl = "{\"pandaid\": 1, \"jobstatus\": \"failed\", \"modificationtime\": \"2026-03-14T09:00:00\", \
                 \"piloterrorcode\": 1201, \"piloterrordiag\": \"Job killed by signal: SIGTERM\"}\n\
                 {\"pandaid\": 2, \"jobstatus\": \"running\"}\n\
                 {\"pandaid\": 3, \"jobstatus\": \"failed\", \"modificationtime\": \"2026-03-14T09:00:00\", \
                 \"piloterrorcode\": \"1201\", \"piloterrordiag\": \"Job killed by signal: SIGTERM\"}\n";
    let (summary, out) = run(jsonl.as_bytes(), STDIN_NAME);
    assert_eq!(summary.diagnostics, 2);
    assert_eq!(summary.groups.len(), 1);
    assert_eq!(summary.groups[0].key(), "pilot:1201");
    assert_eq!(summary.job_records.unwrap().ignored, 1);
    assert!(out.starts_with("1\tpilot:1201\t"), "{out}");
}

/// The command as operators run it on a saved `/jobs/?json`, and on a login page.
#[test]
fn the_binary_groups_job_records_and_refuses_a_login_page() {
    let path = format!(
        "{}/tests/fixtures/triage/jobs.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let output = Command::new(env!("CARGO_BIN_EXE_pandaops"))
        .args(["triage", "group", &path])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(split_output(&stdout).0.len(), 12);
    assert!(stderr.contains(": skipped record 7: pandaid \"65123401O8\" is not a whole number\n"));
    assert!(
        stderr.ends_with(
            ": 8 failed or holding jobs (1 without an error code above zero), 12 errors in 9 \
             groups; 2 other jobs ignored, 4 records skipped, 2 problems\n"
        ),
        "{stderr}"
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_pandaops"))
        .args(["triage", "group", "--jobs", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"<html><head><title>CERN Single Sign-On</title></head></html>\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "<stdin>: an HTML page titled \"CERN Single Sign-On\" where JSON job records were expected"
        ),
        "{stderr}"
    );
}

// ---- real job records ---------------------------------------------------------------------------

/// The shared folder of real PanDA data next to the project, or `None` with a loud note.
fn real_data(folder: &str) -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(folder);
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!(
            "!!!!! {} not found: extraction NOT checked against real job records !!!!!",
            path.display()
        );
        None
    }
}

/// A real record of the ATLAS Elasticsearch job archive (a finished HammerCloud job of 2017, every
/// error code 0 or null), read where it lies, never copied into the project.
#[test]
fn a_real_elasticsearch_job_record() {
    let Some(folder) = real_data("panda-api-samples") else {
        return;
    };
    let bytes = std::fs::read(folder.join("atlas_es_jobs_archive_record_2017.json")).unwrap();

    let extracted = jobs_from_json(&bytes);
    assert_eq!(extracted.jobs.len(), 0);
    assert_eq!(extracted.ignored, 1, "the job finished");
    assert!(extracted.skipped.is_empty() && extracted.problems.is_empty());
    assert_eq!(extracted.broken, None);

    let serde_json::Value::Object(mut document) = serde_json::from_slice(&bytes).unwrap() else {
        panic!("not an object");
    };
    let Some(serde_json::Value::Object(mut record)) = document.remove("_source") else {
        panic!("no _source");
    };
    // exeerrordiag is "OK" with code 0, transexitcode null: no error at all.
    assert_eq!(job_errors(&record), JobErrors::default());

    record.insert("jobstatus".into(), "failed".into());
    let job = failed_job_with_problems(&record).unwrap().unwrap();
    assert!(job.problems.is_empty(), "{:?}", job.problems);
    assert_eq!(
        job.job,
        FailedJob {
            pandaid: 3_413_570_266,
            jeditaskid: 0,
            status: "failed".into(),
            computingsite: "ANALY_ARNES_DIRECT".into(),
            produsername: "gangarbt".into(),
            modification_time: "2017-06-05T06:59:50Z".parse().unwrap(),
            errors: vec![],
        }
    );
}

/// Real ATLAS job records of five tasks (InVEx), read where they lie: they may not be copied into
/// the project. Their 36 columns have no job status, no error field and no time, so they check
/// the reading of real record shapes, not of real errors.
#[test]
fn real_invex_job_records() {
    let Some(folder) = real_data("panda-invex-job-records") else {
        return;
    };
    // File, rows, distinct sites, first pandaid: counted by hand with Python's csv module.
    let expected = [
        ("job_records_13332803.csv", 668, 1, 3_848_970_521_u64),
        ("job_records_13743294.csv", 994, 7, 3_905_118_686),
        ("job_records_13776794.csv", 480, 13, 3_907_662_315),
        ("job_records_14287024.csv", 249, 2, 3_949_326_261),
        ("job_records_14773217.csv", 464, 10, 4_011_515_610),
    ];
    let mut total = 0;
    for (file, rows, sites, first_pandaid) in expected {
        let mut reader = csv::Reader::from_path(folder.join(file)).unwrap();
        let header = reader.headers().unwrap().clone();
        let mut as_read = String::new();
        let mut as_failed = String::new();
        for row in reader.records() {
            let row = row.unwrap();
            let mut record = serde_json::Map::new();
            for (name, field) in header.iter().zip(row.iter()) {
                let value = if field.is_empty() {
                    serde_json::Value::Null
                } else if let Ok(whole) = field.parse::<i64>() {
                    whole.into()
                } else if let Ok(float) = field.parse::<f64>() {
                    float.into()
                } else {
                    field.into()
                };
                record.insert(name.to_string(), value);
            }
            as_read.push_str(&serde_json::to_string(&record).unwrap());
            as_read.push('\n');
            record.insert("jobstatus".into(), "failed".into());
            as_failed.push_str(&serde_json::to_string(&record).unwrap());
            as_failed.push('\n');
        }

        // Without a job status a record cannot be used, and each says so.
        let extracted = jobs_from_json(as_read.as_bytes());
        assert_eq!(extracted.skipped.len(), rows, "{file}");
        assert!(extracted.jobs.is_empty() && extracted.ignored == 0);
        assert_eq!(
            extracted.skipped[rows - 1],
            format!(
                "record {} (line {rows}): no jobstatus, so whether the job failed cannot be told",
                rows - 1
            )
        );

        // Read as failed jobs: every pandaid and site, no error, and no date to go by.
        let extracted = jobs_from_json(as_failed.as_bytes());
        assert_eq!(extracted.jobs.len(), rows, "{file}");
        assert!(extracted.skipped.is_empty(), "{:?}", extracted.skipped);
        assert_eq!(extracted.jobs[0].pandaid, first_pandaid);
        let distinct: std::collections::BTreeSet<&str> = extracted
            .jobs
            .iter()
            .map(|job| job.computingsite.as_str())
            .collect();
        assert_eq!(distinct.len(), sites, "{file}");
        assert!(extracted.jobs.iter().all(|job| job.errors.is_empty()
            && job.jeditaskid == 0
            && job.modification_time == Timestamp::UNIX_EPOCH));
        assert_eq!(extracted.problems.len(), rows);
        assert!(extracted.problems[0].ends_with(
            ": no modificationtime, no statechangetime, no endtime, no creationtime; dated \
             1970-01-01T00:00:00Z so it is never a group's latest example"
        ));
        total += extracted.jobs.len();
    }
    assert_eq!(total, 2855);
}
