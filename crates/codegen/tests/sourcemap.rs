//! The source map of a compiled component, decoded: tokens of the script (JavaScript copied in
//! place, TypeScript printed by oxc) and of template expressions map to their exact line and
//! column in the `.egh` file.

use eghact_codegen::CompileOptions;
use eghact_codegen::compile;
use oxc_sourcemap::SourceMap;

/// 0-based line and column of the `nth` occurrence of `needle` in `text` (ASCII tests).
fn position(text: &str, needle: &str, nth: usize) -> (u32, u32) {
    let offset = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("`{needle}` #{nth} not in:\n{text}")).0;
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    (line as u32, column as u32)
}

struct Compiled {
    js: String,
    source: String,
    map: SourceMap<'static>,
}

impl Compiled {
    fn new(source: &str) -> Self {
        let output = compile("src/Widget.egh", source, &CompileOptions::default());
        assert!(!output.has_errors(), "{:?}", output.diagnostics);
        let map = SourceMap::from_json_string(&output.map).expect("a valid v3 map").into_owned();
        Self { js: output.js, source: source.to_string(), map }
    }

    /// Asserts that the `nth` `generated` text of the module starts a mapping that points at
    /// the `nth_original` `original` text of the `.egh` file.
    fn assert_maps(&self, generated: (&str, usize), original: (&str, usize)) {
        let (line, column) = position(&self.js, generated.0, generated.1);
        let table = self.map.generate_lookup_table();
        let token = self.map.lookup_token(&table, line, column).unwrap_or_else(|| panic!("no mapping at {line}:{column}"));
        assert_eq!((token.get_dst_line(), token.get_dst_col()), (line, column), "a mapping starts at `{}`", generated.0);
        assert_eq!(
            (token.get_src_line(), token.get_src_col()),
            position(&self.source, original.0, original.1),
            "`{}` maps to `{}`",
            generated.0,
            original.0
        );
        assert_eq!(self.map.get_source(token.get_source_id().unwrap_or(u32::MAX)), Some("src/Widget.egh"));
    }
}

#[test]
fn javascript_script_and_template_expressions_map_to_exact_columns() {
    let compiled = Compiled::new(
        "<script>\n  import { helper } from './helper.js';\n  let count = 0;\n  $: doubled = count * 2;\n  function bump() { count += helper(1); }\n</script>\n\n<template>\n  <p title=\"n {count}\">{doubled} and {count + 1}</p>\n  <button @click={bump}>+</button>\n</template>\n",
    );
    // Script: a declaration, a call inside a function, an identifier after a wrapped write.
    compiled.assert_maps(("let count = 0", 0), ("let count = 0", 0));
    compiled.assert_maps(("helper(1)", 0), ("helper(1)", 0));
    compiled.assert_maps(("bump()", 0), ("bump()", 0));
    // The target of a write wrapped in `$$invalidate(…)` keeps its own mapping.
    compiled.assert_maps(("count += helper", 0), ("count += helper", 0));
    compiled.assert_maps(("{ helper }", 0), ("{ helper }", 0));
    // A `$:` statement moved into `$$self.reactive([...])` still maps to its place.
    compiled.assert_maps(("count * 2", 0), ("count * 2", 0));
    // Template expressions: in text, in an attribute value and in an event handler.
    compiled.assert_maps(("doubled)", 0), ("doubled}", 0));
    compiled.assert_maps(("count + 1", 0), ("count + 1", 0));
    compiled.assert_maps(("count)", 0), ("count}\"", 0));
    compiled.assert_maps(("bump);", 0), ("bump}", 0));
}

#[test]
fn typescript_maps_through_oxc_printing() {
    let compiled = Compiled::new(
        "<template>\n  <h3>{caption}: {hits}</h3>\n</template>\n<script lang=\"ts\">\n  interface Row { id: number }\n  export let caption: string = 'Hits';\n  let rows: Row[] = [];\n  let hits: number = 0;\n  function bump(step: number): void { hits += step; rows = [...rows, { id: hits }]; }\n</script>\n",
    );
    // Printed by oxc (types gone, tabs for indentation), yet each token maps to the .egh file.
    compiled.assert_maps(("function bump", 0), ("function bump", 0));
    compiled.assert_maps(("step) {", 0), ("step: number)", 0));
    compiled.assert_maps(("rows = [", 1), ("rows = [", 0));
    compiled.assert_maps(("hits = 0", 0), ("hits: number = 0", 0));
    // Template expressions of a TypeScript component map the same way.
    compiled.assert_maps(("caption)", 0), ("caption}", 0));
    compiled.assert_maps(("hits)", 0), ("hits}", 0));
}

#[test]
fn columns_count_utf16_units() {
    // `é` and the emoji are one and two UTF-16 units: the template column after them must
    // count units, not bytes or chars.
    let compiled = Compiled::new("<template>\n  <p>é😀 {name}</p>\n</template>\n<script>\n  let name = 'x';\n</script>\n");
    let (line, column) = position(&compiled.js, "name)", 0);
    let table = compiled.map.generate_lookup_table();
    let token = compiled.map.lookup_token(&table, line, column).expect("mapped");
    assert_eq!((token.get_dst_line(), token.get_dst_col()), (line, column));
    assert_eq!((token.get_src_line(), token.get_src_col()), (1, 10), "`  <p>é😀 {{` is 10 UTF-16 units");
}
