use crate::both;
use crate::harness::*;

both!(audit_filters_and_exports_csv, |app| {
    let admin = app.signed_in("admin").await;
    let (_, signins) = json(
        admin
            .get(app.at("/api/audit?action=account&actor=admin"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        signins
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "account.sign_in")
    );
    let (status, errs) = json(
        admin
            .get(app.at("/api/audit?from=2021-13-01"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, errs["fields"][0]["field"].as_str()),
        (422, Some("from"))
    );
    let res = admin
        .get(app.at("/api/audit.csv?action=org.approve"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("audit.csv")
    );
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFid,at,actor,action"));
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert_eq!(
        text.lines().filter(|l| l.contains("org.approve")).count(),
        14
    );
    let today = time::OffsetDateTime::now_utc().date();
    let (_, none) = json(
        admin
            .get(app.at(&format!("/api/audit?to={}", today.previous_day().unwrap())))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(none.as_array().unwrap().len(), 0);
});

both!(audit_reads_in_words_by_display_name_and_pages_on, |app| {
    let admin = app.signed_in("admin").await;
    let op = app.signed_in("operator").await;
    let (status, r) = app
        .post(
            &op,
            "/api/needs",
            &serde_json::json!({
                "kind": "food", "urgency": "urgent", "people": 3,
                "description": "断粮两天", "contact_name": "张三",
                "contact_phone": "13800008000", "address": "西安市雁塔区小寨路街道",
                "idempotency_key": "audit-words-0001",
            }),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    // By the words of the action, in either language, and by who did it
    // as people know them (王热线), not only by username.
    for q in [
        "action=登记需求",
        "action=need%20taken",
        "actor=王热线&action=need.create",
    ] {
        let (status, events) = app.get(&admin, &format!("/api/audit?{q}")).await;
        assert_eq!(status, 200, "{q}: {events}");
        let actions: Vec<&str> = events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert!(
            !actions.is_empty() && actions.iter().all(|a| *a == "need.create"),
            "{q}: {actions:?}"
        );
    }
    let (_, none) = app.get(&admin, "/api/audit?action=没有这种操作").await;
    assert_eq!(
        none,
        serde_json::json!([]),
        "words no action has match nothing"
    );
    // Pages beyond the first.
    let (_, one) = app.get(&admin, "/api/audit?limit=1").await;
    let (_, two) = app.get(&admin, "/api/audit?limit=1&page=2").await;
    assert_ne!(one[0]["id"], two[0]["id"]);
    assert!(one[0]["id"].as_i64() > two[0]["id"].as_i64());
    // The page: words, a link to the need, the pager.
    let page = app.page(&admin, "/audit?action=need.create&limit=1").await;
    assert!(
        page.contains("登记需求") && page.contains("href=\"/needs/"),
        "{page}"
    );
    assert!(page.contains("id=\"audit-older\""), "{page}");
    // The CSV: Beijing time with its offset.
    let csv = app.page(&admin, "/api/audit.csv?action=need.create").await;
    let line = csv.lines().nth(1).unwrap();
    assert!(
        line.split(',').nth(1).unwrap().ends_with("+08:00"),
        "{line}"
    );
    // Every action has words in both languages.
    for a in liandong::audit::model::ACTIONS {
        let key = format!("event-{}", a.replace('.', "-"));
        for lang in [liandong::web::i18n::Lang::Zh, liandong::web::i18n::Lang::En] {
            assert_ne!(lang.t(&key), key, "{a} has no words");
        }
    }
});
