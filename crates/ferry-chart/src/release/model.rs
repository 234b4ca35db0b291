//! Helm's release record (`pkg/release/v1`) and the chart copy stored in it
//! (`pkg/chart/v2`), with the JSON layout of their Go struct tags.
//!
//! Field order, `omitempty` / `omitzero` and nil-versus-empty follow the Go
//! structs, so [`Release::to_json`] produces the bytes Helm's `json.Marshal`
//! would. Times follow Helm 4: unset times are omitted (Helm 3 wrote `""`),
//! which both Helm 3 and Helm 4 read back as unset.

use std::collections::BTreeMap;

use ferry_goyaml::Value;

use super::ReleaseError;
use super::gojson::{self, ObjectWriter, Path};
use super::timestamp::Timestamp;

/// Declares a Go string type with known constants; unknown texts are kept
/// in `Other` so that a release written by a newer Helm round-trips.
macro_rules! go_string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The text Helm writes.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(s) => s,
                }
            }

            /// The value for Helm's text (never fails: unknown text is `Other`).
            pub fn parse(text: &str) -> $name {
                match text {
                    $($text => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

go_string_enum! {
    /// The state of a release (`pkg/release/common.Status`), also written to
    /// the Secret's `status` label.
    Status {
        /// `unknown`: the release is in an uncertain state.
        Unknown => "unknown",
        /// `deployed`: pushed to Kubernetes.
        Deployed => "deployed",
        /// `uninstalled`: removed from Kubernetes (history kept).
        Uninstalled => "uninstalled",
        /// `superseded`: a newer revision exists.
        Superseded => "superseded",
        /// `failed`: not successfully deployed.
        Failed => "failed",
        /// `uninstalling`: an uninstall is under way.
        Uninstalling => "uninstalling",
        /// `pending-install`: an install is under way.
        PendingInstall => "pending-install",
        /// `pending-upgrade`: an upgrade is under way.
        PendingUpgrade => "pending-upgrade",
        /// `pending-rollback`: a rollback is under way.
        PendingRollback => "pending-rollback",
    }
}

impl Status {
    /// Whether the status is a transition (Helm's `IsPending`).
    pub fn is_pending(&self) -> bool {
        matches!(self, Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback)
    }
}

go_string_enum! {
    /// When a hook fires (`helm.sh/hook` annotation values).
    HookEvent {
        /// `pre-install`
        PreInstall => "pre-install",
        /// `post-install`
        PostInstall => "post-install",
        /// `pre-delete`
        PreDelete => "pre-delete",
        /// `post-delete`
        PostDelete => "post-delete",
        /// `pre-upgrade`
        PreUpgrade => "pre-upgrade",
        /// `post-upgrade`
        PostUpgrade => "post-upgrade",
        /// `pre-rollback`
        PreRollback => "pre-rollback",
        /// `post-rollback`
        PostRollback => "post-rollback",
        /// `test`
        Test => "test",
    }
}

go_string_enum! {
    /// When a hook resource is deleted (`helm.sh/hook-delete-policy`).
    HookDeletePolicy {
        /// `hook-succeeded`
        Succeeded => "hook-succeeded",
        /// `hook-failed`
        Failed => "hook-failed",
        /// `before-hook-creation`
        BeforeHookCreation => "before-hook-creation",
    }
}

go_string_enum! {
    /// When hook logs are copied out (`helm.sh/hook-output-log-policy`).
    HookOutputLogPolicy {
        /// `hook-succeeded`
        OnSucceeded => "hook-succeeded",
        /// `hook-failed`
        OnFailed => "hook-failed",
    }
}

go_string_enum! {
    /// How the last run of a hook ended.
    HookPhase {
        /// `Unknown`
        Unknown => "Unknown",
        /// `Running`
        Running => "Running",
        /// `Succeeded`
        Succeeded => "Succeeded",
        /// `Failed`
        Failed => "Failed",
    }
}

/// One release revision as Helm stores it (`release.Release`).
#[derive(Clone, Debug, PartialEq)]
pub struct Release {
    /// Release name (`name`).
    pub name: String,
    /// Deployment information (`info`); `None` is Go's nil.
    pub info: Option<Info>,
    /// The chart that was released (`chart`), without its subcharts — Helm
    /// does not serialise dependencies either.
    pub chart: Option<Chart>,
    /// User-supplied values (`config`); `Value::Null` is nil.
    pub config: Value,
    /// The rendered manifest (`manifest`).
    pub manifest: String,
    /// The chart's hooks (`hooks`).
    pub hooks: Vec<Hook>,
    /// The revision, starting at 1 (`version`).
    pub version: i64,
    /// The namespace (`namespace`).
    pub namespace: String,
    /// Helm 4's `apply_method`: `"ssa"`, `"csa"` or empty (client-side).
    pub apply_method: String,
    /// Custom labels. Not part of the JSON (Go tag `json:"-"`): Helm keeps
    /// them as labels of the storage Secret.
    pub labels: BTreeMap<String, String>,
}

/// Release information (`release.Info`).
#[derive(Clone, Debug, PartialEq)]
pub struct Info {
    /// First deployment time (`first_deployed`).
    pub first_deployed: Timestamp,
    /// Latest deployment time (`last_deployed`).
    pub last_deployed: Timestamp,
    /// Deletion time (`deleted`).
    pub deleted: Timestamp,
    /// Human-readable log entry (`description`).
    pub description: String,
    /// Status (`status`); `None` is the empty string.
    pub status: Option<Status>,
    /// Rendered `NOTES.txt` (`notes`).
    pub notes: String,
    /// Deployed resources (`resources`, `map[string][]runtime.Object`), only
    /// filled by `helm status --show-resources`; `Value::Null` when absent.
    pub resources: Value,
}

/// A hook resource of a release (`release.Hook`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hook {
    /// Resource name (`name`).
    pub name: String,
    /// Kubernetes kind (`kind`).
    pub kind: String,
    /// Chart-relative template path (`path`).
    pub path: String,
    /// The hook's manifest (`manifest`).
    pub manifest: String,
    /// Events the hook fires on (`events`).
    pub events: Vec<HookEvent>,
    /// The last execution (`last_run`).
    pub last_run: HookExecution,
    /// Execution order among hooks of one event (`weight`).
    pub weight: i64,
    /// Delete policies (`delete_policies`).
    pub delete_policies: Vec<HookDeletePolicy>,
    /// Output log policies (`output_log_policies`).
    pub output_log_policies: Vec<HookOutputLogPolicy>,
}

/// The result of a hook's last run (`release.HookExecution`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HookExecution {
    /// Start time (`started_at`).
    pub started_at: Timestamp,
    /// Completion time (`completed_at`).
    pub completed_at: Timestamp,
    /// Outcome (`phase`, always written); `None` is the empty string.
    pub phase: Option<HookPhase>,
}

/// The chart as stored in a release (`chart.Chart` without subcharts).
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// `Chart.yaml` (`metadata`).
    pub metadata: Option<Metadata>,
    /// `Chart.lock` (`lock`).
    pub lock: Option<Lock>,
    /// Files under `templates/` (`templates`).
    pub templates: Vec<File>,
    /// Default values (`values`); `Value::Null` is nil.
    pub values: Value,
    /// `values.schema.json` (`schema`); `None` is nil.
    pub schema: Option<Vec<u8>>,
    /// Helm 4's `schemamodtime`, always written by Helm 4.
    pub schema_mod_time: Timestamp,
    /// Other files (`files`): README, LICENSE, `crds/`, ...
    pub files: Vec<File>,
    /// Helm 4's `modtime` of the chart metadata (omitted when zero).
    pub mod_time: Timestamp,
}

/// A chart file (`chart.File` / Helm 4 `common.File`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    /// Path relative to the chart root (`name`).
    pub name: String,
    /// Contents (`data`, base64 in JSON).
    pub data: Vec<u8>,
    /// Helm 4's `modtime` (omitted when zero).
    pub mod_time: Timestamp,
}

/// `Chart.yaml` (`chart.Metadata`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    /// `name`
    pub name: String,
    /// `home`
    pub home: String,
    /// `sources`
    pub sources: Vec<String>,
    /// `version`
    pub version: String,
    /// `description`
    pub description: String,
    /// `keywords`
    pub keywords: Vec<String>,
    /// `maintainers`
    pub maintainers: Vec<Maintainer>,
    /// `icon`
    pub icon: String,
    /// `apiVersion`
    pub api_version: String,
    /// `condition`
    pub condition: String,
    /// `tags`
    pub tags: String,
    /// `appVersion`
    pub app_version: String,
    /// `deprecated`
    pub deprecated: bool,
    /// `annotations`
    pub annotations: BTreeMap<String, String>,
    /// `kubeVersion`
    pub kube_version: String,
    /// `dependencies`
    pub dependencies: Vec<Dependency>,
    /// `type` (`application` or `library`)
    pub chart_type: String,
}

/// A chart maintainer (`chart.Maintainer`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Maintainer {
    /// `name`
    pub name: String,
    /// `email`
    pub email: String,
    /// `url`
    pub url: String,
}

/// A chart dependency (`chart.Dependency`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dependency {
    /// `name` (always written)
    pub name: String,
    /// `version`
    pub version: String,
    /// `repository` (always written)
    pub repository: String,
    /// `condition`
    pub condition: String,
    /// `tags`
    pub tags: Vec<String>,
    /// `enabled`
    pub enabled: bool,
    /// `import-values` (strings or `{child, parent}` maps)
    pub import_values: Vec<Value>,
    /// `alias`
    pub alias: String,
    /// `depends-on` (HIP-0025 sequencing)
    pub depends_on: Vec<String>,
}

/// `Chart.lock` (`chart.Lock`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lock {
    /// `generated` (always written)
    pub generated: Timestamp,
    /// `digest`
    pub digest: String,
    /// `dependencies`
    pub dependencies: Vec<Dependency>,
}

// `ferry_goyaml::Value` has no `Default`; nil (`Null`) is Go's zero value.
impl Default for Release {
    fn default() -> Self {
        Release {
            name: String::new(),
            info: None,
            chart: None,
            config: Value::Null,
            manifest: String::new(),
            hooks: Vec::new(),
            version: 0,
            namespace: String::new(),
            apply_method: String::new(),
            labels: BTreeMap::new(),
        }
    }
}

impl Default for Info {
    fn default() -> Self {
        Info {
            first_deployed: Timestamp::ZERO,
            last_deployed: Timestamp::ZERO,
            deleted: Timestamp::ZERO,
            description: String::new(),
            status: None,
            notes: String::new(),
            resources: Value::Null,
        }
    }
}

impl Default for Chart {
    fn default() -> Self {
        Chart {
            metadata: None,
            lock: None,
            templates: Vec::new(),
            values: Value::Null,
            schema: None,
            schema_mod_time: Timestamp::ZERO,
            files: Vec::new(),
            mod_time: Timestamp::ZERO,
        }
    }
}

// ------------------------------------------------------------------ writing

type WriteResult = Result<(), ReleaseError>;

impl Release {
    /// The release as Helm's `json.Marshal(rls)` writes it.
    pub fn to_json(&self) -> Result<String, ReleaseError> {
        let mut out = String::with_capacity(self.manifest.len() * 2 + 4096);
        let mut o = ObjectWriter::open(&mut out);
        o.string_omitempty("name", &self.name);
        if let Some(info) = &self.info {
            info.write(o.key("info"))?;
        }
        if let Some(chart) = &self.chart {
            chart.write(o.key("chart"))?;
        }
        if !is_empty_map(&self.config) {
            o.value("config", &self.config)?;
        }
        o.string_omitempty("manifest", &self.manifest);
        o.list_omitempty("hooks", &self.hooks, |h, out| h.write(out))?;
        o.int_omitempty("version", self.version);
        o.string_omitempty("namespace", &self.namespace);
        o.string_omitempty("apply_method", &self.apply_method);
        o.close();
        Ok(out)
    }
}

// `omitempty` on a map: nil and empty maps are both left out.
fn is_empty_map(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

impl Info {
    fn write(&self, out: &mut String) -> WriteResult {
        let mut o = ObjectWriter::open(out);
        o.time_omitzero("first_deployed", &self.first_deployed)?;
        o.time_omitzero("last_deployed", &self.last_deployed)?;
        o.time_omitzero("deleted", &self.deleted)?;
        o.string_omitempty("description", &self.description);
        o.string_omitempty("status", self.status.as_ref().map_or("", Status::as_str));
        o.string_omitempty("notes", &self.notes);
        if !is_empty_map(&self.resources) {
            o.value("resources", &self.resources)?;
        }
        o.close();
        Ok(())
    }
}

impl Hook {
    fn write(&self, out: &mut String) -> WriteResult {
        let mut o = ObjectWriter::open(out);
        o.string_omitempty("name", &self.name);
        o.string_omitempty("kind", &self.kind);
        o.string_omitempty("path", &self.path);
        o.string_omitempty("manifest", &self.manifest);
        let events: Vec<&str> = self.events.iter().map(HookEvent::as_str).collect();
        o.strings_omitempty("events", &events);
        self.last_run.write(o.key("last_run"))?;
        o.int_omitempty("weight", self.weight);
        let policies: Vec<&str> = self.delete_policies.iter().map(HookDeletePolicy::as_str).collect();
        o.strings_omitempty("delete_policies", &policies);
        let logs: Vec<&str> = self.output_log_policies.iter().map(HookOutputLogPolicy::as_str).collect();
        o.strings_omitempty("output_log_policies", &logs);
        o.close();
        Ok(())
    }
}

impl HookExecution {
    fn write(&self, out: &mut String) -> WriteResult {
        let mut o = ObjectWriter::open(out);
        o.time_omitzero("started_at", &self.started_at)?;
        o.time_omitzero("completed_at", &self.completed_at)?;
        o.string("phase", self.phase.as_ref().map_or("", HookPhase::as_str));
        o.close();
        Ok(())
    }
}

impl Chart {
    fn write(&self, out: &mut String) -> WriteResult {
        let mut o = ObjectWriter::open(out);
        match &self.metadata {
            Some(m) => m.write(o.key("metadata"))?,
            None => o.key("metadata").push_str("null"),
        }
        match &self.lock {
            Some(l) => l.write(o.key("lock"))?,
            None => o.key("lock").push_str("null"),
        }
        o.list("templates", &self.templates, |f, out| f.write(out))?;
        o.value("values", &self.values)?;
        o.bytes("schema", self.schema.as_deref());
        o.time("schemamodtime", &self.schema_mod_time)?;
        o.list("files", &self.files, |f, out| f.write(out))?;
        o.time_omitzero("modtime", &self.mod_time)?;
        o.close();
        Ok(())
    }
}

impl File {
    fn write(&self, out: &mut String) -> WriteResult {
        let mut o = ObjectWriter::open(out);
        o.string("name", &self.name);
        o.bytes("data", Some(&self.data));
        o.time_omitzero("modtime", &self.mod_time)?;
        o.close();
        Ok(())
    }
}

impl Metadata {
    fn write(&self, out: &mut String) -> WriteResult {
        let mut o = ObjectWriter::open(out);
        o.string_omitempty("name", &self.name);
        o.string_omitempty("home", &self.home);
        o.strings_omitempty("sources", &self.sources);
        o.string_omitempty("version", &self.version);
        o.string_omitempty("description", &self.description);
        o.strings_omitempty("keywords", &self.keywords);
        o.list_omitempty("maintainers", &self.maintainers, |m, out| {
            m.write(out);
            Ok(())
        })?;
        o.string_omitempty("icon", &self.icon);
        o.string_omitempty("apiVersion", &self.api_version);
        o.string_omitempty("condition", &self.condition);
        o.string_omitempty("tags", &self.tags);
        o.string_omitempty("appVersion", &self.app_version);
        o.bool_omitempty("deprecated", self.deprecated);
        o.string_map_omitempty("annotations", &self.annotations);
        o.string_omitempty("kubeVersion", &self.kube_version);
        o.list_omitempty("dependencies", &self.dependencies, |d, out| d.write(out))?;
        o.string_omitempty("type", &self.chart_type);
        o.close();
        Ok(())
    }
}

impl Maintainer {
    fn write(&self, out: &mut String) {
        let mut o = ObjectWriter::open(out);
        o.string_omitempty("name", &self.name);
        o.string_omitempty("email", &self.email);
        o.string_omitempty("url", &self.url);
        o.close();
    }
}

impl Dependency {
    fn write(&self, out: &mut String) -> WriteResult {
        let mut o = ObjectWriter::open(out);
        o.string("name", &self.name);
        o.string_omitempty("version", &self.version);
        o.string("repository", &self.repository);
        o.string_omitempty("condition", &self.condition);
        o.strings_omitempty("tags", &self.tags);
        o.bool_omitempty("enabled", self.enabled);
        if !self.import_values.is_empty() {
            o.value("import-values", &Value::Seq(self.import_values.clone()))?;
        }
        o.string_omitempty("alias", &self.alias);
        o.strings_omitempty("depends-on", &self.depends_on);
        o.close();
        Ok(())
    }
}

impl Lock {
    fn write(&self, out: &mut String) -> WriteResult {
        let mut o = ObjectWriter::open(out);
        o.time("generated", &self.generated)?;
        o.string("digest", &self.digest);
        o.list("dependencies", &self.dependencies, |d, out| d.write(out))?;
        o.close();
        Ok(())
    }
}

// ------------------------------------------------------------------ reading

type ReadResult<T> = Result<T, ReleaseError>;

impl Release {
    /// Reads a release the way Helm's `json.Unmarshal` into `release.Release`
    /// does: unknown fields are ignored, field names match case-insensitively,
    /// `null` leaves a field unset, a value of the wrong kind is an error.
    pub fn from_json(text: &str) -> ReadResult<Release> {
        let doc = ferry_goyaml::decode_json(text).map_err(|e| ReleaseError::Decode(e.to_string()))?;
        Release::read(&doc)
    }

    fn read(v: &Value) -> ReadResult<Release> {
        const P: &str = "Release";
        const FIELDS: &[&str] =
            &["name", "info", "chart", "config", "manifest", "hooks", "version", "namespace", "apply_method"];
        let mut r = Release::default();
        let Some(entries) = gojson::object(v, Path { parent: P, field: "" }, "release.Release")? else {
            return Ok(r);
        };
        for (k, val) in entries {
            let Some(name) = gojson::field(k, FIELDS) else { continue };
            let at = Path { parent: P, field: name };
            match name {
                "name" => gojson::string(val, at, &mut r.name)?,
                "info" => r.info = Info::read(val, at)?,
                "chart" => r.chart = Chart::read(val, at)?,
                "config" => r.config = map_value(val, at)?,
                "manifest" => gojson::string(val, at, &mut r.manifest)?,
                "hooks" => r.hooks = gojson::list(val, at, "[]*release.Hook", |h| Hook::read(h, at))?,
                "version" => gojson::int(val, at, &mut r.version)?,
                "namespace" => gojson::string(val, at, &mut r.namespace)?,
                _ => gojson::string(val, at, &mut r.apply_method)?,
            }
        }
        Ok(r)
    }
}

// A `map[string]interface{}` field: objects and null only.
fn map_value(v: &Value, at: Path<'_>) -> ReadResult<Value> {
    match v {
        Value::Null | Value::Map(_) => Ok(v.clone()),
        other => Err(gojson::type_error(other, at, "map[string]interface {}")),
    }
}

fn status(v: &Value, at: Path<'_>) -> ReadResult<Option<Status>> {
    let mut s = String::new();
    gojson::string(v, at, &mut s)?;
    Ok((!s.is_empty()).then(|| Status::parse(&s)))
}

fn enum_list<T>(v: &Value, at: Path<'_>, parse: fn(&str) -> T) -> ReadResult<Vec<T>> {
    let mut raw = Vec::new();
    gojson::strings(v, at, &mut raw)?;
    Ok(raw.iter().map(|s| parse(s)).collect())
}

impl Info {
    fn read(v: &Value, outer: Path<'_>) -> ReadResult<Option<Info>> {
        const FIELDS: &[&str] =
            &["first_deployed", "last_deployed", "deleted", "description", "status", "notes", "resources"];
        let parent = outer.child();
        let Some(entries) = gojson::object(v, outer, "release.Info")? else { return Ok(None) };
        let mut i = Info::default();
        for (k, val) in entries {
            let Some(name) = gojson::field(k, FIELDS) else { continue };
            let at = Path { parent: &parent, field: name };
            match name {
                "first_deployed" => gojson::time(val, at, &mut i.first_deployed)?,
                "last_deployed" => gojson::time(val, at, &mut i.last_deployed)?,
                "deleted" => gojson::time(val, at, &mut i.deleted)?,
                "description" => gojson::string(val, at, &mut i.description)?,
                "status" => i.status = status(val, at)?,
                "notes" => gojson::string(val, at, &mut i.notes)?,
                _ => i.resources = map_value(val, at)?,
            }
        }
        Ok(Some(i))
    }
}

impl Hook {
    fn read(v: &Value, outer: Path<'_>) -> ReadResult<Option<Hook>> {
        const FIELDS: &[&str] = &[
            "name",
            "kind",
            "path",
            "manifest",
            "events",
            "last_run",
            "weight",
            "delete_policies",
            "output_log_policies",
        ];
        let parent = outer.child();
        let Some(entries) = gojson::object(v, outer, "release.Hook")? else { return Ok(None) };
        let mut h = Hook::default();
        for (k, val) in entries {
            let Some(name) = gojson::field(k, FIELDS) else { continue };
            let at = Path { parent: &parent, field: name };
            match name {
                "name" => gojson::string(val, at, &mut h.name)?,
                "kind" => gojson::string(val, at, &mut h.kind)?,
                "path" => gojson::string(val, at, &mut h.path)?,
                "manifest" => gojson::string(val, at, &mut h.manifest)?,
                "events" => h.events = enum_list(val, at, HookEvent::parse)?,
                "last_run" => h.last_run = HookExecution::read(val, at)?,
                "weight" => gojson::int(val, at, &mut h.weight)?,
                "delete_policies" => h.delete_policies = enum_list(val, at, HookDeletePolicy::parse)?,
                _ => h.output_log_policies = enum_list(val, at, HookOutputLogPolicy::parse)?,
            }
        }
        Ok(Some(h))
    }
}

impl HookExecution {
    fn read(v: &Value, outer: Path<'_>) -> ReadResult<HookExecution> {
        const FIELDS: &[&str] = &["started_at", "completed_at", "phase"];
        let parent = outer.child();
        let mut e = HookExecution::default();
        let Some(entries) = gojson::object(v, outer, "release.HookExecution")? else { return Ok(e) };
        for (k, val) in entries {
            let Some(name) = gojson::field(k, FIELDS) else { continue };
            let at = Path { parent: &parent, field: name };
            match name {
                "started_at" => gojson::time(val, at, &mut e.started_at)?,
                "completed_at" => gojson::time(val, at, &mut e.completed_at)?,
                _ => {
                    let mut s = String::new();
                    gojson::string(val, at, &mut s)?;
                    e.phase = (!s.is_empty()).then(|| HookPhase::parse(&s));
                }
            }
        }
        Ok(e)
    }
}

impl Chart {
    fn read(v: &Value, outer: Path<'_>) -> ReadResult<Option<Chart>> {
        const FIELDS: &[&str] =
            &["metadata", "lock", "templates", "values", "schema", "schemamodtime", "files", "modtime"];
        let parent = outer.child();
        let Some(entries) = gojson::object(v, outer, "chart.Chart")? else { return Ok(None) };
        let mut c = Chart::default();
        for (k, val) in entries {
            let Some(name) = gojson::field(k, FIELDS) else { continue };
            let at = Path { parent: &parent, field: name };
            match name {
                "metadata" => c.metadata = Metadata::read(val, at)?,
                "lock" => c.lock = Lock::read(val, at)?,
                "templates" => c.templates = gojson::list(val, at, "[]*chart.File", |f| File::read(f, at))?,
                "values" => c.values = map_value(val, at)?,
                "schema" => c.schema = gojson::bytes(val, at)?,
                "schemamodtime" => gojson::time(val, at, &mut c.schema_mod_time)?,
                "files" => c.files = gojson::list(val, at, "[]*chart.File", |f| File::read(f, at))?,
                _ => gojson::time(val, at, &mut c.mod_time)?,
            }
        }
        Ok(Some(c))
    }
}

impl File {
    fn read(v: &Value, outer: Path<'_>) -> ReadResult<Option<File>> {
        const FIELDS: &[&str] = &["name", "data", "modtime"];
        let parent = outer.child();
        let Some(entries) = gojson::object(v, outer, "chart.File")? else { return Ok(None) };
        let mut f = File::default();
        for (k, val) in entries {
            let Some(name) = gojson::field(k, FIELDS) else { continue };
            let at = Path { parent: &parent, field: name };
            match name {
                "name" => gojson::string(val, at, &mut f.name)?,
                "data" => f.data = gojson::bytes(val, at)?.unwrap_or_default(),
                _ => gojson::time(val, at, &mut f.mod_time)?,
            }
        }
        Ok(Some(f))
    }
}

impl Metadata {
    fn read(v: &Value, outer: Path<'_>) -> ReadResult<Option<Metadata>> {
        const FIELDS: &[&str] = &[
            "name",
            "home",
            "sources",
            "version",
            "description",
            "keywords",
            "maintainers",
            "icon",
            "apiVersion",
            "condition",
            "tags",
            "appVersion",
            "deprecated",
            "annotations",
            "kubeVersion",
            "dependencies",
            "type",
        ];
        let parent = outer.child();
        let Some(entries) = gojson::object(v, outer, "chart.Metadata")? else { return Ok(None) };
        let mut m = Metadata::default();
        for (k, val) in entries {
            let Some(name) = gojson::field(k, FIELDS) else { continue };
            let at = Path { parent: &parent, field: name };
            match name {
                "name" => gojson::string(val, at, &mut m.name)?,
                "home" => gojson::string(val, at, &mut m.home)?,
                "sources" => gojson::strings(val, at, &mut m.sources)?,
                "version" => gojson::string(val, at, &mut m.version)?,
                "description" => gojson::string(val, at, &mut m.description)?,
                "keywords" => gojson::strings(val, at, &mut m.keywords)?,
                "maintainers" => {
                    m.maintainers = gojson::list(val, at, "[]*chart.Maintainer", |x| Maintainer::read(x, at))?
                }
                "icon" => gojson::string(val, at, &mut m.icon)?,
                "apiVersion" => gojson::string(val, at, &mut m.api_version)?,
                "condition" => gojson::string(val, at, &mut m.condition)?,
                "tags" => gojson::string(val, at, &mut m.tags)?,
                "appVersion" => gojson::string(val, at, &mut m.app_version)?,
                "deprecated" => gojson::boolean(val, at, &mut m.deprecated)?,
                "annotations" => gojson::string_map(val, at, &mut m.annotations)?,
                "kubeVersion" => gojson::string(val, at, &mut m.kube_version)?,
                "dependencies" => m.dependencies = read_dependencies(val, at)?,
                _ => gojson::string(val, at, &mut m.chart_type)?,
            }
        }
        Ok(Some(m))
    }
}

fn read_dependencies(v: &Value, at: Path<'_>) -> ReadResult<Vec<Dependency>> {
    gojson::list(v, at, "[]*chart.Dependency", |d| Dependency::read(d, at))
}

impl Maintainer {
    fn read(v: &Value, outer: Path<'_>) -> ReadResult<Option<Maintainer>> {
        const FIELDS: &[&str] = &["name", "email", "url"];
        let parent = outer.child();
        let Some(entries) = gojson::object(v, outer, "chart.Maintainer")? else { return Ok(None) };
        let mut m = Maintainer::default();
        for (k, val) in entries {
            let Some(name) = gojson::field(k, FIELDS) else { continue };
            let at = Path { parent: &parent, field: name };
            match name {
                "name" => gojson::string(val, at, &mut m.name)?,
                "email" => gojson::string(val, at, &mut m.email)?,
                _ => gojson::string(val, at, &mut m.url)?,
            }
        }
        Ok(Some(m))
    }
}

impl Dependency {
    fn read(v: &Value, outer: Path<'_>) -> ReadResult<Option<Dependency>> {
        const FIELDS: &[&str] =
            &["name", "version", "repository", "condition", "tags", "enabled", "import-values", "alias", "depends-on"];
        let parent = outer.child();
        let Some(entries) = gojson::object(v, outer, "chart.Dependency")? else { return Ok(None) };
        let mut d = Dependency::default();
        for (k, val) in entries {
            let Some(name) = gojson::field(k, FIELDS) else { continue };
            let at = Path { parent: &parent, field: name };
            match name {
                "name" => gojson::string(val, at, &mut d.name)?,
                "version" => gojson::string(val, at, &mut d.version)?,
                "repository" => gojson::string(val, at, &mut d.repository)?,
                "condition" => gojson::string(val, at, &mut d.condition)?,
                "tags" => gojson::strings(val, at, &mut d.tags)?,
                "enabled" => gojson::boolean(val, at, &mut d.enabled)?,
                "import-values" => d.import_values = gojson::list(val, at, "[]interface {}", |x| Ok(Some(x.clone())))?,
                "alias" => gojson::string(val, at, &mut d.alias)?,
                _ => gojson::strings(val, at, &mut d.depends_on)?,
            }
        }
        Ok(Some(d))
    }
}

impl Lock {
    fn read(v: &Value, outer: Path<'_>) -> ReadResult<Option<Lock>> {
        const FIELDS: &[&str] = &["generated", "digest", "dependencies"];
        let parent = outer.child();
        let Some(entries) = gojson::object(v, outer, "chart.Lock")? else { return Ok(None) };
        let mut l = Lock::default();
        for (k, val) in entries {
            let Some(name) = gojson::field(k, FIELDS) else { continue };
            let at = Path { parent: &parent, field: name };
            match name {
                "generated" => gojson::time(val, at, &mut l.generated)?,
                "digest" => gojson::string(val, at, &mut l.digest)?,
                _ => l.dependencies = read_dependencies(val, at)?,
            }
        }
        Ok(Some(l))
    }
}
