//! What a failed probe tells the person who runs it: which probe, the
//! resolved query, the window, the series that broke it, and a link to that
//! query over that window in the Prometheus UI (or Grafana's Explore when
//! `grafana_url` is configured). One copy, for `chaosprom run`'s output and
//! journal and the Python package's log.
//!
//! A judgement's report (`verdict`, `explain`) says itself which series
//! failed; for any other probe the series of its answer are listed with
//! their values, as the tolerance cannot say which one it refused.

use jiff::Timestamp;
use serde_json::{json, Map, Value};

use crate::rules::judge::selector;
use crate::rules::probes;
use crate::rules::time_expr::parse_time_expr;

/// The most series an explanation lists; it says how many more there are.
pub const MOST_SERIES: usize = 10;

/// Where the links of an explanation go, from the configuration:
/// `prometheus_base_url`, `grafana_url` and `grafana_datasource` (the
/// Prometheus data source's uid in Grafana; Grafana's default without it).
#[derive(Debug, Clone, Default)]
pub struct LinkTarget {
    pub prometheus_url: Option<String>,
    pub grafana_url: Option<String>,
    pub grafana_datasource: Option<String>,
}

impl LinkTarget {
    /// Reads the three keys of an experiment's configuration (strings;
    /// anything else is left out).
    pub fn from_configuration(configuration: &Map<String, Value>) -> LinkTarget {
        let text = |key: &str| {
            configuration
                .get(key)
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
                .map(|text| text.trim_end_matches('/').to_string())
        };
        LinkTarget {
            prometheus_url: text("prometheus_base_url"),
            grafana_url: text("grafana_url"),
            grafana_datasource: text("grafana_datasource"),
        }
    }
}

/// The window a probe judged, resolved to instants.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    Range { start: Timestamp, end: Timestamp },
    Instant(Timestamp),
}

/// The facts of one failed probe.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub probe: String,
    /// The judgement's sentence, when the probe is a judgement.
    pub explain: Option<String>,
    pub query: Option<String>,
    pub span: Option<Span>,
    /// A baseline window judged against, shown in the link with the window.
    pub baseline: Option<Span>,
    /// `series = what it was`, the failing ones first, at most
    /// [`MOST_SERIES`].
    pub series: Vec<String>,
    /// Series past [`MOST_SERIES`].
    pub more_series: usize,
    pub link: Option<String>,
}

/// Explains probe `name` (`func` of `chaosprometheus.probes`, called with
/// `arguments` after substitution, at `ran_at`) that gave `output`.
pub fn explain(
    name: &str,
    func: &str,
    arguments: &Map<String, Value>,
    output: &Value,
    ran_at: Timestamp,
    links: &LinkTarget,
) -> Explanation {
    let mut explanation = if output.get("judgement").is_some() {
        of_judgement(output)
    } else {
        of_answer(func, arguments, output, ran_at)
    };
    explanation.probe = name.to_string();
    explanation.link = explanation.query.as_deref().and_then(|query| {
        let span = explanation.span.as_ref()?;
        let whole = match (&explanation.baseline, span) {
            (Some(Span::Range { start, .. }), Span::Range { end, .. }) => Span::Range {
                start: *start,
                end: *end,
            },
            _ => span.clone(),
        };
        link(links, query, &whole)
    });
    explanation
}

/// [`explain`] for judgement `func` that has just answered `report`, when
/// its verdict is not `pass` (None when it is): what the Python package
/// logs.
pub fn explain_judgement(
    func: &str,
    arguments: &Map<String, Value>,
    report: &Value,
    links: &LinkTarget,
) -> Option<Explanation> {
    judgement_failed(report)
        .then(|| explain(func, func, arguments, report, Timestamp::now(), links))
}

/// [`explain`] for a journal's probe entry whose tolerance was not met
/// (`tolerance_met` false, as Chaos Toolkit's journal has it), when the
/// probe is one of ours that ran and is not a judgement (a judgement that
/// did not pass explains itself when it answers): what the Python
/// package's controls log after the steady-state hypothesis.
pub fn explain_unmet_tolerance(entry: &Value, links: &LinkTarget) -> Option<Explanation> {
    if entry.get("tolerance_met") != Some(&Value::Bool(false)) || entry["status"] != "succeeded" {
        return None;
    }
    let output = &entry["output"];
    let provider = &entry["activity"]["provider"];
    if provider["module"] != crate::PROBES_MODULE || output.get("judgement").is_some() {
        return None;
    }
    let ran_at = timestamp(entry.get("start"))
        .or_else(|| {
            // Chaos Toolkit's naive UTC times (`2026-12-07T10:00:00.123456`).
            let text = entry["start"].as_str()?;
            format!("{text}Z").parse().ok()
        })
        .unwrap_or_else(Timestamp::now);
    let empty = Map::new();
    Some(explain(
        entry["activity"]["name"].as_str().unwrap_or_default(),
        provider["func"].as_str().unwrap_or_default(),
        provider["arguments"].as_object().unwrap_or(&empty),
        output,
        ran_at,
        links,
    ))
}

/// True when a probe's output is a judgement that did not pass: it is
/// explained even without a tolerance.
pub fn judgement_failed(output: &Value) -> bool {
    output.get("judgement").is_some() && output.get("verdict").is_some_and(|v| v != "pass")
}

impl Explanation {
    /// The lines a person reads, indented under the probe's line.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(explain) = &self.explain {
            lines.push(format!("why:    {explain}"));
        }
        if let Some(query) = &self.query {
            lines.push(format!("query:  {query}"));
        }
        if let Some(baseline) = &self.baseline {
            lines.push(format!("baseline: {}", span_text(baseline)));
        }
        if let Some(span) = &self.span {
            lines.push(format!("window: {}", span_text(span)));
        }
        for series in &self.series {
            lines.push(format!("series: {series}"));
        }
        if self.more_series > 0 {
            lines.push(format!("        and {} more series", self.more_series));
        }
        if let Some(link) = &self.link {
            lines.push(format!("see:    {link}"));
        }
        lines
    }

    /// The same facts for a journal.
    pub fn to_json(&self) -> Value {
        let span = |span: &Span| match span {
            Span::Range { start, end } => {
                json!({"start": start.to_string(), "end": end.to_string()})
            }
            Span::Instant(at) => json!({"at": at.to_string()}),
        };
        let mut facts = Map::new();
        facts.insert("probe".into(), json!(self.probe));
        if let Some(explain) = &self.explain {
            facts.insert("explain".into(), json!(explain));
        }
        if let Some(query) = &self.query {
            facts.insert("query".into(), json!(query));
        }
        if let Some(baseline) = &self.baseline {
            facts.insert("baseline".into(), span(baseline));
        }
        if let Some(window) = &self.span {
            facts.insert("window".into(), span(window));
        }
        facts.insert("series".into(), json!(self.series));
        if self.more_series > 0 {
            facts.insert("more_series".into(), json!(self.more_series));
        }
        if let Some(link) = &self.link {
            facts.insert("link".into(), json!(link));
        }
        Value::Object(facts)
    }
}

fn span_text(span: &Span) -> String {
    match span {
        Span::Range { start, end } => {
            let seconds = end.duration_since(*start).as_secs_f64();
            format!("{start} to {end} ({})", duration_text(seconds))
        }
        Span::Instant(at) => format!("at {at}"),
    }
}

/// Whole seconds as Prometheus writes a duration: `1h30m`, `45s`.
fn duration_text(seconds: f64) -> String {
    let mut left = seconds.round().max(1.0) as u64;
    let mut text = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if left >= size {
            text.push_str(&format!("{}{unit}", left / size));
            left %= size;
        }
    }
    text
}

fn timestamp(value: Option<&Value>) -> Option<Timestamp> {
    value?.as_str()?.parse().ok()
}

fn window_of(value: &Value) -> Option<Span> {
    Some(Span::Range {
        start: timestamp(value.get("start"))?,
        end: timestamp(value.get("end"))?,
    })
}

fn labels_of(series: &Value) -> std::collections::BTreeMap<String, String> {
    series
        .get("labels")
        .or_else(|| series.get("metric"))
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn figure(value: &Value) -> String {
    match value {
        Value::Null => "none".into(),
        Value::Number(n) => n.to_string(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A judgement's report: its own sentence, query, windows and the series
/// whose verdict is not `pass` (for a burn rate, those of the firing pairs).
fn of_judgement(report: &Value) -> Explanation {
    let kind = report["judgement"].as_str().unwrap_or_default();
    let mut explanation = Explanation {
        probe: String::new(),
        explain: report["explain"].as_str().map(str::to_string),
        query: report["query"].as_str().map(str::to_string),
        span: window_of(&report["window"])
            .or_else(|| timestamp(report.get("at")).map(Span::Instant)),
        baseline: window_of(&report["baseline"]),
        series: Vec::new(),
        more_series: 0,
        link: None,
    };
    let mut lines = Vec::new();
    if kind == "slo_burn_rate" {
        let pairs = report["windows"].as_array().cloned().unwrap_or_default();
        let failing = pairs.iter().find(|pair| pair["verdict"] != "pass");
        if let Some(pair) = failing {
            let long = pair["long"].as_str().unwrap_or_default();
            explanation.query = report["queries"][long][0].as_str().map(str::to_string);
            for series in pair["series"].as_array().into_iter().flatten() {
                lines.push(format!(
                    "{} burns {}x over {long}, {}x over {} (factor {})",
                    selector(&labels_of(series)),
                    figure(&series["long"]["burn_rate"]),
                    figure(&series["short"]["burn_rate"]),
                    pair["short"].as_str().unwrap_or_default(),
                    figure(&pair["factor"]),
                ));
            }
        }
    } else {
        for series in report["series"].as_array().into_iter().flatten() {
            let verdict = series.get("verdict").and_then(Value::as_str);
            let failed = match verdict {
                Some(verdict) => verdict != "pass",
                None => series.get("holds").is_some_and(|holds| holds != true),
            };
            if failed {
                lines.push(format!(
                    "{} {}",
                    selector(&labels_of(series)),
                    series_facts(kind, series)
                ));
            }
        }
    }
    explanation.more_series = lines.len().saturating_sub(MOST_SERIES);
    lines.truncate(MOST_SERIES);
    explanation.series = lines;
    explanation
}

fn series_facts(kind: &str, series: &Value) -> String {
    match kind {
        "compare_to_baseline" => format!(
            "{}: {} in the baseline, {} in the window (change {}, p = {})",
            series["reason"].as_str().unwrap_or_default(),
            figure(&series["baseline"]["statistic"]),
            figure(&series["window"]["statistic"]),
            figure(&series["change"]),
            figure(&series["p_value"]),
        ),
        "threshold_over_window" => {
            let miss = &series["first_miss"];
            let mut text = format!(
                "met it in {} of {} samples",
                figure(&series["meeting"]),
                figure(&series["samples"])
            );
            if miss.is_object() {
                text.push_str(&format!(
                    ", first missed at {} with {}",
                    figure(&miss["at"]),
                    figure(&miss["value"])
                ));
            }
            text
        }
        _ => format!("= {}", figure(&series["value"])),
    }
}

/// Any other probe: the query its arguments name, the window they resolve
/// to at `ran_at`, and the series of Prometheus's answer with their values.
fn of_answer(
    func: &str,
    arguments: &Map<String, Value>,
    output: &Value,
    ran_at: Timestamp,
) -> Explanation {
    let text = |key: &str| arguments.get(key).and_then(Value::as_str);
    // The probes' own rules for their windows, read at the time they ran.
    let span = match func {
        "query_interval" => probes::resolve_range(
            text("start").unwrap_or_default(),
            text("end").unwrap_or_default(),
            ran_at,
        )
        .ok()
        .map(|(start, end)| Span::Range { start, end }),
        "compute_mean" | "nodes_cpu_usage_mean" => {
            probes::mean_range(text("window"), text("end"), ran_at)
                .ok()
                .map(|(start, end, _)| Span::Range { start, end })
        }
        _ => parse_time_expr(text("when").unwrap_or("now"), ran_at)
            .ok()
            .map(Span::Instant),
    };
    let query = text("query").map(str::to_string).or_else(|| {
        (func == "nodes_cpu_usage_mean").then(|| probes::NODES_CPU_USAGE_QUERY.to_string())
    });
    let mut lines: Vec<String> = match output["data"]["result"].as_array() {
        Some(result) => result
            .iter()
            .map(|series| {
                let labels = selector(&labels_of(series));
                if let Some(values) = series["values"].as_array() {
                    let last = values.last().map(|v| figure(&v[1])).unwrap_or_default();
                    format!("{labels} = {last} last, {} samples", values.len())
                } else {
                    format!("{labels} = {}", figure(&series["value"][1]))
                }
            })
            .collect(),
        None if !output.is_null() && !output.is_object() => vec![format!("= {}", figure(output))],
        None => Vec::new(),
    };
    if lines.is_empty() && output["data"]["result"].is_array() {
        lines.push("no series: the query matched nothing".into());
    }
    let more_series = lines.len().saturating_sub(MOST_SERIES);
    lines.truncate(MOST_SERIES);
    Explanation {
        probe: String::new(),
        explain: None,
        query,
        span,
        baseline: None,
        series: lines,
        more_series,
        link: None,
    }
}

/// The query over the span in Grafana's Explore when `grafana_url` is set,
/// else in the Prometheus UI's graph page.
fn link(links: &LinkTarget, query: &str, span: &Span) -> Option<String> {
    let (start, end) = match span {
        Span::Range { start, end } => (*start, *end),
        // An instant shown with the five minutes before it.
        Span::Instant(at) => (*at - jiff::SignedDuration::from_secs(300), *at),
    };
    if let Some(grafana) = &links.grafana_url {
        let mut pane = json!({
            "queries": [{"refId": "A", "expr": query}],
            "range": {"from": start.as_millisecond().to_string(), "to": end.as_millisecond().to_string()},
        });
        if let Some(uid) = &links.grafana_datasource {
            pane["datasource"] = json!(uid);
            pane["queries"][0]["datasource"] = json!({"uid": uid});
        }
        let panes = json!({"a": pane}).to_string();
        let params: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("schemaVersion", "1")
            .append_pair("panes", &panes)
            .finish();
        return Some(format!("{grafana}/explore?{params}"));
    }
    let base = links.prometheus_url.as_ref()?;
    let seconds = end.duration_since(start).as_secs_f64();
    let end_input = end.strftime("%Y-%m-%d %H:%M:%S").to_string();
    let mut params = form_urlencoded::Serializer::new(String::new());
    params
        .append_pair("g0.expr", query)
        .append_pair("g0.tab", "0")
        .append_pair("g0.range_input", &duration_text(seconds))
        .append_pair("g0.end_input", &end_input);
    Some(format!("{base}/graph?{}", params.finish()))
}

#[cfg(test)]
mod tests;
