//! Mediators' profiles and their assignment to disputes.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MediatorRow {
    pub user_id: i64,
    pub display_name: String,
    pub office: String,
    pub skills: String,
    pub communities: String,
    pub capacity: i64,
    pub available: bool,
    /// Open disputes they are on now.
    pub load: i64,
}

pub async fn mediator_pool(tx: &mut Tx) -> Result<Vec<MediatorRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        // Load counts open disputes only: found through the status index, they are few even
        // when the closed ones are millions.
        "select m.user_id, u.display_name, m.office, m.skills, m.communities, m.capacity, m.available, \
           coalesce(l.n, 0) as load \
         from mediators m join users u on u.id = m.user_id \
         left join (select dm.user_id, count(*) as n from disputes d join dispute_mediators dm on dm.dispute_id = d.id \
                    where d.status in ('filed', 'mediating', 'agreed') group by dm.user_id) l on l.user_id = m.user_id \
         where not u.disabled order by m.user_id"
    )
    .fetch_all(&mut **c)
    .await
    })
}

pub struct MediatorProfile<'a> {
    pub user_id: i64,
    pub office: &'a str,
    pub skills: &'a str,
    pub communities: &'a str,
    pub capacity: i64,
    pub available: bool,
}

pub async fn put_mediator(tx: &mut Tx, m: &MediatorProfile<'_>) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "insert into mediators (user_id, office, skills, communities, capacity, available) values ($1, $2, $3, $4, $5, $6) \
         on conflict (user_id) do update set office = excluded.office, skills = excluded.skills, communities = excluded.communities, \
           capacity = excluded.capacity, available = excluded.available"
    )
    .bind(m.user_id)
    .bind(m.office)
    .bind(m.skills)
    .bind(m.communities)
    .bind(m.capacity)
    .bind(m.available)
    .execute(&mut **c)
    .await
    .map(|_| ())
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssignedRow {
    pub user_id: i64,
    pub display_name: String,
    pub office: String,
    pub lead: bool,
    pub score: Option<f64>,
}

pub async fn assigned(tx: &mut Tx, dispute: i64) -> Result<Vec<AssignedRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select m.user_id, u.display_name, m.office, m.lead, m.score, m.assigned_at \
         from dispute_mediators m join users u on u.id = m.user_id where m.dispute_id = $1 order by m.lead desc, m.assigned_at, m.user_id"
    )
    .bind(dispute)
    .fetch_all(&mut **c)
    .await
    })
}

pub async fn assign(
    tx: &mut Tx,
    dispute: i64,
    user: i64,
    office: &str,
    lead: bool,
    score: Option<f64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "insert into dispute_mediators (dispute_id, user_id, office, lead, score, assigned_at) values ($1, $2, $3, $4, $5, $6) \
         on conflict (dispute_id, user_id) do nothing"
    )
    .bind(dispute)
    .bind(user)
    .bind(office)
    .bind(lead)
    .bind(score)
    .bind(now)
    .execute(&mut **c)
    .await
    .map(|_| ())
    })
}
