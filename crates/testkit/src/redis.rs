//! The Redis the rate-limit tests share buckets through: `REDIS_URL`, or redis://127.0.0.1:6379.
//!
//! A case that needs it says so in its name (it ends in `_redis`, or lives in a test binary
//! `cargo xtask test` knows), so that the runner leaves it out, counted as skipped, where no Redis
//! answers. Run anyway, it fails: it never passes without having tested anything.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The default when `REDIS_URL` is not set: the port `.ci/run` starts Redis on.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// `REDIS_URL` (or the default), after checking that a Redis answers `PING` there; panics with
/// what to do otherwise, locally as under `CI`.
pub fn redis_url() -> String {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS_URL.into());
    if let Err(why) = ping(&url) {
        panic!(
            "this case needs Redis at {url} ({why}). Start one (`redis-server`), set REDIS_URL, or run \
             `cargo xtask test`, which leaves the Redis cases out when none answers{}",
            if super::is_ci() { "; CI must run them (see .ci/run)" } else { "" }
        );
    }
    url
}

/// Sends `PING` to the server `url` names (`redis://[user:password@]host[:port][/db]`); for
/// `rediss://` (TLS) a connection is taken as the answer.
fn ping(url: &str) -> Result<(), String> {
    let (rest, tls) = match (url.strip_prefix("redis://"), url.strip_prefix("rediss://")) {
        (Some(rest), _) => (rest, false),
        (None, Some(rest)) => (rest, true),
        (None, None) => return Err("not a redis:// URL".into()),
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let address = if host_port.rsplit_once(':').is_some_and(|(_, port)| port.parse::<u16>().is_ok()) {
        host_port.to_owned()
    } else {
        format!("{host_port}:6379")
    };
    let socket = address
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {address}: {e}"))?
        .next()
        .ok_or_else(|| format!("no address for {address}"))?;
    let mut stream =
        TcpStream::connect_timeout(&socket, Duration::from_secs(2)).map_err(|e| format!("cannot connect: {e}"))?;
    if tls {
        return Ok(());
    }
    stream.set_read_timeout(Some(Duration::from_secs(2))).map_err(|e| e.to_string())?;
    stream.write_all(b"PING\r\n").map_err(|e| format!("cannot send PING: {e}"))?;
    let mut reply = [0u8; 64];
    let n = stream.read(&mut reply).map_err(|e| format!("no answer to PING: {e}"))?;
    let reply = String::from_utf8_lossy(&reply[..n]);
    // A server that wants a password answers NOAUTH: it is there, and the URL carries the password.
    if reply.starts_with("+PONG") || reply.starts_with("-NOAUTH") {
        Ok(())
    } else {
        Err(format!("answered {:?} to PING", reply.trim_end()))
    }
}
