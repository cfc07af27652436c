//! What one call may use: memory, CPU (wasmtime fuel) and wall-clock time.

use std::time::Duration;

use wasmtime::ResourceLimiter;

/// Per-call limits. Each call runs in a fresh store, so they hold per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// Largest linear memory the component may grow to, in bytes.
    pub memory_bytes: usize,
    /// CPU budget in wasmtime fuel units (about one per wasm instruction).
    pub fuel: u64,
    /// Wall-clock time for the whole call, waiting on the network included.
    pub deadline: Duration,
}

pub const DEFAULT_MEMORY_BYTES: usize = 256 * 1024 * 1024;
pub const DEFAULT_FUEL: u64 = 20_000_000_000;
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

impl Default for CallLimits {
    fn default() -> Self {
        CallLimits {
            memory_bytes: DEFAULT_MEMORY_BYTES,
            fuel: DEFAULT_FUEL,
            deadline: DEFAULT_DEADLINE,
        }
    }
}

/// The store's resource limiter; it remembers a refused growth so a trap
/// that follows can be reported as the memory cap it is.
pub struct MemoryCap {
    limit: usize,
    pub refused: Option<usize>,
}

impl MemoryCap {
    pub fn new(limit: usize) -> MemoryCap {
        MemoryCap {
            limit,
            refused: None,
        }
    }
}

/// Tables hold function references; no honest guest needs more.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.refused = Some(desired);
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}
