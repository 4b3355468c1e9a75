//! A small time-limited cache for aggregates that dashboards may read a few seconds stale.

use std::sync::Arc;

use tokio::sync::Mutex;

pub struct TtlCache<T> {
    ttl_ms: i64,
    slot: Mutex<Option<(i64, Arc<T>)>>,
}

impl<T> TtlCache<T> {
    pub fn new(ttl_ms: i64) -> Self {
        Self {
            ttl_ms,
            slot: Mutex::new(None),
        }
    }

    /// The cached value if fresh, else the value `load` produces (one loader at a time).
    pub async fn get_or_refresh<E>(
        &self,
        now_ms: i64,
        load: impl Future<Output = Result<T, E>>,
    ) -> Result<Arc<T>, E> {
        let mut slot = self.slot.lock().await;
        if let Some((at, v)) = slot.as_ref()
            && now_ms - at < self.ttl_ms
        {
            return Ok(v.clone());
        }
        let v = Arc::new(load.await?);
        *slot = Some((now_ms, v.clone()));
        Ok(v)
    }

    /// Forgets the value (after a local change).
    pub async fn clear(&self) {
        *self.slot.lock().await = None;
    }
}
