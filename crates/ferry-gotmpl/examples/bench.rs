//! Prints parse and execute timings for a chart-sized template set (a stand-in
//! for the OpenTelemetry collector chart: helpers included many times, ranges
//! over values, printf/quote-style formatting). Run with
//! `cargo run --release -p ferry-gotmpl --example bench`.

use std::collections::BTreeMap;
use std::time::Instant;

use ferry_gotmpl::{Function, TemplateSet, Type, Value};

fn values() -> Value {
    let mut ports = BTreeMap::new();
    for (i, name) in ["otlp", "otlp-http", "jaeger-grpc", "zipkin", "metrics", "health"].iter().enumerate() {
        let mut p = BTreeMap::new();
        p.insert("enabled".to_string(), Value::Bool(true));
        p.insert("containerPort".to_string(), Value::float64(4317.0 + i as f64));
        p.insert("protocol".to_string(), Value::from("TCP"));
        ports.insert(name.to_string(), Value::map(p));
    }
    let mut v = BTreeMap::new();
    v.insert("ports".to_string(), Value::map(ports));
    v.insert("replicaCount".to_string(), Value::float64(1.0));
    v.insert("nameOverride".to_string(), Value::from(""));
    v.insert("image".to_string(), Value::from("otel/opentelemetry-collector-contrib"));
    let mut root = BTreeMap::new();
    root.insert("Values".to_string(), Value::map(v));
    let mut release = BTreeMap::new();
    release.insert("Name".to_string(), Value::from("example"));
    release.insert("Namespace".to_string(), Value::from("default"));
    root.insert("Release".to_string(), Value::map(release));
    Value::map(root)
}

const HELPERS: &str = r#"
{{- define "c.name" -}}{{ default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}{{- end }}
{{- define "c.fullname" -}}{{ printf "%s-%s" .Release.Name "opentelemetry-collector" | trunc 63 | trimSuffix "-" }}{{- end }}
{{- define "c.labels" -}}
app.kubernetes.io/name: {{ include "c.fullname" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: Helm
{{- end }}
"#;

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "c.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "c.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  template:
    spec:
      containers:
        - name: {{ include "c.fullname" . }}
          image: {{ printf "%s:%s" .Values.image "0.170.0" | quote }}
          ports:
            {{- range $key, $port := .Values.ports }}
            {{- if $port.enabled }}
            - name: {{ $key }}
              containerPort: {{ $port.containerPort }}
              protocol: {{ $port.protocol }}
            {{- end }}
            {{- end }}
"#;

fn funcs(set: &mut TemplateSet) {
    let s = Type::String;
    set.add_func(
        "default",
        Function::new([Type::Interface, Type::Interface], |_, a| {
            Ok(if a[1].is_true() { a[1].clone() } else { a[0].clone() })
        }),
    );
    set.add_func(
        "trunc",
        Function::new([Type::Int, s.clone()], |_, a| {
            let n = if let Value::Int(n, _) = a[0] { n.max(0) as usize } else { 0 };
            Ok(Value::from(a[1].as_str().unwrap_or("").chars().take(n).collect::<String>()))
        }),
    );
    set.add_func(
        "trimSuffix",
        Function::new([s.clone(), s.clone()], |_, a| {
            let (suffix, v) = (a[0].as_str().unwrap_or(""), a[1].as_str().unwrap_or(""));
            Ok(Value::from(v.strip_suffix(suffix).unwrap_or(v)))
        }),
    );
    set.add_func(
        "quote",
        Function::variadic([], Type::Interface, |_, a| {
            Ok(Value::from(ferry_gotmpl::gofmt::sprintf("%q", &[Value::from(ferry_gotmpl::gofmt::sprint(a))])))
        }),
    );
    set.add_func(
        "nindent",
        Function::new([Type::Int, s], |_, a| {
            let n = if let Value::Int(n, _) = a[0] { n.max(0) as usize } else { 0 };
            let pad = " ".repeat(n);
            let body: Vec<String> = a[1].as_str().unwrap_or("").split('\n').map(|l| format!("{pad}{l}")).collect();
            Ok(Value::from(format!("\n{}", body.join("\n"))))
        }),
    );
    set.add_func(
        "include",
        Function::new([Type::String, Type::Interface], |ctx, a| {
            Ok(Value::from(ctx.execute_template(a[0].as_str().unwrap_or(""), &a[1])?))
        }),
    );
}

fn main() {
    let data = values();
    let files = 40;
    let rounds = 50;
    let mut total_parse = 0.0;
    let mut total_exec = 0.0;
    let mut bytes = 0;
    for _ in 0..rounds {
        let t0 = Instant::now();
        let mut set = TemplateSet::new("gotpl");
        set.option("missingkey=zero").expect("option");
        funcs(&mut set);
        set.parse("c/templates/_helpers.tpl", HELPERS).expect("helpers parse");
        for i in 0..files {
            set.parse(&format!("c/templates/f{i}.yaml"), DEPLOYMENT).expect("parse");
        }
        let t1 = Instant::now();
        for i in 0..files {
            bytes += set.execute(&format!("c/templates/f{i}.yaml"), &data).expect("execute").len();
        }
        let t2 = Instant::now();
        total_parse += (t1 - t0).as_secs_f64();
        total_exec += (t2 - t1).as_secs_f64();
    }
    println!(
        "{files} templates x {rounds} rounds: parse {:.3} ms/set, execute {:.3} ms/set, {} bytes/set",
        total_parse * 1000.0 / f64::from(rounds),
        total_exec * 1000.0 / f64::from(rounds),
        bytes / rounds as usize
    );
}
