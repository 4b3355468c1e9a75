//! Requests run to completion even when the client goes away.
//!
//! hyper drops a request's future when its connection closes (a load generator stopping, a
//! phone losing signal). Dropped between two awaits, a handler could leave a database
//! connection inside a half-begun transaction, or stop after its commit but before its
//! follow-up work. Running the whole handler stack in its own task makes every request
//! finish what it began; the response is simply not delivered.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

pub async fn run_to_completion(req: Request, next: Next) -> Response {
    match tokio::spawn(next.run(req)).await {
        Ok(resp) => resp,
        // Re-raise inside this future so the panic layer outside turns it into a 500.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("request task cancelled: {e}"),
    }
}
