import { Type, type Static } from 'typebox'
import { ROLES, type Role } from '../../platform/access.js'

export const RoleSchema = Type.Unsafe<Role>(Type.String({ enum: [...ROLES] }))
export const RegionCodeSchema = Type.String({ pattern: '^[0-9]{6}([0-9]{3}){0,3}$', description: 'Region code: 6-digit district (or city), +3 street, +3 community, +3 grid' })
export const UsernameSchema = Type.String({ pattern: '^[A-Za-z0-9_.-]{3,64}$' })
export const PasswordSchema = Type.String({ minLength: 8, maxLength: 200 })
export const PhoneSchema = Type.String({ pattern: '^\\+?[0-9][0-9 -]{6,19}$' })
export const Uuid = Type.String({ format: 'uuid' })

export const ScopeSchema = Type.Object({
  regionCode: Type.String(),
  regionLevel: Type.String({ description: 'district, street, community or grid (city/province for wide scopes)' }),
})

export const UserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Type.String()),
  departmentId: Type.Union([Type.String(), Type.Null()]),
  scopes: Type.Array(ScopeSchema),
  disabled: Type.Boolean(),
  phoneMasked: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
})
export type UserView = Static<typeof UserSchema>

export const MeSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Type.String()),
  departmentId: Type.Union([Type.String(), Type.Null()]),
  scopes: Type.Array(ScopeSchema),
  permissions: Type.Array(Type.String()),
})
export type MeView = Static<typeof MeSchema>

export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
)

export const CreateUserBody = Type.Object(
  {
    username: UsernameSchema,
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    password: PasswordSchema,
    roles: Type.Array(RoleSchema, { minItems: 1, uniqueItems: true }),
    departmentId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    scopes: Type.Optional(Type.Array(Type.Object({ regionCode: RegionCodeSchema }, { additionalProperties: false }), { maxItems: 1000 })),
    phone: Type.Optional(Type.Union([PhoneSchema, Type.Null()])),
  },
  { additionalProperties: false },
)
export type CreateUserInput = Static<typeof CreateUserBody>

export const UpdateUserBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    password: Type.Optional(PasswordSchema),
    roles: Type.Optional(Type.Array(RoleSchema, { minItems: 1, uniqueItems: true })),
    departmentId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    scopes: Type.Optional(Type.Array(Type.Object({ regionCode: RegionCodeSchema }, { additionalProperties: false }), { maxItems: 1000 })),
    phone: Type.Optional(Type.Union([PhoneSchema, Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateUserInput = Static<typeof UpdateUserBody>

export const ListUsersQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    phone: Type.Optional(PhoneSchema),
    role: Type.Optional(RoleSchema),
    q: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
)

export const UnmaskBody = Type.Object(
  {
    fields: Type.Array(Type.Literal('phone'), { minItems: 1, uniqueItems: true }),
    purpose: Type.String({ minLength: 4, maxLength: 500, description: 'Why the clear value is needed; stored in the audit log' }),
  },
  { additionalProperties: false },
)

export const TokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})

export const DepartmentSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  regionCode: Type.Union([Type.String(), Type.Null()]),
  disabled: Type.Boolean(),
})

export const CreateDepartmentBody = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    regionCode: Type.Optional(Type.Union([RegionCodeSchema, Type.Null()])),
  },
  { additionalProperties: false },
)

export const UpdateDepartmentBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    regionCode: Type.Optional(Type.Union([RegionCodeSchema, Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const IdParams = Type.Object({ id: Uuid })
