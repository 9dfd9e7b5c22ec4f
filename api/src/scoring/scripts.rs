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

/// `lua/record_result.lua`: count a finished attempt in its round, once.
pub static RECORD_RESULT: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/record_result.lua")));
