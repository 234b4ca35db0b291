//! Runs every YAML file of the conformance corpus through the crate and
//! compares with what the real Go code produced (recorded by
//! `tools/gen_golden.py` as SHA-256 digests in `tests/data/corpus_golden.jsonl`,
//! so no corpus text is copied into the repository).

use std::path::PathBuf;

use ferry_goyaml::{self as gy, Value, sigs};
use serde_json::Value as J;
use sha2::{Digest, Sha256};

fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/conformance"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "conformance corpus missing at {}", dir.display());
    eprintln!("conformance corpus not found at {}; skipping", dir.display());
    None
}

fn sha(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn dump(v: &Value) -> String {
    match v {
        Value::Null => "~".into(),
        Value::Bool(b) => format!("b:{b}"),
        Value::Int(i) => format!("i:{i}"),
        Value::Uint(u) => format!("u:{u}"),
        Value::Float(f) => {
            let s = gy::encode(&Value::Float(*f));
            let s = match s.trim_end() {
                ".inf" => "+Inf".to_string(),
                "-.inf" => "-Inf".to_string(),
                ".nan" => "NaN".to_string(),
                other => other.to_string(),
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

/// (error, dump, output) as the oracle reports them for one mode.
fn run(mode: &str, input: &[u8]) -> (Option<String>, Option<String>, Option<String>) {
    match mode {
        "decode" => match gy::decode(input) {
            Ok(v) => (None, Some(dump(&v)), Some(gy::encode(&v))),
            Err(e) => (Some(e.to_string()), None, None),
        },
        "sigs" => match sigs::unmarshal(input) {
            Ok(v) => (None, Some(dump(&v)), None),
            Err(e) => (Some(e.to_string()), None, None),
        },
        "y2j" => match sigs::yaml_to_json(input) {
            Ok(j) => (None, None, Some(j)),
            Err(e) => (Some(e.to_string()), None, None),
        },
        "all" => match gy::decode_all(input) {
            Ok(docs) => (None, Some(docs.iter().map(dump).collect::<Vec<_>>().join("\n---\n")), None),
            Err(e) => (Some(e.to_string()), None, None),
        },
        "toyaml-of-y2j" => {
            let j = sigs::yaml_to_json(input).expect("y2j worked in Go");
            let v = gy::decode_json(&j).expect("Go's JSON parses");
            match sigs::marshal(&v) {
                Ok(y) => (None, None, Some(y)),
                Err(e) => (Some(e.to_string()), None, None),
            }
        }
        other => panic!("unknown mode {other}"),
    }
}

#[test]
fn corpus_yaml_matches_go() {
    let Some(dir) = corpus_dir() else { return };
    let mut total = 0;
    let mut failures = Vec::new();
    for line in include_str!("data/corpus_golden.jsonl").lines() {
        let j: J = serde_json::from_str(line).expect("golden line is JSON");
        let path = j["path"].as_str().expect("path");
        let mode = j["mode"].as_str().expect("mode");
        let input = std::fs::read(dir.join(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        let (error, dump, output) = run(mode, &input);
        let want_err = j["error"].as_str().map(str::to_string);
        let want_dump = j["dump_sha256"].as_str().map(str::to_string);
        let want_out = j["output_sha256"].as_str().map(str::to_string);
        let got_dump = dump.filter(|d| !d.is_empty()).map(|d| sha(&d));
        let got_out = output.filter(|o| !o.is_empty()).map(|o| sha(&o));
        total += 1;
        if error != want_err || got_dump != want_dump || got_out != want_out {
            failures.push(format!(
                "{path} [{mode}]: error {error:?} (want {want_err:?}), dump match {}, output match {}",
                got_dump == want_dump,
                got_out == want_out
            ));
        }
    }
    println!("{} passed, {} failed", total - failures.len(), failures.len());
    for f in failures.iter().take(30) {
        println!("{f}");
    }
    assert!(failures.is_empty(), "{} of {total} corpus cases differ from Go", failures.len());
}

/// The otel chart renders its collector config with `toYaml | nindent 4`
/// into each example's ConfigMap. Decoding that block the way Helm decodes
/// values (sigs.k8s.io/yaml, float64 numbers) and encoding it again with
/// `toYaml`'s pipeline must reproduce the block byte for byte.
#[test]
fn otel_configmap_config_blocks_round_trip_through_to_yaml() {
    let Some(dir) = corpus_dir() else { return };
    let examples = dir.join("otel-collector/examples");
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&examples).expect("examples dir").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for example in entries {
        let rendered = example.path().join("rendered");
        let Ok(files) = std::fs::read_dir(&rendered) else { continue };
        for file in files.flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            if !name.starts_with("configmap") {
                continue;
            }
            let text = std::fs::read_to_string(file.path()).expect("configmap readable");
            let mut block = String::new();
            let mut inside = false;
            for line in text.lines() {
                if line == "  relay: |" {
                    inside = true;
                    continue;
                }
                if inside {
                    match line.strip_prefix("    ") {
                        Some(rest) => {
                            block.push_str(rest);
                            block.push('\n');
                        }
                        None if line.is_empty() => block.push('\n'),
                        None => break,
                    }
                }
            }
            assert!(!block.is_empty(), "no relay block in {}", file.path().display());
            let values = sigs::unmarshal(block.as_bytes()).expect("config block decodes");
            assert!(matches!(values, Value::Map(_)), "config block is a mapping");
            let again = sigs::marshal(&values).expect("config block encodes");
            assert_eq!(again, block, "toYaml of {} differs", file.path().display());
            checked += 1;
        }
    }
    assert!(checked >= 7, "only {checked} configmaps checked");
}

/// Every example's values file survives decode → toYaml → decode unchanged
/// (what Helm does when it passes values through `toYaml`).
#[test]
fn otel_values_files_are_stable_under_to_yaml() {
    let Some(dir) = corpus_dir() else { return };
    let mut paths = vec![dir.join("otel-collector/chart/values.yaml")];
    for e in std::fs::read_dir(dir.join("otel-collector/examples")).expect("examples").flatten() {
        paths.push(e.path().join("values.yaml"));
    }
    for path in paths {
        let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let v = sigs::unmarshal(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let y = sigs::marshal(&v).expect("encodes");
        let back = sigs::unmarshal(y.as_bytes()).expect("re-decodes");
        // Map order is insertion order; compare in Go's sorted JSON form.
        let json = |v: &Value| gy::encode_json(v, gy::JsonOptions::MARSHAL).expect("json");
        assert_eq!(json(&back), json(&v), "{} changed through toYaml", path.display());
        assert_eq!(sigs::marshal(&back).expect("encodes"), y, "toYaml is not idempotent for {}", path.display());
    }
}
