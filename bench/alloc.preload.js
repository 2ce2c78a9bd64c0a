/**
 * Preloaded into every process of a target (NODE_OPTIONS=--require=…, so a supervisor's
 * children load it too): counts the bytes this process allocated on V8's heap since it
 * started. V8's heap only grows by allocation and only shrinks by GC, so
 *   allocated = Σ over GCs (used before this GC − used after the previous one) + (used now − used after the last)
 * with "used" being V8's used_heap_size, read before and after every GC by v8.GCProfiler.
 * Off-heap memory (Buffers' backing stores) is not counted.
 *
 * On SIGUSR2 it writes {token, bytes} to $BENCH_ALLOC_DIR/<pid>, with the token the bench
 * wrote to $BENCH_ALLOC_DIR/token before signalling, so the bench knows the answer is fresh
 * (a signal that arrives twice only writes the same answer again). At start it writes a file
 * with an empty token: the bench signals only processes that have one, since SIGUSR2 ends a
 * process that does not listen for it. Plain JavaScript, so the service runs as built.
 */
'use strict';
const { GCProfiler, getHeapStatistics } = require('node:v8');
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_ALLOC_DIR;
if (dir) {
  let total = 0;
  let profiler;
  let usedAtStart = 0;

  const begin = () => {
    usedAtStart = getHeapStatistics().used_heap_size;
    profiler = new GCProfiler();
    profiler.start();
  };

  /** Bytes allocated since begin(), from the GCs' before and after figures. */
  const end = () => {
    let previous = usedAtStart;
    let bytes = 0;
    for (const { beforeGC, afterGC } of profiler.stop().statistics) {
      bytes += beforeGC.heapStatistics.usedHeapSize - previous;
      previous = afterGC.heapStatistics.usedHeapSize;
    }
    return bytes + getHeapStatistics().used_heap_size - previous;
  };

  const answer = (token) => {
    const file = join(dir, String(process.pid));
    writeFileSync(`${file}.part`, JSON.stringify({ token, bytes: total }));
    renameSync(`${file}.part`, file);
  };

  begin();
  answer('');
  // A signal listener does not keep the process alive.
  process.on('SIGUSR2', () => {
    // Restarted at every reading, so the profiler never holds more than one window's GCs.
    total += end();
    begin();
    answer(readFileSync(join(dir, 'token'), 'utf8'));
  });
}
