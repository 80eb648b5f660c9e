// The migrations are compiled into the Store (`sqlx::migrate!`): a new or changed migration
// file must rebuild this crate even when no Rust source changed.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
