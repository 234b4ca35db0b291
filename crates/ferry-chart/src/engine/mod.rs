//! The template engine (Helm's `pkg/engine`): every template of a chart and
//! its subcharts parsed into one set, rendered with its chart's values, and
//! Helm's error messages.

mod capabilities;
mod errors;
mod files;
pub(crate) mod funcs;
mod glob;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use ferry_gotmpl::{FuncError, Function, Map, TemplateSet, Type, Value};

pub use capabilities::{
    Capabilities, DEFAULT_API_VERSIONS, DEFAULT_KUBE_VERSION, HelmVersion, KubeVersion, KubeVersionError,
};
pub use errors::RenderError;

use crate::chart::Chart;
use crate::govalue::values_type;

/// Helm's limit on nested `include`s of one template name.
const RECURSION_MAX: usize = 1000;

/// Rendering options (Helm's `Engine`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Engine {
    /// `missingkey=error`: a reference to a missing value fails.
    pub strict: bool,
    /// Lint mode: `required` and `fail` do not stop rendering.
    pub lint_mode: bool,
}

/// One template to render: its full name, its text, and the data of its chart.
struct Renderable {
    text: String,
    vals: Map,
    base_path: String,
}

/// `.Chart` in Helm 4: the metadata as a map keyed by Go field names
/// (`MetadataAsMap`), plus `IsRoot`.
pub(crate) fn chart_metadata_value(c: &Chart, is_root: bool) -> Value {
    let md = &c.metadata;
    let s = |v: &str| Value::from(v);
    let list = |v: &[String]| Value::list(v.iter().map(|x| Value::from(x.as_str())).collect());
    let mut m = BTreeMap::new();
    m.insert("Name".into(), s(&md.name));
    m.insert("Home".into(), s(&md.home));
    m.insert("Sources".into(), list(&md.sources));
    m.insert("Version".into(), s(&md.version));
    m.insert("Description".into(), s(&md.description));
    m.insert("Keywords".into(), list(&md.keywords));
    m.insert(
        "Maintainers".into(),
        Value::list(
            md.maintainers
                .iter()
                .map(|mt| match mt {
                    Some(mt) => crate::chart::maintainer_value(mt),
                    None => Value::Nil(Type::Pointer(Arc::new(Type::Object(Arc::from("v2.Maintainer"))))),
                })
                .collect(),
        ),
    );
    m.insert("Icon".into(), s(&md.icon));
    m.insert("APIVersion".into(), s(&md.api_version));
    m.insert("Condition".into(), s(&md.condition));
    m.insert("Tags".into(), s(&md.tags));
    m.insert("AppVersion".into(), s(&md.app_version));
    m.insert("Deprecated".into(), Value::Bool(md.deprecated));
    let string_map = Type::Map(Arc::new(Type::String), Arc::new(Type::String));
    m.insert(
        "Annotations".into(),
        match &md.annotations {
            Some(a) => {
                Value::typed_map(string_map, a.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect())
            }
            None => Value::Nil(string_map),
        },
    );
    m.insert("KubeVersion".into(), s(&md.kube_version));
    m.insert(
        "Dependencies".into(),
        Value::list(
            md.dependencies
                .iter()
                .flatten()
                .map(|d| match d {
                    Some(d) => crate::chart::dependency_value(d),
                    None => Value::Nil(Type::Pointer(Arc::new(Type::Object(Arc::from("v2.Dependency"))))),
                })
                .collect(),
        ),
    );
    m.insert("Type".into(), s(&md.chart_type));
    m.insert("IsRoot".into(), Value::Bool(is_root));
    Value::map(m)
}

/// `recAllTpls`: the data of every chart and its templates, by full name.
fn all_templates(
    c: &Chart,
    parent: &Map,
    is_root: bool,
    full_path: &str,
    out: &mut BTreeMap<String, Renderable>,
) -> Map {
    let sub_charts = Map::new(Type::map_of_interface(), BTreeMap::new());
    let mut next = BTreeMap::new();
    next.insert("Chart".to_string(), chart_metadata_value(c, is_root));
    next.insert("Files".to_string(), files::new_files(&c.files));
    next.insert("Release".to_string(), parent.get("Release").unwrap_or(Value::nil()));
    next.insert("Capabilities".to_string(), parent.get("Capabilities").unwrap_or(Value::nil()));
    next.insert("Subcharts".to_string(), Value::Map(sub_charts.clone()));
    let values = if is_root {
        parent.get("Values").unwrap_or_else(|| Value::typed_map(values_type(), BTreeMap::new()))
    } else {
        match crate::values::table(&Value::Map(parent.clone()), &format!("Values.{}", c.name())) {
            Some(t) => Value::Map(t),
            None => Value::typed_map(values_type(), BTreeMap::new()),
        }
    };
    next.insert("Values".to_string(), values);
    let next = Map::new(Type::map_of_interface(), next);

    for child in &c.dependencies {
        let child_path = format!("{full_path}/charts/{}", child.name());
        let child_vals = all_templates(child, &next, false, &child_path, out);
        sub_charts.insert(child.name(), Value::Map(child_vals));
    }

    let library = c.is_library();
    for t in &c.templates {
        if library && !crate::gopath::base(&t.name).starts_with('_') {
            continue;
        }
        let name = crate::gopath::clean(&format!("{full_path}/{}", t.name));
        out.insert(
            name,
            Renderable {
                text: String::from_utf8_lossy(&t.data).into_owned(),
                vals: next.clone(),
                base_path: format!("{full_path}/templates"),
            },
        );
    }
    next
}

/// Helm's `sortTemplates`: deeper paths first, then reverse name order, so
/// that definitions in a parent chart (parsed later) win over a subchart's.
fn sort_templates(names: &mut [&String]) {
    names.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.cmp(a))
    });
}

fn include_function(counts: Arc<Mutex<HashMap<String, usize>>>) -> Function {
    Function::new([Type::String, Type::Interface], move |ctx, a| {
        let name = a[0].as_str().unwrap_or("").to_string();
        {
            let mut c = counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let n = c.entry(name.clone()).or_insert(0);
            if *n > RECURSION_MAX {
                return Err(FuncError::new(format!(
                    "rendering template has a nested reference name: {name}: unable to execute template"
                )));
            }
            *n += 1;
        }
        let result = ctx.execute_template(&name, &a[1]);
        if let Some(n) = counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get_mut(&name) {
            *n = n.saturating_sub(1);
        }
        Ok(Value::from(result?))
    })
    .returns(Type::String)
}

fn tpl_function() -> Function {
    Function::new([Type::String, Type::Interface], |ctx, a| {
        let text = a[0].as_str().unwrap_or("");
        let mut t = ctx.templates().clone();
        let name = t.name().to_string();
        if let Err(e) = t.parse(&name, text) {
            return Err(FuncError::new(format!("cannot parse template {}: {e}", ferry_goyaml::go_quote(text))));
        }
        match t.execute(&name, &a[1]) {
            Ok(out) => Ok(Value::from(out.replace("<no value>", ""))),
            Err(e) => Err(FuncError::new(format!(
                "error during tpl function execution for {}: {e}",
                ferry_goyaml::go_quote(text)
            ))),
        }
    })
    .returns(Type::String)
}

/// A template set with Sprig's and Helm's functions, ready to parse chart templates.
pub(crate) fn new_template_set(strict: bool) -> TemplateSet {
    let mut set = TemplateSet::new("gotpl");
    // Both option strings are valid; the result cannot be an error.
    let _ = set.option(if strict { "missingkey=error" } else { "missingkey=zero" });
    set.add_funcs(ferry_sprig::functions());
    set.add_funcs(funcs::helm_functions());
    let counts = Arc::new(Mutex::new(HashMap::new()));
    set.add_func("include", include_function(counts));
    set.add_func("tpl", tpl_function());
    set.add_type_methods(files::FILES_TYPE, files::files_method);
    set.add_type_methods(capabilities::VERSION_SET_TYPE, capabilities::version_set_method);
    set
}

impl Engine {
    /// Renders every template of `chart` and its subcharts (Helm's
    /// `Engine.Render`). `top` holds `Values`, `Release`, `Capabilities`
    /// (see [`crate::template::render_values`]). Returns the output of each
    /// non-partial template by full name (`mychart/templates/x.yaml`).
    pub fn render(&self, chart: &Chart, top: &Value) -> Result<BTreeMap<String, String>, RenderError> {
        let top_map = match top {
            Value::Map(m) => m.clone(),
            _ => Map::new(Type::map_of_interface(), BTreeMap::new()),
        };
        let mut tpls = BTreeMap::new();
        all_templates(chart, &top_map, true, chart.name(), &mut tpls);

        let mut set = new_template_set(self.strict);
        if self.lint_mode {
            set.add_func(
                "required",
                Function::new([Type::String, Type::Interface], |_, a| {
                    Ok(match &a[1] {
                        Value::Nil(Type::Interface) | Value::Invalid => Value::from(""),
                        Value::String(s) if s.is_empty() => Value::from(""),
                        v => v.clone(),
                    })
                }),
            );
            set.add_func("fail", Function::new([Type::String], |_, _| Ok(Value::from(""))).returns(Type::String));
        }

        let mut keys: Vec<&String> = tpls.keys().collect();
        sort_templates(&mut keys);
        for name in &keys {
            let r = &tpls[*name];
            set.parse(name, &r.text).map_err(|e| errors::cleanup_parse_error(name, &e))?;
        }

        let mut rendered = BTreeMap::new();
        for name in keys {
            if crate::gopath::base(name).starts_with('_') {
                continue;
            }
            let r = &tpls[name];
            let mut template = BTreeMap::new();
            template.insert("Name".to_string(), Value::from(name.as_str()));
            template.insert("BasePath".to_string(), Value::from(r.base_path.as_str()));
            r.vals.insert("Template", Value::typed_map(values_type(), template));
            let out =
                set.execute(name, &Value::Map(r.vals.clone())).map_err(|e| errors::reformat_exec_error(name, &e))?;
            rendered.insert(name.clone(), out.replace("<no value>", ""));
        }
        Ok(rendered)
    }
}
