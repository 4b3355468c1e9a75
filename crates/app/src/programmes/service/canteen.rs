//! 社区食堂: price tiers, meals, orders with their funding split, and a month's totals.

use gongzhi_core::programmes::canteen::{self as rules, Tier};

use super::*;

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CanteenTierIn {
    pub code: String,
    pub name: String,
    pub min_age: i64,
    /// Only for residents on 低保 support.
    pub subsidised: bool,
    pub government_fen: i64,
    pub company_fen: i64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CanteenTiersIn {
    pub tiers: Vec<CanteenTierIn>,
}

fn tier_of(t: &store::TierRow) -> Tier {
    Tier {
        code: t.code.clone(),
        name: t.name.clone(),
        min_age: t.min_age,
        subsidised: t.subsidised == 1,
        government_fen: t.government_fen,
        company_fen: t.company_fen,
    }
}

/// The community's tiers (the defaults until staff set their own).
pub(crate) async fn tiers_in(tx: &mut crate::db::Tx, c: i64) -> AppResult<Vec<Tier>> {
    let rows = store::tiers(tx, c).await?;
    Ok(if rows.is_empty() {
        rules::default_tiers()
    } else {
        rows.iter().map(tier_of).collect()
    })
}

/// Staff replace the community's price tiers.
pub async fn put_tiers(st: &AppState, u: &CurrentUser, r: &CanteenTiersIn) -> AppResult<Vec<Tier>> {
    let c = community(st, u, None).await?;
    must_manage(st, u, c)?;
    if r.tiers.is_empty() || r.tiers.len() > 10 {
        return Err(invalid("TIERS_INVALID", "tiers"));
    }
    let mut rows: Vec<store::TierRow> = vec![];
    for t in &r.tiers {
        let ok_code = (1..=20).contains(&t.code.len())
            && t.code
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !ok_code || rows.iter().any(|x| x.code == t.code) {
            return Err(invalid("TIERS_INVALID", "tiers"));
        }
        if !(0..=120).contains(&t.min_age)
            || !(0..=100_000).contains(&t.government_fen)
            || !(0..=100_000).contains(&t.company_fen)
        {
            return Err(invalid("TIERS_INVALID", "tiers"));
        }
        rows.push(store::TierRow {
            code: t.code.clone(),
            name: text(&t.name, 20, "tiers")?,
            min_age: t.min_age,
            subsidised: i64::from(t.subsidised),
            government_fen: t.government_fen,
            company_fen: t.company_fen,
        });
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    store::replace_tiers(&mut tx, c, &rows).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("canteen.tiers", "community", c)
            .with(serde_json::json!({"tiers": rows.iter().map(|t| &t.code).collect::<Vec<_>>()})),
    )
    .await?;
    tx.commit().await?;
    Ok(rows.iter().map(tier_of).collect())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MealIn {
    /// `YYYY-MM-DD`.
    pub served_on: String,
    pub menu: String,
    /// What the meal costs, in fen.
    pub cost_fen: i64,
    pub capacity: i64,
    /// The company that gives its share (企业让一点).
    pub company: String,
}

/// Staff put a meal on the menu: its id.
pub async fn add_meal(st: &AppState, u: &CurrentUser, r: &MealIn) -> AppResult<i64> {
    let c = community(st, u, None).await?;
    must_manage(st, u, c)?;
    let served_on = gongzhi_core::ledger::check_date(&r.served_on)
        .map_err(|_| invalid("DATE_INVALID", "served_on"))?;
    if served_on < today(st) {
        return Err(invalid("DATE_INVALID", "served_on"));
    }
    let menu = text(&r.menu, 200, "menu")?;
    let company = text(&r.company, 60, "company")?;
    if !(1..=100_000).contains(&r.cost_fen) {
        return Err(invalid("AMOUNT_INVALID", "cost_fen"));
    }
    if !(1..=2_000).contains(&r.capacity) {
        return Err(invalid("MEAL_CAPACITY_INVALID", "capacity"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_meal(
        &mut tx,
        &store::MealRow {
            id: 0,
            community_id: c,
            served_on,
            menu,
            cost_fen: r.cost_fen,
            capacity: r.capacity,
            company,
            ordered: 0,
        },
        u.id,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("canteen.meal", "canteen_meal", id),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MealOrderView {
    pub id: i64,
    pub meal_id: i64,
    /// The diner, masked.
    pub diner: String,
    /// The tier's code and name when ordered.
    pub tier: String,
    pub tier_name: String,
    pub government_fen: i64,
    pub company_fen: i64,
    pub resident_fen: i64,
    /// `self`, `guardian` or `staff` (at the counter).
    pub channel: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MealView {
    pub id: i64,
    pub served_on: String,
    pub menu: String,
    pub cost_fen: i64,
    pub capacity: i64,
    pub company: String,
    pub ordered: i64,
    /// Every order with its split: staff only.
    pub orders: Vec<MealOrderView>,
    /// Sums of the orders: (government, company, resident), staff only.
    pub totals: Option<(i64, i64, i64)>,
}

async fn order_view(st: &AppState, o: &store::OrderRow) -> AppResult<MealOrderView> {
    Ok(MealOrderView {
        id: o.id,
        meal_id: o.meal_id,
        diner: crate::residents::service::masked_name(st, o.resident_id).await?,
        tier: o.tier_code.clone(),
        tier_name: o.tier_name.clone(),
        government_fen: o.government_fen,
        company_fen: o.company_fen,
        resident_fen: o.resident_fen,
        channel: o.channel.clone(),
    })
}

async fn meal_view(st: &AppState, u: &CurrentUser, m: store::MealRow) -> AppResult<MealView> {
    let staff = manages(st, u, m.community_id)
        || (u.role != Role::Resident && st.org_map().unit_in_scope(m.community_id, u.scope));
    let (orders, totals) = if staff {
        let mut tx = st.db.read().await?;
        let rows = store::orders_of_meal(&mut tx, m.id).await?;
        drop(tx);
        let totals = rows.iter().fold((0, 0, 0), |a, o| {
            (
                a.0 + o.government_fen,
                a.1 + o.company_fen,
                a.2 + o.resident_fen,
            )
        });
        let mut v = vec![];
        for o in &rows {
            v.push(order_view(st, o).await?);
        }
        (v, Some(totals))
    } else {
        (vec![], None)
    };
    Ok(MealView {
        id: m.id,
        served_on: m.served_on,
        menu: m.menu,
        cost_fen: m.cost_fen,
        capacity: m.capacity,
        company: m.company,
        ordered: m.ordered,
        orders,
        totals,
    })
}

async fn load_meal(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<store::MealRow> {
    let mut tx = st.db.read().await?;
    let m = store::meal(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    drop(tx);
    if !reads(st, u, m.community_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(m)
}

/// A meal (staff: with every order and its split).
pub async fn meal(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<MealView> {
    let m = load_meal(st, u, id).await?;
    meal_view(st, u, m).await
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MealOrderIn {
    /// A guardian orders for their ward (the ward's resident id).
    #[serde(rename = "for")]
    pub for_resident: Option<i64>,
    /// Staff at the counter: the diner's mobile.
    pub phone: Option<String>,
}

/// Orders a meal: for oneself, for a ward, or (staff at the counter) for a resident of the
/// community by mobile. The tier follows the diner's age and 低保 support; the split is
/// computed and kept. `409 MEAL_FULL`, `409 ORDER_EXISTS`, `409 MEAL_PAST`.
pub async fn order(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
    r: &MealOrderIn,
) -> AppResult<MealOrderView> {
    let m = load_meal(st, u, id).await?;
    let (diner, channel) = match (&r.phone, r.for_resident) {
        (Some(phone), _) => {
            must_manage(st, u, m.community_id)?;
            let d = crate::residents::service::id_by_phone(st, u, phone.trim())
                .await
                .map_err(|_| invalid("RESIDENT_UNKNOWN", "phone"))?;
            (d, "staff")
        }
        (None, Some(ward)) => {
            if !crate::consent::service::is_guardian(st, ward, u.id).await? {
                return Err(invalid("RESIDENT_UNKNOWN", "for"));
            }
            (ward, "guardian")
        }
        (None, None) => match (u.role, u.resident_id) {
            (Role::Resident, Some(me)) => (me, "self"),
            _ => return Err(AppError::Forbidden("ROLE_FORBIDDEN")),
        },
    };
    if home_of(st, diner).await? != Some(m.community_id) {
        return Err(invalid("RESIDENT_UNKNOWN", "phone"));
    }
    if m.served_on < today(st) {
        return Err(AppError::Conflict("MEAL_PAST"));
    }
    let (age, support) = crate::residents::service::age_and_support(st, diner)
        .await?
        .ok_or(invalid("RESIDENT_UNKNOWN", "phone"))?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    // Orders for one meal take turns, so that capacity holds under concurrent orders.
    store::lock_meal(&mut tx, m.id).await?;
    let current = store::meal(&mut tx, m.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.ordered >= current.capacity {
        return Err(AppError::Conflict("MEAL_FULL"));
    }
    let tiers = tiers_in(&mut tx, m.community_id).await?;
    let tier = rules::tier_for(&tiers, age, support);
    let split = rules::split(m.cost_fen, tier);
    let row = store::OrderRow {
        id: 0,
        meal_id: m.id,
        resident_id: diner,
        tier_code: tier.map_or("none".to_string(), |t| t.code.clone()),
        tier_name: tier.map_or("全价".to_string(), |t| t.name.clone()),
        government_fen: split.government_fen,
        company_fen: split.company_fen,
        resident_fen: split.resident_fen,
        channel: channel.to_string(),
        created_at: now,
    };
    let oid = store::insert_order(&mut tx, &row, u.id)
        .await?
        .ok_or(AppError::Conflict("ORDER_EXISTS"))?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("canteen.order", "canteen_meal", m.id).with(serde_json::json!({
            "order": oid, "diner": diner, "tier": row.tier_code, "channel": channel,
            "split": [split.government_fen, split.company_fen, split.resident_fen],
        })),
    )
    .await?;
    tx.commit().await?;
    order_view(st, &store::OrderRow { id: oid, ..row }).await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CanteenTierTotals {
    pub tier: String,
    pub orders: i64,
    pub government_fen: i64,
    pub company_fen: i64,
    pub resident_fen: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CanteenMonth {
    pub community_id: i64,
    pub month: String,
    pub meals: i64,
    pub orders: i64,
    pub government_fen: i64,
    pub company_fen: i64,
    pub resident_fen: i64,
    pub by_tier: Vec<CanteenTierTotals>,
    /// The ledger entry of its publication, once published.
    pub ledger_index: Option<i64>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_month_before() {
        assert_eq!(super::month_before("2026-01"), "2025-12");
        assert_eq!(super::month_before("2026-12"), "2026-11");
    }
}

fn check_month(month: &str) -> AppResult<String> {
    gongzhi_core::ledger::check_date(&format!("{month}-01"))
        .map(|_| month.to_string())
        .map_err(|_| invalid("MONTH_INVALID", "month"))
}

/// A month's meals, orders and who paid what, by tier (staff).
pub async fn month(
    st: &AppState,
    u: &CurrentUser,
    month: &str,
    wanted: Option<i64>,
) -> AppResult<CanteenMonth> {
    let c = community(st, u, wanted).await?;
    must_manage(st, u, c)?;
    let month = check_month(month)?;
    let mut tx = st.db.read().await?;
    let rows = store::month_by_tier(&mut tx, c, &month).await?;
    let by_tier: Vec<CanteenTierTotals> = rows
        .into_iter()
        .map(|(tier, orders, g, co, r)| CanteenTierTotals {
            tier,
            orders,
            government_fen: g,
            company_fen: co,
            resident_fen: r,
        })
        .collect();
    Ok(CanteenMonth {
        community_id: c,
        meals: store::month_meals(&mut tx, c, &month).await?,
        orders: by_tier.iter().map(|t| t.orders).sum(),
        government_fen: by_tier.iter().map(|t| t.government_fen).sum(),
        company_fen: by_tier.iter().map(|t| t.company_fen).sum(),
        resident_fen: by_tier.iter().map(|t| t.resident_fen).sum(),
        ledger_index: store::month_published(&mut tx, c, &month).await?,
        month,
        by_tier,
    })
}

/// Staff put an ended month's totals on the ledger as a 公示 report, once.
pub async fn publish_month(st: &AppState, u: &CurrentUser, month_s: &str) -> AppResult<u64> {
    let m = month(st, u, month_s, None).await?;
    must_manage(st, u, m.community_id)?;
    if format!("{}-31", m.month) >= today(st) {
        return Err(AppError::Conflict("MONTH_NOT_OVER"));
    }
    if m.ledger_index.is_some() {
        return Err(AppError::Conflict("MONTH_PUBLISHED"));
    }
    let y = gongzhi_core::ledger::yuan;
    let mut body = format!(
        "社区食堂 {} 月度经费分担\n供餐 {} 次，订餐 {} 份\n政府补贴 {} 元；企业让利 {} 元；居民自付 {} 元\n\n按餐标档次：\n",
        m.month,
        m.meals,
        m.orders,
        y(m.government_fen),
        y(m.company_fen),
        y(m.resident_fen)
    );
    for t in &m.by_tier {
        body.push_str(&format!(
            "  {}：{} 份，政府 {} 元，企业 {} 元，居民 {} 元\n",
            t.tier,
            t.orders,
            y(t.government_fen),
            y(t.company_fen),
            y(t.resident_fen)
        ));
    }
    body.push_str("口径：当月每份订餐按订餐时的餐标档次计算，政府、企业、居民三者之和等于餐费。\n");
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let (doc, index) = crate::funds::service::publish_text_in(
        st,
        &mut tx,
        m.community_id,
        gongzhi_core::ledger::DocKind::Report,
        &format!("社区食堂 {} 月度经费分担", m.month),
        &body,
        Some(u.id),
        now,
    )
    .await?;
    if !store::insert_month(&mut tx, m.community_id, &m.month, (doc, index as i64), now).await? {
        return Err(AppError::Conflict("MONTH_PUBLISHED"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("canteen.publish", "community", m.community_id)
            .with(serde_json::json!({"month": m.month, "ledger": index})),
    )
    .await?;
    tx.commit().await?;
    Ok(index)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CanteenOverview {
    pub community_id: i64,
    pub tiers: Vec<CanteenTierView>,
    /// Upcoming meals, then the latest served.
    pub meals: Vec<MealView>,
    /// The caller's (and their wards') orders for meals from today.
    pub my_orders: Vec<MealOrderView>,
    /// Wards the caller may order for: (resident id, masked name).
    pub wards: Vec<(i64, String)>,
    pub manages: bool,
    pub today: String,
    /// Staff: last month's and this month's totals (last month may be published).
    pub months: Vec<CanteenMonth>,
}

/// `YYYY-MM` of the month before `month`.
fn month_before(month: &str) -> String {
    let (y, m) = (
        month
            .get(..4)
            .and_then(|y| y.parse::<i32>().ok())
            .unwrap_or(1970),
        month
            .get(5..7)
            .and_then(|m| m.parse::<u32>().ok())
            .unwrap_or(1),
    );
    if m == 1 {
        format!("{:04}-12", y - 1)
    } else {
        format!("{y:04}-{:02}", m - 1)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CanteenTierView {
    pub code: String,
    pub name: String,
    pub min_age: i64,
    pub subsidised: bool,
    pub government_fen: i64,
    pub company_fen: i64,
}

/// The canteen page's data.
pub async fn canteen(
    st: &AppState,
    u: &CurrentUser,
    wanted: Option<i64>,
) -> AppResult<CanteenOverview> {
    let c = community(st, u, wanted).await?;
    if !reads(st, u, c).await? {
        return Err(AppError::NotFound);
    }
    let day = today(st);
    let mut tx = st.db.read().await?;
    let tiers = tiers_in(&mut tx, c).await?;
    let rows = store::meals_around(&mut tx, c, &day).await?;
    let mut diners: Vec<i64> = u.resident_id.into_iter().collect();
    drop(tx);
    let mut wards = vec![];
    for w in crate::consent::service::wards_of(st, u.id).await? {
        if home_of(st, w).await? == Some(c) {
            wards.push((w, crate::residents::service::masked_name(st, w).await?));
            diners.push(w);
        }
    }
    let mut my_orders = vec![];
    let mut tx = st.db.read().await?;
    let mut mine = vec![];
    for d in &diners {
        mine.extend(store::orders_of(&mut tx, *d, &day).await?);
    }
    drop(tx);
    for o in &mine {
        my_orders.push(order_view(st, o).await?);
    }
    let mut meals = vec![];
    for m in rows {
        meals.push(meal_view(st, u, m).await?);
    }
    let mut months = vec![];
    if manages(st, u, c) {
        let this = day.get(..7).unwrap_or_default().to_string();
        for m in [month_before(&this), this] {
            months.push(month(st, u, &m, Some(c)).await?);
        }
    }
    Ok(CanteenOverview {
        months,
        community_id: c,
        tiers: tiers
            .into_iter()
            .map(|t| CanteenTierView {
                code: t.code,
                name: t.name,
                min_age: t.min_age,
                subsidised: t.subsidised,
                government_fen: t.government_fen,
                company_fen: t.company_fen,
            })
            .collect(),
        meals,
        my_orders,
        wards,
        manages: manages(st, u, c),
        today: day,
    })
}
