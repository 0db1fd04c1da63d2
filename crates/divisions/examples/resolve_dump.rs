//! Every resolution of the labelled set, one line each, to compare the
//! resolver's answers before and after a change that should not move them
//! (speed work): `cargo run --release -p divisions --example resolve_dump >
//! before.txt`, change, run again, `cmp before.txt after.txt`.
//! Each address is resolved as written and inside lead words and a
//! trailing note (住址…附近), so spans are checked against moved input too.
//! `cargo run --release -p divisions --example resolve_dump [TSV]`

use divisions::Resolver;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/eval/addresses.tsv").to_owned());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let addresses: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .collect();
    let resolver = Resolver::china();
    for address in &addresses {
        println!("{address}\t{:?}", resolver.resolve(address));
    }
    for address in &addresses {
        let wrapped = format!("住址{address}附近");
        println!("{wrapped}\t{:?}", resolver.resolve(&wrapped));
    }
}
