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

async fn sqlite_columns() -> BTreeSet<(String, String, bool)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::connect(&format!("sqlite://{}", dir.path().join("p.db").display()))
        .await
        .expect("sqlite");
    db.migrate().await.expect("migrate");
    let Db::Sqlite(p, _) = &db else {
        unreachable!()
    };
    let tables: Vec<String> = sqlx::query_scalar("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_sqlx%'").fetch_all(p).await.expect("tables");
    let mut out = BTreeSet::new();
    for t in tables {
        let cols: Vec<(String, bool, bool)> = sqlx::query_as(&format!(
            "select name, \"notnull\", pk from pragma_table_info('{t}')"
        ))
        .fetch_all(p)
        .await
        .expect("columns");
        for (c, notnull, pk) in cols {
            out.insert((t.clone(), c, notnull || pk));
        }
    }
    out
}

#[tokio::test]
async fn tables_and_columns_match_on_both_databases() {
    let sqlite = sqlite_columns().await;
    assert!(
        sqlite
            .iter()
            .any(|(t, c, _)| t == "residents" && c == "phone_enc")
    );
    let Some(url) = crate::support::pg_url() else {
        // On an SQLite-only run the folder comparison above still applies; CI runs this on both.
        return;
    };
    let (db, _, _, schema) = crate::support::fresh_db().await;
    let Db::Pg(p) = &db else { unreachable!() };
    let schema = schema.expect("schema");
    let rows: Vec<(String, String, String)> = sqlx::query_as("select table_name::text, column_name::text, is_nullable::text from information_schema.columns where table_schema = $1 and table_name not like '_sqlx%'")
        .bind(&schema)
        .fetch_all(p)
        .await
        .expect("columns");
    let pg: BTreeSet<(String, String, bool)> = rows
        .into_iter()
        .map(|(t, c, n)| (t, c, n == "NO"))
        .collect();
    let only_sqlite: Vec<_> = sqlite.difference(&pg).collect();
    let only_pg: Vec<_> = pg.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "schema drift ({url}): sqlite-only {only_sqlite:?}, postgres-only {only_pg:?}"
    );
    let _ = sqlx::query(&format!("drop schema {schema} cascade"))
        .execute(p)
        .await;
}
