//! Training and credentials (培训 / 资质): what a credential is and how long
//! it holds, which task kinds require which credentials, a training
//! session as sent and checked, and service hours from what was recorded.
//! Types and rules; no IO.

use serde::Deserialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::web::error::{FieldError, Invalid};

crate::stored_enum! {
    /// What a volunteer is qualified for, until it expires.
    pub enum CredentialKind {
        /// PPE donning and doffing (穿脱防护服).
        Ppe,
        FirstAid,
        Disinfection,
        /// A driving licence, checked by a coordinator.
        DrivingLicence,
        /// A medical practitioner's or nurse's licence, checked.
        MedicalLicence,
    }
}

impl CredentialKind {
    /// How long attending a training keeps one valid; None: a training
    /// cannot give it (a licence is a document a coordinator checks).
    pub fn by_training(self) -> Option<Duration> {
        match self {
            // PPE practice fades fast; offices retrain twice a year.
            CredentialKind::Ppe => Some(Duration::days(180)),
            CredentialKind::FirstAid => Some(Duration::days(730)),
            CredentialKind::Disinfection => Some(Duration::days(365)),
            CredentialKind::DrivingLicence | CredentialKind::MedicalLicence => None,
        }
    }
}

crate::stored_enum! {
    /// Kinds of field work, by what they ask of the person doing it.
    pub enum TaskKind {
        Deliver,
        Visit,
        /// Going inside a sealed zone (the inside leg of a delivery).
        SealedZoneEntry,
        MedicalEscort,
        Driving,
        Disinfect,
    }
}

impl TaskKind {
    /// The credentials a volunteer needs, all valid, to be offered it.
    pub fn requires(self) -> &'static [CredentialKind] {
        use CredentialKind::*;
        match self {
            TaskKind::Deliver | TaskKind::Visit => &[],
            TaskKind::SealedZoneEntry => &[Ppe],
            TaskKind::MedicalEscort => &[MedicalLicence, Ppe],
            TaskKind::Driving => &[DrivingLicence],
            TaskKind::Disinfect => &[Disinfection, Ppe],
        }
    }
}

/// A credential held: its kind and when it lapses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub kind: CredentialKind,
    pub expires_at: OffsetDateTime,
}

/// What a task needs that these credentials do not give at `at` (empty:
/// qualified). An expired credential is no credential.
pub fn missing(held: &[Held], task: TaskKind, at: OffsetDateTime) -> Vec<CredentialKind> {
    task.requires()
        .iter()
        .copied()
        .filter(|k| !held.iter().any(|h| h.kind == *k && h.expires_at > at))
        .collect()
}

/// A training session as sent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewTraining {
    pub org_id: i64,
    pub title: String,
    pub division_code: String,
    /// What attending grants: ppe, first_aid or disinfection.
    #[schema(value_type = CredentialKind)]
    pub credential: String,
    pub place: String,
    /// RFC 3339, or YYYY-MM-DDTHH:MM read as Beijing time.
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: i64,
}

/// A training session checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedTraining {
    pub title: String,
    pub division_code: String,
    pub credential: CredentialKind,
    pub place: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub capacity: i64,
}

/// Most seats one session holds (a hall; more is several sessions).
pub const MAX_CAPACITY: i64 = 1000;

/// A session runs at most this long (a day's course).
pub const MAX_SESSION: Duration = Duration::hours(12);

/// A time as sent: RFC 3339, or a form's datetime-local read as Beijing
/// time (the people who type it live there).
pub fn moment(text: &str) -> Option<OffsetDateTime> {
    let t = text.trim();
    if let Ok(at) = OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        return Some(at);
    }
    // Browsers send seconds when the input's step asks for them.
    let local = time::PrimitiveDateTime::parse(
        t,
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    )
    .or_else(|_| {
        time::PrimitiveDateTime::parse(
            t,
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        )
    })
    .ok()?;
    Some(local.assume_offset(time::macros::offset!(+8)))
}

impl NewTraining {
    pub fn check(&self) -> Result<CheckedTraining, Invalid> {
        let mut errors = Invalid::default();
        errors.text("title", &self.title, 80);
        errors.text("place", &self.place, 120);
        let code = self.division_code.trim();
        if divisions::Tree::china().find(code).is_none() {
            errors.push(FieldError::new("division_code", "err-division"));
        }
        let credential = CredentialKind::parse(self.credential.trim());
        if credential.and_then(CredentialKind::by_training).is_none() {
            errors.push(FieldError::new("credential", "err-training-credential"));
        }
        let starts = moment(&self.starts_at);
        if starts.is_none() {
            errors.push(FieldError::new("starts_at", "err-datetime"));
        }
        let ends = moment(&self.ends_at);
        if ends.is_none() {
            errors.push(FieldError::new("ends_at", "err-datetime"));
        }
        if let (Some(s), Some(e)) = (starts, ends)
            && (e <= s || e - s > MAX_SESSION)
        {
            errors.push(FieldError::new("ends_at", "err-training-length"));
        }
        if !(1..=MAX_CAPACITY).contains(&self.capacity) {
            errors.push(FieldError::counted(
                "capacity",
                "err-training-capacity",
                MAX_CAPACITY,
            ));
        }
        match (errors.is_empty(), credential, starts, ends) {
            (true, Some(credential), Some(starts_at), Some(ends_at)) => Ok(CheckedTraining {
                title: self.title.trim().to_owned(),
                division_code: code.to_owned(),
                credential,
                place: self.place.trim().to_owned(),
                starts_at,
                ends_at,
                capacity: self.capacity,
            }),
            _ => Err(errors),
        }
    }
}

/// A duty counts at most this long: one left open (a forgotten clock-off)
/// counts as a long day, not as days.
pub const MAX_DUTY: Duration = Duration::hours(12);

/// One stretch of recorded work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    pub from: OffsetDateTime,
    /// None: still open.
    pub to: Option<OffsetDateTime>,
}

impl Stretch {
    /// Minutes it counts at `now`: closed ones as recorded, open ones up
    /// to now; each at most MAX_DUTY, never negative.
    pub fn minutes(&self, now: OffsetDateTime) -> i64 {
        let to = self.to.unwrap_or(now);
        (to - self.from)
            .clamp(Duration::ZERO, MAX_DUTY)
            .whole_minutes()
    }
}

/// Minutes served over stretches of duty: overlapping stretches (a duty
/// and a training at once) count once.
pub fn served_minutes(stretches: &[Stretch], now: OffsetDateTime) -> i64 {
    let mut spans: Vec<(OffsetDateTime, OffsetDateTime)> = stretches
        .iter()
        .map(|s| (s.from, s.from + Duration::minutes(s.minutes(now))))
        .filter(|(a, b)| b > a)
        .collect();
    spans.sort();
    let mut total = Duration::ZERO;
    let mut current: Option<(OffsetDateTime, OffsetDateTime)> = None;
    for (a, b) in spans {
        current = match current {
            Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    if let Some((ca, cb)) = current {
        total += cb - ca;
    }
    total.whole_minutes()
}

/// Hours as people read them: one decimal.
pub fn hours(minutes: i64) -> String {
    format!("{}.{}", minutes / 60, (minutes % 60) / 6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2021-12-28 12:00 +8);

    fn held(kind: CredentialKind, days: i64) -> Held {
        Held {
            kind,
            expires_at: NOW + Duration::days(days),
        }
    }

    #[test]
    fn a_task_needs_every_credential_it_names_unexpired() {
        use CredentialKind::*;
        assert!(missing(&[], TaskKind::Deliver, NOW).is_empty());
        assert_eq!(missing(&[], TaskKind::SealedZoneEntry, NOW), vec![Ppe]);
        assert!(missing(&[held(Ppe, 1)], TaskKind::SealedZoneEntry, NOW).is_empty());
        // Expired yesterday: not qualified.
        assert_eq!(
            missing(&[held(Ppe, -1)], TaskKind::SealedZoneEntry, NOW),
            vec![Ppe]
        );
        assert_eq!(
            missing(&[held(Ppe, 30)], TaskKind::MedicalEscort, NOW),
            vec![MedicalLicence]
        );
        assert!(
            missing(
                &[held(Ppe, 30), held(MedicalLicence, 400)],
                TaskKind::MedicalEscort,
                NOW
            )
            .is_empty()
        );
        assert_eq!(
            missing(&[held(Ppe, 30)], TaskKind::Driving, NOW),
            vec![DrivingLicence]
        );
    }

    #[test]
    fn trainings_give_only_what_a_course_can_give() {
        assert!(CredentialKind::Ppe.by_training().is_some());
        assert!(CredentialKind::DrivingLicence.by_training().is_none());
        let t = NewTraining {
            org_id: 1,
            title: "防护服穿脱培训".into(),
            division_code: "610118".into(),
            credential: "driving_licence".into(),
            place: "鄠邑区社工站".into(),
            starts_at: "2021-12-20T09:00".into(),
            ends_at: "2021-12-20T11:00".into(),
            capacity: 40,
        };
        let e = t.check().unwrap_err();
        assert_eq!(e.key_for("credential"), Some("err-training-credential"));
        let ok = NewTraining {
            credential: "ppe".into(),
            ..t.clone()
        }
        .check()
        .unwrap();
        assert_eq!(ok.starts_at, datetime!(2021-12-20 09:00 +8));
        assert_eq!(
            moment("2021-12-20T09:00:30"),
            Some(datetime!(2021-12-20 09:00:30 +8))
        );
        assert_eq!(
            moment("2021-12-20T01:00:00Z"),
            Some(datetime!(2021-12-20 09:00 +8))
        );
        assert_eq!(moment("20日上午九点"), None);
        let long = NewTraining {
            credential: "ppe".into(),
            ends_at: "2021-12-21T11:00".into(),
            ..t.clone()
        };
        assert_eq!(
            long.check().unwrap_err().key_for("ends_at"),
            Some("err-training-length")
        );
        let full = NewTraining {
            credential: "ppe".into(),
            capacity: 0,
            ..t
        };
        assert_eq!(
            full.check().unwrap_err().key_for("capacity"),
            Some("err-training-capacity")
        );
    }

    #[test]
    fn a_forgotten_clock_off_counts_a_long_day_not_days() {
        let from = NOW - Duration::days(3);
        assert_eq!(Stretch { from, to: None }.minutes(NOW), 12 * 60);
        let s = Stretch {
            from,
            to: Some(from + Duration::minutes(150)),
        };
        assert_eq!(served_minutes(&[s], NOW), 150);
        assert_eq!(hours(150), "2.5");
    }

    fn stretch() -> impl Strategy<Value = Stretch> {
        (0i64..5000, proptest::option::of(0i64..1000)).prop_map(|(start, len)| Stretch {
            from: NOW - Duration::minutes(start),
            to: len.map(|l| NOW - Duration::minutes(start) + Duration::minutes(l)),
        })
    }

    proptest! {
        /// Served minutes never exceed the sum of the stretches, never
        /// fall below the longest one, and do not depend on order.
        #[test]
        fn overlaps_count_once(mut s in proptest::collection::vec(stretch(), 0..12)) {
            let total = served_minutes(&s, NOW);
            let sum: i64 = s.iter().map(|x| x.minutes(NOW)).sum();
            let longest = s.iter().map(|x| x.minutes(NOW)).max().unwrap_or(0);
            prop_assert!(total <= sum);
            prop_assert!(total >= longest);
            s.reverse();
            prop_assert_eq!(served_minutes(&s, NOW), total);
        }
    }
}
