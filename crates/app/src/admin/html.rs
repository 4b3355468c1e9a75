//! Admin pages: users, organisation units, handling units. Forms post and redirect back
//! (303) with a message; refusals show the reason in the user's language.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use gongzhi_core::identity::Role;
use gongzhi_core::identity::Scope;
use gongzhi_core::org::Level;
use serde::Deserialize;

use crate::auth::service::{self as users, UserItem, UserSpec, Who};
use crate::error::{AppError, AppResult};
use crate::org::service::{self as org, HandlingUnitRow, UnitRow, UnitSpec};
use crate::state::AppState;
use crate::web::{AuthUser, Ctx, Layout, Page, PageParams};

#[derive(Debug, Deserialize, Default)]
pub struct Notice {
    error: Option<String>,
    ok: Option<String>,
    role: Option<String>,
    parent: Option<i64>,
}

fn message(ctx: &Ctx, n: &Notice) -> (Option<&'static str>, Option<&'static str>) {
    (
        n.error.as_deref().map(|c| ctx.lang.error(c)),
        n.ok.as_deref().map(|_| ctx.lang.t("common.saved")),
    )
}

/// Turns a refusal into a redirect back with its code; other errors propagate.
fn back(to: &str, r: AppResult<()>) -> AppResult<Response> {
    let sep = if to.contains('?') { '&' } else { '?' };
    match r {
        Ok(()) => Ok(Redirect::to(&format!("{to}{sep}ok=1")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            Ok(Redirect::to(&format!("{to}{sep}error={}", e.code())).into_response())
        }
        Err(e) => Err(e),
    }
}

fn render(t: impl Template) -> AppResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| AppError::Internal(e.into()))?))
}

#[derive(Template)]
#[template(path = "admin/templates/users.html")]
struct UsersPage {
    layout: Layout,
    page: Page<UserItem>,
    roles: Vec<(&'static str, &'static str)>,
    role: String,
    error: Option<&'static str>,
    ok: Option<&'static str>,
}

impl UsersPage {
    /// The scope kind in the user's language.
    fn kind_label(&self, kind: &str) -> &'static str {
        self.layout.t(&format!("scope_kind.{kind}"))
    }
}

/// The roles the signed-in administrator may give (not the auditor's: separation of duties).
fn role_options(ctx: &Ctx) -> Vec<(&'static str, &'static str)> {
    let me = ctx.user.as_ref().map(|u| u.role);
    Role::ALL
        .iter()
        .filter(|r| me.is_some_and(|m| m.may_manage_role(**r)))
        .map(|r| {
            (
                r.code(),
                if ctx.lang == crate::i18n::Lang::Zh {
                    r.name_zh()
                } else {
                    r.name_en()
                },
            )
        })
        .collect()
}

pub async fn users(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
    Query(n): Query<Notice>,
) -> AppResult<Html<String>> {
    let role = n.role.clone().unwrap_or_default();
    let page = users::list_users(&st, &user, &role, &p).await?;
    let (error, ok) = message(&ctx, &n);
    render(UsersPage {
        layout: Layout::new(&st, &ctx, "admin.users", "/admin/users"),
        page,
        roles: role_options(&ctx),
        role,
        error,
        ok,
    })
}

#[derive(Debug, Deserialize)]
pub struct UserForm {
    username: Option<String>,
    display_name: String,
    password: Option<String>,
    role: String,
    scope_kind: String,
    scope_id: Option<String>,
    disabled: Option<String>,
}

/// The scope of the form's kind and id (whether its unit exists is the service's check).
fn parse_scope(kind: &str, raw: &Option<String>) -> AppResult<Scope> {
    let invalid = AppError::Invalid {
        code: "SCOPE_INVALID",
        field: Some("scope_id"),
    };
    let id = match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse().map_err(|_| invalid)?),
    };
    let scope = Scope::from_parts(kind, id);
    if scope.kind() != kind {
        return Err(AppError::Invalid {
            code: "SCOPE_INVALID",
            field: Some("scope_id"),
        });
    }
    Ok(scope)
}

pub async fn create_user(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Form(f): Form<UserForm>,
) -> AppResult<Response> {
    let r = async {
        let role = Role::parse(&f.role).map_err(|e| AppError::field("role", e))?;
        let scope = parse_scope(&f.scope_kind, &f.scope_id)?;
        let resident_id = match scope {
            Scope::OwnResident(id) => Some(id),
            _ => None,
        };
        let spec = UserSpec {
            username: f.username.as_deref().unwrap_or_default().trim(),
            display_name: &f.display_name,
            password: f.password.as_deref().unwrap_or_default(),
            role,
            scope,
            resident_id,
        };
        users::create_user(&st, Who::User(&user), &spec)
            .await
            .map(|_| ())
    }
    .await;
    back("/admin/users", r)
}

pub async fn update_user(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<UserForm>,
) -> AppResult<Response> {
    let r = async {
        let role = Role::parse(&f.role).map_err(|e| AppError::field("role", e))?;
        let scope = parse_scope(&f.scope_kind, &f.scope_id)?;
        users::update_user(
            &st,
            &user,
            id,
            users::Access {
                role,
                scope,
                display_name: &f.display_name,
                disabled: f.disabled.is_some(),
            },
        )
        .await
    }
    .await;
    back("/admin/users", r)
}

#[derive(Template)]
#[template(path = "admin/templates/org.html")]
struct OrgPage {
    layout: Layout,
    parent: Option<UnitRow>,
    page: Page<UnitRow>,
    child_level: &'static str,
    child_level_name: &'static str,
    error: Option<&'static str>,
    ok: Option<&'static str>,
}

impl OrgPage {
    /// The level in the user's language (区, 街道 …).
    fn level_label(&self, level: &str) -> &'static str {
        self.layout.t(&format!("level.{level}"))
    }
}

pub async fn org(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
    Query(n): Query<Notice>,
) -> AppResult<Html<String>> {
    let (parent, items, total) = org::children_page(&st, &user, n.parent, &p).await?;
    let child = match &parent {
        Some(u) => Level::parse(&u.level).and_then(Level::child),
        None => Some(Level::District),
    };
    let (child_level, level) = child
        .map(|l| (l.code(), l))
        .unwrap_or(("", Level::Building));
    let (error, ok) = message(&ctx, &n);
    render(OrgPage {
        layout: Layout::new(&st, &ctx, "admin.org", "/admin/org"),
        page: Page::new(items, &p, total),
        parent,
        child_level,
        child_level_name: level.name_zh(),
        error,
        ok,
    })
}

#[derive(Debug, Deserialize)]
pub struct UnitForm {
    level: String,
    parent_id: Option<i64>,
    code: String,
    name: String,
    geometry: Option<String>,
    lng: Option<String>,
    lat: Option<String>,
}

fn parse_level(s: &str) -> AppResult<Level> {
    Level::parse(s).ok_or(AppError::Invalid {
        code: "LEVEL_INVALID",
        field: Some("level"),
    })
}

fn coord(s: &Option<String>) -> AppResult<Option<f64>> {
    match s.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid("COORDINATES_OUT_OF_RANGE")),
    }
}

pub async fn create_unit(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Form(f): Form<UnitForm>,
) -> AppResult<Response> {
    let to = match f.parent_id {
        Some(p) => format!("/admin/org?parent={p}"),
        None => "/admin/org".into(),
    };
    let r = async {
        let spec = UnitSpec {
            level: parse_level(&f.level)?,
            code: f.code.trim().to_string(),
            name: f.name.clone(),
            parent_id: f.parent_id,
            geometry: f.geometry.clone().filter(|g| !g.trim().is_empty()),
            lng: coord(&f.lng)?,
            lat: coord(&f.lat)?,
        };
        org::create_unit(&st, &user, spec).await.map(|_| ())
    }
    .await;
    back(&to, r)
}

#[derive(Debug, Deserialize)]
pub struct RenameForm {
    name: String,
    back: Option<i64>,
}

pub async fn rename_unit(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<RenameForm>,
) -> AppResult<Response> {
    let to = match f.back {
        Some(p) => format!("/admin/org?parent={p}"),
        None => "/admin/org".into(),
    };
    back(&to, org::rename_unit(&st, &user, id, &f.name).await)
}

#[derive(Template)]
#[template(path = "admin/templates/units.html")]
struct UnitsPage {
    layout: Layout,
    page: Page<HandlingUnitRow>,
    kinds: &'static [(String, String)],
    error: Option<&'static str>,
    ok: Option<&'static str>,
}

impl UnitsPage {
    fn kind_name(&self, kind: &str) -> String {
        self.kinds
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| kind.to_string())
    }
}

pub async fn units(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
    Query(n): Query<Notice>,
) -> AppResult<Html<String>> {
    let (rows, total) = org::handling_units_page(&st, &user, &p).await?;
    let (error, ok) = message(&ctx, &n);
    render(UnitsPage {
        layout: Layout::new(&st, &ctx, "admin.units", "/admin/units"),
        page: Page::new(rows, &p, total),
        kinds: crate::taxonomy::unit_kinds(),
        error,
        ok,
    })
}

#[derive(Debug, Deserialize)]
pub struct HandlingForm {
    code: String,
    kind: String,
    name: String,
}

pub async fn create_handling_unit(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Form(f): Form<HandlingForm>,
) -> AppResult<Response> {
    let r = org::create_handling_unit(&st, &user, f.code.trim(), &f.kind, &f.name)
        .await
        .map(|_| ());
    back("/admin/units", r)
}
