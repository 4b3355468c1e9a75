//! `gongzhi admin …`: what the operator does on the command line — the first administrator,
//! integration tokens, resetting a second factor, replaying the erasure journal.

use std::io::Read;
use std::sync::Arc;

use clap::Subcommand;
use gongzhi_core::identity::{Role, Scope};

use super::{Common, base_config, open};
use crate::auth::service::Who;
use crate::clock::SystemClock;
use crate::state::AppState;

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a user (the first administrator of a new install is made this way).
    /// The password is read from GONGZHI_PASSWORD or, if unset, from standard input.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Role code: admin, street_staff, community_staff, grid_worker, building_head,
        /// unit_staff, mediator, auditor, resident.
        #[arg(long, default_value = "admin")]
        role: String,
        /// Scope kind: district, street, community, grid, building, unit, resident, none.
        #[arg(long, default_value = "district")]
        scope: String,
        /// Scope unit id (for street, community, grid, building, unit, resident).
        #[arg(long)]
        scope_id: Option<i64>,
    },
    /// Re-apply the erasure journal to the database (after restoring by other means).
    ReplayTombstones,
    /// Remove a user's second factor and recovery codes (a lost phone); their sessions end
    /// and they enrol again at their next sign-in.
    ResetTotp {
        #[arg(long)]
        username: String,
    },
    /// Create a long-lived integration token for a user (printed once).
    CreateToken {
        #[arg(long)]
        username: String,
        #[arg(long, default_value_t = 365)]
        days: i64,
    },
}

pub(super) async fn admin(common: &Common, cmd: AdminCommand) -> anyhow::Result<()> {
    let (db, cipher) = open(common).await?;
    let st = AppState::new(db, cipher, Arc::new(SystemClock), base_config(common));
    match cmd {
        AdminCommand::CreateUser {
            username,
            display_name,
            role,
            scope,
            scope_id,
        } => {
            let password = match std::env::var("GONGZHI_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("password (from standard input):");
                    let mut s = String::new();
                    std::io::stdin().read_to_string(&mut s)?;
                    s.lines().next().unwrap_or_default().to_string()
                }
            };
            let role = Role::parse(&role).map_err(|_| anyhow::anyhow!("unknown role {role}"))?;
            let scope_v = Scope::from_parts(&scope, scope_id);
            if scope_v.kind() != scope {
                anyhow::bail!("scope {scope} needs --scope-id");
            }
            let spec = crate::auth::service::UserSpec {
                username: &username,
                display_name: display_name.as_deref().unwrap_or(&username),
                password: &password,
                role,
                scope: scope_v,
                resident_id: None,
            };
            let id = crate::auth::service::create_user(&st, Who::System("cli"), &spec)
                .await
                .map_err(|e| {
                    anyhow::anyhow!("{}: {}", e.code(), crate::i18n::Lang::En.error(e.code()))
                })?;
            println!("created user {username} (id {id}, role {})", role.code());
        }
        AdminCommand::ReplayTombstones => {
            let (n, again) =
                crate::rights::service::replay_tombstones(&st, &common.tombstone_journal)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
            println!("{n} erasures in the journal; {again} applied again");
        }
        AdminCommand::ResetTotp { username } => {
            crate::auth::service::totp::reset(&st, &username, "cli")
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.code()))?;
            println!("second factor of {username} removed; they enrol again at next sign-in");
        }
        AdminCommand::CreateToken { username, days } => {
            let token = crate::auth::service::create_integration_token(
                &st,
                Who::System("cli"),
                &username,
                days,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.code()))?;
            println!("{token}");
        }
    }
    Ok(())
}
