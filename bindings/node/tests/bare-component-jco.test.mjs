// The bare component, unmodified, in another runtime: `jco transpile` turns
// target/guest/.../chaosprometheus.wasm into JavaScript that runs on
// @bytecodealliance/preview2-shim's WASI and wasi:http. This host has no
// allow-list, no credentials of its own and no limits: see
// docs/embedding.md.
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'

import { transpiled } from './support/jco.mjs'
import { startPrometheus } from './support/servers.mjs'

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
