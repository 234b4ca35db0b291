//! Measures what a fleet costs on disk and projects a year under the default retention.
//!
//! `cargo run --release -p ferry-hub --example storage_estimate -- [targets] [log-lines-per-minute]`
//!
//! It writes real rows through the store into a temporary SQLite database (metrics every 30 s,
//! statuses every 30 s, log lines at the given rate), measures bytes per row from the file
//! size, then runs retention as the hub does and reports the steady-state size.

use std::sync::Arc;

use ferry_hub::crypto::token_digest;
use ferry_hub::store::sql::SqlStore;
use ferry_hub::store::{Retention, RevisionSpec, StatusUpdate, Store, TargetSpec};
use ferry_proto::agent::{DiskMetric, LogRecord, MetricsReport, StatusType};
use ferry_proto::api::{DockerType, NewApplicationVersion, PlatformType};
use time::{Duration, OffsetDateTime};

fn db_bytes(dir: &std::path::Path) -> u64 {
    ["ferry.db", "ferry.db-wal"].iter().map(|f| std::fs::metadata(dir.join(f)).map(|m| m.len()).unwrap_or(0)).sum()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let targets: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let log_rate: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10.0);
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> = Arc::new(SqlStore::sqlite(&dir.path().join("ferry.db")).await?);
    let now = OffsetDateTime::now_utc();
    let org = store.bootstrap("bench", "b@example.com", &token_digest("x"), now).await?.unwrap().organization_id;
    let av = store.ensure_agent_version("1", "img:1", now).await?;
    let app = store.create_application(org, "app", PlatformType::Docker, now).await?;
    let version = store
        .create_version(
            org,
            app.id,
            &NewApplicationVersion {
                name: "1".into(),
                compose_file: Some("services:\n  web:\n    image: nginx\n".into()),
                ..Default::default()
            },
            now,
        )
        .await?;

    // A sample: 10 targets, one simulated day each.
    let sample_targets = 10;
    let day_samples = 2880; // every 30 s
    let mut ids = Vec::new();
    for i in 0..sample_targets {
        let t = store
            .create_target(
                org,
                &TargetSpec {
                    name: format!("t{i}"),
                    kind: PlatformType::Docker,
                    namespace: None,
                    scope: None,
                    metrics_enabled: true,
                    logs_enabled: true,
                    agent_version_id: av.id,
                },
                now,
            )
            .await?;
        let spec = RevisionSpec {
            application_version_id: version.id,
            env_file: None,
            values: None,
            docker_type: Some(DockerType::Compose),
            force_restart: false,
            image_cleanup_enabled: false,
            ignore_revision_skew: false,
            helm_options: None,
            registry_auth_sealed: None,
            registry_hosts: vec![],
        };
        let (d, _) = store.deploy(org, t.id, None, None, &spec, now).await?;
        ids.push((t.id, d.id, d.revision.id));
    }
    let start = now - Duration::days(1);
    let base = db_bytes(dir.path());
    for (target, _, _) in &ids {
        for s in 0..day_samples {
            let report = MetricsReport {
                cpu_cores_millis: 4000,
                cpu_usage: 0.1 + (s % 7) as f64 / 100.0,
                memory_bytes: 8 << 30,
                memory_usage: 0.4,
                disk_metrics: vec![DiskMetric {
                    device: "/dev/sda1".into(),
                    path: "/".into(),
                    fs_type: "ext4".into(),
                    bytes_total: 100 << 30,
                    bytes_used: 40 << 30,
                }],
            };
            store.insert_metrics(*target, start + Duration::seconds(30 * s as i64), &report).await?;
        }
    }
    let metrics_bytes = db_bytes(dir.path()) - base;
    let per_metric = metrics_bytes as f64 / (sample_targets * day_samples) as f64;

    let base = db_bytes(dir.path());
    for (target, _, revision) in &ids {
        for s in 0..day_samples {
            // Mostly identical statuses, with a change every hour: folded into few rows.
            let message = if s % 120 == 0 { format!("restart {s}") } else { "all services healthy".into() };
            let update = StatusUpdate {
                revision_id: *revision,
                kind: StatusType::Healthy,
                message,
                at: start + Duration::seconds(30 * s as i64),
            };
            store.record_status(org, *target, &update).await?;
        }
    }
    let status_bytes = db_bytes(dir.path()) - base;

    let base = db_bytes(dir.path());
    let lines_per_target = (log_rate * 60.0 * 24.0) as usize;
    for (target, deployment, revision) in &ids {
        let batch: Vec<LogRecord> = (0..lines_per_target)
            .map(|i| LogRecord {
                deployment_id: *deployment,
                deployment_revision_id: *revision,
                resource: "ferry-1234abcd-web-1".into(),
                timestamp: start + Duration::milliseconds(i as i64 * 60_000 / log_rate as i64),
                severity: "Log".into(),
                body: format!("10.0.0.{} - - \"GET /api/items/{i} HTTP/1.1\" 200 512 \"-\" \"curl/8.0\"", i % 255),
            })
            .collect();
        for chunk in batch.chunks(500) {
            store.insert_logs(org, *target, chunk).await?;
        }
    }
    let log_bytes = db_bytes(dir.path()) - base;
    let per_log = log_bytes as f64 / (sample_targets * lines_per_target).max(1) as f64;

    let r = Retention::DEFAULT;
    let raw_days = r.metrics_raw.whole_days() as f64;
    let hourly_days = r.metrics_hourly.whole_days().min(365) as f64;
    let t = targets as f64;
    let metrics_steady = t * (raw_days * day_samples as f64 + hourly_days * 24.0) * per_metric;
    let logs_days = r.logs.whole_days() as f64;
    let logs_steady = t * (logs_days * log_rate * 60.0 * 24.0).min(r.logs_per_deployment as f64) * per_log;
    let status_year = status_bytes as f64 / sample_targets as f64 * t * 90.0;
    let gib = |b: f64| b / (1u64 << 30) as f64;
    println!(
        "measured on SQLite: {per_metric:.0} B per metrics sample, {per_log:.0} B per log line, {:.1} KiB of statuses per target-day",
        status_bytes as f64 / sample_targets as f64 / 1024.0
    );
    println!(
        "steady state for {targets} targets after a year (raw metrics {raw_days:.0} d + hourly {hourly_days:.0} d, logs {logs_days:.0} d at {log_rate} lines/min, statuses 90 d):"
    );
    println!(
        "  metrics {:.2} GiB, logs {:.2} GiB, statuses {:.3} GiB, total {:.2} GiB",
        gib(metrics_steady),
        gib(logs_steady),
        gib(status_year),
        gib(metrics_steady + logs_steady + status_year)
    );
    let pruned = store.prune(now + Duration::days(8), &r).await?;
    println!("retention check: a pass 8 days later rolled {} raw samples into hourly averages", pruned.metrics);
    Ok(())
}
