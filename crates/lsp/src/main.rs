//! `eghact-lsp --stdio`: the Eghact language server. It only translates between the Language
//! Server Protocol and the engine; everything it knows of components comes from the engine crates (`eghact_ide`, `eghact_analysis`, `eghact_builder`).

use std::path::PathBuf;
use std::process::ExitCode;

use eghact_builder::compiler_version;
use eghact_builder::offload::run_compile_batch;
use eghact_lsp::{server, transport};
use tower_lsp_server::{LspService, Server};

// mimalloc, giving freed memory back to the system at once: glibc kept it in per-thread arenas,
// and mimalloc by default purges later, on the thread that freed it, and the blocking pool's
// threads sit idle after a request; either way a closed document's memory stayed resident.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` of mimalloc.h's `mi_option_e` (v2 and v3); libmimalloc-sys has no
/// constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // SAFETY: sets one of mimalloc's options; any value is valid for it.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag] if flag == "--stdio" => {}
        [mode, rest @ ..] if mode == "compile-batch" => return compile_batch(rest),
        [flag] if flag == "--version" => {
            println!("eghact-lsp {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("usage: eghact-lsp --stdio");
            return ExitCode::from(2);
        }
    }
    // Requests run on tokio's blocking threads and builds on rayon's: both get the stack the
    // engine's deepest accepted input needs (see `eghact_syntax::stack`).
    if let Err(error) = eghact_builder::start_rayon(None) {
        eprintln!("error: cannot start the worker threads: {error}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(eghact_syntax::stack::THREAD_STACK)
        .enable_all()
        .build()
    {
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
    end_now()
}

/// Ends the process at once, as `exit` asks. `std::process::exit` would run the C exit
/// handlers, among them mimalloc's forced collection of the main heap, which races the
/// threads still working (mimalloc issues 828, 1367) and can crash the process on its way out.
fn end_now() -> ! {
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    // SAFETY: `_exit` only ends the process; the protocol's last answer is flushed above and
    // nothing else this process holds needs an orderly ending (the build record is saved at
    // `shutdown`).
    unsafe { libc::_exit(0) }
}

/// `eghact-lsp compile-batch --out DIR [--project DIR] PATH=KEY...`, left out of the usage line:
/// the command of the remote actions of this server's builds, which upload this executable as
/// their compiler (`eghact compile-batch` is the same engine call). Its keys match the server's
/// because both use the engine's `compiler_version` of the same bytes.
fn compile_batch(args: &[String]) -> ExitCode {
    let usage = || {
        eprintln!("usage: eghact-lsp compile-batch --out DIR [--project DIR] PATH=KEY...");
        ExitCode::from(2)
    };
    let (mut out, mut project, mut items) = (None, Some(PathBuf::from(".")), Vec::new());
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().map(PathBuf::from),
            "--project" => project = args.next().map(PathBuf::from),
            flag if flag.starts_with('-') => return usage(),
            item => items.push(item.to_string()),
        }
    }
    let (Some(out), Some(project)) = (out, project) else { return usage() };
    if items.is_empty() {
        return usage();
    }
    match run_compile_batch(&project, &out, &items, compiler_version()) {
        Ok(refused) => {
            for refusal in refused {
                eprintln!("{refusal}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}
