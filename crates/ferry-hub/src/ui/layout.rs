//! The page shell (skip link, header, navigation, notices) and the small pieces every page
//! shares: status dots and badges, times, empty states.

use ferry_proto::api::{Deployment, DeploymentState, PlatformType, StatusType, TargetState};
use maud::{DOCTYPE, Markup, html};
use time::OffsetDateTime;
use time::macros::format_description;

use super::assets;
use super::form;
use super::session::{Flash, Session};

/// Which navigation entry a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    /// Overview and targets.
    Overview,
    /// Applications and versions.
    Applications,
    /// Secrets.
    Secrets,
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="color-scheme" content="light";
            title { (title) " · Ferry" }
            link rel="icon" type="image/svg+xml" href=(assets::url("logo.svg"));
            link rel="stylesheet" href=(assets::url("app.css"));
            script src=(assets::url("app.js")) defer {}
        }
    }
}

fn logo() -> Markup {
    html! {
        img.logo src=(assets::url("logo.svg")) alt="" width="28" height="28";
    }
}

/// A page of a logged-in person.
pub(crate) fn page(title: &str, session: &Session, nav: Nav, flash: Option<&Flash>, content: Markup) -> Markup {
    let link = |target: Nav, href: &str, label: &str| {
        html! {
            a href=(href) aria-current=[(nav == target).then_some("page")] { (label) }
        }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip-link href="#main" { "Skip to content" }
                header.site-header {
                    div.header-inner {
                        a.brand href="/" { (logo()) span { "Ferry" } }
                        nav.main-nav aria-label="Main" {
                            (link(Nav::Overview, "/", "Overview"))
                            (link(Nav::Applications, "/applications", "Applications"))
                            (link(Nav::Secrets, "/secrets", "Secrets"))
                        }
                        div.account {
                            span.email title="Logged in as" { (session.email) }
                            form method="post" action="/logout" {
                                (form::csrf(&session.csrf))
                                button.button.button-quiet type="submit" { "Log out" }
                            }
                        }
                    }
                }
                div.session-ended hidden role="alert" id="session-ended" {
                    "Your session has ended, so this page no longer updates. "
                    a href="/login" { "Log in again" }
                }
                main id="main" tabindex="-1" {
                    @if let Some(notice) = flash.and_then(|f| f.notice.as_deref()) {
                        div.alert.alert-success role="status" { (notice) }
                    }
                    @if let Some(error) = flash.and_then(|f| f.error.as_deref()) {
                        div.alert.alert-error role="alert" { (error) }
                    }
                    (content)
                }
                footer.site-footer {
                    "Ferry hub " (crate::VERSION)
                }
            }
        }
    }
}

/// A page without navigation (login, first run, errors).
pub(crate) fn bare(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body.bare {
                a.skip-link href="#main" { "Skip to content" }
                main id="main" tabindex="-1" {
                    a.brand.brand-large href="/" { (logo()) span { "Ferry" } }
                    (content)
                }
            }
        }
    }
}

/// The CSS class of a target state.
pub(crate) fn target_class(state: TargetState) -> &'static str {
    match state {
        TargetState::NeverSeen => "never-seen",
        TargetState::Online => "online",
        TargetState::Stale => "stale",
    }
}

/// The label of a target state, as a person reads it.
pub(crate) fn target_label(state: TargetState) -> &'static str {
    match state {
        TargetState::NeverSeen => "Never seen",
        TargetState::Online => "Online",
        TargetState::Stale => "Stale",
    }
}

/// A target's status dot with its label (grey: never seen, green: online, yellow: stale).
pub(crate) fn target_dot(state: TargetState) -> Markup {
    html! {
        span.target-state.(target_class(state)) data-live="target-state" {
            span.dot aria-hidden="true" {}
            span.label { (target_label(state)) }
        }
    }
}

/// The CSS class of a deployment state.
pub(crate) fn deployment_class(state: DeploymentState) -> &'static str {
    match state {
        DeploymentState::NoStatus => "no-status",
        DeploymentState::Error => "error",
        DeploymentState::Stale => "stale",
        DeploymentState::Progressing => "progressing",
        DeploymentState::Running => "running",
        DeploymentState::Healthy => "healthy",
    }
}

/// A deployment's badge: colour and text (PROTOCOL.md §5).
pub(crate) fn deployment_badge(state: DeploymentState) -> Markup {
    html! {
        span.badge.(deployment_class(state)) data-live="deployment-state" {
            span.icon aria-hidden="true" {}
            span.label { (state.label()) }
        }
    }
}

/// "Docker" or "Kubernetes".
pub(crate) fn platform_label(kind: PlatformType) -> &'static str {
    match kind {
        PlatformType::Docker => "Docker",
        PlatformType::Kubernetes => "Kubernetes",
    }
}

/// One deployment in a list: name and version, live badge, latest status message.
pub(crate) fn deployment_row(d: &Deployment) -> Markup {
    html! {
        li.deployment-row data-deployment-id=(d.id) {
            a.deployment-name href=(format!("/deployments/{}", d.id)) {
                (d.application_name) " " span.version { (d.revision.application_version_name) }
            }
            (deployment_badge(d.state))
            span.status-message data-live="status-message" {
                (d.status.as_ref().map(|s| s.message.as_str()).unwrap_or(""))
            }
        }
    }
}

/// A badge for one reported status kind (the status timeline).
pub(crate) fn status_badge(kind: StatusType) -> Markup {
    let state = match kind {
        StatusType::Healthy => DeploymentState::Healthy,
        StatusType::Running => DeploymentState::Running,
        StatusType::Progressing => DeploymentState::Progressing,
        StatusType::Error => DeploymentState::Error,
    };
    html! {
        span.badge.(deployment_class(state)) {
            span.icon aria-hidden="true" {}
            span.label { (state.label()) }
        }
    }
}

/// `2026-01-01 12:00:00 UTC`.
pub(crate) fn datetime(t: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.to_offset(time::UtcOffset::UTC).format(&format).map(|s| format!("{s} UTC")).unwrap_or_default()
}

/// How long ago, in words: `just now`, `42 s ago`, `5 min ago`, `3 h ago`, `2 d ago`.
pub(crate) fn ago(t: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (now - t).whole_seconds();
    match secs {
        s if s < 5 => "just now".to_string(),
        s if s < 60 => format!("{s} s ago"),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s => format!("{} d ago", s / 86_400),
    }
}

/// A `<time>` showing how long ago, with the exact time on hover.
pub(crate) fn time_ago(t: OffsetDateTime, now: OffsetDateTime) -> Markup {
    let iso = t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    html! { time datetime=(iso) title=(datetime(t)) { (ago(t, now)) } }
}

/// What a list shows when it is empty: what it is for and what to do next.
pub(crate) fn empty_state(title: &str, text: Markup, action: Option<(&str, &str)>) -> Markup {
    html! {
        div.empty-state {
            p.empty-title { (title) }
            p { (text) }
            @if let Some((href, label)) = action {
                p { a.button.button-primary href=(href) { (label) } }
            }
        }
    }
}

/// A destructive action behind a disclosure: the warning and the button appear only after a
/// deliberate click, which works with keyboard and without JavaScript.
pub(crate) fn confirm_action(summary: &str, warning: Markup, action: &str, csrf: &str, button: &str) -> Markup {
    html! {
        details.confirm {
            summary.button.button-danger-quiet { (summary) }
            div.confirm-body {
                p { (warning) }
                form method="post" action=(action) {
                    (form::csrf(csrf))
                    button.button.button-danger type="submit" { (button) }
                }
            }
        }
    }
}

/// An inline `<code>` sample such as `{{ .Secrets.KEY }}`.
pub(crate) fn code(text: &str) -> Markup {
    html! { code { (text) } }
}

/// A non-breaking separator for breadcrumb trails.
pub(crate) fn crumbs(items: &[(&str, &str)], current: &str) -> Markup {
    html! {
        nav.breadcrumbs aria-label="Breadcrumb" {
            ol {
                @for (href, label) in items {
                    li { a href=(href) { (label) } }
                }
                li aria-current="page" { (current) }
            }
        }
    }
}

/// One line of a log tail.
pub(crate) struct LogEntry<'a> {
    /// When written.
    pub at: OffsetDateTime,
    /// Severity as sent.
    pub severity: &'a str,
    /// Container, service or object (application logs only).
    pub resource: Option<&'a str>,
    /// Text.
    pub body: &'a str,
}

/// The CSS class of a severity: errors and warnings stand out, the rest is plain.
pub(crate) fn severity_class(severity: &str) -> &'static str {
    let s = severity.to_ascii_lowercase();
    if s.contains("err") || s.contains("fatal") || s.contains("crit") {
        "sev-err"
    } else if s.contains("warn") {
        "sev-warn"
    } else {
        "sev-info"
    }
}

/// A log tail that the page's script keeps up to date from `src` (newer than `cursor`).
/// `resource_filter` is the id of the resource `<select>` to extend as new resources log.
pub(crate) fn log_tail(
    label: &str,
    src: &str,
    cursor: i64,
    entries: &[LogEntry<'_>],
    empty: &str,
    resource_filter: Option<&str>,
) -> Markup {
    let clock = format_description!("[hour]:[minute]:[second]");
    html! {
        div.log role="log" tabindex="0" aria-label=(label) data-log-src=(src) data-cursor=(cursor)
            data-resource-filter=[resource_filter] {
            p.log-empty hidden[!entries.is_empty()] { (empty) }
            @for e in entries {
                div class=(format!("log-line {}", severity_class(e.severity))) {
                    span.log-time title=(datetime(e.at)) { (e.at.to_offset(time::UtcOffset::UTC).format(&clock).unwrap_or_default()) }
                    @if let Some(resource) = e.resource { span.log-resource { (resource) } }
                    span.log-body { (e.body) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_read_naturally() {
        let now = datetime!(2026-03-01 12:00:00 UTC);
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now - time::Duration::seconds(42), now), "42 s ago");
        assert_eq!(ago(now - time::Duration::minutes(5), now), "5 min ago");
        assert_eq!(ago(now - time::Duration::hours(3), now), "3 h ago");
        assert_eq!(ago(now - time::Duration::days(2), now), "2 d ago");
        assert_eq!(datetime(now), "2026-03-01 12:00:00 UTC");
    }

    #[test]
    fn states_have_colour_classes_and_words() {
        let badge = deployment_badge(DeploymentState::Running).into_string();
        assert!(badge.contains("badge running") && badge.contains("Running"), "{badge}");
        let dot = target_dot(TargetState::NeverSeen).into_string();
        assert!(dot.contains("never-seen") && dot.contains("Never seen"), "{dot}");
    }
}
