//! `crate::app::report`

// ANCHOR: report_uses
use super::config::{self, Config}; // a group: the module `config` itself, and `Config`
use crate::toml::render; // our module: `crate::toml`
use ::toml::Table; // the crate: a leading `::` names an external crate, never a module
// ANCHOR_END: report_uses

// ANCHOR: report
pub fn write(config: &Config) -> String {
    render(&config.pairs())
}

/// Parses what we wrote with the real `toml` crate, to check it is valid TOML.
pub fn check(text: &str) -> Result<Table, ::toml::de::Error> {
    text.parse::<Table>()
}

pub fn default_port() -> u16 {
    config::defaults::PORT
}
// ANCHOR_END: report

#[cfg(test)]
mod tests {
    use std::any::type_name;

    // ANCHOR: bare_name_test
    #[test]
    fn in_a_submodule_a_bare_toml_is_the_crate() {
        // Our `toml` module is declared at the crate root, so it is not in scope here:
        // a path starting with `toml` can only mean the external crate.
        assert_eq!(type_name::<toml::Table>(), type_name::<::toml::Table>());
        assert!(type_name::<toml::Table>().starts_with("toml::"));
        assert_eq!(crate::toml::NAME, "our own module, crate::toml");
    }
    // ANCHOR_END: bare_name_test

    #[test]
    fn what_our_toml_writes_the_toml_crate_reads() {
        let text = super::write(&super::config::defaults::config());
        let table = super::check(&text).expect("valid TOML");
        assert_eq!(table["name"].as_str(), Some("demo"));
        assert_eq!(table["port"].as_integer(), Some(8080));
    }
}
