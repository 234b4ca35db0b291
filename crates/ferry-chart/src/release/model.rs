//! Helm's release record (`pkg/release/v1`) and the chart copy stored in it
//! (`pkg/chart/v2`), with the JSON layout of their Go struct tags.
//!
//! The structs derive serde with their Go JSON tags as attributes (field
//! order, `omitempty` / `omitzero`, nil-versus-empty), and [`crate::gojson`]
//! writes and reads them as Go's `encoding/json` does, so
//! [`Release::to_json`] produces the bytes Helm's `json.Marshal` would.
//! Times follow Helm 4: unset times are omitted (Helm 3 wrote `""`), which
//! both Helm 3 and Helm 4 read back as unset. The chart's `Chart.yaml`,
//! `Chart.lock` and files are the one chart model of [`crate::chart`].

use std::collections::BTreeMap;

use ferry_goyaml::Value;
use serde::{Deserialize, Serialize};

use super::ReleaseError;
use crate::chart::{File, Lock, Metadata};
use crate::gojson::{self, GoText};
use crate::timestamp::Timestamp;

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

        impl GoText for $name {
            fn as_str(&self) -> &str {
                $name::as_str(self)
            }

            fn parse(text: &str) -> Self {
                $name::parse(text)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::parse(&String::deserialize(d)?))
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename = "v1.Release", default)]
pub struct Release {
    /// Release name (`name`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Deployment information (`info`); `None` is Go's nil.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<Info>,
    /// The chart that was released (`chart`), without its subcharts — Helm
    /// does not serialise dependencies either.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart: Option<Chart>,
    /// User-supplied values (`config`); `Value::Null` is nil.
    #[serde(with = "gojson::object", skip_serializing_if = "gojson::is_empty_object")]
    pub config: Value,
    /// The rendered manifest (`manifest`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    /// The chart's hooks (`hooks`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Hook>,
    /// The revision, starting at 1 (`version`).
    #[serde(skip_serializing_if = "gojson::is_zero")]
    pub version: i64,
    /// The namespace (`namespace`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Helm 4's `apply_method`: `"ssa"`, `"csa"` or empty (client-side).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub apply_method: String,
    /// Custom labels. Not part of the JSON (Go tag `json:"-"`): Helm keeps
    /// them as labels of the storage Secret.
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
}

/// Release information (`release.Info`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename = "v1.Info", default)]
pub struct Info {
    /// First deployment time (`first_deployed`).
    #[serde(skip_serializing_if = "Timestamp::is_zero")]
    pub first_deployed: Timestamp,
    /// Latest deployment time (`last_deployed`).
    #[serde(skip_serializing_if = "Timestamp::is_zero")]
    pub last_deployed: Timestamp,
    /// Deletion time (`deleted`).
    #[serde(skip_serializing_if = "Timestamp::is_zero")]
    pub deleted: Timestamp,
    /// Human-readable log entry (`description`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Status (`status`); `None` is the empty string.
    #[serde(with = "gojson::opt_text", skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Rendered `NOTES.txt` (`notes`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Deployed resources (`resources`, `map[string][]runtime.Object`), only
    /// filled by `helm status --show-resources`; `Value::Null` when absent.
    #[serde(with = "gojson::object", skip_serializing_if = "gojson::is_empty_object")]
    pub resources: Value,
}

/// A hook resource of a release (`release.Hook`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "v1.Hook", default)]
pub struct Hook {
    /// Resource name (`name`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Kubernetes kind (`kind`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Chart-relative template path (`path`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// The hook's manifest (`manifest`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    /// Events the hook fires on (`events`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<HookEvent>,
    /// The last execution (`last_run`).
    pub last_run: HookExecution,
    /// Execution order among hooks of one event (`weight`).
    #[serde(skip_serializing_if = "gojson::is_zero")]
    pub weight: i64,
    /// Delete policies (`delete_policies`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub delete_policies: Vec<HookDeletePolicy>,
    /// Output log policies (`output_log_policies`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output_log_policies: Vec<HookOutputLogPolicy>,
}

/// The result of a hook's last run (`release.HookExecution`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "v1.HookExecution", default)]
pub struct HookExecution {
    /// Start time (`started_at`).
    #[serde(skip_serializing_if = "Timestamp::is_zero")]
    pub started_at: Timestamp,
    /// Completion time (`completed_at`).
    #[serde(skip_serializing_if = "Timestamp::is_zero")]
    pub completed_at: Timestamp,
    /// Outcome (`phase`, always written); `None` is the empty string.
    #[serde(with = "gojson::opt_text")]
    pub phase: Option<HookPhase>,
}

/// The chart as stored in a release (`chart.Chart` without subcharts).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename = "v2.Chart", default)]
pub struct Chart {
    /// `Chart.yaml` (`metadata`).
    pub metadata: Option<Metadata>,
    /// `Chart.lock` (`lock`).
    pub lock: Option<Lock>,
    /// Files under `templates/` (`templates`).
    #[serde(with = "gojson::nil_if_empty")]
    pub templates: Vec<File>,
    /// Default values (`values`); `Value::Null` is nil.
    #[serde(with = "gojson::object")]
    pub values: Value,
    /// `values.schema.json` (`schema`); `None` is nil.
    #[serde(with = "gojson::opt_bytes")]
    pub schema: Option<Vec<u8>>,
    /// Helm 4's `schemamodtime`, always written by Helm 4.
    #[serde(rename = "schemamodtime")]
    pub schema_mod_time: Timestamp,
    /// Other files (`files`): README, LICENSE, `crds/`, ...
    #[serde(with = "gojson::nil_if_empty")]
    pub files: Vec<File>,
    /// Helm 4's `modtime` of the chart metadata (omitted when zero).
    #[serde(rename = "modtime", skip_serializing_if = "Timestamp::is_zero")]
    pub mod_time: Timestamp,
}

impl Chart {
    /// The chart as a release stores it: metadata, lock, templates, default
    /// values, schema and files of the top chart (subcharts are not stored,
    /// as in Helm).
    pub fn from_chart(c: &crate::chart::Chart) -> Result<Chart, ReleaseError> {
        let values =
            crate::to_json_tree(&c.values).map_err(|e| ReleaseError::Encode(format!("chart values: {}", e.0)))?;
        Ok(Chart {
            metadata: Some(c.metadata.clone()),
            lock: c.lock.clone(),
            templates: c.templates.clone(),
            values,
            schema: c.schema.clone(),
            schema_mod_time: Timestamp::ZERO,
            files: c.files.clone(),
            mod_time: Timestamp::ZERO,
        })
    }
}

impl Release {
    /// The release as Helm's `json.Marshal(rls)` writes it.
    pub fn to_json(&self) -> Result<String, ReleaseError> {
        gojson::to_string(self).map_err(|e| ReleaseError::Encode(e.to_string()))
    }

    /// Reads a release the way Helm's `json.Unmarshal` into `release.Release`
    /// does: unknown fields are ignored, field names match case-insensitively,
    /// `null` leaves a field unset, a value of the wrong kind is an error.
    pub fn from_json(text: &str) -> Result<Release, ReleaseError> {
        gojson::from_str(text).map_err(|e| ReleaseError::Decode(e.to_string()))
    }
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
