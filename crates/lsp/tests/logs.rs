//! The server's logs reach the client's log (`window/logMessage`), filtered by `RUST_LOG`.

mod common;

use common::{Client, project, uri};
use serde_json::json;

#[test]
fn requests_are_logged_to_the_client_at_debug_level() {
    let (_dir, root) = project(&[("src/App.egh", "<script>\nlet count = 0;\n</script>\n<template><p>{count}</p></template>\n")]);
    let mut client = Client::start_with_env(&[("RUST_LOG", "debug")]);
    client.initialize(&root, json!({}));
    let app = uri(&root.join("src/App.egh"));
    client.request("textDocument/hover", json!({ "textDocument": { "uri": app }, "position": { "line": 3, "character": 15 } }));
    let log = client.notification_where("window/logMessage", |p| {
        p["message"].as_str().is_some_and(|m| m.contains("answered") && m.contains("textDocument/hover"))
    });
    assert_eq!(log["type"], 4, "a debug event is a Log message: {log}");
    client.shut_down();
}
