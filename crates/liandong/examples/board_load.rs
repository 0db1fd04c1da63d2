//! Reads of the coordinator board and the dashboard over HTTP, as a
//! coordinator of 西安市 makes them, on a server already filled (see
//! `bench/board.sh`): for each page, its answer time on loopback (median
//! and p90 of sequential requests after warming up, which is the server's
//! time plus a loopback round trip) and its size as sent and gzipped; then
//! the default board read by several coordinators at once. One markdown
//! row per read.
//!
//! ```text
//! board_load URL [REQUESTS] [CONCURRENT]
//! ```

use std::time::Instant;

use serde_json::json;

const PASSWORD: &str = liandong::demo::DEMO_PASSWORD;

/// (what, path)
const READS: &[(&str, &str)] = &[
    ("board, open needs (default)", "/needs"),
    ("board, longest waiting first", "/needs?sort=waiting"),
    (
        "board, filtered: 雁塔区 food urgent",
        "/needs?within=610113&kind=food&urgency=urgent",
    ),
    ("board, escalated only", "/needs?escalated=true"),
    ("board, all states, page 200", "/needs?status=all&page=200"),
    ("board, search by phone", "/needs?status=all&q=13809185101"),
    ("board API, open needs", "/api/needs"),
    ("dashboard page", "/dashboard"),
    ("dashboard API", "/api/dashboard"),
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn signed_in(url: &str) -> anyhow::Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let res = client
        .post(format!("{url}/api/session"))
        .json(&json!({"username": "coordinator", "password": PASSWORD}))
        .send()
        .await?;
    anyhow::ensure!(res.status() == 200, "sign-in: {}", res.status());
    Ok(client)
}

/// One read: its time in ms and its body's length (as sent, gzipped or not).
async fn read(client: &reqwest::Client, url: &str, gzip: bool) -> anyhow::Result<(f64, usize)> {
    let mut req = client.get(url);
    if gzip {
        req = req.header("accept-encoding", "gzip");
    }
    let started = Instant::now();
    let res = req.send().await?;
    let status = res.status();
    let body = res.bytes().await?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(status == 200, "{url}: {status}");
    Ok((ms, body.len()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = args.first().cloned() else {
        eprintln!("usage: board_load URL [REQUESTS] [CONCURRENT]");
        std::process::exit(2);
    };
    let requests: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(30);
    let concurrent: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(8);
    let client = signed_in(&url).await?;
    println!("| read | path | median | p90 | size | gzipped |");
    println!("| --- | --- | ---: | ---: | ---: | ---: |");
    for (what, path) in READS {
        let full = format!("{url}{path}");
        let (_, size) = read(&client, &full, false).await?;
        for _ in 0..3 {
            read(&client, &full, true).await?;
        }
        let mut times = Vec::with_capacity(requests);
        let mut gzipped = 0;
        for _ in 0..requests {
            let (ms, len) = read(&client, &full, true).await?;
            times.push(ms);
            gzipped = len;
        }
        times.sort_by(|a, b| a.total_cmp(b));
        println!(
            "| {what} | `{path}` | {:.1} ms | {:.1} ms | {:.1} KB | {:.1} KB |",
            percentile(&times, 0.5),
            percentile(&times, 0.9),
            size as f64 / 1000.0,
            gzipped as f64 / 1000.0
        );
    }
    // The default board, `concurrent` coordinators reading it at once.
    let full = format!("{url}/needs");
    let mut workers = Vec::new();
    let started = Instant::now();
    for _ in 0..concurrent {
        let client = signed_in(&url).await?;
        let full = full.clone();
        workers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for _ in 0..requests {
                times.push(read(&client, &full, true).await?.0);
            }
            anyhow::Ok(times)
        }));
    }
    let mut times = Vec::new();
    for w in workers {
        times.extend(w.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    times.sort_by(|a, b| a.total_cmp(b));
    println!();
    println!(
        "{concurrent} coordinators reading `/needs` at once: {} reads, {:.0}/s, median {:.1} ms, p90 {:.1} ms, p99 {:.1} ms",
        times.len(),
        times.len() as f64 / elapsed,
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        percentile(&times, 0.99)
    );
    Ok(())
}
