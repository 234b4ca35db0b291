//! Small JSON endpoints the pages poll (with the session cookie) to update statuses and log
//! tails without a reload.

use axum::Json;
use axum::extract::{Path, Query, State};
use ferry_proto::api::{AgentLogLine, LogLine, LogPage};
use maud::Markup;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::UiError;
use super::layout;
use super::session::Session;
use crate::api::AppState;
use crate::api::vendor::{deployment_view, target_view};
use crate::store::LogQuery;

/// What the pages show of a target's presence.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TargetLive {
    id: Uuid,
    /// CSS class.
    state: &'static str,
    /// Text.
    label: &'static str,
    /// "12 s ago" or "never".
    last_seen: String,
    /// Reported agent version.
    reported_version: Option<String>,
}

/// What the pages show of a deployment's state.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeploymentLive {
    id: Uuid,
    /// CSS class.
    state: &'static str,
    /// Text.
    label: &'static str,
    /// The latest status message.
    message: String,
    /// When the latest status came ("12 s ago"), empty without one.
    reported: String,
    /// Changes whenever a status arrives, so the timeline knows to refresh.
    status_key: String,
}

/// `GET /ui/live/state`.
#[derive(Debug, Serialize)]
pub(crate) struct LiveState {
    targets: Vec<TargetLive>,
    deployments: Vec<DeploymentLive>,
}

#[derive(Deserialize)]
pub(crate) struct StateQuery {
    target: Option<Uuid>,
}

/// `GET /ui/live/state[?target=<id>]`: presence of targets and states of deployments.
pub(crate) async fn state(
    State(hub): State<AppState>,
    session: Session,
    Query(q): Query<StateQuery>,
) -> Result<Json<LiveState>, UiError> {
    let now = hub.clock.now();
    let targets = match q.target {
        Some(id) => vec![hub.store.target(session.org(), id).await?],
        None => hub.store.targets(session.org()).await?,
    };
    let targets = targets
        .into_iter()
        .map(|record| {
            let t = target_view(&hub, record);
            TargetLive {
                id: t.id,
                state: layout::target_class(t.state),
                label: layout::target_label(t.state),
                last_seen: t.last_seen_at.map(|at| layout::ago(at, now)).unwrap_or_else(|| "never".into()),
                reported_version: t.reported_agent_version,
            }
        })
        .collect();
    let deployments = hub
        .store
        .deployments(session.org(), q.target)
        .await?
        .into_iter()
        .map(|record| {
            let d = deployment_view(&hub, record);
            DeploymentLive {
                id: d.id,
                state: layout::deployment_class(d.state),
                label: d.state.label(),
                message: d.status.as_ref().map(|s| s.message.clone()).unwrap_or_default(),
                reported: d.status.as_ref().map(|s| layout::ago(s.last_seen_at, now)).unwrap_or_default(),
                status_key: super::deployments::status_key(d.status.as_ref()),
            }
        })
        .collect();
    Ok(Json(LiveState { targets, deployments }))
}

#[derive(Deserialize)]
pub(crate) struct LogTail {
    after: Option<i64>,
    resource: Option<String>,
}

/// `GET /ui/live/deployments/{id}/logs?after=<cursor>[&resource=]`: newer log lines.
pub(crate) async fn deployment_logs(
    State(hub): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<LogTail>,
) -> Result<Json<LogPage<LogLine>>, UiError> {
    let query =
        LogQuery { resource: q.resource.filter(|r| !r.is_empty()), after: q.after, limit: 500, ..LogQuery::default() };
    Ok(Json(hub.store.logs(session.org(), super::parse_id("deployment", &id)?, &query).await?))
}

/// `GET /ui/live/targets/{id}/agent-logs?after=<cursor>`: newer lines of the agent's own log.
pub(crate) async fn agent_logs(
    State(hub): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<LogTail>,
) -> Result<Json<LogPage<AgentLogLine>>, UiError> {
    Ok(Json(hub.store.agent_logs(session.org(), super::parse_id("target", &id)?, q.after, 500).await?))
}

/// `GET /ui/live/deployments/{id}/timeline`: the status timeline as an HTML fragment.
pub(crate) async fn timeline(
    State(hub): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Markup, UiError> {
    let statuses = hub.store.statuses(session.org(), super::parse_id("deployment", &id)?, None, 50).await?;
    Ok(super::deployments::timeline(&statuses.items, hub.clock.now()))
}
