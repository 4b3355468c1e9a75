//! Dispute types, the offices mediators come from, and the escalation ladder.

use serde::{Deserialize, Serialize};

/// A dispute type. The 13 built-in types are those of the published case base
/// (`data/mediation-cases`); a community may add its own (stored as data, code `X.…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisputeType {
    pub code: &'static str,
    /// The name used on screen and in the case base (`社区邻里纠纷`).
    pub name: &'static str,
    /// The offices a dispute of this type needs at the table, first the lead office
    /// (三所联动: judicial office, police, lawyers, beside the community's own mediators).
    pub offices: &'static [Office],
}

/// Where a mediator comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Office {
    /// 社区调解员 (residents' committee mediation committee).
    Community,
    /// 司法所 (judicial office, people's mediation).
    Judicial,
    /// 派出所 (police station).
    Police,
    /// 律师 (lawyer volunteers).
    Lawyer,
}

impl Office {
    pub const ALL: [Office; 4] = [
        Office::Community,
        Office::Judicial,
        Office::Police,
        Office::Lawyer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Office::Community => "community",
            Office::Judicial => "judicial",
            Office::Police => "police",
            Office::Lawyer => "lawyer",
        }
    }

    pub fn parse(s: &str) -> Option<Office> {
        Office::ALL.into_iter().find(|o| o.code() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Office::Community => "社区调解员",
            Office::Judicial => "司法所",
            Office::Police => "派出所",
            Office::Lawyer => "律师",
        }
    }
}

use Office::{Community as C, Judicial as J, Lawyer as L, Police as P};

/// The built-in types, in the case base's order of frequency.
pub const TYPES: &[DisputeType] = &[
    DisputeType {
        code: "neighbour",
        name: "社区邻里纠纷",
        offices: &[C],
    },
    DisputeType {
        code: "family",
        name: "家庭婚姻纠纷",
        offices: &[C, L],
    },
    DisputeType {
        code: "environment",
        name: "环境污染纠纷",
        offices: &[C, J],
    },
    DisputeType {
        code: "debt",
        name: "经济债务纠纷",
        offices: &[J, L],
    },
    DisputeType {
        code: "public_order",
        name: "治安刑事纠纷",
        offices: &[P, J],
    },
    DisputeType {
        code: "traffic",
        name: "交通事故纠纷",
        offices: &[P, J],
    },
    DisputeType {
        code: "property",
        name: "房产土地纠纷",
        offices: &[J, L],
    },
    DisputeType {
        code: "labour",
        name: "劳资劳动纠纷",
        offices: &[J, L],
    },
    DisputeType {
        code: "school",
        name: "校园教育纠纷",
        offices: &[C, J],
    },
    DisputeType {
        code: "company",
        name: "公司经营纠纷",
        offices: &[L, J],
    },
    DisputeType {
        code: "consumer",
        name: "消费旅游纠纷",
        offices: &[J],
    },
    DisputeType {
        code: "inheritance",
        name: "遗产继承纠纷",
        offices: &[L, C],
    },
    DisputeType {
        code: "medical",
        name: "医疗健康纠纷",
        offices: &[J, L],
    },
];

impl DisputeType {
    pub fn by_code(code: &str) -> Option<&'static DisputeType> {
        TYPES.iter().find(|t| t.code == code)
    }

    pub fn by_name(name: &str) -> Option<&'static DisputeType> {
        TYPES.iter().find(|t| t.name == name)
    }
}

/// The rungs of the 枫桥 ladder, lowest first: a dispute is taken up at the community and
/// climbs only when the rung below could not resolve it (矛盾不上交).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Community,
    Street,
    District,
    /// Diverted to the court's pre-litigation mediation (诉前调解).
    Court,
}

impl Level {
    pub const ALL: [Level; 4] = [
        Level::Community,
        Level::Street,
        Level::District,
        Level::Court,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Level::Community => "community",
            Level::Street => "street",
            Level::District => "district",
            Level::Court => "court",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Level::Community => "社区",
            Level::Street => "街道",
            Level::District => "区",
            Level::Court => "法院诉前调解",
        }
    }

    /// The next rung up, if any.
    pub fn up(self) -> Option<Level> {
        match self {
            Level::Community => Some(Level::Street),
            Level::Street => Some(Level::District),
            Level::District => Some(Level::Court),
            Level::Court => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_types_with_unique_codes_and_names() {
        assert_eq!(TYPES.len(), 13);
        for (i, a) in TYPES.iter().enumerate() {
            assert!(a.name.ends_with("纠纷"));
            assert!(!a.offices.is_empty());
            for b in &TYPES[i + 1..] {
                assert_ne!(a.code, b.code);
                assert_ne!(a.name, b.name);
            }
        }
        assert_eq!(
            DisputeType::by_name("社区邻里纠纷").map(|t| t.code),
            Some("neighbour")
        );
    }

    #[test]
    fn the_ladder_climbs_to_the_court_and_stops() {
        let mut l = Level::Community;
        let mut seen = vec![l];
        while let Some(n) = l.up() {
            assert!(n > l);
            seen.push(n);
            l = n;
        }
        assert_eq!(seen, Level::ALL.to_vec());
    }
}
