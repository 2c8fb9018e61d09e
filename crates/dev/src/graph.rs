//! The modules the browser loaded, what each imports, the last good output of each, and where a
//! change is accepted.
//!
//! Invariant: a change reaches the page only through a component (the boundary that accepts
//! it), climbing from a plain module through the loaded modules that import it; a module that
//! no loaded module imports (the page imports it) cannot accept one, so the page reloads.

use std::collections::{BTreeMap, BTreeSet};

/// One module the browser loaded.
#[derive(Debug, Default)]
pub struct LoadedModule {
    /// The URLs the page loaded it from (`/src/Counter.js`; `/src/App.egh` from `index.html`).
    pub urls: BTreeSet<String>,
    pub component: bool,
    /// The project paths it imports, as of its last good compile.
    pub imports: BTreeSet<String>,
    /// When it was last replaced (0: never); importers compiled after import a plain module as
    /// `?t=version` (a component keeps its URL: its class takes the new code in place).
    pub version: u64,
    /// What the page runs: the last output without errors.
    pub served: Option<Served>,
}

/// A compiled module as served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served {
    pub js: String,
    pub css: String,
    pub map: String,
    /// The engine's revision it was compiled at: served again as it is while that holds.
    pub revision: u64,
}

/// Where a change goes.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Propagation {
    /// The components that accept it, which the page imports again.
    pub boundaries: BTreeSet<String>,
    /// Every module between a change and its boundaries, both included: imported again.
    pub touched: BTreeSet<String>,
    /// Why the page must reload instead, if it must.
    pub reload: Option<String>,
}

#[derive(Debug, Default)]
pub struct ModuleGraph {
    modules: BTreeMap<String, LoadedModule>,
}

impl ModuleGraph {
    pub fn get(&self, path: &str) -> Option<&LoadedModule> {
        self.modules.get(path)
    }

    pub fn get_mut(&mut self, path: &str) -> Option<&mut LoadedModule> {
        self.modules.get_mut(path)
    }

    /// The module of `path`, noted as loaded (from `url`).
    pub fn load(&mut self, path: &str, url: &str, component: bool) -> &mut LoadedModule {
        let module = self.modules.entry(path.to_string()).or_default();
        module.urls.insert(url.to_string());
        module.component = component;
        module
    }

    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.modules.keys()
    }

    /// The loaded modules that import `path`.
    pub fn importers<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.modules.iter().filter(move |(_, module)| module.imports.contains(path)).map(|(importer, _)| importer)
    }

    /// Where changes of the loaded modules `changed` (their code, not only their styles) are
    /// accepted.
    pub fn propagate(&self, changed: &[String]) -> Propagation {
        let mut propagation = Propagation::default();
        let mut pending: Vec<String> = changed.iter().filter(|path| self.modules.contains_key(*path)).cloned().collect();
        while let Some(path) = pending.pop() {
            if !propagation.touched.insert(path.clone()) {
                continue;
            }
            if self.modules.get(&path).is_some_and(|module| module.component) {
                propagation.boundaries.insert(path);
                continue;
            }
            let importers: Vec<String> = self.importers(&path).cloned().collect();
            if importers.is_empty() && propagation.reload.is_none() {
                propagation.reload = Some(format!("{path} changed, and the page imports it itself: no component accepts it"));
            }
            pending.extend(importers);
        }
        if propagation.boundaries.is_empty() && propagation.reload.is_none() && !propagation.touched.is_empty() {
            let paths: Vec<&str> = propagation.touched.iter().map(String::as_str).collect();
            propagation.reload = Some(format!("{} changed, and no component imports them", paths.join(", ")));
        }
        propagation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(modules: &[(&str, bool, &[&str])]) -> ModuleGraph {
        let mut graph = ModuleGraph::default();
        for (path, component, imports) in modules {
            let module = graph.load(path, &format!("/{path}"), *component);
            module.imports = imports.iter().map(|i| i.to_string()).collect();
        }
        graph
    }

    #[test]
    fn a_component_accepts_its_own_change() {
        let graph = graph(&[("src/App.egh", true, &["src/Counter.egh"]), ("src/Counter.egh", true, &[])]);
        let propagation = graph.propagate(&["src/Counter.egh".into()]);
        assert_eq!(propagation.boundaries, BTreeSet::from(["src/Counter.egh".to_string()]));
        assert_eq!(propagation.reload, None);
    }

    #[test]
    fn a_plain_module_climbs_to_the_nearest_components() {
        let graph = graph(&[
            ("src/App.egh", true, &["src/format.ts", "src/Card.egh"]),
            ("src/Card.egh", true, &["src/labels.ts"]),
            ("src/labels.ts", false, &["src/format.ts"]),
            ("src/format.ts", false, &[]),
        ]);
        let propagation = graph.propagate(&["src/format.ts".into()]);
        assert_eq!(propagation.boundaries, BTreeSet::from(["src/App.egh".to_string(), "src/Card.egh".to_string()]));
        assert!(propagation.touched.contains("src/labels.ts"));
        assert_eq!(propagation.reload, None);
    }

    #[test]
    fn a_module_the_page_imports_reloads_it() {
        let graph = graph(&[("src/main.ts", false, &["src/App.egh"]), ("src/App.egh", true, &[])]);
        let propagation = graph.propagate(&["src/main.ts".into()]);
        assert!(propagation.reload.is_some_and(|reason| reason.contains("src/main.ts")));
        let cycle = graph_cycle();
        assert!(cycle.propagate(&["src/a.ts".into()]).reload.is_some(), "a cycle of plain modules ends at the page");
    }

    fn graph_cycle() -> ModuleGraph {
        graph(&[("src/a.ts", false, &["src/b.ts"]), ("src/b.ts", false, &["src/a.ts"])])
    }
}
