/**
 * @file Nodes in an order where every tensor is produced before it is used. ONNX requires files to
 * be sorted so, and exporters write them so; graphs edited by hand sometimes are not, and ORT
 * accepts them anyway. The order is "forward order" for blocks, so it must not depend on that.
 */
import { DiffProbeError } from '../errors';
import type { NodeInfo } from './reader';

/** The nodes topologically sorted, keeping file order wherever it already is one. */
export function topologicalOrder(nodes: readonly NodeInfo[]): readonly NodeInfo[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) if (o) producer.set(o, i);
  });
  const sorted = nodes.every((n, i) => n.inputs.every((x) => (producer.get(x) ?? -1) < i));
  if (sorted) return nodes;

  // Depth-first, inputs' producers before the node, roots in file order; iterative because U-Nets
  // are thousands of nodes deep.
  const state = new Uint8Array(nodes.length); // 0 unseen, 1 on the stack, 2 emitted
  const order: NodeInfo[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root]) continue;
    state[root] = 1;
    const stack: [node: number, nextInput: number][] = [[root, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [i, k] = top;
      if (k === nodes[i].inputs.length) {
        state[i] = 2;
        order.push(nodes[i]);
        stack.pop();
        continue;
      }
      top[1]++;
      const p = producer.get(nodes[i].inputs[k]);
      if (p === undefined || p === i || state[p] === 2) continue;
      if (state[p] === 1)
        throw new DiffProbeError(
          'model-corrupt',
          `the graph has a cycle through tensor ${JSON.stringify(nodes[i].inputs[k])}`,
        );
      state[p] = 1;
      stack.push([p, 0]);
    }
  }
  return order;
}
