//! A project on disk: its `eghact.toml`, its source files, and atomic writes into the output
//! folder (a temporary file renamed, so a reader never sees half a file).

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::assets::AssetOptions;
use crate::build::offload::{OffloadMode, OffloadPolicy};

pub const CONFIG_FILE: &str = "eghact.toml";

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("invalid {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("source folder {0} does not exist")]
    NoSources(PathBuf),
}

/// `eghact.toml`; every key is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Source folder, relative to the project root.
    pub src: PathBuf,
    /// Output folder, relative to the project root.
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
    /// The disk cache folder, relative to the project root; `.eghact/cache` by default. Several
    /// projects may share one.
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
    /// A PEM file of CA certificates, relative to the project root, that a `grpcs://` or
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

pub struct Project {
    pub root: PathBuf,
    pub config: Config,
}

impl Project {
    pub fn open(root: &Path) -> Result<Self, ProjectError> {
        let path = root.join(CONFIG_FILE);
        let mut config: Config = match fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| ProjectError::Config { path: path.clone(), message: e.to_string() })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(source) => return Err(ProjectError::Read { path, source }),
        };
        config.assets = config.assets.validated().map_err(|message| ProjectError::Config { path, message })?;
        Ok(Self { root: root.to_path_buf(), config })
    }

    pub fn src_dir(&self) -> PathBuf {
        self.root.join(&self.config.src)
    }

    pub fn out_dir(&self) -> PathBuf {
        self.root.join(&self.config.out)
    }

    /// The source folder as seen from the output folder (`../src` for `dist`).
    pub fn src_from_out(&self) -> PathBuf {
        relative_to(&self.out_dir(), &self.src_dir())
    }

    /// Every file under the source folder, sorted, as paths relative to it.
    pub fn source_files(&self) -> Result<Vec<PathBuf>, ProjectError> {
        let src = self.src_dir();
        if !src.is_dir() {
            return Err(ProjectError::NoSources(src));
        }
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
            let entry = entry.map_err(|e| ProjectError::Read { path: src.clone(), source: e.into() })?;
            if entry.file_type().is_file() {
                if let Ok(relative) = entry.path().strip_prefix(&src) {
                    files.push(relative.to_path_buf());
                }
            }
        }
        Ok(files)
    }
}

/// `to` (a folder or a file) as seen from the folder `from`, both in one project (`dist` → `src` is `../src`).
pub fn relative_to(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for part in &to[common..] {
        path.push(part);
    }
    path
}

pub fn slash_path(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Writes a file, creating its folder only when it is missing: a build writes thousands of
/// files into a few folders, and asking for the folder before each costs two system calls.
pub(crate) fn write_creating_folder(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    match fs::write(path, bytes) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if let Some(folder) = path.parent() {
                fs::create_dir_all(folder)?;
            }
            fs::write(path, bytes)
        }
        result => result,
    }
}

/// Reads a file the build keeps for itself (cache entries, the build record, its outputs)
/// without blocking and without following a symbolic link at `path`: anything but a regular file
/// is refused, since opening or reading a FIFO, socket or device can wait forever (or never end).
pub fn read_regular_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK | libc::O_NOFOLLOW);
    let mut file = options.open(path).map_err(|error| {
        #[cfg(unix)]
        if error.raw_os_error() == Some(libc::ELOOP) {
            return std::io::Error::new(std::io::ErrorKind::InvalidInput, "a symbolic link, not a regular file");
        }
        error
    })?;
    // The open handle's type, not the path's: the path may have been replaced since.
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProjectError> {
    let error = |source| ProjectError::Write { path: path.to_path_buf(), source };
    if read_regular_file(path).is_ok_and(|existing| existing == bytes) {
        return Ok(());
    }
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    write_creating_folder(&temporary, bytes).map_err(error)?;
    fs::rename(&temporary, path).map_err(|e| {
        let _ = fs::remove_file(&temporary);
        error(e)
    })
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
        assert_eq!(assets.formats, [crate::assets::ImageFormat::Webp, crate::assets::ImageFormat::Jpeg]);
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

    #[test]
    fn relative_paths_between_project_folders() {
        assert_eq!(relative_to(Path::new("/p/dist"), Path::new("/p/src")), PathBuf::from("../src"));
        assert_eq!(relative_to(Path::new("/p/out/web"), Path::new("/p/src")), PathBuf::from("../../src"));
    }
}
