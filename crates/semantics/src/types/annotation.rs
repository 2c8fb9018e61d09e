//! TypeScript annotations (oxc's `TSType`) to [`Type`]s, with the script's interfaces and
//! type aliases.

use std::collections::{BTreeMap, HashMap};

use oxc::ast::ast::*;

use super::{FunctionType, Literal, Member, Param, Type};

/// Deeper references (recursive aliases) become `Unknown`.
const MAX_DEPTH: usize = 16;

/// What the checker knows of a script module's exports (or of a component's imports, by local
/// name): interfaces and type aliases, and functions with their written signatures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleTypes {
    pub types: BTreeMap<String, Type>,
    pub values: BTreeMap<String, Type>,
}

/// The interfaces and type aliases a script declares, by name.
#[derive(Default)]
pub struct TypeEnv<'a> {
    declarations: HashMap<String, Declaration<'a>>,
    /// Types imported from script modules, by local name.
    imported: BTreeMap<String, Type>,
}

enum Declaration<'a> {
    Interface(&'a TSInterfaceDeclaration<'a>),
    Alias(&'a TSTypeAliasDeclaration<'a>),
}

impl<'a> TypeEnv<'a> {
    /// The declarations among `statements` (also behind `export`). Generic declarations are
    /// left out: their uses become `Unknown`.
    pub fn of(statements: &'a [Statement<'a>]) -> Self {
        let mut env = Self::default();
        for statement in statements {
            let declaration = match statement {
                Statement::ExportDeclaration(export) => match &export.declaration {
                    oxc::ast::ast::Declaration::TSInterfaceDeclaration(i) => Some(Declaration::Interface(i)),
                    oxc::ast::ast::Declaration::TSTypeAliasDeclaration(a) => Some(Declaration::Alias(a)),
                    _ => None,
                },
                Statement::TSInterfaceDeclaration(i) => Some(Declaration::Interface(i)),
                Statement::TSTypeAliasDeclaration(a) => Some(Declaration::Alias(a)),
                _ => None,
            };
            match declaration {
                Some(Declaration::Interface(i)) if i.type_parameters.is_none() => {
                    env.declarations.insert(i.id.name.to_string(), Declaration::Interface(i));
                }
                Some(Declaration::Alias(a)) if a.type_parameters.is_none() => {
                    env.declarations.insert(a.id.name.to_string(), Declaration::Alias(a));
                }
                _ => {}
            }
        }
        env
    }

    /// The type of a function from its written signature (`Unknown` where nothing is written).
    pub fn function(&self, function: &Function<'_>) -> Type {
        let params = self.params(&function.params);
        let ret = function.return_type.as_ref().map_or(Type::Unknown, |t| from_annotation(&t.type_annotation, self));
        let ret = match (function.r#async, ret) {
            (true, Type::Promise(inner)) => Type::Promise(inner),
            (true, _) => Type::Promise(Box::new(Type::Unknown)),
            (false, ret) => ret,
        };
        Type::Function(Box::new(FunctionType { params, ret }))
    }

    /// The parameters of a function, its `...rest` last.
    pub fn params(&self, params: &FormalParameters<'_>) -> Vec<Param> {
        self.params_at(params, 0)
    }

    fn params_at(&self, params: &FormalParameters<'_>, depth: usize) -> Vec<Param> {
        let name = |pattern: &BindingPattern<'_>, otherwise: &str| binding_name(pattern).unwrap_or_else(|| otherwise.to_string());
        let ty = |annotation: Option<&TSTypeAnnotation<'_>>| {
            annotation.map_or(Type::Unknown, |t| convert(&t.type_annotation, self, depth + 1))
        };
        let mut list: Vec<Param> = params
            .items
            .iter()
            .map(|p| Param {
                name: name(&p.pattern, "arg"),
                ty: ty(p.type_annotation.as_deref()),
                optional: p.optional || p.initializer.is_some(),
                rest: false,
            })
            .collect();
        if let Some(rest) = &params.rest {
            list.push(Param {
                name: name(&rest.rest.argument, "rest"),
                ty: ty(rest.type_annotation.as_deref()),
                optional: true,
                rest: true,
            });
        }
        list
    }

    /// With the types a component imports from script modules.
    pub fn with_imported(mut self, imported: BTreeMap<String, Type>) -> Self {
        self.imported = imported;
        self
    }

    /// What a script module made of `statements` exports.
    pub fn exports(&self, statements: &[Statement<'_>]) -> ModuleTypes {
        ModuleTypes {
            types: self.exported(statements).into_iter().collect(),
            values: self.exported_functions(statements).into_iter().collect(),
        }
    }

    /// The exported functions, typed from their written signatures: what another file may
    /// call. (Overloaded functions are left out: one signature would not describe them.)
    fn exported_functions(&self, statements: &[Statement<'_>]) -> Vec<(String, Type)> {
        let functions: Vec<&Function<'_>> = statements
            .iter()
            .filter_map(|statement| match statement {
                Statement::ExportDeclaration(export) => match &export.declaration {
                    oxc::ast::ast::Declaration::FunctionDeclaration(f) => Some(&**f),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let name = |f: &Function<'_>| f.id.as_ref().map(|id| id.name.to_string());
        functions
            .iter()
            .filter(|f| f.body.is_some() && f.type_parameters.is_none())
            .filter(|f| functions.iter().filter(|g| name(g) == name(f)).count() == 1)
            .filter_map(|f| Some((name(f)?, self.function(f))))
            .collect()
    }

    /// The exported interfaces and type aliases, converted: what another file may import.
    fn exported(&self, statements: &[Statement<'_>]) -> Vec<(String, Type)> {
        statements
            .iter()
            .filter_map(|statement| match statement {
                Statement::ExportDeclaration(export) => match &export.declaration {
                    oxc::ast::ast::Declaration::TSInterfaceDeclaration(i) => Some(i.id.name.to_string()),
                    oxc::ast::ast::Declaration::TSTypeAliasDeclaration(a) => Some(a.id.name.to_string()),
                    _ => None,
                },
                _ => None,
            })
            .map(|name| {
                let ty = self.named(&name, 0);
                (name, ty)
            })
            .collect()
    }

    fn named(&self, name: &str, depth: usize) -> Type {
        match self.declarations.get(name) {
            Some(Declaration::Alias(alias)) => convert(&alias.type_annotation, self, depth + 1),
            Some(Declaration::Interface(interface)) => {
                // `extends` brings members we may not know: only a plain interface is exact.
                if interface.extends.is_empty() { object(&interface.body.body, self, depth + 1) } else { Type::Unknown }
            }
            None if self.imported.contains_key(name) => self.imported[name].clone(),
            // Built-in classes (`MouseEvent`, `Date`, …) are objects whose members we do not model.
            None if super::globals::is_global(name) && name.starts_with(|c: char| c.is_ascii_uppercase()) => {
                Type::Named(name.to_string())
            }
            None => Type::Unknown,
        }
    }
}

/// The type an annotation denotes; `Unknown` outside the subset.
pub fn from_annotation(annotation: &TSType<'_>, env: &TypeEnv<'_>) -> Type {
    convert(annotation, env, 0)
}

/// Each annotation (TypeScript type text) with the script's own interfaces and aliases
/// written out, when it names any; `None` where there is nothing to expand or the result
/// would be `unknown`.
pub fn expand_annotations(script: &str, annotations: &[&str]) -> Vec<Option<String>> {
    let allocator = oxc::allocator::Allocator::default();
    let parsed = oxc::parser::Parser::new(&allocator, script, oxc::span::SourceType::ts()).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        return vec![None; annotations.len()];
    }
    let env = TypeEnv::of(&parsed.program.body);
    annotations
        .iter()
        .map(|text| {
            let local = text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').any(|w| env.declarations.contains_key(w));
            if !local {
                return None;
            }
            let probe = format!("let probe: {text};");
            let parsed = oxc::parser::Parser::new(&allocator, allocator.alloc_str(&probe), oxc::span::SourceType::ts()).parse();
            let Some(Statement::VariableDeclaration(decl)) = parsed.program.body.first() else { return None };
            let annotation = decl.declarations.first()?.type_annotation.as_ref()?;
            let ty = from_annotation(&annotation.type_annotation, &env);
            (!ty.is_unknown()).then(|| ty.to_string())
        })
        .collect()
}

/// The type an annotation written as text denotes (a prop's type in another component's
/// signature), without that component's declarations: its own interfaces become `Unknown`.
pub fn from_text(text: &str) -> Type {
    let allocator = oxc::allocator::Allocator::default();
    let source = format!("let probe: {text};");
    let parsed = oxc::parser::Parser::new(&allocator, &source, oxc::span::SourceType::ts()).parse();
    match parsed.program.body.first() {
        Some(Statement::VariableDeclaration(decl)) if parsed.diagnostics.is_empty() => decl
            .declarations
            .first()
            .and_then(|d| d.type_annotation.as_ref())
            .map_or(Type::Unknown, |t| from_annotation(&t.type_annotation, &TypeEnv::default())),
        _ => Type::Unknown,
    }
}

fn convert(ty: &TSType<'_>, env: &TypeEnv<'_>, depth: usize) -> Type {
    if depth > MAX_DEPTH {
        return Type::Unknown;
    }
    match ty {
        TSType::TSAnyKeyword(_) => Type::Any,
        TSType::TSUnknownKeyword(_) => Type::Unknown,
        TSType::TSNeverKeyword(_) => Type::Never,
        TSType::TSVoidKeyword(_) => Type::Void,
        TSType::TSUndefinedKeyword(_) => Type::Undefined,
        TSType::TSNullKeyword(_) => Type::Null,
        TSType::TSBooleanKeyword(_) => Type::Boolean,
        TSType::TSNumberKeyword(_) => Type::Number,
        TSType::TSStringKeyword(_) => Type::String,
        TSType::TSBigIntKeyword(_) => Type::BigInt,
        TSType::TSSymbolKeyword(_) => Type::Symbol,
        TSType::TSLiteralType(literal) => match &literal.literal {
            TSLiteral::BooleanLiteral(b) => Type::Literal(Literal::Boolean(b.value)),
            TSLiteral::NumericLiteral(n) => Type::Literal(Literal::Number(number_text(n.value))),
            TSLiteral::StringLiteral(s) => Type::Literal(Literal::String(s.value.to_string())),
            _ => Type::Unknown,
        },
        TSType::TSArrayType(array) => Type::Array(Box::new(convert(&array.element_type, env, depth + 1))),
        TSType::TSTupleType(tuple) => {
            let mut items = Vec::new();
            for element in &tuple.element_types {
                match element {
                    TSTupleElement::TSOptionalType(_) | TSTupleElement::TSRestType(_) => return Type::Unknown,
                    other => match other.as_ts_type() {
                        Some(TSType::TSNamedTupleMember(_)) | None => return Type::Unknown,
                        Some(item) => items.push(convert(item, env, depth + 1)),
                    },
                }
            }
            Type::Tuple(items)
        }
        TSType::TSUnionType(union) => Type::union(union.types.iter().map(|t| convert(t, env, depth + 1))),
        TSType::TSParenthesizedType(inner) => convert(&inner.type_annotation, env, depth + 1),
        TSType::TSTypeLiteral(literal) => object(&literal.members, env, depth + 1),
        TSType::TSFunctionType(function) if function.type_parameters.is_none() => Type::Function(Box::new(FunctionType {
            params: env.params_at(&function.params, depth),
            ret: convert(&function.return_type.type_annotation, env, depth + 1),
        })),
        TSType::TSTypeReference(reference) => {
            let TSTypeName::IdentifierReference(name) = &reference.type_name else { return Type::Unknown };
            let arguments: Vec<Type> = reference
                .type_arguments
                .as_ref()
                .map(|a| a.params.iter().map(|t| convert(t, env, depth + 1)).collect())
                .unwrap_or_default();
            match (name.name.as_str(), arguments.as_slice()) {
                ("Array" | "ReadonlyArray", [item]) => Type::Array(Box::new(item.clone())),
                ("Promise", [inner]) => Type::Promise(Box::new(inner.clone())),
                ("Record", [key, value]) => Type::Record(Box::new(key.clone()), Box::new(value.clone())),
                ("Partial", [Type::Object(members)]) => {
                    Type::Object(members.iter().map(|m| Member { optional: true, ..m.clone() }).collect())
                }
                (name, []) => env.named(name, depth),
                _ => Type::Unknown,
            }
        }
        _ => Type::Unknown,
    }
}

fn object(members: &[TSSignature<'_>], env: &TypeEnv<'_>, depth: usize) -> Type {
    let mut fields = Vec::new();
    for member in members {
        match member {
            TSSignature::TSPropertySignature(property) if !property.computed => {
                let Some(name) = property.key.static_name() else { return Type::Unknown };
                let ty = property.type_annotation.as_ref().map_or(Type::Any, |t| convert(&t.type_annotation, env, depth + 1));
                fields.push(Member { name: name.to_string(), ty, optional: property.optional });
            }
            TSSignature::TSMethodSignature(method) if !method.computed => {
                let Some(name) = method.key.static_name() else { return Type::Unknown };
                // An overloaded or generic method is only known to be callable.
                let overloads = members
                    .iter()
                    .filter(
                        |m| matches!(m, TSSignature::TSMethodSignature(other) if other.key.static_name() == Some(name.clone())),
                    )
                    .count();
                let ty = match overloads == 1 && method.type_parameters.is_none() {
                    true => Type::Function(Box::new(FunctionType {
                        params: env.params_at(&method.params, depth),
                        ret: method.return_type.as_ref().map_or(Type::Unknown, |t| convert(&t.type_annotation, env, depth + 1)),
                    })),
                    false => Type::Function(Box::new(FunctionType {
                        params: vec![Param { name: "args".into(), ty: Type::Unknown, optional: true, rest: true }],
                        ret: Type::Unknown,
                    })),
                };
                fields.push(Member { name: name.to_string(), ty, optional: method.optional });
            }
            TSSignature::TSIndexSignature(index) if fields.is_empty() && members.len() == 1 => {
                let key = convert(&index.parameter.type_annotation.type_annotation, env, depth + 1);
                return Type::Record(Box::new(key), Box::new(convert(&index.type_annotation.type_annotation, env, depth + 1)));
            }
            // Call and construct signatures, computed keys, mixed index signatures.
            _ => return Type::Unknown,
        }
    }
    Type::Object(fields)
}

fn binding_name(pattern: &BindingPattern<'_>) -> Option<String> {
    match pattern {
        BindingPattern::BindingIdentifier(id) => Some(id.name.to_string()),
        _ => None,
    }
}

/// `1`, `0.5`, `1e21` as JavaScript prints them.
pub(crate) fn number_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e21 { format!("{}", value as i64) } else { format!("{value}") }
}

#[cfg(test)]
mod tests {
    use oxc::allocator::Allocator;
    use oxc::parser::Parser;
    use oxc::span::SourceType;

    use super::*;

    /// The type of `let probe: …` in `script`.
    fn probe(script: &str) -> String {
        let allocator = Allocator::default();
        let parsed = Parser::new(&allocator, script, SourceType::ts()).parse();
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let env = TypeEnv::of(&parsed.program.body);
        for statement in &parsed.program.body {
            if let Statement::VariableDeclaration(decl) = statement {
                if let Some(annotation) = &decl.declarations[0].type_annotation {
                    return from_annotation(&annotation.type_annotation, &env).to_string();
                }
            }
        }
        panic!("no probe in {script}");
    }

    #[test]
    fn the_subset() {
        assert_eq!(probe("let probe: 'sm' | 'lg' = 'sm';"), r#""sm" | "lg""#);
        assert_eq!(probe("let probe: Array<number | null>;"), "(number | null)[]");
        assert_eq!(probe("let probe: [string, 1];"), "[string, 1]");
        assert_eq!(
            probe("interface Row { id: number; text?: string; done(): void }\nlet probe: Row[];"),
            "{ id: number; text?: string; done: () => void }[]"
        );
        // An overloaded method is only known to be callable.
        assert_eq!(
            probe("interface Api { get(id: number): string; get(ids: number[]): string[] }\nlet probe: Api;"),
            "{ get: (...args: unknown) => unknown; get: (...args: unknown) => unknown }"
        );
        assert_eq!(probe("type Id = number; type Ids = Id[];\nlet probe: Ids;"), "number[]");
        assert_eq!(probe("let probe: (id: number, label?: string) => void;"), "(id: number, label?: string) => void");
        assert_eq!(probe("let probe: Record<string, boolean>;"), "Record<string, boolean>");
        assert_eq!(probe("let probe: Promise<string>;"), "Promise<string>");
        assert_eq!(probe("let probe: Partial<{ a: number }>;"), "{ a?: number }");
        assert_eq!(probe("let probe: MouseEvent;"), "MouseEvent");
    }

    #[test]
    fn outside_the_subset_is_unknown() {
        assert_eq!(probe("let probe: Map<string, number>;"), "unknown");
        assert_eq!(probe("type Box<T> = { v: T };\nlet probe: Box<number>;"), "unknown");
        assert_eq!(probe("type A = B; type B = A;\nlet probe: A;"), "unknown");
        assert_eq!(probe("let probe: keyof { a: 1 };"), "unknown");
        assert_eq!(probe("interface A extends B { x: 1 }\nlet probe: A;"), "unknown");
    }
}
