//! Live updates: an open page hears of a change inside its reader's
//! jurisdiction at once, and nothing of changes outside it; with several
//! servers on one PostgreSQL, a change made through one reaches pages
//! served by another. Signing in and reading a phone change nothing
//! anybody sees, and are not told.

use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::harness::{Engine, TestApp};

/// An open `GET /live`, read event by event.
struct Stream {
    res: reqwest::Response,
    buf: String,
}

impl Stream {
    async fn open(base: &str, c: &reqwest::Client) -> Stream {
        let res = c.get(format!("{base}/live")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Stream {
            res,
            buf: String::new(),
        }
    }

    /// The next change (entity, division) within `secs`, comments skipped.
    async fn next(&mut self, secs: u64) -> Option<(String, String)> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .map(|v| v.trim_start().to_owned())
                };
                if let Some((entity, division)) =
                    field("data:").as_deref().and_then(|d| d.split_once(' '))
                {
                    return Some((entity.to_owned(), division.to_owned()));
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }
}

async fn need(base: &str, op: &reqwest::Client, key: &str, address: &str) {
    let res = op
        .post(format!("{base}/api/needs"))
        .json(
            &json!({"kind": "food", "urgency": "urgent", "people": 2, "description": "实时更新测试",
            "contact_name": "测试", "contact_phone": "13800007000", "address": address,
            "idempotency_key": key}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
}

both!(a_page_hears_of_changes_in_its_area_only, |app| {
    // The 雁塔区 social worker's page is open; the city's operator takes
    // a call from 鄠邑区, then one from 雁塔区.
    let yanta = app.signed_in("caseworker").await;
    let mut stream = Stream::open(&app.url, &yanta).await;
    let op = app.signed_in("operator").await;
    need(
        &app.url,
        &op,
        "live-test-0001",
        "西安市鄠邑区涝店镇龙窝村委会",
    )
    .await;
    need(
        &app.url,
        &op,
        "live-test-0002",
        "西安市雁塔区小寨路街道兴善社区",
    )
    .await;
    // Changes come in order: had the 鄠邑区 one been told, it would be first.
    let (event, division) = stream.next(10).await.expect("an event within 10 s");
    assert_eq!(event, "need");
    assert!(division.starts_with("610113"), "{division}");
    // The city's coordinator hears both.
    let city = app.signed_in("coordinator").await;
    let mut all = Stream::open(&app.url, &city).await;
    need(
        &app.url,
        &op,
        "live-test-0003",
        "西安市鄠邑区涝店镇龙窝村委会",
    )
    .await;
    let (event, division) = all.next(10).await.expect("an event within 10 s");
    assert_eq!((event.as_str(), &division[..6]), ("need", "610118"));
    // Reading a phone changes nothing anybody sees: no event for it.
    let (_, list) = app.get(&op, "/api/needs?q=13800007000").await;
    let id = list[0]["id"].as_i64().unwrap();
    let (status, _) = app
        .post(
            &op,
            &format!("/api/needs/{id}/reveal"),
            &json!({"field": "contact_phone", "reason": "回拨核实"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(all.next(2).await, None, "a reveal is not a change");
});

both!(live_needs_an_account_and_is_bounded_per_account, |app| {
    // Sent to sign in, as any page is.
    let res = app.client().get(app.at("/live")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let co = app.signed_in("coordinator").await;
    let mut held = Vec::new();
    for _ in 0..liandong::live::STREAMS_PER_ACCOUNT {
        held.push(Stream::open(&app.url, &co).await);
    }
    let res = co.get(app.at("/live")).send().await.unwrap();
    assert_eq!(res.status(), 429);
    let body = res.text().await.unwrap();
    assert!(body.contains("打开的实时页面太多"), "{body}");
    // Another account is not held back by this one.
    let other = app.signed_in("viewer").await;
    Stream::open(&app.url, &other).await;
});

#[tokio::test]
async fn changes_through_one_server_reach_pages_of_another_on_postgres() {
    let Some(app) = TestApp::start(Engine::Postgres).await else {
        return;
    };
    // A second `liandong serve` on the same database, with its own pool.
    let db = liandong::db::Db::connect(&app.db_url).await.unwrap();
    let other = liandong::serve::start("127.0.0.1:0", db).await.unwrap();
    let other_url = format!("http://{}", other.addr);
    let co = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let res = co
        .post(format!("{other_url}/api/session"))
        .json(&json!({"username": "coordinator", "password": crate::harness::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut stream = Stream::open(&other_url, &co).await;
    let op = app.signed_in("operator").await;
    need(
        &app.url,
        &op,
        "live-test-0101",
        "西安市雁塔区小寨路街道兴善社区",
    )
    .await;
    let (event, division) = stream.next(10).await.expect("heard on the other server");
    assert_eq!(event, "need");
    assert!(division.starts_with("610113"), "{division}");
    drop(other);
    app.stop().await;
}
