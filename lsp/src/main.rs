//! `eghact-lsp --stdio`: the Eghact language server. It only translates between the Language
//! Server Protocol and the engine; everything it knows comes from `eghact_engine`.

mod build;
mod code_action;
mod completion;
mod convert;
mod definition;
mod diagnostics;
mod folding;
mod hover;
mod inlay_hints;
mod linked_editing;
mod references;
mod rename;
mod server;
mod session;
mod symbols;

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
        let (service, socket) = LspService::new(server::Server::new);
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket).serve(service).await;
    });
    ExitCode::SUCCESS
}
