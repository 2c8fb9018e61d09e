//! Names that Lightning CSS prints as they were read, escapes undone: unknown at-rules
//! (`@\1a`) and unknown pseudo-classes and pseudo-elements (`:a\.b`). Printed raw, `:a\.b` would
//! become `:a.b` (a class) and `@\1a` an `@` and a control character; this visitor escapes them
//! again, in every selector, nested ones (`:is`, `:not`, `:has`, `:nth-child(… of …)`, …) included.

use std::convert::Infallible;

use lightningcss::rules::CssRule;
use lightningcss::selector::{Component, PseudoClass, PseudoElement, Selector};
use lightningcss::stylesheet::{PrinterOptions, StyleSheet};
use lightningcss::traits::ToCss;
use lightningcss::values::ident::Ident;
use lightningcss::values::string::CowArcStr;
use lightningcss::visit_types;
use lightningcss::visitor::{Visit, VisitTypes, Visitor};
use parcel_selectors::parser::NthOfSelectorData;

/// Escapes the names of the stylesheet's unknown at-rules, pseudo-classes and pseudo-elements.
pub(super) fn escape_names(sheet: &mut StyleSheet<'_>) {
    // Never fails: the error type is `Infallible`.
    let _ = sheet.visit(&mut Escapes);
}

/// `name` as an escaped identifier, when it needs escaping.
fn escape(name: &mut CowArcStr<'_>) {
    if let Ok(escaped) = Ident(name.clone()).to_css_string(PrinterOptions::default())
        && escaped != **name
    {
        *name = escaped.into();
    }
}

fn escape_selector(selector: &mut Selector<'_>) {
    for component in selector.iter_mut_raw_match_order() {
        match component {
            Component::NonTSPseudoClass(PseudoClass::Custom { name } | PseudoClass::CustomFunction { name, .. })
            | Component::PseudoElement(PseudoElement::Custom { name } | PseudoElement::CustomFunction { name, .. }) => {
                escape(name)
            }
            Component::Negation(list) | Component::Is(list) | Component::Where(list) | Component::Has(list) => {
                list.iter_mut().for_each(escape_selector)
            }
            Component::Any(_, list) => list.iter_mut().for_each(escape_selector),
            Component::Slotted(inner) | Component::Host(Some(inner)) => escape_selector(inner),
            // `:nth-child(1 of …)` gives its selectors only by copy.
            Component::NthOf(nth) => {
                let mut list = nth.clone_selectors();
                list.iter_mut().for_each(escape_selector);
                *nth = NthOfSelectorData::new(*nth.nth_data(), list);
            }
            _ => {}
        }
    }
}

struct Escapes;

impl<'i> Visitor<'i> for Escapes {
    type Error = Infallible;

    fn visit_types(&self) -> VisitTypes {
        visit_types!(RULES | SELECTORS)
    }

    fn visit_rule(&mut self, rule: &mut CssRule<'i>) -> Result<(), Self::Error> {
        if let CssRule::Unknown(unknown) = rule {
            escape(&mut unknown.name);
        }
        rule.visit_children(self)
    }

    fn visit_selector(&mut self, selector: &mut Selector<'i>) -> Result<(), Self::Error> {
        escape_selector(selector);
        Ok(())
    }
}
