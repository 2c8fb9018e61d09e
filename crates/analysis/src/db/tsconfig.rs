//! What the project's own `tsconfig.json` says that changes the checker's answers. Only that
//! file is read (bounded, a regular file in the project root): an `extends` chain may lead out
//! of the project, so options it would bring are treated as unset, which reports less.

use std::path::Path;

use eghact_semantics::types::TypeSettings;

/// The file, in the project root, and the most of it that is read.
pub const TSCONFIG_FILE: &str = "tsconfig.json";
const MAX_BYTES: u64 = 1 << 20;

/// The settings of the project at `root`; the defaults without a readable `tsconfig.json`.
pub fn type_settings(root: &Path) -> TypeSettings {
    read(&root.join(TSCONFIG_FILE)).unwrap_or_default()
}

fn read(path: &Path) -> Option<TypeSettings> {
    let metadata = std::fs::symlink_metadata(path).ok()?;
    if !metadata.is_file() || metadata.len() > MAX_BYTES {
        return None;
    }
    std::fs::read_to_string(path).ok().map(type_settings_of)
}

/// The settings a `tsconfig.json` of text `text` gives (the defaults where it is not JSON).
pub fn type_settings_of(text: String) -> TypeSettings {
    parse(text).unwrap_or_default()
}

fn parse(mut text: String) -> Option<TypeSettings> {
    json_strip_comments::strip(&mut text).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let options = json.get("compilerOptions")?;
    let flag = |name: &str| options.get(name).and_then(serde_json::Value::as_bool);
    let strict_null_checks = flag("strictNullChecks").or(flag("strict")).unwrap_or(false);
    Some(TypeSettings { strict_null_checks })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> TypeSettings {
        type_settings_of(text.to_string())
    }

    #[test]
    fn strict_and_strict_null_checks() {
        assert!(parse(r#"{ "compilerOptions": { "strict": true } }"#).strict_null_checks);
        assert!(!parse(r#"{ "compilerOptions": { "strict": true, "strictNullChecks": false } }"#).strict_null_checks);
        assert!(
            parse("// comments and trailing commas\n{ \"compilerOptions\": { /* on */ \"strictNullChecks\": true, }, }")
                .strict_null_checks
        );
        assert!(!parse(r#"{ "extends": "@tsconfig/svelte/tsconfig.json" }"#).strict_null_checks);
        assert!(!parse("not json").strict_null_checks);
    }
}
