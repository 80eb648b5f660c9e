//! Where a forge shows a repository's files and issues: the links a developer looks for on
//! a software's page. Only for the forges whose address scheme is known, over https.

/// The repository's page on its forge (`https://host/owner/name`), when the address is one.
fn base(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let trimmed = rest.trim_end_matches('/').trim_end_matches(".git");
    let mut parts = trimmed.split('/');
    let host = parts.next().filter(|h| !h.is_empty())?;
    let path: Vec<&str> = parts.filter(|p| !p.is_empty()).collect();
    if path.len() < 2 || path.iter().any(|p| p.contains(['?', '#', '"', '<', '>'])) {
        return None;
    }
    Some(format!("https://{host}/{}", path.join("/")))
}

/// The issue tracker of a repository on a known forge.
pub fn issues(forge: &str, url: &str) -> Option<String> {
    let base = base(url)?;
    match forge {
        "github" | "gitea" => Some(format!("{base}/issues")),
        "gitlab" => Some(format!("{base}/-/issues")),
        _ => None,
    }
}

/// A file of the repository at `branch`, as the forge shows it.
pub fn file(forge: &str, url: &str, branch: &str, path: &str) -> Option<String> {
    let base = base(url)?;
    if branch.is_empty() || path.is_empty() || path.starts_with('/') || path.contains("..") {
        return None;
    }
    let encode = |s: &str| s.split('/').map(crate::pages::encode).collect::<Vec<_>>().join("/");
    let (branch, path) = (encode(branch), encode(path));
    match forge {
        "github" => Some(format!("{base}/blob/{branch}/{path}")),
        "gitlab" => Some(format!("{base}/-/blob/{branch}/{path}")),
        "gitea" => Some(format!("{base}/src/branch/{branch}/{path}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_forges_give_their_links() {
        let gh = "https://github.com/yverdon/geocity";
        assert_eq!(issues("github", gh).as_deref(), Some("https://github.com/yverdon/geocity/issues"));
        assert_eq!(
            file("github", &format!("{gh}.git"), "main", "CONTRIBUTING.md").as_deref(),
            Some("https://github.com/yverdon/geocity/blob/main/CONTRIBUTING.md")
        );
        let gl = "https://gitlab.adullact.net/adullact/pastell/";
        assert_eq!(issues("gitlab", gl).as_deref(), Some("https://gitlab.adullact.net/adullact/pastell/-/issues"));
        assert_eq!(
            file("gitlab", gl, "master", "docs/CONTRIBUTING.md").as_deref(),
            Some("https://gitlab.adullact.net/adullact/pastell/-/blob/master/docs/CONTRIBUTING.md")
        );
        assert_eq!(
            file("gitea", "https://codeberg.org/x/y", "main", ".github/CONTRIBUTING.md").as_deref(),
            Some("https://codeberg.org/x/y/src/branch/main/.github/CONTRIBUTING.md")
        );
    }

    #[test]
    fn other_addresses_give_none() {
        assert_eq!(issues("other", "https://git.example.org/x/y"), None);
        assert_eq!(issues("github", "git@github.com:x/y.git"), None);
        assert_eq!(issues("github", "http://github.com/x/y"), None);
        assert_eq!(issues("github", "https://github.com/x"), None);
        assert_eq!(file("github", "https://github.com/x/y", "main", "../etc/passwd"), None);
        assert_eq!(file("github", "https://github.com/x/y", "", "README.md"), None);
    }
}
