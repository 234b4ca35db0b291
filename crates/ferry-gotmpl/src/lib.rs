//! Go's `text/template` in pure Rust, as the foundation of Ferry's
//! Helm-compatible chart engine: lexer, parser, executor, builtins and Go's
//! `fmt` formatting, ported from the Go sources so output and error messages
//! match Go byte for byte.
//!
//! ```
//! use ferry_gotmpl::{TemplateSet, Value};
//! let mut set = TemplateSet::new("gotpl");
//! set.parse("t", "{{define \"x\"}}[{{.}}]{{end}}{{template \"x\" 1000000.0}}").unwrap();
//! assert_eq!(set.execute("t", &Value::Invalid).unwrap(), "[1e+06]");
//! ```
//!
//! See `API.md` in the crate for how Sprig and the Helm layer plug in.

mod builtins;
pub mod error;
mod exec;
pub mod func;
pub mod gofmt;
mod lex;
pub mod parse;
pub mod set;
pub mod value;

pub use builtins::{html_escape, js_escape, query_escape};
pub use error::{Error, ExecError, ParseError};
pub use func::{Context, FuncError, FuncResult, Function};
pub use parse::{Mode, Tree};
pub use set::{MAX_EXEC_DEPTH, MethodResolver, MissingKey, TemplateSet};
pub use value::{CycleError, FloatKind, IntKind, Kind, List, Map, Object, Struct, Type, UintKind, Value};
