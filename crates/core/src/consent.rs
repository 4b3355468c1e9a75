//! Consent under PIPL (arts. 13–17, 28–31): the privacy policy's purposes, the rule that
//! decides whether processing for a purpose may go on, and the age rule for children.
//!
//! A purpose is either *necessary* (the service cannot be given without it: an account, a
//! report's handling — PIPL art. 13(2); no consent is asked and nothing checks one) or
//! *consent*-based (optional: the person chooses, and may withdraw). Consent-based purposes
//! are *general*, or *separate* for sensitive personal information (art. 29), which only the
//! dedicated consent call may grant. A purpose added by a newer policy version needs the
//! person's consent again (`RECONSENT_REQUIRED`) even if they accepted the older policy.

use serde::Deserialize;

use crate::Coded;

/// Under this age (in full years) a guardian consents for the person (PIPL art. 31).
pub const GUARDIAN_AGE: u32 = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Needed to give the service the person asked for: no consent asked.
    Necessary,
    /// Only with the person's consent, which they may withdraw.
    Consent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    General,
    /// Sensitive personal information: a consent of its own, through its own call.
    Separate,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::General => "general",
            Kind::Separate => "separate",
        }
    }
}

/// One purpose of processing, as the policy states it.
#[derive(Debug, Clone, Deserialize)]
pub struct Purpose {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub basis: Basis,
    pub kind: Kind,
    /// The policy version that introduced it.
    pub added_in: i64,
    /// The personal fields processed for it (the data inventory's names).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Sensitive personal information (PIPL art. 28).
    #[serde(default)]
    pub sensitive: bool,
}

/// The privacy policy: its version and purposes.
#[derive(Debug, Clone, Deserialize)]
pub struct Policy {
    pub version: i64,
    #[serde(rename = "purpose")]
    pub purposes: Vec<Purpose>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy does not parse: {0}")]
    Parse(String),
    #[error("purpose {0} is listed twice")]
    Duplicate(String),
    #[error("purpose {0} was added after the policy's version")]
    FromTheFuture(String),
    #[error("sensitive purpose {0} must be consent-based and separate")]
    SensitiveNotSeparate(String),
}

impl Policy {
    /// Parses and checks a policy (TOML).
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let p: Policy = toml_parse(text)?;
        let mut seen = std::collections::BTreeSet::new();
        for purpose in &p.purposes {
            if !seen.insert(purpose.code.as_str()) {
                return Err(PolicyError::Duplicate(purpose.code.clone()));
            }
            if purpose.added_in > p.version || purpose.added_in < 1 {
                return Err(PolicyError::FromTheFuture(purpose.code.clone()));
            }
            if purpose.sensitive
                && (purpose.basis != Basis::Consent || purpose.kind != Kind::Separate)
            {
                return Err(PolicyError::SensitiveNotSeparate(purpose.code.clone()));
            }
        }
        Ok(p)
    }

    pub fn purpose(&self, code: &str) -> Option<&Purpose> {
        self.purposes.iter().find(|p| p.code == code)
    }
}

fn toml_parse(text: &str) -> Result<Policy, PolicyError> {
    toml::from_str(text).map_err(|e| PolicyError::Parse(e.to_string()))
}

/// A stored consent event of one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub purpose: String,
    pub policy_version: i64,
    pub granted: bool,
}

/// Why processing for a purpose may not go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no such purpose")]
    UnknownPurpose,
    #[error("consent required")]
    ConsentRequired,
    #[error("the policy added this purpose: consent again")]
    ReconsentRequired,
}

impl Coded for Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownPurpose => "PURPOSE_UNKNOWN",
            Refusal::ConsentRequired => "CONSENT_REQUIRED",
            Refusal::ReconsentRequired => "RECONSENT_REQUIRED",
        }
    }
}

/// May the subject's data be processed for `purpose`? `records` are the subject's consent
/// events in the order they happened (every purpose). The latest event for the purpose
/// decides; with none, a subject who accepted an older policy than the one adding the
/// purpose is asked to consent again, anyone else to consent.
pub fn decide(policy: &Policy, purpose: &str, records: &[Record]) -> Result<(), Refusal> {
    let p = policy.purpose(purpose).ok_or(Refusal::UnknownPurpose)?;
    if p.basis == Basis::Necessary {
        return Ok(());
    }
    match records.iter().rev().find(|r| r.purpose == purpose) {
        Some(r) if r.granted => Ok(()),
        Some(_) => Err(Refusal::ConsentRequired),
        None => {
            let earlier = records.iter().any(|r| r.policy_version < p.added_in);
            if earlier {
                Err(Refusal::ReconsentRequired)
            } else {
                Err(Refusal::ConsentRequired)
            }
        }
    }
}

/// Full years of age on `today` for someone born on `birth` (year, month, day). A person
/// born on 29 February turns a year older on 1 March in common years.
pub fn age_on(birth: (i32, u32, u32), today: (i32, u32, u32)) -> u32 {
    let (by, bm, bd) = birth;
    let (ty, tm, td) = today;
    if ty < by {
        return 0;
    }
    let mut years = (ty - by) as u32;
    if (tm, td) < (bm, bd) {
        years = years.saturating_sub(1);
    }
    years
}

/// Whether a guardian must consent for a person born on `birth`, on `today`.
pub fn needs_guardian(birth: (i32, u32, u32), today: (i32, u32, u32)) -> bool {
    age_on(birth, today) < GUARDIAN_AGE
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"
version = 2
[[purpose]]
code = "case_handling"
name_zh = "处理我反映的问题"
name_en = "Handling my reports"
basis = "necessary"
kind = "general"
added_in = 1
[[purpose]]
code = "notify_external"
name_zh = "短信和邮件通知"
name_en = "SMS and e-mail"
basis = "consent"
kind = "general"
added_in = 1
[[purpose]]
code = "care_needs"
name_zh = "关爱需求"
name_en = "Care needs"
basis = "consent"
kind = "separate"
sensitive = true
added_in = 2
"#;

    fn rec(purpose: &str, v: i64, granted: bool) -> Record {
        Record {
            purpose: purpose.into(),
            policy_version: v,
            granted,
        }
    }

    #[test]
    fn necessary_purposes_need_nothing_optional_ones_need_consent() {
        let p = Policy::parse(POLICY).unwrap();
        assert_eq!(decide(&p, "case_handling", &[]), Ok(()));
        assert_eq!(
            decide(&p, "notify_external", &[]),
            Err(Refusal::ConsentRequired)
        );
        assert_eq!(decide(&p, "nope", &[]), Err(Refusal::UnknownPurpose));
        let granted = [rec("notify_external", 2, true)];
        assert_eq!(decide(&p, "notify_external", &granted), Ok(()));
    }

    #[test]
    fn withdrawal_stops_and_a_new_grant_resumes() {
        let p = Policy::parse(POLICY).unwrap();
        let mut r = vec![
            rec("notify_external", 1, true),
            rec("notify_external", 1, false),
        ];
        assert_eq!(
            decide(&p, "notify_external", &r),
            Err(Refusal::ConsentRequired)
        );
        r.push(rec("notify_external", 2, true));
        assert_eq!(decide(&p, "notify_external", &r), Ok(()));
    }

    #[test]
    fn a_purpose_added_later_asks_those_who_accepted_before_to_consent_again() {
        let p = Policy::parse(POLICY).unwrap();
        let v1 = [rec("notify_external", 1, true)];
        assert_eq!(decide(&p, "notify_external", &v1), Ok(()));
        assert_eq!(
            decide(&p, "care_needs", &v1),
            Err(Refusal::ReconsentRequired)
        );
        let fresh: [Record; 0] = [];
        assert_eq!(
            decide(&p, "care_needs", &fresh),
            Err(Refusal::ConsentRequired)
        );
        let both = [rec("notify_external", 1, true), rec("care_needs", 2, true)];
        assert_eq!(decide(&p, "care_needs", &both), Ok(()));
    }

    #[test]
    fn policies_are_checked() {
        assert!(matches!(
            Policy::parse(&POLICY.replace("version = 2", "version = 1")),
            Err(PolicyError::FromTheFuture(_))
        ));
        assert!(matches!(
            Policy::parse(&POLICY.replace("kind = \"separate\"", "kind = \"general\"")),
            Err(PolicyError::SensitiveNotSeparate(_))
        ));
        let twice = format!("{POLICY}{}", &POLICY[POLICY.find("[[purpose]]").unwrap()..]);
        assert!(matches!(
            Policy::parse(&twice),
            Err(PolicyError::Duplicate(_))
        ));
    }

    #[test]
    fn the_fourteenth_birthday_is_the_boundary() {
        let birth = (2012, 12, 5);
        assert_eq!(age_on(birth, (2026, 12, 4)), 13, "13 years 364 days");
        assert!(needs_guardian(birth, (2026, 12, 4)));
        assert_eq!(age_on(birth, (2026, 12, 5)), 14, "the 14th birthday");
        assert!(!needs_guardian(birth, (2026, 12, 5)));
        // Born on 29 February: 14 on 1 March of a common year.
        assert!(needs_guardian((2012, 2, 29), (2026, 2, 28)));
        assert!(!needs_guardian((2012, 2, 29), (2026, 3, 1)));
        assert_eq!(age_on((2030, 1, 1), (2026, 1, 1)), 0);
    }
}
