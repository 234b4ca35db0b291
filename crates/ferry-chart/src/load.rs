//! Loading charts from directories, `.tgz` archives and in-memory files
//! (Helm's `pkg/chart/v2/loader` and `pkg/chart/loader/archive`), with
//! Helm's path-safety rules and size limits, plus a file-count limit and a
//! nesting limit for archives inside archives.

use std::io::Read;
use std::path::{Path, PathBuf};

use ferry_gotmpl::Value;

use crate::chart::{API_VERSION_V1, Chart, File, Metadata};
use crate::chartfile;
use crate::gopath;
use crate::ignore::{HELM_IGNORE, Rules};
use crate::validate;
use crate::values;

/// Limits applied while loading, so that hostile charts cannot exhaust memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadLimits {
    /// Maximum decompressed size of all files of one archive or directory
    /// (Helm's `MaxDecompressedChartSize`, 100 MiB).
    pub max_total_bytes: u64,
    /// Maximum size of one file (Helm 4 only enforces the total; this
    /// defaults to the same value).
    pub max_file_bytes: u64,
    /// Maximum number of files in one archive or directory.
    pub max_files: usize,
    /// Maximum nesting of chart archives inside `charts/` of archives.
    pub max_depth: usize,
}

impl Default for LoadLimits {
    fn default() -> LoadLimits {
        LoadLimits {
            max_total_bytes: 100 * 1024 * 1024,
            max_file_bytes: 100 * 1024 * 1024,
            max_files: 50_000,
            max_depth: 32,
        }
    }
}

/// Why a chart could not be loaded. Messages are Helm's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("{0}")]
    Io(String),
    /// The archive is not gzip-compressed.
    #[error("file does not appear to be a valid chart file (details: gzip: invalid header)")]
    NotGzip,
    /// The archive is corrupt.
    #[error("{0}")]
    Archive(String),
    /// An archive entry has an absolute path.
    #[error("chart illegally contains absolute paths")]
    AbsolutePath,
    /// An archive entry has no path below the top directory.
    #[error("chart illegally contains content outside the base directory: {0:?}")]
    OutsideBase(String),
    /// An archive entry climbs out with `..`.
    #[error("chart illegally references parent directory")]
    ParentDirectory,
    /// An archive entry names a Windows drive.
    #[error("chart contains illegally named files")]
    IllegalName,
    /// `Chart.yaml` is at the top of the archive instead of in a directory.
    #[error("chart yaml not in base directory")]
    ChartYamlNotInBase,
    /// The decompressed archive exceeds the size limit.
    #[error("decompressed chart is larger than the maximum size {0}")]
    TooLarge(u64),
    /// A directory chart exceeds the size limit.
    #[error("chart exceeds maximum decompressed size of {0} bytes")]
    DirTooLarge(u64),
    /// One file exceeds the per-file limit.
    #[error("chart file {name:?} is larger than the maximum file size {limit}")]
    FileTooLarge {
        /// The file.
        name: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// Too many files.
    #[error("chart contains more than {0} files")]
    TooManyFiles(usize),
    /// Archives nested too deeply in `charts/`.
    #[error("chart archives are nested more than {0} levels deep in charts/")]
    TooDeep(usize),
    /// The archive holds no files.
    #[error("no files in chart archive")]
    Empty,
    /// A symbolic link points outside the chart directory.
    #[error("chart contains a symbolic link pointing outside the chart directory: {link} -> {target}")]
    SymlinkEscape {
        /// The link, relative to the chart.
        link: String,
        /// Where it points.
        target: String,
    },
    /// A device, socket or other irregular file.
    #[error("cannot load irregular file {0} as it has file mode type bits set")]
    Irregular(String),
    /// `.helmignore` is invalid.
    #[error("{0}")]
    Ignore(String),
    /// A metadata or values file could not be decoded (`cannot load Chart.yaml: ...`).
    #[error("cannot load {file}: {message}")]
    Decode {
        /// The file.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// There is no `Chart.yaml`.
    #[error("Chart.yaml file is missing")]
    MissingChartYaml,
    /// `Chart.yaml` fails validation.
    #[error("{0}")]
    Validation(#[from] validate::ValidationError),
    /// A `.tgz` in `charts/` does not contain what its name says.
    #[error("error unpacking subchart tar in {chart}: expected {expected}, got {got}")]
    SubchartTar {
        /// The parent chart.
        chart: String,
        /// The expected file name.
        expected: String,
        /// The name found.
        got: String,
    },
    /// A subchart failed to load.
    #[error("error unpacking subchart {name} in {chart}: {source}")]
    Subchart {
        /// The subchart's directory or archive name.
        name: String,
        /// The parent chart.
        chart: String,
        /// The subchart's error.
        source: Box<LoadError>,
    },
    /// The path given is a file that is not a gzipped archive.
    #[error("file '{name}' does not appear to be a gzipped archive; got '{content_type}'")]
    NotAnArchive {
        /// The path.
        name: String,
        /// What it looks like.
        content_type: String,
    },
    /// The path given is a YAML file.
    #[error("file '{0}' seems to be a YAML file, but expected a gzipped archive")]
    YamlNotArchive(String),
}

/// Loads a chart from a directory or a `.tgz` file (Helm's `loader.Load`).
pub fn load(path: &Path) -> Result<Chart, LoadError> {
    load_with(path, &LoadLimits::default())
}

/// [`load`] with explicit limits.
pub fn load_with(path: &Path, limits: &LoadLimits) -> Result<Chart, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::Io(go_io_error("stat", path, &e)))?;
    if meta.is_dir() {
        return load_dir_with(path, limits);
    }
    let data = read_limited(path, limits.max_total_bytes)?;
    ensure_archive(&path.display().to_string(), &data)?;
    load_archive_with(&data, limits)
}

/// Loads a chart directory, honouring `.helmignore` (Helm's `LoadDir`).
pub fn load_dir(dir: &Path) -> Result<Chart, LoadError> {
    load_dir_with(dir, &LoadLimits::default())
}

/// Loads a gzipped tar archive of a chart (Helm's `LoadArchive`).
pub fn load_archive(bytes: &[u8]) -> Result<Chart, LoadError> {
    load_archive_with(bytes, &LoadLimits::default())
}

/// [`load_archive`] with explicit limits.
pub fn load_archive_with(bytes: &[u8], limits: &LoadLimits) -> Result<Chart, LoadError> {
    load_archive_depth(bytes, limits, 0)
}

fn load_archive_depth(bytes: &[u8], limits: &LoadLimits, depth: usize) -> Result<Chart, LoadError> {
    if depth > limits.max_depth {
        return Err(LoadError::TooDeep(limits.max_depth));
    }
    let files = archive_files(bytes, limits)?;
    load_files_depth(files, limits, depth)
}

/// Loads a chart from in-memory files with chart-relative paths
/// (Helm's `LoadFiles`).
pub fn load_files(files: Vec<File>) -> Result<Chart, LoadError> {
    load_files_depth(files, &LoadLimits::default(), 0)
}

/// An I/O error worded like Go's `*PathError` (`open x: no such file or directory`).
pub(crate) fn go_io_error(op: &str, path: &Path, e: &std::io::Error) -> String {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_string(),
        _ => e.to_string(),
    };
    format!("{op} {}: {what}", path.display())
}

fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, LoadError> {
    let f = std::fs::File::open(path).map_err(|e| LoadError::Io(go_io_error("open", path, &e)))?;
    let mut data = Vec::new();
    f.take(limit.saturating_add(1)).read_to_end(&mut data).map_err(|e| LoadError::Io(go_io_error("read", path, &e)))?;
    if data.len() as u64 > limit {
        return Err(LoadError::DirTooLarge(limit));
    }
    Ok(data)
}

/// Helm's `EnsureArchive`: a friendly error when a file is not a gzip stream.
fn ensure_archive(name: &str, data: &[u8]) -> Result<(), LoadError> {
    if data.starts_with(&[0x1f, 0x8b, 0x08]) {
        return Ok(());
    }
    if name.ends_with(".yml") || name.ends_with(".yaml") {
        return Err(LoadError::YamlNotArchive(name.to_string()));
    }
    Err(LoadError::NotAnArchive { name: name.to_string(), content_type: detect_content_type(data) })
}

/// A small part of Go's `http.DetectContentType`, enough for the common cases.
fn detect_content_type(data: &[u8]) -> String {
    let head = &data[..data.len().min(512)];
    if head.is_empty() {
        return "text/plain; charset=utf-8".to_string();
    }
    if head.starts_with(b"PK\x03\x04") {
        return "application/zip".to_string();
    }
    let binary =
        head.iter().any(|&b| b <= 0x08 || b == 0x0B || (0x0E..=0x1A).contains(&b) || (0x1C..=0x1F).contains(&b));
    if binary { "application/octet-stream".to_string() } else { "text/plain; charset=utf-8".to_string() }
}

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

fn strip_bom(mut data: Vec<u8>) -> Vec<u8> {
    if data.starts_with(UTF8_BOM) {
        data.drain(..3);
    }
    data
}

/// Helm's `LoadArchiveFiles`: the files of a chart archive, with the top
/// directory stripped and every path checked.
pub fn archive_files(bytes: &[u8], limits: &LoadLimits) -> Result<Vec<File>, LoadError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(LoadError::NotGzip);
    }
    let gz = flate2::read::GzDecoder::new(bytes);
    let mut archive = tar::Archive::new(gz);
    let entries = archive.entries().map_err(|e| LoadError::Archive(e.to_string()))?;
    let mut files = Vec::new();
    let mut remaining = limits.max_total_bytes;
    for entry in entries {
        let mut entry = entry.map_err(|e| LoadError::Archive(archive_error(&e)))?;
        let header = entry.header();
        let kind = header.entry_type();
        if kind.is_dir()
            || kind.is_pax_global_extensions()
            || kind.is_pax_local_extensions()
            || kind.is_gnu_longname()
            || kind.is_gnu_longlink()
        {
            continue;
        }
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        // An archive made on Windows may use backslashes.
        let delimiter = if raw_name.contains('\\') { '\\' } else { '/' };
        let parts: Vec<&str> = raw_name.split(delimiter).collect();
        let joined = parts[1..].join(&delimiter.to_string());
        let n = joined.replace(delimiter, "/");
        if n.starts_with('/') {
            return Err(LoadError::AbsolutePath);
        }
        let n = gopath::clean(&n);
        if n == "." {
            return Err(LoadError::OutsideBase(raw_name));
        }
        if n.starts_with("..") {
            return Err(LoadError::ParentDirectory);
        }
        let nb = n.as_bytes();
        if nb.len() >= 3 && nb[0].is_ascii_alphabetic() && nb[1] == b':' && nb[2] == b'/' {
            return Err(LoadError::IllegalName);
        }
        if parts[0] == "Chart.yaml" {
            return Err(LoadError::ChartYamlNotInBase);
        }
        // Links are not followed out of archives: Helm reads their (empty) bodies.
        let size = header.size().unwrap_or(0);
        if size > remaining {
            return Err(LoadError::TooLarge(limits.max_total_bytes));
        }
        if size > limits.max_file_bytes {
            return Err(LoadError::FileTooLarge { name: n, limit: limits.max_file_bytes });
        }
        if files.len() >= limits.max_files {
            return Err(LoadError::TooManyFiles(limits.max_files));
        }
        let mut data = Vec::new();
        let read = (&mut entry)
            .take(remaining.min(limits.max_file_bytes).saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|e| LoadError::Archive(archive_error(&e)))? as u64;
        if read > remaining || read < size {
            return Err(LoadError::TooLarge(limits.max_total_bytes));
        }
        remaining -= read;
        files.push(File::new(n, strip_bom(data)));
    }
    if files.is_empty() {
        return Err(LoadError::Empty);
    }
    Ok(files)
}

fn archive_error(e: &std::io::Error) -> String {
    let s = e.to_string();
    if s.contains("invalid gzip header") || s.contains("corrupt deflate stream") {
        return "gzip: invalid header".to_string();
    }
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        return "unexpected EOF".to_string();
    }
    s
}

fn load_dir_with(dir: &Path, limits: &LoadLimits) -> Result<Chart, LoadError> {
    let top = std::fs::canonicalize(dir).map_err(|e| LoadError::Io(go_io_error("stat", dir, &e)))?;
    let mut rules = Rules::empty();
    let ifile = top.join(HELM_IGNORE);
    if ifile.is_file() {
        let text = std::fs::read(&ifile).map_err(|e| LoadError::Io(go_io_error("open", &ifile, &e)))?;
        rules = Rules::parse(&String::from_utf8_lossy(&text)).map_err(|e| LoadError::Ignore(e.to_string()))?;
    }
    rules.add_defaults();
    let mut walker =
        DirWalker { top: top.clone(), rules, limits: *limits, remaining: limits.max_total_bytes, files: Vec::new() };
    walker.walk_dir(&top, "", 0)?;
    load_files_depth(walker.files, limits, 0)
}

struct DirWalker {
    top: PathBuf,
    rules: Rules,
    limits: LoadLimits,
    remaining: u64,
    files: Vec<File>,
}

/// Symbolic links to directories may nest; this bounds the walk.
const MAX_DIR_DEPTH: usize = 64;

impl DirWalker {
    fn walk_dir(&mut self, dir: &Path, rel: &str, depth: usize) -> Result<(), LoadError> {
        if depth > MAX_DIR_DEPTH {
            return Err(LoadError::Io(format!("{}: directories nested too deeply", dir.display())));
        }
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| LoadError::Io(go_io_error("open", dir, &e)))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            let path = dir.join(&name);
            let n = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            let lmeta = std::fs::symlink_metadata(&path).map_err(|e| LoadError::Io(go_io_error("lstat", &path, &e)))?;
            let (meta, real) = if lmeta.file_type().is_symlink() {
                match std::fs::canonicalize(&path) {
                    Ok(target) => {
                        if !target.starts_with(&self.top) {
                            return Err(LoadError::SymlinkEscape { link: n, target: target.display().to_string() });
                        }
                        let m =
                            std::fs::metadata(&target).map_err(|e| LoadError::Io(go_io_error("stat", &target, &e)))?;
                        (m, target)
                    }
                    Err(e) => {
                        // A broken link: Helm respects .helmignore before failing.
                        if self.rules.ignore(&n, false) {
                            continue;
                        }
                        return Err(LoadError::Io(format!(
                            "error evaluating symlink {}: {}",
                            path.display(),
                            go_io_error("lstat", &path, &e)
                        )));
                    }
                }
            } else {
                (lmeta, path.clone())
            };
            if meta.is_dir() {
                if self.rules.ignore(&n, true) {
                    continue;
                }
                self.walk_dir(&real, &n, depth + 1)?;
                continue;
            }
            if self.rules.ignore(&n, false) {
                continue;
            }
            if !meta.is_file() {
                return Err(LoadError::Irregular(path.display().to_string()));
            }
            if meta.len() > self.limits.max_file_bytes {
                return Err(LoadError::FileTooLarge { name, limit: self.limits.max_file_bytes });
            }
            if meta.len() > self.remaining {
                return Err(LoadError::DirTooLarge(self.limits.max_total_bytes));
            }
            if self.files.len() >= self.limits.max_files {
                return Err(LoadError::TooManyFiles(self.limits.max_files));
            }
            let data = read_limited(&real, self.remaining.min(self.limits.max_file_bytes)).map_err(|e| match e {
                LoadError::DirTooLarge(_) => LoadError::DirTooLarge(self.limits.max_total_bytes),
                LoadError::Io(m) => LoadError::Io(format!("error reading {n}: {m}")),
                other => other,
            })?;
            self.remaining -= data.len() as u64;
            self.files.push(File::new(n, strip_bom(data)));
        }
        Ok(())
    }
}

fn decode_err(file: &str, e: impl std::fmt::Display) -> LoadError {
    LoadError::Decode { file: file.to_string(), message: e.to_string() }
}

fn load_files_depth(files: Vec<File>, limits: &LoadLimits, depth: usize) -> Result<Chart, LoadError> {
    let mut c = Chart { values: Value::map(Default::default()), ..Chart::default() };
    let mut metadata: Option<Metadata> = None;
    let mut subcharts: std::collections::BTreeMap<String, Vec<File>> = std::collections::BTreeMap::new();

    for f in &files {
        if f.name == "Chart.yaml" {
            let md = metadata.get_or_insert_with(Metadata::default);
            chartfile::decode_metadata(&f.data, md).map_err(|e| decode_err("Chart.yaml", e))?;
            if md.api_version.is_empty() {
                md.api_version = API_VERSION_V1.to_string();
            }
        }
    }
    for f in &files {
        match f.name.as_str() {
            "Chart.yaml" => {}
            "Chart.lock" => {
                c.lock = Some(chartfile::decode_lock(&f.data).map_err(|e| decode_err("Chart.lock", e))?);
            }
            "values.yaml" => {
                c.values = values::load_values(&f.data).map_err(|e| decode_err("values.yaml", e))?;
            }
            "values.schema.json" => c.schema = Some(f.data.clone()),
            "requirements.yaml" => {
                let md = metadata.get_or_insert_with(Metadata::default);
                chartfile::decode_metadata(&f.data, md).map_err(|e| decode_err("requirements.yaml", e))?;
                if md.api_version == API_VERSION_V1 {
                    c.files.push(f.clone());
                }
            }
            "requirements.lock" => {
                c.lock = Some(chartfile::decode_lock(&f.data).map_err(|e| decode_err("requirements.lock", e))?);
                let md = metadata.get_or_insert_with(Metadata::default);
                if md.api_version == API_VERSION_V1 {
                    c.files.push(f.clone());
                }
            }
            name if name.starts_with("templates/") => c.templates.push(f.clone()),
            name if name.starts_with("charts/") => {
                if gopath::ext(name) == ".prov" {
                    c.files.push(f.clone());
                    continue;
                }
                let fname = &name["charts/".len()..];
                let cname = fname.split('/').next().unwrap_or("");
                subcharts.entry(cname.to_string()).or_default().push(File::new(fname, f.data.clone()));
            }
            _ => c.files.push(f.clone()),
        }
    }
    c.raw = files;

    let Some(mut md) = metadata else { return Err(LoadError::MissingChartYaml) };
    validate::validate_metadata(&mut md)?;
    c.metadata = md;

    for (n, files) in subcharts {
        if n.starts_with('_') || n.starts_with('.') {
            continue;
        }
        let sc = if gopath::ext(&n) == ".tgz" {
            let Some(file) = files.first() else { continue };
            if file.name != n {
                return Err(LoadError::SubchartTar {
                    chart: c.name().to_string(),
                    expected: n,
                    got: file.name.clone(),
                });
            }
            load_archive_depth(&file.data, limits, depth + 1)
        } else {
            let buff: Vec<File> = files
                .into_iter()
                .filter_map(|f| f.name.split_once('/').map(|(_, rest)| File::new(rest, f.data)))
                .collect();
            load_files_depth(buff, limits, depth + 1)
        };
        let sc =
            sc.map_err(|e| LoadError::Subchart { name: n.clone(), chart: c.name().to_string(), source: Box::new(e) })?;
        c.dependencies.push(sc);
    }
    Ok(c)
}
