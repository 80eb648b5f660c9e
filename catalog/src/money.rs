use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An ISO 4217 currency code with its number of minor-unit digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency {
    code: [u8; 3],
}

/// Active ISO 4217 codes (list of 2025). Everything not in `ZERO_DIGITS`, `THREE_DIGITS` or
/// `FOUR_DIGITS` has two minor digits.
const ISO_4217: &str = "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV \
BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD \
EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK \
JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT \
MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR \
RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP \
TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR \
ZMW ZWG";
const ZERO_DIGITS: &str = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
const THREE_DIGITS: &str = "BHD IQD JOD KWD LYD OMR TND";
const FOUR_DIGITS: &str = "CLF UYW";

impl Currency {
    pub const EUR: Currency = Currency { code: *b"EUR" };
    pub const CHF: Currency = Currency { code: *b"CHF" };

    pub fn parse(s: &str) -> Result<Currency> {
        let up = s.trim();
        if up.len() != 3 || !up.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::invalid(
                "currency",
                format!("{s:?} is not an ISO 4217 code: three capital letters such as EUR or CHF"),
            ));
        }
        if !ISO_4217.split_whitespace().any(|c| c == up) {
            return Err(Error::invalid("currency", format!("{s:?} is not an ISO 4217 currency")));
        }
        let b = up.as_bytes();
        Ok(Currency { code: [b[0], b[1], b[2]] })
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).expect("currency codes are ASCII")
    }

    /// How many digits after the decimal point the currency's unit has.
    pub fn minor_digits(&self) -> u32 {
        let has = |list: &str| list.split_whitespace().any(|c| c == self.code());
        if has(ZERO_DIGITS) {
            0
        } else if has(THREE_DIGITS) {
            3
        } else if has(FOUR_DIGITS) {
            4
        } else {
            2
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl TryFrom<String> for Currency {
    type Error = Error;
    fn try_from(s: String) -> Result<Currency> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_string()
    }
}

/// An amount of money in integer minor units (cents, centimes), never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub minor: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub currency: Currency,
}

/// Amounts above this (in minor units) are refused as almost certainly a typo; it is a
/// trillion euros and keeps every sum far from `i64` overflow.
const MAX_MINOR: i64 = 100_000_000_000_000;

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Result<Money> {
        if minor < 0 {
            return Err(Error::invalid("amount", "an amount cannot be negative"));
        }
        if minor > MAX_MINOR {
            return Err(Error::invalid("amount", "the amount is implausibly large"));
        }
        Ok(Money { minor, currency })
    }

    /// Parses a decimal in the currency's unit (`12000.50` EUR is 1200050 cents). A comma
    /// as decimal separator is accepted; thousands separators, signs and exponents are not.
    pub fn parse(amount: &str, currency: Currency) -> Result<Money> {
        let s = amount.trim();
        let bad = |why: String| Error::invalid("amount", format!("{amount:?} is not an amount: {why}"));
        if s.starts_with('-') {
            return Err(Error::invalid("amount", "an amount cannot be negative"));
        }
        let (whole, frac) = match s.find(['.', ',']) {
            Some(i) => (&s[..i], &s[i + 1..]),
            None => (s, ""),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("write digits with an optional decimal point, e.g. 12000.50".into()));
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("write digits with an optional decimal point, e.g. 12000.50".into()));
        }
        let digits = currency.minor_digits() as usize;
        if frac.len() > digits {
            return Err(bad(format!("{currency} has {digits} decimal digits at most")));
        }
        if whole.len() > 15 {
            return Err(Error::invalid("amount", "the amount is implausibly large"));
        }
        let whole: i64 = whole.parse().map_err(|_| bad("too many digits".into()))?;
        let mut frac_minor: i64 =
            if frac.is_empty() { 0 } else { frac.parse().map_err(|_| bad("bad decimals".into()))? };
        for _ in frac.len()..digits {
            frac_minor *= 10;
        }
        let minor = whole
            .checked_mul(10_i64.pow(digits as u32))
            .and_then(|w| w.checked_add(frac_minor))
            .ok_or_else(|| Error::invalid("amount", "the amount is implausibly large"))?;
        Money::new(minor, currency)
    }

    /// The amount as a plain decimal in the currency's unit (`12000.50`), the form the CSV
    /// files use.
    pub fn decimal(&self) -> String {
        let digits = self.currency.minor_digits();
        if digits == 0 {
            return self.minor.to_string();
        }
        let unit = 10_i64.pow(digits);
        format!("{}.{:0width$}", self.minor / unit, self.minor % unit, width = digits as usize)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.decimal(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimals_into_minor_units() {
        let eur = Currency::EUR;
        assert_eq!(Money::parse("12000.50", eur).unwrap().minor, 1_200_050);
        assert_eq!(Money::parse("12000,5", eur).unwrap().minor, 1_200_050);
        assert_eq!(Money::parse("7", eur).unwrap().minor, 700);
        assert_eq!(Money::parse("0.07", eur).unwrap().minor, 7);
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::parse("1500", jpy).unwrap().minor, 1500);
        assert!(Money::parse("1500.5", jpy).is_err());
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(Money::parse("1.005", kwd).unwrap().decimal(), "1.005");
    }

    #[test]
    fn refuses_bad_amounts() {
        let eur = Currency::EUR;
        for bad in ["", "-5", "12 000", "1e3", "12.345", "abc", "1.2.3", ".5", "9999999999999999"] {
            assert!(Money::parse(bad, eur).is_err(), "{bad:?}");
        }
        assert!(Money::parse("-5", eur).unwrap_err().to_string().contains("negative"));
    }

    #[test]
    fn currencies_are_iso_4217() {
        assert_eq!(Currency::parse("CHF").unwrap().minor_digits(), 2);
        for bad in ["eur", "EURO", "XXX", "ABC", ""] {
            assert!(Currency::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn decimal_round_trips() {
        let m = Money::parse("12000.50", Currency::CHF).unwrap();
        assert_eq!(m.decimal(), "12000.50");
        assert_eq!(Money::parse(&m.decimal(), Currency::CHF).unwrap(), m);
    }
}
