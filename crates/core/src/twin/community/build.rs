//! The walking road graph of a community from its geometry: streets along the grid
//! boundaries, gates and paths into each compound, its buildings, and fixed forces outside.

use super::*;

fn key(p: [f64; 2]) -> (i64, i64) {
    ((p[0] * 1e6).round() as i64, (p[1] * 1e6).round() as i64)
}

fn centre(ring: &[[f64; 2]]) -> Option<[f64; 2]> {
    // The ring's vertices without the closing repeat.
    let pts = match ring {
        [first, .., last] if first == last => &ring[..ring.len() - 1],
        _ => ring,
    };
    if pts.is_empty() {
        return None;
    }
    let n = pts.len() as f64;
    Some([
        pts.iter().map(|p| p[0]).sum::<f64>() / n,
        pts.iter().map(|p| p[1]).sum::<f64>() / n,
    ])
}

struct Builder {
    nodes: Vec<Node>,
    edges: Vec<[usize; 2]>,
    seen: std::collections::HashSet<(usize, usize)>,
    at: HashMap<(i64, i64), usize>,
}

impl Builder {
    fn node(&mut self, p: [f64; 2], label: impl FnOnce() -> String, kind: NodeKind) -> usize {
        if let Some(&i) = self.at.get(&key(p)) {
            return i;
        }
        let i = self.nodes.len();
        self.nodes.push(Node {
            lng: p[0],
            lat: p[1],
            label: label(),
            kind,
            floors: 0,
            building_id: None,
        });
        self.at.insert(key(p), i);
        i
    }

    fn link(&mut self, a: usize, b: usize) {
        let k = (a.min(b), a.max(b));
        if a != b && self.seen.insert(k) {
            self.edges.push([k.0, k.1]);
        }
    }

    fn pos(&self, i: usize) -> [f64; 2] {
        [self.nodes[i].lng, self.nodes[i].lat]
    }

    /// The `k` nodes of `among` nearest `p`.
    fn nearest(&self, p: [f64; 2], among: &[usize], k: usize) -> Vec<usize> {
        let mut v: Vec<(f64, usize)> = among
            .iter()
            .map(|&i| (distance_m(p, self.pos(i)), i))
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        v.into_iter().take(k).map(|(_, i)| i).collect()
    }
}

/// Builds the community's model. Today's responders: a duty technician of each property
/// company at the first building of the first compound it manages, one grid worker per grid
/// (一格一员) at the grid's centre, a volunteer building head per compound at its middle
/// building, the fire station and the ambulance outside.
pub fn build(
    grids: &[GridIn],
    compounds: &[CompoundIn],
    buildings: &[BuildingIn],
) -> Result<Model, TwinError> {
    let mut b = Builder {
        nodes: vec![],
        edges: vec![],
        seen: Default::default(),
        at: HashMap::new(),
    };
    // Streets along the grids' boundaries.
    let mut street: Vec<usize> = vec![];
    let mut grid_street: Vec<Vec<usize>> = vec![vec![]; grids.len()];
    for (g, grid) in grids.iter().enumerate() {
        let mut n = 0;
        for w in grid.ring.windows(2) {
            // The same segment of two neighbouring grids is cut at the same points.
            let (p, q) = if key(w[0]) <= key(w[1]) {
                (w[0], w[1])
            } else {
                (w[1], w[0])
            };
            let parts = (distance_m(p, q) / MAX_STREET_SEGMENT_M).ceil().max(1.0) as usize;
            let mut prev = None;
            for k in 0..=parts {
                let t = k as f64 / parts as f64;
                let pt = [p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t];
                let i = b.node(
                    pt,
                    || {
                        n += 1;
                        format!("{} 道路{}", grid.name, n)
                    },
                    NodeKind::Street,
                );
                if let Some(j) = prev {
                    b.link(j, i);
                }
                prev = Some(i);
                if !street.contains(&i) {
                    street.push(i);
                }
                if !grid_street[g].contains(&i) {
                    grid_street[g].push(i);
                }
            }
        }
    }
    if street.is_empty() {
        return Err(TwinError::NoRoads);
    }
    // Compounds: a centre joined to the two nearest street points (its gates).
    let mut compound_node = vec![usize::MAX; compounds.len()];
    for (c, comp) in compounds.iter().enumerate() {
        let own: Vec<[f64; 2]> = buildings
            .iter()
            .filter(|x| x.compound == c)
            .map(|x| [x.lng, x.lat])
            .collect();
        let Some(p) = centre(&comp.ring).or_else(|| centre(&own)) else {
            continue;
        };
        let i = b.node(
            p,
            || format!("{}（小区中心）", comp.name),
            NodeKind::Compound,
        );
        compound_node[c] = i;
        for g in b.nearest(p, &street, 2) {
            b.link(i, g);
        }
    }
    // Buildings: joined to their compound's centre and to the nearest building beside them.
    let mut building_node = vec![usize::MAX; buildings.len()];
    for (k, x) in buildings.iter().enumerate() {
        let Some(&c) = compound_node.get(x.compound).filter(|c| **c != usize::MAX) else {
            continue;
        };
        let i = b.node(
            [x.lng, x.lat],
            || format!("{} {}", compounds[x.compound].name, x.name),
            NodeKind::Building,
        );
        b.nodes[i].floors = x.floors;
        b.nodes[i].building_id = Some(x.id);
        building_node[k] = i;
        b.link(i, c);
    }
    for (k, x) in buildings.iter().enumerate() {
        if building_node[k] == usize::MAX {
            continue;
        }
        let siblings: Vec<usize> = buildings
            .iter()
            .enumerate()
            .filter(|(j, y)| *j != k && y.compound == x.compound && building_node[*j] != usize::MAX)
            .map(|(j, _)| building_node[j])
            .collect();
        if let Some(&n) = b.nearest([x.lng, x.lat], &siblings, 1).first() {
            b.link(building_node[k], n);
        }
    }
    // Where the outside roads join: the street point at the south-west.
    let entrance = *street
        .iter()
        .min_by(|&&x, &&y| {
            let s = |i: usize| b.nodes[i].lng + b.nodes[i].lat;
            s(x).total_cmp(&s(y)).then(x.cmp(&y))
        })
        .expect("streets");
    let e = b.pos(entrance);
    let fire_station = b.node(
        [e[0] - 0.006, e[1] - 0.003],
        || "消防救援站".into(),
        NodeKind::External,
    );
    let ambulance_base = b.node(
        [e[0] - 0.003, e[1] - 0.006],
        || "120急救站".into(),
        NodeKind::External,
    );

    let vulnerable: Vec<(usize, u32)> = buildings
        .iter()
        .enumerate()
        .filter(|(k, x)| x.vulnerable > 0 && building_node[*k] != usize::MAX)
        .map(|(k, x)| (building_node[k], x.vulnerable))
        .collect();

    // Today's posts.
    let mut today = vec![];
    let mut companies: Vec<&str> = vec![];
    for (c, comp) in compounds.iter().enumerate() {
        let Some(p) = comp.property.as_deref() else {
            continue;
        };
        if companies.contains(&p) {
            continue;
        }
        let first = buildings
            .iter()
            .enumerate()
            .find(|(k, x)| x.compound == c && building_node[*k] != usize::MAX);
        if let Some((k, _)) = first {
            companies.push(p);
            today.push(ResponderSpec {
                role: "technician".into(),
                name: format!("{p} 值班技工"),
                post: building_node[k],
                shift: None,
            });
        }
    }
    for (g, grid) in grids.iter().enumerate() {
        let (Some(p), Some(_)) = (centre(&grid.ring), grid_street[g].first()) else {
            continue;
        };
        // The grid's work station: the compound centre in it, else its nearest street point.
        let inside: Vec<usize> = compounds
            .iter()
            .enumerate()
            .filter(|(c, comp)| comp.grid == g && compound_node[*c] != usize::MAX)
            .map(|(c, _)| compound_node[c])
            .collect();
        let post = b.nearest(
            p,
            if inside.is_empty() {
                &grid_street[g]
            } else {
                &inside
            },
            1,
        )[0];
        today.push(ResponderSpec {
            role: "grid_worker".into(),
            name: format!("{} 网格员", grid.name),
            post,
            shift: Some([8.0, 18.0]),
        });
    }
    for (c, comp) in compounds.iter().enumerate() {
        let own: Vec<usize> = buildings
            .iter()
            .enumerate()
            .filter(|(k, x)| x.compound == c && building_node[*k] != usize::MAX)
            .map(|(k, _)| building_node[k])
            .collect();
        if let Some(&post) = own.get(own.len() / 2) {
            today.push(ResponderSpec {
                role: "volunteer".into(),
                name: format!("{} 楼组长志愿者", comp.name),
                post,
                shift: Some([18.0, 8.0]),
            });
        }
    }
    for (role, post) in [
        ("fire_station", fire_station),
        ("ambulance", ambulance_base),
    ] {
        today.push(ResponderSpec {
            role: role.into(),
            name: role_facts(role).map(|f| f.name).unwrap_or_default().into(),
            post,
            shift: None,
        });
    }
    Ok(Model {
        nodes: b.nodes,
        edges: b.edges,
        vulnerable,
        fire_station,
        ambulance_base,
        entrance,
        today,
    })
}
