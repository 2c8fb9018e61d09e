//! Stack for the stages that recurse once per level of a JavaScript tree: oxc's parser,
//! semantic analysis, transformer and printer, and our visitors of its trees.
//!
//! Invariant: the syntax parser refuses JavaScript nested deeper than
//! [`crate::nesting::MAX_NESTING`] (E0122), and every public entry point that hands
//! code to oxc runs under [`ensure`], so no input overflows a stack, whatever thread calls
//! the engine. Threads that the binaries start for the engine get [`THREAD_STACK`] up front,
//! so that [`ensure`] finds enough and only checks.

/// What the deepest accepted input needs, measured on unoptimised builds (about 3 KiB per
/// level of a parenthesised expression, the dearest kind) with a wide margin: the nesting
/// count can undercount by up to half, and a template's `{#each}` scopes add levels around
/// its expressions when the type checker reads them.
pub const REQUIRED: usize = 32 << 20;

/// The stack of a thread that runs the engine: [`REQUIRED`] and room for its caller. Only
/// the pages a thread touches are committed.
pub const THREAD_STACK: usize = REQUIRED + (16 << 20);

/// Runs `f` with at least [`REQUIRED`] bytes of stack left, on a new stack segment when the
/// current thread has less (an `mmap`, committed as it is touched).
pub fn ensure<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(REQUIRED, THREAD_STACK, f)
}

/// Runs `f` on a thread with [`THREAD_STACK`] (a binary's `main`, whose own stack the
/// system sizes); `None` when the thread cannot start or `f` panics.
pub fn on_engine_thread<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> Option<R> {
    std::thread::Builder::new().name("main".into()).stack_size(THREAD_STACK).spawn(f).ok()?.join().ok()
}
