//! `--set`, `--set-string`, `--set-file`, `--set-json` and `--set-literal`
//! parsing: a port of Helm's `pkg/strvals` (`parser.go`,
//! `literal_parser.go`), including its type inference (`true`, `null`,
//! integers without leading zeros), list indexes (`a[0].b=1`), `{a,b}`
//! lists, backslash escapes and its limits (index 65536, 30 nesting levels).

use ferry_gotmpl::{Map, Type, Value};
use std::collections::BTreeMap;

/// The largest list index `--set` accepts.
pub const MAX_INDEX: i64 = 65536;
/// The deepest key nesting `--set` accepts.
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

/// A `--set` parse error, worded as Helm words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StrvalsError(pub String);

/// Reads the value of `--set-file` entries: the path → the file's contents.
pub type FileReader<'a> = &'a dyn Fn(&str) -> Result<String, String>;

#[derive(Clone, Copy)]
enum Mode<'a> {
    Typed,
    String,
    File(FileReader<'a>),
    Json,
}

/// The end of input (Go's `io.EOF`), distinct from real errors.
enum PErr {
    Eof,
    NotList,
    Msg(String),
}

impl From<String> for PErr {
    fn from(s: String) -> PErr {
        PErr::Msg(s)
    }
}

fn msg(e: PErr) -> String {
    match e {
        PErr::Eof => "EOF".to_string(),
        PErr::NotList => "not a list".to_string(),
        PErr::Msg(m) => m,
    }
}

struct Parser<'a> {
    sc: Vec<char>,
    pos: usize,
    mode: Mode<'a>,
}

fn go_type_name(v: &Value) -> String {
    match v {
        Value::Nil(Type::Interface) | Value::Invalid => "nil".to_string(),
        other => other.type_name(),
    }
}

fn conversion_panic(v: &Value, want: &str) -> String {
    format!("interface conversion: interface {{}} is {}, not {want}", go_type_name(v))
}

fn new_map() -> Map {
    Map::new(Type::map_of_interface(), BTreeMap::new())
}

fn set(data: &Map, key: &str, val: Value) {
    if key.is_empty() {
        return;
    }
    data.insert(key, val);
}

fn set_index(mut list: Vec<Value>, index: i64, val: Value) -> Result<Vec<Value>, (Vec<Value>, String)> {
    if index < 0 {
        return Err((list, format!("negative {index} index not allowed")));
    }
    if index > MAX_INDEX {
        return Err((list, format!("index of {index} is greater than maximum supported index of {MAX_INDEX}")));
    }
    let i = index as usize;
    if list.len() <= i {
        list.resize(i + 1, Value::nil());
    }
    list[i] = val;
    Ok(list)
}

fn as_list(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) if l.ty == Type::slice_of_interface() => Some(l.items.clone()),
        _ => None,
    }
}

fn as_table(v: &Value) -> Option<Map> {
    match v {
        Value::Map(m) if *m.ty() == Type::map_of_interface() => Some(m.clone()),
        _ => None,
    }
}

/// Helm's `typedVal`.
fn typed_val(v: &[char], st: bool) -> Value {
    let val: String = v.iter().collect();
    if st {
        return Value::from(val);
    }
    if val.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if val.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if val.eq_ignore_ascii_case("null") {
        return Value::nil();
    }
    if val == "0" {
        return Value::int64(0);
    }
    if !val.is_empty()
        && !val.starts_with('0')
        && let Ok(i) = go_parse_int(&val)
    {
        return Value::int64(i);
    }
    Value::from(val)
}

/// `strconv.ParseInt(s, 10, 64)`.
fn go_parse_int(s: &str) -> Result<i64, ()> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    s.parse::<i64>().map_err(|_| ())
}

impl<'a> Parser<'a> {
    fn new(s: &str, mode: Mode<'a>) -> Parser<'a> {
        Parser { sc: s.chars().collect(), pos: 0, mode }
    }

    fn read_rune(&mut self) -> Option<char> {
        let c = self.sc.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread_rune(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    /// Reads until a stop rune; `\\` escapes the next rune (except in
    /// literal mode). Returns the runes, the stop rune, or EOF.
    fn runes_until(&mut self, stop: &[char], escapes: bool) -> (Vec<char>, Option<char>) {
        let mut v = Vec::new();
        loop {
            let Some(r) = self.read_rune() else { return (v, None) };
            if stop.contains(&r) {
                return (v, Some(r));
            }
            if escapes && r == '\\' {
                let Some(next) = self.read_rune() else { return (v, None) };
                v.push(next);
            } else {
                v.push(r);
            }
        }
    }

    fn parse(&mut self, data: &Map) -> Result<(), String> {
        loop {
            match self.key(data, 0) {
                Ok(()) => continue,
                Err(PErr::Eof) => return Ok(()),
                Err(e) => return Err(msg(e)),
            }
        }
    }

    fn reader(&self, rs: &[char]) -> Result<Value, PErr> {
        match self.mode {
            Mode::Typed => Ok(typed_val(rs, false)),
            Mode::String => Ok(typed_val(rs, true)),
            Mode::File(read) => {
                let path: String = rs.iter().collect();
                read(&path).map(Value::from).map_err(PErr::Msg)
            }
            Mode::Json => Ok(typed_val(rs, false)),
        }
    }

    fn key(&mut self, data: &Map, nested: usize) -> Result<(), PErr> {
        let mut nested = nested;
        let stop = ['=', '[', ',', '.'];
        let (k, last) = self.runes_until(&stop, true);
        let key: String = k.iter().collect();
        match last {
            None => {
                if k.is_empty() {
                    return Err(PErr::Eof);
                }
                Err(PErr::Msg(format!("key {} has no value", ferry_goyaml::go_quote(&key))))
            }
            Some('[') => {
                let i = self.key_index().map_err(|e| PErr::Msg(format!("error parsing index: {}", msg(e))))?;
                let list = match data.get(&key) {
                    None => Vec::new(),
                    Some(v) => match as_list(&v) {
                        Some(l) => l,
                        None => {
                            return Err(PErr::Msg(format!(
                                "unable to parse key: {}",
                                conversion_panic(&v, "[]interface {}")
                            )));
                        }
                    },
                };
                let (list, err) = match self.list_item(list, i, nested) {
                    Ok(l) => (l, None),
                    Err((l, e)) => (l, Some(e)),
                };
                set(data, &key, Value::list(list));
                match err {
                    None => Ok(()),
                    Some(e) => Err(e),
                }
            }
            Some('=') => {
                if let Mode::Json = self.mode {
                    if self.empty_val()? {
                        set(data, &key, Value::nil());
                        return Ok(());
                    }
                    let v = self.json_value()?;
                    set(data, &key, v);
                    self.empty_val()?;
                    return Ok(());
                }
                match self.val_list() {
                    Ok(vl) => {
                        set(data, &key, Value::list(vl));
                        Ok(())
                    }
                    Err(PErr::Eof) => {
                        set(data, &key, Value::from(""));
                        Err(PErr::Eof)
                    }
                    Err(PErr::NotList) => {
                        let rs = self.val();
                        let v = self.reader(&rs);
                        match v {
                            Ok(v) => {
                                set(data, &key, v);
                                Ok(())
                            }
                            Err(e) => {
                                set(data, &key, Value::nil());
                                Err(e)
                            }
                        }
                    }
                    Err(e) => Err(e),
                }
            }
            Some(',') => {
                set(data, &key, Value::from(""));
                Err(PErr::Msg(format!("key {} has no value (cannot end with ,)", ferry_goyaml::go_quote(&key))))
            }
            Some(_) => {
                nested += 1;
                if nested > MAX_NESTED_NAME_LEVEL {
                    return Err(PErr::Msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let inner = match data.get(&key) {
                    None => new_map(),
                    Some(v) => match as_table(&v) {
                        Some(m) => m,
                        None => {
                            return Err(PErr::Msg(format!(
                                "unable to parse key: {}",
                                conversion_panic(&v, "map[string]interface {}")
                            )));
                        }
                    },
                };
                let e = self.key(&inner, nested);
                if e.is_ok() && inner.is_empty() {
                    return Err(PErr::Msg(format!("key map {} has no value", ferry_goyaml::go_quote(&key))));
                }
                if !inner.is_empty() {
                    set(data, &key, Value::Map(inner));
                }
                e
            }
        }
    }

    fn key_index(&mut self) -> Result<i64, PErr> {
        let (v, last) = self.runes_until(&[']'], true);
        if last.is_none() {
            return Err(PErr::Eof);
        }
        let s: String = v.iter().collect();
        go_parse_int(&s).map_err(|_| {
            let why = if s.is_empty() || !s.trim_start_matches(['+', '-']).bytes().all(|b| b.is_ascii_digit()) {
                "invalid syntax"
            } else {
                "value out of range"
            };
            PErr::Msg(format!("strconv.Atoi: parsing {}: {why}", ferry_goyaml::go_quote(&s)))
        })
    }

    fn list_item(&mut self, list: Vec<Value>, i: i64, nested: usize) -> Result<Vec<Value>, (Vec<Value>, PErr)> {
        if i < 0 {
            return Err((list, PErr::Msg(format!("negative {i} index not allowed"))));
        }
        let (k, last) = self.runes_until(&['[', '.', '='], true);
        if !k.is_empty() {
            let s: String = k.iter().collect();
            return Err((
                list,
                PErr::Msg(format!("unexpected data at end of array index: {}", ferry_goyaml::go_quote(&s))),
            ));
        }
        let wrap = |r: Result<Vec<Value>, (Vec<Value>, String)>| r.map_err(|(l, e)| (l, PErr::Msg(e)));
        match last {
            None => Err((list, PErr::Eof)),
            Some('=') => {
                if let Mode::Json = self.mode {
                    match self.empty_val() {
                        Err(e) => return Err((list, e)),
                        Ok(true) => return wrap(set_index(list, i, Value::nil())),
                        Ok(false) => {}
                    }
                    let v = match self.json_value() {
                        Ok(v) => v,
                        Err(e) => return Err((list, e)),
                    };
                    let list = wrap(set_index(list, i, v))?;
                    return match self.empty_val() {
                        Ok(_) => Ok(list),
                        Err(e) => Err((list, e)),
                    };
                }
                match self.val_list() {
                    Ok(vl) => wrap(set_index(list, i, Value::list(vl))),
                    Err(PErr::Eof) => wrap(set_index(list, i, Value::from(""))),
                    Err(PErr::NotList) => {
                        let rs = self.val();
                        match self.reader(&rs) {
                            Ok(v) => wrap(set_index(list, i, v)),
                            Err(e) => Err((list, e)),
                        }
                    }
                    Err(e) => Err((list, e)),
                }
            }
            Some('[') => {
                let next_i = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return Err((list, PErr::Msg(format!("error parsing index: {}", msg(e))))),
                };
                let mut crt = Vec::new();
                if (list.len() as i64) > i {
                    let existed = &list[i as usize];
                    if !matches!(existed, Value::Nil(Type::Interface)) {
                        match as_list(existed) {
                            Some(l) => crt = l,
                            None => {
                                let m = format!("unable to parse key: {}", conversion_panic(existed, "[]interface {}"));
                                return Err((list, PErr::Msg(m)));
                            }
                        }
                    }
                }
                let list2 = match self.list_item(crt, next_i, nested) {
                    Ok(l) => l,
                    Err((_, e)) => return Err((list, e)),
                };
                wrap(set_index(list, i, Value::list(list2)))
            }
            Some('.') => {
                let mut list = list;
                let mut inner = new_map();
                if (list.len() as i64) > i {
                    match as_table(&list[i as usize]) {
                        Some(m) => inner = m,
                        None => list[i as usize] = Value::Map(inner.clone()),
                    }
                }
                if let Err(e) = self.key(&inner, nested) {
                    return Err((list, e));
                }
                wrap(set_index(list, i, Value::Map(inner)))
            }
            Some(other) => Err((Vec::new(), PErr::Msg(format!("parse error: unexpected token {}", other as u32)))),
        }
    }

    /// Skips spaces up to a comma or the end (an empty value); anything else is kept.
    fn empty_val(&mut self) -> Result<bool, PErr> {
        loop {
            let Some(r) = self.read_rune() else { return Ok(true) };
            if r == ',' {
                return Ok(true);
            }
            if !crate::validate::is_go_space(r) {
                self.unread_rune();
                return Ok(false);
            }
        }
    }

    fn val(&mut self) -> Vec<char> {
        self.runes_until(&[','], true).0
    }

    fn val_list(&mut self) -> Result<Vec<Value>, PErr> {
        let Some(r) = self.read_rune() else { return Err(PErr::Eof) };
        if r != '{' {
            self.unread_rune();
            return Err(PErr::NotList);
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.runes_until(&[',', '}'], true);
            match last {
                None => return Err(PErr::Msg("list must terminate with '}'".to_string())),
                Some('}') => {
                    if let Some(r) = self.read_rune()
                        && r != ','
                    {
                        self.unread_rune();
                    }
                    let v = self.reader(&rs)?;
                    list.push(v);
                    return Ok(list);
                }
                _ => {
                    let v = self.reader(&rs)?;
                    list.push(v);
                }
            }
        }
    }

    /// One JSON value from the current position (Go's `json.Decoder.Decode`
    /// on the rest of the input), consuming exactly its text.
    fn json_value(&mut self) -> Result<Value, PErr> {
        let rest: String = self.sc[self.pos..].iter().collect();
        let end = json_value_end(&rest);
        let text = &rest[..end];
        let v = ferry_goyaml::decode_json(text).map_err(|e| PErr::Msg(e.to_string()))?;
        self.pos += text.chars().count();
        Ok(crate::govalue::from_yaml(&v))
    }

    fn literal_key(&mut self, data: &Map, nested: usize) -> Result<(), PErr> {
        let mut nested = nested;
        let (k, last) = self.runes_until(&['=', '[', '.'], false);
        let key: String = k.iter().collect();
        match last {
            None => {
                if k.is_empty() {
                    return Err(PErr::Eof);
                }
                Err(PErr::Msg(format!("key {} has no value", ferry_goyaml::go_quote(&key))))
            }
            Some('=') => {
                let value: String = self.runes_until(&[], false).0.iter().collect();
                set(data, &key, Value::from(value));
                Ok(())
            }
            Some('.') => {
                nested += 1;
                if nested > MAX_NESTED_NAME_LEVEL {
                    return Err(PErr::Msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let inner = match data.get(&key) {
                    None => new_map(),
                    Some(v) => match as_table(&v) {
                        Some(m) => m,
                        None => {
                            return Err(PErr::Msg(format!(
                                "unable to parse key: {}",
                                conversion_panic(&v, "map[string]interface {}")
                            )));
                        }
                    },
                };
                let e = self.literal_key(&inner, nested);
                if e.is_ok() && inner.is_empty() {
                    return Err(PErr::Msg(format!("key map {} has no value", ferry_goyaml::go_quote(&key))));
                }
                if !inner.is_empty() {
                    set(data, &key, Value::Map(inner));
                }
                e
            }
            Some(_) => {
                let (v, last) = self.runes_until(&[']'], false);
                if last.is_none() {
                    return Err(PErr::Msg("error parsing index: EOF".to_string()));
                }
                let s: String = v.iter().collect();
                let i = go_parse_int(&s).map_err(|_| {
                    PErr::Msg(format!(
                        "error parsing index: strconv.Atoi: parsing {}: invalid syntax",
                        ferry_goyaml::go_quote(&s)
                    ))
                })?;
                let list = match data.get(&key) {
                    None => Vec::new(),
                    Some(v) => match as_list(&v) {
                        Some(l) => l,
                        None => {
                            return Err(PErr::Msg(format!(
                                "unable to parse key: {}",
                                conversion_panic(&v, "[]interface {}")
                            )));
                        }
                    },
                };
                let (list, err) = match self.literal_list_item(list, i, nested) {
                    Ok(l) => (l, None),
                    Err((l, e)) => (l, Some(e)),
                };
                set(data, &key, Value::list(list));
                match err {
                    None => Ok(()),
                    Some(e) => Err(e),
                }
            }
        }
    }

    fn literal_list_item(&mut self, list: Vec<Value>, i: i64, nested: usize) -> Result<Vec<Value>, (Vec<Value>, PErr)> {
        if i < 0 {
            return Err((list, PErr::Msg(format!("negative {i} index not allowed"))));
        }
        let (k, last) = self.runes_until(&['[', '.', '='], false);
        if !k.is_empty() {
            let s: String = k.iter().collect();
            return Err((
                list,
                PErr::Msg(format!("unexpected data at end of array index: {}", ferry_goyaml::go_quote(&s))),
            ));
        }
        let wrap = |r: Result<Vec<Value>, (Vec<Value>, String)>| r.map_err(|(l, e)| (l, PErr::Msg(e)));
        match last {
            None => Err((list, PErr::Eof)),
            Some('=') => {
                let value: String = self.runes_until(&[], false).0.iter().collect();
                wrap(set_index(list, i, Value::from(value)))
            }
            Some('.') => {
                let mut list = list;
                let mut inner = new_map();
                if (list.len() as i64) > i {
                    match as_table(&list[i as usize]) {
                        Some(m) => inner = m,
                        None => list[i as usize] = Value::Map(inner.clone()),
                    }
                }
                if let Err(e) = self.literal_key(&inner, nested) {
                    return Err((list, e));
                }
                wrap(set_index(list, i, Value::Map(inner)))
            }
            Some(_) => {
                let (v, l) = self.runes_until(&[']'], false);
                if l.is_none() {
                    return Err((list, PErr::Msg("error parsing index: EOF".to_string())));
                }
                let s: String = v.iter().collect();
                let Ok(next_i) = go_parse_int(&s) else {
                    let m = format!(
                        "error parsing index: strconv.Atoi: parsing {}: invalid syntax",
                        ferry_goyaml::go_quote(&s)
                    );
                    return Err((list, PErr::Msg(m)));
                };
                let mut crt = Vec::new();
                if (list.len() as i64) > i {
                    let existed = &list[i as usize];
                    if !matches!(existed, Value::Nil(Type::Interface)) {
                        match as_list(existed) {
                            Some(l) => crt = l,
                            None => {
                                let m = format!("unable to parse key: {}", conversion_panic(existed, "[]interface {}"));
                                return Err((list, PErr::Msg(m)));
                            }
                        }
                    }
                }
                let list2 = match self.literal_list_item(crt, next_i, nested) {
                    Ok(l) => l,
                    Err((_, e)) => return Err((list, e)),
                };
                wrap(set_index(list, i, Value::list(list2)))
            }
        }
    }

    fn parse_literal(&mut self, data: &Map) -> Result<(), String> {
        loop {
            match self.literal_key(data, 0) {
                Ok(()) => continue,
                Err(PErr::Eof) => return Ok(()),
                Err(e) => return Err(msg(e)),
            }
        }
    }
}

/// The byte length of the JSON value at the start of `s` (after leading
/// whitespace); a malformed value extends to the first delimiter so that
/// the JSON decoder reports the error.
fn json_value_end(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    let mut depth = 0usize;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            match c {
                b'\\' => i += 1,
                b'"' => {
                    in_str = false;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + 1;
                    }
                }
                b',' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => return i,
                _ => {}
            }
        }
        i += 1;
    }
    b.len()
}

fn run(s: &str, dest: &Map, mode: Mode<'_>) -> Result<(), StrvalsError> {
    Parser::new(s, mode).parse(dest).map_err(StrvalsError)
}

/// `strvals.ParseInto`: `--set`.
pub fn parse_into(s: &str, dest: &Map) -> Result<(), StrvalsError> {
    run(s, dest, Mode::Typed)
}

/// `strvals.ParseIntoString`: `--set-string`.
pub fn parse_into_string(s: &str, dest: &Map) -> Result<(), StrvalsError> {
    run(s, dest, Mode::String)
}

/// `strvals.ParseIntoFile`: `--set-file` (values are paths read with `read`).
pub fn parse_into_file(s: &str, dest: &Map, read: FileReader<'_>) -> Result<(), StrvalsError> {
    run(s, dest, Mode::File(read))
}

/// `strvals.ParseJSON`: `--set-json key=<json>`.
pub fn parse_json(s: &str, dest: &Map) -> Result<(), StrvalsError> {
    run(s, dest, Mode::Json)
}

/// `strvals.ParseLiteralInto`: `--set-literal` (the rest of the argument is the value).
pub fn parse_literal_into(s: &str, dest: &Map) -> Result<(), StrvalsError> {
    Parser::new(s, Mode::Typed).parse_literal(dest).map_err(StrvalsError)
}

/// `strvals.Parse`: a new map from a `--set` line.
pub fn parse(s: &str) -> Result<Value, StrvalsError> {
    let m = new_map();
    parse_into(s, &m)?;
    Ok(Value::Map(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(s: &str) -> String {
        // The expected values of Helm's table are YAML; compare through toYaml.
        crate::engine::funcs::to_yaml(&crate::values::load_values(s.as_bytes()).unwrap())
    }

    fn p(s: &str) -> Result<String, String> {
        parse(s).map(|v| crate::engine::funcs::to_yaml(&v)).map_err(|e| e.0)
    }

    fn ps(s: &str) -> Result<String, String> {
        let m = new_map();
        parse_into_string(s, &m).map(|_| crate::engine::funcs::to_yaml(&Value::Map(m))).map_err(|e| e.0)
    }

    /// Helm's `pkg/strvals/parser_test.go` `TestParseSet` table.
    #[test]
    fn helm_parse_set_table() {
        let ok: &[(&str, &str)] = &[
            ("name1=null,f=false,t=true", "name1: null\nf: false\nt: true"),
            ("name1=value1", "name1: value1"),
            ("name1=value1,name2=value2", "name1: value1\nname2: value2"),
            ("name1=value1,name2=value2,", "name1: value1\nname2: value2"),
            ("name1=,name2=value2", "name1: \"\"\nname2: value2"),
            ("leading_zeros=00009", "leading_zeros: \"00009\""),
            ("zero_int=0", "zero_int: 0"),
            ("long_int=1234567890", "long_int: 1234567890"),
            ("boolean=true", "boolean: true"),
            ("is_null=null", "is_null: null"),
            ("name1=one\\,two,name2=three\\,four", "name1: one,two\nname2: three,four"),
            ("name1=one\\=two,name2=three\\=four", "name1: one=two\nname2: three=four"),
            ("name1=one two three,name2=three two one", "name1: one two three\nname2: three two one"),
            ("outer.inner=value", "outer:\n  inner: value"),
            ("outer.middle.inner=value", "outer:\n  middle:\n    inner: value"),
            ("outer.inner1=value,outer.inner2=value2", "outer:\n  inner1: value\n  inner2: value2"),
            ("outer.inner1=value,outer.middle.inner=value", "outer:\n  inner1: value\n  middle:\n    inner: value"),
            ("name1.name2=", "name1:\n  name2: \"\""),
            ("name1={value1,value2}", "name1:\n- value1\n- value2"),
            ("name1={value1,value2},name2={value1,value2}", "name1:\n- value1\n- value2\nname2:\n- value1\n- value2"),
            ("name1={1021,902}", "name1:\n- 1021\n- 902"),
            ("name1.name2={value1,value2}", "name1:\n  name2:\n  - value1\n  - value2"),
            ("list[0]=foo", "list:\n- foo"),
            ("list[0].foo=bar", "list:\n- foo: bar"),
            ("list[0].foo=bar,list[0].hello=world", "list:\n- foo: bar\n  hello: world"),
            ("list[0]=foo,list[1]=bar", "list:\n- foo\n- bar"),
            ("list[0]=foo,list[1]=bar,", "list:\n- foo\n- bar"),
            ("list[0]=foo,list[3]=bar", "list:\n- foo\n- null\n- null\n- bar"),
            ("noval[0]", "noval: []"),
            ("noval[0]=", "noval:\n- \"\""),
            ("nested[0][0]=1", "nested:\n- - 1"),
            ("nested[1][1]=1", "nested:\n- null\n- - null\n  - 1"),
            ("name1.name2[0].foo=bar,name1.name2[1].foo=bar", "name1:\n  name2:\n  - foo: bar\n  - foo: bar"),
            ("name1.name2[1].foo=bar,name1.name2[0].foo=bar", "name1:\n  name2:\n  - foo: bar\n  - foo: bar"),
            ("name1.name2[1].foo=bar", "name1:\n  name2:\n  - null\n  - foo: bar"),
        ];
        for (input, want) in ok {
            assert_eq!(p(input).as_deref(), Ok(y(want).as_str()), "{input}");
        }
        let bad: &[&str] = &[
            "name1=value1,,,,name2=value2,",
            "name1,name2=",
            "name1,name2=value2",
            "name1,name2=value2\\",
            "name1,name2",
            "name1.name2",
            "name1.name2,name1.name3",
            "name1.=name2",
            "name1.,name2",
            "name1={1021,902",
            "list[0].foo=bar,list[-30].hello=world",
            "list[0]=foo,list[-20]=bar",
            "illegal[0]name.foo=bar",
            "]={}].",
        ];
        for input in bad {
            assert!(p(input).is_err(), "{input} should fail, got {:?}", p(input));
        }
        assert_eq!(p("name1,name2=").unwrap_err(), "key \"name1\" has no value (cannot end with ,)");
        assert_eq!(
            p("name1.name2=value1,name1.name2.name3=value2").unwrap_err(),
            "unable to parse key: interface conversion: interface {} is string, not map[string]interface {}"
        );
        assert_eq!(
            p("list[65537]=foo").unwrap_err(),
            "index of 65537 is greater than maximum supported index of 65536"
        );
        let deep = (1..=32).map(|i| format!("n{i}")).collect::<Vec<_>>().join(".") + "=1";
        assert_eq!(
            p(&deep).unwrap_err(),
            "value name nested level is greater than maximum supported nested level of 30"
        );
    }

    /// Helm's `TestParseInto`: later lines merge into earlier values.
    #[test]
    fn helm_parse_into() {
        let m = new_map();
        parse_into("outer.inner1=overwrite,outer.inner2=value2", &m).unwrap();
        parse_into("outer.inner1=value1,outer.inner3=value3,outer.inner4=4", &m).unwrap();
        assert_eq!(
            crate::engine::funcs::to_yaml(&Value::Map(m)),
            "outer:\n  inner1: value1\n  inner2: value2\n  inner3: value3\n  inner4: 4"
        );
        let m = new_map();
        parse_into("listOuter[0][0].type=listValue", &m).unwrap();
        parse_into("listOuter[0][0].status=alive", &m).unwrap();
        assert_eq!(crate::engine::funcs::to_yaml(&Value::Map(m)), "listOuter:\n- - status: alive\n    type: listValue");
    }

    #[test]
    fn set_string_keeps_strings() {
        assert_eq!(ps("long_int_string=1234567890").unwrap(), "long_int_string: \"1234567890\"");
        assert_eq!(ps("boolean=true").unwrap(), "boolean: \"true\"");
        assert_eq!(ps("is_null=null").unwrap(), "is_null: \"null\"");
        assert_eq!(ps("name1={value1,value2}").unwrap(), "name1:\n- value1\n- value2");
    }

    #[test]
    fn set_json_and_literal() {
        let m = new_map();
        parse_json("outer.inner1=\"1\",outer.inner3={\"aa\":\"1\",\"bb\":2,\"cc\":[1,2,3]},outer.inner4=[1,\"2\"],outer.inner5=,x=null", &m).unwrap();
        assert_eq!(
            crate::engine::funcs::to_yaml(&Value::Map(m)),
            "outer:\n  inner1: \"1\"\n  inner3:\n    aa: \"1\"\n    bb: 2\n    cc:\n    - 1\n    - 2\n    - 3\n  inner4:\n  - 1\n  - \"2\"\n  inner5: null\nx: null"
        );
        let m = new_map();
        parse_literal_into("name1.name2=value,with=commas[and]{braces}", &m).unwrap();
        assert_eq!(crate::engine::funcs::to_yaml(&Value::Map(m)), "name1:\n  name2: value,with=commas[and]{braces}");
    }

    #[test]
    fn set_file_reads_values() {
        let m = new_map();
        let read = |p: &str| -> Result<String, String> { Ok(format!("contents of {p}")) };
        parse_into_file("a=path/x,b.c=y", &m, &read).unwrap();
        assert_eq!(crate::engine::funcs::to_yaml(&Value::Map(m)), "a: contents of path/x\nb:\n  c: contents of y");
    }
}
