//! Test harness: a fresh database per test, the demo district (small), a controllable
//! clock, and request helpers that drive the router directly (no sockets).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use gongzhi_app::clock::TestClock;
use gongzhi_app::config::{Config, PasswordCost};
use gongzhi_app::db::Db;
use gongzhi_app::demo::{self, DemoSize};
use gongzhi_app::state::AppState;
use gongzhi_core::pii::Cipher;
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const PASSWORD: &str = "gongzhi-demo";
pub const TEST_KEY: [u8; 32] = [42; 32];

/// Residents in the demo district of tests that need the whole demo (books, twin).
pub const TEST_RESIDENTS: usize = 300;
/// Residents in the test fixture (one street, two communities).
pub const FIXTURE_RESIDENTS: usize = 80;

/// The database the suite runs on.
pub fn pg_url() -> Option<String> {
    std::env::var("GONGZHI_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

pub struct TestApp {
    pub st: AppState,
    pub router: Router,
    pub clock: TestClock,
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL test database's URL, if the suite runs on PostgreSQL.
    pg_url: Option<String>,
}

/// Opens a fresh, migrated, empty database: an SQLite file in a temporary directory, or a
/// PostgreSQL database copied from a migrated template (`CREATE DATABASE … TEMPLATE`, tens
/// of milliseconds, where running the migrations takes most of a second).
pub async fn fresh_db() -> (Db, String, Option<tempfile::TempDir>, Option<String>) {
    match pg_url() {
        Some(url) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let name = format!("t_{now}_{}", random_suffix());
            let admin = Db::connect(&url).await.unwrap_or_else(|e| {
                panic!("PostgreSQL at {url} is required (GONGZHI_TEST_DATABASE_URL): {e:#}")
            });
            let Db::Pg(p) = &admin else {
                unreachable!("a postgres:// URL opens PostgreSQL")
            };
            drop_stale_databases(p, now).await;
            let template = template(p, &url).await;
            sqlx::query(&format!("create database {name} template {template}"))
                .execute(p)
                .await
                .expect("create test database");
            admin.close().await;
            let test_url = with_database(&url, &name);
            let db = Db::connect(&test_url)
                .await
                .expect("connect to test database");
            (db, test_url, None, Some(name))
        }
        None => {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("test.db");
            let url = format!("sqlite://{}", path.display());
            let db = Db::connect(&url).await.expect("open sqlite");
            db.migrate().await.expect("migrate");
            (db, url, Some(dir), None)
        }
    }
}

/// `url` pointing at database `name`.
fn with_database(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).expect("database URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

/// The migrated template database of this schema version, made once (by whichever test
/// process gets there first: it is built under a temporary name and renamed when done).
async fn template(admin: &sqlx::PgPool, url: &str) -> String {
    static NAME: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    NAME.get_or_init(|| async {
        let name = format!("gz_tpl_{}", &Db::migrations_fingerprint(true)[..16]);
        let exists = |n: String| async move {
            sqlx::query_scalar::<_, i64>("select count(*) from pg_database where datname = $1")
                .bind(n)
                .fetch_one(admin)
                .await
                .expect("pg_database")
                > 0
        };
        if exists(name.clone()).await {
            return name;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let building = format!("gz_build_{now}_{}", random_suffix());
        sqlx::query(&format!("create database {building}"))
            .execute(admin)
            .await
            .expect("create template");
        let db = Db::connect(&with_database(url, &building))
            .await
            .expect("connect to template");
        db.migrate().await.expect("migrate template");
        db.close().await;
        let renamed = sqlx::query(&format!("alter database {building} rename to {name}"))
            .execute(admin)
            .await;
        if renamed.is_err() {
            // Another process finished first: use theirs.
            let _ = sqlx::query(&format!("drop database if exists {building}"))
                .execute(admin)
                .await;
        }
        assert!(exists(name.clone()).await, "template database {name}");
        name
    })
    .await
    .clone()
}

/// Test databases are left behind (a pool's idle connections would block dropping them at
/// the end of a test); each run drops those older than an hour, and unfinished templates.
async fn drop_stale_databases(p: &sqlx::PgPool, now: u64) {
    static ONCE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    ONCE.get_or_init(|| async {
        let names: Vec<String> = sqlx::query_scalar(
            "select datname::text from pg_database where datname like 't\\_%' or datname like 'gz\\_build\\_%'",
        )
        .fetch_all(p)
        .await
        .unwrap_or_default();
        for n in names {
            let (born, keep) = match n.strip_prefix("gz_build_") {
                // An unfinished template: its builder has been gone for ten minutes.
                Some(rest) => (rest.split('_').next().and_then(|t| t.parse::<u64>().ok()), 600),
                None => (n.split('_').nth(1).and_then(|t| t.parse::<u64>().ok()), 3600),
            };
            if born.unwrap_or(0) + keep < now {
                let _ = sqlx::query(&format!("drop database if exists {n} with (force)"))
                    .execute(p)
                    .await;
            }
        }
    })
    .await;
}

fn random_suffix() -> String {
    use rand::Rng;
    let mut r = rand::thread_rng();
    (0..12)
        .map(|_| char::from(b'a' + r.gen_range(0..26u8)))
        .collect()
}

impl TestApp {
    /// A fresh database with the test fixture: the demo's first street with two of its
    /// communities, a handful of residents and every demo account (no books, no twin).
    pub async fn new() -> TestApp {
        let app = Self::empty().await;
        demo::seed(&app.st, DemoSize::Fixture(FIXTURE_RESIDENTS))
            .await
            .expect("seed fixture");
        app
    }

    /// A fresh database with the whole demo district (fewer residents): for tests of what
    /// only the demo has — the public books on the ledger, the twin's saved scenario.
    pub async fn demo() -> TestApp {
        let app = Self::empty().await;
        demo::seed(&app.st, DemoSize::Residents(TEST_RESIDENTS))
            .await
            .expect("seed demo");
        app
    }

    /// The fixture with a configuration changed by `tweak` (e.g. notification channels).
    pub async fn with_config(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let app = Self::build(tweak).await;
        demo::seed(&app.st, DemoSize::Fixture(FIXTURE_RESIDENTS))
            .await
            .expect("seed fixture");
        app
    }

    /// A fresh, migrated database with nothing in it (a non-demo install).
    pub async fn empty() -> TestApp {
        Self::build(|_| {}).await
    }

    async fn build(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let (db, url, dir, pg_db) = fresh_db().await;
        let clock = TestClock::default();
        let mut config = Config {
            password_cost: PasswordCost::Test,
            ..Config::default()
        };
        tweak(&mut config);
        let st = gongzhi_app::cli::build_state(
            db,
            Cipher::new(&TEST_KEY),
            Arc::new(clock.clone()),
            config,
        )
        .await
        .expect("state");
        let router = gongzhi_app::router(st.clone());
        TestApp {
            st,
            router,
            clock,
            _dir: dir,
            pg_url: pg_db.map(|_| url),
        }
    }

    pub fn is_pg(&self) -> bool {
        self.pg_url.is_some()
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> Resp {
        self.send(
            auth.apply(Request::builder().method(Method::GET).uri(path))
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    pub async fn post_json(&self, path: &str, auth: &Auth, json: serde_json::Value) -> Resp {
        let req = auth
            .apply(
                Request::builder()
                    .method(Method::POST)
                    .uri(path)
                    .header(header::CONTENT_TYPE, "application/json"),
            )
            .body(Body::from(json.to_string()))
            .expect("request");
        self.send(req).await
    }

    /// A JSON POST arriving from `ip` (as the server sees the peer address).
    pub async fn post_json_from(
        &self,
        ip: &str,
        path: &str,
        auth: &Auth,
        json: serde_json::Value,
    ) -> Resp {
        let mut req = auth
            .apply(
                Request::builder()
                    .method(Method::POST)
                    .uri(path)
                    .header(header::CONTENT_TYPE, "application/json"),
            )
            .body(Body::from(json.to_string()))
            .expect("request");
        let addr: std::net::SocketAddr = format!("{ip}:40000").parse().expect("address");
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        self.send(req).await
    }

    pub async fn put_json(&self, path: &str, auth: &Auth, json: serde_json::Value) -> Resp {
        let req = auth
            .apply(
                Request::builder()
                    .method(Method::PUT)
                    .uri(path)
                    .header(header::CONTENT_TYPE, "application/json"),
            )
            .body(Body::from(json.to_string()))
            .expect("request");
        self.send(req).await
    }

    pub async fn post_form(&self, path: &str, auth: &Auth, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).expect("form");
        let req = auth
            .apply(
                Request::builder()
                    .method(Method::POST)
                    .uri(path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            )
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Logs in through the JSON API and returns bearer-token auth.
    pub async fn bearer(&self, username: &str) -> Auth {
        let r = self
            .post_json(
                "/api/v1/auth/login",
                &Auth::None,
                serde_json::json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.body);
        Auth::Bearer(r.json()["token"].as_str().expect("token").to_string())
    }

    /// Logs in through the login form, as a browser does, and returns cookie auth with the
    /// session's CSRF token read from a page.
    pub async fn browser(&self, username: &str) -> Auth {
        let page = self.get("/login", &Auth::None).await;
        let anon = page
            .cookie("gz_csrf")
            .expect("login page sets a CSRF cookie");
        let pre = Auth::Cookie {
            session: String::new(),
            csrf: anon.clone(),
            extra: format!("gz_csrf={anon}"),
        };
        let r = self
            .post_form(
                "/login",
                &pre,
                &[
                    ("_csrf", &anon),
                    ("username", username),
                    ("password", PASSWORD),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "form login {username}: {}",
            r.body
        );
        let session = r.cookie("gz_session").expect("session cookie");
        let mut auth = Auth::Cookie {
            session,
            csrf: String::new(),
            extra: String::new(),
        };
        // A page every signed-in account reaches, even one stopped at a gate.
        let home = self.get("/account/password", &auth).await;
        let csrf = home.meta_csrf().expect("csrf meta");
        if let Auth::Cookie { csrf: c, .. } = &mut auth {
            *c = csrf;
        }
        auth
    }

    /// Runs raw SQL against the test database (tamper tests).
    /// A query that reads the audit chain sees every committed record: seal first, as the
    /// app's own readers of the trail do.
    async fn sealed_if_audit(&self, sql: &str) {
        if sql.contains("audit_log") {
            gongzhi_app::audit::service::seal(&self.st.db)
                .await
                .expect("seal the audit trail");
        }
    }

    pub async fn exec(&self, sql: &str) -> Result<u64, sqlx::Error> {
        self.sealed_if_audit(sql).await;
        match &self.st.db {
            Db::Sqlite(p, _) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
            Db::Pg(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        }
    }

    /// One text column of the first row of a query.
    pub async fn scalar_text(&self, sql: &str) -> Option<String> {
        self.sealed_if_audit(sql).await;
        match &self.st.db {
            Db::Sqlite(p, _) => sqlx::query_scalar(sql)
                .fetch_optional(p)
                .await
                .expect("query"),
            Db::Pg(p) => sqlx::query_scalar(sql)
                .fetch_optional(p)
                .await
                .expect("query"),
        }
    }

    pub async fn scalar_i64(&self, sql: &str) -> i64 {
        self.sealed_if_audit(sql).await;
        match &self.st.db {
            Db::Sqlite(p, _) => sqlx::query_scalar(sql).fetch_one(p).await.expect("query"),
            Db::Pg(p) => sqlx::query_scalar(sql).fetch_one(p).await.expect("query"),
        }
    }

    /// Id of a demo user's resident record.
    pub async fn resident_id_of(&self, username: &str) -> i64 {
        self.scalar_i64(&format!(
            "select resident_id from users where username = '{username}'"
        ))
        .await
    }

    /// Audit records of an action.
    pub async fn audit_count(&self, action: &str, result: &str) -> i64 {
        self.scalar_i64(&format!(
            "select count(*) from audit_log where action = '{action}' and result = '{result}'"
        ))
        .await
    }
}

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Bearer(String),
    /// A browser: session cookie, the CSRF token for forms, and any extra cookies.
    Cookie {
        session: String,
        csrf: String,
        extra: String,
    },
}

impl Auth {
    pub fn apply(&self, b: axum::http::request::Builder) -> axum::http::request::Builder {
        match self {
            Auth::None => b,
            Auth::Bearer(t) => b.header(header::AUTHORIZATION, format!("Bearer {t}")),
            Auth::Cookie { session, extra, .. } => {
                let mut c = vec![];
                if !session.is_empty() {
                    c.push(format!("gz_session={session}"));
                }
                if !extra.is_empty() {
                    c.push(extra.clone());
                }
                if c.is_empty() {
                    b
                } else {
                    b.header(header::COOKIE, c.join("; "))
                }
            }
        }
    }

    pub fn csrf(&self) -> String {
        match self {
            Auth::Cookie { csrf, .. } => csrf.clone(),
            _ => String::new(),
        }
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The first error code of an error envelope.
    pub fn error_code(&self) -> String {
        self.json()["errors"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| {
                let first = v.split(';').next()?;
                let (k, val) = first.split_once('=')?;
                (k.trim() == name).then(|| val.to_string())
            })
    }

    pub fn set_cookie_line(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }

    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    pub fn meta_csrf(&self) -> Option<String> {
        let i = self.body.find(r#"name="csrf-token" content=""#)?;
        let rest = &self.body[i + r#"name="csrf-token" content=""#.len()..];
        Some(rest[..rest.find('"')?].to_string())
    }
}

/// Creates an account with the given role and scope (through the users service, as the
/// system) and logs it in.
pub async fn make_user(
    app: &TestApp,
    username: &str,
    role: gongzhi_core::identity::Role,
    scope: gongzhi_core::identity::Scope,
) -> Auth {
    use gongzhi_app::auth::service::{UserSpec, Who, create_user};
    create_user(
        &app.st,
        Who::System("test"),
        &UserSpec {
            username,
            display_name: "测试账号",
            password: PASSWORD,
            role,
            scope,
            resident_id: None,
        },
    )
    .await
    .expect("create user");
    app.bearer(username).await
}

/// Creates a staff account of a handling unit (by unit code) and logs it in.
pub async fn make_unit_user(app: &TestApp, unit_code: &str) -> Auth {
    use gongzhi_core::identity::{Role, Scope};
    let unit = app
        .st
        .org_map()
        .handling_unit_by_code(unit_code)
        .expect("unit exists");
    let username = format!("u-{}", unit_code.to_lowercase().replace('_', "-"));
    make_user(app, &username, Role::UnitStaff, Scope::Unit(unit)).await
}

/// A TCP port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The location of a demo user's own building (inside their compound).
pub async fn home_of(app: &TestApp, username: &str) -> (f64, f64) {
    let sql = |col: &str| {
        format!(
            "select cast(b.{col} as text) from users u join residents r on r.id = u.resident_id \
             join org_units b on b.id = r.building_id where u.username = '{username}'"
        )
    };
    let lng = app.scalar_text(&sql("lng")).await.expect("lng");
    let lat = app.scalar_text(&sql("lat")).await.expect("lat");
    (lng.parse().expect("lng"), lat.parse().expect("lat"))
}

impl TestApp {
    /// Serves the app on a free loopback port (for browsers and external clients).
    pub async fn serve(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = self.router.clone();
        tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await;
        });
        addr
    }
}

impl TestApp {
    /// The database as another app node would open it: a pool of its own on PostgreSQL;
    /// on SQLite (one process owns the file) the same pool.
    pub async fn other_node_db(&self) -> Db {
        match &self.pg_url {
            Some(url) => Db::connect(url).await.expect("second pool"),
            None => self.st.db.clone(),
        }
    }

    /// Another app node on the same database (its own state, caches and signer).
    pub async fn other_node(&self) -> AppState {
        gongzhi_app::cli::build_state(
            self.other_node_db().await,
            Cipher::new(&TEST_KEY),
            Arc::new(self.clock.clone()),
            Config {
                password_cost: PasswordCost::Test,
                ..Config::default()
            },
        )
        .await
        .expect("other node")
    }
}

impl TestApp {
    /// Another node on the same database whose configuration `tweak` changes (a new
    /// privacy policy, say); the original must outlive it (it owns the database file).
    pub async fn node_with(&self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = Config {
            password_cost: PasswordCost::Test,
            ..Config::default()
        };
        tweak(&mut config);
        let st = gongzhi_app::cli::build_state(
            self.other_node_db().await,
            Cipher::new(&TEST_KEY),
            Arc::new(self.clock.clone()),
            config,
        )
        .await
        .expect("node");
        let router = gongzhi_app::router(st.clone());
        TestApp {
            st,
            router,
            clock: self.clock.clone(),
            _dir: None,
            pg_url: self.pg_url.clone(),
        }
    }
}

impl TestApp {
    /// A DELETE with no body.
    pub async fn send_delete(&self, path: &str, auth: &Auth) -> Resp {
        let req = auth
            .apply(Request::builder().method(Method::DELETE).uri(path))
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }
}

/// A new, empty database to restore into: a file path in a temporary directory, or a new
/// PostgreSQL database (no tables).
pub async fn scratch_url() -> (String, Option<tempfile::TempDir>) {
    match pg_url() {
        Some(url) => {
            // Named like the other test databases, so that the stale ones are dropped too.
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let name = format!("t_{now}_s{}", random_suffix());
            let admin = Db::connect(&url).await.expect("PostgreSQL");
            let Db::Pg(p) = &admin else {
                unreachable!("a postgres:// URL opens PostgreSQL")
            };
            sqlx::query(&format!("create database {name}"))
                .execute(p)
                .await
                .expect("create scratch database");
            admin.close().await;
            (with_database(&url, &name), None)
        }
        None => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}", dir.path().join("restored.db").display());
            (url, Some(dir))
        }
    }
}

impl TestApp {
    /// The database URL of this app (SQLite file or PostgreSQL database).
    pub fn db_url(&self) -> String {
        match (&self.pg_url, &self._dir) {
            (Some(u), _) => u.clone(),
            (None, Some(d)) => format!("sqlite://{}", d.path().join("test.db").display()),
            (None, None) => panic!("a node made by node_with has no database of its own"),
        }
    }

    /// An app on another database (a restored copy) with this one's clock and key.
    pub async fn on_database(&self, url: &str, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let db = Db::connect(url).await.expect("open the restored database");
        db.migrate().await.expect("migrate the restored database");
        let mut config = Config {
            password_cost: PasswordCost::Test,
            ..Config::default()
        };
        tweak(&mut config);
        let st = gongzhi_app::cli::build_state(
            db,
            Cipher::new(&TEST_KEY),
            Arc::new(self.clock.clone()),
            config,
        )
        .await
        .expect("state on the restored database");
        let router = gongzhi_app::router(st.clone());
        TestApp {
            st,
            router,
            clock: self.clock.clone(),
            _dir: None,
            pg_url: url.starts_with("postgres").then(|| url.to_string()),
        }
    }
}

impl TestApp {
    /// A PATCH with a JSON body.
    pub async fn send_patch(&self, path: &str, auth: &Auth, json: serde_json::Value) -> Resp {
        let req = auth
            .apply(
                Request::builder()
                    .method(Method::PATCH)
                    .uri(path)
                    .header(header::CONTENT_TYPE, "application/json"),
            )
            .body(Body::from(json.to_string()))
            .expect("request");
        self.send(req).await
    }
}

impl TestApp {
    /// A request from a given client address (as the server's listener would record it).
    pub async fn send_from(
        &self,
        ip: &str,
        method: Method,
        path: &str,
        auth: &Auth,
        json: Option<serde_json::Value>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if json.is_some() {
            b = b.header(header::CONTENT_TYPE, "application/json");
        }
        let mut req = auth
            .apply(b)
            .body(json.map_or_else(Body::empty, |j| Body::from(j.to_string())))
            .expect("request");
        let addr: std::net::SocketAddr = format!("{ip}:40000").parse().expect("address");
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        self.send(req).await
    }
}

/// Registers a resident in `parent`'s household, born on `born` (y, m, d), with the name
/// and mobile given (a child for a guardian's consent): the resident id.
pub async fn register_in_household_of(
    app: &TestApp,
    parent: &str,
    born: (i32, u32, u32),
    name: &str,
    phone: &str,
) -> i64 {
    let parent = app.resident_id_of(parent).await;
    let col = |c: &str| format!("select {c} from residents where id = {parent}");
    let place = gongzhi_app::residents::service::Place {
        building_id: app.scalar_i64(&col("building_id")).await,
        grid_id: app.scalar_i64(&col("grid_id")).await,
        community_id: app.scalar_i64(&col("community_id")).await,
        street_id: app.scalar_i64(&col("street_id")).await,
    };
    let household = app.scalar_i64(&col("household_id")).await;
    let first17 = format!("110105{:04}{:02}{:02}123", born.0, born.1, born.2);
    let id_number = format!(
        "{first17}{}",
        gongzhi_core::pii::check_char(first17.as_bytes())
    );
    let mut tx = app.st.db.begin().await.unwrap();
    let id = gongzhi_app::residents::service::register(
        &app.st,
        &mut tx,
        &gongzhi_app::residents::service::Registration {
            household_id: household,
            place,
            name,
            gender: "女",
            birth_year: i64::from(born.0),
            phone,
            id_number: &id_number,
            tags: &[],
        },
        app.st.now_ms(),
    )
    .await
    .expect("register the resident");
    tx.commit().await.unwrap();
    id
}
