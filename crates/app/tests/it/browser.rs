//! In a real browser (Debian's headless chromium through chromedriver): staff1 logs in and
//! sees the map with every grid drawn; screenshots go to target/screenshots/ for review.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};

use crate::support::{PASSWORD, TestApp, in_ci};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = app.router.clone();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });

    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,900",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
        }),
    );
    let c = ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("webdriver session");
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
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#map[data-ready]"))
            .await?;
        assert_eq!(
            map.attr("data-ready").await?.as_deref(),
            Some("40"),
            "all 40 grids drawn"
        );
        let shapes = c
            .find_all(Locator::Css("#map path.leaflet-interactive"))
            .await?;
        assert!(
            shapes.len() >= 70,
            "grids and compounds drawn as paths: {}",
            shapes.len()
        );
        let labels = c.find_all(Locator::Css(".grid-label")).await?;
        assert_eq!(labels.len(), 40, "every grid labelled");
        let title = c.find(Locator::Css("main h1")).await?.text().await?;
        assert_eq!(title, "社区概览");
        let dir = screenshots();
        std::fs::write(dir.join("home-staff1.png"), c.screenshot().await?)
            .expect("write screenshot");

        // 适老模式, then a 360 px phone.
        c.find(Locator::XPath("//button[contains(., '适老模式')]"))
            .await?
            .click()
            .await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("body.elder #map[data-ready]"))
            .await?;
        std::fs::write(dir.join("home-staff1-elder.png"), c.screenshot().await?)
            .expect("write screenshot");
        c.set_window_size(360, 800).await?;
        c.refresh().await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#map[data-ready]"))
            .await?;
        std::fs::write(
            dir.join("home-staff1-phone-elder.png"),
            c.screenshot().await?,
        )
        .expect("write screenshot");

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
        std::fs::write(dir.join("residents-staff1.png"), c.screenshot().await?)
            .expect("write screenshot");
        c.find(Locator::XPath("//form[@action='/logout']/button"))
            .await?
            .click()
            .await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#username"))
            .await?;
        std::fs::write(dir.join("login.png"), c.screenshot().await?).expect("write screenshot");
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
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#map"))
            .await?;
        for (path, name) in [
            ("/admin/users", "admin-users"),
            ("/admin/org", "admin-org"),
            ("/admin/units", "admin-units"),
        ] {
            c.goto(&format!("{base}{path}")).await?;
            std::fs::write(dir.join(format!("{name}.png")), c.screenshot().await?)
                .expect("write screenshot");
        }
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.expect("browser steps");
}
