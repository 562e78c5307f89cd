/**
 * @file Timestep conventions: what number a U-Net's timestep input means, one registry entry each
 * (labels, the CLI's flag values, the feeds and the explorer's wording all read it).
 *
 * DiffProbe works in integer steps t = 0…T−1 of a VP schedule (x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε). A
 * network trained another way is fed the same x_t re-expressed in its own terms:
 *
 *   index     t itself (DDPM, ADM / guided-diffusion, diffusers): the integer step
 *   fraction  t/T (continuous-time VP models, many course models)
 *   scaled    t·1000/T (respaced models: guided-diffusion's rescale_timesteps)
 *   sigma     EDM's preconditioned network F (Karras et al. 2022, Table 1; NVlabs/edm EDMPrecond)
 *
 * `sigma` maps the VP step to EDM's variance-exploding form: x_σ = x_t/√ᾱ_t = x_0 + σ·ε with
 * σ_t = √((1−ᾱ_t)/ᾱ_t). EDM's denoiser is D(x_σ; σ) = c_skip·x_σ + c_out·F(c_in·x_σ; c_noise) with
 *
 *   c_skip = σ_d²/(σ² + σ_d²)   c_out = σ·σ_d/√(σ² + σ_d²)   c_in = 1/√(σ² + σ_d²)   c_noise = ¼·ln σ
 *
 * (σ_d = `timestep.sigmaData`, EDM's 0.5). So the graph (F) is fed c_in·x_σ = (c_in/√ᾱ)·x_t and
 * c_noise, and its output F becomes D = (c_skip/√ᾱ)·x_t + c_out·F, the clean-image estimate x̂_0:
 * a `sigma` manifest says `prediction.type: "sample"`.
 *
 * Pure and synchronous: the worker, Node, the CLI and the tests share it.
 */
import { DiffProbeError } from '../errors';

export type TimestepConvention = 'index' | 'fraction' | 'scaled' | 'sigma';

/** EDM's σ_data (Karras et al. 2022, §5: the standard deviation of CIFAR-10 in [−1, 1]). */
export const EDM_SIGMA_DATA = 0.5;

export interface ConventionSpec {
  readonly id: TimestepConvention;
  /** Short name for selects and tables. */
  readonly label: string;
  /** What the graph is fed, as a formula. */
  readonly formula: string;
  /** Which models take it. */
  readonly examples: string;
  /** Whether an integer timestep input can take it (only the integer step itself). */
  readonly integerInput: boolean;
}

/** Every convention, in the order the UI and the CLI list them. */
export const TIMESTEP_CONVENTIONS: readonly ConventionSpec[] = [
  {
    id: 'index',
    label: 'index: the integer step t',
    formula: 't',
    examples: 'DDPM, ADM / guided-diffusion, diffusers',
    integerInput: true,
  },
  {
    id: 'fraction',
    label: 'fraction: t/T',
    formula: 't/T',
    examples: 'continuous-time VP models, many course models',
    integerInput: false,
  },
  {
    id: 'scaled',
    label: 'scaled: t·1000/T',
    formula: 't·1000/T',
    examples: 'respaced models (guided-diffusion rescale_timesteps)',
    integerInput: false,
  },
  {
    id: 'sigma',
    label: 'σ (EDM preconditioning)',
    formula: 'c_noise = ¼·ln σ, x fed as c_in·x_σ, output D = c_skip·x_σ + c_out·F',
    examples: 'EDM / k-diffusion networks',
    integerInput: false,
  },
];

export const CONVENTION_IDS: readonly TimestepConvention[] = TIMESTEP_CONVENTIONS.map((c) => c.id);

export function conventionSpec(id: TimestepConvention): ConventionSpec {
  const spec = TIMESTEP_CONVENTIONS.find((c) => c.id === id);
  if (!spec) throw new DiffProbeError('internal', `unknown timestep convention ${JSON.stringify(id)}`);
  return spec;
}

/** EDM's four preconditioning coefficients at σ (Karras et al. 2022, Table 1). */
export interface EdmCoefficients {
  readonly cSkip: number;
  readonly cOut: number;
  readonly cIn: number;
  readonly cNoise: number;
}

export function edmCoefficients(sigma: number, sigmaData: number): EdmCoefficients {
  const s2 = sigma * sigma + sigmaData * sigmaData;
  return {
    cSkip: (sigmaData * sigmaData) / s2,
    cOut: (sigma * sigmaData) / Math.sqrt(s2),
    cIn: 1 / Math.sqrt(s2),
    cNoise: Math.log(sigma) / 4,
  };
}

/** σ_t = √((1−ᾱ_t)/ᾱ_t): the VP step's noise level in EDM's (variance-exploding) terms. */
export function sigmaOf(alphaBar: number): number {
  return Math.sqrt((1 - alphaBar) / alphaBar);
}

/**
 * How one timestep is fed under a convention. The graph gets `value` as its timestep and
 * `inputScale`·x_t as its image; its output o is read as `outputSkip`·x_t + `outputScale`·o (the
 * identity but for `sigma`). float64 throughout; the feeds round to the input's dtype once.
 */
export interface TimestepFeed {
  readonly value: number;
  readonly inputScale: number;
  readonly outputSkip: number;
  readonly outputScale: number;
  /** σ_t (for `sigma`; what the explorer shows). */
  readonly sigma?: number;
}

const IDENTITY = { inputScale: 1, outputSkip: 0, outputScale: 1 } as const;

/**
 * The feed for integer step `t` of a schedule of `steps` steps with ᾱ_t = `alphaBar`.
 *
 * @throws DiffProbeError('model-unsupported') for `sigma` at ᾱ = 1 (σ = 0: c_noise = ¼·ln 0 is −∞).
 * @example timestepFeed('fraction', 100, 1000, abar[100], 0.5).value // 0.1
 */
export function timestepFeed(
  convention: TimestepConvention,
  t: number,
  steps: number,
  alphaBar: number,
  sigmaData = EDM_SIGMA_DATA,
): TimestepFeed {
  switch (convention) {
    case 'index':
      return { value: t, ...IDENTITY };
    case 'fraction':
      return { value: t / steps, ...IDENTITY };
    case 'scaled':
      return { value: (t * 1000) / steps, ...IDENTITY };
    case 'sigma': {
      const sigma = sigmaOf(alphaBar);
      if (!(sigma > 0))
        throw new DiffProbeError(
          'model-unsupported',
          `t = ${t} has ᾱ = ${alphaBar}, so σ = 0 and EDM's c_noise = ¼·ln σ is −∞: use t ≥ 1`,
          { t, alphaBar },
        );
      const c = edmCoefficients(sigma, sigmaData);
      const root = Math.sqrt(alphaBar);
      return {
        value: c.cNoise,
        inputScale: c.cIn / root,
        outputSkip: c.cSkip / root,
        outputScale: c.cOut,
        sigma,
      };
    }
  }
}

/** Whether the feed changes the image or the output (only `sigma` does). */
export function scalesTensors(feed: TimestepFeed): boolean {
  return feed.inputScale !== 1 || feed.outputSkip !== 0 || feed.outputScale !== 1;
}

function round(v: number, digits: number): string {
  return Number(v.toPrecision(digits)).toString();
}

/**
 * The explorer's line: what the network is fed for step `t`.
 *
 * @example describeFeed('index', 100, 1000, 0.9, 'int64') // "t = 100 fed as the integer 100"
 * @example describeFeed('sigma', 100, 1000, 0.895, 'float32') // "t = 100 fed as σ = 0.34 (c_noise = ¼·ln σ = −0.27; x scaled by c_in/√ᾱ = 1.74)"
 */
export function describeFeed(
  convention: TimestepConvention,
  t: number,
  steps: number,
  alphaBar: number,
  dtype: string,
  sigmaData = EDM_SIGMA_DATA,
): string {
  const feed = timestepFeedOrNull(convention, t, steps, alphaBar, sigmaData);
  if (!feed) return `t = ${t} cannot be fed as σ (σ = 0 at this step)`;
  switch (convention) {
    case 'index':
      return `t = ${t} fed as the integer ${t}${dtype.startsWith('int') ? '' : ` (as ${dtype})`}`;
    case 'fraction':
      return `t = ${t} fed as t/T = ${round(feed.value, 4)}`;
    case 'scaled':
      return `t = ${t} fed as t·1000/T = ${round(feed.value, 6)}`;
    case 'sigma':
      return `t = ${t} fed as σ = ${round(feed.sigma!, 2)} (c_noise = ¼·ln σ = ${round(feed.value, 2).replace('-', '−')}; x scaled by c_in/√ᾱ = ${round(feed.inputScale, 3)})`;
  }
}

function timestepFeedOrNull(
  convention: TimestepConvention,
  t: number,
  steps: number,
  alphaBar: number,
  sigmaData: number,
): TimestepFeed | null {
  try {
    return timestepFeed(convention, t, steps, alphaBar, sigmaData);
  } catch {
    return null;
  }
}
