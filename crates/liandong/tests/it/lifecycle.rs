//! A need's life: new → verifying → verified → matched → in_progress →
//! delivered → closed, each step an event; refusals that name the state;
//! two people at once; the resident's page in plain words.

use serde_json::{Value, json};

use crate::both;
use crate::harness::{TestApp, actions};

/// A need taken by the operator; its id and reference.
async fn take(app: &TestApp, op: &reqwest::Client, key: &str) -> (i64, String) {
    let (status, r) = app
        .post(
            op,
            "/api/needs",
            &json!({
                "kind": "food", "urgency": "urgent", "people": 40,
                "description": "全村方便食品告急，村干部来电",
                "contact_name": "李书记", "contact_phone": "138 0000 8000",
                "address": "西安市鄠邑区涝店镇龙窝村委会", "idempotency_key": key,
            }),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    (
        r["id"].as_i64().unwrap(),
        r["need"]["reference"].as_str().unwrap().to_owned(),
    )
}

async fn to(app: &TestApp, c: &reqwest::Client, id: i64, to: &str, reason: &str) -> (u16, Value) {
    app.post(
        c,
        &format!("/api/needs/{id}/status"),
        &json!({"to": to, "reason": reason}),
    )
    .await
}

both!(
    a_need_goes_from_the_call_to_closed_each_step_an_event,
    |app| {
        let op = app.signed_in("operator").await;
        let coord = app.signed_in("coordinator").await;
        let (id, reference) = take(&app, &op, "life-20211223-1751").await;
        for (who, state) in [
            (&op, "verifying"),
            (&op, "verified"),
            (&coord, "matched"),
            (&coord, "in_progress"),
            (&coord, "delivered"),
            (&coord, "closed"),
        ] {
            let (status, need) = to(&app, who, id, state, "").await;
            assert_eq!(status, 200, "{state}: {need}");
            assert_eq!(need["status"], state);
        }
        let (status, timeline) = app.get(&coord, &format!("/api/needs/{id}/timeline")).await;
        assert_eq!(status, 200, "{timeline}");
        assert_eq!(
            actions(&timeline),
            [
                "need.create",
                "need.verifying",
                "need.verify",
                "need.match",
                "need.start",
                "need.deliver",
                "need.close"
            ]
        );
        let actors: Vec<_> = timeline
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["actor_name"].as_str().unwrap())
            .collect();
        assert_eq!(actors[1..3], ["operator", "operator"]);
        assert_eq!(actors[3..], ["coordinator"; 4]);

        // The resident follows it in plain words, in order, and sees no one.
        let page = app
            .client()
            .get(app.at(&format!("/help/{reference}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let steps = [
            "已收到您的求助",
            "工作人员正在电话核实",
            "情况已核实",
            "已找到能帮助您的物资或人员",
            "正在为您办理",
            "已送达",
            "已办结",
        ];
        let list = page.split(r#"id="help-steps""#).nth(1).expect("the steps");
        let at: Vec<usize> = steps
            .iter()
            .map(|s| {
                list.find(s)
                    .unwrap_or_else(|| panic!("{s} missing: {page}"))
            })
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "steps out of order");
        for private in [
            "李书记",
            "8000",
            "operator",
            "coordinator",
            "王热线",
            "李协调",
        ] {
            assert!(!page.contains(private), "{private} on the resident's page");
        }
    }
);

both!(
    a_move_the_state_does_not_allow_is_refused_by_name_and_changes_nothing,
    |app| {
        let op = app.signed_in("operator").await;
        let (id, _) = take(&app, &op, "life-refused-0001").await;
        let (status, r) = to(&app, &op, id, "closed", "").await;
        assert_eq!(status, 409, "{r}");
        assert!(r["message"].as_str().unwrap().contains("新登记"), "{r}");
        let (status, r) = to(&app, &op, id, "duplicate", "").await;
        assert_eq!(status, 409, "{r}");
        let (status, r) = to(&app, &op, id, "done", "").await;
        assert_eq!(status, 422, "{r}");
        assert_eq!(r["fields"][0]["field"], "to");
        // A refusal needs a reason a person can read.
        for blank in ["", " ", ".", "\u{200B}"] {
            let (status, r) = to(&app, &op, id, "rejected", blank).await;
            assert_eq!(status, 422, "{blank:?}: {r}");
            assert_eq!(r["fields"][0]["field"], "reason");
        }
        let (status, need) = app.get(&op, &format!("/api/needs/{id}")).await;
        assert_eq!((status, need["status"].as_str()), (200, Some("new")));
        let (_, timeline) = app.get(&op, &format!("/api/needs/{id}/timeline")).await;
        assert_eq!(actions(&timeline), ["need.create"]);

        let (status, need) = to(&app, &op, id, "rejected", "重复登记，已在另一条处理").await;
        assert_eq!((status, need["status"].as_str()), (200, Some("rejected")));
        let (status, r) = to(&app, &op, id, "verified", "").await;
        assert_eq!(status, 409, "{r}");
        assert!(r["message"].as_str().unwrap().contains("不予受理"), "{r}");
        // A viewer sees the need but cannot move it.
        let viewer = app.signed_in("viewer").await;
        assert_eq!(to(&app, &viewer, id, "closed", "").await.0, 403);
    }
);

both!(two_people_moving_one_need_at_once_one_of_them_wins, |app| {
    let op = app.signed_in("operator").await;
    let coord = app.signed_in("coordinator").await;
    for n in 0..5 {
        let (id, _) = take(&app, &op, &format!("life-race-{n:04}")).await;
        let (a, b) = tokio::join!(
            to(&app, &op, id, "verified", ""),
            to(&app, &coord, id, "verified", "")
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
        let (_, timeline) = app.get(&op, &format!("/api/needs/{id}/timeline")).await;
        assert_eq!(actions(&timeline), ["need.create", "need.verify"]);
    }
});

both!(
    an_escalated_need_tops_the_board_until_it_is_lowered,
    |app| {
        let op = app.signed_in("operator").await;
        let (id, _) = take(&app, &op, "life-escalate-01").await;
        let path = format!("/api/needs/{id}/escalation");
        let (status, r) = app.post(&op, &path, &json!({"escalated": true})).await;
        assert_eq!(status, 422, "a reason is needed: {r}");
        let (status, need) = app
            .post(
                &op,
                &path,
                &json!({"escalated": true, "reason": "超过一小时未核实"}),
            )
            .await;
        assert_eq!(
            (status, need["escalated"].as_bool()),
            (200, Some(true)),
            "{need}"
        );
        let (status, r) = app
            .post(
                &op,
                &path,
                &json!({"escalated": true, "reason": "再次督办"}),
            )
            .await;
        assert_eq!(status, 409, "{r}");
        // Above every need that is not escalated (the demo's escalated
        // critical one may stand above it).
        let (_, board) = app.get(&op, "/api/needs").await;
        let board = board.as_array().unwrap();
        let at = board.iter().position(|n| n["id"] == id).unwrap();
        assert!(
            board[..at].iter().all(|n| n["escalated"] == true),
            "{board:?}"
        );
        assert!(board[at + 1..].iter().any(|n| n["escalated"] == false));
        let (status, need) = app.post(&op, &path, &json!({"escalated": false})).await;
        assert_eq!((status, need["escalated"].as_bool()), (200, Some(false)));
        // A need that is over carries no flag.
        to(&app, &op, id, "cancelled", "居民已自行解决").await;
        let (status, r) = app
            .post(
                &op,
                &path,
                &json!({"escalated": true, "reason": "超过一小时未核实"}),
            )
            .await;
        assert_eq!(status, 409, "{r}");
        let (_, timeline) = app.get(&op, &format!("/api/needs/{id}/timeline")).await;
        assert_eq!(
            actions(&timeline),
            [
                "need.create",
                "need.escalate",
                "need.deescalate",
                "need.cancel"
            ]
        );
    }
);

both!(the_need_page_moves_a_need_and_shows_its_history, |app| {
    let op = app.signed_in("operator").await;
    let (id, _) = take(&app, &op, "life-page-00001").await;
    let page = op
        .get(app.at(&format!("/needs/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"id="move-verifying""#), "{page}");
    assert!(!page.contains(r#"id="move-closed""#));
    let res = op
        .post(app.at(&format!("/needs/{id}/status")))
        .form(&[("to", "verifying"), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // A refusal keeps the page and says what is wrong.
    let res = op
        .post(app.at(&format!("/needs/{id}/status")))
        .form(&[("to", "rejected"), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("核实中"), "{page}");
    assert!(page.contains("开始核实"), "the history: {page}");
});

async fn call(app: &TestApp, c: &reqwest::Client, id: i64) -> (u16, Value) {
    app.post(c, &format!("/api/needs/{id}/call"), &json!({}))
        .await
}

async fn end(app: &TestApp, c: &reqwest::Client, id: i64, report: Value) -> (u16, Value) {
    app.post(c, &format!("/api/needs/{id}/call/end"), &report)
        .await
}

both!(
    a_verification_call_holds_the_need_opens_the_phone_once_and_verifies,
    |app| {
        let op = app.signed_in("operator").await;
        let coord = app.signed_in("coordinator").await;
        let (id, _) = take(&app, &op, "call-verify-0001").await;
        let (status, started) = call(&app, &op, id).await;
        assert_eq!(status, 200, "{started}");
        assert_eq!(started["phone"], "13800008000");
        assert_eq!(started["need"]["status"], "verifying");
        assert_eq!(started["need"]["contact_phone"], "138****8000");
        let caller = started["need"]["locked_by_name"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(!caller.is_empty());
        // Picking the call up again opens nothing more.
        assert_eq!(call(&app, &op, id).await.0, 200);
        // Nobody else calls the resident meanwhile, and sees who does.
        let (status, r) = call(&app, &coord, id).await;
        assert_eq!(status, 409, "{r}");
        let (_, need) = app.get(&coord, &format!("/api/needs/{id}")).await;
        assert_eq!(need["locked_by_name"], caller.as_str());
        assert!(need["locked_until"].is_string());
        let (status, r) = end(
            &app,
            &coord,
            id,
            json!({"outcome": "reached", "verdict": "verified"}),
        )
        .await;
        assert_eq!(status, 409, "{r}");
        // Reached: 45 people, not 40; verified.
        let (status, need) = end(
        &app,
        &op,
        id,
        json!({"outcome": "reached", "verdict": "verified", "people": 45, "note": "村干部确认"}),
    )
    .await;
        assert_eq!(status, 200, "{need}");
        assert_eq!(need["status"], "verified");
        assert_eq!(need["people"], 45);
        assert_eq!(need["locked_by_name"], "");
        let (_, timeline) = app.get(&op, &format!("/api/needs/{id}/timeline")).await;
        assert_eq!(
            actions(&timeline),
            [
                "need.create",
                "need.verifying",
                "field.reveal",
                "need.call.reached",
                "need.correct",
                "need.verify"
            ]
        );
        assert!(
            timeline[2]["reason"]
                .as_str()
                .unwrap()
                .contains("verification call")
        );
        // Ended: no call to end, and a verified need is not called again.
        assert_eq!(end(&app, &op, id, json!({"outcome": "busy"})).await.0, 409);
        assert_eq!(call(&app, &op, id).await.0, 409);
    }
);

both!(
    three_calls_not_reached_escalate_and_the_call_back_queue_is_by_due_time,
    |app| {
        let op = app.signed_in("operator").await;
        let (id, _) = take(&app, &op, "call-unreached-01").await;
        for (n, outcome) in ["no_answer", "busy", "switched_off"].iter().enumerate() {
            assert_eq!(call(&app, &op, id).await.0, 200);
            let (status, need) = end(&app, &op, id, json!({"outcome": outcome})).await;
            assert_eq!(status, 200, "{need}");
            assert_eq!(need["status"], "new");
            assert!(need["call_back_at"].is_string(), "{need}");
            assert_eq!(need["escalated"], n == 2, "after {} calls", n + 1);
        }
        let (_, timeline) = app.get(&op, &format!("/api/needs/{id}/timeline")).await;
        let escalations = actions(&timeline)
            .iter()
            .filter(|a| **a == "need.escalate")
            .count();
        assert_eq!(escalations, 1);

        // A time to call back must be ahead; the queue is by due time.
        let (later, _) = take(&app, &op, "call-unreached-02").await;
        assert_eq!(call(&app, &op, later).await.0, 200);
        let (status, r) = end(
            &app,
            &op,
            later,
            json!({"outcome": "call_back", "call_back_at": "2021-12-23T19:00"}),
        )
        .await;
        assert_eq!(status, 422, "{r}");
        assert_eq!(r["fields"][0]["field"], "call_back_at");
        let (status, need) = end(
            &app,
            &op,
            later,
            json!({"outcome": "call_back", "call_back_at": "2099-01-01T09:00"}),
        )
        .await;
        assert_eq!(status, 200, "{need}");
        assert_eq!(need["call_back_at"], "2099-01-01T01:00:00Z");
        let (_, queue) = app.get(&op, "/api/needs/call-backs").await;
        let ids: Vec<_> = queue
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [id, later]);
        // A call reached settles it: out of the queue.
        assert_eq!(call(&app, &op, id).await.0, 200);
        let (status, need) = end(
            &app,
            &op,
            id,
            json!({"outcome": "reached", "verdict": "rejected", "reason": "已由社区解决"}),
        )
        .await;
        assert_eq!((status, need["status"].as_str()), (200, Some("rejected")));
        let (_, queue) = app.get(&op, "/api/needs/call-backs").await;
        assert_eq!(queue.as_array().unwrap().len(), 1);
    }
);

both!(
    two_operators_calling_one_resident_at_once_one_gets_the_call,
    |app| {
        let op = app.signed_in("operator").await;
        let coord = app.signed_in("coordinator").await;
        for n in 0..5 {
            let (id, _) = take(&app, &op, &format!("call-race-{n:04}")).await;
            let (a, b) = tokio::join!(call(&app, &op, id), call(&app, &coord, id));
            let mut statuses = [a.0, b.0];
            statuses.sort();
            assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
            let (_, timeline) = app.get(&op, &format!("/api/needs/{id}/timeline")).await;
            assert_eq!(
                actions(&timeline),
                ["need.create", "need.verifying", "field.reveal"]
            );
        }
    }
);

both!(a_call_left_open_runs_out_and_another_may_call, |app| {
    let op = app.signed_in("operator").await;
    let coord = app.signed_in("coordinator").await;
    let (id, _) = take(&app, &op, "call-expired-001").await;
    assert_eq!(call(&app, &op, id).await.0, 200);
    // Ten minutes later (the hold moved back rather than the clock on).
    let mut tx = app.db.write().await.unwrap();
    let past = liandong::db::now() - time::Duration::minutes(1);
    liandong::execute!(
        &mut tx,
        "UPDATE needs SET locked_until = $1 WHERE id = $2",
        liandong::db::Ts::from(past),
        id
    )
    .unwrap();
    tx.commit().await.unwrap();
    let (_, need) = app.get(&coord, &format!("/api/needs/{id}")).await;
    assert_eq!(need["locked_by_name"], "");
    let (status, r) = end(&app, &op, id, json!({"outcome": "busy"})).await;
    assert_eq!(status, 409, "the first caller's hold ran out: {r}");
    let (status, started) = call(&app, &coord, id).await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["phone"], "13800008000");
});

/// The board as filtered: its page and the total the header gives.
async fn board(app: &TestApp, c: &reqwest::Client, query: &str) -> (Vec<Value>, i64) {
    let res = c
        .get(app.at(&format!("/api/needs?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{query}");
    let total = res.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    (res.json::<Vec<Value>>().await.unwrap(), total)
}

both!(
    the_board_hides_nothing_silently_filters_pages_and_finds_by_phone,
    |app| {
        let op = app.signed_in("operator").await;
        let (_, before) = board(&app, &op, "").await;
        for n in 0..103 {
            take(&app, &op, &format!("board-{n:05}")).await;
        }
        let (first, total) = board(&app, &op, "").await;
        assert_eq!(total, before + 103);
        assert_eq!(first.len(), 100);
        let (second, _) = board(&app, &op, "page=2").await;
        assert_eq!(second.len() as i64, total - 100);
        let mut ids: Vec<i64> = first
            .iter()
            .chain(&second)
            .map(|n| n["id"].as_i64().unwrap())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len() as i64, total, "every need on exactly one page");

        // Closed ways out leave the open board and stay findable.
        let (gone, reference) = take(&app, &op, "board-rejected").await;
        to(&app, &op, gone, "rejected", "重复登记").await;
        let (_, open) = board(&app, &op, "").await;
        assert_eq!(open, total);
        let (rejected, n) = board(&app, &op, "status=rejected").await;
        assert_eq!((n, rejected[0]["id"].as_i64()), (1, Some(gone)));
        let (_, all) = board(&app, &op, "status=all").await;
        assert_eq!(all, total + 1);
        // By reference as written, and by phone (matched, never shown).
        let written = format!("{}-{}", &reference[..5], reference[5..].to_lowercase());
        let (found, n) = board(&app, &op, &format!("status=all&q={written}")).await;
        assert_eq!((n, found[0]["id"].as_i64()), (1, Some(gone)));
        let (status, r) = app
            .post(
                &op,
                "/api/needs",
                &json!({
                    "kind": "medicine", "urgency": "critical", "people": 1,
                    "description": "胰岛素用完", "contact_name": "孙先生",
                    "contact_phone": "13912345678", "address": "西安市雁塔区小寨路街道",
                    "idempotency_key": "board-phone-0001",
                }),
            )
            .await;
        assert_eq!(status, 201, "{r}");
        let (found, n) = board(&app, &op, "q=139%201234%205678").await;
        assert_eq!((n, found[0]["id"].as_i64()), (1, r["id"].as_i64()));
        assert_eq!(found[0]["contact_phone"], "139****5678");
        let (found, _) = board(&app, &op, "kind=medicine&urgency=critical").await;
        assert!(found.iter().any(|n| n["id"] == r["id"]));
        assert!(
            found
                .iter()
                .all(|n| n["kind"] == "medicine" && n["urgency"] == "critical")
        );
        // Longest waiting first: the demo's first call.
        let (waiting, _) = board(&app, &op, "sort=waiting").await;
        // Compared as times: RFC 3339 text drops trailing zeros of the
        // fraction, so ".1234Z" and ".12345Z" do not sort as text.
        let times: Vec<time::OffsetDateTime> = waiting
            .iter()
            .map(|n| {
                let t = n["created_at"].as_str().unwrap();
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                    .unwrap()
            })
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
        // A filter that is not one is said, by name.
        for (query, field) in [
            ("status=done", "status"),
            ("q=hello", "q"),
            ("within=99", "within"),
            ("page=0", "page"),
        ] {
            let (status, r) = app.get(&op, &format!("/api/needs?{query}")).await;
            assert_eq!(status, 422, "{query}: {r}");
            assert_eq!(r["fields"][0]["field"], field, "{query}");
        }
    }
);
