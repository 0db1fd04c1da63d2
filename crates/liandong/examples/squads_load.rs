//! Reads of the volunteer side over HTTP, as the city's coordinator makes
//! them, on a server filled by `bench/squads.sh` (8,000 volunteers in 400
//! squads, a city day of 50,000 contacts): the vetting queue of 8,000
//! applications, the movable count by district (and its first read right
//! after a street is sealed), and a positive volunteer's exposure trace.
//! For each read, the median and p90 of sequential requests after warming
//! up, over loopback (server time plus a round trip). One markdown row per
//! read.
//!
//! ```text
//! squads_load URL [REQUESTS]
//! ```

use std::time::Instant;

use serde_json::{Value, json};

const PASSWORD: &str = liandong::demo::DEMO_PASSWORD;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// One read (gzipped as a browser asks, or plain): its time in ms and body.
async fn read(client: &reqwest::Client, url: &str, gzip: bool) -> anyhow::Result<(f64, Vec<u8>)> {
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
    Ok((ms, body.to_vec()))
}

async fn row(
    client: &reqwest::Client,
    url: &str,
    what: &str,
    path: &str,
    n: usize,
) -> anyhow::Result<()> {
    let full = format!("{url}{path}");
    for _ in 0..3 {
        read(client, &full, true).await?;
    }
    let mut times = Vec::with_capacity(n);
    let mut size = 0;
    for _ in 0..n {
        let (ms, body) = read(client, &full, true).await?;
        times.push(ms);
        size = body.len();
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "| {what} | `{path}` | {:.1} ms | {:.1} ms | {:.1} KB |",
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        size as f64 / 1000.0
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = args.first().cloned() else {
        eprintln!("usage: squads_load URL [REQUESTS]");
        std::process::exit(2);
    };
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(30);
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
    let campaigns: Value = client
        .get(format!("{url}/api/campaigns"))
        .send()
        .await?
        .json()
        .await?;
    let campaign = campaigns
        .as_array()
        .and_then(|a| a.iter().find(|c| c["title"] == "西安市疫情防控志愿者招募"))
        .ok_or_else(|| anyhow::anyhow!("the demo's campaign is not there"))?["id"]
        .clone();
    let total = client
        .get(format!(
            "{url}/api/campaigns/{campaign}/applications?status=all"
        ))
        .send()
        .await?
        .headers()["x-total-count"]
        .to_str()?
        .to_owned();
    println!("{total} applications in the vetting queue.");
    println!();
    println!("| read | path | median | p90 | size (gzipped) |");
    println!("| --- | --- | ---: | ---: | ---: |");
    let queue = format!("/api/campaigns/{campaign}/applications?status=all");
    row(&client, &url, "vetting queue, first page (API)", &queue, n).await?;
    row(
        &client,
        &url,
        "vetting queue, page 80 (API)",
        &format!("{queue}&page=80"),
        n,
    )
    .await?;
    row(
        &client,
        &url,
        "vetting queue, 雁塔区 drivers (API)",
        &format!("{queue}&within=610113&category=driver"),
        n,
    )
    .await?;
    row(
        &client,
        &url,
        "vetting queue page",
        &format!("/campaigns/{campaign}?status=all"),
        n,
    )
    .await?;
    row(
        &client,
        &url,
        "movable count by district (API)",
        "/api/volunteers/movable",
        n,
    )
    .await?;
    row(
        &client,
        &url,
        "squads page (movable, 400 squads)",
        "/squads",
        n,
    )
    .await?;

    // A street is sealed: the first read after it, then the count steady.
    let free: Value = client
        .get(format!("{url}/api/volunteers?movement=free"))
        .send()
        .await?
        .json()
        .await?;
    let home = free[0]["home_division"]
        .as_str()
        .unwrap_or("610113001")
        .to_owned();
    let street = &home[..9.min(home.len())];
    let before: Value = client
        .get(format!("{url}/api/volunteers/movable"))
        .send()
        .await?
        .json()
        .await?;
    let started = Instant::now();
    let res = client
        .post(format!("{url}/api/zones"))
        .json(&json!({"division_code": street, "level": "sealed", "reason": "基准测试：封控一个街道"}))
        .send()
        .await?;
    anyhow::ensure!(res.status() == 201, "seal: {}", res.status());
    let sealed_at = started.elapsed().as_secs_f64() * 1000.0;
    let (first, body) = read(&client, &format!("{url}/api/volunteers/movable"), false).await?;
    let after: Value = serde_json::from_slice(&body)?;
    let sum = |v: &Value| -> i64 {
        v.as_array()
            .map(|a| a.iter().map(|m| m["movable"].as_i64().unwrap_or(0)).sum())
            .unwrap_or(0)
    };
    println!(
        "| movable count, first read after sealing {street} | `/api/volunteers/movable` | {first:.1} ms | | {} → {} movable (sealing took {sealed_at:.1} ms) |",
        sum(&before),
        sum(&after)
    );

    // A positive volunteer of the busiest squad: stand down, then the trace.
    let squads: Value = client
        .get(format!("{url}/api/squads"))
        .send()
        .await?
        .json()
        .await?;
    let squad = squads[0]["id"].clone();
    let detail: Value = client
        .get(format!("{url}/api/squads/{squad}"))
        .send()
        .await?
        .json()
        .await?;
    let volunteer = detail["members"][0]["volunteer_id"].clone();
    let at = (time::OffsetDateTime::now_utc() - time::Duration::hours(1))
        .format(&time::format_description::well_known::Rfc3339)?;
    let started = Instant::now();
    let res = client
        .post(format!("{url}/api/volunteers/{volunteer}/positive"))
        .json(&json!({"at": at, "reason": "基准测试：核酸阳性"}))
        .send()
        .await?;
    let marked = started.elapsed().as_secs_f64() * 1000.0;
    let status = res.status();
    let trace: Value = res.json().await?;
    anyhow::ensure!(status == 200, "positive: {status} {trace}");
    println!(
        "| mark positive (stand down, trace) | `/api/volunteers/{volunteer}/positive` | {marked:.1} ms | | {} people, {} contacts |",
        trace["people"].as_array().map_or(0, Vec::len),
        trace["contacts"].as_array().map_or(0, Vec::len)
    );
    row(
        &client,
        &url,
        "exposure trace (API)",
        &format!("/api/volunteers/{volunteer}/trace"),
        n,
    )
    .await?;
    row(
        &client,
        &url,
        "exposure trace page",
        &format!("/volunteers/{volunteer}/trace"),
        n,
    )
    .await?;
    Ok(())
}
