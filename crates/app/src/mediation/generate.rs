//! Synthetic disputes for the search benchmark: accounts recombined from the sentences of
//! the published cases of one type (so vocabulary and type structure are real), with the
//! parties' surnames and numbers varied. Deterministic for a seed.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::SeedCase;
use super::index::Doc;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];

/// Sentences of the seed grouped by type (type name, sentences).
fn sentences(cases: &[SeedCase]) -> Vec<(String, Vec<String>)> {
    let mut by: Vec<(String, Vec<String>)> = vec![];
    for c in cases {
        let list: Vec<String> = c
            .event_description
            .split_inclusive(['。', '！', '？'])
            .map(str::trim)
            .filter(|s| s.chars().count() >= 8)
            .map(str::to_string)
            .collect();
        match by.iter_mut().find(|(t, _)| *t == c.event_type) {
            Some((_, v)) => v.extend(list),
            None => by.push((c.event_type.clone(), list)),
        }
    }
    by
}

/// `n` synthetic disputes with ids from `first_id`.
pub fn disputes(cases: &[SeedCase], n: usize, first_id: i64, seed: u64) -> Vec<Doc> {
    let by = sentences(cases);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let (dtype, pool) = &by[rng.gen_range(0..by.len())];
            let k = rng.gen_range(2..=4).min(pool.len());
            let mut body = String::new();
            let mut names = HashMap::new();
            for _ in 0..k {
                let s = &pool[rng.gen_range(0..pool.len())];
                body.push_str(&vary(s, &mut rng, &mut names));
            }
            let title: String = body.chars().take(20).collect();
            Doc {
                key: format!("d:{}", first_id + i as i64),
                id: first_id + i as i64,
                dtype: dtype.clone(),
                title: format!("{dtype}｜{title}"),
                body,
                outcome: "调解成功（社区）".into(),
                access: vec![format!("c:{}", rng.gen_range(1..=40))],
            }
        })
        .collect()
}

/// A published account retold: its parties renamed consistently (魏某 is 王某 throughout,
/// and two parties never share a new surname) and its amounts varied. Returns the text and
/// the parties of `parties` ("魏某, 金某") under their new names.
pub fn retell(text: &str, parties: &str, rng: &mut ChaCha8Rng) -> (String, Vec<String>) {
    let mut names = HashMap::new();
    let body = vary(text, rng, &mut names);
    let who = parties
        .split([',', '，', '、'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut out = String::new();
            let chars: Vec<char> = p.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                match names.get(c) {
                    Some(n) if chars.get(i + 1) == Some(&'某') => out.push_str(n),
                    _ => out.push(*c),
                }
            }
            out
        })
        .collect();
    (body, who)
}

/// A sentence with its parties' surnames (X某) and its amounts changed; dates, times, ages
/// and house numbers are kept (a changed year reads as nonsense: 9223年). `names` keeps
/// each original surname's replacement, so one person keeps one name through a text.
fn vary(s: &str, rng: &mut ChaCha8Rng, names: &mut HashMap<char, &'static str>) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let kept = |i: usize| {
        let end = chars[i..]
            .iter()
            .position(|c| !c.is_ascii_digit())
            .map(|p| i + p);
        end.and_then(|e| chars.get(e))
            .is_some_and(|c| "年月日时分点岁号楼室:：".contains(*c))
    };
    for (i, c) in chars.iter().enumerate() {
        if chars.get(i + 1) == Some(&'某') && !c.is_ascii() {
            let n = match names.get(c) {
                Some(n) => *n,
                None => {
                    let free: Vec<&'static str> = SURNAMES
                        .iter()
                        .copied()
                        .filter(|s| !names.values().any(|v| v == s))
                        .collect();
                    let n = if free.is_empty() {
                        SURNAMES[rng.gen_range(0..SURNAMES.len())]
                    } else {
                        free[rng.gen_range(0..free.len())]
                    };
                    names.insert(*c, n);
                    n
                }
            };
            out.push_str(n);
        } else if c.is_ascii_digit() && !kept(i) {
            out.push(char::from(b'0' + rng.gen_range(0..10u8)));
        } else {
            out.push(*c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_typed_and_varied() {
        let cases = super::super::seed_cases().expect("seed");
        let a = disputes(&cases, 50, 1000, 7);
        let b = disputes(&cases, 50, 1000, 7);
        assert_eq!(a.len(), 50);
        assert!(
            a.iter()
                .zip(&b)
                .all(|(x, y)| x.body == y.body && x.dtype == y.dtype)
        );
        assert_eq!(a[0].id, 1000);
        assert!(
            a.iter()
                .all(|d| d.dtype.ends_with("纠纷") && d.body.chars().count() >= 16)
        );
        let v = |s: &str| vary(s, &mut ChaCha8Rng::seed_from_u64(1), &mut HashMap::new());
        assert_eq!(v("2019年3月借款5000元").len(), "2019年3月借款5000元".len());
        assert!(v("2019年3月借款5000元").starts_with("2019年3月借款"));
        // One person keeps one new name; two people never share one.
        let (t, who) = retell(
            "魏某向金某借款。金某催魏某还钱。",
            "魏某, 金某",
            &mut ChaCha8Rng::seed_from_u64(3),
        );
        assert_eq!(who.len(), 2);
        assert_ne!(who[0], who[1]);
        assert_eq!(
            t,
            format!("{}向{}借款。{}催{}还钱。", who[0], who[1], who[1], who[0])
        );
        let c = disputes(&cases, 50, 1000, 8);
        assert!(a.iter().zip(&c).any(|(x, y)| x.body != y.body));
    }
}
