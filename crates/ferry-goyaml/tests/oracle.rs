//! Compares the crate against outputs of the real Go code (go-yaml v2.4.0,
//! sigs.k8s.io/yaml, encoding/json) recorded by `tools/gen_golden.py` in
//! `tests/data/golden.jsonl`: go-yaml's own decode_test.go/encode_test.go
//! table inputs plus hand-written corner cases.

use ferry_goyaml::{self as gy, JsonOptions, Value, sigs};
use serde_json::Value as J;

/// Cases outside what the crate can represent: `!!binary` data that is not
/// UTF-8 (Go strings hold raw bytes, `Value::Str` holds text).
fn known_limitation(j: &J) -> bool {
    let text = j.to_string();
    text.contains("!!binary") && (text.contains("\\\\x") || text.contains("\\\\ufffd"))
}

/// The oracle's `dump`: a typed rendering of a decoded tree.
fn dump(v: &Value) -> String {
    match v {
        Value::Null => "~".into(),
        Value::Bool(b) => format!("b:{b}"),
        Value::Int(i) => format!("i:{i}"),
        Value::Uint(u) => format!("u:{u}"),
        Value::Float(f) => {
            // strconv.FormatFloat(f, 'g', -1, 64) via the YAML encoder's text.
            let s = gy::encode(&Value::Float(*f));
            let s = s.trim_end();
            let s = match s {
                ".inf" => "+Inf",
                "-.inf" => "-Inf",
                ".nan" => "NaN",
                other => other,
            };
            format!("f:{s}")
        }
        Value::Str(s) => format!("s:{}", gy::go_quote(s)),
        Value::Seq(items) => format!("[{}]", items.iter().map(dump).collect::<Vec<_>>().join(",")),
        Value::Map(entries) => {
            let mut parts: Vec<String> = entries.iter().map(|(k, v)| format!("{}={}", dump(k), dump(v))).collect();
            parts.sort();
            format!("{{{}}}", parts.join(","))
        }
    }
}

#[derive(Default, Debug, PartialEq)]
struct Got {
    dump: Option<String>,
    output: Option<String>,
    pretty: Option<String>,
    raw: Option<String>,
    error: Option<String>,
}

fn err(e: gy::Error) -> Got {
    Got { error: Some(e.to_string()), ..Default::default() }
}

/// Runs one oracle mode on `input`.
fn run(mode: &str, input: &[u8]) -> Option<Got> {
    let text = || String::from_utf8_lossy(input).into_owned();
    Some(match mode {
        "decode" | "strict" => {
            let r = if mode == "strict" { gy::decode_strict(input) } else { gy::decode(input) };
            match r {
                Ok(v) => Got { dump: Some(dump(&v)), output: Some(gy::encode(&v)), ..Default::default() },
                Err(e) => err(e),
            }
        }
        "all" => match gy::decode_all(input) {
            Ok(docs) => {
                Got { dump: Some(docs.iter().map(dump).collect::<Vec<_>>().join("\n---\n")), ..Default::default() }
            }
            Err(e) => err(e),
        },
        "sigs" => match sigs::unmarshal(input) {
            Ok(v) => Got { dump: Some(dump(&v)), ..Default::default() },
            Err(e) => err(e),
        },
        "y2j" => match sigs::yaml_to_json(input) {
            Ok(j) => Got { output: Some(j), ..Default::default() },
            Err(e) => err(e),
        },
        "toyaml" => {
            let v = gy::decode_json(&text()).ok()?;
            match sigs::marshal(&v) {
                Ok(y) => Got { output: Some(y), ..Default::default() },
                Err(e) => err(e),
            }
        }
        "json" => match gy::decode_json(&text()) {
            Ok(v) => match gy::encode_json(&v, JsonOptions::MARSHAL) {
                Ok(out) => Got {
                    dump: Some(dump(&v)),
                    output: Some(out),
                    pretty: gy::encode_json(&v, JsonOptions::PRETTY).ok(),
                    raw: gy::encode_json(&v, JsonOptions::RAW).ok(),
                    ..Default::default()
                },
                Err(e) => err(e),
            },
            Err(e) => err(e),
        },
        _ => return None,
    })
}

fn field(j: &J, k: &str) -> Option<String> {
    j.get(k).and_then(J::as_str).map(str::to_string)
}

#[test]
fn matches_go_on_recorded_cases() {
    // GOYAML_GOLDEN points at another oracle output (e.g. a fuzzing run).
    let extra =
        std::env::var("GOYAML_GOLDEN").ok().map(|p| std::fs::read_to_string(p).expect("GOYAML_GOLDEN readable"));
    let builtin = concat!(include_str!("data/golden.jsonl"), include_str!("data/fuzz_golden.jsonl"));
    let data = extra.as_deref().unwrap_or(builtin);
    let mut total = 0;
    let mut failures = Vec::new();
    for line in data.lines() {
        let j: J = serde_json::from_str(line).expect("golden line is JSON");
        let mode = field(&j, "mode").unwrap_or_default();
        let input = field(&j, "input").unwrap_or_default();
        let bytes = if j.get("b64").and_then(J::as_bool) == Some(true) {
            base64_decode(&input)
        } else {
            input.clone().into_bytes()
        };
        if known_limitation(&j) {
            continue;
        }
        let want = Got {
            dump: field(&j, "dump"),
            output: field(&j, "output"),
            pretty: field(&j, "pretty"),
            raw: field(&j, "raw"),
            error: field(&j, "error"),
        };
        if mode == "toyaml" && want.error.as_deref().is_some_and(|e| e.starts_with("input: ")) {
            continue;
        }
        let Some(mut got) = run(&mode, &bytes) else { continue };
        // The oracle omits empty fields.
        for f in [&mut got.dump, &mut got.output, &mut got.pretty, &mut got.raw] {
            if f.as_deref() == Some("") {
                *f = None;
            }
        }
        total += 1;
        if got != want {
            failures.push(format!("mode {mode} input {input:?}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    println!("{} passed, {} failed", total - failures.len(), failures.len());
    for f in failures.iter().take(40) {
        println!("{f}");
    }
    assert!(failures.is_empty(), "{} of {total} cases differ from Go", failures.len());
}

/// Standard base64 decoding for the `b64` inputs.
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::new();
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= u32::from(val(c)) << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}
