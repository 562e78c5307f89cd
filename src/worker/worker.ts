/// <reference lib="webworker" />
/**
 * @file Entry of the compute worker: owns ONNX sessions and every heavy loop. The main thread only
 * sends requests (see protocol.ts) and draws.
 */
import { createDispatcher } from './dispatch';
import { handlers } from './handlers';
import { post } from './post';
import type { WorkerRequest } from './protocol';

const onMessage = createDispatcher(handlers, post);
self.addEventListener('message', (event: MessageEvent<WorkerRequest>) => onMessage(event.data));
