//! Matching mediators to a dispute (三所联动): for each office the dispute's type needs, the
//! best available mediator of that office, by skill for the type, where they serve, and
//! current load. Deterministic: ties go to the lower id.

use std::collections::BTreeSet;

use serde::Serialize;

use super::types::{DisputeType, Office};

/// A mediator as matching sees them.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub user_id: i64,
    pub office: Office,
    /// Dispute type codes they are skilled in (empty: general).
    pub skills: BTreeSet<String>,
    /// Communities they serve (empty: the whole street or district).
    pub communities: BTreeSet<i64>,
    /// Open disputes they are on now.
    pub load: u32,
    /// Most open disputes they take at once.
    pub capacity: u32,
    /// Taking new disputes (not on leave).
    pub available: bool,
}

/// One mediator chosen, with the score's parts for the screen ("why this mediator").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub user_id: i64,
    pub office: Office,
    /// Whether they lead (the first office of the type).
    pub lead: bool,
    pub score: f64,
    pub skilled: bool,
    pub local: bool,
    pub load: u32,
}

/// Scores a candidate for a dispute; `None` if they cannot take it.
fn score(c: &Candidate, ty: &DisputeType, community: i64) -> Option<(f64, bool, bool)> {
    if !c.available || c.load >= c.capacity.max(1) {
        return None;
    }
    let skilled = c.skills.contains(ty.code);
    let local = c.communities.contains(&community);
    // Skill matters most, then serving the community; load spreads the work.
    let s = 3.0 * f64::from(u8::from(skilled))
        + 2.0 * f64::from(u8::from(local))
        + if c.skills.is_empty() { 0.5 } else { 0.0 }
        + if c.communities.is_empty() { 0.5 } else { 0.0 }
        - 2.0 * f64::from(c.load) / f64::from(c.capacity.max(1));
    Some((s, skilled, local))
}

/// The mediators for a dispute of type `ty` in `community`: one per office the type needs
/// (when that office has someone free), the lead first. A community mediator is always
/// added when the type does not name one and one is free (the agreement is signed before
/// the residents' committee).
pub fn match_mediators(ty: &DisputeType, community: i64, pool: &[Candidate]) -> Vec<Match> {
    let mut offices: Vec<Office> = ty.offices.to_vec();
    if !offices.contains(&Office::Community) {
        offices.push(Office::Community);
    }
    let mut out: Vec<Match> = vec![];
    for (i, office) in offices.iter().enumerate() {
        let best = pool
            .iter()
            .filter(|c| c.office == *office && !out.iter().any(|m| m.user_id == c.user_id))
            .filter_map(|c| score(c, ty, community).map(|s| (c, s)))
            .max_by(|(a, (sa, ..)), (b, (sb, ..))| {
                sa.total_cmp(sb).then_with(|| b.user_id.cmp(&a.user_id))
            });
        if let Some((c, (s, skilled, local))) = best {
            out.push(Match {
                user_id: c.user_id,
                office: c.office,
                lead: i == 0,
                score: s,
                skilled,
                local,
                load: c.load,
            });
        }
    }
    // If the lead office had nobody free, the first one found leads.
    if !out.is_empty() && !out.iter().any(|m| m.lead) {
        out[0].lead = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(id: i64, office: Office, skills: &[&str], comms: &[i64], load: u32) -> Candidate {
        Candidate {
            user_id: id,
            office,
            skills: skills.iter().map(|s| s.to_string()).collect(),
            communities: comms.iter().copied().collect(),
            load,
            capacity: 5,
            available: true,
        }
    }

    #[test]
    fn a_property_dispute_gets_judicial_lawyer_and_community() {
        let ty = DisputeType::by_code("property").unwrap();
        let pool = vec![
            cand(1, Office::Community, &[], &[7], 0),
            cand(2, Office::Judicial, &["property"], &[], 4),
            cand(3, Office::Judicial, &[], &[], 0),
            cand(4, Office::Lawyer, &["property"], &[], 1),
            cand(5, Office::Police, &[], &[], 0),
        ];
        let m = match_mediators(ty, 7, &pool);
        let ids: Vec<i64> = m.iter().map(|m| m.user_id).collect();
        // Skill outweighs a heavier load; the police are not needed here.
        assert_eq!(ids, vec![2, 4, 1]);
        assert!(m[0].lead && !m[1].lead);
        assert!(m[0].skilled && m[2].local);
    }

    #[test]
    fn full_or_absent_mediators_are_skipped_and_someone_leads() {
        let ty = DisputeType::by_code("traffic").unwrap();
        let mut busy = cand(1, Office::Police, &["traffic"], &[], 5);
        busy.capacity = 5;
        let mut away = cand(2, Office::Judicial, &[], &[], 0);
        away.available = false;
        let pool = vec![busy, away, cand(3, Office::Community, &[], &[9], 0)];
        let m = match_mediators(ty, 9, &pool);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].user_id, 3);
        assert!(m[0].lead);
        assert!(match_mediators(ty, 9, &[]).is_empty());
    }

    #[test]
    fn load_breaks_ties_between_equals() {
        let ty = DisputeType::by_code("neighbour").unwrap();
        let pool = vec![
            cand(1, Office::Community, &["neighbour"], &[3], 3),
            cand(2, Office::Community, &["neighbour"], &[3], 1),
        ];
        assert_eq!(match_mediators(ty, 3, &pool)[0].user_id, 2);
    }
}
