//! Cases (issue 14): found, reported and referred between organisations,
//! always held by exactly one; a domestic-violence case seen only by the
//! holder's caseworkers (its events filed away from the community, its
//! reveals saying so); a crisis offered at once to the care team member
//! on call; an unanswered referral raised once; the staff rota.

use serde_json::{Value, json};

use crate::both;
use crate::harness::*;

const ZIWEI: &str = "610113004004";

/// A caseworker of another organisation, signed in.
async fn caseworker_of(app: &TestApp, org: &str, username: &str) -> (reqwest::Client, i64) {
    let admin = app.signed_in("admin").await;
    let (_, orgs) = app
        .get(&admin, &format!("/api/orgs?q={}", urlencoding(org)))
        .await;
    let org_id = orgs[0]["id"].as_i64().unwrap();
    let (status, body) = app
        .post(
            &admin,
            "/api/accounts",
            &json!({"username": username, "display_name": format!("{org}社工"), "password": "caseworker-2022",
                "role": "caseworker", "org_id": org_id, "jurisdiction_code": "610113"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let c = app.client();
    let res = c
        .post(app.at("/api/session"))
        .json(&json!({"username": username, "password": "caseworker-2022"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    (c, org_id)
}

fn urlencoding(s: &str) -> String {
    liandong::web::form_urlencoded_component(s)
}

async fn open(app: &TestApp, c: &reqwest::Client, body: Value) -> Value {
    let (status, k) = app.post(c, "/api/cases", &body).await;
    assert_eq!(status, 201, "{k}");
    k
}

both!(
    a_child_at_risk_is_found_reported_referred_accepted_followed_up_and_closed,
    |app| {
        let cw = app.signed_in("caseworker").await;
        let (other, other_org) = caseworker_of(&app, "西安市心理卫生协会", "xinli").await;
        // Found through a guardian's check-in of a care recipient.
        let (status, r) = app
        .post(
            &cw,
            "/api/care/recipients",
            &json!({"name": "陈小宝", "address": "紫薇花园5号楼", "division_code": ZIWEI, "categories": ["留守儿童"]}),
        )
        .await;
        assert_eq!(status, 201, "{r}");
        let bad = json!({"category": "child_at_risk", "risk": "high", "source": "checkin", "recipient_id": 0,
        "division_code": ZIWEI, "person_name": "陈小宝", "summary": "父母被隔离在外地，孩子独自在家"});
        let (status, body) = app.post(&cw, "/api/cases", &bad).await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["recipient_id"]),
            "{body}"
        );
        let (status, body) = app
        .post(&cw, "/api/cases", &json!({"category": "lost", "risk": "huge", "source": "", "division_code": ZIWEI, "person_name": "", "summary": ""}))
        .await;
        assert_eq!(
            (status, error_fields(&body)),
            (
                422,
                vec!["category", "risk", "source", "person_name", "summary"]
            ),
            "{body}"
        );
        let mut good = bad.clone();
        good["recipient_id"] = r["id"].clone();
        good["person_address"] = json!("紫薇花园5号楼2单元301");
        let k = open(&app, &cw, good).await;
        let id = k["id"].clone();
        assert_eq!(
            (k["holder"].as_bool(), k["status"].as_str()),
            (Some(true), Some("open")),
            "{k}"
        );
        assert!(!k.to_string().contains("2单元301"), "address masked: {k}");

        // Referred: the other organisation sees the referral, not the person.
        let path = |p: &str| format!("/api/cases/{id}{p}");
        let (status, body) = app
            .post(
                &cw,
                &path("/referrals"),
                &json!({"to_org": k["org_id"], "reason": "需要心理支持"}),
            )
            .await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["to_org"]),
            "not to itself: {body}"
        );
        let (status, d) = app
            .post(
                &cw,
                &path("/referrals"),
                &json!({"to_org": other_org, "reason": "孩子情绪低落，需要心理咨询师跟进"}),
            )
            .await;
        assert_eq!(status, 200, "{d}");
        assert_eq!(d["case"]["pending_referral"]["to_org"], other_org);
        let (status, body) = app
            .post(
                &cw,
                &path("/referrals"),
                &json!({"to_org": other_org, "reason": "再转一次"}),
            )
            .await;
        assert_eq!(status, 409, "one at a time: {body}");
        let (status, body) = app
            .post(&cw, &path("/close"), &json!({"outcome": "resolved"}))
            .await;
        assert_eq!(status, 409, "not while a referral waits: {body}");
        let (_, theirs) = app.get(&other, "/api/cases").await;
        let waiting = &theirs["referrals_to_us"][0];
        assert_eq!(waiting["case_id"], id, "{theirs}");
        assert!(!theirs.to_string().contains("陈小宝"), "{theirs}");
        let (status, _) = app.get(&other, &path("")).await;
        assert_eq!(status, 403, "not theirs until accepted");
        let answer = format!("/api/referrals/{}/answer", waiting["id"]);
        let (status, body) = app.post(&other, &answer, &json!({"accept": false})).await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["reason"]),
            "{body}"
        );
        let (status, body) = app.post(&cw, &answer, &json!({"accept": true})).await;
        assert_eq!(status, 403, "the referrer cannot answer: {body}");
        let (status, a) = app.post(&other, &answer, &json!({"accept": true})).await;
        assert_eq!(
            (status, a["status"].as_str()),
            (200, Some("accepted")),
            "{a}"
        );
        let (status, _) = app.post(&other, &answer, &json!({"accept": true})).await;
        assert_eq!(status, 409, "answered once");

        // Held by exactly one: the new holder works it; the old one no longer sees it.
        let (status, _) = app.get(&cw, &path("")).await;
        assert_eq!(status, 403);
        let (status, d) = app.get(&other, &path("")).await;
        assert_eq!(
            (status, d["case"]["org_id"].as_i64()),
            (200, Some(other_org)),
            "{d}"
        );
        assert_eq!(d["case"]["person_name"], "陈小宝");
        let due = (time::OffsetDateTime::now_utc() + time::Duration::days(2))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let (status, body) = app
            .post(
                &other,
                &path("/notes"),
                &json!({"kind": "follow_up", "text": "两天后回访"}),
            )
            .await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["due_at"]),
            "{body}"
        );
        let (status, d) = app
            .post(
                &other,
                &path("/notes"),
                &json!({"kind": "follow_up", "text": "两天后回访", "due_at": due}),
            )
            .await;
        assert_eq!(status, 200, "{d}");
        let note = d["notes"][0]["id"].clone();
        let (status, d) = app
            .post(
                &other,
                &format!("/api/cases/{id}/notes/{note}/done"),
                &json!({}),
            )
            .await;
        assert_eq!(status, 200, "{d}");
        assert!(d["notes"][0]["done_at"].is_string(), "{d}");
        let (status, shown) = app
            .post(
                &other,
                &path("/reveal"),
                &json!({"field": "person_address", "reason": "上门探访"}),
            )
            .await;
        assert_eq!(
            (status, shown["value"].as_str()),
            (200, Some("紫薇花园5号楼2单元301")),
            "{shown}"
        );
        let (status, d) = app
            .post(
                &other,
                &path("/close"),
                &json!({"outcome": "linked_to_services", "note": "已链接学校心理老师"}),
            )
            .await;
        assert_eq!(
            (status, d["case"]["status"].as_str()),
            (200, Some("closed")),
            "{d}"
        );
        let (status, _) = app
            .post(&other, &path("/close"), &json!({"outcome": "resolved"}))
            .await;
        assert_eq!(status, 409);
        let (status, _) = app
            .post(
                &other,
                &path("/notes"),
                &json!({"kind": "note", "text": "补记"}),
            )
            .await;
        assert_eq!(status, 409, "closed");
    }
);

both!(
    a_domestic_violence_case_is_seen_only_by_the_holders_caseworkers,
    |app| {
        let cw = app.signed_in("caseworker").await;
        let (other, other_org) = caseworker_of(&app, "西安市社会工作协会", "shegong").await;
        let k = open(
        &app,
        &cw,
        json!({"category": "domestic_violence", "risk": "high", "source": "call", "division_code": ZIWEI,
            "person_name": "林女士", "person_phone": "13709180001", "person_address": "紫薇花园9号楼",
            "summary": "丈夫酗酒后动手，带着孩子"}),
    )
    .await;
        let id = k["id"].clone();
        for role in ["coordinator", "admin", "viewer", "operator"] {
            let c = app.signed_in(role).await;
            let (status, body) = app.get(&c, &format!("/api/cases/{id}")).await;
            assert!(matches!(status, 403 | 404), "{role}: {status} {body}");
            assert!(!body.to_string().contains("林女士"), "{role}");
            let (_, list) = app.get(&c, "/api/cases").await;
            assert!(!list.to_string().contains("林女士"), "{role}: {list}");
        }
        let (status, _) = app.get(&other, &format!("/api/cases/{id}")).await;
        assert_eq!(status, 403, "another organisation's caseworker");
        // Referred: the other organisation's coordinator is not asked; its
        // caseworker sees the referral without the person.
        let (status, _) = app
            .post(
                &cw,
                &format!("/api/cases/{id}/referrals"),
                &json!({"to_org": other_org, "reason": "需要庇护安置"}),
            )
            .await;
        assert_eq!(status, 200);
        let (_, theirs) = app.get(&other, "/api/cases").await;
        assert_eq!(
            theirs["referrals_to_us"].as_array().unwrap().len(),
            1,
            "{theirs}"
        );
        assert!(
            !theirs.to_string().contains("林女士") && !theirs.to_string().contains("紫薇花园"),
            "{theirs}"
        );
        // The holder's reveal says what kind of case it was, and no event of
        // the case is filed at the community.
        let (status, _) = app
            .post(
                &cw,
                &format!("/api/cases/{id}/reveal"),
                &json!({"field": "person_address", "reason": "安排庇护"}),
            )
            .await;
        assert_eq!(status, 200);
        let admin = app.signed_in("admin").await;
        let (_, events) = app
            .get(&admin, &format!("/api/audit?entity=case&entity_id={id}"))
            .await;
        let all = events.as_array().unwrap();
        assert!(all.len() >= 3, "{events}");
        assert!(all.iter().all(|e| e["division_code"] != ZIWEI), "{events}");
        assert!(
            all.iter().any(|e| e["action"] == "field.reveal"
                && e["reason"].as_str().unwrap().contains("domestic_violence")),
            "{events}"
        );
    }
);

both!(
    a_crisis_goes_to_the_member_on_call_and_an_unanswered_referral_is_raised_once,
    |app| {
        let cw = app.signed_in("caseworker").await;
        let (status, team) = app
        .post(&cw, "/api/care/teams", &json!({"name": "雁塔心理援助小组", "division_code": "610113", "cohort": "居家隔离人员"}))
        .await;
        assert_eq!(status, 201, "{team}");
        let t = team["id"].clone();
        let (status, m) = app
        .post(&cw, &format!("/api/care/teams/{t}/members"), &json!({"name": "赵医生", "profession": "psychiatrist", "phone": "13880000001", "based": "成都"}))
        .await;
        assert_eq!(status, 201, "{m}");
        let (status, body) = app
            .post(
                &cw,
                &format!("/api/care/teams/{t}/members"),
                &json!({"name": "赵医生", "profession": "psychiatrist", "phone": "13880000001"}),
            )
            .await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["phone"]),
            "{body}"
        );
        // Nobody on call yet: the office is told.
        let crisis = json!({"category": "mental_health_crisis", "risk": "crisis", "source": "call", "division_code": ZIWEI,
        "person_name": "黄先生", "summary": "隔离第十天，电话里说不想活了"});
        let k = open(&app, &cw, crisis.clone()).await;
        assert_eq!(k["crisis"], Value::Null, "{k}");
        let now = time::OffsetDateTime::now_utc();
        let at = |d: time::Duration| {
            (now + d)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap()
        };
        let (status, body) = app
        .post(&cw, &format!("/api/care/teams/{t}/on-call"), &json!({"member_id": m["id"], "starts_at": at(time::Duration::hours(-1)), "ends_at": at(time::Duration::hours(60))}))
        .await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["ends_at"]),
            "at most 48 hours: {body}"
        );
        let (status, _) = app
        .post(&cw, &format!("/api/care/teams/{t}/on-call"), &json!({"member_id": m["id"], "starts_at": at(time::Duration::hours(-1)), "ends_at": at(time::Duration::hours(11))}))
        .await;
        assert_eq!(status, 201);
        let k = open(&app, &cw, crisis).await;
        assert_eq!(k["crisis"]["name"], "赵医生", "{k}");
        assert_eq!(k["crisis"]["phone"], "13880000001");
        let (_, teams) = app.get(&cw, "/api/care/teams").await;
        assert_eq!(teams[0]["on_call"], "赵医生", "{teams}");
        // A consultation recorded against the case.
        let (status, d) = app
        .post(&cw, &format!("/api/cases/{}/notes", k["id"]), &json!({"kind": "consultation", "text": "电话评估：高风险，建议专人陪伴", "member_id": m["id"]}))
        .await;
        assert_eq!(
            (status, d["notes"][0]["member_name"].as_str()),
            (200, Some("赵医生")),
            "{d}"
        );

        // A referral nobody answers is raised once, after a day.
        let (other, other_org) = caseworker_of(&app, "西安市心理卫生协会", "xinli2").await;
        let _ = other;
        let (status, _) = app
            .post(
                &cw,
                &format!("/api/cases/{}/referrals", k["id"]),
                &json!({"to_org": other_org, "reason": "转精神科"}),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            liandong::care::store::cases::escalate_referrals(&app.db, liandong::db::now())
                .await
                .unwrap(),
            0
        );
        let later = liandong::db::now() + time::Duration::hours(25);
        assert_eq!(
            liandong::care::store::cases::escalate_referrals(&app.db, later)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            liandong::care::store::cases::escalate_referrals(&app.db, later)
                .await
                .unwrap(),
            0
        );
        let (_, d) = app.get(&cw, &format!("/api/cases/{}", k["id"])).await;
        assert!(
            d["case"]["pending_referral"]["escalated_at"].is_string(),
            "{d}"
        );

        // The staff rota: who worked today.
        let (status, rota) = app.get(&cw, "/api/care/staff").await;
        assert_eq!(status, 200);
        assert!(
            rota.as_array()
                .unwrap()
                .iter()
                .any(|w| w["name"] == "周社工（雁塔区）" && w["days_in_a_row"] == 1),
            "{rota}"
        );
    }
);

both!(a_case_opened_from_a_need_is_about_its_person, |app| {
    let op = app.signed_in("operator").await;
    let cw = app.signed_in("caseworker").await;
    let admin = app.signed_in("admin").await;
    let need = |who: &str, phone: &str, address: &str, key: &str| {
        json!({"kind": "medical", "urgency": "urgent", "people": 1, "description": "独居老人，药快吃完了",
            "contact_name": who, "contact_phone": phone, "address": address, "idempotency_key": key})
    };
    let (status, n) = app
        .post(
            &op,
            "/api/needs",
            &need(
                "李秀英",
                "13800008001",
                "西安市雁塔区小寨路街道长延堡小区5号楼",
                "case-from-need-1",
            ),
        )
        .await;
    assert_eq!(status, 201, "{n}");
    let need_id = n["id"].as_i64().unwrap();
    // The need's page offers a case to those who keep cases, and the form
    // it opens lets the person be carried over.
    let page = |c: reqwest::Client, path: String| {
        let url = app.at(&path);
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let html = page(cw.clone(), format!("/needs/{need_id}")).await;
    assert!(html.contains("id=\"open-case\""), "{html}");
    let html = page(op.clone(), format!("/needs/{need_id}")).await;
    assert!(!html.contains("id=\"open-case\""));
    let html = page(
        cw.clone(),
        format!("/cases/new?source=need&need_id={need_id}"),
    )
    .await;
    let field = html
        .split("id=\"person_name\"")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap();
    assert!(!field.contains("required"), "{field}");
    assert!(html.contains("id=\"person-carried\""));
    // The person left blank: the need's person, phone, address and place.
    let k = open(
        &app,
        &cw,
        json!({"category": "elder_at_risk", "risk": "high", "source": "need", "need_id": need_id,
            "person_name": "", "summary": "电话中听出老人独居且行动不便"}),
    )
    .await;
    assert_eq!(k["person_name"], "李秀英", "{k}");
    assert_eq!(k["need_id"], need_id);
    assert!(
        k["division_code"].as_str().unwrap().starts_with("610113"),
        "{k}"
    );
    assert!(k["person_phone"].as_str().unwrap().ends_with("8001"), "{k}");
    // Someone else named in the form wins (the child behind the caller).
    let k = open(
        &app,
        &cw,
        json!({"category": "child_at_risk", "risk": "medium", "source": "need", "need_id": need_id,
            "division_code": "610113004004", "person_name": "李小明", "summary": "孙子随老人独居"}),
    )
    .await;
    assert_eq!(k["person_name"], "李小明");
    assert_eq!(k["person_phone"], "");
    // A need outside the caller's area carries nobody over: refused, and
    // its person is not told.
    let (status, far) = app
        .post(
            &admin,
            "/api/needs",
            &need(
                "赵外区",
                "13800008002",
                "西安市新城区西一路街道",
                "case-from-need-2",
            ),
        )
        .await;
    assert_eq!(status, 201, "{far}");
    let (status, body) = app
        .post(
            &cw,
            "/api/cases",
            &json!({"category": "elder_at_risk", "risk": "high", "source": "need", "need_id": far["id"],
                "person_name": "", "summary": "越区"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(!body.to_string().contains("赵外区"), "{body}");
});

/// Put a care team member on call from an hour ago for eleven hours.
async fn on_call(app: &TestApp, c: &reqwest::Client, team: &Value, member: &Value) {
    let now = time::OffsetDateTime::now_utc();
    let at = |h: i64| {
        (now + time::Duration::hours(h))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let (status, body) = app
        .post(
            c,
            &format!("/api/care/teams/{team}/on-call"),
            &json!({"member_id": member, "starts_at": at(-1), "ends_at": at(10)}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

/// A member of a team: their id.
async fn member(app: &TestApp, c: &reqwest::Client, team: &Value, body: Value) -> Value {
    let (status, m) = app
        .post(c, &format!("/api/care/teams/{team}/members"), &body)
        .await;
    assert_eq!(status, 201, "{m}");
    m["id"].clone()
}

both!(
    a_crisis_goes_to_its_cohort_first_and_passes_on_until_someone_takes_it,
    |app| {
        let cw = app.signed_in("caseworker").await;
        let co = app.signed_in("coordinator").await;
        // A colleague who signs in as the area team's psychiatrist, and a
        // caseworker of another organisation.
        let (doctor, _) = caseworker_of(&app, "西安市妇女儿童服务中心", "zhaoys").await;
        let (stranger, _) = caseworker_of(&app, "西安市心理卫生协会", "xinli3").await;
        let (_, me) = app.get(&doctor, "/api/me").await;
        let doctor_id = me["id"].clone();
        let (_, stranger_me) = app.get(&stranger, "/api/me").await;

        let (status, zone) = app
            .post(
                &co,
                "/api/zones",
                &json!({"division_code": ZIWEI, "compound": "紫薇花园", "level": "sealed"}),
            )
            .await;
        assert_eq!(status, 201, "{zone}");

        // Refusals, each naming its field.
        for (body, field) in [
            (
                json!({"name": "甲", "division_code": "610113", "cohort_kind": "zone"}),
                "zone_id",
            ),
            (
                json!({"name": "乙", "division_code": "610113", "cohort_kind": "everyone"}),
                "cohort_kind",
            ),
            (
                json!({"name": "丙", "division_code": "610113004001", "cohort_kind": "zone", "zone_id": zone["id"]}),
                "zone_id",
            ),
        ] {
            let (status, e) = app.post(&cw, "/api/care/teams", &body).await;
            assert_eq!((status, error_fields(&e)), (422, vec![field]), "{e}");
        }

        // The area's team, on call first; the compound's and the home
        // isolation's, on call after it.
        let (_, area) = app
            .post(
                &cw,
                "/api/care/teams",
                &json!({"name": "雁塔区心理援助", "division_code": "610113"}),
            )
            .await;
        let area = area["id"].clone();
        let (_, sealed) = app
            .post(
                &cw,
                "/api/care/teams",
                &json!({"name": "紫薇花园封控小区小组", "division_code": "610113",
                "cohort_kind": "zone", "zone_id": zone["id"]}),
            )
            .await;
        let sealed = sealed["id"].clone();
        let (_, home) = app
            .post(
                &cw,
                "/api/care/teams",
                &json!({"name": "居家隔离支持小组", "division_code": "610113",
                "cohort_kind": "home_isolation"}),
            )
            .await;
        let home = home["id"].clone();
        let (status, e) = app
            .post(
                &cw,
                &format!("/api/care/teams/{area}/members"),
                &json!({"name": "冒名", "profession": "doctor",
                "phone": "13880000009", "account_id": stranger_me["id"]}),
            )
            .await;
        assert_eq!(
            (status, error_fields(&e)),
            (422, vec!["account_id"]),
            "another organisation's account: {e}"
        );
        let zhao = member(
            &app,
            &cw,
            &area,
            json!({"name": "赵医生", "profession": "psychiatrist",
            "phone": "13880000001", "account_id": doctor_id}),
        )
        .await;
        let qian = member(
            &app,
            &cw,
            &area,
            json!({"name": "钱医生", "profession": "psychologist", "phone": "13880000002"}),
        )
        .await;
        let sun = member(
            &app,
            &cw,
            &sealed,
            json!({"name": "孙社工", "profession": "social_worker", "phone": "13880000003"}),
        )
        .await;
        let li = member(
            &app,
            &cw,
            &home,
            json!({"name": "李护士", "profession": "nurse", "phone": "13880000004"}),
        )
        .await;
        on_call(&app, &cw, &area, &zhao).await;
        on_call(&app, &cw, &area, &qian).await;
        on_call(&app, &cw, &sealed, &sun).await;
        on_call(&app, &cw, &home, &li).await;
        let (_, teams) = app.get(&cw, "/api/care/teams").await;
        let t = teams
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == sealed)
            .unwrap();
        assert_eq!(
            (
                t["cohort_kind"].as_str(),
                t["zone_name"].as_str().map(|z| z.contains("紫薇花园"))
            ),
            (Some("zone"), Some(true)),
            "{t}"
        );

        // A person inside the sealed compound: its team first.
        let k = open(&app, &cw, json!({"category": "mental_health_crisis", "risk": "crisis", "source": "call",
            "division_code": ZIWEI, "person_name": "黄先生", "person_address": "紫薇花园3号楼", "summary": "隔离第十天，情绪崩溃"})).await;
        let id = k["id"].clone();
        assert_eq!(
            (
                k["crisis"]["name"].as_str(),
                k["crisis"]["cohort"].as_bool(),
                k["crisis"]["status"].as_str()
            ),
            (Some("孙社工"), Some(true), Some("pending")),
            "{k}"
        );
        // 孙社工 has no account: the holder records their answer by phone.
        // Declining needs a reason; someone neither holder nor member is
        // not told the offer exists.
        let offer = k["crisis"]["offer_id"].clone();
        let path = format!("/api/care/crises/{offer}/answer");
        let (status, e) = app.post(&cw, &path, &json!({"accept": false})).await;
        assert_eq!((status, error_fields(&e)), (422, vec!["reason"]), "{e}");
        let (status, _) = app.post(&stranger, &path, &json!({"accept": true})).await;
        assert_eq!(status, 404);
        let (status, o) = app
            .post(
                &cw,
                &path,
                &json!({"accept": false, "reason": "正在处理另一起危机"}),
            )
            .await;
        assert_eq!(
            (status, o["status"].as_str()),
            (200, Some("declined")),
            "{o}"
        );
        let (status, e) = app.post(&cw, &path, &json!({"accept": true})).await;
        assert_eq!(
            (status, e["error"].as_str()),
            (409, Some("conflict")),
            "answered once: {e}"
        );

        // Passed to the area's first member, who sees it signed in: where,
        // who holds it, never the person.
        let (_, d) = app.get(&cw, &format!("/api/cases/{id}")).await;
        assert_eq!(
            (
                d["case"]["crisis"]["name"].as_str(),
                d["case"]["crisis"]["cohort"].as_bool()
            ),
            (Some("赵医生"), Some(false)),
            "{d}"
        );
        let (status, mine) = app.get(&doctor, "/api/care/crises").await;
        assert_eq!(status, 200);
        assert_eq!(
            (mine[0]["status"].as_str(), mine[0]["category"].as_str()),
            (Some("pending"), Some("mental_health_crisis")),
            "{mine}"
        );
        assert!(
            !mine.to_string().contains("黄先生") && !mine.to_string().contains("紫薇花园3号楼"),
            "{mine}"
        );
        let (_, none) = app.get(&stranger, "/api/care/crises").await;
        assert_eq!(none, json!([]));

        // Unanswered past the set minutes: it lapses, once, to the next.
        let now = liandong::db::now();
        assert_eq!(
            liandong::care::store::crises::lapse(&app.db, now)
                .await
                .unwrap(),
            0
        );
        let later = now + time::Duration::minutes(liandong::care::model::CRISIS_ANSWER_MINUTES + 1);
        assert_eq!(
            liandong::care::store::crises::lapse(&app.db, later)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            liandong::care::store::crises::lapse(&app.db, later)
                .await
                .unwrap(),
            0
        );
        let (_, mine) = app.get(&doctor, "/api/care/crises").await;
        assert_eq!(mine[0]["status"], "lapsed", "{mine}");
        let (_, d) = app.get(&cw, &format!("/api/cases/{id}")).await;
        assert_eq!(d["case"]["crisis"]["name"], "钱医生", "{d}");
        let next = d["case"]["crisis"]["offer_id"].clone();
        let (status, o) = app
            .post(
                &doctor,
                &format!("/api/care/crises/{}/answer", mine[0]["id"]),
                &json!({"accept": true}),
            )
            .await;
        assert_eq!(status, 409, "lapsed: {o}");
        let (status, o) = app
            .post(
                &cw,
                &format!("/api/care/crises/{next}/answer"),
                &json!({"accept": true}),
            )
            .await;
        assert_eq!(
            (status, o["status"].as_str()),
            (200, Some("accepted")),
            "{o}"
        );
        let (_, d) = app.get(&cw, &format!("/api/cases/{id}")).await;
        assert_eq!(d["case"]["crisis"]["status"], "accepted", "{d}");

        // Everyone declines the next: the office hears nobody is left.
        let k = open(
            &app,
            &cw,
            json!({"category": "domestic_violence", "risk": "crisis", "source": "call",
            "division_code": ZIWEI, "person_name": "林女士", "summary": "来电求助"}),
        )
        .await;
        assert_eq!(
            k["crisis"]["name"], "赵医生",
            "outside the compound, the area's first: {k}"
        );
        let (_, mine) = app.get(&doctor, "/api/care/crises").await;
        assert_eq!(
            (mine[0]["status"].as_str(), mine[0]["category"].as_str()),
            (Some("pending"), Some("")),
            "a member is not told a case is domestic violence: {mine}"
        );
        let (status, _) = app
            .post(
                &doctor,
                &format!("/api/care/crises/{}/answer", mine[0]["id"]),
                &json!({"accept": false, "reason": "不在岗"}),
            )
            .await;
        assert_eq!(status, 200);
        for _ in 0..3 {
            let (_, d) = app.get(&cw, &format!("/api/cases/{}", k["id"])).await;
            if d["case"]["crisis"]["status"] != "pending" {
                break;
            }
            let o = d["case"]["crisis"]["offer_id"].clone();
            let (status, _) = app
                .post(
                    &cw,
                    &format!("/api/care/crises/{o}/answer"),
                    &json!({"accept": false, "reason": "电话未接通"}),
                )
                .await;
            assert_eq!(status, 200);
        }
        let (_, d) = app.get(&cw, &format!("/api/cases/{}", k["id"])).await;
        assert_eq!(d["case"]["crisis"]["status"], "declined", "{d}");
        let (_, events) = app
            .get(
                &app.signed_in("admin").await,
                &format!("/api/audit?entity=case&entity_id={}", k["id"]),
            )
            .await;
        let actions: Vec<&str> = events
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(
            actions.iter().filter(|a| **a == "case.crisis").count(),
            4,
            "{actions:?}"
        );
        assert!(actions.contains(&"case.crisis_unanswered"), "{actions:?}");

        // A person in home isolation (screening's graded management): the
        // home isolation team first.
        crate::screening::send(
            &app,
            &co,
            "back.csv",
            "姓名,身份证号,手机号码,现住址,车次,到达日期
张伟,610113199001010019,13911110001,陕西省西安市雁塔区电子城街道紫薇花园社区12号楼,G87,2021-12-20
",
            "铁路部门",
            "transport",
        )
        .await;
        let (_, subjects) = app.get(&co, "/api/screening/subjects").await;
        let zhang = subjects
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "张*")
            .unwrap()["id"]
            .clone();
        let (status, m) = app
            .post(
                &co,
                &format!("/api/screening/subjects/{zhang}/management"),
                &json!({"level": "home_isolation"}),
            )
            .await;
        assert_eq!(status, 201, "{m}");
        let k = open(&app, &cw, json!({"category": "mental_health_crisis", "risk": "crisis", "source": "call",
            "division_code": ZIWEI, "person_name": "张伟", "person_phone": "13911110001", "summary": "隔离中焦虑发作"})).await;
        assert_eq!(
            (
                k["crisis"]["name"].as_str(),
                k["crisis"]["cohort"].as_bool()
            ),
            (Some("李护士"), Some(true)),
            "{k}"
        );
        // Closed while an offer waits: the offer is withdrawn.
        let (status, _) = app
            .post(
                &cw,
                &format!("/api/cases/{}/close", k["id"]),
                &json!({"outcome": "resolved"}),
            )
            .await;
        assert_eq!(status, 200);
        let (_, d) = app.get(&cw, &format!("/api/cases/{}", k["id"])).await;
        assert_eq!(d["case"]["crisis"]["status"], "withdrawn", "{d}");
    }
);
