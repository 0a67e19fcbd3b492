/** SQLSTATE of a database error from either driver (node-postgres and PGlite both set `code`). */
export function sqlState(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined
}

export const isUniqueViolation = (err: unknown) => sqlState(err) === '23505'
export const isExclusionViolation = (err: unknown) => sqlState(err) === '23P01'
export const isCheckViolation = (err: unknown) => sqlState(err) === '23514'
