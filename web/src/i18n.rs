//! The two languages of the pages. Every string a page shows comes from `i18n/fr.toml` or
//! `i18n/en.toml` (flat `key = "text"` files, the same keys in both); numbers, amounts and
//! dates are written the way each language writes them.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }

    /// The reader's language from an `Accept-Language` header: the first of French or
    /// English by quality, French when neither is asked for (the registry is French first).
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let quality =
                pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let Some(lang) = Lang::parse(primary) else { continue };
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Lang::Fr, |(_, l)| l)
    }
}

type Table = HashMap<&'static str, &'static str>;

fn parse(source: &'static str, file: &str) -> Table {
    let value: toml::Table = toml::from_str(source).unwrap_or_else(|e| panic!("{file} is not valid TOML: {e}"));
    let mut table = Table::new();
    flatten("", &value, file, &mut table);
    table
}

/// `[software] licence = "…"` is the key `software.licence`.
fn flatten(prefix: &str, value: &toml::Table, file: &str, into: &mut Table) {
    for (key, v) in value {
        let key = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match v {
            toml::Value::String(text) => {
                into.insert(Box::leak(key.into_boxed_str()), Box::leak(text.clone().into_boxed_str()));
            }
            toml::Value::Table(inner) => flatten(&key, inner, file, into),
            _ => panic!("{file}: {key} is not a string"),
        }
    }
}

fn table(lang: Lang) -> &'static Table {
    static FR: OnceLock<Table> = OnceLock::new();
    static EN: OnceLock<Table> = OnceLock::new();
    match lang {
        Lang::Fr => FR.get_or_init(|| parse(include_str!("../i18n/fr.toml"), "i18n/fr.toml")),
        Lang::En => EN.get_or_init(|| parse(include_str!("../i18n/en.toml"), "i18n/en.toml")),
    }
}

/// Marks a key with no text, so that a test of every page finds it.
pub const MISSING: &str = "⟦missing translation⟧";

/// What templates call to write text, numbers, amounts and dates in the page's language.
#[derive(Debug, Clone, Copy)]
pub struct T {
    pub lang: Lang,
}

impl T {
    pub fn new(lang: Lang) -> T {
        T { lang }
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// The text of `key`.
    pub fn s(&self, key: &str) -> &'static str {
        table(self.lang).get(key).copied().unwrap_or(MISSING)
    }

    /// The text of `prefix.value` (a vocabulary word: `kind.commune`, `status.paid`), or the
    /// value itself when the vocabulary has no such word.
    pub fn word(&self, prefix: &str, value: &str) -> String {
        let key = format!("{prefix}.{value}");
        table(self.lang).get(key.as_str()).map_or_else(|| value.to_owned(), |s| (*s).to_owned())
    }

    /// `key`'s text with `{n}` replaced by the number, choosing `key.one` for 1 and less.
    pub fn count(&self, key: &str, n: impl Number) -> String {
        let n = n.value();
        let one = format!("{key}.one");
        let many = format!("{key}.many");
        // French counts 0 and 1 as singular ("0 adoptant"), English 1 only ("0 adopters").
        let singular = match self.lang {
            Lang::Fr => n.abs() <= 1,
            Lang::En => n.abs() == 1,
        };
        let text = if singular { self.s(&one) } else { self.s(&many) };
        text.replace("{n}", &self.num(n))
    }

    /// `key`'s text with `{x}` replaced.
    pub fn fill(&self, key: &str, x: &str) -> String {
        self.s(key).replace("{x}", x)
    }

    /// Fills a text that names a place or an organisation, whose French name takes an
    /// article: `{x}` is the name, `{le}` the name with its article ("la Côte-d'Or"), `{de}`
    /// and `{a}` with "de" and "à" joined to it ("de la Côte-d'Or", "du canton de Vaud",
    /// "d'Arles", "au canton de Vaud"). `liaison` is INSEE's type of liaison when the
    /// reference data gives it.
    pub fn fill_place(&self, key: &str, name: &str, liaison: Option<u8>) -> String {
        let place = Place::of(name, liaison);
        self.s(key)
            .replace("{le}", &place.with_article())
            .replace("{de}", &place.after("de"))
            .replace("{a}", &place.after("à"))
            .replace("{x}", name)
    }

    pub fn num(&self, n: impl Number) -> String {
        let n = n.value();
        group(n.unsigned_abs(), self.thousands(), n < 0)
    }

    fn thousands(&self) -> &'static str {
        match self.lang {
            // French sets thousands apart with a narrow no-break space.
            Lang::Fr => "\u{202f}",
            Lang::En => ",",
        }
    }

    /// A percentage of a fraction, without decimals: `42 %` / `42%`.
    pub fn percent(&self, fraction: f64) -> String {
        let n = (fraction * 100.0).round() as i64;
        match self.lang {
            Lang::Fr => format!("{}\u{a0}%", self.num(n)),
            Lang::En => format!("{}%", self.num(n)),
        }
    }

    /// An amount in minor units of `currency` (`digits` decimals): `12 000,50 €` /
    /// `€12,000.50`. Whole amounts are written without decimals.
    pub fn money(&self, minor: i64, currency: &str, digits: u32) -> String {
        let scale = 10i64.pow(digits);
        let (units, cents) = (minor.unsigned_abs() / scale as u64, minor.unsigned_abs() % scale as u64);
        let mut number = group(units, self.thousands(), minor < 0);
        if cents != 0 {
            let sep = if self.lang == Lang::Fr { ',' } else { '.' };
            number = format!("{number}{sep}{cents:0width$}", width = digits as usize);
        }
        let symbol = match currency {
            "EUR" => Some("€"),
            "USD" => Some("$"),
            "GBP" => Some("£"),
            _ => None,
        };
        match (self.lang, symbol) {
            (Lang::Fr, Some(s)) => format!("{number}\u{a0}{s}"),
            (Lang::Fr, None) => format!("{number}\u{a0}{currency}"),
            (Lang::En, Some(s)) => format!("{s}{number}"),
            (Lang::En, None) => format!("{currency}\u{a0}{number}"),
        }
    }

    pub fn date(&self, d: impl Day) -> String {
        let d = &d.naive();
        let month = self.month(d.month());
        match self.lang {
            Lang::Fr if d.day() == 1 => format!("1er {month} {}", d.year()),
            Lang::Fr => format!("{} {month} {}", d.day(), d.year()),
            Lang::En => format!("{} {month} {}", d.day(), d.year()),
        }
    }

    pub fn month_year(&self, d: impl Day) -> String {
        let d = &d.naive();
        format!("{} {}", self.month(d.month()), d.year())
    }

    fn month(&self, m: u32) -> &'static str {
        const FR: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let i = (m.clamp(1, 12) - 1) as usize;
        match self.lang {
            Lang::Fr => FR[i],
            Lang::En => EN[i],
        }
    }
}

/// The dates templates write, by value or by reference.
pub trait Day {
    fn naive(&self) -> NaiveDate;
}

impl Day for NaiveDate {
    fn naive(&self) -> NaiveDate {
        *self
    }
}

impl<D: Day> Day for &D {
    fn naive(&self) -> NaiveDate {
        (**self).naive()
    }
}

/// The integers templates write, by value or by reference.
pub trait Number {
    fn value(&self) -> i64;
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl Number for $t {
            fn value(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
        impl Number for &$t {
            fn value(&self) -> i64 {
                i64::try_from(**self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
numbers!(i64, u64, i32, u32, usize);

fn group(n: u64, sep: &str, negative: bool) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * sep.len() + 1);
    if negative {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

/// A French place name and the article it takes.
struct Place<'a> {
    /// The name without its article ("Côte-d'Or", "Mans" for "Le Mans").
    bare: &'a str,
    article: Article,
    /// Whether a leading "Canton", "Province"... is lower-cased after an article
    /// ("du canton de Vaud").
    common_noun: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Article {
    /// No article, before a consonant: "de Paris", "à Paris".
    None,
    /// No article, before a vowel: "d'Arles", "à Arles".
    NoneElided,
    Le,
    La,
    Les,
    /// "l'" before a vowel: "de l'Ain".
    LElided,
}

/// Words that open a name and are a common noun: the article is theirs.
const FEMININE_HEADS: [&str; 8] =
    ["CC ", "CA ", "CU ", "Communauté ", "Métropole ", "Province ", "Région ", "Collectivité "];
const MASCULINE_HEADS: [&str; 3] = ["Canton ", "District ", "Syndicat "];

fn starts_with_vowel(s: &str) -> bool {
    s.chars().next().is_some_and(|c| "AEIOUYÂÉÈÊÎÔÛHaeiouyâéèêîôûh".contains(c))
}

impl<'a> Place<'a> {
    fn of(name: &'a str, liaison: Option<u8>) -> Place<'a> {
        let strip = |prefix: &str| name.strip_prefix(prefix).unwrap_or(name);
        let plain = |article, bare| Place { bare, article, common_noun: false };
        match liaison {
            Some(0) => plain(Article::None, name),
            Some(1) => plain(Article::NoneElided, name),
            Some(2) => plain(Article::Le, strip("Le ")),
            Some(3) => plain(Article::La, strip("La ")),
            Some(4) | Some(6) => plain(Article::Les, strip("Les ")),
            Some(5) => plain(Article::LElided, strip("L'")),
            _ => {
                if MASCULINE_HEADS.iter().any(|h| name.starts_with(h)) {
                    Place { bare: name, article: Article::Le, common_noun: true }
                } else if name.starts_with("Eurométropole") {
                    plain(Article::LElided, name)
                } else if FEMININE_HEADS.iter().any(|h| name.starts_with(h)) {
                    let acronym = name.split(' ').next().is_some_and(|w| w.chars().all(|c| c.is_ascii_uppercase()));
                    Place { bare: name, article: Article::La, common_noun: !acronym }
                } else if starts_with_vowel(name) {
                    plain(Article::NoneElided, name)
                } else {
                    plain(Article::None, name)
                }
            }
        }
    }

    fn bare(&self) -> String {
        if self.common_noun {
            let mut c = self.bare.chars();
            c.next().map_or_else(String::new, |f| f.to_lowercase().chain(c).collect())
        } else {
            self.bare.to_string()
        }
    }

    fn with_article(&self) -> String {
        let bare = self.bare();
        match self.article {
            Article::None | Article::NoneElided => bare,
            Article::Le => format!("le {bare}"),
            Article::La => format!("la {bare}"),
            Article::Les => format!("les {bare}"),
            Article::LElided => format!("l'{bare}"),
        }
    }

    /// `de` or `à` joined to the name with its article.
    fn after(&self, word: &str) -> String {
        let bare = self.bare();
        match (word, self.article) {
            ("de", Article::NoneElided) => format!("d'{bare}"),
            ("de", Article::Le) => format!("du {bare}"),
            ("de", Article::Les) => format!("des {bare}"),
            ("à", Article::Le) => format!("au {bare}"),
            ("à", Article::Les) => format!("aux {bare}"),
            (w, _) => format!("{w} {}", self.with_article()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn french_place_names_take_their_articles() {
        let t = T::new(Lang::Fr);
        let de = |name, liaison| Place::of(name, liaison).after("de");
        assert_eq!(de("Côte-d'Or", Some(3)), "de la Côte-d'Or");
        assert_eq!(de("Calvados", Some(2)), "du Calvados");
        assert_eq!(de("Le Mans", Some(2)), "du Mans");
        assert_eq!(de("Ain", Some(5)), "de l'Ain");
        assert_eq!(de("Alpes-Maritimes", Some(4)), "des Alpes-Maritimes");
        assert_eq!(de("Arles", Some(1)), "d'Arles");
        assert_eq!(de("Paris", Some(0)), "de Paris");
        assert_eq!(de("Canton de Vaud", None), "du canton de Vaud");
        assert_eq!(de("CC du Pays d'Alésia et de la Seine", None), "de la CC du Pays d'Alésia et de la Seine");
        assert_eq!(de("Province de Liège", None), "de la province de Liège");
        assert_eq!(de("Eurométropole de Strasbourg", None), "de l'Eurométropole de Strasbourg");
        assert_eq!(de("Yverdon-les-Bains", None), "d'Yverdon-les-Bains");
        assert_eq!(de("Lausanne", None), "de Lausanne");
        assert_eq!(Place::of("Canton de Vaud", None).after("à"), "au canton de Vaud");
        assert_eq!(Place::of("Côte-d'Or", Some(3)).with_article(), "la Côte-d'Or");
        assert_eq!(t.fill_place("members.h1", "Canton de Vaud", None), "Les membres du canton de Vaud");
        assert_eq!(T::new(Lang::En).fill_place("members.h1", "Canton de Vaud", None), "Members of Canton de Vaud");
    }

    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let fr: std::collections::BTreeSet<_> = table(Lang::Fr).keys().collect();
        let en: std::collections::BTreeSet<_> = table(Lang::En).keys().collect();
        let only_fr: Vec<_> = fr.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&fr).collect();
        assert!(only_fr.is_empty() && only_en.is_empty(), "only in fr: {only_fr:?}; only in en: {only_en:?}");
    }

    #[test]
    fn amounts_numbers_and_dates_per_language() {
        let fr = T::new(Lang::Fr);
        let en = T::new(Lang::En);
        assert_eq!(fr.money(1_200_050, "EUR", 2), "12\u{202f}000,50\u{a0}€");
        assert_eq!(en.money(1_200_050, "EUR", 2), "€12,000.50");
        assert_eq!(fr.money(500_000, "CHF", 2), "5\u{202f}000\u{a0}CHF");
        assert_eq!(en.money(500_005, "CHF", 2), "CHF\u{a0}5,000.05");
        assert_eq!(fr.num(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(en.num(-1234), "-1,234");
        assert_eq!(en.num(999), "999");
        let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        assert_eq!(fr.date(d), "1er mars 2024");
        assert_eq!(en.date(d), "1 March 2024");
        assert_eq!(fr.percent(0.425), "43\u{a0}%");
    }

    #[test]
    fn accept_language_prefers_french_unless_english_is_asked_for_first() {
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9,fr;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language("de-CH, fr;q=0.7, en;q=0.5"), Lang::Fr);
        assert_eq!(Lang::from_accept_language("fr;q=0.4, en;q=0.6"), Lang::En);
        assert_eq!(Lang::from_accept_language("de, it"), Lang::Fr);
        assert_eq!(Lang::from_accept_language(""), Lang::Fr);
        assert_eq!(Lang::from_accept_language("en;q=0"), Lang::Fr);
    }

    #[test]
    fn counts_choose_singular_or_plural() {
        let fr = T::new(Lang::Fr);
        assert_eq!(fr.count("count.software", 1), "1 logiciel");
        assert_eq!(fr.count("count.software", 1200), "1\u{202f}200 logiciels");
        assert_eq!(fr.count("count.adopters", 0), "0 adoptant");
        let en = T::new(Lang::En);
        assert_eq!(en.count("count.adopters", 0), "0 adopters");
        assert_eq!(en.count("count.adopters", 1), "1 adopter");
    }
}
