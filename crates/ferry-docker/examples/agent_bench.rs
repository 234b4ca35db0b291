//! Docker agent benchmark: a real hub and a real `ferry agent docker` (release build) with 10
//! healthy Compose deployments. Prints the time from the deploy API call to the container
//! running (median of 10), then the idle agent's RSS, CPU and processes spawned per tick.
//!
//! `cargo run --release -p ferry-docker --example agent_bench`
//! Environment: `BENCH_INTERVAL` (default `5s`), `BENCH_IDLE_SECS` (default 60).

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use std::time::{Duration, Instant};

use ferry_proto::agent::StatusType;
use support::e2e::{self, AgentProcess, HubProcess, deploy, docker_app, docker_target, wait_status};
use support::{Cleanup, RUN_LABEL, images, quiet};

const DEPLOYMENTS: usize = 10;

fn proc_field(pid: u32, file: &str, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key)?.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// utime + stime of a process, in clock ticks (100 per second on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // utime is field 14 of stat, i.e. index 11 after the state field (field 3 = index 0).
    get(11) + get(12)
}

fn running(project: &str) -> bool {
    let ids = quiet("docker", &["ps", "-q", "--filter", &format!("label=com.docker.compose.project={project}")]);
    !ids.trim().is_empty()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    if support::docker_prerequisites().is_err() {
        eprintln!("agent_bench needs a Docker engine, Compose and busybox-static");
        std::process::exit(2);
    }
    let interval = std::env::var("BENCH_INTERVAL").unwrap_or_else(|_| "5s".into());
    let idle_secs: u64 = std::env::var("BENCH_IDLE_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let image = images::busybox();
    let cleanup = Cleanup::new();
    let binary = e2e::ferry_binary(true);
    let hub = HubProcess::start("ferry-agent", "unused", &interval);
    let client = hub.client();
    let access = docker_target(&client, "bench").await;
    // As in the agent image (scripts/build-agent-image.sh).
    let arenas = std::env::var("BENCH_MALLOC_ARENA_MAX").unwrap_or_else(|_| "2".into());
    let agent = AgentProcess::start_with(binary, &hub.url, &access, &interval, &[("MALLOC_ARENA_MAX", &arenas)]);
    let period: Duration = interval.parse::<ferry_proto::GoDuration>().map(|d| d.0).unwrap_or(Duration::from_secs(5));

    let mut latencies = Vec::new();
    let mut deployments = Vec::new();
    for i in 0..DEPLOYMENTS {
        let compose = format!(
            "services:\n  app:\n    image: {image}\n    command: [\"sh\", \"-c\", \"touch /tmp/ok; exec sleep 100000\"]\n    \
             healthcheck:\n      test: [\"CMD\", \"test\", \"-f\", \"/tmp/ok\"]\n      interval: 2s\n    \
             labels: {{\"{RUN_LABEL}\": \"{}\"}}\n",
            cleanup.run
        );
        let version = docker_app(&client, &format!("bench-{i}"), &compose, "").await;
        // Spread the deploy calls over the agent's tick phase: deploying right after the
        // previous container started would always land just after a tick.
        tokio::time::sleep(period.mul_f64((i as f64 * 0.37).fract())).await;
        let started = Instant::now();
        let d = deploy(&client, access.target_id, version, None).await;
        cleanup.project(&d.release_name);
        while !running(&d.release_name) {
            assert!(started.elapsed() < Duration::from_secs(120), "deployment {i} did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        latencies.push(started.elapsed());
        deployments.push(d);
    }
    for d in &deployments {
        wait_status(&client, d.id, StatusType::Healthy, Duration::from_secs(120)).await;
    }
    let applies_done = agent.stats()["driver"]["processesSpawned"].as_u64().unwrap_or(0);

    // Idle: nothing changes; the agent only observes and reports.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let pid = agent.pid();
    let (cpu0, stats0, t0) = (cpu_ticks(pid), agent.stats(), Instant::now());
    let mut rss_max = 0;
    while t0.elapsed() < Duration::from_secs(idle_secs) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        rss_max = rss_max.max(proc_field(pid, "status", "VmRSS:"));
    }
    let (cpu1, stats1, elapsed) = (cpu_ticks(pid), agent.stats(), t0.elapsed());
    let cpu_percent = (cpu1 - cpu0) as f64 / 100.0 / elapsed.as_secs_f64() * 100.0;
    let ticks = stats1["ticks"].as_u64().unwrap_or(0).saturating_sub(stats0["ticks"].as_u64().unwrap_or(0));
    let spawned = stats1["driver"]["processesSpawned"]
        .as_u64()
        .unwrap_or(0)
        .saturating_sub(stats0["driver"]["processesSpawned"].as_u64().unwrap_or(0));

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "ferry docker agent bench: {DEPLOYMENTS} deployments, interval {interval}, idle window {idle_secs} s, \
         MALLOC_ARENA_MAX={arenas}"
    );
    println!(
        "deploy API call -> container running: median {:.0} ms (min {:.0} ms, max {:.0} ms)",
        ms(median(latencies.clone())),
        ms(*latencies.iter().min().unwrap()),
        ms(*latencies.iter().max().unwrap())
    );
    println!("processes spawned for {DEPLOYMENTS} applies (incl. Compose detection): {applies_done}");
    println!(
        "idle agent RSS: {:.1} MB now, {:.1} MB max in window, {:.1} MB peak (VmHWM)",
        proc_field(pid, "status", "VmRSS:") as f64 / 1024.0,
        rss_max as f64 / 1024.0,
        proc_field(pid, "status", "VmHWM:") as f64 / 1024.0
    );
    println!(
        "  of which anonymous {:.1} MB, file-backed (binary and libraries) {:.1} MB",
        proc_field(pid, "status", "RssAnon:") as f64 / 1024.0,
        proc_field(pid, "status", "RssFile:") as f64 / 1024.0
    );
    println!("idle agent CPU: {cpu_percent:.3} % of one core");
    println!(
        "idle ticks: {ticks}; processes spawned: {spawned} ({:.2} per tick)",
        if ticks == 0 { 0.0 } else { spawned as f64 / ticks as f64 }
    );
    for d in &deployments {
        let _ = client.delete_deployment(d.id).await;
    }
    drop(agent);
}
