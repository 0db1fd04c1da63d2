//! Zones (封控区/管控区/防范区) on divisions or named compounds, and
//! jurisdictions as divisions. No IO.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

crate::stored_enum! {
    pub enum ZoneLevel {
        /// 封控区
        Sealed,
        /// 管控区
        Controlled,
        /// 防范区
        Precaution,
    }
}

/// A zone as stored; `lifted_at` set once it is lifted (history is kept).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Zone {
    pub id: i64,
    pub division_code: String,
    /// A named compound inside the community, or empty for the whole division.
    pub compound: String,
    #[schema(value_type = ZoneLevel)]
    pub level: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub lifted_at: Option<OffsetDateTime>,
    pub reason: String,
    pub created_by: i64,
    pub lifted_by: Option<i64>,
}

impl Zone {
    pub fn is_active(&self, at: OffsetDateTime) -> bool {
        self.starts_at <= at && self.lifted_at.is_none_or(|l| l > at)
    }
}

/// Marking a division (or compound) as a zone.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewZone {
    pub division_code: String,
    #[serde(default)]
    pub compound: String,
    #[schema(value_type = ZoneLevel)]
    pub level: String,
    /// RFC 3339 time the zone takes effect; empty or absent = now.
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub reason: String,
}

/// Lifting a zone.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct LiftZone {
    #[serde(default)]
    pub reason: String,
}

/// The division of a jurisdiction code; `None` for the whole country
/// ("") or a code no division has.
pub fn jurisdiction_id(code: &str) -> Option<divisions::DivisionId> {
    divisions::Tree::china()
        .find(code)
        .filter(|_| !code.is_empty())
        .map(|d| d.id())
}
