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

both!(the_coalition_is_run_from_its_page_and_api, |app| {
    let admin = app.signed_in("admin").await;
    let (_, list) = app.get(&admin, "/api/coalitions").await;
    let cid = list[0]["id"].as_i64().unwrap();
    let members: Vec<i64> = list[0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    let leading: Vec<i64> = list[0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| {
            g["leads"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["id"].as_i64().unwrap())
        })
        .collect();
    // Who may: those who coordinate the coalition's whole jurisdiction (陕西).
    for (user, expected) in [
        ("admin", 201),
        ("association", 201),
        ("coordinator", 403),
        ("operator", 403),
        ("caseworker", 403),
        ("viewer", 403),
        ("volunteer", 403),
    ] {
        let c = app.signed_in(user).await;
        let (status, body) = app
            .post(
                &c,
                &format!("/api/coalitions/{cid}/groups"),
                &serde_json::json!({"name": format!("医疗转运组{user}"), "description": "夜间转运", "need_kinds": ["medical", "transport"]}),
            )
            .await;
        assert_eq!(status, expected, "{user}: {body}");
    }
    let (status, _) = app
        .post(
            &app.client(),
            &format!("/api/coalitions/{cid}/groups"),
            &serde_json::json!({"name": "x"}),
        )
        .await;
    assert_eq!(status, 401);
    // A name taken, an unknown kind: named by field.
    let (status, body) = app
        .post(
            &admin,
            &format!("/api/coalitions/{cid}/groups"),
            &serde_json::json!({"name": "医疗转运组admin"}),
        )
        .await;
    assert_eq!((status, error_fields(&body)), (422, vec!["name"]), "{body}");
    let (status, body) = app
        .post(
            &admin,
            &format!("/api/coalitions/{cid}/groups"),
            &serde_json::json!({"name": "新组", "need_kinds": ["cake"]}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&body)),
        (422, vec!["need_kinds"]),
        "{body}"
    );
    // Edited: the kinds its leads answer for change with it.
    let (_, list) = app.get(&admin, "/api/coalitions").await;
    let group = list[0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "医疗转运组admin")
        .unwrap()
        .clone();
    assert_eq!(
        group["need_kinds"],
        serde_json::json!(["medical", "transport"])
    );
    let gid = group["id"].as_i64().unwrap();
    let (status, body) = app
        .send(
            &admin,
            reqwest::Method::PUT,
            &format!("/api/working-groups/{gid}"),
            &serde_json::json!({"name": "医疗转运组", "need_kinds": ["medical"]}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (_, list) = app.get(&admin, "/api/coalitions").await;
    assert!(list[0]["groups"].as_array().unwrap().iter().any(|g| g["name"] == "医疗转运组" && g["need_kinds"] == serde_json::json!(["medical"])));
    // A lead cannot leave before its group has another lead; a member can.
    let lead = leading[0];
    let res = admin
        .delete(app.at(&format!("/api/coalitions/{cid}/members/{lead}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let plain = *members
        .iter()
        .find(|m| !leading.contains(m))
        .expect("a member leading nothing");
    let res = admin
        .delete(app.at(&format!("/api/coalitions/{cid}/members/{plain}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (_, list) = app.get(&admin, "/api/coalitions").await;
    assert!(
        !list[0]["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == plain)
    );
    // The page: forms for those who run it, none for those who do not.
    let page = app.page(&admin, "/coalition").await;
    assert!(
        page.contains(&format!("id=\"admit-{cid}\""))
            && page.contains(&format!("id=\"group-form-{gid}\""))
    );
    let viewer = app.signed_in("viewer").await;
    let page = app.page(&viewer, "/coalition").await;
    assert!(!page.contains("id=\"admit-") && !page.contains("group-form-"));
    // Through the page: admitted again, back at the members; a blank name
    // comes back with the message beside it.
    let res = admin
        .post(app.at(&format!("/coalition/{cid}/members")))
        .form(&[("org_id", plain.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/coalition?notice=admitted#members-{cid}").as_str()
    );
    let res = admin
        .post(app.at(&format!("/coalition/{cid}/groups")))
        .form(&[("name", " "), ("need_kinds", "food"), ("need_kinds", "ppe")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"error-summary\""));
    let res = admin
        .post(app.at(&format!("/working-groups/{gid}/leads")))
        .form(&[("org_ids", plain.to_string()), ("org_ids", String::new())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, list) = app.get(&admin, "/api/coalitions").await;
    let g = list[0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == gid)
        .unwrap()
        .clone();
    assert_eq!(g["leads"][0]["id"], plain);
    // Every change is in the audit log.
    let (_, events) = app
        .get(&admin, "/api/audit?action=working_group.edit")
        .await;
    assert!(events.to_string().contains("医疗转运组"), "{events}");
});
