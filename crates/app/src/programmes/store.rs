//! Every SQL statement of the programmes: 社区食堂 and 四点半课堂.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TierRow {
    pub code: String,
    pub name: String,
    pub min_age: i64,
    pub subsidised: i64,
    pub government_fen: i64,
    pub company_fen: i64,
}

pub async fn tiers(tx: &mut Tx, community: i64) -> Result<Vec<TierRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select code, name, min_age, subsidised, government_fen, company_fen from canteen_tiers where community_id = $1 order by id"
    )
    .bind(community)
    .fetch_all(&mut **x)
    .await
    })
}

pub async fn replace_tiers(
    tx: &mut Tx,
    community: i64,
    tiers: &[TierRow],
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "delete from canteen_tiers where community_id = $1"
    )
    .bind(community)
    .execute(&mut **x)
    .await
    .map(|_| ()))?;
    for t in tiers {
        on_tx!(tx, |x| {
            sqlx::query(
            "insert into canteen_tiers (community_id, code, name, min_age, subsidised, government_fen, company_fen) values ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(community)
        .bind(&t.code)
        .bind(&t.name)
        .bind(t.min_age)
        .bind(t.subsidised)
        .bind(t.government_fen)
        .bind(t.company_fen)
        .execute(&mut **x)
        .await
        .map(|_| ())
        })?;
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MealRow {
    pub id: i64,
    pub community_id: i64,
    pub served_on: String,
    pub menu: String,
    pub cost_fen: i64,
    pub capacity: i64,
    pub company: String,
    pub ordered: i64,
}

const MEAL_COLS: &str = "m.id, m.community_id, m.served_on, m.menu, m.cost_fen, m.capacity, m.company, \
    (select count(*) from canteen_orders o where o.meal_id = m.id) as ordered";

pub async fn insert_meal(tx: &mut Tx, m: &MealRow, by: i64, now: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into canteen_meals (community_id, served_on, menu, cost_fen, capacity, company, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id"
    )
    .bind(m.community_id)
    .bind(&m.served_on)
    .bind(&m.menu)
    .bind(m.cost_fen)
    .bind(m.capacity)
    .bind(&m.company)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn meal(tx: &mut Tx, id: i64) -> Result<Option<MealRow>, sqlx::Error> {
    let sql = format!("select {MEAL_COLS} from canteen_meals m where m.id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

/// Takes the meal's row lock (PostgreSQL) so that orders for it take turns on capacity.
pub async fn lock_meal(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "update canteen_meals set capacity = capacity where id = $1"
    )
    .bind(id)
    .execute(&mut **x)
    .await
    .map(|_| ()))
}

/// Meals of a community served from `from` (YYYY-MM-DD) on, and the latest before.
pub async fn meals_around(
    tx: &mut Tx,
    community: i64,
    from: &str,
) -> Result<Vec<MealRow>, sqlx::Error> {
    let sql = format!(
        "select * from (select {MEAL_COLS} from canteen_meals m where m.community_id = $1 and m.served_on >= $2 order by m.served_on, m.id limit 30) a \
         union all select * from (select {MEAL_COLS} from canteen_meals m where m.community_id = $1 and m.served_on < $2 order by m.served_on desc, m.id desc limit 10) b"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .bind(from)
        .fetch_all(&mut **x)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub meal_id: i64,
    pub resident_id: i64,
    pub tier_code: String,
    pub tier_name: String,
    pub government_fen: i64,
    pub company_fen: i64,
    pub resident_fen: i64,
    pub channel: String,
    pub created_at: i64,
}

const ORDER_COLS: &str = "id, meal_id, resident_id, tier_code, tier_name, government_fen, company_fen, resident_fen, channel, created_at";

/// Inserts an order: `None` if the resident already has one for the meal.
pub async fn insert_order(tx: &mut Tx, o: &OrderRow, by: i64) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into canteen_orders (meal_id, resident_id, tier_code, tier_name, government_fen, company_fen, resident_fen, channel, ordered_by, created_at) \
         values ($1, $2, $3, $10, $4, $5, $6, $7, $8, $9) on conflict (meal_id, resident_id) do nothing returning id"
    )
    .bind(o.meal_id)
    .bind(o.resident_id)
    .bind(&o.tier_code)
    .bind(o.government_fen)
    .bind(o.company_fen)
    .bind(o.resident_fen)
    .bind(&o.channel)
    .bind(by)
    .bind(o.created_at)
    .bind(&o.tier_name)
    .fetch_optional(&mut **x)
    .await
    })
}

pub async fn orders_of_meal(tx: &mut Tx, meal: i64) -> Result<Vec<OrderRow>, sqlx::Error> {
    let sql = format!("select {ORDER_COLS} from canteen_orders where meal_id = $1 order by id");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(meal)
        .fetch_all(&mut **x)
        .await)
}

/// Orders of the residents `who` for meals of a community served from `from` on.
pub async fn orders_of(
    tx: &mut Tx,
    resident: i64,
    from: &str,
) -> Result<Vec<OrderRow>, sqlx::Error> {
    let sql = format!(
        "select {ORDER_COLS} from canteen_orders where resident_id = $1 and meal_id in (select id from canteen_meals where served_on >= $2) order by id"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(resident)
        .bind(from)
        .fetch_all(&mut **x)
        .await)
}

/// A month's totals by tier: (tier, orders, government, company, resident).
pub async fn month_by_tier(
    tx: &mut Tx,
    community: i64,
    month: &str,
) -> Result<Vec<(String, i64, i64, i64, i64)>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select o.tier_name, count(*), cast(sum(o.government_fen) as bigint), cast(sum(o.company_fen) as bigint), cast(sum(o.resident_fen) as bigint) \
         from canteen_orders o join canteen_meals m on m.id = o.meal_id \
         where m.community_id = $1 and substr(m.served_on, 1, 7) = $2 group by o.tier_name order by o.tier_name"
    )
    .bind(community)
    .bind(month)
    .fetch_all(&mut **x)
    .await
    })
}

pub async fn month_meals(tx: &mut Tx, community: i64, month: &str) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "select count(*) from canteen_meals where community_id = $1 and substr(served_on, 1, 7) = $2"
    )
    .bind(community)
    .bind(month)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn month_published(
    tx: &mut Tx,
    community: i64,
    month: &str,
) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(
        "select ledger_index from canteen_months where community_id = $1 and month = $2"
    )
    .bind(community)
    .bind(month)
    .fetch_optional(&mut **x)
    .await)
}

/// Records a month's publication: false if it already was.
pub async fn insert_month(
    tx: &mut Tx,
    community: i64,
    month: &str,
    (doc, index): (i64, i64),
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into canteen_months (community_id, month, document_id, ledger_index, published_at) values ($1, $2, $3, $4, $5) on conflict do nothing"
    )
    .bind(community)
    .bind(month)
    .bind(doc)
    .bind(index)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected() == 1)
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub community_id: i64,
    pub starts_at: i64,
    pub minutes: i64,
    pub topic: String,
    pub teacher: String,
    pub social_worker: String,
    pub present: i64,
    pub recorded: i64,
}

const SESSION_COLS: &str = "s.id, s.community_id, s.starts_at, s.minutes, s.topic, s.teacher, s.social_worker, \
    (select count(*) from class_attendance a where a.session_id = s.id and a.present = 1) as present, \
    (select count(*) from class_attendance a where a.session_id = s.id) as recorded";

pub async fn insert_session(
    tx: &mut Tx,
    s: &SessionRow,
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into class_sessions (community_id, starts_at, minutes, topic, teacher, social_worker, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id"
    )
    .bind(s.community_id)
    .bind(s.starts_at)
    .bind(s.minutes)
    .bind(&s.topic)
    .bind(&s.teacher)
    .bind(&s.social_worker)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn session(tx: &mut Tx, id: i64) -> Result<Option<SessionRow>, sqlx::Error> {
    let sql = format!("select {SESSION_COLS} from class_sessions s where s.id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

/// A community's sessions, latest first (100).
pub async fn sessions_in(tx: &mut Tx, community: i64) -> Result<Vec<SessionRow>, sqlx::Error> {
    let sql = format!(
        "select {SESSION_COLS} from class_sessions s where s.community_id = $1 order by s.starts_at desc, s.id desc limit 100"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .fetch_all(&mut **x)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EnrolmentRow {
    pub id: i64,
    pub community_id: i64,
    pub child_id: i64,
    pub masked_name: String,
    pub school_grade: i64,
    pub created_at: i64,
}

const ENROLMENT_COLS: &str = "id, community_id, child_id, masked_name, school_grade, created_at";

#[allow(clippy::too_many_arguments)]
pub async fn insert_enrolment(
    tx: &mut Tx,
    community: i64,
    child: i64,
    masked: &str,
    grade: i64,
    by: i64,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into class_enrolments (community_id, child_id, masked_name, school_grade, enrolled_by, created_at) \
         values ($1, $2, $3, $4, $5, $6) on conflict (community_id, child_id) do nothing returning id"
    )
    .bind(community)
    .bind(child)
    .bind(masked)
    .bind(grade)
    .bind(by)
    .bind(now)
    .fetch_optional(&mut **x)
    .await
    })
}

pub async fn enrolment(tx: &mut Tx, id: i64) -> Result<Option<EnrolmentRow>, sqlx::Error> {
    let sql = format!("select {ENROLMENT_COLS} from class_enrolments where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn enrolments_in(tx: &mut Tx, community: i64) -> Result<Vec<EnrolmentRow>, sqlx::Error> {
    let sql = format!(
        "select {ENROLMENT_COLS} from class_enrolments where community_id = $1 order by id"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .fetch_all(&mut **x)
        .await)
}

pub async fn enrolments_of_child(
    tx: &mut Tx,
    child: i64,
) -> Result<Vec<EnrolmentRow>, sqlx::Error> {
    let sql =
        format!("select {ENROLMENT_COLS} from class_enrolments where child_id = $1 order by id");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(child)
        .fetch_all(&mut **x)
        .await)
}

/// Erases a child's enrolments with their attendance and outcomes (consent withdrawn).
pub async fn forget_child(tx: &mut Tx, child: i64) -> Result<u64, sqlx::Error> {
    let mut n = 0;
    for sql in [
        "delete from class_attendance where enrolment_id in (select id from class_enrolments where child_id = $1)",
        "delete from class_outcomes where enrolment_id in (select id from class_enrolments where child_id = $1)",
        "delete from class_enrolments where child_id = $1",
    ] {
        n += on_tx!(tx, |x| sqlx::query(sql)
            .bind(child)
            .execute(&mut **x)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(n)
}

pub async fn set_attendance(
    tx: &mut Tx,
    session: i64,
    enrolment: i64,
    present: bool,
    by: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into class_attendance (session_id, enrolment_id, present, recorded_by, recorded_at) values ($1, $2, $3, $4, $5) \
         on conflict (session_id, enrolment_id) do update set present = excluded.present, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at"
    )
    .bind(session)
    .bind(enrolment)
    .bind(i64::from(present))
    .bind(by)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })
}

/// An enrolment's attendance: (sessions recorded, sessions present).
pub async fn attendance_of(tx: &mut Tx, enrolment: i64) -> Result<(i64, i64), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select count(*), coalesce(cast(sum(present) as bigint), 0) from class_attendance where enrolment_id = $1"
    )
    .bind(enrolment)
    .fetch_one(&mut **x)
    .await
    })
}

/// A community's attendance: (recorded, present).
pub async fn attendance_in(tx: &mut Tx, community: i64) -> Result<(i64, i64), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select count(*), coalesce(cast(sum(a.present) as bigint), 0) from class_attendance a \
         join class_sessions s on s.id = a.session_id where s.community_id = $1"
    )
    .bind(community)
    .fetch_one(&mut **x)
    .await)
}

pub async fn set_outcome(
    tx: &mut Tx,
    enrolment: i64,
    (measure, phase): (&str, &str),
    sealed: &str,
    by: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into class_outcomes (enrolment_id, measure, phase, value_enc, recorded_by, recorded_at) values ($1, $2, $3, $4, $5, $6) \
         on conflict (enrolment_id, measure, phase) do update set value_enc = excluded.value_enc, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at"
    )
    .bind(enrolment)
    .bind(measure)
    .bind(phase)
    .bind(sealed)
    .bind(by)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })
}

/// Outcomes: (enrolment, measure, phase, sealed value) of one enrolment or of a community.
pub async fn outcomes_of(
    tx: &mut Tx,
    enrolment: i64,
) -> Result<Vec<(i64, String, String, String)>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select enrolment_id, measure, phase, value_enc from class_outcomes where enrolment_id = $1 order by measure, phase"
    )
    .bind(enrolment)
    .fetch_all(&mut **x)
    .await
    })
}

pub async fn outcomes_in(
    tx: &mut Tx,
    community: i64,
) -> Result<Vec<(i64, String, String, String)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select o.enrolment_id, o.measure, o.phase, o.value_enc from class_outcomes o \
         join class_enrolments e on e.id = o.enrolment_id where e.community_id = $1"
    )
    .bind(community)
    .fetch_all(&mut **x)
    .await)
}

/// The demo's children joined at the start of term (`at`), before its past sessions.
pub async fn backdate_enrolments(
    st: &crate::state::AppState,
    community: i64,
    at: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = st.db.begin().await?;
    on_tx!(tx, |x| sqlx::query(
        "update class_enrolments set created_at = $2 where community_id = $1"
    )
    .bind(community)
    .bind(at)
    .execute(&mut **x)
    .await
    .map(|_| ()))?;
    tx.commit().await
}
