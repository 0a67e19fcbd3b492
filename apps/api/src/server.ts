import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import type { Config } from './config.js'
import { bootstrapAdmin } from './modules/identity/index.js'
import { formatDemoSummary, hasRegions, seedDemo } from './modules/demo/index.js'

/** Build, bootstrap and listen; SIGTERM/SIGINT stop accepting, finish in-flight requests and close the database. */
export async function startServer(config: Config): Promise<FastifyInstance> {
  const app = await buildApp({ config })
  const admin = await bootstrapAdmin(app.platform)
  if (admin.created) {
    const how = admin.password ? `password: ${admin.password}  (shown once; change it after signing in)` : 'password from ADMIN_PASSWORD'
    console.log(`\n  civicgrid: created user "admin", ${how}\n`)
  }
  if (config.demo && !(await hasRegions(app.platform))) {
    // an empty territory: seed the Nanjing demo city (DEMO=false turns this off)
    try {
      const started = performance.now()
      const result = await seedDemo(app, { log: (line) => console.error(line) })
      console.error(`demo: done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
      console.log(`\n${formatDemoSummary(result)}\n`)
    } catch (err) {
      app.log.error({ err }, 'the demo seed failed; serving what is there (start with a fresh DATA_DIR to try again, or DEMO=false)')
    }
  }
  if (config.jobsEnabled) app.platform.jobs.start(config.jobsPollMs)

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })

  await app.listen({ port: config.port, host: config.host })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host
  console.log(`  civicgrid is ready at http://${shown}:${port}  (database: ${app.platform.database.kind}${config.databaseUrl ? '' : `, data in ${config.dataDir}`})`)
  return app
}
