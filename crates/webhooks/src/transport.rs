//! How an attempt goes out: the seam between the worker and the network. The guarded client is
//! the one production uses; tests put a stand-in here (one that panics, say) to see what the
//! worker does with it.

use std::future::Future;
use std::pin::Pin;

use reqwest::header::{HeaderName, HeaderValue};

use crate::client::{Attempt, GuardedClient};

/// An attempt under way.
pub type Sending<'a> = Pin<Box<dyn Future<Output = Attempt> + Send + 'a>>;

/// Sends one signed attempt and says what came of it. Never fails: every failure is an
/// [`Attempt`] with its `error`. (A boxed future rather than an `async fn`, so the worker can
/// hold any transport as `dyn Transport`, and a stand-in needs no macro.)
pub trait Transport: Send + Sync {
    fn post<'a>(&'a self, url: &'a str, headers: &'a [(HeaderName, HeaderValue)], body: Vec<u8>) -> Sending<'a>;
}

impl Transport for GuardedClient {
    fn post<'a>(&'a self, url: &'a str, headers: &'a [(HeaderName, HeaderValue)], body: Vec<u8>) -> Sending<'a> {
        Box::pin(GuardedClient::post(self, url, headers, body))
    }
}
