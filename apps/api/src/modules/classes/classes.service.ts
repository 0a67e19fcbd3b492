import type { AuthUser } from '../../platform/access.js'
import { appendAudit, SYSTEM_ACTOR, type Actor } from '../../platform/audit.js'
import type { Executor } from '../../platform/db/database.js'
import { isUniqueViolation, sqlState } from '../../platform/db/pg-errors.js'
import { DomainError, invalid, notFound } from '../../platform/errors.js'
import type { Platform } from '../../platform/platform.js'
import { validateAttributeDefs, type AttributeDef } from './attributes.js'
import { classesPolicy as policy } from './classes.policy.js'
import { classesRepository as repo, type ClassKind, type MajorClassRow, type MinorClassRow } from './classes.repository.js'
import type { CreateMinorInput, MajorClassView, MinorClassView, UpdateMinorInput } from './classes.schemas.js'
import { readSeed, SEED_NAME, standardAttributes } from './classes.seed.js'

const isForeignKeyViolation = (err: unknown) => sqlState(err) === '23503'

export function toMinorView(r: MinorClassRow): MinorClassView {
  return {
    kind: r.kind,
    code: r.code,
    name: r.name,
    majorCode: r.majorCode,
    majorName: r.majorName,
    retired: r.retired || r.majorRetired,
    local: r.local,
    attributes: r.attributes,
    source: r.source,
    updatedAt: r.updatedAt.toISOString(),
  }
}

const toMajorView = (r: MajorClassRow): MajorClassView => ({ kind: r.kind, code: r.code, name: r.name, retired: r.retired, local: r.local })

function announce(p: Platform, kind: ClassKind, code: string) {
  return p.bus.publish({ type: 'classes.changed', broadcast: true, data: { kind, code } })
}

/**
 * Seed the standard classification from datasets/standards/classification.json once per
 * database (recorded in class_seeds, so classes an administrator later deletes stay deleted).
 * Safe at every start and from several instances at once.
 */
export async function seedClasses(p: Platform, opts: { file?: string } = {}): Promise<{ seeded: boolean; majors: number; minors: number }> {
  const seed = readSeed(opts.file)
  return p.db.transaction().execute(async (tx) => {
    if (!(await repo.claimSeed(tx, SEED_NAME, seed.checksum))) return { seeded: false, majors: 0, minors: 0 }
    const majors = new Map<string, { kind: ClassKind; code: string; name: string }>()
    for (const r of seed.rows) majors.set(`${r.kind}:${r.bigCode}`, { kind: r.kind, code: r.bigCode, name: r.bigName })
    const minors = seed.rows.map((r) => ({
      kind: r.kind,
      code: r.smallCode,
      majorCode: r.bigCode,
      name: r.smallName,
      attributes: standardAttributes(r.kind, r.smallCode),
      source: r.source ?? null,
    }))
    await repo.insertSeedMajors(tx, [...majors.values()])
    await repo.insertSeedMinors(tx, minors)
    await appendAudit(tx, SYSTEM_ACTOR, { action: 'classes.seed', entityType: 'classes', entityId: SEED_NAME, after: { checksum: seed.checksum, majors: majors.size, minors: minors.length } })
    return { seeded: true, majors: majors.size, minors: minors.length }
  })
}

export async function listClasses(p: Platform, opts: { caller: AuthUser; kind?: ClassKind; major?: string; q?: string; includeRetired: boolean }): Promise<MinorClassView[]> {
  policy.assert(opts.caller, 'classes.read')
  const rows = await repo.listMinors(p.db, opts)
  return rows.map(toMinorView)
}

export async function listMajorClasses(p: Platform, opts: { caller: AuthUser; kind?: ClassKind; includeRetired: boolean }): Promise<MajorClassView[]> {
  policy.assert(opts.caller, 'classes.read')
  return (await repo.listMajors(p.db, opts)).map(toMajorView)
}

export async function getClass(p: Platform, opts: { caller: AuthUser; kind: ClassKind; code: string }): Promise<MinorClassView> {
  policy.assert(opts.caller, 'classes.read')
  const row = await repo.findMinor(p.db, opts.kind, opts.code)
  if (!row) throw notFound('Class')
  return toMinorView(row)
}

/**
 * A minor class by kind and 4-digit code, or null; for other modules (no access check: the
 * classification is readable by everyone). `retired` is true when the class or its major is.
 * Pass `db` to read inside an open transaction.
 */
export async function findClass(p: Platform, opts: { kind: ClassKind; code: string; db?: Executor }): Promise<MinorClassView | null> {
  const row = await repo.findMinor(opts.db ?? p.db, opts.kind, opts.code)
  return row ? toMinorView(row) : null
}

/** Every minor class of a kind, indexed by code and by name, for bulk work such as imports. */
export class ClassCatalog {
  readonly byCode = new Map<string, MinorClassView>()
  private readonly byName = new Map<string, MinorClassView[]>()

  constructor(classes: MinorClassView[]) {
    for (const c of classes) {
      this.byCode.set(c.code, c)
      const list = this.byName.get(c.name) ?? []
      list.push(c)
      this.byName.set(c.name, list)
    }
  }

  /** Resolve a 4-digit code or an exact class name; a reason when unknown or ambiguous. */
  resolve(text: string): MinorClassView | { error: string } {
    const s = text.trim()
    const byCode = this.byCode.get(s)
    if (byCode) return byCode
    const named = this.byName.get(s)
    if (named?.length === 1) return named[0]!
    if (named && named.length > 1) return { error: `class name ${s} is ambiguous (${named.map((c) => c.code).join(', ')}); give the code` }
    return { error: 'unknown class' }
  }
}

export async function loadClassCatalog(p: Platform, opts: { kind: ClassKind; db?: Executor }): Promise<ClassCatalog> {
  const rows = await repo.listMinors(opts.db ?? p.db, { kind: opts.kind, includeRetired: true })
  return new ClassCatalog(rows.map(toMinorView))
}

export async function createMajorClass(p: Platform, opts: { actor: Actor; caller: AuthUser; input: { kind: ClassKind; code: string; name: string } }): Promise<MajorClassView> {
  policy.assert(opts.caller, 'classes.manage')
  try {
    const row = await p.db.transaction().execute(async (tx) => {
      const r = await repo.insertMajor(tx, { ...opts.input, local: true })
      await appendAudit(tx, opts.actor, { action: 'class.major.create', entityType: 'majorClass', entityId: `${r.kind}:${r.code}`, after: r })
      return r
    })
    await announce(p, row.kind, row.code)
    return toMajorView(row)
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError('CONFLICT', `Major class ${opts.input.kind} ${opts.input.code} exists`, { errors: [{ field: 'code', reason: 'already exists' }] })
    throw err
  }
}

export async function updateMajorClass(
  p: Platform,
  opts: { actor: Actor; caller: AuthUser; kind: ClassKind; code: string; input: { name?: string; retired?: boolean } },
): Promise<MajorClassView> {
  policy.assert(opts.caller, 'classes.manage')
  const row = await p.db.transaction().execute(async (tx) => {
    const before = await repo.findMajor(tx, opts.kind, opts.code)
    if (!before) throw notFound('Major class')
    const after = (await repo.updateMajor(tx, opts.kind, opts.code, opts.input))!
    await appendAudit(tx, opts.actor, { action: 'class.major.update', entityType: 'majorClass', entityId: `${opts.kind}:${opts.code}`, before, after })
    return after
  })
  await announce(p, row.kind, row.code)
  return toMajorView(row)
}

/** Delete a major class that has no minor classes; otherwise 409 (retire it instead). */
export async function deleteMajorClass(p: Platform, opts: { actor: Actor; caller: AuthUser; kind: ClassKind; code: string }): Promise<void> {
  policy.assert(opts.caller, 'classes.manage')
  await p.db.transaction().execute(async (tx) => {
    const before = await repo.findMajor(tx, opts.kind, opts.code)
    if (!before) throw notFound('Major class')
    if ((await repo.countMinors(tx, opts.kind, opts.code)) > 0) {
      throw new DomainError('CONFLICT', `Major class ${opts.kind} ${opts.code} still has minor classes; delete them or retire the major class`)
    }
    await repo.deleteMajor(tx, opts.kind, opts.code)
    await appendAudit(tx, opts.actor, { action: 'class.major.delete', entityType: 'majorClass', entityId: `${opts.kind}:${opts.code}`, before })
  })
  await announce(p, opts.kind, opts.code)
}

function assertDefs(defs: AttributeDef[]) {
  const errors = validateAttributeDefs(defs)
  if (errors.length > 0) throw invalid(errors)
}

/** Add a (local) minor class under an existing major class; codes are unique per kind. */
export async function createClass(p: Platform, opts: { actor: Actor; caller: AuthUser; input: CreateMinorInput }): Promise<MinorClassView> {
  policy.assert(opts.caller, 'classes.manage')
  const { kind, code, name } = opts.input
  const attributes = opts.input.attributes ?? []
  assertDefs(attributes)
  const majorCode = code.slice(0, 2)
  try {
    const row = await p.db.transaction().execute(async (tx) => {
      if (!(await repo.findMajor(tx, kind, majorCode))) {
        throw invalid([{ field: 'code', reason: `no ${kind} major class ${majorCode}; create it first` }])
      }
      await repo.insertMinor(tx, { kind, code, majorCode, name, local: true, attributes, source: null })
      const r = (await repo.findMinor(tx, kind, code))!
      await appendAudit(tx, opts.actor, { action: 'class.create', entityType: 'minorClass', entityId: `${kind}:${code}`, after: toMinorView(r) })
      return r
    })
    await announce(p, kind, code)
    return toMinorView(row)
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError('CONFLICT', `Class ${kind} ${code} exists`, { errors: [{ field: 'code', reason: 'already exists' }] })
    throw err
  }
}

/**
 * Rename, retire/unretire, or redeclare the attributes of a class. New declarations apply to
 * every later write of things of this class; stored values are not rewritten.
 */
export async function updateClass(p: Platform, opts: { actor: Actor; caller: AuthUser; kind: ClassKind; code: string; input: UpdateMinorInput }): Promise<MinorClassView> {
  policy.assert(opts.caller, 'classes.manage')
  if (opts.input.attributes) assertDefs(opts.input.attributes)
  const row = await p.db.transaction().execute(async (tx) => {
    const before = await repo.findMinor(tx, opts.kind, opts.code)
    if (!before) throw notFound('Class')
    await repo.updateMinor(tx, opts.kind, opts.code, opts.input)
    const after = (await repo.findMinor(tx, opts.kind, opts.code))!
    await appendAudit(tx, opts.actor, {
      action: 'class.update',
      entityType: 'minorClass',
      entityId: `${opts.kind}:${opts.code}`,
      before: toMinorView(before),
      after: toMinorView(after),
    })
    return after
  })
  await announce(p, opts.kind, opts.code)
  return toMinorView(row)
}

/** Delete a class nothing refers to; a class in use answers 409 and must be retired instead. */
export async function deleteClass(p: Platform, opts: { actor: Actor; caller: AuthUser; kind: ClassKind; code: string }): Promise<void> {
  policy.assert(opts.caller, 'classes.manage')
  try {
    await p.db.transaction().execute(async (tx) => {
      const before = await repo.findMinor(tx, opts.kind, opts.code)
      if (!before) throw notFound('Class')
      await repo.deleteMinor(tx, opts.kind, opts.code)
      await appendAudit(tx, opts.actor, { action: 'class.delete', entityType: 'minorClass', entityId: `${opts.kind}:${opts.code}`, before: toMinorView(before) })
    })
  } catch (err) {
    if (isForeignKeyViolation(err)) {
      throw new DomainError('CONFLICT', `Class ${opts.kind} ${opts.code} is in use; retire it instead (PATCH retired=true)`, { errors: [{ field: 'code', reason: 'in use' }] })
    }
    throw err
  }
  await announce(p, opts.kind, opts.code)
}
