//! From the loaded chart model ([`crate::chart`]) to the chart copy a
//! release stores, as Helm's `json.Marshal` of a `*chart.Chart` sees it.

use std::collections::BTreeMap;

use ferry_goyaml::Value;

use super::ReleaseError;
use super::model::{Chart, Dependency, File, Lock, Maintainer, Metadata};
use super::timestamp::Timestamp;
use crate::chart as model;

fn json_tree(v: &ferry_gotmpl::Value, what: &str) -> Result<Value, ReleaseError> {
    crate::to_json_tree(v).map_err(|e| ReleaseError::Encode(format!("{what}: {}", e.0)))
}

fn file(f: &model::File) -> File {
    File { name: f.name.clone(), data: f.data.clone(), mod_time: Timestamp::ZERO }
}

fn dependency(d: &model::Dependency) -> Result<Dependency, ReleaseError> {
    let import_values = d
        .import_values
        .iter()
        .map(|v| json_tree(v, &format!("import-values of dependency {}", d.name)))
        .collect::<Result<_, _>>()?;
    Ok(Dependency {
        name: d.name.clone(),
        version: d.version.clone(),
        repository: d.repository.clone(),
        condition: d.condition.clone(),
        tags: d.tags.clone(),
        enabled: d.enabled,
        import_values,
        alias: d.alias.clone(),
        depends_on: Vec::new(),
    })
}

impl Metadata {
    /// The release copy of `Chart.yaml`. Null maintainer and dependency
    /// entries (which fail chart validation) are dropped.
    pub fn from_chart_metadata(m: &model::Metadata) -> Result<Metadata, ReleaseError> {
        let dependencies = m.dependencies.iter().flatten().flatten().map(dependency).collect::<Result<_, _>>()?;
        Ok(Metadata {
            name: m.name.clone(),
            home: m.home.clone(),
            sources: m.sources.clone(),
            version: m.version.clone(),
            description: m.description.clone(),
            keywords: m.keywords.clone(),
            maintainers: m
                .maintainers
                .iter()
                .flatten()
                .map(|x| Maintainer { name: x.name.clone(), email: x.email.clone(), url: x.url.clone() })
                .collect(),
            icon: m.icon.clone(),
            api_version: m.api_version.clone(),
            condition: m.condition.clone(),
            tags: m.tags.clone(),
            app_version: m.app_version.clone(),
            deprecated: m.deprecated,
            annotations: m.annotations.iter().flatten().cloned().collect::<BTreeMap<_, _>>(),
            kube_version: m.kube_version.clone(),
            dependencies,
            chart_type: m.chart_type.clone(),
        })
    }
}

impl Chart {
    /// The chart as a release stores it: metadata, lock, templates, default
    /// values, schema and files of the top chart (subcharts are not stored,
    /// as in Helm).
    pub fn from_chart(c: &model::Chart) -> Result<Chart, ReleaseError> {
        let lock = match &c.lock {
            None => None,
            Some(l) => Some(Lock {
                generated: if l.generated.is_empty() {
                    Timestamp::ZERO
                } else {
                    Timestamp::parse_rfc3339(&l.generated)?
                },
                digest: l.digest.clone(),
                dependencies: l.dependencies.iter().map(dependency).collect::<Result<_, _>>()?,
            }),
        };
        Ok(Chart {
            metadata: Some(Metadata::from_chart_metadata(&c.metadata)?),
            lock,
            templates: c.templates.iter().map(file).collect(),
            values: json_tree(&c.values, "chart values")?,
            schema: c.schema.clone(),
            schema_mod_time: Timestamp::ZERO,
            files: c.files.iter().map(file).collect(),
            mod_time: Timestamp::ZERO,
        })
    }
}
