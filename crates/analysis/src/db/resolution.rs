//! What a file's import and image specifiers name in the project: relative paths resolved as
//! TypeScript resolves them (imports) or exactly (images), through a lookup kept per path;
//! bare specifiers through the layout's `Packages`; and what a compiled module writes for them.

use std::collections::BTreeMap;

use eghact_codegen as codegen;
use eghact_semantics as semantics;

use super::file::{image_specifiers, import_specifiers, outline};
use super::inputs::{SourceFile, Workspace};

/// What an import specifier names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// Another component of the project.
    Component(SourceFile),
    /// A non-component file of the project (`.ts`, `.js`, `.json`, an asset).
    File(String),
    /// The framework (`eghact`, `@eghact/store`, …), served by the runtime.
    Framework,
    /// A bare specifier (`date-fns`) of a package installed in `node_modules`: written as the
    /// module a build pre-bundles it into (`codegen::dependency_output`).
    Package,
    /// A bare specifier that names no installed package, and why.
    MissingPackage(String),
    /// An absolute URL (`https://…`).
    Url,
    /// A relative path that names no file of the project.
    Missing(String),
}

#[salsa::interned(debug)]
pub struct FilePath<'db> {
    #[returns(ref)]
    pub path: String,
}

/// The file at a project path. Kept per path so that adding or removing one file re-runs
/// this cheap lookup for every path, and nothing that depends on an unchanged answer.
#[salsa::tracked(returns(copy))]
pub fn file_at<'db>(db: &'db dyn salsa::Database, path: FilePath<'db>) -> Option<SourceFile> {
    Workspace::get(db).files(db).get(path.path(db)).copied()
}

#[salsa::tracked(returns(ref))]
pub fn resolve(db: &dyn salsa::Database, file: SourceFile) -> Vec<(String, Resolution)> {
    import_specifiers(db, file).iter().map(|specifier| (specifier.clone(), resolve_specifier(db, file, specifier))).collect()
}

/// What `specifier`, imported by `file`, names. A relative path may leave out the extension
/// (`./types` for `types.ts` or `types.d.ts`) or name the JavaScript a TypeScript file becomes
/// (`./x.js` for `x.ts`, `./x.mjs` for `x.mts`), as TypeScript resolves them.
pub fn resolve_specifier(db: &dyn salsa::Database, file: SourceFile, specifier: &str) -> Resolution {
    match specifier {
        s if codegen::is_framework_module(s) => Resolution::Framework,
        s if s.contains("://") => Resolution::Url,
        s if s.starts_with("./") || s.starts_with("../") || s.starts_with('/') => {
            let target = join_relative(file.path(db), s, &Workspace::get(db).layout(db).src);
            let mut candidates = vec![target.clone()];
            if let Some(stem) = target.strip_suffix(".js") {
                candidates.extend([format!("{stem}.ts"), format!("{stem}.d.ts")]);
            }
            if let Some(stem) = target.strip_suffix(".mjs") {
                candidates.push(format!("{stem}.mts"));
            }
            for suffix in [".ts", ".js", ".d.ts", "/index.ts", "/index.js"] {
                candidates.push(format!("{target}{suffix}"));
            }
            let found = candidates.into_iter().find_map(|path| file_at(db, FilePath::new(db, path.clone())).map(|f| (path, f)));
            match found {
                Some((path, found)) if path.ends_with(".egh") => Resolution::Component(found),
                Some((path, _)) => Resolution::File(path),
                None => Resolution::Missing(target),
            }
        }
        s => {
            let path = file.path(db);
            let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
            match Workspace::get(db).layout(db).packages.resolve(folder, s) {
                Ok(_) => Resolution::Package,
                Err(why) => Resolution::MissingPackage(why),
            }
        }
    }
}

/// What each import of `file` that names a file of the project or a package is written as in
/// its compiled module: the URL of that file's output from this one's (`./util` → `./util.js`,
/// `../Card.egh` → `../Card.js`), or of the package's pre-bundled module (`date-fns` →
/// `./eghact-deps/date-fns.js`). Other specifiers are not listed.
pub fn output_specifiers(db: &dyn salsa::Database, file: SourceFile) -> BTreeMap<String, String> {
    let from = file.path(db);
    let src = &Workspace::get(db).layout(db).src;
    resolve(db, file)
        .iter()
        .filter_map(|(specifier, resolution)| {
            let target = match resolution {
                Resolution::Component(target) => target.path(db).strip_suffix(".egh").map(|stem| format!("{stem}.js"))?,
                Resolution::File(path) => codegen::module_output(path)?,
                // The output folder mirrors the source folder: its top is the source folder's.
                Resolution::Package => format!("{src}/{}", codegen::dependency_output(specifier)),
                _ => return None,
            };
            Some((specifier.clone(), relative_url(from, &target)))
        })
        .collect()
}

/// The bare specifiers of installed packages that the project's files import, sorted: what a
/// build pre-bundles.
#[salsa::tracked(returns(ref))]
pub fn imported_packages(db: &dyn salsa::Database) -> Vec<String> {
    let files = Workspace::get(db).files(db);
    let mut packages: Vec<String> = files
        .values()
        .flat_map(|file| resolve(db, *file).iter())
        .filter(|(_, resolution)| *resolution == Resolution::Package)
        .map(|(specifier, _)| specifier.clone())
        .collect();
    packages.sort();
    packages.dedup();
    packages
}

/// The URL of the file `to` from the file `from` (both project paths): `./b.js`, `../x/b.js`.
fn relative_url(from: &str, to: &str) -> String {
    let from_folder: Vec<&str> = from.split('/').collect::<Vec<_>>().split_last().map_or(Vec::new(), |(_, dir)| dir.to_vec());
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_folder.iter().zip(&to_parts).take_while(|(a, b)| a == b).count();
    let up = from_folder.len() - common;
    let rest = to_parts[common..].join("/");
    match up {
        0 => format!("./{rest}"),
        up => format!("{}{rest}", "../".repeat(up)),
    }
}

/// `specifier` resolved against the folder of `from`; `/…` is relative to the source folder.
fn join_relative(from: &str, specifier: &str, src: &str) -> String {
    let mut parts: Vec<&str> = match specifier.strip_prefix('/') {
        Some(_) => src.split('/').filter(|p| !p.is_empty() && *p != ".").collect(),
        None => from.split('/').collect::<Vec<_>>().split_last().map_or(Vec::new(), |(_, dir)| dir.to_vec()),
    };
    for part in specifier.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

/// What each image specifier of a component names: [`Resolution::File`] or
/// [`Resolution::Missing`]. Unlike imports, the path is taken exactly as written.
#[salsa::tracked(returns(ref))]
pub fn resolve_images(db: &dyn salsa::Database, file: SourceFile) -> Vec<(String, Resolution)> {
    let src = &Workspace::get(db).layout(db).src;
    image_specifiers(db, file)
        .iter()
        .map(|specifier| {
            let target = join_relative(file.path(db), specifier, src);
            let resolution = match file_at(db, FilePath::new(db, target.clone())) {
                Some(_) => Resolution::File(target),
                None => Resolution::Missing(target),
            };
            (specifier.clone(), resolution)
        })
        .collect()
}

/// What `import` of `file` names. Type-only imports are not resolved for the build (they
/// are erased); they are looked up here.
pub(super) fn import_resolution(db: &dyn salsa::Database, file: SourceFile, import: &semantics::Import) -> Option<Resolution> {
    match import.type_only {
        false => resolve(db, file).iter().find(|(s, _)| *s == import.specifier).map(|(_, r)| r.clone()),
        true => Some(resolve_specifier(db, file, &import.specifier)),
    }
}

/// The components `file` imports, by local name (`import Card from './Card.egh'`).
pub fn imported_components(db: &dyn salsa::Database, file: SourceFile) -> BTreeMap<String, SourceFile> {
    outline(db, file)
        .imports
        .iter()
        .filter_map(|import| match (import_resolution(db, file, import)?, &import.default_name) {
            (Resolution::Component(child), Some(name)) => Some((name.clone(), child)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_specifiers_join_against_the_importing_folder() {
        assert_eq!(join_relative("src/a/B.egh", "./C.egh", "src"), "src/a/C.egh");
        assert_eq!(join_relative("src/a/B.egh", "../x/C.egh", "src"), "src/x/C.egh");
        assert_eq!(join_relative("src/a/B.egh", "/lib/C.egh", "src"), "src/lib/C.egh");
    }

    #[test]
    fn output_urls_are_relative_to_the_importing_folder() {
        assert_eq!(relative_url("src/App.egh", "src/util.js"), "./util.js");
        assert_eq!(relative_url("src/a/B.egh", "src/x/c.js"), "../x/c.js");
        assert_eq!(relative_url("src/a/B.ts", "src/a/d/e.js"), "./d/e.js");
    }
}
