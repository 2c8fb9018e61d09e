//! The standard library's globals as the checker types them (`Math`, `JSON`, `console`,
//! `document`, `parseInt`, …), from declarations shipped in the binary (`stdlib.d.ts`), read with the same
//! conversion as a script's annotations. A name it does not declare stays `Unknown`.

use std::collections::HashMap;
use std::sync::OnceLock;

use oxc::allocator::Allocator;
use oxc::ast::ast::*;
use oxc::parser::Parser;
use oxc::span::SourceType;

use super::{Type, TypeEnv, from_annotation};

const DECLARATIONS: &str = include_str!("stdlib.d.ts");

/// The type of the global `name`, if the standard library declares it.
pub fn global(name: &str) -> Option<&'static Type> {
    static GLOBALS: OnceLock<HashMap<String, Type>> = OnceLock::new();
    GLOBALS.get_or_init(globals).get(name)
}

fn globals() -> HashMap<String, Type> {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, DECLARATIONS, SourceType::d_ts()).parse();
    let env = TypeEnv::of(&parsed.program.body);
    let mut globals = HashMap::new();
    for statement in &parsed.program.body {
        match statement {
            Statement::VariableDeclaration(decl) => {
                for declarator in &decl.declarations {
                    let (BindingPattern::BindingIdentifier(id), Some(annotation)) = (&declarator.id, &declarator.type_annotation)
                    else {
                        continue;
                    };
                    globals.insert(id.name.to_string(), from_annotation(&annotation.type_annotation, &env));
                }
            }
            Statement::FunctionDeclaration(function) => {
                if let Some(id) = &function.id {
                    globals.insert(id.name.to_string(), env.function(function));
                }
            }
            _ => {}
        }
    }
    globals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declarations_parse_and_type_their_globals() {
        let allocator = Allocator::default();
        let parsed = Parser::new(&allocator, DECLARATIONS, SourceType::d_ts()).parse();
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let floor = global("Math").and_then(|math| math.member("floor")).map(|t| t.to_string());
        assert_eq!(floor.as_deref(), Some("(x: number) => number"));
        assert_eq!(global("parseInt").map(|t| t.to_string()).as_deref(), Some("(string: string, radix?: number) => number"));
        assert!(global("document").and_then(|document| document.member("querySelector")).is_some());
        assert!(global("window").is_none());
    }
}
