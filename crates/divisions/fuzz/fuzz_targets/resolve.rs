//! `cargo fuzz run resolve -s none` (from crates/divisions): any bytes that
//! are UTF-8 must resolve without panicking, with spans inside the input.
#![no_main]

use divisions::Resolver;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let r = Resolver::china().resolve(text);
        for span in &r.spans {
            assert!(span.range.end <= text.len() && text.is_char_boundary(span.range.start));
        }
    }
});
