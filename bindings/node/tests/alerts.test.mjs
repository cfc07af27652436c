// The alerts probe of the Node package against a real Prometheus evaluating
// alerting rules (tests/fixtures/rules/always-firing.yml).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { startPrometheus } from './support/servers.mjs'
import { chaosprometheus } from './support/package.mjs'

const { PrometheusProbes, InvalidArgumentError } = chaosprometheus

describe('alerts against a real Prometheus', () => {
  let prometheus
  let probes

  before(async () => {
    prometheus = await startPrometheus({ rules: ['always-firing.yml'] })
    probes = new PrometheusProbes({ baseUrl: prometheus.url })
    await prometheus.waitForSeries('ALERTS{alertname="AlwaysFiring",alertstate="firing"}')
  })

  after(async () => {
    await prometheus?.stop()
  })

  test('alerts returns the active alerts that pass every condition', async () => {
    const all = await probes.alerts()
    assert.deepEqual(all.map((a) => a.labels.alertname), ['AlwaysFiring'])
    assert.equal(all[0].state, 'firing')
    const paged = await probes.alerts({
      labels: { team: 'sre' },
      matchers: ['severity=~"page|critical"'],
      state: 'firing',
    })
    assert.equal(paged.length, 1)
    assert.deepEqual(await probes.alerts({ alertname: 'NeverFiring' }), [])
    assert.deepEqual(await probes.alerts({ matchers: ['team!=sre'] }), [])
  })

  test('a bad state or matcher is an InvalidArgumentError', async () => {
    await assert.rejects(probes.alerts({ state: 'sleeping' }), InvalidArgumentError)
    await assert.rejects(probes.alerts({ matchers: ['no operator'] }), InvalidArgumentError)
  })
})
