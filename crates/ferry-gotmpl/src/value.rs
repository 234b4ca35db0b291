//! Go's dynamic values as Helm charts meet them: basic kinds with their Go
//! type, typed slices and string-keyed maps, struct-like objects behind a
//! trait, and typed nils. Everything clones in O(1) (strings, lists, maps and
//! objects sit behind `Arc`), so reading `.Values` never deep-copies.
//!
//! Maps are shared and mutable like Go maps (Sprig's `set` changes the map
//! every variable holding it sees). Lists are immutable: no Sprig, Helm or
//! template operation writes into an existing slice (`append`, `prepend`,
//! `rest`... all build new ones), so sharing cannot be observed.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::func::Function;

/// A Go type, as far as templates can observe it: `%T`, Sprig's `typeOf`,
/// parameter checking of functions and zero values of map elements.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `int8`
    Int8,
    /// `int16`
    Int16,
    /// `int32` (also `rune`)
    Int32,
    /// `int64`
    Int64,
    /// `uint`
    Uint,
    /// `uint8` (also `byte`)
    Uint8,
    /// `uint16`
    Uint16,
    /// `uint32`
    Uint32,
    /// `uint64`
    Uint64,
    /// `uintptr`
    Uintptr,
    /// `float32`
    Float32,
    /// `float64`
    Float64,
    /// `complex64`
    Complex64,
    /// `complex128`
    Complex128,
    /// `string`
    String,
    /// `interface {}`: accepts any value.
    Interface,
    /// `error`
    Error,
    /// `reflect.Value`: a parameter of this type receives the raw value,
    /// including [`Value::Invalid`] (Go's builtins `index`, `eq`, `and` use it).
    ReflectValue,
    /// `[]T`
    Slice(Arc<Type>),
    /// `map[K]V`
    Map(Arc<Type>, Arc<Type>),
    /// `*T`
    Pointer(Arc<Type>),
    /// A defined type with a name and an underlying type, e.g.
    /// `chartutil.Values` over `map[string]interface {}`.
    Named(Arc<str>, Arc<Type>),
    /// The type of an [`Object`], named as Go prints it (`*chart.Metadata`,
    /// `time.Time`). A leading `*` makes it a pointer type.
    Object(Arc<str>),
    /// A function type, named as Go prints it (`func(int) string`).
    Func(Arc<str>),
}

/// Go's `reflect.Kind`, reduced to what templates distinguish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// No value at all (`reflect.Value{}`).
    Invalid,
    /// `bool`
    Bool,
    /// Signed integers.
    Int,
    /// Unsigned integers.
    Uint,
    /// Floating point.
    Float,
    /// Complex numbers.
    Complex,
    /// `string`
    String,
    /// Slices (including `[]byte`).
    Slice,
    /// Maps.
    Map,
    /// Structs.
    Struct,
    /// Pointers.
    Pointer,
    /// Interfaces (`interface {}`, `error`, `reflect.Value` as a parameter type).
    Interface,
    /// Functions.
    Func,
}

impl Type {
    /// `[]interface {}`
    pub fn slice_of_interface() -> Type {
        Type::Slice(Arc::new(Type::Interface))
    }

    /// `map[string]interface {}`
    pub fn map_of_interface() -> Type {
        Type::Map(Arc::new(Type::String), Arc::new(Type::Interface))
    }

    /// A named type over `underlying`, e.g. `Type::named("chartutil.Values", Type::map_of_interface())`.
    pub fn named(name: &str, underlying: Type) -> Type {
        Type::Named(Arc::from(name), Arc::new(underlying))
    }

    /// The underlying type (strips [`Type::Named`]).
    pub fn underlying(&self) -> &Type {
        match self {
            Type::Named(_, u) => u.underlying(),
            other => other,
        }
    }

    /// The kind of the type.
    pub fn kind(&self) -> Kind {
        match self.underlying() {
            Type::Bool => Kind::Bool,
            Type::Int | Type::Int8 | Type::Int16 | Type::Int32 | Type::Int64 => Kind::Int,
            Type::Uint | Type::Uint8 | Type::Uint16 | Type::Uint32 | Type::Uint64 | Type::Uintptr => Kind::Uint,
            Type::Float32 | Type::Float64 => Kind::Float,
            Type::Complex64 | Type::Complex128 => Kind::Complex,
            Type::String => Kind::String,
            Type::Interface | Type::Error => Kind::Interface,
            Type::ReflectValue => Kind::Struct,
            Type::Slice(_) => Kind::Slice,
            Type::Map(..) => Kind::Map,
            Type::Pointer(_) => Kind::Pointer,
            Type::Object(name) if name.starts_with('*') => Kind::Pointer,
            Type::Object(_) => Kind::Struct,
            Type::Func(_) => Kind::Func,
            Type::Named(..) => Kind::Invalid,
        }
    }

    /// Whether Go considers the type named (defined): predeclared types,
    /// defined types and object types are; type literals (`[]T`, `map[K]V`,
    /// `*T`, `interface {}`) are not. Drives assignability.
    fn is_named(&self) -> bool {
        !matches!(self, Type::Slice(_) | Type::Map(..) | Type::Pointer(_) | Type::Interface | Type::Func(_))
    }

    /// Go's assignability of a value of type `self` to a variable of type `to`.
    pub fn assignable_to(&self, to: &Type) -> bool {
        if self == to || *to == Type::Interface {
            return true;
        }
        (!self.is_named() || !to.is_named()) && self.underlying() == to.underlying()
    }

    /// Whether an untyped nil can take this type (`canBeNil` in exec.go).
    pub fn can_be_nil(&self) -> bool {
        match self.kind() {
            Kind::Func | Kind::Interface | Kind::Map | Kind::Pointer | Kind::Slice => true,
            Kind::Struct => *self == Type::ReflectValue,
            _ => false,
        }
    }

    /// The element type of a slice, map or pointer type.
    pub fn elem(&self) -> Option<&Type> {
        match self.underlying() {
            Type::Slice(e) | Type::Pointer(e) | Type::Map(_, e) => Some(e),
            _ => None,
        }
    }

    /// The zero value of the type (`reflect.Zero`).
    pub fn zero(&self) -> Value {
        match self.underlying() {
            Type::Bool => Value::Bool(false),
            Type::Int => Value::Int(0, IntKind::Int),
            Type::Int8 => Value::Int(0, IntKind::Int8),
            Type::Int16 => Value::Int(0, IntKind::Int16),
            Type::Int32 => Value::Int(0, IntKind::Int32),
            Type::Int64 => Value::Int(0, IntKind::Int64),
            Type::Uint => Value::Uint(0, UintKind::Uint),
            Type::Uint8 => Value::Uint(0, UintKind::Uint8),
            Type::Uint16 => Value::Uint(0, UintKind::Uint16),
            Type::Uint32 => Value::Uint(0, UintKind::Uint32),
            Type::Uint64 => Value::Uint(0, UintKind::Uint64),
            Type::Uintptr => Value::Uint(0, UintKind::Uintptr),
            Type::Float32 => Value::Float(0.0, FloatKind::Float32),
            Type::Float64 => Value::Float(0.0, FloatKind::Float64),
            Type::Complex64 | Type::Complex128 => Value::Complex(0.0, 0.0),
            Type::String => Value::String(Arc::from("")),
            Type::ReflectValue => Value::Invalid,
            _ => Value::Nil(self.clone()),
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Int8 => f.write_str("int8"),
            Type::Int16 => f.write_str("int16"),
            Type::Int32 => f.write_str("int32"),
            Type::Int64 => f.write_str("int64"),
            Type::Uint => f.write_str("uint"),
            Type::Uint8 => f.write_str("uint8"),
            Type::Uint16 => f.write_str("uint16"),
            Type::Uint32 => f.write_str("uint32"),
            Type::Uint64 => f.write_str("uint64"),
            Type::Uintptr => f.write_str("uintptr"),
            Type::Float32 => f.write_str("float32"),
            Type::Float64 => f.write_str("float64"),
            Type::Complex64 => f.write_str("complex64"),
            Type::Complex128 => f.write_str("complex128"),
            Type::String => f.write_str("string"),
            Type::Interface => f.write_str("interface {}"),
            Type::Error => f.write_str("error"),
            Type::ReflectValue => f.write_str("reflect.Value"),
            Type::Slice(e) => write!(f, "[]{e}"),
            Type::Map(k, v) => write!(f, "map[{k}]{v}"),
            Type::Pointer(e) => write!(f, "*{e}"),
            Type::Named(name, _) | Type::Object(name) | Type::Func(name) => f.write_str(name),
        }
    }
}

/// Which signed integer type a [`Value::Int`] has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntKind {
    /// `int`
    Int,
    /// `int8`
    Int8,
    /// `int16`
    Int16,
    /// `int32`
    Int32,
    /// `int64`
    Int64,
}

/// Which unsigned integer type a [`Value::Uint`] has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UintKind {
    /// `uint`
    Uint,
    /// `uint8`
    Uint8,
    /// `uint16`
    Uint16,
    /// `uint32`
    Uint32,
    /// `uint64`
    Uint64,
    /// `uintptr`
    Uintptr,
}

/// Which float type a [`Value::Float`] has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FloatKind {
    /// `float32` (the value is stored widened to f64).
    Float32,
    /// `float64`
    Float64,
}

impl IntKind {
    /// The Go type.
    pub fn go_type(self) -> Type {
        match self {
            IntKind::Int => Type::Int,
            IntKind::Int8 => Type::Int8,
            IntKind::Int16 => Type::Int16,
            IntKind::Int32 => Type::Int32,
            IntKind::Int64 => Type::Int64,
        }
    }

    /// Truncates `v` to the width of the type, as a Go conversion would.
    pub fn wrap(self, v: i64) -> i64 {
        match self {
            IntKind::Int8 => i64::from(v as i8),
            IntKind::Int16 => i64::from(v as i16),
            IntKind::Int32 => i64::from(v as i32),
            IntKind::Int | IntKind::Int64 => v,
        }
    }
}

impl UintKind {
    /// The Go type.
    pub fn go_type(self) -> Type {
        match self {
            UintKind::Uint => Type::Uint,
            UintKind::Uint8 => Type::Uint8,
            UintKind::Uint16 => Type::Uint16,
            UintKind::Uint32 => Type::Uint32,
            UintKind::Uint64 => Type::Uint64,
            UintKind::Uintptr => Type::Uintptr,
        }
    }

    /// Truncates `v` to the width of the type, as a Go conversion would.
    pub fn wrap(self, v: u64) -> u64 {
        match self {
            UintKind::Uint8 => u64::from(v as u8),
            UintKind::Uint16 => u64::from(v as u16),
            UintKind::Uint32 => u64::from(v as u32),
            UintKind::Uint | UintKind::Uint64 | UintKind::Uintptr => v,
        }
    }
}

/// A slice with its Go type (`[]interface {}`, `[]string`, or a named slice type).
#[derive(Clone, Debug)]
pub struct List {
    /// The full type of the slice, e.g. `Type::slice_of_interface()`.
    pub ty: Type,
    /// The elements. Elements of an interface-typed slice may be any value;
    /// a nil element is `Value::Nil(Type::Interface)`.
    pub items: Vec<Value>,
}

/// A Go map with string keys and its Go type (`map[string]interface {}`,
/// `map[string]string`, `chartutil.Values`, ...).
///
/// Like a Go map value this is a *reference*: clones are O(1) and share the
/// entries, so `set`, `unset` and `merge` through one handle are seen through
/// every other one (variables, `.Values` across templates of one render, maps
/// nested in maps or lists, data passed through `include`/`tpl`). Build a
/// fresh map with [`Map::new`] / [`Value::map`]; copy with [`Map::shallow_copy`]
/// or [`Value::deep_copy`].
///
/// Every method holds the lock only for its own duration and never while
/// calling out, so nothing can deadlock, even on a map that contains itself.
/// Iteration ([`Map::entries`], [`Map::keys`]) returns a snapshot in Go's
/// sorted key order, as `range` and `fmt` see it.
///
/// A map that (transitively) contains itself is never freed, as `Arc` cycles
/// are not collected; renders are short-lived, so this is accepted.
#[derive(Clone)]
pub struct Map(Arc<MapData>);

/// The entries sit behind their own `Arc` so that a conversion to another map
/// type ([`Map::retyped`]) shares them, as a Go conversion does.
struct MapData {
    ty: Type,
    entries: Arc<RwLock<BTreeMap<String, Value>>>,
}

impl Map {
    /// A new map of the given full type, e.g. `Type::map_of_interface()`.
    pub fn new(ty: Type, entries: BTreeMap<String, Value>) -> Map {
        Map(Arc::new(MapData { ty, entries: Arc::new(RwLock::new(entries)) }))
    }

    /// Go's conversion `T(m)` between map types with the same underlying
    /// type (`chartutil.Values` ↔ `map[string]interface {}`): the same map
    /// (changes are shared) seen with type `ty`.
    pub fn retyped(&self, ty: Type) -> Map {
        Map(Arc::new(MapData { ty, entries: Arc::clone(&self.0.entries) }))
    }

    // The lock is never held while user code runs, so poisoning can only come
    // from a panic inside BTreeMap itself; the data is still consistent then.
    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<String, Value>> {
        self.0.entries.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<String, Value>> {
        self.0.entries.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The full type of the map.
    pub fn ty(&self) -> &Type {
        &self.0.ty
    }

    /// Whether a `string` is assignable to the key type (a field name can
    /// index the map).
    pub fn key_accepts_string(&self) -> bool {
        match self.0.ty.underlying() {
            Type::Map(k, _) => Type::String.assignable_to(k),
            _ => true,
        }
    }

    /// The element type, whose zero value a missing key yields under `missingkey=zero`.
    pub fn elem_type(&self) -> Type {
        self.0.ty.elem().cloned().unwrap_or(Type::Interface)
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.read().get(key).cloned()
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.read().contains_key(key)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Go's `m[key] = value`, seen through every handle; returns the old value.
    pub fn insert(&self, key: impl Into<String>, value: Value) -> Option<Value> {
        self.write().insert(key.into(), value)
    }

    /// Go's `delete(m, key)`; returns the removed value.
    pub fn remove(&self, key: &str) -> Option<Value> {
        self.write().remove(key)
    }

    /// The keys, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.read().keys().cloned().collect()
    }

    /// A snapshot of the entries in sorted key order. Later changes to the map
    /// do not affect it; nested maps in it are still shared handles.
    pub fn entries(&self) -> Vec<(String, Value)> {
        self.read().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// The entries as a new `BTreeMap` (a snapshot, like [`Map::entries`]).
    pub fn to_btree(&self) -> BTreeMap<String, Value> {
        self.read().clone()
    }

    /// A new map of the same type with the same entries (Go's copy loop);
    /// nested maps stay shared.
    pub fn shallow_copy(&self) -> Map {
        Map::new(self.0.ty.clone(), self.to_btree())
    }

    /// Whether both handles refer to the same map (also across [`Map::retyped`]).
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Arc::ptr_eq(&self.0.entries, &other.0.entries)
    }

    /// The map's identity (the address of its entries), for `%p` and for
    /// cycle detection in recursive walks: a map whose id is already on the
    /// current path contains itself.
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.0.entries) as usize
    }
}

impl fmt::Debug for Map {
    /// Entries in key order; a map met again inside itself prints as `<cycle>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        thread_local! {
            static PATH: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let id = self.id();
        if PATH.with(|p| p.borrow().contains(&id)) {
            return write!(f, "Map({}, <cycle>)", self.0.ty);
        }
        PATH.with(|p| p.borrow_mut().push(id));
        let entries = self.entries();
        let result = write!(f, "Map({}, ", self.0.ty)
            .and_then(|()| f.debug_map().entries(entries.iter().map(|(k, v)| (k, v))).finish());
        PATH.with(|p| p.borrow_mut().pop());
        result.and_then(|()| f.write_str(")"))
    }
}

/// A map that contains itself, met by a walk that must visit every value
/// ([`Value::deep_copy`], JSON encoding). Displays as Go's
/// `encountered a cycle via map[string]interface {}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("encountered a cycle via {ty}")]
pub struct CycleError {
    /// The type of the map met again.
    pub ty: Type,
}

/// A struct-like Go value reached from templates: Helm's `.Chart`,
/// `.Capabilities`, `.Files`, Sprig's `time.Time`. Fields and methods are
/// looked up by name; methods are [`Function`]s (with typed parameters) bound
/// to the object.
pub trait Object: Send + Sync + fmt::Debug {
    /// The Go type as `%T` prints it, e.g. `*chart.Metadata` or `time.Time`.
    /// A leading `*` marks a pointer: fmt then prints `&{...}` at top level.
    fn type_name(&self) -> &str;

    /// An exported field by name (`.Name`). `None` if there is no such field.
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }

    /// A method by name (`.Has "apps/v1"`). Methods are looked up before fields.
    fn method(&self, _name: &str) -> Option<Function> {
        None
    }

    /// The result of the Go `String()` (or `Error()`) method if the type has
    /// one: fmt uses it for `%v %s %q %x %X` and template output.
    fn string(&self) -> Option<String> {
        None
    }

    /// The struct's fields in declaration order, for fmt's `{a b}` /
    /// `{A:a B:b}` rendering when there is no `String()`.
    fn struct_fields(&self) -> Vec<(String, Value)> {
        Vec::new()
    }

    /// The value as plain data (maps, lists, scalars) for JSON/YAML
    /// marshalling, keyed the way `encoding/json` would key it (json tags).
    fn to_data(&self) -> Option<Value> {
        None
    }

    /// For downcasting to the concrete type (e.g. Sprig's time functions).
    fn as_any(&self) -> &dyn Any;
}

/// A Go value.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// No value: Go's invalid `reflect.Value` (a missing map key under
    /// `missingkey=default`, the result of a nil interface). Prints as `<no value>`.
    #[default]
    Invalid,
    /// A typed nil: a nil `interface {}` (e.g. a YAML `null` in `.Values`),
    /// nil pointer, nil map, nil slice or nil func.
    Nil(Type),
    /// `bool`
    Bool(bool),
    /// A signed integer and its type.
    Int(i64, IntKind),
    /// An unsigned integer and its type.
    Uint(u64, UintKind),
    /// A float and its type.
    Float(f64, FloatKind),
    /// `complex128` (real, imaginary).
    Complex(f64, f64),
    /// `string`
    String(Arc<str>),
    /// `[]byte`
    Bytes(Arc<[u8]>),
    /// A slice.
    List(Arc<List>),
    /// A map with string keys (a shared reference, like a Go map).
    Map(Map),
    /// A struct-like object.
    Object(Arc<dyn Object>),
    /// A function value (callable with the `call` builtin).
    Func(Function),
}

impl Value {
    /// A Go `int`.
    pub fn int(v: i64) -> Value {
        Value::Int(v, IntKind::Int)
    }

    /// A Go `int64`.
    pub fn int64(v: i64) -> Value {
        Value::Int(v, IntKind::Int64)
    }

    /// A Go `uint64`.
    pub fn uint64(v: u64) -> Value {
        Value::Uint(v, UintKind::Uint64)
    }

    /// A Go `float64`.
    pub fn float64(v: f64) -> Value {
        Value::Float(v, FloatKind::Float64)
    }

    /// A Go `string`.
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::String(s.into())
    }

    /// A nil `interface {}` (what a YAML `null` becomes).
    pub fn nil() -> Value {
        Value::Nil(Type::Interface)
    }

    /// A `[]interface {}`.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(List { ty: Type::slice_of_interface(), items }))
    }

    /// A slice of the given full type, e.g. `Type::Slice(Arc::new(Type::String))`.
    pub fn typed_list(ty: Type, items: Vec<Value>) -> Value {
        Value::List(Arc::new(List { ty, items }))
    }

    /// A `[]string`.
    pub fn string_list<S: Into<Arc<str>>>(items: impl IntoIterator<Item = S>) -> Value {
        Value::typed_list(
            Type::Slice(Arc::new(Type::String)),
            items.into_iter().map(|s| Value::String(s.into())).collect(),
        )
    }

    /// A `map[string]interface {}`.
    pub fn map(entries: BTreeMap<String, Value>) -> Value {
        Value::Map(Map::new(Type::map_of_interface(), entries))
    }

    /// A map of the given full type, e.g. `Type::named("chartutil.Values", Type::map_of_interface())`.
    pub fn typed_map(ty: Type, entries: BTreeMap<String, Value>) -> Value {
        Value::Map(Map::new(ty, entries))
    }

    /// A struct-like object.
    pub fn object(o: impl Object + 'static) -> Value {
        Value::Object(Arc::new(o))
    }

    /// The Go type of the value; `None` for [`Value::Invalid`].
    pub fn type_of(&self) -> Option<Type> {
        Some(match self {
            Value::Invalid => return None,
            Value::Nil(t) => t.clone(),
            Value::Bool(_) => Type::Bool,
            Value::Int(_, k) => k.go_type(),
            Value::Uint(_, k) => k.go_type(),
            Value::Float(_, FloatKind::Float32) => Type::Float32,
            Value::Float(_, FloatKind::Float64) => Type::Float64,
            Value::Complex(..) => Type::Complex128,
            Value::String(_) => Type::String,
            Value::Bytes(_) => Type::Slice(Arc::new(Type::Uint8)),
            Value::List(l) => l.ty.clone(),
            Value::Map(m) => m.ty().clone(),
            Value::Object(o) => Type::Object(Arc::from(o.type_name())),
            Value::Func(f) => Type::Func(Arc::from(f.type_name())),
        })
    }

    /// Go's `%T` of the value as an `interface {}` argument: `<nil>` for no value.
    pub fn type_name(&self) -> String {
        match self {
            Value::Invalid | Value::Nil(Type::Interface) => "<nil>".to_string(),
            v => v.type_of().map(|t| t.to_string()).unwrap_or_default(),
        }
    }

    /// The kind of the value.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Invalid => Kind::Invalid,
            Value::Bytes(_) => Kind::Slice,
            v => v.type_of().map(|t| t.kind()).unwrap_or(Kind::Invalid),
        }
    }

    /// Whether the value is Go's `nil` for its type, or no value at all.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Invalid | Value::Nil(_))
    }

    /// Go's truth (`isTrue` in exec.go): `None` when the value has no
    /// meaningful truth value (never, for the kinds this model has).
    pub fn truth(&self) -> Option<bool> {
        Some(match self {
            Value::Invalid | Value::Nil(_) => false,
            Value::Bool(b) => *b,
            Value::Int(i, _) => *i != 0,
            Value::Uint(u, _) => *u != 0,
            Value::Float(f, _) => *f != 0.0,
            Value::Complex(r, i) => *r != 0.0 || *i != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.items.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(_) | Value::Func(_) => true,
        })
    }

    /// Convenience: [`Value::truth`] with no-truth treated as false.
    pub fn is_true(&self) -> bool {
        self.truth().unwrap_or(false)
    }

    /// The string if the value is a Go string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The list if the value is a slice (not `[]byte`).
    pub fn as_list(&self) -> Option<&List> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The map if the value is a map.
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The object if the value is one.
    pub fn as_object(&self) -> Option<&Arc<dyn Object>> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Length as Go's `len` sees it (strings in bytes), if the value has one.
    pub fn len(&self) -> Option<usize> {
        match self {
            Value::String(s) => Some(s.len()),
            Value::Bytes(b) => Some(b.len()),
            Value::List(l) => Some(l.items.len()),
            Value::Map(m) => Some(m.len()),
            Value::Nil(t) if matches!(t.kind(), Kind::Map | Kind::Slice) => Some(0),
            _ => None,
        }
    }

    /// Whether `len` is zero (or the value has no length).
    pub fn is_empty(&self) -> bool {
        self.len().unwrap_or(0) == 0
    }

    /// A copy sharing nothing mutable with `self`: maps (also those inside
    /// lists) are copied recursively, keeping their types (Sprig's
    /// `deepCopy`, copystructure). Objects are immutable and stay shared.
    /// A map that contains itself is an error (Go would recurse until the
    /// stack is exhausted).
    pub fn deep_copy(&self) -> Result<Value, CycleError> {
        deep_copy(self, &mut Vec::new())
    }
}

fn deep_copy(v: &Value, path: &mut Vec<usize>) -> Result<Value, CycleError> {
    match v {
        Value::Map(m) => {
            if path.contains(&m.id()) {
                return Err(CycleError { ty: m.ty().clone() });
            }
            path.push(m.id());
            // Acyclic nesting is only bounded by memory: grow the stack on the heap.
            let copied: Result<BTreeMap<_, _>, _> = stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                m.entries().into_iter().map(|(k, item)| Ok((k, deep_copy(&item, path)?))).collect()
            });
            path.pop();
            Ok(Value::Map(Map::new(m.ty().clone(), copied?)))
        }
        Value::List(l) => {
            let items = stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                l.items.iter().map(|item| deep_copy(item, path)).collect::<Result<Vec<_>, _>>()
            })?;
            Ok(Value::typed_list(l.ty.clone(), items))
        }
        other => Ok(other.clone()),
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(Arc::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(Arc::from(s))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::float64(f)
    }
}

impl From<BTreeMap<String, Value>> for Value {
    fn from(m: BTreeMap<String, Value>) -> Value {
        Value::map(m)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::list(items)
    }
}

impl fmt::Display for Value {
    /// Formats like Go's `fmt.Sprint(v)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::gofmt::sprint(std::slice::from_ref(self)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_match_go() {
        assert_eq!(Type::slice_of_interface().to_string(), "[]interface {}");
        assert_eq!(Type::map_of_interface().to_string(), "map[string]interface {}");
        let values = Type::named("chartutil.Values", Type::map_of_interface());
        assert_eq!(values.to_string(), "chartutil.Values");
        assert_eq!(Value::Bytes(Arc::from(&b"x"[..])).type_name(), "[]uint8");
        assert_eq!(Value::Invalid.type_name(), "<nil>");
    }

    #[test]
    fn assignability_follows_go_rules() {
        let values = Type::named("chartutil.Values", Type::map_of_interface());
        assert!(values.assignable_to(&Type::map_of_interface()));
        assert!(Type::map_of_interface().assignable_to(&values));
        assert!(Type::Int.assignable_to(&Type::Interface));
        assert!(!Type::Int.assignable_to(&Type::Int64));
        let my_int = Type::named("main.MyInt", Type::Int);
        assert!(!my_int.assignable_to(&Type::Int));
    }

    #[test]
    fn zero_values_and_truth() {
        assert_eq!(Type::String.zero().as_str(), Some(""));
        assert!(matches!(Type::map_of_interface().zero(), Value::Nil(_)));
        assert!(!Value::nil().is_true());
        assert!(Value::from("x").is_true());
        assert!(!Value::int(0).is_true());
    }
}

/// A ready-made [`Object`]: a Go struct (or pointer to one) described by its
/// fields, methods, optional `String()` result and optional plain-data form.
///
/// ```
/// use ferry_gotmpl::{Function, Struct, Type, Value};
/// let caps = Struct::new("*chartutil.KubeVersion")
///     .with_field("Major", Value::from("1"))
///     .with_method("Has", Function::new([Type::String], |_, a| Ok(Value::Bool(a[0].as_str() == Some("v1")))))
///     .with_string("v1.20.0");
/// assert_eq!(Value::object(caps).to_string(), "v1.20.0");
/// ```
#[derive(Clone, Debug)]
pub struct Struct {
    type_name: String,
    fields: Vec<(String, Value)>,
    methods: Vec<(String, Function)>,
    string: Option<String>,
    data: Option<Value>,
}

impl Struct {
    /// A struct of the given Go type name (`*chart.Metadata`, `template.U`).
    pub fn new(type_name: &str) -> Struct {
        Struct { type_name: type_name.to_string(), fields: Vec::new(), methods: Vec::new(), string: None, data: None }
    }

    /// Adds a field (declaration order is kept for fmt).
    pub fn with_field(mut self, name: &str, value: Value) -> Struct {
        self.fields.push((name.to_string(), value));
        self
    }

    /// Adds a method.
    pub fn with_method(mut self, name: &str, f: Function) -> Struct {
        self.methods.push((name.to_string(), f));
        self
    }

    /// Gives the type a `String()` method returning `s`.
    pub fn with_string(mut self, s: &str) -> Struct {
        self.string = Some(s.to_string());
        self
    }

    /// Sets the plain-data form used for marshalling.
    pub fn with_data(mut self, data: Value) -> Struct {
        self.data = Some(data);
        self
    }
}

impl Object for Struct {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn field(&self, name: &str) -> Option<Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    fn method(&self, name: &str) -> Option<Function> {
        self.methods.iter().find(|(n, _)| n == name).map(|(_, f)| f.clone())
    }

    fn string(&self) -> Option<String> {
        self.string.clone()
    }

    fn struct_fields(&self) -> Vec<(String, Value)> {
        self.fields.clone()
    }

    fn to_data(&self) -> Option<Value> {
        self.data.clone()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
