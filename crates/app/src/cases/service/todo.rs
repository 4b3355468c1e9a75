//! What waits for the user in cases, for their home's 今日待办.

use gongzhi_core::cases::lifecycle::CaseStatus;
use gongzhi_core::identity::Role;

use super::access::{self, is_dispatcher};
use super::store;
use super::views::{CaseQuery, DUE_SOON_MS, list};
use crate::auth::service::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;

/// What is waiting for the user in cases (their home's 今日待办): a unit's orders to sign,
/// overdue and due soon; a dispatcher's or grid worker's new cases today, cases waiting to be
/// dispatched or called back, due soon, overdue and supervised. Residents and auditors have
/// none here.
pub async fn todo(st: &AppState, u: &CurrentUser) -> AppResult<Vec<crate::web::todo::Item>> {
    use crate::web::todo::Item;
    let now = st.now_ms();
    if let Some(unit) = access::unit_of(u) {
        let mut tx = st.db.read().await?;
        let (to_sign, overdue, soon, handling) =
            store::unit_todo(&mut tx, unit, now, now + DUE_SOON_MS).await?;
        return Ok(vec![
            Item::new("todo.to_sign", to_sign, "/orders?status=dispatched").warn(),
            Item::new("todo.due_soon", soon, "/orders?status=open").warn(),
            Item::new("todo.overdue", overdue, "/orders?status=open").warn(),
            Item::new("todo.handling", handling, "/orders?status=handling"),
        ]);
    }
    if matches!(u.role, Role::Resident | Role::Auditor | Role::Mediator) || !u.role.is_staff() {
        return Ok(vec![]);
    }
    let today = crate::clock::date_cn(now);
    let one = &crate::web::PageParams {
        page: None,
        per_page: Some(1),
    };
    let count = |q: CaseQuery| async move { list(st, u, &q, one).await.map(|p| p.total) };
    let open = || CaseQuery {
        status: Some("open".into()),
        ..Default::default()
    };
    let mut items = vec![
        Item::new(
            "todo.new_today",
            count(CaseQuery {
                from: Some(today.clone()),
                ..Default::default()
            })
            .await?,
            format!("/cases?from={today}"),
        ),
        Item::new(
            "todo.due_soon",
            count(CaseQuery {
                due_soon: Some(true),
                ..open()
            })
            .await?,
            "/cases?status=open&due_soon=true",
        )
        .warn(),
        Item::new(
            "todo.overdue",
            count(CaseQuery {
                overdue: Some(true),
                ..open()
            })
            .await?,
            "/cases?status=open&overdue=true",
        )
        .warn(),
        Item::new(
            "todo.to_call_back",
            count(CaseQuery {
                status: Some(CaseStatus::Feedback.code().into()),
                ..Default::default()
            })
            .await?,
            "/cases?status=feedback",
        ),
        Item::new(
            "todo.supervised",
            count(CaseQuery {
                supervised: Some(true),
                ..open()
            })
            .await?,
            "/cases?status=open&supervised=true",
        ),
    ];
    if is_dispatcher(u.role) {
        items.insert(
            1,
            Item::new(
                "todo.to_dispatch",
                count(CaseQuery {
                    status: Some(CaseStatus::Accepted.code().into()),
                    ..Default::default()
                })
                .await?,
                "/dispatch",
            )
            .warn(),
        );
    }
    Ok(items)
}
