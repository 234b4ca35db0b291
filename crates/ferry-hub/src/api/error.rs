//! Error responses and body extractors. Vendor routes answer `{"error", "field"}` JSON;
//! agent routes answer plain text (PROTOCOL.md conventions). Both name what was wrong.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::crypto::CryptoError;
use crate::store::StoreError;
use crate::template::MissingSecret;
use crate::validate::Invalid;

/// A vendor API failure.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ferry_proto::api::ApiError,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error without a field.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, body: ferry_proto::api::ApiError { error: message.into(), field: None }, retry_after: None }
    }

    /// A 400 about one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: ferry_proto::api::ApiError { error: message.into(), field: Some(field.into()) },
            retry_after: None,
        }
    }

    /// 401 with guidance.
    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing or invalid API token: send `Authorization: Bearer <token>` (run `ferry login <hub-url>`)",
        )
    }

    /// 404 for an object of the caller's organization.
    pub fn not_found(what: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, format!("{what} not found"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, message),
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error: the database failed; see the hub's log",
                )
            }
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::field(e.field, e.message)
    }
}

impl From<CryptoError> for ApiError {
    fn from(e: CryptoError) -> Self {
        tracing::error!(error = %e, "crypto failure");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("internal error: {e}"))
    }
}

impl From<MissingSecret> for ApiError {
    fn from(e: MissingSecret) -> Self {
        ApiError::field("secrets", e.to_string())
    }
}

/// An agent API failure: plain text, one line.
#[derive(Debug)]
pub struct AgentError {
    status: StatusCode,
    message: String,
    retry_after: Option<u64>,
}

impl AgentError {
    /// An error with a status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        AgentError { status, message: message.into(), retry_after: None }
    }

    /// 401.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        AgentError::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> Self {
        AgentError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 429 with `Retry-After`.
    pub fn rate_limited(wait: std::time::Duration) -> Self {
        let secs = wait.as_secs().max(1);
        AgentError {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: format!("too many requests; retry in {secs} s"),
            retry_after: Some(secs),
        }
    }
}

impl IntoResponse for AgentError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{}\n", self.message))
                .into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<StoreError> for AgentError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AgentError::new(StatusCode::NOT_FOUND, format!("{what} not found")),
            StoreError::Conflict(message) => AgentError::new(StatusCode::CONFLICT, message),
            other => {
                tracing::error!(error = %other, "store failure");
                AgentError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            }
        }
    }
}

/// Why a JSON body was refused.
pub struct BodyProblem {
    status: StatusCode,
    field: Option<String>,
    message: String,
}

fn bytes_problem(rejection: BytesRejection) -> BodyProblem {
    let status = rejection.status();
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "request body too large for this route".to_string()
    } else {
        format!("could not read the request body: {}", rejection.body_text())
    };
    BodyProblem { status, field: None, message }
}

/// Parses JSON, reporting the path of the offending field when there is one.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyProblem> {
    let problem = |field: Option<String>, inner: serde_json::Error| {
        let kind = if inner.is_syntax() || inner.is_eof() { "malformed JSON" } else { "invalid request" };
        let message = match &field {
            Some(f) => format!("{kind}: {f}: {inner}"),
            None => format!("{kind}: {inner}"),
        };
        BodyProblem { status: StatusCode::BAD_REQUEST, field, message }
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => de.end().map(|()| value).map_err(|e| problem(None, e)),
        Err(e) => {
            let path = e.path().to_string();
            let field = (path != "." && !path.is_empty()).then_some(path);
            Err(problem(field, e.into_inner()))
        }
    }
}

/// A JSON body of a vendor request.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            let p = bytes_problem(r);
            ApiError::new(p.status, p.message)
        })?;
        parse_json(&bytes).map(Body).map_err(|p| ApiError {
            status: p.status,
            body: ferry_proto::api::ApiError { error: p.message, field: p.field },
            retry_after: None,
        })
    }
}

/// A JSON body of an agent request.
pub struct AgentBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AgentBody<T> {
    type Rejection = AgentError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            let p = bytes_problem(r);
            AgentError::new(p.status, p.message)
        })?;
        parse_json(&bytes).map(AgentBody).map_err(|p| AgentError::new(p.status, p.message))
    }
}

/// Query parameters of a vendor request, with JSON errors.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("invalid query parameters: {}", e.body_text())))
    }
}

/// Parses an id from a path segment.
pub fn parse_id(what: &str, text: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(text)
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, format!("{what} {text:?} not found: not a valid id")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Thing {
        name: String,
        inner: Inner,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn json_errors_name_the_field() {
        let Err(p) = parse_json::<Thing>(br#"{"name":"x","inner":{"count":"many"}}"#) else { panic!() };
        assert_eq!(p.field.as_deref(), Some("inner.count"));
        assert!(p.message.contains("invalid request: inner.count: invalid type"), "{}", p.message);
        let Err(p) = parse_json::<Thing>(br#"{"name": "x", "#) else { panic!() };
        assert!(p.message.starts_with("malformed JSON"), "{}", p.message);
        let Err(p) = parse_json::<Thing>(br#"{"name":"x","inner":{"count":1}} trailing"#) else { panic!() };
        assert!(p.message.contains("trailing"), "{}", p.message);
        let Err(p) = parse_json::<Thing>(br#"{"inner":{"count":1}}"#) else { panic!() };
        assert!(p.message.contains("missing field `name`"), "{}", p.message);
    }
}
