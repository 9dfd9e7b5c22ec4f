//! The layers of `api/src`, held by reading its source (`cargo test -p api --test layers`).
//!
//! - `routes` (HTTP) sits on top: only it and `startup`/`commands` (which assemble the server
//!   and the CLI) may import `routes`.
//! - `app` (the rules of the product) never imports `routes`.
//! - `domain` (valid-by-construction types) imports neither `app` nor `routes`, nor anything
//!   that stores or serves: only `error`.
//! - The top-level modules form no cycle, so each can be understood from the ones below it.
//!
//! - Handlers stay thin: no handler in `routes/` is over 40 lines (from `fn` to its closing
//!   brace). A handler parses its input, calls one function in `app`, and maps the result.
//! - Problem codes are listed once, in `error/`: no `code: "…"` (or `"code": "…"`) string
//!   literal appears anywhere else in `src`.
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

// ---------------------------------------------------------------------------------------------
// Thin handlers and codes in one place.
//
// A handler is a function of `routes/` with an actix route attribute (`#[get(…)]`, `#[post(…)]`,
// …) or one registered by name (`.service(name)`, `.to(name)`, `web::to(name)`,
// `.default_service(name)`). Its length is counted from the line of `fn` to the line of the
// brace that closes its body. Comments, strings and character literals are skipped, so a brace
// in a format string or a doc comment does not count.

/// Longest a handler may be, in lines.
const MAX_HANDLER_LINES: usize = 40;

/// A token of Rust source, as much as these checks need.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// An identifier, keyword, lifetime name or number.
    Ident(String),
    /// A string literal's contents (any kind: plain, byte, raw).
    Str(String),
    /// Any other character.
    Punct(char),
}

/// The tokens of `text`, each with its line (1-based). Comments are dropped.
fn tokens(text: &str) -> Vec<(Token, usize)> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let is_ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    // Reads a string from the opening quote at `i` (raw with `hashes` when `raw`); returns
    // its contents and the index after it.
    let string = |mut i: usize, raw: bool, hashes: usize, line: &mut usize| -> (String, usize) {
        i += 1;
        let mut s = String::new();
        while i < c.len() {
            let ch = c[i];
            if ch == '\n' {
                *line += 1;
            }
            if !raw && ch == '\\' {
                if let Some(&next) = c.get(i + 1) {
                    if next == '\n' {
                        *line += 1;
                    }
                    s.push(ch);
                    s.push(next);
                }
                i += 2;
                continue;
            }
            if ch == '"' && (0..hashes).all(|k| c.get(i + 1 + k) == Some(&'#')) {
                return (s, i + 1 + hashes);
            }
            s.push(ch);
            i += 1;
        }
        (s, i)
    };
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            let at = line;
            let (s, next) = string(i, false, 0, &mut line);
            out.push((Token::Str(s), at));
            i = next;
        } else if ch == '\'' {
            // A character literal ('a', '\n', '{') or a lifetime ('a, 'static).
            if c.get(i + 1) == Some(&'\\') {
                let mut j = i + 2;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                out.push((Token::Punct('\''), line));
                i += 1;
            }
        } else if is_ident(ch) {
            let start = i;
            while i < c.len() && is_ident(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            // String prefixes: b"…", c"…", r"…", r#"…"#, br#"…"#, cr"…".
            let raw = matches!(word.as_str(), "r" | "br" | "cr");
            let mut hashes = 0;
            if raw {
                while c.get(i + hashes) == Some(&'#') {
                    hashes += 1;
                }
            }
            let quoted = c.get(i + hashes) == Some(&'"');
            if quoted && (raw || matches!(word.as_str(), "b" | "c")) {
                let at = line;
                let (s, next) = string(i + hashes, raw, hashes, &mut line);
                out.push((Token::Str(s), at));
                i = next;
            } else if word == "b" && c.get(i) == Some(&'\'') {
                // b'x' or b'\n'
                let mut j = i + 1;
                if c.get(j) == Some(&'\\') {
                    j += 1;
                }
                j += 1;
                i = j + 1;
            } else {
                out.push((Token::Ident(word), line));
            }
        } else {
            out.push((Token::Punct(ch), line));
            i += 1;
        }
    }
    out
}

fn is_ident(t: &Token, name: &str) -> bool {
    matches!(t, Token::Ident(w) if w == name)
}

/// Names registered as handlers by name in `text`: the last segment of a plain path given to
/// `service(…)`, `to(…)` or `default_service(…)`.
fn registered_names(text: &str) -> BTreeSet<String> {
    let toks: Vec<Token> = tokens(text).into_iter().map(|(t, _)| t).collect();
    let mut names = BTreeSet::new();
    for (i, t) in toks.iter().enumerate() {
        let Token::Ident(w) = t else { continue };
        if !matches!(w.as_str(), "service" | "to" | "default_service")
            || toks.get(i + 1) != Some(&Token::Punct('('))
        {
            continue;
        }
        let mut last = None;
        for t in &toks[i + 2..] {
            match t {
                Token::Ident(w) => last = Some(w.clone()),
                Token::Punct(':') => {}
                Token::Punct(')') => {
                    names.extend(last.take());
                    break;
                }
                _ => break,
            }
        }
    }
    names
}

/// The handlers defined in `text`: name, line of `fn`, length in lines. A handler is a
/// function with a route attribute, or one whose name is in `registered`.
fn handlers(text: &str, registered: &BTreeSet<String>) -> Vec<(String, usize, usize)> {
    const ROUTE_ATTRIBUTES: [&str; 8] = [
        "get", "post", "put", "patch", "delete", "head", "route", "routes",
    ];
    let toks = tokens(text);
    let mut found = Vec::new();
    let mut routed = false;
    let mut i = 0;
    while i < toks.len() {
        let (t, line) = &toks[i];
        if t == &Token::Punct('#')
            && toks.get(i + 1).map(|t| &t.0) == Some(&Token::Punct('['))
            && toks
                .get(i + 2)
                .is_some_and(|(t, _)| ROUTE_ATTRIBUTES.iter().any(|a| is_ident(t, a)))
            && toks.get(i + 3).map(|t| &t.0) == Some(&Token::Punct('('))
        {
            routed = true;
        }
        if is_ident(t, "fn") {
            let Some((Token::Ident(name), _)) = toks.get(i + 1) else {
                i += 1;
                continue;
            };
            let handler = std::mem::take(&mut routed) || registered.contains(name);
            // The body opens at the first `{` outside parentheses and brackets.
            let mut depth = 0i32;
            let mut j = i + 2;
            while j < toks.len() {
                match toks[j].0 {
                    Token::Punct('(' | '[') => depth += 1,
                    Token::Punct(')' | ']') => depth -= 1,
                    Token::Punct('{') if depth == 0 => break,
                    Token::Punct(';') if depth == 0 => break, // a declaration without a body
                    _ => {}
                }
                j += 1;
            }
            if toks.get(j).map(|t| &t.0) != Some(&Token::Punct('{')) {
                i = j;
                continue;
            }
            let mut braces = 0;
            let mut end = j;
            while end < toks.len() {
                match toks[end].0 {
                    Token::Punct('{') => braces += 1,
                    Token::Punct('}') => {
                        braces -= 1;
                        if braces == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                end += 1;
            }
            let last = toks.get(end).map_or(*line, |t| t.1);
            if handler {
                found.push((name.clone(), *line, last - line + 1));
                i = end;
                continue;
            }
            // Not a handler: look inside it too (nested functions are rare, but cheap to see).
            i = j + 1;
            continue;
        }
        i += 1;
    }
    found
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read file");
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

/// Handlers over [`MAX_HANDLER_LINES`] under `src/routes`, as `path:line name (n lines)`.
fn long_handlers(src: &Path) -> Vec<String> {
    let all = sources(src);
    let registered: BTreeSet<String> = all
        .iter()
        .flat_map(|(_, text)| registered_names(text))
        .collect();
    let routes = src.join("routes");
    let mut long = Vec::new();
    let mut count = 0;
    for (path, text) in all.iter().filter(|(p, _)| p.starts_with(&routes)) {
        for (name, line, len) in handlers(text, &registered) {
            count += 1;
            if len > MAX_HANDLER_LINES {
                let shown = path.strip_prefix(src).unwrap_or(path).display();
                long.push(format!("src/{shown}:{line} {name} ({len} lines)"));
            }
        }
    }
    assert!(
        count > 50,
        "found only {count} handlers: the reader is broken"
    );
    long
}

#[test]
fn handlers_stay_under_40_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let long = long_handlers(&src);
    assert!(
        long.is_empty(),
        "handlers over {MAX_HANDLER_LINES} lines (parse the input, call one function in `app`, \
         map the result; move the rules into `app`):\n{}",
        long.join("\n")
    );
}

/// `code: "…"` and `"code": "…"` string literals in `text`, as `line`.
fn inline_codes(text: &str) -> Vec<usize> {
    let toks = tokens(text);
    let mut found = Vec::new();
    for w in toks.windows(4) {
        let key = matches!(&w[0].0, Token::Ident(k) | Token::Str(k) if k == "code");
        // `code: "…"`, but not a path (`x::code`) or `code::…`.
        if key
            && w[1].0 == Token::Punct(':')
            && matches!(w[2].0, Token::Str(_))
            && w[3].0 != Token::Punct(':')
        {
            found.push(w[0].1);
        }
    }
    found
}

#[test]
fn problem_codes_are_not_written_inline_outside_the_error_module() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let error = src.join("error");
    let offenders: Vec<String> = sources(&src)
        .into_iter()
        .filter(|(path, _)| !path.starts_with(&error))
        .flat_map(|(path, text)| {
            let shown = path
                .strip_prefix(&src)
                .unwrap_or(&path)
                .display()
                .to_string();
            inline_codes(&text)
                .into_iter()
                .map(move |line| format!("src/{shown}:{line}"))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "`code` string literals outside `src/error/` (list the code there, in `ApiError::CODES`, \
         `Conflict` or `FieldError::CODES`, and use the variant; other vocabularies name a \
         constant):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_reader_of_handlers_counts_lines_and_skips_strings_and_comments() {
    let body = "    let _ = 1;\n".repeat(38);
    let text = format!(
        "#[get(\"/a\")]\n#[tracing::instrument(skip_all)]\npub async fn short(x: web::Path<u32>) -> Result<(), E> {{\n{body}}}\n\
         #[post(\"/b\")]\nasync fn long() {{\n    let s = \"}}\"; // }}\n    let c = '}}';\n    /* }} */\n{body}}}\n\
         async fn helper() {{\n{body}{body}}}\n\
         fn registered() {{\n{body}    let _ = 2;\n    let _ = 3;\n}}\n"
    );
    let registered =
        registered_names("cfg.service(short).default_service(web::to(x::registered));");
    assert_eq!(
        registered.into_iter().collect::<Vec<_>>(),
        ["registered", "short"]
    );
    let found = handlers(&text, &["registered".to_owned()].into());
    let lengths: Vec<(&str, usize)> = found.iter().map(|(n, _, l)| (n.as_str(), *l)).collect();
    assert_eq!(lengths, [("short", 40), ("long", 43), ("registered", 42)]);
}

#[test]
fn the_reader_of_codes_sees_fields_and_json_keys() {
    let text = "Problem { code: \"gone\", x }\njson!({\"code\": \"late\"})\nlet code: &str = c;\n\
                json!({\"code\": unit.code})\nFieldError { code: codes::TAKEN }\n// code: \"comment\"\n";
    assert_eq!(inline_codes(text), [1, 2]);
}
