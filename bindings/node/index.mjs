// The ES module entry: the CommonJS module's exports (index.js), the same
// objects, so `instanceof` holds whichever way a program loads the package.
export * from './index.js'
export { default } from './index.js'
