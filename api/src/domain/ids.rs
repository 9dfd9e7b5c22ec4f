//! Identifier newtypes, so a contest id cannot be passed where a round id is expected (#12).
//! New ids are UUID v7: time-ordered, so inserts stay local in B-tree indexes.
//!
//! # Implementation notes
//!
//! Every id is defined once by [`id_type!`]; the inner `Uuid` is private, so an id is made
//! with `new()` (a fresh one) or `from_uuid` / `From<Uuid>` at a boundary (a path, a stored
//! column, a JSON document), and read back with `as_uuid` / `into_uuid`.
//!
//! The ids are the one place the domain names sea-orm: `DeriveValueType` lets an entity use
//! them as column types (the column is whatever a `Uuid` column is, on SQLite and PostgreSQL
//! alike). They serialize as the bare UUID string (`serde(transparent)`), so a path extractor
//! (`web::Path<ContestId>`) parses them like a `Uuid`. Their OpenAPI schema is a `Uuid`'s
//! (`string`, `format: uuid`), but utoipa's derive only inlines the types it knows by name and
//! would refer to any other as a named component: request and response bodies therefore keep
//! `Uuid` fields (or say `#[schema(value_type = Uuid)]`) and convert at the route, so the
//! OpenAPI document is the same as before the ids existed.
//!
//! Where a bare `Uuid` is still right, and why:
//! - response and request bodies (above);
//! - the audit log's `subject_id`, which names an entity of any kind;
//! - the boards' own structures (`scoring::leaderboard::Standing`, the unit directory's tree,
//!   the Redis sorted sets' members): they hold many kinds of ids in one encoded form, and the
//!   attempt results that feed them carry `UserId` up to the point they enter.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Defines an id newtype over a private `Uuid`: constructors, accessors, `Display`, serde
/// (transparent), an inline OpenAPI schema (`string`, `format: uuid`) and sea-orm's
/// `DeriveValueType` (with the `TryFromU64` a primary key needs, which always fails: ids are
/// never auto-incremented).
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            Serialize,
            Deserialize,
            sea_orm::DeriveValueType,
        )]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The id with this UUID (from a path, a column or a document).
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The UUID, borrowed.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// The UUID.
            pub const fn into_uuid(self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl sea_orm::TryFromU64 for $name {
            fn try_from_u64(_: u64) -> Result<Self, sea_orm::DbErr> {
                Err(sea_orm::DbErr::ConvertFromU64(stringify!($name)))
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

id_type!(
    /// A unit of the organisation tree.
    UnitId
);
id_type!(
    /// A person's account.
    UserId
);
id_type!(
    /// A contest (or a theory test, which is stored as a contest).
    ContestId
);
id_type!(
    /// A round of a contest.
    RoundId
);
id_type!(
    /// One attempt (lượt thi) at a round.
    AttemptId
);
id_type!(
    /// A question of the bank (all its versions share it).
    QuestionId
);
id_type!(
    /// One version of a political-theory course (the versions of a course share its code).
    CourseId
);
id_type!(
    /// One version of a question (an edit makes a new one; attempts keep the one they drew).
    QuestionVersionId
);
id_type!(
    /// A lesson of a course version.
    LessonId
);
id_type!(
    /// A course-completion certificate.
    CertificateId
);
id_type!(
    /// A request to move a person to another unit.
    TransferRequestId
);
id_type!(
    /// A one-time password-reset code issued to a person.
    ResetCodeId
);
id_type!(
    /// A family of refresh tokens: every token rotated from one sign-in.
    TokenFamilyId
);
id_type!(
    /// An entry of the audit log.
    AuditEntryId
);
id_type!(
    /// One refresh token (a row of a token family).
    RefreshTokenId
);
id_type!(
    /// One role granted to a person (over a unit, or everywhere).
    RoleAssignmentId
);
id_type!(
    /// A decision that a person's result in a round does not count.
    ResultVoidId
);
id_type!(
    /// An option of a question version: stable within the version, recorded by attempts.
    OptionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_serializes_as_its_bare_uuid() {
        let uuid = Uuid::now_v7();
        let id = ContestId::from_uuid(uuid);
        assert_eq!(
            serde_json::to_value(id).unwrap(),
            serde_json::json!(uuid.to_string())
        );
        let back: ContestId = serde_json::from_value(serde_json::json!(uuid.to_string())).unwrap();
        assert_eq!(back, id);
        assert_eq!(id.to_string(), uuid.to_string());
        assert_eq!(id.into_uuid(), uuid);
        assert_eq!(*id.as_uuid(), uuid);
    }

    #[test]
    fn an_id_has_the_same_openapi_schema_as_a_uuid() {
        use utoipa::PartialSchema;
        assert_eq!(
            serde_json::to_value(RoundId::schema()).unwrap(),
            serde_json::json!({ "type": "string", "format": "uuid" })
        );
    }
}
