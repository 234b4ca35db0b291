//! The executor, ported from Go's `text/template/exec.go`: walking the tree,
//! evaluating pipelines, fields, methods and function calls with Go's
//! argument conversion and checks, and producing Go's error messages.

use std::fmt::Write as _;

use crate::error::{Error, ExecError};
use crate::func::{Context, Function};
use crate::gofmt;
use crate::parse::{Arg, BranchNode, CommandNode, ListNode, Node, NumberNode, PipeNode, Tree, VariableNode};
use crate::set::{MissingKey, TemplateSet};
use crate::value::{FloatKind, IntKind, Kind, Type, Value};
use ferry_gostd::strconv::quote;

/// Stack headroom kept free before recursing; below it `stacker` switches to
/// a fresh heap-allocated segment, so deep templates cannot overflow.
const RED_ZONE: usize = 128 * 1024;
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

/// A value together with whether Go would see it through an `interface {}`
/// (map elements and range elements of `interface {}`-typed containers).
/// Only error texts differ: "can't evaluate field X in type interface {}".
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    pub v: Value,
    pub iface: bool,
}

impl Slot {
    fn plain(v: Value) -> Slot {
        Slot { v, iface: false }
    }

    /// The static Go type as `reflect.Value.Type()` would report it.
    fn static_type(&self) -> String {
        if self.iface {
            return "interface {}".to_string();
        }
        self.v.type_of().map(|t| t.to_string()).unwrap_or_default()
    }
}

/// A node the executor is at, for error positions and contexts (Go's `s.at`).
#[derive(Clone, Copy)]
enum At<'t> {
    Node(&'t Node),
    Pipe(&'t PipeNode),
    Cmd(&'t CommandNode),
    Arg(&'t Arg),
}

impl At<'_> {
    fn pos(&self) -> usize {
        match self {
            At::Node(n) => n.pos(),
            At::Pipe(p) => p.pos,
            At::Cmd(c) => c.pos,
            At::Arg(a) => a.pos(),
        }
    }

    fn context(&self) -> String {
        match self {
            At::Node(n) => n.to_string(),
            At::Pipe(p) => p.to_string(),
            At::Cmd(c) => c.to_string(),
            At::Arg(a) => a.to_string(),
        }
    }
}

/// Control flow out of a list: `{{break}}` and `{{continue}}` unwind to the
/// innermost range.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

type R<T> = Result<T, Error>;

pub(crate) struct State<'t, 'o> {
    set: &'t TemplateSet,
    tree: &'t Tree,
    node: Option<At<'t>>,
    vars: Vec<(&'t str, Slot)>,
    depth: usize,
    out: &'o mut String,
}

/// Executes `tree` (a member of `set`) with `data` as dot, appending to `out`.
pub(crate) fn execute(set: &TemplateSet, tree: &Tree, data: &Value, out: &mut String) -> R<()> {
    let dot = Slot::plain(data.clone());
    let mut state = State { set, tree, node: None, vars: vec![("$", dot.clone())], depth: 0, out };
    state.walk_list(&dot, &tree.root)?;
    Ok(())
}

fn is_hex_int(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 2 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') && !s.contains(['p', 'P'])
}

impl<'t> State<'t, '_> {
    fn at(&mut self, node: At<'t>) {
        self.node = Some(node);
    }

    fn errorf(&self, message: impl Into<String>) -> Error {
        self.error_with_cause(message.into(), None)
    }

    fn error_with_cause(&self, message: String, cause: Option<Box<Error>>) -> Error {
        let (location, context) = match self.node {
            Some(n) => (Some(self.tree.location(n.pos())), Some(n.context())),
            None => (None, None),
        };
        Error::Exec(ExecError { template: self.tree.name.clone(), location, context, message, cause })
    }

    fn push(&mut self, name: &'t str, value: Slot) {
        self.vars.push((name, value));
    }

    fn set_var(&mut self, name: &str, value: Slot) -> R<()> {
        for i in (0..self.vars.len()).rev() {
            if self.vars[i].0 == name {
                self.vars[i].1 = value;
                return Ok(());
            }
        }
        Err(self.errorf(format!("undefined variable: {name}")))
    }

    fn set_top_var(&mut self, n: usize, value: Slot) {
        let len = self.vars.len();
        if let Some(slot) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            slot.1 = value;
        }
    }

    fn var_value(&self, name: &str) -> R<Slot> {
        for (n, v) in self.vars.iter().rev() {
            if *n == name {
                return Ok(v.clone());
            }
        }
        Err(self.errorf(format!("undefined variable: {name}")))
    }

    fn walk_list(&mut self, dot: &Slot, list: &'t ListNode) -> R<Flow> {
        for node in &list.nodes {
            let flow = self.walk(dot, node)?;
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Slot, node: &'t Node) -> R<Flow> {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
            self.at(At::Node(node));
            match node {
                Node::Action { pipe, .. } => {
                    // Don't pop variables so they persist until next end.
                    // Also, if the action declares variables, don't print the result.
                    let val = self.eval_pipeline(dot, Some(pipe))?;
                    if pipe.decl.is_empty() {
                        self.print_value(node, &val)?;
                    }
                }
                Node::Break { .. } => return Ok(Flow::Break),
                Node::Continue { .. } => return Ok(Flow::Continue),
                Node::Comment { .. } => {}
                Node::If(b) => return self.walk_if_or_with(false, dot, b),
                Node::With(b) => return self.walk_if_or_with(true, dot, b),
                Node::Range(b) => return self.walk_range(dot, node, b),
                Node::Template { name, pipe, .. } => self.walk_template(dot, node, name, pipe.as_ref())?,
                Node::Text { text, .. } => self.out.push_str(text),
            }
            Ok(Flow::Normal)
        })
    }

    fn walk_if_or_with(&mut self, is_with: bool, dot: &Slot, b: &'t BranchNode) -> R<Flow> {
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, Some(&b.pipe))?;
        let truth = val.is_true();
        let flow = if truth {
            if is_with { self.walk_list(&Slot::plain(val), &b.list)? } else { self.walk_list(dot, &b.list)? }
        } else if let Some(else_list) = &b.else_list {
            self.walk_list(dot, else_list)?
        } else {
            Flow::Normal
        };
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn walk_range(&mut self, dot: &Slot, node: &'t Node, r: &'t BranchNode) -> R<Flow> {
        self.at(At::Node(node));
        let mark0 = self.vars.len();
        let val = self.eval_pipeline(dot, Some(&r.pipe))?;
        // Mark top of stack before any variables in the body are pushed.
        let mark = self.vars.len();
        let ran = match &val {
            Value::Int(n, k) => {
                if r.pipe.decl.len() > 1 {
                    return Err(self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        gofmt::sprint(std::slice::from_ref(&val))
                    )));
                }
                let mut ran = false;
                for i in 0..(*n).max(0) {
                    ran = true;
                    if self.one_iteration(r, mark, Slot::plain(Value::Invalid), Slot::plain(Value::Int(i, *k)))?
                        == Flow::Break
                    {
                        break;
                    }
                }
                ran
            }
            Value::Uint(n, k) => {
                if r.pipe.decl.len() > 1 {
                    return Err(self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        gofmt::sprint(std::slice::from_ref(&val))
                    )));
                }
                let mut ran = false;
                for i in 0..*n {
                    ran = true;
                    if self.one_iteration(r, mark, Slot::plain(Value::Invalid), Slot::plain(Value::Uint(i, *k)))?
                        == Flow::Break
                    {
                        break;
                    }
                }
                ran
            }
            Value::List(l) => {
                let iface = l.ty.elem().map(|e| *e == Type::Interface).unwrap_or(false);
                for (i, item) in l.items.iter().enumerate() {
                    let elem = Slot { v: item.clone(), iface };
                    if self.one_iteration(r, mark, Slot::plain(Value::int(i as i64)), elem)? == Flow::Break {
                        break;
                    }
                }
                !l.items.is_empty()
            }
            Value::Bytes(b) => {
                for (i, byte) in b.iter().enumerate() {
                    let elem = Slot::plain(Value::Uint(u64::from(*byte), crate::value::UintKind::Uint8));
                    if self.one_iteration(r, mark, Slot::plain(Value::int(i as i64)), elem)? == Flow::Break {
                        break;
                    }
                }
                !b.is_empty()
            }
            Value::Map(m) => {
                let iface = m.elem_type() == Type::Interface;
                // Go ranges over a sorted snapshot (fmtsort.Sort): the body may
                // change the map without affecting this loop.
                let entries = m.entries();
                for (k, v) in &entries {
                    let key = Slot::plain(Value::string(k.as_str()));
                    if self.one_iteration(r, mark, key, Slot { v: v.clone(), iface })? == Flow::Break {
                        break;
                    }
                }
                !entries.is_empty()
            }
            // An invalid value is likely a nil map, etc. and acts like an empty map.
            Value::Invalid => false,
            Value::Nil(t) if matches!(t.kind(), Kind::Map | Kind::Slice) => false,
            _ => {
                return Err(
                    self.errorf(format!("range can't iterate over {}", gofmt::sprint(std::slice::from_ref(&val))))
                );
            }
        };
        if !ran && let Some(else_list) = &r.else_list {
            self.walk_list(dot, else_list)?;
        }
        self.vars.truncate(mark0);
        Ok(Flow::Normal)
    }

    fn one_iteration(&mut self, r: &'t BranchNode, mark: usize, index: Slot, elem: Slot) -> R<Flow> {
        let decl = &r.pipe.decl;
        if !decl.is_empty() {
            if r.pipe.is_assign {
                // With two variables, index comes first. With one, we use the element.
                if decl.len() > 1 {
                    self.set_var(first_ident(&decl[0]), index.clone())?;
                } else {
                    self.set_var(first_ident(&decl[0]), elem.clone())?;
                }
            } else {
                // Set top var (lexically the second if there are two) to the element.
                self.set_top_var(1, elem.clone());
            }
        }
        if decl.len() > 1 {
            if r.pipe.is_assign {
                self.set_var(first_ident(&decl[1]), elem.clone())?;
            } else {
                // Set next var (lexically the first if there are two) to the index.
                self.set_top_var(2, index);
            }
        }
        let flow = self.walk_list(&elem, &r.list)?;
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn walk_template(&mut self, dot: &Slot, node: &'t Node, name: &str, pipe: Option<&'t PipeNode>) -> R<()> {
        self.at(At::Node(node));
        let Some(tree) = self.set.lookup_tree(name) else {
            return Err(self.errorf(format!("template {} not defined", quote(name))));
        };
        if self.depth >= self.set.max_exec_depth() {
            return Err(self.errorf(format!("exceeded maximum template depth ({})", self.set.max_exec_depth())));
        }
        // Variables declared by the pipeline persist.
        let new_dot = Slot::plain(self.eval_pipeline(dot, pipe)?);
        let mut state = State {
            set: self.set,
            tree,
            node: None,
            // No dynamic scoping: template invocations inherit no variables.
            vars: vec![("$", new_dot.clone())],
            depth: self.depth + 1,
            out: &mut *self.out,
        };
        state.walk_list(&new_dot, &tree.root)?;
        Ok(())
    }

    /// Evaluates a pipeline. Declared variables are pushed (or assigned), so
    /// the caller pops them when the scope ends.
    fn eval_pipeline(&mut self, dot: &Slot, pipe: Option<&'t PipeNode>) -> R<Value> {
        let Some(pipe) = pipe else {
            return Ok(Value::Invalid);
        };
        self.at(At::Pipe(pipe));
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            let v = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.eval_command(dot, cmd, value.take()))?;
            // If the object has type interface{}, dig down one level to the thing inside.
            value = Some(match v {
                Value::Nil(Type::Interface) => Value::Invalid,
                other => other,
            });
        }
        let value = value.unwrap_or(Value::Invalid);
        for variable in &pipe.decl {
            if pipe.is_assign {
                self.set_var(first_ident(variable), Slot::plain(value.clone()))?;
            } else {
                self.push(first_ident(variable), Slot::plain(value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], final_: &Option<Value>) -> R<()> {
        if args.len() > 1 || final_.is_some() {
            let first = args.first().map(|a| a.to_string()).unwrap_or_default();
            return Err(self.errorf(format!("can't give argument to non-function {first}")));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Slot, cmd: &'t CommandNode, final_: Option<Value>) -> R<Value> {
        let Some(first) = cmd.args.first() else {
            return Err(self.errorf("empty command"));
        };
        match first {
            Arg::Field { ident, .. } => {
                return Ok(self.eval_field_node(dot, first, ident, &cmd.args, final_)?.v);
            }
            Arg::Chain { node, fields, .. } => {
                return Ok(self.eval_chain_node(dot, first, node, fields, &cmd.args, final_)?.v);
            }
            Arg::Identifier { name, .. } => {
                return self.eval_function(dot, first, At::Cmd(cmd), name, &cmd.args, final_);
            }
            Arg::Pipe(p) => {
                // Parenthesized pipeline. The arguments are all inside the pipeline; final must be absent.
                self.not_a_function(&cmd.args, &final_)?;
                return self.eval_pipeline(dot, Some(p));
            }
            Arg::Variable(v) => return Ok(self.eval_variable_node(dot, first, v, &cmd.args, final_)?.v),
            _ => {}
        }
        self.at(At::Arg(first));
        self.not_a_function(&cmd.args, &final_)?;
        match first {
            Arg::Bool { val, .. } => Ok(Value::Bool(*val)),
            Arg::Dot { .. } => Ok(dot.v.clone()),
            Arg::Nil { .. } => Err(self.errorf("nil is not a command")),
            Arg::Number(n) => self.ideal_constant(first, n),
            Arg::String { text, .. } => Ok(Value::string(text.as_str())),
            _ => Err(self.errorf(format!("can't evaluate command {}", quote(&first.to_string())))),
        }
    }

    /// A number constant in a context with no type: its syntax decides.
    fn ideal_constant(&mut self, node: &'t Arg, c: &NumberNode) -> R<Value> {
        self.at(At::Arg(node));
        if c.is_complex {
            return Ok(Value::Complex(c.complex.0, c.complex.1));
        }
        if c.is_float && !is_hex_int(&c.text) && !c.text.starts_with('\'') && c.text.contains(['.', 'e', 'E', 'p', 'P'])
        {
            return Ok(Value::float64(c.float64));
        }
        if c.is_int {
            return Ok(Value::int(c.int64));
        }
        if c.is_uint {
            return Err(self.errorf(format!("{} overflows int", c.text)));
        }
        Ok(Value::Invalid)
    }

    fn eval_field_node(
        &mut self,
        dot: &Slot,
        node: &'t Arg,
        ident: &[String],
        args: &'t [Arg],
        final_: Option<Value>,
    ) -> R<Slot> {
        self.at(At::Arg(node));
        self.eval_field_chain(dot, dot.clone(), node, ident, args, final_)
    }

    fn eval_chain_node(
        &mut self,
        dot: &Slot,
        node: &'t Arg,
        inner: &'t Arg,
        fields: &[String],
        args: &'t [Arg],
        final_: Option<Value>,
    ) -> R<Slot> {
        self.at(At::Arg(node));
        if fields.is_empty() {
            return Err(self.errorf("internal error: no fields in evalChainNode"));
        }
        if let Arg::Nil { .. } = inner {
            return Err(self.errorf(format!("indirection through explicit nil in {node}")));
        }
        // (pipe).Field1.Field2 has pipe as .Node, fields as .Field. Eval the pipeline, then the fields.
        let pipe = self.eval_arg(dot, None, inner)?;
        self.eval_field_chain(dot, Slot::plain(pipe), node, fields, args, final_)
    }

    fn eval_variable_node(
        &mut self,
        dot: &Slot,
        node: &'t Arg,
        v: &'t VariableNode,
        args: &'t [Arg],
        final_: Option<Value>,
    ) -> R<Slot> {
        // $x.Field has $x as the first ident, Field as the second. Eval the var, then the fields.
        self.at(At::Arg(node));
        let value = self.var_value(first_ident(v))?;
        if v.ident.len() == 1 {
            self.not_a_function(args, &final_)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, node, &v.ident[1..], args, final_)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Slot,
        mut receiver: Slot,
        node: &'t Arg,
        ident: &[String],
        args: &'t [Arg],
        final_: Option<Value>,
    ) -> R<Slot> {
        let n = ident.len();
        for name in ident.iter().take(n.saturating_sub(1)) {
            receiver = self.eval_field(dot, name, node, &[], None, receiver)?;
        }
        // Now if it's a method, it gets the arguments.
        match ident.last() {
            Some(last) => self.eval_field(dot, last, node, args, final_, receiver),
            None => Ok(receiver),
        }
    }

    fn eval_function(
        &mut self,
        dot: &Slot,
        node: &'t Arg,
        cmd: At<'t>,
        name: &str,
        args: &'t [Arg],
        final_: Option<Value>,
    ) -> R<Value> {
        self.at(At::Arg(node));
        let Some((function, builtin)) = self.set.find_function(name) else {
            return Err(self.errorf(format!("{} is not a defined function", quote(name))));
        };
        self.eval_call(dot, &function, builtin, cmd, name, args, final_)
    }

    /// Evaluates `.Field` or `.Method args...` on `receiver`.
    fn eval_field(
        &mut self,
        dot: &Slot,
        field_name: &str,
        node: &'t Arg,
        args: &'t [Arg],
        final_: Option<Value>,
        receiver: Slot,
    ) -> R<Slot> {
        if let Value::Invalid = receiver.v {
            if self.set.missing_key() == MissingKey::Error {
                // Treat invalid value as missing map key.
                return Err(self.errorf(format!("nil data; no entry for key {}", quote(field_name))));
            }
            return Ok(Slot::plain(Value::Invalid));
        }
        let typ = receiver.static_type();
        if let Value::Nil(t) = &receiver.v
            && (receiver.iface || t.kind() == Kind::Interface)
        {
            return Err(self.errorf(format!("nil pointer evaluating {typ}.{field_name}")));
        }
        if let Some(method) = self.set.type_method(&receiver.v, field_name) {
            let v = self.eval_call(dot, &method, None, At::Arg(node), field_name, args, final_)?;
            return Ok(Slot::plain(v));
        }
        if let Value::Object(o) = &receiver.v
            && let Some(method) = o.method(field_name)
        {
            let v = self.eval_call(dot, &method, None, At::Arg(node), field_name, args, final_)?;
            return Ok(Slot::plain(v));
        }
        let has_args = args.len() > 1 || final_.is_some();
        match &receiver.v {
            Value::Object(o) => {
                if let Some(field) = o.field(field_name) {
                    if has_args {
                        return Err(
                            self.errorf(format!("{field_name} has arguments but cannot be invoked as function"))
                        );
                    }
                    return Ok(Slot::plain(field));
                }
            }
            // A field name is a string key: only maps whose key type a string is
            // assignable to can be indexed by it.
            Value::Map(m) if m.key_accepts_string() => {
                if has_args {
                    return Err(self.errorf(format!("{field_name} is not a method but has arguments")));
                }
                let elem = m.elem_type();
                let iface = elem == Type::Interface;
                return match m.get(field_name) {
                    Some(v) => Ok(Slot { v, iface }),
                    None => self.missing_entry(field_name, &elem),
                };
            }
            Value::Nil(t) if t.kind() == Kind::Map => {
                if has_args {
                    return Err(self.errorf(format!("{field_name} is not a method but has arguments")));
                }
                let elem = t.elem().cloned().unwrap_or(Type::Interface);
                return self.missing_entry(field_name, &elem);
            }
            Value::Nil(t) if t.kind() == Kind::Pointer => {
                return Err(self.errorf(format!("nil pointer evaluating {typ}.{field_name}")));
            }
            _ => {}
        }
        Err(self.errorf(format!("can't evaluate field {field_name} in type {typ}")))
    }

    fn missing_entry(&self, field_name: &str, elem: &Type) -> R<Slot> {
        match self.set.missing_key() {
            MissingKey::Invalid => Ok(Slot::plain(Value::Invalid)),
            MissingKey::Zero => Ok(Slot { v: elem.zero(), iface: *elem == Type::Interface }),
            MissingKey::Error => Err(self.errorf(format!("map has no entry for key {}", quote(field_name)))),
        }
    }

    /// Calls a function or method with the command's arguments (`args[0]` is
    /// the function itself) and the previous pipeline value as the last one.
    #[allow(clippy::too_many_arguments)]
    fn eval_call(
        &mut self,
        dot: &Slot,
        fun: &Function,
        builtin: Option<crate::builtins::Builtin>,
        node: At<'t>,
        name: &str,
        args: &'t [Arg],
        final_: Option<Value>,
    ) -> R<Value> {
        use crate::builtins::Builtin;
        let args = args.get(1..).unwrap_or(&[]);
        let params = fun.params();
        let variadic = fun.variadic_type();
        let num_in = args.len() + usize::from(final_.is_some());
        let mut num_fixed = args.len();
        if variadic.is_some() {
            num_fixed = params.len();
            if num_in < num_fixed {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    params.len(),
                    args.len()
                )));
            }
        } else if num_in != params.len() {
            return Err(self.errorf(format!("wrong number of args for {name}: want {} got {num_in}", params.len())));
        }

        // Special case for builtin and/or, which short-circuit.
        if let Some(b @ (Builtin::And | Builtin::Or)) = builtin {
            let is_or = b == Builtin::Or;
            let arg_type = Type::ReflectValue;
            let mut v = Value::Invalid;
            for arg in args {
                v = self.eval_arg(dot, Some(&arg_type), arg)?;
                if v.is_true() == is_or {
                    return Ok(v);
                }
            }
            if let Some(f) = final_ {
                // The last argument to and/or is coming from the pipeline. We
                // didn't short circuit on an earlier argument, so we are going
                // to return this one; check its type.
                v = self.validate_type(f, Some(&arg_type))?;
            }
            return Ok(v);
        }

        let mut argv: Vec<Value> = Vec::with_capacity(num_in);
        let mut i = 0;
        while i < num_fixed && i < args.len() {
            argv.push(self.eval_arg(dot, params.get(i), &args[i])?);
            i += 1;
        }
        if let Some(rest) = variadic {
            while i < args.len() {
                argv.push(self.eval_arg(dot, Some(rest), &args[i])?);
                i += 1;
            }
        }
        if let Some(f) = final_ {
            let t = match variadic {
                Some(rest) if num_in > num_fixed => rest.clone(),
                Some(_) => params.get(num_in - 1).cloned().unwrap_or(Type::Interface),
                None => params.last().cloned().unwrap_or(Type::Interface),
            };
            argv.push(self.validate_type(f, Some(&t))?);
        }

        // Special case for the "call" builtin: insert the name of the callee
        // function as the first argument.
        if builtin == Some(Builtin::Call) {
            let callee = match args.first() {
                Some(a) => a.to_string(),
                None => argv.first().map(|v| v.type_name()).unwrap_or_default(),
            };
            argv.insert(0, Value::string(callee));
        }

        let mut ctx = Context::new(self.set);
        match fun.call(&mut ctx, &argv) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.at(node);
                // Move the cause: cloning a deep include chain at every level
                // would be quadratic and recurse deeply.
                let (message, cause) = e.into_parts();
                Err(self.error_with_cause(format!("error calling {name}: {message}"), cause))
            }
        }
    }

    /// Go's `validateType`: the value must be valid and assignable to `typ`.
    fn validate_type(&self, value: Value, typ: Option<&Type>) -> R<Value> {
        let Some(typ) = typ else {
            return Ok(value);
        };
        let Some(vt) = value.type_of() else {
            if typ.can_be_nil() {
                return Ok(typ.zero());
            }
            return Err(self.errorf(format!("invalid value; expected {typ}")));
        };
        if *typ == Type::ReflectValue {
            return Ok(value);
        }
        if !vt.assignable_to(typ) {
            if let Value::Nil(Type::Pointer(elem)) = &value
                && elem.assignable_to(typ)
            {
                return Err(self.errorf(format!("dereference of nil pointer of type {typ}")));
            }
            return Err(self.errorf(format!("wrong type for value; expected {typ}; got {vt}")));
        }
        // reflect's Call converts an assignable argument to the parameter type
        // (`chartutil.Values` → `map[string]interface {}`), still the same map.
        if let Value::Map(m) = &value
            && vt != *typ
            && typ.kind() == Kind::Map
        {
            return Ok(Value::Map(m.retyped(typ.clone())));
        }
        Ok(value)
    }

    fn eval_arg(&mut self, dot: &Slot, typ: Option<&Type>, n: &'t Arg) -> R<Value> {
        self.at(At::Arg(n));
        match n {
            Arg::Dot { .. } => return self.validate_type(dot.v.clone(), typ),
            Arg::Nil { .. } => {
                let t = typ.cloned().unwrap_or(Type::Interface);
                if t.can_be_nil() {
                    return Ok(t.zero());
                }
                return Err(self.errorf(format!("cannot assign nil to {t}")));
            }
            Arg::Field { ident, .. } => {
                let v = self.eval_field_node(dot, n, ident, std::slice::from_ref(n), None)?;
                return self.validate_type(v.v, typ);
            }
            Arg::Variable(var) => {
                let v = self.eval_variable_node(dot, n, var, &[], None)?;
                return self.validate_type(v.v, typ);
            }
            Arg::Pipe(p) => {
                let v = self.eval_pipeline(dot, Some(p))?;
                return self.validate_type(v, typ);
            }
            Arg::Identifier { name, .. } => {
                let v = self.eval_function(dot, n, At::Arg(n), name, &[], None)?;
                return self.validate_type(v, typ);
            }
            Arg::Chain { node, fields, .. } => {
                let v = self.eval_chain_node(dot, n, node, fields, &[], None)?;
                return self.validate_type(v.v, typ);
            }
            _ => {}
        }
        let Some(typ) = typ else {
            return self.eval_empty_interface(dot, n);
        };
        match typ.kind() {
            Kind::Bool => {
                if let Arg::Bool { val, .. } = n {
                    return Ok(Value::Bool(*val));
                }
                Err(self.errorf(format!("expected bool; found {n}")))
            }
            Kind::Complex => match n {
                Arg::Number(c) if c.is_complex => Ok(Value::Complex(c.complex.0, c.complex.1)),
                _ => Err(self.errorf(format!("expected complex; found {n}"))),
            },
            Kind::Float => match n {
                Arg::Number(c) if c.is_float => Ok(Value::Float(
                    c.float64,
                    if *typ.underlying() == Type::Float32 { FloatKind::Float32 } else { FloatKind::Float64 },
                )),
                _ => Err(self.errorf(format!("expected float; found {n}"))),
            },
            Kind::Int => match n {
                Arg::Number(c) if c.is_int => {
                    let k = int_kind(typ);
                    Ok(Value::Int(k.wrap(c.int64), k))
                }
                _ => Err(self.errorf(format!("expected integer; found {n}"))),
            },
            Kind::Uint => match n {
                Arg::Number(c) if c.is_uint => {
                    let k = uint_kind(typ);
                    Ok(Value::Uint(k.wrap(c.uint64), k))
                }
                _ => Err(self.errorf(format!("expected unsigned integer; found {n}"))),
            },
            Kind::String => {
                if let Arg::String { text, .. } = n {
                    return Ok(Value::string(text.as_str()));
                }
                Err(self.errorf(format!("expected string; found {n}")))
            }
            Kind::Interface if *typ == Type::Interface => self.eval_empty_interface(dot, n),
            Kind::Struct if *typ == Type::ReflectValue => self.eval_empty_interface(dot, n),
            _ => Err(self.errorf(format!("can't handle {n} for arg of type {typ}"))),
        }
    }

    fn eval_empty_interface(&mut self, dot: &Slot, n: &'t Arg) -> R<Value> {
        self.at(At::Arg(n));
        match n {
            Arg::Bool { val, .. } => Ok(Value::Bool(*val)),
            Arg::Dot { .. } => Ok(dot.v.clone()),
            Arg::Field { ident, .. } => Ok(self.eval_field_node(dot, n, ident, &[], None)?.v),
            Arg::Identifier { name, .. } => self.eval_function(dot, n, At::Arg(n), name, &[], None),
            Arg::Nil { .. } => Err(self.errorf("evalEmptyInterface: nil (can't happen)")),
            Arg::Number(c) => self.ideal_constant(n, c),
            Arg::String { text, .. } => Ok(Value::string(text.as_str())),
            Arg::Variable(v) => Ok(self.eval_variable_node(dot, n, v, &[], None)?.v),
            Arg::Pipe(p) => self.eval_pipeline(dot, Some(p)),
            Arg::Chain { .. } => {
                Err(self.errorf(format!("can't handle assignment of {n} to empty interface argument")))
            }
        }
    }

    fn print_value(&mut self, node: &'t Node, v: &Value) -> R<()> {
        self.at(At::Node(node));
        match v {
            Value::Invalid => self.out.push_str("<no value>"),
            Value::Func(f) => {
                return Err(self.errorf(format!("can't print {node} of type {}", f.type_name())));
            }
            Value::String(s) => self.out.push_str(s),
            other => {
                let _ = write!(self.out, "{}", gofmt::sprint_indirect(other));
            }
        }
        Ok(())
    }
}

fn first_ident(v: &VariableNode) -> &str {
    v.ident.first().map(String::as_str).unwrap_or("$")
}

fn int_kind(t: &Type) -> IntKind {
    match t.underlying() {
        Type::Int8 => IntKind::Int8,
        Type::Int16 => IntKind::Int16,
        Type::Int32 => IntKind::Int32,
        Type::Int64 => IntKind::Int64,
        _ => IntKind::Int,
    }
}

fn uint_kind(t: &Type) -> crate::value::UintKind {
    use crate::value::UintKind;
    match t.underlying() {
        Type::Uint8 => UintKind::Uint8,
        Type::Uint16 => UintKind::Uint16,
        Type::Uint32 => UintKind::Uint32,
        Type::Uint64 => UintKind::Uint64,
        Type::Uintptr => UintKind::Uintptr,
        _ => UintKind::Uint,
    }
}
