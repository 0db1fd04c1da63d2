//! The field report's volunteers (mission §2): 8,000 recruited and trained
//! across Xi'an's 13 districts before the lockdown, in about 400 squads of
//! five; once the demo's streets are sealed, about 2,000 can still move.
//! Written in bulk, one transaction, as the vetting and the squads pages
//! write them. The volunteers' accounts share one hash of a password
//! nobody is told: they are the roster, not people to sign in as (the
//! demo's `volunteer` account is).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Duration, OffsetDateTime};

use super::city::{DISTRICTS, SURNAMES, communities, pick, weighted};
use crate::db::{Db, Ts};
use crate::squads::model::{MovementStatus, Seal, movement, sealed_in};
use crate::{execute, fetch_scalar};

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
    "秀兰", "霞", "平", "刚", "桂英", "晨", "博", "欣", "宇", "思远", "佳怡", "子涵", "浩然",
];

/// (category, weight, skills)
const CATEGORIES: &[(&str, u32, &str)] = &[
    ("general", 62, ",ppe_trained,"),
    ("logistics", 11, ",logistics,ppe_trained,"),
    ("driver", 8, ",driver_c1,ppe_trained,"),
    ("medical", 8, ",medical,nursing,ppe_trained,"),
    ("psychological", 5, ",psychological,"),
    ("social_work", 6, ",social_work,dialect,"),
];

/// What the demo's volunteers came to.
pub struct Loaded {
    pub volunteers: usize,
    pub squads: usize,
    pub sealed_streets: usize,
    pub movable: usize,
    /// Contacts recorded over the last day (households served, vehicles).
    pub work: usize,
}

/// A resident ID with its check character (GB 11643).
pub(super) fn resident_id(region: &str, birth: time::Date, seq: u32) -> String {
    let first = format!(
        "{region}{:04}{:02}{:02}{:03}",
        birth.year(),
        u8::from(birth.month()),
        birth.day(),
        seq % 1000
    );
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let s: u32 = first
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    format!("{first}{}", b"10X98765432"[(s % 11) as usize] as char)
}

/// Load `n` volunteers unless the demo's are there.
pub async fn load(
    db: &Db,
    n: usize,
    target_movable: usize,
    work: usize,
) -> anyhow::Result<Option<Loaded>> {
    if n == 0 {
        return Ok(None);
    }
    let mut tx = db.write().await?;
    let present = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM applications WHERE idempotency_key LIKE 'demo-roster-%'"
    )?;
    if present > 0 {
        return Ok(None);
    }
    let org = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT id FROM orgs WHERE name = '西安市社会工作协会'"
    )?;
    let coordinator = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT id FROM accounts WHERE username = 'coordinator'"
    )?;
    let mut rng = StdRng::seed_from_u64(20211223);
    let now = crate::db::now();
    let recruited = now - Duration::days(20);
    let campaign = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO campaigns (reference, org_id, title, description, division_code, starts_on, ends_on, minors, created_by, created_at)
         VALUES ($1, $2, '西安市疫情防控志愿者招募', '社区核酸、物资配送、特殊人群关爱；上岗前完成穿脱防护服培训', '6101', $3, $4, 'refuse', $5, $6) RETURNING id",
        crate::needs::model::new_reference(),
        org,
        recruited.date().to_string(),
        (now + Duration::days(30)).date().to_string(),
        coordinator,
        Ts::from(recruited),
    )?;
    for (category, wanted) in [
        ("general", 5000),
        ("logistics", 900),
        ("driver", 640),
        ("medical", 640),
        ("psychological", 400),
        ("social_work", 480),
    ] {
        execute!(
            &mut tx,
            "INSERT INTO campaign_slots (campaign_id, category, wanted) VALUES ($1, $2, $3)",
            campaign,
            category,
            wanted
        )?;
    }
    let hash = crate::access::password::hash(crate::access::store::first_time_password()).await?;
    let places = communities();
    let weights: Vec<u32> = DISTRICTS.iter().map(|d| d.1).collect();
    // (id, home community, stored movement, category)
    let mut people: Vec<(i64, String, MovementStatus, &str)> = Vec::with_capacity(n);
    for i in 0..n {
        let d = weighted(&mut rng, &weights);
        let home = pick(&mut rng, &places[d]).clone();
        let name = format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN));
        let phone = format!("{}{:08}", [138, 139, 135, 186, 158][i % 5], 20_000_000 + i);
        let birth = time::Date::from_ordinal_date(
            rng.random_range(1965..=2002),
            rng.random_range(1..=365),
        )?;
        let (category, _, skills) = CATEGORIES[weighted(
            &mut rng,
            &CATEGORIES.iter().map(|c| c.1).collect::<Vec<_>>(),
        )];
        let stored = match rng.random_range(0..100) {
            0..5 => MovementStatus::Pass,
            5..7 => MovementStatus::Stranded,
            _ => MovementStatus::Free,
        };
        let reference = crate::needs::model::new_reference();
        let at = Ts::from(recruited + Duration::minutes(rng.random_range(0..60 * 24 * 5)));
        let address = format!(
            "{}{}号楼",
            crate::orgs::model::division_name(&home),
            rng.random_range(1..30)
        );
        let application = fetch_scalar!(
            &mut tx,
            i64,
            "INSERT INTO applications (campaign_id, reference, idempotency_key, name, phone, document_type, document_number, birth_date,
                address, home_division, jurisdiction_code, category, skills, availability, motivation, referral, status, decided_by, decided_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'resident_id', $6, $7, $8, $9, $9, $10, $11, ',daytime,weekend,', '', '', 'accepted', $12, $13, $13, $13) RETURNING id",
            campaign,
            &reference,
            format!("demo-roster-{i:05}"),
            &name,
            &phone,
            resident_id(&home[..6], birth, i as u32),
            birth.to_string(),
            &address,
            &home,
            category,
            skills,
            coordinator,
            at,
        )?;
        let account = fetch_scalar!(
            &mut tx,
            i64,
            "INSERT INTO accounts (username, display_name, password_hash, role, org_id, jurisdiction_code, created_at, password_changed_at)
             VALUES ($1, $2, $3, 'volunteer', $4, $5, $6, $6) RETURNING id",
            format!("v{}", reference.to_lowercase()),
            &name,
            &hash,
            org,
            &home,
            at,
        )?;
        let id = fetch_scalar!(
            &mut tx,
            i64,
            "INSERT INTO volunteers (application_id, account_id, org_id, name, phone, home_division, jurisdiction_code, category, skills, movement, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10) RETURNING id",
            application,
            account,
            org,
            &name,
            &phone,
            &home,
            category,
            skills,
            stored.as_str(),
            at,
        )?;
        people.push((id, home, stored, category));
    }
    // Squads of five from neighbours (one street), before the lockdown.
    let mut by_street: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for (i, p) in people.iter().enumerate() {
        by_street.entry(p.1[..9].to_owned()).or_default().push(i);
    }
    let wanted_squads = n / 20;
    let mut squads = 0;
    let mut squad_ids = Vec::new();
    let formed = recruited + Duration::days(6);
    // Round by round, one squad from each street that still has five
    // without one, so that squads are spread over the whole city.
    let mut round = 0;
    while squads < wanted_squads {
        let mut formed_any = false;
        for (street, members) in &by_street {
            let Some(five) = members.chunks_exact(5).nth(round) else {
                continue;
            };
            if squads >= wanted_squads {
                break;
            }
            formed_any = true;
            let squad = fetch_scalar!(
                &mut tx,
                i64,
                "INSERT INTO squads (org_id, division_code, name, min_size, max_size, status, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, 3, 6, 'active', $4, $5, $5) RETURNING id",
                org,
                street,
                format!("{}第{}小分队", crate::orgs::model::division_name(street), round + 1),
                coordinator,
                Ts::from(formed),
            )?;
            for &m in five {
                execute!(
                    &mut tx,
                    "INSERT INTO squad_members (squad_id, volunteer_id, joined_at) VALUES ($1, $2, $3)",
                    squad,
                    people[m].0,
                    Ts::from(formed)
                )?;
            }
            execute!(
                &mut tx,
                "UPDATE squads SET leader_id = $1 WHERE id = $2",
                people[five[0]].0,
                squad
            )?;
            squads += 1;
            squad_ids.push(squad);
        }
        if !formed_any {
            break;
        }
        round += 1;
    }
    let trained = trained(&mut tx, org, coordinator, &people, recruited, now, &mut rng).await?;
    link_demo_volunteer(&mut tx, coordinator, now).await?;
    let work = work_day(&mut tx, &squad_ids, work, now).await?;
    // The lockdown: streets sealed one by one (in a drawn order) until
    // about `target_movable` can still go out.
    let mut streets: Vec<&String> = by_street.keys().collect();
    for i in (1..streets.len()).rev() {
        streets.swap(i, rng.random_range(0..=i));
    }
    let mut seals: Vec<Seal> = Vec::new();
    let count = |seals: &[Seal]| {
        people
            .iter()
            .filter(|(_, home, m, _)| movement(*m, sealed_in(home, "", seals)).can_move())
            .count()
    };
    let sealed_at = now - Duration::days(13);
    for street in streets {
        if count(&seals) <= target_movable {
            break;
        }
        seals.push(Seal {
            division_code: street.clone(),
            compound: String::new(),
        });
        let id = fetch_scalar!(
            &mut tx,
            i64,
            "INSERT INTO zones (division_code, compound, level, starts_at, reason, created_by, created_at) VALUES ($1, '', 'sealed', $2, '全域封控', $3, $2) RETURNING id",
            street,
            Ts::from(sealed_at),
            coordinator,
        )?;
        crate::audit::store::record(
            &mut tx,
            crate::audit::model::NewEvent::by_or_system(None, "zone.mark", "zone", id, street),
        )
        .await?;
    }
    let movable = count(&seals);
    crate::audit::store::record(
        &mut tx,
        crate::audit::model::NewEvent::by_or_system(
            None,
            "demo.roster",
            "campaign",
            campaign,
            "6101",
        )
        .after(
            serde_json::json!({"volunteers": n, "squads": squads, "sealed_streets": seals.len(), "ppe_trained": trained}),
        ),
    )
    .await?;
    tx.commit().await?;
    let _: OffsetDateTime = now;
    Ok(Some(Loaded {
        volunteers: n,
        squads,
        sealed_streets: seals.len(),
        movable,
        work,
    }))
}

/// Trained before the lockdown (mission §2: recruited *and* trained): PPE
/// sessions in each district a week after recruiting, attended by about
/// nine in ten (sessions of at most 1,000); the licences of drivers and
/// medical volunteers checked; a first-aid session still to come in each
/// district with its seats open. How many hold PPE.
async fn trained(
    tx: &mut crate::db::Tx,
    org: i64,
    coordinator: i64,
    people: &[(i64, String, MovementStatus, &str)],
    recruited: OffsetDateTime,
    now: OffsetDateTime,
    rng: &mut StdRng,
) -> anyhow::Result<usize> {
    use crate::training::model::{CredentialKind, MAX_CAPACITY};
    let mut by_district: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
    for (id, home, _, category) in people {
        if rng.random_range(0..10) < 9 {
            by_district.entry(&home[..6]).or_default().push(*id);
        }
        let licence = match *category {
            "driver" => Some(("driving_licence", "C1 驾驶证已核验")),
            "medical" => Some(("medical_licence", "执业证书已核验")),
            _ => None,
        };
        if let Some((kind, note)) = licence {
            execute!(
                &mut *tx,
                "INSERT INTO credentials (volunteer_id, kind, granted_at, expires_at, note, granted_by) VALUES ($1, $2, $3, $4, $5, $6)",
                id,
                kind,
                Ts::from(recruited + Duration::days(2)),
                Ts::from(now + Duration::days(rng.random_range(200..2000))),
                note,
                coordinator
            )?;
        }
    }
    let ppe = CredentialKind::Ppe
        .by_training()
        .unwrap_or(Duration::days(180));
    let mut trained = 0;
    for (d, (district, ids)) in by_district.iter().enumerate() {
        let name = divisions::Tree::china()
            .find(district)
            .map_or(*district, |d| d.name());
        for (k, group) in ids.chunks(MAX_CAPACITY as usize).enumerate() {
            let starts = recruited + Duration::days(7) + Duration::hours(d as i64 % 5 * 2);
            let ends = starts + Duration::hours(2);
            let training = fetch_scalar!(
                &mut *tx,
                i64,
                "INSERT INTO trainings (org_id, division_code, title, credential, place, starts_at, ends_at, capacity, enrolled, created_by, created_at)
                 VALUES ($1, $2, $3, 'ppe', $4, $5, $6, $7, $7, $8, $9) RETURNING id",
                org,
                *district,
                format!("防护服穿脱培训（{name}第{}期）", k + 1),
                format!("{name}社会工作服务站"),
                Ts::from(starts),
                Ts::from(ends),
                group.len() as i64,
                coordinator,
                Ts::from(recruited)
            )?;
            for id in group {
                execute!(
                    &mut *tx,
                    "INSERT INTO training_enrolments (training_id, volunteer_id, enrolled_at, attended_at, marked_by) VALUES ($1, $2, $3, $4, $5)",
                    training,
                    id,
                    Ts::from(recruited),
                    Ts::from(ends),
                    coordinator
                )?;
                execute!(
                    &mut *tx,
                    "INSERT INTO credentials (volunteer_id, kind, granted_at, expires_at, training_id, granted_by) VALUES ($1, 'ppe', $2, $3, $4, $5)",
                    id,
                    Ts::from(ends),
                    Ts::from(ends + ppe),
                    training,
                    coordinator
                )?;
            }
            trained += group.len();
        }
        let starts = now + Duration::days(2) + Duration::hours(d as i64 % 4);
        execute!(
            &mut *tx,
            "INSERT INTO trainings (org_id, division_code, title, credential, place, starts_at, ends_at, capacity, created_by, created_at)
             VALUES ($1, $2, $3, 'first_aid', $4, $5, $6, 40, $7, $8)",
            org,
            *district,
            format!("现场急救培训（{name}）"),
            format!("{name}社会工作服务站"),
            Ts::from(starts),
            Ts::from(starts + Duration::hours(3)),
            coordinator,
            Ts::from(now)
        )?;
    }
    Ok(trained)
}

/// The demo's `volunteer` account (何志愿, 鄠邑区) becomes the leader of
/// the first squad there, so that signing in as it shows a volunteer's own
/// page with a squad; the account drawn for that place is dropped. Three
/// days of duty stand on its record, and a word from the coordinator.
async fn link_demo_volunteer(
    tx: &mut crate::db::Tx,
    coordinator: i64,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let Some((account, display_name)) = crate::fetch_optional!(
        &mut *tx,
        (i64, String),
        "SELECT id, display_name FROM accounts WHERE username = 'volunteer'"
    )?
    else {
        return Ok(());
    };
    let Some((volunteer, drawn, application)) = crate::fetch_optional!(
        &mut *tx,
        (i64, i64, i64),
        "SELECT v.id, v.account_id, v.application_id FROM squads s JOIN volunteers v ON v.id = s.leader_id
         WHERE s.division_code >= '610118' AND s.division_code < '610118~' ORDER BY s.id LIMIT 1"
    )?
    else {
        return Ok(());
    };
    execute!(
        &mut *tx,
        "UPDATE volunteers SET account_id = $1, name = $2 WHERE id = $3",
        account,
        &display_name,
        volunteer
    )?;
    execute!(
        &mut *tx,
        "UPDATE applications SET name = $1 WHERE id = $2",
        &display_name,
        application
    )?;
    execute!(&mut *tx, "DELETE FROM accounts WHERE id = $1", drawn)?;
    let squad = crate::fetch_optional!(
        &mut *tx,
        (i64,),
        "SELECT squad_id FROM squad_members WHERE volunteer_id = $1 AND left_at IS NULL",
        volunteer
    )?
    .map(|(s,)| s);
    for day in 1..=3 {
        // 08:30 to 17:00 Beijing time, `day` days ago.
        let start = (now - Duration::days(day))
            .to_offset(time::macros::offset!(+8))
            .replace_time(time::macros::time!(08:30));
        execute!(
            &mut *tx,
            "INSERT INTO duties (volunteer_id, squad_id, started_at, ended_at) VALUES ($1, $2, $3, $4)",
            volunteer,
            squad,
            Ts::from(start),
            Ts::from(start + Duration::minutes(510))
        )?;
    }
    execute!(
        &mut *tx,
        "INSERT INTO volunteer_feedback (volunteer_id, rating, comment, given_by, given_at) VALUES ($1, 5, $2, $3, $4)",
        volunteer,
        "连续三天配送，独居老人都送到了，做得很好",
        coordinator,
        Ts::from(now - Duration::hours(20))
    )?;
    Ok(())
}

/// A city day of work: `n` contacts over the last 24 hours, each squad
/// serving households of its own (the needs there are, dealt out among the
/// squads so none is shared) and the first thirty driving a vehicle each
/// (the field report's vehicle team). The contact rule holds throughout.
async fn work_day(
    tx: &mut crate::db::Tx,
    squads: &[i64],
    n: usize,
    now: OffsetDateTime,
) -> anyhow::Result<usize> {
    if squads.is_empty() || n == 0 {
        return Ok(0);
    }
    let needs: Vec<(i64, String)> = crate::fetch_all!(
        &mut *tx,
        (i64, String),
        "SELECT id, division_code FROM needs ORDER BY id"
    )?;
    let org = fetch_scalar!(
        &mut *tx,
        i64,
        "SELECT org_id FROM squads WHERE id = $1",
        squads[0]
    )?;
    let mut vehicles = Vec::new();
    for (k, squad) in squads.iter().take(30).enumerate() {
        let division = fetch_scalar!(
            &mut *tx,
            String,
            "SELECT division_code FROM squads WHERE id = $1",
            *squad
        )?;
        let vehicle = fetch_scalar!(
            &mut *tx,
            i64,
            "INSERT INTO vehicles (org_id, division_code, plate, description, seats, created_at) VALUES ($1, $2, $3, '物资运输', 7, $4) RETURNING id",
            org,
            &division,
            format!("陕A{:05}", 80_000 + k),
            Ts::from(now - Duration::days(10)),
        )?;
        vehicles.push((*squad, vehicle, division));
    }
    let mut written = 0;
    let mut rows: Vec<(i64, &'static str, i64, String, Ts)> = Vec::with_capacity(n);
    for i in 0..n {
        let k = i % squads.len();
        let at = Ts::from(now - Duration::seconds(((n - i) * 86_400 / n) as i64));
        // Every tenth trip of a squad with a vehicle is a drive.
        if let Some((squad, vehicle, division)) = vehicles
            .get(k)
            .filter(|_| (i / squads.len()).is_multiple_of(10))
        {
            rows.push((*squad, "vehicle", *vehicle, division.clone(), at));
        } else if !needs.is_empty() {
            // The households of squad k: needs k, k + squads, k + 2·squads…
            let mine = (needs.len() + squads.len() - 1 - k) / squads.len();
            if mine == 0 {
                continue;
            }
            let need = &needs[k + (i / squads.len() % mine) * squads.len()];
            rows.push((squads[k], "household", need.0, need.1.clone(), at));
        }
    }
    for piece in rows.chunks(500) {
        let sql = format!(
            "INSERT INTO contacts (squad_id, kind, target_id, division_code, at) VALUES {}",
            crate::db::values(tx, piece.len(), 5)
        );
        written += crate::execute_rows!(&mut *tx, sqlx::AssertSqlSafe(sql), piece, |r| (
            r.0, r.1, r.2, &r.3, r.4
        ))? as usize;
    }
    // Who holds each thing now: its last toucher (the gate of the rule).
    execute!(
        &mut *tx,
        "INSERT INTO contact_holds (kind, target_id, squad_id, at)
         SELECT c.kind, c.target_id, c.squad_id, c.at FROM contacts c
         WHERE c.id = (SELECT MAX(c2.id) FROM contacts c2 WHERE c2.kind = c.kind AND c2.target_id = c.target_id)"
    )?;
    Ok(written)
}
