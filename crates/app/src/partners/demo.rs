//! The demo's partners and 五社联动 campaign: a café that lends its back room for meetings,
//! a bookshop that gives books, the property company that gives money, the district charity
//! federation that holds the campaign's money. The campaign 困境儿童关爱计划 has a target,
//! the property company's donation and a resident's (masked) in its public book, three
//! children registered (masked) and two helped — coverage computed from those rows.

use super::service::{self as sv, NewAgreement, NewCampaign, NewContribution, NewPartner};
use crate::auth::service::acting_as;
use crate::state::AppState;

pub async fn seed(st: &AppState) -> anyhow::Result<()> {
    let Ok(staff) = acting_as(st, "staff1").await else {
        return Ok(());
    };
    if !sv::overview(st, &staff, None).await?.partners.is_empty() {
        return Ok(());
    }
    let campaign = sv::add_campaign(
        st,
        &staff,
        &NewCampaign {
            title: "困境儿童关爱计划".into(),
            purpose: "为社区困境儿童（单亲、父母重病或服刑、留守）提供学习用品、营养餐补贴和四点半课堂学费。".into(),
            target_fen: 2_000_000,
            foundation: "区慈善会".into(),
        },
    )
    .await?;
    let partners = [
        (
            "街角咖啡馆",
            "shop",
            vec!["space"],
            "每周二、四晚上免费借后厅给居民议事会开会",
        ),
        (
            "新华书店（鼓楼店）",
            "shop",
            vec!["books"],
            "每季度捐赠儿童读物",
        ),
        (
            "安居物业",
            "company",
            vec!["money", "services"],
            "物业企业，参与五社联动",
        ),
        (
            "区慈善会",
            "foundation",
            vec!["money"],
            "持有社区慈善基金，负责募捐票据",
        ),
    ];
    let mut ids = vec![];
    for (name, kind, offers, note) in partners {
        ids.push(
            sv::add_partner(
                st,
                &staff,
                &NewPartner {
                    name: name.into(),
                    kind: kind.into(),
                    offers: offers.into_iter().map(String::from).collect(),
                    note: Some(note.into()),
                },
            )
            .await?,
        );
    }
    sv::add_agreement(
        st,
        &staff,
        ids[0],
        &NewAgreement {
            title: "议事空间共享协议".into(),
            starts_on: "2026-01-01".into(),
            ends_on: "2026-12-31".into(),
            terms: "咖啡馆每周二、四 19:00–21:00 免费提供后厅（约 30 人）供居民议事会、楼组会议使用；社区负责会后清洁，并在公示栏致谢。".into(),
        },
    )
    .await?;
    for (partner, kind, description, amount, to) in [
        (ids[0], "space", "后厅借用 8 次（居民议事会）", None, None),
        (ids[1], "books", "儿童读物 120 册", None, None),
        (
            ids[2],
            "money",
            "捐赠困境儿童关爱计划",
            Some(500_000),
            Some(campaign),
        ),
    ] {
        sv::contribute(
            st,
            &staff,
            partner,
            &NewContribution {
                kind: kind.into(),
                description: description.into(),
                amount_fen: amount,
                campaign: to,
            },
        )
        .await?;
    }
    sv::donate(
        st,
        &staff,
        campaign,
        &sv::NewDonation {
            donor: "李建国".into(),
            amount_fen: 20_000,
        },
    )
    .await?;
    // Three children of the community, registered masked; two helped so far.
    let page = crate::residents::service::list(
        st,
        &staff,
        &crate::residents::service::Search::default(),
        &crate::web::PageParams {
            page: Some(1),
            per_page: Some(500),
        },
    )
    .await?;
    let mut kids: Vec<_> = page.items.iter().filter(|r| r.birth_year >= 2013).collect();
    if kids.len() < 3 {
        kids = page.items.iter().rev().collect();
    }
    let needs = [
        "单亲家庭，需要学习用品",
        "父亲重病，需要营养餐补贴",
        "留守儿童，报名四点半课堂",
    ];
    let mut bens = vec![];
    for (k, need) in kids.iter().take(3).zip(needs) {
        bens.push(sv::add_beneficiary_resident(st, &staff, campaign, k.id, need).await?);
    }
    for (b, amount, purpose) in bens
        .iter()
        .zip([
            (80_000, "书包、文具和冬季校服"),
            (120_000, "一学期营养餐补贴"),
        ])
        .map(|(b, (a, p))| (*b, a, p))
    {
        sv::give(
            st,
            &staff,
            campaign,
            &sv::NewHelp {
                beneficiary: b,
                amount_fen: amount,
                purpose: purpose.into(),
            },
        )
        .await?;
    }
    Ok(())
}
