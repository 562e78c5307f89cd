import { describe, expect, it } from 'vitest';
import type { BlockCandidate, GraphOp } from '../../worker/jobs';
import { graphLabel, groupOps, layoutCandidateGraph, MAX_GROUPS, OPS_H, TENSOR_H } from './graph-layout';

const ops = (...types: string[]): GraphOp[] => types.map((op, i) => ({ node: `/n${i}/${op}`, op }));

function candidate(name: string, from: string | null, path: GraphOp[]): BlockCandidate {
  return {
    name,
    output: `${name}_output_0`,
    stage: 'down',
    level: 0,
    resolution: [8, 8],
    channels: 4,
    reasons: ['stage-end'],
    preselected: false,
    path: { from, ops: path, truncated: false },
  };
}

describe('groupOps', () => {
  it('folds torch’s GroupNorm and SiLU exports into one box each, and names the kinds', () => {
    const groups = groupOps(
      ops('Reshape', 'InstanceNormalization', 'Reshape', 'Mul', 'Add', 'Sigmoid', 'Mul', 'Conv'),
    );
    expect(groups.map((g) => [g.label, g.kind, g.nodes.length])).toEqual([
      ['GroupNorm', 'norm', 5],
      ['SiLU', 'act', 2],
      ['Conv', 'conv', 1],
    ]);
    expect(groupOps(ops('Mul', 'Sigmoid', 'Resize', 'Transpose')).map((g) => [g.label, g.kind])).toEqual([
      ['Mul', 'other'],
      ['Sigmoid', 'act'],
      ['Resize', 'resample'],
      ['Transpose', 'other'],
    ]);
  });
});

describe('layoutCandidateGraph', () => {
  const rows = [
    candidate('/enc1/Relu_1', null, ops('Conv', 'Relu', 'Conv', 'Relu')),
    candidate('/enc2/Relu_1', '/enc1/Relu_1', ops('MaxPool', 'Conv', 'Relu', 'Conv', 'Relu')),
    candidate('/mid/Relu_1', '/enc2/Relu_1', ops('MaxPool', 'Conv', 'Relu')),
    candidate('/dec1/Relu_1', '/mid/Relu_1', [
      { node: '/up1/ConvTranspose', op: 'ConvTranspose' },
      { node: '/dec1/Concat', op: 'Concat' },
      ...ops('Conv', 'Relu'),
    ]),
    candidate('/dec2/Relu_1', '/enc2/Relu_1', [
      { node: '/up2/ConvTranspose', op: 'ConvTranspose' },
      { node: '/dec2/Concat', op: 'Concat' },
      ...ops('Conv', 'Relu'),
    ]),
  ];
  const skips = [
    { from: '/enc2/Relu_1', concat: '/dec1/Concat', position: 30 },
    { from: '/enc1/Relu_1', concat: '/dec2/Concat', position: 40 },
  ];
  const layout = layoutCandidateGraph(rows, skips);

  it('puts each candidate below the ops that lead to it, in forward order', () => {
    const ys = layout.rows.flatMap((r) => [r.opsY, r.tensorY]);
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
    for (const r of layout.rows) expect(r.tensorY).toBeGreaterThanOrEqual(r.opsY + OPS_H);
    expect(layout.height).toBeGreaterThanOrEqual(layout.rows[4].tensorY + TENSOR_H);
    // A path that does not start at the row above says where it does.
    expect(layout.rows.map((r) => r.after)).toEqual([null, null, null, null, '/enc2/Relu_1']);
  });

  it('draws the skips from the encoder tensor to the ops row of its Concat, nested in lanes', () => {
    expect(layout.arcs.map((a) => [a.from, a.lane])).toEqual([
      ['/enc2/Relu_1', 0],
      ['/enc1/Relu_1', 1],
    ]);
    const [inner, outer] = layout.arcs;
    expect(inner.y1).toBe(layout.rows[1].tensorY + TENSOR_H / 2);
    expect(inner.y2).toBe(layout.rows[3].opsY + OPS_H / 2);
    expect(outer.y1).toBeLessThan(inner.y1);
    expect(outer.y2).toBeGreaterThan(inner.y2);
    expect(layout.gutter).toBeGreaterThan(0);
    // A skip whose Concat no row shows is left out, not drawn to nowhere.
    expect(layoutCandidateGraph(rows, [{ from: '/enc1/Relu_1', concat: '/nope', position: 1 }]).arcs).toEqual(
      [],
    );
  });

  it('keeps the first and last boxes of a long path and counts the ops folded between', () => {
    const long = candidate('/x', null, ops(...Array.from({ length: 20 }, () => 'Conv')));
    const [row] = layoutCandidateGraph([long]).rows;
    expect(row.ops).toHaveLength(MAX_GROUPS);
    expect(row.hiddenOps).toBe(20 - MAX_GROUPS);
    expect(row.ops[0].nodes[0].node).toBe('/n0/Conv');
    expect(row.ops[row.foldAt].nodes[0].node).toBe(`/n${20 - MAX_GROUPS + row.foldAt}/Conv`);
    expect(row.ops.at(-1)!.nodes[0].node).toBe('/n19/Conv');
    expect(layoutCandidateGraph([candidate('/y', null, ops('Conv'))]).rows[0].hiddenOps).toBe(0);
  });
});

describe('graphLabel', () => {
  it('drops torch’s repeated scope, keeps the end of a long name', () => {
    expect(graphLabel('/input_blocks.1/input_blocks.1.0/Add_1')).toBe('/input_blocks.1.0/Add_1');
    expect(graphLabel('/b4/b4.1/Mul_1')).toBe('/b4.1/Mul_1');
    expect(graphLabel('/up2/ConvTranspose')).toBe('/up2/ConvTranspose');
    expect(graphLabel('/output_blocks.11/output_blocks.11.1/Reshape_1', 20)).toBe('…ocks.11.1/Reshape_1');
    expect(graphLabel('/output_blocks.11/output_blocks.11.1/Reshape_1', 20).length).toBe(20);
  });
});
