//! Participatory budgeting (微更新 rounds): the pabulib data format (the field's standard for
//! publishing elections: `META`, `PROJECTS` and `VOTES` sections, `;`-separated, approval
//! votes) and the two selection rules a round can use — greedy by approvals, and the Method
//! of Equal Shares with cost satisfaction — so anyone can recompute a round from its file.

pub mod pabulib;
pub mod rules;

pub use pabulib::{Election, PbError, Project};
pub use rules::{Rule, Selection, Why, greedy, mes, select};
