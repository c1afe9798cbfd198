//! The marketplace app's OAuth 2.0 (reference §1) with the `oauth2` crate: the install link to
//! `/v2/oauth/chooselocation`, the code exchange for an agency (`user_type=Company`) token and
//! its refresh. HighLevel's token endpoint wants the client credentials in the form body, and
//! answers errors in its own shape (`{statusCode, message}`), read here so a 5xx can be told
//! from a refusal.

use oauth2::basic::{BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ErrorResponse, ExtraTokenFields, RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

use super::api::ApiError;
use super::config::HighLevelConfig;

/// The scopes OpsFlow asks for (reference §2).
pub const SCOPES: &[&str] = &[
    "contacts.readonly",
    "contacts.write",
    "opportunities.readonly",
    "opportunities.write",
    "locations.readonly",
    "locations/customFields.readonly",
    "locations/customFields.write",
    "locations/tasks.readonly",
    "users.readonly",
    "oauth.readonly",
    "oauth.write",
    "voice-ai-dashboard.readonly",
    "voice-ai-agents.readonly",
];

/// The fields HighLevel adds to a token response (`GetAccessCodeSuccessfulResponseDto`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallFields {
    pub user_type: Option<String>,
    pub company_id: Option<String>,
    pub location_id: Option<String>,
    pub user_id: Option<String>,
    #[serde(default)]
    pub approved_locations: Vec<String>,
    pub is_bulk_installation: Option<bool>,
}

impl ExtraTokenFields for InstallFields {}

/// HighLevel's error body, or a standard OAuth one: whichever fields are there.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenError {
    pub status_code: Option<u16>,
    pub message: Option<Value>,
    pub error: Option<String>,
    #[serde(rename = "error_description")]
    pub error_description: Option<String>,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = match &self.message {
            Some(Value::String(message)) => Some(message.clone()),
            Some(Value::Array(list)) => Some(list.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; ")),
            _ => None,
        };
        let text = message.or_else(|| self.error_description.clone()).or_else(|| self.error.clone());
        f.write_str(text.as_deref().unwrap_or("no message"))
    }
}

impl ErrorResponse for TokenError {}

type TokenBody = StandardTokenResponse<InstallFields, BasicTokenType>;
type TokenClient = oauth2::Client<
    TokenError,
    TokenBody,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What a token request gave.
#[derive(Clone, PartialEq)]
pub struct Grant {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Seconds the access token lives.
    pub expires_in: u64,
    pub fields: InstallFields,
}

// The tokens never print.
impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant").field("expires_in", &self.expires_in).field("fields", &self.fields).finish()
    }
}

/// Whose token to ask for (`user_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserType {
    Company,
    Location,
}

impl UserType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Company => "Company",
            Self::Location => "Location",
        }
    }
}

#[derive(Clone, Debug)]
pub struct OAuth {
    client: TokenClient,
    http: reqwest::Client,
}

impl OAuth {
    pub fn new(config: &HighLevelConfig, http: reqwest::Client) -> Result<Self, String> {
        fn url_error(what: &'static str) -> impl Fn(oauth2::url::ParseError) -> String {
            move |error| format!("{what}: {error}")
        }
        let client = oauth2::Client::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(ClientSecret::new(config.client_secret.expose().to_owned()))
            .set_auth_uri(
                AuthUrl::new(format!("{}/v2/oauth/chooselocation", config.marketplace_url))
                    .map_err(url_error("the marketplace URL"))?,
            )
            .set_token_uri(
                TokenUrl::new(format!("{}/oauth/token", config.api_base)).map_err(url_error("the API base URL"))?,
            )
            .set_redirect_uri(RedirectUrl::new(config.redirect_url.clone()).map_err(url_error("the redirect URL"))?)
            .set_auth_type(AuthType::RequestBody);
        Ok(Self { client, http })
    }

    /// The install link an agency admin follows; `state` comes back to the callback if
    /// HighLevel echoes it (undocumented, reference §1.2).
    pub fn install_url(&self, state: &str) -> String {
        let state = state.to_owned();
        let (url, _) = self
            .client
            .authorize_url(move || CsrfToken::new(state))
            .add_scopes(SCOPES.iter().map(|scope| Scope::new((*scope).to_owned())))
            .url();
        url.to_string()
    }

    /// Exchanges the callback's code for the agency's token.
    pub async fn exchange_code(&self, code: &str) -> Result<Grant, ApiError> {
        let request = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .add_extra_param("user_type", UserType::Company.as_str());
        grant(request.request_async(&self.http).await)
    }

    /// A new access token (and a new refresh token, which replaces the old one).
    pub async fn refresh(&self, refresh_token: &str, user_type: UserType) -> Result<Grant, ApiError> {
        let token = RefreshToken::new(refresh_token.to_owned());
        let request = self.client.exchange_refresh_token(&token).add_extra_param("user_type", user_type.as_str());
        grant(request.request_async(&self.http).await)
    }
}

fn grant<E: std::error::Error>(result: Result<TokenBody, RequestTokenError<E, TokenError>>) -> Result<Grant, ApiError> {
    match result {
        Ok(body) => Ok(Grant {
            access_token: body.access_token().secret().clone(),
            refresh_token: body.refresh_token().map(|token| token.secret().clone()),
            expires_in: body.expires_in().map_or(86_399, |lifetime| lifetime.as_secs()),
            fields: body.extra_fields().clone(),
        }),
        Err(RequestTokenError::ServerResponse(error)) => Err(match error.status_code {
            Some(429) | Some(500..) => ApiError::Unavailable(format!("the token endpoint failed: {error}")),
            Some(401) => ApiError::Unauthorized(error.to_string()),
            status => ApiError::Rejected { status: status.unwrap_or(400), message: error.to_string() },
        }),
        Err(RequestTokenError::Request(error)) => Err(ApiError::Unavailable(format!("the token endpoint: {error}"))),
        // An error page from a proxy in front of the endpoint lands here too: worth another try.
        Err(RequestTokenError::Parse(error, _)) => Err(ApiError::Unavailable(format!("a token response: {error}"))),
        Err(RequestTokenError::Other(message)) => Err(ApiError::Unavailable(message)),
    }
}
