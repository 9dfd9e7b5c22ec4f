//! When to tell a refused password check to come back.
//!
//! A sign-in storm is a crowd much larger than the hashing queue. Told only how long the queue
//! takes to drain (a second or two), every refused phone came back every couple of seconds:
//! 5,000 people waiting made about 1,200 refused requests a second for a server that makes 40
//! to 80 hashes a second, and the refusals took time from the hashes. So each refusal books a
//! second in the coming minutes that still has room at the rate hashes are made, and the phone
//! is told to come back then: the crowd returns about as fast as it can be served, in turn.
//!
//! The server's intake (the `intake` module) books the requests it refuses the same way, at the
//! rate requests complete (starts at twice it: they complete faster once their crowd has
//! passed).
//!
//! The book is per instance and in memory; it only spreads the returns, so a booking that is
//! never used (the phone gave up) costs nothing but a place in one second.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How far ahead a refusal may be booked. Past it, the last second takes everyone: a crowd that
/// large waits its five minutes and then competes again.
pub const HORIZON: Duration = Duration::from_secs(300);

/// Bookings per coming second.
#[derive(Debug)]
pub struct Appointments {
    /// The moment second 0 began.
    epoch: Instant,
    /// The second `slots[0]` counts, since `epoch`.
    first: u64,
    /// Bookings per second from `first` on.
    slots: VecDeque<u32>,
}

impl Appointments {
    /// An empty book whose seconds count from `epoch`.
    pub fn new(epoch: Instant) -> Self {
        Self {
            epoch,
            first: 0,
            slots: VecDeque::new(),
        }
    }

    /// Books the first second at least `earliest` (and at least one second) after `now` that
    /// has fewer than `per_second` bookings, and says how long from now it begins.
    pub fn book(&mut self, now: Instant, earliest: Duration, per_second: u32) -> Duration {
        let per_second = per_second.max(1);
        let current = now.saturating_duration_since(self.epoch).as_secs();
        // Seconds that have passed are forgotten.
        while self.first < current && self.slots.pop_front().is_some() {
            self.first += 1;
        }
        self.first = self.first.max(current);
        let from = current + earliest.as_secs().max(1);
        let last = current + HORIZON.as_secs();
        let mut second = from;
        loop {
            let index = usize::try_from(second - self.first).unwrap_or(usize::MAX);
            if self.slots.len() <= index {
                self.slots.resize(index + 1, 0);
            }
            if self.slots[index] < per_second || second >= last {
                self.slots[index] = self.slots[index].saturating_add(1);
                return Duration::from_secs(second - current);
            }
            second += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crowd_refused_at_once_is_spread_at_the_given_rate() {
        let epoch = Instant::now();
        let mut book = Appointments::new(epoch);
        let waits: Vec<u64> = (0..1_000)
            .map(|_| book.book(epoch, Duration::ZERO, 50).as_secs())
            .collect();
        for second in 1..=20 {
            let booked = waits.iter().filter(|w| **w == second).count();
            assert_eq!(booked, 50, "second {second}");
        }
        assert_eq!(waits.iter().max(), Some(&20));
    }

    #[test]
    fn the_queue_ahead_is_waited_out_first() {
        let epoch = Instant::now();
        let mut book = Appointments::new(epoch);
        assert_eq!(
            book.book(epoch, Duration::from_millis(3_500), 10),
            Duration::from_secs(3)
        );
        assert_eq!(book.book(epoch, Duration::ZERO, 10), Duration::from_secs(1));
    }

    #[test]
    fn passed_seconds_are_forgotten_and_later_ones_kept() {
        let epoch = Instant::now();
        let mut book = Appointments::new(epoch);
        for _ in 0..30 {
            book.book(epoch, Duration::ZERO, 10);
        }
        // Seconds 1–3 are full. Two seconds later, second 3 is one second away and still full;
        // seconds 1 and 2 are gone.
        let later = epoch + Duration::from_secs(2);
        assert_eq!(book.book(later, Duration::ZERO, 10), Duration::from_secs(2));
        assert!(book.slots.len() <= 3, "{:?}", book.slots);
    }

    #[test]
    fn beyond_the_horizon_the_last_second_takes_everyone() {
        let epoch = Instant::now();
        let mut book = Appointments::new(epoch);
        let waits: Vec<Duration> = (0..400)
            .map(|_| book.book(epoch, Duration::ZERO, 1))
            .collect();
        assert_eq!(waits.iter().max(), Some(&HORIZON));
        assert_eq!(waits.iter().filter(|w| **w == HORIZON).count(), 101);
    }
}
