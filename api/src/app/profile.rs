//! A member's own profile (`PATCH /me`): their name and birth date, checked by the rules of
//! registration. The phone is the login and the unit is the organisation's to change, so
//! neither is editable here.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::domain::ids::UserId;
use crate::domain::person::{FullName, check_member_age, parse_admitted_at, parse_birth_date};
use crate::error::{ApiError, FieldError};
use crate::persistence::{self, users::User};
use crate::state::AppState;

/// Changes to one's own profile; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    /// Họ tên.
    #[schema(min_length = 2, max_length = 100)]
    pub full_name: Option<String>,
    /// Ngày sinh, `YYYY-MM-DD`.
    pub birth_date: Option<String>,
}

/// Updates `user`'s name and/or birth date; `today` bounds the birth date, which must also
/// stay before the admission date on record. Every failure is reported at once.
pub async fn update(
    state: &AppState,
    user: UserId,
    body: UpdateProfileRequest,
    today: NaiveDate,
) -> Result<User, ApiError> {
    let me = crate::app::accounts::signed_in_account(state, user).await?;
    if me.erased_at.is_some() {
        return Err(ApiError::Unauthorized);
    }
    let mut errors = Vec::new();
    let full_name = match body.full_name.as_deref() {
        Some(s) => FullName::parse(s)
            .map(|n| n.as_str().to_owned())
            .map_err(|e| errors.push(FieldError::new("/full_name", e.0)))
            .ok(),
        None => Some(me.full_name.clone()),
    };
    let birth_date = match body.birth_date.as_deref() {
        Some(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| "date must be written YYYY-MM-DD, e.g. 2001-09-02".to_owned())
            .and_then(|d| parse_birth_date(d, today).map_err(|e| e.0))
            .and_then(|d| match me.admitted_at {
                // The admission date on record must stay after the birth date.
                Some(admitted) => parse_admitted_at(admitted, d, today)
                    .map(|_| d)
                    .map_err(|_| {
                        "birth date must be before the admission date on record".to_owned()
                    }),
                None => Ok(d),
            })
            .map_err(|e| FieldError::new("/birth_date", e))
            .and_then(|d| {
                // The age bounds; the admission date on record is not editable here, so an
                // age problem is always the birth date's.
                check_member_age(d, me.admitted_at, today, state.settings.age_bounds())
                    .map(|()| d)
                    .map_err(|p| {
                        let vi = if p.pointer == "/birth_date" {
                            p.detail_vi
                        } else {
                            format!(
                                "Ngày sinh không hợp lệ: đoàn viên phải đủ {} tuổi vào ngày kết nạp đã ghi nhận.",
                                state.settings.member_min_age
                            )
                        };
                        FieldError::new("/birth_date", p.detail).with_vi(vi)
                    })
            })
            .map(Some)
            .map_err(|e| errors.push(e))
            .ok(),
        None => Some(me.birth_date),
    };
    let (Some(full_name), Some(birth_date), true) = (full_name, birth_date, errors.is_empty())
    else {
        return Err(ApiError::Validation(errors));
    };
    persistence::users::set_profile(&state.db, user, &full_name, birth_date).await?;
    persistence::audit::record_at(
        &state.db,
        Some(user),
        "user.profile",
        Some(user.into_uuid()),
        Some(me.unit_id),
        json!({"full_name": body.full_name.is_some(), "birth_date": body.birth_date.is_some()}),
    )
    .await?;
    Ok(persistence::users::get(&state.db, user).await?)
}
