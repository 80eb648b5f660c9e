use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::adoptions::{first_adoptions, unpack_adoptions};
use super::fundings::{first_fundings, unpack_fundings};
use super::{conflict_on, packed, q, Store, Tx};
use crate::country::Country;
use crate::error::{Error, Result};
use crate::identifier::OfficialId;
use crate::model::{Actor, Adoption, Funding, NewOrganisation, OrgKey, OrgRef, Organisation, Page, SoftwareRef};
use crate::vocab::{OrganisationKind, SoftwareRole};

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    slug: String,
    name: String,
    kind: String,
    country: String,
    population: Option<i64>,
    liaison: Option<i64>,
    website: Option<String>,
    demo: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const ORG_COLUMNS: &str = "id, slug, name, kind, country, population, liaison, website, demo, created_at, updated_at";

/// Filters of the organisation list; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    pub country: Option<Country>,
    /// Slug of a parent organisation (the EPCI, département, canton...).
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationSummary {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub country: String,
    pub population: Option<i64>,
    pub demo: bool,
}

/// An organisation with what it uses, funds and publishes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationProfile {
    #[serde(flatten)]
    pub organisation: Organisation,
    pub children: i64,
    pub uses: Page<Adoption>,
    pub funds: Page<Funding>,
    pub publishes: Vec<SoftwareRef>,
    pub maintains: Vec<SoftwareRef>,
    pub provides: Vec<SoftwareRef>,
    /// Its accounts on forges, where its code is published (from code.gouv.fr's list).
    #[serde(default)]
    pub forge_accounts: Vec<ForgeAccountRef>,
    /// The instance this record comes from, when another keeps it (see `crate::federation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<crate::federation::Origin>,
}

/// An account of an organisation on a forge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForgeAccountRef {
    /// `https://github.com/etalab`, or a whole forge's address.
    pub url: String,
    /// `github`, `gitlab`...
    pub forge: String,
}

impl Tx {
    /// The database id of an organisation named by slug or official identifier.
    pub(crate) async fn organisation_id(&mut self, key: &OrgKey) -> Result<Option<i64>> {
        let row: Option<(i64,)> = match key {
            OrgKey::Slug(slug) => {
                self.optional(q("SELECT id FROM organisations WHERE slug = $1").bind(slug.as_str())).await?
            }
            OrgKey::Official(id) => {
                self.optional(
                    q("SELECT organisation_id FROM organisation_identifiers WHERE scheme = $1 AND value = $2")
                        .bind(id.scheme().as_str())
                        .bind(id.value()),
                )
                .await?
            }
        };
        Ok(row.map(|r| r.0))
    }

    pub(crate) async fn require_organisation(&mut self, field: &str, key: &OrgKey) -> Result<i64> {
        self.organisation_id(key).await?.ok_or_else(|| Error::invalid(field, format!("no organisation {key} is known")))
    }

    async fn load_organisation(&mut self, slug: &str) -> Result<Option<Organisation>> {
        Ok(self.load_organisation_with_id(slug).await?.map(|(_, o)| o))
    }

    async fn load_organisation_with_id(&mut self, slug: &str) -> Result<Option<(i64, Organisation)>> {
        let row: Option<OrgRecordRow> = self
            .optional(
                q(format!("SELECT {} FROM organisations this_org WHERE this_org.slug = $1", record_columns()))
                    .bind(slug),
            )
            .await?;
        row.map(OrgRecordRow::into_organisation).transpose()
    }
}

/// An organisation's row with its identifiers, parents and e-mail domains packed (see
/// `packed`), in one row.
#[derive(sqlx::FromRow)]
struct OrgRecordRow {
    #[sqlx(flatten)]
    row: OrgRow,
    identifiers: Option<String>,
    parents: Option<String>,
    domains: Option<String>,
}

/// The columns of `OrgRecordRow`, for the organisation `this_org` of the query.
fn record_columns() -> String {
    use packed::{field, list};
    let identifiers = list(
        &[field("i.scheme || ':' || i.value")],
        &[],
        "FROM organisation_identifiers i WHERE i.organisation_id = this_org.id",
    );
    let parents = list(
        &[field("p.slug"), field("p.name"), field("p.kind"), field("p.country")],
        &[],
        "FROM organisation_parents x JOIN organisations p ON p.id = x.parent_id WHERE x.organisation_id = this_org.id",
    );
    let domains =
        list(&[field("d.domain")], &[], "FROM organisation_email_domains d WHERE d.organisation_id = this_org.id");
    let own: Vec<String> = ORG_COLUMNS.split(", ").map(|c| format!("this_org.{c}")).collect();
    format!("{}, {identifiers} AS identifiers, {parents} AS parents, {domains} AS domains", own.join(", "))
}

impl OrgRecordRow {
    fn into_organisation(self) -> Result<(i64, Organisation)> {
        let one = |r: &packed::Record| r.text(0);
        let mut identifiers: Vec<String> =
            packed::unpack(self.identifiers.as_deref(), 1, "identifier")?.iter().map(one).collect();
        let mut parents: Vec<OrgRef> = packed::unpack(self.parents.as_deref(), 4, "parent")?
            .iter()
            .map(|r| OrgRef { slug: r.text(0), name: r.text(1), kind: r.text(2), country: r.text(3) })
            .collect();
        let mut domains: Vec<String> = packed::unpack(self.domains.as_deref(), 1, "domain")?.iter().map(one).collect();
        identifiers.sort();
        parents.sort_by(|x, y| (&x.name, &x.slug).cmp(&(&y.name, &y.slug)));
        domains.sort();
        Ok((self.row.id, assemble(self.row, identifiers, parents, domains)))
    }
}

/// An organisation's page in one row: its record, counts, first adoptions and fundings,
/// and the software it publishes, maintains or provides.
#[derive(sqlx::FromRow)]
struct OrgPageRow {
    #[sqlx(flatten)]
    record: OrgRecordRow,
    adoption_count: i64,
    funding_count: i64,
    children: i64,
    adoptions: Option<String>,
    fundings: Option<String>,
    publishes: Option<String>,
    roles: Option<String>,
    forge_accounts: Option<String>,
    #[sqlx(flatten)]
    origin: super::federation::OriginColumns,
}

fn assemble(row: OrgRow, identifiers: Vec<String>, parents: Vec<OrgRef>, domains: Vec<String>) -> Organisation {
    Organisation {
        slug: row.slug,
        name: row.name,
        kind: OrganisationKind::parse(&row.kind).unwrap_or(OrganisationKind::OtherPublicBody),
        country: Country::parse(&row.country).unwrap_or(Country::FR),
        identifiers: identifiers.iter().filter_map(|i| OfficialId::parse(i).ok()).collect(),
        population: row.population,
        liaison: row.liaison.and_then(|l| u8::try_from(l).ok()),
        parents,
        website: row.website,
        email_domains: domains,
        demo: row.demo,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

impl Store {
    /// Creates the organisation, or updates the one with the same slug; its identifiers,
    /// parents and e-mail domains become exactly the given ones. Returns whether it was
    /// created.
    pub async fn put_organisation(&self, actor: &Actor, org: &NewOrganisation) -> Result<(Organisation, bool)> {
        let mut tx = self.begin(actor).await?;
        let created = tx.put_organisation(org).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Several organisations in one transaction (imports): all or none.
    pub async fn put_organisations(&self, actor: &Actor, orgs: &[NewOrganisation]) -> Result<(usize, usize)> {
        let mut tx = self.begin(actor).await?;
        let (mut created, mut updated) = (0, 0);
        for (i, org) in orgs.iter().enumerate() {
            let (_, new) = tx.put_organisation(org).await.map_err(|e| e.within(&format!("[{i}]")))?;
            if new {
                created += 1
            } else {
                updated += 1
            }
        }
        tx.commit().await?;
        Ok((created, updated))
    }

    pub async fn organisation(&self, slug: &str) -> Result<Organisation> {
        self.read().await?.load_organisation(slug).await?.ok_or_else(|| Error::not_found("organisation", slug))
    }

    /// Finds the slug of an organisation by slug or official identifier.
    pub async fn organisation_slug(&self, key: &OrgKey) -> Result<Option<String>> {
        let row: Option<(String,)> = match key {
            OrgKey::Slug(s) => self.optional(q("SELECT slug FROM organisations WHERE slug = $1").bind(s.as_str())).await?,
            OrgKey::Official(id) => {
                self.optional(
                    q("SELECT o.slug FROM organisation_identifiers i JOIN organisations o ON o.id = i.organisation_id \
                       WHERE i.scheme = $1 AND i.value = $2")
                    .bind(id.scheme().as_str())
                    .bind(id.value()),
                )
                .await?
            }
        };
        Ok(row.map(|r| r.0))
    }

    pub async fn organisations(
        &self,
        filter: &OrganisationFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<OrganisationSummary>> {
        let mut conditions = vec!["1 = 1".to_string()];
        let mut args: Vec<String> = Vec::new();
        if let Some(kind) = filter.kind {
            args.push(kind.as_str().to_string());
            conditions.push(format!("o.kind = ${}", args.len()));
        }
        if let Some(country) = filter.country {
            args.push(country.code().to_string());
            conditions.push(format!("o.country = ${}", args.len()));
        }
        if let Some(parent) = &filter.parent {
            args.push(parent.clone());
            conditions.push(format!(
                "o.id IN (SELECT p.organisation_id FROM organisation_parents p \
                 JOIN organisations parent ON parent.id = p.parent_id WHERE parent.slug = ${})",
                args.len()
            ));
        }
        let where_ = conditions.join(" AND ");
        let mut count = q(format!("SELECT COUNT(*) FROM organisations o WHERE {where_}"));
        let mut list = q(format!(
            "SELECT o.slug, o.name, o.kind, o.country, o.population, o.demo FROM organisations o WHERE {where_} \
             ORDER BY o.name, o.slug LIMIT ${} OFFSET ${}",
            args.len() + 1,
            args.len() + 2
        ));
        for a in &args {
            count = count.bind(a);
            list = list.bind(a);
        }
        let (total,): (i64,) = self.one(count).await?;
        let items = self.all(list.bind(limit).bind(offset)).await?;
        Ok(Page { items, total, limit, offset })
    }

    /// The organisation with the first page of what it uses and funds, in one query.
    pub async fn organisation_profile(&self, slug: &str, limit: i64) -> Result<OrganisationProfile> {
        use packed::{field, list};
        let publishes =
            list(&[field("s.slug"), field("s.name")], &[], "FROM software s WHERE s.publisher_id = this_org.id");
        let roles = list(
            &[field("so.role"), field("s.slug"), field("s.name")],
            &[],
            "FROM software_organisations so JOIN software s ON s.id = so.software_id WHERE so.organisation_id = this_org.id",
        );
        let forges = list(
            &[field("f.url"), field("f.forge")],
            &[],
            "FROM forge_accounts f WHERE f.organisation_id = this_org.id",
        );
        let sql = format!(
            "SELECT {}, \
             (SELECT COUNT(*) FROM adoptions a WHERE a.organisation_id = this_org.id) AS adoption_count, \
             (SELECT COUNT(*) FROM fundings f WHERE f.funder_id = this_org.id) AS funding_count, \
             (SELECT COUNT(*) FROM organisation_parents p WHERE p.parent_id = this_org.id) AS children, \
             {} AS adoptions, {} AS fundings, {publishes} AS publishes, {roles} AS roles, {forges} AS forge_accounts, {} \
             FROM organisations this_org WHERE this_org.slug = $1",
            record_columns(),
            first_adoptions("organisation_id", "this_org.id", "$2"),
            first_fundings("funder_id", "this_org.id", "$2"),
            super::federation::OriginColumns::sql(crate::federation::FederatedEntity::Organisation, "this_org.id"),
        );
        let row: OrgPageRow = self
            .optional(q(sql).bind(slug).bind(limit))
            .await?
            .ok_or_else(|| Error::not_found("organisation", slug))?;
        let software_refs = |text: Option<&str>, width: usize| -> Result<Vec<(String, SoftwareRef)>> {
            let mut refs: Vec<(String, SoftwareRef)> = packed::unpack(text, width, "software")?
                .iter()
                .map(|r| (r.text(0), SoftwareRef { slug: r.text(width - 2), name: r.text(width - 1) }))
                .collect();
            refs.sort_by(|(_, x), (_, y)| (&x.name, &x.slug).cmp(&(&y.name, &y.slug)));
            Ok(refs)
        };
        let publishes = software_refs(row.publishes.as_deref(), 2)?.into_iter().map(|(_, s)| s).collect();
        let (mut maintains, mut provides) = (Vec::new(), Vec::new());
        for (role, software) in software_refs(row.roles.as_deref(), 3)? {
            if role == SoftwareRole::Maintainer.as_str() {
                maintains.push(software);
            } else {
                provides.push(software);
            }
        }
        let uses =
            Page { items: unpack_adoptions(row.adoptions.as_deref())?, total: row.adoption_count, limit, offset: 0 };
        let funds =
            Page { items: unpack_fundings(row.fundings.as_deref())?, total: row.funding_count, limit, offset: 0 };
        let mut forge_accounts: Vec<ForgeAccountRef> =
            packed::unpack(row.forge_accounts.as_deref(), 2, "forge account")?
                .iter()
                .map(|r| ForgeAccountRef { url: r.text(0), forge: r.text(1) })
                .collect();
        forge_accounts.sort_by(|a, b| a.url.cmp(&b.url));
        let (_, organisation) = row.record.into_organisation()?;
        let origin = row.origin.origin(crate::federation::FederatedEntity::Organisation);
        Ok(OrganisationProfile {
            organisation,
            children: row.children,
            uses,
            funds,
            publishes,
            maintains,
            provides,
            forge_accounts,
            origin,
        })
    }

    pub async fn count_organisations(&self) -> Result<i64> {
        let (n,): (i64,) = self.one(q("SELECT COUNT(*) FROM organisations")).await?;
        Ok(n)
    }
}

impl Tx {
    pub(crate) async fn put_organisation(&mut self, org: &NewOrganisation) -> Result<(Organisation, bool)> {
        let slug = org.slug.as_str();
        let before = self.load_organisation(slug).await?;
        let now = self.now();
        let id: i64 = match &before {
            Some(_) => {
                let (id,): (i64,) = self.one(q("SELECT id FROM organisations WHERE slug = $1").bind(slug)).await?;
                self.execute(
                    q("UPDATE organisations SET name = $1, kind = $2, country = $3, population = $4, website = $5, \
                       demo = $6, updated_at = $7, liaison = $9 WHERE id = $8")
                    .bind(&org.name)
                    .bind(org.kind.as_str())
                    .bind(org.country.code())
                    .bind(org.population)
                    .bind(org.website.clone())
                    .bind(org.demo)
                    .bind(now)
                    .bind(id)
                    .bind(org.liaison.map(i64::from)),
                )
                .await?;
                for table in ["organisation_identifiers", "organisation_parents", "organisation_email_domains"] {
                    self.execute(q(format!("DELETE FROM {table} WHERE organisation_id = $1")).bind(id)).await?;
                }
                id
            }
            None => {
                let (id,): (i64,) = self
                    .one(
                        q("INSERT INTO organisations (slug, name, kind, country, population, website, demo, created_at, \
                           updated_at, liaison) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id")
                        .bind(slug)
                        .bind(&org.name)
                        .bind(org.kind.as_str())
                        .bind(org.country.code())
                        .bind(org.population)
                        .bind(org.website.clone())
                        .bind(org.demo)
                        .bind(now)
                        .bind(org.liaison.map(i64::from)),
                    )
                    .await
                    .map_err(conflict_on("slug", format!("{slug} is taken")))?;
                id
            }
        };
        for (i, ident) in org.identifiers.iter().enumerate() {
            let field = format!("identifiers[{i}]");
            let owner: Option<(String,)> = self
                .optional(
                    q("SELECT o.slug FROM organisation_identifiers i JOIN organisations o ON o.id = i.organisation_id \
                       WHERE i.scheme = $1 AND i.value = $2")
                    .bind(ident.scheme().as_str())
                    .bind(ident.value()),
                )
                .await?;
            if let Some((other,)) = owner {
                return Err(Error::Conflict {
                    field,
                    message: format!("{ident} already belongs to organisation {other}"),
                });
            }
            self.execute(
                q("INSERT INTO organisation_identifiers (scheme, value, organisation_id) VALUES ($1, $2, $3)")
                    .bind(ident.scheme().as_str())
                    .bind(ident.value())
                    .bind(id),
            )
            .await?;
        }
        for (i, parent) in org.parents.iter().enumerate() {
            let field = format!("parents[{i}]");
            let parent_id = self.require_organisation(&field, parent).await?;
            if parent_id == id {
                return Err(Error::invalid(field, "an organisation cannot be its own parent"));
            }
            self.execute(
                q("INSERT INTO organisation_parents (organisation_id, parent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(parent_id),
            )
            .await?;
        }
        for (i, domain) in org.email_domains.iter().enumerate() {
            self.execute(
                q("INSERT INTO organisation_email_domains (domain, organisation_id) VALUES ($1, $2)")
                    .bind(domain)
                    .bind(id),
            )
            .await
            .map_err(conflict_on(
                &format!("email_domains[{i}]"),
                format!("{domain} belongs to another organisation"),
            ))?;
        }
        let after = self.load_organisation(slug).await?.expect("the organisation was just written");
        let action = if before.is_some() { "update" } else { "create" };
        self.audit(action, "organisation", slug, before.as_ref(), Some(&after)).await?;
        Ok((after, before.is_none()))
    }
}

/// What an import keeps of an organisation it completes.
pub(crate) struct MergeBase {
    pub kind: OrganisationKind,
    pub country: Country,
    pub website: Option<String>,
    pub email_domains: Vec<String>,
    pub demo: bool,
}

impl Tx {
    pub(crate) async fn load_organisation_for_merge(&mut self, slug: &str) -> Result<MergeBase> {
        let org = self.load_organisation(slug).await?.ok_or_else(|| Error::not_found("organisation", slug))?;
        Ok(MergeBase {
            kind: org.kind,
            country: org.country,
            website: org.website,
            email_domains: org.email_domains,
            demo: org.demo,
        })
    }
}
