//! The outbox delivery job: claims due messages (one node per message), sends SMS/push
//! through the configured webhook and e-mail through SMTP, and schedules a retry with
//! exponential backoff (30 s doubling, at most an hour apart) until it is delivered.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::store::{self, OutboxRow};
use crate::state::AppState;

const CLAIM_MS: i64 = 60_000;

/// The wait before attempt `n + 1`.
pub fn backoff_ms(attempts: i64) -> i64 {
    (30_000i64 << attempts.clamp(0, 7)).min(3_600_000)
}

async fn send_sms(st: &AppState, m: &OutboxRow, to: &str) -> anyhow::Result<()> {
    let url = st
        .config
        .sms_webhook
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("no SMS webhook configured"))?;
    let resp = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?
        .post(url)
        .json(&serde_json::json!({
            "id": m.id, "channel": m.channel, "to": to, "title": m.subject, "body": m.body,
        }))
        .send()
        .await?;
    anyhow::ensure!(
        resp.status().is_success(),
        "webhook answered {}",
        resp.status()
    );
    Ok(())
}

async fn send_email(st: &AppState, m: &OutboxRow, to: &str) -> anyhow::Result<()> {
    let url = st
        .config
        .smtp_url
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("no SMTP server configured"))?;
    let u = url::Url::parse(url)?;
    let host = u.host_str().unwrap_or("127.0.0.1").to_string();
    // A relay on the local network, plain SMTP (see docs/DECISIONS.md).
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(u.port().unwrap_or(25))
        .timeout(Some(Duration::from_secs(10)));
    if !u.username().is_empty() {
        b = b.credentials(lettre::transport::smtp::authentication::Credentials::new(
            u.username().to_string(),
            u.password().unwrap_or_default().to_string(),
        ));
    }
    let from: Mailbox = st.config.smtp_from.parse()?;
    let msg = Message::builder()
        .from(from)
        .to(to.parse()?)
        .subject(&m.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())?;
    b.build().send(msg).await?;
    Ok(())
}

/// One pass: delivers what is due. Returns (delivered, failed).
pub async fn tick(st: &AppState) -> anyhow::Result<(usize, usize)> {
    let now = st.now_ms();
    let mut tx = st.db.read().await?;
    let due = store::due(&mut tx, now, 50).await?;
    drop(tx);
    let (mut ok, mut bad) = (0, 0);
    for m in due {
        let mut tx = st.db.begin().await?;
        let mine = store::claim(&mut tx, m.id, now + CLAIM_MS, now).await?;
        tx.commit().await?;
        if !mine {
            continue;
        }
        let to = st
            .cipher
            .decrypt(super::service::RECIPIENT_FIELD, &m.recipient);
        let result = match (&to, m.channel.as_str()) {
            (Err(_), _) => Err(anyhow::anyhow!("recipient cannot be decrypted")),
            (Ok(to), "email") => send_email(st, &m, to).await,
            (Ok(to), _) => send_sms(st, &m, to).await,
        };
        let mut tx = st.db.begin().await?;
        match result {
            Ok(()) => {
                store::delivered(&mut tx, m.id, st.now_ms()).await?;
                ok += 1;
            }
            Err(e) => {
                let next = st.now_ms() + backoff_ms(m.attempts);
                let why: String = e.to_string().chars().take(300).collect();
                tracing::warn!(outbox = m.id, channel = %m.channel, error = %why, "delivery failed; will retry");
                store::failed(&mut tx, m.id, next, &why).await?;
                bad += 1;
            }
        }
        tx.commit().await?;
    }
    Ok((ok, bad))
}

/// Runs deliveries every few seconds until the process ends.
pub async fn run(st: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(3));
    loop {
        every.tick().await;
        if let Err(e) = tick(&st).await {
            tracing::warn!(error = %e, "outbox delivery pass failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(0), 30_000);
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(6), 1_920_000);
        assert_eq!(backoff_ms(7), 3_600_000);
        assert_eq!(backoff_ms(50), 3_600_000);
    }
}
