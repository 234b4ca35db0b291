//! Secrets: add, rotate, delete. Values go in and are never shown again.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::error::{Problem, UiError};
use super::form::{self, Field, Kind, PostForm};
use super::layout::{self, Nav};
use super::session::{Flash, Session, encode_component};
use crate::api::vendor;
use crate::api::{AppState, Hub};

#[derive(Deserialize, Default)]
pub(crate) struct SecretFields {
    #[serde(default)]
    key: String,
    #[serde(default)]
    value: String,
}

/// `GET /secrets`.
pub(crate) async fn page(State(hub): State<AppState>, session: Session) -> Result<Response, UiError> {
    let flash = session.take_flash(&hub, "/secrets").await?;
    render(&hub, &session, flash, "", None).await
}

async fn render(
    hub: &Hub,
    session: &Session,
    flash: Option<Flash>,
    key: &str,
    problem: Option<&Problem>,
) -> Result<Response, UiError> {
    let now = hub.clock.now();
    let secrets = hub.store.secrets(session.org()).await?;
    let content = html! {
        h1 { "Secrets" }
        p.lead {
            "Passwords, tokens and keys your deployments need. Write " (layout::code("{{ .Secrets.KEY }}"))
            " in env files, values or registry credentials; the hub fills it in when it sends the deployment to the agent. "
            "Values are stored encrypted and never shown again."
        }
        section.card aria-labelledby="new-secret-title" {
            h2 id="new-secret-title" { "Add a secret" }
            (form::form_error(problem, &["key", "value"]))
            form.stack method="post" action="/secrets" novalidate autocomplete="off" {
                (form::csrf(&session.csrf))
                (Field::new("secret", "key", "Key").value(key).required().placeholder("DB_PASSWORD")
                    .hint(html! { "Letters, digits and " code { "_" } ", starting with a letter or " code { "_" } "." })
                    .render(problem))
                (Field::new("secret", "value", "Value").kind(Kind::Password).required().autocomplete("new-password").render(problem))
                div.form-actions { button.button.button-primary type="submit" { "Save secret" } }
            }
        }
        section.card aria-labelledby="secrets-title" {
            h2 id="secrets-title" { "Stored secrets" }
            @if secrets.is_empty() {
                p.muted { "No secrets yet." }
            } @else {
                ul.secret-list {
                    @for s in &secrets {
                        @let slug = encode_component(&s.key);
                        li.secret-row {
                            div.secret-name {
                                code { (s.key) }
                                span.muted { " updated " (layout::time_ago(s.updated_at, now)) }
                            }
                            form.inline-form method="post" action=(format!("/secrets/{slug}/rotate")) autocomplete="off" {
                                (form::csrf(&session.csrf))
                                label.visually-hidden for=(format!("rotate-{}", s.key)) { "New value for " (s.key) }
                                input id=(format!("rotate-{}", s.key)) type="password" name="value" required autocomplete="new-password" placeholder="New value";
                                button.button type="submit" { "Rotate" span.visually-hidden { " " (s.key) } }
                            }
                            (layout::confirm_action(
                                "Delete…",
                                html! { "Delete " code { (s.key) } "? Deployments that use it must be redeployed without it first." },
                                &format!("/secrets/{slug}/delete"),
                                &session.csrf,
                                &format!("Delete {}", s.key),
                            ))
                        }
                    }
                }
            }
        }
    };
    let status = problem.map(|p| p.status).unwrap_or(StatusCode::OK);
    Ok((status, layout::page("Secrets", session, Nav::Secrets, flash.as_ref(), content)).into_response())
}

/// `POST /secrets`.
pub(crate) async fn add(
    State(hub): State<AppState>,
    PostForm { session, data }: PostForm<SecretFields>,
) -> Result<Response, UiError> {
    let key = data.key.trim();
    if data.value.is_empty() {
        return render(&hub, &session, None, key, Some(&Problem::field("value", "Enter the secret's value."))).await;
    }
    if hub.store.secrets(session.org()).await?.iter().any(|s| s.key == key) {
        let problem = Problem::field("key", format!("{key} already exists. Use Rotate below to change its value."));
        return render(&hub, &session, None, key, Some(&problem)).await;
    }
    match vendor::store_secret(&hub, session.org(), key, &data.value).await {
        Ok(info) => {
            session
                .redirect_with(
                    &hub,
                    Flash::notice("/secrets", format!("Secret {} saved. Its value will not be shown again.", info.key)),
                )
                .await
        }
        Err(e) => {
            let problem = Problem::for_form(e, "The secret could not be saved").await?;
            render(&hub, &session, None, key, Some(&problem)).await
        }
    }
}

/// `POST /secrets/{key}/rotate`.
pub(crate) async fn rotate(
    State(hub): State<AppState>,
    Path(key): Path<String>,
    PostForm { session, data }: PostForm<SecretFields>,
) -> Result<Response, UiError> {
    let flash = if data.value.is_empty() {
        Flash::error("/secrets", format!("Enter a new value to rotate {key}."))
    } else if !hub.store.secrets(session.org()).await?.iter().any(|s| s.key == key) {
        return Err(UiError::not_found("secret"));
    } else {
        match vendor::store_secret(&hub, session.org(), &key, &data.value).await {
            Ok(_) => Flash::notice(
                "/secrets",
                format!("Secret {key} rotated. Deployments that use it get the new value on their agent's next poll."),
            ),
            Err(e) => Flash::error("/secrets", Problem::from_api(e).await.message),
        }
    };
    session.redirect_with(&hub, flash).await
}

/// `POST /secrets/{key}/delete`.
pub(crate) async fn delete(
    State(hub): State<AppState>,
    Path(key): Path<String>,
    PostForm { session, .. }: PostForm<form::NoFields>,
) -> Result<Response, UiError> {
    let flash = match vendor::remove_secret(&hub, session.org(), &key).await {
        Ok(()) => Flash::notice("/secrets", format!("Secret {key} deleted.")),
        Err(e) => {
            let problem = Problem::from_api(e).await;
            if problem.status == StatusCode::NOT_FOUND {
                return Err(UiError::not_found("secret"));
            }
            Flash::error("/secrets", format!("{key} was not deleted: {}", problem.message))
        }
    };
    session.redirect_with(&hub, flash).await
}
