//! The case lists: filters built into one statement per shape.

use crate::db::Tx;
use crate::on_tx;

/// Case-list filters (already validated). Scope: $1 all, $2 street, $3 community,
/// $4 grid, $5 building, $6 reporter user, $7 unit, $8 resident.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub all: bool,
    pub street: Option<i64>,
    pub community: Option<i64>,
    pub grid: Option<i64>,
    pub building: Option<i64>,
    pub reporter: Option<i64>,
    pub unit: Option<i64>,
    pub resident: Option<i64>,
    /// '' = any; else a status code, or 'open' for anything not closed.
    pub status: String,
    pub category: String,
    pub channel: String,
    pub urgent_only: bool,
    pub overdue_before: Option<i64>,
    /// One case by number (a search).
    pub id: Option<i64>,
    /// Words of a search: every word in the text or the address.
    pub words: String,
    /// Cases this resident reported (a search by phone; -1 matches nothing).
    pub reporter_resident: Option<i64>,
    /// Narrowing within the scope (filters of a list).
    pub in_community: Option<i64>,
    pub in_grid: Option<i64>,
    /// Open cases whose nearest deadline is in `[from, to)`.
    pub due_between: Option<(i64, i64)>,
    pub supervised_only: bool,
    pub from: i64,
    pub to: i64,
}

/// A bound value of a dynamically built query.
enum Bind {
    I(i64),
    S(String),
}

/// The WHERE clause of a case list with only the conditions the filter uses (so each
/// query can use its indexes), and its values in order.
fn case_where(f: &CaseFilter) -> (String, Vec<Bind>) {
    let mut binds: Vec<Bind> = vec![];
    let mut p = |b: Bind| {
        binds.push(b);
        format!("${}", binds.len())
    };
    let mut scope: Vec<String> = vec![];
    if !f.all {
        for (col, v) in [
            ("c.street_id", f.street),
            ("c.community_id", f.community),
            ("c.grid_id", f.grid),
            ("c.building_id", f.building),
            ("c.resident_id", f.resident),
        ] {
            if let Some(v) = v {
                scope.push(format!("{col} = {}", p(Bind::I(v))));
            }
        }
        if let Some(u) = f.reporter {
            scope.push(format!(
                "exists (select 1 from case_reporters r where r.case_id = c.id and r.user_id = {})",
                p(Bind::I(u))
            ));
        }
        if let Some(u) = f.unit {
            scope.push(format!(
                "exists (select 1 from work_orders o where o.case_id = c.id and o.unit_id = {} and o.status <> 'rerouted')",
                p(Bind::I(u))
            ));
        }
    }
    let mut conds: Vec<String> = vec![];
    if !f.all {
        conds.push(if scope.is_empty() {
            "1 = 0".into()
        } else {
            format!("({})", scope.join(" or "))
        });
    }
    match f.status.as_str() {
        "" => {}
        "open" => conds.push("c.status <> 'closed'".into()),
        s => conds.push(format!("c.status = {}", p(Bind::S(s.to_string())))),
    }
    // Only open cases have a deadline; saying so lets the list use the open-case index.
    if (f.overdue_before.is_some() || f.due_between.is_some()) && f.status != "open" {
        conds.push("c.status <> 'closed'".into());
    }
    if !f.category.is_empty() {
        conds.push(format!("c.category = {}", p(Bind::S(f.category.clone()))));
    }
    if !f.channel.is_empty() {
        conds.push(format!("c.channel = {}", p(Bind::S(f.channel.clone()))));
    }
    if f.urgent_only {
        conds.push("c.urgent".into());
    }
    if let Some(t) = f.overdue_before {
        conds.push(format!("c.next_due < {}", p(Bind::I(t))));
    }
    if let Some(id) = f.id {
        conds.push(format!("c.id = {}", p(Bind::I(id))));
    }
    for w in f.words.split_whitespace().take(5) {
        let pat = format!("%{}%", w.replace(['%', '_', '\\'], ""));
        let a = p(Bind::S(pat.clone()));
        let b = p(Bind::S(pat));
        conds.push(format!("(c.text like {a} or c.address like {b})"));
    }
    if let Some(r) = f.reporter_resident {
        let a = p(Bind::I(r));
        let b = p(Bind::I(r));
        conds.push(format!(
            "(c.resident_id = {a} or exists (select 1 from case_reporters r where r.case_id = c.id and r.resident_id = {b}))"
        ));
    }
    if let Some(c) = f.in_community {
        conds.push(format!("c.community_id = {}", p(Bind::I(c))));
    }
    if let Some(g) = f.in_grid {
        conds.push(format!("c.grid_id = {}", p(Bind::I(g))));
    }
    if let Some((a, b)) = f.due_between {
        conds.push(format!("c.next_due >= {}", p(Bind::I(a))));
        conds.push(format!("c.next_due < {}", p(Bind::I(b))));
    }
    if f.supervised_only {
        conds.push("c.supervised_at is not null".into());
    }
    if f.from > 0 {
        conds.push(format!("c.created_at >= {}", p(Bind::I(f.from))));
    }
    if f.to < i64::MAX {
        conds.push(format!("c.created_at < {}", p(Bind::I(f.to))));
    }
    let w = if conds.is_empty() {
        String::new()
    } else {
        format!("where {}", conds.join(" and "))
    };
    (w, binds)
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::I(v) => q.bind(*v),
                Bind::S(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}

/// Cases as a list shows them, with the nearest open deadline.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListRow {
    pub id: i64,
    pub channel: String,
    pub category: String,
    pub text: String,
    pub lng: f64,
    pub lat: f64,
    pub community_id: i64,
    pub grid_id: i64,
    pub urgent: bool,
    pub status: String,
    pub reporters: i64,
    pub rung: String,
    pub supervised_at: Option<i64>,
    pub created_at: i64,
    pub next_due: Option<i64>,
}

/// `order`: `queue` (urgent first, then the nearest deadline) or `recent`.
pub async fn list_cases(
    tx: &mut Tx,
    f: &CaseFilter,
    queue_order: bool,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ListRow>, i64), sqlx::Error> {
    let order = if f.overdue_before.is_some() || f.due_between.is_some() {
        // Overdue and due-soon lists: the nearest deadline first (read in index order).
        "c.next_due asc, c.id asc"
    } else if queue_order {
        "c.urgent desc, c.next_due is null, c.next_due asc, c.id asc"
    } else {
        "c.id desc"
    };
    let (w, binds) = case_where(f);
    let n = binds.len();
    let sql = format!(
        "select l.*, (select count(*) from case_reporters r where r.case_id = l.id) as reporters from (\
           select c.id, c.channel, c.category, c.text, c.lng, c.lat, c.community_id, c.grid_id, c.urgent, c.status, c.rung, c.supervised_at, c.created_at, \
           c.next_due from cases c {w} order by {order} limit ${} offset ${}) l order by {}",
        n + 1,
        n + 2,
        order.replace("c.", "l.")
    );
    let count = format!("select count(*) from cases c {w}");
    let rows = on_tx!(tx, |x| bind_all!(sqlx::query_as(&sql), &binds)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **x)
        .await)?;
    let total = on_tx!(tx, |x| bind_all!(sqlx::query_scalar(&count), &binds)
        .fetch_one(&mut **x)
        .await)?;
    Ok((rows, total))
}
