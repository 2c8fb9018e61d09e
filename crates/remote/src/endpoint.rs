//! Where the remote cache is: `grpc://`/`grpcs://` for a REAPI v2 server, `http://`/`https://`
//! for a Bazel HTTP cache, plus the instance name, a bearer token and the CA certificates a
//! private server's TLS certificate is checked against. The token is never part of what
//! [`Endpoint`] displays, so it cannot leak into warnings or logs.

use std::fmt;
use std::path::PathBuf;

use crate::RemoteError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// REAPI v2 over gRPC.
    Grpc,
    /// The Bazel HTTP cache protocol: `GET/PUT/HEAD <base>/ac/<hash>` and `<base>/cas/<hash>`.
    Http,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub protocol: Protocol,
    pub tls: bool,
    /// The URL to connect to: `http(s)://host:port` for gRPC (what tonic expects), the base URL
    /// without a trailing slash for HTTP.
    pub url: String,
    /// REAPI instance name; unused by the HTTP protocol.
    pub instance: String,
    pub token: Option<String>,
    /// A PEM file of CA certificates trusted besides the public roots, for servers whose
    /// certificates a private CA signed. Read when connecting, so a bad file is a connect error.
    pub ca: Option<PathBuf>,
    /// As written by the user, for messages.
    given: String,
}

impl Endpoint {
    pub fn parse(text: &str) -> Result<Self, RemoteError> {
        let invalid = |reason: &str| RemoteError::Endpoint { url: text.to_string(), reason: reason.to_string() };
        let url = reqwest::Url::parse(text.trim()).map_err(|e| invalid(&e.to_string()))?;
        let (protocol, tls) = match url.scheme() {
            "grpc" => (Protocol::Grpc, false),
            "grpcs" => (Protocol::Grpc, true),
            "http" => (Protocol::Http, false),
            "https" => (Protocol::Http, true),
            _ => return Err(invalid("the scheme must be grpc://, grpcs://, http:// or https://")),
        };
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| invalid("no host"))?;
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("credentials, queries and fragments are not supported (use a token for credentials)"));
        }
        let scheme = if tls { "https" } else { "http" };
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        let url = match protocol {
            Protocol::Grpc if url.path().trim_matches('/').is_empty() => format!("{scheme}://{host}{port}"),
            Protocol::Grpc => return Err(invalid("a gRPC endpoint has no path (set [remote] instance instead)")),
            Protocol::Http => format!("{scheme}://{host}{port}{}", url.path().trim_end_matches('/')),
        };
        Ok(Self { protocol, tls, url, instance: String::new(), token: None, ca: None, given: text.trim().to_string() })
    }

    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = instance.into();
        self
    }

    /// An empty token means none.
    pub fn with_token(mut self, token: Option<String>) -> Self {
        self.token = token.filter(|t| !t.trim().is_empty()).map(|t| t.trim().to_string());
        self
    }

    /// An empty path means none.
    pub fn with_ca(mut self, ca: Option<PathBuf>) -> Self {
        self.ca = ca.filter(|path| !path.as_os_str().is_empty());
        self
    }

    /// The PEM text of [`Endpoint::ca`], checked to hold at least one certificate and nothing
    /// but well-formed ones: TLS libraries skip what they cannot parse, and a CA that was
    /// silently skipped would surface later as an unknown-issuer error that names no file.
    pub fn ca_pem(&self) -> Result<Option<Vec<u8>>, RemoteError> {
        let Some(path) = &self.ca else { return Ok(None) };
        let refuse = |reason: String| RemoteError::Ca { path: path.clone(), reason };
        let pem = std::fs::read(path).map_err(|error| refuse(format!("cannot read it: {error}")))?;
        check_certificates(&pem).map_err(refuse)?;
        Ok(Some(pem))
    }
}

fn check_certificates(pem: &[u8]) -> Result<(), String> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject as _;
    let mut count = 0;
    for certificate in CertificateDer::pem_slice_iter(pem) {
        count += 1;
        let certificate = certificate.map_err(|error| format!("not PEM: {error}"))?;
        webpki::anchor_from_trusted_cert(&certificate)
            .map_err(|error| format!("certificate {count} is not a valid X.509 certificate: {error}"))?;
    }
    if count == 0 {
        return Err("no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into());
    }
    Ok(())
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.given)
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.url)
            .field("instance", &self.instance)
            .field("token", &self.token.as_ref().map(|_| "<hidden>"))
            .field("ca", &self.ca)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_schemes_map_to_protocol_and_tls() {
        let cases = [
            ("grpc://127.0.0.1:50071", Protocol::Grpc, false, "http://127.0.0.1:50071"),
            ("grpcs://cache.example.com", Protocol::Grpc, true, "https://cache.example.com"),
            ("http://127.0.0.1:8080/cache/", Protocol::Http, false, "http://127.0.0.1:8080/cache"),
            ("https://cache.example.com:8443", Protocol::Http, true, "https://cache.example.com:8443"),
        ];
        for (text, protocol, tls, url) in cases {
            let endpoint = Endpoint::parse(text).unwrap();
            assert_eq!((endpoint.protocol, endpoint.tls, endpoint.url.as_str()), (protocol, tls, url), "{text}");
        }
    }

    #[test]
    fn bad_endpoints_are_refused_with_a_reason() {
        for (text, reason) in [
            ("ftp://host", "scheme"),
            ("grpc://host:1/instance", "instance"),
            ("http://user:secret@host", "token"),
            ("not a url", "relative URL"),
        ] {
            let error = Endpoint::parse(text).unwrap_err().to_string();
            assert!(error.contains(reason), "{text}: {error}");
        }
    }

    #[test]
    fn the_token_is_never_shown() {
        let endpoint = Endpoint::parse("grpcs://h").unwrap().with_token(Some("s3cret".into()));
        assert!(!format!("{endpoint} {endpoint:?}").contains("s3cret"));
        assert_eq!(Endpoint::parse("grpcs://h").unwrap().with_token(Some(" ".into())).token, None);
    }

    #[test]
    fn a_ca_file_without_a_valid_certificate_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&str, &[u8], &str); 3] = [
            ("empty.pem", b"", "no PEM certificate"),
            ("key.pem", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "no PEM certificate"),
            ("junk.pem", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "certificate 1 is not a valid X.509"),
        ];
        for (name, text, reason) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let error = Endpoint::parse("grpcs://h").unwrap().with_ca(Some(path)).ca_pem().unwrap_err().to_string();
            assert!(error.contains(name) && error.contains(reason), "{name}: {error}");
        }
        let missing = Endpoint::parse("grpcs://h").unwrap().with_ca(Some(dir.path().join("missing.pem")));
        assert!(missing.ca_pem().unwrap_err().to_string().contains("cannot read it"));
        assert_eq!(Endpoint::parse("grpcs://h").unwrap().with_ca(Some("".into())).ca_pem().unwrap(), None);
    }
}
