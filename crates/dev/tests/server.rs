//! The dev and preview servers answering real requests over TCP, written byte for byte so that
//! nothing normalises them first: paths that try to leave the project (`..`, encoded dots and
//! slashes, absolute paths, NUL bytes, a symlink out), hidden files, folders, foreign `Host`
//! headers (DNS rebinding) and WebSocket upgrades from other origins.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use eghact_builder::dependencies::DependencyBundler;
use eghact_builder::project::Project;
use eghact_dev::ServeOptions;

/// No npm packages in these projects.
struct NoPackages;

impl DependencyBundler for NoPackages {
    fn version(&self) -> String {
        "none".into()
    }

    fn bundle(&self, _root: &Path, _specifiers: &[String]) -> Result<Vec<(String, Vec<u8>)>, String> {
        Ok(Vec::new())
    }
}

/// A project with a page, a component, a hidden file, a secret beside it and links out.
fn project(outside: &Path) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = root.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "index.html",
        "<!doctype html><html><head></head><body><script type=module>import App from './src/App.egh';</script></body></html>",
    );
    write("src/App.egh", "<template><p>hi</p></template>\n<style>p { color: red; }</style>\n");
    write("src/logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
    write(".env", "SECRET=1");
    write("dist/index.html", "<!doctype html><p>bundle</p>");
    write("dist/assets/app.js", "console.log(1)");
    std::fs::write(outside.join("secret.txt"), "secret").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.join("secret.txt"), root.path().join("src/leak.txt")).unwrap();
        std::os::unix::fs::symlink(outside, root.path().join("dist/out")).unwrap();
    }
    root
}

fn options() -> ServeOptions {
    ServeOptions { host: "127.0.0.1".into(), port: 0, strict_port: true }
}

fn start_dev(root: &Path) -> SocketAddr {
    let project = Project::open(root).unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async move {
            let server = eghact_dev::dev(project, &options(), Arc::new(NoPackages), Arc::new(|_| {})).await.unwrap();
            sender.send(server.address()).unwrap();
            let _ = server.run().await;
        });
    });
    receiver.recv_timeout(Duration::from_secs(60)).unwrap()
}

fn start_preview(folder: &Path) -> SocketAddr {
    let folder = folder.to_path_buf();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async move {
            let server = eghact_dev::preview(&folder, &options()).await.unwrap();
            sender.send(server.address()).unwrap();
            let _ = server.run().await;
        });
    });
    receiver.recv_timeout(Duration::from_secs(60)).unwrap()
}

/// The status and the body of a request written as `head` (without the blank line).
fn request(address: SocketAddr, head: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stream.write_all(format!("{head}\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
    let mut response = Vec::new();
    let mut chunk = [0u8; 4096];
    // Until the server closes, or once a WebSocket's handshake is done (it stays open).
    while let Ok(read) = stream.read(&mut chunk) {
        if read == 0 {
            break;
        }
        response.extend_from_slice(&chunk[..read]);
        if response.starts_with(b"HTTP/1.1 101") && response.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default();
    (status, body)
}

fn get(address: SocketAddr, path: &str) -> (u16, String) {
    request(address, &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}", address.port()))
}

const ESCAPES: &[&str] = &[
    "/../../../../etc/passwd",
    "/src/../../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/src/..%2f..%2fetc/passwd",
    "/src%2f..%2f..%2fetc%2fpasswd",
    "/..%5c..%5cetc%5cpasswd",
    "//etc/passwd",
    "/%2fetc/passwd",
    "/src/App.egh%00.js",
    "/.env",
    "/%2eenv",
];

#[test]
fn the_dev_server_serves_nothing_outside_the_project() {
    let outside = tempfile::tempdir().unwrap();
    let root = project(outside.path());
    let address = start_dev(root.path());
    let (status, page) = get(address, "/");
    assert_eq!(status, 200);
    assert!(page.contains("/@eghact/client.js"), "{page}");
    let (status, module) = get(address, "/src/App.egh");
    assert_eq!(status, 200);
    assert!(module.contains("hot_component") && module.contains("hot_style"), "{module}");
    assert_eq!(get(address, "/src/logo.svg").0, 200);
    for path in ESCAPES {
        let (status, body) = get(address, path);
        assert!(status == 403 || status == 404, "{path}: {status}");
        assert!(!body.contains("root:") && !body.contains("SECRET") && !body.contains("secret"), "{path}: {body}");
    }
    #[cfg(unix)]
    assert_eq!(get(address, "/src/leak.txt").0, 403, "a link out of the project");
    assert_eq!(get(address, "/src").0, 404, "no directory listings");
    assert_eq!(get(address, "/src/").0, 403, "no directory listings");
    // An absolute URL in the request line names the same path, never the file system's.
    assert_eq!(
        request(address, &format!("GET http://127.0.0.1:{0}/../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1:{0}", address.port())).0,
        403
    );
}

#[test]
fn foreign_hosts_and_origins_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    let root = project(outside.path());
    let address = start_dev(root.path());
    let port = address.port();
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")] {
        assert_eq!(request(address, &format!("GET / HTTP/1.1\r\nHost: {host}")).0, 200, "{host}");
    }
    for host in [format!("evil.example:{port}"), "evil.example".into(), format!("localhost.evil.example:{port}")] {
        assert_eq!(request(address, &format!("GET /src/App.egh HTTP/1.1\r\nHost: {host}")).0, 403, "{host}");
    }
    assert_eq!(request(address, "GET / HTTP/1.0").0, 403, "no Host at all");
    let upgrade = |origin: &str| {
        request(
            address,
            &format!(
                "GET /@eghact/hmr HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{origin}"
            ),
        )
        .0
    };
    assert_eq!(upgrade(&format!("Origin: http://127.0.0.1:{port}")), 101);
    assert_eq!(upgrade(&format!("Origin: http://localhost:{port}")), 101);
    assert_eq!(upgrade("Origin: http://evil.example"), 403);
    assert_eq!(upgrade(&format!("Origin: http://evil.example:{port}")), 403);
    assert_eq!(upgrade("Origin: null"), 403);
    assert_eq!(upgrade(""), 403, "no Origin");
    let open = |headers: &str| {
        request(
            address,
            &format!("GET /__open-in-editor?file=src/App.egh&line=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}"),
        )
        .0
    };
    assert_eq!(open("Sec-Fetch-Site: cross-site"), 403, "another site cannot open files");
    assert_eq!(open("Origin: http://evil.example"), 403);
}

#[test]
fn preview_serves_the_bundle_with_history_fallback_and_the_same_rules() {
    let outside = tempfile::tempdir().unwrap();
    let root = project(outside.path());
    let address = start_preview(&root.path().join("dist"));
    let port = address.port();
    assert_eq!(get(address, "/").1, "<!doctype html><p>bundle</p>");
    assert_eq!(get(address, "/assets/app.js"), (200, "console.log(1)".into()));
    let navigation =
        |path: &str| request(address, &format!("GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nAccept: text/html"));
    assert_eq!(navigation("/users/1"), (200, "<!doctype html><p>bundle</p>".into()), "a route URL gets the page");
    assert_eq!(navigation("/assets/missing.js").0, 404, "a missing file is no route");
    assert_eq!(get(address, "/users/1").0, 404, "only navigations fall back");
    assert_eq!(get(address, "/assets").0, 404, "no directory listings");
    for path in ESCAPES {
        let (status, body) = get(address, path);
        assert!(status == 403 || status == 404, "{path}: {status}");
        assert!(!body.contains("secret") && !body.contains("root:"), "{path}: {body}");
    }
    #[cfg(unix)]
    assert_eq!(get(address, "/out/secret.txt").0, 403, "a link out of the output folder");
    assert_eq!(request(address, &format!("GET / HTTP/1.1\r\nHost: evil.example:{port}")).0, 403);
}
