// Every declint the tests start judges as of one fixed day, so that the
// findings a test expects do not change with the calendar (a release that
// reaches its end of life, a lock that grows old). A test that is about the
// reference date itself sets SOURCE_DATE_EPOCH or --now on its own.
process.env.SOURCE_DATE_EPOCH = process.env.DECLINT_TEST_EPOCH ?? String(Date.UTC(2026, 10, 23) / 1000);
