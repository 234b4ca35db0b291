//! Prints how long the main operations take on a values-sized document:
//! `cargo run --release -p ferry-goyaml --example bench [file.yaml]`
//! (defaults to the otel chart's values.yaml from the conformance corpus).
use std::time::Instant;

use ferry_goyaml::{self as gy, JsonOptions, sigs};

fn time(label: &str, bytes: usize, iters: u32, mut f: impl FnMut()) {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    let per = start.elapsed() / iters;
    println!("{label:<28} {:>9.1} µs/op  ({bytes} bytes)", per.as_secs_f64() * 1e6);
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/conformance/otel-collector/chart/values.yaml").to_string()
    });
    let input = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}; using a generated document");
        (0..200).map(|i| format!("key{i}:\n  name: value {i}\n  list: [a, b, {i}]\n")).collect::<String>().into_bytes()
    });
    let iters = 2000;
    let values = sigs::unmarshal(&input).expect("input decodes");
    let yaml = sigs::marshal(&values).expect("encodes");
    time("go-yaml decode", input.len(), iters, || drop(gy::decode(&input)));
    time("sigs unmarshal (values)", input.len(), iters, || drop(sigs::unmarshal(&input)));
    time("sigs marshal (toYaml)", yaml.len(), iters, || drop(sigs::marshal(&values)));
    time("go-yaml encode", yaml.len(), iters, || drop(gy::encode(&values)));
    time("json marshal", yaml.len(), iters, || drop(gy::encode_json(&values, JsonOptions::MARSHAL)));
    let json = gy::encode_json(&values, JsonOptions::MARSHAL).expect("json");
    time("json unmarshal", json.len(), iters, || drop(gy::decode_json(&json)));
}
