/**
 * The Kysely database type. Each module declares its own tables by augmenting this interface
 * in its repository file (`declare module '.../platform/db/schema.js' { interface DB { … } }`),
 * so a module's tables are typed where its SQL lives. Columns are camelCase here and
 * snake_case in SQL (CamelCasePlugin).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DB {}
