//! Identifier and text helpers for the demo world: hex ids, GUIDs, Rucio file names, fingerprints,
//! and the random shapes (normal, log-normal, log-uniform) the world draws its numbers from.
//!
//! Everything takes the world's generator explicitly, so the world stays reproducible from its
//! seed. Nothing here reads the clock.

use std::collections::BTreeMap;

use fastrand::Rng;

/// `len` lower-case hex digits.
pub fn hex(rng: &mut Rng, len: usize) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    (0..len)
        .map(|_| char::from(DIGITS[rng.usize(..16)]))
        .collect()
}

/// A 40-digit git commit hash.
pub fn commit_sha(rng: &mut Rng) -> String {
    hex(rng, 40)
}

/// A random (version 4) UUID in the lower-case form Alertmanager uses for silence ids.
pub fn uuid(rng: &mut Rng) -> String {
    let variant = ['8', '9', 'a', 'b'][rng.usize(..4)];
    format!(
        "{}-{}-4{}-{variant}{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 3),
        hex(rng, 3),
        hex(rng, 12)
    )
}

/// A file GUID in the upper-case form PanDA and Rucio print.
pub fn guid(rng: &mut Rng) -> String {
    uuid(rng).to_ascii_uppercase()
}

/// A Rucio-style logical file name, e.g. `EVNT.41234567._001234.pool.root.1`.
pub fn pool_file_name(rng: &mut Rng, data_type: &str, dataset_number: u64) -> String {
    format!(
        "{data_type}.{dataset_number:08}._{:06}.pool.root.{}",
        rng.u32(1..3000),
        rng.u32(1..3)
    )
}

/// The deterministic two-level directory Rucio derives from a file name, e.g. `3f/a9`.
pub fn rucio_hash_dirs(file_name: &str) -> String {
    let hash = fnv1a(file_name.as_bytes());
    format!("{:02x}/{:02x}", hash & 0xff, (hash >> 8) & 0xff)
}

/// A 16-digit fingerprint of a label set, stable across runs like Alertmanager's.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut bytes = Vec::new();
    for (name, value) in labels {
        bytes.extend_from_slice(name.as_bytes());
        bytes.push(0xff);
        bytes.extend_from_slice(value.as_bytes());
        bytes.push(0xff);
    }
    format!("{:016x}", fnv1a(&bytes))
}

/// FNV-1a, 64 bit: a small stable hash with no dependence on process state.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// At most `max_chars` characters of `text`, cut on a character boundary.
pub fn truncate_chars(text: String, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => text[..cut].to_string(),
        None => text,
    }
}

/// A standard normal draw (Box–Muller).
pub fn normal(rng: &mut Rng) -> f64 {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    let u1 = 1.0 - rng.f64();
    let u2 = rng.f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A multiplicative noise factor with median 1 and the given spread of its logarithm.
pub fn lognormal(rng: &mut Rng, sigma: f64) -> f64 {
    (sigma * normal(rng)).exp()
}

/// A uniform draw in `[low, high)`.
pub fn uniform(rng: &mut Rng, low: f64, high: f64) -> f64 {
    low + (high - low) * rng.f64()
}

/// A draw between `low` and `high` whose logarithm is uniform: many small values, a few large.
pub fn log_uniform(rng: &mut Rng, low: u64, high: u64) -> u64 {
    let low_f = (low.max(1)) as f64;
    let high_f = (high.max(low.max(1))) as f64;
    let value = (low_f.ln() + (high_f.ln() - low_f.ln()) * rng.f64()).exp();
    (value.round() as u64).clamp(low.max(1), high.max(low.max(1)))
}

/// A waiting time with the given mean: how long until the next event of a steady random process.
pub fn exponential_secs(rng: &mut Rng, mean_secs: f64) -> i64 {
    let u = 1.0 - rng.f64();
    (-mean_secs * u.ln()).round() as i64
}

/// How many events of a steady random process with `rate` per second happen in one second.
pub fn poisson(rng: &mut Rng, rate: f64) -> u32 {
    if rate <= 0.0 {
        return 0;
    }
    let threshold = (-rate).exp();
    let mut count = 0;
    let mut product = rng.f64();
    // Rates stay in single digits here, so a hard cap only guards against a runaway loop.
    while product > threshold && count < 100 {
        count += 1;
        product *= rng.f64();
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_real_shapes() {
        let mut rng = Rng::with_seed(1);
        let sha = commit_sha(&mut rng);
        assert_eq!(sha.len(), 40);
        assert!(
            sha.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        let id = uuid(&mut rng);
        let parts: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
        assert_eq!(id.chars().nth(14), Some('4'));
        assert!(
            matches!(id.chars().nth(19), Some('8' | '9' | 'a' | 'b')),
            "{id}"
        );
        let file = pool_file_name(&mut rng, "EVNT", 41234567);
        assert!(file.starts_with("EVNT.41234567._"), "{file}");
        assert!(file.contains(".pool.root."), "{file}");
    }

    #[test]
    fn fingerprint_depends_only_on_labels() {
        let mut labels = BTreeMap::new();
        labels.insert("alertname".to_string(), "PandaServerDown".to_string());
        let first = fingerprint(&labels);
        assert_eq!(first, fingerprint(&labels.clone()));
        assert_eq!(first.len(), 16);
        labels.insert("severity".to_string(), "critical".to_string());
        assert_ne!(first, fingerprint(&labels));
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate_chars("héllo".to_string(), 2), "hé");
        assert_eq!(truncate_chars("abc".to_string(), 10), "abc");
    }

    #[test]
    fn poisson_mean_is_close_to_its_rate() {
        let mut rng = Rng::with_seed(3);
        let total: u32 = (0..10_000).map(|_| poisson(&mut rng, 0.4)).sum();
        let mean = f64::from(total) / 10_000.0;
        assert!((0.35..0.45).contains(&mean), "{mean}");
    }

    #[test]
    fn log_uniform_stays_in_range() {
        let mut rng = Rng::with_seed(5);
        for _ in 0..1000 {
            let value = log_uniform(&mut rng, 20, 500);
            assert!((20..=500).contains(&value), "{value}");
        }
    }
}
