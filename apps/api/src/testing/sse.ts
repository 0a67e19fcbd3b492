import http from 'node:http'

export interface SseClient {
  events: { event: string; data: any }[]
  /** Resolve when an event matching `pred` has arrived (or reject after `ms`). */
  waitFor(pred: (e: { event: string; data: any }) => boolean, ms?: number): Promise<{ event: string; data: any }>
  close(): void
}

/** Connect to an SSE endpoint and collect its events. */
export function connectSse(url: string, headers: Record<string, string>): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const events: { event: string; data: any }[] = []
    const waiters: (() => void)[] = []
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE status ${res.statusCode}`))
      let buf = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buf += chunk
        let i
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event && data) {
            events.push({ event, data: JSON.parse(data) })
            waiters.splice(0).forEach((w) => w())
          }
        }
      })
      resolve({
        events,
        close: () => req.destroy(),
        waitFor(pred, ms = 5000) {
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`no matching event within ${ms} ms; got ${JSON.stringify(events.map((e) => e.event))}`)), ms)
            const check = () => {
              const hit = events.find(pred)
              if (hit) {
                clearTimeout(timer)
                ok(hit)
              } else waiters.push(check)
            }
            check()
          })
        },
      })
    })
    req.on('error', reject)
  })
}
