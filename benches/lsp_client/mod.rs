//! A small Language Server Protocol client over a server's stdio, for the `lsp` benchmark.
//!
//! It does what an editor's client does and nothing more: JSON-RPC framing, requests with
//! their responses, notifications, and answers to the requests servers send back
//! (`client/registerCapability`, `window/workDoneProgress/create`, `workspace/configuration`,
//! …), which a server may wait on. A reader thread stamps every message when it arrives, so a
//! timing ends when the server's answer is off the pipe, not when the benchmark looks at it.

use std::collections::{BTreeSet, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

/// How much of a server's stderr is kept, to explain a failure.
const STDERR_TAIL_LINES: usize = 40;

/// A message from the server and when the reader thread had it.
struct Incoming {
    at: Instant,
    message: Value,
}

/// A running language server and the client's side of its pipes.
pub struct Server {
    name: String,
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Incoming>,
    next_id: i64,
    /// `publishDiagnostics` notifications read while waiting for something else; other
    /// notifications (logs, progress) are dropped.
    diagnostics: Vec<Incoming>,
    /// Methods of the requests the server sent, and of those the client could not answer.
    pub requests_seen: BTreeSet<String>,
    pub requests_refused: BTreeSet<String>,
    /// What the server asked the editor to show (`window/showMessage`): warnings a user sees.
    pub messages_shown: BTreeSet<String>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
}

impl Server {
    /// Starts `command` with piped stdio; `name` labels errors.
    pub fn spawn(name: &str, command: &mut Command) -> Result<Self> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {name} ({command:?})"))?;
        let stdin = child.stdin.take().context("no stdin pipe")?;
        let stdout = child.stdout.take().context("no stdout pipe")?;
        let stderr = child.stderr.take().context("no stderr pipe")?;
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            while let Some(body) = read_message(&mut stdout) {
                let at = Instant::now();
                // A body that is not JSON ends the stream: the wait that follows reports it.
                let Ok(message) = serde_json::from_slice(&body) else { return };
                if sender.send(Incoming { at, message }).is_err() {
                    return;
                }
            }
        });
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail = stderr_tail.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut tail = tail.lock().unwrap_or_else(PoisonError::into_inner);
                if tail.len() == STDERR_TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        });
        Ok(Self {
            name: name.to_string(),
            child,
            stdin,
            messages,
            next_id: 1,
            diagnostics: Vec::new(),
            requests_seen: BTreeSet::new(),
            requests_refused: BTreeSet::new(),
            messages_shown: BTreeSet::new(),
            stderr_tail,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server process's peak resident memory (VmHWM) in KiB, while it runs (Linux).
    pub fn peak_memory_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?.split_whitespace().next()?.parse().ok()
    }

    fn send(&mut self, message: &Value) -> Result<()> {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len())
            .and_then(|()| self.stdin.flush())
            .map_err(|e| self.failure(&format!("cannot write to it: {e}")))
    }

    /// Sends a notification; returns when it was sent.
    pub fn notify(&mut self, method: &str, params: Value) -> Result<Instant> {
        let sent = Instant::now();
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))?;
        Ok(sent)
    }

    /// Sends a request and waits for its result; returns it with the time from the send to
    /// the response in ms. An error response is an error.
    pub fn request(&mut self, method: &str, params: Value, timeout: Duration) -> Result<(Value, f64)> {
        let id = self.next_id;
        self.next_id += 1;
        let sent = Instant::now();
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))?;
        let deadline = sent + timeout;
        loop {
            let incoming = self.next(deadline, &format!("the response to {method}"))?;
            if incoming.message["id"] == id && incoming.message.get("method").is_none() {
                if let Some(error) = incoming.message.get("error") {
                    bail!("{}: {method} failed: {error}", self.name);
                }
                let ms = incoming.at.duration_since(sent).as_secs_f64() * 1000.0;
                return Ok((incoming.message["result"].clone(), ms));
            }
            self.keep(incoming);
        }
    }

    /// Waits for the diagnostics of `uri` that answer a change sent at `sent`: those that
    /// carry `version`, or, from a server that publishes no version, the first published
    /// after `sent`. Returns them with the time from `sent` in ms; older ones are dropped.
    pub fn diagnostics(&mut self, uri: &str, version: i64, sent: Instant, timeout: Duration) -> Result<(Vec<Value>, f64)> {
        let answers = |incoming: &Incoming| {
            let params = &incoming.message["params"];
            params["uri"] == uri
                && match params["version"].as_i64() {
                    Some(published) => published == version,
                    None => incoming.at >= sent,
                }
        };
        let deadline = sent + timeout;
        loop {
            if let Some(index) = self.diagnostics.iter().position(answers) {
                let found = self.diagnostics.remove(index);
                self.diagnostics.retain(|d| d.message["params"]["uri"] != uri || d.at > found.at);
                let list = found.message["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
                return Ok((list, found.at.duration_since(sent).as_secs_f64() * 1000.0));
            }
            let incoming = self.next(deadline, &format!("diagnostics of {uri} (version {version})"))?;
            self.keep(incoming);
        }
    }

    /// `shutdown`, then `exit`; returns the server's exit status. A server still running
    /// `timeout` later is an error (and is killed on drop).
    pub fn shutdown(mut self, timeout: Duration) -> Result<ExitStatus> {
        self.request("shutdown", Value::Null, timeout)?;
        self.notify("exit", Value::Null)?;
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().context("waiting for the server to exit")? {
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        bail!("{} did not exit within {timeout:?} of `exit`", self.name)
    }

    /// Keeps diagnostics for a later wait and the messages for the user; drops other
    /// notifications (logs, progress) and stray responses.
    fn keep(&mut self, incoming: Incoming) {
        match incoming.message["method"].as_str() {
            Some("textDocument/publishDiagnostics") => self.diagnostics.push(incoming),
            Some("window/showMessage") => {
                self.messages_shown.insert(incoming.message["params"]["message"].as_str().unwrap_or_default().to_string());
            }
            _ => {}
        }
    }

    /// The next message that is not a request from the server (those are answered here).
    fn next(&mut self, deadline: Instant, waiting_for: &str) -> Result<Incoming> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let incoming = match self.messages.recv_timeout(left) {
                Ok(incoming) => incoming,
                Err(RecvTimeoutError::Timeout) => return Err(self.failure(&format!("no {waiting_for} in time"))),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(self.failure(&format!("its output ended while waiting for {waiting_for}")));
                }
            };
            let message = &incoming.message;
            match (message.get("id"), message["method"].as_str()) {
                (Some(id), Some(method)) => {
                    let answer = self.answer(method, &message["params"]);
                    let reply = match answer {
                        Some(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
                        None => {
                            json!({ "jsonrpc": "2.0", "id": id, "error": { "code": -32601, "message": "not supported by the bench client" } })
                        }
                    };
                    self.send(&reply)?;
                }
                _ => return Ok(incoming),
            }
        }
    }

    /// What an editor answers to a request from the server; `None` for a method it does not
    /// support (answered with MethodNotFound).
    fn answer(&mut self, method: &str, params: &Value) -> Option<Value> {
        self.requests_seen.insert(method.to_string());
        let result = match method {
            // No settings: every section gets its defaults.
            "workspace/configuration" => Value::Array(vec![Value::Null; params["items"].as_array().map_or(0, Vec::len)]),
            "client/registerCapability"
            | "client/unregisterCapability"
            | "window/workDoneProgress/create"
            | "window/showMessageRequest"
            | "workspace/semanticTokens/refresh"
            | "workspace/inlayHint/refresh"
            | "workspace/codeLens/refresh"
            | "workspace/diagnostic/refresh" => Value::Null,
            "workspace/applyEdit" => json!({ "applied": false }),
            _ => {
                self.requests_refused.insert(method.to_string());
                return None;
            }
        };
        Some(result)
    }

    /// An error naming the server, with its exit status if it has exited and the end of its
    /// stderr.
    fn failure(&mut self, what: &str) -> anyhow::Error {
        let status = match self.child.try_wait() {
            Ok(Some(status)) => format!(" (it exited: {status})"),
            _ => String::new(),
        };
        let tail = self.stderr_tail.lock().unwrap_or_else(PoisonError::into_inner);
        let stderr = if tail.is_empty() {
            String::new()
        } else {
            format!("\nits last stderr lines:\n{}", tail.iter().cloned().collect::<Vec<_>>().join("\n"))
        };
        anyhow!("{}: {what}{status}{stderr}", self.name)
    }
}

impl Drop for Server {
    /// A server left running by a failed benchmark is killed, not orphaned.
    fn drop(&mut self) {
        if self.child.try_wait().is_ok_and(|status| status.is_none()) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One framed message body (`Content-Length` header, blank line, body); `None` at the end of
/// the stream or on a malformed frame.
fn read_message(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    Some(body)
}
