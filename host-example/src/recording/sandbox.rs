//! The wall clock and random source of a store under a recording: they
//! keep what the component read (recording) or hand it the same again
//! (replay), so that "5 minutes ago" and a random trace id make the same
//! URLs on replay as they did when recorded.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use wasmtime_wasi::HostWallClock;

use super::Recording;

/// What one store took from the sandbox, in order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct StoreTape {
    /// Each `wasi:clocks/wall-clock.now` reading, RFC 3339 with nanoseconds.
    pub(crate) wall_clock: Vec<String>,
    /// The bytes of `wasi:random/random`, base64.
    pub(crate) random: String,
    #[serde(skip)]
    next_reading: usize,
    #[serde(skip)]
    next_random_byte: usize,
}

fn system_now() -> Duration {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
}

fn to_text(since_epoch: Duration) -> String {
    let nanos = i128::try_from(since_epoch.as_nanos()).unwrap_or(i128::MAX);
    jiff::Timestamp::from_nanosecond(nanos)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn from_text(text: &str) -> Option<Duration> {
    let time: jiff::Timestamp = text.parse().ok()?;
    let nanos = u64::try_from(time.as_nanosecond()).ok()?;
    Some(Duration::from_nanos(nanos))
}

/// The wall clock of store `store` of a recording.
pub(crate) struct RecordedWallClock {
    pub(crate) recording: Recording,
    pub(crate) store: usize,
}

impl HostWallClock for RecordedWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }

    /// Recording: the real time, kept. Replay: the next reading kept, or
    /// the last one once they run out (a call that reads the clock more
    /// often than it did when recorded still sees the recorded time); a
    /// store the recording does not have gets the real time, and its
    /// requests will not be found.
    fn now(&self) -> Duration {
        if !self.recording.is_replay() {
            let now = system_now();
            self.recording
                .with_store(self.store, |tape| tape.wall_clock.push(to_text(now)));
            return now;
        }
        self.recording
            .with_store(self.store, |tape| {
                let text = tape
                    .wall_clock
                    .get(tape.next_reading)
                    .or(tape.wall_clock.last())?;
                tape.next_reading += 1;
                from_text(text)
            })
            .flatten()
            .unwrap_or_else(system_now)
    }
}

/// The random source of store `store` of a recording.
pub(crate) struct RecordedRandom {
    pub(crate) recording: Recording,
    pub(crate) store: usize,
}

impl RecordedRandom {
    fn fill(&mut self, dest: &mut [u8]) {
        let engine = base64::engine::general_purpose::STANDARD;
        if !self.recording.is_replay() {
            fresh(dest);
            self.recording.with_store(self.store, |tape| {
                let mut bytes = engine.decode(&tape.random).unwrap_or_default();
                bytes.extend_from_slice(dest);
                tape.random = engine.encode(bytes);
            });
            return;
        }
        let replayed = self.recording.with_store(self.store, |tape| {
            let bytes = engine.decode(&tape.random).unwrap_or_default();
            let from = tape.next_random_byte;
            let kept = bytes.get(from..from + dest.len())?;
            dest.copy_from_slice(kept);
            tape.next_random_byte += dest.len();
            Some(())
        });
        if replayed.flatten().is_none() {
            fresh(dest);
        }
    }
}

/// Bytes from the operating system, as wasmtime's default source gives.
fn fresh(dest: &mut [u8]) {
    if getrandom::fill(dest).is_err() {
        // The OS source does not fail on Linux; a zero-filled buffer is
        // still a valid answer for the component.
        dest.fill(0);
    }
}

impl rand_core::TryRng for RecordedRandom {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0; 4];
        self.fill(&mut bytes);
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0; 8];
        self.fill(&mut bytes);
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.fill(dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_readings_keep_their_nanoseconds() {
        let at = Duration::new(1_790_000_000, 123_456_789);
        assert_eq!(from_text(&to_text(at)), Some(at));
    }
}
