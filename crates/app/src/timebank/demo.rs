//! The demo's time bank: volunteer1 (a younger elder) verified by staff1, with an offer of
//! meals, company, shopping and escorts; last week's meal delivery to elder1 logged after
//! the fact and confirmed; yesterday's meal delivery asked for by staff for elder1, matched
//! to volunteer1, checked in and out at elder1's building and confirmed — credited once;
//! today's visit waiting for elder1's confirmation; tomorrow's lunch asked by elder1 and
//! taken by volunteer1; a shopping request open on the board. elder1 wrote a health note
//! under its separate consent. The catalogue has three goods; volunteer1 redeemed a haircut
//! voucher; staff1 issued volunteer1's certificate.

use chrono::TimeZone;

use super::service::{self, requests as rq, spend as sp};
use super::store;
use crate::auth::service::acting_as;
use crate::state::AppState;

/// `days` from today at `hh:mm`, China time, in ms.
fn local(now: i64, days: i64, hh: u32, mm: u32) -> i64 {
    let tz =
        chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("valid offset"));
    let today = tz
        .timestamp_millis_opt(now)
        .single()
        .unwrap_or_default()
        .date_naive();
    let day = today + chrono::Duration::days(days);
    day.and_hms_opt(hh, mm, 0)
        .and_then(|t| tz.from_local_datetime(&t).single())
        .map_or(now, |t| t.timestamp_millis())
}

fn input(ms: i64) -> String {
    let tz =
        chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("valid offset"));
    tz.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

pub async fn seed(st: &AppState) -> anyhow::Result<()> {
    let (Ok(staff), Ok(volunteer), Ok(elder)) = (
        acting_as(st, "staff1").await,
        acting_as(st, "volunteer1").await,
        acting_as(st, "elder1").await,
    ) else {
        return Ok(());
    };
    let mut tx = st.db.read().await?;
    if store::is_verified(&mut tx, volunteer.id).await? {
        return Ok(());
    }
    drop(tx);
    service::verify(st, &staff, "volunteer1").await?;
    rq::set_offer(
        st,
        &volunteer,
        &rq::OfferRequest {
            kinds: ["meal_delivery", "companionship", "shopping", "escort"]
                .map(String::from)
                .to_vec(),
            weekdays: (1..=7).collect(),
            from: "08:00".into(),
            to: "20:00".into(),
            capacity: Some(3),
            note: Some("退休教师，住同一小区，周末也有空".into()),
        },
    )
    .await?;
    let meal = service::record(
        st,
        &volunteer,
        &service::NewService {
            recipient: "elder1".into(),
            minutes: 60,
            kind: "meal_delivery".into(),
            note: Some("从社区食堂送午餐上门，顺便量了血压".into()),
        },
    )
    .await?;
    service::confirm(st, &elder, meal).await?;

    // elder1's health note, under its own consent.
    crate::consent::service::grant(
        st,
        &elder,
        &[rq::HEALTH_PURPOSE.to_string()],
        gongzhi_core::consent::Kind::Separate,
        None,
        "web",
    )
    .await?;
    rq::set_health_note(
        st,
        &elder,
        &rq::HealthNoteRequest {
            for_user: None,
            health_note: "对青霉素过敏；右腿不便，上下楼要搀扶；午饭后 12:30 服降压药。".into(),
        },
    )
    .await?;

    // Yesterday's lunch: asked by staff for elder1 (who has no phone of her own at hand),
    // matched by staff's batch, checked in and out at her building, confirmed by her.
    let now = st.now_ms();
    let wanted = local(now, -1, 11, 30);
    let mut tx = st.db.begin().await?;
    let community = crate::participation::service::community_of(st, &elder, None).await?;
    let id = store::insert_request(
        &mut tx,
        &store::NewRequest {
            community,
            recipient: elder.id,
            kind: "meal_delivery",
            minutes: 60,
            wanted_at: wanted,
            note: "社区食堂午餐一份，少盐",
            channel: "staff",
            entered_by: staff.id,
            pay_hours: false,
            now: wanted - 86_400_000,
        },
    )
    .await?;
    let reason = rq::MatchReason {
        how: "batch".into(),
        walk_m: 0,
        open: 0,
        recent_minutes: 60,
    };
    store::set_match(
        &mut tx,
        id,
        volunteer.id,
        &serde_json::to_string(&reason)?,
        wanted - 20 * 3_600_000,
    )
    .await?;
    let home = rq::place_of(st, elder.id).await?;
    let (lng, lat) = home.map_or((0.0, 0.0), |h| (h.2 + 0.0003, h.3));
    let metres = home.map_or(0, |h| {
        gongzhi_core::org::distance_m([lng, lat], [h.2, h.3]).round() as i64
    });
    store::checkin(&mut tx, id, (wanted - 5 * 60_000, lng, lat, metres)).await?;
    tx.commit().await?;
    let mut tx = st.db.read().await?;
    let row = store::request(&mut tx, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo request"))?;
    drop(tx);
    let service_id = rq::finish_visit(
        st,
        &volunteer,
        &row,
        wanted + 55 * 60_000,
        &rq::Position {
            lng: Some(lng),
            lat: Some(lat),
        },
    )
    .await?;
    service::confirm(st, &elder, service_id).await?;

    // Today's visit, logged after the fact, waiting for elder1.
    service::record(
        st,
        &volunteer,
        &service::NewService {
            recipient: "elder1".into(),
            minutes: 90,
            kind: "companionship".into(),
            note: Some("陪老人聊天、读报".into()),
        },
    )
    .await?;
    // Tomorrow's lunch: asked by elder1, taken by volunteer1.
    let tomorrow = rq::create_request(
        st,
        &elder,
        &rq::NewRequest {
            kind: "meal_delivery".into(),
            minutes: 60,
            wanted_at: input(local(now, 1, 11, 30)),
            note: Some("午餐一份，软一点".into()),
            for_user: None,
            pay_hours: None,
        },
    )
    .await?;
    rq::take(st, &volunteer, tomorrow).await?;
    // The day after: shopping, entered by staff, open on the board.
    rq::create_request(
        st,
        &staff,
        &rq::NewRequest {
            kind: "shopping".into(),
            minutes: 45,
            wanted_at: input(local(now, 2, 9, 30)),
            note: Some("代买降压药和鸡蛋".into()),
            for_user: Some("elder1".into()),
            pay_hours: None,
        },
    )
    .await?;

    // The catalogue, a redemption and a certificate.
    for (name, minutes, stock) in [
        ("理发券一张（社区理发室）", 60, 20),
        ("东北大米 5 斤", 120, 30),
        ("社区医院免费体检一次", 300, 5),
    ] {
        sp::add_item(
            st,
            &staff,
            &sp::NewItem {
                name: name.into(),
                minutes,
                stock,
            },
        )
        .await?;
    }
    if let Some(first) = sp::items(st, &volunteer).await?.first() {
        sp::redeem(st, &volunteer, first.id).await?;
    }
    sp::issue_certificate(
        st,
        &staff,
        &sp::CertificateRequest {
            username: Some("volunteer1".into()),
        },
    )
    .await?;
    Ok(())
}
