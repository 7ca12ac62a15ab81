//! Failed and holding jobs of the demo world, with the errors PanDA would record for them.
//!
//! Every code is a real entry of the embedded catalogues, and pilot diagnostics take the pilot's
//! `"<standard message>:<detail>"` form, cut to its 256 characters. Details carry the things that
//! make real diagnostics hard to group: file names, URLs, hosts, GUIDs, numbers and times. A few
//! catch-all codes (pilot 1305, transform 65) come in several message shapes. Frequencies are
//! skewed so a handful of groups dominate, two sites have a chronic problem of their own, and
//! incidents add bursts at one site. Only the last two hours are kept, at most a few thousand jobs.

use std::collections::{BTreeSet, VecDeque};

use fastrand::Rng;
use jiff::Timestamp;

use crate::catalogue;
use crate::domain::{ErrorSource, FailedJob, JobError};

use super::Clock;
use super::incidents::Incidents;
use super::names::{guid, hex, poisson, pool_file_name, rucio_hash_dirs, truncate_chars};
use super::scenario::{Scenario, Site};
use super::tasks::{JobOwner, TaskBook};

/// Failed jobs per simulated second in a quiet world.
const BASE_FAILURES_PER_SEC: f64 = 0.35;
/// How long failed jobs stay in the feed, like BigPanDA's error view.
const KEEP_SECS: i64 = 2 * 3600;
/// A bound on the feed whatever the incidents do.
const MAX_JOBS: usize = 4000;
/// The pilot's limit on a diagnostic.
const MAX_DIAG_CHARS: usize = 256;
/// New PanDA ids handed out per second over the whole system.
const PANDAIDS_PER_SEC: u64 = 18;

/// The ways a job fails in the demo, each with its codes and message shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    StageIn,
    PayloadCrash,
    StageOut,
    LostHeartbeat,
    LogError,
    TaskKilled,
    Walltime,
    Sigterm,
    OutOfMemory,
    Looping,
    ServiceUnavailable,
    AdderFailed,
    ExceededMaxMemory,
    RucioUnavailable,
    StageInTimeout,
    MissingInput,
    RemoteOpenTimeout,
    Expired,
    Retried,
    BadAlloc,
    OutputValidation,
    Cvmfs,
    ImageMount,
    Preemption,
    SigkillExit,
    WorkerDone,
    TransferringTimeout,
    CertificateExpired,
    OutputChecksum,
}

/// How often each failure happens in a quiet world, relative to the others.
const FAILURE_WEIGHTS: [(Failure, u32); 29] = [
    (Failure::StageIn, 140),
    (Failure::PayloadCrash, 130),
    (Failure::StageOut, 90),
    (Failure::LostHeartbeat, 70),
    (Failure::LogError, 50),
    (Failure::TaskKilled, 50),
    (Failure::Walltime, 40),
    (Failure::Sigterm, 40),
    (Failure::OutOfMemory, 40),
    (Failure::Looping, 30),
    (Failure::ServiceUnavailable, 30),
    (Failure::AdderFailed, 30),
    (Failure::ExceededMaxMemory, 20),
    (Failure::RucioUnavailable, 20),
    (Failure::StageInTimeout, 20),
    (Failure::MissingInput, 20),
    (Failure::RemoteOpenTimeout, 20),
    (Failure::Expired, 20),
    (Failure::Retried, 20),
    (Failure::BadAlloc, 15),
    (Failure::OutputValidation, 10),
    (Failure::Cvmfs, 10),
    (Failure::ImageMount, 8),
    (Failure::Preemption, 10),
    (Failure::SigkillExit, 8),
    (Failure::WorkerDone, 6),
    (Failure::TransferringTimeout, 6),
    (Failure::CertificateExpired, 4),
    (Failure::OutputChecksum, 4),
];

impl Failure {
    fn pick(rng: &mut Rng) -> Failure {
        let total: u32 = FAILURE_WEIGHTS.iter().map(|(_, weight)| weight).sum();
        let mut ticket = rng.u32(..total);
        for (failure, weight) in FAILURE_WEIGHTS {
            if ticket < weight {
                return failure;
            }
            ticket -= weight;
        }
        Failure::PayloadCrash
    }
}

/// A site with a problem of its own that keeps producing the same failure.
#[derive(Debug, Clone)]
struct ChronicProblem {
    site: String,
    failure: Failure,
}

#[derive(Debug, Clone)]
pub struct JobLog {
    jobs: VecDeque<(i64, FailedJob)>,
    pandaids: BTreeSet<u64>,
    next_pandaid: u64,
    chronic: Vec<ChronicProblem>,
    failed_since_sample: u64,
}

impl JobLog {
    pub fn new(rng: &mut Rng, scenario: &Scenario) -> JobLog {
        let chronic = [Failure::StageOut, Failure::Cvmfs]
            .into_iter()
            .map(|failure| ChronicProblem {
                site: scenario.sites.pick(rng).name.clone(),
                failure,
            })
            .collect();
        JobLog {
            jobs: VecDeque::new(),
            pandaids: BTreeSet::new(),
            next_pandaid: 6_500_000_000 + rng.u64(0..80_000_000),
            chronic,
            failed_since_sample: 0,
        }
    }

    /// Adds this second's failures and forgets old ones; true when the feed changed.
    pub fn step(
        &mut self,
        rng: &mut Rng,
        scenario: &Scenario,
        clock: Clock,
        now: i64,
        tasks: &TaskBook,
        incidents: &Incidents,
    ) -> bool {
        self.next_pandaid += PANDAIDS_PER_SEC;
        let mut changed = false;

        let quiet = poisson(rng, BASE_FAILURES_PER_SEC);
        let bursts = incidents.extra_failures(now);
        if quiet > 0 || !bursts.is_empty() {
            let owners = tasks.job_owners();
            for _ in 0..quiet {
                changed |= self.add_job(rng, scenario, clock, now, &owners, None);
            }
            for burst in &bursts {
                for _ in 0..poisson(rng, burst.per_sec) {
                    let forced = Forced {
                        site: burst.site.as_deref(),
                        failure: burst.pick_failure(rng),
                    };
                    changed |= self.add_job(rng, scenario, clock, now, &owners, Some(forced));
                }
            }
        }

        while let Some((at, _)) = self.jobs.front() {
            if *at > now - KEEP_SECS && self.jobs.len() <= MAX_JOBS {
                break;
            }
            if let Some((_, job)) = self.jobs.pop_front() {
                self.pandaids.remove(&job.pandaid);
            }
            changed = true;
        }
        changed
    }

    /// Failed jobs since the last call, for the failure-rate metric.
    pub fn take_failed_count(&mut self) -> u64 {
        std::mem::take(&mut self.failed_since_sample)
    }

    /// The jobs, newest first.
    pub fn snapshot(&self) -> Vec<FailedJob> {
        self.jobs.iter().rev().map(|(_, job)| job.clone()).collect()
    }

    fn add_job(
        &mut self,
        rng: &mut Rng,
        scenario: &Scenario,
        clock: Clock,
        now: i64,
        owners: &[JobOwner],
        forced: Option<Forced<'_>>,
    ) -> bool {
        let Some(owner) = pick_owner(rng, owners) else {
            return false;
        };
        let site_name = match forced.and_then(|forced| forced.site) {
            Some(site) => site,
            // Most jobs run where their task was brokered; the rest spill over to other sites.
            None if rng.f64() < 0.7 => owner.site.as_str(),
            None => scenario
                .sites
                .pick_weighted(rng, |site| site.weight)
                .name
                .as_str(),
        };
        let site = scenario
            .sites
            .iter()
            .find(|site| site.name == site_name)
            .unwrap_or(scenario.sites.first());

        let failure = match forced {
            Some(forced) => forced.failure,
            None => {
                let chronic = self
                    .chronic
                    .iter()
                    .find(|problem| problem.site == site.name);
                match chronic {
                    Some(problem) if rng.f64() < 0.35 => problem.failure,
                    _ => Failure::pick(rng),
                }
            }
        };

        let pandaid = self.fresh_pandaid(rng);
        let context = JobContext {
            pandaid,
            owner,
            site,
            now: clock.at(now),
            scope: scope_of(owner),
        };
        let (status, errors) = build_errors(rng, scenario, &context, failure);
        if status == "failed" {
            self.failed_since_sample += 1;
        }
        self.jobs.push_back((
            now,
            FailedJob {
                pandaid,
                jeditaskid: owner.jeditaskid,
                status: status.to_string(),
                computingsite: site.name.clone(),
                produsername: owner.username.clone(),
                modification_time: clock.at(now),
                errors,
            },
        ));
        true
    }

    /// A PanDA id for a job created a while ago (jobs fail minutes to hours after creation).
    fn fresh_pandaid(&mut self, rng: &mut Rng) -> u64 {
        let age_secs = rng.u64(300..6 * 3600);
        let mut pandaid = self
            .next_pandaid
            .saturating_sub(age_secs * PANDAIDS_PER_SEC)
            .saturating_add(rng.u64(0..PANDAIDS_PER_SEC));
        while !self.pandaids.insert(pandaid) {
            pandaid += 1;
        }
        pandaid
    }
}

/// A failure an incident imposes, at its site if it has one.
#[derive(Debug, Clone, Copy)]
struct Forced<'a> {
    site: Option<&'a str>,
    failure: Failure,
}

fn pick_owner<'a>(rng: &mut Rng, owners: &'a [JobOwner]) -> Option<&'a JobOwner> {
    let total: u64 = owners.iter().map(|owner| owner.running_jobs).sum();
    if total == 0 {
        return None;
    }
    let mut ticket = rng.u64(..total);
    for owner in owners {
        if ticket < owner.running_jobs {
            return Some(owner);
        }
        ticket -= owner.running_jobs;
    }
    owners.last()
}

/// The Rucio scope of a task's files: the project of production tasks, `user.<name>` otherwise.
fn scope_of(owner: &JobOwner) -> String {
    if owner.processingtype.starts_with("jedi-") {
        format!("user.{}", owner.username)
    } else {
        owner
            .taskname
            .split('.')
            .next()
            .unwrap_or("mc23_13p6TeV")
            .to_string()
    }
}

struct JobContext<'a> {
    pandaid: u64,
    owner: &'a JobOwner,
    site: &'a Site,
    now: Timestamp,
    scope: String,
}

impl JobContext<'_> {
    fn input_type(&self) -> &'static str {
        match self.owner.processingtype.as_str() {
            "simul" => "EVNT",
            "pile" => "HITS",
            "recon" => "RDO",
            "reprocessing" => "RAW",
            "deriv" | "merge" => "AOD",
            "evgen" => "TXT",
            _ => "DAOD_PHYS",
        }
    }

    fn output_type(&self) -> &str {
        match self.owner.processingtype.as_str() {
            "evgen" => "EVNT",
            "simul" => "HITS",
            "pile" => "RDO",
            "deriv" => {
                let format = self
                    .owner
                    .taskname
                    .split('.')
                    .find(|part| part.starts_with("DAOD_"));
                format.unwrap_or("DAOD_PHYS")
            }
            "jedi-run" | "jedi-athena" => "ANALYSIS",
            _ => "AOD",
        }
    }

    /// The transform step that was running, as the transform names it in its logs.
    fn substep(&self) -> &'static str {
        match self.owner.processingtype.as_str() {
            "evgen" => "generate",
            "simul" => "EVNTtoHITS",
            "pile" => "HITtoRDO",
            "recon" | "reprocessing" => "RAWtoALL",
            "deriv" => "Derivation",
            "merge" => "AODMerge",
            _ => "runGen",
        }
    }

    fn dataset_number(&self, rng: &mut Rng) -> u64 {
        // Files carry the number of the task that produced them, a little older than this one.
        self.owner.jeditaskid.saturating_sub(rng.u64(1000..400_000))
    }

    fn input_file(&self, rng: &mut Rng) -> String {
        let number = self.dataset_number(rng);
        pool_file_name(rng, self.input_type(), number)
    }

    fn output_file(&self, rng: &mut Rng) -> String {
        pool_file_name(rng, self.output_type(), self.owner.jeditaskid)
    }

    fn replica_url(&self, file: &str) -> String {
        format!(
            "{}/{}/{}/{file}",
            self.site.door,
            self.scope.replace('.', "/"),
            rucio_hash_dirs(file)
        )
    }

    fn worker_node(&self, rng: &mut Rng) -> String {
        let domain = self
            .site
            .door
            .split("//")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next());
        let domain = domain
            .and_then(|host| host.split_once('.'))
            .map(|(_, domain)| domain);
        format!(
            "wn{:04}.{}",
            rng.u32(1..2400),
            domain.unwrap_or("grid.example.org")
        )
    }

    fn clock_time(&self, secs_ago: i64) -> String {
        let at = self
            .now
            .checked_sub(jiff::SignedDuration::from_secs(secs_ago))
            .unwrap_or(self.now);
        at.strftime("%Y-%m-%d %H:%M:%S").to_string()
    }

    fn limit_kb(&self) -> u64 {
        let per_core_mb = self.owner.ramcount_mb_per_core.unwrap_or(2000.0);
        (per_core_mb * f64::from(self.owner.corecount.max(1)) * 1024.0) as u64
    }
}

fn pilot(code: i64, detail: String) -> JobError {
    let message =
        catalogue::lookup(ErrorSource::Pilot, code).map_or("", |info| info.message.as_str());
    JobError {
        source: ErrorSource::Pilot,
        code,
        diag: truncate_chars(format!("{message}:{detail}"), MAX_DIAG_CHARS),
    }
}

fn executor(code: i64, diag: String) -> JobError {
    JobError {
        source: ErrorSource::Executor,
        code,
        diag: truncate_chars(diag, MAX_DIAG_CHARS),
    }
}

/// Transform exit codes have no diagnostic field.
fn transform(code: i64) -> JobError {
    JobError {
        source: ErrorSource::Transform,
        code,
        diag: String::new(),
    }
}

fn server(source: ErrorSource, code: i64, diag: String) -> JobError {
    JobError {
        source,
        code,
        diag: truncate_chars(diag, MAX_DIAG_CHARS),
    }
}

const ALGORITHMS: [&str; 9] = [
    "G4AtlasAlg",
    "PixelClusterization",
    "InDetSiSpTrackFinder",
    "JetRecAlg",
    "EgammaRecBuilder",
    "DerivationFrameworkKernel",
    "MuonCombinedAlg",
    "TauRecAlg",
    "TrigDecisionMaker",
];

fn athena_fatal(rng: &mut Rng, context: &JobContext<'_>) -> String {
    let algorithm = ALGORITHMS[rng.usize(..ALGORITHMS.len())];
    match rng.u32(0..5) {
        0 => format!(
            "{algorithm} FATAL Standard std::exception is caught: vector::_M_range_check: __n (which is {n}) >= this->size() (which is {n})",
            n = rng.u32(2..40)
        ),
        1 => format!(
            "{algorithm} ERROR Algorithm returned StatusCode::FAILURE at event {}",
            rng.u32(1..20000)
        ),
        2 => format!(
            "PoolSvc ERROR Failed to open file {}",
            context.input_file(rng)
        ),
        3 => "IOVDbSvc FATAL Could not retrieve folder /TRT/Calib/RT: Frontier server timed out"
            .to_string(),
        _ => format!(
            "AthenaEventLoopMgr ERROR Unable to retrieve EventInfo for event {}",
            rng.u32(1..20000)
        ),
    }
}

/// The job status and errors of one failure.
fn build_errors(
    rng: &mut Rng,
    scenario: &Scenario,
    context: &JobContext<'_>,
    failure: Failure,
) -> (&'static str, Vec<JobError>) {
    let site = context.site;
    let failed = "failed";
    match failure {
        Failure::StageIn => {
            let file = context.input_file(rng);
            let detail = match rng.u32(0..3) {
                0 => format!(
                    "[ERROR] Server responded with an error: [3011] No servers are available to read the file. source {}",
                    context.replica_url(&file)
                ),
                1 => {
                    let reason = [
                        "Connection timed out",
                        "Checksum validation failed",
                        "SSL handshake failed",
                    ];
                    format!(
                        "rucio download of {}:{file} failed after {} attempts: {}",
                        context.scope,
                        rng.u32(2..4),
                        reason[rng.usize(..reason.len())]
                    )
                }
                _ => format!(
                    "gfal-copy {} failed: [Errno 2] No such file or directory",
                    context.replica_url(&file)
                ),
            };
            (failed, vec![pilot(1099, detail)])
        }
        Failure::StageOut => {
            let file = context.output_file(rng);
            let detail = match rng.u32(0..3) {
                0 => format!(
                    "rucio upload of {file} to {} failed: The requested service is not available at the moment",
                    site.rse
                ),
                1 => format!(
                    "gfal-copy to {} failed after {} s: Connection timed out",
                    context.replica_url(&file),
                    rng.u32(600..3600)
                ),
                _ => format!("{} is blacklisted for writing (file {file})", site.rse),
            };
            // Output that could not be written is retried from holding before the job fails.
            let status = if rng.bool() { "holding" } else { failed };
            (status, vec![pilot(1137, detail)])
        }
        Failure::PayloadCrash => {
            let substep = context.substep();
            match rng.u32(0..10) {
                0..=4 => {
                    let fatal = athena_fatal(rng, context);
                    (
                        failed,
                        vec![
                            pilot(1305, format!("Non-zero return code from {substep} (65)")),
                            executor(
                                65,
                                format!(
                                    "Non-zero return code from {substep} (65); Logfile error in log.{substep}: \"{fatal}\""
                                ),
                            ),
                        ],
                    )
                }
                5..=7 => {
                    let algorithm = ALGORITHMS[rng.usize(..ALGORITHMS.len())];
                    (
                        failed,
                        vec![
                            pilot(
                                1305,
                                format!(
                                    "payload crashed with signal 11 (SIGSEGV) in {algorithm}::execute() at event {}",
                                    rng.u32(1..20000)
                                ),
                            ),
                            transform(139),
                        ],
                    )
                }
                _ => {
                    let exceptions = [
                        ("KeyError", "'inputAODFile'"),
                        (
                            "RuntimeError",
                            "Unable to determine geometry version from input metadata",
                        ),
                        ("OSError", "[Errno 28] No space left on device"),
                    ];
                    let (kind, message) = exceptions[rng.usize(..exceptions.len())];
                    let line = rng.u32(40..1800);
                    (
                        failed,
                        vec![
                            pilot(
                                1305,
                                format!(
                                    "python exception in trfExe.py line {line}: {kind}: {message}"
                                ),
                            ),
                            executor(250, format!("Transform exception: {kind}: {message}")),
                        ],
                    )
                }
            }
        }
        Failure::LogError => {
            let fatal = athena_fatal(rng, context);
            (
                failed,
                vec![
                    executor(68, format!("Fatal error in athena logfile: \"{fatal}\"")),
                    transform(68),
                ],
            )
        }
        Failure::OutputValidation => {
            let file = context.output_file(rng);
            let expected = rng.u32(1..20) * 1000;
            let detail = if rng.bool() {
                format!(
                    "Output file {file} failed validation: event count {} does not match the expected {expected}",
                    expected - rng.u32(1..50)
                )
            } else {
                format!("Output file {file} failed validation: file is not a valid ROOT file")
            };
            (failed, vec![executor(75, detail), transform(75)])
        }
        Failure::LostHeartbeat => {
            let silent_secs = 2 * 3600 + rng.i64(0..1800);
            let diag = format!("lost heartbeat : {}", context.clock_time(silent_secs));
            (failed, vec![server(ErrorSource::JobDispatcher, 100, diag)])
        }
        Failure::TaskKilled => {
            let diag = if rng.bool() {
                format!("killed by {}", scenario.operators.pick(rng))
            } else {
                format!("killed since task {} was aborted", context.owner.jeditaskid)
            };
            (failed, vec![server(ErrorSource::TaskBuffer, 100, diag)])
        }
        Failure::Expired => {
            let state = if rng.bool() { "activated" } else { "assigned" };
            let diag = format!(
                "expired in {state}: no update since {}",
                context.clock_time(rng.i64(2..8) * 86_400)
            );
            (failed, vec![server(ErrorSource::TaskBuffer, 102, diag)])
        }
        Failure::Retried => {
            let diag = format!(
                "reassigned by server-side retry: new PandaID={}",
                context.pandaid + rng.u64(10_000..900_000)
            );
            (failed, vec![server(ErrorSource::TaskBuffer, 106, diag)])
        }
        Failure::Walltime => {
            let limit_secs = [86_400, 129_600, 172_800][rng.usize(..3)];
            let used = limit_secs + rng.u32(0..900);
            let detail = format!(
                "job used {}h{:02}m of its {limit_secs} s wall-time limit at {}",
                used / 3600,
                used % 3600 / 60,
                site.name
            );
            (failed, vec![pilot(1213, detail)])
        }
        Failure::Sigterm => {
            let detail = format!(
                "received at {} from the batch system on {}",
                context.clock_time(rng.i64(60..600)),
                context.worker_node(rng)
            );
            let mut errors = vec![pilot(1201, detail)];
            if rng.bool() {
                errors.push(transform(143));
            }
            (failed, errors)
        }
        Failure::OutOfMemory => {
            let limit = context.limit_kb();
            let pss = (limit as f64 * (1.05 + 0.5 * rng.f64())) as u64;
            let detail = format!(
                "maxPSS {pss} kB exceeds the limit of {limit} kB for {} cores",
                context.owner.corecount
            );
            (failed, vec![pilot(1212, detail)])
        }
        Failure::ExceededMaxMemory => {
            let limit_mb = context.limit_kb() / 1024;
            let detail = format!(
                "RSS {} MB above the {limit_mb} MB limit of the queue (prmon)",
                limit_mb + rng.u64(100..3000)
            );
            (failed, vec![pilot(1235, detail)])
        }
        Failure::BadAlloc => {
            let algorithm = ALGORITHMS[rng.usize(..ALGORITHMS.len())];
            let detail = format!(
                "std::bad_alloc thrown in {algorithm} at event {} (maxPSS {} kB)",
                rng.u32(1..20000),
                context.limit_kb()
            );
            (
                failed,
                vec![
                    pilot(1223, detail),
                    executor(
                        65,
                        format!("Non-zero return code from {} (65)", context.substep()),
                    ),
                ],
            )
        }
        Failure::Looping => {
            let detail = format!(
                "no output file updates for {} s in /srv/workDir/PanDA_Pilot-{}/athenaMP-workers-{}",
                rng.u32(7200..14400),
                context.pandaid,
                context.substep()
            );
            (failed, vec![pilot(1150, detail)])
        }
        Failure::ServiceUnavailable => {
            let detail = if rng.bool() {
                "rucio-lb-prod.cern.ch answered HTTP 503 to /replicas/list".to_string()
            } else {
                format!(
                    "pandaserver.cern.ch:25443 answered HTTP 503 to /api/v1/pilot/update_job for PandaID={}",
                    context.pandaid
                )
            };
            (failed, vec![pilot(1324, detail)])
        }
        Failure::RucioUnavailable => {
            let file = context.input_file(rng);
            let detail = format!(
                "list_replicas for {}:{file} failed: cannot connect to rucio-lb-prod.cern.ch:443 ({})",
                context.scope,
                [
                    "Connection refused",
                    "Read timed out",
                    "Name or service not known"
                ][rng.usize(..3)]
            );
            (failed, vec![pilot(1316, detail)])
        }
        Failure::StageInTimeout => {
            let file = context.input_file(rng);
            let detail = format!(
                "copy of {file} from {} did not finish in {} s (xrdcp)",
                site.rse,
                rng.u32(1800..7200)
            );
            (failed, vec![pilot(1151, detail)])
        }
        Failure::MissingInput => {
            let file = context.input_file(rng);
            let detail = format!(
                "{}:{file} (guid {}) has no replica on {}",
                context.scope,
                guid(rng),
                site.rse
            );
            (failed, vec![pilot(1331, detail)])
        }
        Failure::RemoteOpenTimeout => {
            let file = context.input_file(rng);
            let detail = format!(
                "{} not opened after {} s",
                context.replica_url(&file),
                rng.u32(600..1800)
            );
            (failed, vec![pilot(1368, detail)])
        }
        Failure::Cvmfs => {
            let detail = format!(
                "probe of /cvmfs/atlas.cern.ch/repo/sw/ timed out on {}",
                context.worker_node(rng)
            );
            (failed, vec![pilot(1377, detail)])
        }
        Failure::ImageMount => {
            let release = context
                .owner
                .transhome
                .split('-')
                .nth(1)
                .unwrap_or("24.0.53");
            let reason = if rng.bool() {
                "no loop devices available"
            } else {
                "FATAL: container creation failed: mount hook function failure"
            };
            let detail = format!(
                "/cvmfs/unpacked.cern.ch/registry.hub.docker.com/atlas/athena:{release}: {reason}"
            );
            (failed, vec![pilot(1309, detail)])
        }
        Failure::CertificateExpired => {
            let detail = format!(
                "proxy /tmp/x509up_u{} expired at {}",
                rng.u32(10_000..60_000),
                context.clock_time(rng.i64(60..7200))
            );
            (failed, vec![pilot(1373, detail)])
        }
        Failure::Preemption => {
            let detail = format!(
                "worker {} at {} reclaimed by the resource provider after {} min",
                rng.u64(100_000_000..999_999_999),
                site.name,
                rng.u32(5..600)
            );
            (failed, vec![pilot(1379, detail)])
        }
        Failure::SigkillExit => (failed, vec![transform(137)]),
        Failure::WorkerDone => {
            let diag = format!(
                "worker {} finished before the job",
                rng.u64(100_000_000..999_999_999)
            );
            (failed, vec![server(ErrorSource::Supervisor, 2, diag)])
        }
        Failure::TransferringTimeout => {
            let diag = format!(
                "timeout in transferring: outputs not registered after {} h",
                rng.u32(12..72)
            );
            (failed, vec![server(ErrorSource::JobDispatcher, 104, diag)])
        }
        Failure::AdderFailed => {
            let dataset = format!(
                "{}.{}_sub{:010}",
                context.scope,
                context.owner.jeditaskid,
                rng.u64(0..9_999_999_999)
            );
            let reason = [
                "rucio.common.exception.DataIdentifierNotFound",
                "rucio.common.exception.FileAlreadyExists",
                "Rucio server timed out after 300 s",
            ];
            let diag = format!(
                "Adder._updateOutputs() could not add files to {dataset}: {}",
                reason[rng.usize(..reason.len())]
            );
            ("holding", vec![server(ErrorSource::DataService, 200, diag)])
        }
        Failure::OutputChecksum => {
            let file = context.output_file(rng);
            let detail = format!(
                "{file} local {} remote {} at {}",
                hex(rng, 8),
                hex(rng, 8),
                site.rse
            );
            (failed, vec![pilot(1172, detail)])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(processingtype: &str) -> JobOwner {
        JobOwner {
            jeditaskid: 40_412_345,
            taskname: "mc23_13p6TeV.601229.PhPy8EG_A14_ttbar.simul.HITS.e8514_s4162".to_string(),
            username: "atlas-mc-production".to_string(),
            site: "CERN-PROD".to_string(),
            processingtype: processingtype.to_string(),
            transhome: "AthSimulation-23.0.44".to_string(),
            corecount: 8,
            ramcount_mb_per_core: Some(2000.0),
            running_jobs: 100,
        }
    }

    #[test]
    fn every_failure_uses_catalogued_codes_and_pilot_form() {
        let scenario = Scenario::embedded();
        let mut rng = Rng::with_seed(21);
        for (failure, _) in FAILURE_WEIGHTS {
            for processingtype in ["simul", "deriv", "jedi-run"] {
                let owner = owner(processingtype);
                let context = JobContext {
                    pandaid: 6_512_345_678,
                    owner: &owner,
                    site: scenario.sites.first(),
                    now: Timestamp::UNIX_EPOCH,
                    scope: scope_of(&owner),
                };
                for _ in 0..20 {
                    let (status, errors) = build_errors(&mut rng, scenario, &context, failure);
                    assert!(status == "failed" || status == "holding");
                    assert!((1..=2).contains(&errors.len()), "{failure:?}");
                    for error in errors {
                        let info = catalogue::lookup(error.source, error.code);
                        assert!(
                            info.is_some(),
                            "{failure:?}: {:?} {}",
                            error.source,
                            error.code
                        );
                        assert!(error.diag.chars().count() <= MAX_DIAG_CHARS);
                        if error.source == ErrorSource::Pilot {
                            let message = info.map(|i| i.message.clone()).unwrap_or_default();
                            assert!(
                                error.diag.starts_with(&format!("{message}:")),
                                "{}",
                                error.diag
                            );
                            assert!(error.diag.len() > message.len() + 1, "{}", error.diag);
                        }
                        if error.source == ErrorSource::Transform {
                            assert_eq!(error.diag, "");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn catch_all_payload_failures_have_several_shapes() {
        let scenario = Scenario::embedded();
        let mut rng = Rng::with_seed(4);
        let owner = owner("simul");
        let context = JobContext {
            pandaid: 6_512_345_678,
            owner: &owner,
            site: scenario.sites.first(),
            now: Timestamp::UNIX_EPOCH,
            scope: scope_of(&owner),
        };
        let mut shapes = BTreeSet::new();
        for _ in 0..200 {
            let (_, errors) = build_errors(&mut rng, scenario, &context, Failure::PayloadCrash);
            if let Some(first) = errors.first() {
                assert_eq!((first.source, first.code), (ErrorSource::Pilot, 1305));
                let detail = first
                    .diag
                    .split_once(':')
                    .map(|(_, detail)| detail)
                    .unwrap_or_default();
                shapes.insert(
                    detail
                        .split_whitespace()
                        .take(2)
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
        }
        assert!(shapes.len() >= 3, "{shapes:?}");
    }
}
