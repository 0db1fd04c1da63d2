use crate::both;
use crate::harness::*;

both!(search_and_detail_show_the_tree, |app| {
    let c = app.signed_in("viewer").await;
    let (status, hits) = json(
        c.get(app.at("/api/divisions?q=小寨路&within=610113"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(hits[0]["code"], "610113001");
    assert_eq!(hits[0]["full_name"], "陕西省西安市雁塔区小寨路街道");
    let (_, hits) = app.get(&c, "/api/divisions?q=户县").await;
    assert_eq!(
        (hits[0]["code"].as_str(), hits[0]["former_name"].as_str()),
        (Some("610118"), Some("户县"))
    );
    let (_, xian) = app.get(&c, "/api/divisions/6101").await;
    assert_eq!(xian["children"].as_array().unwrap().len(), 13);
    assert_eq!(xian["counts"]["street"], 172);
    assert_eq!(xian["counts"]["community"], 3223);
    let (status, body) = json(
        c.get(app.at("/api/divisions?q=x&limit=0"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("limit"))
    );
    assert_eq!(
        c.get(app.at("/api/divisions/999999"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
});

both!(zones_are_marked_lifted_and_kept_as_history, |app| {
    let c = app.signed_in("coordinator").await;
    let body = serde_json::json!({"division_code": "610113002", "compound": "测试小区", "level": "sealed", "reason": "确诊病例"});
    let (status, zone) = app.post(&c, "/api/zones", &body).await;
    assert_eq!(status, 201, "{zone}");
    assert_eq!(zone["level"], "sealed");
    // A second open zone on the same place is a conflict, not a duplicate.
    let (status, _) = app.post(&c, "/api/zones", &body).await;
    assert_eq!(status, 409);
    let id = zone["id"].as_i64().unwrap();
    let (status, lifted) = app
        .post(
            &c,
            &format!("/api/zones/{id}/lift"),
            &serde_json::json!({"reason": "连续14天无新增"}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(lifted["lifted_at"].is_string());
    let (status, _) = app
        .post(&c, &format!("/api/zones/{id}/lift"), &serde_json::json!({}))
        .await;
    assert_eq!(status, 409);
    let (_, all) = json(
        c.get(app.at("/api/zones?division=610113002"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .any(|z| z["id"] == id && z["lifted_at"].is_string())
    );
    let (_, active) = json(
        c.get(app.at("/api/zones?division=610113002&active=true"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(active.as_array().unwrap().iter().all(|z| z["id"] != id));
    let admin = app.signed_in("admin").await;
    let (_, events) = json(
        admin
            .get(app.at(&format!("/api/audit?entity=zone&entity_id={id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["zone.lift", "zone.mark"]);
    assert_eq!(events[0]["reason"], "连续14天无新增");
});

both!(bad_zone_input_names_every_field_and_writes_nothing, |app| {
    let c = app.signed_in("coordinator").await;
    let (before, _) = (
        json(
            c.get(app.at("/api/zones?division=6101"))
                .send()
                .await
                .unwrap(),
        )
        .await
        .1,
        (),
    );
    let body = serde_json::json!({"division_code": "6101130019", "level": "purple", "starts_at": "yesterday"});
    let (status, errs) = app.post(&c, "/api/zones", &body).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = errs["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["division_code", "level", "starts_at"]);
    assert_eq!(errs["fields"][1]["message"], "请选择封控区、管控区或防范区");
    let after = json(
        c.get(app.at("/api/zones?division=6101"))
            .send()
            .await
            .unwrap(),
    )
    .await
    .1;
    assert_eq!(before, after);
});

both!(addresses_resolve_to_their_street_and_community, |app| {
    let c = app.signed_in("operator").await;
    let resolve = |address: &str| {
        let body = serde_json::json!({ "address": address });
        let (app, c) = (&app, &c);
        async move { app.post(c, "/api/divisions/resolve", &body).await }
    };
    // The field report's village, written as a hotline operator would get it.
    let (status, r) = resolve("住址：西安市鄠邑区涝店镇龙窝村委会（近公交站）").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["division"]["code"], "610118011226");
    assert_eq!(r["division"]["level"], "community");
    let path: Vec<&str> = r["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(path, ["61", "6101", "610118", "610118011", "610118011226"]);
    assert_eq!(r["path"][2]["name"], "鄠邑区");
    let spans: Vec<(&str, &str)> = r["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["level"].as_str().unwrap(), s["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        spans,
        [
            ("city", "西安市"),
            ("district", "鄠邑区"),
            ("street", "涝店镇"),
            // The name as written: the note after it is not part of it.
            ("community", "龙窝村委会")
        ]
    );
    assert_eq!(r["confidence"], 1.0);
    assert!(r["ambiguous_at"].is_null());
    // A former name still finds today's village.
    let (_, r) = resolve("户县龙窝村").await;
    assert_eq!(r["division"]["code"], "610118011226");
    assert_eq!(r["by_jurisdiction"], false);
    // 新城区 is in Xi'an and in Hohhot. The operator works in Xi'an: hers,
    // and the answer says her jurisdiction chose it.
    let (status, r) = resolve("新城区").await;
    assert_eq!(status, 200);
    assert_eq!(r["division"]["code"], "610102", "{r}");
    assert_eq!(
        (r["by_jurisdiction"].as_bool(), r["confidence"].as_f64()),
        (Some(true), Some(0.7)),
        "{r}"
    );
    assert!(r["ambiguous_at"].is_null(), "{r}");
    // What is written stands: Hohhot's is Hohhot's, for her too.
    let (_, r) = resolve("呼和浩特市新城区").await;
    assert_eq!(
        (
            r["division"]["code"].as_str(),
            r["by_jurisdiction"].as_bool()
        ),
        (Some("150102"), Some(false)),
        "{r}"
    );
    // For the whole country (the administrator) it stays ambiguous: no
    // guess, and it says so.
    let admin = app.signed_in("admin").await;
    let (status, r) = app
        .post(
            &admin,
            "/api/divisions/resolve",
            &serde_json::json!({ "address": "新城区" }),
        )
        .await;
    assert_eq!(status, 200);
    assert!(r["division"].is_null(), "{r}");
    assert_eq!(r["ambiguous_at"], "province", "{r}");
    assert_eq!(r["by_jurisdiction"], false);
    // Nothing to read: an answer without a division.
    let (status, r) = resolve("！！！").await;
    assert_eq!((status, r["division"].is_null()), (200, true), "{r}");
    // Nothing at all, or too much: a clear message naming the field.
    for (bad, message) in [
        (" ".to_owned(), "此项为必填项"),
        ("龙".repeat(501), "内容过长"),
    ] {
        let (status, body) = resolve(&bad).await;
        assert_eq!(
            (status, body["fields"][0]["field"].as_str()),
            (422, Some("address")),
            "{body}"
        );
        assert_eq!(body["fields"][0]["message"], message);
    }

    // The page's address box: its answer alone for htmx, the whole page
    // for a browser without JavaScript; the address never in a URL.
    let ask = |address: String, htmx: bool| {
        let mut req = c
            .post(app.at("/divisions/resolve"))
            .form(&[("address", address)]);
        if htmx {
            req = req.header("hx-request", "true");
        }
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let partial = ask("长安区西韦村".into(), true).await;
    assert!(
        partial.contains(r#"href="/divisions/610116001201""#),
        "{partial}"
    );
    assert!(partial.contains("西韦村"), "{partial}");
    assert!(!partial.contains("<html"), "{partial}");
    let page = ask("长安区西韦村".into(), false).await;
    assert!(page.contains("<html"));
    assert!(page.contains(r#"id="resolved-answer""#), "{page}");
    assert!(page.contains(r#"href="/divisions/610116001201""#));
    assert!(
        page.contains(r#"value="长安区西韦村""#),
        "the box keeps the address"
    );
    // Too long: the message next to the box, no answer.
    let too_long = ask("龙".repeat(501), true).await;
    assert!(too_long.contains(r#"id="address-error""#), "{too_long}");
    assert!(too_long.contains("内容过长"), "{too_long}");
    assert!(!too_long.contains(r#"id="resolved-answer""#));
    // The box says when the operator's jurisdiction chose.
    let near = ask("新城区".into(), true).await;
    assert!(near.contains(r#"id="address-by-jurisdiction""#), "{near}");
    assert!(near.contains(r#"href="/divisions/610102""#), "{near}");
});

both!(every_community_has_a_qr_poster_that_opens_its_form, |app| {
    let co = app.signed_in("coordinator").await;
    let community = "610113001006"; // 兴善社区
    // One community: one A4 page; its street: a page per community.
    let res = co
        .get(app.at(&format!("/divisions/{community}/poster.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&pdf);
    assert!(
        text.starts_with("%PDF-") && text.contains("/Count 1"),
        "{}",
        &text[..200]
    );
    assert!(text.contains(&format!("/help?at={community}")));
    let communities = divisions::Tree::china()
        .find("610113001")
        .unwrap()
        .subtree()
        .filter(|d| d.level() == divisions::DivisionLevel::Community && !d.is_virtual())
        .count();
    let pdf = co
        .get(app.at("/divisions/610113001/poster.pdf"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&pdf).contains(&format!("/Count {communities}")));
    // A city is too many to print at once; an unknown code is not found;
    // without an account, to sign in.
    let res = co
        .get(app.at("/divisions/6101/poster.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("请选择区县、街道或社区"));
    let res = co
        .get(app.at("/divisions/610113999999/poster.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = app
        .client()
        .get(app.at(&format!("/divisions/{community}/poster.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // The code alone as PNG.
    let res = co
        .get(app.at(&format!("/divisions/{community}/qr.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(res.bytes().await.unwrap().starts_with(b"\x89PNG"));
    // The division page links them.
    let page = app.page(&co, &format!("/divisions/{community}")).await;
    assert!(page.contains("id=\"poster-pdf\"") && page.contains("id=\"poster-png\""));
    // Scanned: the help form with the community in the address; a resident
    // adds the building and the need lands in that community.
    let anon = app.client();
    let form = app.page(&anon, &format!("/help?at={community}")).await;
    let address = form
        .split("name=\"address\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    assert!(address.ends_with("兴善社区居委会"), "{address}");
    let key = form
        .split("name=\"idempotency_key\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let res = anon
        .post(app.at("/help"))
        .form(&[
            ("idempotency_key", key.as_str()),
            ("address", &format!("{address}3号楼2单元")),
            ("kind", "food"),
            ("urgency", "normal"),
            ("people", "2"),
            ("description", "海报扫码登记：米面吃完了"),
            ("contact_name", "赵阿姨"),
            ("contact_phone", "13912340000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, found) = app.get(&co, "/api/needs?q=13912340000").await;
    assert_eq!(found[0]["division_code"], community, "{found}");
});
