//! `liandong screening import`: a list from a file, with a progress bar on
//! a terminal, as the page takes it (the same store function).

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, bail};

use super::model::{ListKind, mapping};
use super::store::{self, MAX_COLUMNS, MAX_ROWS};
use crate::db::Db;
use crate::web::i18n::Lang;

/// Import `file` as `username` would from the page: the report, in words.
pub async fn import(
    db: &Db,
    file: &Path,
    source: &str,
    kind: ListKind,
    username: &str,
    home: &str,
) -> anyhow::Result<String> {
    let scope = {
        let mut tx = db.read().await?;
        let id = crate::fetch_optional!(
            &mut tx,
            (i64,),
            "SELECT id FROM accounts WHERE username = $1",
            username
        )?
        .map(|(id,)| id)
        .with_context(|| format!("--as {username}: no such account"))?;
        crate::access::store::scope_for(&mut tx, id, "cli")
            .await?
            .with_context(|| format!("--as {username}: the account is disabled"))?
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "list.csv".into());
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let bounds = crate::tables::Bounds {
        max_rows: MAX_ROWS,
        max_cols: MAX_COLUMNS,
        cancelled: Default::default(),
        time: std::time::Duration::from_secs(600),
    };
    let read_name = name.clone();
    let upload =
        tokio::task::spawn_blocking(move || crate::tables::read_upload(&read_name, bytes, &bounds))
            .await?;
    let lang = Lang::Zh;
    let upload = match upload {
        Ok(u) => u,
        Err(e) => bail!("{}: {}", file.display(), e.message(lang)),
    };
    let saved = {
        let mut tx = db.read().await?;
        store::saved_mapping(&mut tx, source).await?
    };
    let map = mapping(&upload.headers, &saved);
    let bar = if std::io::stderr().is_terminal() && upload.rows.len() >= 1000 {
        let bar = indicatif::ProgressBar::new(upload.rows.len() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} rows · {per_sec} · eta {eta}",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let progress = |done: usize| bar.set_position(done as u64);
    let columns: Vec<String> = map
        .iter()
        .filter_map(|(f, i)| Some(format!("{}={}", f.as_str(), upload.headers.get(*i)?)))
        .collect();
    let result = store::import(
        db, &scope, home, source, kind, &name, upload, &map, &progress,
    )
    .await;
    bar.finish_and_clear();
    let r = match result {
        Ok(r) => r,
        Err(crate::web::error::AppError::Invalid(errors)) => {
            let msgs: Vec<String> = errors.0.iter().map(|e| e.message(lang)).collect();
            bail!("{}", msgs.join("; "))
        }
        Err(e) => return Err(anyhow::anyhow!(e)),
    };
    let mut out = String::new();
    out.push_str(&format!("columns: {}\n", columns.join(", ")));
    if r.already {
        out.push_str("this list was imported before: nothing new\n");
    }
    out.push_str(&format!(
        "list {}: {} rows, {} new subjects, {} joined known subjects, {} imported before, {} refused",
        r.list_id, r.rows_read, r.new_subjects, r.joined, r.repeated, r.refused
    ));
    for (street, n) in &r.split {
        out.push_str(&format!(
            "\nunlocated → {} {}: {n}",
            street,
            crate::orgs::model::division_name(street)
        ));
    }
    for e in &r.errors {
        out.push_str(&format!(
            "\nline {}: {}: {}",
            e.line,
            lang.t(&format!("screening-field-{}", e.field)),
            lang.t(&e.key)
        ));
    }
    Ok(out)
}
