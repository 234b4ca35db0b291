//! `ferry history`: the status history of a deployment.

use std::collections::HashMap;
use std::process::ExitCode;

use ferry_client::api::{DeploymentStatus, Page};
use uuid::Uuid;

use super::output::{self, Cell, OutputArgs, Table};
use super::session;

/// Largest page the hub serves.
const MAX_PAGE: i64 = 500;
/// Bound on pages fetched by --all (500 000 rows): never loop forever on a broken cursor.
const MAX_PAGES: usize = 1000;

/// Show the status history of an application on a target, newest first.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Consecutive identical reports are folded into one row with a count. One page at a time;
the command to get the next (older) page is printed at the end. With -o json, the hub's
page object: {\"items\": [...], \"next\": \"<cursor>\"}.

Examples:
  ferry history edge-1 shop
  ferry history edge-1 shop --limit 100
  ferry history edge-1 shop --before 1234
  ferry history edge-1 shop --all -o json")]
pub struct Args {
    /// The deployment: TARGET APP (names or ids), TARGET/APP, or the deployment's id.
    #[arg(value_name = "TARGET|DEPLOYMENT")]
    target: String,
    /// Application (name or id), when TARGET names a target.
    app: Option<String>,
    /// Rows per page (1 to 500).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=MAX_PAGE))]
    limit: i64,
    /// Start after this cursor (printed at the end of the previous page).
    #[arg(long, value_name = "CURSOR", conflicts_with = "all")]
    before: Option<String>,
    /// Fetch every page.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// Runs `ferry history`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    Ok(session::finish(execute(args).await))
}

async fn execute(args: Args) -> anyhow::Result<()> {
    let client = session::client()?;
    let d = session::deployment_ref(&client, &args.target, args.app.as_deref()).await?;
    let page = if args.all {
        let mut items = Vec::new();
        let mut before: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = client.status_history(d.id, before.as_deref(), Some(MAX_PAGE)).await?;
            items.extend(page.items);
            match page.next {
                Some(next) if before.as_ref() != Some(&next) => before = Some(next),
                _ => break,
            }
        }
        Page { items, next: None }
    } else {
        client.status_history(d.id, args.before.as_deref(), Some(args.limit)).await?
    };
    if args.output.json() {
        return output::print_json(&page);
    }
    if page.items.is_empty() {
        println!(
            "No status reported yet for {} on {}.",
            output::clean(&d.application_name),
            output::clean(&d.target_name)
        );
        return Ok(());
    }
    let versions: HashMap<Uuid, String> =
        client.revisions(d.id).await?.into_iter().map(|r| (r.id, r.application_version_name)).collect();
    print!("{}", history_table(&page.items, &versions).render(output::colour()));
    if let Some(next) = &page.next {
        println!();
        println!(
            "Older entries: ferry history {} {} --limit {} --before {next}",
            output::clean(&d.target_name),
            output::clean(&d.application_name),
            args.limit
        );
    }
    Ok(())
}

/// One row per folded status: when, what, how often, for which version.
fn history_table(items: &[DeploymentStatus], versions: &HashMap<Uuid, String>) -> Table {
    let mut table = Table::new(&["LAST SEEN", "FIRST SEEN", "STATUS", "COUNT", "VERSION", "REVISION", "MESSAGE"]);
    for s in items {
        let (label, paint) = output::status_label(s.kind);
        table.row(vec![
            Cell::from(output::timestamp(s.last_seen_at)),
            Cell::from(output::timestamp(s.first_seen_at)),
            Cell::painted(label, paint),
            Cell::from(s.count.to_string()),
            Cell::from(versions.get(&s.revision_id).map_or("-", String::as_str)),
            Cell::from(output::short_id(s.revision_id)),
            Cell::from(&s.message),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_client::api::StatusType;
    use time::macros::datetime;

    #[test]
    fn history_rows_name_the_version() {
        let rev = Uuid::from_u128(0xabcdef01_0000_0000_0000_000000000000);
        let item = DeploymentStatus {
            id: 7,
            revision_id: rev,
            kind: StatusType::Error,
            message: "image pull failed\nretrying".into(),
            count: 3,
            first_seen_at: datetime!(2026-01-01 10:00:00 UTC),
            last_seen_at: datetime!(2026-01-01 10:00:10 UTC),
        };
        let versions = HashMap::from([(rev, "1.2.0".to_string())]);
        let text = history_table(std::slice::from_ref(&item), &versions).render(false);
        assert_eq!(
            text.lines().nth(1),
            Some(
                "2026-01-01 10:00:10   2026-01-01 10:00:00   Error    3       1.2.0     abcdef01   image pull failed retrying"
            )
        );
        let unknown = history_table(&[item], &HashMap::new()).render(false);
        assert!(unknown.contains("   -         abcdef01"), "{unknown}");
    }
}
