//! Loading charts: Helm's archive path-safety rules and limits, directory
//! loading with `.helmignore` and symlinks, `Chart.yaml` validation and
//! subcharts (directories and nested archives).

use std::io::Write;

use ferry_chart::load::{LoadLimits, load_archive_with};
use ferry_chart::{LoadError, load_archive, load_dir, load_files};

/// A gzipped tar with the given raw entry names (no path checks, so hostile
/// names can be written).
fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = Vec::new();
    for (name, data) in entries {
        let mut h = tar::Header::new_old();
        {
            let old = h.as_old_mut();
            let bytes = name.as_bytes();
            old.name[..bytes.len()].copy_from_slice(bytes);
        }
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        tar.extend_from_slice(h.as_bytes());
        tar.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        tar.extend(std::iter::repeat_n(0u8, pad));
    }
    tar.extend(std::iter::repeat_n(0u8, 1024));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

const CHART: &[u8] = b"apiVersion: v2\nname: demo\nversion: 0.1.0\n";

#[test]
fn loads_a_chart_archive() {
    let sub =
        tgz(&[("sub/Chart.yaml", b"apiVersion: v2\nname: sub\nversion: 1.0.0\n"), ("sub/values.yaml", b"x: 1\n")]);
    let bytes = tgz(&[
        ("demo/Chart.yaml", CHART),
        ("demo/values.yaml", b"\xEF\xBB\xBFa: 1\n---\nb: 2\n"),
        ("demo/templates/cm.yaml", b"kind: ConfigMap\n"),
        ("demo/crds/crd.yaml", b"kind: CustomResourceDefinition\n"),
        ("demo/charts/sub-1.0.0.tgz", &sub),
        ("demo/charts/dirsub/Chart.yaml", b"apiVersion: v2\nname: dirsub\nversion: 1.0.0\n"),
        ("demo/charts/_ignored/Chart.yaml", b"not even yaml: [\n"),
        ("demo/README.md", b"hello"),
    ]);
    let c = load_archive(&bytes).unwrap();
    assert_eq!(c.name(), "demo");
    assert_eq!(c.values.to_string(), "map[a:1 b:2]");
    assert_eq!(c.templates.len(), 1);
    let deps: Vec<&str> = c.dependencies.iter().map(|d| d.name()).collect();
    assert_eq!(deps, vec!["dirsub", "sub"]);
    assert_eq!(c.crd_objects()[0].filename, "demo/crds/crd.yaml");
    assert!(c.files.iter().any(|f| f.name == "README.md"));
}

#[test]
fn rejects_hostile_archives() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (tgz(&[("demo/../../etc/passwd", b"x")]), "chart illegally references parent directory"),
        (tgz(&[("demo//etc/passwd", b"x")]), "chart illegally contains absolute paths"),
        (tgz(&[("Chart.yaml", CHART)]), "chart illegally contains content outside the base directory: \"Chart.yaml\""),
        (tgz(&[("demo/c:/x", b"x")]), "chart contains illegally named files"),
        (tgz(&[("demo\\..\\..\\x", b"x")]), "chart illegally references parent directory"),
        (tgz(&[]), "no files in chart archive"),
        (b"not gzip at all".to_vec(), "file does not appear to be a valid chart file (details: gzip: invalid header)"),
        (tgz(&[("demo/values.yaml", b"a: 1\n")]), "Chart.yaml file is missing"),
        (
            tgz(&[("demo/Chart.yaml", b"apiVersion: v2\nname: demo\nversion: one\n")]),
            "validation: chart.metadata.version \"one\" is invalid",
        ),
        (
            tgz(&[("demo/Chart.yaml", b"name: [\n")]),
            "cannot load Chart.yaml: error converting YAML to JSON: yaml: line 1: did not find expected node content",
        ),
    ];
    for (bytes, want) in cases {
        let err = load_archive(&bytes).unwrap_err();
        assert_eq!(err.to_string(), want);
    }
}

#[test]
fn enforces_limits() {
    let big = vec![b'a'; 2048];
    let limits = LoadLimits { max_total_bytes: 1024, ..LoadLimits::default() };
    let err = load_archive_with(&tgz(&[("demo/Chart.yaml", CHART), ("demo/big", &big)]), &limits).unwrap_err();
    assert_eq!(err.to_string(), "decompressed chart is larger than the maximum size 1024");
    let limits = LoadLimits { max_files: 2, ..LoadLimits::default() };
    let err =
        load_archive_with(&tgz(&[("demo/Chart.yaml", CHART), ("demo/a", b""), ("demo/b", b"")]), &limits).unwrap_err();
    assert!(matches!(err, LoadError::TooManyFiles(2)));
    // A gzip bomb stops at the limit instead of filling memory.
    let zeros = vec![0u8; 4 << 20];
    let limits = LoadLimits { max_total_bytes: 1 << 20, ..LoadLimits::default() };
    let err = load_archive_with(&tgz(&[("demo/Chart.yaml", CHART), ("demo/zeros", &zeros)]), &limits).unwrap_err();
    assert!(matches!(err, LoadError::TooLarge(_)), "{err}");
    // Archives nested in archives are bounded.
    let mut nested = tgz(&[("c0/Chart.yaml", b"apiVersion: v2\nname: c0\nversion: 1.0.0\n")]);
    for i in 1..6 {
        let name = format!("c{i}");
        let chart = format!("apiVersion: v2\nname: {name}\nversion: 1.0.0\n");
        let inner_name = format!("{name}/charts/c{}.tgz", i - 1);
        nested = tgz(&[(&format!("{name}/Chart.yaml"), chart.as_bytes()), (&inner_name, &nested)]);
    }
    let limits = LoadLimits { max_depth: 3, ..LoadLimits::default() };
    let err = load_archive_with(&nested, &limits).unwrap_err();
    assert!(err.to_string().contains("nested more than 3 levels"), "{err}");
    assert!(load_archive(&nested).is_ok());
}

#[test]
fn subchart_archive_must_match_its_name() {
    let err = load_files(vec![
        ferry_chart::File::new("Chart.yaml", CHART.to_vec()),
        ferry_chart::File::new("charts/x.tgz/inner", b"".to_vec()),
    ])
    .unwrap_err();
    assert_eq!(err.to_string(), "error unpacking subchart tar in demo: expected x.tgz, got x.tgz/inner");
}

#[test]
fn loads_directories_with_helmignore_and_safe_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("demo");
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::write(root.join("Chart.yaml"), CHART).unwrap();
    std::fs::write(root.join(".helmignore"), "docs/\n*.bak\n").unwrap();
    std::fs::write(root.join("templates/a.yaml"), "a").unwrap();
    std::fs::write(root.join("templates/.hidden"), "h").unwrap();
    std::fs::write(root.join("docs/x.md"), "x").unwrap();
    std::fs::write(root.join("old.bak"), "b").unwrap();
    std::fs::write(root.join("data.txt"), "d").unwrap();
    std::os::unix::fs::symlink("data.txt", root.join("link.txt")).unwrap();
    let c = load_dir(&root).unwrap();
    let names: Vec<&str> = c.raw.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec![".helmignore", "Chart.yaml", "data.txt", "link.txt", "templates/a.yaml"]);

    std::fs::write(dir.path().join("secret"), "s").unwrap();
    std::os::unix::fs::symlink("../secret", root.join("escape")).unwrap();
    let err = load_dir(&root).unwrap_err();
    assert!(
        err.to_string().starts_with("chart contains a symbolic link pointing outside the chart directory: escape -> "),
        "{err}"
    );
}
