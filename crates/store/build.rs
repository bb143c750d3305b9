// Re-embed the migrations whenever their SQL changes.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
