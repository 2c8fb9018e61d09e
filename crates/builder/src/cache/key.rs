//! Cache keys: one blake3 hash over everything a component's outputs depend on.
//!
//! The builder hashes each input group on its own (with a blake3 `derive_key` context per group,
//! and a length before every variable-length field), so the groups can be recorded as
//! [`KeyInputs`] and compared between builds; the key is a hash of those group digests.
//! Invariant: two different [`KeyInputs`] never share an encoding, so they never share a key
//! (short of a blake3 collision).

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

// Contexts are part of the key format: changing one invalidates every cache.
const COMPILER_CONTEXT: &str = "eghact cache v1 compiler version";
const FLAGS_CONTEXT: &str = "eghact cache v1 build flags";
const ENV_VALUE_CONTEXT: &str = "eghact cache v1 environment value";
const KEY_CONTEXT: &str = "eghact cache v1 key";

/// A 32-byte blake3 hash, written as 64 lowercase hex digits (also in JSON).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest([u8; 32]);

impl Digest {
    /// The plain blake3 hash of `bytes` (what callers use for source text and signatures).
    pub fn of(bytes: &[u8]) -> Self {
        Self(*blake3::hash(bytes).as_bytes())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn from_hex(hex: &str) -> Option<Self> {
        blake3::Hash::from_hex(hex).ok().map(|hash| Self(*hash.as_bytes()))
    }
}

impl From<[u8; 32]> for Digest {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl From<blake3::Hash> for Digest {
    fn from(hash: blake3::Hash) -> Self {
        Self(*hash.as_bytes())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&blake3::Hash::from_bytes(self.0).to_hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(deserializer)?;
        Self::from_hex(&hex).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

/// The address of one component's compiled outputs in every cache tier.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CacheKey(Digest);

impl CacheKey {
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    pub fn from_hex(hex: &str) -> Option<Self> {
        Digest::from_hex(hex).map(Self)
    }
}

impl From<[u8; 32]> for CacheKey {
    fn from(bytes: [u8; 32]) -> Self {
        Self(Digest(bytes))
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CacheKey({})", self.0)
    }
}

/// What a key was made of, group by group, for a build to record and compare with the next.
/// Environment values are kept only as digests, so secrets never reach the build record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInputs {
    pub compiler: Digest,
    pub flags: Digest,
    /// Digest of each variable's value by name; `None` when the variable is not set.
    pub env: BTreeMap<String, Option<Digest>>,
    pub source: Digest,
    /// Signature digest of each import by import path.
    pub imports: BTreeMap<String, Digest>,
}

impl KeyInputs {
    pub fn key(&self) -> CacheKey {
        let mut hasher = blake3::Hasher::new_derive_key(KEY_CONTEXT);
        for digest in [&self.compiler, &self.flags, &self.source] {
            hasher.update(digest.as_bytes());
        }
        // Counts keep an environment entry from reading as an import entry and back.
        hasher.update(&(self.env.len() as u64).to_le_bytes());
        for (name, value) in &self.env {
            put_bytes(&mut hasher, name.as_bytes());
            match value {
                None => hasher.update(&[0]),
                Some(digest) => hasher.update(&[1]).update(digest.as_bytes()),
            };
        }
        hasher.update(&(self.imports.len() as u64).to_le_bytes());
        for (path, signature) in &self.imports {
            put_bytes(&mut hasher, path.as_bytes());
            hasher.update(signature.as_bytes());
        }
        CacheKey(hasher.finalize().into())
    }

    /// What differs in `self` from the inputs of an earlier build, in a fixed order.
    pub fn changes_since(&self, previous: &KeyInputs) -> Vec<InputChange> {
        let mut changes = Vec::new();
        if self.compiler != previous.compiler {
            changes.push(InputChange::CompilerVersion);
        }
        if self.flags != previous.flags {
            changes.push(InputChange::Flags);
        }
        let names: BTreeSet<&String> = self.env.keys().chain(previous.env.keys()).collect();
        for name in names {
            if self.env.get(name) != previous.env.get(name) {
                changes.push(InputChange::Env(name.clone()));
            }
        }
        if self.source != previous.source {
            changes.push(InputChange::Source);
        }
        let paths: BTreeSet<&String> = self.imports.keys().chain(previous.imports.keys()).collect();
        for path in paths {
            match (previous.imports.get(path), self.imports.get(path)) {
                (None, Some(_)) => changes.push(InputChange::ImportAdded(path.clone())),
                (Some(_), None) => changes.push(InputChange::ImportRemoved(path.clone())),
                (Some(old), Some(new)) if old != new => changes.push(InputChange::ImportSignature(path.clone())),
                _ => {}
            }
        }
        changes
    }
}

/// One reason a component's key differs from the last build's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "input", content = "name", rename_all = "camelCase")]
pub enum InputChange {
    CompilerVersion,
    Flags,
    /// The variable's value changed, or it started or stopped being part of the key.
    Env(String),
    Source,
    ImportAdded(String),
    ImportRemoved(String),
    ImportSignature(String),
}

impl fmt::Display for InputChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputChange::CompilerVersion => f.write_str("compiler version changed"),
            InputChange::Flags => f.write_str("build flags changed"),
            InputChange::Env(name) => write!(f, "environment variable `{name}` changed"),
            InputChange::Source => f.write_str("source changed"),
            InputChange::ImportAdded(path) => write!(f, "import `{path}` added"),
            InputChange::ImportRemoved(path) => write!(f, "import `{path}` removed"),
            InputChange::ImportSignature(path) => write!(f, "signature of `{path}` changed"),
        }
    }
}

/// Collects a component's inputs. Flags keep their order (as on a command line); environment
/// variables and imports are sorted, and a name given twice keeps its last value.
///
/// ```
/// use eghact_builder::cache::{CacheKeyBuilder, Digest};
///
/// let inputs = CacheKeyBuilder::new("0.1.0", Digest::of(b"<template></template>"))
///     .flag("--minify")
///     .env("NODE_ENV", std::env::var_os("NODE_ENV").as_deref())
///     .import("./Button.egh", Digest::of(b"signature of Button"))
///     .finish();
/// let key = inputs.key();
/// # assert_eq!(key, inputs.clone().key());
/// ```
pub struct CacheKeyBuilder {
    compiler: Digest,
    flags: blake3::Hasher,
    env: BTreeMap<String, Option<Digest>>,
    source: Digest,
    imports: BTreeMap<String, Digest>,
}

impl CacheKeyBuilder {
    pub fn new(compiler_version: &str, source: impl Into<Digest>) -> Self {
        Self {
            compiler: blake3::Hasher::new_derive_key(COMPILER_CONTEXT).update(compiler_version.as_bytes()).finalize().into(),
            flags: blake3::Hasher::new_derive_key(FLAGS_CONTEXT),
            env: BTreeMap::new(),
            source: source.into(),
            imports: BTreeMap::new(),
        }
    }

    pub fn flag(mut self, flag: impl AsRef<[u8]>) -> Self {
        put_bytes(&mut self.flags, flag.as_ref());
        self
    }

    /// `value` is `None` when the variable is unset, which keys differently from an empty value.
    pub fn env(mut self, name: &str, value: Option<&OsStr>) -> Self {
        let digest = value
            .map(|value| blake3::Hasher::new_derive_key(ENV_VALUE_CONTEXT).update(value.as_encoded_bytes()).finalize().into());
        self.env.insert(name.to_owned(), digest);
        self
    }

    pub fn import(mut self, path: &str, signature: impl Into<Digest>) -> Self {
        self.imports.insert(path.to_owned(), signature.into());
        self
    }

    pub fn finish(self) -> KeyInputs {
        KeyInputs {
            compiler: self.compiler,
            flags: self.flags.finalize().into(),
            env: self.env,
            source: self.source,
            imports: self.imports,
        }
    }
}

fn put_bytes(hasher: &mut blake3::Hasher, bytes: &[u8]) {
    hasher.update(&(bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    fn base() -> CacheKeyBuilder {
        CacheKeyBuilder::new("0.1.0", Digest::of(b"source"))
    }

    #[test]
    fn every_input_changes_the_key() {
        let key = base().finish().key();
        let variants = [
            CacheKeyBuilder::new("0.1.1", Digest::of(b"source")).finish(),
            CacheKeyBuilder::new("0.1.0", Digest::of(b"source!")).finish(),
            base().flag("--minify").finish(),
            base().env("NODE_ENV", None).finish(),
            base().env("NODE_ENV", Some(OsStr::new(""))).finish(),
            base().import("./A.egh", Digest::of(b"a")).finish(),
        ];
        let mut keys: Vec<CacheKey> = variants.iter().map(KeyInputs::key).collect();
        keys.push(key);
        let distinct: BTreeSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len());
    }

    #[test]
    fn length_prefixes_keep_fields_apart() {
        assert_ne!(base().flag("ab").flag("c").finish().key(), base().flag("a").flag("bc").finish().key());
        assert_ne!(base().flag("").finish().key(), base().finish().key());
        // The same name and digest as an environment entry and as an import.
        let digest = Digest::of(b"x");
        let as_env = KeyInputs { env: BTreeMap::from([("A".into(), Some(digest))]), ..base().finish() };
        let as_import = KeyInputs { imports: BTreeMap::from([("A".into(), digest)]), ..base().finish() };
        assert_ne!(as_env.key(), as_import.key());
    }

    #[test]
    fn environment_and_imports_are_sorted_and_flags_are_not() {
        let a = Digest::of(b"a");
        let b = Digest::of(b"b");
        let one = base().env("X", Some(OsStr::new("1"))).env("Y", None).import("./A", a).import("./B", b).finish();
        let two = base().import("./B", b).env("Y", None).import("./A", a).env("X", Some(OsStr::new("1"))).finish();
        assert_eq!(one.key(), two.key());
        assert_ne!(base().flag("a").flag("b").finish().key(), base().flag("b").flag("a").finish().key());
    }

    #[test]
    fn changes_name_what_differs() {
        let previous = base()
            .env("MODE", Some(OsStr::new("dev")))
            .import("./A.egh", Digest::of(b"a1"))
            .import("./B.egh", Digest::of(b"b"))
            .finish();
        let current = CacheKeyBuilder::new("0.2.0", Digest::of(b"source"))
            .flag("--minify")
            .env("MODE", None)
            .import("./A.egh", Digest::of(b"a2"))
            .import("./C.egh", Digest::of(b"c"))
            .finish();
        let changes: Vec<String> = current.changes_since(&previous).iter().map(ToString::to_string).collect();
        assert_eq!(
            changes,
            [
                "compiler version changed",
                "build flags changed",
                "environment variable `MODE` changed",
                "signature of `./A.egh` changed",
                "import `./B.egh` removed",
                "import `./C.egh` added",
            ]
        );
        assert!(current.changes_since(&current).is_empty());
    }

    #[test]
    fn inputs_round_trip_through_json() {
        let inputs = base().env("HOME", None).env("CI", Some(OsStr::new("1"))).import("./A.egh", Digest::of(b"a")).finish();
        let json = serde_json::to_string(&inputs).unwrap();
        let back: KeyInputs = serde_json::from_str(&json).unwrap();
        assert_eq!(back, inputs);
        assert_eq!(back.key(), inputs.key());
        assert!(json.contains(r#""HOME":null"#), "{json}");
        assert!(serde_json::from_str::<Digest>(r#""abc""#).is_err());
    }

    /// A change here empties every cache in use; make it on purpose, with new contexts.
    #[test]
    fn the_key_format_is_stable() {
        let inputs = base().flag("--minify").env("A", None).env("B", Some(OsStr::new("1"))).import("./A.egh", Digest::of(b"a"));
        expect!["7315da2a13a6309c5030ebedfac06331b39de16fca2e84fbc984161403d03331"].assert_eq(&inputs.finish().key().to_string());
    }

    #[test]
    fn keys_print_as_hex() {
        let key = base().finish().key();
        let hex = key.to_string();
        assert_eq!(hex.len(), 64);
        assert_eq!(CacheKey::from_hex(&hex), Some(key));
        assert_eq!(CacheKey::from_hex("zz"), None);
    }
}
