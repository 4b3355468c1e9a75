//! The `gongzhi` command line: one binary, subcommands. Every flag also reads a
//! `GONGZHI_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

mod admin;
mod recount;

pub use admin::AdminCommand;
use admin::admin;
use gongzhi_core::pii::Cipher;
pub use recount::{BudgetCommand, VotesCommand};

use crate::clock::SystemClock;
use crate::config::{self, Config, PasswordCost};
use crate::db::Db;
use crate::state::AppState;

#[derive(Parser, Debug)]
#[command(
    name = "gongzhi",
    version,
    about = "共治 · 社区治理平台 (community governance platform)"
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Database: a `postgres://` URL, or an SQLite file (default ./gongzhi.db).
    #[arg(
        long,
        global = true,
        env = "GONGZHI_DATABASE_URL",
        hide_env_values = true,
        default_value = "sqlite://gongzhi.db"
    )]
    pub database_url: String,
    /// File holding the personal-data key (created on first start; keep it out of backups of the database).
    #[arg(
        long,
        global = true,
        env = "GONGZHI_KEY_FILE",
        default_value = "gongzhi.key"
    )]
    pub key_file: PathBuf,
    /// The personal-data key itself, base64 (overrides the key file).
    #[arg(
        long,
        global = true,
        env = "GONGZHI_SECRET_KEY",
        hide_env_values = true
    )]
    pub secret_key: Option<String>,
    /// File holding the public ledger's signing key, encrypted with the personal-data key
    /// (created on first start; back it up with that key).
    #[arg(
        long,
        global = true,
        env = "GONGZHI_LEDGER_KEY_FILE",
        default_value = "gongzhi-ledger.key"
    )]
    pub ledger_key_file: PathBuf,
    /// The public ledger's origin: a schema-less URL naming this log (and its key) for life.
    #[arg(
        long,
        global = true,
        env = "GONGZHI_LEDGER_ORIGIN",
        default_value = config::DEFAULT_LEDGER_ORIGIN
    )]
    pub ledger_origin: String,
    /// The erasure journal: one line per cancelled account, kept outside the database and
    /// replayed by `gongzhi restore` so that a restored backup does not bring people back.
    #[arg(
        long,
        global = true,
        env = "GONGZHI_TOMBSTONE_JOURNAL",
        default_value = "gongzhi-tombstones.jsonl"
    )]
    pub tombstone_journal: PathBuf,
    /// Log format: text or json.
    #[arg(
        long,
        global = true,
        env = "GONGZHI_LOG_FORMAT",
        default_value = "text"
    )]
    pub log_format: String,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Administration tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Audit trail tasks.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Classify reports: one text per line on stdin, one JSON object per line on stdout.
    Classify {
        /// A model file from `gongzhi model train` (default: the shipped model).
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Train and evaluate routing models.
    #[command(subcommand)]
    Model(crate::routing::cli::ModelCommand),
    /// Case tasks.
    #[command(subcommand)]
    Cases(CasesCommand),
    /// Dispute mediation tasks.
    #[command(subcommand)]
    Mediation(MediationCommand),
    /// Public ledger (公开存证) tasks.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Digital-twin simulation (数字孪生).
    #[command(subcommand)]
    Simulate(SimulateCommand),
    /// Owners' votes (业主共同决定, Civil Code art. 278).
    #[command(subcommand)]
    Votes(VotesCommand),
    /// Participatory budgeting (微更新 rounds).
    #[command(subcommand)]
    Budget(BudgetCommand),
    /// Write a consistent backup of the database (SQLite VACUUM INTO, or pg_dump) to a new
    /// file. The key files are not in it: back them up separately.
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into the (new, empty) database of --database-url, replay the
    /// erasure journal so nobody cancelled comes back, and verify the audit chain.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum SimulateCommand {
    /// An M/M/c queue (Poisson arrivals at rate λ, c servers at rate μ each, FCFS) on the
    /// simulator's event engine; prints one JSON object with the mean wait, its 95 %
    /// batch-means interval and the exact Erlang C values beside them.
    Mmc {
        #[arg(long)]
        lambda: f64,
        #[arg(long)]
        mu: f64,
        #[arg(long)]
        servers: u32,
        #[arg(long, default_value_t = 1_000_000)]
        customers: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// A community emergency scenario (TOML: roads, incident kinds and rates, responders
    /// with posts, skills and shifts, vulnerable residents, the target time; see
    /// data/twin/fire-drill.toml); prints its metrics as one JSON object.
    Scenario {
        file: PathBuf,
        /// Also place the responders to cover the most vulnerable residents within the
        /// target (exact MIP and greedy) and simulate each plan beside today's posts.
        #[arg(long)]
        compare: bool,
        /// With --compare: stop the exact placement after this many seconds and take the
        /// best placement found (never worse than greedy's); 0 waits for the optimum.
        #[arg(long, default_value_t = 10.0)]
        solve_seconds: f64,
    },
}

#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// Verify a public ledger: the checkpoint's signature, every entry and tile, the root,
    /// and (with --state) that the log only grew since the last run. Over HTTP with --url,
    /// else straight from the database (--database-url). Exit 0 intact, 2 broken.
    Verify {
        /// The server, e.g. http://127.0.0.1:8080.
        #[arg(long)]
        url: Option<String>,
        /// The verifier key (`name+id+key`, as served at /ledger/key). Without it, the
        /// database check uses this install's own key file.
        #[arg(long)]
        key: Option<String>,
        /// File keeping the last verified checkpoint; created or updated on success.
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// Append benchmark: appends N entries in batches into the database (use a fresh
    /// one), then times inclusion proofs. Prints one JSON object.
    Bench {
        #[arg(long, default_value_t = 1_000_000)]
        entries: u64,
        #[arg(long, default_value_t = 1000)]
        batch: usize,
        #[arg(long, default_value_t = 10_000)]
        proofs: usize,
    },
}

#[derive(Subcommand, Debug)]
pub enum MediationCommand {
    /// Retrieval quality of the similar-case search on the shipped case base, leave-one-out:
    /// how many of each case's top k share its dispute type. Prints one JSON object.
    Eval {
        #[arg(long, default_value_t = 5)]
        k: usize,
        /// Also search these accounts (JSON lines with `type` and `text`, e.g.
        /// data/mediation-holdout/disputes.jsonl) against the published cases.
        #[arg(long)]
        holdout: Option<PathBuf>,
    },
    /// Search benchmark: builds an index of N synthetic disputes in DIR (emptied first),
    /// then times Q searches. Prints one JSON object.
    Bench {
        #[arg(long, default_value_t = 1_000_000)]
        docs: usize,
        #[arg(long, default_value_t = 1000)]
        queries: usize,
        #[arg(long, default_value_t = 5)]
        k: usize,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 20_261_122)]
        seed: u64,
        /// Skip the peer (SQLite FTS5 with the trigram tokenizer, built in DIR/fts5.db).
        #[arg(long)]
        no_peer: bool,
    },
    /// Write N synthetic past disputes (parties, mediators, agreements, outcomes) into the
    /// database, for the end-to-end search benchmark.
    Generate {
        #[arg(long, default_value_t = 1_000_000)]
        count: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum CasesCommand {
    /// Write N synthetic cases of the last year (with orders and call-backs) into a demo
    /// database, for benchmarks of the supervision board and the 三率.
    Generate {
        #[arg(long, default_value_t = 1_000_000)]
        count: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Recompute the daily tallies of the 三率 and the heat map from cases, orders and
    /// call-backs (after a restore or a bulk load; the live tallies never need it otherwise).
    RebuildRollups,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GONGZHI_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Seed the demo district into an empty database and print the demo accounts.
    #[arg(long, env = "GONGZHI_DEMO")]
    pub demo: bool,
    /// Base-map tile URL template, e.g. a 天地图 WMTS/XYZ URL (optional).
    #[arg(long, env = "GONGZHI_TILE_URL")]
    pub tile_url: Option<String>,
    /// Served over HTTPS by a proxy that sets X-Forwarded-Proto: cookies are Secure, HSTS is
    /// sent, plain-HTTP pages are redirected and plain-HTTP API calls refused.
    #[arg(long, env = "GONGZHI_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// A token Prometheus sends as `Authorization: Bearer …` to read /metrics; without one,
    /// /metrics answers only on loopback.
    #[arg(long, env = "GONGZHI_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Addresses of reverse proxies in front of the server (comma-separated): for requests
    /// from them, the client is the last address in X-Forwarded-For (throttling, audit).
    #[arg(long, env = "GONGZHI_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Minutes without a request before a web session ends.
    #[arg(long, env = "GONGZHI_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: i64,
    /// MQTT broker for device events, e.g. mqtt://user:pass@127.0.0.1:1883 (optional).
    #[arg(long, env = "GONGZHI_MQTT_URL")]
    pub mqtt_url: Option<String>,
    /// MQTT client id of this node (persistent session: give each node its own).
    #[arg(long, env = "GONGZHI_MQTT_CLIENT_ID", default_value = "gongzhi-1")]
    pub mqtt_client_id: String,
    /// Subscribe in the `$share/gongzhi/` group so that each event reaches one node only.
    /// Off by default: Mosquitto does not restore shared subscriptions of persistent
    /// sessions after a restart, so events published meanwhile would be lost. Without it
    /// every node receives every event and the event id keeps the effect single.
    #[arg(long, env = "GONGZHI_MQTT_SHARE")]
    pub mqtt_share: bool,
    /// SMS / app-push gateway webhook (the outbox POSTs JSON to it; optional).
    #[arg(long, env = "GONGZHI_SMS_WEBHOOK")]
    pub sms_webhook: Option<String>,
    /// SMTP relay for e-mail notifications, smtp://user:pass@host:port (optional).
    #[arg(long, env = "GONGZHI_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender address of e-mail notifications.
    #[arg(
        long,
        env = "GONGZHI_SMTP_FROM",
        default_value = "共治平台 <noreply@gongzhi.local>"
    )]
    pub smtp_from: String,
    /// Serve POST /api/v1/bench/baseline, the bare one-row insert the intake benchmark
    /// compares with (never in production).
    #[arg(long, hide = true)]
    pub bench_endpoints: bool,
    /// Do not require staff, mediators, administrators and auditors to enrol a second
    /// factor (TOTP). Those who enrolled are still asked for it. `--demo` implies this.
    #[arg(long, env = "GONGZHI_TOTP_OPTIONAL")]
    pub totp_optional: bool,
    /// The install's privacy policy (TOML, the format of crates/app/privacy/policy.toml);
    /// without it, the policy compiled in.
    #[arg(long, env = "GONGZHI_PRIVACY_POLICY")]
    pub privacy_policy: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the hash chain and report the first altered or removed record.
    Verify,
}

/// Entry point of the binary.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli.common.log_format);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("GONGZHI_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// The configuration every command shares (the ledger's key and origin).
fn base_config(common: &Common) -> Config {
    Config {
        ledger_origin: common.ledger_origin.clone(),
        ledger_key_file: Some(common.ledger_key_file.clone()),
        tombstone_journal: Some(common.tombstone_journal.clone()),
        ..Config::default()
    }
}

async fn open(common: &Common) -> anyhow::Result<(Db, Cipher)> {
    let db = Db::connect(&common.database_url).await?;
    db.migrate().await.context("applying migrations")?;
    let key = config::load_or_create_key(common.secret_key.as_deref(), &common.key_file)?;
    Ok((db, Cipher::new(&key)))
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(&cli.common, args).await?,
        Command::Migrate => {
            let db = Db::connect(&cli.common.database_url).await?;
            db.migrate().await?;
            println!("migrations applied");
        }
        Command::Admin(cmd) => admin(&cli.common, cmd).await?,
        Command::Classify { model } => {
            if !crate::routing::cli::classify(model.as_deref())? {
                return Ok(std::process::ExitCode::FAILURE);
            }
        }
        Command::Model(cmd) => crate::routing::cli::run(cmd)?,
        Command::Mediation(MediationCommand::Eval { k, holdout }) => {
            anyhow::ensure!((1..=50).contains(&k), "--k must be between 1 and 50");
            let e = crate::mediation::evaluate(k)?;
            let peer = crate::mediation::peer::evaluate(k).await?;
            let held = match &holdout {
                Some(p) => Some(crate::mediation::evaluate_file(p, k)?),
                None => None,
            };
            println!(
                "{}",
                serde_json::json!({"ours": e, "peer": {"engine": "sqlite-fts5-trigram", "precision": peer}, "holdout": held})
            );
        }
        Command::Mediation(MediationCommand::Bench {
            docs,
            queries,
            k,
            dir,
            seed,
            no_peer,
        }) => {
            anyhow::ensure!((1..=50).contains(&k), "--k must be between 1 and 50");
            anyhow::ensure!(queries >= 1, "--queries must be at least 1");
            let r = {
                let dir = dir.join("tantivy");
                tokio::task::spawn_blocking(move || {
                    crate::mediation::bench(docs, queries, k, &dir, seed)
                })
                .await??
            };
            let peer = if no_peer {
                None
            } else {
                Some(
                    crate::mediation::peer::bench(docs, queries, k, &dir.join("fts5.db"), seed)
                        .await?,
                )
            };
            println!("{}", serde_json::json!({"ours": r, "peer": peer}));
        }
        Command::Mediation(MediationCommand::Generate { count, seed }) => {
            let (db, cipher) = open(&cli.common).await?;
            let st =
                build_state(db, cipher, Arc::new(SystemClock), base_config(&cli.common)).await?;
            let t = Instant::now();
            let n = crate::mediation::demo::generate(&st, seed, count).await?;
            println!("{n} disputes written in {:.1}s", t.elapsed().as_secs_f64());
        }
        Command::Cases(CasesCommand::RebuildRollups) => {
            let (db, _) = open(&cli.common).await?;
            let t = Instant::now();
            crate::cases::service::rebuild_rollups(&db, chrono::Utc::now().timestamp_millis())
                .await?;
            println!("daily tallies rebuilt in {:.1}s", t.elapsed().as_secs_f64());
        }
        Command::Cases(CasesCommand::Generate { count, seed }) => {
            let (db, cipher) = open(&cli.common).await?;
            let st =
                build_state(db, cipher, Arc::new(SystemClock), base_config(&cli.common)).await?;
            let t = Instant::now();
            let (c, o, k) = crate::cases::generate::generate(&st, count, seed).await?;
            println!(
                "wrote {c} cases, {o} work orders, {k} call-backs in {:.1}s",
                t.elapsed().as_secs_f64()
            );
        }
        Command::Ledger(LedgerCommand::Verify { url, key, state }) => {
            return crate::ledger::verify::run_cli(&cli.common, url, key, state).await;
        }
        Command::Ledger(LedgerCommand::Bench {
            entries,
            batch,
            proofs,
        }) => {
            anyhow::ensure!((1..=100_000).contains(&batch), "--batch must be 1..=100000");
            let (db, cipher) = open(&cli.common).await?;
            let st =
                build_state(db, cipher, Arc::new(SystemClock), base_config(&cli.common)).await?;
            let r = crate::ledger::bench::run(&st, entries, batch, proofs).await?;
            println!("{r}");
        }
        Command::Simulate(SimulateCommand::Mmc {
            lambda,
            mu,
            servers,
            customers,
            seed,
        }) => {
            let t = Instant::now();
            let r = gongzhi_core::twin::mmc::simulate(&gongzhi_core::twin::mmc::Params {
                lambda,
                mu,
                servers,
                customers,
                seed,
            })
            .map_err(|e| anyhow::anyhow!("{}: {e}", gongzhi_core::Coded::code(&e)))?;
            let seconds = t.elapsed().as_secs_f64();
            println!(
                "{}",
                serde_json::json!({
                    "mean_wait": r.mean_wait, "ci95": r.ci95, "p_wait": r.p_wait,
                    "customers": r.customers, "events": r.events, "seconds": seconds,
                    "rho": r.rho, "warm_up": r.warm_up,
                    "erlang_c": {"mean_wait": r.erlang_c.mean_wait, "p_wait": r.erlang_c.p_wait},
                })
            );
        }
        Command::Simulate(SimulateCommand::Scenario {
            file,
            compare,
            solve_seconds,
        }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read the scenario file {}", file.display()))?;
            let scenario: gongzhi_core::twin::scenario::Scenario = toml::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{} is not a valid scenario: {e}", file.display()))?;
            let t = Instant::now();
            let m = gongzhi_core::twin::scenario::run(&scenario)
                .map_err(|e| anyhow::anyhow!("{}: {e}", gongzhi_core::Coded::code(&e)))?;
            let mut v = serde_json::to_value(&m)?;
            v["seconds"] = serde_json::json!(t.elapsed().as_secs_f64());
            if compare {
                let limit = (solve_seconds > 0.0)
                    .then(|| std::time::Duration::from_secs_f64(solve_seconds));
                let c = gongzhi_core::twin::scenario::compare(&scenario, limit)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                v["placement"] = serde_json::to_value(&c)?;
            }
            println!("{v}");
        }
        Command::Backup { out } => {
            let db = Db::connect(&cli.common.database_url).await?;
            crate::ops::backup::backup(&db, &cli.common.database_url, &out).await?;
            db.close().await;
            println!("backup written to {}", out.display());
        }
        Command::Restore { from } => {
            crate::ops::backup::restore(&from, &cli.common.database_url).await?;
            let (db, cipher) = open(&cli.common).await?;
            db.migrate().await?;
            let st = AppState::new(
                db.clone(),
                cipher,
                Arc::new(SystemClock),
                base_config(&cli.common),
            );
            let (n, again) =
                crate::rights::service::replay_tombstones(&st, &cli.common.tombstone_journal)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
            println!(
                "restored {}; {n} erasures in the journal, {again} applied again",
                from.display()
            );
            crate::audit::service::seal(&db).await?;
            match crate::audit::service::verify(&db).await? {
                crate::audit::service::Verdict::Intact { records } => {
                    println!("audit chain intact: {records} records")
                }
                crate::audit::service::Verdict::Broken(b) => {
                    println!("audit chain BROKEN after restore: {b:?}");
                    return Ok(std::process::ExitCode::from(2));
                }
            }
            db.close().await;
        }
        Command::Votes(cmd) => return Ok(recount::votes(cmd)),
        Command::Budget(cmd) => return Ok(recount::budget(cmd)),
        Command::Audit(AuditCommand::Verify) => {
            let db = Db::connect(&cli.common.database_url).await?;
            match crate::audit::service::verify(&db).await? {
                crate::audit::service::Verdict::Intact { records } => {
                    println!("audit chain intact: {records} records")
                }
                crate::audit::service::Verdict::Broken(b) => {
                    match b {
                        gongzhi_core::audit::ChainBreak::Altered { seq } => {
                            println!("audit chain BROKEN: record {seq} was altered")
                        }
                        gongzhi_core::audit::ChainBreak::Missing { expected, found } => {
                            println!(
                                "audit chain BROKEN: record {expected} is missing (next found: {found})"
                            )
                        }
                    }
                    return Ok(std::process::ExitCode::from(2));
                }
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Builds the application state on an open database (used by `serve` and the tests).
pub async fn build_state(
    db: Db,
    cipher: Cipher,
    clock: Arc<dyn crate::clock::Clock>,
    config: Config,
) -> anyhow::Result<AppState> {
    let st = AppState::new(db, cipher, clock, config);
    st.ledger_signer()?;
    crate::org::service::reload(&st).await?;
    crate::devices::service::locate_unplaced(&st).await?;
    crate::cases::jobs::ensure_calendar(&st).await?;
    Ok(st)
}

async fn serve(common: &Common, args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let (db, cipher) = open(common).await?;
    let config = Config {
        tile_url: args.tile_url.clone(),
        secure_cookies: args.secure_cookies,
        metrics_token: args.metrics_token.clone(),
        trusted_proxies: args.trusted_proxies.clone(),
        session_idle_ms: args.session_idle_minutes.max(1) * 60_000,
        demo: args.demo,
        password_cost: PasswordCost::Standard,
        sms_webhook: args.sms_webhook.clone(),
        smtp_url: args.smtp_url.clone(),
        smtp_from: args.smtp_from.clone(),
        bench: args.bench_endpoints,
        require_totp: !(args.totp_optional || args.demo),
        privacy_policy: match &args.privacy_policy {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                gongzhi_core::consent::Policy::parse(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
                Some(text)
            }
            None => None,
        },
        ..base_config(common)
    };
    let st = build_state(db.clone(), cipher, Arc::new(SystemClock), config).await?;
    if args.bench_endpoints {
        crate::ops::prepare_bench(&st).await?;
    }
    if args.demo {
        match crate::demo::seed(&st, crate::demo::DemoSize::Full).await? {
            Some(accounts) => {
                println!(
                    "演示数据 demo district ready in {:.1}s. Demo accounts (password: {}):",
                    started.elapsed().as_secs_f64(),
                    crate::demo::DEMO_PASSWORD
                );
                for a in accounts {
                    println!("  {:<16} {:<8} {}", a.username, a.role.name_zh(), a.scope);
                }
            }
            None => println!("database already holds a non-demo organisation; --demo ignored"),
        }
    }
    crate::web::metrics::handle();
    tokio::spawn(crate::org::service::watch(st.clone()));
    crate::routing::warm_up(&st);
    crate::routing::sync_corrections(&st).await?;
    tokio::spawn(crate::cases::jobs::run(st.clone()));
    tokio::spawn(crate::auth::service::housekeeping(st.clone()));
    tokio::spawn(crate::mediation::service::watch(st.clone()));
    tokio::spawn(crate::votes::service::watch(st.clone()));
    tokio::spawn(crate::timebank::service::watch(st.clone()));
    tokio::spawn(crate::notify::deliver::run(st.clone()));
    if st.is_demo() {
        tokio::spawn(crate::demo::devices::heartbeats(st.clone()));
    }
    tokio::spawn(crate::audit::service::sealer(st.db.clone()));
    tokio::spawn(crate::ledger::service::signer_loop(
        st.clone(),
        std::time::Duration::from_secs(1),
    ));
    if let Some(url) = args.mqtt_url.clone() {
        tokio::spawn(crate::devices::mqtt::run(
            st.clone(),
            url,
            args.mqtt_client_id.clone(),
            args.mqtt_share,
        ));
    }
    let stopping = st.shutdown.clone();
    let app = crate::router(st);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("binding {}", args.addr))?;
    println!(
        "gongzhi listening on http://{} (ready in {:.1}s)",
        listener.local_addr()?,
        started.elapsed().as_secs_f64()
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown({
        // Running simulations stop at the signal instead of holding the shutdown.
        async move {
            shutdown_signal().await;
            stopping.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    })
    .await?;
    db.close().await;
    println!("gongzhi stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_example_scenario_parses_and_runs() {
        let s: gongzhi_core::twin::scenario::Scenario =
            toml::from_str(include_str!("../../../../data/twin/fire-drill.toml")).expect("parses");
        let m = gongzhi_core::twin::scenario::run(&s).expect("runs");
        assert!(m.incidents > 100, "{m:?}");
        assert!(m.within_target > 0.5 && m.within_target <= 1.0, "{m:?}");
        assert!(m.vulnerable_affected > 0);
        assert_eq!(m.responders.len(), 3);
    }
}
