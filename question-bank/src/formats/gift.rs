//! GIFT (Moodle's text format): multiple choice and true/false.
use super::Context;
use crate::problem::ReadReport;

/// Reads GIFT text.
pub fn read(_text: &str, _ctx: &Context<'_>) -> ReadReport {
    ReadReport::default()
}
