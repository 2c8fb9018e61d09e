//! The workspace's layers, checked from its sources.
//!
//! Crates: every `eghact-*` dependency of a crate under `crates/` but the `DEV_ONLY` ones (its `[dependencies]` and
//! target-specific dependencies; dev-dependencies may reach anywhere) is a crate earlier in
//! `LAYERS`. Files: within each crate (and the root package), no source file outside `#[cfg(test)]`
//! names an item of a file that names one of its own back, directly or around a longer circle.
//! A file "names" another when a `use` line or a qualified path (`crate::…`, `super::…`, `self::…`,
//! `child::…`, or through a name a `use` brought in) leads to an item the other file defines;
//! re-exports are followed to the definition, so a child naming a sibling's type through the
//! parent's `pub use` is an edge to the sibling, and the `pub use` itself an edge parent → child.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

use syn::visit::Visit;

/// The crates under `crates/`, lowest layer first: each may depend only on crates before it.
/// ARCHITECTURE.md ("Crates") names this constant. The root package (`eghact`) may use any.
const LAYERS: &[&str] =
    &["syntax", "semantics", "codegen", "analysis", "ide", "builder", "bundle", "gpu", "remote", "dev", "lsp"];

/// Crates under `crates/` that only tests use (a crate's dev-dependencies): outside the order,
/// and a library may not depend on them (as a normal dependency they have no place in LAYERS).
const DEV_ONLY: &[&str] = &["test-support"];

#[test]
fn no_crate_reaches_upward() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    for crate_dir in crate_dirs(root).into_iter().filter(|dir| !DEV_ONLY.contains(&dir.as_str())) {
        let manifest_path = root.join("crates").join(&crate_dir).join("Cargo.toml");
        let manifest = std::fs::read_to_string(&manifest_path).unwrap_or_else(|e| panic!("{}: {e}", manifest_path.display()));
        problems.extend(upward_dependencies(&crate_dir, &manifest));
    }
    assert!(problems.is_empty(), "crates reach upward (order: {LAYERS:?}):\n{}", problems.join("\n"));
}

#[test]
fn no_file_imports_one_that_imports_it_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut crate_roots = vec!["src/main.rs".to_owned(), "src/lib.rs".to_owned()];
    for crate_dir in crate_dirs(root) {
        for file in ["lib.rs", "main.rs"] {
            crate_roots.push(format!("crates/{crate_dir}/src/{file}"));
        }
    }
    let read = |path: &str| std::fs::read_to_string(root.join(path)).ok();
    let reports: Vec<String> =
        crate_roots.iter().filter(|path| root.join(path).is_file()).flat_map(|path| cycles(path, &read)).collect();
    assert!(reports.is_empty(), "files that import each other:\n\n{}", reports.join("\n\n"));
}

/// The folders under `crates/` that hold a manifest, sorted.
fn crate_dirs(root: &Path) -> Vec<String> {
    let crates = root.join("crates");
    let entries = std::fs::read_dir(&crates).unwrap_or_else(|e| panic!("{}: {e}", crates.display()));
    let mut dirs: Vec<String> = entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    dirs
}

// ---------------------------------------------------------------------------------------------
// Crates

/// Each dependency of `crates/<crate_dir>` on an `eghact-*` crate that is not below it in `LAYERS`.
fn upward_dependencies(crate_dir: &str, manifest: &str) -> Vec<String> {
    let here = format!("crates/{crate_dir}/Cargo.toml");
    let Some(level) = LAYERS.iter().position(|layer| *layer == crate_dir) else {
        return vec![format!("{here}: `{crate_dir}` has no place in LAYERS")];
    };
    let table: toml::Table = manifest.parse().unwrap_or_else(|e| panic!("{here}: {e}"));
    let targets = table.get("target").and_then(toml::Value::as_table);
    let sections = std::iter::once(table.get("dependencies"))
        .chain(targets.into_iter().flat_map(|targets| targets.values().map(|target| target.get("dependencies"))));
    let mut problems = Vec::new();
    for dependencies in sections.flatten().filter_map(toml::Value::as_table) {
        for (key, value) in dependencies {
            let package = value.get("package").and_then(toml::Value::as_str).unwrap_or(key);
            let Some(layer) = package.strip_prefix("eghact-") else { continue };
            match LAYERS.iter().position(|known| *known == layer) {
                Some(below) if below < level => {}
                Some(_) => problems.push(format!("{here}: `{package}` is not below `eghact-{crate_dir}`")),
                None => problems.push(format!("{here}: `{package}` has no place in LAYERS")),
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// Files: the module tree of one crate

/// A module of the crate: a file, or an inline `mod name { … }` within one.
struct Module {
    file: usize,
    path: Vec<String>,
    /// Names this module defines (functions, types, child modules, …).
    items: HashSet<String>,
    /// Child modules (declared with `mod`), a subset of `items`.
    children: HashSet<String>,
    /// Names a `use` brings in, with the path as written.
    imports: HashMap<String, Vec<String>>,
    /// The paths of `use …::*`, as written.
    globs: Vec<Vec<String>>,
}

struct SourceFile {
    path: String,
    /// Shared so that a module's items can be walked while the crate grows.
    syntax: Rc<syn::File>,
}

struct Crate {
    files: Vec<SourceFile>,
    modules: Vec<Module>,
    by_path: HashMap<Vec<String>, usize>,
}

/// Whether an item is compiled only for tests (`#[cfg(test)]`).
fn test_only(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|attr| attr.path().is_ident("cfg") && attr.parse_args::<syn::Ident>().is_ok_and(|predicate| predicate == "test"))
}

impl Crate {
    /// The crate whose root file is `root` (a path relative to the workspace), following its
    /// `mod name;` declarations (`name.rs` or `name/mod.rs`) outside `#[cfg(test)]`.
    fn load(root: &str, read: &dyn Fn(&str) -> Option<String>) -> Crate {
        let mut krate = Crate { files: Vec::new(), modules: Vec::new(), by_path: HashMap::new() };
        let dir = root.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
        let file = krate.add_file(root, read);
        let syntax = Rc::clone(&krate.files[file].syntax);
        krate.add_module(file, Vec::new(), &syntax.items, &dir, read);
        krate
    }

    fn add_file(&mut self, path: &str, read: &dyn Fn(&str) -> Option<String>) -> usize {
        let text = read(path).unwrap_or_else(|| panic!("{path}: cannot read"));
        let syntax = syn::parse_file(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        self.files.push(SourceFile { path: path.to_owned(), syntax: Rc::new(syntax) });
        self.files.len() - 1
    }

    /// Records the module at `path` with `items`; its child modules' files lie in `child_dir`.
    fn add_module(
        &mut self,
        file: usize,
        path: Vec<String>,
        items: &[syn::Item],
        child_dir: &str,
        read: &dyn Fn(&str) -> Option<String>,
    ) {
        let mut module = Module {
            file,
            path: path.clone(),
            items: HashSet::new(),
            children: HashSet::new(),
            imports: HashMap::new(),
            globs: Vec::new(),
        };
        let mut nested = Vec::new();
        for item in items {
            let (attrs, name) = match item {
                syn::Item::Use(item) => {
                    if !test_only(&item.attrs) {
                        collect_imports(&item.tree, Vec::new(), &mut module);
                    }
                    continue;
                }
                syn::Item::Mod(item) => {
                    if !test_only(&item.attrs) {
                        module.children.insert(item.ident.to_string());
                        nested.push(item);
                    }
                    (&item.attrs, Some(&item.ident))
                }
                syn::Item::Fn(item) => (&item.attrs, Some(&item.sig.ident)),
                syn::Item::Struct(item) => (&item.attrs, Some(&item.ident)),
                syn::Item::Enum(item) => (&item.attrs, Some(&item.ident)),
                syn::Item::Union(item) => (&item.attrs, Some(&item.ident)),
                syn::Item::Trait(item) => (&item.attrs, Some(&item.ident)),
                syn::Item::TraitAlias(item) => (&item.attrs, Some(&item.ident)),
                syn::Item::Type(item) => (&item.attrs, Some(&item.ident)),
                syn::Item::Const(item) => (&item.attrs, Some(&item.ident)),
                syn::Item::Static(item) => (&item.attrs, Some(&item.ident)),
                syn::Item::Macro(item) => (&item.attrs, item.ident.as_ref()),
                _ => continue,
            };
            if let Some(name) = name.filter(|_| !test_only(attrs)) {
                module.items.insert(name.to_string());
            }
        }
        self.by_path.insert(path.clone(), self.modules.len());
        self.modules.push(module);
        for item in nested {
            let name = item.ident.to_string();
            let mut child_path = path.clone();
            child_path.push(name.clone());
            let grandchild_dir = join(child_dir, &name);
            match &item.content {
                Some((_, items)) => self.add_module(file, child_path, items, &grandchild_dir, read),
                None => {
                    let flat = format!("{grandchild_dir}.rs");
                    let nested_file = format!("{grandchild_dir}/mod.rs");
                    let child_file = if read(&flat).is_some() { flat } else { nested_file };
                    let file = self.add_file(&child_file, read);
                    let syntax = Rc::clone(&self.files[file].syntax);
                    self.add_module(file, child_path, &syntax.items, &grandchild_dir, read);
                }
            }
        }
    }

    /// The path from the crate root that `path`, written in `module`, names; `None` for paths
    /// outside the crate (std, other crates) and for the module's own local names.
    fn absolute(&self, index: usize, path: &[String], depth: usize) -> Option<Vec<String>> {
        let module = &self.modules[index];
        let (first, rest) = path.split_first()?;
        let mut base = match first.as_str() {
            "crate" => return Some(rest.to_vec()),
            "self" => module.path.clone(),
            "super" => {
                let supers = path.iter().take_while(|segment| *segment == "super").count();
                let base = module.path[..module.path.len().checked_sub(supers)?].to_vec();
                return Some(base.into_iter().chain(path[supers..].iter().cloned()).collect());
            }
            name if module.children.contains(name) => {
                let mut base = module.path.clone();
                base.push(name.to_owned());
                base
            }
            name => {
                let import = module.imports.get(name)?;
                if depth > 16 {
                    return None;
                }
                self.absolute(index, import, depth + 1)?
            }
        };
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The module that defines what `path` (from the crate root) names: the longest prefix that is
    /// a module, then through that module's imports and globs to where the next name is defined.
    fn locate(&self, mut path: Vec<String>) -> usize {
        for _ in 0..16 {
            let prefix = (0..=path.len()).rev().find(|len| self.by_path.contains_key(&path[..*len])).unwrap_or(0);
            let here = self.by_path[&path[..prefix]];
            let module = &self.modules[here];
            let Some(name) = path.get(prefix) else { return here };
            if module.items.contains(name) {
                return here;
            }
            let rest = &path[prefix + 1..];
            let through_import = module.imports.get(name).and_then(|import| self.absolute(here, import, 0));
            let through_glob = || {
                module.globs.iter().filter_map(|glob| self.absolute(here, glob, 0)).find(|target| {
                    self.by_path
                        .get(target)
                        .is_some_and(|&m| self.modules[m].items.contains(name) || self.modules[m].imports.contains_key(name))
                })
            };
            match through_import.or_else(|| through_glob().map(|glob| [glob, vec![name.clone()]].concat())) {
                Some(target) => path = target.into_iter().chain(rest.iter().cloned()).collect(),
                None => return here,
            }
        }
        self.by_path[&path[..0]]
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() { name.to_owned() } else { format!("{dir}/{name}") }
}

/// The names one `use` tree brings into `module`, with their paths as written.
fn collect_imports(tree: &syn::UseTree, prefix: Vec<String>, module: &mut Module) {
    let with = |segment: &syn::Ident| [prefix.clone(), vec![segment.to_string()]].concat();
    match tree {
        syn::UseTree::Path(path) => collect_imports(&path.tree, with(&path.ident), module),
        syn::UseTree::Name(name) if name.ident == "self" => {
            if let Some(last) = prefix.last() {
                module.imports.insert(last.clone(), prefix.clone());
            }
        }
        syn::UseTree::Name(name) => {
            module.imports.insert(name.ident.to_string(), with(&name.ident));
        }
        syn::UseTree::Rename(rename) if rename.rename == "_" => {}
        syn::UseTree::Rename(rename) => {
            let target = if rename.ident == "self" { prefix.clone() } else { with(&rename.ident) };
            module.imports.insert(rename.rename.to_string(), target);
        }
        syn::UseTree::Glob(_) => module.globs.push(prefix),
        syn::UseTree::Group(group) => group.items.iter().for_each(|tree| collect_imports(tree, prefix.clone(), module)),
    }
}

/// Every path a `use` tree names, as written.
fn use_paths(tree: &syn::UseTree, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let with = |segment: &syn::Ident| [prefix.clone(), vec![segment.to_string()]].concat();
    match tree {
        syn::UseTree::Path(path) => use_paths(&path.tree, with(&path.ident), out),
        syn::UseTree::Name(name) if name.ident == "self" => out.push(prefix),
        syn::UseTree::Name(syn::UseName { ident }) | syn::UseTree::Rename(syn::UseRename { ident, .. }) => out.push(with(ident)),
        syn::UseTree::Glob(_) => out.push(prefix),
        syn::UseTree::Group(group) => group.items.iter().for_each(|tree| use_paths(tree, prefix.clone(), out)),
    }
}

// ---------------------------------------------------------------------------------------------
// Files: the graph and its cycles

/// Why file A depends on file B: the first line of A that names B, and the path written there.
type Edges = BTreeMap<(usize, usize), (usize, String)>;

/// Collects the edges of one file, walking its syntax with the module it is in.
struct EdgeCollector<'a> {
    krate: &'a Crate,
    file: usize,
    modules: Vec<usize>,
    edges: &'a mut Edges,
}

impl EdgeCollector<'_> {
    fn name(&mut self, path: Vec<String>, line: usize) {
        let module = *self.modules.last().expect("a module is always open");
        let Some(absolute) = self.krate.absolute(module, &path, 0) else { return };
        let target = self.krate.modules[self.krate.locate(absolute)].file;
        if target != self.file {
            self.edges.entry((self.file, target)).or_insert_with(|| (line, path.join("::")));
        }
    }

    /// Paths inside a macro's tokens (`a::b::c` sequences, in groups too), which syn leaves unparsed.
    fn macro_tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let mut path: Vec<String> = Vec::new();
        let mut line = 0;
        let mut colons = 0;
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Ident(ident) if colons == 2 => path.push(ident.to_string()),
                proc_macro2::TokenTree::Punct(punct) if punct.as_char() == ':' && !path.is_empty() && colons < 2 => {
                    colons += 1;
                    continue;
                }
                other => {
                    self.name_macro_path(std::mem::take(&mut path), line);
                    match other {
                        proc_macro2::TokenTree::Ident(ident) => {
                            line = ident.span().start().line;
                            path.push(ident.to_string());
                        }
                        proc_macro2::TokenTree::Group(group) => self.macro_tokens(group.stream()),
                        _ => {}
                    }
                }
            }
            colons = 0;
        }
        self.name_macro_path(path, line);
    }

    fn name_macro_path(&mut self, path: Vec<String>, line: usize) {
        if path.len() > 1 {
            self.name(path, line);
        }
    }
}

impl<'ast> Visit<'ast> for EdgeCollector<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Use(item) => &item.attrs,
            syn::Item::Mod(item) => &item.attrs,
            syn::Item::Fn(item) => &item.attrs,
            syn::Item::Impl(item) => &item.attrs,
            syn::Item::Struct(item) => &item.attrs,
            syn::Item::Enum(item) => &item.attrs,
            syn::Item::Const(item) => &item.attrs,
            syn::Item::Static(item) => &item.attrs,
            syn::Item::Trait(item) => &item.attrs,
            syn::Item::Type(item) => &item.attrs,
            syn::Item::Macro(item) => &item.attrs,
            _ => &[],
        };
        if !test_only(attrs) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        // A `mod name;` is only a declaration; an inline module's paths are relative to it.
        let Some((_, items)) = &item.content else { return };
        let module = *self.modules.last().expect("a module is always open");
        let path = [self.krate.modules[module].path.clone(), vec![item.ident.to_string()]].concat();
        self.modules.push(self.krate.by_path[&path]);
        items.iter().for_each(|item| self.visit_item(item));
        self.modules.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        use_paths(&item.tree, Vec::new(), &mut paths);
        let line = item.use_token.span.start().line;
        paths.into_iter().for_each(|path| self.name(path, line));
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if !test_only(&item.attrs) {
            syn::visit::visit_impl_item_fn(self, item);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.segments.len() > 1 {
            let line = path.segments[0].ident.span().start().line;
            self.name(path.segments.iter().map(|segment| segment.ident.to_string()).collect(), line);
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        self.macro_tokens(mac.tokens.clone());
    }
}

/// The cycles among the files of the crate whose root is `root`: one report per strongly
/// connected component of more than one file, naming each file and each edge within it.
fn cycles(root: &str, read: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let krate = Crate::load(root, read);
    let mut edges = Edges::new();
    for (index, module) in krate.modules.iter().enumerate() {
        // Inline modules are walked from their file's root module.
        let is_file_root = krate.modules.iter().position(|m| m.file == module.file) == Some(index);
        if is_file_root {
            let mut collector = EdgeCollector { krate: &krate, file: module.file, modules: vec![index], edges: &mut edges };
            krate.files[module.file].syntax.items.iter().for_each(|item| collector.visit_item(item));
        }
    }
    let successors = edges.keys().fold(vec![BTreeSet::new(); krate.files.len()], |mut successors, (from, to)| {
        successors[*from].insert(*to);
        successors
    });
    strongly_connected(&successors)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let names: Vec<&str> = component.iter().map(|file| krate.files[*file].path.as_str()).collect();
            let mut report = format!("cycle among {}:", names.join(", "));
            for ((from, to), (line, path)) in edges.iter().filter(|((a, b), _)| component.contains(a) && component.contains(b)) {
                let mutual = if edges.contains_key(&(*to, *from)) { " (mutual)" } else { "" };
                let (from, to) = (&krate.files[*from].path, &krate.files[*to].path);
                report.push_str(&format!("\n  {from}:{line} names `{path}` of {to}{mutual}"));
            }
            report
        })
        .collect()
}

/// Tarjan's strongly connected components, each sorted, in a stable order.
fn strongly_connected(successors: &[BTreeSet<usize>]) -> Vec<BTreeSet<usize>> {
    struct Search<'a> {
        successors: &'a [BTreeSet<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on_stack: Vec<bool>,
        next: usize,
        components: Vec<BTreeSet<usize>>,
    }
    impl Search<'_> {
        fn visit(&mut self, node: usize) {
            self.index[node] = Some(self.next);
            self.low[node] = self.next;
            self.next += 1;
            self.stack.push(node);
            self.on_stack[node] = true;
            for &next in self.successors[node].iter() {
                match self.index[next] {
                    None => {
                        self.visit(next);
                        self.low[node] = self.low[node].min(self.low[next]);
                    }
                    Some(index) if self.on_stack[next] => self.low[node] = self.low[node].min(index),
                    Some(_) => {}
                }
            }
            if Some(self.low[node]) == self.index[node] {
                let mut component = BTreeSet::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack[member] = false;
                    component.insert(member);
                    if member == node {
                        break;
                    }
                }
                self.components.push(component);
            }
        }
    }
    let count = successors.len();
    let mut search = Search {
        successors,
        index: vec![None; count],
        low: vec![0; count],
        stack: Vec::new(),
        on_stack: vec![false; count],
        next: 0,
        components: Vec::new(),
    };
    for node in 0..count {
        if search.index[node].is_none() {
            search.visit(node);
        }
    }
    search.components.sort();
    search.components
}

// ---------------------------------------------------------------------------------------------
// The checkers themselves, on planted crates

/// The cycle reports for a crate given as `(path, text)` pairs, rooted at `src/lib.rs`.
fn planted(files: &[(&str, &str)]) -> Vec<String> {
    let files: HashMap<&str, &str> = files.iter().copied().collect();
    cycles("src/lib.rs", &|path| files.get(path).map(|text| text.to_string()))
}

#[test]
fn finds_a_planted_pair_and_a_longer_cycle() {
    let reports = planted(&[
        ("src/lib.rs", "mod a; mod b; mod c; mod d; mod e;"),
        ("src/a.rs", "use crate::b::B; pub struct A;"),
        ("src/b.rs", "pub struct B; fn f() -> super::a::A { todo!() }"),
        ("src/c.rs", "pub fn c() { crate::d::d() }"),
        ("src/d.rs", "pub fn d() { let _ = format!(\"{:?}\", super::e::E); }"),
        ("src/e.rs", "use super::{c::{self, c as see}}; pub struct E;"),
    ]);
    let expected = [
        "cycle among src/a.rs, src/b.rs:\n  src/a.rs:1 names `crate::b::B` of src/b.rs (mutual)\n  src/b.rs:1 names `super::a::A` of src/a.rs (mutual)",
        "cycle among src/c.rs, src/d.rs, src/e.rs:\n  src/c.rs:1 names `crate::d::d` of src/d.rs\n  src/d.rs:1 names `super::e::E` of src/e.rs\n  src/e.rs:1 names `super::c` of src/c.rs",
    ];
    assert_eq!(reports, expected);
}

#[test]
fn a_parent_defining_what_its_child_uses_while_using_the_child_is_a_cycle() {
    let reports = planted(&[
        ("src/lib.rs", "mod child;\npub struct Shared;\npub fn run() { child::go() }"),
        ("src/child.rs", "pub fn go() { let _ = crate::Shared; }"),
    ]);
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].starts_with("cycle among src/lib.rs, src/child.rs:"), "{reports:?}");
}

#[test]
fn names_reached_through_a_parents_reexport_lead_to_their_definition() {
    // The root re-exports both children; `a` names `B` through the root and the root names `a`'s
    // function: edges lib → a, lib → b, a → b, and no cycle. Test-only code is not counted.
    let reports = planted(&[
        ("src/lib.rs", "mod a;\nmod b;\npub use a::*;\npub use b::{B, Other as Renamed};\npub fn run() { a::go() }"),
        ("src/a.rs", "use crate::B;\npub fn go() { let _: crate::Renamed; }\n#[cfg(test)] mod tests { use crate::run; }"),
        ("src/b.rs", "pub struct B; pub struct Other; #[cfg(test)] fn t() { crate::run() }"),
    ]);
    assert_eq!(reports, Vec::<String>::new());
}

#[test]
fn a_crate_depending_on_a_later_layer_is_reported() {
    let manifest = "[dependencies]\neghact-syntax.workspace = true\neghact-ide.workspace = true\n\
                    [target.'cfg(unix)'.dependencies]\neghact-lsp = { path = \"../lsp\" }\n\
                    [dev-dependencies]\neghact-remote.workspace = true\n";
    assert_eq!(
        upward_dependencies("analysis", manifest),
        [
            "crates/analysis/Cargo.toml: `eghact-ide` is not below `eghact-analysis`",
            "crates/analysis/Cargo.toml: `eghact-lsp` is not below `eghact-analysis`",
        ]
    );
    assert_eq!(upward_dependencies("nowhere", ""), ["crates/nowhere/Cargo.toml: `nowhere` has no place in LAYERS"]);
}
