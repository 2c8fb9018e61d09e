//! What a request may name: the path of its URL decoded into a plain relative path, and the
//! file it names inside a root folder.
//!
//! Invariant: nothing outside the root is ever named. A path with `.` or `..` segments (written
//! or percent-encoded), an encoded `/` or `\`, a NUL, an empty segment (`//etc`: an absolute
//! path), a drive-like `:` or a segment starting with a dot (`.env`, `.eghact/`) is refused
//! before the file system is asked, and a file is served only when its real path (symlinks
//! resolved) lies inside the root's real path and is a regular file (no directory listings).

use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;

/// Why a request path is not served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The path tries to leave the root or names what is never served: 403.
    Forbidden,
    /// Nothing servable is there: 404.
    NotFound,
}

/// The path of a request URL (`/src/App.egh`, without the query) as a relative path with `/`
/// separators (`src/App.egh`; empty for `/`).
pub fn request_path(raw: &str) -> Result<String, Refusal> {
    let Some(rest) = raw.strip_prefix('/') else {
        return Err(Refusal::Forbidden);
    };
    if rest.is_empty() {
        return Ok(String::new());
    }
    let mut segments = Vec::new();
    for raw_segment in rest.split('/') {
        let bytes: Vec<u8> = percent_decode_str(raw_segment).collect();
        let segment = String::from_utf8(bytes).map_err(|_| Refusal::NotFound)?;
        let refused = segment.is_empty() || segment.starts_with('.') || segment.contains(['/', '\\', '\0', ':']);
        if refused {
            return Err(Refusal::Forbidden);
        }
        segments.push(segment);
    }
    Ok(segments.join("/"))
}

/// The real path of the regular file `relative` (from [`request_path`]) names inside `root`
/// (itself a real path, from `Path::canonicalize`).
pub fn file_in(root: &Path, relative: &str) -> Result<PathBuf, Refusal> {
    if relative.is_empty() {
        return Err(Refusal::NotFound);
    }
    let real = root.join(relative).canonicalize().map_err(|_| Refusal::NotFound)?;
    if !real.starts_with(root) {
        return Err(Refusal::Forbidden);
    }
    match real.metadata() {
        Ok(metadata) if metadata.is_file() => Ok(real),
        _ => Err(Refusal::NotFound),
    }
}

/// The `Content-Type` of a file served as it is, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, extension)| extension).to_ascii_lowercase();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" | "cjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_are_decoded() {
        assert_eq!(request_path("/").as_deref(), Ok(""));
        assert_eq!(request_path("/src/App.egh").as_deref(), Ok("src/App.egh"));
        assert_eq!(request_path("/src/My%20Card.egh").as_deref(), Ok("src/My Card.egh"));
        assert_eq!(request_path("/caf%C3%A9.png").as_deref(), Ok("café.png"));
    }

    #[test]
    fn paths_that_leave_or_hide_are_refused() {
        for raw in [
            "/../etc/passwd",
            "/src/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/etc/passwd",
            "/src/%2e%2e%2f%2e%2e%2fetc/passwd",
            "/..%2fetc/passwd",
            "/..%5cetc",
            "/src/./App.egh",
            "//etc/passwd",
            "/src//App.egh",
            "/src/App.egh%00.js",
            "/C:/Windows/win.ini",
            "/.env",
            "/.eghact/build-state.json",
            "/src/.git/config",
            "etc/passwd",
        ] {
            assert_eq!(request_path(raw), Err(Refusal::Forbidden), "{raw}");
        }
        assert_eq!(request_path("/%ff"), Err(Refusal::NotFound));
    }

    #[test]
    fn files_are_served_only_inside_the_root() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
        let root = tempfile::tempdir().unwrap();
        let root_path = root.path().canonicalize().unwrap();
        std::fs::create_dir(root_path.join("src")).unwrap();
        std::fs::write(root_path.join("src/a.txt"), "a").unwrap();
        assert_eq!(file_in(&root_path, "src/a.txt"), Ok(root_path.join("src/a.txt")));
        assert_eq!(file_in(&root_path, "src"), Err(Refusal::NotFound), "no directory listings");
        assert_eq!(file_in(&root_path, ""), Err(Refusal::NotFound));
        assert_eq!(file_in(&root_path, "src/missing.txt"), Err(Refusal::NotFound));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outside.path().join("secret.txt"), root_path.join("src/link.txt")).unwrap();
            std::os::unix::fs::symlink(outside.path(), root_path.join("src/out")).unwrap();
            std::os::unix::fs::symlink(root_path.join("src/a.txt"), root_path.join("src/inside.txt")).unwrap();
            assert_eq!(file_in(&root_path, "src/link.txt"), Err(Refusal::Forbidden));
            assert_eq!(file_in(&root_path, "src/out/secret.txt"), Err(Refusal::Forbidden));
            assert_eq!(file_in(&root_path, "src/inside.txt"), Ok(root_path.join("src/a.txt")));
        }
    }
}
