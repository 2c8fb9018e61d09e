//! `<script context="module">`: code that runs once, when the component's module is first
//! imported, as in Svelte 3. Its statements stay at module level (its `export`s are the
//! module's named exports) and its names are visible to the instance script and the template,
//! without reactivity: assigning one updates nothing.

use oxc::ast::ast::*;
use oxc::span::GetSpan;

use super::{
    Edits, FreeNames, ModuleNames, Positions, ScriptInput, push_import, push_lines, rewrite_import, top_level_bindings,
    with_javascript,
};
use eghact_syntax::diagnostics::Diagnostic;

#[derive(Debug, Default)]
pub struct ModuleScript {
    /// Import declarations, rewritten for the output folder, one per line.
    pub imports: String,
    /// The other statements, each line with the `.egh` offset it comes from.
    pub lines: Vec<(String, Option<u32>)>,
    pub names: ModuleNames,
}

pub fn compile_module_script(input: &ScriptInput<'_>, diagnostics: &mut Vec<Diagnostic>) -> ModuleScript {
    with_javascript(input, diagnostics, |js, program, positions, diagnostics| {
        analyse(js, &program, positions, input, diagnostics)
    })
    .unwrap_or_default()
}

fn analyse(
    js: &str,
    program: &Program<'_>,
    positions: &Positions,
    input: &ScriptInput<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> ModuleScript {
    let mut module = ModuleScript::default();
    for (name, _, import) in top_level_bindings(program) {
        if import {
            module.names.imported.insert(name.to_string());
        }
        module.names.declared.insert(name.to_string());
    }
    // A store's value needs an instance that subscribes: Svelte refuses `$name` here too.
    let free = FreeNames::of_statements(&program.body);
    for (name, &span) in free.names.iter().zip(&free.first_uses) {
        if name.len() > 1 && name.starts_with('$') && !name.starts_with("$$") {
            diagnostics.push(
                Diagnostic::error(
                    "E0215",
                    format!("`{name}` reads a store's value, which a module script cannot do"),
                    positions.span(span),
                )
                .with_help("read the store in the instance script or the template; here, use `get(store)` from 'eghact/store'"),
            );
        }
    }
    let mut edits = Edits::default();
    if input.marks {
        for &(at, origin) in &positions.tokens {
            edits.mark(at, origin);
        }
    }
    for statement in &program.body {
        let (start, end) = (statement.span().start, statement.span().end);
        let source = match statement {
            Statement::ImportDeclaration(import) => {
                push_import(import, js, &mut edits, input, &mut module.imports);
                continue;
            }
            Statement::ExportDefaultDeclaration(_) => {
                diagnostics.push(
                    Diagnostic::error(
                        "E0216",
                        "a module script cannot `export default`: the component is the default export",
                        positions.span(statement.span()),
                    )
                    .with_help("export it by name: `export const name = …`"),
                );
                continue;
            }
            Statement::ExportAllDeclaration(export) => Some(&export.source),
            Statement::ExportFromDeclaration(export) => Some(&export.source),
            _ => None,
        };
        // `export … from './x.egh'` names the output file, as imports do.
        let text = match source {
            Some(source) => {
                let rewritten = rewrite_import(source.value.as_str(), input.runtime_import, input.specifiers);
                edits.wrap(source.span.start, source.span.end, String::new(), String::new());
                format!("{}{rewritten:?}{}", edits.apply(js, start, source.span.start), edits.apply(js, source.span.end, end))
            }
            None => edits.apply(js, start, end),
        };
        push_lines(&mut module.lines, &text, js, positions, start);
    }
    module
}
