//! Phone numbers, in one place for every capability that takes them
//! (needs, organisations, and soon volunteers and screening lists): parsed
//! and checked by the `phonenumber` crate (Google's libphonenumber data),
//! stored as the national number people dial (13800138000, 02985551234),
//! shown masked.

use phonenumber::country::Id::CN;
use phonenumber::{Mode, PhoneNumber};

/// What people write around the digits, and full-width digits, are
/// mapped before parsing (the crate does not read full-width digits);
/// anything else makes the number invalid.
fn plain(input: &str) -> Option<String> {
    let mut s = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '０'..='９' => s.push(char::from_u32(c as u32 - '０' as u32 + '0' as u32)?),
            '＋' => s.push('+'),
            '0'..='9' | '+' => s.push(c),
            // Spaces, brackets, dashes and dots of any width (138.2910.4756,
            // 029—8523 1234): what people put between groups.
            ' ' | '-' | '　' | '(' | ')' | '（' | '）' | '－' | '.' | '．' | '—' | '–' => {
            }
            _ => return None,
        }
    }
    // 0086… and 86 before a mobile's 11 digits are the country code.
    if let Some(rest) = s.strip_prefix("0086") {
        s = format!("+86{rest}");
    } else if s.len() == 13 && s.starts_with("861") {
        s = format!("+{s}");
    }
    // Written whole, a mainland number begins with 1 (a mobile), 0 (the
    // trunk prefix before an area code) or a country code: 23800138000 is
    // a mistyped mobile, not Chongqing without its 0 (an independent
    // adversarial set caught the crate reading it so).
    if s.starts_with(|c: char| ('2'..='9').contains(&c)) {
        return None;
    }
    Some(s)
}

/// A mainland number, parsed; `None` unless it is a valid Chinese number
/// (mobile, or landline with its area code).
pub fn parse(input: &str) -> Option<PhoneNumber> {
    parse_plain(&plain(input)?)
}

/// `parse` of what `plain` made.
fn parse_plain(s: &str) -> Option<PhoneNumber> {
    let n = phonenumber::parse(Some(CN), s).ok()?;
    (n.code().value() == 86 && phonenumber::is_valid(&n)).then_some(n)
}

/// The number as stored and dialled at home: 13800138000, 02985551234.
pub fn normalize(input: &str) -> Option<String> {
    let s = plain(input)?;
    if let Some(valid) = mobile_fast(&s) {
        return valid.then_some(s);
    }
    Some(national(&parse_plain(&s)?))
}

/// The digits of `n` as dialled at home (the crate's national format).
fn national(n: &PhoneNumber) -> String {
    n.format()
        .mode(Mode::National)
        .to_string()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// Whether a mobile number written as its 11 digits (1[3-9]…, most
/// numbers people give) is valid, from a table of what the crate said of
/// its first seven digits; `None` for any other shape.
///
/// Why: parsing and formatting through the crate cost a sixth of a need's
/// intake (its regular expressions). In its metadata a Chinese mobile's
/// validity is decided by its first five digits (`1740[0-5]\d{6}|1(?:[38]\d
/// |4[57]|…)\d{8}`), and no other kind of number has 11 digits starting
/// 1[3-9], so asking the crate once per seven-digit prefix gives its own
/// answer (a test compares both over random numbers).
fn mobile_fast(s: &str) -> Option<bool> {
    use std::sync::atomic::{AtomicU8, Ordering};
    const UNKNOWN: u8 = 0;
    const VALID: u8 = 1;
    const INVALID: u8 = 2;
    static PREFIXES: [AtomicU8; 700_000] = [const { AtomicU8::new(UNKNOWN) }; 700_000];
    let b = s.as_bytes();
    if b.len() != 11 || b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
        return None;
    }
    if !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let prefix = b[..7]
        .iter()
        .fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
    let slot = &PREFIXES[prefix - 1_300_000];
    match slot.load(Ordering::Relaxed) {
        VALID => Some(true),
        INVALID => Some(false),
        _ => {
            let valid = parse_plain(s).is_some();
            slot.store(if valid { VALID } else { INVALID }, Ordering::Relaxed);
            Some(valid)
        }
    }
}

/// The number in E.164 (+8613800138000), for lists that travel.
pub fn e164(input: &str) -> Option<String> {
    Some(parse(input)?.format().mode(Mode::E164).to_string())
}

/// Masked for display: 13800138000 → 138****8000.
pub fn mask(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().collect();
    if digits.len() < 7 {
        return "*".repeat(digits.len());
    }
    let head: String = digits[..3].iter().collect();
    let tail: String = digits[digits.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the crate alone says of a number (the path before the table).
    fn slow(input: &str) -> Option<String> {
        Some(national(&parse(input)?))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// The table of prefixes answers as the crate does, valid or not.
        #[test]
        fn mobiles_read_fast_as_the_crate_reads_them(second in 3u8..10, rest in 0u64..1_000_000_000) {
            let number = format!("1{second}{rest:09}");
            proptest::prop_assert_eq!(normalize(&number), slow(&number), "{}", number);
        }
    }

    #[test]
    fn phones_normalise_and_mask() {
        for (written, stored) in [
            ("138 0013 8000", "13800138000"),
            ("+86-13800138000", "13800138000"),
            ("0086 138 0013 8000", "13800138000"),
            ("8613800138000", "13800138000"),
            ("１３８００１３８０００", "13800138000"),
            ("029-85551234", "02985551234"),
            ("(029) 8555 1234", "02985551234"),
            ("138.0013.8000", "13800138000"),
            ("029—8555 1234", "02985551234"),
        ] {
            assert_eq!(normalize(written).as_deref(), Some(stored), "{written}");
        }
        for bad in [
            "12345",
            "1380013800a",
            "+1 415 555 0100",
            "",
            "1380013800",
            "23800138000",
            "2985551234",
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
        assert_eq!(e164("138 0013 8000").as_deref(), Some("+8613800138000"));
        // 1740[0-5] is a mobile range, 1740[6-9] is not: decided by digits
        // beyond the third.
        assert_eq!(normalize("17405123456").as_deref(), Some("17405123456"));
        assert_eq!(normalize("17406123456"), None);
        assert_eq!(mask("13800138000"), "138****8000");
    }
}
