//! Volunteer teams: staff form them around a skill; listed talents of the community join
//! (staff add them, or they join themselves).

use super::*;

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TeamIn {
    pub name: String,
    /// A skill code.
    pub skill: String,
    pub purpose: String,
}

/// Staff form a team: its id.
pub async fn add_team(st: &AppState, u: &CurrentUser, r: &TeamIn) -> AppResult<i64> {
    let c = community(st, u, None).await?;
    must_manage(st, u, c)?;
    let name = text(&r.name, 40, "name")?;
    let purpose = text(&r.purpose, 200, "purpose")?;
    if !SKILLS.contains(&r.skill.as_str()) {
        return Err(invalid("SKILL_UNKNOWN", "skill"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_team(&mut tx, c, (&name, &r.skill, &purpose), u.id, now).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("team.create", "team", id),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn load_team(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<store::TeamRow> {
    let mut tx = st.db.read().await?;
    let t = store::team(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    drop(tx);
    if !reads(st, u, t.community_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(t)
}

/// A team and its members.
pub async fn team(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<TeamView> {
    let t = load_team(st, u, id).await?;
    let mut tx = st.db.read().await?;
    Ok(TeamView {
        members: store::members(&mut tx, t.id).await?,
        id: t.id,
        name: t.name,
        skill: t.skill,
        purpose: t.purpose,
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TeamJoinIn {
    /// Staff add this talent; omitted: the caller joins themselves.
    pub talent: Option<i64>,
}

/// A talent joins a team (or staff add one): `409 TEAM_MEMBER_EXISTS` the second time.
pub async fn join(st: &AppState, u: &CurrentUser, id: i64, r: &TeamJoinIn) -> AppResult<()> {
    let team = load_team(st, u, id).await?;
    let mut tx = st.db.read().await?;
    let talent = match r.talent {
        Some(t) => {
            must_manage(st, u, team.community_id)?;
            store::talent(&mut tx, t).await?
        }
        None => store::talent_of_user(&mut tx, u.id).await?,
    }
    .filter(|t| t.listed == 1 && t.community_id == team.community_id)
    .ok_or(match r.talent {
        Some(_) => invalid("TALENT_UNKNOWN", "talent"),
        None => AppError::Forbidden("NOT_A_TALENT"),
    })?;
    drop(tx);
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if !store::add_member(&mut tx, team.id, talent.id, now).await? {
        return Err(AppError::Conflict("TEAM_MEMBER_EXISTS"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("team.join", "team", team.id).with(serde_json::json!({"talent": talent.id})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
