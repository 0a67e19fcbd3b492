// Entry of the import reading thread: TypeScript through tsx, like bin/civicgrid.mjs (module
// hooks registered on the main thread do not reach worker threads).
import { register } from 'tsx/esm/api'

register()
await import('./import-worker.ts')
