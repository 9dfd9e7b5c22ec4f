//! The layers of `api/src`, held by reading its imports (`cargo test -p api --test layers`).
//!
//! - `routes` (HTTP) sits on top: only it and `startup`/`commands` (which assemble the server
//!   and the CLI) may import `routes`.
//! - `app` (the rules of the product) never imports `routes`.
//! - `domain` (valid-by-construction types) imports neither `app` nor `routes`, nor anything
//!   that stores or serves: only `error`.
//! - The top-level modules form no cycle, so each can be understood from the ones below it.
//!
//! Imports are read as `crate::<module>` paths, in `use` lines and inline, including grouped
//! `use crate::{a, b}` lines. Test modules inside a file count too: a test may not reach up
//! either.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the top-level modules it imports.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&root).expect("under src");
            let top = relative
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .expect("utf-8")
                .trim_end_matches(".rs")
                .to_owned();
            if top == "lib" || top == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read file");
            let imports = graph.entry(top.clone()).or_default();
            for target in imported_modules(&text) {
                if target != top {
                    imports.insert(target);
                }
            }
        }
    }
    graph
}

/// The top-level modules named after `crate::` in `text`.
fn imported_modules(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names of the group: split at commas outside nested groups, up to the
            // brace that closes it.
            let mut depth = 0;
            let mut start = 0;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        found.insert(ident(group[start..j].trim()));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.insert(ident(group[start..j].trim()));
                        start = j + 1;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found.retain(|m| !m.is_empty() && m.chars().next().is_some_and(|c| c.is_ascii_lowercase()));
    found
}

#[test]
fn only_the_server_assembly_imports_routes() {
    let allowed = ["routes", "startup", "commands"];
    let offenders: Vec<String> = graph()
        .into_iter()
        .filter(|(module, imports)| {
            !allowed.contains(&module.as_str()) && imports.contains("routes")
        })
        .map(|(module, _)| module)
        .collect();
    assert!(offenders.is_empty(), "these import `routes`: {offenders:?}");
}

#[test]
fn the_domain_imports_no_layer_above_it() {
    let graph = graph();
    let domain = graph.get("domain").cloned().unwrap_or_default();
    let beyond: Vec<&String> = domain.iter().filter(|m| *m != "error").collect();
    assert!(beyond.is_empty(), "domain imports {beyond:?}");
}

#[test]
fn the_top_level_modules_form_no_cycle() {
    let graph = graph();
    // Depth-first search that reports the first cycle found, as a path.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut cycles = Vec::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            let members: BTreeSet<String> = cycle.iter().cloned().collect();
            if seen.insert(members) {
                cycles.push(cycle.join(" → "));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles: {cycles:#?}\ngraph: {graph:#?}"
    );
}

#[test]
fn the_reader_of_imports_sees_groups_and_inline_paths() {
    let text = "use crate::{app::x, error::{A, B}, persistence};\nlet _ = crate::scoring::keys();";
    let found: Vec<String> = imported_modules(text).into_iter().collect();
    assert_eq!(found, ["app", "error", "persistence", "scoring"]);
}
