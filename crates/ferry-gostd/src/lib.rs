//! The pieces of Go's standard library whose exact text Ferry must reproduce.
//!
//! Helm and Distr are Go programs: a chart renders to the bytes Go's
//! `strconv` and `encoding/json` write, a release is the JSON Go's encoder
//! writes, and a duration like `1m30s` means what Go's `time` package says.
//! Every crate that writes or reads such text (the template engine, the
//! go-yaml port, Sprig, the chart layer, the wire types) uses this one
//! implementation, so a byte-exactness fix happens once.
//!
//! | Go                                       | here                     |
//! |------------------------------------------|--------------------------|
//! | `strconv.Quote`, `Unquote`, `QuoteRune`, `CanBackquote`, `IsPrint` | [`strconv`] |
//! | `strconv.ParseInt`, `ParseUint`, `ParseFloat`, `underscoreOK` | [`strconv`] |
//! | `strconv.FormatFloat`                    | [`strconv::format_float`] |
//! | `encoding/json` string escaping and float text | [`json::write_string`], [`json::format_float`] |
//! | `json.Unmarshal` into `interface{}`      | [`json::unmarshal`] over a [`json::Builder`] |
//! | `time.ParseDuration`, `Duration.String`, `Duration.Round` | [`time`] |
//!
//! No I/O, no allocation beyond the strings returned.

pub mod json;
pub mod strconv;
pub mod time;
