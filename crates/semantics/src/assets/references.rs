//! Where a component references images: the static `src` of an `<img>`, the candidates of its
//! static `srcset`, and `url(…)` in its `<style>`. Dynamic values (`src={url}`, `src="{a}.png"`)
//! are the application's business and are never rewritten.

use std::ops::Range;

use eghact_syntax::ast::{AttrValue, AttributeKind, Component, ElementKind, ValuePart, walk_elements};
use eghact_syntax::css;
use eghact_syntax::diagnostics::Span;

/// File extensions of the images a build processes; other references are left alone.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "webp", "gif"];

/// Whether `specifier` is a path relative to the component (`./`, `../`) that names an image.
/// An absolute path (`/logo.png`) is the site's, not the project's, and is left alone.
pub fn is_image_specifier(specifier: &str) -> bool {
    let relative = specifier.starts_with("./") || specifier.starts_with("../");
    let extension = specifier.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase());
    relative && extension.is_some_and(|ext| IMAGE_EXTENSIONS.contains(&ext.as_str()))
}

/// One reference to an image of the project.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImageReference {
    /// As written (`./hero.png`), relative to the component.
    pub specifier: String,
    /// The URL in the `.egh` file: an attribute value, a `srcset` candidate or the inside of a
    /// `url(…)`.
    pub span: Span,
}

/// Every image reference of a component, in source order (template, then style).
pub fn image_references(source: &str, component: &Component) -> Vec<ImageReference> {
    let mut references = Vec::new();
    let mut push = |specifier: &str, span: Span| {
        if is_image_specifier(specifier) {
            references.push(ImageReference { specifier: specifier.to_string(), span });
        }
    };
    if let Some(template) = &component.template {
        walk_elements(&template.nodes, &mut |element| {
            if element.kind != ElementKind::Html || element.name.text != "img" {
                return;
            }
            for attribute in &element.attributes {
                let AttributeKind::Plain { name, value: AttrValue::Text(parts) } = &attribute.kind else { continue };
                let [ValuePart::Text(text)] = parts.as_slice() else { continue };
                match name.text.as_str() {
                    "src" => push(&text.value, text.span),
                    "srcset" => {
                        // Offsets into the decoded value are offsets into the source only when
                        // no character reference was decoded.
                        let exact = text.span.text(source) == text.value;
                        for range in srcset_urls(&text.value) {
                            let span = match exact {
                                true => Span::new(text.span.start + range.start as u32, text.span.start + range.end as u32),
                                false => text.span,
                            };
                            push(&text.value[range], span);
                        }
                    }
                    _ => {}
                }
            }
        });
    }
    if let Some(style) = &component.style {
        for (url, span) in css::urls(style.content.text(source), style.content.start) {
            push(&url, span);
        }
    }
    references
}

/// The byte ranges of the candidate URLs of a `srcset` value (`a.png 1x, b.png 2x`), as the
/// HTML standard splits them: a URL is a run of non-whitespace, trailing commas end a
/// candidate, and descriptors run to the next comma outside parentheses.
pub fn srcset_urls(value: &str) -> Vec<Range<usize>> {
    let bytes = value.as_bytes();
    let mut urls = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
            i += 1;
        }
        if i == bytes.len() {
            return urls;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut end = i;
        while end > start && bytes[end - 1] == b',' {
            end -= 1;
        }
        urls.push(start..end);
        if end < i {
            continue;
        }
        let mut depth = 0usize;
        while i < bytes.len() && !(bytes[i] == b',' && depth == 0) {
            match bytes[i] {
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eghact_syntax as syntax;

    fn references(source: &str) -> Vec<(String, String)> {
        image_references(source, &syntax::parse(source).component)
            .into_iter()
            .map(|r| (r.specifier, r.span.text(source).to_string()))
            .collect()
    }

    #[test]
    fn srcset_candidates_split_like_browsers_do() {
        let urls = |value: &str| srcset_urls(value).into_iter().map(|r| value[r].to_string()).collect::<Vec<_>>();
        assert_eq!(urls("./a.png 1x, ./b.png 2x"), ["./a.png", "./b.png"]);
        assert_eq!(urls("  ./a.png, ./b.png 640w,  , ./c.png"), ["./a.png", "./b.png", "./c.png"]);
        // A comma inside a URL belongs to it; trailing ones end the candidate.
        assert_eq!(urls("./a.png,./b.png 1x"), ["./a.png,./b.png"]);
        assert_eq!(urls("./a.png,, ./b.png"), ["./a.png", "./b.png"]);
        assert_eq!(urls("./a.png (x, y) 1x, ./b.png"), ["./a.png", "./b.png"]);
        assert!(urls(" , ").is_empty());
    }

    #[test]
    fn static_img_sources_srcsets_and_style_urls_are_references() {
        let source = r#"<template>
  <img src="./a.png" alt="">
  <img srcset="./b.png 1x, ./c.jpg 2x, /d.png 3x" alt="">
  <img src={dynamic} alt=""><img src="./{name}.png" alt=""><img src="/site.png" alt="">
  <video src="./e.png"></video>
  <img src="./f.svg" alt="">
</template>
<style>
  div { background: url("../g.webp"); }
</style>"#;
        let expected = [("./a.png", "./a.png"), ("./b.png", "./b.png"), ("./c.jpg", "./c.jpg"), ("../g.webp", "../g.webp")];
        let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(references(source), expected);
    }

    #[test]
    fn a_srcset_with_character_references_points_at_the_whole_value() {
        let source = "<template><img srcset=\"./a&#46;png 1x\" alt=\"\"></template>";
        assert_eq!(references(source), [("./a.png".to_string(), "./a&#46;png 1x".to_string())]);
    }
}
