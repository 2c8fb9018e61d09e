//! The contract of a component with its parents.

use serde::Serialize;

/// Props, events and slots of a component, in declaration order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Signature {
    pub props: Vec<Prop>,
    pub events: Vec<Event>,
    /// `events` is the whole list: the component types its dispatcher
    /// (`createEventDispatcher<{ … }>()`), so listening to another event is a mistake.
    pub events_closed: bool,
    /// Slot names; `""` is the default slot.
    pub slots: Vec<String>,
    /// The component reads `$$props` or `$$restProps`, so it takes props it does not declare.
    pub open_props: bool,
}

/// Which of Svelte's component-wide objects a component reads: `$$props` (every prop given),
/// `$$restProps` (those it does not declare) and `$$slots` (the slots its parent filled).
/// Found in the text, names as whole words: a mention in a comment only costs an unused
/// object (and no E0503), never a missing one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImplicitObjects {
    pub props: bool,
    pub rest_props: bool,
    pub slots: bool,
}

impl ImplicitObjects {
    pub fn of(source: &str) -> Self {
        Self {
            props: mentions(source, "$$props"),
            rest_props: mentions(source, "$$restProps"),
            slots: mentions(source, "$$slots"),
        }
    }
}

fn mentions(source: &str, name: &str) -> bool {
    source.match_indices(name).any(|(at, _)| {
        let after = source[at + name.len()..].chars().next();
        !after.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
    })
}

/// `export let name: ty = default`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Prop {
    pub name: String,
    /// The TypeScript annotation as written, if any.
    pub ty: Option<String>,
    /// The default value's source text, if any.
    pub default: Option<String>,
    /// Required unless it has a default or is written `name?:` (LANGUAGE.md decision 5).
    pub required: bool,
    /// The doc comment (`/** … */` or `//` lines) right above the declaration.
    pub docs: Option<String>,
}

/// An event the component dispatches, or forwards from an element (`<button @click>`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Event {
    pub name: String,
    /// The `detail` type from `createEventDispatcher<{ name: detail }>()`, if declared.
    pub detail: Option<String>,
}

impl Signature {
    /// A stable hash of the whole contract: the cache key of every importer includes it.
    pub fn hash(&self) -> blake3::Hash {
        let mut hasher = blake3::Hasher::new();
        let mut field = |text: &str| {
            hasher.update(&(text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        };
        let optional = |value: &Option<String>| value.as_deref().map_or("\u{0}none".to_string(), |v| format!("={v}"));
        field(&format!("props:{}", self.props.len()));
        for prop in &self.props {
            field(&prop.name);
            field(&optional(&prop.ty));
            field(&optional(&prop.default));
            field(if prop.required { "required" } else { "optional" });
            field(&optional(&prop.docs));
        }
        field(&format!("events:{}:{}", self.events.len(), self.events_closed));
        for event in &self.events {
            field(&event.name);
            field(&optional(&event.detail));
        }
        field(&format!("slots:{}:{}", self.slots.len(), self.open_props));
        for slot in &self.slots {
            field(slot);
        }
        hasher.finalize()
    }

    pub fn prop(&self, name: &str) -> Option<&Prop> {
        self.props.iter().find(|p| p.name == name)
    }
}

impl Prop {
    /// What a parent must know besides the type, for editors: `required`, `default 0` or
    /// `optional`.
    pub fn requirement(&self) -> String {
        match (&self.default, self.required) {
            (_, true) => "required".into(),
            (Some(default), false) => format!("default {default}"),
            (None, false) => "optional".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ImplicitObjects;

    #[test]
    fn implicit_objects_are_whole_names() {
        let found = ImplicitObjects::of("<div {...$$restProps}>{$$slots.a}</div>");
        assert_eq!(found, ImplicitObjects { props: false, rest_props: true, slots: true });
        assert_eq!(ImplicitObjects::of("let $$propsCopy; $$props_x"), ImplicitObjects::default());
        assert!(ImplicitObjects::of("Object.keys($$props)").props);
    }
}
