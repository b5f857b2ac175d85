//! `crate::app::config::defaults`

// ANCHOR: defaults
// `super`: the parent module, crate::app::config
use super::Config;
// `super::super`: the grandparent, crate::app, then its child `report`
use super::super::report;

pub const PORT: u16 = 8080;

pub fn config() -> Config {
    Config {
        name: "demo".to_owned(),
        port: PORT,
    }
}

pub fn report() -> String {
    report::write(&config())
}
// ANCHOR_END: defaults

#[cfg(test)]
mod tests {
    use std::any::type_name;

    // ANCHOR: same_item_test
    #[test]
    fn relative_and_absolute_paths_name_the_same_item() {
        // Here `self` is `tests`, `super` is `defaults`, `super::super` is `config`.
        let relative = type_name::<super::super::Config>();
        let via_super_import = type_name::<super::Config>();
        let absolute = type_name::<crate::app::config::Config>();
        assert_eq!(relative, absolute);
        assert_eq!(via_super_import, absolute);
        assert_eq!(self::PORT_AGAIN, crate::app::config::defaults::PORT);
    }

    const PORT_AGAIN: u16 = super::PORT; // `self::PORT_AGAIN` above: this module's own item
    // ANCHOR_END: same_item_test
}
