//! The independent adversarial sets (tests/data), written from the rules
//! alone by someone who had not read the code: division names typed in a
//! division field, and pairs of needs that are or are not the same one.
//! Each prints where it disagrees, class by class, and holds the rate the
//! code reaches now, so that a change for the worse fails.

use std::collections::BTreeMap;

use serde_json::json;

use crate::both;

fn rows(file: &str) -> Vec<Vec<String>> {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// Per class: (right, all); and the rows wrong.
fn tally(results: &[(String, bool, String)]) -> (BTreeMap<String, (usize, usize)>, Vec<String>) {
    let mut by = BTreeMap::new();
    let mut wrong = Vec::new();
    for (class, ok, line) in results {
        let e = by.entry(class.clone()).or_insert((0, 0));
        e.1 += 1;
        if *ok {
            e.0 += 1;
        } else {
            wrong.push(line.clone());
        }
    }
    (by, wrong)
}

#[test]
fn division_names_typed_are_read_as_the_rule_says() {
    let results: Vec<(String, bool, String)> = rows("division_names_adversarial.tsv")
        .into_iter()
        .map(|r| {
            let (class, within, typed, expected) = (&r[1], &r[2], &r[3], &r[4]);
            let got = liandong::web::division_code_of(typed, within);
            // "none": the text comes back as typed, for the check to refuse.
            let ok = if expected == "none" {
                divisions::Tree::china().find(got.trim()).is_none()
            } else {
                got == *expected
            };
            (
                class.clone(),
                ok,
                format!(
                    "{} {class} {within:?} {typed:?}: want {expected}, got {got:?}",
                    r[0]
                ),
            )
        })
        .collect();
    let (by, wrong) = tally(&results);
    eprintln!(
        "division names by class (right/all): {by:?}\n{}",
        wrong.join("\n")
    );
    let right: usize = by.values().map(|v| v.0).sum();
    assert!(
        right * 100 >= results.len() * DIVISION_NAMES_RIGHT_PERCENT,
        "{right} of {}",
        results.len()
    );
}

/// 157 of 157 on 2026-12-04 (with former names read).
const DIVISION_NAMES_RIGHT_PERCENT: usize = 100;

both!(
    needs_that_are_the_same_one_are_shown_and_others_are_not,
    |app| {
        let op = app.signed_in("operator").await;
        let mut results = Vec::new();
        let mut untried = Vec::new();
        for (n, r) in rows("duplicates_adversarial.tsv").into_iter().enumerate() {
            let (class, expected) = (&r[1], &r[10]);
            let (status, a) = app
            .post(&op, "/api/needs", &json!({"kind": r[4], "urgency": "normal", "people": 1, "description": r[5],
                "contact_name": "甲", "contact_phone": r[2], "address": r[3], "idempotency_key": format!("adversarial-{n:04}")}))
            .await;
            if status != 201 {
                // A's own phone or address is refused (no phone, 无, an
                // extension, a number without its area code, outside the
                // office): the row cannot be tried. Counted apart.
                untried.push(format!("{} {class}: A refused {status} {a}", r[0]));
                continue;
            }
            let id = a["id"].as_i64().unwrap();
            let q = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("phone", &r[6]),
                    ("address", &r[7]),
                    ("kind", &r[8]),
                    ("description", &r[9]),
                ])
                .finish();
            let (_, similar) = app.get(&op, &format!("/api/needs/similar?{q}")).await;
            let shown = similar
                .as_array()
                .is_some_and(|l| l.iter().any(|s| s["need"]["id"] == id || s["id"] == id));
            let ok = shown == (expected == "same");
            results.push((
                class.clone(),
                ok,
                format!(
                    "{} {class}: want {expected}, shown {shown} ({})",
                    r[0], r[11]
                ),
            ));
            // Out of the way of the next rows.
            let (status, _) = app
                .post(
                    &op,
                    &format!("/api/needs/{id}/status"),
                    &json!({"to": "cancelled", "reason": "测试完毕"}),
                )
                .await;
            assert_eq!(status, 200);
        }
        let (by, wrong) = tally(&results);
        eprintln!(
            "duplicates by class (right/all): {by:?}\n{}\nnot tried ({}):\n{}",
            wrong.join("\n"),
            untried.len(),
            untried.join("\n")
        );
        assert!(
            untried.len() <= DUPLICATES_UNTRIED,
            "{}",
            untried.join("\n")
        );
        let right: usize = by.values().map(|v| v.0).sum();
        assert!(
            right * 100 >= results.len() * DUPLICATES_RIGHT_PERCENT,
            "{right} of {}",
            results.len()
        );
    }
);

/// 211 of the 216 tried on 2026-12-04: a landline typed without 029, and two
/// community names the resolver reads less precisely than the set expects.
const DUPLICATES_RIGHT_PERCENT: usize = 97;
/// Rows whose first need cannot be taken (9 on 2026-12-04).
const DUPLICATES_UNTRIED: usize = 9;
