//! The shared application state: one cheap-to-clone handle passed to every handler.

use std::sync::{Arc, RwLock};

use gongzhi_core::pii::Cipher;

use crate::cache::TtlCache;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::org::OrgMap;
use crate::residents::service::BuildingStats;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub cipher: Cipher,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    /// The organisation's geometry, rebuilt from the database (never the source of truth).
    org: RwLock<Arc<OrgMap>>,
    /// Per-building resident counts for dashboards (a few seconds stale at most).
    pub stats_cache: TtlCache<Vec<BuildingStats>>,
    /// The working-day calendar (edited rarely; 30 s stale at most on other nodes).
    pub calendar_cache: TtlCache<gongzhi_core::cases::WorkCalendar>,
    /// The routing model with the corrections learned so far.
    pub model: crate::routing::Live,
    /// Reports waiting to be written together.
    pub intake: crate::cases::intake::Intake,
    /// The similar-case index of mediation (derived data, built on first use).
    similar: tokio::sync::OnceCell<crate::mediation::index::CaseIndex>,
    /// The public ledger's signing key (loaded or made on first use).
    ledger: std::sync::OnceLock<crate::ledger::Signer>,
    /// Failed logins per (name, address) and per address (in memory).
    pub login_throttle: std::sync::Mutex<gongzhi_core::identity::throttle::LoginThrottle>,
    /// Password hashing runs off the async workers, this many at a time (half the cores).
    pub hashing: tokio::sync::Semaphore,
    /// Set when the server is shutting down: long work (simulations) stops.
    pub shutdown: Arc<std::sync::atomic::AtomicBool>,
    /// Simulations run this many at a time (half the cores); more are refused (TWIN_BUSY).
    pub simulations: Arc<tokio::sync::Semaphore>,
    /// Refusals that are audited once per key and minute, not one by one (key → last time).
    pub quiet_audit: std::sync::Mutex<std::collections::HashMap<String, (i64, u64)>>,
    /// Running votes' frozen registers and ballots, read again and again.
    pub votes: crate::votes::cache::Cache,
    /// The privacy policy's purposes (the install's, or the one compiled in).
    pub policy: Arc<gongzhi_core::consent::Policy>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(db: Db, cipher: Cipher, clock: Arc<dyn Clock>, config: Config) -> Self {
        let (writers, batch) = if db.is_postgres() { (4, 16) } else { (1, 64) };
        let policy = Arc::new(crate::consent::policy(config.privacy_policy.as_deref()));
        Self(Arc::new(Inner {
            policy,
            db,
            cipher,
            clock,
            config,
            org: RwLock::new(Arc::new(OrgMap::default())),
            stats_cache: TtlCache::new(10_000),
            votes: crate::votes::cache::Cache::new(),
            calendar_cache: TtlCache::new(30_000),
            model: crate::routing::Live::default(),
            intake: crate::cases::intake::Intake::new(writers, batch),
            similar: tokio::sync::OnceCell::new(),
            ledger: std::sync::OnceLock::new(),
            login_throttle: std::sync::Mutex::default(),
            hashing: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
            ),
            quiet_audit: std::sync::Mutex::default(),
            shutdown: Arc::default(),
            simulations: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
            )),
        }))
    }

    /// The similar-case index, built on first use from the shipped case base and every
    /// dispute in the database; kept current by each change to a dispute.
    pub async fn similar_cases(&self) -> anyhow::Result<crate::mediation::index::CaseIndex> {
        self.0
            .similar
            .get_or_try_init(|| async {
                let index = tokio::task::spawn_blocking(crate::mediation::seed_index).await??;
                crate::mediation::service::index_all(self, &index).await?;
                anyhow::Ok(index)
            })
            .await
            .cloned()
    }

    /// The similar-case index if it has been built (background refreshes do not build it).
    pub fn similar_cases_if_built(&self) -> Option<crate::mediation::index::CaseIndex> {
        self.0.similar.get().cloned()
    }

    /// The ledger's signer: its key file is read (or created) on first use.
    pub fn ledger_signer(&self) -> anyhow::Result<crate::ledger::Signer> {
        if let Some(s) = self.0.ledger.get() {
            return Ok(s.clone());
        }
        let s = crate::ledger::Signer::load_or_create(
            &self.cipher,
            self.config.ledger_key_file.as_deref(),
            &self.config.ledger_origin,
        )?;
        Ok(self.0.ledger.get_or_init(|| s).clone())
    }

    /// Whether a refusal under `key` should be audited now: once a minute per key, so a
    /// flood of anonymous refusals writes a row a minute (with the count), not one each.
    /// Returns the number of refusals since the last audited one.
    pub fn audit_quietly(&self, key: &str) -> Option<u64> {
        let now = self.now_ms();
        let mut m = self.quiet_audit.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() > 100_000 {
            m.retain(|_, (t, _)| now - *t < 60_000);
        }
        let e = m.entry(key.to_string()).or_insert((i64::MIN / 2, 0));
        e.1 += 1;
        if now - e.0 < 60_000 {
            return None;
        }
        let n = e.1;
        *e = (now, 0);
        Some(n)
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The current organisation map snapshot.
    pub fn org_map(&self) -> Arc<OrgMap> {
        match self.0.org.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Whether to show the demo banner.
    pub fn is_demo(&self) -> bool {
        self.config.demo || self.org_map().demo
    }

    pub fn set_org_map(&self, map: OrgMap) {
        let map = Arc::new(map);
        match self.0.org.write() {
            Ok(mut g) => *g = map,
            Err(p) => *p.into_inner() = map,
        }
    }
}
