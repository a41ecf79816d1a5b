//! The worker process: fetch, run, acknowledge, and everything around it.

mod beat;
mod periodic;
mod run;

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::{
    sync::{Semaphore, watch},
    task::JoinHandle,
};

pub use periodic::Periodic;

use crate::{
    client::Client,
    error::{Error, Result},
    job::Job,
    registry::Registry,
};

/// How a server runs. Defaults follow Sidekiq's.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Jobs run at once (default 25; Sidekiq's own `concurrency` default is 10).
    pub concurrency: usize,
    /// Queues with weights. With equal weights the queues are tried strictly in order;
    /// otherwise each fetch orders them by a weighted draw, like Sidekiq's `-q name,weight`.
    pub queues: Vec<(String, u32)>,
    /// Shown in Sidekiq's Web UI.
    pub tag: String,
    /// Shown in Sidekiq's Web UI.
    pub labels: Vec<String>,
    /// How long shutdown waits for running jobs before requeueing them (Sidekiq: 25 s).
    pub shutdown_timeout: Duration,
    /// Heartbeat and stats flush period (Sidekiq: 5 s).
    pub heartbeat_interval: Duration,
    /// Average schedule/retry poll period (Sidekiq: 5 s).
    pub poll_interval: Duration,
    /// How often other processes' in-progress jobs are checked for orphans.
    pub orphan_check_interval: Duration,
    /// Longest pause between fetches while the queues are empty.
    pub idle_poll_max: Duration,
    /// Jobs taken per fetch at most (default: `concurrency`).
    pub fetch_batch: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            concurrency: 25,
            queues: vec![("default".into(), 1)],
            tag: String::new(),
            labels: Vec::new(),
            shutdown_timeout: Duration::from_secs(25),
            heartbeat_interval: Duration::from_secs(5),
            poll_interval: Duration::from_secs(5),
            orphan_check_interval: Duration::from_secs(60),
            idle_poll_max: Duration::from_millis(500),
            fetch_batch: 0,
        }
    }
}

impl ServerConfig {
    /// Queues with equal weight, tried in this order.
    #[must_use]
    pub fn with_queues(mut self, names: &[&str]) -> Self {
        self.queues = names.iter().map(|n| ((*n).to_string(), 1)).collect();
        self
    }
}

/// A job slot's running job, as the heartbeat reports it.
#[derive(Debug, Clone)]
struct Running {
    queue: String,
    raw: String,
    run_at: i64,
}

/// State shared by the server's tasks.
struct Shared {
    identity: String,
    hostname: String,
    started_at: f64,
    client: Client,
    registry: Registry,
    config: ServerConfig,
    periodic: Vec<Periodic>,
    quiet: AtomicBool,
    stop: watch::Sender<bool>,
    processed: AtomicU64,
    failed: AtomicU64,
    busy: Mutex<HashMap<String, Running>>,
    slots: Arc<Semaphore>,
    /// Jobs this process knows it holds (fetched and not yet acknowledged), by
    /// [`run::held_key`], with multiplicity.
    held: Mutex<HashMap<u64, usize>>,
    /// Taken around a fetch and its registration in `held`, and around reconciliation, so
    /// reconciliation never mistakes a fetch in flight for a lost one.
    fetch_lock: tokio::sync::Mutex<()>,
}

impl Shared {
    fn now(&self) -> f64 {
        self.client.clock().now()
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }
}

/// A worker process, not yet started.
pub struct Server {
    client: Client,
    registry: Registry,
    config: ServerConfig,
    periodic: Vec<Periodic>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("registry", &self.registry)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server running `registry`'s jobs from `client`'s store.
    #[must_use]
    pub fn new(client: Client, registry: Registry, config: ServerConfig) -> Self {
        Self {
            client,
            registry,
            config,
            periodic: Vec::new(),
        }
    }

    /// Enqueue `J` with `args` on the cron schedule `cron` (5 fields, or 6 with seconds,
    /// UTC). Across processes each tick enqueues once.
    ///
    /// # Errors
    /// The expression does not parse or the arguments do not serialise.
    pub fn periodic<J: Job>(mut self, cron: &str, args: &J::Args) -> Result<Self> {
        self.periodic.push(Periodic::new::<J>(cron, args)?);
        Ok(self)
    }

    /// Start the server's tasks on the current Tokio runtime.
    ///
    /// # Errors
    /// The configuration is invalid or the first heartbeat fails.
    pub async fn start(self) -> Result<ServerHandle> {
        if self.config.concurrency == 0 || self.config.queues.is_empty() {
            return Err(Error::Config(
                "concurrency and queues must not be empty".into(),
            ));
        }
        let hostname = beat::hostname();
        let nonce: [u8; 6] = rand::random();
        let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        let identity = format!("{hostname}:{}:{nonce}", std::process::id());
        let (stop, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            identity: identity.clone(),
            hostname,
            started_at: self.client.clock().now(),
            slots: Arc::new(Semaphore::new(self.config.concurrency)),
            client: self.client,
            registry: self.registry,
            config: self.config,
            periodic: self.periodic,
            quiet: AtomicBool::new(false),
            stop,
            processed: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            busy: Mutex::new(HashMap::new()),
            held: Mutex::new(HashMap::new()),
            fetch_lock: tokio::sync::Mutex::new(()),
        });
        // Heartbeat before fetching: a process without one looks dead to the others.
        beat::heartbeat(&shared).await?;
        shared.client.store().register_fetcher(&identity).await?;
        beat::recover_orphans(&shared).await;
        let task = tokio::spawn(run::run(shared.clone()));
        Ok(ServerHandle {
            identity,
            shared,
            task,
        })
    }
}

/// A running server.
pub struct ServerHandle {
    identity: String,
    shared: Arc<Shared>,
    task: JoinHandle<Result<()>>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl ServerHandle {
    /// `hostname:pid:nonce`, the key Sidekiq's Web UI knows the process by.
    #[must_use]
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// Stop fetching new jobs (Sidekiq's Quiet). Running jobs finish.
    pub fn quiet(&self) {
        self.shared.quiet.store(true, Ordering::SeqCst);
    }

    /// Whether the server is quiet.
    #[must_use]
    pub fn is_quiet(&self) -> bool {
        self.shared.quiet.load(Ordering::SeqCst)
    }

    /// Begin a graceful shutdown without waiting for it.
    pub fn stop(&self) {
        self.shared.stop.send_replace(true);
    }

    /// Whether the server has been told to stop (by [`Self::stop`] or a Stop signal).
    #[must_use]
    pub fn is_stopping(&self) -> bool {
        self.shared.stopping()
    }

    /// Wait until the server has stopped (after [`Self::stop`] or a Stop signal).
    ///
    /// # Errors
    /// The run loop failed.
    pub async fn wait(self) -> Result<()> {
        self.task
            .await
            .map_err(|e| Error::Config(format!("server task failed: {e}")))?
    }

    /// Stop gracefully: finish running jobs within the shutdown timeout, requeue the rest,
    /// flush stats and remove the process record.
    ///
    /// # Errors
    /// The run loop failed.
    pub async fn shutdown(self) -> Result<()> {
        self.stop();
        self.wait().await
    }
}
