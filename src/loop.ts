/**
 * Keeps Node's event loop alive while `work` runs, and resolves or rejects as it does.
 *
 * Work that no libuv handle stands for (compiling a WebAssembly module runs on V8's worker threads) lets
 * the loop run empty. Node 20 then waits for its worker tasks in `NodePlatform::DrainTasks`; when one of
 * them, a concurrent compile job, needs a garbage collection at that moment, it waits for the main thread
 * and the main thread waits for it, for ever (nodejs/node#54918, fixed in later Node lines by
 * nodejs/node#61963). Seen here: a process loading the FFT's WebAssembly hung with its main thread in
 * `DrainTasks` and a worker in `CollectionBarrier::AwaitCollectionBackground` (gdb), 2 runs in ~1 000 under
 * load. With a timer pending the loop never runs empty, so the drain is never entered.
 */
export async function whileLoopAlive<T>(work: Promise<T>): Promise<T> {
  const alive = setInterval(() => undefined, 60_000);
  try {
    return await work;
  } finally {
    clearInterval(alive);
  }
}
