export { filesRoutes as filesModule } from './files.routes.js'
export { uploadFile, openFile } from './files.service.js'
