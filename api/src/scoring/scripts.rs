//! The Lua scripts, loaded once and called by EVALSHA (redis-rs `Script` reloads on NOSCRIPT).

use std::sync::LazyLock;

use redis::Script;

/// `lua/hit_window.lua`: count a hit in a fixed window.
pub static HIT_WINDOW: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/hit_window.lua")));

/// `lua/open_attempt.lua`: store a new attempt (no-op when it exists).
pub static OPEN_ATTEMPT: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/open_attempt.lua")));

/// `lua/save_answer.lua`: check and record one selection.
pub static SAVE_ANSWER: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/save_answer.lua")));

/// `lua/finish_attempt.lua`: score and close an attempt once.
pub static FINISH_ATTEMPT: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/finish_attempt.lua")));

/// `lua/record_results.lua`: count finished attempts in their contest, once each.
pub static RECORD_RESULTS: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/record_results.lua")));

/// `lua/board_page.lua`: a page of a board with its lines.
pub static BOARD_PAGE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/board_page.lua")));

/// `lua/standing.lua`: one user's line and rank on a board, with the board's size.
pub static STANDING: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/standing.lua")));

/// `lua/swap_keys.lua`: replace a contest's live keys by a rebuild's staged ones.
pub static SWAP_KEYS: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/swap_keys.lua")));

/// `lua/lease.lua`: take or renew a lease held by a token, with an expiry.
pub static LEASE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("lua/lease.lua")));

/// `lua/lease_release.lua`: give a lease back if still held.
pub static LEASE_RELEASE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/lease_release.lua")));
