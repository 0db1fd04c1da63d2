//! The authorization matrix: every role × every endpoint × a record inside
//! and outside the caller's jurisdiction. Inside: the role's rule decides.
//! Outside: 403/404 (or, for lists, a 200 that does not mention the
//! record), and never a field of it. New endpoints join `cases()`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::harness::*;

const ROLES: [&str; 8] = [
    "anonymous",
    "admin",
    "coordinator",
    "operator",
    "caseworker",
    "screener",
    "volunteer",
    "viewer",
];
/// The demo accounts' jurisdictions.
fn jurisdiction(role: &str) -> &'static str {
    match role {
        "coordinator" | "operator" | "viewer" => "6101",
        "caseworker" => "610113",
        "screener" => "610113001",
        "volunteer" => "610118",
        _ => "",
    }
}
/// Outside every Xi'an account: 武汉市江岸区.
const OUTSIDE: &str = "420102";

/// A record made fresh for one call, inside or outside the caller's area.
#[derive(Default)]
struct Target {
    org_id: i64,
    zone_id: i64,
    need_id: i64,
    account_id: i64,
    depot_id: i64,
    appeal_id: i64,
    /// A pledge against the appeal (an offer, with a contact phone).
    offer_id: i64,
    /// Stock of item 1 held at the depot for the need.
    reservation_id: i64,
    /// A recruitment campaign for the area, and a sign-up to it (named
    /// after the secret: an applicant's name is personal).
    campaign_id: i64,
    application_id: i64,
    /// A squad of the area, and (for the cases that need one) a volunteer
    /// accepted from a second sign-up (0 otherwise).
    squad_id: i64,
    volunteer_id: i64,
    /// A training session of the area, under way.
    training_id: i64,
    /// A screening subject living in a street of the area, whose trip
    /// is the secret (0 when the case needs none).
    subject_id: i64,
    /// A second subject of that list, under management (0 likewise).
    management_id: i64,
    /// A care recipient of the first community of the area, named after
    /// the secret, and that community.
    care_id: i64,
    care_division: String,
    /// A case of that community, held by the admin's organisation.
    case_id: i64,
    division: String,
    /// A string only this record's body contains (must not leak outside).
    secret: String,
}

// Each flag is a kind of record only some cases need (each costs calls).
#[allow(clippy::too_many_arguments)]
async fn make_target(
    app: &TestApp,
    admin: &reqwest::Client,
    code: &str,
    n: usize,
    volunteer: bool,
    subject: bool,
    managed: bool,
    care: bool,
) -> Target {
    let code = if code.is_empty() { "61" } else { code };
    let name = format!("矩阵测试组织{n}号");
    let phone = format!("1380000{n:04}");
    let (status, org) = app.post(admin, "/api/orgs", &json!({"name": name, "kind": "company", "tier": "county", "jurisdiction_code": code, "contact_name": "测试", "contact_phone": phone})).await;
    assert_eq!(status, 201, "{org}");
    let compound = format!("矩阵小区{n}");
    let (status, zone) = app
        .post(
            admin,
            "/api/zones",
            &json!({"division_code": code, "compound": compound, "level": "controlled"}),
        )
        .await;
    assert_eq!(status, 201, "{zone}");
    let (status, need) = app
        .post(
            admin,
            "/api/needs",
            &need_in(code, &format!("{name}的需求"), n),
        )
        .await;
    assert_eq!(status, 201, "{need}");
    let (status, account) = app
        .post(
            admin,
            "/api/accounts",
            &json!({"username": format!("target{n}"), "display_name": "矩阵账号", "password": "matrix-target-1",
                "role": "volunteer", "org_id": org["id"], "jurisdiction_code": code}),
        )
        .await;
    assert_eq!(status, 201, "{account}");
    let (status, depot) = app
        .post(
            admin,
            "/api/depots",
            &json!({"name": format!("{name}仓库"), "org_id": 1, "division_code": code, "address": "矩阵路1号"}),
        )
        .await;
    assert_eq!(status, 201, "{depot}");
    let depot_id = depot["id"].as_i64().unwrap();
    let (status, r) = app
        .post(
            admin,
            &format!("/api/depots/{depot_id}/receive"),
            &json!({"item_id": 1, "quantity": 10}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let need_id = need["id"].as_i64().unwrap();
    let (status, reservation) = app
        .post(
            admin,
            &format!("/api/depots/{depot_id}/reservations"),
            &json!({"item_id": 1, "need_id": need_id, "quantity": 2}),
        )
        .await;
    assert_eq!(status, 201, "{reservation}");
    let (status, appeal) = app
        .post(
            admin,
            "/api/appeals",
            &json!({"need_id": need_id, "title": format!("{name}征集"), "needed_by": later(), "lines": [{"item_id": 1, "quantity": 50}]}),
        )
        .await;
    assert_eq!(status, 201, "{appeal}");
    let appeal_id = appeal["id"].as_i64().unwrap();
    let (status, pledge) = app
        .post(
            admin,
            &format!("/api/appeals/{appeal_id}/pledges"),
            &json!({"lines": [{"item_id": 1, "quantity": 20}], "contact_name": "矩阵", "contact_phone": phone, "depot_id": depot_id}),
        )
        .await;
    assert_eq!(status, 201, "{pledge}");
    let today = time::OffsetDateTime::now_utc().date();
    let (status, campaign) = app
        .post(
            admin,
            "/api/campaigns",
            &json!({"org_id": 1, "title": format!("{name}招募"), "division_code": code,
                "starts_on": (today - time::Duration::days(1)).to_string(), "ends_on": (today + time::Duration::days(9)).to_string(),
                "slots": [{"category": "general", "wanted": 5}]}),
        )
        .await;
    assert_eq!(status, 201, "{campaign}");
    let first = format!("61011319900101{:03}", n % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let id_number = format!("{first}{}", b"10X98765432"[(sum % 11) as usize] as char);
    // Each sign-up from its own resident's phone (a client address of its
    // own, through the trusted proxy), as the public limit expects.
    let res = app
        .client()
        .post(app.at(&format!("/api/campaigns/public/{}/applications", campaign["reference"].as_str().unwrap())))
        .header("x-forwarded-for", format!("10.9.{}.{}", n / 250, n % 250 + 1))
        .json(&json!({"name": name, "phone": phone, "document_number": id_number,
            "address": divisions::Tree::china().find(code).unwrap().full_name(), "category": "general",
            "availability": ["weekend"], "idempotency_key": format!("matrix-signup-{n:06}")}))
        .send()
        .await
        .unwrap();
    let (status, applied) = json(res).await;
    assert_eq!(status, 201, "{applied}");
    let campaign_id = campaign["id"].as_i64().unwrap();
    let (_, queue) = app
        .get(admin, &format!("/api/campaigns/{campaign_id}/applications"))
        .await;
    let (status, training) = app
        .post(
            admin,
            "/api/trainings",
            &json!({"org_id": 1, "division_code": code, "title": "防护服穿脱", "credential": "ppe",
                "place": "社工站", "starts_at": later_than_now(-1), "ends_at": later_than_now(1), "capacity": 5}),
        )
        .await;
    assert_eq!(status, 201, "{training}");
    let (status, squad) = app
        .post(
            admin,
            "/api/squads",
            &json!({"org_id": 1, "division_code": code, "name": format!("{name}小分队")}),
        )
        .await;
    assert_eq!(status, 201, "{squad}");
    let volunteer_id = if volunteer {
        let second = format!("61011319800101{:03}", n % 1000);
        let sum: u32 = second
            .chars()
            .zip(weights)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        let res = app
            .client()
            .post(app.at(&format!("/api/campaigns/public/{}/applications", campaign["reference"].as_str().unwrap())))
            .header("x-forwarded-for", format!("10.8.{}.{}", n / 250, n % 250 + 1))
            .json(&json!({"name": format!("{name}队员"), "phone": format!("1370{:07}", n), "document_number": format!("{second}{}", b"10X98765432"[(sum % 11) as usize] as char),
                "address": divisions::Tree::china().find(code).unwrap().full_name(), "category": "general",
                "availability": ["weekend"], "idempotency_key": format!("matrix-second-{n:06}")}))
            .send()
            .await
            .unwrap();
        let (status, applied) = json(res).await;
        assert_eq!(status, 201, "{applied}");
        let (_, queue) = app
            .get(admin, &format!("/api/campaigns/{campaign_id}/applications"))
            .await;
        let second_id = queue
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["reference"] == applied["reference"])
            .unwrap()["id"]
            .clone();
        let (status, decided) = app
            .post(
                admin,
                "/api/applications/decisions",
                &json!({"ids": [second_id], "decision": "accept"}),
            )
            .await;
        assert_eq!(status, 200, "{decided}");
        decided["volunteers"][0]["volunteer_id"].as_i64().unwrap()
    } else {
        0
    };
    let (subject_id, management_id) = if subject {
        screening_subject(app, admin, code, n, &name, managed).await
    } else {
        (0, 0)
    };
    // The care records only for the care cases (they cost two calls).
    let (care_id, care_division, case_id) = if care {
        let care_division = {
            let tree = divisions::Tree::china();
            let mut d = tree.find(code).unwrap();
            while d.level() < divisions::DivisionLevel::Community {
                d = d.children().next().unwrap();
            }
            d.code()
        };
        let (status, care) = app
            .post(
                admin,
                "/api/care/recipients",
                &json!({"name": name, "phone": phone, "address": "矩阵路2号", "division_code": care_division,
                    "categories": ["elderly_alone"]}),
            )
            .await;
        assert_eq!(status, 201, "{care}");
        let (status, case) = app
            .post(
                admin,
                "/api/cases",
                &json!({"category": "child_at_risk", "risk": "high", "source": "report", "division_code": care_division,
                    "person_name": name, "person_phone": phone, "person_address": "矩阵路4号", "summary": "矩阵测试"}),
            )
            .await;
        assert_eq!(status, 201, "{case}");
        (
            care["id"].as_i64().unwrap(),
            care_division,
            case["id"].as_i64().unwrap(),
        )
    } else {
        (0, String::new(), 0)
    };
    Target {
        case_id,
        care_id,
        care_division,
        squad_id: squad["id"].as_i64().unwrap(),
        volunteer_id,
        training_id: training["id"].as_i64().unwrap(),
        subject_id,
        management_id,
        campaign_id,
        application_id: queue[0]["id"].as_i64().unwrap(),
        depot_id,
        appeal_id,
        offer_id: pledge[0]["id"].as_i64().unwrap(),
        reservation_id: reservation["id"].as_i64().unwrap(),
        account_id: account["id"].as_i64().unwrap(),
        org_id: org["id"].as_i64().unwrap(),
        zone_id: zone["id"].as_i64().unwrap(),
        need_id: need["id"].as_i64().unwrap(),
        division: code.to_owned(),
        secret: name,
    }
}

/// A subject living in the first street of `code`, sent on a list as the
/// admin does: its id, and (when `managed`) the management of a second.
async fn screening_subject(
    app: &TestApp,
    admin: &reqwest::Client,
    code: &str,
    n: usize,
    secret: &str,
    managed: bool,
) -> (i64, i64) {
    let tree = divisions::Tree::china();
    let mut d = tree
        .find(if code.is_empty() { "6101" } else { code })
        .unwrap();
    while d.level() < divisions::DivisionLevel::Street {
        d = d.children().next().unwrap();
    }
    let mut csv = format!(
        "姓名,手机号码,现住址,车次\n矩阵{n},1391234{:04},{},{secret}\n",
        n % 10_000,
        d.full_name()
    );
    if managed {
        csv.push_str(&format!(
            "矩阵乙{n},1381234{:04},{},{secret}\n",
            n % 10_000,
            d.full_name()
        ));
    }
    crate::screening::send(app, admin, "matrix.csv", &csv, "矩阵来源", "transport").await;
    let (_, subjects) = app
        .get(
            admin,
            &format!("/api/screening/subjects?within={}", d.code()),
        )
        .await;
    let of = |prefix: &str| {
        subjects
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["phone"].as_str().unwrap().starts_with(prefix))
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let first = of("139");
    if !managed {
        return (first, 0);
    }
    let second = of("138");
    let (status, m) = app
        .post(
            admin,
            &format!("/api/screening/subjects/{second}/management"),
            &json!({"level": "home_isolation"}),
        )
        .await;
    assert_eq!(status, 201, "{m}");
    (first, m["id"].as_i64().unwrap())
}

/// `hours` from now, as RFC 3339.
fn later_than_now(hours: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(hours))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// Four hours from now, as RFC 3339.
fn later() -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(4))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// A need whose address is the full name of the division `code`.
fn need_in(code: &str, story: &str, n: impl std::fmt::Display) -> Value {
    let address = divisions::Tree::china().find(code).unwrap().full_name();
    json!({"kind": "food", "people": 2, "description": story, "contact_name": "矩阵",
        "contact_phone": "13900000000", "address": address, "idempotency_key": format!("matrix-need-{n}")})
}

struct Case {
    name: &'static str,
    /// The target needs a volunteer (an accepted sign-up: slower).
    volunteer: bool,
    /// The target needs a screening subject (a list sent: slower).
    subject: bool,
    method: Method,
    path: fn(&Target) -> String,
    body: fn(&Target) -> Option<Value>,
    /// Roles allowed on a record inside their jurisdiction, and the status they get.
    allowed: &'static [&'static str],
    ok: u16,
    /// Lists answer 200 to every role allowed, inside or out, and filter
    /// instead of refusing; other roles are refused.
    list: bool,
}

const ALL: &[&str] = &[
    "admin",
    "coordinator",
    "operator",
    "caseworker",
    "screener",
    "volunteer",
    "viewer",
];
const COORD: &[&str] = &["admin", "coordinator"];
const SCREEN: &[&str] = &["admin", "coordinator", "screener"];
const SEE_NEEDS: &[&str] = &["admin", "coordinator", "operator", "caseworker", "viewer"];
const TAKE_NEEDS: &[&str] = &["admin", "coordinator", "operator"];
const ADMIN: &[&str] = &["admin"];
const CARE: &[&str] = &["admin", "coordinator", "caseworker"];
const CARE_WATCH: &[&str] = &["admin", "coordinator", "caseworker", "viewer"];
/// A case held by the admin's organisation: its holder, and the office.
const CASE_SEE: &[&str] = &["admin", "coordinator"];

fn cases() -> Vec<Case> {
    fn none(_: &Target) -> Option<Value> {
        None
    }
    vec![
        Case {
            volunteer: false,
            subject: false,
            name: "me",
            method: Method::GET,
            path: |_| "/api/me".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list orgs",
            method: Method::GET,
            path: |_| "/api/orgs".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "get org",
            method: Method::GET,
            path: |t| format!("/api/orgs/{}", t.org_id),
            body: none,
            allowed: ALL,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "create org",
            method: Method::POST,
            path: |_| "/api/orgs".into(),
            body: |t| {
                Some(
                    json!({"name": format!("{}-新", t.secret), "kind": "company", "tier": "county", "jurisdiction_code": t.division, "contact_name": "某", "contact_phone": "13900000000"}),
                )
            },
            allowed: COORD,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "approve org",
            method: Method::POST,
            path: |t| format!("/api/orgs/{}/approve", t.org_id),
            body: |_| Some(json!({})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "reject org",
            method: Method::POST,
            path: |t| format!("/api/orgs/{}/reject", t.org_id),
            body: |_| Some(json!({})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "reveal phone",
            method: Method::POST,
            path: |t| format!("/api/orgs/{}/reveal", t.org_id),
            body: |_| Some(json!({"field": "contact_phone", "reason": "核实"})),
            allowed: &["admin", "coordinator", "operator"],
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list needs",
            method: Method::GET,
            path: |_| "/api/needs".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "get need",
            method: Method::GET,
            path: |t| format!("/api/needs/{}", t.need_id),
            body: none,
            allowed: SEE_NEEDS,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "take need",
            method: Method::POST,
            path: |_| "/api/needs".into(),
            body: |t| {
                Some(need_in(
                    &t.division,
                    &t.secret,
                    format!("take-{:08}", t.need_id),
                ))
            },
            allowed: TAKE_NEEDS,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "reveal need",
            method: Method::POST,
            path: |t| format!("/api/needs/{}/reveal", t.need_id),
            body: |_| Some(json!({"field": "address", "reason": "核实"})),
            allowed: TAKE_NEEDS,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "move need",
            method: Method::POST,
            path: |t| format!("/api/needs/{}/status", t.need_id),
            body: |_| Some(json!({"to": "verifying"})),
            allowed: TAKE_NEEDS,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "escalate need",
            method: Method::POST,
            path: |t| format!("/api/needs/{}/escalation", t.need_id),
            body: |_| Some(json!({"escalated": true, "reason": "超时未核实"})),
            allowed: TAKE_NEEDS,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "call need",
            method: Method::POST,
            path: |t| format!("/api/needs/{}/call", t.need_id),
            body: |_| Some(json!({})),
            allowed: TAKE_NEEDS,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "call-back queue",
            method: Method::GET,
            path: |_| "/api/needs/call-backs".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "needs like this one",
            method: Method::GET,
            path: |t| format!("/api/needs/{}/similar", t.need_id),
            body: none,
            allowed: TAKE_NEEDS,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "needs like one being typed",
            method: Method::GET,
            path: |_| "/api/needs/similar?phone=13800000000".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "merge need",
            method: Method::POST,
            path: |t| format!("/api/needs/{}/merge", t.need_id),
            body: |t| Some(json!({"into": t.need_id + 1_000_000})),
            allowed: TAKE_NEEDS,
            ok: 422,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "escalations list",
            method: Method::GET,
            path: |_| "/api/needs/escalations".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "read service levels",
            method: Method::GET,
            path: |_| "/api/service-levels".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "set service levels",
            method: Method::PUT,
            path: |_| "/api/service-levels".into(),
            body: |_| {
                Some(json!({
                    "critical": {"verify_minutes": 15, "deliver_minutes": 120},
                    "urgent": {"verify_minutes": 60, "deliver_minutes": 720},
                    "normal": {"verify_minutes": 1440, "deliver_minutes": 4320},
                }))
            },
            allowed: ADMIN,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "need timeline",
            method: Method::GET,
            path: |t| format!("/api/needs/{}/timeline", t.need_id),
            body: none,
            allowed: SEE_NEEDS,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list zones",
            method: Method::GET,
            path: |t| format!("/api/zones?division={}", t.division),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "mark zone",
            method: Method::POST,
            path: |_| "/api/zones".into(),
            body: |t| {
                Some(
                    json!({"division_code": t.division, "compound": format!("{}-区", t.secret), "level": "sealed"}),
                )
            },
            allowed: COORD,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "lift zone",
            method: Method::POST,
            path: |t| format!("/api/zones/{}/lift", t.zone_id),
            body: |_| Some(json!({})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "division detail",
            method: Method::GET,
            path: |t| format!("/api/divisions/{}", t.division),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "resolve address",
            method: Method::POST,
            path: |_| "/api/divisions/resolve".into(),
            body: |_| Some(json!({"address": "西安市鄠邑区涝店镇龙窝村委会"})),
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "coalitions",
            method: Method::GET,
            path: |_| "/api/coalitions".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        // The demo's coalition (陕西, 61): run by those who coordinate all
        // of 陕西 — of the matrix's roles, the admin.
        Case {
            volunteer: false,
            subject: false,
            name: "create working group",
            method: Method::POST,
            path: |_| "/api/coalitions/1/groups".into(),
            body: |t| Some(json!({"name": format!("矩阵组{}", t.org_id), "need_kinds": ["food"]})),
            allowed: ADMIN,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "edit working group",
            method: Method::PUT,
            path: |_| "/api/working-groups/1".into(),
            body: |_| {
                Some(
                    json!({"name": "物资捐赠组", "description": "对接捐赠物资与社区需求，公开去向", "need_kinds": ["food", "ppe"]}),
                )
            },
            allowed: ADMIN,
            ok: 204,
            list: false,
        },
        // The target's organisation is no member: the one allowed is told
        // so (422), everyone else is refused before that.
        Case {
            volunteer: false,
            subject: false,
            name: "remove coalition member",
            method: Method::DELETE,
            path: |t| format!("/api/coalitions/1/members/{}", t.org_id),
            body: none,
            allowed: ADMIN,
            ok: 422,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list accounts",
            method: Method::GET,
            path: |_| "/api/accounts".into(),
            body: none,
            allowed: ADMIN,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "create account",
            method: Method::POST,
            path: |_| "/api/accounts".into(),
            body: |t| {
                Some(
                    json!({"username": format!("m{}", t.org_id), "display_name": "矩阵", "password": "matrix-password-1", "role": "viewer", "org_id": t.org_id, "jurisdiction_code": t.division}),
                )
            },
            allowed: ADMIN,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "account detail",
            method: Method::GET,
            path: |t| format!("/api/accounts/{}", t.account_id),
            body: none,
            allowed: ADMIN,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "edit account",
            method: Method::PUT,
            path: |t| format!("/api/accounts/{}", t.account_id),
            body: |t| {
                Some(
                    json!({"display_name": "改名", "role": "viewer", "org_id": t.org_id, "jurisdiction_code": t.division}),
                )
            },
            allowed: ADMIN,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "disable account",
            method: Method::POST,
            path: |t| format!("/api/accounts/{}/disable", t.account_id),
            body: none,
            allowed: ADMIN,
            ok: 204,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "enable account",
            method: Method::POST,
            path: |t| format!("/api/accounts/{}/enable", t.account_id),
            body: none,
            allowed: ADMIN,
            ok: 204,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "unlock account",
            method: Method::POST,
            path: |t| format!("/api/accounts/{}/unlock", t.account_id),
            body: none,
            allowed: ADMIN,
            ok: 204,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "reset password",
            method: Method::POST,
            path: |t| format!("/api/accounts/{}/password-reset", t.account_id),
            body: none,
            allowed: ADMIN,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "dashboard",
            method: Method::GET,
            path: |_| "/api/dashboard".into(),
            body: none,
            allowed: SEE_NEEDS,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list items",
            method: Method::GET,
            path: |_| "/api/items".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "add item",
            method: Method::POST,
            path: |_| "/api/items".into(),
            body: |t| {
                Some(
                    json!({"name_zh": format!("{}物资", t.secret), "name_en": format!("Matrix item {}", t.depot_id),
                    "unit_zh": "箱", "unit_en": "box", "need_kind": "food"}),
                )
            },
            allowed: ADMIN,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list depots",
            method: Method::GET,
            path: |_| "/api/depots".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list campaigns",
            method: Method::GET,
            path: |_| "/api/campaigns".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "create campaign",
            method: Method::POST,
            path: |_| "/api/campaigns".into(),
            body: |t| {
                Some(
                    json!({"org_id": 1, "title": format!("{}招募", t.secret), "division_code": t.division,
                    "starts_on": "2021-12-20", "ends_on": "2022-01-31", "slots": [{"category": "general", "wanted": 10}]}),
                )
            },
            allowed: COORD,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "vetting queue",
            method: Method::GET,
            path: |t| format!("/api/campaigns/{}/applications", t.campaign_id),
            body: none,
            allowed: COORD,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "application detail",
            method: Method::GET,
            path: |t| format!("/api/applications/{}", t.application_id),
            body: none,
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "reveal an applicant's phone",
            method: Method::POST,
            path: |t| format!("/api/applications/{}/reveal", t.application_id),
            body: |_| Some(json!({"field": "phone", "reason": "电话核实身份"})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "decide on an application",
            method: Method::POST,
            path: |_| "/api/applications/decisions".into(),
            body: |t| {
                Some(
                    json!({"ids": [t.application_id], "decision": "ask_more", "reason": "请补充证件照片"}),
                )
            },
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "create depot",
            method: Method::POST,
            path: |_| "/api/depots".into(),
            body: |t| {
                Some(
                    json!({"name": format!("{}新库", t.secret), "division_code": t.division, "address": "矩阵路2号"}),
                )
            },
            allowed: COORD,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "depot stock",
            method: Method::GET,
            path: |t| format!("/api/depots/{}", t.depot_id),
            body: none,
            allowed: SEE_NEEDS,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "receive stock",
            method: Method::POST,
            path: |t| format!("/api/depots/{}/receive", t.depot_id),
            body: |_| Some(json!({"item_id": 1, "quantity": 3})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "adjust stock",
            method: Method::POST,
            path: |t| format!("/api/depots/{}/adjust", t.depot_id),
            body: |_| Some(json!({"item_id": 1, "quantity": -1, "reason": "盘点短少"})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "depot reservations",
            method: Method::GET,
            path: |t| format!("/api/depots/{}/reservations", t.depot_id),
            body: none,
            allowed: SEE_NEEDS,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "reserve stock",
            method: Method::POST,
            path: |t| format!("/api/depots/{}/reservations", t.depot_id),
            body: |t| Some(json!({"item_id": 1, "need_id": t.need_id, "quantity": 1})),
            allowed: COORD,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "dispatch reservation",
            method: Method::POST,
            path: |t| format!("/api/reservations/{}/dispatch", t.reservation_id),
            body: |_| Some(json!({})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "release reservation",
            method: Method::POST,
            path: |t| format!("/api/reservations/{}/release", t.reservation_id),
            body: |_| Some(json!({"reason": "改派"})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list offers",
            method: Method::GET,
            path: |_| "/api/offers".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "record offer",
            method: Method::POST,
            path: |_| "/api/offers".into(),
            body: |t| {
                Some(
                    json!({"kind": "money", "value_yuan": "500", "donor": t.secret, "division_code": t.division}),
                )
            },
            allowed: COORD,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "get offer",
            method: Method::GET,
            path: |t| format!("/api/offers/{}", t.offer_id),
            body: none,
            allowed: SEE_NEEDS,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "offer arrives",
            method: Method::POST,
            path: |t| format!("/api/offers/{}/receive", t.offer_id),
            body: |_| Some(json!({})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "withdraw offer",
            method: Method::POST,
            path: |t| format!("/api/offers/{}/withdraw", t.offer_id),
            body: |_| Some(json!({"reason": "不来了"})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "reveal offer phone",
            method: Method::POST,
            path: |t| format!("/api/offers/{}/reveal", t.offer_id),
            body: |_| Some(json!({"field": "contact_phone", "reason": "核实"})),
            allowed: TAKE_NEEDS,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list appeals",
            method: Method::GET,
            path: |_| "/api/appeals".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "publish appeal",
            method: Method::POST,
            path: |_| "/api/appeals".into(),
            body: |t| {
                Some(
                    json!({"division_code": t.division, "title": format!("{}再征集", t.secret), "needed_by": later(),
                    "lines": [{"item_id": 2, "quantity": 9}]}),
                )
            },
            allowed: COORD,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "get appeal",
            method: Method::GET,
            path: |t| format!("/api/appeals/{}", t.appeal_id),
            body: none,
            allowed: ALL,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "close appeal",
            method: Method::POST,
            path: |t| format!("/api/appeals/{}/close", t.appeal_id),
            body: none,
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "appeal pledges",
            method: Method::GET,
            path: |t| format!("/api/appeals/{}/pledges", t.appeal_id),
            body: none,
            allowed: SEE_NEEDS,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "pledge",
            method: Method::POST,
            path: |t| format!("/api/appeals/{}/pledges", t.appeal_id),
            body: |_| Some(json!({"lines": [{"item_id": 1, "quantity": 5}]})),
            allowed: COORD,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "audit",
            method: Method::GET,
            path: |_| "/api/audit".into(),
            body: none,
            allowed: ADMIN,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "audit csv",
            method: Method::GET,
            path: |_| "/api/audit.csv".into(),
            body: none,
            allowed: ADMIN,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "dispatch proposal",
            method: Method::GET,
            path: |_| "/api/dispatch/proposal".into(),
            body: none,
            allowed: COORD,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list tasks",
            method: Method::GET,
            path: |_| "/api/tasks".into(),
            body: none,
            allowed: COORD,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "a task that is not there",
            method: Method::GET,
            path: |_| "/api/tasks/0".into(),
            body: none,
            allowed: COORD,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "the requester's word by phone (nothing has left yet)",
            method: Method::POST,
            path: |t| format!("/api/needs/{}/received", t.need_id),
            body: |_| Some(json!({"outcome": "all", "comment": ""})),
            allowed: TAKE_NEEDS,
            ok: 409,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "the live board",
            method: Method::GET,
            path: |_| "/api/dispatch/board".into(),
            body: none,
            allowed: COORD,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "my squad's legs (no record linked)",
            method: Method::GET,
            path: |_| "/api/field".into(),
            body: none,
            allowed: ALL,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "a step on a leg not mine",
            method: Method::POST,
            path: |_| "/api/field/legs/1/step".into(),
            body: |_| Some(json!({"step": "accept"})),
            allowed: ALL,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "the recipient of a leg not mine",
            method: Method::POST,
            path: |_| "/api/field/legs/1/reveal".into(),
            body: none,
            allowed: ALL,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "set squad capacity",
            method: Method::POST,
            path: |t| format!("/api/squads/{}/capacity", t.squad_id),
            body: |_| Some(json!({"capacity": 5})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list squads",
            method: Method::GET,
            path: |_| "/api/squads".into(),
            body: none,
            allowed: COORD,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "create squad",
            method: Method::POST,
            path: |_| "/api/squads".into(),
            body: |t| {
                Some(
                    json!({"org_id": 1, "division_code": t.division, "name": format!("{}新队", t.secret)}),
                )
            },
            allowed: COORD,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "squad detail",
            method: Method::GET,
            path: |t| format!("/api/squads/{}", t.squad_id),
            body: none,
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "record a squad's contact",
            method: Method::POST,
            path: |t| format!("/api/squads/{}/contacts", t.squad_id),
            body: |t| Some(json!({"kind": "household", "target_id": t.need_id})),
            allowed: COORD,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "make a non-member leader (refused as input)",
            method: Method::POST,
            path: |t| format!("/api/squads/{}/leader", t.squad_id),
            body: |_| Some(json!({"volunteer_id": 0})),
            allowed: COORD,
            ok: 422,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "take a non-member out (not found)",
            method: Method::POST,
            path: |t| format!("/api/squads/{}/leave", t.squad_id),
            body: |_| Some(json!({"volunteer_id": 0, "reason": "矩阵测试"})),
            allowed: COORD,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "release a squad at work (a conflict)",
            method: Method::POST,
            path: |t| format!("/api/squads/{}/release", t.squad_id),
            body: |_| Some(json!({"reason": "全员阴性"})),
            allowed: COORD,
            ok: 409,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list vehicles",
            method: Method::GET,
            path: |_| "/api/vehicles".into(),
            body: none,
            allowed: COORD,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "add a vehicle",
            method: Method::POST,
            path: |_| "/api/vehicles".into(),
            body: |t| {
                Some(
                    json!({"org_id": 1, "division_code": t.division, "plate": format!("陕A{:05}", t.depot_id), "seats": 5}),
                )
            },
            allowed: COORD,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: true,
            subject: false,
            name: "volunteer roster",
            method: Method::GET,
            path: |_| "/api/volunteers".into(),
            body: none,
            allowed: COORD,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "movable count",
            method: Method::GET,
            path: |_| "/api/volunteers/movable".into(),
            body: none,
            allowed: COORD,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: true,
            subject: false,
            name: "add a volunteer to a squad",
            method: Method::POST,
            path: |t| format!("/api/squads/{}/members", t.squad_id),
            body: |t| Some(json!({"volunteer_id": t.volunteer_id})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: true,
            subject: false,
            name: "set a volunteer's movement",
            method: Method::POST,
            path: |t| format!("/api/volunteers/{}/movement", t.volunteer_id),
            body: |_| Some(json!({"movement": "pass", "reason": "办理通行证"})),
            allowed: COORD,
            ok: 204,
            list: false,
        },
        Case {
            volunteer: true,
            subject: false,
            name: "mark a volunteer positive",
            method: Method::POST,
            path: |t| format!("/api/volunteers/{}/positive", t.volunteer_id),
            body: |_| Some(json!({"at": later_than_now(-2), "reason": "核酸阳性"})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: true,
            subject: false,
            name: "trace a volunteer not positive (a conflict)",
            method: Method::GET,
            path: |t| format!("/api/volunteers/{}/trace", t.volunteer_id),
            body: none,
            allowed: COORD,
            ok: 409,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "my volunteer service (no record linked)",
            method: Method::GET,
            path: |_| "/api/volunteers/me".into(),
            body: none,
            allowed: ALL,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "my availability (no record linked)",
            method: Method::POST,
            path: |_| "/api/volunteers/me/availability".into(),
            body: |_| Some(json!({"available": false})),
            allowed: ALL,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "disband a squad",
            method: Method::POST,
            path: |t| format!("/api/squads/{}/disband", t.squad_id),
            body: |_| Some(json!({"reason": "任务结束"})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list training sessions",
            method: Method::GET,
            path: |_| "/api/trainings".into(),
            body: none,
            allowed: COORD,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "schedule a training session",
            method: Method::POST,
            path: |_| "/api/trainings".into(),
            body: |t| {
                Some(
                    json!({"org_id": 1, "division_code": t.division, "title": "急救培训", "credential": "first_aid",
                    "place": "社区活动室", "starts_at": later(), "ends_at": later_than_now(6), "capacity": 30}),
                )
            },
            allowed: COORD,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "read a training session",
            method: Method::GET,
            path: |t| format!("/api/trainings/{}", t.training_id),
            body: none,
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: true,
            subject: false,
            name: "enrol a volunteer in a session",
            method: Method::POST,
            path: |t| format!("/api/trainings/{}/enrolments", t.training_id),
            body: |t| Some(json!({"volunteer_id": t.volunteer_id})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: true,
            subject: false,
            name: "mark someone not enrolled present (refused)",
            method: Method::POST,
            path: |t| format!("/api/trainings/{}/attendance", t.training_id),
            body: |t| Some(json!({"volunteer_ids": [t.volunteer_id]})),
            allowed: COORD,
            ok: 422,
            list: false,
        },
        Case {
            volunteer: true,
            subject: false,
            name: "read a volunteer's service record",
            method: Method::GET,
            path: |t| format!("/api/volunteers/{}/service", t.volunteer_id),
            body: none,
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: true,
            subject: false,
            name: "record a licence checked",
            method: Method::POST,
            path: |t| format!("/api/volunteers/{}/credentials", t.volunteer_id),
            body: |_| {
                Some(
                    json!({"kind": "driving_licence", "expires_on": "2035-06-30", "note": "C1 驾驶证"}),
                )
            },
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: true,
            subject: false,
            name: "give a volunteer feedback",
            method: Method::POST,
            path: |t| format!("/api/volunteers/{}/feedback", t.volunteer_id),
            body: |_| Some(json!({"rating": 4, "comment": "按时到岗"})),
            allowed: COORD,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: true,
            subject: false,
            name: "flag a resident leader",
            method: Method::POST,
            path: |t| format!("/api/volunteers/{}/anchor", t.volunteer_id),
            body: |_| Some(json!({"compound": "幸福里小区"})),
            allowed: COORD,
            ok: 204,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "my service record (no record linked)",
            method: Method::GET,
            path: |_| "/api/volunteers/me/service".into(),
            body: none,
            allowed: ALL,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "clock on (no record linked)",
            method: Method::POST,
            path: |_| "/api/volunteers/me/duty".into(),
            body: |_| Some(json!({"on": true})),
            allowed: ALL,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "take a seat (no record linked)",
            method: Method::POST,
            path: |t| format!("/api/volunteers/me/trainings/{}", t.training_id),
            body: |_| Some(json!({"seat": true})),
            allowed: ALL,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "list screening lists",
            method: Method::GET,
            path: |_| "/api/screening/lists".into(),
            body: none,
            allowed: SCREEN,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: true,
            name: "list screening subjects",
            method: Method::GET,
            path: |_| "/api/screening/subjects".into(),
            body: none,
            allowed: SCREEN,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: true,
            name: "read a screening subject",
            method: Method::GET,
            path: |t| format!("/api/screening/subjects/{}", t.subject_id),
            body: none,
            allowed: SCREEN,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: true,
            name: "reveal a screening subject's phone",
            method: Method::POST,
            path: |t| format!("/api/screening/subjects/{}/reveal", t.subject_id),
            body: |_| Some(json!({"field": "phone", "reason": "核查电话"})),
            allowed: SCREEN,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "set the number a caller dials from",
            method: Method::PUT,
            path: |_| "/api/screening/seat".into(),
            body: |_| Some(json!({"phone": "13700001111"})),
            allowed: SCREEN,
            ok: 200,
            // The caller's own, in no area: answered alike inside and out.
            list: true,
        },
        Case {
            volunteer: false,
            subject: true,
            name: "transfers in and out",
            method: Method::GET,
            path: |_| "/api/screening/transfers".into(),
            body: none,
            allowed: SCREEN,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "subjects nobody holds",
            method: Method::GET,
            path: |_| "/api/screening/orphans".into(),
            body: none,
            allowed: SCREEN,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: true,
            name: "hand a subject over",
            method: Method::POST,
            path: |t| format!("/api/screening/subjects/{}/transfer", t.subject_id),
            body: |_| Some(json!({"to_division": "110105", "reason": "已搬至北京"})),
            allowed: SCREEN,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: true,
            name: "the shift handover",
            method: Method::GET,
            path: |_| "/api/screening/handover".into(),
            body: none,
            allowed: SCREEN,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: true,
            name: "the caller's worklist",
            method: Method::GET,
            path: |_| "/api/screening/worklist".into(),
            body: none,
            allowed: SCREEN,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: true,
            name: "start a call (after the seat is set)",
            method: Method::POST,
            path: |t| format!("/api/screening/subjects/{}/calls", t.subject_id),
            body: |_| Some(json!({})),
            allowed: SCREEN,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "test schedules",
            method: Method::GET,
            path: |_| "/api/screening/schedules".into(),
            body: none,
            allowed: SCREEN,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "set a test schedule",
            method: Method::PUT,
            path: |_| "/api/screening/schedules/self_monitoring".into(),
            body: |_| Some(json!({"tests": 2, "days": 3})),
            allowed: ADMIN,
            ok: 200,
            // The deployment's, in no area.
            list: true,
        },
        Case {
            volunteer: false,
            subject: true,
            name: "manage a subject",
            method: Method::POST,
            path: |t| format!("/api/screening/subjects/{}/management", t.subject_id),
            body: |_| Some(json!({"level": "self_monitoring"})),
            allowed: SCREEN,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: true,
            name: "people under management",
            method: Method::GET,
            path: |_| "/api/screening/managed".into(),
            body: none,
            allowed: SCREEN,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: true,
            name: RELEASE,
            method: Method::POST,
            path: |t| format!("/api/screening/managed/{}/release", t.management_id),
            body: |_| Some(json!({})),
            allowed: SCREEN,
            ok: 409,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "result lists",
            method: Method::GET,
            path: |_| "/api/screening/results".into(),
            body: none,
            allowed: SCREEN,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "unmatched results",
            method: Method::GET,
            path: |_| "/api/screening/results/unmatched".into(),
            body: none,
            allowed: SCREEN,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "match results again",
            method: Method::POST,
            path: |_| "/api/screening/results/rematch".into(),
            body: |_| Some(json!({})),
            allowed: SCREEN,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "screening figures",
            method: Method::GET,
            path: |_| "/api/screening/figures".into(),
            body: none,
            allowed: SCREEN,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "the shifts of a day",
            method: Method::GET,
            path: |_| "/api/screening/shifts".into(),
            body: none,
            allowed: SCREEN,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            // The target's account is a volunteer's: refused, naming the
            // field, inside the area and out (never said to exist).
            name: "put an account that does not screen on a shift",
            method: Method::POST,
            path: |_| "/api/screening/shifts".into(),
            body: |t| Some(json!({"account_id": t.account_id, "shift": "day", "seat": 1})),
            allowed: COORD,
            ok: 422,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "take someone off a shift they are not on",
            method: Method::DELETE,
            path: |_| "/api/screening/shifts/0".into(),
            body: none,
            allowed: COORD,
            ok: 404,
            list: true,
        },
        Case {
            volunteer: true,
            subject: false,
            name: "recover a volunteer not positive (a conflict)",
            method: Method::POST,
            path: |t| format!("/api/volunteers/{}/recovered", t.volunteer_id),
            body: |_| Some(json!({"reason": "两次核酸阴性"})),
            allowed: COORD,
            ok: 409,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "care coverage",
            method: Method::GET,
            path: |_| "/api/care/coverage".into(),
            body: none,
            allowed: CARE_WATCH,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "care recipients",
            method: Method::GET,
            path: |_| "/api/care/recipients".into(),
            body: none,
            allowed: CARE,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "register a care recipient",
            method: Method::POST,
            path: |_| "/api/care/recipients".into(),
            body: |t| {
                Some(
                    json!({"name": "新登记对象", "address": "矩阵路3号", "division_code": t.care_division,
                    "categories": ["dialysis"]}),
                )
            },
            allowed: CARE,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "a care recipient",
            method: Method::GET,
            path: |t| format!("/api/care/recipients/{}", t.care_id),
            body: none,
            allowed: CARE,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "name a guardian who is not there",
            method: Method::POST,
            path: |t| format!("/api/care/recipients/{}/guardians", t.care_id),
            body: |_| Some(json!({"role": "guardian", "volunteer_id": 0})),
            allowed: CARE,
            ok: 422,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "guardian proposals",
            method: Method::GET,
            path: |t| format!("/api/care/recipients/{}/proposals", t.care_id),
            body: none,
            allowed: CARE,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "check-ins",
            method: Method::GET,
            path: |t| format!("/api/care/recipients/{}/checkins", t.care_id),
            body: none,
            allowed: CARE,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "record a check-in",
            method: Method::POST,
            path: |t| format!("/api/care/recipients/{}/checkins", t.care_id),
            body: |_| Some(json!({"kind": "call", "outcome": "well"})),
            allowed: CARE,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "reveal a care recipient's phone",
            method: Method::POST,
            path: |t| format!("/api/care/recipients/{}/reveal", t.care_id),
            body: |_| Some(json!({"field": "phone", "reason": "安排监护人"})),
            allowed: CARE,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "end care",
            method: Method::POST,
            path: |t| format!("/api/care/recipients/{}/end", t.care_id),
            body: |_| Some(json!({"reason": "已搬离"})),
            allowed: CARE,
            ok: 204,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "the people I guard (no record linked)",
            method: Method::GET,
            path: |_| "/api/care/mine".into(),
            body: none,
            allowed: ALL,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "cases",
            method: Method::GET,
            path: |_| "/api/cases".into(),
            body: none,
            allowed: CARE,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "open a case",
            method: Method::POST,
            path: |_| "/api/cases".into(),
            body: |t| {
                Some(
                    json!({"category": "elder_at_risk", "risk": "medium", "source": "call", "division_code": t.care_division,
                    "person_name": "来电老人", "summary": "独居老人来电说药吃完了"}),
                )
            },
            allowed: CARE,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "a case",
            method: Method::GET,
            path: |t| format!("/api/cases/{}", t.case_id),
            body: none,
            allowed: CASE_SEE,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "a note on a case",
            method: Method::POST,
            path: |t| format!("/api/cases/{}/notes", t.case_id),
            body: |_| Some(json!({"kind": "note", "text": "电话回访"})),
            allowed: ADMIN,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "a follow-up that is not there",
            method: Method::POST,
            path: |t| format!("/api/cases/{}/notes/0/done", t.case_id),
            body: none,
            allowed: ADMIN,
            ok: 409,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "refer a case to nobody",
            method: Method::POST,
            path: |t| format!("/api/cases/{}/referrals", t.case_id),
            body: |_| Some(json!({"to_org": 0, "reason": "需要专业心理支持"})),
            allowed: ADMIN,
            ok: 422,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "close a case",
            method: Method::POST,
            path: |t| format!("/api/cases/{}/close", t.case_id),
            body: |_| Some(json!({"outcome": "resolved"})),
            allowed: ADMIN,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "reveal a case's address",
            method: Method::POST,
            path: |t| format!("/api/cases/{}/reveal", t.case_id),
            body: |_| Some(json!({"field": "person_address", "reason": "上门探访"})),
            allowed: ADMIN,
            ok: 200,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "answer a referral that is not there",
            method: Method::POST,
            path: |_| "/api/referrals/0/answer".into(),
            body: |_| Some(json!({"accept": true})),
            allowed: ALL,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "crises offered to me",
            method: Method::GET,
            path: |_| "/api/care/crises".into(),
            body: none,
            allowed: ALL,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "answer a crisis offer that is not there",
            method: Method::POST,
            path: |_| "/api/care/crises/0/answer".into(),
            body: |_| Some(json!({"accept": true})),
            allowed: ALL,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "care teams",
            method: Method::GET,
            path: |_| "/api/care/teams".into(),
            body: none,
            allowed: CARE,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "create a care team",
            method: Method::POST,
            path: |_| "/api/care/teams".into(),
            body: |t| {
                Some(
                    json!({"name": format!("线上小组{}", t.case_id), "division_code": t.care_division}),
                )
            },
            allowed: CARE,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "a member for a team that is not there",
            method: Method::POST,
            path: |_| "/api/care/teams/0/members".into(),
            body: |_| {
                Some(json!({"name": "王医生", "profession": "doctor", "phone": "13800001111"}))
            },
            allowed: CARE,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "on call for a team that is not there",
            method: Method::POST,
            path: |_| "/api/care/teams/0/on-call".into(),
            body: |_| {
                Some(
                    json!({"member_id": 1, "starts_at": "2026-12-01T08:00:00Z", "ends_at": "2026-12-01T20:00:00Z"}),
                )
            },
            allowed: CARE,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "a care recipient's recurring needs",
            method: Method::GET,
            path: |t| format!("/api/care/recipients/{}/schedules", t.care_id),
            body: none,
            allowed: CARE,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "add a recurring need",
            method: Method::POST,
            path: |t| format!("/api/care/recipients/{}/schedules", t.care_id),
            body: |_| {
                Some(json!({"kind": "medicine", "description": "降压药一周量", "every_days": 7}))
            },
            allowed: CARE,
            ok: 201,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "stop a recurring need that is not there",
            method: Method::POST,
            path: |t| format!("/api/care/recipients/{}/schedules/0/end", t.care_id),
            body: none,
            allowed: CARE,
            ok: 404,
            list: false,
        },
        Case {
            volunteer: false,
            subject: false,
            name: "the staff rota",
            method: Method::GET,
            path: |_| "/api/care/staff".into(),
            body: none,
            allowed: CARE,
            ok: 200,
            list: true,
        },
        Case {
            volunteer: true,
            subject: false,
            name: "a volunteer leaves the roster",
            method: Method::POST,
            path: |t| format!("/api/volunteers/{}/leave-roster", t.volunteer_id),
            body: |_| Some(json!({"reason": "回老家了"})),
            allowed: COORD,
            ok: 204,
            list: false,
        },
    ]
}

/// The one case whose target needs a subject under management.
const RELEASE: &str = "release before the schedule is complete (a conflict)";

both!(authorization_matrix, |app| {
    let admin = app.signed_in("admin").await;
    let mut clients = Vec::new();
    for role in ROLES {
        clients.push(if role == "anonymous" {
            app.client()
        } else {
            app.signed_in(role).await
        });
    }
    let mut n = 0;
    let mut failures = Vec::new();
    for case in cases() {
        for (role, client) in ROLES.iter().zip(&clients) {
            for inside in [true, false] {
                n += 1;
                let area = if inside { jurisdiction(role) } else { OUTSIDE };
                // Only the release case needs a subject under management.
                let managed = case.name == RELEASE;
                // Only the care endpoints need a care recipient and a case.
                let probe = (case.path)(&Target::default());
                let care = probe.starts_with("/api/care") || probe.starts_with("/api/cases");
                let t = make_target(
                    &app,
                    &admin,
                    area,
                    n,
                    case.volunteer,
                    case.subject,
                    managed,
                    care,
                )
                .await;
                let mut req = client.request(case.method.clone(), app.at(&(case.path)(&t)));
                if let Some(b) = (case.body)(&t) {
                    req = req.json(&b);
                }
                let res = req.send().await.unwrap();
                let status = res.status().as_u16();
                let body = res.text().await.unwrap();
                let allowed = case.allowed.contains(role);
                // Admin's jurisdiction is the whole country: nothing is outside.
                let outside = !inside && *role != "admin";
                let ok = if *role == "anonymous" {
                    status == 401
                } else if case.list && !allowed {
                    status == 403 && !body.contains(&t.secret)
                } else if case.list {
                    status == case.ok && (!outside || !body.contains(&t.secret))
                } else if outside {
                    matches!(status, 403 | 404) && !body.contains(&t.secret)
                } else if allowed {
                    status == case.ok
                } else {
                    status == 403 && !body.contains(&t.secret)
                };
                if !ok {
                    failures.push(format!(
                        "{} as {role} ({}): {status} {}",
                        case.name,
                        if inside { "inside" } else { "outside" },
                        &body[..body.len().min(200)]
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} calls broke the rules:\n{}",
        failures.len(),
        failures.join("\n")
    );
});
