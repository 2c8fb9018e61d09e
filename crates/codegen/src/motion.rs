//! The framework's motion modules, Svelte 3's `svelte/transition`, `svelte/animate`,
//! `svelte/easing` and `svelte/motion` under `eghact/…`: what each exports, all of it served
//! by the runtime, and the runtime's object of each module's exports that `import * as name`
//! reads. **Invariant:** these lists are the runtime's (a unit test compares them).

/// `(specifier, the runtime's object of its exports, its exports)`.
const MODULES: [(&str, &str, &[&str]); 4] = [
    ("eghact/transition", "$$transition", &["fade", "blur", "fly", "slide", "scale", "draw", "crossfade"]),
    ("eghact/animate", "$$animate", &["flip"]),
    ("eghact/easing", "$$easing", &EASING),
    ("eghact/motion", "$$motion", &["tweened", "spring"]),
];

/// Robert Penner's easing functions, as Svelte names them.
const EASING: [&str; 31] = [
    "linear",
    "backIn",
    "backOut",
    "backInOut",
    "bounceIn",
    "bounceOut",
    "bounceInOut",
    "circIn",
    "circOut",
    "circInOut",
    "cubicIn",
    "cubicOut",
    "cubicInOut",
    "elasticIn",
    "elasticOut",
    "elasticInOut",
    "expoIn",
    "expoOut",
    "expoInOut",
    "quadIn",
    "quadOut",
    "quadInOut",
    "quartIn",
    "quartOut",
    "quartInOut",
    "quintIn",
    "quintOut",
    "quintInOut",
    "sineIn",
    "sineOut",
    "sineInOut",
];

/// The motion module `specifier` names, under either name (`svelte/easing` is `eghact/easing`).
fn module(specifier: &str) -> Option<&'static (&'static str, &'static str, &'static [&'static str])> {
    let rest = specifier.strip_prefix("eghact/").or_else(|| specifier.strip_prefix("svelte/"))?;
    MODULES.iter().find(|(name, ..)| name.strip_prefix("eghact/") == Some(rest))
}

/// The runtime's object of the exports of motion module `specifier`.
pub(crate) fn namespace(specifier: &str) -> Option<&'static str> {
    module(specifier).map(|(_, namespace, _)| *namespace)
}

/// What motion module `specifier` exports; `None` for any other specifier.
pub(crate) fn exports(specifier: &str) -> Option<&'static [&'static str]> {
    module(specifier).map(|(.., exports)| *exports)
}

#[cfg(test)]
mod tests {
    use super::MODULES;

    #[test]
    fn the_runtime_serves_every_export_and_nothing_else() {
        for (specifier, namespace, exports) in MODULES {
            let start = format!("export const {namespace} = {{ ");
            let line =
                crate::RUNTIME_SOURCE.lines().find(|line| line.starts_with(&start)).unwrap_or_else(|| panic!("no {start}"));
            let listed: Vec<&str> = line[start.len()..].trim_end_matches(" };").split(", ").collect();
            assert_eq!(listed, exports, "{specifier}");
            for export in exports {
                let defined = [format!("export const {export} = "), format!("export function {export}(")];
                assert!(crate::RUNTIME_SOURCE.lines().any(|l| defined.iter().any(|d| l.starts_with(d))), "{specifier}: {export}");
            }
        }
    }
}
