//! The storage layer under abuse: callers that vanish halfway.

use std::time::Duration;

use gongzhi_app::db::Db;

use crate::support::TestApp;

async fn write_one(db: &Db, n: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    gongzhi_app::on_tx!(&mut tx, |c| sqlx::query(
        "insert into probe_rows (body, created_at) values ('x', $1)"
    )
    .bind(n)
    .execute(&mut **c)
    .await
    .map(|_| ()))?;
    tx.commit().await
}

/// A task dropped while it begins or holds a write transaction (a client that hung up, a
/// time-out) never leaves the write lock behind: the next writer gets through at once.
#[tokio::test]
async fn callers_dropped_mid_transaction_never_leave_a_lock_behind() {
    let app = TestApp::empty().await;
    // A table of the test's own (the product's schema has none to spare).
    app.exec("create table probe_rows (body text not null, created_at bigint not null)")
        .await
        .expect("probe table");
    for i in 0..60u64 {
        let db = app.st.db.clone();
        let t = tokio::spawn(async move {
            let mut tx = db.begin().await.expect("begin");
            gongzhi_app::on_tx!(&mut tx, |c| sqlx::query(
                "insert into probe_rows (body, created_at) values ('dropped', 0)"
            )
            .execute(&mut **c)
            .await
            .map(|_| ()))
            .expect("insert");
            std::future::pending::<()>().await;
        });
        // Cut it off at varying points: before, during and after BEGIN.
        if i % 3 != 0 {
            tokio::time::sleep(Duration::from_micros(i * 50)).await;
        }
        t.abort();
        let _ = t.await;
        tokio::time::timeout(Duration::from_secs(5), write_one(&app.st.db, i as i64))
            .await
            .expect("the next writer is not stuck behind an abandoned transaction")
            .expect("write");
    }
    assert_eq!(
        app.scalar_i64("select count(*) from probe_rows where body = 'dropped'")
            .await,
        0,
        "abandoned transactions rolled back"
    );
    assert_eq!(
        app.scalar_i64("select count(*) from probe_rows where body = 'x'")
            .await,
        60
    );
}
