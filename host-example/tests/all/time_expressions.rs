//! Time expressions read as upstream reads them: a corpus of several hundred
//! expressions through dateparser 1.5 (as the Python extension calls it, in
//! `target/chaostoolkit-venv`, at a fixed now) and through our
//! `parse_time_expr` at the same now; every difference fails the test unless
//! docs/time-expressions.md lists the input among the deliberate differences. And one
//! expression end to end, through the component to a server.

use std::io::Write as _;
use std::process::{Command, Stdio};

use chaosprometheus_host::rules::time_expr::parse_time_expr;
use chaosprometheus_host::{CallError, InstantQuery};
use harness::fake::FakeServer;
use serde_json::{json, Value};

/// A Sunday in mid-month, and a Saturday on the last day of January just
/// before midnight (with milliseconds).
const NOWS: [&str; 2] = ["2026-11-22T08:30:00Z", "2026-01-31T23:50:15.250Z"];

/// dateparser as `chaosprometheus.probes` calls it, with `RELATIVE_BASE` the
/// fixed now, in UTC: reads `{"nows": [...], "inputs": [...]}`, prints for
/// each now the list of instants (microseconds since the epoch) or null.
const DATEPARSER: &str = r#"
import datetime, json, sys
import dateparser
request = json.load(sys.stdin)
epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
out = []
for now in request["nows"]:
    base = datetime.datetime.fromisoformat(now.replace("Z", "+00:00"))
    row = []
    for text in request["inputs"]:
        try:
            parsed = dateparser.parse(text, settings={"RETURN_AS_TIMEZONE_AWARE": True, "RELATIVE_BASE": base})
        except Exception:
            parsed = None
        row.append(None if parsed is None else (parsed - epoch) // datetime.timedelta(microseconds=1))
    out.append(row)
print(json.dumps(out))
"#;

fn corpus() -> Vec<String> {
    let mut inputs: Vec<String> = Vec::new();
    let mut add = |s: String| {
        if !inputs.contains(&s) {
            inputs.push(s);
        }
    };
    let units = [
        "s",
        "sec",
        "secs",
        "second",
        "seconds",
        "m",
        "min",
        "mins",
        "minute",
        "minutes",
        "h",
        "hr",
        "hrs",
        "hour",
        "hours",
        "d",
        "day",
        "days",
        "w",
        "wk",
        "wks",
        "week",
        "weeks",
        "mo",
        "mos",
        "mon",
        "month",
        "months",
        "y",
        "yr",
        "yrs",
        "year",
        "years",
        "fortnight",
        "fortnights",
        "decade",
        "decades",
        "century",
        "centuries",
    ];
    for unit in units {
        for form in [
            "5 {u} ago",
            "5{u} ago",
            "in 5 {u}",
            "5 {u} from now",
            "5 {u}",
            "-5{u}",
            "+5{u}",
            "5 {u} later",
            "5 {u} before",
            "last {u}",
            "next {u}",
            "this {u}",
        ] {
            add(form.replace("{u}", unit));
        }
    }
    for amount in [
        "0",
        "1",
        "1.5",
        "1,5",
        "2.25",
        "a",
        "an",
        "one",
        "two",
        "twelve",
        "thirteen",
        "twenty",
        "twenty five",
        "twenty-five",
        "99999999999",
        "1e3",
        "007",
    ] {
        for unit in [
            "hour", "hours", "days", "months", "years", "minutes", "weeks",
        ] {
            add(format!("{amount} {unit} ago"));
        }
        add(format!("in {amount} days"));
    }
    for compound in [
        "1 hour and 30 minutes ago",
        "2 days, 3 hours ago",
        "1 year 2 months ago",
        "2 months and 3 days ago",
        "in 1 day and 2 hours",
        "1h30m ago",
        "1h 30m ago",
        "1 day 2 hours 3 minutes 4 seconds ago",
        "5 minutes 10 seconds",
        "5 minutes 3 minutes ago",
        "in 5 minutes ago",
        "-5 minutes ago",
        "in -5 minutes",
        "- 5m",
        "1 week and a day ago",
        "an hour and a half ago",
        "half an hour ago",
        "a few minutes ago",
        "less than a minute ago",
        "1 month 31 days ago",
        "1.5 decades ago",
        "3 weeks time",
        "in 3 weeks time",
        "the 1st of last month",
        "5 minutes ago 10",
        "1 day ago at 10:00:00.5",
        "in 1 day at 9pm",
        "5 hours ago utc",
        "5 hours ago EST",
    ] {
        add(compound.to_string());
    }
    let days = [
        "now",
        "today",
        "yesterday",
        "tomorrow",
        "the day before yesterday",
        "day after tomorrow",
        "tonight",
        "this morning",
        "this afternoon",
        "last night",
    ];
    let times = [
        "",
        " at 10am",
        " 14:00",
        " at 10:30 pm",
        " noon",
        " at midnight",
        " 9:15:30",
        " at 10h",
        " morning",
        " 10 EST",
    ];
    for day in days {
        for time in times {
            add(format!("{day}{time}"));
        }
    }
    let weekdays = [
        "monday",
        "mon",
        "tuesday",
        "tue",
        "tues",
        "wednesday",
        "wed",
        "thursday",
        "thu",
        "friday",
        "fri",
        "saturday",
        "sat",
        "sunday",
        "sun",
        "mo",
        "th",
    ];
    for weekday in weekdays {
        for modifier in ["", "last ", "next ", "this "] {
            add(format!("{modifier}{weekday}"));
        }
        add(format!("{weekday} 10am"));
        add(format!("last {weekday} at 14:00"));
    }
    for month in [
        "january", "jan", "feb", "march", "mar", "may", "june", "sept", "sep", "nov", "december",
    ] {
        for form in [
            "{m}",
            "{m} 3",
            "3 {m}",
            "{m} 3 2025",
            "3 {m} 2025",
            "{m} 3, 2025",
            "{m} 2025",
            "{m} 3rd",
            "3rd of {m}",
            "{m} 31",
            "{m} 29",
            "{m} 3 10:00",
            "{m} 3, 2025 10:00 am",
            "2025 {m} 3",
        ] {
            add(form.replace("{m}", month));
        }
    }
    for absolute in [
        "2026-11-22T08:30:00Z",
        "2026-11-22T08:30:00+02:00",
        "2026-11-22T08:30:00.123456Z",
        "2026-11-22T08:30:00.123456789Z",
        "2026-11-22 08:30:00",
        "2026-11-22 08:30",
        "2026-11-22 10:00:00 -05:00",
        "2026-11-22 10:00 UTC",
        "2026-11-22",
        "2026-11",
        "2026",
        "22/11/2026",
        "11/22/2026",
        "05/06/2026",
        "13/13/2026",
        "11/22/26",
        "22-11-2026",
        "11-22-2026",
        "2026/11/22",
        "22.11.2026",
        "11/2026",
        "2026-02-30",
        "2026-13-01",
        "2026-11-22T25:00:00Z",
        "Nov 22 2026 10:00",
        "Nov 22, 2026 10:00 AM",
        "22 Nov 2026",
        "Sun, 22 Nov 2026 08:30:00 +0000",
        "Sun, 22 Nov 2026 08:30:00 GMT",
        "Friday 13th",
        "friday, november 20",
        "10:00 UTC",
        "10:00 +0200",
        "10:00 EST",
        "10:00 PST",
        "10:00 CET",
        "10:00 UTC+2",
        "+02:00",
        "20261122",
        "5",
        "12",
        "31",
    ] {
        add(absolute.to_string());
    }
    for clock in [
        "10:30",
        "10am",
        "10 am",
        "10 a.m.",
        "10:30pm",
        "10:30:15",
        "10:30:15.250",
        "12am",
        "12pm",
        "12:30 am",
        "0:00",
        "00:00",
        "23:59",
        "24:00",
        "10:61",
        "13pm",
        "0am",
        "14:00 pm",
        "10:00:00 pm",
        "14:00:00 pm",
        "10.30",
        "noon",
        "midnight",
        "10h30",
    ] {
        add(clock.to_string());
    }
    for epoch in [
        "1795336200",
        "1795336200.5",
        "1795336200123",
        "1795336200123456",
        "179533620",
        "17953362000",
        "-1795336200",
        "0000000000",
        "1795336200 ",
    ] {
        add(epoch.to_string());
    }
    for garbage in [
        "2 mns ago",
        "right now",
        "",
        "   ",
        "ago",
        "in",
        "-",
        "-m",
        "minutes ago",
        "5 ago",
        "5 bananas ago",
        "banana",
        "last 5 minutes",
        "a while ago",
        "next day",
        "last hour",
        "now now",
        "now!",
        "NaN s ago",
        "inf hours ago",
        "5..5 min ago",
        "--5m",
        "\u{1F680}",
        "\"; DROP",
        "3 weeks ago monday",
        "since yesterday",
        "10 o'clock",
        "yesterday tomorrow",
        "monday tuesday",
        "march april",
        "5 minutes ago ago",
        "ago 5 minutes",
    ] {
        add(garbage.to_string());
    }
    inputs
}

/// The inputs docs/time-expressions.md lists as deliberate differences: every backticked
/// text in its list under "Where we differ from dateparser on purpose".
fn documented_differences() -> Vec<String> {
    let readme =
        std::fs::read_to_string(harness::workspace_root().join("docs/time-expressions.md"))
            .expect("docs/time-expressions.md is readable");
    let start = readme
        .find("Where we differ from dateparser on purpose")
        .expect("docs/time-expressions.md has the list of deliberate differences");
    let section = &readme[start..];
    let end = section.find("\n\n").unwrap_or(section.len());
    section[..end]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

fn run_dateparser(inputs: &[String]) -> Vec<Vec<Option<i64>>> {
    let python = harness::chaostoolkit_venv().join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup.sh to install the Python Chaos Toolkit (with dateparser) to compare against",
        python.display()
    );
    let mut child = Command::new(&python)
        .arg("-c")
        .arg(DATEPARSER)
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    let request = json!({"nows": NOWS, "inputs": inputs});
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(request.to_string().as_bytes())
        .expect("python reads the corpus");
    let output = child.wait_with_output().expect("python finishes");
    assert!(
        output.status.success(),
        "dateparser failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: Vec<Vec<Value>> = serde_json::from_slice(&output.stdout).expect("JSON from python");
    rows.into_iter()
        .map(|row| row.into_iter().map(|v| v.as_i64()).collect())
        .collect()
}

#[test]
fn every_expression_reads_as_dateparser_reads_it_unless_documented() {
    let inputs = corpus();
    assert!(inputs.len() >= 500, "corpus of {}", inputs.len());
    let upstream = run_dateparser(&inputs);
    let documented = documented_differences();
    let mut differences = Vec::new();
    let mut differing_inputs = Vec::new();
    for (now_text, row) in NOWS.iter().zip(&upstream) {
        let now = parse_time_expr(now_text, Default::default()).expect("a fixed now");
        for (input, theirs) in inputs.iter().zip(row) {
            let ours = parse_time_expr(input, now).ok();
            let ours_ms = ours.map(|at| at.as_microsecond().div_euclid(1000));
            let theirs_ms = theirs.map(|us| us.div_euclid(1000));
            if ours_ms != theirs_ms {
                if !differing_inputs.contains(input) {
                    differing_inputs.push(input.clone());
                }
                if !documented.contains(input) {
                    let theirs = theirs
                        .and_then(|us| parse_time_expr(&(us / 1_000_000).to_string(), now).ok())
                        .map_or("None".to_string(), |at| {
                            format!("{at} (+{}us)", theirs.unwrap_or(0).rem_euclid(1_000_000))
                        });
                    let ours = ours.map_or("failed to parse".to_string(), |at| at.to_string());
                    differences.push(format!(
                        "{input:?} at {now_text}: dateparser {theirs}, ours {ours}"
                    ));
                }
            }
        }
    }
    let stale: Vec<&String> = documented
        .iter()
        .filter(|d| !differing_inputs.contains(d))
        .collect();
    assert!(
        differences.is_empty() && stale.is_empty(),
        "{} of {} expressions differ from dateparser:\n{}\nlisted in docs/time-expressions.md but no longer different: {stale:?}",
        differences.len(),
        inputs.len(),
        differences.join("\n")
    );
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn yesterday_at_ten() -> String {
    let today = (harness::unix_now() as i64).div_euclid(86_400);
    let (y, m, d) = civil_from_days(today - 1);
    format!("{y:04}-{m:02}-{d:02}T10%3A00%3A00.000Z")
}

#[tokio::test]
async fn a_day_word_with_a_time_reaches_prometheus_as_that_instant() {
    let server = FakeServer::answering(
        200,
        "application/json",
        r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
    );
    let host = harness::host(&[&server.url]);
    let before = yesterday_at_ten();
    let query = InstantQuery {
        query: "up".into(),
        when: Some("yesterday at 10am".into()),
        timeout: None,
    };
    let answer: Result<_, CallError> = host.query(&harness::endpoint(&server.url), &query).await;
    answer.expect("the query succeeds");
    let after = yesterday_at_ten();
    let target = &server.received()[0].target;
    assert!(
        target.contains(&format!("time={before}")) || target.contains(&format!("time={after}")),
        "{target}"
    );
}
