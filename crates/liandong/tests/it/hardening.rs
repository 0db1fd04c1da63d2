//! Abuse and bad input (issue 9 §3) and storage of time and scope (§5):
//! each of these failed before the hardening.

use reqwest::Client;
use serde_json::{Value, json};

use crate::both;
use crate::harness::*;

/// A client that a reverse proxy on this machine speaks for as `ip`.
fn client_at(ip: &str) -> Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("x-forwarded-for", ip.parse().unwrap());
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(h)
        .build()
        .unwrap()
}

async fn sign_in(app: &TestApp, c: &Client, user: &str, password: &str) -> (u16, Value) {
    app.post(
        c,
        "/api/session",
        &json!({"username": user, "password": password}),
    )
    .await
}

fn need(key: &str, phone: &str, address: &str) -> Value {
    json!({
        "kind": "medicine", "urgency": "urgent", "people": 1,
        "description": "独居老人，降压药只剩一天", "contact_name": "李阿姨",
        "contact_phone": phone, "address": address, "idempotency_key": key,
    })
}

fn fields(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

both!(control_characters_are_field_errors_never_500s, |app| {
    let op = app.signed_in("operator").await;
    let mut n = need("nul-0000-0001", "13800138000", "鄠邑区龙窝村");
    n["description"] = json!("米面已断\u{0}两天");
    n["contact_name"] = json!("李\u{7}阿姨");
    let (status, body) = app.post(&op, "/api/needs", &n).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(fields(&body), ["description", "contact_name"]);
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("控制字符")
    );
    // Newlines and tabs are what people type: taken.
    n["description"] = json!("米面已断两天\n\t老人有高血压");
    n["contact_name"] = json!("李阿姨");
    let (status, body) = app.post(&op, "/api/needs", &n).await;
    assert_eq!(status, 201, "{body}");

    let admin = app.signed_in("admin").await;
    for path in [
        "/api/divisions?q=%00",
        "/api/audit?actor=a%00b",
        "/api/orgs?q=%00",
    ] {
        let (status, body) = app.get(&admin, path).await;
        assert_eq!(status, 422, "{path}: {body}");
    }
    let org = json!({"name": "互助\u{0}会", "kind": "volunteer_team", "tier": "community",
        "jurisdiction_code": "610113", "contact_name": "王", "contact_phone": "13800138000"});
    let (status, body) = app.post(&admin, "/api/orgs", &org).await;
    assert_eq!((status, fields(&body)[0].as_str()), (422, "name"), "{body}");
    // A NUL in a username is just a wrong sign-in.
    let (status, _) = sign_in(&app, &app.client(), "oper\u{0}ator", PASSWORD).await;
    assert_eq!(status, 422);
});

both!(a_reason_is_some_visible_characters, |app| {
    let op = app.signed_in("operator").await;
    let (_, list) = app.get(&op, "/api/needs").await;
    let id = list[0]["id"].as_i64().unwrap();
    for reason in ["\u{200b}", "\u{feff}\u{feff}", ".", "  \u{3000} ", "。。"] {
        let (status, body) = app
            .post(
                &op,
                &format!("/api/needs/{id}/reveal"),
                &json!({"field": "contact_phone", "reason": reason}),
            )
            .await;
        assert_eq!(
            (status, fields(&body)),
            (422, vec!["reason".to_owned()]),
            "{reason:?}"
        );
    }
    let res = op
        .post(app.at(&format!("/api/needs/{id}/reveal")))
        .json(&json!({"field": "contact_phone", "reason": "核实"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    // Each refused attempt is in the audit log, the one allowed too.
    let admin = app.signed_in("admin").await;
    let (_, refused) = app
        .get(&admin, "/api/audit?action=field.reveal_refused")
        .await;
    assert_eq!(refused.as_array().unwrap().len(), 5, "{refused}");
});

both!(refused_reveals_outside_scope_are_audited, |app| {
    // A need of 雁塔区 is outside an office that holds 长安区 only.
    let admin = app.signed_in("admin").await;
    let (_, me) = app.get(&admin, "/api/me").await;
    let body = json!({"username": "changan.op", "display_name": "长安接线员", "password": "changan-2021-12",
        "role": "operator", "org_id": me["org_id"], "jurisdiction_code": "610116"});
    assert_eq!(app.post(&admin, "/api/accounts", &body).await.0, 201);
    let op = app.signed_in("operator").await;
    let (status, taken) = app
        .post(
            &op,
            "/api/needs",
            &need("scope-0000-0001", "13800138001", "雁塔区小寨路街道兴善社区"),
        )
        .await;
    assert_eq!(status, 201, "{taken}");
    let id = taken["id"].as_i64().unwrap();
    let outsider = app.client();
    assert_eq!(
        sign_in(&app, &outsider, "changan.op", "changan-2021-12")
            .await
            .0,
        200
    );
    let (status, _) = app
        .post(
            &outsider,
            &format!("/api/needs/{id}/reveal"),
            &json!({"field": "contact_phone", "reason": "核实情况"}),
        )
        .await;
    assert_eq!(status, 404);
    let (_, events) = app
        .get(&admin, "/api/audit?action=field.reveal_refused")
        .await;
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["actor_name"], "changan.op");
    assert_eq!(events[0]["division_code"], "610116");
});

both!(redirect_targets_stay_on_this_site, |app| {
    let c = app.client();
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\n/x",
        "/a\r\nb",
        "/a\0b",
        "https://evil.example",
    ] {
        let res = c
            .post(app.at("/login"))
            .form(&[
                ("username", "viewer"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{next:?}");
        assert_eq!(res.headers()["location"], "/", "{next:?}");
        let res = c
            .post(app.at("/lang"))
            .form(&[("lang", "en"), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{next:?}");
        assert_eq!(res.headers()["location"], "/", "{next:?}");
    }
    let res = c
        .post(app.at("/lang"))
        .form(&[("lang", "en"), ("next", "/needs?kind=food")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/needs?kind=food");
});

both!(failures_elsewhere_never_lock_the_owner_out, |app| {
    let attacker = client_at("198.51.100.66");
    for _ in 0..8 {
        let (status, body) = sign_in(&app, &attacker, "operator", "guess-guess-guess").await;
        assert_eq!(status, 422, "{body}");
    }
    // The attacker now waits, even with the right password, and is told
    // exactly what a wrong password or an unknown account is told.
    let (status, waiting) = sign_in(&app, &attacker, "operator", PASSWORD).await;
    let (_, wrong) = sign_in(
        &app,
        &client_at("198.51.100.67"),
        "operator",
        "nope-nope-nope",
    )
    .await;
    let (_, unknown) = sign_in(
        &app,
        &client_at("198.51.100.68"),
        "nobody-here",
        "nope-nope-nope",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(waiting, wrong);
    assert_eq!(wrong, unknown);
    // The operator, at the office, signs in.
    let (status, _) = sign_in(&app, &client_at("203.0.113.10"), "operator", PASSWORD).await;
    assert_eq!(status, 200);
    // An admin can forget the failures at once.
    let admin = app.signed_in("admin").await;
    let (_, accounts) = app.get(&admin, "/api/accounts").await;
    let id = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "operator")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, body) = app
        .post(&admin, &format!("/api/accounts/{id}/unlock"), &json!({}))
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(sign_in(&app, &attacker, "operator", PASSWORD).await.0, 200);
});

both!(parallel_failures_all_count, |app| {
    let c = client_at("198.51.100.70");
    let tries = (0..40).map(|_| {
        let c = c.clone();
        let url = app.at("/api/session");
        async move {
            c.post(url)
                .json(&json!({"username": "viewer", "password": "wrong-password"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_join_all(tries).await;
    assert!(statuses.iter().all(|s| *s == 422), "{statuses:?}");
    let mut tx = app.db.read().await.unwrap();
    let failures = liandong::fetch_scalar!(
        &mut tx,
        i64,
        "SELECT failures FROM sign_in_throttle WHERE username = $1 AND client = $2",
        "viewer",
        "198.51.100.70"
    )
    .unwrap();
    // Those that came while the client was already waiting are refused
    // without counting; every one before that counted.
    assert!(
        failures >= liandong::access::store::FREE_FAILURES,
        "{failures}"
    );
    let waited = liandong::fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM events WHERE action IN ('account.sign_in_failed', 'account.sign_in_throttled') AND actor_name = $1",
        "viewer"
    )
    .unwrap();
    assert_eq!(waited, failures);
});

/// Run futures at once (no extra crate for a join).
async fn futures_join_all<F: std::future::Future<Output = u16> + Send + 'static>(
    fs: impl Iterator<Item = F>,
) -> Vec<u16> {
    let handles: Vec<_> = fs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

both!(a_password_change_ends_the_other_sessions, |app| {
    let phone = app.signed_in("caseworker").await;
    let desk = app.signed_in("caseworker").await;
    let res = desk
        .post(app.at("/api/me/password"))
        .json(&json!({"current_password": PASSWORD, "new_password": "a-new-one-2022"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(app.get(&desk, "/api/me").await.0, 200);
    assert_eq!(app.get(&phone, "/api/me").await.0, 401);
});

both!(session_ids_are_stored_as_digests, |app| {
    let c = app.client();
    let res = c
        .post(app.at("/api/session"))
        .json(&json!({"username": "viewer", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("liandong_session="))
        .unwrap();
    let id = cookie
        .trim_start_matches("liandong_session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let mut tx = app.db.read().await.unwrap();
    let ids = liandong::fetch_all!(&mut tx, (String,), "SELECT id FROM sessions").unwrap();
    assert!(!ids.is_empty());
    assert!(ids.iter().all(|(s,)| s != &id && s.len() == 64), "{ids:?}");
});

both!(concurrent_submits_of_one_key_answer_one_need, |app| {
    let op = app.signed_in("operator").await;
    let before = app.get(&op, "/api/needs").await.1.as_array().unwrap().len();
    let body = need("same-key-0000-0001", "13800138002", "鄠邑区龙窝村");
    let sends = (0..10).map(|_| {
        let (c, url, body) = (op.clone(), app.at("/api/needs"), body.clone());
        async move {
            let res = c.post(url).json(&body).send().await.unwrap();
            let status = res.status().as_u16();
            let v: Value = res.json().await.unwrap();
            (status, v["id"].as_i64())
        }
    });
    let handles: Vec<_> = sends.map(tokio::spawn).collect();
    let mut answers = Vec::new();
    for h in handles {
        answers.push(h.await.unwrap());
    }
    let ids: std::collections::BTreeSet<_> = answers.iter().map(|a| a.1).collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    assert!(ids.iter().all(Option::is_some), "{answers:?}");
    assert_eq!(
        answers.iter().filter(|a| a.0 == 201).count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|a| a.0 == 201 || a.0 == 200),
        "{answers:?}"
    );
    // The public form: ten sends of one form, one need, one reference.
    let form = [
        ("idempotency_key", "public-same-key-0001"),
        ("address", "鄠邑区涝店街道龙窝村"),
        ("kind", "food"),
        ("urgency", "urgent"),
        ("people", "2"),
        ("description", "两位老人，家里没有吃的了"),
        ("contact_name", "王大爷"),
        ("contact_phone", "13900139000"),
    ];
    let handles: Vec<_> = (0..10)
        .map(|i| {
            let c = client_at(&format!("198.51.100.{}", 100 + i));
            let url = app.at("/help");
            tokio::spawn(async move {
                let res = c.post(url).form(&form).send().await.unwrap();
                (
                    res.status().as_u16(),
                    res.headers()
                        .get("location")
                        .map(|l| l.to_str().unwrap().to_owned()),
                )
            })
        })
        .collect();
    let mut places = std::collections::BTreeSet::new();
    for h in handles {
        let (status, location) = h.await.unwrap();
        assert_eq!(status, 303);
        places.insert(location.unwrap());
    }
    assert_eq!(places.len(), 1, "{places:?}");
    let admin = app.signed_in("admin").await;
    let after = app
        .get(&admin, "/api/needs")
        .await
        .1
        .as_array()
        .unwrap()
        .len();
    let ops_after = app.get(&op, "/api/needs").await.1.as_array().unwrap().len();
    assert_eq!(ops_after, before + 2, "admin sees {after}");
});

both!(the_public_form_limits_each_phone_and_address, |app| {
    let mut last = 0;
    let mut page = String::new();
    for i in 0..6 {
        // Six clients, one phone: the sixth request is held back.
        let c = client_at(&format!("198.51.100.{}", 10 + i));
        let key = format!("flood-phone-{i:04}");
        let address = format!("鄠邑区涝店街道龙窝村{}号", i + 1);
        let res = c
            .post(app.at("/help"))
            .form(&[
                ("idempotency_key", key.as_str()),
                ("address", address.as_str()),
                ("kind", "food"),
                ("urgency", "normal"),
                ("people", "1"),
                ("description", "需要米面"),
                ("contact_name", "赵"),
                ("contact_phone", "137 0000 0001"),
            ])
            .send()
            .await
            .unwrap();
        last = res.status().as_u16();
        page = res.text().await.unwrap();
    }
    assert_eq!(last, 429);
    assert!(page.contains("请稍后再试"), "{page}");
    // What was typed is kept.
    assert!(page.contains("需要米面"), "{page}");
});

both!(
    timestamps_sort_as_time_and_scoped_reads_use_the_index,
    |app| {
        let mut tx = app.db.read().await.unwrap();
        if app.db.engine() == "sqlite" {
            // Every stored time has one width, so text order is time order.
            for (table, column) in [
                ("events", "at"),
                ("needs", "created_at"),
                ("orgs", "created_at"),
                ("accounts", "created_at"),
                ("zones", "starts_at"),
                ("sessions", "expires_at"),
                ("coalition_members", "joined_at"),
            ] {
                let widths = liandong::fetch_all!(
                    &mut tx,
                    (i64,),
                    sqlx::AssertSqlSafe(format!("SELECT DISTINCT length({column}) FROM {table}"))
                )
                .unwrap();
                assert!(
                    widths.iter().all(|(w,)| *w == 27),
                    "{table}.{column}: {widths:?}"
                );
            }
            let plan = liandong::fetch_all!(
                &mut tx,
                (i64, i64, i64, String),
                sqlx::AssertSqlSafe(format!(
                    "EXPLAIN QUERY PLAN SELECT id FROM needs WHERE {}",
                    liandong::db::inside("jurisdiction_code", 1)
                )),
                "6101"
            )
            .unwrap();
            let plan: Vec<_> = plan.into_iter().map(|r| r.3).collect();
            assert!(
                plan.iter()
                    .any(|p| p.contains("USING") && p.contains("INDEX")),
                "{plan:?}"
            );
        } else {
            liandong::execute!(&mut tx, "SET LOCAL enable_seqscan = off").unwrap();
            let plan = liandong::fetch_all!(
                &mut tx,
                (String,),
                sqlx::AssertSqlSafe(format!(
                    "EXPLAIN SELECT id FROM needs WHERE {}",
                    liandong::db::inside("jurisdiction_code", 1)
                )),
                "6101"
            )
            .unwrap();
            let plan: Vec<_> = plan.into_iter().map(|r| r.0).collect();
            // Any of the indexes that begin with the jurisdiction.
            let by_jurisdiction = |p: &String| {
                p.contains("Index") && (p.contains("needs_areas") || p.contains("needs_steps"))
            };
            assert!(plan.iter().any(by_jurisdiction), "{plan:?}");
        }
    }
);

async fn upload(app: &TestApp, c: &Client, name: &str, bytes: Vec<u8>) -> (u16, String) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let res = c
        .post(app.at("/needs/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

both!(lists_count_real_rows_and_name_bad_bytes_and_bombs, |app| {
    let op = app.signed_in("operator").await;
    // 3,000 blank records between 3,000 needs: all 3,000 taken, the
    // blanks skipped and said so.
    let mut csv = String::from("地址,类别,情况,联系人,电话\n");
    for i in 0..3000 {
        csv.push_str(",,,,\n");
        csv.push_str(&format!(
            "鄠邑区涝店街道龙窝村{}号,生活物资,断粮,张,1380000{:04}\n",
            i + 1,
            i
        ));
    }
    let (status, page) = upload(&app, &op, "名单.csv", csv.into_bytes()).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("3000"), "{page}");
    assert!(page.contains("空行已跳过 3000"), "{page}");
    // A byte that is text in no encoding: the line is named.
    let mut bad = "地址,类别,情况,联系人,电话\n鄠邑区龙窝村,生活物资,断粮,张,13800000001\n"
        .as_bytes()
        .to_vec();
    bad.extend_from_slice(b"\xff\xfe,x,y,z,w\n");
    let (status, page) = upload(&app, &op, "坏.csv", bad).await;
    assert_eq!(status, 422);
    assert!(page.contains("第 3 行"), "{page}");
    // A zip that inflates past the limit, refused by it, quickly.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/sharedStrings.xml", opts).unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..=liandong::tables::MAX_UNZIPPED_MIB {
        std::io::Write::write_all(&mut zip, &chunk).unwrap();
    }
    let bomb = zip.finish().unwrap().into_inner();
    let started = std::time::Instant::now();
    let (status, page) = upload(&app, &op, "bomb.xlsx", bomb).await;
    assert_eq!(status, 422);
    assert!(page.contains("解压后超过 64 MB"), "{page}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
});

both!(every_api_refusal_is_the_json_error_body, |app| {
    let op = app.signed_in("operator").await;
    let check = |res: reqwest::Response, status: u16, code: &'static str| async move {
        assert_eq!(res.status().as_u16(), status);
        let allow = res.headers().get("allow").cloned();
        let body: Value = res.json().await.expect("a JSON body");
        assert_eq!(body["error"], code, "{body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        allow
    };
    let url = app.at("/api/needs");
    let res = op
        .post(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    check(res, 400, "bad_request").await;
    let res = op.post(&url).body("{}").send().await.unwrap();
    check(res, 415, "unsupported_media_type").await;
    let res = op
        .post(&url)
        .header("content-type", "application/json")
        .body("0")
        .send()
        .await
        .unwrap();
    check(res, 422, "invalid").await;
    let res = op.get(app.at("/api/needs/abc")).send().await.unwrap();
    check(res, 404, "not_found").await;
    let res = op
        .get(app.at("/api/audit?limit=many"))
        .send()
        .await
        .unwrap();
    check(res, 422, "invalid").await;
    let res = op.delete(&url).send().await.unwrap();
    let allow = check(res, 405, "method_not_allowed").await;
    assert!(allow.is_some());
    // The server may answer before it has read the whole body and close
    // the connection under the client's feet; an answer that arrives is
    // checked, a reset mid-upload is tried again.
    let mut res = None;
    for _ in 0..5 {
        let sent = op
            .post(&url)
            .header("content-type", "application/json")
            .body(vec![b' '; 3 << 20])
            .send()
            .await;
        if let Ok(r) = sent {
            res = Some(r);
            break;
        }
    }
    check(
        res.expect("an answer to an oversized body"),
        413,
        "payload_too_large",
    )
    .await;
});

both!(the_api_document_lists_every_refusal_and_unique_ids, |app| {
    let (_, doc) = app.get(&app.client(), "/api/openapi.json").await;
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap().to_owned();
            assert!(ids.insert(id.clone()), "{id} twice");
            let responses = op["responses"].as_object().unwrap();
            // Signing in and the public paths need no session; every
            // other operation says what happens without one.
            let public = (path == "/api/session" && method == "post") || path.contains("/public/");
            if public {
                assert_eq!(op["security"], serde_json::json!([{}]), "{method} {path}");
            } else {
                assert!(responses.contains_key("401"), "{method} {path}");
            }
            if op.get("requestBody").is_some() {
                for s in ["400", "415", "422"] {
                    assert!(responses.contains_key(s), "{method} {path} {s}");
                }
            }
        }
    }
    assert!(doc["components"]["securitySchemes"]["session"].is_object());
});
