//! The crate's one error type.

/// Everything the runtime, the client and the stores can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Redis refused a command or the connection broke.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// The SQL database refused a statement.
    #[cfg(feature = "sql")]
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// A payload or argument list could not be encoded or decoded.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// A payload is valid JSON but not a Sidekiq job.
    #[error("invalid job payload: {0}")]
    InvalidPayload(String),
    /// A periodic job's cron expression does not parse.
    #[error("invalid cron expression {expr:?}: {source}")]
    Cron {
        /// The expression as given.
        expr: String,
        /// The parser's error.
        source: croner::errors::CronError,
    },
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<redis::ParsingError> for Error {
    fn from(error: redis::ParsingError) -> Self {
        Self::Redis(error.into())
    }
}
