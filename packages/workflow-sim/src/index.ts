export * from './run-bundle.js';
export * from './expressions.js';
export * from './runner.js';
export * from './validate.js';
