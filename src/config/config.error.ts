/** Thrown for a bad environment; main prints its one-line message and exits 1. */
export class ConfigError extends Error {}
