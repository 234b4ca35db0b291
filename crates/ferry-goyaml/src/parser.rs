//! Event parser: a port of go-yaml v2's `parserc.go`.
//!
//! Turns the scanner's tokens into the libyaml event stream. Kept close to
//! the Go code so that errors and their positions match.

use crate::scanner::{ErrorKind, Mark, Problem, ScalarStyle, Scanner, Token, TokenType};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventType {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias,
    Scalar,
    SequenceStart,
    SequenceEnd,
    MappingStart,
    MappingEnd,
}

impl EventType {
    /// The names go-yaml prints in "expected %s event but got %s".
    pub fn name(self) -> &'static str {
        match self {
            EventType::StreamStart => "stream start",
            EventType::StreamEnd => "stream end",
            EventType::DocumentStart => "document start",
            EventType::DocumentEnd => "document end",
            EventType::Alias => "alias",
            EventType::Scalar => "scalar",
            EventType::SequenceStart => "sequence start",
            EventType::SequenceEnd => "sequence end",
            EventType::MappingStart => "mapping start",
            EventType::MappingEnd => "mapping end",
        }
    }
}

/// Collection style of a sequence/mapping event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CollectionStyle {
    Block,
    Flow,
}

#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub typ: EventType,
    pub start_mark: Mark,
    pub anchor: Vec<u8>,
    pub tag: Vec<u8>,
    pub value: Vec<u8>,
    pub implicit: bool,
    pub quoted_implicit: bool,
    pub scalar_style: ScalarStyle,
    pub collection_style: CollectionStyle,
}

impl Event {
    pub fn new(typ: EventType, start_mark: Mark) -> Event {
        Event {
            typ,
            start_mark,
            anchor: Vec::new(),
            tag: Vec::new(),
            value: Vec::new(),
            implicit: false,
            quoted_implicit: false,
            scalar_style: ScalarStyle::Any,
            collection_style: CollectionStyle::Block,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    StreamStart,
    ImplicitDocumentStart,
    DocumentStart,
    DocumentContent,
    DocumentEnd,
    BlockNode,
    BlockSequenceFirstEntry,
    BlockSequenceEntry,
    IndentlessSequenceEntry,
    BlockMappingFirstKey,
    BlockMappingKey,
    BlockMappingValue,
    FlowSequenceFirstEntry,
    FlowSequenceEntry,
    FlowSequenceEntryMappingKey,
    FlowSequenceEntryMappingValue,
    FlowSequenceEntryMappingEnd,
    FlowMappingFirstKey,
    FlowMappingKey,
    FlowMappingValue,
    FlowMappingEmptyValue,
    End,
}

struct TagDirective {
    handle: Vec<u8>,
    prefix: Vec<u8>,
}

/// Result of one parse step: an event, the end of input, or an error.
pub(crate) type ParseResult = Result<Option<Event>, Problem>;

pub(crate) struct Parser<'a> {
    scanner: Scanner<'a>,
    state: State,
    states: Vec<State>,
    marks: Vec<Mark>,
    tag_directives: Vec<TagDirective>,
    failed: bool,
}

impl<'a> Parser<'a> {
    pub fn new(input: &'a [u8]) -> Parser<'a> {
        Parser {
            scanner: Scanner::new(input),
            state: State::StreamStart,
            states: Vec::new(),
            marks: Vec::new(),
            tag_directives: Vec::new(),
            failed: false,
        }
    }

    fn error(&self) -> Problem {
        self.scanner.error.clone().unwrap_or(Problem {
            kind: ErrorKind::Parser,
            problem: String::new(),
            problem_mark: Mark::default(),
            context_mark: Mark::default(),
        })
    }

    fn set_parser_error(&mut self, problem: &str, problem_mark: Mark) -> Option<Event> {
        self.set_parser_error_context(Mark::default(), problem, problem_mark)
    }

    fn set_parser_error_context(&mut self, context_mark: Mark, problem: &str, problem_mark: Mark) -> Option<Event> {
        self.scanner.error =
            Some(Problem { kind: ErrorKind::Parser, problem: problem.to_string(), problem_mark, context_mark });
        None
    }

    /// Produces the next event. `Ok(None)` once the stream has ended.
    pub fn parse(&mut self) -> ParseResult {
        if self.failed || self.scanner.error.is_some() {
            return Err(self.error());
        }
        if self.scanner.stream_end_produced || self.state == State::End {
            return Ok(None);
        }
        match self.state_machine() {
            Some(ev) => Ok(Some(ev)),
            None => {
                self.failed = true;
                Err(self.error())
            }
        }
    }

    fn peek_token(&mut self) -> Option<&Token> {
        if self.scanner.token_available || self.scanner.fetch_more_tokens() {
            self.scanner.tokens.front()
        } else {
            None
        }
    }

    /// The head token without its text (cheap to copy around).
    fn peek(&mut self) -> Option<Token> {
        self.peek_token().map(|t| Token {
            typ: t.typ,
            start_mark: t.start_mark,
            end_mark: t.end_mark,
            value: Vec::new(),
            suffix: Vec::new(),
            prefix: Vec::new(),
            style: t.style,
            major: t.major,
            minor: t.minor,
        })
    }

    /// Moves the text (value, suffix, prefix) out of the head token.
    fn take_text(&mut self) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        match self.scanner.tokens.front_mut() {
            Some(t) => (std::mem::take(&mut t.value), std::mem::take(&mut t.suffix), std::mem::take(&mut t.prefix)),
            None => Default::default(),
        }
    }

    fn skip_token(&mut self) {
        self.scanner.token_available = false;
        self.scanner.tokens_parsed += 1;
        if let Some(t) = self.scanner.tokens.pop_front() {
            self.scanner.stream_end_produced = t.typ == TokenType::StreamEnd;
        }
    }

    fn pop_state(&mut self) {
        self.state = self.states.pop().unwrap_or(State::End);
    }

    fn state_machine(&mut self) -> Option<Event> {
        match self.state {
            State::StreamStart => self.parse_stream_start(),
            State::ImplicitDocumentStart => self.parse_document_start(true),
            State::DocumentStart => self.parse_document_start(false),
            State::DocumentContent => self.parse_document_content(),
            State::DocumentEnd => self.parse_document_end(),
            State::BlockNode => self.parse_node(true, false),
            State::BlockSequenceFirstEntry => self.parse_block_sequence_entry(true),
            State::BlockSequenceEntry => self.parse_block_sequence_entry(false),
            State::IndentlessSequenceEntry => self.parse_indentless_sequence_entry(),
            State::BlockMappingFirstKey => self.parse_block_mapping_key(true),
            State::BlockMappingKey => self.parse_block_mapping_key(false),
            State::BlockMappingValue => self.parse_block_mapping_value(),
            State::FlowSequenceFirstEntry => self.parse_flow_sequence_entry(true),
            State::FlowSequenceEntry => self.parse_flow_sequence_entry(false),
            State::FlowSequenceEntryMappingKey => self.parse_flow_sequence_entry_mapping_key(),
            State::FlowSequenceEntryMappingValue => self.parse_flow_sequence_entry_mapping_value(),
            State::FlowSequenceEntryMappingEnd => self.parse_flow_sequence_entry_mapping_end(),
            State::FlowMappingFirstKey => self.parse_flow_mapping_key(true),
            State::FlowMappingKey => self.parse_flow_mapping_key(false),
            State::FlowMappingValue => self.parse_flow_mapping_value(false),
            State::FlowMappingEmptyValue => self.parse_flow_mapping_value(true),
            State::End => None,
        }
    }

    fn parse_stream_start(&mut self) -> Option<Event> {
        let token = self.peek()?;
        if token.typ != TokenType::StreamStart {
            return self.set_parser_error("did not find expected <stream-start>", token.start_mark);
        }
        self.state = State::ImplicitDocumentStart;
        self.skip_token();
        Some(Event::new(EventType::StreamStart, token.start_mark))
    }

    fn parse_document_start(&mut self, implicit: bool) -> Option<Event> {
        let mut token = self.peek()?;
        if !implicit {
            while token.typ == TokenType::DocumentEnd {
                self.skip_token();
                token = self.peek()?;
            }
        }
        if implicit
            && token.typ != TokenType::VersionDirective
            && token.typ != TokenType::TagDirective
            && token.typ != TokenType::DocumentStart
            && token.typ != TokenType::StreamEnd
        {
            if !self.process_directives() {
                return None;
            }
            self.states.push(State::DocumentEnd);
            self.state = State::BlockNode;
            let mut ev = Event::new(EventType::DocumentStart, token.start_mark);
            ev.implicit = true;
            Some(ev)
        } else if token.typ != TokenType::StreamEnd {
            let start_mark = token.start_mark;
            if !self.process_directives() {
                return None;
            }
            let token = self.peek()?;
            if token.typ != TokenType::DocumentStart {
                return self.set_parser_error("did not find expected <document start>", token.start_mark);
            }
            self.states.push(State::DocumentEnd);
            self.state = State::DocumentContent;
            self.skip_token();
            Some(Event::new(EventType::DocumentStart, start_mark))
        } else {
            self.state = State::End;
            self.skip_token();
            Some(Event::new(EventType::StreamEnd, token.start_mark))
        }
    }

    fn parse_document_content(&mut self) -> Option<Event> {
        let token = self.peek()?;
        if matches!(
            token.typ,
            TokenType::VersionDirective
                | TokenType::TagDirective
                | TokenType::DocumentStart
                | TokenType::DocumentEnd
                | TokenType::StreamEnd
        ) {
            self.pop_state();
            return Some(empty_scalar(token.start_mark));
        }
        self.parse_node(true, false)
    }

    fn parse_document_end(&mut self) -> Option<Event> {
        let token = self.peek()?;
        let start_mark = token.start_mark;
        let mut implicit = true;
        if token.typ == TokenType::DocumentEnd {
            self.skip_token();
            implicit = false;
        }
        self.tag_directives.clear();
        self.state = State::DocumentStart;
        let mut ev = Event::new(EventType::DocumentEnd, start_mark);
        ev.implicit = implicit;
        Some(ev)
    }

    fn parse_node(&mut self, block: bool, indentless_sequence: bool) -> Option<Event> {
        let mut token = self.peek()?;
        if token.typ == TokenType::Alias {
            self.pop_state();
            let (value, _, _) = self.take_text();
            self.skip_token();
            let mut ev = Event::new(EventType::Alias, token.start_mark);
            ev.anchor = value;
            return Some(ev);
        }
        let mut start_mark = token.start_mark;
        let mut tag_token = false;
        let mut tag_handle = Vec::new();
        let mut tag_suffix = Vec::new();
        let mut anchor = Vec::new();
        let mut tag_mark = Mark::default();
        if token.typ == TokenType::Anchor {
            anchor = self.take_text().0;
            start_mark = token.start_mark;
            self.skip_token();
            token = self.peek()?;
            if token.typ == TokenType::Tag {
                tag_token = true;
                (tag_handle, tag_suffix, _) = self.take_text();
                tag_mark = token.start_mark;
                self.skip_token();
                token = self.peek()?;
            }
        } else if token.typ == TokenType::Tag {
            tag_token = true;
            (tag_handle, tag_suffix, _) = self.take_text();
            start_mark = token.start_mark;
            tag_mark = token.start_mark;
            self.skip_token();
            token = self.peek()?;
            if token.typ == TokenType::Anchor {
                anchor = self.take_text().0;
                self.skip_token();
                token = self.peek()?;
            }
        }
        let mut tag = Vec::new();
        if tag_token {
            if tag_handle.is_empty() {
                tag = tag_suffix;
            } else {
                if let Some(d) = self.tag_directives.iter().find(|d| d.handle == tag_handle) {
                    tag = d.prefix.clone();
                    tag.extend_from_slice(&tag_suffix);
                }
                if tag.is_empty() {
                    return self.set_parser_error_context(start_mark, "found undefined tag handle", tag_mark);
                }
            }
        }
        let implicit = tag.is_empty();
        let collection = |typ: EventType, style: CollectionStyle, anchor: Vec<u8>, tag: Vec<u8>| {
            let mut ev = Event::new(typ, start_mark);
            ev.anchor = anchor;
            ev.tag = tag;
            ev.implicit = implicit;
            ev.collection_style = style;
            ev
        };
        if indentless_sequence && token.typ == TokenType::BlockEntry {
            self.state = State::IndentlessSequenceEntry;
            return Some(collection(EventType::SequenceStart, CollectionStyle::Block, anchor, tag));
        }
        if token.typ == TokenType::Scalar {
            let mut plain_implicit = false;
            let mut quoted_implicit = false;
            if (tag.is_empty() && token.style == ScalarStyle::Plain) || tag == b"!" {
                plain_implicit = true;
            } else if tag.is_empty() {
                quoted_implicit = true;
            }
            self.pop_state();
            let (value, _, _) = self.take_text();
            self.skip_token();
            let mut ev = Event::new(EventType::Scalar, start_mark);
            ev.anchor = anchor;
            ev.tag = tag;
            ev.value = value;
            ev.implicit = plain_implicit;
            ev.quoted_implicit = quoted_implicit;
            ev.scalar_style = token.style;
            return Some(ev);
        }
        if token.typ == TokenType::FlowSequenceStart {
            self.state = State::FlowSequenceFirstEntry;
            return Some(collection(EventType::SequenceStart, CollectionStyle::Flow, anchor, tag));
        }
        if token.typ == TokenType::FlowMappingStart {
            self.state = State::FlowMappingFirstKey;
            return Some(collection(EventType::MappingStart, CollectionStyle::Flow, anchor, tag));
        }
        if block && token.typ == TokenType::BlockSequenceStart {
            self.state = State::BlockSequenceFirstEntry;
            return Some(collection(EventType::SequenceStart, CollectionStyle::Block, anchor, tag));
        }
        if block && token.typ == TokenType::BlockMappingStart {
            self.state = State::BlockMappingFirstKey;
            return Some(collection(EventType::MappingStart, CollectionStyle::Block, anchor, tag));
        }
        if !anchor.is_empty() || !tag.is_empty() {
            self.pop_state();
            let mut ev = Event::new(EventType::Scalar, start_mark);
            ev.anchor = anchor;
            ev.tag = tag;
            ev.implicit = implicit;
            ev.scalar_style = ScalarStyle::Plain;
            return Some(ev);
        }
        self.set_parser_error_context(start_mark, "did not find expected node content", token.start_mark)
    }

    fn parse_block_sequence_entry(&mut self, first: bool) -> Option<Event> {
        if first {
            let token = self.peek()?;
            self.marks.push(token.start_mark);
            self.skip_token();
        }
        let token = self.peek()?;
        if token.typ == TokenType::BlockEntry {
            let mark = token.end_mark;
            self.skip_token();
            let token = self.peek()?;
            if token.typ != TokenType::BlockEntry && token.typ != TokenType::BlockEnd {
                self.states.push(State::BlockSequenceEntry);
                return self.parse_node(true, false);
            }
            self.state = State::BlockSequenceEntry;
            return Some(empty_scalar(mark));
        }
        if token.typ == TokenType::BlockEnd {
            self.pop_state();
            self.marks.pop();
            self.skip_token();
            return Some(Event::new(EventType::SequenceEnd, token.start_mark));
        }
        let context_mark = self.marks.pop().unwrap_or_default();
        self.set_parser_error_context(context_mark, "did not find expected '-' indicator", token.start_mark)
    }

    fn parse_indentless_sequence_entry(&mut self) -> Option<Event> {
        let token = self.peek()?;
        if token.typ == TokenType::BlockEntry {
            let mark = token.end_mark;
            self.skip_token();
            let token = self.peek()?;
            if !matches!(token.typ, TokenType::BlockEntry | TokenType::Key | TokenType::Value | TokenType::BlockEnd) {
                self.states.push(State::IndentlessSequenceEntry);
                return self.parse_node(true, false);
            }
            self.state = State::IndentlessSequenceEntry;
            return Some(empty_scalar(mark));
        }
        self.pop_state();
        Some(Event::new(EventType::SequenceEnd, token.start_mark))
    }

    fn parse_block_mapping_key(&mut self, first: bool) -> Option<Event> {
        if first {
            let token = self.peek()?;
            self.marks.push(token.start_mark);
            self.skip_token();
        }
        let token = self.peek()?;
        if token.typ == TokenType::Key {
            let mark = token.end_mark;
            self.skip_token();
            let token = self.peek()?;
            if !matches!(token.typ, TokenType::Key | TokenType::Value | TokenType::BlockEnd) {
                self.states.push(State::BlockMappingValue);
                return self.parse_node(true, true);
            }
            self.state = State::BlockMappingValue;
            return Some(empty_scalar(mark));
        } else if token.typ == TokenType::BlockEnd {
            self.pop_state();
            self.marks.pop();
            self.skip_token();
            return Some(Event::new(EventType::MappingEnd, token.start_mark));
        }
        let context_mark = self.marks.pop().unwrap_or_default();
        self.set_parser_error_context(context_mark, "did not find expected key", token.start_mark)
    }

    fn parse_block_mapping_value(&mut self) -> Option<Event> {
        let token = self.peek()?;
        if token.typ == TokenType::Value {
            let mark = token.end_mark;
            self.skip_token();
            let token = self.peek()?;
            if !matches!(token.typ, TokenType::Key | TokenType::Value | TokenType::BlockEnd) {
                self.states.push(State::BlockMappingKey);
                return self.parse_node(true, true);
            }
            self.state = State::BlockMappingKey;
            return Some(empty_scalar(mark));
        }
        self.state = State::BlockMappingKey;
        Some(empty_scalar(token.start_mark))
    }

    fn parse_flow_sequence_entry(&mut self, first: bool) -> Option<Event> {
        if first {
            let token = self.peek()?;
            self.marks.push(token.start_mark);
            self.skip_token();
        }
        let mut token = self.peek()?;
        if token.typ != TokenType::FlowSequenceEnd {
            if !first {
                if token.typ == TokenType::FlowEntry {
                    self.skip_token();
                    token = self.peek()?;
                } else {
                    let context_mark = self.marks.pop().unwrap_or_default();
                    return self.set_parser_error_context(
                        context_mark,
                        "did not find expected ',' or ']'",
                        token.start_mark,
                    );
                }
            }
            if token.typ == TokenType::Key {
                self.state = State::FlowSequenceEntryMappingKey;
                self.skip_token();
                let mut ev = Event::new(EventType::MappingStart, token.start_mark);
                ev.implicit = true;
                ev.collection_style = CollectionStyle::Flow;
                return Some(ev);
            } else if token.typ != TokenType::FlowSequenceEnd {
                self.states.push(State::FlowSequenceEntry);
                return self.parse_node(false, false);
            }
        }
        self.pop_state();
        self.marks.pop();
        self.skip_token();
        Some(Event::new(EventType::SequenceEnd, token.start_mark))
    }

    fn parse_flow_sequence_entry_mapping_key(&mut self) -> Option<Event> {
        let token = self.peek()?;
        if !matches!(token.typ, TokenType::Value | TokenType::FlowEntry | TokenType::FlowSequenceEnd) {
            self.states.push(State::FlowSequenceEntryMappingValue);
            return self.parse_node(false, false);
        }
        let mark = token.end_mark;
        self.skip_token();
        self.state = State::FlowSequenceEntryMappingValue;
        Some(empty_scalar(mark))
    }

    fn parse_flow_sequence_entry_mapping_value(&mut self) -> Option<Event> {
        let token = self.peek()?;
        if token.typ == TokenType::Value {
            self.skip_token();
            let token = self.peek()?;
            if token.typ != TokenType::FlowEntry && token.typ != TokenType::FlowSequenceEnd {
                self.states.push(State::FlowSequenceEntryMappingEnd);
                return self.parse_node(false, false);
            }
        }
        // As in go-yaml, the mark is that of the token peeked first.
        self.state = State::FlowSequenceEntryMappingEnd;
        Some(empty_scalar(token.start_mark))
    }

    fn parse_flow_sequence_entry_mapping_end(&mut self) -> Option<Event> {
        let token = self.peek()?;
        self.state = State::FlowSequenceEntry;
        Some(Event::new(EventType::MappingEnd, token.start_mark))
    }

    fn parse_flow_mapping_key(&mut self, first: bool) -> Option<Event> {
        if first {
            let token = self.peek()?;
            self.marks.push(token.start_mark);
            self.skip_token();
        }
        let mut token = self.peek()?;
        if token.typ != TokenType::FlowMappingEnd {
            if !first {
                if token.typ == TokenType::FlowEntry {
                    self.skip_token();
                    token = self.peek()?;
                } else {
                    let context_mark = self.marks.pop().unwrap_or_default();
                    return self.set_parser_error_context(
                        context_mark,
                        "did not find expected ',' or '}'",
                        token.start_mark,
                    );
                }
            }
            if token.typ == TokenType::Key {
                self.skip_token();
                let token = self.peek()?;
                if !matches!(token.typ, TokenType::Value | TokenType::FlowEntry | TokenType::FlowMappingEnd) {
                    self.states.push(State::FlowMappingValue);
                    return self.parse_node(false, false);
                }
                self.state = State::FlowMappingValue;
                return Some(empty_scalar(token.start_mark));
            } else if token.typ != TokenType::FlowMappingEnd {
                self.states.push(State::FlowMappingEmptyValue);
                return self.parse_node(false, false);
            }
        }
        self.pop_state();
        self.marks.pop();
        self.skip_token();
        Some(Event::new(EventType::MappingEnd, token.start_mark))
    }

    fn parse_flow_mapping_value(&mut self, empty: bool) -> Option<Event> {
        let token = self.peek()?;
        if empty {
            self.state = State::FlowMappingKey;
            return Some(empty_scalar(token.start_mark));
        }
        if token.typ == TokenType::Value {
            self.skip_token();
            let token2 = self.peek()?;
            if token2.typ != TokenType::FlowEntry && token2.typ != TokenType::FlowMappingEnd {
                self.states.push(State::FlowMappingKey);
                return self.parse_node(false, false);
            }
            self.state = State::FlowMappingKey;
            return Some(empty_scalar(token2.start_mark));
        }
        self.state = State::FlowMappingKey;
        Some(empty_scalar(token.start_mark))
    }

    fn process_directives(&mut self) -> bool {
        let mut have_version = false;
        let Some(mut token) = self.peek() else {
            return false;
        };
        while token.typ == TokenType::VersionDirective || token.typ == TokenType::TagDirective {
            if token.typ == TokenType::VersionDirective {
                if have_version {
                    self.set_parser_error("found duplicate %YAML directive", token.start_mark);
                    return false;
                }
                if token.major != 1 || token.minor != 1 {
                    self.set_parser_error("found incompatible YAML document", token.start_mark);
                    return false;
                }
                have_version = true;
            } else {
                let (handle, _, prefix) = self.take_text();
                let value = TagDirective { handle, prefix };
                if !self.append_tag_directive(value, false, token.start_mark) {
                    return false;
                }
            }
            self.skip_token();
            match self.peek() {
                Some(t) => token = t,
                None => return false,
            }
        }
        for (handle, prefix) in [(&b"!"[..], &b"!"[..]), (&b"!!"[..], &b"tag:yaml.org,2002:"[..])] {
            let value = TagDirective { handle: handle.to_vec(), prefix: prefix.to_vec() };
            if !self.append_tag_directive(value, true, token.start_mark) {
                return false;
            }
        }
        true
    }

    fn append_tag_directive(&mut self, value: TagDirective, allow_duplicates: bool, mark: Mark) -> bool {
        if self.tag_directives.iter().any(|d| d.handle == value.handle) {
            if allow_duplicates {
                return true;
            }
            self.set_parser_error("found duplicate %TAG directive", mark);
            return false;
        }
        self.tag_directives.push(value);
        true
    }
}

fn empty_scalar(mark: Mark) -> Event {
    let mut ev = Event::new(EventType::Scalar, mark);
    ev.implicit = true;
    ev.scalar_style = ScalarStyle::Plain;
    ev
}
