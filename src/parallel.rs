//! Work spread over the machine's cores, for the few places where berth has enough of it to
//! notice: parsing the templates, rendering a plan's files, reading and parsing the files an
//! audit found. Plain scoped threads from the standard library (no pool to start, nothing
//! left running); the calling thread works too, results come back in input order, and with
//! one core or one item nothing is spawned at all. A panic on a worker is resumed on the
//! caller, as if the work had run there.

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many threads to use for `jobs` pieces of work: one per core, at most 8, never more
/// than there are pieces.
pub(crate) fn threads(jobs: usize) -> usize {
    // Asked once: the standard library reads the cgroup's CPU quota from /proc and /sys on
    // every call.
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from));
    cores.clamp(1, 8).min(jobs.max(1))
}

/// `f` applied to every item, items handed out one at a time to whichever thread is free
/// (put the largest first for the best balance); the results in the order of `items`.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_on(threads(items.len()), items, f)
}

/// `map` on exactly `threads` threads (the tests ask for two whatever the machine has).
fn map_on<T: Sync, R: Send>(threads: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    // Each thread keeps the counter's value with its result; sorting on it restores order.
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            done.push((i, f(item)));
        }
        done
    };
    let mut all = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut all = work();
        for handle in handles {
            all.extend(
                handle
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            );
        }
        all
    });
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// `f` applied to contiguous chunks of `items`, one chunk per thread, for work that keeps
/// state from one item to the next (a render context built once per chunk); the results in
/// the order of the chunks.
pub(crate) fn map_chunks<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let chunk = items.len().div_ceil(threads(items.len())).max(1);
    let chunks: Vec<&[T]> = items.chunks(chunk).collect();
    map(&chunks, |part| f(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_input_order() {
        // Every item waits for one item on the other thread: the threads take turns, so each
        // one's results interleave with the others' and only the sort puts them back in order.
        let items: Vec<u64> = (0..64).collect();
        let turns = std::sync::Barrier::new(2);
        let squares = map_on(2, &items, |&n| {
            turns.wait();
            n * n
        });
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
    }

    #[test]
    fn chunks_cover_every_item_once_in_order() {
        let items: Vec<u32> = (0..101).collect();
        let parts = map_chunks(&items, <[u32]>::to_vec);
        assert_eq!(parts.concat(), items);
        assert!(
            parts.len() <= threads(items.len()),
            "one chunk per thread at most"
        );
        assert!(
            parts.iter().all(|p| !p.is_empty()),
            "no empty chunk: {parts:?}"
        );
        // No items: no chunk, and `f` is never called.
        let calls = AtomicUsize::new(0);
        let none = map_chunks(&[] as &[u32], |part| {
            calls.fetch_add(1, Ordering::Relaxed);
            part.len()
        });
        assert_eq!((none, calls.into_inner()), (Vec::new(), 0));
    }

    #[test]
    fn a_panic_on_a_worker_reaches_the_caller() {
        // The caller's first item waits until a worker has taken one; every worker panics.
        let caller = std::thread::current().id();
        let worker_ran = std::sync::atomic::AtomicBool::new(false);
        let caught = std::panic::catch_unwind(|| {
            map_on(2, &[0u32, 1, 2, 3], |_| {
                if std::thread::current().id() != caller {
                    worker_ran.store(true, Ordering::SeqCst);
                    panic!("a worker fails");
                }
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
                while !worker_ran.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                    std::thread::yield_now();
                }
            });
        });
        assert!(worker_ran.load(Ordering::SeqCst), "no worker took an item");
        assert!(caught.is_err(), "the worker's panic was lost");
    }
}
