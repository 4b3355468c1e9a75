//! The time bank page: the caller's balance, the services they gave or received (with the
//! confirm button where they may confirm), the volunteer's form to record a service, and
//! staff's form to verify a volunteer. Forms post JSON (`jsonforms.js`).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;

use super::service::{self, AccountView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout};

#[derive(Template)]
#[template(path = "timebank/templates/index.html")]
struct IndexPage {
    layout: Layout,
    a: AccountView,
    kinds: Vec<&'static str>,
    staff: bool,
    done: bool,
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
    let layout = Layout::new(&st, &ctx, "timebank.title", "/timebank");
    let page = IndexPage {
        a,
        kinds: gongzhi_core::timebank::KINDS.iter().map(|k| k.0).collect(),
        staff: matches!(
            user.role,
            gongzhi_core::identity::Role::CommunityStaff
                | gongzhi_core::identity::Role::StreetStaff
        ),
        done: q.done.is_some(),
        layout,
    };
    Ok(Html(
        page.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}
