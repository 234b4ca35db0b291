//! `ferry template`: Helm's `helm template` (and `helm install --dry-run`
//! output) on Ferry's own chart engine. Flags map onto
//! [`ferry_chart::template::TemplateRequest`]; the work happens there.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;
use ferry_chart::manifest::Whitespace;
use ferry_chart::template::{self, FsEnvironment, TemplateRequest, ValueOptions};

/// How `ferry template` works, shown by `--help` after the flags.
const LONG_HELP: &str = "\
Renders chart templates locally and prints the result: byte for byte what `helm template`
(Helm v4) prints. Values that would be looked up in a cluster are faked: `lookup` returns an
empty map, and .Capabilities describes Kubernetes v1.35.0 with Helm's built-in API versions
unless --kube-version / --api-versions say otherwise.

CHART is a chart directory, a packaged chart (.tgz), an oci:// reference, or a chart name
with --repo; remote charts are cached by digest. NAME is the release name (default
\"release-name\", or --name-template).

Values are merged in this order, later ones winning: the chart's values.yaml, each -f file,
then --set-json, --set, --set-string, --set-file and --set-literal. A null value removes a
key of the chart's defaults.

Examples:

  ferry template ./mychart
  ferry template myrelease ./mychart -n prod -f prod.yaml --set image.tag=1.2.3
  ferry template ./mychart --api-versions networking.k8s.io/v1,cert-manager.io/v1
  ferry template ./mychart -s templates/deployment.yaml -s 'templates/*.yaml'
  ferry template ./mychart --output-dir ./out          # one file per template
  ferry template web oci://ghcr.io/acme/charts/web --version 1.2.3
  ferry template web postgresql --repo https://charts.example.com --version '^15'   # cached by digest
  ferry template secrets ./mychart --install-dry-run --hide-secret

On error the message is printed as Helm prints it (\"Error: ...\") and the exit status is 1.
With --debug, whatever rendered is printed before the error, so that invalid YAML can be
inspected. Output whitespace follows Helm 4.1 and later; --helm-compat 4.0 reproduces 4.0.";

/// Render a Helm chart locally and print the manifests, like `helm template`.
#[derive(clap::Args, Debug)]
#[command(after_long_help = LONG_HELP, disable_version_flag = true)]
pub struct Args {
    /// [NAME] CHART: an optional release name, then the chart: a directory, a .tgz, an
    /// oci://registry/repo/chart reference, or a chart name with --repo.
    #[arg(value_name = "NAME_OR_CHART", num_args = 1..)]
    args: Vec<String>,

    /// Chart repository URL where CHART (a chart name) is found, as `helm template --repo`.
    #[arg(long, value_name = "URL")]
    repo: Option<String>,

    /// Chart version for oci:// and --repo charts: exact, or a constraint like ^1.2 (default:
    /// the newest stable version).
    #[arg(long, value_name = "VERSION")]
    version: Option<String>,

    /// User name for the chart registry or repository.
    #[arg(long)]
    username: Option<String>,

    /// Password for the chart registry or repository.
    #[arg(long, env = "FERRY_CHART_PASSWORD", hide_env_values = true)]
    password: Option<String>,

    /// Reach an oci:// registry over plain HTTP (loopback registries always are).
    #[arg(long)]
    plain_http: bool,

    /// Also trust the CA certificates in this PEM file for the registry or repository.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,

    /// Specify values in a YAML file (can specify multiple, or a comma-separated list; "-" reads stdin).
    #[arg(short = 'f', long = "values", value_name = "FILE", value_delimiter = ',')]
    values: Vec<String>,

    /// Set values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,

    /// Set STRING values on the command line (no type inference: `--set-string tag=010` stays "010").
    #[arg(long = "set-string", value_name = "KEY=VALUE")]
    set_string: Vec<String>,

    /// Set values from files (key1=path1,key2=path2): each value is the contents of its file.
    #[arg(long = "set-file", value_name = "KEY=PATH")]
    set_file: Vec<String>,

    /// Set JSON values on the command line (key1=jsonval1,key2=jsonval2, or a JSON object).
    #[arg(long = "set-json", value_name = "KEY=JSON")]
    set_json: Vec<String>,

    /// Set a literal STRING value: everything after the first '=' is the value, commas included.
    #[arg(long = "set-literal", value_name = "KEY=VALUE")]
    set_literal: Vec<String>,

    /// Namespace of the release (.Release.Namespace).
    #[arg(short = 'n', long, default_value = "default", env = "HELM_NAMESPACE")]
    namespace: String,

    /// Kubernetes version used for .Capabilities.KubeVersion and the chart's kubeVersion check.
    #[arg(long = "kube-version", value_name = "VERSION")]
    kube_version: Option<String>,

    /// Kubernetes API versions added to .Capabilities.APIVersions (repeatable or comma-separated).
    #[arg(short = 'a', long = "api-versions", value_name = "GROUP/VERSION", value_delimiter = ',')]
    api_versions: Vec<String>,

    /// Include the chart's CRDs (crds/ directories) in the output.
    #[arg(long = "include-crds")]
    include_crds: bool,

    /// Leave out test hooks (helm.sh/hook: test).
    #[arg(long = "skip-tests")]
    skip_tests: bool,

    /// Leave out all hooks.
    #[arg(long = "no-hooks")]
    no_hooks: bool,

    /// Only show manifests rendered from these templates (paths inside the chart, globs allowed).
    #[arg(short = 's', long = "show-only", value_name = "TEMPLATE")]
    show_only: Vec<String>,

    /// Write each template's output to <DIR>/<chart>/<template path> instead of printing it.
    #[arg(long = "output-dir", value_name = "DIR")]
    output_dir: Option<PathBuf>,

    /// With --output-dir, write under <DIR>/<release name>/.
    #[arg(long = "release-name")]
    release_name: bool,

    /// Name the release with a template (Sprig functions available), e.g. 'app-{{ randAlpha 5 | lower }}'.
    #[arg(long = "name-template", value_name = "TEMPLATE")]
    name_template: Option<String>,

    /// Generate the release name from the chart name and the time.
    #[arg(short = 'g', long = "generate-name")]
    generate_name: bool,

    /// Set .Release.IsUpgrade instead of .Release.IsInstall.
    #[arg(long = "is-upgrade")]
    is_upgrade: bool,

    /// Do not validate values against values.schema.json.
    #[arg(long = "skip-schema-validation")]
    skip_schema_validation: bool,

    /// Render NOTES.txt of subcharts too (shown with --install-dry-run).
    #[arg(long = "render-subchart-notes")]
    render_subchart_notes: bool,

    /// Print what rendered even when it is not valid YAML, then the error.
    #[arg(long)]
    debug: bool,

    /// Print like `helm install NAME CHART --dry-run`: release header, hooks, manifest and notes.
    #[arg(long = "install-dry-run")]
    install_dry_run: bool,

    /// With --install-dry-run, replace Secret manifests by a notice.
    #[arg(long = "hide-secret")]
    hide_secret: bool,

    /// With --install-dry-run, do not print NOTES.
    #[arg(long = "hide-notes")]
    hide_notes: bool,

    /// Reproduce the output whitespace of this Helm release: 4.0 trims every document,
    /// 4.1 and later keep a document's trailing newlines.
    #[arg(long = "helm-compat", value_enum, default_value = "4.2", env = "FERRY_HELM_COMPAT")]
    helm_compat: HelmCompat,

    /// A fixed time (seconds since 1970) for LAST DEPLOYED and --generate-name, printed in UTC.
    #[arg(long = "timestamp", env = "SOURCE_DATE_EPOCH", hide = true)]
    timestamp: Option<i64>,
}

/// Which Helm release's whitespace to reproduce.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum HelmCompat {
    /// Helm 4.0: documents trimmed.
    #[value(name = "4.0")]
    V40,
    /// Helm 4.1 and later: trailing newlines kept.
    #[value(name = "4.2")]
    V42,
}

/// A chart fetched from a registry or repository, kept in a file for the duration of the
/// command (the engine loads charts from paths).
struct Fetched(PathBuf);

impl Drop for Fetched {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Fetches the chart when CHART is remote (oci:// or --repo); `None` for local charts.
async fn fetch_remote(args: &Args) -> anyhow::Result<Option<Fetched>> {
    use anyhow::Context as _;
    use ferry_chart::source::{
        ChartCache, ChartFetcher, ChartRequest, ChartSource, Credentials, FetchOptions, HttpConfig, ReqwestClient,
    };
    let Some(chart) = args.args.last() else { return Ok(None) };
    let (url, name) = match (&args.repo, chart.starts_with("oci://")) {
        (Some(repo), _) => (repo.clone(), chart.clone()),
        (None, true) => (chart.clone(), String::new()),
        (None, false) => return Ok(None),
    };
    let request = ChartRequest::parse(&url, &name, args.version.as_deref().unwrap_or(""))?;
    let mut http = HttpConfig::default();
    if let Some(ca) = &args.ca_file {
        http.extra_root_certificates_pem.push(std::fs::read(ca).with_context(|| format!("reading {}", ca.display()))?);
    }
    let mut fetcher = ChartFetcher::new(ReqwestClient::new(&http)?);
    if let Some(cache) = dirs::cache_dir().map(|d| d.join("ferry").join("charts")) {
        match ChartCache::open(&cache) {
            Ok(c) => fetcher = fetcher.with_cache(c),
            Err(e) => eprintln!("warning: chart cache unavailable: {e}"),
        }
    }
    let options = FetchOptions {
        credentials: args
            .username
            .clone()
            .map(|username| Credentials { username, password: args.password.clone().unwrap_or_default() }),
        plain_http: args.plain_http,
        ..FetchOptions::default()
    };
    let fetched = fetcher.fetch(&request, &options).await?;
    for w in &fetched.warnings {
        eprintln!("warning: {w}");
    }
    let path = std::env::temp_dir().join(format!("ferry-chart-{}.tgz", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, &fetched.archive).with_context(|| format!("writing {}", path.display()))?;
    Ok(Some(Fetched(path)))
}

/// Runs the command.
pub async fn run(mut args: Args) -> anyhow::Result<ExitCode> {
    let fetched = match fetch_remote(&args).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("Error: {e:#}");
            return Ok(ExitCode::FAILURE);
        }
    };
    if let (Some(f), Some(last)) = (&fetched, args.args.last_mut()) {
        *last = f.0.display().to_string();
    }
    let req = TemplateRequest {
        args: args.args,
        name_template: args.name_template,
        generate_name: args.generate_name,
        default_release_name: if args.install_dry_run { None } else { Some("release-name".to_string()) },
        namespace: args.namespace,
        values: ValueOptions {
            value_files: args.values,
            values: args.set,
            string_values: args.set_string,
            file_values: args.set_file,
            json_values: args.set_json,
            literal_values: args.set_literal,
        },
        kube_version: args.kube_version,
        api_versions: args.api_versions,
        include_crds: args.include_crds,
        skip_tests: args.skip_tests,
        disable_hooks: args.no_hooks,
        show_only: args.show_only,
        output_dir: args.output_dir,
        use_release_name: args.release_name,
        is_upgrade: args.is_upgrade,
        revision: None,
        debug: args.debug,
        skip_schema_validation: args.skip_schema_validation,
        subchart_notes: args.render_subchart_notes,
        hide_secret: args.hide_secret,
        hide_notes: args.hide_notes,
        install_dry_run: args.install_dry_run,
        whitespace: match args.helm_compat {
            HelmCompat::V40 => Whitespace::Trim,
            HelmCompat::V42 => Whitespace::Keep,
        },
    };
    if args.hide_secret && !args.install_dry_run {
        eprintln!("Error: hiding Kubernetes secrets requires a dry-run mode");
        return Ok(ExitCode::FAILURE);
    }
    let mut env = FsEnvironment { fixed_time: args.timestamp };
    let outcome = template::run(&req, &mut env);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(outcome.stdout.as_bytes())?;
    stdout.flush()?;
    if args.debug {
        for w in &outcome.warnings {
            eprintln!("{w}");
        }
    }
    match outcome.error {
        Some(e) => {
            eprintln!("Error: {e}");
            Ok(ExitCode::FAILURE)
        }
        None => Ok(ExitCode::SUCCESS),
    }
}
