//! The workspace figures: success rate, days to resolution, the rung where disputes were
//! resolved, by type, mediator and month — over the disputes the user may see.

use super::*;

/// One group's figures.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Figure {
    pub key: String,
    pub label: String,
    pub filed: i64,
    /// Ended (resolved, failed, referred).
    pub ended: i64,
    pub resolved: i64,
    /// resolved / ended.
    pub success_rate: Option<f64>,
    /// Median days from filing to resolution.
    pub median_days: Option<f64>,
    /// Of the resolved: share resolved at the community, and at the community or street
    /// (the 枫桥 figure: 矛盾不上交).
    pub community_share: Option<f64>,
    pub street_share: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub since: i64,
    pub total: Figure,
    pub by_type: Vec<Figure>,
    pub by_mediator: Vec<Figure>,
    pub by_month: Vec<Figure>,
}

#[derive(Default)]
struct Tally {
    filed: i64,
    ended: i64,
    resolved: i64,
    community: i64,
    street: i64,
    days: Vec<f64>,
}

impl Tally {
    fn add(&mut self, r: &store::FigureRow) {
        self.filed += 1;
        match r.status.as_str() {
            "resolved" => {
                self.ended += 1;
                self.resolved += 1;
                match r.resolved_level.as_deref() {
                    Some("community") => {
                        self.community += 1;
                        self.street += 1;
                    }
                    Some("street") => self.street += 1,
                    _ => {}
                }
                if let Some(c) = r.closed_at {
                    self.days.push((c - r.created_at) as f64 / DAY_MS as f64);
                }
            }
            "failed" | "referred" => self.ended += 1,
            _ => {}
        }
    }

    fn figure(mut self, key: String, label: String) -> Figure {
        let share = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
        self.days.sort_by(f64::total_cmp);
        let median_days = (!self.days.is_empty()).then(|| {
            let n = self.days.len();
            if n % 2 == 1 {
                self.days[n / 2]
            } else {
                (self.days[n / 2 - 1] + self.days[n / 2]) / 2.0
            }
        });
        Figure {
            key,
            label,
            filed: self.filed,
            ended: self.ended,
            resolved: self.resolved,
            success_rate: share(self.resolved, self.ended),
            median_days,
            community_share: share(self.community, self.resolved),
            street_share: share(self.street, self.resolved),
        }
    }
}

/// Success rate, time to resolution and the share resolved at community and street level
/// over the disputes the caller sees, filed in the last `months` months — in total and by
/// type, lead mediator and month (China time).
pub async fn figures(st: &AppState, user: &CurrentUser, months: i64) -> AppResult<Figures> {
    if !works_disputes(user.role) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let since = st.now_ms() - months.clamp(1, 120) * 31 * DAY_MS;
    let mut tx = st.db.read().await?;
    let rows = store::figures(&mut tx, visible(user), since).await?;
    let mut names: BTreeMap<i64, String> = BTreeMap::new();
    for m in store::mediator_pool(&mut tx).await? {
        names.insert(m.user_id, m.display_name);
    }
    drop(tx);
    let mut total = Tally::default();
    let mut by_type: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_mediator: BTreeMap<i64, Tally> = BTreeMap::new();
    let mut by_month: BTreeMap<String, Tally> = BTreeMap::new();
    for r in &rows {
        total.add(r);
        by_type.entry(r.dtype.clone()).or_default().add(r);
        if let Some(m) = r.lead {
            by_mediator.entry(m).or_default().add(r);
        }
        by_month.entry(month_of(r.created_at)).or_default().add(r);
    }
    let mut types: Vec<Figure> = by_type
        .into_iter()
        .map(|(k, t)| t.figure(k.clone(), type_name(&k)))
        .collect();
    types.sort_by_key(|f| std::cmp::Reverse(f.filed));
    let mut mediators: Vec<Figure> = by_mediator
        .into_iter()
        .map(|(k, t)| {
            let label = names.get(&k).cloned().unwrap_or_else(|| format!("#{k}"));
            t.figure(k.to_string(), label)
        })
        .collect();
    mediators.sort_by_key(|f| std::cmp::Reverse(f.filed));
    Ok(Figures {
        since,
        total: total.figure("total".into(), "合计".into()),
        by_type: types,
        by_mediator: mediators,
        by_month: by_month
            .into_iter()
            .map(|(k, t)| t.figure(k.clone(), k))
            .collect(),
    })
}

/// `YYYY-MM` of an instant in China time.
fn month_of(ms: i64) -> String {
    let t = chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000).unwrap_or_default();
    t.format("%Y-%m").to_string()
}
