//! Connected mode's configuration: flags and environment variables (`opsflow serve --help`), read
//! once and checked before the server starts. OpsFlow is connected to HighLevel when a client id
//! is given; then the client secret, the redirect URL, the SSO shared secret and the key that
//! seals tokens at rest are all required, and the server refuses to start without any of them
//! rather than run half connected.

use clap::Args;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::secrets::{SecretBox, SecretError};
use super::signature::{KeyError, PUBLISHED_ED25519_KEY, PUBLISHED_RSA_KEY, WebhookKeys};

/// HighLevel's API (reference §3.1).
pub const DEFAULT_API_BASE: &str = "https://services.leadconnectorhq.com";
/// Where the install link sends an agency to choose locations (reference §1.2).
pub const DEFAULT_MARKETPLACE_URL: &str = "https://marketplace.gohighlevel.com";
/// The pages HighLevel embeds custom-menu iframes in (white-label agencies add their own domain).
pub const DEFAULT_FRAME_ANCESTORS: &str = "https://app.gohighlevel.com https://*.gohighlevel.com \
                                           https://*.leadconnectorhq.com https://*.msgsndr.com";

#[derive(Clone, Args)]
pub struct HighLevelArgs {
    /// The marketplace app's client id (`<appId>-<suffix>`). Setting it turns connected mode on.
    #[arg(long, env = "HIGHLEVEL_CLIENT_ID")]
    pub highlevel_client_id: Option<String>,
    /// The marketplace app's client secret.
    #[arg(long, env = "HIGHLEVEL_CLIENT_SECRET", hide_env_values = true)]
    pub highlevel_client_secret: Option<String>,
    /// The OAuth redirect URL registered for the app: https://YOUR-HOST/oauth/highlevel/callback.
    #[arg(long, env = "HIGHLEVEL_REDIRECT_URL")]
    pub highlevel_redirect_url: Option<String>,
    /// The app's SSO shared secret (Advanced Settings → Auth → Shared Secret).
    #[arg(long, env = "HIGHLEVEL_SHARED_SECRET", hide_env_values = true)]
    pub highlevel_shared_secret: Option<String>,
    /// Public key for `X-GHL-Signature` webhooks: PEM text, or the path of a PEM file.
    /// Default: the key HighLevel publishes.
    #[arg(long, env = "HIGHLEVEL_WEBHOOK_ED25519_KEY")]
    pub highlevel_webhook_ed25519_key: Option<String>,
    /// Public key for legacy `X-WH-Signature` webhooks: PEM text, or the path of a PEM file.
    /// Default: the key HighLevel publishes.
    #[arg(long, env = "HIGHLEVEL_WEBHOOK_RSA_KEY")]
    pub highlevel_webhook_rsa_key: Option<String>,
    /// HighLevel's API base URL (a stand-in's, in tests).
    #[arg(long, env = "HIGHLEVEL_API_BASE", default_value = DEFAULT_API_BASE)]
    pub highlevel_api_base: String,
    /// The marketplace host of the install link (white-label: https://marketplace.leadconnectorhq.com).
    #[arg(long, env = "HIGHLEVEL_MARKETPLACE_URL", default_value = DEFAULT_MARKETPLACE_URL)]
    pub highlevel_marketplace_url: String,
    /// How often the catch-up job looks for stage changes whose webhook was lost (minutes).
    #[arg(long, env = "HIGHLEVEL_CATCH_UP_MINUTES", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1440))]
    pub highlevel_catch_up_minutes: u64,
    /// The key tokens and secrets are sealed with at rest: 32 bytes, base64 (`openssl rand -base64 32`).
    #[arg(long, env = "OPSFLOW_SECRET_KEY", hide_env_values = true, conflicts_with = "secret_key_file")]
    pub secret_key: Option<String>,
    /// A file holding the secret key (base64), instead of OPSFLOW_SECRET_KEY.
    #[arg(long, env = "OPSFLOW_SECRET_KEY_FILE")]
    pub secret_key_file: Option<PathBuf>,
    /// Who may embed OpsFlow in a frame: the CSP `frame-ancestors` sources, space-separated.
    /// Default: HighLevel's app domains when connected; only OpsFlow itself when standalone.
    #[arg(long, env = "OPSFLOW_FRAME_ANCESTORS")]
    pub frame_ancestors: Option<String>,
}

// By hand, so that secrets given on the command line never reach a log through `{:?}`.
impl fmt::Debug for HighLevelArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HighLevelArgs")
            .field("client_id", &self.highlevel_client_id)
            .field("redirect_url", &self.highlevel_redirect_url)
            .field("api_base", &self.highlevel_api_base)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("connected mode (HIGHLEVEL_CLIENT_ID is set) also needs {0}")]
    Missing(&'static str),
    #[error("HIGHLEVEL_CLIENT_ID `{0}` is not a marketplace client id (`<appId>-<suffix>`)")]
    ClientId(String),
    #[error("{name} `{value}` is not an http(s) URL")]
    Url { name: &'static str, value: String },
    #[error("cannot read {what} from {path}: {error}")]
    File { what: &'static str, path: String, error: String },
    #[error("OPSFLOW_SECRET_KEY: {0}")]
    SecretKey(SecretError),
    #[error(transparent)]
    WebhookKey(KeyError),
    #[error("OPSFLOW_FRAME_ANCESTORS `{0}` is not a list of CSP sources (hosts or 'self', space-separated)")]
    FrameAncestors(String),
}

/// A secret string that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Checked connected-mode settings.
#[derive(Clone, Debug)]
pub struct HighLevelConfig {
    pub client_id: String,
    /// The part of the client id before the `-` (reference §1.5).
    pub app_id: String,
    pub client_secret: Secret,
    pub redirect_url: String,
    pub shared_secret: Secret,
    pub webhook_keys: WebhookKeys,
    /// Without a trailing slash.
    pub api_base: String,
    pub marketplace_url: String,
    pub secrets: SecretBox,
    pub catch_up_every: Duration,
}

/// What the server runs as.
#[derive(Clone, Debug)]
pub struct Connection {
    /// `None`: standalone, on the built-in CRM.
    pub highlevel: Option<HighLevelConfig>,
    /// CSP `frame-ancestors` sources; OpsFlow's own pages are always among them.
    pub frame_ancestors: String,
}

impl HighLevelArgs {
    /// Checks the settings; standalone when no client id is given.
    pub fn connection(&self) -> Result<Connection, ConfigError> {
        let client_id = self.highlevel_client_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
        // A standalone OpsFlow has no host to be framed by: nobody else may frame it unless told.
        let default_ancestors = if client_id.is_some() { DEFAULT_FRAME_ANCESTORS } else { "'self'" };
        let frame_ancestors = frame_ancestors(self.frame_ancestors.as_deref().unwrap_or(default_ancestors))?;
        let Some(client_id) = client_id else {
            return Ok(Connection { highlevel: None, frame_ancestors });
        };
        let app_id = match client_id.split_once('-') {
            Some((app_id, suffix)) if !app_id.is_empty() && !suffix.is_empty() => app_id.to_owned(),
            _ => return Err(ConfigError::ClientId(client_id.to_owned())),
        };
        let required = |value: &Option<String>, name: &'static str| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or(ConfigError::Missing(name))
        };
        let client_secret = Secret::new(required(&self.highlevel_client_secret, "HIGHLEVEL_CLIENT_SECRET")?);
        let redirect_url =
            http_url("HIGHLEVEL_REDIRECT_URL", &required(&self.highlevel_redirect_url, "HIGHLEVEL_REDIRECT_URL")?)?;
        let shared_secret = Secret::new(required(&self.highlevel_shared_secret, "HIGHLEVEL_SHARED_SECRET")?);
        let secrets = self.secret_box()?;
        let ed25519 = pem_or_file(self.highlevel_webhook_ed25519_key.as_deref(), "HIGHLEVEL_WEBHOOK_ED25519_KEY")?;
        let rsa = pem_or_file(self.highlevel_webhook_rsa_key.as_deref(), "HIGHLEVEL_WEBHOOK_RSA_KEY")?;
        let webhook_keys = WebhookKeys::from_pem(
            ed25519.as_deref().unwrap_or(PUBLISHED_ED25519_KEY),
            rsa.as_deref().unwrap_or(PUBLISHED_RSA_KEY),
        )
        .map_err(ConfigError::WebhookKey)?;
        Ok(Connection {
            highlevel: Some(HighLevelConfig {
                client_id: client_id.to_owned(),
                app_id,
                client_secret,
                redirect_url,
                shared_secret,
                webhook_keys,
                api_base: http_url("HIGHLEVEL_API_BASE", &self.highlevel_api_base)?,
                marketplace_url: http_url("HIGHLEVEL_MARKETPLACE_URL", &self.highlevel_marketplace_url)?,
                secrets,
                catch_up_every: Duration::from_secs(self.highlevel_catch_up_minutes * 60),
            }),
            frame_ancestors,
        })
    }

    fn secret_box(&self) -> Result<SecretBox, ConfigError> {
        self.given_secret_box()?.ok_or(ConfigError::Missing("OPSFLOW_SECRET_KEY or OPSFLOW_SECRET_KEY_FILE"))
    }

    /// The secret key the operator gave, if any.
    fn given_secret_box(&self) -> Result<Option<SecretBox>, ConfigError> {
        let encoded = match (&self.secret_key, &self.secret_key_file) {
            (Some(key), _) => key.clone(),
            (None, Some(path)) => std::fs::read_to_string(path).map_err(|error| ConfigError::File {
                what: "the secret key",
                path: path.display().to_string(),
                error: error.to_string(),
            })?,
            (None, None) => return Ok(None),
        };
        SecretBox::from_base64(&encoded).map(Some).map_err(ConfigError::SecretKey)
    }

    /// The key sub-accounts' passwords and tokens are sealed with: the operator's, or — for a
    /// single instance on SQLite — one made once in the data directory beside the database
    /// (`secret.key`, readable by its owner only), so a copy of the database file alone reveals
    /// no secret. Several instances on PostgreSQL must share a key the operator gives: without
    /// one they keep no secrets.
    pub fn secrets(&self, data_dir: Option<&std::path::Path>) -> Result<Option<SecretBox>, ConfigError> {
        if let Some(given) = self.given_secret_box()? {
            return Ok(Some(given));
        }
        let Some(dir) = data_dir else { return Ok(None) };
        let path = dir.join("secret.key");
        let file_error = |error: std::io::Error| ConfigError::File {
            what: "the secret key",
            path: path.display().to_string(),
            error: error.to_string(),
        };
        if !path.exists() {
            use base64::Engine;
            use std::io::Write;
            let mut key = [0_u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            std::fs::create_dir_all(dir).map_err(file_error)?;
            let mut file = options.open(&path).map_err(file_error)?;
            file.write_all(base64::engine::general_purpose::STANDARD.encode(key).as_bytes()).map_err(file_error)?;
        }
        let encoded = std::fs::read_to_string(&path).map_err(file_error)?;
        SecretBox::from_base64(&encoded).map(Some).map_err(ConfigError::SecretKey)
    }
}

/// `'self'` and the given sources. A source is printable ASCII without `;` or `,`, which would
/// end the directive or the header.
fn frame_ancestors(list: &str) -> Result<String, ConfigError> {
    let sources: Vec<&str> = list.split_whitespace().filter(|source| *source != "'self'").collect();
    let valid = |source: &&str| source.chars().all(|c| c.is_ascii_graphic() && c != ';' && c != ',');
    if !sources.iter().all(valid) || (sources.is_empty() && !list.contains("'self'")) {
        return Err(ConfigError::FrameAncestors(list.trim().to_owned()));
    }
    Ok(std::iter::once("'self'").chain(sources).collect::<Vec<_>>().join(" "))
}

/// A PEM key given inline, or the path of a file holding one.
fn pem_or_file(value: Option<&str>, name: &'static str) -> Result<Option<String>, ConfigError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(pem) if pem.starts_with("-----BEGIN") => Ok(Some(pem.to_owned())),
        Some(path) => std::fs::read_to_string(path).map(Some).map_err(|error| ConfigError::File {
            what: name,
            path: path.to_owned(),
            error: error.to_string(),
        }),
    }
}

fn http_url(name: &'static str, value: &str) -> Result<String, ConfigError> {
    let value = value.trim().trim_end_matches('/');
    let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(value.to_owned()),
        _ => Err(ConfigError::Url { name, value: value.to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first surprise")]

    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: HighLevelArgs,
    }

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn parse<S: AsRef<str>>(flags: &[S]) -> Result<Connection, ConfigError> {
        let argv = std::iter::once("opsflow").chain(flags.iter().map(AsRef::as_ref));
        Cli::try_parse_from(argv).expect("flags parse").args.connection()
    }

    fn connected(extra: &[&str]) -> Vec<String> {
        [
            "--highlevel-client-id=68a32958b5154ca8bbdc4d40-meh5chaj",
            "--highlevel-client-secret=shh",
            "--highlevel-redirect-url=https://opsflow.example/oauth/highlevel/callback",
            "--highlevel-shared-secret=sso-secret",
        ]
        .iter()
        .chain(extra)
        .map(|flag| flag.to_string())
        .collect()
    }

    #[test]
    fn without_a_client_id_the_server_is_standalone_and_not_frameable_by_others() {
        let connection = parse::<&str>(&[]).unwrap();
        assert!(connection.highlevel.is_none());
        assert_eq!(connection.frame_ancestors, "'self'");
    }

    #[test]
    fn connected_mode_is_frameable_by_highlevel() {
        let key = format!("--secret-key={KEY}");
        let connection = parse(&connected(&[&key])).unwrap();
        assert!(connection.frame_ancestors.starts_with("'self' https://app.gohighlevel.com"));
    }

    #[test]
    fn connected_mode_refuses_to_start_without_the_secret_key() {
        assert_eq!(
            parse(&connected(&[])).unwrap_err(),
            ConfigError::Missing("OPSFLOW_SECRET_KEY or OPSFLOW_SECRET_KEY_FILE")
        );
        let short = format!("--secret-key={}", &KEY[..20]);
        assert!(matches!(parse(&connected(&[&short])).unwrap_err(), ConfigError::SecretKey(_)));
    }

    #[test]
    fn connected_mode_reads_every_setting() {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("key");
        std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
        let flag = format!("--secret-key-file={}", key_file.display());
        let connection =
            parse(&connected(&[&flag, "--highlevel-api-base=http://127.0.0.1:9000/", "--frame-ancestors= 'self'  "]))
                .unwrap();
        let highlevel = connection.highlevel.unwrap();
        assert_eq!(highlevel.app_id, "68a32958b5154ca8bbdc4d40");
        assert_eq!(highlevel.api_base, "http://127.0.0.1:9000");
        assert_eq!(highlevel.marketplace_url, DEFAULT_MARKETPLACE_URL);
        assert_eq!(connection.frame_ancestors, "'self'");
        let debug = format!("{highlevel:?}");
        assert!(!debug.contains("shh") && !debug.contains("sso-secret") && !debug.contains(KEY), "{debug}");
    }

    #[test]
    fn each_missing_or_malformed_setting_is_named() {
        let key = format!("--secret-key={KEY}");
        let mut flags = connected(&[&key]);
        flags.remove(3);
        assert_eq!(parse(&flags).unwrap_err(), ConfigError::Missing("HIGHLEVEL_SHARED_SECRET"));
        assert_eq!(parse(&["--highlevel-client-id=nodash"]).unwrap_err(), ConfigError::ClientId("nodash".to_owned()));
        let bad_url = parse(&connected(&[&key, "--highlevel-api-base=ftp://x"])).unwrap_err();
        assert_eq!(bad_url.to_string(), "HIGHLEVEL_API_BASE `ftp://x` is not an http(s) URL");
        let bad_pem = parse(&connected(&[&key, "--highlevel-webhook-ed25519-key=-----BEGIN PUBLIC KEY-----\nAA"]));
        assert!(matches!(bad_pem.unwrap_err(), ConfigError::WebhookKey(KeyError::Ed25519(_))));
        let missing_file = parse(&connected(&[&key, "--highlevel-webhook-rsa-key=/nonexistent/key.pem"]));
        assert!(matches!(missing_file.unwrap_err(), ConfigError::File { .. }));
        assert!(matches!(parse(&["--frame-ancestors=  "]).unwrap_err(), ConfigError::FrameAncestors(_)));
        assert!(matches!(
            parse(&["--frame-ancestors=a.com; script-src *"]).unwrap_err(),
            ConfigError::FrameAncestors(_)
        ));
        let own = parse(&["--frame-ancestors=https://crm.agency.example 'self'"]).unwrap();
        assert_eq!(own.frame_ancestors, "'self' https://crm.agency.example");
    }
}
