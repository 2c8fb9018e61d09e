//! Framing of stdin in front of tower-lsp-server. A message whose body does not decode is
//! replaced by a request that answers its JSON-RPC error: tower-lsp-server reads through
//! tokio-util's `FramedRead`, which stops for good after one decode error
//! (tokio-rs/tokio#3976), so a single bad message from a client would end the server.

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Request, Response, Result};

/// The method of the stand-in request; its `code` param is the error to answer.
pub const INVALID_MESSAGE: &str = "eghact/invalidMessage";

/// Copies framed messages from `input` to `output` until `input` ends.
pub async fn pump(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
    let mut input = BufReader::new(input);
    loop {
        let mut length = None;
        let mut headers = 0;
        loop {
            let mut line = String::new();
            match input.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end();
            if line.is_empty() {
                // Blank lines before any header are noise between messages.
                if headers > 0 {
                    break;
                }
                continue;
            }
            headers += 1;
            if let Some((name, value)) = line.split_once(':')
                && name.trim().eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let body = match length {
            Some(length) => {
                let mut body = vec![0; length];
                if input.read_exact(&mut body).await.is_err() {
                    return;
                }
                checked(body)
            }
            None => stand_in(ErrorCode::ParseError),
        };
        let framed = [format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes(), body].concat();
        if output.write_all(&framed).await.is_err() {
            return;
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
    stand_in(if json { ErrorCode::InvalidRequest } else { ErrorCode::ParseError })
}

fn stand_in(code: ErrorCode) -> Vec<u8> {
    json!({ "jsonrpc": "2.0", "id": null, "method": INVALID_MESSAGE, "params": { "code": code.code() } }).to_string().into_bytes()
}

/// The answer to the stand-in request: the error of the message it replaced.
pub async fn invalid_message(params: Value) -> Result<Value> {
    let code = params["code"].as_i64().map_or(ErrorCode::ParseError, ErrorCode::from);
    Err(Error::new(code))
}
