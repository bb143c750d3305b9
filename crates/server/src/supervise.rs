//! Background tasks under watch (the webhook dispatcher, the leftover sweeper, the certificate
//! reload): a task that panics is logged, with its name and the panic's message, and started
//! again after a short pause; one that keeps panicking ends the process with a non-zero status,
//! so that whatever runs it (systemd, Kubernetes) sees the failure and starts it afresh. A
//! background task never just stops while the server goes on answering without it.

use std::any::Any;
use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The status the process exits with when a task keeps panicking (`EX_SOFTWARE`: an internal
/// error, told apart from a configuration error's 2 and a failed start's 1).
pub const GAVE_UP: i32 = 70;

/// How a task is restarted.
#[derive(Debug, Clone, Copy)]
pub struct Restarts {
    /// At most `limit` restarts within any span of `within`: the next panic within it ends the
    /// process.
    pub limit: usize,
    pub within: Duration,
    /// The pause before a restart, doubled for each restart already made within `within`: a
    /// task that panics at once is not restarted in a tight loop.
    pub backoff: Duration,
}

impl Default for Restarts {
    /// Five a minute, the first after 0.2 s (the fifth after 3.2 s).
    fn default() -> Self {
        Self { limit: 5, within: Duration::from_secs(60), backoff: Duration::from_millis(200) }
    }
}

/// Runs `task` (started again by calling `start`) under watch, named `name` in the logs; exits
/// the process with [`GAVE_UP`] when it panics more often than [`Restarts::default`] allows. The
/// handle ends when the task returns.
pub fn supervise<S, F>(name: &'static str, start: S) -> JoinHandle<()>
where
    S: FnMut() -> F + Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(watch(name, start, Restarts::default(), give_up))
}

/// The process's end when a task keeps failing: the log line has been written (to stderr,
/// unbuffered) before this runs.
fn give_up(_name: &'static str) {
    std::process::exit(GAVE_UP);
}

/// Runs `start()` until it returns, restarting it after each panic; after one panic too many,
/// calls `give_up` and returns.
async fn watch<S, F, G>(name: &'static str, mut start: S, restarts: Restarts, give_up: G)
where
    S: FnMut() -> F,
    F: Future<Output = ()> + Send + 'static,
    G: FnOnce(&'static str),
{
    let mut recent: VecDeque<Instant> = VecDeque::new();
    loop {
        let mut running = Running(tokio::spawn(start()));
        let panic = match (&mut running.0).await {
            Ok(()) => return,
            Err(err) => match err.try_into_panic() {
                Ok(payload) => message(&*payload),
                // Cancelled: only the runtime shutting down cancels it, and then nothing is left to run.
                Err(_) => return,
            },
        };
        let now = Instant::now();
        while recent.front().is_some_and(|at| now.duration_since(*at) >= restarts.within) {
            recent.pop_front();
        }
        if recent.len() >= restarts.limit {
            tracing::error!(
                task = name,
                panic = %panic,
                recent_restarts = recent.len(),
                exit_status = GAVE_UP,
                "background task keeps panicking; stopping the process"
            );
            give_up(name);
            return;
        }
        let pause = restarts.backoff.saturating_mul(1 << recent.len().min(16));
        tracing::error!(task = name, panic = %panic, restart_in_ms = pause.as_millis(), "background task panicked; restarting it");
        recent.push_back(now);
        tokio::time::sleep(pause).await;
    }
}

/// The task running now; stopped with its supervisor (a supervisor that is dropped leaves no
/// task behind, unwatched).
struct Running(JoinHandle<()>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A panic's message: the text `panic!` was given, when it was text.
fn message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    const QUICK: Restarts = Restarts { limit: 3, within: Duration::from_secs(60), backoff: Duration::from_millis(1) };

    #[tokio::test]
    async fn a_task_that_panics_is_restarted_and_a_task_that_returns_is_not() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        let start = move || {
            let run = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if run < 2 {
                    panic!("run {run} fails");
                }
            }
        };
        watch("flaky", start, QUICK, |_| panic!("gave up within the bound")).await;
        assert_eq!(runs.load(Ordering::SeqCst), 3, "two panics, two restarts, then it returned");
    }

    #[tokio::test]
    async fn a_task_that_keeps_panicking_gives_up_past_the_bound() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        let start = move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { panic!("always") }
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        watch("broken", start, QUICK, move |name| {
            let _ = tx.send(name);
        })
        .await;
        assert_eq!(rx.await.ok(), Some("broken"), "the process would exit, naming the task");
        assert_eq!(runs.load(Ordering::SeqCst), QUICK.limit + 1, "started once, restarted up to the bound");
    }

    #[tokio::test]
    async fn the_bound_counts_only_recent_restarts() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        // Each run panics after 60 ms, five times: never twice within 50 ms.
        let start = move || {
            let run = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                tokio::time::sleep(Duration::from_millis(60)).await;
                if run < 5 {
                    panic!("run {run}");
                }
            }
        };
        let once = Restarts { limit: 1, within: Duration::from_millis(50), backoff: Duration::from_millis(1) };
        watch("now and then", start, once, |_| panic!("gave up on panics far apart")).await;
        assert_eq!(runs.load(Ordering::SeqCst), 6);
    }

    #[tokio::test]
    async fn the_pause_doubles_with_each_recent_restart() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        let start = move || {
            let run = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if run < 3 {
                    panic!("run {run}");
                }
            }
        };
        let doubling = Restarts { limit: 5, within: Duration::from_secs(60), backoff: Duration::from_millis(40) };
        let began = Instant::now();
        watch("doubling", start, doubling, |_| {}).await;
        // 40 + 80 + 160 ms of pauses before the fourth run.
        assert!(began.elapsed() >= Duration::from_millis(280), "{:?}", began.elapsed());
    }

    #[tokio::test]
    async fn the_task_stops_with_its_supervisor() {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let mut tx = Some(tx);
        let supervisor = tokio::spawn(watch(
            "forever",
            move || {
                let held = tx.take();
                async move {
                    let _held = held;
                    std::future::pending::<()>().await;
                }
            },
            QUICK,
            |_| {},
        ));
        tokio::time::sleep(Duration::from_millis(20)).await;
        supervisor.abort();
        assert!(rx.await.is_err(), "the task was dropped, and its sender with it");
    }
}
