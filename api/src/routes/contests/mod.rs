//! `/contests` and `/rounds`: contests of a unit and their rounds.
//!
//! A contest's organizers (those whose scope covers its host unit) manage it; eligible members
//! see it and its rounds (without the pool); everyone else gets 404.

mod contest;
mod round;

use sea_orm::ConnectionTrait;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::domain::contest::ExcludedRole;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::persistence::{self, contests::Contest};

/// Who manages contests.
pub(crate) const CONTEST_MANAGERS: &[Role] = &[Role::Organizer];

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(contest::list_contests)
        .service(contest::create_contest)
        .service(contest::get_contest)
        .service(contest::update_contest)
        .service(round::list_rounds)
        .service(round::create_round)
        .service(round::get_round)
        .service(round::update_round);
}

/// How the caller relates to a contest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Organises it.
    Manage,
    /// May enter it.
    Enter,
}

/// Whether `caller` may enter `contest`: in the eligible subtree (or anyone), not in an
/// excluded subtree, holding no excluded role.
pub(crate) async fn may_enter(
    db: &impl ConnectionTrait,
    caller: &Caller,
    contest: &Contest,
) -> Result<bool, ApiError> {
    let user = persistence::users::get(db, caller.id).await?;
    let unit = persistence::units::get(db, user.unit_id).await?;
    let s = &contest.settings;
    if let Some(eligible) = s.eligible_unit_id {
        let eligible = persistence::units::get(db, eligible).await?;
        if !unit.path.is_within(&eligible.path) {
            return Ok(false);
        }
    }
    for excluded in &s.excluded_unit_ids {
        match persistence::units::get(db, *excluded).await {
            Ok(ex) if unit.path.is_within(&ex.path) => return Ok(false),
            Ok(_) | Err(persistence::PersistenceError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    for role in &s.excluded_roles {
        let role = match role {
            ExcludedRole::Organizer => Role::Organizer,
            ExcludedRole::UnitAdmin => Role::UnitAdmin,
        };
        if caller.holds(role) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The caller's access to `contest`, or 404.
pub(crate) async fn access(
    db: &impl ConnectionTrait,
    caller: &Caller,
    contest: &Contest,
) -> Result<Access, ApiError> {
    let host = persistence::units::get(db, contest.settings.unit_id).await?;
    if caller.covers(CONTEST_MANAGERS, &host.path) {
        return Ok(Access::Manage);
    }
    if may_enter(db, caller, contest).await? {
        return Ok(Access::Enter);
    }
    Err(ApiError::NotFound("contest"))
}
