//! A real SMTP server for tests: aiosmtpd, writing what it receives to a maildir.
use std::time::Duration;

/// A real SMTP server (aiosmtpd) writing what it receives to a maildir.
pub struct SmtpSink {
    child: std::process::Child,
    dir: std::path::PathBuf,
    pub port: u16,
}

impl SmtpSink {
    pub fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        Self::start_on(port)
    }

    /// On a given port (for a test that first needs nothing listening there).
    pub fn start_on(port: u16) -> Option<Self> {
        let dir =
            std::env::temp_dir().join(format!("copydesk-maildir-{}-{port}", std::process::id()));
        let child = std::process::Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let sink = Self { child, dir, port };
        for _ in 0..50 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(sink);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    pub fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.dir.join(sub)) {
                out.extend(
                    entries
                        .flatten()
                        .filter_map(|e| std::fs::read_to_string(e.path()).ok()),
                );
            }
        }
        out
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
