//! Writing a bundle whole or not at all: the files go to a new folder beside the output folder
//! (`.dist.eghact-next` for `dist`), which then takes the output folder's place in one step
//! (Linux: `renameat2(RENAME_EXCHANGE)`; elsewhere two renames). An interrupted or failed
//! bundle leaves the previous output as it was; the previous folder is removed after the swap.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use eghact_builder::output::is_plain_relative;

use crate::model::BundleError;

/// Makes `out` hold exactly `files` (paths relative to it, with `/`).
pub(crate) fn replace_folder(out: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<(), BundleError> {
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BundleError::Write { path, source }
    };
    let (Some(parent), Some(name)) = (out.parent(), out.file_name()) else {
        return Err(failed(out)(std::io::Error::other("the output folder has no parent")));
    };
    if fs::symlink_metadata(out).is_ok_and(|meta| !meta.is_dir()) {
        return Err(failed(out)(std::io::Error::other("the output folder is not a folder (a link or a file)")));
    }
    fs::create_dir_all(parent).map_err(failed(parent))?;
    let next = parent.join(format!(".{}.eghact-next", name.to_string_lossy()));
    if fs::symlink_metadata(&next).is_ok() {
        fs::remove_dir_all(&next).map_err(failed(&next))?;
    }
    fs::create_dir(&next).map_err(failed(&next))?;
    for (relative, bytes) in files {
        if !is_plain_relative(relative) {
            return Err(failed(&next)(std::io::Error::other(format!(
                "refusing to write `{relative}`: not a plain relative path"
            ))));
        }
        let path = next.join(relative);
        if let Some(folder) = path.parent() {
            fs::create_dir_all(folder).map_err(failed(folder))?;
        }
        fs::write(&path, bytes).map_err(failed(&path))?;
    }
    if fs::symlink_metadata(out).is_err() {
        return fs::rename(&next, out).map_err(failed(out));
    }
    exchange(&next, out).map_err(failed(out))?;
    // `next` now holds the previous output.
    fs::remove_dir_all(&next).map_err(failed(&next))
}

/// Swaps two folders' names atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    let c_path = |path: &Path| std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (a, b) = (c_path(a)?, c_path(b)?);
    // SAFETY: both are valid NUL-terminated paths; the call only reads them.
    let result = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if result == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

/// Swaps two folders' names: `b` moves aside, `a` takes its place, the old `b` takes `a`'s.
#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    let aside = b.with_extension("eghact-previous");
    fs::rename(b, &aside)?;
    if let Err(error) = fs::rename(a, b) {
        fs::rename(&aside, b)?;
        return Err(error);
    }
    fs::rename(&aside, a)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn files(list: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        list.iter().map(|(path, text)| (path.to_string(), text.as_bytes().to_vec())).collect()
    }

    fn listing(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = walk(folder).iter().map(|p| p.strip_prefix(folder).unwrap().display().to_string()).collect();
        names.sort();
        names
    }

    fn walk(folder: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for entry in fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() { found.extend(walk(&path)) } else { found.push(path) }
        }
        found
    }

    #[test]
    fn the_new_folder_replaces_the_old_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("dist");
        replace_folder(&out, &files(&[("index.html", "one"), ("assets/a.js", "a")])).unwrap();
        assert_eq!(listing(&out), ["assets/a.js", "index.html"]);
        replace_folder(&out, &files(&[("index.html", "two"), ("assets/b.js", "b")])).unwrap();
        assert_eq!(listing(&out), ["assets/b.js", "index.html"]);
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "two");
        // Nothing is left beside it.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_bundle_leaves_the_previous_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("dist");
        replace_folder(&out, &files(&[("index.html", "one")])).unwrap();
        assert!(replace_folder(&out, &files(&[("index.html", "two"), ("../escape.js", "x")])).is_err());
        assert_eq!(listing(&out), ["index.html"]);
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "one");
        assert!(!dir.path().join("escape.js").exists());
    }

    #[cfg(unix)]
    #[test]
    fn an_output_folder_that_is_a_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join("dist")).unwrap();
        assert!(replace_folder(&dir.path().join("dist"), &files(&[("index.html", "x")])).is_err());
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);
    }
}
