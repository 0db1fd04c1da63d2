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
    // Needs by division, status, urgency and flag, summed up here by area:
    // grouped in the order of the covering index `needs_areas`, the
    // engine streams through it (grouping by the area's prefix in SQL
    // sorted every need first: 0.13 s of SQLite's time at 100,000).
    let groups = fetch_all!(
        tx,
        (String, String, String, bool, i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT jurisdiction_code, status, urgency, escalated, COUNT(*), CAST(COALESCE(SUM(people), 0) AS BIGINT)
             FROM needs WHERE {} GROUP BY jurisdiction_code, status, urgency, escalated",
            inside("jurisdiction_code", 1)
        )),
        within,
    )?;
    let mut totals = Counts::default();
    let mut areas: HashMap<String, Counts> = HashMap::new();
    for (code, status, urgency, escalated, n, people) in groups {
        let (Some(s), Some(u)) = (NeedStatus::parse(&status), Urgency::parse(&urgency)) else {
            continue;
        };
        totals.add(s, u, escalated, n, people);
        let area = code.get(..len as usize).unwrap_or(&code);
        if let Some(counts) = areas.get_mut(area) {
            counts.add(s, u, escalated, n, people);
        } else {
            let mut counts = Counts::default();
            counts.add(s, u, escalated, n, people);
            areas.insert(area.to_owned(), counts);
        }
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
    // Minutes to the first verification and delivery, as written with
    // each need's move: grouped by value, one read of needs (no events).
    let mut steps = [Vec::new(), Vec::new()];
    for (i, column) in ["verified_minutes", "delivered_minutes"].iter().enumerate() {
        steps[i] = fetch_all!(
            tx,
            (i64, i64),
            sqlx::AssertSqlSafe(format!(
                "SELECT CAST({column} AS BIGINT), COUNT(*) FROM needs
                 WHERE {column} IS NOT NULL AND {} GROUP BY 1",
                inside("jurisdiction_code", 1)
            )),
            within,
        )?;
    }
    let [verify, deliver] = steps;
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
