'use strict'
// The npm package: the native addon (src/*.rs, napi-rs over the Rust host
// library), with its rejections turned into ProbeError subclasses. napi's
// errors carry no code of our own, so the addon gives each failure's kind
// as the error's `cause` (see src/lib.rs); everything else is the addon's.
// native.js is napi-rs's loader: it requires the platform package npm
// installed for this machine (chaosprometheus-linux-x64-gnu, say).

let native
try {
  native = require('./native.js')
} catch (error) {
  throw new Error(
    `chaosprometheus: no native addon for ${process.platform}-${process.arch} loads ` +
      `(${error.message}). Only Linux x86_64 with glibc is built; on it, reinstall ` +
      'without --no-optional / --omit=optional so npm installs chaosprometheus-linux-x64-gnu',
    { cause: error },
  )
}

class ProbeError extends Error {
  constructor(message, code) {
    super(message)
    const slash = code.indexOf('/')
    this.name = new.target.name
    this.kind = slash < 0 ? code : code.slice(0, slash)
    this.detail = slash < 0 ? undefined : code.slice(slash + 1)
    this.code = code
  }
}
class InvalidArgumentError extends ProbeError {}
class TransportError extends ProbeError {
  get failure() {
    return this.detail
  }
}
class HttpStatusError extends ProbeError {
  get status() {
    return Number(this.detail)
  }
}
class PrometheusError extends ProbeError {
  get errorType() {
    return this.detail ?? ''
  }
}
class BadResponseError extends ProbeError {}
class ResultShapeError extends ProbeError {}
class OtherError extends ProbeError {}
class HostError extends ProbeError {}

const BY_KIND = {
  'invalid-argument': InvalidArgumentError,
  transport: TransportError,
  'http-status': HttpStatusError,
  prometheus: PrometheusError,
  'bad-response': BadResponseError,
  'result-shape': ResultShapeError,
  other: OtherError,
}

/** The ProbeError for an addon error; napi's own errors (a wrong argument
 * type) become an InvalidArgumentError with napi's message. */
function probeError(error) {
  if (!(error instanceof Error) || error instanceof ProbeError) return error
  const code =
    error.cause instanceof Error && typeof error.cause.message === 'string'
      ? error.cause.message
      : error.code === 'InvalidArg' || error.code === 'ObjectExpected' ||
          error.code === 'StringExpected' || error.code === 'NumberExpected' ||
          error.code === 'BooleanExpected' || error.code === 'ArrayExpected'
        ? 'invalid-argument'
        : 'host'
  const kind = code.split('/', 1)[0]
  const Class = BY_KIND[kind] ?? HostError
  return new Class(error.message, code)
}

/** Runs `call`; a throw or a rejection comes out as a ProbeError. */
function converted(call) {
  let result
  try {
    result = call()
  } catch (error) {
    throw probeError(error)
  }
  if (result instanceof Promise) {
    return result.catch((error) => {
      throw probeError(error)
    })
  }
  return result
}

/** The native class with its constructor and methods converted in place,
 * so instances, `instanceof` and the generated declarations stay the
 * addon's own. */
function wrapClass(Class) {
  for (const name of Object.getOwnPropertyNames(Class.prototype)) {
    const descriptor = Object.getOwnPropertyDescriptor(Class.prototype, name)
    if (name === 'constructor' || typeof descriptor.value !== 'function') continue
    const method = descriptor.value
    Object.defineProperty(Class.prototype, name, {
      ...descriptor,
      value: {
        [name](...args) {
          return converted(() => method.apply(this, args))
        },
      }[name],
    })
  }
  return new Proxy(Class, {
    construct(target, args, newTarget) {
      return converted(() => Reflect.construct(target, args, newTarget))
    },
  })
}

// One `exports.NAME =` per export: Node's CommonJS lexer reads these, so
// index.mjs re-exports them by name without a second list.
exports.PrometheusProbes = wrapClass(native.PrometheusProbes)
exports.ControlRun = wrapClass(native.ControlRun)
exports.startRun = (settings) => converted(() => native.startRun(settings))
exports.loadComponent = () => converted(() => native.loadComponent())
exports.ProbeError = ProbeError
exports.InvalidArgumentError = InvalidArgumentError
exports.TransportError = TransportError
exports.HttpStatusError = HttpStatusError
exports.PrometheusError = PrometheusError
exports.BadResponseError = BadResponseError
exports.ResultShapeError = ResultShapeError
exports.OtherError = OtherError
exports.HostError = HostError
