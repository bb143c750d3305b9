//! Request bodies that trickle or stall are cut off: a body must keep arriving (no gap longer
//! than the idle limit) and arrive whole within the total limit. The handler reading it then
//! fails with a 408 and the connection is closed; whatever it had stored is discarded by the
//! handler's own clean-up, as for any body that breaks off.
//!
//! And a response sent before its request's body was read to the end (a 401, a 405, a 413)
//! closes the connection: otherwise the server would go on reading the rest of the body, with no
//! deadline left to stop it, before it could read the next request (a client with no key could
//! stream gigabytes into a 405).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
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

pub(crate) async fn apply<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B, HoldingUnread>>, Error> {
    let deadlines = req.app_data::<web::Data<HttpState>>().map(|state| state.body_deadlines);
    let Some(deadlines) = deadlines.filter(|_| has_body(&req)) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let body = req.take_payload();
    let read_whole = Rc::new(Cell::new(false));
    let timed = Rc::new(RefCell::new(TimedBody::new(body, deadlines, read_whole.clone())));
    let shared: BoxedBody = Box::pin(SharedBody(timed.clone()));
    req.set_payload(Payload::from(shared));
    let mut res = next.call(req).await?;
    if read_whole.get() {
        return Ok(res.map_into_left_body());
    }
    // actix-http drains a chunked body whose reader is gone, without limit, to keep the
    // connection; if the reader is still alive when the response has been sent, it closes the
    // connection instead (after at most the client disconnect timeout). So the response's body
    // holds the reader until it has been sent.
    res.response_mut().head_mut().set_connection_type(ConnectionType::Close);
    Ok(res.map_body(|_, body| EitherBody::right(HoldingUnread { body: body.boxed(), _unread: timed })))
}

/// A response body that keeps its request's unread body alive until it has been sent.
pub(crate) struct HoldingUnread {
    body: BoxBody,
    _unread: Rc<RefCell<TimedBody>>,
}

impl MessageBody for HoldingUnread {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

/// The handler's view of the body, shared with the middleware.
struct SharedBody(Rc<RefCell<TimedBody>>);

impl Stream for SharedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.0.try_borrow_mut() {
            Ok(mut body) => Pin::new(&mut *body).poll_next(cx),
            // Only one reader polls a request's body at a time.
            Err(_) => Poll::Pending,
        }
    }
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

pub(crate) struct TimedBody {
    inner: Payload,
    idle_limit: Duration,
    idle: Pin<Box<Sleep>>,
    total: Pin<Box<Sleep>>,
    done: bool,
    /// Set once the body has been read to its end.
    read_whole: Rc<Cell<bool>>,
}

impl TimedBody {
    fn new(inner: Payload, deadlines: BodyDeadlines, read_whole: Rc<Cell<bool>>) -> Self {
        Self {
            inner,
            idle_limit: deadlines.idle,
            idle: Box::pin(sleep(deadlines.idle)),
            total: Box::pin(sleep_until(Instant::now() + deadlines.total)),
            done: false,
            read_whole,
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
                self.read_whole.set(other.is_none());
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
