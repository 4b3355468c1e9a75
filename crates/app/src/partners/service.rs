//! 社区合伙人 and 五社联动: who may do what. Staff of a community keep its partners, their
//! agreements (published on the ledger) and contributions, and its charity campaigns. Every
//! yuan of a campaign moves through the community's charity book (funds, so every movement
//! is on the ledger): a donation in, help to a beneficiary out, never more than the
//! campaign itself received. Anyone signed in from the community reads partners and
//! campaigns; beneficiaries are shown masked, and coverage (beneficiaries helped /
//! registered) is counted from rows.

use gongzhi_core::ledger::{Book, Category, Direction, DocKind};
use serde::{Deserialize, Serialize};

use super::store::{self, CampaignRow, PartnerRow};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::funds::service::{self as funds, MovementIn};
use crate::state::AppState;

pub const KINDS: [&str; 4] = ["company", "social_org", "shop", "foundation"];
pub const OFFERS: [&str; 4] = ["space", "books", "money", "services"];

fn invalid(code: &'static str, field: &'static str) -> AppError {
    AppError::Invalid {
        code,
        field: Some(field),
    }
}

fn text(s: &str, max: usize, field: &'static str) -> AppResult<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(invalid("PARTNER_TEXT_INVALID", field));
    }
    Ok(t.to_string())
}

fn today(st: &AppState) -> String {
    crate::clock::iso(st.now_ms())
        .get(..10)
        .unwrap_or_default()
        .to_string()
}

/// The community the caller works in or lives in (staff: theirs, or `wanted` for street
/// staff).
async fn community(st: &AppState, u: &CurrentUser, wanted: Option<i64>) -> AppResult<i64> {
    crate::participation::service::community_of(st, u, wanted).await
}

fn must_manage(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<()> {
    if crate::participation::service::manages(st, u, c) {
        Ok(())
    } else {
        Err(AppError::Forbidden("ROLE_FORBIDDEN"))
    }
}

/// Whether `u` reads community `c`'s partners and campaigns: its residents, and staff whose
/// area holds it (handling units and mediators have no part in them).
async fn reads(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<bool> {
    use gongzhi_core::identity::Role;
    Ok(match u.role {
        Role::UnitStaff | Role::Mediator => false,
        Role::Resident => community(st, u, None).await.ok() == Some(c),
        _ => st.org_map().unit_in_scope(c, u.scope) || community(st, u, None).await.ok() == Some(c),
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewPartner {
    pub name: String,
    /// `company`, `social_org`, `shop` or `foundation`.
    pub kind: String,
    /// What they offer: `space`, `books`, `money`, `services`.
    pub offers: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgreementView {
    pub id: i64,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub document_id: i64,
    pub ledger_index: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContributionView {
    pub id: i64,
    pub kind: String,
    pub description: String,
    pub amount_fen: Option<i64>,
    pub campaign_id: Option<i64>,
    /// Money to a campaign: its movement in the charity book.
    pub movement_id: Option<i64>,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerView {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub offers: Vec<String>,
    pub note: String,
    pub agreements: Vec<AgreementView>,
    pub contributions: Vec<ContributionView>,
    /// Money given, in fen.
    pub money_fen: i64,
}

async fn partner_view(tx: &mut crate::db::Tx, p: PartnerRow) -> AppResult<PartnerView> {
    let agreements = store::agreements(tx, p.id)
        .await?
        .into_iter()
        .map(|a| AgreementView {
            id: a.id,
            title: a.title,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            document_id: a.document_id,
            ledger_index: a.ledger_index,
        })
        .collect();
    let contributions: Vec<ContributionView> = store::contributions(tx, p.id)
        .await?
        .into_iter()
        .map(|c| ContributionView {
            id: c.id,
            kind: c.kind,
            description: c.description,
            amount_fen: c.amount_fen,
            campaign_id: c.campaign_id,
            movement_id: c.movement_id,
            at_ms: c.created_at,
        })
        .collect();
    Ok(PartnerView {
        id: p.id,
        name: p.name,
        kind: p.kind,
        offers: p
            .offers
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        note: p.note,
        money_fen: contributions.iter().filter_map(|c| c.amount_fen).sum(),
        agreements,
        contributions,
    })
}

/// Staff register a partner.
pub async fn add_partner(st: &AppState, u: &CurrentUser, r: &NewPartner) -> AppResult<i64> {
    let c = community(st, u, None).await?;
    must_manage(st, u, c)?;
    let name = text(&r.name, 60, "name")?;
    if !KINDS.contains(&r.kind.as_str()) {
        return Err(invalid("PARTNER_KIND_INVALID", "kind"));
    }
    let mut offers: Vec<&str> = vec![];
    for o in &r.offers {
        let o = OFFERS
            .iter()
            .find(|x| **x == o.as_str())
            .ok_or(invalid("PARTNER_OFFER_INVALID", "offers"))?;
        if !offers.contains(o) {
            offers.push(o);
        }
    }
    let note = r.note.as_deref().unwrap_or("").trim().to_string();
    if note.chars().count() > 500 {
        return Err(invalid("NOTE_INVALID", "note"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_partner(
        &mut tx,
        &PartnerRow {
            id: 0,
            community_id: c,
            name,
            kind: r.kind.clone(),
            offers: offers.join(","),
            note,
            created_at: now,
        },
        u.id,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("partner.create", "partner", id),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn load_partner(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<PartnerRow> {
    let mut tx = st.db.read().await?;
    let p = store::partner(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    if !reads(st, u, p.community_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

/// A partner with its agreements and contributions.
pub async fn partner(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<PartnerView> {
    let p = load_partner(st, u, id).await?;
    let mut tx = st.db.read().await?;
    partner_view(&mut tx, p).await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Overview {
    pub community_id: i64,
    pub partners: Vec<PartnerView>,
    pub campaigns: Vec<CampaignView>,
    pub manages: bool,
}

/// The community's partners and campaigns.
pub async fn overview(st: &AppState, u: &CurrentUser, wanted: Option<i64>) -> AppResult<Overview> {
    let c = community(st, u, wanted).await?;
    let mut tx = st.db.read().await?;
    let mut partners = vec![];
    for p in store::partners_in(&mut tx, c).await? {
        partners.push(partner_view(&mut tx, p).await?);
    }
    let rows = store::campaigns_in(&mut tx, c).await?;
    drop(tx);
    let mut campaigns = vec![];
    for r in rows {
        campaigns.push(campaign_view(st, r).await?);
    }
    Ok(Overview {
        community_id: c,
        partners,
        campaigns,
        manages: crate::participation::service::manages(st, u, c),
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewAgreement {
    pub title: String,
    /// `YYYY-MM-DD`.
    pub starts_on: String,
    pub ends_on: String,
    /// What each side gives and for how long: published (公示) with its hash on the ledger.
    pub terms: String,
}

/// Staff record an agreement with a partner; its text is published on the ledger.
pub async fn add_agreement(
    st: &AppState,
    u: &CurrentUser,
    partner: i64,
    r: &NewAgreement,
) -> AppResult<(i64, u64)> {
    let p = load_partner(st, u, partner).await?;
    must_manage(st, u, p.community_id)?;
    let title = text(&r.title, 120, "title")?;
    let starts = gongzhi_core::ledger::check_date(&r.starts_on)
        .map_err(|_| invalid("DATE_INVALID", "starts_on"))?;
    let ends = gongzhi_core::ledger::check_date(&r.ends_on)
        .map_err(|_| invalid("DATE_INVALID", "ends_on"))?;
    if ends < starts {
        return Err(invalid("DATE_INVALID", "ends_on"));
    }
    let terms = text(&r.terms, 5_000, "terms")?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let body = format!(
        "合作协议：{title}\n合作方：{}\n期限：{starts} 至 {ends}\n\n{terms}\n",
        p.name
    );
    let (doc, index) = funds::publish_text_in(
        st,
        &mut tx,
        p.community_id,
        DocKind::Contract,
        &format!("社区合伙人协议：{}", p.name),
        &body,
        Some(u.id),
        now,
    )
    .await?;
    let id = store::insert_agreement(
        &mut tx,
        p.id,
        &title,
        &starts,
        &ends,
        (doc, index as i64),
        u.id,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("partner.agreement", "partner", p.id)
            .with(serde_json::json!({"agreement": id, "ledger": index})),
    )
    .await?;
    tx.commit().await?;
    Ok((id, index))
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewContribution {
    /// `space`, `books`, `money` or `services`.
    pub kind: String,
    pub description: String,
    /// Money only, in fen.
    pub amount_fen: Option<i64>,
    /// Money to a campaign: it goes into the campaign's public book.
    pub campaign: Option<i64>,
}

/// Staff record a partner's contribution; money to a campaign is a donation in the
/// community's charity book, on the ledger.
pub async fn contribute(
    st: &AppState,
    u: &CurrentUser,
    partner: i64,
    r: &NewContribution,
) -> AppResult<i64> {
    let p = load_partner(st, u, partner).await?;
    must_manage(st, u, p.community_id)?;
    if !OFFERS.contains(&r.kind.as_str()) {
        return Err(invalid("PARTNER_OFFER_INVALID", "kind"));
    }
    let description = text(&r.description, 200, "description")?;
    let money = r.kind == "money";
    match (money, r.amount_fen) {
        (true, Some(a)) if a > 0 => {}
        (true, _) => return Err(invalid("AMOUNT_INVALID", "amount_fen")),
        (false, Some(_)) => return Err(invalid("AMOUNT_INVALID", "amount_fen")),
        (false, None) => {}
    }
    if r.campaign.is_some() && !money {
        return Err(invalid("CAMPAIGN_MONEY_ONLY", "campaign"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let movement = match r.campaign {
        Some(cid) => {
            let c = store::campaign(&mut tx, cid)
                .await?
                .filter(|c| c.community_id == p.community_id)
                .ok_or(invalid("CAMPAIGN_UNKNOWN", "campaign"))?;
            Some(donate_in(st, &mut tx, u, &c, &p.name, r.amount_fen.unwrap_or(0), now).await?)
        }
        None => None,
    };
    let id = store::insert_contribution(
        &mut tx,
        p.id,
        &r.kind,
        &description,
        r.amount_fen,
        r.campaign,
        movement,
        u.id,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("partner.contribution", "partner", p.id).with(serde_json::json!({
            "contribution": id, "kind": r.kind, "amount_fen": r.amount_fen, "campaign": r.campaign,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A movement of campaign `c` in the community's charity book, approved under the campaign
/// and its foundation: (movement id, ledger index).
#[allow(clippy::too_many_arguments)]
async fn charity_movement(
    st: &AppState,
    tx: &mut crate::db::Tx,
    u: &CurrentUser,
    c: &CampaignRow,
    (direction, category, amount_fen): (Direction, Category, i64),
    purpose: &str,
    counterparty: &str,
    now: i64,
) -> AppResult<(i64, u64)> {
    funds::record_in(
        st,
        tx,
        c.community_id,
        &MovementIn {
            book: Book::Charity,
            direction,
            category,
            amount_fen,
            purpose,
            counterparty,
            approval: &format!("{}（{}）", c.foundation, c.title),
            occurred_on: &today(st),
            receipt_id: None,
        },
        Some(u.id),
        now,
    )
    .await
}

/// A donation into a campaign: a movement in the charity book (on the ledger), linked.
async fn donate_in(
    st: &AppState,
    tx: &mut crate::db::Tx,
    u: &CurrentUser,
    c: &CampaignRow,
    donor: &str,
    amount_fen: i64,
    now: i64,
) -> AppResult<i64> {
    let (movement, index) = charity_movement(
        st,
        tx,
        u,
        c,
        (Direction::In, Category::Donation, amount_fen),
        &format!("五社联动募捐：{}", c.title),
        donor,
        now,
    )
    .await?;
    store::link_movement(
        tx,
        c.id,
        movement,
        "in",
        amount_fen,
        Some(donor),
        None,
        index as i64,
        now,
    )
    .await?;
    Ok(movement)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewCampaign {
    pub title: String,
    pub purpose: String,
    pub target_fen: i64,
    /// The foundation that holds the money.
    pub foundation: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BeneficiaryView {
    pub id: i64,
    /// Masked (`张*`).
    pub name: String,
    pub need: String,
    pub helped_fen: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignMovementView {
    /// `in` (a donation) or `out` (help given).
    pub direction: String,
    pub amount_fen: i64,
    /// Who gave (a partner's name, or a masked name).
    pub donor: Option<String>,
    /// Who was helped, masked.
    pub beneficiary: Option<String>,
    pub movement_id: i64,
    pub ledger_index: i64,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignView {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub purpose: String,
    pub foundation: String,
    pub target_fen: i64,
    pub raised_fen: i64,
    pub given_fen: i64,
    pub balance_fen: i64,
    /// Raised as a share of the target, 0–100+.
    pub raised_pct: i64,
    pub beneficiaries: Vec<BeneficiaryView>,
    /// Beneficiaries helped at least once.
    pub helped: i64,
    /// Helped / registered, per cent (None while none is registered).
    pub coverage_pct: Option<i64>,
    /// The campaign's public book: every movement with its ledger entry.
    pub book: Vec<CampaignMovementView>,
}

async fn campaign_view(st: &AppState, c: CampaignRow) -> AppResult<CampaignView> {
    let mut tx = st.db.read().await?;
    let bens = store::beneficiaries(&mut tx, c.id).await?;
    let moves = store::movements(&mut tx, c.id).await?;
    drop(tx);
    let raised: i64 = moves
        .iter()
        .filter(|m| m.direction == "in")
        .map(|m| m.amount_fen)
        .sum();
    let given: i64 = moves
        .iter()
        .filter(|m| m.direction == "out")
        .map(|m| m.amount_fen)
        .sum();
    let helped = bens.iter().filter(|b| b.helped_fen > 0).count() as i64;
    let book = moves
        .iter()
        .map(|m| CampaignMovementView {
            direction: m.direction.clone(),
            amount_fen: m.amount_fen,
            donor: m.donor.clone(),
            beneficiary: m
                .beneficiary_id
                .and_then(|b| bens.iter().find(|x| x.id == b))
                .map(|b| b.masked_name.clone()),
            movement_id: m.movement_id,
            ledger_index: m.ledger_index,
            at_ms: m.created_at,
        })
        .collect();
    Ok(CampaignView {
        id: c.id,
        community_id: c.community_id,
        title: c.title,
        purpose: c.purpose,
        foundation: c.foundation,
        target_fen: c.target_fen,
        raised_fen: raised,
        given_fen: given,
        balance_fen: raised - given,
        raised_pct: if c.target_fen > 0 {
            raised * 100 / c.target_fen
        } else {
            0
        },
        coverage_pct: (!bens.is_empty()).then(|| helped * 100 / bens.len() as i64),
        helped,
        beneficiaries: bens
            .into_iter()
            .map(|b| BeneficiaryView {
                id: b.id,
                name: b.masked_name,
                need: b.need,
                helped_fen: b.helped_fen,
            })
            .collect(),
        book,
    })
}

/// Staff open a campaign.
pub async fn add_campaign(st: &AppState, u: &CurrentUser, r: &NewCampaign) -> AppResult<i64> {
    let c = community(st, u, None).await?;
    must_manage(st, u, c)?;
    let title = text(&r.title, 60, "title")?;
    let purpose = text(&r.purpose, 500, "purpose")?;
    let foundation = text(&r.foundation, 60, "foundation")?;
    if !(1..=gongzhi_core::ledger::MAX_AMOUNT_FEN).contains(&r.target_fen) {
        return Err(invalid("AMOUNT_INVALID", "target_fen"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_campaign(
        &mut tx,
        &CampaignRow {
            id: 0,
            community_id: c,
            title,
            purpose,
            target_fen: r.target_fen,
            foundation,
            created_at: now,
        },
        u.id,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("campaign.create", "campaign", id),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn load_campaign(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<CampaignRow> {
    let mut tx = st.db.read().await?;
    let c = store::campaign(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    if !reads(st, u, c.community_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

/// A campaign with its public book, beneficiaries masked and coverage.
pub async fn campaign(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<CampaignView> {
    let c = load_campaign(st, u, id).await?;
    campaign_view(st, c).await
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewDonation {
    /// Who gave: a company or person (stored as given — staff mask a resident's name).
    pub donor: String,
    pub amount_fen: i64,
}

/// Staff record a donation that is not a partner's (a resident, a passer-by).
pub async fn donate(st: &AppState, u: &CurrentUser, id: i64, r: &NewDonation) -> AppResult<i64> {
    let c = load_campaign(st, u, id).await?;
    must_manage(st, u, c.community_id)?;
    let donor = gongzhi_core::pii::mask_name(&text(&r.donor, 60, "donor")?);
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let m = donate_in(st, &mut tx, u, &c, &donor, r.amount_fen, now).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("campaign.donation", "campaign", c.id)
            .with(serde_json::json!({"movement": m, "amount_fen": r.amount_fen})),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewBeneficiary {
    /// The resident's mobile (looked up in the registry; stored as the resident, masked).
    pub phone: String,
    pub need: String,
}

/// Staff register a beneficiary (a resident of the community), stored masked.
pub async fn add_beneficiary(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
    r: &NewBeneficiary,
) -> AppResult<i64> {
    // Who may act first: a stranger learns nothing from the lookup.
    let c = load_campaign(st, u, id).await?;
    must_manage(st, u, c.community_id)?;
    let resident = crate::residents::service::id_by_phone(st, u, r.phone.trim())
        .await
        .map_err(|_| invalid("RESIDENT_UNKNOWN", "phone"))?;
    add_beneficiary_resident(st, u, id, resident, &r.need).await
}

/// Registers resident `resident` (of the campaign's community) as a beneficiary, masked.
pub async fn add_beneficiary_resident(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
    resident: i64,
    need: &str,
) -> AppResult<i64> {
    let c = load_campaign(st, u, id).await?;
    must_manage(st, u, c.community_id)?;
    let need = text(need, 200, "need")?;
    let place = crate::residents::service::party(st, resident)
        .await?
        .ok_or(invalid("RESIDENT_UNKNOWN", "phone"))?;
    if place.place.community_id != c.community_id {
        return Err(invalid("RESIDENT_UNKNOWN", "phone"));
    }
    let masked = gongzhi_core::pii::mask_name(&place.name);
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let b = store::insert_beneficiary(&mut tx, c.id, resident, &masked, &need, u.id, now)
        .await?
        .ok_or(AppError::Conflict("BENEFICIARY_EXISTS"))?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("campaign.beneficiary", "campaign", c.id)
            .with(serde_json::json!({"beneficiary": b, "resident": resident})),
    )
    .await?;
    tx.commit().await?;
    Ok(b)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewHelp {
    pub beneficiary: i64,
    pub amount_fen: i64,
    pub purpose: String,
}

/// Staff give help from a campaign to a beneficiary: a movement out of the charity book,
/// never more than the campaign itself holds (`CAMPAIGN_OVERDRAWN`).
pub async fn give(st: &AppState, u: &CurrentUser, id: i64, r: &NewHelp) -> AppResult<i64> {
    let c = load_campaign(st, u, id).await?;
    must_manage(st, u, c.community_id)?;
    let purpose = text(&r.purpose, 120, "purpose")?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    // Money steps take turns on the ledger's head: two staff cannot both spend the last yuan.
    crate::ledger::service::reserve_next(&mut tx).await?;
    let bens = store::beneficiaries(&mut tx, c.id).await?;
    let b = bens
        .iter()
        .find(|b| b.id == r.beneficiary)
        .ok_or(invalid("BENEFICIARY_UNKNOWN", "beneficiary"))?;
    let moves = store::movements(&mut tx, c.id).await?;
    let held: i64 = moves
        .iter()
        .map(|m| {
            if m.direction == "in" {
                m.amount_fen
            } else {
                -m.amount_fen
            }
        })
        .sum();
    if r.amount_fen > held {
        return Err(AppError::Conflict("CAMPAIGN_OVERDRAWN"));
    }
    let (movement, index) = charity_movement(
        st,
        &mut tx,
        u,
        &c,
        (Direction::Out, Category::Service, r.amount_fen),
        &format!("{}：{purpose}", c.title),
        &b.masked_name,
        now,
    )
    .await?;
    store::link_movement(
        &mut tx,
        c.id,
        movement,
        "out",
        r.amount_fen,
        None,
        Some(b.id),
        index as i64,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("campaign.help", "campaign", c.id)
            .with(serde_json::json!({"movement": movement, "beneficiary": b.id, "amount_fen": r.amount_fen})),
    )
    .await?;
    tx.commit().await?;
    Ok(movement)
}
