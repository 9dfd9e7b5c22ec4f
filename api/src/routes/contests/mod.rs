//! `/contests` and `/rounds`: contests of a unit and their rounds.
//!
//! A contest's organizers (those whose scope covers its host unit) manage it; eligible members
//! see it and its rounds (without the pool); everyone else gets 404. The rules are in
//! [`crate::app::contest_access`].

mod contest;
mod round;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(contest::list_contests)
        .service(contest::create_contest)
        .service(contest::get_contest)
        .service(contest::update_contest)
        .service(round::list_rounds)
        .service(round::create_round)
        .service(round::get_round)
        .service(round::update_round)
        .service(round::pool_availability);
}
