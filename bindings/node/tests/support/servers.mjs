// Real Prometheus and Pushgateway processes from the Debian packages, each on
// 127.0.0.1 with an ephemeral port and its own temp dir, stopped at the end;
// and a small in-test HTTP server for what a real server will not do on
// demand (echo the request, never answer). bindings/python/tests/support/
// servers.py does the same for the Python package.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export const SETUP = 'scripts/setup.sh'

/** The path of `name`, or an error that says how to install it. */
export function requireBinary(name, debianPackage) {
  const found = spawnSync('sh', ['-c', `command -v "${name}"`], { encoding: 'utf8' })
  const path = found.stdout.trim()
  if (found.status !== 0 || !path) {
    throw new Error(
      `\`${name}\` is not installed, so this test cannot start a real server. ` +
        `Run \`${SETUP}\` (it installs the Debian package \`${debianPackage}\`), ` +
        'then run the tests again.',
    )
  }
  return path
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

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

class ServerProcess {
  constructor(command, args, port, directory) {
    this.port = port
    this.url = `http://127.0.0.1:${port}`
    this.logPath = join(directory, 'server.log')
    const log = openSync(this.logPath, 'w')
    this.exited = false
    this.child = spawn(command, args, { stdio: ['ignore', log, log] })
    this.child.on('exit', () => (this.exited = true))
  }

  async ready(path) {
    return waitUntil(30_000, async () => {
      if (this.exited) return false
      const answer = await get(this.url + path)
      return answer?.status === 200 ? true : undefined
    })
  }

  log() {
    return readFileSync(this.logPath, 'utf8')
  }

  async stop() {
    if (!this.exited) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve))
      this.child.kill('SIGKILL')
      await exited
    }
  }
}

async function start(what, make) {
  // A port picked free can be taken before the server binds it: retry.
  let lastLog = ''
  for (let attempt = 0; attempt < 3; attempt++) {
    const { server, readyPath } = await make()
    if (await server.ready(readyPath)) return server
    lastLog = server.log()
    await server.stop()
  }
  throw new Error(`${what} did not become ready; its log:\n${lastLog}`)
}

/** A real Prometheus scraping itself every second (job `prometheus`) and
 * the `[job, "host:port"]` targets given, with the alerting rules given
 * (YAML text) evaluated every second. */
export async function startPrometheus({ targets = [], rules } = {}) {
  const binary = requireBinary('prometheus', 'prometheus')
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'))
  const server = await start('Prometheus', async () => {
    const port = await freePort()
    const config = join(dir, 'prometheus.yml')
    let text = 'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n'
    if (rules) {
      writeFileSync(join(dir, 'rules.yml'), rules)
      text += `rule_files: ['${join(dir, 'rules.yml')}']\n`
    }
    text += 'scrape_configs:\n  - job_name: prometheus\n'
    text += `    static_configs: [{targets: ['127.0.0.1:${port}']}]\n`
    for (const [job, target] of targets) {
      text += `  - job_name: ${job}\n    static_configs: [{targets: ['${target}']}]\n`
    }
    writeFileSync(config, text)
    const args = [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, `data-${port}`)}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ]
    return { server: new ServerProcess(binary, args, port, dir), readyPath: '/-/ready' }
  })
  return {
    url: server.url,
    /** Waits until `query` has a series (the first scrapes take a second). */
    async waitForSeries(query) {
      const url = `${server.url}/api/v1/query?query=${encodeURIComponent(query)}`
      const found = await waitUntil(60_000, async () => {
        const answer = await get(url)
        return answer?.status === 200 && !answer.text.includes('"result":[]') ? true : undefined
      })
      if (!found) throw new Error(`no series for ${query} within 60 s`)
    },
    async stop() {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A real Pushgateway with persistence off. */
export async function startPushgateway() {
  const binary = requireBinary('prometheus-pushgateway', 'prometheus-pushgateway')
  const dir = mkdtempSync(join(tmpdir(), 'pushgateway-'))
  const server = await start('the Pushgateway', async () => {
    const port = await freePort()
    const args = [
      `--web.listen-address=127.0.0.1:${port}`,
      // Debian's build persists to /var/lib by default, which would carry
      // groups from one gateway to the next.
      '--persistence.file=',
      '--log.level=warn',
    ]
    return { server: new ServerProcess(binary, args, port, dir), readyPath: '/-/ready' }
  })
  return {
    url: server.url,
    /** The groups pushed, as the Pushgateway's API lists them. */
    async groups() {
      const answer = await get(`${server.url}/api/v1/metrics`, 5000)
      if (answer?.status !== 200) throw new Error('the Pushgateway does not answer')
      return JSON.parse(answer.text).data ?? []
    },
    async stop() {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    },
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
