//! The run's memory meter: real bytes, counted where they are allocated.
//!
//! Starlark's own heap limit counts only the Starlark heap (not a `String`
//! a builtin returns, nor a `Vec` under construction) and is looked at
//! every thousand ticks, so a Tiltfile doubling a string reaches gigabytes
//! between two looks. [`Counting`] wraps the program's global allocator
//! and keeps, per thread, the bytes allocated minus freed: the run (one
//! thread, see `lib.rs`) measures what its thread holds from its start,
//! before every statement (`eval::limits`).
//!
//! Why the allocator lives here rather than in the binary behind a hook:
//! the loader is what reads it, and the binary and the loader's own tests
//! install the very same wrapper (`#[global_allocator] static A:
//! Counting<MiMalloc> = Counting::new(MiMalloc, 1)`), so there is one
//! implementation and nothing to wire at run time. A program that installs
//! another allocator still gets Starlark's heap limit ([`metered`] tells).
//!
//! The count is a thread-local `Cell` (no atomic on the hot path: scan
//! allocates on every core) with a `const` initializer and no destructor,
//! so reading it never allocates and works until the thread's very end.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::io::Write;

struct Thread {
    /// Bytes allocated minus bytes freed by this thread (realloc counts the
    /// difference). Negative when it frees what other threads allocated.
    held: Cell<isize>,
    /// `held` no request may take this thread past: set while a run
    /// evaluates ([`Ceiling`]); `isize::MAX` otherwise.
    ceiling: Cell<isize>,
    /// For the message when the ceiling refuses: `held` when the run
    /// began, and the run's cap in MiB.
    base: Cell<isize>,
    cap_mib: Cell<usize>,
}

thread_local! {
    static THREAD: Thread = const {
        Thread {
            held: Cell::new(0),
            ceiling: Cell::new(isize::MAX),
            base: Cell::new(0),
            cap_mib: Cell::new(0),
        }
    };
}

/// A global allocator that counts, per thread, what it hands out.
pub struct Counting<A> {
    inner: A,
    /// The exit code when the ceiling refuses a request: an allocator may
    /// not unwind and a null return aborts the process, so it ends the
    /// process itself, with the code the program gives a failed Tiltfile.
    exit_code: i32,
}

impl<A> Counting<A> {
    pub const fn new(inner: A, exit_code: i32) -> Self {
        Counting { inner, exit_code }
    }

    /// Counts `bytes` more for this thread, unless that takes it past its
    /// ceiling.
    #[inline]
    fn take(&self, bytes: usize) {
        let _ = THREAD.try_with(|t| {
            let held = t.held.get().saturating_add(bytes as isize);
            if held > t.ceiling.get() {
                self.refuse(t, bytes);
            }
            t.held.set(held);
        });
    }

    #[inline]
    fn give(bytes: usize) {
        let _ = THREAD.try_with(|t| t.held.set(t.held.get().saturating_sub(bytes as isize)));
    }

    /// One operation of the Tiltfile took the thread past its ceiling
    /// (`'x' * 2000000000`): say so on stderr and exit. The message is
    /// formatted on the stack; the ceiling is lifted first, so whatever
    /// `exit` itself allocates is served.
    #[cold]
    fn refuse(&self, t: &Thread, bytes: usize) -> ! {
        t.ceiling.set(isize::MAX);
        let mut buf = [0u8; 256];
        let len = {
            let mut w = &mut buf[..];
            let _ = writeln!(
                w,
                "tilt-img: stopped the Tiltfile: one operation asked for {bytes} bytes with {} MiB in use, beyond what its memory cap allows ({} MiB, --max-memory)",
                (t.held.get() - t.base.get()).max(0) >> 20,
                t.cap_mib.get()
            );
            256 - w.len()
        };
        let _ = std::io::stderr().write_all(&buf[..len]);
        std::process::exit(self.exit_code)
    }
}

// SAFETY: every call is forwarded to `inner` unchanged; only a count is
// kept beside it.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.take(layout.size());
        let p = unsafe { self.inner.alloc(layout) };
        if p.is_null() {
            Self::give(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.take(layout.size());
        let p = unsafe { self.inner.alloc_zeroed(layout) };
        if p.is_null() {
            Self::give(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { self.inner.dealloc(ptr, layout) };
        Self::give(layout.size());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old {
            self.take(new_size - old);
        }
        let p = unsafe { self.inner.realloc(ptr, layout, new_size) };
        match (p.is_null(), new_size > old) {
            // Failed: the old block stays.
            (true, true) => Self::give(new_size - old),
            (true, false) => {}
            (false, true) => {}
            (false, false) => Self::give(old - new_size),
        }
        p
    }
}

/// Bytes the calling thread holds: allocated minus freed, since it began.
pub fn held() -> isize {
    THREAD.try_with(|t| t.held.get()).unwrap_or(0)
}

/// Whether the global allocator is [`Counting`]: a kilobyte allocated here
/// shows in [`held`].
pub fn metered() -> bool {
    let before = held();
    let probe = std::hint::black_box(Vec::<u8>::with_capacity(1024));
    let counted = held() - before >= 1024;
    drop(probe);
    counted
}

/// While alive, no request takes the calling thread's [`held`] past `at`
/// (the run began at `base`, with a cap of `cap_mib`); dropping it lifts
/// the ceiling.
pub struct Ceiling(());

impl Ceiling {
    pub fn arm(base: isize, at: isize, cap_mib: usize) -> Ceiling {
        let _ = THREAD.try_with(|t| {
            t.ceiling.set(at);
            t.base.set(base);
            t.cap_mib.set(cap_mib);
        });
        Ceiling(())
    }
}

impl Drop for Ceiling {
    fn drop(&mut self) {
        let _ = THREAD.try_with(|t| t.ceiling.set(isize::MAX));
    }
}
