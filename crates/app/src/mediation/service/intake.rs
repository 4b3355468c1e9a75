//! Intake: residents file for themselves; staff and mediators file for someone who came or
//! called; police refer; a case of category SVC.DISPUTE becomes a dispute in one click.

use super::*;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PartyInput {
    /// `applicant` or `respondent` (default).
    pub side: Option<String>,
    pub name: String,
    pub phone: Option<String>,
    /// Staff: the resident record of this party (links their account, if any).
    pub resident_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct FileRequest {
    /// What happened (10–5000 characters).
    pub account: String,
    /// What the applicant asks for (1–2000 characters).
    #[serde(default)]
    pub wants: String,
    /// Dispute type code (`neighbour`, …); by default guessed from the most similar cases.
    pub dtype: Option<String>,
    /// A short title without names (default: the type and the account's first words).
    pub title: Option<String>,
    /// The other parties (a resident filing is the applicant themselves).
    #[serde(default)]
    pub parties: Vec<PartyInput>,
    /// Staff: the community (default: their own).
    pub community_id: Option<i64>,
    /// Staff: `office` (walked in), `phone` or `police` (a police station's referral).
    pub channel: Option<String>,
    /// A resident filing agrees to mediation by filing; must be true.
    #[serde(default)]
    pub consent: bool,
    /// Days after the agreement until the follow-up visit (1–365, default 30).
    pub follow_up_days: Option<i64>,
}

/// The type of an account, as the similar-case index's type model (trained on the published
/// cases and the disputes filed here) ranks it.
pub fn guess_type(index: &crate::mediation::index::CaseIndex, text: &str) -> &'static str {
    index.types().best(text)
}

/// A title from the account's first clause of four characters or more (never names: the
/// filer's words, which staff see anyway).
pub(crate) fn default_title(dtype: &str, account: &str) -> String {
    let first: String = account
        .split(['。', '，', '；', '！', '？', ',', '.'])
        .find(|s| s.chars().count() >= 4)
        .unwrap_or(account)
        .chars()
        .take(24)
        .collect();
    format!("{}｜{}", type_name(dtype), first)
}

pub(super) struct NewParty {
    pub(super) side: &'static str,
    pub(super) name: String,
    pub(super) phone: Option<String>,
    pub(super) user_id: Option<i64>,
    pub(super) resident_id: Option<i64>,
    pub(super) consent: &'static str,
    pub(super) consent_by: Option<i64>,
}

fn party_input(p: &PartyInput) -> AppResult<(String, Option<String>, &'static str)> {
    let name = text_field(&p.name, 1, 40, "NAME_INVALID", "parties")?;
    let phone = match p.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(ph) => Some(
            PhoneNumber::parse(ph)
                .map_err(|e| AppError::field("parties", e))?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let side = match p.side.as_deref().unwrap_or("respondent") {
        "applicant" => "applicant",
        "respondent" => "respondent",
        _ => {
            return Err(AppError::Invalid {
                code: "SIDE_INVALID",
                field: Some("parties"),
            });
        }
    };
    Ok((name, phone, side))
}

/// Where a new dispute is placed and who files it.
pub(super) struct Intake {
    pub(super) channel: &'static str,
    pub(super) street_id: i64,
    pub(super) community_id: i64,
    pub(super) case_id: Option<i64>,
}

/// Who files disputes: residents for themselves, whoever works disputes for others, and
/// grid workers and building heads, who bring in the disputes they meet on their rounds
/// (within their own community; they keep standing in what they filed).
pub fn may_file(user: &CurrentUser) -> bool {
    user.role == Role::Resident || works_disputes(user.role) || brings_in(user.role)
}

/// Grid workers and building heads bring disputes in; they do not mediate them.
fn brings_in(role: Role) -> bool {
    matches!(role, Role::GridWorker | Role::BuildingHead)
}

/// Files a dispute. Residents file for themselves (`web`); community/street staff and
/// mediators file for someone who came or called (`office`, `phone`) and police mediators
/// refer one (`police`).
pub async fn file(st: &AppState, user: &CurrentUser, req: &FileRequest) -> AppResult<i64> {
    let actor = &user.actor();
    let account = text_field(&req.account, 10, 5000, "ACCOUNT_INVALID", "account")?;
    let wants = text_field(&req.wants, 0, 2000, "WANTS_INVALID", "wants")?;
    let mut parties = vec![];
    let intake = match user.role {
        Role::Resident => {
            if !req.consent {
                return Err(AppError::Invalid {
                    code: "MEDIATION_CONSENT_REQUIRED",
                    field: Some("consent"),
                });
            }
            if req.channel.is_some() || req.community_id.is_some() {
                return Err(AppError::Forbidden("STAFF_ONLY"));
            }
            let r = crate::residents::service::own(st, user)
                .await?
                .ok_or(AppError::Forbidden("ROLE_FORBIDDEN"))?;
            parties.push(NewParty {
                side: "applicant",
                name: r.name.clone(),
                phone: r.phone.clone(),
                user_id: Some(user.id),
                resident_id: Some(r.id),
                consent: "yes",
                consent_by: Some(user.id),
            });
            Intake {
                channel: "web",
                street_id: r.place.street_id,
                community_id: r.place.community_id,
                case_id: None,
            }
        }
        r if works_disputes(r) || brings_in(r) => {
            let channel = match req.channel.as_deref().unwrap_or("office") {
                "office" => "office",
                "phone" => "phone",
                "police" => "police",
                _ => {
                    return Err(AppError::Invalid {
                        code: "CHANNEL_INVALID",
                        field: Some("channel"),
                    });
                }
            };
            // A grid worker's or building head's community is the one their grid or
            // building lies in.
            let own_community = match user.scope {
                gongzhi_core::identity::Scope::Community(c) => Some(c),
                gongzhi_core::identity::Scope::Grid(id)
                | gongzhi_core::identity::Scope::Building(id) => {
                    st.org_map().unit(id).and_then(|u| u.community)
                }
                _ => None,
            };
            let community = match (req.community_id, own_community) {
                (_, None) if brings_in(user.role) => {
                    return Err(AppError::Forbidden("OUT_OF_SCOPE"));
                }
                (Some(c), Some(own)) if brings_in(user.role) && c != own => {
                    return Err(AppError::Forbidden("OUT_OF_SCOPE"));
                }
                (Some(c), _) => c,
                (None, Some(c)) => c,
                _ => {
                    return Err(AppError::Invalid {
                        code: "COMMUNITY_REQUIRED",
                        field: Some("community_id"),
                    });
                }
            };
            let map = st.org_map();
            let street = map
                .unit(community)
                .filter(|u| u.level == "community")
                .and_then(|u| u.street)
                .ok_or(AppError::Invalid {
                    code: "COMMUNITY_UNKNOWN",
                    field: Some("community_id"),
                })?;
            // Staff file within their own area; mediators anywhere they serve.
            if user.role != Role::Mediator
                && !brings_in(user.role)
                && !user.scope.covers(&Placement {
                    street: Some(street),
                    community: Some(community),
                    ..Placement::default()
                })
            {
                return Err(AppError::Forbidden("OUT_OF_SCOPE"));
            }
            Intake {
                channel,
                street_id: street,
                community_id: community,
                case_id: None,
            }
        }
        _ => return Err(AppError::Forbidden("ROLE_FORBIDDEN")),
    };
    if req.parties.is_empty() && parties.len() < 2 && user.role == Role::Resident {
        return Err(AppError::Invalid {
            code: "PARTIES_REQUIRED",
            field: Some("parties"),
        });
    }
    if req.parties.len() > 20 {
        return Err(AppError::Invalid {
            code: "PARTIES_INVALID",
            field: Some("parties"),
        });
    }
    let mut tx = st.db.read().await?;
    for p in &req.parties {
        let (name, phone, side) = party_input(p)?;
        let (resident_id, user_id) = match p.resident_id {
            Some(r) if user.role != Role::Resident => {
                if crate::residents::service::party(st, r).await?.is_none() {
                    return Err(AppError::Invalid {
                        code: "RESIDENT_UNKNOWN",
                        field: Some("parties"),
                    });
                }
                (Some(r), store::user_of_resident(&mut tx, r).await?)
            }
            Some(_) => return Err(AppError::Forbidden("STAFF_ONLY")),
            None => (None, None),
        };
        parties.push(NewParty {
            side,
            name,
            phone,
            user_id,
            resident_id,
            consent: "pending",
            consent_by: None,
        });
    }
    drop(tx);
    if parties.len() < 2 {
        return Err(AppError::Invalid {
            code: "PARTIES_REQUIRED",
            field: Some("parties"),
        });
    }
    let index = st.similar_cases().await?;
    let dtype = match req.dtype.as_deref().filter(|s| !s.is_empty()) {
        Some(c) => {
            DisputeType::by_code(c)
                .ok_or(AppError::Invalid {
                    code: "TYPE_UNKNOWN",
                    field: Some("dtype"),
                })?
                .code
        }
        None => {
            let text = account.clone();
            let ix = index.clone();
            tokio::task::spawn_blocking(move || guess_type(&ix, &text))
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?
        }
    };
    let title = match req
        .title
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(t) => text_field(t, 1, 40, "TITLE_INVALID", "title")?,
        None => default_title(dtype, &account),
    };
    let follow_up_days = req.follow_up_days.unwrap_or(FOLLOW_UP_DAYS);
    if !(1..=365).contains(&follow_up_days) {
        return Err(AppError::Invalid {
            code: "FOLLOW_UP_INVALID",
            field: Some("follow_up_days"),
        });
    }
    let id = insert(
        st,
        user,
        actor,
        &intake,
        dtype,
        &title,
        &account,
        &wants,
        follow_up_days,
        &parties,
    )
    .await?;
    reindex(st, id).await;
    Ok(id)
}

/// Files a dispute from a case of category SVC.DISPUTE (one click in the case page).
pub async fn from_case(st: &AppState, user: &CurrentUser, case_id: i64) -> AppResult<i64> {
    let actor = &user.actor();
    if !works_disputes(user.role) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    // Whoever may open the case (404 otherwise) may turn it into a dispute.
    let c = crate::cases::service::for_dispute(st, user, case_id).await?;
    if c.category != "SVC.DISPUTE" {
        return Err(AppError::Conflict("CASE_NOT_DISPUTE"));
    }
    let mut tx = st.db.read().await?;
    if let Some(existing) = store::find_by_case(&mut tx, case_id).await? {
        return Ok(existing);
    }
    let mut parties = vec![];
    let reporter_resident = c.reporter_resident;
    let name = match reporter_resident {
        Some(r) => crate::residents::service::party(st, r)
            .await?
            .map(|p| p.name),
        None => None,
    };
    let phone = c.caller_phone.clone();
    parties.push(NewParty {
        side: "applicant",
        name: name.unwrap_or_else(|| "反映人".into()),
        phone,
        user_id: match reporter_resident {
            Some(r) => store::user_of_resident(&mut tx, r).await?,
            None => None,
        },
        resident_id: reporter_resident,
        consent: "pending",
        consent_by: None,
    });
    parties.push(NewParty {
        side: "respondent",
        name: "对方当事人（待核实）".into(),
        phone: None,
        user_id: None,
        resident_id: None,
        consent: "pending",
        consent_by: None,
    });
    drop(tx);
    let index = st.similar_cases().await?;
    let text = c.text.clone();
    let dtype = tokio::task::spawn_blocking(move || guess_type(&index, &text))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let intake = Intake {
        channel: "case",
        street_id: c.street_id,
        community_id: c.community_id,
        case_id: Some(case_id),
    };
    let title = default_title(dtype, &c.text);
    let account = if c.text.chars().count() < 10 {
        format!("{}（由第{}号案件转入）", c.text, case_id)
    } else {
        c.text.clone()
    };
    let id = match insert(
        st,
        user,
        actor,
        &intake,
        dtype,
        &title,
        &account,
        "",
        FOLLOW_UP_DAYS,
        &parties,
    )
    .await
    {
        Ok(id) => id,
        // Two clicks at once: the other one made it.
        Err(e) if e.is_unique_violation() => {
            let mut tx = st.db.read().await?;
            store::find_by_case(&mut tx, case_id)
                .await?
                .ok_or(AppError::NotFound)?
        }
        Err(e) => return Err(e),
    };
    reindex(st, id).await;
    Ok(id)
}
