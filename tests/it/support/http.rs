//! A tiny HTTP server on 127.0.0.1 for the script tests: every request's target is recorded,
//! and the answer is a fixed status, a hang, or whatever a function of the path returns.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// The status and JSON body to answer for a request's path.
pub(crate) type Answer = Arc<dyn Fn(&str) -> (u16, String) + Send + Sync>;

/// What the server answers.
#[derive(Clone)]
pub(crate) enum Reply {
    /// Answer every request with this status.
    Status(u16),
    /// Read the request, then never answer (the connection stays open).
    Hang,
    /// Answer with the status and JSON body this function gives for the request's path.
    Routes(Answer),
}

pub(crate) struct Server {
    pub port: u16,
    /// Request targets (`/path?query`) in arrival order.
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub(crate) fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// A port nothing listens on (bound, then released).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn serve(reply: Reply) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&requests);
    thread::spawn(move || accept_loop(listener, reply, log));
    Server { port, requests }
}

/// Starts serving on `port` only after `delay` (the port refuses connections until then).
pub(crate) fn serve_later(port: u16, delay: Duration, reply: Reply) -> Server {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&requests);
    thread::spawn(move || {
        thread::sleep(delay);
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("re-bind the reserved port");
        accept_loop(listener, reply, log);
    });
    Server { port, requests }
}

fn accept_loop(listener: TcpListener, reply: Reply, log: Arc<Mutex<Vec<String>>>) {
    for stream in listener.incoming().flatten() {
        let log = Arc::clone(&log);
        let reply = reply.clone();
        thread::spawn(move || handle(stream, &reply, &log));
    }
}

fn handle(stream: TcpStream, reply: &Reply, log: &Mutex<Vec<String>>) {
    let mut head = BufReader::new(&stream);
    let mut request_line = String::new();
    if head.read_line(&mut request_line).unwrap_or(0) == 0 {
        return; // a bare TCP probe: connect, then close
    }
    loop {
        let mut line = String::new();
        if head.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let target = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_string();
    log.lock().unwrap().push(target.clone());
    let (code, body, kind) = match reply {
        Reply::Hang => {
            thread::sleep(Duration::from_mins(1));
            return;
        }
        Reply::Status(code) => (*code, "ok".to_string(), "text/plain"),
        Reply::Routes(answer) => {
            let (code, body) = answer(&target);
            (code, body, "application/json")
        }
    };
    let response = format!(
        "HTTP/1.1 {code} Test\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    (&stream).write_all(response.as_bytes()).ok();
}
