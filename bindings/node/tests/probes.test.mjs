// Every probe of the Node package against a real Prometheus on 127.0.0.1:
// parsed answers, typed errors, and 256 concurrent calls.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'

import { startPrometheus, startTestServer } from './support/servers.mjs'
import { chaosprometheus } from './support/package.mjs'

const {
  PrometheusProbes,
  InvalidArgumentError,
  ProbeError,
  PrometheusError,
  ResultShapeError,
} = chaosprometheus

// A node_exporter stand-in whose CPU is idle 75% of the time.
function nodeExporter(startedAt) {
  return () => {
    const idle = ((Date.now() - startedAt) / 1000) * 0.75
    const body =
      '# TYPE node_cpu_seconds_total counter\n' +
      `node_cpu_seconds_total{cpu="0",mode="idle"} ${idle}\n` +
      `node_cpu_seconds_total{cpu="0",mode="user"} ${idle / 3}\n`
    return { status: 200, headers: { 'Content-Type': 'text/plain; version=0.0.4' }, body }
  }
}

describe('probes against a real Prometheus', () => {
  let prometheus
  let exporter
  let probes

  before(async () => {
    exporter = await startTestServer(nodeExporter(Date.now()))
    prometheus = await startPrometheus({
      targets: [['node', `127.0.0.1:${exporter.port}`]],
    })
    probes = new PrometheusProbes({ baseUrl: prometheus.url })
    await prometheus.waitForSeries('up{job="prometheus"}')
  })

  after(async () => {
    await prometheus?.stop()
    await exporter?.stop()
  })

  test('query returns Prometheus answer parsed', async () => {
    const answer = await probes.query('up{job="prometheus"}')
    assert.equal(answer.status, 'success')
    assert.equal(answer.data.resultType, 'vector')
    assert.equal(answer.data.result[0].metric.job, 'prometheus')
    assert.equal(answer.data.result[0].value[1], '1')
    const earlier = await probes.query('vector(1)', { when: '5 minutes ago', timeout: '10s' })
    assert.equal(earlier.status, 'success')
  })

  test('queryInterval reads relative times and a step', async () => {
    const answer = await probes.queryInterval('up{job="prometheus"}', {
      start: '1 minute ago',
      end: 'now',
      step: 1,
    })
    assert.equal(answer.status, 'success')
    assert.equal(answer.data.resultType, 'matrix')
    assert.ok(answer.data.result[0].values.length >= 1)
    const stepText = await probes.queryInterval('vector(1)', { start: '-1m', end: 'now', step: '15s' })
    assert.equal(stepText.data.result[0].values.length, 5)
  })

  test('an explicit step of 1 is sent (Prometheus refuses a day), no step or 0 is the component\'s pick', async () => {
    const day = { start: '1 day ago', end: 'now' }
    await assert.rejects(probes.queryInterval('vector(1)', { ...day, step: 1 }), (error) => {
      assert.ok(error instanceof PrometheusError, String(error))
      assert.match(error.message, /11,000 points/)
      return true
    })
    for (const range of [day, { ...day, step: 0 }]) {
      const answer = await probes.queryInterval('vector(1)', range)
      const points = answer.data.result[0].values.length
      assert.ok(points >= 2 && points <= 11000, `${points} points`)
    }
  })

  test('a mean type the host library does not know is an InvalidArgumentError', async () => {
    await assert.rejects(probes.computeMean('vector(1)', { kind: 'median' }), (error) => {
      assert.ok(error instanceof InvalidArgumentError, String(error))
      assert.match(error.message, /'median' is not arithmetic, geometric or harmonic/)
      return true
    })
  })

  test('queryValue gives the one number, the default for no series, NaN kept', async () => {
    assert.equal(await probes.queryValue('vector(42)'), 42)
    assert.equal(await probes.queryValue('scalar(vector(2.5))'), 2.5)
    assert.equal(await probes.queryValue('absent_metric_xyz', { default: 7 }), 7)
    assert.ok(Number.isNaN(await probes.queryValue('vector(0) / 0')))
  })

  test('computeMean averages the one series over the window', async () => {
    const mean = await probes.computeMean('vector(42)', { window: '5m', kind: 'geometric' })
    assert.ok(Math.abs(mean - 42) < 1e-9, `mean ${mean}`)
    const harmonic = await probes.computeMean('vector(4)', { window: '1m', kind: 'harmonic', step: 10 })
    assert.ok(Math.abs(harmonic - 4) < 1e-9, `harmonic ${harmonic}`)
  })

  test('nodesCpuUsageMean is the mean CPU usage of node_cpu_seconds_total', async () => {
    await prometheus.waitForSeries('rate(node_cpu_seconds_total{mode="idle"}[1m])')
    // rate() divides by its whole 1m range, so a series a few seconds old
    // reads as mostly busy: compare with the same expression over the same
    // window, computed by computeMean, rather than with the stand-in's 25%.
    const window = { window: '5s', step: 1, end: new Date().toISOString() }
    const usage = await probes.nodesCpuUsageMean(window)
    const expression = '100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle"}[1m])))'
    assert.equal(usage, await probes.computeMean(expression, window))
    assert.ok(usage > 0 && usage <= 100, `CPU usage ${usage}%`)
  })

  test('a Prometheus error is a PrometheusError with upstream message', async () => {
    const error = await probes.query('up{').catch((e) => e)
    assert.ok(error instanceof PrometheusError, String(error))
    assert.ok(error instanceof ProbeError && error instanceof Error)
    assert.equal(error.kind, 'prometheus')
    assert.equal(error.errorType, 'bad_data')
    assert.equal(error.code, 'prometheus/bad_data')
    assert.match(error.message, /^Prometheus query \{'query': 'up\{'\} failed: /)
  })

  test('several series where one number is needed is a ResultShapeError', async () => {
    const twoSeries = 'vector(1) or label_replace(vector(2), "a", "b", "", "")'
    const error = await probes.queryValue(twoSeries).catch((e) => e)
    assert.ok(error instanceof ResultShapeError, String(error))
    assert.equal(error.kind, 'result-shape')
    await assert.rejects(probes.queryValue('absent_metric_xyz'), ResultShapeError)
  })

  test('256 concurrent calls all succeed', async () => {
    const calls = Array.from({ length: 256 }, (_, i) =>
      i % 2 ? probes.queryValue('vector(1)') : probes.query('up{job="prometheus"}'),
    )
    const settled = await Promise.allSettled(calls)
    const failed = settled.filter((s) => s.status === 'rejected')
    assert.deepEqual(failed.map((f) => String(f.reason)), [])
    assert.equal(settled.length, 256)
  })
})
