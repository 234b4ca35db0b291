//! Errors, worded and shaped exactly as Go's `text/template` words them, and
//! also kept in pieces so the Helm layer can re-format them.

use std::fmt;

use ferry_gostd::strconv::quote;

/// Any error from parsing or executing templates.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// A syntax error: `template: NAME:LINE: MESSAGE`.
    #[error("{0}")]
    Parse(ParseError),
    /// An execution error: `template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`.
    #[error("{0}")]
    Exec(ExecError),
    /// `ExecuteTemplate` of a name the set does not hold.
    #[error("template: no template {} associated with template {}", quote(.name), quote(.set))]
    NoTemplate {
        /// The name asked for.
        name: String,
        /// The name of the set (Go: the template `ExecuteTemplate` was called on).
        set: String,
    },
    /// An unknown `Option` string (Go panics with this message).
    #[error("unrecognized option: {0}")]
    Option(String),
}

/// A parse error. Displays as Go's `template: NAME:LINE: MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The name of the top-level template being parsed (Go's `ParseName`).
    pub name: String,
    /// The line of the token where parsing stopped.
    pub line: usize,
    /// What is wrong, e.g. `unexpected "}" in operand`.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "template: {}:{}: {}", self.name, self.line, self.message)
    }
}

/// An execution error, Go's `ExecError`.
#[derive(Debug, Clone)]
pub struct ExecError {
    /// The name of the template that was executing.
    pub template: String,
    /// `FILE:LINE:COL` of the node being evaluated (file = the template's
    /// parse name, column 0-based in bytes), if there was a node.
    pub location: Option<String>,
    /// The node being evaluated, as Go prints it (`.Values.x`, `b64enc`).
    pub context: Option<String>,
    /// The error itself, e.g. `invalid value; expected string`.
    pub message: String,
    /// The template error a function call wrapped (`error calling include: ...`).
    pub cause: Option<Box<Error>>,
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.location, &self.context) {
            (Some(location), Some(context)) => write!(
                f,
                "template: {}: executing {} at <{}>: {}",
                location,
                quote(&self.template),
                context,
                self.message
            ),
            _ => write!(f, "template: {}: {}", self.template, self.message),
        }
    }
}

impl Error {
    /// The execution error, if this is one.
    pub fn as_exec(&self) -> Option<&ExecError> {
        match self {
            Error::Exec(e) => Some(e),
            _ => None,
        }
    }

    /// The parse error, if this is one.
    pub fn as_parse(&self) -> Option<&ParseError> {
        match self {
            Error::Parse(e) => Some(e),
            _ => None,
        }
    }
}
