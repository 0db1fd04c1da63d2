//! `cargo fuzz run resolve -s none` (from crates/divisions): any bytes that
//! are UTF-8 must resolve without panicking, with spans inside the input,
//! read as written and near a jurisdiction (the first four bytes pick it).
#![no_main]

use divisions::{Resolution, Resolver, Tree};
use libfuzzer_sys::fuzz_target;

fn check(text: &str, r: &Resolution) {
    for span in &r.spans {
        assert!(span.range.start <= span.range.end && span.range.end <= text.len());
        assert!(text.is_char_boundary(span.range.start) && text.is_char_boundary(span.range.end));
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let resolver = Resolver::china();
    let plain = resolver.resolve(text);
    check(text, &plain);
    let tree = Tree::china();
    let pick = data.iter().take(4).fold(0usize, |a, &b| a << 8 | usize::from(b));
    if let Some(j) = tree.by_index(pick % tree.len()) {
        let near = resolver.near(j.id()).resolve(text);
        check(text, &near);
        // A jurisdiction only ever chooses among what the text fits.
        if !near.by_jurisdiction {
            assert_eq!(near, plain);
        }
    }
});
