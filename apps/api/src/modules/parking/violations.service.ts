import type { AuthUser } from '../../platform/access.js'
import type { Actor } from '../../platform/audit.js'
import { invalid } from '../../platform/errors.js'
import { runIdempotent } from '../../platform/idempotency.js'
import type { Platform } from '../../platform/platform.js'
import { prepareReport, reportCase } from '../cases/index.js'
import { loadClassCatalog } from '../classes/index.js'
import { lotFor } from './lots.service.js'
import type { ViolationInput } from './parking.schemas.js'
import { parsePlate } from './plates.js'

export const VIOLATION_KINDS = ['fireLane', 'blocking', 'other'] as const
export type ViolationKind = (typeof VIOLATION_KINDS)[number]

const KIND_TEXT: Record<ViolationKind, string> = { fireLane: '占用消防通道', blocking: '堵塞通道或出入口', other: '违章停车' }

/**
 * The event class illegal parking becomes, looked up by name in the tenant's classification
 * (the shipped standard has 05 街面秩序 / 0505 机动车乱停放); the first active match wins.
 */
export const ILLEGAL_PARKING_CLASS_NAMES = ['机动车乱停放', '违章停车', '违法停车', '机动车违停']

async function illegalParkingClass(p: Platform) {
  const catalog = await loadClassCatalog(p, { kind: 'event' })
  for (const name of ILLEGAL_PARKING_CLASS_NAMES) {
    const c = catalog.resolve(name)
    if (!('error' in c) && !c.retired) return c
  }
  return null
}

/**
 * Turn illegal parking seen at a lot (fire lane, blocking) into a case (视频/物联网 source) of the
 * illegal-parking event class in the lot's grid, through the cases module's intake: the plate in
 * the description, the camera snapshot as the case photo. Parking operators and their gate API
 * tokens, inside their regions; an Idempotency-Key makes a camera's retries create one case.
 */
export async function reportViolation(p: Platform, opts: { actor: Actor; caller: AuthUser; input: ViolationInput; idempotencyKey?: string }) {
  const { caller, input } = opts
  const lot = await lotFor(p, caller, input.lotId, 'parking.violations.report')
  const plate = parsePlate(input.plate, input.plateColour ?? 'unknown')
  if (plate.status !== 'valid') throw invalid([{ field: 'plate', reason: plate.status === 'manual' ? plate.detail : plate.reason }])
  const klass = await illegalParkingClass(p)
  if (!klass) throw invalid([{ field: 'kind', reason: `no active event class for illegal parking (${ILLEGAL_PARKING_CLASS_NAMES[0]}) in this deployment` }])
  const note = input.note?.trim()
  const caseInput = {
    source: 'device' as const,
    classKind: 'event' as const,
    minorClass: klass.code,
    lng: input.lng ?? lot.lng,
    lat: input.lat ?? lot.lat,
    description: `【停车违停】${KIND_TEXT[input.kind]}：${plate.plate}（${lot.name}）${note ? `。${note}` : ''}`,
    address: lot.address ?? lot.name,
    ...(input.photos?.length ? { photos: input.photos } : {}),
    ...(input.confidence !== undefined ? { confidence: input.confidence } : {}),
  }
  const context = await prepareReport(p, { caller, input: caseInput })
  const r = await runIdempotent(p, { userId: caller.id, key: opts.idempotencyKey, request: { violation: input }, statusCode: 201 }, (tx) =>
    reportCase(p, tx, { actor: opts.actor, caller, input: caseInput, context }),
  )
  const c = r.body.case
  return {
    body: {
      lotId: lot.id,
      kind: input.kind,
      plate: plate.plate,
      case: { id: c.id, number: c.number, state: c.state, gridCode: c.gridCode, minorClass: c.minorClass, description: c.description, photos: c.photos },
      duplicates: r.body.duplicates,
    },
    replayed: r.replayed,
  }
}
