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
    Some(s)
}

/// A mainland number, parsed; `None` unless it is a valid Chinese number
/// (mobile, or landline with its area code).
pub fn parse(input: &str) -> Option<PhoneNumber> {
    let s = plain(input)?;
    let n = phonenumber::parse(Some(CN), &s).ok()?;
    (n.code().value() == 86 && phonenumber::is_valid(&n)).then_some(n)
}

/// The number as stored and dialled at home: 13800138000, 02985551234.
pub fn normalize(input: &str) -> Option<String> {
    let n = parse(input)?;
    let national: String = n
        .format()
        .mode(Mode::National)
        .to_string()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    Some(national)
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
        for bad in ["12345", "1380013800a", "+1 415 555 0100", "", "1380013800"] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
        assert_eq!(e164("138 0013 8000").as_deref(), Some("+8613800138000"));
        assert_eq!(mask("13800138000"), "138****8000");
    }
}
