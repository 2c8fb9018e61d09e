//! Edits that reach across files: renaming a prop (its declaration, its uses in the
//! component, and the attributes that pass it in every importer), moving a component file
//! (the import specifiers that name it, and its own relative imports), and the actions an
//! editor offers on a diagnostic (its fix, importing a component, adding or passing a prop).

use std::collections::BTreeMap;

use crate::completion::{import_edit, relative_specifier};
use eghact_analysis::db::{self, Resolution, SourceFile, Workspace};
use eghact_semantics::Prop;
use eghact_semantics::types::Type;
use eghact_syntax::ast::{AttrValue, AttributeKind, Component, Element, ElementKind, walk_elements};
use eghact_syntax::diagnostics::{Diagnostic, Span};

/// Replace `span` of the file at `path` with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEdit {
    pub path: String,
    pub span: Span,
    pub text: String,
}

/// A prop of a component, found from its declaration, a use in the component, or an
/// attribute that passes it (`<Badge n={…}>`, `bind:n`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropAt {
    pub component: SourceFile,
    pub name: String,
    /// The name under the cursor.
    pub span: Span,
}

/// The prop at `offset` of `file`, if there is one.
pub fn prop_at(db: &dyn salsa::Database, file: SourceFile, offset: u32) -> Option<PropAt> {
    let outline = db::outline(db, file);
    if let Some((declaration, uses)) = crate::names::references_at(db, file, offset) {
        let index = outline.prop_spans.iter().position(|s| *s == declaration)?;
        let span = std::iter::once(declaration).chain(uses).find(|s| s.start <= offset && offset <= s.end)?;
        return Some(PropAt { component: file, name: outline.signature.props[index].name.clone(), span });
    }
    let parse = db::parse(db, file);
    let template = parse.component.template.as_ref()?;
    let children = db::imported_components(db, file);
    let mut found = None;
    walk_elements(&template.nodes, &mut |element| {
        if found.is_none()
            && element.span.start <= offset
            && offset <= element.span.end
            && let Some(component) = component_of(&children, element)
            && let Some((name, span)) = element.attributes.iter().find_map(|a| passed_prop(a, offset))
            && db::signature(db, component).props.iter().any(|p| p.name == name)
        {
            found = Some(PropAt { component, name, span });
        }
    });
    found
}

/// Every edit that renames `prop` to `new_name`.
pub fn rename_prop(db: &dyn salsa::Database, prop: &PropAt, new_name: &str) -> Vec<FileEdit> {
    let component = prop.component;
    let outline = db::outline(db, component);
    let Some(index) = outline.signature.props.iter().position(|p| p.name == prop.name) else { return Vec::new() };
    let declaration = outline.prop_spans[index];
    let path = component.path(db).clone();
    let edit = |path: &str, span, text: String| FileEdit { path: path.to_string(), span, text };
    let mut edits = vec![edit(&path, declaration, new_name.to_string())];
    if let Some((_, uses)) = crate::names::references_at(db, component, declaration.start) {
        edits.extend(uses.into_iter().map(|span| edit(&path, span, new_name.to_string())));
    }
    let graph = db::import_graph(db);
    let files = Workspace::get(db).files(db);
    for importer in graph.importers.get(&path).into_iter().flatten().filter_map(|p| files.get(p).copied()) {
        let parse = db::parse(db, importer);
        let Some(template) = &parse.component.template else { continue };
        let text = importer.text(db);
        let children = db::imported_components(db, importer);
        walk_elements(&template.nodes, &mut |element| {
            if component_of(&children, element) != Some(component) {
                return;
            }
            for attribute in &element.attributes {
                match &attribute.kind {
                    AttributeKind::Plain { name, .. } | AttributeKind::Bind { name, .. } if name.text == prop.name => {
                        edits.push(edit(importer.path(db), name.span, new_name.to_string()));
                    }
                    // `{n}` passes the importer's own `n`: it becomes `renamed={n}`.
                    AttributeKind::Shorthand(expr) if expr.span.text(text).trim() == prop.name => {
                        edits.push(edit(importer.path(db), attribute.span, format!("{new_name}={{{}}}", prop.name)));
                    }
                    _ => {}
                }
            }
        });
    }
    edits.sort_by(|a, b| (&a.path, a.span.start).cmp(&(&b.path, b.span.start)));
    edits.dedup();
    edits
}

/// The edits that keep imports right when the component at `from` moves to `to` (project
/// paths): the specifiers of its importers, and its own relative specifiers.
pub fn move_file(db: &dyn salsa::Database, from: &str, to: &str) -> Vec<FileEdit> {
    let files = Workspace::get(db).files(db);
    let Some(moved) = files.get(from).copied() else { return Vec::new() };
    let mut edits = Vec::new();
    for (path, file) in files.iter().filter(|(p, _)| p.ends_with(".egh") && *p != from) {
        let resolved = db::resolve(db, *file);
        for import in &db::outline(db, *file).imports {
            let names_moved = resolved.iter().any(|(s, r)| *s == import.specifier && *r == Resolution::Component(moved));
            if names_moved {
                let specifier = relative_specifier(path, to);
                edits.push(FileEdit {
                    path: path.clone(),
                    span: import.span,
                    text: quoted(&specifier, file.text(db), import.span),
                });
            }
        }
    }
    let resolved = db::resolve(db, moved);
    for import in &db::outline(db, moved).imports {
        let target = resolved.iter().find(|(s, _)| *s == import.specifier).and_then(|(_, r)| match r {
            Resolution::Component(file) => Some(file.path(db).clone()),
            Resolution::File(path) => Some(path.clone()),
            _ => None,
        });
        if let Some(target) = target.filter(|_| import.specifier.starts_with('.')) {
            let specifier = relative_specifier(to, &target);
            if specifier != import.specifier {
                edits.push(FileEdit {
                    path: from.to_string(),
                    span: import.span,
                    text: quoted(&specifier, moved.text(db), import.span),
                });
            }
        }
    }
    edits
}

/// A change an editor offers for a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub title: String,
    pub edits: Vec<FileEdit>,
    /// The diagnostic it resolves.
    pub diagnostic: Diagnostic,
}

/// The actions for the diagnostics of `file` that touch `range`: each diagnostic's own fix;
/// importing a component that is not imported (E0403) from every component file of that
/// name; declaring a prop the child lacks (E0503) in the child; passing a required prop
/// (E0504) with a placeholder of its type.
pub fn actions(db: &dyn salsa::Database, file: SourceFile, range: Span) -> Vec<Action> {
    let path = file.path(db);
    let source = file.text(db);
    let parse = db::parse(db, file);
    let mut actions = Vec::new();
    for diagnostic in db::diagnostics(db, file).iter().filter(|d| d.span.start <= range.end && range.start <= d.span.end) {
        let action = |title: String, edits: Vec<FileEdit>| Action { title, edits, diagnostic: diagnostic.clone() };
        if let Some(fix) = &diagnostic.fix {
            let edit = FileEdit { path: path.clone(), span: fix.span, text: fix.replacement.clone() };
            actions.push(action(fix.title.clone(), vec![edit]));
        }
        match &*diagnostic.code {
            "E0403" => {
                let name = diagnostic.span.text(source);
                let name = name.split('.').next().unwrap_or(name);
                let files = Workspace::get(db).files(db);
                let file_name = format!("{name}.egh");
                let targets = files.keys().filter(|p| p.rsplit('/').next() == Some(file_name.as_str()));
                for target in targets {
                    let specifier = relative_specifier(path, target);
                    let imports = &db::outline(db, file).imports;
                    let edit = import_edit(source, &parse.component, imports, name, &specifier);
                    let edit = FileEdit { path: path.clone(), span: edit.span, text: edit.text };
                    actions.push(action(format!("Import `{name}` from '{specifier}'"), vec![edit]));
                }
            }
            "E0503" => {
                let Some((element, value)) = attribute_named(&parse.component, diagnostic.span) else { continue };
                let Some(child) = component_of(&db::imported_components(db, file), element) else { continue };
                let name = diagnostic.span.text(source);
                let ty = value.and_then(|v| value_type(db, file, v)).map_or(String::new(), |t| format!(": {t}"));
                let child_parse = db::parse(db, child);
                let line = format!("export let {name}{ty};");
                let edit = append_to_script(child.path(db), child.text(db), &child_parse.component, &line);
                actions.push(action(format!("Add prop `{name}` to `{}`", element.name.text), vec![edit]));
            }
            "E0504" => {
                let Some(element) = element_named(&parse.component, diagnostic.span) else { continue };
                let Some(child) = component_of(&db::imported_components(db, file), element) else { continue };
                let signature = db::signature(db, child);
                let Some(prop) = signature.props.iter().find(|p| diagnostic.message.ends_with(&format!("`{}`", p.name))) else {
                    continue;
                };
                let placeholder = prop.ty.as_deref().map_or("undefined", placeholder);
                let text = format!(" {}={{{placeholder}}}", prop.name);
                let edit = FileEdit { path: path.clone(), span: Span::new(element.name.span.end, element.name.span.end), text };
                actions.push(action(format!("Pass `{}` to `<{}>`", prop.name, element.name.text), vec![edit]));
            }
            _ => {}
        }
    }
    actions
}

/// The required props that each `<Child …>` of `file` does not pass, by the span of its tag
/// name (an editor shows them as inlay hints).
pub fn missing_props(db: &dyn salsa::Database, file: SourceFile) -> Vec<(Span, Vec<Prop>)> {
    let parse = db::parse(db, file);
    let Some(template) = &parse.component.template else { return Vec::new() };
    let children = db::imported_components(db, file);
    let mut missing = Vec::new();
    walk_elements(&template.nodes, &mut |element| {
        let Some(child) = component_of(&children, element) else { return };
        let Some(passed) = db::passed_props(element, file.text(db)) else { return };
        let props: Vec<Prop> =
            db::signature(db, child).props.iter().filter(|p| p.required && !passed.contains(&p.name.as_str())).cloned().collect();
        if !props.is_empty() {
            missing.push((element.name.span, props));
        }
    });
    missing
}

/// Appends `line` to the script of a component; a component without a script gets one.
fn append_to_script(path: &str, source: &str, component: &Component, line: &str) -> FileEdit {
    let edit = |at: u32, text: String| FileEdit { path: path.to_string(), span: Span::new(at, at), text };
    let Some(script) = &component.script else {
        return edit(0, format!("<script lang=\"ts\">\n  {line}\n</script>\n"));
    };
    let content = script.content.text(source);
    let trimmed = content.trim_end_matches([' ', '\t']);
    let newline = if trimmed.ends_with('\n') { "" } else { "\n" };
    edit(script.content.start + trimmed.len() as u32, format!("{newline}  {line}\n"))
}

/// A value of the type written `ty` that compiles, for a prop passed before it is filled in.
fn placeholder(ty: &str) -> &'static str {
    match ty.trim() {
        "number" => "0",
        "string" => "''",
        "boolean" => "false",
        t if t.ends_with("[]") || t.starts_with("Array<") => "[]",
        _ => "undefined",
    }
}

/// The type of an attribute's value, when it is clear: text is a string, an expression
/// that is one name has that name's type.
fn value_type(db: &dyn salsa::Database, file: SourceFile, value: &AttrValue) -> Option<Type> {
    match value {
        AttrValue::True => Some(Type::Boolean),
        AttrValue::Text(_) => Some(Type::String),
        AttrValue::Expr(expr) => {
            let source = file.text(db);
            let text = expr.span.text(source);
            let start = expr.span.start + (text.len() - text.trim_start().len()) as u32;
            let info = crate::names::name_at(db, file, start)?;
            (info.span.text(source) == text.trim() && !info.ty.is_unknown()).then(|| info.ty.widened())
        }
    }
}

/// The element whose tag name is at `span`.
fn element_named(component: &Component, span: Span) -> Option<&Element> {
    let mut found = None;
    walk_elements(&component.template.as_ref()?.nodes, &mut |element| {
        if element.name.span == span {
            found = Some(element);
        }
    });
    found
}

/// The element with an attribute named at `span`, and that attribute's value.
fn attribute_named(component: &Component, span: Span) -> Option<(&Element, Option<&AttrValue>)> {
    let mut found = None;
    walk_elements(&component.template.as_ref()?.nodes, &mut |element| {
        for attribute in &element.attributes {
            match &attribute.kind {
                AttributeKind::Plain { name, value } if name.span == span => found = Some((element, Some(value))),
                AttributeKind::Bind { name, .. } if name.span == span => found = Some((element, None)),
                _ => {}
            }
        }
    });
    found
}

/// `specifier` in the quotes the span already uses.
fn quoted(specifier: &str, text: &str, span: Span) -> String {
    let quote = text[span.start as usize..].chars().next().filter(|c| *c == '"' || *c == '\'').unwrap_or('\'');
    format!("{quote}{specifier}{quote}")
}

/// The component that the tag at `offset` (its opening or closing name) renders.
pub fn component_at(db: &dyn salsa::Database, file: SourceFile, offset: u32) -> Option<SourceFile> {
    let parse = db::parse(db, file);
    let under = |span: Span| span.start <= offset && offset <= span.end;
    let name = match crate::tag_pair_at(file.text(db), &parse.component, offset) {
        Some((open, _)) => open,
        None => {
            let mut found = None;
            walk_elements(&parse.component.template.as_ref()?.nodes, &mut |e| {
                found = found.or(under(e.name.span).then_some(e.name.span))
            });
            found?
        }
    };
    component_of(&db::imported_components(db, file), element_named(&parse.component, name)?)
}

/// The component an element renders, given the components its file imports by name.
fn component_of(children: &BTreeMap<String, SourceFile>, element: &Element) -> Option<SourceFile> {
    if element.kind != ElementKind::Component {
        return None;
    }
    children.get(&element.name.text).copied()
}

/// The prop name an attribute passes, when `offset` is on it.
fn passed_prop(attribute: &eghact_syntax::ast::Attribute, offset: u32) -> Option<(String, Span)> {
    match &attribute.kind {
        AttributeKind::Plain { name, .. } | AttributeKind::Bind { name, .. }
            if name.span.start <= offset && offset <= name.span.end =>
        {
            Some((name.text.clone(), name.span))
        }
        _ => None,
    }
}
