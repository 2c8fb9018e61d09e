//! End-to-end tests of the `eghact` binary.

use std::fs;
use std::path::Path;
use std::process::Command;

mod project;
use project::{eghact, project};

#[test]
fn builds_the_example_app() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/app");
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_eghact"))
        .args(["build", example.to_str().unwrap(), "--out", out.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("0 errors"), "{stdout}");
    for file in ["App.js", "App.css", "App.js.map", "eghact-runtime.js"] {
        assert!(out.path().join(file).is_file(), "missing {file}");
    }
}

#[test]
fn errors_fail_the_build_and_write_nothing() {
    let dir = project(&[
        ("src/Good.egh", "<template><p>ok</p></template>"),
        ("src/nested/Bad.egh", "<template>\n  <p>{count +}</p>\n</template>"),
    ]);
    let output = eghact(&["build"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error[E0130]"), "{stderr}");
    assert!(stderr.contains("--> src/nested/Bad.egh:2:14"), "{stderr}");
    assert!(dir.path().join("dist/Good.js").is_file());
    assert!(!dir.path().join("dist/nested/Bad.js").exists());
}

#[test]
fn check_reports_json_without_writing() {
    let dir = project(&[("src/A.egh", "<template>{{ name }}</template>\n<script>let name = 'x';</script>")]);
    let output = eghact(&["check", "--json"], dir.path());
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["errors"], 0);
    assert_eq!(report["diagnostics"][0]["code"], "W0101");
    assert_eq!(report["diagnostics"][0]["line"], 1);
    assert_eq!(report["diagnostics"][0]["column"], 11);
    assert!(!dir.path().join("dist").exists());
    assert!(!dir.path().join(".eghact").exists(), "a check writes no cache");
}

#[test]
fn nested_components_import_the_runtime_relatively() {
    let dir = project(&[("eghact.toml", "out = \"public\"\n"), ("src/ui/Button.egh", "<template><button>b</button></template>")]);
    let output = eghact(&["build"], dir.path());
    assert!(output.status.success());
    let js = fs::read_to_string(dir.path().join("public/ui/Button.js")).unwrap();
    assert!(js.contains("from \"../eghact-runtime.js\""), "{js}");
    let map: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("public/ui/Button.js.map")).unwrap()).unwrap();
    assert_eq!(map["sources"][0], "../../src/ui/Button.egh");
}

#[test]
fn a_bad_config_is_a_clear_error() {
    let dir = project(&[("eghact.toml", "srcc = 1\n"), ("src/A.egh", "<template/>")]);
    let output = eghact(&["build"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("eghact.toml"));
}

/// Polls `condition` for up to 30 s.
fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !condition() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn watch_rebuilds_changes_made_outside_an_editor() {
    use std::io::BufRead as _;
    let dir = project(&[("src/A.egh", "<template><p>one</p></template>"), ("src/B.egh", "<template><p>b</p></template>")]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_eghact"))
        .args(["build", "--watch"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let watching = received.recv_timeout(std::time::Duration::from_secs(30));
    assert!(watching.as_deref().is_ok_and(|l| l.starts_with("watching")), "{watching:?}");
    assert!(dir.path().join("dist/B.js").is_file());

    // Like a `git checkout`: several files change at once.
    fs::write(dir.path().join("src/A.egh"), "<template><p>two</p></template>").unwrap();
    fs::write(dir.path().join("src/C.egh"), "<template><p>c</p></template>").unwrap();
    fs::remove_file(dir.path().join("src/B.egh")).unwrap();
    let a = dir.path().join("dist/A.js");
    eventually("the rebuild", || {
        fs::read_to_string(&a).is_ok_and(|js| js.contains("two"))
            && dir.path().join("dist/C.js").is_file()
            && !dir.path().join("dist/B.js").exists()
    });
    child.kill().unwrap();
    child.wait().unwrap();
}

fn summary(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let path = dir.join("summary.json");
    let mut args = vec!["build", "--summary", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = eghact(&args, dir);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_summary_explains_every_rebuild() {
    let dir = project(&[
        ("eghact.toml", "[cache]\nenv = [\"EGHACT_TEST_FLAVOUR\"]\n"),
        ("src/A.egh", "<script>import B from './B.egh';</script><template><B /></template>"),
        ("src/B.egh", "<template><p>b</p></template>"),
    ]);
    let cold = summary(dir.path(), &[]);
    assert_eq!(cold["totals"]["misses"], 2);
    assert_eq!(cold["files"][0]["state"], "miss");
    assert!(cold["files"][0]["key"].as_str().is_some_and(|k| k.len() == 64));
    assert!(cold["phases"]["totalMs"].as_f64().is_some());
    assert!(
        cold["compileTimeHistogram"].as_array().is_some_and(|b| b.iter().map(|b| b["count"].as_u64().unwrap()).sum::<u64>() == 2)
    );

    fs::write(dir.path().join("src/B.egh"), "<script>export let n = 1;</script><template><p>{n}</p></template>").unwrap();
    let edited = summary(dir.path(), &[]);
    let changes: Vec<_> = edited["files"].as_array().unwrap().iter().map(|f| (f["path"].clone(), f["changes"].clone())).collect();
    assert_eq!(changes[0].1, serde_json::json!([{ "input": "importSignature", "name": "src/B.egh" }]));
    assert_eq!(changes[1].1, serde_json::json!([{ "input": "source" }]));

    // A variable named in the config is part of every key.
    let path = dir.path().join("summary.json");
    let output = Command::new(env!("CARGO_BIN_EXE_eghact"))
        .args(["build", "--summary", path.to_str().unwrap()])
        .arg(dir.path())
        .env("EGHACT_TEST_FLAVOUR", "dark")
        .output()
        .unwrap();
    assert!(output.status.success());
    let env: serde_json::Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(env["totals"]["misses"], 2);
    assert_eq!(env["files"][0]["changes"], serde_json::json!([{ "input": "env", "name": "EGHACT_TEST_FLAVOUR" }]));
}

/// A cache shared by projects is the user's choice (`--cache-dir`, `EGHACT_CACHE_DIR`); a
/// project's `[cache] dir` stays inside it.
#[test]
fn projects_can_share_a_cache_and_trim_it() {
    let shared = tempfile::tempdir().unwrap();
    let cache = shared.path().join("cache");
    let component = "<script>export let n = 1;</script><template><p>{n}</p></template>";
    let first = project(&[("src/Card.egh", component)]);
    let second = project(&[("src/Card.egh", component)]);
    let flag = ["--cache-dir", cache.to_str().unwrap()];
    assert_eq!(summary(first.path(), &flag)["totals"]["misses"], 1);
    let path = second.path().join("summary.json");
    let output = Command::new(env!("CARGO_BIN_EXE_eghact"))
        .args(["build", "--summary", path.to_str().unwrap()])
        .arg(second.path())
        .env("EGHACT_CACHE_DIR", &cache)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let reused: serde_json::Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(reused["totals"]["hits"], 1, "{reused}");
    assert_eq!(reused["files"][0]["tier"], "disk");
    assert!(!second.path().join(".eghact/cache").exists(), "the project's own cache is not used");

    let cache_command = |action: &str| eghact(&["cache", action, "--cache-dir", cache.to_str().unwrap()], first.path());
    let stats: serde_json::Value = serde_json::from_slice(&cache_command("stats").stdout).unwrap();
    assert_eq!(stats["entries"], 1);
    assert!(cache_command("gc").status.success());
    assert!(cache_command("clear").status.success());
    let stats: serde_json::Value = serde_json::from_slice(&cache_command("stats").stdout).unwrap();
    assert_eq!(stats["entries"], 0);

    // The project may not name it.
    let config = format!("[cache]\ndir = {cache:?}\n");
    let third = project(&[("eghact.toml", &config), ("src/Card.egh", component)]);
    let output = eghact(&["build"], third.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error[E0701]: `[cache] dir` leaves the project") && stderr.contains("eghact.toml:2:7"),
        "{stderr}"
    );
}

/// Issue 14, item 1: a project's configuration cannot make a build write over the project or
/// outside it, and `--out` never lands in the sources.
#[test]
fn a_project_cannot_point_its_outputs_at_its_own_files() {
    let dir = project(&[("eghact.toml", "out = \".\"\n"), ("index.html", "<!doctype html>\n"), ("src/index.html", "<p>x</p>\n")]);
    let output = eghact(&["build"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error[E0704]") && stderr.contains("eghact.toml:1:7") && stderr.contains("out = \".\""), "{stderr}");
    assert_eq!(fs::read_to_string(dir.path().join("eghact.toml")).unwrap(), "out = \".\"\n");
    assert_eq!(fs::read_to_string(dir.path().join("index.html")).unwrap(), "<!doctype html>\n");

    let dir = project(&[("src/Util.js", "export const util = 1;\n"), ("src/A.egh", "<template/>")]);
    let inside = dir.path().join("src");
    let output = eghact(&["build", "--out", inside.to_str().unwrap()], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error[E0705]") && stderr.contains("--out"), "{stderr}");
    assert_eq!(fs::read_dir(&inside).unwrap().count(), 2, "nothing was written into the sources");
}

/// A link in the sources that leads out of the project is a warning, and nothing of it is copied.
#[test]
fn links_out_of_the_project_are_skipped_with_a_warning() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("shadow"), "secret").unwrap();
    let dir = project(&[("src/A.egh", "<template><p>a</p></template>")]);
    std::os::unix::fs::symlink(outside.path().join("shadow"), dir.path().join("src/shadow")).unwrap();
    let output = eghact(&["build"], dir.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("warning[W0709]") && stderr.contains("--> src/shadow"), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("0 errors, 1 warning"));
    assert!(!dir.path().join("dist/shadow").exists());
}

/// A link planted in the cache folder where the old layout kept entries (as an entry or as a
/// shard folder) is not followed: what it points to outside stays.
#[cfg(unix)]
#[test]
fn cache_clear_leaves_what_a_planted_link_points_to() {
    let dir = project(&[("src/Card.egh", "<template><p>card</p></template>")]);
    assert!(eghact(&["build"], dir.path()).status.success());
    let cache = dir.path().join(".eghact/cache");
    // A shard folder that is a link, and a file named as an entry of that shard outside.
    let name = "ab".to_string() + &"0".repeat(62);
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join(&name);
    fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(outside.path(), cache.join("ab")).unwrap();
    // A real shard folder holding a link named as an entry.
    fs::create_dir(cache.join("cd")).unwrap();
    std::os::unix::fs::symlink(&victim, cache.join("cd").join("cd".to_string() + &"1".repeat(62))).unwrap();
    for command in ["gc", "clear"] {
        let output = eghact(&["cache", command], dir.path());
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    let stats: serde_json::Value = serde_json::from_slice(&eghact(&["cache", "stats"], dir.path()).stdout).unwrap();
    assert_eq!(stats["entries"], 0);
}

#[test]
fn images_become_responsive_assets() {
    let dir = project(&[
        ("eghact.toml", "[assets]\nwidths = [320, 640]\nformats = [\"webp\", \"jpeg\"]\nquality = 75\n"),
        ("src/App.egh", "<template>\n  <img src=\"./hero.png\" alt=\"Hero\">\n</template>\n"),
    ]);
    let hero = image::RgbImage::from_fn(800, 600, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    hero.save(dir.path().join("src/hero.png")).unwrap();

    // Every width up to the image's own in both formats, on the CPU path (`--gpu off`).
    let report = summary(dir.path(), &["--gpu", "off"]);
    assert_eq!(report["totals"]["images"]["total"], 1, "{report}");
    let written: Vec<_> = fs::read_dir(dir.path().join("dist/assets")).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(written.len(), 4, "{written:?}");
    let decoded: Vec<(u32, u32)> = written.iter().filter_map(|p| image::image_dimensions(p).ok()).collect();
    assert!(decoded.contains(&(320, 240)) && decoded.contains(&(640, 480)), "{decoded:?}");
    let js = fs::read_to_string(dir.path().join("dist/App.js")).unwrap();
    assert!(js.contains("srcset") && js.contains("assets/hero-") && js.contains("800"), "{js}");
    // The second build processes nothing.
    let again = summary(dir.path(), &["--gpu", "off"]);
    assert_eq!(again["images"][0]["state"], "unchanged", "{again}");

    // A file that is no image is an error at its reference; a mode that does not exist is a
    // usage error; a missing image is an error with its position.
    fs::write(dir.path().join("src/hero.png"), "not really a PNG").unwrap();
    let output = eghact(&["build", "--gpu", "off"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error[E0508]") && stderr.contains("--> src/App.egh:2:13"), "{stderr}");
    assert_eq!(eghact(&["build", "--gpu", "sometimes"], dir.path()).status.code(), Some(2));
    fs::write(dir.path().join("src/App.egh"), "<template>\n  <img src=\"./gone.png\" alt=\"\">\n</template>\n").unwrap();
    let output = eghact(&["build"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error[E0507]: cannot find image `./gone.png`") && stderr.contains("--> src/App.egh:2:13"),
        "{stderr}"
    );
}

#[test]
fn bad_assets_settings_are_a_clear_error() {
    let dir = project(&[("eghact.toml", "[assets]\nquality = 0\n"), ("src/A.egh", "<template/>")]);
    let output = eghact(&["build"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("eghact.toml") && stderr.contains("quality must be between 1 and 100"), "{stderr}");
}

#[test]
fn verbose_logs_say_what_a_check_did_and_rust_log_filters_them() {
    let dir = project(&[("src/App.egh", "<template><p>ok</p></template>")]);
    let quiet = eghact(&["check"], dir.path());
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("check finished"), "{}", String::from_utf8_lossy(&quiet.stderr));
    let verbose = eghact(&["check", "-v"], dir.path());
    let stderr = String::from_utf8_lossy(&verbose.stderr);
    assert!(stderr.contains("check finished") && stderr.contains("components=1"), "{stderr}");
    let json = eghact(&["check", "-v", "--log-format", "json"], dir.path());
    let line = String::from_utf8_lossy(&json.stderr).lines().find(|l| l.contains("check finished")).map(str::to_string);
    let event: serde_json::Value = serde_json::from_str(&line.expect("a JSON log line")).expect("JSON");
    assert_eq!((event["level"].as_str(), event["components"].as_u64()), (Some("INFO"), Some(1)), "{event}");
    let filtered = Command::new(env!("CARGO_BIN_EXE_eghact"))
        .args(["check", "-v"])
        .arg(dir.path())
        .env("RUST_LOG", "off")
        .output()
        .expect("run eghact");
    assert!(!String::from_utf8_lossy(&filtered.stderr).contains("check finished"));
}
