//! Every SQL statement of 微更新: projects with their photos, co-design posts and picks,
//! rounds with their items and pseudonymous ballots, pledges, the links from fund
//! movements to projects, milestones, adoptions and the rows of the space's use.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectRow {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub description: String,
    pub lng: f64,
    pub lat: f64,
    pub place: String,
    pub proposer_resident_id: Option<i64>,
    pub on_behalf: i64,
    pub stage: String,
    pub option_post_id: Option<i64>,
    pub workshop_meeting_id: Option<i64>,
    pub cost_fen: Option<i64>,
    pub review_note: Option<String>,
    pub refused_reason: Option<String>,
    pub round_id: Option<i64>,
    pub subsidy_fen: Option<i64>,
    pub share_fen: Option<i64>,
    pub crowd_max_fen: Option<i64>,
    pub crowd_closed: i64,
    pub works_started_on: Option<String>,
    pub accepted_on: Option<String>,
    pub account_document_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const PROJECT_COLS: &str = "id, community_id, title, description, lng, lat, place, proposer_resident_id, on_behalf, stage, option_post_id, workshop_meeting_id, cost_fen, review_note, refused_reason, round_id, subsidy_fen, share_fen, crowd_max_fen, crowd_closed, works_started_on, accepted_on, account_document_id, created_at, updated_at";

pub struct NewProject<'a> {
    pub community_id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub lng: f64,
    pub lat: f64,
    pub place: &'a str,
    pub proposer: Option<i64>,
    pub by: i64,
    pub on_behalf: bool,
    pub now: i64,
}

pub async fn insert_project(tx: &mut Tx, p: &NewProject<'_>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into renewal_projects (community_id, title, description, lng, lat, place, proposer_resident_id, proposed_by, on_behalf, stage, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'idea', $10, $10) returning id"
    )
    .bind(p.community_id)
    .bind(p.title)
    .bind(p.description)
    .bind(p.lng)
    .bind(p.lat)
    .bind(p.place)
    .bind(p.proposer)
    .bind(p.by)
    .bind(i64::from(p.on_behalf))
    .bind(p.now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn project(tx: &mut Tx, id: i64) -> Result<Option<ProjectRow>, sqlx::Error> {
    let sql = format!("select {PROJECT_COLS} from renewal_projects where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn projects(tx: &mut Tx, community: i64) -> Result<Vec<ProjectRow>, sqlx::Error> {
    let sql = format!(
        "select {PROJECT_COLS} from renewal_projects where community_id = $1 order by id desc"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .fetch_all(&mut **x)
        .await)
}

pub async fn projects_of_round(tx: &mut Tx, round: i64) -> Result<Vec<ProjectRow>, sqlx::Error> {
    let sql = format!("select {PROJECT_COLS} from renewal_projects where round_id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(round)
        .fetch_all(&mut **x)
        .await)
}

/// Moves a project from `from` to `to` (false: it was not at `from`, someone moved it).
pub async fn move_stage(
    tx: &mut Tx,
    id: i64,
    from: &str,
    to: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| sqlx::query(
        "update renewal_projects set stage = $3, updated_at = $4 where id = $1 and stage = $2"
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Sets one optional column of a project (the name is the caller's constant).
pub async fn set_i64(
    tx: &mut Tx,
    id: i64,
    column: &'static str,
    v: Option<i64>,
) -> Result<(), sqlx::Error> {
    let sql = format!("update renewal_projects set {column} = $2 where id = $1");
    on_tx!(tx, |x| sqlx::query(&sql)
        .bind(id)
        .bind(v)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

/// Sets one optional text column of a project (the name is the caller's constant).
pub async fn set_text(
    tx: &mut Tx,
    id: i64,
    column: &'static str,
    v: Option<&str>,
) -> Result<(), sqlx::Error> {
    let sql = format!("update renewal_projects set {column} = $2 where id = $1");
    on_tx!(tx, |x| sqlx::query(&sql)
        .bind(id)
        .bind(v)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

pub async fn insert_photo(
    tx: &mut Tx,
    project: i64,
    mime: &str,
    sha: &str,
    bytes: &[u8],
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into renewal_photos (project_id, mime, sha256, bytes, created_by, created_at) values ($1, $2, $3, $4, $5, $6) returning id"
    )
    .bind(project)
    .bind(mime)
    .bind(sha)
    .bind(bytes)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

/// (project, mime, bytes) of a photo.
pub async fn photo(tx: &mut Tx, id: i64) -> Result<Option<(i64, String, Vec<u8>)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select project_id, mime, bytes from renewal_photos where id = $1"
    )
    .bind(id)
    .fetch_optional(&mut **x)
    .await)
}

/// The photos of the idea itself: those no post or milestone carries.
pub async fn idea_photos(tx: &mut Tx, project: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(
        "select p.id from renewal_photos p where p.project_id = $1 \
         and not exists (select 1 from renewal_posts o where o.photo_id = p.id) \
         and not exists (select 1 from renewal_milestones m where m.photo_id = p.id) order by p.id"
    )
    .bind(project)
    .fetch_all(&mut **x)
    .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostRow {
    pub id: i64,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub author_resident: Option<i64>,
    pub body: String,
    pub photo_id: Option<i64>,
    pub created_at: i64,
    pub picks: i64,
}

pub struct NewPost<'a> {
    pub project: i64,
    pub kind: &'a str,
    pub parent: Option<i64>,
    pub user: i64,
    pub resident: Option<i64>,
    pub body: &'a str,
    pub photo: Option<i64>,
    pub now: i64,
}

pub async fn insert_post(tx: &mut Tx, p: &NewPost<'_>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into renewal_posts (project_id, kind, parent_id, author_user, author_resident, body, photo_id, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id"
    )
    .bind(p.project)
    .bind(p.kind)
    .bind(p.parent)
    .bind(p.user)
    .bind(p.resident)
    .bind(p.body)
    .bind(p.photo)
    .bind(p.now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn posts(tx: &mut Tx, project: i64) -> Result<Vec<PostRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select o.id, o.kind, o.parent_id, o.author_resident, o.body, o.photo_id, o.created_at, \
         (select count(*) from renewal_picks k where k.post_id = o.id) as picks \
         from renewal_posts o where o.project_id = $1 order by o.id"
    )
    .bind(project)
    .fetch_all(&mut **x)
    .await)
}

/// A resident's pick among the design options (replaces an earlier one).
pub async fn pick(
    tx: &mut Tx,
    project: i64,
    resident: i64,
    post: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into renewal_picks (project_id, resident_id, post_id, at) values ($1, $2, $3, $4) \
         on conflict (project_id, resident_id) do update set post_id = excluded.post_id, at = excluded.at"
    )
    .bind(project)
    .bind(resident)
    .bind(post)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })
}

pub async fn my_pick(tx: &mut Tx, project: i64, resident: i64) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(
        "select post_id from renewal_picks where project_id = $1 and resident_id = $2"
    )
    .bind(project)
    .bind(resident)
    .fetch_optional(&mut **x)
    .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoundRow {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub budget_fen: i64,
    pub rule: String,
    pub vote_opens: i64,
    pub vote_closes: i64,
    pub closed_at: Option<i64>,
    pub result: Option<String>,
    pub document_id: Option<i64>,
    pub imported: i64,
}

const ROUND_COLS: &str = "id, community_id, title, budget_fen, rule, vote_opens, vote_closes, closed_at, result, document_id, imported";

pub async fn insert_round(
    tx: &mut Tx,
    r: &RoundRow,
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into renewal_rounds (community_id, title, budget_fen, rule, vote_opens, vote_closes, imported, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id"
    )
    .bind(r.community_id)
    .bind(&r.title)
    .bind(r.budget_fen)
    .bind(&r.rule)
    .bind(r.vote_opens)
    .bind(r.vote_closes)
    .bind(r.imported)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn round(tx: &mut Tx, id: i64) -> Result<Option<RoundRow>, sqlx::Error> {
    let sql = format!("select {ROUND_COLS} from renewal_rounds where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn rounds(tx: &mut Tx, community: i64) -> Result<Vec<RoundRow>, sqlx::Error> {
    let sql =
        format!("select {ROUND_COLS} from renewal_rounds where community_id = $1 order by id desc");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .fetch_all(&mut **x)
        .await)
}

/// Closes a round with its result (false: it was closed already).
pub async fn close_round(
    tx: &mut Tx,
    id: i64,
    result: &str,
    document: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "update renewal_rounds set closed_at = $2, result = $3, document_id = $4 where id = $1 and closed_at is null"
    )
    .bind(id)
    .bind(now)
    .bind(result)
    .bind(document)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub item_key: String,
    pub project_id: Option<i64>,
    pub name: String,
    pub cost_fen: i64,
}

pub async fn insert_item(tx: &mut Tx, round: i64, i: &ItemRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into renewal_round_items (round_id, item_key, project_id, name, cost_fen) values ($1, $2, $3, $4, $5)"
    )
    .bind(round)
    .bind(&i.item_key)
    .bind(i.project_id)
    .bind(&i.name)
    .bind(i.cost_fen)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })
}

pub async fn items(tx: &mut Tx, round: i64) -> Result<Vec<ItemRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select item_key, project_id, name, cost_fen from renewal_round_items where round_id = $1 order by id"
    )
    .bind(round)
    .fetch_all(&mut **x)
    .await
    })
}

/// Records a ballot (false: this voter has one already).
pub async fn insert_ballot(
    tx: &mut Tx,
    round: i64,
    voter: &str,
    items: &str,
    channel: &str,
    by: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "insert into renewal_ballots (round_id, voter, items, channel, entered_by, created_at) values ($1, $2, $3, $4, $5, $6) \
         on conflict (round_id, voter) do nothing"
    )
    .bind(round)
    .bind(voter)
    .bind(items)
    .bind(channel)
    .bind(by)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// (voter, items) of every ballot of a round, in the order they were cast.
pub async fn ballots(tx: &mut Tx, round: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select voter, items from renewal_ballots where round_id = $1 order by id"
    )
    .bind(round)
    .fetch_all(&mut **x)
    .await)
}

pub async fn ballot_count(tx: &mut Tx, round: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(
        "select count(*) from renewal_ballots where round_id = $1"
    )
    .bind(round)
    .fetch_one(&mut **x)
    .await)
}

pub async fn ballot_of(
    tx: &mut Tx,
    round: i64,
    voter: &str,
) -> Result<Option<String>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(
        "select items from renewal_ballots where round_id = $1 and voter = $2"
    )
    .bind(round)
    .bind(voter)
    .fetch_optional(&mut **x)
    .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PledgeRow {
    pub id: i64,
    pub kind: String,
    pub pledger: String,
    pub amount_fen: i64,
    pub status: String,
    pub movement_id: Option<i64>,
    pub created_at: i64,
}

pub struct NewPledge<'a> {
    pub project: i64,
    pub kind: &'a str,
    pub resident: Option<i64>,
    pub pledger: &'a str,
    pub amount_fen: i64,
    pub by: i64,
    pub now: i64,
}

pub async fn insert_pledge(tx: &mut Tx, p: &NewPledge<'_>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into renewal_pledges (project_id, kind, resident_id, pledger, amount_fen, status, created_by, created_at) \
         values ($1, $2, $3, $4, $5, 'pledged', $6, $7) returning id"
    )
    .bind(p.project)
    .bind(p.kind)
    .bind(p.resident)
    .bind(p.pledger)
    .bind(p.amount_fen)
    .bind(p.by)
    .bind(p.now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn pledges(tx: &mut Tx, project: i64) -> Result<Vec<PledgeRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select id, kind, pledger, amount_fen, status, movement_id, created_at from renewal_pledges where project_id = $1 order by id"
    )
    .bind(project)
    .fetch_all(&mut **x)
    .await
    })
}

pub async fn pledge_collected(tx: &mut Tx, id: i64, movement: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "update renewal_pledges set status = 'collected', movement_id = $2 where id = $1"
    )
    .bind(id)
    .bind(movement)
    .execute(&mut **x)
    .await
    .map(|_| ()))
}

pub async fn link_movement(
    tx: &mut Tx,
    project: i64,
    movement: i64,
    part: &str,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "insert into renewal_movements (movement_id, project_id, part) values ($1, $2, $3)"
    )
    .bind(movement)
    .bind(project)
    .bind(part)
    .execute(&mut **x)
    .await
    .map(|_| ()))
}

/// (movement id, part) of a project's movements, in the order they were recorded.
pub async fn movements(tx: &mut Tx, project: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select movement_id, part from renewal_movements where project_id = $1 order by movement_id"
    )
    .bind(project)
    .fetch_all(&mut **x)
    .await)
}

/// (part, sum in fen) of a project's movements, read from the books themselves.
pub async fn sums(tx: &mut Tx, project: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select l.part, cast(coalesce(sum(m.amount_fen), 0) as bigint) from renewal_movements l join fund_movements m on m.id = l.movement_id \
         where l.project_id = $1 group by l.part"
    )
    .bind(project)
    .fetch_all(&mut **x)
    .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MilestoneRow {
    pub id: i64,
    pub title: String,
    pub percent: i64,
    pub note: String,
    pub photo_id: Option<i64>,
    pub created_at: i64,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_milestone(
    tx: &mut Tx,
    project: i64,
    title: &str,
    percent: i64,
    note: &str,
    photo: Option<i64>,
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into renewal_milestones (project_id, title, percent, note, photo_id, created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id"
    )
    .bind(project)
    .bind(title)
    .bind(percent)
    .bind(note)
    .bind(photo)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn milestones(tx: &mut Tx, project: i64) -> Result<Vec<MilestoneRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select id, title, percent, note, photo_id, created_at from renewal_milestones where project_id = $1 order by id"
    )
    .bind(project)
    .fetch_all(&mut **x)
    .await
    })
}

/// Adds an adoption (false: this resident has that weekday already).
pub async fn adopt(
    tx: &mut Tx,
    project: i64,
    resident: i64,
    weekday: i64,
    since: &str,
) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "insert into renewal_adoptions (project_id, resident_id, weekday, since) values ($1, $2, $3, $4) \
         on conflict (project_id, resident_id, weekday) do nothing"
    )
    .bind(project)
    .bind(resident)
    .bind(weekday)
    .bind(since)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// (resident, weekday, since) of a project's adopters.
pub async fn adoptions(tx: &mut Tx, project: i64) -> Result<Vec<(i64, i64, String)>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select resident_id, weekday, since from renewal_adoptions where project_id = $1 order by weekday, id"
    )
    .bind(project)
    .fetch_all(&mut **x)
    .await
    })
}

pub async fn insert_use(
    tx: &mut Tx,
    project: i64,
    kind: &str,
    resident: Option<i64>,
    day: &str,
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into renewal_uses (project_id, kind, resident_id, day, created_by, created_at) values ($1, $2, $3, $4, $5, $6) returning id"
    )
    .bind(project)
    .bind(kind)
    .bind(resident)
    .bind(day)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

/// Rows of use with `from <= day < to`.
pub async fn uses_between(
    tx: &mut Tx,
    project: i64,
    from: &str,
    to: &str,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(
        "select count(*) from renewal_uses where project_id = $1 and day >= $2 and day < $3"
    )
    .bind(project)
    .bind(from)
    .bind(to)
    .fetch_one(&mut **x)
    .await)
}

/// Whether a resident has a row of use on that day of that kind.
pub async fn used_on(
    tx: &mut Tx,
    project: i64,
    resident: i64,
    kind: &str,
    day: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = on_tx!(tx, |x| {
        sqlx::query_scalar(
        "select count(*) from renewal_uses where project_id = $1 and resident_id = $2 and kind = $3 and day = $4"
    )
    .bind(project)
    .bind(resident)
    .bind(kind)
    .bind(day)
    .fetch_one(&mut **x)
    .await
    })?;
    Ok(n > 0)
}
