//! Sprig `url.go`: `urlParse` and `urlJoin` over a port of the parts of Go's
//! `net/url` they use (`Parse`, `URL.String`, userinfo and host handling).

use std::collections::BTreeMap;

use ferry_gostd::strconv;
use ferry_gotmpl::{Function, Value};

use super::{FuncMap, add, fail, map_arg, ok_str, s, t_map, t_str};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    Fragment,
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone) && b"!$&'()*+,;=:[]<>\"".contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::Fragment => false,
                Mode::Host | Mode::Zone => true,
            };
        }
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if should_escape(c, mode) {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push(char::from(c));
        }
    }
    out
}

fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
                let (Some(h), Some(l)) = (hex(b.get(i + 1)), hex(b.get(i + 2))) else {
                    let end = (i + 3).min(b.len());
                    return Err(format!("invalid URL escape {}", strconv::quote(&String::from_utf8_lossy(&b[i..end]))));
                };
                if mode == Mode::Host && h < 8 && &b[i..i + 3] != b"%25" {
                    return Err(format!(
                        "invalid URL escape {}",
                        strconv::quote(&String::from_utf8_lossy(&b[i..i + 3]))
                    ));
                }
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(format!("invalid character {} in host name", strconv::quote(&(c as char).to_string())));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The fields of a parsed URL that Sprig exposes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Url {
    /// Lower-cased scheme.
    pub scheme: String,
    /// Opaque part (`mailto:x`).
    pub opaque: String,
    /// Username and optional password.
    pub user: Option<(String, Option<String>)>,
    /// Host, possibly with port.
    pub host: String,
    /// Unescaped path.
    pub path: String,
    /// Raw query without `?`.
    pub raw_query: String,
    /// Unescaped fragment.
    pub fragment: String,
    force_query: bool,
    omit_host: bool,
}

fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".into());
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn valid_optional_port(port: &str) -> bool {
    if port.is_empty() {
        return true;
    }
    port.strip_prefix(':').is_some_and(|p| p.bytes().all(|c| c.is_ascii_digit()))
}

fn parse_host(host: &str) -> Result<String, String> {
    if let Some(rest) = host.strip_prefix('[') {
        let Some(i) = rest.rfind(']') else {
            return Err("missing ']' in host".into());
        };
        let colon_port = &rest[i + 1..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {} after host", strconv::quote(colon_port)));
        }
        let inner = &rest[..i];
        if let Some(z) = inner.find("%25") {
            let h1 = unescape(&format!("[{}", &inner[..z]), Mode::Host)?;
            let h2 = unescape(&inner[z..], Mode::Zone)?;
            let h3 = unescape(colon_port, Mode::Host)?;
            return Ok(h1 + &h2 + "]" + &h3);
        }
    } else if let Some(i) = host.rfind(':') {
        let colon_port = &host[i..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {} after host", strconv::quote(colon_port)));
        }
    }
    unescape(host, Mode::Host)
}

fn valid_userinfo(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c))
}

/// Go's `url.Parse`; errors are worded as `*url.Error`.
pub fn parse(raw: &str) -> Result<Url, String> {
    let wrap = |u: &str, e: String| format!("parse {}: {e}", strconv::quote(u));
    let (u, frag) = raw.split_once('#').unwrap_or((raw, ""));
    let mut url = parse_no_fragment(u).map_err(|e| wrap(u, e))?;
    if !frag.is_empty() {
        url.fragment = unescape(frag, Mode::Fragment).map_err(|e| wrap(raw, e))?;
    }
    Ok(url)
}

fn parse_no_fragment(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|c| c < 0x20 || c == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let (scheme, mut rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        url.raw_query = q.to_string();
        rest = r;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest.to_string();
            return Ok(url);
        }
        if rest.split('/').next().is_some_and(|seg| seg.contains(':')) {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let mut authority = &rest[2..];
        rest = "";
        if let Some(i) = authority.find('/') {
            rest = &authority[i..];
            authority = &authority[..i];
        }
        let (user, host) = match authority.rfind('@') {
            None => (None, parse_host(authority)?),
            Some(i) => {
                let host = parse_host(&authority[i + 1..])?;
                let info = &authority[..i];
                if !valid_userinfo(info) {
                    return Err("net/url: invalid userinfo".into());
                }
                let user = match info.split_once(':') {
                    None => (unescape(info, Mode::UserPassword)?, None),
                    Some((u, p)) => (unescape(u, Mode::UserPassword)?, Some(unescape(p, Mode::UserPassword)?)),
                };
                (Some(user), host)
            }
        };
        url.user = user;
        url.host = host;
    } else if !url.scheme.is_empty() && rest.starts_with('/') {
        url.omit_host = true;
    }
    url.path = unescape(rest, Mode::Path)?;
    Ok(url)
}

impl Url {
    /// `url.Hostname()`.
    pub fn hostname(&self) -> String {
        let host = &self.host;
        if let Some(rest) = host.strip_prefix('[') {
            return rest.find(']').map_or(rest, |i| &rest[..i]).to_string();
        }
        host.rfind(':').map_or(host.as_str(), |i| &host[..i]).to_string()
    }

    /// `Userinfo.String()`.
    pub fn userinfo(&self) -> String {
        match &self.user {
            None => String::new(),
            Some((u, None)) => escape(u, Mode::UserPassword),
            Some((u, Some(p))) => format!("{}:{}", escape(u, Mode::UserPassword), escape(p, Mode::UserPassword)),
        }
    }

    /// `URL.String()`.
    pub fn to_go_string(&self) -> String {
        let mut buf = String::new();
        if !self.scheme.is_empty() {
            buf.push_str(&self.scheme);
            buf.push(':');
        }
        if !self.opaque.is_empty() {
            buf.push_str(&self.opaque);
        } else {
            let has_authority = !self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some();
            let omit_empty_host = self.omit_host && self.host.is_empty() && self.user.is_none();
            if has_authority && !omit_empty_host {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.push_str("//");
                }
                if self.user.is_some() {
                    buf.push_str(&self.userinfo());
                    buf.push('@');
                }
                if !self.host.is_empty() {
                    buf.push_str(&escape(&self.host, Mode::Host));
                }
            }
            let path = if self.path == "*" { "*".to_string() } else { escape(&self.path, Mode::Path) };
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                buf.push('/');
            }
            if buf.is_empty() && path.split('/').next().is_some_and(|seg| seg.contains(':')) {
                buf.push_str("./");
            }
            buf.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            buf.push('?');
            buf.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            buf.push('#');
            buf.push_str(&escape(&self.fragment, Mode::Fragment));
        }
        buf
    }
}

fn meta_string(d: &BTreeMap<String, Value>, key: &str) -> String {
    d.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

pub(super) fn register(m: &mut FuncMap) {
    add(
        m,
        "urlParse",
        Function::new(vec![t_str()], |_, a| {
            let u = match parse(s(a, 0)) {
                Ok(u) => u,
                Err(e) => return fail(format!("unable to parse url: {e}")),
            };
            let mut d = BTreeMap::new();
            d.insert("scheme".into(), Value::from(u.scheme.as_str()));
            d.insert("host".into(), Value::from(u.host.as_str()));
            d.insert("hostname".into(), Value::from(u.hostname()));
            d.insert("path".into(), Value::from(u.path.as_str()));
            d.insert("query".into(), Value::from(u.raw_query.as_str()));
            d.insert("opaque".into(), Value::from(u.opaque.as_str()));
            d.insert("fragment".into(), Value::from(u.fragment.as_str()));
            d.insert("userinfo".into(), Value::from(u.userinfo()));
            Ok(Value::map(d))
        })
        .returns(t_map()),
    );
    add(
        m,
        "urlJoin",
        Function::new(vec![t_map()], |_, a| {
            let d = map_arg(a, 0);
            let mut u = Url {
                scheme: meta_string(&d, "scheme"),
                host: meta_string(&d, "host"),
                path: meta_string(&d, "path"),
                raw_query: meta_string(&d, "query"),
                opaque: meta_string(&d, "opaque"),
                fragment: meta_string(&d, "fragment"),
                ..Url::default()
            };
            let userinfo = meta_string(&d, "userinfo");
            if !userinfo.is_empty() {
                match parse(&format!("proto://{userinfo}@host")) {
                    Ok(t) => u.user = t.user,
                    Err(e) => return fail(format!("unable to parse userinfo in dict: {e}")),
                }
            }
            ok_str(u.to_go_string())
        })
        .returns(t_str()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parse_and_join_follow_sprig() {
        // From sprig url_test.go.
        let u = parse("proto://auth@host:80/path?query#fragment").unwrap_or_default();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.hostname().as_str(), u.path.as_str()),
            ("proto", "host:80", "host", "/path")
        );
        assert_eq!((u.raw_query.as_str(), u.fragment.as_str(), u.userinfo().as_str()), ("query", "fragment", "auth"));
        assert_eq!(u.to_go_string(), "proto://auth@host:80/path?query#fragment");
        let joined = Url { scheme: "proto".into(), host: "host:80".into(), path: "/path".into(), ..Url::default() };
        assert_eq!(joined.to_go_string(), "proto://host:80/path");
        let opaque = Url { scheme: "mailto".into(), opaque: "user@example.com".into(), ..Url::default() };
        assert_eq!(opaque.to_go_string(), "mailto:user@example.com");
        assert!(parse("http://[::1").is_err());
        assert_eq!(parse("a b").map(|u| u.path), Ok("a b".to_string()));
    }
}
