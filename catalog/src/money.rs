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

/// A dated rate between two currencies, from the operator's configuration: how much of
/// `to` one unit of `from` is worth. Amounts in different currencies are never added unless
/// such a rate says how, and the page then says which rate it used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRate {
    pub from: Currency,
    pub to: Currency,
    /// As written: `1.0650`.
    pub rate: String,
    /// The rate is `numerator / 10^scale`.
    numerator: i128,
    scale: u32,
    /// The day it was published for.
    pub on: chrono::NaiveDate,
    /// Who published it (`BCE`), when the configuration says.
    pub source: Option<String>,
}

impl ExchangeRate {
    /// A rate written as a decimal (`1.0650`), positive, of 12 digits at most on each side.
    pub fn new(
        from: Currency,
        to: Currency,
        rate: &str,
        on: chrono::NaiveDate,
        source: Option<String>,
    ) -> Result<ExchangeRate> {
        if from == to {
            return Err(Error::invalid("to", format!("a rate from {from} to {to} changes nothing")));
        }
        let written = rate.trim();
        let bad = || Error::invalid("rate", format!("{rate:?} is not a rate: write a positive decimal such as 1.0650"));
        let (whole, frac) = written.split_once('.').unwrap_or((written, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 12 || frac.len() > 12 || !digits(whole) || !digits(frac) {
            return Err(bad());
        }
        let numerator: i128 = format!("{whole}{frac}").parse().map_err(|_| bad())?;
        if numerator == 0 {
            return Err(bad());
        }
        Ok(ExchangeRate { from, to, rate: written.to_string(), numerator, scale: frac.len() as u32, on, source })
    }

    /// `m`, in `from`, as an amount of `to`, rounded half up to `to`'s minor unit; `None`
    /// for an amount in another currency.
    pub fn convert(&self, m: Money) -> Option<Money> {
        if m.currency != self.from {
            return None;
        }
        let ten = |n: u32| 10_i128.pow(n);
        let numerator = i128::from(m.minor) * self.numerator * ten(self.to.minor_digits());
        let denominator = ten(self.scale + self.from.minor_digits());
        let minor = (numerator + denominator / 2) / denominator;
        Money::new(i64::try_from(minor).ok()?, self.to).ok()
    }
}

/// The rates the configuration gives; of a pair's, the latest counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rates(Vec<ExchangeRate>);

impl Rates {
    pub fn new(rates: Vec<ExchangeRate>) -> Rates {
        Rates(rates)
    }

    /// The latest rate from `from` to `to`, if the configuration gives one. Only the
    /// direction written counts: a rate from CHF to EUR counts Swiss pledges towards a cost
    /// in euros, not the other way.
    pub fn rate(&self, from: Currency, to: Currency) -> Option<&ExchangeRate> {
        self.0.iter().filter(|r| r.from == from && r.to == to).max_by_key(|r| r.on)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
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

    #[test]
    fn rates_convert_exactly_and_refuse_nonsense() {
        let (chf, eur, jpy) =
            (Currency::parse("CHF").unwrap(), Currency::parse("EUR").unwrap(), Currency::parse("JPY").unwrap());
        let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let r = ExchangeRate::new(chf, eur, "1.0650", day(28), Some("BCE".into())).unwrap();
        assert_eq!(r.convert(Money::new(255_000, chf).unwrap()), Some(Money::new(271_575, eur).unwrap()));
        assert_eq!(r.convert(Money::new(1, chf).unwrap()), Some(Money::new(1, eur).unwrap()), "half up");
        assert_eq!(r.convert(Money::new(100, eur).unwrap()), None, "another currency");
        let yen = ExchangeRate::new(eur, jpy, "161.5", day(28), None).unwrap();
        assert_eq!(yen.convert(Money::new(1_000, eur).unwrap()), Some(Money::new(1_615, jpy).unwrap()), "0 digits");
        for bad in ["", "0", "0.000", "-1", "1,05", "1.2.3", "abc", "1e3"] {
            let e = ExchangeRate::new(chf, eur, bad, day(28), None).unwrap_err().to_string();
            assert!(e.starts_with("rate:"), "{bad}: {e}");
        }
        assert!(ExchangeRate::new(eur, eur, "1", day(28), None).unwrap_err().to_string().starts_with("to:"));
        let older = ExchangeRate::new(chf, eur, "1.02", day(1), None).unwrap();
        let rates = Rates::new(vec![older, r.clone()]);
        assert_eq!(rates.rate(chf, eur), Some(&r), "the latest");
        assert_eq!(rates.rate(eur, chf), None, "only the direction written");
    }
}
