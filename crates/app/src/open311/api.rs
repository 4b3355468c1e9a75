//! The Open311 GeoReport v2 interface (JSON and XML): parses each request's parameters,
//! makes one call of [`super::service`], and answers in the format and error shape the
//! spec fixes.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::service;
use super::xml;
use crate::cases::service::{Report, RequestFilter};
use crate::clock::{iso, parse_time};
use crate::error::AppError;
use crate::state::AppState;

const SPEC: &str = "http://wiki.open311.org/GeoReport_v2";
const DAY: i64 = 86_400_000;

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

pub async fn discovery(State(_st): State<AppState>, Path(file): Path<String>) -> Response {
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

pub async fn get_root(
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

pub async fn post_root(
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

pub async fn service_definition(Path(file): Path<String>) -> Response {
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
    let integration = match service::integration(st, p.get("api_key")).await {
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
    let report = Report {
        text: description.to_string(),
        lng,
        lat,
        category: Some(cat.code.clone()),
        caller_phone: p.get("phone").map(str::to_string),
        address: (!address.is_empty()).then_some(address),
        ..Report::default()
    };
    match service::create_request(st, &integration, report).await {
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

fn request_json(r: &service::RequestView) -> Value {
    let cat = crate::taxonomy::get()
        .categories
        .iter()
        .find(|c| c.code == r.category);
    json!({
        "service_request_id": r.id.to_string(),
        "status": gongzhi_core::cases::CaseStatus::parse(&r.status).map(|s| s.open311()).unwrap_or("open"),
        "status_notes": stage_note(&r.status),
        "service_name": cat.map(|c| c.name.clone()).unwrap_or_default(),
        "service_code": r.category,
        "description": r.description,
        "agency_responsible": r.agencies.join("、"),
        "service_notice": null,
        "requested_datetime": iso(r.created_at),
        "updated_datetime": iso(r.updated_at),
        "expected_datetime": r.expected.map(iso),
        "address": r.address,
        "address_id": null,
        "zipcode": null,
        "lat": r.lat,
        "long": r.lng,
        "media_url": null,
    })
}

/// The reader of a GET: the integration of a valid key, or an anonymous one.
async fn reader(st: &AppState, p: &Params) -> Result<Option<service::Integration>, AppError> {
    service::integration(st, p.get("api_key")).await
}

/// Requests as the reader may see them, as GeoReport values.
async fn requests_reply(st: &AppState, fmt: Fmt, p: &Params, f: &RequestFilter) -> Response {
    let reader = match reader(st, p).await {
        Ok(r) => r,
        Err(e) => return internal(fmt, e),
    };
    match service::requests(st, reader.as_ref(), f).await {
        Ok(rows) => reply(
            fmt,
            StatusCode::OK,
            "service_requests",
            Value::Array(rows.iter().map(request_json).collect()),
        ),
        Err(e) => internal(fmt, e),
    }
}

async fn list_requests(st: &AppState, fmt: Fmt, p: &Params) -> Response {
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
    let f = RequestFilter {
        ids,
        codes,
        status: status.to_string(),
        from,
        to,
        limit: page_size,
        offset: (page - 1) * page_size,
    };
    requests_reply(st, fmt, p, &f).await
}

pub async fn request_by_id(
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
    let reader = match reader(&st, &p).await {
        Ok(r) => r,
        Err(e) => return internal(fmt, e),
    };
    let f = RequestFilter {
        ids: id.to_string(),
        to: i64::MAX,
        limit: 1,
        ..RequestFilter::default()
    };
    match service::requests(&st, reader.as_ref(), &f).await {
        Ok(rows) if !rows.is_empty() => reply(
            fmt,
            StatusCode::OK,
            "service_requests",
            json!([request_json(&rows[0])]),
        ),
        Ok(_) => fail(fmt, StatusCode::NOT_FOUND, "service_request_id not found"),
        Err(e) => internal(fmt, e),
    }
}

pub async fn token(State(st): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((token, fmt)) = split(&file) else {
        return bad_format();
    };
    match service::by_token(&st, token).await {
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
    let integration = match service::integration(st, p.get("api_key")).await {
        Ok(Some(i)) => i,
        Ok(None) => return fail(fmt, StatusCode::FORBIDDEN, "Invalid api_key received"),
        Err(e) => return internal(fmt, e),
    };
    let now = st.now_ms();
    let to = p
        .get("end_date")
        .and_then(parse_time)
        .map(|t| t + 1)
        .unwrap_or(now + 1);
    let from = p.get("start_date").and_then(parse_time).unwrap_or(to - DAY);
    let rows = match service::updates(st, &integration, from, to).await {
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
    let integration = match service::integration(st, p.get("api_key")).await {
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
    let status = p.get("status").unwrap_or("OPEN");
    match service::post_update(
        st,
        &integration,
        id,
        status,
        &description,
        p.get("update_id"),
    )
    .await
    {
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
