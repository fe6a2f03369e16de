/** The result contract moved to src/result/types.ts; re-exported here so existing imports keep compiling. */
export type * from '../result/types.js';
