//! What can go wrong talking to a hub.

use std::fmt;

use ferry_proto::api::ApiError;
use reqwest::{Method, StatusCode};

/// A failed call to the hub's vendor API.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The hub URL given to [`crate::Client::new`] cannot be used.
    #[error("invalid hub URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The API token cannot be sent in an HTTP header.
    #[error("invalid API token: {0}")]
    InvalidToken(&'static str),
    /// The HTTP client could not be built (TLS setup).
    #[error("cannot set up the HTTP client: {0}")]
    Setup(#[source] reqwest::Error),
    /// The request did not get an answer: connection refused, DNS, TLS, timeout.
    #[error("{method} {url}: no answer from the hub")]
    Transport {
        /// The request method.
        method: Method,
        /// The URL that could not be reached.
        url: String,
        /// The cause (walk [`std::error::Error::source`] for the details).
        #[source]
        source: reqwest::Error,
    },
    /// The hub answered with its JSON error body.
    #[error("{method} {url}: the hub answered {status}: {body}", body = DisplayApiError(body))]
    Api {
        /// The request method.
        method: Method,
        /// The request URL.
        url: String,
        /// HTTP status (400, 401, 404, 409, 413, ...).
        status: StatusCode,
        /// The hub's `{"error", "field"}` body.
        body: ApiError,
    },
    /// The server answered an error status without the hub's JSON body (a proxy in the way,
    /// or not a Ferry hub at all).
    #[error("{method} {url}: the server answered {status}: {excerpt}")]
    UnexpectedStatus {
        /// The request method.
        method: Method,
        /// The request URL.
        url: String,
        /// HTTP status.
        status: StatusCode,
        /// The start of the body, for the person reading the error.
        excerpt: String,
    },
    /// A success response whose body is not the expected JSON.
    #[error("{method} {url}: unexpected response body: {source}")]
    Decode {
        /// The request method.
        method: Method,
        /// The request URL.
        url: String,
        /// Why it did not parse.
        #[source]
        source: serde_json::Error,
    },
}

/// `message (field: x)`, the way people read a hub error.
struct DisplayApiError<'a>(&'a ApiError);

impl fmt::Display for DisplayApiError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.error)?;
        if let Some(field) = &self.0.field {
            write!(f, " (field: {field})")?;
        }
        Ok(())
    }
}

impl ClientError {
    /// The HTTP status the hub answered with, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ClientError::Api { status, .. } | ClientError::UnexpectedStatus { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The hub's error body, if it sent one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            ClientError::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Whether the token was refused (401): log in again.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// Whether the object (or route) does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }
}

/// At most `max` characters of a body, on one line, for an error message.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() {
        return "(empty body)".to_string();
    }
    let mut out: String = flat.chars().take(max).collect();
    if flat.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_show_message_and_field() {
        let e = ClientError::Api {
            method: Method::POST,
            url: "http://hub/api/v1/applications".into(),
            status: StatusCode::BAD_REQUEST,
            body: ApiError { error: "name is required".into(), field: Some("name".into()) },
        };
        assert_eq!(
            e.to_string(),
            "POST http://hub/api/v1/applications: the hub answered 400 Bad Request: name is required (field: name)"
        );
        assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
        assert!(!e.is_not_found() && !e.is_unauthorized());
        assert_eq!(e.api_error().and_then(|b| b.field.as_deref()), Some("name"));
    }

    #[test]
    fn excerpts_are_one_bounded_line() {
        assert_eq!(
            excerpt(b"<html>\n  <body>Bad   gateway</body>\n</html>", 100),
            "<html> <body>Bad gateway</body> </html>"
        );
        assert_eq!(excerpt(b"abcdef", 3), "abc…");
        assert_eq!(excerpt(b"  \n", 3), "(empty body)");
        assert_eq!(excerpt(&[0xff, b'a'], 10), "\u{fffd}a");
    }
}
