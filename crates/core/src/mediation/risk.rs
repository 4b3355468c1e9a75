//! Risk screening of a dispute's account: threats of violence or of self-harm, and group
//! incidents (many people, blocked roads, petitions) are escalated at once — the police
//! station and the street are alerted before anyone mediates. Screening is by phrases, on
//! purpose: it must be explainable ("matched 要跳楼") and err on the side of alerting; staff
//! can lower a level they judge wrong, and the change is audited.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Normal,
    /// Heated: insults, earlier scuffles, repeated complaints. Watched, no alert.
    Elevated,
    /// Violence, self-harm or a group incident threatened or under way: alert now.
    High,
}

impl Risk {
    pub fn code(self) -> &'static str {
        match self {
            Risk::Normal => "normal",
            Risk::Elevated => "elevated",
            Risk::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Risk> {
        [Risk::Normal, Risk::Elevated, Risk::High]
            .into_iter()
            .find(|r| r.code() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Risk::Normal => "一般",
            Risk::Elevated => "较高",
            Risk::High => "高（立即预警）",
        }
    }
}

/// What screening found: the level and the phrases that set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Screened {
    pub risk: Risk,
    /// Why: (kind, phrase) for each phrase found (`violence`, `self_harm`, `group`, `heated`).
    pub reasons: Vec<(&'static str, &'static str)>,
}

const VIOLENCE: &[&str] = &[
    "杀了",
    "砍死",
    "弄死",
    "打死",
    "捅",
    "动刀",
    "拿刀",
    "带刀",
    "放火",
    "烧了他",
    "同归于尽",
    "报复",
    "炸了",
    "泼汽油",
    "要他命",
    "拼命",
    "见血",
];
const SELF_HARM: &[&str] = &[
    "跳楼",
    "自杀",
    "轻生",
    "不想活",
    "喝农药",
    "寻短见",
    "割腕",
    "死给",
    "一死了之",
    "活不下去",
];
const GROUP: &[&str] = &[
    "群体",
    "集体上访",
    "上访",
    "堵路",
    "堵门",
    "围堵",
    "拉横幅",
    "几十人",
    "上百人",
    "聚集",
    "静坐",
    "闹事",
    "媒体曝光",
];
const HEATED: &[&str] = &[
    "打架",
    "动手",
    "推搡",
    "辱骂",
    "骂人",
    "威胁",
    "恐吓",
    "冲突",
    "扭打",
    "多次投诉",
    "报警",
];

/// Screens a dispute's account (what happened, what the party wants).
pub fn screen(text: &str) -> Screened {
    let mut reasons = vec![];
    for (kind, list) in [
        ("violence", VIOLENCE),
        ("self_harm", SELF_HARM),
        ("group", GROUP),
        ("heated", HEATED),
    ] {
        for p in list.iter().filter(|p| text.contains(**p)) {
            reasons.push((kind, *p));
        }
    }
    let risk = if reasons.iter().any(|(k, _)| *k != "heated") {
        Risk::High
    } else if reasons.is_empty() {
        Risk::Normal
    } else {
        Risk::Elevated
    };
    Screened { risk, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threats_and_groups_are_high() {
        let s = screen("他说再漏水就拿刀上门，要跟楼上同归于尽");
        assert_eq!(s.risk, Risk::High);
        assert!(s.reasons.contains(&("violence", "拿刀")));
        assert_eq!(screen("二十多户业主准备拉横幅堵门").risk, Risk::High);
        assert_eq!(screen("她说活不下去了").risk, Risk::High);
    }

    #[test]
    fn quarrels_are_elevated_and_plain_disputes_normal() {
        assert_eq!(
            screen("两家因为车位吵过几次，还推搡过").risk,
            Risk::Elevated
        );
        let s = screen("楼上卫生间漏水，天花板发霉，要求修好并赔偿");
        assert_eq!(s.risk, Risk::Normal);
        assert!(s.reasons.is_empty());
    }
}
