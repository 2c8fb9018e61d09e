//! A project on disk: its `eghact.toml`, the places it names (source, output and cache
//! folders), its source files, and atomic writes (a temporary file renamed, so a reader never
//! sees half a file).
//!
//! Invariants: a [`Project`] exists only when its places keep the rules of E0701–E0706 (see
//! `docs/diagnostics.md`): what `eghact.toml` names (`src`, `out`, `[cache] dir`) lies inside the
//! project as written and with symbolic links resolved; the output folder overlaps neither the
//! sources nor the project's own files (`eghact.toml`, `.eghact/`, the cache), also when the user
//! chose it (`--out`). Only the user names places outside the project. A section the builder
//! leaves to a higher crate (`[remote]`) is read there with [`Project::section`], its paths
//! checked by the same rules with [`Project::path_in_project`]. Listing the sources follows no
//! link out of the project and skips names that are not UTF-8, each with a coded warning.

use std::ffi::OsString;
use std::fs;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::cache::CacheConfig;
use crate::files::rule;
pub(crate) use crate::files::write_atomic_with_mode;
pub use crate::files::{ProjectError, read_regular_file, write_atomic};
use crate::output::OutputFolder;
use eghact_analysis::paths::{relative_to, slash_path};
use eghact_codegen::css::CssOptions;
use eghact_semantics::assets::AssetOptions;
use eghact_syntax::diagnostics::{Diagnostic, Span, render};

pub const CONFIG_FILE: &str = "eghact.toml";
/// The project's working folder: the build record and, by default, the disk cache.
pub const WORK_DIR: &str = ".eghact";

/// A diagnostic about a path rather than a component's text: a source file that is skipped, an
/// entry of the build record that is dropped. `path` is relative to the project root.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PathDiagnostic {
    pub path: String,
    pub diagnostic: Diagnostic,
}

/// `eghact.toml`; every key is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Source folder, relative to the project root (inside it, and not the root itself).
    pub src: PathBuf,
    /// Output folder, relative to the project root (inside it); absolute when `--out` chose it.
    pub out: PathBuf,
    pub cache: CacheSettings,
    /// What referenced images become, when the build has an image processor.
    pub assets: AssetOptions,
    /// `[remote]`, accepted here unread: `eghact-remote` reads it through [`Project::section`].
    #[serde(rename = "remote")]
    _remote: IgnoredAny,
    /// `[bundle]`, accepted here unread: `eghact-bundle` reads it through [`Project::section`].
    #[serde(rename = "bundle")]
    _bundle: IgnoredAny,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            src: "src".into(),
            out: "dist".into(),
            cache: CacheSettings::default(),
            assets: AssetOptions::default(),
            _remote: IgnoredAny,
            _bundle: IgnoredAny,
        }
    }
}

/// `[cache]` of `eghact.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheSettings {
    /// The disk cache folder, relative to the project root (inside it); `.eghact/cache` by
    /// default. A cache shared by projects comes from the user (`--cache-dir`,
    /// `EGHACT_CACHE_DIR`), never from a project: [`Project::cache_dir`] is the one in use.
    pub dir: Option<PathBuf>,
    /// Bound of the disk cache in MiB (1024 by default).
    pub max_size_mb: Option<u64>,
    /// Entries unused for this many days are removed (30 by default).
    pub max_age_days: Option<u64>,
    /// Environment variables whose values are part of every cache key.
    pub env: Vec<String>,
}

/// Places the user names for one run, which take precedence over `eghact.toml`: they may lie
/// outside the project (an output folder elsewhere, a cache shared by projects).
#[derive(Clone, Debug, Default)]
pub struct UserPlaces {
    /// `--out`.
    pub out: Option<PathBuf>,
    /// `--cache-dir`, else `EGHACT_CACHE_DIR`.
    pub cache_dir: Option<PathBuf>,
}

/// Who named a place, for the diagnostic that blames it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// A default, or a folder every project has.
    Default,
    /// A value of `eghact.toml`, by its keys.
    Setting(&'static [&'static str]),
    /// A command-line flag (or its environment variable).
    User(&'static str),
}

impl Origin {
    /// How deliberate the choice was: the user's last, then the project's, then a default.
    fn rank(self) -> u8 {
        match self {
            Origin::Default => 0,
            Origin::Setting(_) => 1,
            Origin::User(_) => 2,
        }
    }
}

/// A folder the project uses: where it is as written, and as the system resolves it.
#[derive(Clone, Debug)]
struct Place {
    /// Absolute, without `.` and `..`.
    path: PathBuf,
    /// `path` with the symbolic links of its existing part resolved.
    physical: PathBuf,
    origin: Origin,
}

impl Place {
    fn overlaps(&self, other: &Place) -> bool {
        self.physical.starts_with(&other.physical) || other.physical.starts_with(&self.physical)
    }

    /// The one to blame when two places collide: what the user chose, then what the project
    /// configured, then a default.
    fn blamed<'a>(&'a self, other: &'a Place) -> &'a Place {
        if other.origin.rank() > self.origin.rank() { other } else { self }
    }
}

#[derive(Clone, Debug)]
struct Places {
    /// The project root as the system resolves it.
    root: PathBuf,
    src: Place,
    out: Place,
    /// `.eghact/`, with the build record.
    work: Place,
    cache: Place,
}

#[derive(Clone)]
pub struct Project {
    /// Absolute.
    pub root: PathBuf,
    pub config: Config,
    /// The text of `eghact.toml` (empty without one), for diagnostics that point into it.
    config_text: String,
    places: Places,
    /// How components' styles are printed (`with_css`).
    css: CssOptions,
}

impl Project {
    /// The project at `root` with the places its `eghact.toml` names.
    pub fn open(root: &Path) -> Result<Self, ProjectError> {
        Self::open_with(root, &UserPlaces::default())
    }

    /// The project at `root`, with `user`'s places instead of those of `eghact.toml`.
    pub fn open_with(root: &Path, user: &UserPlaces) -> Result<Self, ProjectError> {
        let root = std::path::absolute(root).map_err(|source| ProjectError::Read { path: root.to_path_buf(), source })?;
        let config_path = root.join(CONFIG_FILE);
        let config_text = match fs::read_to_string(&config_path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(ProjectError::Read { path: config_path, source }),
        };
        let physical_root = physical(&root).map_err(|source| ProjectError::Read { path: root.clone(), source })?;
        let at_root = |path: PathBuf, origin| Place { physical: physical_root.join(&path), path: root.join(path), origin };
        // Placeholders until the configuration is read: errors below need a `Project` to render.
        let mut project = Self {
            config: Config::default(),
            config_text,
            places: Places {
                src: at_root("src".into(), Origin::Default),
                out: at_root("dist".into(), Origin::Default),
                work: at_root(WORK_DIR.into(), Origin::Default),
                cache: at_root(crate::cache::DEFAULT_DIR.into(), Origin::Default),
                root: physical_root,
            },
            root,
            css: CssOptions::default(),
        };
        let mut config: Config = toml::from_str(&project.config_text).map_err(|error| project.invalid_config(&error))?;
        config.assets = config.assets.validated().map_err(|message| {
            project.setting_error(
                &["assets"],
                Diagnostic::error("E0708", format!("invalid {CONFIG_FILE}: {message}"), Span::default()),
            )
        })?;

        // Each place: where the user put it, else where the project does (inside it), else the default.
        let src = project.inside(&["src"], &config.src, "name a folder inside the project, such as `src`")?;
        project.places.src = project.place(&src, project.origin_of(&["src"]))?;
        config.src = src;
        project.places.work = project.place(Path::new(WORK_DIR), Origin::Default)?;
        project.places.out = match &user.out {
            Some(out) => {
                let place = project.user_place(out, "--out")?;
                config.out = place.path.clone();
                place
            }
            None => {
                let help = "name a folder inside the project, such as `dist`; `eghact build --out DIR` writes elsewhere";
                let out = project.inside(&["out"], &config.out, help)?;
                let place = project.place(&out, project.origin_of(&["out"]))?;
                config.out = out;
                place
            }
        };
        project.places.cache = match (&user.cache_dir, &config.cache.dir) {
            (Some(dir), _) => {
                let place = project.user_place(dir, "--cache-dir")?;
                config.cache.dir = Some(place.path.clone());
                place
            }
            (None, Some(dir)) => {
                let help = "name a folder inside the project; a cache shared by projects is the user's choice: `--cache-dir DIR` or `EGHACT_CACHE_DIR`";
                let dir = project.inside(&["cache", "dir"], dir, help)?;
                let place = project.place(&dir, Origin::Setting(&["cache", "dir"]))?;
                config.cache.dir = Some(dir);
                place
            }
            (None, None) => project.place(Path::new(crate::cache::DEFAULT_DIR), Origin::Default)?,
        };
        project.config = config;
        project.check_overlaps()?;
        Ok(project)
    }

    /// A setting of `eghact.toml` when it is written there, else a default.
    fn origin_of(&self, keys: &'static [&'static str]) -> Origin {
        match setting_span(&self.config_text, keys) {
            Some(_) => Origin::Setting(keys),
            None => Origin::Default,
        }
    }

    /// The table `name` of `eghact.toml` read into `T`, `T::default()` when the file has none:
    /// how a higher crate reads the section the builder leaves to it (`[remote]`). An error is
    /// E0708 at the offending key or value, as for the builder's own settings.
    pub fn section<T: DeserializeOwned + Default>(&self, name: &str) -> Result<T, ProjectError> {
        let document = toml::Deserializer::parse(&self.config_text).map_err(|error| self.invalid_config(&error))?;
        let section = Section { name, read: std::marker::PhantomData };
        Ok(section.deserialize(document).map_err(|error| self.invalid_config(&error))?.unwrap_or_default())
    }

    /// `value` of a path setting of a higher crate's section (at `keys`, such as `["remote",
    /// "ca_cert"]`) relative to the project root with `.` and `..` worked out, once checked to lie
    /// inside the project as written (E0701, with `help` on what to do instead) and with its
    /// symbolic links resolved (E0702), as the builder's own places are.
    pub fn path_in_project(&self, keys: &'static [&'static str], value: &Path, help: &str) -> Result<PathBuf, ProjectError> {
        let relative = self.inside(keys, value, help)?;
        self.place(&relative, Origin::Setting(keys))?;
        Ok(relative)
    }

    pub fn src_dir(&self) -> PathBuf {
        self.places.src.path.clone()
    }

    pub fn out_dir(&self) -> PathBuf {
        self.places.out.path.clone()
    }

    /// The disk cache folder in use: the user's, the project's, or the default.
    pub fn cache_dir(&self) -> &Path {
        &self.places.cache.path
    }

    /// `.eghact/`, which holds the build record.
    pub fn work_dir(&self) -> &Path {
        &self.places.work.path
    }

    /// The same project building into `.eghact/<name>/modules`, with its own build record in
    /// `.eghact/<name>/`: the per-module build a production bundle reads (`name` is a plain
    /// folder name chosen by the caller). It shares the cache, so a bundle after a build
    /// compiles nothing, and leaves the output folder and its record alone.
    pub fn staging(&self, name: &str) -> Result<Project, ProjectError> {
        let work = Path::new(WORK_DIR).join(name);
        let mut places = self.places.clone();
        places.work = self.place(&work, Origin::Default)?;
        places.out = self.place(&work.join("modules"), Origin::Default)?;
        let mut config = self.config.clone();
        config.out = work.join("modules");
        Ok(Project { root: self.root.clone(), config, config_text: self.config_text.clone(), places, css: self.css.clone() })
    }

    /// This project with components' styles printed as `css` says (a bundle's targets and
    /// minification); the options are part of every component's key.
    pub fn with_css(mut self, css: CssOptions) -> Project {
        self.css = css;
        self
    }

    /// The output folder, the only way to name a file in it.
    pub fn output(&self) -> OutputFolder {
        OutputFolder::new(self.places.out.path.clone(), self.places.out.physical.clone())
    }

    /// How the database sees this project's folders.
    pub fn layout(&self) -> eghact_analysis::db::Layout {
        eghact_analysis::db::Layout {
            src: slash_path(&self.config.src),
            src_from_out: slash_path(&self.src_from_out()),
            packages: eghact_analysis::db::Packages::at(&self.root),
            css: self.css.clone(),
            types: eghact_analysis::db::type_settings(&self.root),
        }
    }

    /// The source folder as seen from the output folder (`../src` for `dist`).
    pub fn src_from_out(&self) -> PathBuf {
        relative_to(&self.out_dir(), &self.src_dir())
    }

    /// Every file under the source folder, sorted, as paths relative to it; and what was
    /// skipped: links that lead out of the project (or into a folder the build writes), link
    /// cycles, names that are not UTF-8.
    pub fn source_files(&self) -> Result<SourceFiles, ProjectError> {
        let src = self.src_dir();
        if !src.is_dir() {
            let message = format!("the source folder `{}` does not exist", self.shown(&src));
            return Err(self.place_error(
                &self.places.src,
                Diagnostic::error("E0707", message, Span::default())
                    .with_help("create it, or name the folder that holds the components in `src` of eghact.toml"),
            ));
        }
        let mut skipped = Vec::new();
        let mut problems = Vec::new();
        let mut files = Vec::new();
        let walk = walkdir::WalkDir::new(&src).follow_links(true).sort_by_file_name().into_iter().filter_entry(|entry| {
            if entry.depth() == 0 {
                return true;
            }
            let problem = match entry.file_name().to_str() {
                None => Some(not_utf8()),
                Some(_) if entry.path_is_symlink() => self.link_problem(entry.path()),
                Some(_) => None,
            };
            match problem {
                Some(diagnostic) => {
                    skipped.push(PathDiagnostic { path: self.shown(entry.path()), diagnostic });
                    false
                }
                None => true,
            }
        });
        for entry in walk {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    let Some(path) = error.path().map(Path::to_path_buf) else {
                        return Err(ProjectError::Read { path: src, source: error.into() });
                    };
                    let diagnostic = if error.loop_ancestor().is_some() {
                        Diagnostic::warning(
                            "W0710",
                            "this symbolic link leads back into a folder that contains it; it is skipped",
                            Span::default(),
                        )
                    } else if path.is_symlink() {
                        Diagnostic::warning("W0709", "this symbolic link leads nowhere; it is skipped", Span::default())
                    } else {
                        return Err(ProjectError::Read { path, source: error.into() });
                    };
                    problems.push(PathDiagnostic { path: self.shown(&path), diagnostic });
                    continue;
                }
            };
            if entry.file_type().is_file() {
                if let Ok(relative) = entry.path().strip_prefix(&src) {
                    files.push(relative.to_path_buf());
                }
            }
        }
        skipped.extend(problems);
        Ok(SourceFiles { files, skipped })
    }

    /// Why the file at `path` (under the source folder) must not be read as a source, if it
    /// must not: a symbolic link on the way leads out of the project or into a folder the
    /// build writes. Sources are read through this check whether a full listing or a file
    /// watcher found them.
    pub fn source_problem(&self, path: &Path) -> Option<PathDiagnostic> {
        // A file that is gone is no problem, only a removal.
        fs::symlink_metadata(path).ok()?;
        let diagnostic = match path.file_name().map(|name| name.to_str().is_none()) {
            Some(true) => not_utf8(),
            _ => self.link_problem(path)?,
        };
        Some(PathDiagnostic { path: self.shown(path), diagnostic })
    }

    /// Why what `path` resolves to is no source: outside the project, in the output folder,
    /// `.eghact/` or the cache, or nowhere.
    fn link_problem(&self, path: &Path) -> Option<Diagnostic> {
        let target = match path.canonicalize() {
            Ok(target) => target,
            Err(_) => {
                return Some(Diagnostic::warning("W0709", "this symbolic link leads nowhere; it is skipped", Span::default()));
            }
        };
        let places = &self.places;
        let into = if !target.starts_with(&places.root) {
            "outside the project"
        } else if target.starts_with(&places.out.physical) {
            "into the output folder"
        } else if target.starts_with(&places.work.physical) || target.starts_with(&places.cache.physical) {
            "into the build's own files"
        } else {
            return None;
        };
        Some(
            Diagnostic::warning(
                "W0709",
                format!("this symbolic link leads {into} (to `{}`); it is skipped", target.display()),
                Span::default(),
            )
            .with_help("sources are read only from inside the project: copy the file into the source folder"),
        )
    }

    /// `value` of the setting at `keys` relative to the project root, with `.` and `..`
    /// worked out; an error, with `help`, when it is absolute or leaves the project.
    fn inside(&self, keys: &'static [&'static str], value: &Path, help: &str) -> Result<PathBuf, ProjectError> {
        within(value).ok_or_else(|| {
            let what = if value.has_root() { "an absolute path" } else { "`..` goes above the project root" };
            let message = format!("`{}` leaves the project", setting_name(keys));
            self.setting_error(keys, Diagnostic::error("E0701", message, Span::default()).with_label(what).with_help(help))
        })
    }

    /// The place at `relative` (inside the project as written): an error when a symbolic link
    /// on the way leads out of it, or nowhere.
    fn place(&self, relative: &Path, origin: Origin) -> Result<Place, ProjectError> {
        let path = self.root.join(relative);
        let name = match origin {
            Origin::Setting(keys) => format!("`{}`", setting_name(keys)),
            _ => format!("`{}`", self.shown(&path)),
        };
        let escape = |label: String| {
            let diagnostic =
                Diagnostic::error("E0702", format!("{name} leads outside the project through a symbolic link"), Span::default())
                    .with_label(label)
                    .with_help("a project's folders must lie inside it: replace the link by a folder");
            self.origin_error(origin, &path, diagnostic)
        };
        match physical(&path) {
            Ok(physical) if physical.starts_with(&self.places.root) => Ok(Place { path, physical, origin }),
            Ok(physical) => Err(escape(format!("resolves to `{}`", physical.display()))),
            Err(error) => Err(escape(format!("cannot be resolved: {error}"))),
        }
    }

    /// A place the user named: anywhere.
    fn user_place(&self, path: &Path, flag: &'static str) -> Result<Place, ProjectError> {
        let path = std::path::absolute(path).map_err(|source| ProjectError::Read { path: path.to_path_buf(), source })?;
        let path = normalised(&path);
        let physical = physical(&path).map_err(|source| ProjectError::Read { path: path.clone(), source })?;
        Ok(Place { path, physical, origin: Origin::User(flag) })
    }

    /// Rules 2 and 3: the output folder holds nothing of the project but outputs, and the
    /// sources hold none of the build's own files.
    fn check_overlaps(&self) -> Result<(), ProjectError> {
        let Places { root, src, out, work, cache } = &self.places;
        if src.physical == *root {
            let diagnostic = Diagnostic::error("E0703", "`src` is the project root", Span::default())
                .with_label("the output folder, eghact.toml and .eghact/ would be read as sources")
                .with_help("put the components in a folder of their own, such as `src`");
            return Err(self.place_error(src, diagnostic));
        }
        let out_name = self.shown(&out.path);
        let out_error = |label: String| {
            Diagnostic::error(
                "E0704",
                format!("the output folder `{out_name}` would overwrite the project's own files"),
                Span::default(),
            )
            .with_label(label)
            .with_help("choose an output folder of its own, such as `dist`")
        };
        if root.starts_with(&out.physical) {
            return Err(self.place_error(out, out_error(format!("it contains the project and its {CONFIG_FILE}"))));
        }
        for own in [work, cache] {
            if out.overlaps(own) {
                let label = format!("it overlaps `{}`", self.shown(&own.path));
                return Err(self.place_error(out.blamed(own), out_error(label)));
            }
        }
        if out.overlaps(src) {
            let label = match out.physical.starts_with(&src.physical) {
                true => format!("`{out_name}` is inside the source folder `{}`", self.shown(&src.path)),
                false => format!("the source folder `{}` is inside `{out_name}`", self.shown(&src.path)),
            };
            let diagnostic = Diagnostic::error("E0705", "the output folder and the source folder overlap", Span::default())
                .with_label(label)
                .with_help("outputs would replace sources and be read as sources by the next build: keep the two folders apart");
            return Err(self.place_error(out.blamed(src), diagnostic));
        }
        for own in [work, cache] {
            if src.overlaps(own) {
                let diagnostic = Diagnostic::error("E0706", "the source folder overlaps the build's own files", Span::default())
                    .with_label(format!("`{}` and `{}` overlap", self.shown(&src.path), self.shown(&own.path)))
                    .with_help("keep the cache and .eghact/ out of the source folder");
                return Err(self.place_error(src.blamed(own), diagnostic));
            }
        }
        Ok(())
    }

    /// `path` relative to the project root when it lies inside, else as it is.
    fn shown(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(relative) => slash_path(relative),
            Err(_) => path.display().to_string(),
        }
    }

    fn place_error(&self, place: &Place, diagnostic: Diagnostic) -> ProjectError {
        self.origin_error(place.origin, &place.path, diagnostic)
    }

    /// The error of `diagnostic` on a place, rendered where `origin` named it.
    fn origin_error(&self, origin: Origin, path: &Path, diagnostic: Diagnostic) -> ProjectError {
        match origin {
            Origin::Setting(keys) => self.setting_error(keys, diagnostic),
            Origin::User(flag) => {
                let message = format!("{} (`{flag} {}`)", diagnostic.message, path.display());
                let diagnostic = Diagnostic { message, ..diagnostic };
                rule(&render("", "", std::slice::from_ref(&diagnostic)), &diagnostic)
            }
            Origin::Default => ProjectError::at_path(path, diagnostic),
        }
    }

    /// The error of `diagnostic` on the value of the setting at `keys` of `eghact.toml`.
    fn setting_error(&self, keys: &[&str], diagnostic: Diagnostic) -> ProjectError {
        let span = setting_span(&self.config_text, keys).unwrap_or_default();
        self.error_at(span, diagnostic)
    }

    /// E0708 at the setting `keys` of a higher crate's section whose value it cannot use
    /// (`[bundle] targets` that match no browser), with `message` saying why.
    pub fn invalid_setting(&self, keys: &[&str], message: String) -> ProjectError {
        self.setting_error(keys, Diagnostic::error("E0708", format!("invalid {CONFIG_FILE}: {message}"), Span::default()))
    }

    /// E0708: `eghact.toml` is no TOML, or a key or value is not one the settings have.
    fn invalid_config(&self, error: &toml::de::Error) -> ProjectError {
        let span = error.span().map_or(Span::default(), |r| Span::new(r.start as u32, r.end as u32));
        self.error_at(span, Diagnostic::error("E0708", format!("invalid {CONFIG_FILE}: {}", error.message()), span))
    }

    fn error_at(&self, span: Span, diagnostic: Diagnostic) -> ProjectError {
        let path = self.root.join(CONFIG_FILE).display().to_string();
        let diagnostic = Diagnostic { span, ..diagnostic };
        rule(&render(&path, &self.config_text, std::slice::from_ref(&diagnostic)), &diagnostic)
    }
}

/// The files of the source folder, relative to it, and what was skipped.
#[derive(Debug, Default)]
pub struct SourceFiles {
    pub files: Vec<PathBuf>,
    pub skipped: Vec<PathDiagnostic>,
}

/// Reads the table `name` of a whole `eghact.toml` document, skipping the others, so that the
/// errors' spans point into the file as written.
struct Section<'a, T> {
    name: &'a str,
    read: std::marker::PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Section<'_, T> {
    type Value = Option<T>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Section<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a TOML document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let mut section = None;
        while let Some(key) = map.next_key::<String>()? {
            match key == self.name {
                true => section = Some(map.next_value()?),
                false => map.next_value::<IgnoredAny>().map(drop)?,
            }
        }
        Ok(section)
    }
}

/// W0510: names are paths in the build record, URLs and JavaScript identifiers; a lossy
/// conversion would merge two files into one.
fn not_utf8() -> Diagnostic {
    Diagnostic::warning("W0510", "this file name is not valid UTF-8; it is skipped", Span::default())
        .with_help("rename it: a file's name becomes its output's name, URLs and JavaScript identifiers")
}

/// `src`, `[cache] dir`…
fn setting_name(keys: &[&str]) -> String {
    match keys {
        [key] => key.to_string(),
        [table, key] => format!("[{table}] {key}"),
        _ => keys.join("."),
    }
}

/// Where the value of the setting at `keys` stands in the text of `eghact.toml`.
fn setting_span(text: &str, keys: &[&str]) -> Option<Span> {
    let document = toml::de::DeTable::parse(text).ok()?;
    let (first, rest) = keys.split_first()?;
    let mut value = document.get_ref().iter().find(|(key, _)| key.get_ref() == first)?.1;
    for key in rest {
        let toml::de::DeValue::Table(table) = value.get_ref() else { return None };
        value = table.iter().find(|(k, _)| k.get_ref() == key)?.1;
    }
    let range = value.span();
    Some(Span::new(range.start as u32, range.end as u32))
}

/// `path`, relative to the project root, with `.` and `..` worked out; `None` when it is
/// absolute or goes above the root.
fn within(path: &Path) -> Option<PathBuf> {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => normal.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !normal.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(normal)
}

/// An absolute `path` with `.` and `..` worked out as written (`/a/../..` is `/`).
fn normalised(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

/// An absolute `path` as it lies on disk: `.` and `..` applied as written (as editors do),
/// then [`physical`]. Any path a document or a setting names is resolved so before it is
/// checked to lie inside a folder.
pub fn resolved(path: &Path) -> std::io::Result<PathBuf> {
    physical(&normalised(path))
}

/// `path` (absolute, without `..`) as the system resolves it: its longest existing part with
/// every symbolic link resolved, then the rest as written. A link that leads nowhere, or in a
/// circle, is an error: what it would become is unknown.
fn physical(path: &Path) -> std::io::Result<PathBuf> {
    let mut existing = path.to_path_buf();
    let mut rest: Vec<OsString> = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(mut resolved) => {
                resolved.extend(rest.iter().rev());
                return Ok(resolved);
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && fs::symlink_metadata(&existing).is_err() => {
                let Some(name) = existing.file_name().map(OsString::from) else { return Err(error) };
                rest.push(name);
                existing.pop();
            }
            Err(error) => return Err(error),
        }
    }
}

/// The cache settings of `eghact.toml`, with the defaults for what it leaves out.
pub fn cache_config(project: &Project) -> CacheConfig {
    let settings = &project.config.cache;
    let mut config = CacheConfig::new(project.cache_dir());
    if let Some(max) = settings.max_size_mb {
        config.max_bytes = max << 20;
    }
    if let Some(days) = settings.max_age_days {
        config.max_age = std::time::Duration::from_secs(days * 24 * 60 * 60);
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_left_to_a_higher_crate_is_read_there_with_errors_pointing_into_the_file() {
        #[derive(Debug, Default, PartialEq, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Remote {
            endpoint: Option<String>,
        }
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join(CONFIG_FILE);
        fs::write(&config, "out = \"dist\"\n").unwrap();
        assert_eq!(Project::open(dir.path()).unwrap().section::<Remote>("remote").unwrap(), Remote::default());
        fs::write(&config, "[remote]\nendpoint = \"grpc://cache\"\n").unwrap();
        let remote = Project::open(dir.path()).unwrap().section::<Remote>("remote").unwrap();
        assert_eq!(remote.endpoint.as_deref(), Some("grpc://cache"));
        // The builder accepts the section unread; its keys are the reader's to refuse.
        fs::write(&config, "[remote]\nendpoint = \"grpc://cache\"\nurl = \"x\"\n").unwrap();
        let project = Project::open(dir.path()).unwrap();
        let error = project.section::<Remote>("remote").unwrap_err();
        assert_eq!(error.code(), Some("E0708"));
        assert!(error.to_string().contains(&format!("{}:3:1", config.display())), "{error}");
    }

    #[test]
    fn a_path_setting_of_a_higher_crate_stays_inside_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let project = Project::open(dir.path()).unwrap();
        let inside = project.path_in_project(&["remote", "ca_cert"], Path::new("certs/../ca.pem"), "help");
        assert_eq!(inside.unwrap(), Path::new("ca.pem"));
        let outside = project.path_in_project(&["remote", "ca_cert"], Path::new("../ca.pem"), "help").unwrap_err();
        assert_eq!(outside.code(), Some("E0701"));
        std::os::unix::fs::symlink("/etc", dir.path().join("certs")).unwrap();
        let linked = project.path_in_project(&["remote", "ca_cert"], Path::new("certs/ca.pem"), "help").unwrap_err();
        assert_eq!(linked.code(), Some("E0702"));
    }

    #[test]
    fn assets_settings_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join(CONFIG_FILE);
        fs::write(&config, "[assets]\nwidths = [1280, 320]\nformats = [\"webp\", \"jpg\"]\nquality = 70\n").unwrap();
        let assets = Project::open(dir.path()).unwrap().config.assets;
        assert_eq!(assets.widths, [320, 1280]);
        assert_eq!(assets.formats, [eghact_semantics::assets::ImageFormat::Webp, eghact_semantics::assets::ImageFormat::Jpeg]);
        assert_eq!((assets.quality, assets.placeholder_width), (70, 16));
        for (text, message) in [
            ("[assets]\nquality = 0\n", "quality must be between 1 and 100"),
            ("[assets]\nformats = [\"avif\"]\n", "unknown variant `avif`"),
            ("[assets]\nsizes = 1\n", "unknown field `sizes`"),
        ] {
            fs::write(&config, text).unwrap();
            let error = Project::open(dir.path()).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(error.contains(message), "{text}: {error}");
        }
    }
}
