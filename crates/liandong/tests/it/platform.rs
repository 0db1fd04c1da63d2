use crate::both;
use crate::harness::*;

both!(health_metrics_and_security_headers, |app| {
    let c = app.client();
    let res = c.get(app.at("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let metrics = c
        .get(app.at("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
});

both!(cross_site_posts_are_refused, |app| {
    let c = app.client();
    let res = c
        .post(app.at("/api/session"))
        .header("sec-fetch-site", "cross-site")
        .json(&serde_json::json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The same request from the page itself goes through.
    let res = c
        .post(app.at("/api/session"))
        .header("sec-fetch-site", "same-origin")
        .json(&serde_json::json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
});

both!(pages_need_a_session_and_render_in_both_languages, |app| {
    let anon = app.client();
    let res = anon
        .get(app.at("/orgs?status=pending"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/login?next=%2Forgs%3Fstatus%3Dpending"
    );
    let c = app.signed_in("coordinator").await;
    for path in [
        "/",
        "/divisions/610113",
        "/orgs",
        "/coalition",
        "/account/password",
    ] {
        let res = c.get(app.at(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains("<html lang=\"zh-CN\">"), "{path}");
    }
    let html = c
        .get(app.at("/divisions/610113"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<html lang=\"en\">") && html.contains("Divisions below"),
        "english page"
    );
    assert!(html.contains("小寨路街道"));
    // Coordinators do not see the admin sections.
    assert_eq!(c.get(app.at("/audit")).send().await.unwrap().status(), 403);
});

both!(openapi_document_matches_snapshot, |app| {
    let (status, doc) = json(
        app.client()
            .get(app.at("/api/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("openapi", doc);
});

#[tokio::test]
async fn unknown_database_schemes_are_refused() {
    let e = liandong::db::Db::connect("mysql://localhost/x")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unsupported database URL scheme \"mysql\""),
        "{e}"
    );
}

#[test]
fn port_in_use_and_bad_urls_exit_with_one_line() {
    let bin = env!("CARGO_BIN_EXE_liandong");
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(bin)
        .args(["migrate", "--database", "mysql://localhost/x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("mysql"), "{err}");
    // A data directory that cannot be created (a file stands in the way).
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    let out = std::process::Command::new(bin)
        .args(["migrate", "--data-dir"])
        .arg(blocker.join("sub"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot create data directory"), "{err}");
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = held.local_addr().unwrap().to_string();
    let out = std::process::Command::new(bin)
        .args(["serve", "--listen", &addr, "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
}

both!(demo_loads_once, |app| {
    let again = liandong::demo::load(&app.db).await.unwrap();
    assert!(again.contains("already loaded"), "{again}");
    let c = app.signed_in("admin").await;
    let (_, orgs) = app.get(&c, "/api/orgs").await;
    assert_eq!(orgs.as_array().unwrap().len(), 16);
    let (_, zones) = json(
        c.get(app.at("/api/zones?division=610113001&active=true"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let sealed: Vec<&serde_json::Value> = zones
        .as_array()
        .unwrap()
        .iter()
        .filter(|z| z["level"] == "sealed")
        .collect();
    assert_eq!(sealed.len(), 1);
    assert_eq!(
        sealed[0]["division_code"].as_str().map(str::len),
        Some(12),
        "兴善社区 is a community"
    );
});

both!(
    pages_load_only_the_scripts_they_use_and_come_gzipped,
    |app| {
        let anon = app.client();
        let res = anon
            .get(app.at("/help"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-encoding"], "gzip");
        // The resident's form uses no htmx: its 50 KB are not sent.
        let plain = app.page(&anon, "/help").await;
        assert!(!plain.contains("htmx.min.js"), "{plain}");
        assert!(plain.contains("/assets/app.js"));
        // The hotline form uses it, and has it.
        let op = app.signed_in("operator").await;
        assert!(app.page(&op, "/needs/new").await.contains("htmx.min.js"));
        // Assets too, when the client takes gzip.
        let res = anon
            .get(app.at("/assets/htmx.min.js"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-encoding"], "gzip");
    }
);
