//! How good a ranking is, for the relevance tests (`tests/relevance/queries.tsv`) and the
//! search bench, which must measure it the same way to be compared.

/// nDCG@10 with binary relevance: the software expected for a query are the relevant ones,
/// each worth 1 at rank 1 and less further down (1 / log2(rank + 1)); 1.0 when the
/// expected ones are the first results, 0.0 when none is in the first ten.
pub fn ndcg_at_10(ranked: &[String], relevant: &[String]) -> f64 {
    let gain = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let dcg: f64 = ranked.iter().take(10).enumerate().filter(|(_, s)| relevant.contains(s)).map(|(i, _)| gain(i)).sum();
    let ideal: f64 = (0..relevant.len().min(10)).map(gain).sum();
    if ideal == 0.0 {
        0.0
    } else {
        dcg / ideal
    }
}

#[cfg(test)]
mod tests {
    use super::ndcg_at_10;

    fn list(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn first_is_one_absent_is_zero_lower_is_less() {
        let relevant = list(&["geocity"]);
        assert_eq!(ndcg_at_10(&list(&["geocity", "lizmap"]), &relevant), 1.0);
        assert_eq!(ndcg_at_10(&list(&["lizmap", "qgis"]), &relevant), 0.0);
        let second = ndcg_at_10(&list(&["lizmap", "geocity"]), &relevant);
        assert!((second - 1.0 / 3f64.log2()).abs() < 1e-12, "{second}");
        // Past the tenth result it does not count.
        let mut far = list(&["x"; 10]);
        far.push("geocity".into());
        assert_eq!(ndcg_at_10(&far, &relevant), 0.0);
        assert_eq!(ndcg_at_10(&list(&["geocity"]), &[]), 0.0);
    }
}
