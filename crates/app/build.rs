// Rebuild when a migration is added or changed: `sqlx::migrate!` embeds the folders, and
// on stable Rust the macro cannot tell cargo to watch them.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
