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
];

/// The class of the event object a DOM event passes to its handlers.
pub fn event_class(event: &str) -> &'static str {
    EVENTS.iter().find(|(name, _)| *name == event).map_or("Event", |(_, class)| class)
}

/// `@event.prevent.stop…` (LANGUAGE.md decision 3).
pub const EVENT_MODIFIERS: &[&str] = &["prevent", "stop", "once", "capture", "self", "passive"];

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
}
