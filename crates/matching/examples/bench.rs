//! The matching benchmark: a generated dispatch instance (needs × squads,
//! each need with K distinct candidate squads at random distances, every
//! squad with the same capacity), solved by `matching::plan` — what the
//! server calls — several times; the median and the optimal cost printed as
//! one JSON line. `--write PATH` also writes the instance for the peer
//! (bench/matching_peer.py, OR-Tools' SimpleMinCostFlow):
//!   i64 needs, squads, candidates, capacity; then i32 tails[arcs] (need),
//!   i32 heads[arcs] (squad), i64 costs[arcs]; little-endian.
//!
//! cargo run --release -p matching --example bench -- \
//!     --needs 10000 --squads 5000 --candidates 30 --capacity 3 --seed 1 --runs 5

use std::io::Write;
use std::time::Instant;

use matching::{Need, Pair, Problem, Squad, Urgency, plan};

struct Args {
    needs: usize,
    squads: usize,
    candidates: usize,
    capacity: u32,
    seed: u64,
    runs: usize,
    write: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        needs: 10_000,
        squads: 5_000,
        candidates: 30,
        capacity: 3,
        seed: 1,
        runs: 5,
        write: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        let number = || {
            value
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{flag}: not a number: {value}"))
        };
        match flag.as_str() {
            "--needs" => a.needs = number() as usize,
            "--squads" => a.squads = number() as usize,
            "--candidates" => a.candidates = number() as usize,
            "--capacity" => a.capacity = number() as u32,
            "--seed" => a.seed = number(),
            "--runs" => a.runs = number() as usize,
            "--write" => a.write = Some(value),
            _ => panic!("unknown flag {flag}"),
        }
    }
    assert!(a.candidates <= a.squads, "more candidates than squads");
    a
}

/// splitmix64: the instance is the same for every run of a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn instance(a: &Args) -> Problem {
    let mut rng = Rng(a.seed);
    let needs = vec![
        Need {
            urgency: Urgency::Normal,
            waited_min: 0,
            zone: None,
            goods: vec![],
            credentials: 0
        };
        a.needs
    ];
    let squads = vec![
        Squad {
            capacity: a.capacity,
            workload: 0,
            inside: None,
            credentials: 0
        };
        a.squads
    ];
    let mut carriers = Vec::with_capacity(a.needs * a.candidates);
    let mut picked = Vec::with_capacity(a.candidates);
    for i in 0..a.needs {
        picked.clear();
        while picked.len() < a.candidates {
            let j = rng.below(a.squads as u64) as u32;
            if !picked.contains(&j) {
                picked.push(j);
            }
        }
        for &j in &picked {
            carriers.push(Pair {
                need: i as u32,
                other: j,
                metres: 1 + rng.below(1000) as u32,
            });
        }
    }
    Problem {
        needs,
        squads,
        stock: Vec::new(),
        carriers,
        sources: Vec::new(),
    }
}

fn write(p: &Problem, a: &Args, path: &str) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for v in [
        a.needs as i64,
        a.squads as i64,
        a.candidates as i64,
        a.capacity as i64,
    ] {
        out.write_all(&v.to_le_bytes())?;
    }
    for c in &p.carriers {
        out.write_all(&(c.need as i32).to_le_bytes())?;
    }
    for c in &p.carriers {
        out.write_all(&(c.other as i32).to_le_bytes())?;
    }
    for c in &p.carriers {
        out.write_all(&(c.metres as i64).to_le_bytes())?;
    }
    out.flush()
}

/// The process's peak resident memory (VmHWM), in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let a = args();
    let p = instance(&a);
    if let Some(path) = &a.write {
        write(&p, &a, path).expect("write the instance");
    }
    let before = peak_mib();
    let mut times = Vec::with_capacity(a.runs);
    let mut result = None;
    for _ in 0..a.runs.max(1) {
        let t = Instant::now();
        let got = plan(&p).expect("a valid instance");
        times.push(t.elapsed().as_secs_f64());
        result = Some(got);
    }
    let got = result.expect("at least one run");
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"needs\":{},\"squads\":{},\"arcs\":{},\"capacity\":{},\"served\":{},\"cost\":{},\"median_s\":{:.4},\"min_s\":{:.4},\"runs\":{},\"peak_mib\":{:.0},\"instance_mib\":{:.0}}}",
        a.needs,
        a.squads,
        p.carriers.len(),
        a.capacity,
        got.tasks.len(),
        got.cost,
        times[times.len() / 2],
        times[0],
        times.len(),
        peak_mib(),
        before,
    );
}
