export * from './inputs.js';
export * from './spec.js';
export * from './yaml-source.js';
export * from './sections/index.js';
export * from './json-schema.js';
