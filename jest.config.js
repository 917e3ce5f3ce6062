// Every declint the tests start judges as of one fixed day, so that the
// findings a test expects do not follow the calendar (a release that reaches
// its end of life, a lock that grows old). Set here, in the process that
// starts the test workers, so that programs the tests spawn inherit it too. A
// test about the reference date itself sets SOURCE_DATE_EPOCH or --now.
process.env.SOURCE_DATE_EPOCH = String(Date.UTC(2026, 10, 23) / 1000);

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
