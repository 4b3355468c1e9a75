//! Notifications outside the app: an SMS/push webhook (a gateway stand-in that fails once)
//! and a real SMTP server (aiosmtpd) receive what the outbox sends; failures are retried.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};

use crate::support::{TestApp, free_port, home_of, in_ci};

struct Smtp(Child);

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn have_aiosmtpd() -> bool {
    Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urgent_orders_reach_sms_and_email_with_retries() {
    if !have_aiosmtpd() {
        assert!(
            !in_ci(),
            "CI must have aiosmtpd (pip install aiosmtpd in .ci/run)"
        );
        eprintln!("skipping: aiosmtpd not installed");
        return;
    }
    // The SMS gateway stand-in: refuses the first message, accepts the rest.
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = got.clone();
    let gateway = axum::Router::new().route(
        "/sms",
        post(move |Json(v): Json<Value>| {
            let sink = sink.clone();
            async move {
                let mut g = sink.lock().expect("lock");
                g.push(v);
                if g.len() == 1 {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let gw: SocketAddr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, gateway).await;
    });
    // A real SMTP server writing a maildir.
    let maildir = tempfile::tempdir().expect("maildir");
    for d in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(maildir.path().join(d)).expect("maildir layout");
    }
    let port = free_port();
    let _smtp = Smtp(
        Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd"),
    );
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let app = TestApp::with_config(|c| {
        c.sms_webhook = Some(format!("http://{gw}/sms"));
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let r = app
        .post_json("/api/v1/cases", &app.bearer("resident1").await,
            json!({"text": "楼道水管爆裂，水流不止", "lng": lng, "lat": lat, "category": "FAC.WATER"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Urgent: SMS and e-mail queued in the same transaction; phones never in clear.
    let sms = app
        .scalar_i64("select count(*) from outbox where channel = 'sms'")
        .await;
    let mail = app
        .scalar_i64("select count(*) from outbox where channel = 'email'")
        .await;
    assert!(sms >= 2 && mail >= 2, "sms {sms}, mail {mail}");
    let raw = app
        .scalar_text("select recipient from outbox where channel = 'sms' order by id limit 1")
        .await
        .expect("r");
    assert!(!raw.starts_with("139"), "recipient encrypted at rest");

    let (ok, failed) = gongzhi_app::notify::deliver::tick(&app.st)
        .await
        .expect("tick");
    let why = app
        .scalar_text("select coalesce(min(last_error), '') from outbox")
        .await;
    assert_eq!(failed, 1, "the gateway refused one: {why:?}");
    assert_eq!(ok as i64, sms + mail - 1);
    let pending = app
        .scalar_i64("select count(*) from outbox where delivered_at is null")
        .await;
    assert_eq!(pending, 1);
    // Not due yet: nothing retried until the backoff passes.
    let (ok, failed) = gongzhi_app::notify::deliver::tick(&app.st)
        .await
        .expect("tick");
    assert_eq!((ok, failed), (0, 0));
    app.clock.advance_ms(31_000);
    let (ok, _) = gongzhi_app::notify::deliver::tick(&app.st)
        .await
        .expect("tick");
    assert_eq!(ok, 1, "retried and delivered");
    assert_eq!(
        app.scalar_i64("select count(*) from outbox where delivered_at is null")
            .await,
        0,
        "nothing lost"
    );
    let bodies = got.lock().expect("lock").clone();
    assert!(
        bodies
            .iter()
            .any(|b| b["to"].as_str().is_some_and(|t| t.starts_with("1390000"))),
        "{bodies:?}"
    );
    assert!(
        bodies
            .iter()
            .all(|b| b["title"].as_str().is_some_and(|t| t.contains("紧急")))
    );
    // The e-mails are in the mailbox.
    let mut n = 0;
    for _ in 0..30 {
        n = ["new", "cur"]
            .iter()
            .filter_map(|d| std::fs::read_dir(maildir.path().join(d)).ok())
            .map(|it| it.count())
            .sum::<usize>();
        if n as i64 >= mail {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(n as i64, mail, "every e-mail reached the SMTP server");
}

#[tokio::test]
async fn no_phone_gets_more_than_five_sms_in_ten_minutes() {
    use gongzhi_app::notify::service::{Recipient, send_to};
    let app = TestApp::with_config(|c| c.sms_webhook = Some("http://127.0.0.1:9/sms".into())).await;
    let user = app
        .scalar_i64("select id from users where username = 'staff1'")
        .await;
    let to = [Recipient {
        id: user,
        notify_email: None,
        notify_phone_enc: Some(app.st.cipher.encrypt(
            gongzhi_app::notify::service::USER_PHONE_FIELD,
            "13900001234",
        )),
    }];
    let send = || async {
        let mut tx = app.st.db.begin().await.unwrap();
        send_to(
            &app.st,
            &mut tx,
            &to,
            None,
            "urgent",
            "紧急工单",
            "测试",
            app.st.now_ms(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    };
    for _ in 0..7 {
        send().await;
    }
    let sms = || app.scalar_i64("select count(*) from outbox where channel = 'sms'");
    assert_eq!(
        sms().await,
        5,
        "the 6th and 7th within ten minutes are not sent"
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from notifications where user_id = {user}"
        ))
        .await,
        7,
        "every message stays in the inbox"
    );
    app.clock.advance_ms(10 * 60_000 + 1);
    send().await;
    assert_eq!(sms().await, 6, "a new window");
}
