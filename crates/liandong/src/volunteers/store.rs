//! SQL for campaigns, applications and volunteers.

use serde::Serialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::model::{
    ApplicationStatus, Campaign, NewApplication, NewCampaign, Slot, VettingDecision, decidable,
    mask_document, tags,
};
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::{Reveal, record};
use crate::db::{Db, Ts, Tx, inside, related};
use crate::orgs::model::division_name;
use crate::web::error::{AppError, FieldError, Invalid};
use crate::{execute, fetch_all, fetch_optional, fetch_scalar};

const DAY: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn day(d: Date) -> String {
    d.format(DAY).unwrap_or_default()
}

fn parse_day(s: &str) -> Date {
    Date::parse(s, DAY).unwrap_or(Date::MIN)
}

/// Today in Beijing (campaigns open and close by the calendar there).
pub fn today() -> Date {
    let now = crate::db::now();
    now.checked_to_offset(time::macros::offset!(+8))
        .unwrap_or(now)
        .date()
}

#[derive(sqlx::FromRow)]
struct CampaignRow {
    id: i64,
    reference: String,
    org_id: i64,
    org_name: String,
    title: String,
    description: String,
    division_code: String,
    starts_on: String,
    ends_on: String,
    minors: String,
    created_at: OffsetDateTime,
}

const CAMPAIGN_COLUMNS: &str = "c.id, c.reference, c.org_id, o.name AS org_name, c.title, c.description, c.division_code, c.starts_on, c.ends_on, c.minors, c.created_at";

/// Campaigns with their slots: the slots of all of them in one read.
async fn with_slots(tx: &mut Tx, rows: Vec<CampaignRow>) -> sqlx::Result<Vec<Campaign>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Ids from the rows just read (numbers), never input.
    let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    let slots = fetch_all!(
        &mut *tx,
        (i64, String, i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT s.campaign_id, s.category, s.wanted,
                    (SELECT COUNT(*) FROM applications a WHERE a.campaign_id = s.campaign_id
                       AND a.category = s.category AND a.status = 'accepted')
             FROM campaign_slots s WHERE s.campaign_id IN ({}) ORDER BY s.campaign_id, s.category",
            ids.join(", ")
        ))
    )?;
    Ok(rows
        .into_iter()
        .map(|r| Campaign {
            slots: slots
                .iter()
                .filter(|s| s.0 == r.id)
                .map(|(_, category, wanted, accepted)| Slot {
                    category: category.clone(),
                    wanted: *wanted,
                    accepted: *accepted,
                })
                .collect(),
            id: r.id,
            reference: r.reference,
            org_id: r.org_id,
            org_name: r.org_name,
            title: r.title,
            description: r.description,
            division_name: division_name(&r.division_code),
            division_code: r.division_code,
            starts_on: parse_day(&r.starts_on),
            ends_on: parse_day(&r.ends_on),
            minors: r.minors,
            created_at: r.created_at,
        })
        .collect())
}

/// A new campaign, by a coordinator of its whole jurisdiction, for an
/// approved organisation.
pub async fn create_campaign(
    db: &Db,
    scope: &Scope,
    n: &NewCampaign,
) -> Result<Campaign, AppError> {
    if !scope.role().coordinates() {
        return Err(AppError::Forbidden);
    }
    let c = n.check().map_err(AppError::Invalid)?;
    if !scope.covers(&c.division_code) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.write().await?;
    crate::orgs::store::approved(&mut tx, n.org_id).await?;
    let reference = crate::needs::model::new_reference();
    let id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO campaigns (reference, org_id, title, description, division_code, starts_on, ends_on, minors, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        &reference,
        n.org_id,
        &c.title,
        &c.description,
        &c.division_code,
        day(c.starts_on),
        day(c.ends_on),
        c.minors.as_str(),
        scope.account_id(),
        crate::db::stamp(),
    )?;
    for (category, wanted) in &c.slots {
        execute!(
            &mut tx,
            "INSERT INTO campaign_slots (campaign_id, category, wanted) VALUES ($1, $2, $3)",
            id,
            category.as_str(),
            *wanted,
        )?;
    }
    let slots: Vec<_> = c.slots.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    let e = NewEvent::by(scope, "campaign.create", "campaign", id, &c.division_code)
        .after(serde_json::json!({"title": c.title, "org_id": n.org_id, "slots": slots}));
    record(&mut tx, e).await?;
    let campaign = campaign_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(campaign)
}

async fn campaign_in(tx: &mut Tx, id: i64) -> Result<Campaign, AppError> {
    let rows = fetch_all!(
        &mut *tx,
        CampaignRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns c JOIN orgs o ON o.id = c.org_id WHERE c.id = $1"
        )),
        id
    )?;
    with_slots(tx, rows).await?.pop().ok_or(AppError::NotFound)
}

/// Campaigns for the caller's area: inside it, or covering it.
pub async fn campaigns(tx: &mut Tx, scope: &Scope) -> sqlx::Result<Vec<Campaign>> {
    let rows = fetch_all!(
        &mut *tx,
        CampaignRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns c JOIN orgs o ON o.id = c.org_id
             WHERE {} ORDER BY c.created_at DESC, c.id DESC LIMIT 200",
            related("c.division_code", 1)
        )),
        scope.jurisdiction()
    )?;
    with_slots(tx, rows).await
}

/// One campaign the caller's area sees (inside it, or covering it).
pub async fn campaign(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Campaign, AppError> {
    let c = campaign_in(tx, id).await?;
    if scope.overlaps(&c.division_code) {
        Ok(c)
    } else {
        Err(AppError::NotFound)
    }
}

/// A campaign by its public reference (nothing personal in it).
pub async fn public_campaign(tx: &mut Tx, reference: &str) -> Result<Campaign, AppError> {
    let rows = fetch_all!(
        &mut *tx,
        CampaignRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns c JOIN orgs o ON o.id = c.org_id WHERE c.reference = $1"
        )),
        reference
    )?;
    with_slots(tx, rows).await?.pop().ok_or(AppError::NotFound)
}

/// A sign-up taken: its reference, and whether this call made it (a retry,
/// or the same person again, finds the first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Applied {
    pub reference: String,
    pub created: bool,
}

/// Take a sign-up for the campaign `reference`, without an account. The
/// same person twice (the same document, or the same phone) is their
/// first application; so is a retry with the same key.
pub async fn apply(db: &Db, reference: &str, n: &NewApplication) -> Result<Applied, AppError> {
    let campaign = {
        let mut tx = db.read().await?;
        public_campaign(&mut tx, reference).await?
    };
    let today = today();
    if !campaign.is_open(today) {
        return Err(AppError::Conflict("err-campaign-closed"));
    }
    let minors =
        super::model::Minors::parse(&campaign.minors).unwrap_or(super::model::Minors::Refuse);
    let a = n
        .check(&campaign.categories(), minors, today)
        .map_err(AppError::Invalid)?;
    let (home, _) = crate::needs::store::read_one(&a.address, &campaign.division_code).await?;
    let holder = crate::needs::model::holder(&home, &campaign.division_code)
        .unwrap_or_else(|| campaign.division_code.clone());
    let mut tx = db.write().await?;
    if let Some(reference) = first_of(&mut tx, campaign.id, &a).await? {
        return Ok(Applied {
            reference,
            created: false,
        });
    }
    let reference = crate::needs::model::new_reference();
    let now = crate::db::stamp();
    // The same person signing up twice at once: on PostgreSQL the second
    // insert waits for the first to commit, then inserts nothing and finds
    // it; SQLite's one writer never lets the two overlap.
    let id = fetch_optional!(
        &mut tx,
        (i64,),
        "INSERT INTO applications (campaign_id, reference, idempotency_key, name, phone, document_type, document_number, birth_date, guardian_consent,
            address, home_division, jurisdiction_code, category, skills, availability, motivation, referral, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'waiting', $18, $18)
         ON CONFLICT DO NOTHING RETURNING id",
        campaign.id,
        &reference,
        &a.idempotency_key,
        &a.name,
        &a.phone,
        a.document_type.as_str(),
        &a.document_number,
        day(a.birth_date),
        a.guardian_consent,
        &a.address,
        &home,
        &holder,
        a.category.as_str(),
        &a.skills,
        &a.availability,
        &a.motivation,
        &a.referral,
        now,
    )?;
    let Some((id,)) = id else {
        drop(tx);
        let mut tx = db.read().await?;
        let reference = first_of(&mut tx, campaign.id, &a)
            .await?
            .ok_or(AppError::Conflict("err-need-retry"))?;
        return Ok(Applied {
            reference,
            created: false,
        });
    };
    // The event says what was asked for, never who: no personal data.
    let e = NewEvent::by_or_system(None, "application.create", "application", id, &holder).after(
        serde_json::json!({"campaign_id": campaign.id, "category": a.category.as_str(), "skills": a.skills}),
    );
    record(&mut tx, e).await?;
    tx.commit().await?;
    Ok(Applied {
        reference,
        created: true,
    })
}

/// The application this sign-up repeats: the same key, or the same
/// person (document or phone) in the same campaign.
async fn first_of(
    tx: &mut Tx,
    campaign: i64,
    a: &super::model::CheckedApplication,
) -> sqlx::Result<Option<String>> {
    Ok(fetch_optional!(
        tx,
        (String,),
        "SELECT reference FROM applications WHERE idempotency_key = $1
            OR (campaign_id = $2 AND ((document_type = $3 AND document_number = $4) OR phone = $5))
         ORDER BY id LIMIT 1",
        &a.idempotency_key,
        campaign,
        a.document_type.as_str(),
        &a.document_number,
        &a.phone,
    )?
    .map(|r| r.0))
}

/// An application as a reviewer sees it: phone, document and address
/// masked until revealed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Application {
    pub id: i64,
    pub campaign_id: i64,
    pub reference: String,
    pub name: String,
    pub phone: String,
    #[schema(value_type = super::model::DocumentType)]
    pub document_type: String,
    pub document_number: String,
    pub age: i32,
    pub guardian_consent: bool,
    /// The home division read from the address, by name.
    pub home: String,
    pub home_division: String,
    #[schema(value_type = super::model::Category)]
    pub category: String,
    #[schema(value_type = Vec<super::model::Skill>)]
    pub skills: Vec<String>,
    #[schema(value_type = Vec<super::model::Window>)]
    pub availability: Vec<String>,
    pub motivation: String,
    pub referral: String,
    #[schema(value_type = ApplicationStatus)]
    pub status: String,
    pub decision_reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct ApplicationRow {
    id: i64,
    campaign_id: i64,
    reference: String,
    name: String,
    phone: String,
    document_type: String,
    document_number: String,
    birth_date: String,
    guardian_consent: bool,
    address: String,
    home_division: String,
    jurisdiction_code: String,
    category: String,
    skills: String,
    availability: String,
    motivation: String,
    referral: String,
    status: String,
    decision_reason: String,
    created_at: OffsetDateTime,
}

const APPLICATION_COLUMNS: &str = "id, campaign_id, reference, name, phone, document_type, document_number, birth_date, guardian_consent, address, home_division, jurisdiction_code, category, skills, availability, motivation, referral, status, decision_reason, created_at";

impl ApplicationRow {
    fn shown(self) -> Application {
        Application {
            id: self.id,
            campaign_id: self.campaign_id,
            reference: self.reference,
            name: self.name,
            phone: crate::phone::mask(&self.phone),
            document_type: self.document_type,
            document_number: mask_document(&self.document_number),
            age: super::model::age(parse_day(&self.birth_date), today()),
            guardian_consent: self.guardian_consent,
            home: crate::needs::model::read_as(&self.home_division),
            home_division: self.home_division,
            category: self.category,
            skills: tags(&self.skills),
            availability: tags(&self.availability),
            motivation: self.motivation,
            referral: self.referral,
            status: self.status,
            decision_reason: self.decision_reason,
            created_at: self.created_at,
        }
    }
}

/// The vetting queue's filters (all optional).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueFilter {
    /// waiting (the default: waiting and asked for more), accepted,
    /// declined, more_info, all.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub skill: String,
    /// A division code: applicants living inside it.
    #[serde(default)]
    pub within: String,
    /// "referred": those referred by a volunteer or an organisation first
    /// (the fast track), each group longest waiting first; else longest
    /// waiting first.
    #[serde(default)]
    pub sort: String,
    /// From 1; 100 a page.
    #[serde(default)]
    pub page: String,
}

pub const QUEUE_PAGE: i64 = 100;

fn reviews(scope: &Scope) -> Result<(), AppError> {
    if scope.role().coordinates() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// One page of a campaign's applications inside the caller's area, longest
/// waiting first, and how many the filters leave.
pub async fn queue(
    tx: &mut Tx,
    scope: &Scope,
    campaign_id: i64,
    f: &QueueFilter,
) -> Result<(Vec<Application>, i64), AppError> {
    reviews(scope)?;
    let mut errors = Invalid::default();
    let statuses: Vec<&'static str> = match f.status.trim() {
        "" | "waiting" => vec!["waiting", "more_info"],
        "all" => ApplicationStatus::ALL.iter().map(|s| s.as_str()).collect(),
        s => match ApplicationStatus::parse(s) {
            Some(st) => vec![st.as_str()],
            None => {
                errors.push(FieldError::new("status", "err-status"));
                Vec::new()
            }
        },
    };
    let category = f.category.trim();
    if !category.is_empty() && super::model::Category::parse(category).is_none() {
        errors.push(FieldError::new("category", "err-category"));
    }
    let skill = f.skill.trim();
    if !skill.is_empty() && super::model::Skill::parse(skill).is_none() {
        errors.push(FieldError::new("skill", "err-skill"));
    }
    let within = f.within.trim();
    if !within.is_empty() && divisions::Tree::china().find(within).is_none() {
        errors.push(FieldError::new("within", "err-division"));
    }
    let page: i64 = match f.page.trim() {
        "" => 1,
        p => p
            .parse()
            .ok()
            .filter(|p| (1..=10_000).contains(p))
            .unwrap_or_else(|| {
                errors.push(FieldError::new("page", "err-page"));
                1
            }),
    };
    let order = match f.sort.trim() {
        "" | "waiting" => "created_at, id",
        "referred" => "CASE WHEN referral = '' THEN 1 ELSE 0 END, created_at, id",
        _ => {
            errors.push(FieldError::new("sort", "err-sort"));
            "created_at, id"
        }
    };
    errors.into_result()?;
    let list: Vec<String> = statuses.iter().map(|s| format!("'{s}'")).collect();
    let filters = format!(
        "campaign_id = $2 AND status IN ({}) AND {} AND ($3 = '' OR category = $3)
         AND ($4 = '' OR skills LIKE '%,' || $4 || ',%')
         AND ($5 = '' OR (home_division >= $5 AND home_division < $5 || '~'))",
        list.join(", "),
        inside("jurisdiction_code", 1)
    );
    let total = fetch_scalar!(
        &mut *tx,
        i64,
        sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM applications WHERE {filters}")),
        scope.jurisdiction(),
        campaign_id,
        category,
        skill,
        within,
    )?;
    let rows = fetch_all!(
        &mut *tx,
        ApplicationRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE {filters}
             ORDER BY {order} LIMIT $6 OFFSET $7"
        )),
        scope.jurisdiction(),
        campaign_id,
        category,
        skill,
        within,
        QUEUE_PAGE,
        (page - 1) * QUEUE_PAGE,
    )?;
    Ok((rows.into_iter().map(ApplicationRow::shown).collect(), total))
}

async fn row(tx: &mut Tx, scope: &Scope, id: i64) -> Result<ApplicationRow, AppError> {
    fetch_optional!(
        &mut *tx,
        ApplicationRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = $1 AND {}",
            inside("jurisdiction_code", 2)
        )),
        id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)
}

/// One application, for a reviewer.
pub async fn application(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Application, AppError> {
    reviews(scope)?;
    Ok(row(tx, scope, id).await?.shown())
}

/// Show a personal field of an application in the clear, with a reason.
pub async fn reveal(
    db: &Db,
    scope: &Scope,
    id: i64,
    field: &str,
    reason: &str,
) -> Result<String, AppError> {
    reviews(scope)?;
    let shown = async {
        let mut tx = db.write().await?;
        let a = row(&mut tx, scope, id).await?;
        let value = match field {
            "phone" => Some(a.phone),
            "document_number" => Some(a.document_number),
            "address" => Some(a.address),
            _ => None,
        };
        let r = Reveal {
            entity: "application",
            id,
            division_code: &a.jurisdiction_code,
            field,
            value,
        };
        crate::audit::store::reveal(tx, scope, r, reason).await
    }
    .await;
    crate::audit::store::refusal(db, scope, "application", id, field, shown).await
}

/// An accepted applicant's account, shown once to the reviewer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewVolunteer {
    pub application_id: i64,
    pub volunteer_id: i64,
    pub username: String,
    /// The first-time password: shown now, never stored in the clear.
    pub password: String,
}

/// What a decision came to.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Decided {
    /// Applications decided.
    pub decided: Vec<i64>,
    /// Accounts made for those accepted.
    pub volunteers: Vec<NewVolunteer>,
}

/// Decide on applications (one, or a selection) with a reason (required
/// to decline or ask for more). All or none: an application that cannot
/// be decided (outside the caller's area: not found; decided already: a
/// conflict) refuses the lot. Accepting makes the volunteer and their account
/// (role volunteer, the campaign's organisation, their home area); the
/// passwords are hashed before the write begins.
pub async fn decide(
    db: &Db,
    scope: &Scope,
    ids: &[i64],
    decision: VettingDecision,
    reason: &str,
) -> Result<Decided, AppError> {
    reviews(scope)?;
    let mut errors = Invalid::default();
    match decision {
        VettingDecision::Accept => errors.optional("reason", reason, 500),
        _ => errors.reason("reason", reason, 500),
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > 200 {
        errors.push(FieldError::new("ids", "err-selection"));
    }
    errors.into_result()?;
    let mut passwords = Vec::new();
    if decision == VettingDecision::Accept {
        for _ in &ids {
            let p = crate::access::store::first_time_password();
            let hash = crate::access::password::hash(p.clone()).await?;
            passwords.push((p, hash));
        }
    }
    let mut tx = db.write().await?;
    let mut out = Decided::default();
    let now = crate::db::stamp();
    for (i, &id) in ids.iter().enumerate() {
        // One outside the caller's area is not found, like any record.
        let a = row(&mut tx, scope, id).await?;
        let status = ApplicationStatus::parse(&a.status)
            .ok_or_else(|| anyhow::anyhow!("application {id} has an unknown status"))?;
        if !decidable(status) {
            return Err(AppError::Conflict("err-application-decided"));
        }
        let to = decision.status();
        let moved = execute!(
            &mut tx,
            "UPDATE applications SET status = $1, decision_reason = $2, decided_by = $3, decided_at = $4, updated_at = $4
             WHERE id = $5 AND status = $6",
            to.as_str(),
            reason.trim(),
            scope.account_id(),
            now,
            id,
            status.as_str(),
        )?;
        if moved == 0 {
            return Err(AppError::Conflict("err-application-decided"));
        }
        record(
            &mut tx,
            NewEvent::by(
                scope,
                decision.action(),
                "application",
                id,
                &a.jurisdiction_code,
            )
            .reason(reason.trim())
            .before(serde_json::json!({"status": status.as_str()}))
            .after(serde_json::json!({"status": to.as_str()})),
        )
        .await?;
        if let Some((password, hash)) = passwords.get(i) {
            out.volunteers
                .push(make_volunteer(&mut tx, scope, &a, password, hash, now).await?);
        }
        out.decided.push(id);
    }
    tx.commit().await?;
    Ok(out)
}

async fn make_volunteer(
    tx: &mut Tx,
    scope: &Scope,
    a: &ApplicationRow,
    password: &str,
    hash: &str,
    now: Ts,
) -> Result<NewVolunteer, AppError> {
    let org_id = fetch_scalar!(
        &mut *tx,
        i64,
        "SELECT org_id FROM campaigns WHERE id = $1",
        a.campaign_id
    )?;
    let username = format!("v{}", a.reference.to_lowercase());
    let account = fetch_scalar!(
        &mut *tx,
        i64,
        "INSERT INTO accounts (username, display_name, password_hash, role, org_id, jurisdiction_code, created_at, password_changed_at)
         VALUES ($1, $2, $3, 'volunteer', $4, $5, $6, $6) RETURNING id",
        &username,
        &a.name,
        hash,
        org_id,
        &a.jurisdiction_code,
        now,
    )?;
    record(
        &mut *tx,
        NewEvent::by(scope, "account.create", "account", account, &a.jurisdiction_code).after(
            serde_json::json!({"username": username, "role": "volunteer", "org_id": org_id, "jurisdiction_code": a.jurisdiction_code}),
        ),
    )
    .await?;
    let volunteer = fetch_scalar!(
        &mut *tx,
        i64,
        "INSERT INTO volunteers (application_id, account_id, org_id, name, phone, home_division, jurisdiction_code, category, skills, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        a.id,
        account,
        org_id,
        &a.name,
        &a.phone,
        &a.home_division,
        &a.jurisdiction_code,
        &a.category,
        &a.skills,
        now,
    )?;
    record(
        &mut *tx,
        NewEvent::by(
            scope,
            "volunteer.create",
            "volunteer",
            volunteer,
            &a.jurisdiction_code,
        )
        .after(serde_json::json!({"application_id": a.id, "category": a.category})),
    )
    .await?;
    Ok(NewVolunteer {
        application_id: a.id,
        volunteer_id: volunteer,
        username,
        password: password.to_owned(),
    })
}

/// What an applicant sees of their application by its reference: where it
/// stands, and what the reviewer asked (when they asked for more).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct PublicApplication {
    pub reference: String,
    pub campaign_title: String,
    #[schema(value_type = super::model::Category)]
    pub category: String,
    #[schema(value_type = ApplicationStatus)]
    pub status: String,
    /// The reviewer's question, when they asked for more ("" otherwise).
    pub question: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

pub async fn public_application(
    tx: &mut Tx,
    reference: &str,
) -> Result<PublicApplication, AppError> {
    fetch_optional!(
        &mut *tx,
        PublicApplication,
        "SELECT a.reference, c.title AS campaign_title, a.category, a.status,
                CASE WHEN a.status = 'more_info' THEN a.decision_reason ELSE '' END AS question, a.created_at
         FROM applications a JOIN campaigns c ON c.id = a.campaign_id WHERE a.reference = $1",
        reference
    )?
    .ok_or(AppError::NotFound)
}
