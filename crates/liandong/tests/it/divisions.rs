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
