//! The recount commands: an owners' vote from its published files, a participatory-budgeting
//! round from its pabulib file. Both print one JSON object, or refuse a bad file with one
//! line (a code and the line) and exit 2, counting nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum VotesCommand {
    /// Recount a vote from its published files: prints one JSON object (matter, class, the
    /// area and head totals, participation, agreement, quorum, passed). A bad file: one
    /// line with a code and the line, exit 2, nothing counted.
    Tally {
        /// The register: header `unit,owner,area_m2`.
        #[arg(long)]
        units: PathBuf,
        /// The ballots: header `owner,choice` (agree, disagree, abstain).
        #[arg(long)]
        ballots: PathBuf,
        /// rules, covenant, committee, manager, fund_use, fund_raise, rebuild, common_use
        /// or other.
        #[arg(long)]
        matter: String,
        /// The vote's community counts non-voters with the majority (its ledger opening
        /// entry says so: `non_voters_follow`); adds `non_voters_follow` to the output.
        #[arg(long)]
        non_voters_follow: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum BudgetCommand {
    /// Recompute a round from its pabulib file: prints one JSON object `{"rule",
    /// "selected": [project_id…], "cost"}` (projects in the order the rule took them). A
    /// malformed file: one line with a code and the line, exit 2.
    Tally {
        /// The round in pabulib format (approval votes).
        #[arg(long)]
        pb: PathBuf,
        /// `greedy` (by approvals) or `mes` (Method of Equal Shares, cost satisfaction).
        #[arg(long)]
        rule: String,
    },
}

/// Prints the result, or the refusal on one line with exit 2.
fn print_or_refuse(result: Result<String, String>) -> ExitCode {
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", e.replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

fn read(p: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(p)
        .map_err(|e| format!("FILE_UNREADABLE (line 0): {}: {e}", p.display()))
}

pub fn votes(cmd: VotesCommand) -> ExitCode {
    let VotesCommand::Tally {
        units,
        ballots,
        matter,
        non_voters_follow,
    } = cmd;
    print_or_refuse(read(&units).and_then(|u| {
        let b = read(&ballots)?;
        let t = gongzhi_core::votes::tally_files_under(
            &u,
            &b,
            &matter,
            gongzhi_core::votes::Rules { non_voters_follow },
        )
        .map_err(|e| e.to_string())?;
        serde_json::to_string(&t).map_err(|e| e.to_string())
    }))
}

pub fn budget(cmd: BudgetCommand) -> ExitCode {
    let BudgetCommand::Tally { pb, rule } = cmd;
    print_or_refuse(
        gongzhi_core::budget::Rule::parse(&rule)
            .ok_or_else(|| format!("RULE_UNKNOWN (line 0): rule {rule:?}: greedy or mes"))
            .and_then(|r| {
                let e = gongzhi_core::budget::pabulib::parse(&read(&pb)?)
                    .map_err(|e| e.to_string())?;
                let s = gongzhi_core::budget::select(&e, r);
                let cost: serde_json::Value =
                    serde_json::from_str(&gongzhi_core::budget::pabulib::number_text(s.cost))
                        .unwrap_or(serde_json::Value::Null);
                Ok(serde_json::json!({
                    "rule": r.code(),
                    "selected": s.selected.iter().map(|&i| e.projects[i].id.clone()).collect::<Vec<_>>(),
                    "cost": cost,
                })
                .to_string())
            }),
    )
}
