//! Read models: a dispute as each party, mediator and supervisor may see it, the lists and
//! the follow-ups due.

use super::*;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartyView {
    pub id: i64,
    /// `applicant` | `respondent`
    pub side: String,
    pub name: String,
    /// Masked: `138****1234`.
    pub phone: Option<String>,
    /// `pending` | `yes` | `no`
    pub consent: String,
    pub consent_at: Option<i64>,
    /// Consent recorded by someone else (staff, by phone or in person).
    pub consent_recorded_for: bool,
    pub position: Option<String>,
    pub confirmed_at: Option<i64>,
    /// Whether this party is the caller.
    pub me: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MediatorView {
    pub user_id: i64,
    pub name: String,
    /// `community` | `judicial` | `police` | `lawyer`
    pub office: String,
    pub office_name: String,
    pub lead: bool,
    /// The match score (null: assigned by hand).
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: i64,
    pub held_at: i64,
    /// `in_person` | `online` | `phone`
    pub mode: String,
    pub place: String,
    pub minutes: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgreementView {
    pub version: i64,
    pub terms: String,
    /// SHA-256 (hex) of the terms as stored (UTF-8).
    pub sha256: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowUpView {
    pub holds: bool,
    pub note: String,
    pub visited_by: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: i64,
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    /// Where to fetch it (404 for anyone without standing in the dispute).
    pub url: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub at: i64,
    pub actor: Option<String>,
    pub kind: String,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisputeView {
    pub id: i64,
    /// Dispute type code (`neighbour`) and name (`社区邻里纠纷`).
    pub dtype: String,
    pub type_name: String,
    pub title: String,
    pub account: String,
    pub wants: String,
    /// `normal` | `elevated` | `high`
    pub risk: String,
    pub risk_reasons: Vec<(String, String)>,
    pub status: String,
    pub status_name: String,
    /// The rung it is on and (once resolved) where it was resolved.
    pub level: String,
    pub resolved_level: Option<String>,
    pub channel: String,
    pub community: String,
    pub street: String,
    pub case_id: Option<i64>,
    pub parties: Vec<PartyView>,
    pub mediators: Vec<MediatorView>,
    pub sessions: Vec<SessionView>,
    pub agreement: Option<AgreementView>,
    pub followups: Vec<FollowUpView>,
    pub attachments: Vec<AttachmentView>,
    pub events: Vec<EventView>,
    pub follow_up_due: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    /// What the caller is to this dispute.
    pub standing: Standing,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisputeItem {
    pub id: i64,
    pub dtype: String,
    pub type_name: String,
    pub title: String,
    pub risk: String,
    pub status: String,
    pub status_name: String,
    pub level: String,
    pub community: String,
    pub created_at: i64,
    pub follow_up_due: Option<i64>,
}

pub(super) fn type_name(code: &str) -> String {
    DisputeType::by_code(code)
        .map(|t| t.name.to_string())
        .unwrap_or_else(|| code.to_string())
}

pub(super) fn status_name(code: &str) -> String {
    Status::parse(code)
        .map(|s| s.name_zh().to_string())
        .unwrap_or_else(|| code.to_string())
}

fn item(st: &AppState, d: &DisputeRow) -> DisputeItem {
    DisputeItem {
        id: d.id,
        dtype: d.dtype.clone(),
        type_name: type_name(&d.dtype),
        title: d.title.clone(),
        risk: d.risk.clone(),
        status: d.status.clone(),
        status_name: status_name(&d.status),
        level: d.level.clone(),
        community: st.org_map().unit_name(d.community_id).unwrap_or_default(),
        created_at: d.created_at,
        follow_up_due: d.follow_up_due,
    }
}

impl AppState {
    /// Decrypts a stored value; one that fails to decrypt is shown as a placeholder, never
    /// in clear or as an error page.
    pub(crate) fn open_text(&self, field: &str, stored: &str) -> String {
        self.cipher
            .decrypt(field, stored)
            .unwrap_or_else(|_| "（无法解密）".into())
    }

    /// [`Self::open_text`] with phone and ID numbers typed into the text masked (as every
    /// free text is shown); the original stays encrypted in the store.
    pub(crate) fn shown_text(&self, field: &str, stored: &str, mask: bool) -> String {
        let t = self.open_text(field, stored);
        if mask {
            gongzhi_core::pii::mask_text(&t).unwrap_or(t)
        } else {
            t
        }
    }
}

/// The whole dispute as the caller may see it (numbers typed into free text masked).
pub async fn get(st: &AppState, user: &CurrentUser, id: i64) -> AppResult<DisputeView> {
    get_as(st, user, id, true).await
}

/// [`get`], with free text masked or, for the person's own export, as typed.
async fn get_as(st: &AppState, user: &CurrentUser, id: i64, mask: bool) -> AppResult<DisputeView> {
    let mut tx = st.db.read().await?;
    let (d, parties, mediators, standing) = load(&mut tx, user, id, false).await?;
    let sessions = store::sessions(&mut tx, id).await?;
    let agreement = store::agreement(&mut tx, id).await?;
    let followups = store::followups(&mut tx, id).await?;
    let attachments = store::attachments(&mut tx, id).await?;
    let events = store::events(&mut tx, id).await?;
    drop(tx);
    let map = st.org_map();
    Ok(DisputeView {
        id: d.id,
        type_name: type_name(&d.dtype),
        dtype: d.dtype.clone(),
        title: d.title.clone(),
        account: st.shown_text(ACCOUNT_FIELD, &d.account_enc, mask),
        wants: st.shown_text(WANTS_FIELD, &d.wants_enc, mask),
        risk: d.risk.clone(),
        risk_reasons: serde_json::from_str(&d.risk_reasons).unwrap_or_default(),
        status_name: status_name(&d.status),
        status: d.status.clone(),
        level: d.level.clone(),
        resolved_level: d.resolved_level.clone(),
        channel: d.channel.clone(),
        community: map.unit_name(d.community_id).unwrap_or_default(),
        street: map.unit_name(d.street_id).unwrap_or_default(),
        case_id: d.case_id,
        parties: parties
            .iter()
            .map(|p| PartyView {
                id: p.id,
                side: p.side.clone(),
                name: st.open_text(NAME_FIELD, &p.name_enc),
                phone: p
                    .phone_enc
                    .as_ref()
                    .map(|e| mask_phone(&st.open_text(PHONE_FIELD, e))),
                consent: p.consent.clone(),
                consent_at: p.consent_at,
                consent_recorded_for: p.consent_by.is_some() && p.consent_by != p.user_id,
                position: p
                    .position_enc
                    .as_ref()
                    .map(|e| st.shown_text(POSITION_FIELD, e, mask)),
                confirmed_at: p.confirmed_at,
                me: Some(p.id) == standing.party,
            })
            .collect(),
        mediators: mediators
            .iter()
            .map(|m| MediatorView {
                user_id: m.user_id,
                name: m.display_name.clone(),
                office_name: Office::parse(&m.office)
                    .map(|o| o.name_zh().to_string())
                    .unwrap_or_default(),
                office: m.office.clone(),
                lead: m.lead,
                score: m.score,
            })
            .collect(),
        sessions: sessions
            .into_iter()
            .map(|s| SessionView {
                id: s.id,
                held_at: s.held_at,
                mode: s.mode,
                place: s.place,
                minutes: st.shown_text(MINUTES_FIELD, &s.minutes_enc, mask),
                recorded_by: s.recorder,
            })
            .collect(),
        agreement: agreement.map(|a| AgreementView {
            version: a.version,
            terms: st.open_text(TERMS_FIELD, &a.terms_enc),
            sha256: a.sha256,
            created_at: a.created_at,
        }),
        followups: followups
            .into_iter()
            .map(|f| FollowUpView {
                holds: f.holds,
                note: st.shown_text(NOTE_FIELD, &f.note_enc, mask),
                visited_by: f.visitor,
                at: f.created_at,
            })
            .collect(),
        attachments: attachments
            .into_iter()
            .map(|a| AttachmentView {
                url: format!("/api/v1/disputes/{}/attachments/{}", id, a.id),
                id: a.id,
                name: a.name,
                mime: a.mime,
                size: a.size,
                sha256: a.sha256,
            })
            .collect(),
        events: events
            .into_iter()
            .map(|e| EventView {
                at: e.at,
                actor: e.actor,
                kind: e.kind,
                detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
            })
            .collect(),
        follow_up_due: d.follow_up_due,
        created_at: d.created_at,
        updated_at: d.updated_at,
        closed_at: d.closed_at,
        standing,
    })
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only this status (`filed`, `mediating`, …).
    pub status: Option<String>,
}

/// The disputes the caller has standing in, newest first.
pub async fn list(
    st: &AppState,
    user: &CurrentUser,
    q: &ListQuery,
    p: &PageParams,
) -> AppResult<Page<DisputeItem>> {
    let status = q.status.clone().unwrap_or_default();
    if !status.is_empty() && Status::parse(&status).is_none() {
        return Err(AppError::Invalid {
            code: "STATUS_UNKNOWN",
            field: Some("status"),
        });
    }
    let mut tx = st.db.read().await?;
    let (rows, total) =
        store::list(&mut tx, visible(user), &status, p.per_page(), p.offset()).await?;
    Ok(Page::new(
        rows.iter().map(|d| item(st, d)).collect(),
        p,
        total,
    ))
}

/// Resolved disputes of the caller whose follow-up visit is due.
pub async fn follow_ups_due(st: &AppState, user: &CurrentUser) -> AppResult<Vec<DisputeItem>> {
    let mut tx = st.db.read().await?;
    let rows = store::follow_ups_due(&mut tx, visible(user), st.now_ms()).await?;
    Ok(rows.iter().map(|d| item(st, d)).collect())
}

/// The disputes the caller is a party to, as they see them, for `GET /api/v1/me/export`.
pub async fn export_own(st: &AppState, user: &CurrentUser) -> AppResult<Vec<DisputeView>> {
    let ids = {
        let mut tx = st.db.read().await?;
        store::disputes_of_person(&mut tx, user.id, user.resident_id).await?
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match get_as(st, user, id, false).await {
            Ok(v) => out.push(v),
            Err(AppError::NotFound | AppError::Denied { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// What is waiting for the user in mediation (their home's 今日待办): disputes waiting for
/// consent, being mediated, agreements waiting to be confirmed, and follow-up visits due —
/// of the disputes the user has standing in (a resident: their own).
pub async fn todo(st: &AppState, user: &CurrentUser) -> AppResult<Vec<crate::web::todo::Item>> {
    use crate::web::todo::Item;
    if user.role == gongzhi_core::identity::Role::Auditor {
        return Ok(vec![]);
    }
    let one = &PageParams {
        page: None,
        per_page: Some(1),
    };
    let count = |s: &'static str| async move {
        list(
            st,
            user,
            &ListQuery {
                status: Some(s.into()),
            },
            one,
        )
        .await
        .map(|p| p.total)
    };
    let mut items = vec![
        Item::new(
            "todo.disputes_filed",
            count("filed").await?,
            "/mediation?status=filed",
        ),
        Item::new(
            "todo.disputes_mediating",
            count("mediating").await?,
            "/mediation?status=mediating",
        ),
        Item::new(
            "todo.disputes_agreed",
            count("agreed").await?,
            "/mediation?status=agreed",
        ),
    ];
    if user.role.is_staff() {
        items.push(
            Item::new(
                "todo.follow_ups_due",
                follow_ups_due(st, user).await?.len() as i64,
                "/mediation#followups",
            )
            .warn(),
        );
    }
    Ok(items)
}

/// Every dispute of the caller's list under its filter, for an export (at most
/// [`crate::web::export::MAX_ROWS`]); audited as `list.export` with the count. Titles carry
/// no names (they are written without them), so the rows are as the list shows them.
pub async fn export_list(
    st: &AppState,
    user: &CurrentUser,
    q: &ListQuery,
) -> AppResult<Vec<DisputeItem>> {
    let all = crate::web::export::all_pages(|p| async move { list(st, user, q, &p).await }).await?;
    crate::audit::record_alone(
        &st.db,
        st.now_ms(),
        &user.actor(),
        crate::audit::Event::ok("list.export", "disputes", "")
            .with(serde_json::json!({"rows": all.len(), "status": q.status})),
    )
    .await?;
    Ok(all)
}
