//! What a repository address may be. A catalog is filled by strangers and by imports: an
//! address must not make the harvester reach the machine's own services, the private
//! network it runs in, or its local folders. This is the one check, pure (no lookup), made
//! at the door (API, command line, imports) and again by the harvester on every address a
//! host name resolves to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};

/// Whether addresses on this machine or its private networks may be stored and harvested.
/// The operator's setting (`--allow-local`), for tests and local mirrors; never implied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AddressPolicy {
    /// Public hosts only, over `https`, `http`, `git` or `ssh`.
    #[default]
    PublicOnly,
    /// Also `file://` and loopback, private or link-local hosts.
    AllowLocal,
}

/// Where an address points, as far as can be known without a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A literal address, in whatever spelling it was written.
    Ip(IpAddr),
    /// A name, to be resolved (and every address it gives checked) when used.
    Name(String),
    /// A `file://` path (only under `AllowLocal`).
    Local,
}

/// A repository address that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryAddress {
    /// As given, trimmed: the record keeps what people wrote.
    pub url: String,
    /// `https`, `http`, `git`, `ssh` (an scp-like `user@host:path` too) or `file`.
    pub scheme: String,
    pub host: Host,
    pub port: u16,
}

/// Why an address was refused: the harvester tells the operator which of these
/// `--allow-local` would let through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressRefusal {
    /// A `file://` address, and local addresses are not allowed.
    File,
    /// A host on this machine or a private network, and local addresses are not allowed.
    Local(String),
    /// Not a repository address that may be stored, whatever the policy.
    Malformed(String),
}

impl std::fmt::Display for AddressRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AddressRefusal::File => f.write_str("file:// addresses are refused: give the repository's public address"),
            AddressRefusal::Local(why) | AddressRefusal::Malformed(why) => f.write_str(why),
        }
    }
}

impl From<String> for AddressRefusal {
    fn from(why: String) -> AddressRefusal {
        AddressRefusal::Malformed(why)
    }
}

/// Checks a repository address; the error names `field` and says why, in words a person
/// who typed the address can act on.
pub fn check_repository_address(field: &str, url: &str, policy: AddressPolicy) -> Result<RepositoryAddress> {
    read_repository_address(url, policy).map_err(|why| Error::invalid(field, why.to_string()))
}

/// The address trimmed, unless it is empty or holds spaces or control characters.
fn plain(url: &str) -> std::result::Result<&str, AddressRefusal> {
    let url = url.trim();
    if url.is_empty() {
        return Err(AddressRefusal::Malformed("must not be empty".into()));
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!("{url:?} holds spaces or control characters; give the plain address").into());
    }
    Ok(url)
}

/// The address, read and checked under `policy`, or why it is refused.
pub fn read_repository_address(
    url: &str,
    policy: AddressPolicy,
) -> std::result::Result<RepositoryAddress, AddressRefusal> {
    let url = plain(url)?;
    // libgit2 reads a URL's host itself, differently from the url crate (after the last `@`,
    // up to the first `/`): characters on which the two could disagree are refused, so that
    // the host checked is the host connected to.
    if url.contains(['\\', '?', '#']) {
        return Err(
            format!("{url:?} holds \\, ? or #, which could make its host ambiguous; give the plain address").into()
        );
    }
    if let Some(scp) = scp_like(url) {
        return public_host(url, "ssh", scp.host, 22, policy, "harvested");
    }
    let parsed =
        url::Url::parse(url).map_err(|e| AddressRefusal::Malformed(format!("{url:?} is not an address: {e}")))?;
    let scheme = parsed.scheme().to_string();
    match scheme.as_str() {
        "https" | "http" | "git" | "ssh" => {}
        "file" if policy == AddressPolicy::AllowLocal && parsed.path().len() > 1 => {
            return Ok(RepositoryAddress { url: url.to_string(), scheme, host: Host::Local, port: 0 });
        }
        "file" => return Err(AddressRefusal::File),
        other => {
            return Err(format!("the {other}: scheme is not a repository address (https, http, git or ssh)").into())
        }
    }
    if !parsed.password().unwrap_or("").is_empty() || (!parsed.username().is_empty() && scheme != "ssh") {
        return Err(format!(
            "{url:?} carries credentials; give the public address (the record is public, and so would they be)"
        )
        .into());
    }
    let authority = url.split_once("://").map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
    if authority.matches('@').count() > usize::from(scheme == "ssh") {
        return Err(format!("{url:?} holds more than one @ before its path; give the plain address").into());
    }
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| AddressRefusal::Malformed(format!("{url:?} names no host")))?;
    let port = parsed.port_or_known_default().unwrap_or(match scheme.as_str() {
        "git" => 9418,
        "ssh" => 22,
        _ => 443,
    });
    public_host(url, &scheme, host, port, policy, "harvested")
}

struct ScpLike<'a> {
    host: &'a str,
}

/// `user@host:path`, which git reads as ssh.
fn scp_like(url: &str) -> Option<ScpLike<'_>> {
    let (user_host, path) = url.split_once(':')?;
    if !user_host.contains('@') || user_host.contains('/') || path.is_empty() || path.starts_with("//") {
        return None;
    }
    let (user, host) = user_host.rsplit_once('@')?;
    (!user.is_empty() && !user.contains('@')).then_some(ScpLike { host })
}

fn public_host(
    url: &str,
    scheme: &str,
    host: &str,
    port: u16,
    policy: AddressPolicy,
    // What is done to such hosts, for the refusal's words: harvested, called.
    done: &str,
) -> std::result::Result<RepositoryAddress, AddressRefusal> {
    let host = host.trim_end_matches('.');
    if host.is_empty() {
        return Err(format!("{url:?} names no host").into());
    }
    if host.contains('%') {
        return Err(format!("{url:?} has an encoded host; write the host plainly").into());
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let host = match literal_ip(bare) {
        Some(ip) => Host::Ip(ip),
        None => {
            let name = bare.to_ascii_lowercase();
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
                return Err(format!("{url:?}: {bare:?} is not a host name").into());
            }
            Host::Name(name)
        }
    };
    if policy == AddressPolicy::PublicOnly {
        let kind = match &host {
            Host::Ip(ip) => refused_kind(ip),
            Host::Name(name) if is_local_name(name) => Some("loopback"),
            _ => None,
        };
        if let Some(kind) = kind {
            return Err(AddressRefusal::Local(format!(
                "{url:?} points to a {kind} address; only public hosts are {done}"
            )));
        }
    }
    Ok(RepositoryAddress { url: url.to_string(), scheme: scheme.to_string(), host, port })
}

/// Checks a webhook's address: `https` or `http`, a host (public unless `policy` allows
/// local ones), no credentials and no fragment. The query may carry what the receiver
/// wants to see (`?source=communs`). The sender checks again every address the host
/// resolves to, before each delivery.
pub fn read_webhook_address(
    url: &str,
    policy: AddressPolicy,
) -> std::result::Result<RepositoryAddress, AddressRefusal> {
    let url = plain(url)?;
    if url.len() > 2000 {
        return Err(format!("{} characters: an address has at most 2000", url.len()).into());
    }
    let parsed =
        url::Url::parse(url).map_err(|e| AddressRefusal::Malformed(format!("{url:?} is not an address: {e}")))?;
    let scheme = parsed.scheme().to_string();
    if scheme != "https" && scheme != "http" {
        return Err(format!("the {scheme}: scheme cannot receive deliveries (https or http)").into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!("{url:?} carries credentials; the deliveries are signed instead").into());
    }
    if parsed.fragment().is_some() {
        return Err(format!("{url:?} has a fragment (#), which is never sent to the receiver").into());
    }
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| AddressRefusal::Malformed(format!("{url:?} names no host")))?;
    let port = parsed.port_or_known_default().unwrap_or(443);
    public_host(url, &scheme, host, port, policy, "called")
}

/// Checks a webhook's address; the error names `field`.
pub fn check_webhook_address(field: &str, url: &str, policy: AddressPolicy) -> Result<RepositoryAddress> {
    read_webhook_address(url, policy).map_err(|why| Error::invalid(field, why.to_string()))
}

/// Names that always mean this machine, whatever a resolver says.
fn is_local_name(name: &str) -> bool {
    name == "localhost" || name.ends_with(".localhost") || name == "localhost.localdomain"
}

/// A host written as an address: IPv6 (brackets removed), or IPv4 in any spelling the C
/// library's `inet_aton` accepts, which is how libgit2's resolver reads it: one to four
/// parts, each decimal, octal (leading 0) or hexadecimal (0x), the last filling the
/// remaining bytes (`2130706433`, `0x7f000001`, `0177.1`, `127.1`).
pub fn literal_ip(host: &str) -> Option<IpAddr> {
    if let Ok(v6) = host.split('%').next().unwrap_or(host).parse::<Ipv6Addr>() {
        return Some(IpAddr::V6(v6));
    }
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(parts.len());
    for part in &parts {
        values.push(inet_number(part)?);
    }
    let (last, leading) = values.split_last()?;
    let mut address: u64 = 0;
    for (i, v) in leading.iter().enumerate() {
        if *v > 0xff {
            return None;
        }
        address |= v << (8 * (3 - i));
    }
    let room = 8 * (4 - leading.len()) as u32;
    if *last >= 1u64 << room {
        return None;
    }
    Some(IpAddr::V4(Ipv4Addr::from((address | last) as u32)))
}

fn inet_number(part: &str) -> Option<u64> {
    let (digits, radix) = if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
        (hex, 16)
    } else if part.len() > 1 && part.starts_with('0') {
        (&part[1..], 8)
    } else {
        (part, 10)
    };
    if digits.is_empty() {
        // `0x` alone is zero to inet_aton.
        return (radix == 16).then_some(0);
    }
    if digits.len() > 16 || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok().filter(|v| *v <= u64::from(u32::MAX))
}

/// What kind of address no public repository lives at, or `None` for a public one.
pub fn refused_kind(ip: &IpAddr) -> Option<&'static str> {
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
            if compatible || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || s[..6] == [0x64, 0xff9b, 1, 0, 0, 0] {
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
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if ip.is_private() {
        Some("private")
    } else if a == 100 && (64..128).contains(&b) {
        // 100.64.0.0/10, the carriers' shared space: private in all but name.
        Some("shared")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast() || a >= 240 {
        Some("reserved")
    } else if (a == 192 && b == 0 && c == 0) || (a == 198 && (18..20).contains(&b)) {
        // IETF protocol assignments and the benchmarking range: no public host.
        Some("reserved")
    } else if (a == 192 && b == 0 && c == 2) || (a == 198 && b == 51 && c == 100) || (a == 203 && b == 0 && c == 113) {
        // The documentation ranges (TEST-NET-1 to 3) route nowhere.
        Some("documentation")
    } else {
        None
    }
}

fn v6_kind(ip: &Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if s[0] & 0xfe00 == 0xfc00 {
        Some("private")
    } else if s[0] & 0xffc0 == 0xfe80 || s[0] & 0xffc0 == 0xfec0 {
        // Link-local, and the deprecated site-local range routers still honour.
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if s[0] == 0x2001 && s[1] == 0xdb8 {
        Some("documentation")
    } else if s[..4] == [0x100, 0, 0, 0] || (s[0] == 0x2001 && s[1] < 0x200) {
        // Discard-only (100::/64) and the IETF's 2001::/23 (Teredo, benchmarking, ORCHID).
        Some("reserved")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(url: &str) -> std::result::Result<Host, String> {
        read_repository_address(url, AddressPolicy::PublicOnly).map(|a| a.host).map_err(|e| e.to_string())
    }

    #[test]
    fn public_addresses_pass_with_their_host() {
        assert_eq!(verdict("https://gitlab.adullact.net/adullact/x.git"), Ok(Host::Name("gitlab.adullact.net".into())));
        assert_eq!(verdict("https://GitHub.com/x/y"), Ok(Host::Name("github.com".into())));
        assert_eq!(verdict("git://[2a00:1450::1]/repo"), Ok(Host::Ip("2a00:1450::1".parse().unwrap())));
        assert_eq!(verdict("git@8.8.8.8:org/repo.git"), Ok(Host::Ip("8.8.8.8".parse().unwrap())));
        assert_eq!(verdict("ssh://git@codeberg.org/org/x.git"), Ok(Host::Name("codeberg.org".into())));
        let a = read_repository_address("git@framagit.org:org/x.git", AddressPolicy::PublicOnly).unwrap();
        assert_eq!((a.scheme.as_str(), a.port), ("ssh", 22));
    }

    #[test]
    fn the_spellings_of_a_local_address_are_all_refused() {
        for url in [
            "http://169.254.169.254/latest/meta-data",
            "http://0x7f000001/",
            "http://2130706433/",
            "git://0x7f000001/x",
            "git://2130706433/x",
            "git://0177.0.0.1/x",
            "git://127.1/x",
            "git://0x7f.1/x",
            "ssh://git@0x7f000001/x",
            "git@2130706433:x.git",
            "git://10.0.0.1/x",
            "https://[::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://[::ffff:7f00:1]/x",
            "git://[64:ff9b::a00:1]/x",
            "git://[2002:c0a8:101::1]/x",
            "https://localhost/x",
            "https://LOCALHOST./x",
            "https://api.localhost/x",
            "https://0/x",
            "git://0.0.0.0/x",
            "https://100.100.1.1/x",
            "https://224.0.0.1/x",
            "https://255.255.255.255/x",
            "https://[fe80::1]/x",
            "https://[fd12::1]/x",
        ] {
            let e = verdict(url).expect_err(url);
            assert!(e.contains("address"), "{url}: {e}");
        }
    }

    #[test]
    fn credentials_and_ambiguous_characters_are_refused() {
        for url in [
            "https://user:pw@github.com/x",
            "https://token@github.com/x",
            "ssh://git:pw@github.com/x",
            "http://github.com#@127.0.0.1/x",
            "http://github.com\\@127.0.0.1/x",
            "git://github.com?@127.0.0.1/x",
            "http://%31%32%37.0.0.1/x",
            "git://%31%32%37.0.0.1/x",
            "https://exa mple.org/x",
        ] {
            assert!(verdict(url).is_err(), "{url}");
        }
    }

    #[test]
    fn only_repository_schemes_pass_and_file_only_when_allowed() {
        assert!(verdict("file:///etc/passwd").unwrap_err().contains("file://"));
        assert!(verdict("ftp://example.org/x").unwrap_err().contains("ftp"));
        assert!(verdict("javascript:alert(1)").is_err());
        assert!(verdict("not an address").is_err());
        assert!(verdict("").is_err());
        let local = read_repository_address("file:///srv/git/x.git", AddressPolicy::AllowLocal).unwrap();
        assert_eq!(local.host, Host::Local);
        assert!(read_repository_address("http://127.0.0.1:9/x", AddressPolicy::AllowLocal).is_ok());
    }

    #[test]
    fn inet_aton_spellings_read_as_the_c_library_reads_them() {
        for (host, ip) in [
            ("127.0.0.1", "127.0.0.1"),
            ("2130706433", "127.0.0.1"),
            ("0x7f000001", "127.0.0.1"),
            ("0177.0.0.1", "127.0.0.1"),
            ("127.1", "127.0.0.1"),
            ("127.0.1", "127.0.0.1"),
            ("0x7f.0x0.0x0.0x1", "127.0.0.1"),
            ("10.0x10203", "10.1.2.3"),
            ("0", "0.0.0.0"),
        ] {
            assert_eq!(literal_ip(host), Some(ip.parse().unwrap()), "{host}");
        }
        for name in ["github.com", "256.1.1.1", "1.2.3.4.5", "08.1.1.1", "4294967296", "1..1", "1.2.3.256"] {
            assert_eq!(literal_ip(name), None, "{name}");
        }
    }

    mod generated {
        use proptest::prelude::*;

        use super::super::*;

        /// An IPv4 address inside one of the refused ranges.
        fn refused_v4() -> impl Strategy<Value = Ipv4Addr> {
            let ranges: Vec<(u32, u8)> = vec![
                (0x7f00_0000, 8),  // loopback
                (0x0a00_0000, 8),  // private
                (0xac10_0000, 12), // private
                (0xc0a8_0000, 16), // private
                (0xa9fe_0000, 16), // link-local (cloud metadata)
                (0x6440_0000, 10), // shared
                (0x0000_0000, 8),  // unspecified
                (0xe000_0000, 4),  // multicast
                (0xf000_0000, 4),  // reserved
                (0xc612_0000, 15), // benchmarking
            ];
            (0..ranges.len(), any::<u32>()).prop_map(move |(i, bits)| {
                let (base, len) = ranges[i];
                let host_mask = if len == 0 { u32::MAX } else { u32::MAX >> len };
                Ipv4Addr::from(base | (bits & host_mask))
            })
        }

        fn number(v: u32, style: u8) -> String {
            match style % 3 {
                0 => v.to_string(),
                1 => format!("0x{v:x}"),
                _ => format!("0{v:o}"),
            }
        }

        /// The ways `inet_aton` (and so libgit2's resolver) reads the same IPv4 address.
        fn spell_v4(ip: Ipv4Addr, form: u8, styles: [u8; 4], upper: bool) -> String {
            let [a, b, c, d] = ip.octets();
            let text = match form % 4 {
                0 => format!(
                    "{}.{}.{}.{}",
                    number(a.into(), styles[0]),
                    number(b.into(), styles[1]),
                    number(c.into(), styles[2]),
                    number(d.into(), styles[3])
                ),
                1 => number(u32::from(ip), styles[0]),
                2 => format!("{}.{}", number(a.into(), styles[0]), number(u32::from(ip) & 0xff_ffff, styles[1])),
                _ => format!(
                    "{}.{}.{}",
                    number(a.into(), styles[0]),
                    number(b.into(), styles[1]),
                    number(u32::from(ip) & 0xffff, styles[2])
                ),
            };
            if upper {
                text.to_uppercase()
            } else {
                text
            }
        }

        /// IPv6 forms that reach the same IPv4 address.
        fn spell_v6(ip: Ipv4Addr, form: u8) -> String {
            let [a, b, c, d] = ip.octets();
            let (hi, lo) = (u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d]));
            match form % 5 {
                0 => format!("[::ffff:{ip}]"),
                1 => format!("[::ffff:{hi:x}:{lo:x}]"),
                2 => format!("[64:ff9b::{hi:x}:{lo:x}]"),
                3 => format!("[2002:{hi:x}:{lo:x}::1]"),
                _ => format!("[0:0:0:0:0:FFFF:{hi:X}:{lo:X}]"),
            }
        }

        fn in_address(host: &str, shape: u8, dot: bool) -> String {
            let host = if dot && !host.starts_with('[') { format!("{host}.") } else { host.to_string() };
            match shape % 6 {
                0 => format!("https://{host}/org/repo.git"),
                1 => format!("http://{host}:8080/repo"),
                2 => format!("git://{host}/repo.git"),
                3 => format!("ssh://git@{host}/repo.git"),
                4 if !host.starts_with('[') => format!("git@{host}:org/repo.git"),
                _ => format!("HTTPS://{host}/x"),
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4000))]

            #[test]
            fn no_spelling_of_a_refused_ipv4_is_accepted(
                ip in refused_v4(), form: u8, styles: [u8; 4], upper: bool, shape: u8, dot: bool,
            ) {
                let url = in_address(&spell_v4(ip, form, styles, upper), shape, dot);
                prop_assert!(read_repository_address(&url, AddressPolicy::PublicOnly).is_err(), "{} accepted ({})", url, ip);
            }

            #[test]
            fn no_ipv6_form_of_a_refused_ipv4_is_accepted(ip in refused_v4(), form: u8, shape: u8) {
                let url = in_address(&spell_v6(ip, form), shape, false);
                prop_assert!(read_repository_address(&url, AddressPolicy::PublicOnly).is_err(), "{} accepted ({})", url, ip);
            }

            #[test]
            fn refused_ipv6_ranges_are_refused(bits: u128, range in 0usize..5, shape: u8) {
                let (base, len): (u128, u32) = [
                    (0xfc00 << 112, 7),    // unique local
                    (0xfe80 << 112, 10),   // link-local
                    (0xff00 << 112, 8),    // multicast
                    (1, 128),              // loopback
                    (0x2001_0db8 << 96, 32), // documentation
                ][range];
                let mask = if len == 128 { 0 } else { u128::MAX >> len };
                let ip = Ipv6Addr::from(base | (bits & mask));
                let url = in_address(&format!("[{ip}]"), shape, false);
                prop_assert!(read_repository_address(&url, AddressPolicy::PublicOnly).is_err(), "{} accepted", url);
            }

            #[test]
            fn a_literal_is_read_as_the_address_it_spells(ip: u32, form: u8, styles: [u8; 4], upper: bool) {
                let ip = Ipv4Addr::from(ip);
                prop_assert_eq!(literal_ip(&spell_v4(ip, form, styles, upper)), Some(IpAddr::V4(ip)));
            }
        }
    }
}
