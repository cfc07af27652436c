// The sandbox seen from JavaScript: the allow-list, credentials kept in the
// host, client timeouts and the call deadline, none of them blocking the
// event loop, and bad input refused before anything is sent.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { EMPTY_VECTOR, startTestServer } from './support/servers.mjs'
import { chaosprometheus } from './support/package.mjs'

const {
  PrometheusProbes,
  HostError,
  HttpStatusError,
  InvalidArgumentError,
  TransportError,
} = chaosprometheus

const TOKEN = 'sentinel-token-8c1f7e0b'
const PASSWORD = 'sentinel-password-51d2'
const TENANT = 'sentinel-tenant-77aa'

const prometheusLike = () => ({
  status: 200,
  headers: { 'Content-Type': 'application/json' },
  body: EMPTY_VECTOR,
})

describe('the sandbox', () => {
  const servers = []
  const serve = async (respond) => {
    const server = await startTestServer(respond)
    servers.push(server)
    return server
  }
  after(async () => {
    for (const server of servers) await server.stop()
  })

  test('a redirect to an authority not allowed is refused without a connection', async () => {
    const elsewhere = await serve(prometheusLike)
    const redirecting = await serve((request) => ({
      status: 302,
      headers: { Location: `${elsewhere.url}${request.path}` },
    }))
    const probes = new PrometheusProbes({ baseUrl: redirecting.url })
    const error = await probes.query('up').catch((e) => e)
    assert.ok(error instanceof TransportError, String(error))
    assert.equal(error.kind, 'transport')
    assert.equal(error.failure, 'denied')
    assert.equal(elsewhere.connections, 0)

    // Allowed with allowHosts, the same redirect is followed.
    const allowed = new PrometheusProbes({
      baseUrl: redirecting.url,
      allowHosts: [`127.0.0.1:${elsewhere.port}`],
    })
    assert.equal((await allowed.query('up')).status, 'success')
    assert.equal(elsewhere.requests.length, 1)
  })

  test('credentials reach the server and never an error', async () => {
    const echo = await serve(prometheusLike)
    const bearer = new PrometheusProbes({
      baseUrl: echo.url,
      bearerToken: TOKEN,
      headers: { 'X-Scope-OrgID': TENANT },
    })
    await bearer.query('up')
    assert.equal(echo.requests.at(-1).headers.authorization, `Bearer ${TOKEN}`)
    assert.equal(echo.requests.at(-1).headers['x-scope-orgid'], TENANT)

    const basic = new PrometheusProbes({
      baseUrl: echo.url,
      basicAuth: { user: 'chaos', password: PASSWORD },
    })
    await basic.query('up')
    const expected = 'Basic ' + Buffer.from(`chaos:${PASSWORD}`).toString('base64')
    assert.equal(echo.requests.at(-1).headers.authorization, expected)

    // A server that echoes the request's headers back in its error.
    const tattler = await serve((request) => ({
      status: 401,
      body: `denied: ${JSON.stringify(request.headers)}`,
    }))
    for (const options of [
      { bearerToken: TOKEN, headers: { 'X-Scope-OrgID': TENANT } },
      { basicAuth: `chaos:${PASSWORD}` },
    ]) {
      const probes = new PrometheusProbes({ baseUrl: tattler.url, ...options })
      const error = await probes.query('up').catch((e) => e)
      assert.ok(error instanceof HttpStatusError, String(error))
      assert.equal(error.status, 401)
      const seen = `${error.message} ${error.stack} ${JSON.stringify(error)}`
      for (const secret of [TOKEN, PASSWORD, TENANT, Buffer.from(`chaos:${PASSWORD}`).toString('base64')]) {
        assert.ok(!seen.includes(secret), `the error shows a secret: ${seen}`)
      }
    }
  })

  test('a silent server ends in a typed timeout while the event loop keeps running', async () => {
    const silent = await serve(null)
    const probes = new PrometheusProbes({ baseUrl: silent.url, firstByteTimeoutMs: 500 })
    let ticks = 0
    const timer = setInterval(() => ticks++, 10)
    const started = Date.now()
    const error = await probes.query('up').catch((e) => e)
    const elapsed = Date.now() - started
    clearInterval(timer)
    assert.ok(error instanceof TransportError, String(error))
    assert.equal(error.code, 'transport/timeout')
    assert.ok(error.message.includes(silent.url.replace('http://', '')), error.message)
    assert.ok(elapsed >= 450, `ended after ${elapsed} ms`)
    // A blocked event loop would not have ticked at all during the wait.
    assert.ok(ticks >= 20, `the timer ticked ${ticks} times in ${elapsed} ms`)
  })

  test('the call deadline stops a call the client timeouts would let wait', async () => {
    const silent = await serve(null)
    const probes = new PrometheusProbes({
      baseUrl: silent.url,
      firstByteTimeoutMs: 60_000,
      limits: { deadlineMs: 300 },
    })
    const error = await probes.query('up').catch((e) => e)
    assert.ok(error instanceof HostError, String(error))
    assert.equal(error.kind, 'deadline')
    // The host carries on: later calls work.
    const fine = await serve(prometheusLike)
    assert.equal((await new PrometheusProbes({ baseUrl: fine.url }).query('up')).status, 'success')
  })

  test('an unreadable time is refused before anything is sent', async () => {
    const echo = await serve(prometheusLike)
    const probes = new PrometheusProbes({ baseUrl: echo.url })
    for (const when of ['2 mns ago', 'right now']) {
      const error = await probes.query('up', { when }).catch((e) => e)
      assert.ok(error instanceof InvalidArgumentError, String(error))
      assert.equal(error.kind, 'invalid-argument')
      assert.equal(error.message, `failed to parse '${when}'`)
    }
    await assert.rejects(
      probes.queryInterval('up', { start: 'a while ago', end: 'now' }),
      { name: 'InvalidArgumentError', message: "failed to parse 'a while ago'" },
    )
    await assert.rejects(probes.computeMean('up', { kind: 'median' }), InvalidArgumentError)
    assert.equal(echo.requests.length, 0)
  })

  test('a bad URL or option is refused when the probes are built', () => {
    assert.throws(() => new PrometheusProbes({ baseUrl: 'not a url' }), {
      name: 'InvalidArgumentError',
      message: /^baseUrl: 'not a url' /,
    })
    assert.throws(() => new PrometheusProbes({ baseUrl: 'ftp://127.0.0.1' }), InvalidArgumentError)
    assert.throws(
      () => new PrometheusProbes({ baseUrl: 'http://127.0.0.1:9', basicAuth: 'no-colon' }),
      { name: 'InvalidArgumentError', message: 'basicAuth: basic auth must be written user:password' },
    )
    assert.throws(
      () => new PrometheusProbes({ allowHosts: ['bad host name:x'] }),
      InvalidArgumentError,
    )
    assert.throws(() => new PrometheusProbes({ limits: { fuel: -1 } }), InvalidArgumentError)
    assert.throws(() => new PrometheusProbes({ baseUrl: 42 }), InvalidArgumentError)
  })
})
