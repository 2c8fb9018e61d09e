//! Compiles one parsed component to an ES module, scoped CSS and a source map.
//!
//! Invariants: a component with errors produces no JavaScript (only diagnostics), and
//! output bytes depend only on the inputs of [`compile`], never on the machine or time.
//! Every module [`compile`] returns parses as an ES module and passes oxc's semantic checks
//! (what `node --check` refuses): the stages check what they copy, and the finished module
//! is checked again, a failure being the compiler's bug (E0290) and no output.

pub mod css;
mod js;
mod model;
mod module;
mod motion;
mod script;
mod sourcemap;
mod template;
mod unused_css;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;

use eghact_semantics::ImplicitObjects;
use eghact_syntax as syntax;
use eghact_syntax::diagnostics::{Diagnostic, LineIndex, Span};

/// The runtime, written in JavaScript and shipped inside the binary.
pub const RUNTIME_SOURCE: &str = include_str!("../runtime/runtime.js");

pub use model::{CompileOptions, CompileOutput, RUNTIME_FILE};
pub use module::{DEPENDENCIES_DIR, compile_module, dependency_entry, dependency_output, module_imports, module_output};

/// Whether an import specifier names the framework, which the runtime provides
/// (LANGUAGE.md decision 7).
pub fn is_framework_module(specifier: &str) -> bool {
    script::FRAMEWORK_MODULES.contains(&specifier)
}

/// The class that scopes a component's styles: stable for a path, so rebuilding an
/// unchanged project gives identical bytes.
pub fn scope_class(path: &str) -> String {
    let hash = blake3::hash(path.as_bytes());
    format!("egh-{}", &hash.to_hex()[..8])
}

/// Compiles `source`. `path` is the file's path inside the project: it names the component
/// and seeds its scope class.
pub fn compile(path: &str, source: &str, options: &CompileOptions) -> CompileOutput {
    compile_parsed(path, source, &syntax::parse(source), options)
}

/// [`compile`] for a component already parsed from `source`.
pub fn compile_parsed(path: &str, source: &str, parse: &syntax::Parse, options: &CompileOptions) -> CompileOutput {
    eghact_syntax::stack::ensure(|| compile_on_stack(path, source, parse, options))
}

/// The diagnostics [`compile_parsed`] reports for the same input, found by the stages that
/// analyse the component; no module, map or stylesheet is assembled, and nothing is parsed
/// again. What an editor and `eghact check` ask for.
pub fn check_parsed(path: &str, source: &str, parse: &syntax::Parse, options: &CompileOptions) -> Vec<Diagnostic> {
    eghact_syntax::stack::ensure(|| analyse(path, source, parse, options).diagnostics)
}

/// What the analysing stages make of a component: the script and template as the module
/// needs them, the scoped stylesheet, and every diagnostic, in file order.
struct Analysed {
    module_script: script::module_context::ModuleScript,
    script: script::Script,
    render: template::RenderFunction,
    css: String,
    /// Where the rules of `css` come from (see [`css::ScopedCss::mappings`]).
    css_mappings: Vec<(u32, u32, u32)>,
    diagnostics: Vec<Diagnostic>,
    /// Whether copied code carries position marks (`sourcemap::marks_allowed`).
    marks: bool,
    /// `$$props`, `$$restProps` and `$$slots`: the module defines those the component reads.
    implicit: ImplicitObjects,
}

fn analyse(path: &str, source: &str, parse: &syntax::Parse, options: &CompileOptions) -> Analysed {
    let mut diagnostics = parse.diagnostics.clone();
    let component = &parse.component;
    let scope = scope_class(path);
    let marks = sourcemap::marks_allowed(source);

    let input = |block, module| script::ScriptInput {
        source,
        block,
        runtime_import: &options.runtime_import,
        specifiers: &options.specifiers,
        marks,
        module,
    };
    let outside_module = script::ModuleNames::default();
    let module_script = match &component.module_script {
        Some(block) => script::module_context::compile_module_script(&input(block, &outside_module), &mut diagnostics),
        None => script::module_context::ModuleScript::default(),
    };
    let mut script = match &component.script {
        Some(block) => script::compile_script(&input(block, &module_script.names), &mut diagnostics),
        None => script::Script::default(),
    };
    // The template sees the module script's names too (not as state: they are not reactive).
    script.declared.extend(module_script.names.declared.iter().cloned());
    // `$$props` and `$$restProps` change with every `$set`: the template reads them as state.
    let implicit = ImplicitObjects::of(source);
    for (used, name) in [(implicit.props, "$$props"), (implicit.rest_props, "$$restProps")] {
        if used {
            script.state.insert(name.to_string());
        }
    }
    let empty = Vec::new();
    let nodes = component.template.as_ref().map_or(&empty, |t| &t.nodes);
    let render = template::compile_template(
        &template::TemplateInput {
            source,
            scope_class: &scope,
            declared: &script.declared,
            state: &script.state,
            derived: &script.reactive,
            marks,
            images: &options.images,
        },
        &component.options,
        nodes,
        &mut diagnostics,
    );
    let (css, css_mappings) = match &component.style {
        Some(style) => {
            let urls = options.images.iter().map(|(specifier, image)| (specifier.clone(), image.fallback_url().to_string()));
            let content = style.content.text(source);
            let language = css::StyleLanguage::of(style);
            let compiled = match language {
                css::StyleLanguage::Css => Ok(content.to_string()),
                css::StyleLanguage::Scss => css::compile_scss(content, style.content.start),
                css::StyleLanguage::Sass => {
                    Err(Diagnostic::error("E0315", "indented Sass (`lang=\"sass\"`) is not supported", style.content)
                        .with_help("write the styles as SCSS, `<style lang=\"scss\">`"))
                }
            };
            match compiled {
                Ok(text) => {
                    let scoped = css::process_css(&text, style.content.start, &scope, &urls.collect(), &options.css);
                    diagnostics.extend(scoped.diagnostics);
                    // Positions in printed SCSS are not the source's: no unused-selector
                    // warnings and no map for it.
                    match language {
                        css::StyleLanguage::Css => {
                            diagnostics.extend(unused_css::unused_selectors(&scoped.selectors, nodes, source));
                            (scoped.code, scoped.mappings)
                        }
                        _ => (scoped.code, Vec::new()),
                    }
                }
                Err(error) => {
                    diagnostics.push(error);
                    Default::default()
                }
            }
        }
        None => Default::default(),
    };
    // Stages report in their own order; readers want file order.
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    Analysed { module_script, script, render, css, css_mappings, diagnostics, marks, implicit }
}

/// `$$restProps` and `$$slots` where the component reads them, before its script (which may
/// read them at once), and `props_changed`, which the runtime calls after a `$set` changed a prop.
fn implicit_objects(module: &mut sourcemap::Module, implicit: ImplicitObjects, props: &[String]) {
    let declared: Vec<String> = props.iter().map(|p| format!("{p:?}")).collect();
    let rest = format!("$$.rest_props($$props, [{}])", declared.join(", "));
    if implicit.rest_props {
        module.line(&format!("let $$restProps = {rest};"), None);
    }
    if implicit.props || implicit.rest_props {
        let mut changed = String::from("$$self.props_changed = () => {");
        if implicit.props {
            changed.push_str(" $$invalidate(\"$$props\", $$props);");
        }
        if implicit.rest_props {
            let _ = write!(changed, " $$invalidate(\"$$restProps\", $$restProps = {rest});");
        }
        module.line(&(changed + " };"), None);
    }
    if implicit.slots {
        module.line("const $$slots = $$.filled_slots($$self);", None);
    }
}

/// The local state a hot replacement carries over: the script's top-level `let`s and implicit
/// `$:` names, without props (the parent passes them again), signals (their getters are
/// `const`) and the objects the compiler defines, in name order. Their list is the shape the
/// runtime compares: another list means another state, which starts afresh.
fn hot_state_names(script: &script::Script) -> Vec<&str> {
    let props: HashSet<&str> = script.props.iter().map(|prop| script.prop_variables.get(prop).unwrap_or(prop).as_str()).collect();
    let mut names: Vec<&str> = script
        .state
        .iter()
        .map(String::as_str)
        .filter(|name| !name.starts_with('$') && !props.contains(name) && !script.signals.iter().any(|s| s == name))
        .collect();
    names.sort_unstable();
    names
}

/// `$$self.hot`: reads the local state `names` ([`hot_state_names`]) and writes it back, which
/// the runtime does after the new script ran and before its first `$:` pass and render.
fn hot_state(module: &mut sourcemap::Module, names: &[String]) {
    if names.is_empty() {
        return;
    }
    let capture: Vec<String> = names.iter().map(|name| format!("{name:?}: {name}")).collect();
    let restore: Vec<String> = names.iter().map(|name| format!("{name} = $$s[{name:?}];")).collect();
    module.line(&format!("$$self.hot = [() => ({{ {} }}), ($$s) => {{ {} }}];", capture.join(", "), restore.join(" ")), None);
}

fn compile_on_stack(path: &str, source: &str, parse: &syntax::Parse, options: &CompileOptions) -> CompileOutput {
    let Analysed { module_script, script, render, css, css_mappings, mut diagnostics, marks, implicit } =
        analyse(path, source, parse, options);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return CompileOutput { diagnostics, ..CompileOutput::default() };
    }
    let stem = Path::new(path).file_stem().and_then(|s| s.to_str()).unwrap_or("Component").to_string();

    let mut module = sourcemap::Module::new(marks);
    module.line(&format!("import * as $$ from {:?};", options.runtime_import), None);
    for import in module_script.imports.lines().chain(script.imports.lines()) {
        module.line(import, None);
    }
    if render.uses_assets {
        module.line("const $$asset = (url) => new URL(url, import.meta.url).href;", None);
    }
    for (line, origin) in &module_script.lines {
        module.line(line, *origin);
    }
    if !script.module.is_empty() {
        module.line(script.module.trim_end(), None);
    }
    module.line("function $$instance($$self, $$props, $$invalidate) {", None);
    implicit_objects(&mut module, implicit, &script.props);
    // Each store is subscribed to where its name is ready (after its declaration; imports and
    // `$route` first; names declared later, such as `$:` ones, after the body), so that the
    // script reads `$store` from then on; every `$store` is declared first.
    let mut stores: Vec<&String> = render.stores.iter().chain(&script.stores).collect::<HashSet<_>>().into_iter().collect();
    stores.sort();
    let subscription = |store: &str, from: &str| {
        // A store held in a variable the script assigns is followed to each new store.
        let held = match script.state.contains(from) {
            true => format!(", {from:?}, () => {from}"),
            false => String::new(),
        };
        format!("$$self.subscribe({from}, ($$v) => $$invalidate({store:?}, {store} = $$v){held});")
    };
    let mut subscriptions: Vec<(usize, String)> = stores
        .iter()
        .map(|store| match script::is_route_store(store, &script.declared) {
            true => (0, subscription(store, "$$.route")),
            false => {
                let from = &store[1..];
                (script.ready_at.get(from).copied().unwrap_or(script.body.len()), subscription(store, from))
            }
        })
        .collect();
    subscriptions.sort_by_key(|(ready, _)| *ready);
    if !stores.is_empty() {
        module.line(&format!("let {};", stores.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")), None);
    }
    let mut pending = subscriptions.iter().peekable();
    for lines_done in 0..=script.body.len() {
        if lines_done > 0 {
            let (line, origin) = &script.body[lines_done - 1];
            module.line(line, *origin);
        }
        while let Some((_, code)) = pending.next_if(|(ready, _)| *ready <= lines_done) {
            module.line(code, None);
        }
    }
    if !script.exposed.is_empty() {
        let getters: Vec<String> = script.exposed.iter().map(|(name, local)| format!("{name:?}: () => {local}")).collect();
        module.line(&format!("$$.expose($$self, {{ {} }});", getters.join(", ")), None);
    }
    // A signal's getter keeps its identity; what changed is what calling it returns.
    for getter in &script.signals {
        module.line(&format!("$$self.subscribe({getter}, () => $$invalidate({getter:?}, {getter}));"), None);
    }
    if !script.props.is_empty() {
        let mut setters = String::from("$$self.set_prop = ($$name, $$value) => { switch ($$name) {");
        let mut getters = String::from("$$self.get_prop = ($$name) => { switch ($$name) {");
        for prop in &script.props {
            let variable = script.prop_variables.get(prop).unwrap_or(prop);
            let _ = write!(setters, " case {prop:?}: $$invalidate({variable:?}, {variable} = $$value); break;");
            let _ = write!(getters, " case {prop:?}: return {variable};");
        }
        module.line(&(setters + " } };"), None);
        module.line(&(getters + " } };"), None);
    }
    if !script.reactive.is_empty() {
        module.line("$$self.reactive([", None);
        for reactive in &script.reactive {
            let deps: Vec<String> = reactive.deps.iter().map(|d| format!("{d:?}")).collect();
            module.line(&format!("  [[{}], () => {{ {} }}],", deps.join(", "), reactive.code), None);
        }
        module.line("]);", None);
    }
    let hot_names: Option<Vec<String>> = options.hot.then(|| hot_state_names(&script).into_iter().map(String::from).collect());
    if let Some(names) = &hot_names {
        hot_state(&mut module, names);
    }
    module.line("return ($$b) => {", None);
    // Reserved at once (marks make it an overestimate): doubling a big module's code as it
    // grows would hold the old and the new buffer at the same time.
    module.code.reserve(render.lines.iter().map(|(line, _)| line.len() + 1).sum());
    for (line, origin) in &render.lines {
        module.line(line, *origin);
    }
    // `<svelte:options accessors>`: the props are properties of the instance too.
    let accessors = match render.options.accessors {
        true => format!(", accessors: [{}]", script.props.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>().join(", ")),
        false => String::new(),
    };
    drop((render, script));
    module.line("};", None);
    module.line("}", None);
    // The state's names are its shape too: another list means another state.
    match hot_names.map(|names| names.join(",")) {
        // The dev server injects the stylesheet, so that a style-only edit leaves the module alone.
        Some(shape) => module.line(
            &format!(
                "export default $$.hot_component(import.meta.url, $$instance, {{ name: {stem:?}, shape: {shape:?}{accessors} }});"
            ),
            None,
        ),
        None => {
            // The stylesheet beside the module: the component's own, or in a bundle its chunk's.
            let css_url = if css.is_empty() { "null" } else { "$$.css_beside(import.meta.url)" };
            module.line(
                &format!("export default $$.component($$instance, {{ name: {stem:?}, css: {css_url}{accessors} }});"),
                None,
            );
        }
    }
    if let Some(error) = module_error(&module) {
        diagnostics.push(error);
        return CompileOutput { diagnostics, ..CompileOutput::default() };
    }
    let map_source = options.source_map_source.as_deref().unwrap_or(path);
    let map = module.source_map(map_source, source);
    let css_map = if css.is_empty() { String::new() } else { sourcemap::source_map(map_source, source, &css_mappings) };
    let _ = write!(module.code, "//# sourceMappingURL={stem}.js.map\n");
    // The code grew by doubling: up to half of it is spare capacity that a build would hold.
    module.code.shrink_to_fit();
    CompileOutput { js: module.code, css, map, css_map, diagnostics }
}

/// E0290 when the generated module is not valid JavaScript (parsed as an ES module, with oxc's
/// semantic checks), pointing at the `.egh` code that the first error's place comes from.
fn module_error(module: &sourcemap::Module) -> Option<Diagnostic> {
    let allocator = oxc::allocator::Allocator::default();
    let parsed = oxc::parser::Parser::new(&allocator, &module.code, oxc::span::SourceType::mjs()).parse();
    let errors = if parsed.diagnostics.is_empty() { js::semantic_errors(&parsed.program) } else { parsed.diagnostics.into_vec() };
    let error = errors.iter().find(|e| e.severity == oxc::diagnostics::Severity::Error);
    if error.is_none() && !parsed.panicked {
        return None;
    }
    let message = error.map_or_else(|| "the parser gave up".to_string(), |e| e.message.to_string());
    let at = error.and_then(|e| e.labels.first()).map_or(0, |label| label.offset() as u32);
    let (line, column) = LineIndex::new(&module.code).line_col(&module.code, at);
    let origin = module.origin(at).unwrap_or(0);
    Some(
        Diagnostic::error(
            "E0290",
            format!("internal compiler error: the generated module is not valid JavaScript: {message} (module line {line}, column {column})"),
            Span::new(origin, origin),
        )
        .with_label("the generated code from here is invalid")
        .with_help("this is a bug in Eghact, not in the component; please report it with the component attached"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use eghact_semantics::html;

    /// The quoted names of `const NAME = new Set([...])` in the runtime.
    fn runtime_set(name: &str) -> Vec<String> {
        let source = RUNTIME_SOURCE;
        let start = source.find(&format!("const {name} = new Set([")).unwrap_or_else(|| panic!("runtime.js has no {name}"));
        let list = &source[start..];
        let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
        list.split(',').map(|item| item.trim().trim_matches('\'').to_string()).filter(|item| !item.is_empty()).collect()
    }

    #[test]
    fn the_runtime_checks_the_attributes_the_compiler_knows() {
        assert_eq!(runtime_set("URL_ATTRIBUTES"), html::URL_ATTRIBUTES);
        assert_eq!(runtime_set("URL_LIST_ATTRIBUTES"), html::URL_LIST_ATTRIBUTES);
        assert_eq!(runtime_set("HTML_ATTRIBUTES"), html::HTML_ATTRIBUTES);
    }

    /// Generated code as the compiler would build it, with `.egh` origins per line.
    fn module(lines: &[(&str, u32)]) -> sourcemap::Module {
        let mut module = sourcemap::Module::new(false);
        for &(line, origin) in lines {
            module.line(line, Some(origin));
        }
        module
    }

    #[test]
    fn a_valid_module_passes() {
        assert_eq!(module_error(&module(&[("import * as $$ from './r.js';", 0), ("let a = 1;", 10)])), None);
    }

    #[test]
    fn a_module_that_does_not_parse_is_e0290_at_its_origin() {
        let error = module_error(&module(&[("let a = 1;", 10), ("let b = (;", 42)])).expect("an error");
        assert_eq!((error.code.as_ref(), error.span), ("E0290", Span::new(42, 42)));
        assert!(error.message.contains("module line 2"), "{}", error.message);
        assert!(error.help.as_deref().is_some_and(|h| h.contains("please report")));
    }

    #[test]
    fn a_module_that_breaks_a_semantic_rule_is_e0290() {
        // What `node --check` refuses although it parses: a name declared twice, `await` in a
        // plain function.
        for (code, origin) in [("let a = 1;\nlet a = 2;", 7), ("function f() { await g(); }", 3)] {
            let error = module_error(&module(&[(code, origin)])).expect("an error");
            assert_eq!((error.code.as_ref(), error.span.start), ("E0290", origin), "{code}");
        }
    }
}
