//! Reader and scanner: a line-by-line port of go-yaml v2's `readerc.go` and
//! `scannerc.go` (themselves a port of libyaml).
//!
//! The structure, names and control flow follow the Go code closely on
//! purpose: error messages, their line numbers and even *which* error wins
//! when a document has several depend on the exact order in which the
//! original reads input and produces tokens. Deviations from the Go code are
//! limited to memory handling (the decoded buffer is append-only and reads
//! past its end yield NUL instead of panicking).

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

/// Token numbers are small distinct integers; hashing them is wasted work.
#[derive(Default)]
struct TokenNumberHasher(u64);

impl Hasher for TokenNumberHasher {
    fn finish(&self) -> u64 {
        self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = n as u64;
    }
}

type TokenMap = HashMap<usize, usize, BuildHasherDefault<TokenNumberHasher>>;

/// Size of the raw input window, as in go-yaml (`input_raw_buffer_size`).
/// Reader errors surface when the window holding the bad byte is decoded, so
/// the window size is observable and must match.
const INPUT_RAW_BUFFER_SIZE: usize = 512;
const MAX_FLOW_LEVEL: usize = 10000;
const MAX_INDENTS: usize = 10000;
const MAX_NUMBER_LENGTH: i8 = 2;

/// A position in the input (0-based, counted in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Mark {
    pub index: usize,
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Any,
    Utf8,
    Utf16Le,
    Utf16Be,
}

/// Which stage produced an error; `parser.fail()` in decode.go formats
/// scanner errors with a line number one higher than the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    Reader,
    Scanner,
    Parser,
}

/// The error state libyaml keeps in its parser struct.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    pub kind: ErrorKind,
    pub problem: String,
    pub problem_mark: Mark,
    pub context_mark: Mark,
}

impl Problem {
    /// The message go-yaml's `parser.fail()` builds, without the `yaml: ` prefix.
    pub fn message(&self) -> String {
        let mut line = 0;
        if self.problem_mark.line != 0 {
            line = self.problem_mark.line;
            if self.kind == ErrorKind::Scanner {
                line += 1;
            }
        } else if self.context_mark.line != 0 {
            line = self.context_mark.line;
        }
        let msg = if self.problem.is_empty() { "unknown problem parsing YAML content" } else { self.problem.as_str() };
        if line != 0 { format!("line {line}: {msg}") } else { msg.to_string() }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenType {
    StreamStart,
    StreamEnd,
    VersionDirective,
    TagDirective,
    DocumentStart,
    DocumentEnd,
    BlockSequenceStart,
    BlockMappingStart,
    BlockEnd,
    FlowSequenceStart,
    FlowSequenceEnd,
    FlowMappingStart,
    FlowMappingEnd,
    BlockEntry,
    FlowEntry,
    Key,
    Value,
    Alias,
    Anchor,
    Tag,
    Scalar,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScalarStyle {
    Any,
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub typ: TokenType,
    pub start_mark: Mark,
    pub end_mark: Mark,
    pub value: Vec<u8>,
    pub suffix: Vec<u8>,
    pub prefix: Vec<u8>,
    pub style: ScalarStyle,
    pub major: i8,
    pub minor: i8,
}

impl Token {
    fn new(typ: TokenType, start_mark: Mark, end_mark: Mark) -> Token {
        Token {
            typ,
            start_mark,
            end_mark,
            value: Vec::new(),
            suffix: Vec::new(),
            prefix: Vec::new(),
            style: ScalarStyle::Any,
            major: 0,
            minor: 0,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct SimpleKey {
    possible: bool,
    required: bool,
    token_number: usize,
    mark: Mark,
}

fn width(b: u8) -> usize {
    if b & 0x80 == 0x00 {
        1
    } else if b & 0xE0 == 0xC0 {
        2
    } else if b & 0xF0 == 0xE0 {
        3
    } else if b & 0xF8 == 0xF0 {
        4
    } else {
        0
    }
}

/// Tokenizer over one input stream.
pub(crate) struct Scanner<'a> {
    input: &'a [u8],
    eof: bool,
    // Raw window into `input`: bytes [raw_start, raw_end) were "read",
    // raw_pos is the next byte to decode.
    raw_start: usize,
    raw_pos: usize,
    raw_end: usize,
    encoding: Encoding,
    offset: usize,

    // Decoded UTF-8 (append-only); reads past the end yield NUL.
    buffer: Vec<u8>,
    buffer_pos: usize,
    unread: usize,

    pub(crate) error: Option<Problem>,
    mark: Mark,

    stream_start_produced: bool,
    pub(crate) stream_end_produced: bool,
    flow_level: usize,

    pub(crate) tokens: VecDeque<Token>,
    pub(crate) tokens_parsed: usize,
    pub(crate) token_available: bool,

    indent: isize,
    indents: Vec<isize>,
    simple_key_allowed: bool,
    simple_keys: Vec<SimpleKey>,
    simple_keys_by_tok: TokenMap,
}

impl<'a> Scanner<'a> {
    pub fn new(input: &'a [u8]) -> Scanner<'a> {
        Scanner {
            input,
            eof: false,
            raw_start: 0,
            raw_pos: 0,
            raw_end: 0,
            encoding: Encoding::Any,
            offset: 0,
            buffer: Vec::with_capacity(input.len() + 8),
            buffer_pos: 0,
            unread: 0,
            error: None,
            mark: Mark::default(),
            stream_start_produced: false,
            stream_end_produced: false,
            flow_level: 0,
            tokens: VecDeque::new(),
            tokens_parsed: 0,
            token_available: false,
            indent: 0,
            indents: Vec::new(),
            simple_key_allowed: false,
            simple_keys: Vec::new(),
            simple_keys_by_tok: TokenMap::default(),
        }
    }

    // ---------------------------------------------------------------- reader

    fn set_reader_error(&mut self, problem: &str) -> bool {
        self.error = Some(Problem {
            kind: ErrorKind::Reader,
            problem: problem.to_string(),
            problem_mark: Mark::default(),
            context_mark: Mark::default(),
        });
        false
    }

    fn update_raw_buffer(&mut self) {
        if self.raw_pos == self.raw_start && self.raw_end - self.raw_start == INPUT_RAW_BUFFER_SIZE {
            return;
        }
        if self.eof {
            return;
        }
        self.raw_start = self.raw_pos;
        if self.raw_end == self.input.len() {
            self.eof = true;
            return;
        }
        let room = INPUT_RAW_BUFFER_SIZE - (self.raw_end - self.raw_start);
        let n = room.min(self.input.len() - self.raw_end);
        self.raw_end += n;
    }

    fn determine_encoding(&mut self) {
        while !self.eof && self.raw_end - self.raw_pos < 3 {
            self.update_raw_buffer();
        }
        let avail = self.raw_end - self.raw_pos;
        let b = |k: usize| self.input.get(self.raw_pos + k).copied().unwrap_or(0);
        if avail >= 2 && b(0) == 0xFF && b(1) == 0xFE {
            self.encoding = Encoding::Utf16Le;
            self.raw_pos += 2;
            self.offset += 2;
        } else if avail >= 2 && b(0) == 0xFE && b(1) == 0xFF {
            self.encoding = Encoding::Utf16Be;
            self.raw_pos += 2;
            self.offset += 2;
        } else if avail >= 3 && b(0) == 0xEF && b(1) == 0xBB && b(2) == 0xBF {
            self.encoding = Encoding::Utf8;
            self.raw_pos += 3;
            self.offset += 3;
        } else {
            self.encoding = Encoding::Utf8;
        }
    }

    fn raw(&self, k: usize) -> u8 {
        self.input.get(self.raw_pos + k).copied().unwrap_or(0)
    }

    /// Ensures the buffer holds at least `length` unread characters.
    fn update_buffer(&mut self, length: usize) -> bool {
        if self.error.is_some() {
            return false;
        }
        if self.unread >= length {
            return true;
        }
        if self.encoding == Encoding::Any {
            self.determine_encoding();
        }
        let mut first = true;
        while self.unread < length {
            if !first || self.raw_pos == self.raw_end {
                self.update_raw_buffer();
            }
            first = false;
            'inner: while self.raw_pos != self.raw_end {
                if self.encoding == Encoding::Utf8 {
                    // Fast path for runs of allowed ASCII; same checks, in bulk.
                    let run = self.input[self.raw_pos..self.raw_end]
                        .iter()
                        .take_while(|&&b| (0x20..=0x7E).contains(&b) || b == b'\n' || b == b'\t' || b == b'\r')
                        .count();
                    if run > 0 {
                        self.buffer.extend_from_slice(&self.input[self.raw_pos..self.raw_pos + run]);
                        self.raw_pos += run;
                        self.offset += run;
                        self.unread += run;
                        continue;
                    }
                }
                let raw_unread = self.raw_end - self.raw_pos;
                let value: u32;
                let w: usize;
                match self.encoding {
                    Encoding::Utf16Le | Encoding::Utf16Be => {
                        let (low, high) = if self.encoding == Encoding::Utf16Le { (0, 1) } else { (1, 0) };
                        if raw_unread < 2 {
                            if self.eof {
                                return self.set_reader_error("incomplete UTF-16 character");
                            }
                            break 'inner;
                        }
                        let v = u32::from(self.raw(low)) + (u32::from(self.raw(high)) << 8);
                        if v & 0xFC00 == 0xDC00 {
                            return self.set_reader_error("unexpected low surrogate area");
                        }
                        if v & 0xFC00 == 0xD800 {
                            if raw_unread < 4 {
                                if self.eof {
                                    return self.set_reader_error("incomplete UTF-16 surrogate pair");
                                }
                                break 'inner;
                            }
                            let v2 = u32::from(self.raw(low + 2)) + (u32::from(self.raw(high + 2)) << 8);
                            if v2 & 0xFC00 != 0xDC00 {
                                return self.set_reader_error("expected low surrogate area");
                            }
                            value = 0x10000 + ((v & 0x3FF) << 10) + (v2 & 0x3FF);
                            w = 4;
                        } else {
                            value = v;
                            w = 2;
                        }
                    }
                    _ => {
                        let octet = self.raw(0);
                        let width = if octet & 0x80 == 0x00 {
                            1
                        } else if octet & 0xE0 == 0xC0 {
                            2
                        } else if octet & 0xF0 == 0xE0 {
                            3
                        } else if octet & 0xF8 == 0xF0 {
                            4
                        } else {
                            return self.set_reader_error("invalid leading UTF-8 octet");
                        };
                        if width > raw_unread {
                            if self.eof {
                                return self.set_reader_error("incomplete UTF-8 octet sequence");
                            }
                            break 'inner;
                        }
                        let mut v = match width {
                            1 => u32::from(octet & 0x7F),
                            2 => u32::from(octet & 0x1F),
                            3 => u32::from(octet & 0x0F),
                            _ => u32::from(octet & 0x07),
                        };
                        for k in 1..width {
                            let o = self.raw(k);
                            if o & 0xC0 != 0x80 {
                                return self.set_reader_error("invalid trailing UTF-8 octet");
                            }
                            v = (v << 6) + u32::from(o & 0x3F);
                        }
                        let ok_len = width == 1
                            || (width == 2 && v >= 0x80)
                            || (width == 3 && v >= 0x800)
                            || (width == 4 && v >= 0x10000);
                        if !ok_len {
                            return self.set_reader_error("invalid length of a UTF-8 sequence");
                        }
                        if (0xD800..=0xDFFF).contains(&v) || v > 0x10FFFF {
                            return self.set_reader_error("invalid Unicode character");
                        }
                        value = v;
                        w = width;
                    }
                }
                let allowed = value == 0x09
                    || value == 0x0A
                    || value == 0x0D
                    || (0x20..=0x7E).contains(&value)
                    || value == 0x85
                    || (0xA0..=0xD7FF).contains(&value)
                    || (0xE000..=0xFFFD).contains(&value)
                    || (0x10000..=0x10FFFF).contains(&value);
                if !allowed {
                    return self.set_reader_error("control characters are not allowed");
                }
                self.raw_pos += w;
                self.offset += w;
                let c = char::from_u32(value).unwrap_or('\u{FFFD}');
                let mut tmp = [0u8; 4];
                self.buffer.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                self.unread += 1;
            }
            if self.eof {
                self.buffer.push(0);
                self.unread += 1;
                break;
            }
        }
        true
    }

    #[inline]
    fn cache(&mut self, length: usize) -> bool {
        self.unread >= length || self.update_buffer(length)
    }

    // ------------------------------------------------------- char predicates

    #[inline]
    fn at(&self, k: usize) -> u8 {
        self.buffer.get(self.buffer_pos + k).copied().unwrap_or(0)
    }
    #[inline]
    fn check(&self, c: u8) -> bool {
        self.at(0) == c
    }
    fn is_alpha(&self, k: usize) -> bool {
        let b = self.at(k);
        b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
    }
    fn is_digit(&self, k: usize) -> bool {
        self.at(k).is_ascii_digit()
    }
    fn is_hex(&self, k: usize) -> bool {
        self.at(k).is_ascii_hexdigit()
    }
    fn as_hex(&self, k: usize) -> u32 {
        let b = self.at(k);
        match b {
            b'A'..=b'F' => u32::from(b - b'A' + 10),
            b'a'..=b'f' => u32::from(b - b'a' + 10),
            _ => u32::from(b.wrapping_sub(b'0')),
        }
    }
    fn is_z(&self, k: usize) -> bool {
        self.at(k) == 0
    }
    fn is_bom(&self) -> bool {
        self.at(0) == 0xEF && self.at(1) == 0xBB && self.at(2) == 0xBF
    }
    fn is_space(&self, k: usize) -> bool {
        self.at(k) == b' '
    }
    fn is_tab(&self, k: usize) -> bool {
        self.at(k) == b'\t'
    }
    fn is_blank(&self, k: usize) -> bool {
        let b = self.at(k);
        b == b' ' || b == b'\t'
    }
    fn is_break(&self, k: usize) -> bool {
        let b = self.at(k);
        b == b'\r'
            || b == b'\n'
            || (b == 0xC2 && self.at(k + 1) == 0x85)
            || (b == 0xE2 && self.at(k + 1) == 0x80 && (self.at(k + 2) == 0xA8 || self.at(k + 2) == 0xA9))
    }
    fn is_crlf(&self, k: usize) -> bool {
        self.at(k) == b'\r' && self.at(k + 1) == b'\n'
    }
    fn is_breakz(&self, k: usize) -> bool {
        self.is_break(k) || self.is_z(k)
    }
    fn is_blankz(&self, k: usize) -> bool {
        self.is_blank(k) || self.is_breakz(k)
    }

    // --------------------------------------------------------- movement

    fn skip(&mut self) {
        self.mark.index += 1;
        self.mark.column += 1;
        self.unread = self.unread.saturating_sub(1);
        self.buffer_pos += width(self.at(0)).max(1);
    }

    fn skip_line(&mut self) {
        if self.is_crlf(0) {
            self.mark.index += 2;
            self.mark.column = 0;
            self.mark.line += 1;
            self.unread = self.unread.saturating_sub(2);
            self.buffer_pos += 2;
        } else if self.is_break(0) {
            self.mark.index += 1;
            self.mark.column = 0;
            self.mark.line += 1;
            self.unread = self.unread.saturating_sub(1);
            self.buffer_pos += width(self.at(0)).max(1);
        }
    }

    fn read(&mut self, s: &mut Vec<u8>) {
        let w = width(self.at(0)).max(1);
        let end = (self.buffer_pos + w).min(self.buffer.len());
        if self.buffer_pos < end {
            s.extend_from_slice(&self.buffer[self.buffer_pos..end]);
        }
        self.buffer_pos += w;
        self.mark.index += 1;
        self.mark.column += 1;
        self.unread = self.unread.saturating_sub(1);
    }

    fn read_line(&mut self, s: &mut Vec<u8>) {
        let b0 = self.at(0);
        let b1 = self.at(1);
        if b0 == b'\r' && b1 == b'\n' {
            s.push(b'\n');
            self.buffer_pos += 2;
            self.mark.index += 1;
            self.unread = self.unread.saturating_sub(1);
        } else if b0 == b'\r' || b0 == b'\n' {
            s.push(b'\n');
            self.buffer_pos += 1;
        } else if b0 == 0xC2 && b1 == 0x85 {
            s.push(b'\n');
            self.buffer_pos += 2;
        } else if b0 == 0xE2 && b1 == 0x80 && (self.at(2) == 0xA8 || self.at(2) == 0xA9) {
            s.extend_from_slice(&[0xE2, 0x80, self.at(2)]);
            self.buffer_pos += 3;
        } else {
            return;
        }
        self.mark.index += 1;
        self.mark.column = 0;
        self.mark.line += 1;
        self.unread = self.unread.saturating_sub(1);
    }

    // ------------------------------------------------------------ errors

    fn set_scanner_error(&mut self, context_mark: Mark, problem: &str) -> bool {
        self.error = Some(Problem {
            kind: ErrorKind::Scanner,
            problem: problem.to_string(),
            problem_mark: self.mark,
            context_mark,
        });
        false
    }

    // ---------------------------------------------------------- tokens

    fn insert_token(&mut self, pos: Option<usize>, token: Token) {
        match pos {
            Some(p) if p <= self.tokens.len() => self.tokens.insert(p, token),
            _ => self.tokens.push_back(token),
        }
    }

    /// Makes sure a token is ready at the queue head (libyaml's
    /// `yaml_parser_fetch_more_tokens`).
    pub fn fetch_more_tokens(&mut self) -> bool {
        loop {
            if !self.tokens.is_empty() {
                let Some(&idx) = self.simple_keys_by_tok.get(&self.tokens_parsed) else {
                    break;
                };
                let (valid, ok) = self.simple_key_is_valid(idx);
                if !ok {
                    return false;
                }
                if !valid {
                    break;
                }
            }
            if !self.fetch_next_token() {
                return false;
            }
        }
        self.token_available = true;
        true
    }

    fn fetch_next_token(&mut self) -> bool {
        if !self.cache(1) {
            return false;
        }
        if !self.stream_start_produced {
            return self.fetch_stream_start();
        }
        if !self.scan_to_next_token() {
            return false;
        }
        self.unroll_indent(self.mark.column as isize);
        if !self.cache(4) {
            return false;
        }
        if self.is_z(0) {
            return self.fetch_stream_end();
        }
        let c = self.at(0);
        if self.mark.column == 0 && c == b'%' {
            return self.fetch_directive();
        }
        if self.mark.column == 0 && c == b'-' && self.at(1) == b'-' && self.at(2) == b'-' && self.is_blankz(3) {
            return self.fetch_document_indicator(TokenType::DocumentStart);
        }
        if self.mark.column == 0 && c == b'.' && self.at(1) == b'.' && self.at(2) == b'.' && self.is_blankz(3) {
            return self.fetch_document_indicator(TokenType::DocumentEnd);
        }
        match c {
            b'[' => return self.fetch_flow_collection_start(TokenType::FlowSequenceStart),
            b'{' => return self.fetch_flow_collection_start(TokenType::FlowMappingStart),
            b']' => return self.fetch_flow_collection_end(TokenType::FlowSequenceEnd),
            b'}' => return self.fetch_flow_collection_end(TokenType::FlowMappingEnd),
            b',' => return self.fetch_flow_entry(),
            _ => {}
        }
        if c == b'-' && self.is_blankz(1) {
            return self.fetch_block_entry();
        }
        if c == b'?' && (self.flow_level > 0 || self.is_blankz(1)) {
            return self.fetch_key();
        }
        if c == b':' && (self.flow_level > 0 || self.is_blankz(1)) {
            return self.fetch_value();
        }
        match c {
            b'*' => return self.fetch_anchor(TokenType::Alias),
            b'&' => return self.fetch_anchor(TokenType::Anchor),
            b'!' => return self.fetch_tag(),
            b'|' if self.flow_level == 0 => return self.fetch_block_scalar(true),
            b'>' if self.flow_level == 0 => return self.fetch_block_scalar(false),
            b'\'' => return self.fetch_flow_scalar(true),
            b'"' => return self.fetch_flow_scalar(false),
            _ => {}
        }
        let indicator = matches!(
            c,
            b'-' | b'?'
                | b':'
                | b','
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
        );
        if !(self.is_blankz(0) || indicator)
            || (c == b'-' && !self.is_blank(1))
            || (self.flow_level == 0 && (c == b'?' || c == b':') && !self.is_blankz(1))
        {
            return self.fetch_plain_scalar();
        }
        let mark = self.mark;
        self.set_scanner_error(mark, "found character that cannot start any token")
    }

    fn simple_key_is_valid(&mut self, idx: usize) -> (bool, bool) {
        let Some(key) = self.simple_keys.get(idx).copied() else {
            return (false, true);
        };
        if !key.possible {
            return (false, true);
        }
        if key.mark.line < self.mark.line || key.mark.index + 1024 < self.mark.index {
            if key.required {
                let ok = self.set_scanner_error(key.mark, "could not find expected ':'");
                return (false, ok);
            }
            if let Some(k) = self.simple_keys.get_mut(idx) {
                k.possible = false;
            }
            return (false, true);
        }
        (true, true)
    }

    fn save_simple_key(&mut self) -> bool {
        let required = self.flow_level == 0 && self.indent == self.mark.column as isize;
        if self.simple_key_allowed {
            let key = SimpleKey {
                possible: true,
                required,
                token_number: self.tokens_parsed + self.tokens.len(),
                mark: self.mark,
            };
            if !self.remove_simple_key() {
                return false;
            }
            let last = self.simple_keys.len() - 1;
            self.simple_keys[last] = key;
            self.simple_keys_by_tok.insert(key.token_number, last);
        }
        true
    }

    fn remove_simple_key(&mut self) -> bool {
        let i = self.simple_keys.len() - 1;
        let key = self.simple_keys[i];
        if key.possible {
            if key.required {
                return self.set_scanner_error(key.mark, "could not find expected ':'");
            }
            self.simple_keys[i].possible = false;
            self.simple_keys_by_tok.remove(&key.token_number);
        }
        true
    }

    fn increase_flow_level(&mut self) -> bool {
        self.simple_keys.push(SimpleKey {
            possible: false,
            required: false,
            token_number: self.tokens_parsed + self.tokens.len(),
            mark: self.mark,
        });
        self.flow_level += 1;
        if self.flow_level > MAX_FLOW_LEVEL {
            let mark = self.simple_keys[self.simple_keys.len() - 1].mark;
            return self.set_scanner_error(mark, &format!("exceeded max depth of {MAX_FLOW_LEVEL}"));
        }
        true
    }

    fn decrease_flow_level(&mut self) {
        if self.flow_level > 0 {
            self.flow_level -= 1;
            if let Some(key) = self.simple_keys.pop() {
                self.simple_keys_by_tok.remove(&key.token_number);
            }
        }
    }

    fn roll_indent(&mut self, column: isize, number: Option<usize>, typ: TokenType, mark: Mark) -> bool {
        if self.flow_level > 0 {
            return true;
        }
        if self.indent < column {
            self.indents.push(self.indent);
            self.indent = column;
            if self.indents.len() > MAX_INDENTS {
                let m = self.simple_keys[self.simple_keys.len() - 1].mark;
                return self.set_scanner_error(m, &format!("exceeded max depth of {MAX_INDENTS}"));
            }
            let token = Token::new(typ, mark, mark);
            let pos = number.map(|n| n.saturating_sub(self.tokens_parsed));
            self.insert_token(pos, token);
        }
        true
    }

    fn unroll_indent(&mut self, column: isize) {
        if self.flow_level > 0 {
            return;
        }
        while self.indent > column {
            let token = Token::new(TokenType::BlockEnd, self.mark, self.mark);
            self.insert_token(None, token);
            self.indent = self.indents.pop().unwrap_or(-1);
        }
    }

    fn fetch_stream_start(&mut self) -> bool {
        self.indent = -1;
        self.simple_keys.push(SimpleKey::default());
        self.simple_keys_by_tok.clear();
        self.simple_key_allowed = true;
        self.stream_start_produced = true;
        let token = Token::new(TokenType::StreamStart, self.mark, self.mark);
        self.insert_token(None, token);
        true
    }

    fn fetch_stream_end(&mut self) -> bool {
        if self.mark.column != 0 {
            self.mark.column = 0;
            self.mark.line += 1;
        }
        self.unroll_indent(-1);
        if !self.remove_simple_key() {
            return false;
        }
        self.simple_key_allowed = false;
        let token = Token::new(TokenType::StreamEnd, self.mark, self.mark);
        self.insert_token(None, token);
        true
    }

    fn fetch_directive(&mut self) -> bool {
        self.unroll_indent(-1);
        if !self.remove_simple_key() {
            return false;
        }
        self.simple_key_allowed = false;
        let Some(token) = self.scan_directive() else {
            return false;
        };
        self.insert_token(None, token);
        true
    }

    fn fetch_document_indicator(&mut self, typ: TokenType) -> bool {
        self.unroll_indent(-1);
        if !self.remove_simple_key() {
            return false;
        }
        self.simple_key_allowed = false;
        let start_mark = self.mark;
        self.skip();
        self.skip();
        self.skip();
        let end_mark = self.mark;
        self.insert_token(None, Token::new(typ, start_mark, end_mark));
        true
    }

    fn fetch_flow_collection_start(&mut self, typ: TokenType) -> bool {
        if !self.save_simple_key() {
            return false;
        }
        if !self.increase_flow_level() {
            return false;
        }
        self.simple_key_allowed = true;
        let start_mark = self.mark;
        self.skip();
        let end_mark = self.mark;
        self.insert_token(None, Token::new(typ, start_mark, end_mark));
        true
    }

    fn fetch_flow_collection_end(&mut self, typ: TokenType) -> bool {
        if !self.remove_simple_key() {
            return false;
        }
        self.decrease_flow_level();
        self.simple_key_allowed = false;
        let start_mark = self.mark;
        self.skip();
        let end_mark = self.mark;
        self.insert_token(None, Token::new(typ, start_mark, end_mark));
        true
    }

    fn fetch_flow_entry(&mut self) -> bool {
        if !self.remove_simple_key() {
            return false;
        }
        self.simple_key_allowed = true;
        let start_mark = self.mark;
        self.skip();
        let end_mark = self.mark;
        self.insert_token(None, Token::new(TokenType::FlowEntry, start_mark, end_mark));
        true
    }

    fn fetch_block_entry(&mut self) -> bool {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                let mark = self.mark;
                return self.set_scanner_error(mark, "block sequence entries are not allowed in this context");
            }
            let (col, mark) = (self.mark.column as isize, self.mark);
            if !self.roll_indent(col, None, TokenType::BlockSequenceStart, mark) {
                return false;
            }
        }
        if !self.remove_simple_key() {
            return false;
        }
        self.simple_key_allowed = true;
        let start_mark = self.mark;
        self.skip();
        let end_mark = self.mark;
        self.insert_token(None, Token::new(TokenType::BlockEntry, start_mark, end_mark));
        true
    }

    fn fetch_key(&mut self) -> bool {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                let mark = self.mark;
                return self.set_scanner_error(mark, "mapping keys are not allowed in this context");
            }
            let (col, mark) = (self.mark.column as isize, self.mark);
            if !self.roll_indent(col, None, TokenType::BlockMappingStart, mark) {
                return false;
            }
        }
        if !self.remove_simple_key() {
            return false;
        }
        self.simple_key_allowed = self.flow_level == 0;
        let start_mark = self.mark;
        self.skip();
        let end_mark = self.mark;
        self.insert_token(None, Token::new(TokenType::Key, start_mark, end_mark));
        true
    }

    fn fetch_value(&mut self) -> bool {
        let idx = self.simple_keys.len() - 1;
        let (valid, ok) = self.simple_key_is_valid(idx);
        if !ok {
            return false;
        }
        if valid {
            let key = self.simple_keys[idx];
            let token = Token::new(TokenType::Key, key.mark, key.mark);
            let pos = key.token_number.saturating_sub(self.tokens_parsed);
            self.insert_token(Some(pos), token);
            if !self.roll_indent(
                key.mark.column as isize,
                Some(key.token_number),
                TokenType::BlockMappingStart,
                key.mark,
            ) {
                return false;
            }
            self.simple_keys[idx].possible = false;
            self.simple_keys_by_tok.remove(&key.token_number);
            self.simple_key_allowed = false;
        } else {
            if self.flow_level == 0 {
                if !self.simple_key_allowed {
                    let mark = self.mark;
                    return self.set_scanner_error(mark, "mapping values are not allowed in this context");
                }
                let (col, mark) = (self.mark.column as isize, self.mark);
                if !self.roll_indent(col, None, TokenType::BlockMappingStart, mark) {
                    return false;
                }
            }
            self.simple_key_allowed = self.flow_level == 0;
        }
        let start_mark = self.mark;
        self.skip();
        let end_mark = self.mark;
        self.insert_token(None, Token::new(TokenType::Value, start_mark, end_mark));
        true
    }

    fn fetch_anchor(&mut self, typ: TokenType) -> bool {
        if !self.save_simple_key() {
            return false;
        }
        self.simple_key_allowed = false;
        let Some(token) = self.scan_anchor(typ) else {
            return false;
        };
        self.insert_token(None, token);
        true
    }

    fn fetch_tag(&mut self) -> bool {
        if !self.save_simple_key() {
            return false;
        }
        self.simple_key_allowed = false;
        let Some(token) = self.scan_tag() else {
            return false;
        };
        self.insert_token(None, token);
        true
    }

    fn fetch_block_scalar(&mut self, literal: bool) -> bool {
        if !self.remove_simple_key() {
            return false;
        }
        self.simple_key_allowed = true;
        let Some(token) = self.scan_block_scalar(literal) else {
            return false;
        };
        self.insert_token(None, token);
        true
    }

    fn fetch_flow_scalar(&mut self, single: bool) -> bool {
        if !self.save_simple_key() {
            return false;
        }
        self.simple_key_allowed = false;
        let Some(token) = self.scan_flow_scalar(single) else {
            return false;
        };
        self.insert_token(None, token);
        true
    }

    fn fetch_plain_scalar(&mut self) -> bool {
        if !self.save_simple_key() {
            return false;
        }
        self.simple_key_allowed = false;
        let Some(token) = self.scan_plain_scalar() else {
            return false;
        };
        self.insert_token(None, token);
        true
    }

    fn scan_to_next_token(&mut self) -> bool {
        loop {
            if !self.cache(1) {
                return false;
            }
            if self.mark.column == 0 && self.is_bom() {
                self.skip();
            }
            if !self.cache(1) {
                return false;
            }
            while self.check(b' ') || ((self.flow_level > 0 || !self.simple_key_allowed) && self.check(b'\t')) {
                self.skip();
                if !self.cache(1) {
                    return false;
                }
            }
            if self.check(b'#') {
                while !self.is_breakz(0) {
                    self.skip();
                    if !self.cache(1) {
                        return false;
                    }
                }
            }
            if self.is_break(0) {
                if !self.cache(2) {
                    return false;
                }
                self.skip_line();
                if self.flow_level == 0 {
                    self.simple_key_allowed = true;
                }
            } else {
                break;
            }
        }
        true
    }

    fn scan_directive(&mut self) -> Option<Token> {
        let start_mark = self.mark;
        self.skip();
        let name = self.scan_directive_name(start_mark)?;
        let token = if name == b"YAML" {
            let (major, minor) = self.scan_version_directive_value(start_mark)?;
            let mut t = Token::new(TokenType::VersionDirective, start_mark, self.mark);
            t.major = major;
            t.minor = minor;
            t
        } else if name == b"TAG" {
            let (handle, prefix) = self.scan_tag_directive_value(start_mark)?;
            let mut t = Token::new(TokenType::TagDirective, start_mark, self.mark);
            t.value = handle;
            t.prefix = prefix;
            t
        } else {
            self.set_scanner_error(start_mark, "found unknown directive name");
            return None;
        };
        if !self.cache(1) {
            return None;
        }
        while self.is_blank(0) {
            self.skip();
            if !self.cache(1) {
                return None;
            }
        }
        if self.check(b'#') {
            while !self.is_breakz(0) {
                self.skip();
                if !self.cache(1) {
                    return None;
                }
            }
        }
        if !self.is_breakz(0) {
            self.set_scanner_error(start_mark, "did not find expected comment or line break");
            return None;
        }
        if self.is_break(0) {
            if !self.cache(2) {
                return None;
            }
            self.skip_line();
        }
        Some(token)
    }

    fn scan_directive_name(&mut self, start_mark: Mark) -> Option<Vec<u8>> {
        if !self.cache(1) {
            return None;
        }
        let mut s = Vec::new();
        while self.is_alpha(0) {
            self.read(&mut s);
            if !self.cache(1) {
                return None;
            }
        }
        if s.is_empty() {
            self.set_scanner_error(start_mark, "could not find expected directive name");
            return None;
        }
        if !self.is_blankz(0) {
            self.set_scanner_error(start_mark, "found unexpected non-alphabetical character");
            return None;
        }
        Some(s)
    }

    fn scan_version_directive_value(&mut self, start_mark: Mark) -> Option<(i8, i8)> {
        if !self.cache(1) {
            return None;
        }
        while self.is_blank(0) {
            self.skip();
            if !self.cache(1) {
                return None;
            }
        }
        let major = self.scan_version_directive_number(start_mark)?;
        if !self.check(b'.') {
            self.set_scanner_error(start_mark, "did not find expected digit or '.' character");
            return None;
        }
        self.skip();
        let minor = self.scan_version_directive_number(start_mark)?;
        Some((major, minor))
    }

    fn scan_version_directive_number(&mut self, start_mark: Mark) -> Option<i8> {
        if !self.cache(1) {
            return None;
        }
        let mut value: i8 = 0;
        let mut length: i8 = 0;
        while self.is_digit(0) {
            length += 1;
            if length > MAX_NUMBER_LENGTH {
                self.set_scanner_error(start_mark, "found extremely long version number");
                return None;
            }
            value = value.wrapping_mul(10).wrapping_add((self.at(0) - b'0') as i8);
            self.skip();
            if !self.cache(1) {
                return None;
            }
        }
        if length == 0 {
            self.set_scanner_error(start_mark, "did not find expected version number");
            return None;
        }
        Some(value)
    }

    fn scan_tag_directive_value(&mut self, start_mark: Mark) -> Option<(Vec<u8>, Vec<u8>)> {
        if !self.cache(1) {
            return None;
        }
        while self.is_blank(0) {
            self.skip();
            if !self.cache(1) {
                return None;
            }
        }
        let handle = self.scan_tag_handle(true, start_mark)?;
        if !self.cache(1) {
            return None;
        }
        if !self.is_blank(0) {
            self.set_scanner_error(start_mark, "did not find expected whitespace");
            return None;
        }
        while self.is_blank(0) {
            self.skip();
            if !self.cache(1) {
                return None;
            }
        }
        let prefix = self.scan_tag_uri(true, &[], start_mark)?;
        if !self.cache(1) {
            return None;
        }
        if !self.is_blankz(0) {
            self.set_scanner_error(start_mark, "did not find expected whitespace or line break");
            return None;
        }
        Some((handle, prefix))
    }

    fn scan_anchor(&mut self, typ: TokenType) -> Option<Token> {
        let mut s = Vec::new();
        let start_mark = self.mark;
        self.skip();
        if !self.cache(1) {
            return None;
        }
        while self.is_alpha(0) {
            self.read(&mut s);
            if !self.cache(1) {
                return None;
            }
        }
        let end_mark = self.mark;
        let c = self.at(0);
        if s.is_empty() || !(self.is_blankz(0) || matches!(c, b'?' | b':' | b',' | b']' | b'}' | b'%' | b'@' | b'`')) {
            self.set_scanner_error(start_mark, "did not find expected alphabetic or numeric character");
            return None;
        }
        let mut t = Token::new(typ, start_mark, end_mark);
        t.value = s;
        Some(t)
    }

    fn scan_tag(&mut self) -> Option<Token> {
        let start_mark = self.mark;
        if !self.cache(2) {
            return None;
        }
        let mut handle;
        let mut suffix;
        if self.at(1) == b'<' {
            handle = Vec::new();
            self.skip();
            self.skip();
            suffix = self.scan_tag_uri(false, &[], start_mark)?;
            if !self.check(b'>') {
                self.set_scanner_error(start_mark, "did not find the expected '>'");
                return None;
            }
            self.skip();
        } else {
            handle = self.scan_tag_handle(false, start_mark)?;
            if handle.first() == Some(&b'!') && handle.len() > 1 && handle.last() == Some(&b'!') {
                suffix = self.scan_tag_uri(false, &[], start_mark)?;
            } else {
                suffix = self.scan_tag_uri(false, &handle, start_mark)?;
                handle = vec![b'!'];
                if suffix.is_empty() {
                    std::mem::swap(&mut handle, &mut suffix);
                }
            }
        }
        if !self.cache(1) {
            return None;
        }
        if !self.is_blankz(0) {
            self.set_scanner_error(start_mark, "did not find expected whitespace or line break");
            return None;
        }
        let mut t = Token::new(TokenType::Tag, start_mark, self.mark);
        t.value = handle;
        t.suffix = suffix;
        Some(t)
    }

    fn scan_tag_handle(&mut self, directive: bool, start_mark: Mark) -> Option<Vec<u8>> {
        if !self.cache(1) {
            return None;
        }
        if !self.check(b'!') {
            self.set_scanner_error(start_mark, "did not find expected '!'");
            return None;
        }
        let mut s = Vec::new();
        self.read(&mut s);
        if !self.cache(1) {
            return None;
        }
        while self.is_alpha(0) {
            self.read(&mut s);
            if !self.cache(1) {
                return None;
            }
        }
        if self.check(b'!') {
            self.read(&mut s);
        } else if directive && s != b"!" {
            self.set_scanner_error(start_mark, "did not find expected '!'");
            return None;
        }
        Some(s)
    }

    fn scan_tag_uri(&mut self, directive: bool, head: &[u8], start_mark: Mark) -> Option<Vec<u8>> {
        let mut s = Vec::new();
        let mut has_tag = !head.is_empty();
        if head.len() > 1 {
            s.extend_from_slice(&head[1..]);
        }
        if !self.cache(1) {
            return None;
        }
        loop {
            let c = self.at(0);
            let ok = self.is_alpha(0)
                || matches!(
                    c,
                    b';' | b'/'
                        | b'?'
                        | b':'
                        | b'@'
                        | b'&'
                        | b'='
                        | b'+'
                        | b'$'
                        | b','
                        | b'.'
                        | b'!'
                        | b'~'
                        | b'*'
                        | b'\''
                        | b'('
                        | b')'
                        | b'['
                        | b']'
                        | b'%'
                );
            if !ok {
                break;
            }
            if c == b'%' {
                if !self.scan_uri_escapes(directive, start_mark, &mut s) {
                    return None;
                }
            } else {
                self.read(&mut s);
            }
            if !self.cache(1) {
                return None;
            }
            has_tag = true;
        }
        if !has_tag {
            self.set_scanner_error(start_mark, "did not find expected tag URI");
            return None;
        }
        Some(s)
    }

    fn scan_uri_escapes(&mut self, _directive: bool, start_mark: Mark, s: &mut Vec<u8>) -> bool {
        let mut w: usize = 1024;
        while w > 0 {
            if !self.cache(3) {
                return false;
            }
            if !(self.check(b'%') && self.is_hex(1) && self.is_hex(2)) {
                return self.set_scanner_error(start_mark, "did not find URI escaped octet");
            }
            let octet = ((self.as_hex(1) << 4) + self.as_hex(2)) as u8;
            if w == 1024 {
                w = width(octet);
                if w == 0 {
                    return self.set_scanner_error(start_mark, "found an incorrect leading UTF-8 octet");
                }
            } else if octet & 0xC0 != 0x80 {
                return self.set_scanner_error(start_mark, "found an incorrect trailing UTF-8 octet");
            }
            s.push(octet);
            self.skip();
            self.skip();
            self.skip();
            w -= 1;
        }
        true
    }

    fn scan_block_scalar(&mut self, literal: bool) -> Option<Token> {
        let start_mark = self.mark;
        self.skip();
        if !self.cache(1) {
            return None;
        }
        let mut chomping = 0i32;
        let mut increment = 0isize;
        if self.check(b'+') || self.check(b'-') {
            chomping = if self.check(b'+') { 1 } else { -1 };
            self.skip();
            if !self.cache(1) {
                return None;
            }
            if self.is_digit(0) {
                if self.check(b'0') {
                    self.set_scanner_error(start_mark, "found an indentation indicator equal to 0");
                    return None;
                }
                increment = (self.at(0) - b'0') as isize;
                self.skip();
            }
        } else if self.is_digit(0) {
            if self.check(b'0') {
                self.set_scanner_error(start_mark, "found an indentation indicator equal to 0");
                return None;
            }
            increment = (self.at(0) - b'0') as isize;
            self.skip();
            if !self.cache(1) {
                return None;
            }
            if self.check(b'+') || self.check(b'-') {
                chomping = if self.check(b'+') { 1 } else { -1 };
                self.skip();
            }
        }
        if !self.cache(1) {
            return None;
        }
        while self.is_blank(0) {
            self.skip();
            if !self.cache(1) {
                return None;
            }
        }
        if self.check(b'#') {
            while !self.is_breakz(0) {
                self.skip();
                if !self.cache(1) {
                    return None;
                }
            }
        }
        if !self.is_breakz(0) {
            self.set_scanner_error(start_mark, "did not find expected comment or line break");
            return None;
        }
        if self.is_break(0) {
            if !self.cache(2) {
                return None;
            }
            self.skip_line();
        }
        let mut end_mark = self.mark;
        let mut indent: isize = 0;
        if increment > 0 {
            indent = if self.indent >= 0 { self.indent + increment } else { increment };
        }
        let mut s = Vec::new();
        let mut leading_break = Vec::new();
        let mut trailing_breaks = Vec::new();
        if !self.scan_block_scalar_breaks(&mut indent, &mut trailing_breaks, start_mark, &mut end_mark) {
            return None;
        }
        if !self.cache(1) {
            return None;
        }
        let mut leading_blank = false;
        while self.mark.column as isize == indent && !self.is_z(0) {
            let trailing_blank = self.is_blank(0);
            if !literal && !leading_blank && !trailing_blank && leading_break.first() == Some(&b'\n') {
                if trailing_breaks.is_empty() {
                    s.push(b' ');
                }
            } else {
                s.extend_from_slice(&leading_break);
            }
            leading_break.clear();
            s.extend_from_slice(&trailing_breaks);
            trailing_breaks.clear();
            leading_blank = self.is_blank(0);
            while !self.is_breakz(0) {
                self.read(&mut s);
                if !self.cache(1) {
                    return None;
                }
            }
            if !self.cache(2) {
                return None;
            }
            self.read_line(&mut leading_break);
            if !self.scan_block_scalar_breaks(&mut indent, &mut trailing_breaks, start_mark, &mut end_mark) {
                return None;
            }
        }
        if chomping != -1 {
            s.extend_from_slice(&leading_break);
        }
        if chomping == 1 {
            s.extend_from_slice(&trailing_breaks);
        }
        let mut t = Token::new(TokenType::Scalar, start_mark, end_mark);
        t.value = s;
        t.style = if literal { ScalarStyle::Literal } else { ScalarStyle::Folded };
        Some(t)
    }

    fn scan_block_scalar_breaks(
        &mut self,
        indent: &mut isize,
        breaks: &mut Vec<u8>,
        start_mark: Mark,
        end_mark: &mut Mark,
    ) -> bool {
        *end_mark = self.mark;
        let mut max_indent: isize = 0;
        loop {
            if !self.cache(1) {
                return false;
            }
            while (*indent == 0 || (self.mark.column as isize) < *indent) && self.is_space(0) {
                self.skip();
                if !self.cache(1) {
                    return false;
                }
            }
            if self.mark.column as isize > max_indent {
                max_indent = self.mark.column as isize;
            }
            if (*indent == 0 || (self.mark.column as isize) < *indent) && self.is_tab(0) {
                return self
                    .set_scanner_error(start_mark, "found a tab character where an indentation space is expected");
            }
            if !self.is_break(0) {
                break;
            }
            if !self.cache(2) {
                return false;
            }
            self.read_line(breaks);
            *end_mark = self.mark;
        }
        if *indent == 0 {
            *indent = max_indent;
            if *indent < self.indent + 1 {
                *indent = self.indent + 1;
            }
            if *indent < 1 {
                *indent = 1;
            }
        }
        true
    }

    fn is_document_indicator(&self) -> bool {
        self.mark.column == 0
            && ((self.at(0) == b'-' && self.at(1) == b'-' && self.at(2) == b'-')
                || (self.at(0) == b'.' && self.at(1) == b'.' && self.at(2) == b'.'))
            && self.is_blankz(3)
    }

    fn scan_flow_scalar(&mut self, single: bool) -> Option<Token> {
        let start_mark = self.mark;
        self.skip();
        let mut s = Vec::new();
        let mut leading_break = Vec::new();
        let mut trailing_breaks = Vec::new();
        let mut whitespaces = Vec::new();
        loop {
            if !self.cache(4) {
                return None;
            }
            if self.is_document_indicator() {
                self.set_scanner_error(start_mark, "found unexpected document indicator");
                return None;
            }
            if self.is_z(0) {
                self.set_scanner_error(start_mark, "found unexpected end of stream");
                return None;
            }
            let mut leading_blanks = false;
            while !self.is_blankz(0) {
                let c = self.at(0);
                if single && c == b'\'' && self.at(1) == b'\'' {
                    s.push(b'\'');
                    self.skip();
                    self.skip();
                } else if (single && c == b'\'') || (!single && c == b'"') {
                    break;
                } else if !single && c == b'\\' && self.is_break(1) {
                    if !self.cache(3) {
                        return None;
                    }
                    self.skip();
                    self.skip_line();
                    leading_blanks = true;
                    break;
                } else if !single && c == b'\\' {
                    let mut code_length = 0usize;
                    match self.at(1) {
                        b'0' => s.push(0),
                        b'a' => s.push(0x07),
                        b'b' => s.push(0x08),
                        b't' | b'\t' => s.push(0x09),
                        b'n' => s.push(0x0A),
                        b'v' => s.push(0x0B),
                        b'f' => s.push(0x0C),
                        b'r' => s.push(0x0D),
                        b'e' => s.push(0x1B),
                        b' ' => s.push(0x20),
                        b'"' => s.push(b'"'),
                        b'\'' => s.push(b'\''),
                        b'\\' => s.push(b'\\'),
                        b'N' => s.extend_from_slice(&[0xC2, 0x85]),
                        b'_' => s.extend_from_slice(&[0xC2, 0xA0]),
                        b'L' => s.extend_from_slice(&[0xE2, 0x80, 0xA8]),
                        b'P' => s.extend_from_slice(&[0xE2, 0x80, 0xA9]),
                        b'x' => code_length = 2,
                        b'u' => code_length = 4,
                        b'U' => code_length = 8,
                        _ => {
                            self.set_scanner_error(start_mark, "found unknown escape character");
                            return None;
                        }
                    }
                    self.skip();
                    self.skip();
                    if code_length > 0 {
                        if !self.cache(code_length) {
                            return None;
                        }
                        let mut value: u32 = 0;
                        for k in 0..code_length {
                            if !self.is_hex(k) {
                                self.set_scanner_error(start_mark, "did not find expected hexdecimal number");
                                return None;
                            }
                            value = (value << 4) + self.as_hex(k);
                        }
                        if (0xD800..=0xDFFF).contains(&value) || value > 0x10FFFF {
                            self.set_scanner_error(start_mark, "found invalid Unicode character escape code");
                            return None;
                        }
                        let ch = char::from_u32(value).unwrap_or('\u{FFFD}');
                        let mut tmp = [0u8; 4];
                        s.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                        for _ in 0..code_length {
                            self.skip();
                        }
                    }
                } else {
                    self.read(&mut s);
                }
                if !self.cache(2) {
                    return None;
                }
            }
            if !self.cache(1) {
                return None;
            }
            if single {
                if self.check(b'\'') {
                    break;
                }
            } else if self.check(b'"') {
                break;
            }
            while self.is_blank(0) || self.is_break(0) {
                if self.is_blank(0) {
                    if !leading_blanks {
                        self.read(&mut whitespaces);
                    } else {
                        self.skip();
                    }
                } else {
                    if !self.cache(2) {
                        return None;
                    }
                    if !leading_blanks {
                        whitespaces.clear();
                        self.read_line(&mut leading_break);
                        leading_blanks = true;
                    } else {
                        self.read_line(&mut trailing_breaks);
                    }
                }
                if !self.cache(1) {
                    return None;
                }
            }
            if leading_blanks {
                if leading_break.first() == Some(&b'\n') {
                    if trailing_breaks.is_empty() {
                        s.push(b' ');
                    } else {
                        s.extend_from_slice(&trailing_breaks);
                    }
                } else {
                    s.extend_from_slice(&leading_break);
                    s.extend_from_slice(&trailing_breaks);
                }
                trailing_breaks.clear();
                leading_break.clear();
            } else {
                s.extend_from_slice(&whitespaces);
                whitespaces.clear();
            }
        }
        self.skip();
        let mut t = Token::new(TokenType::Scalar, start_mark, self.mark);
        t.value = s;
        t.style = if single { ScalarStyle::SingleQuoted } else { ScalarStyle::DoubleQuoted };
        Some(t)
    }

    fn scan_plain_scalar(&mut self) -> Option<Token> {
        let mut s = Vec::new();
        let mut leading_break = Vec::new();
        let mut trailing_breaks = Vec::new();
        let mut whitespaces = Vec::new();
        let mut leading_blanks = false;
        let indent = self.indent + 1;
        let start_mark = self.mark;
        let mut end_mark = self.mark;
        loop {
            if !self.cache(4) {
                return None;
            }
            if self.is_document_indicator() {
                break;
            }
            if self.check(b'#') {
                break;
            }
            while !self.is_blankz(0) {
                let c = self.at(0);
                if (c == b':' && self.is_blankz(1))
                    || (self.flow_level > 0 && matches!(c, b',' | b'?' | b'[' | b']' | b'{' | b'}'))
                {
                    break;
                }
                if leading_blanks || !whitespaces.is_empty() {
                    if leading_blanks {
                        if leading_break.first() == Some(&b'\n') {
                            if trailing_breaks.is_empty() {
                                s.push(b' ');
                            } else {
                                s.extend_from_slice(&trailing_breaks);
                            }
                        } else {
                            s.extend_from_slice(&leading_break);
                            s.extend_from_slice(&trailing_breaks);
                        }
                        trailing_breaks.clear();
                        leading_break.clear();
                        leading_blanks = false;
                    } else {
                        s.extend_from_slice(&whitespaces);
                        whitespaces.clear();
                    }
                }
                self.read(&mut s);
                end_mark = self.mark;
                if !self.cache(2) {
                    return None;
                }
            }
            if !(self.is_blank(0) || self.is_break(0)) {
                break;
            }
            if !self.cache(1) {
                return None;
            }
            while self.is_blank(0) || self.is_break(0) {
                if self.is_blank(0) {
                    if leading_blanks && (self.mark.column as isize) < indent && self.is_tab(0) {
                        self.set_scanner_error(start_mark, "found a tab character that violates indentation");
                        return None;
                    }
                    if !leading_blanks {
                        self.read(&mut whitespaces);
                    } else {
                        self.skip();
                    }
                } else {
                    if !self.cache(2) {
                        return None;
                    }
                    if !leading_blanks {
                        whitespaces.clear();
                        self.read_line(&mut leading_break);
                        leading_blanks = true;
                    } else {
                        self.read_line(&mut trailing_breaks);
                    }
                }
                if !self.cache(1) {
                    return None;
                }
            }
            if self.flow_level == 0 && (self.mark.column as isize) < indent {
                break;
            }
        }
        let mut t = Token::new(TokenType::Scalar, start_mark, end_mark);
        t.value = s;
        t.style = ScalarStyle::Plain;
        if leading_blanks {
            self.simple_key_allowed = true;
        }
        Some(t)
    }
}
