/** Test helper for the bench's profile readers: a V8 CPU profile built from call stacks. */
import { CpuProfile } from './cpu-layers';

export const NM = 'file:///app/node_modules';

/** A profile from call stacks (outermost first, frames as `name|url`), each sampled for the given µs. */
export function profileOf(stacks: [string[], number][]): CpuProfile {
  const nodes: CpuProfile['nodes'] = [{ id: 1, callFrame: { functionName: '(root)', url: '' } }];
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  for (const [stack, us] of stacks) {
    let parent = nodes[0];
    for (const frame of stack) {
      const [functionName, url = ''] = frame.split('|');
      const node = { id: nodes.length + 1, callFrame: { functionName, url } };
      (parent.children ??= []).push(node.id);
      nodes.push(node);
      parent = node;
    }
    samples.push(parent.id);
    timeDeltas.push(us);
  }
  return { nodes, samples, timeDeltas };
}
