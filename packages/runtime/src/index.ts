export type { CleanupEntry } from './cleanup-registry.js';
export { cleanupAll, cleanupAllSync, pendingCleanups, registerCleanup } from './cleanup-registry.js';
export type { CreateDriverOptions } from './create-driver.js';
export { createDriver } from './create-driver.js';
export type { DependencySet, StartedDependency } from './dependency-set.js';
export { dependencyEnvPrefix, startDependencies } from './dependency-set.js';
export type { Docker } from './docker/client.js';
export {
  assertDockerReachable,
  createDocker,
  describeDockerHost,
  dockerAvailable,
  isUnreachable,
  unreachableError,
} from './docker/client.js';
export type { DockerDriverOptions } from './docker/driver.js';
export { DockerDriver, engineHost } from './docker/driver.js';
export { DOCKER_SOCKET, dockerSocketHint } from './docker/socket-hint.js';
export { assertPortFree, findFreePort } from './free-port.js';
export {
  LABEL_COMPONENT,
  LABEL_HOST,
  LABEL_MANAGED,
  LABEL_PID,
  LABEL_PID_NAMESPACE,
  LABEL_PID_START,
  LABEL_ROLE,
  LABEL_RUN,
} from './labels.js';
export { isServiceNotReadyError, ServiceNotReadyError } from './not-ready-error.js';
export type { OwnerIdentity } from './owner.js';
export { currentOwner, isProcessAlive, sameNamespaceAsUs } from './owner.js';
export type { CgroupUsage } from './process/cgroup-usage.js';
export { openCgroupUsage } from './process/cgroup-usage.js';
export type { ProcessDriverOptions } from './process/driver.js';
export { allowBuildEnvInheritance, ProcessDriver } from './process/driver.js';
export type { CgroupHome } from './process/service-cgroup.js';
export { cgroupHome } from './process/service-cgroup.js';
export type {
  ReapedContainer,
  ReapedProcessGroup,
  ReapedService,
  ReapOptions,
  ReapResult,
  SkippedContainer,
  SkippedService,
} from './reaper.js';
export { reap } from './reaper.js';
export {
  createExclusiveSync,
  EXCLUSIVE_CREATE,
  openFreshSync,
  replaceFile,
  temporaryName,
  writeExclusive,
} from './safe-file.js';
export type {
  PrivateNetwork,
  ResourceReading,
  ServiceDriver,
  ServiceLocation,
  ServiceState,
  StartedService,
  StartOptions,
  StoppedService,
} from './service-driver.js';
export { stateDirPath } from './state-dir.js';
export type { SwarmDriverOptions } from './swarm/driver.js';
export { DEFAULT_SWARM_CONSTRAINT, SwarmDriver, swarmConstraints } from './swarm/driver.js';
export type { LoadShardsSpec, RunningLoadShards, ShardTaskState } from './swarm/load-service.js';
export {
  DEFAULT_LOAD_IMAGE,
  loadImage,
  startLoadShards,
} from './swarm/load-service.js';
export { LABEL_NODE_ENGINE } from './swarm/node-engine.js';
