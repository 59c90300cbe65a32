// `node --import` this (with SAPFLOW_TEST_PGLITE_TEMPLATE set) so a spawned gateway or CLI opens its new stores from
// the test run's template instead of running initdb.
import { usePgliteTemplate } from './pglite-template.mjs';

usePgliteTemplate();
