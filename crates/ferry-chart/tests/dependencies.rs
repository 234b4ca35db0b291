//! Dependency processing (Helm's `dependencies_test.go` in spirit, on
//! in-memory charts): conditions, tags, aliases, library charts and both
//! forms of `import-values`.

use std::collections::BTreeMap;

use ferry_chart::dependencies::{is_compatible_range, process_dependencies};
use ferry_chart::{Chart, File, load_files, values};
use ferry_gotmpl::Value;

fn sub(name: &str, vals: &str) -> Vec<File> {
    vec![
        File::new(
            format!("charts/{name}/Chart.yaml"),
            format!("apiVersion: v2\nname: {name}\nversion: 1.0.0\n").into_bytes(),
        ),
        File::new(format!("charts/{name}/values.yaml"), vals.as_bytes().to_vec()),
        File::new(format!("charts/{name}/templates/t.yaml"), b"x".to_vec()),
    ]
}

fn parent(chart_yaml: &str, vals: &str, subs: Vec<Vec<File>>) -> Chart {
    let mut files = vec![
        File::new("Chart.yaml", format!("apiVersion: v2\nname: parent\nversion: 1.0.0\n{chart_yaml}").into_bytes()),
        File::new("values.yaml", vals.as_bytes().to_vec()),
    ];
    for s in subs {
        files.extend(s);
    }
    load_files(files).unwrap()
}

fn names(c: &Chart) -> Vec<String> {
    let mut n: Vec<String> = c.dependencies.iter().map(|d| d.name().to_string()).collect();
    n.sort();
    n
}

fn process(c: &mut Chart, user: &str) {
    let w = values::Warnings::default();
    process_dependencies(c, &values::load_values(user.as_bytes()).unwrap(), &w).unwrap();
}

const DEPS: &str = "dependencies:
- name: a
  version: 1.0.0
  condition: a.enabled,global.a
  tags: [front]
- name: b
  version: ~1.0
  tags: [back]
- name: c
  version: 1.0.0
  alias: c2
";

#[test]
fn conditions_tags_and_aliases() {
    let make = || parent(DEPS, "", vec![sub("a", ""), sub("b", ""), sub("c", "")]);
    let mut c = make();
    process(&mut c, "");
    assert_eq!(names(&c), vec!["a", "b", "c2"]);

    let mut c = make();
    process(&mut c, "a:\n  enabled: false\n");
    assert_eq!(names(&c), vec!["b", "c2"]);

    // The first condition path that holds a boolean wins; others are not read.
    let mut c = make();
    process(&mut c, "a:\n  enabled: \"no\"\nglobal:\n  a: false\n");
    assert_eq!(names(&c), vec!["b", "c2"]);

    // Tags disable unless another tag of the chart is true; conditions win over tags.
    let mut c = make();
    process(&mut c, "tags:\n  back: false\n  front: false\na:\n  enabled: true\n");
    assert_eq!(names(&c), vec!["a", "c2"]);

    // The alias renames the chart; its values live under the alias.
    let mut c = make();
    process(&mut c, "");
    let c2 = c.dependencies.iter().find(|d| d.name() == "c2").unwrap();
    assert_eq!(c2.metadata.name, "c2");
    let deps = c.metadata.dependencies.as_ref().unwrap();
    assert!(deps.iter().flatten().any(|d| d.name == "c2" && d.enabled));
}

#[test]
fn incompatible_versions_are_not_aliased() {
    let mut c = parent("dependencies:\n- name: a\n  version: 2.0.0\n  alias: z\n", "", vec![sub("a", "")]);
    process(&mut c, "");
    assert_eq!(names(&c), vec!["a"]);
    assert!(is_compatible_range("~1.0", "1.0.5"));
    assert!(!is_compatible_range("", "1.0.0"));
    assert!(!is_compatible_range(">=1.20.0", "v1.19.3"));
}

#[test]
fn import_values_child_parent_and_exports() {
    let deps = "dependencies:
- name: a
  version: 1.0.0
  import-values:
  - child: data
    parent: imported.fromA
  - shared
";
    let mut c = parent(
        deps,
        "imported:\n  fromA:\n    keep: parent\n",
        vec![sub("a", "data:\n  x: 1\n  keep: child\nexports:\n  shared:\n    s: 2\n")],
    );
    process(&mut c, "");
    let w = values::Warnings::default();
    let v = values::coalesce_values(&c, &Value::map(BTreeMap::new()), &w).unwrap();
    let get = |path: &str| values::path_value(&v, path).map(|x| x.to_string());
    assert_eq!(get("imported.fromA.x").as_deref(), Some("1"));
    assert_eq!(get("imported.fromA.keep").as_deref(), Some("parent"));
    assert_eq!(get("s").as_deref(), Some("2"));
    let iv = &c.metadata.dependencies.as_ref().unwrap()[0].as_ref().unwrap().import_values;
    assert_eq!(ferry_chart::from_yaml(&iv[1]).to_string(), "map[child:exports.shared parent:.]");
}
