//! The page's side of the dev server: the client script (`client.js`, embedded), where it is
//! served, and how `index.html` loads it.
//!
//! Invariant: the page is served as written plus one `<script type="module">` that loads the
//! client before the page's own scripts.

/// The client script.
pub const CLIENT_SOURCE: &str = include_str!("client.js");

/// Where the client script is served.
pub const CLIENT_URL: &str = "/@eghact/client.js";

/// The WebSocket of the hot-replacement protocol.
pub const HMR_URL: &str = "/@eghact/hmr";

/// Opens a file in the user's editor (`?file=…&line=…&column=…`).
pub const OPEN_URL: &str = "/__open-in-editor";

/// `html` with the client script loaded first: at the start of `<head>`, else before the
/// first tag that follows the doctype, else at the start.
pub fn inject(html: &str) -> String {
    let tag = format!("<script type=\"module\" src=\"{CLIENT_URL}\"></script>");
    let lower = html.to_ascii_lowercase();
    let at = match lower.find("<head") {
        Some(head) => lower[head..].find('>').map(|end| head + end + 1),
        None => None,
    }
    .or_else(|| lower.find("<!doctype").and_then(|doctype| lower[doctype..].find('>').map(|end| doctype + end + 1)))
    .unwrap_or(0);
    format!("{}{tag}{}", &html[..at], &html[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_loads_first() {
        let page = inject("<!doctype html>\n<html><head><title>x</title></head><body></body></html>");
        assert!(
            page.starts_with("<!doctype html>\n<html><head><script type=\"module\" src=\"/@eghact/client.js\"></script><title>")
        );
        let bare = inject("<!DOCTYPE html><div id=app></div>");
        assert!(bare.starts_with("<!DOCTYPE html><script type=\"module\""));
        assert!(inject("<p>hi</p>").starts_with("<script type=\"module\""));
    }
}
