/**
 * @file The manifest of a random-weights twin: its model's, with the twin's bytes and name. The
 * blocks, inputs, schedule and preprocessing are the same (the graph is), so every setting made for
 * the trained model holds for its twin; the new sha256 makes it another model for the feature cache
 * and for every result.
 */
import type { Manifest } from '../manifest/types';

/** "Fashion-MNIST DDPM — random weights (init seed 0)" */
export function twinName(name: string, seed: number): string {
  return `${name} — random weights (init seed ${seed})`;
}

export function twinManifest(
  manifest: Manifest,
  twin: { sha256: string; bytes: number; seed: number },
): Manifest {
  return {
    ...manifest,
    name: twinName(manifest.name, twin.seed),
    description: `The random-weights twin of “${manifest.name}”: the same graph with every learned weight re-drawn as PyTorch initialises that layer (init seed ${twin.seed}), normalisations reset, constants kept. A control: what the architecture gives without training.`,
    model: { ...manifest.model, sha256: twin.sha256, bytes: twin.bytes },
  };
}
