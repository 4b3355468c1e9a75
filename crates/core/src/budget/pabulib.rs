//! Reading and writing pabulib files (<https://pabulib.org/format>): a `META` section of
//! `key;value` lines, a `PROJECTS` section with at least `project_id` and `cost`, and a
//! `VOTES` section with at least `voter_id` and `vote` (approved project ids, comma
//! separated). Each section starts with its name on a line and a header line. Fields may be
//! quoted as in CSV. Only approval votes are read.

use std::collections::HashMap;

/// Why a pabulib file cannot be read: a stable code and the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} (line {line}): {detail}")]
pub struct PbError {
    pub code: &'static str,
    pub line: usize,
    pub detail: String,
}

fn err(code: &'static str, line: usize, detail: impl Into<String>) -> PbError {
    PbError {
        code,
        line,
        detail: detail.into(),
    }
}

/// One project of a round.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: String,
    /// In the round's unit (yuan here), a positive number.
    pub cost: f64,
    pub name: String,
    /// Every column of its row (the file's own names), for writing the file back.
    pub extra: Vec<(String, String)>,
}

/// A participatory-budgeting election: its metadata, budget, projects and approval votes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Election {
    /// The `META` section in file order.
    pub meta: Vec<(String, String)>,
    pub budget: f64,
    pub projects: Vec<Project>,
    /// Each voter's id and the indices (into `projects`) of the projects they approve.
    pub votes: Vec<(String, Vec<usize>)>,
}

impl Election {
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// How many voters approve each project.
    pub fn approvals(&self) -> Vec<u64> {
        let mut n = vec![0u64; self.projects.len()];
        for (_, v) in &self.votes {
            for &p in v {
                n[p] += 1;
            }
        }
        n
    }
}

/// Splits one line into its `;`-separated fields (quotes as in CSV).
fn fields(line: &str, lineno: usize) -> Result<Vec<String>, PbError> {
    if !line.contains('"') {
        return Ok(line.split(';').map(|s| s.trim().to_string()).collect());
    }
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes());
    match r.records().next() {
        Some(Ok(rec)) => Ok(rec.iter().map(|s| s.trim().to_string()).collect()),
        Some(Err(e)) => Err(err("LINE_INVALID", lineno, e.to_string())),
        None => Ok(vec![]),
    }
}

/// A number as pabulib writes one (`1000`, `1000.5`, `1e6`; a comma as the decimal
/// separator is read too).
fn number(s: &str) -> Option<f64> {
    let v: f64 = s.trim().replace(',', ".").parse().ok()?;
    (v.is_finite() && v > 0.0).then_some(v)
}

#[derive(PartialEq, Clone, Copy)]
enum Section {
    None,
    Meta,
    Projects,
    Votes,
}

/// Reads a pabulib file. Refuses (with the line): a missing section or column, a budget or
/// cost that is not a positive number, a duplicate project or voter, a vote for a project
/// not in the file, a vote type other than approval.
pub fn parse(text: &str) -> Result<Election, PbError> {
    let mut e = Election::default();
    let mut section = Section::None;
    let mut header: Vec<String> = vec![];
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut voters: HashMap<String, usize> = HashMap::new();
    let mut seen = [false; 3];
    let text = text.trim_start_matches('\u{feff}');
    for (i, raw) in text.lines().enumerate() {
        let lineno = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let upper = line.trim().to_ascii_uppercase();
        let next = match upper.as_str() {
            "META" => Some(Section::Meta),
            "PROJECTS" => Some(Section::Projects),
            "VOTES" => Some(Section::Votes),
            _ => None,
        };
        if let Some(s) = next {
            let k = match s {
                Section::Meta => 0,
                Section::Projects => 1,
                _ => 2,
            };
            if seen[k] {
                return Err(err(
                    "SECTION_DUPLICATE",
                    lineno,
                    format!("{upper} appears twice"),
                ));
            }
            if (s == Section::Projects && !seen[0]) || (s == Section::Votes && !seen[1]) {
                return Err(err(
                    "SECTION_ORDER",
                    lineno,
                    "the sections are META, PROJECTS, VOTES in that order",
                ));
            }
            if s == Section::Projects {
                e.budget = match e.meta("budget") {
                    Some(b) => number(b).ok_or_else(|| {
                        err(
                            "BUDGET_INVALID",
                            lineno,
                            format!("budget {b:?} is not a positive number"),
                        )
                    })?,
                    None => return Err(err("BUDGET_MISSING", lineno, "META has no budget")),
                };
                if let Some(t) = e.meta("vote_type")
                    && !t.eq_ignore_ascii_case("approval")
                {
                    return Err(err(
                        "VOTE_TYPE_UNSUPPORTED",
                        lineno,
                        format!("vote_type {t}: only approval votes are read"),
                    ));
                }
            }
            seen[k] = true;
            section = s;
            header.clear();
            continue;
        }
        let f = fields(line, lineno)?;
        if section == Section::None {
            return Err(err("SECTION_MISSING", lineno, "the file starts with META"));
        }
        if header.is_empty() {
            header = f.iter().map(|h| h.to_ascii_lowercase()).collect();
            let need: &[&str] = match section {
                Section::Meta => &["key", "value"],
                Section::Projects => &["project_id", "cost"],
                _ => &["voter_id", "vote"],
            };
            for n in need {
                if !header.iter().any(|h| h == n) {
                    return Err(err(
                        "HEADER_INVALID",
                        lineno,
                        format!("the header has no {n}"),
                    ));
                }
            }
            continue;
        }
        let col = |name: &str| -> Option<&str> {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| f.get(i))
                .map(String::as_str)
        };
        match section {
            Section::Meta => {
                let (Some(k), Some(v)) = (f.first(), f.get(1)) else {
                    return Err(err("LINE_INVALID", lineno, "a META line is key;value"));
                };
                e.meta.push((k.clone(), v.clone()));
            }
            Section::Projects => {
                let id = col("project_id").unwrap_or("").to_string();
                if id.is_empty() {
                    return Err(err("PROJECT_ID_MISSING", lineno, "a project without an id"));
                }
                let c = col("cost").unwrap_or("");
                let cost = number(c).ok_or_else(|| {
                    err(
                        "COST_INVALID",
                        lineno,
                        format!("cost {c:?} is not a positive number"),
                    )
                })?;
                if index.insert(id.clone(), e.projects.len()).is_some() {
                    return Err(err(
                        "PROJECT_DUPLICATE",
                        lineno,
                        format!("project {id} twice"),
                    ));
                }
                e.projects.push(Project {
                    name: col("name").unwrap_or("").to_string(),
                    extra: header.iter().cloned().zip(f.iter().cloned()).collect(),
                    id,
                    cost,
                });
            }
            Section::Votes => {
                let voter = col("voter_id").unwrap_or("").to_string();
                if voter.is_empty() {
                    return Err(err("VOTER_ID_MISSING", lineno, "a vote without a voter id"));
                }
                if voters.insert(voter.clone(), lineno).is_some() {
                    return Err(err(
                        "VOTER_DUPLICATE",
                        lineno,
                        format!("voter {voter} twice"),
                    ));
                }
                let mut approved = vec![];
                for p in col("vote").unwrap_or("").split(',').map(str::trim) {
                    if p.is_empty() {
                        continue;
                    }
                    let &i = index.get(p).ok_or_else(|| {
                        err(
                            "VOTE_PROJECT_UNKNOWN",
                            lineno,
                            format!("project {p} is not in PROJECTS"),
                        )
                    })?;
                    if approved.contains(&i) {
                        return Err(err(
                            "VOTE_DUPLICATE",
                            lineno,
                            format!("project {p} twice in one vote"),
                        ));
                    }
                    approved.push(i);
                }
                e.votes.push((voter, approved));
            }
            Section::None => unreachable!("checked above"),
        }
    }
    let last = text.lines().count();
    if !seen.iter().all(|s| *s) {
        return Err(err(
            "SECTION_MISSING",
            last,
            "the file needs META, PROJECTS and VOTES",
        ));
    }
    for (key, n) in [
        ("num_projects", e.projects.len()),
        ("num_votes", e.votes.len()),
    ] {
        if let Some(v) = e.meta(key)
            && v.trim().parse::<usize>().ok() != Some(n)
        {
            return Err(err(
                "COUNT_MISMATCH",
                last,
                format!("META {key} is {v} but the file has {n}"),
            ));
        }
    }
    Ok(e)
}

fn quote(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A number as pabulib writes one: integers without a decimal point.
pub fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Writes an election as a pabulib file (approval votes).
pub fn write(e: &Election) -> String {
    let mut out = String::from("META\nkey;value\n");
    let mut meta = e.meta.clone();
    for (k, v) in [
        ("num_projects", e.projects.len().to_string()),
        ("num_votes", e.votes.len().to_string()),
        ("budget", number_text(e.budget)),
        ("vote_type", "approval".to_string()),
    ] {
        match meta.iter_mut().find(|(key, _)| key == k) {
            Some(m) => m.1 = v,
            None => meta.push((k.to_string(), v)),
        }
    }
    for (k, v) in &meta {
        out.push_str(&format!("{};{}\n", quote(k), quote(v)));
    }
    out.push_str("PROJECTS\nproject_id;cost;votes;name\n");
    let approvals = e.approvals();
    for (p, n) in e.projects.iter().zip(approvals) {
        out.push_str(&format!(
            "{};{};{};{}\n",
            quote(&p.id),
            number_text(p.cost),
            n,
            quote(&p.name)
        ));
    }
    out.push_str("VOTES\nvoter_id;vote\n");
    for (voter, v) in &e.votes {
        let ids: Vec<&str> = v.iter().map(|&i| e.projects[i].id.as_str()).collect();
        out.push_str(&format!("{};{}\n", quote(voter), quote(&ids.join(","))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "META\nkey;value\ndescription;测试\nnum_projects;3\nnum_votes;4\nbudget;1000\nvote_type;approval\nPROJECTS\nproject_id;cost;name\n1;600;儿童活动室\n2;300;\"共享花园;车棚改造\"\n3;500;健身角\nVOTES\nvoter_id;vote\n1;1,2\n2;1\n3;2,3\n4;\n";

    #[test]
    fn reads_and_writes_back() {
        let e = parse(SMALL).expect("parses");
        assert_eq!(e.budget, 1000.0);
        assert_eq!(e.projects.len(), 3);
        assert_eq!(e.projects[1].name, "共享花园;车棚改造");
        assert_eq!(e.votes[2].1, vec![1, 2]);
        assert!(e.votes[3].1.is_empty());
        assert_eq!(e.approvals(), vec![2, 2, 1]);
        let again = parse(&write(&e)).expect("round trip");
        assert_eq!(
            again
                .projects
                .iter()
                .map(|p| (&p.id, p.cost))
                .collect::<Vec<_>>(),
            e.projects
                .iter()
                .map(|p| (&p.id, p.cost))
                .collect::<Vec<_>>()
        );
        assert_eq!(again.votes, e.votes);
    }

    #[test]
    fn refuses_with_a_code_and_the_line() {
        let bad = |t: &str| parse(t).expect_err("refused");
        let e = bad(&SMALL.replace("3;2,3", "3;2,9"));
        assert_eq!((e.code, e.line), ("VOTE_PROJECT_UNKNOWN", 17));
        assert_eq!(bad(&SMALL.replace("3;500;", "3;-5;")).code, "COST_INVALID");
        assert_eq!(
            bad(&SMALL.replace("budget;1000", "budget;lots")).code,
            "BUDGET_INVALID"
        );
        assert_eq!(
            bad(&SMALL.replace("2;1\n", "1;1\n")).code,
            "VOTER_DUPLICATE"
        );
        assert_eq!(
            bad(&SMALL.replace("3;500;", "1;500;")).code,
            "PROJECT_DUPLICATE"
        );
        assert_eq!(
            bad(&SMALL.replace("approval", "ordinal")).code,
            "VOTE_TYPE_UNSUPPORTED"
        );
        assert_eq!(
            bad(&SMALL.replace("num_votes;4", "num_votes;5")).code,
            "COUNT_MISMATCH"
        );
        assert_eq!(
            bad(&SMALL.replace("project_id;cost", "id;cost")).code,
            "HEADER_INVALID"
        );
        let cut = SMALL.find("VOTES").expect("votes");
        assert_eq!(bad(&SMALL[..cut]).code, "SECTION_MISSING");
        assert_eq!(bad("PROJECTS\n").code, "SECTION_ORDER");
    }
}
