//! The type model: `Type` and its parts, with the relations the checker asks of them (union,
//! assignability, members, iteration, calls, overlap) and how a type is written.
//!
//! Invariant: every relation answers "don't know" for `Unknown` and `Any`.

use std::fmt;

/// What the project's `tsconfig.json` asks of the checker.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TypeSettings {
    /// `strictNullChecks` (or `strict`): `null` and `undefined` are values of their own types.
    pub strict_null_checks: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// Outside the subset: no check ever fails on it.
    Unknown,
    Any,
    Never,
    Void,
    Undefined,
    Null,
    Boolean,
    Number,
    String,
    BigInt,
    Symbol,
    Literal(Literal),
    Array(Box<Type>),
    Tuple(Vec<Type>),
    /// Object types, interfaces and object literals.
    Object(Vec<Member>),
    Function(Box<FunctionType>),
    /// Flattened, without duplicates, at least two members.
    Union(Vec<Type>),
    Promise(Box<Type>),
    /// `Record<K, V>` and index signatures.
    Record(Box<Type>, Box<Type>),
    /// A built-in type known by name only (DOM events and elements, `Date`, …): members unknown.
    Named(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Literal {
    String(String),
    /// The number as written in canonical form (`1`, `0.5`).
    Number(String),
    Boolean(bool),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Member {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FunctionType {
    pub params: Vec<Param>,
    pub ret: Type,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
    pub rest: bool,
}

impl Type {
    /// `a | b`, flattened; `Unknown` or `Any` absorb everything.
    pub fn union(types: impl IntoIterator<Item = Type>) -> Type {
        let mut members: Vec<Type> = Vec::new();
        for ty in types {
            match ty {
                Type::Unknown | Type::Any => return ty,
                Type::Never => {}
                Type::Union(inner) => {
                    for t in inner {
                        if !members.contains(&t) {
                            members.push(t);
                        }
                    }
                }
                t => {
                    if !members.contains(&t) {
                        members.push(t);
                    }
                }
            }
        }
        match members.len() {
            0 => Type::Never,
            1 => members.pop().unwrap_or(Type::Never),
            _ => Type::Union(members),
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Type::Unknown | Type::Any)
    }

    /// The members of a union, or the type itself.
    pub fn members(&self) -> &[Type] {
        match self {
            Type::Union(members) => members,
            other => std::slice::from_ref(other),
        }
    }

    /// `let x = 'a'` has type `string`: literals widen to their primitive.
    pub fn widened(self) -> Type {
        match self {
            Type::Literal(Literal::String(_)) => Type::String,
            Type::Literal(Literal::Number(_)) => Type::Number,
            Type::Literal(Literal::Boolean(_)) => Type::Boolean,
            Type::Union(members) => Type::union(members.into_iter().map(Type::widened)),
            other => other,
        }
    }

    /// The primitive a value of this type certainly is, if any.
    fn primitive(&self) -> Option<Primitive> {
        Some(match self {
            Type::Boolean | Type::Literal(Literal::Boolean(_)) => Primitive::Boolean,
            Type::Number | Type::Literal(Literal::Number(_)) => Primitive::Number,
            Type::String | Type::Literal(Literal::String(_)) => Primitive::String,
            Type::BigInt => Primitive::BigInt,
            Type::Undefined | Type::Void => Primitive::Undefined,
            Type::Null => Primitive::Null,
            Type::Array(_) | Type::Tuple(_) | Type::Object(_) | Type::Function(_) | Type::Record(..) | Type::Promise(_) => {
                Primitive::Object
            }
            _ => return None,
        })
    }

    /// The type of the items of a `for … of` / `{#each}` over this type: `Ok(None)` when
    /// iterable with unknown items, `Err(())` when certainly not iterable.
    pub fn iterated(&self) -> Result<Option<Type>, ()> {
        match self {
            Type::Array(item) => Ok(Some((**item).clone())),
            Type::Tuple(items) => Ok(Some(Type::union(items.iter().cloned()))),
            Type::String | Type::Literal(Literal::String(_)) => Ok(Some(Type::String)),
            // `{#each}` accepts array-likes and renders nothing for an empty value, but a
            // number, a boolean or a plain object is certainly a mistake.
            Type::Number | Type::Boolean | Type::Literal(_) | Type::Object(_) | Type::Function(_) | Type::Promise(_) => Err(()),
            Type::Union(members) => {
                let items: Vec<_> =
                    members.iter().filter(|m| !matches!(m, Type::Null | Type::Undefined)).map(Type::iterated).collect();
                if !items.is_empty() && items.iter().all(Result::is_err) {
                    return Err(());
                }
                Ok(items.into_iter().map(|i| i.ok().flatten()).collect::<Option<Vec<_>>>().map(Type::union))
            }
            _ => Ok(None),
        }
    }

    /// `Some(false)` when certainly not callable.
    pub fn is_callable(&self) -> Option<bool> {
        match self {
            Type::Function(_) => Some(true),
            Type::Union(members) => {
                let answers: Vec<_> =
                    members.iter().filter(|m| !matches!(m, Type::Null | Type::Undefined)).map(Type::is_callable).collect();
                if answers.contains(&Some(true)) || answers.contains(&None) || answers.is_empty() { None } else { Some(false) }
            }
            other => match other.primitive() {
                Some(Primitive::Object) => matches!(other, Type::Object(_) | Type::Array(_) | Type::Tuple(_)).then_some(false),
                Some(_) => Some(false),
                None => None,
            },
        }
    }

    /// Whether a value of this type can be used in `-`, `*`, `/`, `%`, `**`: `Some(false)`
    /// only for types that are certainly neither numbers nor bigints.
    pub fn is_numeric(&self) -> Option<bool> {
        match self {
            Type::Union(members) => {
                let answers: Vec<_> = members.iter().map(Type::is_numeric).collect();
                if answers.iter().all(|a| *a == Some(false)) { Some(false) } else { None }
            }
            other => match other.primitive() {
                Some(Primitive::Number | Primitive::BigInt) => Some(true),
                // `Date` and other named objects convert through `valueOf`.
                Some(_) => Some(false),
                None => None,
            },
        }
    }

    /// Whether `a === b` can ever be true: `false` only when both are certain primitives of
    /// different kinds, or different literals.
    pub fn overlaps(&self, other: &Type) -> bool {
        if self.is_unknown() || other.is_unknown() {
            return true;
        }
        self.members().iter().any(|a| {
            other.members().iter().any(|b| match (a, b) {
                (Type::Literal(x), Type::Literal(y)) => x == y,
                _ => match (a.primitive(), b.primitive()) {
                    (Some(x), Some(y)) => x == y,
                    _ => true,
                },
            })
        })
    }

    /// Whether a value of type `self` may be passed where `target` is expected: `false` only
    /// when it certainly may not.
    pub fn assignable_to(&self, target: &Type) -> bool {
        if self.is_unknown() || target.is_unknown() || *self == Type::Never {
            return true;
        }
        if let Type::Union(members) = self {
            return members.iter().all(|m| m.assignable_to(target));
        }
        if let Type::Union(targets) = target {
            return targets.iter().any(|t| self.assignable_to(t));
        }
        match (self, target) {
            (Type::Literal(a), Type::Literal(b)) => a == b,
            (Type::Array(a), Type::Array(b)) => a.assignable_to(b),
            (Type::Tuple(items), Type::Array(b)) => items.iter().all(|i| i.assignable_to(b)),
            (Type::Object(members), Type::Object(wanted)) => {
                wanted.iter().all(|w| match members.iter().find(|m| m.name == w.name) {
                    Some(m) => m.ty.assignable_to(&w.ty),
                    None => w.optional,
                })
            }
            (Type::Function(_), Type::Function(_)) => true,
            (Type::Named(class), Type::Named(wanted)) => extends_event(class, wanted).unwrap_or(true),
            (Type::Undefined | Type::Void, Type::Void | Type::Undefined) => true,
            // Same primitive: a wide `string` may hold a literal target, so that is no error.
            _ => match (self.primitive(), target.primitive()) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            },
        }
    }

    /// The type of `self.name`, `None` when the member certainly does not exist.
    pub fn member(&self, name: &str) -> Option<Type> {
        match self {
            Type::Object(members) => members
                .iter()
                .find(|m| m.name == name)
                .map(|m| if m.optional { Type::union([m.ty.clone(), Type::Undefined]) } else { m.ty.clone() }),
            Type::Record(_, value) => Some((**value).clone()),
            Type::Array(item) => Some(array_member(name, item)),
            Type::Tuple(items) => Some(array_member(name, &Type::union(items.iter().cloned()))),
            Type::String | Type::Literal(Literal::String(_)) => Some(match name {
                "length" => Type::Number,
                _ => Type::Unknown,
            }),
            // `a.b` on `A | B`: the union of what each has; `null` and `undefined` (reached
            // through `?.`) give `undefined`.
            Type::Union(members) => Some(Type::union(members.iter().map(|m| match m {
                Type::Null | Type::Undefined | Type::Void => Type::Undefined,
                m => m.member(name).unwrap_or(Type::Unknown),
            }))),
            _ => Some(Type::Unknown),
        }
    }
}

fn array_member(name: &str, item: &Type) -> Type {
    match name {
        "length" => Type::Number,
        "filter" | "slice" | "concat" | "reverse" | "sort" | "toSorted" | "toReversed" => {
            Type::Function(Box::new(FunctionType {
                params: vec![Param { name: "args".into(), ty: Type::Unknown, optional: true, rest: true }],
                ret: Type::Array(Box::new(item.clone())),
            }))
        }
        "join" => Type::Function(Box::new(FunctionType {
            params: vec![Param { name: "separator".into(), ty: Type::String, optional: true, rest: false }],
            ret: Type::String,
        })),
        "includes" | "some" | "every" => Type::Function(Box::new(FunctionType {
            params: vec![Param { name: "args".into(), ty: Type::Unknown, optional: true, rest: true }],
            ret: Type::Boolean,
        })),
        _ => Type::Unknown,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Primitive {
    Boolean,
    Number,
    String,
    BigInt,
    Undefined,
    Null,
    Object,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Unknown => f.write_str("unknown"),
            Type::Any => f.write_str("any"),
            Type::Never => f.write_str("never"),
            Type::Void => f.write_str("void"),
            Type::Undefined => f.write_str("undefined"),
            Type::Null => f.write_str("null"),
            Type::Boolean => f.write_str("boolean"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::BigInt => f.write_str("bigint"),
            Type::Symbol => f.write_str("symbol"),
            Type::Literal(Literal::String(s)) => write!(f, "{s:?}"),
            Type::Literal(Literal::Number(n)) => f.write_str(n),
            Type::Literal(Literal::Boolean(b)) => write!(f, "{b}"),
            Type::Array(item) => match **item {
                Type::Union(_) | Type::Function(_) => write!(f, "({item})[]"),
                _ => write!(f, "{item}[]"),
            },
            Type::Tuple(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Type::Object(members) => {
                if members.is_empty() {
                    return f.write_str("{}");
                }
                f.write_str("{ ")?;
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{}{}: {}", m.name, if m.optional { "?" } else { "" }, m.ty)?;
                }
                f.write_str(" }")
            }
            Type::Function(function) => {
                f.write_str("(")?;
                for (i, p) in function.params.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{p}")?;
                }
                write!(f, ") => {}", function.ret)
            }
            Type::Union(members) => {
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    // `(() => void) | null`, not a function returning `void | null`.
                    match m {
                        Type::Function(_) => write!(f, "({m})")?,
                        _ => write!(f, "{m}")?,
                    }
                }
                Ok(())
            }
            Type::Promise(inner) => write!(f, "Promise<{inner}>"),
            Type::Record(key, value) => write!(f, "Record<{key}, {value}>"),
            Type::Named(name) => f.write_str(name),
        }
    }
}

/// `name: type`, `name?: type` or `...name: type`.
impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rest = if self.rest { "..." } else { "" };
        let optional = if self.optional && !self.rest { "?" } else { "" };
        write!(f, "{rest}{}{optional}: {}", self.name, self.ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Type {
        Type::Literal(Literal::String(s.into()))
    }

    #[test]
    fn unions_flatten_and_absorb() {
        assert_eq!(Type::union([Type::Number, Type::union([Type::String, Type::Number])]).to_string(), "number | string");
        assert_eq!(Type::union([Type::Number, Type::Unknown]), Type::Unknown);
        assert_eq!(Type::union([Type::Never, Type::Null]), Type::Null);
    }

    #[test]
    fn assignability_is_certain_only_for_clear_cases() {
        let size = Type::union([lit("sm"), lit("lg")]);
        assert!(lit("sm").assignable_to(&size));
        assert!(!lit("xl").assignable_to(&size));
        assert!(Type::String.assignable_to(&size), "a wide string may hold a literal: not certain");
        assert!(!Type::Number.assignable_to(&Type::String));
        assert!(Type::Unknown.assignable_to(&Type::Number));
        assert!(!Type::Array(Box::new(Type::Number)).assignable_to(&Type::Array(Box::new(Type::String))));
    }

    #[test]
    fn iteration_callability_and_overlap() {
        assert_eq!(Type::Array(Box::new(Type::Number)).iterated(), Ok(Some(Type::Number)));
        assert_eq!(Type::Number.iterated(), Err(()));
        assert_eq!(Type::union([Type::Array(Box::new(Type::Number)), Type::Undefined]).iterated(), Ok(Some(Type::Number)));
        assert_eq!(Type::Named("NodeList".into()).iterated(), Ok(None));
        assert_eq!(Type::String.is_callable(), Some(false));
        assert_eq!(Type::Named("Function".into()).is_callable(), None);
        assert!(!Type::Number.overlaps(&lit("a")));
        assert!(Type::String.overlaps(&lit("a")));
        assert!(!lit("a").overlaps(&lit("b")));
    }
}

/// The DOM's event classes and the class each extends (UI Events, Pointer Events, HTML).
const EVENT_CLASSES: &[(&str, &str)] = &[
    ("UIEvent", "Event"),
    ("MouseEvent", "UIEvent"),
    ("PointerEvent", "MouseEvent"),
    ("DragEvent", "MouseEvent"),
    ("WheelEvent", "MouseEvent"),
    ("KeyboardEvent", "UIEvent"),
    ("FocusEvent", "UIEvent"),
    ("InputEvent", "UIEvent"),
    ("TouchEvent", "UIEvent"),
    ("CompositionEvent", "UIEvent"),
    ("SubmitEvent", "Event"),
    ("AnimationEvent", "Event"),
    ("TransitionEvent", "Event"),
    ("ClipboardEvent", "Event"),
    ("CustomEvent", "Event"),
    ("ProgressEvent", "Event"),
    ("ErrorEvent", "Event"),
];

/// Whether event class `class` is `wanted` or extends it; `None` unless both are event classes
/// this table knows.
fn extends_event(class: &str, wanted: &str) -> Option<bool> {
    let known = |name: &str| name == "Event" || EVENT_CLASSES.iter().any(|(c, _)| *c == name);
    if !known(class) || !known(wanted) {
        return None;
    }
    let mut current = class;
    loop {
        if current == wanted {
            return Some(true);
        }
        match EVENT_CLASSES.iter().find(|(c, _)| *c == current) {
            Some((_, parent)) => current = parent,
            None => return Some(false),
        }
    }
}
