//! Runtime configuration, assembled from command-line flags and `GONGZHI_*` environment
//! variables by the CLI, and passed explicitly (no global settings).

use std::path::Path;

use anyhow::Context;
use base64::Engine as _;
use gongzhi_core::pii::KEY_LEN;
use rand::RngCore;

/// Cost of password hashing: production uses Argon2id's recommended parameters; tests use
/// cheap ones so hundreds of logins stay fast (hashes carry their parameters either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCost {
    Standard,
    Test,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Optional base-map tile URL template (e.g. 天地图); without it the map draws only
    /// the community's own GeoJSON.
    pub tile_url: Option<String>,
    /// A web session ends after this long without a request.
    pub session_idle_ms: i64,
    /// … and after this long in any case.
    pub session_absolute_ms: i64,
    pub password_cost: PasswordCost,
    /// Set the `Secure` flag on cookies (behind TLS).
    pub secure_cookies: bool,
    /// `/metrics` answers only with `Authorization: Bearer <this>`; without it, only to
    /// callers on this machine (loopback).
    pub metrics_token: Option<String>,
    /// Reverse proxies whose X-Forwarded-For names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The database holds the demo district: show the 演示数据 banner.
    pub demo: bool,
    /// SMS / app-push gateway: the outbox POSTs `{"id","channel","to","title","body"}` here.
    pub sms_webhook: Option<String>,
    /// SMTP relay for e-mail notifications, `smtp://user:pass@host:port`.
    pub smtp_url: Option<String>,
    /// The sender of e-mail notifications.
    pub smtp_from: String,
    /// Serve the benchmark baseline endpoint (bench/cases.sh only).
    pub bench: bool,
    /// The public ledger's origin (C2SP: a schema-less URL; also its key's name).
    pub ledger_origin: String,
    /// The file holding the ledger's signing key, encrypted with the personal-data key
    /// (created on first start). `None`: a key derived from the personal-data key (tests
    /// and tools that never publish).
    pub ledger_key_file: Option<std::path::PathBuf>,
    /// How long a scenario's exact responder placement may take before the best placement
    /// found so far is used (the page says so).
    pub twin_solve_limit: std::time::Duration,
    /// How long a scenario's simulation runs in all may take before it is stopped and
    /// refused (SCENARIO_OVER_BUDGET).
    pub twin_run_limit: std::time::Duration,
    /// Staff, mediators, administrators and auditors must enrol a second factor (TOTP)
    /// before anything else. On by default for `serve`; off for the demo and the tests.
    pub require_totp: bool,
    /// The privacy policy (TOML) in force; `None`: the one compiled in
    /// (`crates/app/privacy/policy.toml`).
    pub privacy_policy: Option<String>,
    /// The erasure journal (outside the database; replayed after a restore). `None`: not
    /// kept (tests that do not restore, tools).
    pub tombstone_journal: Option<std::path::PathBuf>,
}

/// The ledger origin of an install that does not choose one.
pub const DEFAULT_LEDGER_ORIGIN: &str = "gongzhi.local/ledger";

impl Default for Config {
    fn default() -> Self {
        Self {
            tile_url: None,
            twin_solve_limit: gongzhi_core::twin::scenario::SOLVE_LIMIT,
            twin_run_limit: std::time::Duration::from_secs(60),
            session_idle_ms: 2 * 3600 * 1000,
            session_absolute_ms: 12 * 3600 * 1000,
            password_cost: PasswordCost::Standard,
            secure_cookies: false,
            metrics_token: None,
            trusted_proxies: vec![],
            demo: false,
            sms_webhook: None,
            smtp_url: None,
            smtp_from: "共治平台 <noreply@gongzhi.local>".into(),
            bench: false,
            ledger_origin: DEFAULT_LEDGER_ORIGIN.into(),
            ledger_key_file: None,
            require_totp: false,
            privacy_policy: None,
            tombstone_journal: None,
        }
    }
}

/// Loads the 32-byte master key for personal-data encryption: from `GONGZHI_SECRET_KEY`
/// (base64) when given, else from the key file, which is created (mode 0600) on first start.
/// The key never enters the database.
pub fn load_or_create_key(secret: Option<&str>, key_file: &Path) -> anyhow::Result<[u8; KEY_LEN]> {
    let b64 = base64::engine::general_purpose::STANDARD;
    if let Some(s) = secret {
        let raw = b64
            .decode(s.trim())
            .context("GONGZHI_SECRET_KEY is not base64")?;
        return raw
            .try_into()
            .map_err(|_| anyhow::anyhow!("GONGZHI_SECRET_KEY must be 32 bytes"));
    }
    if key_file.exists() {
        let text = std::fs::read_to_string(key_file)
            .with_context(|| format!("reading key file {}", key_file.display()))?;
        let raw = b64.decode(text.trim()).context("key file is not base64")?;
        return raw
            .try_into()
            .map_err(|_| anyhow::anyhow!("key file must hold 32 bytes"));
    }
    let mut key = [0u8; KEY_LEN];
    rand::rngs::OsRng.fill_bytes(&mut key);
    write_private(key_file, &b64.encode(key))?;
    tracing::info!(path = %key_file.display(), "created a new personal-data key file; back it up");
    Ok(key)
}

#[cfg(unix)]
pub fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating key file {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
pub fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("creating key file {}", path.display()))
}
