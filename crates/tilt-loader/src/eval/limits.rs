//! The run's memory cap, measured ([`crate::memory`]) and enforced before
//! every statement, across `load()` and `include()`: one baseline for the
//! whole run, taken when it starts.
//!
//! Enforcement points, and what each bounds:
//! - before every statement (starlark's before-statement hook): a
//!   statement starts only while the run holds at most the cap, so the
//!   overshoot is what one statement allocates (`s + s` doubles at most);
//! - starlark's cancellation check, every thousand loop iterations: a
//!   comprehension has no statements inside;
//! - the allocator's ceiling, three caps past the baseline: one
//!   operation that asks for more at once (`'x' * 2000000000`, `[0] *
//!   10**9`, which starlark allocates unchecked) ends the process with a
//!   one-line message (see [`crate::memory::Counting`]);
//! - starlark's own heap limit, kept as well (the cap itself when the
//!   program's allocator does not count).
//!
//! The hook is `Evaluator::before_stmt_for_dap`, a doc-hidden API of
//! starlark 0.14 (its debugger's, and the only way to run code before each
//! statement and stop there with an error); `starlark = "0.14"` is pinned
//! by Cargo.lock, and an upgrade has to recheck it (README, design notes).

use crate::memory;
use starlark::codemap::FileSpanRef;
use starlark::eval::{BeforeStmtFunc, BeforeStmtFuncDyn, Evaluator};
use std::cell::Cell;
use std::rc::Rc;

/// The cap unless `--max-memory` says otherwise.
pub const DEFAULT_MAX_MEMORY: usize = 1 << 30;

/// Where the allocator's ceiling sits, in caps past the baseline. Starlark's
/// arena (bumpalo) asks for twice its last chunk at a time, so a run still
/// under the cap may ask for twice the cap in one request: the ceiling sits
/// past that, and only an operation no statement check could have stopped
/// reaches it.
const CEILING_FACTOR: isize = 3;

#[derive(Clone)]
pub struct MemoryCap {
    /// Bytes the run may hold.
    pub cap: usize,
    /// [`memory::held`] of the run's thread past which it stops.
    limit: isize,
    /// Whether the program's allocator counts ([`memory::metered`]).
    metered: bool,
    /// Set once the cap stopped the run: starlark asks the cancellation
    /// check again when a module ends, and a second yes would replace the
    /// error that says where with one that does not.
    stopped: Rc<Cell<bool>>,
}

impl MemoryCap {
    /// A cap of `cap` bytes over what the calling thread holds now.
    pub fn starting_now(cap: usize) -> MemoryCap {
        let cap = cap.min(isize::MAX as usize / 4);
        MemoryCap {
            cap,
            limit: memory::held().saturating_add(cap as isize),
            metered: memory::metered(),
            stopped: Rc::default(),
        }
    }

    /// Arms the allocator's ceiling for the run's thread until dropped.
    pub fn ceiling(&self) -> memory::Ceiling {
        let base = self.limit - self.cap as isize;
        let at = base + CEILING_FACTOR * self.cap as isize;
        memory::Ceiling::arm(base, at, self.cap >> 20)
    }

    /// Whether the run holds more than the cap; the first yes stops it.
    fn stops(&self) -> bool {
        let over = !self.stopped.get() && memory::held() > self.limit;
        self.stopped.set(self.stopped.get() || over);
        over
    }

    /// The last line of the traceback when the run went over the cap.
    pub fn message(&self) -> String {
        format!(
            "Error: tilt-img stopped the Tiltfile: it uses more than {} MiB of memory (--max-memory)",
            self.cap >> 20
        )
    }

    /// Makes `eval` stop before a statement (or a thousandth loop
    /// iteration) once the run holds more than the cap. Every evaluator of
    /// the run gets it: code compiled with the hook asserts that the
    /// evaluator running it has one.
    pub fn enforce(&self, eval: &mut Evaluator) {
        eval.before_stmt_for_dap(BeforeStmtFunc::from_dyn(Box::new(self.clone())));
        let cap = self.clone();
        eval.set_check_cancelled(Box::new(move || cap.stops()));
        // Starlark's own count of its heap is kept: the cap of a program
        // whose allocator does not count; otherwise at the ceiling, as its
        // check at a module's end would replace the measured cap's error
        // (which says where) with its own.
        let factor = if self.metered {
            CEILING_FACTOR as usize
        } else {
            1
        };
        let _ = eval.set_max_heap_size(factor * self.cap.max(1));
    }
}

/// What stops the evaluation; [`MemoryCap::message`] is its text.
#[derive(Debug)]
pub struct OverCap;

impl std::fmt::Display for OverCap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("memory cap exceeded")
    }
}

impl std::error::Error for OverCap {}

impl<'e> BeforeStmtFuncDyn<'e> for MemoryCap {
    fn call<'v>(
        &mut self,
        _span: FileSpanRef,
        _continued: bool,
        _eval: &mut Evaluator<'v, '_, 'e>,
    ) -> starlark::Result<()> {
        if self.stops() {
            return Err(starlark::Error::new_other(OverCap));
        }
        Ok(())
    }
}
