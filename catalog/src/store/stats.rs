//! The aggregates of adoptions and fundings (migration 0002): recomputed for what a write
//! touched, in the write's transaction, and read by the pages instead of counting.

use std::collections::BTreeSet;

use super::{q, Store, Tx};
use crate::error::Result;

/// Ids per `IN (...)` list.
const CHUNK: usize = 500;

fn in_list(first: usize, n: usize) -> String {
    (0..n).map(|i| format!("${}", first + i)).collect::<Vec<_>>().join(", ")
}

/// What a write changed, so that its aggregates can be recomputed.
#[derive(Debug, Default)]
pub(crate) struct Touched {
    pub software: BTreeSet<i64>,
    pub organisations: BTreeSet<i64>,
}

impl Tx {
    pub(crate) async fn refresh_stats(&mut self, touched: &Touched) -> Result<()> {
        let software: Vec<i64> = touched.software.iter().copied().collect();
        for chunk in software.chunks(CHUNK) {
            let ids = in_list(1, chunk.len());
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
        let organisations: Vec<i64> = touched.organisations.iter().copied().collect();
        for chunk in organisations.chunks(CHUNK) {
            let ids = in_list(1, chunk.len());
            let statements = [
                format!("DELETE FROM organisation_stats WHERE organisation_id IN ({ids})"),
                format!(
                    "INSERT INTO organisation_stats (organisation_id, adoptions, fundings) \
                     SELECT o.id, \
                     (SELECT COUNT(*) FROM adoptions a WHERE a.organisation_id = o.id), \
                     (SELECT COUNT(*) FROM fundings f WHERE f.funder_id = o.id) \
                     FROM organisations o WHERE o.id IN ({ids})"
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
}

impl Store {
    /// Recomputes every aggregate from the adoptions and fundings.
    pub async fn rebuild_stats(&self, actor: &crate::model::Actor) -> Result<()> {
        let mut tx = self.begin(actor).await?;
        let touched = Touched {
            software: tx.all::<(i64,)>(q("SELECT id FROM software")).await?.into_iter().map(|r| r.0).collect(),
            organisations: tx
                .all::<(i64,)>(q(
                    "SELECT DISTINCT organisation_id FROM adoptions UNION SELECT DISTINCT funder_id FROM fundings \
                     UNION SELECT organisation_id FROM organisation_stats",
                ))
                .await?
                .into_iter()
                .map(|r| r.0)
                .collect(),
        };
        tx.refresh_stats(&touched).await?;
        tx.commit().await
    }
}
