//! The question import's Gift reader: no panic, and the limits and report promises hold.
#![no_main]

#[path = "questions.rs"]
mod questions;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    questions::check(question_bank::Format::Gift, data);
});
