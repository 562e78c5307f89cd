/** Every job the worker understands, by name (see ../jobs.ts for their types). */
import type { Handlers } from '../dispatch';
import { environment } from './environment';
import { loadModel } from './load-model';
import { extractFeatures, forward } from './run-model';

export const handlers: Handlers = {
  environment: () => environment(),
  loadModel,
  forward,
  extractFeatures,
};
