//! A small LSP client that drives the real `eghact-lsp --stdio` over its pipes, as an editor
//! does, and the helpers the end-to-end tests share.
#![allow(dead_code)] // Each test file uses part of it.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Client {
    pub child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Messages read while waiting for something else.
    pub pending: Vec<Value>,
    /// The requests the server sent (each answered with `null`).
    pub requests: Vec<Value>,
    /// How long [`Client::next`] waits for a message before it fails the test: generous (a debug
    /// server on a busy machine checks a 10 MB document slowly), since it only bounds a hang.
    pub patience: Duration,
}

impl Client {
    pub fn start() -> Self {
        Self::start_with_env(&[])
    }

    pub fn start_with_env(env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(server_binary())
            .arg("--stdio")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start eghact-lsp");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                if stdout.read_exact(&mut body).is_err() {
                    return;
                }
                if sender.send(serde_json::from_slice(&body).expect("JSON body")).is_err() {
                    return;
                }
            }
        });
        Self { child, stdin, messages, next_id: 1, pending: Vec::new(), requests: Vec::new(), patience: Duration::from_secs(120) }
    }

    /// `initialize` on `root` with the client `capabilities`, then `initialized`; answers the
    /// server's capabilities.
    pub fn initialize(&mut self, root: &Path, capabilities: Value) -> Value {
        self.initialize_with_options(root, capabilities, Value::Null)
    }

    /// `initialize` with the editor's `initializationOptions` (its settings).
    pub fn initialize_with_options(&mut self, root: &Path, capabilities: Value, options: Value) -> Value {
        let params =
            json!({ "processId": null, "rootUri": uri(root), "capabilities": capabilities, "initializationOptions": options });
        let init = self.request("initialize", params);
        self.notify("initialized", json!({}));
        init
    }

    /// Writes a framed body as is (the tests send broken JSON with it).
    pub fn send_raw(&mut self, body: &str) {
        self.send_bytes(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    /// Writes bytes as they are, framing included.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn send(&mut self, message: Value) {
        self.send_raw(&message.to_string());
    }

    /// The next message from the server (within `patience`); its requests (`client/registerCapability`) are
    /// answered as a client does.
    pub fn next(&mut self) -> Value {
        loop {
            let message = self
                .messages
                .recv_timeout(self.patience)
                .unwrap_or_else(|_| panic!("no message from the server within {:?}", self.patience));
            if message.get("method").is_some() && message.get("id").is_some() {
                self.send(json!({ "jsonrpc": "2.0", "id": message["id"], "result": null }));
                self.requests.push(message);
                continue;
            }
            return message;
        }
    }

    /// Every message that arrives within `duration` (the server's requests answered).
    pub fn messages_for(&mut self, duration: Duration) -> Vec<Value> {
        let deadline = Instant::now() + duration;
        let mut messages = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let Ok(message) = self.messages.recv_timeout(left) else { break };
            if message.get("method").is_some() && message.get("id").is_some() {
                self.send(json!({ "jsonrpc": "2.0", "id": message["id"], "result": null }));
                self.requests.push(message);
                continue;
            }
            messages.push(message);
        }
        messages
    }

    /// The parameters of the requests the server sent with `method`.
    pub fn requests_of(&self, method: &str) -> Vec<&Value> {
        self.requests.iter().filter(|request| request["method"] == method).map(|request| &request["params"]).collect()
    }

    /// Sends a request and answers its id without waiting.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    /// The whole response to request `id`: `result` or `error`.
    pub fn response(&mut self, id: Value) -> Value {
        loop {
            if let Some(index) = self.pending.iter().position(|m| m["id"] == id && m.get("method").is_none()) {
                return self.pending.remove(index);
            }
            let message = self.next();
            self.pending.push(message);
        }
    }

    /// A request's result; an error response fails the test.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        let response = self.response(json!(id));
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        let document = json!({ "uri": uri, "languageId": "eghact", "version": 1, "text": text });
        self.notify("textDocument/didOpen", json!({ "textDocument": document }));
    }

    /// The next notification `method`, skipping others.
    pub fn notification(&mut self, method: &str) -> Value {
        self.notification_where(method, |_| true)
    }

    /// The next notification `method` whose params satisfy `matches`.
    pub fn notification_where(&mut self, method: &str, matches: impl Fn(&Value) -> bool) -> Value {
        loop {
            if let Some(index) = self.pending.iter().position(|m| m["method"] == method && matches(&m["params"])) {
                return self.pending.remove(index)["params"].clone();
            }
            let message = self.next();
            self.pending.push(message);
        }
    }

    /// The next `publishDiagnostics` for `uri`.
    pub fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        let params = self.notification_where("textDocument/publishDiagnostics", |p| p["uri"] == uri);
        params["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    /// `shutdown`, then `exit`: the server must end, and end well; one that does not exit
    /// within 20 s is killed and the test fails.
    #[track_caller]
    pub fn shut_down(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "eghact-lsp ended with {status} after `exit`");
                return;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("eghact-lsp did not exit within 20 s of `exit`");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The `eghact-lsp` binary: this crate's, which Cargo built for its tests, or, for the root
/// package's tests that share this client, the one beside the `eghact` binary in the same
/// target folder, brought up to date first (Cargo builds only the binaries of the package
/// under test, so `cargo test --test editor_agrees` alone would run a stale server).
pub fn server_binary() -> std::path::PathBuf {
    if let Some(binary) = option_env!("CARGO_BIN_EXE_eghact-lsp") {
        return binary.into();
    }
    static BUILT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cli = Path::new(option_env!("CARGO_BIN_EXE_eghact").expect("a Cargo test binary"));
            let profile_dir = cli.parent().expect("the profile folder");
            let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
                Some("debug") => "dev",
                Some(other) => other,
                None => panic!("no profile folder in {}", cli.display()),
            };
            let status = Command::new(env!("CARGO"))
                .args(["build", "--quiet", "-p", "eghact-lsp", "--bin", "eghact-lsp", "--profile", profile, "--target-dir"])
                .arg(profile_dir.parent().expect("the target folder"))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("run cargo");
            assert!(status.success(), "cargo build -p eghact-lsp failed");
            cli.with_file_name("eghact-lsp")
        })
        .clone()
}

pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

pub fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().map(|d| d["code"].as_str().unwrap_or("").to_string()).collect()
}

/// A project in a temporary folder with `files` (`(path, text)`, relative to the root);
/// returns the folder and its canonical root.
pub fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (dir, root)
}
