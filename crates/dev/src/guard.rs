//! Who may talk to a server on this machine: DNS-rebinding protection by the `Host` header, and
//! WebSocket upgrades only from the server's own pages, by their `Origin`.
//!
//! Invariant: a request is answered only when its `Host` names this server as the machine itself
//! (`localhost`, a `*.localhost` name, an IP address) or as the host it was bound to, and a
//! WebSocket is opened only when `Origin` is `http://` such a host at the server's port. A page of
//! another site that a DNS name points at 127.0.0.1 names that site in both, and is refused.

use std::net::IpAddr;

/// The allow-list of one bound server.
#[derive(Clone, Debug)]
pub struct Guard {
    /// The host the server was bound to as the user wrote it (`127.0.0.1`, `0.0.0.0`, `my-box`).
    bound: String,
    port: u16,
}

impl Guard {
    pub fn new(bound: &str, port: u16) -> Self {
        Self { bound: bound.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase(), port }
    }

    /// Whether a request with this `Host` header is answered.
    pub fn allows_host(&self, host: Option<&str>) -> bool {
        host.and_then(split_authority).is_some_and(|(name, port)| self.allows_name(&name) && port.is_none_or(|p| p == self.port))
    }

    /// Whether a WebSocket upgrade with this `Origin` header is accepted: the server's own.
    pub fn allows_origin(&self, origin: Option<&str>) -> bool {
        let Some(authority) = origin.and_then(|origin| origin.strip_prefix("http://")) else {
            return false;
        };
        split_authority(authority).is_some_and(|(name, port)| self.allows_name(&name) && port == Some(self.port))
    }

    fn allows_name(&self, name: &str) -> bool {
        name == "localhost" || name.ends_with(".localhost") || name.parse::<IpAddr>().is_ok() || name == self.bound
    }
}

/// `name[:port]` or `[v6][:port]`, the name lower-cased; `None` when it is neither.
fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let authority = authority.trim();
    let (name, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let (v6, after) = rest.split_once(']')?;
            match after {
                "" => (v6, None),
                _ => (v6, Some(after.strip_prefix(':')?)),
            }
        }
        None => match authority.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (authority, None),
        },
    };
    let port = match port {
        Some(port) => Some(port.parse::<u16>().ok()?),
        None => None,
    };
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
    valid.then(|| (name.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_itself_and_the_bound_host_are_allowed() {
        let guard = Guard::new("127.0.0.1", 5173);
        for host in ["localhost", "localhost:5173", "LOCALHOST:5173", "127.0.0.1:5173", "[::1]:5173", "app.localhost:5173"] {
            assert!(guard.allows_host(Some(host)), "{host}");
        }
        for host in ["evil.example", "evil.example:5173", "localhost:80", "127.0.0.1:1", "localhost.evil.example:5173", ""] {
            assert!(!guard.allows_host(Some(host)), "{host}");
        }
        assert!(!guard.allows_host(None));
        let named = Guard::new("devbox", 8080);
        assert!(named.allows_host(Some("devbox:8080")));
        assert!(named.allows_host(Some("192.168.1.20:8080")));
        assert!(!named.allows_host(Some("other:8080")));
    }

    #[test]
    fn only_the_servers_own_pages_open_websockets() {
        let guard = Guard::new("127.0.0.1", 5173);
        assert!(guard.allows_origin(Some("http://localhost:5173")));
        assert!(guard.allows_origin(Some("http://127.0.0.1:5173")));
        assert!(guard.allows_origin(Some("http://[::1]:5173")));
        for origin in ["http://evil.example:5173", "http://localhost:3000", "http://localhost", "null", "https://localhost:5173"]
        {
            assert!(!guard.allows_origin(Some(origin)), "{origin}");
        }
        assert!(!guard.allows_origin(None));
    }
}
