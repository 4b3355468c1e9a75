//! In a real browser (Debian's headless chromium through chromedriver): staff1 logs in and
//! sees the map with every grid drawn; screenshots go to target/screenshots/ for review.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};

use crate::support::{PASSWORD, TestApp, free_port, in_ci};

const CHROMIUM: &str = "/usr/bin/chromium";
/// How often a wait looks again (fantoccini's default, 250 ms, mostly waits for nothing).
const POLL: Duration = Duration::from_millis(20);
/// How long a wait for something the server computes (filing a case, a map, a heat map)
/// may take: on 2 cores with the other suites running beside it, one took over 15 s (the
/// case walk's WaitTimeout in CI). Only a failing wait takes this long.
const SLOW: u64 = 45;
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Saves a screenshot of the page for review (`GONGZHI_SCREENSHOTS=0` skips them).
async fn snap(
    c: &fantoccini::Client,
    dir: &std::path::Path,
    name: &str,
) -> Result<(), fantoccini::error::CmdError> {
    if std::env::var("GONGZHI_SCREENSHOTS").is_ok_and(|v| v == "0") {
        return Ok(());
    }
    std::fs::write(dir.join(name), c.screenshot().await?).expect("write screenshot");
    Ok(())
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// A headless Chromium session through chromedriver on `port`.
async fn browser(port: u16, window: &str) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", format!("--window-size={window}"),
                     "--lang=zh-CN", "--accept-lang=zh-CN", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
        }),
    );
    ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("webdriver session")
}

/// Starts chromedriver, or says why the browser test cannot run (a failure in CI).
async fn start_driver() -> Option<(Driver, u16)> {
    if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists() {
        assert!(
            !in_ci(),
            "CI needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
        );
        eprintln!("SKIPPED browser test: install chromium and chromium-driver to run it");
        return None;
    }
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn chromedriver");
    let driver = Driver(child);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some((driver, port));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_logs_in_and_sees_the_grid_map() {
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let app = TestApp::new().await;
    let addr = app.serve().await;
    let c = browser(port, "1366,900").await;
    let base = format!("http://{addr}");
    let result = async {
        c.goto(&format!("{base}/")).await?;
        // Not logged in: the home page sends us to the login form.
        assert!(c.current_url().await?.path().starts_with("/login"));
        c.find(Locator::Css("#username"))
            .await?
            .send_keys("staff1")
            .await?;
        c.find(Locator::Css("#password"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        c.find(Locator::Css("button.primary"))
            .await?
            .click()
            .await?;
        let map = c
            .wait()
            .every(POLL)
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#map[data-ready]"))
            .await?;
        assert_eq!(
            map.attr("data-ready").await?.as_deref(),
            Some("14"),
            "all 14 grids of the fixture drawn"
        );
        let shapes = c
            .find_all(Locator::Css("#map path.leaflet-interactive"))
            .await?;
        assert!(
            shapes.len() >= 24,
            "grids and compounds drawn as paths: {}",
            shapes.len()
        );
        let labels = c.find_all(Locator::Css(".grid-label")).await?;
        assert_eq!(labels.len(), 14, "every grid labelled");
        let title = c.find(Locator::Css("main h1")).await?.text().await?;
        assert_eq!(title, "社区概览");
        let dir = screenshots();
        snap(&c, &dir, "home-staff1.png").await?;

        // 适老模式, then a 360 px phone.
        c.find(Locator::XPath("//button[contains(., '适老模式')]"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("body.elder #map[data-ready]"))
            .await?;
        snap(&c, &dir, "home-staff1-elder.png").await?;
        c.set_window_size(360, 800).await?;
        c.refresh().await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#map[data-ready]"))
            .await?;
        snap(&c, &dir, "home-staff1-phone-elder.png").await?;

        // The other pages of the foundation, for review (normal mode, desktop).
        c.find(Locator::XPath("//button[contains(., '退出适老模式')]"))
            .await?
            .click()
            .await?;
        c.set_window_size(1366, 900).await?;
        c.goto(&format!("{base}/residents")).await?;
        let masked = c
            .find(Locator::Css("table.list tbody tr td:nth-child(4)"))
            .await?
            .text()
            .await?;
        assert!(
            masked.contains("****"),
            "masked phone in the list: {masked}"
        );
        snap(&c, &dir, "residents-staff1.png").await?;
        c.find(Locator::XPath("//form[@action='/logout']/button"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#username"))
            .await?;
        snap(&c, &dir, "login.png").await?;
        c.find(Locator::Css("#username"))
            .await?
            .send_keys("admin")
            .await?;
        c.find(Locator::Css("#password"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        c.find(Locator::Css("button.primary"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#map"))
            .await?;
        for (path, name) in [
            ("/admin/users", "admin-users"),
            ("/admin/org", "admin-org"),
            ("/admin/units", "admin-units"),
        ] {
            c.goto(&format!("{base}{path}")).await?;
            snap(&c, &dir, &format!("{name}.png")).await?;
        }
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.expect("browser steps");
}

async fn login(
    c: &fantoccini::Client,
    base: &str,
    user: &str,
) -> Result<(), fantoccini::error::CmdError> {
    c.goto(&format!("{base}/login")).await?;
    c.find(Locator::Css("#username"))
        .await?
        .send_keys(user)
        .await?;
    c.find(Locator::Css("#password"))
        .await?
        .send_keys(PASSWORD)
        .await?;
    c.find(Locator::Css("button.primary"))
        .await?
        .click()
        .await?;
    c.wait()
        .every(POLL)
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("main h1"))
        .await?;
    Ok(())
}

async fn logout(c: &fantoccini::Client) -> Result<(), fantoccini::error::CmdError> {
    c.find(Locator::XPath("//form[@action='/logout']/button"))
        .await?
        .click()
        .await?;
    c.wait()
        .every(POLL)
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#username"))
        .await?;
    Ok(())
}

/// A 1×1 PNG to attach as the report's photo.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_files_a_report_and_the_dispatcher_sees_it_on_the_map() {
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let app = TestApp::new().await;
    gongzhi_app::cases::demo::seed_history(&app.st, 11, 300)
        .await
        .expect("history");
    let addr = app.serve().await;
    let c = browser(port, "1366,1000").await;
    let base = format!("http://{addr}");
    let dir = screenshots();
    let photo = std::env::temp_dir().join(format!("gongzhi-photo-{}.png", std::process::id()));
    std::fs::write(&photo, PNG).expect("photo");
    let result = async {
        // The resident reports a burst pipe: building preselected, a photo attached.
        login(&c, &base, "resident1").await?;
        c.goto(&format!("{base}/cases/new")).await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("#pin-map .leaflet-marker-icon"))
            .await?;
        c.find(Locator::Css("textarea[name=text]"))
            .await?
            .send_keys("我家楼下水管爆了，水一直往外冒，楼道里全是水")
            .await?;
        c.find(Locator::Css("#photos"))
            .await?
            .send_keys(photo.to_str().expect("path"))
            .await?;
        snap(&c, &dir, "case-new-resident1.png").await?;
        c.find(Locator::Css("#report-form button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("p.flash"))
            .await?;
        let url = c.current_url().await?;
        let id: i64 = url
            .path()
            .trim_start_matches("/cases/")
            .parse()
            .expect("case id in the URL");
        let head = c
            .find(Locator::Css("section.case-head h2"))
            .await?
            .text()
            .await?;
        assert!(
            head.contains("供水") || head.contains("水"),
            "category shown: {head}"
        );
        let units = c.find_all(Locator::Css("article.order h3")).await?;
        assert_eq!(units.len(), 2, "property company and water utility");
        let thumbs = c
            .find_all(Locator::Css("section.case-head img.thumb"))
            .await?;
        assert_eq!(thumbs.len(), 1, "the photo is on the case");
        snap(&c, &dir, "case-detail-resident1.png").await?;
        c.goto(&format!("{base}/cases")).await?;
        snap(&c, &dir, "cases-mine-resident1.png").await?;
        logout(&c).await?;

        // The dispatcher sees it in the queue and on the map.
        login(&c, &base, "staff1").await?;
        c.goto(&format!("{base}/dispatch")).await?;
        let map = c
            .wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("#case-map[data-ready]"))
            .await?;
        let n: usize = map
            .attr("data-ready")
            .await?
            .unwrap_or_default()
            .parse()
            .unwrap_or(0);
        assert!(n >= 1, "open cases on the map: {n}");
        let markers = c
            .find_all(Locator::Css("#case-map path.leaflet-interactive"))
            .await?;
        assert!(markers.len() >= n, "a marker per case");
        let queue = c.find(Locator::Css("table.cases")).await?.text().await?;
        assert!(
            queue.contains(&id.to_string()),
            "the new case is in the queue"
        );
        snap(&c, &dir, "dispatch-staff1.png").await?;
        c.goto(&format!("{base}/cases/{id}")).await?;
        snap(&c, &dir, "case-detail-staff1.png").await?;
        logout(&c).await?;

        // The property company signs for it from its order list.
        login(&c, &base, "unit-property1").await?;
        c.goto(&format!("{base}/orders")).await?;
        snap(&c, &dir, "orders-unit-property1.png").await?;
        logout(&c).await?;

        // Supervision with the heat map; the phone-sized report form for a grid worker.
        login(&c, &base, "street1").await?;
        c.goto(&format!("{base}/supervision")).await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("#heat[data-ready]"))
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("#grid-heat[data-ready]"))
            .await?;
        snap(&c, &dir, "supervision-street1.png").await?;
        logout(&c).await?;
        login(&c, &base, "grid1").await?;
        c.set_window_size(360, 800).await?;
        c.goto(&format!("{base}/cases/new")).await?;
        snap(&c, &dir, "case-new-grid1-phone.png").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    let _ = std::fs::remove_file(&photo);
    result.expect("browser steps");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_files_a_dispute_and_the_mediator_sees_similar_cases() {
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let app = TestApp::new().await;
    let addr = app.serve().await;
    let c = browser(port, "1366,1000").await;
    let base = format!("http://{addr}");
    let dir = screenshots();
    let result = async {
        // The resident files a leaking-ceiling dispute against the flat above.
        login(&c, &base, "resident1").await?;
        c.goto(&format!("{base}/mediation/new")).await?;
        c.find(Locator::Css("textarea[name=account]"))
            .await?
            .send_keys("楼上卫生间漏水，渗到我家天花板，墙皮发霉脱落，邻居多次协商不肯维修，还说是我家自己的问题。")
            .await?;
        c.find(Locator::Css("textarea[name=wants]"))
            .await?
            .send_keys("请楼上修好防水，赔偿吊顶维修费")
            .await?;
        c.find(Locator::Css("input[name=other_name]"))
            .await?
            .send_keys("402室住户")
            .await?;
        c.find(Locator::Css("input[name=consent]"))
            .await?
            .click()
            .await?;
        snap(&c, &dir, "mediation-new-resident1.png").await?;
        c.find(Locator::Css("form.report button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("p.flash"))
            .await?;
        let url = c.current_url().await?;
        let id: i64 = url
            .path()
            .trim_start_matches("/mediation/disputes/")
            .parse()
            .expect("dispute id in the URL");
        let head = c
            .find(Locator::Css("section.case-head h2"))
            .await?
            .text()
            .await?;
        assert!(head.contains("待同意调解"), "status shown: {head}");
        snap(&c, &dir, "mediation-dispute-resident1.png").await?;
        logout(&c).await?;

        // Not a party: the neighbour's account gets the not-found page.
        login(&c, &base, "resident2").await?;
        c.goto(&format!("{base}/mediation/disputes/{id}")).await?;
        let body = c.find(Locator::Css("body")).await?.text().await?;
        assert!(!body.contains("402室住户") && !body.contains("漏水"), "{body}");
        snap(&c, &dir, "mediation-dispute-resident2-404.png").await?;
        c.goto(&format!("{base}/mediation")).await?;
        logout(&c).await?;

        // The mediator finds it in the workspace, matched to them, with similar cases.
        login(&c, &base, "mediator1").await?;
        c.goto(&format!("{base}/mediation")).await?;
        let list = c.find(Locator::Css("table.disputes")).await?.text().await?;
        assert!(list.contains(&id.to_string()), "in the workspace: {list}");
        snap(&c, &dir, "mediation-workspace-mediator1.png").await?;
        c.goto(&format!("{base}/mediation/disputes/{id}")).await?;
        let hits = c.find_all(Locator::Css("section.similar article.hit")).await?;
        assert!(hits.len() >= 3, "similar cases: {}", hits.len());
        let marked = c
            .find_all(Locator::Css("section.similar p.snippet b"))
            .await?;
        assert!(!marked.is_empty(), "matching words highlighted");
        let mediators = c.find(Locator::Css("body")).await?.text().await?;
        assert!(mediators.contains("周敏"), "matched to mediator1");
        // The other party agreed by phone: the mediator records it.
        c.find(Locator::XPath(
            "//form[.//input[@name='op' and @value='consent']]//button[@value='yes']",
        ))
        .await?
        .click()
        .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("p.flash"))
            .await?;
        let head = c
            .find(Locator::Css("section.case-head h2"))
            .await?
            .text()
            .await?;
        assert!(head.contains("调解中"), "mediation begins: {head}");
        snap(&c, &dir, "mediation-dispute-mediator1.png").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.expect("browser steps");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anyone_checks_a_fund_movement_on_the_public_ledger_and_staff_record_one() {
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let app = TestApp::demo().await;
    let signer = app.st.ledger_signer().expect("signer");
    gongzhi_app::ledger::service::sign(&app.st.db, &signer, app.st.now_ms())
        .await
        .expect("checkpoint");
    let addr = app.serve().await;
    let c = browser(port, "1366,1000").await;
    let base = format!("http://{addr}");
    let dir = screenshots();
    let result = async {
        // No sign-in: the books of every community and the ledger's key and checkpoint.
        c.goto(&format!("{base}/gongshi")).await?;
        let body = c.find(Locator::Css("body")).await?.text().await?;
        for want in [
            "专项维修资金",
            "微更新基金",
            "怎样自己核对",
            "gongzhi ledger verify",
        ] {
            assert!(body.contains(want), "/gongshi lacks {want}");
        }
        snap(&c, &dir, "gongshi-overview.png").await?;
        c.find(Locator::Css("table.funds tbody a"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("#movements"))
            .await?;
        snap(&c, &dir, "gongshi-community.png").await?;
        // A movement's proof, checked by the browser itself.
        c.find(Locator::Css("#movements tbody td:last-child a"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("#check"))
            .await?;
        c.find(Locator::Css("#check")).await?.click().await?;
        // The check is asynchronous (WebCrypto): wait for its verdict.
        for _ in 0..150 {
            let t = c.find(Locator::Css("#check-result")).await?.text().await?;
            if !t.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let verdict = c.find(Locator::Css("#check-result")).await?.text().await?;
        assert!(
            verdict.contains("核对通过"),
            "the browser's check: {verdict}"
        );
        snap(&c, &dir, "gongshi-entry.png").await?;

        // Community staff record a movement on their community's page.
        login(&c, &base, "staff1").await?;
        let community: i64 = app
            .scalar_i64("select scope_id from users where username = 'staff1'")
            .await;
        c.goto(&format!("{base}/gongshi/communities/{community}"))
            .await?;
        c.find(Locator::Css("select[name=category]"))
            .await?
            .select_by_value("interest")
            .await?;
        c.find(Locator::Css("input[name=amount]"))
            .await?
            .send_keys("321.09")
            .await?;
        c.find(Locator::Css("input[name=purpose]"))
            .await?
            .send_keys("第四季度专户利息")
            .await?;
        c.find(Locator::Css("input[name=counterparty]"))
            .await?
            .send_keys("某商业银行")
            .await?;
        c.find(Locator::Css("input[name=approval]"))
            .await?
            .send_keys("银行结息")
            .await?;
        snap(&c, &dir, "gongshi-record-staff1.png").await?;
        c.find(Locator::Css("form.fields button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("p.flash"))
            .await?;
        let table = c.find(Locator::Css("#movements")).await?.text().await?;
        assert!(
            table.contains("+321.09") && table.contains("第四季度专户利息"),
            "{table}"
        );
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.expect("browser steps");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_build_a_fire_scenario_and_see_today_s_posts_beside_the_optimised_ones() {
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let app = TestApp::demo().await;
    let addr = app.serve().await;
    let c = browser(port, "1366,1000").await;
    let base = format!("http://{addr}");
    let dir = screenshots();
    let result = async {
        login(&c, &base, "staff1").await?;
        c.goto(&format!("{base}/twin")).await?;
        c.find(Locator::Css("form.filters button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("form.twin-builder"))
            .await?;
        let form = c
            .find(Locator::Css("form.twin-builder"))
            .await?
            .text()
            .await?;
        assert!(form.contains("火灾") && form.contains("网格员"), "{form}");
        snap(&c, &dir, "twin-builder-staff1.png").await?;
        c.find(Locator::Css("form.twin-builder button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("#covered-optimised"))
            .await?;
        let today = c.find(Locator::Css("#covered-today")).await?.text().await?;
        let optimised = c
            .find(Locator::Css("#covered-optimised"))
            .await?
            .text()
            .await?;
        let num = |s: &str| -> (u32, u32) {
            let mut it = s
                .split('/')
                .map(|x| x.trim().parse::<u32>().expect("a count"));
            (it.next().expect("reached"), it.next().expect("of"))
        };
        let (t, total) = num(&today);
        let (o, total2) = num(&optimised);
        assert_eq!(total, total2);
        assert!(o >= t && total > 0, "{today} vs {optimised}");
        // The map and the charts drew.
        for _ in 0..100 {
            let ready = c
                .find(Locator::Css("#twin-map"))
                .await?
                .attr("data-ready")
                .await?;
            let charts = c
                .find(Locator::Css("#twin-minutes"))
                .await?
                .attr("data-ready")
                .await?;
            if ready.is_some() && charts.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(
            c.find(Locator::Css("#twin-map"))
                .await?
                .attr("data-ready")
                .await?,
            Some("1".into())
        );
        assert_eq!(
            c.find(Locator::Css("#twin-minutes"))
                .await?
                .attr("data-ready")
                .await?,
            Some("1".into())
        );
        snap(&c, &dir, "twin-result-staff1.png").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.expect("browser steps");
}

/// Issue 17's pages in a real browser under the CSP: street staff review a correction (the
/// live model learns it), then change their password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn street_staff_review_a_correction_and_change_their_password() {
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let filed = app
        .post_json(
            "/api/v1/cases",
            &staff,
            serde_json::json!({"text": "小区里有人私自占用消防通道堆放杂物", "lng": lng, "lat": lat,
                               "category": "SVC.CONSULT", "channel": "hotline"}),
        )
        .await;
    assert!(filed.status.is_success(), "{}", filed.body);
    let addr = app.serve().await;
    let c = browser(port, "1366,900").await;
    let base = format!("http://{addr}");
    let dir = screenshots();
    let result = async {
        login(&c, &base, "street1").await?;
        c.goto(&format!("{base}/routing/corrections")).await?;
        let title = c.find(Locator::Css("main h1")).await?.text().await?;
        assert_eq!(title, "分类纠正审核");
        snap(&c, &dir, "routing-corrections-street1.png").await?;
        c.find(Locator::XPath("//button[@value='accept']"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("p.flash"))
            .await?;
        c.goto(&format!("{base}/account/password")).await?;
        c.find(Locator::Css("#current"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        c.find(Locator::Css("#new"))
            .await?
            .send_keys("街道审核换个新密码")
            .await?;
        c.find(Locator::Css("#confirm"))
            .await?
            .send_keys("街道审核换个新密码")
            .await?;
        snap(&c, &dir, "account-password-street1.png").await?;
        c.find(Locator::Css("form.fields button.primary"))
            .await?
            .click()
            .await?;
        let flash = c
            .wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("p.flash"))
            .await?
            .text()
            .await?;
        assert!(flash.contains("密码已修改"), "{flash}");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.expect("browser steps");
    assert_eq!(
        app.scalar_i64("select count(*) from routing_corrections where status = 'accepted'")
            .await,
        1
    );
}

/// Issue 17's pages: a staff member is stopped until they enrol a second factor (QR code,
/// recovery codes), then signs in with a code; a resident gives and withdraws consent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_enrol_a_second_factor_and_a_resident_manages_consent() {
    use gongzhi_core::identity::totp;
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let app = TestApp::with_config(|c| c.require_totp = true).await;
    // The demo's own grants (a health note, talent listings, after-school enrolments).
    let demo_grants = app.audit_count("consent.grant", "ok").await;
    let addr = app.serve().await;
    let c = browser(port, "1366,1000").await;
    let base = format!("http://{addr}");
    let dir = screenshots();
    let result = async {
        login(&c, &base, "staff1").await?;
        assert!(c.current_url().await?.path().starts_with("/account/totp"));
        c.find(Locator::XPath("//form[@action='/account/totp']/button"))
            .await?
            .click()
            .await?;
        let secret = c
            .wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("code.secret"))
            .await?
            .text()
            .await?;
        c.find(Locator::Css("div.qr svg")).await?;
        snap(&c, &dir, "totp-enrol-staff1.png").await?;
        let code = totp::code_at_step(&secret, totp::step_of(app.st.now_ms())).unwrap();
        c.find(Locator::Css("#code"))
            .await?
            .send_keys(&code)
            .await?;
        c.find(Locator::XPath(
            "//form[@action='/account/totp/confirm']/button",
        ))
        .await?
        .click()
        .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("ol.recovery-codes"))
            .await?;
        let codes = c.find_all(Locator::Css("ol.recovery-codes li")).await?;
        assert_eq!(codes.len(), 10);
        snap(&c, &dir, "totp-recovery-staff1.png").await?;
        logout(&c).await?;
        // Signing in again needs the code of a later time step.
        app.clock.advance_ms(30_000);
        c.find(Locator::Css("#username"))
            .await?
            .send_keys("staff1")
            .await?;
        c.find(Locator::Css("#password"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        c.find(Locator::Css("button.primary"))
            .await?
            .click()
            .await?;
        let err = c
            .wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("p.error"))
            .await?
            .text()
            .await?;
        assert!(err.contains("动态验证码"), "{err}");
        let code = totp::code_at_step(&secret, totp::step_of(app.st.now_ms())).unwrap();
        c.find(Locator::Css("#password"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        c.find(Locator::Css("#otp")).await?.send_keys(&code).await?;
        snap(&c, &dir, "login-otp.png").await?;
        c.find(Locator::Css("button.primary"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::XPath("//form[@action='/logout']"))
            .await?;
        assert_eq!(c.current_url().await?.path(), "/");
        logout(&c).await?;

        // A resident's consent page: necessary purposes listed, optional ones one click.
        login(&c, &base, "resident1").await?;
        c.goto(&format!("{base}/account/privacy")).await?;
        let body = c.find(Locator::Css("main")).await?.text().await?;
        assert!(
            body.contains("必要") && body.contains("可选") && body.contains("敏感信息"),
            "{body}"
        );
        snap(&c, &dir, "privacy-resident1.png").await?;
        c.find(Locator::XPath(
            "//form[@action='/account/privacy/grant'][input[@value='notify_external']]/button",
        ))
        .await?
        .click()
        .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::XPath(
                "//form[@action='/account/privacy/withdraw'][input[@value='notify_external']]",
            ))
            .await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.expect("browser steps");
    // One grant here, besides the demo's.
    assert_eq!(
        app.audit_count("consent.grant", "ok").await,
        demo_grants + 1
    );
}

/// axe-core, vendored (tests/vendor/axe-core; MPL-2.0): injected into each page.
const AXE: &str = include_str!("../vendor/axe-core/axe.min.js");

/// Runs axe-core on the current page (WCAG 2.1 A and AA rules) and returns its serious and
/// critical findings as `rule: target…` lines.
async fn axe_findings(c: &fantoccini::Client) -> Result<Vec<String>, fantoccini::error::CmdError> {
    c.execute(AXE, vec![]).await?;
    let result = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                  .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                      .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
                  .catch(e => done(['axe failed: ' + e]));"#,
            vec![],
        )
        .await?;
    Ok(result
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

/// Every role opens every entry of its menu: none is a refusal or an error page, and axe-core
/// finds nothing serious or critical on any of them, on a desktop and on a phone; the public
/// pages likewise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_menu_entry_of_every_role_opens_and_passes_axe() {
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let app = TestApp::demo().await;
    let addr = app.serve().await;
    let base = format!("http://{addr}");
    // Beyond the menus, the pages people spend their day on: a case, a dispute, a scenario,
    // a community's books, the report and dispute forms.
    let community = app
        .scalar_i64("select community_id from residents where id = (select resident_id from users where username = 'resident1')")
        .await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r1 = app.bearer("resident1").await;
    let case = app
        .post_json(
            "/api/v1/cases",
            &r1,
            serde_json::json!({"text": "3号楼楼道的灯坏了，晚上很黑", "lng": lng, "lat": lat}),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("a case");
    let dispute = app
        .post_json(
            "/api/v1/disputes",
            &r1,
            serde_json::json!({"account": "楼上装修每天早上七点开始电钻，多次沟通无果", "wants": "按规定时间施工",
                               "dtype": "neighbour", "parties": [{"name": "402室住户"}], "consent": true}),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("a dispute");
    let scenario = app
        .scalar_i64(&format!(
            "select min(id) from twin_scenarios where community_id = {community}"
        ))
        .await;
    let extra: Vec<(&str, String)> = vec![
        ("staff1", format!("/cases/{case}")),
        ("staff1", format!("/mediation/disputes/{dispute}")),
        ("staff1", format!("/twin/scenarios/{scenario}")),
        ("staff1", "/twin/new".to_string()),
        ("staff1", "/mediation/new".to_string()),
        ("staff1", "/account/privacy".to_string()),
        ("resident1", "/cases/new".to_string()),
        ("resident1", "/mediation/new".to_string()),
        ("resident1", "/account/privacy".to_string()),
        ("resident1", "/account/password".to_string()),
        ("street1", "/routing/corrections".to_string()),
    ];
    let mut problems = Vec::new();
    let mut checked = 0;
    for window in ["1366,900", "390,844"] {
        let c = browser(port, window).await;
        let result = async {
            for path in [
                "/login",
                "/gongshi",
                &format!("/gongshi/communities/{community}"),
            ] {
                c.goto(&format!("{base}{path}")).await?;
                for f in axe_findings(&c).await? {
                    problems.push(format!("[{window}] anonymous {path}: {f}"));
                }
                checked += 1;
            }
            for user in [
                "resident1",
                "staff1",
                "grid1",
                "head1",
                "unit-water",
                "mediator1",
                "street1",
                "admin",
                "auditor1",
            ] {
                login(&c, &base, user).await?;
                c.wait()
                    .every(POLL)
                    .at_most(Duration::from_secs(SLOW))
                    .for_element(Locator::Css("nav.sidenav a"))
                    .await?;
                let mut hrefs = vec![];
                for a in c.find_all(Locator::Css("nav.sidenav a")).await? {
                    if let Some(h) = a.attr("href").await? {
                        hrefs.push(h);
                    }
                }
                assert!(hrefs.len() >= 3, "{user} has a menu");
                hrefs.extend(
                    extra
                        .iter()
                        .filter(|(u, _)| *u == user)
                        .map(|(_, p)| p.clone()),
                );
                for href in hrefs {
                    c.goto(&format!("{base}{href}")).await?;
                    if c.find(Locator::Css("main.error-page")).await.is_ok() {
                        let msg = c.find(Locator::Css("main")).await?.text().await?;
                        problems.push(format!("[{window}] {user} {href}: an error page: {msg}"));
                        continue;
                    }
                    for f in axe_findings(&c).await? {
                        problems.push(format!("[{window}] {user} {href}: {f}"));
                    }
                    checked += 1;
                }
                logout(&c).await?;
            }
            Ok::<_, fantoccini::error::CmdError>(())
        }
        .await;
        let _ = c.close().await;
        result.expect("browser steps");
    }
    assert!(
        problems.is_empty(),
        "{} problems on {checked} pages:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
    assert!(checked > 60, "{checked} pages checked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_enter_an_elderly_owner_s_paper_ballot_with_its_scan_and_close_the_vote() {
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let app = TestApp::new().await;
    let vote = app.scalar_i64("select max(id) from votes").await;
    // An owner of the vote's register other than resident1, born in 1946: she brings her
    // paper ballot to the community office.
    let r1 = app.resident_id_of("resident1").await;
    let unit = app
        .scalar_text(&format!(
            "select unit from vote_units where vote_id = {vote} and owner_key like 'r:%' \
             and owner_key <> 'r:{r1}' order by unit limit 1"
        ))
        .await
        .expect("an owner who is a resident");
    app.exec(&format!(
        "update residents set birth_year = 1946 where id = (select resident_id from owner_units where unit = '{unit}' \
         and building_id = (select scope_id from votes where id = {vote}) and owner_key like 'r:%')"
    ))
    .await
    .expect("an elderly owner");
    let addr = app.serve().await;
    let c = browser(port, "1366,1000").await;
    let base = format!("http://{addr}");
    let dir = screenshots();
    let scan = std::env::temp_dir().join(format!("gongzhi-ballot-{}.png", std::process::id()));
    std::fs::write(&scan, PNG).expect("scan");
    let result = async {
        login(&c, &base, "staff1").await?;
        c.goto(&format!("{base}/votes/{vote}")).await?;
        c.find(Locator::Css("#enter-ballot select[name=owner]"))
            .await?
            .select_by_value(&unit)
            .await?;
        c.find(Locator::Css(
            "#enter-ballot input[name=choice][value=agree]",
        ))
        .await?
        .click()
        .await?;
        c.find(Locator::Css(
            "#enter-ballot input[name=channel][value=paper]",
        ))
        .await?
        .click()
        .await?;
        c.find(Locator::Css("#enter-ballot input[name=attachment]"))
            .await?
            .send_keys(&scan.to_string_lossy())
            .await?;
        snap(&c, &dir, "vote-enter-staff1.png").await?;
        c.find(Locator::Css("#enter-ballot button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("p.flash"))
            .await?;
        let count = c.find(Locator::Css("table.tally")).await?.text().await?;
        assert!(count.contains("1 / "), "one owner has voted: {count}");
        // The unit is no longer offered, and the sheet says how it voted.
        let options = c
            .find(Locator::Css("#enter-ballot select[name=owner]"))
            .await?
            .html(false)
            .await?;
        assert!(!options.contains(&format!("value=\"{unit}\"")), "{options}");
        let sheet = c
            .find(Locator::Css("details table"))
            .await?
            .html(false)
            .await?;
        assert!(sheet.contains("纸质表决票"), "{sheet}");
        snap(&c, &dir, "vote-entered-staff1.png").await?;
        // Staff close the vote with the reason; the result is fixed.
        c.find(Locator::Css("input[name=reason]"))
            .await?
            .send_keys("表决票已收齐")
            .await?;
        c.find(Locator::XPath(&format!(
            "//form[@action='/votes/{vote}/close']/button"
        )))
        .await?
        .click()
        .await?;
        // The entry's flash is still on the page until the close's answer replaces it:
        // wait for the closed page itself.
        let closed = url::Url::parse(&format!("{base}/votes/{vote}?closed=1")).expect("url");
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_url(closed)
            .await?;
        let body = c.find(Locator::Css("main")).await?.text().await?;
        assert!(body.contains("已结束"), "{body}");
        assert!(c.find_all(Locator::Css("#enter-ballot")).await?.is_empty());
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    let _ = std::fs::remove_file(&scan);
    result.expect("browser steps");
    // The scan is kept sealed with the ballot.
    let sealed = app
        .scalar_text(&format!(
            "select attachment_sealed from ballots where vote_id = {vote} and channel = 'paper'"
        ))
        .await
        .expect("the scan is kept");
    assert!(
        !sealed.contains("iVBOR"),
        "sealed, not plain base64 of the PNG"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_checks_in_at_a_meeting_on_a_phone_by_its_qr_link() {
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let app = TestApp::new().await;
    // The demo's next council meeting, five days ahead: move the clock to its start.
    let (meeting, token, starts) = {
        let id = app.scalar_i64("select max(id) from meetings").await;
        let token = app
            .scalar_text(&format!(
                "select checkin_token from meetings where id = {id}"
            ))
            .await
            .expect("token");
        let starts = app
            .scalar_i64(&format!("select starts_at from meetings where id = {id}"))
            .await;
        (id, token, starts)
    };
    app.clock.advance_ms(starts - app.st.now_ms() + 10 * 60_000);
    let addr = app.serve().await;
    let c = browser(port, "390,844").await;
    let base = format!("http://{addr}");
    let dir = screenshots();
    let result = async {
        login(&c, &base, "resident1").await?;
        // What the QR code on the staff member's screen opens.
        c.goto(&format!(
            "{base}/participation/meetings/{meeting}/checkin?t={token}"
        ))
        .await?;
        snap(&c, &dir, "checkin-resident1-phone.png").await?;
        c.find(Locator::Css("form.bigbuttons button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(SLOW))
            .for_element(Locator::Css("p.flash"))
            .await?;
        let list = c.find(Locator::Css("ul.attendance")).await?.text().await?;
        assert!(list.contains("扫码签到"), "{list}");
        // No horizontal scrolling on the phone.
        let wide: bool = c
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth + 1",
                vec![],
            )
            .await?
            .as_bool()
            .unwrap_or(true);
        assert!(!wide, "the meeting page fits a phone");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.expect("browser steps");
    let r1 = app.resident_id_of("resident1").await;
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from meeting_attendance where meeting_id = {meeting} and resident_id = {r1} and how = 'qr'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn a_resident_proposes_a_renewal_idea_with_a_photo_and_a_map_pin_and_votes_on_a_phone() {
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let app = TestApp::new().await;
    let addr = app.serve().await;
    let c = browser(port, "390,844").await;
    let base = format!("http://{addr}");
    let dir = screenshots();
    let photo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/renewal/photos/basement-before.png"
    );
    let open_round = app
        .scalar_i64("select max(id) from renewal_rounds where closed_at is null")
        .await;
    let result = async {
        login(&c, &base, "resident1").await?;
        c.goto(&format!("{base}/renewal/new")).await?;
        c.wait()
            .every(POLL)
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css("#pin-map[data-ready]"))
            .await?;
        for (name, text) in [("title", "楼顶平台改成晾晒区"), ("place", "7号楼楼顶")] {
            c.find(Locator::Css(&format!("input[name={name}]")))
                .await?
                .send_keys(text)
                .await?;
        }
        c.find(Locator::Css("textarea[name=description]"))
            .await?
            .send_keys("楼顶空着，大家被子没地方晒。")
            .await?;
        // The pin starts at resident1's own building (a tap would move it).
        c.find(Locator::Css("#pin-map[data-pinned]")).await?;
        c.find(Locator::Css("input[name=photos]"))
            .await?
            .send_keys(photo)
            .await?;
        snap(&c, &dir, "renewal-propose-phone.png").await?;
        c.find(Locator::Css("#renewal-form button[type=submit]"))
            .await?
            .click()
            .await?;
        let flash = c
            .wait()
            .every(POLL)
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css("p.flash"))
            .await;
        if flash.is_err() {
            let said = c
                .find(Locator::Css("#renewal-form .form-error"))
                .await?
                .text()
                .await?;
            panic!("the proposal was refused: {said}");
        }
        let stage = c
            .find(Locator::Css("#stage"))
            .await?
            .attr("data-stage")
            .await?;
        assert_eq!(stage.as_deref(), Some("idea"));
        c.find(Locator::Css(".thumbs img")).await?;
        // Then vote in the round open now.
        c.goto(&format!("{base}/renewal/rounds/{open_round}"))
            .await?;
        c.find(Locator::Css("input[name='projects[]']"))
            .await?
            .click()
            .await?;
        c.find(Locator::Css(
            "form[data-api$='/ballot'] button[type=submit]",
        ))
        .await?
        .click()
        .await?;
        let voted = c
            .wait()
            .every(POLL)
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css("p.flash"))
            .await;
        snap(&c, &dir, "renewal-voted-phone.png").await?;
        if voted.is_err() {
            let said = c
                .find(Locator::Css("form[data-api$='/ballot'] .form-error"))
                .await?
                .text()
                .await?;
            panic!("the ballot was refused: {said}");
        }
        let wide: bool = c
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth + 1",
                vec![],
            )
            .await?
            .as_bool()
            .unwrap_or(true);
        assert!(!wide, "the round page fits a phone");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.expect("browser steps");
    let r1 = app.resident_id_of("resident1").await;
    let id = app
        .scalar_i64(&format!(
            "select max(id) from renewal_projects where proposer_resident_id = {r1} and title = '楼顶平台改成晾晒区'"
        ))
        .await;
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from renewal_photos where project_id = {id}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from renewal_ballots where round_id = {open_round}"
        ))
        .await,
        1
    );
}

/// 时间银行: staff enter a meal-delivery request for elder1 (who has no phone at hand) on
/// the wide page; volunteer1, on a phone, takes it and checks in at elder1's building — the
/// phone's position is elder1's (the geolocation the page asks for answers with it) — and
/// then sees elder1's health note while serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_enter_an_elder_s_request_and_a_volunteer_checks_in_on_a_phone() {
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let app = TestApp::new().await;
    let addr = app.serve().await;
    let base = format!("http://{addr}");
    let dir = screenshots();
    let (lng, lat) = crate::support::home_of(&app, "elder1").await;
    let wanted = {
        use chrono::TimeZone;
        let tz = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        tz.timestamp_millis_opt(app.st.now_ms() + 30 * 60_000)
            .unwrap()
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let wait = |c: &fantoccini::Client, css: &'static str| {
        let c = c.clone();
        async move {
            c.wait()
                .every(POLL)
                .at_most(Duration::from_secs(45))
                .for_element(Locator::Css(css))
                .await
        }
    };
    let staff = browser(port, "1280,900").await;
    let result = async {
        login(&staff, &base, "staff1").await?;
        staff.goto(&format!("{base}/timebank")).await?;
        let form = staff.find(Locator::Css("#request-form")).await?;
        form.find(Locator::Css("input[name=for]"))
            .await?
            .send_keys("elder1")
            .await?;
        staff
            .execute(
                "document.querySelector('#request-form input[name=wanted_at]').value = arguments[0];",
                vec![serde_json::json!(wanted)],
            )
            .await?;
        form.find(Locator::Css("input[name=note]"))
            .await?
            .send_keys("午餐一份，少盐")
            .await?;
        snap(&staff, &dir, "timebank-staff-request.png").await?;
        form.find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;
        if wait(&staff, "#status[data-status=open]").await.is_err() {
            let said = staff
                .find(Locator::Css("#request-form .form-error"))
                .await?
                .text()
                .await?;
            panic!("the request was refused: {said}");
        }
        snap(&staff, &dir, "timebank-request-open.png").await?;
        Ok::<_, fantoccini::error::CmdError>(staff.current_url().await?.to_string())
    }
    .await;
    let _ = staff.close().await;
    let url = result.expect("staff's steps");
    let id: i64 = url
        .rsplit('/')
        .next()
        .and_then(|s| s.split('?').next())
        .and_then(|s| s.parse().ok())
        .expect("the request's id");
    assert_eq!(
        app.scalar_text(&format!(
            "select channel || ',' || status from timebank_requests where id = {id}"
        ))
        .await
        .as_deref(),
        Some("staff,open")
    );
    let phone = browser(port, "390,844").await;
    // The phone stands at elder1's building.
    let fake_gps = format!(
        "navigator.geolocation.getCurrentPosition = function (ok) {{ ok({{ coords: {{ longitude: {}, latitude: {} }} }}); }};",
        lng + 0.0002,
        lat
    );
    let result = async {
        login(&phone, &base, "volunteer1").await?;
        phone
            .goto(&format!("{base}/timebank/requests/{id}"))
            .await?;
        phone
            .find(Locator::Css("form[data-api$='/take'] button"))
            .await?
            .click()
            .await?;
        wait(&phone, "#status[data-status=matched]").await?;
        phone.execute(&fake_gps, vec![]).await?;
        snap(&phone, &dir, "timebank-checkin-phone.png").await?;
        phone
            .find(Locator::Css("#checkin-form button"))
            .await?
            .click()
            .await?;
        if wait(&phone, "#status[data-status=visiting]").await.is_err() {
            let said = phone
                .find(Locator::Css("#checkin-form .form-error"))
                .await?
                .text()
                .await?;
            panic!("the check-in was refused: {said}");
        }
        phone.find(Locator::Css("#checkin")).await?;
        let note = phone
            .find(Locator::Css("#health-note"))
            .await?
            .text()
            .await?;
        assert!(note.contains("青霉素"), "{note}");
        phone.find(Locator::Css("#checkout-form button")).await?;
        snap(&phone, &dir, "timebank-visiting-phone.png").await?;
        let wide: bool = phone
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth + 1",
                vec![],
            )
            .await?
            .as_bool()
            .unwrap_or(true);
        assert!(!wide, "the visit page fits a phone");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = phone.close().await;
    result.expect("the volunteer's steps");
    assert!(
        app.scalar_i64(&format!(
            "select checkin_m from timebank_requests where id = {id} and status = 'visiting'"
        ))
        .await
            < 50
    );
}
