//! How a cache entry is named and stored in REAPI terms, shared by both protocols.
//!
//! A [`CacheKey`] names the Action
//!
//! ```text
//! Command { arguments: ["eghact", "cache-entry", "v2", <key as 64 hex digits>] }
//! Action  { command_digest: digest(Command), input_root_digest: digest(<empty Directory>) }
//! ```
//!
//! (all other fields unset, both messages in protobuf's canonical encoding), and the entry's
//! Action digest is the digest of that Action under the server's digest function. The key
//! already hashes everything an output depends on (compiler, flags, source, imported
//! signatures), so the Action needs no real inputs; `v2` names this mapping and changes with it.
//!
//! The value is an ActionResult with exit code 0 whose output files are [`KEY_FILE`] (the key's
//! 32 bytes), then the entry's named blobs (`js`, `map`, `css`, `diagnostics`, …), in order,
//! each stored in CAS under its own digest. The key file binds the result to its key: a result
//! found under one key's Action but stored for another (an entry copied on the server) is
//! refused, as the engine's entry format refuses it on disk.
//! Blobs rather than the encoded entry as one blob: identical outputs are stored once, other
//! tools can read the files, and a remote worker (a later slice) produces exactly this shape.

use bazel_remote_apis::build::bazel::remote::execution::v2::{
    Action, ActionResult, Command, Digest, Directory, OutputFile, digest_function,
};
use eghact_builder::cache::{CacheEntry, CacheKey};
use prost::Message as _;
use sha2::Digest as _;

/// Version of the key → Action mapping above (v2: results carry [`KEY_FILE`]).
const MAPPING_VERSION: &str = "v2";
/// The output file that holds the key a result was stored for.
pub const KEY_FILE: &str = ".eghact-cache-key";

/// The hash functions this client can use; the server picks through Capabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestFunction {
    Sha256,
    Blake3,
}

impl DigestFunction {
    /// The best function a server offers: BLAKE3 (faster, and the engine's own hash), else
    /// SHA-256. An empty list is an older server, which only knows SHA-256.
    pub fn choose(offered: &[i32]) -> Option<Self> {
        if offered.contains(&(digest_function::Value::Blake3 as i32)) {
            Some(DigestFunction::Blake3)
        } else if offered.is_empty() || offered.contains(&(digest_function::Value::Sha256 as i32)) {
            Some(DigestFunction::Sha256)
        } else {
            None
        }
    }

    pub fn proto(self) -> i32 {
        match self {
            DigestFunction::Sha256 => digest_function::Value::Sha256 as i32,
            DigestFunction::Blake3 => digest_function::Value::Blake3 as i32,
        }
    }

    /// The lower-case hex hash of `bytes`.
    pub fn hash(self, bytes: &[u8]) -> String {
        match self {
            DigestFunction::Sha256 => hex(&sha2::Sha256::digest(bytes)),
            DigestFunction::Blake3 => blake3::hash(bytes).to_hex().to_string(),
        }
    }

    pub fn digest(self, bytes: &[u8]) -> Digest {
        Digest { hash: self.hash(bytes), size_bytes: bytes.len() as i64 }
    }

    /// A digest computed piece by piece, for what is too large to hold whole.
    pub fn hasher(self) -> DigestHasher {
        match self {
            DigestFunction::Sha256 => DigestHasher::Sha256(sha2::Sha256::new(), 0),
            DigestFunction::Blake3 => DigestHasher::Blake3(Box::new(blake3::Hasher::new()), 0),
        }
    }
}

/// [`DigestFunction::hasher`]: bytes go in with `update`, the Digest comes out of `finish`.
pub enum DigestHasher {
    Sha256(sha2::Sha256, u64),
    Blake3(Box<blake3::Hasher>, u64),
}

impl DigestHasher {
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            DigestHasher::Sha256(hasher, size) => {
                hasher.update(bytes);
                *size += bytes.len() as u64;
            }
            DigestHasher::Blake3(hasher, size) => {
                hasher.update(bytes);
                *size += bytes.len() as u64;
            }
        }
    }

    pub fn finish(self) -> Digest {
        let (hash, size) = match self {
            DigestHasher::Sha256(hasher, size) => (hex(&hasher.finalize()), size),
            DigestHasher::Blake3(hasher, size) => (hasher.finalize().to_hex().to_string(), size),
        };
        Digest { hash, size_bytes: i64::try_from(size).unwrap_or(i64::MAX) }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut hex, byte| {
        hex.push_str(&format!("{byte:02x}"));
        hex
    })
}

/// The Action digest that names `key`'s entry (see the module documentation).
pub fn action_digest(function: DigestFunction, key: &CacheKey) -> Digest {
    let arguments = ["eghact", "cache-entry", MAPPING_VERSION, &key.to_string()].map(String::from).to_vec();
    let command = Command { arguments, ..Command::default() };
    let action = Action {
        command_digest: Some(function.digest(&command.encode_to_vec())),
        input_root_digest: Some(function.digest(&Directory::default().encode_to_vec())),
        ..Action::default()
    };
    function.digest(&action.encode_to_vec())
}

/// The ActionResult that stores `entry` for `key`, and the distinct blobs it refers to. Empty
/// blobs are left out: REAPI servers hold the empty blob implicitly, and nginx refuses an empty
/// `PUT`.
pub fn action_result<'a>(
    function: DigestFunction,
    key: &'a CacheKey,
    entry: &'a CacheEntry,
) -> (ActionResult, Vec<(Digest, &'a [u8])>) {
    let mut blobs: Vec<(Digest, &[u8])> = Vec::new();
    let mut output_files = Vec::with_capacity(entry.files.len() + 1);
    let key_file = (KEY_FILE, key.as_bytes().as_slice());
    for (name, data) in std::iter::once(key_file).chain(entry.files.iter().map(|(name, data)| (name.as_str(), data.as_slice()))) {
        let digest = function.digest(data);
        if !data.is_empty() && !blobs.iter().any(|(d, _)| *d == digest) {
            blobs.push((digest.clone(), data));
        }
        output_files.push(OutputFile { path: name.to_string(), digest: Some(digest), ..OutputFile::default() });
    }
    (ActionResult { output_files, exit_code: 0, ..ActionResult::default() }, blobs)
}

/// Whether `result` was stored for `key`: its key file holds that key. Checked by digest, so
/// the key file is never fetched.
pub fn is_stored_for(function: DigestFunction, result: &ActionResult, key: &CacheKey) -> bool {
    let key_file = result.output_files.iter().find(|file| file.path == KEY_FILE);
    key_file.is_some_and(|file| file.digest.as_ref() == Some(&function.digest(key.as_bytes())))
}

/// The blobs an ActionResult needs from CAS: those the server did not inline, except empty
/// ones (the empty blob is never fetched) and the key file. `None` for a result this crate did
/// not write.
pub fn blobs_to_fetch(result: &ActionResult) -> Option<Vec<Digest>> {
    if result.exit_code != 0 || !result.output_directories.is_empty() {
        return None;
    }
    let mut wanted = Vec::new();
    for file in result.output_files.iter().filter(|file| file.path != KEY_FILE) {
        let digest = file.digest.as_ref()?;
        if digest.size_bytes > 0 && file.contents.is_empty() && !wanted.contains(digest) {
            wanted.push(digest.clone());
        }
    }
    Some(wanted)
}

/// The entry of an ActionResult (without its key file), given the blobs it refers to. `None`
/// when a blob is missing (the caller treats that as a miss: the local compile then stores a
/// complete entry again).
pub fn entry_from(result: &ActionResult, blob: impl Fn(&Digest) -> Option<Vec<u8>>) -> Option<CacheEntry> {
    let mut files = Vec::with_capacity(result.output_files.len());
    for file in result.output_files.iter().filter(|file| file.path != KEY_FILE) {
        let digest = file.digest.as_ref()?;
        let data = match (digest.size_bytes, file.contents.is_empty()) {
            (0, _) => Vec::new(),
            (_, false) => file.contents.clone(),
            _ => blob(digest)?,
        };
        files.push((file.path.clone(), data));
    }
    Some(CacheEntry::new(files))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn a_digest_in_pieces_equals_the_digest_of_the_whole() {
        for function in [DigestFunction::Sha256, DigestFunction::Blake3] {
            let mut hasher = function.hasher();
            hasher.update(b"hello ");
            hasher.update(b"world");
            assert_eq!(hasher.finish(), function.digest(b"hello world"));
        }
    }

    #[test]
    fn action_digests_are_stable_and_differ_by_key_and_function() {
        let key = CacheKey::from([7; 32]);
        // Pinned: other tools compute these names too, so a change here is a format change.
        assert_eq!(action_digest(DigestFunction::Sha256, &key), action_digest(DigestFunction::Sha256, &key));
        assert_ne!(action_digest(DigestFunction::Sha256, &key), action_digest(DigestFunction::Sha256, &CacheKey::from([8; 32])));
        assert_ne!(action_digest(DigestFunction::Sha256, &key).hash, action_digest(DigestFunction::Blake3, &key).hash);
        assert_eq!(DigestFunction::Sha256.hash(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn the_digest_function_prefers_blake3() {
        use digest_function::Value;
        assert_eq!(DigestFunction::choose(&[Value::Sha256 as i32, Value::Blake3 as i32]), Some(DigestFunction::Blake3));
        assert_eq!(DigestFunction::choose(&[Value::Sha256 as i32]), Some(DigestFunction::Sha256));
        assert_eq!(DigestFunction::choose(&[]), Some(DigestFunction::Sha256));
        assert_eq!(DigestFunction::choose(&[Value::Md5 as i32]), None);
    }

    #[test]
    fn an_entry_round_trips_through_an_action_result() {
        let entry = CacheEntry::new(vec![
            ("js".into(), b"export {}".to_vec()),
            ("css".into(), Vec::new()),
            ("map".into(), b"export {}".to_vec()),
        ]);
        let key = CacheKey::from([7; 32]);
        let (result, blobs) = action_result(DigestFunction::Sha256, &key, &entry);
        assert_eq!(blobs.len(), 2, "distinct, non-empty blobs: the key file and one output");
        let store: HashMap<String, Vec<u8>> = blobs.iter().map(|(d, data)| (d.hash.clone(), data.to_vec())).collect();
        assert_eq!(blobs_to_fetch(&result).map(|d| d.len()), Some(1), "the key file is checked, not fetched");
        assert_eq!(entry_from(&result, |d| store.get(&d.hash).cloned()), Some(entry));
        assert_eq!(entry_from(&result, |_| None), None, "a missing blob is a miss");
    }

    #[test]
    fn a_result_is_bound_to_its_key() {
        let entry = CacheEntry::new(vec![("js".into(), b"export {}".to_vec())]);
        let (key, other) = (CacheKey::from([7; 32]), CacheKey::from([8; 32]));
        let (result, _) = action_result(DigestFunction::Blake3, &key, &entry);
        assert!(is_stored_for(DigestFunction::Blake3, &result, &key));
        assert!(!is_stored_for(DigestFunction::Blake3, &result, &other), "a result copied under another key's Action");
        assert!(!is_stored_for(DigestFunction::Sha256, &result, &key));
        let unbound = ActionResult { output_files: result.output_files[1..].to_vec(), ..result };
        assert!(!is_stored_for(DigestFunction::Blake3, &unbound, &key), "a result without a key file");
    }
}
