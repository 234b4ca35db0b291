//! Masterminds/semver v3.4 (the version Helm 4 links): versions, ordering and
//! constraints, ported from `version.go` and `constraints.go` so that
//! `semverCompare` and Chart.yaml `kubeVersion`/dependency checks agree with Helm.

use std::cmp::Ordering;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// Why a version or constraint string was rejected; messages are Masterminds' own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SemverError {
    /// `ErrInvalidSemVer`.
    #[error("invalid semantic version")]
    InvalidSemVer,
    /// A numeric segment did not fit in a uint64 (`strconv.ParseUint` failed).
    #[error("error parsing version segment: strconv.ParseUint: parsing {0:?}: value out of range")]
    Segment(String),
    /// `ErrSegmentStartsZero` (a numeric prerelease identifier with a leading zero).
    #[error("version segment starts with 0")]
    SegmentStartsZero,
    /// `ErrInvalidPrerelease`.
    #[error("invalid prerelease string")]
    InvalidPrerelease,
    /// `ErrInvalidMetadata`.
    #[error("invalid metadata string")]
    InvalidMetadata,
    /// A constraint segment did not match Masterminds' constraint grammar.
    #[error("improper constraint: {0}")]
    ImproperConstraint(String),
}

// Go's `\s` is ASCII-only; Rust's is Unicode, so spell the class out.
const WS: &str = r"[\t\n\f\r ]";

const LOOSE_SEMVER: &str =
    r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";

const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";

const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

fn compile(pattern: &str) -> Regex {
    // The patterns are constants of this module; a failure is a bug caught by every test.
    Regex::new(pattern).unwrap_or_else(|e| panic!("semver pattern {pattern}: {e}"))
}

static LOOSE_VERSION_RE: LazyLock<Regex> = LazyLock::new(|| compile(&format!("^{LOOSE_SEMVER}$")));
static CONSTRAINT_RE: LazyLock<Regex> = LazyLock::new(|| compile(&format!(r"^{WS}*({OPS}){WS}*({CV}){WS}*$")));
static CONSTRAINT_RANGE_RE: LazyLock<Regex> = LazyLock::new(|| compile(&format!(r"{WS}*({CV}){WS}+-{WS}+({CV}){WS}*")));
static FIND_CONSTRAINT_RE: LazyLock<Regex> = LazyLock::new(|| compile(&format!(r"({OPS}){WS}*({CV})")));
static VALID_CONSTRAINT_RE: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"^({WS}*({OPS}){WS}*({CV}){WS}*)((?:{WS}+|,{WS}*)({OPS}){WS}*({CV}){WS}*)*$")));

/// A parsed semantic version (`semver.Version`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

fn parse_segment(s: &str) -> Result<u64, SemverError> {
    s.parse::<u64>().map_err(|_| SemverError::Segment(s.to_string()))
}

fn contains_only(s: &str, allowed: impl Fn(char) -> bool) -> bool {
    s.chars().all(allowed)
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

fn validate_prerelease(p: &str) -> Result<(), SemverError> {
    for part in p.split('.') {
        if part.is_empty() {
            return Err(SemverError::InvalidPrerelease);
        } else if contains_only(part, |c| c.is_ascii_digit()) {
            if part.len() > 1 && part.starts_with('0') {
                return Err(SemverError::SegmentStartsZero);
            }
        } else if !contains_only(part, is_ident_char) {
            return Err(SemverError::InvalidPrerelease);
        }
    }
    Ok(())
}

fn validate_metadata(m: &str) -> Result<(), SemverError> {
    for part in m.split('.') {
        if part.is_empty() || !contains_only(part, is_ident_char) {
            return Err(SemverError::InvalidMetadata);
        }
    }
    Ok(())
}

impl Version {
    /// `semver.NewVersion` with its default `CoerceNewVersion = true`: accepts a
    /// leading `v`, missing minor/patch and leading zeros.
    pub fn parse(v: &str) -> Result<Version, SemverError> {
        let m = LOOSE_VERSION_RE.captures(v).ok_or(SemverError::InvalidSemVer)?;
        let group = |i: usize| m.get(i).map_or("", |g| g.as_str());
        let major = parse_segment(group(1))?;
        let minor = match group(2) {
            "" => 0,
            s => parse_segment(s.trim_start_matches('.'))?,
        };
        let patch = match group(3) {
            "" => 0,
            s => parse_segment(s.trim_start_matches('.'))?,
        };
        let pre = group(5).to_string();
        let metadata = group(8).to_string();
        if !pre.is_empty() {
            validate_prerelease(&pre)?;
        }
        if !metadata.is_empty() {
            validate_metadata(&metadata)?;
        }
        Ok(Version { major, minor, patch, pre, metadata, original: v.to_string() })
    }

    /// The major number.
    pub fn major(&self) -> u64 {
        self.major
    }
    /// The minor number.
    pub fn minor(&self) -> u64 {
        self.minor
    }
    /// The patch number.
    pub fn patch(&self) -> u64 {
        self.patch
    }
    /// The prerelease, without its `-`.
    pub fn prerelease(&self) -> &str {
        &self.pre
    }
    /// The build metadata, without its `+`.
    pub fn metadata(&self) -> &str {
        &self.metadata
    }
    /// The string this version was parsed from.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// `Version.Compare`: -1, 0 or 1; build metadata is ignored.
    pub fn compare(&self, o: &Version) -> i32 {
        let seg = (self.major, self.minor, self.patch).cmp(&(o.major, o.minor, o.patch));
        if seg != Ordering::Equal {
            return if seg == Ordering::Less { -1 } else { 1 };
        }
        match (self.pre.is_empty(), o.pre.is_empty()) {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => -1,
            (false, false) => compare_prerelease(&self.pre, &o.pre),
        }
    }

    /// `Version.LessThan`.
    pub fn less_than(&self, o: &Version) -> bool {
        self.compare(o) < 0
    }
    /// `Version.GreaterThan`.
    pub fn greater_than(&self, o: &Version) -> bool {
        self.compare(o) > 0
    }
    /// `Version.Equal`.
    pub fn equal(&self, o: &Version) -> bool {
        self.compare(o) == 0
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

fn compare_prerelease(v: &str, o: &str) -> i32 {
    let sparts: Vec<&str> = v.split('.').collect();
    let oparts: Vec<&str> = o.split('.').collect();
    for i in 0..sparts.len().max(oparts.len()) {
        let s = sparts.get(i).copied().unwrap_or("");
        let o = oparts.get(i).copied().unwrap_or("");
        let d = compare_pre_part(s, o);
        if d != 0 {
            return d;
        }
    }
    0
}

fn compare_pre_part(s: &str, o: &str) -> i32 {
    if s == o {
        return 0;
    }
    if s.is_empty() {
        return -1;
    }
    if o.is_empty() {
        return 1;
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Err(_), Err(_)) => {
            if s > o {
                1
            } else {
                -1
            }
        }
        // A numeric identifier sorts below an alphanumeric one.
        (Ok(_), Err(_)) => -1,
        (Err(_), Ok(_)) => 1,
        (Ok(si), Ok(oi)) => {
            if si > oi {
                1
            } else {
                -1
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    Tilde,
    Caret,
}

impl Op {
    fn from_str(s: &str) -> Op {
        match s {
            "!=" => Op::NotEqual,
            ">" => Op::Greater,
            "<" => Op::Less,
            ">=" | "=>" => Op::GreaterEqual,
            "<=" | "=<" => Op::LessEqual,
            "~" | "~>" => Op::Tilde,
            "^" => Op::Caret,
            _ => Op::TildeOrEqual,
        }
    }
}

#[derive(Debug, Clone)]
struct Constraint {
    con: Version,
    orig: String,
    origfunc: String,
    op: Op,
    minor_dirty: bool,
    dirty: bool,
    patch_dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "*" | "X")
}

fn parse_constraint(c: &str) -> Result<Constraint, SemverError> {
    if c.is_empty() {
        // An empty constraint means "*", i.e. >= 0.0.0.
        return Ok(Constraint {
            con: Version::parse("0.0.0")?,
            orig: String::new(),
            origfunc: String::new(),
            op: Op::TildeOrEqual,
            minor_dirty: false,
            dirty: true,
            patch_dirty: false,
        });
    }
    let m = CONSTRAINT_RE.captures(c).ok_or_else(|| SemverError::ImproperConstraint(c.to_string()))?;
    let group = |i: usize| m.get(i).map_or("", |g| g.as_str());
    let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
    let mut ver = group(2).to_string();
    if is_x(group(3)) || group(3).is_empty() {
        ver = format!("0.0.0{}", group(6));
        dirty = true;
    } else if is_x(group(4).trim_start_matches('.')) || group(4).is_empty() {
        minor_dirty = true;
        dirty = true;
        ver = format!("{}.0.0{}", group(3), group(6));
    } else if is_x(group(5).trim_start_matches('.')) || group(5).is_empty() {
        dirty = true;
        patch_dirty = true;
        ver = format!("{}{}.0{}", group(3), group(4), group(6));
    }
    let con = Version::parse(&ver).map_err(|_| SemverError::ImproperConstraint(c.to_string()))?;
    Ok(Constraint {
        con,
        orig: group(2).to_string(),
        origfunc: group(1).to_string(),
        op: Op::from_str(group(1)),
        minor_dirty,
        dirty,
        patch_dirty,
    })
}

impl Constraint {
    /// Masterminds' per-operator check. `include_pre` is true when the AND group
    /// names a prerelease anywhere (semver 3.4, #267).
    fn check(&self, v: &Version, include_pre: bool) -> bool {
        if !include_pre && !v.pre.is_empty() {
            return false;
        }
        let c = self;
        match c.op {
            Op::NotEqual => {
                if c.dirty {
                    if c.con.major != v.major {
                        return true;
                    }
                    if c.con.minor != v.minor && !c.minor_dirty {
                        return true;
                    } else if c.minor_dirty {
                        return false;
                    } else if c.con.patch != v.patch && !c.patch_dirty {
                        return true;
                    } else if c.patch_dirty {
                        if !v.pre.is_empty() || !c.con.pre.is_empty() {
                            return compare_prerelease(&v.pre, &c.con.pre) != 0;
                        }
                        return false;
                    }
                }
                !v.equal(&c.con)
            }
            Op::Greater => {
                if !c.dirty {
                    return v.compare(&c.con) == 1;
                }
                if v.major > c.con.major {
                    true
                } else if v.major < c.con.major || c.minor_dirty {
                    false
                } else if c.patch_dirty {
                    v.minor > c.con.minor
                } else {
                    v.compare(&c.con) == 1
                }
            }
            Op::Less => v.compare(&c.con) < 0,
            Op::GreaterEqual => v.compare(&c.con) >= 0,
            Op::LessEqual => {
                if !c.dirty {
                    return v.compare(&c.con) <= 0;
                }
                !(v.major > c.con.major || (v.major == c.con.major && v.minor > c.con.minor && !c.minor_dirty))
            }
            Op::Tilde => tilde(v, c),
            Op::TildeOrEqual => {
                if c.dirty {
                    tilde(v, c)
                } else {
                    v.equal(&c.con)
                }
            }
            Op::Caret => {
                if v.less_than(&c.con) {
                    return false;
                }
                if c.con.major > 0 || c.minor_dirty {
                    return v.major == c.con.major;
                }
                if c.con.major == 0 && v.major > 0 {
                    return false;
                }
                if c.con.minor > 0 || c.patch_dirty {
                    return v.minor == c.con.minor;
                }
                if c.con.minor == 0 && v.minor > 0 {
                    return false;
                }
                c.con.patch == v.patch
            }
        }
    }
}

fn tilde(v: &Version, c: &Constraint) -> bool {
    if v.less_than(&c.con) {
        return false;
    }
    // ~0.0.0 accepts everything, like >= 0.0.0.
    if c.con.major == 0 && c.con.minor == 0 && c.con.patch == 0 && !c.minor_dirty && !c.patch_dirty {
        return true;
    }
    if v.major != c.con.major {
        return false;
    }
    v.minor == c.con.minor || c.minor_dirty
}

/// A parsed constraint expression (`semver.Constraints`): OR groups of AND-ed comparisons.
#[derive(Debug, Clone)]
pub struct Constraints {
    groups: Vec<Vec<Constraint>>,
    contains_pre: Vec<bool>,
    /// `Constraints.IncludePrerelease`: let prereleases satisfy every group.
    pub include_prerelease: bool,
}

fn rewrite_range(i: &str) -> String {
    let mut out = i.to_string();
    for m in CONSTRAINT_RANGE_RE.captures_iter(i) {
        let whole = m.get(0).map_or("", |g| g.as_str());
        let from = m.get(1).map_or("", |g| g.as_str());
        let to = m.get(11).map_or("", |g| g.as_str());
        out = out.replacen(whole, &format!(">= {from}, <= {to}"), 1);
    }
    out
}

impl Constraints {
    /// `semver.NewConstraint`.
    pub fn parse(c: &str) -> Result<Constraints, SemverError> {
        let c = rewrite_range(c);
        let mut groups = Vec::new();
        let mut contains_pre = Vec::new();
        for or in c.split("||") {
            if !VALID_CONSTRAINT_RE.is_match(or) {
                return Err(SemverError::ImproperConstraint(or.to_string()));
            }
            let mut found: Vec<&str> = FIND_CONSTRAINT_RE.find_iter(or).map(|m| m.as_str()).collect();
            if found.is_empty() {
                found.push(or);
            }
            let mut group = Vec::with_capacity(found.len());
            let mut has_pre = false;
            for s in found {
                let pc = parse_constraint(s)?;
                has_pre |= !pc.con.pre.is_empty();
                group.push(pc);
            }
            groups.push(group);
            contains_pre.push(has_pre);
        }
        Ok(Constraints { groups, contains_pre, include_prerelease: false })
    }

    /// `Constraints.Check`.
    pub fn check(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .zip(&self.contains_pre)
            .any(|(group, &pre)| group.iter().all(|c| c.check(v, self.include_prerelease || pre)))
    }
}

impl fmt::Display for Constraints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|g| g.iter().map(|c| format!("{}{}", c.origfunc, c.orig)).collect::<Vec<_>>().join(" "))
            .collect();
        f.write_str(&groups.join(" || "))
    }
}

/// Sprig's `semverCompare`: does `version` satisfy `constraint`?
pub fn semver_compare(constraint: &str, version: &str) -> Result<bool, SemverError> {
    let c = Constraints::parse(constraint)?;
    let v = Version::parse(version)?;
    Ok(c.check(&v))
}
