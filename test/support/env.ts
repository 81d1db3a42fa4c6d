/** Env var carrying the test Redis URL: set by you to use your own Redis, else by the global setup. */
export const REDIS_URL_ENV = 'CONVEYOR_TEST_REDIS_URL';
