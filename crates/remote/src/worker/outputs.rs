//! An action's outputs, from its folder to CAS and an ActionResult.
//!
//! Invariants: nothing outside the action's folder is read, whatever the action left there: an
//! output path whose folders pass through a symlink is refused, a symlink is reported as a
//! symlink (never followed), files are opened with `O_NOFOLLOW` and hashed from that open file,
//! and a file that changes before its upload fails the lease. Outputs are bounded in total bytes
//! and never held in memory whole (hashed in streams, uploaded in bounded chunks).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Read as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Component, Path, PathBuf};

use bazel_remote_apis::build::bazel::remote::execution::v2::{
    ActionResult, Command, Digest, Directory, DirectoryNode, FileNode, OutputDirectory, OutputFile, OutputSymlink, SymlinkNode,
    Tree,
};
use prost::Message as _;

use super::failure::LeaseFailure;
use super::inputs::blocking;
use super::limits::chunks;
use super::sandbox::LeaseFolders;
use crate::action::DigestFunction;
use crate::reapi::ReapiClient;

/// Which list of the Command an output came from (symlinks are reported per list).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OutputKind {
    Path,
    File,
    Directory,
}

pub(super) struct Outputs {
    /// Relative to the working directory, checked.
    paths: Vec<(String, OutputKind)>,
}

impl Outputs {
    /// `output_paths` (REAPI 2.1) when given, else the older `output_files` and `output_directories`.
    #[allow(deprecated)] // the older fields, which clients before REAPI 2.1 send
    pub(super) fn of(command: &Command) -> Result<Self, LeaseFailure> {
        let paths: Vec<(String, OutputKind)> = if command.output_paths.is_empty() {
            let files = command.output_files.iter().map(|path| (path.clone(), OutputKind::File));
            files.chain(command.output_directories.iter().map(|path| (path.clone(), OutputKind::Directory))).collect()
        } else {
            command.output_paths.iter().map(|path| (path.clone(), OutputKind::Path)).collect()
        };
        for (path, _) in &paths {
            relative(path)?;
        }
        Ok(Self { paths })
    }

    pub(super) fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(|(path, _)| path.as_str())
    }
}

/// A relative path that stays inside the input root (no `..`, not absolute).
pub(super) fn relative(path: &str) -> Result<PathBuf, LeaseFailure> {
    let candidate = Path::new(path);
    if path.contains('\0')
        || !candidate.components().all(|component| matches!(component, Component::Normal(_) | Component::CurDir))
    {
        return Err(LeaseFailure::new(tonic::Code::InvalidArgument, format!("path {path:?} leaves the input root")));
    }
    Ok(candidate.to_path_buf())
}

/// Blobs to upload: small ones in memory, files by path (read again when uploaded, and checked).
#[derive(Default)]
struct Upload {
    memory: Vec<(Digest, Vec<u8>)>,
    files: Vec<(Digest, PathBuf)>,
}

enum Source {
    Memory(Vec<u8>),
    File(PathBuf),
}

/// What an output path names, found without following a link on the way.
enum Found {
    Missing,
    Symlink(String),
    Directory,
    File { executable: bool, size: u64 },
}

/// Looks at `root/relative` from the root down: a folder on the way that is a link (or not a
/// folder) is refused, the last part is looked at without following it.
fn find_beneath(root: &Path, relative: &Path) -> Result<(PathBuf, Found), LeaseFailure> {
    let shown = relative.display().to_string();
    let io = |error| LeaseFailure::io(format!("output {shown}"), error);
    let parts: Vec<_> = relative.components().filter(|part| matches!(part, Component::Normal(_))).collect();
    let mut path = root.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let metadata = match std::fs::symlink_metadata(&path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok((path, Found::Missing)),
            Err(error) => return Err(io(error)),
        };
        let last = i + 1 == parts.len();
        if metadata.file_type().is_symlink() {
            if !last {
                return Err(LeaseFailure::new(
                    tonic::Code::InvalidArgument,
                    format!("output {shown} passes through a symlink the action made"),
                ));
            }
            let target = std::fs::read_link(&path).map_err(io)?.to_string_lossy().into_owned();
            return Ok((path, Found::Symlink(target)));
        }
        if last {
            let found = if metadata.is_dir() {
                Found::Directory
            } else if metadata.is_file() {
                Found::File { executable: metadata.mode() & 0o111 != 0, size: metadata.len() }
            } else {
                Found::Missing
            };
            return Ok((path, found));
        }
        if !metadata.is_dir() {
            return Ok((path, Found::Missing));
        }
    }
    Ok((path, Found::Directory))
}

/// Opens a file the action wrote, never through a link.
fn open_no_follow(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path)
}

/// The digest of a file, read in pieces from one open file that is not a link.
pub(super) fn hash_file(function: DigestFunction, path: &Path) -> Result<Digest, LeaseFailure> {
    let io = |e| LeaseFailure::io(format!("read {}", path.display()), e);
    let mut file = open_no_follow(path).map_err(io)?;
    if !file.metadata().map_err(io)?.is_file() {
        return Err(LeaseFailure::new(tonic::Code::Internal, format!("{} is not a file", path.display())));
    }
    let mut hasher = function.hasher();
    let mut buffer = vec![0; 1 << 20];
    loop {
        let read = file.read(&mut buffer).map_err(io)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher.finish())
}

/// Counts output bytes against the action's limit.
struct Budget {
    left: u64,
    limit: u64,
}

impl Budget {
    fn take(&mut self, bytes: u64) -> Result<(), LeaseFailure> {
        self.left = self.left.checked_sub(bytes).ok_or_else(|| {
            LeaseFailure::new(
                tonic::Code::ResourceExhausted,
                format!("the action's outputs are larger than this worker's limit of {} bytes", self.limit),
            )
        })?;
        Ok(())
    }
}

impl Outputs {
    /// Uploads the outputs that exist (a missing output is not an error in REAPI), stdout and
    /// stderr, and returns the ActionResult that names them.
    pub(super) async fn upload(
        &self,
        client: &ReapiClient,
        max_output_bytes: u64,
        folders: &LeaseFolders,
        working: &Path,
    ) -> Result<ActionResult, LeaseFailure> {
        let function = client.digest_function();
        let (root, working_relative) = (folders.root(), working.strip_prefix(folders.root()).unwrap_or(working).to_path_buf());
        let paths: Vec<(String, OutputKind)> = self.paths.clone();
        let limit = max_output_bytes;
        let (stdout, stderr) = (folders.stdout(), folders.stderr());
        let (result, upload) = blocking(move || {
            let mut budget = Budget { left: limit, limit };
            let mut upload = Upload::default();
            let mut result = ActionResult::default();
            for (path, kind) in &paths {
                let (full, found) = find_beneath(&root, &working_relative.join(path))?;
                match found {
                    Found::Missing => {}
                    Found::Symlink(target) => {
                        let symlink = OutputSymlink { path: path.clone(), target, ..Default::default() };
                        // The per-list fields are deprecated, but clients older than REAPI 2.1 read only them.
                        #[allow(deprecated)]
                        match kind {
                            OutputKind::File => result.output_file_symlinks.push(symlink.clone()),
                            OutputKind::Directory => result.output_directory_symlinks.push(symlink.clone()),
                            OutputKind::Path => {}
                        }
                        result.output_symlinks.push(symlink);
                    }
                    Found::Directory => {
                        let walked = walk_tree(function, &full, &mut budget)?;
                        let root_digest =
                            function.digest(&walked.tree.root.as_ref().map(|root| root.encode_to_vec()).unwrap_or_default());
                        let tree = walked.tree.encode_to_vec();
                        let tree_digest = function.digest(&tree);
                        upload.memory.push((tree_digest.clone(), tree));
                        upload.memory.extend(walked.directories);
                        upload.files.extend(walked.files);
                        result.output_directories.push(OutputDirectory {
                            path: path.clone(),
                            tree_digest: Some(tree_digest),
                            root_directory_digest: Some(root_digest),
                            ..Default::default()
                        });
                    }
                    Found::File { executable, size } => {
                        budget.take(size)?;
                        let digest = hash_file(function, &full)?;
                        upload.files.push((digest.clone(), full));
                        result.output_files.push(OutputFile {
                            path: path.clone(),
                            digest: Some(digest),
                            is_executable: executable,
                            ..Default::default()
                        });
                    }
                }
            }
            // The logs are the worker's own files, already bounded.
            for (log, digest) in [(stdout, &mut result.stdout_digest), (stderr, &mut result.stderr_digest)] {
                let hashed = hash_file(function, &log)?;
                *digest = Some(hashed.clone());
                upload.files.push((hashed, log));
            }
            Ok((result, upload))
        })
        .await?;
        send(client, upload).await?;
        Ok(result)
    }
}

/// Uploads what CAS lacks, reading files only then and holding a bounded amount at once.
async fn send(client: &ReapiClient, upload: Upload) -> Result<(), LeaseFailure> {
    let mut sources: HashMap<String, Source> = HashMap::new();
    let mut digests = Vec::new();
    for (digest, data) in upload.memory {
        if digest.size_bytes > 0 && !sources.contains_key(&digest.hash) {
            sources.insert(digest.hash.clone(), Source::Memory(data));
            digests.push(digest);
        }
    }
    for (digest, path) in upload.files {
        if digest.size_bytes > 0 && !sources.contains_key(&digest.hash) {
            sources.insert(digest.hash.clone(), Source::File(path));
            digests.push(digest);
        }
    }
    let missing = client.find_missing(&digests).await.map_err(LeaseFailure::remote)?;
    let function = client.digest_function();
    for chunk in chunks(missing, |digest| usize::try_from(digest.size_bytes).unwrap_or(usize::MAX)) {
        let mut wanted = Vec::with_capacity(chunk.len());
        for digest in chunk {
            // `None`: the server named a blob we did not ask about.
            if let Some(source) = sources.remove(&digest.hash) {
                wanted.push((digest, source));
            }
        }
        let blobs = blocking(move || {
            let mut blobs = Vec::with_capacity(wanted.len());
            for (digest, source) in wanted {
                let data = match source {
                    Source::Memory(data) => data,
                    Source::File(path) => {
                        let mut data = Vec::new();
                        open_no_follow(&path)
                            .and_then(|mut file| file.read_to_end(&mut data))
                            .map_err(|e| LeaseFailure::io(format!("read {}", path.display()), e))?;
                        if function.digest(&data) != digest {
                            return Err(LeaseFailure::new(
                                tonic::Code::Internal,
                                format!("{} changed while uploading", path.display()),
                            ));
                        }
                        data
                    }
                };
                blobs.push((digest, data));
            }
            Ok(blobs)
        })
        .await?;
        let borrowed: Vec<(Digest, &[u8])> = blobs.iter().map(|(digest, data)| (digest.clone(), data.as_slice())).collect();
        client.upload(&borrowed).await.map_err(LeaseFailure::remote)?;
    }
    Ok(())
}

struct WalkedTree {
    tree: Tree,
    /// Encoded Directory messages of the tree (children and root).
    directories: Vec<(Digest, Vec<u8>)>,
    files: Vec<(Digest, PathBuf)>,
}

/// The REAPI Tree of an output directory: every Directory sorted by name, children distinct;
/// links inside it are reported as links, never followed.
fn walk_tree(function: DigestFunction, root: &Path, budget: &mut Budget) -> Result<WalkedTree, LeaseFailure> {
    fn walk(
        function: DigestFunction,
        dir: &Path,
        walked: &mut WalkedTree,
        children: &mut Vec<Directory>,
        budget: &mut Budget,
    ) -> Result<Directory, LeaseFailure> {
        let io = |error| LeaseFailure::io(format!("output {}", dir.display()), error);
        let mut directory = Directory::default();
        let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(io)?.collect::<Result<_, _>>().map_err(io)?;
        entries.sort_by_key(|entry| entry.file_name());
        for entry in entries {
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                return Err(LeaseFailure::new(tonic::Code::Internal, format!("output {} is not UTF-8", path.display())));
            };
            let metadata = std::fs::symlink_metadata(&path).map_err(io)?;
            if metadata.file_type().is_symlink() {
                let target = std::fs::read_link(&path).map_err(io)?.to_string_lossy().into_owned();
                directory.symlinks.push(SymlinkNode { name, target, ..Default::default() });
            } else if metadata.is_dir() {
                let child = walk(function, &path, walked, children, budget)?;
                let encoded = child.encode_to_vec();
                let digest = function.digest(&encoded);
                if !walked.directories.iter().any(|(known, _)| *known == digest) {
                    walked.directories.push((digest.clone(), encoded));
                    children.push(child);
                }
                directory.directories.push(DirectoryNode { name, digest: Some(digest) });
            } else if metadata.is_file() {
                budget.take(metadata.len())?;
                let digest = hash_file(function, &path)?;
                walked.files.push((digest.clone(), path));
                directory.files.push(FileNode {
                    name,
                    digest: Some(digest),
                    is_executable: metadata.mode() & 0o111 != 0,
                    ..Default::default()
                });
            }
        }
        Ok(directory)
    }
    let mut walked = WalkedTree { tree: Tree::default(), directories: Vec::new(), files: Vec::new() };
    let mut children = Vec::new();
    let root_directory = walk(function, root, &mut walked, &mut children, budget)?;
    let encoded = root_directory.encode_to_vec();
    walked.directories.push((function.digest(&encoded), encoded));
    walked.tree = Tree { root: Some(root_directory), children };
    Ok(walked)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn unlimited() -> Budget {
        Budget { left: u64::MAX, limit: u64::MAX }
    }

    #[test]
    fn output_directories_become_sorted_trees_with_distinct_children() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["b", "a"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
            std::fs::write(dir.path().join(sub).join("same.txt"), b"same").unwrap();
        }
        std::fs::write(dir.path().join("z.sh"), b"#!/bin/sh").unwrap();
        std::fs::set_permissions(dir.path().join("z.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("z.sh", dir.path().join("link")).unwrap();
        let walked = walk_tree(DigestFunction::Sha256, dir.path(), &mut unlimited()).unwrap();
        let root = walked.tree.root.unwrap();
        let names: Vec<_> = root.directories.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(walked.tree.children.len(), 1, "identical subdirectories are one child");
        assert!(root.files[0].is_executable);
        assert_eq!(root.symlinks[0].target, "z.sh");
        assert_eq!(walked.files.len(), 3);
        let mut small = Budget { left: 10, limit: 10 };
        assert!(walk_tree(DigestFunction::Sha256, dir.path(), &mut small).is_err(), "17 bytes of files, 10 allowed");
    }

    #[test]
    fn outputs_never_lead_out_of_the_action_folder() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"host file").unwrap();
        std::fs::create_dir(root.path().join("out")).unwrap();
        // A link as the output itself is reported as a link.
        std::os::unix::fs::symlink(outside.path().join("secret"), root.path().join("out/x")).unwrap();
        assert!(
            matches!(find_beneath(root.path(), Path::new("out/x")).unwrap().1, Found::Symlink(target) if target.ends_with("secret"))
        );
        // A link on the way is refused.
        std::os::unix::fs::symlink(outside.path(), root.path().join("via")).unwrap();
        assert!(find_beneath(root.path(), Path::new("via/secret")).is_err());
        // A file is never opened through a link.
        assert!(hash_file(DigestFunction::Sha256, &root.path().join("out/x")).is_err());
        assert!(matches!(find_beneath(root.path(), Path::new("out/none")).unwrap().1, Found::Missing));
    }

    #[test]
    fn names_and_paths_from_the_server_cannot_leave_the_root() {
        for bad in ["../x", "/etc/passwd", "a/../../b"] {
            assert!(relative(bad).is_err(), "{bad:?}");
        }
        assert_eq!(relative("out/a.txt").unwrap(), PathBuf::from("out/a.txt"));
        assert_eq!(relative("").unwrap(), PathBuf::new());
    }
}
