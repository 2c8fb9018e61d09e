//! The Rolldown plugin that feeds it the engine's modules: the page's scripts as entries, the
//! page's imports mapped onto the per-module build (`./dist/App.js` and `./src/App.egh` alike
//! name `App.js` of the staging folder), and every compiled module loaded with its source map,
//! so that the chunks' maps lead back to `.egh` lines. Components and the runtime have no side
//! effects at module level: what nothing uses is left out. A chunk's hash covers the styles of
//! its components, which go to the stylesheet beside it.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::anyhow;
use eghact_builder::output::{component_outputs, module_outputs};
use eghact_codegen::DEPENDENCIES_DIR;
use rolldown_common::RollupRenderedChunk;
use rolldown_common::side_effects::HookSideEffects;
use rolldown_plugin::{
    HookAugmentChunkHashReturn, HookLoadArgs, HookLoadOutput, HookLoadReturn, HookResolveIdArgs, HookResolveIdOutput,
    HookResolveIdReturn, HookUsage, Plugin, PluginContext, SharedLoadPluginContext,
};
use rolldown_sourcemap::SourceMap;

/// Ids of the page's module scripts: `\0eghact:entry/0`, … (`\0` keeps other plugins and
/// Rolldown's resolver away from them).
pub const ENTRY: &str = "\0eghact:entry/";

/// What a script module of the per-module build may be compiled from, in the order the build
/// prefers them (`output::collisions`).
const MODULE_EXTENSIONS: [&str; 6] = ["js", "mjs", "cjs", "ts", "mts", "cts"];

#[derive(Debug)]
pub struct EghactPlugin {
    /// The project root, which the page's URLs start from.
    root: PathBuf,
    /// The output folder as the page names it (`./dist/App.js`).
    out: PathBuf,
    src: PathBuf,
    /// The per-module build the bundle reads.
    modules: PathBuf,
    runtime: PathBuf,
    /// The code of each module script of the page.
    entries: Vec<String>,
    /// The stylesheet of each component module read so far, by module id.
    styles: Mutex<HashMap<String, Option<Arc<str>>>>,
    /// Imports of the page that name no file of the build: the script's index and the message.
    page_problems: Mutex<Vec<(usize, String)>>,
    /// Every file the bundle read (modules, their maps and styles), for the bundle record.
    files_read: Mutex<BTreeSet<PathBuf>>,
}

impl EghactPlugin {
    pub fn new(root: PathBuf, out: PathBuf, src: PathBuf, modules: PathBuf, entries: Vec<String>) -> Self {
        let runtime = modules.join(eghact_codegen::RUNTIME_FILE);
        Self {
            root,
            out,
            src,
            modules,
            runtime,
            entries,
            styles: Mutex::default(),
            page_problems: Mutex::default(),
            files_read: Mutex::default(),
        }
    }

    /// What a URL of the page names: a file of the project (`/x` and `./x` from its root), with
    /// outputs and sources mapped onto the per-module build; `None` for a bare specifier.
    fn page_target(&self, specifier: &str) -> Result<Option<PathBuf>, String> {
        let path = specifier.split(['?', '#']).next().unwrap_or_default();
        let relative = match path.strip_prefix('/') {
            Some(absolute) => absolute,
            None if path.starts_with("./") || path.starts_with("../") => path,
            None => return Ok(None),
        };
        let Some(target) = lexically_joined(&self.root, relative).filter(|target| target.starts_with(&self.root)) else {
            return Err(format!("`{specifier}` is outside the project"));
        };
        if let Ok(in_out) = target.strip_prefix(&self.out) {
            return Ok(Some(self.modules.join(in_out)));
        }
        if let Ok(in_src) = target.strip_prefix(&self.src) {
            let in_src = in_src.to_string_lossy().replace('\\', "/");
            let output = if in_src.ends_with(".egh") {
                Some(component_outputs(&in_src)[0].clone())
            } else {
                module_outputs(&in_src).map(|[js, _]| js)
            };
            return Ok(Some(self.modules.join(output.unwrap_or(in_src))));
        }
        Ok(Some(target))
    }

    /// The package a compiled module imports through its pre-bundled module
    /// (`./eghact-deps/date-fns.js` → `date-fns`), with the importer.
    fn prebundled_package<'a>(&self, args: &HookResolveIdArgs<'a>) -> Option<(&'a str, String)> {
        let importer = args.importer?;
        let folder = Path::new(importer).parent()?;
        if !folder.starts_with(&self.modules) || !args.specifier.starts_with('.') {
            return None;
        }
        let target = lexically_joined(folder, args.specifier)?;
        let entry = target.strip_prefix(self.modules.join(DEPENDENCIES_DIR)).ok()?.to_str()?.strip_suffix(".js")?;
        Some((importer, entry.replace("__", "/")))
    }

    /// The page's imports that name no file of the build, each once with the index of its script.
    pub fn page_problems(&self) -> Vec<(usize, String)> {
        std::mem::take(&mut *self.page_problems.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Every file the bundle read or looked for (modules, their maps and styles).
    pub fn files_read(&self) -> BTreeSet<PathBuf> {
        self.files_read.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    fn read(&self, path: PathBuf) {
        self.files_read.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(path);
    }

    /// The component whose module is `id`, by its stylesheet beside it in the per-module build.
    pub fn style_of(&self, id: &str) -> Option<Arc<str>> {
        let mut styles = self.styles.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        styles
            .entry(id.to_string())
            .or_insert_with(|| {
                let path = Path::new(id);
                if !path.starts_with(&self.modules) || !self.is_component(path) {
                    return None;
                }
                let stylesheet = path.with_extension("css");
                self.read(stylesheet.clone());
                std::fs::read_to_string(stylesheet).ok().filter(|css| !css.is_empty()).map(Arc::from)
            })
            .clone()
    }

    /// A module of the per-module build compiled from a component (`App.js` from `App.egh`).
    fn is_component(&self, module: &Path) -> bool {
        module.strip_prefix(&self.modules).is_ok_and(|relative| self.src.join(relative).with_extension("egh").is_file())
    }

    /// The project file a module id comes from: the source of a compiled module, the file
    /// itself otherwise, relative to the project root.
    pub fn source_of(&self, id: &str) -> String {
        let path = Path::new(id);
        let shown = match path.strip_prefix(&self.modules) {
            Ok(relative) if self.is_component(path) => self.src.join(relative).with_extension("egh"),
            // A script module's source has one of these extensions; the build's own files none.
            Ok(relative) => MODULE_EXTENSIONS
                .iter()
                .map(|extension| self.src.join(relative).with_extension(extension))
                .find(|source| source.is_file())
                .unwrap_or_else(|| relative.to_path_buf()),
            Err(_) => path.to_path_buf(),
        };
        match shown.strip_prefix(&self.root) {
            Ok(relative) => relative.to_string_lossy().replace('\\', "/"),
            Err(_) if id.starts_with(ENTRY) => "index.html".into(),
            Err(_) => shown.to_string_lossy().into_owned(),
        }
    }
}

/// The absolute `folder` joined with `relative`, `.` and `..` worked out; `None` for a path
/// that is not relative.
fn lexically_joined(folder: &Path, relative: &str) -> Option<PathBuf> {
    let mut joined = folder.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(part) => joined.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                joined.pop();
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(joined)
}

/// `code` without its last line when that is a `sourceMappingURL` comment (the map is given
/// to Rolldown directly).
fn without_map_comment(code: &str) -> &str {
    let trimmed = code.trim_end();
    match trimmed.rfind('\n') {
        Some(start) if trimmed[start + 1..].starts_with("//# sourceMappingURL=") => &code[..start + 1],
        _ => code,
    }
}

impl Plugin for EghactPlugin {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("eghact")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::ResolveId | HookUsage::Load | HookUsage::AugmentChunkHash
    }

    async fn resolve_id(&self, ctx: &PluginContext, args: &HookResolveIdArgs<'_>) -> HookResolveIdReturn {
        if args.specifier.starts_with(ENTRY) {
            return Ok(Some(HookResolveIdOutput::from_id(args.specifier)));
        }
        if let Some((importer, package)) = self.prebundled_package(args) {
            // The per-module build imports packages from their pre-bundled modules, which a
            // bundle does without: it resolves them itself, so they tree-shake and split.
            return match ctx.resolve(&package, Some(importer), None).await? {
                Ok(resolved) => Ok(Some(HookResolveIdOutput::from_resolved_id(resolved))),
                Err(error) => Err(anyhow!("cannot resolve the package `{package}`: {error}")),
            };
        }
        let Some(script) = args.importer.and_then(|importer| importer.strip_prefix(ENTRY)) else { return Ok(None) };
        let problem = match self.page_target(args.specifier) {
            Ok(None) => return Ok(None),
            Ok(Some(target)) if target.is_file() => {
                return Ok(Some(HookResolveIdOutput::from_id(target.to_string_lossy().into_owned())));
            }
            Ok(Some(_)) => format!("`{}` names no file of the project or its build", args.specifier),
            Err(problem) => problem,
        };
        // Reported by the bundle at the script's place in the page; Rolldown stops on the import.
        let index = script.parse().unwrap_or_default();
        self.page_problems.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push((index, problem.clone()));
        Err(anyhow!("index.html: {problem}"))
    }

    async fn load(&self, _ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
        if let Some(index) = args.id.strip_prefix(ENTRY) {
            let code = index.parse::<usize>().ok().and_then(|index| self.entries.get(index));
            return Ok(code.map(|code| HookLoadOutput { code: code.as_str().into(), ..Default::default() }));
        }
        let path = Path::new(args.id);
        if path.is_absolute() {
            // Loaded here or by Rolldown from the file system: an input of the bundle either way.
            self.read(path.to_path_buf());
        }
        let compiled = path.starts_with(&self.modules) && path.extension().is_some_and(|e| e == "js" || e == "mjs");
        if !compiled {
            return Ok(None);
        }
        let code = std::fs::read_to_string(path)?;
        let map_path = PathBuf::from(format!("{}.map", args.id));
        self.read(map_path.clone());
        let map = match std::fs::read_to_string(&map_path) {
            Ok(json) => {
                let mut parsed: rolldown_sourcemap::JSONSourceMap =
                    serde_json::from_str(&json).map_err(|e| anyhow!("{}: {e}", map_path.display()))?;
                // Sources are relative to the module; Rolldown makes absolute ones relative to each chunk.
                let folder = path.parent().unwrap_or(path);
                for source in &mut parsed.sources {
                    if let Some(absolute) = lexically_joined(folder, source) {
                        *source = absolute.to_string_lossy().into_owned();
                    }
                }
                Some(SourceMap::from_json(parsed).map_err(|e| anyhow!("{}: {e}", map_path.display()))?)
            }
            Err(_) => None,
        };
        let pure = path == self.runtime || self.is_component(path);
        Ok(Some(HookLoadOutput {
            code: without_map_comment(&code).into(),
            map,
            side_effects: pure.then_some(HookSideEffects::False),
            module_type: None,
        }))
    }

    async fn augment_chunk_hash(&self, _ctx: &PluginContext, chunk: Arc<RollupRenderedChunk>) -> HookAugmentChunkHashReturn {
        let mut hasher = blake3::Hasher::new();
        let mut styled = false;
        for id in &chunk.modules.keys {
            // Styles only: a module's id is an absolute path, which a hash must not depend on.
            if let Some(css) = self.style_of(id.as_str()) {
                hasher.update(css.as_bytes());
                styled = true;
            }
        }
        Ok(styled.then(|| hasher.finalize().to_hex()[..16].to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin() -> EghactPlugin {
        EghactPlugin::new("/p".into(), "/p/dist".into(), "/p/src".into(), "/p/.eghact/bundle/modules".into(), Vec::new())
    }

    #[test]
    fn page_urls_name_the_per_module_build() {
        let plugin = plugin();
        let target = |url| plugin.page_target(url).unwrap().map(|p| p.display().to_string());
        assert_eq!(target("./dist/App.js").as_deref(), Some("/p/.eghact/bundle/modules/App.js"));
        assert_eq!(target("/dist/eghact-routes.js").as_deref(), Some("/p/.eghact/bundle/modules/eghact-routes.js"));
        assert_eq!(target("./src/ui/Card.egh").as_deref(), Some("/p/.eghact/bundle/modules/ui/Card.js"));
        assert_eq!(target("./src/main.ts?v=1").as_deref(), Some("/p/.eghact/bundle/modules/main.js"));
        assert_eq!(target("./lib/x.js").as_deref(), Some("/p/lib/x.js"));
        assert_eq!(target("date-fns"), None);
        assert_eq!(plugin.page_target("../outside.js"), Err("`../outside.js` is outside the project".to_string()));
        assert!(plugin.page_target("/dist/../../etc/passwd").is_err());
    }

    #[test]
    fn only_a_trailing_source_map_comment_is_dropped() {
        assert_eq!(without_map_comment("a();\n//# sourceMappingURL=a.js.map\n"), "a();\n");
        assert_eq!(without_map_comment("a();\n"), "a();\n");
        assert_eq!(without_map_comment("//# sourceMappingURL=x\na();\n"), "//# sourceMappingURL=x\na();\n");
    }
}
