export * from './connect.js';
export { default as pg } from 'pg';
export * from './advisory-lock.js';
