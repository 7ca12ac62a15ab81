//! Suggestions already made, by group, until the next fit.
//!
//! Grouping runs every few seconds over mostly the same groups, and between two fits of the model
//! a group's suggestion cannot change; so [`super::Suggester::suggest`] answers a group it has
//! seen from here, for the cost of a look-up and a copy.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use crate::domain::ErrorSource;
use crate::triage::ErrorGroup;

use super::Suggestion;

/// The remembered suggestions, by group id.
#[derive(Debug, Default)]
pub(super) struct Cache(Mutex<HashMap<u64, Cached, BuildHasherDefault<IdHasher>>>);

#[derive(Debug)]
struct Cached {
    generation: u64,
    source: ErrorSource,
    code: i64,
    pattern: String,
    suggestion: Suggestion,
}

/// Groups remembered at most; past that the cache starts again empty.
const MAX_CACHED: usize = 50_000;

/// Group ids are already hashes (FNV-1a, see `group_id`), so the cache's map uses them as they
/// are rather than hashing them again.
#[derive(Debug, Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// The cache key of a group: its id read as the hexadecimal number it is, or, for an id of
/// another shape, FNV-1a over it. The group itself is compared on a hit, so two ids with one key
/// only cost a recomputation.
fn cache_key(id: &str) -> u64 {
    if id.len() <= 16
        && let Ok(key) = u64::from_str_radix(id, 16)
    {
        return key;
    }
    let mut hasher = IdHasher(0xcbf2_9ce4_8422_2325);
    hasher.write(id.as_bytes());
    hasher.finish()
}

impl Cache {
    /// The suggestion made for this very group at this generation of the model, if any.
    pub fn get(&self, group: &ErrorGroup, generation: u64) -> Option<Suggestion> {
        let cache = self.0.lock().ok()?;
        let cached = cache.get(&cache_key(&group.id))?;
        (cached.generation == generation
            && cached.source == group.source
            && cached.code == group.code
            && cached.pattern == group.pattern)
            .then(|| cached.suggestion.clone())
    }

    pub fn put(&self, group: &ErrorGroup, generation: u64, suggestion: &Suggestion) {
        // A poisoned lock only costs the cache.
        let Ok(mut cache) = self.0.lock() else {
            return;
        };
        let key = cache_key(&group.id);
        if cache.len() >= MAX_CACHED && !cache.contains_key(&key) {
            cache.clear();
        }
        cache.insert(
            key,
            Cached {
                generation,
                source: group.source,
                code: group.code,
                pattern: group.pattern.clone(),
                suggestion: suggestion.clone(),
            },
        );
    }
}

/// A copy starts with an empty cache.
impl Clone for Cache {
    fn clone(&self) -> Cache {
        Cache::default()
    }
}
