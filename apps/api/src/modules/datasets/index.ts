import { datasetsRoutes } from './datasets.routes.js'

/**
 * The data manager (可视化数据管理器): datasets, their counts, last imports and quality checks
 * with drill-through. The checks themselves belong to the modules that own the data.
 */
export { listDatasets, listCheckRows } from './datasets.service.js'
export { datasetsPolicy } from './datasets.policy.js'
export { DATASET_NAMES, type DatasetName } from './datasets.schemas.js'

/** Routes under the API prefix. */
export const datasetsModule = datasetsRoutes
