//! The language server's framing on any byte stream: no panic, no body over the limit, and the
//! same frames and errors whether the bytes arrive at once or in pieces of any size (the first
//! byte picks the piece size), as a pipe may deliver them.
#![no_main]

use eghact_lsp::transport::{Decoder, MAX_BODY};
use libfuzzer_sys::fuzz_target;

fn decode<'a>(pieces: impl Iterator<Item = &'a [u8]>) -> Vec<Result<Vec<u8>, String>> {
    let mut decoder = Decoder::new();
    let mut frames = Vec::new();
    for piece in pieces {
        decoder.push(piece);
        while let Some(frame) = decoder.next_frame() {
            frames.push(frame.map_err(|error| error.to_string()));
        }
    }
    frames
}

fuzz_target!(|data: &[u8]| {
    let Some((&piece, stream)) = data.split_first() else { return };
    let whole = decode(std::iter::once(stream));
    for frame in whole.iter().flatten() {
        assert!(frame.len() as u64 <= MAX_BODY);
    }
    let in_pieces = decode(stream.chunks(usize::from(piece).max(1)));
    assert_eq!(whole, in_pieces, "frames depend on how the bytes arrive");
});
