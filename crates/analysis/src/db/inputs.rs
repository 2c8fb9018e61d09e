//! The inputs of the database: the project's files (`SourceFile`, its text when it has one) and
//! the `Workspace` singleton (the file set and the `Layout`). Everything else is derived from them;
//! they are written only by the host.

use std::collections::BTreeMap;
use std::sync::Arc;

use eghact_codegen::css::CssOptions;
use eghact_codegen::{CompileOptions, RUNTIME_FILE};

use super::packages::Packages;

/// One file under the project's source folder. Components and script modules carry their
/// text (see [`has_text`](crate::paths::has_text)); other files (assets) are known by path,
/// for import resolution.
#[salsa::input(debug)]
pub struct SourceFile {
    /// Relative to the project root, with `/` separators (`src/lib/Card.egh`).
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
}

/// The project: its file set and how it is laid out. One per database.
#[salsa::input(singleton, debug)]
pub struct Workspace {
    /// Every file of the source folder by path.
    #[returns(ref)]
    pub files: Arc<BTreeMap<String, SourceFile>>,
    #[returns(ref)]
    pub layout: Layout,
}

/// Where sources and outputs live, relative to the project root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Layout {
    /// The source folder (`src`).
    pub src: String,
    /// The source folder as seen from the output folder (`../src` for `dist`).
    pub src_from_out: String,
    /// The npm packages imports may name (none by default).
    pub packages: Packages,
    /// How components' styles are printed (readable, no targets, by default; a bundle's
    /// per-module build minifies for its targets).
    pub css: CssOptions,
    /// What the project's `tsconfig.json` asks of the type checker.
    pub types: eghact_semantics::types::TypeSettings,
}

impl Layout {
    /// The path of `path` inside the source folder (`lib/Card.egh` for `src/lib/Card.egh`).
    pub fn in_src<'p>(&self, path: &'p str) -> &'p str {
        if self.src.is_empty() || self.src == "." {
            return path;
        }
        path.strip_prefix(self.src.as_str()).and_then(|p| p.strip_prefix('/')).unwrap_or(path)
    }

    /// How the compiled module of `path` imports the runtime and names its source (without
    /// images: a build adds those it processed).
    pub fn compile_options(&self, path: &str) -> CompileOptions {
        let relative = self.in_src(path);
        let up = "../".repeat(relative.matches('/').count());
        CompileOptions {
            runtime_import: self.out_url(path, RUNTIME_FILE),
            source_map_source: Some(format!("{up}{}/{relative}", self.src_from_out)),
            images: Default::default(),
            specifiers: Default::default(),
            css: self.css.clone(),
            hot: false,
        }
    }

    /// The URL of `target` (a path inside the output folder, such as `assets/a.webp`) from the
    /// compiled module of `path` and its stylesheet beside it.
    pub fn out_url(&self, path: &str, target: &str) -> String {
        match self.in_src(path).matches('/').count() {
            0 => format!("./{target}"),
            depth => format!("{}{target}", "../".repeat(depth)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_options_follow_the_folder_depth() {
        let layout = Layout { src: "src".into(), src_from_out: "../src".into(), ..Layout::default() };
        let options = layout.compile_options("src/lib/Card.egh");
        assert_eq!(options.runtime_import, "../eghact-runtime.js");
        assert_eq!(options.source_map_source.as_deref(), Some("../../src/lib/Card.egh"));
        assert_eq!(layout.out_url("src/lib/Card.egh", "assets/a.webp"), "../assets/a.webp");
        assert_eq!(layout.out_url("src/App.egh", "assets/a.webp"), "./assets/a.webp");
    }
}
