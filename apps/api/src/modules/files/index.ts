export { filesRoutes as filesModule } from './files.routes.js'
export { uploadFile, openFile, photoFacts } from './files.service.js'
export type { FileMeta } from './files.repository.js'
