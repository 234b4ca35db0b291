//! Go's `regexp` (RE2 syntax) over the `regex` crate, as Sprig's regex functions
//! use it. The match loops (`FindAll`, `ReplaceAll`, `Split`) and `$1`/`${name}`
//! expansion are ported from Go's `regexp.go` so empty-match handling agrees.
//!
//! Differences bridged here: Go's `\d \s \w \b` are ASCII-only (Rust's are
//! Unicode), Go accepts `\Q...\E`, and Go's `QuoteMeta` escapes a smaller set.
//! Known remaining differences: Go's 1000 repetition limit and octal escapes
//! are not reproduced, and compile error texts after `error parsing regexp: `
//! are Go's only for the common cases mapped in [`compile`].

use regex::Regex;

/// A compile failure, worded as Go's `regexp.Compile` error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("error parsing regexp: {0}")]
pub struct RegexError(pub String);

impl RegexError {
    /// The panic text of `regexp.MustCompile`, which the non-`must` Sprig functions
    /// surface (text/template turns the panic into the call's error).
    pub fn must_compile_message(&self, pattern: &str) -> String {
        format!("regexp: Compile({}): {}", quote_pattern(pattern), self)
    }
}

/// Go's `regexp.quote`: backquoted if possible, else `strconv.Quote`.
fn quote_pattern(s: &str) -> String {
    let can_backquote =
        !s.contains('`') && s.chars().all(|c| c == '\t' || (c >= ' ' && c != '\u{7f}' && c != '\u{feff}'));
    if can_backquote { format!("`{s}`") } else { format!("{s:?}") }
}

const ASCII_CLASSES: [(char, &str, &str); 3] =
    [('d', "0-9", "[0-9]"), ('s', r"\t\n\f\r ", r"[\t\n\f\r ]"), ('w', "0-9A-Za-z_", "[0-9A-Za-z_]")];

/// Rewrites Go RE2 syntax into the `regex` crate's, keeping meaning.
fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    out.push('\\');
                    break;
                };
                if e == 'Q' {
                    // Literal text up to \E (or the end).
                    let mut lit = String::new();
                    while let Some(x) = chars.next() {
                        if x == '\\' && chars.peek() == Some(&'E') {
                            chars.next();
                            break;
                        }
                        lit.push(x);
                    }
                    out.push_str(&regex::escape(&lit));
                    continue;
                }
                let lower = e.to_ascii_lowercase();
                if let Some((_, inner, whole)) = ASCII_CLASSES.iter().find(|(k, _, _)| *k == lower) {
                    let negated = e.is_ascii_uppercase();
                    match (class_depth > 0, negated) {
                        (true, false) => out.push_str(inner),
                        (true, true) => {
                            out.push_str("[^");
                            out.push_str(inner);
                            out.push(']');
                        }
                        (false, false) => out.push_str(whole),
                        (false, true) => {
                            out.push_str("[^");
                            out.push_str(inner);
                            out.push(']');
                        }
                    }
                    continue;
                }
                if (e == 'b' || e == 'B') && class_depth == 0 {
                    out.push_str(if e == 'b' { r"(?-u:\b)" } else { r"(?-u:\B)" });
                    continue;
                }
                out.push('\\');
                out.push(e);
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                // A leading ^ and a leading ] belong to the class, as in Go.
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
                if chars.peek() == Some(&']') {
                    chars.next();
                    out.push_str(r"\]");
                }
                // POSIX classes `[:alpha:]` are passed through whole.
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
            }
            ':' if class_depth > 0 && out.ends_with('[') => {
                // Inside `[[:alpha:]]`: copy through the closing `:]`.
                out.push(':');
                for x in chars.by_ref() {
                    out.push(x);
                    if x == ']' {
                        break;
                    }
                }
                class_depth = class_depth.saturating_sub(1);
            }
            // Rust treats these as class set operators inside brackets; Go as literals.
            '&' | '~' | '-' if class_depth > 0 && chars.peek() == Some(&c) => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Compiles a Go regular expression.
pub fn compile(pattern: &str) -> Result<Regex, RegexError> {
    let translated = translate(pattern);
    regex::RegexBuilder::new(&translated)
        .size_limit(1 << 23)
        .build()
        .map_err(|e| RegexError(go_error_text(pattern, &e)))
}

fn go_error_text(pattern: &str, err: &regex::Error) -> String {
    let text = err.to_string();
    if text.contains("unclosed character class") {
        let at = pattern.rfind('[').unwrap_or(0);
        return format!("missing closing ]: `{}`", &pattern[at..]);
    }
    if text.contains("unclosed group") {
        return format!("missing closing ): `{pattern}`");
    }
    if text.contains("unopened group") {
        return format!("unexpected ): `{pattern}`");
    }
    if text.contains("repetition operator missing expression") {
        let op = pattern.chars().find(|c| matches!(c, '*' | '+' | '?')).unwrap_or('*');
        return format!("missing argument to repetition operator: `{op}`");
    }
    // Fall back to the regex crate's own description, on one line.
    text.lines().last().unwrap_or("").trim().trim_start_matches("error: ").to_string()
}

/// Go's `Regexp.FindAllStringIndex`-style loop: up to `n` matches (`n < 0`: all),
/// skipping an empty match right after the previous match.
fn all_matches<'h>(re: &Regex, s: &'h str, n: i64) -> Vec<regex::Captures<'h>> {
    let limit = if n < 0 { s.len() as i64 + 1 } else { n };
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut prev_end: Option<usize> = None;
    while (out.len() as i64) < limit && pos <= s.len() {
        let Some(caps) = re.captures_at(s, pos) else { break };
        let Some(m) = caps.get(0) else { break };
        let mut accept = true;
        if m.end() == pos {
            if Some(m.start()) == prev_end {
                accept = false;
            }
            pos += s[pos..].chars().next().map_or(1, char::len_utf8);
        } else {
            pos = m.end();
        }
        prev_end = Some(m.end());
        if accept {
            out.push(caps);
        }
    }
    out
}

/// `regexp.MatchString`.
pub fn is_match(pattern: &str, s: &str) -> Result<bool, RegexError> {
    Ok(compile(pattern)?.is_match(s))
}

/// `Regexp.FindAllString(s, n)`.
pub fn find_all(pattern: &str, s: &str, n: i64) -> Result<Vec<String>, RegexError> {
    let re = compile(pattern)?;
    Ok(all_matches(&re, s, n).iter().filter_map(|c| c.get(0)).map(|m| m.as_str().to_string()).collect())
}

/// `Regexp.FindString(s)`.
pub fn find(pattern: &str, s: &str) -> Result<String, RegexError> {
    Ok(compile(pattern)?.find(s).map(|m| m.as_str().to_string()).unwrap_or_default())
}

/// Go's `extract`: a `$name`/`${name}` reference at the start of `s`.
fn extract(s: &str) -> Option<(&str, Option<usize>, &str)> {
    let (brace, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let len: usize = body
        .char_indices()
        .find(|&(_, c)| !(c.is_alphabetic() || c.is_numeric() || c == '_'))
        .map_or(body.len(), |(i, _)| i);
    if len == 0 {
        return None;
    }
    let name = &body[..len];
    let mut rest = &body[len..];
    if brace {
        rest = rest.strip_prefix('}')?;
    }
    let mut num: Option<usize> = Some(0);
    for b in name.bytes() {
        num = match num {
            Some(n) if b.is_ascii_digit() && n < 100_000_000 => Some(n * 10 + usize::from(b - b'0')),
            _ => None,
        };
        if num.is_none() {
            break;
        }
    }
    if name.len() > 1 && name.starts_with('0') {
        num = None;
    }
    Some((name, num, rest))
}

/// `Regexp.Expand` of `template` for one match.
fn expand(re: &Regex, out: &mut String, mut template: &str, caps: &regex::Captures<'_>) {
    while let Some(i) = template.find('$') {
        out.push_str(&template[..i]);
        template = &template[i + 1..];
        if let Some(rest) = template.strip_prefix('$') {
            out.push('$');
            template = rest;
            continue;
        }
        let Some((name, num, rest)) = extract(template) else {
            out.push('$');
            continue;
        };
        template = rest;
        let group = match num {
            Some(n) => caps.get(n),
            None => re.capture_names().position(|n| n == Some(name)).and_then(|i| caps.get(i)),
        };
        if let Some(g) = group {
            out.push_str(g.as_str());
        }
    }
    out.push_str(template);
}

fn replace_with(re: &Regex, src: &str, mut repl: impl FnMut(&mut String, &regex::Captures<'_>)) -> String {
    let mut out = String::with_capacity(src.len());
    let mut last_match_end = 0usize;
    let mut search_pos = 0usize;
    while search_pos <= src.len() {
        let Some(caps) = re.captures_at(src, search_pos) else { break };
        let Some(m) = caps.get(0) else { break };
        out.push_str(&src[last_match_end..m.start()]);
        // No replacement for an empty match right after the previous match.
        if m.end() > last_match_end || m.start() == 0 {
            repl(&mut out, &caps);
        }
        last_match_end = m.end();
        let width = src[search_pos..].chars().next().map_or(1, char::len_utf8);
        if search_pos + width > m.end() {
            search_pos += width;
        } else if search_pos + 1 > m.end() {
            search_pos += 1;
        } else {
            search_pos = m.end();
        }
    }
    out.push_str(&src[last_match_end.min(src.len())..]);
    out
}

/// `Regexp.ReplaceAllString(src, repl)` with `$1`/`${name}` expansion.
pub fn replace_all(pattern: &str, src: &str, repl: &str) -> Result<String, RegexError> {
    let re = compile(pattern)?;
    Ok(replace_with(&re, src, |out, caps| expand(&re, out, repl, caps)))
}

/// `Regexp.ReplaceAllLiteralString(src, repl)`.
pub fn replace_all_literal(pattern: &str, src: &str, repl: &str) -> Result<String, RegexError> {
    let re = compile(pattern)?;
    Ok(replace_with(&re, src, |out, _| out.push_str(repl)))
}

/// `Regexp.Split(s, n)`.
pub fn split(pattern: &str, s: &str, n: i64) -> Result<Vec<String>, RegexError> {
    let re = compile(pattern)?;
    if n == 0 {
        return Ok(Vec::new());
    }
    if !pattern.is_empty() && s.is_empty() {
        return Ok(vec![String::new()]);
    }
    let matches = all_matches(&re, s, n);
    let mut out = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    for caps in &matches {
        let Some(m) = caps.get(0) else { continue };
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = m.start();
        if m.end() != 0 {
            out.push(s[beg..end].to_string());
        }
        beg = m.end();
    }
    if end != s.len() {
        out.push(s[beg..].to_string());
    }
    Ok(out)
}

/// `regexp.QuoteMeta`: escapes exactly Go's special characters.
pub fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T>(r: Result<T, RegexError>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn ascii_classes_like_go() {
        assert!(!ok(is_match(r"^\d$", "٣")));
        assert!(ok(is_match(r"^\d$", "3")));
        assert!(!ok(is_match(r"^\w+$", "héllo")));
        assert!(ok(is_match(r"^[\w.-]+$", "a.b-c_d")));
        assert!(ok(is_match(r"^[^\d]+$", "abc")));
        assert!(ok(is_match(r"\bfoo\b", "a foo b")));
        assert!(ok(is_match(r"^\Qa.b\E$", "a.b")));
        assert!(!ok(is_match(r"^\Qa.b\E$", "axb")));
        assert!(ok(is_match(r"^[[:alpha:]]+$", "abc")));
    }

    #[test]
    fn replace_and_expand_like_go() {
        // Cases from Go's regexp all_test.go replaceTests.
        let cases = [
            ("", "", "", ""),
            ("", "x", "", "x"),
            ("b*", "abc", "x", "xaxcx"),
            ("a+", "banana", "x", "bxnxnx"),
            ("(a)(b)?", "ab", "[$1$2]", "[ab]"),
            ("(?P<first>a)", "a", "${first}x", "ax"),
            ("(a)", "a", "$1x", ""),
            ("(a)", "a", "${1}x", "ax"),
            ("a", "a", "$$", "$"),
            ("a", "a", "$", "$"),
            ("(x)?", "", "[$1]", "[]"),
            ("abc", "abcdefg", "", "defg"),
            ("", "abc", "x", "xaxbxcx"),
            ("x*", "xxy", "-", "-y-"),
        ];
        for (pat, input, repl, want) in cases {
            assert_eq!(ok(replace_all(pat, input, repl)), want, "{pat} {input} {repl}");
        }
        assert_eq!(ok(replace_all_literal("a(x*)b", "-ab-axxb-", "$1")), "-$1-$1-");
    }

    #[test]
    fn find_all_and_split_like_go() {
        assert_eq!(ok(find_all("a|b", "abaabaccadaaae", 5)), ["a", "b", "a", "a", "b"]);
        assert_eq!(ok(find_all("a*", "baaab", -1)), ["", "aaa", ""]);
        // Cases from Go's regexp all_test.go splitTests.
        let cases: [(&str, &str, i64, &[&str]); 9] = [
            ("foo:and:bar", ":", -1, &["foo", "and", "bar"]),
            ("foo:and:bar", ":", 1, &["foo:and:bar"]),
            ("foo:and:bar", ":", 2, &["foo", "and:bar"]),
            ("foo:and:bar", "foo", -1, &["", ":and:bar"]),
            ("foo:and:bar", "bar", -1, &["foo:and:", ""]),
            ("foo:and:bar", "baz", -1, &["foo:and:bar"]),
            ("baabaab", "a*", -1, &["b", "b", "b"]),
            ("", "", -1, &[]),
            ("abc", "", -1, &["a", "b", "c"]),
        ];
        for (s, pat, n, want) in cases {
            assert_eq!(ok(split(pat, s, n)), want, "{s} {pat} {n}");
        }
    }

    #[test]
    fn go_syntax_that_rust_spells_differently_compiles() {
        // Go accepts escaped punctuation, POSIX classes, Unicode classes, flags and named groups.
        for pat in [
            r"a\/b",
            r"\-\#\@\:\~\&",
            r"[[:alnum:]_-]+",
            r"\pL+\p{Greek}",
            r"(?i)abc",
            r"(?P<x>a)(?s:.)",
            r"[a-]",
            r"[&&]",
            r"[~~]",
            r"x{2,}",
            r"\x{41}\z",
        ] {
            assert!(compile(pat).is_ok(), "{pat}");
        }
        assert!(ok(is_match(r"^[&&]+$", "&&")));
        assert!(ok(is_match(r"^[a-]+$", "a-a")));
    }

    #[test]
    fn quote_meta_and_errors() {
        assert_eq!(quote_meta("1.5-2.0?"), r"1\.5-2\.0\?");
        let err = compile("[").map_err(|e| e.must_compile_message("["));
        assert_eq!(err.err(), Some("regexp: Compile(`[`): error parsing regexp: missing closing ]: `[`".to_string()));
    }
}
