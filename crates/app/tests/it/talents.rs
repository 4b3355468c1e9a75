//! 能人库 (issue 21): a resident lists themselves only under their own consent and is
//! unlisted (profile erased) when they withdraw it; a lawyer's consultation slot is booked
//! by exactly one of several residents booking at once; the question is sealed and read
//! only by the lawyer and the booker; the outcome is recorded once, after the start, and
//! counts; staff verify certificates; teams take a member once.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn a_lawyer_s_consultation_is_booked_once_and_its_question_stays_between_two() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    let lawyer = app.bearer("lawyer1").await;
    let r2 = app.bearer("resident2").await;
    // Listing needs the person's own consent.
    let me = json!({"title": "赵医生", "profession": "退休全科医生", "skills": ["medical"],
        "availability": "周三上午", "certificates": [{"name": "医师资格证", "issuer": "省卫健委"}]});
    let r = app.put_json("/api/v1/talents/me", &r2, me.clone()).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::FORBIDDEN, "CONSENT_REQUIRED"),
        "{}",
        r.body
    );
    let r = app
        .post_json(
            "/api/v1/me/consents",
            &r2,
            json!({"purposes": ["talent_listing"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .put_json(
            "/api/v1/talents/me",
            &r2,
            json!({"title": "赵医生", "profession": "x", "skills": ["magic"], "availability": "y"}),
        )
        .await;
    assert_eq!(r.error_code(), "SKILL_UNKNOWN");
    let r = app.put_json("/api/v1/talents/me", &r2, me).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let doctor = r.json()["id"].as_i64().unwrap();
    // Staff verify the certificate, once.
    let cert = app
        .scalar_i64(&format!(
            "select min(id) from talent_certificates where talent_id = {doctor}"
        ))
        .await;
    let verify = json!({"certificate": cert});
    let r = app
        .post_json(
            &format!("/api/v1/talents/{doctor}/verify"),
            &r2,
            verify.clone(),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a talent does not verify themselves"
    );
    let r = app
        .post_json(
            &format!("/api/v1/talents/{doctor}/verify"),
            &staff,
            verify.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_json(&format!("/api/v1/talents/{doctor}/verify"), &staff, verify)
        .await;
    assert_eq!(r.error_code(), "CERTIFICATE_UNKNOWN");

    // The lawyer (mediation's, listed by the demo) opens tomorrow's slot.
    let tomorrow = gongzhi_app::clock::iso(app.st.now_ms() + 86_400_000)[..10].to_string();
    let slot = json!({"starts_at": format!("{tomorrow}T15:00"), "minutes": 30, "place": "法律服务室", "topic": "legal"});
    let r = app
        .post_json(
            "/api/v1/talents/slots",
            &lawyer,
            json!({"starts_at": "2020-01-01T09:00", "minutes": 30, "place": "x", "topic": "legal"}),
        )
        .await;
    assert_eq!(r.error_code(), "STARTS_AT_INVALID");
    let r = app
        .post_json("/api/v1/talents/slots", &lawyer, json!({"starts_at": format!("{tomorrow}T15:00"), "minutes": 30, "place": "x", "topic": "medical"}))
        .await;
    assert_eq!(
        r.error_code(),
        "SKILL_UNKNOWN",
        "a slot is on one of their skills"
    );
    let r = app
        .post_json("/api/v1/talents/slots", &r2, json!({"starts_at": format!("{tomorrow}T09:00"), "minutes": 60, "place": "社区卫生站", "topic": "medical"}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "the doctor is listed: {}",
        r.body
    );
    let r = app
        .post_json("/api/v1/talents/slots", &staff, slot.clone())
        .await;
    assert_eq!(r.error_code(), "NOT_A_TALENT");
    let r = app.post_json("/api/v1/talents/slots", &lawyer, slot).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s = r.json()["id"].as_i64().unwrap();

    // Three residents book at once: one gets it.
    let question = "邻居装修占用公共走道，能不能要求拆除？";
    let mut calls = vec![];
    for who in ["resident2", "elder1", "volunteer1"] {
        let auth = app.bearer(who).await;
        let app = &app;
        calls.push(async move {
            (
                who,
                app.post_json(
                    &format!("/api/v1/talents/slots/{s}/book"),
                    &auth,
                    json!({"question": question}),
                )
                .await,
            )
        });
    }
    let answers = futures_util::future::join_all(calls).await;
    let won: Vec<&str> = answers
        .iter()
        .filter(|(_, r)| r.status == StatusCode::OK)
        .map(|(w, _)| *w)
        .collect();
    assert_eq!(
        won.len(),
        1,
        "exactly one booking: {:?}",
        answers
            .iter()
            .map(|a| (a.0, a.1.body.clone()))
            .collect::<Vec<_>>()
    );
    for (_, r) in answers.iter().filter(|(_, r)| r.status != StatusCode::OK) {
        assert_eq!(r.error_code(), "SLOT_TAKEN", "{}", r.body);
    }
    let booker = app.bearer(won[0]).await;
    let loser = ["resident2", "elder1", "volunteer1"]
        .into_iter()
        .find(|w| *w != won[0])
        .unwrap();
    let loser = app.bearer(loser).await;
    // The question is sealed at rest and read by the lawyer and the booker only.
    let sealed = app
        .scalar_text(&format!(
            "select question_enc from talent_slots where id = {s}"
        ))
        .await
        .unwrap();
    assert!(!sealed.contains("走道"), "sealed at rest");
    for (who, sees) in [
        (&booker, true),
        (&lawyer, true),
        (&staff, false),
        (&loser, false),
    ] {
        let r = app.get(&format!("/api/v1/talents/slots/{s}"), who).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(
            r.json()["question"].as_str() == Some(question),
            sees,
            "{}",
            r.body
        );
        assert_eq!(r.json()["booked"], true);
    }
    assert!(
        app.get(&format!("/api/v1/talents/slots/{s}"), &loser)
            .await
            .json()["booker"]
            .is_null()
    );
    assert_eq!(
        app.get(&format!("/api/v1/talents/slots/{s}"), &staff)
            .await
            .json()["booker"]
            .as_str()
            .map(|b| b.ends_with('*')),
        Some(true),
        "staff see who, masked"
    );

    // The booker's export carries their question (PIPL art. 45).
    let export = app.get("/api/v1/me/export", &booker).await.json();
    assert!(
        export["talents"]["bookings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["slot"] == s && b["question"] == question),
        "{}",
        export["talents"]
    );

    // The outcome: only the lawyer, only once begun, only once.
    let outcome = json!({"outcome": "mediation", "outcome_note": "转社区人民调解"});
    let r = app
        .post_json(
            &format!("/api/v1/talents/slots/{s}/outcome"),
            &lawyer,
            outcome.clone(),
        )
        .await;
    assert_eq!(r.error_code(), "SLOT_NOT_BEGUN");
    app.clock.advance_ms(2 * 86_400_000);
    let (lawyer, staff, booker) = (
        app.bearer("lawyer1").await,
        app.bearer("staff1").await,
        app.bearer(won[0]).await,
    );
    let r = app
        .post_json(
            &format!("/api/v1/talents/slots/{s}/outcome"),
            &booker,
            outcome.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let held = |o: &serde_json::Value| {
        o["talents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["title"] == "李律师")
            .map(|t| t["consultations"].as_i64().unwrap())
            .unwrap()
    };
    let before = held(&app.get("/api/v1/talents", &staff).await.json());
    let r = app
        .post_json(
            &format!("/api/v1/talents/slots/{s}/outcome"),
            &lawyer,
            outcome.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_json(
            &format!("/api/v1/talents/slots/{s}/outcome"),
            &lawyer,
            outcome,
        )
        .await;
    assert_eq!(r.error_code(), "OUTCOME_RECORDED");
    assert_eq!(
        held(&app.get("/api/v1/talents", &staff).await.json()),
        before + 1
    );

    // Teams take a member once.
    let r = app
        .post_json(
            "/api/v1/teams",
            &staff,
            json!({"name": "健康服务队", "skill": "medical", "purpose": "义诊"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let team = r.json()["id"].as_i64().unwrap();
    let r2 = app.bearer("resident2").await;
    let r = app
        .post_json(&format!("/api/v1/teams/{team}/members"), &r2, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_json(&format!("/api/v1/teams/{team}/members"), &r2, json!({}))
        .await;
    assert_eq!(r.error_code(), "TEAM_MEMBER_EXISTS");
    assert_eq!(
        app.get(&format!("/api/v1/teams/{team}"), &staff)
            .await
            .json()["members"][0][1],
        "赵医生"
    );

    // Withdrawing the consent unlists the doctor and erases the profile.
    let r = app
        .send_delete("/api/v1/me/consents/talent_listing", &r2)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let o = app.get("/api/v1/talents", &staff).await.json();
    assert!(
        o["talents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["id"] != doctor),
        "unlisted"
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from talent_certificates where talent_id = {doctor}"
        ))
        .await,
        0
    );
    assert_eq!(
        app.scalar_text(&format!(
            "select profession from talents where id = {doctor}"
        ))
        .await
        .unwrap(),
        ""
    );
    assert!(
        app.get(&format!("/api/v1/teams/{team}"), &staff)
            .await
            .json()["members"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Cancelling the account erases the booker's question (the consultation stays).
    let r = app
        .post_json(
            "/api/v1/me/cancel",
            &booker,
            json!({"password": crate::support::PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from talent_slots where id = {s} and question_enc is null and booked_by is not null"
        ))
        .await,
        1,
        "the question is erased, the consultation stays"
    );
}
