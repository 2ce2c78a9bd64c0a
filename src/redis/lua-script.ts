import Redis, { ChainableCommander } from 'ioredis';

type ScriptArg = string | number;

/** A Lua script registered on a client: sent as EVALSHA, auto-pipelined like any command. */
export interface LuaScript {
  run<T = unknown>(...args: ScriptArg[]): Promise<T>;
  /** Queues the call on a MULTI being built (exec() runs it). */
  addTo(multi: ChainableCommander, ...args: ScriptArg[]): void;
}

type ScriptCommands = Record<string, (...args: ScriptArg[]) => unknown>;

/** `numberOfKeys` leading arguments are keys, the rest ARGV. */
export function defineScript(
  client: Redis,
  name: string,
  numberOfKeys: number,
  lua: string,
): LuaScript {
  client.defineCommand(name, { numberOfKeys, lua });
  const commands = (target: Redis | ChainableCommander): ScriptCommands =>
    target as unknown as ScriptCommands;
  return {
    run: <T>(...args: ScriptArg[]) => commands(client)[name](...args) as Promise<T>,
    addTo: (multi, ...args) => void commands(multi)[name](...args),
  };
}
