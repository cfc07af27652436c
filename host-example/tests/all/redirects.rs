//! The shared table of redirects (`tests/fixtures/redirects.json`, which the
//! guest's unit test also follows) through a real server: each `Location`
//! leads where RFC 3986 §5 says, and a hop to another authority is refused.

use chaosprometheus_host::{CallError, InstantQuery, ProbeError, TransportFailure};
use harness::fake::{response, FakeServer, Reply};
use serde_json::Value;

const ANSWER: &str = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#;

fn redirect(location: &str) -> Reply {
    Reply::Bytes(
        format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .into_bytes(),
    )
}

/// `scheme://authority` and the path with its query.
fn split(url: &str) -> (String, String) {
    let url = url::Url::parse(url).unwrap();
    (
        url[..url::Position::BeforePath].to_string(),
        url[url::Position::BeforePath..url::Position::AfterQuery].to_string(),
    )
}

#[tokio::test]
async fn each_location_of_the_shared_table_leads_where_rfc_3986_says() {
    let table: Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/redirects.json")).unwrap();
    let query = InstantQuery {
        query: "1+1".into(),
        when: None,
        timeout: None,
    };
    let mut followed = 0;
    for case in table["resolved"].as_array().unwrap() {
        let location = case["location"].as_str().unwrap().to_string();
        let (origin, base_path) = split(case["base"].as_str().unwrap());
        let (target_origin, target_path) = split(case["url"].as_str().unwrap());
        if target_path == base_path && target_origin == origin {
            continue; // leads back to itself: nothing to follow
        }
        // The probe's request is sent on to the case's base path, which
        // answers with the case's Location.
        let (from, to) = (base_path.clone(), location.clone());
        let server = FakeServer::start(move |request| {
            if request.target == from {
                redirect(&to)
            } else if request.target.starts_with("/api/v1/query?query=1%2B1") {
                redirect(&from)
            } else {
                Reply::Bytes(response(200, "application/json", ANSWER.as_bytes()))
            }
        });
        let host = harness::host(&[&server.url]);
        let result = host.query(&harness::endpoint(&server.url), &query).await;
        if target_origin == origin {
            assert_eq!(result.unwrap(), ANSWER, "{location} from {base_path}");
            let targets: Vec<String> = server.received().iter().map(|r| r.target.clone()).collect();
            assert_eq!(targets[1..], [base_path.clone(), target_path], "{location}");
            followed += 1;
        } else {
            assert!(
                matches!(&result, Err(CallError::Probe(ProbeError::Transport(t))) if t.kind == TransportFailure::Denied),
                "{location} from {base_path}: {result:?}"
            );
            assert_eq!(server.received().len(), 2, "{location}");
        }
    }
    assert!(followed >= 10, "{followed} cases followed");
}
