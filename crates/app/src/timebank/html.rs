//! The time bank's pages: `/timebank` (balance, requests, the board, services to confirm,
//! the catalogue, gifts, the volunteer's offer, the health note, certificates; staff's
//! entry for someone without a phone, matching and verification), `/timebank/requests/{id}`
//! (the visit: check-in and check-out on a phone), `/timebank/months` (staff's monthly
//! figures and their publication) and `/timebank/certificates/{code}` (a printable
//! certificate anyone can check by its QR code). Forms post JSON (`jsonforms.js`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use gongzhi_core::identity::Role;
use serde::Deserialize;

use super::service::requests::{self as rq, OfferView, RequestLists, RequestView};
use super::service::spend::{self as sp, CertificateView, ItemView, MonthView};
use super::service::{self, AccountView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Ctx, Layout};

fn render<T: Template>(page: T) -> AppResult<Html<String>> {
    Ok(Html(
        page.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}

fn at(ms: i64) -> String {
    crate::clock::format_cn(ms)
}

fn is_staff(role: Role) -> bool {
    matches!(role, Role::CommunityStaff | Role::StreetStaff)
}

#[derive(Template)]
#[template(path = "timebank/templates/index.html")]
struct IndexPage {
    layout: Layout,
    a: AccountView,
    lists: RequestLists,
    items: Vec<ItemView>,
    offer: Option<OfferView>,
    health_note: Option<String>,
    kinds: Vec<&'static str>,
    staff: bool,
    resident: bool,
    done: bool,
    month: String,
    days: [i64; 7],
}

impl IndexPage {
    fn at(&self, ms: i64) -> String {
        at(ms)
    }
    fn offers(&self, kind: &&str) -> bool {
        self.offer
            .as_ref()
            .is_some_and(|o| o.kinds.iter().any(|k| k == kind))
    }
    fn day_name(&self, d: &i64) -> String {
        self.layout.tc("weekday", &d.to_string())
    }
    fn free_on(&self, day: &i64) -> bool {
        self.offer
            .as_ref()
            .is_some_and(|o| o.weekdays.contains(day))
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    pub done: Option<String>,
}

pub async fn index(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let a = service::account(&st, &user).await?;
    let lists = rq::requests(&st, &user).await?;
    let items = sp::items(&st, &user).await?;
    let offer = rq::my_offer(&st, &user).await?;
    let resident =
        matches!(user.role, Role::Resident | Role::BuildingHead) && user.resident_id.is_some();
    let health_note = if resident {
        rq::health_note(&st, &user, None).await.ok().flatten()
    } else {
        None
    };
    let layout = Layout::new(&st, &ctx, "timebank.title", "/timebank");
    render(IndexPage {
        a,
        lists,
        items,
        offer,
        health_note,
        kinds: gongzhi_core::timebank::KINDS.iter().map(|k| k.0).collect(),
        staff: is_staff(user.role),
        resident,
        done: q.done.is_some(),
        month: sp::this_month(st.now_ms()),
        days: [1, 2, 3, 4, 5, 6, 7],
        layout,
    })
}

#[derive(Template)]
#[template(path = "timebank/templates/request.html")]
struct RequestPage {
    layout: Layout,
    r: RequestView,
    done: bool,
}

impl RequestPage {
    fn at(&self, ms: i64) -> String {
        at(ms)
    }
}

pub async fn request(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let r = rq::request(&st, &user, id).await?;
    let layout = Layout::new(&st, &ctx, "timebank.request_title", "/timebank");
    render(RequestPage {
        r,
        done: q.done.is_some(),
        layout,
    })
}

#[derive(Template)]
#[template(path = "timebank/templates/month.html")]
struct MonthPage {
    layout: Layout,
    m: MonthView,
    communities: Vec<(i64, String)>,
    done: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct MonthQuery {
    pub month: Option<String>,
    pub community: Option<i64>,
    pub done: Option<String>,
}

pub async fn month(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(q): Query<MonthQuery>,
) -> AppResult<Html<String>> {
    let month = q
        .month
        .clone()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| sp::this_month(st.now_ms()));
    let m = sp::month(&st, &user, &month, q.community).await?;
    let communities = {
        let map = st.org_map();
        map.communities()
            .into_iter()
            .filter(|c| map.unit_in_scope(c.0, user.scope))
            .map(|c| (c.0, c.1))
            .collect()
    };
    let layout = Layout::new(&st, &ctx, "timebank.month_title", "/timebank");
    render(MonthPage {
        m,
        communities,
        done: q.done.is_some(),
        layout,
    })
}

#[derive(Template)]
#[template(path = "timebank/templates/certificate.html")]
struct CertificatePage {
    layout: Layout,
    c: CertificateView,
    qr: String,
}

impl CertificatePage {
    fn at(&self, ms: i64) -> String {
        crate::clock::date_cn(ms)
    }
}

/// A certificate, to anyone with its code (the name masked unless the caller is the
/// volunteer or their staff); the QR code leads back to this page.
pub async fn certificate(
    State(st): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
) -> AppResult<Html<String>> {
    let c = sp::certificate(&st, ctx.user.as_ref(), &code).await?;
    let scheme = if st.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let url = format!("{scheme}://{host}{}", c.url);
    let qr = qrcode::QrCode::new(url.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(160, 160)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    let layout = Layout::new(&st, &ctx, "timebank.certificate_title", "/timebank");
    render(CertificatePage { c, qr, layout })
}
