//! Checks a JSON value against the JSON Schemas of `docs/schemas/`: the keywords those files
//! use (`type`, `const`, `enum`, `required`, `properties`, `additionalProperties`, `items`,
//! `minimum`, `oneOf`, local `$ref`), so that a test fails when an output and its documented
//! shape part. A schema with another keyword fails the check rather than passing silently.
#![allow(dead_code)] // Each test file uses part of it.

use std::path::Path;

use serde_json::Value;

/// Every way `value` departs from the schema in `docs/schemas/<file>` at `pointer` (`""` for
/// the whole schema, `/$defs/started` for a part), as `path: problem` lines.
pub fn problems(file: &str, pointer: &str, value: &Value) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let root: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file} is not JSON: {e}"));
    let schema = root.pointer(pointer).unwrap_or_else(|| panic!("{file} has nothing at {pointer}"));
    let mut found = Vec::new();
    check(&root, schema, value, "$", &mut found);
    // Objects keep their keys in insertion order when a dependency turns on serde_json's
    // `preserve_order` (oxc_resolver does): sorted, the list does not depend on it.
    found.sort();
    found
}

/// Fails the test with every problem of `value` against `file` at `pointer`.
pub fn assert_valid(file: &str, pointer: &str, value: &Value) {
    let found = problems(file, pointer, value);
    assert!(found.is_empty(), "{file}{pointer}:\n{}\nin {value:#}", found.join("\n"));
}

const KNOWN: [&str; 15] = [
    "$schema",
    "$id",
    "$defs",
    "title",
    "description",
    "type",
    "const",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minimum",
    "oneOf",
    "$ref",
];
/// Keywords that only document (a string's form is not checked here).
const DOCUMENTING: [&str; 1] = ["pattern"];

fn check(root: &Value, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else { return found.push(format!("{at}: the schema is not an object")) };
    for keyword in schema.keys() {
        if !KNOWN.contains(&keyword.as_str()) && !DOCUMENTING.contains(&keyword.as_str()) {
            found.push(format!("{at}: the schema uses `{keyword}`, which this checker does not know"));
        }
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        match reference.strip_prefix('#').and_then(|pointer| root.pointer(pointer)) {
            Some(target) => check(root, target, value, at, found),
            None => found.push(format!("{at}: unresolved $ref {reference}")),
        }
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !allowed.iter().any(|t| has_type(value, t)) {
            return found.push(format!("{at}: {} is not of type {allowed:?}", short(value)));
        }
    }
    if let Some(constant) = schema.get("const") {
        if value != constant {
            found.push(format!("{at}: {} is not {constant}", short(value)));
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            found.push(format!("{at}: {} is none of {}", short(value), Value::Array(options.clone())));
        }
    }
    if let (Some(minimum), Some(number)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64()) {
        if number < minimum {
            found.push(format!("{at}: {number} is below {minimum}"));
        }
    }
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        let passing = branches
            .iter()
            .filter(|branch| {
                let mut problems = Vec::new();
                check(root, branch, value, at, &mut problems);
                problems.is_empty()
            })
            .count();
        if passing != 1 {
            found.push(format!("{at}: {} matches {passing} of the {} shapes of oneOf, not one", short(value), branches.len()));
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !object.contains_key(name) {
                found.push(format!("{at}: `{name}` is missing"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, field) in object {
            let at = format!("{at}.{name}");
            match (properties.and_then(|p| p.get(name)), schema.get("additionalProperties")) {
                (Some(declared), _) => check(root, declared, field, &at, found),
                (None, Some(Value::Bool(false))) => found.push(format!("{at}: not in the schema")),
                (None, Some(other @ Value::Object(_))) => check(root, other, field, &at, found),
                (None, _) => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(root, items, item, &format!("{at}[{i}]"), found);
        }
    }
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_u64() || value.is_i64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 80 { format!("{}…", &text[..text.floor_char_boundary(80)]) } else { text }
}

#[test]
fn the_checker_finds_what_departs_from_a_schema() {
    let schema = serde_json::json!({ "type": "object", "required": ["version", "n"], "additionalProperties": false,
        "properties": { "version": { "const": 1 }, "n": { "type": "integer", "minimum": 0 } } });
    let mut found = Vec::new();
    check(&schema, &schema, &serde_json::json!({ "version": 2, "n": -1, "extra": true }), "$", &mut found);
    found.sort();
    assert_eq!(found, ["$.extra: not in the schema", "$.n: -1 is below 0", "$.version: 2 is not 1"]);
    found.clear();
    check(&schema, &schema, &serde_json::json!({ "version": 1 }), "$", &mut found);
    assert_eq!(found, ["$: `n` is missing"]);
}
