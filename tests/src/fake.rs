//! A small HTTP server for faults a real server cannot produce on demand
//! (silence, stalls, garbage, huge or truncated bodies) and for synthetic
//! scrape targets. It records every request it receives.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the server does with one request.
pub enum Reply {
    /// Send these bytes (a whole HTTP response) and close.
    Bytes(Vec<u8>),
    /// Send these bytes, then keep the connection open without a word.
    BytesThenStall(Vec<u8>),
    /// Never answer; keep the connection open.
    Silence,
    /// A 200 with a chunked body: `chunk` written `count` times, streamed
    /// (never held in memory whole), then closed.
    Chunked { chunk: Vec<u8>, count: usize },
}

/// A request as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub target: String,
    pub headers: String,
    pub body: Vec<u8>,
}

type Handler = dyn Fn(&Received) -> Reply + Send + Sync;

pub struct FakeServer {
    pub port: u16,
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl FakeServer {
    pub fn start(handler: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> FakeServer {
        FakeServer::start_on(0, handler)
    }

    /// On a given port (0: any), e.g. one a client was refused on before.
    pub fn start_on(
        port: u16,
        handler: impl Fn(&Received) -> Reply + Send + Sync + 'static,
    ) -> FakeServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("bound").port();
        listener.set_nonblocking(true).expect("nonblocking accept");
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let (received, connections, stop) =
                (received.clone(), connections.clone(), stop.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            connections.fetch_add(1, Ordering::SeqCst);
                            let (handler, received, stop) =
                                (handler.clone(), received.clone(), stop.clone());
                            thread::spawn(move || serve(stream, &*handler, &received, &stop));
                        }
                        Err(_) => thread::sleep(Duration::from_millis(5)),
                    }
                }
            });
        }
        FakeServer {
            port,
            url: format!("http://127.0.0.1:{port}"),
            received,
            connections,
            stop,
        }
    }

    /// Answers every request with `status`, `content_type` and `body`.
    pub fn answering(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> FakeServer {
        let response = response(status, content_type, &body.into());
        FakeServer::start(move |_| Reply::Bytes(response.clone()))
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("not poisoned").clone()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// A whole HTTP/1.1 response with a correct Content-Length.
pub fn response(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn serve(
    mut stream: TcpStream,
    handler: &Handler,
    received: &Mutex<Vec<Received>>,
    stop: &AtomicBool,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    received.lock().expect("not poisoned").push(request.clone());
    let hold = |stream: &TcpStream| {
        // Keep the connection open until the test ends.
        while !stop.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(20));
        }
        let _ = stream.shutdown(std::net::Shutdown::Both);
    };
    match handler(&request) {
        Reply::Bytes(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
        }
        Reply::BytesThenStall(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
            hold(&stream);
        }
        Reply::Silence => hold(&stream),
        Reply::Chunked { chunk, count } => {
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            let size = format!("{:x}\r\n", chunk.len());
            let _ = stream.write_all(head);
            for _ in 0..count {
                let written = stream
                    .write_all(size.as_bytes())
                    .and_then(|()| stream.write_all(&chunk))
                    .and_then(|()| stream.write_all(b"\r\n"));
                if written.is_err() {
                    return; // the client stopped reading, as it should
                }
            }
            let _ = stream.write_all(b"0\r\n\r\n");
        }
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut raw = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&chunk[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_string();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while raw.len() < head_end + length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&chunk[..n]);
    }
    let mut first = head.lines().next()?.split_whitespace();
    Some(Received {
        method: first.next()?.to_string(),
        target: first.next()?.to_string(),
        headers: head.clone(),
        body: raw[head_end..].to_vec(),
    })
}
