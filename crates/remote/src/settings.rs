//! `[remote]` of `eghact.toml`: where the remote cache and workers are and how a build uses them.
//! The builder leaves the table unread; it is read here, with the builder's diagnostics (E0708 at
//! the offending key, E0701/E0702 for a `ca_cert` outside the project).

use std::path::PathBuf;

use eghact_builder::offload::{OffloadMode, OffloadPolicy};
use eghact_builder::project::{Project, ProjectError};
use serde::Deserialize;

/// `[remote]` of `eghact.toml`: a shared cache consulted after the local ones, and remote
/// execution of a build's misses.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RemoteSettings {
    /// `grpc://` or `grpcs://` for a REAPI v2 server, `http://` or `https://` for a Bazel HTTP
    /// cache; `--remote-endpoint` and `EGHACT_REMOTE_ENDPOINT` take precedence.
    pub endpoint: Option<String>,
    /// The REAPI instance name (empty by default, as Bazel's).
    pub instance: Option<String>,
    /// Store local compiles in the remote cache (true by default); false only reads from it.
    pub upload: bool,
    /// The environment variable holding a bearer token (`EGHACT_REMOTE_TOKEN` by default), so
    /// that no secret is written into the project.
    pub token_env: Option<String>,
    /// A PEM file of CA certificates, relative to the project root (inside it), that a `grpcs://` or
    /// `https://` server's certificate may chain to besides the public roots (a private CA);
    /// `EGHACT_REMOTE_CA` takes precedence.
    pub ca_cert: Option<PathBuf>,
    /// Whether a REAPI server with workers compiles a build's misses: `auto` (when predicted
    /// faster, the default), `always` or `never`; `--remote` takes precedence.
    pub execute: OffloadMode,
    /// In `auto`, builds with fewer misses stay local.
    pub min_components: usize,
    /// Components per remote action.
    pub batch_size: usize,
    /// Seconds an action may wait for a worker before its components are compiled here.
    pub queue_timeout_secs: u64,
    /// How many actions the cluster runs at once (its workers' slots together), for `auto`'s
    /// prediction; REAPI does not tell. Unset, the executor goes by what it has seen run at once.
    pub workers: Option<usize>,
}

impl Default for RemoteSettings {
    fn default() -> Self {
        let policy = OffloadPolicy::default();
        Self {
            endpoint: None,
            instance: None,
            upload: true,
            token_env: None,
            ca_cert: None,
            execute: policy.mode,
            min_components: policy.min_components,
            batch_size: policy.batch_size,
            queue_timeout_secs: 10,
            workers: None,
        }
    }
}

impl RemoteSettings {
    /// The `[remote]` settings of `project`, the defaults for what it leaves out; `ca_cert` is
    /// relative to the project root with `.` and `..` worked out, and inside the project.
    pub fn of(project: &Project) -> Result<Self, ProjectError> {
        let mut settings: Self = project.section("remote")?;
        if let Some(ca_cert) = &settings.ca_cert {
            let help = "copy the certificate into the project, or name it with `EGHACT_REMOTE_CA`";
            settings.ca_cert = Some(project.path_in_project(&["remote", "ca_cert"], ca_cert, help)?);
        }
        Ok(settings)
    }

    /// The offload policy of these settings, with `mode` (a `--remote` flag) first.
    pub fn policy(&self, mode: Option<OffloadMode>) -> OffloadPolicy {
        OffloadPolicy {
            mode: mode.unwrap_or(self.execute),
            min_components: self.min_components,
            batch_size: self.batch_size.max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::fs;
    use std::path::Path;

    use eghact_builder::project::CONFIG_FILE;

    /// The `[remote]` settings of a project whose `eghact.toml` is `text`, and the file's path.
    fn settings_of(text: &str) -> (Result<RemoteSettings, ProjectError>, PathBuf, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join(CONFIG_FILE);
        fs::write(&config, text).unwrap();
        let project = Project::open(dir.path()).expect("the builder leaves `[remote]` unread");
        (RemoteSettings::of(&project), config, dir)
    }

    #[test]
    fn remote_settings_are_read_with_upload_on_by_default() {
        let (remote, ..) = settings_of("[remote]\nendpoint = \"grpc://127.0.0.1:50071\"\ninstance = \"main\"\n");
        let remote = remote.unwrap();
        assert_eq!(
            (remote.endpoint.as_deref(), remote.instance.as_deref(), remote.upload),
            (Some("grpc://127.0.0.1:50071"), Some("main"), true)
        );
        assert!(!settings_of("[remote]\nupload = false\n").0.unwrap().upload);
        assert_eq!(settings_of("[remote]\nupload = false\n").0.unwrap().workers, None);
        assert_eq!(settings_of("[remote]\nworkers = 8\n").0.unwrap().workers, Some(8));
        assert_eq!(settings_of("out = \"dist\"\n").0.unwrap().endpoint, None, "no `[remote]`: the defaults");
    }

    #[test]
    fn an_unknown_key_is_e0708_at_its_line_and_column() {
        let (remote, config, _dir) = settings_of("out = \"dist\"\n\n[remote]\nendpoint = \"grpc://cache\"\n  url = \"x\"\n");
        let error = remote.unwrap_err();
        assert_eq!(error.code(), Some("E0708"));
        let rendered = error.to_string();
        assert!(rendered.contains(&format!("{}:5:3", config.display())), "{rendered}");
        assert!(rendered.contains("unknown field `url`"), "{rendered}");
    }

    #[test]
    fn a_value_of_the_wrong_type_is_e0708_at_the_value() {
        let (remote, config, _dir) = settings_of("[remote]\nworkers = \"eight\"\n");
        let error = remote.unwrap_err();
        assert_eq!(error.code(), Some("E0708"));
        assert!(error.to_string().contains(&format!("{}:2:11", config.display())), "{error}");
    }

    #[test]
    fn the_ca_certificate_stays_inside_the_project() {
        let (remote, config, _dir) = settings_of("[remote]\nca_cert = \"/etc/ssl/private/corp.pem\"\n");
        let error = remote.unwrap_err();
        assert_eq!(error.code(), Some("E0701"));
        assert!(error.to_string().contains(&format!("{}:2:11", config.display())), "{error}");
        assert!(error.to_string().contains("EGHACT_REMOTE_CA"), "{error}");
        let (remote, ..) = settings_of("[remote]\nca_cert = \"certs/../ca.pem\"\n");
        assert_eq!(remote.unwrap().ca_cert.as_deref(), Some(Path::new("ca.pem")));
    }
}
