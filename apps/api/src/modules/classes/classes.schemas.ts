import { Type, type Static } from 'typebox'

export const KindSchema = Type.Union([Type.Literal('component'), Type.Literal('event')], { description: 'component (部件) or event (事件)' })
export const MajorCodeSchema = Type.String({ pattern: '^[0-9]{2}$', description: '大类 code, 2 digits' })
export const MinorCodeSchema = Type.String({ pattern: '^[0-9]{4}$', description: '小类 code, 4 digits: the major code + 2' })

export const AttributeDefSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 50, description: 'Key in `attributes` and the column header on import, e.g. 站名' }),
    type: Type.Union([Type.Literal('string'), Type.Literal('number'), Type.Literal('boolean'), Type.Literal('enum'), Type.Literal('date')]),
    required: Type.Boolean({ default: false }),
    values: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 200, description: 'Allowed values (enum only)' })),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)

export const MajorClassSchema = Type.Object({
  kind: KindSchema,
  code: Type.String(),
  name: Type.String(),
  retired: Type.Boolean(),
  local: Type.Boolean({ description: 'Added by this deployment, not by the standard seed' }),
})
export type MajorClassView = Static<typeof MajorClassSchema>

export const MinorClassSchema = Type.Object({
  kind: KindSchema,
  code: Type.String(),
  name: Type.String(),
  majorCode: Type.String(),
  majorName: Type.String(),
  retired: Type.Boolean({ description: 'Retired classes (or classes of a retired major) take no new things' }),
  local: Type.Boolean(),
  attributes: Type.Array(AttributeDefSchema),
  source: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.String({ format: 'date-time' }),
})
export type MinorClassView = Static<typeof MinorClassSchema>

export const ListClassesQuery = Type.Object(
  {
    kind: Type.Optional(KindSchema),
    major: Type.Optional(MajorCodeSchema),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'Name contains, or code starts with' })),
    includeRetired: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
)
export const ListMajorsQuery = Type.Object({ kind: Type.Optional(KindSchema), includeRetired: Type.Boolean({ default: false }) }, { additionalProperties: false })

export const MajorParams = Type.Object({ kind: KindSchema, code: MajorCodeSchema })
export const MinorParams = Type.Object({ kind: KindSchema, code: MinorCodeSchema })

export const CreateMajorBody = Type.Object({ kind: KindSchema, code: MajorCodeSchema, name: Type.String({ minLength: 1, maxLength: 50 }) }, { additionalProperties: false })
export const UpdateMajorBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })), retired: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
)

export const CreateMinorBody = Type.Object(
  {
    kind: KindSchema,
    code: MinorCodeSchema,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    attributes: Type.Array(AttributeDefSchema, { default: [], maxItems: 50 }),
  },
  { additionalProperties: false },
)
export type CreateMinorInput = Static<typeof CreateMinorBody>
export const UpdateMinorBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    retired: Type.Optional(Type.Boolean()),
    attributes: Type.Optional(Type.Array(AttributeDefSchema, { maxItems: 50 })),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateMinorInput = Static<typeof UpdateMinorBody>
