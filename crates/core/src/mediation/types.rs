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

/// Words that point to a type (cue words), one signal of the type model
/// ([`super::typing`]). Written from how residents and hotline staff describe each kind of
/// dispute (not fitted to any case); a cue counts once however often it occurs.
const CUES: &[(&str, &[&str])] = &[
    (
        "neighbour",
        &[
            "漏水",
            "渗水",
            "楼上",
            "楼下",
            "邻居",
            "噪音",
            "装修",
            "车位",
            "加装电梯",
            "占用",
            "楼道",
            "遛狗",
            "宠物",
            "天花板",
            "墙体",
            "采光",
            "堆放",
            "对门",
            "隔壁",
            "吵闹",
            "扰民",
            "地锁",
            "晾晒",
            "违建",
            "搭建",
        ],
    ),
    (
        "family",
        &[
            "离婚",
            "夫妻",
            "赡养",
            "抚养",
            "婆媳",
            "子女",
            "老人",
            "彩礼",
            "家暴",
            "分家",
            "丈夫",
            "妻子",
            "老公",
            "老婆",
            "婚姻",
            "抚养费",
            "赡养费",
            "探视",
            "婆婆",
        ],
    ),
    (
        "environment",
        &[
            "污染",
            "油烟",
            "异味",
            "排污",
            "粉尘",
            "臭味",
            "废水",
            "垃圾站",
            "污水",
            "排放",
            "工厂",
            "化工",
            "噪声",
            "烟尘",
            "恶臭",
            "臭气",
        ],
    ),
    (
        "debt",
        &[
            "借款", "欠款", "借条", "还款", "货款", "欠钱", "利息", "债务", "借钱", "借给", "欠条",
            "催债", "讨债", "不还", "担保", "转账",
        ],
    ),
    (
        "public_order",
        &[
            "打架",
            "殴打",
            "斗殴",
            "打伤",
            "报警",
            "治安",
            "辱骂",
            "打人",
            "动手",
            "被打",
            "威胁",
            "恐吓",
            "盗窃",
            "小偷",
            "敲诈",
            "勒索",
            "寻衅",
            "派出所",
        ],
    ),
    (
        "traffic",
        &[
            "车祸",
            "撞伤",
            "撞倒",
            "交警",
            "交通事故",
            "追尾",
            "电动车",
            "肇事",
            "剐蹭",
            "刮蹭",
            "司机",
            "开车",
            "骑车",
            "路口",
            "行人",
            "撞",
        ],
    ),
    (
        "property",
        &[
            "宅基地",
            "房产",
            "产权",
            "土地",
            "租金",
            "租房",
            "房东",
            "承包地",
            "过户",
            "房子",
            "房屋",
            "租客",
            "押金",
            "买房",
            "卖房",
            "中介",
            "拆迁",
            "界址",
        ],
    ),
    (
        "labour",
        &[
            "工资",
            "欠薪",
            "劳动合同",
            "工伤",
            "加班",
            "辞退",
            "包工头",
            "务工",
            "老板",
            "工地",
            "员工",
            "社保",
            "开除",
            "工人",
            "上班",
        ],
    ),
    (
        "school",
        &[
            "学校",
            "学生",
            "老师",
            "校园",
            "同学",
            "幼儿园",
            "孩子",
            "班主任",
            "霸凌",
            "欺负",
            "校方",
        ],
    ),
    (
        "company",
        &[
            "公司",
            "股东",
            "合伙",
            "经营",
            "分红",
            "加盟",
            "投资",
            "股份",
            "合作",
            "合伙人",
            "营业执照",
        ],
    ),
    (
        "consumer",
        &[
            "退款",
            "商家",
            "购买",
            "旅游",
            "消费",
            "质量问题",
            "退货",
            "网购",
            "店家",
            "售后",
            "预付",
            "充值",
            "会员卡",
            "办卡",
            "培训",
            "旅行社",
            "导游",
            "健身",
            "商品",
        ],
    ),
    (
        "inheritance",
        &[
            "遗产",
            "继承",
            "遗嘱",
            "遗赠",
            "去世",
            "过世",
            "病故",
            "份额",
            "兄弟姐妹",
        ],
    ),
    (
        "medical",
        &[
            "医院", "医疗", "手术", "医生", "治疗", "误诊", "诊所", "看病", "病人", "护士", "住院",
            "用药",
        ],
    ),
];

/// How many distinct cue words of each type (in [`TYPES`] order) the account contains.
pub fn cue_counts(account: &str) -> Vec<usize> {
    TYPES
        .iter()
        .map(|t| {
            CUES.iter()
                .find(|(code, _)| *code == t.code)
                .map_or(0, |(_, cues)| {
                    cues.iter().filter(|c| account.contains(*c)).count()
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cue_words_are_counted_once_per_type() {
        let leak = "楼上卫生间漏水，渗到我家天花板，楼上漏水多次协商不修";
        let n = cue_counts(leak);
        assert_eq!(n.len(), TYPES.len());
        let neighbour = TYPES
            .iter()
            .position(|t| t.code == "neighbour")
            .unwrap_or(0);
        assert_eq!(n[neighbour], 3, "楼上, 漏水, 天花板 once each");
        assert!(cue_counts("没有任何线索").iter().all(|c| *c == 0));
        for (code, _) in CUES {
            assert!(DisputeType::by_code(code).is_some(), "{code}");
        }
    }

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
