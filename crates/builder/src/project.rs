//! A project on disk: its `eghact.toml`, the places it names (source, output and cache
//! folders), its source files, and atomic writes (a temporary file renamed, so a reader never
//! sees half a file).
//!
//! Invariants: a [`Project`] exists only when its places keep the rules of E0701–E0706 (see
//! `docs/diagnostics.md`): what `eghact.toml` names (`src`, `out`, `[cache] dir`, `[remote]
//! ca_cert`) lies inside the project as written and with symbolic links resolved; the output
//! folder overlaps neither the sources nor the project's own files (`eghact.toml`, `.eghact/`,
//! the cache), also when the user chose it (`--out`). Only the user names places outside the
//! project. Listing the sources follows no link out of the project and skips names that are
//! not UTF-8, each with a coded warning.

use std::ffi::OsString;
use std::fs;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use crate::cache::CacheConfig;
use crate::files::rule;
pub(crate) use crate::files::write_atomic_with_mode;
pub use crate::files::{ProjectError, read_regular_file, write_atomic};
use crate::offload::{OffloadMode, OffloadPolicy};
use crate::output::OutputFolder;
use eghact_analysis::paths::{relative_to, slash_path};
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
    pub remote: RemoteSettings,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            src: "src".into(),
            out: "dist".into(),
            cache: CacheSettings::default(),
            assets: AssetOptions::default(),
            remote: RemoteSettings::default(),
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

/// `[remote]` of `eghact.toml`: a shared cache consulted after the local ones. The engine only
/// reads these settings; the `eghact` command builds the tier (`eghact-remote`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RemoteSettings {
    /// `grpc://` or `grpcs://` for a REAPI v2 server, `http://` or `https://` for a Bazel HTTP
    /// cache; `--remote-endpoint` and `EGHACT_REMOTE_ENDPOINT` take precedence.
    pub endpoint: Option<String>,
    /// The REAPI instance name (empty by default, as Bazel's).
    pub instance: Option<String>,
    /// Store local compiles in the remote cache (true by default); false only reads from it.
    pub upload: bool,
    /// The environment variable holding a bearer token (`EGHACT_REMOTE_TOKEN` by default), so
    /// that no secret is written into the project.
    pub token_env: Option<String>,
    /// A PEM file of CA certificates, relative to the project root (inside it), that a `grpcs://` or
    /// `https://` server's certificate may chain to besides the public roots (a private CA);
    /// `EGHACT_REMOTE_CA` takes precedence.
    pub ca_cert: Option<PathBuf>,
    /// Whether a REAPI server with workers compiles a build's misses: `auto` (when predicted
    /// faster, the default), `always` or `never`; `--remote` takes precedence.
    pub execute: OffloadMode,
    /// In `auto`, builds with fewer misses stay local.
    pub min_components: usize,
    /// Components per remote action.
    pub batch_size: usize,
    /// Seconds an action may wait for a worker before its components are compiled here.
    pub queue_timeout_secs: u64,
    /// How many actions the cluster runs at once (its workers' slots together), for `auto`'s
    /// prediction; REAPI does not tell. Unset, the executor goes by what it has seen run at once.
    pub workers: Option<usize>,
}

impl Default for RemoteSettings {
    fn default() -> Self {
        let policy = OffloadPolicy::default();
        Self {
            endpoint: None,
            instance: None,
            upload: true,
            token_env: None,
            ca_cert: None,
            execute: policy.mode,
            min_components: policy.min_components,
            batch_size: policy.batch_size,
            queue_timeout_secs: 10,
            workers: None,
        }
    }
}

impl RemoteSettings {
    /// The offload policy of these settings, with `mode` (a `--remote` flag) first.
    pub fn policy(&self, mode: Option<OffloadMode>) -> OffloadPolicy {
        OffloadPolicy {
            mode: mode.unwrap_or(self.execute),
            min_components: self.min_components,
            batch_size: self.batch_size.max(1),
        }
    }
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

pub struct Project {
    /// Absolute.
    pub root: PathBuf,
    pub config: Config,
    /// The text of `eghact.toml` (empty without one), for diagnostics that point into it.
    config_text: String,
    places: Places,
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
        };
        let mut config: Config = toml::from_str(&project.config_text).map_err(|error| {
            let span = error.span().map_or(Span::default(), |r| Span::new(r.start as u32, r.end as u32));
            project.error_at(span, Diagnostic::error("E0708", format!("invalid {CONFIG_FILE}: {}", error.message()), span))
        })?;
        config.assets = config.assets.validated().map_err(|message| {
            project.setting_error(
                &["assets"],
                Diagnostic::error("E0708", format!("invalid {CONFIG_FILE}: {message}"), Span::default()),
            )
        })?;

        // Each place: where the user put it, else where the project does (inside it), else the default.
        let src = project.inside(&["src"], &config.src)?;
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
                let out = project.inside(&["out"], &config.out)?;
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
                let dir = project.inside(&["cache", "dir"], dir)?;
                let place = project.place(&dir, Origin::Setting(&["cache", "dir"]))?;
                config.cache.dir = Some(dir);
                place
            }
            (None, None) => project.place(Path::new(crate::cache::DEFAULT_DIR), Origin::Default)?,
        };
        if let Some(ca_cert) = &config.remote.ca_cert {
            let ca_cert = project.inside(&["remote", "ca_cert"], ca_cert)?;
            project.place(&ca_cert, Origin::Setting(&["remote", "ca_cert"]))?;
            config.remote.ca_cert = Some(ca_cert);
        }
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

    /// The output folder, the only way to name a file in it.
    pub fn output(&self) -> OutputFolder {
        OutputFolder::new(self.places.out.path.clone(), self.places.out.physical.clone())
    }

    /// How the database sees this project's folders.
    pub fn layout(&self) -> eghact_analysis::db::Layout {
        eghact_analysis::db::Layout { src: slash_path(&self.config.src), src_from_out: slash_path(&self.src_from_out()) }
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
    /// worked out; an error when it is absolute or leaves the project.
    fn inside(&self, keys: &'static [&'static str], value: &Path) -> Result<PathBuf, ProjectError> {
        within(value).ok_or_else(|| {
            let what = if value.has_root() { "an absolute path" } else { "`..` goes above the project root" };
            let help = match keys {
                ["out"] => "name a folder inside the project, such as `dist`; `eghact build --out DIR` writes elsewhere",
                ["cache", "dir"] => "name a folder inside the project; a cache shared by projects is the user's choice: `--cache-dir DIR` or `EGHACT_CACHE_DIR`",
                ["remote", "ca_cert"] => "copy the certificate into the project, or name it with `EGHACT_REMOTE_CA`",
                _ => "name a folder inside the project, such as `src`",
            };
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
    fn remote_settings_are_read_with_upload_on_by_default() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join(CONFIG_FILE);
        fs::write(&config, "[remote]\nendpoint = \"grpc://127.0.0.1:50071\"\ninstance = \"main\"\n").unwrap();
        let remote = Project::open(dir.path()).unwrap().config.remote;
        assert_eq!(
            (remote.endpoint.as_deref(), remote.instance.as_deref(), remote.upload),
            (Some("grpc://127.0.0.1:50071"), Some("main"), true)
        );
        fs::write(&config, "[remote]\nupload = false\n").unwrap();
        assert!(!Project::open(dir.path()).unwrap().config.remote.upload);
        assert_eq!(Project::open(dir.path()).unwrap().config.remote.workers, None);
        fs::write(&config, "[remote]\nworkers = 8\n").unwrap();
        assert_eq!(Project::open(dir.path()).unwrap().config.remote.workers, Some(8));
        fs::write(&config, "[remote]\nurl = \"x\"\n").unwrap();
        assert!(Project::open(dir.path()).is_err(), "unknown keys are refused");
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
