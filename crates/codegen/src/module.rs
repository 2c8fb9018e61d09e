//! Compiles a plain script module of a project (`.ts`, `.mts`, `.cts`, `.js`, `.mjs`) to the
//! ES module a browser loads: TypeScript goes through oxc's transformer one file at a time
//! (isolated modules: types, `import type` and imports used only as types removed, enums and
//! namespaces lowered), every import specifier is rewritten as a component's are
//! (`script::rewrite_import`), and a source map is written beside it.
//!
//! Invariants: pure (path, text and options in; code, map and diagnostics out); a module with
//! errors produces no output; a declaration file (`.d.ts`) produces nothing.

use std::path::PathBuf;

use oxc::allocator::Allocator;
use oxc::ast::ast::{
    ExportAllDeclaration, ExportFromDeclaration, Expression, ImportDeclaration, ImportDeclarationSpecifier, ImportExpression,
    Statement, StringLiteral,
};
use oxc::ast_visit::{VisitMut, walk_mut};
use oxc::codegen::{Codegen, CodegenOptions};
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;
use oxc::str::Str;
use oxc::transformer::{TransformOptions, Transformer};

use eghact_semantics::Import;
use eghact_syntax::diagnostics::{Diagnostic, Span};
use eghact_syntax::nesting;

use crate::js::syntax_errors;
use crate::model::{CompileOptions, CompileOutput};
use crate::script::rewrite_import;

/// The file a script module compiles to, by the rule of tsc and Vite (`util.ts` → `util.js`,
/// `a.mts` → `a.mjs`, `a.cts` → `a.cjs`; JavaScript keeps its name); `None` for a declaration
/// file (`.d.ts`, `.d.mts`, `.d.cts`) or a file that is no script module.
pub fn module_output(path: &str) -> Option<String> {
    if [".d.ts", ".d.mts", ".d.cts"].iter().any(|ext| path.ends_with(ext)) {
        return None;
    }
    [(".ts", ".js"), (".mts", ".mjs"), (".cts", ".cjs"), (".js", ".js"), (".mjs", ".mjs")]
        .iter()
        .find_map(|(from, to)| Some(format!("{}{to}", path.strip_suffix(from)?)))
}

/// The folder of the output folder that holds the npm packages a build pre-bundled.
pub const DEPENDENCIES_DIR: &str = "eghact-deps";

/// Where the pre-bundled module of the bare specifier `specifier` lies in the output folder:
/// `date-fns` → `eghact-deps/date-fns.js`, `@scope/pkg/sub` → `eghact-deps/@scope__pkg__sub.js`
/// (one flat folder, as the bundler writes its entries).
pub fn dependency_output(specifier: &str) -> String {
    format!("{DEPENDENCIES_DIR}/{}.js", dependency_entry(specifier))
}

/// The entry name of `specifier` among the pre-bundled packages: `/` becomes `__`.
pub fn dependency_entry(specifier: &str) -> String {
    specifier.replace('/', "__")
}

/// The imports of the script module `source` at `path` (static `import`s and `export … from`,
/// with the spans of their specifiers), for resolution; nothing for a module that does not
/// parse (its compile reports why).
pub fn module_imports(path: &str, source: &str) -> Vec<Import> {
    if module_output(path).is_none() || nesting::too_deep(source).is_some() {
        return Vec::new();
    }
    eghact_syntax::stack::ensure(|| {
        let allocator = Allocator::default();
        let source_type = SourceType::from_path(path).unwrap_or_else(|_| SourceType::mjs());
        let parsed = Parser::new(&allocator, source, source_type).parse();
        if parsed.panicked {
            return Vec::new();
        }
        let import = |literal: &StringLiteral<'_>, type_only: bool| Import {
            specifier: literal.value.to_string(),
            span: Span::new(literal.span.start, literal.span.end),
            default_name: None,
            type_only,
            names: Vec::new(),
        };
        parsed
            .program
            .body
            .iter()
            .filter_map(|statement| match statement {
                Statement::ImportDeclaration(it) => {
                    let mut found = import(&it.source, it.import_kind.is_type());
                    for specifier in it.specifiers.iter().flatten() {
                        match specifier {
                            ImportDeclarationSpecifier::ImportSpecifier(named) => {
                                found.names.push((named.imported.name().to_string(), named.local.name.to_string()));
                            }
                            ImportDeclarationSpecifier::ImportDefaultSpecifier(default) => {
                                found.default_name = Some(default.local.name.to_string());
                            }
                            ImportDeclarationSpecifier::ImportNamespaceSpecifier(_) => {}
                        }
                    }
                    Some(found)
                }
                Statement::ExportAllDeclaration(it) => Some(import(&it.source, it.export_kind.is_type())),
                Statement::ExportFromDeclaration(it) => Some(import(&it.source, it.export_kind.is_type())),
                _ => None,
            })
            .collect()
    })
}

/// Compiles the script module `source` at `path` (inside the project). The code ends with a
/// `//# sourceMappingURL=` comment naming the map written beside it (`util.js.map`).
pub fn compile_module(path: &str, source: &str, options: &CompileOptions) -> CompileOutput {
    eghact_syntax::stack::ensure(|| compile_module_on_stack(path, source, options))
}

fn compile_module_on_stack(path: &str, source: &str, options: &CompileOptions) -> CompileOutput {
    let Some(output) = module_output(path) else { return CompileOutput::default() };
    if let Some(offset) = nesting::too_deep(source) {
        let end = source[offset..].chars().next().map_or(offset, |c| offset + c.len_utf8());
        let error =
            Diagnostic::error("E0122", format!("this code is nested more than {} deep", nesting::MAX_NESTING), span(offset, end))
                .with_help("split the expression into named parts (`const part = …`) or use a loop");
        return CompileOutput { diagnostics: vec![error], ..CompileOutput::default() };
    }
    let whole = span(0, source.len());
    let errors = |errors: &[oxc::diagnostics::OxcDiagnostic]| syntax_errors(errors, 0, "E0220", whole);
    let allocator = Allocator::default();
    let source_type = SourceType::from_path(path).unwrap_or_else(|_| SourceType::mjs());
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if !parsed.diagnostics.is_empty() || parsed.panicked {
        return CompileOutput { diagnostics: errors(&parsed.diagnostics), ..CompileOutput::default() };
    }
    let mut program = parsed.program;
    let semantic = SemanticBuilder::new().with_check_syntax_error(true).with_enum_eval(true).build(&program);
    if !semantic.diagnostics.is_empty() {
        return CompileOutput { diagnostics: errors(&semantic.diagnostics), ..CompileOutput::default() };
    }
    let scoping = semantic.semantic.into_scoping();
    if source_type.is_typescript() {
        let transformed = Transformer::new(&allocator, std::path::Path::new(path), &TransformOptions::default())
            .build_with_scoping(scoping, &mut program);
        if !transformed.diagnostics.is_empty() {
            return CompileOutput { diagnostics: errors(&transformed.diagnostics), ..CompileOutput::default() };
        }
    }
    Specifiers { allocator: &allocator, options }.visit_program(&mut program);
    let source_name = options.source_map_source.clone().unwrap_or_else(|| path.to_string());
    let printed = Codegen::new()
        .with_options(CodegenOptions { source_map_path: Some(PathBuf::from(source_name)), ..CodegenOptions::default() })
        .build(&program);
    let file_name = output.rsplit('/').next().unwrap_or(&output);
    let mut js = printed.code;
    if !js.ends_with('\n') {
        js.push('\n');
    }
    js.push_str(&format!("//# sourceMappingURL={file_name}.map\n"));
    let map = printed.map.map(|mut map| {
        map.set_file(file_name);
        map.to_json_string()
    });
    CompileOutput { js, map: map.unwrap_or_default(), ..CompileOutput::default() }
}

fn span(start: usize, end: usize) -> Span {
    Span::new(start as u32, end as u32)
}

/// Rewrites the specifier of every static and dynamic import and of every `export … from`.
struct Specifiers<'o, 'a> {
    allocator: &'a Allocator,
    options: &'o CompileOptions,
}

impl<'a> Specifiers<'_, 'a> {
    fn rewrite(&self, literal: &mut StringLiteral<'a>) {
        let rewritten = rewrite_import(&literal.value, &self.options.runtime_import, &self.options.specifiers);
        if rewritten != literal.value.as_str() {
            literal.value = Str::from(&*self.allocator.alloc_str(&rewritten));
            // The printer would copy the literal's original text.
            literal.raw = None;
        }
    }
}

impl<'a> VisitMut<'a> for Specifiers<'_, 'a> {
    fn visit_import_declaration(&mut self, it: &mut ImportDeclaration<'a>) {
        self.rewrite(&mut it.source);
    }

    fn visit_export_all_declaration(&mut self, it: &mut ExportAllDeclaration<'a>) {
        self.rewrite(&mut it.source);
    }

    fn visit_export_from_declaration(&mut self, it: &mut ExportFromDeclaration<'a>) {
        self.rewrite(&mut it.source);
    }

    fn visit_import_expression(&mut self, it: &mut ImportExpression<'a>) {
        if let Expression::StringLiteral(literal) = &mut it.source {
            self.rewrite(literal);
        }
        walk_mut::walk_import_expression(self, it);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_follow_tsc() {
        let outputs: Vec<Option<String>> = ["a/util.ts", "a.mts", "a.cts", "a.js", "a.mjs", "a.d.ts", "a.d.mts", "a.css"]
            .iter()
            .map(|p| module_output(p))
            .collect();
        let expected = [Some("a/util.js"), Some("a.mjs"), Some("a.cjs"), Some("a.js"), Some("a.mjs"), None, None, None];
        assert_eq!(outputs, expected.map(|o| o.map(String::from)));
    }
}
