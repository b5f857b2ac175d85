//! Files that several recipe folders carry, each folder standing alone (copy it anywhere and it
//! builds): the copies must stay the same, so a fix made in one reaches the others. Only
//! their opening `//!` comment may differ (it says where the copy comes from).

use std::fs;

use book_support::{root, without_opening_comment as body};

/// Groups of files that must be identical, relative to the repository.
const COPIES: &[&[&str]] = &[
    &[
        "examples/ch10/10-06-config-reload/src/follow.rs",
        "examples/ch10/10-06-asset-reload/src/follow.rs",
        "examples/ch10/10-06-script-reload/src/follow.rs",
    ],
    // A failure of a recipe's own test names the page that shows the file it checks.
    &[
        "examples/ch10/10-07-runnable-package/tests/shown/mod.rs",
        "examples/ch10/10-08-package-data/units/tests/shown/mod.rs",
        "examples/ch10/10-09-search-path/tests/shown/mod.rs",
        "examples/ch10/10-11-distributing-packages/publishable/tests/shown/mod.rs",
    ],
    // A page's "Try it" session, run as shown and recorded in `try-it.txt`.
    &[
        "examples/ch10/10-06-config-reload/tests/session/mod.rs",
        "examples/ch10/10-06-asset-reload/tests/session/mod.rs",
        "examples/ch10/10-06-async-server/tests/session/mod.rs",
        "examples/ch10/10-06-script-reload/tests/session/mod.rs",
    ],
];

#[test]
fn shared_files_are_the_same_in_every_recipe_folder() {
    let mut problems = Vec::new();
    for group in COPIES {
        let first = body(&fs::read_to_string(root().join(group[0])).expect("read the first copy"));
        for other in &group[1..] {
            let text = body(&fs::read_to_string(root().join(other)).expect("read a copy"));
            if text != first {
                problems.push(format!(
                    "{other} differs from {}: make them one again",
                    group[0]
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
