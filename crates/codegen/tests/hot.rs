//! `CompileOptions::hot` (the dev server's modules): every component of the repository that
//! compiles compiles with it too, into a module that registers with `hot_component` and leaves
//! its stylesheet to the server, while the default output names none of it.

use eghact_codegen::{CompileOptions, compile};

#[test]
fn every_component_compiles_for_hot_replacement() {
    let hot = CompileOptions { hot: true, ..CompileOptions::default() };
    for (name, source) in eghact_test_support::repository_components() {
        let path = "src/Component.egh";
        let plain = compile(path, &source, &CompileOptions::default());
        let replaced = compile(path, &source, &hot);
        assert_eq!(plain.diagnostics, replaced.diagnostics, "{name}");
        if plain.has_errors() {
            continue;
        }
        assert!(!plain.js.contains("hot_component") && !plain.js.contains("$$self.hot"), "{name}");
        assert!(replaced.js.contains("export default $$.hot_component(import.meta.url, $$instance, {"), "{name}");
        assert!(!replaced.js.contains("css_beside"), "{name}: the server injects the stylesheet");
        assert_eq!(plain.css, replaced.css, "{name}");
    }
}

#[test]
fn the_local_state_is_captured_and_restored_by_name() {
    let source = "<script>\n  export let step = 1;\n  let count = 0;\n  const max = 10;\n  $: doubled = count * 2;\n</script>\n\
                  <template><button @click={() => count += step}>{count} {doubled} {max}</button></template>\n";
    let output = compile("src/Counter.egh", source, &CompileOptions { hot: true, ..CompileOptions::default() });
    assert!(!output.has_errors(), "{:?}", output.diagnostics);
    assert!(
        output.js.contains(r#"$$self.hot = [() => ({ "count": count, "doubled": doubled }), ($$s) => { count = $$s["count"]; doubled = $$s["doubled"]; }];"#),
        "{}",
        output.js
    );
    assert!(output.js.contains(r#"shape: "count,doubled""#), "props and constants are no local state");
}
