//! Which addresses a harvest may connect to, decided before any connection. A catalog is
//! filled by people and imports: a repository URL must not make the harvester reach the
//! machine's own services or the private network it runs in, nor read local folders,
//! unless the operator allows it (the demo and the tests do, with `allow_local`).

use std::net::{IpAddr, ToSocketAddrs};
use std::path::Path;

use catalog::address::{read_repository_address, refused_kind, AddressPolicy, AddressRefusal, Host};
use catalog::FailureClass;

/// A repository address that passed the checks, as libgit2 should be given it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub url: String,
    pub scheme: String,
    /// The host name, when the address gives one rather than an IP address.
    pub name: Option<String>,
    pub port: u16,
    /// Where the host was found to be: the only addresses a harvest may connect to.
    pub addresses: Vec<IpAddr>,
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

/// Checks `url` with the catalog's own rule (the one the door applied), then every address
/// its host resolves to. A host that does not resolve is unreachable, which is a fact about
/// the repository rather than a refusal. A `file://` address inside `trusted_root` (the
/// demo's own repositories, which only the demo loader points harvests to) passes.
pub fn check(url: &str, allow_local: bool, trusted_root: Option<&Path>) -> Result<Checked, Refusal> {
    if let Some(root) = trusted_root {
        if let Some(checked) = inside(url, root) {
            return Ok(checked);
        }
    }
    let policy = if allow_local { AddressPolicy::AllowLocal } else { AddressPolicy::PublicOnly };
    let address = read_repository_address(url, policy).map_err(|why| match why {
        AddressRefusal::File => refused("file:// addresses are harvested only with --allow-local".into()),
        AddressRefusal::Local(why) => refused(format!("{why} (or with --allow-local)")),
        AddressRefusal::Malformed(why) => refused(why),
    })?;
    let name = match &address.host {
        Host::Local => {
            return Ok(Checked { url: address.url, scheme: address.scheme, name: None, port: 0, addresses: vec![] })
        }
        Host::Ip(ip) => {
            return Ok(Checked {
                url: address.url,
                scheme: address.scheme,
                name: None,
                port: address.port,
                addresses: vec![*ip],
            })
        }
        Host::Name(name) => name.clone(),
    };
    let addresses: Vec<IpAddr> = (name.as_str(), address.port)
        .to_socket_addrs()
        .map_err(|e| Refusal { class: FailureClass::Unreachable, message: format!("{name} does not resolve: {e}") })?
        .map(|a| a.ip())
        .collect();
    if addresses.is_empty() {
        return Err(Refusal { class: FailureClass::Unreachable, message: format!("{name} resolves to no address") });
    }
    if !allow_local {
        if let Some((ip, kind)) = addresses.iter().find_map(|ip| refused_kind(ip).map(|k| (ip, k))) {
            return Err(refused(format!(
                "{name} resolves to {ip}, a {kind} address; such hosts are harvested only with --allow-local"
            )));
        }
    }
    Ok(Checked { url: address.url, scheme: address.scheme, name: Some(name), port: address.port, addresses })
}

/// A `file://` address of a folder inside `root`, after links are followed.
fn inside(url: &str, root: &Path) -> Option<Checked> {
    let path = url::Url::parse(url).ok().filter(|u| u.scheme() == "file")?.to_file_path().ok()?;
    let (path, root) = (path.canonicalize().ok()?, root.canonicalize().ok()?);
    path.starts_with(&root).then(|| Checked {
        url: url.to_string(),
        scheme: "file".into(),
        name: None,
        port: 0,
        addresses: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(url: &str, allow_local: bool) -> Result<String, FailureClass> {
        check(url, allow_local, None).map(|c| c.scheme).map_err(|r| r.class)
    }

    #[test]
    fn public_addresses_pass_with_their_scheme() {
        assert_eq!(class("https://8.8.8.8/org/repo.git", false), Ok("https".into()));
        assert_eq!(class("git://[2a00:1450::1]/repo", false), Ok("git".into()));
        assert_eq!(class("git@8.8.4.4:org/repo.git", false), Ok("ssh".into()));
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
            assert!(check(url, true, None).is_ok(), "{url} with allow_local");
        }
        let message = check("https://127.0.0.1/repo.git", false, None).unwrap_err().message;
        assert!(message.contains("loopback") && message.contains("--allow-local"), "{message}");
    }

    #[test]
    fn addresses_whose_host_libgit2_would_read_differently_are_refused() {
        for url in [
            "http://8.8.8.8#@127.0.0.1:9/x.git",
            "http://8.8.8.8\\@127.0.0.1:9/x.git",
            "git://8.8.8.8?@127.0.0.1:9/x.git",
            "https://user:secret@8.8.8.8/x.git",
        ] {
            assert_eq!(class(url, false), Err(FailureClass::Refused), "{url}");
        }
        assert_eq!(class("ssh://git@8.8.8.8/org/x.git", false), Ok("ssh".into()));
    }

    #[test]
    fn only_repository_schemes_are_harvested() {
        assert_eq!(class("ftp://8.8.8.8/repo", false), Err(FailureClass::Refused));
        assert_eq!(class("file:///srv/git/repo.git", false), Err(FailureClass::Refused));
        assert_eq!(class("file:///srv/git/repo.git", true), Ok("file".into()));
        assert_eq!(class("not a url", false), Err(FailureClass::Refused));
    }

    #[test]
    fn a_host_that_does_not_resolve_is_unreachable() {
        assert_eq!(class("https://no-such-host.invalid/repo.git", false), Err(FailureClass::Unreachable));
    }
}
