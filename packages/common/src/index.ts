export * from './errors.js';
export * from './duration.js';
export * from './sleep.js';
export * from './retry.js';
export * from './secrets.js';
export * from './logger.js';
