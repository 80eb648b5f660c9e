// TEMPORARY until the helper's module lands.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub value_label: String,
    pub href: Option<String>,
}
pub fn bars(id: &str, title: &str, desc: &str, bars: &[Bar]) -> String {
    let _ = bars;
    format!("<svg role=\"img\" aria-labelledby=\"{id}-title {id}-desc\"><title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{desc}</desc></svg>")
}
pub fn columns(id: &str, title: &str, desc: &str, columns: &[Bar], axis_label: &dyn Fn(f64) -> String) -> String {
    let _ = (columns, axis_label);
    bars(id, title, desc, &[])
}
pub fn sparkline(id: &str, label: &str, values: &[i64]) -> String {
    let _ = (id, values);
    format!("<svg role=\"img\" aria-label=\"{label}\"></svg>")
}
