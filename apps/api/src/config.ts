import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** Validated, typed configuration. Read once at boot; nothing else reads `process.env`. */
export interface Config {
  /** HTTP port (PORT, default 3000). */
  port: number
  /** Listen address (HOST, default 127.0.0.1). */
  host: string
  /** Where the embedded database, uploaded files and the generated secret live (DATA_DIR, default ./data). */
  dataDir: string
  /** PostgreSQL server URL; absent = embedded PGlite under dataDir (DATABASE_URL). */
  databaseUrl: string | null
  /** Master secret for sessions, field encryption and keyed hashes (SECRET_KEY; generated into dataDir if absent). */
  secretKey: string
  /** Older secrets still accepted for decryption while data is re-encrypted (SECRET_KEY_PREVIOUS, comma separated). */
  previousSecretKeys: string[]
  /** Password of the bootstrap admin on an empty database (ADMIN_PASSWORD; random and printed once if absent). */
  adminPassword: string | null
  /** Password of the demo accounts (DEMO_PASSWORD; random and printed if absent). */
  demoPassword: string | null
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Tenant time zone for business rules (TZ, default Asia/Shanghai). */
  timeZone: string
  /** Session lifetime in minutes (SESSION_TTL_MINUTES, default 720). */
  sessionTtlMinutes: number
  /** Failed logins before an account or IP is locked (LOGIN_MAX_FAILURES, default 5). */
  loginMaxFailures: number
  /** Lockout duration in minutes (LOGIN_LOCK_MINUTES, default 15). */
  loginLockMinutes: number
  /** JSON request body limit in bytes (BODY_LIMIT, default 1 MiB). */
  bodyLimit: number
  /** Upload size limit in bytes (UPLOAD_LIMIT, default 20 MiB). */
  uploadLimit: number
  /** Trust X-Forwarded-* from a proxy: sets Secure cookies behind TLS (TRUST_PROXY, default false). */
  trustProxy: boolean
  /** Run background jobs in this process (JOBS, default true). */
  jobsEnabled: boolean
  /** Job poll interval in ms (JOBS_POLL_MS, default 1000). */
  jobsPollMs: number
  /** Seed the Nanjing demo on an empty embedded database at `serve` (DEMO, default true for embedded, false with DATABASE_URL). */
  demo: boolean
  /** Serve the built web app from this directory if it exists (WEB_DIST, default apps/web/dist). */
  webDist: string
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`)
  }
}

type Env = Record<string, string | undefined>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/**
 * Parse and validate the environment, listing every problem at once. `serverSecret: false` is for
 * client commands (e.g. `civicgrid simulate`): without SECRET_KEY the secret stays empty and no
 * `secret.key` is created in the data directory.
 */
export function loadConfig(env: Env, opts: { cwd?: string; repoRoot?: string; serverSecret?: boolean } = {}): Config {
  const problems: string[] = []
  const cwd = opts.cwd ?? process.cwd()
  const repoRoot = opts.repoRoot ?? resolve(import.meta.dirname, '../../..')

  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = env[name]
    if (raw === undefined || raw === '') return def
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max}, got "${raw}"`)
      return def
    }
    return n
  }
  const bool = (name: string, def: boolean): boolean => {
    const raw = env[name]?.toLowerCase()
    if (raw === undefined || raw === '') return def
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true
    if (['0', 'false', 'no', 'off'].includes(raw)) return false
    problems.push(`${name} must be true or false, got "${env[name]}"`)
    return def
  }

  const databaseUrl = env.DATABASE_URL?.trim() || null
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql://')
  }
  const logLevel = (env.LOG_LEVEL ?? 'info') as Config['logLevel']
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`)
  const timeZone = env.TZ?.trim() || 'Asia/Shanghai'
  try {
    new Intl.DateTimeFormat('en', { timeZone })
  } catch {
    problems.push(`TZ must be an IANA time zone such as Asia/Shanghai, got "${timeZone}"`)
  }
  const adminPassword = env.ADMIN_PASSWORD || null
  if (adminPassword !== null && adminPassword.length < 8) problems.push('ADMIN_PASSWORD must have at least 8 characters')
  const demoPassword = env.DEMO_PASSWORD || null
  if (demoPassword !== null && demoPassword.length < 8) problems.push('DEMO_PASSWORD must have at least 8 characters')
  const secretFromEnv = env.SECRET_KEY || null
  if (secretFromEnv !== null && secretFromEnv.length < 32) problems.push('SECRET_KEY must have at least 32 characters')

  const dataDir = resolve(cwd, env.DATA_DIR || './data')
  const config: Config = {
    port: int('PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir,
    databaseUrl,
    secretKey: secretFromEnv ?? '',
    previousSecretKeys: (env.SECRET_KEY_PREVIOUS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    adminPassword,
    demoPassword,
    logLevel,
    timeZone,
    sessionTtlMinutes: int('SESSION_TTL_MINUTES', 720, 1, 60 * 24 * 30),
    loginMaxFailures: int('LOGIN_MAX_FAILURES', 5, 1, 100),
    loginLockMinutes: int('LOGIN_LOCK_MINUTES', 15, 1, 24 * 60),
    bodyLimit: int('BODY_LIMIT', 1024 * 1024, 1024, 100 * 1024 * 1024),
    uploadLimit: int('UPLOAD_LIMIT', 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    trustProxy: bool('TRUST_PROXY', false),
    jobsEnabled: bool('JOBS', true),
    jobsPollMs: int('JOBS_POLL_MS', 1000, 10, 600_000),
    demo: bool('DEMO', databaseUrl === null),
    webDist: resolve(cwd, env.WEB_DIST || join(repoRoot, 'apps/web/dist')),
  }
  if (problems.length > 0) throw new ConfigError(problems)
  if (!secretFromEnv && opts.serverSecret !== false) config.secretKey = loadOrCreateSecret(dataDir)
  return config
}

/** The generated secret is persisted so sessions and encrypted fields survive restarts. */
function loadOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'secret.key')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' })
  return secret
}
