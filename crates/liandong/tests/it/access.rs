use crate::both;
use crate::harness::*;

both!(
    wrong_password_names_the_field_in_the_callers_language,
    |app| {
        let c = app.client();
        let (status, body) = app
            .post(
                &c,
                "/api/session",
                &serde_json::json!({"username": "viewer", "password": "nope"}),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(body["fields"][0]["field"], "password");
        assert_eq!(body["fields"][0]["message"], "用户名或密码不正确");
        let (_, body) = json(
            c.post(app.at("/api/session"))
                .header("accept-language", "en-US,en;q=0.9")
                .json(&serde_json::json!({"username": "nobody", "password": "nope"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(body["fields"][0]["message"], "Wrong username or password");
    }
);

both!(sign_out_ends_the_session, |app| {
    let c = app.signed_in("operator").await;
    let (_, me) = app.get(&c, "/api/me").await;
    assert_eq!(me["role"], "operator");
    assert_eq!(me["jurisdiction_name"], "陕西省西安市");
    assert_eq!(
        c.delete(app.at("/api/session"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(c.get(app.at("/api/me")).send().await.unwrap().status(), 401);
});

both!(password_change_checks_the_current_one, |app| {
    let c = app.signed_in("caseworker").await;
    let (status, body) = app
        .post(
            &c,
            "/api/me/password",
            &serde_json::json!({"current_password": "wrong", "new_password": "a-much-better-one"}),
        )
        .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("current_password"))
    );
    let (status, body) = app
        .post(
            &c,
            "/api/me/password",
            &serde_json::json!({"current_password": PASSWORD, "new_password": "123"}),
        )
        .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("new_password"))
    );
    let res = c
        .post(app.at("/api/me/password"))
        .json(
            &serde_json::json!({"current_password": PASSWORD, "new_password": "a-much-better-one"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let fresh = app.client();
    let res = fresh
        .post(app.at("/api/session"))
        .json(&serde_json::json!({"username": "caseworker", "password": "a-much-better-one"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
});

both!(admins_create_accounts_within_their_jurisdiction, |app| {
    let admin = app.signed_in("admin").await;
    let (_, me) = app.get(&admin, "/api/me").await;
    let body = serde_json::json!({
        "username": "zhang.wei", "display_name": "张伟", "password": "volunteer-2022",
        "role": "volunteer", "org_id": me["org_id"], "jurisdiction_code": "610116"
    });
    let (status, created) = app.post(&admin, "/api/accounts", &body).await;
    assert_eq!(status, 201, "{created}");
    // A retry of the same submission does not make a second account.
    let (status, dup) = app.post(&admin, "/api/accounts", &body).await;
    assert_eq!(
        (status, dup["fields"][0]["field"].as_str()),
        (422, Some("username"))
    );
    let (_, list) = app.get(&admin, "/api/accounts").await;
    assert_eq!(
        list.as_array()
            .unwrap()
            .iter()
            .filter(|a| a["username"] == "zhang.wei")
            .count(),
        1
    );
    let bad = serde_json::json!({"username": "x", "display_name": "", "password": "short", "role": "boss", "org_id": 99999, "jurisdiction_code": "999999"});
    let (status, errs) = app.post(&admin, "/api/accounts", &bad).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = errs["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "username",
            "display_name",
            "password",
            "role",
            "jurisdiction_code",
            "org_id"
        ]
    );
    let v = app.client();
    let res = v
        .post(app.at("/api/session"))
        .json(&serde_json::json!({"username": "zhang.wei", "password": "volunteer-2022"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, me) = app.get(&v, "/api/me").await;
    assert_eq!(me["jurisdiction_name"], "陕西省西安市长安区");
});
