export { SqliteResultStore } from './sqlite-store.js';
