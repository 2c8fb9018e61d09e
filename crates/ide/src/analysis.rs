//! [`Analysis`]: a snapshot of the workspace that answers every request an editor makes, by
//! project path (`src/App.egh`) and byte offset, as plain data (spans, strings, this crate's
//! types). The free functions of the other modules are its implementation; a language server
//! calls nothing else of the engine.
//!
//! Invariant: each method runs its queries inside `salsa::Cancelled::catch`, so a write to the
//! [`crate::AnalysisHost`] while a request runs answers `Err(Cancelled)` rather than unwinding
//! through the caller. A path that is not in the workspace (or not a component, where the
//! request is about components) answers `Ok(None)`.

use eghact_analysis::db::{self, Database, SourceFile, Workspace};
use eghact_analysis::paths;
use eghact_semantics::types::{SignatureHelp, Type};
use eghact_semantics::{SemanticToken, Signature};
use eghact_syntax::diagnostics::{Diagnostic, Span};

use crate::completion::Completions;
use crate::hover::Hover;
use crate::refactor::{self, Action, FileEdit};
use crate::search::WorkspaceSymbol;
use crate::symbols::Symbol;

pub use salsa::Cancelled;

/// The answer of a request, unless a newer write cancelled it (the editor asks again).
pub type Cancellable<T> = Result<T, Cancelled>;

/// Which of a component's diagnostics to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Depth {
    /// Everything but import cycles: the component and the signatures of its imports. Fast
    /// enough for every keystroke.
    Component,
    /// Also import cycles, which read the whole import graph (salsa re-validates every
    /// component's imports after an edit: tens of milliseconds at 10,000 components).
    Full,
}

/// What an inlay hint says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InlayKind {
    /// The type of a name a `$:` statement declares.
    Type,
    /// The required props a component tag does not pass yet.
    Parameter,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    /// Where the hint shows: a byte offset.
    pub at: u32,
    pub label: String,
    pub kind: InlayKind,
    pub tooltip: Option<String>,
}

/// Where a name or a component is declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub path: String,
    pub span: Span,
}

/// A read-only view of the workspace at one revision (see [`crate::AnalysisHost::analysis`]).
pub struct Analysis {
    db: Database,
}

impl Analysis {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    /// Runs `f` on the database; a write that cancels it answers `Err(Cancelled)`.
    fn with_db<T>(&self, f: impl FnOnce(&Database) -> T) -> Cancellable<T> {
        let db = &self.db;
        Cancelled::catch(std::panic::AssertUnwindSafe(|| f(db)))
    }

    /// Runs `f` on the file at `path`, if the workspace has one.
    fn with_file<T>(&self, path: &str, f: impl FnOnce(&Database, SourceFile) -> Option<T>) -> Cancellable<Option<T>> {
        let Some(file) = self.file(path) else { return Ok(None) };
        self.with_db(move |db| f(db, file))
    }

    /// Like [`Analysis::with_file`], for requests about components only.
    fn with_component<T>(&self, path: &str, f: impl FnOnce(&Database, SourceFile) -> Option<T>) -> Cancellable<Option<T>> {
        if !paths::is_component(path) {
            return Ok(None);
        }
        self.with_file(path, f)
    }

    fn file(&self, path: &str) -> Option<SourceFile> {
        Workspace::get(&self.db).files(&self.db).get(path).copied()
    }

    /// Whether the workspace holds a file at `path` (a component, a script module, an asset).
    pub fn contains(&self, path: &str) -> bool {
        self.file(path).is_some()
    }

    /// The text of the file at `path`; empty for a file the workspace lacks or holds without
    /// text (an asset).
    pub fn text(&self, path: &str) -> &str {
        self.file(path).map_or("", |f| f.text(&self.db).as_str())
    }

    /// The project paths of every component, in order.
    pub fn components(&self) -> Vec<String> {
        Workspace::get(&self.db).files(&self.db).keys().filter(|p| paths::is_component(p)).cloned().collect()
    }

    /// The diagnostics of a component or a script module (`db::diagnostics`, or `db::check`
    /// without import cycles).
    pub fn diagnostics(&self, path: &str, depth: Depth) -> Cancellable<Option<Vec<Diagnostic>>> {
        if !paths::is_compiled(path) {
            return Ok(None);
        }
        self.with_file(path, |db, file| {
            Some(match depth {
                Depth::Component => db::check(db, file).clone(),
                Depth::Full => db::diagnostics(db, file).clone(),
            })
        })
    }

    /// What a component shows its importers (props, events, slots); `None` for a file the
    /// workspace lacks.
    pub fn signature(&self, path: &str) -> Cancellable<Option<Signature>> {
        self.with_file(path, |db, file| Some(db::signature(db, file).clone()))
    }

    /// The components that import the component at `path`.
    pub fn importers(&self, path: &str) -> Cancellable<Vec<String>> {
        self.with_db(|db| db::import_graph(db).importers.get(path).into_iter().flatten().cloned().collect())
    }

    pub fn completion(&self, path: &str, offset: u32) -> Cancellable<Option<Completions>> {
        self.with_file(path, |db, file| Some(crate::completion::completions(db, file, offset).unwrap_or_default()))
    }

    pub fn hover(&self, path: &str, offset: u32) -> Cancellable<Option<Hover>> {
        self.with_file(path, |db, file| crate::hover::hover(db, file, offset))
    }

    pub fn signature_help(&self, path: &str, offset: u32) -> Cancellable<Option<SignatureHelp>> {
        self.with_file(path, |db, file| crate::names::signature_help(db, file, offset))
    }

    /// The file of the component a tag at `offset` renders (at its start), or where the name
    /// at `offset` is declared.
    pub fn definition(&self, path: &str, offset: u32) -> Cancellable<Option<Target>> {
        self.with_file(path, |db, file| {
            if let Some(component) = refactor::component_at(db, file, offset) {
                return Some(Target { path: component.path(db).clone(), span: Span::new(0, 0) });
            }
            let declaration = crate::names::name_at(db, file, offset)?.declaration?;
            Some(Target { path: path.to_string(), span: declaration })
        })
    }

    /// Where the type of the name at `offset` is declared.
    pub fn type_definition(&self, path: &str, offset: u32) -> Cancellable<Option<Target>> {
        self.with_file(path, |db, file| crate::names::type_definition(db, file, offset).map(|(path, span)| Target { path, span }))
    }

    /// The declaration of the name at `offset`, then every use of it in the component.
    pub fn references(&self, path: &str, offset: u32) -> Cancellable<Option<(Span, Vec<Span>)>> {
        self.with_file(path, |db, file| crate::names::references_at(db, file, offset))
    }

    /// What a rename at `offset` would rename: the prop's name, or the script name's
    /// declaration or use under the cursor.
    pub fn prepare_rename(&self, path: &str, offset: u32) -> Cancellable<Option<Span>> {
        self.with_file(path, |db, file| {
            if let Some(prop) = refactor::prop_at(db, file, offset) {
                return Some(prop.span);
            }
            let (declaration, uses) = crate::names::references_at(db, file, offset)?;
            std::iter::once(declaration).chain(uses).find(|s| s.start <= offset && offset <= s.end)
        })
    }

    /// The edits that rename the name at `offset` to `new_name`: a prop with the attributes
    /// that pass it in every importer, or a script name with its uses.
    pub fn rename(&self, path: &str, offset: u32, new_name: &str) -> Cancellable<Option<Vec<FileEdit>>> {
        self.with_file(path, |db, file| match refactor::prop_at(db, file, offset) {
            Some(prop) => Some(refactor::rename_prop(db, &prop, new_name)),
            None => {
                let (declaration, uses) = crate::names::references_at(db, file, offset)?;
                let edit = |span| FileEdit { path: path.to_string(), span, text: new_name.to_string() };
                Some(std::iter::once(declaration).chain(uses).map(edit).collect())
            }
        })
    }

    /// The import updates when the file at `from` moves to `to` (nothing unless it is a
    /// component).
    pub fn file_rename_edits(&self, from: &str, to: &str) -> Cancellable<Vec<FileEdit>> {
        if !paths::is_component(from) {
            return Ok(Vec::new());
        }
        self.with_db(|db| refactor::move_file(db, from, to))
    }

    /// Components and props matching `query`, best first, at most `limit`.
    pub fn workspace_symbols(&self, query: &str, limit: usize) -> Cancellable<Vec<WorkspaceSymbol>> {
        self.with_db(|db| crate::search::workspace_symbols(db, query, limit))
    }

    pub fn document_symbols(&self, path: &str) -> Cancellable<Option<Vec<Symbol>>> {
        self.with_file(path, |db, file| Some(crate::document_symbols(file.text(db), &db::parse(db, file).component)))
    }

    pub fn folding_ranges(&self, path: &str) -> Cancellable<Option<Vec<Span>>> {
        self.with_file(path, |db, file| Some(crate::folding_ranges(&db::parse(db, file).component)))
    }

    /// For each offset, the ranges around it from the innermost outwards.
    pub fn selection_ranges(&self, path: &str, offsets: &[u32]) -> Cancellable<Option<Vec<Vec<Span>>>> {
        self.with_file(path, |db, file| {
            let (text, component) = (file.text(db), &db::parse(db, file).component);
            Some(offsets.iter().map(|&offset| crate::selection_ranges(text, component, offset)).collect())
        })
    }

    /// The names of the start and end tag of the element at `offset`.
    pub fn linked_editing(&self, path: &str, offset: u32) -> Cancellable<Option<(Span, Span)>> {
        self.with_file(path, |db, file| crate::tag_pair_at(file.text(db), &db::parse(db, file).component, offset))
    }

    pub fn semantic_tokens(&self, path: &str) -> Cancellable<Option<Vec<SemanticToken>>> {
        self.with_component(path, |db, file| Some(crate::names::semantic_tokens(db, file)))
    }

    /// The hints that show within `range`, in the order of their offsets.
    pub fn inlay_hints(&self, path: &str, range: Span) -> Cancellable<Option<Vec<InlayHint>>> {
        self.with_file(path, |db, file| {
            let in_range = |at: u32| range.start <= at && at <= range.end;
            let reactive = crate::names::reactive_declarations(db, file).into_iter();
            let mut hints: Vec<InlayHint> = reactive
                .filter(|(span, ty): &(Span, Type)| in_range(span.end) && !ty.is_unknown())
                .map(|(span, ty)| InlayHint { at: span.end, label: format!(": {ty}"), kind: InlayKind::Type, tooltip: None })
                .collect();
            for (tag, props) in refactor::missing_props(db, file).into_iter().filter(|(tag, _)| in_range(tag.end)) {
                let names: Vec<String> =
                    props.iter().map(|p| format!("{}: {}", p.name, p.ty.as_deref().unwrap_or("unknown"))).collect();
                let tooltip = format!("required prop{} not passed", if props.len() == 1 { "" } else { "s" });
                hints.push(InlayHint {
                    at: tag.end,
                    label: format!(" {}", names.join(", ")),
                    kind: InlayKind::Parameter,
                    tooltip: Some(tooltip),
                });
            }
            hints.sort_by_key(|h| h.at);
            Some(hints)
        })
    }

    /// The formatted text of a component; `None` when it does not parse (its diagnostics say
    /// why) or is no component.
    pub fn format(&self, path: &str) -> Cancellable<Option<String>> {
        self.with_component(path, |db, file| crate::format::format(file.text(db), db::parse(db, file)).ok())
    }

    /// The quick fixes for the diagnostics that touch `range`.
    pub fn code_actions(&self, path: &str, range: Span) -> Cancellable<Option<Vec<Action>>> {
        self.with_file(path, |db, file| Some(refactor::actions(db, file, range)))
    }
}
