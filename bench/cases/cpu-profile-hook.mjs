// Loaded into a server process with NODE_OPTIONS="--import …/cpu-profile-hook.mjs" (bench/cases/intake.ts
// --profile FILE): SIGWINCH (not SIGUSR2: close-with-grace shuts the server down on it) starts a V8
// CPU profile, a second SIGWINCH writes it to CPU_PROFILE_FILE,
// so the profile covers the measured run only (not start-up, migrations or the warm-up).
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'

const file = process.env.CPU_PROFILE_FILE
let session = null
process.on('SIGWINCH', async () => {
  if (!session) {
    session = new Session()
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 500 })
    await session.post('Profiler.start')
    return
  }
  const { profile } = await session.post('Profiler.stop')
  session.disconnect()
  session = null
  if (file) writeFileSync(file, JSON.stringify(profile))
  process.stderr.write(`cpu profile written to ${file}\n`)
})
