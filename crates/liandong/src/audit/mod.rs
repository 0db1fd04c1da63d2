//! The audit log: who changed what and who revealed which personal field.
pub mod api;
pub mod model;
pub mod pages;
pub mod store;

/// CSV of events for the export. Cells that a spreadsheet would run as a
/// formula are prefixed with `'`; a UTF-8 BOM lets Chinese Excel open it.
pub fn events_csv(events: &[model::Event]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::from(b"\xEF\xBB\xBF".as_slice()));
    w.write_record([
        "id",
        "at",
        "actor",
        "action",
        "entity",
        "entity_id",
        "division_code",
        "ip",
        "reason",
        "before",
        "after",
    ])?;
    let cell = crate::tables::cell;
    for e in events {
        let json = |v: &Option<sqlx::types::Json<serde_json::Value>>| {
            v.as_ref().map(|j| j.0.to_string()).unwrap_or_default()
        };
        // Beijing time, as on screen, with its offset (2021-12-23T18:10:00+08:00).
        let at =
            e.at.to_offset(time::macros::offset!(+8))
                .format(&time::format_description::well_known::Rfc3339)?;
        w.write_record([
            e.id.to_string(),
            at,
            cell(&e.actor_name),
            cell(&e.action),
            cell(&e.entity),
            cell(&e.entity_id),
            cell(&e.division_code),
            cell(&e.ip),
            cell(&e.reason),
            cell(&json(&e.before)),
            cell(&json(&e.after)),
        ])?;
    }
    Ok(w.into_inner()?)
}
