//! Dispute use-cases: intake (residents, staff, a case, a police referral), consent,
//! matching, sessions, the agreement and its confirmations, the ladder, follow-up visits,
//! attachments and the figures.
//!
//! Confidentiality: a dispute is seen only by its parties, its mediators, whoever filed it
//! and their supervisors (community staff of its community, street staff of its street,
//! administrators). Everyone else gets 404 on every route, audited as a refused access.

use std::collections::{BTreeMap, HashSet};

use base64::Engine;
use gongzhi_core::identity::{Placement, Role};
use gongzhi_core::mediation::lifecycle::{self, Action, Status};
use gongzhi_core::mediation::{Candidate, DisputeType, Level, Office, Risk};
use gongzhi_core::pii::{PhoneNumber, mask_phone};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::store::{self, DisputeRow, PartyRow, Visible};
use crate::audit::{self, Actor, Event};
use crate::auth::service::CurrentUser;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Page, PageParams};

pub const ACCOUNT_FIELD: &str = "disputes.account";
pub const WANTS_FIELD: &str = "disputes.wants";
pub const NAME_FIELD: &str = "dispute_parties.name";
pub const PHONE_FIELD: &str = "dispute_parties.phone";
pub const POSITION_FIELD: &str = "dispute_parties.position";
pub const MINUTES_FIELD: &str = "dispute_sessions.minutes";
pub const TERMS_FIELD: &str = "dispute_agreements.terms";
pub const NOTE_FIELD: &str = "dispute_followups.note";
pub const ATTACHMENT_FIELD: &str = "dispute_attachments.data";

/// Days after an agreement until the follow-up visit (回访), unless the filer sets it.
pub const FOLLOW_UP_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;
/// Largest attachment (evidence photo or PDF).
pub const MAX_ATTACHMENT: usize = 5 * 1024 * 1024;

fn text_field(
    s: &str,
    min: usize,
    max: usize,
    code: &'static str,
    field: &'static str,
) -> AppResult<String> {
    let t = s.trim();
    let n = t.chars().count();
    if n < min || n > max {
        return Err(AppError::Invalid {
            code,
            field: Some(field),
        });
    }
    Ok(t.to_string())
}

// ---------------------------------------------------------------- standing

/// What a user is to one dispute.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Standing {
    /// Their own party record, if they are a party.
    pub party: Option<i64>,
    pub mediator: bool,
    /// Community/street staff over it, or an administrator.
    pub supervisor: bool,
    pub filer: bool,
}

impl Standing {
    pub fn sees(&self) -> bool {
        self.party.is_some() || self.mediator || self.supervisor || self.filer
    }
    /// May record sessions, drafts, consent and confirmations for parties, escalate, close.
    pub fn works(&self) -> bool {
        self.mediator || self.supervisor
    }
}

/// Who works disputes: mediators and the community, street and administration staff.
pub fn works_disputes(role: Role) -> bool {
    matches!(
        role,
        Role::Mediator | Role::CommunityStaff | Role::StreetStaff | Role::Admin
    )
}

fn supervises(user: &CurrentUser, d: &DisputeRow) -> bool {
    matches!(
        user.role,
        Role::Admin | Role::StreetStaff | Role::CommunityStaff
    ) && user.scope.covers(&Placement {
        street: Some(d.street_id),
        community: Some(d.community_id),
        ..Placement::default()
    })
}

fn standing(
    user: &CurrentUser,
    d: &DisputeRow,
    parties: &[PartyRow],
    mediators: &[store::AssignedRow],
) -> Standing {
    let party = parties
        .iter()
        .find(|p| {
            p.user_id == Some(user.id)
                || (user.resident_id.is_some() && p.resident_id == user.resident_id)
        })
        .map(|p| p.id);
    Standing {
        party,
        mediator: mediators.iter().any(|m| m.user_id == user.id),
        supervisor: supervises(user, d),
        filer: d.filed_by == user.id,
    }
}

/// The dispute (locked for a write) with its parties and mediators, if the user has
/// standing; otherwise 404 (audited as a refused access).
async fn load(
    tx: &mut Tx,
    user: &CurrentUser,
    id: i64,
    lock: bool,
) -> AppResult<(DisputeRow, Vec<PartyRow>, Vec<store::AssignedRow>, Standing)> {
    let d = store::find(tx, id, lock).await?.ok_or(AppError::NotFound)?;
    let parties = store::parties(tx, id).await?;
    let mediators = store::assigned(tx, id).await?;
    let s = standing(user, &d, &parties, &mediators);
    if !s.sees() {
        return Err(AppError::Denied {
            object_type: "dispute",
            object_id: id.to_string(),
        });
    }
    Ok((d, parties, mediators, s))
}

fn visible(user: &CurrentUser) -> Visible {
    let (mut all, mut street, mut community) = (false, -1, -1);
    match (user.role, user.scope) {
        (Role::Admin, gongzhi_core::identity::Scope::District) => all = true,
        (Role::StreetStaff, gongzhi_core::identity::Scope::Street(s)) => street = s,
        (Role::CommunityStaff, gongzhi_core::identity::Scope::Community(c)) => community = c,
        _ => {}
    }
    Visible {
        all,
        street,
        community,
        user: user.id,
        resident: user.resident_id.unwrap_or(-1),
    }
}

/// The keys of the cases a user may see in similar-case search: the published cases,
/// disputes they have standing in (`u:<id>`), and — for supervisors — those of their
/// community (`c:`), street (`s:`) or everything (`all`).
pub fn access_keys(user: &CurrentUser) -> Vec<String> {
    let mut keys = vec!["public".to_string(), format!("u:{}", user.id)];
    let v = visible(user);
    if v.all {
        keys.push("all".into());
    }
    if v.street > 0 {
        keys.push(format!("s:{}", v.street));
    }
    if v.community > 0 {
        keys.push(format!("c:{}", v.community));
    }
    if let Some(r) = user.resident_id {
        keys.push(format!("r:{r}"));
    }
    keys
}

// ---------------------------------------------------------------- views

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

fn type_name(code: &str) -> String {
    DisputeType::by_code(code)
        .map(|t| t.name.to_string())
        .unwrap_or_else(|| code.to_string())
}

fn status_name(code: &str) -> String {
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
}

/// The whole dispute as the caller may see it.
pub async fn get(st: &AppState, user: &CurrentUser, id: i64) -> AppResult<DisputeView> {
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
        account: st.open_text(ACCOUNT_FIELD, &d.account_enc),
        wants: st.open_text(WANTS_FIELD, &d.wants_enc),
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
                    .map(|e| st.open_text(POSITION_FIELD, e)),
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
                minutes: st.open_text(MINUTES_FIELD, &s.minutes_enc),
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
                note: st.open_text(NOTE_FIELD, &f.note_enc),
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

// ---------------------------------------------------------------- intake

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PartyInput {
    /// `applicant` or `respondent` (default).
    pub side: Option<String>,
    pub name: String,
    pub phone: Option<String>,
    /// Staff: the resident record of this party (links their account, if any).
    pub resident_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct FileRequest {
    /// What happened (10–5000 characters).
    pub account: String,
    /// What the applicant asks for (1–2000 characters).
    #[serde(default)]
    pub wants: String,
    /// Dispute type code (`neighbour`, …); by default guessed from the most similar cases.
    pub dtype: Option<String>,
    /// A short title without names (default: the type and the account's first words).
    pub title: Option<String>,
    /// The other parties (a resident filing is the applicant themselves).
    #[serde(default)]
    pub parties: Vec<PartyInput>,
    /// Staff: the community (default: their own).
    pub community_id: Option<i64>,
    /// Staff: `office` (walked in), `phone` or `police` (a police station's referral).
    pub channel: Option<String>,
    /// A resident filing agrees to mediation by filing; must be true.
    #[serde(default)]
    pub consent: bool,
    /// Days after the agreement until the follow-up visit (1–365, default 30).
    pub follow_up_days: Option<i64>,
}

/// The type of an account: cue words and the types of the five most similar published
/// cases (see `gongzhi_core::mediation::types::guess_type`); the commonest type if nothing
/// points anywhere.
pub fn guess_type(index: &super::index::CaseIndex, text: &str) -> &'static str {
    let keys = vec!["public".to_string()];
    let hits = index
        .similar(text, 5, Some(&keys), None)
        .unwrap_or_default();
    let neighbours: Vec<&str> = hits
        .iter()
        .filter_map(|h| DisputeType::by_name(&h.dtype).map(|t| t.code))
        .collect();
    gongzhi_core::mediation::types::guess_type(text, &neighbours)
        .map(|t| t.code)
        .unwrap_or("neighbour")
}

/// A title from the account's first clause of four characters or more (never names: the
/// filer's words, which staff see anyway).
pub(crate) fn default_title(dtype: &str, account: &str) -> String {
    let first: String = account
        .split(['。', '，', '；', '！', '？', ',', '.'])
        .find(|s| s.chars().count() >= 4)
        .unwrap_or(account)
        .chars()
        .take(24)
        .collect();
    format!("{}｜{}", type_name(dtype), first)
}

struct NewParty {
    side: &'static str,
    name: String,
    phone: Option<String>,
    user_id: Option<i64>,
    resident_id: Option<i64>,
    consent: &'static str,
    consent_by: Option<i64>,
}

fn party_input(p: &PartyInput) -> AppResult<(String, Option<String>, &'static str)> {
    let name = text_field(&p.name, 1, 40, "NAME_INVALID", "parties")?;
    let phone = match p.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(ph) => Some(
            PhoneNumber::parse(ph)
                .map_err(|e| AppError::field("parties", e))?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let side = match p.side.as_deref().unwrap_or("respondent") {
        "applicant" => "applicant",
        "respondent" => "respondent",
        _ => {
            return Err(AppError::Invalid {
                code: "SIDE_INVALID",
                field: Some("parties"),
            });
        }
    };
    Ok((name, phone, side))
}

/// Where a new dispute is placed and who files it.
struct Intake {
    channel: &'static str,
    street_id: i64,
    community_id: i64,
    case_id: Option<i64>,
}

/// Files a dispute. Residents file for themselves (`web`); community/street staff and
/// mediators file for someone who came or called (`office`, `phone`) and police mediators
/// refer one (`police`).
pub async fn file(
    st: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    req: &FileRequest,
) -> AppResult<i64> {
    let account = text_field(&req.account, 10, 5000, "ACCOUNT_INVALID", "account")?;
    let wants = text_field(&req.wants, 0, 2000, "WANTS_INVALID", "wants")?;
    let mut parties = vec![];
    let intake = match user.role {
        Role::Resident => {
            if !req.consent {
                return Err(AppError::Invalid {
                    code: "CONSENT_REQUIRED",
                    field: Some("consent"),
                });
            }
            if req.channel.is_some() || req.community_id.is_some() {
                return Err(AppError::Forbidden("STAFF_ONLY"));
            }
            let rid = user
                .resident_id
                .ok_or(AppError::Forbidden("ROLE_FORBIDDEN"))?;
            let mut tx = st.db.read().await?;
            let r = crate::residents::store::find(&mut tx, rid)
                .await?
                .ok_or(AppError::Forbidden("ROLE_FORBIDDEN"))?;
            parties.push(NewParty {
                side: "applicant",
                name: r.name.clone(),
                phone: st
                    .cipher
                    .decrypt(crate::residents::service::PHONE_FIELD, &r.phone_enc)
                    .ok(),
                user_id: Some(user.id),
                resident_id: Some(rid),
                consent: "yes",
                consent_by: Some(user.id),
            });
            Intake {
                channel: "web",
                street_id: r.street_id,
                community_id: r.community_id,
                case_id: None,
            }
        }
        r if works_disputes(r) => {
            let channel = match req.channel.as_deref().unwrap_or("office") {
                "office" => "office",
                "phone" => "phone",
                "police" => "police",
                _ => {
                    return Err(AppError::Invalid {
                        code: "CHANNEL_INVALID",
                        field: Some("channel"),
                    });
                }
            };
            let community = match (req.community_id, user.scope) {
                (Some(c), _) => c,
                (None, gongzhi_core::identity::Scope::Community(c)) => c,
                _ => {
                    return Err(AppError::Invalid {
                        code: "COMMUNITY_REQUIRED",
                        field: Some("community_id"),
                    });
                }
            };
            let map = st.org_map();
            let street = map
                .unit(community)
                .filter(|u| u.level == "community")
                .and_then(|u| u.street)
                .ok_or(AppError::Invalid {
                    code: "COMMUNITY_UNKNOWN",
                    field: Some("community_id"),
                })?;
            // Staff file within their own area; mediators anywhere they serve.
            if user.role != Role::Mediator
                && !user.scope.covers(&Placement {
                    street: Some(street),
                    community: Some(community),
                    ..Placement::default()
                })
            {
                return Err(AppError::Forbidden("OUT_OF_SCOPE"));
            }
            Intake {
                channel,
                street_id: street,
                community_id: community,
                case_id: None,
            }
        }
        _ => return Err(AppError::Forbidden("ROLE_FORBIDDEN")),
    };
    if req.parties.is_empty() && parties.len() < 2 && user.role == Role::Resident {
        return Err(AppError::Invalid {
            code: "PARTIES_REQUIRED",
            field: Some("parties"),
        });
    }
    if req.parties.len() > 20 {
        return Err(AppError::Invalid {
            code: "PARTIES_INVALID",
            field: Some("parties"),
        });
    }
    let mut tx = st.db.read().await?;
    for p in &req.parties {
        let (name, phone, side) = party_input(p)?;
        let (resident_id, user_id) = match p.resident_id {
            Some(r) if user.role != Role::Resident => {
                if crate::residents::store::find(&mut tx, r).await?.is_none() {
                    return Err(AppError::Invalid {
                        code: "RESIDENT_UNKNOWN",
                        field: Some("parties"),
                    });
                }
                (Some(r), store::user_of_resident(&mut tx, r).await?)
            }
            Some(_) => return Err(AppError::Forbidden("STAFF_ONLY")),
            None => (None, None),
        };
        parties.push(NewParty {
            side,
            name,
            phone,
            user_id,
            resident_id,
            consent: "pending",
            consent_by: None,
        });
    }
    drop(tx);
    if parties.len() < 2 {
        return Err(AppError::Invalid {
            code: "PARTIES_REQUIRED",
            field: Some("parties"),
        });
    }
    let index = st.similar_cases().await?;
    let dtype = match req.dtype.as_deref().filter(|s| !s.is_empty()) {
        Some(c) => {
            DisputeType::by_code(c)
                .ok_or(AppError::Invalid {
                    code: "TYPE_UNKNOWN",
                    field: Some("dtype"),
                })?
                .code
        }
        None => {
            let text = account.clone();
            let ix = index.clone();
            tokio::task::spawn_blocking(move || guess_type(&ix, &text))
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?
        }
    };
    let title = match req
        .title
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(t) => text_field(t, 1, 40, "TITLE_INVALID", "title")?,
        None => default_title(dtype, &account),
    };
    let follow_up_days = req.follow_up_days.unwrap_or(FOLLOW_UP_DAYS);
    if !(1..=365).contains(&follow_up_days) {
        return Err(AppError::Invalid {
            code: "FOLLOW_UP_INVALID",
            field: Some("follow_up_days"),
        });
    }
    let id = insert(
        st,
        user,
        actor,
        &intake,
        dtype,
        &title,
        &account,
        &wants,
        follow_up_days,
        &parties,
    )
    .await?;
    reindex(st, id).await;
    Ok(id)
}

/// Files a dispute from a case of category SVC.DISPUTE (one click in the case page).
pub async fn from_case(
    st: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    case_id: i64,
) -> AppResult<i64> {
    if !works_disputes(user.role) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    // Whoever may open the case (404 otherwise) may turn it into a dispute.
    crate::cases::service::get(st, user, case_id).await?;
    let mut tx = st.db.read().await?;
    let c = crate::cases::store::find_case(&mut tx, case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if c.category != "SVC.DISPUTE" {
        return Err(AppError::Conflict("CASE_NOT_DISPUTE"));
    }
    if let Some(existing) = store::find_by_case(&mut tx, case_id).await? {
        return Ok(existing);
    }
    let mut parties = vec![];
    let reporter_resident = match c.resident_id {
        Some(r) => Some(r),
        None => match c.reporter_user_id {
            Some(u) => crate::auth::store::find(&mut tx, u)
                .await?
                .and_then(|u| u.resident_id),
            None => None,
        },
    };
    let name = match reporter_resident {
        Some(r) => crate::residents::store::find(&mut tx, r)
            .await?
            .map(|r| r.name),
        None => None,
    };
    let phone = c.caller_enc.as_ref().and_then(|e| {
        st.cipher
            .decrypt(crate::cases::service::CALLER_FIELD, e)
            .ok()
    });
    parties.push(NewParty {
        side: "applicant",
        name: name.unwrap_or_else(|| "反映人".into()),
        phone,
        user_id: match reporter_resident {
            Some(r) => store::user_of_resident(&mut tx, r).await?,
            None => None,
        },
        resident_id: reporter_resident,
        consent: "pending",
        consent_by: None,
    });
    parties.push(NewParty {
        side: "respondent",
        name: "对方当事人（待核实）".into(),
        phone: None,
        user_id: None,
        resident_id: None,
        consent: "pending",
        consent_by: None,
    });
    drop(tx);
    let index = st.similar_cases().await?;
    let text = c.text.clone();
    let dtype = tokio::task::spawn_blocking(move || guess_type(&index, &text))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let intake = Intake {
        channel: "case",
        street_id: c.street_id,
        community_id: c.community_id,
        case_id: Some(case_id),
    };
    let title = default_title(dtype, &c.text);
    let account = if c.text.chars().count() < 10 {
        format!("{}（由第{}号案件转入）", c.text, case_id)
    } else {
        c.text.clone()
    };
    let id = match insert(
        st,
        user,
        actor,
        &intake,
        dtype,
        &title,
        &account,
        "",
        FOLLOW_UP_DAYS,
        &parties,
    )
    .await
    {
        Ok(id) => id,
        // Two clicks at once: the other one made it.
        Err(AppError::Internal(e))
            if e.downcast_ref::<sqlx::Error>()
                .is_some_and(crate::db::is_unique_violation) =>
        {
            let mut tx = st.db.read().await?;
            store::find_by_case(&mut tx, case_id)
                .await?
                .ok_or(AppError::NotFound)?
        }
        Err(e) => return Err(e),
    };
    reindex(st, id).await;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    st: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    intake: &Intake,
    dtype: &'static str,
    title: &str,
    account: &str,
    wants: &str,
    follow_up_days: i64,
    parties: &[NewParty],
) -> AppResult<i64> {
    let screened = gongzhi_core::mediation::screen(&format!("{account}\n{wants}"));
    let reasons = serde_json::to_string(&screened.reasons).unwrap_or_else(|_| "[]".into());
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert(
        &mut tx,
        &store::NewDispute {
            dtype,
            title,
            account_enc: &st.cipher.encrypt(ACCOUNT_FIELD, account),
            wants_enc: &st.cipher.encrypt(WANTS_FIELD, wants),
            risk: screened.risk.code(),
            risk_reasons: &reasons,
            channel: intake.channel,
            street_id: intake.street_id,
            community_id: intake.community_id,
            case_id: intake.case_id,
            filed_by: user.id,
            follow_up_days,
            now,
        },
    )
    .await?;
    for p in parties {
        let name_enc = st.cipher.encrypt(NAME_FIELD, &p.name);
        let phone_enc = p
            .phone
            .as_ref()
            .map(|ph| st.cipher.encrypt(PHONE_FIELD, ph));
        store::insert_party(
            &mut tx,
            id,
            &store::NewParty {
                side: p.side,
                name_enc: &name_enc,
                phone_enc: phone_enc.as_deref(),
                user_id: p.user_id,
                resident_id: p.resident_id,
                consent: p.consent,
                consent_at: p.consent_by.map(|_| now),
                consent_by: p.consent_by,
            },
        )
        .await?;
    }
    store::event(
        &mut tx,
        id,
        Some(user.id),
        "filed",
        &serde_json::json!({"channel": intake.channel, "type": dtype, "risk": screened.risk.code(), "case": intake.case_id}),
        now,
    )
    .await?;
    // Triage: the mediators (one per office the type needs; police as well when the risk
    // is high), told at once.
    let ty = DisputeType::by_code(dtype).unwrap_or(&gongzhi_core::mediation::types::TYPES[0]);
    let police = screened.risk == Risk::High;
    let assigned = rematch(&mut tx, id, ty, intake.community_id, police, now).await?;
    if !assigned.is_empty() {
        store::event(
            &mut tx,
            id,
            None,
            "matched",
            &serde_json::json!({"mediators": assigned}),
            now,
        )
        .await?;
        crate::notify::send(
            st,
            &mut tx,
            &assigned,
            None,
            "dispute",
            &format!("新的纠纷待调解（第{id}号）"),
            &format!(
                "{}：请联系当事人征得调解同意。/mediation/disputes/{id}",
                ty.name
            ),
            now,
        )
        .await?;
    }
    if police {
        let to = store::alert_recipients(&mut tx, intake.street_id).await?;
        crate::notify::send(
            st,
            &mut tx,
            &to,
            None,
            "urgent",
            &format!("高风险纠纷预警（第{id}号）"),
            &format!(
                "{}，风险：{}。请立即处置。/mediation/disputes/{id}",
                ty.name,
                screened
                    .reasons
                    .iter()
                    .map(|(_, p)| *p)
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            now,
        )
        .await?;
        store::event(
            &mut tx,
            id,
            None,
            "alerted",
            &serde_json::json!({"users": to}),
            now,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("dispute.file", "dispute", id).with(serde_json::json!({
            "channel": intake.channel, "type": dtype, "risk": screened.risk.code(),
            "parties": parties.len(), "case": intake.case_id
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Matches mediators for the offices not yet at the table and assigns them; returns the
/// users newly assigned.
async fn rematch(
    tx: &mut Tx,
    id: i64,
    ty: &DisputeType,
    community: i64,
    police: bool,
    now: i64,
) -> AppResult<Vec<i64>> {
    let pool = store::mediator_pool(tx).await?;
    let current = store::assigned(tx, id).await?;
    let candidates: Vec<Candidate> = pool
        .iter()
        .filter(|m| !current.iter().any(|c| c.user_id == m.user_id))
        .filter_map(|m| {
            Some(Candidate {
                user_id: m.user_id,
                office: Office::parse(&m.office)?,
                skills: serde_json::from_str(&m.skills).unwrap_or_default(),
                communities: serde_json::from_str(&m.communities).unwrap_or_default(),
                load: u32::try_from(m.load).unwrap_or(u32::MAX),
                capacity: u32::try_from(m.capacity).unwrap_or(0),
                available: m.available,
            })
        })
        .collect();
    let mut offices: Vec<Office> = ty.offices.to_vec();
    if police && !offices.contains(&Office::Police) {
        offices.push(Office::Police);
    }
    let present: HashSet<&str> = current.iter().map(|c| c.office.as_str()).collect();
    offices.retain(|o| !present.contains(o.code()));
    if offices.is_empty() {
        return Ok(vec![]);
    }
    let wanted = DisputeType {
        code: ty.code,
        name: ty.name,
        offices: Box::leak(offices.into_boxed_slice()),
    };
    let matches = gongzhi_core::mediation::match_mediators(&wanted, community, &candidates);
    let has_lead = current.iter().any(|c| c.lead);
    let mut out = vec![];
    for m in matches {
        if present.contains(m.office.code()) {
            continue;
        }
        store::assign(
            tx,
            id,
            m.user_id,
            m.office.code(),
            m.lead && !has_lead,
            Some(m.score),
            now,
        )
        .await?;
        out.push(m.user_id);
    }
    Ok(out)
}

// ---------------------------------------------------------------- actions

/// A life-cycle action under way: the dispute locked in an open transaction, with the
/// caller's standing. The caller checks, writes what the action adds, then [`Step::finish`]
/// applies the transition (refusing it rolls everything back) with its event and audit.
struct Step {
    tx: Tx,
    d: DisputeRow,
    parties: Vec<PartyRow>,
    standing: Standing,
    now: i64,
}

async fn begin(st: &AppState, user: &CurrentUser, id: i64) -> AppResult<Step> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let (d, parties, _mediators, standing) = load(&mut tx, user, id, true).await?;
    Ok(Step {
        tx,
        d,
        parties,
        standing,
        now,
    })
}

/// The ledger entry of a confirmed agreement.
pub fn agreement_entry(
    st: &AppState,
    dispute: i64,
    a: &store::AgreementRow,
    level: Level,
    community_id: i64,
    now: i64,
) -> gongzhi_core::ledger::Entry {
    gongzhi_core::ledger::Entry::Agreement(gongzhi_core::ledger::AgreementRecord {
        v: gongzhi_core::ledger::VERSION,
        dispute: st
            .cipher
            .blind_index("ledger.dispute", &dispute.to_string()),
        version: a.version,
        sha256: a.sha256.clone(),
        level: level.code().to_string(),
        community_id,
        recorded_ms: now,
    })
}

impl Step {
    /// Whether the action is possible in the dispute's status (before writing anything).
    fn check(&self, a: Action) -> AppResult<()> {
        let status = Status::parse(&self.d.status).unwrap_or(Status::Filed);
        let level = Level::parse(&self.d.level).unwrap_or(Level::Community);
        lifecycle::next(status, level, a)
            .map(|_| ())
            .map_err(|e| AppError::Conflict(gongzhi_core::Coded::code(&e)))
    }

    async fn finish(
        mut self,
        st: &AppState,
        user: &CurrentUser,
        actor: &Actor,
        a: Action,
        audit_action: &'static str,
        detail: serde_json::Value,
    ) -> AppResult<()> {
        let (id, now) = (self.d.id, self.now);
        let status = Status::parse(&self.d.status).unwrap_or(Status::Filed);
        let level = Level::parse(&self.d.level).unwrap_or(Level::Community);
        let (next, next_level) = lifecycle::next(status, level, a)
            .map_err(|e| AppError::Conflict(gongzhi_core::Coded::code(&e)))?;
        let tx = &mut self.tx;
        store::touch(tx, id, now).await?;
        if next != status || next_level != level {
            let resolved = next == Status::Resolved;
            store::set_state(
                tx,
                id,
                &store::Transition {
                    status: next.code(),
                    level: next_level.code(),
                    resolved_level: if resolved {
                        Some(next_level.code())
                    } else {
                        None
                    },
                    follow_up_due: if resolved {
                        Some(now + self.d.follow_up_days * DAY_MS)
                    } else {
                        None
                    },
                    closed_at: if next.is_closed() { Some(now) } else { None },
                    now,
                },
            )
            .await?;
            store::event(
                tx,
                id,
                Some(user.id),
                "status",
                &serde_json::json!({"from": status.code(), "to": next.code(), "level": next_level.code()}),
                now,
            )
            .await?;
            if resolved && let Some(a) = store::agreement(tx, id).await? {
                // The confirmed agreement's hash goes on the public ledger, under a
                // pseudonym of the dispute (no names, no account).
                crate::ledger::service::append(
                    tx,
                    &[agreement_entry(
                        st,
                        id,
                        &a,
                        next_level,
                        self.d.community_id,
                        now,
                    )],
                    now,
                )
                .await?;
            }
            if next_level != level && next == Status::Mediating {
                // A higher rung brings the judicial office to the table if it is not there.
                let ty = DisputeType::by_code(&self.d.dtype)
                    .unwrap_or(&gongzhi_core::mediation::types::TYPES[0]);
                let judicial = DisputeType {
                    code: ty.code,
                    name: ty.name,
                    offices: &[Office::Judicial],
                };
                let added = rematch(tx, id, &judicial, self.d.community_id, false, now).await?;
                if !added.is_empty() {
                    crate::notify::send(
                        st,
                        tx,
                        &added,
                        None,
                        "dispute",
                        &format!("纠纷升级至{}（第{id}号）", next_level.name_zh()),
                        &format!("/mediation/disputes/{id}"),
                        now,
                    )
                    .await?;
                }
            }
        }
        store::event(tx, id, Some(user.id), audit_action, &detail, now).await?;
        audit::record(
            tx,
            now,
            actor,
            Event::ok(audit_action, "dispute", id).with(detail),
        )
        .await?;
        self.tx.commit().await?;
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ConsentRequest {
    /// The party answering (default: the caller's own party record).
    pub party_id: Option<i64>,
    pub consent: bool,
}

/// A party agrees (or refuses) to mediation; staff and mediators record it for a party
/// reached by phone or in person.
pub async fn consent(
    st: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    id: i64,
    req: &ConsentRequest,
) -> AppResult<()> {
    let mut s = begin(st, user, id).await?;
    let pid = target_party(req.party_id, &s.parties, &s.standing)?;
    let all_yes = req.consent && s.parties.iter().all(|p| p.id == pid || p.consent == "yes");
    let a = Action::Consent {
        yes: req.consent,
        all_yes,
    };
    s.check(a)?;
    let answer = if req.consent { "yes" } else { "no" };
    store::set_consent(&mut s.tx, pid, answer, user.id, s.now).await?;
    let detail = serde_json::json!({"party": pid, "consent": answer});
    s.finish(st, user, actor, a, "dispute.consent", detail)
        .await?;
    reindex(st, id).await;
    Ok(())
}

/// The party an action is for: the one named (staff and mediators may name any; a party
/// only themselves), else the caller's own.
fn target_party(named: Option<i64>, parties: &[PartyRow], s: &Standing) -> AppResult<i64> {
    match named {
        Some(p) if !parties.iter().any(|x| x.id == p) => Err(AppError::Invalid {
            code: "PARTY_UNKNOWN",
            field: Some("party_id"),
        }),
        Some(p) if s.works() || s.party == Some(p) => Ok(p),
        Some(_) => Err(AppError::Forbidden("NOT_YOUR_PARTY")),
        None => s.party.ok_or(AppError::Invalid {
            code: "PARTY_REQUIRED",
            field: Some("party_id"),
        }),
    }
}

fn must_work(s: &Standing) -> AppResult<()> {
    if s.works() {
        Ok(())
    } else {
        Err(AppError::Forbidden("MEDIATORS_ONLY"))
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SessionRequest {
    /// When it was held (epoch ms; default now).
    pub held_at: Option<i64>,
    /// `in_person` (default), `online` or `phone`.
    pub mode: Option<String>,
    #[serde(default)]
    pub place: String,
    /// The minutes (1–10000 characters).
    pub minutes: String,
    /// Each party's position as stated in the session: party id → text.
    #[serde(default)]
    pub positions: BTreeMap<i64, String>,
}

pub async fn record_session(
    st: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    id: i64,
    req: &SessionRequest,
) -> AppResult<()> {
    let minutes = text_field(&req.minutes, 1, 10_000, "MINUTES_INVALID", "minutes")?;
    let place = text_field(&req.place, 0, 100, "PLACE_INVALID", "place")?;
    let mode = match req.mode.as_deref().unwrap_or("in_person") {
        m @ ("in_person" | "online" | "phone") => m.to_string(),
        _ => {
            return Err(AppError::Invalid {
                code: "MODE_INVALID",
                field: Some("mode"),
            });
        }
    };
    let held_at = req.held_at.unwrap_or_else(|| st.now_ms());
    let mut s = begin(st, user, id).await?;
    must_work(&s.standing)?;
    if req
        .positions
        .keys()
        .any(|p| !s.parties.iter().any(|x| x.id == *p))
    {
        return Err(AppError::Invalid {
            code: "PARTY_UNKNOWN",
            field: Some("positions"),
        });
    }
    s.check(Action::Session)?;
    let enc = st.cipher.encrypt(MINUTES_FIELD, &minutes);
    let sid =
        store::insert_session(&mut s.tx, id, held_at, &mode, &place, &enc, user.id, s.now).await?;
    for (pid, text) in &req.positions {
        let t = text_field(text, 0, 2000, "POSITION_INVALID", "positions")?;
        store::set_position(&mut s.tx, *pid, &st.cipher.encrypt(POSITION_FIELD, &t)).await?;
    }
    let detail = serde_json::json!({"session": sid, "mode": mode, "held_at": held_at});
    s.finish(st, user, actor, Action::Session, "dispute.session", detail)
        .await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AgreementRequest {
    /// The terms (each party's obligations, amounts, dates), 1–10000 characters.
    pub terms: String,
}

/// Drafts (or redrafts) the agreement; every confirmation starts over.
pub async fn draft(
    st: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    id: i64,
    req: &AgreementRequest,
) -> AppResult<()> {
    let terms = text_field(&req.terms, 1, 10_000, "TERMS_INVALID", "terms")?;
    let sha = hex::encode(Sha256::digest(terms.as_bytes()));
    let mut s = begin(st, user, id).await?;
    must_work(&s.standing)?;
    s.check(Action::Draft)?;
    let enc = st.cipher.encrypt(TERMS_FIELD, &terms);
    let version = store::insert_agreement(&mut s.tx, id, &enc, &sha, user.id, s.now).await?;
    store::clear_confirmations(&mut s.tx, id).await?;
    let detail = serde_json::json!({"version": version, "sha256": sha});
    s.finish(st, user, actor, Action::Draft, "dispute.agreement", detail)
        .await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ConfirmRequest {
    /// The party confirming (default: the caller's own); mediators name the party who
    /// signed the printed agreement in front of them.
    pub party_id: Option<i64>,
}

/// A party confirms the current agreement; when every party has, the dispute is resolved
/// at the rung it is on and the follow-up visit is scheduled.
pub async fn confirm(
    st: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    id: i64,
    req: &ConfirmRequest,
) -> AppResult<()> {
    let mut s = begin(st, user, id).await?;
    let pid = target_party(req.party_id, &s.parties, &s.standing)?;
    if s.parties
        .iter()
        .any(|p| p.id == pid && p.confirmed_at.is_some())
    {
        return Err(AppError::Conflict("ALREADY_CONFIRMED"));
    }
    let all = s
        .parties
        .iter()
        .all(|p| p.id == pid || p.confirmed_at.is_some());
    let a = Action::Confirm { all };
    s.check(a)?;
    store::confirm(&mut s.tx, pid, user.id, s.now).await?;
    let detail = serde_json::json!({"party": pid});
    s.finish(st, user, actor, a, "dispute.confirm", detail)
        .await?;
    reindex(st, id).await;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReasonRequest {
    /// Why (1–2000 characters).
    pub reason: String,
}

/// Up one rung (community → street → district → court diversion).
pub async fn escalate(
    st: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    id: i64,
    req: &ReasonRequest,
) -> AppResult<()> {
    let reason = text_field(&req.reason, 2, 500, "REASON_INVALID", "reason")?;
    let s = begin(st, user, id).await?;
    must_work(&s.standing)?;
    let detail = serde_json::json!({"from": s.d.level, "reason": reason});
    s.finish(
        st,
        user,
        actor,
        Action::Escalate,
        "dispute.escalate",
        detail,
    )
    .await?;
    reindex(st, id).await;
    Ok(())
}

/// Mediation ends without agreement (调解不成).
pub async fn fail(
    st: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    id: i64,
    req: &ReasonRequest,
) -> AppResult<()> {
    let reason = text_field(&req.reason, 2, 500, "REASON_INVALID", "reason")?;
    let s = begin(st, user, id).await?;
    must_work(&s.standing)?;
    let detail = serde_json::json!({"reason": reason});
    s.finish(st, user, actor, Action::Fail, "dispute.fail", detail)
        .await?;
    reindex(st, id).await;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct FollowUpRequest {
    /// Does the agreement hold? No reopens mediation.
    pub holds: bool,
    #[serde(default)]
    pub note: String,
}

/// The follow-up visit (回访) after a resolved dispute.
pub async fn follow_up(
    st: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    id: i64,
    req: &FollowUpRequest,
) -> AppResult<()> {
    let note = text_field(&req.note, 0, 2000, "NOTE_INVALID", "note")?;
    let mut s = begin(st, user, id).await?;
    must_work(&s.standing)?;
    let a = Action::FollowUp { holds: req.holds };
    s.check(a)?;
    store::insert_followup(
        &mut s.tx,
        id,
        req.holds,
        &st.cipher.encrypt(NOTE_FIELD, &note),
        user.id,
        s.now,
    )
    .await?;
    if req.holds {
        store::clear_follow_up(&mut s.tx, id).await?;
    }
    let detail = serde_json::json!({"holds": req.holds});
    s.finish(st, user, actor, a, "dispute.followup", detail)
        .await?;
    reindex(st, id).await;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AttachmentRequest {
    pub name: String,
    /// `data:…;base64,…` (JPEG, PNG, WebP or PDF, ≤ 5 MiB).
    pub data: String,
}

pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    crate::cases::service::sniff_image(bytes).or_else(|| {
        if bytes.starts_with(b"%PDF-") {
            Some("application/pdf")
        } else {
            None
        }
    })
}

/// Adds evidence or a document; parties, mediators and supervisors may.
pub async fn attach(
    st: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    id: i64,
    req: &AttachmentRequest,
) -> AppResult<i64> {
    let name = text_field(&req.name, 1, 100, "NAME_INVALID", "name")?;
    let bytes = crate::cases::service::data_url_bytes(&req.data).ok_or(AppError::Invalid {
        code: "ATTACHMENT_INVALID",
        field: Some("data"),
    })?;
    if bytes.len() > MAX_ATTACHMENT {
        return Err(AppError::Invalid {
            code: "ATTACHMENT_TOO_LARGE",
            field: Some("data"),
        });
    }
    let mime = sniff(&bytes).ok_or(AppError::Invalid {
        code: "ATTACHMENT_INVALID",
        field: Some("data"),
    })?;
    let sha = hex::encode(Sha256::digest(&bytes));
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let (d, ..) = load(&mut tx, user, id, true).await?;
    if Status::parse(&d.status).is_some_and(|s| s.is_closed() && s != Status::Resolved) {
        return Err(AppError::Conflict("DISPUTE_CLOSED"));
    }
    let data_enc = st.cipher.encrypt(
        ATTACHMENT_FIELD,
        &base64::engine::general_purpose::STANDARD.encode(&bytes),
    );
    let aid = store::insert_attachment(
        &mut tx,
        id,
        &store::NewAttachment {
            name: &name,
            mime,
            size: bytes.len() as i64,
            sha256: &sha,
            data_enc: &data_enc,
            by: user.id,
            now,
        },
    )
    .await?;
    let detail =
        serde_json::json!({"attachment": aid, "mime": mime, "size": bytes.len(), "sha256": sha});
    store::event(&mut tx, id, Some(user.id), "dispute.attach", &detail, now).await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("dispute.attach", "dispute", id).with(detail),
    )
    .await?;
    tx.commit().await?;
    Ok(aid)
}

/// An attachment's name, type and bytes, for those with standing in its dispute.
pub async fn attachment(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    aid: i64,
) -> AppResult<(String, String, Vec<u8>)> {
    let mut tx = st.db.read().await?;
    let (dispute, name, mime, enc) = store::attachment_data(&mut tx, aid)
        .await?
        .ok_or(AppError::NotFound)?;
    if dispute != id {
        return Err(AppError::NotFound);
    }
    load(&mut tx, user, id, false).await?;
    let b64 = st
        .cipher
        .decrypt(ATTACHMENT_FIELD, &enc)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("attachment {aid}: {e}")))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("attachment {aid}: {e}")))?;
    Ok((name, mime, bytes))
}

// ---------------------------------------------------------------- mediators

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
    actor: &Actor,
    user_id: i64,
    req: &MediatorRequest,
) -> AppResult<()> {
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
    let u = crate::auth::store::find(&mut tx, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if u.role != Role::Mediator.code() {
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

// ---------------------------------------------------------------- figures

/// One group's figures.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Figure {
    pub key: String,
    pub label: String,
    pub filed: i64,
    /// Ended (resolved, failed, referred).
    pub ended: i64,
    pub resolved: i64,
    /// resolved / ended.
    pub success_rate: Option<f64>,
    /// Median days from filing to resolution.
    pub median_days: Option<f64>,
    /// Of the resolved: share resolved at the community, and at the community or street
    /// (the 枫桥 figure: 矛盾不上交).
    pub community_share: Option<f64>,
    pub street_share: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub since: i64,
    pub total: Figure,
    pub by_type: Vec<Figure>,
    pub by_mediator: Vec<Figure>,
    pub by_month: Vec<Figure>,
}

#[derive(Default)]
struct Tally {
    filed: i64,
    ended: i64,
    resolved: i64,
    community: i64,
    street: i64,
    days: Vec<f64>,
}

impl Tally {
    fn add(&mut self, r: &store::FigureRow) {
        self.filed += 1;
        match r.status.as_str() {
            "resolved" => {
                self.ended += 1;
                self.resolved += 1;
                match r.resolved_level.as_deref() {
                    Some("community") => {
                        self.community += 1;
                        self.street += 1;
                    }
                    Some("street") => self.street += 1,
                    _ => {}
                }
                if let Some(c) = r.closed_at {
                    self.days.push((c - r.created_at) as f64 / DAY_MS as f64);
                }
            }
            "failed" | "referred" => self.ended += 1,
            _ => {}
        }
    }

    fn figure(mut self, key: String, label: String) -> Figure {
        let share = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
        self.days.sort_by(f64::total_cmp);
        let median_days = (!self.days.is_empty()).then(|| {
            let n = self.days.len();
            if n % 2 == 1 {
                self.days[n / 2]
            } else {
                (self.days[n / 2 - 1] + self.days[n / 2]) / 2.0
            }
        });
        Figure {
            key,
            label,
            filed: self.filed,
            ended: self.ended,
            resolved: self.resolved,
            success_rate: share(self.resolved, self.ended),
            median_days,
            community_share: share(self.community, self.resolved),
            street_share: share(self.street, self.resolved),
        }
    }
}

/// Success rate, time to resolution and the share resolved at community and street level
/// over the disputes the caller sees, filed in the last `months` months — in total and by
/// type, lead mediator and month (China time).
pub async fn figures(st: &AppState, user: &CurrentUser, months: i64) -> AppResult<Figures> {
    if !works_disputes(user.role) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let since = st.now_ms() - months.clamp(1, 120) * 31 * DAY_MS;
    let mut tx = st.db.read().await?;
    let rows = store::figures(&mut tx, visible(user), since).await?;
    let mut names: BTreeMap<i64, String> = BTreeMap::new();
    for m in store::mediator_pool(&mut tx).await? {
        names.insert(m.user_id, m.display_name);
    }
    drop(tx);
    let mut total = Tally::default();
    let mut by_type: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_mediator: BTreeMap<i64, Tally> = BTreeMap::new();
    let mut by_month: BTreeMap<String, Tally> = BTreeMap::new();
    for r in &rows {
        total.add(r);
        by_type.entry(r.dtype.clone()).or_default().add(r);
        if let Some(m) = r.lead {
            by_mediator.entry(m).or_default().add(r);
        }
        by_month.entry(month_of(r.created_at)).or_default().add(r);
    }
    let mut types: Vec<Figure> = by_type
        .into_iter()
        .map(|(k, t)| t.figure(k.clone(), type_name(&k)))
        .collect();
    types.sort_by_key(|f| std::cmp::Reverse(f.filed));
    let mut mediators: Vec<Figure> = by_mediator
        .into_iter()
        .map(|(k, t)| {
            let label = names.get(&k).cloned().unwrap_or_else(|| format!("#{k}"));
            t.figure(k.to_string(), label)
        })
        .collect();
    mediators.sort_by_key(|f| std::cmp::Reverse(f.filed));
    Ok(Figures {
        since,
        total: total.figure("total".into(), "合计".into()),
        by_type: types,
        by_mediator: mediators,
        by_month: by_month
            .into_iter()
            .map(|(k, t)| t.figure(k.clone(), k))
            .collect(),
    })
}

/// `YYYY-MM` of an instant in China time.
fn month_of(ms: i64) -> String {
    let t = chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000).unwrap_or_default();
    t.format("%Y-%m").to_string()
}

// ---------------------------------------------------------------- the search index

/// The index document of a dispute: its account, who may see it (`people`: the users and
/// residents with standing), how it ended.
fn doc_of(
    st: &AppState,
    d: &store::IndexRow,
    people: impl Iterator<Item = (Option<i64>, Option<i64>)>,
) -> super::index::Doc {
    let mut access = vec![
        "all".to_string(),
        format!("s:{}", d.street_id),
        format!("c:{}", d.community_id),
        format!("u:{}", d.filed_by),
    ];
    for (user, resident) in people {
        if let Some(u) = user {
            access.push(format!("u:{u}"));
        }
        if let Some(r) = resident {
            access.push(format!("r:{r}"));
        }
    }
    access.sort();
    access.dedup();
    let status = Status::parse(&d.status).unwrap_or(Status::Filed);
    let outcome = match (status, d.resolved_level.as_deref().and_then(Level::parse)) {
        (Status::Resolved, Some(l)) => format!("{}（{}）", status.name_zh(), l.name_zh()),
        _ => status.name_zh().to_string(),
    };
    super::index::Doc {
        key: format!("d:{}", d.id),
        id: d.id,
        dtype: type_name(&d.dtype),
        title: d.title.clone(),
        body: st.open_text(ACCOUNT_FIELD, &d.account_enc),
        outcome,
        access,
    }
}

/// The index documents of the next `limit` disputes after `after`.
async fn docs_after(
    st: &AppState,
    after: i64,
    limit: i64,
) -> anyhow::Result<Vec<super::index::Doc>> {
    let (rows, people) = {
        let mut tx = st.db.read().await?;
        store::index_batch(&mut tx, after, limit).await?
    };
    // Dispute → (user, resident) of each party and mediator.
    type People = Vec<(Option<i64>, Option<i64>)>;
    let mut by: std::collections::HashMap<i64, People> = std::collections::HashMap::new();
    for (d, u, r) in people {
        by.entry(d).or_default().push((u, r));
    }
    Ok(rows
        .iter()
        .map(|d| doc_of(st, d, by.remove(&d.id).unwrap_or_default().into_iter()))
        .collect())
}

/// The index document of one dispute (`None` if it is gone).
async fn doc(st: &AppState, id: i64) -> anyhow::Result<Option<super::index::Doc>> {
    Ok(docs_after(st, id - 1, 1)
        .await?
        .into_iter()
        .find(|d| d.id == id))
}

/// Puts a dispute's current state into the similar-case index. The index is derived: a
/// failure here is logged, never fails the (already committed) change.
pub async fn reindex(st: &AppState, id: i64) {
    let result = async {
        let index = st.similar_cases().await?;
        let d = doc(st, id).await?;
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            match d {
                Some(d) => index.add(&[d])?,
                None => index.remove(&format!("d:{id}")),
            }
            index.commit()?;
            Ok(())
        })
        .await??;
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(dispute = id, error = %format!("{e:#}"), "similar-case index not updated");
    }
}

/// Keeps this node's index in step with disputes changed through other nodes: every few
/// seconds, re-indexes the disputes changed since the last look (with a margin for
/// transactions that committed late). Does nothing until the index is first used.
pub async fn watch(st: AppState) {
    const EVERY_MS: u64 = 5_000;
    const MARGIN_MS: i64 = 30_000;
    // The time of the last look: a change stamped after (it - MARGIN_MS) may not have been
    // seen yet (its transaction may have committed after that look).
    let mut last = st.now_ms();
    let mut every = tokio::time::interval(std::time::Duration::from_millis(EVERY_MS));
    loop {
        every.tick().await;
        let now = st.now_ms();
        let Some(index) = st.similar_cases_if_built() else {
            last = now;
            continue;
        };
        let since = last - MARGIN_MS;
        last = now;
        if let Err(e) = refresh_index(&st, &index, since).await {
            tracing::warn!(error = %format!("{e:#}"), "refreshing the similar-case index failed");
        }
    }
}

/// Re-indexes the disputes changed at or after `since` (at most 5,000 a call); returns how
/// many.
pub async fn refresh_index(
    st: &AppState,
    index: &super::index::CaseIndex,
    since: i64,
) -> anyhow::Result<usize> {
    let changed = {
        let mut tx = st.db.read().await?;
        store::changed_since(&mut tx, since, 5_000).await?
    };
    let mut docs = vec![];
    for (id, _) in &changed {
        docs.extend(doc(st, *id).await?);
    }
    let n = docs.len();
    if n > 0 {
        let index = index.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            index.add(&docs)?;
            index.commit()?;
            Ok(())
        })
        .await??;
    }
    Ok(n)
}

/// Adds every dispute in the database to a freshly built index (at start), in batches
/// (decrypting and tokenizing a batch while the next one is read).
pub async fn index_all(st: &AppState, index: &super::index::CaseIndex) -> anyhow::Result<usize> {
    const BATCH: i64 = 20_000;
    let mut after = 0;
    let mut n = 0;
    let mut pending: Option<tokio::task::JoinHandle<anyhow::Result<()>>> = None;
    loop {
        let docs = docs_after(st, after, BATCH).await?;
        if let Some(p) = pending.take() {
            p.await??;
        }
        let Some(last) = docs.last() else { break };
        after = last.id;
        n += docs.len();
        let index = index.clone();
        pending = Some(tokio::task::spawn_blocking(move || {
            index.add(&docs).map_err(Into::into)
        }));
    }
    let index = index.clone();
    tokio::task::spawn_blocking(move || index.commit()).await??;
    Ok(n)
}

/// Similar past cases for the dispute `id` (itself left out), for those who work it.
pub async fn similar_to(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    k: usize,
) -> AppResult<Vec<super::index::Hit>> {
    let v = get(st, user, id).await?;
    if !v.standing.works() {
        return Err(AppError::Forbidden("MEDIATORS_ONLY"));
    }
    let keys = access_keys(user);
    let index = st.similar_cases().await?;
    let text = v.account;
    tokio::task::spawn_blocking(move || {
        index.similar(&text, k, Some(&keys), Some(&format!("d:{id}")))
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?
    .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))
}
