// The judgements of the Node package against a real Prometheus backfilled
// with the harness's history (tests/src/history.rs): instance b's latency
// doubles 25 minutes before the end, the error counter is at 2% over the
// last hour. The figures are the history's, as host-example's tests check.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { startPrometheus } from './support/servers.mjs'
import { chaosprometheus } from './support/package.mjs'

const { PrometheusProbes, InvalidArgumentError, PrometheusError } = chaosprometheus

const series = (report, instance) => {
  const found = report.series.find((s) => s.labels.instance === instance)
  assert.ok(found, `no series ${instance} in ${JSON.stringify(report)}`)
  return found
}

describe('judgements against a real Prometheus with history', () => {
  let prometheus
  let probes
  let end
  // The baseline window is 40 to 30 minutes before the end, the degraded
  // one 20 to 10 minutes before it (tests/src/history.rs).
  const at = (minutesBefore) => String(end - minutesBefore * 60)

  before(async () => {
    prometheus = await startPrometheus({ history: true })
    assert.equal(typeof prometheus.historyEnd, 'number', 'the launcher printed history_end')
    end = prometheus.historyEnd
    probes = new PrometheusProbes({ baseUrl: prometheus.url })
  })

  after(async () => {
    await prometheus?.stop()
  })

  test('compareToBaseline fails b, whose latency doubled, and passes a', async () => {
    const report = await probes.compareToBaseline({
      query: 'chaos_latency_seconds',
      baselineStart: at(40),
      baselineEnd: at(30),
      start: at(20),
      end: at(10),
      step: '15s',
      maxChange: 0.5,
    })
    assert.equal(report.verdict, 'fail', JSON.stringify(report))
    const a = series(report, 'a')
    const b = series(report, 'b')
    assert.equal(a.verdict, 'pass')
    assert.equal(b.verdict, 'fail')
    // Ten minutes on a 15 s grid, both ends in: 41 samples a window, in the
    // same phase of the 5-step cycle, so a's mean is unchanged and b's doubled.
    for (const s of [a, b]) {
      assert.equal(s.baseline.samples, 41)
      assert.equal(s.window.samples, 41)
    }
    assert.ok(Math.abs(a.change) < 1e-9, `a changed ${a.change}`)
    assert.ok(Math.abs(b.change - 1) < 1e-9, `b changed ${b.change}`)
    assert.ok(b.p_value < 1e-6, `p = ${b.p_value}`)
    assert.match(
      report.explain,
      /^fail: 1 of 2 series of chaos_latency_seconds; for chaos_latency_seconds\{instance="b"\}, the mean rose 100%/,
    )
  })

  test('compareToBaseline leaves unset options to the host defaults', async () => {
    // b doubled: beyond the default 20% in the default direction (increase).
    const report = await probes.compareToBaseline({
      query: 'chaos_latency_seconds{instance="b"}',
      baselineStart: at(40),
      baselineEnd: at(30),
      start: at(20),
      end: at(10),
      maxChange: undefined,
      direction: undefined,
    })
    assert.equal(report.verdict, 'fail', JSON.stringify(report))
    assert.match(report.explain, /beyond the 20% allowed/)
    const decrease = await probes.compareToBaseline({
      query: 'chaos_latency_seconds{instance="b"}',
      baselineStart: at(40),
      baselineEnd: at(30),
      start: at(20),
      end: at(10),
      direction: 'decrease',
    })
    assert.equal(decrease.verdict, 'pass', JSON.stringify(decrease))
  })

  test('sloBurnRate burns 20 times the budget over the last hour', async () => {
    const report = await probes.sloBurnRate({
      badQuery: 'sum(rate(chaos_errors_total[$window]))',
      totalQuery: 'sum(rate(chaos_requests_total[$window]))',
      objective: 0.999,
      at: String(end),
    })
    assert.equal(report.verdict, 'fail', JSON.stringify(report))
    const [fast, slow] = report.windows
    assert.deepEqual([fast.long, fast.short, fast.verdict], ['1h', '5m', 'fail'])
    for (const window of ['long', 'short']) {
      const burn = fast.series[0][window].burn_rate
      assert.ok(Math.abs(burn - 20) < 1e-6, `${window}: ${burn}`)
    }
    assert.equal(slow.verdict, 'pass')
    // Window pairs as arrays, before the errors started: no burn.
    const before = await probes.sloBurnRate({
      errorRatioQuery:
        'sum(rate(chaos_errors_total[$window])) / sum(rate(chaos_requests_total[$window]))',
      objective: 0.999,
      at: at(61),
      windows: [['1h', '5m', 14.4]],
    })
    assert.equal(before.verdict, 'pass', JSON.stringify(before))
    assert.equal(before.windows[0].series[0].long.burn_rate, 0)
  })

  test('thresholdOverWindow judges each series and each mode', async () => {
    const window = { start: at(20), end: at(10), step: 15 }
    const always = await probes.thresholdOverWindow({
      query: 'chaos_latency_seconds',
      ...window,
      comparator: '<',
      value: 0.15,
    })
    assert.equal(always.verdict, 'fail', JSON.stringify(always))
    assert.equal(series(always, 'a').verdict, 'pass')
    assert.equal(series(always, 'b').meeting, 0)
    assert.match(always.explain, /chaos_latency_seconds\{instance="b"\}: 0 of 41 samples were < 0.15/)
    const once = await probes.thresholdOverWindow({
      query: 'chaos_latency_seconds{instance="b"}',
      ...window,
      comparator: '<',
      value: 0.21,
      mode: 'at_least_once',
    })
    assert.equal(once.verdict, 'pass', JSON.stringify(once))
    const pooled = await probes.thresholdOverWindow({
      query: 'chaos_latency_seconds',
      ...window,
      comparator: 'lt',
      value: 0.15,
      perSeries: false,
      fraction: 0.5,
    })
    assert.equal(pooled.verdict, 'pass', JSON.stringify(pooled))
    assert.equal(pooled.all.samples, 82)
  })

  test('waitUntil times out with the last value', async () => {
    const report = await probes.waitUntil({
      query: 'vector(3)',
      comparator: '<',
      value: 1,
      timeout: '2s',
      interval: '500ms',
    })
    assert.equal(report.verdict, 'fail', JSON.stringify(report))
    assert.equal(report.judgement, 'wait_until')
    assert.ok(report.checks >= 2, JSON.stringify(report))
    assert.ok(report.waited_seconds <= 2, JSON.stringify(report))
    assert.match(report.explain, /did not hold within 2s/)
    assert.match(report.explain, /\{\} is 3/)
  })

  test('waitUntil returns once the condition holds', async () => {
    const report = await probes.waitUntil({
      query: 'vector(1)',
      comparator: '==',
      value: 1,
      timeout: '60s',
      interval: '200ms',
    })
    assert.equal(report.verdict, 'pass', JSON.stringify(report))
    assert.equal(report.checks, 1)
    assert.equal(report.series[0].value, '1')
  })

  test('bad arguments and refused queries are typed errors, not verdicts', async () => {
    await assert.rejects(
      probes.waitUntil({ query: 'up', comparator: '=>', value: 1 }),
      (error) => error instanceof InvalidArgumentError && /comparator must be one of/.test(error.message),
    )
    await assert.rejects(
      probes.sloBurnRate({ objective: 0.999, badQuery: 'sum(rate(x[$window]))' }),
      (error) => error instanceof InvalidArgumentError && /give error_ratio_query/.test(error.message),
    )
    await assert.rejects(
      probes.thresholdOverWindow({ query: 'rate(', start: at(20), end: at(10), comparator: '<', value: 1 }),
      (error) => error instanceof PrometheusError && error.errorType === 'bad_data',
    )
  })
})
