//! Targets: the creation form, the target page (connect command, agent version, deployments
//! and the deploy form, metrics charts, the agent's own log) and the actions on it.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ferry_proto::api::{
    Application, DeployRequest, DockerType, MetricsSample, NewTarget, PlatformType, Scope, Target, TargetPatch,
};
use maud::{Markup, html};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::chart::{self, Series};
use super::error::{Problem, UiError};
use super::form::{self, Field, Kind, PostForm};
use super::layout::{self, LogEntry, Nav};
use super::parse_id;
use super::session::{Flash, Session};
use crate::api::vendor::{self, deployment_view, issue_access, target_view};
use crate::api::{AppState, Hub};

// --- creation -------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub(crate) struct TargetFields {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    scope: String,
    #[serde(default, rename = "metricsEnabled")]
    metrics: Option<String>,
    #[serde(default, rename = "logsEnabled")]
    logs: Option<String>,
}

/// `GET /targets/new`.
pub(crate) async fn new_page(session: Session) -> Response {
    let fresh = TargetFields {
        kind: "docker".into(),
        scope: "namespace".into(),
        metrics: Some("on".into()),
        logs: Some("on".into()),
        ..TargetFields::default()
    };
    new_form(&session, &fresh, None)
}

fn radio(name: &str, value: &str, current: &str, title: &str, text: &str) -> Markup {
    let id = format!("target-{name}-{value}");
    html! {
        div.choice {
            input type="radio" id=(id) name=(name) value=(value) checked[current == value];
            label for=(id) { strong { (title) } span.muted { (text) } }
        }
    }
}

fn checkbox(name: &str, checked: bool, label: &str) -> Markup {
    let id = format!("target-{name}");
    html! {
        div.choice {
            input type="checkbox" id=(id) name=(name) value="on" checked[checked];
            label for=(id) { (label) }
        }
    }
}

fn new_form(session: &Session, f: &TargetFields, problem: Option<&Problem>) -> Response {
    let status = problem.map(|p| p.status).unwrap_or(StatusCode::OK);
    let content = html! {
        (layout::crumbs(&[("/", "Overview")], "New target"))
        h1 { "New target" }
        p.lead { "A target is one place your applications run. After you create it, Ferry shows the command that installs the agent there." }
        section.card {
            (form::form_error(problem, &["name", "type", "namespace", "scope"]))
            form.stack method="post" action="/targets" novalidate {
                (form::csrf(&session.csrf))
                (Field::new("target", "name", "Name").value(&f.name).required()
                    .hint(html! { "How you and your customer recognise this place, e.g. " code { "acme-prod-eu" } "." })
                    .render(problem))
                fieldset.field.invalid[problem.and_then(|p| p.about("type")).is_some()] {
                    legend { "Platform" }
                    (radio("type", "docker", &f.kind, "Docker", "A server with Docker; applications run with Compose or Swarm."))
                    (radio("type", "kubernetes", &f.kind, "Kubernetes", "A cluster; applications are Helm charts."))
                    @if let Some(message) = problem.and_then(|p| p.about("type")) { p.field-error { (message) } }
                }
                div.kube-only data-show-when="type=kubernetes" {
                    (Field::new("target", "namespace", "Namespace (Kubernetes only)").value(&f.namespace).placeholder("default")
                        .hint(html! { "Where the agent runs and deploys. Leave empty for " code { "default" } "." })
                        .render(problem))
                    fieldset.field {
                        legend { "What the agent may change (Kubernetes only)" }
                        (radio("scope", "namespace", &f.scope, "This namespace", "A Role limited to the namespace above."))
                        (radio("scope", "cluster", &f.scope, "The whole cluster", "cluster-admin; needed for charts with cluster-wide objects."))
                    }
                }
                fieldset.field {
                    legend { "Reporting" }
                    (checkbox("metricsEnabled", f.metrics.is_some(), "Send CPU, memory and disk usage"))
                    (checkbox("logsEnabled", f.logs.is_some(), "Ship application logs"))
                }
                div.form-actions {
                    button.button.button-primary type="submit" { "Create target" }
                    a.button.button-quiet href="/" { "Cancel" }
                }
            }
        }
    };
    (status, layout::page("New target", session, Nav::Overview, None, content)).into_response()
}

/// `POST /targets`.
pub(crate) async fn create(
    State(hub): State<AppState>,
    PostForm { session, data }: PostForm<TargetFields>,
) -> Result<Response, UiError> {
    let Some(kind) = PlatformType::parse(&data.kind) else {
        return Ok(new_form(&session, &data, Some(&Problem::field("type", "Choose Docker or Kubernetes."))));
    };
    let kube = kind == PlatformType::Kubernetes;
    let request = NewTarget {
        name: data.name.trim().to_string(),
        kind,
        namespace: (kube && !data.namespace.trim().is_empty()).then(|| data.namespace.trim().to_string()),
        scope: if kube { Scope::parse(&data.scope) } else { None },
        metrics_enabled: Some(data.metrics.is_some()),
        logs_enabled: Some(data.logs.is_some()),
        agent_version_id: None,
    };
    let target = match vendor::add_target(&hub, session.org(), request).await {
        Ok(t) => t,
        Err(e) => {
            let problem = Problem::for_form(e, "The target could not be created").await?;
            return Ok(new_form(&session, &data, Some(&problem)));
        }
    };
    let access = match issue_access(&hub, session.org(), target.id).await {
        Ok(a) => a,
        Err(e) => return Err(UiError::from_api(e).await),
    };
    let path = format!("/targets/{}", target.id);
    let flash = Flash {
        path: path.clone(),
        notice: Some(format!("Target {} created.", target.name)),
        error: None,
        access: Some(access),
    };
    session.redirect_with(&hub, flash).await
}

// --- the target page -------------------------------------------------------------------------

/// The metrics window of the target page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Range {
    Hour,
    Day,
    Week,
}

impl Range {
    fn parse(text: Option<&str>) -> Range {
        match text {
            Some("1h") => Range::Hour,
            Some("7d") => Range::Week,
            _ => Range::Day,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Range::Hour => "1h",
            Range::Day => "24h",
            Range::Week => "7d",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Range::Hour => "Last hour",
            Range::Day => "Last 24 hours",
            Range::Week => "Last 7 days",
        }
    }

    fn duration(self) -> time::Duration {
        match self {
            Range::Hour => time::Duration::hours(1),
            Range::Day => time::Duration::hours(24),
            Range::Week => time::Duration::days(7),
        }
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    range: Option<String>,
}

/// The deploy form's fields (names as in the REST API's deploy request).
#[derive(Deserialize, Default, Clone)]
pub(crate) struct DeployFields {
    #[serde(default, rename = "applicationVersionId")]
    version: String,
    #[serde(default, rename = "envFile")]
    env_file: String,
    #[serde(default)]
    values: String,
    #[serde(default, rename = "dockerType")]
    docker_type: String,
    #[serde(default, rename = "releaseName")]
    release_name: String,
}

/// `GET /targets/{id}`.
pub(crate) async fn page(
    State(hub): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, UiError> {
    let id = parse_id("target", &id)?;
    let path = format!("/targets/{id}");
    let flash = session.take_flash(&hub, &path).await?;
    render(&hub, &session, id, flash, &DeployFields::default(), None, Range::parse(q.range.as_deref())).await
}

async fn render(
    hub: &Hub,
    session: &Session,
    id: Uuid,
    flash: Option<Flash>,
    deploy: &DeployFields,
    problem: Option<&Problem>,
    range: Range,
) -> Result<Response, UiError> {
    let org = session.org();
    let now = hub.clock.now();
    let target = target_view(hub, hub.store.target(org, id).await?);
    let deployments: Vec<_> =
        hub.store.deployments(org, Some(id)).await?.into_iter().map(|d| deployment_view(hub, d)).collect();
    let applications: Vec<Application> =
        hub.store.applications(org).await?.into_iter().filter(|a| a.kind == target.kind).collect();
    let agent_versions = hub.store.agent_versions().await?;
    let until = now + time::Duration::seconds(1);
    let since = until - range.duration();
    let (latest, history) = hub.store.metrics(org, id, since, until).await?;
    let agent_log = hub.store.agent_logs(org, id, None, 200).await?;
    let access = flash.as_ref().and_then(|f| f.access.as_ref());
    let base = format!("/targets/{id}");

    let content = html! {
        (layout::crumbs(&[("/", "Overview")], &target.name))
        div.page-head data-live-src=(format!("/ui/live/state?target={id}")) {
            div data-target-id=(target.id) {
                h1 { (target.name) }
                p.meta {
                    (layout::target_dot(target.state))
                    span { (layout::platform_label(target.kind)) }
                    @if let Some(ns) = &target.namespace { span { "namespace " code { (ns) } } }
                    @if let Some(scope) = target.scope { span { (scope_label(scope)) } }
                    span {
                        "last seen "
                        span data-live="last-seen" {
                            @match target.last_seen_at { Some(at) => (layout::time_ago(at, now)), None => "never" }
                        }
                    }
                }
            }
        }
        @if let Some(access) = access {
            section.card.connect-once id="connect" aria-labelledby="connect-title" {
                h2 id="connect-title" { "Install the agent" }
                p {
                    @match target.kind {
                        PlatformType::Docker => "Run this on the server, as a user who may use Docker:",
                        PlatformType::Kubernetes => "Run this with kubectl against the cluster:",
                    }
                }
                div.command {
                    pre { code id="connect-command" { (access.connect_command) } }
                    button.button type="button" data-copy="connect-command" { "Copy" }
                }
                p.warning {
                    strong { "Shown only now. " }
                    "The command contains the target's secret and Ferry keeps only a hash of it: copy it before you leave this page. "
                    "Treat it like a password."
                }
            }
        }
        div.columns {
            section.card aria-labelledby="deployments-title" {
                h2 id="deployments-title" { "Deployments" }
                @if deployments.is_empty() {
                    p.muted { "Nothing is deployed here yet." }
                } @else {
                    ul.deployment-list {
                        @for d in &deployments { (layout::deployment_row(d)) }
                    }
                }
                (deploy_form(session, &target, &applications, deploy, problem))
            }
            section.card aria-labelledby="agent-title" {
                h2 id="agent-title" { "Agent" }
                dl.facts {
                    dt { "Should run" }
                    dd { (target.agent_version.name) " " span.muted { code { (target.agent_version.image) } } }
                    dt { "Reports" }
                    dd data-target-id=(target.id) {
                        span data-live="reported-version" {
                            (target.reported_agent_version.clone().unwrap_or_else(|| "nothing yet".into()))
                        }
                        @if target.reported_agent_version.as_deref().is_some_and(|r| r != target.agent_version.name) {
                            " " span.muted { "(updating itself to " (target.agent_version.name) ")" }
                        }
                    }
                    dt { "Target id" }
                    dd { code { (target.id) } }
                    dt { "Created" }
                    dd { (layout::datetime(target.created_at)) }
                }
                form.inline-form method="post" action=(format!("{base}/agent-version")) {
                    (form::csrf(&session.csrf))
                    div.field {
                        label for="agent-version" { "Agent version" }
                        div.hint id="agent-version-hint" { "The agent replaces itself with this version on its next poll." }
                        select id="agent-version" name="agentVersionId" aria-describedby="agent-version-hint" {
                            @for v in &agent_versions {
                                option value=(v.id) selected[v.id == target.agent_version.id] { (v.name) " (" (v.image) ")" }
                            }
                        }
                    }
                    button.button type="submit" { "Update agent" }
                }
                h3 { "Connection" }
                p {
                    @if access.is_some() {
                        "The install command above carries the new secret."
                    } @else if target.has_secret {
                        "The agent logs in with a secret issued earlier. Ferry keeps only its hash, so the install command cannot be shown again."
                    } @else {
                        "No secret has been issued yet, so no agent can connect."
                    }
                }
                form method="post" action=(format!("{base}/reconnect")) {
                    (form::csrf(&session.csrf))
                    p.warning id="reconnect-warning" {
                        strong { "Reconnecting invalidates the old secret. " }
                        "An agent still using it is cut off until it is installed again with the new command."
                    }
                    button.button type="submit" aria-describedby="reconnect-warning" { "Reconnect: new secret and command" }
                }
            }
        }
        section.card id="metrics" aria-labelledby="metrics-title" {
            div.section-head {
                h2 id="metrics-title" { "Usage" }
                nav.segmented aria-label="Time range" {
                    @for r in [Range::Hour, Range::Day, Range::Week] {
                        a href=(format!("{base}?range={}#metrics", r.key())) aria-current=[(r == range).then_some("true")] { (r.label()) }
                    }
                }
            }
            @if !target.metrics_enabled {
                p.muted { "Metrics are turned off for this target." }
            } @else if latest.is_none() {
                p.muted { "No metrics yet. A connected agent sends them every 30 seconds." }
            } @else {
                @if let Some(sample) = &latest { (metrics_summary(sample, now)) }
                (charts(&history, since, until))
            }
        }
        section.card id="agent-log" aria-labelledby="agent-log-title" {
            h2 id="agent-log-title" { "Agent log" }
            (layout::log_tail(
                "Agent log",
                &format!("/ui/live/targets/{id}/agent-logs"),
                agent_log.cursor,
                &agent_log.items.iter().map(|l| LogEntry { at: l.timestamp, severity: &l.severity, resource: None, body: &l.body }).collect::<Vec<_>>(),
                "Nothing logged yet. The agent's own log appears here once it connects.",
                None,
            ))
        }
        section.danger-zone {
            (layout::confirm_action(
                "Delete target…",
                html! { "Deleting " strong { (target.name) } " removes it from Ferry for good; its agent can no longer log in. Undeploy its applications first." },
                &format!("{base}/delete"),
                &session.csrf,
                "Delete target",
            ))
        }
    };
    let status = problem.map(|p| p.status).unwrap_or(StatusCode::OK);
    Ok((status, layout::page(&target.name, session, Nav::Overview, flash.as_ref(), content)).into_response())
}

fn scope_label(scope: Scope) -> &'static str {
    match scope {
        Scope::Namespace => "namespace scope",
        Scope::Cluster => "cluster scope",
    }
}

fn deploy_form(
    session: &Session,
    target: &Target,
    applications: &[Application],
    f: &DeployFields,
    problem: Option<&Problem>,
) -> Markup {
    let deployable: Vec<(&Application, Vec<_>)> = applications
        .iter()
        .map(|a| (a, a.versions.iter().filter(|v| v.archived_at.is_none()).collect::<Vec<_>>()))
        .filter(|(_, versions)| !versions.is_empty())
        .collect();
    let version_error = problem.and_then(|p| p.about("applicationVersionId"));
    html! {
        h3 id="deploy" { "Deploy an application" }
        @if deployable.is_empty() {
            (layout::empty_state(
                "No versions to deploy yet",
                html! { "Create a " (layout::platform_label(target.kind)) " application with a version, then deploy it here." },
                Some(("/applications", "Go to applications")),
            ))
        } @else {
            (form::form_error(problem, &["applicationVersionId", "envFile", "values", "dockerType", "releaseName"]))
            form.stack method="post" action=(format!("/targets/{}/deploy", target.id)) novalidate {
                (form::csrf(&session.csrf))
                div.field.invalid[version_error.is_some()] {
                    label for="deploy-applicationVersionId" { "Application version" }
                    select id="deploy-applicationVersionId" name="applicationVersionId" required
                        aria-invalid=[version_error.map(|_| "true")] {
                        @for (app, versions) in &deployable {
                            optgroup label=(app.name) {
                                @for v in versions {
                                    option value=(v.id) selected[f.version == v.id.to_string()] { (app.name) " " (v.spec.name) }
                                }
                            }
                        }
                    }
                    @if let Some(message) = version_error { p.field-error { (message) } }
                }
                @match target.kind {
                    PlatformType::Docker => {
                        (Field::new("deploy", "envFile", "Env file").kind(Kind::Code(5)).value(&f.env_file)
                            .hint(html! { "Leave empty to use the version's env template. Secrets: " (layout::code("{{ .Secrets.KEY }}")) })
                            .render(problem))
                        div.field {
                            label for="deploy-dockerType" { "Run with" }
                            select id="deploy-dockerType" name="dockerType" {
                                option value="compose" selected[f.docker_type != "swarm"] { "Docker Compose" }
                                option value="swarm" selected[f.docker_type == "swarm"] { "Docker Swarm (stack)" }
                            }
                        }
                    }
                    PlatformType::Kubernetes => {
                        (Field::new("deploy", "values", "Values").kind(Kind::Code(6)).value(&f.values)
                            .hint(html! { "YAML merged over the chart version's base values; empty uses the version's values template. Secrets: " (layout::code("{{ .Secrets.KEY }}")) })
                            .render(problem))
                        (Field::new("deploy", "releaseName", "Release name").value(&f.release_name)
                            .hint(html! { "Defaults to the application's name; fixed once deployed." })
                            .render(problem))
                    }
                }
                div.form-actions {
                    button.button.button-primary type="submit" { "Deploy" }
                }
            }
        }
    }
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

fn metrics_summary(sample: &MetricsSample, now: OffsetDateTime) -> Markup {
    let m = &sample.metrics;
    html! {
        dl.stats {
            div { dt { "CPU" } dd { (format!("{:.0} %", m.cpu_usage * 100.0)) span.muted { " of " (format!("{:.1}", m.cpu_cores_millis as f64 / 1000.0)) " cores" } } }
            div { dt { "Memory" } dd { (format!("{:.0} %", m.memory_usage * 100.0)) span.muted { " of " (human_bytes(m.memory_bytes)) } } }
            @for d in m.disk_metrics.iter().filter(|d| d.bytes_total > 0).take(4) {
                div {
                    dt { "Disk " code { (d.path) } }
                    dd { (format!("{:.0} %", d.bytes_used as f64 / d.bytes_total as f64 * 100.0)) span.muted { " of " (human_bytes(d.bytes_total)) } }
                }
            }
            div { dt { "Reported" } dd { (layout::time_ago(sample.at, now)) } }
        }
    }
}

fn charts(history: &[MetricsSample], since: OffsetDateTime, until: OffsetDateTime) -> Markup {
    let cpu = Series { name: "CPU".into(), points: history.iter().map(|s| (s.at, s.metrics.cpu_usage)).collect() };
    let memory =
        Series { name: "Memory".into(), points: history.iter().map(|s| (s.at, s.metrics.memory_usage)).collect() };
    let mut disks: BTreeMap<String, Vec<(OffsetDateTime, f64)>> = BTreeMap::new();
    for s in history {
        for d in s.metrics.disk_metrics.iter().filter(|d| d.bytes_total > 0) {
            disks.entry(d.path.clone()).or_default().push((s.at, d.bytes_used as f64 / d.bytes_total as f64));
        }
    }
    // The root file system first; then the others in path order, at most four lines.
    let mut disk_series: Vec<Series> = disks.into_iter().map(|(name, points)| Series { name, points }).collect();
    disk_series.sort_by_key(|s| s.name != "/");
    disk_series.truncate(4);
    html! {
        div.charts {
            (chart::usage_chart("CPU", since, until, &[cpu]))
            (chart::usage_chart("Memory", since, until, &[memory]))
            @if disk_series.is_empty() {
                (chart::usage_chart("Disk", since, until, &[]))
            } @else {
                (chart::usage_chart("Disk", since, until, &disk_series))
            }
        }
    }
}

// --- actions ---------------------------------------------------------------------------------

/// `POST /targets/{id}/reconnect`: a new secret and connect command, shown once.
pub(crate) async fn reconnect(
    State(hub): State<AppState>,
    Path(id): Path<String>,
    PostForm { session, .. }: PostForm<form::NoFields>,
) -> Result<Response, UiError> {
    let id = parse_id("target", &id)?;
    let access = match issue_access(&hub, session.org(), id).await {
        Ok(a) => a,
        Err(e) => return Err(UiError::from_api(e).await),
    };
    let path = format!("/targets/{id}");
    let flash = Flash {
        path: path.clone(),
        notice: Some("New secret issued. The old one no longer works.".into()),
        error: None,
        access: Some(access),
    };
    session.set_flash(&hub, &flash).await?;
    Ok(Redirect::to(&format!("{path}#connect")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct AgentVersionField {
    #[serde(default, rename = "agentVersionId")]
    agent_version_id: String,
}

/// `POST /targets/{id}/agent-version`.
pub(crate) async fn set_agent_version(
    State(hub): State<AppState>,
    Path(id): Path<String>,
    PostForm { session, data }: PostForm<AgentVersionField>,
) -> Result<Response, UiError> {
    let id = parse_id("target", &id)?;
    let path = format!("/targets/{id}");
    let flash = match Uuid::parse_str(&data.agent_version_id) {
        Err(_) => Flash::error(&path, "Choose an agent version from the list."),
        Ok(version) => {
            let patch = TargetPatch { agent_version_id: Some(version), ..TargetPatch::default() };
            match vendor::change_target(&hub, session.org(), id, patch).await {
                Ok(t) => Flash::notice(
                    &path,
                    format!(
                        "Agent version set to {}. The agent updates itself on its next poll.",
                        t.agent_version.name
                    ),
                ),
                Err(e) => Flash::error(&path, Problem::from_api(e).await.message),
            }
        }
    };
    session.redirect_with(&hub, flash).await
}

/// `POST /targets/{id}/deploy`.
pub(crate) async fn deploy(
    State(hub): State<AppState>,
    Path(id): Path<String>,
    PostForm { session, data }: PostForm<DeployFields>,
) -> Result<Response, UiError> {
    let id = parse_id("target", &id)?;
    let target = hub.store.target(session.org(), id).await?;
    let retry = |problem: Problem| {
        let (hub, session, data) = (&hub, &session, &data);
        async move { render(hub, session, id, None, data, Some(&problem), Range::Day).await }
    };
    let Ok(version) = Uuid::parse_str(&data.version) else {
        return retry(Problem::field("applicationVersionId", "Choose the version to deploy.")).await;
    };
    let text = |s: &str| (!s.trim().is_empty()).then(|| form::textarea(s));
    let request = match target.kind {
        PlatformType::Docker => DeployRequest {
            target_id: Some(id),
            application_version_id: version,
            env_file: text(&data.env_file),
            docker_type: Some(if data.docker_type == "swarm" { DockerType::Swarm } else { DockerType::Compose }),
            ..DeployRequest::default()
        },
        PlatformType::Kubernetes => DeployRequest {
            target_id: Some(id),
            application_version_id: version,
            values: text(&data.values),
            release_name: text(data.release_name.trim()),
            ..DeployRequest::default()
        },
    };
    match vendor::deploy(&hub, session.org(), &request).await {
        Ok((deployment, created)) => {
            let path = format!("/deployments/{}", deployment.id);
            let what = format!("{} {}", deployment.application_name, deployment.revision.application_version_name);
            let notice = if created {
                format!("Deployed {what} to {}. The agent picks it up on its next poll.", deployment.target_name)
            } else {
                format!("{} already ran here: deployed {what} as a new revision.", deployment.application_name)
            };
            session.redirect_with(&hub, Flash::notice(&path, notice)).await
        }
        Err(e) => retry(Problem::for_form(e, "The deployment failed").await?).await,
    }
}

/// `POST /targets/{id}/delete`.
pub(crate) async fn delete(
    State(hub): State<AppState>,
    Path(id): Path<String>,
    PostForm { session, .. }: PostForm<form::NoFields>,
) -> Result<Response, UiError> {
    let id = parse_id("target", &id)?;
    let name = hub.store.target(session.org(), id).await?.name;
    let outcome = hub.store.delete_target(session.org(), id).await;
    let flash = Flash::after_delete(
        outcome,
        &name,
        Flash::notice("/", format!("Target {name} deleted.")),
        format!("/targets/{id}"),
    )?;
    session.redirect_with(&hub, flash).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_as_binary_units() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(16 * 1024 * 1024 * 1024), "16.0 GiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }

    #[test]
    fn ranges_default_to_a_day() {
        assert_eq!(Range::parse(Some("1h")), Range::Hour);
        assert_eq!(Range::parse(Some("bogus")), Range::Day);
        assert_eq!(Range::parse(None).duration(), time::Duration::hours(24));
    }
}
