//! `ferry status`: what runs where, and how it is doing.

use std::process::ExitCode;

use ferry_client::api::{Deployment, Target};
use serde::Serialize;
use time::OffsetDateTime;

use super::output::{self, Cell, OutputArgs, Table};
use super::session;

/// Show deployments with their state, and the targets' agents.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
States: No status (nothing reported yet), Error, Stale (no report for 60 s), Progressing,
Running (some parts without health checks), Healthy. Without a target, also lists every target
as online, stale (not heard from for 60 s) or never seen.

With -o json: {\"targets\": [...], \"deployments\": [...]} without a target,
{\"target\": {...}, \"deployments\": [...]} with one; the objects are the hub API's.

Examples:
  ferry status
  ferry status edge-1
  ferry status -o json | jq '.deployments[] | select(.state == \"error\")'")]
pub struct Args {
    /// Only this target (name or id).
    target: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Serialize)]
struct Everything<'a> {
    targets: &'a [Target],
    deployments: &'a [Deployment],
}

#[derive(Serialize)]
struct OneTarget<'a> {
    target: &'a Target,
    deployments: &'a [Deployment],
}

/// Runs `ferry status`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    Ok(session::finish(execute(args).await))
}

async fn execute(args: Args) -> anyhow::Result<()> {
    let client = session::client()?;
    let colour = output::colour();
    let now = OffsetDateTime::now_utc();
    match &args.target {
        Some(wanted) => {
            let target = session::target(&client, wanted).await?;
            let deployments = client.deployments(Some(target.id)).await?;
            if args.output.json() {
                return output::print_json(&OneTarget { target: &target, deployments: &deployments });
            }
            let seen = target.last_seen_at.map(|t| format!(", last seen {}", output::ago(t, now))).unwrap_or_default();
            println!(
                "Target {} ({}): {}{seen}",
                output::clean(&target.name),
                target.kind,
                output::target_paint(target.state).apply(target.state.label(), colour),
            );
            println!();
            if deployments.is_empty() {
                println!("Nothing deployed: `ferry deploy {} <app> <version>`.", output::clean(&target.name));
            } else {
                print!("{}", deployments_table(&deployments, false, now).render(colour));
            }
        }
        None => {
            let (targets, deployments) = tokio::try_join!(client.targets(), client.deployments(None))?;
            if args.output.json() {
                return output::print_json(&Everything { targets: &targets, deployments: &deployments });
            }
            if targets.is_empty() {
                println!("No targets yet: `ferry target create <name> --type docker` creates one.");
                return Ok(());
            }
            println!("DEPLOYMENTS");
            if deployments.is_empty() {
                println!("Nothing deployed yet: `ferry deploy <target> <app> <version>`.");
            } else {
                print!("{}", deployments_table(&deployments, true, now).render(colour));
            }
            println!();
            println!("TARGETS");
            let mut table = Table::new(&["NAME", "TYPE", "STATE", "LAST SEEN", "AGENT", "DEPLOYMENTS"]);
            for t in &targets {
                let count = deployments.iter().filter(|d| d.target_id == t.id).count();
                table.row(vec![
                    Cell::from(&t.name),
                    Cell::from(t.kind.as_str()),
                    Cell::painted(t.state.label(), output::target_paint(t.state)),
                    Cell::from(output::ago_or_never(t.last_seen_at, now)),
                    Cell::from(super::target::agent_label(t)),
                    Cell::from(count.to_string()),
                ]);
            }
            print!("{}", table.render(colour));
        }
    }
    Ok(())
}

/// Longest status message shown in a table; `ferry history` and `-o json` show it whole.
const MESSAGE_WIDTH: usize = 60;

/// One row per deployment: state, message, revision, last report.
pub fn deployments_table(deployments: &[Deployment], with_target: bool, now: OffsetDateTime) -> Table {
    let mut header = vec!["APPLICATION", "VERSION", "STATE", "MESSAGE", "REVISION", "LAST SEEN"];
    if with_target {
        header.insert(0, "TARGET");
    }
    let mut table = Table::new(&header);
    for d in deployments {
        let message = match &d.status {
            None => String::new(),
            // The agent has not reported on the newest revision yet: say what the message is about.
            Some(s) if s.revision_id != d.revision.id => format!("(previous revision) {}", s.message),
            Some(s) => s.message.clone(),
        };
        let mut row = vec![
            Cell::from(&d.application_name),
            Cell::from(&d.revision.application_version_name),
            Cell::painted(d.state.label(), output::deployment_paint(d.state)),
            Cell::from(output::truncate(&output::clean(&message), MESSAGE_WIDTH)),
            Cell::from(output::short_id(d.revision.id)),
            Cell::from(d.status.as_ref().map_or_else(|| "never".to_string(), |s| output::ago(s.last_seen_at, now))),
        ];
        if with_target {
            row.insert(0, Cell::from(&d.target_name));
        }
        table.row(row);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_client::api::{DeploymentState, DeploymentStatus, Revision, StatusType};
    use uuid::Uuid;

    fn deployment(status: Option<(Uuid, &str)>, state: DeploymentState, now: OffsetDateTime) -> Deployment {
        let rev = Uuid::parse_str("11111111-2222-3333-4444-555555555555").unwrap();
        Deployment {
            id: Uuid::nil(),
            target_id: Uuid::nil(),
            target_name: "edge".into(),
            application_id: Uuid::nil(),
            application_name: "web".into(),
            release_name: "web".into(),
            logs_enabled: true,
            created_at: now,
            revision: Revision {
                id: rev,
                deployment_id: Uuid::nil(),
                application_version_id: Uuid::nil(),
                application_version_name: "1.0.0".into(),
                env_file: None,
                values: None,
                docker_type: None,
                force_restart: false,
                image_cleanup_enabled: false,
                ignore_revision_skew: false,
                helm_options: None,
                registry_hosts: vec![],
                created_at: now,
            },
            status: status.map(|(revision_id, message)| DeploymentStatus {
                id: 1,
                revision_id: if revision_id.is_nil() { rev } else { revision_id },
                kind: StatusType::Healthy,
                message: message.into(),
                count: 1,
                first_seen_at: now,
                last_seen_at: now - time::Duration::seconds(3),
            }),
            state,
        }
    }

    #[test]
    fn deployment_rows_show_state_message_revision_and_age() {
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(1);
        let rows = [
            deployment(None, DeploymentState::NoStatus, now),
            deployment(Some((Uuid::nil(), "all up")), DeploymentState::Healthy, now),
            deployment(Some((Uuid::from_u128(9), "old news")), DeploymentState::Healthy, now),
        ];
        let text = deployments_table(&rows, true, now).render(false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "TARGET   APPLICATION   VERSION   STATE       MESSAGE                        REVISION   LAST SEEN"
        );
        assert_eq!(
            lines[1],
            "edge     web           1.0.0     No status                                  11111111   never"
        );
        assert_eq!(
            lines[2],
            "edge     web           1.0.0     Healthy     all up                         11111111   3s ago"
        );
        assert_eq!(
            lines[3],
            "edge     web           1.0.0     Healthy     (previous revision) old news   11111111   3s ago"
        );
    }
}
