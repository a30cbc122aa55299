export { SqliteResultStore, STORE_MARKER } from './sqlite-store.js';
export {
  ingestLost,
  ingestOutcome,
  JobFolders,
  JobFolderStore,
  RECORD_DIR,
  writeFileAtomic,
  type FolderResult,
  type Ingested,
  type TaskOutcome,
  type TaskStart,
} from './job-folder.js';
