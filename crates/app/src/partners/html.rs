//! Partners and campaigns pages: `/partners` (the community's partners with what they offer,
//! agreements and contributions; campaigns with their meters; staff's forms) and
//! `/partners/campaigns/{id}` (the campaign's public book, beneficiaries masked, coverage).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Deserialize;

use super::service::{self, CampaignView, Overview};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout};

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    pub done: Option<String>,
}

fn yuan(fen: i64) -> String {
    gongzhi_core::ledger::yuan(fen)
}

#[derive(Template)]
#[template(path = "partners/templates/index.html")]
struct IndexPage {
    layout: Layout,
    o: Overview,
    kinds: [&'static str; 4],
    offers: [&'static str; 4],
    done: bool,
}

impl IndexPage {
    fn yuan(&self, fen: &i64) -> String {
        yuan(*fen)
    }
}

pub async fn index(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let o = service::overview(&st, &user, None).await?;
    let layout = Layout::new(&st, &ctx, "partners.title", "/partners");
    let page = IndexPage {
        o,
        kinds: service::KINDS,
        offers: service::OFFERS,
        done: q.done.is_some(),
        layout,
    };
    Ok(Html(
        page.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}

#[derive(Template)]
#[template(path = "partners/templates/campaign.html")]
struct CampaignPage {
    layout: Layout,
    c: CampaignView,
    manages: bool,
    done: bool,
}

impl CampaignPage {
    fn yuan(&self, fen: &i64) -> String {
        yuan(*fen)
    }
    fn at(&self, ms: &i64) -> String {
        crate::clock::date_cn(*ms)
    }
}

pub async fn campaign(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let c = service::campaign(&st, &user, id).await?;
    let manages = crate::participation::service::manages(&st, &user, c.community_id);
    let layout = Layout::new(&st, &ctx, "partners.campaign_title", "/partners");
    let page = CampaignPage {
        c,
        manages,
        done: q.done.is_some(),
        layout,
    };
    Ok(Html(
        page.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}
