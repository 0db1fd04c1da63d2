//! A need's life: new → verifying → verified → matched → in_progress →
//! delivered → closed, each step an event; refusals that name the state;
//! two people at once; the resident's page in plain words.

use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;

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

fn actions(timeline: &Value) -> Vec<&str> {
    timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
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
