export * from './storage/index.js';
export { COMPRESSIONS, defaultLevel, levelProblem, fileSuffix, type Compression } from './compression.js';
export { newBackupId, isBackupId, backupIdTime } from './ids.js';
export {
  MANIFEST_NAME,
  manifestKey,
  parseManifest,
  type Manifest,
  type ManifestObject,
  type TableEstimate,
} from './manifest.js';
export {
  listCatalog,
  readManifest,
  newestComplete,
  resolveBackup,
  type CatalogEntry,
  type CompleteBackup,
} from './catalog.js';
export { runBackup, type BackupOptions, type BackupResult } from './backup.js';
export { runRestore, type RestoreOptions, type RestoreResult } from './restore.js';
export { DataOffsetIndexer, writeDataOffsets, type ArchiveIndex } from './archive-offsets.js';
export { runVerify, type VerifyOptions, type VerifyResult, type VerifyCheck } from './verify.js';
export { planRetention, type RetentionPolicy, type RetentionDecision } from './retention.js';
export { runPrune, type PruneResult } from './prune.js';
export { runCheck, type CheckResult } from './check.js';
export { findTool, requireToolMajor, libpqConnection, type ToolInfo } from './pgtools.js';
export { serverMajorOf } from './database.js';
