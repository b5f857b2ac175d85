//! The "Run it locally" box of every program the book shows: `run-it-locally.md` beside its
//! `main.rs`, which its page includes. It is generated, never typed:
//!
//! - the dependency lines are the entries of our `Cargo.toml` whose crates the program's files
//!   use (read from their `use`s and paths), each with the version `Cargo.lock` holds;
//! - the files to copy are the program's folder, the path dependencies it uses, and the
//!   folders of this repository its code names in a string (files it reads when it runs);
//! - the command is `cargo run --example NAME`, the name of its `[[example]]`.
//!
//! `cargo test` regenerates each box in memory and compares it with the file; to accept a change
//! (a new dependency, a `cargo update`), run `UPDATE_OUTPUT=1 cargo test --test run_it_locally`
//! and review the diff. The box also says which rustc it was generated with; that one line is
//! not compared (a new toolchain does not fail the build), and is refreshed by the same command.
//!
//! `cargo test --test run_it_locally -- --ignored` does what each box tells a reader: a new
//! project from `cargo new`, the box's `Cargo.toml` lines, its copy commands, then
//! `cargo run --example NAME` (offline, from the local registry cache), whose output must be
//! the `output.txt` the page shows, and `cargo test --example NAME --no-run`. `.ci/run` runs it.

#[allow(dead_code)]
#[path = "../tools/booktest/src/rust_uses.rs"]
mod rust_uses;
mod support;

use support::{Example, examples, read_toml, root};

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BOX_FILE: &str = "run-it-locally.md";
const REGENERATE: &str = "UPDATE_OUTPUT=1 cargo test --test run_it_locally";
/// Where the reader's project is made, and the name of its package.
const PROJECT: &str = "recipe";

/// The Rust files of a program: the `.rs` files of its folder (subfolders such as `fixtures/`
/// hold data the program reads, not its modules).
fn program_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    files
}

/// A dependency of the companion crate that a program uses.
struct Dependency {
    table: &'static str,
    key: String,
    spec: toml::Value,
    /// `notify 8.2.2`, as the box lists it.
    tested: String,
    /// For a path dependency: its folder.
    path: Option<String>,
    /// A path dependency that inherits settings from our workspace (`workspace = true`).
    inherits: bool,
}

fn locked_versions() -> BTreeMap<String, Vec<String>> {
    let lock = read_toml(&root().join("Cargo.lock"));
    let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for package in lock["package"].as_array().expect("[[package]]") {
        let name = package["name"].as_str().expect("name").to_owned();
        let version = package["version"].as_str().expect("version").to_owned();
        versions.entry(name).or_default().push(version);
    }
    versions
}

fn dependencies_used(
    manifest: &toml::Table,
    roots: &BTreeSet<String>,
    example: &str,
) -> Vec<Dependency> {
    let locked = locked_versions();
    let mut found: Vec<Dependency> = Vec::new();
    for table in ["dependencies", "dev-dependencies"] {
        let entries = manifest.get(table).and_then(|t| t.as_table());
        for (key, spec) in entries.into_iter().flatten() {
            let used = roots.contains(&key.replace('-', "_"));
            if !used || found.iter().any(|d| &d.key == key) {
                continue;
            }
            let package = spec.get("package").and_then(|p| p.as_str()).unwrap_or(key);
            let path = spec.get("path").and_then(|p| p.as_str()).map(str::to_owned);
            let requirement = spec
                .as_str()
                .or_else(|| spec.get("version").and_then(|v| v.as_str()))
                .unwrap_or("");
            let (version, inherits) = match &path {
                Some(path) => {
                    let text = fs::read_to_string(root().join(path).join("Cargo.toml"))
                        .expect("path dependency manifest");
                    let own: toml::Table = text.parse().expect("path dependency manifest");
                    let version = own["package"]["version"].as_str().unwrap_or("").to_owned();
                    (version, text.contains("workspace = true"))
                }
                None => {
                    let candidates = locked.get(package).cloned().unwrap_or_default();
                    // Several versions in the lock: the one the requirement's major selects.
                    let major = requirement.split('.').next().unwrap_or("");
                    let matching: Vec<&String> = candidates
                        .iter()
                        .filter(|v| candidates.len() == 1 || v.split('.').next() == Some(major))
                        .collect();
                    let [version] = matching.as_slice() else {
                        panic!(
                            "{example}: cannot tell which locked version of {package} it uses: {candidates:?}"
                        );
                    };
                    ((*version).clone(), false)
                }
            };
            let tested = match &path {
                Some(path) => format!("{package} {version} (`{path}`)"),
                None => format!("{package} {version}"),
            };
            found.push(Dependency {
                table,
                key: key.clone(),
                spec: spec.clone(),
                tested,
                path,
                inherits,
            });
        }
    }
    found
}

/// `name = "1.2.3"` or `name = { version = "1.2.3", features = […] }`, with the locked version
/// (build metadata such as `+spec-1.1.0` dropped: Cargo ignores it in a requirement).
fn dependency_line(dependency: &Dependency) -> String {
    let version = dependency
        .tested
        .split(' ')
        .nth(1)
        .unwrap_or("")
        .split('+')
        .next()
        .unwrap_or("")
        .to_owned();
    let key = &dependency.key;
    let Some(table) = dependency.spec.as_table() else {
        return format!("{key} = \"{version}\"");
    };
    let mut fields = Vec::new();
    for name in ["package", "version", "path", "default-features", "features"] {
        match (name, table.get(name)) {
            ("version", Some(_)) => fields.push(format!("version = \"{version}\"")),
            (_, Some(value)) => fields.push(format!("{name} = {value}")),
            (_, None) => {}
        }
    }
    if fields.len() == 1 && table.contains_key("version") {
        return format!("{key} = \"{version}\"");
    }
    format!("{key} = {{ {} }}", fields.join(", "))
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn rustc_version() -> String {
    let output = Command::new("rustc")
        .arg("--version")
        .output()
        .expect("run rustc --version");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

const TESTED_WITH: &str = "Tested with ";
const TESTED_WITH_END: &str = " and, from our `Cargo.lock`,";

/// The box of one program, and the files a reader copies (folders of this repository).
struct RunBox {
    markdown: String,
    toml: String,
    commands: Vec<String>,
}

fn run_box(manifest: &toml::Table, example: &Example, rustc: &str) -> RunBox {
    let dir = root().join(&example.dir);
    let files = program_files(&dir);
    let mut code = String::new();
    for file in &files {
        code.push_str(&fs::read_to_string(file).expect("read program file"));
        code.push('\n');
    }
    let roots = rust_uses::scan(&code).roots;
    let dependencies = dependencies_used(manifest, &roots, &example.name);

    // The Cargo.toml lines.
    let mut toml = String::new();
    for table in ["dependencies", "dev-dependencies"] {
        let lines: Vec<String> = dependencies
            .iter()
            .filter(|d| d.table == table)
            .map(dependency_line)
            .collect();
        if !lines.is_empty() {
            let _ = writeln!(toml, "[{table}]");
            for line in lines {
                let _ = writeln!(toml, "{line}");
            }
            toml.push('\n');
        }
    }
    let _ = writeln!(
        toml,
        "[[example]]\nname = \"{}\"\npath = \"{}\"",
        example.name, example.path
    );
    let inheriting: Vec<&Dependency> = dependencies.iter().filter(|d| d.inherits).collect();
    if !inheriting.is_empty() {
        let lints = manifest["workspace"]
            .get("lints")
            .and_then(|l| l.as_table())
            .cloned()
            .unwrap_or_default();
        let names: Vec<String> = inheriting
            .iter()
            .map(|d| d.path.clone().unwrap_or_default())
            .collect();
        let _ = writeln!(
            toml,
            "\n# {} inherits these from the workspace, as in the book's repository\n[workspace]",
            names.join(", ")
        );
        for (tool, table) in &lints {
            let _ = writeln!(toml, "\n[workspace.lints.{tool}]");
            for (lint, level) in table.as_table().into_iter().flatten() {
                let _ = writeln!(toml, "{lint} = {level}");
            }
        }
    }

    // The folders to copy: the program, its path dependencies, what it reads at run time.
    let mut folders: BTreeSet<String> = BTreeSet::new();
    for d in &dependencies {
        folders.extend(d.path.clone());
    }
    for path in rust_uses::repository_paths(&code, &["crates/", "examples/"]) {
        let parts: Vec<&str> = path.split('/').collect();
        let folder = if parts[0] == "crates" {
            parts.iter().take(2).copied().collect::<Vec<_>>().join("/")
        } else {
            parts.iter().take(3).copied().collect::<Vec<_>>().join("/")
        };
        if folder != example.dir && folder.split('/').count() >= 2 {
            folders.insert(folder);
        }
    }
    let mut commands = Vec::new();
    let example_parent = example.dir.rsplit_once('/').expect("examples/<chapter>").0;
    let mut parents: BTreeSet<&str> = BTreeSet::from([example_parent]);
    for folder in &folders {
        parents.insert(folder.rsplit_once('/').map_or(".", |(p, _)| p));
    }
    commands.push(format!(
        "mkdir -p {}",
        parents.iter().copied().collect::<Vec<_>>().join(" ")
    ));
    commands.push(format!("cp -r \"$BOOK/{}\" {example_parent}/", example.dir));
    let mut by_parent: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for folder in &folders {
        let (parent, _) = folder.rsplit_once('/').unwrap_or((".", folder));
        by_parent.entry(parent).or_default().push(folder);
    }
    for (parent, folders) in by_parent {
        let sources: Vec<String> = folders.iter().map(|f| format!("\"$BOOK/{f}\"")).collect();
        commands.push(format!("cp -r {} {parent}/", sources.join(" ")));
    }
    commands.push(format!("cargo run --example {}", example.name));
    commands.push(format!("cargo test --example {}", example.name));

    // The page text.
    let file_names: Vec<String> = files
        .iter()
        .map(|f| format!("`{}`", f.file_name().expect("name").to_string_lossy()))
        .collect();
    let mut md = String::new();
    let _ = writeln!(md, "### Run `{}` on your machine\n", example.name);
    let _ = writeln!(
        md,
        "<!-- Generated by tests/run_it_locally.rs from Cargo.toml, Cargo.lock and the program's \
         code; do not edit. To regenerate: {REGENERATE} -->\n"
    );
    let _ = writeln!(
        md,
        "The complete program is the folder `{}/` of the book's repository ({}). \
         Make a new project with `cargo new --vcs none {PROJECT} && cd {PROJECT}` \
         (edition 2024, the default since Rust 1.85) and replace the empty `[dependencies]` \
         line at the end of its `Cargo.toml` with:\n",
        example.dir,
        file_names.join(", ")
    );
    let _ = writeln!(
        md,
        "<pre><code class=\"language-toml\">{}</code></pre>\n",
        escape_html(&toml)
    );
    let _ = writeln!(
        md,
        "Then copy the files, with `BOOK` set to your clone of the book's repository, and run \
         the program and its tests:\n"
    );
    let console: String = commands.iter().map(|c| format!("$ {c}\n")).collect();
    let _ = writeln!(
        md,
        "<pre><code class=\"language-console\">{}</code></pre>\n",
        escape_html(&console)
    );
    let mut notes = Vec::new();
    let local: Vec<&Dependency> = dependencies.iter().filter(|d| d.path.is_some()).collect();
    if !local.is_empty() {
        let keys: Vec<String> = local.iter().map(|d| format!("`{}`", d.key)).collect();
        let paths: Vec<String> = local
            .iter()
            .map(|d| format!("`{}/`", d.path.clone().unwrap_or_default()))
            .collect();
        notes.push(format!(
            "{} {} of the book's repository, not published on crates.io: the `cp` above copies \
             {} into your project, where `path` points.",
            keys.join(" and "),
            if local.len() == 1 {
                "is a crate"
            } else {
                "are crates"
            },
            paths.join(" and ")
        ));
    }
    let read_at_run_time: Vec<&String> = folders
        .iter()
        .filter(|f| !dependencies.iter().any(|d| d.path.as_ref() == Some(*f)))
        .collect();
    if !read_at_run_time.is_empty() {
        let names: Vec<String> = read_at_run_time.iter().map(|f| format!("`{f}/`")).collect();
        notes.push(format!(
            "The program reads {} at run time, at the same path as in the book's repository.",
            names.join(" and ")
        ));
    }
    if !inheriting.is_empty() {
        notes.push(
            "The `[workspace]` lines give the copied crate the lint settings it inherits."
                .to_owned(),
        );
    }
    for note in notes {
        let _ = writeln!(md, "{note}\n");
    }
    let tested: Vec<&str> = dependencies.iter().map(|d| d.tested.as_str()).collect();
    let rust_version = manifest["package"]["rust-version"].as_str().unwrap_or("?");
    let crates = if tested.is_empty() {
        " no crate besides the standard library".to_owned()
    } else {
        format!(" {}", tested.join(", "))
    };
    let _ = writeln!(
        md,
        "{TESTED_WITH}{rustc}{TESTED_WITH_END}{crates}; the companion crate declares \
         `rust-version = \"{rust_version}\"`. A new project resolves the newest \
         semver-compatible versions; `cargo update -p NAME --precise VERSION` pins one to the \
         tested version."
    );
    RunBox {
        markdown: md,
        toml,
        commands,
    }
}

/// The box with the toolchain it names replaced, so a new rustc does not fail the comparison.
fn without_toolchain(markdown: &str) -> String {
    match (markdown.find(TESTED_WITH), markdown.find(TESTED_WITH_END)) {
        (Some(start), Some(end)) if start < end => format!(
            "{}{TESTED_WITH}<toolchain>{}",
            &markdown[..start],
            &markdown[end..]
        ),
        _ => markdown.to_owned(),
    }
}

#[test]
fn every_program_has_a_current_run_it_locally_box() {
    let manifest = read_toml(&root().join("Cargo.toml"));
    let rustc = rustc_version();
    let update = std::env::var_os("UPDATE_OUTPUT").is_some();
    let mut problems = Vec::new();
    for example in examples(&manifest) {
        let generated = run_box(&manifest, &example, &rustc).markdown;
        let file = root().join(&example.dir).join(BOX_FILE);
        let current = fs::read_to_string(&file).unwrap_or_default();
        if update {
            // Keep the file (and its toolchain line) when nothing else changed.
            if without_toolchain(&current) != without_toolchain(&generated)
                || !current.contains(&rustc)
            {
                fs::write(&file, &generated).expect("write run-it-locally.md");
            }
            continue;
        }
        if current.is_empty() {
            problems.push(format!(
                "{}/{BOX_FILE} is missing: run `{REGENERATE}`, review it, and include it in the \
                 page (see every_page_shows_the_boxes_of_its_programs)",
                example.dir
            ));
        } else if without_toolchain(&current) != without_toolchain(&generated) {
            problems.push(format!(
                "{}/{BOX_FILE} is out of date (Cargo.toml, Cargo.lock or the program's `use`s \
                 changed): run `{REGENERATE}` and review the diff\n--- in the file\n{current}\n--- \
                 generated now\n{generated}",
                example.dir
            ));
        } else if !current.contains(&format!("{TESTED_WITH}rustc ")) {
            problems.push(format!(
                "{}/{BOX_FILE} does not say which rustc it was tested with: run `{REGENERATE}`",
                example.dir
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n\n"));
}

/// Every page that shows a program includes that program's box.
#[test]
fn every_page_shows_the_boxes_of_its_programs() {
    let manifest = read_toml(&root().join("Cargo.toml"));
    let mut problems = Vec::new();
    for example in examples(&manifest) {
        let mut pages = Vec::new();
        let mut stack = vec![root().join("src")];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "md")
                    && let Ok(text) = fs::read_to_string(&path)
                    && text
                        .lines()
                        .any(|l| l.contains("{{#") && l.contains(&format!("{}/", example.dir)))
                {
                    pages.push((path, text));
                }
            }
        }
        let include = format!("{}/{BOX_FILE}}}}}", example.dir);
        if pages.is_empty() {
            // No page shows it yet: the policy tests of booktest report that.
            continue;
        }
        if !pages.iter().any(|(_, text)| {
            text.lines()
                .any(|l| l.trim().starts_with("{{#include") && l.trim().ends_with(&include))
        }) {
            let (page, _) = &pages[0];
            let page = page.strip_prefix(root()).unwrap_or(page).display();
            let depth = page.to_string().matches('/').count();
            problems.push(format!(
                "{page} shows {}/ but not its \"Run it locally\" box: add this line, on its own, \
                 under a `## Run it locally` heading near the end of the page:\n    \
                 {{{{#include {}{}/{BOX_FILE}}}}}",
                example.dir,
                "../".repeat(depth),
                example.dir,
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n\n"));
}

/// Does what each box tells a reader, in a new project outside this repository, offline.
#[test]
#[ignore = "slow (builds every program in a new project); run by .ci/run"]
fn a_new_project_made_from_each_box_builds_and_runs() {
    let manifest = read_toml(&root().join("Cargo.toml"));
    let rustc = rustc_version();
    let work = std::env::temp_dir().join(format!("run-it-locally-{}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).expect("create temp dir");
    // One target directory for all the projects (and kept between runs): dependencies build once.
    let target = root().join("target/run-it-locally");
    let cargo = env!("CARGO");
    let mut problems = Vec::new();
    for example in examples(&manifest) {
        let RunBox {
            markdown,
            toml,
            commands,
        } = run_box(&manifest, &example, &rustc);
        let file = fs::read_to_string(root().join(&example.dir).join(BOX_FILE)).unwrap_or_default();
        assert_eq!(
            without_toolchain(&file),
            without_toolchain(&markdown),
            "{}: the box differs from what is generated; run {REGENERATE}",
            example.name
        );
        let home = work.join(&example.name);
        fs::create_dir_all(&home).expect("create project parent");
        let run = |program: &str, args: &[&str], dir: &Path| {
            let output = Command::new(program)
                .args(args)
                .current_dir(dir)
                .env("BOOK", root())
                .env("CARGO_TARGET_DIR", &target)
                .env_remove("CARGO_MANIFEST_DIR")
                .env_remove("RUSTFLAGS")
                .output()
                .expect("run a command");
            (
                output.status.success(),
                String::from_utf8_lossy(&output.stdout).into_owned(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            )
        };
        eprintln!("run-it-locally: {} in {}", example.name, home.display());
        let (ok, _, err) = run(cargo, &["new", "--vcs", "none", "--quiet", PROJECT], &home);
        assert!(ok, "cargo new failed: {err}");
        let project = home.join(PROJECT);
        let manifest_path = project.join("Cargo.toml");
        let new_manifest = fs::read_to_string(&manifest_path).expect("read new Cargo.toml");
        let Some(before) = new_manifest.trim_end().strip_suffix("[dependencies]") else {
            panic!(
                "cargo new no longer ends Cargo.toml with an empty [dependencies]:\n{new_manifest}"
            );
        };
        fs::write(&manifest_path, format!("{before}{toml}")).expect("write Cargo.toml");
        for command in &commands {
            let command = match command.strip_prefix("cargo ") {
                // Offline, from the local registry cache; the tests are only built.
                Some(rest) if rest.starts_with("run ") => format!("cargo --offline {rest}"),
                Some(rest) if rest.starts_with("test ") => {
                    format!("cargo --offline {rest} --no-run")
                }
                _ => command.clone(),
            };
            let (ok, stdout, stderr) = run("bash", &["-c", &command], &project);
            if !ok {
                problems.push(format!(
                    "{}: `{command}` failed in {}\n{stderr}",
                    example.name,
                    project.display()
                ));
                break;
            }
            if command.contains(" run ") {
                let expected = fs::read_to_string(root().join(&example.dir).join("output.txt"))
                    .unwrap_or_default();
                if stdout != expected {
                    problems.push(format!(
                        "{}: in the new project, `{command}` printed something else than \
                         output.txt\n--- expected\n{expected}--- printed\n{stdout}",
                        example.name
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        let _ = fs::remove_dir_all(&work);
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n\n"));
}
