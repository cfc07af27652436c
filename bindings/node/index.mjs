// The ES module entry: the same objects as the CommonJS one (index.js), so
// `instanceof` holds whichever way a program imports the package.
import pkg from './index.js'

export const {
  PrometheusProbes,
  ControlRun,
  startRun,
  loadComponent,
  ProbeError,
  InvalidArgumentError,
  TransportError,
  HttpStatusError,
  PrometheusError,
  BadResponseError,
  ResultShapeError,
  OtherError,
  HostError,
} = pkg
export default pkg
