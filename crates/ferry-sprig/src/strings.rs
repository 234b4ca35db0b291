//! Sprig's string functions over plain Rust strings, with the semantics of the Go
//! code they call: `strings` (Title, Trim, Split...), Masterminds/goutils
//! (Abbreviate, Wrap, Initials, SwapCase, DeleteWhiteSpace) and huandu/xstrings
//! v1.5 (ToCamelCase, ToSnakeCase, ToKebabCase, Shuffle).
//!
//! Go slices strings by bytes; where that would cut a UTF-8 sequence, the Rust
//! result replaces the broken bytes with U+FFFD (Go would emit the raw bytes).

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// Go's `unicode.IsUpper` (category Lu).
pub fn is_upper(c: char) -> bool {
    c.general_category() == unicode_properties::GeneralCategory::UppercaseLetter
}

/// Go's `unicode.IsLower` (category Ll).
pub fn is_lower(c: char) -> bool {
    c.general_category() == unicode_properties::GeneralCategory::LowercaseLetter
}

/// Go's `unicode.IsTitle` (category Lt).
pub fn is_title(c: char) -> bool {
    c.general_category() == unicode_properties::GeneralCategory::TitlecaseLetter
}

/// Go's `unicode.IsLetter` (category L).
pub fn is_letter(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Letter
}

/// Go's `unicode.IsDigit` (category Nd).
pub fn is_digit(c: char) -> bool {
    c.general_category() == unicode_properties::GeneralCategory::DecimalNumber
}

/// Go's `unicode.IsNumber` (category N).
pub fn is_number(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Number
}

/// Go's `unicode.IsPunct` (category P).
pub fn is_punct(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Punctuation
}

/// Go's `unicode.IsSpace`.
pub fn is_space(c: char) -> bool {
    c.is_whitespace()
}

fn single(mut it: impl Iterator<Item = char>, orig: char) -> char {
    match (it.next(), it.next()) {
        (Some(c), None) => c,
        _ => orig,
    }
}

/// Go's `unicode.ToUpper`: the simple (one rune) mapping.
pub fn to_upper(c: char) -> char {
    single(c.to_uppercase(), c)
}

/// Go's `unicode.ToLower`: the simple (one rune) mapping.
pub fn to_lower(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    single(c.to_lowercase(), c)
}

/// Go's `unicode.ToTitle`.
pub fn to_title(c: char) -> char {
    match c {
        '\u{1C4}'..='\u{1C6}' => '\u{1C5}',
        '\u{1C7}'..='\u{1C9}' => '\u{1C8}',
        '\u{1CA}'..='\u{1CC}' => '\u{1CB}',
        '\u{1F1}'..='\u{1F3}' => '\u{1F2}',
        _ => to_upper(c),
    }
}

/// Go's `strings.ToUpper`.
pub fn upper(s: &str) -> String {
    s.chars().map(to_upper).collect()
}

/// Go's `strings.ToLower`.
pub fn lower(s: &str) -> String {
    s.chars().map(to_lower).collect()
}

/// Go's `strings.Title`.
pub fn title(s: &str) -> String {
    let is_separator = |r: char| {
        if r.is_ascii() {
            return !(r.is_ascii_alphanumeric() || r == '_');
        }
        if is_letter(r) || is_digit(r) {
            return false;
        }
        is_space(r)
    };
    let mut prev = ' ';
    s.chars()
        .map(|r| {
            let out = if is_separator(prev) { to_title(r) } else { r };
            prev = r;
            out
        })
        .collect()
}

/// Go's `strings.Trim(s, cutset)`.
pub fn trim_cutset(s: &str, cutset: &str) -> String {
    s.trim_matches(|c| cutset.contains(c)).to_string()
}

/// Bytes of `s` in `[a, b)`, as Go's `s[a:b]` would give them (lossy at cut UTF-8).
pub fn byte_slice(s: &str, a: usize, b: usize) -> String {
    let bytes = s.as_bytes();
    let (a, b) = (a.min(bytes.len()), b.min(bytes.len()));
    String::from_utf8_lossy(bytes.get(a..b.max(a)).unwrap_or(&[])).into_owned()
}

/// Sprig's `trunc`: the first `c` bytes, or with `c < 0` the last `-c` bytes.
pub fn trunc(c: i64, s: &str) -> String {
    let len = s.len() as i64;
    if c < 0 && len + c > 0 {
        return byte_slice(s, (len + c) as usize, s.len());
    }
    if c >= 0 && len > c {
        return byte_slice(s, 0, c as usize);
    }
    s.to_string()
}

/// Sprig's `substr`, including the runtime panics of Go's slice expressions,
/// which text/template reports as the call's error.
pub fn substr(start: i64, end: i64, s: &str) -> Result<String, String> {
    let len = s.len() as i64;
    if start < 0 {
        if end < 0 || end > len {
            return Err(format!("runtime error: slice bounds out of range [:{end}] with length {len}"));
        }
        return Ok(byte_slice(s, 0, end as usize));
    }
    if end < 0 || end > len {
        if start > len {
            return Err(format!("runtime error: slice bounds out of range [{start}:{len}]"));
        }
        return Ok(byte_slice(s, start as usize, s.len()));
    }
    if start > end {
        return Err(format!("runtime error: slice bounds out of range [{start}:{end}]"));
    }
    Ok(byte_slice(s, start as usize, end as usize))
}

/// goutils `AbbreviateFull`; `Err` carries goutils' error text.
pub fn abbreviate_full(s: &str, offset: i64, max_width: i64) -> Result<String, String> {
    if s.is_empty() {
        return Ok(String::new());
    }
    if max_width < 4 {
        return Err("stringutils illegal argument: Minimum abbreviation width is 4".into());
    }
    let len = s.len() as i64;
    if len <= max_width {
        return Ok(s.to_string());
    }
    let mut offset = offset.min(len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    if offset <= 4 {
        return Ok(byte_slice(s, 0, (max_width - 3) as usize) + "...");
    }
    if max_width < 7 {
        return Err("stringutils illegal argument: Minimum abbreviation width with offset is 7".into());
    }
    if offset + max_width - 3 < len {
        let tail = byte_slice(s, offset as usize, s.len());
        return Ok(format!("...{}", abbreviate_full(&tail, 0, max_width - 3).unwrap_or_default()));
    }
    Ok(format!("...{}", byte_slice(s, (len - (max_width - 3)) as usize, s.len())))
}

/// Sprig's `abbrev`.
pub fn abbrev(width: i64, s: &str) -> String {
    if width < 4 {
        return s.to_string();
    }
    abbreviate_full(s, 0, width).unwrap_or_default()
}

/// Sprig's `abbrevboth`.
pub fn abbrevboth(left: i64, right: i64, s: &str) -> String {
    if right < 4 || (left > 0 && right < 7) {
        return s.to_string();
    }
    abbreviate_full(s, left, right).unwrap_or_default()
}

/// Go's `string(rune(b))` for each byte: goutils walks strings byte-wise and
/// re-encodes every byte as a Latin-1 rune.
fn latin1(b: u8) -> char {
    char::from(b)
}

/// goutils `Initials` with whitespace delimiters (byte-wise, as goutils does).
pub fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut last_was_gap = true;
    for &b in s.as_bytes() {
        let ch = latin1(b);
        if is_space(ch) {
            last_was_gap = true;
        } else if last_was_gap {
            out.push(ch);
            last_was_gap = false;
        }
    }
    out
}

/// goutils `DeleteWhiteSpace` (byte-wise, as goutils does).
pub fn delete_white_space(s: &str) -> String {
    let kept: Vec<char> = s.bytes().map(latin1).filter(|&c| !is_space(c)).collect();
    if kept.len() == s.len() {
        return s.to_string();
    }
    kept.into_iter().collect()
}

/// goutils `Uncapitalize` with whitespace delimiters.
pub fn uncapitalize(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|ch| {
            if is_space(ch) {
                next = true;
                ch
            } else if next {
                next = false;
                to_lower(ch)
            } else {
                ch
            }
        })
        .collect()
}

/// goutils `SwapCase`.
pub fn swap_case(s: &str) -> String {
    let mut whitespace = true;
    s.chars()
        .map(|ch| {
            if is_upper(ch) || is_title(ch) {
                whitespace = false;
                to_lower(ch)
            } else if is_lower(ch) {
                if whitespace {
                    whitespace = false;
                    to_title(ch)
                } else {
                    to_upper(ch)
                }
            } else {
                whitespace = is_space(ch);
                ch
            }
        })
        .collect()
}

/// goutils `WrapCustom` (byte-wise).
pub fn wrap_custom(s: &str, wrap_length: i64, new_line: &str, wrap_long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let new_line = if new_line.is_empty() { "\n" } else { new_line };
    let wrap = wrap_length.max(1) as usize;
    let b = s.as_bytes();
    let len = b.len();
    let mut offset = 0usize;
    let mut out: Vec<u8> = Vec::with_capacity(len + 8);
    while len - offset > wrap {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = (wrap + offset + 1).min(len);
        let space = b[offset..end].iter().rposition(|&c| c == b' ').map(|i| i + offset);
        match space {
            Some(at) => {
                out.extend_from_slice(&b[offset..at]);
                out.extend_from_slice(new_line.as_bytes());
                offset = at + 1;
            }
            None if wrap_long_words => {
                out.extend_from_slice(&b[offset..offset + wrap]);
                out.extend_from_slice(new_line.as_bytes());
                offset += wrap;
            }
            None => {
                let end = wrap + offset;
                match b[end..].iter().position(|&c| c == b' ') {
                    Some(i) => {
                        out.extend_from_slice(&b[offset..end + i]);
                        out.extend_from_slice(new_line.as_bytes());
                        offset = end + i + 1;
                    }
                    None => {
                        out.extend_from_slice(&b[offset..]);
                        offset = len;
                    }
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    String::from_utf8_lossy(&out).into_owned()
}

fn is_connector(r: char) -> bool {
    r == '-' || r == '_' || is_space(r)
}

/// xstrings v1.5 `ToCamelCase` (lower camel case: `http_server` → `httpServer`).
pub fn to_camel_case(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    let mut first_upper = false;
    let mut r0 = '\0';
    let mut found = false;
    for c in chars.by_ref() {
        if !is_connector(c) {
            first_upper = is_upper(c);
            r0 = to_lower(c);
            found = true;
            break;
        }
        out.push(c);
    }
    let rest: Vec<char> = chars.collect();
    if rest.is_empty() {
        if found {
            out.push(r0);
        }
        return out;
    }
    for c in rest {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = is_upper(r0);
            r0 = to_upper(r0);
        } else {
            if first_upper {
                if is_upper(r0) {
                    r0 = to_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            out.push(r1);
        }
    }
    if first_upper {
        r0 = to_lower(r0);
    }
    out.push(r0);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WordType {
    Invalid,
    Number,
    UpperCase,
    Alphabet,
    Connector,
    Punct,
    Other,
}

fn is_alphabet(r: char) -> bool {
    r.is_ascii_alphabetic()
}

/// xstrings `nextWord` over chars (Rust strings hold no invalid UTF-8).
fn next_word(s: &[char]) -> (WordType, &[char], &[char]) {
    let Some(&r) = s.first() else {
        return (WordType::Invalid, &[], &[]);
    };
    let mut offset = 1;
    let take_while = |from: usize, pred: &dyn Fn(char) -> bool| -> usize {
        let mut i = from;
        while i < s.len() && pred(s[i]) {
            i += 1;
        }
        i
    };
    let wt = if is_connector(r) {
        offset = take_while(1, &is_connector);
        WordType::Connector
    } else if is_punct(r) {
        offset = take_while(1, &is_punct);
        WordType::Punct
    } else if is_upper(r) {
        if let Some(&n) = s.get(1) {
            if is_upper(n) {
                offset = take_while(1, &is_upper);
                // "HTTPStatus" splits into "HTTP" and "Status".
                if offset < s.len() && is_alphabet(s[offset]) {
                    offset -= 1;
                }
            } else if is_alphabet(n) {
                offset = take_while(1, &|c| is_alphabet(c) && !is_upper(c));
            }
        }
        WordType::UpperCase
    } else if is_alphabet(r) {
        offset = take_while(1, &|c| is_alphabet(c) && !is_upper(c));
        WordType::Alphabet
    } else if is_number(r) {
        offset = take_while(1, &is_number);
        WordType::Number
    } else {
        offset = take_while(1, &|c| !(is_connector(c) || is_alphabet(c) || is_number(c) || is_punct(c)));
        WordType::Other
    };
    (wt, &s[..offset], &s[offset..])
}

fn push_lower(out: &mut String, wt: WordType, word: &[char], connector: char) {
    if wt != WordType::UpperCase && wt != WordType::Connector {
        out.extend(word);
        return;
    }
    for &r in word {
        if is_connector(r) {
            out.push(connector);
        } else if is_upper(r) {
            out.push(to_lower(r));
        } else {
            out.push(r);
        }
    }
}

/// xstrings v1.5 `camelCaseToLowerCase` (ToSnakeCase / ToKebabCase).
fn camel_to_lower(s: &str, connector: char) -> String {
    if s.is_empty() {
        return String::new();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    let (mut wt, mut word, mut remaining) = next_word(&chars);
    while !remaining.is_empty() {
        if wt != WordType::Connector {
            push_lower(&mut out, wt, word, connector);
        }
        let prev = wt;
        let last = word;
        (wt, word, remaining) = next_word(remaining);
        match prev {
            WordType::Number => {
                while wt == WordType::Alphabet || wt == WordType::Number {
                    push_lower(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if !matches!(wt, WordType::Invalid | WordType::Punct | WordType::Connector) {
                    out.push(connector);
                }
            }
            WordType::Connector => push_lower(&mut out, prev, last, connector),
            WordType::Punct => {}
            _ => {
                if wt != WordType::Number {
                    if wt != WordType::Connector && wt != WordType::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                if remaining.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, remaining) = next_word(remaining);
                if wt != WordType::Alphabet {
                    push_lower(&mut out, WordType::Number, last, connector);
                    if wt != WordType::Connector && wt != WordType::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                out.push(connector);
                push_lower(&mut out, WordType::Number, last, connector);
                while wt == WordType::Alphabet || wt == WordType::Number {
                    push_lower(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if !matches!(wt, WordType::Invalid | WordType::Connector | WordType::Punct) {
                    out.push(connector);
                }
            }
        }
    }
    push_lower(&mut out, wt, word, connector);
    out
}

/// xstrings `ToSnakeCase`.
pub fn to_snake_case(s: &str) -> String {
    camel_to_lower(s, '_')
}

/// xstrings `ToKebabCase`.
pub fn to_kebab_case(s: &str) -> String {
    camel_to_lower(s, '-')
}

/// Go's `strings.SplitN` (`n < 0`: all parts; `n == 0`: none; empty `sep`
/// splits into UTF-8 sequences).
pub fn split_n(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<&str> = s.char_indices().map(|(i, c)| &s[i..i + c.len_utf8()]).collect();
        if n > 0 && (n as usize) < chars.len() {
            let k = n as usize - 1;
            let mut out: Vec<String> = chars[..k].iter().map(|c| c.to_string()).collect();
            out.push(chars[k..].concat());
            return out;
        }
        return chars.into_iter().map(str::to_string).collect();
    }
    if n < 0 {
        return s.split(sep).map(str::to_string).collect();
    }
    s.splitn(n as usize, sep).map(str::to_string).collect()
}

/// Output larger than this is refused rather than exhausting memory (Go would try).
pub const MAX_OUTPUT: usize = 1 << 28;

/// Go's `strings.Repeat`, with its panics as errors.
pub fn repeat(s: &str, count: i64) -> Result<String, String> {
    if count < 0 {
        return Err("strings: negative Repeat count".into());
    }
    if (s.len() as u128) * (count as u128) > MAX_OUTPUT as u128 {
        return Err("strings: Repeat output length overflow".into());
    }
    Ok(s.repeat(count as usize))
}

/// Sprig's `indent`.
pub fn indent(spaces: i64, v: &str) -> Result<String, String> {
    let pad = repeat(" ", spaces)?;
    if (pad.len() as u128) * (v.matches('\n').count() as u128 + 1) > MAX_OUTPUT as u128 {
        return Err("strings: Repeat output length overflow".into());
    }
    Ok(format!("{pad}{}", v.replace('\n', &format!("\n{pad}"))))
}

/// Sprig's `nindent`.
pub fn nindent(spaces: i64, v: &str) -> Result<String, String> {
    Ok(format!("\n{}", indent(spaces, v)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xstrings_case_tables() {
        // From huandu/xstrings convert_test.go (v1.5).
        let snake = [
            ("http2xx", "http_2xx"),
            ("HTTP20xOK", "http_20x_ok"),
            ("Duration2m3s", "duration_2m3s"),
            ("Bld4Floor3rd", "bld4_floor_3rd"),
            ("FirstName", "first_name"),
            ("HTTPServer", "http_server"),
            ("NoHTTPS", "no_https"),
            ("GO_PATH", "go_path"),
            ("GO PATH", "go_path"),
            ("GO-PATH", "go_path"),
            ("", ""),
            ("a", "a"),
            ("A", "a"),
        ];
        for (input, want) in snake {
            assert_eq!(to_snake_case(input), want, "{input}");
        }
        assert_eq!(to_kebab_case("HTTP20xOK"), "http-20x-ok");
        assert_eq!(to_kebab_case("FirstName"), "first-name");
        let camel = [
            ("some_words", "someWords"),
            ("http_server", "httpServer"),
            ("no_https", "noHttps"),
            ("_complex__case_", "_complex_Case_"),
            ("some words", "someWords"),
            ("GOLANG_IS_GREAT", "golangIsGreat"),
            ("all", "all"),
            ("", ""),
            ("_", "_"),
            ("a", "a"),
        ];
        for (input, want) in camel {
            assert_eq!(to_camel_case(input), want, "{input}");
        }
    }

    #[test]
    fn goutils_tables() {
        // From sprig strings_test.go TestGoutils.
        assert_eq!(abbrev(5, "hello world"), "he...");
        assert_eq!(abbrevboth(5, 10, "1234 5678 9123"), "...5678...");
        assert_eq!(delete_white_space("h e l l o "), "hello");
        assert_eq!(uncapitalize("First Try"), "first try");
        assert_eq!(initials("First Try"), "FT");
        assert_eq!(wrap_custom("Hello World", 5, "", false), "Hello\nWorld");
        assert_eq!(wrap_custom("Hello World", 5, "\t", true), "Hello\tWorld");
        assert_eq!(swap_case("This Is A.Test"), "tHIS iS a.tEST");
        assert_eq!(title("hello world-foo"), "Hello World-Foo");
    }

    #[test]
    fn trunc_and_substr() {
        // From sprig strings_test.go TestTrunc / TestSubstr.
        assert_eq!(trunc(3, "foooooo"), "foo");
        assert_eq!(trunc(-3, "baaaaaar"), "aar");
        assert_eq!(trunc(-999, "baaaaaar"), "baaaaaar");
        assert_eq!(trunc(0, "baaaaaz"), "");
        assert_eq!(substr(0, 3, "fooo"), Ok("foo".into()));
        assert_eq!(substr(0, 10, "foo"), Ok("foo".into()));
        assert!(substr(5, 3, "foo").is_err());
    }
}
