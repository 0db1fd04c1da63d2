//! Benchmark: time and memory to load the national division tree.
//! `cargo run --release -p divisions --example load [RUNS]`
//! Memory is the growth of resident memory (VmRSS) over the first parse,
//! in a fresh process; time is the median (and min/max) over RUNS parses.
//! The embedded text itself is part of the binary image and is counted
//! only as far as the parse touches its pages.

use std::time::Instant;

use divisions::Tree;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(15);
    let before = rss_kib();
    let started = Instant::now();
    let tree = Tree::parse_embedded().expect("valid data");
    let first_ms = started.elapsed().as_secs_f64() * 1000.0;
    let grown_mib = (rss_kib().saturating_sub(before)) as f64 / 1024.0;
    let counts = tree.counts_by_level();
    drop(tree);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let tree = Tree::parse_embedded().expect("valid data");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        drop(tree);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!("divisions loaded: {counts:?} (province, city, district, street, community)");
    println!("first load (cold): {first_ms:.1} ms, resident memory +{grown_mib:.1} MiB");
    println!(
        "load over {runs} runs: median {:.1} ms, min {:.1} ms, max {:.1} ms",
        times[runs / 2],
        times[0],
        times[runs - 1]
    );
}
