//! A chart loaded from an archive becomes the chart copy a release stores,
//! with the JSON Helm writes for it.

use std::io::Write;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ferry_chart::release::{Chart, Info, Release, Status, StorageWrite, Timestamp, release_to_secret};
use serde_json::{Value as Json, json};

fn archive(files: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
    for (path, body) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, format!("shop/{path}"), body.as_bytes()).unwrap();
    }
    let mut gz = builder.into_inner().unwrap();
    gz.flush().unwrap();
    gz.finish().unwrap()
}

const CHART_YAML: &str = "apiVersion: v2
name: shop
version: 0.4.1
appVersion: \"2.1\"
description: A shop
keywords: [store]
maintainers:
- name: team
  email: team@example.com
annotations:
  z: last
  a: first
dependencies:
- name: redis
  version: ~17.0.0
  repository: https://charts.example.com
  condition: redis.enabled
  import-values:
  - child: exports.data
    parent: redisData
type: application
";

#[test]
fn loaded_chart_to_release_json() {
    let bytes = archive(&[
        ("Chart.yaml", CHART_YAML),
        ("values.yaml", "replicas: 2\nimage:\n  tag: \"1.0\"\nratio: 0.25\nredis:\n  enabled: false\n"),
        ("values.schema.json", "{\"type\":\"object\"}"),
        (
            "Chart.lock",
            "dependencies:\n- name: redis\n  repository: https://charts.example.com\n  version: 17.0.3\ndigest: sha256:abc\ngenerated: \"2024-02-03T04:05:06.789Z\"\n",
        ),
        ("templates/cm.yaml", "kind: ConfigMap\n"),
        ("README.md", "# shop\n"),
    ]);
    let loaded = ferry_chart::load_archive(&bytes).unwrap();
    let chart = Chart::from_chart(&loaded).unwrap();
    let md = chart.metadata.as_ref().unwrap();
    assert_eq!((md.name.as_str(), md.version.as_str(), md.app_version.as_str()), ("shop", "0.4.1", "2.1"));
    assert_eq!(md.maintainers[0].as_ref().unwrap().email, "team@example.com");
    assert_eq!(chart.lock.as_ref().unwrap().generated.to_string(), "2024-02-03T04:05:06.789Z");

    let release = Release {
        name: "shop".into(),
        namespace: "retail".into(),
        version: 1,
        info: Some(Info {
            first_deployed: Timestamp::new(time::macros::datetime!(2024-06-01 12:00:00 UTC)),
            last_deployed: Timestamp::new(time::macros::datetime!(2024-06-01 12:00:00 UTC)),
            status: Some(Status::Deployed),
            description: "Install complete".into(),
            ..Info::default()
        }),
        chart: Some(chart),
        ..Release::default()
    };
    let text = release.to_json().unwrap();
    let doc: Json = serde_json::from_str(&text).unwrap();
    let c = &doc["chart"];
    assert_eq!(
        c["metadata"],
        json!({
            "name": "shop", "version": "0.4.1", "description": "A shop", "keywords": ["store"],
            "maintainers": [{"name": "team", "email": "team@example.com"}], "apiVersion": "v2",
            "appVersion": "2.1", "annotations": {"a": "first", "z": "last"},
            "dependencies": [{"name": "redis", "version": "~17.0.0", "repository": "https://charts.example.com",
                              "condition": "redis.enabled",
                              "import-values": [{"child": "exports.data", "parent": "redisData"}]}],
            "type": "application"
        })
    );
    // Go's sorted map keys inside the document text.
    assert!(text.contains(r#""annotations":{"a":"first","z":"last"}"#), "{text}");
    assert_eq!(
        c["values"],
        json!({"image": {"tag": "1.0"}, "ratio": 0.25, "redis": {"enabled": false}, "replicas": 2})
    );
    assert_eq!(STANDARD.decode(c["schema"].as_str().unwrap()).unwrap(), b"{\"type\":\"object\"}");
    assert_eq!(c["lock"]["digest"], "sha256:abc");
    assert_eq!(c["lock"]["dependencies"][0]["version"], "17.0.3");
    let names = |k: &str| -> Vec<String> {
        c[k].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names("templates"), ["templates/cm.yaml"]);
    assert!(names("files").contains(&"README.md".to_string()));

    let secret = release_to_secret(&release, StorageWrite::Create, Timestamp::now_utc()).unwrap();
    assert_eq!(secret.name, "sh.helm.release.v1.shop.v1");
    assert_eq!(secret.namespace, "retail");
}
