//! The hot-replacement protocol: the JSON messages the server sends the page's client over
//! the WebSocket `/@eghact/hmr` (documented for users in `docs/dev-server.md`).
//!
//! Invariant: every message is one JSON object with `"version": 1` and a `type`; keys are
//! camelCase and paths are relative to the project root with `/` (`docs/json.md`).

use serde::Serialize;

/// The protocol's version, carried by every message.
pub const VERSION: u32 = 1;

/// One message of the server.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Message {
    /// Sent once a socket is open.
    Connected,
    /// Modules to import again (`url?t=timestamp`), in order: each is a component, which
    /// replaces its code and re-mounts its live instances.
    Update { updates: Vec<ModuleUpdate> },
    /// A component whose stylesheet alone changed: its `<style data-egh>` gets `css`.
    Style { path: String, url: String, css: String },
    /// The page must load again: nothing between the change and the page accepts it.
    Reload { reason: String },
    /// The compile errors of the modules the page loaded, all of them (empty: none left, the
    /// overlay goes).
    Errors { errors: Vec<ErrorReport> },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleUpdate {
    /// The source (`src/Counter.egh`).
    pub path: String,
    /// The module's URL as the page loaded it (`/src/Counter.js`).
    pub url: String,
    pub timestamp: u64,
}

/// A diagnostic as the overlay shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorReport {
    pub path: String,
    pub code: String,
    pub message: String,
    /// 1-based, in characters, as editors count.
    pub line: usize,
    pub column: usize,
    /// The rendered diagnostic: the message, the code frame and its help.
    pub frame: String,
    /// Opens the file at the place in the user's editor through the server.
    pub open_url: String,
    /// The same place as a `vscode://file/…` link.
    pub editor_url: String,
}

/// `message` as the text of one WebSocket frame.
pub fn encode(message: &Message) -> String {
    let mut value = serde_json::to_value(message).unwrap_or_default();
    if let Some(fields) = value.as_object_mut() {
        fields.insert("version".into(), VERSION.into());
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_tagged_and_versioned() {
        let update = Message::Update {
            updates: vec![ModuleUpdate { path: "src/Counter.egh".into(), url: "/src/Counter.js".into(), timestamp: 3 }],
        };
        let json: serde_json::Value = serde_json::from_str(&encode(&update)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "update", "version": 1,
                "updates": [{"path": "src/Counter.egh", "url": "/src/Counter.js", "timestamp": 3}]})
        );
        let json: serde_json::Value = serde_json::from_str(&encode(&Message::Connected)).unwrap();
        assert_eq!(json, serde_json::json!({"type": "connected", "version": 1}));
    }
}
