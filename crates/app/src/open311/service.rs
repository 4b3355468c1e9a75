//! Open311 use-cases: which integration a key belongs to, filing a request through the
//! cases service on the integration's behalf, and what a reader sees of requests and their
//! history — with a valid key the whole request, without one (GET needs no key, as the spec
//! says) no description and a point rounded to about 100 m.

use rand::RngCore;
use sha2::{Digest, Sha256};

use super::store;
use crate::audit::Actor;
use crate::auth::service::Who;
use crate::cases::service::{self as cases, FiledView, Filer, Report, RequestFilter};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A city platform or FixMyStreet-style client holding a valid key. Only [`integration`]
/// makes one, so a function that takes it has had its key checked.
#[derive(Debug, Clone)]
pub struct Integration {
    name: String,
    user_id: i64,
}

impl Integration {
    /// The integration as the audit trail and the case history record it.
    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.user_id),
            name: format!("open311:{}", self.name),
            ip: None,
        }
    }
}

fn key_hash(k: &str) -> String {
    hex::encode(Sha256::digest(k.as_bytes()))
}

/// The integration a key belongs to (`None`: no key, or not a valid one).
pub async fn integration(st: &AppState, api_key: Option<&str>) -> AppResult<Option<Integration>> {
    let Some(k) = api_key else {
        return Ok(None);
    };
    let mut tx = st.db.read().await?;
    Ok(store::key(&mut tx, &key_hash(k))
        .await?
        .map(|(name, user_id)| Integration { name, user_id }))
}

/// Creates an integration key acting as user `user` (printed once; only the hash is
/// stored): an administrator, or the system (the demo seeder).
pub async fn create_key(
    st: &AppState,
    who: Who<'_>,
    name: &str,
    user: i64,
    key: Option<&str>,
) -> AppResult<String> {
    if let Who::User(u) = who
        && !u.role.may_administer()
    {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let key = match key {
        Some(k) => k.to_string(),
        None => {
            let mut b = [0u8; 24];
            rand::rngs::OsRng.fill_bytes(&mut b);
            hex::encode(b)
        }
    };
    let mut tx = st.db.begin().await?;
    store::insert_key(&mut tx, &key_hash(&key), name, user, st.now_ms()).await?;
    crate::audit::record(
        &mut tx,
        st.now_ms(),
        &who.actor(),
        crate::audit::Event::ok("open311.key", "user", user)
            .with(serde_json::json!({"name": name})),
    )
    .await?;
    tx.commit().await?;
    Ok(key)
}

/// Files a request as the integration (channel `open311`, exactly once per token).
pub async fn create_request(
    st: &AppState,
    i: &Integration,
    mut report: Report,
) -> AppResult<FiledView> {
    let mut t = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut t);
    report.intake_key = Some(("open311".into(), hex::encode(t)));
    cases::file(st, &Filer::channel(i.actor(), "open311"), report).await
}

/// A request as a reader sees it.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub id: i64,
    pub category: String,
    pub status: String,
    /// Withheld (empty) without a valid key.
    pub description: String,
    pub agencies: Vec<String>,
    pub expected: Option<i64>,
    /// Community and grid; with a valid key the street address first.
    pub address: String,
    /// Rounded to 0.001° (about 100 m) without a valid key.
    pub lat: f64,
    pub lng: f64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The requests a filter selects; `reader` is the integration of a valid key, if any.
pub async fn requests(
    st: &AppState,
    reader: Option<&Integration>,
    f: &RequestFilter,
) -> AppResult<Vec<RequestView>> {
    let full = reader.is_some();
    let map = st.org_map();
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    Ok(cases::public_requests(st, f)
        .await?
        .into_iter()
        .map(|p| {
            let r = p.row;
            let mut address = format!(
                "{} {}",
                map.unit_name(r.community_id).unwrap_or_default(),
                map.unit_name(r.grid_id).unwrap_or_default()
            );
            if full && !r.address.is_empty() {
                address = format!("{} {address}", r.address);
            }
            RequestView {
                id: r.id,
                status: r.status,
                description: if full { r.text } else { String::new() },
                agencies: p.agencies,
                expected: p.expected,
                address,
                lat: if full { r.lat } else { round(r.lat) },
                lng: if full { r.lng } else { round(r.lng) },
                created_at: r.created_at,
                updated_at: r.closed_at.unwrap_or(r.updated_at),
                category: r.category,
            }
        })
        .collect())
}

/// The request a token (from creating it) became.
pub async fn by_token(st: &AppState, token: &str) -> AppResult<Option<i64>> {
    cases::case_of_intake_key(st, "open311", token).await
}

/// The history of every request in `[from, to)`, for an integration.
pub async fn updates(
    st: &AppState,
    _reader: &Integration,
    from: i64,
    to: i64,
) -> AppResult<Vec<cases::UpdateRow>> {
    cases::public_updates(st, from, to).await
}

/// An integration's update on a request (their status and words); `None`: no such request.
pub async fn post_update(
    st: &AppState,
    i: &Integration,
    case_id: i64,
    status: &str,
    description: &str,
    their_id: Option<&str>,
) -> AppResult<Option<i64>> {
    let detail =
        serde_json::json!({"status": status, "description": description, "their_id": their_id});
    cases::record_external_update(st, &i.actor(), case_id, detail).await
}
