//! Turning a report into terms: jieba words (with a small dictionary of community terms that
//! jieba splits badly) plus character bigrams, so unseen words and typos still count.

use std::sync::OnceLock;

use jieba_rs::Jieba;

/// Community terms jieba would otherwise split (垃圾堆 → 垃圾/堆 …).
const USER_WORDS: &[&str] = &[
    "垃圾堆",
    "垃圾桶",
    "垃圾分类",
    "楼道灯",
    "声控灯",
    "路灯",
    "井盖",
    "下水道",
    "化粪池",
    "水管",
    "爆管",
    "停水",
    "停电",
    "跳闸",
    "电表箱",
    "燃气",
    "煤气",
    "电梯",
    "困人",
    "门禁",
    "道闸",
    "监控",
    "消防通道",
    "楼道",
    "电瓶车",
    "电动车",
    "飞线充电",
    "灭火器",
    "烟感",
    "高空抛物",
    "僵尸车",
    "乱停车",
    "违建",
    "私搭乱建",
    "占道经营",
    "小广告",
    "装修",
    "承重墙",
    "独居老人",
    "助餐",
    "广场舞",
    "油烟",
    "物业费",
    "维修资金",
    "业委会",
    "加装电梯",
    "车位",
    "漏水",
    "渗水",
    "外墙",
    "墙皮",
    "网格员",
    "居委会",
];

pub struct Tokenizer {
    jieba: Jieba,
}

/// The shared tokenizer (the dictionary loads once per process).
pub fn tokenizer() -> &'static Tokenizer {
    static T: OnceLock<Tokenizer> = OnceLock::new();
    T.get_or_init(|| {
        let mut jieba = Jieba::new();
        for w in USER_WORDS {
            jieba.add_word(w, Some(20_000), None);
        }
        Tokenizer { jieba }
    })
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

/// Digits and room numbers carry no category; keep letters and CJK.
fn keep_word(w: &str) -> bool {
    w.chars().any(|c| is_cjk(c) || c.is_alphabetic())
}

impl Tokenizer {
    /// Terms of a text: `w:` words and `c:` character bigrams of each CJK run.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let norm: String = text
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    c.to_ascii_lowercase()
                } else {
                    c
                }
            })
            .collect();
        let mut out = Vec::with_capacity(norm.len());
        for tok in self.jieba.cut(&norm, true) {
            let w = tok.word;
            if keep_word(w) {
                out.push(format!("w:{w}"));
            }
        }
        let chars: Vec<char> = norm.chars().collect();
        for pair in chars.windows(2) {
            if is_cjk(pair[0]) && is_cjk(pair[1]) {
                let mut s = String::with_capacity(8);
                s.push_str("c:");
                s.push(pair[0]);
                s.push(pair[1]);
                out.push(s);
            }
        }
        out
    }
}

/// The display form of a term for explanations (`w:水管` → `水管`).
pub fn display(term: &str) -> &str {
    term.get(2..).unwrap_or(term)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_bigrams() {
        let t = tokenizer().terms("3号楼地下室水管爆裂，水漫到楼道了");
        assert!(t.contains(&"w:水管".to_string()), "{t:?}");
        assert!(t.contains(&"w:楼道".to_string()), "{t:?}");
        assert!(t.contains(&"c:爆裂".to_string()));
        assert!(!t.iter().any(|x| x.contains('3')), "numbers dropped: {t:?}");
        assert!(
            t.contains(&"w:垃圾堆".to_string())
                || tokenizer()
                    .terms("门口垃圾堆放")
                    .contains(&"w:垃圾堆".to_string())
        );
    }
}
