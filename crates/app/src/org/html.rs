//! The home page: key counts and the community map for staff; a simple home with big
//! buttons and one's own record for residents.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use crate::error::{AppError, AppResult};
use crate::org::service::Counts;
use crate::residents::service::{self as residents, ResidentView, Stats};
use crate::state::AppState;
use crate::web::{AuthUser, Layout};

#[derive(Template)]
#[template(path = "org/templates/home.html")]
struct HomePage {
    layout: Layout,
    counts: Counts,
    stats: Stats,
    me: Option<ResidentView>,
    /// 今日待办: what waits for the user, from every domain.
    todo: Vec<crate::web::todo::Item>,
    /// The area's key counts (not for handling units, whose work is not an area).
    show_counts: bool,
    /// A resident's latest reports.
    my_cases: Vec<crate::cases::service::CaseListItem>,
    tile_url: String,
    /// west,south,east,north of the user's area, or empty for the whole district.
    focus: String,
}

pub async fn home(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    let map = st.org_map();
    let counts = map.counts_in(user.scope);
    let stats = residents::stats(&st, &user).await?;
    let me = match user.resident_id {
        Some(id) => residents::get(&st, &user, id).await.ok(),
        None => None,
    };
    // Focus the map on where the user works (a resident: their own grid).
    let focus_scope = match &me {
        Some(r) => r
            .grid_id
            .map(gongzhi_core::identity::Scope::Grid)
            .unwrap_or(user.scope),
        None => user.scope,
    };
    let focus = map
        .extent_of(focus_scope)
        .map(|b| format!("{},{},{},{}", b[0], b[1], b[2], b[3]))
        .unwrap_or_default();
    let mut todo = crate::cases::service::todo(&st, &user).await?;
    if crate::mediation::service::may_file(&user) {
        todo.extend(crate::mediation::service::todo(&st, &user).await?);
    }
    let my_cases = if user.role.is_staff() {
        vec![]
    } else {
        let q = crate::cases::service::CaseQuery {
            mine: Some(true),
            ..Default::default()
        };
        let p = crate::web::PageParams {
            page: None,
            per_page: Some(5),
        };
        crate::cases::service::list(&st, &user, &q, &p).await?.items
    };
    let tpl = HomePage {
        layout: Layout::new(
            &st,
            &ctx,
            if user.role.is_staff() {
                "home.title"
            } else {
                "home.resident_title"
            },
            "/",
        ),
        counts,
        stats,
        me,
        todo,
        show_counts: !matches!(user.scope, gongzhi_core::identity::Scope::Unit(_)),
        my_cases,
        tile_url: st.config.tile_url.clone().unwrap_or_default(),
        focus,
    };
    Ok(Html(
        tpl.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}
