//! Decoding of HTML character references in template text and attribute values, as the HTML
//! standard's tokenizer decodes them: every named reference of its table (legacy names such as
//! `&copy` also without `;`), numeric references with the standard's replacements (NUL,
//! surrogates and values past U+10FFFF become U+FFFD; 0x80–0x9F map through windows-1252), and
//! in attribute values a legacy name without `;` followed by `=` or an alphanumeric stays as
//! written (`?a=1&copy=2`). Anything that is not a reference stays as written.
//!
//! The table and the matching are `htmlize`'s; each reference is matched from its `&` with a
//! bounded look-ahead (numeric ones read their digits once), so decoding is linear in the text.
//! Decoding only changes a node's value: spans always cover the text as written.

use std::borrow::Cow;

/// Decodes the references in text content.
pub fn decode(text: &str) -> Cow<'_, str> {
    htmlize::unescape(text)
}

/// Decodes the references in (a text part of) an attribute value.
pub fn decode_attribute(text: &str) -> Cow<'_, str> {
    htmlize::unescape_attribute(text)
}

#[cfg(test)]
mod tests {
    use super::{decode, decode_attribute};

    #[test]
    fn decodes_named_and_numeric_references() {
        assert_eq!(decode("a &amp; b &lt;&#65;&#x42;&gt; &nbsp;"), "a & b <AB> \u{a0}");
        assert_eq!(decode("AT&T &bogus; &"), "AT&T &bogus; &");
        assert_eq!(decode("&eacute;t&eacute; &ast; &NotNestedGreaterGreater;"), "été * \u{2aa2}\u{338}");
    }

    #[test]
    fn legacy_names_need_no_semicolon_in_text() {
        assert_eq!(decode("&copy 2024 &amp &lt&gt"), "© 2024 & <>");
        assert_eq!(decode("&notit; &copyright"), "¬it; ©right");
        // Only legacy names (Latin-1 and a few others) may lose their `;`.
        assert_eq!(decode("&ast &hellip &eacute"), "&ast &hellip é");
    }

    #[test]
    fn numeric_references_follow_the_standard() {
        assert_eq!(decode("&#169;&#xA9;&#XA9&#169"), "©©©©");
        assert_eq!(decode("&#0;&#xD800;&#x110000;&#99999999999;"), "\u{fffd}".repeat(4));
        assert_eq!(decode("&#x80;&#x99;&#150;"), "€™–");
        assert_eq!(decode("&#; &#x; &#a;"), "&#; &#x; &#a;");
    }

    #[test]
    fn attribute_values_keep_legacy_names_before_equals_or_alphanumerics() {
        assert_eq!(decode_attribute("?a=1&copy=2&lang=en&copyx"), "?a=1&copy=2&lang=en&copyx");
        assert_eq!(decode_attribute("&copy; &copy &amp;x &notin; &#169;"), "© © &x ∉ ©");
        assert_eq!(decode("?a=1&copy=2"), "?a=1©=2");
    }

    /// Long runs of `&` decode whole (a decoder that rescans would make this test crawl; no
    /// timing here, machines are noisy).
    #[test]
    fn long_runs_of_ampersands_decode() {
        let long = "&".repeat(200_000) + &"&amp".repeat(50_000) + &"&#1".repeat(50_000);
        let decoded = decode(&long);
        assert!(decoded.starts_with("&&&") && decoded.ends_with('\u{1}'));
        assert_eq!(decoded.chars().count(), 200_000 + 50_000 + 50_000);
    }
}
