//! The Helm release Secret codec against Helm's documented format: golden
//! JSON written by hand from Go's `encoding/json` rules and Helm's struct
//! tags, Secrets as Helm 3 stores them, and an independent decoder (flate2 +
//! serde_json, not the crate's) checking what the crate writes.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ferry_chart::release::{
    AgentDeployment, AgentPhase, Chart, Dependency, File, Hook, HookDeletePolicy, HookEvent, HookExecution, HookPhase,
    Info, Maintainer, Metadata, Release, ReleaseError, Secret, Status, StorageWrite, Timestamp, decode_release,
    encode_release, release_from_secret, release_to_secret,
};
use ferry_goyaml::Value;
use serde_json::{Value as Json, json};
use time::macros::datetime;

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(entries.iter().map(|(k, v)| (s(k), v.clone())).collect())
}

/// A release touching every field Helm stores.
fn full_release() -> Release {
    Release {
        name: "web".into(),
        info: Some(Info {
            first_deployed: Timestamp::new(datetime!(2024-05-01 10:00:00.123456789 UTC)),
            last_deployed: Timestamp::new(datetime!(2024-05-02 11:30:00 +02:00)),
            deleted: Timestamp::ZERO,
            description: "Upgrade complete".into(),
            status: Some(Status::Deployed),
            notes: "Visit http://x/?a=1&b=<2>".into(),
            resources: Value::Null,
        }),
        chart: Some(Chart {
            metadata: Some(Metadata {
                name: "web".into(),
                version: "1.2.3".into(),
                description: "A <web> app".into(),
                keywords: vec!["http".into()],
                maintainers: vec![Some(Maintainer {
                    name: "ops".into(),
                    email: "ops@example.com".into(),
                    url: String::new(),
                })],
                api_version: "v2".into(),
                app_version: "1.16.0".into(),
                annotations: Some(BTreeMap::from([("b".into(), "2".into()), ("a".into(), "1".into())])),
                dependencies: Some(vec![Some(Dependency {
                    name: "redis".into(),
                    version: "~17".into(),
                    repository: "https://charts.example.com".into(),
                    condition: "redis.enabled".into(),
                    import_values: vec![s("data"), map(&[("child", s("a")), ("parent", s("b"))])],
                    ..Dependency::default()
                })]),
                chart_type: "application".into(),
                ..Metadata::default()
            }),
            templates: vec![File {
                name: "templates/cm.yaml".into(),
                data: b"kind: ConfigMap\n".to_vec(),
                ..File::default()
            }],
            values: map(&[
                ("replicas", Value::Int(2)),
                ("image", map(&[("tag", s("1.0"))])),
                ("ratio", Value::Float(0.5)),
                ("big", Value::Float(1e21)),
            ]),
            ..Chart::default()
        }),
        config: map(&[("replicas", Value::Int(3))]),
        manifest: "---\n# Source: web/templates/cm.yaml\nkind: ConfigMap\n".into(),
        hooks: vec![Hook {
            name: "web-test".into(),
            kind: "Pod".into(),
            path: "web/templates/test.yaml".into(),
            manifest: "apiVersion: v1\nkind: Pod\n".into(),
            events: vec![HookEvent::Test],
            last_run: HookExecution {
                started_at: Timestamp::new(datetime!(2024-05-02 11:31:00 UTC)),
                completed_at: Timestamp::new(datetime!(2024-05-02 11:31:05.5 UTC)),
                phase: Some(HookPhase::Succeeded),
            },
            weight: 5,
            delete_policies: vec![HookDeletePolicy::BeforeHookCreation, HookDeletePolicy::Succeeded],
            output_log_policies: Vec::new(),
        }],
        version: 2,
        namespace: "apps".into(),
        apply_method: String::new(),
        labels: BTreeMap::from([("team".into(), "payments".into())]),
    }
}

/// What Go's `json.Marshal` of the Helm 4 structs writes for [`full_release`]:
/// struct field order, omitempty/omitzero, sorted map keys, HTML escaping,
/// Go's float text, `[]byte` as base64, nil slices as `null`.
const FULL_RELEASE_JSON: &str = concat!(
    r#"{"name":"web","info":{"first_deployed":"2024-05-01T10:00:00.123456789Z","last_deployed":"2024-05-02T11:30:00+02:00","#,
    r#""description":"Upgrade complete","status":"deployed","notes":"Visit http://x/?a=1\u0026b=\u003c2\u003e"},"#,
    r#""chart":{"metadata":{"name":"web","version":"1.2.3","description":"A \u003cweb\u003e app","keywords":["http"],"#,
    r#""maintainers":[{"name":"ops","email":"ops@example.com"}],"apiVersion":"v2","appVersion":"1.16.0","#,
    r#""annotations":{"a":"1","b":"2"},"dependencies":[{"name":"redis","version":"~17","repository":"https://charts.example.com","#,
    r#""condition":"redis.enabled","import-values":["data",{"child":"a","parent":"b"}]}],"type":"application"},"#,
    r#""lock":null,"templates":[{"name":"templates/cm.yaml","data":"a2luZDogQ29uZmlnTWFwCg=="}],"#,
    r#""values":{"big":1e+21,"image":{"tag":"1.0"},"ratio":0.5,"replicas":2},"schema":null,"#,
    r#""schemamodtime":"0001-01-01T00:00:00Z","files":null},"config":{"replicas":3},"#,
    r#""manifest":"---\n# Source: web/templates/cm.yaml\nkind: ConfigMap\n","#,
    r#""hooks":[{"name":"web-test","kind":"Pod","path":"web/templates/test.yaml","manifest":"apiVersion: v1\nkind: Pod\n","#,
    r#""events":["test"],"last_run":{"started_at":"2024-05-02T11:31:00Z","completed_at":"2024-05-02T11:31:05.5Z","phase":"Succeeded"},"#,
    r#""weight":5,"delete_policies":["before-hook-creation","hook-succeeded"]}],"version":2,"namespace":"apps"}"#,
);

#[test]
fn json_matches_go_marshal_byte_for_byte() {
    assert_eq!(full_release().to_json().unwrap(), FULL_RELEASE_JSON);
}

#[test]
fn json_round_trips() {
    let r = full_release();
    let back = Release::from_json(&r.to_json().unwrap()).unwrap();
    // Labels are not part of the JSON (Go tag `json:"-"`).
    assert!(back.labels.is_empty());
    let mut without_labels = r.clone();
    without_labels.labels.clear();
    // Numbers come back as Go's float64, as in Helm.
    let mut expected = without_labels;
    if let Some(c) = expected.chart.as_mut() {
        c.values = map(&[
            ("replicas", Value::Float(2.0)),
            ("image", map(&[("tag", s("1.0"))])),
            ("ratio", Value::Float(0.5)),
            ("big", Value::Float(1e21)),
        ]);
    }
    expected.config = map(&[("replicas", Value::Float(3.0))]);
    assert_eq!(back.info, expected.info);
    assert_eq!(back.hooks, expected.hooks);
    assert_eq!(back.chart.as_ref().unwrap().metadata, expected.chart.as_ref().unwrap().metadata);
    assert_eq!(back.to_json().unwrap(), FULL_RELEASE_JSON, "decode then encode is the identity on Helm JSON");
}

/// The crate's output, read back with flate2 and serde_json only.
fn independent_decode(secret_json: &Json) -> Json {
    // Kubernetes base64 of the data value...
    let k8s = STANDARD.decode(secret_json["data"]["release"].as_str().expect("data.release")).expect("k8s base64");
    // ...which is Helm's base64 text of gzip.
    let gz = STANDARD.decode(&k8s).expect("helm base64");
    assert_eq!(&gz[..3], &[0x1f, 0x8b, 0x08], "gzip magic");
    assert_eq!(gz[8], 2, "XFL: best compression, as Go's gzip.BestCompression");
    let mut json = String::new();
    flate2::read::GzDecoder::new(gz.as_slice()).read_to_string(&mut json).expect("gunzip");
    serde_json::from_str(&json).expect("json")
}

#[test]
fn secret_is_what_helm_writes() {
    let r = full_release();
    let now = Timestamp::new(datetime!(2024-05-02 11:31:10 UTC));
    let secret = release_to_secret(&r, StorageWrite::Create, now).unwrap();
    let api = secret.to_api_json();
    assert_eq!(api["apiVersion"], "v1");
    assert_eq!(api["kind"], "Secret");
    assert_eq!(api["type"], "helm.sh/release.v1");
    assert_eq!(api["metadata"]["name"], "sh.helm.release.v1.web.v2");
    assert_eq!(api["metadata"]["namespace"], "apps");
    assert_eq!(
        api["metadata"]["labels"],
        json!({"name": "web", "owner": "helm", "status": "deployed", "version": "2",
               "createdAt": "1714649470", "team": "payments"})
    );
    assert_eq!(api["data"].as_object().unwrap().len(), 1);

    let doc = independent_decode(&api);
    assert_eq!(doc["name"], "web");
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["namespace"], "apps");
    assert_eq!(doc["info"]["status"], "deployed");
    assert_eq!(doc["info"]["first_deployed"], "2024-05-01T10:00:00.123456789Z");
    assert_eq!(doc["info"]["last_deployed"], "2024-05-02T11:30:00+02:00");
    assert!(doc["info"].get("deleted").is_none(), "zero times are omitted");
    assert_eq!(doc["info"]["notes"], "Visit http://x/?a=1&b=<2>");
    assert_eq!(doc["chart"]["metadata"]["apiVersion"], "v2");
    assert_eq!(doc["chart"]["metadata"]["dependencies"][0]["import-values"][1]["parent"], "b");
    assert_eq!(doc["chart"]["templates"][0]["name"], "templates/cm.yaml");
    let template = STANDARD.decode(doc["chart"]["templates"][0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(template, b"kind: ConfigMap\n");
    assert_eq!(doc["chart"]["values"]["image"]["tag"], "1.0");
    assert_eq!(doc["chart"]["lock"], Json::Null);
    assert_eq!(doc["config"], json!({"replicas": 3}));
    assert_eq!(doc["hooks"][0]["events"], json!(["test"]));
    assert_eq!(doc["hooks"][0]["last_run"]["phase"], "Succeeded");
    assert_eq!(doc["hooks"][0]["weight"], 5);
    assert!(doc.get("labels").is_none(), "labels live on the Secret, not in the JSON");

    // And the crate reads its own Secret back through the API form.
    let back = release_from_secret(&Secret::from_api_json(&api).unwrap()).unwrap();
    assert_eq!(back.labels, BTreeMap::from([("team".to_string(), "payments".to_string())]));
    assert_eq!(back.info, r.info);
    assert_eq!(back.manifest, r.manifest);

    let updated = release_to_secret(&r, StorageWrite::Update, now).unwrap();
    assert_eq!(updated.labels.get("modifiedAt").map(String::as_str), Some("1714649470"));
    assert!(!updated.labels.contains_key("createdAt"));
}

/// A Secret exactly as Helm 3.x stores a release: helm.sh/helm/v3/pkg/time
/// writes unset times as `""`, hook runs carry empty times, there is no
/// `schemamodtime`, and the release has no `info.resources`.
const HELM3_RELEASE_JSON: &str = concat!(
    r#"{"name":"api","info":{"first_deployed":"2023-11-14T09:12:03.418227+01:00","last_deployed":"2023-11-14T09:12:03.418227+01:00","#,
    r#""deleted":"","description":"Install complete","status":"deployed","notes":"1. Get the URL"},"#,
    r#""chart":{"metadata":{"name":"api","version":"0.3.0","description":"An API","apiVersion":"v2","appVersion":"1.0","#,
    r#""annotations":{"category":"backend"},"type":"application"},"lock":null,"#,
    r#""templates":[{"name":"templates/deploy.yaml","data":"a2luZDogQ29uZmlnTWFwCg=="}],"#,
    r#""values":{"replicaCount":1,"image":{"repository":"nginx","tag":""},"ports":[80,443]},"schema":null,"#,
    r#""files":[{"name":"README.md","data":"IyBhcGkK"}]},"#,
    r#""config":{"replicaCount":2},"manifest":"---\n# Source: api/templates/deploy.yaml\nkind: ConfigMap\n","#,
    r#""hooks":[{"name":"api-migrate","kind":"Job","path":"api/templates/job.yaml","manifest":"kind: Job","events":["pre-install","pre-upgrade"],"#,
    r#""last_run":{"started_at":"","completed_at":"","phase":""},"weight":-5,"delete_policies":["hook-succeeded"]}],"#,
    r#""version":1,"namespace":"default"}"#,
);

fn helm_gzip_base64(json: &str) -> String {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(json.as_bytes()).unwrap();
    STANDARD.encode(gz.finish().unwrap())
}

fn helm3_secret_api_json() -> Json {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "sh.helm.release.v1.api.v1",
            "namespace": "default",
            "labels": {"name": "api", "owner": "helm", "status": "deployed", "version": "1", "createdAt": "1699949523"}
        },
        "type": "helm.sh/release.v1",
        // Kubernetes base64 of Helm's base64(gzip(json)).
        "data": {"release": STANDARD.encode(helm_gzip_base64(HELM3_RELEASE_JSON))}
    })
}

#[test]
fn reads_helm3_secrets() {
    let secret = Secret::from_api_json(&helm3_secret_api_json()).unwrap();
    let r = release_from_secret(&secret).unwrap();
    assert_eq!((r.name.as_str(), r.version, r.namespace.as_str()), ("api", 1, "default"));
    assert!(r.labels.is_empty(), "system labels are not custom labels");
    let info = r.info.as_ref().unwrap();
    assert_eq!(info.status, Some(Status::Deployed));
    assert!(info.deleted.is_zero(), "\"\" is the zero time");
    assert_eq!(info.first_deployed.to_string(), "2023-11-14T09:12:03.418227+01:00");
    let chart = r.chart.as_ref().unwrap();
    let md = chart.metadata.as_ref().unwrap();
    assert_eq!((md.name.as_str(), md.version.as_str(), md.app_version.as_str()), ("api", "0.3.0", "1.0"));
    assert_eq!(md.annotations.as_ref().unwrap().get("category").map(String::as_str), Some("backend"));
    assert_eq!(chart.files[0].data, b"# api\n");
    assert_eq!(chart.values.get("ports"), Some(&Value::Seq(vec![Value::Float(80.0), Value::Float(443.0)])));
    let hook = &r.hooks[0];
    assert_eq!(hook.events, vec![HookEvent::PreInstall, HookEvent::PreUpgrade]);
    assert_eq!(hook.weight, -5);
    assert_eq!(hook.last_run, HookExecution::default());
    assert_eq!(r.config.get("replicaCount"), Some(&Value::Float(2.0)));

    // Re-encoding writes Helm 4's form, which Helm 3 reads as the same release.
    let again = decode_release(encode_release(&r).unwrap().as_bytes()).unwrap();
    assert_eq!(again.info, r.info);
    assert_eq!(again.hooks, r.hooks);
    assert_eq!(again.chart.as_ref().unwrap().metadata, chart.metadata);
    assert_eq!(again.chart.as_ref().unwrap().files, chart.files);
    // Go maps have no order: compare the values through their JSON.
    assert_eq!(again.to_json().unwrap(), r.to_json().unwrap());
}

#[test]
fn reads_uncompressed_and_old_field_spellings() {
    // Releases stored before compression: base64(JSON). Go matches field
    // names case-insensitively, so early `Description` keys still load.
    let json = r#"{"name":"old","info":{"Description":"legacy","status":"superseded","Status":"failed"},"VERSION":4,"unknown":{"x":1}}"#;
    let r = decode_release(STANDARD.encode(json).as_bytes()).unwrap();
    assert_eq!(r.name, "old");
    assert_eq!(r.version, 4);
    let info = r.info.unwrap();
    assert_eq!(info.description, "legacy");
    assert_eq!(info.status, Some(Status::Failed), "a later key wins, as in Go");
    // Line breaks inside the base64 are ignored, as Go's decoder does.
    let wrapped: String = helm_gzip_base64(json)
        .chars()
        .collect::<Vec<_>>()
        .chunks(20)
        .map(|c| c.iter().collect::<String>() + "\n")
        .collect();
    assert_eq!(decode_release(wrapped.as_bytes()).unwrap().version, 4);
    // A status this version does not know survives a round trip.
    let r = Release::from_json(r#"{"info":{"status":"pending-something"}}"#).unwrap();
    assert_eq!(r.info.as_ref().unwrap().status, Some(Status::Other("pending-something".into())));
    assert!(r.to_json().unwrap().contains(r#""status":"pending-something""#));
}

#[test]
fn decode_errors_name_the_field() {
    let err = Release::from_json(r#"{"version":"2"}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "decoding release: json: cannot unmarshal string into Go struct field Release.version of type int"
    );
    let err = Release::from_json(r#"{"chart":{"metadata":{"keywords":"x"}}}"#).unwrap_err();
    // Go names the innermost struct and the whole path (helm 4.1.4 on a bad
    // Chart.yaml: "Go struct field Dependency.dependencies.enabled of type bool").
    assert!(err.to_string().contains("Go struct field Metadata.chart.metadata.keywords of type []string"), "{err}");
    let err = Release::from_json(r#"{"info":{"last_deployed":"yesterday"}}"#).unwrap_err();
    assert!(err.to_string().contains("Release.info.last_deployed"), "{err}");
    assert!(matches!(Release::from_json("[1]"), Err(ReleaseError::Decode(_))));
    assert!(Release::from_json("{").is_err());

    let mut secret = Secret::from_api_json(&helm3_secret_api_json()).unwrap();
    secret.data.insert("release".into(), b"not base64!".to_vec());
    let err = release_from_secret(&secret).unwrap_err();
    assert!(err.to_string().starts_with("secret \"sh.helm.release.v1.api.v1\": "), "{err}");
    secret.data.clear();
    assert!(matches!(release_from_secret(&secret), Err(ReleaseError::MissingData { .. })));
}

#[test]
fn refuses_gzip_bombs() {
    // 200 MiB of zeros compresses to about 200 KiB.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let block = vec![b' '; 1 << 20];
    for _ in 0..200 {
        gz.write_all(&block).unwrap();
    }
    let data = STANDARD.encode(gz.finish().unwrap());
    assert!(matches!(decode_release(data.as_bytes()), Err(ReleaseError::TooLarge { .. })));
}

#[test]
fn agent_tracking_secret() {
    // As a Distr agent writes it (currentRevisionId, no logsEnabled).
    let distr = r#"{"id":"5b0c1d7e-2f4a-4e59-9a43-6f2b1c0d9e11","revisionId":"0d9a3b44-6c1e-4f7a-8b2d-1e3f5a7c9b20","currentRevisionId":"7e6d5c4b-3a29-4180-8f7e-6d5c4b3a2918","releaseName":"web","helmRevision":7,"phase":"ready"}"#;
    let d = AgentDeployment::from_json(distr.as_bytes()).unwrap();
    assert_eq!(d.release_name, "web");
    assert_eq!(d.helm_revision, Some(7));
    assert_eq!(d.phase, AgentPhase::Ready);
    assert!(!d.logs_enabled);
    assert_eq!(d.applied_revision_id().unwrap().to_string(), "7e6d5c4b-3a29-4180-8f7e-6d5c4b3a2918");
    let written: Json = serde_json::from_str(&d.to_json().unwrap()).unwrap();
    assert_eq!(
        written,
        json!({"id": "5b0c1d7e-2f4a-4e59-9a43-6f2b1c0d9e11", "revisionId": "0d9a3b44-6c1e-4f7a-8b2d-1e3f5a7c9b20",
               "currentRevisionId": "7e6d5c4b-3a29-4180-8f7e-6d5c4b3a2918", "releaseName": "web",
               "helmRevision": 7, "logsEnabled": false, "phase": "ready"})
    );

    // A user adopting a release writes the zero UUID and the Helm revision,
    // typically with stringData.
    let adopt = json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "sh.distr.agent.v1.legacy", "labels": {"agent.distr.sh/deployment": "legacy"}},
        "stringData": {"release": r#"{"id":"00000000-0000-0000-0000-000000000000","revisionId":"00000000-0000-0000-0000-000000000000","releaseName":"legacy","helmRevision":3}"#}
    });
    let d = AgentDeployment::from_secret(&Secret::from_api_json(&adopt).unwrap()).unwrap();
    assert!(d.id.is_nil() && d.revision_id.is_nil());
    assert_eq!(
        (d.release_name.as_str(), d.helm_revision, d.phase.clone()),
        ("legacy", Some(3), AgentPhase::Unspecified)
    );

    let progressing = AgentDeployment { phase: AgentPhase::Progressing, logs_enabled: true, ..d };
    let secret = progressing.to_secret("apps").unwrap();
    assert_eq!(secret.name, "sh.distr.agent.v1.legacy");
    assert_eq!(secret.labels.get("agent.distr.sh/deployment").map(String::as_str), Some("legacy"));
    let api = secret.to_api_json();
    let stored: Json =
        serde_json::from_slice(&STANDARD.decode(api["data"]["release"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(stored["phase"], "progressing");
    assert_eq!(stored["logsEnabled"], true);
    assert!(stored.get("currentRevisionId").is_none());
    assert_eq!(progressing.applied_revision_id(), None, "an apply in progress has not been applied yet");
    assert!(AgentDeployment::from_json(b"{\"id\":\"nope\"}").is_err());
}
