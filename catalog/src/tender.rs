//! The "before you tender" report's ranking: which of the candidate software an official
//! should look at first, and why. A pure function over what the catalog and the search
//! already know of each candidate; the server gathers the facts, the pages show the reasons.

use serde::Serialize;

/// What the report knows of one candidate when it ranks them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CandidateFacts {
    pub slug: String,
    /// How well it answers the need, from the search: its score as a share of the best
    /// candidate's (0 to 1). Every candidate of a category fits it fully.
    pub fit: f64,
    /// Its current adopters by how near they are to the organisation: [itself, same EPCI or
    /// district, same département, canton or province, same région, anywhere else].
    /// Without an organisation, all are anywhere else.
    pub nearby: [i64; 5],
    /// Its current adopters of a size like the organisation's (half to twice its
    /// population), wherever they are.
    pub similar_size: i64,
    /// The health score of its first harvested repository.
    pub health: Option<u32>,
    /// The offers (hosting, support...) the organisation may subscribe to where it is.
    pub offers_here: i64,
}

/// Why a candidate ranks where it does, in the order the page says it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// The organisation uses it already.
    UsedHere,
    /// How well it answers the need, in percent of the best answer.
    Fits {
        percent: u32,
    },
    /// Adopters in the same EPCI (or district), in the same département (canton,
    /// province), in the same région.
    Nearby {
        epci: i64,
        area: i64,
        region: i64,
    },
    /// No adopter in the same région or closer.
    NoNeighbours,
    /// Adopters of a similar size.
    SimilarSize {
        count: i64,
    },
    Health {
        score: u32,
    },
    /// Offers the organisation may subscribe to where it is.
    Offers {
        count: i64,
    },
    NoOffer,
}

/// A candidate's place: its score (0 to 100) and the reasons for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub slug: String,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// The weights of the score, in points out of 100: the need first, then who like the
/// organisation uses it, then whether it is alive and someone can run it for them.
const FIT: f64 = 40.0;
const NEARBY: f64 = 25.0;
const SIMILAR: f64 = 15.0;
const HEALTH: f64 = 10.0;
const OFFERS: f64 = 10.0;

/// 0 for none, nearing 1 as `x` grows past `half` (at `half`, 0.5).
fn saturating(x: f64, half: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else {
        x / (x + half)
    }
}

/// Ranks the candidates, best first; equal scores keep the order given (the search's).
pub fn rank(candidates: &[CandidateFacts]) -> Vec<Ranked> {
    let mut ranked: Vec<Ranked> = candidates.iter().map(score).collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    ranked
}

fn score(c: &CandidateFacts) -> Ranked {
    let [itself, epci, area, region, _elsewhere] = c.nearby;
    let fit = c.fit.clamp(0.0, 1.0);
    // A neighbour in the same EPCI counts three times one elsewhere in the département, ten
    // times one elsewhere in the région: the people to call first.
    let weighted = 3.0 * epci as f64 + area as f64 + 0.3 * region as f64;
    let nearby = if itself > 0 { 1.0 } else { saturating(weighted, 3.0) };
    let similar = saturating(c.similar_size as f64, 5.0);
    let health = c.health.map_or(0.5, |h| f64::from(h.min(100)) / 100.0);
    let offers = saturating(c.offers_here as f64, 1.0);
    let score = FIT * fit + NEARBY * nearby + SIMILAR * similar + HEALTH * health + OFFERS * offers;
    let mut reasons = Vec::new();
    if itself > 0 {
        reasons.push(Reason::UsedHere);
    }
    reasons.push(Reason::Fits { percent: (fit * 100.0).round() as u32 });
    if epci + area + region > 0 {
        reasons.push(Reason::Nearby { epci, area, region });
    } else if itself == 0 {
        reasons.push(Reason::NoNeighbours);
    }
    if c.similar_size > 0 {
        reasons.push(Reason::SimilarSize { count: c.similar_size });
    }
    if let Some(h) = c.health {
        reasons.push(Reason::Health { score: h });
    }
    reasons.push(if c.offers_here > 0 { Reason::Offers { count: c.offers_here } } else { Reason::NoOffer });
    Ranked { slug: c.slug.clone(), score: (score * 10.0).round() / 10.0, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(slug: &str, fit: f64) -> CandidateFacts {
        CandidateFacts { slug: slug.into(), fit, ..CandidateFacts::default() }
    }

    #[test]
    fn the_need_comes_first_then_the_neighbours() {
        let a = CandidateFacts { nearby: [0, 0, 0, 0, 52], ..facts("a", 1.0) };
        let b = CandidateFacts { nearby: [0, 2, 1, 0, 0], ..facts("b", 0.9) };
        let c = facts("c", 0.3);
        let ranked = rank(&[a, c, b]);
        let order: Vec<&str> = ranked.iter().map(|r| r.slug.as_str()).collect();
        assert_eq!(order, ["b", "a", "c"], "{ranked:?}");
        assert!(ranked[0].reasons.contains(&Reason::Nearby { epci: 2, area: 1, region: 0 }));
        assert!(ranked[1].reasons.contains(&Reason::NoNeighbours));
    }

    #[test]
    fn without_neighbours_organisations_of_its_size_decide() {
        let small = CandidateFacts { similar_size: 30, ..facts("small", 0.8) };
        let big = CandidateFacts { similar_size: 0, nearby: [0, 0, 0, 0, 50], ..facts("big", 0.8) };
        let ranked = rank(&[big, small]);
        assert_eq!(ranked[0].slug, "small");
        assert!(ranked[0].reasons.contains(&Reason::SimilarSize { count: 30 }));
    }

    #[test]
    fn a_use_of_its_own_and_offers_where_it_is_count() {
        let mine = CandidateFacts { nearby: [1, 0, 0, 0, 0], ..facts("mine", 0.7) };
        let other = CandidateFacts { nearby: [0, 1, 0, 0, 0], ..facts("other", 0.7) };
        let ranked = rank(&[other.clone(), mine]);
        assert_eq!(ranked[0].slug, "mine");
        assert_eq!(ranked[0].reasons[0], Reason::UsedHere);
        let hosted = CandidateFacts { offers_here: 2, ..other.clone() };
        let ranked = rank(&[other, hosted]);
        assert_eq!(ranked[0].reasons.last(), Some(&Reason::Offers { count: 2 }));
        assert_eq!(ranked[1].reasons.last(), Some(&Reason::NoOffer));
        assert!(ranked.iter().all(|r| (0.0..=100.0).contains(&r.score)));
    }
}
