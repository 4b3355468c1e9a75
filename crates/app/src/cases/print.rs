//! The printable work order (派工单) of a case.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;

use super::service::{self, CaseView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::AuthUser;

#[derive(Template)]
#[template(path = "cases/templates/print.html")]
struct PrintPage {
    lang: &'static str,
    l: crate::i18n::Lang,
    c: CaseView,
    category: String,
    channel: String,
    printed: String,
}

impl PrintPage {
    fn t(&self, key: &str) -> &'static str {
        self.l.t(key)
    }

    fn tc(&self, group: &str, code: &str) -> String {
        self.l.tc(group, code)
    }
}

/// The printable work order (派工单) of a case, for staff who see it: what, where, the
/// units and their deadlines, and lines to fill in on site.
pub async fn print(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    if !user.role.is_staff() {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let c = service::get(&st, &user, id).await?;
    let page = PrintPage {
        lang: ctx.lang.html(),
        l: ctx.lang,
        category: crate::taxonomy::name_in(&c.category.code, ctx.lang)
            .unwrap_or_else(|| c.category.code.clone()),
        channel: ctx.lang.t(&format!("cases.ch_{}", c.channel)).to_string(),
        printed: crate::clock::format_cn(st.now_ms()),
        c,
    };
    Ok(Html(
        page.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}
