//! Organisations, onboarding and the coalition. No IO.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::web::error::{FieldError, Invalid};

crate::stored_enum! {
    pub enum OrgKind {
        Association,
        Foundation,
        ServiceAgency,
        Company,
        Office,
        VolunteerGroup,
    }
}

crate::stored_enum! {
    /// The coalition's three tiers.
    pub enum Tier {
        Province,
        City,
        County,
    }
}

crate::stored_enum! {
    pub enum OrgStatus {
        Pending,
        Approved,
        Rejected,
    }
}

/// An organisation as stored. `contact_phone` is personal data: it leaves
/// the store only as [`Org::masked`] unless revealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub tier: String,
    pub jurisdiction_code: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub description: String,
    pub status: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// An organisation as the API and pages show it: the contact phone masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Org {
    pub id: i64,
    pub name: String,
    #[schema(value_type = OrgKind)]
    pub kind: String,
    #[schema(value_type = Tier)]
    pub tier: String,
    pub jurisdiction_code: String,
    /// Full name of the jurisdiction, e.g. 陕西省西安市雁塔区.
    pub jurisdiction_name: String,
    pub contact_name: String,
    /// Masked, e.g. 138****8000; reveal with POST /api/orgs/{id}/reveal.
    pub contact_phone: String,
    pub description: String,
    #[schema(value_type = OrgStatus)]
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

pub fn division_name(code: &str) -> String {
    if code.is_empty() {
        return "全国".to_owned();
    }
    divisions::Tree::china()
        .find(code)
        .map(|d| d.full_name())
        .unwrap_or_else(|| code.to_owned())
}

impl OrgRow {
    pub fn masked(self) -> Org {
        Org {
            id: self.id,
            jurisdiction_name: division_name(&self.jurisdiction_code),
            contact_phone: crate::phone::mask(&self.contact_phone),
            name: self.name,
            kind: self.kind,
            tier: self.tier,
            jurisdiction_code: self.jurisdiction_code,
            contact_name: self.contact_name,
            description: self.description,
            status: self.status,
            created_at: self.created_at,
        }
    }
}

/// An onboarding request: a new organisation, pending approval.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewOrg {
    pub name: String,
    #[schema(value_type = OrgKind)]
    pub kind: String,
    #[schema(value_type = Tier)]
    pub tier: String,
    pub jurisdiction_code: String,
    pub contact_name: String,
    pub contact_phone: String,
    #[serde(default)]
    pub description: String,
}

impl NewOrg {
    /// Check every field; returns the normalised phone.
    pub fn validate(&self) -> Result<String, Invalid> {
        let mut errors = Invalid::default();
        errors.text("name", &self.name, 60);
        if OrgKind::parse(self.kind.trim()).is_none() {
            errors.push(FieldError::new("kind", "err-org-kind"));
        }
        if Tier::parse(self.tier.trim()).is_none() {
            errors.push(FieldError::new("tier", "err-tier"));
        }
        if divisions::Tree::china()
            .find(self.jurisdiction_code.trim())
            .is_none()
        {
            errors.push(FieldError::new("jurisdiction_code", "err-division"));
        }
        errors.text("contact_name", &self.contact_name, 20);
        let phone = crate::phone::normalize(&self.contact_phone);
        if phone.is_none() {
            errors.push(FieldError::new("contact_phone", "err-phone"));
        }
        errors.optional("description", &self.description, 2000);
        if errors.is_empty() {
            Ok(phone.unwrap_or_default())
        } else {
            Err(errors)
        }
    }
}

/// Why a personal field is being revealed.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RevealRequest {
    /// Only `contact_phone` for organisations.
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Revealed {
    pub field: String,
    pub value: String,
}

/// A decision on an onboarding request.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Decision {
    #[serde(default)]
    pub reason: String,
}

/// The coalition with its working groups and members.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Coalition {
    pub id: i64,
    pub name: String,
    pub jurisdiction_code: String,
    pub groups: Vec<WorkingGroup>,
    pub members: Vec<OrgBrief>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkingGroup {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// The need kinds it answers for: its leads see those kinds' escalated
    /// needs on their list.
    pub need_kinds: Vec<String>,
    /// One or two lead organisations.
    pub leads: Vec<OrgBrief>,
}

/// A working group as written: created, or edited (all fields replace).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct GroupFields {
    /// At most 40 chars, unique in its coalition.
    #[schema(min_length = 1, max_length = 40)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 300)]
    pub description: String,
    /// The need kinds it answers for.
    #[serde(default)]
    #[schema(value_type = Vec<crate::needs::model::NeedKind>)]
    pub need_kinds: Vec<String>,
}

/// A group's fields checked: name, description and the kinds as stored
/// (`,food,ppe,`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedGroup {
    pub name: String,
    pub description: String,
    pub need_kinds: String,
}

impl GroupFields {
    pub fn check(&self) -> Result<CheckedGroup, Invalid> {
        let mut errors = Invalid::default();
        errors.text("name", &self.name, 40);
        errors.optional("description", &self.description, 300);
        let mut kinds = Vec::new();
        for k in &self.need_kinds {
            match crate::needs::model::NeedKind::parse(k.trim()) {
                Some(kind) => kinds.push(kind.as_str()),
                None => {
                    errors.push(FieldError::new("need_kinds", "err-need-kind"));
                    break;
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        kinds.sort_unstable();
        kinds.dedup();
        Ok(CheckedGroup {
            name: self.name.trim().to_owned(),
            description: self.description.trim().to_owned(),
            need_kinds: if kinds.is_empty() {
                String::new()
            } else {
                format!(",{},", kinds.join(","))
            },
        })
    }
}

/// The kinds of a stored `,food,ppe,` list.
pub fn need_kinds(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct OrgBrief {
    pub id: i64,
    pub name: String,
    #[schema(value_type = Tier)]
    pub tier: String,
}

/// Set the lead organisations of a working group (1 or 2).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SetLeads {
    pub org_ids: Vec<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_named() {
        let e = NewOrg::default().validate().unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            [
                "name",
                "kind",
                "tier",
                "jurisdiction_code",
                "contact_name",
                "contact_phone"
            ]
        );
        let ok = NewOrg {
            name: "西安市社会工作协会".into(),
            kind: "association".into(),
            tier: "city".into(),
            jurisdiction_code: "6101".into(),
            contact_name: "王老师".into(),
            contact_phone: "029-8555 1234".into(),
            description: String::new(),
        };
        assert_eq!(ok.validate().unwrap(), "02985551234");
    }
}
