// The bare component, unmodified, in another runtime: `jco transpile` turns
// target/guest/.../chaosprometheus.wasm into JavaScript that runs on
// @bytecodealliance/preview2-shim's WASI and wasi:http. This host has no
// allow-list, no credentials of its own and no limits: see the README's
// Embedding section.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { after, before, describe, test } from 'node:test'

import { SETUP, startPrometheus } from './support/servers.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const packageDir = join(here, '..')
const root = join(packageDir, '..', '..')
export const COMPONENT = join(root, 'target', 'guest', 'wasm32-wasip2', 'guest', 'chaosprometheus.wasm')
const JCO = join(packageDir, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'jco.js')

/** Transpiles the component into a fresh directory and imports it. */
export async function transpiled() {
  if (!existsSync(JCO)) {
    throw new Error(`@bytecodealliance/jco is not installed in bindings/node; run \`${SETUP}\``)
  }
  if (!existsSync(COMPONENT)) {
    throw new Error(`${COMPONENT} is not built; any build of chaosprometheus-host builds it (cargo build --release)`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'chaosprometheus-jco-'))
  execFileSync(process.execPath, [JCO, 'transpile', COMPONENT, '-o', dir, '--name', 'chaosprometheus', '--quiet'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  // jco's output is an ES module importing @bytecodealliance/preview2-shim.
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n')
  symlinkSync(join(packageDir, 'node_modules'), join(dir, 'node_modules'))
  const module = await import(pathToFileURL(join(dir, 'chaosprometheus.js')).href)
  return { module, dir }
}

describe('the bare component under jco', () => {
  let prometheus
  let component
  let endpoint

  before(async () => {
    component = await transpiled()
    prometheus = await startPrometheus()
    await prometheus.waitForSeries('up{job="prometheus"}')
    endpoint = { baseUrl: prometheus.url, headers: [] }
  })

  after(async () => {
    await prometheus?.stop()
    if (component) rmSync(component.dir, { recursive: true, force: true })
  })

  test('query returns Prometheus answer', () => {
    const text = component.module.probes.query(endpoint, { query: 'up{job="prometheus"}' })
    const answer = JSON.parse(text)
    assert.equal(answer.status, 'success')
    assert.equal(answer.data.result[0].metric.job, 'prometheus')
  })

  test('query-value returns the number, and a probe-error is thrown with its case', () => {
    assert.equal(component.module.probes.queryValue(endpoint, { query: 'vector(42)' }, undefined), 42)
    let thrown
    try {
      component.module.probes.query(endpoint, { query: 'up{' })
    } catch (error) {
      thrown = error
    }
    assert.equal(thrown?.payload?.tag, 'prometheus', String(thrown))
    assert.equal(thrown.payload.val.errorType, 'bad_data')
  })
})
