//! The crate's error type. Every variant displays exactly the text the Go
//! original would return from `err.Error()`, so callers can print it as is.

/// An error from decoding or encoding, worded as the Go original words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A go-yaml error (`yaml: line 3: could not find expected ':'`).
    #[error("{0}")]
    Yaml(String),
    /// A sigs.k8s.io/yaml error (`error converting YAML to JSON: yaml: ...`).
    #[error("{0}")]
    Sigs(String),
    /// An encoding/json error (`json: unsupported value: NaN`,
    /// `invalid character 'x' looking for beginning of value`, ...).
    #[error("{0}")]
    Json(String),
    /// An input beyond what this crate accepts (size or nesting), which the
    /// Go original would have tried to process.
    #[error("{0}")]
    Limit(String),
}
