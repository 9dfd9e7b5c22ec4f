//! The Lua scripts, loaded once and called by EVALSHA (redis-rs `Script` reloads on NOSCRIPT).

use std::sync::LazyLock;

use redis::Script;

/// `lua/hit_window.lua`: count a hit in a fixed window.
pub static HIT_WINDOW: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/hit_window.lua")));
