export { collectRuns, formatRunTable, type StudyRun } from './results.js';
export { openStudy, DEFAULT_TRAINER } from './session.js';
