//! Production refuses to start without its secrets, and names the one that is missing.
use std::process::Command;

fn start_production(env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_copydesk-cli"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["start"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LOCO_ENV", "production");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the binary runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn production_names_each_missing_variable() {
    let (ok, out) = start_production(&[]);
    assert!(!ok);
    assert!(out.contains("COPYDESK_BASE_URL"), "{out}");

    let (ok, out) = start_production(&[("COPYDESK_BASE_URL", "https://copydesk.example")]);
    assert!(!ok);
    assert!(out.contains("DATABASE_URL"), "{out}");

    let (ok, out) = start_production(&[
        ("COPYDESK_BASE_URL", "https://copydesk.example"),
        ("DATABASE_URL", "sqlite::memory:"),
    ]);
    assert!(!ok);
    assert!(out.contains("COPYDESK_SECRET_KEY"), "{out}");
}
