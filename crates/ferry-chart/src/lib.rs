//! Helm-compatible charts: loading, values, rendering, manifest sorting, release codec and chart sources.
//!
//! The Helm layer of Ferry's chart engine, ported from Helm v4 so that
//! `ferry template` prints what `helm template` prints, byte for byte. See
//! `CHART_API.md` in the crate for the public API.

pub mod chart;
pub mod chartfile;
pub mod dependencies;
pub mod engine;
mod gojson;
mod gopath;
mod govalue;
pub mod ignore;
pub mod load;
pub mod manifest;
pub mod release;
pub mod schema;
pub mod source;
pub mod strvals;
pub mod template;
mod timestamp;
mod toml;
pub mod validate;
pub mod values;

pub use chart::{Chart, CrdFile, Dependency, File, Lock, Maintainer, Metadata};
pub use govalue::{from_yaml, to_json_tree};
pub use load::{LoadError, LoadLimits, load, load_archive, load_dir, load_files};
pub use timestamp::{Timestamp, TimestampError};
