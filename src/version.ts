// Versions reported to clients: our own, and the Redis version we are compatible with.
export const VERSION = '0.1.0';
export const REDIS_VERSION = '7.2.0';
