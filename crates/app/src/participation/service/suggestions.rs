//! Matters and suggestions: raising, support, their course, merging, the monthly rates.

use gongzhi_core::identity::Role;
use serde::{Deserialize, Serialize};

use super::super::store;
use super::{community_of, invalid, masked, must_manage, reads, text};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewSuggestionRequest {
    /// `matter` (议题: for the council's agenda once enough residents support it) or
    /// `suggestion` (建议).
    pub kind: String,
    pub title: String,
    pub body: String,
    /// Staff: `open_day` (开放日) or `corner` (议事角, on paper).
    pub channel: Option<String>,
    /// Staff: the resident's phone number, when they gave it.
    pub on_behalf_of: Option<String>,
    /// Staff of a street: which community.
    pub community: Option<i64>,
}

pub async fn raise(st: &AppState, u: &CurrentUser, r: &NewSuggestionRequest) -> AppResult<i64> {
    if !matches!(r.kind.as_str(), "matter" | "suggestion") {
        return Err(invalid("SUGGESTION_KIND_INVALID", "kind"));
    }
    let title = text(&r.title, 60, "SUBJECT_INVALID", "title")?;
    let body = text(&r.body, 2000, "SUGGESTION_BODY_INVALID", "body")?;
    let (community, channel, resident, entered_by) = match u.role {
        Role::Resident => {
            if r.channel.is_some() || r.on_behalf_of.is_some() {
                return Err(AppError::Forbidden("STAFF_ONLY"));
            }
            (
                community_of(st, u, None).await?,
                "online",
                u.resident_id,
                None,
            )
        }
        Role::CommunityStaff | Role::StreetStaff => {
            let c = community_of(st, u, r.community).await?;
            must_manage(st, u, c)?;
            let channel = match r.channel.as_deref() {
                Some(ch @ ("open_day" | "corner")) => ch,
                _ => return Err(invalid("CHANNEL_INVALID", "channel")),
            };
            let resident = match r.on_behalf_of.as_deref().map(str::trim) {
                Some(p) if !p.is_empty() => Some(
                    crate::residents::service::id_by_phone(st, u, p)
                        .await
                        .map_err(|_| invalid("RESIDENT_UNKNOWN", "on_behalf_of"))?,
                ),
                _ => None,
            };
            (c, channel, resident, Some(u.id))
        }
        _ => return Err(AppError::Forbidden("ROLE_FORBIDDEN")),
    };
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_suggestion(
        &mut tx,
        &store::NewSuggestion {
            community_id: community,
            kind: &r.kind,
            channel,
            title: &title,
            body: &body,
            resident_id: resident,
            entered_by,
            now,
        },
    )
    .await?;
    // Whoever raises a matter supports it.
    if let Some(res) = resident {
        store::support(&mut tx, id, res, now).await?;
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("suggestion.raise", "suggestion", id)
            .with(serde_json::json!({"kind": r.kind, "channel": channel})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A suggestion as lists show it (its author masked).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SuggestionView {
    pub id: i64,
    pub kind: String,
    pub channel: String,
    pub title: String,
    pub body: String,
    pub author: String,
    /// received | answered | adopted | implemented | not_adopted | merged
    pub status: String,
    pub answer: Option<String>,
    pub reason: Option<String>,
    pub merged_into: Option<i64>,
    pub supports: i64,
    /// A matter with enough support for the council's agenda.
    pub qualified: bool,
    pub meeting_id: Option<i64>,
    /// The caller supports it.
    pub supported: bool,
    pub created_at: String,
    /// When it was first replied to, and when it was closed (implemented, not adopted,
    /// merged).
    pub answered_at: Option<String>,
    pub closed_at: Option<String>,
}

pub async fn suggestions(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<Vec<SuggestionView>> {
    if !reads(st, u, c).await? {
        return Err(AppError::NotFound);
    }
    let threshold = crate::votes::service::rules(st, c).await?.support_threshold;
    let mut tx = st.db.read().await?;
    let rows = store::suggestions(&mut tx, c, 200).await?;
    let mine = match u.resident_id {
        Some(r) if u.role == Role::Resident => store::supported_by(&mut tx, r).await?,
        _ => vec![],
    };
    drop(tx);
    let mut out = vec![];
    for s in rows {
        out.push(SuggestionView {
            qualified: s.kind == "matter"
                && s.supports >= threshold
                && matches!(s.status.as_str(), "received" | "answered"),
            supported: mine.contains(&s.id),
            author: masked(st, s.resident_id).await?,
            id: s.id,
            kind: s.kind,
            channel: s.channel,
            title: s.title,
            body: s.body,
            status: s.status,
            answer: s.answer,
            reason: s.reason,
            merged_into: s.merged_into,
            supports: s.supports,
            meeting_id: s.meeting_id,
            created_at: crate::clock::iso(s.created_at),
            answered_at: s.answered_at.map(crate::clock::iso),
            closed_at: s.closed_at.map(crate::clock::iso),
        });
    }
    Ok(out)
}

async fn load_suggestion(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
) -> AppResult<store::SuggestionRow> {
    let mut tx = st.db.read().await?;
    let s = store::suggestion(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    if !reads(st, u, s.community_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(s)
}

/// A resident supports (附议) an open suggestion of their community, once.
pub async fn support(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<i64> {
    let s = load_suggestion(st, u, id).await?;
    let resident = match (u.role, u.resident_id) {
        (Role::Resident, Some(r)) => r,
        _ => return Err(AppError::Forbidden("ROLE_FORBIDDEN")),
    };
    if !matches!(s.status.as_str(), "received" | "answered") {
        return Err(AppError::Conflict("SUGGESTION_CLOSED"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if !store::support(&mut tx, id, resident, now).await? {
        return Err(AppError::Conflict("ALREADY_SUPPORTED"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("suggestion.support", "suggestion", id),
    )
    .await?;
    let n = store::suggestion(&mut tx, id)
        .await?
        .map(|s| s.supports)
        .unwrap_or(0);
    tx.commit().await?;
    Ok(n)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SuggestionAction {
    /// `answer` (with `text`), `adopt`, `implement` (with what was done), `not_adopt`
    /// (with the reason), or `merge` (with `into`, a duplicate's target).
    pub action: String,
    #[serde(default)]
    pub text: String,
    pub into: Option<i64>,
}

/// Staff take a suggestion a step on its course: received → answered → adopted →
/// implemented, or not adopted with the reason; or merge a duplicate into another (its
/// supporters follow). The resident who raised it is told.
pub async fn act(st: &AppState, u: &CurrentUser, id: i64, a: &SuggestionAction) -> AppResult<()> {
    let s = load_suggestion(st, u, id).await?;
    must_manage(st, u, s.community_id)?;
    let now = st.now_ms();
    let open: &[&str] = &["received", "answered"];
    let mut tx = st.db.begin().await?;
    let (ok, told) = match a.action.as_str() {
        "answer" => {
            let t = text(&a.text, 1000, "ANSWER_INVALID", "text")?;
            (
                store::set_status(&mut tx, id, open, "answered", Some(&t), None, None, now).await?,
                format!("您提出的“{}”已答复：{t}", s.title),
            )
        }
        "adopt" => (
            store::set_status(&mut tx, id, open, "adopted", None, None, None, now).await?,
            format!("您提出的“{}”已被采纳，将组织落实。", s.title),
        ),
        "implement" => {
            let t = text(&a.text, 1000, "ANSWER_INVALID", "text")?;
            (
                store::set_status(
                    &mut tx,
                    id,
                    &["adopted"],
                    "implemented",
                    Some(&t),
                    None,
                    None,
                    now,
                )
                .await?,
                format!("您提出的“{}”已落实：{t}", s.title),
            )
        }
        "not_adopt" => {
            let t = text(&a.text, 1000, "REASON_REQUIRED", "text")?;
            (
                store::set_status(
                    &mut tx,
                    id,
                    &["received", "answered", "adopted"],
                    "not_adopted",
                    None,
                    Some(&t),
                    None,
                    now,
                )
                .await?,
                format!("您提出的“{}”未被采纳，原因：{t}", s.title),
            )
        }
        "merge" => {
            let into = a.into.ok_or(invalid("MERGE_TARGET_INVALID", "into"))?;
            let target = store::suggestion(&mut tx, into)
                .await?
                .filter(|t| {
                    t.id != id
                        && t.community_id == s.community_id
                        && !matches!(t.status.as_str(), "merged" | "not_adopted" | "implemented")
                })
                .ok_or(invalid("MERGE_TARGET_INVALID", "into"))?;
            let ok = store::set_status(
                &mut tx,
                id,
                open,
                "merged",
                None,
                None,
                Some(target.id),
                now,
            )
            .await?;
            if ok {
                store::move_supports(&mut tx, id, target.id, now).await?;
            }
            (
                ok,
                format!(
                    "您提出的“{}”与“{}”内容相同，已合并办理。",
                    s.title, target.title
                ),
            )
        }
        _ => return Err(invalid("ACTION_INVALID", "action")),
    };
    if !ok {
        return Err(AppError::Conflict("SUGGESTION_STATE"));
    }
    if let Some(r) = s.resident_id {
        let users = crate::auth::service::accounts_of_residents(&mut tx, &[r]).await?;
        crate::notify::service::send(
            st,
            &mut tx,
            &users,
            None,
            "suggestion",
            "议事建议有了新进展",
            &told,
            now,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("suggestion.act", "suggestion", id)
            .with(serde_json::json!({"action": a.action, "into": a.into})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One month of a community's suggestions, counted from the rows (merged duplicates are
/// not counted twice: they are left out).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct MonthRates {
    /// `YYYY-MM` (Beijing time) of receipt.
    pub month: String,
    pub received: i64,
    /// Answered, adopted, implemented or not adopted (every one given a reply).
    pub replied: i64,
    pub adopted: i64,
    pub implemented: i64,
    pub not_adopted: i64,
    /// 落实率: implemented ÷ received, in percent with one decimal.
    pub implemented_pct: f64,
}

pub async fn rates(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<Vec<MonthRates>> {
    if !reads(st, u, c).await? {
        return Err(AppError::NotFound);
    }
    let mut tx = st.db.read().await?;
    let rows = store::statuses(&mut tx, c).await?;
    drop(tx);
    let mut by: std::collections::BTreeMap<String, MonthRates> = Default::default();
    for (status, at) in rows {
        if status == "merged" {
            continue;
        }
        let (y, m, _) = crate::clock::ymd_cn(at);
        let month = format!("{y}-{m:02}");
        let r = by.entry(month.clone()).or_insert_with(|| MonthRates {
            month,
            ..MonthRates::default()
        });
        r.received += 1;
        if status != "received" {
            r.replied += 1;
        }
        match status.as_str() {
            "adopted" => r.adopted += 1,
            "implemented" => {
                r.adopted += 1;
                r.implemented += 1;
            }
            "not_adopted" => r.not_adopted += 1,
            _ => {}
        }
    }
    Ok(by
        .into_values()
        .rev()
        .map(|mut r| {
            r.implemented_pct = (r.implemented * 1000 / r.received.max(1)) as f64 / 10.0;
            r
        })
        .collect())
}
