//! Git repositories written from a description of their history.
//!
//! The harvester reads facts out of git mirrors (activity over twelve months, authors, release
//! tags, documentation files at HEAD). Its tests, its benchmark and the demo all need real
//! repositories whose every author, date and tag is chosen in advance, built in well under a
//! second for hundreds of commits and without the `git` command, which the demo cannot count
//! on. [`write_bare`] and [`append`] write such repositories with git2 alone; [`Plan::history`]
//! turns a few figures per demo software (`fixtures/histories.json`) into a plausible
//! [`History`].
//!
//! Speed comes from three choices, each measured: objects go to an in-memory object database
//! and reach the disk as one pack (loose objects were four times slower for 10,000 commits);
//! trees and commits are serialised here rather than through `TreeBuilder`/`repo.commit`, which
//! look up every object they name, and only the directories a commit changes are serialised
//! again; tags are written as one `packed-refs` file rather than a file and a lock each.

mod plan;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use git2::{Buf, ErrorCode, ObjectType, Odb, Oid, Reference, Repository, RepositoryInitOptions, Signature, Tag, Time};

pub use plan::{plans, Community, Language, Plan, PlanAuthor, Readme, Releases, Stack};

/// Someone who writes commits (and annotated tags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub name: String,
    pub email: String,
}

/// One commit: its author, its time (author and committer time, whole seconds, written as
/// UTC), its message (written verbatim: end it with `\n` as `git commit` does) and the files it
/// changes, applied in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitSpec {
    /// Index into [`History::authors`] (or the `authors` given to [`append`]).
    pub author: usize,
    pub when: DateTime<Utc>,
    pub message: String,
    /// Path (`/`-separated, directories created as needed) to new content; `None` deletes the
    /// file, and a directory left empty disappears with it, as in git.
    pub files: Vec<(String, Option<Vec<u8>>)>,
}

/// A tag on one commit of the history; an annotated tag is signed by the commit's author at
/// the commit's time and its message is its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagSpec {
    pub name: String,
    /// Index into [`History::commits`].
    pub commit: usize,
    pub annotated: bool,
}

/// A whole repository: one linear branch and its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub branch: String,
    pub authors: Vec<Author>,
    pub commits: Vec<CommitSpec>,
    pub tags: Vec<TagSpec>,
}

/// Creates (or replaces the refs of) a bare repository at `path` holding exactly this history
/// on `refs/heads/{branch}`, HEAD pointing at that branch, and the tags. Linear history, each
/// commit the parent of the next. Returns the head commit id (None for an empty history: an
/// empty bare repository with HEAD on the unborn branch).
///
/// Every ref the repository had before is deleted; its old objects stay, unreachable. Nothing
/// is written when the description is invalid (unknown author or commit index, bad branch,
/// tag name or path, duplicate tag); a path conflict only found while building (a file where a
/// directory is needed, deleting a missing file) leaves at most a new empty repository, and an
/// existing one's refs as they were.
pub fn write_bare(path: &Path, history: &History) -> Result<Option<Oid>, git2::Error> {
    let branch = branch_ref(&history.branch)?;
    let signatures = signatures(&history.authors)?;
    check_commits(&history.commits, signatures.len())?;
    check_tags(&history.tags, history.commits.len())?;

    let repo = match Repository::open_bare(path) {
        Ok(repo) => repo,
        Err(e) if e.code() == ErrorCode::NotFound => Repository::init_opts(
            path,
            // No hook samples from the system's git templates: fewer files, and the same
            // repository on every machine.
            RepositoryInitOptions::new().bare(true).external_template(false).initial_head(&history.branch),
        )?,
        Err(e) => return Err(e),
    };
    let built = build(&repo, Storage::Pack, None, None, &signatures, &history.commits, &history.tags)?;
    // A fresh handle sees the new pack without relying on libgit2 rescanning the pack folder.
    drop(repo);
    let repo = Repository::open_bare(path)?;

    let old: Vec<String> = repo.references()?.filter_map(|r| r.ok()?.name().ok().map(str::to_owned)).collect();
    for name in old {
        match repo.find_reference(&name) {
            Ok(mut reference) => reference.delete()?,
            Err(e) if e.code() == ErrorCode::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    if let Some(&head) = built.commits.last() {
        repo.reference(&branch, head, true, "communs: write history")?;
    }
    write_packed_tags(&repo, history, &built)?;
    repo.set_head(&branch)?;
    Ok(built.commits.last().copied())
}

/// Tags go to `packed-refs` in one write, as after a clone: a loose ref per tag is a file
/// and a lock each, which made up most of the time of writing the demo's repositories.
fn write_packed_tags(repo: &Repository, history: &History, built: &Built) -> Result<(), git2::Error> {
    if history.tags.is_empty() {
        return Ok(());
    }
    let mut rows: Vec<(String, String)> = history
        .tags
        .iter()
        .zip(&built.tags)
        .map(|(tag, object)| {
            let commit = built.commits[tag.commit];
            let line = match object {
                Some(object) => format!("{object} refs/tags/{}\n^{commit}\n", tag.name),
                None => format!("{commit} refs/tags/{}\n", tag.name),
            };
            (format!("refs/tags/{}", tag.name), line)
        })
        .collect();
    rows.sort();
    let mut text = String::from("# pack-refs with: peeled fully-peeled sorted \n");
    rows.iter().for_each(|(_, line)| text.push_str(line));
    let io = |what: &str, e: std::io::Error| git2::Error::from_str(&format!("{what} packed-refs: {e}"));
    let path = repo.path().join("packed-refs");
    let lock = repo.path().join("packed-refs.lock");
    // The lock file is libgit2's and git's protocol: fail rather than race another writer.
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).open(&lock).map_err(|e| io("locking", e))?;
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
    drop(file);
    match written.and_then(|()| std::fs::rename(&lock, &path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&lock);
            Err(io("writing", e))
        }
    }
}

/// Appends commits to the branch of an existing repository (bare or not); returns the new head.
///
/// An unborn or missing branch gets a root commit. Only the branch ref moves: the index and
/// working tree of a non-bare repository are left as they were. The ref is updated only if
/// nobody moved it meanwhile.
pub fn append(path: &Path, branch: &str, authors: &[Author], commits: &[CommitSpec]) -> Result<Oid, git2::Error> {
    let refname = branch_ref(branch)?;
    let signatures = signatures(authors)?;
    check_commits(commits, signatures.len())?;

    let repo = Repository::open(path)?;
    let (parent, base) = match repo.find_reference(&refname) {
        Ok(reference) => {
            let commit = reference.peel_to_commit()?;
            (Some(commit.id()), Some(commit.tree_id()))
        }
        Err(e) if e.code() == ErrorCode::NotFound => (None, None),
        Err(e) => return Err(e),
    };
    if commits.is_empty() {
        return parent
            .ok_or_else(|| git2::Error::from_str(&format!("{refname} is unborn and there is nothing to append")));
    }
    let built = build(&repo, Storage::Pack, parent, base, &signatures, commits, &[])?;
    let head = *built.commits.last().expect("at least one commit was written");
    drop(repo);
    let repo = Repository::open(path)?;
    match parent {
        Some(old) => repo.reference_matching(&refname, head, true, old, "communs: append history")?,
        None => repo.reference(&refname, head, false, "communs: append history")?,
    };
    Ok(head)
}

/// Where the objects of a build go: one pack, or loose objects (kept for the timing test's
/// comparison).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Storage {
    Pack,
    #[cfg_attr(not(test), allow(dead_code))]
    Loose,
}

/// What a build wrote: the commits, oldest first, and the tag object of each annotated tag.
struct Built {
    commits: Vec<Oid>,
    tags: Vec<Option<Oid>>,
}

/// Writes the commits on top of `parent` (whose tree is `base`) and the annotated tags'
/// objects. Refs are not touched.
fn build(
    repo: &Repository,
    storage: Storage,
    parent: Option<Oid>,
    base: Option<Oid>,
    signatures: &[Signature<'static>],
    commits: &[CommitSpec],
    tags: &[TagSpec],
) -> Result<Built, git2::Error> {
    let disk = repo.odb()?;
    if storage == Storage::Loose {
        return write_objects(&disk, &disk, parent, base, signatures, commits, tags);
    }
    // New objects go to a database of their own: written to the repository's, each would
    // first be looked for there, and every miss rescans the pack folder.
    let memory = Repository::from_odb(Odb::new()?)?;
    let odb = memory.odb()?;
    // Above the alternate's loose (1) and pack (2) backends added below, which the pack
    // builder would otherwise ask first for every object.
    odb.add_new_mempack_backend(1000)?;
    let built = write_objects(&disk, &odb, parent, base, signatures, commits, tags)?;
    if built.commits.is_empty() {
        return Ok(built);
    }
    // The pack holds what the new commits reach, the unchanged files of an appended-to head
    // included: let the builder find those on disk.
    let objects = repo.path().join("objects");
    let objects = objects.to_str().ok_or_else(|| git2::Error::from_str("repository path is not UTF-8"))?;
    odb.add_disk_alternate(objects)?;
    let mut builder = memory.packbuilder()?;
    // One thread, so that the same history gives the same pack, byte for byte.
    builder.set_threads(1);
    for &commit in &built.commits {
        builder.insert_commit(commit)?;
    }
    for &tag in built.tags.iter().flatten() {
        builder.insert_object(tag, None)?;
    }
    let mut pack = Buf::new();
    builder.write_buf(&mut pack)?;
    let mut writer = disk.packwriter()?;
    writer.write_all(&pack).map_err(|e| git2::Error::from_str(&format!("writing the pack: {e}")))?;
    writer.commit()?;
    Ok(built)
}

/// Writes blobs, trees, commits and annotated tags to `writer`, reading the trees of `base`
/// from `reader`.
fn write_objects(
    reader: &Odb<'_>,
    writer: &Odb<'_>,
    parent: Option<Oid>,
    base: Option<Oid>,
    signatures: &[Signature<'static>],
    commits: &[CommitSpec],
    tags: &[TagSpec],
) -> Result<Built, git2::Error> {
    let mut root = match base {
        Some(oid) => Dir::stored(oid),
        None => Dir::new(),
    };
    let mut parent = parent;
    let mut ids = Vec::with_capacity(commits.len());
    let mut buffer = Vec::new();
    for spec in commits {
        for (path, content) in &spec.files {
            let parts = components(path)?;
            match content {
                Some(bytes) => {
                    let blob = writer.write(ObjectType::Blob, bytes)?;
                    root.put(reader, &parts, blob, path)?;
                }
                None => {
                    root.remove(reader, &parts, path)?;
                }
            }
        }
        let tree = root.write(writer, &mut buffer)?;
        let oid = writer.write(ObjectType::Commit, &commit_bytes(tree, parent, &signatures[spec.author], spec))?;
        ids.push(oid);
        parent = Some(oid);
    }
    let tags = tags
        .iter()
        .map(|tag| {
            if !tag.annotated {
                return Ok(None);
            }
            let spec = &commits[tag.commit];
            let bytes = format!(
                "object {}\ntype commit\ntag {}\ntagger {}\n\n{}\n",
                ids[tag.commit],
                tag.name,
                ident(&signatures[spec.author], spec.when),
                tag.name
            );
            writer.write(ObjectType::Tag, bytes.as_bytes()).map(Some)
        })
        .collect::<Result<_, git2::Error>>()?;
    Ok(Built { commits: ids, tags })
}

/// `Name <email> seconds +0000`, as in commit and tag objects.
fn ident(who: &Signature<'_>, when: DateTime<Utc>) -> String {
    format!("{} <{}> {} +0000", who.name().unwrap_or_default(), who.email().unwrap_or_default(), when.timestamp())
}

/// The commit object as libgit2 and git write it.
fn commit_bytes(tree: Oid, parent: Option<Oid>, author: &Signature<'_>, spec: &CommitSpec) -> Vec<u8> {
    let ident = ident(author, spec.when);
    let mut out = String::with_capacity(200 + spec.message.len());
    out.push_str(&format!("tree {tree}\n"));
    if let Some(parent) = parent {
        out.push_str(&format!("parent {parent}\n"));
    }
    out.push_str(&format!("author {ident}\ncommitter {ident}\n\n"));
    out.push_str(&spec.message);
    out.into_bytes()
}

const MODE_FILE: i32 = 0o100644;
const MODE_EXECUTABLE: i32 = 0o100755;
const MODE_TREE: i32 = 0o040000;

/// A directory of the tree being built. Directories of an existing head are read from the
/// object database only when a path goes through them; `oid` is None once something inside
/// changed, so that only changed directories are serialised again.
#[derive(Debug)]
struct Dir {
    oid: Option<Oid>,
    entries: Option<BTreeMap<String, Node>>,
}

#[derive(Debug)]
enum Node {
    /// A blob, a symlink or a submodule: whatever is not a tree, kept with its mode.
    Leaf {
        oid: Oid,
        mode: i32,
    },
    Dir(Dir),
}

impl Dir {
    fn new() -> Self {
        Self { oid: None, entries: Some(BTreeMap::new()) }
    }

    fn stored(oid: Oid) -> Self {
        Self { oid: Some(oid), entries: None }
    }

    /// The entries, read from the object database on first use; marks the directory changed.
    fn entries_mut(&mut self, odb: &Odb<'_>) -> Result<&mut BTreeMap<String, Node>, git2::Error> {
        if self.entries.is_none() {
            let oid = self.oid.expect("a directory is either stored or in memory");
            self.entries = Some(read_tree(odb, oid)?);
        }
        self.oid = None;
        Ok(self.entries.as_mut().expect("just loaded"))
    }

    fn put(&mut self, odb: &Odb<'_>, parts: &[&str], blob: Oid, path: &str) -> Result<(), git2::Error> {
        let entries = self.entries_mut(odb)?;
        let (name, rest) = parts.split_first().expect("paths have at least one component");
        if rest.is_empty() {
            let mode = match entries.get(*name) {
                Some(Node::Dir(_)) => return Err(path_error(path, &format!("{name} is a directory"))),
                Some(Node::Leaf { mode: MODE_EXECUTABLE, .. }) => MODE_EXECUTABLE,
                _ => MODE_FILE,
            };
            entries.insert((*name).to_owned(), Node::Leaf { oid: blob, mode });
            return Ok(());
        }
        match entries.entry((*name).to_owned()).or_insert_with(|| Node::Dir(Dir::new())) {
            Node::Dir(dir) => dir.put(odb, rest, blob, path),
            Node::Leaf { .. } => Err(path_error(path, &format!("{name} is a file"))),
        }
    }

    /// Removes a file; returns whether the directory is now empty.
    fn remove(&mut self, odb: &Odb<'_>, parts: &[&str], path: &str) -> Result<bool, git2::Error> {
        let entries = self.entries_mut(odb)?;
        let (name, rest) = parts.split_first().expect("paths have at least one component");
        let missing = || path_error(path, "no such file");
        if rest.is_empty() {
            match entries.get(*name) {
                Some(Node::Leaf { .. }) => {
                    entries.remove(*name);
                }
                Some(Node::Dir(_)) => return Err(path_error(path, "is a directory; delete its files")),
                None => return Err(missing()),
            }
        } else {
            let emptied = match entries.get_mut(*name) {
                Some(Node::Dir(dir)) => dir.remove(odb, rest, path)?,
                _ => return Err(missing()),
            };
            if emptied {
                entries.remove(*name);
            }
        }
        Ok(entries.is_empty())
    }

    fn write(&mut self, odb: &Odb<'_>, buffer: &mut Vec<u8>) -> Result<Oid, git2::Error> {
        if let Some(oid) = self.oid {
            return Ok(oid);
        }
        let entries = self.entries.as_mut().expect("a changed directory is in memory");
        let mut rows: Vec<(Vec<u8>, i32, Oid)> = Vec::with_capacity(entries.len());
        for (name, node) in entries.iter_mut() {
            match node {
                Node::Leaf { oid, mode } => rows.push((name.as_bytes().to_vec(), *mode, *oid)),
                Node::Dir(dir) => {
                    let oid = dir.write(odb, buffer)?;
                    // Git orders a directory as if its name ended with '/'.
                    let mut key = name.as_bytes().to_vec();
                    key.push(b'/');
                    rows.push((key, MODE_TREE, oid));
                }
            }
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        buffer.clear();
        for (key, mode, oid) in &rows {
            let name = if *mode == MODE_TREE { &key[..key.len() - 1] } else { &key[..] };
            buffer.extend_from_slice(format!("{mode:o} ").as_bytes());
            buffer.extend_from_slice(name);
            buffer.push(0);
            buffer.extend_from_slice(oid.as_bytes());
        }
        let oid = odb.write(ObjectType::Tree, buffer)?;
        self.oid = Some(oid);
        Ok(oid)
    }
}

/// One level of a stored tree, parsed from its raw object.
fn read_tree(odb: &Odb<'_>, oid: Oid) -> Result<BTreeMap<String, Node>, git2::Error> {
    let object = odb.read(oid)?;
    if object.kind() != ObjectType::Tree {
        return Err(git2::Error::from_str(&format!("{oid} is not a tree")));
    }
    let corrupt = || git2::Error::from_str(&format!("tree {oid} is corrupt"));
    let mut data = object.data();
    let mut entries = BTreeMap::new();
    while !data.is_empty() {
        let space = data.iter().position(|&b| b == b' ').ok_or_else(corrupt)?;
        let mode = std::str::from_utf8(&data[..space])
            .ok()
            .and_then(|m| i32::from_str_radix(m, 8).ok())
            .ok_or_else(corrupt)?;
        let rest = &data[space + 1..];
        let nul = rest.iter().position(|&b| b == 0).ok_or_else(corrupt)?;
        let name = String::from_utf8(rest[..nul].to_vec())
            .map_err(|_| git2::Error::from_str(&format!("tree {oid} has a file name that is not UTF-8")))?;
        let id = rest.get(nul + 1..nul + 21).ok_or_else(corrupt)?;
        let id = Oid::from_bytes(id)?;
        let node = if mode == MODE_TREE { Node::Dir(Dir::stored(id)) } else { Node::Leaf { oid: id, mode } };
        entries.insert(name, node);
        data = &rest[nul + 21..];
    }
    Ok(entries)
}

fn components(path: &str) -> Result<Vec<&str>, git2::Error> {
    let parts: Vec<&str> = path.split('/').collect();
    let bad = |p: &&str| {
        p.is_empty()
            || *p == "."
            || *p == ".."
            || p.eq_ignore_ascii_case(".git")
            || p.contains('\0')
            || p.contains('\\')
    };
    if parts.iter().any(bad) {
        return Err(path_error(path, "not a relative path of plain names"));
    }
    Ok(parts)
}

fn path_error(path: &str, why: &str) -> git2::Error {
    git2::Error::from_str(&format!("path {path:?}: {why}"))
}

fn branch_ref(branch: &str) -> Result<String, git2::Error> {
    let refname = format!("refs/heads/{branch}");
    if branch.contains('\0') || !Reference::is_valid_name(&refname) {
        return Err(git2::Error::from_str(&format!("{branch:?} is not a valid branch name")));
    }
    Ok(refname)
}

/// Checked once per author, and trimmed as libgit2 would.
fn signatures(authors: &[Author]) -> Result<Vec<Signature<'static>>, git2::Error> {
    authors
        .iter()
        .map(|a| {
            if a.name.contains(['\0', '\n']) || a.email.contains(['\0', '\n']) {
                return Err(git2::Error::from_str(&format!("author {:?} <{}>: line break or NUL", a.name, a.email)));
            }
            Signature::new(&a.name, &a.email, &Time::new(0, 0))
                .map_err(|e| git2::Error::from_str(&format!("author {:?} <{}>: {}", a.name, a.email, e.message())))
        })
        .collect()
}

fn check_commits(commits: &[CommitSpec], authors: usize) -> Result<(), git2::Error> {
    for (i, commit) in commits.iter().enumerate() {
        if commit.author >= authors {
            return Err(git2::Error::from_str(&format!(
                "commit {i}: author {} but only {authors} authors",
                commit.author
            )));
        }
        for (path, _) in &commit.files {
            components(path).map_err(|e| git2::Error::from_str(&format!("commit {i}: {}", e.message())))?;
        }
    }
    Ok(())
}

fn check_tags(tags: &[TagSpec], commits: usize) -> Result<(), git2::Error> {
    let mut seen = std::collections::BTreeSet::new();
    for tag in tags {
        if tag.name.contains('\0') || !Tag::is_valid_name(&tag.name) {
            return Err(git2::Error::from_str(&format!("{:?} is not a valid tag name", tag.name)));
        }
        if tag.commit >= commits {
            return Err(git2::Error::from_str(&format!(
                "tag {}: commit {} but only {commits} commits",
                tag.name, tag.commit
            )));
        }
        if !seen.insert(tag.name.as_str()) {
            return Err(git2::Error::from_str(&format!("tag {} given twice", tag.name)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn people() -> Vec<Author> {
        vec![
            Author { name: "Équipe Yverdon".into(), email: "sit@yverdon.example".into() },
            Author { name: "Alix Perrin".into(), email: "alix.perrin@prestataire.example".into() },
        ]
    }

    fn commit(author: usize, when: DateTime<Utc>, message: &str, files: &[(&str, Option<&str>)]) -> CommitSpec {
        CommitSpec {
            author,
            when,
            message: message.into(),
            files: files.iter().map(|(p, c)| (p.to_string(), c.map(|c| c.as_bytes().to_vec()))).collect(),
        }
    }

    fn sample() -> History {
        History {
            branch: "main".into(),
            authors: people(),
            commits: vec![
                commit(
                    0,
                    at(2023, 1, 2, 9),
                    "Initial commit\n",
                    &[("README.md", Some("# Demo\n")), ("docs/a.md", Some("a"))],
                ),
                commit(1, at(2023, 6, 1, 14), "Add nested page\n", &[("docs/guide/deep/b.md", Some("b"))]),
                commit(0, at(2024, 2, 29, 23), "Remove docs\n", &[("docs/a.md", None), ("docs/guide/deep/b.md", None)]),
                commit(1, at(2024, 3, 1, 8), "Edit README\n\nWith a body.\n", &[("README.md", Some("# Demo 2\n"))]),
            ],
            tags: vec![
                TagSpec { name: "v1.0.0".into(), commit: 1, annotated: true },
                TagSpec { name: "release-2024.03".into(), commit: 3, annotated: false },
            ],
        }
    }

    fn walk(repo: &Repository, from: Oid) -> Vec<Oid> {
        let mut walk = repo.revwalk().unwrap();
        walk.push(from).unwrap();
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE).unwrap();
        walk.map(Result::unwrap).collect()
    }

    fn file(repo: &Repository, commit: Oid, path: &str) -> Option<String> {
        let tree = repo.find_commit(commit).unwrap().tree().unwrap();
        let entry = tree.get_path(Path::new(path)).ok()?;
        let blob = repo.find_blob(entry.id()).ok()?;
        Some(String::from_utf8(blob.content().to_vec()).unwrap())
    }

    #[test]
    fn writes_exactly_the_history() {
        let dir = tempfile::tempdir().unwrap();
        let head = write_bare(dir.path(), &sample()).unwrap().unwrap();
        let repo = Repository::open_bare(dir.path()).unwrap();
        assert!(repo.is_bare());
        assert_eq!(repo.find_reference("HEAD").unwrap().symbolic_target().unwrap(), Some("refs/heads/main"));
        assert_eq!(repo.head().unwrap().target(), Some(head));

        let ids = walk(&repo, head);
        assert_eq!(ids.len(), 4);
        let history = sample();
        for (i, id) in ids.iter().enumerate() {
            let c = repo.find_commit(*id).unwrap();
            let spec = &history.commits[i];
            let who = &history.authors[spec.author];
            assert_eq!(c.author().name().ok(), Some(who.name.as_str()));
            assert_eq!(c.author().email().ok(), Some(who.email.as_str()));
            assert_eq!(c.committer().name().ok(), Some(who.name.as_str()));
            assert_eq!(c.author().when().seconds(), spec.when.timestamp());
            assert_eq!(c.committer().when().seconds(), spec.when.timestamp());
            assert_eq!(c.message().ok(), Some(spec.message.as_str()));
            assert_eq!(c.parent_count(), usize::from(i > 0));
            if i > 0 {
                assert_eq!(c.parent_id(0).unwrap(), ids[i - 1]);
            }
        }
        assert_eq!(file(&repo, ids[1], "docs/guide/deep/b.md").as_deref(), Some("b"));
        assert_eq!(file(&repo, ids[1], "docs/a.md").as_deref(), Some("a"));
        // Deleting the last files of a directory removes the directory, as git does.
        let tree = repo.find_commit(ids[2]).unwrap().tree().unwrap();
        assert_eq!(tree.iter().map(|e| e.name().unwrap().to_owned()).collect::<Vec<_>>(), ["README.md"]);
        assert_eq!(file(&repo, ids[3], "README.md").as_deref(), Some("# Demo 2\n"));

        let annotated = repo.find_reference("refs/tags/v1.0.0").unwrap();
        let tag = repo.find_tag(annotated.target().unwrap()).unwrap();
        assert_eq!(tag.target_id(), ids[1]);
        assert_eq!(tag.tagger().unwrap().name().ok(), Some("Alix Perrin"));
        assert_eq!(tag.tagger().unwrap().when().seconds(), at(2023, 6, 1, 14).timestamp());
        let light = repo.find_reference("refs/tags/release-2024.03").unwrap();
        assert_eq!(light.target(), Some(ids[3]));
        assert_eq!(repo.tag_names(None).unwrap().len(), 2);
    }

    #[test]
    fn objects_are_those_libgit2_would_write() {
        let dir = tempfile::tempdir().unwrap();
        let history = History {
            branch: "master".into(),
            authors: people(),
            commits: vec![commit(
                1,
                at(2022, 5, 4, 10),
                "Tricky order",
                &[("a.b", Some("1")), ("a/x", Some("2")), ("a-c", Some("3")), ("B", Some("4")), ("a0", Some("5"))],
            )],
            tags: vec![TagSpec { name: "v0.1.0".into(), commit: 0, annotated: true }],
        };
        let head = write_bare(dir.path(), &history).unwrap().unwrap();
        let repo = Repository::open_bare(dir.path()).unwrap();
        let ours = repo.find_commit(head).unwrap();
        assert!(dir.path().join("packed-refs").exists());
        assert!(!dir.path().join("hooks/pre-commit.sample").exists(), "no templates");
        let mut builder = repo.treebuilder(None).unwrap();
        for (name, content) in [("a.b", "1"), ("a-c", "3"), ("B", "4"), ("a0", "5")] {
            builder.insert(name, repo.blob(content.as_bytes()).unwrap(), MODE_FILE).unwrap();
        }
        let mut sub = repo.treebuilder(None).unwrap();
        sub.insert("x", repo.blob(b"2").unwrap(), MODE_FILE).unwrap();
        builder.insert("a", sub.write().unwrap(), MODE_TREE).unwrap();
        let tree = repo.find_tree(builder.write().unwrap()).unwrap();
        assert_eq!(ours.tree_id(), tree.id());
        let sig = Signature::new(
            "Alix Perrin",
            "alix.perrin@prestataire.example",
            &Time::new(at(2022, 5, 4, 10).timestamp(), 0),
        )
        .unwrap();
        let theirs = repo.commit(None, &sig, &sig, "Tricky order", &tree, &[]).unwrap();
        assert_eq!(theirs, head);
        let tag = repo.find_reference("refs/tags/v0.1.0").unwrap().target().unwrap();
        let object = repo.find_object(head, None).unwrap();
        assert_eq!(repo.tag_annotation_create("v0.1.0", &object, &sig, "v0.1.0\n").unwrap(), tag);
    }

    #[test]
    fn empty_history_is_an_unborn_branch() {
        let dir = tempfile::tempdir().unwrap();
        let history = History { branch: "develop".into(), authors: vec![], commits: vec![], tags: vec![] };
        assert_eq!(write_bare(dir.path(), &history).unwrap(), None);
        let repo = Repository::open_bare(dir.path()).unwrap();
        // Not `repo.is_empty()`: libgit2 only calls a repository empty when HEAD is on the default
        // branch name (master, or init.defaultBranch).
        assert_eq!(repo.references().unwrap().count(), 0);
        assert_eq!(repo.find_reference("HEAD").unwrap().symbolic_target().unwrap(), Some("refs/heads/develop"));
        assert_eq!(repo.head().err().map(|e| e.code()), Some(ErrorCode::UnbornBranch));
    }

    #[test]
    fn rewriting_replaces_every_ref() {
        let dir = tempfile::tempdir().unwrap();
        write_bare(dir.path(), &sample()).unwrap();
        let other = History {
            branch: "develop".into(),
            authors: people(),
            commits: vec![commit(0, at(2020, 1, 1, 12), "Only\n", &[("x", Some("x"))])],
            tags: vec![TagSpec { name: "1.2.0".into(), commit: 0, annotated: false }],
        };
        let head = write_bare(dir.path(), &other).unwrap().unwrap();
        let repo = Repository::open_bare(dir.path()).unwrap();
        let names: Vec<String> = repo.references().unwrap().map(|r| r.unwrap().name().unwrap().to_owned()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.contains(&"refs/heads/develop".to_owned()) && names.contains(&"refs/tags/1.2.0".to_owned()));
        assert_eq!(repo.head().unwrap().target(), Some(head));
        // Rewriting the same history gives the same ids.
        assert_eq!(
            write_bare(dir.path(), &sample()).unwrap(),
            write_bare(tempfile::tempdir().unwrap().path(), &sample()).unwrap()
        );
    }

    #[test]
    fn append_extends_a_branch() {
        let dir = tempfile::tempdir().unwrap();
        let old = write_bare(dir.path(), &sample()).unwrap().unwrap();
        let more = [
            commit(1, at(2024, 4, 1, 9), "Add src\n", &[("src/lib/x.rs", Some("x"))]),
            commit(0, at(2024, 4, 2, 9), "Drop README\n", &[("README.md", None)]),
        ];
        let head = append(dir.path(), "main", &people(), &more).unwrap();
        let repo = Repository::open_bare(dir.path()).unwrap();
        let ids = walk(&repo, head);
        assert_eq!(ids.len(), 6);
        assert_eq!(ids[3], old);
        assert_eq!(repo.head().unwrap().target(), Some(head));
        assert_eq!(file(&repo, ids[4], "README.md").as_deref(), Some("# Demo 2\n"));
        assert_eq!(file(&repo, head, "src/lib/x.rs").as_deref(), Some("x"));
        assert_eq!(file(&repo, head, "README.md"), None);
        assert_eq!(append(dir.path(), "main", &people(), &[]).unwrap(), head);
        // Tags written before stay.
        assert!(repo.find_reference("refs/tags/v1.0.0").is_ok());
    }

    #[test]
    fn append_starts_unborn_branches_and_works_on_non_bare_repositories() {
        let dir = tempfile::tempdir().unwrap();
        write_bare(dir.path(), &History { branch: "main".into(), authors: vec![], commits: vec![], tags: vec![] })
            .unwrap();
        assert!(append(dir.path(), "main", &people(), &[]).is_err());
        let first =
            append(dir.path(), "main", &people(), &[commit(0, at(2024, 1, 1, 9), "One\n", &[("a", Some("a"))])])
                .unwrap();
        let repo = Repository::open_bare(dir.path()).unwrap();
        assert_eq!(repo.head().unwrap().target(), Some(first));

        let work = tempfile::tempdir().unwrap();
        let repo = Repository::init(work.path()).unwrap();
        let head =
            append(work.path(), "feature/x", &people(), &[commit(1, at(2024, 1, 1, 9), "One\n", &[("a", Some("a"))])])
                .unwrap();
        assert_eq!(repo.find_reference("refs/heads/feature/x").unwrap().target(), Some(head));
    }

    #[test]
    fn append_keeps_the_mode_of_existing_files() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut builder = repo.treebuilder(None).unwrap();
        builder.insert("run.sh", repo.blob(b"#!/bin/sh\n").unwrap(), MODE_EXECUTABLE).unwrap();
        let tree = repo.find_tree(builder.write().unwrap()).unwrap();
        let sig = Signature::new("A", "a@a.example", &Time::new(0, 0)).unwrap();
        repo.commit(Some("refs/heads/main"), &sig, &sig, "start\n", &tree, &[]).unwrap();
        let head = append(
            dir.path(),
            "main",
            &people(),
            &[commit(0, at(2024, 1, 1, 9), "Edit\n", &[("run.sh", Some("#!/bin/sh\nexit 0\n"))])],
        )
        .unwrap();
        let tree = repo.find_commit(head).unwrap().tree().unwrap();
        assert_eq!(tree.get_name("run.sh").unwrap().filemode(), MODE_EXECUTABLE);
    }

    #[test]
    fn rejects_bad_descriptions_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let cases: Vec<(History, &str)> = vec![
            (History { branch: "bad..name".into(), ..sample() }, "branch"),
            (
                History { tags: vec![TagSpec { name: "v9".into(), commit: 4, annotated: false }], ..sample() },
                "only 4 commits",
            ),
            (
                History {
                    tags: vec![
                        TagSpec { name: "v9".into(), commit: 0, annotated: false },
                        TagSpec { name: "v9".into(), commit: 1, annotated: true },
                    ],
                    ..sample()
                },
                "twice",
            ),
            (History { commits: vec![commit(2, at(2024, 1, 1, 1), "x", &[])], tags: vec![], ..sample() }, "author 2"),
            (
                History {
                    commits: vec![commit(0, at(2024, 1, 1, 1), "x", &[("../x", Some("x"))])],
                    tags: vec![],
                    ..sample()
                },
                "path",
            ),
            (
                History {
                    commits: vec![commit(0, at(2024, 1, 1, 1), "x", &[("a/.git/x", Some("x"))])],
                    tags: vec![],
                    ..sample()
                },
                "path",
            ),
        ];
        for (history, expected) in cases {
            let error = write_bare(dir.path(), &history).unwrap_err();
            assert!(error.message().contains(expected), "{} should mention {expected}", error.message());
        }
        assert!(!dir.path().join("HEAD").exists(), "nothing written");
        let conflicts = [
            vec![commit(0, at(2024, 1, 1, 1), "x", &[("a", Some("x")), ("a/b", Some("y"))])],
            vec![commit(0, at(2024, 1, 1, 1), "x", &[("a/b", Some("x")), ("a", Some("y"))])],
            vec![commit(0, at(2024, 1, 1, 1), "x", &[("missing", None)])],
        ];
        for commits in conflicts {
            assert!(write_bare(dir.path(), &History { commits, tags: vec![], ..sample() }).is_err());
        }
    }

    /// `cargo test --release -- --ignored --nocapture history::tests::timing`
    #[test]
    #[ignore = "timing figures, not a check"]
    fn timing_10000_commits() {
        let authors: Vec<Author> =
            (0..25).map(|i| Author { name: format!("Author {i}"), email: format!("a{i}@example.org") }).collect();
        let start = at(2000, 1, 1, 0);
        let commits: Vec<CommitSpec> = (0..10_000u64)
            .map(|i| {
                let files = (0..1 + i % 3)
                    .map(|k| {
                        let n = (i * 7 + k * 13) % 300;
                        (
                            format!("src/m{}/s{}/f{n}.rs", n % 10, n % 4),
                            Some(format!("// {i} {k}\n").repeat(20).into_bytes()),
                        )
                    })
                    .collect();
                CommitSpec {
                    author: (i % 25) as usize,
                    when: start + chrono::Duration::minutes(i as i64 * 90),
                    message: format!("Change {i}\n"),
                    files,
                }
            })
            .collect();
        let tags: Vec<TagSpec> =
            (0..100).map(|i| TagSpec { name: format!("v1.{i}.0"), commit: i * 100, annotated: i % 2 == 0 }).collect();
        let history = History { branch: "main".into(), authors: authors.clone(), commits, tags };

        let dir = tempfile::tempdir().unwrap();
        let clock = std::time::Instant::now();
        let head = write_bare(dir.path(), &history).unwrap().unwrap();
        let packed = clock.elapsed();
        let repo = Repository::open_bare(dir.path()).unwrap();
        assert_eq!(walk(&repo, head).len(), 10_000);

        let loose = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(loose.path()).unwrap();
        let signatures = signatures(&authors).unwrap();
        let clock = std::time::Instant::now();
        let built = build(&repo, Storage::Loose, None, None, &signatures, &history.commits, &history.tags).unwrap();
        let plain = clock.elapsed();
        assert_eq!(built.commits.last(), Some(&head));
        println!("10,000 commits: in memory then one pack {packed:?}, loose objects (no refs) {plain:?}");
    }
}
