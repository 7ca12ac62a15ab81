//! JEDI tasks of the demo world: how they are named, what they need, and how they move through
//! defined → ready → scouting → running → finishing → done (or stop as exhausted, broken, failed,
//! aborted, or pause for a while).
//!
//! Each task gets a plan when it is created: the times of its state changes and the resources its
//! scouts will measure. What the console sees at a moment is read off that plan, so a task seeded
//! in the past and a task created live follow the same rules. The resources follow fixed relations
//! to the task's features (processing type, framework, cores, events per file) with some noise, so
//! a model trained on the demo can learn something real. Values PanDA only knows after scouting
//! stay `None` until then.

use jiff::Timestamp;

use crate::domain::{Task, TaskStatus};

use super::Clock;
use super::names::{log_uniform, lognormal, normal, uniform};
use super::scenario::{NonEmpty, Scenario, Site};

/// JEDI's limit on scouted memory before a task is exhausted, MB per core.
const RAM_LIMIT_MB_PER_CORE: f64 = 4000.0;
/// Scouted cpuTime above this multiple of the preset exhausts a task.
const CPUTIME_EXHAUST_RATIO: f64 = 2.0;
/// Tasks whose scouts ran below this CPU efficiency are exhausted.
const MIN_CPU_EFFICIENCY_PCT: f64 = 45.0;
/// The HS06 score of an average worker-node core, used to turn CPU per event into I/O rates.
const HS06_PER_CORE: f64 = 10.0;
/// How many scout jobs JEDI sends before the avalanche.
const SCOUT_JOBS: u64 = 10;
/// The live population the arrival rate steers towards.
const TARGET_LIVE_TASKS: usize = 170;

/// The kind of work a task does, which fixes its processing type and most of its needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    Evgen,
    Simul,
    Pile,
    Recon,
    Reprocessing,
    Deriv,
    Merge,
    UserRun,
    UserAthena,
}

/// What is typical for one kind of work. Memory and CPU are the medians the noise is applied to.
struct Profile {
    processingtype: &'static str,
    prodsourcelabel: &'static str,
    share: u32,
    /// transhome values with their relative frequency.
    frameworks: &'static [(&'static str, u32)],
    multicore_probability: f64,
    /// Memory per core when the payload runs on a single core; AthenaMP shares memory across
    /// workers, so eight-core jobs need less per core.
    ram_single_core_mb: f64,
    /// Start-up cost of a job (configuration, conditions, geometry), spread over its events.
    startup_hs06s_per_file: f64,
    /// How strongly the physics process changes the CPU per event (0 = not at all).
    complexity_exponent: f64,
    cpu_efficiency_pct: f64,
    /// The formats its tasks read, one drawn per task by share: production reads one format,
    /// analysis several. Never empty.
    inputs: &'static [Input],
    n_files: (u64, u64),
    events_per_file: (u64, u64),
    datasets: (u64, u64),
    /// Jobs running at once for a task of 1000 files.
    jobs_per_1000_files: f64,
}

/// A data format a kind of work reads, with its share among the tasks of that kind. The data
/// read and written per event and the CPU per event set a task's I/O intensity. For analysis
/// they differ by format: PHYSLITE carries calibrated objects in about 10 kB an event and is read
/// fast, PHYS needs the calibrations run on its 50 kB, AOD is hundreds of kB.
struct Input {
    format: &'static str,
    share: u32,
    /// Data read and written per event.
    event_size_kb: f64,
    /// CPU per event for an average task, before the per-file start-up cost and the physics
    /// process or the analysis code's own spread.
    cputime_hs06s_per_event: f64,
}

/// What a work without inputs would read; no profile is without them.
const FALLBACK_INPUT: Input = Input {
    format: "AOD",
    share: 1,
    event_size_kb: 300.0,
    cputime_hs06s_per_event: 1.0,
};

/// Analysis tasks whose name carries their input dataset's format; the others name only the
/// analysis, so their format is in the data but not in anything known at definition time.
const NAMED_INPUT_SHARE: f64 = 0.8;
/// Mixed into a task's id to seed the draws of what an analysis task reads. A generator of the
/// task's own leaves every other draw of the world where it was.
const INPUT_SEED_SALT: u64 = 0x696e_7075_745f_6677;

const PROFILES: [(Work, Profile); 9] = [
    (
        Work::Evgen,
        Profile {
            processingtype: "evgen",
            prodsourcelabel: "managed",
            share: 10,
            frameworks: &[("AthGeneration-23.6.31", 3), ("AthGeneration-23.6.34", 2)],
            multicore_probability: 0.25,
            ram_single_core_mb: 1500.0,
            startup_hs06s_per_file: 3000.0,
            complexity_exponent: 1.0,
            cpu_efficiency_pct: 93.0,
            inputs: &[Input {
                format: "TXT",
                share: 1,
                event_size_kb: 8.0,
                cputime_hs06s_per_event: 70.0,
            }],
            n_files: (20, 500),
            events_per_file: (5000, 20000),
            datasets: (1, 1),
            jobs_per_1000_files: 900.0,
        },
    ),
    (
        Work::Simul,
        Profile {
            processingtype: "simul",
            prodsourcelabel: "managed",
            share: 14,
            frameworks: &[("AthSimulation-23.0.44", 5), ("Athena-23.0.63", 2)],
            multicore_probability: 0.95,
            ram_single_core_mb: 2800.0,
            startup_hs06s_per_file: 6000.0,
            complexity_exponent: 0.3,
            cpu_efficiency_pct: 94.0,
            inputs: &[Input {
                format: "EVNT",
                share: 1,
                event_size_kb: 900.0,
                cputime_hs06s_per_event: 450.0,
            }],
            n_files: (50, 2000),
            events_per_file: (1000, 10000),
            datasets: (1, 1),
            jobs_per_1000_files: 1200.0,
        },
    ),
    (
        Work::Pile,
        Profile {
            processingtype: "pile",
            prodsourcelabel: "managed",
            share: 5,
            frameworks: &[("Athena-24.0.53", 3), ("Athena-24.0.60", 1)],
            multicore_probability: 0.9,
            ram_single_core_mb: 3900.0,
            startup_hs06s_per_file: 15000.0,
            complexity_exponent: 0.0,
            cpu_efficiency_pct: 82.0,
            inputs: &[Input {
                format: "HITS",
                share: 1,
                event_size_kb: 2500.0,
                cputime_hs06s_per_event: 55.0,
            }],
            n_files: (100, 2000),
            events_per_file: (1000, 2000),
            datasets: (3, 3),
            jobs_per_1000_files: 700.0,
        },
    ),
    (
        Work::Recon,
        Profile {
            processingtype: "recon",
            prodsourcelabel: "managed",
            share: 8,
            frameworks: &[("Athena-24.0.53", 4), ("Athena-24.0.60", 2)],
            multicore_probability: 0.95,
            ram_single_core_mb: 3400.0,
            startup_hs06s_per_file: 12000.0,
            complexity_exponent: 0.1,
            cpu_efficiency_pct: 86.0,
            inputs: &[Input {
                format: "RDO",
                share: 1,
                event_size_kb: 1900.0,
                cputime_hs06s_per_event: 110.0,
            }],
            n_files: (100, 3000),
            events_per_file: (1000, 5000),
            datasets: (1, 1),
            jobs_per_1000_files: 800.0,
        },
    ),
    (
        Work::Reprocessing,
        Profile {
            processingtype: "reprocessing",
            prodsourcelabel: "managed",
            share: 3,
            frameworks: &[("Athena-24.0.53", 1)],
            multicore_probability: 1.0,
            ram_single_core_mb: 3600.0,
            startup_hs06s_per_file: 12000.0,
            complexity_exponent: 0.0,
            cpu_efficiency_pct: 84.0,
            inputs: &[Input {
                format: "RAW",
                share: 1,
                event_size_kb: 1400.0,
                cputime_hs06s_per_event: 120.0,
            }],
            n_files: (500, 5000),
            events_per_file: (5000, 50000),
            datasets: (1, 3),
            jobs_per_1000_files: 600.0,
        },
    ),
    (
        Work::Deriv,
        Profile {
            processingtype: "deriv",
            prodsourcelabel: "managed",
            share: 25,
            frameworks: &[("AthDerivation-24.0.30", 5), ("Athena-25.0.12", 1)],
            multicore_probability: 0.7,
            ram_single_core_mb: 2500.0,
            startup_hs06s_per_file: 3000.0,
            complexity_exponent: 0.1,
            cpu_efficiency_pct: 78.0,
            inputs: &[Input {
                format: "AOD",
                share: 1,
                event_size_kb: 330.0,
                cputime_hs06s_per_event: 1.8,
            }],
            n_files: (50, 3000),
            events_per_file: (10000, 100000),
            datasets: (1, 1),
            jobs_per_1000_files: 500.0,
        },
    ),
    (
        Work::Merge,
        Profile {
            processingtype: "merge",
            prodsourcelabel: "managed",
            share: 10,
            frameworks: &[("Athena-24.0.53", 2), ("AthDerivation-24.0.30", 2)],
            multicore_probability: 0.05,
            ram_single_core_mb: 1600.0,
            startup_hs06s_per_file: 300.0,
            complexity_exponent: 0.0,
            cpu_efficiency_pct: 70.0,
            inputs: &[Input {
                format: "AOD",
                share: 1,
                event_size_kb: 300.0,
                cputime_hs06s_per_event: 0.35,
            }],
            n_files: (20, 500),
            events_per_file: (500, 5000),
            datasets: (1, 1),
            jobs_per_1000_files: 300.0,
        },
    ),
    (
        Work::UserRun,
        Profile {
            processingtype: "jedi-run",
            prodsourcelabel: "user",
            share: 17,
            frameworks: &[("AnalysisBase-24.2.35", 4), ("AnalysisBase-25.2.15", 2)],
            multicore_probability: 0.0,
            ram_single_core_mb: 1500.0,
            startup_hs06s_per_file: 1000.0,
            complexity_exponent: 0.0,
            cpu_efficiency_pct: 72.0,
            inputs: &[
                Input {
                    format: "DAOD_PHYSLITE",
                    share: 5,
                    event_size_kb: 10.0,
                    cputime_hs06s_per_event: 0.05,
                },
                Input {
                    format: "DAOD_PHYS",
                    share: 4,
                    event_size_kb: 50.0,
                    cputime_hs06s_per_event: 1.0,
                },
                Input {
                    format: "DAOD_FTAG1",
                    share: 1,
                    event_size_kb: 100.0,
                    cputime_hs06s_per_event: 1.0,
                },
                Input {
                    format: "DAOD_SUSY5",
                    share: 1,
                    event_size_kb: 40.0,
                    cputime_hs06s_per_event: 1.0,
                },
            ],
            n_files: (5, 2000),
            events_per_file: (20000, 200000),
            datasets: (1, 25),
            jobs_per_1000_files: 400.0,
        },
    ),
    (
        Work::UserAthena,
        Profile {
            processingtype: "jedi-athena",
            prodsourcelabel: "user",
            share: 8,
            frameworks: &[("Athena-24.0.53", 2), ("AthAnalysis-24.2.35", 3)],
            multicore_probability: 0.15,
            ram_single_core_mb: 2200.0,
            startup_hs06s_per_file: 1000.0,
            complexity_exponent: 0.0,
            cpu_efficiency_pct: 76.0,
            inputs: &[
                Input {
                    format: "AOD",
                    share: 3,
                    event_size_kb: 400.0,
                    cputime_hs06s_per_event: 4.0,
                },
                Input {
                    format: "DAOD_PHYS",
                    share: 3,
                    event_size_kb: 50.0,
                    cputime_hs06s_per_event: 2.0,
                },
                Input {
                    format: "DAOD_FTAG1",
                    share: 1,
                    event_size_kb: 100.0,
                    cputime_hs06s_per_event: 2.0,
                },
            ],
            n_files: (10, 500),
            events_per_file: (5000, 50000),
            datasets: (1, 10),
            jobs_per_1000_files: 500.0,
        },
    ),
];

impl Work {
    fn profile(self) -> &'static Profile {
        // PROFILES lists every variant once, in declaration order.
        &PROFILES[self as usize].1
    }

    fn is_user(self) -> bool {
        matches!(self, Work::UserRun | Work::UserAthena)
    }

    /// What a task of this work reads, drawn by share from the task's own generator.
    fn input(self, rng: &mut fastrand::Rng) -> &'static Input {
        let inputs = self.profile().inputs;
        let total: u32 = inputs.iter().map(|input| input.share).sum();
        let mut ticket = rng.u32(..total.max(1));
        for input in inputs {
            if ticket < input.share {
                return input;
            }
            ticket -= input.share;
        }
        // Every profile lists at least one input; this only answers for an empty list.
        &FALLBACK_INPUT
    }

    fn pick(rng: &mut fastrand::Rng) -> Work {
        let total: u32 = PROFILES.iter().map(|(_, profile)| profile.share).sum();
        let mut ticket = rng.u32(..total);
        for (work, profile) in &PROFILES {
            if ticket < profile.share {
                return *work;
            }
            ticket -= profile.share;
        }
        Work::Deriv
    }
}

/// Memory use of a framework family relative to the others, for the same work.
fn framework_ram_factor(transhome: &str) -> f64 {
    match transhome.split(['-', '/']).next().unwrap_or_default() {
        "AthSimulation" => 0.95,
        "Athena" => 1.05,
        "AthAnalysis" => 0.9,
        _ => 1.0,
    }
}

/// A Monte Carlo sample: one physics process that moves through evgen, simul, recon and deriv.
#[derive(Debug, Clone)]
pub struct McSample {
    campaign: String,
    dsid: u32,
    name: String,
    evgen_tag: String,
    simul_tag: String,
    recon_tag: String,
    evgen_complexity: f64,
}

/// What the scouts of a task measure, in the units JEDI stores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resources {
    pub ramcount_mb_per_core: f64,
    pub cputime_hs06s_per_event: f64,
    pub cpu_efficiency_pct: f64,
    pub io_intensity_kb_per_s: f64,
}

#[derive(Debug, Clone)]
struct Transition {
    at: i64,
    status: TaskStatus,
    dialog: String,
}

/// The whole future of a task, decided when it is created.
#[derive(Debug, Clone)]
struct Plan {
    transitions: Vec<Transition>,
    scouting_at: i64,
    scouted_at: i64,
    /// Periods in which the task's jobs run after scouting (a pause splits them).
    run_periods: Vec<(i64, i64)>,
    scouts: u64,
    scouts_failed: u64,
    failed_file_fraction: f64,
    /// Jobs running at once while the task is running.
    concurrency: u64,
    resources: Resources,
    /// Whether the scouts succeed, so that JEDI learns the resources.
    resources_learned: bool,
    drop_at: i64,
}

impl Plan {
    fn transition_at(&self, t: i64) -> Option<&Transition> {
        self.transitions
            .iter()
            .take_while(|transition| transition.at <= t)
            .last()
    }

    fn next_transition_after(&self, t: i64) -> Option<i64> {
        self.transitions
            .iter()
            .map(|transition| transition.at)
            .find(|at| *at > t)
    }

    fn running_fraction(&self, t: i64) -> f64 {
        let total: i64 = self.run_periods.iter().map(|(from, to)| to - from).sum();
        if total <= 0 {
            return 0.0;
        }
        let done: i64 = self
            .run_periods
            .iter()
            .map(|(from, to)| (t.min(*to) - from).max(0))
            .sum();
        done as f64 / total as f64
    }

    /// Finished and failed files at `t`.
    fn files_at(&self, t: i64, n_files: u64) -> (u64, u64) {
        if t < self.scouting_at {
            return (0, 0);
        }
        let scouts_span = (self.scouted_at - self.scouting_at).max(1);
        if t < self.scouted_at {
            let done = self.scouts * ((t - self.scouting_at) as u64) / scouts_span as u64;
            let failed = self.scouts_failed * done / self.scouts.max(1);
            return (done - failed, failed);
        }
        let scouts_ok = self.scouts - self.scouts_failed;
        let remaining = n_files.saturating_sub(self.scouts) as f64;
        let progress = self.running_fraction(t);
        let finished = (remaining * (1.0 - self.failed_file_fraction) * progress).floor() as u64;
        let failed = (remaining * self.failed_file_fraction * progress).floor() as u64;
        (scouts_ok + finished, self.scouts_failed + failed)
    }
}

#[derive(Debug, Clone)]
struct SimTask {
    task: Task,
    plan: Plan,
    next_check: i64,
}

/// Who owns the jobs of an active task, for the failed-job generator.
#[derive(Debug, Clone)]
pub struct JobOwner {
    pub jeditaskid: u64,
    pub taskname: String,
    pub username: String,
    pub site: String,
    pub processingtype: String,
    pub transhome: String,
    pub corecount: u32,
    pub ramcount_mb_per_core: Option<f64>,
    pub running_jobs: u64,
}

/// Every task of the world, oldest first.
#[derive(Debug, Clone)]
pub struct TaskBook {
    tasks: Vec<SimTask>,
    samples: NonEmpty<McSample>,
    next_jeditaskid: u64,
    next_arrival_at: i64,
}

impl TaskBook {
    /// A book with the tasks that would exist at `now` had the world been running for hours.
    pub fn seeded(
        rng: &mut fastrand::Rng,
        scenario: &Scenario,
        clock: Clock,
        now: i64,
    ) -> TaskBook {
        let first = new_sample(rng, scenario, 0);
        let rest = (1..48)
            .map(|index| new_sample(rng, scenario, index))
            .collect();
        let mut book = TaskBook {
            tasks: Vec::new(),
            samples: NonEmpty::new(first, rest),
            next_jeditaskid: 40_000_000 + rng.u64(100_000..900_000),
            next_arrival_at: now,
        };

        // Tasks live a few hours from creation to being dropped, so starting the arrivals five
        // hours back gives a population as mixed as a world that has been running all along.
        let mut created = now - 5 * 3600;
        while created <= now {
            book.create_task(rng, scenario, clock, created);
            created += super::names::exponential_secs(rng, 54.0).max(1);
        }
        book.tasks.retain(|task| task.plan.drop_at > now);
        for task in &mut book.tasks {
            apply_plan(task, now, clock, rng);
        }
        book.next_arrival_at = now + super::names::exponential_secs(rng, 54.0).max(1);
        book
    }

    /// Advances every task to `now`; true when anything the console shows changed.
    pub fn step(
        &mut self,
        rng: &mut fastrand::Rng,
        scenario: &Scenario,
        clock: Clock,
        now: i64,
    ) -> bool {
        let mut changed = false;

        if now >= self.next_arrival_at {
            self.create_task(rng, scenario, clock, now);
            let live = self.tasks.len();
            let mean_gap_secs = if live < TARGET_LIVE_TASKS - 30 {
                30.0
            } else if live > TARGET_LIVE_TASKS + 40 {
                110.0
            } else {
                54.0
            };
            self.next_arrival_at = now + super::names::exponential_secs(rng, mean_gap_secs).max(1);
            changed = true;
        }

        let before = self.tasks.len();
        self.tasks.retain(|task| task.plan.drop_at > now);
        changed |= self.tasks.len() != before;

        for task in &mut self.tasks {
            if task.next_check <= now {
                changed |= apply_plan(task, now, clock, rng);
            }
        }
        changed
    }

    /// The tasks as the console shows them, newest first like BigPanDA.
    pub fn snapshot(&self) -> Vec<Task> {
        self.tasks
            .iter()
            .rev()
            .map(|task| task.task.clone())
            .collect()
    }

    /// Jobs running now over all tasks: scouts while scouting, the full share while running, a
    /// tail while finishing.
    pub fn running_jobs(&self) -> u64 {
        self.tasks
            .iter()
            .map(|task| match task.task.status {
                TaskStatus::Scouting => task.plan.scouts,
                TaskStatus::Running => task.plan.concurrency,
                TaskStatus::Finishing => task.plan.concurrency / 20,
                _ => 0,
            })
            .sum()
    }

    /// Tasks with jobs in flight, with how many, so failures land where the work is.
    pub fn job_owners(&self) -> Vec<JobOwner> {
        self.tasks
            .iter()
            .filter_map(|task| {
                let running_jobs = match task.task.status {
                    TaskStatus::Scouting => task.plan.scouts,
                    TaskStatus::Running => task.plan.concurrency,
                    TaskStatus::Finishing => (task.plan.concurrency / 20).max(1),
                    _ => 0,
                };
                (running_jobs > 0).then(|| JobOwner {
                    jeditaskid: task.task.jeditaskid,
                    taskname: task.task.taskname.clone(),
                    username: task.task.username.clone(),
                    site: task.task.site.clone(),
                    processingtype: task.task.processingtype.clone(),
                    transhome: task.task.transhome.clone(),
                    corecount: task.task.corecount.unwrap_or(1),
                    ramcount_mb_per_core: task.task.ramcount_mb_per_core,
                    running_jobs,
                })
            })
            .collect()
    }

    fn create_task(
        &mut self,
        rng: &mut fastrand::Rng,
        scenario: &Scenario,
        clock: Clock,
        created: i64,
    ) {
        self.next_jeditaskid += rng.u64(1..=24);
        let jeditaskid = self.next_jeditaskid;
        let work = Work::pick(rng);
        let profile = work.profile();
        let sample = self.samples.pick(rng).clone();
        let site = scenario
            .sites
            .pick_weighted(rng, |site| site.weight)
            .clone();

        let transhome = pick_framework(rng, profile.frameworks).to_string();
        let corecount = if rng.f64() < profile.multicore_probability {
            8
        } else {
            1
        };
        let n_files = log_uniform(rng, profile.n_files.0, profile.n_files.1);
        let events_per_file = round_events(log_uniform(
            rng,
            profile.events_per_file.0,
            profile.events_per_file.1,
        ));
        let dataset_count = log_uniform(rng, profile.datasets.0, profile.datasets.1);
        let production = &scenario.production_users;
        let username = match work {
            Work::UserRun | Work::UserAthena => scenario.analysis_users.pick(rng).clone(),
            Work::Deriv => production.derivation.clone(),
            Work::Reprocessing => production.reprocessing.clone(),
            _ => production.monte_carlo.clone(),
        };
        let mut input_rng = fastrand::Rng::with_seed(jeditaskid ^ INPUT_SEED_SALT);
        let input = work.input(&mut input_rng);
        let named_input =
            (work.is_user() && input_rng.f64() < NAMED_INPUT_SHARE).then_some(input.format);
        let taskname = task_name(
            rng,
            scenario,
            work,
            &sample,
            &username,
            clock.at(created),
            named_input,
        );

        let complexity = if work.is_user() {
            // Users' own code varies far more than production transforms.
            lognormal(rng, 0.5)
        } else if work == Work::Evgen {
            sample.evgen_complexity
        } else {
            sample.evgen_complexity.powf(profile.complexity_exponent)
        };
        let (resources, preset_cputime) = scouted_resources(
            rng,
            profile,
            input,
            &transhome,
            corecount,
            events_per_file,
            complexity,
        );

        let request = PlanRequest {
            work,
            created,
            n_files,
            resources,
            preset_cputime,
            username: &username,
            site: &site,
        };
        let plan = plan_task(rng, scenario, &request);

        let task = Task {
            jeditaskid,
            taskname,
            status: TaskStatus::Defined,
            username,
            prodsourcelabel: profile.prodsourcelabel.to_string(),
            processingtype: profile.processingtype.to_string(),
            transhome,
            corecount: Some(corecount),
            n_files: Some(n_files),
            n_files_finished: Some(0),
            n_files_failed: Some(0),
            total_events: Some(n_files * events_per_file),
            dataset_count: Some(dataset_count as u32),
            ramcount_mb_per_core: None,
            cputime_hs06s_per_event: None,
            cpu_efficiency_pct: None,
            io_intensity_kb_per_s: None,
            creation_time: Some(clock.at(created)),
            start_time: None,
            end_time: None,
            modification_time: Some(clock.at(created)),
            error_dialog: String::new(),
            site: site.name.clone(),
        };
        self.tasks.push(SimTask {
            task,
            plan,
            next_check: created,
        });
    }
}

/// Brings a task's visible fields to what its plan says for `now`; true when something changed.
fn apply_plan(sim: &mut SimTask, now: i64, clock: Clock, rng: &mut fastrand::Rng) -> bool {
    let plan = &sim.plan;
    let Some(transition) = plan.transition_at(now) else {
        sim.next_check = plan.next_transition_after(now).unwrap_or(plan.drop_at);
        return false;
    };
    let (finished, failed) = plan.files_at(now, sim.task.n_files.unwrap_or(0));
    let learned = plan.resources_learned && now >= plan.scouted_at;

    let task = &mut sim.task;
    let mut changed = false;
    let mut modified_at: Option<Timestamp> = None;
    if task.status != transition.status || task.error_dialog != transition.dialog {
        task.status = transition.status.clone();
        task.error_dialog = transition.dialog.clone();
        modified_at = Some(clock.at(transition.at));
        // PanDA stamps a task's start with its first job, and its end when it reaches a final
        // state.
        if task.start_time.is_none()
            && matches!(task.status, TaskStatus::Scouting | TaskStatus::Running)
        {
            task.start_time = modified_at;
        }
        if task.end_time.is_none() && task.status.is_final() {
            task.end_time = modified_at;
        }
        changed = true;
    }
    if task.n_files_finished != Some(finished) || task.n_files_failed != Some(failed) {
        task.n_files_finished = Some(finished);
        task.n_files_failed = Some(failed);
        modified_at = Some(clock.at(now));
        changed = true;
    }
    if learned && task.ramcount_mb_per_core.is_none() {
        task.ramcount_mb_per_core = Some(plan.resources.ramcount_mb_per_core);
        task.cputime_hs06s_per_event = Some(plan.resources.cputime_hs06s_per_event);
        task.cpu_efficiency_pct = Some(plan.resources.cpu_efficiency_pct);
        task.io_intensity_kb_per_s = Some(plan.resources.io_intensity_kb_per_s);
        changed = true;
    }
    if let Some(at) = modified_at {
        task.modification_time = Some(at);
    }

    let next_transition = plan.next_transition_after(now).unwrap_or(plan.drop_at);
    sim.next_check = match task.status {
        // Progress is reported by jobs finishing, so busy tasks are looked at often.
        TaskStatus::Scouting | TaskStatus::Running => {
            (now + rng.i64(20..=150)).min(next_transition)
        }
        _ => next_transition,
    };
    changed
}

fn pick_framework<'a>(rng: &mut fastrand::Rng, frameworks: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = frameworks.iter().map(|(_, weight)| weight).sum();
    if total == 0 {
        return "Athena-24.0.53";
    }
    let mut ticket = rng.u32(..total);
    for (name, weight) in frameworks {
        if ticket < *weight {
            return name;
        }
        ticket -= weight;
    }
    "Athena-24.0.53"
}

/// Event counts as production requests them: round hundreds, round thousands above 10000.
fn round_events(events: u64) -> u64 {
    let step = if events >= 10_000 { 1000 } else { 100 };
    (events / step).max(1) * step
}

fn new_sample(rng: &mut fastrand::Rng, scenario: &Scenario, index: u64) -> McSample {
    let process = scenario.mc.processes.pick(rng);
    let generator = scenario.mc.generators.pick(rng);
    // Spread the dataset numbers so two samples never share one.
    let dsid = 500_000 + (index as u32) * 6_000 + rng.u32(0..6_000);
    McSample {
        campaign: scenario.mc.campaigns.pick(rng).clone(),
        dsid,
        name: format!("{generator}_{}", process.name),
        evgen_tag: scenario.mc.evgen_tags.pick(rng).clone(),
        simul_tag: scenario.mc.simul_tags.pick(rng).clone(),
        recon_tag: scenario.mc.recon_tags.pick(rng).clone(),
        evgen_complexity: process.evgen_complexity,
    }
}

/// A task's name. Production names carry the format they write; an analysis name carries the
/// format it reads when `input_format` is given, as users who name their task after its input
/// dataset do.
fn task_name(
    rng: &mut fastrand::Rng,
    scenario: &Scenario,
    work: Work,
    sample: &McSample,
    username: &str,
    created: Timestamp,
    input_format: Option<&str>,
) -> String {
    let mc = |step: &str, format: &str, tags: &str| {
        format!(
            "{}.{}.{}.{step}.{format}.{tags}",
            sample.campaign, sample.dsid, sample.name
        )
    };
    let e = &sample.evgen_tag;
    let s = &sample.simul_tag;
    let r = &sample.recon_tag;
    let run = rng.u32(scenario.data.first_run..=scenario.data.last_run);
    let project = scenario.data.projects.pick(rng);
    let version = rng.u32(1..=9);
    let date = created.strftime("%Y%m%d");
    match work {
        Work::Evgen => mc("evgen", "EVNT", e),
        Work::Simul => mc("simul", "HITS", &format!("{e}_{s}")),
        Work::Pile => mc("digit", "RDO", &format!("{e}_{s}_{r}")),
        Work::Recon => mc("recon", "AOD", &format!("{e}_{s}_{r}")),
        Work::Merge => {
            let merge_tag = scenario.mc.recon_tags.pick(rng);
            mc("merge", "AOD", &format!("{e}_{s}_{r}_{merge_tag}"))
        }
        Work::Deriv => {
            let format = scenario.mc.derivation_formats.pick(rng);
            let p = scenario.mc.deriv_tags.pick(rng);
            if rng.f64() < 0.7 {
                mc("deriv", format, &format!("{e}_{s}_{r}_{p}"))
            } else {
                let reco = scenario.data.reprocessing_tags.pick(rng);
                format!("{project}.{run:08}.physics_Main.deriv.{format}.{reco}_{p}")
            }
        }
        Work::Reprocessing => {
            let reco = scenario.data.reprocessing_tags.pick(rng);
            let merge = scenario.data.merge_tags.pick(rng);
            format!("{project}.{run:08}.physics_Main.recon.AOD.{reco}_{merge}")
        }
        Work::UserRun => {
            let analysis = scenario.user.analyses.pick(rng);
            let dsid = sample.dsid;
            match (rng.bool(), input_format) {
                (true, None) => format!("user.{username}.{analysis}_v{version}.{date}"),
                (true, Some(input)) => {
                    format!("user.{username}.{analysis}_{input}_v{version}.{date}")
                }
                (false, None) => format!("user.{username}.{dsid}.{analysis}.v{version}"),
                (false, Some(input)) => {
                    format!("user.{username}.{dsid}.{input}.{analysis}.v{version}")
                }
            }
        }
        Work::UserAthena => {
            let analysis = scenario.user.analyses.pick(rng);
            let input = input_format
                .map(|input| format!("{input}."))
                .unwrap_or_default();
            format!("user.{username}.{project}.{run:08}.{input}{analysis}_athena_v{version}.{date}")
        }
    }
}

/// What the scouts will measure, and the cpuTime the requester preset before scouting.
///
/// Memory depends on the work, the framework family, the cores and (weakly) the events per file;
/// CPU per event on the input, the physics process (or the analysis code) and the start-up cost
/// spread over the events of a file; efficiency on the work and the cores; I/O intensity on the
/// input's data per event over the CPU time per event.
fn scouted_resources(
    rng: &mut fastrand::Rng,
    profile: &Profile,
    input: &Input,
    transhome: &str,
    corecount: u32,
    events_per_file: u64,
    complexity: f64,
) -> (Resources, f64) {
    let shared_memory_factor = if corecount > 1 { 0.72 } else { 1.0 };
    let events_factor = 1.0 + 0.04 * (events_per_file as f64 / 1000.0).max(0.1).log10();
    let ram = profile.ram_single_core_mb
        * framework_ram_factor(transhome)
        * shared_memory_factor
        * events_factor
        * lognormal(rng, 0.10);
    let ramcount_mb_per_core = ram.round().max(300.0);

    let expected_cputime = input.cputime_hs06s_per_event * complexity
        + profile.startup_hs06s_per_file / events_per_file.max(1) as f64;
    let measured_cputime = expected_cputime * lognormal(rng, 0.12);
    // JEDI rounds up; small values are stored in milli-HS06 s per event.
    let cputime_hs06s_per_event = if measured_cputime >= 10.0 {
        measured_cputime.ceil()
    } else {
        (measured_cputime * 1000.0).ceil() / 1000.0
    };
    let preset_cputime = expected_cputime * lognormal(rng, 0.35);

    let multicore_penalty = if corecount > 1 { 4.0 } else { 0.0 };
    // A few tasks stall on I/O or a bad node and run at half efficiency.
    let stalled = if rng.f64() < 0.012 { 0.5 } else { 1.0 };
    let efficiency = ((profile.cpu_efficiency_pct - multicore_penalty + 3.5 * normal(rng))
        * stalled)
        .clamp(15.0, 99.0);
    let cpu_efficiency_pct = efficiency.round();

    let seconds_per_event = (cputime_hs06s_per_event / HS06_PER_CORE).max(1e-3);
    let io = input.event_size_kb / seconds_per_event
        * (cpu_efficiency_pct / 100.0)
        * lognormal(rng, 0.25);
    let io_intensity_kb_per_s = io.clamp(0.5, 8000.0).round().max(1.0);

    (
        Resources {
            ramcount_mb_per_core,
            cputime_hs06s_per_event,
            cpu_efficiency_pct,
            io_intensity_kb_per_s,
        },
        preset_cputime,
    )
}

/// A CPU time per event as JEDI writes it: whole HS06 s, or milli-HS06 s below 10.
fn jedi_cputime(hs06s_per_event: f64) -> String {
    if hs06s_per_event >= 10.0 {
        format!("{:.0} HS06sPerEvent", hs06s_per_event.ceil())
    } else {
        format!("{:.0} mHS06sPerEvent", (hs06s_per_event * 1000.0).ceil())
    }
}

/// How a task's life ends, decided when it is created.
enum Ending {
    Completes,
    Exhausted(String),
    Broken(String),
    AbortedWhileScouting(String),
    FailsWhileRunning,
    AbortedWhileRunning(String),
}

/// What a plan is made from: the task as requested and what its scouts will find.
struct PlanRequest<'a> {
    work: Work,
    created: i64,
    n_files: u64,
    resources: Resources,
    preset_cputime: f64,
    username: &'a str,
    site: &'a Site,
}

fn plan_task(rng: &mut fastrand::Rng, scenario: &Scenario, request: &PlanRequest<'_>) -> Plan {
    let PlanRequest {
        work,
        created,
        n_files,
        resources,
        preset_cputime,
        username,
        site,
    } = *request;
    let ready_at = created + rng.i64(60..=600);
    let scouting_at = ready_at + rng.i64(60..=420);
    let scouted_at = scouting_at + rng.i64(420..=1500);
    let scouts = SCOUT_JOBS.min(n_files);
    let operator = scenario.operators.pick(rng).clone();

    let cputime_ratio = resources.cputime_hs06s_per_event / preset_cputime.max(1e-6);
    let roll = rng.f64();
    let ending = if resources.ramcount_mb_per_core > RAM_LIMIT_MB_PER_CORE {
        Ending::Exhausted(format!(
            "scout ramCount {:.0} MBPerCore larger than the limit of {:.0} MBPerCore",
            resources.ramcount_mb_per_core, RAM_LIMIT_MB_PER_CORE
        ))
    } else if cputime_ratio > CPUTIME_EXHAUST_RATIO {
        Ending::Exhausted(format!(
            "scout cpuTime {cputime_ratio:.1} times larger than preset ({} > {})",
            jedi_cputime(resources.cputime_hs06s_per_event),
            jedi_cputime(preset_cputime)
        ))
    } else if resources.cpu_efficiency_pct < MIN_CPU_EFFICIENCY_PCT {
        Ending::Exhausted(format!(
            "scout CPU efficiency {:.0}% lower than the minimum of {MIN_CPU_EFFICIENCY_PCT:.0}%",
            resources.cpu_efficiency_pct
        ))
    } else if roll < 0.03 {
        let failed = rng.u64(scouts.div_ceil(2)..=scouts);
        Ending::Broken(format!(
            "{failed}/{scouts} scout jobs failed at {}; task broken after scouting",
            site.name
        ))
    } else if roll < 0.05 && work.is_user() {
        Ending::AbortedWhileScouting(format!("aborted by {username}"))
    } else if roll < 0.08 {
        Ending::FailsWhileRunning
    } else if roll < 0.10 {
        let who = if work.is_user() {
            username.to_string()
        } else {
            operator.clone()
        };
        Ending::AbortedWhileRunning(format!("aborted by {who}: superseded by a new task"))
    } else {
        Ending::Completes
    };

    let mut transitions = vec![
        Transition {
            at: created,
            status: TaskStatus::Defined,
            dialog: String::new(),
        },
        Transition {
            at: ready_at,
            status: TaskStatus::Ready,
            dialog: String::new(),
        },
        Transition {
            at: scouting_at,
            status: TaskStatus::Scouting,
            dialog: String::new(),
        },
    ];
    let mut run_periods = Vec::new();
    let mut scouts_failed = 0;
    let mut failed_file_fraction = match rng.u32(0..100) {
        0..=69 => 0.0,
        70..=94 => uniform(rng, 0.002, 0.03),
        _ => uniform(rng, 0.03, 0.12),
    };
    let mut resources_learned = true;
    let problem_retention = rng.i64(5400..=7200);

    let end_at = match ending {
        Ending::Exhausted(dialog) => {
            transitions.push(Transition {
                at: scouted_at,
                status: TaskStatus::Exhausted,
                dialog,
            });
            scouted_at + problem_retention
        }
        Ending::Broken(dialog) => {
            scouts_failed = scouts.div_ceil(2).max(1).min(scouts);
            resources_learned = false;
            transitions.push(Transition {
                at: scouted_at,
                status: TaskStatus::Broken,
                dialog,
            });
            scouted_at + problem_retention
        }
        Ending::AbortedWhileScouting(dialog) => {
            let at = scouting_at + (scouted_at - scouting_at) / 2;
            resources_learned = false;
            transitions.push(Transition {
                at,
                status: TaskStatus::Aborting,
                dialog: dialog.clone(),
            });
            transitions.push(Transition {
                at: at + rng.i64(30..=120),
                status: TaskStatus::Aborted,
                dialog,
            });
            at + problem_retention
        }
        ending => {
            let run_secs = ((1200.0 + 800.0 * (n_files as f64 / 10.0).max(1.0).ln())
                * lognormal(rng, 0.25))
            .clamp(900.0, 10_800.0) as i64;
            transitions.push(Transition {
                at: scouted_at,
                status: TaskStatus::Running,
                dialog: String::new(),
            });

            // Some tasks are paused by an operator for a while and then resumed.
            let mut run_end = scouted_at + run_secs;
            if matches!(ending, Ending::Completes) && rng.f64() < 0.04 {
                let pause_at = scouted_at + rng.i64(run_secs / 5..=run_secs / 2);
                let pause_secs = rng.i64(600..=2400);
                let reason = match rng.u32(0..3) {
                    0 => format!("paused by {operator}: {} in downtime", site.name),
                    1 => format!(
                        "paused by {operator}: waiting for input replication to {}",
                        site.rse
                    ),
                    _ => format!("paused by {operator}: checking a release problem"),
                };
                transitions.push(Transition {
                    at: pause_at,
                    status: TaskStatus::Paused,
                    dialog: reason,
                });
                transitions.push(Transition {
                    at: pause_at + pause_secs,
                    status: TaskStatus::Running,
                    dialog: String::new(),
                });
                run_periods.push((scouted_at, pause_at));
                run_periods.push((pause_at + pause_secs, run_end + pause_secs));
                run_end += pause_secs;
            } else {
                run_periods.push((scouted_at, run_end));
            }

            match ending {
                Ending::FailsWhileRunning => {
                    failed_file_fraction = uniform(rng, 0.25, 0.5);
                    let fail_at = scouted_at + rng.i64(run_secs / 4..=run_secs * 3 / 4);
                    run_periods = vec![(scouted_at, fail_at)];
                    let failed_pct = failed_file_fraction * 100.0;
                    transitions.push(Transition {
                        at: fail_at,
                        status: TaskStatus::Failed,
                        dialog: format!(
                            "{failed_pct:.0}% of the processed input files failed, above the limit of 20%"
                        ),
                    });
                    fail_at + problem_retention
                }
                Ending::AbortedWhileRunning(dialog) => {
                    let abort_at = scouted_at + rng.i64(run_secs / 5..=run_secs / 2);
                    run_periods = vec![(scouted_at, abort_at)];
                    transitions.push(Transition {
                        at: abort_at,
                        status: TaskStatus::Aborting,
                        dialog: dialog.clone(),
                    });
                    let aborted_at = abort_at + rng.i64(30..=180);
                    transitions.push(Transition {
                        at: aborted_at,
                        status: TaskStatus::Aborted,
                        dialog,
                    });
                    aborted_at + problem_retention
                }
                _ => {
                    let done_at = run_end + rng.i64(120..=600);
                    let remaining = n_files.saturating_sub(scouts) as f64;
                    let failed_files = (remaining * failed_file_fraction).floor() as u64;
                    let (status, dialog) = if failed_files == 0 {
                        failed_file_fraction = 0.0;
                        (TaskStatus::Done, String::new())
                    } else {
                        (
                            TaskStatus::Finished,
                            format!("{failed_files} of {n_files} input files failed"),
                        )
                    };
                    transitions.push(Transition {
                        at: run_end,
                        status: TaskStatus::Finishing,
                        dialog: String::new(),
                    });
                    transitions.push(Transition {
                        at: done_at,
                        status,
                        dialog,
                    });
                    done_at + rng.i64(3600..=5400)
                }
            }
        }
    };

    let profile = work.profile();
    let concurrency = ((n_files as f64 * profile.jobs_per_1000_files / 1000.0)
        * lognormal(rng, 0.3))
    .round()
    .clamp(5.0, 4000.0) as u64;

    Plan {
        transitions,
        scouting_at,
        scouted_at,
        run_periods,
        scouts,
        scouts_failed,
        failed_file_fraction,
        concurrency,
        resources,
        resources_learned,
        drop_at: end_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(seed: u64) -> (TaskBook, Clock, fastrand::Rng) {
        let mut rng = fastrand::Rng::with_seed(seed);
        let clock = Clock::new(Timestamp::UNIX_EPOCH);
        let book = TaskBook::seeded(&mut rng, Scenario::embedded(), clock, 0);
        (book, clock, rng)
    }

    #[test]
    fn seeded_population_has_the_expected_size_and_a_mix_of_states() {
        let (book, _, _) = book(11);
        let live = book.snapshot().len();
        assert!((110..=240).contains(&live), "{live}");
        let tasks = book.snapshot();
        for status in [TaskStatus::Running, TaskStatus::Done, TaskStatus::Scouting] {
            assert!(
                tasks.iter().any(|task| task.status == status),
                "no {status:?}"
            );
        }
        assert!(
            tasks
                .windows(2)
                .all(|pair| pair[0].jeditaskid > pair[1].jeditaskid)
        );
        assert!(
            tasks
                .iter()
                .all(|task| (40_000_000..41_500_000).contains(&task.jeditaskid))
        );
    }

    #[test]
    fn resources_are_unknown_until_scouted() {
        let (book, _, _) = book(12);
        for task in book.snapshot() {
            if matches!(
                task.status,
                TaskStatus::Defined | TaskStatus::Ready | TaskStatus::Scouting
            ) {
                assert_eq!(task.ramcount_mb_per_core, None, "{}", task.jeditaskid);
                assert_eq!(task.cputime_hs06s_per_event, None);
            }
            if matches!(
                task.status,
                TaskStatus::Running | TaskStatus::Done | TaskStatus::Exhausted
            ) {
                assert!(task.ramcount_mb_per_core.is_some(), "{}", task.jeditaskid);
                assert!(task.cpu_efficiency_pct.is_some());
            }
        }
    }

    #[test]
    fn simulation_needs_more_memory_and_cpu_than_merging() {
        let mut rng = fastrand::Rng::with_seed(5);
        let simul = Work::Simul.profile();
        let merge = Work::Merge.profile();
        let mut simul_ram = 0.0;
        let mut merge_ram = 0.0;
        for _ in 0..200 {
            let (s, _) = scouted_resources(
                &mut rng,
                simul,
                &simul.inputs[0],
                "AthSimulation-23.0.44",
                8,
                5000,
                1.0,
            );
            let (m, _) = scouted_resources(
                &mut rng,
                merge,
                &merge.inputs[0],
                "Athena-24.0.53",
                1,
                2000,
                1.0,
            );
            simul_ram += s.ramcount_mb_per_core;
            merge_ram += m.ramcount_mb_per_core;
            assert!(s.cputime_hs06s_per_event > 300.0 && s.cputime_hs06s_per_event < 1000.0);
            assert!(
                m.cputime_hs06s_per_event < 1.5,
                "{}",
                m.cputime_hs06s_per_event
            );
            assert!(m.io_intensity_kb_per_s > s.io_intensity_kb_per_s);
        }
        let simul_mean = simul_ram / 200.0;
        assert!((1700.0..2300.0).contains(&simul_mean), "{simul_mean}");
        assert!(simul_ram > merge_ram);
    }

    #[test]
    fn progress_never_exceeds_the_file_count() {
        let (mut book, clock, mut rng) = book(13);
        for now in 1..=3600 {
            book.step(&mut rng, Scenario::embedded(), clock, now);
            if now % 300 == 0 {
                for task in book.snapshot() {
                    let finished = task.n_files_finished.unwrap_or(0);
                    let failed = task.n_files_failed.unwrap_or(0);
                    assert!(finished + failed <= task.n_files.unwrap_or(0), "{task:?}");
                }
            }
        }
    }

    #[test]
    fn exhausted_tasks_say_why() {
        let mut exhausted = 0;
        for seed in 0..6 {
            let (book, _, _) = book(seed);
            for task in book
                .snapshot()
                .iter()
                .filter(|task| task.status == TaskStatus::Exhausted)
            {
                exhausted += 1;
                assert!(
                    task.error_dialog.starts_with("scout "),
                    "{}",
                    task.error_dialog
                );
            }
        }
        assert!(exhausted > 0);
    }

    #[test]
    fn analysis_names_carry_the_format_their_io_depends_on() {
        use crate::predict::features::data_format_bucket;

        let tasks =
            super::super::history::ended_tasks(4, Timestamp::UNIX_EPOCH, 1500, &mut |_, _| {});
        let analysis: Vec<&Task> = tasks
            .iter()
            .filter(|task| task.processingtype == "jedi-run")
            .collect();
        let high_share = |format: &str| {
            let named: Vec<&&Task> = analysis
                .iter()
                .filter(|task| data_format_bucket(&task.taskname) == format)
                .collect();
            let high = named
                .iter()
                .filter(|task| task.io_intensity_kb_per_s.is_some_and(|io| io > 500.0))
                .count();
            (named.len(), high as f64 / named.len().max(1) as f64)
        };
        let (lite, lite_high) = high_share("DAOD_PHYSLITE");
        let (phys, phys_high) = high_share("DAOD_PHYS");
        let (unnamed, _) = high_share("others");
        assert!(
            lite > 30 && phys > 30 && unnamed > 10,
            "{lite} {phys} {unnamed}"
        );
        assert!(lite_high > 0.8, "{lite_high}");
        assert!(phys_high < 0.4, "{phys_high}");
        let named_share = 1.0 - unnamed as f64 / analysis.len() as f64;
        assert!((0.7..0.9).contains(&named_share), "{named_share}");
        for task in &analysis {
            assert!(task.taskname.starts_with("user."), "{}", task.taskname);
        }
    }

    #[test]
    fn every_kind_of_work_reads_something() {
        for (work, profile) in &PROFILES {
            let shares: u32 = profile.inputs.iter().map(|input| input.share).sum();
            assert!(shares > 0, "{work:?}");
        }
    }

    #[test]
    fn profiles_are_listed_in_declaration_order() {
        for (index, (work, _)) in PROFILES.iter().enumerate() {
            assert_eq!(*work as usize, index);
        }
    }

    #[test]
    fn framework_matches_processing_type() {
        let (book, _, _) = book(14);
        for task in book.snapshot() {
            let family = task.transhome.split('-').next().unwrap_or_default();
            let fits = match task.processingtype.as_str() {
                "evgen" => family == "AthGeneration",
                "simul" => family == "AthSimulation" || family == "Athena",
                "deriv" => family == "AthDerivation" || family == "Athena",
                "jedi-run" => family == "AnalysisBase",
                "jedi-athena" => family == "Athena" || family == "AthAnalysis",
                _ => family == "Athena" || family == "AthDerivation",
            };
            assert!(fits, "{} with {}", task.processingtype, task.transhome);
            let user = task.prodsourcelabel == "user";
            assert_eq!(
                user,
                task.taskname.starts_with("user."),
                "{}",
                task.taskname
            );
        }
    }
}
