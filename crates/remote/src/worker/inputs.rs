//! An action's input root, from the server's Directory messages to files on disk.
//!
//! The whole tree is fetched and checked before anything is written: names (never a path, `.` or
//! `..`, distinct within a Directory), the fan-out (entries, depth, bytes) and every symlink's
//! target, which must resolve inside the root through the tree's own links. Then directories are
//! made (`mkdir`, never through an existing entry), files are created new (`O_EXCL|O_NOFOLLOW`,
//! so nothing is written through a link) and symlinks come last. Invariant: materialising an input
//! root writes only below the action's folder, whatever the server sends.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use bazel_remote_apis::build::bazel::remote::execution::v2::{Digest, Directory};
use prost::Message as _;

use super::failure::{LeaseFailure, missing};
use super::limits::{Limits, chunks, distinct};
use crate::RemoteError;
use crate::reapi::ReapiClient;

/// Most links followed while resolving one symlink's target (Linux's own limit).
const MAX_LINK_HOPS: usize = 40;

/// The input tree, checked, with paths relative to the root (parents before children).
#[derive(Default)]
pub(super) struct InputPlan {
    directories: Vec<PathBuf>,
    files: Vec<(PathBuf, Digest, bool)>,
    links: Vec<(PathBuf, String)>,
}

impl InputPlan {
    /// Adds one Directory found at `at`, checking its names and the limits; its children to visit.
    fn add(
        &mut self,
        at: &Path,
        directory: Directory,
        depth: usize,
        limits: &Limits,
        bytes: &mut u64,
    ) -> Result<Vec<(PathBuf, Digest)>, LeaseFailure> {
        let mut names = HashSet::new();
        let mut distinct_name = |raw: &str| -> Result<PathBuf, LeaseFailure> {
            let checked = name(raw)?;
            if !names.insert(checked.to_string()) {
                return Err(invalid(format!("{:?} appears twice in input directory {:?}", raw, at.display().to_string())));
            }
            Ok(at.join(checked))
        };
        let mut children = Vec::new();
        for file in directory.files {
            let digest = file.digest.ok_or_else(|| invalid("a file without a digest"))?;
            let size = u64::try_from(digest.size_bytes).map_err(|_| invalid("a file with a negative size"))?;
            *bytes = bytes.saturating_add(size);
            self.files.push((distinct_name(&file.name)?, digest, file.is_executable));
        }
        for child in directory.directories {
            let digest = child.digest.ok_or_else(|| invalid("a directory without a digest"))?;
            let path = distinct_name(&child.name)?;
            self.directories.push(path.clone());
            children.push((path, digest));
        }
        for link in directory.symlinks {
            self.links.push((distinct_name(&link.name)?, link.target));
        }
        let entries = self.directories.len() + self.files.len() + self.links.len();
        if entries > limits.max_input_entries {
            return Err(too_large(format!("more than {} entries", limits.max_input_entries)));
        }
        if *bytes > limits.max_input_bytes {
            return Err(too_large(format!("more than {} bytes", limits.max_input_bytes)));
        }
        if !children.is_empty() && depth >= limits.max_input_depth {
            return Err(too_large(format!("directories nested deeper than {}", limits.max_input_depth)));
        }
        Ok(children)
    }

    /// Refuses a symlink whose target is absolute or resolves, through the tree's own links,
    /// outside the root.
    fn check_links(&self) -> Result<(), LeaseFailure> {
        let links: HashMap<&Path, &str> = self.links.iter().map(|(path, target)| (path.as_path(), target.as_str())).collect();
        for (path, target) in &self.links {
            if !resolves_inside(&links, path, target) {
                return Err(invalid(format!("symlink {} -> {target:?} points outside the input root", path.display())));
            }
        }
        Ok(())
    }
}

/// Whether `target`, the target of the link at `link`, stays inside the root when every link
/// of the tree on its way is followed. Parts that do not exist are taken as written.
fn resolves_inside(links: &HashMap<&Path, &str>, link: &Path, target: &str) -> bool {
    let mut at: Vec<OsString> = link.parent().into_iter().flat_map(Path::iter).map(OsString::from).collect();
    // What is left to walk, last step first; `None` is `..`.
    let mut pending: Vec<Option<OsString>> = Vec::new();
    let mut hops = 0;
    let queue = |pending: &mut Vec<Option<OsString>>, target: &str| -> bool {
        if target.is_empty() || target.contains('\0') || Path::new(target).is_absolute() {
            return false;
        }
        let steps = Path::new(target).components().rev().filter_map(|part| match part {
            Component::Normal(name) => Some(Some(name.to_os_string())),
            Component::ParentDir => Some(None),
            _ => None,
        });
        pending.extend(steps);
        true
    };
    if !queue(&mut pending, target) {
        return false;
    }
    while let Some(step) = pending.pop() {
        let Some(name) = step else {
            if at.pop().is_none() {
                return false;
            }
            continue;
        };
        at.push(name);
        let path: PathBuf = at.iter().collect();
        if let Some(next) = links.get(path.as_path()) {
            hops += 1;
            at.pop();
            if hops > MAX_LINK_HOPS || !queue(&mut pending, next) {
                return false;
            }
        }
    }
    true
}

/// One name in a Directory: never a path, never `.` or `..`.
pub(super) fn name(name: &str) -> Result<&str, LeaseFailure> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(invalid(format!("invalid name {name:?} in the input root")));
    }
    Ok(name)
}

fn invalid(message: impl Into<String>) -> LeaseFailure {
    LeaseFailure::new(tonic::Code::InvalidArgument, message)
}

/// Beyond a limit of this worker: not an input the client should upload again.
fn too_large(what: String) -> LeaseFailure {
    LeaseFailure::new(tonic::Code::ResourceExhausted, format!("the input root has {what}, past this worker's limit"))
}

/// Creates a new file at `path` with `data` and mode: never through a link, never over an entry.
fn create_new(path: &Path, executable: bool) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(if executable { 0o755 } else { 0o644 })
        .open(path)
}

fn write_new(path: &Path, data: &[u8], executable: bool) -> Result<(), LeaseFailure> {
    let io = |e| LeaseFailure::io(format!("write {}", path.display()), e);
    create_new(path, executable).map_err(io)?.write_all(data).map_err(io)
}

/// Creates `relative`'s folders below `root`, refusing to pass through a link or a file (what an
/// input symlink or the action itself put there).
pub(super) fn create_dirs_beneath(root: &Path, relative: &Path) -> Result<PathBuf, LeaseFailure> {
    let mut path = root.to_path_buf();
    for part in relative.components() {
        let Component::Normal(part) = part else { continue };
        path.push(part);
        match std::fs::symlink_metadata(&path) {
            Ok(metadata) if metadata.is_dir() => {}
            Ok(_) => {
                return Err(invalid(format!("{} passes through a symlink or a file", relative.display())));
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir(&path).map_err(|e| LeaseFailure::io(format!("create {}", path.display()), e))?;
            }
            Err(error) => return Err(LeaseFailure::io(format!("create {}", path.display()), error)),
        }
    }
    Ok(path)
}

impl InputCache {
    /// Fetches and checks the input tree, then materialises it under `root` (which must not exist).
    pub(super) async fn fetch(
        self: &std::sync::Arc<Self>,
        client: &ReapiClient,
        limits: &Limits,
        input_root: &Digest,
        root: &Path,
    ) -> Result<(), LeaseFailure> {
        let plan = plan_inputs(client, limits, input_root).await?;
        let (root_path, directories) = (root.to_path_buf(), plan.directories.clone());
        blocking(move || {
            std::fs::create_dir(&root_path).map_err(|e| LeaseFailure::io(format!("create {}", root_path.display()), e))?;
            for directory in directories {
                let path = root_path.join(directory);
                std::fs::create_dir(&path).map_err(|e| LeaseFailure::io(format!("create {}", path.display()), e))?;
            }
            Ok(())
        })
        .await?;
        self.place_files(client, root, plan.files).await?;
        let (root_path, links) = (root.to_path_buf(), plan.links);
        blocking(move || {
            for (path, target) in links {
                let at = root_path.join(path);
                std::os::unix::fs::symlink(&target, &at).map_err(|e| LeaseFailure::io(format!("symlink {}", at.display()), e))?;
            }
            Ok(())
        })
        .await
    }

    /// Writes the files: kept ones copied from the worker's cache, the rest fetched in chunks.
    async fn place_files(
        self: &std::sync::Arc<Self>,
        client: &ReapiClient,
        root: &Path,
        files: Vec<(PathBuf, Digest, bool)>,
    ) -> Result<(), LeaseFailure> {
        let places: Vec<(Digest, PathBuf, bool)> =
            files.into_iter().map(|(path, digest, executable)| (digest, root.join(path), executable)).collect();
        let placed = self.place(places.clone()).await;
        let mut wanted: HashMap<String, (Digest, Vec<(PathBuf, bool)>)> = HashMap::new();
        for ((digest, path, executable), placed) in places.into_iter().zip(placed.into_iter().chain(std::iter::repeat(false))) {
            if !placed {
                wanted.entry(digest.hash.clone()).or_insert_with(|| (digest, Vec::new())).1.push((path, executable));
            }
        }
        let wanted: Vec<(Digest, Vec<(PathBuf, bool)>)> = wanted.into_values().collect();
        for chunk in chunks(wanted, |(digest, _)| usize::try_from(digest.size_bytes).unwrap_or(usize::MAX)) {
            let digests: Vec<Digest> = chunk.iter().map(|(digest, _)| digest.clone()).filter(|d| d.size_bytes > 0).collect();
            let mut found = client.read(&digests).await.map_err(LeaseFailure::remote)?;
            let mut writes = Vec::with_capacity(chunk.len());
            for (digest, places) in chunk {
                let data = match found.remove(&digest.hash) {
                    Some(data) => data,
                    None if digest.size_bytes == 0 => Vec::new(),
                    None => return Err(missing("an input file", &digest)),
                };
                writes.push((digest, data, places));
            }
            let inputs = self.clone();
            blocking(move || {
                for (digest, data, places) in writes {
                    for executable in [false, true] {
                        if !data.is_empty() && places.iter().any(|(_, x)| *x == executable) {
                            inputs.keep(&digest, &data, executable);
                        }
                    }
                    for (path, executable) in places {
                        write_new(&path, &data, executable)?;
                    }
                }
                Ok(())
            })
            .await?;
        }
        Ok(())
    }
}

/// Every Directory of the tree, level by level (each distinct digest fetched once), checked.
async fn plan_inputs(client: &ReapiClient, limits: &Limits, input_root: &Digest) -> Result<InputPlan, LeaseFailure> {
    let mut plan = InputPlan::default();
    let mut bytes = 0;
    let mut level = vec![(PathBuf::new(), input_root.clone())];
    let mut depth = 0;
    while !level.is_empty() {
        let wanted: Vec<Digest> = distinct(level.iter().map(|(_, digest)| digest));
        let found = client.read(&wanted).await.map_err(LeaseFailure::remote)?;
        let mut next = Vec::new();
        for (path, digest) in level {
            let data = match found.get(&digest.hash) {
                Some(data) => data.as_slice(),
                None if digest.size_bytes == 0 => &[],
                None => return Err(missing("an input directory", &digest)),
            };
            let directory = Directory::decode(data).map_err(|e| invalid(format!("input directory {}: {e}", digest.hash)))?;
            next.extend(plan.add(&path, directory, depth, limits, &mut bytes)?);
        }
        level = next;
        depth += 1;
    }
    plan.check_links()?;
    Ok(plan)
}

/// Runs file work off the runtime's threads, so heartbeats never wait behind it.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, LeaseFailure> + Send + 'static,
) -> Result<T, LeaseFailure> {
    tokio::task::spawn_blocking(work).await.map_err(|e| LeaseFailure::new(tonic::Code::Internal, e.to_string()))?
}

/// Input files this worker fetched before, by digest: consecutive actions of one build share
/// most inputs (the sources, the `eghact` binary). Each action gets its own copy (a reflink where
/// the filesystem has them: `std::io::copy` uses `copy_file_range`), never a link to the kept file,
/// so nothing an action does reaches the next one's inputs; a kept file whose inode, size, mode or
/// times changed since it was written is dropped (and fetched again), not used. Emptied when the
/// worker starts; bounded by size (past it, nothing more is kept); files are written whole and
/// renamed, so a copy never sees half a file.
pub(super) struct InputCache {
    dir: PathBuf,
    kept: AtomicU64,
    stamps: Mutex<HashMap<PathBuf, Stamp>>,
}

/// What changes when a file's bytes or mode change (ctime cannot be set back by a process).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Stamp {
    inode: u64,
    size: u64,
    mode: u32,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(path: &Path) -> Option<Self> {
        let metadata = std::fs::symlink_metadata(path).ok()?;
        metadata.is_file().then(|| Stamp {
            inode: metadata.ino(),
            size: metadata.size(),
            mode: metadata.mode(),
            mtime: (metadata.mtime(), metadata.mtime_nsec()),
            ctime: (metadata.ctime(), metadata.ctime_nsec()),
        })
    }
}

/// Bytes of inputs a worker keeps.
const INPUT_CACHE_BYTES: u64 = 2 << 30;

impl InputCache {
    /// A hidden folder of the work folder, so that it is on the same disk as the actions.
    pub(super) fn open(work_dir: &Path) -> Result<Self, RemoteError> {
        let dir = work_dir.join(".inputs");
        let error = |source| RemoteError::Io { what: format!("cannot prepare {}", dir.display()), source };
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(error(e)),
            _ => {}
        }
        std::fs::create_dir_all(&dir).map_err(error)?;
        Ok(Self { dir, kept: AtomicU64::new(0), stamps: Mutex::new(HashMap::new()) })
    }

    fn path(&self, digest: &Digest, executable: bool) -> PathBuf {
        self.dir.join(format!("{}-{}{}", digest.hash, digest.size_bytes, if executable { "-x" } else { "" }))
    }

    /// Puts the kept inputs at their places (`digest`, path, executable), all in one blocking
    /// task; answers, for each, whether it was placed.
    pub(super) async fn place(self: &std::sync::Arc<Self>, places: Vec<(Digest, PathBuf, bool)>) -> Vec<bool> {
        let cache = self.clone();
        let placed = tokio::task::spawn_blocking(move || {
            places.iter().map(|(digest, to, executable)| cache.copy_kept(digest, to, *executable)).collect()
        });
        placed.await.unwrap_or_default()
    }

    /// Copies the kept file to `to` if it is unchanged since it was kept (checked before and after).
    fn copy_kept(&self, digest: &Digest, to: &Path, executable: bool) -> bool {
        let kept = self.path(digest, executable);
        let Some(recorded) = self.stamps.lock().ok().and_then(|stamps| stamps.get(&kept).copied()) else { return false };
        if Stamp::of(&kept) != Some(recorded) {
            self.forget(&kept);
            return false;
        }
        let copied = File::open(&kept)
            .and_then(|mut from| create_new(to, executable).and_then(|mut into| std::io::copy(&mut from, &mut into)))
            .is_ok_and(|bytes| i64::try_from(bytes).is_ok_and(|bytes| bytes == digest.size_bytes));
        if copied && Stamp::of(&kept) == Some(recorded) {
            return true;
        }
        if Stamp::of(&kept) != Some(recorded) {
            self.forget(&kept);
        }
        let _ = std::fs::remove_file(to);
        false
    }

    /// Drops a kept file that changed: it is fetched again.
    fn forget(&self, kept: &Path) {
        if let Ok(mut stamps) = self.stamps.lock() {
            stamps.remove(kept);
        }
        let _ = std::fs::remove_file(kept);
    }

    /// Keeps `data` (already verified against `digest`) while there is room.
    pub(super) fn keep(&self, digest: &Digest, data: &[u8], executable: bool) {
        let path = self.path(digest, executable);
        if self.stamps.lock().is_ok_and(|stamps| stamps.contains_key(&path)) {
            return;
        }
        let size = data.len() as u64;
        let kept = self.kept.fetch_add(size, Ordering::Relaxed);
        if kept + size > INPUT_CACHE_BYTES {
            self.kept.fetch_sub(size, Ordering::Relaxed);
            return;
        }
        let temporary = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
        let mode = if executable { 0o555 } else { 0o444 };
        let written = create_new(&temporary, executable).and_then(|mut file| file.write_all(data)).is_ok()
            && std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(mode)).is_ok()
            && std::fs::rename(&temporary, &path).is_ok();
        match Stamp::of(&path) {
            Some(stamp) if written => {
                if let Ok(mut stamps) = self.stamps.lock() {
                    stamps.insert(path, stamp);
                }
            }
            _ => {
                self.kept.fetch_sub(size, Ordering::Relaxed);
                let _ = std::fs::remove_file(&temporary);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bazel_remote_apis::build::bazel::remote::execution::v2::{DirectoryNode, FileNode, SymlinkNode};

    use super::*;
    use crate::action::DigestFunction;

    fn cache(work: &Path) -> Arc<InputCache> {
        Arc::new(InputCache::open(work).unwrap())
    }

    #[tokio::test]
    async fn inputs_kept_by_one_action_are_placed_for_the_next_and_a_restart_forgets_them() {
        let work = tempfile::tempdir().unwrap();
        let cache = cache(work.path());
        let data = b"the eghact binary";
        let digest = DigestFunction::Sha256.digest(data);
        let action = work.path().join("action-1");
        std::fs::create_dir_all(&action).unwrap();
        let place = |name: &str, executable: bool| vec![(digest.clone(), action.join(name), executable)];
        assert_eq!(cache.place(place("eghact", true)).await, [false], "nothing kept yet");
        cache.keep(&digest, data, true);
        assert_eq!(cache.place(place("eghact", true)).await, [true]);
        assert_eq!(std::fs::read(action.join("eghact")).unwrap(), data);
        assert!(std::fs::metadata(action.join("eghact")).unwrap().permissions().mode() & 0o111 != 0);
        assert_eq!(cache.place(place("plain", false)).await, [false], "kept per executable bit");
        assert_eq!(cache.place(place("eghact", true)).await, [false], "never over an existing file");
        let restarted = InputCache::open(work.path()).unwrap();
        assert!(!restarted.copy_kept(&digest, &action.join("again"), true));
    }

    #[tokio::test]
    async fn an_action_that_changes_its_inputs_leaves_the_next_action_the_original_bytes() {
        let work = tempfile::tempdir().unwrap();
        let cache = cache(work.path());
        let data = b"original input";
        let digest = DigestFunction::Sha256.digest(data);
        cache.keep(&digest, data, false);
        let first = work.path().join("first");
        std::fs::create_dir(&first).unwrap();
        assert_eq!(cache.place(vec![(digest.clone(), first.join("in"), false)]).await, [true]);
        // What an action may do to its input: make it writable and write through it.
        std::fs::set_permissions(first.join("in"), std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::write(first.join("in"), b"changed by the action").unwrap();
        let second = work.path().join("second");
        std::fs::create_dir(&second).unwrap();
        assert_eq!(cache.place(vec![(digest.clone(), second.join("in"), false)]).await, [true]);
        assert_eq!(std::fs::read(second.join("in")).unwrap(), data);

        // A kept file changed in place (an action without isolation can reach it) is not used.
        let kept = cache.path(&digest, false);
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::write(&kept, b"tampered with!").unwrap();
        let third = work.path().join("third");
        std::fs::create_dir(&third).unwrap();
        assert_eq!(cache.place(vec![(digest.clone(), third.join("in"), false)]).await, [false], "fetched again");
        assert!(!third.join("in").exists());
    }

    fn node(name: &str) -> DirectoryNode {
        DirectoryNode { name: name.into(), digest: Some(DigestFunction::Sha256.digest(b"")) }
    }

    fn file(name: &str) -> FileNode {
        FileNode { name: name.into(), digest: Some(DigestFunction::Sha256.digest(b"x")), ..Default::default() }
    }

    fn link(name: &str, target: &str) -> SymlinkNode {
        SymlinkNode { name: name.into(), target: target.into(), ..Default::default() }
    }

    fn plan(directories: &[(&str, Directory)]) -> Result<InputPlan, LeaseFailure> {
        let mut plan = InputPlan::default();
        let mut bytes = 0;
        for (at, directory) in directories {
            plan.add(Path::new(at), directory.clone(), Path::new(at).iter().count(), &Limits::default(), &mut bytes)?;
        }
        plan.check_links()?;
        Ok(plan)
    }

    #[test]
    fn a_name_used_twice_in_one_directory_is_refused() {
        let cases = [
            Directory { symlinks: vec![link("d", "/anywhere")], directories: vec![node("d")], ..Default::default() },
            Directory { files: vec![file("a"), file("a")], ..Default::default() },
            Directory { files: vec![file("a")], symlinks: vec![link("a", "b")], ..Default::default() },
            Directory { files: vec![file("a")], directories: vec![node("a")], ..Default::default() },
        ];
        for directory in cases {
            let error = plan(&[("", directory.clone())]).err().unwrap_or_else(|| panic!("{directory:?} accepted"));
            assert_eq!(error.code, tonic::Code::InvalidArgument, "{}", error.message);
        }
    }

    #[test]
    fn symlinks_must_resolve_inside_the_root_through_the_trees_own_links() {
        let root = |links: Vec<SymlinkNode>| Directory { directories: vec![node("sub")], symlinks: links, ..Default::default() };
        let sub = |links: Vec<SymlinkNode>| Directory { files: vec![file("f")], symlinks: links, ..Default::default() };
        let accepted = [
            plan(&[("", root(vec![link("a", "sub/f")])), ("sub", sub(vec![]))]),
            plan(&[("", root(vec![])), ("sub", sub(vec![link("up", ".."), link("f2", "../sub/./f")]))]),
            plan(&[("", root(vec![link("dangling", "sub/none/x")])), ("sub", sub(vec![]))]),
        ];
        for (i, result) in accepted.into_iter().enumerate() {
            assert!(result.is_ok(), "case {i}: {}", result.err().unwrap().message);
        }
        let refused = [
            plan(&[("", root(vec![link("abs", "/etc/passwd")])), ("sub", sub(vec![]))]),
            plan(&[("", root(vec![link("out", "../x")])), ("sub", sub(vec![]))]),
            plan(&[("", root(vec![])), ("sub", sub(vec![link("deep", "../../x")]))]),
            // Each link alone stays inside; followed through `up` (the root), `..` leaves it.
            plan(&[("", root(vec![])), ("sub", sub(vec![link("up", ".."), link("escape", "up/..")]))]),
            plan(&[("", root(vec![link("loop", "loop2"), link("loop2", "loop")])), ("sub", sub(vec![]))]),
            plan(&[("", root(vec![link("empty", "")])), ("sub", sub(vec![]))]),
        ];
        for (i, result) in refused.into_iter().enumerate() {
            assert!(result.is_err(), "case {i} accepted");
        }
    }

    #[test]
    fn the_input_trees_fan_out_is_bounded() {
        let limits = Limits { max_input_entries: 3, max_input_depth: 2, max_input_bytes: 10, ..Limits::default() };
        let add = |directory: Directory, depth: usize| {
            let mut bytes = 0;
            InputPlan::default().add(Path::new(""), directory, depth, &limits, &mut bytes).map(|_| ()).map_err(|e| e.code)
        };
        let files = |n: usize| Directory { files: (0..n).map(|i| file(&format!("f{i}"))).collect(), ..Default::default() };
        assert_eq!(add(files(3), 0), Ok(()));
        assert_eq!(add(files(4), 0), Err(tonic::Code::ResourceExhausted));
        let big =
            FileNode { name: "big".into(), digest: Some(Digest { hash: "0".into(), size_bytes: 11 }), ..Default::default() };
        assert_eq!(add(Directory { files: vec![big], ..Default::default() }, 0), Err(tonic::Code::ResourceExhausted));
        assert_eq!(add(Directory { directories: vec![node("d")], ..Default::default() }, 1), Ok(()));
        assert_eq!(add(Directory { directories: vec![node("d")], ..Default::default() }, 2), Err(tonic::Code::ResourceExhausted));
    }

    #[test]
    fn folders_are_never_made_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
        assert!(create_dirs_beneath(dir.path(), Path::new("out/sub")).is_err());
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
        assert_eq!(create_dirs_beneath(dir.path(), Path::new("a/b")).unwrap(), dir.path().join("a/b"));
        // Files are never written through a link either.
        std::os::unix::fs::symlink(outside.path().join("f"), dir.path().join("f")).unwrap();
        assert!(write_new(&dir.path().join("f"), b"x", false).is_err());
        assert!(!outside.path().join("f").exists());
    }
}
