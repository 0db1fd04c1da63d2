//! Power cut, as near as a test gets: the real binary under load, killed
//! with SIGKILL, started again. Every need it acknowledged is there, once;
//! nothing it did not acknowledge appears twice.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::{PASSWORD, pg_admin_url, pg_database};

/// `liandong serve --demo` on `database`; the child and its address.
fn serve(database: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_liandong"))
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--database",
            database,
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    // Read on (a closed pipe would fail the server's next print).
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_owned());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the server printed no address");
    (child, addr)
}

async fn signed_in(addr: &str) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let res = c
        .post(format!("http://{addr}/api/session"))
        .json(&json!({"username": "operator", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    c
}

async fn crash_and_count(database: String) {
    let (mut child, addr) = serve(&database);
    let c = signed_in(&addr).await;
    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let sent = Arc::new(Mutex::new(BTreeSet::new()));
    // Sixteen callers taking needs down as fast as they can.
    let workers: Vec<_> = (0..16)
        .map(|w| {
            let (c, addr, acked, sent) = (c.clone(), addr.clone(), acked.clone(), sent.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let key = format!("crash-{w:02}-{i:06}");
                    sent.lock().unwrap().insert(key.clone());
                    let body = json!({"kind": "food", "urgency": "urgent", "people": 2,
                        "description": "封控中，家里断粮", "contact_name": "张", "contact_phone": "13800138000",
                        "address": "鄠邑区涝店街道龙窝村", "idempotency_key": key});
                    match c.post(format!("http://{addr}/api/needs")).json(&body).send().await {
                        Ok(r) if r.status() == 201 => {
                            acked.lock().unwrap().insert(key);
                        }
                        // The server is gone: this caller stops.
                        _ => break,
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while acked.lock().unwrap().len() < 300 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    child.wait().unwrap();
    for w in workers {
        w.await.unwrap();
    }
    let (mut child, addr) = serve(&database);
    let db = liandong::db::Db::connect(&database).await.unwrap();
    let mut tx = db.read().await.unwrap();
    let stored = liandong::fetch_all!(
        &mut tx,
        (String,),
        "SELECT idempotency_key FROM needs WHERE idempotency_key LIKE 'crash-%'"
    )
    .unwrap();
    drop(tx);
    db.close().await;
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = addr;
    let stored_set: BTreeSet<String> = stored.iter().map(|(k,)| k.clone()).collect();
    let acked = acked.lock().unwrap();
    let sent = sent.lock().unwrap();
    let lost: Vec<_> = acked.difference(&stored_set).collect();
    eprintln!(
        "crash test: {} sent, {} acknowledged, {} stored, {} lost, {} duplicated",
        sent.len(),
        acked.len(),
        stored.len(),
        lost.len(),
        stored.len() - stored_set.len()
    );
    assert!(acked.len() >= 300, "only {} acknowledged", acked.len());
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert_eq!(stored.len(), stored_set.len(), "a key stored twice");
    assert!(stored_set.is_subset(&sent), "a need nobody sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_nothing_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    crash_and_count(format!("sqlite://{}/crash.db", dir.path().display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_nothing_postgres() {
    let Some((url, name)) = pg_database().await else {
        return;
    };
    crash_and_count(url).await;
    use sqlx::Connection;
    if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_admin_url()).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await;
    }
}
