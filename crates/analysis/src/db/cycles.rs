//! The import graph of the project's components and its cycles (Tarjan's algorithm, iterative, so
//! that a deep graph cannot overflow the stack).

use std::collections::{BTreeMap, BTreeSet};

use super::inputs::{SourceFile, Workspace};
use super::resolution::{Resolution, resolve};

/// The import graph of the project's components.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportGraph {
    /// Component path → the components it imports.
    pub imports: BTreeMap<String, BTreeSet<String>>,
    /// Component path → the components that import it.
    pub importers: BTreeMap<String, BTreeSet<String>>,
    /// Each import cycle once, as its members in path order.
    pub cycles: Vec<Vec<String>>,
}

#[salsa::tracked(returns(ref))]
pub fn import_graph(db: &dyn salsa::Database) -> ImportGraph {
    let mut graph = ImportGraph::default();
    for (path, file) in Workspace::get(db).files(db).iter() {
        if !path.ends_with(".egh") {
            continue;
        }
        let targets: BTreeSet<String> = resolve(db, *file)
            .iter()
            .filter_map(|(_, r)| match r {
                Resolution::Component(target) => Some(target.path(db).clone()),
                _ => None,
            })
            .collect();
        for target in &targets {
            graph.importers.entry(target.clone()).or_default().insert(path.clone());
        }
        graph.imports.insert(path.clone(), targets);
    }
    graph.cycles = strongly_connected(&graph.imports);
    graph
}

/// Tarjan's algorithm, iteratively (deep graphs must not overflow the stack); returns the
/// components with more than one member or a self-import.
pub fn strongly_connected(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let nodes: Vec<&String> = edges.keys().collect();
    let index_of: BTreeMap<&String, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let successors: Vec<Vec<usize>> =
        nodes.iter().map(|n| edges[*n].iter().filter_map(|t| index_of.get(t).copied()).collect()).collect();
    let (mut index, mut low, mut on_stack) = (vec![usize::MAX; nodes.len()], vec![0; nodes.len()], vec![false; nodes.len()]);
    let (mut next, mut stack, mut cycles) = (0, Vec::new(), Vec::new());
    for root in 0..nodes.len() {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (node, ref mut child)) = work.last_mut() {
            if *child == 0 && index[node] == usize::MAX {
                index[node] = next;
                low[node] = next;
                next += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&succ) = successors[node].get(*child) {
                *child += 1;
                if index[succ] == usize::MAX {
                    work.push((succ, 0));
                } else if on_stack[succ] {
                    low[node] = low[node].min(index[succ]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                let mut members = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    members.push(nodes[member].clone());
                    if member == node {
                        break;
                    }
                }
                if members.len() > 1 || successors[node].contains(&node) {
                    members.sort();
                    cycles.push(members);
                }
            }
        }
    }
    cycles.sort();
    cycles
}

/// The import cycle `file` is part of, if any. It reads the whole import graph: after an edit
/// salsa re-validates every component's imports (about 10 ms for 10,000 components), so an
/// editor publishes [`check`](super::check) first.
#[salsa::tracked(returns(ref))]
pub fn cycle_of(db: &dyn salsa::Database, file: SourceFile) -> Option<Vec<String>> {
    let path = file.path(db);
    import_graph(db).cycles.iter().find(|c| c.contains(path)).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_once_with_their_members() {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut edge = |a: &str, b: &str| {
            edges.entry(a.into()).or_default().insert(b.into());
            edges.entry(b.into()).or_default();
        };
        edge("a", "b");
        edge("b", "c");
        edge("c", "a");
        edge("c", "d");
        edge("e", "e");
        assert_eq!(strongly_connected(&edges), [vec!["a", "b", "c"], vec!["e"]]);
    }
}
