//! Login, logout and the first-run page.
//!
//! The first start creates the admin without a password and prints an API token on the
//! console. The first-run page sets the password only for whoever presents that token (any
//! API token of a user without a password), so reaching the hub first is not enough to claim
//! it.

use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::UiState;
use super::error::{Problem, UiError};
use super::form::{self, Field, Kind, LoginForm, PostForm};
use super::layout;
use super::session::{self, Flash, SESSION_COOKIE, Session};
use crate::api::{AppState, Hub};
use crate::crypto::token_digest;

/// Shortest password accepted.
pub(crate) const MIN_PASSWORD: usize = 10;
/// Longest password accepted (Argon2 input stays small).
const MAX_PASSWORD: usize = 1024;

#[derive(Deserialize, Default)]
pub(crate) struct LoginQuery {
    next: Option<String>,
    #[serde(default)]
    logged_out: Option<String>,
}

/// `GET /login`.
pub(crate) async fn login_page(
    State(hub): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Result<Response, UiError> {
    if Session::find(&hub, &headers).await?.is_some() {
        return Ok(Redirect::to(&session::safe_next(query.next.as_deref())).into_response());
    }
    if !hub.store.any_password().await? {
        return Ok(Redirect::to("/setup").into_response());
    }
    let notice = query.logged_out.is_some().then_some("You have logged out.");
    login_form(&hub, &headers, "", query.next.as_deref().unwrap_or("/"), notice, None, StatusCode::OK)
}

fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn login_form(
    hub: &Hub,
    headers: &HeaderMap,
    email: &str,
    next: &str,
    notice: Option<&str>,
    problem: Option<&Problem>,
    status: StatusCode,
) -> Result<Response, UiError> {
    let (csrf, cookie) = form::login_csrf(headers, &hub.settings.public_url)?;
    let body = html! {
        section.card.auth-card {
            h1 { "Log in" }
            @if let Some(notice) = notice {
                div.alert.alert-success role="status" { (notice) }
            }
            (form::form_error(problem, &["email", "password"]))
            form method="post" action="/login" novalidate {
                (form::csrf(&csrf))
                input type="hidden" name="next" value=(session::safe_next(Some(next)));
                (Field::new("login", "email", "Email").kind(Kind::Email).value(email).required().autocomplete("username").render(problem))
                (Field::new("login", "password", "Password").kind(Kind::Password).required().autocomplete("current-password").render(problem))
                button.button.button-primary.button-wide type="submit" { "Log in" }
            }
            p.muted {
                "Setting up this hub? "
                a href="/setup" { "Set the admin password" }
                " with the API token the hub printed when it first started."
            }
        }
    };
    Ok(with_cookie((status, layout::bare("Log in", body)).into_response(), cookie))
}

#[derive(Deserialize)]
pub(crate) struct LoginFields {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`.
pub(crate) async fn login(
    State(hub): State<AppState>,
    Extension(ui): Extension<Arc<UiState>>,
    LoginForm { data, headers }: LoginForm<LoginFields>,
) -> Result<Response, UiError> {
    let email = data.email.trim();
    let refuse = |problem: Problem| login_form(&hub, &headers, email, &data.next, None, Some(&problem), problem.status);
    if email.is_empty() {
        return refuse(Problem::field("email", "Enter the email address of your account."));
    }
    if let Err(wait) = ui.login.check(&email.to_lowercase(), Instant::now()) {
        let problem = Problem {
            status: StatusCode::TOO_MANY_REQUESTS,
            field: None,
            message: format!(
                "Too many login attempts for this email. Wait {} seconds, then try again.",
                wait.as_secs().max(1)
            ),
        };
        return refuse(problem);
    }
    let user = hub.store.user_by_email(email).await?;
    let verified = match &user {
        Some((_, Some(hash))) => hub.hasher.verify(data.password.clone(), hash.clone()).await,
        _ => {
            // Spend the same time as a real check, so timing does not tell which emails exist.
            let decoy =
                ui.decoy_hash.get_or_try_init(|| hub.hasher.hash(session::new_token().unwrap_or_default())).await?;
            let _ = hub.hasher.verify(data.password.clone(), decoy.clone()).await;
            false
        }
    };
    let owner = match (verified, user) {
        (true, Some((owner, _))) => owner,
        _ => {
            let mut problem = Problem::field("password", "Wrong email or password.");
            problem.status = StatusCode::UNAUTHORIZED;
            return refuse(problem);
        }
    };
    let (_, cookie) = Session::start(&hub, owner, email, &headers).await?;
    let mut response = Redirect::to(&session::safe_next(Some(&data.next))).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// `POST /logout`.
pub(crate) async fn logout(
    State(hub): State<AppState>,
    headers: HeaderMap,
    PostForm { session, .. }: PostForm<form::NoFields>,
) -> Result<Response, UiError> {
    hub.store.delete_session(&session.digest).await?;
    let mut response = Redirect::to("/login?logged_out=1").into_response();
    let clear = session::set_cookie(
        SESSION_COOKIE,
        "",
        time::Duration::ZERO,
        session::secure(&hub.settings.public_url, &headers),
    );
    response.headers_mut().append(header::SET_COOKIE, clear);
    Ok(response)
}

/// `GET /setup`.
pub(crate) async fn setup_page(State(hub): State<AppState>, headers: HeaderMap) -> Result<Response, UiError> {
    setup_form(&hub, &headers, None, StatusCode::OK)
}

fn setup_form(
    hub: &Hub,
    headers: &HeaderMap,
    problem: Option<&Problem>,
    status: StatusCode,
) -> Result<Response, UiError> {
    let (csrf, cookie) = form::login_csrf(headers, &hub.settings.public_url)?;
    let body: Markup = html! {
        section.card.auth-card {
            h1 { "Set the admin password" }
            p {
                "When the hub started for the first time it printed an API token on its console (it starts with "
                code { "ferry_" } "). Paste it here to show that you run this hub, then choose the password you will log in with."
            }
            (form::form_error(problem, &["token", "password", "confirm"]))
            form method="post" action="/setup" novalidate {
                (form::csrf(&csrf))
                (Field::new("setup", "token", "API token from the console").kind(Kind::Password).required().autocomplete("off")
                    .hint(html! { "Lost it? Restarting the hub does not print it again; create a token with " code { "ferry" } " on a machine that has one." })
                    .render(problem))
                (Field::new("setup", "password", "New password").kind(Kind::Password).required().autocomplete("new-password")
                    .hint(html! { "At least " (MIN_PASSWORD) " characters. A few unrelated words make a good one." })
                    .render(problem))
                (Field::new("setup", "confirm", "Repeat the password").kind(Kind::Password).required().autocomplete("new-password").render(problem))
                button.button.button-primary.button-wide type="submit" { "Set password and log in" }
            }
            p.muted { "Already set? " a href="/login" { "Log in" } "." }
        }
    };
    Ok(with_cookie((status, layout::bare("Set the admin password", body)).into_response(), cookie))
}

#[derive(Deserialize)]
pub(crate) struct SetupFields {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// Checks a new password against the rules; the problem names the field.
pub(crate) fn password_problem(password: &str, confirm: &str) -> Option<Problem> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD {
        return Some(Problem::field(
            "password",
            format!("Use at least {MIN_PASSWORD} characters (this one has {chars})."),
        ));
    }
    if password.len() > MAX_PASSWORD {
        return Some(Problem::field("password", format!("Use at most {MAX_PASSWORD} bytes.")));
    }
    if password != confirm {
        return Some(Problem::field("confirm", "The two passwords differ. Type the same password twice."));
    }
    None
}

/// `POST /setup`.
pub(crate) async fn setup(
    State(hub): State<AppState>,
    LoginForm { data, headers }: LoginForm<SetupFields>,
) -> Result<Response, UiError> {
    let refuse = |problem: Problem| setup_form(&hub, &headers, Some(&problem), problem.status);
    let token = data.token.trim();
    // The token is checked first and alone: without it nothing else is looked at or hashed.
    // There is no rate limit: tokens carry 192 random bits, and a wrong one costs one lookup.
    let owner = match token.is_empty() {
        true => None,
        false => hub.store.token_owner(&token_digest(token)).await?,
    };
    let Some(owner) = owner else {
        let mut problem = Problem::field(
            "token",
            "That is not an API token of this hub. Copy the token the hub printed on its first start (ferry_…).",
        );
        problem.status = StatusCode::UNAUTHORIZED;
        return refuse(problem);
    };
    let (_, email) = hub.store.identity(owner).await?;
    if let Some((_, Some(_))) = hub.store.user_by_email(&email).await? {
        let mut problem = Problem::field("token", format!("{email} already has a password. Log in instead."));
        problem.status = StatusCode::CONFLICT;
        return refuse(problem);
    }
    if let Some(problem) = password_problem(&data.password, &data.confirm) {
        return refuse(problem);
    }
    let hash = hub.hasher.hash(data.password).await?;
    hub.store.set_password(owner.user_id, &hash).await?;
    tracing::info!(%email, "web UI password set with an API token");
    let (session, cookie) = Session::start(&hub, owner, &email, &headers).await?;
    session.set_flash(&hub, &Flash::notice("/", format!("Password set. You are logged in as {email}."))).await?;
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_ten_characters_and_a_match() {
        assert_eq!(password_problem("short", "short").unwrap().field.as_deref(), Some("password"));
        assert_eq!(password_problem("long enough pw", "long enough pW").unwrap().field.as_deref(), Some("confirm"));
        assert!(password_problem("ten chars!", "ten chars!").is_none());
        assert!(password_problem("ünïcödé✓✓✓", "ünïcödé✓✓✓").is_none(), "characters, not bytes");
    }
}
