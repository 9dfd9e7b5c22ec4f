//! Password hashing with argon2id, bounded.
//!
//! A hash costs a few tens of milliseconds of CPU and [`PARAMS`]' memory (7 MiB). Unbounded, a
//! storm of sign-ins ran hundreds at once on the blocking pool and the allocator kept every
//! block: 400 registrations took the server to 14.7 GB. So every hash goes through one
//! [`Hasher`]: a semaphore lets at most `concurrency` hashes run (one per core by default; a
//! hash cannot go faster than the cores anyway), a short queue waits for them, and a request
//! beyond the queue is refused at once ([`Busy`], answered 503 with `Retry-After`) before it
//! costs anything. The member app waits the time it is told and tries again by itself; the
//! time is a turn booked at the rate hashes are made ([`super::appointments`]).
//!
//! Each hash works in memory taken from a pool of at most `concurrency` buffers, allocated once
//! and reused, rather than a fresh 7 MiB allocation per hash. With glibc a fresh allocation is
//! what kept the memory: after the first large block is freed its dynamic mmap threshold rises,
//! later blocks come from per-thread arenas, and those stay resident (100 sign-ins at once left
//! a debug server at 390 MiB instead of 89 MiB; see the README's *Performance*).
//!
//! The parameters are OWASP's (Password Storage Cheat Sheet, argon2id): m = 7 MiB, t = 5,
//! p = 1, the lowest-memory of its equivalent settings, because memory is what a storm
//! multiplies. Hashes made with other parameters (the argon2 crate's defaults, 19 MiB, t = 2,
//! before this) still verify and are replaced on the owner's next successful sign-in
//! ([`Verified::rehashed`]).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

use super::appointments::Appointments;
use crate::error::ApiError;
use crate::telemetry::spawn_blocking_with_tracing;

/// argon2id memory in KiB (7 MiB).
pub const M_COST_KIB: u32 = 7 * 1024;
/// argon2id passes.
pub const T_COST: u32 = 5;
/// argon2id lanes.
pub const P_COST: u32 = 1;

/// The parameters every new hash uses.
pub fn params() -> Params {
    // Constants within argon2's bounds: this cannot fail (the unit test below builds it).
    Params::new(M_COST_KIB, T_COST, P_COST, None).unwrap_or_default()
}

/// Working memory for argon2, reused from hash to hash.
type Memory = Vec<Block>;

fn new_memory(blocks: usize) -> Memory {
    vec![Block::default(); blocks]
}

/// Hashes `password` with today's parameters in `memory` (a random 16-byte salt), as a PHC string.
fn hash_in(password: &str, memory: &mut Memory) -> anyhow::Result<String> {
    let params = params();
    if memory.len() < params.block_count() {
        *memory = new_memory(params.block_count());
    }
    let salt_bytes: [u8; 16] = rand::random();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), &salt_bytes, &mut out, &mut memory[..])
        .map_err(|e| anyhow::anyhow!("argon2 hash failed: {e}"))?;
    let phc = |e: argon2::password_hash::phc::Error| anyhow::anyhow!("PHC string: {e}");
    let hash = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("{e}"))?,
        salt: Some(Salt::new(&salt_bytes).map_err(phc)?),
        hash: Some(Output::new(&out).map_err(phc)?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash`, computed in `memory` when it is large
/// enough (hashes with today's parameters); an outdated hash with more memory gets its own,
/// once per account until it is renewed.
fn verify_in(password: &str, hash: &str, memory: &mut Memory) -> bool {
    let parsed = match PasswordHash::new(hash) {
        Ok(parsed) => parsed,
        Err(e) => {
            tracing::error!(error = %e, "stored password hash does not parse");
            return false;
        }
    };
    let (Ok(params), Ok(algorithm), Some(salt), Some(expected)) = (
        Params::try_from(&parsed),
        Algorithm::new(parsed.algorithm.as_str()),
        parsed.salt.as_ref(),
        parsed.hash.as_ref(),
    ) else {
        tracing::error!("stored password hash lacks parameters, salt or output");
        return false;
    };
    let version = parsed
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .unwrap_or(Version::V0x13);
    let blocks = params.block_count();
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    let computed = if blocks <= memory.len() {
        argon2.hash_password_into_with_memory(
            password.as_bytes(),
            salt.as_ref(),
            &mut out,
            &mut memory[..],
        )
    } else {
        argon2.hash_password_into_with_memory(
            password.as_bytes(),
            salt.as_ref(),
            &mut out,
            new_memory(blocks),
        )
    };
    // `Output`'s equality is constant-time.
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == *expected)
}

/// Whether `hash` was made with other parameters than [`params`] (or another algorithm).
pub fn is_outdated(hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return true;
    };
    if parsed.algorithm.as_str() != "argon2id" {
        return true;
    }
    match Params::try_from(&parsed) {
        Ok(p) => p.m_cost() != M_COST_KIB || p.t_cost() != T_COST || p.p_cost() != P_COST,
        Err(_) => true,
    }
}

/// The hashing queue is full: try again after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    /// A fair wait: the queue ahead, then a turn at the measured rate of hashes (at least 1 s).
    pub retry_after: Duration,
}

/// The outcome of a password check.
#[derive(Debug)]
pub struct Verified {
    /// Whether the password matched.
    pub ok: bool,
    /// A new hash with today's parameters when the password matched an outdated hash.
    pub rehashed: Option<String>,
}

#[derive(Debug)]
struct Inner {
    permits: Arc<Semaphore>,
    concurrency: usize,
    /// Requests admitted (running or waiting); never above `concurrency + queue`.
    admitted: AtomicUsize,
    capacity: usize,
    /// Working memory, one buffer per hash running (never more than `concurrency`).
    memory: std::sync::Mutex<Vec<Memory>>,
    /// Moving average of one hash's wall time, in microseconds (for `Retry-After`).
    average_us: AtomicU64,
    /// When the refused come back (touched only on a refusal).
    appointments: std::sync::Mutex<Appointments>,
    /// A hash of a password nobody has, checked when the phone is unknown so that a login takes
    /// the same time whether or not the account exists.
    dummy: OnceLock<String>,
}

/// The one way to hash or check a password; cheap to clone (shared).
#[derive(Clone)]
pub struct Hasher {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("concurrency", &self.inner.concurrency)
            .field("capacity", &self.inner.capacity)
            .field("admitted", &self.inner.admitted.load(Ordering::Relaxed))
            .finish()
    }
}

impl Hasher {
    /// At most `concurrency` hashes at once (at least 1) and `queue` more waiting.
    pub fn new(concurrency: usize, queue: usize) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            inner: Arc::new(Inner {
                permits: Arc::new(Semaphore::new(concurrency)),
                concurrency,
                admitted: AtomicUsize::new(0),
                capacity: concurrency + queue,
                memory: std::sync::Mutex::new(Vec::new()),
                // A first guess until a hash was measured: 50 ms.
                average_us: AtomicU64::new(50_000),
                appointments: std::sync::Mutex::new(Appointments::new(Instant::now())),
                dummy: OnceLock::new(),
            }),
        }
    }

    /// Takes a place in the queue, or says how long to wait if it is full. The place is held
    /// until the returned [`Slot`] is used or dropped.
    pub fn reserve(&self) -> Result<Slot, Busy> {
        let inner = &self.inner;
        let admitted = inner
            .admitted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < inner.capacity).then_some(n + 1)
            });
        match admitted {
            Ok(_) => Ok(Slot {
                inner: Arc::clone(inner),
            }),
            Err(waiting) => Err(Busy {
                retry_after: self.fair_wait(waiting),
            }),
        }
    }

    /// When to come back: after the `waiting` requests ahead, in the first second that has room
    /// at the rate hashes are made ([`Appointments`]), so that a crowd refused together comes
    /// back in turn rather than together.
    fn fair_wait(&self, waiting: usize) -> Duration {
        let inner = &self.inner;
        let per_hash = inner.average_us.load(Ordering::Relaxed).max(1);
        let concurrency = inner.concurrency as u64;
        let drain = Duration::from_micros(per_hash.saturating_mul(waiting as u64) / concurrency);
        // Half again as many turns as hashes: the queue must never run dry while people wait
        // (the measured time of a hash lags the machine's load), and one who finds it full
        // only gets a later turn.
        let per_second = u32::try_from(concurrency * 1_500_000 / per_hash).unwrap_or(u32::MAX);
        inner
            .appointments
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .book(Instant::now(), drain, per_second)
    }

    /// Hashes `password`, or answers [`Busy`] (503) when the queue is full.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        Ok(self.reserve()?.hash(password).await?)
    }

    /// Checks `password` against `hash` (see [`Slot::verify`]), or answers [`Busy`] (503).
    pub async fn verify(
        &self,
        password: String,
        hash: Option<String>,
    ) -> Result<Verified, ApiError> {
        Ok(self.reserve()?.verify(password, hash).await?)
    }

    /// How many requests hold a place (running or waiting): for metrics and tests.
    pub fn admitted(&self) -> usize {
        self.inner.admitted.load(Ordering::Acquire)
    }
}

impl From<Busy> for ApiError {
    fn from(busy: Busy) -> Self {
        Self::Busy {
            retry_after_secs: busy.retry_after.as_secs().max(1),
        }
    }
}

/// Hashes one password outside any request (the command line, the demo data), unbounded.
pub async fn hash_once(password: String) -> anyhow::Result<String> {
    spawn_blocking_with_tracing(move || hash_in(&password, &mut Vec::new()))
        .await
        .context("hashing task failed")?
}

/// The number of cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// A place in the hashing queue.
#[derive(Debug)]
pub struct Slot {
    inner: Arc<Inner>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.inner.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Slot {
    /// Waits for a permit, then runs `work` on a blocking thread with a buffer from the pool.
    /// The permit bounds how many hashes exist at once, whatever the size of the blocking pool.
    /// Permit and buffer travel with the work and are given back when the hash ends, not when
    /// the request does: a client that hangs up mid-hash must not free them while it runs.
    async fn run<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> R + Send + 'static,
    ) -> anyhow::Result<R> {
        let permit = Arc::clone(&self.inner.permits)
            .acquire_owned()
            .await
            .context("password hasher closed")?;
        let inner = Arc::clone(&self.inner);
        let started = Instant::now();
        let out = spawn_blocking_with_tracing(move || {
            let pool = || {
                inner
                    .memory
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            };
            let mut memory = pool()
                .pop()
                .unwrap_or_else(|| new_memory(params().block_count()));
            let out = work(&mut memory);
            pool().push(memory);
            drop(permit);
            out
        })
        .await
        .context("hashing task failed")?;
        let took = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        // An exponential moving average (1/8 weight): good enough for a wait estimate.
        let old = self.inner.average_us.load(Ordering::Relaxed);
        self.inner
            .average_us
            .store(old - old / 8 + took / 8, Ordering::Relaxed);
        Ok(out)
    }

    /// Hashes `password` (argon2id, random salt).
    pub async fn hash(self, password: String) -> anyhow::Result<String> {
        self.run(move |memory| hash_in(&password, memory)).await?
    }

    /// Checks `password` against `hash`. With no hash (unknown account) it checks a hash nobody
    /// has, to take the same time, and answers false. A match against an outdated hash makes
    /// the new hash in the same turn.
    pub async fn verify(self, password: String, hash: Option<String>) -> anyhow::Result<Verified> {
        let dummy = match &hash {
            Some(_) => None,
            None => Some(self.dummy().await?),
        };
        self.run(move |memory| match hash {
            Some(hash) => {
                let ok = verify_in(&password, &hash, memory);
                let rehashed = (ok && is_outdated(&hash))
                    .then(|| hash_in(&password, memory).ok())
                    .flatten();
                Verified { ok, rehashed }
            }
            None => {
                if let Some(dummy) = dummy {
                    let _ = verify_in(&password, &dummy, memory);
                }
                Verified {
                    ok: false,
                    rehashed: None,
                }
            }
        })
        .await
    }

    /// The dummy hash, made once (on a blocking thread, under this slot's permit).
    async fn dummy(&self) -> anyhow::Result<String> {
        if let Some(d) = self.inner.dummy.get() {
            return Ok(d.clone());
        }
        let made = self
            .run(|memory| hash_in("not-a-real-password-9", memory))
            .await??;
        Ok(self.inner.dummy.get_or_init(|| made).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

    fn hash(password: &str) -> String {
        hash_in(password, &mut Vec::new()).expect("hash")
    }

    fn verify(password: &str, hash: &str) -> bool {
        verify_in(password, hash, &mut new_memory(params().block_count()))
    }

    #[test]
    fn hashes_verify_and_differ_per_call() {
        let a = hash("Password1");
        let b = hash("Password1");
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{a}");
        assert!(verify("Password1", &a));
        assert!(!verify("Password2", &a));
        assert!(!is_outdated(&a));
    }

    #[test]
    fn reused_memory_gives_the_same_hashes_as_the_argon2_crate() {
        // Ours verify with the crate's verifier, the crate's with ours, in a reused buffer.
        let mut memory = Vec::new();
        let ours = hash_in("Password1", &mut memory).expect("hash");
        let again = hash_in("Password1", &mut memory).expect("hash in used memory");
        let crate_verifier = Argon2::default();
        for h in [&ours, &again] {
            let parsed = PasswordHash::new(h).expect("parse");
            assert!(
                crate_verifier
                    .verify_password(b"Password1", &parsed)
                    .is_ok()
            );
            assert!(
                crate_verifier
                    .verify_password(b"Password2", &parsed)
                    .is_err()
            );
        }
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
            .hash_password(b"Password1")
            .expect("hash")
            .to_string();
        assert!(verify_in("Password1", &theirs, &mut memory));
        assert!(!verify_in("Password2", &theirs, &mut memory));
    }

    #[test]
    fn hashes_with_the_old_defaults_verify_and_are_outdated() {
        let old = Argon2::default()
            .hash_password(b"Password1")
            .expect("hash")
            .to_string();
        assert!(old.contains("m=19456,t=2,p=1"), "{old}");
        assert!(verify("Password1", &old));
        assert!(!verify("Password2", &old));
        assert!(is_outdated(&old));
        assert!(is_outdated("not a hash"));
        assert!(!verify("Password1", "not a hash"));
    }

    #[test]
    fn the_queue_refuses_beyond_its_capacity_and_frees_places() {
        let hasher = Hasher::new(1, 1);
        let a = hasher.reserve().expect("running");
        let b = hasher.reserve().expect("queued");
        let busy = hasher.reserve().expect_err("full");
        assert!(busy.retry_after >= Duration::from_secs(1));
        drop(a);
        let _c = hasher.reserve().expect("a place came free");
        drop(b);
        assert_eq!(hasher.admitted(), 1);
    }

    #[test]
    fn a_refused_crowd_is_given_turns_at_the_rate_of_hashes() {
        // One running, none waiting, and the first guess of 50 ms a hash: 20 a second, so 30
        // turns a second.
        let hasher = Hasher::new(1, 0);
        let _running = hasher.reserve().expect("running");
        let waits: Vec<u64> = (0..150)
            .map(|_| hasher.reserve().expect_err("full").retry_after.as_secs())
            .collect();
        for second in 1..=5 {
            assert_eq!(
                waits.iter().filter(|w| **w == second).count(),
                30,
                "{waits:?}"
            );
        }
    }

    #[tokio::test]
    async fn buffers_are_reused_not_multiplied() {
        let hasher = Hasher::new(2, 8);
        let hashes =
            futures_util::future::join_all((0..6).map(|_| hasher.hash("Password1".to_owned())))
                .await;
        assert!(hashes.iter().all(Result::is_ok));
        let pooled = hasher.inner.memory.lock().expect("pool").len();
        assert!(
            (1..=2).contains(&pooled),
            "{pooled} buffers for 2 hashes at a time"
        );
    }
}
