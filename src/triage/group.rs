//! Grouping the errors of failed and holding jobs by (source, code, pattern).

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use crate::domain::{ErrorSource, FailedJob};

use super::normalize;

/// All errors that share a source, a code and a normalised diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorGroup {
    /// Stable across runs and machines: derived from source, code and pattern only.
    pub id: String,
    pub source: ErrorSource,
    pub code: i64,
    pub pattern: String,
    /// Failed or holding jobs with this error.
    pub jobs: usize,
    pub tasks: BTreeSet<u64>,
    /// Jobs per computing site.
    pub sites: BTreeMap<String, usize>,
    pub users: BTreeSet<String>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// The most recent raw diagnostic and its job, to show what the pattern stands for.
    pub example_diag: String,
    pub example_pandaid: u64,
    /// Distinct raw diagnostics of the group, up to [`MAX_SAMPLES`], in the order they came: what
    /// an edited regex is checked against.
    pub samples: Vec<String>,
}

/// Distinct diagnostics kept per group.
pub const MAX_SAMPLES: usize = 64;

impl ErrorGroup {
    /// `pilot:1099`, as BigPanDA writes it.
    pub fn key(&self) -> String {
        format!("{}:{}", self.source.component(), self.code)
    }

    /// The site with the most jobs in this group.
    pub fn top_site(&self) -> Option<(&str, usize)> {
        self.sites
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(site, jobs)| (site.as_str(), *jobs))
    }
}

/// Groups every error of every job. Codes of zero or below are not errors and are skipped.
pub fn group_errors<'a>(jobs: impl IntoIterator<Item = &'a FailedJob>) -> Vec<ErrorGroup> {
    let mut groups: BTreeMap<(ErrorSource, i64, String), ErrorGroup> = BTreeMap::new();

    for job in jobs {
        for error in job.errors.iter().filter(|error| error.code > 0) {
            let pattern = normalize(&error.diag);
            let key = (error.source, error.code, pattern);
            let group = groups.entry(key.clone()).or_insert_with(|| ErrorGroup {
                id: group_id(error.source, error.code, &key.2),
                source: error.source,
                code: error.code,
                pattern: key.2.clone(),
                jobs: 0,
                tasks: BTreeSet::new(),
                sites: BTreeMap::new(),
                users: BTreeSet::new(),
                first_seen: job.modification_time,
                last_seen: job.modification_time,
                example_diag: error.diag.clone(),
                example_pandaid: job.pandaid,
                samples: Vec::new(),
            });
            if group.samples.len() < MAX_SAMPLES && !group.samples.contains(&error.diag) {
                group.samples.push(error.diag.clone());
            }

            group.jobs += 1;
            // A job record without a task, site or user (0 or empty) adds none to the counts.
            if job.jeditaskid != 0 {
                group.tasks.insert(job.jeditaskid);
            }
            if !job.computingsite.is_empty() {
                *group.sites.entry(job.computingsite.clone()).or_insert(0) += 1;
            }
            if !job.produsername.is_empty() {
                group.users.insert(job.produsername.clone());
            }
            group.first_seen = group.first_seen.min(job.modification_time);
            if job.modification_time >= group.last_seen {
                group.last_seen = job.modification_time;
                group.example_diag = error.diag.clone();
                group.example_pandaid = job.pandaid;
            }
        }
    }

    let mut grouped: Vec<ErrorGroup> = groups.into_values().collect();
    grouped.sort_by(|a, b| b.jobs.cmp(&a.jobs).then_with(|| a.id.cmp(&b.id)));
    grouped
}

/// A short stable id: FNV-1a over the group's key, so it never depends on the Rust version.
pub(crate) fn group_id(source: ErrorSource, code: i64, pattern: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let key = format!("{}\u{1f}{code}\u{1f}{pattern}", source.component());
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:012x}", hash >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::JobError;

    fn job(pandaid: u64, task: u64, site: &str, at: i64, errors: Vec<JobError>) -> FailedJob {
        FailedJob {
            pandaid,
            jeditaskid: task,
            status: "failed".into(),
            computingsite: site.into(),
            produsername: "jdoe".into(),
            modification_time: Timestamp::from_second(at).unwrap_or(Timestamp::UNIX_EPOCH),
            errors,
        }
    }

    fn pilot(code: i64, diag: &str) -> JobError {
        JobError {
            source: ErrorSource::Pilot,
            code,
            diag: diag.into(),
        }
    }

    #[test]
    fn jobs_with_the_same_shape_of_error_form_one_group() {
        let jobs = vec![
            job(
                1,
                10,
                "CERN-PROD",
                100,
                vec![pilot(
                    1099,
                    "Failed to stage-in file:/a/b.root timed out after 30 s",
                )],
            ),
            job(
                2,
                11,
                "BNL",
                200,
                vec![pilot(
                    1099,
                    "Failed to stage-in file:/c/d.root timed out after 60 s",
                )],
            ),
            job(
                3,
                11,
                "BNL",
                150,
                vec![pilot(1099, "Failed to stage-in file:checksum mismatch")],
            ),
            job(
                4,
                12,
                "BNL",
                160,
                vec![JobError {
                    source: ErrorSource::Transform,
                    code: 0,
                    diag: String::new(),
                }],
            ),
        ];
        let groups = group_errors(&jobs);

        assert_eq!(groups.len(), 2);
        let first = &groups[0];
        assert_eq!(first.key(), "pilot:1099");
        assert_eq!(
            first.pattern,
            "Failed to stage-in file:<PATH> timed out after <N> s"
        );
        assert_eq!(first.jobs, 2);
        assert_eq!(first.tasks.len(), 2);
        assert_eq!(first.top_site(), Some(("BNL", 1)));
        assert_eq!(first.example_pandaid, 2);
        assert_eq!(first.first_seen.as_second(), 100);
        assert_eq!(first.last_seen.as_second(), 200);
        assert_eq!(groups[1].jobs, 1);
        assert_eq!(
            first.samples,
            vec![
                "Failed to stage-in file:/a/b.root timed out after 30 s".to_string(),
                "Failed to stage-in file:/c/d.root timed out after 60 s".to_string(),
            ]
        );
    }

    #[test]
    fn jobs_without_task_site_or_user_add_none_to_the_counts() {
        let mut anonymous = job(1, 0, "", 100, vec![pilot(1099, "x:1")]);
        anonymous.produsername.clear();
        let known = job(2, 10, "BNL", 100, vec![pilot(1099, "x:2")]);
        let groups = group_errors(&[anonymous, known]);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].jobs, 2);
        assert_eq!(groups[0].tasks, BTreeSet::from([10]));
        assert_eq!(groups[0].sites, BTreeMap::from([("BNL".to_string(), 1)]));
        assert_eq!(groups[0].users, BTreeSet::from(["jdoe".to_string()]));
    }

    #[test]
    fn group_ids_do_not_depend_on_arrival_order() {
        let a = job(1, 10, "A", 100, vec![pilot(1099, "x:1")]);
        let b = job(2, 10, "A", 100, vec![pilot(1201, "y:2")]);
        let forward = group_errors(&[a.clone(), b.clone()]);
        let backward = group_errors(&[b, a]);
        let ids =
            |groups: &[ErrorGroup]| groups.iter().map(|g| g.id.clone()).collect::<BTreeSet<_>>();
        assert_eq!(ids(&forward), ids(&backward));
        assert_eq!(forward[0].id.len(), 12);
    }
}
