//! Disputes: intake, consent, matching, the life cycle and the ladder, the agreement
//! document, follow-ups, confidentiality on every route, high-risk alerts, figures.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{Auth, TestApp};

const LEAK: &str =
    "楼上302卫生间漏水，渗到我家天花板，墙皮发霉脱落，多次上门协商，对方一直不肯维修，也不赔偿。";

async fn file_leak(app: &TestApp, who: &Auth) -> Value {
    let r = app
        .post_json(
            "/api/v1/disputes",
            who,
            json!({
                "account": LEAK,
                "wants": "请对方修好防水，赔偿吊顶维修费",
                "dtype": "neighbour",
                "parties": [{"name": "302室住户", "phone": "13900001111"}],
                "consent": true
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()
}

fn party(d: &Value, side: &str) -> i64 {
    d["parties"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["side"] == side))
        .and_then(|p| p["id"].as_i64())
        .expect("party")
}

#[tokio::test]
async fn a_dispute_goes_from_filing_through_consent_and_agreement_to_follow_up() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let m = app.bearer("mediator1").await;
    let d = file_leak(&app, &r1).await;
    let id = d["id"].as_i64().expect("id");
    assert_eq!(d["status"], "filed");
    assert_eq!(d["level"], "community");
    assert_eq!(d["type_name"], "社区邻里纠纷");
    assert_eq!(d["channel"], "web");
    // The applicant consented by filing; the other party has not been asked yet.
    let me = d["parties"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["me"] == true).cloned())
        .expect("own party");
    assert_eq!(me["consent"], "yes");
    assert_eq!(me["side"], "applicant");
    assert_eq!(me["phone"].as_str().map(|p| p.contains("****")), Some(true));
    let respondent = party(&d, "respondent");
    // Matched at once: the community's mediator leads.
    let mediators = d["mediators"].as_array().expect("mediators");
    let lead = &mediators[0];
    assert_eq!(lead["lead"], true);
    assert_eq!(lead["office"], "community");
    assert_eq!(lead["name"], "周敏", "{d}");

    // Nothing is mediated before every party consents.
    let session = json!({"minutes": "双方到场，陈述各自意见。", "mode": "in_person", "place": "居委会调解室"});
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/sessions"),
            &m,
            session.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.error_code(), "DISPUTE_NO_CONSENT");
    // A party answers only for themselves.
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/consent"),
            &r1,
            json!({"party_id": respondent, "consent": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.error_code(), "NOT_YOUR_PARTY");
    // The mediator reached the other party by phone and records their yes.
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/consent"),
            &m,
            json!({"party_id": respondent, "consent": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = r.json();
    assert_eq!(d["status"], "mediating");
    let p = d["parties"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["id"] == respondent).cloned())
        .expect("respondent");
    assert_eq!(p["consent_recorded_for"], true);

    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/sessions"),
            &m,
            json!({"minutes": "双方到场，陈述各自意见。", "positions": {respondent.to_string(): "愿意维修，但不认可赔偿金额"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["sessions"].as_array().map(Vec::len), Some(1));
    // Residents do not write minutes or agreements.
    let r = app
        .post_json(&format!("/api/v1/disputes/{id}/sessions"), &r1, session)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error_code(), "MEDIATORS_ONLY");

    let terms = "一、302室住户于2026年12月10日前完成卫生间防水维修；二、302室住户一次性补偿吊顶维修费1500元；三、双方今后互相体谅。";
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/agreement"),
            &m,
            json!({"terms": terms}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = r.json();
    assert_eq!(d["status"], "agreed");
    assert_eq!(d["agreement"]["version"], 1);
    assert_eq!(d["agreement"]["terms"], terms);
    // The applicant confirms; the other party signs the printed copy before the mediator.
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/agreement/confirm"),
            &r1,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "agreed");
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/agreement/confirm"),
            &r1,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "ALREADY_CONFIRMED");
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/agreement/confirm"),
            &m,
            json!({"party_id": respondent}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = r.json();
    assert_eq!(d["status"], "resolved");
    assert_eq!(d["resolved_level"], "community");
    assert!(d["closed_at"].as_i64().is_some());
    let due = d["follow_up_due"].as_i64().expect("follow-up scheduled");
    assert_eq!(due - d["closed_at"].as_i64().unwrap_or(0), 30 * 86_400_000);

    // The confirmed agreement's hash is on the public ledger: no names, no account, a
    // pseudonym instead of the dispute's number.
    let last = app
        .scalar_i64("select max(idx) from ledger_entries where kind = 'mediation.agreement'")
        .await;
    let e = app
        .get(&format!("/api/v1/ledger/entries/{last}"), &Auth::None)
        .await
        .json();
    assert_eq!(e["entry"]["sha256"], d["agreement"]["sha256"]);
    assert_eq!(e["entry"]["level"], "community");
    let canonical = e["canonical"].as_str().unwrap_or_default();
    for secret in ["302", "漏水", "13900001111", &id.to_string()] {
        assert!(
            !canonical.contains(&format!("\"{secret}\"")) && !canonical.contains("漏水"),
            "the ledger entry leaks {secret}: {canonical}"
        );
    }

    // The agreement document: from the dispute's data.
    let doc = app
        .get(&format!("/mediation/disputes/{id}/agreement"), &m)
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    for want in [
        "人民调解协议书",
        "人民调解委员会",
        "302室住户",
        terms,
        "楼上302卫生间漏水",
        "周敏",
        "申请人",
        "被申请人",
        "司法确认",
        d["agreement"]["sha256"].as_str().unwrap_or("?"),
    ] {
        assert!(doc.body.contains(want), "agreement lacks {want}");
    }
    assert!(!doc.body.contains("13900001111"), "phones stay masked");
    let name1 = d["parties"]
        .as_array()
        .and_then(|p| {
            p.iter()
                .find(|p| p["me"] == false && p["side"] == "applicant")
                .cloned()
        })
        .and_then(|p| p["name"].as_str().map(str::to_string))
        .expect("applicant name");
    assert!(doc.body.contains(&name1));

    // The follow-up finds the agreement broken: mediation resumes.
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/followup"),
            &m,
            json!({"holds": false, "note": "防水未修"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = r.json();
    assert_eq!(d["status"], "mediating");
    assert_eq!(d["resolved_level"], Value::Null);
    assert_eq!(d["followups"][0]["holds"], false);
    let kinds: Vec<&str> = d["events"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    for k in [
        "filed",
        "matched",
        "dispute.consent",
        "dispute.session",
        "dispute.agreement",
        "dispute.confirm",
        "status",
        "dispute.followup",
    ] {
        assert!(kinds.contains(&k), "history lacks {k}: {kinds:?}");
    }
    assert_eq!(app.audit_count("dispute.confirm", "ok").await, 2);
    // Personal data is ciphertext at rest.
    let stored = app
        .scalar_text(&format!("select account_enc from disputes where id = {id}"))
        .await
        .unwrap_or_default();
    assert!(!stored.contains("漏水") && !stored.is_empty());
    let names = app
        .scalar_text(&format!(
            "select name_enc from dispute_parties where dispute_id = {id} and side = 'respondent'"
        ))
        .await
        .unwrap_or_default();
    assert!(!names.contains("302"));
}

#[tokio::test]
async fn a_refusal_records_the_dispute_without_mediating_it() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let staff = app.bearer("staff1").await;
    let d = file_leak(&app, &r1).await;
    let id = d["id"].as_i64().expect("id");
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/consent"),
            &staff,
            json!({"party_id": party(&d, "respondent"), "consent": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "declined");
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/agreement"),
            &staff,
            json!({"terms": "一、……"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "DISPUTE_CLOSED");
    // Filing without consent, or without the other party, is refused with a reason.
    for (body, code) in [
        (
            json!({"account": LEAK, "parties": [{"name": "302室"}]}),
            "MEDIATION_CONSENT_REQUIRED",
        ),
        (
            json!({"account": LEAK, "consent": true}),
            "PARTIES_REQUIRED",
        ),
        (
            json!({"account": "漏水", "consent": true, "parties": [{"name": "302室"}]}),
            "ACCOUNT_INVALID",
        ),
        (
            json!({"account": LEAK, "consent": true, "dtype": "x", "parties": [{"name": "302室"}]}),
            "TYPE_UNKNOWN",
        ),
        (
            json!({"account": LEAK, "consent": true, "parties": [{"name": "302室", "phone": "123"}]}),
            "PHONE_INVALID",
        ),
    ] {
        let r = app.post_json("/api/v1/disputes", &r1, body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{code}: {}",
            r.body
        );
        assert_eq!(r.error_code(), code);
    }
}

#[tokio::test]
async fn the_ladder_climbs_to_court_diversion_and_brings_in_the_judicial_office() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    // A walk-in at the community office: a debt between neighbours (judicial office leads,
    // a lawyer advises, the community mediator signs with them).
    let r = app
        .post_json(
            "/api/v1/disputes",
            &staff,
            json!({
                "account": "邻居向申请人借款两万元，约定半年归还，现已逾期一年，多次催要未还。",
                "dtype": "debt",
                "channel": "office",
                "parties": [
                    {"side": "applicant", "name": "王建国", "phone": "13900002222"},
                    {"name": "李志强"}
                ]
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let d = r.json();
    let id = d["id"].as_i64().expect("id");
    assert_eq!(d["channel"], "office");
    let offices: Vec<&str> = d["mediators"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m["office"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(offices[0], "judicial", "{d}");
    assert!(
        offices.contains(&"lawyer") && offices.contains(&"community"),
        "{offices:?}"
    );
    for p in d["parties"].as_array().cloned().unwrap_or_default() {
        let r = app
            .post_json(
                &format!("/api/v1/disputes/{id}/consent"),
                &staff,
                json!({"party_id": p["id"], "consent": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let mut levels = vec![];
    for _ in 0..3 {
        let r = app
            .post_json(
                &format!("/api/v1/disputes/{id}/escalate"),
                &staff,
                json!({"reason": "本级调解未果"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let d = r.json();
        levels.push((
            d["level"].as_str().unwrap_or("").to_string(),
            d["status"].as_str().unwrap_or("").to_string(),
        ));
    }
    assert_eq!(
        levels,
        vec![
            ("street".into(), "mediating".into()),
            ("district".into(), "mediating".into()),
            ("court".into(), "referred".into())
        ]
    );
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/escalate"),
            &staff,
            json!({"reason": "再升级"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "DISPUTE_CLOSED");
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/escalate"),
            &staff,
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(r.error_code(), "REASON_INVALID");

    // The figures count it: ended, not resolved.
    let r = app.get("/api/v1/mediation/figures", &staff).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let f = r.json();
    assert_eq!(f["total"]["filed"], 1);
    assert_eq!(f["total"]["ended"], 1);
    assert_eq!(f["total"]["success_rate"], 0.0);
    assert_eq!(f["by_type"][0]["label"], "经济债务纠纷");
    let r = app
        .get("/api/v1/mediation/figures", &app.bearer("resident1").await)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

#[tokio::test]
async fn only_parties_mediators_and_supervisors_see_a_dispute_on_any_route() {
    use base64::Engine;
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let d = file_leak(&app, &r1).await;
    let id = d["id"].as_i64().expect("id");
    let data = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(PNG)
    );
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/attachments"),
            &r1,
            json!({"name": "天花板.png", "data": data}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let aid = r.json()["id"].as_i64().expect("attachment id");
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/attachments"),
            &r1,
            json!({"name": "x.txt", "data": "aGVsbG8="}),
        )
        .await;
    assert_eq!(r.error_code(), "ATTACHMENT_INVALID");
    let attachment = format!("/api/v1/disputes/{id}/attachments/{aid}");
    let reads = [
        format!("/api/v1/disputes/{id}"),
        attachment.clone(),
        format!("/api/v1/disputes/{id}/similar"),
        format!("/mediation/disputes/{id}"),
        format!("/mediation/disputes/{id}/agreement"),
    ];
    let similar = format!(
        "/api/v1/mediation/similar?k=50&q={}",
        url::form_urlencoded::byte_serialize(LEAK.as_bytes()).collect::<String>()
    );
    let sees_in_search = |j: &Value| {
        j["results"]
            .as_array()
            .is_some_and(|r| r.iter().any(|h| h["source"] == "dispute" && h["id"] == id))
    };
    // Outsiders: another resident (the neighbour is not a party on record), staff of the
    // wrong kind, a mediator not on it, the auditor.
    let denied_before = app.audit_count("access.denied", "denied").await;
    for u in [
        "resident2",
        "grid1",
        "head1",
        "unit-property1",
        "judicial1",
        "police1",
        "auditor1",
    ] {
        let who = app.bearer(u).await;
        for path in &reads {
            let r = app.get(path, &who).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{u} {path}: {}", r.status);
        }
        for (path, body) in [
            (
                format!("/api/v1/disputes/{id}/consent"),
                json!({"consent": true}),
            ),
            (
                format!("/api/v1/disputes/{id}/sessions"),
                json!({"minutes": "x"}),
            ),
            (
                format!("/api/v1/disputes/{id}/attachments"),
                json!({"name": "a.png", "data": data}),
            ),
        ] {
            let r = app.post_json(&path, &who, body).await;
            if u == "auditor1" {
                // Auditors change nothing, whatever the object: refused before any lookup.
                assert_eq!(r.error_code(), "READ_ONLY_ROLE", "{u} {path}");
            } else {
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{u} {path}");
            }
        }
        let list = app.get("/api/v1/disputes", &who).await.json();
        assert_eq!(list["total"], 0, "{u} lists it");
        let r = app.get(&similar, &who).await;
        if r.status == StatusCode::OK {
            assert!(!sees_in_search(&r.json()), "{u} finds it in search");
        }
    }
    assert!(app.audit_count("access.denied", "denied").await > denied_before);
    // Insiders: the party, the matched mediator, the community's and street's staff, admin.
    for u in ["resident1", "mediator1", "staff1", "street1", "admin"] {
        let who = app.bearer(u).await;
        let r = app.get(&format!("/api/v1/disputes/{id}"), &who).await;
        assert_eq!(r.status, StatusCode::OK, "{u}");
        let r = app.get(&attachment, &who).await;
        assert_eq!(r.status, StatusCode::OK, "{u}");
        assert_eq!(r.bytes.as_slice(), PNG, "{u}: the bytes back");
        let list = app.get("/api/v1/disputes", &who).await.json();
        assert_eq!(list["total"], 1, "{u}");
        if u != "resident1" {
            assert!(sees_in_search(&app.get(&similar, &who).await.json()), "{u}");
        }
    }
    // The attachment under another dispute's id is not found either.
    let other = file_leak(&app, &r1).await["id"].as_i64().expect("id");
    let r = app
        .get(&format!("/api/v1/disputes/{other}/attachments/{aid}"), &r1)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_threat_alerts_the_police_and_the_street_at_once() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    let r = app
        .post_json(
            "/api/v1/disputes",
            &staff,
            json!({
                "account": "两家因车位争吵多日，今天对方拿刀站在楼道里，扬言要砍死他们一家。",
                "channel": "phone",
                "parties": [{"side": "applicant", "name": "赵磊"}, {"name": "对方车主"}]
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let d = r.json();
    assert_eq!(d["risk"], "high");
    let id = d["id"].as_i64().expect("id");
    assert!(
        d["mediators"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["office"] == "police")),
        "the police station is on it: {d}"
    );
    for u in ["police1", "street1"] {
        let n = app
            .scalar_i64(&format!(
                "select count(*) from notifications n join users u on u.id = n.user_id \
                 where u.username = '{u}' and n.kind = 'urgent' and n.title like '%第{id}号%'"
            ))
            .await;
        assert_eq!(n, 1, "{u} alerted");
    }
}

#[tokio::test]
async fn a_dispute_case_becomes_a_dispute_in_one_click() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let staff = app.bearer("staff1").await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &r1,
            json!({"text": "我的车位又被对门那家占了，说了好几次还跟我吵，请社区调解", "lng": lng, "lat": lat, "category": "SVC.DISPUTE"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let case = r.json()["id"].as_i64().expect("case id");
    let r = app
        .post_json(&format!("/api/v1/cases/{case}/dispute"), &staff, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let d = r.json();
    assert_eq!(d["case_id"], case);
    assert_eq!(d["channel"], "case");
    let id = d["id"].as_i64().expect("id");
    // The reporter is the applicant, linked to their account: they see it.
    let r = app.get(&format!("/api/v1/disputes/{id}"), &r1).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["standing"]["party"].as_i64().is_some());
    // The case page offers the click to staff; the form lands on the same dispute.
    let web = app.browser("staff1").await;
    let page = app.get(&format!("/cases/{case}"), &web).await;
    assert!(page.body.contains(&format!("/cases/{case}/to-dispute")));
    let csrf = web.csrf();
    let r = app
        .post_form(
            &format!("/cases/{case}/to-dispute"),
            &web,
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(r.location(), format!("/mediation/disputes/{id}?filed=1"));
    // Once only.
    let again = app
        .post_json(&format!("/api/v1/cases/{case}/dispute"), &staff, json!({}))
        .await;
    assert_eq!(again.json()["id"], id);
    // Residents cannot convert; other categories are not disputes.
    let r = app
        .post_json(&format!("/api/v1/cases/{case}/dispute"), &r1, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_json(
            "/api/v1/cases",
            &r1,
            json!({"text": "小区路灯坏了好几天", "lng": lng, "lat": lat, "category": "FAC.LIGHT"}),
        )
        .await;
    let other = r.json()["id"].as_i64().expect("case id");
    let r = app
        .post_json(&format!("/api/v1/cases/{other}/dispute"), &staff, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.error_code(), "CASE_NOT_DISPUTE");
}

#[tokio::test]
async fn the_type_is_guessed_from_similar_cases_and_past_disputes_are_found() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    let r = app
        .post_json(
            "/api/v1/disputes",
            &staff,
            json!({
                "account": "申请人骑电动车在路口被对方小车撞伤，交警认定对方全责，医药费和误工费对方一直拖着不赔偿。",
                "parties": [{"side": "applicant", "name": "孙强"}, {"name": "小车车主"}]
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let d = r.json();
    assert_eq!(d["dtype"], "traffic", "{}", d["type_name"]);
    let id = d["id"].as_i64().expect("id");
    // Its own similar cases leave it out; published traffic cases come first.
    let r = app
        .get(&format!("/api/v1/disputes/{id}/similar?k=5"), &staff)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert!(
        j["results"].as_array().is_some_and(|r| r
            .iter()
            .all(|h| !(h["source"] == "dispute" && h["id"] == id))),
        "{j}"
    );
    assert!(
        j["results"]
            .as_array()
            .is_some_and(|r| r.iter().take(3).any(|h| h["type"] == "交通事故纠纷")),
        "{j}"
    );
    // A second, similar dispute finds the first one (with its outcome) among the past ones.
    let r = app
        .post_json(
            "/api/v1/disputes",
            &staff,
            json!({
                "account": "电动车在路口被小车撞伤，交警认定小车全责，医药费误工费一直不赔。",
                "parties": [{"side": "applicant", "name": "周鹏"}, {"name": "司机"}]
            }),
        )
        .await;
    let second = r.json()["id"].as_i64().expect("id");
    let r = app
        .get(&format!("/api/v1/disputes/{second}/similar?k=10"), &staff)
        .await;
    let j = r.json();
    let hit = j["results"]
        .as_array()
        .and_then(|r| {
            r.iter()
                .find(|h| h["source"] == "dispute" && h["id"] == id)
                .cloned()
        })
        .unwrap_or_else(|| panic!("the first dispute among the similar ones: {j}"));
    assert_eq!(hit["outcome"], "待同意调解");
    let r = app
        .get(&format!("/api/v1/disputes/{second}/similar?k=0"), &staff)
        .await;
    assert_eq!(r.error_code(), "K_INVALID");
}

#[tokio::test]
async fn a_second_node_finds_disputes_filed_through_the_first() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    // Node B: the same database, its own in-memory index, built before the filing.
    let b = gongzhi_app::cli::build_state(
        app.st.db.clone(),
        gongzhi_core::pii::Cipher::new(&crate::support::TEST_KEY),
        std::sync::Arc::new(app.clock.clone()),
        gongzhi_app::config::Config::default(),
    )
    .await
    .expect("node b");
    let b_index = b.similar_cases().await.expect("index b");
    let before = app.st.now_ms();
    let r1 = app.bearer("resident1").await;
    let id = file_leak(&app, &r1).await["id"].as_i64().expect("id");
    let key = format!("d:{id}");
    let found = |idx: &gongzhi_app::mediation::index::CaseIndex| {
        idx.similar(LEAK, 50, None, None)
            .expect("search")
            .iter()
            .any(|h| h.source == "dispute" && h.id == id)
    };
    assert!(!found(&b_index), "{key} not on node b yet");
    let n = gongzhi_app::mediation::service::refresh_index(&b, &b_index, before - 1)
        .await
        .expect("refresh");
    assert!(n >= 1);
    assert!(found(&b_index), "{key} on node b after its refresh");
    // A status change through node A reaches node B's outcome too.
    let d = app
        .get(&format!("/api/v1/disputes/{id}"), &staff)
        .await
        .json();
    let respondent = party(&d, "respondent");
    let r = app
        .post_json(
            &format!("/api/v1/disputes/{id}/consent"),
            &staff,
            json!({"party_id": respondent, "consent": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    gongzhi_app::mediation::service::refresh_index(&b, &b_index, before - 1)
        .await
        .expect("refresh");
    let hit = b_index
        .similar(LEAK, 50, None, None)
        .expect("search")
        .into_iter()
        .find(|h| h.id == id && h.source == "dispute")
        .expect("hit");
    assert_eq!(hit.outcome, "不同意调解");
}
