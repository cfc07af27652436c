// The control run from JavaScript, read back from a real Pushgateway.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { startPushgateway, startTestServer } from './support/servers.mjs'
import { chaosprometheus } from './support/package.mjs'

const { startRun, InvalidArgumentError, TransportError } = chaosprometheus

const EXPERIMENT = {
  title: 'node control test',
  description: 'pushes a run',
  method: [],
}

/** The value of `family`'s one series whose labels include `labels`. */
function value(group, family, labels = {}) {
  const metrics = group[family]?.metrics ?? []
  const found = metrics.filter((m) =>
    Object.entries(labels).every(([name, want]) => m.labels[name] === want),
  )
  assert.equal(found.length, 1, `${family} ${JSON.stringify(labels)}: ${JSON.stringify(metrics)}`)
  return Number(found[0].value ?? found[0].count)
}

describe('a control run against a real Pushgateway', () => {
  let pushgateway

  before(async () => {
    pushgateway = await startPushgateway()
  })

  after(async () => {
    await pushgateway?.stop()
  })

  test('before, an activity and after are pushed and read back', async () => {
    const run = await startRun({
      pushgatewayUrl: pushgateway.url,
      experiment: EXPERIMENT,
      activityMetrics: true,
      libVersion: '1.19.0',
    })
    assert.match(run.traceId, /^[0-9a-f]{32}$/)
    assert.match(run.experimentRef, /^[0-9a-f]{24}$/)
    assert.deepEqual(run.groupingKey, { chaostoolkit_experiment_ref: run.experimentRef })
    assert.equal(
      run.pushUrl,
      `${pushgateway.url}/metrics/job/chaostoolkit/chaostoolkit_experiment_ref/${run.experimentRef}`,
    )

    const before = await run.beforeExperiment()
    assert.equal(before.url, run.pushUrl)
    assert.equal(before.attempts, 1)
    assert.ok(before.bytes > 0)
    let [group] = await pushgateway.groups()
    assert.equal(value(group, 'chaostoolkit_inprogress_experiment'), 1)

    await run.afterActivity({ name: 'prometheus-up', kind: 'probe', status: 'succeeded', durationSeconds: 0.25 })
    const pushed = await run.afterExperiment({ status: 'failed', deviated: true, durationSeconds: 12.5 })
    assert.equal(pushed.attempts, 1)

    const groups = await pushgateway.groups()
    assert.equal(groups.length, 1)
    group = groups[0]
    assert.equal(group.labels.job, 'chaostoolkit')
    assert.equal(group.labels.chaostoolkit_experiment_ref, run.experimentRef)
    const mine = { chaostoolkit_run_trace_id: run.traceId, chaostoolkit_lib_version: '1.19.0' }
    assert.equal(value(group, 'chaostoolkit_inprogress_experiment', mine), 0)
    assert.equal(value(group, 'chaostoolkit_experiment_status', { ...mine, chaostoolkit_experiment_status: 'failed' }), 1)
    assert.equal(value(group, 'chaostoolkit_experiment_status', { chaostoolkit_experiment_status: 'completed' }), 0)
    assert.equal(value(group, 'chaostoolkit_experiment_duration', mine), 12.5)
    assert.equal(value(group, 'chaostoolkit_deviated_experiment_total', mine), 1)
    assert.equal(value(group, 'chaostoolkit_activity_duration_seconds', { activity: 'prometheus-up' }), 0.25)
    assert.equal(value(group, 'chaostoolkit_activity_status', { activity: 'prometheus-up', status: 'succeeded' }), 1)
  })

  test('the grouping key, job and credentials are the caller\'s', async () => {
    const echo = await startTestServer(() => ({ status: 200 }))
    try {
      const run = await startRun({
        pushgatewayUrl: echo.url,
        job: 'nightly',
        groupingKey: { team: 'sre', env: 'staging', attempt: 3, canary: true },
        experimentRef: 'abc123',
        traceId: '0123456789abcdef0123456789abcdef',
        bearerToken: 'sentinel-push-token',
      })
      // Sorted by name, as prometheus_client pushes it.
      // Values that are not strings read as Python's str() writes them (the
      // host library's rule, as in an experiment file).
      assert.deepEqual(Object.entries(run.groupingKey), [
        ['attempt', '3'], ['canary', 'True'], ['env', 'staging'], ['team', 'sre'],
      ])
      await run.beforeExperiment()
      assert.equal(echo.requests[0].method, 'PUT')
      assert.equal(echo.requests[0].path, '/metrics/job/nightly/attempt/3/canary/True/env/staging/team/sre')
      assert.equal(echo.requests[0].headers.authorization, 'Bearer sentinel-push-token')
    } finally {
      await echo.stop()
    }
  })

  test('a Pushgateway that is down is a TransportError after the retries', async () => {
    const down = await startTestServer(null)
    const url = down.url
    await down.stop()
    const run = await startRun({ pushgatewayUrl: url, experiment: EXPERIMENT, connectTimeoutMs: 200 })
    const error = await run.beforeExperiment().catch((e) => e)
    assert.ok(error instanceof TransportError, String(error))
    assert.equal(error.failure, 'connection-refused')
  })

  test('bad settings are refused', async () => {
    await assert.rejects(startRun({ pushgatewayUrl: 'nope' }), InvalidArgumentError)
    const run = await startRun({ pushgatewayUrl: pushgateway.url, experiment: EXPERIMENT })
    await assert.rejects(
      run.afterExperiment({ status: 'exploded', deviated: false, durationSeconds: 1 }),
      { name: 'InvalidArgumentError', message: /status 'exploded'/ },
    )
  })
})
