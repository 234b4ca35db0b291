//! Swarm stacks: `docker stack deploy` and `docker stack rm` for changes, the Engine API
//! for services, tasks and logs.

use std::path::Path;

use ferry_agent::driver::{DriverError, LogLine, Observation, Progress, TargetContext};
use ferry_proto::agent::AgentDeployment;
use time::OffsetDateTime;

use super::workdir::COMPOSE_FILE;
use super::{DockerDriver, engine_fail, fail, io_fail};
use crate::compose;
use crate::facts::{Facts, Mode};
use crate::runner::CommandSpec;
use crate::status;

impl DockerDriver {
    /// `docker stack deploy --detach` exists only in newer CLIs (docker 20.10 has none and
    /// always returns at once); older ones reject the flag.
    pub(super) async fn stack_detach_flag(&self) -> bool {
        *self
            .stack_detach
            .get_or_init(|| async {
                let help = CommandSpec::new(self.config.docker_cli.clone(), ["stack", "deploy", "--help"]);
                self.runner.run(&help, &|_| {}).await.is_ok_and(|o| o.lines.iter().any(|l| l.contains("--detach")))
            })
            .await
    }

    pub(super) async fn apply_swarm(
        &self,
        deployment: &AgentDeployment,
        text: &str,
        project: &str,
        target: &TargetContext,
        progress: Progress<'_>,
        secrets: &[String],
    ) -> Result<Facts, DriverError> {
        if !self.api.swarm_manager().await.map_err(engine_fail)? {
            return Err(fail(
                "this Docker engine is not a Swarm manager (Swarm mode is inactive): run `docker swarm init`, \
                 or deploy with dockerType compose",
            ));
        }
        let file = compose::with_stack_version(&compose::without_name(text));
        let (dir, mut env) = self.prepare_dir(deployment, &file, Some(target))?;
        // `docker stack deploy` interpolates from its environment only, not from `.env`.
        let dotenv = String::from_utf8_lossy(deployment.env_file.as_deref().unwrap_or_default()).into_owned();
        env.extend(compose::parse_env_file(&dotenv));
        let mut args: Vec<String> = ["stack", "deploy", "--with-registry-auth", "--prune"].map(String::from).to_vec();
        if self.stack_detach_flag().await {
            args.push("--detach=true".into());
        }
        args.extend(["-c".to_string(), COMPOSE_FILE.to_string(), project.to_string()]);
        progress("deploying the stack");
        let what = format!("docker stack deploy of stack {project}");
        self.run_tool(CommandSpec::new(self.config.docker_cli.clone(), args), &dir, env, progress, secrets, &what)
            .await?;
        Ok(Facts { mode: Mode::Swarm, project: project.to_string(), ..Facts::default() })
    }

    /// `docker stack rm`; volumes are kept.
    pub(super) async fn remove_swarm(&self, facts: &Facts, dir: &Path) -> Result<(), DriverError> {
        let args = ["stack", "rm", facts.project.as_str()];
        let what = format!("docker stack rm of stack {}", facts.project);
        std::fs::create_dir_all(dir).map_err(|e| io_fail("create", dir, e))?;
        self.run_tool(CommandSpec::new(self.config.docker_cli.clone(), args), dir, Vec::new(), &|_| {}, &[], &what)
            .await?;
        Ok(())
    }

    pub(super) async fn observe_swarm(&self, facts: &Facts) -> Result<Observation, DriverError> {
        let services = self.api.stack_services(&facts.project).await.map_err(engine_fail)?;
        let drift = services.is_empty().then(|| format!("the services of stack {} were removed", facts.project));
        let (status, message) = status::stack_status(&services);
        Ok(Observation { status, message, drift })
    }

    /// Log lines of the stack's services.
    pub(super) async fn swarm_logs(
        &self,
        facts: &Facts,
        since: Option<OffsetDateTime>,
        max: usize,
        lines: &mut Vec<LogLine>,
    ) -> Result<(), DriverError> {
        let services = self.api.stack_services(&facts.project).await.map_err(engine_fail)?;
        for s in &services {
            let raw = self.api.service_logs(&s.name, since, max).await.map_err(engine_fail)?;
            lines.extend(raw.into_iter().map(|l| LogLine {
                resource: s.name.clone(),
                timestamp: l.timestamp,
                severity: if l.stderr { "stderr" } else { "stdout" }.to_string(),
                body: l.body,
            }));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    use super::super::fake::*;
    use super::super::*;

    #[tokio::test]
    async fn swarm_apply_outside_swarm_mode_says_what_to_do() {
        let state = tempfile::tempdir().unwrap();
        let (driver, _engine, runner) = driver(state.path());
        let d = AgentDeployment { docker_type: Some(DockerType::Swarm), ..deployment() };
        let err = driver.apply(&TargetContext::default(), &d, None, &|_| {}).await.unwrap_err();
        assert!(err.message.contains("docker swarm init"), "{err}");
        assert!(runner.calls().is_empty());
    }
}
