//! Volunteers (志愿者): recruitment campaigns (招募), applications and
//! their vetting (审核). Types and rules; no IO.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::web::error::{FieldError, Invalid};

crate::stored_enum! {
    /// What a campaign asks people for.
    pub enum Category {
        Medical,
        Psychological,
        Driver,
        General,
        Logistics,
        SocialWork,
    }
}

crate::stored_enum! {
    /// What an applicant can do (the taxonomy of the recruitment form).
    pub enum Skill {
        Medical,
        Nursing,
        Psychological,
        SocialWork,
        DriverC1,
        DriverB,
        DriverA,
        PpeTrained,
        Logistics,
        It,
        Dialect,
        SignLanguage,
        English,
    }
}

crate::stored_enum! {
    /// When an applicant can serve.
    pub enum Window {
        Weekday,
        Weekend,
        Daytime,
        Evening,
        Night,
        FullTime,
    }
}

crate::stored_enum! {
    /// The paper an applicant is identified by.
    pub enum DocumentType {
        ResidentId,
        Passport,
        HkMacauPermit,
        TaiwanPermit,
        ForeignerPermit,
    }
}

crate::stored_enum! {
    /// Where an application stands: waiting for review, asked for more,
    /// accepted (a volunteer now), declined.
    pub enum ApplicationStatus {
        Waiting,
        MoreInfo,
        Accepted,
        Declined,
    }
}

crate::stored_enum! {
    /// A reviewer's decision.
    pub enum VettingDecision {
        Accept,
        Decline,
        AskMore,
    }
}

impl VettingDecision {
    pub fn status(self) -> ApplicationStatus {
        match self {
            VettingDecision::Accept => ApplicationStatus::Accepted,
            VettingDecision::Decline => ApplicationStatus::Declined,
            VettingDecision::AskMore => ApplicationStatus::MoreInfo,
        }
    }

    pub fn action(self) -> &'static str {
        match self {
            VettingDecision::Accept => "application.accept",
            VettingDecision::Decline => "application.decline",
            VettingDecision::AskMore => "application.ask_more",
        }
    }
}

crate::stored_enum! {
    /// What a campaign does with an applicant under 18.
    pub enum Minors {
        Refuse,
        WithGuardian,
    }
}

/// Whether `status` may be decided on (again): waiting, or asked for more.
pub fn decidable(status: ApplicationStatus) -> bool {
    matches!(
        status,
        ApplicationStatus::Waiting | ApplicationStatus::MoreInfo
    )
}

/// A resident ID number (居民身份证号码, GB 11643-1999) read: 18 chars,
/// the first 17 digits, a real birth date at 7–14, the check char
/// (0–9 or X) by ISO 7064 MOD 11-2. Full-width digits and a lower-case x
/// are read as written on a phone; spaces are dropped.
pub fn resident_id(text: &str) -> Result<(String, Date), &'static str> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let id: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            'x' | 'ｘ' | 'Ｘ' => 'X',
            _ => c,
        })
        .collect();
    let bytes = id.as_bytes();
    if bytes.len() != 18
        || !bytes[..17].iter().all(u8::is_ascii_digit)
        || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
    {
        return Err("err-id-format");
    }
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    if CHECK[(sum % 11) as usize] != bytes[17] {
        return Err("err-id-check");
    }
    let digits = |r: std::ops::Range<usize>| id[r].parse::<i32>().ok();
    let birth = match (digits(6..10), digits(10..12), digits(12..14)) {
        (Some(y), Some(m), Some(d)) => time::Month::try_from(m as u8)
            .ok()
            .and_then(|m| Date::from_calendar_date(y, m, d as u8).ok()),
        _ => None,
    };
    match birth {
        Some(b) if b.year() >= 1900 => Ok((id, b)),
        _ => Err("err-id-birth"),
    }
}

/// Whole years from `birth` to `on`.
pub fn age(birth: Date, on: Date) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    years
}

/// A sign-up as sent from the public form or the API.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewApplication {
    pub name: String,
    pub phone: String,
    /// resident_id (the default), passport, hk_macau_permit,
    /// taiwan_permit, foreigner_permit.
    #[serde(default)]
    pub document_type: String,
    pub document_number: String,
    /// Only for other documents than the resident ID (which carries it):
    /// YYYY-MM-DD.
    #[serde(default)]
    pub birth_date: String,
    /// An applicant under 18, where the campaign takes them: "true" when a
    /// guardian consents.
    #[serde(default)]
    pub guardian_consent: String,
    /// Where the applicant lives: the home division is read from it.
    pub address: String,
    /// One of the campaign's categories.
    pub category: String,
    #[serde(default, deserialize_with = "crate::needs::model::tags")]
    #[schema(value_type = Vec<Skill>)]
    pub skills: Vec<String>,
    #[serde(default, deserialize_with = "crate::needs::model::tags")]
    #[schema(value_type = Vec<Window>)]
    pub availability: Vec<String>,
    /// Why they want to help (the motivation survey), at most 1,000 chars.
    #[serde(default)]
    pub motivation: String,
    /// Referred by (a volunteer or an organisation, as written).
    #[serde(default)]
    pub referral: String,
    /// Made by the client once per sign-up: a retry finds the first.
    pub idempotency_key: String,
}

/// A sign-up checked: what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedApplication {
    pub name: String,
    pub phone: String,
    pub document_type: DocumentType,
    /// As stored (upper case, no spaces): the duplicate check's key.
    pub document_number: String,
    pub birth_date: Date,
    pub guardian_consent: bool,
    pub address: String,
    pub category: Category,
    pub skills: String,
    pub availability: String,
    pub motivation: String,
    pub referral: String,
    pub idempotency_key: String,
}

/// Tags as stored: `,a,b,` sorted, or "".
fn stored(mut words: Vec<&'static str>) -> String {
    words.sort_unstable();
    words.dedup();
    if words.is_empty() {
        String::new()
    } else {
        format!(",{},", words.join(","))
    }
}

/// Tags read back from their stored form.
pub fn tags(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

impl NewApplication {
    /// Check a sign-up for a campaign taking `categories`, on `today`;
    /// every wrong field named.
    pub fn check(
        &self,
        categories: &[Category],
        minors: Minors,
        today: Date,
    ) -> Result<CheckedApplication, Invalid> {
        let mut errors = Invalid::default();
        errors.text("name", &self.name, 40);
        let phone = crate::phone::normalize(&self.phone);
        if phone.is_none() {
            errors.push(FieldError::new("phone", "err-phone"));
        }
        let document_type = match self.document_type.trim() {
            "" => Some(DocumentType::ResidentId),
            t => DocumentType::parse(t),
        };
        let mut birth = None;
        let mut number = String::new();
        match document_type {
            None => errors.push(FieldError::new("document_type", "err-document-type")),
            Some(DocumentType::ResidentId) => match resident_id(&self.document_number) {
                Ok((id, b)) => {
                    number = id;
                    birth = Some(b);
                }
                Err(key) => errors.push(FieldError::new("document_number", key)),
            },
            Some(_) => {
                number = self
                    .document_number
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .flat_map(char::to_uppercase)
                    .collect();
                if !(5..=20).contains(&number.len())
                    || !number.bytes().all(|b| b.is_ascii_alphanumeric())
                {
                    errors.push(FieldError::new("document_number", "err-document-number"));
                }
                match Date::parse(
                    self.birth_date.trim(),
                    time::macros::format_description!("[year]-[month]-[day]"),
                ) {
                    Ok(b) if b.year() >= 1900 && b <= today => birth = Some(b),
                    _ => errors.push(FieldError::new("birth_date", "err-birth-date")),
                }
            }
        }
        let consent = matches!(self.guardian_consent.trim(), "true" | "on" | "1" | "yes");
        if let Some(b) = birth {
            let years = age(b, today);
            if years > 100 || b > today {
                errors.push(FieldError::new("document_number", "err-id-birth"));
            } else if years < 18 {
                match minors {
                    Minors::Refuse => errors.push(FieldError::new("document_number", "err-minor")),
                    Minors::WithGuardian if !consent => {
                        errors.push(FieldError::new("guardian_consent", "err-guardian"))
                    }
                    Minors::WithGuardian => {}
                }
            }
        }
        errors.text("address", &self.address, 200);
        let category = Category::parse(self.category.trim()).filter(|c| categories.contains(c));
        if category.is_none() {
            errors.push(FieldError::new("category", "err-category"));
        }
        let skills: Vec<&'static str> = self
            .skills
            .iter()
            .filter_map(|s| Skill::parse(s.trim()).map(Skill::as_str))
            .collect();
        if skills.len() != self.skills.iter().filter(|s| !s.trim().is_empty()).count() {
            errors.push(FieldError::new("skills", "err-skill"));
        }
        let windows: Vec<&'static str> = self
            .availability
            .iter()
            .filter_map(|s| Window::parse(s.trim()).map(Window::as_str))
            .collect();
        if windows.is_empty()
            || windows.len()
                != self
                    .availability
                    .iter()
                    .filter(|s| !s.trim().is_empty())
                    .count()
        {
            errors.push(FieldError::new("availability", "err-availability"));
        }
        errors.optional("motivation", &self.motivation, 1000);
        errors.optional("referral", &self.referral, 100);
        let key = self.idempotency_key.trim();
        if !(8..=64).contains(&key.len())
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            errors.push(FieldError::new("idempotency_key", "err-idempotency-key"));
        }
        match (errors.is_empty(), phone, document_type, birth, category) {
            (true, Some(phone), Some(document_type), Some(birth_date), Some(category)) => {
                Ok(CheckedApplication {
                    name: self.name.trim().to_owned(),
                    phone,
                    document_type,
                    document_number: number,
                    birth_date,
                    guardian_consent: consent,
                    address: self.address.trim().to_owned(),
                    category,
                    skills: stored(skills),
                    availability: stored(windows),
                    motivation: self.motivation.trim().to_owned(),
                    referral: self.referral.trim().to_owned(),
                    idempotency_key: key.to_owned(),
                })
            }
            _ => Err(errors),
        }
    }
}

/// A document number as shown before it is revealed: its first 3 and last
/// 2 characters (the birth date hidden).
pub fn mask_document(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 5 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..3].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 5));
    out.extend(&chars[chars.len() - 2..]);
    out
}

/// A calendar day as people and the document write it (2021-12-23):
/// `time`'s own serde form is a [year, day of year] pair.
fn day<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

/// A recruitment campaign as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Campaign {
    pub id: i64,
    /// The public reference (its page and QR code).
    pub reference: String,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub description: String,
    /// The jurisdiction it recruits for.
    pub division_code: String,
    pub division_name: String,
    #[serde(serialize_with = "day")]
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    #[serde(serialize_with = "day")]
    #[schema(value_type = String, format = Date)]
    pub ends_on: Date,
    #[schema(value_type = Minors)]
    pub minors: String,
    /// What it asks for, how many, how many accepted so far.
    pub slots: Vec<Slot>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl Campaign {
    /// Taking sign-ups on `today`.
    pub fn is_open(&self, today: Date) -> bool {
        self.starts_on <= today && today <= self.ends_on
    }

    pub fn categories(&self) -> Vec<Category> {
        self.slots
            .iter()
            .filter_map(|s| Category::parse(&s.category))
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Slot {
    #[schema(value_type = Category)]
    pub category: String,
    pub wanted: i64,
    pub accepted: i64,
}

impl Slot {
    /// How many are still wanted.
    pub fn open(&self) -> i64 {
        (self.wanted - self.accepted).max(0)
    }
}

/// A new campaign as sent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewCampaign {
    pub org_id: i64,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub division_code: String,
    /// YYYY-MM-DD.
    pub starts_on: String,
    pub ends_on: String,
    /// refuse (the default) or with_guardian.
    #[serde(default)]
    pub minors: String,
    /// Category → how many wanted (1–100,000 each).
    pub slots: Vec<NewSlot>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewSlot {
    #[schema(value_type = Category)]
    pub category: String,
    pub wanted: i64,
}

/// A campaign checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCampaign {
    pub title: String,
    pub description: String,
    pub division_code: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub minors: Minors,
    pub slots: Vec<(Category, i64)>,
}

impl NewCampaign {
    pub fn check(&self) -> Result<CheckedCampaign, Invalid> {
        let mut errors = Invalid::default();
        errors.text("title", &self.title, 80);
        errors.optional("description", &self.description, 2000);
        let code = self.division_code.trim();
        if divisions::Tree::china().find(code).is_none() {
            errors.push(FieldError::new("division_code", "err-division"));
        }
        let date = |field: &'static str, s: &str, errors: &mut Invalid| {
            let d = Date::parse(
                s.trim(),
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .ok();
            if d.is_none() {
                errors.push(FieldError::new(field, "err-date"));
            }
            d
        };
        let starts = date("starts_on", &self.starts_on, &mut errors);
        let ends = date("ends_on", &self.ends_on, &mut errors);
        if let (Some(s), Some(e)) = (starts, ends)
            && e < s
        {
            errors.push(FieldError::new("ends_on", "err-ends-before"));
        }
        let minors = match self.minors.trim() {
            "" => Some(Minors::Refuse),
            m => Minors::parse(m),
        };
        if minors.is_none() {
            errors.push(FieldError::new("minors", "err-minors"));
        }
        let mut slots = Vec::new();
        for s in &self.slots {
            match Category::parse(s.category.trim()) {
                Some(c)
                    if (1..=100_000).contains(&s.wanted) && !slots.iter().any(|(x, _)| *x == c) =>
                {
                    slots.push((c, s.wanted))
                }
                _ => {
                    errors.push(FieldError::new("slots", "err-slots"));
                    break;
                }
            }
        }
        if slots.is_empty() && errors.first("slots").is_none() {
            errors.push(FieldError::new("slots", "err-slots"));
        }
        match (errors.is_empty(), starts, ends, minors) {
            (true, Some(starts_on), Some(ends_on), Some(minors)) => Ok(CheckedCampaign {
                title: self.title.trim().to_owned(),
                description: self.description.trim().to_owned(),
                division_code: code.to_owned(),
                starts_on,
                ends_on,
                minors,
                slots,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The check char of 17 digits, computed the long way.
    fn check_char(first17: &str) -> char {
        let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let s: u32 = first17
            .chars()
            .zip(w)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(s % 11) as usize]
    }

    #[test]
    fn resident_ids_are_checked_by_their_last_char_and_birth_date() {
        // The standard's own example.
        let (id, birth) = resident_id("11010519491231002X").unwrap();
        assert_eq!(id, "11010519491231002X");
        assert_eq!(birth, time::macros::date!(1949 - 12 - 31));
        assert_eq!(resident_id("11010519491231002x").unwrap().0, id);
        assert_eq!(
            resident_id("１１０１０５１９４９１２３１００２Ｘ")
                .unwrap()
                .0,
            id
        );
        assert_eq!(resident_id("110105 19491231 002X").unwrap().0, id);
        assert_eq!(resident_id("110105194912310021"), Err("err-id-check"));
        assert_eq!(resident_id("11010519491231002"), Err("err-id-format"));
        // A check char that fits, a date that does not exist.
        let bad_date = format!("61011320210230123{}", check_char("61011320210230123"));
        assert_eq!(resident_id(&bad_date), Err("err-id-birth"));
    }

    proptest! {
        #[test]
        fn any_valid_id_reads_and_any_one_char_change_is_caught(
            region in 110000u32..660000, y in 1930i32..2020, m in 1u8..=12, d in 1u8..=28,
            seq in 0u32..1000, pos in 0usize..17, delta in 1u32..10,
        ) {
            let first = format!("{region:06}{y:04}{m:02}{d:02}{seq:03}");
            let id = format!("{first}{}", check_char(&first));
            let (read, birth) = resident_id(&id).unwrap();
            prop_assert_eq!(&read, &id);
            prop_assert_eq!(birth, Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap());
            // One digit changed: MOD 11-2 catches every single substitution.
            let mut bytes = id.into_bytes();
            bytes[pos] = b'0' + ((u32::from(bytes[pos] - b'0') + delta) % 10) as u8;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(resident_id(&changed).is_err());
        }
    }

    fn application(id: &str) -> NewApplication {
        NewApplication {
            name: "王小明".into(),
            phone: "139 1234 5678".into(),
            document_number: id.into(),
            address: "西安市雁塔区小寨路街道兴善社区".into(),
            category: "general".into(),
            skills: vec!["ppe_trained".into(), "driver_c1".into()],
            availability: vec!["evening".into()],
            motivation: "想为社区出一份力".into(),
            idempotency_key: "signup-key-0001".into(),
            ..Default::default()
        }
    }

    #[test]
    fn minors_are_refused_or_need_a_guardian_as_the_campaign_says() {
        let today = time::macros::date!(2021 - 12 - 20);
        let first = "61011320050101123";
        let minor = format!("{first}{}", check_char(first));
        let cats = [Category::General];
        let e = application(&minor)
            .check(&cats, Minors::Refuse, today)
            .unwrap_err();
        assert_eq!(e.key_for("document_number"), Some("err-minor"));
        let e = application(&minor)
            .check(&cats, Minors::WithGuardian, today)
            .unwrap_err();
        assert_eq!(e.key_for("guardian_consent"), Some("err-guardian"));
        let mut consented = application(&minor);
        consented.guardian_consent = "on".into();
        let ok = consented.check(&cats, Minors::WithGuardian, today).unwrap();
        assert!(ok.guardian_consent);
        assert_eq!(ok.skills, ",driver_c1,ppe_trained,");
        // A category the campaign does not ask for; no availability.
        let mut wrong = application("11010519491231002X");
        wrong.category = "medical".into();
        wrong.availability.clear();
        let e = wrong.check(&cats, Minors::Refuse, today).unwrap_err();
        assert_eq!(e.key_for("category"), Some("err-category"));
        assert_eq!(e.key_for("availability"), Some("err-availability"));
    }

    #[test]
    fn document_numbers_are_masked_but_their_ends() {
        assert_eq!(mask_document("11010519491231002X"), "110*************2X");
        assert_eq!(mask_document("E1234"), "*****");
    }
}
