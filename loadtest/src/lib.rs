//! The contest-day scenario runner as a library, so other harnesses (the fault suite, the
//! capacity targets) can drive a running dautri through a whole day and get back the report
//! and the end-state verdict: see [`scenario::run`].

pub mod ceiling;
pub mod scenario;
