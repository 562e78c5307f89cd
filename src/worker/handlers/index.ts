/** Every job the worker understands, by name (see ../jobs.ts for their types). */

import { featureCache } from '../cache/shared';
import type { Handlers } from '../dispatch';
import { cka } from './cka';
import { checkDenoising } from './denoising-check';
import { embed, resumeEmbedding } from './embed';
import { environment, prepareWasm } from './environment';
import { extractFeatures } from './extract';
import { simulateFault } from './faults';
import { generate } from './generate';
import { extractGrams } from './grams';
import { applyHead, trainHead } from './head';
import { loadModel } from './load-model';
import { discoverBlocks, exportModel } from './model-tools';
import { applyProbe, trainProbe } from './probe';
import { forward } from './run-model';

export const handlers: Handlers = {
  environment: (params) => {
    if (params.prepare) prepareWasm(params.prepare);
    return environment();
  },
  loadModel,
  discoverBlocks,
  exportModel: () => exportModel(),
  forward,
  extractFeatures,
  simulateFault,
  generate,
  denoisingCheck: checkDenoising,
  trainProbe,
  applyProbe: (params) => applyProbe(params),
  trainHead: (params, ctx) => trainHead(params, ctx),
  applyHead: (params) => applyHead(params),
  embed,
  resumeEmbedding,
  extractGrams,
  cka,
  cacheStats: async () => (await featureCache())?.stats() ?? null,
  clearCache: async () => {
    const cache = await featureCache();
    await cache?.clear();
    return cache?.stats() ?? null;
  },
};
