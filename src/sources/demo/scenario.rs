//! The names the demo world is built from, read once from the embedded `assets/demo/scenario.toml`.
//!
//! Every list is guaranteed non-empty, so picking from it cannot fail. If the embedded file were
//! ever broken the world falls back to a one-of-each scenario and logs why; a test keeps the
//! shipped file valid. Nothing here draws random numbers except through the caller's generator.

use std::sync::OnceLock;

use fastrand::Rng;
use serde::Deserialize;

const SCENARIO_TOML: &str = include_str!("../../../assets/demo/scenario.toml");

/// A list with at least one element, so a random pick always has something to return.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "Vec<T>")]
pub struct NonEmpty<T>(Vec<T>);

impl<T> TryFrom<Vec<T>> for NonEmpty<T> {
    type Error = &'static str;

    fn try_from(items: Vec<T>) -> Result<Self, Self::Error> {
        if items.is_empty() {
            Err("the list must not be empty")
        } else {
            Ok(NonEmpty(items))
        }
    }
}

impl<T> NonEmpty<T> {
    pub fn one(item: T) -> NonEmpty<T> {
        NonEmpty(vec![item])
    }

    pub fn new(first: T, rest: Vec<T>) -> NonEmpty<T> {
        let mut items = Vec::with_capacity(rest.len() + 1);
        items.push(first);
        items.extend(rest);
        NonEmpty(items)
    }

    pub fn first(&self) -> &T {
        // Never empty, see the constructors.
        &self.0[0]
    }

    pub fn pick(&self, rng: &mut Rng) -> &T {
        // The constructor refuses empty lists, so the index is always in range.
        &self.0[rng.usize(..self.0.len())]
    }

    /// A pick where each item counts as often as its weight; zero weights are never picked
    /// unless every weight is zero.
    pub fn pick_weighted(&self, rng: &mut Rng, weight: impl Fn(&T) -> u32) -> &T {
        let total: u64 = self.0.iter().map(|item| u64::from(weight(item))).sum();
        if total == 0 {
            return self.pick(rng);
        }
        let mut ticket = rng.u64(..total);
        for item in &self.0 {
            let item_weight = u64::from(weight(item));
            if ticket < item_weight {
                return item;
            }
            ticket -= item_weight;
        }
        self.pick(rng)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Scenario {
    pub production_users: ProductionUsers,
    pub analysis_users: NonEmpty<String>,
    pub operators: NonEmpty<String>,
    pub sites: NonEmpty<Site>,
    pub mc: McNames,
    pub data: DataNames,
    pub user: UserNames,
    pub services: NonEmpty<Service>,
}

/// The accounts production tasks run under.
#[derive(Debug, Clone, Deserialize)]
pub struct ProductionUsers {
    pub monte_carlo: String,
    pub derivation: String,
    pub reprocessing: String,
}

/// A computing site (PanDA queue) with the storage its jobs read from and write to.
#[derive(Debug, Clone, Deserialize)]
pub struct Site {
    pub name: String,
    pub weight: u32,
    /// The Rucio storage element, e.g. `CERN-PROD_DATADISK`.
    pub rse: String,
    /// The storage door with the Rucio path prefix, used in file URLs of diagnostics.
    pub door: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct McNames {
    pub campaigns: NonEmpty<String>,
    pub generators: NonEmpty<String>,
    pub processes: NonEmpty<Process>,
    pub evgen_tags: NonEmpty<String>,
    pub simul_tags: NonEmpty<String>,
    pub recon_tags: NonEmpty<String>,
    pub deriv_tags: NonEmpty<String>,
    pub derivation_formats: NonEmpty<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Process {
    pub name: String,
    /// How hard generating one event is, relative to an average process.
    pub evgen_complexity: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DataNames {
    pub projects: NonEmpty<String>,
    pub first_run: u32,
    pub last_run: u32,
    pub reprocessing_tags: NonEmpty<String>,
    pub merge_tags: NonEmpty<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserNames {
    pub analyses: NonEmpty<String>,
}

/// A PanDA service as deployed: its hosts and the release tags it is installed from.
#[derive(Debug, Clone, Deserialize)]
pub struct Service {
    pub name: String,
    pub hosts: NonEmpty<String>,
    pub tags: NonEmpty<String>,
}

impl Scenario {
    /// The embedded scenario, parsed on first use.
    pub fn embedded() -> &'static Scenario {
        static SCENARIO: OnceLock<Scenario> = OnceLock::new();
        SCENARIO.get_or_init(|| match Scenario::parse(SCENARIO_TOML) {
            Ok(scenario) => scenario,
            Err(reason) => {
                tracing::warn!(
                    source = "demo",
                    %reason,
                    "assets/demo/scenario.toml did not parse; using a minimal scenario"
                );
                Scenario::minimal()
            }
        })
    }

    pub fn parse(text: &str) -> Result<Scenario, String> {
        let scenario: Scenario = toml::from_str(text).map_err(|error| error.to_string())?;
        if scenario.data.first_run > scenario.data.last_run {
            return Err(format!(
                "data.first_run ({}) must not be after data.last_run ({})",
                scenario.data.first_run, scenario.data.last_run
            ));
        }
        Ok(scenario)
    }

    /// One of everything: enough for the world to run if the embedded file is unusable.
    fn minimal() -> Scenario {
        let text = |value: &str| NonEmpty::one(value.to_string());
        Scenario {
            production_users: ProductionUsers {
                monte_carlo: "atlas-mc-production".to_string(),
                derivation: "atlas-dpd-production".to_string(),
                reprocessing: "atlas-reprocessing".to_string(),
            },
            analysis_users: text("jdoe"),
            operators: text("shifter"),
            sites: NonEmpty::one(Site {
                name: "CERN-PROD".to_string(),
                weight: 1,
                rse: "CERN-PROD_DATADISK".to_string(),
                door: "root://eosatlas.cern.ch:1094//eos/atlas/atlasdatadisk/rucio".to_string(),
            }),
            mc: McNames {
                campaigns: text("mc23_13p6TeV"),
                generators: text("PhPy8EG_A14"),
                processes: NonEmpty::one(Process {
                    name: "ttbar_SingleLep".to_string(),
                    evgen_complexity: 1.0,
                }),
                evgen_tags: text("e8500"),
                simul_tags: text("s4100"),
                recon_tags: text("r14600"),
                deriv_tags: text("p6200"),
                derivation_formats: text("DAOD_PHYS"),
            },
            data: DataNames {
                projects: text("data24_13p6TeV"),
                first_run: 470000,
                last_run: 480000,
                reprocessing_tags: text("r15700"),
                merge_tags: text("m2200"),
            },
            user: UserNames {
                analyses: text("ntuple"),
            },
            services: NonEmpty::one(Service {
                name: "panda-server".to_string(),
                hosts: text("aipanda021.cern.ch"),
                tags: text("1.0.0"),
            }),
        }
    }

    pub fn service(&self, name: &str) -> &Service {
        // Every service the world asks for is in the shipped file; the minimal fallback scenario
        // lends its one service to all of them.
        self.services
            .iter()
            .find(|service| service.name == name)
            .unwrap_or(self.services.first())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_scenario_parses_with_every_service_the_world_uses() {
        let scenario = Scenario::parse(SCENARIO_TOML);
        assert!(scenario.is_ok(), "{:?}", scenario.err());
        let Ok(scenario) = scenario else { return };
        assert!(scenario.sites.iter().count() >= 10);
        for name in [
            "panda-server",
            "panda-jedi",
            "harvester",
            "bigpanda",
            "pilot3",
        ] {
            assert!(
                scenario.services.iter().any(|service| service.name == name),
                "{name}"
            );
        }
    }

    #[test]
    fn empty_lists_are_rejected() {
        let broken = SCENARIO_TOML.replace(
            "operators = [\"tmaier\", \"pnilsen\", \"akorolev\", \"fbarreiro\", \"wguan\", \"rwalker\", \"ejensen\"]",
            "operators = []",
        );
        assert_ne!(broken, SCENARIO_TOML);
        let error = Scenario::parse(&broken).err().unwrap_or_default();
        assert!(error.contains("must not be empty"), "{error}");
    }

    #[test]
    fn weighted_pick_never_returns_zero_weight_items() {
        let items: NonEmpty<(char, u32)> = NonEmpty(vec![('a', 0), ('b', 3), ('c', 0)]);
        let mut rng = Rng::with_seed(7);
        for _ in 0..200 {
            assert_eq!(items.pick_weighted(&mut rng, |item| item.1).0, 'b');
        }
    }
}
