//! SQL for the dashboard: a few grouped reads, scoped to the reader.

use std::collections::HashMap;

use super::model::{AreaRow, Counts, Dashboard, area_len, timing};
use crate::access::model::Scope;
use crate::db::{Tx, inside};
use crate::needs::model::{NeedStatus, Urgency};
use crate::orgs::model::division_name;
use crate::web::error::AppError;
use crate::{fetch_all, fetch_one};

/// The dashboard of the reader's jurisdiction.
pub async fn dashboard(tx: &mut Tx, scope: &Scope) -> Result<Dashboard, AppError> {
    if !scope.role().sees_needs() {
        return Err(AppError::Forbidden);
    }
    let within = scope.jurisdiction();
    // Bound as a 32-bit integer: PostgreSQL's substr takes no bigint.
    let len = area_len(within) as i32;
    // Needs by area, status, urgency and flag: every count is a sum of these.
    let groups = fetch_all!(
        tx,
        (String, String, String, bool, i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT substr(jurisdiction_code, 1, $2), status, urgency, escalated, COUNT(*), CAST(COALESCE(SUM(people), 0) AS BIGINT)
             FROM needs WHERE {} GROUP BY 1, 2, 3, 4",
            inside("jurisdiction_code", 1)
        )),
        within,
        len,
    )?;
    let mut totals = Counts::default();
    let mut areas: HashMap<String, Counts> = HashMap::new();
    for (area, status, urgency, escalated, n, people) in groups {
        let (Some(s), Some(u)) = (NeedStatus::parse(&status), Urgency::parse(&urgency)) else {
            continue;
        };
        totals.add(s, u, escalated, n, people);
        areas
            .entry(area)
            .or_default()
            .add(s, u, escalated, n, people);
    }
    // Goods sent to needs, by area and by item.
    let sent_by_area = fetch_all!(
        tx,
        (String, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT substr(division_code, 1, $2), CAST(SUM(quantity) AS BIGINT) FROM stock_movements
             WHERE kind = 'dispatch' AND {} GROUP BY 1",
            inside("division_code", 1)
        )),
        within,
        len,
    )?;
    let sent_by_area: HashMap<String, i64> = sent_by_area.into_iter().collect();
    let sent = fetch_all!(
        tx,
        crate::supply::model::LedgerItem,
        sqlx::AssertSqlSafe(format!(
            "SELECT i.id AS item_id, i.name_zh, i.name_en, i.unit_zh, i.unit_en, CAST(SUM(m.quantity) AS BIGINT) AS quantity
             FROM stock_movements m JOIN items i ON i.id = m.item_id
             WHERE m.kind = 'dispatch' AND {}
             GROUP BY i.id, i.name_zh, i.name_en, i.unit_zh, i.unit_en ORDER BY i.id",
            inside("m.division_code", 1)
        )),
        within,
    )?;
    let (money_fen, goods_value_fen) = fetch_one!(
        tx,
        (i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT CAST(COALESCE(SUM(CASE WHEN kind = 'money' THEN value_fen ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN kind = 'goods' THEN value_fen ELSE 0 END), 0) AS BIGINT)
             FROM offers WHERE (status = 'received' OR received > 0) AND {}",
            inside("division_code", 1)
        )),
        within,
    )?;
    // The first verification and delivery of each need, against its
    // creation (a need verified again after a reopen counts its first).
    let steps = fetch_all!(
        tx,
        (i64, String, time::OffsetDateTime, time::OffsetDateTime),
        sqlx::AssertSqlSafe(format!(
            "SELECT n.id, e.action, n.created_at, MIN(e.at) FROM events e JOIN needs n ON n.id = CAST(e.entity_id AS BIGINT)
             WHERE e.entity = 'need' AND e.action IN ('need.verify', 'need.deliver') AND {}
             GROUP BY n.id, e.action, n.created_at",
            inside("e.division_code", 1)
        )),
        within,
    )?;
    let (mut verify, mut deliver) = (Vec::new(), Vec::new());
    for (_, action, created, at) in steps {
        let minutes = ((at - created).whole_seconds().max(0) + 59) / 60;
        if action == "need.verify" {
            verify.push(minutes);
        } else {
            deliver.push(minutes);
        }
    }
    let mut rows: Vec<AreaRow> = areas
        .into_iter()
        .map(|(code, counts)| AreaRow {
            division_name: division_name(&code),
            units_sent: sent_by_area.get(&code).copied().unwrap_or(0),
            division_code: code,
            counts,
        })
        .collect();
    rows.sort_by(|a, b| a.division_code.cmp(&b.division_code));
    Ok(Dashboard {
        jurisdiction: within.to_owned(),
        jurisdiction_name: division_name(within),
        totals,
        areas: rows,
        to_verify: timing(verify),
        to_deliver: timing(deliver),
        sent,
        money_fen,
        goods_value_fen,
    })
}
