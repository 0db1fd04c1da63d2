use crate::both;
use crate::harness::*;

both!(audit_filters_and_exports_csv, |app| {
    let admin = app.signed_in("admin").await;
    let (_, signins) = json(
        admin
            .get(app.at("/api/audit?action=account&actor=admin"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        signins
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "account.sign_in")
    );
    let (status, errs) = json(
        admin
            .get(app.at("/api/audit?from=2021-13-01"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, errs["fields"][0]["field"].as_str()),
        (422, Some("from"))
    );
    let res = admin
        .get(app.at("/api/audit.csv?action=org.approve"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("audit.csv")
    );
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFid,at,actor,action"));
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert_eq!(
        text.lines().filter(|l| l.contains("org.approve")).count(),
        14
    );
    let today = time::OffsetDateTime::now_utc().date();
    let (_, none) = json(
        admin
            .get(app.at(&format!("/api/audit?to={}", today.previous_day().unwrap())))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(none.as_array().unwrap().len(), 0);
});
