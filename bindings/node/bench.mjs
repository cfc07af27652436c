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
//
// `--url URL` measures that Prometheus instead of starting one, `--query
// PROMQL` and `--calls N` change what is measured, and `--json` prints only
// the package's load time, its median `query` and the process's peak memory
// as one JSON line (what scripts/bench.sh puts in its table).
import { rmSync } from 'node:fs'
import { parseArgs } from 'node:util'

import { transpiled } from './tests/support/jco.mjs'
import { startPrometheus } from './tests/support/servers.mjs'
import { chaosprometheus } from './tests/support/package.mjs'

const { PrometheusProbes, loadComponent } = chaosprometheus

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    query: { type: 'string', default: 'vector(1)' },
    calls: { type: 'string', default: '1000' },
    json: { type: 'boolean', default: false },
  },
})
const CALLS = Number(args.calls)
const JCO_CALLS = 300
const ROUNDS = 10
const QUERY = args.query

const ms = (n) => `${n.toFixed(2)} ms`
const pick = (times, q) => [...times].sort((a, b) => a - b)[Math.round((times.length - 1) * q)]
function row(what, times) {
  const [median, p95] = [ms(pick(times, 0.5)), ms(pick(times, 0.95))]
  console.log(`${what.padEnd(62)} ${median.padStart(10)} ${p95.padStart(10)}`)
  return pick(times, 0.5)
}

/** The Node package: loading the component, then `query` one call at a time. */
async function packageCalls(url) {
  let started = performance.now()
  await loadComponent()
  const load = performance.now() - started
  const probes = new PrometheusProbes({ baseUrl: url })
  for (let i = 0; i < 50; i++) await probes.query(QUERY) // warm up
  const times = []
  for (let i = 0; i < CALLS; i++) {
    started = performance.now()
    await probes.query(QUERY)
    times.push(performance.now() - started)
  }
  return { load, times, probes }
}

/** The package 256 calls at once, and the bare component under jco. */
async function concurrentAndJco(url, probes) {
  const rounds = []
  let errors = 0
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now()
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
    const endpoint = { baseUrl: url, headers: [] }
    const { probes: bare } = component.module
    for (let i = 0; i < 20; i++) bare.query(endpoint, { query: QUERY })
    const jcoTimes = []
    for (let i = 0; i < JCO_CALLS; i++) {
      const started = performance.now()
      bare.query(endpoint, { query: QUERY })
      jcoTimes.push(performance.now() - started)
    }
    row(`bare component under jco: query (${JCO_CALLS} calls, blocking)`, jcoTimes)
  } finally {
    rmSync(component.dir, { recursive: true, force: true })
  }
}

// Ours only when no Prometheus was given.
const prometheus = args.url ? null : await startPrometheus()
try {
  const url = args.url ?? prometheus.url
  if (prometheus) await prometheus.waitForSeries('up{job="prometheus"}')
  const { load, times, probes } = await packageCalls(url)
  if (args.json) {
    console.log(
      JSON.stringify({
        calls: CALLS,
        query: QUERY,
        load_s: load / 1000,
        query_s: pick(times, 0.5) / 1000,
        // resourceUsage().maxRSS is in KiB.
        peak_rss_mib: process.resourceUsage().maxRSS / 1024,
      }),
    )
  } else {
    console.log(`chaosprometheus from Node ${process.version} (loopback Prometheus, query ${QUERY})\n`)
    console.log(`${'what'.padEnd(62)} ${'median'.padStart(10)} ${'p95'.padStart(10)}`)
    row('Node package: load the component (from the cache)', [load])
    row(`Node package: query, one at a time (${CALLS} calls)`, times)
    await concurrentAndJco(url, probes)
  }
} finally {
  await prometheus?.stop()
}
