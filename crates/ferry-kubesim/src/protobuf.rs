//! Just enough of Kubernetes' protobuf encoding to read the request bodies that
//! client-go's typed clients send (kubectl's and helm's Secrets, ConfigMaps,
//! Namespaces, ServiceAccounts, access reviews, DeleteOptions). Answers are JSON,
//! which those clients accept as well.

use base64::Engine;
use serde_json::{Map, Value, json};

/// The media type client-go's typed clients send.
pub const PROTOBUF: &str = "application/vnd.kubernetes.protobuf";
const MAGIC: &[u8] = b"k8s\0";

#[derive(Debug)]
enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn fields(buf: &[u8]) -> Option<Vec<(u64, Field<'_>)>> {
    let mut pos = 0;
    let mut out = Vec::new();
    while pos < buf.len() {
        let key = varint(buf, &mut pos)?;
        let field = match key & 7 {
            0 => Field::Varint(varint(buf, &mut pos)?),
            1 => {
                pos += 8;
                Field::Fixed
            }
            2 => {
                let len = usize::try_from(varint(buf, &mut pos)?).ok()?;
                let bytes = buf.get(pos..pos.checked_add(len)?)?;
                pos += len;
                Field::Bytes(bytes)
            }
            5 => {
                pos += 4;
                Field::Fixed
            }
            _ => return None,
        };
        out.push((key >> 3, field));
    }
    (pos == buf.len()).then_some(out)
}

fn text(bytes: &[u8]) -> Value {
    json!(String::from_utf8_lossy(bytes))
}

/// A `map<string, string>` (`base64`: values are bytes, JSON spells them base64).
fn map_entry(bytes: &[u8], base64: bool, into: &mut Map<String, Value>) -> Option<()> {
    let mut key = String::new();
    let mut value = Value::String(String::new());
    for (number, field) in fields(bytes)? {
        if let Field::Bytes(b) = field {
            match number {
                1 => key = String::from_utf8_lossy(b).into_owned(),
                2 if base64 => value = json!(base64::engine::general_purpose::STANDARD.encode(b)),
                2 => value = text(b),
                _ => {}
            }
        }
    }
    into.insert(key, value);
    Some(())
}

fn time(bytes: &[u8]) -> Option<Value> {
    let mut seconds = 0i64;
    for (number, field) in fields(bytes)? {
        if let (1, Field::Varint(v)) = (number, field) {
            seconds = v as i64;
        }
    }
    let t = time::OffsetDateTime::from_unix_timestamp(seconds).ok()?;
    Some(json!(crate::logs::rfc3339_nanos(t).split('.').next().map(|s| format!("{s}Z"))))
}

fn owner_reference(bytes: &[u8]) -> Option<Value> {
    let mut out = Map::new();
    for (number, field) in fields(bytes)? {
        let key = match number {
            1 => "kind",
            3 => "name",
            4 => "uid",
            5 => "apiVersion",
            6 => "controller",
            7 => "blockOwnerDeletion",
            _ => continue,
        };
        let value = match field {
            Field::Bytes(b) => text(b),
            Field::Varint(v) => json!(v != 0),
            Field::Fixed => continue,
        };
        out.insert(key.into(), value);
    }
    Some(Value::Object(out))
}

fn object_meta(bytes: &[u8]) -> Option<Value> {
    let mut meta = Map::new();
    let mut labels = Map::new();
    let mut annotations = Map::new();
    let mut owners = Vec::new();
    let mut finalizers = Vec::new();
    for (number, field) in fields(bytes)? {
        match (number, field) {
            (1, Field::Bytes(b)) => _ = meta.insert("name".into(), text(b)),
            (2, Field::Bytes(b)) => _ = meta.insert("generateName".into(), text(b)),
            (3, Field::Bytes(b)) => _ = meta.insert("namespace".into(), text(b)),
            (5, Field::Bytes(b)) => _ = meta.insert("uid".into(), text(b)),
            (6, Field::Bytes(b)) => _ = meta.insert("resourceVersion".into(), text(b)),
            (7, Field::Varint(v)) => _ = meta.insert("generation".into(), json!(v)),
            (8, Field::Bytes(b)) => _ = meta.insert("creationTimestamp".into(), time(b)?),
            (11, Field::Bytes(b)) => map_entry(b, false, &mut labels)?,
            (12, Field::Bytes(b)) => map_entry(b, false, &mut annotations)?,
            (13, Field::Bytes(b)) => owners.push(owner_reference(b)?),
            (14, Field::Bytes(b)) => finalizers.push(text(b)),
            _ => {}
        }
    }
    if !labels.is_empty() {
        meta.insert("labels".into(), Value::Object(labels));
    }
    if !annotations.is_empty() {
        meta.insert("annotations".into(), Value::Object(annotations));
    }
    if !owners.is_empty() {
        meta.insert("ownerReferences".into(), Value::Array(owners));
    }
    if !finalizers.is_empty() {
        meta.insert("finalizers".into(), Value::Array(finalizers));
    }
    Some(Value::Object(meta))
}

fn strings(bytes: &[u8], names: &[(u64, &str)]) -> Option<Value> {
    let mut out = Map::new();
    for (number, field) in fields(bytes)? {
        if let (Some((_, name)), Field::Bytes(b)) = (names.iter().find(|(n, _)| *n == number), field) {
            out.insert((*name).into(), text(b));
        }
    }
    Some(Value::Object(out))
}

fn decode_kind(kind: &str, raw: &[u8]) -> Option<Value> {
    let mut object = Map::new();
    let mut data = Map::new();
    let mut binary = Map::new();
    let mut string_data = Map::new();
    let mut list = Vec::new();
    for (number, field) in fields(raw)? {
        let Field::Bytes(b) = field else {
            if let (Field::Varint(v), true) = (&field, matches!((kind, number), ("Secret", 5) | ("ConfigMap", 4))) {
                object.insert("immutable".into(), json!(*v != 0));
            }
            if let (Field::Varint(v), ("ServiceAccount", 4)) = (&field, (kind, number)) {
                object.insert("automountServiceAccountToken".into(), json!(*v != 0));
            }
            continue;
        };
        match (kind, number) {
            (_, 1) if kind != "DeleteOptions" => _ = object.insert("metadata".into(), object_meta(b)?),
            ("Secret", 2) => map_entry(b, true, &mut data)?,
            ("Secret", 3) => _ = object.insert("type".into(), text(b)),
            ("Secret", 4) => map_entry(b, false, &mut string_data)?,
            ("ConfigMap", 2) => map_entry(b, false, &mut data)?,
            ("ConfigMap", 3) => map_entry(b, true, &mut binary)?,
            ("Namespace", 2) => {
                let finalizers: Vec<Value> = fields(b)?
                    .into_iter()
                    .filter_map(|(n, f)| if let (1, Field::Bytes(s)) = (n, f) { Some(text(s)) } else { None })
                    .collect();
                object.insert("spec".into(), json!({"finalizers": finalizers}));
            }
            ("ServiceAccount", 3) => list.push(strings(b, &[(1, "name")])?),
            ("SelfSubjectAccessReview", 2) => {
                let mut spec = Map::new();
                for (n, f) in fields(b)? {
                    if let (1, Field::Bytes(attrs)) = (n, f) {
                        let names = [
                            (1, "namespace"),
                            (2, "verb"),
                            (3, "group"),
                            (4, "version"),
                            (5, "resource"),
                            (6, "subresource"),
                            (7, "name"),
                        ];
                        spec.insert("resourceAttributes".into(), strings(attrs, &names)?);
                    }
                }
                object.insert("spec".into(), Value::Object(spec));
            }
            _ => {}
        }
    }
    if !data.is_empty() {
        object.insert("data".into(), Value::Object(data));
    }
    if !binary.is_empty() {
        object.insert("binaryData".into(), Value::Object(binary));
    }
    if !string_data.is_empty() {
        object.insert("stringData".into(), Value::Object(string_data));
    }
    if !list.is_empty() {
        object.insert("imagePullSecrets".into(), Value::Array(list));
    }
    Some(Value::Object(object))
}

fn delete_options(raw: &[u8]) -> Option<Value> {
    let mut out = Map::new();
    let mut dry_run = Vec::new();
    for (number, field) in fields(raw)? {
        match (number, field) {
            (1, Field::Varint(v)) => _ = out.insert("gracePeriodSeconds".into(), json!(v as i64)),
            (2, Field::Bytes(b)) => {
                _ = out.insert("preconditions".into(), strings(b, &[(1, "uid"), (2, "resourceVersion")])?)
            }
            (3, Field::Varint(v)) => _ = out.insert("orphanDependents".into(), json!(v != 0)),
            (4, Field::Bytes(b)) => _ = out.insert("propagationPolicy".into(), text(b)),
            (5, Field::Bytes(b)) => dry_run.push(text(b)),
            _ => {}
        }
    }
    if !dry_run.is_empty() {
        out.insert("dryRun".into(), Value::Array(dry_run));
    }
    Some(Value::Object(out))
}

/// Decodes a protobuf request body into the JSON object it encodes, or says why not.
pub fn decode(body: &[u8]) -> Result<Value, String> {
    let envelope =
        body.strip_prefix(MAGIC).ok_or("the body does not start with the Kubernetes protobuf magic \"k8s\\0\"")?;
    let mut api_version = String::new();
    let mut kind = String::new();
    let mut raw: &[u8] = &[];
    for (number, field) in fields(envelope).ok_or("malformed protobuf envelope")? {
        match (number, field) {
            (1, Field::Bytes(b)) => {
                for (n, f) in fields(b).ok_or("malformed protobuf TypeMeta")? {
                    match (n, f) {
                        (1, Field::Bytes(v)) => api_version = String::from_utf8_lossy(v).into_owned(),
                        (2, Field::Bytes(v)) => kind = String::from_utf8_lossy(v).into_owned(),
                        _ => {}
                    }
                }
            }
            (2, Field::Bytes(b)) => raw = b,
            _ => {}
        }
    }
    let decoded = match kind.as_str() {
        "DeleteOptions" => delete_options(raw),
        "Secret" | "ConfigMap" | "Namespace" | "ServiceAccount" | "SelfSubjectAccessReview" | "SelfSubjectReview" => {
            decode_kind(&kind, raw)
        }
        other => {
            return Err(format!(
                "kubesim reads protobuf bodies only for Secret, ConfigMap, Namespace, ServiceAccount, access reviews and DeleteOptions, not {other}; send JSON"
            ));
        }
    };
    let mut object = decoded.ok_or_else(|| format!("malformed protobuf {kind}"))?;
    if kind != "DeleteOptions" {
        object["apiVersion"] = json!(api_version);
        object["kind"] = json!(kind);
    }
    Ok(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(number: u64, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![(number << 3 | 2) as u8, bytes.len() as u8];
        out.extend_from_slice(bytes);
        out
    }

    #[test]
    fn decodes_a_secret_envelope() {
        let meta = [field(1, b"sh.helm.release.v1.a.v1"), field(11, &[field(1, b"owner"), field(2, b"helm")].concat())]
            .concat();
        let secret = [
            field(1, &meta),
            field(2, &[field(1, b"release"), field(2, b"\x01\x02")].concat()),
            field(3, b"helm.sh/release.v1"),
        ]
        .concat();
        let type_meta = [field(1, b"v1"), field(2, b"Secret")].concat();
        let body = [MAGIC.to_vec(), field(1, &type_meta), field(2, &secret)].concat();
        let object = decode(&body).unwrap();
        assert_eq!(object["kind"], "Secret");
        assert_eq!(object["metadata"]["name"], "sh.helm.release.v1.a.v1");
        assert_eq!(object["metadata"]["labels"]["owner"], "helm");
        assert_eq!(object["data"]["release"], "AQI=");
        assert_eq!(object["type"], "helm.sh/release.v1");
        assert!(decode(b"{}").is_err());
    }
}
