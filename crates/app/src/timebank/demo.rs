//! The demo's time bank: volunteer1 (a younger elder) verified by staff1; last week's meal
//! delivery to elder1 confirmed and credited; today's visit recorded and waiting for
//! elder1's confirmation.

use super::{service, store};
use crate::auth::service::acting_as;
use crate::state::AppState;

pub async fn seed(st: &AppState) -> anyhow::Result<()> {
    let (Ok(staff), Ok(volunteer), Ok(elder)) = (
        acting_as(st, "staff1").await,
        acting_as(st, "volunteer1").await,
        acting_as(st, "elder1").await,
    ) else {
        return Ok(());
    };
    let mut tx = st.db.read().await?;
    if store::is_verified(&mut tx, volunteer.id).await? {
        return Ok(());
    }
    drop(tx);
    service::verify(st, &staff, "volunteer1").await?;
    let meal = service::record(
        st,
        &volunteer,
        &service::NewService {
            recipient: "elder1".into(),
            minutes: 60,
            kind: "meal_delivery".into(),
            note: Some("从社区食堂送午餐上门，顺便量了血压".into()),
        },
    )
    .await?;
    service::confirm(st, &elder, meal).await?;
    service::record(
        st,
        &volunteer,
        &service::NewService {
            recipient: "elder1".into(),
            minutes: 90,
            kind: "companionship".into(),
            note: Some("陪老人聊天、读报".into()),
        },
    )
    .await?;
    Ok(())
}
