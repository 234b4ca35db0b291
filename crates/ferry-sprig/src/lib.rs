//! The Sprig v3.3 template function library, as Helm exposes it, over
//! ferry-gotmpl values with Go semantics.
//!
//! [`functions`] registers every Sprig function (all of `TxtFuncMap` except
//! `env` and `expandenv`). The Go-semantics building blocks are public so the
//! Helm layer can reuse them: [`semver`] (Masterminds/semver v3.4), [`gotime`]
//! (Go's time layouts and durations), [`regexp`] (Go RE2 behaviour),
//! [`json`] (encoding/json), [`cast`] (spf13/cast), [`crypto`] and [`strings`].

pub mod cast;
pub mod crypto;
mod funcs;
pub mod gotime;
pub mod json;
pub mod objects;
pub mod regexp;
pub mod semver;
pub mod strings;

pub use funcs::{FuncMap, deep_equal, empty, functions, kind_name};
