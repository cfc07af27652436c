// `node bench.mjs` (after `npm run build`): what a probe costs from Node,
// against a real Prometheus on 127.0.0.1: the Node package (the Rust host
// library through napi-rs, a fresh sandboxed instance per call) and the bare
// component under jco, per call and, for the package, 256 calls at once.
// It prints figures, it asserts nothing. The Rust host's own figures:
// `cargo bench -p chaosprometheus-cli` (per call) and the load test
// (`cargo test --release -p chaosprometheus-host --test all -- --exact
// load::ten_thousand_sequential_and_256_concurrent_calls_hold_steady
// --nocapture`, 256 at once); the wasmtime-py figure:
// `target/wasmtime-py-venv/bin/python bindings/wasmtime-py/bench.py`.
import { createRequire } from 'node:module'
import { rmSync } from 'node:fs'

import { transpiled } from './tests/support/jco.mjs'
import { startPrometheus } from './tests/support/servers.mjs'

const require = createRequire(import.meta.url)
const { PrometheusProbes, loadComponent } = require('.')

const CALLS = 1000
const JCO_CALLS = 300
const ROUNDS = 10
const QUERY = 'vector(1)'

const ms = (n) => `${n.toFixed(2)} ms`
function row(what, times) {
  const sorted = [...times].sort((a, b) => a - b)
  const pick = (q) => sorted[Math.round((sorted.length - 1) * q)]
  console.log(`${what.padEnd(62)} ${ms(pick(0.5)).padStart(10)} ${ms(pick(0.95)).padStart(10)}`)
  return pick(0.5)
}

const prometheus = await startPrometheus()
try {
  await prometheus.waitForSeries('up{job="prometheus"}')
  console.log(`chaosprometheus from Node ${process.version} (loopback Prometheus, query ${QUERY})\n`)
  console.log(`${'what'.padEnd(62)} ${'median'.padStart(10)} ${'p95'.padStart(10)}`)

  let started = performance.now()
  await loadComponent()
  row('Node package: load the component (from the cache)', [performance.now() - started])
  const probes = new PrometheusProbes({ baseUrl: prometheus.url })
  for (let i = 0; i < 50; i++) await probes.query(QUERY) // warm up

  const times = []
  for (let i = 0; i < CALLS; i++) {
    started = performance.now()
    await probes.query(QUERY)
    times.push(performance.now() - started)
  }
  row(`Node package: query, one at a time (${CALLS} calls)`, times)

  const rounds = []
  let errors = 0
  for (let round = 0; round < ROUNDS; round++) {
    started = performance.now()
    const settled = await Promise.allSettled(Array.from({ length: 256 }, () => probes.query(QUERY)))
    rounds.push(performance.now() - started)
    errors += settled.filter((s) => s.status === 'rejected').length
  }
  const concurrent = row(`Node package: 256 queries at once (${ROUNDS} rounds)`, rounds)
  console.log(
    `${'  throughput at 256 at once, median round'.padEnd(62)} ${`${Math.round(256 / (concurrent / 1000))}/s`.padStart(10)}` +
      `   (${errors} errors)`,
  )

  const component = await transpiled()
  try {
    const endpoint = { baseUrl: prometheus.url, headers: [] }
    const { probes: bare } = component.module
    for (let i = 0; i < 20; i++) bare.query(endpoint, { query: QUERY })
    const jcoTimes = []
    for (let i = 0; i < JCO_CALLS; i++) {
      started = performance.now()
      bare.query(endpoint, { query: QUERY })
      jcoTimes.push(performance.now() - started)
    }
    row(`bare component under jco: query (${JCO_CALLS} calls, blocking)`, jcoTimes)
  } finally {
    rmSync(component.dir, { recursive: true, force: true })
  }
} finally {
  await prometheus.stop()
}
