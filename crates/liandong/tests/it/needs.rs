//! Needs taken down by the hotline: the community read from the address,
//! held by the right office, masked, revealed with a reason, never twice.

use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;
use crate::harness::xlsx_download;

fn new_need(address: &str, key: &str) -> Value {
    json!({
        "kind": "food", "urgency": "urgent", "people": 3,
        "description": "家中三口人，米面已断两天，老人有高血压",
        "contact_name": "张师傅", "contact_phone": "138 0000 8000",
        "address": address, "idempotency_key": key,
    })
}

/// How many needs the caller sees (the demo's included).
async fn count(app: &TestApp, c: &reqwest::Client) -> usize {
    app.get(c, "/api/needs").await.1.as_array().unwrap().len()
}

/// A page's text.
async fn get_page(c: &reqwest::Client, app: &TestApp, path: &str) -> String {
    c.get(app.at(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// A form posted; the response.
async fn post_form<T: serde::Serialize + ?Sized>(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &T,
) -> reqwest::Response {
    c.post(app.at(path)).form(form).send().await.unwrap()
}

/// The idempotency key a form page carries.
fn form_key(page: &str) -> String {
    page.split(r#"name="idempotency_key" value=""#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned()
}

both!(a_hotline_need_gets_its_community_and_is_taken_once, |app| {
    let op = app.signed_in("operator").await;
    let demo = count(&app, &op).await;
    // The field report's village, as a caller gives it.
    let address = "住址：西安市鄠邑区涝店镇龙窝村委会3组12号（近公交站）";
    let (status, r) = app
        .post(&op, "/api/needs", &new_need(address, "call-20211223-1751"))
        .await;
    assert_eq!(status, 201, "{r}");
    let id = r["id"].as_i64().unwrap();
    let need = &r["need"];
    assert_eq!(need["division_code"], "610118011226");
    assert_eq!(need["jurisdiction_code"], "610118011226");
    assert_eq!(
        need["division_name"],
        "陕西省西安市鄠邑区涝店街道龙窝村委会"
    );
    assert_eq!(need["by_jurisdiction"], false);
    assert_eq!(
        (
            need["kind"].as_str(),
            need["urgency"].as_str(),
            need["people"].as_i64()
        ),
        (Some("food"), Some("urgent"), Some(3))
    );
    assert_eq!(need["status"], "new");
    assert_eq!(need["channel"], "hotline");
    // Phone and address leave the store masked.
    assert_eq!(need["contact_phone"], "138****8000");
    assert_eq!(need["address"], "陕西省西安市鄠邑区涝店街道龙窝村委会 ****");
    assert!(!r.to_string().contains("12号"), "{r}");
    // A retry (a double click, a lost answer) finds the first and adds nothing.
    let (status, again) = app
        .post(&op, "/api/needs", &new_need(address, "call-20211223-1751"))
        .await;
    assert_eq!((status, again["id"].as_i64()), (200, Some(id)), "{again}");
    assert_eq!(count(&app, &op).await, demo + 1);
    // The event says what happened, not who or where exactly.
    let admin = app.signed_in("admin").await;
    let (_, events) = app.get(&admin, "/api/audit?action=need.create").await;
    let text = events.to_string();
    assert!(
        text.contains("need.create") && text.contains("610118011226"),
        "{text}"
    );
    assert!(
        !text.contains("13800008000") && !text.contains("龙窝村委会3组"),
        "{text}"
    );

    // 新城区 to a Xi'an operator is Xi'an's, and the need says the
    // jurisdiction chose it.
    let (status, r) = app
        .post(
            &op,
            "/api/needs",
            &new_need("新城区解放路", "call-20211223-1810"),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["need"]["division_code"], "610102", "{r}");
    assert_eq!(r["need"]["by_jurisdiction"], true);
    // An address that says less than the office's area stays with it:
    // nothing acknowledged is dropped.
    let (status, r) = app
        .post(
            &op,
            "/api/needs",
            &new_need("说不清，在高速路口附近", "call-20211223-1830"),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(
        (
            r["need"]["division_code"].as_str(),
            r["need"]["jurisdiction_code"].as_str()
        ),
        (Some(""), Some("6101")),
        "{r}"
    );
    // An address in another city is not this office's: refused.
    let (status, r) = app
        .post(
            &op,
            "/api/needs",
            &new_need("湖北省武汉市江岸区", "call-20211223-1900"),
        )
        .await;
    assert_eq!(status, 403, "{r}");
    // Urgent first on the board.
    assert_eq!(count(&app, &op).await, demo + 3);
});

both!(bad_needs_name_every_field_and_write_nothing, |app| {
    let op = app.signed_in("operator").await;
    let demo = count(&app, &op).await;
    let (status, r) = app
        .post(&op, "/api/needs", &json!({"kind": "cake", "people": 0, "description": "", "contact_name": "", "contact_phone": "123", "address": "", "idempotency_key": "x"}))
        .await;
    assert_eq!(status, 422, "{r}");
    let fields: Vec<&str> = r["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "kind",
            "people",
            "description",
            "contact_name",
            "contact_phone",
            "address",
            "idempotency_key"
        ]
    );
    assert_eq!(r["fields"][1]["message"], "请输入 1 到 100000 之间的人数");
    assert_eq!(count(&app, &op).await, demo);
});

both!(
    needs_are_revealed_with_a_reason_and_only_by_those_who_call,
    |app| {
        let op = app.signed_in("operator").await;
        let (_, r) = app
            .post(
                &op,
                "/api/needs",
                &new_need("雁塔区小寨路街道兴善社区", "call-reveal-0001"),
            )
            .await;
        let id = r["id"].as_i64().unwrap();
        let path = format!("/api/needs/{id}/reveal");
        let (status, r) = app
            .post(
                &op,
                &path,
                &json!({"field": "contact_phone", "reason": "电话核实需求"}),
            )
            .await;
        assert_eq!(
            (status, r["value"].as_str()),
            (200, Some("13800008000")),
            "{r}"
        );
        let (status, r) = app
            .post(
                &op,
                &path,
                &json!({"field": "address", "reason": "安排配送"}),
            )
            .await;
        assert_eq!(
            (status, r["value"].as_str()),
            (200, Some("雁塔区小寨路街道兴善社区")),
            "{r}"
        );
        let (status, r) = app
            .post(&op, &path, &json!({"field": "address", "reason": ""}))
            .await;
        assert_eq!(
            (status, r["fields"][0]["field"].as_str()),
            (422, Some("reason")),
            "{r}"
        );
        // A caseworker in 雁塔区 sees the need, masked, but may not reveal.
        let cw = app.signed_in("caseworker").await;
        let (status, need) = app.get(&cw, &format!("/api/needs/{id}")).await;
        assert_eq!(
            (status, need["contact_phone"].as_str()),
            (200, Some("138****8000"))
        );
        let (status, _) = app
            .post(
                &cw,
                &path,
                &json!({"field": "contact_phone", "reason": "x"}),
            )
            .await;
        assert_eq!(status, 403);
        // Volunteers work from tasks, not the needs board.
        let vol = app.signed_in("volunteer").await;
        assert_eq!(app.get(&vol, &format!("/api/needs/{id}")).await.0, 403);
        assert_eq!(app.get(&vol, "/api/needs").await.1, json!([]));
        // Each reveal is in the audit log with its reason.
        let admin = app.signed_in("admin").await;
        let (_, events) = app.get(&admin, "/api/audit?action=field.reveal").await;
        let text = events.to_string();
        assert!(
            text.contains("contact_phone: 电话核实需求") && text.contains("address: 安排配送"),
            "{text}"
        );
    }
);

both!(the_hotline_form_reads_the_address_and_submits_once, |app| {
    let op = app.signed_in("operator").await;
    let form = get_page(&op, &app, "/needs/new").await;
    let key = form_key(&form);
    assert_eq!(key.len(), 32, "{form}");
    let fields = [
        ("idempotency_key", key.as_str()),
        ("address", "长安区西韦村"),
        ("kind", "medicine"),
        ("urgency", "critical"),
        ("people", "1"),
        ("description", "独居老人，胰岛素只剩一天"),
        ("contact_name", "西韦村委会"),
        ("contact_phone", "029-8555 1234"),
    ];
    let submit = || async { post_form(&op, &app, "/needs/new", &fields).await };
    let res = submit().await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/needs/") && location.ends_with("?notice=created"),
        "{location}"
    );
    // The same form sent again (a double click): the same need, and the
    // page says nothing new was recorded.
    let res = submit().await;
    let again = res.headers()["location"].to_str().unwrap();
    assert_eq!(again, location.replace("notice=created", "notice=existing"));
    let page = get_page(&op, &app, again).await;
    assert!(page.contains("此前已登记"), "{page}");
    // Back to the form, another caller's need typed over it with the
    // same key: refused, not lost, and the form gets a fresh key.
    let mut other = fields;
    other[1].1 = "鄠邑区龙窝村";
    let res = post_form(&op, &app, "/needs/new", &other).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains(r#"id="key-error""#) && page.contains("请再点一次提交"),
        "{page}"
    );
    let fresh = form_key(&page);
    assert_ne!(fresh, key);
    other[0].1 = fresh.as_str();
    let res = post_form(&op, &app, "/needs/new", &other).await;
    assert_eq!(res.status(), 303);
    assert_ne!(res.headers()["location"].to_str().unwrap(), location);
    let page = get_page(&op, &app, &location).await;
    assert!(page.contains(r#"href="/divisions/610116001201""#), "{page}");
    assert!(page.contains("029****1234"), "{page}");
    let board = get_page(&op, &app, "/needs").await;
    assert!(
        board.contains("陕西省西安市长安区") && board.contains("危急"),
        "{board}"
    );
    // An address elsewhere: the message next to the address field, the
    // form kept.
    let mut elsewhere = fields;
    elsewhere[0].1 = "another-key-0002";
    elsewhere[1].1 = "湖北省武汉市江岸区";
    let res = post_form(&op, &app, "/needs/new", &elsewhere).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("这个地址不在您的辖区内"), "{page}");
    assert!(page.contains("独居老人，胰岛素只剩一天"), "{page}");
});

both!(
    a_resident_asks_for_help_without_an_account_and_follows_it,
    |app| {
        let anon = app.client();
        let form = get_page(&anon, &app, "/help").await;
        let key = form_key(&form);
        let fields = [
            ("idempotency_key", key.as_str()),
            ("address", "长安区西韦村3组"),
            ("kind", "food"),
            ("urgency", "urgent"),
            ("people", "5"),
            ("description", "一家五口，面粉吃完了"),
            ("contact_name", "李大姐"),
            ("contact_phone", "13912345678"),
        ];
        let send = || async { post_form(&anon, &app, "/help", &fields).await };
        let res = send().await;
        assert_eq!(res.status(), 303);
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let reference = location
            .strip_prefix("/help/")
            .and_then(|l| l.strip_suffix("?sent=1"))
            .unwrap()
            .to_owned();
        assert_eq!(reference.len(), 10, "{location}");
        // Sent twice on a bad connection: one request.
        let res = send().await;
        assert_eq!(res.headers()["location"].to_str().unwrap(), location);
        // The follow page: where it stands, nothing personal.
        let page = get_page(&anon, &app, &location).await;
        assert!(page.contains(r#"id="help-sent""#), "{page}");
        assert!(
            page.contains(&format!("{}-{}", &reference[..5], &reference[5..])),
            "{page}"
        );
        assert!(page.contains("西韦村") && page.contains("新登记"), "{page}");
        assert!(
            !page.contains("李大姐") && !page.contains("1391234") && !page.contains("3组"),
            "{page}"
        );
        // A reference as written back: lower case, with a dash.
        let typed = format!("{}-{}", &reference[..5], &reference[5..]).to_lowercase();
        let res = anon
            .get(app.at(&format!("/help/follow?reference={typed}")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers()["location"].to_str().unwrap(),
            format!("/help/{reference}")
        );
        let res = anon
            .get(app.at("/help/follow?reference=abc"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("编号应为 10 位字母或数字")
        );
        assert_eq!(
            anon.get(app.at("/help/ZZZZZZZZZZ"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        // The Xi'an hotline sees it on its board, held by the village.
        let op = app.signed_in("operator").await;
        let (_, list) = app.get(&op, "/api/needs").await;
        let need = list
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["reference"] == reference.as_str())
            .unwrap();
        assert_eq!(
            (need["channel"].as_str(), need["reference"].as_str()),
            (Some("public"), Some(reference.as_str())),
            "{list}"
        );
        assert_eq!(need["division_code"], "610116001201");
        assert_eq!(need["contact_phone"], "139****5678");
        // The event names no person: the sender was the public.
        let admin = app.signed_in("admin").await;
        let (_, events) = app.get(&admin, "/api/audit?action=need.create").await;
        assert_eq!(events[0]["actor_name"], "public", "{events}");
        assert!(!events.to_string().contains("13912345678"));
    }
);

both!(
    the_help_form_names_what_is_missing_and_limits_a_flood,
    |app| {
        let anon = app.client();
        let res = post_form(
            &anon,
            &app,
            "/help",
            &[
                ("idempotency_key", "flood-key-0001"),
                ("kind", "food"),
                ("people", "2"),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        assert!(
            page.contains(r#"id="address-error">此项为必填项"#),
            "{page}"
        );
        assert!(
            page.contains(r#"id="contact_phone-error">请输入有效的手机号"#),
            "{page}"
        );
        // The form keeps what was chosen.
        assert!(page.contains(r#"<option value="food" selected>"#), "{page}");
        // Posts with mistakes do not count: a resident correcting a field
        // is never held back.
        for _ in 0..40 {
            let res = post_form(&anon, &app, "/help", &[("kind", "food")]).await;
            assert_eq!(res.status(), 422);
        }
        // One sender, many requests taken: held back after the limit, the
        // form kept, with a message.
        let mut last = 0;
        let mut page = String::new();
        for i in 0..31 {
            let key = format!("flood-key-{i:04}");
            let phone = format!("1390000{i:04}");
            let address = format!("鄠邑区涝店街道龙窝村{}号", i + 1);
            let res = post_form(
                &anon,
                &app,
                "/help",
                &[
                    ("idempotency_key", key.as_str()),
                    ("kind", "food"),
                    ("people", "2"),
                    ("description", "需要米面"),
                    ("contact_name", "赵"),
                    ("contact_phone", phone.as_str()),
                    ("address", address.as_str()),
                ],
            )
            .await;
            last = res.status().as_u16();
            page = res.text().await.unwrap();
        }
        assert_eq!(last, 429);
        assert!(
            page.contains("请稍后再试") && page.contains("需要米面"),
            "{page}"
        );
    }
);

/// Upload a list to the import page; the status and the page.
async fn upload(app: &TestApp, c: &reqwest::Client, name: &str, bytes: Vec<u8>) -> (u16, String) {
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

both!(
    a_list_of_needs_is_taken_whole_or_not_at_all_and_once,
    |app| {
        let op = app.signed_in("operator").await;
        let demo = count(&app, &op).await;
        let list = "序号,姓名,联系电话,住址,类别,人数,情况说明,紧急程度\n\
        1,张三,13800008000,鄠邑区龙窝村,生活物资,3,断粮两天,紧急\n\
        2,李四,13900001111,长安区西韦村,药品,,降压药吃完了,\n\
        3,王五,029-85551234,新城区解放路,Medical Care,1,透析中断,危急\n";
        // One wrong row (a phone, a kind) and one elsewhere: nothing taken,
        // each line named.
        let bad = format!(
            "{list}4,赵六,123,雁塔区小寨路街道,蛋糕,1,想吃蛋糕,\n5,钱七,13700000000,湖北省武汉市江岸区,生活物资,1,缺粮,\n"
        );
        let (status, page) = upload(&app, &op, "名单.csv", bad.into_bytes()).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains(r#"id="import-problems""#), "{page}");
        assert!(
            page.contains("<td>5</td>") && page.contains("<td>6</td>"),
            "{page}"
        );
        assert!(
            page.contains("请输入有效的手机号") && page.contains("请选择需求类别"),
            "{page}"
        );
        assert!(page.contains("这个地址不在您的辖区内"), "{page}");
        assert_eq!(count(&app, &op).await, demo);
        // The list as it should be: all three, the communities read, GB18030
        // as Excel writes it.
        let (gbk, _, _) = encoding_rs::GB18030.encode(list);
        let (status, page) = upload(&app, &op, "名单.csv", gbk.to_vec()).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page.contains(r#"id="import-done""#) && page.contains("已导入新需求 3"),
            "{page}"
        );
        let (_, needs) = app.get(&op, "/api/needs").await;
        let mut got: Vec<(String, String, String)> = needs
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["channel"] == "import")
            .map(|n| {
                let s = |k: &str| n[k].as_str().unwrap().to_owned();
                (s("division_code"), s("kind"), s("channel"))
            })
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("610102".into(), "medical".into(), "import".into()),
                ("610116001201".into(), "medicine".into(), "import".into()),
                ("610118011226".into(), "food".into(), "import".into()),
            ]
        );
        // Uploaded again: nothing new.
        let (status, page) = upload(&app, &op, "名单.csv", list.as_bytes().to_vec()).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("已导入新需求 0") && page.contains("此前已导入 3"),
            "{page}"
        );
        // The same list as a workbook, one row changed: one new need.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let changed = list.replace("断粮两天", "断粮三天");
        for (r, line) in changed.lines().enumerate() {
            for (c, v) in line.split(',').enumerate() {
                sheet.write_string(r as u32, c as u16, v).unwrap();
            }
        }
        let (status, page) = upload(&app, &op, "名单.xlsx", book.save_to_buffer().unwrap()).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page.contains("已导入新需求 1") && page.contains("此前已导入 2"),
            "{page}"
        );
        // A list without its columns, and a file that is no table.
        let (status, page) =
            upload(&app, &op, "a.csv", "姓名,电话\n张三,13800008000\n".into()).await;
        assert_eq!(status, 422);
        assert!(
            page.contains(r#"id="import-missing""#) && page.contains("情况"),
            "{page}"
        );
        let (status, page) = upload(&app, &op, "a.xlsx", b"not a workbook".to_vec()).await;
        assert_eq!(status, 422);
        assert!(page.contains(r#"id="import-unreadable""#), "{page}");
        // Roles that do not take needs cannot import.
        let cw = app.signed_in("caseworker").await;
        let (status, _) = upload(&app, &cw, "名单.csv", list.as_bytes().to_vec()).await;
        assert_eq!(status, 403);
    }
);

both!(a_reused_key_never_hands_out_another_need, |app| {
    let op = app.signed_in("operator").await;
    let demo = count(&app, &op).await;
    let (status, first) = app
        .post(
            &op,
            "/api/needs",
            &new_need("鄠邑区龙窝村", "call-20211223-2000"),
        )
        .await;
    assert_eq!(status, 201, "{first}");
    // Other content under the same key: refused, the first untouched.
    let (status, r) = app
        .post(
            &op,
            "/api/needs",
            &new_need("长安区西韦村", "call-20211223-2000"),
        )
        .await;
    assert_eq!(status, 409, "{r}");
    assert!(
        !r.to_string()
            .contains(first["need"]["reference"].as_str().unwrap())
    );
    // The same key from another account, even with the same content: not
    // the first need.
    let coord = app.signed_in("coordinator").await;
    let (status, _) = app
        .post(
            &coord,
            "/api/needs",
            &new_need("鄠邑区龙窝村", "call-20211223-2000"),
        )
        .await;
    assert_eq!(status, 409);
    // Nor through the public form, which would show its reference.
    let anon = app.client();
    let res = post_form(
        &anon,
        &app,
        "/help",
        &[
            ("idempotency_key", "call-20211223-2000"),
            ("address", "鄠邑区龙窝村"),
            ("kind", "food"),
            ("urgency", "urgent"),
            ("people", "3"),
            ("description", "家中三口人，米面已断两天，老人有高血压"),
            ("contact_name", "张师傅"),
            ("contact_phone", "138 0000 8000"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        !page.contains(first["need"]["reference"].as_str().unwrap()),
        "{page}"
    );
    assert!(page.contains(r#"id="key-error""#), "{page}");
    assert_eq!(count(&app, &op).await, demo + 1);
});

both!(
    vulnerable_tags_come_in_by_every_channel_and_filter_the_board,
    |app| {
        let op = app.signed_in("operator").await;
        // The API: a list of codes.
        let mut need = new_need("西安市雁塔区小寨路街道兴善社区", "tags-api-000001");
        need["vulnerable"] = json!(["dialysis", "elderly_alone"]);
        let (status, r) = app.post(&op, "/api/needs", &need).await;
        assert_eq!(status, 201, "{r}");
        assert_eq!(
            r["need"]["vulnerable"],
            json!(["dialysis", "elderly_alone"])
        );
        need["vulnerable"] = json!(["rich"]);
        need["idempotency_key"] = json!("tags-api-000002");
        let (status, r) = app.post(&op, "/api/needs", &need).await;
        assert_eq!(status, 422, "{r}");
        assert_eq!(r["fields"][0]["field"], "vulnerable");
        // The hotline form: boxes ticked, the name repeated.
        let form = get_page(&op, &app, "/needs/new").await;
        assert!(form.contains(r#"id="vulnerable-pregnant""#));
        let key = form_key(&form);
        let fields = [
            ("address", "西安市长安区西韦村"),
            ("kind", "medical"),
            ("urgency", "critical"),
            ("people", "1"),
            ("description", "临产，需要去医院"),
            ("contact_name", "刘女士"),
            ("contact_phone", "13912340000"),
            ("vulnerable", "pregnant"),
            ("vulnerable", "child"),
            ("idempotency_key", key.as_str()),
        ];
        let res = post_form(&op, &app, "/needs/new", &fields).await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        // A list: the column 特殊人群 in words.
        let list = "姓名,联系电话,住址,类别,情况说明,特殊人群\n\
        孙大爷,13800001234,鄠邑区龙窝村,药品,降压药吃完了,独居老人、慢性病\n";
        let (status, page) = upload(&app, &op, "名单.csv", list.as_bytes().to_vec()).await;
        assert_eq!(status, 200, "{page}");

        let board = |tag: &'static str| {
            let op = &op;
            let app = &app;
            async move {
                app.get(op, &format!("/api/needs?vulnerable={tag}"))
                    .await
                    .1
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n["contact_name"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(board("dialysis").await, ["张师傅"]);
        assert_eq!(board("pregnant").await, ["刘女士"]);
        let alone = board("elderly_alone").await;
        assert!(alone.contains(&"孙大爷".to_owned()) && alone.contains(&"张师傅".to_owned()));
        let (status, _) = app.get(&op, "/api/needs?vulnerable=rich").await;
        assert_eq!(status, 422);
    }
);

/// A public request sent; its reference and the page it leads to.
async fn ask(
    app: &TestApp,
    address: &str,
    kind: &str,
    urgency: &str,
    phone: &str,
) -> (String, String) {
    let anon = app.client();
    let key = form_key(&get_page(&anon, app, "/help").await);
    let fields = [
        ("idempotency_key", key.as_str()),
        ("address", address),
        ("kind", kind),
        ("urgency", urgency),
        ("people", "1"),
        ("description", "家里有人需要帮助"),
        ("contact_name", "居民"),
        ("contact_phone", phone),
    ];
    let res = post_form(&anon, app, "/help", &fields).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let reference = location[6..16].to_owned();
    (reference, get_page(&anon, app, &location).await)
}

both!(
    no_public_request_is_lost_and_a_critical_one_is_told_to_call_120,
    |app| {
        let coord = app.signed_in("coordinator").await;
        // No place in it: held by the home jurisdiction, first on its list
        // of places to check.
        let (unplaced, page) = ask(
            &app,
            "我家在小卖部后面那栋楼",
            "food",
            "urgent",
            "13911112222",
        )
        .await;
        assert!(page.contains("12345"), "the hotline is shown: {page}");
        assert!(!page.contains(r#"id="help-120""#));
        let (_, found) = app.get(&coord, &format!("/api/needs?q={unplaced}")).await;
        let need = &found[0];
        assert_eq!(need["jurisdiction_code"], "6101", "{found}");
        assert_eq!(need["division_code"], "");
        // 龙窝村 alone fits 29 villages: near the home office, Xi'an's, flagged.
        let (village, _) = ask(&app, "龙窝村", "food", "normal", "13911113333").await;
        let (_, found) = app.get(&coord, &format!("/api/needs?q={village}")).await;
        assert_eq!(found[0]["division_code"], "610118011226", "{found}");
        assert_eq!(found[0]["by_jurisdiction"], true);
        // A critical medical request: call 120 as well, now.
        let (_, page) = ask(
            &app,
            "西安市碑林区南院门街道",
            "medical",
            "critical",
            "13911114444",
        )
        .await;
        assert!(
            page.contains(r#"id="help-120""#) && page.contains("120"),
            "{page}"
        );
    }
);

both!(
    those_who_only_watch_see_no_contact_name_and_no_violence_tag,
    |app| {
        let op = app.signed_in("operator").await;
        let mut need = new_need("西安市雁塔区小寨路街道兴善社区", "watch-names-0001");
        need["vulnerable"] = json!(["domestic_violence", "child"]);
        let (status, r) = app.post(&op, "/api/needs", &need).await;
        assert_eq!(status, 201, "{r}");
        let id = r["id"].as_i64().unwrap();
        assert_eq!(r["need"]["contact_name"], "张师傅");
        for (who, name, tags) in [
            (
                "coordinator",
                "张师傅",
                json!(["child", "domestic_violence"]),
            ),
            ("viewer", "张**", json!(["child"])),
            ("caseworker", "张**", json!(["child"])),
        ] {
            let c = app.signed_in(who).await;
            let (status, n) = app.get(&c, &format!("/api/needs/{id}")).await;
            assert_eq!(status, 200, "{who} holds 小寨路街道: {n}");
            assert_eq!(
                (n["contact_name"].clone(), n["vulnerable"].clone()),
                (json!(name), tags),
                "{who}"
            );
            let (_, board) = app.get(&c, "/api/needs").await;
            let page = serde_json::to_string(&board).unwrap();
            if who != "coordinator" {
                assert!(
                    !page.contains("张师傅") && !page.contains("domestic_violence"),
                    "{who}"
                );
            }
        }
    }
);

both!(
    the_import_template_downloads_and_is_itself_a_list_that_imports,
    |app| {
        let op = app.signed_in("operator").await;
        let bytes = xlsx_download(&app, &op, "/needs/import/template.xlsx").await;
        // Its headers are the accepted ones, required ones starred.
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        let sheet = book.worksheet_range_at(0).unwrap().unwrap();
        let headers: Vec<String> = sheet
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(headers[0], "地址*");
        assert!(headers.contains(&"紧急程度".to_owned()), "{headers:?}");
        assert_eq!(book.sheet_names().len(), 2, "a sheet that explains");
        // Uploaded as it is, its example row is one need.
        let demo = count(&app, &op).await;
        let (status, page) = upload(&app, &op, "template.xlsx", bytes).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(count(&app, &op).await, demo + 1);
        assert!(!page.contains("id=\"import-unknown\""), "{page}");
        // Watchers do not import.
        let viewer = app.signed_in("viewer").await;
        let res = viewer
            .get(app.at("/needs/import/template.xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
    }
);

both!(common_headers_are_read_and_unknown_ones_named, |app| {
    let op = app.signed_in("operator").await;
    let demo = count(&app, &op).await;
    let list = "序号,联系人姓名,联系方式,详细地址（必填）,需求类型*,说明,紧急,备注\n\
        1,张三,138 0000 8000,鄠邑区龙窝村,生活物资,断粮两天了,紧急,村委会转来\n";
    let (status, page) = upload(&app, &op, "社区上报.csv", list.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(count(&app, &op).await, demo + 1);
    let unknown = page
        .split("id=\"import-unknown\"")
        .nth(1)
        .expect("the unknown columns are named");
    let unknown = &unknown[..unknown.find("</p>").unwrap()];
    assert!(
        unknown.contains("序号") && unknown.contains("备注"),
        "{unknown}"
    );
    assert!(!unknown.contains("说明"), "{unknown}");
});
