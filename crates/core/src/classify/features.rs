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

/// Which terms a text yields: jieba words (and pairs of adjacent words), and character
/// n-grams of each CJK run. Stored in the model, so prediction uses what training used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeatureSet {
    /// Also adjacent word pairs (`p:水管+爆裂`); off by default (lower cross-validated accuracy).
    pub word_pairs: bool,
    /// Character n-gram lengths, inclusive (0 = none).
    pub char_min: u8,
    pub char_max: u8,
}

impl Default for FeatureSet {
    fn default() -> Self {
        FeatureSet {
            word_pairs: false,
            char_min: 1,
            char_max: 2,
        }
    }
}

impl Tokenizer {
    /// Terms of a text with the default feature set.
    pub fn terms(&self, text: &str) -> Vec<String> {
        self.terms_with(text, FeatureSet::default())
    }

    /// Terms of a text: `w:` words, `p:` word pairs, `c:` character n-grams of CJK runs.
    pub fn terms_with(&self, text: &str, fs: FeatureSet) -> Vec<String> {
        let mut out = Vec::with_capacity(text.len() * 2);
        self.for_each_term(text, fs, |t| out.push(t.to_string()));
        out
    }

    /// Calls `f` with each term, reusing one buffer (no allocation per term: this is the
    /// hot path of classification).
    pub fn for_each_term(&self, text: &str, fs: FeatureSet, mut f: impl FnMut(&str)) {
        // The model reads the head of a long text (a 12345 transcript states the matter
        // first); the rest costs time and adds nothing the head does not say.
        let text = super::corpus::head(text);
        // Lower-case ASCII only when there is some (most reports have none): no copy otherwise.
        let norm: std::borrow::Cow<'_, str> = if text.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(text.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(text)
        };
        let mut buf = String::with_capacity(32);
        let cut = self.jieba.cut(&norm, true);
        let mut prev: Option<&str> = None;
        for tok in &cut {
            let w = tok.word;
            if !keep_word(w) {
                continue;
            }
            buf.clear();
            buf.push_str("w:");
            buf.push_str(w);
            f(&buf);
            if fs.word_pairs
                && let Some(p) = prev
            {
                buf.clear();
                buf.push_str("p:");
                buf.push_str(p);
                buf.push('+');
                buf.push_str(w);
                f(&buf);
            }
            prev = Some(w);
        }
        if fs.char_min > 0 {
            let chars: Vec<char> = norm.chars().collect();
            for run in chars.split(|c| !is_cjk(*c)) {
                for n in usize::from(fs.char_min)..=usize::from(fs.char_max) {
                    for gram in run.windows(n) {
                        buf.clear();
                        buf.push_str("c:");
                        buf.extend(gram);
                        f(&buf);
                    }
                }
            }
        }
    }
}

impl Tokenizer {
    /// Words of a text for full-text search, with their byte ranges: jieba's search mode
    /// (a long word also yields the shorter words inside it, so 加装电梯 matches 电梯),
    /// without punctuation, numbers and function words.
    pub fn search_words<'a>(&self, text: &'a str) -> Vec<(usize, usize, &'a str)> {
        self.jieba
            .cut_for_search(text, true)
            .into_iter()
            .filter(|t| keep_word(t.word) && !STOP_WORDS.contains(&t.word))
            .map(|t| (t.byte_start, t.byte_end, t.word))
            .collect()
    }
}

/// Words too common to tell one account from another.
const STOP_WORDS: &[&str] = &[
    "的", "了", "是", "在", "和", "与", "及", "等", "也", "就", "都", "而", "被", "把", "对", "但",
    "又", "还", "并", "其", "之", "于", "以", "为", "这", "那", "有", "没有", "一个", "他", "她",
    "它", "我", "你", "我们", "他们", "她们", "你们", "自己", "某", "某某", "因", "因为", "所以",
    "如果", "后", "时", "中", "上", "下", "将", "已", "已经", "不", "很", "要", "说", "着", "过",
    "让", "给", "从", "向", "到", "由", "可", "能", "会", "该",
];

/// The display form of a term for explanations (`w:水管` → `水管`).
pub fn display(term: &str) -> std::borrow::Cow<'_, str> {
    let t = term.get(2..).unwrap_or(term);
    if t.contains('+') {
        std::borrow::Cow::Owned(t.replace('+', ""))
    } else {
        std::borrow::Cow::Borrowed(t)
    }
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
        let w = tokenizer().search_words("小区加装电梯的费用，2楼业主不同意");
        let words: Vec<&str> = w.iter().map(|x| x.2).collect();
        assert!(
            words.contains(&"电梯") && words.contains(&"加装电梯"),
            "{words:?}"
        );
        assert!(!words.contains(&"的") && !words.contains(&"2"), "{words:?}");
        let text = "小区加装电梯的费用，2楼业主不同意";
        assert!(w.iter().all(|(a, b, x)| &text[*a..*b] == *x));
        assert!(
            t.contains(&"w:垃圾堆".to_string())
                || tokenizer()
                    .terms("门口垃圾堆放")
                    .contains(&"w:垃圾堆".to_string())
        );
    }
}
