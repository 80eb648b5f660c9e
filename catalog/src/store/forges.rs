//! Public bodies' accounts on forges, from code.gouv.fr's list: the organisation each
//! belongs to (found by its Annuaire id, then its name, else created), and the account with
//! where it was read and when. A harvest can later discover repositories from them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{q, Store, Tx};
use crate::error::Result;
use crate::import::code_gouv::ForgeAccount;
use crate::import::ListedOrganisation;
use crate::model::{Actor, OrgRef};
use crate::vocab::OrganisationKind;

/// An account as the catalog keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForgeAccountRecord {
    pub url: String,
    pub forge: String,
    pub floss_policy: Option<String>,
    pub ignored_since: Option<NaiveDate>,
    /// Where the catalog read it (`code.gouv.fr:FILE`), and when.
    pub source: String,
    pub imported_at: DateTime<Utc>,
}

/// What an import of accounts did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ForgeAccountsImport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Bodies the list named that the catalog did not know, created.
    pub organisations_created: Vec<OrgRef>,
    /// Each account's URL with the organisation it was recorded for (its slug).
    pub accounts: Vec<(String, String)>,
}

type KeptRow = (i64, String, Option<String>, Option<NaiveDate>);
type AccountRow = (String, String, Option<String>, Option<NaiveDate>, String, DateTime<Utc>);

impl Store {
    /// Records the accounts of code.gouv.fr's list in one transaction: a second run of the
    /// same list changes nothing.
    pub async fn import_forge_accounts(
        &self,
        actor: &Actor,
        source: &str,
        accounts: &[ForgeAccount],
    ) -> Result<ForgeAccountsImport> {
        let mut tx = self.begin(actor).await?;
        let mut report = ForgeAccountsImport::default();
        for a in accounts {
            let (org_id, org) =
                tx.body_of(a, &mut report.organisations_created).await.map_err(|e| e.within(&a.label))?;
            report.accounts.push((a.url.clone(), org.slug.clone()));
            let kept: Option<KeptRow> = tx
                .optional(
                    q("SELECT organisation_id, forge, floss_policy, ignored_since FROM forge_accounts WHERE url = $1")
                        .bind(&a.url),
                )
                .await?;
            let now = tx.now();
            match kept {
                Some(k) if k == (org_id, a.forge.clone(), a.floss_policy.clone(), a.ignored_since) => {
                    report.unchanged += 1;
                }
                Some(_) => {
                    tx.execute(
                        q("UPDATE forge_accounts SET organisation_id = $1, forge = $2, floss_policy = $3, \
                           ignored_since = $4, source = $5, imported_at = $6 WHERE url = $7")
                        .bind(org_id)
                        .bind(&a.forge)
                        .bind(a.floss_policy.clone())
                        .bind(a.ignored_since)
                        .bind(source)
                        .bind(now)
                        .bind(&a.url),
                    )
                    .await?;
                    report.updated += 1;
                }
                None => {
                    tx.execute(
                        q("INSERT INTO forge_accounts (organisation_id, url, forge, floss_policy, ignored_since, \
                           source, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(org_id)
                        .bind(&a.url)
                        .bind(&a.forge)
                        .bind(a.floss_policy.clone())
                        .bind(a.ignored_since)
                        .bind(source)
                        .bind(now),
                    )
                    .await?;
                    report.created += 1;
                }
            }
        }
        if report.created + report.updated + report.organisations_created.len() == 0 {
            // Nothing written: the catalog's version stays.
            tx.commit_quietly().await?;
            return Ok(report);
        }
        let summary = serde_json::json!({
            "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
            "organisations_created": report.organisations_created.len(),
        });
        tx.audit("import", "forge_accounts", source, None::<&()>, Some(&summary)).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The forge accounts of an organisation, by address.
    pub async fn forge_accounts_of(&self, organisation: &str) -> Result<Vec<ForgeAccountRecord>> {
        let rows: Vec<AccountRow> = self
            .all(
                q("SELECT f.url, f.forge, f.floss_policy, f.ignored_since, f.source, f.imported_at \
                   FROM forge_accounts f JOIN organisations o ON o.id = f.organisation_id WHERE o.slug = $1 \
                   ORDER BY f.url")
                .bind(organisation),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(url, forge, floss_policy, ignored_since, source, imported_at)| ForgeAccountRecord {
                url,
                forge,
                floss_policy,
                ignored_since,
                source,
                imported_at,
            })
            .collect())
    }
}

impl Tx {
    /// The organisation an account belongs to: the one with its Annuaire id, else the one of
    /// its name (which then gets the id), else a new public body.
    async fn body_of(&mut self, a: &ForgeAccount, created: &mut Vec<OrgRef>) -> Result<(i64, OrgRef)> {
        let body = ListedOrganisation {
            name: a.body.clone(),
            kind: OrganisationKind::OtherPublicBody,
            page: None,
            website: None,
            identifier: a.annuaire.clone(),
        };
        self.listed_organisation(&body, created).await.map_err(|e| e.within("pso"))
    }
}
