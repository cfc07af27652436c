//! The Prometheus text exposition format 0.0.4, written the way Python's
//! `prometheus_client` writes it (labels sorted, `floatToGoString` values,
//! `_created` series as their own gauge family), so what we push is what
//! the Python control pushed.

use crate::python::go_float;

/// One line of samples: `name{labels} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

/// A metric family: `# HELP`, `# TYPE`, its samples, and the `_created`
/// samples that `prometheus_client` writes as a separate gauge family.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The name in the HELP and TYPE lines (`..._total` for a counter).
    pub name: String,
    pub help: String,
    /// `gauge`, `counter` or `histogram`.
    pub kind: &'static str,
    pub samples: Vec<Sample>,
    /// `(name, samples)` of the family's creation times, if any.
    pub created: Option<(String, Vec<Sample>)>,
}

/// The whole text body of a push.
pub fn write(families: &[Family]) -> String {
    let mut out = String::new();
    for family in families {
        header(&mut out, &family.name, &family.help, family.kind);
        for sample in &family.samples {
            sample_line(&mut out, sample);
        }
        if let Some((name, samples)) = &family.created {
            if !samples.is_empty() {
                header(&mut out, name, &family.help, "gauge");
                for sample in samples {
                    sample_line(&mut out, sample);
                }
            }
        }
    }
    out
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let help = help.replace('\\', "\\\\").replace('\n', "\\n");
    out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
}

fn sample_line(out: &mut String, sample: &Sample) {
    out.push_str(&sample.name);
    if !sample.labels.is_empty() {
        let mut by_name: Vec<&(String, String)> = sample.labels.iter().collect();
        by_name.sort_by(|a, b| a.0.cmp(&b.0));
        out.push('{');
        for (n, (name, value)) in by_name.into_iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            out.push_str(name);
            out.push_str("=\"");
            out.push_str(&escape_label_value(value));
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(&go_float(sample.value));
    out.push('\n');
}

/// Backslash, double quote and line feed are the three characters a label
/// value must escape.
pub fn escape_label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_samples_and_created() {
        let labels = vec![
            ("source".to_string(), "chaostoolkit".to_string()),
            ("a".to_string(), "x\"y\\z\nw".to_string()),
        ];
        let family = Family {
            name: "c_total".into(),
            help: "Help with \\ and\nnewline".into(),
            kind: "counter",
            samples: vec![Sample {
                name: "c_total".into(),
                labels: labels.clone(),
                value: 1.0,
            }],
            created: Some((
                "c_created".into(),
                vec![Sample {
                    name: "c_created".into(),
                    labels,
                    value: 1795336294.0643928,
                }],
            )),
        };
        assert_eq!(
            write(&[family]),
            "# HELP c_total Help with \\\\ and\\nnewline\n# TYPE c_total counter\n\
             c_total{a=\"x\\\"y\\\\z\\nw\",source=\"chaostoolkit\"} 1.0\n\
             # HELP c_created Help with \\\\ and\\nnewline\n# TYPE c_created gauge\n\
             c_created{a=\"x\\\"y\\\\z\\nw\",source=\"chaostoolkit\"} 1.7953362940643928e+09\n"
        );
    }

    #[test]
    fn empty_created_writes_no_header() {
        let family = Family {
            name: "g".into(),
            help: "h".into(),
            kind: "gauge",
            samples: vec![],
            created: Some(("g_created".into(), vec![])),
        };
        assert_eq!(write(&[family]), "# HELP g h\n# TYPE g gauge\n");
    }
}
