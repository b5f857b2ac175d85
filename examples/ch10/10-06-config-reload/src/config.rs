//! The service's configuration. Every rule is checked while deserializing, so a value that
//! breaks a rule is reported by toml with its line and column, like a syntax error.

use std::fmt;
use std::num::NonZeroU64;

use serde::Deserialize;

// ANCHOR: config
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)] // a misspelled key is an error, not a silent default
pub struct Config {
    pub greeting: String,
    /// Zero would mean "time out at once": the type refuses it.
    pub timeout_ms: NonZeroU64,
    pub limits: Limits,
}

/// A rule across fields: the burst must allow at least one second of the steady rate.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawLimits")]
pub struct Limits {
    requests_per_second: u32,
    burst: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    requests_per_second: u32,
    burst: u32,
}

impl TryFrom<RawLimits> for Limits {
    type Error = String;

    fn try_from(raw: RawLimits) -> Result<Self, Self::Error> {
        if raw.burst < raw.requests_per_second {
            return Err(format!(
                "burst ({}) must be at least requests_per_second ({})",
                raw.burst, raw.requests_per_second
            ));
        }
        Ok(Self {
            requests_per_second: raw.requests_per_second,
            burst: raw.burst,
        })
    }
}
// ANCHOR_END: config

impl Limits {
    pub fn requests_per_second(&self) -> u32 {
        self.requests_per_second
    }

    pub fn burst(&self) -> u32 {
        self.burst
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "greeting {:?}, timeout {} ms, {} requests/s (burst {})",
            self.greeting, self.timeout_ms, self.limits.requests_per_second, self.limits.burst
        )
    }
}
