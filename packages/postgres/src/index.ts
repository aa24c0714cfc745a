export * from './connect.js';
export { default as pg } from 'pg';
