//! Charts drawn as SVG on the server: horizontal bars, columns over time, sparklines.
//! Each carries a title and a description for screen readers, and the page shows the same
//! numbers in a table beside it. The pages forbid inline style, so the marks are coloured
//! by attributes (the stylesheet may refine them through the classes `bar`, `axis`,
//! `gridline`, `label`, `value`).

use std::fmt::Write;

/// One bar or column: its label, its size, the text of its value, and the page it is about
/// (which the table beside the chart links to).
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub value_label: String,
    pub href: Option<String>,
}

const INK: &str = "#1a1a1a";
const BAR: &str = "#1f5fa8";
const GRID: &str = "#c8c8c8";

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn open(out: &mut String, id: &str, title: &str, desc: &str, width: u32, height: u32) {
    let id = escape(id);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"100%\" \
         role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" class=\"chart-svg\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(desc)
    );
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `v`: a round top for an axis.
pub fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|c| *c >= v - 1e-9).unwrap_or(10.0 * magnitude)
}

fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// The sizes a chart is drawn at: wide for a screen, narrow for a phone, where a drawing
/// about 340 px wide keeps its 12 and 13-unit text at 12 px or more.
#[derive(Clone, Copy)]
struct Frame {
    width: u32,
    /// Room for the labels (bars) or the axis (columns).
    label: f64,
    /// Room for the values after the bars.
    value: f64,
    /// The longest label written in full.
    label_chars: usize,
    /// At most this many column labels along the axis.
    axis_labels: usize,
}

const WIDE: Frame = Frame { width: 640, label: 220.0, value: 120.0, label_chars: 28, axis_labels: 12 };
const NARROW: Frame = Frame { width: 340, label: 118.0, value: 78.0, label_chars: 15, axis_labels: 6 };

/// Both drawings; the stylesheet shows the one that fits.
fn both(id: &str, draw: impl Fn(&str, Frame) -> String) -> String {
    format!(
        "<div class=\"chart-wide\">{}</div><div class=\"chart-narrow\">{}</div>",
        draw(id, WIDE),
        draw(&format!("{id}-narrow"), NARROW)
    )
}

/// Horizontal bars, one row per item, the label on the left and the value after the bar.
pub fn bars(id: &str, title: &str, desc: &str, bars: &[Bar]) -> String {
    both(id, |id, frame| bars_in(id, title, desc, bars, frame))
}

fn bars_in(id: &str, title: &str, desc: &str, bars: &[Bar], frame: Frame) -> String {
    let width = frame.width;
    const ROW: u32 = 28;
    let label_w = frame.label;
    let value_w = frame.value;
    let height = (bars.len() as u32).max(1) * ROW + 8;
    let mut out = String::new();
    open(&mut out, id, title, desc, width, height);
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let span = f64::from(width) - label_w - value_w;
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * f64::from(ROW) + 4.0;
        let length =
            if max > 0.0 { (b.value.max(0.0) / max * span).max(if b.value > 0.0 { 2.0 } else { 0.0 }) } else { 0.0 };
        let label = format!(
            "<text class=\"label\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"13\" fill=\"{INK}\"><title>{}</title>{}</text>",
            label_w - 8.0,
            y + 17.0,
            escape(&b.label),
            escape(&shorten(&b.label, frame.label_chars))
        );
        // No link inside: an image must not hold controls; the table beside has them.
        out.push_str("<g>");
        out.push_str(&label);
        let _ = write!(
            out,
            "<rect class=\"bar\" x=\"{label_w:.0}\" y=\"{:.1}\" width=\"{length:.1}\" height=\"{}\" fill=\"{BAR}\"/>\
             <text class=\"value\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"{INK}\">{}</text></g>",
            y + 3.0,
            ROW - 10,
            label_w + length + 6.0,
            y + 17.0,
            escape(&b.value_label)
        );
    }
    out.push_str("</svg>");
    out
}

/// Vertical columns over time, with a labelled axis.
pub fn columns(id: &str, title: &str, desc: &str, columns: &[Bar], axis_label: &dyn Fn(f64) -> String) -> String {
    both(id, |id, frame| columns_in(id, title, desc, columns, axis_label, frame))
}

fn columns_in(
    id: &str,
    title: &str,
    desc: &str,
    columns: &[Bar],
    axis_label: &dyn Fn(f64) -> String,
    frame: Frame,
) -> String {
    let width = frame.width;
    const HEIGHT: u32 = 300;
    let left: f64 = if frame.width < WIDE.width { 62.0 } else { 70.0 };
    const BOTTOM: f64 = 30.0;
    const TOP: f64 = 12.0;
    let mut out = String::new();
    open(&mut out, id, title, desc, width, HEIGHT);
    let max = nice_ceiling(columns.iter().map(|c| c.value).fold(0.0, f64::max));
    let plot_h = f64::from(HEIGHT) - BOTTOM - TOP;
    let plot_w = f64::from(width) - left - 10.0;
    for step in 0..=4 {
        let v = max * f64::from(step) / 4.0;
        let y = TOP + plot_h - plot_h * f64::from(step) / 4.0;
        let _ = write!(
            out,
            "<line class=\"gridline\" x1=\"{left}\" x2=\"{:.0}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\"/>\
             <text class=\"label\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\" fill=\"{INK}\">{}</text>",
            left + plot_w,
            left - 6.0,
            y + 4.0,
            escape(&axis_label(v))
        );
    }
    let n = columns.len().max(1) as f64;
    let slot = plot_w / n;
    let every = if columns.len() > frame.axis_labels { columns.len().div_ceil(frame.axis_labels) } else { 1 };
    for (i, c) in columns.iter().enumerate() {
        let h = if max > 0.0 { c.value.max(0.0) / max * plot_h } else { 0.0 };
        let x = left + slot * i as f64 + slot * 0.15;
        let _ = write!(
            out,
            "<rect class=\"bar\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{BAR}\"><title>{} : {}</title></rect>",
            TOP + plot_h - h,
            slot * 0.7,
            escape(&c.label),
            escape(&c.value_label)
        );
        if i % every == 0 {
            let _ = write!(
                out,
                "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{INK}\">{}</text>",
                x + slot * 0.35,
                f64::from(HEIGHT) - 10.0,
                escape(&c.label)
            );
        }
    }
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{left}\" x2=\"{:.0}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{INK}\"/></svg>",
        left + plot_w,
        TOP + plot_h,
        TOP + plot_h
    );
    out
}

/// A small line of monthly counts, labelled as a whole.
/// A small line of `values`, the last one drawn dashed: it is the current month, still
/// counting, and a dip there says nothing yet.
pub fn sparkline(id: &str, label: &str, values: &[i64]) -> String {
    const WIDTH: f64 = 120.0;
    const HEIGHT: f64 = 24.0;
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = if values.len() > 1 { WIDTH / (values.len() - 1) as f64 } else { 0.0 };
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", i as f64 * step, HEIGHT - 2.0 - (*v as f64 / max) * (HEIGHT - 4.0)))
        .collect();
    let line = match points.len() {
        0 => String::new(),
        1 => format!("<polyline points=\"{}\" fill=\"none\" stroke=\"{BAR}\" stroke-width=\"1.5\"/>", points[0]),
        n => format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{BAR}\" stroke-width=\"1.5\"/>\
             <polyline class=\"partial\" points=\"{} {}\" fill=\"none\" stroke=\"{BAR}\" stroke-width=\"1.5\" stroke-dasharray=\"2 2\"/>",
            points[..n - 1].join(" "),
            points[n - 2],
            points[n - 1]
        ),
    };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"120\" height=\"24\" \
         role=\"img\" aria-label=\"{}\"><title>{}</title><line x1=\"0\" x2=\"{WIDTH}\" y1=\"{:.0}\" y2=\"{:.0}\" \
         stroke=\"{GRID}\"/>{line}</svg>",
        escape(id),
        escape(label),
        escape(label),
        HEIGHT - 1.0,
        HEIGHT - 1.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: f64) -> Bar {
        Bar { label: label.into(), value, value_label: format!("{value}"), href: None }
    }

    fn balanced(svg: &str) {
        for tag in ["svg", "g", "a", "text", "title", "desc"] {
            let opened = svg.matches(&format!("<{tag}>")).count() + svg.matches(&format!("<{tag} ")).count();
            let closed = svg.matches(&format!("</{tag}>")).count();
            assert_eq!(opened, closed, "<{tag}> in {svg}");
        }
        assert!(!svg.contains("style="), "no inline style");
    }

    #[test]
    fn bars_are_labelled_escaped_and_scaled() {
        let mut rows = vec![bar("Commune <b>& \"Co\"", 10.0), bar("x", 5.0), bar("zero", 0.0)];
        rows[1].href = Some("/software/x?a=1&b=2".into());
        let svg = bars("c1", "Title <1>", "Desc", &rows);
        balanced(&svg);
        assert!(svg.contains("aria-labelledby=\"c1-title c1-desc\""));
        assert!(svg.contains("<title id=\"c1-title\">Title &lt;1&gt;</title>"));
        assert!(svg.contains("Commune &lt;b&gt;&amp; &quot;Co&quot;"));
        assert!(!svg.contains("href="), "an image holds no link");
        assert!(svg.contains("width=\"300.0\""), "the largest bar spans the plot: {svg}");
        assert!(svg.contains("width=\"150.0\""), "half the value, half the length");
        assert!(svg.contains("viewBox=\"0 0 340 ") && svg.contains("c1-narrow-title"), "and narrow, for a phone");
        let empty = bars("c2", "t", "d", &[]);
        balanced(&empty);
        let zeros = bars("c3", "t", "d", &[bar("a", 0.0)]);
        assert!(zeros.contains("width=\"0.0\""));
        let long = bars("c4", "t", "d", &[bar(&"x".repeat(60), 1.0)]);
        assert!(long.contains('…'));
    }

    #[test]
    fn columns_have_a_round_axis_and_thin_out_labels() {
        let years: Vec<Bar> = (2000..2026).map(|y| bar(&y.to_string(), f64::from(y - 1999) * 3.0)).collect();
        let svg = columns("c5", "t", "d", &years, &|v| format!("{v:.0}"));
        balanced(&svg);
        assert!(svg.contains(">100<") && svg.contains(">25<"), "the axis tops at 100 for 78: {svg}");
        // Drawn twice, wide and narrow, each with all the columns; the narrow one names
        // fewer of them along its axis.
        assert_eq!(svg.matches("<rect").count(), 52);
        let (wide, narrow) = svg.split_once("<div class=\"chart-narrow\">").unwrap();
        assert!(wide.matches("text-anchor=\"middle\"").count() <= 13);
        assert!(narrow.matches("text-anchor=\"middle\"").count() <= 7);
        assert!(narrow.contains("aria-labelledby=\"c5-narrow-title c5-narrow-desc\""));
        balanced(&columns("c6", "t", "d", &[], &|v| v.to_string()));
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(1500.0), 2000.0);
        assert_eq!(nice_ceiling(50.0), 50.0);
    }

    #[test]
    fn sparklines_handle_silence() {
        let svg = sparkline("s1", "12 commits", &[0, 3, 1, 8]);
        balanced(&svg);
        assert!(svg.contains("aria-label=\"12 commits\"") && svg.contains("<polyline"));
        assert!(sparkline("s2", "none", &[0, 0, 0]).contains("<polyline"));
        // The current month is drawn apart, dashed, from the month before it.
        let months = sparkline("s4", "x", &[1, 2, 3]);
        assert_eq!(months.matches("<polyline").count(), 2);
        assert!(months.contains("stroke-dasharray"));
        assert!(!sparkline("s3", "none", &[]).contains("<polyline"));
    }
}
