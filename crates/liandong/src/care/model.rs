//! Care recipients (脆弱人群) and their guardians (临时监护): who must be
//! kept covered, why, and whether the named volunteers can reach them now.
//! No IO.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::squads::model::MovementStatus;
use crate::web::error::{FieldError, Invalid};

crate::stored_enum! {
    /// Why a person must be kept covered (Chengdu's rule, and the Xi'an
    /// one-stop service's groups).
    pub enum CareCategory {
        ElderlyAlone,
        DisabledAlone,
        LeftBehindChild,
        DeFactoOrphan,
        Dialysis,
        PregnantNearTerm,
        SevereMentalIllness,
    }
}

impl CareCategory {
    /// A category as a list writes it: its code or a Chinese name.
    pub fn read(word: &str) -> Option<CareCategory> {
        CareCategory::parse(word).or(match word {
            "独居老人" | "空巢老人" | "独居" | "孤寡老人" => {
                Some(CareCategory::ElderlyAlone)
            }
            "残疾人" | "残疾" | "无人照料残疾人" | "失能" | "失能老人" => {
                Some(CareCategory::DisabledAlone)
            }
            "留守儿童" => Some(CareCategory::LeftBehindChild),
            "事实孤儿" | "孤儿" => Some(CareCategory::DeFactoOrphan),
            "透析" | "透析患者" | "血透" => Some(CareCategory::Dialysis),
            "孕妇" | "临产孕妇" | "待产" | "孕产妇" => {
                Some(CareCategory::PregnantNearTerm)
            }
            "严重精神障碍" | "严重精神障碍患者" | "精神障碍" => {
                Some(CareCategory::SevereMentalIllness)
            }
            _ => None,
        })
    }

    /// What a need raised for this person says of who it is for (the
    /// needs board's vulnerable tags); none for a category it has no tag
    /// for.
    pub fn vulnerable(self) -> Option<crate::needs::model::Vulnerable> {
        use crate::needs::model::Vulnerable;
        match self {
            CareCategory::ElderlyAlone => Some(Vulnerable::ElderlyAlone),
            CareCategory::DisabledAlone => Some(Vulnerable::Disabled),
            CareCategory::Dialysis => Some(Vulnerable::Dialysis),
            CareCategory::PregnantNearTerm => Some(Vulnerable::Pregnant),
            CareCategory::LeftBehindChild | CareCategory::DeFactoOrphan => Some(Vulnerable::Child),
            CareCategory::SevereMentalIllness => None,
        }
    }

    /// Skills that fit the care this person needs, best first (a proposal
    /// ranks volunteers holding them higher).
    pub fn skills(self) -> &'static [&'static str] {
        match self {
            CareCategory::Dialysis => &["driver_c1", "medical", "nursing"],
            CareCategory::PregnantNearTerm => &["medical", "nursing", "driver_c1"],
            CareCategory::SevereMentalIllness => &["psychological", "social_work"],
            CareCategory::DisabledAlone => &["nursing", "sign_language", "social_work"],
            CareCategory::ElderlyAlone => &["social_work", "nursing", "dialect"],
            CareCategory::LeftBehindChild | CareCategory::DeFactoOrphan => {
                &["social_work", "psychological"]
            }
        }
    }
}

crate::stored_enum! {
    /// What a care recipient needs routinely.
    pub enum Routine {
        Medicine,
        Meals,
        DialysisTransport,
        Groceries,
        Nursing,
        Company,
    }
}

impl Routine {
    pub fn read(word: &str) -> Option<Routine> {
        Routine::parse(word).or(match word {
            "药品" | "买药" | "代购药品" | "用药" | "慢性病药" => {
                Some(Routine::Medicine)
            }
            "送餐" | "餐食" | "助餐" | "吃饭" => Some(Routine::Meals),
            "透析接送" | "透析转运" | "就医接送" => Some(Routine::DialysisTransport),
            "生活物资" | "代购" | "买菜" | "代购生活物资" => Some(Routine::Groceries),
            "护理" | "照料" | "生活照料" => Some(Routine::Nursing),
            "陪伴" | "探视" | "心理陪伴" | "看护" => Some(Routine::Company),
            _ => None,
        })
    }
}

crate::stored_enum! {
    pub enum CheckinKind {
        Call,
        Visit,
    }
}

crate::stored_enum! {
    pub enum CheckinOutcome {
        Well,
        NeedsHelp,
        NoAnswer,
    }
}

crate::stored_enum! {
    /// Why a named guardian cannot reach the person now.
    pub enum Unreachable {
        /// Nobody is named.
        Unnamed,
        /// Positive, or their squad is stood down (the exposure trace).
        StoodDown,
        /// Sealed in a zone that does not hold the person.
        SealedElsewhere,
        /// The person is sealed in and the guardian, outside, holds no pass.
        SealedOut,
        /// Served outside and cannot come back.
        Stranded,
        LeftRoster,
    }
}

crate::stored_enum! {
    /// What a community lacks for a person.
    pub enum Gap {
        /// Nobody who can reach them is named guardian: the serious gap.
        NoGuardian,
        /// The guardian can, but nobody stands behind them.
        NoBackup,
    }
}

/// Check-in intervals an office may set (hours): twice a day to weekly;
/// daily by default.
pub const CHECKIN_HOURS: [i64; 5] = [12, 24, 48, 72, 168];
pub const CHECKIN_DEFAULT: i64 = 24;

/// The most people one volunteer guards (as guardian): a daily call each
/// is work; proposals skip those at the limit.
pub const GUARDING_MAX: i64 = 8;

/// What a guardian's reach depends on.
#[derive(Debug, Clone, Default)]
pub struct GuardianState {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub home_division: String,
    /// The seals (by index in the list read) that hold their home.
    pub sealed: Vec<usize>,
    pub movement: Option<MovementStatus>,
    pub stood_down: bool,
    pub left: bool,
    pub skills: String,
}

/// Whether a guardian can reach a person held in the seals `held` (none
/// when their place is open): the reason they cannot, else `Ok`.
///
/// The same seals around both leave them together (a neighbour inside the
/// same sealed compound is the best guardian); a pass goes through seals.
pub fn reach(g: &GuardianState, held: &[usize]) -> Result<(), Unreachable> {
    if g.left {
        return Err(Unreachable::LeftRoster);
    }
    if g.stood_down {
        return Err(Unreachable::StoodDown);
    }
    let pass = g.movement == Some(MovementStatus::Pass);
    if g.movement == Some(MovementStatus::Stranded) {
        return Err(Unreachable::Stranded);
    }
    if pass {
        return Ok(());
    }
    // Kept in by a seal that does not hold the person (a sealed community
    // inside a sealed street is a tighter wall than the street's).
    if g.sealed.iter().any(|s| !held.contains(s)) {
        return Err(Unreachable::SealedElsewhere);
    }
    // Kept out by a seal around the person that does not hold them.
    if held.iter().any(|s| !g.sealed.contains(s)) {
        return Err(Unreachable::SealedOut);
    }
    Ok(())
}

/// The street (街道) a community belongs to: guardians are found there.
pub fn street_of(division: &str) -> &str {
    division.get(..9).unwrap_or(division)
}

/// Whether a volunteer living in `home` is near enough to be named for a
/// person of community `division`: in the same street (a guardian who
/// cannot reach them is no guardian).
pub fn near(home: &str, division: &str) -> bool {
    home.len() >= 9 && division.len() >= 9 && street_of(home) == street_of(division)
}

/// What a person lacks, given whether each named volunteer can reach them.
pub fn gap(guardian: Result<(), Unreachable>, backup: Result<(), Unreachable>) -> Option<Gap> {
    match (guardian, backup) {
        (Ok(()), Ok(())) => None,
        (Ok(()), Err(_)) => Some(Gap::NoBackup),
        (Err(_), _) => Some(Gap::NoGuardian),
    }
}

/// What happens when the guardian can no longer reach the person: the
/// backup, if they can, takes the guardian's place (and the backup's place
/// falls empty, to be filled by a person's choice).
pub fn promotes(guardian: Result<(), Unreachable>, backup: Result<(), Unreachable>) -> bool {
    matches!(guardian, Err(u) if u != Unreachable::Unnamed) && backup.is_ok()
}

/// How well a volunteer fits a person: skills fitting their categories
/// (each counted once), more is better.
pub fn fit(skills: &str, categories: &[CareCategory]) -> usize {
    let wanted: BTreeSet<&str> = categories
        .iter()
        .flat_map(|c| c.skills().iter().copied())
        .collect();
    wanted
        .iter()
        .filter(|s| skills.contains(&format!(",{s},")))
        .count()
}

/// A care recipient as an office enters them (a form, the API, a row of
/// a plan list).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewRecipient {
    pub name: String,
    /// Their own phone, or a relative's ("" when none).
    #[serde(default)]
    pub phone: String,
    /// Where they live; read for the community unless `division_code` is
    /// given.
    pub address: String,
    /// The community (division code) when the address does not name it.
    #[serde(default)]
    pub division_code: String,
    #[serde(default)]
    pub compound: String,
    /// Codes or Chinese names (独居老人、透析).
    #[serde(default, deserialize_with = "crate::needs::model::tags")]
    pub categories: Vec<String>,
    #[serde(default, deserialize_with = "crate::needs::model::tags")]
    pub routine: Vec<String>,
    #[serde(default)]
    pub notes: String,
    /// Hours between check-ins (12, 24, 48, 72, 168); daily when absent.
    #[serde(default)]
    pub checkin_hours: Option<i64>,
}

/// A new recipient's fields, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedRecipient {
    pub name: String,
    pub phone: String,
    pub address: String,
    pub compound: String,
    pub categories: Vec<CareCategory>,
    pub routine: Vec<Routine>,
    pub notes: String,
    pub checkin_hours: i64,
}

impl NewRecipient {
    /// Every wrong field named.
    pub fn check(&self) -> Result<CheckedRecipient, Invalid> {
        let mut errors = Invalid::default();
        errors.text("name", &self.name, 40);
        errors.text("address", &self.address, 200);
        errors.optional("compound", &self.compound, 60);
        errors.optional("notes", &self.notes, 500);
        let phone = if self.phone.trim().is_empty() {
            String::new()
        } else {
            match crate::phone::normalize(&self.phone) {
                Some(p) => p,
                None => {
                    errors.push(FieldError::new("phone", "err-phone"));
                    String::new()
                }
            }
        };
        let categories: Option<Vec<CareCategory>> = self
            .categories
            .iter()
            .map(|c| CareCategory::read(c.trim()))
            .collect();
        let categories = match categories {
            Some(c) if !c.is_empty() => sorted(c),
            _ => {
                errors.push(FieldError::new("categories", "err-care-category"));
                Vec::new()
            }
        };
        let routine = match self
            .routine
            .iter()
            .map(|r| Routine::read(r.trim()))
            .collect::<Option<Vec<_>>>()
        {
            Some(r) => sorted(r),
            None => {
                errors.push(FieldError::new("routine", "err-care-routine"));
                Vec::new()
            }
        };
        let checkin_hours = self.checkin_hours.unwrap_or(CHECKIN_DEFAULT);
        if !CHECKIN_HOURS.contains(&checkin_hours) {
            errors.push(FieldError::new("checkin_hours", "err-care-checkin-hours"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CheckedRecipient {
            name: self.name.trim().to_owned(),
            phone,
            address: self.address.trim().to_owned(),
            compound: self.compound.trim().to_owned(),
            categories,
            routine,
            notes: self.notes.trim().to_owned(),
            checkin_hours,
        })
    }
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Tags as stored: `,a,b,` (so a filter is a LIKE on `,a,`), "" for none.
pub fn stored<T: Copy + Into<&'static str>>(tags: &[T]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        let words: Vec<&str> = tags.iter().map(|t| (*t).into()).collect();
        format!(",{},", words.join(","))
    }
}

/// One community's coverage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CommunityCoverage {
    pub division_code: String,
    pub division_name: String,
    pub recipients: i64,
    /// Both guardian and backup can reach them.
    pub covered: i64,
    pub no_guardian: i64,
    pub no_backup: i64,
    /// Check-ins overdue now.
    pub missed: i64,
}

impl CommunityCoverage {
    /// Whole percent covered (100 for a community with nobody to cover).
    pub fn percent(&self) -> i64 {
        if self.recipients == 0 {
            100
        } else {
            self.covered * 100 / self.recipients
        }
    }

    pub fn add(&mut self, gap: Option<Gap>, missed: bool) {
        self.recipients += 1;
        match gap {
            None => self.covered += 1,
            Some(Gap::NoGuardian) => self.no_guardian += 1,
            Some(Gap::NoBackup) => self.no_backup += 1,
        }
        if missed {
            self.missed += 1;
        }
    }

    pub fn merge(&mut self, o: &CommunityCoverage) {
        self.recipients += o.recipients;
        self.covered += o.covered;
        self.no_guardian += o.no_guardian;
        self.no_backup += o.no_backup;
        self.missed += o.missed;
    }
}

/// A plan list's fields (as `import-column-care_{field}` names them), the
/// headers that name each, and whether a list must have it.
pub const PLAN_COLUMNS: [(&str, &[&str], bool); 10] = [
    ("name", &["姓名", "名字", "对象姓名", "name"], true),
    (
        "phone",
        &["电话", "联系电话", "手机", "手机号", "联系方式", "phone"],
        false,
    ),
    (
        "address",
        &["住址", "地址", "现住址", "居住地址", "家庭住址", "address"],
        true,
    ),
    ("compound", &["小区", "所在小区", "compound"], false),
    (
        "categories",
        &[
            "类别",
            "人群类别",
            "对象类别",
            "重点人群",
            "categories",
            "category",
        ],
        true,
    ),
    (
        "routine",
        &["日常需要", "日常需求", "需求", "routine"],
        false,
    ),
    (
        "checkin",
        &["联系频次", "探访频次", "联络频次", "checkin"],
        false,
    ),
    (
        "guardian_phone",
        &[
            "监护志愿者电话",
            "志愿者电话",
            "对应志愿者电话",
            "guardian_phone",
        ],
        false,
    ),
    (
        "backup_phone",
        &["备用志愿者电话", "后备志愿者电话", "backup_phone"],
        false,
    ),
    ("notes", &["备注", "情况说明", "notes"], false),
];

/// The most rows one plan list may hold (a street's people, not a city's).
pub const PLAN_MAX_ROWS: usize = 5000;

/// A check-in interval as a list writes it: hours, or words (每天, 每周).
pub fn checkin_hours(word: &str) -> Option<i64> {
    let w = word.trim();
    if w.is_empty() {
        return Some(CHECKIN_DEFAULT);
    }
    if let Ok(h) = w
        .trim_end_matches(['h', 'H'])
        .trim_end_matches("小时")
        .parse::<i64>()
    {
        return CHECKIN_HOURS.contains(&h).then_some(h);
    }
    match w {
        "每天两次" | "每日两次" | "每12小时" | "twice daily" => Some(12),
        "每天" | "每日" | "每天一次" | "每日一次" | "daily" => Some(24),
        "每两天" | "隔天" | "隔日" | "每2天" => Some(48),
        "每三天" | "每3天" => Some(72),
        "每周" | "每周一次" | "每星期" | "weekly" => Some(168),
        _ => None,
    }
}

/// A row of a plan list: the recipient, and the volunteers named by phone.
#[derive(Debug, Clone, Default)]
pub struct PlanRow {
    pub line: usize,
    pub recipient: NewRecipient,
    /// The interval as written ("" is daily), read by `checkin_hours`.
    pub checkin: String,
    pub guardian_phone: String,
    pub backup_phone: String,
}

/// The rows of a plan list (blank rows skipped, lines as the file numbers
/// them), or the required fields whose columns it lacks.
pub fn plan_rows(
    headers: &[String],
    rows: &[(usize, Vec<String>)],
) -> Result<Vec<PlanRow>, Vec<&'static str>> {
    let columns: Vec<Option<usize>> = PLAN_COLUMNS
        .iter()
        .map(|(_, names, _)| crate::needs::import::column(headers, names))
        .collect();
    let missing: Vec<&'static str> = PLAN_COLUMNS
        .iter()
        .zip(&columns)
        .filter(|((_, _, required), col)| *required && col.is_none())
        .map(|((field, _, _), _)| *field)
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    Ok(rows
        .iter()
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(line, r)| {
            let get = |k: usize| {
                columns[k]
                    .and_then(|c| r.get(c))
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_default()
            };
            PlanRow {
                line: *line,
                recipient: NewRecipient {
                    name: get(0),
                    phone: get(1),
                    address: get(2),
                    division_code: String::new(),
                    compound: get(3),
                    categories: crate::needs::model::split_tags(&get(4)),
                    routine: crate::needs::model::split_tags(&get(5)),
                    notes: get(9),
                    checkin_hours: None,
                },
                checkin: get(6),
                guardian_phone: get(7),
                backup_phone: get(8),
            }
        })
        .collect())
}

/// A plan row's key: its checked content, so the same row uploaded again
/// is found (however its phone was spaced) and a changed one is new.
pub fn plan_key(community: &str, c: &CheckedRecipient) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [
        community,
        c.name.as_str(),
        c.phone.as_str(),
        c.address.as_str(),
        &stored(&c.categories),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    format!("plan-{}", crate::hex(&h.finalize()[..16]))
}

crate::stored_enum! {
    /// What a case (个案) is about.
    pub enum CaseCategory {
        ChildAtRisk,
        ElderAtRisk,
        Childbirth,
        DomesticViolence,
        MentalHealthCrisis,
        Other,
    }
}

crate::stored_enum! {
    /// How urgent; crisis goes to the on-call care team member at once.
    pub enum Risk {
        Low,
        Medium,
        High,
        Crisis,
    }
}

crate::stored_enum! {
    /// Where a case was found.
    pub enum CaseSource {
        Need,
        Checkin,
        Call,
        Report,
    }
}

crate::stored_enum! {
    /// How a case ended.
    pub enum CaseOutcome {
        Resolved,
        LinkedToServices,
        MovedAway,
        NoLongerReachable,
        Died,
        Other,
    }
}

crate::stored_enum! {
    pub enum Profession {
        Doctor,
        Psychiatrist,
        Psychologist,
        SocialWorker,
        Nurse,
        Lawyer,
    }
}

/// Hours a referral may wait unanswered before the office hears of it.
pub const REFERRAL_HOURS: i64 = 24;

crate::stored_enum! {
    /// Who a care team is offered first for, beyond its area: the people
    /// of one zone (a sealed compound), or those in home isolation.
    pub enum Cohort {
        Zone,
        HomeIsolation,
    }
}

crate::stored_enum! {
    /// Where a crisis offered to a care team member stands.
    pub enum CrisisStatus {
        Pending,
        Accepted,
        Declined,
        /// Unanswered past `CRISIS_ANSWER_MINUTES`: passed to the next.
        Lapsed,
        /// The case closed while it waited.
        Withdrawn,
    }
}

/// Minutes a crisis waits for the member it was offered to before it
/// passes to the next member on call (a crisis does not wait an hour).
pub const CRISIS_ANSWER_MINUTES: i64 = 15;

/// Who reads a case, and how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseSight {
    /// The holding organisation's caseworkers (and, but for domestic
    /// violence, its admins): everything, the address by an audited reveal.
    Holder,
    /// The office of the area (coordinators, admins elsewhere): the case
    /// without phone or address; never a domestic-violence case.
    Office,
    None,
}

/// How much `role` of organisation `org` sees of a case held by `holder`.
/// Domestic violence is seen only by the holder's caseworkers (never by
/// other roles, nor by the community board).
pub fn sight(
    role: crate::access::model::Role,
    org: i64,
    holder: i64,
    category: CaseCategory,
) -> CaseSight {
    use crate::access::model::Role;
    let dv = category == CaseCategory::DomesticViolence;
    match role {
        Role::Caseworker if org == holder => CaseSight::Holder,
        _ if dv => CaseSight::None,
        Role::Admin | Role::Coordinator if org == holder => CaseSight::Holder,
        Role::Admin | Role::Coordinator => CaseSight::Office,
        _ => CaseSight::None,
    }
}

/// A case as it is opened.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewCase {
    #[schema(value_type = CaseCategory)]
    pub category: String,
    #[schema(value_type = Risk)]
    pub risk: String,
    #[schema(value_type = CaseSource)]
    pub source: String,
    /// The need or care recipient it was found through (by source).
    #[serde(default)]
    pub need_id: Option<i64>,
    #[serde(default)]
    pub recipient_id: Option<i64>,
    /// The community the person is in (from the need or the person's
    /// record when left out).
    #[serde(default)]
    pub division_code: String,
    /// The person (from the need or the record when left out or blank).
    #[serde(default)]
    pub person_name: String,
    #[serde(default)]
    pub person_phone: String,
    #[serde(default)]
    pub person_address: String,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckedCase {
    pub category: CaseCategory,
    pub risk: Risk,
    pub source: CaseSource,
    pub person_name: String,
    pub person_phone: String,
    pub person_address: String,
    pub summary: String,
}

impl NewCase {
    pub fn check(&self) -> Result<CheckedCase, Invalid> {
        let mut errors = Invalid::default();
        let category = CaseCategory::parse(self.category.trim());
        if category.is_none() {
            errors.push(FieldError::new("category", "err-case-category"));
        }
        let risk = Risk::parse(self.risk.trim());
        if risk.is_none() {
            errors.push(FieldError::new("risk", "err-case-risk"));
        }
        let source = CaseSource::parse(self.source.trim());
        if source.is_none() {
            errors.push(FieldError::new("source", "err-case-source"));
        }
        errors.text("person_name", &self.person_name, 40);
        errors.optional("person_address", &self.person_address, 200);
        errors.text("summary", &self.summary, 2000);
        let phone = if self.person_phone.trim().is_empty() {
            String::new()
        } else {
            crate::phone::normalize(&self.person_phone).unwrap_or_else(|| {
                errors.push(FieldError::new("person_phone", "err-phone"));
                String::new()
            })
        };
        match (category, risk, source) {
            (Some(category), Some(risk), Some(source)) if errors.is_empty() => Ok(CheckedCase {
                category,
                risk,
                source,
                person_name: self.person_name.trim().to_owned(),
                person_phone: phone,
                person_address: self.person_address.trim().to_owned(),
                summary: self.summary.trim().to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::squads::model::Seal;

    fn seals_holding(division: &str, text: &str, seals: &[Seal]) -> Vec<usize> {
        crate::squads::model::SealIndex::new(seals.to_vec()).holding(division, text)
    }

    fn seal(code: &str, compound: &str) -> Seal {
        Seal {
            division_code: code.into(),
            compound: compound.into(),
        }
    }

    fn guardian(home: &str, seals: &[Seal]) -> GuardianState {
        GuardianState {
            id: 1,
            home_division: home.into(),
            sealed: seals_holding(home, "", seals),
            movement: Some(MovementStatus::Free),
            ..GuardianState::default()
        }
    }

    #[test]
    fn a_seal_keeps_apart_what_it_does_not_hold_together() {
        let home = "610113001001";
        let other = "610113001002";
        // Nothing sealed: anyone of the street reaches.
        assert_eq!(reach(&guardian(home, &[]), &[]), Ok(()));
        // The guardian's community sealed, the person's not: sealed elsewhere.
        let seals = [seal(home, "")];
        let held = seals_holding(other, "", &seals);
        assert_eq!(
            reach(&guardian(home, &seals), &held),
            Err(Unreachable::SealedElsewhere)
        );
        // Both inside one sealed street: together.
        let seals = [seal("610113001", "")];
        let held = seals_holding(other, "", &seals);
        assert_eq!(reach(&guardian(home, &seals), &held), Ok(()));
        // The person's compound sealed, the guardian outside without a pass.
        let seals = [seal(other, "紫薇花园")];
        let held = seals_holding(other, "紫薇花园", &seals);
        assert_eq!(held, [0]);
        assert_eq!(
            reach(&guardian(home, &seals), &held),
            Err(Unreachable::SealedOut)
        );
        let mut pass = guardian(home, &seals);
        pass.movement = Some(MovementStatus::Pass);
        assert_eq!(reach(&pass, &held), Ok(()));
        // Another compound of the same community is not held.
        assert!(seals_holding(other, "金泰假日花城", &seals).is_empty());
        // A street sealed, and the guardian's community inside it too: the
        // tighter wall keeps them from a person elsewhere in the street.
        let seals = [seal("610113001", ""), seal(home, "")];
        let held = seals_holding(other, "", &seals);
        assert_eq!(
            reach(&guardian(home, &seals), &held),
            Err(Unreachable::SealedElsewhere)
        );
    }

    use proptest::prelude::*;

    /// Places of one street: communities 001–004, compounds A–C or none.
    fn place() -> impl Strategy<Value = (String, String)> {
        (
            1..=4u32,
            prop_oneof![Just(""), Just("A苑"), Just("B苑"), Just("C苑")],
        )
            .prop_map(|(c, k)| (format!("610113004{c:03}"), k.to_owned()))
    }

    fn seal_of() -> impl Strategy<Value = Seal> {
        prop_oneof![
            Just(seal("610113004", "")),
            place().prop_map(|(d, k)| seal(&d, &k)),
        ]
    }

    proptest! {
        /// Another seal never brings a guardian back to a person they could
        /// not reach, and neighbours of one home are never kept apart.
        #[test]
        fn sealing_more_never_reconnects(
            g in place(), r in place(), seals in proptest::collection::vec(seal_of(), 0..4),
            more in seal_of(), pass in any::<bool>(),
        ) {
            let state = |seals: &[Seal]| GuardianState {
                sealed: seals_holding(&g.0, &g.1, seals),
                movement: Some(if pass { MovementStatus::Pass } else { MovementStatus::Free }),
                ..GuardianState::default()
            };
            let before = reach(&state(&seals), &seals_holding(&r.0, &r.1, &seals));
            let mut all = seals.clone();
            all.push(more);
            let after = reach(&state(&all), &seals_holding(&r.0, &r.1, &all));
            if before.is_err() {
                prop_assert!(after.is_err());
            }
            if g == r || pass {
                prop_assert_eq!(after, Ok(()));
            }
        }
    }

    #[test]
    fn a_guardian_stood_down_stranded_or_gone_is_no_guardian() {
        let mut g = guardian("610113001001", &[]);
        g.movement = Some(MovementStatus::Stranded);
        assert_eq!(reach(&g, &[]), Err(Unreachable::Stranded));
        g.stood_down = true;
        assert_eq!(reach(&g, &[]), Err(Unreachable::StoodDown));
        g.left = true;
        assert_eq!(reach(&g, &[]), Err(Unreachable::LeftRoster));
    }

    #[test]
    fn gaps_and_promotion() {
        let ok = Ok(());
        let out = Err(Unreachable::SealedElsewhere);
        let none = Err(Unreachable::Unnamed);
        assert_eq!(gap(ok, ok), None);
        assert_eq!(gap(ok, none), Some(Gap::NoBackup));
        assert_eq!(gap(out, ok), Some(Gap::NoGuardian));
        assert!(promotes(out, ok));
        assert!(!promotes(out, none));
        // Nobody named is not "unavailable": there is nobody to replace.
        assert!(!promotes(none, ok));
        assert!(!promotes(ok, ok));
    }

    #[test]
    fn domestic_violence_is_the_holders_caseworkers_alone() {
        use crate::access::model::Role;
        let dv = CaseCategory::DomesticViolence;
        assert_eq!(sight(Role::Caseworker, 7, 7, dv), CaseSight::Holder);
        for role in Role::ALL.iter().filter(|r| **r != Role::Caseworker) {
            assert_eq!(sight(*role, 7, 7, dv), CaseSight::None, "{role:?}");
        }
        assert_eq!(sight(Role::Caseworker, 8, 7, dv), CaseSight::None);
        let child = CaseCategory::ChildAtRisk;
        assert_eq!(sight(Role::Caseworker, 8, 7, child), CaseSight::None);
        assert_eq!(sight(Role::Coordinator, 2, 7, child), CaseSight::Office);
        assert_eq!(sight(Role::Viewer, 7, 7, child), CaseSight::None);
        assert_eq!(sight(Role::Volunteer, 7, 7, child), CaseSight::None);
    }

    #[test]
    fn near_is_the_same_street() {
        assert!(near("610113001001", "610113001002"));
        assert!(!near("610113002001", "610113001002"));
        assert!(!near("610113", "610113001002"));
    }

    #[test]
    fn plan_lists_are_read_by_their_headers() {
        let t = |r: &[&str]| r.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let headers = t(&[
            "序号",
            "姓名*",
            "联系电话",
            "住址",
            "人群类别",
            "日常需要",
            "探访频次",
            "监护志愿者电话",
        ]);
        let rows = vec![
            (
                2,
                t(&[
                    "1",
                    "刘桂英",
                    "13902920001",
                    "电子城街道紫薇花园3号楼",
                    "独居老人、透析",
                    "透析接送",
                    "每天",
                    "13820000001",
                ]),
            ),
            (3, t(&["", "", "", "", "", "", "", ""])),
            (
                4,
                t(&[
                    "2",
                    "张小明",
                    "",
                    "紫薇花园5号楼",
                    "留守儿童",
                    "",
                    "每两天",
                    "",
                ]),
            ),
        ];
        let r = plan_rows(&headers, &rows).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].line, 2);
        assert_eq!(r[0].recipient.categories, ["独居老人", "透析"]);
        assert_eq!(r[0].guardian_phone, "13820000001");
        assert_eq!(r[1].line, 4);
        assert_eq!(checkin_hours(&r[1].checkin), Some(48));
        assert_eq!(checkin_hours(""), Some(24));
        assert_eq!(checkin_hours("24"), Some(24));
        assert_eq!(checkin_hours("5"), None);
        assert_eq!(checkin_hours("有空就去"), None);
        assert_eq!(
            plan_rows(&t(&["电话"]), &[]).unwrap_err(),
            ["name", "address", "categories"]
        );
        let a = r[0].recipient.check().unwrap();
        let spaced = NewRecipient {
            phone: "139 0292 0001".into(),
            ..r[0].recipient.clone()
        };
        assert_eq!(
            plan_key("610113001001", &a),
            plan_key("610113001001", &spaced.check().unwrap())
        );
        assert_ne!(plan_key("610113001001", &a), plan_key("610113001002", &a));
    }

    #[test]
    fn a_recipient_is_checked_field_by_field() {
        let n = NewRecipient {
            name: "刘桂英".into(),
            phone: "139 0292 0001".into(),
            address: "雁塔区电子城街道紫薇花园3号楼".into(),
            categories: vec!["独居老人".into(), "透析".into(), "elderly_alone".into()],
            routine: vec!["透析接送".into()],
            ..NewRecipient::default()
        };
        let c = n.check().unwrap();
        assert_eq!(
            c.categories,
            [CareCategory::ElderlyAlone, CareCategory::Dialysis]
        );
        assert_eq!(c.phone, "13902920001");
        assert_eq!(c.checkin_hours, 24);
        assert_eq!(stored(&c.categories), ",elderly_alone,dialysis,");
        let bad = NewRecipient {
            categories: vec!["富豪".into()],
            phone: "12345".into(),
            checkin_hours: Some(5),
            ..n
        };
        let e = bad.check().unwrap_err();
        for f in ["categories", "phone", "checkin_hours"] {
            assert!(e.first(f).is_some(), "{f}");
        }
        assert_eq!(
            fit(",driver_c1,nursing,", &[CareCategory::Dialysis]),
            2,
            "each skill counted once"
        );
    }
}
