//! What counting one request costs: in this process (governor), and shared through Redis (one
//! script call over loopback). `REDIS_URL` names the Redis (default redis://127.0.0.1:6379);
//! without one answering, the Redis case is skipped.
//!
//! `cargo bench -p carbonpass-ratelimit --bench limiter`

use std::hint::black_box;

use carbonpass_domain::model::{RateQuota, UserId};
use carbonpass_domain::ports::RateLimiter;
use carbonpass_ratelimit::{PerProcess, Shared};
use criterion::{Criterion, criterion_group, criterion_main};

fn quota() -> RateQuota {
    // Large enough that the benchmark measures admissions, not refusals.
    RateQuota::new(1_000_000, 1_000_000).expect("non-zero")
}

fn users() -> Vec<UserId> {
    (0..1000).map(|i| UserId::parse(&format!("usr_bench{i:04}")).expect("id")).collect()
}

fn per_process(c: &mut Criterion) {
    let limiter = PerProcess::default();
    let users = users();
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let mut i = 0usize;
    c.bench_function("admit/per-process (1000 users)", |b| {
        b.iter(|| {
            i = (i + 1) % users.len();
            black_box(runtime.block_on(limiter.admit(&users[i], quota())))
        })
    });
    c.bench_function("client_refused/per-process", |b| b.iter(|| black_box(limiter.client_refused("192.0.2.1"))));
}

fn shared(c: &mut Criterion) {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let _inside = runtime.enter();
    let Ok(limiter) = Shared::new(&url, "carbonpass:bench:") else { return };
    if runtime.block_on(limiter.check()) != carbonpass_domain::model::LimiterMode::Shared {
        eprintln!("redis at {url} does not answer: the shared case is skipped");
        return;
    }
    let users = users();
    let mut i = 0usize;
    c.bench_function("admit/redis (1000 users)", |b| {
        b.iter(|| {
            i = (i + 1) % users.len();
            black_box(runtime.block_on(limiter.admit(&users[i], quota())))
        })
    });
}

criterion_group!(benches, per_process, shared);
criterion_main!(benches);
