//! End-to-end: the server under abuse (broken JSON, unknown methods, files it does not know,
//! a 10 MB file, hundreds of edits sent without waiting, a request that panics), start-up
//! indexing, builds on request, and its own watcher of files changed outside the editor;
//! builds on the remote cache and on remote workers (BuildGrid, from
//! `scripts/remote-cluster/up.sh`).

mod common;
#[path = "../../../benches/generator/mod.rs"]
mod generator;
#[path = "../../remote/tests/common/mod.rs"]
mod remote_common;

use std::time::{Duration, Instant, SystemTime};

use common::{Client, codes, project, uri};
use remote_common::{TestWorker, reapi_url, service};
use serde_json::{Value, json};

const APP: &str = "<script lang=\"ts\">\n  import Badge from './Badge.egh';\n  let count = 0;\n</script>\n<template>\n  <button @click=\"count += 1\">{count}</button>\n  <Badge n={count} />\n</template>\n";
const BADGE: &str = "<script lang=\"ts\">\n  export let n: number = 0;\n</script>\n<template><span>{n}</span></template>\n";

/// A component of about `bytes` bytes (rows of static markup) with a typo (`cout`) on its last
/// line; and its number of rows.
fn big_component(bytes: usize) -> (String, usize) {
    let mut big = String::from("<script lang=\"ts\">\n  let count = 0;\n</script>\n<template>\n");
    let row = "  <p class=\"row\">A row of static text that the parser reads and the checker skips.</p>\n";
    let rows = bytes / row.len();
    big.extend(std::iter::repeat_n(row, rows));
    big.push_str("  <p>{cout}</p>\n</template>\n");
    (big, rows)
}

fn error_code(response: &Value) -> i64 {
    response["error"]["code"].as_i64().unwrap_or_else(|| panic!("an error response: {response}"))
}

#[test]
fn malformed_messages_get_errors_and_the_server_goes_on() {
    let (_dir, root) = project(&[("src/App.egh", APP), ("src/Badge.egh", BADGE)]);
    let app = uri(&root.join("src/App.egh"));
    let mut client = Client::start();
    client.initialize(&root, json!({}));

    // Broken JSON: a parse error, answered with a null id; JSON that is no message: an
    // invalid request; a frame without a length: a parse error.
    client.send_raw("{\"jsonrpc\": \"2.0\", \"id\": 99, \"method\": ");
    assert_eq!(error_code(&client.response(Value::Null)), -32700);
    client.send_raw("[1, 2, 3]");
    assert_eq!(error_code(&client.response(Value::Null)), -32600);
    client.send_bytes(b"Content-Type: text/plain\r\n\r\n");
    assert_eq!(error_code(&client.response(Value::Null)), -32700);
    // An unknown request is "method not found"; an unknown notification is ignored.
    let id = client.send_request("eghact/noSuchThing", json!({}));
    assert_eq!(error_code(&client.response(json!(id))), -32601);
    client.notify("eghact/noSuchNotification", json!({ "x": 1 }));
    // Params of the wrong shape are "invalid params".
    let id = client.send_request("textDocument/hover", json!({ "textDocument": 3 }));
    assert_eq!(error_code(&client.response(json!(id))), -32602);

    // Requests for files that are not open, not in the workspace, or do not exist.
    let position = json!({ "line": 5, "character": 34 });
    let hover = client.request("textDocument/hover", json!({ "textDocument": { "uri": app }, "position": position }));
    assert!(hover["contents"]["value"].as_str().is_some_and(|v| v.contains("count: number")), "{hover}");
    for elsewhere in ["file:///nowhere/App.egh", &uri(&root.join("src/Missing.egh"))] {
        let hover = client.request("textDocument/hover", json!({ "textDocument": { "uri": elsewhere }, "position": position }));
        assert_eq!(hover, Value::Null);
    }
    let folds = client.request("textDocument/foldingRange", json!({ "textDocument": { "uri": uri(&root.join("x.egh")) } }));
    assert_eq!(folds, Value::Null);

    client.shut_down();
}

#[test]
fn framing_errors_are_answered_and_the_stream_picks_up_at_the_next_header() {
    let (_dir, root) = project(&[("src/App.egh", APP), ("src/Badge.egh", BADGE)]);
    let app = uri(&root.join("src/App.egh"));
    let mut client = Client::start();
    client.initialize(&root, json!({}));
    let at = json!({ "textDocument": { "uri": app }, "position": { "line": 5, "character": 34 } });
    let answered = |client: &mut Client| {
        let hover = client.request("textDocument/hover", at.clone());
        assert!(hover["contents"]["value"].as_str().is_some_and(|v| v.contains("count: number")), "{hover}");
    };
    let body = json!({ "jsonrpc": "2.0", "id": 100, "method": "textDocument/hover", "params": at }).to_string();

    // A length 5 bytes short: the cut body does not parse, and the 5 bytes left before the
    // next header are skipped (each answered with a parse error); the next request is served.
    client.send_bytes(format!("Content-Length: {}\r\n\r\n{body}", body.len() - 5).as_bytes());
    assert_eq!(error_code(&client.response(Value::Null)), -32700);
    answered(&mut client);
    assert_eq!(error_code(&client.response(Value::Null)), -32700);

    // A length no body may have, and one too large to hold: refused at once, without waiting
    // for (or allocating) the body, which is skipped up to the next header.
    for length in [u64::MAX.to_string(), (1u64 << 40).to_string()] {
        client.send_bytes(format!("Content-Length: {length}\r\n\r\n{body}").as_bytes());
        let refused = client.response(Value::Null);
        assert_eq!(error_code(&refused), -32700);
        assert!(refused["error"]["message"].as_str().is_some_and(|m| m.contains("over the limit")), "{refused}");
        answered(&mut client);
    }
    client.shut_down();
}

#[test]
fn documents_outside_the_source_folder_are_never_built_or_written() {
    let (_dir, base) = project(&[("proj/src/App.egh", APP), ("proj/src/Badge.egh", BADGE), ("outside/Kept.txt", "")]);
    let root = base.join("proj");
    std::os::unix::fs::symlink(base.join("outside"), root.join("src/linked")).unwrap();
    let mut client = Client::start();
    client.initialize(&root, json!({}));
    let escapes = [
        format!("file://{}/src/../../outside/Evil.egh", root.display()),
        format!("file://{}/src/%2E%2E/%2e%2e/outside/Encoded.egh", root.display()),
        format!("file://{}/src/linked/Linked.egh", root.display()),
    ];
    for escape in &escapes {
        client.open(escape, BADGE);
        client.notify("textDocument/didSave", json!({ "textDocument": { "uri": escape } }));
        let hover = json!({ "textDocument": { "uri": escape }, "position": { "line": 1, "character": 14 } });
        assert_eq!(client.request("textDocument/hover", hover), Value::Null, "{escape}");
    }
    // A document of the workspace, saved after them, is built (saves are handled in order).
    let app = uri(&root.join("src/App.egh"));
    client.open(&app, APP);
    client.notify("textDocument/didSave", json!({ "textDocument": { "uri": app } }));
    let summary = client.notification("eghact/buildCompleted");
    assert_eq!(summary["errors"], 0, "{summary}");
    assert!(root.join("dist/App.js").is_file());
    let outside: Vec<_> = std::fs::read_dir(base.join("outside")).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(outside, ["Kept.txt"]);
    assert!(!root.join("dist/linked").exists());
    let about_escapes: Vec<&Value> =
        client.pending.iter().filter(|m| escapes.iter().any(|e| m["params"]["uri"] == e.as_str())).collect();
    assert!(about_escapes.is_empty(), "{about_escapes:?}");
    client.shut_down();
}

#[test]
fn an_idle_server_publishes_nothing() {
    // Route files (one with an invalid name, one in a folder) and an unresolved import.
    let app = "<script lang=\"ts\">\n  import Missing from './Missing.egh';\n</script>\n<template><Missing /></template>\n";
    let (_dir, root) =
        project(&[("src/App.egh", app), ("src/routes/[bad name].egh", BADGE), ("src/routes/users/[id].egh", BADGE)]);
    let app_uri = uri(&root.join("src/App.egh"));
    let mut client = Client::start();
    // Without the client's watcher the server runs its own, which must not see its own reads.
    client.initialize(&root, json!({}));
    client.open(&app_uri, app);
    assert!(!client.diagnostics_for(&app_uri).is_empty());
    // The diagnostics of opening settle, then nothing is published while nothing changes.
    client.messages_for(Duration::from_secs(2));
    let idle = client.messages_for(Duration::from_secs(3));
    let published: Vec<&Value> = idle.iter().filter(|m| m["method"] == "textDocument/publishDiagnostics").collect();
    assert!(published.is_empty(), "{} publishes from an idle server, the first: {}", published.len(), published[0]);
    client.shut_down();
}

/// The server's resident memory in MiB, from `/proc/<pid>/status`: now (`VmRSS`) and at its
/// peak (`VmHWM`).
fn resident_mib(client: &Client) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{}/status", client.child.id())).unwrap();
    let field = |name: &str| {
        let line = status.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name} in {status}"));
        line.split_whitespace().nth(1).and_then(|kib| kib.parse::<u64>().ok()).unwrap() / 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The memory bound (README, "Language server"): after documents are closed, or after edits, the
/// server holds at most `MEMORY_BOUND` times what it held after the first cycle, plus
/// `MEMORY_SLACK_MIB` for the allocator's caches. Without releasing what closed documents and
/// old revisions hold, each cycle below added its document's whole footprint.
const MEMORY_BOUND: f64 = 1.5;
const MEMORY_SLACK_MIB: u64 = 32;
/// The size of the document of the memory test.
const MEMORY_DOCUMENT: usize = 1 << 20;

#[test]
fn closed_documents_and_old_revisions_give_their_memory_back() {
    let (_dir, root) = project(&[("src/App.egh", APP), ("src/Badge.egh", BADGE)]);
    let mut client = Client::start();
    client.initialize(&root, json!({}));
    let big_uri = uri(&root.join("src/Big.egh"));
    let (big, _) = big_component(MEMORY_DOCUMENT);
    let within_bound = |steady: u64, now: u64| now <= (steady as f64 * MEMORY_BOUND) as u64 + MEMORY_SLACK_MIB;

    // Open, hover, close: a closed unsaved document is gone, and its diagnostics are cleared.
    let cycle = |client: &mut Client| {
        client.open(&big_uri, &big);
        assert_eq!(codes(&client.diagnostics_for(&big_uri)), ["W0602", "E0601"]);
        let at = json!({ "textDocument": { "uri": big_uri }, "position": { "line": 1, "character": 7 } });
        assert!(client.request("textDocument/hover", at)["contents"]["value"].as_str().is_some_and(|v| v.contains("count")));
        client.notify("textDocument/didClose", json!({ "textDocument": { "uri": big_uri } }));
        assert_eq!(client.diagnostics_for(&big_uri), Vec::<Value>::new());
    };
    cycle(&mut client);
    let (steady, _) = resident_mib(&client);
    let mut after_cycles = Vec::new();
    for _ in 0..4 {
        cycle(&mut client);
        after_cycles.push(resident_mib(&client).0);
    }
    assert!(after_cycles.iter().all(|&now| within_bound(steady, now)), "{steady} MiB after one cycle, then {after_cycles:?}");

    // One-character edits: each revision's trees and outputs replace the last one's.
    client.open(&big_uri, &big);
    client.diagnostics_for(&big_uri);
    let edit = |client: &mut Client, version: i32| {
        let at = json!({ "start": { "line": 1, "character": 14 }, "end": { "line": 1, "character": 14 } });
        let change =
            json!({ "textDocument": { "uri": big_uri, "version": version }, "contentChanges": [{ "range": at, "text": "1" }] });
        client.notify("textDocument/didChange", change);
        client.notification_where("textDocument/publishDiagnostics", |p| p["uri"] == big_uri && p["version"] == version);
    };
    for version in 2..=5 {
        edit(&mut client, version);
    }
    let (steady, _) = resident_mib(&client);
    for version in 6..=20 {
        edit(&mut client, version);
    }
    let (now, peak) = resident_mib(&client);
    assert!(within_bound(steady, now), "{steady} MiB after 4 edits, {now} MiB after 19 (peak {peak} MiB)");
    client.shut_down();
}

#[test]
fn a_request_that_panics_answers_an_error_and_the_server_goes_on() {
    let (_dir, root) = project(&[("src/App.egh", APP), ("src/Badge.egh", BADGE)]);
    let app = uri(&root.join("src/App.egh"));
    let mut client = Client::start_with_env(&[("EGHACT_LSP_FAULT", "textDocument/hover")]);
    client.initialize(&root, json!({}));
    client.open(&app, APP);
    assert_eq!(codes(&client.diagnostics_for(&app)), Vec::<String>::new());

    let at = json!({ "textDocument": { "uri": app }, "position": { "line": 5, "character": 34 } });
    for _ in 0..2 {
        let id = client.send_request("textDocument/hover", at.clone());
        let response = client.response(json!(id));
        assert_eq!(error_code(&response), -32603);
        assert!(response["error"]["message"].as_str().is_some_and(|m| m.contains("fault injected")), "{response}");
        // Other requests and edits still work.
        let definition = client.request("textDocument/definition", at.clone());
        assert_eq!(definition["range"]["start"], json!({ "line": 2, "character": 6 }));
    }
    let change = json!({ "textDocument": { "uri": app, "version": 2 }, "contentChanges": [{ "text": APP.replacen("{count}", "{cout}", 1) }] });
    client.notify("textDocument/didChange", change);
    assert_eq!(codes(&client.diagnostics_for(&app)), ["E0601"]);
    client.shut_down();
}

#[test]
fn documents_nested_too_deep_get_a_diagnostic_and_the_server_goes_on() {
    // The cases: 12,000 chained `+` terms, 8,000 nested brackets and 8,000 nested
    // generic types, in the script and in the template. Each used to overflow the stack.
    let sum = vec!["1"; 12_000].join(" + ");
    let brackets = format!("{}1{}", "(".repeat(8_000), ")".repeat(8_000));
    let generics = format!("let g: {}number{} = 1;", "Array<".repeat(8_000), ">".repeat(8_000));
    let documents = [
        format!("<script lang=\"ts\">\n  let total = {sum};\n</script>\n<template><p>{{total}}</p></template>\n"),
        format!("<script lang=\"ts\">\n  let total = {brackets};\n</script>\n<template><p>{{total}}</p></template>\n"),
        format!("<script lang=\"ts\">\n  {generics}\n</script>\n<template><p>{{g}}</p></template>\n"),
        format!("<script lang=\"ts\">\n  let n = 1;\n</script>\n<template><p>{{{sum} + n}}</p></template>\n"),
    ];
    let (_dir, root) = project(&[("src/App.egh", APP), ("src/Badge.egh", BADGE)]);
    let mut client = Client::start();
    client.initialize(&root, json!({}));
    for (index, text) in documents.iter().enumerate() {
        let deep = uri(&root.join(format!("src/Deep{index}.egh")));
        client.open(&deep, text);
        assert!(codes(&client.diagnostics_for(&deep)).contains(&"E0122".to_string()), "document {index}");
        let at = json!({ "textDocument": { "uri": deep }, "position": { "line": 1, "character": 8 } });
        client.request("textDocument/hover", at);
        client.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": deep } }));
    }
    let app = uri(&root.join("src/App.egh"));
    client.open(&app, APP);
    assert_eq!(codes(&client.diagnostics_for(&app)), Vec::<String>::new());
    client.shut_down();
}

#[test]
fn a_10_mb_file_and_hundreds_of_edits_without_waiting() {
    let (_dir, root) = project(&[("src/App.egh", APP), ("src/Badge.egh", BADGE)]);
    let app = uri(&root.join("src/App.egh"));
    let mut client = Client::start();
    client.initialize(&root, json!({}));

    // 300 edits (`let count = 0;` becomes `let count = 1*1*…*0;`, with a syntax error at
    // every other step), each sent before the last one's diagnostics: the last version's
    // are published, and no older version's after it.
    client.open(&app, APP);
    client.diagnostics_for(&app);
    let at = json!({ "start": { "line": 2, "character": 14 }, "end": { "line": 2, "character": 14 } });
    for version in 2..=301 {
        let text = if version % 2 == 0 { "*" } else { "1" };
        let change =
            json!({ "textDocument": { "uri": app, "version": version }, "contentChanges": [{ "range": at, "text": text }] });
        client.notify("textDocument/didChange", change);
    }
    let last = client.notification_where("textDocument/publishDiagnostics", |p| p["uri"] == app && p["version"] == 301);
    assert_eq!(codes(last["diagnostics"].as_array().unwrap()), Vec::<String>::new(), "{last}");
    // Everything read so far came before it.
    client.pending.clear();
    let hover = client
        .request("textDocument/hover", json!({ "textDocument": { "uri": app }, "position": { "line": 2, "character": 6 } }));
    assert!(hover["contents"]["value"].as_str().is_some_and(|v| v.contains("count: number")), "{hover}");
    let stale = client
        .pending
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .filter(|m| m["params"]["uri"] == app && m["params"]["version"].as_i64().is_some_and(|v| v < 301));
    let stale_after_last: Vec<&Value> = stale.collect();
    assert!(stale_after_last.is_empty(), "diagnostics of older versions after the last: {stale_after_last:?}");

    // A 10 MB component with a typo on its last line.
    let (big, rows) = big_component(10 << 20);
    let big_uri = uri(&root.join("src/Big.egh"));
    client.open(&big_uri, &big);
    let diagnostics = client.diagnostics_for(&big_uri);
    // `count` is never read: the typo reads `cout`.
    assert_eq!(codes(&diagnostics), ["W0602", "E0601"]);
    assert_eq!(diagnostics[1]["range"]["start"], json!({ "line": 4 + rows, "character": 6 }));

    // A slow request (the semantic tokens of 10 MB) cancelled by the client answers
    // "cancelled" at once; the next request is served.
    let id = client.send_request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": big_uri } }));
    client.notify("$/cancelRequest", json!({ "id": id }));
    assert_eq!(error_code(&client.response(json!(id))), -32800);
    let hover = client
        .request("textDocument/hover", json!({ "textDocument": { "uri": app }, "position": { "line": 2, "character": 6 } }));
    assert!(hover["contents"]["value"].as_str().is_some_and(|v| v.contains("count")), "{hover}");
    client.shut_down();
}

#[test]
fn indexing_progress_and_builds_on_request() {
    let (_dir, root) = project(&[("src/App.egh", APP), ("src/Badge.egh", BADGE), ("src/lib/Card.egh", BADGE)]);
    let mut client = Client::start();
    client.initialize(&root, json!({ "window": { "workDoneProgress": true } }));

    // Indexing checks every component, with a progress report.
    let begin = client.notification_where("$/progress", |p| p["value"]["kind"] == "begin" && p["value"]["title"] == "Indexing");
    let token = begin["token"].clone();
    let end = client.notification_where("$/progress", |p| p["token"] == token && p["value"]["kind"] == "end");
    assert_eq!(end["value"]["message"], "3 components, 0 errors", "{end}");
    assert!(!client.requests_of("window/workDoneProgress/create").is_empty());

    // A workspace build writes every output and answers its summary.
    let summary = client.request("eghact/buildWorkspace", Value::Null);
    assert_eq!((summary["files"].as_u64(), summary["errors"].as_u64()), (Some(3), Some(0)), "{summary}");
    assert_eq!(client.notification("eghact/buildCompleted"), summary);
    let card = root.join("dist/lib/Card.js");
    assert!(card.is_file());

    // Outputs deleted by hand come back with the next workspace build, from the cache.
    std::fs::remove_file(&card).unwrap();
    let summary = client.request("eghact/buildWorkspace", Value::Null);
    assert!(card.is_file(), "{summary}");
    assert_eq!(summary["misses"], 0, "{summary}");

    // A file build covers the file and what imports it.
    let summary = client.request("eghact/buildFile", json!({ "uri": uri(&root.join("src/Badge.egh")) }));
    assert_eq!(summary["files"], 2, "{summary}");
    let id = client.send_request("eghact/buildFile", json!({ "uri": "file:///elsewhere/X.egh" }));
    assert_eq!(error_code(&client.response(json!(id))), -32602);
    client.shut_down();
}

/// `[remote]` is read by builds, not by the session: a key it does not have fails every build
/// with the diagnostic `eghact build` prints, while editing goes on.
#[test]
fn a_broken_remote_section_fails_builds_with_its_diagnostic() {
    let (_dir, root) = project(&[("eghact.toml", "[remote]\nurl = \"grpc://cache\"\n"), ("src/App.egh", BADGE)]);
    let mut client = Client::start();
    client.initialize(&root, json!({}));
    let summary = client.request("eghact/buildWorkspace", Value::Null);
    let error = summary["error"].as_str().unwrap_or_else(|| panic!("a failed build: {summary}"));
    assert!(error.contains("E0708") && error.contains("eghact.toml:2:1") && error.contains("unknown field `url`"), "{error}");
    assert_eq!(client.notification("eghact/buildCompleted"), summary);
    assert!(!root.join("dist").exists());
    client.shut_down();
}

#[test]
fn the_server_watches_files_itself_when_the_client_cannot() {
    let (_dir, root) = project(&[("src/App.egh", APP), ("src/Badge.egh", BADGE)]);
    let app = uri(&root.join("src/App.egh"));
    let mut client = Client::start();
    // No `workspace.didChangeWatchedFiles` capability: the server runs its own watcher.
    client.initialize(&root, json!({}));
    client.open(&app, APP);
    assert_eq!(codes(&client.diagnostics_for(&app)), Vec::<String>::new());
    assert!(client.requests_of("client/registerCapability").is_empty());

    // A change made outside the editor (a `git checkout`) reaches the open document.
    std::fs::write(root.join("src/Badge.egh"), BADGE.replace("n: number = 0", "n: string = ''")).unwrap();
    let diagnostics = client.notification_where("textDocument/publishDiagnostics", |p| {
        p["uri"] == app && p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
    });
    assert_eq!(codes(diagnostics["diagnostics"].as_array().unwrap()), ["E0604"]);
    // So does a file removed outside the editor.
    std::fs::remove_file(root.join("src/Badge.egh")).unwrap();
    let diagnostics = client.notification_where("textDocument/publishDiagnostics", |p| {
        p["uri"] == app && p["diagnostics"].as_array().is_some_and(|d| d.iter().any(|d| d["code"] != "E0604"))
    });
    assert_eq!(codes(diagnostics["diagnostics"].as_array().unwrap()), ["E0501"]);
    client.shut_down();
}

#[test]
fn edits_and_requests_do_not_wait_for_a_build() {
    let row = "    <li class:done={item.done} @click=\"toggle(item)\">{item.text} ({item.text.length})</li>\n";
    let component = format!(
        "<script lang=\"ts\">\n  type Item = {{ text: string; done: boolean }};\n  export let items: Item[] = [];\n  function toggle(item: Item) {{ item.done = !item.done; items = items; }}\n</script>\n<template>\n  <ul>\n  {{#each items as item}}\n{}  {{/each}}\n  </ul>\n</template>\n<style>\n  li {{ color: red; }}\n  .done {{ opacity: 0.5; }}\n</style>\n",
        row.repeat(20)
    );
    let names: Vec<String> = (0..800).map(|i| format!("src/C{i}.egh")).collect();
    let mut files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), component.as_str())).collect();
    files.extend([("src/App.egh", APP), ("src/Badge.egh", BADGE)]);
    let (_dir, root) = project(&files);
    let app = uri(&root.join("src/App.egh"));
    // The build holds once started until the gate exists: however busy the machine, the
    // edit and the hover below come while it is under way.
    let gate = root.join("gate");
    let mut client = Client::start_with_env(&[("EGHACT_LSP_HOLD_BUILDS", gate.to_str().unwrap())]);
    client.initialize(&root, json!({}));
    client.open(&app, APP);
    client.diagnostics_for(&app);

    // While a workspace build of 802 components runs, an edit is checked and a hover answered.
    let build = client.send_request("eghact/buildWorkspace", Value::Null);
    client.notification("eghact/buildStarted");
    let change = json!({ "textDocument": { "uri": app, "version": 2 }, "contentChanges": [{ "text": APP.replacen("{count}", "{cout}", 1) }] });
    client.notify("textDocument/didChange", change);
    let hover = client
        .send_request("textDocument/hover", json!({ "textDocument": { "uri": app }, "position": { "line": 2, "character": 6 } }));
    let first = loop {
        let message = client.next();
        if message.get("method").is_none() && (message["id"] == build || message["id"] == hover) {
            break message["id"].clone();
        }
        client.pending.push(message);
    };
    // Outputs are written as the build goes: not all of them exist yet.
    let compiled = |e: &std::fs::DirEntry| e.file_name().to_str().is_some_and(|n| n.starts_with('C') && n.ends_with(".js"));
    let written = std::fs::read_dir(root.join("dist")).map_or(0, |d| d.flatten().filter(compiled).count());
    assert_eq!(first, hover, "the hover waited for the build");
    assert!(written < 800, "the hover was answered after the build wrote all its outputs ({written})");
    let diagnostics = client.notification_where("textDocument/publishDiagnostics", |p| p["uri"] == app && p["version"] == 2);
    assert_eq!(codes(diagnostics["diagnostics"].as_array().unwrap()), ["E0601"]);
    assert!(client.pending.iter().all(|m| m["id"] != build), "the edit's diagnostics waited for the build");
    std::fs::write(&gate, "").unwrap();
    let summary = client.response(json!(build));
    assert_eq!(summary["result"]["files"], 802, "{summary}");
    client.shut_down();
}

#[test]
fn builds_use_the_remote_cache_the_editor_names() {
    let reapi = std::env::var("EGHACT_TEST_REAPI").unwrap_or_else(|_| "grpc://127.0.0.1:50071".into());
    // Sources no earlier run has built, in two checkouts: the second builds from what the
    // first uploaded, with the same bytes.
    let fresh = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let badge = BADGE.replace("n: number = 0", &format!("n: number = {}", fresh % 1_000_000_007));
    let files = [("src/App.egh", APP), ("src/Badge.egh", badge.as_str())];
    let build = |root: &std::path::Path, endpoint: &str| {
        let mut client = Client::start();
        client.initialize_with_options(root, json!({}), json!({ "remote": { "mode": "auto", "endpoint": endpoint } }));
        let summary = client.request("eghact/buildWorkspace", Value::Null);
        let logged: Vec<String> = client
            .pending
            .iter()
            .filter(|m| m["method"] == "window/logMessage")
            .filter_map(|m| m["params"]["message"].as_str().map(String::from))
            .collect();
        client.shut_down();
        (summary, logged)
    };
    let (_first, first_root) = project(&files);
    let (_second, second_root) = project(&files);
    let (first, _) = build(&first_root, &reapi);
    assert_eq!((first["misses"].as_u64(), first["hits"].as_u64()), (Some(2), Some(0)), "{first}");
    let (second, _) = build(&second_root, &reapi);
    assert_eq!((second["misses"].as_u64(), second["hits"].as_u64()), (Some(0), Some(2)), "{second}");
    for output in ["dist/App.js", "dist/Badge.js", "dist/Badge.js.map"] {
        let read = |root: &std::path::Path| std::fs::read(root.join(output)).unwrap();
        assert_eq!(read(&first_root), read(&second_root), "{output}");
    }

    // An endpoint nothing answers: a warning in the log, and a complete local build.
    let (_third, third_root) = project(&files);
    let (local, logged) = build(&third_root, "grpc://127.0.0.1:9");
    assert_eq!(local["files"], 2, "{local}");
    assert!(third_root.join("dist/Badge.js").is_file());
    assert!(logged.iter().any(|m| m.contains("unavailable") && m.contains("building locally")), "{logged:?}");
}

/// Sends a request and answers its result with every message that came before it, in order;
/// fails the test once `deadline` has passed.
fn request_watching(client: &mut Client, method: &str, params: Value, deadline: Instant) -> (Value, Vec<Value>) {
    let id = client.send_request(method, params);
    let mut before = Vec::new();
    loop {
        assert!(Instant::now() < deadline, "{method} ran past its time limit; messages so far: {before:#?}");
        let message = client.next();
        if message["id"] == id && message.get("method").is_none() {
            assert!(message.get("error").is_none(), "{method} failed: {message}");
            return (message["result"].clone(), before);
        }
        before.push(message);
    }
}

/// The params of the notifications `method` among `messages`.
fn params_of(messages: &[Value], method: &str) -> Vec<Value> {
    messages.iter().filter(|m| m["method"] == method).map(|m| m["params"].clone()).collect()
}

#[test]
fn a_workspace_build_compiles_on_remote_workers_and_an_edit_builds_here() {
    let server = reapi_url();
    service(&server);
    let deadline = Instant::now() + Duration::from_secs(300);
    // Keys no earlier run computed (the run id is a key input, and reaches the actions as their
    // environment), and bot ids no other run uses (BuildGrid keeps bots by name).
    let run = format!("{}-{}", std::process::id(), SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos());
    let _workers = [TestWorker::start(&format!("lsp-{run}-a"), 1), TestWorker::start(&format!("lsp-{run}-b"), 1)];
    let mut files = generator::generate(30, generator::Flavor::Egh, 5);
    // The third action waits for one of the two workers: however long that takes on a busy
    // machine, it must not time out into a local compile.
    let config =
        "[cache]\nenv = [\"EGHACT_TEST_RUN\"]\n[remote]\nmin_components = 0\nbatch_size = 10\nqueue_timeout_secs = 240\n";
    files.push(("eghact.toml".into(), config.into()));
    let (_dir, root) = project(&files.iter().map(|(path, text)| (path.as_str(), text.as_str())).collect::<Vec<_>>());

    let mut client = Client::start_with_env(&[("EGHACT_TEST_RUN", &run)]);
    let settings = json!({ "remote": { "endpoint": server, "mode": "always" } });
    client.initialize_with_options(&root, json!({ "window": { "workDoneProgress": true } }), settings);

    // A workspace build: every component compiled by the workers running this server's own
    // executable (`eghact-lsp compile-batch`), in three actions of ten.
    let (summary, before) = request_watching(&mut client, "eghact/buildWorkspace", Value::Null, deadline);
    let started = params_of(&before, "eghact/buildStarted");
    assert_eq!(started, [json!({ "total": 30, "remote": true })], "{summary}");
    let remote: Vec<Value> =
        params_of(&before, "eghact/buildProgress").into_iter().filter_map(|p| p.get("remote").cloned()).collect();
    let done: Vec<u64> = remote.iter().map(|r| r["done"].as_u64().unwrap()).collect();
    assert!(done.windows(2).all(|pair| pair[0] <= pair[1]), "done went back: {remote:?}");
    assert!(remote.iter().all(|r| r["actions"] == 3), "{remote:?}");
    assert_eq!(remote.last().map(|r| (r["done"].clone(), r["actions"].clone())), Some((json!(3), json!(3))), "{remote:?}");
    let reported = params_of(&before, "$/progress").into_iter().filter(|p| p["value"]["kind"] == "report");
    assert!(reported.into_iter().any(|p| p["value"]["message"].as_str().is_some_and(|m| m.starts_with("remote: "))));
    let warnings: Vec<Value> = params_of(&before, "window/logMessage").into_iter().filter(|p| p["type"] == 2).collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        (summary["remote"].as_u64(), summary["misses"].as_u64(), summary["errors"].as_u64()),
        (Some(30), Some(0), Some(0)),
        "{summary}"
    );
    client.pending.extend(before);
    assert_eq!(client.notification("eghact/buildCompleted"), summary);
    for (path, _) in files.iter().filter(|(path, _)| path.ends_with(".egh")) {
        let output = root.join(path.replace("src/", "dist/").replace(".egh", ".js"));
        assert!(output.is_file(), "{} was not written", output.display());
    }

    // An edit and a build of its file: compiled here, without a word about remote work.
    client.pending.clear();
    let (last, text) = files.iter().rfind(|(path, _)| path.ends_with(".egh")).unwrap();
    let edited = uri(&root.join(last));
    client.open(&edited, text);
    let change = json!({ "textDocument": { "uri": edited, "version": 2 }, "contentChanges": [{ "text": format!("{text}\n") }] });
    client.notify("textDocument/didChange", change);
    let (summary, before) = request_watching(&mut client, "eghact/buildFile", json!({ "uri": edited }), deadline);
    let started = params_of(&before, "eghact/buildStarted");
    assert!(started.len() == 1 && started[0]["remote"] == false, "{started:?}");
    let remote: Vec<Value> =
        params_of(&before, "eghact/buildProgress").into_iter().filter(|p| p.get("remote").is_some()).collect();
    assert!(remote.is_empty(), "{remote:?}");
    assert_eq!(
        (summary["remote"].as_u64(), summary["misses"].as_u64(), summary["errors"].as_u64()),
        (Some(0), Some(1), Some(0)),
        "{summary}"
    );
    client.shut_down();
}
