//! `ferry-kubesim`: the fake Kubernetes API server on a port, with a kubeconfig for
//! kubectl, helm and the Ferry Kubernetes agent.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use ferry_kubesim::{Sim, SimOptions};

/// A fake Kubernetes API server for trying kubectl, helm and the Ferry Kubernetes
/// agent without a cluster. Objects live in memory and vanish when it stops.
///
/// Example:
///   ferry-kubesim --listen 127.0.0.1:6443 --kubeconfig /tmp/kubesim.yaml &
///   KUBECONFIG=/tmp/kubesim.yaml kubectl get nodes
#[derive(Parser, Debug)]
#[command(name = "ferry-kubesim", version, verbatim_doc_comment)]
struct Args {
    /// Address to listen on (port 0 picks a free port; the kubeconfig says which).
    #[arg(long, env = "KUBESIM_LISTEN", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Where to write a kubeconfig that points at the server (mode 0600).
    #[arg(long, env = "KUBESIM_KUBECONFIG")]
    kubeconfig: Option<PathBuf>,
    /// How long new pods take to become ready, e.g. 2s or 500ms.
    #[arg(long, env = "KUBESIM_READY_DELAY", default_value = "2s", value_parser = parse_duration)]
    ready_delay: Duration,
    /// How long Job pods run before they complete.
    #[arg(long, env = "KUBESIM_JOB_DURATION", default_value = "3s", value_parser = parse_duration)]
    job_duration: Duration,
    /// How often running containers log a line (0s: only a start line).
    #[arg(long, env = "KUBESIM_LOG_INTERVAL", default_value = "5s", value_parser = parse_duration)]
    log_interval: Duration,
    /// Do not serve metrics.k8s.io (simulate a cluster without metrics-server).
    #[arg(long, env = "KUBESIM_NO_METRICS")]
    no_metrics: bool,
    /// Serve plain HTTP instead of HTTPS with a fresh self-signed CA. kubectl and helm
    /// then send no bearer token, so every request is the administrator's.
    #[arg(long, env = "KUBESIM_PLAIN_HTTP")]
    plain_http: bool,
    /// Number of simulated nodes.
    #[arg(long, env = "KUBESIM_NODES", default_value_t = 1)]
    nodes: usize,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("{text:?} is not a duration: use e.g. 2s, 1.5s or 500ms");
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.parse().map(Duration::from_millis).map_err(|_| invalid());
    }
    text.strip_suffix('s').unwrap_or(text).parse::<f64>().map(Duration::from_secs_f64).map_err(|_| invalid())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let args = Args::parse();
    let options = SimOptions {
        ready_delay: args.ready_delay,
        job_duration: args.job_duration,
        metrics: !args.no_metrics,
        log_interval: Some(args.log_interval).filter(|d| !d.is_zero()),
        nodes: (1..=args.nodes.max(1)).map(|i| format!("kubesim-node-{i}")).collect(),
        ..SimOptions::default()
    };
    let sim = Sim::new(options);
    let running = if args.plain_http {
        sim.serve(args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?
    } else {
        sim.serve_tls(args.listen).await.with_context(|| format!("cannot serve HTTPS on {}", args.listen))?
    };
    println!("kubesim: serving the Kubernetes API at {}", running.url);
    match &args.kubeconfig {
        Some(path) => {
            running
                .write_kubeconfig(path)
                .with_context(|| format!("cannot write the kubeconfig to {}", path.display()))?;
            println!("kubesim: wrote {}; try: KUBECONFIG={} kubectl get nodes", path.display(), path.display());
        }
        None => println!("kubesim: no --kubeconfig given; a kubeconfig for this server:\n{}", running.kubeconfig()),
    }
    tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
    println!("kubesim: stopping");
    running.shutdown().await;
    Ok(())
}
