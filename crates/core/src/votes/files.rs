//! The published files of a vote as `gongzhi votes tally` reads them: the register
//! (`unit,owner,area_m2`) and the ballots (`owner,choice`), refused with a code and the line.

use super::{Choice, Matter, Register, Rules, Tally, Unit, VoteError, parse_area, tally_under};

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
}

fn header(r: &mut csv::Reader<&[u8]>, want: &[&str]) -> Result<(), VoteError> {
    let h = r
        .headers()
        .map_err(|e| VoteError::new("CSV_INVALID", 1, e.to_string()))?;
    if h.iter().collect::<Vec<_>>() != want {
        return Err(VoteError::new(
            "HEADER_INVALID",
            1,
            format!("the header must be {}", want.join(",")),
        ));
    }
    Ok(())
}

/// A register file: header `unit,owner,area_m2`.
pub fn parse_units(text: &str) -> Result<Vec<Unit>, VoteError> {
    let mut r = reader(text);
    header(&mut r, &["unit", "owner", "area_m2"])?;
    let mut out = vec![];
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            VoteError::new("CSV_INVALID", line, e.to_string())
        })?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let (unit, owner, area) = (&rec[0], &rec[1], &rec[2]);
        if unit.is_empty() || owner.is_empty() {
            return Err(VoteError::new(
                "UNIT_INVALID",
                line,
                "unit and owner are required",
            ));
        }
        let area = parse_area(area).ok_or_else(|| {
            VoteError::new(
                "AREA_INVALID",
                line,
                format!("area {area:?}: a positive number of m² with at most 4 decimals"),
            )
        })?;
        out.push(Unit {
            unit: unit.to_string(),
            owner: owner.to_string(),
            area,
        });
    }
    Ok(out)
}

/// Ballots as (owner, choice), with each one's line in its file.
pub type Ballots = (Vec<(String, Choice)>, Vec<usize>);

/// A ballots file: header `owner,choice`. Returns the ballots and each one's line.
pub fn parse_ballots(text: &str) -> Result<Ballots, VoteError> {
    let mut r = reader(text);
    header(&mut r, &["owner", "choice"])?;
    let (mut out, mut lines) = (vec![], vec![]);
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            VoteError::new("CSV_INVALID", line, e.to_string())
        })?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let choice = Choice::parse(&rec[1]).ok_or_else(|| {
            VoteError::new(
                "CHOICE_INVALID",
                line,
                format!("choice {:?}: agree, disagree or abstain", &rec[1]),
            )
        })?;
        out.push((rec[0].to_string(), choice));
        lines.push(line);
    }
    Ok((out, lines))
}

/// The whole recount of published files: what `gongzhi votes tally` prints.
pub fn tally_files(units: &str, ballots: &str, matter: &str) -> Result<Tally, VoteError> {
    tally_files_under(units, ballots, matter, Rules::default())
}

/// [`tally_files`] under a community's local rules (`--non-voters-follow`).
pub fn tally_files_under(
    units: &str,
    ballots: &str,
    matter: &str,
    rules: Rules,
) -> Result<Tally, VoteError> {
    let matter = Matter::parse(matter).ok_or_else(|| {
        VoteError::new(
            "MATTER_UNKNOWN",
            0,
            format!(
                "matter {matter:?}: one of {}",
                Matter::ALL.map(|m| m.code()).join(", ")
            ),
        )
    })?;
    let reg = Register::new(&parse_units(units)?)?;
    let (b, lines) = parse_ballots(ballots)?;
    tally_under(&reg, matter, &b, &lines, rules)
}
