//! End-to-end with a real editor: Debian's Neovim (installed by `scripts/test.sh`) runs headless and
//! drives `eghact-lsp --stdio` through its built-in LSP client (`tests/neovim/client.lua`), so the
//! server is checked against a client this project did not write, including its UTF-16 to byte
//! column conversion.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

const CLIENT: &str = include_str!("neovim/client.lua");

/// `{cout}` is a typo for `count`. The `→` before it is 3 bytes but 1 UTF-16 unit, so the column
/// Neovim reports (bytes) differs from the one on the wire (UTF-16) and a wrong conversion shows.
const APP: &str = "<script lang=\"ts\">\n  let count = 0;\n</script>\n<template>\n  <button @click=\"count += 1\">→ {cout} of {count}</button>\n</template>\n";

/// `cout` on line 4 (0-based) starts at byte 35 (UTF-16 column 33).
const TYPO: (u64, u64) = (4, 35);

/// The last byte of `count` in `{count}` on line 4. Neovim sends it as UTF-16 column 47; sent
/// unconverted, 49 would be read as byte 51 (`<` of `</button>`), where there is no hover.
const HOVER: (u64, u64) = (4, 49);

/// Far above a normal run (well under a second) but bounded: a hung Neovim must fail the test, not hang CI.
const TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn neovim_receives_diagnostics_and_hover() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let root = base.join("project");
    std::fs::create_dir_all(root.join("src")).unwrap();
    let app = root.join("src/App.egh");
    std::fs::write(&app, APP).unwrap();
    std::fs::write(base.join("client.lua"), CLIENT).unwrap();

    let mut nvim = Command::new("nvim");
    nvim.args(["--headless", "--clean", "-u", "NONE", "-n", "-c", "luafile client.lua"])
        .current_dir(&base)
        .env("EGHACT_LSP", env!("CARGO_BIN_EXE_eghact-lsp"))
        .env("EGHACT_ROOT", &root)
        .env("EGHACT_FILE", &app)
        .env("EGHACT_HOVER_LINE", HOVER.0.to_string())
        .env("EGHACT_HOVER_COL", HOVER.1.to_string());
    // Keep Neovim away from the developer's own configuration, state and logs.
    for var in ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"] {
        nvim.env(var, base.join("xdg"));
    }
    let report = run(nvim);

    let diagnostics = report["diagnostics"].as_array().unwrap_or_else(|| panic!("no diagnostics array: {report}"));
    let codes: Vec<&str> = diagnostics.iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["E0601"], "{report}");
    let typo = &diagnostics[0];
    assert_eq!((typo["lnum"].as_u64(), typo["col"].as_u64()), (Some(TYPO.0), Some(TYPO.1)), "{report}");
    assert!(typo["message"].as_str().is_some_and(|m| m.contains("cout")), "{report}");
    assert!(report["hover"].as_str().is_some_and(|h| h.contains("count: number")), "{report}");
}

/// Runs `nvim` to completion within [`TIMEOUT`] and parses the JSON object the Lua client printed.
fn run(mut nvim: Command) -> Value {
    let mut child = match nvim.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("`nvim` is not on PATH: run scripts/test.sh, which installs Debian's neovim")
        }
        Err(e) => panic!("cannot start nvim: {e}"),
    };
    let stdout = read_all(child.stdout.take().unwrap());
    let stderr = read_all(child.stderr.take().unwrap());
    let deadline = Instant::now() + TIMEOUT;
    let status: Option<ExitStatus> = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Bounded so that a process that kept a pipe open cannot hang the test after nvim is gone.
    let collect = |output: Receiver<String>| output.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
    let (stdout, stderr) = (collect(stdout), collect(stderr));
    match status {
        None => panic!("nvim did not finish within {} s and was killed; its stderr:\n{stderr}", TIMEOUT.as_secs()),
        Some(status) if !status.success() => panic!("nvim failed ({status}); its stderr:\n{stderr}\nits stdout:\n{stdout}"),
        Some(_) => serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("nvim's stdout is not one JSON object ({e}):\n{stdout}\nits stderr:\n{stderr}")),
    }
}

/// Reads a pipe to its end on a thread, so that neither of nvim's pipes can fill up and block it.
fn read_all(mut pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        let _ = sender.send(text);
    });
    receiver
}
