//! `eghact dev` and `eghact preview`: the dev server, which compiles the project's modules from
//! memory when the page asks for them and replaces them in the page as their files change
//! (hot replacement over a WebSocket, an error overlay), and the preview server of a
//! production bundle.
//!
//! Invariants: nothing is written to the project; nothing outside the project root (the
//! output folder for `preview`) is served; only requests whose `Host` names this machine or
//! the bound host are answered, and the socket only opens for the server's own pages; the page
//! only gets modules without errors. This crate knows no LSP; the command line drives it.

mod client;
mod engine;
mod error;
mod graph;
mod guard;
mod paths;
pub mod protocol;
mod server;

pub use client::{CLIENT_URL, HMR_URL, OPEN_URL};
pub use error::DevError;
pub use guard::Guard;
pub use paths::{Refusal, file_in, request_path};
pub use server::{DevEvent, EventSink, ServeOptions, Server, dev, preview};
