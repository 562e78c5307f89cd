import { it, expect } from 'vitest';
import { nodeTf } from '../../engine/tf-node';
it('tf', async () => {
  const tf = await nodeTf();
  expect(tf.getBackend()).toBe('wasm');
  const a = tf.tensor([[1, 2], [3, 4]]);
  const g = tf.grad((x) => tf.sum(tf.matMul(x as never, x as never, false, true)))(a);
  expect(Array.from(g.dataSync())).toEqual([8, 12, 8, 12]);
});
