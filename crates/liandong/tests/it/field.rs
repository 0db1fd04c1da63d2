//! The field: the Shaanxi night's task carried out by its two squads on
//! their phones — the vehicle team to the village's gate, the village's
//! own squad from the gate to the door, the requester's code, both home,
//! the need closed; a decline sends the need back to the queue; the board
//! raises its alarms. On both engines.

use serde_json::{Value, json};

use crate::both;
use crate::dispatch::{Night, across_the_gate, night, noodles, open_tasks, proposed};
use crate::harness::*;

/// A volunteer signed in with the account shown at their acceptance.
async fn member(app: &TestApp, who: &(i64, String, String)) -> reqwest::Client {
    let c = app.client();
    let res = c
        .post(app.at("/api/session"))
        .json(&json!({"username": who.1, "password": who.2}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    c
}

/// The night's need confirmed across the gate with all of the district
/// depot's 150 boxes.
async fn dispatched(app: &TestApp, n: &Night) {
    let co = app.signed_in("coordinator").await;
    let confirm = across_the_gate(
        n,
        json!([{"depot_id": n.depot, "item_id": n.noodles, "quantity": 150}]),
    );
    let (status, made) = app.post(&co, "/api/dispatch/confirm", &confirm).await;
    assert_eq!(status, 201, "{made}");
}

/// My squad's only leg.
async fn my_leg(app: &TestApp, c: &reqwest::Client) -> Value {
    let (status, mine) = app.get(c, "/api/field").await;
    assert_eq!(status, 200, "{mine}");
    let legs = mine["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 1, "{mine}");
    legs[0].clone()
}

async fn step(app: &TestApp, c: &reqwest::Client, leg: &Value, body: Value) -> (u16, Value) {
    app.post(c, &format!("/api/field/legs/{}/step", leg["id"]), &body)
        .await
}

async fn ok(app: &TestApp, c: &reqwest::Client, leg: &Value, s: &str) -> Value {
    let (status, body) = step(app, c, leg, json!({"step": s})).await;
    assert_eq!(status, 200, "{s}: {body}");
    body
}

async fn need_status(app: &TestApp, n: &Night) -> String {
    let co = app.signed_in("coordinator").await;
    let (_, need) = app.get(&co, &format!("/api/needs/{}", n.need)).await;
    need["status"].as_str().unwrap().to_owned()
}

/// The code on the requester's tracking page, if it shows one.
async fn code_on_page(app: &TestApp, n: &Night) -> Option<String> {
    let page = app
        .page(&app.client(), &format!("/help/{}", n.reference))
        .await;
    let at = page.find("id=\"help-code\">")? + "id=\"help-code\">".len();
    Some(page[at..at + 4].to_owned())
}

both!(
    the_night_goes_out_hands_off_at_the_gate_and_comes_home_closed,
    |app| {
        let n = night(&app, 51).await;
        dispatched(&app, &n).await;
        let driver = member(&app, &n.driver).await;
        let villager = member(&app, &n.villager).await;

        // The vehicle team sees its leg to the gate: what to carry from
        // where, the squad inside — and no door, no phone.
        let road = my_leg(&app, &driver).await;
        assert_eq!(
            (road["leg"].as_str(), road["status"].as_str()),
            (Some("to_gate"), Some("assigned"))
        );
        assert_eq!(road["next"], json!(["accept", "decline"]), "{road}");
        assert_eq!(road["picks"][0]["quantity"], 150, "{road}");
        assert!(
            road["partner"]
                .as_str()
                .unwrap()
                .starts_with("龙窝村志愿小分队")
        );
        let text = road.to_string();
        assert!(
            !text.contains(&n.reference),
            "the requester's key (their page shows the code) is not the squad's: {text}"
        );
        assert!(
            !text.contains("13800008000") && !text.contains("李书记"),
            "{text}"
        );
        let (status, body) = app
            .post(
                &driver,
                &format!("/api/field/legs/{}/reveal", road["id"]),
                &json!({}),
            )
            .await;
        assert_eq!(status, 409, "the road to the gate has no door: {body}");
        // Nor does one squad reach the other's leg.
        let door = my_leg(&app, &villager).await;
        let (status, _) = step(&app, &driver, &door, json!({"step": "accept"})).await;
        assert_eq!(status, 404);

        ok(&app, &driver, &road, "accept").await;
        let again = ok(&app, &driver, &road, "accept").await;
        assert_eq!(again["status"], "accepted", "a double tap is one step");
        ok(&app, &driver, &road, "depart").await;
        assert_eq!(need_status(&app, &n).await, "in_progress");
        ok(&app, &driver, &road, "pick_up").await;
        assert_eq!(noodles(&app, &n).await, (0, 0), "150 boxes left the depot");

        // Inside, nothing to take before the hand-off.
        ok(&app, &villager, &door, "accept").await;
        ok(&app, &villager, &door, "depart").await;
        let (status, body) = step(&app, &villager, &door, json!({"step": "pick_up"})).await;
        assert_eq!(status, 409, "{body}");
        assert!(body["message"].as_str().unwrap().contains("卡口"), "{body}");
        ok(&app, &driver, &road, "hand_off").await;
        ok(&app, &villager, &door, "pick_up").await;

        // The door: the squad going there opens it, and that is logged.
        let (status, r) = app
            .post(
                &villager,
                &format!("/api/field/legs/{}/reveal", door["id"]),
                &json!({}),
            )
            .await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(
            (r["name"].as_str(), r["phone"].as_str()),
            (Some("李书记"), Some("13800008000"))
        );
        assert!(r["address"].as_str().unwrap().contains("龙窝村"), "{r}");
        let co = app.signed_in("coordinator").await;
        let (_, timeline) = app
            .get(&co, &format!("/api/needs/{}/timeline", n.need))
            .await;
        let reveals = timeline
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "field.reveal")
            .count();
        assert_eq!(
            reveals, 3,
            "name, phone and address, each logged: {timeline}"
        );

        // The code the requester reads out, from their tracking page.
        let code = code_on_page(&app, &n)
            .await
            .expect("the code is on the tracking page");
        let wrong = if code == "2580" { "1470" } else { "2580" };
        let (status, body) = step(
            &app,
            &villager,
            &door,
            json!({"step": "deliver", "code": wrong}),
        )
        .await;
        assert_eq!((status, error_fields(&body)), (422, vec!["code"]), "{body}");
        let (status, body) = step(&app, &villager, &door, json!({"step": "deliver"})).await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["code"]),
            "no code, no reason: {body}"
        );
        let spaced = format!("{} {}", &code[..2], &code[2..]);
        let done = step(
            &app,
            &villager,
            &door,
            json!({"step": "deliver", "code": spaced}),
        )
        .await;
        assert_eq!(done.0, 200, "{}", done.1);
        assert_eq!(need_status(&app, &n).await, "delivered");
        assert!(
            code_on_page(&app, &n).await.is_none(),
            "the code goes once used"
        );
        let (_, reservations) = app
            .get(&co, &format!("/api/depots/{}/reservations", n.depot))
            .await;
        assert_eq!(reservations[0]["status"], "delivered", "{reservations}");

        // Home: the last squad back closes the confirmed need.
        ok(&app, &villager, &door, "back").await;
        assert_eq!(
            need_status(&app, &n).await,
            "delivered",
            "the vehicle team is still out"
        );
        let (_, board) = app.get(&co, "/api/dispatch/board").await;
        let out: Vec<&Value> = board["legs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["task_id"] == road["task_id"])
            .collect();
        assert_eq!(out.len(), 1, "{board}");
        assert_eq!(out[0]["status"], "handed_off");
        ok(&app, &driver, &road, "back").await;
        assert_eq!(need_status(&app, &n).await, "closed");
        let (status, body) = step(
            &app,
            &driver,
            &road,
            json!({"step": "decline", "note": "晚了"}),
        )
        .await;
        assert_eq!(status, 409, "{body}");

        // The leader's debrief on the need's timeline; the hours counted.
        let (status, body) = app
            .post(
                &villager,
                &format!("/api/field/legs/{}/debrief", door["id"]),
                &json!({"text": "卡口交接顺利，李书记签收"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (_, timeline) = app
            .get(&co, &format!("/api/needs/{}/timeline", n.need))
            .await;
        let actions: Vec<&str> = timeline
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for a in [
            "need.start",
            "need.dispatch",
            "need.handoff",
            "need.deliver",
            "need.close",
            "need.debrief",
        ] {
            assert!(actions.contains(&a), "{a} in {actions:?}");
        }
        let (_, service) = app
            .get(&co, &format!("/api/volunteers/{}/service", n.villager.0))
            .await;
        assert_eq!(service["tasks"], 1, "{service}");
        // The requester's page tells the story without names.
        let page = app
            .page(&app.client(), &format!("/help/{}", n.reference))
            .await;
        assert!(
            page.contains("卡口"),
            "the hand-off is on the tracking page"
        );
        assert!(
            !page.contains("龙窝村志愿小分队"),
            "no squad named to the public"
        );
    }
);

both!(a_declined_task_returns_to_the_queue_with_its_goods, |app| {
    let n = night(&app, 52).await;
    dispatched(&app, &n).await;
    let villager = member(&app, &n.villager).await;
    let door = my_leg(&app, &villager).await;
    let (status, body) = step(&app, &villager, &door, json!({"step": "decline"})).await;
    assert_eq!(
        (status, error_fields(&body)),
        (422, vec!["note"]),
        "a decline says why: {body}"
    );
    let (status, body) = step(
        &app,
        &villager,
        &door,
        json!({"step": "decline", "note": "队员发烧，今晚无法出动"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "declined");
    assert_eq!(need_status(&app, &n).await, "verified");
    let co = app.signed_in("coordinator").await;
    assert_eq!(open_tasks(&app, &co, n.need).await, 0);
    // The vehicle team is stood off too; the goods stay held for the need.
    let driver = member(&app, &n.driver).await;
    let road = my_leg(&app, &driver).await;
    assert_eq!(road["status"], "cancelled", "{road}");
    assert_eq!(noodles(&app, &n).await, (150, 0));
    // Neither squad keeps a contact it never made.
    for squad in [n.inside, n.outside] {
        let (_, detail) = app.get(&co, &format!("/api/squads/{squad}")).await;
        assert!(
            detail["contacts"].as_array().unwrap().is_empty(),
            "{detail}"
        );
    }
    // Back in the queue — with the same squads: the contacts the task had
    // planned were never made.
    let (_, p) = app.get(&co, "/api/dispatch/proposal").await;
    let t = proposed(&p, n.need).unwrap_or_else(|| panic!("need {} not proposed: {p}", n.need));
    assert_eq!(t["legs"][0]["squad_id"], n.outside, "{t}");
    let (status, made) = app
        .post(
            &co,
            "/api/dispatch/confirm",
            &across_the_gate(&n, json!([])),
        )
        .await;
    assert_eq!(status, 201, "{made}");
});

/// Move a leg's last step back by `minutes`, as if it had stood still.
async fn stood_still(app: &TestApp, leg: i64, minutes: i64) {
    let mut tx = app.db.write().await.unwrap();
    let past = liandong::db::now() - time::Duration::minutes(minutes);
    liandong::execute!(
        &mut tx,
        "UPDATE task_legs SET updated_at = $1 WHERE id = $2",
        liandong::db::Ts::from(past),
        leg
    )
    .unwrap();
    tx.commit().await.unwrap();
}

fn on_board<'a>(board: &'a Value, leg: &Value) -> &'a Value {
    board["legs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == leg["id"])
        .unwrap_or_else(|| panic!("leg {} not on the board: {board}", leg["id"]))
}

both!(
    the_board_raises_a_late_step_and_a_squad_overdue_home,
    |app| {
        let n = night(&app, 53).await;
        dispatched(&app, &n).await;
        let co = app.signed_in("coordinator").await;
        let driver = member(&app, &n.driver).await;
        let villager = member(&app, &n.villager).await;
        let road = my_leg(&app, &driver).await;
        let door = my_leg(&app, &villager).await;
        let (_, board) = app.get(&co, "/api/dispatch/board").await;
        assert_eq!(on_board(&board, &road)["alarm"], Value::Null, "{board}");
        // Twenty minutes unaccepted: the 15-minute limit is passed.
        stood_still(&app, road["id"].as_i64().unwrap(), 20).await;
        let (_, board) = app.get(&co, "/api/dispatch/board").await;
        let l = on_board(&board, &road);
        assert_eq!(l["alarm"], "not_accepted", "{l}");
        assert!(l["over_min"].as_i64().unwrap() >= 4, "{l}");
        assert_eq!(board["legs"][0]["id"], road["id"], "alarms first: {board}");
        // The inside squad waits for the gate: no alarm while it does.
        ok(&app, &villager, &door, "accept").await;
        stood_still(&app, door["id"].as_i64().unwrap(), 120).await;
        let (_, board) = app.get(&co, "/api/dispatch/board").await;
        assert_eq!(on_board(&board, &door)["alarm"], Value::Null, "{board}");
        // Out, handed off, and not home two hours later: overdue.
        for s in ["accept", "depart", "pick_up", "hand_off"] {
            ok(&app, &driver, &road, s).await;
        }
        stood_still(&app, road["id"].as_i64().unwrap(), 120).await;
        let (_, board) = app.get(&co, "/api/dispatch/board").await;
        assert_eq!(on_board(&board, &road)["alarm"], "overdue", "{board}");
        assert!(board["alarms"].as_i64().unwrap() >= 1);
        let page = app.page(&co, "/dispatch/board").await;
        assert!(
            page.contains("超时未返回"),
            "the board says it in words: {page}"
        );
    }
);

/// The requester's word from their tracking page (their reference is the
/// key): (status, body).
async fn received(app: &TestApp, n: &Night, outcome: &str, comment: &str) -> u16 {
    app.client()
        .post(app.at(&format!("/help/{}/received", n.reference)))
        .form(&[("outcome", outcome), ("comment", comment)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

both!(
    the_requester_says_what_arrived_on_the_tracking_page,
    |app| {
        let n = night(&app, 54).await;
        dispatched(&app, &n).await;
        assert_eq!(
            received(&app, &n, "all", "").await,
            409,
            "nothing has left yet"
        );
        let driver = member(&app, &n.driver).await;
        let villager = member(&app, &n.villager).await;
        let road = my_leg(&app, &driver).await;
        let door = my_leg(&app, &villager).await;
        for s in ["accept", "depart"] {
            ok(&app, &driver, &road, s).await;
        }
        assert_eq!(received(&app, &n, "some", "").await, 422);
        // "Nothing came" raises the need for the office.
        assert_eq!(received(&app, &n, "nothing", "等了一晚上").await, 303);
        let co = app.signed_in("coordinator").await;
        let (_, need) = app.get(&co, &format!("/api/needs/{}", n.need)).await;
        assert_eq!(need["escalated"], true, "{need}");
        // Then it came: the delivery is confirmed by the requester, and the
        // squad at the door asks no code.
        assert_eq!(received(&app, &n, "all", "收到了，谢谢志愿者").await, 303);
        for s in ["pick_up", "hand_off"] {
            ok(&app, &driver, &road, s).await;
        }
        for s in ["accept", "depart", "pick_up"] {
            ok(&app, &villager, &door, s).await;
        }
        let leg = ok(&app, &villager, &door, "deliver").await;
        assert_eq!(
            (leg["status"].as_str(), leg["confirmed"].as_bool()),
            (Some("delivered"), Some(true))
        );
        ok(&app, &villager, &door, "back").await;
        ok(&app, &driver, &road, "back").await;
        assert_eq!(need_status(&app, &n).await, "closed");
        let (_, timeline) = app
            .get(&co, &format!("/api/needs/{}/timeline", n.need))
            .await;
        let words: Vec<&str> = timeline
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "need.received")
            .map(|e| e["reason"].as_str().unwrap())
            .collect();
        assert_eq!(
            words,
            vec!["等了一晚上", "收到了，谢谢志愿者"],
            "{timeline}"
        );
        let page = app
            .page(&app.client(), &format!("/help/{}", n.reference))
            .await;
        assert!(page.contains("你已反馈收货情况"), "{page}");
    }
);

both!(
    a_door_without_the_code_takes_a_reason_and_the_office_closes_it,
    |app| {
        let n = night(&app, 55).await;
        dispatched(&app, &n).await;
        let driver = member(&app, &n.driver).await;
        let villager = member(&app, &n.villager).await;
        let road = my_leg(&app, &driver).await;
        let door = my_leg(&app, &villager).await;
        for s in ["accept", "depart", "pick_up", "hand_off"] {
            ok(&app, &driver, &road, s).await;
        }
        for s in ["accept", "depart", "pick_up"] {
            ok(&app, &villager, &door, s).await;
        }
        // Five wrong codes lock it; the sixth try is refused even if right.
        let code = code_on_page(&app, &n).await.unwrap();
        let wrong = if code == "2580" { "1470" } else { "2580" };
        for _ in 0..5 {
            let (status, _) = step(
                &app,
                &villager,
                &door,
                json!({"step": "deliver", "code": wrong}),
            )
            .await;
            assert_eq!(status, 422);
        }
        let (status, body) = step(
            &app,
            &villager,
            &door,
            json!({"step": "deliver", "code": code}),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(body.to_string().contains("锁定"), "{body}");
        let leg = ok_with(
            &app,
            &villager,
            &door,
            json!({"step": "deliver", "note": "书记手机没电，由村医代收"}),
        )
        .await;
        assert_eq!(
            (leg["status"].as_str(), leg["confirmed"].as_bool()),
            (Some("delivered"), Some(false))
        );
        ok(&app, &villager, &door, "back").await;
        ok(&app, &driver, &road, "back").await;
        // Unconfirmed, it stays delivered until the office hears from the
        // village: the operator's call back takes the cadre's word.
        assert_eq!(need_status(&app, &n).await, "delivered");
        let op = app.signed_in("operator").await;
        let res = op
            .post(app.at(&format!("/api/needs/{}/received", n.need)))
            .json(&json!({"outcome": "all", "comment": "回访：村医代收，书记确认收到"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204, "{}", res.text().await.unwrap());
        assert_eq!(need_status(&app, &n).await, "closed");
    }
);

async fn ok_with(app: &TestApp, c: &reqwest::Client, leg: &Value, body: Value) -> Value {
    let (status, b) = step(app, c, leg, body).await;
    assert_eq!(status, 200, "{b}");
    b
}

both!(two_members_pressing_one_step_at_once_make_one_step, |app| {
    let n = night(&app, 56).await;
    dispatched(&app, &n).await;
    let co = app.signed_in("coordinator").await;
    let accounts = crate::squads::volunteer_accounts(&app, &co, 2, "西安市鄠邑区甘亭街道", 7).await;
    for a in &accounts {
        let (status, body) = app
            .post(
                &co,
                &format!("/api/squads/{}/members", n.outside),
                &json!({"volunteer_id": a.0}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let one = member(&app, &n.driver).await;
    let two = member(&app, &accounts[0]).await;
    let road = my_leg(&app, &one).await;
    ok(&app, &one, &road, "accept").await;
    let (a, b) = tokio::join!(
        step(&app, &one, &road, json!({"step": "depart"})),
        step(&app, &two, &road, json!({"step": "depart"}))
    );
    assert_eq!((a.0, b.0), (200, 200), "{} {}", a.1, b.1);
    let (_, timeline) = app
        .get(&co, &format!("/api/needs/{}/timeline", n.need))
        .await;
    let starts = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "need.start")
        .count();
    assert_eq!(starts, 1, "{timeline}");
});

both!(
    a_squad_out_when_the_office_calls_the_need_off_comes_home,
    |app| {
        let n = night(&app, 57).await;
        dispatched(&app, &n).await;
        let driver = member(&app, &n.driver).await;
        let road = my_leg(&app, &driver).await;
        for s in ["accept", "depart", "pick_up"] {
            ok(&app, &driver, &road, s).await;
        }
        let co = app.signed_in("coordinator").await;
        let (status, body) = app
            .post(
                &co,
                &format!("/api/needs/{}/status", n.need),
                &json!({"to": "cancelled", "reason": "村里已由镇政府统一配送"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        // The van only comes home; then nothing is left of the task.
        let out = my_leg(&app, &driver).await;
        assert_eq!(out["next"], json!(["back"]), "{out}");
        let (status, _) = step(&app, &driver, &road, json!({"step": "hand_off"})).await;
        assert_eq!(status, 409);
        ok(&app, &driver, &road, "back").await;
        let (_, board) = app.get(&co, "/api/dispatch/board").await;
        assert!(
            !board["legs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["task_id"] == road["task_id"]),
            "{board}"
        );
    }
);
