//! Training and credentials: attending grants a credential that a task
//! kind requires, until it expires; a session's last seat goes to one of
//! two at once; duty clocked on and off makes hours, and the certificate
//! states them; feedback and resident leaders.

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::both;
use crate::harness::*;
use crate::squads::volunteer_accounts;

fn at(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

async fn association(app: &TestApp, co: &reqwest::Client) -> i64 {
    let (_, orgs) = app.get(co, "/api/orgs?q=西安市社会工作协会").await;
    orgs[0]["id"].as_i64().unwrap()
}

/// A PPE session of `capacity` seats starting `starts_in` from now (a
/// negative one: already begun) for two hours.
async fn session(app: &TestApp, co: &reqwest::Client, capacity: i64, starts_in: Duration) -> Value {
    let org = association(app, co).await;
    let from = OffsetDateTime::now_utc() + starts_in;
    let (status, t) = app
        .post(
            co,
            "/api/trainings",
            &json!({"org_id": org, "title": "防护服穿脱培训", "division_code": "610113",
                "credential": "ppe", "place": "雁塔区社工站三楼", "starts_at": at(from),
                "ends_at": at(from + Duration::hours(2)), "capacity": capacity}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    t
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

both!(
    attending_grants_the_credential_a_task_requires_until_it_expires,
    |app| {
        let co = app.signed_in("coordinator").await;
        let v: Vec<i64> = volunteer_accounts(&app, &co, 3, "西安市雁塔区电子城街道", 6)
            .await
            .into_iter()
            .map(|a| a.0)
            .collect();
        // Held this morning, written up afterwards.
        let t = session(&app, &co, 2, -Duration::hours(3)).await;
        let id = t["id"].as_i64().unwrap();
        for who in [v[0], v[1], v[0]] {
            let (status, body) = app
                .post(
                    &co,
                    &format!("/api/trainings/{id}/enrolments"),
                    &json!({"volunteer_id": who}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
        // Enrolling twice took one seat; the third person finds it full.
        let (status, body) = app
            .post(
                &co,
                &format!("/api/trainings/{id}/enrolments"),
                &json!({"volunteer_id": v[2]}),
            )
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("名额已满"),
            "{body}"
        );
        let (_, detail) = app.get(&co, &format!("/api/trainings/{id}")).await;
        assert_eq!(detail["training"]["enrolled"], 2);
        assert!(!detail.to_string().contains("1391111"), "{detail}");

        // No one may enter a sealed zone before the training.
        let (_, before) = app
            .get(&co, "/api/volunteers?task=sealed_zone_entry&q=队员6")
            .await;
        assert!(ids(&before).is_empty(), "{before}");
        // Someone who did not enrol cannot be marked present; nothing is
        // taken of a list that names them.
        let (status, body) = app
            .post(
                &co,
                &format!("/api/trainings/{id}/attendance"),
                &json!({"volunteer_ids": [v[0], v[2]]}),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(error_fields(&body), vec!["volunteer_ids"]);
        let (status, list) = app
            .post(
                &co,
                &format!("/api/trainings/{id}/attendance"),
                &json!({"volunteer_ids": [v[0], v[0]]}),
            )
            .await;
        assert_eq!(status, 200, "{list}");
        let (_, after) = app
            .get(&co, "/api/volunteers?task=sealed_zone_entry&q=队员6")
            .await;
        assert_eq!(ids(&after), vec![v[0]], "{after}");
        assert_eq!(after[0]["credentials"], json!(["ppe"]));

        // Valid from the session's end for 180 days; two hours attended.
        let (_, r) = app
            .get(&co, &format!("/api/volunteers/{}/service", v[0]))
            .await;
        assert_eq!(r["credentials"].as_array().unwrap().len(), 1, "{r}");
        let ends = OffsetDateTime::parse(
            t["ends_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let expires = OffsetDateTime::parse(
            r["credentials"][0]["expires_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert_eq!(expires - ends, Duration::days(180));
        assert_eq!(r["training_minutes"], 120);
        assert_eq!(r["total_minutes"], 120);

        // A medical escort also needs a medical licence: a checked document
        // valid to its own expiry; one already expired is refused.
        let (_, none) = app
            .get(&co, "/api/volunteers?task=medical_escort&q=队员6")
            .await;
        assert!(ids(&none).is_empty());
        let today = OffsetDateTime::now_utc().date();
        let (status, body) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/credentials", v[0]),
                &json!({"kind": "medical_licence", "expires_on": (today - Duration::days(2)).to_string(), "note": "护士执业证"}),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(error_fields(&body), vec!["expires_on"]);
        let (status, body) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/credentials", v[0]),
                &json!({"kind": "medical_licence", "expires_on": (today + Duration::days(400)).to_string(), "note": "护士执业证"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (_, escort) = app
            .get(&co, "/api/volunteers?task=medical_escort&q=队员6")
            .await;
        assert_eq!(ids(&escort), vec![v[0]]);
        let (status, body) = app.get(&co, "/api/volunteers?task=juggling").await;
        assert_eq!((status, error_fields(&body)), (422, vec!["task"]));
        // Attendance was audited.
        let admin = app.signed_in("admin").await;
        let (_, events) = app.get(&admin, "/api/audit?action=training.attend").await;
        assert!(events.to_string().contains("training.attend"), "{events}");
    }
);

both!(the_last_seat_goes_to_one_of_two_at_once, |app| {
    let co = app.signed_in("coordinator").await;
    let v: Vec<i64> = volunteer_accounts(&app, &co, 2, "西安市雁塔区电子城街道", 7)
        .await
        .into_iter()
        .map(|a| a.0)
        .collect();
    let t = session(&app, &co, 1, Duration::days(1)).await;
    let id = t["id"].as_i64().unwrap();
    let path = format!("/api/trainings/{id}/enrolments");
    let (first, second) = (json!({"volunteer_id": v[0]}), json!({"volunteer_id": v[1]}));
    let (a, b) = tokio::join!(app.post(&co, &path, &first), app.post(&co, &path, &second),);
    let mut statuses = vec![a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409], "{a:?} {b:?}");
    let (_, detail) = app.get(&co, &format!("/api/trainings/{id}")).await;
    assert_eq!(detail["training"]["enrolled"], 1);
    assert_eq!(detail["enrolments"].as_array().unwrap().len(), 1);
    // Before the session begins, attendance is refused.
    let (status, _) = app
        .post(
            &co,
            &format!("/api/trainings/{id}/attendance"),
            &json!({"volunteer_ids": [v[0]]}),
        )
        .await;
    assert_eq!(status, 409);
});

both!(
    a_volunteer_clocks_on_and_off_takes_a_seat_and_prints_their_hours,
    |app| {
        let co = app.signed_in("coordinator").await;
        let accounts = volunteer_accounts(&app, &co, 2, "西安市雁塔区电子城街道", 8).await;
        let me = app.client();
        let res = me
            .post(app.at("/api/session"))
            .json(&json!({"username": accounts[0].1, "password": accounts[0].2}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        // A double tap is one duty; clocking off closes it.
        for on in [true, true] {
            let (status, _) = app
                .post(&me, "/api/volunteers/me/duty", &json!({"on": on}))
                .await;
            assert_eq!(status, 204);
        }
        let (_, r) = app.get(&me, "/api/volunteers/me/service").await;
        assert_eq!(r["duties"].as_array().unwrap().len(), 1, "{r}");
        assert!(r["on_duty_since"].is_string());
        let (status, _) = app
            .post(&me, "/api/volunteers/me/duty", &json!({"on": false}))
            .await;
        assert_eq!(status, 204);
        let (_, r) = app.get(&me, "/api/volunteers/me/service").await;
        assert!(r["on_duty_since"].is_null() && r["duties"][0]["ended_at"].is_string());

        // A seat in a session of their organisation, and back.
        let t = session(&app, &co, 10, Duration::days(2)).await;
        let id = t["id"].as_i64().unwrap();
        let seat = format!("/api/volunteers/me/trainings/{id}");
        let (status, _) = app.post(&me, &seat, &json!({"seat": true})).await;
        assert_eq!(status, 204);
        let (_, detail) = app.get(&co, &format!("/api/trainings/{id}")).await;
        assert_eq!(detail["training"]["enrolled"], 1);
        let (status, _) = app.post(&me, &seat, &json!({"seat": false})).await;
        assert_eq!(status, 204);
        let (_, detail) = app.get(&co, &format!("/api/trainings/{id}")).await;
        assert_eq!(detail["training"]["enrolled"], 0);
        // A volunteer reads no one's session list but their own offers.
        let (status, _) = app.get(&me, "/api/trainings").await;
        assert_eq!(status, 403);

        // Feedback from the coordinator reaches the volunteer's record.
        let (status, body) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/feedback", accounts[0].0),
                &json!({"rating": 5, "comment": "配送及时，老人很满意"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/feedback", accounts[0].0),
                &json!({"rating": 9, "comment": "好"}),
            )
            .await;
        assert_eq!(status, 422);
        assert!(error_fields(&body).contains(&"rating"), "{body}");
        let (_, r) = app.get(&me, "/api/volunteers/me/service").await;
        assert_eq!(r["feedback"][0]["comment"], "配送及时，老人很满意");

        // The certificate is a PDF, for the volunteer themselves.
        let res = me
            .get(app.at("/service/certificate.pdf"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert!(res.bytes().await.unwrap().starts_with(b"%PDF-"));
        let res = co
            .get(app.at("/service/certificate.pdf"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);

        // A resident leader is flagged per compound and found by the flag.
        let (status, _) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/anchor", accounts[1].0),
                &json!({"compound": "电子城小区"}),
            )
            .await;
        assert_eq!(status, 204);
        let (_, anchors) = app.get(&co, "/api/volunteers?anchor=yes&q=队员8").await;
        assert_eq!(ids(&anchors), vec![accounts[1].0]);
        assert_eq!(anchors[0]["anchor_compound"], "电子城小区");

        // Marked positive: no going on duty.
        let (status, _) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/positive", accounts[0].0),
                &json!({"at": at(OffsetDateTime::now_utc() - Duration::hours(1)), "reason": "核酸阳性"}),
            )
            .await;
        assert_eq!(status, 200);
        let (status, _) = app
            .post(&me, "/api/volunteers/me/duty", &json!({"on": true}))
            .await;
        assert_eq!(status, 409);
    }
);
