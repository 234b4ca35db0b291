//! The deployment page: state, live log tail with a resource filter, status timeline,
//! revision history, redeploy with changed env or values, and undeploy.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ferry_proto::api::{DeployRequest, Deployment, DeploymentStatus, DockerType, PlatformType};
use maud::{Markup, html};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::error::{Problem, UiError};
use super::form::{self, Field, Kind, PostForm};
use super::layout::{self, LogEntry, Nav};
use super::parse_id;
use super::session::{Flash, Session, encode_component};
use crate::api::vendor::{self, deployment_view};
use crate::api::{AppState, Hub};
use crate::store::LogQuery;

#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    resource: Option<String>,
}

/// The redeploy form's fields (names as in the REST API).
#[derive(Deserialize, Default)]
pub(crate) struct RedeployFields {
    #[serde(default, rename = "applicationVersionId")]
    version: String,
    #[serde(default, rename = "envFile")]
    env_file: String,
    #[serde(default)]
    values: String,
    #[serde(default, rename = "forceRestart")]
    force_restart: Option<String>,
}

/// `GET /deployments/{id}`.
pub(crate) async fn page(
    State(hub): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, UiError> {
    let id = parse_id("deployment", &id)?;
    let flash = session.take_flash(&hub, &format!("/deployments/{id}")).await?;
    let d = deployment_view(&hub, hub.store.deployment(session.org(), id).await?);
    let fields = RedeployFields {
        version: d.revision.application_version_id.to_string(),
        env_file: d.revision.env_file.clone().unwrap_or_default(),
        values: d.revision.values.clone().unwrap_or_default(),
        force_restart: None,
    };
    render(&hub, &session, d, flash, q.resource.filter(|r| !r.is_empty()), &fields, None).await
}

async fn render(
    hub: &Hub,
    session: &Session,
    d: Deployment,
    flash: Option<Flash>,
    resource: Option<String>,
    fields: &RedeployFields,
    problem: Option<&Problem>,
) -> Result<Response, UiError> {
    let org = session.org();
    let now = hub.clock.now();
    let app = hub.store.application(org, d.application_id).await?;
    let target = hub.store.target(org, d.target_id).await?;
    let statuses = hub.store.statuses(org, d.id, None, 50).await?;
    let revisions = hub.store.revisions(org, d.id).await?;
    let resources = hub.store.log_resources(org, d.id).await?;
    let query = LogQuery { resource: resource.clone(), limit: 200, ..LogQuery::default() };
    let logs = hub.store.logs(org, d.id, &query).await?;
    let base = format!("/deployments/{}", d.id);
    let log_src = match &resource {
        Some(r) => format!("/ui/live/deployments/{}/logs?resource={}", d.id, encode_component(r)),
        None => format!("/ui/live/deployments/{}/logs", d.id),
    };
    let title = format!("{} on {}", d.application_name, d.target_name);
    let current_seq = revisions.first().map(|r| r.seq).unwrap_or(0);
    let version_error = problem.and_then(|p| p.about("applicationVersionId"));

    let content = html! {
        (layout::crumbs(&[("/", "Overview"), (&format!("/targets/{}", d.target_id), &d.target_name)], &d.application_name))
        div.page-head data-live-src=(format!("/ui/live/state?target={}", d.target_id)) {
            div data-deployment-id=(d.id) {
                h1 { (d.application_name) " " span.muted { "on" } " " (d.target_name) }
                p.meta {
                    (layout::deployment_badge(d.state))
                    span.status-message data-live="status-message" {
                        (d.status.as_ref().map(|s| s.message.as_str()).unwrap_or(""))
                    }
                    span.muted data-live="status-reported" {
                        @if let Some(s) = &d.status { (layout::ago(s.last_seen_at, now)) }
                    }
                }
            }
        }
        div.columns {
            section.card aria-labelledby="current-title" {
                h2 id="current-title" { "Current revision" }
                dl.facts {
                    dt { "Version" } dd { a href=(format!("/applications/{}", d.application_id)) { (d.application_name) } " " (d.revision.application_version_name) }
                    dt { "Revision" } dd { "#" (current_seq) ", " (layout::datetime(d.revision.created_at)) }
                    dt { @if app.kind == PlatformType::Kubernetes { "Release" } @else { "Project" } }
                    dd { code { (d.release_name) } }
                    @if let Some(t) = d.revision.docker_type {
                        dt { "Runs with" }
                        dd { (match t { DockerType::Compose => "Docker Compose", DockerType::Swarm => "Docker Swarm" }) }
                    }
                    dt { "Logs" } dd { (if d.logs_enabled && target.logs_enabled { "shipped" } else { "off" }) }
                    @if !d.revision.registry_hosts.is_empty() {
                        dt { "Registry logins" } dd { (d.revision.registry_hosts.join(", ")) }
                    }
                }
            }
            section.card aria-labelledby="timeline-title" {
                h2 id="timeline-title" { "Status timeline" }
                div data-timeline-for=(d.id) data-status-key=(status_key(d.status.as_ref()))
                    data-timeline-src=(format!("/ui/live/deployments/{}/timeline", d.id)) {
                    (timeline(&statuses.items, now))
                }
            }
        }
        section.card id="logs" aria-labelledby="logs-title" {
            div.section-head {
                h2 id="logs-title" { "Logs" }
                form.filter method="get" action=(format!("{base}#logs")) {
                    label for="log-resource" { "Resource" }
                    select id="log-resource" name="resource" data-autosubmit {
                        option value="" selected[resource.is_none()] { "All" }
                        @for r in &resources {
                            option value=(r) selected[resource.as_deref() == Some(r.as_str())] { (r) }
                        }
                    }
                    button.button.button-quiet type="submit" { "Show" }
                }
            }
            (layout::log_tail(
                "Application log",
                &log_src,
                logs.cursor,
                &logs.items.iter().map(|l| LogEntry { at: l.timestamp, severity: &l.severity, resource: Some(&l.resource), body: &l.body }).collect::<Vec<_>>(),
                if d.logs_enabled { "No log lines yet. They appear here as the agent ships them." } else { "Logs are turned off for this deployment." },
                resource.is_none().then_some("log-resource"),
            ))
        }
        section.card id="redeploy" aria-labelledby="redeploy-title" {
            h2 id="redeploy-title" { "Redeploy" }
            p.muted { "Each redeploy is a new revision; the agent applies it on its next poll." }
            (form::form_error(problem, &["applicationVersionId", "envFile", "values"]))
            form.stack method="post" action=(format!("{base}/redeploy")) novalidate {
                (form::csrf(&session.csrf))
                div.field.invalid[version_error.is_some()] {
                    label for="redeploy-applicationVersionId" { "Version" }
                    select id="redeploy-applicationVersionId" name="applicationVersionId" aria-invalid=[version_error.map(|_| "true")] {
                        @for v in app.versions.iter().filter(|v| v.archived_at.is_none() || v.id == d.revision.application_version_id) {
                            option value=(v.id) selected[fields.version == v.id.to_string()] {
                                (v.spec.name)
                                @if v.id == d.revision.application_version_id { " (current)" }
                            }
                        }
                    }
                    @if let Some(message) = version_error { p.field-error { (message) } }
                }
                @match app.kind {
                    PlatformType::Docker => {
                        (Field::new("redeploy", "envFile", "Env file").kind(Kind::Code(6)).value(&fields.env_file)
                            .hint(html! { "Empty uses the version's env template. Secrets: " (layout::code("{{ .Secrets.KEY }}")) })
                            .render(problem))
                    }
                    PlatformType::Kubernetes => {
                        (Field::new("redeploy", "values", "Values").kind(Kind::Code(8)).value(&fields.values)
                            .hint(html! { "YAML over the chart version's base values. Secrets: " (layout::code("{{ .Secrets.KEY }}")) })
                            .render(problem))
                    }
                }
                div.choice {
                    input type="checkbox" id="redeploy-forceRestart" name="forceRestart" value="on" checked[fields.force_restart.is_some()];
                    label for="redeploy-forceRestart" { "Restart everything even if nothing changed" }
                }
                div.form-actions { button.button.button-primary type="submit" { "Redeploy" } }
            }
        }
        section.card aria-labelledby="revisions-title" {
            h2 id="revisions-title" { "Revision history" }
            div.table-wrap {
                table {
                    thead { tr { th scope="col" { "Revision" } th scope="col" { "Version" } th scope="col" { "Created" } th scope="col" { "Configuration" } } }
                    tbody {
                        @for r in &revisions {
                            tr {
                                td { "#" (r.seq) @if r.seq == current_seq { " " span.tag { "current" } } }
                                td { (r.application_version_name) }
                                td { (layout::datetime(r.created_at)) }
                                td { (revision_config(r.spec.env_file.as_deref().or(r.spec.values.as_deref()))) }
                            }
                        }
                    }
                }
            }
        }
        section.danger-zone {
            (layout::confirm_action(
                "Undeploy…",
                html! {
                    "Undeploying removes " strong { (d.application_name) } " from " strong { (d.target_name) }
                    ": the agent stops and deletes it on its next poll. Named volumes are kept. Its revisions, statuses and logs are deleted from Ferry."
                },
                &format!("{base}/undeploy"),
                &session.csrf,
                "Undeploy now",
            ))
        }
    };
    let status = problem.map(|p| p.status).unwrap_or(StatusCode::OK);
    Ok((status, layout::page(&title, session, Nav::Overview, flash.as_ref(), content)).into_response())
}

/// What changes when a new status arrives (a repeated status bumps the count of its row).
pub(crate) fn status_key(status: Option<&DeploymentStatus>) -> String {
    status.map(|s| format!("{}-{}", s.id, s.count)).unwrap_or_default()
}

/// The status timeline, newest first.
pub(crate) fn timeline(statuses: &[DeploymentStatus], now: OffsetDateTime) -> Markup {
    html! {
        @if statuses.is_empty() {
            p.muted { "No status reported yet. The agent reports after it applies the deployment." }
        } @else {
            ol.timeline {
                @for s in statuses {
                    li {
                        (layout::status_badge(s.kind))
                        span.timeline-message { (s.message) }
                        span.muted.timeline-time {
                            (layout::time_ago(s.last_seen_at, now))
                            @if s.count > 1 { " · reported " (s.count) " times since " (layout::datetime(s.first_seen_at)) }
                        }
                    }
                }
            }
        }
    }
}

fn revision_config(text: Option<&str>) -> Markup {
    match text.filter(|t| !t.trim().is_empty()) {
        None => html! { span.muted { "defaults" } },
        Some(t) => html! {
            details.inline-details {
                summary { @match t.lines().count() { 1 => "1 line", n => { (n) " lines" } } }
                pre.code-block { (t) }
            }
        },
    }
}

/// `POST /deployments/{id}/redeploy`.
pub(crate) async fn redeploy(
    State(hub): State<AppState>,
    Path(id): Path<String>,
    PostForm { session, data }: PostForm<RedeployFields>,
) -> Result<Response, UiError> {
    let id = parse_id("deployment", &id)?;
    let current = deployment_view(&hub, hub.store.deployment(session.org(), id).await?);
    let Ok(version) = Uuid::parse_str(&data.version) else {
        let problem = Problem::field("applicationVersionId", "Choose the version to deploy.");
        return render(&hub, &session, current, None, None, &data, Some(&problem)).await;
    };
    let text = |s: &str| (!s.trim().is_empty()).then(|| form::textarea(s));
    let kube = current.revision.docker_type.is_none();
    let request = DeployRequest {
        application_version_id: version,
        env_file: if kube { None } else { text(&data.env_file) },
        values: if kube { text(&data.values) } else { None },
        docker_type: current.revision.docker_type,
        force_restart: data.force_restart.is_some(),
        ..DeployRequest::default()
    };
    match vendor::redeploy(&hub, session.org(), id, &request).await {
        Ok(d) => {
            let path = format!("/deployments/{id}");
            let notice = format!(
                "Redeployed {} {}: a new revision is on its way to the agent.",
                d.application_name, d.revision.application_version_name
            );
            session.redirect_with(&hub, Flash::notice(&path, notice)).await
        }
        Err(e) => {
            let problem = Problem::for_form(e, "The redeploy failed").await?;
            render(&hub, &session, current, None, None, &data, Some(&problem)).await
        }
    }
}

/// `POST /deployments/{id}/undeploy`.
pub(crate) async fn undeploy(
    State(hub): State<AppState>,
    Path(id): Path<String>,
    PostForm { session, .. }: PostForm<form::NoFields>,
) -> Result<Response, UiError> {
    let id = parse_id("deployment", &id)?;
    let d = hub.store.deployment(session.org(), id).await?;
    hub.store.delete_deployment(session.org(), id).await?;
    let path = format!("/targets/{}", d.target_id);
    let notice =
        format!("Undeployed {} from {}. The agent removes it on its next poll.", d.application_name, d.target_name);
    session.redirect_with(&hub, Flash::notice(&path, notice)).await
}
