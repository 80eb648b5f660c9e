//! SERVE: the real `communs serve` as a child process on a loopback port, its health
//! awaited, its memory read from /proc, stopped with SIGTERM.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

pub struct Server {
    child: Option<Child>,
    pub pid: u32,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    log: PathBuf,
}

/// Resident memory of the server, in kB, as /proc/PID/status reports it.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub peak_kb: u64,
    pub current_kb: u64,
}

impl Server {
    /// Starts `communs serve` on 127.0.0.1 with a port the system picks, and reads the
    /// address from the line it prints. Its settings come from the flags alone: the
    /// `COMMUNS_*` variables of this environment are removed, and it runs in `workdir`
    /// (no `communs.toml` there); its log goes to `workdir/server.log`.
    pub fn start(communs: &Path, database_url: &str, workdir: &Path) -> anyhow::Result<Server> {
        Server::start_with(communs, database_url, workdir, &[])
    }

    /// `start`, with more arguments for `communs serve`.
    pub fn start_with(communs: &Path, database_url: &str, workdir: &Path, extra: &[&str]) -> anyhow::Result<Server> {
        let log = workdir.join("server.log");
        let mut cmd = Command::new(communs);
        cmd.arg("serve")
            .arg("--database-url")
            .arg(database_url)
            .arg("--bind")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(workdir.join("data"))
            // The pages are measured alone: the generated repositories' hosts are not
            // harvested in the background meanwhile (bench/src/bin/harvest.rs measures that).
            .arg("--harvest-every")
            .arg("0")
            .args(extra)
            .current_dir(workdir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&log).with_context(|| format!("cannot create {}", log.display()))?);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("COMMUNS_") {
                cmd.env_remove(key);
            }
        }
        // COMMUNS_BENCH_SERVER_LOG (say `server::search=debug`) sets the server's log
        // filter, to see where a phase's time goes; warnings only otherwise.
        cmd.env("COMMUNS_LOG", std::env::var("COMMUNS_BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()));
        let mut child = cmd.spawn().with_context(|| format!("cannot start {}", communs.display()))?;
        let pid = child.id();
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Read every line so that the pipe never fills; report the address once.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.split("listening on ").nth(1) {
                    let _ = tx.send(addr.trim().to_string());
                }
            }
        });
        let mut server = Server { child: Some(child), pid, base: String::new(), log };
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(addr) => {
                if !addr.starts_with("http://127.0.0.1:") {
                    bail!("the server listens on {addr}, not on 127.0.0.1");
                }
                server.base = addr;
                Ok(server)
            }
            Err(_) => {
                let tail = server.log_tail();
                let _ = server.stop();
                bail!("the server did not say where it listens; its log ends with:\n{tail}")
            }
        }
    }

    /// Waits until `/api/v1/healthz` answers 200 (at most 100 tries, 100 ms apart).
    pub async fn wait_healthy(&self) -> anyhow::Result<Duration> {
        let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(2)).build()?;
        let url = format!("{}/api/v1/healthz", self.base);
        let started = Instant::now();
        let mut last = String::new();
        for _ in 0..100 {
            match client.get(&url).send().await {
                Ok(r) if r.status() == reqwest::StatusCode::OK => return Ok(started.elapsed()),
                Ok(r) => last = format!("status {}", r.status()),
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{url} did not answer 200 ({last}); server log:\n{}", self.log_tail())
    }

    pub fn memory(&self) -> anyhow::Result<Memory> {
        let path = format!("/proc/{}/status", self.pid);
        let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
        let field = |name: &str| -> anyhow::Result<u64> {
            let line = status.lines().find(|l| l.starts_with(name)).with_context(|| format!("{path} has no {name}"))?;
            let kb = line[name.len()..].trim().trim_end_matches("kB").trim();
            kb.parse().with_context(|| format!("{path}: {line:?}"))
        };
        Ok(Memory { peak_kb: field("VmHWM:")?, current_kb: field("VmRSS:")? })
    }

    /// SIGTERM (graceful shutdown), then SIGKILL if it is still there after 15 s.
    pub fn stop(&mut self) -> anyhow::Result<ExitStatus> {
        let Some(mut child) = self.child.take() else { bail!("the server was already stopped") };
        if child.try_wait()?.is_none() {
            let _ = Command::new("kill").arg("-TERM").arg(self.pid.to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if let Some(status) = child.try_wait()? {
                    return Ok(status);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
        }
        Ok(child.wait()?)
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
