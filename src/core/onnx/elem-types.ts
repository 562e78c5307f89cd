/**
 * @file The element type of every tensor in a graph, from the few facts the file states (graph
 * inputs, initializers, Constant nodes, value_info) and each op's typing rule.
 *
 * Needed because a tensor made a graph output must be declared with its real element type (ORT
 * rejects a mismatch), and exported models rarely carry value_info for their intermediate tensors.
 * The rules are the ONNX operator specs' type constraints for the ops that change type; every other
 * op's outputs take the type of its first typed input, which is right for the arithmetic, shape and
 * layout ops a U-Net is made of. Tensors left unknown (subgraph ops, ops of unknown domains whose
 * inputs are untyped) get no entry.
 */
import { ElemType, type NodeInfo, type OnnxModelInfo } from './reader';
import { topologicalOrder } from './topology';

const BOOL_OPS = new Set([
  'Equal',
  'Less',
  'Greater',
  'LessOrEqual',
  'GreaterOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'IsNaN',
  'IsInf',
]);
const INT64_OPS = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin', 'NonMaxSuppression']);
const INT32_OPS = new Set(['MatMulInteger', 'ConvInteger']);
/** Ops whose type comes from a `dtype` attribute (default float), or from input 0 for the *Like ones. */
const DTYPE_OPS = new Set([
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'EyeLike',
]);

function attrInt(node: NodeInfo, name: string): number | undefined {
  const a = node.attributes.get(name);
  return a?.type === 'int' ? a.value : undefined;
}

/** Element types of the node's outputs, in order; undefined where unknown. */
function outputTypes(node: NodeInfo, typeOf: (name: string) => number | undefined): (number | undefined)[] {
  const first = node.inputs.map(typeOf).find((t) => t !== undefined);
  const all = (t: number | undefined) => node.outputs.map(() => t);
  if (node.domain !== '' && node.domain !== 'ai.onnx' && node.domain !== 'com.microsoft') return all(first);
  const op = node.opType;
  if (op === 'Constant') {
    const attr = [...node.attributes.values()][0];
    if (attr?.type === 'tensor') return all(attr.elemType);
    if (attr?.type === 'float' || attr?.type === 'floats') return all(ElemType.FLOAT);
    if (attr?.type === 'int' || attr?.type === 'ints') return all(ElemType.INT64);
    if (attr?.type === 'string' || attr?.type === 'strings') return all(ElemType.STRING);
    return all(undefined);
  }
  if (op === 'Cast') return all(attrInt(node, 'to'));
  if (op === 'CastLike') return all(typeOf(node.inputs[1]));
  if (BOOL_OPS.has(op)) return all(ElemType.BOOL);
  if (INT64_OPS.has(op)) return all(ElemType.INT64);
  if (INT32_OPS.has(op)) return all(ElemType.INT32);
  if (op === 'ConstantOfShape') {
    const value = node.attributes.get('value');
    return all(value?.type === 'tensor' ? value.elemType : ElemType.FLOAT);
  }
  if (DTYPE_OPS.has(op)) {
    const fallback = op.endsWith('Like') ? typeOf(node.inputs[0]) : ElemType.FLOAT;
    return all(attrInt(node, 'dtype') ?? fallback);
  }
  if (op === 'Where') return all(typeOf(node.inputs[1]) ?? typeOf(node.inputs[2]));
  if (op === 'TopK') return [typeOf(node.inputs[0]), ElemType.INT64];
  if (op === 'Unique') return [typeOf(node.inputs[0]), ElemType.INT64, ElemType.INT64, ElemType.INT64];
  if (op === 'MaxPool') return [typeOf(node.inputs[0]), ElemType.INT64];
  if (op === 'QuantizeLinear') return all(typeOf(node.inputs[2]) ?? ElemType.UINT8);
  if (op === 'DequantizeLinear') return all(typeOf(node.inputs[1]));
  if (op === 'DynamicQuantizeLinear') return [ElemType.UINT8, ElemType.FLOAT, ElemType.UINT8];
  // Ops with subgraphs type their outputs from the subgraph: not read here.
  if (op === 'If' || op === 'Loop' || op === 'Scan') return all(undefined);
  return all(first);
}

/** Element type (ElemType code) of every tensor whose type could be determined. */
export function inferElemTypes(info: OnnxModelInfo): Map<string, number> {
  const types = new Map<string, number>();
  for (const v of [...info.inputs, ...info.valueInfo, ...info.outputs])
    if (v.elemType) types.set(v.name, v.elemType);
  for (const t of info.initializers) if (t.elemType) types.set(t.name, t.elemType);
  const typeOf = (name: string) => (name ? types.get(name) : undefined);
  for (const node of topologicalOrder(info.nodes)) {
    const inferred = outputTypes(node, typeOf);
    node.outputs.forEach((name, i) => {
      const t = inferred[i];
      // A type the file states wins over the rule.
      if (name && t !== undefined && !types.has(name)) types.set(name, t);
    });
  }
  return types;
}
