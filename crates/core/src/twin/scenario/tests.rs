//! The scenario engine, covering and comparison on small worlds whose answers are known.
use super::sim::*;
use super::*;
use crate::twin::des::Engine;

/// Five nodes on a line, 100 m apart; one responder walking 100 m a minute.
fn line(post: usize, per_day: f64) -> Scenario {
    Scenario {
        name: "line".into(),
        seed: 3,
        days: 60.0,
        target_minutes: 5.0,
        roads: Roads {
            nodes: (0..5)
                .map(|i| [121.5 + f64::from(i) * 0.001, 31.24])
                .collect(),
            edges: (0..4)
                .map(|i| Edge::Measured {
                    a: i,
                    b: i + 1,
                    metres: 100.0,
                })
                .collect(),
        },
        incidents: vec![IncidentKind {
            kind: "fire".into(),
            per_day,
            on_scene_minutes: 20.0,
            skill: "fire".into(),
            by_hour: None,
            places: Some(vec![4]),
        }],
        responders: vec![Responder {
            name: "志愿者".into(),
            post,
            skills: vec!["fire".into()],
            speed_kmh: 6.0,
            shift: None,
            fixed: false,
        }],
        vulnerable: vec![Vulnerable { node: 4, count: 2 }],
        candidates: None,
        dispatch: Dispatch::Nearest,
        cover_skill: None,
    }
}

#[test]
fn travel_on_the_roads_decides_who_is_reached_in_time() {
    let m = run(&line(0, 0.5)).expect("runs");
    assert!(m.incidents > 10, "{m:?}");
    // 400 m at 100 m/min: four minutes, every time (the calls never overlap here).
    assert!((m.response_minutes.p50 - 4.0).abs() < 1e-9, "{m:?}");
    assert!((m.response_minutes.max - 4.0).abs() < 1e-9, "{m:?}");
    assert_eq!(m.within_target, 1.0);
    assert_eq!(m.vulnerable_affected, 2 * m.incidents);
    assert_eq!(m.vulnerable_reached_in_time, m.vulnerable_affected);
    // Posted at the same place: reached at once.
    let m = run(&line(4, 0.5)).expect("runs");
    assert_eq!(m.response_minutes.max, 0.0);
    // A road cut: the far end cannot be reached; nobody is.
    let mut cut = line(0, 0.5);
    cut.roads.edges.remove(2);
    let m = run(&cut).expect("runs");
    assert_eq!(m.vulnerable_reached_in_time, 0);
    assert_eq!(m.vulnerable_not_reached, m.vulnerable_affected);
}

#[test]
fn the_same_seed_gives_the_same_run_and_a_busy_responder_makes_calls_wait() {
    let s = line(0, 40.0);
    assert_eq!(run(&s).expect("a"), run(&s).expect("b"));
    let other = run(&Scenario {
        seed: 4,
        ..s.clone()
    })
    .expect("c");
    assert_ne!(run(&s).expect("a").incidents, 0);
    assert_ne!(run(&s).expect("a"), other);
    // 40 calls a day of 28 minutes' work each keep one responder busy: calls queue.
    let m = run(&s).expect("a");
    assert!(m.response_minutes.p90 > 5.0, "{:?}", m.response_minutes);
    assert!(m.responders[0].utilisation > 0.6 && m.responders[0].utilisation <= 1.0);
}

#[test]
fn nobody_is_in_two_places_at_once_and_shifts_are_kept() {
    let mut s = line(2, 30.0);
    s.responders.push(Responder {
        name: "夜班保安".into(),
        post: 0,
        skills: vec!["fire".into()],
        speed_kmh: 12.0,
        shift: Some([20.0, 8.0]),
        fixed: false,
    });
    let mut spans: Vec<Vec<(f64, f64)>> = vec![vec![]; 2];
    run_traced(&s, |r, a, b| spans[r].push((a, b))).expect("runs");
    for (r, sp) in spans.iter().enumerate() {
        assert!(!sp.is_empty());
        for w in sp.windows(2) {
            assert!(
                w[0].1 <= w[1].0 + 1e-9,
                "responder {r} double-booked: {w:?}"
            );
        }
        for (a, b) in sp {
            assert!(a <= b);
        }
    }
    // The night guard is only ever sent out at night: a stretch that begins by day is
    // the walk back to the post that continues a night call.
    for (k, (a, _)) in spans[1].iter().enumerate() {
        let h = (a % DAY) / 60.0;
        if (8.0..20.0).contains(&h) {
            let continues = k > 0 && (spans[1][k - 1].1 - a).abs() < 1e-9;
            assert!(continues, "sent at {h}h");
        }
    }
}

/// Vulnerable residents at both ends of the line, two responders in the middle who reach
/// neither within a minute; placed well they reach both.
fn two_posts() -> Scenario {
    let mut s = line(2, 2.0);
    s.target_minutes = 1.0;
    s.vulnerable = vec![
        Vulnerable { node: 0, count: 1 },
        Vulnerable { node: 4, count: 3 },
    ];
    s.incidents[0].places = Some(vec![0, 4]);
    s.responders.push(Responder {
        post: 2,
        ..s.responders[0].clone()
    });
    s
}

#[test]
fn optimised_posts_cover_at_least_what_today_and_greedy_do() {
    let s = two_posts();
    let c = compare(&s, None).expect("compare");
    assert_eq!(c.vulnerable, 4.0);
    assert_eq!(c.today.covered, 0.0);
    assert_eq!(c.optimised.covered, 4.0);
    assert!(c.optimised.covered >= c.greedy.covered);
    assert!(c.exact);
    // Standing there, they reach nearly everyone in time in the simulation too (not
    // all: while one is on a call, the other comes from the far end) — and today's
    // posts reach no one in time.
    let m = &c.optimised.metrics;
    assert!(
        m.vulnerable_reached_in_time as f64 >= 0.9 * m.vulnerable_affected as f64,
        "{m:?}"
    );
    assert_eq!(c.today.metrics.vulnerable_reached_in_time, 0);
    // The same incidents in every plan.
    assert_eq!(c.today.metrics.incidents, c.optimised.metrics.incidents);
}

#[test]
fn optimal_dispatch_matches_waiting_calls_with_the_least_travel() {
    // Calls wait at nodes 3 (first) and 4; responders stand at 1 and 4. In order, the
    // first call takes its nearest (node 4's, 1 min) and the second the other (3 min);
    // matched at once, node 1's goes to 3 (2 min) and node 4's stays (0 min).
    let mut s = line(1, 1.0);
    s.incidents[0].places = None;
    s.responders.push(Responder {
        post: 4,
        ..s.responders[0].clone()
    });
    let dist = distances(&s.roads).expect("roads");
    let calls = [3, 4].map(|node| Open {
        node,
        kind: 0,
        at: 0.0,
        answered: None,
    });
    let travel = |policy: Dispatch| {
        let mut s = s.clone();
        s.dispatch = policy;
        let mut crew = Crew::new(&s, &dist);
        let mut engine: Engine<Ev> = Engine::new();
        crew.waiting.extend([0, 1]);
        crew.drain(&calls, 0.0, &mut engine);
        assert!(crew.waiting.is_empty() && crew.free.iter().all(|f| !f));
        let mut sent = vec![];
        while let Some((t, ev)) = engine.pop() {
            if let Ev::Arrive {
                incident,
                responder,
            } = ev
            {
                sent.push((incident, responder, (t * 1e6).round() / 1e6));
            }
        }
        sent.sort_by_key(|x| x.0);
        sent
    };
    assert_eq!(travel(Dispatch::Nearest), vec![(0, 1, 1.0), (1, 0, 3.0)]);
    assert_eq!(travel(Dispatch::Optimal), vec![(0, 0, 2.0), (1, 1, 0.0)]);
    // Under load over a year, both policies keep everyone in one place at a time and
    // answer the same calls.
    let mut busy = line(2, 40.0);
    busy.dispatch = Dispatch::Optimal;
    let mut spans: Vec<(f64, f64)> = vec![];
    let m = run_traced(&busy, |_, a, b| spans.push((a, b))).expect("runs");
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0 + 1e-9));
    assert_eq!(m.incidents, run(&line(2, 40.0)).expect("runs").incidents);
}

#[test]
fn fixed_responders_stay_and_count_for_the_places_they_reach() {
    // A fire station outside at the far end (node 4) reaches node 4 in time; the one
    // movable volunteer then serves node 0 (the least move that does), and the station is
    // never moved.
    let mut s = line(2, 2.0);
    s.target_minutes = 1.0;
    s.vulnerable = vec![
        Vulnerable { node: 0, count: 1 },
        Vulnerable { node: 4, count: 3 },
    ];
    s.responders.push(Responder {
        name: "消防站".into(),
        post: 4,
        fixed: true,
        ..s.responders[0].clone()
    });
    s.candidates = Some(vec![0, 1, 2, 3]);
    let c = compare(&s, None).expect("compare");
    assert_eq!(c.today.covered, 3.0);
    // Node 1 reaches node 0 within the minute too, and is the shorter move from node 2.
    assert_eq!(c.optimised.posts, vec![1, 4]);
    assert_eq!(c.optimised.covered, 4.0);
    assert_eq!(c.dispatch.nearest.incidents, c.dispatch.optimal.incidents);
    s.candidates = Some(vec![7]);
    assert_eq!(
        compare(&s, None).err().map(|e| e.code()),
        Some("SCENARIO_NODE_INVALID")
    );
}

#[test]
fn bad_scenarios_are_refused_with_a_reason() {
    let mut s = line(0, 1.0);
    s.responders[0].post = 9;
    assert_eq!(run(&s).err(), Some(ScenarioError::Node(9)));
    let mut s = line(0, 1.0);
    s.incidents[0].per_day = -1.0;
    assert_eq!(
        run(&s).err().map(|e| e.code()),
        Some("SCENARIO_VALUE_INVALID")
    );
    let mut s = line(0, 1.0);
    s.incidents[0].by_hour = Some(vec![1.0; 23]);
    assert_eq!(run(&s).err(), Some(ScenarioError::Hours));
    let mut s = line(0, 1.0);
    s.responders[0].shift = Some([8.0, 25.0]);
    assert_eq!(run(&s).err(), Some(ScenarioError::Shift));
}

#[test]
fn a_solve_stopped_by_its_time_limit_falls_back_to_greedy_and_says_so() {
    let s = two_posts();
    let c = compare(&s, Some(std::time::Duration::ZERO)).expect("compare");
    assert!(!c.exact);
    assert_eq!(c.solve_limit_s, Some(0.0));
    assert_eq!(c.optimised.posts, c.greedy.posts);
    let full = compare(&s, None).expect("compare");
    assert!(full.exact && full.solve_limit_s.is_none());
    assert!(full.optimised.covered >= c.optimised.covered);
}

#[test]
fn runs_are_bounded_in_size_and_time_and_can_be_cancelled() {
    let mut s = line(0, 100.0);
    s.days = MAX_INCIDENTS / 100.0 + 1.0;
    assert_eq!(
        compare(&s, None).err().map(|e| e.code()),
        Some("SCENARIO_TOO_LARGE")
    );
    s.days = 3650.0;
    let past = Budget::within(std::time::Duration::ZERO, None);
    assert_eq!(
        compare_within(&s, None, &past).err().map(|e| e.code()),
        Some("SCENARIO_OVER_BUDGET")
    );
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let cancelled = Budget::within(std::time::Duration::from_secs(3600), Some(cancel));
    assert!(matches!(
        run_within(&s, &cancelled, |_, _, _| {}),
        Err(ScenarioError::OverBudget)
    ));
    s.days = 30.0;
    assert!(
        run_within(
            &s,
            &Budget::within(std::time::Duration::from_secs(3600), None),
            |_, _, _| {}
        )
        .is_ok()
    );
}
