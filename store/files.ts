// DistKV's saved files and change logs (reference §5; docs/distkv-files.md): the one import for
// reading, writing, and loading them into a Store.
export { FileReader, readFile, type FileRecord, type FileSummary, type ReaderOptions } from './files-reader.js';
export { FileWriter, type WriterOptions } from './files-writer.js';
export { ChangeLogWriter, loadRecords, snapshotChunks, type LoadSummary } from './files-store.js';
export { crc32c } from './files-check.js';
