//! File-system routing: the `.egh` files under `src/routes/` become pages, and the build writes
//! a manifest module that the runtime's router (`createRouter` in runtime.js) reads.
//!
//! Invariant: pure. Route file paths in, manifest JavaScript and diagnostics out; the order of
//! the input does not change the output.
//!
//! Names: `index.egh` is its folder's page, `about.egh` is `/about`, `[id].egh` (or a `[id]`
//! folder) is a parameter, `_layout.egh` wraps every page of its folder and below through its
//! `<slot />`, and `_error.egh` at the top shows failed loads and unknown paths. Other names
//! starting with `_` are private to the folder and make no route.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use eghact_syntax::diagnostics::{Diagnostic, Span};
use eghact_syntax::scan::is_identifier;

/// The folder of the source folder that holds the pages.
pub const ROUTES_DIR: &str = "routes";
/// The manifest's file name at the top of the output folder.
pub const MANIFEST_FILE: &str = "eghact-routes.js";

const LAYOUT: &str = "_layout";
const ERROR: &str = "_error";

/// The generated manifest, and problems with route file names (each with the route file it
/// belongs to, as given).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub js: String,
    pub diagnostics: Vec<(String, Diagnostic)>,
    /// Each page (file relative to the routes folder) with its route id, e.g. `/users/[id]`.
    pub pages: Vec<(String, String)>,
}

/// One part of a URL path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Segment {
    Static(String),
    Param(String),
}

#[derive(Debug)]
struct Page {
    /// Path of the file relative to the routes folder, with `/`.
    file: String,
    segments: Vec<Segment>,
    /// Folders (relative, with `/`, `""` for the top) whose layouts wrap this page.
    folders: Vec<String>,
}

impl Page {
    /// SvelteKit-style route id, e.g. `/users/[id]`.
    fn id(&self) -> String {
        let parts: Vec<String> = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Static(text) => text.clone(),
                Segment::Param(name) => format!("[{name}]"),
            })
            .collect();
        format!("/{}", parts.join("/"))
    }

    /// What two routes must differ in to be told apart: parameter names do not count.
    fn shape(&self) -> Vec<Option<&str>> {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Static(text) => Some(text.as_str()),
                Segment::Param(_) => None,
            })
            .collect()
    }
}

/// The route files among a project's source files (paths relative to the source folder):
/// `.egh` files under `routes/`, as paths relative to it with `/` separators, sorted.
pub fn route_files(sources: &[PathBuf]) -> Vec<String> {
    let mut files: Vec<String> = sources
        .iter()
        .filter(|path| path.extension().is_some_and(|e| e == "egh"))
        .filter_map(|path| path.strip_prefix(ROUTES_DIR).ok())
        .filter_map(|path| {
            let parts: Option<Vec<&str>> = path
                .components()
                .map(|c| match c {
                    Component::Normal(part) => part.to_str(),
                    _ => None,
                })
                .collect();
            parts.map(|parts| parts.join("/"))
        })
        .collect();
    files.sort();
    files
}

/// For a build: the manifest of the route files among a project's source files (paths
/// relative to the source folder), with diagnostics keyed by source-relative paths
/// (`routes/[a-b].egh`); `None` when the project has no pages.
pub fn for_sources(sources: &[PathBuf]) -> Option<Manifest> {
    let files = route_files(sources);
    if files.is_empty() {
        return None;
    }
    let mut manifest = manifest(&files);
    for (file, _) in &mut manifest.diagnostics {
        *file = format!("{ROUTES_DIR}/{file}");
    }
    Some(manifest)
}

/// The manifest module for the route files `files` (relative to the routes folder, with `/`).
/// It imports the runtime from `./eghact-runtime.js` and each page lazily from `./routes/…`,
/// so it belongs at the top of the output folder.
pub fn manifest(files: &[String]) -> Manifest {
    let mut files: Vec<&String> = files.iter().collect();
    files.sort();
    files.dedup();
    let mut diagnostics = Vec::new();
    let mut pages: Vec<Page> = Vec::new();
    let mut layouts: BTreeMap<String, String> = BTreeMap::new();
    let mut error_page = None;
    for file in files {
        let Some(stem) = file.strip_suffix(".egh") else { continue };
        let (folder, name) = stem.rsplit_once('/').unwrap_or(("", stem));
        let folder_parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
        if folder_parts.iter().any(|p| p.starts_with('_')) {
            continue;
        }
        match name {
            LAYOUT => {
                layouts.insert(folder.to_string(), file.clone());
                continue;
            }
            ERROR if folder.is_empty() => {
                error_page = Some(file.clone());
                continue;
            }
            _ if name.starts_with('_') => continue,
            _ => {}
        }
        let mut segments = Vec::new();
        let mut valid = true;
        for part in folder_parts.iter().copied().chain(Some(name).filter(|n| *n != "index")) {
            match segment(part) {
                Some(s) => segments.push(s),
                None => {
                    valid = false;
                    diagnostics.push((
                        file.clone(),
                        Diagnostic::error("E0505", format!("`{part}` is not a valid route segment"), Span::new(0, 0)).with_help(
                            "name a page `name.egh`, `index.egh` or `[param].egh`, where param is a JavaScript identifier",
                        ),
                    ));
                    break;
                }
            }
        }
        if !valid {
            continue;
        }
        let mut folders = vec![String::new()];
        for i in 1..=folder_parts.len() {
            folders.push(folder_parts[..i].join("/"));
        }
        pages.push(Page { file: file.clone(), segments, folders });
    }
    // Exact segment count decides between lengths; within one, static segments come before
    // parameters at the first place two routes differ, so `/users/new` beats `/users/[id]`.
    pages.sort_by(|a, b| {
        let key = |p: &Page| {
            p.segments
                .iter()
                .map(|s| match s {
                    Segment::Static(text) => (0, text.clone()),
                    Segment::Param(_) => (1, String::new()),
                })
                .collect::<Vec<_>>()
        };
        (a.segments.len(), key(a), &a.file).cmp(&(b.segments.len(), key(b), &b.file))
    });
    let mut kept: Vec<Page> = Vec::new();
    for page in pages {
        if let Some(first) = kept.iter().find(|k| k.shape() == page.shape()) {
            diagnostics.push((
                page.file.clone(),
                Diagnostic::error("E0506", format!("this page has the same URL as `{}`", first.file), Span::new(0, 0))
                    .with_label(page.id())
                    .with_help("rename or remove one of the two files"),
            ));
            continue;
        }
        kept.push(page);
    }
    let pages = kept.iter().map(|page| (page.file.clone(), page.id())).collect();
    Manifest { js: render(&kept, &layouts, error_page.as_deref()), diagnostics, pages }
}

/// The route id of one file of the routes folder (`users/[id].egh` → `/users/[id]`), `None`
/// for a layout, the error page, a private file or an invalid name.
pub fn page_route(file: &str) -> Option<String> {
    manifest(&[file.to_string()]).pages.pop().map(|(_, id)| id)
}

fn segment(part: &str) -> Option<Segment> {
    match part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
        Some(name) if is_identifier(name) => Some(Segment::Param(name.to_string())),
        Some(_) => None,
        None if part.is_empty() || part.contains(['[', ']']) => None,
        None => Some(Segment::Static(part.to_string())),
    }
}

/// A JavaScript string literal (JSON's escaping is valid JavaScript).
fn js_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// A lazy import of the compiled module of route file `file`. The specifier is a URL, so
/// characters such as `#`, `?` and `%` in file names are percent-encoded.
fn module_import(file: &str) -> String {
    let js = Path::new(file).with_extension("js");
    let mut url = format!("./{ROUTES_DIR}/");
    for byte in js.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/[]@!$&'()*+,;=:".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("() => import({})", js_string(&url))
}

fn render(pages: &[Page], layouts: &BTreeMap<String, String>, error_page: Option<&str>) -> String {
    let mut js = String::from(
        "// Generated by eghact from the files under src/routes/; rebuilt on every build.\n\
         import { createRouter } from \"./eghact-runtime.js\";\n",
    );
    // One loader per layout, shared by the pages it wraps.
    let names: BTreeMap<&String, String> = layouts.keys().enumerate().map(|(i, folder)| (folder, format!("layout{i}"))).collect();
    for (folder, file) in layouts {
        js.push_str(&format!("const {} = {};\n", names[folder], module_import(file)));
    }
    let wrapping = |folders: &[String]| -> String {
        let used: Vec<&str> = folders.iter().filter_map(|f| names.get(f).map(String::as_str)).collect();
        format!("[{}]", used.join(", "))
    };
    js.push_str("export const routes = [\n");
    for page in pages {
        let segments: Vec<String> = page
            .segments
            .iter()
            .map(|s| match s {
                Segment::Static(text) => js_string(text),
                Segment::Param(name) => format!("{{ param: {} }}", js_string(name)),
            })
            .collect();
        js.push_str(&format!(
            "  {{ id: {}, segments: [{}], layouts: {}, page: {} }},\n",
            js_string(&page.id()),
            segments.join(", "),
            wrapping(&page.folders),
            module_import(&page.file)
        ));
    }
    js.push_str("];\n");
    let error = error_page.map_or_else(|| "null".to_string(), module_import);
    js.push_str(&format!("export const fallback = {{ layouts: {}, page: {error} }};\n", wrapping(&[String::new()])));
    js.push_str("/** Starts the router: `start({ target: document.body })`; see createRouter. */\n");
    js.push_str("export const start = (options) => createRouter({ routes, fallback, ...options });\n");
    js
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    fn files(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn pages_layouts_and_parameters() {
        let manifest = manifest(&files(&[
            "users/[id].egh",
            "index.egh",
            "_layout.egh",
            "about.egh",
            "users/_layout.egh",
            "users/new.egh",
            "users/index.egh",
            "_error.egh",
            "_Card.egh",
            "_parts/Thing.egh",
            "blog/[year]/[slug].egh",
        ]));
        assert!(manifest.diagnostics.is_empty(), "{:?}", manifest.diagnostics);
        expect![[r#"
            // Generated by eghact from the files under src/routes/; rebuilt on every build.
            import { createRouter } from "./eghact-runtime.js";
            const layout0 = () => import("./routes/_layout.js");
            const layout1 = () => import("./routes/users/_layout.js");
            export const routes = [
              { id: "/", segments: [], layouts: [layout0], page: () => import("./routes/index.js") },
              { id: "/about", segments: ["about"], layouts: [layout0], page: () => import("./routes/about.js") },
              { id: "/users", segments: ["users"], layouts: [layout0, layout1], page: () => import("./routes/users/index.js") },
              { id: "/users/new", segments: ["users", "new"], layouts: [layout0, layout1], page: () => import("./routes/users/new.js") },
              { id: "/users/[id]", segments: ["users", { param: "id" }], layouts: [layout0, layout1], page: () => import("./routes/users/[id].js") },
              { id: "/blog/[year]/[slug]", segments: ["blog", { param: "year" }, { param: "slug" }], layouts: [layout0], page: () => import("./routes/blog/[year]/[slug].js") },
            ];
            export const fallback = { layouts: [layout0], page: () => import("./routes/_error.js") };
            /** Starts the router: `start({ target: document.body })`; see createRouter. */
            export const start = (options) => createRouter({ routes, fallback, ...options });
        "#]]
        .assert_eq(&manifest.js);
    }

    #[test]
    fn without_layouts_or_error_page() {
        let manifest = manifest(&files(&["index.egh", "nested/_error.egh"]));
        assert!(manifest.js.contains("{ id: \"/\", segments: [], layouts: [], page: () => import(\"./routes/index.js\") }"));
        assert!(manifest.js.contains("export const fallback = { layouts: [], page: null };"), "{}", manifest.js);
    }

    #[test]
    fn import_urls_are_encoded() {
        let manifest = manifest(&files(&["100%/a b#c.egh", "café.egh"]));
        assert!(manifest.js.contains("import(\"./routes/100%25/a%20b%23c.js\")"), "{}", manifest.js);
        assert!(manifest.js.contains("import(\"./routes/caf%C3%A9.js\")"), "{}", manifest.js);
        // The segments themselves stay as written: the router compares decoded URL parts.
        assert!(manifest.js.contains("segments: [\"100%\", \"a b#c\"]"), "{}", manifest.js);
    }

    #[test]
    fn static_segments_win_over_parameters_whatever_the_input_order() {
        let a = manifest(&files(&["[a]/x.egh", "y/[b].egh", "y/x.egh"]));
        let b = manifest(&files(&["y/x.egh", "y/[b].egh", "[a]/x.egh"]));
        assert_eq!(a.js, b.js);
        let order: Vec<usize> = ["\"/y/x\"", "\"/y/[b]\"", "\"/[a]/x\""].iter().map(|id| a.js.find(id).unwrap()).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", a.js);
    }

    #[test]
    fn bad_names_and_clashes_are_errors() {
        let manifest = manifest(&files(&["about.egh", "about/index.egh", "[id].egh", "[slug].egh", "[a-b].egh", "x[y].egh"]));
        let found: Vec<(&str, &str)> = manifest.diagnostics.iter().map(|(file, d)| (file.as_str(), d.code.as_ref())).collect();
        assert_eq!(found, [("[a-b].egh", "E0505"), ("x[y].egh", "E0505"), ("about/index.egh", "E0506"), ("[slug].egh", "E0506")]);
        assert!(manifest.js.contains("\"/about\""));
        assert!(!manifest.js.contains("slug"));
    }

    #[test]
    fn route_files_are_the_components_under_routes() {
        let sources: Vec<PathBuf> = ["App.egh", "routes/index.egh", "routes/users/[id].egh", "routes/data.json", "routing/x.egh"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(route_files(&sources), ["index.egh", "users/[id].egh"]);
        let manifest = for_sources(&[PathBuf::from("routes/[a-b].egh")]).unwrap();
        assert_eq!(manifest.diagnostics[0].0, "routes/[a-b].egh");
        assert!(for_sources(&[PathBuf::from("App.egh")]).is_none());
    }
}
