//! Accounts, roles and the caller's `Scope`. No IO.

use crate::web::error::{FieldError, Invalid};

crate::stored_enum! {
    /// What an account may do. Stored by its `as_str` name.
    pub enum Role {
        Admin,
        Coordinator,
        Operator,
        Caseworker,
        Screener,
        Volunteer,
        Viewer,
    }
}

impl Role {
    /// Mark and lift zones, register and approve organisations, run the
    /// coalition.
    pub fn coordinates(self) -> bool {
        matches!(self, Role::Admin | Role::Coordinator)
    }

    /// Create accounts, read the audit log.
    /// Roles that work screening lists (排查): import, read and call.
    pub fn screens(self) -> bool {
        matches!(self, Role::Admin | Role::Coordinator | Role::Screener)
    }

    /// Keep the care registry (脆弱人群): the community office and social
    /// workers.
    pub fn cares(self) -> bool {
        matches!(self, Role::Admin | Role::Coordinator | Role::Caseworker)
    }

    pub fn administers(self) -> bool {
        self == Role::Admin
    }

    /// Take needs down (the hotline's work, and those who run it).
    pub fn takes_needs(self) -> bool {
        matches!(self, Role::Admin | Role::Coordinator | Role::Operator)
    }

    /// See the needs held in the jurisdiction (masked): those who take,
    /// follow or watch them. Screeners and volunteers work from their own
    /// lists and tasks.
    pub fn sees_needs(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Coordinator | Role::Operator | Role::Caseworker | Role::Viewer
        )
    }

    /// Roles whose work needs contact phones in the clear (after an audited
    /// reveal): the others never see more than the masked form.
    pub fn may_reveal_contacts(self) -> bool {
        matches!(self, Role::Admin | Role::Coordinator | Role::Operator)
    }
}

/// Who is asking, resolved once per request from the session. Store
/// functions that read personal data or scoped records take a `&Scope`;
/// it can only be made by the access module (fields are private), so a
/// read without one does not compile.
#[derive(Clone, Debug)]
pub struct Scope {
    account_id: i64,
    username: String,
    display_name: String,
    role: Role,
    org_id: i64,
    jurisdiction: String,
    ip: String,
}

impl Scope {
    pub(crate) fn new(
        account_id: i64,
        username: String,
        display_name: String,
        role: Role,
        org_id: i64,
        jurisdiction: String,
        ip: String,
    ) -> Scope {
        Scope {
            account_id,
            username,
            display_name,
            role,
            org_id,
            jurisdiction,
            ip,
        }
    }

    pub fn account_id(&self) -> i64 {
        self.account_id
    }
    pub fn username(&self) -> &str {
        &self.username
    }
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn org_id(&self) -> i64 {
        self.org_id
    }
    /// The division code of the subtree this account is responsible for
    /// ("" = the whole country).
    pub fn jurisdiction(&self) -> &str {
        &self.jurisdiction
    }
    pub fn ip(&self) -> &str {
        &self.ip
    }

    /// A division (by code) is inside this scope's jurisdiction.
    pub fn covers(&self, division_code: &str) -> bool {
        divisions::code_within(division_code, &self.jurisdiction)
    }

    /// Two jurisdictions overlap when one contains the other: an
    /// organisation working province-wide also works in my city.
    pub fn overlaps(&self, division_code: &str) -> bool {
        self.covers(division_code) || divisions::code_within(&self.jurisdiction, division_code)
    }
}

/// Username rules: 3–32 ASCII letters, digits, `.`, `_`, `-`.
pub fn check_username(username: &str, errors: &mut Invalid) {
    let ok = (3..=32).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !ok {
        errors.push(FieldError::new("username", "err-username"));
    }
}

/// Password rules: at least 10 characters, not all digits.
pub fn check_password(field: &'static str, password: &str, errors: &mut Invalid) {
    if password.chars().count() < 10 || password.chars().all(|c| c.is_ascii_digit()) {
        errors.push(FieldError::new(field, "err-password-weak"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_covers_its_subtree_only() {
        let s = Scope::new(
            1,
            "u".into(),
            "U".into(),
            Role::Viewer,
            1,
            "6101".into(),
            String::new(),
        );
        assert!(s.covers("610113001"));
        assert!(!s.covers("6102"));
        assert!(s.overlaps("61"));
        assert!(!s.overlaps("42"));
    }
}
