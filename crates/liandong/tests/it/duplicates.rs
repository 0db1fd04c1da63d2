//! Duplicates: open needs that look like the same one are shown (same
//! phone, same community and kind within 3 days, same story) and can be
//! merged; the merged need's reference leads to the one that stays.

use serde_json::{Value, json};

use crate::both;
use crate::harness::{TestApp, actions, error_fields};

/// A need taken at the hotline; its id and reference.
async fn take(app: &TestApp, op: &reqwest::Client, need: Value) -> (i64, String) {
    let mut body = json!({
        "kind": "food", "urgency": "urgent", "people": 40,
        "description": "全村方便食品告急，村干部来电",
        "contact_name": "李书记", "contact_phone": "13800008000",
        "address": "西安市鄠邑区涝店镇龙窝村委会",
        "idempotency_key": format!("dup-{:016x}", rand_key()),
    });
    for (k, v) in need.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, r) = app.post(op, "/api/needs", &body).await;
    assert_eq!(status, 201, "{r}");
    (
        r["id"].as_i64().unwrap(),
        r["need"]["reference"].as_str().unwrap().to_owned(),
    )
}

fn rand_key() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::Relaxed)
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
}

/// The ids of a similar list with the reasons of each.
fn found(list: &Value) -> Vec<(i64, Vec<String>)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["need"]["id"].as_i64().unwrap(),
                s["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn reasons_for(list: &Value, id: i64) -> Vec<String> {
    found(list)
        .into_iter()
        .find(|(i, _)| *i == id)
        .map(|(_, r)| r)
        .unwrap_or_default()
}

both!(
    needs_alike_by_phone_place_or_story_are_shown_with_why,
    |app| {
        let op = app.signed_in("operator").await;
        let (first, _) = take(&app, &op, json!({})).await;
        // The same caller, the phone spaced and prefixed, another place.
        let (by_phone, _) = take(
            &app,
            &op,
            json!({"contact_phone": "+86 138 0000 8000", "address": "西安市雁塔区小寨路街道", "kind": "medicine",
                   "description": "家中老人降压药断了"}),
        )
        .await;
        // Another caller in the same village asking for the same kind.
        let (by_place, _) = take(
            &app,
            &op,
            json!({"contact_phone": "13900001234", "description": "村东头三户人家没有米面了"}),
        )
        .await;
        // The same story retold with other spacing and punctuation, elsewhere.
        let (by_story, _) = take(
            &app,
            &op,
            json!({"contact_phone": "13700005678", "address": "西安市雁塔区小寨路街道",
                   "description": "全村 方便食品告急!! 村干部来电"}),
        )
        .await;
        // Different in every way.
        let (other, _) = take(
            &app,
            &op,
            json!({"contact_phone": "13600009999", "address": "西安市雁塔区小寨路街道", "kind": "transport",
                   "description": "孕妇临产需要车辆送医院"}),
        )
        .await;
        let (status, list) = app.get(&op, &format!("/api/needs/{first}/similar")).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(reasons_for(&list, by_phone), ["phone"], "{list}");
        assert_eq!(reasons_for(&list, by_place), ["place"], "{list}");
        assert_eq!(reasons_for(&list, by_story), ["story"], "{list}");
        assert!(reasons_for(&list, other).is_empty(), "{list}");
        assert!(!found(&list).iter().any(|(i, _)| *i == first), "not itself");
        // As typed at the hotline: the phone in any spelling.
        let (status, list) = app.get(&op, "/api/needs/similar?phone=138-0000-8000").await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(reasons_for(&list, first), ["phone"], "{list}");
        assert_eq!(reasons_for(&list, by_phone), ["phone"], "{list}");
        // The hotline form's panel names them without a phone in clear.
        let panel = app
            .page(
                &op,
                "/needs/similar?phone=13800008000&address=&kind=&description=",
            )
            .await;
        assert!(
            panel.contains("电话相同") && !panel.contains("13800008000"),
            "{panel}"
        );
        // Nothing typed yet: nothing alike.
        let (_, list) = app.get(&op, "/api/needs/similar?phone=&address=").await;
        assert_eq!(list, json!([]));
        // Watchers do not look for duplicates.
        let viewer = app.signed_in("viewer").await;
        let (status, _) = app
            .get(&viewer, &format!("/api/needs/{first}/similar"))
            .await;
        assert_eq!(status, 403);
    }
);

both!(
    a_merge_keeps_both_histories_and_the_reference_leads_on,
    |app| {
        let op = app.signed_in("operator").await;
        let (keep, keep_ref) = take(&app, &op, json!({})).await;
        let (dup, dup_ref) = take(
            &app,
            &op,
            json!({"description": "龙窝村又打来一次，还是缺方便面"}),
        )
        .await;
        let (status, body) = app
            .post(
                &op,
                &format!("/api/needs/{dup}/merge"),
                &json!({"into": keep, "reason": "同一村同一件事"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["id"], keep, "the answer is the need that stays");
        let (_, merged) = app.get(&op, &format!("/api/needs/{dup}")).await;
        assert_eq!(merged["status"], "duplicate");
        assert_eq!(merged["merged_into"], keep);
        let (_, t) = app.get(&op, &format!("/api/needs/{dup}/timeline")).await;
        assert_eq!(actions(&t), ["need.create", "need.merge"]);
        let (_, t) = app.get(&op, &format!("/api/needs/{keep}/timeline")).await;
        assert_eq!(actions(&t), ["need.create", "need.absorb"]);
        // Off the open board, still on the full one.
        let (_, board) = app.get(&op, "/api/needs?status=duplicate").await;
        assert!(board.as_array().unwrap().iter().any(|n| n["id"] == dup));
        // The resident following the merged reference lands on the other.
        let shown = |r: &str| format!("{}-{}", &r[..5], &r[5..]);
        let res = app
            .client()
            .get(app.at(&format!("/help/{}", shown(&dup_ref))))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let to = res.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(to, format!("/help/{}?merged=1", shown(&keep_ref)));
        let page = app.page(&app.client(), &to).await;
        assert!(page.contains("已合并到这里一起办理"), "{page}");
        // Refusals: again (it is a duplicate now), into itself, into a
        // need no longer open, into one that does not exist.
        let (status, body) = app
            .post(
                &op,
                &format!("/api/needs/{dup}/merge"),
                &json!({"into": keep}),
            )
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(body["message"].as_str().unwrap().contains("重复"), "{body}");
        let (status, body) = app
            .post(
                &op,
                &format!("/api/needs/{keep}/merge"),
                &json!({"into": keep}),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(error_fields(&body), ["into"]);
        let (other, _) = take(&app, &op, json!({"contact_phone": "13900002222"})).await;
        let (status, body) = app
            .post(
                &op,
                &format!("/api/needs/{other}/merge"),
                &json!({"into": dup}),
            )
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("已经结束"),
            "{body}"
        );
        let (status, body) = app
            .post(
                &op,
                &format!("/api/needs/{other}/merge"),
                &json!({"into": 99_999_999}),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(error_fields(&body), ["into"]);
        // Viewers cannot merge.
        let viewer = app.signed_in("viewer").await;
        let (status, _) = app
            .post(
                &viewer,
                &format!("/api/needs/{other}/merge"),
                &json!({"into": keep}),
            )
            .await;
        assert_eq!(status, 403);
    }
);

both!(
    two_people_merging_two_needs_into_each_other_make_one_merge,
    |app| {
        let a_op = app.signed_in("operator").await;
        let b_op = app.signed_in("coordinator").await;
        for _ in 0..5 {
            let (a, _) = take(&app, &a_op, json!({})).await;
            let (b, _) = take(&app, &a_op, json!({})).await;
            let (pa, pb) = (
                format!("/api/needs/{a}/merge"),
                format!("/api/needs/{b}/merge"),
            );
            let (ba, bb) = (json!({"into": b}), json!({"into": a}));
            let (ra, rb) = tokio::join!(app.post(&a_op, &pa, &ba), app.post(&b_op, &pb, &bb));
            let mut statuses = [ra.0, rb.0];
            statuses.sort();
            assert_eq!(statuses, [200, 409], "{} / {}", ra.1, rb.1);
            let (_, na) = app.get(&a_op, &format!("/api/needs/{a}")).await;
            let (_, nb) = app.get(&a_op, &format!("/api/needs/{b}")).await;
            let duplicates = [&na, &nb]
                .iter()
                .filter(|n| n["status"] == "duplicate")
                .count();
            assert_eq!(duplicates, 1, "{na} {nb}");
        }
    }
);

both!(the_need_page_merges_only_when_confirmed, |app| {
    let op = app.signed_in("operator").await;
    let (keep, _) = take(&app, &op, json!({})).await;
    let (dup, _) = take(&app, &op, json!({})).await;
    let page = app.page(&op, &format!("/needs/{dup}")).await;
    assert!(
        page.contains(&format!("id=\"merge-into-{keep}\"")),
        "{page}"
    );
    let res = op
        .post(app.at(&format!("/needs/{dup}/merge")))
        .form(&[("into", keep.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("确认是同一件事"));
    let (_, n) = app.get(&op, &format!("/api/needs/{dup}")).await;
    assert_eq!(n["status"], "new", "nothing merged");
    let res = op
        .post(app.at(&format!("/needs/{dup}/merge")))
        .form(&[("into", keep.to_string()), ("confirm", "yes".to_owned())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/needs/{keep}?notice=merged")
    );
    let page = app.page(&op, &format!("/needs/{dup}")).await;
    assert!(page.contains("id=\"need-merged-into\""), "{page}");
});
