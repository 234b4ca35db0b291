//! Template sets: Go's `*template.Template` with its shared `common` — named
//! templates (one per parsed text plus every `define`/`block`), functions,
//! options and delimiters.

use std::collections::HashMap;
use std::sync::Arc;

use crate::builtins::{self, Builtin};
use crate::error::Error;
use crate::exec;
use crate::func::Function;
use crate::parse::{self, Mode, Tree};
use crate::value::Value;

/// Go's `missingkey` option: what a missing map key evaluates to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MissingKey {
    /// `missingkey=default` / `invalid`: no value (prints `<no value>`).
    #[default]
    Invalid,
    /// `missingkey=zero`: the zero value of the map's element type.
    Zero,
    /// `missingkey=error`: execution stops with `map has no entry for key "x"`.
    Error,
}

/// Resolves a method of a named (non-struct) Go type for a receiver value:
/// given the receiver and the method name, the method bound to that receiver.
pub type MethodResolver = Arc<dyn Fn(&Value, &str) -> Option<Function> + Send + Sync>;

/// Go's maximum `{{template}}` nesting (`maxExecDepth`).
pub const MAX_EXEC_DEPTH: usize = 100_000;

/// A set of named templates sharing functions and options, like a Go
/// `*template.Template` and all templates associated with it.
///
/// Cloning is cheap (trees and functions are shared) and gives an
/// independent name space: templates parsed into the clone do not appear in
/// the original, as with Go's `Clone`. Unlike Go's `Clone`, options are copied.
#[derive(Clone)]
pub struct TemplateSet {
    name: String,
    trees: HashMap<String, Arc<Tree>>,
    funcs: Arc<HashMap<String, Function>>,
    methods: Arc<HashMap<String, MethodResolver>>,
    missing_key: MissingKey,
    left_delim: String,
    right_delim: String,
    mode: Mode,
    max_exec_depth: usize,
}

impl std::fmt::Debug for TemplateSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateSet")
            .field("name", &self.name)
            .field("templates", &self.template_names())
            .field("missing_key", &self.missing_key)
            .finish_non_exhaustive()
    }
}

impl TemplateSet {
    /// An empty set named `name` (Go's `template.New(name)`). The name only
    /// appears in `no template "x" associated with template "NAME"` errors.
    pub fn new(name: &str) -> TemplateSet {
        TemplateSet {
            name: name.to_string(),
            trees: HashMap::new(),
            funcs: Arc::new(HashMap::new()),
            methods: Arc::new(HashMap::new()),
            missing_key: MissingKey::Invalid,
            left_delim: String::new(),
            right_delim: String::new(),
            mode: Mode::default(),
            max_exec_depth: MAX_EXEC_DEPTH,
        }
    }

    /// The set's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds (or replaces) a function (Go's `Funcs`). Must happen before
    /// parsing templates that call it: the parser rejects unknown functions.
    pub fn add_func(&mut self, name: &str, function: Function) -> &mut TemplateSet {
        Arc::make_mut(&mut self.funcs).insert(name.to_string(), function);
        self
    }

    /// Adds (or replaces) several functions.
    pub fn add_funcs<S: Into<String>>(&mut self, funcs: impl IntoIterator<Item = (S, Function)>) -> &mut TemplateSet {
        let map = Arc::make_mut(&mut self.funcs);
        for (name, f) in funcs {
            map.insert(name.into(), f);
        }
        self
    }

    /// Declares the methods of a named map or slice type (Go: methods on
    /// `type files map[string][]byte`, `type VersionSet []string`). When a
    /// template evaluates `.Name` on a value whose type is
    /// `Type::Named(type_name, _)`, `resolver(value, "Name")` is asked first;
    /// a `Some` method is called like Go calls a method, before map keys.
    pub fn add_type_methods(
        &mut self,
        type_name: &str,
        resolver: impl Fn(&Value, &str) -> Option<Function> + Send + Sync + 'static,
    ) -> &mut TemplateSet {
        Arc::make_mut(&mut self.methods).insert(type_name.to_string(), Arc::new(resolver));
        self
    }

    /// The method `name` of a value of a named type declared with
    /// [`TemplateSet::add_type_methods`].
    pub(crate) fn type_method(&self, receiver: &Value, name: &str) -> Option<Function> {
        if self.methods.is_empty() {
            return None;
        }
        let ty = match receiver {
            Value::Map(m) => m.ty(),
            Value::List(l) => &l.ty,
            Value::Nil(t) => t,
            _ => return None,
        };
        match ty {
            crate::value::Type::Named(type_name, _) => self.methods.get(&**type_name).and_then(|r| r(receiver, name)),
            _ => None,
        }
    }

    /// The function of that name: the set's own, or a builtin.
    pub fn function(&self, name: &str) -> Option<Function> {
        self.find_function(name).map(|(f, _)| f)
    }

    pub(crate) fn find_function(&self, name: &str) -> Option<(Function, Option<Builtin>)> {
        if let Some(f) = self.funcs.get(name) {
            return Some((f.clone(), None));
        }
        builtins::lookup(name).map(|(f, b)| (f.clone(), Some(*b)))
    }

    fn has_function(&self, name: &str) -> bool {
        self.funcs.contains_key(name) || builtins::lookup(name).is_some()
    }

    /// Sets an option, Go's `Option`: `missingkey=default|invalid|zero|error`.
    pub fn option(&mut self, opt: &str) -> Result<&mut TemplateSet, Error> {
        self.missing_key = match opt.split_once('=') {
            Some(("missingkey", "invalid" | "default")) => MissingKey::Invalid,
            Some(("missingkey", "zero")) => MissingKey::Zero,
            Some(("missingkey", "error")) => MissingKey::Error,
            _ => return Err(Error::Option(opt.to_string())),
        };
        Ok(self)
    }

    /// The `missingkey` setting.
    pub fn missing_key(&self) -> MissingKey {
        self.missing_key
    }

    /// Sets the action delimiters for later parses; empty means `{{` / `}}`.
    pub fn delims(&mut self, left: &str, right: &str) -> &mut TemplateSet {
        self.left_delim = left.to_string();
        self.right_delim = right.to_string();
        self
    }

    /// Keeps comments in parse trees / skips the check that called functions exist.
    pub fn parse_mode(&mut self, mode: Mode) -> &mut TemplateSet {
        self.mode = mode;
        self
    }

    /// Limits `{{template}}` nesting (default [`MAX_EXEC_DEPTH`], as Go).
    pub fn set_max_exec_depth(&mut self, depth: usize) -> &mut TemplateSet {
        self.max_exec_depth = depth;
        self
    }

    pub(crate) fn max_exec_depth(&self) -> usize {
        self.max_exec_depth
    }

    /// Parses `text` as the template `name` and adds it and every template
    /// it defines to the set — Go's `t.New(name).Parse(text)`. A later
    /// definition replaces an earlier one of the same name, except that a
    /// body of only whitespace and comments never replaces an existing one.
    /// On error the set is unchanged.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let trees = parse::parse(name, text, &self.left_delim, &self.right_delim, self.mode, &|f| self.has_function(f))
            .map_err(Error::Parse)?;
        for (tree_name, tree) in trees {
            let keep_old = tree.is_empty() && self.trees.contains_key(&tree_name);
            if !keep_old {
                self.trees.insert(tree_name, Arc::new(tree));
            }
        }
        Ok(())
    }

    /// Whether a template of that name is defined (Go's `Lookup(name) != nil`).
    pub fn has_template(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    /// The parsed template of that name.
    pub fn lookup(&self, name: &str) -> Option<&Tree> {
        self.trees.get(name).map(|t| &**t)
    }

    pub(crate) fn lookup_tree(&self, name: &str) -> Option<&Tree> {
        self.lookup(name)
    }

    /// Names of all templates in the set, sorted.
    pub fn template_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.trees.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Go's `DefinedTemplates`: `; defined templates are: "a", "b"` (sorted
    /// here; Go's order is random), or empty if there are none.
    pub fn defined_templates(&self) -> String {
        let names = self.template_names();
        if names.is_empty() {
            return String::new();
        }
        let quoted: Vec<String> = names.iter().map(|n| ferry_gostd::strconv::quote(n)).collect();
        format!("; defined templates are: {}", quoted.join(", "))
    }

    /// Executes the named template with `data` as dot and returns the output
    /// (Go's `ExecuteTemplate` into a buffer).
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, Error> {
        let mut out = String::new();
        self.execute_into(name, data, &mut out)?;
        Ok(out)
    }

    /// Like [`TemplateSet::execute`], appending to `out`. On error, `out`
    /// holds the output produced before the error, as Go's writer would.
    pub fn execute_into(&self, name: &str, data: &Value, out: &mut String) -> Result<(), Error> {
        let Some(tree) = self.trees.get(name) else {
            return Err(Error::NoTemplate { name: name.to_string(), set: self.name.clone() });
        };
        exec::execute(self, tree, data, out)
    }
}
