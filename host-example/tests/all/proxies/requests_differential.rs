//! The environment's proxy for a URL, chosen by the host and by the real
//! `requests` (in the reference virtualenv `scripts/setup.sh` makes), over a
//! corpus of environments (every casing of the variables, `REQUEST_METHOD`,
//! empty values, `NO_PROXY` forms) and URLs (names, IPv4 in its short forms,
//! IPv6, ports written or not).

use serde_json::{json, Value};

use super::environment;

const NAMES: &[&str] = &[
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "Http_Proxy",
    "no_proxy",
    "NO_PROXY",
    "No_Proxy",
    "REQUEST_METHOD",
];

const PROXIES: &[&str] = &[
    "http://proxy.corp:3128",
    "proxy.corp:8080",
    "http://u:p@10.0.0.1:3128",
    "",
    "socks5://s:1080",
];

const NO_PROXY: &[&str] = &[
    "*",
    "",
    "localhost",
    "localhost,127.0.0.1",
    ".example.com",
    "example.com",
    "EXAMPLE.com",
    "10.0.0.0/8",
    "10.0.0.0/33",
    "127.0.0.0/8, db",
    "127.1",
    "db:5432",
    " a.example.com , ,b.example.com",
    "prom.example.com:9090",
    "::1",
    "[::1]",
    "*.example.com",
    "10.1.2.3",
    "sub.example.com:8080,10.0.0.0/24",
];

const URLS: &[&str] = &[
    "http://localhost:9090/api/v1/query",
    "http://127.0.0.1:9090/api/v1/query",
    "https://127.0.0.1/api/v1/query",
    "http://10.1.2.3/",
    "http://10.1.2.3:9090/",
    "https://prom.example.com/prometheus/api/v1/query",
    "https://prom.example.com:9090/",
    "http://example.com/",
    "http://EXAMPLE.COM:80/",
    "http://sub.example.com:8080/",
    "http://notexample.com/",
    "https://db:5432/",
    "https://db/",
    "http://[::1]:9090/",
    "http://127.1:9090/",
    "http://a.example.com/",
    "https://b.example.com/",
];

/// A small deterministic generator (the corpus must be the same each run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn corpus() -> Vec<(Vec<(String, String)>, String)> {
    let mut random = Lcg(23);
    let mut cases = Vec::new();
    for _ in 0..300 {
        let mut env: Vec<(String, String)> = Vec::new();
        for _ in 0..1 + random.next(5) {
            let name = NAMES[random.next(NAMES.len())];
            if env.iter().any(|(n, _)| n == name) {
                continue;
            }
            let value = if name.eq_ignore_ascii_case("no_proxy") {
                NO_PROXY[random.next(NO_PROXY.len())]
            } else if name == "REQUEST_METHOD" {
                "GET"
            } else {
                PROXIES[random.next(PROXIES.len())]
            };
            env.push((name.to_string(), value.to_string()));
        }
        for url in URLS {
            cases.push((env.clone(), url.to_string()));
        }
    }
    cases
}

fn ask_requests(cases: &Value) -> Vec<Value> {
    let answers = harness::oracle::ask(include_str!("oracle.py"), cases, None);
    answers.as_array().cloned().expect("an answer per case")
}

#[test]
fn the_environments_proxy_is_the_one_requests_picks() {
    let cases = corpus();
    let request: Value = cases
        .iter()
        .map(|(env, url)| json!({"env": env, "url": url}))
        .collect();
    let answers = ask_requests(&request);
    assert_eq!(answers.len(), cases.len());
    let mut differences = Vec::new();
    let mut proxied = 0;
    for ((env, url), answer) in cases.iter().zip(&answers) {
        let Some(theirs) = answer.get("proxy") else {
            panic!("requests raised on {env:?} {url}: {answer}");
        };
        let vars: Vec<(&str, &str)> = env.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let ours = environment(&vars).select(&url.parse().unwrap());
        proxied += usize::from(ours.is_some());
        if ours.as_deref() != theirs.as_str() {
            differences.push(format!("{env:?} {url}: ours {ours:?}, requests {theirs}"));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} cases differ:\n{}",
        differences.len(),
        cases.len(),
        differences.join("\n")
    );
    // Both outcomes are well represented.
    assert!(
        proxied > cases.len() / 10 && proxied < cases.len() * 9 / 10,
        "{proxied}"
    );
}
