//! Schema parity: the SQLite and PostgreSQL migration folders describe the same tables.

use std::collections::BTreeSet;

use gongzhi_app::db::Db;

fn migration_names(dir: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("migrations dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn both_folders_have_the_same_migrations() {
    let base = env!("CARGO_MANIFEST_DIR");
    let s = migration_names(&format!("{base}/migrations/sqlite"));
    let p = migration_names(&format!("{base}/migrations/postgres"));
    assert_eq!(s, p);
    assert!(!s.is_empty());
}

/// Everything a migration defines that a query can depend on, in one canonical form for
/// both databases: columns with their type, nullability and default; primary and unique
/// keys; the other indexes with their columns, expressions and predicates; CHECK
/// constraints; triggers.
#[derive(Debug, Default)]
struct Described {
    columns: BTreeSet<(String, String, String, bool, String)>,
    keys: BTreeSet<(String, &'static str, String)>,
    indexes: BTreeSet<(String, String, bool, String)>,
    checks: BTreeSet<(String, String)>,
    triggers: BTreeSet<(String, String, String)>,
}

/// Lower case without quotes, casts, schema prefixes, index methods, parentheses or spaces:
/// what remains of an expression is what it says.
fn norm(s: &str) -> String {
    let mut t = s
        .to_lowercase()
        .replace("public.", "")
        .replace("using btree", "");
    for cast in [
        "::text",
        "::bigint",
        "::integer",
        "::boolean",
        "::double precision",
        "::character varying",
    ] {
        t = t.replace(cast, "");
    }
    t.chars()
        .filter(|c| !matches!(c, '(' | ')' | '"') && !c.is_whitespace())
        .collect()
}

/// The SQLite and PostgreSQL spellings of the same column types.
fn canonical_type(t: &str) -> String {
    match t.trim().to_lowercase().as_str() {
        // SQLite's `integer primary key autoincrement` is PostgreSQL's bigint identity.
        "integer" => "bigint".into(),
        "blob" => "bytea".into(),
        other => other.to_string(),
    }
}

/// The parenthesised expressions after each `check` in a CREATE TABLE statement.
fn checks_in(sql: &str) -> Vec<String> {
    let lower = sql.to_lowercase();
    let mut out = vec![];
    let mut from = 0;
    while let Some(i) = lower[from..].find("check") {
        let (at, start) = (from + i, from + i + "check".len());
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if word(lower[..at].chars().next_back()) || word(lower[start..].chars().next()) {
            from = start;
            continue;
        }
        let Some(open) = lower[start..].find('(').map(|o| start + o) else {
            break;
        };
        let mut depth = 0;
        let mut end = open;
        for (k, c) in lower[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + k;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push(norm(&lower[open..=end]));
        from = end + 1;
    }
    out
}

async fn sqlite_described() -> Described {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::connect(&format!("sqlite://{}", dir.path().join("p.db").display()))
        .await
        .expect("sqlite");
    db.migrate().await.expect("migrate");
    let Db::Sqlite(p, _) = &db else {
        unreachable!()
    };
    let mut d = Described::default();
    let tables: Vec<(String, String)> = sqlx::query_as("select name, sql from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_sqlx%'").fetch_all(p).await.expect("tables");
    for (t, sql) in tables {
        let cols: Vec<(String, String, bool, Option<String>, i64)> = sqlx::query_as(&format!(
            "select name, type, \"notnull\", dflt_value, pk from pragma_table_info('{t}')"
        ))
        .fetch_all(p)
        .await
        .expect("columns");
        let mut pk: Vec<(i64, String)> = vec![];
        for (c, ty, notnull, default, k) in cols {
            if k > 0 {
                pk.push((k, c.clone()));
            }
            d.columns.insert((
                t.clone(),
                c,
                canonical_type(&ty),
                notnull || k > 0,
                default.map(|v| norm(&v)).unwrap_or_default(),
            ));
        }
        pk.sort();
        if !pk.is_empty() {
            let cols: Vec<String> = pk.into_iter().map(|(_, c)| c).collect();
            d.keys.insert((t.clone(), "primary", cols.join(",")));
        }
        for c in checks_in(&sql) {
            d.checks.insert((t.clone(), c));
        }
        let indexes: Vec<(String, bool, String)> = sqlx::query_as(&format!(
            "select name, \"unique\", origin from pragma_index_list('{t}')"
        ))
        .fetch_all(p)
        .await
        .expect("indexes");
        for (name, unique, origin) in indexes {
            let cols: Vec<String> = sqlx::query_scalar(&format!(
                "select coalesce(name, '') from pragma_index_info('{name}') order by seqno"
            ))
            .fetch_all(p)
            .await
            .expect("index columns");
            match origin.as_str() {
                "u" => {
                    d.keys.insert((t.clone(), "unique", cols.join(",")));
                }
                "pk" => {}
                _ => {
                    let sql: String = sqlx::query_scalar(
                        "select sql from sqlite_master where type = 'index' and name = $1",
                    )
                    .bind(&name)
                    .fetch_one(p)
                    .await
                    .expect("index sql");
                    let lower = sql.to_lowercase();
                    let def = lower.split_once(" on ").map(|x| x.1).unwrap_or_default();
                    let def = def.split_once('(').map(|x| x.1).unwrap_or_default();
                    d.indexes
                        .insert((name, t.clone(), unique, norm(&format!("({def}"))));
                }
            }
        }
    }
    let triggers: Vec<(String, String)> =
        sqlx::query_as("select tbl_name, sql from sqlite_master where type = 'trigger'")
            .fetch_all(p)
            .await
            .expect("triggers");
    for (t, sql) in triggers {
        let sql = sql.to_lowercase();
        let timing = ["before", "after", "instead of"]
            .into_iter()
            .find(|w| sql.contains(&format!(" {w} ")))
            .unwrap_or("?");
        for event in ["insert", "update", "delete"] {
            if sql.contains(&format!("{timing} {event}")) {
                d.triggers
                    .insert((t.clone(), timing.to_string(), event.to_string()));
            }
        }
    }
    d
}

async fn postgres_described(p: &sqlx::PgPool) -> Described {
    let mut d = Described::default();
    let cols: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "select table_name::text, column_name::text, data_type::text, is_nullable::text, column_default::text \
         from information_schema.columns where table_schema = 'public' and table_name not like '_sqlx%'",
    )
    .fetch_all(p)
    .await
    .expect("columns");
    for (t, c, ty, nullable, default) in cols {
        d.columns.insert((
            t,
            c,
            canonical_type(&ty),
            nullable == "NO",
            default.map(|v| norm(&v)).unwrap_or_default(),
        ));
    }
    let keys: Vec<(String, String, Vec<String>)> = sqlx::query_as(
        "select c.conrelid::regclass::text, c.contype::text, \
           array(select a.attname::text from unnest(c.conkey) with ordinality k(n, o) \
                 join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.o) \
         from pg_constraint c join pg_namespace s on s.oid = c.connamespace \
         where s.nspname = 'public' and c.contype in ('p', 'u') \
           and c.conrelid::regclass::text not like '_sqlx%'",
    )
    .fetch_all(p)
    .await
    .expect("keys");
    for (t, kind, cols) in keys {
        let kind = if kind == "p" { "primary" } else { "unique" };
        d.keys.insert((t, kind, cols.join(",")));
    }
    let checks: Vec<(String, String)> = sqlx::query_as(
        "select c.conrelid::regclass::text, pg_get_constraintdef(c.oid) \
         from pg_constraint c join pg_namespace s on s.oid = c.connamespace \
         where s.nspname = 'public' and c.contype = 'c'",
    )
    .fetch_all(p)
    .await
    .expect("checks");
    for (t, def) in checks {
        d.checks.insert((t, norm(def.trim_start_matches("CHECK"))));
    }
    let indexes: Vec<(String, String, String)> = sqlx::query_as(
        "select i.indexname::text, i.tablename::text, i.indexdef from pg_indexes i \
         where i.schemaname = 'public' and i.tablename not like '_sqlx%' \
           and not exists (select 1 from pg_constraint c where c.conindid = \
                (select oid from pg_class where relname = i.indexname and relnamespace = 'public'::regnamespace))",
    )
    .fetch_all(p)
    .await
    .expect("indexes");
    for (name, t, def) in indexes {
        let lower = def.to_lowercase();
        let unique = lower.starts_with("create unique");
        let body = lower
            .split_once(" using btree ")
            .map(|x| x.1)
            .unwrap_or_default();
        d.indexes.insert((name, t, unique, norm(body)));
    }
    let triggers: Vec<(String, String, String)> = sqlx::query_as(
        "select event_object_table::text, lower(action_timing::text), lower(event_manipulation::text) \
         from information_schema.triggers where trigger_schema = 'public'",
    )
    .fetch_all(p)
    .await
    .expect("triggers");
    d.triggers.extend(triggers);
    d
}

/// The differences of one aspect, each side's extra elements.
fn drift<T: Ord + std::fmt::Debug>(what: &str, s: &BTreeSet<T>, p: &BTreeSet<T>) -> Option<String> {
    let only_s: Vec<_> = s.difference(p).collect();
    let only_p: Vec<_> = p.difference(s).collect();
    (!only_s.is_empty() || !only_p.is_empty())
        .then(|| format!("{what}: sqlite-only {only_s:#?}\npostgres-only {only_p:#?}"))
}

#[tokio::test]
async fn both_databases_have_the_same_schema() {
    let sqlite = sqlite_described().await;
    // The parsing above finds what it looks for.
    assert!(
        sqlite
            .columns
            .iter()
            .any(|c| c.0 == "residents" && c.1 == "phone_enc")
    );
    assert!(
        sqlite
            .indexes
            .iter()
            .any(|i| i.0 == "cases_open_queue" && i.3.contains("where"))
    );
    assert!(
        sqlite
            .keys
            .iter()
            .any(|k| k.0 == "users" && k.1 == "unique" && k.2 == "username")
    );
    assert!(sqlite.checks.iter().any(|c| c.1 == "id=1"));
    assert!(
        sqlite
            .triggers
            .iter()
            .any(|t| t.0 == "audit_log" && t.2 == "delete")
    );
    let Some(url) = crate::support::pg_url() else {
        // An SQLite-only run; CI runs this on both.
        return;
    };
    let (db, _, _, _) = crate::support::fresh_db().await;
    let Db::Pg(p) = &db else { unreachable!() };
    let pg = postgres_described(p).await;
    let problems: Vec<String> = [
        drift(
            "columns (table, column, type, not null, default)",
            &sqlite.columns,
            &pg.columns,
        ),
        drift("keys", &sqlite.keys, &pg.keys),
        drift(
            "indexes (name, table, unique, definition)",
            &sqlite.indexes,
            &pg.indexes,
        ),
        drift("check constraints", &sqlite.checks, &pg.checks),
        drift(
            "triggers (table, timing, event)",
            &sqlite.triggers,
            &pg.triggers,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(
        problems.is_empty(),
        "schema drift ({url}):\n{}",
        problems.join("\n")
    );
}
