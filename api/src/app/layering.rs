//! Holds the dependency rule of the layers by reading the imports: nothing outside `routes`
//! (and `startup`, which mounts them) imports the routes module, so `app`, `domain`,
//! `persistence`, `scoring`, `standings` and the rest never reach up into the HTTP layer.
//!
//! The same check from a shell:
//! `grep -rn "crate::route[s]" api/src --include=*.rs | grep -v "^api/src/routes/"` (which
//! lists `startup.rs` only).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The path that would import the routes, spelt in two pieces so this file does not match it.
const ROUTES: &str = concat!("crate::", "routes");

#[test]
fn nothing_below_the_routes_imports_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "read the sources from {}", src.display());
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(src.join("routes")))
        // `startup` mounts the routes.
        .filter(|f| *f != &src.join("startup.rs"))
        .filter(|f| std::fs::read_to_string(f).is_ok_and(|text| text.contains(ROUTES)))
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "these files import {ROUTES} from below it: {offenders:?}"
    );
}
