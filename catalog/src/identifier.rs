use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An organisation's official identifier in one country's register, written
/// `scheme:value` (`fr-insee:21663`, `fr-siren:200054781`, `be-nis:92094`, `ch-ofs:5938`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficialId {
    scheme: Scheme,
    value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// INSEE code of a French commune (COG).
    FrInsee,
    /// SIREN number of a French legal entity (communes, EPCI, associations, companies).
    FrSiren,
    /// INSEE code of a French département.
    FrDep,
    /// INSEE code of a French région.
    FrReg,
    /// Belgian REFNIS / NIS code (municipalities, provinces).
    BeNis,
    /// Swiss federal statistical office (OFS/BFS) commune number.
    ChOfs,
    /// Swiss canton abbreviation.
    ChCanton,
    /// A French public service's id in the Annuaire de l'administration (service-public.fr),
    /// which code.gouv.fr's list of forge accounts gives (`pso_id`).
    FrAnnuaire,
}

impl Scheme {
    pub const ALL: [Scheme; 8] = [
        Scheme::FrInsee,
        Scheme::FrSiren,
        Scheme::FrDep,
        Scheme::FrReg,
        Scheme::BeNis,
        Scheme::ChOfs,
        Scheme::ChCanton,
        Scheme::FrAnnuaire,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::FrInsee => "fr-insee",
            Scheme::FrSiren => "fr-siren",
            Scheme::FrDep => "fr-dep",
            Scheme::FrReg => "fr-reg",
            Scheme::BeNis => "be-nis",
            Scheme::ChOfs => "ch-ofs",
            Scheme::ChCanton => "ch-canton",
            Scheme::FrAnnuaire => "fr-annuaire",
        }
    }

    fn parse(s: &str) -> Option<Scheme> {
        Scheme::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Checks a value against the register's format; `Err` says what is expected.
    fn check(self, v: &str) -> std::result::Result<(), &'static str> {
        let digits = |n: std::ops::RangeInclusive<usize>| n.contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit());
        match self {
            Scheme::FrInsee => {
                let ok = v.len() == 5
                    && (v[..2].bytes().all(|b| b.is_ascii_digit()) || v.starts_with("2A") || v.starts_with("2B"))
                    && v[2..].bytes().all(|b| b.is_ascii_digit())
                    && !v.starts_with("00");
                ok.then_some(()).ok_or("5 characters: 2 digits (or 2A, 2B) then 3 digits, e.g. 21663")
            }
            Scheme::FrSiren => {
                if !digits(9..=9) {
                    return Err("9 digits, e.g. 200054781");
                }
                luhn_ok(v).then_some(()).ok_or("9 digits whose Luhn check digit is right")
            }
            // The COG gives the overseas collectivities (975 to 989) a code of the same form
            // as a département and a région.
            Scheme::FrDep => {
                let ok = (digits(2..=2) && v != "00" && v != "20" && v <= "95")
                    || v == "2A"
                    || v == "2B"
                    || (digits(3..=3) && ("971"..="989").contains(&v));
                ok.then_some(()).ok_or("a département code: 01 to 95, 2A, 2B or 971 to 989")
            }
            Scheme::FrReg => {
                let ok = digits(2..=2) || (digits(3..=3) && ("975"..="989").contains(&v));
                ok.then_some(()).ok_or("a région code: 2 digits (e.g. 27), or 975 to 989 overseas")
            }
            Scheme::BeNis => digits(5..=5).then_some(()).ok_or("5 digits, e.g. 92094"),
            Scheme::ChOfs => {
                let ok = digits(1..=4) && !v.starts_with('0');
                ok.then_some(()).ok_or("1 to 4 digits without a leading zero, e.g. 5938")
            }
            Scheme::ChCanton => {
                let ok = v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase());
                ok.then_some(()).ok_or("two capital letters, e.g. VD")
            }
            Scheme::FrAnnuaire => {
                // A UUID, written in lower case.
                let groups: Vec<&str> = v.split('-').collect();
                let ok = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
                    && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
                ok.then_some(()).ok_or("a UUID in lower case, e.g. 6b3e1a0c-2f5d-4c8e-9a1b-0d2c3e4f5a6b")
            }
        }
    }
}

fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 {
                    twice - 9
                } else {
                    twice
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl OfficialId {
    pub fn parse(s: &str) -> Result<OfficialId> {
        let (scheme, value) = s.trim().split_once(':').ok_or_else(|| {
            Error::invalid("identifier", format!("{s:?} is not of the form scheme:value, e.g. fr-insee:21663"))
        })?;
        Self::new(scheme, value)
    }

    pub fn new(scheme: &str, value: &str) -> Result<OfficialId> {
        let scheme = Scheme::parse(scheme).ok_or_else(|| {
            let known: Vec<_> = Scheme::ALL.iter().map(|k| k.as_str()).collect();
            Error::invalid("identifier", format!("unknown identifier scheme {scheme:?}; known: {}", known.join(", ")))
        })?;
        scheme.check(value).map_err(|expected| {
            Error::invalid(
                "identifier",
                format!("{value:?} is not a valid {} identifier: expected {expected}", scheme.as_str()),
            )
        })?;
        Ok(OfficialId { scheme, value: value.to_string() })
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether a string looks like an identifier rather than a slug (it has a scheme).
    pub fn looks_like(s: &str) -> bool {
        s.contains(':')
    }
}

impl fmt::Display for OfficialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme.as_str(), self.value)
    }
}

impl TryFrom<String> for OfficialId {
    type Error = Error;
    fn try_from(s: String) -> Result<OfficialId> {
        OfficialId::parse(&s)
    }
}

impl From<OfficialId> for String {
    fn from(id: OfficialId) -> String {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_identifiers_parse() {
        for good in [
            "fr-insee:21663",
            "fr-insee:2A004",
            "fr-insee:97105",
            "fr-siren:200054781",
            "fr-siren:242101459",
            "fr-dep:21",
            "fr-dep:2B",
            "fr-dep:974",
            "fr-reg:27",
            "fr-reg:975",
            "fr-dep:988",
            "be-nis:92094",
            "ch-ofs:5938",
            "fr-annuaire:6b3e1a0c-2f5d-4c8e-9a1b-0d2c3e4f5a6b",
            "ch-canton:VD",
        ] {
            let id = OfficialId::parse(good).unwrap_or_else(|e| panic!("{good}: {e}"));
            assert_eq!(id.to_string(), good);
        }
    }

    #[test]
    fn bad_identifiers_say_why() {
        for (bad, says) in [
            ("21663", "scheme:value"),
            ("xx-code:1", "unknown identifier scheme"),
            ("fr-insee:2166", "5 characters"),
            ("fr-insee:2C663", "5 characters"),
            ("fr-siren:200054782", "Luhn"),
            ("fr-siren:12345", "9 digits"),
            ("fr-dep:96", "département"),
            ("fr-dep:990", "département"),
            ("fr-reg:123", "région"),
            ("be-nis:9209", "5 digits"),
            ("ch-ofs:0593", "leading zero"),
            ("ch-canton:vd", "capital"),
            ("fr-annuaire:6B3E1A0C-2F5D-4C8E-9A1B-0D2C3E4F5A6B", "UUID"),
            ("fr-annuaire:6b3e1a0c2f5d4c8e9a1b0d2c3e4f5a6b", "UUID"),
        ] {
            let err = OfficialId::parse(bad).unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
