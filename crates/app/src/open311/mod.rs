//! Open311 GeoReport v2 (JSON and XML) with the FixMyStreet `servicerequestupdates`
//! extension: services are our categories; requests are cases. Interchange with city
//! platforms and FixMyStreet-style clients. See docs/DECISIONS.md ("Open311").
//!
//! Personal data: GET methods need no key (as the spec says), so without a valid `api_key`
//! a request's description is withheld and its point is rounded to about 100 m; reporters'
//! names and e-mail are never stored, a phone number only encrypted.

mod store;
pub mod xml;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rand::RngCore;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::audit::Actor;
use crate::cases::service::{self as cases, Filer, Report};
use crate::cases::store as case_store;
use crate::clock::{iso, parse_time};
use crate::error::AppError;
use crate::state::AppState;

/// The demo integration key (demo databases only).
pub const DEMO_KEY: &str = "gongzhi-demo-open311";
const SPEC: &str = "http://wiki.open311.org/GeoReport_v2";
const DAY: i64 = 86_400_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/{file}", get(discovery))
        .route("/open311/v2/{file}", get(get_root).post(post_root))
        .route("/open311/v2/services/{file}", get(service_definition))
        .route("/open311/v2/requests/{file}", get(request_by_id))
        .route("/open311/v2/tokens/{file}", get(token))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fmt {
    Json,
    Xml,
}

/// `requests.json` → ("requests", Json).
fn split(file: &str) -> Option<(&str, Fmt)> {
    if let Some(n) = file.strip_suffix(".json") {
        Some((n, Fmt::Json))
    } else {
        file.strip_suffix(".xml").map(|n| (n, Fmt::Xml))
    }
}

fn reply(fmt: Fmt, status: StatusCode, root: &str, v: Value) -> Response {
    match fmt {
        Fmt::Json => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            v.to_string(),
        )
            .into_response(),
        Fmt::Xml => (
            status,
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            xml::document(root, &v),
        )
            .into_response(),
    }
}

fn fail(fmt: Fmt, status: StatusCode, description: &str) -> Response {
    reply(
        fmt,
        status,
        "errors",
        json!([{"code": status.as_u16(), "description": description}]),
    )
}

fn bad_format() -> Response {
    fail(
        Fmt::Json,
        StatusCode::BAD_REQUEST,
        "unknown format: use .json or .xml",
    )
}

fn internal(fmt: Fmt, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "open311");
    fail(
        fmt,
        StatusCode::BAD_REQUEST,
        "the service is unavailable; try again",
    )
}

/// Every parameter as (key, value) pairs, query first then the form body; an empty value is
/// the same as an absent one.
struct Params(Vec<(String, String)>);

impl Params {
    fn new(query: &str, body: &[u8]) -> Params {
        let mut v: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        v.extend(url::form_urlencoded::parse(body).into_owned());
        Params(v)
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(key, v)| key == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }
}

fn key_hash(k: &str) -> String {
    hex::encode(Sha256::digest(k.as_bytes()))
}

/// The integration a valid key belongs to: (name, user id).
async fn check_key(st: &AppState, p: &Params) -> Result<Option<(String, i64)>, AppError> {
    let Some(k) = p.get("api_key") else {
        return Ok(None);
    };
    let mut tx = st.db.read().await?;
    Ok(store::key(&mut tx, &key_hash(k)).await?)
}

/// Creates an integration key for a user (printed once; only the hash is stored).
pub async fn create_key(
    st: &AppState,
    name: &str,
    user: i64,
    key: Option<&str>,
) -> anyhow::Result<String> {
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
    tx.commit().await?;
    Ok(key)
}

async fn discovery(State(_st): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(("discovery", fmt)) = split(&file) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let changeset = "2026-11-22T00:00:00+08:00";
    reply(
        fmt,
        StatusCode::OK,
        "discovery",
        json!({
            "changeset": changeset,
            "contact": "共治平台管理员（请联系所在街道网格化管理中心）",
            "key_service": "向系统管理员申请接口密钥（api_key）；演示环境密钥为 gongzhi-demo-open311",
            "endpoints": [{
                "specification": SPEC,
                "url": "/open311/v2",
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }],
        }),
    )
}

fn service_json(c: &crate::taxonomy::Category) -> Value {
    let group = c.code.split('.').next().unwrap_or_default().to_lowercase();
    json!({
        "service_code": c.code,
        "service_name": c.name,
        "description": c.describes,
        "metadata": true,
        "type": "realtime",
        "keywords": c.describes.replace('、', ", "),
        "group": group,
    })
}

async fn get_root(
    State(st): State<AppState>,
    Path(file): Path<String>,
    raw: axum::extract::RawQuery,
) -> Response {
    let Some((name, fmt)) = split(&file) else {
        return bad_format();
    };
    let p = Params::new(raw.0.as_deref().unwrap_or_default(), b"");
    match name {
        "services" => reply(
            fmt,
            StatusCode::OK,
            "services",
            Value::Array(
                crate::taxonomy::get()
                    .categories
                    .iter()
                    .map(service_json)
                    .collect(),
            ),
        ),
        "requests" => list_requests(&st, fmt, &p).await,
        "servicerequestupdates" => list_updates(&st, fmt, &p).await,
        _ => fail(fmt, StatusCode::NOT_FOUND, "no such resource"),
    }
}

async fn post_root(
    State(st): State<AppState>,
    Path(file): Path<String>,
    raw: axum::extract::RawQuery,
    body: Bytes,
) -> Response {
    let Some((name, fmt)) = split(&file) else {
        return bad_format();
    };
    let p = Params::new(raw.0.as_deref().unwrap_or_default(), &body);
    match name {
        "requests" => create_request(&st, fmt, &p).await,
        "servicerequestupdates" => post_update(&st, fmt, &p).await,
        _ => fail(fmt, StatusCode::NOT_FOUND, "no such resource"),
    }
}

async fn service_definition(Path(file): Path<String>) -> Response {
    let Some((code, fmt)) = split(&file) else {
        return bad_format();
    };
    let Some(c) = crate::taxonomy::get()
        .categories
        .iter()
        .find(|c| c.code == code)
    else {
        return fail(fmt, StatusCode::NOT_FOUND, "service_code not found");
    };
    let sla = if c.urgent {
        format!("紧急事项：30分钟内签收，{}小时内办结", c.sla_hours)
    } else {
        format!("{}个工作日内办结", (c.sla_hours / 24).max(1))
    };
    reply(
        fmt,
        StatusCode::OK,
        "service_definition",
        json!({
            "service_code": c.code,
            "attributes": [
                {"variable": false, "code": "sla", "datatype": "string", "required": false,
                 "datatype_description": null, "order": 1, "description": sla},
                {"variable": true, "code": "address_detail", "datatype": "string", "required": false,
                 "datatype_description": "楼号、单元或路口", "order": 2, "description": "具体位置"},
            ],
        }),
    )
}

async fn create_request(st: &AppState, fmt: Fmt, p: &Params) -> Response {
    let integration = match check_key(st, p).await {
        Ok(Some(k)) => k,
        Ok(None) => {
            return fail(
                fmt,
                StatusCode::FORBIDDEN,
                "Invalid api_key received -- can't proceed with create_request.",
            );
        }
        Err(e) => return internal(fmt, e),
    };
    let Some(code) = p.get("service_code") else {
        return fail(fmt, StatusCode::BAD_REQUEST, "service_code not provided");
    };
    let Some(cat) = crate::taxonomy::get()
        .categories
        .iter()
        .find(|c| c.code == code)
    else {
        return fail(fmt, StatusCode::NOT_FOUND, "service_code not found");
    };
    let (lng, lat) = match (p.get("long"), p.get("lat")) {
        (Some(a), Some(b)) => match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(a), Ok(b)) if a.is_finite() && b.is_finite() => (a, b),
            _ => {
                return fail(
                    fmt,
                    StatusCode::BAD_REQUEST,
                    "lat and long must be decimal degrees",
                );
            }
        },
        (None, None) if p.get("address_string").is_some() || p.get("address_id").is_some() => {
            return fail(
                fmt,
                StatusCode::BAD_REQUEST,
                "this endpoint locates by lat and long only (no address register): give lat and long",
            );
        }
        _ => {
            return fail(
                fmt,
                StatusCode::BAD_REQUEST,
                "location not provided: give lat and long",
            );
        }
    };
    let description = p.get("description").unwrap_or(cat.name.as_str());
    if description.chars().count() > 2000 {
        return fail(
            fmt,
            StatusCode::BAD_REQUEST,
            "description longer than 2000 characters",
        );
    }
    let address = [p.get("address_string"), p.get("attribute[address_detail]")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let mut t = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut t);
    let token = hex::encode(t);
    let report = Report {
        text: description.to_string(),
        lng,
        lat,
        category: Some(cat.code.clone()),
        caller_phone: p.get("phone").map(str::to_string),
        address: (!address.is_empty()).then_some(address),
        intake_key: Some(("open311".into(), token)),
        ..Report::default()
    };
    let who = Filer {
        user: None,
        actor: Actor {
            id: Some(integration.1),
            name: format!("open311:{}", integration.0),
            ip: None,
        },
        channel: Some("open311"),
    };
    match cases::file(st, &who, report).await {
        Ok(f) => {
            let notice = if f.merged {
                "附近已有相同问题正在办理，本次反映已合并".to_string()
            } else {
                match f.orders.iter().map(|o| o.due_at.as_str()).max() {
                    Some(d) => format!("已受理并派单，办结时限 {d}"),
                    None => "已受理，等待派单".to_string(),
                }
            };
            reply(
                fmt,
                StatusCode::OK,
                "service_requests",
                json!([{"service_request_id": f.id.to_string(), "service_notice": notice, "account_id": null}]),
            )
        }
        Err(AppError::Invalid { code, .. }) => {
            let why = match code {
                "LOCATION_OUTSIDE" => "the point lies outside this jurisdiction",
                "TEXT_INVALID" => "description is empty",
                "PHONE_INVALID" => "phone is not a valid mainland China number",
                other => other,
            };
            fail(fmt, StatusCode::BAD_REQUEST, why)
        }
        Err(e) => internal(fmt, e),
    }
}

fn stage_note(status: &str) -> &'static str {
    gongzhi_core::cases::CaseStatus::parse(status)
        .map(|s| s.name_zh())
        .unwrap_or("")
}

async fn request_json(st: &AppState, r: &store::RequestRow, full: bool) -> Result<Value, AppError> {
    let map = st.org_map();
    let mut tx = st.db.read().await?;
    let orders = case_store::orders_of_case(&mut tx, r.id).await?;
    drop(tx);
    let active: Vec<&case_store::OrderRow> =
        orders.iter().filter(|o| o.status != "rerouted").collect();
    let agency = active
        .iter()
        .map(|o| o.unit_name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let expected = active.iter().map(|o| o.due_at).max().map(iso);
    let cat = cases::category(&r.category);
    let (lat, lng) = if full {
        (r.lat, r.lng)
    } else {
        (
            (r.lat * 1000.0).round() / 1000.0,
            (r.lng * 1000.0).round() / 1000.0,
        )
    };
    let mut address = format!(
        "{} {}",
        map.unit_name(r.community_id).unwrap_or_default(),
        map.unit_name(r.grid_id).unwrap_or_default()
    );
    if full && !r.address.is_empty() {
        address = format!("{} {address}", r.address);
    }
    Ok(json!({
        "service_request_id": r.id.to_string(),
        "status": gongzhi_core::cases::CaseStatus::parse(&r.status).map(|s| s.open311()).unwrap_or("open"),
        "status_notes": stage_note(&r.status),
        "service_name": cat.map(|c| c.name.clone()).unwrap_or_default(),
        "service_code": r.category,
        "description": if full { r.text.clone() } else { String::new() },
        "agency_responsible": agency,
        "service_notice": null,
        "requested_datetime": iso(r.created_at),
        "updated_datetime": iso(r.closed_at.unwrap_or(r.updated_at)),
        "expected_datetime": expected,
        "address": address,
        "address_id": null,
        "zipcode": null,
        "lat": lat,
        "long": lng,
        "media_url": null,
    }))
}

async fn list_requests(st: &AppState, fmt: Fmt, p: &Params) -> Response {
    let full = match check_key(st, p).await {
        Ok(k) => k.is_some(),
        Err(e) => return internal(fmt, e),
    };
    let now = st.now_ms();
    let parse = |k: &str| p.get(k).map(|s| parse_time(s).ok_or(k.to_string()));
    let (start, end) = match (
        parse("start_date").transpose(),
        parse("end_date").transpose(),
    ) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(k), _) | (_, Err(k)) => {
            return fail(
                fmt,
                StatusCode::BAD_REQUEST,
                &format!("{k} is not a W3C date-time"),
            );
        }
    };
    let to = end.map(|e| e + 1).unwrap_or(now + 1);
    let from = start.unwrap_or(to - 90 * DAY);
    if to - from > 90 * DAY + 1 {
        return fail(
            fmt,
            StatusCode::BAD_REQUEST,
            "the date range may not span more than 90 days",
        );
    }
    let status = p.get("status").unwrap_or("");
    let status = if status.contains("open") && status.contains("closed") {
        ""
    } else {
        status
    };
    if !matches!(status, "" | "open" | "closed") {
        return fail(
            fmt,
            StatusCode::BAD_REQUEST,
            "status must be open, closed or both",
        );
    }
    let ids = p.get("service_request_id").unwrap_or("").replace(' ', "");
    let codes = p.get("service_code").unwrap_or("").replace(' ', "");
    let page_size = p
        .get("page_size")
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(1000)
        .clamp(1, 1000);
    let page = p
        .get("page")
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(1)
        .max(1);
    let rows = match st.db.read().await {
        Ok(mut tx) => {
            store::requests(
                &mut tx,
                &ids,
                &codes,
                status,
                from,
                to,
                page_size,
                (page - 1) * page_size,
            )
            .await
        }
        Err(e) => Err(e),
    };
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return internal(fmt, e),
    };
    let mut out = vec![];
    for r in &rows {
        match request_json(st, r, full).await {
            Ok(v) => out.push(v),
            Err(e) => return internal(fmt, e),
        }
    }
    reply(fmt, StatusCode::OK, "service_requests", Value::Array(out))
}

async fn request_by_id(
    State(st): State<AppState>,
    Path(file): Path<String>,
    raw: axum::extract::RawQuery,
) -> Response {
    let Some((id, fmt)) = split(&file) else {
        return bad_format();
    };
    let Ok(id) = id.parse::<i64>() else {
        return fail(fmt, StatusCode::NOT_FOUND, "service_request_id not found");
    };
    let p = Params::new(raw.0.as_deref().unwrap_or_default(), b"");
    let full = match check_key(&st, &p).await {
        Ok(k) => k.is_some(),
        Err(e) => return internal(fmt, e),
    };
    let rows = match st.db.read().await {
        Ok(mut tx) => store::requests(&mut tx, &id.to_string(), "", "", 0, i64::MAX, 1, 0).await,
        Err(e) => Err(e),
    };
    match rows {
        Ok(rows) if !rows.is_empty() => match request_json(&st, &rows[0], full).await {
            Ok(v) => reply(fmt, StatusCode::OK, "service_requests", json!([v])),
            Err(e) => internal(fmt, e),
        },
        Ok(_) => fail(fmt, StatusCode::NOT_FOUND, "service_request_id not found"),
        Err(e) => internal(fmt, e),
    }
}

async fn token(State(st): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((token, fmt)) = split(&file) else {
        return bad_format();
    };
    let found = match st.db.read().await {
        Ok(mut tx) => case_store::find_intake_key(&mut tx, "open311", token).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(Some(id)) => reply(
            fmt,
            StatusCode::OK,
            "service_requests",
            json!([{"service_request_id": id.to_string(), "token": token}]),
        ),
        Ok(None) => fail(fmt, StatusCode::NOT_FOUND, "token not found"),
        Err(e) => internal(fmt, e),
    }
}

/// FixMyStreet's extended statuses for our history events.
fn update_status(kind: &str, case_status: &str) -> &'static str {
    match kind {
        "accepted" | "dispatched" => "OPEN",
        "signed" => "IN_PROGRESS",
        "feedback" => "FIXED",
        "callback_solved" => "CLOSED",
        "callback_unsolved" => "REOPEN",
        "returned" | "rerouted" => "INTERNAL_REFERRAL",
        "merged" => "DUPLICATE",
        "warned" | "escalated" | "supervised" | "reclassified" => "INVESTIGATING",
        _ if case_status == "closed" => "CLOSED",
        _ => "OPEN",
    }
}

async fn list_updates(st: &AppState, fmt: Fmt, p: &Params) -> Response {
    match check_key(st, p).await {
        Ok(Some(_)) => {}
        Ok(None) => return fail(fmt, StatusCode::FORBIDDEN, "Invalid api_key received"),
        Err(e) => return internal(fmt, e),
    }
    let now = st.now_ms();
    let to = p
        .get("end_date")
        .and_then(parse_time)
        .map(|t| t + 1)
        .unwrap_or(now + 1);
    let from = p.get("start_date").and_then(parse_time).unwrap_or(to - DAY);
    let rows = match st.db.read().await {
        Ok(mut tx) => store::updates(&mut tx, from, to).await,
        Err(e) => Err(e),
    };
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return internal(fmt, e),
    };
    let zh = crate::i18n::Lang::Zh;
    let items: Vec<Value> = rows
        .iter()
        .map(|u| {
            json!({
                "update_id": u.id.to_string(),
                "service_request_id": u.case_id.to_string(),
                "status": update_status(&u.kind, &u.status),
                "updated_datetime": iso(u.at),
                "description": zh.t(&format!("cases.ev_{}", u.kind)),
                "media_url": null,
            })
        })
        .collect();
    reply(
        fmt,
        StatusCode::OK,
        "service_request_updates",
        Value::Array(items),
    )
}

async fn post_update(st: &AppState, fmt: Fmt, p: &Params) -> Response {
    let integration = match check_key(st, p).await {
        Ok(Some(k)) => k,
        Ok(None) => return fail(fmt, StatusCode::FORBIDDEN, "Invalid api_key received"),
        Err(e) => return internal(fmt, e),
    };
    let Some(id) = p
        .get("service_request_id")
        .and_then(|s| s.parse::<i64>().ok())
    else {
        return fail(
            fmt,
            StatusCode::BAD_REQUEST,
            "service_request_id not provided",
        );
    };
    let description: String = p
        .get("description")
        .unwrap_or("")
        .chars()
        .take(2000)
        .collect();
    let status = p.get("status").unwrap_or("OPEN").to_string();
    let now = st.now_ms();
    let result = async {
        let mut tx = st.db.begin().await?;
        if case_store::find_case(&mut tx, id).await?.is_none() {
            return Ok::<Option<i64>, AppError>(None);
        }
        let eid = case_store::insert_event(
            &mut tx,
            id,
            None,
            now,
            Some(integration.1),
            &format!("open311:{}", integration.0),
            "external_update",
            &json!({"status": status, "description": description, "their_id": p.get("update_id")}),
        )
        .await?;
        crate::audit::record(
            &mut tx,
            now,
            &Actor {
                id: Some(integration.1),
                name: format!("open311:{}", integration.0),
                ip: None,
            },
            crate::audit::Event::ok("case.external_update", "case", id),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(eid))
    }
    .await;
    match result {
        Ok(Some(eid)) => reply(
            fmt,
            StatusCode::OK,
            "service_request_updates",
            json!([{"update_id": eid.to_string()}]),
        ),
        Ok(None) => fail(fmt, StatusCode::NOT_FOUND, "service_request_id not found"),
        Err(e) => internal(fmt, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_params() {
        assert!(matches!(
            split("requests.json"),
            Some(("requests", Fmt::Json))
        ));
        assert!(matches!(
            split("services/x.xml"),
            Some(("services/x", Fmt::Xml))
        ));
        assert!(split("requests.csv").is_none());
        let p = Params::new(
            "api_key=q&x=",
            b"service_code=A&attribute%5Baddress_detail%5D=3%E5%8F%B7%E6%A5%BC&api_key=b",
        );
        assert_eq!(p.get("api_key"), Some("b"), "the body wins over the query");
        assert_eq!(p.get("x"), None, "empty is absent");
        assert_eq!(p.get("attribute[address_detail]"), Some("3号楼"));
        assert_eq!(update_status("signed", "handling"), "IN_PROGRESS");
    }
}
