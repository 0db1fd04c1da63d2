//! The screening team of mission §4, at 小寨路街道 (雁塔区): three lists
//! from above overlapping as such lists do (people back by rail with their
//! registration, roaming phones, a venue's visitors), taken as the page
//! takes them; the day's shift; calls with every kind of outcome; people
//! managed on their schedules, with a lab's results. Written through the
//! stores, as the pages write it.

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::city::{SURNAMES, pick};
use crate::db::Db;
use crate::fetch_scalar;
use crate::screening::model::{ListKind, mapping};
use crate::screening::store::{self, CallEnd, NewOnShift};
use crate::tables::Upload;

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞",
    "平", "刚", "晨", "博", "欣", "宇", "思远", "佳怡", "子涵", "浩然", "雨桐", "俊杰",
];

/// The demo's street: the screener's.
const STREET: &str = "610113001";

/// What the demo's screening came to.
pub struct Loaded {
    pub subjects: i64,
    pub calls: usize,
    pub managed: usize,
}

struct Person {
    name: String,
    phone: String,
    id_number: String,
    residence: String,
    street: String,
}

fn upload(headers: &[&str], rows: Vec<Vec<String>>) -> Upload {
    Upload {
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i + 2, r))
            .collect(),
        blank: 0,
    }
}

/// Load the demo's screening unless it is there; `rows` is the railway
/// list's length (the roaming list is 3/5 of it, the venue's 2/5).
pub async fn load(db: &Db, rows: usize) -> anyhow::Result<Option<Loaded>> {
    if rows == 0 {
        return Ok(None);
    }
    let scope_of = |username: &'static str| {
        let db = db.clone();
        async move {
            let mut tx = db.read().await?;
            let id = fetch_scalar!(
                &mut tx,
                i64,
                "SELECT id FROM accounts WHERE username = $1",
                username
            )?;
            crate::access::store::scope_for(&mut tx, id, "")
                .await?
                .context("a demo account's scope")
        }
    };
    {
        let mut tx = db.read().await?;
        if fetch_scalar!(
            &mut tx,
            i64,
            "SELECT COUNT(*) FROM screening_sources WHERE name = '西安铁路局'"
        )? > 0
        {
            return Ok(None);
        }
    }
    let failed = |e: crate::web::error::AppError| anyhow::anyhow!("{e:?}");
    let city = scope_of("coordinator").await?;
    let screener = scope_of("screener").await?;

    // 雁塔区's streets and their communities; the demo's street takes a
    // quarter of the railway list.
    let tree = divisions::Tree::china();
    let district = tree.find("610113").context("雁塔区")?;
    let places: Vec<(String, Vec<String>)> = district
        .children()
        .filter(|s| s.level() == divisions::DivisionLevel::Street)
        .map(|s| (s.code(), s.children().map(|c| c.full_name()).collect()))
        .filter(|(_, c): &(String, Vec<String>)| !c.is_empty())
        .collect();
    let mut rng = StdRng::seed_from_u64(20211220);
    let mut people = Vec::with_capacity(rows);
    for i in 0..rows {
        let (street, communities) = if i % 4 == 0 {
            places
                .iter()
                .find(|(c, _)| c == STREET)
                .unwrap_or(&places[0])
        } else {
            pick(&mut rng, &places)
        };
        let birth = time::Date::from_calendar_date(
            rng.random_range(1950..2004),
            time::Month::try_from(rng.random_range(1u8..=12)).unwrap_or(time::Month::January),
            rng.random_range(1u8..=28),
        )?;
        people.push(Person {
            name: format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN)),
            phone: format!("139{:08}", 29_100_000 + i),
            id_number: super::roster::resident_id("610113", birth, i as u32),
            residence: format!(
                "{}{}号楼{}单元",
                pick(&mut rng, communities),
                rng.random_range(1..30),
                rng.random_range(1..6)
            ),
            street: street.clone(),
        });
    }
    let day = |d: u32| format!("2021-12-{d:02}");
    // (a) By rail from risk areas, with registration.
    let a: Vec<Vec<String>> = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                p.name.clone(),
                p.id_number.clone(),
                p.phone.clone(),
                p.residence.clone(),
                "陕西省西安市雁塔区".to_owned(),
                format!("G{} 北京西→西安北", 87 + i % 12),
                day(14 + (i % 7) as u32),
            ]
        })
        .collect();
    // (b) Roaming phones: half of them the railway list's people (a
    // day later), half strangers with no address.
    let b: Vec<Vec<String>> = (0..rows * 3 / 5)
        .map(|i| {
            let phone = if i % 2 == 0 {
                people[i].phone.clone()
            } else {
                format!("138{:08}", 29_200_000 + i)
            };
            vec![phone, day(15 + (i % 7) as u32)]
        })
        .collect();
    // (c) A venue's visitors: a third of them on the railway list.
    let c: Vec<Vec<String>> = (0..rows * 2 / 5)
        .map(|i| {
            if i % 3 == 0 {
                vec![
                    people[i * 2].name.clone(),
                    people[i * 2].phone.clone(),
                    day(19),
                ]
            } else {
                vec![
                    format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN)),
                    format!("137{:08}", 29_300_000 + i),
                    day(19),
                ]
            }
        })
        .collect();
    let lists = [
        (
            "西安铁路局",
            ListKind::Transport,
            "返西安旅客.xlsx",
            upload(
                &[
                    "姓名",
                    "身份证号",
                    "手机号码",
                    "现住址",
                    "户籍地址",
                    "车次",
                    "到达日期",
                ],
                a,
            ),
        ),
        (
            "陕西通信管理局",
            ListKind::Roaming,
            "漫游号码.csv",
            upload(&["手机号码", "日期"], b),
        ),
        (
            "大唐不夜城市场监管所",
            ListKind::Venue,
            "场所扫码.csv",
            upload(&["姓名", "电话", "到访日期"], c),
        ),
    ];
    for (source, kind, file, u) in &lists {
        let map = mapping(&u.headers, &Default::default());
        store::import(db, &city, "", source, *kind, file, u.clone(), &map, &|_| {})
            .await
            .map_err(failed)?;
    }

    // Today's shifts at the street: the demo's screener, seat 1 — and the
    // shift under way now, which before 09:00 Beijing time is yesterday's
    // evening one (a demo loaded after midnight still has its screener on).
    let now = crate::db::now();
    let today = crate::management::model::beijing_day(now);
    let (current, started) = crate::screening::model::shift_at(now);
    let mut shifts = vec![(today, "day"), (today, "evening")];
    let started = crate::management::model::beijing_day(started);
    if started != today {
        shifts.push((started, current.as_str()));
    }
    for (day, shift) in shifts {
        store::add_to_shift(
            db,
            &city,
            &NewOnShift {
                account_id: screener.account_id(),
                day: day.to_string(),
                shift: shift.to_owned(),
                seat: 1,
                kind: "staff".to_owned(),
            },
        )
        .await
        .map_err(failed)?;
    }
    store::set_seat(db, &screener, "13709110001")
        .await
        .map_err(failed)?;

    // The street's people called: every kind of outcome.
    let ours: Vec<&Person> = people.iter().filter(|p| p.street == STREET).collect();
    let outcomes = [
        "reached",
        "reached",
        "no_answer",
        "reached",
        "empty_number",
        "never_left",
        "reached",
        "not_them",
        "moved_away",
        "reached",
        "refused",
        "call_back",
        "reached",
        "no_answer",
        "left_already",
        "reached",
    ];
    let mut reached = Vec::new();
    let mut calls = 0;
    for (p, outcome) in ours.iter().zip(outcomes) {
        let id = {
            let mut tx = db.read().await?;
            fetch_scalar!(
                &mut tx,
                i64,
                "SELECT id FROM subjects WHERE id_number = $1",
                &p.id_number
            )?
        };
        let call = store::start_call(db, &screener, id).await.map_err(failed)?;
        let tomorrow = today + time::Duration::days(1);
        store::end_call(
            db,
            &screener,
            call.call_id,
            &CallEnd {
                outcome: outcome.to_owned(),
                note: match outcome {
                    "reached" => "已在家，同意居家并按时核酸".to_owned(),
                    "refused" => "以为是诈骗电话，挂断".to_owned(),
                    _ => String::new(),
                },
                moved_to: if outcome == "moved_away" {
                    "北京市朝阳区".to_owned()
                } else {
                    String::new()
                },
                call_back_at: if outcome == "call_back" {
                    format!("{tomorrow}T10:00")
                } else {
                    String::new()
                },
            },
        )
        .await
        .map_err(failed)?;
        calls += 1;
        if outcome == "reached" {
            reached.push((id, *p));
        }
    }

    // The reached managed (home isolation from their arrival, self
    // monitoring for the rest); the lab's results for most of their tests.
    let mut results = Vec::new();
    for (n, (id, p)) in reached.iter().enumerate() {
        let (level, back) = if n % 3 == 2 {
            ("self_monitoring", 2)
        } else {
            ("home_isolation", 2 + n as i64 % 5)
        };
        let starts = today - time::Duration::days(back);
        let m = crate::management::store::start(
            db,
            &screener,
            *id,
            &crate::management::store::NewManagement {
                level: level.to_owned(),
                starts_on: starts.to_string(),
            },
        )
        .await
        .map_err(failed)?;
        let schedule = crate::management::model::TestSchedule {
            tests: m.tests,
            days: m.days,
        };
        for d in schedule.due_days() {
            let on = starts + time::Duration::days(i64::from(d));
            // One person's tests have not come: overdue.
            if on <= today && n != 1 {
                results.push(vec![
                    p.name.clone(),
                    p.id_number.clone(),
                    on.to_string(),
                    "阴性".to_owned(),
                ]);
            }
        }
    }
    let lab = upload(&["姓名", "身份证号码", "采样日期", "检测结果"], results);
    crate::management::store::import_results(db, &screener, "核酸结果.xlsx", &lab)
        .await
        .map_err(failed)?;
    let subjects = {
        let mut tx = db.read().await?;
        fetch_scalar!(&mut tx, i64, "SELECT COUNT(*) FROM subjects")?
    };
    Ok(Some(Loaded {
        subjects,
        calls,
        managed: reached.len(),
    }))
}
