//! The store: SQLite (the default, a file in the data directory) or PostgreSQL (several
//! instances sharing one database), behind one type.
//!
//! Both backends run the *same* SQL through sqlx's `Any` driver. That works because the schema
//! sticks to the types `Any` carries on both — `BIGINT` integers (times are Unix milliseconds,
//! flags are 0/1), `TEXT` (ids, JSON documents) and `DOUBLE PRECISION` — and the queries use
//! `$n` placeholders, `ON CONFLICT` and `RETURNING`, which both dialects accept. Only the DDL
//! differs (and triggers, written in each database's language), so each backend has its own
//! migration set.

pub mod accounts;
pub mod api_keys;
pub mod budgets;
pub mod connections;
pub mod events;
pub mod forms;
pub mod messaging;
pub mod minute_counts;
pub mod notifications;
pub mod retention;
pub mod runs;
pub mod sealed;
pub mod sign_in;
pub mod snapshots;
pub mod sso;
pub mod stages;
pub mod steps;
pub mod stream;
pub mod templates;
pub mod tenancy;
pub mod triggers;
pub mod webhooks;
pub mod workflows;
mod write;
pub mod writebacks;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Transaction};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use write::WriteTurns;
pub use write::{WriteTx, Writer};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    versions: Arc<workflows::VersionCache>,
    /// SQLite's writers take turns here (see [`write`]); `None` on PostgreSQL.
    write_turns: Option<Arc<WriteTurns>>,
    budgets: budgets::Budgets,
    /// What this instance knows of each sub-account's spending (shared by its clones).
    spending: Arc<budgets::Spending>,
    /// The calls each sub-account's API keys made this minute (shared by its clones).
    api_calls: Arc<minute_counts::MinuteCounts>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("cannot connect to the database: {0}")]
    Connect(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// No turn to write within [`BUSY_WAIT`]: another write held the database all that time.
    #[error("the database stayed busy for {} s", BUSY_WAIT.as_secs())]
    Busy,
}

/// How long a writer waits for SQLite's write lock before giving up.
pub(crate) const BUSY_WAIT: Duration = Duration::from_secs(10);

pub type StoreResult<T> = Result<T, StoreError>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

impl Store {
    /// Connects to `url` (`sqlite://path/to/file.db` or `postgres://...`). A SQLite file and its
    /// directory are created when missing, and the database is switched to WAL so readers never
    /// wait for the writer.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let url = match backend {
            Backend::Sqlite => sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let options = match backend {
            // Every connection: wait for a busy writer instead of failing, and keep WAL commits
            // durable (FULL syncs the WAL on every commit, so an acknowledged event survives a
            // power cut, not only a crash).
            Backend::Sqlite => options.max_connections(8).after_connect(|conn, _| {
                Box::pin(async move {
                    let busy_timeout = format!("PRAGMA busy_timeout = {}", BUSY_WAIT.as_millis());
                    sqlx::query(&busy_timeout).execute(&mut *conn).await?;
                    sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                    // 32 MiB of pages per connection instead of SQLite's 2 MiB: the indexes of
                    // random ids outgrow 2 MiB at a few ten thousand events, and every insert then
                    // waits on the OS for its pages (ingestion slowed by a fifth over 200,000).
                    sqlx::query("PRAGMA cache_size = -32768").execute(&mut *conn).await?;
                    // A checkpoint every 40 MB of WAL instead of every 4: the commit that
                    // crosses the mark runs it, and with ingestion and the engine both writing,
                    // frequent ones stalled both (100,000 runs started: 1,772 → 2,015/s, the
                    // slowest event 583 → 264 ms).
                    sqlx::query("PRAGMA wal_autocheckpoint = 10000").execute(&mut *conn).await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options.max_connections(16),
        };
        let pool = options.connect(&url).await.map_err(StoreError::Connect)?;
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        let write_turns = (backend == Backend::Sqlite).then(Arc::default);
        Ok(Self {
            pool,
            backend,
            versions: Arc::default(),
            write_turns,
            budgets: budgets::Budgets::default(),
            spending: Arc::default(),
            api_calls: Arc::default(),
        })
    }

    /// The store with other budgets for every sub-account's workflows than the defaults.
    pub fn with_budgets(self, budgets: budgets::Budgets) -> Self {
        Self { budgets, ..self }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Workflow versions read so far (they never change).
    pub(crate) fn versions(&self) -> &workflows::VersionCache {
        &self.versions
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front (`IMMEDIATE`):
    /// a deferred transaction that reads first and writes later can fail with "database is
    /// locked" when another writer commits in between, instead of waiting its turn.
    pub async fn begin(&self) -> StoreResult<WriteTx> {
        let statement = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        let turn = self.write_turn().await?;
        Ok(WriteTx::new(self.pool.begin_with(statement).await?, turn))
    }

    /// A connection for writes of one statement each, taking the turn to write on SQLite like a
    /// transaction (see [`write`]).
    pub async fn writer(&self) -> StoreResult<Writer> {
        let turn = self.write_turn().await?;
        Ok(Writer::new(self.pool.acquire().await?, turn))
    }

    async fn write_turn(&self) -> StoreResult<Option<write::Turn>> {
        Ok(match &self.write_turns {
            Some(turns) => Some(turns.take(BUSY_WAIT).await?),
            None => None,
        })
    }

    /// Starts a transaction that only reads, whose statements all see one snapshot (SQLite's
    /// deferred transaction takes it at its first read; PostgreSQL's default takes one for each
    /// statement).
    pub(crate) async fn begin_read(&self) -> StoreResult<Transaction<'static, Any>> {
        let statement = match self.backend {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        Ok(self.pool.begin_with(statement).await?)
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// Makes sure the SQLite file can be created: its directory exists and `mode=rwc` is set.
fn sqlite_url(url: &str) -> StoreResult<String> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let file = path.split('?').next().unwrap_or_default();
    if let Some(dir) = Path::new(file).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|source| StoreError::DataDir { path: dir.display().to_string(), source })?;
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Milliseconds since the Unix epoch: how every time is stored.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A new random id. Ids are unguessable so a URL never reveals or enumerates other records.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

pub fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The two migration sets describe one schema. The only documented differences are the type
    /// of whole numbers (SQLite's `INTEGER` is PostgreSQL's `BIGINT`: times, counts, versions)
    /// and triggers, which each database writes in its own language: each is a block from a
    /// `-- trigger: NAME` line to `-- end trigger`, and both sets have the same ones. Comments may
    /// differ. Anything else that differs is drift.
    #[test]
    fn the_sqlite_and_postgres_migrations_stay_twins() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
        let names = |dir: &str| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(root.join(dir))
                .map(|entries| entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
                .unwrap_or_default();
            names.sort();
            names
        };
        let sqlite = names("sqlite");
        assert!(!sqlite.is_empty(), "no migrations found under {}", root.display());
        assert_eq!(sqlite, names("postgres"), "each migration exists for both databases, under the same name");
        let triggers = |dir: &str, name: &str| -> Vec<String> {
            let text = std::fs::read_to_string(root.join(dir).join(name)).unwrap_or_default();
            text.lines().filter_map(|line| line.strip_prefix("-- trigger: ")).map(str::to_owned).collect()
        };
        let statements = |dir: &str, name: &str, sqlite: bool| -> Vec<String> {
            let text = std::fs::read_to_string(root.join(dir).join(name)).unwrap_or_default();
            let mut in_trigger = false;
            let outside_triggers: Vec<&str> = text
                .lines()
                .filter(|line| {
                    if line.starts_with("-- trigger: ") {
                        in_trigger = true;
                    }
                    let skipped = in_trigger;
                    if line.starts_with("-- end trigger") {
                        in_trigger = false;
                    }
                    !skipped
                })
                .collect();
            assert!(!in_trigger, "{dir}/{name}: a trigger has no `-- end trigger` line");
            outside_triggers
                .into_iter()
                .map(|line| line.split("--").next().unwrap_or_default().trim_end())
                .filter(|line| !line.trim().is_empty())
                .map(|line| {
                    if sqlite {
                        line.split_inclusive(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                            .map(|word| match word.strip_prefix("INTEGER") {
                                Some(rest) if !rest.starts_with(|c: char| c.is_ascii_alphanumeric()) => {
                                    format!("BIGINT{rest}")
                                }
                                _ => word.to_owned(),
                            })
                            .collect()
                    } else {
                        line.to_owned()
                    }
                })
                .collect()
        };
        for name in &sqlite {
            assert_eq!(triggers("sqlite", name), triggers("postgres", name), "{name}: the same triggers in both");
            let (lite, postgres) = (statements("sqlite", name, true), statements("postgres", name, false));
            for (line, (a, b)) in lite.iter().zip(&postgres).enumerate() {
                assert_eq!(a, b, "{name}, statement line {}: the databases differ beyond INTEGER/BIGINT", line + 1);
            }
            assert_eq!(lite.len(), postgres.len(), "{name}: one set has more lines");
        }
    }
}
