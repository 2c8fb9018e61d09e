//! End-to-end: the real `eghact-lsp --stdio` driven by a small LSP client over its pipes.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications read while waiting for something else.
    pending: Vec<Value>,
    /// Methods of the requests the server sent.
    requests: Vec<String>,
}

impl Client {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_eghact-lsp"))
            .arg("--stdio")
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
        Self { child, stdin, messages, next_id: 1, pending: Vec::new(), requests: Vec::new() }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    /// The next message from the server; its requests (`client/registerCapability`) are
    /// answered as a client does.
    fn next(&mut self) -> Value {
        loop {
            let message = self.messages.recv_timeout(Duration::from_secs(20)).expect("a message from the server within 20 s");
            if message.get("method").is_some() && message.get("id").is_some() {
                self.requests.push(message["method"].as_str().unwrap_or("").to_string());
                self.send(json!({ "jsonrpc": "2.0", "id": message["id"], "result": null }));
                continue;
            }
            return message;
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.next();
            if message["id"] == id && message.get("method").is_none() {
                assert!(message.get("error").is_none(), "{method} failed: {message}");
                return message["result"].clone();
            }
            self.pending.push(message);
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// The next notification `method`, skipping others.
    fn notification(&mut self, method: &str) -> Value {
        loop {
            if let Some(index) = self.pending.iter().position(|m| m["method"] == method) {
                return self.pending.remove(index)["params"].clone();
            }
            let message = self.next();
            self.pending.push(message);
        }
    }

    /// The next `publishDiagnostics` for `uri`.
    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let found = self.pending.iter().position(|m| {
                m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"].as_str().is_some_and(|u| u == uri)
            });
            if let Some(index) = found {
                let message = self.pending.remove(index);
                return message["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
            }
            let message = self.next();
            self.pending.push(message);
        }
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().map(|d| d["code"].as_str().unwrap_or("").to_string()).collect()
}

const APP: &str = "<script lang=\"ts\">\n  import Badge from './Badge.egh';\n  let count = 0;\n</script>\n<template>\n  <button @click=\"count += 1\">{cout}</button>\n  <Badge n={count} />\n</template>\n";
const BADGE: &str = "<script lang=\"ts\">\n  export let n: number = 0;\n</script>\n<template><span>{n}</span></template>\n";

#[test]
fn diagnostics_hover_definition_and_cross_file_updates() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/App.egh"), APP).unwrap();
    std::fs::write(root.join("src/Badge.egh"), BADGE).unwrap();
    let (app, badge) = (uri(&root.join("src/App.egh")), uri(&root.join("src/Badge.egh")));

    let mut client = Client::start();
    let init = client.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri(&root), "capabilities": {
            "general": { "positionEncodings": ["utf-16"] },
            "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } },
            "window": { "workDoneProgress": true }
        } }),
    );
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    client.notify("initialized", json!({}));

    // Open: the typo is reported with its code and exact range.
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": app, "languageId": "eghact", "version": 1, "text": APP } }),
    );
    let diagnostics = client.diagnostics_for(&app);
    assert_eq!(codes(&diagnostics), ["E0601"]);
    assert_eq!(client.requests, ["client/registerCapability"], "the server asks to watch files");
    assert_eq!(
        diagnostics[0]["range"],
        json!({ "start": { "line": 5, "character": 31 }, "end": { "line": 5, "character": 35 } })
    );

    // An incremental edit fixes it.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": app, "version": 2 },
            "contentChanges": [{ "range": { "start": { "line": 5, "character": 31 }, "end": { "line": 5, "character": 35 } }, "text": "count" }]
        }),
    );
    assert_eq!(codes(&client.diagnostics_for(&app)), Vec::<String>::new());

    // Hover and definition of `count` in the template.
    let at = json!({ "textDocument": { "uri": app }, "position": { "line": 5, "character": 33 } });
    let hover = client.request("textDocument/hover", at.clone());
    assert!(hover["contents"]["value"].as_str().is_some_and(|v| v.contains("count: number")), "{hover}");
    let definition = client.request("textDocument/definition", at);
    assert_eq!(definition["uri"], app);
    assert_eq!(definition["range"]["start"], json!({ "line": 2, "character": 6 }));

    // References, highlight and rename of `count` cover the script and the template.
    let refs = client.request("textDocument/references", json!({ "textDocument": { "uri": app }, "position": { "line": 2, "character": 7 }, "context": { "includeDeclaration": true } }));
    let lines: Vec<u64> = refs.as_array().unwrap().iter().map(|l| l["range"]["start"]["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 5, 5, 6]);
    let edit = client.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": app }, "position": { "line": 6, "character": 15 }, "newName": "total" }),
    );
    assert_eq!(edit["changes"][app.as_str()].as_array().map(Vec::len), Some(4), "{edit}");

    // The outline and the folds of the document.
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": app } }));
    let names: Vec<&str> = symbols.as_array().unwrap().iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["count", "<button>", "<Badge>"]);
    let folds = client.request("textDocument/foldingRange", json!({ "textDocument": { "uri": app } }));
    assert_eq!(folds[0], json!({ "startLine": 0, "endLine": 2 }), "{folds}");

    // Completion of names in scope inside a template expression, and of components after `<`.
    let names = client.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": app }, "position": { "line": 5, "character": 32 } }),
    );
    let labels: Vec<&str> = names.as_array().unwrap().iter().filter_map(|i| i["label"].as_str()).collect();
    assert!(labels.contains(&"count") && labels.contains(&"Badge"), "{labels:?}");
    let tags = client
        .request("textDocument/completion", json!({ "textDocument": { "uri": app }, "position": { "line": 6, "character": 3 } }));
    assert_eq!(tags[0]["label"], "Badge", "{tags}");

    // Changing the child's prop type updates the parent's diagnostics.
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": badge, "languageId": "eghact", "version": 1, "text": BADGE } }),
    );
    assert_eq!(codes(&client.diagnostics_for(&badge)), Vec::<String>::new());
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": badge, "version": 2 }, "contentChanges": [{ "text": BADGE.replace("n: number = 0", "n: string = ''") }] }),
    );
    assert_eq!(codes(&client.diagnostics_for(&app)), ["E0604"]);

    // Inlay hints give the types of `$:` names.
    let reactive =
        "<script lang=\"ts\">\n  let count = 0;\n  $: doubled = count * 2;\n</script>\n<template><p>{doubled}</p></template>\n";
    let hinted = uri(&root.join("src/Hinted.egh"));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": hinted, "languageId": "eghact", "version": 1, "text": reactive } }),
    );
    client.diagnostics_for(&hinted);
    let range = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 9, "character": 0 } });
    let hints = client.request("textDocument/inlayHint", json!({ "textDocument": { "uri": hinted }, "range": range }));
    assert_eq!(hints, json!([{ "position": { "line": 2, "character": 12 }, "label": ": number", "kind": 1 }]));

    // Linked editing of `<button>` … `</button>`.
    let linked = client.request(
        "textDocument/linkedEditingRange",
        json!({ "textDocument": { "uri": app }, "position": { "line": 5, "character": 4 } }),
    );
    let starts: Vec<&Value> = linked["ranges"].as_array().unwrap().iter().map(|r| &r["start"]).collect();
    assert_eq!(starts, [&json!({ "line": 5, "character": 3 }), &json!({ "line": 5, "character": 39 })], "{linked}");

    // A quick fix for `{{ count }}`.
    let braces = APP.replace("{cout}", "{{ count }}");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": app, "version": 3 }, "contentChanges": [{ "text": braces }] }),
    );
    assert_eq!(codes(&client.diagnostics_for(&app)), ["W0101", "E0604"]);
    let range = json!({ "start": { "line": 5, "character": 31 }, "end": { "line": 5, "character": 31 } });
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": app }, "range": range, "context": { "diagnostics": [] } }),
    );
    let edit = &actions[0]["edit"]["changes"][app.as_str()][0];
    assert_eq!(edit["newText"], "{count}", "{actions}");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": app, "version": 4 }, "contentChanges": [{ "text": APP.replace("{cout}", "{count}") }] }),
    );
    assert_eq!(codes(&client.diagnostics_for(&app)), ["E0604"]);

    // A save rebuilds into the output folder, with progress.
    client.notify("textDocument/didSave", json!({ "textDocument": { "uri": app } }));
    assert!(client.notification("eghact/buildStarted")["total"].as_u64().is_some());
    let finished = client.notification("eghact/buildFinished");
    assert_eq!(finished["files"], 3, "{finished}");
    assert!(client.requests.contains(&"window/workDoneProgress/create".to_string()), "{:?}", client.requests);
    assert!(root.join("dist/Badge.js").is_file());

    // Pull diagnostics give the same answer.
    let pulled = client.request("textDocument/diagnostic", json!({ "textDocument": { "uri": app } }));
    assert_eq!(pulled["kind"], "full");
    assert_eq!(codes(pulled["items"].as_array().unwrap()), ["E0604"]);

    // A change on disk to a file the editor has not open reaches the open documents.
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": badge } }));
    client.diagnostics_for(&badge);
    std::fs::write(root.join("src/Badge.egh"), BADGE.replace("n: number = 0", "n: number | string = 0")).unwrap();
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": badge, "type": 2 }] }));
    assert_eq!(codes(&client.diagnostics_for(&app)), Vec::<String>::new());

    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    // The server exits on `exit`; a server that does not is killed and the test fails.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = client.child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = client.child.kill();
            panic!("eghact-lsp did not exit within 20 s of `exit`");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
}
