//! The HTTP side of both servers (axum on tokio): binding, the `Host` guard, static files, and
//! for `eghact dev` the page, the compiled modules, the runtime, the pre-bundled packages, the
//! hot-replacement socket and the editor link; the file watcher feeds the engine on a thread.
//!
//! Invariants: every request passes the [`Guard`] first (403 otherwise); request paths go
//! through `paths` (403/404, no listings); the engine's lock is taken only on blocking threads
//! and never across a compile or an `.await`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ws::{Message as Frame, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use eghact_builder::dependencies::DependencyBundler;
use eghact_builder::project::Project;
use eghact_builder::watch::SourceWatcher;
use tokio::net::TcpListener;
use tokio::sync::broadcast;

use crate::client::{CLIENT_SOURCE, CLIENT_URL, HMR_URL, OPEN_URL};
use crate::engine::{Engine, PAGE, Target};
use crate::error::DevError;
use crate::guard::Guard;
use crate::paths::{Refusal, content_type, file_in, request_path};
use crate::protocol::{Message, encode};

/// Where a server listens.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// `127.0.0.1` unless the user says otherwise.
    pub host: String,
    pub port: u16,
    /// Fail when the port is taken, instead of trying the next ones.
    pub strict_port: bool,
}

/// What the dev server tells its owner (the command line prints it).
#[derive(Clone, Debug)]
pub enum DevEvent {
    /// Files changed under the source folder.
    Changed {
        paths: Vec<String>,
    },
    /// Components the page imports again.
    Updated {
        paths: Vec<String>,
    },
    /// A component whose stylesheet alone changed.
    Styled {
        path: String,
    },
    Reload {
        reason: String,
    },
    /// Each compile error as a rendered diagnostic; empty when the last one was fixed.
    Errors {
        rendered: Vec<String>,
    },
    /// Something that did not stop the server (a watcher error).
    Warning {
        message: String,
    },
}

pub type EventSink = Arc<dyn Fn(DevEvent) + Send + Sync>;

/// A bound server, ready to run.
pub struct Server {
    listener: TcpListener,
    router: Router,
    address: SocketAddr,
    /// Stops the dev server's watcher thread when the server goes.
    _stop: Option<StopOnDrop>,
}

impl Server {
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The URL to open (`http://127.0.0.1:5173/`).
    pub fn url(&self) -> String {
        match self.address {
            SocketAddr::V6(v6) => format!("http://[{}]:{}/", v6.ip(), v6.port()),
            SocketAddr::V4(v4) => format!("http://{v4}/"),
        }
    }

    /// Serves until the process ends.
    pub async fn run(self) -> Result<(), DevError> {
        let Server { listener, router, _stop, .. } = self;
        axum::serve(listener, router).await.map_err(DevError::Serve)
    }
}

struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

async fn bind(options: &ServeOptions) -> Result<(TcpListener, Guard), DevError> {
    let attempts = if options.strict_port || options.port == 0 { 1 } else { 20 };
    let mut last = None;
    for offset in 0..attempts {
        let port = options.port.saturating_add(offset);
        let address = match options.host.contains(':') && !options.host.starts_with('[') {
            true => format!("[{}]:{port}", options.host),
            false => format!("{}:{port}", options.host),
        };
        match TcpListener::bind(&address).await {
            Ok(listener) => {
                let port = listener.local_addr().map_err(|source| DevError::Bind { address: address.clone(), source })?.port();
                return Ok((listener, Guard::new(&options.host, port)));
            }
            Err(source) => last = Some(DevError::Bind { address, source }),
        }
    }
    Err(last.unwrap_or_else(|| DevError::Bind { address: options.host.clone(), source: std::io::ErrorKind::AddrInUse.into() }))
}

/// The guard every request passes first.
async fn guard_host(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|value| value.to_str().ok());
    match guard.allows_host(host) {
        true => next.run(request).await,
        false => {
            refused(StatusCode::FORBIDDEN, "this host is not allowed (DNS rebinding protection): open the URL the server printed")
        }
    }
}

fn refused(status: StatusCode, why: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{why}\n")).into_response()
}

fn refusal(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Forbidden => refused(StatusCode::FORBIDDEN, "forbidden"),
        Refusal::NotFound => refused(StatusCode::NOT_FOUND, "not found"),
    }
}

fn body(content_type: &str, bytes: impl Into<Body>) -> Response {
    let mut response = Response::new(bytes.into());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("text/plain")));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

const JS: &str = "text/javascript; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// A file read as it is, or 404.
fn file(path: &Path) -> Response {
    match std::fs::read(path) {
        Ok(bytes) => body(content_type(&path.to_string_lossy()), bytes),
        Err(_) => refusal(Refusal::NotFound),
    }
}

/// Whether a browser navigates to this URL (it asks for HTML and names no file): a routed
/// app's page, served the page itself (history-API fallback).
fn is_navigation(headers: &HeaderMap, relative: &str) -> bool {
    let html = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains("text/html"));
    html && !relative.rsplit('/').next().unwrap_or("").contains('.')
}

// ---------------------------------------------------------------- eghact dev

struct Dev {
    engine: Mutex<Engine>,
    messages: broadcast::Sender<String>,
    events: EventSink,
    bundler: Arc<dyn DependencyBundler>,
    guard: Arc<Guard>,
}

impl Dev {
    fn engine(&self) -> MutexGuard<'_, Engine> {
        // A panic while holding the lock leaves the engine as usable as before it.
        self.engine.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn send(&self, message: &Message) {
        // No page connected is no error.
        let _ = self.messages.send(encode(message));
    }

    fn errors_changed(&self, engine: &Engine) {
        let errors = engine.errors();
        (self.events)(DevEvent::Errors { rendered: errors.iter().map(|error| error.frame.clone()).collect() });
        self.send(&Message::Errors { errors });
    }
}

/// `eghact dev`: binds the server of `project` and starts watching its source folder.
pub async fn dev(
    project: Project,
    options: &ServeOptions,
    bundler: Arc<dyn DependencyBundler>,
    events: EventSink,
) -> Result<Server, DevError> {
    let src = project.src_dir();
    let engine = Engine::open(project)?;
    let watcher = SourceWatcher::new(engine.root(), &src, Duration::from_millis(20))?;
    let (listener, guard) = bind(options).await?;
    let address = listener.local_addr().map_err(|source| DevError::Bind { address: options.host.clone(), source })?;
    let (messages, _) = broadcast::channel(1024);
    let guard = Arc::new(guard);
    let dev = Arc::new(Dev { engine: Mutex::new(engine), messages, events, bundler, guard: guard.clone() });
    let stop = Arc::new(AtomicBool::new(false));
    let watching = dev.clone();
    let stopped = stop.clone();
    std::thread::Builder::new()
        .name("eghact-dev-watch".into())
        .stack_size(eghact_syntax::stack::THREAD_STACK)
        .spawn(move || watch(&watching, &watcher, &stopped))
        .map_err(|source| DevError::Io { path: src, source })?;
    let router = Router::new()
        .route(HMR_URL, get(socket))
        .fallback(dev_request)
        .with_state(dev)
        .layer(middleware::from_fn_with_state(guard, guard_host));
    Ok(Server { listener, router, address, _stop: Some(StopOnDrop(stop)) })
}

/// The watcher's thread: each batch of changes goes into the engine, and what it means to
/// the page and to the terminal.
fn watch(dev: &Dev, watcher: &SourceWatcher, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let Some(batch) = watcher.next_batch(Duration::from_millis(250)) else { continue };
        for error in batch.errors {
            (dev.events)(DevEvent::Warning { message: format!("file watcher: {error}") });
        }
        let mut engine = dev.engine();
        let (changed, messages) = match engine.apply(batch.paths, batch.rescan) {
            Ok(outcome) => outcome,
            Err(error) => {
                (dev.events)(DevEvent::Warning { message: error.to_string() });
                continue;
            }
        };
        drop(engine);
        if changed.is_empty() {
            continue;
        }
        (dev.events)(DevEvent::Changed { paths: changed });
        for message in &messages {
            let event = match message {
                Message::Update { updates } => {
                    Some(DevEvent::Updated { paths: updates.iter().map(|u| u.path.clone()).collect() })
                }
                Message::Style { path, .. } => Some(DevEvent::Styled { path: path.clone() }),
                Message::Reload { reason } => Some(DevEvent::Reload { reason: reason.clone() }),
                Message::Errors { errors } => {
                    Some(DevEvent::Errors { rendered: errors.iter().map(|e| e.frame.clone()).collect() })
                }
                Message::Connected => None,
            };
            if let Some(event) = event {
                (dev.events)(event);
            }
            dev.send(message);
        }
    }
}

/// The hot-replacement socket: only for the server's own pages.
async fn socket(State(dev): State<Arc<Dev>>, headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|value| value.to_str().ok());
    if !dev.guard.allows_origin(origin) {
        return refused(StatusCode::FORBIDDEN, "this origin may not open the dev server's socket");
    }
    upgrade.on_upgrade(move |socket| talk(dev, socket))
}

async fn talk(dev: Arc<Dev>, mut socket: WebSocket) {
    let mut messages = dev.messages.subscribe();
    let errors = {
        let dev = dev.clone();
        tokio::task::spawn_blocking(move || dev.engine().errors()).await.unwrap_or_default()
    };
    let mut greeting = vec![encode(&Message::Connected)];
    if !errors.is_empty() {
        greeting.push(encode(&Message::Errors { errors }));
    }
    for text in greeting {
        if socket.send(Frame::Text(text.into())).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            message = messages.recv() => {
                let text = match message {
                    Ok(text) => text,
                    // Too far behind to replay: the page loads again.
                    Err(broadcast::error::RecvError::Lagged(_)) => encode(&Message::Reload { reason: "too many changes at once".into() }),
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if socket.send(Frame::Text(text.into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Frame::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

async fn dev_request(State(dev): State<Arc<Dev>>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let headers = parts.headers;
    let answered = tokio::task::spawn_blocking(move || match path.as_str() {
        CLIENT_URL => body(JS, CLIENT_SOURCE),
        OPEN_URL => open_in_editor(&dev, &headers, &query),
        _ => dev_path(&dev, &path, &headers),
    })
    .await;
    answered.unwrap_or_else(|_| refused(StatusCode::INTERNAL_SERVER_ERROR, "the request failed"))
}

fn dev_path(dev: &Dev, raw: &str, headers: &HeaderMap) -> Response {
    let relative = match request_path(raw) {
        Ok(relative) => relative,
        Err(why) => return refusal(why),
    };
    let target = dev.engine().target(&relative);
    match target {
        Ok(Target::Page) => page(dev),
        Ok(Target::Runtime) => body(JS, Engine::runtime()),
        Ok(Target::RouteManifest) => match dev.engine().route_manifest() {
            Some(manifest) => body(JS, manifest),
            None => refusal(Refusal::NotFound),
        },
        Ok(Target::Dependency(name)) => dependency(dev, &name),
        Ok(Target::Module { path, map }) => module(dev, &path, raw, map),
        Ok(Target::File(path)) => file(&path),
        Err(Refusal::NotFound) if is_navigation(headers, &relative) => page(dev),
        Err(why) => refusal(why),
    }
}

fn page(dev: &Dev) -> Response {
    match dev.engine().page() {
        Ok(html) => body(HTML, html),
        Err(error) => refused(StatusCode::NOT_FOUND, &format!("{error}: the dev server serves the project's {PAGE}")),
    }
}

/// A compiled module: from the engine's cache, or compiled now away from its lock.
fn module(dev: &Dev, path: &str, url: &str, map: bool) -> Response {
    let url = url.strip_suffix(".map").filter(|_| map).unwrap_or(url);
    // A compile that a change overtook is done again; changes come at human speed.
    for _ in 0..8 {
        let job = {
            let mut engine = dev.engine();
            if let Some(served) = engine.cached(path) {
                engine.loaded(path, url);
                return served_module(&engine, path, &served, map);
            }
            match engine.job(path) {
                Some(job) => job,
                None => return refusal(Refusal::NotFound),
            }
        };
        let Some(compiled) = job.run() else { continue };
        let mut engine = dev.engine();
        let Ok(recorded) = engine.record(path, url, compiled) else { continue };
        if recorded.errors_changed {
            dev.errors_changed(&engine);
        }
        return match recorded.served {
            Some(served) => served_module(&engine, path, &served, map),
            None => (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, JS)],
                format!("throw new Error({:?});\n", format!("{path} does not compile: see the overlay")),
            )
                .into_response(),
        };
    }
    refused(StatusCode::SERVICE_UNAVAILABLE, "the project keeps changing: try again")
}

fn served_module(engine: &Engine, path: &str, served: &crate::graph::Served, map: bool) -> Response {
    match map {
        true => body("application/json; charset=utf-8", served.map.clone()),
        false => body(JS, engine.module_text(path, served)),
    }
}

/// A pre-bundled package module, bundling what the project imports when that changed.
fn dependency(dev: &Dev, name: &str) -> Response {
    let (packages, current) = dev.engine().dependencies();
    let modules = match current {
        Some(modules) => modules,
        None => {
            let root = dev.engine().root().to_path_buf();
            let bundler = dev.bundler.clone();
            let wanted = packages.clone();
            // Rolldown runs its own runtime, which cannot start on one of ours.
            let bundled = std::thread::spawn(move || bundler.bundle(&root, &wanted)).join();
            match bundled {
                Ok(Ok(files)) => {
                    let modules: Arc<BTreeMap<String, Vec<u8>>> = Arc::new(files.into_iter().collect());
                    dev.engine().set_dependencies(packages, modules.clone());
                    modules
                }
                Ok(Err(error)) => {
                    (dev.events)(DevEvent::Warning { message: format!("cannot pre-bundle the npm packages: {error}") });
                    return refused(StatusCode::INTERNAL_SERVER_ERROR, &format!("cannot pre-bundle the npm packages: {error}"));
                }
                Err(_) => return refused(StatusCode::INTERNAL_SERVER_ERROR, "pre-bundling the npm packages failed"),
            }
        }
    };
    match modules.get(name) {
        Some(bytes) => body(JS, bytes.clone()),
        None => refusal(Refusal::NotFound),
    }
}

/// Opens a file of the project in the user's editor: `$EGHACT_EDITOR` (a command to which
/// `FILE:LINE:COLUMN` is appended) or VS Code's `code --goto`. Only the server's own pages may
/// ask (`Sec-Fetch-Site`), and only for a file inside the project.
fn open_in_editor(dev: &Dev, headers: &HeaderMap, query: &str) -> Response {
    let site = headers.get("sec-fetch-site").and_then(|value| value.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|value| value.to_str().ok());
    let same_site = match site {
        Some(site) => site == "same-origin" || site == "none",
        None => dev.guard.allows_origin(origin),
    };
    if !same_site {
        return refused(StatusCode::FORBIDDEN, "only the dev server's own pages open files");
    }
    let fields: BTreeMap<String, String> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.to_string(), percent_encoding::percent_decode_str(value).decode_utf8_lossy().into_owned()))
        .collect();
    let Some(file) = fields.get("file") else {
        return refused(StatusCode::BAD_REQUEST, "no file");
    };
    let number = |key: &str| fields.get(key).and_then(|value| value.parse::<u32>().ok()).unwrap_or(1);
    let root = dev.engine().root().to_path_buf();
    let real = match request_path(&format!("/{file}")).and_then(|relative| file_in(&root, &relative)) {
        Ok(real) => real,
        Err(why) => return refusal(why),
    };
    let place = format!("{}:{}:{}", real.display(), number("line"), number("column"));
    let (program, mut args) = match std::env::var("EGHACT_EDITOR").ok().filter(|command| !command.trim().is_empty()) {
        Some(command) => {
            let mut words = command.split_whitespace().map(String::from);
            (words.next().unwrap_or_default(), words.collect::<Vec<_>>())
        }
        None => ("code".to_string(), vec!["--goto".to_string()]),
    };
    args.push(place);
    match std::process::Command::new(&program).args(&args).spawn() {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => refused(StatusCode::INTERNAL_SERVER_ERROR, &format!("cannot run {program}: {error} (set EGHACT_EDITOR)")),
    }
}

// ---------------------------------------------------------------- eghact preview

/// `eghact preview`: the output folder served as it would be deployed: its files as they are,
/// and its `index.html` for any navigation that names no file (a routed app's URLs).
pub async fn preview(folder: &Path, options: &ServeOptions) -> Result<Server, DevError> {
    let root = folder.canonicalize().map_err(|source| DevError::Io { path: folder.to_path_buf(), source })?;
    let (listener, guard) = bind(options).await?;
    let address = listener.local_addr().map_err(|source| DevError::Bind { address: options.host.clone(), source })?;
    let router = Router::new()
        .fallback(preview_request)
        .with_state(Arc::new(root))
        .layer(middleware::from_fn_with_state(Arc::new(guard), guard_host));
    Ok(Server { listener, router, address, _stop: None })
}

async fn preview_request(State(root): State<Arc<PathBuf>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let headers = request.headers().clone();
    let answered = tokio::task::spawn_blocking(move || {
        let relative = match request_path(&path) {
            Ok(relative) => relative,
            Err(why) => return refusal(why),
        };
        let page = || file_in(&root, PAGE).map(|page| file(&page)).unwrap_or_else(refusal);
        match file_in(&root, if relative.is_empty() { PAGE } else { &relative }) {
            Ok(found) => file(&found),
            Err(Refusal::NotFound) if is_navigation(&headers, &relative) => page(),
            // A folder of the bundle: its index.html, never a listing.
            Err(Refusal::NotFound) => {
                file_in(&root, &format!("{relative}/{PAGE}")).map(|index| file(&index)).unwrap_or_else(refusal)
            }
            Err(why) => refusal(why),
        }
    })
    .await;
    answered.unwrap_or_else(|_| refused(StatusCode::INTERNAL_SERVER_ERROR, "the request failed"))
}
