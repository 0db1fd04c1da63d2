//! The dashboard: every step counts the needs that reached it, the
//! people answered in emergencies, times to verify and deliver, by area
//! one level below the reader, scoped like everything else.

use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;

async fn need(
    app: &TestApp,
    op: &reqwest::Client,
    n: u32,
    urgency: &str,
    address: &str,
    people: u32,
) -> i64 {
    let (status, r) = app
        .post(
            op,
            "/api/needs",
            &json!({"kind": "food", "urgency": urgency, "people": people, "description": format!("看板测试 {n}"),
                "contact_name": "测试", "contact_phone": "13800008000", "address": address,
                "idempotency_key": format!("dash-need-{n:04}")}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    r["id"].as_i64().unwrap()
}

async fn walk(app: &TestApp, op: &reqwest::Client, id: i64, steps: &[&str]) {
    for to in steps {
        let (status, r) = app
            .post(op, &format!("/api/needs/{id}/status"), &json!({"to": to}))
            .await;
        assert_eq!(status, 200, "{to}: {r}");
    }
}

fn count(d: &Value, k: &str) -> i64 {
    d["totals"][k].as_i64().unwrap()
}

both!(the_dashboard_counts_each_step_by_area_and_scope, |app| {
    let op = app.signed_in("operator").await;
    let co = app.signed_in("coordinator").await;
    let (status, before) = app.get(&co, "/api/dashboard").await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["jurisdiction"], "6101");

    let huyi = "西安市鄠邑区涝店镇龙窝村委会";
    let yanta = "西安市雁塔区小寨路街道大雁塔社区";
    let a = need(&app, &op, 1, "urgent", huyi, 60).await;
    let b = need(&app, &op, 2, "critical", yanta, 3).await;
    let c = need(&app, &op, 3, "normal", yanta, 1).await;
    let dup = need(&app, &op, 4, "normal", yanta, 1).await;
    walk(
        &app,
        &op,
        a,
        &["verified", "matched", "delivered", "closed"],
    )
    .await;
    walk(
        &app,
        &op,
        b,
        &["verifying", "verified", "matched", "in_progress"],
    )
    .await;
    walk(&app, &op, c, &["verified"]).await;
    let (status, r) = app
        .post(&op, &format!("/api/needs/{dup}/merge"), &json!({"into": c}))
        .await;
    assert_eq!(status, 200, "{r}");

    let (_, after) = app.get(&co, "/api/dashboard").await;
    let delta = |k: &str| count(&after, k) - count(&before, k);
    assert_eq!(
        delta("collected"),
        3,
        "a duplicate is not collected: {after}"
    );
    assert_eq!(delta("verified"), 3);
    assert_eq!(delta("matched"), 2);
    assert_eq!(delta("emergency_people"), 63);
    assert_eq!(delta("delivered"), 1);
    assert_eq!(delta("closed"), 1);
    assert_eq!(
        after["to_verify"]["count"].as_i64().unwrap()
            - before["to_verify"]["count"].as_i64().unwrap(),
        3
    );
    assert_eq!(
        after["to_deliver"]["count"].as_i64().unwrap()
            - before["to_deliver"]["count"].as_i64().unwrap(),
        1
    );
    assert_eq!(after["to_verify"]["histogram"].as_array().unwrap().len(), 8);
    // By district, for the city.
    let codes: Vec<&str> = after["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["division_code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"610118") && codes.contains(&"610113"),
        "{codes:?}"
    );
    assert!(codes.iter().all(|c| c.len() == 6));

    // The 雁塔区 caseworker sees 雁塔区 alone, by street.
    let cw = app.signed_in("caseworker").await;
    let (status, mine) = app.get(&cw, "/api/dashboard").await;
    assert_eq!(status, 200);
    let codes: Vec<&str> = mine["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["division_code"].as_str().unwrap())
        .collect();
    assert!(
        !codes.is_empty()
            && codes
                .iter()
                .all(|c| c.len() == 9 && c.starts_with("610113")),
        "{codes:?}"
    );
    assert!(count(&mine, "collected") < count(&after, "collected"));

    // The page draws its charts as SVG, and its live part stands alone.
    let page = app.page(&co, "/dashboard").await;
    for id in ["chart-areas", "chart-verify", "chart-deliver"] {
        assert!(page.contains(&format!("<svg id=\"{id}\"")), "{id}");
    }
    assert!(page.contains("data-live-src=\"/dashboard/live\""));
    let live = app.page(&co, "/dashboard/live").await;
    assert!(live.contains("id=\"dash-collected\"") && !live.contains("<html"));
    assert!(!page.contains("13800008000"));

    let screener = app.signed_in("screener").await;
    let (status, _) = app.get(&screener, "/api/dashboard").await;
    assert_eq!(status, 403);
});

both!(the_dashboard_and_the_ledger_go_out_to_excel, |app| {
    let co = app.signed_in("coordinator").await;
    let res = co.get(app.at("/dashboard.xlsx")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let (header, rows) =
        liandong::tables::read_table("dashboard.xlsx", res.bytes().await.unwrap().to_vec())
            .unwrap();
    assert_eq!(header[1], "收集需求");
    assert!(
        rows.iter().any(|r| r[0] == "陕西省西安市鄠邑区"),
        "{rows:?}"
    );
    // The last row is the whole jurisdiction.
    assert_eq!(rows.last().unwrap()[0], "陕西省西安市");
    let res = app
        .client()
        .get(app.at("/ledger.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (header, rows) =
        liandong::tables::read_table("ledger.xlsx", res.bytes().await.unwrap().to_vec()).unwrap();
    assert_eq!(header[0], "物资");
    assert!(
        rows.iter().any(|r| r[0] == "方便面"),
        "the demo's noodles: {rows:?}"
    );
    let screener = app.signed_in("screener").await;
    let res = screener
        .get(app.at("/dashboard.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
});
