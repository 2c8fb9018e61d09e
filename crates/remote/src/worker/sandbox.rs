//! Running an action's command: isolated as far as the system allows (the worker refuses to start
//! when isolation is required and impossible), bounded in time and in what it may print.
//!
//! Isolation is util-linux's `unshare` and a short shell script run inside the new namespaces:
//! - a mount namespace where the action's folder is the only writable place of the host's
//!   filesystems (`/` and every other mount are remounted read-only in that view), `/tmp` is an
//!   empty folder of the lease's own (the action's folder stays at its path when it lies under
//!   `/tmp`) and `/dev/shm` a tmpfs of its own;
//! - a PID namespace (`--fork --kill-child`, its own `/proc`): when the command ends, or the
//!   worker kills it, the kernel kills every process it started, even those that left its group;
//! - a network namespace (loopback only) unless the worker allows network.
//!
//! As root the command runs as root in these namespaces; otherwise in a user namespace where it
//! is root (`--map-root-user`). Not isolated: CPU and memory (no cgroups), device nodes, and the
//! host's files for reading. Invariant: stdout and stderr go to files, never more than the limit
//! each, so a command cannot fill the worker's memory or disk through them.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use bazel_remote_apis::build::bazel::remote::execution::v2::Command;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::failure::LeaseFailure;
use super::limits::Limits;
use crate::RemoteError;

/// How the worker isolates actions.
#[derive(Clone, Copy, Debug)]
pub struct Isolation {
    /// Refuse to start when actions cannot be isolated (the default); otherwise run them
    /// plainly, after one warning (for development only).
    pub required: bool,
    /// Let actions use the network (no network namespace).
    pub network: bool,
}

impl Default for Isolation {
    fn default() -> Self {
        Self { required: true, network: false }
    }
}

/// The script run by `sh` inside the namespaces: `mount root tmp inner cwd n ro1…ron command…`.
/// `inner` is the action folder's path below `/tmp` (empty when it lies elsewhere): it is bound
/// into the private `/tmp` so that the folder keeps its path.
const SETUP: &str = r#"set -e
mount=$1 root=$2 tmp=$3 inner=$4 cwd=$5 n=$6
shift 6
"$mount" --bind "$root" "$root"
if [ -n "$inner" ]; then mkdir -p "$tmp/$inner"; "$mount" --bind "$root" "$tmp/$inner"; fi
"$mount" --rbind "$tmp" /tmp
if [ -d /dev/shm ]; then "$mount" -t tmpfs -o mode=1777,size=64m eghact-shm /dev/shm; fi
"$mount" -o remount,bind,ro /
while [ "$n" -gt 0 ]; do "$mount" -o remount,bind,ro "$1" 2>/dev/null || true; shift; n=$((n - 1)); done
cd "$cwd"
exec "$@"
"#;

#[derive(Debug)]
pub(super) enum Sandbox {
    /// Commands run as they are (isolation not required, and impossible here).
    None,
    Unshare {
        unshare: PathBuf,
        shell: PathBuf,
        mount: PathBuf,
        flags: Vec<&'static str>,
    },
}

impl Sandbox {
    /// Finds a way to isolate commands that works here, trying it on a folder of `work_dir`.
    pub(super) async fn probe(isolation: Isolation, work_dir: &Path) -> Result<Self, RemoteError> {
        let found = |names: &[&str]| names.iter().map(PathBuf::from).find(|path| path.exists());
        let tools = (
            found(&["/usr/bin/unshare", "/bin/unshare"]),
            found(&["/bin/sh", "/usr/bin/sh"]),
            found(&["/usr/bin/mount", "/bin/mount"]),
        );
        let why = match tools {
            (Some(unshare), Some(shell), Some(mount)) => {
                let mut base = vec!["--mount", "--pid", "--fork", "--kill-child", "--mount-proc"];
                if !isolation.network {
                    base.push("--net");
                }
                let mut last = String::new();
                for user_namespace in [false, true] {
                    let mut flags = base.clone();
                    if user_namespace {
                        flags.push("--map-root-user");
                    }
                    let sandbox =
                        Sandbox::Unshare { unshare: unshare.clone(), shell: shell.clone(), mount: mount.clone(), flags };
                    match sandbox.try_on(work_dir).await {
                        Ok(()) => return Ok(sandbox),
                        Err(error) => last = error,
                    }
                }
                format!("`unshare` cannot make the namespaces here ({last})")
            }
            _ => "`unshare`, `mount` (util-linux) or `sh` not found".to_string(),
        };
        if isolation.required {
            return Err(RemoteError::Isolation(why));
        }
        tracing::warn!(reason = %why, "actions run without isolation (--allow-unisolated)");
        Ok(Sandbox::None)
    }

    /// Runs `true` the way actions run, in a scratch lease folder.
    async fn try_on(&self, work_dir: &Path) -> Result<(), String> {
        let lease = work_dir.join(format!(".probe-{}", uuid::Uuid::new_v4()));
        let folders = LeaseFolders::new(lease.clone());
        let made = std::fs::create_dir_all(folders.root()).and_then(|()| std::fs::create_dir_all(folders.tmp()));
        let outcome = match made {
            Err(error) => Err(error.to_string()),
            Ok(()) => {
                let Sandbox::Unshare { shell, .. } = self else { return Ok(()) };
                let mut command = self.command(&folders, &folders.root(), shell.into());
                command
                    .args(["-c", "exit 0"])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .kill_on_drop(true);
                match command.output().await {
                    Ok(output) if output.status.success() => Ok(()),
                    Ok(output) => Err(String::from_utf8_lossy(&output.stderr).trim().to_string()),
                    Err(error) => Err(error.to_string()),
                }
            }
        };
        let _ = tokio::task::spawn_blocking(move || remove_tree_now(&lease)).await;
        outcome
    }

    /// The process that runs `program` in `working`, isolated (before its arguments).
    fn command(&self, folders: &LeaseFolders, working: &Path, program: OsString) -> tokio::process::Command {
        let Sandbox::Unshare { unshare, shell, mount, flags } = self else {
            let mut command = tokio::process::Command::new(program);
            command.current_dir(working);
            return command;
        };
        let root = folders.root();
        let inner = root.strip_prefix("/tmp").map(Path::to_path_buf).unwrap_or_default();
        let read_only = read_only_mounts();
        let mut command = tokio::process::Command::new(unshare);
        command.args(flags).arg("--").arg(shell).args(["-c", SETUP, "eghact-sandbox"]);
        command.arg(mount).arg(&root).arg(folders.tmp()).arg(inner).arg(working).arg(read_only.len().to_string());
        command.args(read_only).arg(program).current_dir(root);
        command
    }

    /// Runs the Command in `working` (inside the lease's root) with its environment only, in a
    /// process group of its own, killed at `timeout`; stdout and stderr go to the lease's files.
    pub(super) async fn run(
        &self,
        command: &Command,
        folders: &LeaseFolders,
        working: &Path,
        timeout: Duration,
        limits: &Limits,
    ) -> Result<CommandRun, LeaseFailure> {
        let Some(program) = command.arguments.first() else {
            return Err(LeaseFailure::new(tonic::Code::InvalidArgument, "a Command without arguments"));
        };
        // REAPI: a path with a separator is relative to the working directory; a bare name is looked
        // up in the action's own PATH (std does that with the environment it is given).
        let program: OsString = if program.contains('/') { working.join(program).into_os_string() } else { program.into() };
        let mut process = self.command(folders, working, program.clone());
        process
            .args(&command.arguments[1..])
            .env_clear()
            .envs(command.environment_variables.iter().map(|variable| (&variable.name, &variable.value)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = process.spawn().map_err(|error| {
            LeaseFailure::new(tonic::Code::InvalidArgument, format!("cannot start {}: {error}", program.to_string_lossy()))
        })?;
        let group = ProcessGroup(child.id().and_then(|pid| i32::try_from(pid).ok()));
        let stdout = capture(child.stdout.take(), folders.stdout(), limits.max_log_bytes, "stdout");
        let stderr = capture(child.stderr.take(), folders.stderr(), limits.max_log_bytes, "stderr");
        let (status, timed_out) = match tokio::time::timeout(timeout, child.wait()).await {
            Ok(status) => (status, None),
            Err(_) => {
                group.kill();
                (child.wait().await, Some(timeout))
            }
        };
        // Whatever the command left running in the background would hold stdout open.
        group.kill();
        let status = status.map_err(|e| LeaseFailure::io("wait for the command", e))?;
        let exit_code = status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
        let failed = |e: tokio::task::JoinError| LeaseFailure::new(tonic::Code::Internal, e.to_string());
        stdout.await.map_err(failed)??;
        stderr.await.map_err(failed)??;
        Ok(CommandRun { exit_code, timed_out })
    }
}

/// Where a lease's files live: `root/` (the input root, the only place the action may write),
/// `tmp/` (its private `/tmp`), `stdout` and `stderr`. Removed after the lease.
pub(super) struct LeaseFolders(PathBuf);

impl LeaseFolders {
    pub(super) fn new(path: PathBuf) -> Self {
        Self(path)
    }

    pub(super) fn path(&self) -> &Path {
        &self.0
    }

    pub(super) fn root(&self) -> PathBuf {
        self.0.join("root")
    }

    pub(super) fn tmp(&self) -> PathBuf {
        self.0.join("tmp")
    }

    pub(super) fn stdout(&self) -> PathBuf {
        self.0.join("stdout")
    }

    pub(super) fn stderr(&self) -> PathBuf {
        self.0.join("stderr")
    }
}

/// Every mount point of this system but `/` and those the sandbox replaces or makes anew, from
/// `/proc/self/mountinfo` (octal escapes decoded); empty where that file cannot be read.
fn read_only_mounts() -> Vec<PathBuf> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut mounts: Vec<PathBuf> = info
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|escaped| PathBuf::from(unescape_mount_point(escaped)))
        .filter(|path| {
            !["/", "/proc", "/tmp", "/dev/shm"].iter().any(|skip| path == Path::new(skip))
                && !path.starts_with("/proc/")
                && !path.starts_with("/tmp/")
        })
        .collect();
    mounts.sort();
    mounts.dedup();
    mounts
}

/// mountinfo writes space, tab, newline and backslash as `\ooo`.
fn unescape_mount_point(escaped: &str) -> OsString {
    use std::os::unix::ffi::OsStringExt as _;
    let bytes = escaped.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal =
            bytes.get(i + 1..i + 4).filter(|digits| bytes[i] == b'\\' && digits.iter().all(|d| (b'0'..=b'7').contains(d)));
        match octal.and_then(|digits| u8::from_str_radix(std::str::from_utf8(digits).ok()?, 8).ok()) {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    OsString::from_vec(out)
}

pub(super) struct CommandRun {
    pub(super) exit_code: i32,
    /// The limit it exceeded, when it was killed for it.
    pub(super) timed_out: Option<Duration>,
}

/// Copies a pipe to `path`, keeping at most `limit` bytes and draining the rest (so the command
/// never blocks on a full pipe); a stream that was cut ends with a line that says so.
fn capture(
    pipe: Option<impl tokio::io::AsyncRead + Unpin + Send + 'static>,
    path: PathBuf,
    limit: u64,
    what: &'static str,
) -> tokio::task::JoinHandle<Result<(), LeaseFailure>> {
    tokio::spawn(async move {
        let io = |e| LeaseFailure::io(format!("write {}", path.display()), e);
        let mut file = tokio::fs::File::create(&path).await.map_err(io)?;
        let Some(mut pipe) = pipe else { return Ok(()) };
        let (mut kept, mut total) = (0u64, 0u64);
        let mut buffer = vec![0; 64 << 10];
        loop {
            let read = match pipe.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => read,
            };
            total += read as u64;
            let room = usize::try_from(limit.saturating_sub(kept)).unwrap_or(usize::MAX).min(read);
            file.write_all(&buffer[..room]).await.map_err(io)?;
            kept += room as u64;
        }
        if total > kept {
            let note = format!("\n[eghact worker: {what} cut at {kept} of {total} bytes]\n");
            file.write_all(note.as_bytes()).await.map_err(io)?;
        }
        file.flush().await.map_err(io)
    })
}

/// Kills a command's whole process group: on timeout, after it exits (what it left in the
/// background), and when the lease is dropped mid-run. In the sandbox, killing `unshare` and the
/// command (the PID namespace's first process) ends the rest of the namespace too.
struct ProcessGroup(Option<i32>);

impl ProcessGroup {
    fn kill(&self) {
        if let Some(pgid) = self.0.filter(|pgid| *pgid > 1) {
            // SAFETY: kill(2) takes plain integers and touches no memory of ours. The group was
            // made for this command (process_group(0)), so -pgid names only its processes.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

pub(super) async fn remove_tree(root: PathBuf) {
    match tokio::task::spawn_blocking(move || remove_tree_now(&root)).await {
        Ok(Ok(())) => {}
        Ok(Err(message)) => tracing::error!("{message}"),
        Err(error) => tracing::error!(%error, "cleaning up failed"),
    }
}

/// Removes a directory, also when the command left read-only directories in it.
pub(super) fn remove_tree_now(root: &Path) -> Result<(), String> {
    if std::fs::remove_dir_all(root).is_ok() || !root.exists() {
        return Ok(());
    }
    fn writable(path: &Path) {
        if let Ok(metadata) = std::fs::symlink_metadata(path)
            && metadata.is_dir()
        {
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
            for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
                writable(&entry.path());
            }
        }
    }
    writable(root);
    std::fs::remove_dir_all(root).map_err(|error| format!("cannot remove {}: {error}", root.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_points_are_unescaped() {
        assert_eq!(unescape_mount_point(r"/mnt/with\040space\134x"), OsString::from("/mnt/with space\\x"));
        assert_eq!(unescape_mount_point(r"/a\9"), OsString::from(r"/a\9"));
    }

    fn shell(script: &str) -> Command {
        Command { arguments: vec!["/bin/sh".into(), "-c".into(), script.into()], ..Default::default() }
    }

    /// A lease folder as the worker makes it, and the sandbox this system allows.
    async fn lease(isolation: Isolation) -> (tempfile::TempDir, LeaseFolders, Sandbox) {
        let work = tempfile::tempdir().unwrap();
        let work_dir = std::fs::canonicalize(work.path()).unwrap();
        let sandbox = Sandbox::probe(isolation, &work_dir).await.unwrap();
        let folders = LeaseFolders::new(work_dir.join("lease"));
        std::fs::create_dir_all(folders.root()).unwrap();
        std::fs::create_dir_all(folders.tmp()).unwrap();
        (work, folders, sandbox)
    }

    #[tokio::test]
    async fn stdout_and_stderr_are_cut_at_the_limit_and_the_command_still_ends() {
        let (_work, folders, sandbox) = lease(Isolation { required: false, network: false }).await;
        let limits = Limits { max_log_bytes: 1000, ..Limits::default() };
        let command = shell("head -c 3000000 /dev/zero; echo small >&2");
        let run = sandbox.run(&command, &folders, &folders.root(), Duration::from_secs(60), &limits).await.unwrap();
        assert_eq!(run.exit_code, 0);
        let stdout = std::fs::read(folders.stdout()).unwrap();
        assert!(
            stdout.starts_with(&[0; 1000])
                && stdout[1000..].starts_with(b"\n[eghact worker: stdout cut at 1000 of 3000000 bytes]")
        );
        assert_eq!(std::fs::read(folders.stderr()).unwrap(), b"small\n");
    }

    #[tokio::test]
    async fn a_command_is_killed_at_its_timeout() {
        let (_work, folders, sandbox) = lease(Isolation { required: false, network: false }).await;
        let command = shell("sleep 30");
        let run = sandbox.run(&command, &folders, &folders.root(), Duration::from_millis(200), &Limits::default()).await.unwrap();
        assert_eq!(run.timed_out, Some(Duration::from_millis(200)));
    }

    /// What an action sees in the sandbox, where this system has one (a test of an unisolated
    /// system would be a test of nothing; the worker refuses to run there unless told to).
    #[tokio::test]
    async fn an_isolated_action_writes_only_its_folder_sees_no_network_and_leaves_no_process() {
        let (_work, folders, sandbox) = lease(Isolation { required: false, network: false }).await;
        if matches!(sandbox, Sandbox::None) {
            eprintln!("no namespaces here: nothing to test");
            return;
        }
        let marker = format!("eghact-sandbox-{}", uuid::Uuid::new_v4());
        // A host folder the test can write (its own /tmp would be the action's private one).
        let outside = std::env::current_dir().unwrap().join(format!(".{marker}"));
        let script = format!(
            "set -e
            echo in > here.txt
            echo tmp > /tmp/{marker}
            if touch {outside} 2>/dev/null; then exit 9; fi
            grep -c : /proc/net/dev
            setsid sleep 987654 </dev/null >/dev/null 2>&1 &
            echo $$",
            outside = outside.display()
        );
        let run =
            sandbox.run(&shell(&script), &folders, &folders.root(), Duration::from_secs(60), &Limits::default()).await.unwrap();
        let stdout = String::from_utf8(std::fs::read(folders.stdout()).unwrap()).unwrap();
        let stderr = String::from_utf8(std::fs::read(folders.stderr()).unwrap()).unwrap();
        assert_eq!(run.exit_code, 0, "{stdout}{stderr}");
        assert_eq!(std::fs::read(folders.root().join("here.txt")).unwrap(), b"in\n");
        let escaped = outside.exists();
        let _ = std::fs::remove_file(&outside);
        assert!(!escaped, "the host's files are read-only");
        assert!(!Path::new("/tmp").join(&marker).exists(), "/tmp is private");
        assert!(folders.tmp().join(&marker).exists(), "the private /tmp is the lease's");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines, ["1", "1"], "loopback only, and the command is the first process of its own PID namespace");
        // The process that left the group died with the namespace (the kernel kills it at once).
        let left = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .any(|entry| std::fs::read(entry.path().join("cmdline")).is_ok_and(|cmdline| cmdline == b"sleep\0987654\0"));
        assert!(!left, "a process outlived its action");
    }

    #[tokio::test]
    async fn a_worker_that_requires_isolation_refuses_to_start_without_it() {
        let work = tempfile::tempdir().unwrap();
        // A system where the namespaces cannot be made: the probe's scratch folder is unusable.
        let blocked = work.path().join("file");
        std::fs::write(&blocked, b"").unwrap();
        let required = Sandbox::probe(Isolation::default(), &blocked).await;
        assert!(matches!(required, Err(RemoteError::Isolation(_))), "{required:?}");
        let allowed = Sandbox::probe(Isolation { required: false, network: false }, &blocked).await;
        assert!(matches!(allowed, Ok(Sandbox::None)), "{allowed:?}");
    }
}
