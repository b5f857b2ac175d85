//! `crate::app::config`

pub mod defaults;

// ANCHOR: config
use crate::toml::Value; // `crate::`: a path from the crate root, valid anywhere in the crate

pub struct Config {
    pub name: String,
    pub port: u16,
}

impl Config {
    pub fn pairs(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("name", Value::Text(self.name.clone())),
            ("port", Value::Number(i64::from(self.port))),
        ]
    }
}
// ANCHOR_END: config
