// The civicgrid API for the parking benchmark: the normal application (buildApp), with the
// "any space" assignment strategy chosen by PARKING_ASSIGN (groupCommit | retry | lockLot). Prints
// "ready at <url>" once it listens. Configuration as for `civicgrid serve` (DATA_DIR,
// DATABASE_URL, ADMIN_PASSWORD, SECRET_KEY …).
import { buildApp } from '../../apps/api/src/app.js'
import { loadConfig } from '../../apps/api/src/config.js'
import { bootstrapAdmin } from '../../apps/api/src/modules/identity/index.js'
import { setAssignStrategy, type AssignStrategy } from '../../apps/api/src/modules/parking/index.js'

const config = loadConfig(process.env)
const app = await buildApp({ config, logger: false })
await bootstrapAdmin(app.platform)
setAssignStrategy(app.platform, (process.env.PARKING_ASSIGN as AssignStrategy | undefined) ?? 'groupCommit')
const url = await app.listen({ port: 0, host: '127.0.0.1' })
console.log(`ready at ${url}`)
const stop = async () => {
  await app.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
