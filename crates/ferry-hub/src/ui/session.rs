//! Browser sessions: a random token in an `HttpOnly`, `SameSite=Strict` cookie, stored only as
//! its SHA-256 digest, expiring after 12 h idle or 7 days in all, deleted at logout. Each
//! session has a CSRF token that every form echoes; before login, a separate random cookie
//! plays that part (double submit), so login and first-run forms are protected too.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ferry_proto::api::TargetAccess;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};

use super::error::UiError;
use crate::api::{AppState, Hub};
use crate::crypto::{CryptoError, random_bytes, token_digest};
use crate::store::{StoreError, TokenOwner};

/// The session cookie.
pub(crate) const SESSION_COOKIE: &str = "ferry_session";
/// The pre-login CSRF cookie.
pub(crate) const LOGIN_CSRF_COOKIE: &str = "ferry_login_csrf";
/// A session unused this long has ended.
pub(crate) const IDLE_LIMIT: Duration = Duration::hours(12);
/// A session this old has ended however much it is used.
pub(crate) const ABSOLUTE_LIMIT: Duration = Duration::days(7);
/// Use is recorded at most this often, so polling pages do not write on every request.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// Whether a session has ended at `now`.
pub(crate) fn expired(created_at: OffsetDateTime, last_seen_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    now - last_seen_at > IDLE_LIMIT || now - created_at > ABSOLUTE_LIMIT
}

/// A new random token: 32 bytes as hex.
pub(crate) fn new_token() -> Result<String, CryptoError> {
    Ok(hex::encode(random_bytes::<32>()?))
}

/// Compares two tokens in constant time.
pub(crate) fn tokens_match(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// The value of cookie `name` in the request, if sent.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Whether cookies must be `Secure`: the hub's public URL is https, or the request came
/// through a proxy that terminated https.
pub(crate) fn secure(public_url: &str, headers: &HeaderMap) -> bool {
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').next().is_some_and(|p| p.trim().eq_ignore_ascii_case("https")))
        || headers
            .get(header::FORWARDED)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split([';', ',']).any(|part| part.trim().eq_ignore_ascii_case("proto=https")));
    public_url.starts_with("https://") || forwarded_https
}

/// A `Set-Cookie` value; `max_age` 0 deletes the cookie.
pub(crate) fn set_cookie(name: &str, value: &str, max_age: Duration, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
        max_age.whole_seconds().max(0)
    );
    // Names and values are ours (hex), so the header is always valid.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// A logged-in person.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// Digest of the session token (the store's key).
    pub digest: String,
    /// Organization and user.
    pub owner: TokenOwner,
    /// The user's email.
    pub email: String,
    /// Token every form must echo.
    pub csrf: String,
    /// Sealed one-time message, if any.
    flash: Option<Vec<u8>>,
}

impl Session {
    /// The organization the person acts in.
    pub(crate) fn org(&self) -> uuid::Uuid {
        self.owner.organization_id
    }

    /// Starts a session for `owner`; returns it and the cookie to set.
    pub(crate) async fn start(
        hub: &Hub,
        owner: TokenOwner,
        email: &str,
        headers: &HeaderMap,
    ) -> Result<(Session, HeaderValue), UiError> {
        let now = hub.clock.now();
        // Housekeeping rides on logins: rare enough, and it keeps the table small.
        if let Err(e) = hub.store.delete_expired_sessions(now - IDLE_LIMIT, now - ABSOLUTE_LIMIT).await {
            tracing::warn!(error = %e, "could not remove expired UI sessions");
        }
        let token = new_token()?;
        let session =
            Session { digest: token_digest(&token), owner, email: email.to_string(), csrf: new_token()?, flash: None };
        hub.store.create_session(&session.digest, owner, &session.csrf, now).await?;
        Ok((session, set_cookie(SESSION_COOKIE, &token, ABSOLUTE_LIMIT, secure(&hub.settings.public_url, headers))))
    }

    /// Looks up the request's session; `None` when there is none or it has ended.
    pub(crate) async fn find(hub: &Hub, headers: &HeaderMap) -> Result<Option<Session>, StoreError> {
        let Some(token) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
        let digest = token_digest(token);
        let Some(record) = hub.store.session(&digest).await? else { return Ok(None) };
        let now = hub.clock.now();
        if expired(record.created_at, record.last_seen_at, now) {
            hub.store.delete_session(&digest).await?;
            return Ok(None);
        }
        if now - record.last_seen_at >= TOUCH_EVERY {
            hub.store.touch_session(&digest, now).await?;
        }
        Ok(Some(Session {
            digest,
            owner: record.owner,
            email: record.email,
            csrf: record.csrf_token,
            flash: record.flash,
        }))
    }

    /// Leaves a one-time message for the next page at `flash.path`. The message may hold a
    /// target secret, so it is sealed with the hub key, bound to this session.
    pub(crate) async fn set_flash(&self, hub: &Hub, flash: &Flash) -> Result<(), UiError> {
        let json = serde_json::to_vec(flash)
            .map_err(|e| UiError::page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", e.to_string()))?;
        let sealed = hub.sealer.seal(&self.flash_context(), &json)?;
        hub.store.set_session_flash(&self.digest, Some(&sealed)).await?;
        Ok(())
    }

    /// Leaves `flash` for its page and sends the browser there: how every form ends.
    pub(crate) async fn redirect_with(&self, hub: &Hub, flash: Flash) -> Result<Response, UiError> {
        self.set_flash(hub, &flash).await?;
        Ok(Redirect::to(&flash.path).into_response())
    }

    /// Takes the one-time message meant for `path`, if there is one: it is shown once.
    pub(crate) async fn take_flash(&self, hub: &Hub, path: &str) -> Result<Option<Flash>, UiError> {
        let Some(sealed) = &self.flash else { return Ok(None) };
        let flash = hub
            .sealer
            .open(&self.flash_context(), sealed)
            .ok()
            .and_then(|plain| serde_json::from_slice::<Flash>(&plain).ok());
        match flash {
            Some(f) if f.path != path => Ok(None),
            other => {
                hub.store.set_session_flash(&self.digest, None).await?;
                Ok(other)
            }
        }
    }

    fn flash_context(&self) -> String {
        format!("ferry/ui-flash/{}", self.digest)
    }
}

/// A one-time message for the next page.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Flash {
    /// The page it is for.
    pub path: String,
    /// A confirmation to show.
    pub notice: Option<String>,
    /// Something that failed, to show as an error.
    pub error: Option<String>,
    /// A connect command to show once.
    pub access: Option<TargetAccess>,
}

impl Flash {
    /// A notice for the page at `path`.
    pub(crate) fn notice(path: impl Into<String>, notice: impl Into<String>) -> Self {
        Flash { path: path.into(), notice: Some(notice.into()), ..Flash::default() }
    }

    /// An error for the page at `path`.
    pub(crate) fn error(path: impl Into<String>, error: impl Into<String>) -> Self {
        Flash { path: path.into(), error: Some(error.into()), ..Flash::default() }
    }

    /// How a delete form ends: `done` when it worked; when the store refuses because
    /// something still depends on `name`, an error back on its own `page`.
    pub(crate) fn after_delete(
        outcome: Result<(), StoreError>,
        name: &str,
        done: Flash,
        page: String,
    ) -> Result<Self, UiError> {
        match outcome {
            Ok(()) => Ok(done),
            Err(StoreError::Conflict(message)) => Ok(Flash::error(page, format!("{name} was not deleted: {message}"))),
            Err(e) => Err(e.into()),
        }
    }
}

/// Why a request has no session.
pub(crate) enum NoSession {
    /// A page: go to the login page and come back.
    Login(String),
    /// A live-update endpoint: the script says the session ended.
    Live,
    /// The store failed.
    Failed(UiError),
}

impl IntoResponse for NoSession {
    fn into_response(self) -> Response {
        match self {
            NoSession::Login(to) => UiError::Redirect(to).into_response(),
            NoSession::Live => (
                StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({"error": "your session has ended; log in again"})),
            )
                .into_response(),
            NoSession::Failed(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = NoSession;

    async fn from_request_parts(parts: &mut Parts, hub: &AppState) -> Result<Self, Self::Rejection> {
        match Session::find(hub, &parts.headers).await {
            Ok(Some(session)) => Ok(session),
            Ok(None) => {
                let uri =
                    parts.extensions.get::<OriginalUri>().map(|u| u.0.clone()).unwrap_or_else(|| parts.uri.clone());
                if uri.path().starts_with("/ui/live/") {
                    return Err(NoSession::Live);
                }
                // After login, come back to the page asked for (forms lose their input).
                let back = if parts.method == Method::GET {
                    uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into())
                } else {
                    "/".to_string()
                };
                let to =
                    if back == "/" { "/login".to_string() } else { format!("/login?next={}", encode_component(&back)) };
                Err(NoSession::Login(to))
            }
            Err(e) => Err(NoSession::Failed(e.into())),
        }
    }
}

/// Where to go after login: only a path on this hub, never another site.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Percent-encodes a query component.
pub(crate) fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sessions_end_when_idle_or_old() {
        let t0 = datetime!(2026-01-01 0:00 UTC);
        assert!(!expired(t0, t0, t0 + Duration::hours(12)));
        assert!(expired(t0, t0, t0 + Duration::hours(12) + Duration::seconds(1)));
        let recently = t0 + Duration::days(7);
        assert!(!expired(t0, recently, t0 + Duration::days(7)));
        assert!(expired(t0, recently, t0 + Duration::days(7) + Duration::seconds(1)));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, "a=1; ferry_session=abc ; b=2".parse().unwrap());
        h.append(header::COOKIE, "c=3".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), Some("3"));
        assert_eq!(cookie(&h, "ferry"), None);
        h.insert(header::COOKIE, "ferry_session=".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), None);
    }

    #[test]
    fn cookies_are_secure_behind_https() {
        let mut h = HeaderMap::new();
        assert!(!secure("http://hub:8080", &h));
        assert!(secure("https://hub.example.com", &h));
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        assert!(secure("http://hub:8080", &h));
        let mut h = HeaderMap::new();
        h.insert(header::FORWARDED, "for=1.2.3.4;proto=https".parse().unwrap());
        assert!(secure("http://hub:8080", &h));
        let flags = set_cookie(SESSION_COOKIE, "t", ABSOLUTE_LIMIT, true);
        let flags = flags.to_str().unwrap();
        for f in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/", "Max-Age=604800"] {
            assert!(flags.contains(f), "{flags}");
        }
        assert!(!set_cookie(SESSION_COOKIE, "t", ABSOLUTE_LIMIT, false).to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("abc", "ab"));
        assert!(!tokens_match("", ""), "an empty expected token never matches");
    }

    #[test]
    fn next_stays_on_this_hub() {
        assert_eq!(safe_next(Some("/targets/1?x=2")), "/targets/1?x=2");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "evil"] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(encode_component("/a b?c=1&d"), "/a%20b%3Fc%3D1%26d");
    }
}
