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
        field(&format!("slots:{}", self.slots.len()));
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
