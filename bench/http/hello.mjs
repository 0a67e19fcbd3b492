// Bare Fastify hello-world: the ceiling every HTTP figure is compared with.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/', async () => ({ hello: 'world' }))
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
console.log(`ready at http://127.0.0.1:${app.server.address().port}`)
