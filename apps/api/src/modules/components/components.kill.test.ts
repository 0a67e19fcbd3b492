import { describe, test } from 'node:test'
import { killDuringImport } from './testing-kill.js'

describe('a killed import leaves the registry exactly as before', () => {
  test('SIGKILL while rows stream into the registry (inside the import transaction)', { timeout: 600_000 }, () => killDuringImport('loading'))
})
