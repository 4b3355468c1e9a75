//! A year of public account books for every demo community: owners' deposits, interest and
//! repairs in the maintenance fund; subsidy, crowdfunding, residents' share, a donation and
//! micro-renewal projects in the renewal fund; the owners' meeting minutes and a receipt
//! for every spending, published; every movement and document on the ledger. Deterministic
//! for a seed. Written through the same functions as the live books.

use gongzhi_core::ledger::{Book, Category, Direction, DocKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::service::{Document, Movement, write_document, write_movement};
use crate::clock::date_cn as date;
use crate::state::AppState;

const DAY_MS: i64 = 86_400_000;

const BANK: &str = "某商业银行（维修资金专户）";
const APPROVAL_278: &str =
    "业主大会表决通过（参与表决的专有部分面积和人数均过三分之二，同意的均过半数）";
const APPROVAL_URGENT: &str =
    "紧急使用：经居委会、业委会现场确认，事后向全体业主公示（民法典第二百八十一条）";

/// (purpose, payee, lowest and highest amount in yuan)
const REPAIRS: &[(&str, &str, i64, i64)] = &[
    (
        "电梯曳引机及钢丝绳更换",
        "某电梯工程有限公司",
        80_000,
        150_000,
    ),
    ("屋面防水层翻修", "某防水工程有限公司", 50_000, 120_000),
    ("二次供水水泵更换", "某机电设备安装有限公司", 20_000, 40_000),
    ("消防管网及喷淋头维修", "某消防工程有限公司", 15_000, 60_000),
    ("外墙空鼓脱落隐患处置", "某建筑修缮有限公司", 30_000, 90_000),
    (
        "单元门禁及对讲系统更换",
        "某智能科技有限公司",
        12_000,
        30_000,
    ),
];

const PROJECTS: &[(&str, &str, i64, i64)] = &[
    (
        "口袋公园改造（座椅、绿化、健身器材）",
        "某园林绿化有限公司",
        90_000,
        160_000,
    ),
    (
        "楼道加装扶手及夜间感应照明",
        "某装饰工程有限公司",
        12_000,
        25_000,
    ),
    (
        "非机动车棚及智能充电桩",
        "某新能源科技有限公司",
        35_000,
        60_000,
    ),
    ("单元入口无障碍坡道", "某市政工程有限公司", 18_000, 32_000),
];

/// A one-page PDF with lines of ASCII text (Helvetica): the demo's receipts and minutes.
fn pdf(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 72 760 Td 16 TL\n");
    for l in lines {
        let esc: String = l
            .chars()
            .filter(|c| c.is_ascii() && !c.is_control())
            .flat_map(|c| match c {
                '(' | ')' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        content.push_str(&format!("({esc}) Tj T*\n"));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// One planned movement: (day offset, book, category, purpose, counterparty, fen,
/// approval, receipt wanted).
struct Plan {
    at: i64,
    book: Book,
    category: Category,
    purpose: String,
    counterparty: String,
    fen: i64,
    approval: &'static str,
    receipt: bool,
}

/// Writes the books of every demo community; returns the number of movements.
pub async fn seed(st: &AppState, seed: u64) -> anyhow::Result<usize> {
    let now = st.now_ms();
    let year_ago = now - 365 * DAY_MS;
    let map = st.org_map();
    let admin = crate::auth::service::account_named(st, "admin")
        .await?
        .map(|u| u.id);
    let mut written = 0;
    for (community, name, street) in map.communities() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (community as u64).wrapping_mul(0x9E37));
        let street_name = street
            .and_then(|s| map.unit_name(s))
            .unwrap_or_else(|| "街道".into());
        let mut plans = vec![];
        let yuan = |rng: &mut ChaCha8Rng, lo: i64, hi: i64| rng.gen_range(lo..=hi) * 100;
        // Maintenance fund: deposits of a few buildings, quarterly interest, repairs.
        for b in 0..rng.gen_range(3..6) {
            let building = rng.gen_range(1..30);
            plans.push(Plan {
                at: year_ago + (5 + b * 3) * DAY_MS,
                book: Book::Maintenance,
                category: Category::OwnerDeposit,
                purpose: format!("{building}号楼专项维修资金归集"),
                counterparty: format!("{building}号楼全体业主"),
                fen: yuan(&mut rng, 300_000, 800_000),
                approval: "按《住宅专项维修资金管理办法》归集",
                receipt: false,
            });
        }
        let mut picks: Vec<usize> = (0..REPAIRS.len()).collect();
        for q in 1..=4 {
            plans.push(Plan {
                at: year_ago + q * 91 * DAY_MS - DAY_MS,
                book: Book::Maintenance,
                category: Category::Interest,
                purpose: format!("第{q}季度专户利息"),
                counterparty: BANK.into(),
                fen: yuan(&mut rng, 2_000, 6_000),
                approval: "银行结息",
                receipt: false,
            });
        }
        for k in 0..rng.gen_range(3..5) {
            let (purpose, payee, lo, hi) =
                REPAIRS[picks.swap_remove(rng.gen_range(0..picks.len()))];
            let urgent = purpose.starts_with("电梯") && rng.gen_bool(0.5);
            plans.push(Plan {
                at: year_ago + (40 + k * 70 + rng.gen_range(0..30)) * DAY_MS,
                book: Book::Maintenance,
                category: Category::Repair,
                purpose: purpose.into(),
                counterparty: payee.into(),
                fen: yuan(&mut rng, lo, hi),
                approval: if urgent {
                    APPROVAL_URGENT
                } else {
                    APPROVAL_278
                },
                receipt: true,
            });
        }
        // Renewal fund: subsidy + crowdfunding + residents' share, then projects.
        plans.push(Plan {
            at: year_ago + 60 * DAY_MS,
            book: Book::Renewal,
            category: Category::Subsidy,
            purpose: "社区微更新项目财政补贴".into(),
            counterparty: format!("{street_name}办事处"),
            fen: yuan(&mut rng, 150_000, 250_000),
            approval: "街道微更新项目立项批复",
            receipt: false,
        });
        plans.push(Plan {
            at: year_ago + 75 * DAY_MS,
            book: Book::Renewal,
            category: Category::Crowdfunding,
            purpose: "“共建美好家园”公益众筹".into(),
            counterparty: format!("社区众筹（{}人次）", rng.gen_range(40..180)),
            fen: yuan(&mut rng, 20_000, 60_000),
            approval: "居民议事会决议",
            receipt: false,
        });
        plans.push(Plan {
            at: year_ago + 80 * DAY_MS,
            book: Book::Renewal,
            category: Category::ResidentShare,
            purpose: "项目所在楼栋居民自筹".into(),
            counterparty: format!(
                "{}号楼居民（{}户）",
                rng.gen_range(1..30),
                rng.gen_range(12..40)
            ),
            fen: yuan(&mut rng, 10_000, 30_000),
            approval: "居民议事会决议",
            receipt: false,
        });
        plans.push(Plan {
            at: year_ago + 90 * DAY_MS,
            book: Book::Renewal,
            category: Category::Donation,
            purpose: "驻区单位捐赠".into(),
            counterparty: "某物业服务有限公司".into(),
            fen: yuan(&mut rng, 5_000, 20_000),
            approval: "居委会受赠登记",
            receipt: false,
        });
        for (k, (purpose, payee, lo, hi)) in PROJECTS.iter().enumerate() {
            if k > 0 && rng.gen_bool(0.3) {
                continue;
            }
            plans.push(Plan {
                at: year_ago + (120 + k as i64 * 55 + rng.gen_range(0..20)) * DAY_MS,
                book: Book::Renewal,
                category: Category::Renewal,
                purpose: (*purpose).into(),
                counterparty: (*payee).into(),
                fen: yuan(&mut rng, *lo, *hi),
                approval: "居民议事会表决通过，项目方案公示无异议",
                receipt: true,
            });
        }
        plans.sort_by_key(|p| p.at);

        let mut tx = st.db.begin().await?;
        let mut balance = [0i64; 2];
        // The owners' meeting that approved the year's repairs, published first.
        let minutes = pdf(&[
            format!("gongzhi demo - owners' general meeting minutes, community #{community}"),
            format!("Date: {}", date(year_ago + 30 * DAY_MS)),
            "Resolution: use of the special maintenance fund for the listed repairs.".into(),
            "Turnout: >2/3 of area and owners; approved by >1/2 of both (Civil Code art. 278)."
                .into(),
        ]);
        write_document(
            &mut tx,
            Document {
                community_id: community,
                community: name.clone(),
                kind: DocKind::Minutes,
                title: "业主大会关于使用专项维修资金的会议纪要".into(),
                media_type: "application/pdf",
                content: &minutes,
                published_by: admin,
                now: year_ago + 30 * DAY_MS,
            },
        )
        .await?;
        for (n, p) in plans.into_iter().enumerate() {
            let direction = p.category.direction().unwrap_or(Direction::In);
            let b = p.book as usize;
            if direction == Direction::Out && p.fen > balance[b] {
                continue;
            }
            let receipt = if p.receipt {
                let file = pdf(&[
                    format!("gongzhi demo - receipt {}-{community}-{n}", date(p.at)),
                    format!("Amount: CNY {}", gongzhi_core::ledger::yuan(p.fen)),
                    format!("Community #{community}, book: {}", p.book.code()),
                ]);
                let (id, _) = write_document(
                    &mut tx,
                    Document {
                        community_id: community,
                        community: name.clone(),
                        kind: DocKind::Receipt,
                        title: format!("{}发票及验收单", p.purpose),
                        media_type: "application/pdf",
                        content: &file,
                        published_by: admin,
                        now: p.at,
                    },
                )
                .await?;
                let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&file));
                Some((id, sha))
            } else {
                None
            };
            write_movement(
                &mut tx,
                Movement {
                    community_id: community,
                    community: name.clone(),
                    book: p.book,
                    direction,
                    category: p.category,
                    amount_fen: p.fen,
                    purpose: p.purpose,
                    counterparty: p.counterparty,
                    approval: p.approval.into(),
                    occurred_on: date(p.at),
                    receipt,
                    reverses: None,
                    recorded_by: admin,
                    now: p.at + 10 * 3_600_000,
                },
            )
            .await?;
            balance[b] += if direction == Direction::In {
                p.fen
            } else {
                -p.fen
            };
            written += 1;
        }
        tx.commit().await?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_pdf_is_well_formed() {
        let p = super::pdf(&["Receipt (demo) \\ 1".into()]);
        let s = String::from_utf8(p).expect("ascii");
        assert!(s.starts_with("%PDF-1.4\n") && s.ends_with("%%EOF\n"));
        assert!(s.contains("(Receipt \\(demo\\) \\\\ 1) Tj"));
        // The xref offsets point at the objects.
        let xref = s
            .rfind("startxref\n")
            .map(|i| &s[i + 10..])
            .expect("startxref");
        let at: usize = xref
            .lines()
            .next()
            .and_then(|l| l.parse().ok())
            .expect("offset");
        assert!(s[at..].starts_with("xref"));
        let first = s[at..].lines().nth(3).expect("entry 1");
        let off: usize = first[..10].parse().expect("digits");
        assert!(s[off..].starts_with("1 0 obj"));
    }
}
