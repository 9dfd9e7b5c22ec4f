//! How much work the server takes in at once.
//!
//! A crowd larger than the server (20,000 members starting a round in a minute) used to be let
//! in whole: every request waited its turn for a database connection, holding its memory, until
//! phones gave up after 30 s and the process held nearly 2 GB. Now at most
//! `DAUTRI_HTTP__MAX_IN_FLIGHT` API requests are worked on at once; one more is answered 503
//! `crowded` at once, before it reads a byte from the database, with `Retry-After` booking it a
//! second in the coming minutes that still has room at the rate requests are being completed
//! ([`Appointments`]). Those admitted are served in time; the rest come back in turn, as the
//! member app does by itself.
//!
//! Not counted: health probes (a load balancer must see a busy instance as alive), the app's
//! own files (a refused page would not retry itself) and the documentation.
//!
//! # Implementation notes
//! The middleware reads the intake from its own `web::Data<Intake>` (the one `AppState`
//! holds), as `metrics::track` does, so this module does not depend on `state`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};

use crate::auth::appointments::Appointments;
use crate::error::ApiError;

/// The requests in progress and when to tell the refused to come back; one per instance,
/// shared by its workers.
#[derive(Debug)]
pub struct Intake {
    limit: usize,
    in_flight: AtomicUsize,
    /// Requests completed since start, to measure the rate they complete at.
    completed: AtomicU64,
    /// Requests refused since start.
    refused: AtomicU64,
    /// Touched only on a refusal.
    turns: Mutex<Turns>,
}

#[derive(Debug)]
struct Turns {
    appointments: Appointments,
    /// When `completed` was last read, its value then, and the rate measured then.
    sampled_at: Instant,
    sampled: u64,
    per_second: u32,
}

/// A measurement older than this says nothing about the present crowd.
const STALE: Duration = Duration::from_secs(10);

impl Intake {
    /// At most `limit` requests in progress at once (at least one).
    pub fn new(limit: usize) -> Self {
        let now = Instant::now();
        let limit = limit.max(1);
        Self {
            limit,
            in_flight: AtomicUsize::new(0),
            completed: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            turns: Mutex::new(Turns {
                appointments: Appointments::new(now),
                sampled_at: now,
                sampled: 0,
                // Until measured: the whole limit each second.
                per_second: u32::try_from(limit).unwrap_or(u32::MAX),
            }),
        }
    }

    /// Takes a place, or says how long to wait when all are taken. The place is held until
    /// the returned [`Place`] is dropped.
    pub fn admit(&self) -> Result<Place<'_>, Duration> {
        let taken = self
            .in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            });
        match taken {
            Ok(_) => Ok(Place { intake: self }),
            Err(_) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                Err(self.turn())
            }
        }
    }

    /// Requests in progress now: for metrics and tests.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Requests refused since start: for metrics.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// A second in the coming minutes with room at the rate requests complete: at least one
    /// second from now, since the places free up no sooner than the requests holding them end.
    fn turn(&self) -> Duration {
        let now = Instant::now();
        let completed = self.completed.load(Ordering::Acquire);
        let mut turns = self
            .turns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let elapsed = now.saturating_duration_since(turns.sampled_at);
        if elapsed >= Duration::from_secs(1) {
            if elapsed < STALE {
                let done = completed.saturating_sub(turns.sampled);
                let rate = done as f64 / elapsed.as_secs_f64();
                // At least one turn a second: a server that completed nothing lately (every
                // request waiting on a slow database) still gives turns, the later ones capped
                // by the book's horizon of five minutes.
                turns.per_second = (rate as u32).max(1);
            }
            turns.sampled_at = now;
            turns.sampled = completed;
        }
        let per_second = turns.per_second;
        turns
            .appointments
            .book(now, Duration::from_secs(1), per_second)
    }
}

/// A request's place among those in progress.
#[derive(Debug)]
pub struct Place<'a> {
    intake: &'a Intake,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.intake.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.intake.completed.fetch_add(1, Ordering::Release);
    }
}

/// Whether a request to `path` takes a place: the API's operations do; health probes, the
/// frontend's files and the documentation do not. (The live stream takes one only while it
/// opens: its handler answers at once and the events flow after the place is freed.)
fn counted(path: &str) -> bool {
    path.starts_with("/api/v1/")
}

/// Middleware: admits the request or answers 503 `crowded` with `Retry-After`.
pub async fn admit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let intake = req.app_data::<web::Data<Intake>>().cloned();
    let Some(intake) = intake.filter(|_| counted(req.path())) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    match intake.admit() {
        Ok(place) => {
            let response = next.call(req).await;
            drop(place);
            Ok(response?.map_into_left_body())
        }
        Err(wait) => {
            let refusal = ApiError::Crowded {
                retry_after_secs: wait.as_secs().max(1),
            };
            Ok(req
                .into_response(refusal.error_response())
                .map_into_right_body())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_bounded_and_freed() {
        let intake = Intake::new(2);
        let a = intake.admit().expect("first place");
        let b = intake.admit().expect("second place");
        let refused = intake.admit().expect_err("no third place");
        assert!(refused >= Duration::from_secs(1), "{refused:?}");
        assert_eq!(intake.in_flight(), 2);
        drop(a);
        assert_eq!(intake.in_flight(), 1);
        let c = intake.admit().expect("a freed place is taken again");
        drop((b, c));
        assert_eq!(intake.in_flight(), 0);
    }

    #[test]
    fn a_crowd_refused_at_once_is_spread_over_seconds() {
        // Two places, and (unmeasured) two turns a second: 10 refused take five seconds.
        let intake = Intake::new(2);
        let _held = (intake.admit().unwrap(), intake.admit().unwrap());
        let mut waits: Vec<u64> = (0..10)
            .map(|_| intake.admit().unwrap_err().as_secs())
            .collect();
        waits.sort_unstable();
        assert_eq!(waits, vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    }

    #[test]
    fn only_the_api_is_counted() {
        assert!(counted("/api/v1/attempts/x/answers/y"));
        assert!(!counted("/healthz"));
        assert!(!counted("/readyz"));
        assert!(!counted("/assets/index.js"));
        assert!(!counted("/api/docs/"));
        assert!(!counted("/api/openapi.json"));
    }
}
