//! Framing of stdin in front of tower-lsp-server: a pure decoder of the protocol's
//! `Content-Length` frames ([`Decoder`]: bytes in, bodies or framing errors out) and the async
//! pump that drives it. Every error becomes a request that answers its JSON-RPC error:
//! tower-lsp-server reads through tokio-util's `FramedRead`, which stops for good after one
//! decode error (tokio-rs/tokio#3976), so a single bad message from a client would end the server.
//!
//! Invariants: the decoder never panics, never allocates more than the bytes it was given
//! (an announced length is only a bound, checked against [`MAX_BODY`]), keeps at most
//! [`MAX_HEADER_LINE`] bytes of an unfinished header line, and after any framing error
//! resynchronises on the next `Content-Length:` header in the stream.

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Request, Response, Result};

/// The method of the stand-in request; its `code` and `message` params are the error to answer.
pub const INVALID_MESSAGE: &str = "eghact/invalidMessage";

/// The largest body accepted: a 10 MB document travels as one `didOpen`, escaped in JSON.
pub const MAX_BODY: u64 = 64 << 20;

/// The longest header line; a longer one is garbage.
pub const MAX_HEADER_LINE: usize = 4096;

/// The header that starts every frame, and where the decoder picks up the stream again.
const CONTENT_LENGTH: &[u8] = b"content-length:";

/// What is wrong with the framing of a message. The body, if any, is skipped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Bytes where a header was expected (a previous length was too short, or noise).
    #[error("bytes outside a message were skipped up to the next Content-Length header")]
    Garbage,
    /// A header block without a `Content-Length`.
    #[error("a message without a Content-Length header")]
    MissingLength,
    /// A `Content-Length` that is not a number of bytes.
    #[error("Content-Length {0:?} is not a number of bytes")]
    InvalidLength(String),
    /// A `Content-Length` above [`MAX_BODY`].
    #[error("Content-Length {0} is over the limit of {MAX_BODY} bytes")]
    TooLong(u64),
}

/// Decodes `Content-Length` framed messages from bytes given in any pieces.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Bytes received and not decoded yet.
    buffer: Vec<u8>,
    state: State,
}

#[derive(Debug)]
enum State {
    /// Reading the header block of the next frame.
    Headers { length: Option<std::result::Result<u64, FrameError>>, seen: bool },
    /// Reading a body of this many bytes.
    Body(usize),
    /// Dropping bytes up to the next `Content-Length:` (at most `limit` of them: the announced
    /// length of a refused body).
    Skip { limit: Option<u64> },
}

impl Default for State {
    fn default() -> Self {
        Self::Headers { length: None, seen: false }
    }
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next body or framing error, or `None` until more bytes are pushed.
    pub fn next_frame(&mut self) -> Option<std::result::Result<Vec<u8>, FrameError>> {
        loop {
            match &mut self.state {
                State::Body(length) => {
                    let length = *length;
                    if self.buffer.len() < length {
                        return None;
                    }
                    let rest = self.buffer.split_off(length);
                    let body = std::mem::replace(&mut self.buffer, rest);
                    self.state = State::default();
                    self.release_memory();
                    return Some(Ok(body));
                }
                State::Skip { limit } => {
                    let window =
                        limit.map_or(self.buffer.len(), |l| usize::try_from(l).unwrap_or(usize::MAX).min(self.buffer.len()));
                    let dropped = match find_content_length(&self.buffer[..window]) {
                        Some(at) => {
                            self.state = State::default();
                            at
                        }
                        None if limit.is_some_and(|l| l <= window as u64) => {
                            // The refused body is over; its end is where the next frame starts.
                            self.state = State::default();
                            window
                        }
                        // Keep what may be the start of a header cut in two.
                        None => window.saturating_sub(CONTENT_LENGTH.len() - 1),
                    };
                    if let State::Skip { limit: Some(limit) } = &mut self.state {
                        *limit -= dropped as u64;
                    }
                    self.buffer.drain(..dropped);
                    self.release_memory();
                    if matches!(self.state, State::Skip { .. }) {
                        return None;
                    }
                }
                State::Headers { length, seen } => {
                    let Some(end) = self.buffer.iter().position(|&b| b == b'\n') else {
                        if self.buffer.len() > MAX_HEADER_LINE {
                            return Some(Err(self.garbage()));
                        }
                        return None;
                    };
                    let line = self.buffer[..end].strip_suffix(b"\r").unwrap_or(&self.buffer[..end]);
                    // A header after garbage on its line (the tail of a body whose length was too short).
                    if let Some(at) = find_content_length(line).filter(|&at| at > 0) {
                        self.buffer.drain(..at);
                        self.state = State::default();
                        return Some(Err(FrameError::Garbage));
                    }
                    if end > MAX_HEADER_LINE {
                        return Some(Err(self.garbage()));
                    }
                    if line.is_empty() {
                        self.buffer.drain(..=end);
                        if !*seen {
                            // Blank lines before any header are noise between messages.
                            continue;
                        }
                        match length.take() {
                            Some(Ok(length)) => self.state = State::Body(length as usize),
                            Some(Err(error)) => {
                                let limit = if let FrameError::TooLong(length) = error { Some(length) } else { None };
                                self.state = State::Skip { limit };
                                return Some(Err(error));
                            }
                            None => {
                                self.state = State::Skip { limit: None };
                                return Some(Err(FrameError::MissingLength));
                            }
                        }
                        continue;
                    }
                    let Some((name, value)) = header(line) else {
                        return Some(Err(self.garbage()));
                    };
                    if name.eq_ignore_ascii_case("content-length") {
                        *length = Some(parse_length(value));
                    }
                    *seen = true;
                    self.buffer.drain(..=end);
                }
            }
        }
    }

    /// Garbage where a header line starts: skipped to the next `Content-Length:` after its
    /// first byte. The line may itself start with `Content-Length:` (a value that is not
    /// UTF-8, a line over the limit): resynchronising on it again would never end.
    fn garbage(&mut self) -> FrameError {
        self.buffer.drain(..1);
        self.state = State::Skip { limit: None };
        FrameError::Garbage
    }

    /// Gives back the room of a large message once it is decoded.
    fn release_memory(&mut self) {
        const KEEP: usize = 1 << 16;
        if self.buffer.capacity() > KEEP && self.buffer.len() <= KEEP {
            self.buffer.shrink_to(KEEP);
        }
    }
}

/// A header line's name and value, if it is one (`token ":" value`).
fn header(line: &[u8]) -> Option<(&str, &str)> {
    let line = std::str::from_utf8(line).ok()?;
    let (name, value) = line.split_once(':')?;
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    (!name.is_empty() && name.chars().all(token)).then_some((name, value.trim()))
}

fn parse_length(value: &str) -> std::result::Result<u64, FrameError> {
    match value.parse::<u64>() {
        Ok(length) if length > MAX_BODY => Err(FrameError::TooLong(length)),
        Ok(length) => Ok(length),
        Err(_) => Err(FrameError::InvalidLength(value.chars().take(64).collect())),
    }
}

/// Where `Content-Length:` (in any case) starts in `bytes`.
fn find_content_length(bytes: &[u8]) -> Option<usize> {
    bytes.windows(CONTENT_LENGTH.len()).position(|window| window.eq_ignore_ascii_case(CONTENT_LENGTH))
}

/// Copies framed messages from `input` to `output` until `input` ends; a framing error or a
/// body tower-lsp-server cannot decode goes out as the stand-in request of its error.
pub async fn pump(mut input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
    let mut decoder = Decoder::new();
    let mut chunk = vec![0; 1 << 16];
    loop {
        match input.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => decoder.push(&chunk[..read]),
        }
        while let Some(frame) = decoder.next_frame() {
            let body = match frame {
                Ok(body) => checked(body),
                Err(error) => stand_in(ErrorCode::ParseError, Some(error.to_string())),
            };
            let framed = [format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes(), body].concat();
            if output.write_all(&framed).await.is_err() {
                return;
            }
        }
    }
}

/// `body` if tower-lsp-server can decode it, else the stand-in for its error.
fn checked(body: Vec<u8>) -> Vec<u8> {
    if serde_json::from_slice::<Request>(&body).is_ok() || serde_json::from_slice::<Response>(&body).is_ok() {
        return body;
    }
    // JSON that is not a message is an invalid request; anything else does not parse.
    let json = serde_json::from_slice::<Value>(&body).is_ok();
    stand_in(if json { ErrorCode::InvalidRequest } else { ErrorCode::ParseError }, None)
}

fn stand_in(code: ErrorCode, message: Option<String>) -> Vec<u8> {
    let params = json!({ "code": code.code(), "message": message });
    json!({ "jsonrpc": "2.0", "id": null, "method": INVALID_MESSAGE, "params": params }).to_string().into_bytes()
}

/// The answer to the stand-in request: the error of the message it replaced.
pub async fn invalid_message(params: Value) -> Result<Value> {
    let code = params["code"].as_i64().map_or(ErrorCode::ParseError, ErrorCode::from);
    let mut error = Error::new(code);
    if let Some(message) = params["message"].as_str() {
        error.message = message.to_string().into();
    }
    Err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a stream decodes to, fed in one piece and byte by byte (the two must agree).
    fn decode(stream: &[u8]) -> Vec<std::result::Result<String, FrameError>> {
        let collect = |decoder: &mut Decoder, out: &mut Vec<_>| {
            while let Some(frame) = decoder.next_frame() {
                out.push(frame.map(|body| String::from_utf8_lossy(&body).into_owned()));
            }
        };
        let (mut whole, mut whole_out) = (Decoder::new(), Vec::new());
        whole.push(stream);
        collect(&mut whole, &mut whole_out);
        let (mut bytewise, mut bytewise_out) = (Decoder::new(), Vec::new());
        for byte in stream {
            bytewise.push(std::slice::from_ref(byte));
            collect(&mut bytewise, &mut bytewise_out);
        }
        assert_eq!(whole_out, bytewise_out, "decoding {:?} in one piece and byte by byte", String::from_utf8_lossy(stream));
        whole_out
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn streams_decode_to_frames_and_errors() {
        use FrameError::*;
        let ok = |body: &str| Ok(body.to_string());
        let a = r#"{"id":1}"#;
        let b = r#"{"id":2}"#;
        let huge = u64::MAX.to_string();
        let cases: Vec<(String, Vec<std::result::Result<String, FrameError>>)> = vec![
            (frame(a) + &frame(b), vec![ok(a), ok(b)]),
            // Other headers, any case, bare `\n`, noise between messages.
            (format!("Content-Type: x\r\ncontent-LENGTH:  8 \n\n{a}\r\n\r\n{}", frame(b)), vec![ok(a), ok(b)]),
            (String::new(), vec![]),
            // A length 5 bytes short: the body is cut, the rest is garbage before the next header.
            (format!("Content-Length: 3\r\n\r\n{a}{}", frame(b)), vec![ok(&a[..3]), Err(Garbage), ok(b)]),
            // A header block without a length, then its body: skipped to the next header.
            (format!("Content-Type: text/plain\r\n\r\n{a}{}", frame(b)), vec![Err(MissingLength), ok(b)]),
            (format!("Content-Length: -1\r\n\r\n{a}{}", frame(b)), vec![Err(InvalidLength("-1".into())), ok(b)]),
            (
                format!("Content-Length: 18446744073709551616\r\n\r\n{a}{}", frame(b)),
                vec![Err(InvalidLength("18446744073709551616".into())), ok(b)],
            ),
            // Lengths over the limit are refused without waiting for their bodies.
            (format!("Content-Length: {huge}\r\n\r\n{a}{}", frame(b)), vec![Err(TooLong(u64::MAX)), ok(b)]),
            (format!("Content-Length: {}\r\n\r\n{a}", MAX_BODY + 1), vec![Err(TooLong(MAX_BODY + 1))]),
            // Garbage lines where headers belong.
            (format!("hello world\r\n{}", frame(a)), vec![Err(Garbage), ok(a)]),
            (format!("xyzContent-Length: 8\r\n\r\n{a}"), vec![Err(Garbage), ok(a)]),
            ("\u{0}\u{1}{}".to_string() + &"y".repeat(MAX_HEADER_LINE + 10) + &frame(a), vec![Err(Garbage), ok(a)]),
            // A Content-Length line over the limit is garbage, skipped past (it once made the
            // decoder resynchronise on the same line forever).
            (format!("Content-Length: {}\r\n\r\n{a}{}", "1".repeat(MAX_HEADER_LINE), frame(b)), vec![Err(Garbage), ok(b)]),
            // An unfinished frame waits for more bytes.
            ("Content-Length: 8\r\n\r\n{\"id\"".into(), vec![]),
        ];
        for (stream, expected) in cases {
            assert_eq!(decode(stream.as_bytes()), expected, "{stream:?}");
        }
    }

    #[test]
    fn a_content_length_line_that_is_not_utf8_is_skipped_past() {
        // Found by fuzzing: the decoder resynchronised on the same bad line forever.
        let b = frame(r#"{"id":2}"#);
        let stream = [b"Content-Length:\xe0\xd50\r\n\r\n{}".as_slice(), b.as_bytes()].concat();
        assert_eq!(decode(&stream), vec![Err(FrameError::Garbage), Ok(r#"{"id":2}"#.to_string())]);
    }

    #[test]
    fn a_refused_body_is_skipped_to_its_announced_end() {
        // An honest client's body over the limit: dropped as it arrives, never held.
        let body = "x".repeat(3 << 20);
        let mut decoder = Decoder { state: State::Skip { limit: Some(body.len() as u64) }, ..Decoder::default() };
        for piece in body.as_bytes().chunks(1 << 16) {
            decoder.push(piece);
            assert_eq!(decoder.next_frame(), None);
            assert!(decoder.buffer.len() < CONTENT_LENGTH.len());
        }
        decoder.push(frame("{}").as_bytes());
        assert_eq!(decoder.next_frame(), Some(Ok(b"{}".to_vec())));
    }

    #[test]
    fn memory_held_is_what_was_given_not_what_was_announced() {
        let mut decoder = Decoder::new();
        decoder.push(format!("Content-Length: {MAX_BODY}\r\n\r\n{{").as_bytes());
        assert_eq!(decoder.next_frame(), None);
        assert!(decoder.buffer.capacity() < 1 << 16);
    }
}
