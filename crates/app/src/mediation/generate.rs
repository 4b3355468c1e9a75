//! Synthetic disputes for the search benchmark: accounts recombined from the sentences of
//! the published cases of one type (so vocabulary and type structure are real), with the
//! parties' surnames and numbers varied. Deterministic for a seed.

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
            for _ in 0..k {
                let s = &pool[rng.gen_range(0..pool.len())];
                body.push_str(&vary(s, &mut rng));
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

/// A sentence with its parties' surnames (X某) and its amounts changed; dates, times, ages
/// and house numbers are kept (a changed year reads as nonsense: 9223年).
fn vary(s: &str, rng: &mut ChaCha8Rng) -> String {
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
            out.push_str(SURNAMES[rng.gen_range(0..SURNAMES.len())]);
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
        assert_eq!(
            vary("2019年3月借款5000元", &mut ChaCha8Rng::seed_from_u64(1)).len(),
            "2019年3月借款5000元".len()
        );
        assert!(
            vary("2019年3月借款5000元", &mut ChaCha8Rng::seed_from_u64(1))
                .starts_with("2019年3月借款")
        );
        let c = disputes(&cases, 50, 1000, 8);
        assert!(a.iter().zip(&c).any(|(x, y)| x.body != y.body));
    }
}
