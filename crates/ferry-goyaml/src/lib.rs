//! YAML decoding and encoding that behaves exactly like Go's
//! `gopkg.in/yaml.v2` (and `sigs.k8s.io/yaml` on top of it), plus Go's
//! `encoding/json` output — the pieces Helm's chart engine is built on.
//!
//! The YAML side is a line-by-line port of go-yaml v2 (itself a port of
//! libyaml): reader, scanner, parser, emitter, resolver, decoder, encoder and
//! key sorter. Output and error messages match the Go code byte for byte.
//!
//! # API
//!
//! | Go                                        | here                                  |
//! |-------------------------------------------|---------------------------------------|
//! | `yaml.Unmarshal(b, &iface)`               | [`decode`]                            |
//! | `yaml.UnmarshalStrict(b, &iface)`         | [`decode_strict`]                     |
//! | `yaml.NewDecoder(r).Decode` until EOF     | [`decode_all`]                        |
//! | `yaml.Marshal(v)`                         | [`encode`]                            |
//! | `yaml.NewEncoder(w).Encode` per document  | [`encode_all`]                        |
//! | `sigsyaml.Unmarshal(b, &iface)`           | [`sigs::unmarshal`]                   |
//! | `sigsyaml.Unmarshal(b, &map)` / `&slice`  | [`sigs::unmarshal_object`] / [`sigs::unmarshal_array`] |
//! | `sigsyaml.UnmarshalStrict`                | [`sigs::unmarshal_strict`]            |
//! | `sigsyaml.YAMLToJSON(b)`                  | [`sigs::yaml_to_json`]                |
//! | `sigsyaml.Marshal(v)` (Helm `toYaml`)     | [`sigs::marshal`]                     |
//! | `json.Marshal` / `MarshalIndent(v,"","  ")` / `SetEscapeHTML(false)` | [`encode_json`] with [`JsonOptions`] |
//! | `json.Unmarshal(b, &iface)` / `&map` / `&slice` | [`decode_json`] / [`decode_json_object`] / [`decode_json_array`] |
//!
//! Every [`Error`] displays the exact text of the Go error (for example
//! `yaml: line 3: could not find expected ':'`), so callers can embed it
//! in their own messages as Helm does.
//!
//! # Known limits
//!
//! * Nesting deeper than [`MAX_DEPTH`] collections is rejected (go-yaml
//!   allows 10000 on Go's growable stacks) and inputs above
//!   [`MAX_INPUT_BYTES`] are refused, both with [`Error::Limit`].
//! * `!!binary` data that is not UTF-8 decodes lossily (Go keeps raw bytes).
//! * Map-key sorting of non-ASCII letters and digits approximates Go's
//!   `unicode.IsLetter`/`IsDigit`.

mod decode;
mod emitter;
mod encode;
mod error;
mod gosort;
mod json;
mod parser;
mod resolve;
mod scanner;
pub mod sigs;
mod value;

pub use decode::{MAX_DEPTH, MAX_INPUT_BYTES};
pub use error::Error;
pub use json::{JsonOptions, decode_json, decode_json_array, decode_json_object, encode_json};
pub use value::Value;

/// Go's `strconv.Quote` (as `%q` and `%#v` print strings).
pub fn go_quote(s: &str) -> String {
    ferry_gostd::strconv::quote(s)
}

/// go-yaml v2 `Unmarshal` into `interface{}`: decodes the first document
/// of `input` (an empty stream is `Null`) with YAML 1.1 resolution, merge
/// keys and anchors; a repeated key overwrites the earlier value.
pub fn decode(input: &[u8]) -> Result<Value, Error> {
    decode::unmarshal(input, false)
}

/// go-yaml v2 `UnmarshalStrict`: like [`decode`], but repeated keys are
/// reported (`yaml: unmarshal errors:\n  line 2: key "a" already set in map`).
pub fn decode_strict(input: &[u8]) -> Result<Value, Error> {
    decode::unmarshal(input, true)
}

/// Decodes every document of a stream, as repeated `Decoder.Decode` calls
/// do until `io.EOF`.
pub fn decode_all(input: &[u8]) -> Result<Vec<Value>, Error> {
    decode::unmarshal_all(input, false)
}

/// go-yaml v2 `Marshal`: sorted keys, go-yaml's quoting, 2-space indent,
/// unindented sequences under keys, 80-column folding; ends with a newline.
pub fn encode(v: &Value) -> String {
    encode::marshal_docs(&[v])
}

/// Encodes several documents into one stream (`---` between them), as
/// `Encoder.Encode` does for each value.
pub fn encode_all(docs: &[Value]) -> String {
    let refs: Vec<&Value> = docs.iter().collect();
    encode::marshal_docs(&refs)
}
