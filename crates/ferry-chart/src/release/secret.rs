//! A Kubernetes `v1.Secret` reduced to what release storage uses, with
//! conversion to and from the API's JSON form.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value as Json, json};

use super::ReleaseError;

/// A Secret as plain data. `data` holds the decoded bytes; the API's JSON
/// form base64-encodes them ([`Secret::to_api_json`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Secret {
    /// `metadata.name`
    pub name: String,
    /// `metadata.namespace` (empty: left to the client).
    pub namespace: String,
    /// `metadata.labels`
    pub labels: BTreeMap<String, String>,
    /// `type`
    pub secret_type: String,
    /// `data`, decoded.
    pub data: BTreeMap<String, Vec<u8>>,
}

impl Secret {
    /// The object as the Kubernetes API takes it (`apiVersion: v1`,
    /// `kind: Secret`, `data` base64-encoded).
    pub fn to_api_json(&self) -> Json {
        let mut metadata = Map::new();
        metadata.insert("name".into(), Json::String(self.name.clone()));
        if !self.namespace.is_empty() {
            metadata.insert("namespace".into(), Json::String(self.namespace.clone()));
        }
        if !self.labels.is_empty() {
            metadata.insert("labels".into(), json!(self.labels));
        }
        let data: Map<String, Json> =
            self.data.iter().map(|(k, v)| (k.clone(), Json::String(STANDARD.encode(v)))).collect();
        let mut obj = Map::new();
        obj.insert("apiVersion".into(), Json::String("v1".into()));
        obj.insert("kind".into(), Json::String("Secret".into()));
        obj.insert("metadata".into(), Json::Object(metadata));
        if !self.secret_type.is_empty() {
            obj.insert("type".into(), Json::String(self.secret_type.clone()));
        }
        obj.insert("data".into(), Json::Object(data));
        Json::Object(obj)
    }

    /// Reads a Secret from the API's JSON. `stringData` (accepted by the API
    /// on writes, as in hand-written manifests) is merged over `data`.
    pub fn from_api_json(v: &Json) -> Result<Secret, ReleaseError> {
        let invalid = |what: String| ReleaseError::InvalidSecret(what);
        let obj = v.as_object().ok_or_else(|| invalid("not a JSON object".into()))?;
        if let Some(kind) = obj.get("kind").and_then(Json::as_str)
            && kind != "Secret"
        {
            return Err(invalid(format!("kind is {kind:?}, not \"Secret\"")));
        }
        let meta = obj.get("metadata").and_then(Json::as_object);
        let text = |key: &str| meta.and_then(|m| m.get(key)).and_then(Json::as_str).unwrap_or_default().to_string();
        let name = text("name");
        let mut labels = BTreeMap::new();
        if let Some(l) = meta.and_then(|m| m.get("labels")).and_then(Json::as_object) {
            for (k, v) in l {
                let v = v.as_str().ok_or_else(|| invalid(format!("{name}: label {k:?} is not a string")))?;
                labels.insert(k.clone(), v.to_string());
            }
        }
        let mut data = BTreeMap::new();
        if let Some(d) = obj.get("data").and_then(Json::as_object) {
            for (k, v) in d {
                let text = v.as_str().ok_or_else(|| invalid(format!("{name}: data {k:?} is not a string")))?;
                let bytes =
                    STANDARD.decode(text).map_err(|e| invalid(format!("{name}: data {k:?} is not base64: {e}")))?;
                data.insert(k.clone(), bytes);
            }
        }
        if let Some(d) = obj.get("stringData").and_then(Json::as_object) {
            for (k, v) in d {
                let text = v.as_str().ok_or_else(|| invalid(format!("{name}: stringData {k:?} is not a string")))?;
                data.insert(k.clone(), text.as_bytes().to_vec());
            }
        }
        Ok(Secret {
            namespace: text("namespace"),
            name,
            labels,
            secret_type: obj.get("type").and_then(Json::as_str).unwrap_or_default().to_string(),
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_json_round_trip() {
        let s = Secret {
            name: "n".into(),
            namespace: "ns".into(),
            labels: BTreeMap::from([("a".into(), "b".into())]),
            secret_type: "Opaque".into(),
            data: BTreeMap::from([("k".into(), b"\x00\xffbytes".to_vec())]),
        };
        let j = s.to_api_json();
        assert_eq!(j["data"]["k"], "AP9ieXRlcw==");
        assert_eq!(j["metadata"]["namespace"], "ns");
        assert_eq!(Secret::from_api_json(&j).unwrap(), s);
    }

    #[test]
    fn string_data_and_errors() {
        let j = json!({"kind": "Secret", "metadata": {"name": "x"}, "stringData": {"release": "{}"}});
        assert_eq!(Secret::from_api_json(&j).unwrap().data["release"], b"{}");
        assert!(Secret::from_api_json(&json!({"kind": "ConfigMap"})).is_err());
        assert!(Secret::from_api_json(&json!({"data": {"k": "%%"}})).is_err());
        assert!(Secret::from_api_json(&json!([1])).is_err());
    }
}
