//! Supply: depots and stock that never go negative (of two people taking
//! the last units exactly one wins), offers checked by kind and masked,
//! appeals that gather pledges and arrivals, public by reference.

use serde_json::{Value, json};

use crate::both;
use crate::harness::{TestApp, actions, error_fields};

/// A need taken at the hotline in 鄠邑区; its id and reference.
async fn need(app: &TestApp, n: u32) -> (i64, String) {
    let op = app.signed_in("operator").await;
    let (status, r) = app
        .post(
            &op,
            "/api/needs",
            &json!({"kind": "food", "urgency": "urgent", "people": 40,
                "description": format!("全村方便食品告急 第{n}次"), "contact_name": "李书记",
                "contact_phone": "13800008000", "address": "西安市鄠邑区涝店镇龙窝村委会",
                "idempotency_key": format!("supply-need-{n:04}")}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    (
        r["id"].as_i64().unwrap(),
        r["need"]["reference"].as_str().unwrap().to_owned(),
    )
}

/// The catalogue id of an item by its code.
async fn item(app: &TestApp, c: &reqwest::Client, code: &str) -> i64 {
    let (status, items) = app.get(c, "/api/items").await;
    assert_eq!(status, 200);
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {items}"))["id"]
        .as_i64()
        .unwrap()
}

async fn depot(app: &TestApp, c: &reqwest::Client, name: &str) -> i64 {
    let (status, d) = app
        .post(
            c,
            "/api/depots",
            &json!({"name": name, "division_code": "610118", "address": "鄠邑区物流园3号库"}),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    d["id"].as_i64().unwrap()
}

fn line(stock: &Value, item: i64) -> &Value {
    stock["stock"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item_id"] == item)
        .unwrap_or(&Value::Null)
}

both!(
    stock_moves_with_every_step_kept_and_never_below_zero,
    |app| {
        let co = app.signed_in("coordinator").await;
        let depot = depot(&app, &co, "鄠邑区测试一号库").await;
        let noodles = item(&app, &co, "instant_noodles").await;
        let (need_id, _) = need(&app, 1).await;

        let (status, l) = app
            .post(
                &co,
                &format!("/api/depots/{depot}/receive"),
                &json!({"item_id": noodles, "quantity": 10, "reason": "区商务局调拨"}),
            )
            .await;
        assert_eq!(status, 200, "{l}");
        assert_eq!(
            (l["on_hand"].as_i64(), l["available"].as_i64()),
            (Some(10), Some(10))
        );

        let (status, r) = app
            .post(
                &co,
                &format!("/api/depots/{depot}/reservations"),
                &json!({"item_id": noodles, "need_id": need_id, "quantity": "7"}),
            )
            .await;
        assert_eq!(status, 201, "{r}");
        let reservation = r["id"].as_i64().unwrap();
        assert_eq!(r["status"], "held");

        // Beyond what is left: refused, and told how much is.
        let (status, e) = app
            .post(
                &co,
                &format!("/api/depots/{depot}/reservations"),
                &json!({"item_id": noodles, "need_id": need_id, "quantity": 4}),
            )
            .await;
        assert_eq!(status, 422, "{e}");
        assert_eq!(error_fields(&e), ["quantity"]);
        assert!(
            e["fields"][0]["message"].as_str().unwrap().contains('3'),
            "{e}"
        );

        // A correction may not eat into what is reserved, and needs a reason.
        let (status, e) = app
            .post(
                &co,
                &format!("/api/depots/{depot}/adjust"),
                &json!({"item_id": noodles, "quantity": -4, "reason": "盘点短少"}),
            )
            .await;
        assert_eq!(status, 422, "{e}");
        assert!(
            e["fields"][0]["message"].as_str().unwrap().contains('3'),
            "{e}"
        );
        let (status, e) = app
            .post(
                &co,
                &format!("/api/depots/{depot}/adjust"),
                &json!({"item_id": noodles, "quantity": -3, "reason": ""}),
            )
            .await;
        assert_eq!((status, error_fields(&e)), (422, vec!["reason"]), "{e}");
        let (status, l) = app
            .post(
                &co,
                &format!("/api/depots/{depot}/adjust"),
                &json!({"item_id": noodles, "quantity": "−3", "reason": "三箱泡水报废"}),
            )
            .await;
        assert_eq!(status, 200, "{l}");
        assert_eq!(
            (l["on_hand"].as_i64(), l["reserved"].as_i64()),
            (Some(7), Some(7))
        );

        let (status, r) = app
            .post(
                &co,
                &format!("/api/reservations/{reservation}/dispatch"),
                &json!({}),
            )
            .await;
        assert_eq!(
            (status, r["status"].as_str()),
            (200, Some("dispatched")),
            "{r}"
        );
        // A reservation goes out once.
        let (status, _) = app
            .post(
                &co,
                &format!("/api/reservations/{reservation}/dispatch"),
                &json!({}),
            )
            .await;
        assert_eq!(status, 409);
        let (status, _) = app
            .post(
                &co,
                &format!("/api/reservations/{reservation}/release"),
                &json!({"reason": "不要了"}),
            )
            .await;
        assert_eq!(status, 409);

        let (_, d) = app.get(&co, &format!("/api/depots/{depot}")).await;
        let l = line(&d, noodles);
        assert_eq!(
            (l["on_hand"].as_i64(), l["reserved"].as_i64()),
            (Some(0), Some(0)),
            "{d}"
        );
        // Every movement kept, and they add up to what is there.
        let kinds: Vec<&str> = d["movements"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .map(|m| m["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["receive", "reserve", "adjust", "dispatch"]);
        let balance: i64 = d["movements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| match m["kind"].as_str().unwrap() {
                "receive" | "adjust" => m["quantity"].as_i64().unwrap(),
                "dispatch" => -m["quantity"].as_i64().unwrap(),
                _ => 0,
            })
            .sum();
        assert_eq!(balance, 0);
        // The need's timeline says the goods left, by whom.
        let (_, t) = app
            .get(&co, &format!("/api/needs/{need_id}/timeline"))
            .await;
        assert!(actions(&t).contains(&"need.dispatch"), "{t}");

        // Those who only look may not move stock; outside their area nobody sees it.
        let viewer = app.signed_in("viewer").await;
        let (status, _) = app
            .post(
                &viewer,
                &format!("/api/depots/{depot}/receive"),
                &json!({"item_id": noodles, "quantity": 1}),
            )
            .await;
        assert_eq!(status, 403);
        let screener = app.signed_in("screener").await;
        let (status, _) = app.get(&screener, &format!("/api/depots/{depot}")).await;
        assert_eq!(status, 403);
    }
);

both!(two_reservations_of_the_last_stock_make_one, |app| {
    let co = app.signed_in("coordinator").await;
    let admin = app.signed_in("admin").await;
    let depot = depot(&app, &co, "鄠邑区二号库").await;
    let rice = item(&app, &co, "self_heating_rice").await;
    let (a, _) = need(&app, 2).await;
    let (b, _) = need(&app, 3).await;
    let (status, _) = app
        .post(
            &co,
            &format!("/api/depots/{depot}/receive"),
            &json!({"item_id": rice, "quantity": 5}),
        )
        .await;
    assert_eq!(status, 200);
    for round in 0..3 {
        let path = format!("/api/depots/{depot}/reservations");
        let first = json!({"item_id": rice, "need_id": a, "quantity": 5});
        let second = json!({"item_id": rice, "need_id": b, "quantity": 5});
        let (x, y) = tokio::join!(
            app.post(&co, &path, &first),
            app.post(&admin, &path, &second)
        );
        let mut statuses = [x.0, y.0];
        statuses.sort();
        assert_eq!(statuses, [201, 422], "round {round}: {x:?} {y:?}");
        let (_, d) = app.get(&co, &format!("/api/depots/{depot}")).await;
        assert_eq!(line(&d, rice)["reserved"].as_i64(), Some(5), "{d}");
        // Let it go again for the next round.
        let won = if x.0 == 201 { &x.1 } else { &y.1 };
        let (status, _) = app
            .post(
                &co,
                &format!("/api/reservations/{}/release", won["id"]),
                &json!({"reason": "重新分配"}),
            )
            .await;
        assert_eq!(status, 200);
    }
});

both!(
    offers_are_checked_by_kind_masked_and_withdrawn_once,
    |app| {
        let co = app.signed_in("coordinator").await;
        let (status, v) = app
        .post(
            &co,
            "/api/offers",
            &json!({"kind": "vehicle", "donor": "秦川物流", "contact_name": "韩师傅", "contact_phone": "139 9110 0022",
                "description": "4.2米厢式货车", "seats": 2, "load_kg": "1500", "pass": "西A通-0091", "zones": "610118，610116"}),
        )
        .await;
        assert_eq!(status, 201, "{v}");
        assert_eq!(v["contact_phone"], "139****0022");
        assert_eq!(v["zones"], json!(["610118", "610116"]));
        assert!(!v.to_string().contains("13991100022"));
        let id = v["id"].as_i64().unwrap();
        let (status, r) = app
            .post(
                &co,
                &format!("/api/offers/{id}/reveal"),
                &json!({"field": "contact_phone", "reason": "安排夜间配送"}),
            )
            .await;
        assert_eq!(
            (status, r["value"].as_str()),
            (200, Some("13991100022")),
            "{r}"
        );

        let (status, e) = app
            .post(
                &co,
                "/api/offers",
                &json!({"kind": "money", "value_yuan": "12.345"}),
            )
            .await;
        assert_eq!((status, error_fields(&e)), (422, vec!["value_yuan"]), "{e}");
        let (status, m) = app
            .post(
                &co,
                "/api/offers",
                &json!({"kind": "money", "donor": "西安市慈善总会", "value_yuan": "10,830,000.00"}),
            )
            .await;
        assert_eq!(
            (status, m["value_fen"].as_i64()),
            (201, Some(1_083_000_000)),
            "{m}"
        );
        let (status, e) = app
            .post(
                &co,
                "/api/offers",
                &json!({"kind": "goods", "quantity": "many"}),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(error_fields(&e), ["item_id", "quantity"]);

        let (status, e) = app
            .post(
                &co,
                &format!("/api/offers/{id}/withdraw"),
                &json!({"reason": " "}),
            )
            .await;
        assert_eq!((status, error_fields(&e)), (422, vec!["reason"]));
        let (status, w) = app
            .post(
                &co,
                &format!("/api/offers/{id}/withdraw"),
                &json!({"reason": "车辆被征用"}),
            )
            .await;
        assert_eq!((status, w["status"].as_str()), (200, Some("withdrawn")));
        let (status, _) = app
            .post(
                &co,
                &format!("/api/offers/{id}/withdraw"),
                &json!({"reason": "再撤一次"}),
            )
            .await;
        assert_eq!(status, 409);

        let (_, list) = app.get(&co, "/api/offers?kind=vehicle").await;
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .all(|o| o["kind"] == "vehicle")
        );
        let (status, e) = app.get(&co, "/api/offers?kind=ship").await;
        assert_eq!((status, error_fields(&e)), (422, vec!["kind"]));
        let op = app.signed_in("operator").await;
        let (status, _) = app
            .post(
                &op,
                "/api/offers",
                &json!({"kind": "money", "value_yuan": "5"}),
            )
            .await;
        assert_eq!(status, 403);
    }
);

both!(an_appeal_gathers_pledges_and_arrivals_in_public, |app| {
    let co = app.signed_in("coordinator").await;
    let depot = depot(&app, &co, "鄠邑区征集物资库").await;
    let noodles = item(&app, &co, "instant_noodles").await;
    let bread = item(&app, &co, "bread").await;
    let masks = item(&app, &co, "n95_mask").await;
    let (need_id, reference) = need(&app, 4).await;
    let later = (time::OffsetDateTime::now_utc() + time::Duration::hours(4))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();

    let (status, e) = app
        .post(
            &co,
            "/api/appeals",
            &json!({"need_id": need_id, "title": "龙窝村速食", "needed_by": "2020-01-01T00:00", "lines": []}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&e), ["needed_by", "lines"]);
    let (status, e) = app
        .post(
            &co,
            "/api/appeals",
            &json!({"need_id": need_id, "title": "远期", "needed_by": "9999-12-31T20:00:00Z",
                "lines": [{"item_id": noodles, "quantity": 1}]}),
        )
        .await;
    assert_eq!((status, error_fields(&e)), (422, vec!["needed_by"]), "{e}");
    let (status, a) = app
        .post(
            &co,
            "/api/appeals",
            &json!({"need_id": need_id, "title": "龙窝村速食", "needed_by": later,
                "lines": [{"item_id": noodles, "quantity": 200}, {"item_id": bread, "quantity": "100"}]}),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    let id = a["id"].as_i64().unwrap();
    assert!(
        a["division_code"].as_str().unwrap().starts_with("610118"),
        "{a}"
    );
    let public_ref = a["reference"].as_str().unwrap().to_owned();

    // Pledges: only what is asked, and at least something.
    let (status, e) = app
        .post(
            &co,
            &format!("/api/appeals/{id}/pledges"),
            &json!({"lines": [{"item_id": masks, "quantity": 5}]}),
        )
        .await;
    assert_eq!((status, error_fields(&e)), (422, vec!["lines"]), "{e}");
    let (status, p) = app
        .post(
            &co,
            &format!("/api/appeals/{id}/pledges"),
            &json!({"lines": [{"item_id": noodles, "quantity": 150}, {"item_id": bread, "quantity": 100}],
                "contact_name": "张经理", "contact_phone": "13700001111", "depot_id": depot}),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    let pledged = p.as_array().unwrap();
    assert_eq!(pledged.len(), 2);
    assert_eq!(pledged[0]["contact_phone"], "137****1111");

    // The noodles arrive, part first, then the rest. A body that is not an
    // object is no receipt (serde would read `[null, null]` as one).
    let noodle_offer = pledged[0]["id"].as_i64().unwrap();
    let (status, e) = app
        .post(
            &co,
            &format!("/api/offers/{noodle_offer}/receive"),
            &json!([null, null]),
        )
        .await;
    assert_eq!((status, error_fields(&e)), (422, vec!["body"]), "{e}");
    let (status, e) = app
        .post(
            &co,
            &format!("/api/offers/{noodle_offer}/receive"),
            &json!({"quantity": 151}),
        )
        .await;
    assert_eq!((status, error_fields(&e)), (422, vec!["quantity"]), "{e}");
    let (status, o) = app
        .post(
            &co,
            &format!("/api/offers/{noodle_offer}/receive"),
            &json!({"quantity": 100}),
        )
        .await;
    assert_eq!(
        (status, o["status"].as_str(), o["received"].as_i64()),
        (200, Some("offered"), Some(100)),
        "{o}"
    );
    let (status, o) = app
        .post(
            &co,
            &format!("/api/offers/{noodle_offer}/receive"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, o["status"].as_str(), o["received"].as_i64()),
        (200, Some("received"), Some(150)),
        "{o}"
    );
    let (status, _) = app
        .post(
            &co,
            &format!("/api/offers/{noodle_offer}/receive"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409);

    let (_, a) = app.get(&co, &format!("/api/appeals/{id}")).await;
    let lines: Vec<(i64, i64, i64)> = a["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["quantity"].as_i64().unwrap(),
                l["pledged"].as_i64().unwrap(),
                l["received"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(lines, [(200, 150, 150), (100, 100, 0)]);
    let (_, d) = app.get(&co, &format!("/api/depots/{depot}")).await;
    assert_eq!(line(&d, noodles)["on_hand"].as_i64(), Some(150));

    // The public page: what is still wanted, nothing personal; its QR code.
    let anon = app.client();
    let page = app.page(&anon, &format!("/appeals/{public_ref}")).await;
    assert!(page.contains("龙窝村速食"), "{page}");
    assert!(page.contains("方便面"));
    for personal in ["李书记", "13800008000", "张经理", "13700001111", "1111"] {
        assert!(!page.contains(personal), "{personal} on the public page");
    }
    let res = anon
        .get(app.at(&format!("/appeals/{public_ref}/qr.svg")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert!(res.text().await.unwrap().starts_with("<?xml"));
    let (status, _) = app.get(&anon, "/appeals/ABCDE-FGHJK").await;
    assert_eq!(status, 404);

    // The staff page carries the WeChat text with the link.
    let staff = app.page(&co, &format!("/supply/appeals/{id}")).await;
    assert!(staff.contains("【征集】龙窝村速食"), "{staff}");
    assert!(staff.contains("尚缺 50箱"), "{staff}");

    // The resident follows it on their own page.
    let track = app.page(&anon, &format!("/help/{reference}")).await;
    assert!(track.contains("已发布物资征集"), "{track}");
    assert!(track.contains("筹集的物资已到仓库"), "{track}");

    // Closed: no more pledges.
    let (status, a) = app
        .post(&co, &format!("/api/appeals/{id}/close"), &json!({}))
        .await;
    assert_eq!((status, a["status"].as_str()), (200, Some("closed")));
    let (status, _) = app
        .post(
            &co,
            &format!("/api/appeals/{id}/pledges"),
            &json!({"lines": [{"item_id": bread, "quantity": 1}]}),
        )
        .await;
    assert_eq!(status, 409);
});

both!(
    the_public_ledger_says_what_came_from_whom_and_where_it_went,
    |app| {
        let co = app.signed_in("coordinator").await;
        let depot = depot(&app, &co, "鄠邑区台账测试库").await;
        let noodles = item(&app, &co, "instant_noodles").await;
        let (_, orgs) = app.get(&co, "/api/orgs?q=餐饮").await;
        let catering = orgs[0]["id"].as_i64().unwrap();
        let (need_id, _) = need(&app, 5).await;
        let before = app.page(&app.client(), "/ledger").await;
        assert!(!before.contains("匿名"), "nothing anonymous yet");

        let give = |body: Value| {
            let co = &co;
            let app = &app;
            async move {
                let (status, o) = app.post(co, "/api/offers", &body).await;
                assert_eq!(status, 201, "{o}");
                let id = o["id"].as_i64().unwrap();
                let (status, o) = app
                    .post(co, &format!("/api/offers/{id}/receive"), &json!({}))
                    .await;
                assert_eq!(status, 200, "{o}");
            }
        };
        give(json!({"kind": "goods", "org_id": catering, "item_id": noodles, "quantity": 300, "depot_id": depot,
        "value_yuan": "9000", "contact_name": "吴会长", "contact_phone": "13991100009"}))
    .await;
        give(json!({"kind": "money", "value_yuan": "2000", "contact_name": "钱先生", "contact_phone": "13600001234"})).await;
        // Promised, not arrived: not on the ledger.
        let (status, _) = app
            .post(
                &co,
                "/api/offers",
                &json!({"kind": "money", "donor": "尚未到账基金会", "value_yuan": "1"}),
            )
            .await;
        assert_eq!(status, 201);
        let (status, r) = app
            .post(
                &co,
                &format!("/api/depots/{depot}/reservations"),
                &json!({"item_id": noodles, "need_id": need_id, "quantity": 120}),
            )
            .await;
        assert_eq!(status, 201, "{r}");
        let (status, _) = app
            .post(
                &co,
                &format!("/api/reservations/{}/dispatch", r["id"]),
                &json!({}),
            )
            .await;
        assert_eq!(status, 200);

        let anon = app.client();
        let page = app.page(&anon, "/ledger").await;
        assert!(page.contains("陕西省餐饮行业协会"), "{page}");
        assert!(page.contains("匿名"), "the person gave without a name");
        assert!(page.contains("¥2,000.00"), "{page}");
        assert!(
            !page.contains("尚未到账基金会"),
            "a promise is not a donation"
        );
        assert!(page.contains("鄠邑区"), "where it went, by district");
        // What left the depot the coordinator's organisation runs: the 120.
        let (_, me) = app.get(&co, "/api/me").await;
        let runs = app
            .page(&anon, &format!("/ledger/orgs/{}", me["org_id"]))
            .await;
        assert!(runs.contains("方便面 120箱"), "{runs}");
        for personal in [
            "吴会长",
            "13991100009",
            "钱先生",
            "13600001234",
            "李书记",
            "13800008000",
        ] {
            assert!(!page.contains(personal), "{personal} on the public ledger");
        }
        let mine = app.page(&anon, &format!("/ledger/orgs/{catering}")).await;
        assert!(
            mine.contains("方便面 300箱") || mine.contains("300 箱"),
            "{mine}"
        );
        assert!(
            !mine.contains("¥2,000.00"),
            "another's donation on an organisation's ledger"
        );
        let (status, _) = app.get(&anon, "/ledger/orgs/999999").await;
        assert_eq!(status, 404);
    }
);

both!(a_division_field_on_a_page_takes_a_name, |app| {
    let co = app.signed_in("coordinator").await;
    let send = |name: &'static str, place: &'static str| {
        let co = &co;
        let app = &app;
        async move {
            co.post(app.at("/supply/depots/new"))
                .form(&[
                    ("name", name),
                    ("division_code", place),
                    ("address", "某路1号"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // 雁塔区 is one district in 西安市: read as 610113.
    let res = send("雁塔区名称测试库", "雁塔区").await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let (_, depots) = app.get(&co, "/api/depots").await;
    let made = depots
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "雁塔区名称测试库")
        .unwrap();
    assert_eq!(made["division_code"], "610113");
    // A name no division in the area has is refused on the field, by name.
    let res = send("无名库", "不存在的地方").await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("找不到这个行政区划"), "{page}");
    assert!(page.contains("不存在的地方"), "what was typed stays");
});
