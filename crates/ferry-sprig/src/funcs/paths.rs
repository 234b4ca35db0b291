//! Go's `path` and (Unix) `path/filepath` functions: `base`, `dir`, `clean`,
//! `ext`, `isAbs` and their `os*` twins.

use ferry_gotmpl::{Function, Type, Value};

use super::{FuncMap, add, ok_str, s, t_str};

/// `path.Clean`.
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let p = path.as_bytes();
    let rooted = p[0] == b'/';
    let n = p.len();
    // Go's lazybuf: `buf[..w]` is the output so far; bytes past `w` are stale.
    let mut buf: Vec<u8> = Vec::with_capacity(n);
    let mut w = 0usize;
    let put = |buf: &mut Vec<u8>, w: &mut usize, c: u8| {
        if *w < buf.len() {
            buf[*w] = c;
        } else {
            buf.push(c);
        }
        *w += 1;
    };
    let (mut r, mut dotdot) = (0usize, 0usize);
    if rooted {
        put(&mut buf, &mut w, b'/');
        r = 1;
        dotdot = 1;
    }
    while r < n {
        if p[r] == b'/' || (p[r] == b'.' && (r + 1 == n || p[r + 1] == b'/')) {
            r += 1;
        } else if p[r] == b'.' && p.get(r + 1) == Some(&b'.') && (r + 2 == n || p[r + 2] == b'/') {
            r += 2;
            if w > dotdot {
                w -= 1;
                while w > dotdot && buf[w] != b'/' {
                    w -= 1;
                }
            } else if !rooted {
                if w > 0 {
                    put(&mut buf, &mut w, b'/');
                }
                put(&mut buf, &mut w, b'.');
                put(&mut buf, &mut w, b'.');
                dotdot = w;
            }
        } else {
            if (rooted && w != 1) || (!rooted && w != 0) {
                put(&mut buf, &mut w, b'/');
            }
            while r < n && p[r] != b'/' {
                put(&mut buf, &mut w, p[r]);
                r += 1;
            }
        }
    }
    if w == 0 {
        return ".".into();
    }
    String::from_utf8_lossy(&buf[..w]).into_owned()
}

/// `path.Base`.
pub fn base(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    match trimmed.rfind('/') {
        Some(i) => trimmed[i + 1..].to_string(),
        None => trimmed.to_string(),
    }
}

/// `path.Dir`.
pub fn dir(path: &str) -> String {
    let cut = path.rfind('/').map_or(0, |i| i + 1);
    clean(&path[..cut])
}

/// `path.Ext`.
pub fn ext(path: &str) -> String {
    for (i, b) in path.bytes().enumerate().rev() {
        match b {
            b'/' => break,
            b'.' => return path[i..].to_string(),
            _ => {}
        }
    }
    String::new()
}

pub(super) fn register(m: &mut FuncMap) {
    for prefix in ["", "os"] {
        let name =
            |n: &str| if prefix.is_empty() { n.to_string() } else { format!("os{}{}", n[..1].to_uppercase(), &n[1..]) };
        add(m, &name("base"), Function::new(vec![t_str()], |_, a| ok_str(base(s(a, 0)))).returns(t_str()));
        add(m, &name("dir"), Function::new(vec![t_str()], |_, a| ok_str(dir(s(a, 0)))).returns(t_str()));
        add(m, &name("clean"), Function::new(vec![t_str()], |_, a| ok_str(clean(s(a, 0)))).returns(t_str()));
        add(m, &name("ext"), Function::new(vec![t_str()], |_, a| ok_str(ext(s(a, 0)))).returns(t_str()));
        add(
            m,
            &name("isAbs"),
            Function::new(vec![t_str()], |_, a| Ok(Value::Bool(s(a, 0).starts_with('/')))).returns(Type::Bool),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_follows_go() {
        // From Go's path_test.go cleantests.
        let cases = [
            ("", "."),
            ("abc", "abc"),
            ("abc/def", "abc/def"),
            ("a/b/c", "a/b/c"),
            (".", "."),
            ("..", ".."),
            ("../..", "../.."),
            ("../../abc", "../../abc"),
            ("/abc", "/abc"),
            ("/", "/"),
            ("abc/", "abc"),
            ("abc/def/", "abc/def"),
            ("/abc/", "/abc"),
            ("abc//def//ghi", "abc/def/ghi"),
            ("//abc", "/abc"),
            ("abc//", "abc"),
            ("abc/./def", "abc/def"),
            ("/./abc/def", "/abc/def"),
            ("abc/.", "abc"),
            ("abc/def/ghi/../jkl", "abc/def/jkl"),
            ("abc/def/../ghi/../jkl", "abc/jkl"),
            ("abc/def/..", "abc"),
            ("abc/def/../..", "."),
            ("/abc/def/../..", "/"),
            ("abc/def/../../..", ".."),
            ("/abc/def/../../..", "/"),
            ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
            ("abc/./../def", "def"),
            ("abc//./../def", "def"),
            ("abc/../../././../def", "../../def"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input), want, "{input}");
        }
        // From sprig functions_test.go TestBase/TestDir/TestExt.
        assert_eq!(base("foo/bar"), "bar");
        assert_eq!(dir("foo/bar/baz"), "foo/bar");
        assert_eq!(ext("/foo/bar/baz.txt"), ".txt");
        assert_eq!(base(""), ".");
        assert_eq!(base("///"), "/");
    }
}
