//! Screening (排查): list kinds, columns found by their headers, a lead
//! checked from a row, which subject a lead is (one per person), which
//! street holds a subject, and how unlocated subjects are dealt among
//! streets by workload. Types and rules; no IO.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use time::Date;

use crate::web::error::FieldError;

crate::stored_enum! {
    /// Where a list comes from (the field report's a, b, c, and people who
    /// reported themselves).
    pub enum ListKind {
        /// (a) back from a risk area on public transport, matched to
        /// household registration.
        Transport,
        /// (b) phones roaming in a risk area: no known residence.
        Roaming,
        /// (c) phones seen at a key venue: no known residence.
        Venue,
        /// People who reported themselves to their community.
        SelfReport,
    }
}

impl ListKind {
    /// The kind as the lists and the command line name it: a, b, c, self.
    pub fn from_letter(s: &str) -> Option<ListKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a" => Some(ListKind::Transport),
            "b" => Some(ListKind::Roaming),
            "c" => Some(ListKind::Venue),
            "self" => Some(ListKind::SelfReport),
            other => ListKind::parse(other),
        }
    }
}

crate::stored_enum! {
    /// A column a list may have.
    pub enum Field {
        Name,
        Phone,
        IdNumber,
        Residence,
        Registered,
        Trip,
        SeenOn,
    }
}

impl Field {
    /// Headers that name this column, in Chinese and English, compared
    /// without spaces and case.
    pub(crate) fn headers(self) -> &'static [&'static str] {
        match self {
            Field::Name => &["姓名", "名字", "旅客姓名", "人员姓名", "机主姓名", "name"],
            Field::Phone => &[
                "电话",
                "手机",
                "手机号",
                "手机号码",
                "联系电话",
                "电话号码",
                "号码",
                "phone",
                "mobile",
            ],
            Field::IdNumber => &[
                "身份证",
                "身份证号",
                "身份证号码",
                "证件号",
                "证件号码",
                "公民身份号码",
                "idnumber",
                "id",
                "residentid",
            ],
            Field::Residence => &[
                "现住址",
                "居住地",
                "居住地址",
                "现居住地址",
                "住址",
                "地址",
                "residence",
                "address",
            ],
            Field::Registered => &[
                "户籍地",
                "户籍地址",
                "户籍所在地",
                "户口所在地",
                "registered",
                "registeredaddress",
            ],
            Field::Trip => &[
                "行程",
                "车次",
                "航班",
                "车次航班",
                "场所",
                "地点",
                "来源地",
                "trip",
                "venue",
            ],
            Field::SeenOn => &[
                "日期",
                "到达日期",
                "抵达日期",
                "出行日期",
                "到访日期",
                "时间",
                "date",
                "seenon",
            ],
        }
    }
}

/// How headers read: no spaces (of any width), lower case, no marks
/// around them (*必填, （必填）).
pub(crate) fn plain_header(h: &str) -> String {
    let h = h.split(['(', '（']).next().unwrap_or(h);
    h.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '_' | '-' | ':' | '：'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Which column each field is read from: by the mapping a source used
/// last (field → header text), then by the headers each field is known
/// by. A column serves one field.
pub fn mapping(headers: &[String], saved: &BTreeMap<String, String>) -> BTreeMap<Field, usize> {
    let plain: Vec<String> = headers.iter().map(|h| plain_header(h)).collect();
    let mut out: BTreeMap<Field, usize> = BTreeMap::new();
    let taken = |out: &BTreeMap<Field, usize>, i: usize| out.values().any(|c| *c == i);
    for (field, header) in saved {
        let (Some(f), want) = (Field::parse(field), plain_header(header)) else {
            continue;
        };
        if let Some(i) = plain.iter().position(|p| *p == want)
            && !taken(&out, i)
        {
            out.insert(f, i);
        }
    }
    for f in Field::ALL {
        if out.contains_key(f) {
            continue;
        }
        let known: Vec<String> = f.headers().iter().map(|h| plain_header(h)).collect();
        if let Some(i) = (0..plain.len()).find(|i| known.contains(&plain[*i]) && !taken(&out, *i)) {
            out.insert(*f, i);
        }
    }
    out
}

/// A lead as read from a row: checked and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lead {
    pub name: String,
    /// As stored and dialled at home ('' when none was given).
    pub phone: String,
    /// Upper-case X ('' when none was given).
    pub id_number: String,
    pub residence: String,
    pub registered: String,
    pub trip: String,
    /// YYYY-MM-DD, or '' when the list gives no date.
    pub seen_on: String,
}

/// The most characters a name or a free text cell is taken with.
const MAX_NAME: usize = 30;
const MAX_TEXT: usize = 200;

/// Full-width digits and letters as ASCII (lists typed on Chinese
/// keyboards): ０-９, Ａ-Ｚ, ａ-ｚ, and the ideographic space.
pub(crate) fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

/// A date as lists write it: 2021-12-20, 2021/12/20, 2021.12.20,
/// 2021年12月20日, 20211220, or a spreadsheet's date serial.
pub fn date(text: &str) -> Option<Date> {
    let t = half_width(text.trim());
    let t = t.split([' ', 'T']).next().unwrap_or("");
    if let Ok(serial) = t.parse::<u32>()
        && (20_000..80_000).contains(&serial)
    {
        // Excel's day 1 is 1900-01-01, counting the 29th of February 1900
        // that never was.
        let base = Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
        return base.checked_add(time::Duration::days(i64::from(serial)));
    }
    let digits: Vec<u32> = t
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    let (y, m, d) = match digits.as_slice() {
        [ymd] if t.len() == 8 => (ymd / 10_000, ymd / 100 % 100, ymd % 100),
        [y, m, d] => (*y, *m, *d),
        _ => return None,
    };
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?)
        .ok()
        .filter(|d| d.year() >= 2000)
}

/// A row read through the mapping: the lead, or every field that is
/// wrong (a message key each).
pub fn lead(row: &[String], map: &BTreeMap<Field, usize>) -> Result<Lead, Vec<FieldError>> {
    let cell = |f: Field| -> String {
        map.get(&f)
            .and_then(|i| row.get(*i))
            .cloned()
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    let name: String = cell(Field::Name).trim().to_owned();
    if name.chars().count() > MAX_NAME || crate::web::error::has_control(&name) {
        errors.push(FieldError::new("name", "err-screening-name"));
    }
    let phone_text = half_width(&cell(Field::Phone));
    let phone = if phone_text.trim().is_empty() {
        String::new()
    } else {
        match crate::phone::normalize(&phone_text) {
            Some(p) => p,
            None => {
                errors.push(FieldError::new("phone", "err-phone"));
                String::new()
            }
        }
    };
    let id_text = half_width(&cell(Field::IdNumber)).trim().to_uppercase();
    let id_number = if id_text.is_empty() {
        String::new()
    } else {
        match crate::volunteers::model::resident_id(&id_text) {
            Ok((n, _)) => n,
            Err(key) => {
                errors.push(FieldError::new("id_number", key));
                String::new()
            }
        }
    };
    if phone_text.trim().is_empty() && id_text.is_empty() {
        errors.push(FieldError::new("phone", "err-screening-no-contact"));
    }
    let text = |f: Field, field: &'static str, errors: &mut Vec<FieldError>| {
        let t = cell(f).trim().to_owned();
        if t.chars().count() > MAX_TEXT || crate::web::error::has_control(&t) {
            errors.push(FieldError::new(field, "err-screening-text"));
        }
        t
    };
    let residence = text(Field::Residence, "residence", &mut errors);
    let registered = text(Field::Registered, "registered", &mut errors);
    let trip = text(Field::Trip, "trip", &mut errors);
    let seen = cell(Field::SeenOn);
    let seen_on = if seen.trim().is_empty() {
        String::new()
    } else {
        match date(&seen) {
            Some(d) => d.to_string(),
            None => {
                errors.push(FieldError::new("seen_on", "err-date"));
                String::new()
            }
        }
    };
    if errors.is_empty() {
        Ok(Lead {
            name,
            phone,
            id_number,
            residence,
            registered,
            trip,
            seen_on,
        })
    } else {
        Err(errors)
    }
}

impl Lead {
    /// What a lead is, cell by cell: the same content twice is one lead.
    pub fn content(&self) -> [&str; 7] {
        [
            &self.name,
            &self.phone,
            &self.id_number,
            &self.residence,
            &self.registered,
            &self.trip,
            &self.seen_on,
        ]
    }

    /// The row's content, digested to 8 bytes: where to look for the same
    /// row sent before. Equal contents have equal hashes; a hash found is
    /// confirmed by the content it was made from (`content`), so two rows
    /// that merely share a hash are never taken for one. 8 bytes rather
    /// than the 64 hex characters of the whole digest: the index on it is
    /// written at random by every row of a list, and at a fifth of the
    /// size a batch rewrites that many fewer pages.
    pub fn row_hash(&self) -> i64 {
        let mut h = Sha256::new();
        for part in self.content() {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(first)
    }
}

/// A subject as matching sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    /// YYYY-MM-DD or ''.
    pub last_seen_on: String,
}

/// Which known subject a lead is, if any: the same ID number; else the
/// same phone and name; else the same phone within `window_days` of when
/// they were last placed (a roaming or venue list gives a phone only). A
/// different ID number is never the same person.
pub fn same_person(lead: &Lead, known: &[Known], window_days: i64) -> Option<i64> {
    if !lead.id_number.is_empty()
        && let Some(k) = known.iter().find(|k| k.id_number == lead.id_number)
    {
        return Some(k.id);
    }
    if lead.phone.is_empty() {
        return None;
    }
    let other_id = |k: &Known| {
        !lead.id_number.is_empty() && !k.id_number.is_empty() && k.id_number != lead.id_number
    };
    let phone: Vec<&Known> = known
        .iter()
        .filter(|k| k.phone == lead.phone && !other_id(k))
        .collect();
    if !lead.name.is_empty()
        && let Some(k) = phone.iter().find(|k| k.name == lead.name)
    {
        return Some(k.id);
    }
    let near = |k: &Known| match (date(&lead.seen_on), date(&k.last_seen_on)) {
        (Some(a), Some(b)) => (a - b).whole_days().abs() <= window_days,
        // Without a date on either side the phone alone decides.
        _ => true,
    };
    phone
        .iter()
        // A name on both that differs is someone else on the same phone.
        .filter(|k| lead.name.is_empty() || k.name.is_empty())
        .find(|k| near(k))
        .map(|k| k.id)
}

crate::stored_enum! {
    /// Why a street holds a subject.
    pub enum RoutedBy {
        Residence,
        Registered,
        /// Unlocated: dealt by workload.
        Split,
        /// Handed over by another office, and accepted.
        Transfer,
    }
}

/// The street (9-digit code) that holds a person living at `residence`
/// and registered at `registered` (division codes, '' when unread): where
/// they live, else where they are registered — wherever that is (a person
/// living elsewhere is that office's, handed over by a transfer); `None`
/// when neither is read down to a street (then split).
pub fn route(residence: &str, registered: &str) -> Option<(String, RoutedBy)> {
    let street = |code: &str| (code.len() >= 9).then(|| code[..9].to_owned());
    street(residence)
        .map(|s| (s, RoutedBy::Residence))
        .or_else(|| street(registered).map(|s| (s, RoutedBy::Registered)))
}

/// A street's work when unlocated people are dealt: its open subjects
/// and the seats staffed in the shift now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    pub code: String,
    pub open: i64,
    pub seats: i64,
}

/// Open subjects per seat, compared exactly (a/b < c/d as a·d < c·b),
/// then the lower code: the heap's order.
#[derive(PartialEq, Eq)]
struct PerSeat<'a>(i64, i64, &'a str);

impl Ord for PerSeat<'_> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (i128::from(self.0) * i128::from(o.1))
            .cmp(&(i128::from(o.0) * i128::from(self.1)))
            .then_with(|| self.2.cmp(o.2))
    }
}

impl PartialOrd for PerSeat<'_> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

/// Deal `n` unlocated subjects among streets by workload: each goes to
/// the street with the least open subjects per staffed seat (counting
/// those dealt so far), the lower code first on a tie. A street with no
/// seat on the roster counts as one (not every street keeps the roster,
/// and none is skipped for it). The same lists and loads always deal the
/// same way. The streets' codes, one per subject.
pub fn split(n: usize, loads: &[Load]) -> Vec<String> {
    let mut heap: std::collections::BinaryHeap<std::cmp::Reverse<PerSeat>> = loads
        .iter()
        .map(|l| std::cmp::Reverse(PerSeat(l.open.max(0), l.seats.max(1), l.code.as_str())))
        .collect();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let Some(std::cmp::Reverse(PerSeat(w, seats, code))) = heap.pop() else {
            break;
        };
        out.push(code.to_owned());
        heap.push(std::cmp::Reverse(PerSeat(w + 1, seats, code)));
    }
    out
}

crate::stored_enum! {
    /// What a call came to (核查电话的结果).
    /// (`CallOutcome` is the needs' verification call's.)
    pub enum ScreeningOutcome {
        /// Reached the person: they answered the questions.
        Reached,
        NoAnswer,
        /// 空号: the number is not in service.
        EmptyNumber,
        /// The phone is used by someone else (机主不符).
        NotThem,
        /// They live elsewhere now: where (resolved), to hand them over.
        MovedAway,
        /// They never left the city: not a traveller.
        NeverLeft,
        /// They had left the risk area before the window.
        LeftAlready,
        /// Never at the venue the list places them at.
        NeverAtVenue,
        /// The roaming record was an error of the network.
        RoamingError,
        /// Refused to answer: a door-to-door visit.
        Refused,
        /// Asked to be called back at a time.
        CallBack,
    }
}

crate::stored_enum! {
    /// Where a subject stands.
    pub enum SubjectStatus {
        /// Waiting to be called (again).
        Open,
        /// To be called back at a set time.
        CallBack,
        /// Reached: their answers are in; managed from here.
        Reached,
        /// Lives elsewhere: to be handed to the office there.
        Transfer,
        /// Refused on the phone: for the door-to-door team.
        Visit,
        /// Nothing to follow (no risk, or not a reachable person).
        Closed,
    }
}

/// What an outcome does to its subject: the status it leaves, and whether
/// it counts as an unanswered attempt. Said once here, shown on the call
/// form next to each outcome.
pub fn effect(outcome: ScreeningOutcome) -> SubjectStatus {
    use ScreeningOutcome::*;
    match outcome {
        Reached => SubjectStatus::Reached,
        NoAnswer => SubjectStatus::Open,
        EmptyNumber | NotThem | NeverLeft | LeftAlready | NeverAtVenue | RoamingError => {
            SubjectStatus::Closed
        }
        MovedAway => SubjectStatus::Transfer,
        Refused => SubjectStatus::Visit,
        CallBack => SubjectStatus::CallBack,
    }
}

/// Statuses still to be called.
pub fn callable(status: &str) -> bool {
    matches!(
        SubjectStatus::parse(status),
        Some(SubjectStatus::Open | SubjectStatus::CallBack)
    )
}

/// The code a caller reads out, from 6 random digits (not 000000: people
/// read that as no code).
pub fn call_code(random: u32) -> String {
    format!("{:06}", random % 999_999 + 1)
}

crate::stored_enum! {
    /// The screening team's shifts (mission §4): 09:00–16:30 and
    /// 16:30–22:00, Beijing time.
    pub enum Shift {
        Day,
        Evening,
    }
}

/// The shift a moment falls in, or the one that ended last (the night
/// belongs to the evening shift's handover), with when it began.
pub fn shift_at(t: time::OffsetDateTime) -> (Shift, time::OffsetDateTime) {
    let bj = t.to_offset(time::macros::offset!(+8));
    let at = |h: u8, m: u8, days: i64| {
        (bj.replace_time(time::Time::from_hms(h, m, 0).unwrap_or(time::Time::MIDNIGHT))
            - time::Duration::days(days))
        .to_offset(time::UtcOffset::UTC)
    };
    let minutes = u16::from(bj.hour()) * 60 + u16::from(bj.minute());
    if minutes < 9 * 60 {
        (Shift::Evening, at(16, 30, 1))
    } else if minutes < 16 * 60 + 30 {
        (Shift::Day, at(9, 0, 0))
    } else {
        (Shift::Evening, at(16, 30, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lead_of(name: &str, phone: &str, id: &str, seen: &str) -> Lead {
        Lead {
            name: name.into(),
            phone: phone.into(),
            id_number: id.into(),
            residence: String::new(),
            registered: String::new(),
            trip: String::new(),
            seen_on: seen.into(),
        }
    }

    fn known(id: i64, name: &str, phone: &str, number: &str, seen: &str) -> Known {
        Known {
            id,
            name: name.into(),
            phone: phone.into(),
            id_number: number.into(),
            last_seen_on: seen.into(),
        }
    }

    #[test]
    fn headers_are_found_in_either_language_and_a_saved_mapping_wins() {
        let headers: Vec<String> = [
            "序号",
            "姓名",
            "手机号码（必填）",
            "身份证号",
            "现住址",
            "Date",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = mapping(&headers, &BTreeMap::new());
        assert_eq!(m.get(&Field::Name), Some(&1));
        assert_eq!(m.get(&Field::Phone), Some(&2));
        assert_eq!(m.get(&Field::IdNumber), Some(&3));
        assert_eq!(m.get(&Field::Residence), Some(&4));
        assert_eq!(m.get(&Field::SeenOn), Some(&5));
        // A source whose list calls the residence "序号"... wins over words.
        let saved = BTreeMap::from([("residence".to_owned(), "序号".to_owned())]);
        assert_eq!(mapping(&headers, &saved).get(&Field::Residence), Some(&0));
    }

    #[test]
    fn a_row_is_normalised_and_every_wrong_field_named() {
        let headers: Vec<String> = ["姓名", "电话", "身份证号", "日期"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = mapping(&headers, &BTreeMap::new());
        let row = |cells: [&str; 4]| cells.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let l = lead(
            &row([
                " 张伟 ",
                "＋８６ １３９１１１１０００１",
                "",
                "2021年12月20日",
            ]),
            &m,
        )
        .unwrap();
        assert_eq!(l.phone, "13911110001");
        assert_eq!(l.name, "张伟");
        assert_eq!(l.seen_on, "2021-12-20");
        let e = lead(&row(["李", "12345", "610113199001010011", "去年"]), &m).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["phone", "id_number", "seen_on"]);
        let e = lead(&row(["王", "", "", ""]), &m).unwrap_err();
        assert_eq!(e[0].key, "err-screening-no-contact");
        assert_eq!(date("44550"), Some(time::macros::date!(2021 - 12 - 20)));
        assert_eq!(date("20211220"), Some(time::macros::date!(2021 - 12 - 20)));
    }

    #[test]
    fn the_same_person_by_id_then_phone_and_name_then_phone_in_the_window() {
        let k = vec![
            known(1, "张伟", "13911110001", "610113199001010012", "2021-12-20"),
            known(2, "", "13911110002", "", "2021-12-01"),
        ];
        // By ID number, whatever the phone.
        assert_eq!(
            same_person(
                &lead_of("张伟", "13800000000", "610113199001010012", ""),
                &k,
                14
            ),
            Some(1)
        );
        // By phone and name.
        assert_eq!(
            same_person(&lead_of("张伟", "13911110001", "", ""), &k, 14),
            Some(1)
        );
        // Another name on the same phone is someone else.
        assert_eq!(
            same_person(&lead_of("李娜", "13911110001", "", ""), &k, 14),
            None
        );
        // Phone only: inside the window it is them, outside it is not.
        assert_eq!(
            same_person(&lead_of("", "13911110002", "", "2021-12-10"), &k, 14),
            Some(2)
        );
        assert_eq!(
            same_person(&lead_of("", "13911110002", "", "2021-12-30"), &k, 14),
            None
        );
        // A different ID number is never the same person.
        assert_eq!(
            same_person(
                &lead_of("张伟", "13911110001", "610113199001010027", ""),
                &k,
                14
            ),
            None
        );
    }

    #[test]
    fn a_subject_goes_where_they_live_else_where_registered() {
        assert_eq!(
            route("610113001002", "610118100200"),
            Some(("610113001".into(), RoutedBy::Residence))
        );
        assert_eq!(
            route("6101", "610118100200"),
            Some(("610118100".into(), RoutedBy::Registered))
        );
        assert_eq!(route("610113", ""), None);
    }

    #[test]
    fn shifts_follow_the_street_office_s_day() {
        use time::macros::datetime;
        assert_eq!(
            shift_at(datetime!(2021-12-28 10:15 +8)),
            (Shift::Day, datetime!(2021-12-28 09:00 +8))
        );
        assert_eq!(
            shift_at(datetime!(2021-12-28 16:30 +8)),
            (Shift::Evening, datetime!(2021-12-28 16:30 +8))
        );
        // Before the day shift: the evening's still, begun yesterday.
        assert_eq!(
            shift_at(datetime!(2021-12-28 07:00 +8)),
            (Shift::Evening, datetime!(2021-12-27 16:30 +8))
        );
    }

    #[test]
    fn every_outcome_says_what_it_triggers() {
        for o in ScreeningOutcome::ALL {
            let after = effect(*o);
            // Only a missed call or a call-back leaves the subject to be
            // called; everything else moves it on.
            assert_eq!(
                callable(after.as_str()),
                matches!(o, ScreeningOutcome::NoAnswer | ScreeningOutcome::CallBack),
                "{o:?}"
            );
        }
        assert_eq!(effect(ScreeningOutcome::MovedAway), SubjectStatus::Transfer);
        assert_eq!(call_code(0), "000001");
        assert_eq!(call_code(u32::MAX).len(), 6);
    }

    proptest! {
        /// The split is deterministic, gives every subject a street, and
        /// leaves the streets' loads as even as the start allows: after
        /// dealing, no street has more than one above the least loaded,
        /// unless it started higher.
        #[test]
        fn the_split_levels_workload(
            loads in proptest::collection::vec((0i64..50, 0i64..4), 1..12),
            n in 0usize..400,
        ) {
            let streets: Vec<Load> = loads
                .iter()
                .enumerate()
                .map(|(i, (open, seats))| Load { code: format!("610113{:03}", i + 1), open: *open, seats: *seats })
                .collect();
            let dealt = split(n, &streets);
            prop_assert_eq!(dealt.len(), n);
            prop_assert_eq!(&dealt, &split(n, &streets));
            let seats = |l: &Load| l.seats.max(1);
            let mut after: BTreeMap<&str, i64> =
                streets.iter().map(|l| (l.code.as_str(), l.open)).collect();
            for c in &dealt {
                *after.get_mut(c.as_str()).unwrap() += 1;
            }
            for l in &streets {
                let got = after[l.code.as_str()] - l.open;
                if got == 0 {
                    continue;
                }
                // When it took its last one, its load per seat was no
                // more than any other's is now.
                for o in &streets {
                    prop_assert!(
                        (after[l.code.as_str()] - 1) * seats(o) <= after[o.code.as_str()] * seats(l),
                        "{} ({}/{}) over {} ({}/{})", l.code, after[l.code.as_str()], seats(l),
                        o.code, after[o.code.as_str()], seats(o)
                    );
                }
            }
        }
    }
}
