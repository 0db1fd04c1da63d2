//! The city's care recipients (mission §3): elderly people living alone,
//! disabled people without a carer, dialysis patients, women near term,
//! left-behind children, people with severe mental illness — across
//! Xi'an's communities, each with a guardian and a backup from the roster
//! of their own street (the same community first), as the import and the
//! guardians page make them. Streets with too few volunteers leave gaps,
//! as a real city does; some check-ins are overdue. Written in one
//! transaction, after the roster.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::Duration;

use super::city::{DISTRICTS, SURNAMES, communities, pick, weighted};
use crate::care::model::{CareCategory, GUARDING_MAX, Routine, street_of};
use crate::db::{Db, Ts};
use crate::{execute, fetch_all, fetch_scalar};

const GIVEN: &[&str] = &[
    "桂英", "秀兰", "玉兰", "淑珍", "凤英", "建国", "德明", "永福", "秀珍", "志强", "国华", "丽华",
    "小宝", "欣怡", "子轩", "梓涵", "春梅", "海燕",
];

/// (category, weight, routine needs)
const KINDS: &[(CareCategory, u32, &[Routine])] = &[
    (
        CareCategory::ElderlyAlone,
        45,
        &[Routine::Medicine, Routine::Meals],
    ),
    (
        CareCategory::DisabledAlone,
        14,
        &[Routine::Nursing, Routine::Groceries],
    ),
    (
        CareCategory::Dialysis,
        7,
        &[Routine::DialysisTransport, Routine::Medicine],
    ),
    (CareCategory::PregnantNearTerm, 7, &[Routine::Groceries]),
    (
        CareCategory::LeftBehindChild,
        11,
        &[Routine::Meals, Routine::Company],
    ),
    (CareCategory::DeFactoOrphan, 3, &[Routine::Company]),
    (
        CareCategory::SevereMentalIllness,
        13,
        &[Routine::Medicine, Routine::Company],
    ),
];

pub struct Loaded {
    pub recipients: usize,
    pub covered: usize,
    pub no_backup: usize,
    pub no_guardian: usize,
}

/// Add `n` care recipients unless the demo's are there.
pub async fn load(db: &Db, n: usize) -> anyhow::Result<Option<Loaded>> {
    if n == 0 {
        return Ok(None);
    }
    let mut tx = db.write().await?;
    let present = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM care_recipients WHERE import_key LIKE 'demo-care-%'"
    )?;
    if present > 0 {
        return Ok(None);
    }
    let caseworker = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT id FROM accounts WHERE username = 'caseworker'"
    )?;
    // The roster by street: (id, home community).
    let roster = fetch_all!(
        &mut tx,
        (i64, String),
        "SELECT id, home_division FROM volunteers WHERE left_roster_at IS NULL AND positive_at IS NULL AND movement <> 'stranded' ORDER BY id"
    )?;
    let mut by_street: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for (id, home) in roster {
        if home.len() >= 9 {
            by_street
                .entry(street_of(&home).to_owned())
                .or_default()
                .push((id, home));
        }
    }
    let mut rng = StdRng::seed_from_u64(20220103);
    let places = communities();
    let weights: Vec<u32> = DISTRICTS.iter().map(|d| d.1).collect();
    let kinds: Vec<u32> = KINDS.iter().map(|k| k.1).collect();
    let mut load: HashMap<i64, i64> = HashMap::new();
    let now = crate::db::now();
    let mut done = Loaded {
        recipients: 0,
        covered: 0,
        no_backup: 0,
        no_guardian: 0,
    };
    for i in 0..n {
        let d = weighted(&mut rng, &weights);
        let community = pick(&mut rng, &places[d]).clone();
        let (category, _, routine) = KINDS[weighted(&mut rng, &kinds)];
        let mut categories = vec![category];
        if category == CareCategory::ElderlyAlone && rng.random_range(0..10) == 0 {
            categories.push(CareCategory::Dialysis);
        }
        let name = format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN));
        let place = crate::orgs::model::division_name(&community);
        let address = format!(
            "{place}{}号楼{}单元{}室",
            rng.random_range(1..40),
            rng.random_range(1..6),
            rng.random_range(101..1802)
        );
        // Street volunteers not at their limit, the same community first.
        let street = by_street
            .get(street_of(&community))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut candidates: Vec<&(i64, String)> = street
            .iter()
            .filter(|(id, _)| load.get(id).copied().unwrap_or(0) < GUARDING_MAX)
            .collect();
        candidates.sort_by_key(|(id, home)| {
            (
                *home != community,
                load.get(id).copied().unwrap_or(0),
                // Spread over the street, the same for one person.
                id.wrapping_mul(2_654_435_761) ^ i as i64,
            )
        });
        // A few are left without a backup, as lists arrive unfinished.
        let guardian = candidates.first().map(|c| c.0);
        let backup = if rng.random_range(0..100) < 3 {
            None
        } else {
            candidates.get(1).map(|c| c.0)
        };
        if let Some(g) = guardian {
            *load.entry(g).or_default() += 1;
        }
        match (guardian, backup) {
            (Some(_), Some(_)) => done.covered += 1,
            (Some(_), None) => done.no_backup += 1,
            _ => done.no_guardian += 1,
        }
        let hours = if categories.contains(&CareCategory::Dialysis)
            || category == CareCategory::PregnantNearTerm
        {
            12
        } else {
            24
        };
        // Last reached within the interval; one in twenty is overdue.
        let last = now - Duration::minutes(rng.random_range(30..hours * 60));
        let due = if rng.random_range(0..20) == 0 {
            now - Duration::minutes(rng.random_range(10..180))
        } else {
            last + Duration::hours(hours)
        };
        let phone = format!("{}{:08}", [133, 153, 180, 189][i % 4], 30_000_000 + i);
        execute!(
            &mut tx,
            "INSERT INTO care_recipients (division_code, compound, name, phone, address, categories, routine, notes, checkin_hours,
                guardian_id, backup_id, last_checkin_at, checkin_due_at, import_key, created_by, created_at, updated_at)
             VALUES ($1, '', $2, $3, $4, $5, $6, '', $7, $8, $9, $10, $11, $12, $13, $14, $14)",
            &community,
            &name,
            &phone,
            &address,
            crate::care::model::stored(&categories),
            crate::care::model::stored(routine),
            hours,
            guardian,
            backup,
            Ts::from(last),
            Ts::from(due),
            format!("demo-care-{i:06}"),
            caseworker,
            Ts::from(now - Duration::days(15)),
        )?;
        done.recipients += 1;
    }
    cases(&mut tx, caseworker, now).await?;
    tx.commit().await?;
    Ok(Some(done))
}

/// The Xi'an one-stop service (mission §3): the women's organisation
/// holding open cases in 雁塔区, one referred to the mental health
/// association and waiting; that association's online team from several
/// cities, on call around the clock for the week.
async fn cases(
    tx: &mut crate::db::Tx,
    caseworker: i64,
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    let women = fetch_scalar!(
        &mut *tx,
        i64,
        "SELECT id FROM orgs WHERE name = '西安市妇女儿童服务中心'"
    )?;
    let mental = fetch_scalar!(
        &mut *tx,
        i64,
        "SELECT id FROM orgs WHERE name = '西安市心理卫生协会'"
    )?;
    let team = fetch_scalar!(
        &mut *tx,
        i64,
        "INSERT INTO care_teams (org_id, name, division_code, cohort, cohort_kind, created_at)
         VALUES ($1, '线上心理援助小组', '6101', '封控小区居民与居家隔离人员', 'home_isolation', $2) RETURNING id",
        mental,
        Ts::from(now - Duration::days(14))
    )?;
    let mut members = Vec::new();
    for (name, profession, phone, based) in [
        ("赵晓峰", "psychiatrist", "13880001001", "成都"),
        ("钱雅琴", "psychologist", "13971002002", "武汉"),
        ("孙立新", "social_worker", "13991003003", "西安"),
    ] {
        members.push(fetch_scalar!(
            &mut *tx,
            i64,
            "INSERT INTO care_team_members (team_id, name, profession, phone, based, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            team,
            name,
            profession,
            phone,
            based,
            Ts::from(now - Duration::days(14))
        )?);
    }
    // Twelve-hour shifts from this morning for a week, in turn.
    let start = now - Duration::hours(6);
    for k in 0..14 {
        execute!(
            &mut *tx,
            "INSERT INTO care_oncall (team_id, member_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
            team,
            members[k % members.len()],
            Ts::from(start + Duration::hours(12 * k as i64)),
            Ts::from(start + Duration::hours(12 * (k as i64 + 1)))
        )?;
    }
    for (i, (category, risk, source, name, community, summary)) in [
        (
            "child_at_risk",
            "high",
            "checkin",
            "陈小宝",
            "610113004004",
            "父母均被隔离在外地，8 岁孩子独自在家两天",
        ),
        (
            "elder_at_risk",
            "medium",
            "need",
            "刘桂英",
            "610113004001",
            "独居老人，透析接送中断一次，情绪焦虑",
        ),
        (
            "childbirth",
            "high",
            "call",
            "王女士",
            "610113004002",
            "孕 39 周，封控小区内，需要提前安排转运和产检",
        ),
        (
            "domestic_violence",
            "high",
            "call",
            "林女士",
            "610113004004",
            "来电求助：丈夫酗酒后动手，带着 5 岁孩子",
        ),
        (
            "mental_health_crisis",
            "crisis",
            "call",
            "黄先生",
            "610113004003",
            "隔离第十天，电话里反复说撑不下去",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let opened = now - Duration::hours(30 - 5 * i as i64);
        let id = fetch_scalar!(
            &mut *tx,
            i64,
            "INSERT INTO cases (org_id, division_code, category, risk, status, source, person_name, person_phone, person_address, summary,
                crisis_member_id, opened_by, opened_at, updated_at)
             VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, '', $8, $9, $10, $11, $11) RETURNING id",
            women,
            community,
            category,
            risk,
            source,
            name,
            format!("1370918{:04}", 100 + i),
            summary,
            (risk == "crisis").then_some(members[0]),
            caseworker,
            Ts::from(opened)
        )?;
        execute!(
            &mut *tx,
            "INSERT INTO case_notes (case_id, kind, text, due_at, org_id, by_account, at) VALUES ($1, 'follow_up', '电话回访，确认情况', $2, $3, $4, $5)",
            id,
            Ts::from(now + Duration::hours(4 + 6 * i as i64)),
            women,
            caseworker,
            Ts::from(opened)
        )?;
        if risk == "crisis" {
            // Taken by the psychiatrist on call within minutes.
            execute!(
                &mut *tx,
                "INSERT INTO crisis_offers (case_id, member_id, team_id, cohort, status, offered_at, answered_at)
                 VALUES ($1, $2, $3, $4, 'accepted', $5, $6)",
                id,
                members[0],
                team,
                true,
                Ts::from(opened),
                Ts::from(opened + Duration::minutes(4))
            )?;
        }
        if category == "mental_health_crisis" {
            execute!(
                &mut *tx,
                "INSERT INTO case_referrals (case_id, from_org, to_org, reason, status, created_by, created_at)
                 VALUES ($1, $2, $3, '需要精神科医生评估和持续心理支持', 'pending', $4, $5)",
                id,
                women,
                mental,
                caseworker,
                Ts::from(opened + Duration::hours(1))
            )?;
        }
    }
    Ok(())
}
