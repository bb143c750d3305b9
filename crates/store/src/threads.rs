//! The threads that run database work: a fixed set, one per pooled connection, fed by a queue.
//!
//! Diesel is blocking, so its calls must stay off the async executor's threads. A fixed set of
//! threads already waiting on the queue makes each hand-off wake exactly one of them, where the
//! runtime's general blocking pool (one per actix worker) kept spawning threads and paid more per
//! hand-off. Measured with `cargo xtask bench`: 27 k → 37 k requests/s for `/company` on SQLite,
//! and 11 threads in the process instead of about 80.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

use crate::StoreError;

type Job = Box<dyn FnOnce() + Send>;

/// The queue into the database threads. Cheap to clone; the threads end when the last clone is
/// dropped.
#[derive(Debug, Clone)]
pub(crate) struct DbThreads {
    queue: Sender<Job>,
}

impl DbThreads {
    pub(crate) fn start(count: usize) -> Result<Self, StoreError> {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..count.max(1) {
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name(format!("carbonpass-db-{n}"))
                .spawn(move || serve(&jobs))
                .map_err(|e| StoreError::Task(format!("starting a database thread: {e}")))?;
        }
        Ok(Self { queue })
    }

    /// Runs `work` on a database thread and waits for it without blocking the caller's thread.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            // A caller that gave up while the job queued (its deadline passed while the database
            // was not answering) no longer wants it: skipping it lets a backlog drain at once
            // when the database is back.
            if done.is_closed() {
                return;
            }
            // The caller may still go while the work runs: then nobody wants the result.
            let _ = done.send(work());
        });
        self.queue.send(job).map_err(|_| StoreError::Task("the database threads have stopped".into()))?;
        result.await.map_err(|_| StoreError::Task("database work panicked".into()))
    }
}

/// One database thread: takes jobs until the queue closes. A panicking job is contained (its
/// caller sees an error), so the set never shrinks.
fn serve(jobs: &Mutex<Receiver<Job>>) {
    loop {
        let next = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_work_and_survives_a_panic() {
        let threads = DbThreads::start(1).expect("start");
        assert_eq!(threads.run(|| 2 + 2).await.ok(), Some(4));
        let panicked = threads.run(|| -> u8 { panic!("boom") }).await;
        assert!(matches!(panicked, Err(StoreError::Task(_))));
        let name = threads.run(|| std::thread::current().name().map(str::to_owned)).await.ok().flatten();
        assert_eq!(name.as_deref(), Some("carbonpass-db-0"), "the one thread is still serving");
    }

    #[tokio::test]
    async fn work_whose_caller_gave_up_is_skipped() {
        let threads = DbThreads::start(1).expect("start");
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let first = threads.clone();
        let busy = tokio::spawn(async move { first.run(move || wait.recv().ok()).await });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = ran.clone();
        let abandoned = threads.run(move || flag.store(true, std::sync::atomic::Ordering::SeqCst));
        // The second job is queued behind the first; its caller gives up before it starts.
        let gave_up = tokio::time::timeout(std::time::Duration::from_millis(50), abandoned).await;
        assert!(gave_up.is_err());
        release.send(()).expect("release");
        assert!(matches!(busy.await, Ok(Ok(Some(())))));
        assert_eq!(threads.run(|| 1).await.ok(), Some(1), "the thread went on to later work");
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst), "the abandoned job never ran");
    }
}
