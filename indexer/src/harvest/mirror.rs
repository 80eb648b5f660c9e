//! Bare mirrors of the catalog's repositories. The first harvest clones into a folder of
//! its own and renames it into place only once complete, so a killed clone leaves nothing
//! that looks like a mirror. Later harvests first list the remote's refs and stop there
//! when they are the mirror's; otherwise they fetch the branches and tags (not the forges'
//! pull-request refs, which the facts do not need), forced and pruned. A fetch that fails
//! changes no ref, so the mirror stays as it was.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use catalog::FailureClass;
use git2::{
    AutotagOption, Direction, FetchOptions, FetchPrune, ProxyOptions, RemoteCallbacks, RemoteRedirect, Repository,
};
use sha2::{Digest, Sha256};

use super::{Failure, Limits};

/// The refs a mirror keeps: branches and tags.
const REFSPECS: [&str; 2] = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

/// What a sync did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    Cloned,
    Updated,
    Unchanged,
}

/// The remote's refs as it advertised them: branches and tags, and where its HEAD points.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Advertised {
    refs: BTreeMap<String, git2::Oid>,
    head: Option<String>,
}

/// Where the mirror of `url` lives under `root`: readable (host and path in lowercase
/// letters, digits, dots and dashes), never leaving `root` whatever the URL holds, and
/// distinct for distinct URLs thanks to a hash of the whole URL.
pub fn mirror_path(root: &Path, url: &str) -> PathBuf {
    let readable: String = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect();
    let mut readable: String = readable.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    readable.truncate(80);
    let digest = Sha256::digest(url.as_bytes());
    let hash: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    root.join(format!("{readable}-{hash}.git"))
}

/// How libgit2 reaches a repository: the address it is given, and the proxy it goes
/// through (the harvest's gate, for a host name over http or https).
#[derive(Debug, Clone)]
pub struct Route {
    pub url: String,
    pub proxy: Option<String>,
}

impl Route {
    fn proxy_options(&self) -> ProxyOptions<'_> {
        let mut options = ProxyOptions::new();
        if let Some(proxy) = &self.proxy {
            options.url(proxy);
        }
        options
    }
}

/// Brings the mirror at `path` up to date with `route`.
pub fn sync(route: &Route, path: &Path, limits: &Limits, deadline: Instant) -> Result<Sync, Failure> {
    let existing = if path.exists() { Repository::open_bare(path).ok() } else { None };
    match existing {
        Some(repo) => {
            let advertised = list_remote(&repo, route, limits, deadline)?;
            if advertised.is_some() && advertised == Some(local(&repo)?) {
                return Ok(Sync::Unchanged);
            }
            fetch(&repo, route, advertised.as_ref(), limits, deadline)?;
            Ok(Sync::Updated)
        }
        None => {
            let partial = path.with_extension("partial");
            if partial.exists() {
                std::fs::remove_dir_all(&partial).map_err(|e| {
                    Failure::new(FailureClass::Other, format!("cannot clear {}: {e}", partial.display()))
                })?;
            }
            if let Some(parent) = partial.parent() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    Failure::new(FailureClass::Other, format!("cannot create {}: {e}", parent.display()))
                })?;
            }
            let result = clone_into(route, &partial, limits, deadline);
            if result.is_err() {
                let _ = std::fs::remove_dir_all(&partial);
            }
            result?;
            if path.exists() {
                // Not a repository (a mirror damaged by hand): replaced by the new clone.
                std::fs::remove_dir_all(path).map_err(|e| {
                    Failure::new(FailureClass::Other, format!("cannot replace {}: {e}", path.display()))
                })?;
            }
            std::fs::rename(&partial, path)
                .map_err(|e| Failure::new(FailureClass::Other, format!("cannot move the clone into place: {e}")))?;
            Ok(Sync::Cloned)
        }
    }
}

fn clone_into(route: &Route, partial: &Path, limits: &Limits, deadline: Instant) -> Result<(), Failure> {
    let repo = Repository::init_bare(partial)
        .map_err(|e| Failure::new(FailureClass::Other, format!("cannot create the mirror: {}", e.message())))?;
    let advertised = list_remote(&repo, route, limits, deadline)?;
    fetch(&repo, route, advertised.as_ref(), limits, deadline)
}

/// The remote's branches, tags and HEAD, or `None` when its HEAD is not advertised (a
/// deleted default branch, an empty repository): then only a fetch tells.
fn list_remote(
    repo: &Repository,
    route: &Route,
    limits: &Limits,
    deadline: Instant,
) -> Result<Option<Advertised>, Failure> {
    // `connect_auth` takes no redirect option: the mirror's own configuration says it.
    repo.config()
        .and_then(|mut c| c.set_bool("http.followRedirects", false))
        .map_err(|e| Failure::new(FailureClass::Other, format!("cannot configure the mirror: {}", e.message())))?;
    let mut remote = repo.remote_anonymous(&route.url).map_err(|e| classify(&e, None))?;
    let watch = Watch::new(limits, deadline);
    let connection = remote
        .connect_auth(Direction::Fetch, Some(watch.callbacks()), Some(route.proxy_options()))
        .map_err(|e| classify(&e, watch.reason()))?;
    // git2's `list` builds a slice from libgit2's pointer, which is null when the remote
    // advertises nothing; `default_branch` succeeds only when the list holds HEAD, so the
    // list is asked for only then.
    let Ok(head) = connection.default_branch() else { return Ok(None) };
    let heads = connection.list().map_err(|e| classify(&e, None))?;
    let mut out = Advertised { refs: BTreeMap::new(), head: head.as_str().ok().map(str::to_string) };
    for h in heads {
        let name = h.name();
        if (name.starts_with("refs/heads/") || name.starts_with("refs/tags/")) && !name.ends_with("^{}") {
            out.refs.insert(name.to_string(), h.oid());
        }
    }
    if out.head.as_ref().is_some_and(|h| !out.refs.contains_key(h)) {
        out.head = None;
    }
    Ok(Some(out))
}

/// Fetches branches and tags, forced (a force-push rewrites them) and pruned (a branch
/// deleted upstream goes), then points HEAD where the remote's does.
fn fetch(
    repo: &Repository,
    route: &Route,
    advertised: Option<&Advertised>,
    limits: &Limits,
    deadline: Instant,
) -> Result<(), Failure> {
    let mut remote = repo.remote_anonymous(&route.url).map_err(|e| classify(&e, None))?;
    let watch = Watch::new(limits, deadline);
    let mut options = FetchOptions::new();
    // A redirect could lead to an address the checks refused: none is followed.
    options
        .remote_callbacks(watch.callbacks())
        .proxy_options(route.proxy_options())
        .follow_redirects(RemoteRedirect::None)
        .download_tags(AutotagOption::None)
        .prune(FetchPrune::On)
        .update_fetchhead(false);
    remote.fetch(&REFSPECS, Some(&mut options), Some("harvest")).map_err(|e| classify(&e, watch.reason()))?;
    drop(remote);
    let mirrored = local(repo)?;
    if !mirrored.refs.keys().any(|r| r.starts_with("refs/heads/")) {
        return Err(Failure::new(FailureClass::Empty, "the repository has no branch"));
    }
    if let Some(head) = advertised.and_then(|a| a.head.as_ref()) {
        repo.set_head(head)
            .map_err(|e| Failure::new(FailureClass::Other, format!("cannot set the mirror's HEAD: {}", e.message())))?;
    }
    Ok(())
}

fn local(repo: &Repository) -> Result<Advertised, Failure> {
    let git = |e: git2::Error| Failure::new(FailureClass::Other, format!("cannot read the mirror: {}", e.message()));
    let mut out = Advertised::default();
    for r in repo.references().map_err(git)? {
        let r = r.map_err(git)?;
        if let (Some(name), Some(oid)) = (r.name().ok(), r.target()) {
            if name.starts_with("refs/heads/") || name.starts_with("refs/tags/") {
                out.refs.insert(name.to_string(), oid);
            }
        }
    }
    out.head = repo
        .find_reference("HEAD")
        .ok()
        .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string))
        .filter(|h| out.refs.contains_key(h));
    Ok(out)
}

/// Why the harvester stopped a transfer itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stopped {
    TooLarge(u64),
    TimedOut,
}

/// Watches a transfer: stops it past the deadline or the size limit, refuses to offer
/// credentials (the catalog lists public repositories), and remembers why it stopped.
struct Watch {
    max_bytes: u64,
    deadline: Instant,
    stopped: std::rc::Rc<Cell<Option<Stopped>>>,
}

impl Watch {
    fn new(limits: &Limits, deadline: Instant) -> Watch {
        Watch { max_bytes: limits.max_repository_bytes, deadline, stopped: Default::default() }
    }

    fn reason(&self) -> Option<Stopped> {
        self.stopped.get()
    }

    fn callbacks(&self) -> RemoteCallbacks<'static> {
        let mut callbacks = RemoteCallbacks::new();
        let (max, deadline, stopped) = (self.max_bytes, self.deadline, self.stopped.clone());
        callbacks.transfer_progress(move |progress| {
            if progress.received_bytes() as u64 > max {
                stopped.set(Some(Stopped::TooLarge(progress.received_bytes() as u64)));
                return false;
            }
            if Instant::now() > deadline {
                stopped.set(Some(Stopped::TimedOut));
                return false;
            }
            true
        });
        let (deadline, stopped) = (self.deadline, self.stopped.clone());
        callbacks.sideband_progress(move |_| {
            if Instant::now() > deadline {
                stopped.set(Some(Stopped::TimedOut));
                return false;
            }
            true
        });
        callbacks.credentials(|_, _, _| Err(git2::Error::from_str("authentication required")));
        callbacks
    }
}

/// Puts a libgit2 error into a class a person can act on.
fn classify(e: &git2::Error, stopped: Option<Stopped>) -> Failure {
    match stopped {
        Some(Stopped::TooLarge(bytes)) => {
            return Failure::new(FailureClass::TooLarge, format!("stopped after {bytes} bytes: larger than the limit"))
        }
        Some(Stopped::TimedOut) => {
            return Failure::new(FailureClass::TimedOut, "the transfer took longer than the limit")
        }
        None => {}
    }
    let message = e.message().to_string();
    let m = message.to_lowercase();
    let class = if m.contains("authentication required")
        || m.contains("status code: 401")
        || m.contains("status code: 403")
        || m.contains("authentication")
        || m.contains("credentials")
    {
        FailureClass::AuthenticationRequired
    } else if e.code() == git2::ErrorCode::Timeout || m.contains("timed out") || m.contains("timeout") {
        FailureClass::TimedOut
    } else if m.contains("failed to resolve")
        || m.contains("failed to connect")
        || m.contains("connection refused")
        || m.contains("could not connect")
        || m.contains("network is unreachable")
        || m.contains("no route to host")
        || m.contains("connection reset")
        || m.contains("early eof")
        || m.contains("unexpected eof")
        || m.contains("status code: 5")
    {
        FailureClass::Unreachable
    } else if m.contains("not found")
        || m.contains("could not find repository")
        || m.contains("not a git repository")
        || m.contains("content-type")
        || m.contains("invalid packet")
        || m.contains("invalid pkt")
        || m.contains("not exported")
        || m.contains("access denied")
        || m.contains("failed to resolve path")
        || m.contains("not valid")
        || m.contains("status code: 404")
    {
        FailureClass::NotGit
    } else {
        FailureClass::Other
    };
    Failure::new(class, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_paths_are_readable_distinct_and_stay_inside() {
        let root = Path::new("/data/mirrors");
        let a = mirror_path(root, "https://github.com/Yverdon/GeoCity.git");
        assert!(a.starts_with(root));
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("github-com-yverdon-geocity-git-"), "{name}");
        assert_ne!(a, mirror_path(root, "https://github.com/yverdon/geocity.git"));
        for hostile in ["file:///../../etc/passwd", "https://x/../../..", "ssh://a/\0b", "git@h:~/..", ""] {
            let p = mirror_path(root, hostile);
            assert_eq!(p.parent(), Some(root), "{hostile:?} gave {p:?}");
            assert!(!p.file_name().unwrap().to_str().unwrap().contains(".."), "{hostile:?}");
        }
        let long = format!("https://example.org/{}", "a/".repeat(500));
        assert!(mirror_path(root, &long).file_name().unwrap().len() < 120);
    }
}
