//! `ferry logs`: an application's log lines on a target, shipped by its agent.

use std::process::ExitCode;
use std::time::Duration;

use ferry_client::api::{LogLine, LogPage};
use ferry_client::{Client, ClientError, LogFilter};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::output::{self, OutputArgs};
use super::session;

/// Most lines the hub returns per request.
const PAGE: i64 = 5000;
/// Lines shown when neither --tail nor --since is given.
const DEFAULT_TAIL: i64 = 100;
/// How often --follow asks for new lines.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// Show an application's logs on a target.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Lines are printed oldest first as `<time> <resource> <line>`; with -o json, one LogLine object
of the hub API per line (NDJSON). Without --tail or --since, the last 100 lines.

Examples:
  ferry logs edge-1 shop
  ferry logs edge-1 shop --follow
  ferry logs edge-1 shop --resource web --since 15m
  ferry logs edge-1 shop --since 2026-01-02T15:00:00Z --tail 500
  ferry logs edge-1 shop -o json | jq -r .body")]
pub struct Args {
    /// The deployment: TARGET APP (names or ids), TARGET/APP, or the deployment's id.
    #[arg(value_name = "TARGET|DEPLOYMENT")]
    target: String,
    /// Application (name or id), when TARGET names a target.
    app: Option<String>,
    /// Keep printing new lines as they arrive (every 2 s) until Ctrl-C.
    #[arg(short, long)]
    follow: bool,
    /// Only lines of this container, service or object.
    #[arg(long, value_name = "R")]
    resource: Option<String>,
    /// Only lines written since then: a duration back from now (30s, 15m, 2h, 1d, 1h30m) or an
    /// RFC 3339 time (2026-01-02T15:00:00Z).
    #[arg(long, value_name = "DURATION|TIME")]
    since: Option<String>,
    /// Only the last N lines (1 to 5000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..=PAGE))]
    tail: Option<i64>,
    #[command(flatten)]
    output: OutputArgs,
}

/// Parses a duration like `90s`, `15m`, `2h`, `1d` or `1h30m` (whole numbers; units d, h, m,
/// s; each unit at most once, largest first).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let err = |why: &str| format!("invalid duration {text:?}: {why} (examples: 30s, 15m, 2h, 1d, 1h30m)");
    if text.is_empty() {
        return Err(err("empty"));
    }
    let units: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];
    let mut rest = text;
    let mut next_unit = 0;
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(err("expected a number"));
        }
        let number: u64 = rest[..digits].parse().map_err(|_| err("number too large"))?;
        let unit = rest[digits..].chars().next().ok_or_else(|| err("missing unit after the number"))?;
        let position = units[next_unit..]
            .iter()
            .position(|(u, _)| *u == unit)
            .ok_or_else(|| err("units are d, h, m, s, largest first, each once"))?;
        let seconds = units[next_unit + position].1;
        total = number.checked_mul(seconds).and_then(|s| total.checked_add(s)).ok_or_else(|| err("too long"))?;
        next_unit += position + 1;
        rest = &rest[digits + unit.len_utf8()..];
    }
    Ok(Duration::from_secs(total))
}

/// `--since`: an RFC 3339 time, or a duration back from `now`.
pub fn parse_since(text: &str, now: OffsetDateTime) -> Result<OffsetDateTime, String> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t);
    }
    let back = parse_duration(text).map_err(|e| format!("{e}, or a time like 2026-01-02T15:00:00Z"))?;
    let back = time::Duration::try_from(back).map_err(|_| format!("--since {text} is too far back"))?;
    now.checked_sub(back).ok_or_else(|| format!("--since {text} is too far back"))
}

/// Runs `ferry logs`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    Ok(session::finish(execute(args).await))
}

async fn execute(args: Args) -> anyhow::Result<()> {
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, OffsetDateTime::now_utc()))
        .transpose()
        .map_err(session::Failure::Usage)?;
    let client = session::client()?;
    let d = session::deployment_ref(&client, &args.target, args.app.as_deref()).await?;
    let json = args.output.json();
    let base = LogFilter { resource: args.resource.clone(), since, ..Default::default() };

    let mut cursor = match (args.tail, since) {
        // Everything since a time: page forward from the oldest line.
        (None, Some(_)) => drain(&client, d.id, &base, 0, json).await?,
        (tail, _) => {
            let filter = LogFilter { limit: Some(tail.unwrap_or(DEFAULT_TAIL)), ..base.clone() };
            let page = client.deployment_logs(d.id, &filter).await?;
            print_lines(&page.items, json)?;
            page.cursor
        }
    };
    if !args.follow {
        return Ok(());
    }
    // One listener for the whole loop, so a Ctrl-C during a request is not lost.
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        let polled = tokio::select! {
            _ = &mut stop => return Ok(()),
            polled = async {
                tokio::time::sleep(FOLLOW_EVERY).await;
                drain(&client, d.id, &base, cursor, json).await
            } => polled,
        };
        match polled {
            Ok(next) => cursor = next,
            // The deployment is gone or the token revoked: following cannot go on.
            Err(e) if is_final(&e) => return Err(e),
            Err(e) => eprintln!("warning: {}; retrying", session::message(&e)),
        }
    }
}

fn is_final(e: &anyhow::Error) -> bool {
    e.downcast_ref::<ClientError>().is_some_and(|c| c.is_unauthorized() || c.is_not_found())
}

/// Prints every line after `cursor`, page by page; returns the new cursor.
async fn drain(
    client: &Client,
    deployment: Uuid,
    base: &LogFilter,
    mut cursor: i64,
    json: bool,
) -> anyhow::Result<i64> {
    loop {
        let filter = LogFilter { after: Some(cursor), limit: Some(PAGE), ..base.clone() };
        let page: LogPage<LogLine> = client.deployment_logs(deployment, &filter).await?;
        print_lines(&page.items, json)?;
        let full = page.items.len() as i64 >= PAGE;
        // A cursor that does not move would loop forever; the hub never does that, but be sure.
        if !full || page.cursor <= cursor {
            return Ok(page.cursor.max(cursor));
        }
        cursor = page.cursor;
    }
}

fn print_lines(lines: &[LogLine], json: bool) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    for line in lines {
        if json {
            writeln!(out, "{}", serde_json::to_string(line)?)?;
        } else {
            writeln!(out, "{}", format_line(line))?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `<time> <resource> <line>`, safe for a terminal.
pub fn format_line(line: &LogLine) -> String {
    format!(
        "{} {} {}",
        output::log_timestamp(line.timestamp),
        output::clean(&line.resource),
        output::clean_line(&line.body)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn durations_combine_units_largest_first() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1d2h3m4s"), Ok(Duration::from_secs(93_784)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        for (bad, why) in [
            ("", "empty"),
            ("15", "missing unit"),
            ("m", "expected a number"),
            ("5w", "units are"),
            ("30m1h", "largest first"),
            ("1m1m", "each once"),
            ("-5m", "expected a number"),
            ("99999999999999999999s", "too large"),
            ("999999999999999999d", "too long"),
        ] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }

    #[test]
    fn since_takes_a_time_or_a_duration_back() {
        let now = datetime!(2026-01-02 15:00:00 UTC);
        assert_eq!(parse_since("15m", now), Ok(datetime!(2026-01-02 14:45:00 UTC)));
        assert_eq!(parse_since("2026-01-01T10:00:00+02:00", now), Ok(datetime!(2026-01-01 08:00:00 UTC)));
        let err = parse_since("yesterday", now).unwrap_err();
        assert!(err.contains("2026-01-02T15:00:00Z"), "{err}");
    }

    #[test]
    fn log_lines_are_one_safe_line() {
        let line = LogLine {
            id: 1,
            deployment_id: Uuid::nil(),
            revision_id: Uuid::nil(),
            resource: "web-1".into(),
            timestamp: datetime!(2026-01-01 00:00:01.5 UTC),
            severity: "Log".into(),
            body: "GET /\t200\x1b[0m\n".into(),
        };
        assert_eq!(format_line(&line), "2026-01-01T00:00:01.500Z web-1 GET /\t200\\u{1b}[0m");
    }
}
