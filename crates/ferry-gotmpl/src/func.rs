//! Template functions: typed signatures (so the executor can convert
//! constants and check arguments exactly as Go's reflection-based calls do),
//! the call context through which a function re-enters the engine, and the
//! error a function returns.

use std::fmt;
use std::sync::Arc;

use crate::error::Error;
use crate::set::TemplateSet;
use crate::value::{Type, Value};

/// What a function returns: a value, or an error that stops execution with
/// `error calling NAME: <message>`.
pub type FuncResult = Result<Value, FuncError>;

type Callable = dyn Fn(&mut Context<'_>, &[Value]) -> FuncResult + Send + Sync;

/// A function callable from templates, with Go parameter types.
///
/// Arguments arrive already checked against the parameter types the way Go's
/// `text/template` checks them: a `string` parameter receives a
/// [`Value::String`]; an `interface {}` parameter receives any value, with a
/// missing value turned into `Value::Nil(Type::Interface)`; a
/// [`Type::ReflectValue`] parameter receives the raw value, possibly
/// [`Value::Invalid`]. Variadic arguments follow the fixed ones in the slice.
#[derive(Clone)]
pub struct Function(Arc<FunctionInner>);

struct FunctionInner {
    params: Vec<Type>,
    variadic: Option<Type>,
    returns: Type,
    call: Box<Callable>,
}

impl Function {
    /// A function with fixed parameters.
    pub fn new(
        params: impl Into<Vec<Type>>,
        call: impl Fn(&mut Context<'_>, &[Value]) -> FuncResult + Send + Sync + 'static,
    ) -> Function {
        Function(Arc::new(FunctionInner {
            params: params.into(),
            variadic: None,
            returns: Type::Interface,
            call: Box::new(call),
        }))
    }

    /// A variadic function: `params` fixed parameters, then any number of
    /// arguments of type `rest` (Go's `...rest`).
    pub fn variadic(
        params: impl Into<Vec<Type>>,
        rest: Type,
        call: impl Fn(&mut Context<'_>, &[Value]) -> FuncResult + Send + Sync + 'static,
    ) -> Function {
        Function(Arc::new(FunctionInner {
            params: params.into(),
            variadic: Some(rest),
            returns: Type::Interface,
            call: Box::new(call),
        }))
    }

    /// Declares the result type (only used to print the function's Go type).
    pub fn returns(mut self, ty: Type) -> Function {
        if let Some(inner) = Arc::get_mut(&mut self.0) {
            inner.returns = ty;
        }
        self
    }

    /// The fixed parameter types.
    pub fn params(&self) -> &[Type] {
        &self.0.params
    }

    /// The element type of the variadic parameter, if any.
    pub fn variadic_type(&self) -> Option<&Type> {
        self.0.variadic.as_ref()
    }

    /// The Go type of the function, e.g. `func(string, ...interface {}) interface {}`.
    pub fn type_name(&self) -> String {
        let mut parts: Vec<String> = self.0.params.iter().map(|t| t.to_string()).collect();
        if let Some(rest) = &self.0.variadic {
            parts.push(format!("...{rest}"));
        }
        format!("func({}) {}", parts.join(", "), self.0.returns)
    }

    /// Calls the function. Arguments must already fit the signature.
    pub fn call(&self, ctx: &mut Context<'_>, args: &[Value]) -> FuncResult {
        (self.0.call)(ctx, args)
    }

    /// Whether both handles refer to the same function.
    pub fn ptr_eq(&self, other: &Function) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.type_name())
    }
}

/// The error a function returns. Its message is what Go's `err.Error()` would
/// say; if it wraps a template error (from `include`, `tpl`), that error is
/// kept as the cause.
#[derive(Debug, Clone)]
pub struct FuncError {
    message: String,
    cause: Option<Box<Error>>,
}

impl FuncError {
    /// An error with the given message.
    pub fn new(message: impl Into<String>) -> FuncError {
        FuncError { message: message.into(), cause: None }
    }

    /// The message (Go's `err.Error()`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The template error this error wraps, if any.
    pub fn cause(&self) -> Option<&Error> {
        self.cause.as_deref()
    }

    /// The message and the wrapped template error, by value.
    pub fn into_parts(self) -> (String, Option<Box<Error>>) {
        (self.message, self.cause)
    }
}

impl fmt::Display for FuncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FuncError {}

impl From<String> for FuncError {
    fn from(message: String) -> FuncError {
        FuncError::new(message)
    }
}

impl From<&str> for FuncError {
    fn from(message: &str) -> FuncError {
        FuncError::new(message)
    }
}

impl From<Error> for FuncError {
    fn from(err: Error) -> FuncError {
        FuncError { message: err.to_string(), cause: Some(Box::new(err)) }
    }
}

/// What a running function can reach: the template set of the template being
/// executed. Helm's `include` executes a named template of this set; `tpl`
/// clones it, parses new text into the clone and executes that.
pub struct Context<'a> {
    set: &'a TemplateSet,
}

impl<'a> Context<'a> {
    pub(crate) fn new(set: &'a TemplateSet) -> Context<'a> {
        Context { set }
    }

    /// The template set the calling template belongs to.
    pub fn templates(&self) -> &'a TemplateSet {
        self.set
    }

    /// Executes the named template of the running set with `data` as dot and
    /// returns its output (Go's `ExecuteTemplate` into a buffer).
    pub fn execute_template(&self, name: &str, data: &Value) -> Result<String, Error> {
        self.set.execute(name, data)
    }
}
