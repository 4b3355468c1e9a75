//! What the simulator assumes of each incident kind (rates, time on scene, hours) and of
//! each responder role (speed, skills, shift).

/// Kinds of incident the builder offers.
pub const KINDS: [&str; 5] = [
    "fire",
    "burst_pipe",
    "lift_entrapment",
    "collapse",
    "flooding",
];

/// Kinds of responder the builder offers.
pub const ROLES: [&str; 6] = [
    "technician",
    "grid_worker",
    "volunteer",
    "micro_fire_station",
    "fire_station",
    "ambulance",
];

/// An incident kind's Chinese name, the skill it needs, its default yearly rate for a
/// community and its default minutes on scene.
pub fn kind_facts(kind: &str) -> Option<(&'static str, &'static str, f64, f64)> {
    Some(match kind {
        "fire" => ("火灾", "fire", 6.0, 40.0),
        "burst_pipe" => ("爆管漏水", "plumbing", 60.0, 45.0),
        "lift_entrapment" => ("电梯困人", "lift", 24.0, 30.0),
        "collapse" => ("人员突发疾病倒地", "first_aid", 18.0, 30.0),
        "flooding" => ("道路积水", "flooding", 8.0, 90.0),
        _ => return None,
    })
}

/// When in the day an incident kind happens: relative rates by hour (0–23). Illustrative
/// shapes, not statistics: residential fires peak at cooking times, lift entrapments at
/// the commutes, collapses of the elderly in the morning, burst pipes when water is used;
/// street flooding follows the rain, any hour.
pub fn kind_hours(kind: &str) -> Option<[f64; 24]> {
    Some(match kind {
        "fire" => [
            1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.5, 1.5, 1.5, 1.5, 2.0, 2.0, 1.5, 1.5, 1.5, 1.5,
            2.5, 3.0, 3.0, 2.5, 2.0, 1.5, 1.0,
        ],
        "burst_pipe" => [
            0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.5, 2.0, 1.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
            1.0, 1.5, 2.0, 1.5, 1.0, 1.0, 0.5,
        ],
        "lift_entrapment" => [
            0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 1.0, 2.5, 2.0, 1.0, 1.0, 1.5, 1.5, 1.0, 1.0, 1.0, 1.5,
            2.5, 2.0, 1.5, 1.0, 0.8, 0.4, 0.3,
        ],
        "collapse" => [
            0.5, 0.5, 0.5, 0.5, 0.5, 1.0, 1.5, 2.0, 2.0, 1.5, 1.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
            1.2, 1.2, 1.0, 1.0, 0.8, 0.6, 0.5,
        ],
        "flooding" => [1.0; 24],
        _ => return None,
    })
}

/// What a responder role is: its Chinese name, skills, speed, default shift and whether it
/// is stationed outside the community.
#[derive(Debug, Clone, Copy)]
pub struct RoleFacts {
    pub name: &'static str,
    pub skills: &'static [&'static str],
    pub speed_kmh: f64,
    pub shift: Option<[f64; 2]>,
    pub fixed: bool,
}

pub fn role_facts(role: &str) -> Option<RoleFacts> {
    let f = |name, skills, speed_kmh, shift, fixed| RoleFacts {
        name,
        skills,
        speed_kmh,
        shift,
        fixed,
    };
    Some(match role {
        "technician" => f(
            "物业值班技工",
            &["plumbing", "lift", "flooding", "fire"],
            5.0,
            None,
            false,
        ),
        "grid_worker" => f(
            "网格员",
            &["first_aid", "fire", "flooding"],
            5.0,
            Some([8.0, 18.0]),
            false,
        ),
        "volunteer" => f(
            "楼组长志愿者",
            &["first_aid", "fire"],
            4.5,
            Some([18.0, 8.0]),
            false,
        ),
        "micro_fire_station" => f(
            "微型消防站队员",
            &["fire", "first_aid", "lift"],
            12.0,
            None,
            false,
        ),
        "fire_station" => f(
            "消防救援站",
            &["fire", "lift", "flooding"],
            30.0,
            None,
            true,
        ),
        "ambulance" => f("120急救站", &["first_aid"], 30.0, None, true),
        _ => return None,
    })
}
