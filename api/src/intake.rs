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
//! Starts have places of their own among those. A start is the heaviest thing a member does
//! (the draw, several reads and a write), and a crowd of them running at once made every
//! board read and answer save of the members already in a contest wait behind them on the
//! same cores; the answers are timed, while a start's clock begins only once it is made. So
//! at most `DAUTRI_HTTP__MAX_STARTING` starts run at once and the others admitted wait their
//! turn in order, parked, costing no CPU; starts admitted (waiting or running) take at most
//! half the places, so the answers always find room. A start beyond them is refused with a
//! turn at twice the rate starts complete ([`STARTS_OVERBOOKED`]).
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
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::auth::appointments::Appointments;
use crate::error::ApiError;

/// The requests of one kind in progress, and when to tell the refused to come back.
#[derive(Debug)]
struct Gate {
    limit: usize,
    /// Turns booked per request completed (see [`STARTS_OVERBOOKED`]).
    overbook: u32,
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

/// Turns to start are booked at this many times the rate starts complete.
///
/// That rate is measured while the crowd is at the door, every core shared with it, and starts
/// complete faster once it has passed; the turns booked then are all the crowd has. Booked at
/// the measured rate, a 20,000-member storm left the server half idle for its last hundred
/// seconds while the members booked during the storm waited for their turns (README,
/// *Performance*). A turn booked too early costs a member one more refusal, answered before any
/// work, and a later turn. The other requests are the steady flow of the members already in,
/// whose rate now is the rate to come: they are booked at it.
const STARTS_OVERBOOKED: u32 = 2;

impl Gate {
    /// At most `limit` requests in progress at once (at least one); refusals are booked at
    /// `overbook` times the rate requests complete.
    fn new(limit: usize, overbook: u32) -> Self {
        let now = Instant::now();
        let limit = limit.max(1);
        Self {
            limit,
            overbook: overbook.max(1),
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
    fn admit(&self) -> Result<Place<'_>, Duration> {
        let taken = self
            .in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            });
        match taken {
            Ok(_) => Ok(Place {
                gate: self,
                done: true,
            }),
            Err(_) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                Err(self.turn())
            }
        }
    }

    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    fn refused(&self) -> u64 {
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
        let per_second = turns.per_second.saturating_mul(self.overbook);
        turns
            .appointments
            .book(now, Duration::from_secs(1), per_second)
    }
}

/// A request's place among those of its kind in progress.
#[derive(Debug)]
struct Place<'a> {
    gate: &'a Gate,
    /// Whether freeing it counts as a request completed (the rate turns are given at).
    done: bool,
}

impl Place<'_> {
    /// Frees the place of a request that was refused at another gate: nothing was done.
    fn give_back(mut self) {
        self.done = false;
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.gate.in_flight.fetch_sub(1, Ordering::AcqRel);
        if self.done {
            self.gate.completed.fetch_add(1, Ordering::Release);
        }
    }
}

/// What an instance takes in: every API request, and among them the starts of an attempt;
/// one per instance, shared by its workers.
#[derive(Debug)]
pub struct Intake {
    all: Gate,
    /// Starts admitted, waiting for a turn to run or running: at most half the places, so a
    /// crowd of starts always leaves room for the answers of those already in.
    starts: Gate,
    /// Turns to run a start, taken in the order asked; `running_limit` of them.
    running: Semaphore,
    running_limit: usize,
}

/// The places a request holds while it is worked on.
#[derive(Debug)]
pub struct Places<'a> {
    _all: Place<'a>,
    _start: Option<Place<'a>>,
}

impl Intake {
    /// At most `limit` API requests in progress at once; of them at most half starts, of
    /// which `running` run at once while the others wait their turn.
    pub fn new(limit: usize, running: usize) -> Self {
        // A semaphore holds at most `MAX_PERMITS`; more would panic.
        let running = running.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            all: Gate::new(limit, 1),
            starts: Gate::new((limit / 2).max(running), STARTS_OVERBOOKED),
            running: Semaphore::new(running),
            running_limit: running,
        }
    }

    /// Waits for a turn to run an admitted start; the turn is held until the permit is
    /// dropped.
    pub async fn turn_to_start(&self) -> Option<SemaphorePermit<'_>> {
        // Never closed; were it, the start would run rather than wait for ever.
        self.running.acquire().await.ok()
    }

    /// Takes the places a request needs (a start needs two), or says how long to wait when
    /// one is full. The places are held until the returned [`Places`] is dropped.
    pub fn admit(&self, start: bool) -> Result<Places<'_>, Duration> {
        let all = self.all.admit()?;
        let start = if start {
            match self.starts.admit() {
                Ok(place) => Some(place),
                Err(wait) => {
                    all.give_back();
                    return Err(wait);
                }
            }
        } else {
            None
        };
        Ok(Places {
            _all: all,
            _start: start,
        })
    }

    /// API requests in progress now: for metrics and tests.
    pub fn in_flight(&self) -> usize {
        self.all.in_flight()
    }

    /// Starts admitted now, waiting or running: for tests.
    pub fn starting(&self) -> usize {
        self.starts.in_flight()
    }

    /// Starts running now: for tests.
    pub fn starts_running(&self) -> usize {
        self.running_limit - self.running.available_permits()
    }

    /// Requests refused since start, at either gate: for metrics.
    pub fn refused(&self) -> u64 {
        self.all.refused() + self.starts.refused()
    }
}

/// Whether a request to `path` takes a place: the API's operations do; health probes, the
/// frontend's files and the documentation do not. (The live stream takes one only while it
/// opens: its handler answers at once and the events flow after the place is freed.)
fn counted(path: &str) -> bool {
    path.starts_with("/api/v1/")
}

/// Whether a request starts an attempt (`POST /api/v1/rounds/{id}/attempts`), told from the
/// path alone since it is asked before routing.
fn starts_an_attempt(method: &Method, path: &str) -> bool {
    method == Method::POST
        && path
            .strip_prefix("/api/v1/rounds/")
            .and_then(|rest| rest.strip_suffix("/attempts"))
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
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
    let start = starts_an_attempt(req.method(), req.path());
    match intake.admit(start) {
        Ok(places) => {
            let turn = if start {
                intake.turn_to_start().await
            } else {
                None
            };
            let response = next.call(req).await;
            drop((turn, places));
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
        let intake = Intake::new(2, 2);
        let a = intake.admit(false).expect("first place");
        let b = intake.admit(false).expect("second place");
        let refused = intake.admit(false).expect_err("no third place");
        assert!(refused >= Duration::from_secs(1), "{refused:?}");
        assert_eq!(intake.in_flight(), 2);
        drop(a);
        assert_eq!(intake.in_flight(), 1);
        let c = intake.admit(false).expect("a freed place is taken again");
        drop((b, c));
        assert_eq!(intake.in_flight(), 0);
        assert_eq!(intake.refused(), 1);
    }

    #[test]
    fn a_crowd_refused_at_once_is_spread_over_seconds() {
        // Two places, and (unmeasured) two turns a second: 10 refused take five seconds.
        let intake = Intake::new(2, 2);
        let _held = (intake.admit(false).unwrap(), intake.admit(false).unwrap());
        let mut waits: Vec<u64> = (0..10)
            .map(|_| intake.admit(false).unwrap_err().as_secs())
            .collect();
        waits.sort_unstable();
        assert_eq!(waits, vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    }

    #[test]
    fn starts_have_places_of_their_own_within_the_rest() {
        let intake = Intake::new(3, 1);
        let start = intake.admit(true).expect("the one start place");
        // A second start is refused, and the general place it took for a moment is free again.
        intake.admit(true).expect_err("no second start");
        assert_eq!((intake.in_flight(), intake.starting()), (1, 1));
        // Everything else still comes in.
        let other = intake.admit(false).expect("an answer is not a start");
        let third = intake.admit(false).expect("the last general place");
        // With the general places full, a start is refused there and takes no start place.
        drop(start);
        let fourth = intake.admit(false).expect("the place the start freed");
        intake.admit(true).expect_err("no general place left");
        assert_eq!((intake.in_flight(), intake.starting()), (3, 0));
        drop((other, third, fourth));
        let _again = intake
            .admit(true)
            .expect("a freed start place is taken again");
        assert_eq!(intake.refused(), 2);
    }

    #[tokio::test]
    async fn admitted_starts_run_in_turn_within_half_the_places() {
        let intake = Intake::new(8, 1);
        let admitted: Vec<_> = (0..4)
            .map(|_| intake.admit(true).expect("half the places"))
            .collect();
        intake
            .admit(true)
            .expect_err("no more than half the places are starts");
        let _answer = intake.admit(false).expect("the other half is the rest's");
        let first = intake.turn_to_start().await;
        assert_eq!(intake.starts_running(), 1);
        let second = intake.turn_to_start();
        tokio::pin!(second);
        assert!(
            futures_util::poll!(&mut second).is_pending(),
            "one start runs at a time"
        );
        drop(first);
        assert!(second.await.is_some(), "the next takes its turn");
        assert_eq!(intake.starting(), 4);
        drop(admitted);
        assert_eq!(intake.starting(), 0);
    }

    #[test]
    fn turns_to_start_are_booked_at_twice_the_rate_measured() {
        // Room for everything but one more start.
        let intake = Intake::new(100, 1);
        let _held: Vec<Places<'_>> = (0..50)
            .map(|_| intake.admit(true).expect("a start's place"))
            .collect();
        // Eleven starts completed over the last two seconds: five a second (whole turns),
        // booked at ten a second.
        intake.starts.completed.store(11, Ordering::Release);
        if let Ok(mut turns) = intake.starts.turns.lock() {
            turns.sampled_at = Instant::now() - Duration::from_secs(2);
            turns.sampled = 0;
        }
        let waits: Vec<u64> = (0..25)
            .map(|_| intake.admit(true).unwrap_err().as_secs())
            .collect();
        let in_second = |s: u64| waits.iter().filter(|&&w| w == s).count();
        assert_eq!((in_second(1), in_second(2), in_second(3)), (10, 10, 5));
    }

    #[test]
    fn a_refused_start_does_not_count_as_work_done() {
        let intake = Intake::new(1, 1);
        let held = intake.admit(false).expect("the one place");
        intake.admit(true).expect_err("full");
        drop(held);
        let _start = intake.admit(true).expect("free again");
        intake.admit(false).expect_err("full again");
        // One request completed in all: the refusals did not add to the rate turns are given at.
        assert_eq!(intake.all.completed.load(Ordering::Acquire), 1);
        assert_eq!(intake.starts.completed.load(Ordering::Acquire), 0);
    }

    #[test]
    fn a_start_is_told_from_its_path() {
        let post = Method::POST;
        assert!(starts_an_attempt(&post, "/api/v1/rounds/0193/attempts"));
        assert!(!starts_an_attempt(
            &Method::GET,
            "/api/v1/rounds/0193/attempts"
        ));
        assert!(!starts_an_attempt(&post, "/api/v1/rounds//attempts"));
        assert!(!starts_an_attempt(&post, "/api/v1/rounds/a/b/attempts"));
        assert!(!starts_an_attempt(&post, "/api/v1/attempts/0193/finish"));
        assert!(!starts_an_attempt(&post, "/api/v1/rounds/0193/attempts/x"));
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
