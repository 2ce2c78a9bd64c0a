/**
 * Preloaded (`node -r`) into a server under bench/profile.ts: the first SIGUSR2 starts V8's
 * CPU profiler, the second stops it and writes the profile to $CPU_PROFILE_PATH (written
 * to a temporary name first, so a reader never sees half a file). Unlike --cpu-prof, this
 * leaves out the boot and the warm-up. Plain JavaScript, so the service runs as built.
 */
'use strict';
const { Session } = require('node:inspector');
const { renameSync, writeFileSync } = require('node:fs');

const session = new Session();
session.connect();
let running = false;

process.on('SIGUSR2', () => {
  if (!running) {
    running = true;
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 250 }, () =>
        session.post('Profiler.start'),
      ),
    );
    return;
  }
  session.post('Profiler.stop', (error, result) => {
    if (error) throw error;
    const path = process.env.CPU_PROFILE_PATH;
    writeFileSync(`${path}.part`, JSON.stringify(result.profile));
    renameSync(`${path}.part`, path);
  });
});
