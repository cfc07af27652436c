//! Judgements: probes that judge the samples of a window and say why
//! (WIT `judgements`). Each returns a JSON report whose `verdict` is
//! `pass`, `fail` or `inconclusive` and whose `explain` is one sentence; the
//! figures judged are in it too, per series.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::response::format_sample;

mod baseline;
mod burn;
mod condition;
pub mod stats;
mod threshold;

pub use baseline::{compare_to_baseline, BaselineComparison, Direction, Statistic};
pub use burn::{slo_burn_rate, BurnRate, BurnWindow, Sli, WINDOW_PLACEHOLDER, WORKBOOK_WINDOWS};
pub use condition::{check_condition, Condition};
pub use threshold::{threshold_over_window, ThresholdWindow, WindowMode};

/// A judgement's conclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    // Ordered from best to worst, so the worst of several is their max.
    Pass,
    Inconclusive,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Fail => "fail",
        }
    }
}

/// WIT `no-data`: what a judgement concludes without data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoData {
    #[default]
    Fail,
    Pass,
    Inconclusive,
}

impl NoData {
    pub fn verdict(self) -> Verdict {
        match self {
            NoData::Fail => Verdict::Fail,
            NoData::Pass => Verdict::Pass,
            NoData::Inconclusive => Verdict::Inconclusive,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.verdict().as_str()
    }

    /// `fail`, `pass` or `inconclusive`.
    pub fn from_name(name: &str) -> Option<NoData> {
        Some(match name {
            "fail" => NoData::Fail,
            "pass" => NoData::Pass,
            "inconclusive" => NoData::Inconclusive,
            _ => return None,
        })
    }
}

/// WIT `comparator`. NaN meets no comparison, as in PromQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Comparator {
    /// Every comparator with the names it is read from.
    pub const NAMES: [(Comparator, &'static str, &'static str); 6] = [
        (Comparator::Lt, "lt", "<"),
        (Comparator::Le, "le", "<="),
        (Comparator::Gt, "gt", ">"),
        (Comparator::Ge, "ge", ">="),
        (Comparator::Eq, "eq", "=="),
        (Comparator::Ne, "ne", "!="),
    ];

    /// `lt` or `<`, `le` or `<=`, and so on.
    pub fn from_name(name: &str) -> Option<Comparator> {
        let name = name.trim();
        Self::NAMES
            .iter()
            .find(|(_, word, symbol)| *word == name || *symbol == name)
            .map(|(comparator, _, _)| *comparator)
    }

    pub fn symbol(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(c, _, _)| *c == self)
            .map(|(_, _, symbol)| *symbol)
            .unwrap_or("?")
    }

    /// Whether `sample` meets the comparison with `value`.
    pub fn holds(self, sample: f64, value: f64) -> bool {
        if sample.is_nan() {
            return false;
        }
        match self {
            Comparator::Lt => sample < value,
            Comparator::Le => sample <= value,
            Comparator::Gt => sample > value,
            Comparator::Ge => sample >= value,
            Comparator::Eq => sample == value,
            Comparator::Ne => sample != value,
        }
    }
}

impl Serialize for Comparator {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.symbol())
    }
}

/// The worst of several verdicts; `None` when there are none.
pub(crate) fn worst(verdicts: impl IntoIterator<Item = Verdict>) -> Option<Verdict> {
    verdicts.into_iter().max()
}

/// A series as PromQL writes it: `up{instance="a", job="b"}`, or
/// `{instance="a"}` without a name, `{}` without labels.
pub fn selector(labels: &BTreeMap<String, String>) -> String {
    let name = labels
        .get("__name__")
        .map(String::as_str)
        .unwrap_or_default();
    let inner: Vec<String> = labels
        .iter()
        .filter(|(label, _)| *label != "__name__")
        .map(|(label, value)| {
            // By hand, not `{:?}`: Debug's escaping would bring Unicode
            // tables into the component for no gain here.
            let value = value
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{label}=\"{value}\"")
        })
        .collect();
    if !name.is_empty() && inner.is_empty() {
        return name.to_string();
    }
    format!("{name}{{{}}}", inner.join(", "))
}

/// A series of `query` for a sentence: its name and labels when it has a
/// name, else the query and its labels.
pub(crate) fn series_of(query: &str, labels: &BTreeMap<String, String>) -> String {
    if labels.contains_key("__name__") {
        selector(labels)
    } else {
        format!("{query}{}", selector(labels))
    }
}

/// A figure for a report: JSON has no NaN or infinity, so those are null.
pub(crate) fn figure(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

/// A number for a sentence: as Prometheus writes samples, rounded to six
/// significant digits.
pub(crate) fn shown(value: f64) -> String {
    if !value.is_finite() || value == 0.0 {
        return format_sample(value);
    }
    let digits = 6 - 1 - value.abs().log10().floor() as i32;
    if (0..=12).contains(&digits) {
        let scale = 10f64.powi(digits);
        format_sample((value * scale).round() / scale)
    } else if (-9..0).contains(&digits) {
        let scale = 10f64.powi(-digits);
        format_sample((value / scale).round() * scale)
    } else {
        let text = format!("{value:.5e}");
        match text.split_once('e') {
            Some((mantissa, exponent)) if mantissa.contains('.') => {
                format!(
                    "{}e{exponent}",
                    mantissa.trim_end_matches('0').trim_end_matches('.')
                )
            }
            _ => text,
        }
    }
}

/// A window judged, resolved.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Window {
    pub start: String,
    pub end: String,
}

/// The report as JSON text; serializing these types cannot fail (no map
/// with non-string keys, no non-finite float: those are `figure`s).
pub(crate) fn to_json(report: &impl Serialize) -> String {
    serde_json::to_string(report).unwrap_or_else(|e| {
        format!(r#"{{"verdict":"inconclusive","explain":"the report could not be written: {e}"}}"#)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_meets_no_comparison_and_infinities_order() {
        for (comparator, _, _) in Comparator::NAMES {
            assert!(!comparator.holds(f64::NAN, 1.0), "{comparator:?}");
        }
        assert!(Comparator::Gt.holds(f64::INFINITY, 1e308));
        assert!(Comparator::Lt.holds(f64::NEG_INFINITY, -1e308));
        assert!(Comparator::Ne.holds(2.0, 1.0));
    }

    #[test]
    fn comparators_read_words_and_symbols() {
        assert_eq!(Comparator::from_name("<="), Some(Comparator::Le));
        assert_eq!(Comparator::from_name("ge"), Some(Comparator::Ge));
        assert_eq!(Comparator::from_name("=>"), None);
    }

    #[test]
    fn the_worst_verdict_wins() {
        use Verdict::*;
        assert_eq!(worst([Pass, Inconclusive, Pass]), Some(Inconclusive));
        assert_eq!(worst([Pass, Fail, Inconclusive]), Some(Fail));
        assert_eq!(worst([]), None);
    }

    #[test]
    fn numbers_in_sentences_are_short() {
        assert_eq!(shown(0.123456789), "0.123457");
        assert_eq!(shown(1234567.0), "1234570");
        assert_eq!(shown(f64::NAN), "NaN");
        assert_eq!(shown(0.0), "0");
        assert_eq!(shown(1e-20), "1e-20");
        assert_eq!(shown(2.45641134212704e-15), "2.45641e-15");
    }

    #[test]
    fn selectors_quote_label_values() {
        let labels = BTreeMap::from([("job".to_string(), "a\"b".to_string())]);
        assert_eq!(selector(&labels), r#"{job="a\"b"}"#);
        assert_eq!(selector(&BTreeMap::new()), "{}");
        let named = BTreeMap::from([
            ("__name__".to_string(), "up".to_string()),
            ("job".to_string(), "a".to_string()),
        ]);
        assert_eq!(selector(&named), r#"up{job="a"}"#);
        assert_eq!(series_of("sum(up)", &named), r#"up{job="a"}"#);
        assert_eq!(series_of("sum(up)", &BTreeMap::new()), "sum(up){}");
    }
}
