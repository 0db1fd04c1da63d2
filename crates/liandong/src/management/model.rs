//! Graded management (分级管理): the three levels, the test schedule each
//! is managed by (set by an admin), how far a person's tests have come,
//! and a row of a test-result list read and checked. No IO.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use time::Date;

use crate::screening::model::{Field, date, half_width, plain_header};
use crate::web::error::FieldError;

crate::stored_enum! {
    /// How closely a person is managed, strictest first.
    pub enum ManagementLevel {
        /// 居家隔离: stays in, tested at home.
        HomeIsolation,
        /// 居家健康监测: stays in, may go out for tests.
        HomeMonitoring,
        /// 自我健康监测: goes about, watches for symptoms, tests.
        SelfMonitoring,
    }
}

/// So many tests in so many days (三天两检, 七天三检): day 1 is the day
/// management starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TestSchedule {
    pub tests: u32,
    pub days: u32,
}

/// The longest schedule an admin may set (days), and the most tests.
pub const MAX_DAYS: u32 = 60;
pub const MAX_TESTS: u32 = 30;

impl TestSchedule {
    /// The schedule a level has until an admin sets another: 七天三检 at
    /// home, 三天两检 for self monitoring (mission §4).
    pub fn default_for(level: ManagementLevel) -> TestSchedule {
        match level {
            ManagementLevel::HomeIsolation | ManagementLevel::HomeMonitoring => {
                TestSchedule { tests: 3, days: 7 }
            }
            ManagementLevel::SelfMonitoring => TestSchedule { tests: 2, days: 3 },
        }
    }

    /// A schedule an admin sends, checked: at least one test, at most one
    /// a day, within 60 days.
    pub fn checked(tests: i64, days: i64) -> Result<TestSchedule, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(1..=i64::from(MAX_DAYS)).contains(&days) {
            errors.push(FieldError::counted(
                "days",
                "err-schedule-days",
                MAX_DAYS.into(),
            ));
        }
        if !(1..=i64::from(MAX_TESTS)).contains(&tests) || (errors.is_empty() && tests > days) {
            errors.push(FieldError::new("tests", "err-schedule-tests"));
        }
        if errors.is_empty() {
            Ok(TestSchedule {
                tests: tests as u32,
                days: days as u32,
            })
        } else {
            Err(errors)
        }
    }

    /// The days (0 = the first) tests fall due, spread evenly from the
    /// first day to the last: 3 in 7 on days 1, 4, 7; 2 in 3 on 1 and 3.
    pub fn due_days(self) -> Vec<u32> {
        let (n, last) = (self.tests.max(1), self.days.max(1) - 1);
        if n == 1 {
            return vec![0];
        }
        (0..n).map(|i| (i * last + (n - 1) / 2) / (n - 1)).collect()
    }

    /// The last day of management.
    pub fn ends_on(self, starts_on: Date) -> Date {
        starts_on + time::Duration::days(i64::from(self.days.max(1)) - 1)
    }
}

// Days go out as YYYY-MM-DD (time's own serde writes a tuple).
time::serde::format_description!(pub day, Date, "[year]-[month]-[day]");

/// How far a person's schedule has come on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Progress {
    /// Tests due by the end of today.
    pub expected: u32,
    /// Days with a result sampled within the schedule (at most `tests`).
    pub received: u32,
    /// A due day has passed with fewer results than tests due by then.
    pub overdue: bool,
    /// Every test in and the last day reached: ready to release.
    pub complete: bool,
    /// The next day a test falls due beyond those received.
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(with = "day::option")]
    pub next_due: Option<Date>,
}

/// Progress on `today` of a schedule begun on `starts_on`, with results
/// sampled on `received` distinct days inside it, the latest on `last`.
/// A test taken early counts toward the next one due (people test when
/// the van comes), but the schedule completes only with a test on or
/// after its last due day: three tests in the first three days do not
/// release anyone on the seventh.
pub fn progress(
    schedule: TestSchedule,
    starts_on: Date,
    received: u32,
    last: Option<Date>,
    today: Date,
) -> Progress {
    let due = schedule.due_days();
    let received = received.min(schedule.tests);
    let day_of = |d: u32| starts_on + time::Duration::days(i64::from(d));
    let expected = due.iter().filter(|d| day_of(**d) <= today).count() as u32;
    let final_due = due.last().map(|d| day_of(*d)).unwrap_or(starts_on);
    let final_done = last.is_some_and(|l| l >= final_due);
    // All counted but the last due day not tested on: the last test is
    // still owed.
    let next_due = match due.get(received as usize) {
        Some(d) => Some(day_of(*d)),
        None if !final_done => Some(final_due),
        None => None,
    };
    Progress {
        expected,
        received,
        overdue: next_due.is_some_and(|d| d < today),
        complete: received >= schedule.tests && final_done && today >= schedule.ends_on(starts_on),
        next_due,
    }
}

/// The day in Beijing (screening's days are the offices' days).
pub fn beijing_day(t: time::OffsetDateTime) -> Date {
    t.to_offset(time::macros::offset!(+8)).date()
}

crate::stored_enum! {
    /// A PCR result.
    pub enum TestOutcome {
        Negative,
        Positive,
    }
}

crate::stored_enum! {
    /// A column of a test-result list.
    pub enum ResultField {
        Name,
        Phone,
        IdNumber,
        SampledOn,
        Result,
    }
}

impl ResultField {
    /// Headers that name this column (compared as `plain_header` reads).
    fn headers(self) -> &'static [&'static str] {
        match self {
            // A person's columns are read as screening lists have them.
            ResultField::Name => Field::Name.headers(),
            ResultField::Phone => Field::Phone.headers(),
            ResultField::IdNumber => Field::IdNumber.headers(),
            ResultField::SampledOn => &[
                "采样日期",
                "采样时间",
                "采集时间",
                "采集日期",
                "检测日期",
                "日期",
                "sampledon",
                "sampled",
                "date",
            ],
            ResultField::Result => &["结果", "检测结果", "核酸结果", "result", "outcome"],
        }
    }
}

/// Which column each result field is in, by its header.
pub fn result_columns(headers: &[String]) -> BTreeMap<ResultField, usize> {
    let plain: Vec<String> = headers.iter().map(|h| plain_header(h)).collect();
    let mut out = BTreeMap::new();
    for f in ResultField::ALL {
        let known: Vec<String> = f.headers().iter().map(|h| plain_header(h)).collect();
        if let Some(i) =
            (0..plain.len()).find(|i| known.contains(&plain[*i]) && !out.values().any(|c| c == i))
        {
            out.insert(*f, i);
        }
    }
    out
}

/// The columns a result list cannot do without, as a field error each.
pub fn missing_columns(map: &BTreeMap<ResultField, usize>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !map.contains_key(&ResultField::SampledOn) {
        errors.push(FieldError::new("sampled_on", "err-results-column"));
    }
    if !map.contains_key(&ResultField::Result) {
        errors.push(FieldError::new("result", "err-results-column"));
    }
    let names_person = map.contains_key(&ResultField::IdNumber)
        || (map.contains_key(&ResultField::Phone) && map.contains_key(&ResultField::Name));
    if !names_person {
        errors.push(FieldError::new("id_number", "err-results-person"));
    }
    errors
}

/// A result as read from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub sampled_on: Date,
    pub outcome: TestOutcome,
}

/// A result cell: 阴性 / 阳性, in the ways labs write them.
pub fn outcome(text: &str) -> Option<TestOutcome> {
    let t = half_width(text.trim()).to_lowercase();
    match t.as_str() {
        "阴性" | "阴" | "negative" | "neg" | "-" | "（-）" | "(-)" => {
            Some(TestOutcome::Negative)
        }
        "阳性" | "阳" | "positive" | "pos" | "+" | "（+）" | "(+)" => {
            Some(TestOutcome::Positive)
        }
        _ => None,
    }
}

/// A row read through the columns: the result, or every wrong field. A
/// result names its person by ID number, or by phone and name together.
pub fn test_result(
    row: &[String],
    map: &BTreeMap<ResultField, usize>,
) -> Result<TestResult, Vec<FieldError>> {
    let cell = |f: ResultField| -> String {
        map.get(&f)
            .and_then(|i| row.get(*i))
            .map(|c| half_width(c.trim()))
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    let name = cell(ResultField::Name);
    if name.chars().count() > 30 || crate::web::error::has_control(&name) {
        errors.push(FieldError::new("name", "err-screening-name"));
    }
    let phone = match cell(ResultField::Phone) {
        p if p.is_empty() => String::new(),
        p => crate::phone::normalize(&p).unwrap_or_else(|| {
            errors.push(FieldError::new("phone", "err-phone"));
            String::new()
        }),
    };
    let id_number = match cell(ResultField::IdNumber).to_uppercase() {
        id if id.is_empty() => String::new(),
        id => match crate::volunteers::model::resident_id(&id) {
            Ok((n, _)) => n,
            Err(key) => {
                errors.push(FieldError::new("id_number", key));
                String::new()
            }
        },
    };
    if id_number.is_empty() && (phone.is_empty() || name.is_empty()) && errors.is_empty() {
        errors.push(FieldError::new("id_number", "err-results-person"));
    }
    let sampled_on = date(&cell(ResultField::SampledOn));
    if sampled_on.is_none() {
        errors.push(FieldError::new("sampled_on", "err-date"));
    }
    let result = outcome(&cell(ResultField::Result));
    if result.is_none() {
        errors.push(FieldError::new("result", "err-results-outcome"));
    }
    match (sampled_on, result) {
        (Some(sampled_on), Some(outcome)) if errors.is_empty() => Ok(TestResult {
            name,
            phone,
            id_number,
            sampled_on,
            outcome,
        }),
        _ => Err(errors),
    }
}

impl TestResult {
    /// The result's content, digested: a list sent twice adds nothing.
    pub fn key(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.name.as_str(),
            &self.phone,
            &self.id_number,
            &self.sampled_on.to_string(),
            self.outcome.as_str(),
        ] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        crate::hex(&h.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn schedules_fall_due_as_offices_count_them() {
        assert_eq!(TestSchedule { tests: 3, days: 7 }.due_days(), vec![0, 3, 6]);
        assert_eq!(TestSchedule { tests: 2, days: 3 }.due_days(), vec![0, 2]);
        assert_eq!(TestSchedule { tests: 1, days: 1 }.due_days(), vec![0]);
        assert_eq!(
            TestSchedule { tests: 7, days: 7 }.due_days(),
            (0..7).collect::<Vec<_>>()
        );
        assert!(TestSchedule::checked(4, 3).is_err());
        assert!(TestSchedule::checked(0, 3).is_err());
        assert!(TestSchedule::checked(2, 61).is_err());
        assert_eq!(
            TestSchedule::checked(2, 3).unwrap(),
            TestSchedule { tests: 2, days: 3 }
        );
    }

    #[test]
    fn a_seven_day_three_test_schedule_day_by_day() {
        let s = TestSchedule { tests: 3, days: 7 };
        let start = date!(2021 - 12 - 20);
        let p = progress(s, start, 0, None, start);
        assert_eq!(
            (p.expected, p.received, p.overdue, p.complete),
            (1, 0, false, false)
        );
        assert_eq!(p.next_due, Some(start));
        // The day after the first test fell due, with no result: overdue.
        assert!(progress(s, start, 0, None, date!(2021 - 12 - 21)).overdue);
        let p = progress(s, start, 1, Some(start), date!(2021 - 12 - 21));
        assert!(!p.overdue);
        assert_eq!(p.next_due, Some(date!(2021 - 12 - 23)));
        // All three in but the last day not reached: not yet.
        let last = Some(date!(2021 - 12 - 26));
        assert!(!progress(s, start, 3, last, date!(2021 - 12 - 25)).complete);
        assert!(progress(s, start, 3, last, date!(2021 - 12 - 26)).complete);
        assert!(!progress(s, start, 2, last, date!(2021 - 12 - 26)).complete);
        // Three tests in the first three days: the last is still owed.
        let early = progress(
            s,
            start,
            3,
            Some(date!(2021 - 12 - 22)),
            date!(2021 - 12 - 27),
        );
        assert!(!early.complete);
        assert!(early.overdue);
        assert_eq!(early.next_due, Some(date!(2021 - 12 - 26)));
    }

    #[test]
    fn results_are_read_as_labs_write_them() {
        let headers: Vec<String> = ["姓名", "身份证号码", "联系电话", "采样时间", "检测结果"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let map = result_columns(&headers);
        assert!(missing_columns(&map).is_empty());
        let row = |cells: [&str; 5]| cells.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let r = test_result(
            &row([
                "王芳",
                "",
                "１３９ １２３４ ５６７８",
                "2021/12/21 08:30",
                "阴性",
            ]),
            &map,
        )
        .unwrap();
        assert_eq!(r.phone, "13912345678");
        assert_eq!(r.sampled_on, date!(2021 - 12 - 21));
        assert_eq!(r.outcome, TestOutcome::Negative);
        let bad = test_result(&row(["", "", "13912345678", "昨天", "待定"]), &map).unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["id_number", "sampled_on", "result"]);
        assert!(missing_columns(&result_columns(&["姓名".to_owned()])).len() == 3);
    }

    proptest! {
        /// Whatever the schedule, day and results: nothing received beyond
        /// the tests, nothing complete while overdue, and one more result
        /// never makes things worse.
        #[test]
        fn progress_holds_together(tests in 1u32..10, extra in 0u32..20, received in 0u32..15, day in 0i64..40, last in proptest::option::of(0i64..40)) {
            let s = TestSchedule { tests, days: tests + extra };
            let start = date!(2022 - 01 - 01);
            let today = start + time::Duration::days(day);
            let last = last.map(|d| start + time::Duration::days(d));
            let p = progress(s, start, received, last, today);
            prop_assert!(p.received <= s.tests);
            prop_assert!(p.expected <= s.tests);
            prop_assert!(!(p.complete && p.overdue));
            let due = s.due_days();
            prop_assert_eq!(due.len() as u32, s.tests);
            prop_assert!(due.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(tests == 1 || *due.last().unwrap() == s.days - 1);
            let more = progress(s, start, received + 1, last, today);
            prop_assert!(!more.overdue || p.overdue);
            prop_assert!(more.complete || !p.complete);
        }
    }
}
