//! code.gouv.fr's list of the forge accounts of French public bodies
//! (`comptes-organismes-publics.yml`, in git.sr.ht/~codegouvfr/codegouvfr-sources, served at
//! `https://code.gouv.fr/data/comptes-organismes-publics.yml`). Its shape, as code.gouv.fr's
//! own scripts write and read it (codegouvfr-consolidate-data): a map from a forge's host to
//!
//! - for a forge shared by many (`general_purpose: true`, github.com, gitlab.com...): its
//!   kind (`forge: github`) and its `groups`, each group an account with the body it belongs
//!   to (`pso`), that body's id in the Annuaire de l'administration (`pso_id`), its free
//!   software policy (`floss_policy`) and, when the list no longer follows it,
//!   `ignored_since`;
//! - for a body's own forge: its kind and the same `pso`, `pso_id`, `floss_policy` for the
//!   whole forge.
//!
//! Every account is checked before anything is written; each problem names the line and
//! the account.

use chrono::NaiveDate;
use publiccode::yaml::{self, Node, Scalar, ScalarKind, Value};

use super::RecordProblem;
use crate::address::{check_repository_address, AddressPolicy};
use crate::identifier::OfficialId;

/// The list's bounds: the real one names a few thousand accounts in a few hundred
/// kilobytes; these leave room for a hundred times that, and no more.
const LIMITS: yaml::Limits = yaml::Limits { bytes: 64 << 20, nodes: 2_000_000, scalar_bytes: 64 << 20 };

/// One account, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgeAccount {
    /// `https://github.com/etalab`, or `https://git.example.gouv.fr` for a whole forge.
    pub url: String,
    /// `github`, `gitlab`, `sourcehut`, `gitea`...
    pub forge: String,
    /// The public body it belongs to, by name.
    pub body: String,
    /// Its id in the Annuaire de l'administration, when the list gives it.
    pub annuaire: Option<OfficialId>,
    pub floss_policy: Option<String>,
    pub ignored_since: Option<NaiveDate>,
    /// How a problem with it is named: `FILE:LINE: github.com/etalab`.
    pub label: String,
}

/// Reads the list; `name` is the file's name, for the problems.
pub fn read(text: &str, name: &str) -> Result<Vec<ForgeAccount>, Vec<RecordProblem>> {
    let whole = |message: String| vec![RecordProblem { record: name.to_string(), message }];
    let tree = yaml::read_with(text, LIMITS).map_err(|e| whole(format!("line {}: not YAML: {}", e.line, e.message)))?;
    let Value::Map(forges) = &tree.root.value else {
        return Err(whole(format!(
            "a map from each forge's host to its accounts was expected, not a {}",
            tree.root.kind_name()
        )));
    };
    let mut accounts = Vec::new();
    let mut problems = Vec::new();
    for forge in forges {
        let host = forge.key.trim().to_ascii_lowercase();
        let label = |line: usize, what: &str| format!("{name}:{line}: {what}");
        let Value::Map(fields) = &forge.value.value else {
            problems.push(RecordProblem {
                record: label(forge.key_line, &host),
                message: format!("a map (forge, groups or pso) was expected, not a {}", forge.value.kind_name()),
            });
            continue;
        };
        let kind = text_of(fields, "forge").unwrap_or_else(|| "gitlab".to_string());
        match fields.iter().find(|e| e.key == "groups") {
            Some(groups) => {
                let Value::Map(groups) = &groups.value.value else {
                    problems.push(RecordProblem {
                        record: label(groups.key_line, &host),
                        message: "groups: a map from each group's name to its body was expected".into(),
                    });
                    continue;
                };
                for group in groups {
                    let what = format!("{host}/{}", group.key.trim());
                    let found = match &group.value.value {
                        Value::Map(fields) => account(&format!("https://{what}"), &kind, fields),
                        _ => Err(format!(
                            "a map (pso, pso_id, floss_policy) was expected, not a {}",
                            group.value.kind_name()
                        )),
                    };
                    match found {
                        Ok(mut a) => {
                            a.label = label(group.key_line, &what);
                            accounts.push(a);
                        }
                        Err(message) => problems.push(RecordProblem { record: label(group.key_line, &what), message }),
                    }
                }
            }
            None => match account(&format!("https://{host}"), &kind, fields) {
                Ok(mut a) => {
                    a.label = label(forge.key_line, &host);
                    accounts.push(a);
                }
                Err(message) => problems.push(RecordProblem { record: label(forge.key_line, &host), message }),
            },
        }
    }
    if problems.is_empty() {
        Ok(accounts)
    } else {
        Err(problems)
    }
}

fn text_of(fields: &[yaml::Entry], key: &str) -> Option<String> {
    fields.iter().find(|e| e.key == key).and_then(|e| scalar(&e.value)).filter(|t| !t.is_empty())
}

fn scalar(node: &Node) -> Option<String> {
    match &node.value {
        Value::Scalar(Scalar { kind: ScalarKind::Null, .. }) => None,
        Value::Scalar(s) => Some(s.text.trim().to_string()),
        _ => None,
    }
}

/// One account at `url`, from its fields.
fn account(url: &str, forge: &str, fields: &[yaml::Entry]) -> Result<ForgeAccount, String> {
    let url = check_repository_address("url", url, AddressPolicy::PublicOnly).map_err(|e| e.to_string())?.url;
    if !forge.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') || forge.len() > 40 {
        return Err(format!("forge: {forge:?} is not a kind of forge such as github or gitlab"));
    }
    let body = text_of(fields, "pso").ok_or("pso: the public body the account belongs to is missing")?;
    let body = crate::text::line("pso", &body, 200).map_err(|e| e.to_string())?;
    let annuaire = text_of(fields, "pso_id")
        .map(|id| OfficialId::new("fr-annuaire", &id.to_ascii_lowercase()).map_err(|e| format!("pso_id: {id:?}: {e}")))
        .transpose()?;
    let floss_policy = text_of(fields, "floss_policy")
        .map(|p| match url::Url::parse(&p) {
            Ok(u) if matches!(u.scheme(), "https" | "http") => Ok(p),
            _ => Err(format!("floss_policy: {p:?} is not a web address")),
        })
        .transpose()?;
    let ignored_since = text_of(fields, "ignored_since")
        .map(|d| {
            NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| format!("ignored_since: {d:?} is not a date YYYY-MM-DD"))
        })
        .transpose()?;
    Ok(ForgeAccount {
        url,
        forge: forge.to_string(),
        body,
        annuaire,
        floss_policy,
        ignored_since,
        label: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_whole_forges_are_read_and_bad_ones_named() {
        let text =
            "github.com:\n  general_purpose: true\n  forge: github\n  groups:\n    etalab:\n      pso: DINUM\n      \
                    pso_id: 6B3E1A0C-2F5D-4C8E-9A1B-0D2C3E4F5A6B\n      floss_policy: https://www.numerique.gouv.fr/x\n\
                    git.example.gouv.fr:\n  forge: gitlab\n  pso: Ville d'Exemple\n";
        let accounts = read(text, "c.yml").unwrap();
        assert_eq!(accounts.len(), 2);
        assert_eq!(accounts[0].url, "https://github.com/etalab");
        assert_eq!(
            accounts[0].annuaire.as_ref().unwrap().to_string(),
            "fr-annuaire:6b3e1a0c-2f5d-4c8e-9a1b-0d2c3e4f5a6b"
        );
        assert_eq!(accounts[0].label, "c.yml:5: github.com/etalab");
        assert_eq!((accounts[1].url.as_str(), accounts[1].forge.as_str()), ("https://git.example.gouv.fr", "gitlab"));

        let bad = "github.com:\n  forge: github\n  groups:\n    nobody: {}\n    dated:\n      pso: X\n      \
                   ignored_since: 2023-31-01\n10.0.0.1:\n  pso: Y\nlist: [1]\n";
        let problems = read(bad, "c.yml").unwrap_err();
        let records: Vec<&str> = problems.iter().map(|p| p.record.as_str()).collect();
        assert_eq!(
            records,
            ["c.yml:4: github.com/nobody", "c.yml:5: github.com/dated", "c.yml:8: 10.0.0.1", "c.yml:10: list"]
        );
        assert!(problems[0].message.contains("pso"), "{problems:?}");
        assert!(problems[1].message.contains("ignored_since"), "{problems:?}");
        assert!(problems[2].message.contains("private"), "{problems:?}");
        assert!(read("- a\n- b\n", "c.yml").unwrap_err()[0].message.contains("map"));
    }

    #[test]
    fn a_list_larger_than_a_publiccode_yml_is_read() {
        let mut text = String::from("github.com:\n  forge: github\n  groups:\n");
        for i in 0..20_000 {
            text.push_str(&format!("    g{i}:\n      pso: Organisme {}\n", i % 500));
        }
        assert_eq!(read(&text, "c.yml").unwrap().len(), 20_000);
    }
}
