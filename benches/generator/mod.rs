//! Deterministic generator of synthetic component projects for the compile benchmark.
//!
//! One seeded model of `n` components is rendered either as Eghact `.egh` files or as the
//! equivalent Svelte 3/4 `.svelte` files, so the two compilers get the same work.
//!
//! Every component has:
//! * `export let` props with defaults (typed in `lang="ts"` components, untyped otherwise),
//! * local state (`let`), one or two `$:` reactive statements,
//! * an `{#if}…{:else}…{/if}` block and a keyed `{#each list as item, i (item.id)}` block,
//! * `@click` handlers (`on:click` in Svelte), both references and inline arrows,
//! * text interpolation, class attributes (static and dynamic), a `<style>` block of a few rules,
//! * for every component but the first, one or two child components imported from components
//!   with a lower index, so the import graph is a DAG.
//!
//! Svelte 4 compiles plain JavaScript only (TypeScript needs a preprocessor), so the `.svelte`
//! rendering of a `lang="ts"` component drops the type annotations and the `interface`; everything
//! else is token-for-token the same program.
//!
//! No `rand` dependency: a xorshift64* generator keeps output identical across platforms and
//! releases for a given `(n, seed)`.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// Which component syntax to emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Eghact: `<script>`, `<template>`, `<style>` blocks, `@click={…}`, `./Child.egh` imports.
    Egh,
    /// Svelte 3/4: markup at top level, `on:click={…}`, `./Child.svelte` imports, no types.
    Svelte,
}

impl Flavor {
    pub fn extension(self) -> &'static str {
        match self {
            Flavor::Egh => "egh",
            Flavor::Svelte => "svelte",
        }
    }
}

/// Small, fast, deterministic PRNG (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // Scramble the seed (splitmix64 step) so that nearby seeds diverge; never zero.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "alpha", "bravo", "cedar", "delta", "ember", "fjord", "gamma", "harbor", "indigo", "juniper", "kestrel", "lumen", "maple",
    "nectar", "orbit", "pepper", "quartz", "raven", "sierra", "tundra", "umber", "velvet", "willow", "xenon", "yarrow", "zephyr",
];
const TOPICS: &[&str] = &[
    "Orders", "Tasks", "Invoices", "Contacts", "Alerts", "Builds", "Tickets", "Files", "Notes", "Events", "Projects", "Reviews",
];
const ROOT_TAGS: &[&str] = &["section", "article", "div", "aside"];
const COLORS: &[&str] = &["#333", "#1a73e8", "#d93025", "#188038", "#f9ab00", "#5f6368", "tomato", "steelblue"];
const TONES: &[&str] = &["info", "warn", "ok"];

/// What the synthetic component looks like; rendered to either flavor.
struct Component {
    index: usize,
    name: String,
    /// Script uses TypeScript (annotations, an interface) in the `.egh` rendering.
    ts: bool,
    /// Template block comes before the script block.
    template_first: bool,
    root_tag: &'static str,
    topic: &'static str,
    /// Optional extra props beyond `label`, `start`: (name, ts type, default expr).
    extra_props: Vec<(&'static str, &'static str, String)>,
    /// Whether the `step` prop exists (used by `increment`).
    has_step: bool,
    /// Whether the `compact` prop exists (drives a dynamic class).
    has_compact: bool,
    /// Whether the `tone` prop exists (drives a text interpolation and a class).
    has_tone: bool,
    start_default: usize,
    limit: usize,
    items: Vec<(usize, String, bool)>,
    /// Children (indices of earlier components).
    children: Vec<usize>,
    /// Where the first child goes: inside the if branch (true) or after the list (false).
    child_in_if: bool,
    has_reset: bool,
    has_filter: bool,
    accent: &'static str,
    muted: &'static str,
    pad: usize,
    radius: usize,
    with_media: bool,
}

fn name_of(index: usize, width: usize) -> String {
    format!("C{index:0width$}")
}

fn build_model(n: usize, seed: u64) -> Vec<Component> {
    let mut rng = Rng::new(seed);
    let width = n.saturating_sub(1).to_string().len().max(4);
    (0..n)
        .map(|index| {
            let ts = rng.chance(50);
            let has_step = rng.chance(60);
            let has_compact = rng.chance(50);
            let has_tone = rng.chance(40);
            let mut extra_props = Vec::new();
            if has_step {
                extra_props.push(("step", "number", rng.range(1, 3).to_string()));
            }
            if has_compact {
                extra_props.push(("compact", "boolean", "false".to_string()));
            }
            if has_tone {
                let tone = rng.pick(TONES);
                extra_props.push(("tone", "'info' | 'warn' | 'ok'", format!("'{tone}'")));
            }
            let item_count = rng.range(2, 4);
            let items =
                (1..=item_count).map(|id| (id, format!("{} {}", rng.pick(WORDS), index * 10 + id), rng.chance(30))).collect();
            let mut children = Vec::new();
            if index > 0 {
                // Mostly recent components, so the graph has depth as well as breadth.
                let window = index.min(40);
                children.push(index - 1 - rng.below(window));
                if index > 1 && rng.chance(45) {
                    let other = rng.below(index);
                    if !children.contains(&other) {
                        children.push(other);
                    }
                }
            }
            Component {
                index,
                name: name_of(index, width),
                ts,
                template_first: rng.chance(30),
                root_tag: rng.pick(ROOT_TAGS),
                topic: rng.pick(TOPICS),
                extra_props,
                has_step,
                has_compact,
                has_tone,
                start_default: rng.range(0, 4),
                limit: rng.range(3, 9),
                items,
                children,
                child_in_if: rng.chance(50),
                has_reset: rng.chance(60),
                has_filter: rng.chance(50),
                accent: rng.pick(COLORS),
                muted: rng.pick(COLORS),
                pad: rng.range(2, 6) * 2,
                radius: rng.range(0, 4) * 2,
                with_media: rng.chance(25),
            }
        })
        .collect()
}

impl Component {
    fn script(&self, flavor: Flavor, comps: &[Component]) -> String {
        let ts = self.ts && flavor == Flavor::Egh;
        let ty = |t: &str| if ts { format!(": {t}") } else { String::new() };
        let ext = flavor.extension();
        let mut s = String::new();
        let open = if ts { "<script lang=\"ts\">" } else { "<script>" };
        writeln!(s, "{open}").unwrap();
        for &c in &self.children {
            let child = &comps[c].name;
            writeln!(s, "  import {child} from './{child}.{ext}';").unwrap();
        }
        if !self.children.is_empty() {
            s.push('\n');
        }
        if ts {
            s.push_str("  interface Row { id: number; text: string; done: boolean }\n");
        }
        writeln!(s, "  export let label{} = '{} {}';", ty("string"), self.topic, self.index).unwrap();
        writeln!(s, "  export let start{} = {};", ty("number"), self.start_default).unwrap();
        for (name, t, default) in &self.extra_props {
            writeln!(s, "  export let {name}{} = {default};", ty(t)).unwrap();
        }
        s.push('\n');
        writeln!(s, "  let count = start;").unwrap();
        if self.has_filter {
            writeln!(s, "  let showDone{} = true;", ty("boolean")).unwrap();
        }
        writeln!(s, "  let items{} = [", ty("Row[]")).unwrap();
        for (id, text, done) in &self.items {
            writeln!(s, "    {{ id: {id}, text: '{text}', done: {done} }},").unwrap();
        }
        writeln!(s, "  ];").unwrap();
        s.push('\n');
        let step = if self.has_step { "step" } else { "1" };
        writeln!(s, "  $: total = count * {step} + items.length;").unwrap();
        if self.has_filter {
            writeln!(s, "  $: visible = showDone ? items : items.filter((row) => !row.done);").unwrap();
        }
        writeln!(s, "  $: remaining = items.filter((row) => !row.done).length;").unwrap();
        s.push('\n');
        writeln!(s, "  function increment() {{\n    count += {step};\n  }}").unwrap();
        writeln!(
            s,
            "  function toggle(id{}) {{\n    items = items.map((row) => (row.id === id ? {{ ...row, done: !row.done }} : row));\n  }}",
            ty("number")
        )
        .unwrap();
        writeln!(
            s,
            "  function add() {{\n    const id = items.length + 1;\n    items = [...items, {{ id, text: label + ' ' + id, done: false }}];\n  }}"
        )
        .unwrap();
        if self.has_reset {
            writeln!(s, "  const reset = () => (count = start);").unwrap();
        }
        writeln!(s, "</script>").unwrap();
        s
    }

    fn markup(&self, flavor: Flavor, comps: &[Component]) -> String {
        let click = match flavor {
            Flavor::Egh => "@click",
            Flavor::Svelte => "on:click",
        };
        let indent = match flavor {
            Flavor::Egh => "  ",
            Flavor::Svelte => "",
        };
        let mut m = String::new();
        let tag = self.root_tag;
        let lower = self.name.to_lowercase();
        if self.has_compact {
            writeln!(m, "<{tag} class={{compact ? 'card {lower} dense' : 'card {lower}'}}>").unwrap();
        } else {
            writeln!(m, "<{tag} class=\"card {lower}\">").unwrap();
        }
        writeln!(m, "  <header class=\"head\">").unwrap();
        writeln!(m, "    <h2 class=\"title\">{{label}}: {{count}}</h2>").unwrap();
        if self.has_tone {
            writeln!(m, "    <span class=\"badge {{tone}}\">{{tone}}</span>").unwrap();
        }
        writeln!(m, "  </header>").unwrap();
        writeln!(m, "  {{#if count > {}}}", self.limit).unwrap();
        writeln!(m, "    <p class=\"hint\">Total is {{total}}, {{remaining}} open</p>").unwrap();
        // Every component has `label` and `start` props, so a parent can always pass both.
        let child_props = "label=\"{label} / sub\" start={count}";
        let mut children = self.children.iter().map(|&c| &comps[c]);
        if self.child_in_if
            && let Some(child) = children.next()
        {
            writeln!(m, "    <{} {} />", child.name, child_props).unwrap();
        }
        writeln!(m, "  {{:else}}").unwrap();
        writeln!(m, "    <p class=\"muted\">Only {{count}} so far</p>").unwrap();
        writeln!(m, "  {{/if}}").unwrap();
        let list = if self.has_filter { "visible" } else { "items" };
        writeln!(m, "  <ul class=\"list\">").unwrap();
        writeln!(m, "    {{#each {list} as item, i (item.id)}}").unwrap();
        writeln!(m, "      <li class={{item.done ? 'row done' : 'row'}}>").unwrap();
        writeln!(m, "        <span class=\"text\">{{i + 1}}. {{item.text}}</span>").unwrap();
        writeln!(m, "        <button class=\"small\" {click}={{() => toggle(item.id)}}>Toggle</button>").unwrap();
        writeln!(m, "      </li>").unwrap();
        writeln!(m, "    {{/each}}").unwrap();
        writeln!(m, "  </ul>").unwrap();
        writeln!(m, "  <footer class=\"actions\">").unwrap();
        writeln!(m, "    <button class=\"primary\" {click}={{increment}}>Add one</button>").unwrap();
        writeln!(m, "    <button {click}={{add}}>New row</button>").unwrap();
        if self.has_reset {
            writeln!(m, "    <button {click}={{reset}}>Reset</button>").unwrap();
        }
        if self.has_filter {
            writeln!(m, "    <button {click}={{() => (showDone = !showDone)}}>{{showDone ? 'Hide' : 'Show'}} done</button>")
                .unwrap();
        }
        writeln!(m, "  </footer>").unwrap();
        for child in children {
            writeln!(m, "  <{} {} />", child.name, child_props).unwrap();
        }
        writeln!(m, "</{tag}>").unwrap();

        match flavor {
            Flavor::Egh => {
                let mut t = String::from("<template>\n");
                for line in m.lines() {
                    writeln!(t, "{indent}{line}").unwrap();
                }
                t.push_str("</template>\n");
                t
            }
            Flavor::Svelte => m,
        }
    }

    fn style(&self) -> String {
        let mut s = String::from("<style>\n");
        let lower = self.name.to_lowercase();
        writeln!(s, "  .card {{ padding: {}px; border: 1px solid #ddd; border-radius: {}px; }}", self.pad, self.radius).unwrap();
        writeln!(s, "  .{lower} .title {{ margin: 0; color: {}; font-size: 1.1rem; }}", self.accent).unwrap();
        writeln!(s, "  .hint, .muted {{ color: {}; }}", self.muted).unwrap();
        writeln!(s, "  .row {{ display: flex; gap: 4px; align-items: center; }}").unwrap();
        writeln!(s, "  .row.done .text {{ text-decoration: line-through; }}").unwrap();
        writeln!(s, "  button.primary:hover {{ background: {}; color: white; }}", self.accent).unwrap();
        if self.has_compact {
            writeln!(s, "  .dense {{ padding: 2px; }}").unwrap();
        }
        if self.has_tone {
            writeln!(s, "  .badge.warn {{ color: #b06000; }}").unwrap();
        }
        if self.with_media {
            writeln!(s, "  @media (max-width: 600px) {{\n    .actions {{ flex-direction: column; }}\n  }}").unwrap();
        }
        s.push_str("</style>\n");
        s
    }

    fn render(&self, flavor: Flavor, comps: &[Component]) -> String {
        let script = self.script(flavor, comps);
        let markup = self.markup(flavor, comps);
        let style = self.style();
        let (first, second) = if self.template_first { (markup, script) } else { (script, markup) };
        format!("{first}\n{second}\n{style}")
    }
}

/// Generates `n` components as `(relative path, content)` pairs, e.g. `("src/C0042.egh", …)`.
///
/// Deterministic in `(n, seed)`; the Egh and Svelte flavors come from the same model.
/// Component `Ck` only imports components `Cj` with `j < k`.
pub fn generate(n: usize, flavor: Flavor, seed: u64) -> Vec<(String, String)> {
    let comps = build_model(n, seed);
    comps.iter().map(|c| (format!("src/{}.{}", c.name, flavor.extension()), c.render(flavor, &comps))).collect()
}

/// Writes the generated project under `dir` (files land in `dir/src/`).
pub fn write_project(dir: &Path, n: usize, flavor: Flavor, seed: u64) -> io::Result<()> {
    write_files(dir, &generate(n, flavor, seed))
}

/// Writes `(relative path, content)` pairs from [`generate`] under `dir`, for a benchmark that
/// also needs the files' text.
pub fn write_files(dir: &Path, files: &[(String, String)]) -> io::Result<()> {
    for (rel, content) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, content)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    // `cargo bench` compiles this module (cfg(test)) without the test harness, which drops the
    // `#[test]` fns; the import is then unused.
    #[allow(unused_imports)]
    use super::*;

    #[test]
    fn deterministic_and_seed_sensitive() {
        assert_eq!(generate(50, Flavor::Egh, 7), generate(50, Flavor::Egh, 7));
        assert_ne!(generate(50, Flavor::Egh, 7), generate(50, Flavor::Egh, 8));
    }

    #[test]
    fn sizes_and_paths() {
        for flavor in [Flavor::Egh, Flavor::Svelte] {
            let files = generate(2000, flavor, 1);
            assert_eq!(files.len(), 2000);
            assert_eq!(files[42].0, format!("src/C0042.{}", flavor.extension()));
            for (path, content) in &files {
                let lines = content.lines().count();
                assert!((30..=80).contains(&lines), "{path}: {lines} lines");
            }
        }
    }

    #[test]
    fn imports_form_a_dag() {
        let files = generate(400, Flavor::Egh, 3);
        for (k, (_, content)) in files.iter().enumerate() {
            for line in content.lines().filter(|l| l.trim_start().starts_with("import ")) {
                let j: usize = line.split("./C").nth(1).unwrap()[..4].parse().unwrap();
                assert!(j < k, "C{k} imports C{j}");
            }
            if k > 0 {
                assert!(content.contains("import C"));
            }
        }
    }

    #[test]
    fn flavors_are_equivalent() {
        let egh = generate(100, Flavor::Egh, 5);
        let svelte = generate(100, Flavor::Svelte, 5);
        for ((_, e), (_, s)) in egh.iter().zip(&svelte) {
            assert!(e.contains("<template>") && !s.contains("<template>"));
            assert_eq!(e.matches("@click=").count(), s.matches("on:click=").count());
            assert_eq!(e.matches("{#each").count(), s.matches("{#each").count());
            assert_eq!(e.matches("$:").count(), s.matches("$:").count());
            assert!(!s.contains("lang=\"ts\"") && !s.contains("interface "));
            assert!(!s.contains(".egh'"));
        }
        assert!(egh.iter().any(|(_, e)| e.contains("<script lang=\"ts\">")));
        assert!(egh.iter().any(|(_, e)| e.contains("export let start = ")));
    }
}
