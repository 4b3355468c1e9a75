//! Every SQL statement of partners and campaigns.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartnerRow {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub kind: String,
    pub offers: String,
    pub note: String,
    pub created_at: i64,
}

const PARTNER_COLS: &str = "id, community_id, name, kind, offers, note, created_at";

pub async fn insert_partner(tx: &mut Tx, p: &PartnerRow, by: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into partners (community_id, name, kind, offers, note, created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id"
    )
    .bind(p.community_id)
    .bind(&p.name)
    .bind(&p.kind)
    .bind(&p.offers)
    .bind(&p.note)
    .bind(by)
    .bind(p.created_at)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn partner(tx: &mut Tx, id: i64) -> Result<Option<PartnerRow>, sqlx::Error> {
    let sql = format!("select {PARTNER_COLS} from partners where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn partners_in(tx: &mut Tx, community: i64) -> Result<Vec<PartnerRow>, sqlx::Error> {
    let sql = format!("select {PARTNER_COLS} from partners where community_id = $1 order by id");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .fetch_all(&mut **x)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgreementRow {
    pub id: i64,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub document_id: i64,
    pub ledger_index: i64,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_agreement(
    tx: &mut Tx,
    partner: i64,
    title: &str,
    starts_on: &str,
    ends_on: &str,
    doc: (i64, i64),
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into partner_agreements (partner_id, title, starts_on, ends_on, document_id, ledger_index, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id"
    )
    .bind(partner)
    .bind(title)
    .bind(starts_on)
    .bind(ends_on)
    .bind(doc.0)
    .bind(doc.1)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn agreements(tx: &mut Tx, partner: i64) -> Result<Vec<AgreementRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select id, title, starts_on, ends_on, document_id, ledger_index from partner_agreements where partner_id = $1 order by id"
    )
    .bind(partner)
    .fetch_all(&mut **x)
    .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContributionRow {
    pub id: i64,
    pub kind: String,
    pub description: String,
    pub amount_fen: Option<i64>,
    pub campaign_id: Option<i64>,
    pub movement_id: Option<i64>,
    pub created_at: i64,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_contribution(
    tx: &mut Tx,
    partner: i64,
    kind: &str,
    description: &str,
    amount_fen: Option<i64>,
    campaign: Option<i64>,
    movement: Option<i64>,
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into partner_contributions (partner_id, kind, description, amount_fen, campaign_id, movement_id, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id"
    )
    .bind(partner)
    .bind(kind)
    .bind(description)
    .bind(amount_fen)
    .bind(campaign)
    .bind(movement)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn contributions(tx: &mut Tx, partner: i64) -> Result<Vec<ContributionRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select id, kind, description, amount_fen, campaign_id, movement_id, created_at from partner_contributions \
         where partner_id = $1 order by id desc limit 200"
    )
    .bind(partner)
    .fetch_all(&mut **x)
    .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CampaignRow {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub purpose: String,
    pub target_fen: i64,
    pub foundation: String,
    pub created_at: i64,
}

const CAMPAIGN_COLS: &str = "id, community_id, title, purpose, target_fen, foundation, created_at";

pub async fn insert_campaign(tx: &mut Tx, c: &CampaignRow, by: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into campaigns (community_id, title, purpose, target_fen, foundation, created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id"
    )
    .bind(c.community_id)
    .bind(&c.title)
    .bind(&c.purpose)
    .bind(c.target_fen)
    .bind(&c.foundation)
    .bind(by)
    .bind(c.created_at)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn campaign(tx: &mut Tx, id: i64) -> Result<Option<CampaignRow>, sqlx::Error> {
    let sql = format!("select {CAMPAIGN_COLS} from campaigns where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn campaigns_in(tx: &mut Tx, community: i64) -> Result<Vec<CampaignRow>, sqlx::Error> {
    let sql =
        format!("select {CAMPAIGN_COLS} from campaigns where community_id = $1 order by id desc");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .fetch_all(&mut **x)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BeneficiaryRow {
    pub id: i64,
    pub masked_name: String,
    pub need: String,
    /// Help given to them so far.
    pub helped_fen: i64,
}

/// Registers a beneficiary (false: already registered).
pub async fn insert_beneficiary(
    tx: &mut Tx,
    campaign: i64,
    resident: i64,
    masked: &str,
    need: &str,
    by: i64,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into campaign_beneficiaries (campaign_id, resident_id, masked_name, need, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6) on conflict do nothing returning id"
    )
    .bind(campaign)
    .bind(resident)
    .bind(masked)
    .bind(need)
    .bind(by)
    .bind(now)
    .fetch_optional(&mut **x)
    .await
    })
}

pub async fn beneficiaries(tx: &mut Tx, campaign: i64) -> Result<Vec<BeneficiaryRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select b.id, b.masked_name, b.need, cast(coalesce((select sum(m.amount_fen) from campaign_movements m \
         where m.beneficiary_id = b.id and m.direction = 'out'), 0) as bigint) as helped_fen \
         from campaign_beneficiaries b where b.campaign_id = $1 order by b.id"
    )
    .bind(campaign)
    .fetch_all(&mut **x)
    .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CampaignMovementRow {
    pub movement_id: i64,
    pub direction: String,
    pub amount_fen: i64,
    pub donor: Option<String>,
    pub beneficiary_id: Option<i64>,
    pub ledger_index: i64,
    pub created_at: i64,
}

#[allow(clippy::too_many_arguments)]
pub async fn link_movement(
    tx: &mut Tx,
    campaign: i64,
    movement: i64,
    direction: &str,
    amount_fen: i64,
    donor: Option<&str>,
    beneficiary: Option<i64>,
    ledger_index: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into campaign_movements (campaign_id, movement_id, direction, amount_fen, donor, beneficiary_id, ledger_index, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(campaign)
    .bind(movement)
    .bind(direction)
    .bind(amount_fen)
    .bind(donor)
    .bind(beneficiary)
    .bind(ledger_index)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })
}

pub async fn movements(
    tx: &mut Tx,
    campaign: i64,
) -> Result<Vec<CampaignMovementRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select movement_id, direction, amount_fen, donor, beneficiary_id, ledger_index, created_at from campaign_movements \
         where campaign_id = $1 order by id"
    )
    .bind(campaign)
    .fetch_all(&mut **x)
    .await
    })
}
