import { Type, type Static } from 'typebox'

export const SimulatorBody = Type.Object(
  {
    running: Type.Boolean({ description: 'true starts (or re-rates) the simulator, false stops it' }),
    rate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 50, default: 2, description: 'new reports per second' })),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 200, description: 'password of the demo accounts (default: DEMO_PASSWORD)' })),
    pace: Type.Optional(Type.Number({ minimum: 0.05, maximum: 20, description: 'multiplies every delay (1: report to close in about a minute)' })),
  },
  { additionalProperties: false },
)
export type SimulatorInput = Static<typeof SimulatorBody>

export const SimulatorStatusSchema = Type.Object({
  available: Type.Boolean({ description: 'the server runs in demo mode (DEMO=true)' }),
  running: Type.Boolean(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  rate: Type.Number(),
  reported: Type.Integer(),
  actions: Type.Record(Type.String(), Type.Integer()),
  conflicts: Type.Integer(),
  errors: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
})
export type SimulatorStatus = Static<typeof SimulatorStatusSchema>
