use crate::both;
use crate::harness::*;

fn new_org(name: &str, code: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name, "kind": "volunteer_group", "tier": "county", "jurisdiction_code": code,
        "contact_name": "刘队长", "contact_phone": "+86 139-1234-5678", "description": "夜间配送"
    })
}

both!(onboarding_request_is_approved_once, |app| {
    let c = app.signed_in("coordinator").await;
    let (status, created) = app
        .post(&c, "/api/orgs", &new_org("雁塔区青年突击队", "610113"))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (_, org) = json(
        c.get(app.at(&format!("/api/orgs/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(org["status"], "pending");
    assert_eq!(org["contact_phone"], "139****5678");
    assert_eq!(org["jurisdiction_name"], "陕西省西安市雁塔区");
    let (status, org) = app
        .post(
            &c,
            &format!("/api/orgs/{id}/approve"),
            &serde_json::json!({"reason": "材料齐全"}),
        )
        .await;
    assert_eq!((status, org["status"].as_str()), (200, Some("approved")));
    let (status, _) = app
        .post(
            &c,
            &format!("/api/orgs/{id}/reject"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 409);
    let (_, pending) = json(
        c.get(app.at("/api/orgs?status=pending"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(pending.as_array().unwrap().iter().all(|o| o["id"] != id));
    // The same name again is refused by field.
    let (status, errs) = app
        .post(&c, "/api/orgs", &new_org("雁塔区青年突击队", "610113"))
        .await;
    assert_eq!(
        (status, errs["fields"][0]["field"].as_str()),
        (422, Some("name"))
    );
});

both!(bad_org_input_names_every_field_in_english_too, |app| {
    let c = app.signed_in("coordinator").await;
    let body = serde_json::json!({"name": " ", "kind": "club", "tier": "world", "jurisdiction_code": "61011", "contact_name": "", "contact_phone": "12345"});
    let (status, errs) = json(
        c.post(app.at("/api/orgs"))
            .header("accept-language", "en")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
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
            "name",
            "kind",
            "tier",
            "jurisdiction_code",
            "contact_name",
            "contact_phone"
        ]
    );
    assert_eq!(
        errs["fields"][5]["message"],
        "Enter a valid mobile number or a landline with area code"
    );
});

both!(revealing_a_phone_needs_a_reason_and_is_logged, |app| {
    let c = app.signed_in("operator").await;
    let (_, orgs) = json(
        c.get(app.at("/api/orgs?q=西安市社会工作协会"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = orgs[0]["id"].as_i64().unwrap();
    assert_eq!(orgs[0]["contact_phone"], "139****0003");
    let (status, errs) = app
        .post(
            &c,
            &format!("/api/orgs/{id}/reveal"),
            &serde_json::json!({"field": "contact_phone", "reason": ""}),
        )
        .await;
    assert_eq!(
        (status, errs["fields"][0]["field"].as_str()),
        (422, Some("reason"))
    );
    let (status, shown) = app
        .post(
            &c,
            &format!("/api/orgs/{id}/reveal"),
            &serde_json::json!({"field": "contact_phone", "reason": "核实物资需求"}),
        )
        .await;
    assert_eq!(
        (status, shown["value"].as_str()),
        (200, Some("13991100003"))
    );
    let viewer = app.signed_in("viewer").await;
    let res = viewer
        .post(app.at(&format!("/api/orgs/{id}/reveal")))
        .json(&serde_json::json!({"field": "contact_phone", "reason": "好奇"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let admin = app.signed_in("admin").await;
    let (_, events) = json(
        admin
            .get(app.at("/api/audit?action=field.reveal"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 1, "only the successful reveal is an event");
    assert_eq!(events[0]["actor_name"], "operator");
    assert_eq!(events[0]["reason"], "contact_phone: 核实物资需求");
    // No event stores a phone in the clear.
    let (_, all) = json(
        admin
            .get(app.at("/api/audit?limit=1000"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(!all.to_string().contains("13991100003"));
});

both!(the_demo_coalition_has_eight_led_groups, |app| {
    let c = app.signed_in("viewer").await;
    let (_, list) = app.get(&c, "/api/coalitions").await;
    let coalition = &list[0];
    assert_eq!(coalition["name"], "陕西社会组织抗疫联合行动");
    let groups = coalition["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 8);
    assert!(
        groups
            .iter()
            .all(|g| (1..=2).contains(&g["leads"].as_array().unwrap().len()))
    );
    let admin = app.signed_in("admin").await;
    let gid = groups[0]["id"].as_i64().unwrap();
    let (status, errs) = app
        .send(
            &admin,
            reqwest::Method::PUT,
            &format!("/api/working-groups/{gid}/leads"),
            &serde_json::json!({"org_ids": [1, 2, 3]}),
        )
        .await;
    assert_eq!(
        (status, errs["fields"][0]["field"].as_str()),
        (422, Some("org_ids"))
    );
    let res = admin
        .put(app.at(&format!("/api/working-groups/{gid}/leads")))
        .json(&serde_json::json!({"org_ids": [3]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
});
