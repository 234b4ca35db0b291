//! Parse trees and the parser, ported from Go's `text/template/parse`
//! (`parse.go`, `node.go`): the same grammar, lookahead, variable scoping,
//! `define`/`block` handling and error messages.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::error::ParseError;
use crate::lex::{Item, ItemType, LexOptions, Lexer};
use ferry_gostd::strconv;

/// Go's `maxStackDepth`: nesting of parenthesized pipelines.
const MAX_STACK_DEPTH: usize = 10000;
/// Go's `maxPipelineCmds`.
const MAX_PIPELINE_CMDS: usize = 100_000;

/// One parsed template: a file's top-level body or a `define`d body.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The template's name.
    pub name: String,
    /// The name of the top-level template it was parsed from (for error positions).
    pub parse_name: Arc<str>,
    /// The full text it was parsed from (for error positions).
    pub(crate) text: Arc<str>,
    pub(crate) root: ListNode,
}

impl Tree {
    /// Go's `IsEmptyTree`: only whitespace text and comments.
    pub fn is_empty(&self) -> bool {
        self.root.nodes.iter().all(|n| match n {
            Node::Text { text, .. } => text.trim_ascii().is_empty(),
            Node::Comment { .. } => true,
            _ => false,
        })
    }

    /// `FILE:LINE:COL` of a byte position (Go's `ErrorContext` location).
    pub(crate) fn location(&self, pos: usize) -> String {
        let text = self.text.get(..pos.min(self.text.len())).unwrap_or("");
        let col = match text.rfind('\n') {
            None => pos,
            Some(i) => pos - (i + 1),
        };
        let line = 1 + crate::lex::count_newlines(text);
        format!("{}:{}:{}", self.parse_name, line, col)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ListNode {
    pub nodes: Vec<Node>,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text { pos: usize, text: String },
    Comment { pos: usize, text: String },
    Action { pos: usize, pipe: PipeNode },
    If(BranchNode),
    Range(BranchNode),
    With(BranchNode),
    Template { pos: usize, name: String, pipe: Option<PipeNode> },
    Break { pos: usize },
    Continue { pos: usize },
}

#[derive(Debug, Clone)]
pub(crate) struct BranchNode {
    pub pos: usize,
    pub pipe: PipeNode,
    pub list: ListNode,
    pub else_list: Option<ListNode>,
}

#[derive(Debug, Clone)]
pub(crate) struct PipeNode {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<VariableNode>,
    pub cmds: Vec<CommandNode>,
}

#[derive(Debug, Clone)]
pub(crate) struct CommandNode {
    pub pos: usize,
    pub args: Vec<Arg>,
}

#[derive(Debug, Clone)]
pub(crate) struct VariableNode {
    pub pos: usize,
    pub ident: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct NumberNode {
    pub pos: usize,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub is_complex: bool,
    pub int64: i64,
    pub uint64: u64,
    pub float64: f64,
    pub complex: (f64, f64),
    pub text: String,
}

/// Operands of a command.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Identifier { pos: usize, name: String },
    Dot { pos: usize },
    Nil { pos: usize },
    Bool { pos: usize, val: bool },
    Number(NumberNode),
    String { pos: usize, quoted: String, text: String },
    Field { pos: usize, ident: Vec<String> },
    Variable(VariableNode),
    Chain { pos: usize, node: Box<Arg>, fields: Vec<String> },
    Pipe(Box<PipeNode>),
}

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Identifier { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::String { pos, .. }
            | Arg::Field { pos, .. }
            | Arg::Chain { pos, .. } => *pos,
            Arg::Number(n) => n.pos,
            Arg::Variable(v) => v.pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

impl Node {
    pub fn pos(&self) -> usize {
        match self {
            Node::Text { pos, .. }
            | Node::Comment { pos, .. }
            | Node::Action { pos, .. }
            | Node::Template { pos, .. }
            | Node::Break { pos }
            | Node::Continue { pos } => *pos,
            Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
        }
    }
}

// String forms, as Go's node.go writes them (used in error contexts).

impl fmt::Display for ListNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_list(f, self, false)
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_node(f, self, false)
    }
}

/// Go's `String()` of a list; with `quote_text` text nodes print as `%q`
/// (Go's tests set `textFormat = "%q"`).
fn write_list(f: &mut fmt::Formatter<'_>, list: &ListNode, quote_text: bool) -> fmt::Result {
    for n in &list.nodes {
        write_node(f, n, quote_text)?;
    }
    Ok(())
}

fn write_node(f: &mut fmt::Formatter<'_>, node: &Node, quote_text: bool) -> fmt::Result {
    match node {
        Node::Text { text, .. } if quote_text => f.write_str(&strconv::quote(text)),
        Node::Text { text, .. } => f.write_str(text),
        Node::Comment { text, .. } => write!(f, "{{{{{text}}}}}"),
        Node::Action { pipe, .. } => write!(f, "{{{{{pipe}}}}}"),
        Node::If(b) => write_branch(f, "if", b, quote_text),
        Node::Range(b) => write_branch(f, "range", b, quote_text),
        Node::With(b) => write_branch(f, "with", b, quote_text),
        Node::Template { name, pipe, .. } => {
            write!(f, "{{{{template {}", strconv::quote(name))?;
            if let Some(p) = pipe {
                write!(f, " {p}")?;
            }
            f.write_str("}}")
        }
        Node::Break { .. } => f.write_str("{{break}}"),
        Node::Continue { .. } => f.write_str("{{continue}}"),
    }
}

fn write_branch(f: &mut fmt::Formatter<'_>, name: &str, b: &BranchNode, quote_text: bool) -> fmt::Result {
    write!(f, "{{{{{name} {}}}}}", b.pipe)?;
    write_list(f, &b.list, quote_text)?;
    if let Some(e) = &b.else_list {
        f.write_str("{{else}}")?;
        write_list(f, e, quote_text)?;
    }
    f.write_str("{{end}}")
}

#[cfg(test)]
struct Quoted<'a>(&'a ListNode);

#[cfg(test)]
impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_list(f, self.0, true)
    }
}

impl fmt::Display for PipeNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{v}")?;
            }
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CommandNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if let Arg::Pipe(p) = a {
                write!(f, "({p})")?;
            } else {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for VariableNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ident.join("."))
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Identifier { name, .. } => f.write_str(name),
            Arg::Dot { .. } => f.write_str("."),
            Arg::Nil { .. } => f.write_str("nil"),
            Arg::Bool { val, .. } => f.write_str(if *val { "true" } else { "false" }),
            Arg::Number(n) => f.write_str(&n.text),
            Arg::String { quoted, .. } => f.write_str(quoted),
            Arg::Field { ident, .. } => {
                for id in ident {
                    write!(f, ".{id}")?;
                }
                Ok(())
            }
            Arg::Variable(v) => write!(f, "{v}"),
            Arg::Chain { node, fields, .. } => {
                if let Arg::Pipe(p) = node.as_ref() {
                    write!(f, "({p})")?;
                } else {
                    write!(f, "{node}")?;
                }
                for field in fields {
                    write!(f, ".{field}")?;
                }
                Ok(())
            }
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}

/// What the parser returns from `itemList`-level productions: a real node or
/// the `{{end}}` / `{{else}}` markers that close a list.
enum Parsed {
    Node(Node),
    End,
    Else,
}

impl Parsed {
    fn describe(&self) -> String {
        match self {
            Parsed::Node(n) => n.to_string(),
            Parsed::End => "{{end}}".into(),
            Parsed::Else => "{{else}}".into(),
        }
    }
}

/// Per-tree parsing state (Go keeps it in each `*Tree`).
struct TreeState {
    token: [Item; 3],
    peek_count: usize,
    vars: Vec<String>,
    action_line: usize,
    range_depth: usize,
    stack_depth: usize,
}

impl TreeState {
    fn new() -> TreeState {
        let blank = Item { typ: ItemType::Eof, pos: 0, val: String::new(), line: 0 };
        TreeState {
            token: [blank.clone(), blank.clone(), blank],
            peek_count: 0,
            vars: vec!["$".to_string()],
            action_line: 0,
            range_depth: 0,
            stack_depth: 0,
        }
    }
}

/// Parser options (Go's `parse.Mode`).
#[derive(Clone, Copy, Default, Debug)]
pub struct Mode {
    /// Keep comments in the tree (`ParseComments`).
    pub parse_comments: bool,
    /// Do not check that functions are defined (`SkipFuncCheck`).
    pub skip_func_check: bool,
}

struct Parser<'a, 'f> {
    lex: Lexer<'a>,
    st: TreeState,
    parse_name: Arc<str>,
    text: Arc<str>,
    has_function: &'f dyn Fn(&str) -> bool,
    mode: Mode,
    tree_set: HashMap<String, Tree>,
    max_stack_depth: usize,
}

type PResult<T> = Result<T, ParseError>;

/// Parses `text` as the template `name`, returning every tree it defines
/// (the top-level one under `name`, plus `define`/`block` bodies), like Go's
/// `parse.Parse`.
pub(crate) fn parse(
    name: &str,
    text: &str,
    left_delim: &str,
    right_delim: &str,
    mode: Mode,
    has_function: &dyn Fn(&str) -> bool,
) -> Result<HashMap<String, Tree>, ParseError> {
    parse_with_depth(name, text, left_delim, right_delim, mode, has_function, MAX_STACK_DEPTH)
}

fn parse_with_depth(
    name: &str,
    text: &str,
    left_delim: &str,
    right_delim: &str,
    mode: Mode,
    has_function: &dyn Fn(&str) -> bool,
    max_stack_depth: usize,
) -> Result<HashMap<String, Tree>, ParseError> {
    let shared_text: Arc<str> = Arc::from(text);
    let mut lex = Lexer::new(text, left_delim, right_delim);
    lex.options = LexOptions {
        emit_comment: mode.parse_comments,
        break_ok: !has_function("break"),
        continue_ok: !has_function("continue"),
    };
    let mut p = Parser {
        lex,
        st: TreeState::new(),
        parse_name: Arc::from(name),
        text: shared_text,
        has_function,
        mode,
        tree_set: HashMap::new(),
        max_stack_depth,
    };
    let root = p.parse_top()?;
    let tree = Tree { name: name.to_string(), parse_name: p.parse_name.clone(), text: p.text.clone(), root };
    p.add(tree)?;
    Ok(p.tree_set)
}

impl<'a> Parser<'a, '_> {
    fn next(&mut self) -> Item {
        if self.st.peek_count > 0 {
            self.st.peek_count -= 1;
        } else {
            self.st.token[0] = self.lex.next_item();
        }
        self.st.token[self.st.peek_count].clone()
    }

    fn backup(&mut self) {
        self.st.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item) {
        self.st.token[1] = t1;
        self.st.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item, t1: Item) {
        self.st.token[1] = t1;
        self.st.token[2] = t2;
        self.st.peek_count = 3;
    }

    fn peek(&mut self) -> Item {
        if self.st.peek_count > 0 {
            return self.st.token[self.st.peek_count - 1].clone();
        }
        self.st.peek_count = 1;
        self.st.token[0] = self.lex.next_item();
        self.st.token[0].clone()
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf<T>(&self, message: impl Into<String>) -> PResult<T> {
        Err(ParseError { name: self.parse_name.to_string(), line: self.st.token[0].line, message: message.into() })
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item> {
        let token = self.next_non_space();
        if token.typ != expected {
            return self.unexpected(&token, context);
        }
        Ok(token)
    }

    fn expect_one_of(&mut self, e1: ItemType, e2: ItemType, context: &str) -> PResult<Item> {
        let token = self.next_non_space();
        if token.typ != e1 && token.typ != e2 {
            return self.unexpected(&token, context);
        }
        Ok(token)
    }

    fn unexpected<T>(&self, token: &Item, context: &str) -> PResult<T> {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.st.action_line != 0 && self.st.action_line != token.line {
                extra = format!(" in action started at {}:{}", self.parse_name, self.st.action_line);
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{token}{extra}"));
        }
        self.errorf(format!("unexpected {token} in {context}"))
    }

    /// Go's `Tree.add`: install a tree unless a non-empty one of that name exists.
    fn add(&mut self, tree: Tree) -> PResult<()> {
        match self.tree_set.get(&tree.name) {
            Some(existing) if !existing.is_empty() => {
                if !tree.is_empty() {
                    return self
                        .errorf(format!("template: multiple definition of template {}", strconv::quote(&tree.name)));
                }
                Ok(())
            }
            _ => {
                self.tree_set.insert(tree.name.clone(), tree);
                Ok(())
            }
        }
    }

    fn parse_top(&mut self) -> PResult<ListNode> {
        let mut root = ListNode { nodes: Vec::new() };
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    // A new tree with its own lookahead and variables.
                    let saved = std::mem::replace(&mut self.st, TreeState::new());
                    let result = self.parse_definition();
                    self.st = saved;
                    result?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.nodes.push(n),
                other => return self.errorf(format!("unexpected {}", other.describe())),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        let context = "define clause";
        let name = self.expect_one_of(ItemType::String, ItemType::RawString, context)?;
        let name = match strconv::unquote(&name.val) {
            Ok(s) => s,
            Err(e) => return self.errorf(e),
        };
        self.expect(ItemType::RightDelim, context)?;
        let (root, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return self.errorf(format!("unexpected {} in {context}", end.describe()));
        }
        let tree = Tree { name, parse_name: self.parse_name.clone(), text: self.text.clone(), root };
        self.add(tree)
    }

    fn item_list(&mut self) -> PResult<(ListNode, Parsed)> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            let mut list = ListNode { nodes: Vec::new() };
            while self.peek_non_space().typ != ItemType::Eof {
                match self.text_or_action()? {
                    Parsed::Node(n) => list.nodes.push(n),
                    end => return Ok((list, end)),
                }
            }
            self.errorf("unexpected EOF")
        })
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text { pos: token.pos, text: token.val })),
            ItemType::LeftDelim => {
                self.st.action_line = token.line;
                let result = self.action();
                self.st.action_line = 0;
                result
            }
            ItemType::Comment => Ok(Parsed::Node(Node::Comment { pos: token.pos, text: token.val })),
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control(),
            ItemType::Break => return self.break_control(token.pos, "{{break}}", true),
            ItemType::Continue => return self.break_control(token.pos, "{{continue}}", false),
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.branch_control("if"),
            ItemType::Range => return self.branch_control("range"),
            ItemType::Template => return self.template_control(),
            ItemType::With => return self.branch_control("with"),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action { pos: token.pos, pipe }))
    }

    fn break_control(&mut self, pos: usize, context: &str, is_break: bool) -> PResult<Parsed> {
        let token = self.next_non_space();
        if token.typ != ItemType::RightDelim {
            return self.unexpected(&token, context);
        }
        if self.st.range_depth == 0 {
            return self.errorf(format!("{context} outside {{{{range}}}}"));
        }
        Ok(Parsed::Node(if is_break { Node::Break { pos } } else { Node::Continue { pos } }))
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<PipeNode> {
        let token = self.peek_non_space();
        let mut pipe = PipeNode { pos: token.pos, is_assign: false, decl: Vec::new(), cmds: Vec::new() };
        // Are there declarations or assignments?
        loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            self.next();
            // Since space is a token, we need 3-token look-ahead here in the
            // worst case: in "$x foo" we need to read "foo" (as opposed to
            // ":=") to know that $x is an argument variable rather than a
            // declaration.
            let token_after_variable = self.peek();
            let next = self.peek_non_space();
            if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                pipe.is_assign = next.typ == ItemType::Assign;
                self.next_non_space();
                pipe.decl.push(new_variable(v.pos, &v.val));
                self.st.vars.push(v.val.clone());
            } else if next.typ == ItemType::Char && next.val == "," {
                self.next_non_space();
                pipe.decl.push(new_variable(v.pos, &v.val));
                self.st.vars.push(v.val.clone());
                if context == "range" && pipe.decl.len() < 2 {
                    match self.peek_non_space().typ {
                        ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                            // Second initialized variable in a range pipeline.
                            continue;
                        }
                        _ => return self.errorf("range can only initialize variables"),
                    }
                }
                return self.errorf(format!("too many declarations in {context}"));
            } else if token_after_variable.typ == ItemType::Space {
                self.backup3(v, token_after_variable);
            } else {
                self.backup2(v);
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            match token.typ {
                t if t == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                    if pipe.cmds.len() > MAX_PIPELINE_CMDS {
                        return self.errorf("pipeline too long");
                    }
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &PipeNode, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.errorf(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(Arg::Bool { .. } | Arg::Dot { .. } | Arg::Nil { .. } | Arg::Number(_) | Arg::String { .. })
            ) {
                return self.errorf(format!("non executable command in pipeline stage {}", i + 1));
            }
        }
        Ok(())
    }

    fn branch_control(&mut self, context: &str) -> PResult<Parsed> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            let mark = self.st.vars.len();
            let result = self.parse_control(context);
            self.st.vars.truncate(mark);
            let (pos, pipe, list, else_list) = result?;
            let branch = BranchNode { pos, pipe, list, else_list };
            Ok(Parsed::Node(match context {
                "if" => Node::If(branch),
                "range" => Node::Range(branch),
                _ => Node::With(branch),
            }))
        })
    }

    fn parse_control(&mut self, context: &str) -> PResult<(usize, PipeNode, ListNode, Option<ListNode>)> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.st.range_depth += 1;
        }
        let result = self.item_list();
        if context == "range" {
            self.st.range_depth -= 1;
        }
        let (list, next) = result?;
        let mut else_list = None;
        match next {
            Parsed::End => {}
            Parsed::Else => {
                // Special case for "else if" and "else with": treat
                // {{if a}}_{{else if b}}_{{end}} as {{if a}}_{{else}}{{if b}}_{{end}}{{end}}.
                let peek = self.peek().typ;
                if (context == "if" && peek == ItemType::If) || (context == "with" && peek == ItemType::With) {
                    self.next();
                    let inner = self.branch_control(context)?;
                    let Parsed::Node(n) = inner else {
                        return self.errorf("internal error: else chain");
                    };
                    else_list = Some(ListNode { nodes: vec![n] });
                } else {
                    let (l, next) = self.item_list()?;
                    if !matches!(next, Parsed::End) {
                        return self.errorf(format!("expected end; found {}", next.describe()));
                    }
                    else_list = Some(l);
                }
            }
            Parsed::Node(_) => return self.errorf("internal error: list ended without end or else"),
        }
        Ok((pipe.pos, pipe, list, else_list))
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        // "{{else if ..." and "{{else with ..." are treated as
        // "{{else}}{{if ..." and "{{else}}{{with ...": return the else node here.
        if peek.typ == ItemType::If || peek.typ == ItemType::With {
            return Ok(Parsed::Else);
        }
        self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else)
    }

    fn block_control(&mut self) -> PResult<Parsed> {
        let context = "block clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, context)?;
        let pipe = self.pipeline(context, ItemType::RightDelim)?;

        // The block body is a tree of its own, with its own lookahead and variables.
        let saved = std::mem::replace(&mut self.st, TreeState::new());
        let result = self.item_list();
        self.st = saved;
        let (root, end) = result?;
        if !matches!(end, Parsed::End) {
            return self.errorf(format!("unexpected {} in {context}", end.describe()));
        }
        let tree = Tree { name: name.clone(), parse_name: self.parse_name.clone(), text: self.text.clone(), root };
        self.add(tree)?;
        Ok(Parsed::Node(Node::Template { pos: token.pos, name, pipe: Some(pipe) }))
    }

    fn template_control(&mut self) -> PResult<Parsed> {
        let context = "template clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, context)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            // Do not pop variables; they persist until "end".
            pipe = Some(self.pipeline(context, ItemType::RightDelim)?);
        }
        Ok(Parsed::Node(Node::Template { pos: token.pos, name, pipe }))
    }

    fn parse_template_name(&self, token: &Item, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => match strconv::unquote(&token.val) {
                Ok(s) => Ok(s),
                Err(e) => self.errorf(e),
            },
            _ => self.unexpected(token, context),
        }
    }

    fn command(&mut self) -> PResult<CommandNode> {
        let pos = self.peek_non_space().pos;
        let mut cmd = CommandNode { pos, args: Vec::new() };
        loop {
            self.peek_non_space(); // skip leading spaces.
            if let Some(operand) = self.operand()? {
                cmd.args.push(operand);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.errorf("empty command");
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ == ItemType::Field {
            let chain_pos = self.peek().pos;
            let mut fields = Vec::new();
            while self.peek().typ == ItemType::Field {
                let f = self.next().val;
                fields.push(f.get(1..).unwrap_or("").to_string());
            }
            // Compatibility with Go's API: fields on a field or variable
            // extend it; other terms keep a chain node.
            return Ok(Some(match node {
                Arg::Field { mut ident, .. } => {
                    ident.extend(fields);
                    Arg::Field { pos: chain_pos, ident }
                }
                Arg::Variable(mut v) => {
                    v.ident.extend(fields);
                    v.pos = chain_pos;
                    Arg::Variable(v)
                }
                Arg::Bool { .. } | Arg::String { .. } | Arg::Number(_) | Arg::Nil { .. } | Arg::Dot { .. } => {
                    return self.errorf(format!("unexpected . after term {}", strconv::quote(&node.to_string())));
                }
                other => Arg::Chain { pos: chain_pos, node: Box::new(other), fields },
            }));
        }
        Ok(Some(node))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        let pos = token.pos;
        Ok(Some(match token.typ {
            ItemType::Identifier => {
                if !self.mode.skip_func_check && !(self.has_function)(&token.val) {
                    return self.errorf(format!("function {} not defined", strconv::quote(&token.val)));
                }
                Arg::Identifier { pos, name: token.val }
            }
            ItemType::Dot => Arg::Dot { pos },
            ItemType::Nil => Arg::Nil { pos },
            ItemType::Variable => {
                let v = new_variable(pos, &token.val);
                let first = v.ident.first().cloned().unwrap_or_default();
                if !self.st.vars.contains(&first) {
                    return self.errorf(format!("undefined variable {}", strconv::quote(&first)));
                }
                Arg::Variable(v)
            }
            ItemType::Field => {
                Arg::Field { pos, ident: token.val.get(1..).unwrap_or("").split('.').map(str::to_string).collect() }
            }
            ItemType::Bool => Arg::Bool { pos, val: token.val == "true" },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                match new_number(pos, &token.val, token.typ) {
                    Ok(n) => Arg::Number(n),
                    Err(e) => return self.errorf(e),
                }
            }
            ItemType::LeftParen => {
                if self.st.stack_depth >= self.max_stack_depth {
                    return self.errorf("max expression depth exceeded");
                }
                self.st.stack_depth += 1;
                let result = stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                    self.pipeline("parenthesized pipeline", ItemType::RightParen)
                });
                self.st.stack_depth -= 1;
                Arg::Pipe(Box::new(result?))
            }
            ItemType::String | ItemType::RawString => match strconv::unquote(&token.val) {
                Ok(text) => Arg::String { pos, quoted: token.val, text },
                Err(e) => return self.errorf(e),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

fn new_variable(pos: usize, ident: &str) -> VariableNode {
    VariableNode { pos, ident: ident.split('.').map(str::to_string).collect() }
}

/// Go's `newNumber`: the value under every type that can represent it.
fn new_number(pos: usize, text: &str, typ: ItemType) -> Result<NumberNode, String> {
    let mut n = NumberNode {
        pos,
        is_int: false,
        is_uint: false,
        is_float: false,
        is_complex: false,
        int64: 0,
        uint64: 0,
        float64: 0.0,
        complex: (0.0, 0.0),
        text: text.to_string(),
    };
    match typ {
        ItemType::CharConstant => {
            let inner = text.get(1..).unwrap_or("");
            let (r, tail) = strconv::unquote_char(inner, b'\'').map_err(|e| e.to_string())?;
            if tail != "'" {
                return Err(format!("malformed character constant: {text}"));
            }
            n.int64 = i64::from(r);
            n.is_int = true;
            n.uint64 = u64::from(r);
            n.is_uint = true;
            n.float64 = f64::from(r);
            n.is_float = true;
            return Ok(n);
        }
        ItemType::Complex => {
            let (re, im) = strconv::parse_complex(text).ok_or_else(|| format!("expected integer: {text}"))?;
            n.is_complex = true;
            n.complex = (re, im);
            simplify_complex(&mut n);
            return Ok(n);
        }
        _ => {}
    }
    // Imaginary constants can only be complex unless they are zero.
    if let Some(stripped) = text.strip_suffix('i')
        && let Ok(f) = strconv::parse_float(stripped)
    {
        n.is_complex = true;
        n.complex = (0.0, f);
        simplify_complex(&mut n);
        return Ok(n);
    }
    // Do integer test first so we get 0x123 etc.
    let u = strconv::parse_uint(text, 0);
    if let Ok(u) = u {
        n.is_uint = true;
        n.uint64 = u;
    }
    if let Ok(i) = strconv::parse_int(text, 0) {
        n.is_int = true;
        n.int64 = i;
        if i == 0 {
            n.is_uint = true; // in case of -0.
            n.uint64 = u.unwrap_or(0);
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float64 = n.int64 as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float64 = n.uint64 as f64;
    } else if let Ok(f) = strconv::parse_float(text) {
        // If we parsed it as a float but it looks like an integer, it's a
        // huge number too large to fit in an int. Reject it.
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", strconv::quote(text)));
        }
        n.is_float = true;
        n.float64 = f;
        // If a floating-point extraction succeeded, extract the int if needed.
        if !n.is_int && go_f64_to_i64(f) as f64 == f {
            n.is_int = true;
            n.int64 = go_f64_to_i64(f);
        }
        if !n.is_uint && go_f64_to_u64(f) as f64 == f {
            n.is_uint = true;
            n.uint64 = go_f64_to_u64(f);
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!("illegal number syntax: {}", strconv::quote(text)));
    }
    Ok(n)
}

fn simplify_complex(n: &mut NumberNode) {
    n.is_float = n.complex.1 == 0.0;
    if n.is_float {
        n.float64 = n.complex.0;
        n.is_int = go_f64_to_i64(n.float64) as f64 == n.float64;
        if n.is_int {
            n.int64 = go_f64_to_i64(n.float64);
        }
        n.is_uint = go_f64_to_u64(n.float64) as f64 == n.float64;
        if n.is_uint {
            n.uint64 = go_f64_to_u64(n.float64);
        }
    }
}

/// Go's `int64(f)` on amd64 for out-of-range values yields the minimum int64;
/// Rust saturates. Only exact round trips matter here, so map the
/// out-of-range cases to a value that cannot round-trip.
fn go_f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) { i64::MIN } else { f as i64 }
}

fn go_f64_to_u64(f: f64) -> u64 {
    if f.is_nan() || f >= 1.844_674_407_370_955_2e19 {
        1 << 63
    } else {
        // Negative values saturate to 0, which round-trips only for -0.0, as in Go.
        f as u64
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
