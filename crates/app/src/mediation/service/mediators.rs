//! Mediators' matching profiles: office, skills, the communities they serve, capacity.

use super::*;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct MediatorRequest {
    /// `community` | `judicial` | `police` | `lawyer`
    pub office: String,
    /// Dispute type codes they are skilled in (empty: general).
    #[serde(default)]
    pub skills: Vec<String>,
    /// Communities they serve (empty: everywhere).
    #[serde(default)]
    pub communities: Vec<i64>,
    /// Most open disputes at once (1–200).
    pub capacity: i64,
    pub available: bool,
}

/// Sets a mediator's profile (administrators and street staff).
pub async fn put_mediator(
    st: &AppState,
    user: &CurrentUser,
    user_id: i64,
    req: &MediatorRequest,
) -> AppResult<()> {
    let actor = &user.actor();
    if !matches!(user.role, Role::Admin | Role::StreetStaff) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let office = Office::parse(&req.office).ok_or(AppError::Invalid {
        code: "OFFICE_INVALID",
        field: Some("office"),
    })?;
    if req.skills.iter().any(|s| DisputeType::by_code(s).is_none()) {
        return Err(AppError::Invalid {
            code: "TYPE_UNKNOWN",
            field: Some("skills"),
        });
    }
    if !(1..=200).contains(&req.capacity) {
        return Err(AppError::Invalid {
            code: "CAPACITY_INVALID",
            field: Some("capacity"),
        });
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let u = crate::auth::service::account(st, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if u.role != Some(Role::Mediator) {
        return Err(AppError::Invalid {
            code: "NOT_A_MEDIATOR",
            field: None,
        });
    }
    let skills = serde_json::to_string(&req.skills).unwrap_or_else(|_| "[]".into());
    let communities = serde_json::to_string(&req.communities).unwrap_or_else(|_| "[]".into());
    store::put_mediator(
        &mut tx,
        &store::MediatorProfile {
            user_id,
            office: office.code(),
            skills: &skills,
            communities: &communities,
            capacity: req.capacity,
            available: req.available,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("mediator.put", "user", user_id).with(serde_json::json!({
            "office": office.code(), "skills": req.skills, "communities": req.communities,
            "capacity": req.capacity, "available": req.available
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The office of mediator account `user_id` (`lawyer`, `judicial`, …), or `None` if the
/// account has no mediator profile: 能人库 shows a listed lawyer as mediation's lawyer.
pub async fn office_of(st: &AppState, user_id: i64) -> AppResult<Option<String>> {
    let mut tx = st.db.read().await?;
    Ok(store::mediator_pool(&mut tx)
        .await?
        .into_iter()
        .find(|m| m.user_id == user_id)
        .map(|m| m.office))
}
