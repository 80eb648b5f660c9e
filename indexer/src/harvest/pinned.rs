//! Connections go to the addresses that were checked, not to whatever a second lookup
//! gives. libgit2 resolves host names itself: a DNS server that answers a public address to
//! the check and a private one to libgit2 (DNS rebinding) would walk the harvester into the
//! network it runs in. So the host is resolved once, by the check, and:
//! - for `http` and `https`, libgit2 is given a proxy on loopback, the `Gate`, that connects
//!   only to the checked addresses and only for the checked host and port (`CONNECT` for
//!   https, whose TLS stays end to end with the real host name; absolute-form requests for
//!   http, which servers must accept);
//! - for `git` and `ssh`, which libgit2 sends through no proxy, the address handed to
//!   libgit2 names the checked IP address instead of the host.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// The longest request head the gate reads from libgit2.
const MAX_HEAD: usize = 16 * 1024;

/// A proxy on loopback for one harvest; it stops when dropped.
pub struct Gate {
    port: u16,
    stop: Arc<AtomicBool>,
    relayed: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
}

impl Gate {
    /// Opens a gate to `host:port`, reached at `addresses` only, until `deadline`.
    pub fn open(host: &str, port: u16, addresses: Vec<IpAddr>, deadline: Instant) -> io::Result<Gate> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let gate = Gate {
            port: listener.local_addr()?.port(),
            stop: Arc::new(AtomicBool::new(false)),
            relayed: Arc::new(AtomicUsize::new(0)),
            refused: Arc::new(AtomicUsize::new(0)),
        };
        let target = Arc::new(Target { host: host.to_ascii_lowercase(), port, addresses, deadline });
        let (stop, relayed, refused) = (gate.stop.clone(), gate.relayed.clone(), gate.refused.clone());
        thread::Builder::new().name("harvest-gate".into()).spawn(move || {
            for client in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let (target, relayed, refused) = (target.clone(), relayed.clone(), refused.clone());
                let _ = thread::Builder::new().name("harvest-gate-conn".into()).spawn(move || {
                    match serve(client, &target) {
                        Ok(true) => relayed.fetch_add(1, Ordering::SeqCst),
                        Ok(false) | Err(_) => refused.fetch_add(1, Ordering::SeqCst),
                    };
                });
            }
        })?;
        Ok(gate)
    }

    /// The proxy address to give libgit2.
    pub fn proxy_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Connections relayed to the checked addresses.
    pub fn relayed(&self) -> usize {
        self.relayed.load(Ordering::SeqCst)
    }

    /// Requests refused (another host or port, or a malformed request).
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the stop.
        let _ = TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], self.port)), Duration::from_secs(1));
    }
}

struct Target {
    host: String,
    port: u16,
    addresses: Vec<IpAddr>,
    deadline: Instant,
}

impl Target {
    fn remaining(&self) -> Option<Duration> {
        self.deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
    }

    /// Whether `authority` (`host:port` or `host`, with `default_port`) is the checked one.
    fn matches(&self, authority: &str, default_port: u16) -> bool {
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => match p.parse::<u16>() {
                Ok(p) => (h, p),
                Err(_) => (authority, default_port),
            },
            _ => (authority, default_port),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case(self.host.trim_start_matches('[').trim_end_matches(']')) && port == self.port
    }

    fn connect(&self) -> io::Result<TcpStream> {
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no checked address");
        for ip in &self.addresses {
            let Some(left) = self.remaining() else { break };
            match TcpStream::connect_timeout(&SocketAddr::new(*ip, self.port), left.min(Duration::from_secs(30))) {
                Ok(s) => return Ok(s),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

/// Serves one of libgit2's connections; `Ok(true)` when it was relayed.
fn serve(mut client: TcpStream, target: &Target) -> io::Result<bool> {
    let Some(left) = target.remaining() else { return Ok(false) };
    client.set_read_timeout(Some(left))?;
    let head = read_head(&mut client)?;
    let text = String::from_utf8_lossy(&head);
    let request_line = text.lines().next().unwrap_or("");
    let mut words = request_line.split(' ');
    let (method, uri) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let allowed = if method == "CONNECT" {
        target.matches(uri, 443)
    } else {
        uri.strip_prefix("http://")
            .map(|rest| rest.split('/').next().unwrap_or(""))
            .is_some_and(|authority| target.matches(authority, 80))
    };
    if !allowed {
        tracing::warn!(request = %request_line, host = %target.host, "the harvest's gate refused a request");
        let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return Ok(false);
    }
    let mut upstream = match target.connect() {
        Ok(s) => s,
        Err(e) => {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            return Err(e);
        }
    };
    if method == "CONNECT" {
        client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
        // What the client sent past the CONNECT head belongs to the tunnel.
        let end = head.windows(4).position(|w| w == b"\r\n\r\n").map_or(head.len(), |i| i + 4);
        upstream.write_all(&head[end..])?;
    } else {
        upstream.write_all(&head)?;
    }
    splice(client, upstream, target)?;
    Ok(true)
}

/// Reads up to the blank line that ends a request head (and whatever came with it).
fn read_head(client: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "request head too long"));
        }
        let n = client.read(&mut buf)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed before the request head ended"));
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(head)
}

/// Copies both ways until either side closes or the harvest's deadline passes.
fn splice(client: TcpStream, upstream: TcpStream, target: &Target) -> io::Result<()> {
    let left = target.remaining().unwrap_or(Duration::from_millis(1));
    for s in [&client, &upstream] {
        s.set_read_timeout(Some(left))?;
        s.set_write_timeout(Some(left))?;
    }
    let (mut client_in, mut upstream_out) = (client.try_clone()?, upstream.try_clone()?);
    let up = thread::Builder::new().name("harvest-gate-up".into()).spawn(move || {
        let _ = io::copy(&mut client_in, &mut upstream_out);
        let _ = upstream_out.shutdown(Shutdown::Write);
    })?;
    let (mut upstream_in, mut client_out) = (upstream, client);
    let _ = io::copy(&mut upstream_in, &mut client_out);
    let _ = client_out.shutdown(Shutdown::Both);
    let _ = upstream_in.shutdown(Shutdown::Both);
    let _ = up.join();
    Ok(())
}

/// The address libgit2 is given for a `git`, `ssh` or scp-like URL: the same, with the host
/// replaced by the checked IP address.
pub fn with_address(url: &str, host: &str, ip: IpAddr) -> String {
    let literal = match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    };
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (format!("{u}@"), h),
            None => (String::new(), authority),
        };
        let port = hostport
            .strip_prefix('[')
            .and_then(|h| h.split_once(']').map(|(_, p)| p))
            .unwrap_or_else(|| hostport.find(':').map_or("", |i| &hostport[i..]));
        return format!("{scheme}://{user}{literal}{port}{path}");
    }
    // scp-like user@host:path
    match url.split_once('@') {
        Some((user, rest)) if rest.to_ascii_lowercase().starts_with(&host.to_ascii_lowercase()) => {
            format!("{user}@{literal}{}", &rest[host.len()..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counting_server() -> (u16, Arc<AtomicUsize>) {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        thread::spawn(move || {
            for stream in listener.incoming().take(8) {
                let Ok(mut stream) = stream else { continue };
                seen.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 1024];
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
        });
        (port, count)
    }

    fn ask(gate: &Gate, request: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", gate.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn the_gate_reaches_the_checked_address_for_the_checked_host_only() {
        let (port, count) = counting_server();
        let deadline = Instant::now() + Duration::from_secs(20);
        // The name would resolve elsewhere by now; the gate goes to what was checked.
        let gate = Gate::open("forge.example.org", port, vec!["127.0.0.1".parse().unwrap()], deadline).unwrap();
        let http = ask(
            &gate,
            &format!("GET http://forge.example.org:{port}/x/info/refs HTTP/1.1\r\nHost: forge.example.org\r\n\r\n"),
        );
        assert!(http.starts_with("HTTP/1.1 404"), "{http}");
        let tunnel = ask(&gate, &format!("CONNECT forge.example.org:{port} HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n"));
        assert!(tunnel.starts_with("HTTP/1.1 200 Connection established"), "{tunnel}");
        assert_eq!(count.load(Ordering::SeqCst), 2);
        for other in [
            format!("CONNECT other.example.org:{port} HTTP/1.1\r\n\r\n"),
            "CONNECT forge.example.org:22 HTTP/1.1\r\n\r\n".to_string(),
            format!("GET http://127.0.0.1:{port}/ HTTP/1.1\r\n\r\n"),
            format!("GET http://forge.example.org.evil:{port}/ HTTP/1.1\r\n\r\n"),
            format!("GET /relative HTTP/1.1\r\nHost: forge.example.org:{port}\r\n\r\n"),
        ] {
            assert!(ask(&gate, &other).starts_with("HTTP/1.1 403"), "{other}");
        }
        assert_eq!(count.load(Ordering::SeqCst), 2, "a refused request reached the server");
        // Counted once each answer is written (a relay, once both of its sides are done): a
        // moment after the client read it.
        let counted = Instant::now() + Duration::from_secs(5);
        while (gate.relayed() < 2 || gate.refused() < 5) && Instant::now() < counted {
            thread::sleep(Duration::from_millis(10));
        }
        assert_eq!((gate.relayed(), gate.refused()), (2, 5));
    }

    #[test]
    fn git_and_ssh_addresses_name_the_checked_ip() {
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(with_address("git://forge.example.org/x.git", "forge.example.org", v4), "git://192.0.2.1/x.git");
        assert_eq!(
            with_address("git://forge.example.org:9419/x.git", "forge.example.org", v6),
            "git://[2001:db8::1]:9419/x.git"
        );
        assert_eq!(
            with_address("ssh://git@forge.example.org/o/x.git", "forge.example.org", v4),
            "ssh://git@192.0.2.1/o/x.git"
        );
        assert_eq!(with_address("git@Forge.example.org:o/x.git", "forge.example.org", v4), "git@192.0.2.1:o/x.git");
        assert_eq!(with_address("git://[2001:db8::9]:77/x", "2001:db8::9", v6), "git://[2001:db8::1]:77/x");
    }
}
