//! What the UI answers when something fails: a page that says what happened and what to do,
//! or the REST API's `{error, field}` turned into something a form can show next to a field.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::layout;
use crate::api::ApiError;
use crate::crypto::CryptoError;
use crate::store::StoreError;

/// A failed UI request.
#[derive(Debug)]
pub(crate) enum UiError {
    /// Shown as an error page.
    Page {
        /// HTTP status.
        status: StatusCode,
        /// Heading.
        title: String,
        /// What happened and what to do.
        message: String,
    },
    /// Sent elsewhere (to the login page, usually).
    Redirect(String),
}

impl UiError {
    /// 404 for something of the caller's organization that does not exist.
    pub(crate) fn not_found(what: &str) -> Self {
        UiError::Page {
            status: StatusCode::NOT_FOUND,
            title: format!("{} not found", capitalize(what)),
            message: format!("There is no such {what} here. It may have been deleted, or the address may be mistyped."),
        }
    }

    /// A page with a status and message.
    pub(crate) fn page(status: StatusCode, title: &str, message: impl Into<String>) -> Self {
        UiError::Page { status, title: title.to_string(), message: message.into() }
    }

    /// A REST API error as a page (for actions that have no form to show it in).
    pub(crate) async fn from_api(e: ApiError) -> Self {
        let p = Problem::from_api(e).await;
        let title = match p.status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::CONFLICT => "Not possible right now",
            s if s.is_client_error() => "That did not work",
            _ => "Something went wrong",
        };
        UiError::Page { status: p.status, title: title.to_string(), message: p.message }
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl From<StoreError> for UiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => UiError::not_found(what),
            StoreError::Conflict(message) => UiError::page(StatusCode::CONFLICT, "Not possible right now", message),
            other => {
                tracing::error!(error = %other, "store failure in the web UI");
                UiError::page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The hub could not reach its database. Try again in a moment; the hub's log says more.",
                )
            }
        }
    }
}

impl From<CryptoError> for UiError {
    fn from(e: CryptoError) -> Self {
        tracing::error!(error = %e, "crypto failure in the web UI");
        UiError::page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", e.to_string())
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        match self {
            UiError::Redirect(to) => Redirect::to(&to).into_response(),
            UiError::Page { status, title, message } => {
                let body = html! {
                    section.card.error-page {
                        h1 { (title) }
                        p { (message) }
                        p.actions {
                            a.button href="/" { "Go to the overview" }
                        }
                    }
                };
                (status, layout::bare(&title, body)).into_response()
            }
        }
    }
}

/// A refusal from the REST API logic, as a form shows it: the message, and the field it
/// belongs next to when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// HTTP status the API would answer.
    pub status: StatusCode,
    /// The API's field name (the form's inputs carry the same names).
    pub field: Option<String>,
    /// What is wrong and what would be right.
    pub message: String,
}

impl Problem {
    /// A problem with one field.
    pub(crate) fn field(field: &str, message: impl Into<String>) -> Self {
        Problem { status: StatusCode::BAD_REQUEST, field: Some(field.to_string()), message: message.into() }
    }

    /// Reads the API's own `{error, field}` answer, so the UI shows exactly what the REST
    /// API would say.
    pub(crate) async fn from_api(e: ApiError) -> Self {
        let response = e.into_response();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024).await.unwrap_or_default();
        match serde_json::from_slice::<ferry_proto::api::ApiError>(&bytes) {
            Ok(body) => Problem { status, field: body.field, message: body.error },
            Err(_) => Problem { status, field: None, message: String::from_utf8_lossy(&bytes).into_owned() },
        }
    }

    /// The message for `field`, if this problem is about it.
    pub(crate) fn about(&self, field: &str) -> Option<&str> {
        (self.field.as_deref() == Some(field)).then_some(self.message.as_str())
    }

    /// The API's refusal for a form to show; a server failure, which no change to the form
    /// fixes, becomes an error page titled `title` instead.
    pub(crate) async fn for_form(e: ApiError, title: &str) -> Result<Self, UiError> {
        let p = Problem::from_api(e).await;
        if p.status.is_client_error() { Ok(p) } else { Err(UiError::page(p.status, title, p.message)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn api_errors_keep_their_field_and_message() {
        let p = Problem::from_api(ApiError::field("composeFile", "composeFile has no `services` key")).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST);
        assert_eq!(p.about("composeFile"), Some("composeFile has no `services` key"));
        assert_eq!(p.about("name"), None);
        let p = Problem::from_api(ApiError::new(StatusCode::CONFLICT, "already exists")).await;
        assert_eq!((p.status, p.field, p.message.as_str()), (StatusCode::CONFLICT, None, "already exists"));
        assert!(p.status.is_client_error());
    }
}
