//! The board out to Excel and CSV: as filtered, phones masked, formula
//! starts neutralised; phones in the clear only with a reason, and then
//! recorded as a reveal.

use serde_json::json;

use crate::both;
use crate::harness::TestApp;

async fn get_bytes(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String, Vec<u8>) {
    let res = c.get(app.at(path)).send().await.unwrap();
    let status = res.status().as_u16();
    let mime = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, mime, res.bytes().await.unwrap().to_vec())
}

both!(
    the_board_goes_out_masked_and_in_the_clear_only_with_a_reason,
    |app| {
        let op = app.signed_in("operator").await;
        let (status, r) = app
        .post(
            &op,
            "/api/needs",
            &json!({"kind": "medicine", "urgency": "urgent", "people": 1,
                "description": "=HYPERLINK(\"http://evil.example\",\"点我\")", "contact_name": "赵女士",
                "contact_phone": "13912345678", "address": "西安市雁塔区小寨路街道大雁塔社区",
                "idempotency_key": "export-need-0001"}),
        )
        .await;
        assert_eq!(status, 201, "{r}");
        let reference = r["need"]["reference"].as_str().unwrap().to_owned();
        let path =
            |ext: &str, extra: &str| format!("/needs/export.{ext}?status=all&q={reference}{extra}");

        let (status, mime, body) = get_bytes(&app, &op, &path("csv", "")).await;
        assert_eq!(status, 200);
        assert!(mime.starts_with("text/csv"), "{mime}");
        assert!(body.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
        let text = String::from_utf8(body).unwrap();
        assert_eq!(
            text.lines().count(),
            2,
            "the header and the one need: {text}"
        );
        assert!(text.contains(&reference));
        assert!(
            text.contains("'=HYPERLINK"),
            "a formula start is neutralised: {text}"
        );
        assert!(
            text.contains("139****5678") && !text.contains("13912345678"),
            "{text}"
        );

        let (status, mime, body) = get_bytes(&app, &op, &path("xlsx", "")).await;
        assert_eq!(status, 200);
        assert!(mime.contains("spreadsheetml"), "{mime}");
        let (header, rows) = liandong::tables::read_table("needs.xlsx", body).unwrap();
        assert_eq!(header[0], "编号");
        assert_eq!(rows.len(), 1);
        let phone_col = header.iter().position(|h| h == "联系电话").unwrap();
        assert_eq!(rows[0][phone_col], "139****5678");

        // In the clear: a reason, or no export; with one, an audited reveal.
        let (status, _, _) = get_bytes(&app, &op, &path("xlsx", "&phones=clear&reason=")).await;
        assert_eq!(status, 422);
        let (status, _, body) = get_bytes(
            &app,
            &op,
            &path(
                "xlsx",
                "&phones=clear&reason=%E5%A4%9C%E9%97%B4%E5%9B%9E%E8%AE%BF",
            ),
        )
        .await;
        assert_eq!(status, 200);
        let (_, rows) = liandong::tables::read_table("needs.xlsx", body).unwrap();
        assert_eq!(
            rows[0][phone_col], "13912345678",
            "a phone stays text, whole"
        );
        let admin = app.signed_in("admin").await;
        let (_, events) = app.get(&admin, "/api/audit?action=field.reveal").await;
        let export = events
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["entity_id"] == "export")
            .expect("the export's reveal is recorded");
        assert_eq!(export["reason"], "夜间回访");
        assert_eq!(export["after"]["count"], 1);
        assert!(!events.to_string().contains("13912345678"));

        // A viewer exports masked (the name too), never in the clear.
        let viewer = app.signed_in("viewer").await;
        let (status, _, body) = get_bytes(&app, &viewer, &path("csv", "")).await;
        assert_eq!(status, 200);
        let text = String::from_utf8(body).unwrap();
        assert!(text.contains("赵**") && !text.contains("赵女士"), "{text}");
        let (status, _, _) = get_bytes(
            &app,
            &viewer,
            &path("csv", "&phones=clear&reason=%E6%9F%A5%E7%9C%8B"),
        )
        .await;
        assert_eq!(status, 403);
        let screener = app.signed_in("screener").await;
        let (status, _, _) = get_bytes(&app, &screener, &path("csv", "")).await;
        assert_eq!(status, 403);
    }
);
