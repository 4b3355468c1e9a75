//! Device events over MQTT: the same JSON as the HTTP endpoint on topic
//! `gongzhi/devices/{code}/events`, QoS 1. The broker (Mosquitto) authenticates devices and
//! restricts each to its own topic; gongzhi trusts the topic's device code.
//!
//! Delivery is at least once and the effect exactly once: the session is persistent
//! (clean session off, a fixed client id per node), a message is acknowledged only after
//! its case is committed, and the event id makes a redelivery harmless. With several nodes
//! each receives every event and the event id keeps the effect single; `--mqtt-share`
//! spreads events over the nodes instead (`$share/gongzhi/…`), but Mosquitto does not
//! restore shared subscriptions after a broker restart, so that mode can lose events
//! published while the nodes reconnect.

use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};

use super::service::{self, DeviceEvent};
use crate::error::AppError;
use crate::state::AppState;

pub const TOPIC: &str = "gongzhi/devices/+/events";
pub const SHARED_TOPIC: &str = "$share/gongzhi/gongzhi/devices/+/events";

/// The device code in `gongzhi/devices/{code}/events`.
pub fn device_of(topic: &str) -> Option<&str> {
    let rest = topic.strip_prefix("gongzhi/devices/")?;
    let code = rest.strip_suffix("/events")?;
    (!code.is_empty() && !code.contains('/')).then_some(code)
}

/// What became of one message: acknowledge it, or keep it for redelivery.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    Retry,
}

async fn handle(st: &AppState, topic: &str, payload: &[u8]) -> Outcome {
    let Some(code) = device_of(topic) else {
        tracing::warn!(topic, "MQTT message on an unexpected topic dropped");
        return Outcome::Done;
    };
    let ev: DeviceEvent = match serde_json::from_slice(payload) {
        Ok(ev) => ev,
        Err(e) => {
            tracing::warn!(device = code, error = %e, "MQTT payload is not a device event; dropped");
            return Outcome::Done;
        }
    };
    let mut tx = match st.db.read().await {
        Ok(tx) => tx,
        Err(e) => {
            tracing::warn!(error = %e, "database unavailable; event kept for redelivery");
            return Outcome::Retry;
        }
    };
    let device = match super::store::by_code(&mut tx, code).await {
        Ok(Some(d)) => d,
        Ok(None) => {
            tracing::warn!(device = code, "event from an unregistered device dropped");
            return Outcome::Done;
        }
        Err(e) => {
            tracing::warn!(error = %e, "database unavailable; event kept for redelivery");
            return Outcome::Retry;
        }
    };
    drop(tx);
    let started = std::time::Instant::now();
    match service::ingest(st, &device, ev).await {
        Ok(_) => {
            metrics::histogram!("gongzhi_device_event_seconds")
                .record(started.elapsed().as_secs_f64());
            Outcome::Done
        }
        Err(AppError::Internal(e)) => {
            tracing::warn!(device = code, error = %e, "event not stored; kept for redelivery");
            Outcome::Retry
        }
        Err(e) => {
            tracing::warn!(device = code, error = %e, "event refused; dropped");
            Outcome::Done
        }
    }
}

fn options(url: &str, client_id: &str) -> anyhow::Result<MqttOptions> {
    let u = url::Url::parse(url)?;
    anyhow::ensure!(
        matches!(u.scheme(), "mqtt" | "tcp"),
        "MQTT URL must be mqtt://host:port (got {url})"
    );
    let host = u.host_str().unwrap_or("127.0.0.1").to_string();
    let mut o = MqttOptions::new(client_id, host, u.port().unwrap_or(1883));
    o.set_keep_alive(Duration::from_secs(30));
    o.set_clean_session(false);
    o.set_manual_acks(true);
    if !u.username().is_empty() {
        o.set_credentials(u.username(), u.password().unwrap_or_default());
    }
    Ok(o)
}

/// Client ids whose subscription the broker has acknowledged (in this process): until then
/// events published are not ours to receive (tests and health checks wait for it).
static SUBSCRIBED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Whether the intake with `client_id` is subscribed now.
pub fn is_subscribed(client_id: &str) -> bool {
    SUBSCRIBED
        .lock()
        .map(|s| s.iter().any(|c| c == client_id))
        .unwrap_or(false)
}

fn set_subscribed(client_id: &str, on: bool) {
    if let Ok(mut s) = SUBSCRIBED.lock() {
        s.retain(|c| c != client_id);
        if on {
            s.push(client_id.to_string());
        }
    }
}

/// One connection: subscribe, then handle messages until the connection fails.
async fn session(st: &AppState, url: &str, client_id: &str, shared: bool) -> anyhow::Result<()> {
    let (client, mut events) = AsyncClient::new(options(url, client_id)?, 256);
    let topic = if shared { SHARED_TOPIC } else { TOPIC };
    client.subscribe(topic, QoS::AtLeastOnce).await?;
    loop {
        match events.poll().await? {
            Event::Incoming(Packet::Publish(p)) => {
                let mut tries = 0;
                loop {
                    match handle(st, &p.topic, &p.payload).await {
                        Outcome::Done => break,
                        Outcome::Retry if tries < 5 => {
                            tries += 1;
                            tokio::time::sleep(Duration::from_millis(200 << tries)).await;
                        }
                        // Still failing: drop the connection unacknowledged; the broker
                        // redelivers after we reconnect.
                        Outcome::Retry => anyhow::bail!("event kept for redelivery"),
                    }
                }
                client.ack(&p).await?;
            }
            Event::Incoming(Packet::ConnAck(c)) => {
                tracing::info!(session_present = c.session_present, "MQTT connected");
            }
            Event::Incoming(Packet::SubAck(_)) => set_subscribed(client_id, true),
            _ => {}
        }
    }
}

/// Runs the MQTT intake until the process ends, reconnecting after failures.
pub async fn run(st: AppState, url: String, client_id: String, shared: bool) {
    loop {
        if let Err(e) = session(&st, &url, &client_id, shared).await {
            set_subscribed(&client_id, false);
            tracing::warn!(error = %e, "MQTT connection lost; reconnecting");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics() {
        assert_eq!(device_of("gongzhi/devices/SMOKE-1/events"), Some("SMOKE-1"));
        assert_eq!(device_of("gongzhi/devices//events"), None);
        assert_eq!(device_of("gongzhi/devices/a/b/events"), None);
        assert_eq!(device_of("other/x"), None);
    }
}
