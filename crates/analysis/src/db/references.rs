//! The checks of what a component references in the project: its imports (E0501) and images
//! (E0507, and E0508 for an image a build could not process), the props and events it passes to
//! the components it imports (E0503, E0504, E0607), names and types against their signatures and
//! the script modules' types, and its import cycle (E0502). Each reads only what a component's
//! cache key covers, except the cycle, which the project passes in.

use std::collections::BTreeMap;

use eghact_semantics::{self as semantics, Outline, types};
use eghact_syntax::diagnostics::{Diagnostic, Span};
use eghact_syntax::{self as syntax, Parse};

use super::file::{module_types, outline, signature};
use super::inputs::{SourceFile, Workspace};
use super::resolution::{FilePath, Resolution, file_at, import_resolution, imported_components, resolve_images};

/// E0508 on each reference of `file` to an image in `failed` (specifier → why).
pub(super) fn image_failures(db: &dyn salsa::Database, file: SourceFile, failed: &BTreeMap<String, String>) -> Vec<Diagnostic> {
    outline(db, file)
        .images
        .iter()
        .filter_map(|reference| {
            let error = failed.get(&reference.specifier)?;
            Some(
                Diagnostic::error("E0508", format!("cannot process image `{}`: {error}", reference.specifier), reference.span)
                    .with_help("save the file again as a PNG, JPEG, WebP or GIF image, or remove the reference"),
            )
        })
        .collect()
}

/// What [`check`](super::check) adds to the compiler's diagnostics: names and types,
/// unresolved imports, and uses of imported components against their signatures.
pub(super) fn import_diagnostics(db: &dyn salsa::Database, file: SourceFile, parse: &Parse) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let outline = outline(db, file);
    let children = imported_components(db, file);
    let imported = unresolved_imports(db, file, &mut diagnostics);
    let images = resolve_images(db, file);
    for reference in &outline.images {
        let resolution = images.iter().find(|(s, _)| *s == reference.specifier).map(|(_, r)| r);
        if let Some(Resolution::Missing(target)) = resolution {
            diagnostics.push(
                Diagnostic::error("E0507", format!("cannot find image `{}`", reference.specifier), reference.span)
                    .with_label(format!("no file `{target}` in the project"))
                    .with_help("check the path; images are relative to this file"),
            );
        }
    }
    if !children.is_empty() {
        check_component_uses(db, file, parse, &children, &mut diagnostics);
    }
    // Names and types are checked only in a file that parses: recovery guesses would be
    // reported twice.
    if !parse.diagnostics.iter().any(Diagnostic::is_error) {
        let signatures = children.iter().map(|(name, child)| (name.clone(), signature(db, *child).clone())).collect();
        diagnostics.extend(types::check_component(
            file.text(db),
            &parse.component,
            &signatures,
            imported,
            &Workspace::get(db).layout(db).types,
        ));
        diagnostics.extend(semantics::a11y(&parse.component));
    }
    diagnostics
}

/// E0501 on each relative import of `file` that names no file of the project and E0510 on
/// each package that is not installed (components and script modules alike); returns what the
/// checker knows of the names imported from script modules, by local name.
pub(super) fn unresolved_imports(
    db: &dyn salsa::Database,
    file: SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> types::ModuleTypes {
    let mut imported = types::ModuleTypes::default();
    for import in &outline(db, file).imports {
        match import_resolution(db, file, import) {
            Some(Resolution::Missing(target)) => diagnostics.push(
                Diagnostic::error("E0501", format!("cannot resolve import `{}`", import.specifier), import.span)
                    .with_label(format!("no file `{target}` in the project"))
                    .with_help("check the path; imports are relative to this file"),
            ),
            Some(Resolution::MissingPackage(why)) => diagnostics.push(
                Diagnostic::error("E0510", format!("cannot find package `{}`", import.specifier), import.span)
                    .with_label(why)
                    .with_help("install it (`npm install`), or check its name and the path inside it"),
            ),
            Some(Resolution::File(path)) => {
                if let Some(module) = file_at(db, FilePath::new(db, path)) {
                    let exported = module_types(db, module);
                    for (name, local) in &import.names {
                        if let Some(ty) = exported.types.get(name) {
                            imported.types.insert(local.clone(), ty.clone());
                        }
                        if let Some(ty) = exported.values.get(name) {
                            imported.values.insert(local.clone(), ty.clone());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    imported
}

/// E0502 for a member of `cycle`, on its first import.
pub fn cycle_diagnostic(outline: &Outline, cycle: &[String]) -> Diagnostic {
    let span = outline.imports.first().map_or(Span::new(0, 0), |i| i.span);
    Diagnostic::error("E0502", format!("import cycle: {}", cycle.join(" → ")), span)
        .with_help("components in a cycle would render each other forever at load; break the cycle")
}

/// Unknown and missing props of every `<Child …>` against `signature(child)`.
fn check_component_uses(
    db: &dyn salsa::Database,
    file: SourceFile,
    parse: &Parse,
    children: &BTreeMap<String, SourceFile>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    use eghact_syntax::ast::{AttributeKind, Element, ElementKind};
    let source = file.text(db);
    let mut check_element = |element: &Element| {
        if element.kind != ElementKind::Component {
            return;
        }
        let Some(child) = children.get(&element.name.text) else { return };
        let signature = signature(db, *child);
        for attribute in &element.attributes {
            match &attribute.kind {
                // `bind:this` holds the instance: no prop.
                AttributeKind::Bind { name, .. } if name.text == "this" => {}
                AttributeKind::Plain { name, .. } | AttributeKind::Bind { name, .. }
                    if name.text != "slot" && !signature.open_props && signature.prop(&name.text).is_none() =>
                {
                    let known: Vec<&str> = signature.props.iter().map(|p| p.name.as_str()).collect();
                    let diagnostic =
                        Diagnostic::error("E0503", format!("`{}` has no prop `{}`", element.name.text, name.text), name.span);
                    diagnostics.push(match known.as_slice() {
                        [] => diagnostic.with_help(format!("`{}` declares no props", element.name.text)),
                        _ => diagnostic.with_help(format!("its props are: {}", known.join(", "))),
                    });
                }
                AttributeKind::Event { name, .. }
                    if signature.events_closed && !signature.events.iter().any(|e| e.name == name.text) =>
                {
                    let known: Vec<&str> = signature.events.iter().map(|e| e.name.as_str()).collect();
                    diagnostics.push(
                        Diagnostic::error("E0607", format!("`{}` has no event `{}`", element.name.text, name.text), name.span)
                            .with_label("not in its `createEventDispatcher<{ … }>()`")
                            .with_help(format!("its events are: {}", known.join(", "))),
                    );
                }
                _ => {}
            }
        }
        let Some(passed) = passed_props(element, source) else { return };
        for prop in signature.props.iter().filter(|p| p.required && !passed.contains(&p.name.as_str())) {
            diagnostics.push(
                Diagnostic::error(
                    "E0504",
                    format!("`<{}>` is missing the required prop `{}`", element.name.text, prop.name),
                    element.name.span,
                )
                .with_help(format!("pass it: `<{} {}={{…}}>`", element.name.text, prop.name)),
            );
        }
    };
    if let Some(template) = &parse.component.template {
        syntax::ast::walk_elements(&template.nodes, &mut check_element);
    }
}

/// The props a `<Child …>` passes by name (`n={…}`, `bind:n`, `{n}`); `None` when a spread
/// (`{...rest}`) may pass any.
pub fn passed_props<'a>(element: &'a syntax::ast::Element, source: &'a str) -> Option<Vec<&'a str>> {
    use eghact_syntax::ast::AttributeKind;
    let mut passed = Vec::new();
    for attribute in &element.attributes {
        match &attribute.kind {
            AttributeKind::Plain { name, .. } | AttributeKind::Bind { name, .. } => passed.push(name.text.as_str()),
            AttributeKind::Shorthand(expr) => passed.push(expr.span.text(source).trim()),
            AttributeKind::Spread(_) => return None,
            _ => {}
        }
    }
    Some(passed)
}
