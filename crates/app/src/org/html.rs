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
    tile_url: String,
}

pub async fn home(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    let counts = st.org_map().counts.clone();
    let stats = residents::stats(&st, user.scope).await?;
    let me = match user.resident_id {
        Some(id) => residents::get(&st, &user, id).await.ok(),
        None => None,
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
        tile_url: st.config.tile_url.clone().unwrap_or_default(),
    };
    Ok(Html(
        tpl.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}
