//! SQL for screening: uploads waiting for their columns to be checked,
//! lists taken row by row (the good rows taken, the bad ones named),
//! leads made one subject per person and routed to the street that owns
//! them, and the subjects a street holds (masked, revealed by audited
//! action).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::model::{
    Field, Known, Lead, ListKind, Load, RoutedBy, Shift, lead, route, same_person, shift_at, split,
};
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::record;
use crate::db::{Db, Ts, Tx, inside, json_ids, json_list, json_rows};
use crate::tables::Upload;
use crate::web::error::{AppError, FieldError, Invalid};
use crate::{execute, fetch_all, fetch_optional, fetch_scalar};

/// Days apart two sightings of one phone (with no name or ID number to go
/// by) still count as one person's trip.
pub const TRIP_WINDOW_DAYS: i64 = 14;

/// Rows taken in a list's first transaction; later ones double while a
/// transaction stays under `BATCH_TIME`, up to `MAX_BATCH`. Big batches
/// write an index page once for many rows (measured on a million rows:
/// 61 s in batches of 4,000, 31 s in batches of 50,000); other writers
/// wait behind a big list at most about `BATCH_TIME`. A list cut off (a
/// crash) goes on from its last batch when sent again.
const FIRST_BATCH: usize = 4_000;
const BATCH_TIME: std::time::Duration = std::time::Duration::from_secs(2);
const MAX_BATCH: usize = 50_000;

/// The next batch's size after one of `size` rows took `took`.
fn next_batch(size: usize, took: std::time::Duration) -> usize {
    if took < BATCH_TIME / 2 {
        (size * 2).min(MAX_BATCH)
    } else if took > BATCH_TIME {
        (size / 2).max(FIRST_BATCH)
    } else {
        size
    }
}

/// SQLite's page cache while a batch of a list is taken, in KiB (the
/// connection's usual 32 MiB again after): a batch touches tens of MB of
/// index pages, and each page found in the cache is a read saved.
const IMPORT_CACHE_KIB: i64 = 131_072;

/// Set SQLite's page cache of the connection `tx` holds.
async fn cache(tx: &mut Tx, kib: i64) -> sqlx::Result<()> {
    if matches!(tx, Tx::Sqlite(_)) {
        // A number of ours, not input.
        execute!(
            &mut *tx,
            sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{kib}"))
        )?;
    }
    Ok(())
}

/// A chunk of a list's rows, checked, with its good rows' addresses read.
struct Prepared {
    good: Vec<(usize, Lead)>,
    refused: Vec<(usize, Vec<FieldError>)>,
    residences: Vec<String>,
    registrations: Vec<String>,
}

/// Check a chunk's rows and read their addresses on the blocking threads
/// (all cores).
fn prepare(
    rows: Vec<(usize, Vec<String>)>,
    map: &Arc<BTreeMap<Field, usize>>,
    near: Option<divisions::DivisionId>,
) -> tokio::task::JoinHandle<Prepared> {
    let map = Arc::clone(map);
    tokio::task::spawn_blocking(move || {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let part = rows.len().div_ceil(threads).max(1);
        let checked: Vec<(usize, Result<Lead, Vec<FieldError>>)> = std::thread::scope(|s| {
            let handles: Vec<_> = rows
                .chunks(part)
                .map(|rows| {
                    let map = &map;
                    s.spawn(move || {
                        rows.iter()
                            .map(|(line, row)| (*line, lead(row, map)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        drop(rows);
        let mut good = Vec::with_capacity(checked.len());
        let mut refused = Vec::new();
        for (line, r) in checked {
            match r {
                Ok(l) => good.push((line, l)),
                Err(es) => refused.push((line, es)),
            }
        }
        let read = |f: fn(&Lead) -> &String| -> Vec<String> {
            let texts: Vec<String> = good.iter().map(|(_, l)| f(l).clone()).collect();
            crate::needs::store::read_with(&texts, near)
                .into_iter()
                .map(|(code, _)| code)
                .collect()
        };
        let residences = read(|l| &l.residence);
        let registrations = read(|l| &l.registered);
        Prepared {
            good,
            refused,
            residences,
            registrations,
        }
    })
}

/// The most refused rows a report keeps (the count has them all).
const MAX_REPORTED: usize = 1000;

/// The rows a list may hold (web and command line alike).
pub const MAX_ROWS: usize = 1_000_000;
/// The columns a list is read with.
pub const MAX_COLUMNS: usize = 40;

pub(crate) fn screens(scope: &Scope) -> Result<(), AppError> {
    if scope.role().screens() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Keep an upload until its columns are checked: its id.
pub async fn keep_upload(
    db: &Db,
    scope: &Scope,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, AppError> {
    screens(scope)?;
    let mut tx = db.write().await?;
    // Uploads older than a day were abandoned.
    execute!(
        &mut tx,
        "DELETE FROM screening_uploads WHERE uploaded_at < $1",
        Ts::from(crate::db::now() - time::Duration::days(1))
    )?;
    let id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO screening_uploads (file_name, content, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4) RETURNING id",
        file_name,
        bytes,
        scope.account_id(),
        crate::db::stamp()
    )?;
    tx.commit().await?;
    Ok(id)
}

/// An upload kept for the caller: its name and bytes.
pub async fn upload(tx: &mut Tx, scope: &Scope, id: i64) -> Result<(String, Vec<u8>), AppError> {
    screens(scope)?;
    fetch_optional!(
        &mut *tx,
        (String, Vec<u8>),
        "SELECT file_name, content FROM screening_uploads WHERE id = $1 AND uploaded_by = $2",
        id,
        scope.account_id()
    )?
    .ok_or(AppError::NotFound)
}

/// The mapping a source used last (field → header text).
pub async fn saved_mapping(tx: &mut Tx, source: &str) -> sqlx::Result<BTreeMap<String, String>> {
    let text = fetch_optional!(
        &mut *tx,
        (String,),
        "SELECT mapping FROM screening_sources WHERE name = $1",
        source.trim()
    )?;
    Ok(text
        .and_then(|(t,)| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

/// Sources known, by name.
pub async fn sources(tx: &mut Tx) -> sqlx::Result<Vec<String>> {
    Ok(fetch_all!(
        &mut *tx,
        (String,),
        "SELECT name FROM screening_sources ORDER BY name LIMIT 500"
    )?
    .into_iter()
    .map(|(n,)| n)
    .collect())
}

/// A refused row: its line (as the spreadsheet shows it), the field and
/// the message key.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub key: String,
}

/// What became of a list.
#[derive(Debug, Clone, Serialize, ToSchema, Default)]
pub struct Report {
    pub list_id: i64,
    pub source: String,
    #[schema(value_type = ListKind)]
    pub kind: String,
    pub file_name: String,
    /// This list was sent before (same source, same rows): nothing new.
    pub already: bool,
    pub rows_read: i64,
    /// People seen for the first time.
    pub new_subjects: i64,
    /// Rows that are someone already known (another source added).
    pub joined: i64,
    /// Rows this source had sent already.
    pub repeated: i64,
    pub refused: i64,
    /// The refused rows (the first 1,000).
    pub errors: Vec<RowError>,
    /// Unlocated people dealt among streets: street → how many.
    pub split: BTreeMap<String, i64>,
}

/// The content of a list: the same rows in the same order, whatever the
/// file's name or format.
fn content_key(upload: &Upload) -> String {
    let mut h = Sha256::new();
    for cell in &upload.headers {
        h.update(cell.as_bytes());
        h.update([0x1f]);
    }
    for (_, row) in &upload.rows {
        h.update([0x1e]);
        for cell in row {
            h.update(cell.trim().as_bytes());
            h.update([0x1f]);
        }
    }
    crate::hex(&h.finalize())
}

/// The streets an office of `jurisdiction` deals unlocated people to:
/// every street inside it (a street office: itself).
fn streets_of(jurisdiction: &str) -> Vec<String> {
    let tree = divisions::Tree::china();
    let Some(top) = tree.find(jurisdiction).filter(|_| jurisdiction.len() >= 2) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack = vec![top];
    while let Some(d) = stack.pop() {
        if d.level() == divisions::DivisionLevel::Street {
            out.push(d.code());
        } else if d.level() < divisions::DivisionLevel::Street {
            stack.extend(d.children());
        }
    }
    out.sort();
    out
}

/// Take a list: each good row a lead of its person (one subject per
/// person), the bad rows named by line and field, nothing twice. Rows are
/// taken in batches; `progress` hears how many rows are done.
#[allow(clippy::too_many_arguments)]
pub async fn import(
    db: &Db,
    scope: &Scope,
    home: &str,
    source: &str,
    kind: ListKind,
    file_name: &str,
    upload: Upload,
    map: &BTreeMap<Field, usize>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Report, AppError> {
    screens(scope)?;
    let mut errors = Invalid::default();
    errors.text("source", source, 60);
    if !map.contains_key(&Field::Phone) && !map.contains_key(&Field::IdNumber) {
        errors.push(FieldError::new("mapping", "err-screening-mapping"));
    }
    if upload.rows.len() > MAX_ROWS {
        errors.push(FieldError::counted(
            "file",
            "err-screening-rows",
            MAX_ROWS as i64,
        ));
    }
    errors.into_result()?;
    let source = source.trim();
    // The office's area: where unlocated people are dealt, and who reads
    // the addresses (an admin's whole country reads as the deployment).
    let office = if scope.jurisdiction().is_empty() {
        home
    } else {
        scope.jurisdiction()
    };
    let key = content_key(&upload);
    let total = upload.rows.len();
    let saved: BTreeMap<String, String> = map
        .iter()
        .filter_map(|(f, i)| Some((f.as_str().to_owned(), upload.headers.get(*i)?.clone())))
        .collect();

    let mut tx = db.write().await?;
    let source_id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO screening_sources (name, mapping, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET mapping = $2 RETURNING id",
        source,
        serde_json::to_string(&saved).unwrap_or_default(),
        crate::db::stamp()
    )?;
    let earlier = fetch_optional!(
        &mut tx,
        (i64, String),
        "SELECT id, status FROM screening_lists WHERE source_id = $1 AND content_key = $2",
        source_id,
        &key
    )?;
    let list_id = match earlier {
        Some((id, status)) if status == "done" => {
            tx.commit().await?;
            let mut read = db.read().await?;
            let mut r = report(&mut read, scope, id).await?;
            r.already = true;
            return Ok(r);
        }
        // Cut off before: go on (rows already taken are found as repeated).
        Some((id, _)) => id,
        None => fetch_scalar!(
            &mut tx,
            i64,
            "INSERT INTO screening_lists (source_id, kind, file_name, content_key, jurisdiction_code, status, rows_read,
                new_subjects, joined, repeated, refused, report, imported_by, imported_at)
             VALUES ($1, $2, $3, $4, $5, 'importing', $6, 0, 0, 0, 0, '[]', $7, $8) RETURNING id",
            source_id,
            kind.as_str(),
            file_name,
            &key,
            office,
            total as i64,
            scope.account_id(),
            crate::db::stamp()
        )?,
    };
    tx.commit().await?;

    // Rows are checked and their addresses read a chunk ahead on the
    // blocking threads while the chunk before is written; each chunk's
    // cells are freed once read, so memory holds the list once.
    let near = crate::divisions::model::jurisdiction_id(office);
    let map = Arc::new(map.clone());
    let mut rows = upload.rows.into_iter();
    let mut size = FIRST_BATCH;
    let mut ahead = Some(prepare(rows.by_ref().take(size).collect(), &map, near));
    let now = crate::db::now();
    let (mut new_subjects, mut joined, mut repeated) = (0i64, 0i64, 0i64);
    let mut refused: Vec<RowError> = Vec::new();
    let mut refused_count = 0i64;
    let mut done = 0;
    while let Some(next) = ahead.take() {
        let chunk = next.await.map_err(anyhow::Error::from)?;
        let started = std::time::Instant::now();
        let batch: Vec<(usize, Vec<String>)> = rows.by_ref().take(size).collect();
        if !batch.is_empty() {
            ahead = Some(prepare(batch, &map, near));
        }
        for (line, es) in &chunk.refused {
            refused_count += 1;
            for e in es {
                if refused.len() < MAX_REPORTED {
                    refused.push(RowError {
                        line: *line,
                        field: e.field.to_owned(),
                        key: e.key.to_owned(),
                    });
                }
            }
        }
        let takes: Vec<Take> = chunk
            .good
            .iter()
            .zip(&chunk.residences)
            .zip(&chunk.registrations)
            .map(|(((line, lead), residence), registered)| Take {
                line: *line,
                lead,
                residence,
                registered,
            })
            .collect();
        let mut tx = db.write().await?;
        // The pool's connections take turns: the big cache lasts one
        // batch on one connection, failed or not.
        cache(&mut tx, IMPORT_CACHE_KIB).await?;
        let taken = take_leads(&mut tx, (list_id, source_id, kind), &takes, now).await;
        cache(&mut tx, crate::db::CACHE_KIB).await?;
        for taken in taken? {
            match taken {
                Taken::Repeated => repeated += 1,
                Taken::Joined(_) => joined += 1,
                Taken::New(_) => new_subjects += 1,
            }
        }
        tx.commit().await?;
        done += chunk.good.len() + chunk.refused.len();
        progress(done);
        size = next_batch(size, started.elapsed());
    }

    // Unlocated people (and any a cut-off run left): dealt among the
    // office's streets by their open subjects, the split recorded.
    let mut tx = db.write().await?;
    let dealt = deal(&mut tx, list_id, office).await?;
    execute!(
        &mut tx,
        "UPDATE screening_lists SET status = 'done', new_subjects = new_subjects + $1, joined = joined + $2,
            repeated = repeated + $3, refused = $4, report = $5 WHERE id = $6",
        new_subjects,
        joined,
        repeated,
        refused_count,
        serde_json::to_string(&(&refused, &dealt)).unwrap_or_default(),
        list_id
    )?;
    record(
        &mut tx,
        NewEvent::by(scope, "screening.import", "screening_list", list_id, office).after(
            serde_json::json!({"source": source, "kind": kind.as_str(), "rows": total,
                "new_subjects": new_subjects, "joined": joined, "repeated": repeated,
                "refused": refused_count, "split": dealt}),
        ),
    )
    .await?;
    tx.commit().await?;
    let mut read = db.read().await?;
    report(&mut read, scope, list_id).await
}

/// Deal the list's people with no known street among the office's
/// streets by their open subjects (model `split`): street → how many.
async fn deal(tx: &mut Tx, list_id: i64, office: &str) -> sqlx::Result<BTreeMap<String, i64>> {
    let left: Vec<i64> = fetch_all!(
        &mut *tx,
        (i64,),
        "SELECT s.id FROM subjects s WHERE s.holder_division = ''
         AND EXISTS (SELECT 1 FROM leads l WHERE l.subject_id = s.id AND l.list_id = $1) ORDER BY s.id",
        list_id
    )?
    .into_iter()
    .map(|(id,)| id)
    .collect();
    let streets = streets_of(office);
    let mut dealt: BTreeMap<String, i64> = BTreeMap::new();
    if !left.is_empty() && !streets.is_empty() {
        let loads: HashMap<String, i64> = fetch_all!(
            &mut *tx,
            (String, i64),
            sqlx::AssertSqlSafe(format!(
                "SELECT holder_division, COUNT(*) FROM subjects WHERE status = 'open' AND {} GROUP BY holder_division",
                inside("holder_division", 1)
            )),
            office
        )?
        .into_iter()
        .collect();
        let seats = staffed_seats(tx, office).await?;
        let workload: Vec<Load> = streets
            .iter()
            .map(|s| Load {
                code: s.clone(),
                open: loads.get(s).copied().unwrap_or(0),
                seats: seats.get(s).copied().unwrap_or(0),
            })
            .collect();
        let mut to: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for (id, street) in left.iter().zip(split(left.len(), &workload)) {
            to.entry(street).or_default().push(*id);
        }
        for (street, ids) in to {
            let ids_in = json_ids(tx, 3);
            execute!(
                &mut *tx,
                sqlx::AssertSqlSafe(format!(
                    "UPDATE subjects SET holder_division = $1, updated_at = $2 WHERE id IN {}",
                    ids_in
                )),
                &street,
                crate::db::stamp(),
                json(&ids)
            )?;
            dealt.insert(street, ids.len() as i64);
        }
    }
    Ok(dealt)
}

/// The Beijing day and the shift now (the night belongs to the evening
/// shift of the day before).
fn shift_now() -> (String, Shift) {
    let (shift, began) = shift_at(crate::db::now());
    (
        began
            .to_offset(time::macros::offset!(+8))
            .date()
            .to_string(),
        shift,
    )
}

/// Seats staffed in the shift now, by street, inside `area` (a
/// community's staff count for its street).
async fn staffed_seats(tx: &mut Tx, area: &str) -> sqlx::Result<HashMap<String, i64>> {
    let (day, shift) = shift_now();
    let mut out: HashMap<String, i64> = HashMap::new();
    for (code, n) in fetch_all!(
        &mut *tx,
        (String, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT division_code, COUNT(*) FROM shift_staff WHERE day = $2 AND shift = $3 AND {}
             GROUP BY division_code",
            inside("division_code", 1)
        )),
        area,
        &day,
        shift.as_str()
    )? {
        if code.len() >= 9 {
            *out.entry(code[..9].to_owned()).or_default() += n;
        }
    }
    Ok(out)
}

/// What became of one lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taken {
    /// This source sent this very row before.
    Repeated,
    /// Someone known: another source on their subject.
    Joined(i64),
    /// Someone new: a subject of their own.
    New(i64),
}

impl Taken {
    fn id(self) -> i64 {
        match self {
            Taken::Repeated => 0,
            Taken::Joined(id) | Taken::New(id) => id,
        }
    }
}

/// The people a lead may be: the first fifty by id with its ID number or
/// its phone, as the one-by-one lookup read them. A phone on thousands of
/// subjects (a venue's desk) is still read whole once a batch: capping it
/// in SQL (`ROW_NUMBER() OVER (PARTITION BY phone …)`) cost that read half
/// again on every list.
const CANDIDATES: usize = 50;

/// A lead to take, with its addresses' division codes as read.
struct Take<'a> {
    line: usize,
    lead: &'a Lead,
    residence: &'a str,
    registered: &'a str,
}

/// PostgreSQL advisory lock held by whoever is deciding which subject a
/// lead is: two servers importing lists with the same new person must
/// not both make them a subject (SQLite's one writer does this already).
const DEDUPE_LOCK: i64 = 0x5c12_0012;

/// A subject as this batch leaves it: read (`id` > 0), or new (made
/// from its first lead, `id` < 0 until ids are drawn).
struct Person {
    known: Known,
    /// The read subject lacked a name, phone or ID number this batch gave.
    filled: bool,
    /// Read, and this batch changes it (a later sighting, a fill, a
    /// self-report): written back.
    touched: bool,
    /// New: the lead it was made from.
    first: Option<usize>,
}

/// Take a batch of a list's leads (`list`: its id, source and kind) in
/// the caller's transaction: each repeated, joined to the person it is,
/// or a new subject routed by its addresses. Set-based: the rows this
/// source sent before and the people the batch may be are read in two
/// statements, decided here with `same_person` in order (a person twice
/// in the batch is one subject), and written in four.
async fn take_leads(
    tx: &mut Tx,
    (list_id, source_id, kind): (i64, i64, ListKind),
    takes: &[Take<'_>],
    now: OffsetDateTime,
) -> sqlx::Result<Vec<Taken>> {
    if matches!(tx, Tx::Postgres(_)) {
        execute!(&mut *tx, "SELECT pg_advisory_xact_lock($1)", DEDUPE_LOCK)?;
    }
    // Rows this source sent before: found by their hash, confirmed by
    // their content.
    let hashes: Vec<i64> = takes.iter().map(|t| t.lead.row_hash()).collect();
    let hashes_in = json_ids(tx, 2);
    let mut seen: HashMap<i64, Vec<[String; 7]>> = HashMap::new();
    for (hash, a, b, c, d, e, f, g) in fetch_all!(
        &mut *tx,
        (i64, String, String, String, String, String, String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT row_hash, name, phone, id_number, residence_address, registered_address, trip, seen_on
             FROM leads WHERE source_id = $1 AND row_hash IN {}",
            hashes_in
        )),
        source_id,
        json(&hashes)
    )? {
        seen.entry(hash).or_default().push([a, b, c, d, e, f, g]);
    }
    let was_seen = |hash: i64, l: &Lead| {
        seen.get(&hash).is_some_and(|rows| {
            rows.iter()
                .any(|r| r.iter().map(String::as_str).eq(l.content()))
        })
    };
    let wanted = |f: fn(&Lead) -> &str| -> String {
        let set: BTreeSet<&str> = takes
            .iter()
            .map(|t| f(t.lead))
            .filter(|v| !v.is_empty())
            .collect();
        json(&set)
    };
    let ids_in = json_list(tx, 1);
    let phones_in = json_list(tx, 2);
    let mut people: Vec<Person> = fetch_all!(
        &mut *tx,
        (i64, String, String, String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT id, name, phone, id_number, last_seen_on FROM subjects
             WHERE id_number <> '' AND id_number IN {}
             UNION SELECT id, name, phone, id_number, last_seen_on FROM subjects
             WHERE phone IN {} ORDER BY id",
            ids_in, phones_in
        )),
        wanted(|l| &l.id_number),
        wanted(|l| &l.phone)
    )?
    .into_iter()
    .map(|(id, name, phone, id_number, last_seen_on)| Person {
        known: Known {
            id,
            name,
            phone,
            id_number,
            last_seen_on,
        },
        filled: false,
        touched: false,
        first: None,
    })
    .collect();
    // Who may be whom: by ID number and by phone, in id order (new
    // people after the read ones), as the one-by-one lookup read them.
    let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_phone: HashMap<String, Vec<usize>> = HashMap::new();
    let index =
        |p: usize, k: &Known, by_id: &mut HashMap<_, Vec<_>>, by_phone: &mut HashMap<_, Vec<_>>| {
            if !k.id_number.is_empty() {
                by_id.entry(k.id_number.clone()).or_default().push(p);
            }
            if !k.phone.is_empty() {
                by_phone.entry(k.phone.clone()).or_default().push(p);
            }
        };
    for (p, person) in people.iter().enumerate() {
        index(p, &person.known, &mut by_id, &mut by_phone);
    }

    let self_report = kind == ListKind::SelfReport;
    let mut in_batch: HashSet<[&str; 7]> = HashSet::new();
    // Per lead: the person it is (None: repeated).
    let mut whose: Vec<Option<usize>> = Vec::with_capacity(takes.len());
    for (i, t) in takes.iter().enumerate() {
        let l = t.lead;
        if !in_batch.insert(l.content()) || was_seen(hashes[i], l) {
            whose.push(None);
            continue;
        }
        let mut near: Vec<usize> = [by_id.get(&l.id_number), by_phone.get(&l.phone)]
            .into_iter()
            .flatten()
            .flatten()
            .copied()
            .collect();
        near.sort_unstable();
        near.dedup();
        near.truncate(CANDIDATES);
        let candidates: Vec<Known> = near.iter().map(|&p| people[p].known.clone()).collect();
        let p = match same_person(l, &candidates, TRIP_WINDOW_DAYS) {
            Some(id) => {
                let p = near[candidates.iter().position(|k| k.id == id).unwrap_or(0)];
                let person = &mut people[p];
                // A self-report marks the subject; otherwise a row that
                // changes nothing (an earlier sighting, nothing to fill)
                // leaves it unwritten.
                person.touched |= self_report;
                let k = &mut person.known;
                let (had_id, had_phone) = (!k.id_number.is_empty(), !k.phone.is_empty());
                for (mine, theirs) in [
                    (&mut k.name, &l.name),
                    (&mut k.id_number, &l.id_number),
                    (&mut k.phone, &l.phone),
                ] {
                    if mine.is_empty() && !theirs.is_empty() {
                        mine.clone_from(theirs);
                        person.filled = true;
                    }
                }
                if l.seen_on > k.last_seen_on {
                    k.last_seen_on.clone_from(&l.seen_on);
                    person.touched = true;
                }
                person.touched |= person.filled;
                if !had_id && !k.id_number.is_empty() {
                    by_id.entry(k.id_number.clone()).or_default().push(p);
                }
                if !had_phone && !k.phone.is_empty() {
                    by_phone.entry(k.phone.clone()).or_default().push(p);
                }
                p
            }
            None => {
                let p = people.len();
                let known = Known {
                    id: -(p as i64) - 1,
                    name: l.name.clone(),
                    phone: l.phone.clone(),
                    id_number: l.id_number.clone(),
                    last_seen_on: l.seen_on.clone(),
                };
                index(p, &known, &mut by_id, &mut by_phone);
                people.push(Person {
                    known,
                    filled: false,
                    touched: false,
                    first: Some(i),
                });
                p
            }
        };
        whose.push(Some(p));
    }

    // Ids for the new people, drawn as the engine would have.
    let fresh: Vec<usize> = (0..people.len())
        .filter(|&p| people[p].first.is_some())
        .collect();
    let ids: Vec<i64> = match tx {
        Tx::Sqlite(_) if !fresh.is_empty() => {
            let top = fetch_scalar!(&mut *tx, i64, "SELECT COALESCE(MAX(id), 0) FROM subjects")?;
            (1..=fresh.len() as i64).map(|n| top + n).collect()
        }
        Tx::Postgres(_) if !fresh.is_empty() => fetch_all!(
            &mut *tx,
            (i64,),
            "SELECT nextval(pg_get_serial_sequence('subjects', 'id')) FROM generate_series(1, $1) ORDER BY 1",
            fresh.len() as i64
        )?
        .into_iter()
        .map(|(id,)| id)
        .collect(),
        _ => Vec::new(),
    };
    for (&p, &id) in fresh.iter().zip(&ids) {
        people[p].known.id = id;
    }
    let stamp = Ts::from(now);
    if !fresh.is_empty() {
        let rows: Vec<_> = fresh
            .iter()
            .map(|&p| {
                let (k, t) = (&people[p].known, &takes[people[p].first.unwrap_or(0)]);
                let (holder, by) =
                    route(t.residence, t.registered).unwrap_or((String::new(), RoutedBy::Split));
                (
                    k.id,
                    &k.name,
                    &k.phone,
                    &k.id_number,
                    &t.lead.residence,
                    t.residence,
                    &t.lead.registered,
                    t.registered,
                    holder,
                    by.as_str(),
                    &k.last_seen_on,
                )
            })
            .collect();
        let from = json_rows(tx, 3);
        execute!(
            &mut *tx,
            sqlx::AssertSqlSafe(format!(
                "INSERT INTO subjects (id, name, phone, id_number, residence_address, residence_division,
                    registered_address, registered_division, holder_division, routed_by, status,
                    last_seen_on, self_reported_at, created_at, updated_at)
                 SELECT CAST(j.value ->> 0 AS BIGINT), j.value ->> 1, j.value ->> 2, j.value ->> 3,
                    j.value ->> 4, j.value ->> 5, j.value ->> 6, j.value ->> 7, j.value ->> 8,
                    j.value ->> 9, 'open', j.value ->> 10, CASE WHEN $1 THEN $2 END, $2, $2
                 FROM {}",
                from
            )),
            self_report,
            stamp,
            json(&rows)
        )?;
    }
    // Read subjects seen again: their latest sighting kept, what they
    // lacked filled in (only then are the indexed columns written).
    for filled in [false, true] {
        let rows: Vec<_> = people
            .iter()
            .filter(|p| p.touched && p.first.is_none() && p.filled == filled)
            .map(|p| {
                let k = &p.known;
                (k.id, &k.name, &k.id_number, &k.phone, &k.last_seen_on)
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let fill = if filled {
            "name = CASE WHEN subjects.name = '' THEN j.value ->> 1 ELSE subjects.name END,
             id_number = CASE WHEN subjects.id_number = '' THEN j.value ->> 2 ELSE subjects.id_number END,
             phone = CASE WHEN subjects.phone = '' THEN j.value ->> 3 ELSE subjects.phone END,"
        } else {
            ""
        };
        let from = json_rows(tx, 3);
        execute!(
            &mut *tx,
            sqlx::AssertSqlSafe(format!(
                "UPDATE subjects SET {fill}
                    last_seen_on = CASE WHEN j.value ->> 4 > subjects.last_seen_on THEN j.value ->> 4
                        ELSE subjects.last_seen_on END,
                    self_reported_at = CASE WHEN $1 AND subjects.self_reported_at IS NULL THEN $2
                        ELSE subjects.self_reported_at END,
                    updated_at = $2
                 FROM {} WHERE subjects.id = CAST(j.value ->> 0 AS BIGINT)",
                from
            )),
            self_report,
            stamp,
            json(&rows)
        )?;
    }
    // A person twice in the batch is new once; the second lead joins.
    let taken: Vec<Taken> = whose
        .iter()
        .enumerate()
        .map(|(i, w)| match *w {
            None => Taken::Repeated,
            Some(p) if people[p].first == Some(i) => Taken::New(people[p].known.id),
            Some(p) => Taken::Joined(people[p].known.id),
        })
        .collect();
    let rows: Vec<_> = takes
        .iter()
        .zip(&taken)
        .zip(&hashes)
        .filter(|((_, t), _)| **t != Taken::Repeated)
        .map(|((t, taken), hash)| {
            let l = t.lead;
            (
                taken.id(),
                t.line as i64,
                hash,
                &l.name,
                &l.phone,
                &l.id_number,
                &l.residence,
                &l.registered,
                &l.trip,
                &l.seen_on,
            )
        })
        .collect();
    if !rows.is_empty() {
        let from = json_rows(tx, 5);
        execute!(
            &mut *tx,
            sqlx::AssertSqlSafe(format!(
                "INSERT INTO leads (list_id, source_id, subject_id, kind, line, row_hash, name, phone,
                    id_number, residence_address, registered_address, trip, seen_on, created_at)
                 SELECT $1, $2, CAST(j.value ->> 0 AS BIGINT), $3, CAST(j.value ->> 1 AS BIGINT),
                    CAST(j.value ->> 2 AS BIGINT), j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6,
                    j.value ->> 7, j.value ->> 8, j.value ->> 9, $4
                 FROM {}",
                from
            )),
            list_id,
            source_id,
            kind.as_str(),
            stamp,
            json(&rows)
        )?;
    }
    Ok(taken)
}

/// Values as a JSON array, for `json_rows` and `json_list`.
fn json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// A list's report (the office that imported it, or above).
pub async fn report(tx: &mut Tx, scope: &Scope, list_id: i64) -> Result<Report, AppError> {
    screens(scope)?;
    let row = fetch_optional!(
        &mut *tx,
        (i64, String, String, String, i64, i64, i64, i64, i64, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT l.id, s.name, l.kind, l.file_name, l.rows_read, l.new_subjects, l.joined, l.repeated, l.refused, l.report
             FROM screening_lists l JOIN screening_sources s ON s.id = l.source_id
             WHERE l.id = $1 AND {}",
            inside("l.jurisdiction_code", 2)
        )),
        list_id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)?;
    let (id, source, kind, file_name, rows_read, new_subjects, joined, repeated, refused, text) =
        row;
    let (errors, split): (Vec<RowError>, BTreeMap<String, i64>) =
        serde_json::from_str(&text).unwrap_or_default();
    Ok(Report {
        list_id: id,
        source,
        kind,
        file_name,
        already: false,
        rows_read,
        new_subjects,
        joined,
        repeated,
        refused,
        errors,
        split,
    })
}

/// A list as the lists page shows it.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct List {
    pub id: i64,
    pub source: String,
    #[schema(value_type = ListKind)]
    pub kind: String,
    pub file_name: String,
    pub status: String,
    pub rows_read: i64,
    pub new_subjects: i64,
    pub joined: i64,
    pub repeated: i64,
    pub refused: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub imported_at: OffsetDateTime,
}

/// Lists imported inside the caller's area, latest first (200).
pub async fn lists(tx: &mut Tx, scope: &Scope) -> Result<Vec<List>, AppError> {
    screens(scope)?;
    Ok(fetch_all!(
        &mut *tx,
        List,
        sqlx::AssertSqlSafe(format!(
            "SELECT l.id, s.name AS source, l.kind, l.file_name, l.status, l.rows_read, l.new_subjects, l.joined,
                l.repeated, l.refused, l.imported_at
             FROM screening_lists l JOIN screening_sources s ON s.id = l.source_id
             WHERE {} ORDER BY l.imported_at DESC, l.id DESC LIMIT 200",
            inside("l.jurisdiction_code", 1)
        )),
        scope.jurisdiction()
    )?)
}

/// A subject as the board shows it: name, phone and ID number masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Subject {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub residence_division: String,
    pub registered_division: String,
    pub holder_division: String,
    #[schema(value_type = RoutedBy)]
    pub routed_by: String,
    pub status: String,
    pub last_seen_on: String,
    /// How many rows of lists name them (each a source's word).
    pub leads: i64,
    /// The kinds of list they are on (transport, roaming, venue, self_report).
    pub kinds: Vec<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub self_reported_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_called_at: Option<OffsetDateTime>,
    /// Called already today (Beijing): nobody calls them again today
    /// unless they asked for a call-back.
    pub called_today: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub call_back_at: Option<OffsetDateTime>,
    /// Calls that found no one.
    pub attempts: i64,
    /// Who is calling them now ('' when no one).
    pub calling: String,
    pub closed_reason: String,
    pub moved_to_division: String,
}

/// How long a call holds its subject before another caller may take it
/// (a caller who closed the page without saying how the call went).
pub const CALL_HOLD: time::Duration = time::Duration::minutes(15);

/// A name as shown before a reveal: the family name and a mark for each
/// other character (张*, 欧阳**).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

#[derive(sqlx::FromRow)]
struct SubjectRow {
    id: i64,
    name: String,
    phone: String,
    id_number: String,
    residence_division: String,
    registered_division: String,
    holder_division: String,
    routed_by: String,
    status: String,
    last_seen_on: String,
    self_reported_at: Option<OffsetDateTime>,
    leads: i64,
    kinds: String,
    last_called_at: Option<OffsetDateTime>,
    call_back_at: Option<OffsetDateTime>,
    attempts: i64,
    call_started_at: Option<OffsetDateTime>,
    caller: Option<String>,
    closed_reason: String,
    moved_to_division: String,
}

impl SubjectRow {
    fn masked(self, now: OffsetDateTime) -> Subject {
        let mut kinds: Vec<String> = self
            .kinds
            .split(',')
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect();
        kinds.sort();
        kinds.dedup();
        Subject {
            id: self.id,
            name: mask_name(&self.name),
            phone: crate::phone::mask(&self.phone),
            id_number: crate::volunteers::model::mask_document(&self.id_number),
            residence_division: self.residence_division,
            registered_division: self.registered_division,
            holder_division: self.holder_division,
            routed_by: self.routed_by,
            status: self.status,
            last_seen_on: self.last_seen_on,
            leads: self.leads,
            kinds,
            self_reported_at: self.self_reported_at,
            called_today: self.last_called_at.is_some_and(|t| {
                let bj = time::macros::offset!(+8);
                t.to_offset(bj).date() == now.to_offset(bj).date()
            }),
            last_called_at: self.last_called_at,
            call_back_at: self.call_back_at,
            attempts: self.attempts,
            calling: match (self.caller, self.call_started_at) {
                (Some(name), Some(at)) if at > now - CALL_HOLD => name,
                _ => String::new(),
            },
            closed_reason: self.closed_reason,
            moved_to_division: self.moved_to_division,
        }
    }
}

/// The board's filters.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubjectFilter {
    /// A street or community code inside the caller's area.
    #[serde(default)]
    pub within: String,
    /// A list kind: those on such a list.
    #[serde(default)]
    #[param(value_type = Option<ListKind>)]
    pub kind: String,
    /// "split": those dealt by workload (no known residence).
    #[serde(default)]
    pub routed_by: String,
}

const SUBJECT_SQL: &str = "SELECT s.id, s.name, s.phone, s.id_number, s.residence_division, s.registered_division,
        s.holder_division, s.routed_by, s.status, s.last_seen_on, s.self_reported_at,
        (SELECT COUNT(*) FROM leads l WHERE l.subject_id = s.id) AS leads,
        COALESCE((SELECT GROUP_CONCAT(DISTINCT l.kind) FROM leads l WHERE l.subject_id = s.id), '') AS kinds,
        s.last_called_at, s.call_back_at, s.attempts, s.call_started_at, a.display_name AS caller,
        s.closed_reason, s.moved_to_division
    FROM subjects s LEFT JOIN accounts a ON a.id = s.caller_id";

/// `GROUP_CONCAT` as PostgreSQL spells it.
fn subject_sql(db: &Db) -> String {
    if db.engine() == "postgres" {
        SUBJECT_SQL.replace(
            "GROUP_CONCAT(DISTINCT l.kind)",
            "STRING_AGG(DISTINCT l.kind, ',')",
        )
    } else {
        SUBJECT_SQL.to_owned()
    }
}

/// SQL: the subject `s` is seen by the office of `$n`: the one that holds
/// them, and the offices where they live and are registered (both see who
/// manages the person; only the holder calls and reveals).
pub(crate) fn seen_by(n: u8) -> String {
    format!(
        "({} OR {} OR {})",
        inside("s.holder_division", n),
        inside("s.residence_division", n),
        inside("s.registered_division", n)
    )
}

/// The most subjects the board shows at once (a filter narrows it).
pub const BOARD_MAX: i64 = 500;

/// Subjects held inside the caller's area (at most 500, latest seen first).
pub async fn subjects(
    db: &Db,
    tx: &mut Tx,
    scope: &Scope,
    f: &SubjectFilter,
) -> Result<Vec<Subject>, AppError> {
    screens(scope)?;
    let mut errors = Invalid::default();
    let within = f.within.trim();
    if !within.is_empty() && divisions::Tree::china().find(within).is_none() {
        errors.push(FieldError::new("within", "err-division"));
    }
    let kind = f.kind.trim();
    if !kind.is_empty() && ListKind::parse(kind).is_none() {
        errors.push(FieldError::new("kind", "err-screening-kind"));
    }
    let routed_by = f.routed_by.trim();
    if !routed_by.is_empty() && RoutedBy::parse(routed_by).is_none() {
        errors.push(FieldError::new("routed_by", "err-screening-routed"));
    }
    errors.into_result()?;
    let rows = fetch_all!(
        &mut *tx,
        SubjectRow,
        sqlx::AssertSqlSafe(format!(
            "{} WHERE {} AND {} AND ($3 = '' OR EXISTS (SELECT 1 FROM leads k WHERE k.subject_id = s.id AND k.kind = $3))
               AND ($4 = '' OR s.routed_by = $4)
             ORDER BY s.last_seen_on DESC, s.id DESC LIMIT {BOARD_MAX}",
            subject_sql(db),
            seen_by(1),
            inside("s.holder_division", 2)
        )),
        scope.jurisdiction(),
        within,
        kind,
        routed_by
    )?;
    let now = crate::db::now();
    Ok(rows.into_iter().map(|r| r.masked(now)).collect())
}

/// A lead as a subject's page lists it (what each source said; personal
/// cells masked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadView {
    pub source: String,
    #[schema(value_type = ListKind)]
    pub kind: String,
    pub file_name: String,
    pub line: i64,
    pub trip: String,
    pub seen_on: String,
}

/// One subject with every source that named them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubjectDetail {
    pub subject: Subject,
    pub residence_address: String,
    pub registered_address: String,
    pub leads: Vec<LeadView>,
}

/// A subject held inside the caller's area.
pub async fn subject(
    db: &Db,
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
) -> Result<SubjectDetail, AppError> {
    screens(scope)?;
    let row = fetch_optional!(
        &mut *tx,
        SubjectRow,
        sqlx::AssertSqlSafe(format!(
            "{} WHERE s.id = $1 AND {}",
            subject_sql(db),
            seen_by(2)
        )),
        id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)?;
    let (residence, registered) = fetch_one_pair(tx, id).await?;
    let read_as = crate::needs::model::read_as;
    let leads = leads_of(tx, id).await?;
    Ok(SubjectDetail {
        // Addresses are personal: the division read from them is shown,
        // the text only by a reveal.
        residence_address: crate::needs::model::mask_address(
            &residence,
            &read_as(&row.residence_division),
        ),
        registered_address: crate::needs::model::mask_address(
            &registered,
            &read_as(&row.registered_division),
        ),
        subject: row.masked(crate::db::now()),
        leads,
    })
}

/// What each source said of a subject, in the order it came.
async fn leads_of(tx: &mut Tx, id: i64) -> sqlx::Result<Vec<LeadView>> {
    Ok(fetch_all!(
        &mut *tx,
        (String, String, String, i64, String, String),
        "SELECT s.name, l.kind, sl.file_name, l.line, l.trip, l.seen_on
         FROM leads l JOIN screening_sources s ON s.id = l.source_id JOIN screening_lists sl ON sl.id = l.list_id
         WHERE l.subject_id = $1 ORDER BY l.id",
        id
    )?
    .into_iter()
    .map(|(source, kind, file_name, line, trip, seen_on)| LeadView {
        source,
        kind,
        file_name,
        line,
        trip,
        seen_on,
    })
    .collect())
}

/// A call as a visit sheet lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CallLine {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub caller: String,
    pub outcome: String,
    pub note: String,
}

/// What the door-to-door team takes to one door: everything the call
/// team has, so nothing is asked twice. Name, phone and address are in
/// the clear (the team must find the person): made only by a reveal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitSheet {
    pub subject: Subject,
    pub name: String,
    pub phone: String,
    pub residence_address: String,
    pub leads: Vec<LeadView>,
    pub calls: Vec<CallLine>,
}

/// The most sheets printed at once.
pub const VISITS_MAX: i64 = 200;

/// Sheets for the people of the caller's area the call team could not
/// screen by phone (refused: to visit), with a reason; each person's
/// reveal is audited.
pub async fn visit_sheets(
    db: &Db,
    scope: &Scope,
    reason: &str,
) -> Result<Vec<VisitSheet>, AppError> {
    screens(scope)?;
    let mut errors = Invalid::default();
    errors.reason("reason", reason, 200);
    errors.into_result()?;
    let now = crate::db::now();
    let mut tx = db.write().await?;
    let rows = fetch_all!(
        &mut tx,
        SubjectRow,
        sqlx::AssertSqlSafe(format!(
            "{} WHERE {} AND s.status = 'visit' ORDER BY s.residence_division, s.id LIMIT {VISITS_MAX}",
            subject_sql(db),
            inside("s.holder_division", 1)
        )),
        scope.jurisdiction()
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let (id, name, phone, holder) = (
            row.id,
            row.name.clone(),
            row.phone.clone(),
            row.holder_division.clone(),
        );
        let (residence_address, _) = fetch_one_pair(&mut tx, id).await?;
        let calls = fetch_all!(
            &mut tx,
            (OffsetDateTime, String, String, String),
            "SELECT c.started_at, a.display_name, c.outcome, c.note FROM calls c JOIN accounts a ON a.id = c.account_id
             WHERE c.subject_id = $1 AND c.outcome <> '' ORDER BY c.started_at",
            id
        )?
        .into_iter()
        .map(|(at, caller, outcome, note)| CallLine {
            at,
            caller,
            outcome,
            note,
        })
        .collect();
        record(
            &mut tx,
            NewEvent::by(scope, "field.reveal", "subject", id, &holder)
                .reason(reason.trim())
                .after(serde_json::json!({"field": "visit_sheet"})),
        )
        .await?;
        out.push(VisitSheet {
            leads: leads_of(&mut tx, id).await?,
            subject: row.masked(now),
            name,
            phone,
            residence_address,
            calls,
        });
    }
    tx.commit().await?;
    Ok(out)
}

async fn fetch_one_pair(tx: &mut Tx, id: i64) -> sqlx::Result<(String, String)> {
    crate::fetch_one!(
        &mut *tx,
        (String, String),
        "SELECT residence_address, registered_address FROM subjects WHERE id = $1",
        id
    )
}

/// A personal field shown in the clear, with a reason, audited.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
pub struct SubjectReveal {
    /// name, phone, id_number, residence_address or registered_address.
    pub field: String,
    pub reason: String,
}

/// Reveal one field of a subject held inside the caller's area.
pub async fn reveal(
    db: &Db,
    scope: &Scope,
    id: i64,
    r: &SubjectReveal,
) -> Result<String, AppError> {
    screens(scope)?;
    let column = match r.field.trim() {
        "name" => "name",
        "phone" => "phone",
        "id_number" => "id_number",
        "residence_address" => "residence_address",
        "registered_address" => "registered_address",
        _ => return Err(AppError::invalid("field", "err-screening-field")),
    };
    let mut errors = Invalid::default();
    errors.reason("reason", &r.reason, 200);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let (value, holder) = fetch_optional!(
        &mut tx,
        (String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT {column}, holder_division FROM subjects WHERE id = $1 AND {}",
            inside("holder_division", 2)
        )),
        id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)?;
    record(
        &mut tx,
        NewEvent::by(scope, "field.reveal", "subject", id, &holder)
            .reason(r.reason.trim())
            .after(serde_json::json!({"field": column})),
    )
    .await?;
    tx.commit().await?;
    Ok(value)
}

/// The number the caller dials from (their seat), as they set it.
pub async fn seat(tx: &mut Tx, scope: &Scope) -> Result<String, AppError> {
    screens(scope)?;
    Ok(fetch_optional!(
        &mut *tx,
        (String,),
        "SELECT phone FROM screening_seats WHERE account_id = $1",
        scope.account_id()
    )?
    .map(|(p,)| p)
    .unwrap_or_default())
}

/// Set the number the caller dials from: residents who check a call
/// give this number and the call's code.
pub async fn set_seat(db: &Db, scope: &Scope, phone: &str) -> Result<String, AppError> {
    screens(scope)?;
    let phone =
        crate::phone::normalize(phone).ok_or_else(|| AppError::invalid("phone", "err-phone"))?;
    let mut tx = db.write().await?;
    execute!(
        &mut tx,
        "INSERT INTO screening_seats (account_id, phone, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (account_id) DO UPDATE SET phone = $2, updated_at = $3",
        scope.account_id(),
        &phone,
        crate::db::stamp()
    )?;
    tx.commit().await?;
    Ok(phone)
}

/// The caller's worklist: subjects of their area still to be called, not
/// called today (unless a call-back is due), call-backs due first, then
/// those tried least, then the latest seen; at most 100.
pub async fn worklist(db: &Db, tx: &mut Tx, scope: &Scope) -> Result<Vec<Subject>, AppError> {
    screens(scope)?;
    let now = crate::db::now();
    let bj = time::macros::offset!(+8);
    let today = now
        .to_offset(bj)
        .replace_time(time::Time::MIDNIGHT)
        .to_offset(time::UtcOffset::UTC);
    // A rostered caller works their seat's share (by subject id, so two
    // seats never hold the same list); one not on the roster works all.
    let share = my_seat(tx, scope)
        .await?
        .map_or((1, 0), |m| (m.of, m.index));
    let rows = fetch_all!(
        &mut *tx,
        SubjectRow,
        sqlx::AssertSqlSafe(format!(
            "{} WHERE {} AND (
                (s.status = 'open' AND (s.last_called_at IS NULL OR s.last_called_at < $2))
                OR (s.status = 'call_back' AND s.call_back_at <= $3))
                AND s.id % $4 = $5
             ORDER BY CASE WHEN s.status = 'call_back' THEN 0 ELSE 1 END, s.call_back_at, s.attempts,
                s.last_seen_on DESC, s.id
             LIMIT 100",
            subject_sql(db),
            inside("s.holder_division", 1)
        )),
        scope.jurisdiction(),
        Ts::from(today),
        Ts::from(now + time::Duration::minutes(30)),
        share.0,
        share.1
    )?;
    Ok(rows.into_iter().map(|r| r.masked(now)).collect())
}

/// The caller's seat in the shift now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MySeat {
    #[schema(value_type = Shift)]
    pub shift: String,
    pub seat: i64,
    /// Their place among the office's staffed seats (0-based), of `of`.
    pub index: i64,
    pub of: i64,
}

/// Where the caller sits in the shift now, if they are on its roster.
pub async fn my_seat(tx: &mut Tx, scope: &Scope) -> sqlx::Result<Option<MySeat>> {
    let (day, shift) = shift_now();
    let Some((seat, office)) = fetch_optional!(
        &mut *tx,
        (i64, String),
        "SELECT seat, division_code FROM shift_staff WHERE account_id = $1 AND day = $2 AND shift = $3",
        scope.account_id(),
        &day,
        shift.as_str()
    )?
    else {
        return Ok(None);
    };
    let seats: Vec<i64> = fetch_all!(
        &mut *tx,
        (i64,),
        "SELECT seat FROM shift_staff WHERE division_code = $1 AND day = $2 AND shift = $3 ORDER BY seat",
        &office,
        &day,
        shift.as_str()
    )?
    .into_iter()
    .map(|(s,)| s)
    .collect();
    Ok(Some(MySeat {
        shift: shift.as_str().to_owned(),
        seat,
        index: seats.iter().position(|s| *s == seat).unwrap_or(0) as i64,
        of: seats.len().max(1) as i64,
    }))
}

/// Someone on a shift's roster.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OnShift {
    pub id: i64,
    pub day: String,
    #[schema(value_type = Shift)]
    pub shift: String,
    pub seat: i64,
    /// staff or volunteer.
    pub kind: String,
    pub account_id: i64,
    pub name: String,
    /// The office whose shift it is (the person's).
    pub division_code: String,
}

/// The most days ahead a shift is rostered.
pub const ROSTER_AHEAD_DAYS: i64 = 7;

/// A day of the roster as asked ('' for today): checked.
pub fn roster_day(text: &str) -> Result<time::Date, AppError> {
    let today = crate::db::now().to_offset(time::macros::offset!(+8)).date();
    match text.trim() {
        "" => Ok(today),
        t => super::model::date(t)
            .filter(|d| {
                *d >= today - time::Duration::days(1)
                    && *d <= today + time::Duration::days(ROSTER_AHEAD_DAYS)
            })
            .ok_or_else(|| {
                AppError::Invalid(Invalid(vec![FieldError::counted(
                    "day",
                    "err-shift-day",
                    ROSTER_AHEAD_DAYS,
                )]))
            }),
    }
}

/// The shifts of a day in the caller's area, by shift and seat.
pub async fn roster(tx: &mut Tx, scope: &Scope, day: time::Date) -> Result<Vec<OnShift>, AppError> {
    screens(scope)?;
    Ok(fetch_all!(
        &mut *tx,
        (i64, String, String, i64, String, i64, String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT r.id, r.day, r.shift, r.seat, r.kind, r.account_id, a.display_name, r.division_code
             FROM shift_staff r JOIN accounts a ON a.id = r.account_id
             WHERE r.day = $2 AND {} ORDER BY r.shift, r.division_code, r.seat",
            inside("r.division_code", 1)
        )),
        scope.jurisdiction(),
        day.to_string()
    )?
    .into_iter()
    .map(|(id, day, shift, seat, kind, account_id, name, division_code)| OnShift {
        id,
        day,
        shift,
        seat,
        kind,
        account_id,
        name,
        division_code,
    })
    .collect())
}

/// Someone who may be put on a shift: an account of the area that screens.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Staff {
    pub account_id: i64,
    pub name: String,
    pub role: String,
    pub division_code: String,
}

/// The accounts of the caller's area that may sit a screening seat.
pub async fn staff(tx: &mut Tx, scope: &Scope) -> Result<Vec<Staff>, AppError> {
    screens(scope)?;
    Ok(fetch_all!(
        &mut *tx,
        (i64, String, String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT id, display_name, role, jurisdiction_code FROM accounts
             WHERE role IN ('coordinator', 'screener') AND disabled = $2 AND {} ORDER BY jurisdiction_code, display_name LIMIT 500",
            inside("jurisdiction_code", 1)
        )),
        scope.jurisdiction(),
        false
    )?
    .into_iter()
    .map(|(account_id, name, role, division_code)| Staff {
        account_id,
        name,
        role,
        division_code,
    })
    .collect())
}

/// Someone put on a shift.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
pub struct NewOnShift {
    pub account_id: i64,
    /// YYYY-MM-DD; today by default, at most 7 days ahead.
    #[serde(default)]
    pub day: String,
    #[schema(value_type = Shift)]
    pub shift: String,
    pub seat: i64,
    /// staff (default) or volunteer.
    #[serde(default)]
    pub kind: String,
}

/// Put someone of the caller's area on a shift at a seat of their office:
/// 409 if they are on it already or the seat is taken.
pub async fn add_to_shift(db: &Db, scope: &Scope, n: &NewOnShift) -> Result<OnShift, AppError> {
    // The roster is the screening lead's (a coordinator's), not each caller's.
    if !scope.role().coordinates() {
        return Err(AppError::Forbidden);
    }
    let mut errors = Invalid::default();
    let day = match roster_day(&n.day) {
        Ok(d) => Some(d),
        Err(AppError::Invalid(e)) => {
            errors.0.extend(e.0);
            None
        }
        Err(e) => return Err(e),
    };
    let shift = Shift::parse(n.shift.trim());
    if shift.is_none() {
        errors.push(FieldError::new("shift", "err-shift-shift"));
    }
    if !(1..=99).contains(&n.seat) {
        errors.push(FieldError::new("seat", "err-shift-seat"));
    }
    let kind = match n.kind.trim() {
        "" | "staff" => "staff",
        "volunteer" => "volunteer",
        _ => {
            errors.push(FieldError::new("kind", "err-shift-kind"));
            ""
        }
    };
    errors.into_result()?;
    let (Some(day), Some(shift)) = (day, shift) else {
        return Err(AppError::invalid("shift", "err-shift-shift"));
    };
    let mut tx = db.write().await?;
    let (name, office) = fetch_optional!(
        &mut tx,
        (String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT display_name, jurisdiction_code FROM accounts
             WHERE id = $1 AND role IN ('coordinator', 'screener') AND disabled = $3 AND {}",
            inside("jurisdiction_code", 2)
        )),
        n.account_id,
        scope.jurisdiction(),
        false
    )?
    .ok_or_else(|| AppError::invalid("account_id", "err-shift-account"))?;
    let id = fetch_optional!(
        &mut tx,
        (i64,),
        "INSERT INTO shift_staff (division_code, day, shift, account_id, seat, kind, added_by, added_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id",
        &office,
        day.to_string(),
        shift.as_str(),
        n.account_id,
        n.seat,
        kind,
        scope.account_id(),
        crate::db::stamp()
    )?
    .map(|(id,)| id)
    .ok_or(AppError::Conflict("err-shift-taken"))?;
    record(
        &mut tx,
        NewEvent::by(scope, "shift.add", "account", n.account_id, &office).after(
            serde_json::json!({"day": day.to_string(), "shift": shift.as_str(), "seat": n.seat, "kind": kind}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(OnShift {
        id,
        day: day.to_string(),
        shift: shift.as_str().to_owned(),
        seat: n.seat,
        kind: kind.to_owned(),
        account_id: n.account_id,
        name,
        division_code: office,
    })
}

/// Take someone off a shift of the caller's area.
pub async fn remove_from_shift(db: &Db, scope: &Scope, id: i64) -> Result<(), AppError> {
    if !scope.role().coordinates() {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.write().await?;
    let (account, office) = fetch_optional!(
        &mut tx,
        (i64, String),
        sqlx::AssertSqlSafe(format!(
            "DELETE FROM shift_staff WHERE id = $1 AND {} RETURNING account_id, division_code",
            inside("division_code", 2)
        )),
        id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)?;
    record(
        &mut tx,
        NewEvent::by(scope, "shift.remove", "account", account, &office)
            .after(serde_json::json!({"shift_staff": id})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A call begun: its id and the code the caller reads out.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreeningCall {
    pub call_id: i64,
    pub subject_id: i64,
    /// Read it to the resident: they can check it on the public page
    /// with the number that called them.
    pub code: String,
    /// The number to dial.
    pub phone: String,
}

/// Begin a call: the subject is held by the caller (others see who) until
/// they say how it went, or for CALL_HOLD. Of two callers at once one
/// holds it; the other is told who.
pub async fn start_call(
    db: &Db,
    scope: &Scope,
    subject_id: i64,
) -> Result<ScreeningCall, AppError> {
    screens(scope)?;
    let mut read = db.read().await?;
    let seen = fetch_scalar!(
        &mut read,
        i64,
        sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM subjects WHERE id = $1 AND {}",
            inside("holder_division", 2)
        )),
        subject_id,
        scope.jurisdiction()
    )?;
    if seen == 0 {
        return Err(AppError::NotFound);
    }
    let from = seat(&mut read, scope).await?;
    drop(read);
    if from.is_empty() {
        return Err(AppError::invalid("phone", "err-call-seat"));
    }
    let now = crate::db::now();
    let mut tx = db.write().await?;
    let held = execute!(
        &mut tx,
        sqlx::AssertSqlSafe(format!(
            "UPDATE subjects SET caller_id = $1, call_started_at = $2
             WHERE id = $3 AND {} AND status IN ('open', 'call_back')
               AND (caller_id IS NULL OR caller_id = $1 OR call_started_at < $5)",
            inside("holder_division", 4)
        )),
        scope.account_id(),
        Ts::from(now),
        subject_id,
        scope.jurisdiction(),
        Ts::from(now - CALL_HOLD)
    )?;
    if held == 0 {
        let found = fetch_optional!(
            &mut tx,
            (String, Option<String>),
            sqlx::AssertSqlSafe(format!(
                "SELECT s.status, a.display_name FROM subjects s LEFT JOIN accounts a ON a.id = s.caller_id
                 WHERE s.id = $1 AND {}",
                inside("s.holder_division", 2)
            )),
            subject_id,
            scope.jurisdiction()
        )?;
        return Err(match found {
            None => AppError::NotFound,
            Some((status, _)) if !super::model::callable(&status) => {
                AppError::Conflict("err-call-not-callable")
            }
            Some((_, who)) => {
                AppError::Refused("err-call-held", vec![("name", who.unwrap_or_default())])
            }
        });
    }
    let (phone, holder) = crate::fetch_one!(
        &mut tx,
        (String, String),
        "SELECT phone, holder_division FROM subjects WHERE id = $1",
        subject_id
    )?;
    let code = super::model::call_code(rand::random::<u32>());
    let call_id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO calls (subject_id, account_id, from_phone, division_code, code, started_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        subject_id,
        scope.account_id(),
        &from,
        &holder,
        &code,
        Ts::from(now)
    )?;
    record(
        &mut tx,
        NewEvent::by(scope, "call.start", "subject", subject_id, &holder)
            .after(serde_json::json!({"call_id": call_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(ScreeningCall {
        call_id,
        subject_id,
        code,
        // Dialled by the one who holds the call: the number in the clear
        // is this action's, and the event records it was given.
        phone,
    })
}

/// How a call went, as sent.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
#[serde(default)]
pub struct CallEnd {
    #[schema(value_type = super::model::ScreeningOutcome)]
    pub outcome: String,
    pub note: String,
    /// Moved away: where they live now (an address).
    pub moved_to: String,
    /// Call back: when (RFC 3339, or YYYY-MM-DDTHH:MM Beijing time).
    pub call_back_at: String,
}

/// Say how a call went: the call is closed, the subject moves as the
/// outcome says (model `effect`) and is let go.
pub async fn end_call(
    db: &Db,
    scope: &Scope,
    call_id: i64,
    e: &CallEnd,
) -> Result<Subject, AppError> {
    use super::model::{ScreeningOutcome, effect};
    screens(scope)?;
    let now = crate::db::now();
    let mut errors = Invalid::default();
    let outcome = ScreeningOutcome::parse(e.outcome.trim());
    if outcome.is_none() {
        errors.push(FieldError::new("outcome", "err-call-outcome"));
    }
    errors.optional("note", &e.note, 500);
    let mut call_back = None;
    if outcome == Some(ScreeningOutcome::CallBack) {
        call_back = crate::training::model::moment(&e.call_back_at)
            .filter(|t| *t > now && *t < now + time::Duration::days(14));
        if call_back.is_none() {
            errors.push(FieldError::new("call_back_at", "err-call-back-at"));
        }
    }
    let mut moved_to = String::new();
    if outcome == Some(ScreeningOutcome::MovedAway) {
        errors.text("moved_to", &e.moved_to, 200);
        if errors.first("moved_to").is_none() {
            moved_to = crate::needs::store::read_all(
                vec![e.moved_to.trim().to_owned()],
                scope.jurisdiction(),
            )
            .await?
            .remove(0)
            .0;
            if moved_to.len() < 6 {
                errors.push(FieldError::new("moved_to", "err-call-moved-to"));
            }
        }
    }
    errors.into_result()?;
    let Some(outcome) = outcome else {
        return Err(AppError::invalid("outcome", "err-call-outcome"));
    };
    let after = effect(outcome);
    let mut tx = db.write().await?;
    let subject_id = fetch_optional!(
        &mut tx,
        (i64,),
        "UPDATE calls SET ended_at = $1, outcome = $2, note = $3, moved_to_division = $4, call_back_at = $5
         WHERE id = $6 AND account_id = $7 AND ended_at IS NULL RETURNING subject_id",
        Ts::from(now),
        outcome.as_str(),
        e.note.trim(),
        &moved_to,
        call_back.map(Ts::from),
        call_id,
        scope.account_id()
    )?
    .map(|(s,)| s)
    .ok_or(AppError::NotFound)?;
    let holder = crate::fetch_one!(
        &mut tx,
        (String,),
        "SELECT holder_division FROM subjects WHERE id = $1",
        subject_id
    )?
    .0;
    execute!(
        &mut tx,
        "UPDATE subjects SET status = $1, caller_id = NULL, call_started_at = NULL, last_called_at = $2,
            attempts = attempts + $3, call_back_at = $4,
            closed_reason = CASE WHEN $1 = 'closed' THEN $5 ELSE '' END,
            moved_to_division = $6, updated_at = $2
         WHERE id = $7",
        after.as_str(),
        Ts::from(now),
        i64::from(outcome == ScreeningOutcome::NoAnswer),
        call_back.map(Ts::from),
        outcome.as_str(),
        &moved_to,
        subject_id
    )?;
    record(
        &mut tx,
        NewEvent::by(scope, "call.end", "subject", subject_id, &holder)
            .after(serde_json::json!({"call_id": call_id, "outcome": outcome.as_str(), "status": after.as_str()})),
    )
    .await?;
    tx.commit().await?;
    let mut read = db.read().await?;
    Ok(subject(db, &mut read, scope, subject_id).await?.subject)
}

/// What a resident who checks a call is told: whose team called, in
/// which half of the day, when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CallerCheck {
    /// The street office (its full name).
    pub office: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub called_at: OffsetDateTime,
}

/// How long a call's code can be checked.
pub const CODE_LIFE: time::Duration = time::Duration::hours(24);

/// A resident checks a call: the number that called them and the code
/// the caller read out. None: no such call in the last day.
pub async fn caller_check(
    tx: &mut Tx,
    phone: &str,
    code: &str,
) -> Result<Option<CallerCheck>, AppError> {
    let Some(phone) = crate::phone::normalize(phone) else {
        return Ok(None);
    };
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    if code.len() != 6 {
        return Ok(None);
    }
    let found = fetch_optional!(
        &mut *tx,
        (String, OffsetDateTime),
        "SELECT division_code, started_at FROM calls WHERE from_phone = $1 AND code = $2 AND started_at > $3
         ORDER BY started_at DESC LIMIT 1",
        &phone,
        &code,
        Ts::from(crate::db::now() - CODE_LIFE)
    )?;
    Ok(found.map(|(division, called_at)| CallerCheck {
        office: crate::orgs::model::division_name(&division),
        called_at,
    }))
}

/// The caller's own call still going on (to show it again, as when the
/// outcome form came back with an error).
pub async fn open_call(
    tx: &mut Tx,
    scope: &Scope,
    call_id: i64,
) -> Result<ScreeningCall, AppError> {
    screens(scope)?;
    let (subject_id, code, phone) = fetch_optional!(
        &mut *tx,
        (i64, String, String),
        "SELECT c.subject_id, c.code, s.phone FROM calls c JOIN subjects s ON s.id = c.subject_id
         WHERE c.id = $1 AND c.account_id = $2 AND c.ended_at IS NULL",
        call_id,
        scope.account_id()
    )?
    .ok_or(AppError::NotFound)?;
    Ok(ScreeningCall {
        call_id,
        subject_id,
        code,
        phone,
    })
}

/// One caller's work in a shift, from the calls log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CallerWork {
    pub caller: String,
    pub calls: i64,
    pub reached: i64,
    pub no_answer: i64,
}

/// What the next shift must know, made from the records (nothing lives
/// only in a notebook): who called how much in this shift, call-backs
/// promised, people tried and not reached, hand-overs waiting, visits.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Handover {
    #[schema(value_type = super::model::Shift)]
    pub shift: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub since: OffsetDateTime,
    pub work: Vec<CallerWork>,
    pub call_backs: Vec<Subject>,
    pub unreached: Vec<Subject>,
    pub transfers: Vec<Subject>,
    pub visits: Vec<Subject>,
}

/// The handover of the shift now (or the one that ended last) for the
/// caller's area.
pub async fn handover(db: &Db, tx: &mut Tx, scope: &Scope) -> Result<Handover, AppError> {
    screens(scope)?;
    let now = crate::db::now();
    let (shift, since) = super::model::shift_at(now);
    let work = fetch_all!(
        &mut *tx,
        (String, i64, i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT a.display_name, COUNT(*),
                SUM(CASE WHEN c.outcome = 'reached' THEN 1 ELSE 0 END),
                SUM(CASE WHEN c.outcome = 'no_answer' THEN 1 ELSE 0 END)
             FROM calls c JOIN accounts a ON a.id = c.account_id
             WHERE {} AND c.started_at >= $2
             GROUP BY a.display_name ORDER BY a.display_name",
            inside("c.division_code", 1)
        )),
        scope.jurisdiction(),
        Ts::from(since)
    )?
    .into_iter()
    .map(|(caller, calls, reached, no_answer)| CallerWork {
        caller,
        calls,
        reached,
        no_answer,
    })
    .collect();
    let sql = subject_sql(db);
    let mut lists: Vec<Vec<Subject>> = Vec::new();
    for condition in [
        "s.status = 'call_back'",
        "s.status = 'open' AND s.attempts > 0",
        "s.status = 'transfer'",
        "s.status = 'visit'",
    ] {
        // The conditions are ours, never input.
        let rows = fetch_all!(
            &mut *tx,
            SubjectRow,
            sqlx::AssertSqlSafe(format!(
                "{sql} WHERE {} AND {condition} ORDER BY s.call_back_at, s.updated_at DESC, s.id LIMIT 200",
                inside("s.holder_division", 1)
            )),
            scope.jurisdiction()
        )?;
        lists.push(rows.into_iter().map(|r| r.masked(now)).collect());
    }
    let visits = lists.pop().unwrap_or_default();
    let transfers = lists.pop().unwrap_or_default();
    let unreached = lists.pop().unwrap_or_default();
    let call_backs = lists.pop().unwrap_or_default();
    Ok(Handover {
        shift: shift.as_str().to_owned(),
        since,
        work,
        call_backs,
        unreached,
        transfers,
        visits,
    })
}

/// The source of the public self-report form.
pub const SELF_SOURCE: &str = "主动报备";

/// A resident reports themselves (no account): their lead joins the
/// day's list of self-reports, as a row of a list would, so the office
/// that holds them sees they reported and nobody calls them as a stranger.
/// Sent twice, taken once. Whether they are someone already on a list.
pub async fn self_report(db: &Db, home: &str, l: &Lead) -> Result<bool, AppError> {
    let read = crate::needs::store::read_all(vec![l.residence.clone(), l.registered.clone()], home)
        .await?;
    let now = crate::db::now();
    let day = now.to_offset(time::macros::offset!(+8)).date().to_string();
    let mut tx = db.write().await?;
    let source_id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO screening_sources (name, mapping, created_at) VALUES ($1, '{}', $2)
         ON CONFLICT (name) DO UPDATE SET name = $1 RETURNING id",
        SELF_SOURCE,
        Ts::from(now)
    )?;
    execute!(
        &mut tx,
        "INSERT INTO screening_lists (source_id, kind, file_name, content_key, jurisdiction_code, status, rows_read,
            new_subjects, joined, repeated, refused, report, imported_at)
         VALUES ($1, 'self_report', $2, $3, $4, 'done', 0, 0, 0, 0, 0, '[[],{}]', $5)
         ON CONFLICT (source_id, content_key) DO NOTHING",
        source_id,
        format!("{SELF_SOURCE} {day}"),
        format!("self-report-{day}"),
        home,
        Ts::from(now)
    )?;
    let (list_id, line) = crate::fetch_one!(
        &mut tx,
        (i64, i64),
        "UPDATE screening_lists SET rows_read = rows_read + 1 WHERE source_id = $1 AND content_key = $2
         RETURNING id, rows_read",
        source_id,
        format!("self-report-{day}")
    )?;
    let take = Take {
        line: line as usize,
        lead: l,
        residence: &read[0].0,
        registered: &read[1].0,
    };
    let taken = take_leads(
        &mut tx,
        (list_id, source_id, ListKind::SelfReport),
        &[take],
        now,
    )
    .await?[0];
    let column = match taken {
        Taken::Repeated => "repeated",
        Taken::Joined(_) => "joined",
        Taken::New(_) => "new_subjects",
    };
    // The column is one of ours.
    execute!(
        &mut tx,
        sqlx::AssertSqlSafe(format!(
            "UPDATE screening_lists SET {column} = {column} + 1 WHERE id = $1"
        )),
        list_id
    )?;
    deal(&mut tx, list_id, home).await?;
    if taken != Taken::Repeated {
        let holder = crate::fetch_one!(
            &mut tx,
            (String,),
            "SELECT holder_division FROM subjects WHERE id = $1",
            taken.id()
        )?
        .0;
        record(
            &mut tx,
            NewEvent::by_or_system(
                None,
                "screening.self_report",
                "subject",
                taken.id(),
                &holder,
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(matches!(taken, Taken::Joined(_)))
}

/// How long a receiving office has to answer a transfer before it shows
/// as overdue to both offices (and to the offices above them).
pub const TRANSFER_ANSWER_WITHIN: time::Duration = time::Duration::hours(24);

/// A transfer as the sending and the receiving office see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Transfer {
    pub id: i64,
    pub subject_id: i64,
    /// Masked, as on the board.
    pub subject_name: String,
    pub from_division: String,
    pub to_division: String,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub offered_at: OffsetDateTime,
    /// '' while open, accepted or declined.
    pub outcome: String,
    pub answer: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub answered_at: Option<OffsetDateTime>,
    /// Open past TRANSFER_ANSWER_WITHIN.
    pub overdue: bool,
}

const TRANSFER_SQL: &str =
    "SELECT t.id, t.subject_id, s.name, t.from_division, t.to_division, t.reason,
        t.offered_at, t.outcome, t.answer, t.answered_at
    FROM transfers t JOIN subjects s ON s.id = t.subject_id";

type TransferRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    OffsetDateTime,
    String,
    String,
    Option<OffsetDateTime>,
);

fn transfer_of(r: TransferRow, now: OffsetDateTime) -> Transfer {
    let (
        id,
        subject_id,
        name,
        from_division,
        to_division,
        reason,
        offered_at,
        outcome,
        answer,
        answered_at,
    ) = r;
    Transfer {
        id,
        subject_id,
        subject_name: mask_name(&name),
        overdue: outcome.is_empty() && offered_at < now - TRANSFER_ANSWER_WITHIN,
        from_division,
        to_division,
        reason,
        offered_at,
        outcome,
        answer,
        answered_at,
    }
}

/// A transfer as offered.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
#[serde(default)]
pub struct NewTransfer {
    /// The division that owns the person now (default: where the call
    /// said they moved to).
    pub to_division: String,
    pub reason: String,
}

/// Offer a subject the caller's office holds to the office that owns
/// them; the subject waits (status transfer) until it is answered.
pub async fn offer(
    db: &Db,
    scope: &Scope,
    subject_id: i64,
    n: &NewTransfer,
) -> Result<Transfer, AppError> {
    screens(scope)?;
    let mut errors = Invalid::default();
    errors.reason("reason", &n.reason, 200);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let (holder, moved_to) = fetch_optional!(
        &mut tx,
        (String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT holder_division, moved_to_division FROM subjects WHERE id = $1 AND {}",
            inside("holder_division", 2)
        )),
        subject_id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)?;
    let to = match n.to_division.trim() {
        "" => moved_to,
        t => t.to_owned(),
    };
    if to.len() < 6 || divisions::Tree::china().find(&to).is_none() || to == holder {
        return Err(AppError::invalid("to_division", "err-transfer-to"));
    }
    // A person under management is managed where they are until released
    // (or handed to health): a transfer would put them back on the lists.
    if fetch_optional!(
        &mut tx,
        (i64,),
        "SELECT id FROM managements WHERE subject_id = $1 AND status = 'active'",
        subject_id
    )?
    .is_some()
    {
        return Err(AppError::Conflict("err-transfer-managed"));
    }
    let now = crate::db::now();
    let id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO transfers (subject_id, from_division, to_division, reason, offered_by, offered_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        subject_id,
        &holder,
        &to,
        n.reason.trim(),
        scope.account_id(),
        Ts::from(now)
    )
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => AppError::Conflict("err-transfer-open"),
        _ => e.into(),
    })?;
    execute!(
        &mut tx,
        "UPDATE subjects SET status = 'transfer', caller_id = NULL, updated_at = $1 WHERE id = $2",
        Ts::from(now),
        subject_id
    )?;
    record(
        &mut tx,
        NewEvent::by(scope, "transfer.offer", "subject", subject_id, &holder)
            .reason(n.reason.trim())
            .after(serde_json::json!({"transfer_id": id, "to": to})),
    )
    .await?;
    let t = fetch_optional!(
        &mut tx,
        TransferRow,
        sqlx::AssertSqlSafe(format!("{TRANSFER_SQL} WHERE t.id = $1")),
        id
    )?
    .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(transfer_of(t, now))
}

/// An answer to a transfer.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
#[serde(default)]
pub struct TransferAnswer {
    pub accept: bool,
    /// Why not (needed to decline).
    pub reason: String,
}

/// The receiving office accepts (the subject is theirs from now) or
/// declines with why (the subject goes back to the sender, open). Of two
/// answers at once the first counts; the other is told it was answered.
pub async fn answer(
    db: &Db,
    scope: &Scope,
    transfer_id: i64,
    a: &TransferAnswer,
) -> Result<Transfer, AppError> {
    screens(scope)?;
    if !a.accept {
        let mut errors = Invalid::default();
        errors.reason("reason", &a.reason, 200);
        errors.into_result()?;
    }
    let now = crate::db::now();
    let mut tx = db.write().await?;
    let answered = fetch_optional!(
        &mut tx,
        (i64, String, String),
        sqlx::AssertSqlSafe(format!(
            "UPDATE transfers SET outcome = $1, answer = $2, answered_by = $3, answered_at = $4
             WHERE id = $5 AND outcome = '' AND {} RETURNING subject_id, to_division, from_division",
            inside("to_division", 6)
        )),
        if a.accept { "accepted" } else { "declined" },
        a.reason.trim(),
        scope.account_id(),
        Ts::from(now),
        transfer_id,
        scope.jurisdiction()
    )?;
    let Some((subject_id, to, from)) = answered else {
        let seen = fetch_optional!(
            &mut tx,
            (String,),
            sqlx::AssertSqlSafe(format!(
                "SELECT outcome FROM transfers WHERE id = $1 AND {}",
                inside("to_division", 2)
            )),
            transfer_id,
            scope.jurisdiction()
        )?;
        return Err(match seen {
            Some(_) => AppError::Conflict("err-transfer-answered"),
            None => AppError::NotFound,
        });
    };
    if a.accept {
        execute!(
            &mut tx,
            "UPDATE subjects SET holder_division = $1, routed_by = 'transfer', status = 'open', updated_at = $2 WHERE id = $3",
            &to,
            Ts::from(now),
            subject_id
        )?;
    } else {
        execute!(
            &mut tx,
            "UPDATE subjects SET status = 'open', updated_at = $1 WHERE id = $2",
            Ts::from(now),
            subject_id
        )?;
    }
    record(
        &mut tx,
        NewEvent::by(
            scope,
            if a.accept {
                "transfer.accept"
            } else {
                "transfer.decline"
            },
            "subject",
            subject_id,
            if a.accept { &to } else { &from },
        )
        .reason(a.reason.trim())
        .after(serde_json::json!({"transfer_id": transfer_id})),
    )
    .await?;
    let t = fetch_optional!(
        &mut tx,
        TransferRow,
        sqlx::AssertSqlSafe(format!("{TRANSFER_SQL} WHERE t.id = $1")),
        transfer_id
    )?
    .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(transfer_of(t, now))
}

/// Transfers into the caller's area (`incoming`) or out of it, open ones
/// first, then the latest (200).
pub async fn transfers(
    tx: &mut Tx,
    scope: &Scope,
    incoming: bool,
) -> Result<Vec<Transfer>, AppError> {
    screens(scope)?;
    let column = if incoming {
        "t.to_division"
    } else {
        "t.from_division"
    };
    let now = crate::db::now();
    Ok(fetch_all!(
        &mut *tx,
        TransferRow,
        sqlx::AssertSqlSafe(format!(
            "{TRANSFER_SQL} WHERE {} ORDER BY CASE WHEN t.outcome = '' THEN 0 ELSE 1 END, t.offered_at DESC LIMIT 200",
            inside(column, 1)
        )),
        scope.jurisdiction()
    )?
    .into_iter()
    .map(|r| transfer_of(r, now))
    .collect())
}

/// Subjects nobody holds among those of the caller's area (by where
/// they live or are registered): always none, or named here.
pub async fn orphans(db: &Db, tx: &mut Tx, scope: &Scope) -> Result<Vec<Subject>, AppError> {
    screens(scope)?;
    let now = crate::db::now();
    Ok(fetch_all!(
        &mut *tx,
        SubjectRow,
        sqlx::AssertSqlSafe(format!(
            "{} WHERE s.holder_division = '' AND ({} OR {} OR $1 = '') ORDER BY s.id LIMIT 500",
            subject_sql(db),
            inside("s.residence_division", 1),
            inside("s.registered_division", 1)
        )),
        scope.jurisdiction()
    )?
    .into_iter()
    .map(|r| r.masked(now))
    .collect())
}
