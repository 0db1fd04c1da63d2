//! The Xi'an scenario of December 2021 (see shared mission notes): the
//! Shaanxi coalition with its 8 working groups, organisations in three
//! tiers, zones in 雁塔区, and one account per role. Loaded once.

use std::fmt::Write;

use anyhow::Context;

use crate::access::store::NewAccount;
use crate::audit::model::NewEvent;
use crate::db::Db;
use crate::needs::model::NewNeed;
use crate::needs::store as needs;
use crate::orgs::model::NewOrg;
use crate::orgs::store as orgs;
use crate::{execute, fetch_scalar};

pub mod care;
pub mod city;
pub mod roster;
pub mod screening;

pub const COALITION: &str = "陕西社会组织抗疫联合行动";
/// Password of every demo account (printed at start).
pub const DEMO_PASSWORD: &str = "liandong-demo-2021";

/// (name, kind, tier, jurisdiction, contact, phone)
const ORGS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "陕西省社会组织联合行动服务中心",
        "service_agency",
        "province",
        "61",
        "李主任",
        "13991100001",
    ),
    (
        "陕西省慈善联合会",
        "association",
        "province",
        "61",
        "张秘书长",
        "13991100002",
    ),
    (
        "西安市社会工作协会",
        "association",
        "city",
        "6101",
        "王会长",
        "13991100003",
    ),
    (
        "卓明灾害信息服务中心",
        "volunteer_group",
        "province",
        "61",
        "陈协调",
        "13991100004",
    ),
    (
        "西安市心理卫生协会",
        "association",
        "city",
        "6101",
        "刘医生",
        "13991100005",
    ),
    (
        "陕西省物流与采购联合会",
        "association",
        "province",
        "61",
        "赵经理",
        "13991100006",
    ),
    (
        "西安市慈善会",
        "foundation",
        "city",
        "6101",
        "孙老师",
        "13991100007",
    ),
    (
        "西安市妇女儿童服务中心",
        "service_agency",
        "city",
        "6101",
        "周社工",
        "13991100008",
    ),
    (
        "陕西省餐饮行业协会",
        "association",
        "province",
        "61",
        "吴会长",
        "13991100009",
    ),
    (
        "西安蓝天救援队",
        "volunteer_group",
        "city",
        "6101",
        "郑队长",
        "13991100010",
    ),
    (
        "雁塔区小寨路街道办事处",
        "office",
        "county",
        "610113001",
        "马主任",
        "02985550011",
    ),
    (
        "鄠邑区涝店街道办事处",
        "office",
        "county",
        "610118011",
        "冯主任",
        "02984810012",
    ),
    (
        "长安区志愿者协会",
        "volunteer_group",
        "county",
        "610116",
        "何会长",
        "13991100013",
    ),
    (
        "西安市疾控消杀服务队",
        "service_agency",
        "city",
        "6101",
        "许队长",
        "13991100014",
    ),
];

/// Onboarding requests still waiting for approval.
const PENDING: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "未央区青年志愿者协会",
        "volunteer_group",
        "county",
        "610112",
        "唐同学",
        "13991100021",
    ),
    (
        "西安爱心车队",
        "volunteer_group",
        "city",
        "6101",
        "韩师傅",
        "13991100022",
    ),
];

/// The 8 working groups, the need kinds each answers for (its leads see
/// those kinds' escalated needs) and the 1–2 lead organisations of each
/// (by index in ORGS).
const GROUPS: &[(&str, &str, &str, &[usize])] = &[
    (
        "物资捐赠组",
        "对接捐赠物资与社区需求，公开去向",
        ",food,ppe,",
        &[1, 6],
    ),
    ("心理援助组", "热线与线上心理支持、危机转介", ",care,", &[4]),
    ("志愿者协调组", "招募、培训、分队派遣", "", &[2, 3]),
    (
        "车辆保障组",
        "通行证与夜间配送车队",
        ",transport,medical,",
        &[5],
    ),
    (
        "需求核实组",
        "电话核实与跟进每一条需求",
        ",food,medicine,medical,ppe,care,transport,other,",
        &[0],
    ),
    (
        "特殊人群关爱组",
        "老人、儿童、孕产妇与残障人士",
        ",care,medicine,",
        &[7],
    ),
    ("生活物资组", "方便食品、蔬菜与团购对接", ",food,", &[8]),
    ("消杀防疫组", "公共区域消杀与防护物资", ",ppe,", &[13, 9]),
];

/// (username, display name, role, org index, jurisdiction)
const ACCOUNTS: &[(&str, &str, &str, usize, &str)] = &[
    ("admin", "系统管理员", "admin", 0, ""),
    ("coordinator", "李协调（西安市）", "coordinator", 2, "6101"),
    ("operator", "王热线（西安市）", "operator", 0, "6101"),
    ("caseworker", "周社工（雁塔区）", "caseworker", 7, "610113"),
    (
        "screener",
        "马排查（小寨路街道）",
        "screener",
        10,
        "610113001",
    ),
    ("volunteer", "何志愿（鄠邑区）", "volunteer", 12, "610118"),
    ("viewer", "观察员（西安市）", "viewer", 2, "6101"),
    // The industry association that pledges food on the field report's night.
    (
        "association",
        "吴会长（陕西省餐饮行业协会）",
        "coordinator",
        8,
        "61",
    ),
];

/// Load the scenario unless it is there; returns what to print.
pub async fn load(db: &Db) -> anyhow::Result<String> {
    let mut out = String::new();
    let present = {
        let mut tx = db.read().await?;
        fetch_scalar!(
            &mut tx,
            i64,
            "SELECT COUNT(*) FROM coalitions WHERE name = $1",
            COALITION
        )? > 0
    };
    if !present {
        insert(db).await.context("loading the demo scenario")?;
        writeln!(
            out,
            "demo: loaded the Xi'an scenario (coalition {COALITION}, {} organisations)",
            ORGS.len() + PENDING.len()
        )?;
    } else {
        writeln!(out, "demo: the Xi'an scenario is already loaded")?;
    }
    writeln!(out, "demo accounts (password {DEMO_PASSWORD}):")?;
    for (username, name, role, _, j) in ACCOUNTS {
        let area = if j.is_empty() {
            "全国".to_owned()
        } else {
            crate::orgs::model::division_name(j)
        };
        writeln!(out, "  {username:<12} {role:<12} {name} · {area}")?;
    }
    Ok(out)
}

/// Add the city's needs unless a picture is there already; returns what
/// to print.
pub async fn load_city(db: &Db, needs: usize, open: usize) -> anyhow::Result<String> {
    if needs == 0 {
        return Ok(String::new());
    }
    anyhow::ensure!(
        open <= needs,
        "--demo-open {open} is more than --demo-needs {needs}"
    );
    let present = {
        let mut tx = db.read().await?;
        fetch_scalar!(
            &mut tx,
            i64,
            "SELECT COUNT(*) FROM needs WHERE idempotency_key LIKE 'city-%'"
        )?
    };
    if present > 0 {
        return Ok(format!(
            "demo: the city's {present} needs are already there\n"
        ));
    }
    let started = std::time::Instant::now();
    let picture = city::Picture {
        needs,
        open,
        seed: 2021,
        now: crate::db::now(),
    };
    let written = city::fill(db, &picture).await.context("filling the city")?;
    Ok(format!(
        "demo: {written} needs across Xi'an's 13 districts ({open} open) in {} ms\n",
        started.elapsed().as_millis()
    ))
}

/// Add the city's volunteers, squads and sealed streets unless they are
/// there; returns what to print.
pub async fn load_roster(db: &Db, volunteers: usize, work: usize) -> anyhow::Result<String> {
    let started = std::time::Instant::now();
    let Some(r) = roster::load(db, volunteers, volunteers / 4, work)
        .await
        .context("recruiting the city's volunteers")?
    else {
        return Ok(String::new());
    };
    Ok(format!(
        "demo: {} volunteers in {} squads, {} contacts in the last day; {} streets sealed, {} can still move ({} ms)\n",
        r.volunteers,
        r.squads,
        r.work,
        r.sealed_streets,
        r.movable,
        started.elapsed().as_millis()
    ))
}

/// Add the screening team's lists, shift, calls and managements unless
/// they are there already; returns what to print.
/// Add the city's care recipients with their guardians (after the
/// roster) unless they are there; returns what to print.
pub async fn load_care(db: &Db, recipients: usize) -> anyhow::Result<String> {
    let started = std::time::Instant::now();
    let Some(c) = care::load(db, recipients)
        .await
        .context("the city's care recipients")?
    else {
        return Ok(String::new());
    };
    Ok(format!(
        "demo: {} care recipients with guardians from their street: {} covered, {} without a backup, {} without a guardian ({} ms)\n",
        c.recipients,
        c.covered,
        c.no_backup,
        c.no_guardian,
        started.elapsed().as_millis()
    ))
}

pub async fn load_screening(db: &Db, rows: usize) -> anyhow::Result<String> {
    let started = std::time::Instant::now();
    let Some(s) = screening::load(db, rows)
        .await
        .context("the screening team's lists")?
    else {
        return Ok(String::new());
    };
    Ok(format!(
        "demo: screening lists of {rows}, {} and {} rows made {} subjects; {} calls at 小寨路街道, {} people under management ({} ms)\n",
        rows * 3 / 5,
        rows * 2 / 5,
        s.subjects,
        s.calls,
        s.managed,
        started.elapsed().as_millis()
    ))
}

fn new_org(o: &(&str, &str, &str, &str, &str, &str)) -> NewOrg {
    NewOrg {
        name: o.0.into(),
        kind: o.1.into(),
        tier: o.2.into(),
        jurisdiction_code: o.3.into(),
        contact_name: o.4.into(),
        contact_phone: o.5.into(),
        description: String::new(),
    }
}

async fn insert(db: &Db) -> anyhow::Result<()> {
    let mut ids = Vec::new();
    for o in ORGS {
        let id = orgs::create(db, None, &new_org(o))
            .await
            .map_err(|e| anyhow::anyhow!("org {}: {e:?}", o.0))?;
        let mut tx = db.write().await?;
        execute!(
            &mut tx,
            "UPDATE orgs SET status = 'approved' WHERE id = $1",
            id
        )?;
        crate::audit::store::record(
            &mut tx,
            NewEvent::by_or_system(None, "org.approve", "org", id, o.3),
        )
        .await?;
        tx.commit().await?;
        ids.push(id);
    }
    for o in PENDING {
        orgs::create(db, None, &new_org(o))
            .await
            .map_err(|e| anyhow::anyhow!("org {}: {e:?}", o.0))?;
    }
    let coalition_id = {
        let mut tx = db.write().await?;
        let id = fetch_scalar!(
            &mut tx,
            i64,
            "INSERT INTO coalitions (name, jurisdiction_code, coordinating_org_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            COALITION,
            "61",
            ids[0],
            crate::db::stamp(),
        )?;
        for (pos, (name, desc, kinds, _)) in GROUPS.iter().enumerate() {
            execute!(
                &mut tx,
                "INSERT INTO working_groups (coalition_id, name, description, position, need_kinds) VALUES ($1, $2, $3, $4, $5)",
                id,
                *name,
                *desc,
                pos as i64,
                *kinds,
            )?;
        }
        crate::audit::store::record(
            &mut tx,
            NewEvent::by_or_system(None, "coalition.create", "coalition", id, "61"),
        )
        .await?;
        tx.commit().await?;
        id
    };
    for &org in &ids {
        orgs::admit(db, None, coalition_id, org)
            .await
            .map_err(|e| anyhow::anyhow!("admit: {e:?}"))?;
    }
    let group_ids: Vec<(i64,)> = {
        let mut tx = db.read().await?;
        crate::fetch_all!(
            &mut tx,
            (i64,),
            "SELECT id FROM working_groups WHERE coalition_id = $1 ORDER BY position",
            coalition_id
        )?
    };
    for ((gid,), (_, _, _, leads)) in group_ids.iter().zip(GROUPS) {
        let lead_ids: Vec<i64> = leads.iter().map(|&i| ids[i]).collect();
        orgs::set_leads(db, None, *gid, &lead_ids)
            .await
            .map_err(|e| anyhow::anyhow!("leads: {e:?}"))?;
    }
    let mut account_ids = Vec::new();
    for (username, name, role, org, j) in ACCOUNTS {
        let a = NewAccount {
            username: (*username).into(),
            display_name: (*name).into(),
            password: DEMO_PASSWORD.into(),
            role: (*role).into(),
            org_id: ids[*org],
            jurisdiction_code: (*j).into(),
        };
        account_ids.push(
            crate::access::store::create(db, None, &a)
                .await
                .map_err(|e| anyhow::anyhow!("account {username}: {e:?}"))?,
        );
    }
    // Zones as on 2021-12-23, when Xi'an sealed the city: 兴善社区 sealed,
    // the rest of 小寨路街道 controlled, 雁塔区 on precaution.
    let mut tx = db.write().await?;
    let start = time::macros::datetime!(2021-12-23 00:00 +08:00).to_offset(time::UtcOffset::UTC);
    let coordinator = account_ids[1];
    let xingshan = divisions::Tree::china()
        .search_divisions(
            "兴善社区",
            divisions::Tree::china().find("610113001").map(|d| d.id()),
            1,
        )
        .first()
        .map(|d| d.code())
        .unwrap_or_else(|| "610113001".to_owned());
    for (code, compound, level, reason) in [
        (xingshan.as_str(), "", "sealed", "出现确诊病例"),
        ("610113001", "长延堡小区", "controlled", "密接居住小区"),
        ("610113", "", "precaution", "全市防控"),
    ] {
        let id = fetch_scalar!(
            &mut tx,
            i64,
            "INSERT INTO zones (division_code, compound, level, starts_at, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            code,
            compound,
            level,
            crate::db::Ts::from(start),
            reason,
            coordinator,
            crate::db::stamp(),
        )?;
        crate::audit::store::record(
            &mut tx,
            NewEvent::by_or_system(None, "zone.mark", "zone", id, code),
        )
        .await?;
    }
    tx.commit().await?;
    // The hotline's first evening (the field report's 17:51 call and the
    // days around it), taken down by the operator.
    let operator = {
        let mut tx = db.read().await?;
        crate::access::store::scope_for(&mut tx, account_ids[2], "")
            .await?
            .context("the demo operator's scope")?
    };
    let mut need_ids = Vec::new();
    for (n, (kind, urgency, people, address, story, contact, phone)) in NEEDS.iter().enumerate() {
        let need = NewNeed {
            kind: (*kind).into(),
            urgency: (*urgency).into(),
            people: people.to_string(),
            description: (*story).into(),
            contact_name: (*contact).into(),
            contact_phone: (*phone).into(),
            address: (*address).into(),
            idempotency_key: format!("demo-need-{n:04}"),
            // The pensioner on her own, out of blood-pressure pills.
            vulnerable: if n == 3 {
                vec!["elderly_alone".into(), "chronic_illness".into()]
            } else {
                Vec::new()
            },
        };
        let taken = needs::create(db, &operator, &need)
            .await
            .map_err(|e| anyhow::anyhow!("need {n}: {e:?}"))?;
        // Where the report leaves them that night: the village verified
        // by phone, the PPE call being made, the pensioner escalated.
        let steps: &[&str] = match n {
            0 => &["verifying", "verified"],
            1 => &["verifying"],
            _ => &[],
        };
        let failed = |e| anyhow::anyhow!("need {n}: {e:?}");
        for to in steps {
            needs::set_status(db, &operator, taken.id, to, "")
                .await
                .map_err(failed)?;
        }
        if n == 3 {
            let why = "独居老人断药，一小时内送达";
            needs::set_escalated(db, &operator, taken.id, true, why)
                .await
                .map_err(failed)?;
        }
        need_ids.push(taken.id);
    }
    let scope_of = |i: usize| {
        let db = db.clone();
        let id = account_ids[i];
        async move {
            let mut tx = db.read().await?;
            crate::access::store::scope_for(&mut tx, id, "")
                .await?
                .context("a demo account's scope")
        }
    };
    let coordinator = scope_of(1).await?;
    let association = scope_of(ACCOUNTS.len() - 1).await?;
    supply(db, &coordinator, &association, need_ids[0], &ids)
        .await
        .map_err(|e| anyhow::anyhow!("supply: {e:?}"))?;
    Ok(())
}

/// Supply as on that night: three depots (the city's transfer depot run by
/// the logistics federation, 鄠邑区's, a street's point), what they hold,
/// a van, hotline hours and money on offer, and the village's appeal with
/// the catering association's pledge.
async fn supply(
    db: &Db,
    coordinator: &crate::access::model::Scope,
    association: &crate::access::model::Scope,
    village_need: i64,
    org_ids: &[i64],
) -> Result<(), crate::web::error::AppError> {
    use crate::supply::model::{
        AppealLineInput, NewAppeal, NewDepot, NewOffer, NewPledge, StockChange,
    };
    use crate::supply::store as supply;
    let catalogue = supply::items(&mut db.read().await?).await?;
    let item = |code: &str| -> Result<i64, crate::web::error::AppError> {
        catalogue
            .iter()
            .find(|i| i.code == code)
            .map(|i| i.id)
            .ok_or_else(|| anyhow::anyhow!("no {code} in the catalogue").into())
    };
    let mut depots = Vec::new();
    for (name, org, code, address) in [
        (
            "西安市应急物资中转库",
            5,
            "6101",
            "未央区北三环物流园 A 区 6 号库",
        ),
        (
            "鄠邑区应急物资库",
            5,
            "610118",
            "鄠邑区甘亭街道城北物流中心",
        ),
        (
            "小寨路街道物资点",
            7,
            "610113001",
            "雁塔区小寨路街道办事处一楼",
        ),
    ] {
        let d = NewDepot {
            name: name.into(),
            org_id: Some(org_ids[org]),
            division_code: code.into(),
            address: address.into(),
        };
        depots.push(supply::create_depot(db, coordinator, &d).await?.id);
    }
    for (depot, code, quantity, from) in [
        (0, "instant_noodles", "300", "市商务局调拨"),
        (0, "drinking_water", "200", "市商务局调拨"),
        (0, "surgical_mask", "20000", "省慈善联合会捐赠"),
        (0, "protective_suit", "800", "省慈善联合会捐赠"),
        (1, "rice", "120", "区粮油公司"),
        (2, "vegetables", "500", "社区团购"),
    ] {
        let c = StockChange {
            item_id: item(code)?,
            quantity: quantity.into(),
            reason: from.into(),
        };
        supply::receive(db, coordinator, depots[depot], &c).await?;
    }
    let offers = [
        NewOffer {
            kind: "vehicle".into(),
            org_id: Some(org_ids[5]),
            contact_name: "韩师傅".into(),
            contact_phone: "13991100122".into(),
            description: "4.2 米厢式货车，夜间可跑".into(),
            seats: "2".into(),
            load_kg: "1500".into(),
            pass: "西A通-0091".into(),
            zones: "610118, 610116".into(),
            ..Default::default()
        },
        NewOffer {
            kind: "service".into(),
            org_id: Some(org_ids[4]),
            description: "心理疏导热线，每晚 19:00–23:00".into(),
            hours: "200".into(),
            ..Default::default()
        },
        NewOffer {
            kind: "money".into(),
            org_id: Some(org_ids[6]),
            value_yuan: "500000".into(),
            ..Default::default()
        },
    ];
    let mut offer_ids = Vec::new();
    for o in &offers {
        offer_ids.push(supply::create_offer(db, coordinator, o).await?.id);
    }
    // The charity's money is in.
    let receipt = crate::supply::model::OfferReceipt::default();
    supply::receive_offer(db, coordinator, offer_ids[2], &receipt).await?;
    let needed_by = (crate::db::now() + time::Duration::hours(12))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let line = |code: &str, q: &str| -> Result<AppealLineInput, crate::web::error::AppError> {
        Ok(AppealLineInput {
            item_id: item(code)?,
            quantity: q.into(),
        })
    };
    let appeal = NewAppeal {
        need_id: Some(village_need),
        division_code: String::new(),
        title: "龙窝村方便食品".into(),
        description: "全村封控，村里小卖部已空，村干部核实约 60 户需要方便食品。".into(),
        needed_by,
        lines: vec![
            line("instant_noodles", "200")?,
            line("self_heating_rice", "100")?,
            line("biscuits", "100")?,
            line("bread", "100")?,
        ],
    };
    let appeal = supply::create_appeal(db, coordinator, &appeal).await?;
    let pledge = NewPledge {
        org_id: None,
        lines: vec![
            line("instant_noodles", "200")?,
            line("self_heating_rice", "60")?,
        ],
        depot_id: Some(depots[1]),
        contact_name: "吴会长".into(),
        contact_phone: "13991100009".into(),
    };
    let pledged = supply::pledge(db, association, appeal.id, &pledge).await?;
    // The noodles came in overnight and went out to the village at once;
    // the rice is still on its way.
    supply::receive_offer(db, coordinator, pledged[0].id, &receipt).await?;
    let held = crate::supply::model::NewReservation {
        item_id: item("instant_noodles")?,
        need_id: village_need,
        quantity: "200".into(),
    };
    let r = supply::reserve(db, coordinator, depots[1], &held).await?;
    supply::settle(db, coordinator, r.id, true, "夜间车队送达村委会").await?;
    Ok(())
}

/// (kind, urgency, people, address, story, contact, phone): needs from
/// the Shaanxi field report — a village out of instant food at 17:51, a
/// village short of PPE, a stranded migrant worker, a resident who lives
/// alone.
const NEEDS: &[(&str, &str, u32, &str, &str, &str, &str)] = &[
    (
        "food",
        "urgent",
        300,
        "西安市鄠邑区涝店镇龙窝村委会",
        "17:51 来电：全村封控，村民急需方便面、自热米饭、饼干、面包等即食食品。",
        "龙窝村王书记",
        "13809185101",
    ),
    (
        "ppe",
        "urgent",
        1,
        "西安市长安区西韦村",
        "村里防疫物资告急：需要防护服 500 套、面屏 500 个、体温计 5 支、酒精 20 桶。",
        "西韦村李主任",
        "13909185102",
    ),
    (
        "food",
        "normal",
        1,
        "西安市雁塔区小寨路街道兴善社区",
        "外地务工人员滞留，身上钱已用完，两天没有正常吃饭。",
        "陈师傅",
        "13709185103",
    ),
    (
        "medicine",
        "critical",
        1,
        "西安市碑林区南院门街道",
        "独居老人，降压药只剩一天，子女在外地。",
        "赵阿姨",
        "02985551104",
    ),
];
