//! The page: `index.html` at the project root. Its module scripts (`<script type="module">`,
//! inline or with `src`) are the bundle's entries; the bundled page has each of them replaced
//! by the script of its entry chunk, and preloads and stylesheets added to `<head>`.
//! Everything else of the page is copied as written.

use std::cell::RefCell;

use eghact_syntax::diagnostics::{Diagnostic, Span};
use lol_html::html_content::{ContentType, Element};
use lol_html::{RewriteStrSettings, element, rewrite_str, text};

/// The page's file name at the project root, and the bundle's.
pub const PAGE_FILE: &str = "index.html";

/// A module script of the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleScript {
    /// Where its start tag is in the page.
    pub span: Span,
    pub source: ScriptSource,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptSource {
    /// `src="…"` as written.
    Src(String),
    /// The code between the tags.
    Inline(String),
}

fn is_module(element: &Element) -> bool {
    element.get_attribute("type").is_some_and(|kind| kind.trim().eq_ignore_ascii_case("module"))
}

/// The module scripts of `page`, in document order. A page that HTML cannot be read from is an
/// error (E0802) at its start.
pub fn module_scripts(page: &str) -> Result<Vec<ModuleScript>, Diagnostic> {
    let scripts = RefCell::new(Vec::new());
    rewrite_str(
        page,
        RewriteStrSettings {
            element_content_handlers: vec![
                element!("script", |el| {
                    if is_module(el) {
                        let location = el.source_location().bytes();
                        let span = Span::new(location.start as u32, location.end as u32);
                        let source = match el.get_attribute("src") {
                            Some(src) => ScriptSource::Src(src),
                            None => ScriptSource::Inline(String::new()),
                        };
                        scripts.borrow_mut().push(ModuleScript { span, source });
                    }
                    Ok(())
                }),
                text!("script", |chunk| {
                    // Text belongs to the last script opened; only inline module scripts collect it.
                    if let Some(ModuleScript { source: ScriptSource::Inline(code), .. }) = scripts.borrow_mut().last_mut() {
                        code.push_str(chunk.as_str());
                    }
                    Ok(())
                }),
            ],
            ..RewriteStrSettings::new()
        },
    )
    .map_err(|error| Diagnostic::error("E0802", format!("cannot read index.html: {error}"), Span::default()))?;
    Ok(scripts.into_inner())
}

/// What the bundled page loads, with URLs under the public path.
pub struct PageAssets {
    /// The entry chunk of each module script, in document order.
    pub entries: Vec<String>,
    /// Chunks the entries import, preloaded.
    pub preloads: Vec<String>,
    /// Stylesheets of the entry chunks and of what they import.
    pub styles: Vec<String>,
}

/// `page` with each module script replaced by its entry chunk's script, and `<head>` given the
/// preloads and stylesheets.
pub fn rewrite_page(page: &str, assets: &PageAssets) -> Result<String, Diagnostic> {
    let next = RefCell::new(0usize);
    let mut head = String::new();
    for href in &assets.styles {
        head.push_str(&format!("<link rel=\"stylesheet\" crossorigin href=\"{}\">\n", attribute(href)));
    }
    for href in &assets.preloads {
        head.push_str(&format!("<link rel=\"modulepreload\" crossorigin href=\"{}\">\n", attribute(href)));
    }
    rewrite_str(
        page,
        RewriteStrSettings {
            element_content_handlers: vec![
                element!("head", |el| {
                    el.append(&head, ContentType::Html);
                    Ok(())
                }),
                element!("script", |el| {
                    if is_module(el) {
                        let mut index = next.borrow_mut();
                        let src = assets.entries.get(*index).map(String::as_str).unwrap_or_default();
                        *index += 1;
                        el.replace(
                            &format!("<script type=\"module\" crossorigin src=\"{}\"></script>", attribute(src)),
                            ContentType::Html,
                        );
                    }
                    Ok(())
                }),
            ],
            ..RewriteStrSettings::new()
        },
    )
    .map_err(|error| Diagnostic::error("E0802", format!("cannot rewrite index.html: {error}"), Span::default()))
}

/// `value` escaped for a double-quoted attribute.
fn attribute(value: &str) -> String {
    value.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<!doctype html><html><head><title>t</title></head><body>\
        <script type=\"module\">import App from './dist/App.js';\nnew App({ target: document.body });</script>\
        <script src=\"/legacy.js\"></script>\
        <script type=\"module\" src=\"./src/main.ts\"></script></body></html>";

    #[test]
    fn module_scripts_are_found_in_order_with_their_code() {
        let scripts = module_scripts(PAGE).unwrap();
        assert_eq!(scripts.len(), 2);
        assert_eq!(
            scripts[0].source,
            ScriptSource::Inline("import App from './dist/App.js';\nnew App({ target: document.body });".into())
        );
        assert_eq!(scripts[1].source, ScriptSource::Src("./src/main.ts".into()));
        assert!(PAGE[scripts[1].span.start as usize..].starts_with("<script type=\"module\" src"));
    }

    #[test]
    fn the_page_loads_entry_chunks_preloads_and_styles() {
        let assets = PageAssets {
            entries: vec!["/assets/index-a.js".into(), "/assets/main-b.js".into()],
            preloads: vec!["/assets/shared-c.js".into()],
            styles: vec!["/assets/index-a.css".into()],
        };
        let page = rewrite_page(PAGE, &assets).unwrap();
        assert_eq!(
            page,
            "<!doctype html><html><head><title>t</title>\
             <link rel=\"stylesheet\" crossorigin href=\"/assets/index-a.css\">\n\
             <link rel=\"modulepreload\" crossorigin href=\"/assets/shared-c.js\">\n</head><body>\
             <script type=\"module\" crossorigin src=\"/assets/index-a.js\"></script>\
             <script src=\"/legacy.js\"></script>\
             <script type=\"module\" crossorigin src=\"/assets/main-b.js\"></script></body></html>"
        );
    }
}
