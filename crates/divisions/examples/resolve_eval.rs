//! Accuracy and speed of the address resolver on the labelled set.
//! `cargo run --release -p divisions --example resolve_eval [TSV] [RUNS]`
//! (default `crates/divisions/eval/addresses.tsv`, 5 runs). Prints build
//! time and memory, throughput (medians of RUNS: one core, one core with
//! warm caches, all cores), and accuracy per level and per kind of mess as
//! markdown.

use std::collections::BTreeMap;
use std::time::Instant;

use divisions::{DivisionLevel, Resolver, Tree};

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

/// `f` run `runs` times, its results sorted (median at `runs / 2`).
fn sorted_runs(runs: usize, mut f: impl FnMut() -> f64) -> Vec<f64> {
    let mut v: Vec<f64> = (0..runs).map(|_| f()).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

fn level_of(name: &str) -> Option<DivisionLevel> {
    DivisionLevel::ALL.into_iter().find(|l| l.as_str() == name)
}

#[derive(Default)]
struct Tally {
    rows: usize,
    street_due: usize,
    street_ok: usize,
    community_due: usize,
    community_ok: usize,
    wrong: usize,
    /// Wrong claims made with confidence 0.9 or more.
    wrong_sure: usize,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/eval/addresses.tsv").to_owned());
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    // address, truth, expected level, kind, and (adversarial set) the
    // jurisdiction the row is read near ("" for none).
    let rows: Vec<(&str, &str, Option<DivisionLevel>, &str, &str)> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((
                f.next()?,
                f.next()?,
                level_of(f.next()?),
                f.next().unwrap_or(""),
                f.next().unwrap_or(""),
            ))
        })
        .collect();

    let rss0 = rss_kib();
    let t = Instant::now();
    let tree = Tree::china();
    let tree_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let resolver = Resolver::new(tree);
    let build_ms = t.elapsed().as_secs_f64() * 1e3;
    let rss_mib = rss_kib().saturating_sub(rss0) as f64 / 1024.0;
    // Later builds (the tree parsed anew each time) for a median that the
    // machine's noise moves less than the first build alone.
    let builds = sorted_runs(runs, || {
        let t = Instant::now();
        let tree = Tree::parse_embedded().expect("valid data");
        // Leaked: `Resolver::new` wants a tree for the process's life; a
        // few builds in a benchmark are worth that.
        let tree: &'static Tree = Box::leak(Box::new(tree));
        std::hint::black_box(Resolver::new(tree));
        t.elapsed().as_secs_f64() * 1e3
    });

    let addresses: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let rate = |repeat: usize, resolve: &mut dyn FnMut(&[&str]) -> usize| {
        let t = Instant::now();
        std::hint::black_box(resolve(&addresses));
        (repeat * addresses.len()) as f64 / t.elapsed().as_secs_f64()
    };
    let found = |r: &divisions::Resolution| usize::from(r.division.is_some());
    let rates = sorted_runs(runs, || {
        rate(1, &mut |all| {
            all.iter().map(|a| found(&resolver.resolve(a))).sum()
        })
    });
    // Each address 8 times in a row: its cache lines are warm after the
    // first, so this is the resolver's work without the memory waits that
    // a set drawn from the whole country causes.
    let warm = sorted_runs(runs, || {
        rate(8, &mut |all| {
            all.iter()
                .flat_map(|a| std::iter::repeat_n(a, 8))
                .map(|a| found(&resolver.resolve(a)))
                .sum()
        })
    });
    // The same addresses through `resolve_many` on this one thread, and
    // through `resolve_batch` on all cores.
    let mut many = Vec::new();
    let grouped = sorted_runs(runs, || {
        rate(1, &mut |all| {
            many = resolver.resolve_many(all);
            many.len()
        })
    });
    let mut batch = Vec::new();
    let batch_rates = sorted_runs(runs, || {
        rate(1, &mut |all| {
            batch = resolver.resolve_batch(all);
            batch.len()
        })
    });
    let batch_rate = batch_rates[runs / 2];

    // The three ways of resolving must agree row by row.
    for ((a, m), b) in addresses.iter().zip(&many).zip(&batch) {
        let one = resolver.resolve(a);
        assert!(
            one == *m && one == *b,
            "{a}: resolve {one:?}, resolve_many {m:?}, resolve_batch {b:?}"
        );
    }
    let mut by_kind: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    let mut wrong_examples = Vec::new();
    // Every wrong claim, to a file, when EVAL_WRONG names one.
    let mut all_wrong = Vec::new();
    // Rows read near a jurisdiction are resolved as that office reads them.
    let batch: Vec<divisions::Resolution> = rows
        .iter()
        .zip(batch)
        .map(
            |(r, res)| match tree.find(r.4).filter(|_| !r.4.is_empty()) {
                Some(j) => resolver.near(j.id()).resolve(r.0),
                None => res,
            },
        )
        .collect();
    for ((addr, truth, expect, kind, near), res) in rows.iter().zip(&batch) {
        let got = res
            .division
            .map(|d| tree.division(d).code())
            .unwrap_or_default();
        for t in [&mut total, by_kind.entry(kind).or_default()] {
            t.rows += 1;
            if expect.is_some_and(|e| e >= DivisionLevel::Street) {
                t.street_due += 1;
                t.street_ok += usize::from(got.len() >= 9 && truth.starts_with(&got[..9]));
            }
            if *expect == Some(DivisionLevel::Community) {
                t.community_due += 1;
                t.community_ok += usize::from(got == *truth);
            }
            t.wrong += usize::from(!truth.starts_with(&got));
            t.wrong_sure += usize::from(!truth.starts_with(&got) && res.confidence >= 0.9);
        }
        if !truth.starts_with(&got) {
            all_wrong.push(format!(
                "{kind}\t{addr}\t{got}\t{:.2}\t{truth}\t{near}",
                res.confidence
            ));
        }
        if !truth.starts_with(&got) && wrong_examples.len() < 40 {
            let near = if near.is_empty() {
                String::new()
            } else {
                format!(", near {near}")
            };
            wrong_examples.push(format!(
                "{addr} → {got} at {:.2} (truth {truth}{near})",
                res.confidence
            ));
        }
    }
    let pct = |a: usize, b: usize| {
        if b == 0 {
            "—".to_owned()
        } else {
            format!("{:.2}%", 100.0 * a as f64 / b as f64)
        }
    };
    println!("set: {path} ({} rows)\n", rows.len());
    println!("| build (first: tree, then matcher) | value |\n| --- | --- |");
    println!(
        "| tree load | {tree_ms:.0} ms |\n| matcher build | {build_ms:.0} ms |\n| tree + matcher, total | {:.0} ms |",
        tree_ms + build_ms
    );
    println!(
        "| tree + matcher, median of {runs} more builds | {:.0} ms (min {:.0}, max {:.0}) |",
        builds[runs / 2],
        builds[0],
        builds[runs - 1]
    );
    println!("| resident memory added (tree + matcher) | {rss_mib:.0} MiB |");
    println!(
        "| one core, median of {runs} | {:.0} addresses/s (min {:.0}, max {:.0}) |",
        rates[runs / 2],
        rates[0],
        rates[runs - 1]
    );
    println!(
        "| one core, `resolve_many` (lookups of 16 addresses at once), median of {runs} | {:.0} addresses/s |",
        grouped[runs / 2]
    );
    println!(
        "| one core, warm caches (each address 8× in a row), median of {runs} | {:.0} addresses/s |",
        warm[runs / 2]
    );
    println!("| all cores (resolve_batch), median of {runs} | {batch_rate:.0} addresses/s |\n");
    println!(
        "| kind | rows | street | community | wrong claims | wrong at ≥0.9 |\n| --- | ---: | ---: | ---: | ---: | ---: |"
    );
    for (kind, t) in by_kind.iter().chain([(&"all", &total)]) {
        println!(
            "| {kind} | {} | {} | {} | {} | {} |",
            t.rows,
            pct(t.street_ok, t.street_due),
            pct(t.community_ok, t.community_due),
            pct(t.wrong, t.rows),
            t.wrong_sure
        );
    }
    if let Ok(out) = std::env::var("EVAL_WRONG") {
        std::fs::write(&out, all_wrong.join("\n") + "\n").unwrap_or_else(|e| panic!("{out}: {e}"));
    }
    if !wrong_examples.is_empty() {
        println!("\nwrong claims (first {}):", wrong_examples.len());
        for w in wrong_examples {
            println!("- {w}");
        }
    }
}
