//! The aggregates of a software's adoptions and fundings (migration 0002). A single write
//! recounts the software it touched; an import adds what it changed, so that its cost
//! does not grow with the size of the catalog.

use std::collections::{BTreeMap, BTreeSet};

use super::{q, Store, Tx};
use crate::error::Result;

/// Ids per `IN (...)` list, and rows per multi-row statement.
const CHUNK: usize = 500;

fn in_list(n: usize) -> String {
    (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// What an import changed in a software's aggregates.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct AdoptionDelta {
    pub adoptions: i64,
    pub active: i64,
}

impl Tx {
    /// Recounts the aggregates of the given software from their records.
    pub(crate) async fn refresh_stats(&mut self, software: &BTreeSet<i64>) -> Result<()> {
        let software: Vec<i64> = software.iter().copied().collect();
        for chunk in software.chunks(CHUNK) {
            let ids = in_list(chunk.len());
            let statements = [
                format!("DELETE FROM software_stats WHERE software_id IN ({ids})"),
                format!(
                    "INSERT INTO software_stats (software_id, adoptions, active_adoptions, fundings) \
                     SELECT s.id, \
                     (SELECT COUNT(*) FROM adoptions a WHERE a.software_id = s.id), \
                     (SELECT COUNT(*) FROM adoptions a WHERE a.software_id = s.id AND a.status <> 'ended'), \
                     (SELECT COUNT(*) FROM fundings f WHERE f.software_id = s.id) \
                     FROM software s WHERE s.id IN ({ids})"
                ),
                format!("DELETE FROM software_funding_totals WHERE software_id IN ({ids})"),
                format!(
                    "INSERT INTO software_funding_totals (software_id, currency, amount_minor, fundings) \
                     SELECT software_id, currency, CAST(SUM(amount_minor) AS BIGINT), COUNT(*) FROM fundings \
                     WHERE software_id IN ({ids}) GROUP BY software_id, currency"
                ),
            ];
            for sql in statements {
                let mut query = q(sql);
                for id in chunk {
                    query = query.bind(*id);
                }
                self.execute(query).await?;
            }
        }
        Ok(())
    }

    /// Adds an import's changes to the adoption counts.
    pub(crate) async fn add_adoption_deltas(&mut self, deltas: &BTreeMap<i64, AdoptionDelta>) -> Result<()> {
        let rows: Vec<_> = deltas.iter().filter(|(_, d)| d.adoptions != 0 || d.active != 0).collect();
        for chunk in rows.chunks(CHUNK / 2) {
            let values: Vec<String> =
                (0..chunk.len()).map(|i| format!("(${}, ${}, ${}, 0)", i * 3 + 1, i * 3 + 2, i * 3 + 3)).collect();
            let mut query = q(format!(
                "INSERT INTO software_stats (software_id, adoptions, active_adoptions, fundings) VALUES {} \
                 ON CONFLICT (software_id) DO UPDATE SET adoptions = software_stats.adoptions + excluded.adoptions, \
                 active_adoptions = software_stats.active_adoptions + excluded.active_adoptions",
                values.join(", ")
            ));
            for (id, d) in chunk {
                query = query.bind(**id).bind(d.adoptions).bind(d.active);
            }
            self.execute(query).await?;
        }
        Ok(())
    }

    /// Adds an import's new fundings to the counts and the totals per currency.
    pub(crate) async fn add_funding_deltas(&mut self, added: &BTreeMap<(i64, String), (i64, i64)>) -> Result<()> {
        let mut per_software: BTreeMap<i64, i64> = BTreeMap::new();
        for ((software, _), (_, count)) in added {
            *per_software.entry(*software).or_default() += count;
        }
        let rows: Vec<_> = per_software.into_iter().collect();
        for chunk in rows.chunks(CHUNK / 2) {
            let values: Vec<String> =
                (0..chunk.len()).map(|i| format!("(${}, 0, 0, ${})", i * 2 + 1, i * 2 + 2)).collect();
            let mut query = q(format!(
                "INSERT INTO software_stats (software_id, adoptions, active_adoptions, fundings) VALUES {} \
                 ON CONFLICT (software_id) DO UPDATE SET fundings = software_stats.fundings + excluded.fundings",
                values.join(", ")
            ));
            for (id, n) in chunk {
                query = query.bind(*id).bind(*n);
            }
            self.execute(query).await?;
        }
        let rows: Vec<_> = added.iter().collect();
        for chunk in rows.chunks(CHUNK / 4) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${}, ${})", i * 4 + 1, i * 4 + 2, i * 4 + 3, i * 4 + 4))
                .collect();
            let mut query = q(format!(
                "INSERT INTO software_funding_totals (software_id, currency, amount_minor, fundings) VALUES {} \
                 ON CONFLICT (software_id, currency) DO UPDATE SET \
                 amount_minor = software_funding_totals.amount_minor + excluded.amount_minor, \
                 fundings = software_funding_totals.fundings + excluded.fundings",
                values.join(", ")
            ));
            for ((id, currency), (minor, count)) in chunk {
                query = query.bind(*id).bind(currency.as_str()).bind(*minor).bind(*count);
            }
            self.execute(query).await?;
        }
        Ok(())
    }
}

impl Store {
    /// Recomputes every aggregate from the adoptions and fundings.
    pub async fn rebuild_stats(&self, actor: &crate::model::Actor) -> Result<()> {
        let mut tx = self.begin(actor).await?;
        let software = tx.all::<(i64,)>(q("SELECT id FROM software")).await?.into_iter().map(|r| r.0).collect();
        tx.refresh_stats(&software).await?;
        tx.commit().await
    }
}
