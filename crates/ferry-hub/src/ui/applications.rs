//! Applications and their versions: a Compose file (pasted, or loaded from a file by the
//! page's script) with an env template, or a Helm chart reference with values.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ferry_proto::api::{
    Application, ApplicationVersion, ChartType, NewApplication, NewApplicationVersion, PlatformType,
};
use maud::{Markup, html};
use serde::Deserialize;

use super::error::{Problem, UiError};
use super::form::{self, Field, Kind, PostForm};
use super::layout::{self, Nav};
use super::parse_id;
use super::session::{Flash, Session};
use crate::api::vendor;
use crate::api::{AppState, Hub};

#[derive(Deserialize, Default)]
pub(crate) struct AppFields {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    kind: String,
}

/// `GET /applications`.
pub(crate) async fn list_page(State(hub): State<AppState>, session: Session) -> Result<Response, UiError> {
    let flash = session.take_flash(&hub, "/applications").await?;
    let fields = AppFields { kind: "docker".into(), ..AppFields::default() };
    list(&hub, &session, flash, &fields, None).await
}

async fn list(
    hub: &Hub,
    session: &Session,
    flash: Option<Flash>,
    f: &AppFields,
    problem: Option<&Problem>,
) -> Result<Response, UiError> {
    let now = hub.clock.now();
    let apps = hub.store.applications(session.org()).await?;
    let type_error = problem.and_then(|p| p.about("type"));
    let content = html! {
        h1 { "Applications" }
        p.lead { "An application is what you ship: a Compose file for Docker targets, or a Helm chart for Kubernetes. Each version is fixed once created." }
        @if apps.is_empty() {
            (layout::empty_state(
                "Create your first application",
                html! { "Name it and choose where it runs; then add its first version." },
                None,
            ))
        } @else {
            div.table-wrap {
                table {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Platform" } th scope="col" { "Latest version" } th scope="col" { "Versions" } th scope="col" { "Created" } } }
                    tbody {
                        @for a in &apps {
                            tr {
                                td { a href=(format!("/applications/{}", a.id)) { (a.name) } }
                                td { (layout::platform_label(a.kind)) }
                                td { @match a.versions.first() { Some(v) => (v.spec.name), None => span.muted { "none yet" } } }
                                td { (a.versions.len()) }
                                td { (layout::time_ago(a.created_at, now)) }
                            }
                        }
                    }
                }
            }
        }
        section.card aria-labelledby="new-app-title" {
            h2 id="new-app-title" { "New application" }
            (form::form_error(problem, &["name", "type"]))
            form.stack method="post" action="/applications" novalidate {
                (form::csrf(&session.csrf))
                (Field::new("app", "name", "Name").value(&f.name).required().render(problem))
                fieldset.field.invalid[type_error.is_some()] {
                    legend { "Runs on" }
                    @for (value, title, text) in [("docker", "Docker", "Compose file and env template"), ("kubernetes", "Kubernetes", "Helm chart and values")] {
                        div.choice {
                            input type="radio" id=(format!("app-type-{value}")) name="type" value=(value) checked[f.kind == value];
                            label for=(format!("app-type-{value}")) { strong { (title) } span.muted { (text) } }
                        }
                    }
                    @if let Some(message) = type_error { p.field-error { (message) } }
                }
                div.form-actions { button.button.button-primary type="submit" { "Create application" } }
            }
        }
    };
    let status = problem.map(|p| p.status).unwrap_or(StatusCode::OK);
    Ok((status, layout::page("Applications", session, Nav::Applications, flash.as_ref(), content)).into_response())
}

/// `POST /applications`.
pub(crate) async fn create(
    State(hub): State<AppState>,
    PostForm { session, data }: PostForm<AppFields>,
) -> Result<Response, UiError> {
    let Some(kind) = PlatformType::parse(&data.kind) else {
        return list(&hub, &session, None, &data, Some(&Problem::field("type", "Choose Docker or Kubernetes."))).await;
    };
    match vendor::add_application(&hub, session.org(), &NewApplication { name: data.name.trim().to_string(), kind })
        .await
    {
        Ok(app) => {
            let path = format!("/applications/{}", app.id);
            session
                .set_flash(
                    &hub,
                    &Flash::notice(&path, format!("Application {} created. Add its first version below.", app.name)),
                )
                .await?;
            Ok(Redirect::to(&format!("{path}#new-version")).into_response())
        }
        Err(e) => {
            let problem = Problem::for_form(e, "The application could not be created").await?;
            list(&hub, &session, None, &data, Some(&problem)).await
        }
    }
}

/// The new-version form's fields (names as in the REST API).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VersionFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    compose_file: String,
    #[serde(default)]
    env_template: String,
    #[serde(default)]
    chart_type: String,
    #[serde(default)]
    chart_url: String,
    #[serde(default)]
    chart_name: String,
    #[serde(default)]
    chart_version: String,
    #[serde(default)]
    base_values: String,
    #[serde(default)]
    values_template: String,
}

impl VersionFields {
    fn to_request(&self) -> NewApplicationVersion {
        let text = |s: &str| {
            let s = form::textarea(s);
            (!s.trim().is_empty()).then_some(s)
        };
        let line = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        NewApplicationVersion {
            name: self.name.trim().to_string(),
            compose_file: text(&self.compose_file),
            env_template: text(&self.env_template),
            chart_type: ChartType::parse(&self.chart_type),
            chart_url: line(&self.chart_url),
            chart_name: line(&self.chart_name),
            chart_version: line(&self.chart_version),
            base_values: text(&self.base_values),
            values_template: text(&self.values_template),
        }
    }
}

/// `GET /applications/{id}`.
pub(crate) async fn page(
    State(hub): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = parse_id("application", &id)?;
    let flash = session.take_flash(&hub, &format!("/applications/{id}")).await?;
    let app = hub.store.application(session.org(), id).await?;
    let fields = VersionFields { chart_type: "oci".into(), ..VersionFields::default() };
    render(&hub, &session, app, flash, &fields, None)
}

fn render(
    hub: &Hub,
    session: &Session,
    app: Application,
    flash: Option<Flash>,
    f: &VersionFields,
    problem: Option<&Problem>,
) -> Result<Response, UiError> {
    let now = hub.clock.now();
    let base = format!("/applications/{}", app.id);
    let content = html! {
        (layout::crumbs(&[("/applications", "Applications")], &app.name))
        div.page-head {
            h1 { (app.name) " " span.tag { (layout::platform_label(app.kind)) } }
        }
        section.card aria-labelledby="versions-title" {
            h2 id="versions-title" { "Versions" }
            @if app.versions.is_empty() {
                p.muted { "No versions yet. Add the first one below; then deploy it from a target's page." }
            } @else {
                div.table-wrap {
                    table {
                        thead { tr { th scope="col" { "Version" } th scope="col" { "Created" } th scope="col" { "Content" } th scope="col" { span.visually-hidden { "Actions" } } } }
                        tbody {
                            @for v in &app.versions {
                                tr.archived[v.archived_at.is_some()] {
                                    td { (v.spec.name) @if v.archived_at.is_some() { " " span.tag { "archived" } } }
                                    td { (layout::time_ago(v.created_at, now)) }
                                    td { (version_content(v)) }
                                    td {
                                        form method="post" action=(format!("{base}/versions/{}/archive", v.id)) {
                                            (form::csrf(&session.csrf))
                                            @if v.archived_at.is_some() {
                                                input type="hidden" name="archived" value="false";
                                                button.button.button-quiet type="submit" { "Restore " span.visually-hidden { (v.spec.name) } }
                                            } @else {
                                                input type="hidden" name="archived" value="true";
                                                button.button.button-quiet type="submit" { "Archive " span.visually-hidden { (v.spec.name) } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                p.muted { "Archived versions stay where they run but cannot be deployed anew." }
            }
        }
        section.card id="new-version" aria-labelledby="new-version-title" {
            h2 id="new-version-title" { "Add a version" }
            (version_form(session, &app, f, problem))
        }
        section.danger-zone {
            (layout::confirm_action(
                "Delete application…",
                html! { "Deleting " strong { (app.name) } " removes it and all its versions. Undeploy it everywhere first." },
                &format!("{base}/delete"),
                &session.csrf,
                "Delete application",
            ))
        }
    };
    let status = problem.map(|p| p.status).unwrap_or(StatusCode::OK);
    Ok((status, layout::page(&app.name, session, Nav::Applications, flash.as_ref(), content)).into_response())
}

fn version_content(v: &ApplicationVersion) -> Markup {
    let s = &v.spec;
    html! {
        @if let Some(compose) = &s.compose_file {
            details.inline-details {
                summary { "Compose file" }
                pre.code-block { (compose) }
                @if let Some(env) = &s.env_template {
                    p { "Env template" }
                    pre.code-block { (env) }
                }
            }
        } @else {
            code { (s.chart_url.as_deref().unwrap_or("")) }
            @if s.chart_type == Some(ChartType::Repository) { " " code { (s.chart_name.as_deref().unwrap_or("")) } }
            " " (s.chart_version.as_deref().unwrap_or(""))
            @if s.base_values.is_some() || s.values_template.is_some() {
                details.inline-details {
                    summary { "Values" }
                    @if let Some(base) = &s.base_values { p { "Base values" } pre.code-block { (base) } }
                    @if let Some(t) = &s.values_template { p { "Values template" } pre.code-block { (t) } }
                }
            }
        }
    }
}

fn file_loader(target_id: &str, label: &str, accept: &str) -> Markup {
    let id = format!("{target_id}-file");
    html! {
        div.file-loader hidden data-file-loader {
            label.button.button-quiet for=(id) { (label) }
            input.visually-hidden type="file" id=(id) accept=(accept) data-load-into=(target_id);
        }
    }
}

fn version_form(session: &Session, app: &Application, f: &VersionFields, problem: Option<&Problem>) -> Markup {
    let fields: &[&str] = match app.kind {
        PlatformType::Docker => &["name", "composeFile", "envTemplate"],
        PlatformType::Kubernetes => {
            &["name", "chartType", "chartUrl", "chartName", "chartVersion", "baseValues", "valuesTemplate"]
        }
    };
    let chart_type_error = problem.and_then(|p| p.about("chartType"));
    html! {
        (form::form_error(problem, fields))
        form.stack method="post" action=(format!("/applications/{}/versions", app.id)) novalidate {
            (form::csrf(&session.csrf))
            (Field::new("version", "name", "Version").value(&f.name).required().placeholder("1.0.0").render(problem))
            @match app.kind {
                PlatformType::Docker => {
                    (Field::new("version", "composeFile", "Compose file").kind(Kind::Code(12)).value(&f.compose_file).required()
                        .hint(html! { "Paste it, or load it from a file. Every service needs an " code { "image" } ": agents pull, they cannot build." })
                        .render(problem))
                    (file_loader("version-composeFile", "Load compose file…", ".yml,.yaml,text/yaml,application/yaml"))
                    (Field::new("version", "envTemplate", "Env template").kind(Kind::Code(5)).value(&f.env_template)
                        .hint(html! { "The " code { ".env" } " each deployment starts from. Use " (layout::code("{{ .Secrets.KEY }}")) " for secrets." })
                        .render(problem))
                    (file_loader("version-envTemplate", "Load env file…", ".env,text/plain"))
                }
                PlatformType::Kubernetes => {
                    div.field.invalid[chart_type_error.is_some()] {
                        label for="version-chartType" { "Chart source" }
                        select id="version-chartType" name="chartType" {
                            option value="oci" selected[f.chart_type != "repository"] { "OCI registry (oci://…)" }
                            option value="repository" selected[f.chart_type == "repository"] { "Chart repository (https://…)" }
                        }
                        @if let Some(message) = chart_type_error { p.field-error { (message) } }
                    }
                    (Field::new("version", "chartUrl", "Chart URL").value(&f.chart_url).required().placeholder("oci://ghcr.io/acme/charts/web")
                        .hint(html! { "An " code { "oci://" } " reference to the chart, or the URL of the repository that serves " code { "index.yaml" } "." })
                        .render(problem))
                    (Field::new("version", "chartName", "Chart name").value(&f.chart_name)
                        .hint(html! { "Needed for repository charts; taken from the URL for OCI charts." })
                        .render(problem))
                    (Field::new("version", "chartVersion", "Chart version").value(&f.chart_version).required().placeholder("1.2.3").render(problem))
                    (Field::new("version", "baseValues", "Base values").kind(Kind::Code(6)).value(&f.base_values)
                        .hint(html! { "YAML every deployment gets; a deployment's own values are merged over it." })
                        .render(problem))
                    (file_loader("version-baseValues", "Load values file…", ".yml,.yaml,text/yaml,application/yaml"))
                    (Field::new("version", "valuesTemplate", "Values template").kind(Kind::Code(6)).value(&f.values_template)
                        .hint(html! { "Values a new deployment starts from; may use " (layout::code("{{ .Secrets.KEY }}")) "." })
                        .render(problem))
                }
            }
            div.form-actions { button.button.button-primary type="submit" { "Add version" } }
        }
    }
}

/// `POST /applications/{id}/versions`.
pub(crate) async fn add_version(
    State(hub): State<AppState>,
    Path(id): Path<String>,
    PostForm { session, data }: PostForm<VersionFields>,
) -> Result<Response, UiError> {
    let id = parse_id("application", &id)?;
    match vendor::add_version(&hub, session.org(), id, data.to_request()).await {
        Ok(v) => {
            let path = format!("/applications/{id}");
            session
                .redirect_with(
                    &hub,
                    Flash::notice(&path, format!("Version {} added. Deploy it from a target's page.", v.spec.name)),
                )
                .await
        }
        Err(e) => {
            let problem = Problem::for_form(e, "The version could not be added").await?;
            let app = hub.store.application(session.org(), id).await?;
            render(&hub, &session, app, None, &data, Some(&problem))
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ArchiveField {
    #[serde(default)]
    archived: String,
}

/// `POST /applications/{id}/versions/{version}/archive` (`archived=true|false`).
pub(crate) async fn archive(
    State(hub): State<AppState>,
    Path((id, version)): Path<(String, String)>,
    PostForm { session, data }: PostForm<ArchiveField>,
) -> Result<Response, UiError> {
    let (id, version) = (parse_id("application", &id)?, parse_id("application version", &version)?);
    let archive = data.archived == "true";
    let at = archive.then(|| hub.clock.now());
    let v = hub.store.set_version_archived(session.org(), id, version, at).await?;
    let path = format!("/applications/{id}");
    let notice = if archive {
        format!("Version {} archived: it keeps running where it is deployed but cannot be deployed anew.", v.spec.name)
    } else {
        format!("Version {} restored.", v.spec.name)
    };
    session.redirect_with(&hub, Flash::notice(&path, notice)).await
}

/// `POST /applications/{id}/delete`.
pub(crate) async fn delete(
    State(hub): State<AppState>,
    Path(id): Path<String>,
    PostForm { session, .. }: PostForm<form::NoFields>,
) -> Result<Response, UiError> {
    let id = parse_id("application", &id)?;
    let name = hub.store.application(session.org(), id).await?.name;
    let outcome = hub.store.delete_application(session.org(), id).await;
    let flash = Flash::after_delete(
        outcome,
        &name,
        Flash::notice("/applications", format!("Application {name} deleted.")),
        format!("/applications/{id}"),
    )?;
    session.redirect_with(&hub, flash).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textareas_lose_crlf_and_empty_fields_are_absent() {
        assert_eq!(form::textarea("A=1\r\nB=2\r\n"), "A=1\nB=2\n");
        let f = VersionFields {
            name: " 1.0 ".into(),
            env_template: "  \r\n".into(),
            compose_file: "services:\r\n".into(),
            ..Default::default()
        };
        let r = f.to_request();
        assert_eq!(r.name, "1.0");
        assert_eq!(r.compose_file.as_deref(), Some("services:\n"));
        assert_eq!(r.env_template, None);
    }
}
