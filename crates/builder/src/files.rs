//! Reading and writing the files a build keeps (outputs, cache entries, the build record): never
//! through a symbolic link, never blocking on a special file, every write a renamed temporary;
//! and `ProjectError`, what every file operation and configuration rule of a build reports.

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};

use eghact_syntax::diagnostics::{Diagnostic, render};

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    /// The project breaks a rule of its configuration or of the file system: a coded
    /// diagnostic, rendered where it points (a value of `eghact.toml`, a folder, a flag).
    #[error("{rendered}")]
    Rule { code: Cow<'static, str>, rendered: String },
}

impl ProjectError {
    /// The diagnostic code of a broken rule.
    pub fn code(&self) -> Option<&str> {
        match self {
            ProjectError::Rule { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The error of `diagnostic`, rendered about `path` (without text: a folder, a file name).
    pub(crate) fn at_path(path: &Path, diagnostic: Diagnostic) -> Self {
        rule(&render(&path.display().to_string(), "", std::slice::from_ref(&diagnostic)), &diagnostic)
    }
}

pub(crate) fn rule(rendered: &str, diagnostic: &Diagnostic) -> ProjectError {
    ProjectError::Rule { code: diagnostic.code.clone(), rendered: rendered.trim_end().to_string() }
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
    write_atomic_with_mode(path, bytes, None)
}

/// [`write_atomic`] with the file's permission bits (`None`: the process's default). A
/// symbolic link at `path` or at the temporary name is replaced, never written through.
pub(crate) fn write_atomic_with_mode(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<(), ProjectError> {
    use std::os::unix::fs::PermissionsExt as _;
    let error = |source| ProjectError::Write { path: path.to_path_buf(), source };
    let unchanged = fs::symlink_metadata(path).is_ok_and(|existing| {
        existing.is_file()
            && existing.len() == bytes.len() as u64
            && mode.is_none_or(|mode| existing.permissions().mode() & 0o7777 == mode)
            && read_regular_file(path).is_ok_and(|existing| existing == bytes)
    });
    if unchanged {
        return Ok(());
    }
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        // Left over from a crash, or planted: removed, so that the new file is created, not opened.
        let _ = fs::remove_file(&temporary);
        let mut file = match fs::OpenOptions::new().write(true).create_new(true).open(&temporary) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                if let Some(folder) = temporary.parent() {
                    fs::create_dir_all(folder)?;
                }
                fs::OpenOptions::new().write(true).create_new(true).open(&temporary)?
            }
            result => result?,
        };
        std::io::Write::write_all(&mut file, bytes)?;
        if let Some(mode) = mode {
            file.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        Ok(())
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&temporary);
        error(e)
    })?;
    fs::rename(&temporary, path).map_err(|e| {
        let _ = fs::remove_file(&temporary);
        error(e)
    })
}
