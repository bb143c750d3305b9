//! Request bodies that trickle or stall are cut off: a body must keep arriving (no gap longer
//! than the idle limit) and arrive whole within the total limit. The handler reading it then
//! fails with a 408 and the connection is closed; whatever it had stored is discarded by the
//! handler's own clean-up, as for any body that breaks off.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use actix_web::middleware::Next;
use actix_web::rt::time::{Instant, Sleep, sleep, sleep_until};
use actix_web::web::{self, Bytes};
use actix_web::{Error, HttpMessage};
use futures_util::Stream;

use crate::state::HttpState;

/// How long a request body may take: `idle` between two pieces, `total` for all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyDeadlines {
    pub idle: Duration,
    pub total: Duration,
}

type BoxedBody = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

/// The message a timed-out body's read error carries; [`is_body_timeout`] recognises it.
const TIMED_OUT: &str = "the request body did not arrive in time";

pub(crate) async fn apply(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let deadlines = req.app_data::<web::Data<HttpState>>().map(|state| state.body_deadlines);
    if let Some(deadlines) = deadlines
        && has_body(&req)
    {
        let body = req.take_payload();
        let timed: BoxedBody = Box::pin(TimedBody::new(body, deadlines));
        req.set_payload(Payload::from(timed));
    }
    next.call(req).await
}

/// A request without a body (most GETs) pays for no timers. HTTP/1 says so in its headers;
/// HTTP/2 may send a body without a length, so there only body-less methods are let through.
fn has_body(req: &ServiceRequest) -> bool {
    use actix_web::http::{Method, Version};
    let headers = req.headers();
    if headers.contains_key(TRANSFER_ENCODING) {
        return true;
    }
    match headers.get(CONTENT_LENGTH) {
        Some(length) => length.as_bytes() != b"0",
        None => {
            req.version() == Version::HTTP_2 && !matches!(*req.method(), Method::GET | Method::HEAD | Method::DELETE)
        }
    }
}

/// Whether a body read failed because its deadline passed.
pub(crate) fn is_body_timeout(err: &PayloadError) -> bool {
    matches!(err, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut && io.to_string() == TIMED_OUT)
}

struct TimedBody {
    inner: Payload,
    idle_limit: Duration,
    idle: Pin<Box<Sleep>>,
    total: Pin<Box<Sleep>>,
    done: bool,
}

impl TimedBody {
    fn new(inner: Payload, deadlines: BodyDeadlines) -> Self {
        Self {
            inner,
            idle_limit: deadlines.idle,
            idle: Box::pin(sleep(deadlines.idle)),
            total: Box::pin(sleep_until(Instant::now() + deadlines.total)),
            done: false,
        }
    }
}

impl Stream for TimedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let next_idle = Instant::now() + self.idle_limit;
                self.idle.as_mut().reset(next_idle);
                return Poll::Ready(Some(Ok(chunk)));
            }
            Poll::Ready(other) => {
                self.done = other.is_none();
                return Poll::Ready(other);
            }
            Poll::Pending => {}
        }
        if self.idle.as_mut().poll(cx).is_ready() || self.total.as_mut().poll(cx).is_ready() {
            self.done = true;
            let err = std::io::Error::new(std::io::ErrorKind::TimedOut, TIMED_OUT);
            return Poll::Ready(Some(Err(PayloadError::Io(err))));
        }
        Poll::Pending
    }
}
