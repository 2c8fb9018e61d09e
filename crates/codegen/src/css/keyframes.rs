//! `@keyframes` names scoped per component, as Svelte does: `@keyframes spin` becomes
//! `@keyframes egh-1a2b3c-spin`, and every `animation` / `animation-name` of the same stylesheet
//! that names `spin` follows. `@keyframes -global-spin` defines a global `spin` (and a reference to
//! `-global-spin` names it too). Names no `@keyframes` of the stylesheet defines are left alone:
//! they are another stylesheet's.

use std::collections::HashMap;
use std::convert::Infallible;

use lightningcss::properties::Property;
use lightningcss::properties::animation::AnimationName;
use lightningcss::rules::CssRule;
use lightningcss::rules::keyframes::KeyframesName;
use lightningcss::stylesheet::StyleSheet;
use lightningcss::values::ident::CustomIdent;
use lightningcss::values::string::{CSSString, CowArcStr};
use lightningcss::visit_types;
use lightningcss::visitor::{Visit, VisitTypes, Visitor};

/// The prefix that keeps a keyframes name global.
const GLOBAL_PREFIX: &str = "-global-";

/// Renames the stylesheet's `@keyframes` and the animations that use them.
pub(super) fn scope(sheet: &mut StyleSheet<'_>, scope_class: &str) {
    let mut names = Names { scope_class, renames: HashMap::new(), collecting: true };
    // Neither pass fails: the error type is `Infallible`.
    let _ = sheet.visit(&mut names);
    if names.renames.is_empty() {
        return;
    }
    names.collecting = false;
    let _ = sheet.visit(&mut names);
}

/// Two passes over the stylesheet: the first collects the defined names, the second renames.
struct Names<'a> {
    scope_class: &'a str,
    /// A name as written (in a definition or a reference) → the name emitted.
    renames: HashMap<String, String>,
    collecting: bool,
}

impl Names<'_> {
    fn define(&mut self, name: &str) {
        match name.strip_prefix(GLOBAL_PREFIX).filter(|global| !global.is_empty()) {
            Some(global) => {
                self.renames.insert(name.to_string(), global.to_string());
                self.renames.entry(global.to_string()).or_insert_with(|| global.to_string());
            }
            // A local name wins over a global one of the same name.
            None => {
                self.renames.insert(name.to_string(), format!("{}-{name}", self.scope_class));
            }
        }
    }

    fn renamed<'i>(&self, name: &str) -> Option<CowArcStr<'i>> {
        self.renames.get(name).filter(|renamed| renamed.as_str() != name).map(|renamed| renamed.clone().into())
    }

    fn rename_reference(&self, name: &mut AnimationName<'_>) {
        match name {
            AnimationName::Ident(CustomIdent(ident)) => {
                if let Some(renamed) = self.renamed(ident) {
                    *ident = renamed;
                }
            }
            AnimationName::String(CSSString(string)) => {
                if let Some(renamed) = self.renamed(string) {
                    *string = renamed;
                }
            }
            AnimationName::None => {}
        }
    }
}

impl<'i> Visitor<'i> for Names<'_> {
    type Error = Infallible;

    fn visit_types(&self) -> VisitTypes {
        if self.collecting { visit_types!(RULES) } else { visit_types!(RULES | PROPERTIES) }
    }

    fn visit_rule(&mut self, rule: &mut CssRule<'i>) -> Result<(), Self::Error> {
        if let CssRule::Keyframes(keyframes) = rule {
            let name = match &mut keyframes.name {
                KeyframesName::Ident(CustomIdent(name)) | KeyframesName::Custom(name) => name,
            };
            if self.collecting {
                self.define(name);
            } else if let Some(renamed) = self.renamed(name) {
                *name = renamed;
            }
            return Ok(());
        }
        rule.visit_children(self)
    }

    fn visit_property(&mut self, property: &mut Property<'i>) -> Result<(), Self::Error> {
        match property {
            Property::Animation(animations, _) => animations.iter_mut().for_each(|a| self.rename_reference(&mut a.name)),
            Property::AnimationName(names, _) => names.iter_mut().for_each(|name| self.rename_reference(name)),
            _ => {}
        }
        Ok(())
    }
}
