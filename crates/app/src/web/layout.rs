//! The page layout every HTML page extends: top bar, navigation (only domains that exist,
//! and only those the user's role may use), the demo banner, language and 适老模式.

use gongzhi_core::identity::{Role, Scope};

use super::Ctx;
use crate::i18n::Lang;
use crate::state::AppState;

pub struct UserBadge {
    pub name: String,
    pub role: &'static str,
    pub scope: String,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

pub struct Layout {
    pub lang: Lang,
    pub elder: bool,
    pub title: String,
    pub user: Option<UserBadge>,
    pub csrf: String,
    pub demo: bool,
    pub nav: Vec<NavItem>,
    pub staff: bool,
}

impl Layout {
    /// `title_key` names the page title in the catalog; `active` is the nav href to mark.
    pub fn new(st: &AppState, ctx: &Ctx, title_key: &str, active: &str) -> Self {
        let lang = ctx.lang;
        let mut nav = vec![];
        let mut push = |href: &'static str, key: &str| {
            nav.push(NavItem {
                href,
                label: lang.t(key),
                active: href == active,
            });
        };
        push("/", "nav.home");
        push("/gongshi", "nav.gongshi");
        if let Some(u) = &ctx.user {
            match (u.role, u.scope) {
                (Role::Resident, _) => {
                    push("/cases/new", "nav.report");
                    push("/cases", "nav.my_cases");
                    push("/mediation", "nav.mediation");
                    push("/votes", "nav.votes");
                    push("/participation", "nav.participation");
                    push("/renewal", "nav.renewal");
                    push("/timebank", "nav.timebank");
                    push("/partners", "nav.partners");
                    push("/talents", "nav.talents");
                    push("/canteen", "nav.canteen");
                    push("/afterschool", "nav.afterschool");
                }
                (Role::Mediator, _) => {
                    push("/mediation", "nav.mediation");
                    push("/talents", "nav.talents");
                    if let Scope::Unit(_) = u.scope {
                        push("/orders", "nav.orders");
                    }
                }
                (Role::UnitStaff, Scope::Unit(_)) => push("/orders", "nav.orders"),
                (Role::Auditor, _) => push("/supervision", "nav.supervision"),
                (r, _) if crate::cases::service::is_dispatcher(r) => {
                    push("/dispatch", "nav.dispatch");
                    push("/cases", "nav.cases");
                    if matches!(r, Role::CommunityStaff | Role::StreetStaff | Role::Admin) {
                        push("/mediation", "nav.mediation");
                        push("/votes", "nav.votes");
                        push("/participation", "nav.participation");
                        push("/renewal", "nav.renewal");
                        push("/timebank", "nav.timebank");
                        push("/partners", "nav.partners");
                        push("/talents", "nav.talents");
                        push("/canteen", "nav.canteen");
                        push("/afterschool", "nav.afterschool");
                    }
                    push("/supervision", "nav.supervision");
                    if matches!(r, Role::CommunityStaff | Role::StreetStaff | Role::Admin) {
                        push("/twin", "nav.twin");
                    }
                    if crate::routing::review::may_review(u) {
                        push("/routing/corrections", "nav.corrections");
                    }
                }
                _ => {
                    push("/cases/new", "nav.report");
                    push("/cases", "nav.cases");
                    if crate::mediation::service::may_file(u) {
                        push("/mediation", "nav.mediation");
                    }
                    if matches!(u.role, Role::GridWorker | Role::BuildingHead) {
                        push("/votes", "nav.votes");
                        push("/participation", "nav.participation");
                        push("/renewal", "nav.renewal");
                        push("/timebank", "nav.timebank");
                        push("/partners", "nav.partners");
                        push("/talents", "nav.talents");
                        push("/canteen", "nav.canteen");
                        push("/afterschool", "nav.afterschool");
                    }
                }
            }
            if crate::devices::service::sees_devices(u) {
                push("/devices", "nav.devices");
            }
            push("/inbox", "nav.inbox");
            if u.role.may_list_residents() {
                push("/residents", "nav.residents");
            }
            if u.role.may_administer() {
                push("/admin/users", "nav.users");
                push("/admin/org", "nav.org");
                push("/admin/units", "nav.units");
                push("/admin/calendar", "nav.calendar");
            }
            if u.role.may_read_audit() {
                push("/audit", "nav.audit");
            }
        }
        let user = ctx.user.as_ref().map(|u| UserBadge {
            name: u.display_name.clone(),
            role: match lang {
                Lang::Zh => u.role.name_zh(),
                Lang::En => u.role.name_en(),
            },
            scope: scope_label(st, u.scope, lang),
        });
        Layout {
            lang,
            elder: ctx.elder,
            title: lang.t(title_key).to_string(),
            staff: ctx.user.as_ref().is_some_and(|u| u.role.is_staff()),
            user,
            csrf: ctx.csrf(),
            demo: st.is_demo(),
            nav,
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// A report category's name in the page's language (the taxonomy's `name` / `name_en`).
    pub fn category(&self, code: &str) -> String {
        crate::taxonomy::name_in(code, self.lang).unwrap_or_else(|| code.to_string())
    }

    /// A string of a group of codes (`level`, `audit_action` …) by code:
    /// `tc("level", "district")` is 区. An unknown code shows as itself (and is logged), never
    /// as a placeholder.
    pub fn tc(&self, group: &str, code: &str) -> String {
        match self.lang.try_t(&format!("{group}.{code}")) {
            Some(s) => s.to_string(),
            None => {
                tracing::warn!(group, code, "no string for this code");
                code.to_string()
            }
        }
    }
}

/// The unit a user acts in, by name (全区, 桃源街道, 翠竹社区第1网格 …).
pub fn scope_label(st: &AppState, scope: Scope, lang: Lang) -> String {
    let map = st.org_map();
    match scope {
        Scope::District => map
            .district_name
            .clone()
            .unwrap_or_else(|| lang.t("scope.district").to_string()),
        Scope::Street(id) | Scope::Community(id) | Scope::Grid(id) | Scope::Building(id) => {
            map.unit_name(id).unwrap_or_default()
        }
        Scope::Unit(id) => map
            .handling_unit_name(id)
            .unwrap_or_else(|| lang.t("scope.unit").to_string()),
        Scope::OwnResident(_) | Scope::Nothing => String::new(),
    }
}

/// Whether a role sees the staff home (map and counts) or the resident home.
pub fn is_staff(role: Role) -> bool {
    role.is_staff()
}
