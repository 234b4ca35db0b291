//! How vendor commands print: aligned tables for people, the API's JSON objects for scripts,
//! colour only on a terminal, and no terminal control characters from the hub's data.

use std::io::IsTerminal as _;

use ferry_client::api::{DeploymentState, StatusType, TargetState};
use serde::Serialize;
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

/// `-o table|json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// The hub API's JSON objects, for scripts.
    Json,
}

/// The `-o/--output` option of read commands.
#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    /// Output format: `table` for people, `json` for scripts (the API's objects).
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

impl OutputArgs {
    /// Whether JSON was asked for.
    pub fn json(&self) -> bool {
        self.format == Format::Json
    }
}

/// Prints a value as indented JSON.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Whether to colour stdout: a terminal, and `NO_COLOR` not set.
pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// A colour for a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// Errors.
    Red,
    /// Stale things.
    Yellow,
    /// Work under way.
    Blue,
    /// Running.
    Green,
    /// Healthy.
    BoldGreen,
    /// Nothing known.
    Dim,
}

impl Paint {
    fn ansi(self) -> &'static str {
        match self {
            Paint::Red => "31",
            Paint::Yellow => "33",
            Paint::Blue => "34",
            Paint::Green => "32",
            Paint::BoldGreen => "1;32",
            Paint::Dim => "2",
        }
    }

    /// `text` in this colour when `on`.
    pub fn apply(self, text: &str, on: bool) -> String {
        if on { format!("\x1b[{}m{text}\x1b[0m", self.ansi()) } else { text.to_string() }
    }
}

/// The colour of a deployment state (as the web UI shows it).
pub fn deployment_paint(state: DeploymentState) -> Paint {
    match state {
        DeploymentState::NoStatus => Paint::Dim,
        DeploymentState::Error => Paint::Red,
        DeploymentState::Stale => Paint::Yellow,
        DeploymentState::Progressing => Paint::Blue,
        DeploymentState::Running => Paint::Green,
        DeploymentState::Healthy => Paint::BoldGreen,
    }
}

/// The colour of a target state.
pub fn target_paint(state: TargetState) -> Paint {
    match state {
        TargetState::NeverSeen => Paint::Dim,
        TargetState::Online => Paint::Green,
        TargetState::Stale => Paint::Yellow,
    }
}

/// A status kind as people read it, with its colour.
pub fn status_label(kind: StatusType) -> (&'static str, Paint) {
    match kind {
        StatusType::Healthy => ("Healthy", Paint::BoldGreen),
        StatusType::Running => ("Running", Paint::Green),
        StatusType::Progressing => ("Progressing", Paint::Blue),
        StatusType::Error => ("Error", Paint::Red),
    }
}

/// One table cell.
#[derive(Debug, Clone)]
pub struct Cell {
    text: String,
    paint: Option<Paint>,
}

impl Cell {
    /// A painted cell.
    pub fn painted(text: impl AsRef<str>, paint: Paint) -> Self {
        Cell { text: clean(text.as_ref()), paint: Some(paint) }
    }
}

impl<T: AsRef<str>> From<T> for Cell {
    fn from(text: T) -> Self {
        Cell { text: clean(text.as_ref()), paint: None }
    }
}

/// Rows under a header, columns aligned by their widest cell.
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Self {
        Table { header: header.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    /// Adds a row; missing cells are blank, extra cells dropped.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// The table as text, one line per row, each ending in a newline; cells are separated by
    /// three spaces and lines carry no trailing spaces.
    pub fn render(&self, colour: bool) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(width(&cell.text));
            }
        }
        let mut out = String::new();
        let header: Vec<Cell> = self.header.iter().map(Cell::from).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, w) in widths.iter().enumerate() {
                let (text, paint) = row.get(i).map(|c| (c.text.as_str(), c.paint)).unwrap_or(("", None));
                if i > 0 {
                    line.push_str("   ");
                }
                match paint {
                    Some(p) => line.push_str(&p.apply(text, colour)),
                    None => line.push_str(text),
                }
                if i + 1 < columns {
                    line.push_str(&" ".repeat(w - width(text)));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// Text from the hub made safe for one table cell or line: line breaks and tabs become
/// spaces, other control characters (escape sequences a name or message could smuggle into
/// a terminal) are shown escaped.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// Like [`clean`], for one log line: tabs stay, a trailing line break goes.
pub fn clean_line(text: &str) -> String {
    let text = text.trim_end_matches(['\n', '\r']);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push('\t'),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// How long ago, roughly: `12s ago`, `5m ago`, `3h ago`, `4d ago`.
pub fn ago(then: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (now - then).whole_seconds();
    match secs {
        s if s < 1 => "just now".to_string(),
        s if s < 60 => format!("{s}s ago"),
        s if s < 3600 => format!("{}m ago", s / 60),
        s if s < 48 * 3600 => format!("{}h ago", s / 3600),
        s => format!("{}d ago", s / 86400),
    }
}

/// [`ago`], or `never`.
pub fn ago_or_never(then: Option<OffsetDateTime>, now: OffsetDateTime) -> String {
    then.map_or_else(|| "never".to_string(), |t| ago(t, now))
}

/// A time as `2026-01-02 15:04:05` UTC.
pub fn timestamp(t: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_else(|_| t.to_string())
}

/// A time as RFC 3339 with milliseconds, for log lines: `2026-01-02T15:04:05.123Z`.
pub fn log_timestamp(t: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_else(|_| t.to_string())
}

/// The first eight hex digits of an id: enough to tell revisions apart at a glance.
pub fn short_id(id: Uuid) -> String {
    id.simple().to_string().chars().take(8).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn tables_align_without_trailing_spaces() {
        let mut t = Table::new(&["NAME", "STATE", "MESSAGE"]);
        t.row(vec!["edge-1".into(), Cell::painted("Healthy", Paint::Green), "".into()]);
        t.row(vec!["a".into(), "No status".into(), "waiting for the agent".into()]);
        t.row(vec!["short-row".into()]);
        assert_eq!(
            t.render(false),
            "NAME        STATE       MESSAGE\n\
             edge-1      Healthy\n\
             a           No status   waiting for the agent\n\
             short-row\n"
        );
    }

    #[test]
    fn colour_does_not_disturb_alignment() {
        let mut t = Table::new(&["STATE", "X"]);
        t.row(vec![Cell::painted("Error", Paint::Red), "1".into()]);
        t.row(vec!["Progressing".into(), "2".into()]);
        let text = t.render(true);
        assert_eq!(text.lines().nth(1), Some("\x1b[31mError\x1b[0m         1"));
        assert_eq!(text.lines().nth(2), Some("Progressing   2"));
        assert!(!t.render(false).contains('\x1b'));
    }

    #[test]
    fn hostile_text_cannot_reach_the_terminal() {
        assert_eq!(clean("evil\x1b[2Jname\nnext\tcol"), "evil\\u{1b}[2Jname next col");
        assert_eq!(clean_line("a\tb\x07\r\n"), "a\tb\\u{7}");
        let mut t = Table::new(&["N"]);
        t.row(vec!["\x1b]0;title\x07".into()]);
        assert!(!t.render(true).contains('\x1b'));
        // Width counts characters, not bytes.
        let mut t = Table::new(&["N", "X"]);
        t.row(vec!["héllo".into(), "1".into()]);
        assert_eq!(t.render(false).lines().nth(1), Some("héllo   1"));
    }

    #[test]
    fn times_read_naturally() {
        let now = datetime!(2026-01-10 12:00:00 UTC);
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now + time::Duration::seconds(5), now), "just now", "clock skew is not negative");
        assert_eq!(ago(now - time::Duration::seconds(42), now), "42s ago");
        assert_eq!(ago(now - time::Duration::minutes(59), now), "59m ago");
        assert_eq!(ago(now - time::Duration::hours(47), now), "47h ago");
        assert_eq!(ago(now - time::Duration::days(9), now), "9d ago");
        assert_eq!(ago_or_never(None, now), "never");
        let t = datetime!(2026-01-02 15:04:05.123456 +02:00);
        assert_eq!(timestamp(t), "2026-01-02 13:04:05");
        assert_eq!(log_timestamp(t), "2026-01-02T13:04:05.123Z");
    }

    #[test]
    fn truncation_and_short_ids() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(short_id(Uuid::parse_str("6f1d1b7e-3a5c-4a63-9a58-0c2a8a5d4e11").unwrap()), "6f1d1b7e");
    }
}
