//! Load generator for intake: many callers at once on loopback, bounded in
//! count and time, then a check that every acknowledged need is stored
//! exactly once. Used by `bench/intake.sh`.
//!
//! ```text
//! intake_load load URL DATABASE_URL api|help [CONNECTIONS] [SECONDS] [MAX]
//! intake_load ceiling DATABASE_URL [SECONDS]
//! ```
//! `load` drives the hotline API (`POST /api/needs`, signed in as the demo
//! operator) or the public form (`POST /help`, each request from its own
//! client address through a trusted proxy, its own phone and house
//! number); it prints throughput and latency percentiles as one markdown
//! row. `ceiling` measures the bare durable insert rate of the engine on
//! this machine (a needs-sized row, one per commit and a hundred per
//! commit), the number group commit is measured against.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

const PASSWORD: &str = liandong::demo::DEMO_PASSWORD;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("load") => {
            let url = args.get(1).expect("URL").clone();
            let database = args.get(2).expect("DATABASE_URL").clone();
            let path = args.get(3).map(String::as_str).unwrap_or("api");
            let conns: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(64);
            let secs: u64 = args.get(5).and_then(|a| a.parse().ok()).unwrap_or(10);
            let max: u64 = args.get(6).and_then(|a| a.parse().ok()).unwrap_or(500_000);
            load(&url, &database, path == "help", conns, secs, max).await
        }
        Some("ceiling") => {
            let database = args.get(1).expect("DATABASE_URL").clone();
            let secs: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(3);
            ceiling(&database, secs).await
        }
        _ => {
            eprintln!(
                "usage: intake_load load URL DATABASE_URL api|help [CONNECTIONS] [SECONDS] [MAX] | ceiling DATABASE_URL [SECONDS]"
            );
            std::process::exit(2);
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn load(
    url: &str,
    database: &str,
    public: bool,
    conns: usize,
    secs: u64,
    max: u64,
) -> anyhow::Result<()> {
    let run = format!("{:08x}", rand::random::<u32>());
    let host = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    // The hotline signs in once; its cookie goes with every request.
    let cookie = if public {
        String::new()
    } else {
        let client = reqwest::Client::builder().build()?;
        let res = client
            .post(format!("{url}/api/session"))
            .json(&json!({"username": "operator", "password": PASSWORD}))
            .send()
            .await?;
        anyhow::ensure!(res.status() == 200, "sign-in: {}", res.status());
        let set = res
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        set.split(';').next().unwrap_or_default().to_owned()
    };
    let issued = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let workers: Vec<_> = (0..conns)
        .map(|_| {
            let (host, cookie, run, issued) =
                (host.clone(), cookie.clone(), run.clone(), issued.clone());
            tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut acked = Vec::new();
                let mut errors = 0u64;
                let mut conn: Option<Raw> = None;
                while Instant::now() < deadline {
                    let n = issued.fetch_add(1, Ordering::Relaxed);
                    if n >= max {
                        break;
                    }
                    let key = format!("bench-{run}-{n:08}");
                    let request = if public {
                        let phone = format!("139{:08}", n % 100_000_000);
                        let address = format!("鄠邑区涝店街道龙窝村{}号", n + 1);
                        let body = form_body(&[
                            ("idempotency_key", key.as_str()),
                            ("address", address.as_str()),
                            ("kind", "food"),
                            ("urgency", "urgent"),
                            ("people", "2"),
                            ("description", "封控第三天，家里断粮，两位老人"),
                            ("contact_name", "王"),
                            ("contact_phone", phone.as_str()),
                        ]);
                        // Each request from its own client address through a
                        // trusted proxy (the per-client limit is not what is
                        // measured here).
                        let ip = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
                        raw_request(
                            &host,
                            "/help",
                            "application/x-www-form-urlencoded",
                            &format!("X-Forwarded-For: {ip}\r\n"),
                            &body,
                        )
                    } else {
                        let body = json!({"kind": "food", "urgency": "urgent", "people": 2,
                            "description": "封控第三天，家里断粮，两位老人", "contact_name": "王",
                            "contact_phone": "13800138000", "address": "鄠邑区涝店街道龙窝村",
                            "idempotency_key": key})
                        .to_string();
                        raw_request(
                            &host,
                            "/api/needs",
                            "application/json",
                            &format!("Cookie: {cookie}\r\n"),
                            &body,
                        )
                    };
                    let t = Instant::now();
                    let status = match conn.as_mut() {
                        Some(c) => c.send(&request).await.ok(),
                        None => None,
                    };
                    // A connection closed by the server is opened again once.
                    let status = match status {
                        Some(s) => Some(s),
                        None => match Raw::connect(&host).await {
                            Ok(c) => {
                                let c = conn.insert(c);
                                c.send(&request).await.ok()
                            }
                            Err(_) => None,
                        },
                    };
                    lat.push(t.elapsed().as_secs_f64() * 1e3);
                    let want = if public { 303 } else { 201 };
                    if status == Some(want) {
                        acked.push(key);
                    } else {
                        errors += 1;
                        conn = None;
                    }
                }
                (lat, acked, errors)
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut acked = BTreeSet::new();
    let mut errors = 0;
    for w in workers {
        let (l, a, e) = w.await?;
        lat.extend(l);
        acked.extend(a);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    lat.sort_by(|a, b| a.total_cmp(b));
    // Every acknowledged need stored, once; nothing stored that was not sent.
    let db = liandong::db::Db::connect(database).await?;
    let mut tx = db.read().await?;
    let stored = liandong::fetch_all!(
        &mut tx,
        (String,),
        "SELECT idempotency_key FROM needs WHERE idempotency_key >= $1 AND idempotency_key < $2",
        format!("bench-{run}-"),
        format!("bench-{run}.")
    )?;
    drop(tx);
    db.close().await;
    let stored_set: BTreeSet<String> = stored.iter().map(|(k,)| k.clone()).collect();
    let lost = acked.difference(&stored_set).count();
    let duplicated = stored.len() - stored_set.len();
    println!(
        "| {} | {} | {} | {:.0}/s | {:.1} ms | {:.1} ms | {:.1} ms | {} | {} | {} | {} |",
        if public {
            "public form (POST /help)"
        } else {
            "hotline API (POST /api/needs)"
        },
        conns,
        acked.len(),
        acked.len() as f64 / elapsed,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        percentile(&lat, 0.999),
        errors,
        stored.len(),
        lost,
        duplicated
    );
    anyhow::ensure!(
        lost == 0 && duplicated == 0,
        "{lost} lost, {duplicated} duplicated"
    );
    Ok(())
}

/// `fields` as an urlencoded form body.
fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// One HTTP/1.1 POST as bytes.
fn raw_request(host: &str, path: &str, content_type: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{headers}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A kept-alive HTTP/1.1 connection that sends prepared requests and reads
/// the status of each answer (its body read and dropped). A client this
/// thin leaves the two cores to the server: a full HTTP client cost a
/// third of what it measured.
struct Raw {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    async fn connect(host: &str) -> std::io::Result<Raw> {
        let stream = tokio::net::TcpStream::connect(host).await?;
        stream.set_nodelay(true)?;
        Ok(Raw {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    async fn send(&mut self, request: &[u8]) -> std::io::Result<u16> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "bad answer");
        self.stream.write_all(request).await?;
        self.buf.clear();
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        };
        let head = std::str::from_utf8(&self.buf[..head_end]).map_err(|_| bad())?;
        let status: u16 = head
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        let lower = head.to_ascii_lowercase();
        if lower.contains("transfer-encoding: chunked") {
            while !self.buf[head_end..].ends_with(b"0\r\n\r\n") {
                if self.stream.read_buf(&mut self.buf).await? == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
            }
        } else {
            let length: usize = lower
                .split("\r\n")
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while self.buf.len() < head_end + length {
                if self.stream.read_buf(&mut self.buf).await? == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
            }
        }
        Ok(status)
    }
}

/// The engine's bare durable insert rate: a row like a need's, one per
/// commit, then a hundred per commit, for `secs` each.
async fn ceiling(database: &str, secs: u64) -> anyhow::Result<()> {
    let db = liandong::db::Db::connect(database).await?;
    let mut tx = db.write().await?;
    liandong::execute!(&mut tx, "DROP TABLE IF EXISTS bench_ceiling")?;
    liandong::execute!(
        &mut tx,
        "CREATE TABLE bench_ceiling (id BIGINT PRIMARY KEY, k TEXT NOT NULL UNIQUE, body TEXT NOT NULL, at TEXT NOT NULL)"
    )?;
    tx.commit().await?;
    let body =
        "封控第三天，家里断粮，两位老人|鄠邑区涝店街道龙窝村|13800138000|food|urgent".repeat(2);
    let mut id = 0i64;
    for per_commit in [1usize, 100] {
        let started = Instant::now();
        let mut rows = 0usize;
        while started.elapsed() < Duration::from_secs(secs) {
            let mut tx = db.write().await?;
            for _ in 0..per_commit {
                id += 1;
                liandong::execute!(
                    &mut tx,
                    "INSERT INTO bench_ceiling (id, k, body, at) VALUES ($1, $2, $3, $4)",
                    id,
                    format!("k{id}"),
                    &body,
                    liandong::db::sqlite_text(liandong::db::now())
                )?;
            }
            tx.commit().await?;
            rows += per_commit;
        }
        println!(
            "| {} | {per_commit} row(s) per commit | {:.0} rows/s |",
            db.engine(),
            rows as f64 / started.elapsed().as_secs_f64()
        );
    }
    let mut tx = db.write().await?;
    liandong::execute!(&mut tx, "DROP TABLE bench_ceiling")?;
    tx.commit().await?;
    db.close().await;
    Ok(())
}
