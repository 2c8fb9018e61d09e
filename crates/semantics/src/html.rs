//! What Eghact knows of HTML and the DOM: common tags and their attributes, events with the
//! class of event object each one passes, and the event modifiers the language accepts.
//! One table each, shared by the compiler, the type checker and editor completion, so that
//! what an editor offers is what the compiler accepts.

/// Tags an editor offers after `<`.
pub const TAGS: &[&str] = &[
    "a", "article", "aside", "button", "canvas", "div", "footer", "form", "h1", "h2", "h3", "h4", "header", "img", "input",
    "label", "li", "main", "nav", "ol", "option", "p", "pre", "section", "select", "slot", "span", "table", "tbody", "td",
    "template", "textarea", "th", "thead", "tr", "ul",
];

/// Attributes every element takes.
pub const GLOBAL_ATTRIBUTES: &[&str] =
    &["class", "id", "style", "title", "hidden", "tabindex", "role", "lang", "dir", "draggable", "aria-label", "slot"];

/// The attributes of some common elements, beyond the global ones.
pub fn element_attributes(tag: &str) -> &'static [&'static str] {
    match tag {
        "input" => &["value", "type", "placeholder", "checked", "disabled", "name", "required", "readonly", "min", "max", "step"],
        "textarea" => &["value", "placeholder", "rows", "cols", "disabled", "name", "required", "readonly"],
        "select" => &["value", "disabled", "name", "multiple", "required"],
        "option" => &["value", "selected", "disabled"],
        "a" => &["href", "target", "rel", "download"],
        "img" => &["src", "alt", "width", "height", "loading"],
        "button" => &["type", "disabled", "name", "value"],
        "form" => &["action", "method", "novalidate"],
        "label" => &["for"],
        "slot" => &["name"],
        _ => &[],
    }
}

/// What `bind:` takes on an element (the compiler binds any other property through `input`).
pub const ELEMENT_BINDINGS: &[&str] = &["value", "checked", "group", "this"];

/// Attributes holding one URL: every URL attribute of the HTML standard (with the obsolete
/// ones browsers still read) and SVG's `href` and `xlink:href`. Names are lower-case, as HTML
/// compares them. The runtime keeps the same list (`URL_ATTRIBUTES` in `runtime.js`, which
/// checks every value an expression or a spread gives them); a test compares the two.
pub const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "cite",
    "data",
    "poster",
    "background",
    "codebase",
    "longdesc",
    "manifest",
    "profile",
    "usemap",
    "classid",
    "icon",
    "xlink:href",
];

/// Attributes holding URLs separated by whitespace (`srcset`, with its descriptors, apart).
pub const URL_LIST_ATTRIBUTES: &[&str] = &["ping", "archive"];

/// Names whose value is HTML that the browser parses: `<iframe srcdoc>`, and the properties
/// `innerHTML` and `outerHTML` a `bind:` could write.
pub const HTML_ATTRIBUTES: &[&str] = &["srcdoc", "innerhtml", "outerhtml"];

/// Whether an attribute (lower-case name) holds JavaScript that runs on an event: `onclick`,
/// `onerror`, and any other `on…` (browsers keep adding events).
pub fn is_event_handler_attribute(lower: &str) -> bool {
    lower.starts_with("on")
}

/// The scheme of `url` when a browser would run it as script: `javascript`, `vbscript`, or
/// `data` other than an image. Read as the URL parser reads it: whitespace and control
/// characters anywhere are ignored, case too. The runtime's `safe_url` applies the same rule.
pub fn script_url_scheme(url: &str) -> Option<&'static str> {
    let normalized: String =
        url.chars().filter(|c| !matches!(c, '\0'..=' ' | '\u{7f}'..='\u{9f}')).take(16).collect::<String>().to_ascii_lowercase();
    if normalized.starts_with("javascript:") {
        Some("javascript")
    } else if normalized.starts_with("vbscript:") {
        Some("vbscript")
    } else if normalized.starts_with("data:") && !normalized.starts_with("data:image/") {
        Some("data")
    } else {
        None
    }
}

/// The first scheme that runs as script among the URLs of the static value of attribute
/// `lower`: its one URL, each entry of a list, each candidate of a `srcset`.
pub fn script_url_in(lower: &str, value: &str) -> Option<&'static str> {
    if URL_ATTRIBUTES.contains(&lower) {
        script_url_scheme(value)
    } else if URL_LIST_ATTRIBUTES.contains(&lower) {
        value.split_ascii_whitespace().find_map(script_url_scheme)
    } else if lower == "srcset" {
        crate::assets::srcset_urls(value).into_iter().find_map(|range| script_url_scheme(&value[range]))
    } else {
        None
    }
}

/// DOM events and the class of their event object, the commonest first (editors list them
/// in this order). An event missing here passes an `Event`.
pub const EVENTS: &[(&str, &str)] = &[
    ("click", "MouseEvent"),
    ("input", "Event"),
    ("change", "Event"),
    ("submit", "SubmitEvent"),
    ("keydown", "KeyboardEvent"),
    ("keyup", "KeyboardEvent"),
    ("focus", "FocusEvent"),
    ("blur", "FocusEvent"),
    ("dblclick", "MouseEvent"),
    ("mouseenter", "MouseEvent"),
    ("mouseleave", "MouseEvent"),
    ("pointerdown", "PointerEvent"),
    ("pointerup", "PointerEvent"),
    ("scroll", "Event"),
    ("mousedown", "MouseEvent"),
    ("mouseup", "MouseEvent"),
    ("mousemove", "MouseEvent"),
    ("mouseover", "MouseEvent"),
    ("mouseout", "MouseEvent"),
    ("contextmenu", "MouseEvent"),
    ("auxclick", "MouseEvent"),
    ("keypress", "KeyboardEvent"),
    ("beforeinput", "InputEvent"),
    ("focusin", "FocusEvent"),
    ("focusout", "FocusEvent"),
    ("pointermove", "PointerEvent"),
    ("pointerenter", "PointerEvent"),
    ("pointerleave", "PointerEvent"),
    ("pointerover", "PointerEvent"),
    ("pointerout", "PointerEvent"),
    ("pointercancel", "PointerEvent"),
    ("wheel", "WheelEvent"),
    ("touchstart", "TouchEvent"),
    ("touchend", "TouchEvent"),
    ("touchmove", "TouchEvent"),
    ("touchcancel", "TouchEvent"),
    ("drag", "DragEvent"),
    ("dragstart", "DragEvent"),
    ("dragend", "DragEvent"),
    ("dragenter", "DragEvent"),
    ("dragleave", "DragEvent"),
    ("dragover", "DragEvent"),
    ("drop", "DragEvent"),
    ("copy", "ClipboardEvent"),
    ("cut", "ClipboardEvent"),
    ("paste", "ClipboardEvent"),
    ("animationstart", "AnimationEvent"),
    ("animationend", "AnimationEvent"),
    ("animationiteration", "AnimationEvent"),
    ("transitionstart", "TransitionEvent"),
    ("transitionend", "TransitionEvent"),
    ("transitionrun", "TransitionEvent"),
    ("transitioncancel", "TransitionEvent"),
    ("reset", "Event"),
    ("load", "Event"),
    ("error", "Event"),
    // What the runtime dispatches on an element with `transition:`, `in:` or `out:`.
    ("introstart", "CustomEvent"),
    ("introend", "CustomEvent"),
    ("outrostart", "CustomEvent"),
    ("outroend", "CustomEvent"),
];

/// The class of the event object a DOM event passes to its handlers.
pub fn event_class(event: &str) -> &'static str {
    EVENTS.iter().find(|(name, _)| *name == event).map_or("Event", |(_, class)| class)
}

/// `@event.prevent.stop…` (LANGUAGE.md decision 3), and the flags the runtime's `listen` reads.
pub const EVENT_MODIFIERS: &[&str] =
    &["prevent", "stop", "stopImmediate", "once", "capture", "self", "passive", "nonpassive", "trusted"];

/// Svelte's modifiers (`on:click|preventDefault|once`) and the flag of [`EVENT_MODIFIERS`] each one is.
pub const SVELTE_EVENT_MODIFIERS: &[(&str, &str)] = &[
    ("preventDefault", "prevent"),
    ("stopPropagation", "stop"),
    ("stopImmediatePropagation", "stopImmediate"),
    ("passive", "passive"),
    ("nonpassive", "nonpassive"),
    ("capture", "capture"),
    ("once", "once"),
    ("self", "self"),
    ("trusted", "trusted"),
];

/// The runtime flag of Svelte modifier `name` (`preventDefault` is `prevent`).
pub fn svelte_event_modifier(name: &str) -> Option<&'static str> {
    SVELTE_EVENT_MODIFIERS.iter().find(|(svelte, _)| *svelte == name).map(|(_, flag)| *flag)
}

/// Key filters: `@keydown.enter` runs the handler for that key only.
pub const KEY_MODIFIERS: &[&str] = &["enter", "escape", "esc", "space", "tab", "up", "down", "left", "right", "delete"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_listed_once() {
        for (i, (name, _)) in EVENTS.iter().enumerate() {
            assert!(!EVENTS[..i].iter().any(|(other, _)| other == name), "{name} twice");
        }
        assert_eq!(event_class("keyup"), "KeyboardEvent");
        assert_eq!(event_class("my-event"), "Event");
    }

    #[test]
    fn script_urls_are_read_as_the_browser_reads_them() {
        for url in
            ["javascript:x", "JavaScript:x", " \u{1}java\tscript:x", "java\u{85}script:x", "vbscript:x", "data:text/html,x"]
        {
            assert!(script_url_scheme(url).is_some(), "{url:?}");
        }
        for url in ["https://a.b/", "mailto:a@b.c", "./javascript:x", "/data:x", "data:image/png;base64,AA==", "#x", ""] {
            assert_eq!(script_url_scheme(url), None, "{url:?}");
        }
        assert_eq!(script_url_in("srcset", "a.png 1x, data:text/html,x 2x"), Some("data"));
        assert_eq!(script_url_in("ping", "/a javascript:x"), Some("javascript"));
        assert_eq!(script_url_in("title", "javascript:x"), None);
    }
}
