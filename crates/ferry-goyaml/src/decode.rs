//! Decoding into the plain tree: a port of go-yaml v2's `decode.go` for an
//! `interface{}` target (node composition, then the decoder with its alias
//! guard, merge keys and strict duplicate detection).

use std::collections::{HashMap, HashSet};

use crate::error::Error;
use crate::parser::{Event, EventType, Parser};
use crate::resolve::{self, BINARY_TAG, MERGE_TAG, Resolved};
use crate::scanner::Mark;
use crate::value::{Value, map_contains, map_set};

/// Deepest nesting of collections accepted when composing or decoding.
/// go-yaml allows 10000 levels on Go's growable stacks; Rust threads have
/// fixed stacks, so the tree is capped well below what they can hold.
pub const MAX_DEPTH: usize = 512;

/// Largest input accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 256 << 20;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Document,
    Mapping,
    Sequence,
    Scalar,
    Alias,
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    line: usize,
    tag: String,
    value: String,
    implicit: bool,
    children: Vec<usize>,
    alias: usize,
}

fn lossy(b: Vec<u8>) -> String {
    match String::from_utf8(b) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn fail(msg: impl Into<String>) -> Error {
    Error::Yaml(format!("yaml: {}", msg.into()))
}

/// Builds node trees from the event stream (go-yaml's `parser` type).
struct Composer<'a> {
    parser: Parser<'a>,
    event: Option<Event>,
    nodes: Vec<Node>,
    anchors: HashMap<String, usize>,
    done_init: bool,
    depth: usize,
}

impl<'a> Composer<'a> {
    fn new(input: &'a [u8]) -> Composer<'a> {
        Composer {
            parser: Parser::new(input),
            event: None,
            nodes: Vec::new(),
            anchors: HashMap::new(),
            done_init: false,
            depth: 0,
        }
    }

    fn peek(&mut self) -> Result<&Event, Error> {
        if self.event.is_none() {
            match self.parser.parse() {
                Ok(Some(ev)) => self.event = Some(ev),
                Ok(None) => return Err(fail("attempted to parse unknown event: none")),
                Err(p) => return Err(fail(p.message())),
            }
        }
        self.event.as_ref().ok_or_else(|| fail("attempted to parse unknown event: none"))
    }

    fn expect(&mut self, e: EventType) -> Result<(), Error> {
        let typ = self.peek()?.typ;
        if typ == EventType::StreamEnd {
            return Err(fail("attempted to go past the end of stream; corrupted value?"));
        }
        if typ != e {
            return Err(fail(format!("expected {} event but got {}", e.name(), typ.name())));
        }
        self.event = None;
        Ok(())
    }

    fn node(&mut self, kind: Kind, mark: Mark) -> usize {
        self.nodes.push(Node {
            kind,
            line: mark.line,
            tag: String::new(),
            value: String::new(),
            implicit: false,
            children: Vec::new(),
            alias: 0,
        });
        self.nodes.len() - 1
    }

    /// Next node of the stream, `None` at its end.
    fn parse(&mut self) -> Result<Option<usize>, Error> {
        if !self.done_init {
            self.expect(EventType::StreamStart)?;
            self.done_init = true;
        }
        let typ = self.peek()?.typ;
        match typ {
            EventType::Scalar => self.scalar().map(Some),
            EventType::Alias => self.alias().map(Some),
            EventType::MappingStart => self.mapping().map(Some),
            EventType::SequenceStart => self.sequence().map(Some),
            EventType::DocumentStart => self.document().map(Some),
            EventType::StreamEnd => Ok(None),
            other => Err(fail(format!("attempted to parse unknown event: {}", other.name()))),
        }
    }

    fn child(&mut self) -> Result<usize, Error> {
        self.parse()?.ok_or_else(|| fail("attempted to go past the end of stream; corrupted value?"))
    }

    fn document(&mut self) -> Result<usize, Error> {
        let mark = self.peek()?.start_mark;
        let n = self.node(Kind::Document, mark);
        self.anchors.clear();
        self.expect(EventType::DocumentStart)?;
        let c = self.child()?;
        self.nodes[n].children.push(c);
        self.expect(EventType::DocumentEnd)?;
        Ok(n)
    }

    fn alias(&mut self) -> Result<usize, Error> {
        let ev = self.peek()?;
        let (mark, name) = (ev.start_mark, lossy(ev.anchor.clone()));
        let n = self.node(Kind::Alias, mark);
        match self.anchors.get(&name) {
            Some(&target) => self.nodes[n].alias = target,
            None => return Err(fail(format!("unknown anchor '{name}' referenced"))),
        }
        self.nodes[n].value = name;
        self.expect(EventType::Alias)?;
        Ok(n)
    }

    fn anchor(&mut self, n: usize, anchor: Vec<u8>) {
        if !anchor.is_empty() {
            self.anchors.insert(lossy(anchor), n);
        }
    }

    fn scalar(&mut self) -> Result<usize, Error> {
        let ev = self.event.take().ok_or_else(|| fail("attempted to parse unknown event: none"))?;
        let n = self.node(Kind::Scalar, ev.start_mark);
        self.nodes[n].value = lossy(ev.value);
        self.nodes[n].tag = lossy(ev.tag);
        self.nodes[n].implicit = ev.implicit;
        self.anchor(n, ev.anchor);
        Ok(n)
    }

    fn enter(&mut self, mark: Mark) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(fail(format!("line {}: exceeded max depth of {MAX_DEPTH}", mark.line + 1)));
        }
        Ok(())
    }

    fn sequence(&mut self) -> Result<usize, Error> {
        let ev = self.peek()?;
        let (mark, anchor) = (ev.start_mark, ev.anchor.clone());
        self.enter(mark)?;
        let n = self.node(Kind::Sequence, mark);
        self.anchor(n, anchor);
        self.expect(EventType::SequenceStart)?;
        while self.peek()?.typ != EventType::SequenceEnd {
            let c = self.child()?;
            self.nodes[n].children.push(c);
        }
        self.expect(EventType::SequenceEnd)?;
        self.depth -= 1;
        Ok(n)
    }

    fn mapping(&mut self) -> Result<usize, Error> {
        let ev = self.peek()?;
        let (mark, anchor) = (ev.start_mark, ev.anchor.clone());
        self.enter(mark)?;
        let n = self.node(Kind::Mapping, mark);
        self.anchor(n, anchor);
        self.expect(EventType::MappingStart)?;
        while self.peek()?.typ != EventType::MappingEnd {
            let k = self.child()?;
            let v = self.child()?;
            self.nodes[n].children.push(k);
            self.nodes[n].children.push(v);
        }
        self.expect(EventType::MappingEnd)?;
        self.depth -= 1;
        Ok(n)
    }
}

const ALIAS_RATIO_RANGE_LOW: usize = 400_000;
const ALIAS_RATIO_RANGE_HIGH: usize = 4_000_000;

fn allowed_alias_ratio(decode_count: usize) -> f64 {
    if decode_count <= ALIAS_RATIO_RANGE_LOW {
        0.99
    } else if decode_count >= ALIAS_RATIO_RANGE_HIGH {
        0.10
    } else {
        let range = (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW) as f64;
        0.99 - 0.89 * ((decode_count - ALIAS_RATIO_RANGE_LOW) as f64 / range)
    }
}

struct Decoder<'n> {
    nodes: &'n [Node],
    aliases: HashSet<usize>,
    strict: bool,
    terrors: Vec<String>,
    decode_count: usize,
    alias_count: usize,
    alias_depth: usize,
    depth: usize,
}

impl<'n> Decoder<'n> {
    fn new(nodes: &'n [Node], strict: bool) -> Decoder<'n> {
        Decoder {
            nodes,
            aliases: HashSet::new(),
            strict,
            terrors: Vec::new(),
            decode_count: 0,
            alias_count: 0,
            alias_depth: 0,
            depth: 0,
        }
    }

    fn count(&mut self) -> Result<(), Error> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64 > allowed_alias_ratio(self.decode_count)
        {
            return Err(fail("document contains excessive aliasing"));
        }
        Ok(())
    }

    fn enter(&mut self, n: &Node) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(fail(format!("line {}: exceeded max depth of {MAX_DEPTH}", n.line + 1)));
        }
        Ok(())
    }

    fn unmarshal(&mut self, id: usize) -> Result<Value, Error> {
        self.count()?;
        let nodes = self.nodes;
        let n = &nodes[id];
        match n.kind {
            Kind::Document => match n.children.as_slice() {
                [c] => self.unmarshal(*c),
                _ => Ok(Value::Null),
            },
            Kind::Alias => {
                self.alias_enter(id)?;
                let r = self.unmarshal(n.alias);
                self.alias_leave(id);
                r
            }
            Kind::Scalar => self.scalar(n),
            Kind::Mapping => {
                self.enter(n)?;
                let mut entries = Vec::with_capacity(n.children.len() / 2);
                self.mapping(n, &mut entries)?;
                self.depth -= 1;
                Ok(Value::Map(entries))
            }
            Kind::Sequence => {
                self.enter(n)?;
                let mut items = Vec::with_capacity(n.children.len());
                for &c in &n.children {
                    items.push(self.unmarshal(c)?);
                }
                self.depth -= 1;
                Ok(Value::Seq(items))
            }
        }
    }

    /// `d.unmarshal(n, out)` where `out` is an existing map (merge keys).
    fn unmarshal_into(&mut self, id: usize, out: &mut Vec<(Value, Value)>) -> Result<(), Error> {
        self.count()?;
        let nodes = self.nodes;
        let n = &nodes[id];
        match n.kind {
            Kind::Alias => {
                self.alias_enter(id)?;
                let r = self.unmarshal_into(n.alias, out);
                self.alias_leave(id);
                r
            }
            Kind::Mapping => {
                self.enter(n)?;
                self.mapping(n, out)?;
                self.depth -= 1;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn alias_enter(&mut self, id: usize) -> Result<(), Error> {
        if self.aliases.contains(&id) {
            return Err(fail(format!("anchor '{}' value contains itself", self.nodes[id].value)));
        }
        self.aliases.insert(id);
        self.alias_depth += 1;
        Ok(())
    }

    fn alias_leave(&mut self, id: usize) {
        self.alias_depth -= 1;
        self.aliases.remove(&id);
    }

    fn scalar(&mut self, n: &Node) -> Result<Value, Error> {
        if n.tag.is_empty() && !n.implicit {
            return Ok(Value::Str(n.value.clone()));
        }
        let (tag, resolved) = resolve::resolve(&n.tag, &n.value).map_err(fail)?;
        if tag == BINARY_TAG {
            let data =
                resolve::decode_base64(&n.value).ok_or_else(|| fail("!!binary value contains invalid base64 data"))?;
            return Ok(Value::Str(lossy(data)));
        }
        Ok(match resolved {
            Resolved::Null => Value::Null,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => Value::Int(i),
            Resolved::Uint(u) => Value::Uint(u),
            Resolved::Float(f) => Value::Float(f),
            Resolved::Str | Resolved::Timestamp | Resolved::Merge => Value::Str(n.value.clone()),
        })
    }

    fn is_merge(&self, id: usize) -> bool {
        let n = &self.nodes[id];
        n.kind == Kind::Scalar && n.value == "<<" && (n.implicit || n.tag == MERGE_TAG)
    }

    fn mapping(&mut self, n: &Node, out: &mut Vec<(Value, Value)>) -> Result<(), Error> {
        for pair in n.children.chunks(2) {
            let [k, v] = pair else { continue };
            if self.is_merge(*k) {
                self.merge(*v, out)?;
                continue;
            }
            let key = self.unmarshal(*k)?;
            if matches!(key, Value::Map(_) | Value::Seq(_)) {
                return Err(fail(format!("invalid map key: {}", key.go_syntax())));
            }
            let value = self.unmarshal(*v)?;
            if self.strict && map_contains(out, &key) {
                self.terrors.push(format!(
                    "line {}: key {} already set in map",
                    self.nodes[*v].line + 1,
                    key.go_syntax()
                ));
                continue;
            }
            map_set(out, key, value);
        }
        Ok(())
    }

    fn merge(&mut self, id: usize, out: &mut Vec<(Value, Value)>) -> Result<(), Error> {
        let want_map = || fail("map merge requires map or sequence of maps as the value");
        let nodes = self.nodes;
        let n = &nodes[id];
        match n.kind {
            Kind::Mapping => self.unmarshal_into(id, out),
            Kind::Alias => {
                if nodes[n.alias].kind != Kind::Mapping {
                    return Err(want_map());
                }
                self.unmarshal_into(id, out)
            }
            Kind::Sequence => {
                for &c in n.children.iter().rev() {
                    let cn = &nodes[c];
                    let ok = match cn.kind {
                        Kind::Alias => nodes[cn.alias].kind == Kind::Mapping,
                        Kind::Mapping => true,
                        _ => false,
                    };
                    if !ok {
                        return Err(want_map());
                    }
                    self.unmarshal_into(c, out)?;
                }
                Ok(())
            }
            _ => Err(want_map()),
        }
    }
}

fn check_size(input: &[u8]) -> Result<(), Error> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(Error::Limit(format!(
            "yaml: input of {} bytes exceeds the limit of {MAX_INPUT_BYTES} bytes",
            input.len()
        )));
    }
    Ok(())
}

fn decode_node(nodes: &[Node], root: usize, strict: bool) -> Result<Value, Error> {
    let mut d = Decoder::new(nodes, strict);
    let v = d.unmarshal(root)?;
    if !d.terrors.is_empty() {
        return Err(Error::Yaml(format!("yaml: unmarshal errors:\n  {}", d.terrors.join("\n  "))));
    }
    Ok(v)
}

/// go-yaml v2 `Unmarshal` (or `UnmarshalStrict`) into `interface{}`: only the
/// first document is read; an empty stream yields `Null`.
pub(crate) fn unmarshal(input: &[u8], strict: bool) -> Result<Value, Error> {
    check_size(input)?;
    let input: &[u8] = if input.is_empty() { b"\n" } else { input };
    let mut c = Composer::new(input);
    let Some(root) = c.parse()? else {
        return Ok(Value::Null);
    };
    decode_node(&c.nodes, root, strict)
}

/// go-yaml v2 `Decoder.Decode` in a loop until `io.EOF`.
pub(crate) fn unmarshal_all(input: &[u8], strict: bool) -> Result<Vec<Value>, Error> {
    check_size(input)?;
    let mut c = Composer::new(input);
    let mut docs = Vec::new();
    while let Some(root) = c.parse()? {
        docs.push(decode_node(&c.nodes, root, strict)?);
        c.nodes.clear();
    }
    Ok(docs)
}

/// Reports whether go-yaml's resolver would keep `s` a string when written
/// as a plain scalar (used by the encoder's quoting decision).
pub(crate) fn resolves_to_str(s: &str) -> bool {
    matches!(resolve::resolve("", s), Ok((t, _)) if t == resolve::STR_TAG)
}
