//! Command line and environment. Every option has a flag and an environment variable;
//! `opsflow --help` lists them all.

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::db::budgets::Budgets;
use crate::highlevel::config::HighLevelArgs;

#[derive(Debug, Parser)]
#[command(
    name = "opsflow",
    version,
    about = "OpsFlow: internal forms and workflow automation for CRM teams.",
    long_about = "OpsFlow turns CRM events into internal forms for staff, and writes the answers back to the CRM.\n\
                  Runs standalone on its built-in CRM with SQLite by default, or on PostgreSQL via DATABASE_URL."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (migrates the database first).
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit.
    Migrate(DatabaseArgs),
    /// Manage the REST API's keys from the command line (scripts, first setup).
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Make an API key as an admin would in Settings, and print it (once) on standard output.
    Create(NewApiKeyArgs),
}

#[derive(Debug, Args)]
pub struct NewApiKeyArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The email of the admin who makes the key (as they sign in).
    #[arg(long)]
    pub admin: String,
    /// The sub-account the key works for: its name or its id.
    #[arg(long)]
    pub sub_account: String,
    /// What the key is for, as Settings lists it.
    #[arg(long)]
    pub name: String,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Default: a SQLite file in --data-dir.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Directory for the default SQLite database.
    #[arg(long, env = "OPSFLOW_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
}

/// A flag's environment variable reads as people write it: `1`, `yes`, `true`, `on` (or `0`,
/// `no`, `false`, `off`, any case), not only `true`/`false`.
fn boolish() -> BoolishValueParser {
    BoolishValueParser::new()
}

impl DatabaseArgs {
    pub fn url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("opsflow.db").display()))
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "OPSFLOW_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Seed the demo agency (two sub-accounts, users, CRM data) into an empty database.
    #[arg(long, env = "OPSFLOW_DEMO", action = ArgAction::SetTrue, value_parser = boolish())]
    pub demo: bool,
    /// The built site (wasm, JS, CSS). cargo-leptos sets LEPTOS_SITE_ROOT when it runs the server.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Mark the session cookie Secure (set this when serving over HTTPS).
    #[arg(long, env = "OPSFLOW_SECURE_COOKIES", action = ArgAction::SetTrue, value_parser = boolish())]
    pub secure_cookies: bool,
    /// The address people open OpsFlow at (`https://opsflow.example.com`), when a proxy in front
    /// of it changes the Host header: state-changing requests must come from this origin.
    /// Default: the host each request was sent to.
    #[arg(long, env = "OPSFLOW_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Behind a reverse proxy: take each client's address from the last X-Forwarded-For entry
    /// (sign-in throttling counts failures per address).
    #[arg(long, env = "OPSFLOW_TRUST_PROXY", action = ArgAction::SetTrue, value_parser = boolish())]
    pub trust_proxy: bool,
    /// REST API calls a sub-account's API keys may make a clock minute, every instance's
    /// together (more answer 429 with Retry-After).
    #[arg(long, env = "OPSFLOW_API_CALLS_PER_MINUTE", default_value_t = 1_200, value_parser = clap::value_parser!(u32).range(1..))]
    pub api_calls_per_minute: u32,
    /// Let workflows' webhooks call loopback, private and link-local addresses (a test bench,
    /// an install whose services are on its own network). Off: any admin could reach them.
    #[arg(long, env = "OPSFLOW_WEBHOOKS_MAY_CALL_PRIVATE_HOSTS", action = ArgAction::SetTrue, value_parser = boolish())]
    pub webhooks_may_call_private_hosts: bool,
    /// Let sub-accounts send mail through an SMTP server on a loopback, private or link-local
    /// address (a relay on the install's own network, a test bench).
    #[arg(long, env = "OPSFLOW_MAIL_MAY_USE_PRIVATE_HOSTS", action = ArgAction::SetTrue, value_parser = boolish())]
    pub mail_may_use_private_hosts: bool,
    /// Twilio's API base URL (a stand-in's, in tests).
    #[arg(long, env = "OPSFLOW_TWILIO_API_BASE", default_value = "https://api.twilio.com")]
    pub twilio_api_base: String,
    /// On SIGTERM or Ctrl-C, how long requests in flight and background work may take to finish.
    #[arg(long, env = "OPSFLOW_DRAIN_TIMEOUT_SECS", default_value_t = 10)]
    pub drain_timeout_secs: u64,
    /// How many days processed webhooks and events (without forms) are kept before the hourly
    /// purge deletes them. Expired sessions and hand-offs are deleted as they end.
    #[arg(long, env = "OPSFLOW_RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub retention_days: u64,
    /// Runs one chain of workflows may start, beyond those its first change starts directly
    /// (workflows whose writes start workflows, whose writes start more…).
    #[arg(long, env = "OPSFLOW_RUNS_PER_CHAIN", default_value_t = Budgets::default().runs_per_chain, value_parser = clap::value_parser!(i64).range(1..))]
    pub runs_per_chain: i64,
    /// Runs a sub-account's workflows may start in one clock minute.
    #[arg(long, env = "OPSFLOW_RUNS_PER_MINUTE", default_value_t = Budgets::default().runs_per_minute, value_parser = clap::value_parser!(i64).range(1..))]
    pub runs_per_minute: i64,
    /// Steps a sub-account may have queued before its workflows start no more runs.
    #[arg(long, env = "OPSFLOW_QUEUED_STEPS", default_value_t = Budgets::default().queued_steps, value_parser = clap::value_parser!(i64).range(1..))]
    pub queued_steps: i64,
    #[command(flatten)]
    pub highlevel: HighLevelArgs,
}

impl ServeArgs {
    /// The budgets every sub-account's workflows have.
    pub fn budgets(&self) -> Budgets {
        Budgets {
            runs_per_chain: self.runs_per_chain,
            runs_per_minute: self.runs_per_minute,
            queued_steps: self.queued_steps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ApiKeyCommand, Cli, Command, boolish};
    use clap::builder::TypedValueParser;
    use clap::{CommandFactory, Parser};
    use std::ffi::OsStr;

    /// `OPSFLOW_DEMO=1` and its friends turn a flag on; `0`, `no`, `off` leave it off; anything
    /// else is refused with the values that work.
    #[test]
    fn flags_from_the_environment_read_as_people_write_them() {
        let command = Cli::command();
        let read = |value: &str| boolish().parse_ref(&command, None, OsStr::new(value)).ok();
        for on in ["1", "yes", "true", "on", "YES", "True"] {
            assert_eq!(read(on), Some(true), "{on}");
        }
        for off in ["0", "no", "false", "off"] {
            assert_eq!(read(off), Some(false), "{off}");
        }
        assert_eq!(read("maybe"), None, "an unknown value is refused");
        // The flag itself still needs no value.
        let parsed =
            Cli::try_parse_from(["opsflow", "serve", "--demo", "--trust-proxy"]).map(|cli| match cli.command {
                Command::Serve(args) => (args.demo, args.trust_proxy, args.secure_cookies),
                Command::Migrate(_) | Command::ApiKey(_) => (false, false, false),
            });
        assert_eq!(parsed.ok(), Some((true, true, false)));
    }

    #[test]
    fn an_api_key_is_asked_for_with_its_admin_sub_account_and_name() {
        let parsed = Cli::try_parse_from([
            "opsflow",
            "api-key",
            "create",
            "--admin",
            "a@example.com",
            "--sub-account",
            "Acme Plumbing",
            "--name",
            "CI",
        ]);
        let Ok(Cli { command: Command::ApiKey(ApiKeyCommand::Create(args)) }) = parsed else { panic!("{parsed:?}") };
        assert_eq!(
            (args.admin.as_str(), args.sub_account.as_str(), args.name.as_str()),
            ("a@example.com", "Acme Plumbing", "CI")
        );
        let missing = Cli::try_parse_from(["opsflow", "api-key", "create", "--admin", "a@example.com"]);
        assert!(missing.is_err(), "the sub-account and the name are required");
    }
}
