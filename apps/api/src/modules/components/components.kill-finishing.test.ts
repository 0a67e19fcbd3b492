import { describe, test } from 'node:test'
import { killDuringImport } from './testing-kill.js'

describe('a killed import leaves the registry exactly as before (late)', () => {
  test('SIGKILL while the indexes are rebuilt, before the commit', { timeout: 600_000 }, () => killDuringImport('finishing'))
})
