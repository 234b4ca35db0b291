//! Go's `time` package as Sprig's date functions see it: instants with a location,
//! `Format`/`Parse` with reference layouts (`2006-01-02T15:04:05Z07:00`), and
//! zones loaded by name from the system zoneinfo database. Ported from
//! `time/format.go` and `time/time.go`. `Duration` is `ferry-gostd`'s.

use std::sync::{Arc, LazyLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// Why a layout parse or duration parse failed; messages are Go's own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// `time.ParseError`.
    #[error("{0}")]
    Parse(String),
    /// `time.LoadLocation` failures.
    #[error("unknown time zone {0}")]
    UnknownZone(String),
}

pub use ferry_gostd::time::{
    Duration, DurationError, HOUR, MICROSECOND, MILLISECOND, MINUTE, NANOSECOND, SECOND, parse_duration,
    quote as go_time_quote,
};

// ---------------------------------------------------------------------------
// Locations.

/// One zone of a tz database entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Zone {
    name: String,
    offset: i32,
}

/// Transitions loaded from a TZif file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ZoneTable {
    zones: Vec<Zone>,
    /// (unix second, index into zones), ascending.
    transitions: Vec<(i64, usize)>,
}

/// A `time.Location`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    name: String,
    kind: LocKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LocKind {
    Fixed(Zone),
    Table(Arc<ZoneTable>),
}

static LOCAL: LazyLock<Location> = LazyLock::new(load_local);

impl Location {
    /// `time.UTC`.
    pub fn utc() -> Location {
        Location { name: "UTC".into(), kind: LocKind::Fixed(Zone { name: "UTC".into(), offset: 0 }) }
    }

    /// `time.Local`: `$TZ`, else `/etc/localtime`, else UTC (as Go does).
    pub fn local() -> Location {
        LOCAL.clone()
    }

    /// `time.FixedZone(name, offset)`.
    pub fn fixed(name: &str, offset: i32) -> Location {
        Location { name: name.into(), kind: LocKind::Fixed(Zone { name: name.into(), offset }) }
    }

    /// `time.LoadLocation`: "" and "UTC" are UTC, "Local" is Local, otherwise a
    /// name in the system zoneinfo database.
    pub fn load(name: &str) -> Result<Location, TimeError> {
        match name {
            "" | "UTC" => return Ok(Location::utc()),
            "Local" => return Ok(Location::local()),
            _ => {}
        }
        // Go refuses names that could escape the zoneinfo directory.
        if name.contains("..") || name.starts_with('/') || name.contains('\\') {
            return Err(TimeError::UnknownZone(name.to_string()));
        }
        let dirs = ["/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/", "/usr/lib/locale/TZ/"];
        for dir in dirs {
            if let Ok(data) = std::fs::read(format!("{dir}{name}"))
                && let Some(table) = parse_tzif(&data)
            {
                return Ok(Location { name: name.to_string(), kind: LocKind::Table(Arc::new(table)) });
            }
        }
        Err(TimeError::UnknownZone(name.to_string()))
    }

    /// The location's name (`Location.String`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone abbreviation and UTC offset in effect at a unix second.
    pub fn lookup(&self, unix: i64) -> (&str, i32) {
        match &self.kind {
            LocKind::Fixed(z) => (&z.name, z.offset),
            LocKind::Table(t) => {
                let idx = match t.transitions.partition_point(|&(at, _)| at <= unix) {
                    0 => first_std_zone(t),
                    n => t.transitions.get(n - 1).map_or(0, |&(_, z)| z),
                };
                t.zones.get(idx).map_or(("UTC", 0), |z| (z.name.as_str(), z.offset))
            }
        }
    }

    /// Go's `Location.lookupName`: the offset of an abbreviation in use near `unix`.
    fn lookup_name(&self, name: &str, unix: i64) -> Option<i32> {
        match &self.kind {
            LocKind::Fixed(z) => (z.name == name).then_some(z.offset),
            LocKind::Table(t) => {
                for z in &t.zones {
                    if z.name == name {
                        let (n, off) = self.lookup(unix - i64::from(z.offset));
                        if n == z.name {
                            return Some(off);
                        }
                    }
                }
                t.zones.iter().find(|z| z.name == name).map(|z| z.offset)
            }
        }
    }
}

fn first_std_zone(t: &ZoneTable) -> usize {
    // Before the first transition Go uses the first zone (the tz "lookupFirstZone" rule
    // simplified: data files order the initial local-mean-time zone first).
    t.transitions.first().map_or(0, |_| 0)
}

fn load_local() -> Location {
    match std::env::var("TZ") {
        Ok(tz) if tz.is_empty() || tz == "UTC" => return Location::utc(),
        Ok(tz) => {
            let name = tz.trim_start_matches(':');
            if let Ok(mut loc) = Location::load(name) {
                loc.name = "Local".into();
                return loc;
            }
            return Location::utc();
        }
        Err(_) => {}
    }
    if let Ok(data) = std::fs::read("/etc/localtime")
        && let Some(table) = parse_tzif(&data)
    {
        return Location { name: "Local".into(), kind: LocKind::Table(Arc::new(table)) };
    }
    Location::utc()
}

fn be_u32(d: &[u8], at: usize) -> Option<u32> {
    let b = d.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn be_i64(d: &[u8], at: usize) -> Option<i64> {
    let b = d.get(at..at + 8)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(i64::from_be_bytes(a))
}

/// Parses a TZif file (RFC 8536), using the 64-bit block when present. Times past
/// the last transition keep the last zone (the POSIX footer rule is not applied).
fn parse_tzif(d: &[u8]) -> Option<ZoneTable> {
    if d.get(0..4)? != b"TZif" {
        return None;
    }
    let version = *d.get(4)?;
    let counts = |base: usize| -> Option<[usize; 6]> {
        let mut c = [0usize; 6];
        for (i, slot) in c.iter_mut().enumerate() {
            *slot = be_u32(d, base + 20 + 4 * i)? as usize;
        }
        Some(c)
    };
    let [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(0)?;
    let v1_len = timecnt * 4 + timecnt + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    let (base, tsize, [_, _, leap, timecnt, typecnt, charcnt]) = if version >= b'2' {
        let b2 = 44 + v1_len;
        (b2, 8usize, counts(b2)?)
    } else {
        (0, 4usize, [isut, isstd, leap, timecnt, typecnt, charcnt])
    };
    let mut p = base + 44;
    let mut times = Vec::with_capacity(timecnt);
    for i in 0..timecnt {
        let t = if tsize == 8 { be_i64(d, p + 8 * i)? } else { i64::from(be_u32(d, p + 4 * i)? as i32) };
        times.push(t);
    }
    p += timecnt * tsize;
    let idx: Vec<usize> = d.get(p..p + timecnt)?.iter().map(|&b| b as usize).collect();
    p += timecnt;
    let mut raw_types = Vec::with_capacity(typecnt);
    for i in 0..typecnt {
        let off = be_u32(d, p + 6 * i)? as i32;
        let abbr = *d.get(p + 6 * i + 5)? as usize;
        raw_types.push((off, abbr));
    }
    p += typecnt * 6;
    let chars = d.get(p..p + charcnt)?;
    let _ = leap;
    let zones = raw_types
        .iter()
        .map(|&(offset, abbr)| {
            let rest = chars.get(abbr..).unwrap_or(&[]);
            let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            Zone { name: String::from_utf8_lossy(&rest[..end]).into_owned(), offset }
        })
        .collect::<Vec<_>>();
    if zones.is_empty() {
        return None;
    }
    let transitions = times.into_iter().zip(idx).filter(|&(_, z)| z < zones.len()).collect();
    Some(ZoneTable { zones, transitions })
}

// ---------------------------------------------------------------------------
// Instants and the calendar.

/// A `time.Time`: an instant (unix seconds + nanoseconds) viewed in a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Time {
    unix: i64,
    nsec: u32,
    loc: Location,
}

/// Seconds from 0001-01-01 to 1970-01-01, Go's zero Time.
const ZERO_UNIX: i64 = -62_135_596_800;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Broken-down fields of a Time in its location.
struct Fields {
    year: i64,
    month: i64,
    day: i64,
    yday: i64,
    weekday: usize,
    hour: i64,
    min: i64,
    sec: i64,
}

impl Time {
    /// Go's zero `time.Time` (0001-01-01 00:00:00 UTC).
    pub fn zero() -> Time {
        Time { unix: ZERO_UNIX, nsec: 0, loc: Location::utc() }
    }

    /// `time.Now()` in Local.
    pub fn now() -> Time {
        let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Time {
            unix: i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            nsec: since.subsec_nanos(),
            loc: Location::local(),
        }
    }

    /// `time.Unix(sec, nsec)` in Local.
    pub fn from_unix(sec: i64, nsec: i64) -> Time {
        let sec = sec.saturating_add(nsec.div_euclid(SECOND));
        Time { unix: sec, nsec: nsec.rem_euclid(SECOND) as u32, loc: Location::local() }
    }

    /// `time.Date(...)` in `loc`, normalising out-of-range fields as Go does.
    #[allow(clippy::too_many_arguments)]
    pub fn date(year: i64, month: i64, day: i64, hour: i64, min: i64, sec: i64, nsec: i64, loc: &Location) -> Time {
        // Normalise month into the year, then everything else through seconds.
        let m0 = month - 1;
        let year = year + m0.div_euclid(12);
        let month = m0.rem_euclid(12) + 1;
        let days = days_from_civil(year, month, 1) + (day - 1);
        let secs = days
            .saturating_mul(86_400)
            .saturating_add(hour.saturating_mul(3600))
            .saturating_add(min.saturating_mul(60))
            .saturating_add(sec)
            .saturating_add(nsec.div_euclid(SECOND));
        let nsec = nsec.rem_euclid(SECOND) as u32;
        // Go: look up the offset at (local - offset), then adjust if a transition intervenes.
        let (_, off) = loc.lookup(secs);
        let mut unix = secs - i64::from(off);
        let (_, off2) = loc.lookup(unix);
        if off2 != off {
            unix = secs - i64::from(off2);
        }
        Time { unix, nsec, loc: loc.clone() }
    }

    /// `t.In(loc)`.
    pub fn in_location(&self, loc: &Location) -> Time {
        Time { unix: self.unix, nsec: self.nsec, loc: loc.clone() }
    }

    /// `t.Unix()`.
    pub fn unix(&self) -> i64 {
        self.unix
    }

    /// `t.Nanosecond()`.
    pub fn nanosecond(&self) -> u32 {
        self.nsec
    }

    /// `t.Location()`.
    pub fn location(&self) -> &Location {
        &self.loc
    }

    /// `t.IsZero()`.
    pub fn is_zero(&self) -> bool {
        self.unix == ZERO_UNIX && self.nsec == 0
    }

    /// `t.Add(d)`.
    pub fn add(&self, d: Duration) -> Time {
        let total = i64::from(self.nsec) + d.0 % SECOND;
        let unix = self.unix.saturating_add(d.0 / SECOND).saturating_add(total.div_euclid(SECOND));
        Time { unix, nsec: total.rem_euclid(SECOND) as u32, loc: self.loc.clone() }
    }

    /// `t.Sub(u)`, saturating like Go's.
    pub fn sub(&self, u: &Time) -> Duration {
        let secs = i128::from(self.unix) - i128::from(u.unix);
        let ns = secs * i128::from(SECOND) + i128::from(self.nsec) - i128::from(u.nsec);
        Duration(ns.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }

    fn fields(&self) -> (Fields, &str, i32) {
        let (name, offset) = self.loc.lookup(self.unix);
        let local = self.unix + i64::from(offset);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let yday = days - days_from_civil(year, 1, 1) + 1;
        let weekday = (days + 4).rem_euclid(7) as usize;
        let f = Fields { year, month, day, yday, weekday, hour: secs / 3600, min: secs % 3600 / 60, sec: secs % 60 };
        (f, name, offset)
    }

    /// `t.Format(layout)`.
    pub fn format(&self, layout: &str) -> String {
        let (f, name, offset) = self.fields();
        let mut b = String::with_capacity(layout.len() + 10);
        let mut layout = layout;
        while !layout.is_empty() {
            let (prefix, std, suffix) = next_std_chunk(layout);
            b.push_str(prefix);
            let Some(std) = std else { break };
            layout = suffix;
            match std {
                Std::Year => append_int(&mut b, f.year.rem_euclid(100), 2),
                Std::LongYear => append_int(&mut b, f.year, 4),
                Std::Month => b.push_str(month_name(f.month).get(..3).unwrap_or("")),
                Std::LongMonth => b.push_str(month_name(f.month)),
                Std::NumMonth => append_int(&mut b, f.month, 0),
                Std::ZeroMonth => append_int(&mut b, f.month, 2),
                Std::WeekDay => b.push_str(DAYS[f.weekday % 7].get(..3).unwrap_or("")),
                Std::LongWeekDay => b.push_str(DAYS[f.weekday % 7]),
                Std::Day => append_int(&mut b, f.day, 0),
                Std::UnderDay => {
                    if f.day < 10 {
                        b.push(' ');
                    }
                    append_int(&mut b, f.day, 0);
                }
                Std::ZeroDay => append_int(&mut b, f.day, 2),
                Std::UnderYearDay => {
                    if f.yday < 100 {
                        b.push(' ');
                        if f.yday < 10 {
                            b.push(' ');
                        }
                    }
                    append_int(&mut b, f.yday, 0);
                }
                Std::ZeroYearDay => append_int(&mut b, f.yday, 3),
                Std::Hour => append_int(&mut b, f.hour, 2),
                Std::Hour12 | Std::ZeroHour12 => {
                    let hr = match f.hour % 12 {
                        0 => 12,
                        h => h,
                    };
                    append_int(&mut b, hr, if std == Std::ZeroHour12 { 2 } else { 0 });
                }
                Std::Minute => append_int(&mut b, f.min, 0),
                Std::ZeroMinute => append_int(&mut b, f.min, 2),
                Std::Second => append_int(&mut b, f.sec, 0),
                Std::ZeroSecond => append_int(&mut b, f.sec, 2),
                Std::PM => b.push_str(if f.hour >= 12 { "PM" } else { "AM" }),
                Std::Pm => b.push_str(if f.hour >= 12 { "pm" } else { "am" }),
                Std::Tz(tz) => {
                    if offset == 0 && tz.iso {
                        b.push('Z');
                        continue;
                    }
                    let mut zone = offset / 60;
                    let mut abs = offset;
                    if zone < 0 {
                        b.push('-');
                        zone = -zone;
                        abs = -abs;
                    } else {
                        b.push('+');
                    }
                    append_int(&mut b, i64::from(zone / 60), 2);
                    if tz.colon {
                        b.push(':');
                    }
                    if !tz.short {
                        append_int(&mut b, i64::from(zone % 60), 2);
                    }
                    if tz.seconds {
                        if tz.colon {
                            b.push(':');
                        }
                        append_int(&mut b, i64::from(abs % 60), 2);
                    }
                }
                Std::ZoneName => {
                    if !name.is_empty() {
                        b.push_str(name);
                    } else {
                        let mut zone = offset / 60;
                        if zone < 0 {
                            b.push('-');
                            zone = -zone;
                        } else {
                            b.push('+');
                        }
                        append_int(&mut b, i64::from(zone / 60), 2);
                        append_int(&mut b, i64::from(zone % 60), 2);
                    }
                }
                Std::Frac { sep, digits, trim } => append_nano(&mut b, self.nsec, sep, digits, trim),
            }
        }
        b
    }

    /// `t.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
    pub fn go_string(&self) -> String {
        self.format("2006-01-02 15:04:05.999999999 -0700 MST")
    }
}

fn month_name(m: i64) -> &'static str {
    MONTHS.get((m - 1).clamp(0, 11) as usize).copied().unwrap_or("")
}

fn append_int(b: &mut String, x: i64, width: usize) {
    if x < 0 {
        b.push('-');
    }
    let digits = x.unsigned_abs().to_string();
    for _ in digits.len()..width {
        b.push('0');
    }
    b.push_str(&digits);
}

fn append_nano(b: &mut String, nanosec: u32, sep: char, n: usize, trim: bool) {
    if trim && (n == 0 || nanosec == 0) {
        return;
    }
    let mut s = format!("{sep}{nanosec:09}");
    s.truncate(1 + n.min(9));
    if trim {
        while s.ends_with('0') {
            s.pop();
        }
        if s.len() == 1 {
            s.pop();
        }
    }
    b.push_str(&s);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TzStd {
    iso: bool,
    colon: bool,
    short: bool,
    seconds: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    ZoneName,
    Tz(TzStd),
    Frac { sep: char, digits: usize, trim: bool },
}

const TZ_FORMS: [(&str, TzStd); 10] = [
    ("-070000", TzStd { iso: false, colon: false, short: false, seconds: true }),
    ("-07:00:00", TzStd { iso: false, colon: true, short: false, seconds: true }),
    ("-0700", TzStd { iso: false, colon: false, short: false, seconds: false }),
    ("-07:00", TzStd { iso: false, colon: true, short: false, seconds: false }),
    ("-07", TzStd { iso: false, colon: false, short: true, seconds: false }),
    ("Z070000", TzStd { iso: true, colon: false, short: false, seconds: true }),
    ("Z07:00:00", TzStd { iso: true, colon: true, short: false, seconds: true }),
    ("Z0700", TzStd { iso: true, colon: false, short: false, seconds: false }),
    ("Z07:00", TzStd { iso: true, colon: true, short: false, seconds: false }),
    ("Z07", TzStd { iso: true, colon: false, short: true, seconds: false }),
];

fn starts_with_lower(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

/// Go's `nextStdChunk`: the text before the first layout element, the element, and the rest.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let lb = layout.as_bytes();
    // Layout elements are ASCII, so only char boundaries can start one.
    for (i, _) in layout.char_indices() {
        let rest = &layout[i..];
        let at = |n: usize| (&layout[..i], &layout[i + n..]);
        match lb[i] {
            b'J' if rest.starts_with("Jan") => {
                if rest.starts_with("January") {
                    let (p, s) = at(7);
                    return (p, Some(Std::LongMonth), s);
                }
                if !starts_with_lower(rest.get(3..).unwrap_or("")) {
                    let (p, s) = at(3);
                    return (p, Some(Std::Month), s);
                }
            }
            b'M' => {
                if let Some(after) = rest.strip_prefix("Mon") {
                    if rest.starts_with("Monday") {
                        let (p, s) = at(6);
                        return (p, Some(Std::LongWeekDay), s);
                    }
                    if !starts_with_lower(after) {
                        let (p, s) = at(3);
                        return (p, Some(Std::WeekDay), s);
                    }
                }
                if rest.starts_with("MST") {
                    let (p, s) = at(3);
                    return (p, Some(Std::ZoneName), s);
                }
            }
            b'0' => {
                if let Some(&c) = lb.get(i + 1)
                    && (b'1'..=b'6').contains(&c)
                {
                    let std =
                        [Std::ZeroMonth, Std::ZeroDay, Std::ZeroHour12, Std::ZeroMinute, Std::ZeroSecond, Std::Year]
                            [usize::from(c - b'1')];
                    let (p, s) = at(2);
                    return (p, Some(std), s);
                }
                if rest.starts_with("002") {
                    let (p, s) = at(3);
                    return (p, Some(Std::ZeroYearDay), s);
                }
            }
            b'1' => {
                if lb.get(i + 1) == Some(&b'5') {
                    let (p, s) = at(2);
                    return (p, Some(Std::Hour), s);
                }
                let (p, s) = at(1);
                return (p, Some(Std::NumMonth), s);
            }
            b'2' => {
                if rest.starts_with("2006") {
                    let (p, s) = at(4);
                    return (p, Some(Std::LongYear), s);
                }
                let (p, s) = at(1);
                return (p, Some(Std::Day), s);
            }
            b'_' => {
                if lb.get(i + 1) == Some(&b'2') {
                    if rest[1..].starts_with("2006") {
                        return (&layout[..i + 1], Some(Std::LongYear), &layout[i + 5..]);
                    }
                    let (p, s) = at(2);
                    return (p, Some(Std::UnderDay), s);
                }
                if rest.starts_with("__2") {
                    let (p, s) = at(3);
                    return (p, Some(Std::UnderYearDay), s);
                }
            }
            b'3' => {
                let (p, s) = at(1);
                return (p, Some(Std::Hour12), s);
            }
            b'4' => {
                let (p, s) = at(1);
                return (p, Some(Std::Minute), s);
            }
            b'5' => {
                let (p, s) = at(1);
                return (p, Some(Std::Second), s);
            }
            b'P' if lb.get(i + 1) == Some(&b'M') => {
                let (p, s) = at(2);
                return (p, Some(Std::PM), s);
            }
            b'p' if lb.get(i + 1) == Some(&b'm') => {
                let (p, s) = at(2);
                return (p, Some(Std::Pm), s);
            }
            b'-' | b'Z' => {
                for (form, tz) in TZ_FORMS {
                    if rest.starts_with(form) {
                        let (p, s) = at(form.len());
                        return (p, Some(Std::Tz(tz)), s);
                    }
                }
            }
            c @ (b'.' | b',') => {
                if let Some(&ch) = lb.get(i + 1)
                    && (ch == b'0' || ch == b'9')
                {
                    let mut j = i + 1;
                    while j < lb.len() && lb[j] == ch {
                        j += 1;
                    }
                    if !lb.get(j).is_some_and(u8::is_ascii_digit) {
                        let std = Std::Frac { sep: c as char, digits: j - (i + 1), trim: ch == b'9' };
                        return (&layout[..i], Some(std), &layout[j..]);
                    }
                }
            }
            _ => {}
        }
    }
    (layout, None, "")
}

// ---------------------------------------------------------------------------
// Parsing.

fn parse_error(layout: &str, value: &str, layout_elem: &str, value_elem: &str, message: &str) -> TimeError {
    if message.is_empty() {
        TimeError::Parse(format!(
            "parsing time {} as {}: cannot parse {} as {}",
            go_time_quote(value),
            go_time_quote(layout),
            go_time_quote(value_elem),
            go_time_quote(layout_elem)
        ))
    } else {
        TimeError::Parse(format!("parsing time {}{}", go_time_quote(value), message))
    }
}

fn cut_space(s: &str) -> &str {
    s.trim_start_matches(' ')
}

fn skip<'a>(mut value: &'a str, mut prefix: &str) -> Option<&'a str> {
    while !prefix.is_empty() {
        if prefix.starts_with(' ') {
            if !value.is_empty() && !value.starts_with(' ') {
                return None;
            }
            prefix = cut_space(prefix);
            value = cut_space(value);
            continue;
        }
        let (p, v) = (prefix.as_bytes(), value.as_bytes());
        if v.first() != p.first() {
            return None;
        }
        prefix = prefix.get(1..)?;
        value = value.get(1..)?;
    }
    Some(value)
}

/// Go's `getnum`/`getnum3`: up to `max` digits; `fixed` demands all of them.
fn get_num(s: &str, fixed: bool, max: usize) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut n = 0;
    let mut x = 0i64;
    while n < max && b.get(n).is_some_and(u8::is_ascii_digit) {
        x = x * 10 + i64::from(b[n] - b'0');
        n += 1;
    }
    if fixed && n != max {
        return None;
    }
    Some((x, &s[n..]))
}

fn lookup_name<'a>(tab: &[&str], val: &'a str, len: Option<usize>) -> Option<(usize, &'a str)> {
    for (i, full) in tab.iter().enumerate() {
        let name = match len {
            Some(l) => &full[..l],
            None => full,
        };
        if val.len() >= name.len() && val.as_bytes()[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
            return Some((i, &val[name.len()..]));
        }
    }
    None
}

fn parse_nanoseconds(value: &str, nbytes: usize) -> Option<i64> {
    let b = value.as_bytes();
    if !matches!(b.first(), Some(b'.' | b',')) || nbytes > b.len() {
        return None;
    }
    let digits = value.get(1..nbytes)?;
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut ns: i64 = 0;
    for (i, c) in digits.bytes().take(9).enumerate() {
        let _ = i;
        ns = ns * 10 + i64::from(c - b'0');
    }
    for _ in digits.len().min(9)..9 {
        ns *= 10;
    }
    Some(ns)
}

/// Go's `parseTimeZone`: the length of a zone abbreviation at the start of `value`.
fn parse_time_zone(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if b.len() >= 4 && (&b[..4] == b"ChST" || &b[..4] == b"MeST") {
        return Some(4);
    }
    if &b[..3] == b"GMT" {
        return Some(parse_gmt(value));
    }
    if b[0] == b'+' || b[0] == b'-' {
        return parse_sign_off(value);
    }
    let mut n = 0;
    while n < b.len() && b[n].is_ascii_uppercase() {
        n += 1;
    }
    match n {
        0..=2 => None,
        3 => Some(3),
        4 if b[3] == b'T' => Some(4),
        5 if b[4] == b'T' => Some(5),
        4 | 5 => None,
        _ => None,
    }
}

fn parse_gmt(value: &str) -> usize {
    let rest = &value[3..];
    if rest.is_empty() {
        return 3;
    }
    parse_sign_off(rest).map_or(3, |n| 3 + n)
}

fn parse_sign_off(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.is_empty() || (b[0] != b'+' && b[0] != b'-') {
        return None;
    }
    let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let x: i64 = value[1..1 + digits].parse().ok()?;
    if !(-23..=23).contains(&x) {
        return None;
    }
    Some(1 + digits)
}

/// `time.ParseInLocation(layout, value, loc)`.
pub fn parse_in_location(layout: &str, value: &str, local: &Location) -> Result<Time, TimeError> {
    let (alayout, avalue) = (layout, value);
    let mut layout = layout;
    let mut value = value;
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let (mut pm_set, mut am_set) = (false, false);
    let mut z: Option<Location> = None;
    let mut zone_offset: Option<i32> = None;
    let mut zone_name = String::new();
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        let std_str = &layout[prefix.len()..layout.len() - suffix.len()];
        value = skip(value, prefix).ok_or_else(|| parse_error(alayout, avalue, prefix, value, ""))?;
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(parse_error(
                    alayout,
                    avalue,
                    "",
                    value,
                    &format!(": extra text: {}", go_time_quote(value)),
                ));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let bad = |range: bool| {
            if range {
                parse_error(alayout, avalue, std_str, hold, &format!(": {} out of range", range_name(std)))
            } else {
                parse_error(alayout, avalue, std_str, hold, "")
            }
        };
        match std {
            Std::Year => {
                let p = value.get(..2).filter(|p| p.bytes().all(|c| c.is_ascii_digit())).ok_or_else(|| bad(false))?;
                let y: i64 = p.parse().map_err(|_| bad(false))?;
                year = if y >= 69 { y + 1900 } else { y + 2000 };
                value = &value[2..];
            }
            Std::LongYear => {
                let p = value.get(..4).filter(|p| p.bytes().all(|c| c.is_ascii_digit())).ok_or_else(|| bad(false))?;
                year = p.parse().map_err(|_| bad(false))?;
                value = &value[4..];
            }
            Std::Month | Std::LongMonth => {
                let (m, rest) =
                    lookup_name(&MONTHS, value, (std == Std::Month).then_some(3)).ok_or_else(|| bad(false))?;
                month = m as i64 + 1;
                value = rest;
            }
            Std::NumMonth | Std::ZeroMonth => {
                let (m, rest) = get_num(value, std == Std::ZeroMonth, 2).ok_or_else(|| bad(false))?;
                if !(1..=12).contains(&m) {
                    return Err(bad(true));
                }
                month = m;
                value = rest;
            }
            Std::WeekDay | Std::LongWeekDay => {
                let (_, rest) =
                    lookup_name(&DAYS, value, (std == Std::WeekDay).then_some(3)).ok_or_else(|| bad(false))?;
                value = rest;
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay && value.starts_with(' ') {
                    value = &value[1..];
                }
                let (d, rest) = get_num(value, std == Std::ZeroDay, 2).ok_or_else(|| bad(false))?;
                day = d;
                value = rest;
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                for _ in 0..2 {
                    if std == Std::UnderYearDay && value.starts_with(' ') {
                        value = &value[1..];
                    }
                }
                let (d, rest) = get_num(value, std == Std::ZeroYearDay, 3).ok_or_else(|| bad(false))?;
                if !(1..=366).contains(&d) {
                    return Err(bad(true));
                }
                yday = d;
                value = rest;
            }
            Std::Hour => {
                let (h, rest) = get_num(value, false, 2).ok_or_else(|| bad(false))?;
                if !(0..24).contains(&h) {
                    return Err(bad(true));
                }
                hour = h;
                value = rest;
            }
            Std::Hour12 | Std::ZeroHour12 => {
                let (h, rest) = get_num(value, std == Std::ZeroHour12, 2).ok_or_else(|| bad(false))?;
                if !(0..=12).contains(&h) {
                    return Err(bad(true));
                }
                hour = h;
                value = rest;
            }
            Std::Minute | Std::ZeroMinute => {
                let (m, rest) = get_num(value, std == Std::ZeroMinute, 2).ok_or_else(|| bad(false))?;
                if !(0..60).contains(&m) {
                    return Err(bad(true));
                }
                min = m;
                value = rest;
            }
            Std::Second | Std::ZeroSecond => {
                let (s, rest) = get_num(value, std == Std::ZeroSecond, 2).ok_or_else(|| bad(false))?;
                if !(0..60).contains(&s) {
                    return Err(bad(true));
                }
                sec = s;
                value = rest;
                // A fractional second in the value but not in the layout is accepted.
                let vb = value.as_bytes();
                if vb.len() >= 2 && matches!(vb[0], b'.' | b',') && vb[1].is_ascii_digit() {
                    let (_, next, _) = next_std_chunk(layout);
                    if !matches!(next, Some(Std::Frac { .. })) {
                        let n = 2 + vb[2..].iter().take_while(|c| c.is_ascii_digit()).count();
                        nsec = parse_nanoseconds(value, n).ok_or_else(|| bad(false))?;
                        value = &value[n..];
                    }
                }
            }
            Std::PM | Std::Pm => {
                let p = value.get(..2).ok_or_else(|| bad(false))?;
                match (std, p) {
                    (Std::PM, "PM") | (Std::Pm, "pm") => pm_set = true,
                    (Std::PM, "AM") | (Std::Pm, "am") => am_set = true,
                    _ => return Err(bad(false)),
                }
                value = &value[2..];
            }
            Std::Tz(tz) => {
                if tz.iso && value.starts_with('Z') {
                    value = &value[1..];
                    z = Some(Location::utc());
                    continue;
                }
                let vb = value.as_bytes();
                let need = 3
                    + if tz.short { 0 } else { 2 + usize::from(tz.colon) }
                    + if tz.seconds { 2 + usize::from(tz.colon) } else { 0 };
                if vb.len() < need {
                    return Err(bad(false));
                }
                let digits2 = |at: usize| -> Option<i64> {
                    let s = value.get(at..at + 2)?;
                    s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok()).flatten()
                };
                let sign = vb[0];
                let hh = digits2(1).ok_or_else(|| bad(false))?;
                let mut at = 3;
                let mut mm = 0;
                let mut ss = 0;
                if !tz.short {
                    if tz.colon {
                        if vb[at] != b':' {
                            return Err(bad(false));
                        }
                        at += 1;
                    }
                    mm = digits2(at).ok_or_else(|| bad(false))?;
                    at += 2;
                }
                if tz.seconds {
                    if tz.colon {
                        if vb.get(at) != Some(&b':') {
                            return Err(bad(false));
                        }
                        at += 1;
                    }
                    ss = digits2(at).ok_or_else(|| bad(false))?;
                    at += 2;
                }
                if hh > 24 || mm >= 60 || ss >= 60 {
                    return Err(bad(true));
                }
                let mut off = ((hh * 60 + mm) * 60 + ss) as i32;
                match sign {
                    b'+' => {}
                    b'-' => off = -off,
                    _ => return Err(bad(false)),
                }
                zone_offset = Some(off);
                value = &value[at..];
            }
            Std::ZoneName => {
                if value.starts_with("UTC") {
                    z = Some(Location::utc());
                    value = &value[3..];
                    continue;
                }
                let n = parse_time_zone(value).ok_or_else(|| bad(false))?;
                zone_name = value[..n].to_string();
                value = &value[n..];
            }
            Std::Frac { digits, trim, .. } => {
                if !trim {
                    let ndigit = 1 + digits;
                    if value.len() < ndigit {
                        return Err(bad(false));
                    }
                    nsec = parse_nanoseconds(value, ndigit).ok_or_else(|| bad(false))?;
                    value = &value[ndigit..];
                } else {
                    let vb = value.as_bytes();
                    if vb.len() < 2 || !matches!(vb[0], b'.' | b',') || !vb[1].is_ascii_digit() {
                        continue;
                    }
                    let i = vb[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    nsec = parse_nanoseconds(value, 1 + i).ok_or_else(|| bad(false))?;
                    value = &value[1 + i..];
                }
            }
        }
    }
    if pm_set && hour < 12 {
        hour += 12;
    } else if am_set && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let (mut m, mut d) = (0, yday);
        if is_leap(year) && d == 60 {
            m = 2;
            d = 29;
        } else {
            if is_leap(year) && d > 60 {
                d -= 1;
            }
            let cum = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
            for (i, w) in cum.windows(2).enumerate() {
                if d > w[0] && d <= w[1] {
                    m = i as i64 + 1;
                    d -= w[0];
                    break;
                }
            }
        }
        if m == 0 {
            return Err(parse_error(alayout, avalue, "", value, ": day-of-year out of range"));
        }
        if month >= 0 && month != m {
            return Err(parse_error(alayout, avalue, "", value, ": day-of-year does not match month"));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(parse_error(alayout, avalue, "", value, ": day-of-year does not match day"));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(parse_error(alayout, avalue, "", value, ": day out of range"));
    }
    if let Some(z) = z {
        return Ok(Time::date(year, month, day, hour, min, sec, nsec, &z));
    }
    if let Some(off) = zone_offset {
        let t = Time::date(year, month, day, hour, min, sec, nsec, &Location::utc());
        let unix = t.unix - i64::from(off);
        let (name, loff) = local.lookup(unix);
        if loff == off && (zone_name.is_empty() || name == zone_name) {
            return Ok(Time { unix, nsec: t.nsec, loc: local.clone() });
        }
        return Ok(Time { unix, nsec: t.nsec, loc: Location::fixed(&zone_name, off) });
    }
    if !zone_name.is_empty() {
        let t = Time::date(year, month, day, hour, min, sec, nsec, &Location::utc());
        if let Some(off) = local.lookup_name(&zone_name, t.unix) {
            return Ok(Time { unix: t.unix - i64::from(off), nsec: t.nsec, loc: local.clone() });
        }
        let mut off = 0;
        if zone_name.len() > 3 && zone_name.starts_with("GMT") {
            off = zone_name[3..].parse::<i32>().unwrap_or(0) * 3600;
        }
        return Ok(Time { unix: t.unix - i64::from(off), nsec: t.nsec, loc: Location::fixed(&zone_name, off) });
    }
    Ok(Time::date(year, month, day, hour, min, sec, nsec, local))
}

fn range_name(std: Std) -> &'static str {
    match std {
        Std::NumMonth | Std::ZeroMonth => "month",
        Std::UnderYearDay | Std::ZeroYearDay => "day-of-year",
        Std::Hour | Std::Hour12 | Std::ZeroHour12 => "hour",
        Std::Minute | Std::ZeroMinute => "minute",
        Std::Second | Std::ZeroSecond => "second",
        Std::Tz(_) => "time zone offset",
        _ => "value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_reference_layouts() {
        // Go's reference time in a fixed -07:00 zone named MST.
        let mst = Location::fixed("MST", -7 * 3600);
        let t = Time::date(2006, 1, 2, 15, 4, 5, 123_456_789, &mst);
        let cases = [
            ("2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05-07:00"),
            ("Mon Jan _2 15:04:05 2006", "Mon Jan  2 15:04:05 2006"),
            ("Mon Jan _2 15:04:05 MST 2006", "Mon Jan  2 15:04:05 MST 2006"),
            ("02 Jan 06 15:04 -0700", "02 Jan 06 15:04 -0700"),
            ("Monday, 02-Jan-06 15:04:05 MST", "Monday, 02-Jan-06 15:04:05 MST"),
            ("3:04PM", "3:04PM"),
            ("Jan _2 15:04:05.000000", "Jan  2 15:04:05.123456"),
            ("2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05.123456789 -0700 MST"),
            ("2006-01-02", "2006-01-02"),
            ("January 2 2006 3pm", "January 2 2006 3pm"),
            ("002 __2", "002   2"),
        ];
        for (layout, want) in cases {
            assert_eq!(t.format(layout), want, "{layout}");
        }
        let utc = t.in_location(&Location::utc());
        assert_eq!(utc.format(time_rfc3339()), "2006-01-02T22:04:05Z");
        assert_eq!(Time::zero().format("2006-01-02 15:04:05"), "0001-01-01 00:00:00");
    }

    fn time_rfc3339() -> &'static str {
        "2006-01-02T15:04:05Z07:00"
    }

    #[test]
    fn parse_round_trips_and_errors() {
        let utc = Location::utc();
        let t = parse_in_location("2006-01-02", "2016-06-14", &utc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.unix(), 1_465_862_400);
        let t = parse_in_location(time_rfc3339(), "2006-01-02T15:04:05+07:00", &utc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.format(time_rfc3339()), "2006-01-02T15:04:05+07:00");
        assert_eq!(t.unix(), 1_136_189_045);
        let t = parse_in_location("2006-01-02 15:04:05", "2010-02-04 21:00:57.012345678", &utc)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.nanosecond(), 12_345_678);
        let err = parse_in_location("2006-01-02", "2016-13-14", &utc).map_err(|e| e.to_string());
        assert_eq!(err, Err("parsing time \"2016-13-14\": month out of range".to_string()));
        let err = parse_in_location("2006-01-02", "junk", &utc).map_err(|e| e.to_string());
        assert_eq!(err, Err("parsing time \"junk\" as \"2006-01-02\": cannot parse \"junk\" as \"2006\"".to_string()));
        let err = parse_in_location("2006-01-02", "2016-02-30", &utc).map_err(|e| e.to_string());
        assert_eq!(err, Err("parsing time \"2016-02-30\": day out of range".to_string()));
    }

    #[test]
    fn named_zones_come_from_zoneinfo() {
        let berlin = Location::load("Europe/Berlin").unwrap_or_else(|e| panic!("{e}"));
        let summer = Time::from_unix(1_560_458_379, 0).in_location(&berlin);
        assert_eq!(summer.format("2006-01-02 15:04:05 -0700 MST"), "2019-06-13 22:39:39 +0200 CEST");
        let winter = Time::from_unix(1_576_269_579, 0).in_location(&berlin);
        assert_eq!(winter.format("15:04 MST"), "21:39 CET");
        assert!(Location::load("Not/AZone").is_err());
        assert!(Location::load("../etc/passwd").is_err());
        // Parsing a zone abbreviation known to the location uses its offset.
        let t = parse_in_location("2006-01-02 15:04 MST", "2019-06-13 22:39 CEST", &berlin)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.unix(), 1_560_458_340);
    }
}
