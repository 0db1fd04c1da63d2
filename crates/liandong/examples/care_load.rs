//! Reads of the care side over HTTP, as the city's coordinator makes them,
//! on a server filled by `bench/care.sh` (8,000 volunteers, 50,000 care
//! recipients across Xi'an's communities, each with a guardian and backup
//! of their street): coverage of the whole city; then communities are
//! sealed until 500 guardians are stranded (each promotion is an audited
//! `care.promote`), and the gap list is read again. Median and p90 of
//! sequential requests after warming up, over loopback. One markdown row
//! per read.
//!
//! ```text
//! care_load URL [REQUESTS] [STRANDED]
//! ```

use std::time::Instant;

use serde_json::{Value, json};

const PASSWORD: &str = liandong::demo::DEMO_PASSWORD;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn read(client: &reqwest::Client, url: &str) -> anyhow::Result<(f64, Vec<u8>)> {
    let started = Instant::now();
    let res = client
        .get(url)
        .header("accept-encoding", "gzip")
        .send()
        .await?;
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
    note: &str,
) -> anyhow::Result<()> {
    let full = format!("{url}{path}");
    for _ in 0..3 {
        read(client, &full).await?;
    }
    let mut times = Vec::with_capacity(n);
    let mut size = 0;
    for _ in 0..n {
        let (ms, body) = read(client, &full).await?;
        times.push(ms);
        size = body.len();
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "| {what} | `{path}` | {:.1} ms | {:.1} ms | {:.1} KB | {note} |",
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        size as f64 / 1000.0
    );
    Ok(())
}

async fn signed_in(url: &str, username: &str) -> anyhow::Result<reqwest::Client> {
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let res = client
        .post(format!("{url}/api/session"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await?;
    anyhow::ensure!(res.status() == 200, "sign-in {username}: {}", res.status());
    Ok(client)
}

async fn get(client: &reqwest::Client, url: &str) -> anyhow::Result<Value> {
    let res = client.get(url).send().await?;
    anyhow::ensure!(res.status() == 200, "{url}: {}", res.status());
    Ok(res.json().await?)
}

fn summary(cov: &Value) -> String {
    let t = &cov["total"];
    format!(
        "{} people in {} communities: {} covered, {} without a guardian, {} without a backup, {} check-ins overdue",
        t["recipients"],
        cov["communities"].as_array().map_or(0, Vec::len),
        t["covered"],
        t["no_guardian"],
        t["no_backup"],
        t["missed"]
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = args.first().cloned() else {
        eprintln!("usage: care_load URL [REQUESTS] [STRANDED]");
        std::process::exit(2);
    };
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(30);
    let stranded: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(500);
    let co = signed_in(&url, "coordinator").await?;
    let admin = signed_in(&url, "admin").await?;
    let cov = get(&co, &format!("{url}/api/care/coverage")).await?;
    println!("{}.", summary(&cov));
    println!();
    println!("| read | path | median | p90 | size (gzipped) | |");
    println!("| --- | --- | ---: | ---: | ---: | --- |");
    row(
        &co,
        &url,
        "coverage of the city (API)",
        "/api/care/coverage",
        n,
        "",
    )
    .await?;
    row(&co, &url, "coverage page", "/care", n, "").await?;

    // Seal communities, the most populous first, until `stranded`
    // guardians are cut off from their people (promoted away).
    let promoted = |a: Value| a.as_array().map_or(0, Vec::len);
    let audit = format!("{url}/api/audit?action=care.promote&limit=1000");
    let before = promoted(get(&admin, &audit).await?);
    let mut communities: Vec<(i64, String)> = cov["communities"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|c| {
            (
                c["recipients"].as_i64().unwrap_or(0),
                c["division_code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    communities.sort_by(|a, b| b.cmp(a));
    let started = Instant::now();
    let mut sealed = 0;
    let mut now = before;
    for (_, code) in &communities {
        let res = co
            .post(format!("{url}/api/zones"))
            .json(
                &json!({"division_code": code, "level": "sealed", "reason": "基准测试：封控社区"}),
            )
            .send()
            .await?;
        anyhow::ensure!(res.status() == 201, "seal {code}: {}", res.status());
        sealed += 1;
        if sealed % 10 == 0 {
            now = promoted(get(&admin, &audit).await?);
            if now - before >= stranded {
                break;
            }
        }
    }
    let took = started.elapsed().as_secs_f64();
    let cov = get(&co, &format!("{url}/api/care/coverage")).await?;
    println!(
        "| sealing {sealed} communities ({:.1} ms each, promotions included) | `/api/zones` | | | | {} guardians stranded, their backups promoted |",
        took * 1000.0 / sealed as f64,
        now - before
    );
    let (first, _) = read(&co, &format!("{url}/api/care/coverage")).await?;
    println!(
        "| gap list, first read after the sealing | `/api/care/coverage` | {first:.1} ms | | | {} gaps, {} by name |",
        cov["total"]["no_guardian"].as_i64().unwrap_or(0)
            + cov["total"]["no_backup"].as_i64().unwrap_or(0),
        cov["gaps"].as_array().map_or(0, Vec::len)
    );
    row(
        &co,
        &url,
        "gap list after the sealing (API)",
        "/api/care/coverage",
        n,
        "",
    )
    .await?;
    row(
        &co,
        &url,
        "gaps only, by name (API, at most 500)",
        "/api/care/recipients?gaps=yes",
        n,
        "",
    )
    .await?;
    println!();
    println!("After: {}.", summary(&cov));
    Ok(())
}
