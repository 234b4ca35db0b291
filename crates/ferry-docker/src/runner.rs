//! Running the Docker and Compose command-line tools. Every process goes through
//! [`CommandRunner`] so that tests can script the tools and so the driver can count what it
//! spawned (the agent must spawn nothing while idle).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};

/// How many output lines a finished command keeps for error messages.
const KEPT_LINES: usize = 200;
/// Longest line kept; Compose's progress bars can be long, error messages are not.
const MAX_LINE: usize = 4096;

/// One process to run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandSpec {
    /// Program name or path.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Working directory, if not the agent's own.
    pub cwd: Option<PathBuf>,
    /// Extra environment variables. Values may be secret: never log them.
    pub env: Vec<(String, String)>,
    /// Bytes written to standard input, which is closed afterwards.
    pub stdin: Option<Vec<u8>>,
    /// The process is killed when it runs longer.
    pub timeout: Duration,
}

impl CommandSpec {
    /// A command with a timeout of ten minutes.
    pub fn new(program: impl Into<String>, args: impl IntoIterator<Item = impl Into<String>>) -> Self {
        CommandSpec {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            timeout: Duration::from_secs(600),
            ..CommandSpec::default()
        }
    }

    /// The command line as a person would type it (no environment: it may hold secrets).
    pub fn display(&self) -> String {
        std::iter::once(self.program.as_str()).chain(self.args.iter().map(String::as_str)).collect::<Vec<_>>().join(" ")
    }
}

/// What a finished process left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandOutput {
    /// Exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    /// The last lines of standard output and standard error, interleaved as they came.
    pub lines: Vec<String>,
}

impl CommandOutput {
    /// Whether the process exited with 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// A process could not be run to its end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// The program could not be started.
    #[error("cannot run {program}: {reason}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        reason: String,
    },
    /// It ran past its timeout and was killed.
    #[error("{command} did not finish within {seconds} s and was stopped")]
    Timeout {
        /// The command line.
        command: String,
        /// The timeout.
        seconds: u64,
    },
    /// Reading its output or waiting for it failed.
    #[error("lost track of {program}: {reason}")]
    Io {
        /// The program.
        program: String,
        /// Why.
        reason: String,
    },
}

/// Receives each output line as it is written.
pub type LineSink<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// Runs processes.
#[async_trait]
pub trait CommandRunner: Send + Sync {
    /// Runs `spec` to its end, passing each line of output to `on_line`.
    async fn run(&self, spec: &CommandSpec, on_line: LineSink<'_>) -> Result<CommandOutput, RunError>;

    /// How many processes were started so far.
    fn spawned(&self) -> u64;
}

/// The real runner, on `tokio::process`.
#[derive(Debug, Default)]
pub struct ProcessRunner {
    spawned: AtomicU64,
}

impl ProcessRunner {
    /// A runner that has started nothing yet.
    pub fn new() -> Self {
        ProcessRunner::default()
    }
}

/// Keeps the last [`KEPT_LINES`] lines.
#[derive(Default)]
struct Tail(Mutex<VecDeque<String>>);

impl Tail {
    fn push(&self, line: String) {
        if let Ok(mut lines) = self.0.lock() {
            if lines.len() == KEPT_LINES {
                lines.pop_front();
            }
            lines.push_back(line);
        }
    }

    fn take(&self) -> Vec<String> {
        self.0.lock().map(|mut l| l.drain(..).collect()).unwrap_or_default()
    }
}

/// Compose redraws progress with carriage returns and colours it; keep the words.
pub fn clean_line(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI sequence: ESC [ params final-byte.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
            }
            '\r' => out.clear(),
            c => out.push(c),
        }
    }
    let mut out = out.trim_end().to_string();
    if out.len() > MAX_LINE {
        let mut end = MAX_LINE;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out
}

async fn pump(reader: impl AsyncRead + Unpin, tail: &Tail, on_line: LineSink<'_>) -> std::io::Result<()> {
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).await? == 0 {
            return Ok(());
        }
        // Compose v1 rewrites a line in place with `\r`; each rewrite is a line to us.
        for part in String::from_utf8_lossy(&buf).split('\r') {
            let line = clean_line(part);
            if !line.is_empty() {
                on_line(&line);
                tail.push(line);
            }
        }
    }
}

#[async_trait]
impl CommandRunner for ProcessRunner {
    async fn run(&self, spec: &CommandSpec, on_line: LineSink<'_>) -> Result<CommandOutput, RunError> {
        let mut command = tokio::process::Command::new(&spec.program);
        command
            .args(&spec.args)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(if spec.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(cwd) = &spec.cwd {
            command.current_dir(cwd);
        }
        let mut child =
            command.spawn().map_err(|e| RunError::Spawn { program: spec.program.clone(), reason: e.to_string() })?;
        self.spawned.fetch_add(1, Ordering::Relaxed);
        let io_error = |e: std::io::Error| RunError::Io { program: spec.program.clone(), reason: e.to_string() };
        if let (Some(bytes), Some(mut stdin)) = (&spec.stdin, child.stdin.take()) {
            stdin.write_all(bytes).await.map_err(io_error)?;
            drop(stdin);
        }
        let tail = Tail::default();
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let work = async {
            let out = async {
                match stdout {
                    Some(s) => pump(s, &tail, on_line).await,
                    None => Ok(()),
                }
            };
            let err = async {
                match stderr {
                    Some(s) => pump(s, &tail, on_line).await,
                    None => Ok(()),
                }
            };
            let (a, b) = tokio::join!(out, err);
            a.and(b)?;
            child.wait().await
        };
        match tokio::time::timeout(spec.timeout, work).await {
            Ok(Ok(status)) => Ok(CommandOutput { code: status.code(), lines: tail.take() }),
            Ok(Err(e)) => Err(io_error(e)),
            // Dropping the child kills it (kill_on_drop).
            Err(_) => Err(RunError::Timeout { command: spec.display(), seconds: spec.timeout.as_secs() }),
        }
    }

    fn spawned(&self) -> u64 {
        self.spawned.load(Ordering::Relaxed)
    }
}

/// A scripted runner for tests: answers each command with the first rule whose pattern
/// occurs in its command line, and records what it was asked to run.
#[derive(Default)]
pub struct FakeRunner {
    rules: Mutex<Vec<(String, CommandOutput)>>,
    calls: Mutex<Vec<CommandSpec>>,
}

impl FakeRunner {
    /// A runner that answers every command with exit code 0 and no output.
    pub fn new() -> Self {
        FakeRunner::default()
    }

    /// Commands whose command line contains `pattern` exit with `code` after printing `lines`.
    pub fn on(&self, pattern: &str, code: i32, lines: &[&str]) -> &Self {
        if let Ok(mut rules) = self.rules.lock() {
            rules.push((
                pattern.to_string(),
                CommandOutput { code: Some(code), lines: lines.iter().map(|l| l.to_string()).collect() },
            ));
        }
        self
    }

    /// Everything run so far.
    pub fn calls(&self) -> Vec<CommandSpec> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl CommandRunner for FakeRunner {
    async fn run(&self, spec: &CommandSpec, on_line: LineSink<'_>) -> Result<CommandOutput, RunError> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(spec.clone());
        }
        let line = spec.display();
        let output = self
            .rules
            .lock()
            .ok()
            .and_then(|rules| rules.iter().find(|(p, _)| line.contains(p.as_str())).map(|(_, o)| o.clone()))
            .unwrap_or(CommandOutput { code: Some(0), lines: vec![] });
        for l in &output.lines {
            on_line(l);
        }
        Ok(output)
    }

    fn spawned(&self) -> u64 {
        self.calls.lock().map(|c| c.len() as u64).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_line_drops_colours_and_overwritten_text() {
        assert_eq!(clean_line("\u{1b}[32mdone\u{1b}[0m"), "done");
        assert_eq!(clean_line("Creating x ... \rCreating x ... done"), "Creating x ... done");
        assert_eq!(clean_line("a".repeat(MAX_LINE + 10).as_str()).len(), MAX_LINE);
    }

    #[tokio::test]
    async fn process_runner_streams_lines_and_counts_spawns() {
        let runner = ProcessRunner::new();
        let seen = Mutex::new(Vec::new());
        let sink = |l: &str| seen.lock().unwrap().push(l.to_string());
        let mut spec = CommandSpec::new("sh", ["-c", "echo one; echo two >&2; read x; echo got $x; exit 3"]);
        spec.stdin = Some(b"input\n".to_vec());
        let out = runner.run(&spec, &sink).await.unwrap();
        assert_eq!(out.code, Some(3));
        assert!(out.lines.contains(&"got input".to_string()), "{:?}", out.lines);
        assert_eq!(seen.lock().unwrap().len(), 3);
        assert_eq!(runner.spawned(), 1);
    }

    #[tokio::test]
    async fn process_runner_stops_what_runs_too_long() {
        let runner = ProcessRunner::new();
        let mut spec = CommandSpec::new("sleep", ["5"]);
        spec.timeout = Duration::from_millis(100);
        let err = runner.run(&spec, &|_| {}).await.unwrap_err();
        assert!(matches!(err, RunError::Timeout { .. }), "{err}");
    }

    #[tokio::test]
    async fn missing_program_is_a_spawn_error() {
        let runner = ProcessRunner::new();
        let err = runner.run(&CommandSpec::new("ferry-no-such-program", [""; 0]), &|_| {}).await.unwrap_err();
        assert!(err.to_string().starts_with("cannot run ferry-no-such-program"), "{err}");
        assert_eq!(runner.spawned(), 0);
    }
}
