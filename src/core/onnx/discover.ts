/**
 * @file Opening a diffusion U-Net that comes without a manifest, the pure part: which inputs are
 * the image, the timestep and the rest (discover-roles), which tensors are blocks (discover-blocks,
 * from the graph and the shapes of one dry run, which engine/discover.ts performs), and the manifest
 * that results (discover-manifest).
 */
export {
  type CandidateReason,
  type Candidates,
  type CandidateTensor,
  type ClassifiedBlock,
  type ClassifyOptions,
  type ConcatCandidate,
  candidateTensors,
  classifyBlocks,
} from './discover-blocks';
export {
  DEFAULT_SCHEDULE,
  type DiscoveryForManifest,
  type ManifestChoices,
  manifestFromDiscovery,
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
