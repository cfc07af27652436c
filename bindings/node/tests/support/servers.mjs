// Real Prometheus and Pushgateway processes, started by the harness's
// launcher (tests/src/bin/chaosprom-servers.rs, the one way every suite
// starts them) on 127.0.0.1 with ephemeral ports and temp dirs, stopped at
// the end; and a small in-test HTTP server for what a real server will not
// do on demand (echo the request, never answer).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { once } from 'node:events'
import net from 'node:net'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')
const LAUNCHER = join(ROOT, 'target', 'release', 'chaosprom-servers')
const RULES = join(ROOT, 'tests', 'fixtures', 'rules')

export const SETUP = 'scripts/setup.sh'

async function get(url, timeoutMs = 2000) {
  try {
    const answer = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    return { status: answer.status, text: await answer.text() }
  } catch {
    return null
  }
}

/** Polls `check` until it returns something other than undefined. */
export async function waitUntil(limitMs, check) {
  const deadline = Date.now() + limitMs
  while (Date.now() < deadline) {
    const answer = await check()
    if (answer !== undefined) return answer
    await sleep(50)
  }
  return false
}

/** The launcher with `args`, once it printed the servers' addresses; it
 * stops them when its stdin closes, so a test run that dies leaves none. */
async function launch(args) {
  if (!existsSync(LAUNCHER)) {
    throw new Error(
      `${LAUNCHER} is not built: \`scripts/test.sh\` builds it ` +
        '(cargo build --release -p chaosprometheus-test-support)',
    )
  }
  const child = spawn(LAUNCHER, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  let errors = ''
  child.stderr.setEncoding('utf8').on('data', (text) => (errors += text))
  const exited = once(child, 'exit')
  const line = await Promise.race([
    once(createInterface({ input: child.stdout }), 'line').then(([first]) => first),
    exited.then(() => null),
  ])
  if (line === null) {
    // Everything it wrote, not only what had arrived when it exited.
    await once(child.stderr, 'close').catch(() => {})
    throw new Error(errors || `the launcher exited with ${child.exitCode}`)
  }
  return {
    addresses: JSON.parse(line),
    async stop() {
      child.stdin.end()
      await exited
    },
  }
}

/** A real Prometheus scraping itself every second (job `prometheus`) and
 * the `[job, "host:port"]` targets given, evaluating every second the rule
 * files given (names under tests/fixtures/rules); with `history`,
 * backfilled with the judgement tests' history (tests/src/history.rs). */
export async function startPrometheus({ targets = [], rules = [], history = false } = {}) {
  const servers = await launch([
    '--prometheus',
    ...(history ? ['--history'] : []),
    ...targets.map(([job, target]) => `--target=${job}=${target}`),
    ...rules.map((name) => `--rules=${join(RULES, name)}`),
  ])
  const url = servers.addresses.prometheus
  return {
    url,
    /** With `history`: the Unix seconds of the backfilled history's last
     * sample (tests/src/history.rs). */
    historyEnd: servers.addresses.history_end,
    /** Waits until `query` has a series (the first scrapes take a second). */
    async waitForSeries(query) {
      const found = await waitUntil(60_000, async () => {
        const answer = await get(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)
        return answer?.status === 200 && !answer.text.includes('"result":[]') ? true : undefined
      })
      if (!found) throw new Error(`no series for ${query} within 60 s`)
    },
    stop: servers.stop,
  }
}

/** A real Pushgateway with persistence off. */
export async function startPushgateway() {
  const servers = await launch(['--pushgateway'])
  const url = servers.addresses.pushgateway
  return {
    url,
    /** The groups pushed, as the Pushgateway's API lists them. */
    async groups() {
      const answer = await get(`${url}/api/v1/metrics`, 5000)
      if (answer?.status !== 200) throw new Error('the Pushgateway does not answer')
      return JSON.parse(answer.text).data ?? []
    },
    stop: servers.stop,
  }
}

/**
 * A small HTTP server on 127.0.0.1 answering every request with
 * `respond(request) -> {status, headers, body}`; it records each request's
 * method, path and headers. Without `respond` it accepts connections and
 * never answers.
 */
export async function startTestServer(respond) {
  const requests = []
  const sockets = new Set()
  let connections = 0
  const server = net.createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    if (!respond) return // silent: keep it open, say nothing
    let data = Buffer.alloc(0)
    let answered = false
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk])
      const end = data.indexOf('\r\n\r\n')
      if (answered || end < 0) return
      const [first, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n')
      const [method, path] = first.split(' ')
      const headers = {}
      for (const line of lines) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      // One answer, once the whole body is in: answering early would make
      // the body's later packets a second request.
      if (data.length < end + 4 + Number(headers['content-length'] ?? 0)) return
      answered = true
      const request = { method, path, headers }
      requests.push(request)
      const { status, headers: extra = {}, body = '' } = respond(request)
      const payload = Buffer.from(body)
      const head = [`HTTP/1.1 ${status} X`]
      for (const [name, value] of Object.entries(extra)) head.push(`${name}: ${value}`)
      head.push(`Content-Length: ${payload.length}`, 'Connection: close', '', '')
      socket.end(Buffer.concat([Buffer.from(head.join('\r\n')), payload]))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    get connections() {
      return connections
    },
    async stop() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

export const EMPTY_VECTOR = JSON.stringify({
  status: 'success',
  data: { resultType: 'vector', result: [] },
})
