//! Service levels: an admin sets how long each urgency may wait; a need
//! past its deadline escalates by itself, once per deadline, and lands on
//! the escalations list of the working groups' lead organisations.

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::both;
use crate::harness::{TestApp, actions, error_fields};

async fn take(app: &TestApp, op: &reqwest::Client, urgency: &str, kind: &str, key: &str) -> i64 {
    let (status, r) = app
        .post(
            op,
            "/api/needs",
            &json!({
                "kind": kind, "urgency": urgency, "people": 3,
                "description": "老人独居，家中断药两天",
                "contact_name": "张阿姨", "contact_phone": "13900001111",
                "address": "西安市雁塔区小寨路街道", "idempotency_key": key,
            }),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    r["id"].as_i64().unwrap()
}

both!(
    service_levels_default_and_only_the_home_admin_sets_them,
    |app| {
        let op = app.signed_in("operator").await;
        let (status, levels) = app.get(&op, "/api/service-levels").await;
        assert_eq!(status, 200, "{levels}");
        assert_eq!(
            levels,
            json!({
                "critical": {"verify_minutes": 15, "deliver_minutes": 120},
                "urgent": {"verify_minutes": 60, "deliver_minutes": 720},
                "normal": {"verify_minutes": 1440, "deliver_minutes": 4320},
            })
        );
        let mut faster = levels.clone();
        faster["critical"]["verify_minutes"] = json!(10);
        let coord = app.signed_in("coordinator").await;
        let (status, _) = app
            .send(&coord, reqwest::Method::PUT, "/api/service-levels", &faster)
            .await;
        assert_eq!(status, 403);
        let admin = app.signed_in("admin").await;
        let mut wrong = levels.clone();
        wrong["urgent"]["deliver_minutes"] = json!(30);
        wrong["normal"]["verify_minutes"] = json!(0);
        let (status, body) = app
            .send(&admin, reqwest::Method::PUT, "/api/service-levels", &wrong)
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(
            error_fields(&body),
            ["urgent.deliver_minutes", "normal.verify_minutes"],
            "{body}"
        );
        let (status, body) = app
            .send(&admin, reqwest::Method::PUT, "/api/service-levels", &faster)
            .await;
        assert_eq!(status, 200, "{body}");
        let (_, now) = app.get(&op, "/api/service-levels").await;
        assert_eq!(now, faster);
        let (_, audit) = app.get(&admin, "/api/audit?action=service_levels").await;
        assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");
        // The need's own deadline follows: critical, new → verify in 10 min.
        let id = take(&app, &op, "critical", "medicine", "sla-deadline-1").await;
        let (_, need) = app.get(&op, &format!("/api/needs/{id}")).await;
        assert_eq!(need["deadline"], "verify");
        assert_eq!(need["late_minutes"], 0);
        let asked = OffsetDateTime::parse(
            need["created_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let due = OffsetDateTime::parse(
            need["due_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert_eq!(due - asked, Duration::minutes(10));
    }
);

both!(a_need_past_its_level_escalates_once_per_deadline, |app| {
    let op = app.signed_in("operator").await;
    let critical = take(&app, &op, "critical", "medicine", "sla-critical-1").await;
    let normal = take(&app, &op, "normal", "food", "sla-normal-2").await;
    let sweep = |minutes: i64| {
        liandong::needs::store::escalate_overdue(
            &app.db,
            OffsetDateTime::now_utc() + Duration::minutes(minutes),
        )
    };
    let escalated = |id: i64| {
        let (app, op) = (&app, &op);
        async move {
            let (_, need) = app.get(op, &format!("/api/needs/{id}")).await;
            need["escalated"].as_bool().unwrap()
        }
    };
    // 14 minutes on: nobody is late yet.
    sweep(14).await.unwrap();
    assert!(!escalated(critical).await);
    // 16 minutes on, the critical one is past its 15 minutes.
    assert!(sweep(16).await.unwrap() >= 1);
    assert!(escalated(critical).await);
    assert!(!escalated(normal).await);
    assert_eq!(sweep(16).await.unwrap(), 0, "escalated once");
    let (_, board) = app.get(&op, "/api/needs?urgency=critical").await;
    assert_eq!(
        board[0]["escalated"], true,
        "escalated needs lead the board"
    );
    // Lowered by hand ("we are on it"), it stays down for this deadline.
    let (status, body) = app
        .post(
            &op,
            &format!("/api/needs/{critical}/escalation"),
            &json!({"escalated": false}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    sweep(60).await.unwrap();
    assert!(!escalated(critical).await);
    // Verified, it is held to delivery (2 h from when it was asked).
    let (status, body) = app
        .post(
            &op,
            &format!("/api/needs/{critical}/status"),
            &json!({"to": "verified"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["deadline"], "deliver");
    sweep(119).await.unwrap();
    assert!(!escalated(critical).await);
    sweep(121).await.unwrap();
    assert!(escalated(critical).await);
    let (_, timeline) = app
        .get(&op, &format!("/api/needs/{critical}/timeline"))
        .await;
    assert_eq!(
        actions(&timeline),
        [
            "need.create",
            "need.overdue",
            "need.deescalate",
            "need.verify",
            "need.overdue"
        ]
    );
    assert_eq!(timeline[1]["actor_name"], "system");
    // The normal need waits a day to be verified.
    sweep(24 * 60 - 1).await.unwrap();
    assert!(!escalated(normal).await);
    sweep(24 * 60 + 1).await.unwrap();
    assert!(escalated(normal).await);
    // Read at the real now, it is not late yet.
    let (_, need) = app.get(&op, &format!("/api/needs/{critical}")).await;
    assert!(need["late_minutes"].as_i64().unwrap() == 0, "{need}");
});

both!(
    lead_organisations_see_the_escalations_of_their_kinds,
    |app| {
        // The operator's organisation leads 需求核实组 (every kind); the
        // coordinator's leads only 志愿者协调组 (no need kinds).
        let op = app.signed_in("operator").await;
        let coord = app.signed_in("coordinator").await;
        let id = take(&app, &op, "urgent", "food", "sla-leads-1").await;
        let ids = |list: &Value| -> Vec<i64> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].as_i64().unwrap())
                .collect()
        };
        let (_, list) = app.get(&op, "/api/needs/escalations").await;
        assert!(!ids(&list).contains(&id), "{list}");
        let (status, body) = app
            .post(
                &coord,
                &format!("/api/needs/{id}/escalation"),
                &json!({"escalated": true, "reason": "村里老人断粮两天"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, list) = app.get(&op, "/api/needs/escalations").await;
        assert_eq!(status, 200);
        assert!(ids(&list).contains(&id), "{list}");
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .all(|n| n["escalated"] == true),
            "{list}"
        );
        let (_, list) = app.get(&coord, "/api/needs/escalations").await;
        assert_eq!(list, json!([]));
        // The page shows it too.
        let page = app.page(&op, "/needs/escalations").await;
        assert!(page.contains(&format!("/needs/{id}")), "{page}");
    }
);

both!(
    the_service_levels_page_saves_and_names_what_is_wrong,
    |app| {
        let admin = app.signed_in("admin").await;
        let form = |v: &str| {
            vec![
                ("critical.verify_minutes", v.to_owned()),
                ("critical.deliver_minutes", "120".to_owned()),
                ("urgent.verify_minutes", "60".to_owned()),
                ("urgent.deliver_minutes", "720".to_owned()),
                ("normal.verify_minutes", "1440".to_owned()),
                ("normal.deliver_minutes", "4320".to_owned()),
            ]
        };
        let res = admin
            .post(app.at("/needs/service-levels"))
            .form(&form("十五"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        assert!(page.contains("1 到 43200"), "{page}");
        assert!(page.contains("十五"), "what was typed stays: {page}");
        let res = admin
            .post(app.at("/needs/service-levels"))
            .form(&form("20"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        let (_, levels) = app.get(&admin, "/api/service-levels").await;
        assert_eq!(levels["critical"]["verify_minutes"], 20);
        // A viewer reads them in words, without a form.
        let viewer = app.signed_in("viewer").await;
        let page = app.page(&viewer, "/needs/service-levels").await;
        assert!(
            page.contains("20 分钟") && page.contains("3 天 0 小时"),
            "{page}"
        );
        assert!(!page.contains("<input name=\"critical"), "{page}");
    }
);

both!(the_clock_cannot_be_set_on_a_deployment, |app| {
    let admin = app.signed_in("admin").await;
    let (status, _) = app
        .send(
            &admin,
            reqwest::Method::PUT,
            "/api/clock",
            &json!({"at": "2021-12-23T18:10:00+08:00"}),
        )
        .await;
    assert_eq!(status, 404);
});
