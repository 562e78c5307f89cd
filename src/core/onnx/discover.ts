/**
 * @file Opening a diffusion U-Net that comes without a manifest, the pure part: which inputs are
 * the image, the timestep and the rest (discover-roles), which tensors are blocks (discover-blocks
 * from the graph, read through discover-graph; discover-classify from the shapes of one dry run,
 * which engine/discover.ts performs), and the manifest that results (discover-manifest).
 */
export {
  type CandidatePath,
  type CandidateReason,
  type Candidates,
  type CandidateTensor,
  type ConcatCandidate,
  candidateTensors,
} from './discover-blocks';
export {
  blockNotes,
  type ClassifiedBlock,
  type ClassifyOptions,
  classifyBlocks,
  type SkipEdge,
  skipEdges,
} from './discover-classify';
export type { OpRef } from './discover-graph';
export {
  DEFAULT_SCHEDULE,
  type DiscoveryForManifest,
  type ManifestChoices,
  manifestFromDiscovery,
  skipsBetween,
} from './discover-manifest';
export {
  type AmbiguousImage,
  describeInputs,
  findInputRoles,
  findPrediction,
  type ImageRole,
  type InputRoles,
  isAmbiguousImage,
  type PredictionOutput,
  type RoleChoices,
  type TimestepRole,
} from './discover-roles';
