//! Bodies of self-governance (楼组, 居民议事会, 业主大会, 业委会) and their members.

use serde::{Deserialize, Serialize};

use super::super::store;
use super::{day, invalid, masked, must_manage, reads, text};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A body with its members (names masked).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BodyView {
    pub id: i64,
    /// `building_group` (楼组), `council` (居民议事会), `assembly` (业主大会) or
    /// `owners_committee` (业委会).
    pub kind: String,
    pub name: String,
    pub term_start: String,
    pub term_end: String,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub name: String,
    /// `head` (楼组长), `chair`, `vice_chair` or `member`.
    pub role: String,
    pub elected_on: String,
}

pub async fn bodies(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<Vec<BodyView>> {
    if !reads(st, u, c).await? {
        return Err(AppError::NotFound);
    }
    let mut tx = st.db.read().await?;
    let rows = store::bodies(&mut tx, c).await?;
    let mut out = vec![];
    for b in rows {
        let members = store::members(&mut tx, b.id).await?;
        let mut mv = vec![];
        for m in members {
            mv.push(MemberView {
                name: masked(st, Some(m.resident_id)).await?,
                role: m.role,
                elected_on: m.elected_on,
            });
        }
        out.push(BodyView {
            id: b.id,
            kind: b.kind,
            name: b.name,
            term_start: b.term_start,
            term_end: b.term_end,
            members: mv,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewBody {
    pub kind: String,
    /// The building (楼组), community (议事会) or compound (业主大会, 业委会) it serves.
    pub scope_id: i64,
    pub name: String,
    pub term_start: String,
    pub term_end: String,
}

pub async fn create_body(st: &AppState, u: &CurrentUser, b: &NewBody) -> AppResult<i64> {
    let level = match b.kind.as_str() {
        "building_group" => "building",
        "council" => "community",
        "assembly" | "owners_committee" => "compound",
        _ => return Err(invalid("BODY_KIND_INVALID", "kind")),
    };
    let map = st.org_map();
    let unit = map
        .unit(b.scope_id)
        .filter(|x| x.level == level)
        .ok_or(invalid("SCOPE_INVALID", "scope_id"))?;
    let community = if level == "community" {
        b.scope_id
    } else {
        unit.community.ok_or(invalid("SCOPE_INVALID", "scope_id"))?
    };
    must_manage(st, u, community)?;
    let name = text(&b.name, 40, "NAME_INVALID", "name")?;
    let (from, to) = (
        day(&b.term_start, "term_start")?,
        day(&b.term_end, "term_end")?,
    );
    if to <= from {
        return Err(invalid("TERM_INVALID", "term_end"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_body(
        &mut tx,
        &store::BodyRow {
            id: 0,
            kind: b.kind.clone(),
            community_id: community,
            scope_id: b.scope_id,
            name,
            term_start: from,
            term_end: to,
        },
        u.id,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("body.create", "body", id).with(serde_json::json!({"kind": b.kind})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewMember {
    /// The resident's phone number (found within the staff member's area).
    pub phone: String,
    pub role: String,
    pub elected_on: String,
}

pub async fn add_member(st: &AppState, u: &CurrentUser, body: i64, m: &NewMember) -> AppResult<()> {
    let mut tx = st.db.read().await?;
    let b = store::body(&mut tx, body)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    if !reads(st, u, b.community_id).await? {
        return Err(AppError::NotFound);
    }
    must_manage(st, u, b.community_id)?;
    if !matches!(m.role.as_str(), "head" | "chair" | "vice_chair" | "member") {
        return Err(invalid("MEMBER_ROLE_INVALID", "role"));
    }
    let resident = crate::residents::service::id_by_phone(st, u, &m.phone)
        .await
        .map_err(|_| invalid("RESIDENT_UNKNOWN", "phone"))?;
    let place = crate::residents::service::party(st, resident)
        .await?
        .ok_or(invalid("RESIDENT_UNKNOWN", "phone"))?
        .place;
    if place.community_id != b.community_id {
        return Err(invalid("MEMBER_OUT_OF_COMMUNITY", "phone"));
    }
    let elected_on = day(&m.elected_on, "elected_on")?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if !store::add_member(
        &mut tx,
        body,
        &store::MemberRow {
            resident_id: resident,
            role: m.role.clone(),
            elected_on,
        },
        now,
    )
    .await?
    {
        return Err(AppError::Conflict("MEMBER_EXISTS"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("body.member", "body", body)
            .with(serde_json::json!({"resident": resident, "role": m.role})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
