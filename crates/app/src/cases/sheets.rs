//! The case pages' tables as files (`format=xlsx|csv`): the case list under its filters, and
//! the 三率 of a period as a ranked table. The pages' handlers call these to render.

use super::insight::{RateRow, RatesView};
use super::service::{CaseListItem, CaseQuery};
use crate::web::Ctx;
use crate::web::export::{Cell, Sheet};

/// The case list as a sheet titled `title`.
pub fn cases(ctx: &Ctx, title: &str, q: &CaseQuery, rows: Vec<CaseListItem>) -> Sheet {
    let t = |k: &str| ctx.lang.t(k).to_string();
    let yes = |b: bool| if b { t("common.yes") } else { String::new() };
    let ms = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|d| Cell::Time(d.timestamp_millis()))
            .unwrap_or(Cell::Empty)
    };
    Sheet {
        title: title.to_string(),
        filters: describe_filters(ctx, q),
        headers: [
            "cases.no",
            "cases.what",
            "cases.category",
            "cases.channel",
            "cases.status",
            "scope_kind.community",
            "scope_kind.grid",
            "cases.urgent",
            "cases.supervised",
            "cases.overdue",
            "cases.filed_at",
            "cases.next_due",
            "cases.reporters",
        ]
        .iter()
        .map(|k| t(k))
        .collect(),
        rows: rows
            .into_iter()
            .map(|c| {
                vec![
                    Cell::Int(c.id),
                    c.text.into(),
                    c.category_name.into(),
                    ctx.lang.t(&format!("cases.ch_{}", c.channel)).into(),
                    ctx.lang
                        .try_t(&format!("case_status.{}", c.status))
                        .map(str::to_string)
                        .unwrap_or_else(|| c.status_name.clone())
                        .into(),
                    c.community_name.into(),
                    c.grid_name.into(),
                    yes(c.urgent).into(),
                    yes(c.supervised).into(),
                    yes(c.overdue).into(),
                    ms(&c.created_at),
                    c.next_due.as_deref().map(ms).unwrap_or(Cell::Empty),
                    Cell::Int(c.reporters),
                ]
            })
            .collect(),
    }
}

/// A unit's orders as a sheet (the 工单 list under its status tab).
pub fn orders(ctx: &Ctx, status: &str, rows: Vec<super::service::UnitOrder>) -> Sheet {
    let t = |k: &str| ctx.lang.t(k).to_string();
    let tc = |g: &str, c: &str| ctx.lang.tc(g, c);
    let yes = |b: bool| if b { t("common.yes") } else { String::new() };
    Sheet {
        title: t("cases.orders_title"),
        filters: if status.is_empty() {
            String::new()
        } else {
            format!(
                "{}{}{}",
                t("cases.status"),
                t("common.colon"),
                tc("order_status", status)
            )
        },
        headers: [
            "cases.no",
            "cases.category",
            "cases.what",
            "cases.status",
            "cases.urgent",
            "cases.sign_by",
            "cases.due_at",
            "cases.overdue",
        ]
        .iter()
        .map(|k| t(k))
        .collect(),
        rows: rows
            .into_iter()
            .map(|o| {
                vec![
                    Cell::Int(o.case_id),
                    o.category.into(),
                    o.text.into(),
                    tc("order_status", &o.status).into(),
                    yes(o.urgent).into(),
                    o.sign_by.into(),
                    o.due_at.into(),
                    yes(o.overdue).into(),
                ]
            })
            .collect(),
    }
}

/// The list's filters in words, for the head of an export.
fn describe_filters(ctx: &Ctx, q: &CaseQuery) -> String {
    let mut parts = vec![];
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        let name = ctx.lang.tc("case_status", s);
        parts.push(format!("{}：{name}", ctx.lang.t("cases.status")));
    }
    if let Some(c) = q.category.as_deref().filter(|s| !s.is_empty()) {
        let name = super::html::categories()
            .into_iter()
            .find(|(code, _)| code == c)
            .map(|(_, n)| n)
            .unwrap_or_else(|| c.to_string());
        parts.push(format!("{}：{name}", ctx.lang.t("cases.category")));
    }
    if q.overdue == Some(true) {
        parts.push(ctx.lang.t("cases.overdue").to_string());
    }
    for (label, v) in [("from", &q.from), ("to", &q.to)] {
        if let Some(v) = v.as_deref().filter(|s| !s.is_empty()) {
            parts.push(format!("{label} {v}"));
        }
    }
    parts.join("；")
}

/// The 三率 of a period as a ranked table (a month's 排名 of units or communities).
pub fn rates(ctx: &Ctx, v: &RatesView) -> Sheet {
    let t = |k: &str| ctx.lang.t(k).to_string();
    let pct = |r: Option<f64>| r.map_or(Cell::Empty, |x| Cell::Num((x * 1000.0).round() / 10.0));
    let mut rows: Vec<&RateRow> = v.rows.iter().collect();
    rows.sort_by(|a, b| {
        b.composite
            .unwrap_or(-1.0)
            .total_cmp(&a.composite.unwrap_or(-1.0))
            .then(a.name.cmp(&b.name))
    });
    let line = |rank: Cell, r: &RateRow| {
        vec![
            rank,
            r.name.clone().into(),
            pct(r.response_rate),
            pct(r.resolution_rate),
            pct(r.satisfaction_rate),
            pct(r.composite),
            Cell::Int(r.counts.due_to_sign),
            Cell::Int(r.counts.signed_in_time),
            Cell::Int(r.counts.callbacks),
            Cell::Int(r.counts.solved),
            Cell::Int(r.counts.rated),
            Cell::Int(r.counts.satisfied),
        ]
    };
    let mut out: Vec<Vec<Cell>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| line(Cell::Int(i as i64 + 1), r))
        .collect();
    out.push(line(Cell::Text(t("cases.total")), &v.total));
    Sheet {
        title: t("cases.supervision_title"),
        filters: format!(
            "{} {} – {}",
            ctx.lang.t(if v.level == "community" {
                "scope_kind.community"
            } else {
                "cases.unit"
            }),
            v.from.chars().take(10).collect::<String>(),
            v.to.chars().take(10).collect::<String>()
        ),
        headers: [
            "cases.rank",
            "cases.name",
            "cases.rate_response_pct",
            "cases.rate_resolution_pct",
            "cases.rate_satisfaction_pct",
            "cases.composite_pct",
            "cases.due_to_sign",
            "cases.signed_in_time",
            "cases.callbacks",
            "cases.solved_count",
            "cases.rated",
            "cases.satisfied",
        ]
        .iter()
        .map(|k| t(k))
        .collect(),
        rows: out,
    }
}
