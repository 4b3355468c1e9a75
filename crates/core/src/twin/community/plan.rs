//! A planner's choices ([`Spec`]) on a community [`Model`]: the default plan from today's
//! posts, and the engine [`Scenario`] it states.

use super::facts::*;
use super::*;

impl Model {
    /// The builder's first proposal: a fire scenario with today's responders.
    pub fn default_spec(&self) -> Spec {
        Spec {
            name: "火灾应急情景".into(),
            target_minutes: 5.0,
            years: 50.0,
            seed: 1,
            dispatch: Dispatch::Nearest,
            incidents: vec![{
                let (_, _, per_year, on_scene) = kind_facts("fire").expect("fire");
                KindSpec {
                    kind: "fire".into(),
                    per_year,
                    on_scene_minutes: on_scene,
                }
            }],
            responders: self.today.clone(),
            fire_station_minutes: 8.0,
            ambulance_minutes: 12.0,
        }
    }

    /// Nodes inside the community where a responder may stand.
    pub fn posts(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].kind != NodeKind::External)
            .collect()
    }

    /// The engine's scenario for a planner's choices.
    pub fn scenario(&self, spec: &Spec) -> Result<Scenario, TwinError> {
        let name = spec.name.trim();
        if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
            return Err(TwinError::Name);
        }
        if !(1.0..=60.0).contains(&spec.target_minutes) {
            return Err(TwinError::Target);
        }
        if !(1.0..=200.0).contains(&spec.years) {
            return Err(TwinError::Years);
        }
        if spec.incidents.is_empty() {
            return Err(TwinError::NoIncidents);
        }
        if spec.responders.is_empty() || spec.responders.len() > 60 {
            return Err(TwinError::Responders);
        }
        for lead in [spec.fire_station_minutes, spec.ambulance_minutes] {
            if !(1.0..=60.0).contains(&lead) {
                return Err(TwinError::Lead);
            }
        }
        let buildings: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].kind == NodeKind::Building)
            .collect();
        let streets: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].kind == NodeKind::Street)
            .collect();
        let mut incidents = vec![];
        for k in &spec.incidents {
            let (_, skill, _, _) = kind_facts(&k.kind).ok_or(TwinError::Kind)?;
            let rate_ok = k.per_year > 0.0 && k.per_year <= 10_000.0;
            if !(rate_ok && (1.0..=600.0).contains(&k.on_scene_minutes)) {
                return Err(TwinError::Rate);
            }
            let places = match k.kind.as_str() {
                "flooding" => streets.clone(),
                "lift_entrapment" => {
                    let tall: Vec<usize> = buildings
                        .iter()
                        .copied()
                        .filter(|&i| self.nodes[i].floors >= 7)
                        .collect();
                    if tall.is_empty() {
                        buildings.clone()
                    } else {
                        tall
                    }
                }
                _ => buildings.clone(),
            };
            incidents.push(IncidentKind {
                kind: k.kind.clone(),
                per_day: k.per_year / 365.0,
                on_scene_minutes: k.on_scene_minutes,
                skill: skill.into(),
                by_hour: kind_hours(&k.kind).map(|h| h.to_vec()),
                places: Some(if places.is_empty() {
                    streets.clone()
                } else {
                    places
                }),
            });
        }
        let mut responders = vec![];
        for r in &spec.responders {
            let RoleFacts {
                name: role_name,
                skills,
                speed_kmh,
                fixed,
                ..
            } = role_facts(&r.role).ok_or(TwinError::Role)?;
            let post = match r.role.as_str() {
                "fire_station" => self.fire_station,
                "ambulance" => self.ambulance_base,
                _ => r.post,
            };
            if !fixed
                && self
                    .nodes
                    .get(post)
                    .is_none_or(|n| n.kind == NodeKind::External)
            {
                return Err(TwinError::Post);
            }
            if let Some([a, b]) = r.shift
                && !((0.0..=24.0).contains(&a) && (0.0..=24.0).contains(&b) && a != b)
            {
                return Err(TwinError::Shift);
            }
            let label = r.name.trim();
            responders.push(Responder {
                name: if label.is_empty() {
                    role_name.into()
                } else {
                    label.chars().take(40).collect()
                },
                post,
                skills: skills.iter().map(|s| s.to_string()).collect(),
                speed_kmh,
                shift: r.shift,
                fixed,
            });
        }
        let mut edges: Vec<Edge> = self.edges.iter().map(|&e| Edge::Ends(e)).collect();
        for (node, role, minutes) in [
            (self.fire_station, "fire_station", spec.fire_station_minutes),
            (self.ambulance_base, "ambulance", spec.ambulance_minutes),
        ] {
            let speed = role_facts(role).map_or(30.0, |f| f.speed_kmh);
            edges.push(Edge::Measured {
                a: node,
                b: self.entrance,
                metres: minutes * speed * 1000.0 / 60.0,
            });
        }
        Ok(Scenario {
            name: name.into(),
            seed: spec.seed,
            days: spec.years * 365.0,
            target_minutes: spec.target_minutes,
            roads: Roads {
                nodes: self.nodes.iter().map(|n| [n.lng, n.lat]).collect(),
                edges,
            },
            incidents,
            responders,
            vulnerable: self
                .vulnerable
                .iter()
                .map(|&(node, count)| Vulnerable { node, count })
                .collect(),
            candidates: Some(self.posts()),
            dispatch: spec.dispatch,
            cover_skill: None,
        })
    }
}
