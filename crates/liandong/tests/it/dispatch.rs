//! Dispatch: the Shaanxi night in small — a sealed village's verified
//! need is proposed with the district's squad to the gate and the village's
//! own squad inside, the goods from the district's depot; confirming makes
//! the task, holds the goods and matches the need. A confirmation that
//! would mix squads, or take more than a depot has, is refused whole.

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::both;
use crate::harness::*;
use crate::squads::{squad_in as squad, volunteer_accounts};

/// `n` volunteers accepted, living at `address`: their ids.
async fn members(
    app: &TestApp,
    co: &reqwest::Client,
    n: u32,
    address: &str,
    seed: u32,
) -> Vec<i64> {
    volunteer_accounts(app, co, n, address, seed)
        .await
        .into_iter()
        .map(|v| v.0)
        .collect()
}

/// A need moved to verified by the coordinator.
pub(crate) async fn verify(app: &TestApp, co: &reqwest::Client, need: i64) {
    let (status, body) = app
        .post(
            co,
            &format!("/api/needs/{need}/status"),
            &json!({"to": "verified", "reason": ""}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

fn at(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// What a test stands on: a verified need in a sealed village asking for
/// noodles through an appeal, stock at a district depot, a squad outside
/// and one inside the village holding PPE.
pub(crate) struct Night {
    pub need: i64,
    pub reference: String,
    pub zone: i64,
    pub outside: i64,
    pub inside: i64,
    pub depot: i64,
    pub noodles: i64,
    /// A member of each squad: (volunteer id, username, password).
    pub driver: (i64, String, String),
    pub villager: (i64, String, String),
}

async fn org(app: &TestApp, co: &reqwest::Client) -> i64 {
    let (_, orgs) = app.get(co, "/api/orgs?q=西安市社会工作协会").await;
    orgs[0]["id"].as_i64().unwrap()
}

/// PPE for these volunteers: a session held this morning, attended.
async fn ppe(app: &TestApp, co: &reqwest::Client, who: &[i64]) {
    let org = org(app, co).await;
    let from = OffsetDateTime::now_utc() - Duration::hours(3);
    let (status, t) = app
        .post(
            co,
            "/api/trainings",
            &json!({"org_id": org, "title": "防护服穿脱培训", "division_code": "610118",
                "credential": "ppe", "place": "鄠邑区社工站", "starts_at": at(from),
                "ends_at": at(from + Duration::hours(2)), "capacity": 10}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    let id = t["id"].as_i64().unwrap();
    for v in who {
        let (status, body) = app
            .post(
                co,
                &format!("/api/trainings/{id}/enrolments"),
                &json!({"volunteer_id": v}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = app
        .post(
            co,
            &format!("/api/trainings/{id}/attendance"),
            &json!({"volunteer_ids": who}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

pub(crate) async fn night(app: &TestApp, seed: u32) -> Night {
    let co = app.signed_in("coordinator").await;
    let op = app.signed_in("operator").await;
    let admin = app.signed_in("admin").await;
    let (status, r) = app
        .post(
            &op,
            "/api/needs",
            &json!({"kind": "food", "urgency": "critical", "people": 40,
                "description": format!("全村方便食品告急 {seed}"), "contact_name": "李书记",
                "contact_phone": "13800008000", "address": "西安市鄠邑区涝店镇龙窝村委会",
                "idempotency_key": format!("dispatch-night-{seed}")}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    let need = r["id"].as_i64().unwrap();
    let village = r["need"]["division_code"].as_str().unwrap().to_owned();
    assert!(village.starts_with("610118") && village.len() == 12, "{r}");
    verify(app, &co, need).await;
    let (status, zone) = app
        .post(
            &admin,
            "/api/zones",
            &json!({"division_code": village, "compound": "", "level": "sealed", "reason": "龙窝村封控"}),
        )
        .await;
    assert_eq!(status, 201, "{zone}");
    let zone = zone["id"].as_i64().unwrap();

    let driver_accounts = volunteer_accounts(app, &co, 3, "西安市鄠邑区甘亭街道", 1).await;
    let villager_accounts =
        volunteer_accounts(app, &co, 3, "西安市鄠邑区涝店镇龙窝村委会", 2).await;
    let drivers: Vec<i64> = driver_accounts.iter().map(|a| a.0).collect();
    let villagers: Vec<i64> = villager_accounts.iter().map(|a| a.0).collect();
    ppe(app, &co, &villagers).await;
    let outside = squad(
        app,
        &co,
        &format!("鄠邑区车辆保障组{seed}"),
        "610118",
        &drivers,
    )
    .await;
    let inside = squad(
        app,
        &co,
        &format!("龙窝村志愿小分队{seed}"),
        &village,
        &villagers,
    )
    .await;

    let (_, items) = app.get(&co, "/api/items").await;
    let noodles = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "instant_noodles")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, d) = app
        .post(
            &co,
            "/api/depots",
            &json!({"name": format!("鄠邑区应急物资{seed}号库"), "division_code": "610118", "address": "鄠邑区物流园"}),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    let depot = d["id"].as_i64().unwrap();
    let (status, l) = app
        .post(
            &co,
            &format!("/api/depots/{depot}/receive"),
            &json!({"item_id": noodles, "quantity": 150, "reason": "爱心企业捐赠"}),
        )
        .await;
    assert_eq!(status, 200, "{l}");
    let (status, a) = app
        .post(
            &co,
            "/api/appeals",
            &json!({"need_id": need, "title": "龙窝村速食", "needed_by": at(OffsetDateTime::now_utc() + Duration::hours(4)),
                "lines": [{"item_id": noodles, "quantity": 200}]}),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    Night {
        need,
        reference: r["need"]["reference"].as_str().unwrap().to_owned(),
        driver: driver_accounts[0].clone(),
        villager: villager_accounts[0].clone(),
        zone,
        outside,
        inside,
        depot,
        noodles,
    }
}

/// How many open tasks name this need.
pub(crate) async fn open_tasks(app: &TestApp, co: &reqwest::Client, need: i64) -> usize {
    let (_, tasks) = app.get(co, "/api/tasks").await;
    tasks
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["need_id"] == need)
        .count()
}

/// The district depot's noodles: (on hand, available).
pub(crate) async fn noodles(app: &TestApp, n: &Night) -> (i64, i64) {
    let co = app.signed_in("coordinator").await;
    let (_, d) = app.get(&co, &format!("/api/depots/{}", n.depot)).await;
    let line = d["stock"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item_id"] == n.noodles)
        .unwrap()
        .clone();
    (
        line["on_hand"].as_i64().unwrap(),
        line["available"].as_i64().unwrap(),
    )
}

/// A confirmation of the night's need across the gate, with these picks.
pub(crate) fn across_the_gate(n: &Night, picks: Value) -> Value {
    json!({"tasks": [{"need_id": n.need,
        "legs": [{"leg": "to_gate", "squad_id": n.outside}, {"leg": "inside", "squad_id": n.inside}],
        "picks": picks}]})
}

pub(crate) fn proposed(p: &Value, need: i64) -> Option<&Value> {
    p["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["need_id"] == need)
}

both!(
    the_sealed_village_is_served_across_the_gate_and_confirming_holds_the_goods,
    |app| {
        let n = night(&app, 41).await;
        let co = app.signed_in("coordinator").await;
        let (status, p) = app.get(&co, "/api/dispatch/proposal").await;
        assert_eq!(status, 200, "{p}");
        let t = proposed(&p, n.need).unwrap_or_else(|| panic!("need {} not proposed: {p}", n.need));
        assert_eq!(t["zone_id"], n.zone, "{t}");
        let legs: Vec<(&str, i64)> = t["legs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["leg"].as_str().unwrap(), l["squad_id"].as_i64().unwrap()))
            .collect();
        assert_eq!(
            legs,
            vec![("to_gate", n.outside), ("inside", n.inside)],
            "{t}"
        );
        // Critical: each metre weighs four; the village squad is 300 m away.
        assert_eq!(t["legs"][1]["weight"], 4, "{t}");
        assert_eq!(t["legs"][1]["metres"], 300, "{t}");
        // All 150 of the district's depot first (nearest), the other 50
        // from the city's (the demo's 西安市应急物资中转库).
        assert_eq!(t["picks"][0]["depot_id"], n.depot, "{t}");
        assert_eq!(t["picks"][0]["quantity"], 150, "{t}");
        let all: i64 = t["picks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["quantity"].as_i64().unwrap())
            .sum();
        assert_eq!(all, 200, "{t}");
        assert!(t["lacking"].as_array().unwrap().is_empty(), "{t}");
        assert!(
            !p.to_string().contains("13800008000"),
            "no phone in a proposal"
        );

        let confirm = across_the_gate(
            &n,
            json!([{"depot_id": n.depot, "item_id": n.noodles, "quantity": 150}]),
        );
        let (status, made) = app.post(&co, "/api/dispatch/confirm", &confirm).await;
        assert_eq!(status, 201, "{made}");
        let task = &made[0];
        assert_eq!(task["need_id"], n.need);
        assert_eq!(task["legs"].as_array().unwrap().len(), 2, "{task}");
        let (_, need) = app.get(&co, &format!("/api/needs/{}", n.need)).await;
        assert_eq!(need["status"], "matched", "{need}");
        assert_eq!(noodles(&app, &n).await, (150, 0));
        assert_eq!(open_tasks(&app, &co, n.need).await, 1);
        let (status, one) = app.get(&co, &format!("/api/tasks/{}", task["id"])).await;
        assert_eq!((status, &one["id"]), (200, &task["id"]));

        // Matched, it is no longer proposed; a second confirmation finds it moved.
        let (_, p) = app.get(&co, "/api/dispatch/proposal").await;
        assert!(proposed(&p, n.need).is_none(), "{p}");
        let (status, body) = app.post(&co, "/api/dispatch/confirm", &confirm).await;
        assert_eq!(status, 409, "{body}");

        // Sent back to verified (the squad could not go), its task ends and
        // it can be dispatched again — the goods it holds still count.
        verify(&app, &co, n.need).await;
        assert_eq!(open_tasks(&app, &co, n.need).await, 0);
        let again = across_the_gate(&n, json!([]));
        let (status, made) = app.post(&co, "/api/dispatch/confirm", &again).await;
        assert_eq!(status, 201, "{made}");
        assert_eq!(open_tasks(&app, &co, n.need).await, 1);
        // Delivered, the task is done and off the open list.
        let (status, body) = app
            .post(
                &co,
                &format!("/api/needs/{}/status", n.need),
                &json!({"to": "delivered", "reason": ""}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(open_tasks(&app, &co, n.need).await, 0);
    }
);

both!(
    a_dispatch_that_would_mix_squads_is_refused_and_nothing_is_written,
    |app| {
        let n = night(&app, 42).await;
        let co = app.signed_in("coordinator").await;
        // Another squad of the district takes the gate first.
        let drivers: Vec<i64> = members(&app, &co, 3, "西安市鄠邑区甘亭街道", 3).await;
        let other = squad(&app, &co, "鄠邑区第二车队", "610118", &drivers).await;
        let (status, body) = app
            .post(
                &co,
                &format!("/api/squads/{other}/contacts"),
                &json!({"kind": "handoff", "target_id": n.zone}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let confirm = across_the_gate(
            &n,
            json!([{"depot_id": n.depot, "item_id": n.noodles, "quantity": 100}]),
        );
        let (status, body) = app.post(&co, "/api/dispatch/confirm", &confirm).await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("鄠邑区第二车队"),
            "the other squad is named: {body}"
        );
        // Nothing half-written: the need still verified, the stock free, no task.
        let (_, need) = app.get(&co, &format!("/api/needs/{}", n.need)).await;
        assert_eq!(need["status"], "verified", "{need}");
        assert_eq!(noodles(&app, &n).await.1, 150);
        assert_eq!(open_tasks(&app, &co, n.need).await, 0);

        // A squad of the outside cannot take the inside leg, nor the
        // village's squad the road to the gate.
        let swapped = json!({"tasks": [{"need_id": n.need,
            "legs": [{"leg": "to_gate", "squad_id": n.inside}, {"leg": "inside", "squad_id": n.outside}]}]});
        let (status, body) = app.post(&co, "/api/dispatch/confirm", &swapped).await;
        assert_eq!(status, 409, "{body}");
        // One leg for a sealed need is the wrong shape.
        let one = json!({"tasks": [{"need_id": n.need, "legs": [{"leg": "whole", "squad_id": n.outside}]}]});
        let (status, body) = app.post(&co, "/api/dispatch/confirm", &one).await;
        assert_eq!((status, error_fields(&body)), (422, vec!["legs"]), "{body}");
    }
);

both!(a_task_over_stock_is_refused_with_what_is_left, |app| {
    let n = night(&app, 43).await;
    let co = app.signed_in("coordinator").await;
    let confirm = across_the_gate(
        &n,
        json!([{"depot_id": n.depot, "item_id": n.noodles, "quantity": 151}]),
    );
    let (status, body) = app.post(&co, "/api/dispatch/confirm", &confirm).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string().contains("150"),
        "what is left is said: {body}"
    );
    // Nor more than the need asked (200), wherever it is.
    let greedy = across_the_gate(
        &n,
        json!([{"depot_id": n.depot, "item_id": n.noodles, "quantity": 120},
                  {"depot_id": 1, "item_id": n.noodles, "quantity": 81}]),
    );
    let (status, body) = app.post(&co, "/api/dispatch/confirm", &greedy).await;
    assert_eq!(
        (status, error_fields(&body)),
        (422, vec!["quantity"]),
        "{body}"
    );
    let (_, need) = app.get(&co, &format!("/api/needs/{}", n.need)).await;
    assert_eq!(need["status"], "verified", "{need}");
    // Nor were the squads' contacts kept: the village's squad can still
    // take the inside of the gate (its hold was rolled back with the rest).
    let (_, detail) = app.get(&co, &format!("/api/squads/{}", n.inside)).await;
    assert!(
        detail["contacts"].as_array().unwrap().is_empty(),
        "{detail}"
    );
});

both!(
    needs_nobody_can_serve_say_why_and_a_full_squad_is_not_proposed,
    |app| {
        let n = night(&app, 44).await;
        let co = app.signed_in("coordinator").await;
        // The village squad loses its PPE holder's company: a member
        // without PPE joins, so it no longer holds PPE as a squad.
        let extra: Vec<i64> = members(&app, &co, 1, "西安市鄠邑区涝店镇龙窝村委会", 3).await;
        let (status, body) = app
            .post(
                &co,
                &format!("/api/squads/{}/members", n.inside),
                &json!({"volunteer_id": extra[0]}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (_, p) = app.get(&co, "/api/dispatch/proposal").await;
        assert!(proposed(&p, n.need).is_none(), "{p}");
        let u = p["unserved"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["need_id"] == n.need)
            .unwrap_or_else(|| panic!("{p}"));
        assert_eq!(
            (u["leg"].as_str(), u["reason"].as_str()),
            (Some("inside"), Some("no_credential")),
            "{u}"
        );
    }
);

both!(
    dispatch_is_the_coordinators_and_stays_in_their_jurisdiction,
    |app| {
        let n = night(&app, 45).await;
        for who in ["operator", "caseworker", "screener"] {
            let c = app.signed_in(who).await;
            let (status, _) = app.get(&c, "/api/dispatch/proposal").await;
            assert_eq!(status, 403, "{who}");
            let (status, _) = app.get(&c, "/api/tasks").await;
            assert_eq!(status, 403, "{who}");
            let confirm = across_the_gate(&n, json!([]));
            let (status, _) = app.post(&c, "/api/dispatch/confirm", &confirm).await;
            assert_eq!(status, 403, "{who}");
        }
        // The page: the proposal is shown, the need's line with both legs.
        let co = app.signed_in("coordinator").await;
        let res = co.get(app.at("/dispatch?propose=1")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let page = res.text().await.unwrap();
        assert!(
            page.contains(&format!("name=\"leg.{}.to_gate\"", n.need)),
            "{page}"
        );
        assert!(page.contains(&format!("name=\"leg.{}.inside\"", n.need)));
        assert!(page.contains("派单建议"));
    }
);

both!(
    a_household_another_squad_holds_goes_to_that_squad_or_says_who_holds_it,
    |app| {
        let co = app.signed_in("coordinator").await;
        let op = app.signed_in("operator").await;
        let (status, r) = app
            .post(
                &op,
                "/api/needs",
                &json!({"kind": "medicine", "urgency": "urgent", "people": 1,
                    "description": "降压药断供", "contact_name": "张阿姨",
                    "contact_phone": "13800008001", "address": "西安市鄠邑区甘亭街道",
                    "idempotency_key": "dispatch-held-1"}),
            )
            .await;
        assert_eq!(status, 201, "{r}");
        let need = r["id"].as_i64().unwrap();
        verify(&app, &co, need).await;
        let v: Vec<i64> = members(&app, &co, 5, "西安市鄠邑区甘亭街道", 4).await;
        // Two members only: below its minimum, it cannot go out.
        let holder = squad(&app, &co, "甘亭街道一队", "610118", &v[..2]).await;
        let other = squad(&app, &co, "甘亭街道二队", "610118", &v[2..]).await;
        let (status, body) = app
            .post(
                &co,
                &format!("/api/squads/{holder}/contacts"),
                &json!({"kind": "household", "target_id": need}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let (_, p) = app.get(&co, "/api/dispatch/proposal").await;
        assert!(proposed(&p, need).is_none(), "{p}");
        let u = p["unserved"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["need_id"] == need)
            .unwrap();
        assert_eq!(u["reason"], "held_by_another", "{u}");
        assert_eq!(u["held_by"], "甘亭街道一队", "{u}");
        // Sending the other squad anyway is refused by the contact rule.
        let confirm =
            json!({"tasks": [{"need_id": need, "legs": [{"leg": "whole", "squad_id": other}]}]});
        let (status, body) = app.post(&co, "/api/dispatch/confirm", &confirm).await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("甘亭街道一队"),
            "{body}"
        );
        // Once the holder has its third member, it is proposed for it.
        let (status, body) = app
            .post(
                &co,
                &format!("/api/squads/{holder}/members"),
                &json!({"volunteer_id": v[4]}),
            )
            .await;
        assert_eq!(
            status, 409,
            "a volunteer in another squad cannot join: {body}"
        );
        let more: Vec<i64> = members(&app, &co, 1, "西安市鄠邑区甘亭街道", 5).await;
        let (status, body) = app
            .post(
                &co,
                &format!("/api/squads/{holder}/members"),
                &json!({"volunteer_id": more[0]}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (_, p) = app.get(&co, "/api/dispatch/proposal").await;
        let t = proposed(&p, need).unwrap_or_else(|| panic!("{p}"));
        assert_eq!(t["legs"][0]["squad_id"], holder, "{t}");
    }
);

both!(a_squad_set_to_no_tasks_is_not_proposed, |app| {
    let n = night(&app, 46).await;
    let co = app.signed_in("coordinator").await;
    let path = format!("/api/squads/{}/capacity", n.outside);
    let (status, body) = app.post(&co, &path, &json!({"capacity": 21})).await;
    assert_eq!(
        (status, error_fields(&body)),
        (422, vec!["capacity"]),
        "{body}"
    );
    let (status, s) = app.post(&co, &path, &json!({"capacity": 0})).await;
    assert_eq!((status, &s["capacity"]), (200, &json!(0)), "{s}");
    let (_, p) = app.get(&co, "/api/dispatch/proposal").await;
    assert!(
        !p.to_string()
            .contains(&format!("\"squad_id\":{},", n.outside)),
        "{p}"
    );
    // Raised again, it is proposed again.
    let (status, _) = app.post(&co, &path, &json!({"capacity": 5})).await;
    assert_eq!(status, 200);
    let (_, p) = app.get(&co, "/api/dispatch/proposal").await;
    let t = proposed(&p, n.need).unwrap_or_else(|| panic!("{p}"));
    assert_eq!(t["legs"][0]["squad_id"], n.outside, "{t}");
});
