//! The network's time, estimated from service nodes' answers.
//!
//! Storage servers refuse signed requests whose timestamp is more than 60 s from their own clock
//! (406, "check your clock"), and they put their time in most answers (`t`, milliseconds). A
//! client whose own clock is off signs with `local time + offset` instead, the offset estimated
//! from (send time, receive time, server time) samples.

/// How many samples the estimate keeps (the newest ones).
pub const CLOCK_SAMPLES: usize = 16;

/// A sample whose round trip took longer than this (ms) says too little about the server's
/// time to be used.
pub const MAX_ROUND_TRIP_MS: u64 = 60_000;

/// Why a clock sample was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClockError {
    /// The answer was received before the request was sent.
    #[error("the answer arrived before the request was sent")]
    ReceivedBeforeSent,
    /// The round trip took longer than [`MAX_ROUND_TRIP_MS`].
    #[error("the round trip took longer than {MAX_ROUND_TRIP_MS} ms")]
    RoundTripTooLong,
    /// A time beyond what milliseconds since 1970 can sensibly hold (above `i64::MAX`).
    #[error("a time is out of range")]
    OutOfRange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sample {
    offset_ms: i64,
    round_trip_ms: u64,
}

/// An estimate of `server time - local time`, robust to outliers.
///
/// Each sample assumes the server read its clock half way through the round trip. The estimate
/// is the median offset of the samples with the shortest round trips (the faster half of the
/// newest [`CLOCK_SAMPLES`]), so a slow answer or a node with a wrong clock moves it little.
/// No clock is read here: every time is an argument.
///
/// ```
/// use session_protocol::storage::NetworkClock;
///
/// let mut clock = NetworkClock::new();
/// // Our clock is 5 s behind: sent at 1000, answered at 1200, the server said 6100.
/// clock.add_sample(1_000, 1_200, 6_100)?;
/// assert_eq!(clock.offset_ms(), 5_000);
/// assert_eq!(clock.now_ms(2_000), 7_000);
/// # Ok::<(), session_protocol::storage::ClockError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkClock {
    samples: [Option<Sample>; CLOCK_SAMPLES],
    next: usize,
    offset_ms: i64,
}

impl NetworkClock {
    /// A clock with no samples (offset 0).
    pub const fn new() -> Self {
        Self {
            samples: [None; CLOCK_SAMPLES],
            next: 0,
            offset_ms: 0,
        }
    }

    /// Adds a sample: the local time a request was sent, the local time its answer arrived,
    /// and the server's time in that answer. Returns the new offset.
    ///
    /// # Errors
    /// [`ClockError`] when the sample is unusable; the estimate is then unchanged.
    pub fn add_sample(
        &mut self,
        sent_ms: u64,
        received_ms: u64,
        server_ms: u64,
    ) -> Result<i64, ClockError> {
        let round_trip_ms = received_ms
            .checked_sub(sent_ms)
            .ok_or(ClockError::ReceivedBeforeSent)?;
        if round_trip_ms > MAX_ROUND_TRIP_MS {
            return Err(ClockError::RoundTripTooLong);
        }
        // The midpoint, in i64 so that the difference below cannot overflow.
        let midpoint = i64::try_from(sent_ms.saturating_add(round_trip_ms / 2))
            .map_err(|_| ClockError::OutOfRange)?;
        let server = i64::try_from(server_ms).map_err(|_| ClockError::OutOfRange)?;
        let offset_ms = server.saturating_sub(midpoint);
        if let Some(slot) = self.samples.get_mut(self.next) {
            *slot = Some(Sample {
                offset_ms,
                round_trip_ms,
            });
        }
        self.next = self.next.saturating_add(1) % CLOCK_SAMPLES;
        self.offset_ms = self.estimate();
        Ok(self.offset_ms)
    }

    /// The current estimate of `server time - local time` (ms).
    pub const fn offset_ms(&self) -> i64 {
        self.offset_ms
    }

    /// The network time for local time `local_ms`: what signed requests should carry.
    pub const fn now_ms(&self, local_ms: u64) -> u64 {
        local_ms.saturating_add_signed(self.offset_ms)
    }

    /// How many samples the estimate rests on.
    pub fn samples(&self) -> usize {
        self.samples.iter().flatten().count()
    }

    /// Forgets every sample (offset 0), e.g. after the local clock was changed.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    fn estimate(&self) -> i64 {
        let mut kept = [Sample {
            offset_ms: 0,
            round_trip_ms: 0,
        }; CLOCK_SAMPLES];
        let mut n = 0usize;
        for (slot, sample) in kept.iter_mut().zip(self.samples.iter().flatten()) {
            *slot = *sample;
            n = n.saturating_add(1);
        }
        let Some(kept) = kept.get_mut(..n) else {
            return 0;
        };
        // The faster half (at least one sample), then the median of their offsets.
        kept.sort_unstable_by_key(|s| (s.round_trip_ms, s.offset_ms));
        let fast = n.div_ceil(2);
        let Some(fast) = kept.get_mut(..fast) else {
            return 0;
        };
        fast.sort_unstable_by_key(|s| s.offset_ms);
        let mid = fast.len() / 2;
        match (
            fast.len() % 2,
            fast.get(mid),
            mid.checked_sub(1).and_then(|i| fast.get(i)),
        ) {
            (1, Some(m), _) => m.offset_ms,
            (0, Some(hi), Some(lo)) => lo.offset_ms.midpoint(hi.offset_ms),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_samples_means_no_offset() {
        let clock = NetworkClock::new();
        assert_eq!(clock.offset_ms(), 0);
        assert_eq!(clock.now_ms(123), 123);
        assert_eq!(clock.samples(), 0);
    }

    #[test]
    fn one_sample_uses_the_midpoint() {
        let mut clock = NetworkClock::new();
        assert_eq!(clock.add_sample(10_000, 10_400, 9_000), Ok(-1_200));
        assert_eq!(clock.now_ms(20_000), 18_800);
        // A negative offset never wraps below zero.
        assert_eq!(clock.now_ms(5), 0);
    }

    #[test]
    fn outliers_and_slow_answers_move_the_estimate_little() {
        let mut clock = NetworkClock::new();
        for i in 0..10u64 {
            let t = 1_000_000 + i * 1_000;
            clock.add_sample(t, t + 100, t + 50 + 2_000).unwrap();
        }
        assert_eq!(clock.offset_ms(), 2_000);
        // A node whose clock is an hour off, answering quickly, twice.
        clock
            .add_sample(2_000_000, 2_000_100, 2_000_050 + 3_600_000)
            .unwrap();
        clock
            .add_sample(2_001_000, 2_001_100, 2_001_050 + 3_600_000)
            .unwrap();
        assert_eq!(clock.offset_ms(), 2_000);
        // A slow answer whose midpoint assumption is badly off.
        clock.add_sample(3_000_000, 3_050_000, 3_000_000).unwrap();
        assert_eq!(clock.offset_ms(), 2_000);
    }

    #[test]
    fn the_window_keeps_only_the_newest_samples() {
        let mut clock = NetworkClock::new();
        for i in 0..(CLOCK_SAMPLES as u64 * 2) {
            let t = 1_000_000 + i * 1_000;
            let offset = if i < CLOCK_SAMPLES as u64 { 100 } else { 7_000 };
            clock.add_sample(t, t + 10, t + 5 + offset).unwrap();
        }
        assert_eq!(clock.samples(), CLOCK_SAMPLES);
        assert_eq!(clock.offset_ms(), 7_000);
        clock.reset();
        assert_eq!(clock, NetworkClock::new());
    }

    #[test]
    fn an_even_count_takes_the_mean_of_the_middle_two() {
        let mut clock = NetworkClock::new();
        // Four samples with equal round trips: the faster half is two, offsets 100 and 300.
        clock.add_sample(0, 10, 5 + 100).unwrap();
        clock.add_sample(0, 10, 5 + 300).unwrap();
        clock.add_sample(0, 20, 10 + 900).unwrap();
        clock.add_sample(0, 20, 10 + 900).unwrap();
        assert_eq!(clock.offset_ms(), 200);
    }

    #[test]
    fn unusable_samples_are_refused_and_change_nothing() {
        let mut clock = NetworkClock::new();
        clock.add_sample(0, 10, 1_005).unwrap();
        assert_eq!(
            clock.add_sample(10, 9, 0),
            Err(ClockError::ReceivedBeforeSent)
        );
        assert_eq!(
            clock.add_sample(0, MAX_ROUND_TRIP_MS + 1, 0),
            Err(ClockError::RoundTripTooLong)
        );
        assert_eq!(
            clock.add_sample(0, MAX_ROUND_TRIP_MS, 0).map(|_| ()),
            Ok(())
        );
        assert_eq!(
            clock.add_sample(u64::MAX - 1, u64::MAX, 0),
            Err(ClockError::OutOfRange)
        );
        assert_eq!(
            clock.add_sample(0, 0, u64::MAX),
            Err(ClockError::OutOfRange)
        );
        assert_eq!(clock.samples(), 2);
    }
}
