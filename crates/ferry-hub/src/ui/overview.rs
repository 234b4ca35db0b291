//! The overview: every target with its presence dot and its deployments with their states.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use ferry_proto::api::{Deployment, Target};
use maud::{Markup, html};
use time::OffsetDateTime;
use uuid::Uuid;

use super::error::UiError;
use super::layout::{self, Nav};
use super::session::Session;
use crate::api::AppState;
use crate::api::vendor::{deployment_view, target_view};

/// `GET /`.
pub(crate) async fn page(State(hub): State<AppState>, session: Session) -> Result<Response, UiError> {
    let flash = session.take_flash(&hub, "/").await?;
    let now = hub.clock.now();
    let targets: Vec<Target> =
        hub.store.targets(session.org()).await?.into_iter().map(|t| target_view(&hub, t)).collect();
    let mut by_target: BTreeMap<Uuid, Vec<Deployment>> = BTreeMap::new();
    for d in hub.store.deployments(session.org(), None).await? {
        let d = deployment_view(&hub, d);
        by_target.entry(d.target_id).or_default().push(d);
    }
    let app_count = hub.store.applications(session.org()).await?.len();
    let content = html! {
        div.page-head {
            h1 { "Overview" }
            div.actions {
                a.button.button-primary href="/targets/new" { "New target" }
                a.button href="/applications" { "Applications" }
            }
        }
        @if targets.is_empty() {
            (layout::empty_state(
                "Create your first target",
                html! {
                    "A target is one place your application runs: a customer's server (Docker) or a Kubernetes cluster. "
                    "Creating one gives you the command that installs Ferry's agent there."
                },
                Some(("/targets/new", "Create your first target")),
            ))
        } @else {
            @if app_count == 0 {
                div.alert.alert-info {
                    "Next: " a href="/applications" { "create an application" } " with a version, then deploy it from a target's page."
                }
            }
            ul.target-list data-live-src="/ui/live/state" {
                @for target in &targets {
                    li { (target_card(target, by_target.get(&target.id).map(Vec::as_slice).unwrap_or(&[]), now)) }
                }
            }
        }
    };
    Ok(layout::page("Overview", &session, Nav::Overview, flash.as_ref(), content).into_response())
}

fn target_card(target: &Target, deployments: &[Deployment], now: OffsetDateTime) -> Markup {
    html! {
        article.card.target-card data-target-id=(target.id) {
            header.target-card-head {
                h2 { a href=(format!("/targets/{}", target.id)) { (target.name) } }
                (layout::target_dot(target.state))
            }
            p.meta {
                span { (layout::platform_label(target.kind)) }
                @if let Some(ns) = &target.namespace { span { "namespace " code { (ns) } } }
                span {
                    "last seen "
                    span data-live="last-seen" {
                        @match target.last_seen_at {
                            Some(at) => (layout::time_ago(at, now)),
                            None => "never",
                        }
                    }
                }
            }
            @if deployments.is_empty() {
                p.muted.nothing {
                    "Nothing deployed here yet. "
                    a href=(format!("/targets/{}#deploy", target.id)) { "Deploy an application" }
                }
            } @else {
                ul.deployment-list {
                    @for d in deployments { (layout::deployment_row(d)) }
                }
            }
        }
    }
}
