//! Forms: extractors that check the CSRF token before anything else is read, and the markup
//! of labelled fields that show the REST API's refusal next to the field it names.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::de::DeserializeOwned;

use super::error::{Problem, UiError};
use super::session::{self, LOGIN_CSRF_COOKIE, Session};
use crate::api::AppState;

/// Name of the hidden CSRF field of every form.
pub(crate) const CSRF_FIELD: &str = "_csrf";

/// A form posted by a logged-in person, its CSRF token checked.
pub(crate) struct PostForm<T> {
    /// Who posted it.
    pub session: Session,
    /// The fields.
    pub data: T,
}

/// The fields of a form that has nothing but its CSRF token (buttons such as "Log out").
#[derive(serde::Deserialize)]
pub(crate) struct NoFields {}

/// A form posted before login (login, first run), checked against the pre-login cookie.
pub(crate) struct LoginForm<T> {
    /// The fields.
    pub data: T,
    /// The request headers (for cookie flags).
    pub headers: HeaderMap,
}

fn forged() -> Response {
    UiError::page(
        StatusCode::FORBIDDEN,
        "This form has expired",
        "The form was not sent from a page of this hub in your current session (it may have been open \
         from before you logged in again, or it came from another site). Go back, reload the page and \
         send it again.",
    )
    .into_response()
}

async fn read_body(req: Request, hub: &AppState) -> Result<Bytes, UiError> {
    Bytes::from_request(req, hub).await.map_err(|r| {
        let message = if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "What you sent is larger than this hub accepts. Shorten it, or raise the hub's body limit.".to_string()
        } else {
            format!("The form could not be read: {}", r.body_text())
        };
        UiError::page(r.status(), "The form could not be sent", message)
    })
}

fn csrf_of(body: &[u8]) -> String {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v))
        .unwrap_or_default()
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, UiError> {
    serde_urlencoded::from_bytes(body).map_err(|e| {
        UiError::page(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            format!("{e}. Reload the page and try again."),
        )
    })
}

impl<T: DeserializeOwned> FromRequest<AppState> for PostForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, hub: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let session = Session::from_request_parts(&mut parts, hub).await.map_err(IntoResponse::into_response)?;
        let body = read_body(Request::from_parts(parts, body), hub).await.map_err(IntoResponse::into_response)?;
        if !session::tokens_match(&session.csrf, &csrf_of(&body)) {
            return Err(forged());
        }
        Ok(PostForm { session, data: parse(&body).map_err(IntoResponse::into_response)? })
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for LoginForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, hub: &AppState) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let expected = session::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default().to_string();
        let body = read_body(req, hub).await.map_err(IntoResponse::into_response)?;
        if !session::tokens_match(&expected, &csrf_of(&body)) {
            return Err(forged());
        }
        Ok(LoginForm { data: parse(&body).map_err(IntoResponse::into_response)?, headers })
    }
}

/// The pre-login CSRF token of this browser, and the cookie to set when it has none yet.
pub(crate) fn login_csrf(headers: &HeaderMap, public_url: &str) -> Result<(String, Option<HeaderValue>), UiError> {
    if let Some(existing) = session::cookie(headers, LOGIN_CSRF_COOKIE)
        && existing.len() == 64
        && existing.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Ok((existing.to_string(), None));
    }
    let token = session::new_token()?;
    let cookie =
        session::set_cookie(LOGIN_CSRF_COOKIE, &token, time::Duration::hours(12), session::secure(public_url, headers));
    Ok((token, Some(cookie)))
}

/// Text from a textarea: browsers send CRLF line ends, which would end up in env values.
pub(crate) fn textarea(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// The hidden CSRF field.
pub(crate) fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(token); }
}

/// A problem not tied to any of `fields`, shown above the form.
pub(crate) fn form_error(problem: Option<&Problem>, fields: &[&str]) -> Markup {
    match problem {
        Some(p) if p.field.as_deref().is_none_or(|f| !fields.contains(&f)) => html! {
            div.alert.alert-error role="alert" {
                strong { "That did not work. " }
                (p.message)
            }
        },
        _ => html! {},
    }
}

/// What kind of input a field is.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// One line of text.
    Text,
    /// Email address.
    Email,
    /// Password or other secret (never echoed back).
    Password,
    /// Several lines (YAML, env files); monospace.
    Code(u32),
}

/// A labelled input with its hint and its error.
pub(crate) struct Field<'a> {
    form: &'a str,
    name: &'a str,
    label: &'a str,
    kind: Kind,
    value: &'a str,
    hint: Option<Markup>,
    required: bool,
    autocomplete: Option<&'a str>,
    placeholder: Option<&'a str>,
}

impl<'a> Field<'a> {
    /// A field `name` of form `form` (ids are `form-name`).
    pub(crate) fn new(form: &'a str, name: &'a str, label: &'a str) -> Self {
        Field {
            form,
            name,
            label,
            kind: Kind::Text,
            value: "",
            hint: None,
            required: false,
            autocomplete: None,
            placeholder: None,
        }
    }

    /// Sets the kind.
    pub(crate) fn kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }

    /// Sets the current value.
    pub(crate) fn value(mut self, value: &'a str) -> Self {
        self.value = value;
        self
    }

    /// Adds a hint below the label.
    pub(crate) fn hint(mut self, hint: Markup) -> Self {
        self.hint = Some(hint);
        self
    }

    /// Marks the field required.
    pub(crate) fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Sets the autocomplete attribute.
    pub(crate) fn autocomplete(mut self, value: &'a str) -> Self {
        self.autocomplete = Some(value);
        self
    }

    /// Sets a placeholder.
    pub(crate) fn placeholder(mut self, value: &'a str) -> Self {
        self.placeholder = Some(value);
        self
    }

    /// The input's id.
    pub(crate) fn id(&self) -> String {
        format!("{}-{}", self.form, self.name)
    }

    /// Renders the field with `problem`'s message when it is about this field.
    pub(crate) fn render(&self, problem: Option<&Problem>) -> Markup {
        let id = self.id();
        let error = problem.and_then(|p| p.about(self.name));
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let described = [self.hint.as_ref().map(|_| hint_id.clone()), error.map(|_| error_id.clone())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let described = (!described.is_empty()).then_some(described);
        let invalid = error.map(|_| "true");
        html! {
            div.field.invalid[error.is_some()] {
                label for=(id) {
                    (self.label)
                    @if !self.required { span.optional { " (optional)" } }
                }
                @if let Some(hint) = &self.hint {
                    div.hint id=(hint_id) { (hint) }
                }
                @match self.kind {
                    Kind::Code(rows) => {
                        textarea.code id=(id) name=(self.name) rows=(rows) required[self.required]
                            spellcheck="false" autocomplete="off" autocapitalize="off"
                            placeholder=[self.placeholder]
                            aria-invalid=[invalid] aria-describedby=[described.as_deref()] { (self.value) }
                    }
                    kind => {
                        @let (input_type, value) = match kind {
                            Kind::Email => ("email", self.value),
                            Kind::Password => ("password", ""),
                            _ => ("text", self.value),
                        };
                        input id=(id) name=(self.name) type=(input_type) value=(value) required[self.required]
                            autocomplete=[self.autocomplete] placeholder=[self.placeholder]
                            spellcheck="false" autocapitalize="off"
                            aria-invalid=[invalid] aria-describedby=[described.as_deref()];
                    }
                }
                @if let Some(message) = error {
                    p.field-error id=(error_id) { (message) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_sit_next_to_their_field() {
        let problem = Problem::field("composeFile", "composeFile has no `services` key");
        let html = Field::new("v", "composeFile", "Compose file")
            .kind(Kind::Code(8))
            .required()
            .render(Some(&problem))
            .into_string();
        assert!(html.contains(r#"aria-invalid="true""#), "{html}");
        assert!(html.contains(r#"aria-describedby="v-composeFile-error""#), "{html}");
        assert!(html.contains("has no `services` key"));
        let other = Field::new("v", "name", "Name").render(Some(&problem)).into_string();
        assert!(!other.contains("aria-invalid"), "{other}");
        assert!(form_error(Some(&problem), &["name", "composeFile"]).into_string().is_empty());
        assert!(form_error(Some(&problem), &["name"]).into_string().contains("no `services`"));
    }

    #[test]
    fn passwords_are_never_echoed() {
        let html = Field::new("s", "value", "Value").kind(Kind::Password).value("hunter2").render(None).into_string();
        assert!(!html.contains("hunter2"), "{html}");
    }

    #[test]
    fn csrf_is_read_from_the_body() {
        assert_eq!(csrf_of(b"name=a&_csrf=abc%20d&x=1"), "abc d");
        assert_eq!(csrf_of(b"name=a"), "");
    }
}
