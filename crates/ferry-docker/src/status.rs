//! Deployment health from container and service state (PROTOCOL.md §5, §10): a pure
//! function over plain data.

use ferry_proto::agent::StatusType;

/// A container restarting more often than this is in a restart loop.
pub const RESTART_LIMIT: i64 = 3;

/// What the status of one container depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerView {
    /// Compose service.
    pub service: String,
    /// Container name.
    pub name: String,
    /// Engine state: `created`, `running`, `paused`, `restarting`, `removing`, `exited`, `dead`.
    pub state: String,
    /// Exit code of the last run (meaningful once exited).
    pub exit_code: Option<i64>,
    /// Health check status (`starting`, `healthy`, `unhealthy`); `None` without a check.
    pub health: Option<String>,
    /// How often the engine restarted it.
    pub restart_count: i64,
    /// Restart policy name (`no`, `always`, `unless-stopped`, `on-failure`, or empty).
    pub restart_policy: String,
    /// Killed for lack of memory.
    pub oom_killed: bool,
    /// The engine's error for it (e.g. a missing image or mount).
    pub error: Option<String>,
    /// Its last log lines, filled in only for containers in trouble.
    pub last_logs: Vec<String>,
}

impl ContainerView {
    /// A container that ran to completion successfully and is not meant to be restarted: an
    /// init job or a `service_completed_successfully` dependency.
    pub fn completed(&self) -> bool {
        self.state == "exited"
            && self.exit_code == Some(0)
            && matches!(self.restart_policy.as_str(), "" | "no" | "on-failure")
    }
}

/// Health of one container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Health {
    Healthy,
    Completed,
    Running,
    Progressing,
    Error,
}

fn container_health(c: &ContainerView) -> (Health, String) {
    let describe = |what: &str| format!("{} ({}) {what}", c.service, c.name);
    match c.state.as_str() {
        "running" => match c.health.as_deref() {
            Some("healthy") => (Health::Healthy, describe("is healthy")),
            Some("unhealthy") => (Health::Error, describe("is unhealthy")),
            Some("starting") => (Health::Progressing, describe("is starting (health check pending)")),
            _ => (Health::Running, describe("is running")),
        },
        "restarting" if c.restart_count > RESTART_LIMIT => (
            Health::Error,
            describe(&format!("is in a restart loop ({} restarts, last exit code {})", c.restart_count, code(c))),
        ),
        "restarting" => (Health::Progressing, describe(&format!("is restarting (exit code {})", code(c)))),
        "created" => match &c.error {
            Some(e) if !e.is_empty() => (Health::Error, describe(&format!("could not start: {e}"))),
            _ => (Health::Progressing, describe("is created, not yet started")),
        },
        "removing" => (Health::Progressing, describe("is being removed")),
        "exited" if c.completed() => (Health::Completed, describe("completed")),
        "exited" if c.oom_killed => (Health::Error, describe("was killed: out of memory")),
        "exited" => match &c.error {
            Some(e) if !e.is_empty() => (Health::Error, describe(&format!("exited: {e}"))),
            _ => (Health::Error, describe(&format!("exited with code {}", code(c)))),
        },
        "paused" => (Health::Error, describe("is paused")),
        "dead" => (Health::Error, describe("is dead")),
        other => (Health::Progressing, describe(&format!("is {other}"))),
    }
}

fn code(c: &ContainerView) -> String {
    c.exit_code.map_or_else(|| "unknown".to_string(), |n| n.to_string())
}

/// The status of a Compose deployment from its containers, and what a person should read.
/// Errors name the service, its state and its last log lines.
pub fn compose_status(containers: &[ContainerView]) -> (StatusType, String) {
    if containers.is_empty() {
        return (StatusType::Error, "no containers of the deployment exist".into());
    }
    let judged: Vec<(Health, String, &ContainerView)> = containers
        .iter()
        .map(|c| {
            let (h, m) = container_health(c);
            (h, m, c)
        })
        .collect();
    let worst = judged.iter().map(|(h, _, _)| *h).max().unwrap_or(Health::Healthy);
    let pick = |h: Health| judged.iter().filter(move |(x, _, _)| *x == h);
    match worst {
        Health::Error => {
            let parts: Vec<String> = pick(Health::Error)
                .map(|(_, m, c)| {
                    if c.last_logs.is_empty() {
                        m.clone()
                    } else {
                        format!("{m}; last log lines:\n{}", c.last_logs.join("\n"))
                    }
                })
                .collect();
            (StatusType::Error, parts.join("\n"))
        }
        Health::Progressing => {
            let parts: Vec<String> = pick(Health::Progressing).map(|(_, m, _)| m.clone()).collect();
            (StatusType::Progressing, parts.join("; "))
        }
        Health::Running => {
            let running = judged.iter().filter(|(h, _, _)| *h != Health::Completed).count();
            let unchecked: Vec<&str> = pick(Health::Running).map(|(_, _, c)| c.service.as_str()).collect();
            (
                StatusType::Running,
                format!("{running} container(s) running; without health check: {}", unchecked.join(", ")),
            )
        }
        Health::Healthy | Health::Completed => {
            let healthy = pick(Health::Healthy).count();
            let completed = pick(Health::Completed).count();
            let mut message = format!("{healthy} container(s) healthy");
            if completed > 0 {
                message.push_str(&format!(", {completed} one-shot container(s) completed"));
            }
            (StatusType::Healthy, message)
        }
    }
}

/// What the status of one Swarm service depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceView {
    /// Service name (`<stack>_<service>`).
    pub name: String,
    /// Tasks it should run.
    pub desired: u64,
    /// Tasks running.
    pub running: u64,
    /// Errors of its recent failed or rejected tasks, newest first.
    pub task_errors: Vec<String>,
    /// A job (replicated-job / global-job) rather than a long-running service.
    pub job: bool,
}

/// The status of a Swarm stack from its services' running and desired tasks.
pub fn stack_status(services: &[ServiceView]) -> (StatusType, String) {
    if services.is_empty() {
        return (StatusType::Error, "no services of the stack exist".into());
    }
    let mut errors = Vec::new();
    let mut waiting = Vec::new();
    for s in services.iter().filter(|s| !s.job) {
        if s.running >= s.desired {
            continue;
        }
        let line = format!("{}: {}/{} tasks running", s.name, s.running, s.desired);
        match s.task_errors.first() {
            Some(err) => errors.push(format!("{line}; last task failed: {err}")),
            None => waiting.push(line),
        }
    }
    if !errors.is_empty() {
        return (StatusType::Error, errors.join("\n"));
    }
    if !waiting.is_empty() {
        return (StatusType::Progressing, waiting.join("; "));
    }
    let tasks: u64 = services.iter().map(|s| s.running).sum();
    (StatusType::Healthy, format!("{} service(s), {tasks} task(s) running", services.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(service: &str, state: &str) -> ContainerView {
        ContainerView {
            service: service.into(),
            name: format!("p_{service}_1"),
            state: state.into(),
            restart_policy: "no".into(),
            ..Default::default()
        }
    }

    fn with(mut v: ContainerView, f: impl FnOnce(&mut ContainerView)) -> ContainerView {
        f(&mut v);
        v
    }

    #[test]
    fn all_running_and_healthy_is_healthy() {
        let web = with(c("web", "running"), |v| v.health = Some("healthy".into()));
        let (s, m) = compose_status(&[web]);
        assert_eq!(s, StatusType::Healthy);
        assert_eq!(m, "1 container(s) healthy");
    }

    #[test]
    fn running_without_health_check_is_running() {
        let web = with(c("web", "running"), |v| v.health = Some("healthy".into()));
        let (s, m) = compose_status(&[web, c("worker", "running")]);
        assert_eq!(s, StatusType::Running);
        assert!(m.contains("without health check: worker"), "{m}");
    }

    #[test]
    fn completed_one_shots_are_not_errors() {
        let init = with(c("init", "exited"), |v| v.exit_code = Some(0));
        let web = with(c("web", "running"), |v| v.health = Some("healthy".into()));
        let (s, m) = compose_status(&[init.clone(), web]);
        assert_eq!(s, StatusType::Healthy, "{m}");
        assert!(m.contains("1 one-shot container(s) completed"));
        // An always-restarting service that exited 0 is not a one-shot.
        let stopped = with(init, |v| v.restart_policy = "always".into());
        assert_eq!(compose_status(&[stopped]).0, StatusType::Error);
    }

    #[test]
    fn starting_things_are_progressing() {
        for v in [
            with(c("web", "running"), |v| v.health = Some("starting".into())),
            with(c("web", "restarting"), |v| v.restart_count = 1),
            c("web", "created"),
        ] {
            assert_eq!(compose_status(std::slice::from_ref(&v)).0, StatusType::Progressing, "{v:?}");
        }
    }

    #[test]
    fn errors_name_service_state_and_last_logs() {
        let crashed = with(c("db", "exited"), |v| {
            v.exit_code = Some(3);
            v.last_logs = vec!["fatal: no config".into()];
        });
        let (s, m) = compose_status(&[crashed, c("web", "running")]);
        assert_eq!(s, StatusType::Error);
        assert_eq!(m, "db (p_db_1) exited with code 3; last log lines:\nfatal: no config");

        let unhealthy = with(c("web", "running"), |v| v.health = Some("unhealthy".into()));
        assert!(compose_status(&[unhealthy]).1.contains("web (p_web_1) is unhealthy"));
        let looping = with(c("web", "restarting"), |v| {
            v.restart_count = 9;
            v.exit_code = Some(1);
        });
        assert!(compose_status(&[looping]).1.contains("restart loop (9 restarts, last exit code 1)"));
        let oom = with(c("web", "exited"), |v| {
            v.exit_code = Some(137);
            v.oom_killed = true;
        });
        assert!(compose_status(&[oom]).1.contains("out of memory"));
        let no_image = with(c("web", "created"), |v| v.error = Some("No such image: x".into()));
        assert_eq!(compose_status(&[no_image]).0, StatusType::Error);
        assert_eq!(compose_status(&[]).0, StatusType::Error);
    }

    #[test]
    fn stack_status_compares_running_and_desired_tasks() {
        let ok = ServiceView { name: "s_web".into(), desired: 2, running: 2, ..Default::default() };
        assert_eq!(stack_status(std::slice::from_ref(&ok)).0, StatusType::Healthy);
        let starting = ServiceView { running: 1, ..ok.clone() };
        assert_eq!(stack_status(std::slice::from_ref(&starting)).0, StatusType::Progressing);
        let failing = ServiceView { task_errors: vec!["No such image: nope".into()], ..starting };
        let (s, m) = stack_status(&[ok.clone(), failing]);
        assert_eq!(s, StatusType::Error);
        assert!(m.contains("s_web: 1/2 tasks running; last task failed: No such image: nope"), "{m}");
        let job = ServiceView { job: true, desired: 1, running: 0, ..ok };
        assert_eq!(stack_status(&[job]).0, StatusType::Healthy);
        assert_eq!(stack_status(&[]).0, StatusType::Error);
    }
}
