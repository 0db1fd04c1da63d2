//! The field: the Shaanxi night's task carried out by its two squads on
//! their phones — the vehicle team to the village's gate, the village's
//! own squad from the gate to the door, the requester's code, both home,
//! the need closed; a decline sends the need back to the queue; the board
//! raises its alarms. On both engines.

use serde_json::{Value, json};

use crate::both;
use crate::dispatch::{Night, across_the_gate, night, open_tasks, proposed};
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

/// The district depot's noodles: (on hand, available).
async fn noodles(app: &TestApp, n: &Night) -> (i64, i64) {
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
