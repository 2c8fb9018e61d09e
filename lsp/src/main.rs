//! `eghact-lsp --stdio`: the Eghact language server. It only translates between the Language
//! Server Protocol and the engine; everything it knows comes from `eghact_engine`.

mod build;
mod code_action;
mod completion;
mod convert;
mod definition;
mod diagnostics;
mod folding;
mod formatting;
mod hover;
mod indexing;
mod inlay_hints;
mod linked_editing;
mod progress;
mod references;
mod rename;
mod selection_range;
mod semantic_tokens;
mod server;
mod session;
mod signature_help;
mod symbols;
mod transport;
mod workspace_symbols;

use std::process::ExitCode;

use tower_lsp_server::{LspService, Server};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag] if flag == "--stdio" => {}
        [flag] if flag == "--version" => {
            println!("eghact-lsp {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("usage: eghact-lsp --stdio");
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the server's runtime: {error}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async {
        let (service, socket) = LspService::build(server::Server::new)
            .custom_method("eghact/buildWorkspace", server::Server::build_workspace)
            .custom_method("eghact/buildFile", server::Server::build_file)
            .custom_method(transport::INVALID_MESSAGE, |_: &server::Server, params| transport::invalid_message(params))
            .finish();
        let (reader, writer) = tokio::io::duplex(1 << 16);
        tokio::spawn(transport::pump(tokio::io::stdin(), writer));
        // Requests run on the blocking pool; more of them than the default 4 may be in
        // flight, so that a slow one never holds up the messages behind it.
        Server::new(reader, tokio::io::stdout(), socket).concurrency_level(64).serve(service).await;
    });
    // Work still running (indexing, a request cancelled by `exit`, the file watcher's
    // thread) must not keep the process alive after `exit`.
    runtime.shutdown_background();
    ExitCode::SUCCESS
}
