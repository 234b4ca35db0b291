//! Renders the OpenTelemetry Collector chart for each public example of the
//! conformance corpus N times and prints the median time per render and the
//! peak RSS. Run with
//! `cargo run --release -p ferry-chart --example bench_otel [N]`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ferry_chart::Chart;
use ferry_chart::manifest::Whitespace;
use ferry_chart::template::{self, Environment, TemplateRequest, ValueOptions};

/// Keeps everything in memory: the chart is loaded once and output files
/// are discarded, so the figures are the engine's.
struct BenchEnv {
    chart: Chart,
    values: Vec<u8>,
}

impl Environment for BenchEnv {
    fn read_file(&self, _path: &str) -> Result<Vec<u8>, String> {
        Ok(self.values.clone())
    }
    fn load_chart(&self, _path: &str) -> Result<Chart, String> {
        Ok(self.chart.clone())
    }
    fn exists(&self, _path: &str) -> bool {
        true
    }
    fn now_unix(&self) -> i64 {
        0
    }
    fn output_exists(&self, _path: &std::path::Path) -> bool {
        false
    }
    fn write_output(&mut self, _path: &std::path::Path, data: &str, _append: bool) -> Result<(), String> {
        std::hint::black_box(data);
        Ok(())
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let corpus = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/conformance/otel-collector"));
    let chart = match ferry_chart::load(&corpus.join("chart")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot load {}: {e}", corpus.join("chart").display());
            std::process::exit(1);
        }
    };
    let mut examples: Vec<PathBuf> = std::fs::read_dir(corpus.join("examples"))
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    examples.sort();
    let mut all = Vec::new();
    println!("{:<28} {:>12} {:>12}", "example", "median", "min");
    for example in &examples {
        let values = std::fs::read(example.join("values.yaml")).unwrap_or_default();
        let mut env = BenchEnv { chart: chart.clone(), values };
        let req = TemplateRequest {
            args: vec!["example".into(), "chart".into()],
            namespace: "default".into(),
            kube_version: Some("1.29".into()),
            output_dir: Some(PathBuf::from("/nonexistent-bench-output")),
            whitespace: Whitespace::Trim,
            values: ValueOptions { value_files: vec!["values.yaml".into()], ..ValueOptions::default() },
            ..TemplateRequest::default()
        };
        let mut times: Vec<Duration> = Vec::with_capacity(n);
        for _ in 0..n {
            let start = Instant::now();
            let out = template::run(&req, &mut env);
            times.push(start.elapsed());
            if let Some(e) = out.error {
                eprintln!("{}: {e}", example.display());
                std::process::exit(1);
            }
        }
        times.sort();
        let name = example.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        println!("{name:<28} {:>9.3} ms {:>9.3} ms", times[n / 2].as_secs_f64() * 1e3, times[0].as_secs_f64() * 1e3);
        all.extend(times);
    }
    all.sort();
    if !all.is_empty() {
        println!("overall median: {:.3} ms per render ({} renders)", all[all.len() / 2].as_secs_f64() * 1e3, all.len());
    }
    if let Some(kib) = peak_rss_kib() {
        println!("peak RSS: {:.1} MiB", kib as f64 / 1024.0);
    }
}
