//! A city's needs in every state: Xi'an's 13 districts over the three
//! weeks of the lockdown, each need with its history of events, for the
//! demo (a few hundred) and for the benchmarks (100,000). Written in bulk
//! — one transaction per thousand needs, the rows as the intake and the
//! lifecycle write them — because the intake path's one commit per need
//! would take minutes for the benchmarks' picture. Every path a need takes
//! here is checked by the model's own `transition`.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Duration, OffsetDateTime};

use crate::db::{Db, Ts};
use crate::needs::model::{NeedKind, NeedStatus, NewNeed, Urgency, story_key, transition};
use crate::{execute, fetch_scalar};

/// How big a picture, and where it ends.
#[derive(Debug, Clone)]
pub struct Picture {
    /// Needs in all.
    pub needs: usize,
    /// Of those, still open (new to delivered, not yet closed).
    pub open: usize,
    /// The same seed draws the same city.
    pub seed: u64,
    /// The newest need is just before this.
    pub now: OffsetDateTime,
}

/// Xi'an's districts and counties by people living there (2020 census, in
/// ten thousands): where needs come from, in that proportion.
pub(super) const DISTRICTS: &[(&str, u32)] = &[
    ("610102", 60),  // 新城区
    ("610103", 76),  // 碑林区
    ("610104", 101), // 莲湖区
    ("610111", 76),  // 灞桥区
    ("610112", 152), // 未央区
    ("610113", 146), // 雁塔区
    ("610114", 28),  // 阎良区
    ("610115", 66),  // 临潼区
    ("610116", 139), // 长安区
    ("610117", 53),  // 高陵区
    ("610118", 57),  // 鄠邑区
    ("610122", 51),  // 蓝田县
    ("610124", 56),  // 周至县
];

pub(super) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "胡", "朱", "郭",
    "何", "罗", "高", "林",
];
const CALLED: &[&str] = &["先生", "女士", "阿姨", "叔叔", "师傅", "老师"];

/// (kind, urgency weights normal/urgent/critical, stories with `{b}` for a
/// building and `{n}` for a number)
const STORIES: &[(NeedKind, [u32; 3], &[&str])] = &[
    (
        NeedKind::Food,
        [60, 38, 2],
        &[
            "封控第{n}天，家里断粮，{b}号楼两位老人",
            "小区封闭，{b}号楼一家{n}口米面快吃完了",
            "外卖停了，{b}号楼独居老人没有蔬菜",
            "村里{n}户人家缺方便食品，超市关门",
            "{b}号楼租户，冰箱空了，需要米面油",
        ],
    ),
    (
        NeedKind::Medicine,
        [30, 55, 15],
        &[
            "{b}号楼老人降压药只剩{n}天",
            "糖尿病人胰岛素断供，{b}号楼",
            "孩子发烧需要退烧药，{b}号楼{n}单元",
            "慢性病长期用药断了{n}天，{b}号楼",
        ],
    ),
    (
        NeedKind::Medical,
        [10, 40, 50],
        &[
            "{b}号楼孕妇临产，需要送医",
            "透析病人每周{n}次透析，出不了小区",
            "{b}号楼老人胸闷，需要就医",
            "化疗病人第{n}次疗程到期，{b}号楼",
        ],
    ),
    (
        NeedKind::Ppe,
        [50, 45, 5],
        &[
            "社区卡点缺防护服{n}套",
            "志愿者没有N95口罩，{b}号楼值守点",
            "核酸检测点缺面屏和手套，{n}人值守",
        ],
    ),
    (
        NeedKind::Care,
        [55, 40, 5],
        &[
            "{b}号楼独居老人需要每天有人看望",
            "留守儿童家中无人照看，{b}号楼",
            "残疾人生活不能自理，{b}号楼，护工进不来",
        ],
    ),
    (
        NeedKind::Transport,
        [40, 45, 15],
        &[
            "医护人员下夜班无车回家，{b}号楼",
            "需要车辆送{n}箱物资到村委会",
            "病人出院回家无车，{b}号楼",
        ],
    ),
    (
        NeedKind::Other,
        [80, 18, 2],
        &[
            "{b}号楼居民心理压力大，需要疏导",
            "家中宠物无人照顾，{b}号楼",
            "需要帮忙代缴水电费，{b}号楼{n}单元",
        ],
    ),
];

/// How often each kind is asked for, in the order of `STORIES`.
const KIND_WEIGHTS: &[u32] = &[46, 20, 8, 6, 9, 6, 5];

/// One need of the picture, drawn: its row and the steps it went through.
#[derive(Debug, Clone)]
pub struct Drawn {
    pub index: usize,
    pub need: crate::needs::model::CheckedNeed,
    pub channel: &'static str,
    pub division_code: String,
    pub created_at: OffsetDateTime,
    /// (state entered, when, reason)
    pub steps: Vec<(NeedStatus, OffsetDateTime, &'static str)>,
}

impl Drawn {
    pub fn status(&self) -> NeedStatus {
        self.steps.last().map(|s| s.0).unwrap_or(NeedStatus::New)
    }

    fn minutes_to(&self, to: NeedStatus) -> Option<i64> {
        self.steps
            .iter()
            .find(|s| s.0 == to)
            .map(|s| crate::needs::model::minutes_between(self.created_at, s.1))
    }
}

pub(super) fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

pub(super) fn weighted(rng: &mut StdRng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut r = rng.random_range(0..total);
    for (i, &w) in weights.iter().enumerate() {
        if r < w {
            return i;
        }
        r -= w;
    }
    weights.len() - 1
}

/// The communities of each district, as the national tree lists them
/// (statistical units nobody lives in left out).
pub(super) fn communities() -> Vec<Vec<String>> {
    let tree = divisions::Tree::china();
    DISTRICTS
        .iter()
        .map(|(code, _)| {
            tree.find(code)
                .map(|d| {
                    d.subtree()
                        .filter(|c| {
                            c.level() == divisions::DivisionLevel::Community && !c.is_virtual()
                        })
                        .map(|c| c.code())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// Minutes a step takes after the one before, by urgency: a critical need
/// is verified in minutes, a normal one can wait a day (some wait longer
/// than their service level: the picture has escalations).
fn delay(rng: &mut StdRng, urgency: Urgency, to: NeedStatus) -> Duration {
    let (lo, hi) = match (to, urgency) {
        (NeedStatus::Verifying, Urgency::Critical) => (1, 8),
        (NeedStatus::Verifying, Urgency::Urgent) => (3, 50),
        (NeedStatus::Verifying, _) => (10, 1200),
        (NeedStatus::Verified, _) => (2, 20),
        (NeedStatus::Matched, Urgency::Critical) => (5, 40),
        (NeedStatus::Matched, Urgency::Urgent) => (20, 240),
        (NeedStatus::Matched, _) => (60, 1440),
        (NeedStatus::InProgress, _) => (10, 180),
        (NeedStatus::Delivered, Urgency::Critical) => (15, 90),
        (NeedStatus::Delivered, Urgency::Urgent) => (40, 480),
        (NeedStatus::Delivered, _) => (120, 2400),
        (NeedStatus::Closed, _) => (30, 1440),
        _ => (5, 600),
    };
    Duration::minutes(rng.random_range(lo..=hi))
}

/// The states a need went through to end in `last`, with the reason each
/// step that needs one was given.
fn path(last: NeedStatus) -> Vec<(NeedStatus, &'static str)> {
    use NeedStatus::*;
    let main = [Verifying, Verified, Matched, InProgress, Delivered, Closed];
    match last {
        New => Vec::new(),
        Rejected => vec![(Verifying, ""), (Rejected, "电话核实：需求已由家属解决")],
        Cancelled => vec![(Cancelled, "居民来电取消：已自行购得")],
        Duplicate => vec![(Duplicate, "同一户重复登记")],
        _ => main
            .iter()
            .take(main.iter().position(|s| *s == last).unwrap_or(0) + 1)
            .map(|s| (*s, ""))
            .collect(),
    }
}

/// Draw the picture: `open` needs from the last three days still open, the
/// rest over the three weeks before finished one way or another; sorted by
/// when they came in (ids follow time, as on a real board).
pub fn draw(p: &Picture) -> anyhow::Result<Vec<Drawn>> {
    use NeedStatus::*;
    let mut rng = StdRng::seed_from_u64(p.seed);
    let places = communities();
    let weights: Vec<u32> = DISTRICTS.iter().map(|d| d.1).collect();
    let mut drawn = Vec::with_capacity(p.needs);
    for index in 0..p.needs {
        let open = index < p.open;
        let last = if open {
            let states = [New, Verifying, Verified, Matched, InProgress, Delivered];
            states[weighted(&mut rng, &[28, 5, 22, 18, 17, 10])]
        } else {
            [Closed, Duplicate, Rejected, Cancelled][weighted(&mut rng, &[80, 6, 6, 8])]
        };
        let k = weighted(&mut rng, KIND_WEIGHTS);
        let (kind, urgency_weights, stories) = STORIES[k];
        let urgency = [Urgency::Normal, Urgency::Urgent, Urgency::Critical]
            [weighted(&mut rng, &urgency_weights)];
        let district = weighted(&mut rng, &weights);
        let division_code = pick(&mut rng, &places[district]).clone();
        let community = crate::orgs::model::division_name(&division_code);
        let building = rng.random_range(1..=32);
        let story = pick(&mut rng, stories)
            .replace("{b}", &building.to_string())
            .replace("{n}", &rng.random_range(2..=9).to_string());
        let prefix = pick(
            &mut rng,
            &[
                "139", "138", "137", "135", "158", "159", "186", "187", "189", "177", "199",
            ],
        );
        let phone = format!("{prefix}{:08}", rng.random_range(0..100_000_000u32));
        let vulnerable = if rng.random_bool(0.12) {
            let tags = [
                "elderly_alone",
                "chronic_illness",
                "disabled",
                "child",
                "pregnant",
                "dialysis",
                "domestic_violence",
            ];
            vec![tags[weighted(&mut rng, &[40, 25, 12, 10, 6, 5, 2])].to_owned()]
        } else {
            Vec::new()
        };
        let new = NewNeed {
            kind: kind.as_str().into(),
            urgency: urgency.as_str().into(),
            people: if kind == NeedKind::Food && story.starts_with('村') {
                rng.random_range(20..=300)
            } else {
                rng.random_range(1..=5)
            }
            .to_string(),
            description: format!("{community}{story}"),
            contact_name: format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, CALLED)),
            contact_phone: phone,
            address: format!(
                "{}{building}号楼{}单元",
                division_name_full(&division_code),
                rng.random_range(1..=6)
            ),
            idempotency_key: format!("city-{}-{index:06}", p.seed),
            vulnerable,
        };
        let mut need = new
            .validate()
            .map_err(|e| anyhow::anyhow!("drawn need {index}: {e:?}"))?;
        need.idempotency_key = new.idempotency_key;
        let channel = ["hotline", "public", "import"][weighted(&mut rng, &[55, 35, 10])];
        // Steps first, then the need placed back in time so that its last
        // step is before now: an open one within three days, a finished
        // one within the three weeks.
        let mut at = Duration::ZERO;
        let mut steps = Vec::new();
        let mut from = New;
        for (to, reason) in path(last) {
            let checked = if to == Duplicate {
                // Merged into an earlier need, open when it was merged.
                crate::needs::model::merge(2, from, 1, New, reason)
            } else {
                transition(from, to, reason).map(|_| ())
            };
            checked.map_err(|e| anyhow::anyhow!("drawn path {from:?}→{to:?}: {e:?}"))?;
            at += delay(&mut rng, urgency, to);
            steps.push((to, at, reason));
            from = to;
        }
        // How long ago its last step was: an open need mostly within its
        // service level (a fifth or so past it: the escalations), a
        // finished one any time in the three weeks.
        let window = match (open, last, urgency) {
            (false, ..) => 18 * 24 * 60,
            (true, New | Verifying, Urgency::Critical) => 18,
            (true, New | Verifying, Urgency::Urgent) => 70,
            (true, New | Verifying, _) => 1500,
            (true, Delivered, _) => 72 * 60,
            (true, _, Urgency::Critical) => 60,
            (true, _, Urgency::Urgent) => 400,
            (true, ..) => 3000,
        };
        let ago = at + Duration::minutes(rng.random_range(1..=window));
        let created_at = p.now - ago;
        drawn.push(Drawn {
            index,
            need,
            channel,
            division_code,
            created_at,
            steps: steps
                .into_iter()
                .map(|(s, d, r)| (s, created_at + d, r))
                .collect(),
        });
    }
    drawn.sort_by_key(|d| (d.created_at, d.index));
    Ok(drawn)
}

fn division_name_full(code: &str) -> String {
    divisions::Tree::china()
        .find(code)
        .map(|d| d.full_name())
        .unwrap_or_default()
}

/// Write the picture, a thousand needs per transaction; returns how many
/// were written (a need whose key is there already is left as it is).
/// The operator takes calls and verifies, the coordinator does the rest.
pub async fn fill(db: &Db, p: &Picture) -> anyhow::Result<usize> {
    let drawn = draw(p)?;
    let (operator, coordinator) = {
        let mut tx = db.read().await?;
        let op = fetch_scalar!(
            &mut tx,
            i64,
            "SELECT id FROM accounts WHERE username = 'operator'"
        )?;
        let co = fetch_scalar!(
            &mut tx,
            i64,
            "SELECT id FROM accounts WHERE username = 'coordinator'"
        )?;
        (op, co)
    };
    let mut written = 0;
    // The need each community last had: a duplicate is merged into it.
    let mut last_in: std::collections::HashMap<String, i64> = Default::default();
    for chunk in drawn.chunks(1000) {
        let mut tx = db.write().await?;
        for d in chunk {
            let status = d.status();
            let n = &d.need;
            let merged_into = (status == NeedStatus::Duplicate)
                .then(|| last_in.get(&d.division_code).copied())
                .flatten();
            // A duplicate with nothing earlier to merge into stays new.
            let status = if status == NeedStatus::Duplicate && merged_into.is_none() {
                NeedStatus::New
            } else {
                status
            };
            let steps: &[_] = if status == NeedStatus::New {
                &[]
            } else {
                &d.steps
            };
            let updated = steps.last().map(|s| s.1).unwrap_or(d.created_at);
            let created_by = (d.channel != "public").then_some(operator);
            let id = crate::fetch_optional!(
                &mut tx,
                (i64,),
                "INSERT INTO needs (idempotency_key, channel, kind, urgency, people, description, contact_name, contact_phone, address, division_code, by_jurisdiction, jurisdiction_code, status, created_by, created_at, updated_at, reference, vulnerable, story_key, merged_into, verified_minutes, delivered_minutes)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, FALSE, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
                 ON CONFLICT DO NOTHING RETURNING id",
                &n.idempotency_key,
                d.channel,
                n.kind.as_str(),
                n.urgency.as_str(),
                n.people,
                &n.description,
                &n.contact_name,
                &n.contact_phone,
                &n.address,
                &d.division_code,
                status.as_str(),
                created_by,
                Ts(d.created_at),
                Ts(updated),
                crate::needs::model::new_reference(),
                &n.vulnerable,
                story_key(&n.description),
                merged_into,
                d.minutes_to(NeedStatus::Verified),
                d.minutes_to(NeedStatus::Delivered),
            )?;
            let Some((id,)) = id else { continue };
            written += 1;
            let event = |at: OffsetDateTime,
                         actor: i64,
                         action: &'static str,
                         reason: &str,
                         before: Option<serde_json::Value>,
                         after: serde_json::Value| {
                (at, actor, action, reason.to_owned(), before, after)
            };
            let mut events = vec![event(
                d.created_at,
                operator,
                "need.create",
                "",
                None,
                serde_json::json!({
                    "channel": d.channel, "kind": n.kind.as_str(), "urgency": n.urgency.as_str(),
                    "people": n.people, "division_code": d.division_code, "by_jurisdiction": false, "status": "new",
                }),
            )];
            let mut from = NeedStatus::New;
            for &(to, at, reason) in steps {
                let actor = if matches!(
                    to,
                    NeedStatus::Verifying | NeedStatus::Verified | NeedStatus::Rejected
                ) {
                    operator
                } else {
                    coordinator
                };
                let after = match (to, merged_into) {
                    (NeedStatus::Duplicate, Some(into)) => {
                        serde_json::json!({ "status": "duplicate", "into": into })
                    }
                    _ => serde_json::json!({ "status": to.as_str() }),
                };
                events.push(event(
                    at,
                    actor,
                    to.action(),
                    reason,
                    Some(serde_json::json!({ "status": from.as_str() })),
                    after,
                ));
                from = to;
            }
            for (at, actor, action, reason, before, after) in events {
                execute!(
                    &mut tx,
                    "INSERT INTO events (at, actor_id, actor_name, action, entity, entity_id, division_code, ip, reason, before, after)
                     VALUES ($1, $2, (SELECT username FROM accounts WHERE id = $2), $3, 'need', $4, $5, '', $6, $7, $8)",
                    Ts(at),
                    actor,
                    action,
                    id.to_string(),
                    &d.division_code,
                    reason,
                    before.map(sqlx::types::Json),
                    sqlx::types::Json(after),
                )?;
            }
            if let Some(into) = merged_into {
                execute!(
                    &mut tx,
                    "INSERT INTO events (at, actor_id, actor_name, action, entity, entity_id, division_code, ip, reason, after)
                     VALUES ($1, $2, (SELECT username FROM accounts WHERE id = $2), 'need.absorb', 'need', $3, $4, '', $5, $6)",
                    Ts(updated),
                    coordinator,
                    into.to_string(),
                    &d.division_code,
                    "同一户重复登记",
                    sqlx::types::Json(serde_json::json!({ "from": id })),
                )?;
            }
            last_in.insert(d.division_code.clone(), id);
        }
        tx.commit().await?;
    }
    // Those past their service level escalate as the server would.
    crate::needs::store::escalate_overdue(db, p.now)
        .await
        .map_err(|e| anyhow::anyhow!("escalating: {e:?}"))?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(needs: usize, open: usize) -> Vec<Drawn> {
        let now = time::macros::datetime!(2022-01-12 12:00 +08:00);
        draw(&Picture {
            needs,
            open,
            seed: 7,
            now,
        })
        .unwrap()
    }

    #[test]
    fn the_picture_has_every_state_and_district_before_now() {
        let d = picture(3000, 300);
        let open = d.iter().filter(|d| d.status().is_open()).count();
        assert_eq!(open, 300);
        for s in NeedStatus::ALL {
            assert!(d.iter().any(|d| d.status() == *s), "{s:?} missing");
        }
        for (code, _) in DISTRICTS {
            assert!(
                d.iter().any(|d| d.division_code.starts_with(code)),
                "{code} missing"
            );
        }
        let now = time::macros::datetime!(2022-01-12 12:00 +08:00);
        for n in &d {
            assert_eq!(n.division_code.len(), 12, "{}", n.division_code);
            let mut at = n.created_at;
            for s in &n.steps {
                assert!(s.1 >= at && s.1 < now, "{n:?}");
                at = s.1;
            }
        }
        // In time order, and the same seed draws the same city.
        assert!(d.windows(2).all(|w| w[0].created_at <= w[1].created_at));
        let again = picture(3000, 300);
        assert!(
            d.iter()
                .zip(&again)
                .all(|(a, b)| a.need == b.need && a.steps == b.steps)
        );
    }
}
