//! Scoping as the compiler sees it: stylesheets in, scoped CSS and diagnostics out (expect tests),
//! and properties that hold for any input (no panics, spans inside the source, well-formed output).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use eghact_syntax::diagnostics::{Severity, Span};
use expect_test::{Expect, expect};
use proptest::prelude::*;

use super::{CssOptions, CssTargets, process_css, scope_css};

/// Output code, then one line per diagnostic: `error[E0000] 3..4 `text`: message`.
fn render(source: &str, base: u32) -> String {
    let result = scope_css(source, base, "egh-x", &BTreeMap::new());
    let mut s = result.code;
    for d in &result.diagnostics {
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Hint => "hint",
        };
        let local = Span::new(d.span.start - base, d.span.end - base);
        let _ = writeln!(s, "{severity}[{}] {}..{} `{}`: {}", d.code, d.span.start, d.span.end, local.text(source), d.message);
    }
    s
}

fn check(source: &str, expect: Expect) {
    expect.assert_eq(&render(source, 0));
}

#[test]
fn compounds_get_the_class_before_pseudos() {
    check(
        ".a .b > p:hover { color: red }\na::before, li:nth-child(2n + 1):not(.x)::after { content: '' }",
        expect![[r#"
            .a.egh-x .b.egh-x > p.egh-x:hover {
              color: red;
            }

            a.egh-x:before, li.egh-x:nth-child(odd):not(.x):after {
              content: "";
            }
        "#]],
    );
}

#[test]
fn combinators_lists_ids_and_attributes() {
    check(
        "h1+h2 ~ p,#main>.x , button[type=\"submit\"], a[ href $= '.pdf' i ] { margin: 0 }",
        expect![[r#"
            h1.egh-x + h2.egh-x ~ p.egh-x, #main.egh-x > .x.egh-x, button[type="submit"].egh-x, a[href$=".pdf" i].egh-x {
              margin: 0;
            }
        "#]],
    );
}

#[test]
fn universal_becomes_the_class() {
    check(
        "* { box-sizing: border-box } *:hover {} .a > * {} *.b {} svg|* {}",
        expect![[r#"
            .egh-x {
              box-sizing: border-box;
            }

            .egh-x:hover {
            }

            .a.egh-x > .egh-x {
            }

            .b.egh-x {
            }

            svg|*.egh-x {
            }
        "#]],
    );
}

#[test]
fn global_escapes_scoping() {
    check(
        ":global(body) { margin: 0 }
.wrap :global(.dialog) { top: 0 }
.wrap :global(.dialog) p { top: 0 }
:global(.a .b) > .c {}
div:global(.open) {}
.x:global(div) {}
:global(.a, .b) {}
.x :global(.a, .b) {}
:global(.a):hover {}
:not(:global(.a)) {}
:global(:global(.deep)) {}",
        expect![[r#"
            body {
              margin: 0;
            }

            .wrap.egh-x .dialog {
              top: 0;
            }

            .wrap.egh-x .dialog p.egh-x {
              top: 0;
            }

            .a .b > .c.egh-x {
            }

            div.open {
            }

            .x:is(div) {
            }

            .a, .b {
            }

            .x.egh-x :is(.a, .b) {
            }

            .a:hover {
            }

            .egh-x:not(.a) {
            }

            .deep {
            }
        "#]],
    );
}

#[test]
fn root_and_nesting_selector_are_not_scoped() {
    check(
        ":root { --accent: #f60; } :root .dark .x { color: var(--accent) }",
        expect![[r#"
            :root {
              --accent: #f60;
            }

            :root .dark.egh-x .x.egh-x {
              color: var(--accent);
            }
        "#]],
    );
}

#[test]
fn native_nesting_is_scoped() {
    check(
        ".card { color: red; &:hover { color: blue } .title { font-weight: bold } > p { margin: 0 } @media (max-width: 600px) { padding: 0 } }",
        expect![[r#"
            .card.egh-x {
              color: red;

              &:hover {
                color: #00f;
              }

              & .title.egh-x {
                font-weight: bold;
              }

              & > p.egh-x {
                margin: 0;
              }

              @media (max-width: 600px) {
                padding: 0;
              }
            }
        "#]],
    );
}

#[test]
fn conditional_group_rules_scope_their_rules() {
    check(
        "@media screen and (max-width: 600px) { .a { x: 1 } p { y: 2 } }
@supports (display: grid) { .g { display: grid } }
@container sidebar (min-width: 400px) { .c {} }
@layer base { h1 {} }
@layer base, theme;
@media print { @supports (x: y) { .deep {} } }",
        expect![[r#"
            @media screen and (max-width: 600px) {
              .a.egh-x {
                x: 1;
              }

              p.egh-x {
                y: 2;
              }
            }

            @supports (display: grid) {
              .g.egh-x {
                display: grid;
              }
            }

            @container sidebar (min-width: 400px) {
              .c.egh-x {
              }
            }

            @layer base {
              h1.egh-x {
              }
            }

            @layer base, theme;

            @media print {
              @supports (x: y) {
                .deep.egh-x {
                }
              }
            }
        "#]],
    );
}

#[test]
fn keyframes_are_scoped_per_component() {
    check(
        "@keyframes spin { from { transform: rotate(0deg) } 50.5% { opacity: .5 } to { transform: rotate(360deg) } }
@-webkit-keyframes fade { 0%, 100% { opacity: 0 } }
.x { animation: spin 1s linear infinite }",
        expect![[r#"
            @keyframes egh-x-spin {
              from {
                transform: rotate(0);
              }

              50.5% {
                opacity: .5;
              }

              to {
                transform: rotate(360deg);
              }
            }

            @-webkit-keyframes egh-x-fade {
              0%, 100% {
                opacity: 0;
              }
            }

            .x.egh-x {
              animation: 1s linear infinite egh-x-spin;
            }
        "#]],
    );
}

#[test]
fn other_at_rules_pass_through() {
    check(
        "@charset \"utf-8\";
@import url(\"theme.css\") screen;
@import 'a.css';
@font-face { font-family: 'My Font'; src: url(my-font.woff2) format('woff2') }
@page :first { margin: 1in; @top-center { content: \"Title\" } }",
        expect![[r#"
            @import "theme.css" screen;
            @import "a.css";

            @font-face {
              font-family: My Font;
              src: url("my-font.woff2") format("woff2");
            }

            @page :first {
              margin: 1in;

              @top-center {
                content: "Title";
              }
            }
        "#]],
    );
}

#[test]
fn strings_and_urls_are_byte_exact_and_comments_dropped() {
    check(
        "/* header */ .a /* c */ { content: 'it\\'s \"q\" \\41  {;}'; background: url(  data:image/png;base64,AA==  ) , url( \"x y.png\" );\n  font: 12px/1.5 \"A\"  ,  serif /* trailing */ ; }\n.b\\:c, .\\31 0 { x: y }",
        expect![[r#"
            .a.egh-x {
              content: "it's \"q\" A {;}";
              background: url("data:image/png;base64,AA=="), url("x y.png");
              font: 12px / 1.5 A, serif;
            }

            .b\:c.egh-x, .\31 0.egh-x {
              x: y;
            }
        "#]],
    );
}

#[test]
fn urls_are_read_with_their_spans_and_rewritten_in_place() {
    let source = ".a { background: url( ./a.png ) , URL(\"../b.png\"), url('./c\\.png'), url(x) } /* url(./d.png) */";
    let found: Vec<(String, &str)> = eghact_syntax::css::urls(source, 10)
        .into_iter()
        .map(|(u, sp)| (u, &source[sp.start as usize - 10..sp.end as usize - 10]))
        .collect();
    assert_eq!(found, [("./a.png".to_string(), "./a.png"), ("../b.png".to_string(), "../b.png"), ("x".to_string(), "x")],);
    let images = BTreeMap::from([
        ("./a.png".to_string(), "../assets/a-1-640.webp".to_string()),
        ("../b.png".to_string(), "../assets/b-2-640.webp".to_string()),
    ]);
    let scoped = scope_css(source, 0, "egh-x", &images);
    assert_eq!(
        scoped.code,
        ".a.egh-x {\n  background: url(\"../assets/a-1-640.webp\"), url(\"../assets/b-2-640.webp\"), url(\"./c.png\"), url(\"x\");\n}\n"
    );
}

#[test]
fn custom_properties_and_important() {
    check(
        ".a { --empty:; --json: { \"a\": [1, 2] }; color: red !important }",
        expect![[r#"
            .a.egh-x {
              --empty: ;
              --json: { "a": [1, 2] };
              color: red !important;
            }
        "#]],
    );
}

#[test]
fn html_and_body_warn() {
    check(
        "body { margin: 0 } :global(html) {}",
        expect![[r#"
            body.egh-x {
              margin: 0;
            }

            html {
            }
            warning[W0302] 0..4 `body`: `body` is outside the component, so this scoped selector matches nothing
        "#]],
    );
}

#[test]
fn unknown_at_rules_warn_and_pass_through() {
    check(
        "@tailwind base; @foo bar { .a { b: c } }",
        expect![[r#"
            @tailwind base;

            @foo bar {
              .a{b: c;}
            }
            warning[W0301] 0..14 `@tailwind base`: unknown at-rule `@tailwind` is passed through unscoped
            warning[W0301] 16..24 `@foo bar`: unknown at-rule `@foo` is passed through unscoped
        "#]],
    );
}

#[test]
fn invalid_declarations_are_dropped_with_a_warning() {
    check(
        ".a { color red; : x; color: blue }",
        expect![[r#"
            .a.egh-x {
              color: #00f;
            }
            warning[W0303] 5..14 `color red`: invalid declaration; it is left out
            warning[W0303] 16..19 `: x`: invalid declaration; it is left out
        "#]],
    );
}

#[test]
fn unterminated_comment() {
    check(
        ".a { color: red } /* never closed .b { }",
        expect![[r#"
            .a.egh-x {
              color: red;
            }
            error[E0301] 18..20 `/*`: unterminated comment
        "#]],
    );
}

#[test]
fn unterminated_strings_lose_only_their_declaration() {
    check(
        ".a { content: 'oops; color: red }\n.b { color: blue }\n.c { content: \"eof",
        expect![[r#"
            .a.egh-x {
              color: red;
            }

            .b.egh-x {
              color: #00f;
            }

            .c.egh-x {
            }
            error[E0302] 14..19 `'oops`: unterminated string
            error[E0303] 56..57 `{`: unclosed `{`
            error[E0302] 67..71 `"eof`: unterminated string
        "#]],
    );
}

#[test]
fn unclosed_brace_closes_at_end() {
    check(
        ".a { color: red;\n.b { color: blue }\n",
        expect![[r#"
            .a.egh-x {
              color: red;

              & .b.egh-x {
                color: #00f;
              }
            }
            error[E0303] 3..4 `{`: unclosed `{`
        "#]],
    );
}

#[test]
fn stray_closing_brace_keeps_the_rest() {
    check(
        ".a { color: red } }\n.b { color: blue }\n@media print { .c {} } }",
        expect![[r#"
            .a.egh-x {
              color: red;
            }

            .b.egh-x {
              color: #00f;
            }

            @media print {
              .c.egh-x {
              }
            }
            error[E0304] 18..19 `}`: unexpected `}`
            error[E0304] 62..63 `}`: unexpected `}`
        "#]],
    );
}

#[test]
fn empty_selectors() {
    check(
        "{ color: red } .a, { x: y } .b,, .c {} .ok {}",
        expect![[r#"
            .ok.egh-x {
            }
            error[E0305] 0..1 `{`: expected a selector before `{`
            error[E0305] 17..18 `,`: empty selector in a selector list
            error[E0305] 31..32 `,`: empty selector in a selector list
        "#]],
    );
}

#[test]
fn bad_selectors_drop_their_rule_only() {
    check(
        "> .a {} .a > {} .a > > .b {} .a. {} [x]div {} a:: {} 12px {} [] {} .ok {}",
        expect![[r#"
            .ok.egh-x {
            }
            error[E0307] 0..1 `>`: a selector cannot start with the combinator `>`
            error[E0307] 11..12 `>`: a selector cannot end with the combinator `>`
            error[E0307] 21..22 `>`: unexpected combinator `>`
            error[E0306] 31..32 `.`: expected a class name after `.`
            error[E0306] 39..42 `div`: type selector `div` must come first in its compound selector
            error[E0306] 47..49 `::`: expected a pseudo-element name after `::`
            error[E0306] 53..57 `12px`: unexpected `12px` in selector
            error[E0306] 61..63 `[]`: empty attribute selector
        "#]],
    );
}

#[test]
fn global_errors() {
    check(
        ".a :global .b {} :global() {} :global( ) {} .ok {}",
        expect![[r#"
            .ok.egh-x {
            }
            error[E0308] 3..10 `:global`: `:global` needs a selector in parentheses
            error[E0308] 17..26 `:global()`: empty `:global()`
            error[E0308] 30..40 `:global( )`: empty `:global()`
        "#]],
    );
}

#[test]
fn unbalanced_brackets() {
    check(
        ".a { color: rgb(1, 2 } .b { width: calc(1px)) } [x=\"1\" {} :not(.a {} .ok { x: y }",
        expect![[r#"
            .a.egh-x {
            }

            .b.egh-x {
            }

            .ok.egh-x {
              x: y;
            }
            error[E0310] 12..16 `rgb(`: unclosed `(`
            error[E0310] 44..45 `)`: unmatched `)`
            error[E0310] 48..49 `[`: unclosed `[`
            error[E0310] 59..63 `not(`: unclosed `(`
        "#]],
    );
}

#[test]
fn unterminated_url() {
    check(
        ".a { background: url(x.png }\n.b { color: red }",
        expect![[r#"
            .a.egh-x {
            }

            .b.egh-x {
              color: red;
            }
            error[E0309] 17..27 `url(x.png `: unterminated `url(`
        "#]],
    );
}

#[test]
fn rules_without_blocks_and_stray_declarations() {
    check(
        "color: red; .a { x: y } .b }\n.c",
        expect![[r#"
            .a.egh-x {
              x: y;
            }
            error[E0311] 0..10 `color: red`: expected `{` after selector
            error[E0311] 24..26 `.b`: expected `{` after selector
            error[E0304] 27..28 `}`: unexpected `}`
            error[E0311] 29..31 `.c`: expected `{` after selector
        "#]],
    );
}

#[test]
fn at_rules_missing_blocks() {
    check(
        "@media screen; @keyframes { from {} } @import 'a.css' { } @font-face; .ok {}",
        expect![[r#"
            .ok.egh-x {
            }
            error[E0312] 0..13 `@media screen`: `@media` needs a `{ … }` block
            error[E0312] 15..25 `@keyframes`: `@keyframes` needs a name
            error[E0312] 38..53 `@import 'a.css'`: `@import` takes no block
            error[E0312] 58..68 `@font-face`: `@font-face` needs a `{ … }` block
        "#]],
    );
}

#[test]
fn stray_backslash() {
    check(
        ".a { b: c\\\n; d: e }",
        expect![[r#"
            .a.egh-x {
              d: e;
            }
            error[E0314] 9..10 `\`: stray `\`
        "#]],
    );
}

#[test]
fn spans_are_offset_by_base() {
    expect![[r#"
        .a.egh-x {
        }
        error[E0304] 110..111 `}`: unexpected `}`
    "#]]
    .assert_eq(&render(".a {}\n\n   }", 100));
}

#[test]
fn unicode_passes_through() {
    check(
        ".café::before { content: '→ ✓' } .😀 {}",
        expect![[r#"
            .café.egh-x:before {
              content: "→ ✓";
            }

            .😀.egh-x {
            }
        "#]],
    );
}

#[test]
fn global_keyframes_keep_their_name() {
    check(
        "@keyframes -global-fade { to { opacity: 0 } }
@keyframes spin { to { opacity: 1 } }
.a { animation-name: fade, spin, other; animation: -global-fade 1s, spin 2s }",
        expect![[r#"
            @keyframes fade {
              to {
                opacity: 0;
              }
            }

            @keyframes egh-x-spin {
              to {
                opacity: 1;
              }
            }

            .a.egh-x {
              animation-name: fade, egh-x-spin, other;
              animation: 1s fade, 2s egh-x-spin;
            }
        "#]],
    );
}

#[test]
fn escaped_names_stay_escaped() {
    // Lightning CSS prints these names unescaped; without escaping them again, `:a\.b` would
    // read as a class and `@\1a` as an `@` and a control character.
    check(
        "@\\1a; .x:a\\.b, :not(:hov\\e r)::c\\.d, li:nth-child(2n of :a\\.b) {}",
        expect![[r#"
            @\1a ;

            .x.egh-x:a\.b, .egh-x:not(:hov\e r)::c\.d, li.egh-x:nth-child(2n of :a\.b) {
            }
            warning[W0301] 0..4 `@\1a`: unknown at-rule `@\1a` is passed through unscoped
        "#]],
    );
}

fn process(source: &str, options: &CssOptions) -> String {
    process_css(source, 0, "egh-x", &BTreeMap::new(), options).code
}

#[test]
fn targets_add_prefixes_and_lower_nesting_and_ranges() {
    let options = CssOptions { targets: Some(CssTargets::parse("safari 13, chrome 80").unwrap()), minify: false };
    expect![[r#"
        .a.egh-x {
          -webkit-user-select: none;
          user-select: none;
        }

        .a.egh-x:hover {
          color: red;
        }

        @media (min-width: 600px) {
          .b.egh-x {
            x: y;
          }
        }
    "#]]
    .assert_eq(&process(".a { user-select: none; &:hover { color: red } } @media (width >= 600px) { .b { x: y } }", &options));
}

#[test]
fn minify_prints_compact_css() {
    let options = CssOptions { targets: None, minify: true };
    expect![[r#".a.egh-x{color:red;margin:0}.b.egh-x>p.egh-x{content:"x"}"#]]
        .assert_eq(&process(".a { color: red; margin: 0 0 0 0 }\n\n.b > p { content: 'x' }", &options));
}

#[test]
fn invalid_targets_are_an_error() {
    let error = CssTargets::parse("netscape 4").unwrap_err();
    expect!["invalid browser targets `netscape 4`: unknown browser: 'netscape'"].assert_eq(&error.to_string());
    assert_eq!(CssTargets::parse("chrome 80, safari 13").unwrap().query(), "chrome 80, safari 13");
}

#[test]
fn the_css_map_points_into_the_egh_file() {
    let source = "<template><p class=\"a\">x</p></template>\n<style>\n  .a { color: red }\n\n  @media print {\n    .a { color: blue }\n  }\n</style>\n";
    let options = crate::CompileOptions { source_map_source: Some("../src/App.egh".into()), ..Default::default() };
    let output = crate::compile("App.egh", source, &options);
    assert!(output.diagnostics.is_empty(), "{:?}", output.diagnostics);
    let map = oxc_sourcemap::SourceMap::from_json_string(&output.css_map).unwrap();
    assert_eq!(map.get_sources().map(|s| s.to_string()).collect::<Vec<_>>(), ["../src/App.egh"]);
    let css_lines: Vec<&str> = output.css.lines().collect();
    let egh_lines: Vec<&str> = source.lines().collect();
    // Each mapped rule starts where the `.egh` file writes it.
    let mapped: Vec<(String, String)> = map
        .get_tokens()
        .map(|t| {
            let css = &css_lines[t.get_dst_line() as usize][t.get_dst_col() as usize..];
            let egh = &egh_lines[t.get_src_line() as usize][t.get_src_col() as usize..];
            (css.to_string(), egh.to_string())
        })
        .collect();
    expect![[r#"
        [
            (
                ".a.egh-4984db45 {",
                ".a { color: red }",
            ),
            (
                "@media print {",
                "@media print {",
            ),
            (
                ".a.egh-4984db45 {",
                ".a { color: blue }",
            ),
        ]
    "#]]
    .assert_debug_eq(&mapped);
    assert_eq!(crate::compile("App.egh", "<template><p>x</p></template>", &options).css_map, "");
}

#[test]
fn deep_nesting_neither_overflows_nor_hangs() {
    let braces = format!(".a {}{}", "{".repeat(100_000), "}".repeat(100_000));
    let result = scope_css(&braces, 0, "egh-x", &BTreeMap::new());
    assert!(result.diagnostics.iter().any(|d| d.code == "E0313"));
    let selectors = format!("{}.a{} {{}}", ":not(".repeat(50_000), ")".repeat(50_000));
    scope_css(&selectors, 0, "egh-x", &BTreeMap::new());
    let globals = format!("{}.a{} {{}}", ":global(".repeat(50_000), ")".repeat(50_000));
    let result = scope_css(&globals, 0, "egh-x", &BTreeMap::new());
    assert!(result.diagnostics.iter().any(|d| d.code == "E0313"));
    let unclosed = ".a { ".repeat(20_000);
    scope_css(&unclosed, 0, "egh-x", &BTreeMap::new());
}

#[test]
fn empty_and_whitespace_input() {
    check("", expect![""]);
    check("  /* only a comment */\n ", expect![""]);
}

const VALID: &str = r#"@import url("theme.css");
:root { --accent: #f60; }
.wrap :global(.dialog) > p:hover, button[type="submit"]::after { content: 'a;b}'; background: url(x.png) }
@media (max-width: 600px) { .a .b { color: red } * { margin: 0 } }
@keyframes spin { from { opacity: 0 } 50% { opacity: .5 } to { opacity: 1 } }
@font-face { font-family: "F"; src: url(f.woff2) }
.card { &:hover { color: blue } .title { x: y } }
/* done */"#;

fn check_invariants(source: &str, base: u32) -> Result<(), TestCaseError> {
    let result = scope_css(source, base, "egh-x", &BTreeMap::new());
    for d in &result.diagnostics {
        prop_assert!(d.span.start <= d.span.end, "{d:?}");
        prop_assert!(d.span.start >= base && d.span.end <= base + source.len() as u32, "{d:?}");
        let local = (d.span.start - base) as usize..(d.span.end - base) as usize;
        prop_assert!(source.get(local).is_some(), "span off a char boundary: {d:?}");
    }
    prop_assert_eq!(&result, &scope_css(source, base, "egh-x", &BTreeMap::new()), "not deterministic");
    // Whatever the input, the output is well-formed CSS.
    let again = scope_css(&result.code, 0, "egh-x", &BTreeMap::new());
    prop_assert!(again.diagnostics.iter().all(|d| !d.is_error()), "output has errors: {:?}\n{}", again.diagnostics, result.code);
    Ok(())
}

#[test]
fn valid_stylesheet_has_no_diagnostics() {
    let result = scope_css(VALID, 0, "egh-x", &BTreeMap::new());
    assert_eq!(result.diagnostics, vec![]);
}

#[derive(Clone, Debug)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1usize..6).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<usize>(), prop::sample::select("{}()[];:,'\"/*\\@.#>+~&|*!%-_ \n0aé😀".chars().collect::<Vec<_>>()))
            .prop_map(|(at, c)| Edit::Insert(at, c)),
    ]
}

fn apply(source: &str, edits: &[Edit]) -> String {
    let mut s: Vec<char> = source.chars().collect();
    for e in edits {
        match *e {
            Edit::Delete(at, len) if !s.is_empty() => {
                let at = at % s.len();
                let end = (at + len).min(s.len());
                s.drain(at..end);
            }
            Edit::Delete(..) => {}
            Edit::Insert(at, c) => {
                let at = at % (s.len() + 1);
                s.insert(at, c);
            }
        }
    }
    s.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_strings_never_panic(source in "\\PC{0,120}", base in 0u32..1000) {
        check_invariants(&source, base)?;
    }

    #[test]
    fn css_alphabet_strings_never_panic(
        source in "[a-z.#:(){};,'\"/*\\\\@>+~&|!%\\[\\]= \n0-9é-]{0,120}",
        base in 0u32..1000,
    ) {
        check_invariants(&source, base)?;
    }

    #[test]
    fn mutated_stylesheets_never_panic(edits in prop::collection::vec(edit(), 1..8), base in 0u32..1000) {
        check_invariants(&apply(VALID, &edits), base)?;
    }
}
