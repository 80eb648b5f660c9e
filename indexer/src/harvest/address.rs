//! Which addresses a harvest may connect to, decided before any connection. A catalog is
//! filled by people and imports: a repository URL must not make the harvester reach the
//! machine's own services or the private network it runs in, nor read local folders,
//! unless the operator allows it (the demo and the tests do, with `allow_local`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};

use catalog::FailureClass;

/// A repository address that passed the checks, as libgit2 should be given it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub url: String,
    pub scheme: String,
}

/// Why an address was not connected to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub class: FailureClass,
    pub message: String,
}

fn refused(message: String) -> Refusal {
    Refusal { class: FailureClass::Refused, message }
}

/// Checks `url`: its scheme, then every address its host resolves to. A host that does not
/// resolve is unreachable, which is a fact about the repository rather than a refusal.
pub fn check(url: &str, allow_local: bool) -> Result<Checked, Refusal> {
    let (scheme, host, port) = split(url)?;
    // libgit2 reads a URL's host itself, differently from the url crate: after the last
    // `@`, up to the first `/`. Characters on which the two disagree are refused, so the
    // host checked is the host connected to.
    if scheme != "file" && !url.contains("://") {
        // scp-like: user@host:path, checked by `split`.
    } else if scheme != "file" {
        let rest = url.split_once("://").map_or("", |(_, r)| r);
        let authority = rest.split('/').next().unwrap_or("");
        if url.contains(['\\', '?', '#']) || authority.matches('@').count() > usize::from(scheme == "ssh") {
            return Err(refused(format!(
                "{url:?} holds characters or credentials that could make its host ambiguous; give the plain address"
            )));
        }
    }
    match scheme.as_str() {
        "https" | "http" | "git" | "ssh" => {}
        "file" if allow_local => return Ok(Checked { url: url.to_string(), scheme }),
        "file" => return Err(refused("file:// addresses are harvested only with --allow-local".into())),
        other => return Err(refused(format!("the {other}: scheme is not harvested (https, http, git or ssh)"))),
    }
    let host = host.ok_or_else(|| refused(format!("{url:?} names no host")))?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<IpAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => (bare, port)
            .to_socket_addrs()
            .map_err(|e| Refusal {
                class: FailureClass::Unreachable,
                message: format!("{bare} does not resolve: {e}"),
            })?
            .map(|a| a.ip())
            .collect(),
    };
    if addresses.is_empty() {
        return Err(Refusal { class: FailureClass::Unreachable, message: format!("{bare} resolves to no address") });
    }
    if !allow_local {
        if let Some(ip) = addresses.iter().find(|ip| local_kind(ip).is_some()) {
            let kind = local_kind(ip).unwrap_or("local");
            return Err(refused(format!(
                "{bare} resolves to {ip}, a {kind} address; such hosts are harvested only with --allow-local"
            )));
        }
    }
    Ok(Checked { url: url.to_string(), scheme })
}

/// The scheme, host and port of a URL or of an scp-like `user@host:path`.
fn split(url: &str) -> Result<(String, Option<String>, u16), Refusal> {
    if let Some((user_host, path)) = url.split_once(':') {
        if user_host.contains('@') && !user_host.contains('/') && !path.starts_with("//") {
            let host = user_host.rsplit('@').next().unwrap_or_default().to_string();
            return Ok(("ssh".into(), Some(host), 22));
        }
    }
    let parsed = url::Url::parse(url).map_err(|e| refused(format!("{url:?} is not a URL: {e}")))?;
    let scheme = parsed.scheme().to_string();
    let port = parsed.port_or_known_default().unwrap_or(match scheme.as_str() {
        "git" => 9418,
        "ssh" => 22,
        _ => 443,
    });
    Ok((scheme, parsed.host_str().map(str::to_string), port))
}

/// What kind of address no public repository lives at, or `None` for a public one.
fn local_kind(ip: &IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => {
            // IPv6 forms that carry an IPv4 address: mapped, compatible, NAT64 (64:ff9b::/96)
            // and 6to4 (2002::/16) are judged by the IPv4 address they reach.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4_kind(&v4);
            }
            let s = v6.segments();
            let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
            let compatible = s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified();
            if compatible || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                if let Some(kind) = v4_kind(&tail) {
                    return Some(kind);
                }
            }
            if s[0] == 0x2002 {
                let embedded = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
                if let Some(kind) = v4_kind(&embedded) {
                    return Some(kind);
                }
            }
            v6_kind(v6)
        }
    }
}

fn v4_kind(ip: &Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        // 100.64.0.0/10 is the carriers' shared space, private in all but name.
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_broadcast() || ip.is_multicast() || a == 0 || a >= 240 {
        Some("non-unicast")
    } else if (a == 192 && b == 0 && ip.octets()[2] == 0) || (a == 198 && (18..20).contains(&b)) {
        // IETF protocol assignments and the benchmarking range: no public host.
        Some("reserved")
    } else {
        None
    }
}

fn v6_kind(ip: &Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("non-unicast")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(url: &str, allow_local: bool) -> Result<String, FailureClass> {
        check(url, allow_local).map(|c| c.scheme).map_err(|r| r.class)
    }

    #[test]
    fn public_addresses_pass_with_their_scheme() {
        assert_eq!(class("https://203.0.113.7/org/repo.git", false), Ok("https".into()));
        assert_eq!(class("git://[2001:db8::1]/repo", false), Ok("git".into()));
        assert_eq!(class("git@198.51.100.2:org/repo.git", false), Ok("ssh".into()));
    }

    #[test]
    fn local_and_private_addresses_are_refused_unless_allowed() {
        for url in [
            "https://127.0.0.1/repo.git",
            "http://10.1.2.3/repo.git",
            "git://192.168.1.10/repo",
            "https://172.20.0.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://0.0.0.0/x",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://[fe80::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://100.64.0.1/x",
            "https://localhost/x",
            "https://[64:ff9b::7f00:1]/x",
            "https://[2002:7f00:1::1]/x",
            "https://[::10.0.0.1]/x",
            "https://198.18.0.1/x",
            "https://192.0.0.8/x",
            "https://240.0.0.1/x",
        ] {
            assert_eq!(class(url, false), Err(FailureClass::Refused), "{url}");
            assert!(check(url, true).is_ok(), "{url} with allow_local");
        }
        let message = check("https://127.0.0.1/repo.git", false).unwrap_err().message;
        assert!(message.contains("loopback") && message.contains("--allow-local"), "{message}");
    }

    #[test]
    fn addresses_whose_host_libgit2_would_read_differently_are_refused() {
        for url in [
            "http://203.0.113.7#@127.0.0.1:9/x.git",
            "http://203.0.113.7\\@127.0.0.1:9/x.git",
            "git://203.0.113.7?@127.0.0.1:9/x.git",
            "https://user:secret@203.0.113.7/x.git",
        ] {
            assert_eq!(class(url, false), Err(FailureClass::Refused), "{url}");
        }
        assert_eq!(class("ssh://git@203.0.113.7/org/x.git", false), Ok("ssh".into()));
    }

    #[test]
    fn only_repository_schemes_are_harvested() {
        assert_eq!(class("ftp://203.0.113.7/repo", false), Err(FailureClass::Refused));
        assert_eq!(class("file:///srv/git/repo.git", false), Err(FailureClass::Refused));
        assert_eq!(class("file:///srv/git/repo.git", true), Ok("file".into()));
        assert_eq!(class("not a url", false), Err(FailureClass::Refused));
    }

    #[test]
    fn a_host_that_does_not_resolve_is_unreachable() {
        assert_eq!(class("https://no-such-host.invalid/repo.git", false), Err(FailureClass::Unreachable));
    }
}
